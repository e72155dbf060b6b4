#!/bin/bash
# The whole GPU suite (tests/gpu.rs) with the cuBLASLt FP8 scales in allocations of their own:
# the ragged validation of the wgmma family (TAIL_KEYS configurations among them) and of the GEMM
# family (cluster and split-K configurations among them), the cuBLASLt and GEMM baseline tests;
# then the default tune with the steady GA and the valid points listed as index vectors (empty
# compile cache, process wall), and the GEMM baselines at 8192^3. Everything it writes is packed
# into $OUT/run1.tar.gz (a call returns at most eight files).
mkdir -p $OUT/r && R=$OUT && OUT=$OUT/r
source data/runs/device.sh
EVOTUNE_ROOT=$PWD EVOTUNE_BIN=$E timeout ${SUITE_S:-400} /tmp/dev/gputest --test-threads=1 > $OUT/gputest.log 2>&1
echo "gpu tests rc=$? $(grep -E '^test result' $OUT/gputest.log) $(el)"
grep -E '^test .* (ok|FAILED)$' $OUT/gputest.log
grep -E 'panicked|rel L2' $OUT/gputest.log | cut -c1-300 | head -20
T=$OUT/steady; EVOTUNE_CACHE_DIR=$(mktemp -d) /usr/bin/time -v -o $T.time.txt timeout 90 $E --shape 2,8,512,64 --budget 128 --search steady --out $T --no-db > $T.log 2>&1
echo "steady tune rc=$? $(grep -E 'Elapsed' $T.time.txt | tr -s ' ') $(el)"; grep -E '^best|^time|^confirm ' $T.log | cut -c1-300
timeout 90 $E baseline --gemm 8192,8192,8192 --out $OUT/base8192 > $OUT/baseline8192.log 2>&1
echo "baseline --gemm 8192^3 rc=$? $(el)"; cut -c1-200 $OUT/baseline8192.log | grep -vE '^\s*$' | head -12
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
tar czf $R/run1.tar.gz -C $OUT . && rm -rf $OUT
