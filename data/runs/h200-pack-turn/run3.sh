#!/bin/bash
# Device run 3: grouped-query causal attention at 1,32,8192,128 (8 and 32 KV heads) with PACK
# "turn" and "after", persistent and not, beside cuDNN FP8, and 4,8,8192,128 causal (as many
# query tiles as 1,32 with 8 KV heads' per-head work, B > 1) for the grid's share of the gap.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
tar xJf .device/cudnn_site.tar.xz -C /tmp
export PYTHONPATH=/tmp/site
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
B="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32"
O="$B,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PRODUCER_REGS=40,PINGPONG=true,TURN=exp"
bench() { # name shape config
  local d=$OUT/bench/${2//[,=]/_}/$1; mkdir -p $d
  timeout 60 $E bench --shape $2 --config "$3" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-20) $(grep -oE '[0-9]+ B spilled' $d/bench.log) $(grep -m1 -oE '(breaks constraint|error).*' $d/bench.log | cut -c1-100) $(el)"
}
base() {
  local d=$OUT/base/${1//[,=]/_}; mkdir -p $d
  timeout 90 $E baseline --shape $1 --only cudnn_fp8 --out $d > $d/baseline.log 2>&1; echo "baseline $1 rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-110) $(el)"
}
for S in 1,32,8192,128,causal,kv_heads=8 1,32,8192,128,causal 4,8,8192,128,causal; do
  base $S
  for per in false true; do
    bench n192_late_turn_p$per $S "$O,P_BUFFERS=1,PACK=turn,PERSISTENT=$per,ROWSUM=late,BLOCK_N=192"
    bench n160_inline_turn_p$per $S "$O,P_BUFFERS=1,PACK=turn,PERSISTENT=$per,ROWSUM=inline,BLOCK_N=160"
    bench n160_inline_2buf_p$per $S "$O,P_BUFFERS=2,PERSISTENT=$per,ROWSUM=inline,BLOCK_N=160"
    bench n128_inline_turn_p$per $S "$O,P_BUFFERS=1,PACK=turn,PERSISTENT=$per,ROWSUM=inline,BLOCK_N=128"
  done
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
