#!/bin/bash
# Device run 30: a tune over exponential turns at 8,16,8192,128 (wgmma, BLOCK_M 128, ping-pong,
# TURN = exp); TURN = exp benches at 4,32,2048,128; cuDNN FP8 in the same run; Nsight Compute's
# issue/tensor/MUFU/stall metrics of the 128 x 192 overlapped kernel with exp turns; a
# validation sample of TURN = exp points.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
W="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,PERSISTENT=true,STAGES=2,SWIZZLE=128,WAIT=suspend,BLOCK_M=128,PINGPONG=true,TURN=exp"
OB="$W,ARRIVE=thread,BLOCK_N=192,OVERLAP=true,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=40"
OB160="$W,ARRIVE=thread,BLOCK_N=160,OVERLAP=true,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=40"
SER="$W,ARRIVE=warp,BLOCK_N=160,OVERLAP=false,PRODUCER_REGS=56,VT_STAGES=1,VT_SWIZZLE=32"
bench() { # name shape config
  local d=$OUT/bench/$2/$1; mkdir -p $d
  timeout 40 $E bench --space .device/wgmma.toml --shape $2 --config "$3" --timeout 20 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c1-64) | $(grep -E '^outcome' $d/bench.log) $(grep -oE '[0-9]+ registers, [0-9]+ B spilled' $d/bench.log) $(grep -m1 -oE '(breaks constraint|error).*' $d/bench.log | cut -c1-100) $(el)"
}
timeout 200 $E --space .device/wgmma.toml --shape 8,16,8192,128 --budget 32 --set PINGPONG=true --set TURN=exp --set TRANSPOSE=ldsm --set BLOCK_M=128 --seed 3 --no-db --confirm-top 1 --out $OUT/tune-8-16-8192-128 > $OUT/tune.log 2>&1
echo "tune rc=$? $(el)"; grep -E '^best|^confirm|^time' $OUT/tune.log | cut -c1-200
for c in OB OB160 SER; do bench ${c,,} 4,32,2048,128 "${!c}"; done
for s in 8,16,8192,128 4,32,2048,128; do
  d=$OUT/base/$s; mkdir -p $d
  timeout 60 $E baseline --shape $s --only cudnn_fp8,floor --out $d > $d/baseline.log 2>&1; echo "baseline $s rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-110) $(el)"
done
M="regex:smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio$,regex:sm__pipe_tensor.*cycles_active.*pct_of_peak_sustained_active$,smsp__inst_executed.sum,gpu__time_duration.sum,sm__cycles_elapsed.avg,smsp__issue_active.avg.pct_of_peak_sustained_active,sm__inst_executed_pipe_xu.avg.pct_of_peak_sustained_active"
mkdir -p $OUT/ncu
timeout 100 ncu --clock-control none -k regex:sdpa_fp8_fwd --launch-count 1 --metrics "$M" --csv --page raw \
  $E bench --space .device/wgmma.toml --shape 8,16,8192,128 --config "$OB" --out /tmp/n1 --reps 100 --no-flush > $OUT/ncu/ob_exp_raw.csv 2> $OUT/ncu/ob_exp_raw.err
echo "ncu rc=$? $(el)"
python3 - $OUT/ncu/ob_exp_raw.csv <<'PY'
import csv, io, sys
txt = [l for l in open(sys.argv[1]).read().splitlines() if l.startswith('"')]
rows = list(csv.reader(io.StringIO("\n".join(txt))))
if len(rows) >= 3:
    for i, k in enumerate(rows[0]):
        if any(w in k for w in ('stalled', 'pipe', 'inst', 'time', 'cycles', 'issue')) and rows[2][i] not in ('0', '0.00'):
            print(f"{k.replace('smsp__average_warps_issue_stalled_','stall ').replace('_per_issue_active.ratio','')[:60]:60} {rows[2][i]:>14}")
PY
for p in 2,8,512,64 1,8,333,128,causal,kv_heads=2,kv_len=400 2,4,1000,64,causal 3,2,700,96; do
  d=$OUT/v/${p//,/_}; d=${d//=/}; mkdir -p $d
  timeout 45 $E record --space .device/turnv.toml --shape $p --no-timing --limit 10 --seed 30 --timeout 15 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]), [x['reason'][:120] for x in r if x['outcome']!='ok'][:2])" 2>&1 | tail -1) $(el)"
done
find $OUT -name "*.cubin" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
