#!/bin/bash
# (1) A budget-128 tune at 4096,4096,128 beside its cuBLASLt FP8 baseline in one run folder, and
# the vendor gate at 1.0x cold and warm. (2) The K = 128 best of run 2's sweep (128 x 256 tiles,
# two consumers, three stages, staged epilogue, persistent) benched at every K of seed 000's
# sweep beside cuBLASLt FP8 timed in the same call. Packed into $OUT/run4.tar.gz.
mkdir -p $OUT/r && R=$OUT && OUT=$OUT/r
source data/runs/device.sh
G=$OUT/t128
timeout 60 $E baseline --gemm 4096,4096,128 --only cublaslt_fp8,floor --out $G > $OUT/baseline128.log 2>&1; echo "baseline rc=$? $(el)"
timeout 200 $E --gemm 4096,4096,128 --budget 128 --out $G --no-db > $OUT/tune128.log 2>&1; echo "tune rc=$? $(el)"
grep -E "^(best|      |confirm|time)" $OUT/tune128.log | cut -c1-250
$E gate --run $G --min-speedup 1.0; echo "gate cold rc=$?"
$E gate --run $G --vs cublaslt_fp8 --protocol warm --min-speedup 1.0; echo "gate warm rc=$?"
X="BLOCK_K=128,BLOCK_M=128,BLOCK_N=256,CLUSTER_M=1,CLUSTER_N=1,CONSUMERS=2,EPILOGUE=staged,GROUP_M=8,PERSISTENT=true,PRODUCER_REGS=24,PROMOTE=0,SPLIT_K=1,STAGES=3,WAIT=suspend"
for K in 64 80 96 107 112 128 144 160; do
  P=$OUT/k$K
  timeout 40 $E baseline --gemm 4096,4096,$K --only cublaslt_fp8 --out $P > $P.baseline.log 2>&1
  timeout 40 $E bench --gemm 4096,4096,$K --config "$X" --out $P > $P.bench.log 2>&1
  echo "K=$K $(grep -oE 'cublaslt_fp8 kernel-only p50 [0-9.]+ µs' $P.baseline.log) | x: $(grep -E 'kernel-only p50' $P.bench.log | head -1 | cut -c1-60) $(grep -E '^outcome' $P.bench.log | cut -c1-30)"
done
echo "cross benches $(el)"
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
tar czf $R/run4.tar.gz -C $OUT . && rm -rf $OUT
