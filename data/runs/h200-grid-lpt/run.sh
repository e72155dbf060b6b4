#!/bin/bash
# Device run 1: causal attention on a grid that is not persistent, its query tiles longest first
# across all heads (GRID_ORDER "lpt") against head by head ("head", the committed order), beside
# cuDNN FP8. The space gains the parameter GRID_ORDER for this run.
# It needs data/runs/h200-grid-lpt/grid_order.patch applied (the parameter was dropped after this run).
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
tar xJf .device/cudnn_site.tar.xz -C /tmp
export PYTHONPATH=/tmp/site
E=/tmp/dev/evotune
SP=/tmp/grid.toml
python3 - search_spaces/sdpa_fp8.toml $SP <<'PY'
import os, sys
s = open(sys.argv[1]).read()
if "[params.GRID_ORDER]" not in s:
    i = s.index("[params.PRODUCER_REGS]")
    s = s[:i] + '[params.GRID_ORDER]\nvalues = ["head", "lpt"]\nwhen = "FAMILY == \\"wgmma\\" && KV_SPLITS == 1 && KEY_WARPGROUPS == 1 && !PERSISTENT"\ndoc = "order of a causal grid"\n\n' + s[i:]
s = s.replace("constraints = [\n", 'constraints = [\n  "GRID_ORDER != \\"lpt\\" || CAUSAL",\n', 1)
s = s.replace('"../kernel_templates/', '"' + os.getcwd() + '/kernel_templates/')
open(sys.argv[2], "w").write(s)
PY
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
B="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32"
O="$B,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PRODUCER_REGS=40,PINGPONG=true,TURN=exp,PERSISTENT=false"
bench() { # name shape config
  local d=$OUT/bench/${2//[,=]/_}/$1; mkdir -p $d
  timeout 60 $E bench --space $SP --shape $2 --config "$3" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-20) $(grep -oE '[0-9]+ B spilled' $d/bench.log) $(grep -m1 -oE '(breaks constraint|error).*' $d/bench.log | cut -c1-100) $(el)"
}
base() {
  local d=$OUT/base/${1//[,=]/_}; mkdir -p $d
  timeout 90 $E baseline --shape $1 --only cudnn_fp8 --out $d > $d/baseline.log 2>&1; echo "baseline $1 rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-110) $(el)"
}
for S in 1,32,8192,128,causal,kv_heads=8 1,32,8192,128,causal 4,8,8192,128,causal 8,16,8192,128,causal; do
  [ $S = 1,32,8192,128,causal,kv_heads=8 ] && base $S
  for g in head lpt; do
    bench n160_2buf_$g $S "$O,P_BUFFERS=2,ROWSUM=inline,BLOCK_N=160,GRID_ORDER=$g"
    bench n192_late_turn_$g $S "$O,P_BUFFERS=1,PACK=turn,ROWSUM=late,BLOCK_N=192,GRID_ORDER=$g"
  done
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
