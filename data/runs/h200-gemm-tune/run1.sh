#!/bin/bash
# Device run 1 of the GEMM tune (prepared; needs an H200): the GPU tests of the GEMM family and
# its baselines (tests/gpu.rs filtered to "gemm": ragged problems with K = 1, 107, 333 among
# them; cuBLASLt FP8, cuBLAS fp16, _scaled_mm and the floor measured and checked), then at
# 8192,8192,8192 the baselines and a budget-128 tune into one run folder, its report, and the
# vendor gate at 0.9x (the family's first goal: the tuned best at least 0.9x cuBLASLt FP8).
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
gunzip -c .device/gputest.gz > /tmp/dev/gputest && chmod +x /tmp/dev/gputest
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
EVOTUNE_ROOT=$PWD EVOTUNE_BIN=$E timeout 240 /tmp/dev/gputest --test-threads=1 gemm > $OUT/gputest.log 2>&1
echo "gpu tests (gemm) rc=$? $(grep -E '^test result' $OUT/gputest.log) $(el)"
grep -E '^test .* (ok|FAILED)$' $OUT/gputest.log
R=$OUT/t8192
timeout 120 $E baseline --gemm 8192,8192,8192 --out $R > $OUT/baseline.log 2>&1
echo "baseline --gemm 8192^3 rc=$? $(el)"; cat $OUT/baseline.log | cut -c1-240
timeout 300 $E --gemm 8192,8192,8192 --budget 128 --out $R --no-db > $OUT/tune.log 2>&1
echo "tune --gemm 8192^3 rc=$? $(el)"; grep -E "^(tuned|best|      |confirm|time)" $OUT/tune.log
$E report --run $R --reports-dir $OUT/reports > /dev/null 2>&1; echo "report rc=$?"
$E gate --run $R --min-speedup 0.9; echo "gate vs cublaslt_fp8 >= 0.9 rc=$?"
$E gate --run $R --vs cublaslt_fp8 --protocol warm --min-speedup 0.9; echo "gate warm rc=$?"
find $OUT -name "*.cubin" -delete
