#!/bin/bash
# Every valid point of search_spaces/gemm_fp8.toml validated on the GPU (`evotune record
# --no-timing`, no --limit: all of them) at ragged problems: 1000,1000,1024 (where clusters, splits
# and both tile orders are valid: 5,890 points), then M = 1 and K = 16 (1,64,16) and M, N, K off
# every tile (129,257,333), while the time lasts. One compile cache for all: the sources do not
# depend on the problem. A summary line per problem: outcomes, worst error, the first failures.
# Packed into $OUT/run.tar.gz.
mkdir -p $OUT/r && R=$OUT && OUT=$OUT/r
source data/runs/device.sh
nproc
for p in 1000,1000,1024 1,64,16 129,257,333; do
  [ $(( $(date +%s) - T0 )) -gt 420 ] && { echo "$p skipped (time)"; continue; }
  d=$OUT/${p//,/_}; mkdir -p $d
  timeout $(( 560 - $(date +%s) + T0 )) $E record --gemm $p --no-timing --timeout 30 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections,json
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r)
print(len(r), 'points', dict(c), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]), [x['reason'][:120] for x in r if x['outcome']!='ok'][:3])" 2>&1 | tail -1) $(el)"
  tail -3 $d.log | cut -c1-200
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete; rm -rf $OUT/*/kernels
tar czf $R/run.tar.gz -C $OUT . && rm -rf $OUT
