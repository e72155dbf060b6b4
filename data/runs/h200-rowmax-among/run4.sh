#!/bin/bash
# Device run 4: the GPU test of the ragged-shape wgmma validation alone, after its 192-key case
# was made a valid point (its SWIZZLE replacement had also changed VT_SWIZZLE, so that case had
# been skipped as invalid at every problem); tests/space_render.rs now checks on the CPU that
# each of these configs is valid somewhere.
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH; mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && gunzip -c .device/gputest.gz > /tmp/dev/gputest && chmod +x /tmp/dev/*; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; EVOTUNE_ROOT=$PWD EVOTUNE_BIN=/tmp/dev/evotune timeout 280 /tmp/dev/gputest wgmma_variants_pass_validation_at_ragged_shapes --test-threads=1 2>&1 | tail -8 | tee $OUT/gputest_ragged.log
