#!/bin/bash
# Device run 5: validation (no timing) of sampled P_BUFFERS = 2 points of the space at ragged problems.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
for p in 2,8,512,64 1,8,333,128,causal,kv_heads=2,kv_len=400 2,4,1000,64,causal 3,2,700,96 1,4,4097,128,causal,kv_heads=1 1,8,1,128,kv_len=777; do
  d=$OUT/v/${p//[,=]/_}; mkdir -p $d
  timeout 50 $E record --space .device/p2v.toml --shape $p --no-timing --limit 12 --seed 41 --timeout 15 --out $d/tune_log.csv > $d/record.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]), [x['reason'][:120] for x in r if x['outcome']!='ok'][:2])" 2>&1 | tail -1) $(el)"
done
