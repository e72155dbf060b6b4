#!/bin/bash
# On an H200 only (on any other card it stops at once): (1) the FP8 GEMM at 8192^3, baselines
# and a budget-128 tune in one run folder, the vendor gate at 0.9x cold and warm; seed 000's K
# values at M = N = 4096 with the K = 128 config of the H100 sweeps beside cuBLASLt FP8; (2) the
# default tune's problem with both compile caches empty, twice (`evotune --shape 2,8,512,64
# --budget 128`, the steady search by default), process wall by time -v, the second's best
# re-timed by `bench --processes 3`. Packed into $OUT/run.tar.gz.
mkdir -p $OUT/r && R=$OUT && OUT=$OUT/r
source data/runs/device.sh
if ! nvidia-smi --query-gpu=name --format=csv,noheader | grep -q H200; then
  echo "not an H200: nothing run"; tar czf $R/run.tar.gz -C $OUT . ; exit 0
fi
G=$OUT/t8192
timeout 60 $E baseline --gemm 8192,8192,8192 --out $G > $OUT/gemm_baseline.log 2>&1; echo "gemm baseline rc=$? $(el)"
grep -E 'kernel-only p50' $OUT/gemm_baseline.log | cut -c1-120
timeout 150 $E --gemm 8192,8192,8192 --budget 128 --out $G --no-db > $OUT/gemm_tune.log 2>&1; echo "gemm tune rc=$? $(el)"
grep -E "^(best|      |confirm|time)" $OUT/gemm_tune.log | cut -c1-250
$E gate --run $G --min-speedup 0.9; echo "gate cold rc=$?"
$E gate --run $G --vs cublaslt_fp8 --protocol warm --min-speedup 0.9; echo "gate warm rc=$?"
X="BLOCK_K=128,BLOCK_M=128,BLOCK_N=256,CLUSTER_M=1,CLUSTER_N=1,CONSUMERS=2,EPILOGUE=staged,GROUP_M=8,PERSISTENT=true,PRODUCER_REGS=24,PROMOTE=0,SPLIT_K=1,STAGES=3,WAIT=suspend"
for K in 64 80 96 107 112 128 144 160; do
  P=$OUT/k$K
  timeout 40 $E baseline --gemm 4096,4096,$K --only cublaslt_fp8 --out $P > $P.baseline.log 2>&1
  timeout 40 $E bench --gemm 4096,4096,$K --config "$X" --out $P > $P.bench.log 2>&1
  echo "K=$K $(grep -oE 'cublaslt_fp8 kernel-only p50 [0-9.]+ µs' $P.baseline.log) | x: $(grep -E 'kernel-only p50' $P.bench.log | head -1 | cut -c1-60) $(grep -E '^outcome' $P.bench.log | cut -c1-30)"
done
echo "K values $(el)"
for i in 1 2; do
  T=$OUT/cold$i
  CUDA_CACHE_PATH=$(mktemp -d) EVOTUNE_CACHE_DIR=$(mktemp -d) /usr/bin/time -v -o $T.time.txt timeout 120 $E --shape 2,8,512,64 --budget 128 --out $T --no-db > $T.log 2>&1
  echo "cold$i rc=$? $(grep -E 'Elapsed' $T.time.txt | tr -s ' ') $(el)"; grep -E '^tuning|^best|^time|^confirm ' $T.log | cut -c1-300
  rm -rf $T/kernels
done
C=$(python3 -c "import json;print(json.load(open('$OUT/cold2/tune/topk.json'))['elites'][0]['label'])" 2>/dev/null)
timeout 60 $E bench --shape 2,8,512,64 --config "$C" --processes 3 --out $OUT/bench > $OUT/bench.log 2>&1
echo "bench --processes 3 of cold2's best rc=$? $(el)"; grep -E 'processes' $OUT/bench.log | head -2 | cut -c1-250
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
tar czf $R/run.tar.gz -C $OUT . && rm -rf $OUT
