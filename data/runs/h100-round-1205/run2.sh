#!/bin/bash
# Seed 000's K sweep at M = N = 4096 (data/runs/h200-gemm-tune/run2.sh: K = 64 .. 160, the odd
# K = 107 beside its paddings 112 and 128, budget 32 per problem, cuBLASLt FP8 and the floor
# timed into each problem's run folder, the multi-problem report), then TAIL_KEYS against cuDNN
# FP8 at the long D 128 problems (data/runs/h200-tail-keys/run1.sh) when time is left; packed
# into $OUT/run2.tar.gz.
mkdir -p $OUT/r/k $OUT/r/tail && R=$OUT && OUT=$OUT/r
(OUT=$OUT/k bash data/runs/h200-gemm-tune/run2.sh) 2>&1 | tail -16
(OUT=$OUT/tail LIMIT=${TAIL_LIMIT:-150} bash data/runs/h200-tail-keys/run1.sh) 2>&1 | tail -12
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
tar czf $R/run2.tar.gz -C $OUT . && rm -rf $OUT
