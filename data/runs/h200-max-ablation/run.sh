#!/bin/bash
# Device run 1: (a) the GPU test binary (tests/gpu.rs, built on the CPU machine); (b) an
# ablation: the wgmma kernels with the row max skipped once every row of a warp has one
# (no_row_max.patch, applied to a copy of the templates in .device/exp). Its outputs are not
# valid (the running max is never raised), so it is benched with a tolerance of 1e9: a timing
# of what the row max costs at most, beside the committed kernels and cuDNN FP8 in one run.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
gunzip -c .device/gputest.gz > /tmp/dev/gputest && chmod +x /tmp/dev/gputest
tar xJf .device/cudnn_site.tar.xz -C /tmp
export PYTHONPATH=/tmp/site
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
EVOTUNE_ROOT=$PWD EVOTUNE_BIN=$E timeout 400 /tmp/dev/gputest --test-threads=1 > $OUT/gputest.log 2>&1
echo "gpu tests rc=$? $(grep -E '^test result' $OUT/gputest.log) $(el)"
grep -E '^test .* (ok|FAILED)$' $OUT/gputest.log
bench() { # name shape space config [extra]
  local d=$OUT/bench/${2//[,=]/_}/$1; mkdir -p $d
  timeout 60 $E bench --space $3 --shape $2 --config "$4" $5 --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-20) $(grep -oE 'max_abs +[0-9.e-]+' $d/bench.log | head -1) $(el)"
}
base() {
  local d=$OUT/base/${1//[,=]/_}; mkdir -p $d
  timeout 90 $E baseline --shape $1 --only cudnn_fp8 --out $d > $d/baseline.log 2>&1; echo "baseline $1 rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-110) $(el)"
}
ABL=.device/exp/search_spaces/sdpa_fp8.toml
mapfile -t V < data/runs/h200-max-ablation/variants.txt
names=(n192_exp_after n192_exp_after_late n192_nopp n192_wgmma_turns n160_exp_2buf)
for S in 8,16,8192,128 4,32,2048,128; do
  base $S
  for i in 0 1 2 3 4; do
    [ $S = 4,32,2048,128 ] && [ $i -gt 1 ] && continue
    bench ${names[$i]} $S search_spaces/sdpa_fp8.toml "${V[$i]}"
    bench ${names[$i]}_nomax $S $ABL "${V[$i]}" "--atol 1e9 --rtol 1e9"
  done
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
