#!/bin/bash
# The default tune (2,8,512,64, budget 128) with an empty compile cache, generational and steady
# (`--search steady`, 8 in flight) in turn, twice each on one machine: process wall (time -v),
# where it went (the tune's own summary), and the best; then the last steady tune's best re-timed
# in 3 fresh processes (`bench --processes 3`) against its confirmation interval.
source data/runs/device.sh
for i in 1 2; do
  for mode in generational steady; do
    R=$OUT/$mode$i
    export EVOTUNE_CACHE_DIR=$(mktemp -d)
    /usr/bin/time -v -o $R.time.txt timeout 120 $E --shape 2,8,512,64 --budget 128 --search $mode --out $R > $R.log 2>&1
    echo "$mode$i rc=$? $(grep -E 'Elapsed' $R.time.txt | tr -s ' ') $(el)"
    grep -E '^best|^time|^confirm ' $R.log | cut -c1-300
    rm -rf $R/kernels
  done
done
C=$(python3 -c "import json;print(json.load(open('$OUT/steady2/tune/topk.json'))['elites'][0]['label'])" 2>/dev/null)
echo "best of steady2: $C"
timeout 120 $E bench --shape 2,8,512,64 --config "$C" --processes 3 --out $OUT/bench > $OUT/bench.log 2>&1
echo "bench rc=$? $(el)"; grep -E 'kernel-only|process' $OUT/bench.log | head -8
