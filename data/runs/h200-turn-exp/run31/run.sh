#!/bin/bash
# Device run 31: one run, one card: the 128 x 192 overlapped kernel with wgmma turns and with
# exponential turns beside cuDNN FP8 at 8,16,8192,128 and 4,32,2048,128, and the D 64 best
# beside cuDNN FP8 at 8,16,8192,64.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu,power.draw --format=csv,noheader | tee $OUT/env.txt
W="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,PERSISTENT=true,STAGES=2,SWIZZLE=128,WAIT=suspend,BLOCK_M=128,PINGPONG=true"
OB="$W,ARRIVE=thread,BLOCK_N=192,OVERLAP=true,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=40"
S64="ARRIVE=thread,FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,PERSISTENT=true,PINGPONG=false,SWIZZLE=64,VT_STAGES=1,VT_SWIZZLE=128,BLOCK_M=192,BLOCK_N=128,OVERLAP=false,PRODUCER_REGS=40,STAGES=3,WAIT=spin"
bench() { # name shape config
  local d=$OUT/bench/$2/$1; mkdir -p $d
  timeout 40 $E bench --space .device/wgmma.toml --shape $2 --config "$3" --timeout 20 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c1-64) | $(grep -E '^outcome' $d/bench.log) $(el)"
}
base() {
  local d=$OUT/base/$1; mkdir -p $d
  timeout 60 $E baseline --shape $1 --only cudnn_fp8,floor --out $d > $d/baseline.log 2>&1; echo "baseline $1 rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-110) $(el)"
}
for s in 8,16,8192,128 4,32,2048,128; do
  bench ob_wgmma $s "$OB,TURN=wgmma"; bench ob_exp $s "$OB,TURN=exp"; base $s; bench ob_exp_again $s "$OB,TURN=exp"
done
bench s64 8,16,8192,64 "$S64"; base 8,16,8192,64
nvidia-smi --query-gpu=clocks.sm,temperature.gpu,power.draw --format=csv,noheader | tee -a $OUT/env.txt
find $OUT -name "*.cubin" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
