#!/bin/bash
# Device run 17: more of the validation sample (decode step, kv_len > S, GQA, D 256, other seeds).
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
for p in 1,4,1,64,causal,kv_heads=1,kv_len=300 1,32,777,128,causal,kv_heads=8,kv_len=1000 2,8,63,80,causal,kv_heads=4 1,2,333,256,causal 2,4,4097,128 1,16,2048,256; do
  left=$(( T0 + ${LIMIT_S:-150} - $(date +%s) )); [ $left -lt 25 ] && { echo "no time for $p"; continue; }
  d=$OUT/v/${p//,/_}; d=${d//=/}; mkdir -p $d
  /usr/bin/time -f "%e s wall" timeout $(( left < 40 ? left : 40 )) $E record --space .device/wgmma.toml --shape $p --no-timing --limit ${LIMIT:-12} --seed 22 --timeout 15 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(tail -1 $d.log) $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]), [x['reason'][:120] for x in r if x['outcome']!='ok'][:2])" 2>&1 | tail -1) ($(( $(date +%s) - T0 )) s)"
done
find $OUT -name "*.cubin" -delete; find $OUT -name kernels -type d -exec rm -rf {} + 2>/dev/null
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
