#!/bin/bash
# Device run 20: the sweep resumed to its end, each problem's vendor baselines (cudnn_fp8, cudnn,
# floor) in its run folder, the multi-shape report, the export of the database and its GPU check.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site
E=./.device/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
SW=$OUT/sweep; cp -r .device/sweep-in $SW; cp .device/tuning-in.db $OUT/tuning.db
timeout 300 $E sweep --resume $SW --db $OUT/tuning.db > $OUT/sweep.log 2>&1
echo "sweep rc=$? $(el)"; grep -E '^\[|failed|error' $OUT/sweep.log | tail -4
for p in 8-16-8192-64 8-16-8192-128 4-32-2048-128 4-32-2048-64 2-8-512-64 4-32-2048-80 4-32-2048-96 4-32-2048-107 4-32-2048-112 4-32-2048-144 4-32-2048-160 4-32-1024-128 4-32-4096-128; do
  [ -d $SW/$p ] || continue
  left=$(( T0 + 470 - $(date +%s) )); [ $left -lt 15 ] && { echo "no time for baselines of $p"; continue; }
  timeout $left $E baseline --shape ${p//-/,} --only cudnn_fp8,cudnn,floor --out $SW/$p > $SW/$p/baseline.log 2>&1; echo "baseline $p rc=$? $(el)"
done
$E report --sweep $SW 2>&1 | tail -2
X=$OUT/export; timeout 60 $E export --db $OUT/tuning.db --out $X > $OUT/export.log 2>&1; echo "export rc=$? $(el)"; tail -3 $OUT/export.log
timeout 80 python3 $X/python/check.py > $OUT/check.log 2>&1; echo "check rc=$? $(el)"; tail -18 $OUT/check.log
find $SW -name "*.cubin" -delete; find $SW -name kernels -type d -exec rm -rf {} + 2>/dev/null
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
