#!/bin/bash
# Device run 2: the probes of run 1 timed with the tolerance lifted (--atol 1e9 --rtol 1e9: their
# outputs are not valid, run 1 says why), the checks' poison a doubling instead of NaN
# (spec_probe.py without "nan"), beside the committed kernels and cuDNN FP8.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
tar xJf .device/cudnn_site.tar.xz -C /tmp
export PYTHONPATH=/tmp/site
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
bench() { # name shape space config [extra]
  local d=$OUT/bench/${2//[,=]/_}/$1; mkdir -p $d
  timeout 60 $E bench --space $3 --shape $2 --config "$4" --timeout 30 --out $d $5 > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-40) $(el)"
}
source data/runs/h200-rowmax-among/configs.sh
C="$O,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=after,ROWSUM=inline,BLOCK_N=192"
CT="$O,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=turn,ROWSUM=late,BLOCK_N=192"
LIFT="--atol 1e9 --rtol 1e9"
d=$OUT/base; mkdir -p $d
timeout 90 $E baseline --shape 8,16,8192,128 --only cudnn_fp8 --out $d > $d/baseline.log 2>&1; echo "baseline rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-110) $(el)"
for S in 8,16,8192,128 4,32,2048,128; do
  for rs in inline late; do
    bench ${rs}_committed $S search_spaces/sdpa_fp8.toml "${C/ROWSUM=inline/ROWSUM=$rs}"
    for m in nocheck check check2; do
      bench ${rs}_$m $S .device/$m/search_spaces/sdpa_fp8.toml "${C/ROWSUM=inline/ROWSUM=$rs}" "$LIFT"
    done
  done
done
for S in 8,16,8192,128,causal 1,32,8192,128,causal,kv_heads=8; do
  bench turn_committed $S search_spaces/sdpa_fp8.toml "$CT"
  for m in nocheck check2; do bench turn_$m $S .device/$m/search_spaces/sdpa_fp8.toml "$CT" "$LIFT"; done
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
