#!/bin/bash
# What a device run script does first (`source data/runs/device.sh`): the CUDA toolkit's
# libraries on the path and the compile cache in /tmp; evotune as $E, and the GPU test binary
# and cuDNN's Python package where .device/ carries them; the card, driver and clocks into
# $OUT/env.txt; `el`, the seconds since this file was sourced.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev
gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
if [ -f .device/gputest.gz ]; then
  gunzip -c .device/gputest.gz > /tmp/dev/gputest && chmod +x /tmp/dev/gputest
fi
if [ -f .device/cudnn_site.tar.xz ]; then
  tar xJf .device/cudnn_site.tar.xz -C /tmp && export PYTHONPATH=/tmp/site
fi
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
