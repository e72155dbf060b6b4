#!/bin/bash
# Device run 29: the exponentials' turn (TURN = exp) on three softmax codes: v0 the committed one
# (one vote for both row halves), v1 row halves one after the other, v2 v1 with row half 1's
# maxima seeded from a p of row half 0; each against the wgmma-issue turn. Nsight Compute's
# issue/tensor/stall metrics on the best two; a validation sample of v2 with TURN = exp.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
OB="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,PERSISTENT=true,STAGES=2,SWIZZLE=128,WAIT=suspend,BLOCK_M=128,ARRIVE=thread,BLOCK_N=192,OVERLAP=true,PINGPONG=true,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=40"
bench() { # name space shape config
  local d=$OUT/bench/$3/$1; mkdir -p $d
  timeout 40 $E bench --space $2 --shape $3 --config "$4" --timeout 20 --out $d > $d/bench.log 2>&1
  echo "$3 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c1-64) | $(grep -E '^outcome' $d/bench.log) $(grep -oE '[0-9]+ registers, [0-9]+ B spilled' $d/bench.log) $(grep -m1 -oE '(breaks constraint|error).*' $d/bench.log | cut -c1-100) $(el)"
}
for v in 0 1 2; do for t in wgmma exp; do bench v${v}_$t .device/turn_v$v.toml 8,16,8192,128 "$OB,TURN=$t"; done; done
for v in 0 2; do bench v${v}_exp .device/turn_v$v.toml 4,32,2048,128 "$OB,TURN=exp"; done
M="regex:smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio$,regex:sm__pipe_tensor.*cycles_active.*pct_of_peak_sustained_active$,smsp__inst_executed.sum,gpu__time_duration.sum,sm__cycles_elapsed.avg,smsp__issue_active.avg.pct_of_peak_sustained_active,sm__inst_executed_pipe_xu.avg.pct_of_peak_sustained_active"
mkdir -p $OUT/ncu
for v in 0 2; do
  timeout 100 ncu --clock-control none -k regex:sdpa_fp8_fwd --launch-count 1 --metrics "$M" --csv --page raw \
    $E bench --space .device/turn_v$v.toml --shape 8,16,8192,128 --config "$OB,TURN=exp" --out /tmp/n$v --reps 5 --no-flush > $OUT/ncu/v${v}_exp_raw.csv 2> $OUT/ncu/v${v}_exp_raw.err
  echo "ncu v$v rc=$? $(el)"
done
python3 - $OUT/ncu <<'PY'
import csv, io, sys
def load(f):
    txt = [l for l in open(f).read().splitlines() if l.startswith('"')]
    rows = list(csv.reader(io.StringIO("\n".join(txt))))
    if len(rows) < 3: return {}
    return {rows[0][i]: rows[2][i] for i in range(len(rows[0]))}
a = load(sys.argv[1] + '/v0_exp_raw.csv'); b = load(sys.argv[1] + '/v2_exp_raw.csv')
for k in sorted(set(a) | set(b)):
    if any(w in k for w in ('stalled', 'pipe', 'inst', 'time', 'cycles', 'issue')):
        x, y = a.get(k, '-'), b.get(k, '-')
        if x in ('0', '0.00') and y in ('0', '0.00'): continue
        print(f"{k.replace('smsp__average_warps_issue_stalled_','stall ').replace('_per_issue_active.ratio','')[:60]:60} {x:>14} {y:>14}")
PY
for p in 2,8,512,64 1,8,333,128,causal,kv_heads=2,kv_len=400 2,4,1000,64,causal; do
  d=$OUT/v/${p//,/_}; d=${d//=/}; mkdir -p $d
  timeout 45 $E record --space .device/turnv.toml --shape $p --no-timing --limit 10 --seed 29 --timeout 15 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]), [x['reason'][:120] for x in r if x['outcome']!='ok'][:2])" 2>&1 | tail -1) $(el)"
done
find $OUT -name "*.cubin" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
