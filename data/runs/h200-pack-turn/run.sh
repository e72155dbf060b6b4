#!/bin/bash
# Device run 1: PACK = "turn" (the next tile's P packed inside the exponential turn, among the
# exponentials) against "after" (the committed kernels) at the long D 128 problems, beside
# cuDNN FP8 in one run. The space gains the parameter PACK for this run.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
tar xJf .device/cudnn_site.tar.xz -C /tmp
export PYTHONPATH=/tmp/site
E=/tmp/dev/evotune
SP=/tmp/pack.toml
python3 - search_spaces/sdpa_fp8.toml $SP <<'PY'
import os, sys
s = open(sys.argv[1]).read()
if "[params.PACK]" not in s:
    i = s.index("[params.ROWSUM]")
    s = s[:i] + '[params.PACK]\nvalues = ["after", "turn"]\nwhen = "FAMILY == \\"wgmma\\" && OVERLAP && P_BUFFERS == 1 && BLOCK_M == 128 && PINGPONG && TURN == \\"exp\\""\ndoc = "where the next tile\'s P is packed"\n\n' + s[i:]
s = s.replace('"../kernel_templates/', '"' + os.getcwd() + '/kernel_templates/')
open(sys.argv[2], "w").write(s)
PY
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
B="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32"
O="$B,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PRODUCER_REGS=40,PINGPONG=true,TURN=exp,P_BUFFERS=1"
bench() { # name shape config
  local d=$OUT/bench/${2//[,=]/_}/$1; mkdir -p $d
  timeout 60 $E bench --space $SP --shape $2 --config "$3" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-20) $(grep -oE 'max_abs +[0-9.e-]+' $d/bench.log | head -1) $(grep -oE '[0-9]+ B spilled' $d/bench.log) $(grep -m1 -oE '(breaks constraint|error).*' $d/bench.log | cut -c1-100) $(el)"
}
base() {
  local d=$OUT/base/${1//[,=]/_}; mkdir -p $d
  timeout 90 $E baseline --shape $1 --only cudnn_fp8 --out $d > $d/baseline.log 2>&1; echo "baseline $1 rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-110) $(el)"
}
for S in 8,16,8192,128 4,32,2048,128 8,16,8192,128,causal; do
  base $S
  for pk in after turn; do
    bench n192_inline_$pk $S "$O,PERSISTENT=true,ROWSUM=inline,BLOCK_N=192,PACK=$pk"
    bench n192_late_$pk $S "$O,PERSISTENT=true,ROWSUM=late,BLOCK_N=192,PACK=$pk"
    bench n160_inline_$pk $S "$O,PERSISTENT=true,ROWSUM=inline,BLOCK_N=160,PACK=$pk"
    bench n128_inline_$pk $S "$O,PERSISTENT=true,ROWSUM=inline,BLOCK_N=128,PACK=$pk"
  done
done
S=1,32,8192,128,causal,kv_heads=8
base $S
for pk in after turn; do
  bench n192_late_$pk $S "$O,PERSISTENT=false,ROWSUM=late,BLOCK_N=192,PACK=$pk"
  bench n160_inline_$pk $S "$O,PERSISTENT=false,ROWSUM=inline,BLOCK_N=160,PACK=$pk"
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
