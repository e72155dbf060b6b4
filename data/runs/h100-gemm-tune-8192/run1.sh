#!/bin/bash
# The GEMM tune at 8192^3 on the card the call found (an H100 this time): the baselines and a
# budget-128 tune into one run folder, then the vendor gate at 0.9x, cold and warm. As run (one
# line on the device, outputs packed into $OUT/gemm8192.tar.gz and unpacked here):
mkdir -p $OUT/g; R=$OUT/g/t8192; source data/runs/device.sh > /dev/null
timeout 60 $E baseline --gemm 8192,8192,8192 --out $R > $OUT/g/baseline.log 2>&1; echo "baseline rc=$? $(el)"
timeout 230 $E --gemm 8192,8192,8192 --budget 128 --out $R --no-db > $OUT/g/tune.log 2>&1; echo "tune rc=$? $(el)"
grep -E "^(tuned|best|      |confirm|time)" $OUT/g/tune.log | cut -c1-250
$E gate --run $R --min-speedup 0.9; echo "gate cold rc=$?"
$E gate --run $R --vs cublaslt_fp8 --protocol warm --min-speedup 0.9; echo "gate warm rc=$?"
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
tar czf $OUT/gemm8192.tar.gz -C $OUT g && rm -rf $OUT/g
