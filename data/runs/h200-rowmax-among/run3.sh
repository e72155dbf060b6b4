#!/bin/bash
# Device run 3: where ROWMAX "among" loses its time, at 8,16,8192,128 (128 x 192, exp turns, PACK
# after, ROWSUM inline): as committed; with the K stage released after Q K^T as with "first"
# (exp_a: timing only, its rare recompute path would read a released stage); and also without
# the row max (exp_b: timing only, outputs not valid); against "first". The two experimental
# template copies are made by run3_experiments.py.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
bench() { # name shape space config [extra]
  local d=$OUT/bench/${2//[,=]/_}/$1; mkdir -p $d
  timeout 60 $E bench --space $3 --shape $2 --config "$4" $5 --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-20) $(grep -oE 'max_abs +[0-9.e-]+' $d/bench.log | head -1) $(el)"
}
source data/runs/h200-rowmax-among/configs.sh
read n s c <<< "${CASES[0]}"
for S in $s 4,32,2048,128; do
  bench first $S search_spaces/sdpa_fp8.toml "$c,ROWMAX=first"
  bench among $S search_spaces/sdpa_fp8.toml "$c,ROWMAX=among"
  bench among_early_release $S .device/exp_a/search_spaces/sdpa_fp8.toml "$c,ROWMAX=among"
  bench among_early_release_no_max $S .device/exp_b/search_spaces/sdpa_fp8.toml "$c,ROWMAX=among" "--atol 1e9 --rtol 1e9"
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
