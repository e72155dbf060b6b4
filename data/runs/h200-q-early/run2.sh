#!/bin/bash
# Device run 2 (on the tree with q_release.patch applied: `git apply
# data/runs/h200-q-early/q_release.patch`, then the release binaries and the GPU test binary built
# into .device/): the whole GPU suite (tests/gpu.rs: SDPA and GEMM), with Q_RELEASE a parameter of
# the space: the wgmma family's ragged validation (tests/ragged) holds persistent configurations
# with Q_RELEASE "item" and "scores" (the serial loop, the one-consumer overlapped loop, the
# 192-key exponential-turn kernel). The "last" variant of run 1 was dropped.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
gunzip -c .device/gputest.gz > /tmp/dev/gputest && chmod +x /tmp/dev/gputest
tar xJf .device/cudnn_site.tar.xz -C /tmp
export PYTHONPATH=/tmp/site
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
EVOTUNE_ROOT=$PWD EVOTUNE_BIN=$E timeout 330 /tmp/dev/gputest --test-threads=1 > $OUT/gputest.log 2>&1
echo "gpu tests rc=$? $(grep -E '^test result' $OUT/gputest.log) $(el)"
grep -E '^test .* (ok|FAILED)$' $OUT/gputest.log
