#!/bin/bash
# Device run 1: the row max replaced by a check of the packed P for e4m3's saturation code
# (satcheck.py makes the experimental template copy in .device/exp; timing and random-data
# validation only: an exponential that overflows to inf is not handled), against the committed
# kernels, beside cuDNN FP8, in one run.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
tar xJf .device/cudnn_site.tar.xz -C /tmp
export PYTHONPATH=/tmp/site
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
bench() { # name shape space config
  local d=$OUT/bench/${2//[,=]/_}/$1; mkdir -p $d
  timeout 60 $E bench --space $3 --shape $2 --config "$4" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-20) $(grep -oE 'max_abs +[0-9.e-]+' $d/bench.log | head -1) $(el)"
}
source data/runs/h200-rowmax-among/configs.sh
C="$O,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=after,ROWSUM=inline,BLOCK_N=192"
d=$OUT/base; mkdir -p $d
timeout 90 $E baseline --shape 8,16,8192,128 --only cudnn_fp8 --out $d > $d/baseline.log 2>&1; echo "baseline rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-110) $(el)"
for S in 8,16,8192,128 4,32,2048,128; do
  for rs in inline late; do
    bench ${rs}_committed $S search_spaces/sdpa_fp8.toml "${C/ROWSUM=inline/ROWSUM=$rs}"
    bench ${rs}_satcheck $S .device/exp/search_spaces/sdpa_fp8.toml "${C/ROWSUM=inline/ROWSUM=$rs}"
  done
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
