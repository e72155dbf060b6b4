#!/bin/bash
# Ready, not yet run: exponential turns fenced by shared memory (TURN = "exp_fenced") against
# plain ones (TURN = "exp") at the long problems, and a validation sample. Needs the wheels of
# nvidia-cudnn-frontend in .whl and the release binary in .device/evotune (as in
# data/runs/h200-mufu-turns/run3/run.sh); writes the space that offers exp_fenced itself.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
SP=/tmp/fenced.toml
sed -e 's|values = \["wgmma", "exp"\]|values = ["wgmma", "exp", "exp_fenced"]|' \
    -e "s|\"../kernel_templates/|\"$PWD/kernel_templates/|" search_spaces/sdpa_fp8.toml > $SP
el() { echo "($(( $(date +%s) - T0 )) s)"; }
B="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32,BLOCK_M=128,STAGES=2,WAIT=suspend,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PINGPONG=true,PRODUCER_REGS=40"
bench() { # name shape config
  local d=$OUT/bench/${2//[,=]/_}/$1; mkdir -p $d
  timeout 60 $E bench --space $SP --shape $2 --config "$3" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c1-64) | $(grep -E '^outcome' $d/bench.log | cut -c12-20) $(grep -oE '[0-9]+ B spilled' $d/bench.log) $(el)"
}
for S in 8,16,8192,128 8,16,8192,128,causal 1,32,8192,128,causal,kv_heads=8; do
  for t in exp exp_fenced; do
    bench ${t}_192_p1 $S "$B,TURN=$t,BLOCK_N=192,P_BUFFERS=1,PERSISTENT=true"
    bench ${t}_160_p2 $S "$B,TURN=$t,BLOCK_N=160,P_BUFFERS=2,PERSISTENT=true"
    bench ${t}_160_p2_np $S "$B,TURN=$t,BLOCK_N=160,P_BUFFERS=2,PERSISTENT=false"
    bench ${t}_128_p2 $S "$B,TURN=$t,BLOCK_N=128,P_BUFFERS=2,PERSISTENT=true"
  done
done
# The validation space: wgmma, ping-pong with fenced exponential turns only (the default made one).
python3 - $SP <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
def only(s, param, vals):
    i = s.index(f"[params.{param}]"); j = s.index("values =", i); k = s.index("\n", j)
    return s[:j] + "values = " + vals + s[k:]
s = only(s, "FAMILY", '["wgmma"]'); s = only(s, "BLOCK_M", "[128]"); s = only(s, "PINGPONG", "[true]")
s = only(s, "TURN", '["exp_fenced"]')
s = s[:s.index("[default]")] + """[default]
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
TURN = "exp_fenced"
PRODUCER_REGS = 40
KV_SPLITS = 1
KEY_WARPGROUPS = 1
P_BUFFERS = 2
TRANSPOSE = "ldsm"
WAIT = "suspend"
RESCALE = "lazy"
PERSISTENT = false
"""
open(p, "w").write(s)
PY
for p in 2,8,512,64 1,8,333,128,causal,kv_heads=2,kv_len=400 3,2,700,96 1,8,1,128,kv_len=777; do
  d=$OUT/v/${p//[,=]/_}; mkdir -p $d
  timeout 60 $E record --space $SP --shape $p --no-timing --limit 12 --seed 43 --timeout 15 --out $d/tune_log.csv > $d/record.log 2>&1
  echo "$p rc=$? $(cut -d, -f1-3 $d/tune_log.csv | wc -l) rows; $(grep -c ',ok,' $d/tune_log.csv) ok $(el)"
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete; rm -rf $OUT/v/*/kernels
