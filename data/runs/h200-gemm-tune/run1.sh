#!/bin/bash
# Device run 1 of the GEMM tune: at 8192,8192,8192 the baselines and a budget-128 tune into one
# run folder, its report, and the vendor gate at 0.9x (the family's first goal: the tuned best at
# least 0.9x cuBLASLt FP8). The GPU tests of the GEMM family and its baselines (ragged problems with
# K = 1, 107, 333 among them; cuBLASLt FP8, cuBLAS fp16, _scaled_mm and the floor measured and
# checked) ran just before, with the whole suite, in data/runs/h200-q-early/run2.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
R=$OUT/t8192
timeout 120 $E baseline --gemm 8192,8192,8192 --out $R > $OUT/baseline.log 2>&1
echo "baseline --gemm 8192^3 rc=$? $(el)"; cat $OUT/baseline.log | cut -c1-240
timeout 270 $E --gemm 8192,8192,8192 --budget 128 --out $R --no-db > $OUT/tune.log 2>&1
echo "tune --gemm 8192^3 rc=$? $(el)"; grep -E "^(tuned|best|      |confirm|time)" $OUT/tune.log
$E report --run $R --reports-dir $OUT/reports > /dev/null 2>&1; echo "report rc=$?"
$E gate --run $R --min-speedup 0.9; echo "gate vs cublaslt_fp8 >= 0.9 rc=$?"
$E gate --run $R --vs cublaslt_fp8 --protocol warm --min-speedup 0.9; echo "gate warm rc=$?"
find $OUT -name "*.cubin" -delete
