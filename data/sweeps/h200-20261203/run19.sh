#!/bin/bash
# Device run 19: the multi-shape sweep (13 problems) into a fresh tuning database, warm-started
# from the problems tuned before it; resumable (run again with the folder carried back).
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
SW=$OUT/sweep
if [ -d .device/sweep-in ]; then cp -r .device/sweep-in $SW; cp .device/tuning-in.db $OUT/tuning.db; ARGS="--resume $SW"; else
ARGS="--shapes 2,8,512,64 4,32,2048,64 4,32,2048,80 4,32,2048,96 4,32,2048,107 4,32,2048,112 4,32,2048,128 4,32,2048,144 4,32,2048,160 4,32,1024,128 4,32,4096,128 8,16,8192,64 8,16,8192,128 --budget 24 --seed 1 --warm-start --out $SW"; fi
timeout ${LIMIT:-540} $E sweep $ARGS --db $OUT/tuning.db > $OUT/sweep.log 2>&1
echo "sweep rc=$? ($(( $(date +%s) - T0 )) s)"; grep -E '^\[|failed|error' $OUT/sweep.log | tail -16
find $SW -name "*.cubin" -delete; find $SW -name kernels -type d -exec rm -rf {} + 2>/dev/null
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
