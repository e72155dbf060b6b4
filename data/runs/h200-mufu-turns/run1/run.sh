#!/bin/bash
# Device run 1 (2026-12-03 evening): three-consumer tiles at D 128, 224/160-key exp-turn tiles,
# cuDNN FP8 beside them, and Nsight Compute's source page of the exp-turn kernel.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
W="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,PERSISTENT=true,STAGES=2,SWIZZLE=128,WAIT=suspend"
OB="$W,BLOCK_M=128,PINGPONG=true,TURN=exp,ARRIVE=thread,BLOCK_N=192,OVERLAP=true,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=40"
OB224="$W,BLOCK_M=128,PINGPONG=true,TURN=exp,ARRIVE=thread,BLOCK_N=224,OVERLAP=true,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=24"
OB160="$W,BLOCK_M=128,PINGPONG=true,TURN=exp,ARRIVE=thread,BLOCK_N=160,OVERLAP=true,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=40"
T64S="$W,BLOCK_M=192,PINGPONG=false,ARRIVE=thread,BLOCK_N=64,OVERLAP=false,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=24"
T64O="$W,BLOCK_M=192,PINGPONG=false,ARRIVE=thread,BLOCK_N=64,OVERLAP=true,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=24"
T96S="$W,BLOCK_M=192,PINGPONG=false,ARRIVE=thread,BLOCK_N=96,OVERLAP=false,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=24"
T96O="$W,BLOCK_M=192,PINGPONG=false,ARRIVE=thread,BLOCK_N=96,OVERLAP=true,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=24"
bench() { # name shape config
  local d=$OUT/bench/$2/$1; mkdir -p $d
  timeout 60 $E bench --shape $2 --config "$3" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c1-64) | $(grep -E '^outcome' $d/bench.log) $(grep -oE '[0-9]+ registers, [0-9]+ B spilled' $d/bench.log) $(grep -m1 -oE '(breaks constraint|error).*' $d/bench.log | cut -c1-100) $(el)"
}
S=8,16,8192,128
for c in OB T64S T64O T96S T96O OB224 OB160 OB; do bench ${c,,} $S "${!c}"; done
d=$OUT/base/$S; mkdir -p $d
timeout 90 $E baseline --shape $S --only cudnn_fp8,floor --out $d > $d/baseline.log 2>&1; echo "baseline $S rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-110) $(el)"
G=1,32,8192,128,causal,kv_heads=8
GB="$W,BLOCK_M=128,PINGPONG=true,TURN=exp,ARRIVE=thread,BLOCK_N=192,OVERLAP=true,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=40"
bench ob_gqa $G "$GB"
mkdir -p $OUT/ncu
timeout 150 ncu --clock-control none -k regex:sdpa_fp8_fwd --launch-count 1 --section SourceCounters --section WarpStateStats --section ComputeWorkloadAnalysis -o /tmp/ob_exp \
  $E bench --shape $S --config "$OB" --out /tmp/n1 --reps 100 --no-flush > $OUT/ncu/ob_exp.log 2>&1
echo "ncu rc=$? $(el)"
ncu --import /tmp/ob_exp.ncu-rep --page source --csv --print-source sass 2>/dev/null | gzip > $OUT/ncu/ob_exp_source.sass.csv.gz
ncu --import /tmp/ob_exp.ncu-rep --page details --csv 2>/dev/null > $OUT/ncu/ob_exp_details.csv
echo "export $(el)"; ls -la $OUT/ncu
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
