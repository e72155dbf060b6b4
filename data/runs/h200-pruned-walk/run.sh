#!/bin/bash
# Device run 1: the default tune with an empty compile cache after the valid points are listed by
# the pruned walk, three times; then the best of the last tune re-timed in 3 fresh processes
# (`bench --processes 3`) against its confirmation interval.
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
E=./.device/evotune
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
for i in 1 2 3; do
  R=$OUT/tune$i
  export EVOTUNE_CACHE_DIR=$(mktemp -d)
  /usr/bin/time -v -o $OUT/tune$i.time.txt timeout 120 $E --shape 2,8,512,64 --budget 128 --out $R > $OUT/tune$i.log 2>&1
  echo "tune$i rc=$? $(grep -E 'Elapsed' $OUT/tune$i.time.txt | tr -s ' ')"
  grep -E '^best|^time|^confirm ' $OUT/tune$i.log | cut -c1-300
  rm -rf $R/kernels
done
C=$(python3 -c "import json;print(json.load(open('$OUT/tune3/tune/topk.json'))['elites'][0]['label'])" 2>/dev/null)
echo "best of tune3: $C"
timeout 120 $E bench --shape 2,8,512,64 --config "$C" --processes 3 --out $OUT/bench3 > $OUT/bench3.log 2>&1
echo "bench rc=$?"; grep -E 'kernel-only|process' $OUT/bench3.log | head -8
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
