#!/bin/bash
# Device run 1: EXP_POLY (some of the softmax's exponentials on the FMA pipe) at the long problems,
# beside cuDNN FP8 in one run. The space's EXP_POLY values are widened to 0..4 for the comparison.
# It needs data/runs/h200-exp-poly/exp_poly.patch applied (the parameter was dropped after this run).
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
SP=/tmp/exp_poly.toml
python3 - search_spaces/sdpa_fp8.toml $SP <<'PY'
import os, sys
s = open(sys.argv[1]).read()
i = s.index("[params.EXP_POLY]"); j = s.index("values =", i); k = s.index("\n", j)
s = s[:j] + 'values = [0, 1, 2, 3, 4]' + s[k:]
s = s.replace('"../kernel_templates/', '"' + os.getcwd() + '/kernel_templates/')
open(sys.argv[2], "w").write(s)
PY
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
B="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32"
O="$B,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PRODUCER_REGS=40,PERSISTENT=true"
bench() { # name shape config
  local d=$OUT/bench/${2//[,=]/_}/$1; mkdir -p $d
  timeout 60 $E bench --space $SP --shape $2 --config "$3" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-20) $(grep -oE 'max_abs +[0-9.e-]+' $d/bench.log | head -1) $(grep -oE '[0-9]+ B spilled' $d/bench.log) $(grep -m1 -oE '(breaks constraint|error).*' $d/bench.log | cut -c1-100) $(el)"
}
base() {
  local d=$OUT/base/${1//[,=]/_}; mkdir -p $d
  timeout 90 $E baseline --shape $1 --only cudnn_fp8 --out $d > $d/baseline.log 2>&1; echo "baseline $1 rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-110) $(el)"
}
S=8,16,8192,128
for P in 0 1 2 3 4; do
  bench exp192_p1_poly$P $S "$O,ROWSUM=inline,EXP_POLY=$P,PINGPONG=true,TURN=exp,BLOCK_N=192,P_BUFFERS=1"
done
base $S
for P in 0 2 4; do
  bench exp160_p2_poly$P $S "$O,ROWSUM=inline,EXP_POLY=$P,PINGPONG=true,TURN=exp,BLOCK_N=160,P_BUFFERS=2"
  bench late_nopp192_p1_poly$P $S "$O,ROWSUM=late,EXP_POLY=$P,PINGPONG=false,BLOCK_N=192,P_BUFFERS=1"
done
S=4,32,2048,128
for P in 0 2 4; do
  bench exp192_p1_poly$P $S "$O,ROWSUM=inline,EXP_POLY=$P,PINGPONG=true,TURN=exp,BLOCK_N=192,P_BUFFERS=1"
done
base $S
for P in 0 2 4; do
  bench late_serial192_poly$P 8,16,8192,64 "$B,PERSISTENT=true,ROWSUM=late,EXP_POLY=$P,STAGES=3,WAIT=spin,BLOCK_M=192,OVERLAP=false,VT_STAGES=1,SWIZZLE=64,BLOCK_N=128,PRODUCER_REGS=40"
  bench late_exp192_p1_poly$P 8,16,8192,128,causal "$O,ROWSUM=late,EXP_POLY=$P,PINGPONG=true,TURN=exp,BLOCK_N=192,P_BUFFERS=1"
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
