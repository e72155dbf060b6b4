#!/bin/bash
# Device run 1 of the FP8 GEMM family: the GPU suite (tests/gpu.rs, with
# gemm_variants_pass_validation_at_ragged_problems: sampled points of search_spaces/gemm_fp8.toml
# validated at ragged problems), then PyTorch's FP8 GEMM (torch._scaled_mm, cuBLASLt) timed at the
# seed's problems as a reference point (scaled_mm.py says how).
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
gunzip -c .device/gputest.gz > /tmp/dev/gputest && chmod +x /tmp/dev/gputest
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
EVOTUNE_ROOT=$PWD EVOTUNE_BIN=$E timeout 420 /tmp/dev/gputest --test-threads=1 > $OUT/gputest.log 2>&1
echo "gpu tests rc=$? $(grep -E '^test result' $OUT/gputest.log) $(el)"
grep -E '^test .* (ok|FAILED)$' $OUT/gputest.log
grep -E -A30 'gemm_variants.*FAILED|panicked' $OUT/gputest.log | head -60
python3 data/runs/h200-gemm-first/scaled_mm.py 8192,8192,8192 4096,4096,4096 1024,4096,128 4096,4096,112 16384,4096,128 2>&1 | tee $OUT/scaled_mm.txt
echo "$(el)"
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
