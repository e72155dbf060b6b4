#!/bin/bash
# Device run 4: causal problems (plain and 8 KV heads) with exponential turns and two P buffers,
# beside the earlier best and cuDNN FP8 in one run.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
SP=.device/pb.toml
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
B="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32,BLOCK_M=128"
O="$B,STAGES=2,WAIT=suspend,OVERLAP=true,VT_STAGES=2,SWIZZLE=128"
bench() { # name shape config
  local d=$OUT/bench/${2//[,=]/_}/$1; mkdir -p $d
  timeout 60 $E bench --space $SP --shape $2 --config "$3" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c1-64) | $(grep -E '^outcome' $d/bench.log | cut -c12-20) $(grep -oE 'max_abs +[0-9.e-]+' $d/bench.log | head -1) $(grep -oE '[0-9]+ B spilled' $d/bench.log) $(grep -m1 -oE '(breaks constraint|error).*' $d/bench.log | cut -c1-100) $(el)"
}
base() {
  local d=$OUT/base/${1//[,=]/_}; mkdir -p $d
  timeout 90 $E baseline --shape $1 --only cudnn_fp8 --out $d > $d/baseline.log 2>&1; echo "baseline $1 rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-110) $(el)"
}
for S in 1,32,8192,128,causal,kv_heads=8 8,16,8192,128,causal; do
  bench serial_pp192 $S "$B,STAGES=3,WAIT=suspend,OVERLAP=false,VT_STAGES=1,SWIZZLE=64,BLOCK_N=192,PINGPONG=true,TURN=wgmma,PRODUCER_REGS=56,PERSISTENT=false"
  bench p1_exp192 $S "$O,PINGPONG=true,TURN=exp,BLOCK_N=192,PRODUCER_REGS=40,P_BUFFERS=1,PERSISTENT=false"
  bench p1_exp192_pers $S "$O,PINGPONG=true,TURN=exp,BLOCK_N=192,PRODUCER_REGS=40,P_BUFFERS=1,PERSISTENT=true"
  bench p2_exp160 $S "$O,PINGPONG=true,TURN=exp,BLOCK_N=160,PRODUCER_REGS=40,P_BUFFERS=2,PERSISTENT=false"
  bench p2_exp160_pers $S "$O,PINGPONG=true,TURN=exp,BLOCK_N=160,PRODUCER_REGS=40,P_BUFFERS=2,PERSISTENT=true"
  base $S
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
