#!/bin/bash
# Device run 25: Q_FRAGS (Q K^T with Q from registers) beside the best serial and OVERLAP
# kernels at the three long shapes; the 224-key tiles; Nsight Compute's throughput sections for
# the OVERLAP best and cuDNN FP8's kernel; a validation sample of Q_FRAGS points.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
left() { echo $(( T0 + ${LIMIT_S:-570} - $(date +%s) )); }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
W="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,PERSISTENT=true,STAGES=2,SWIZZLE=128,WAIT=suspend,BLOCK_M=128"
SER="$W,ARRIVE=warp,BLOCK_N=160,OVERLAP=false,PINGPONG=false,PRODUCER_REGS=56,VT_STAGES=1,VT_SWIZZLE=32"
OB="$W,ARRIVE=thread,BLOCK_N=192,OVERLAP=true,PINGPONG=true,VT_STAGES=2,VT_SWIZZLE=32"
S224="$W,ARRIVE=thread,BLOCK_N=224,PRODUCER_REGS=24,VT_STAGES=2,VT_SWIZZLE=32"
declare -A C
C[ser]="$SER,Q_FRAGS=false"; C[serQ]="$SER,Q_FRAGS=true"
C[ob]="$OB,PRODUCER_REGS=40,Q_FRAGS=false"; C[ob24]="$OB,PRODUCER_REGS=24,Q_FRAGS=false"; C[obQ]="$OB,PRODUCER_REGS=24,Q_FRAGS=true"
C[o224pp]="$S224,OVERLAP=true,PINGPONG=true,Q_FRAGS=false"; C[o224ppQ]="$S224,OVERLAP=true,PINGPONG=true,Q_FRAGS=true"
C[s224pp]="$S224,OVERLAP=false,PINGPONG=true,Q_FRAGS=false"; C[s224ppQ]="$S224,OVERLAP=false,PINGPONG=true,Q_FRAGS=true"
W64="ARRIVE=thread,FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,PERSISTENT=true,PINGPONG=false,SWIZZLE=64,VT_STAGES=1,VT_SWIZZLE=128,BLOCK_M=192,BLOCK_N=128,OVERLAP=false,PRODUCER_REGS=40,STAGES=3,WAIT=spin"
C[ser64]="$W64,Q_FRAGS=false"; C[ser64Q]="$W64,Q_FRAGS=true"
bench() { # name shape
  local d=$OUT/bench/$2/$1; mkdir -p $d
  timeout 40 $E bench --space .device/wgmma.toml --shape $2 --config "${C[$1]}" --timeout 20 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c1-100) | $(grep -oE '[0-9]+ registers, [0-9]+ B spilled' $d/bench.log) $(grep -m1 -oE 'breaks constraint.*' $d/bench.log | cut -c1-100) $(el)"
}
for k in ser serQ ob ob24 obQ o224pp o224ppQ s224pp s224ppQ; do bench $k 8,16,8192,128; done
for k in ser serQ ob obQ; do bench $k 4,32,2048,128; done
for k in ser64 ser64Q; do bench $k 8,16,8192,64; done
for p in 2,8,512,64 1,1,1000,64 3,5,777,96 2,4,4097,128 1,16,2048,256 1,8,333,128,causal,kv_heads=2,kv_len=400; do
  l=$(left); [ $l -lt 200 ] && { echo "no time for $p"; continue; }
  d=$OUT/v/${p//,/_}; d=${d//=/}; mkdir -p $d
  timeout 45 $E record --space .device/qfrags.toml --shape $p --no-timing --limit 10 --seed 13 --timeout 15 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]), [x['reason'][:120] for x in r if x['outcome']!='ok'][:2])" 2>&1 | tail -1) $(el)"
done
SECT="--section SpeedOfLight --section ComputeWorkloadAnalysis --section MemoryWorkloadAnalysis_Tables --section WarpStateStats"
mkdir -p $OUT/ncu
l=$(left); if [ $l -gt 60 ]; then
  timeout $(( l < 100 ? l : 100 )) ncu --clock-control none -k regex:sdpa_fp8_fwd --launch-count 1 $SECT --csv --page details \
    $E bench --space .device/wgmma.toml --shape 8,16,8192,128 --config "${C[ob]}" --out /tmp/ncu_ob --reps 100 --no-flush > $OUT/ncu/ob.csv 2> $OUT/ncu/ob.err
  echo "ncu ob rc=$? $(el)"
fi
l=$(left); if [ $l -gt 60 ]; then
  timeout $(( l < 150 ? l : 150 )) ncu --clock-control none --target-processes all -k regex:cudnn --launch-count 1 $SECT --csv --page details \
    $E baseline --shape 8,16,8192,128 --only cudnn_fp8 --out /tmp/ncu_cudnn > $OUT/ncu/cudnn.csv 2> $OUT/ncu/cudnn.err
  echo "ncu cudnn rc=$? $(el)"
fi
python3 - $OUT/ncu <<'PY'
import csv, sys, glob, os
want = ['Duration','Throughput','Executed Ipc Active','Issue Slots Busy','Shared','Bank','Warp Cycles Per Issued','Registers Per Thread','Pipe']
for f in sorted(glob.glob(sys.argv[1] + '/*.csv')):
    rows = [r for r in csv.reader(open(f)) if len(r) > 10]
    if not rows: print(os.path.basename(f), 'no rows'); continue
    h = rows[0]; name = h.index('Metric Name'); val = h.index('Metric Value'); unit = h.index('Metric Unit'); kn = h.index('Kernel Name')
    print('==', os.path.basename(f), rows[1][kn][:90])
    for r in rows[1:]:
        if any(w.lower() in r[name].lower() for w in want): print('  ', r[name][:55], '=', r[val], r[unit])
PY
find $OUT -name "*.cubin" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
