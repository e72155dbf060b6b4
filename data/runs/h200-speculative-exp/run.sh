#!/bin/bash
# Device run 1: speculative exponentials (spec_probe.py makes the template copies .device/nocheck,
# .device/check, .device/check2: no row max once every row has one, exponent offset 5, and
# either no saturation check (the bound), the check's sums after the packing, or just before the
# next issue; the vote after the issue) against the committed kernels, beside cuDNN FP8, in one
# run. Timing and random-data validation only: a saturated tile poisons the output with NaN.
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
CT="$O,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=turn,ROWSUM=late,BLOCK_N=192"
for S in 8,16,8192,128 4,32,2048,128; do
  d=$OUT/base/${S//,/_}; mkdir -p $d
  timeout 90 $E baseline --shape $S --only cudnn_fp8 --out $d > $d/baseline.log 2>&1; echo "baseline $S rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-110) $(el)"
done
for S in 8,16,8192,128 4,32,2048,128; do
  for rs in inline late; do
    bench ${rs}_committed $S search_spaces/sdpa_fp8.toml "${C/ROWSUM=inline/ROWSUM=$rs}"
    for m in nocheck check check2; do
      bench ${rs}_$m $S .device/$m/search_spaces/sdpa_fp8.toml "${C/ROWSUM=inline/ROWSUM=$rs}"
    done
  done
done
for S in 8,16,8192,128,causal 1,32,8192,128,causal,kv_heads=8; do
  bench turn_committed $S search_spaces/sdpa_fp8.toml "$CT"
  for m in nocheck check2; do bench turn_$m $S .device/$m/search_spaces/sdpa_fp8.toml "$CT"; done
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
