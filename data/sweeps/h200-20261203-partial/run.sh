#!/bin/bash
# Device run 11: the multi-shape sweep (13 problems: head dims 64..160 step 16 and 107 at
# 4,32,2048,D, the goal shapes, two more sequence lengths) into a tuning database, then each
# problem's baselines in its run folder (while time is left) and the multi-shape report.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site
E=./.device/evotune
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
SW=$OUT/sweep
if [ -d .device/sweep-in ]; then cp -r .device/sweep-in $SW; cp .device/tuning-in.db $OUT/tuning.db; fi
/usr/bin/time -f "sweep wall %e s" timeout ${LIMIT:-330} $E sweep --shapes 2,8,512,64 4,32,2048,64 4,32,2048,80 4,32,2048,96 4,32,2048,107 4,32,2048,112 4,32,2048,128 4,32,2048,144 4,32,2048,160 4,32,1024,128 4,32,4096,128 8,16,8192,64 8,16,8192,128 \
  --budget ${BUDGET:-24} --seed 1 --out $SW --db $OUT/tuning.db > $OUT/sweep.log 2>&1
echo "sweep rc=$?"; grep -vE "^\s*$" $OUT/sweep.log | tail -16
for p in 2-8-512-64 4-32-1024-128 4-32-2048-64 4-32-2048-80 4-32-2048-96 4-32-2048-107 4-32-2048-112 4-32-2048-128 4-32-2048-144 4-32-2048-160 4-32-4096-128 8-16-8192-64 8-16-8192-128; do
  [ -d $SW/$p ] || continue
  [ -f $SW/$p/bench/baseline_cudnn_fp8.json ] && continue
  left=$(( T0 + 545 - $(date +%s) )); [ $left -lt 20 ] && { echo "no time for baselines of $p"; continue; }
  timeout $left $E baseline --shape ${p//-/,} --out $SW/$p > $SW/$p/baseline.log 2>&1; echo "baseline $p rc=$? ($(( $(date +%s) - T0 )) s)"
done
$E report --sweep $SW 2>&1 | tail -2
find $SW -name "*.cubin" -delete; find $SW -name kernels -type d -exec rm -rf {} + 2>/dev/null
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
