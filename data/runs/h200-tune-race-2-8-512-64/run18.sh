#!/bin/bash
# Device run 18: the default tune (racing) with an empty compile cache, timed; its baselines,
# report and both gates; a 3-process bench of its best. Then 8,16,8192,64's best beside cuDNN
# FP8 in one run, a validation sample at causal problems with few-key rows (the loop split), and
# Nsight Compute's instruction count of the best 8,16,8192,128 kernel.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site
E=./.device/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
R=$OUT/h200-tune-race-2-8-512-64
export EVOTUNE_CACHE_DIR=$(mktemp -d)
/usr/bin/time -v -o $OUT/tune-time.txt timeout 150 $E --shape 2,8,512,64 --budget 128 --out $R > $OUT/tune.log 2>&1
echo "tune rc=$? $(grep -E 'Elapsed|Maximum resident' $OUT/tune-time.txt | tr -s ' ' | tr '\n' ' ') $(el)"
grep -E '^best|^  *[0-9]|wall|raced' $OUT/tune.log | head -8
cfg() { python3 -c "import json;c=json.load(open('$1/tune/topk.json'))['elites'][0]['record']['config'];print(','.join(f'{k}={str(v).lower() if isinstance(v,bool) else v}' for k,v in c.items()))"; }
BEST=$(cfg $R); echo "best: $BEST"
timeout 90 $E baseline --shape 2,8,512,64 --out $R > $OUT/baseline.log 2>&1; echo "baseline rc=$? $(el)"
$E report --run $R > $OUT/report.log 2>&1; echo "report rc=$?"
for g in "--vs torch_math --protocol warm --min-speedup 15" "--vs cudnn_fp8 --protocol cold --min-speedup 1" "--vs cudnn_fp8 --protocol warm --min-speedup 1"; do
  $E gate --run $R $g > $OUT/gate.log 2>&1; echo "gate $g: rc=$? $(tail -3 $OUT/gate.log | tr '\n' ' ' | cut -c1-300)"
done
timeout 60 $E bench --shape 2,8,512,64 --config "$BEST" --processes 3 --out $OUT/bench-p3 > $OUT/bench-p3.log 2>&1; echo "bench p3 rc=$? $(el)"
grep -iE 'kernel-only|process' $OUT/bench-p3.log | head -6
export EVOTUNE_CACHE_DIR=/tmp/kc
W="ARRIVE=thread,FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy"
D64="$W,BLOCK_M=192,BLOCK_N=128,OVERLAP=false,PERSISTENT=true,PINGPONG=false,PRODUCER_REGS=56,STAGES=3,SWIZZLE=64,VT_STAGES=2,VT_SWIZZLE=128,WAIT=suspend"
D128="$W,BLOCK_M=192,BLOCK_N=96,OVERLAP=false,PERSISTENT=false,PINGPONG=false,PRODUCER_REGS=24,STAGES=3,SWIZZLE=32,VT_SWIZZLE=32,VT_STAGES=1,WAIT=spin"
L=$OUT/h200-long-8-16-8192-64; mkdir -p $L
timeout 60 $E bench --space .device/wgmma.toml --shape 8,16,8192,64 --config "$D64" --timeout 20 --out $L > $L/bench.log 2>&1; echo "d64 bench rc=$? $(grep -E 'kernel-only' $L/bench.log | head -2 | tr '\n' ' ' | cut -c1-200) $(el)"
timeout 150 $E baseline --shape 8,16,8192,64 --only cudnn_fp8,floor,flash,cudnn --out $L > $L/baseline.log 2>&1; echo "d64 baseline rc=$? $(el)"
grep -E 'cudnn_fp8|cudnn|flash|floor' $L/baseline.log | head -8
for p in 2,8,63,80,causal,kv_heads=4 1,8,100,128,causal,kv_heads=1 1,4,4097,128,causal,kv_heads=2 1,3,1,64,causal 1,32,777,128,causal,kv_heads=8,kv_len=1000; do
  left=$(( T0 + ${LIMIT_S:-480} - $(date +%s) )); [ $left -lt 30 ] && { echo "no time for $p"; continue; }
  d=$OUT/v/${p//,/_}; d=${d//=/}; mkdir -p $d
  timeout $(( left < 50 ? left : 50 )) $E record --space .device/wgmma.toml --shape $p --no-timing --limit 10 --seed 23 --timeout 15 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]), [x['reason'][:120] for x in r if x['outcome']!='ok'][:2])" 2>&1 | tail -1) $(el)"
done
left=$(( T0 + 560 - $(date +%s) ))
if [ $left -gt 60 ]; then
  timeout $left ncu --clock-control none -k regex:sdpa_fp8_fwd --launch-count 1 --metrics smsp__inst_executed.sum,gpu__time_duration.sum,sass__inst_executed_per_opcode --csv --page raw \
     $E bench --space .device/wgmma.toml --shape 8,16,8192,128 --config "$D128" --out /tmp/ncu_b --reps 10 > $OUT/ncu_d128.csv 2> $OUT/ncu_d128.err
  echo "ncu rc=$? $(el)"
fi
find $OUT -name "*.cubin" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
