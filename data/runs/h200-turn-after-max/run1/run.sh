#!/bin/bash
# Device run 1: TURN "exp_max" (the exponential turn's barrier waits for the row maxima and the
# vote) against "exp" at the long problems, with both ROWSUM values, and a validation sample of
# exp_max points.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
SP=search_spaces/sdpa_fp8.toml
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
B="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32"
O="$B,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PRODUCER_REGS=40"
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
for R in inline late; do
  for T in exp exp_max; do
    bench ${R}_${T}192_p1 $S "$O,ROWSUM=$R,PINGPONG=true,TURN=$T,BLOCK_N=192,P_BUFFERS=1,PERSISTENT=true"
    bench ${R}_${T}160_p2 $S "$O,ROWSUM=$R,PINGPONG=true,TURN=$T,BLOCK_N=160,P_BUFFERS=2,PERSISTENT=true"
  done
  bench ${R}_exp_max128_p2 $S "$O,ROWSUM=$R,PINGPONG=true,TURN=exp_max,BLOCK_N=128,P_BUFFERS=2,PERSISTENT=true"
done
for R in inline late; do
  for T in exp exp_max; do
    bench ${R}_${T}192_p1 4,32,2048,128 "$O,ROWSUM=$R,PINGPONG=true,TURN=$T,BLOCK_N=192,P_BUFFERS=1,PERSISTENT=true"
    bench ${R}_${T}192_p1 8,16,8192,128,causal "$O,ROWSUM=$R,PINGPONG=true,TURN=$T,BLOCK_N=192,P_BUFFERS=1,PERSISTENT=true"
  done
done
V=/tmp/turn.toml
python3 - $SP $V <<'PY'
import os, sys
s = open(sys.argv[1]).read()
i = s.index("[params.TURN]"); j = s.index("values =", i); k = s.index("\n", j)
s = s[:j] + 'values = ["exp_max"]' + s[k:]
i = s.index("[params.PINGPONG]"); j = s.index("values =", i); k = s.index("\n", j)
s = s[:j] + 'values = [true]' + s[k:]
i = s.index("[params.BLOCK_M]"); j = s.index("values =", i); k = s.index("\n", j)
s = s[:j] + 'values = [128]' + s[k:]
i = s.index("[params.FAMILY]"); j = s.index("values =", i); k = s.index("\n", j)
s = s[:j] + 'values = ["wgmma"]' + s[k:]
s = s.replace('"../kernel_templates/', '"' + os.getcwd() + '/kernel_templates/')
d = s.index("[default]")
s = s[:d] + """[default]
FAMILY = "wgmma"
BLOCK_M = 128
BLOCK_N = 128
STAGES = 2
NUM_WARPS = 1
NUM_PRODUCER_WARPS = 0
Q_IN_REGS = true
SWIZZLE = 32
VT_SWIZZLE = 32
VT_STAGES = 2
OVERLAP = true
ARRIVE = "thread"
PINGPONG = true
TURN = "exp_max"
PRODUCER_REGS = 40
KV_SPLITS = 1
KEY_WARPGROUPS = 1
P_BUFFERS = 2
TRANSPOSE = "ldsm"
WAIT = "suspend"
RESCALE = "lazy"
PERSISTENT = false
ROWSUM = "late"
"""
open(sys.argv[2], "w").write(s)
PY
for p in 2,8,512,64 1,8,333,128,causal,kv_heads=2,kv_len=400 1,4,100,64,causal 3,2,700,96; do
  d=$OUT/v/${p//[,=]/_}; mkdir -p $d
  timeout 80 $E record --space $V --shape $p --no-timing --limit 10 --seed 59 --timeout 15 --out $d/tune_log.csv > $d/record.log 2>&1
  echo "validate $p rc=$? $(($(wc -l < $d/tune_log.csv) - 1)) rows; $(grep -c ',ok,' $d/tune_log.csv) ok $(el)"
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete; rm -rf $OUT/v/*/kernels
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
