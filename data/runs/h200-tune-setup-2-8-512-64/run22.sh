#!/bin/bash
# Device run 22: the default tune with an empty compile cache, timed, after the walk over the
# space's points was split across the cores.
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
E=./.device/evotune
nvidia-smi --query-gpu=name,clocks.sm --format=csv,noheader
R=$OUT/h200-tune-setup-2-8-512-64
export EVOTUNE_CACHE_DIR=$(mktemp -d)
/usr/bin/time -v -o $OUT/tune-time.txt timeout 100 $E --shape 2,8,512,64 --budget 128 --out $R > $OUT/tune.log 2>&1
echo "tune rc=$? $(grep -E 'Elapsed' $OUT/tune-time.txt | tr -s ' ')"
grep -E '^best|^time|^race|^confirm' $OUT/tune.log
