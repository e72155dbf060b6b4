#!/bin/bash
# Device run 4: where the long problems stand with the committed space and template (PACK, and
# persistent causal groups that count a KV head's K and V once for the query heads sharing it),
# each best beside cuDNN FP8 in one run.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
tar xJf .device/cudnn_site.tar.xz -C /tmp
export PYTHONPATH=/tmp/site
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
B="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32"
O="$B,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PRODUCER_REGS=40,PINGPONG=true,TURN=exp,PERSISTENT=true"
bench() { # name shape config
  local d=$OUT/bench/${2//[,=]/_}/$1; mkdir -p $d
  timeout 60 $E bench --shape $2 --config "$3" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-20) $(grep -m1 -oE '(breaks constraint|error).*' $d/bench.log | cut -c1-100) $(el)"
}
base() {
  local d=$OUT/base/${1//[,=]/_}; mkdir -p $d
  timeout 90 $E baseline --shape $1 --only cudnn_fp8 --out $d > $d/baseline.log 2>&1; echo "baseline $1 rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-110) $(el)"
}
S=8,16,8192,128; base $S; bench n192_inline_after $S "$O,P_BUFFERS=1,PACK=after,ROWSUM=inline,BLOCK_N=192"
S=4,32,2048,128; base $S; bench n192_inline_after $S "$O,P_BUFFERS=1,PACK=after,ROWSUM=inline,BLOCK_N=192"
S=8,16,8192,64; base $S; bench serial192x128_late $S "$B,PERSISTENT=true,ROWSUM=late,STAGES=3,WAIT=spin,BLOCK_M=192,OVERLAP=false,VT_STAGES=1,SWIZZLE=64,BLOCK_N=128,PRODUCER_REGS=40"
S=8,16,8192,128,causal; base $S; bench n192_late_turn $S "$O,P_BUFFERS=1,PACK=turn,ROWSUM=late,BLOCK_N=192"
S=1,32,8192,128,causal,kv_heads=8; base $S
bench n192_late_turn $S "$O,P_BUFFERS=1,PACK=turn,ROWSUM=late,BLOCK_N=192"
bench n160_2buf $S "$O,P_BUFFERS=2,ROWSUM=inline,BLOCK_N=160"
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
