#!/bin/bash
# The whole GPU suite (tests/gpu.rs) on the tree with GEMM clusters and split K: the GEMM ragged
# validation with cluster and split-K configurations (tests/gemm_ragged), every candidate's
# second launch on the same buffers (SDPA and GEMM), the launches through cuLaunchKernelEx, and the
# cuBLASLt FP8 baseline on dimensions rounded up to 16.
source data/runs/device.sh
EVOTUNE_ROOT=$PWD EVOTUNE_BIN=$E timeout 560 /tmp/dev/gputest --test-threads=1 > $OUT/gputest.log 2>&1
echo "gpu tests rc=$? $(grep -E '^test result' $OUT/gputest.log) $(el)"
grep -E '^test .* (ok|FAILED)$' $OUT/gputest.log
grep -E 'panicked|rel L2' $OUT/gputest.log | cut -c1-300 | head -20
