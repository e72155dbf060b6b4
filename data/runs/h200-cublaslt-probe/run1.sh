#!/bin/bash
# Which cuBLASLt FP8 descriptor cublasLtMatmul refuses: probe.cu's variants (each changes one
# thing of evotune's descriptor), plain and with cuBLASLt's log; then, with evotune's FP8 matmul
# run on dimensions rounded up to 16, the GPU tests of the cuBLASLt baselines; then the GEMM K
# sweep of data/runs/h200-gemm-tune/run2.sh (its output under $OUT/ksweep*).
source data/runs/device.sh
D=data/runs/h200-cublaslt-probe
nvcc -O2 -o /tmp/dev/probe $D/probe.cu -lcublasLt 2>&1 | tail -5
timeout 60 /tmp/dev/probe | tee $OUT/probe.txt
CUBLASLT_LOG_LEVEL=2 timeout 60 /tmp/dev/probe > $OUT/probe_log.txt 2>&1
grep -E "^\[" $OUT/probe_log.txt | cut -c1-300 | sort | uniq -c | sort -rn | head -12
echo "probe $(el)"
EVOTUNE_ROOT=$PWD EVOTUNE_BIN=/tmp/dev/evotune timeout 200 /tmp/dev/gputest --test-threads=1 cublaslt gemm_baselines > $OUT/gputest.log 2>&1
echo "gputest rc=$? $(grep -E '^test result' $OUT/gputest.log) $(el)"; grep -E "^test |panicked|rel L2" $OUT/gputest.log | cut -c1-300 | head -20
# SKIP_KSWEEP=1: the probe and the tests only.
[ "${SKIP_KSWEEP:-0}" = 1 ] || { mkdir -p $OUT/run2 && OUT=$OUT/run2 timeout 380 bash data/runs/h200-gemm-tune/run2.sh; }
echo "all $(el)"
