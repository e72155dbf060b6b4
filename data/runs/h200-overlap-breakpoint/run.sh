#!/bin/bash
# Device run 23: OVERLAP with the breakpoint boundary (pipelined at every tile width): FA3-like
# tiles beside the serial sweep bests, cuDNN FP8 in the same run, a validation sample, a tune.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
left() { echo $(( T0 + ${LIMIT_S:-570} - $(date +%s) )); }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
W="ARRIVE=warp,FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,PERSISTENT=true,STAGES=2,SWIZZLE=128,VT_STAGES=1,WAIT=suspend"
SER128="$W,BLOCK_M=128,BLOCK_N=160,OVERLAP=false,PINGPONG=false,PRODUCER_REGS=56,VT_SWIZZLE=32"
O="$W,BLOCK_M=128,OVERLAP=true"
declare -A C
C[ser]="$SER128"
C[o224]="$O,BLOCK_N=224,VT_SWIZZLE=32,PRODUCER_REGS=40,PINGPONG=false"
C[o224pp]="$O,BLOCK_N=224,VT_SWIZZLE=32,PRODUCER_REGS=40,PINGPONG=true"
C[o192]="$O,BLOCK_N=192,VT_SWIZZLE=64,PRODUCER_REGS=56,PINGPONG=false"
C[o192pp]="$O,BLOCK_N=192,VT_SWIZZLE=64,PRODUCER_REGS=56,PINGPONG=true"
C[o160]="$O,BLOCK_N=160,VT_SWIZZLE=32,PRODUCER_REGS=56,PINGPONG=false"
C[o128]="$O,BLOCK_N=128,VT_SWIZZLE=128,PRODUCER_REGS=56,PINGPONG=false"
bench() { # name shape config
  local d=$OUT/bench/$2/$1; mkdir -p $d
  timeout 40 $E bench --space .device/wgmma.toml --shape $2 --config "$3" --timeout 20 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c1-100) | $(grep -oE '[0-9]+ registers, [0-9]+ B spilled' $d/bench.log) $(el)"
}
for s in 8,16,8192,128 4,32,2048,128; do for k in ser o224 o224pp o192 o192pp o160 o128; do bench $k $s "${C[$k]}"; done; done
W64="ARRIVE=thread,FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,PERSISTENT=true,PINGPONG=false,SWIZZLE=64,VT_STAGES=1,VT_SWIZZLE=128"
bench ser 8,16,8192,64 "$W64,BLOCK_M=192,BLOCK_N=128,OVERLAP=false,PRODUCER_REGS=40,STAGES=3,WAIT=spin"
bench o192x128 8,16,8192,64 "$W64,BLOCK_M=192,BLOCK_N=128,OVERLAP=true,PRODUCER_REGS=40,STAGES=2,WAIT=suspend"
bench o128x256 8,16,8192,64 "$W64,BLOCK_M=128,BLOCK_N=256,OVERLAP=true,PRODUCER_REGS=40,STAGES=2,WAIT=suspend"
bench o128x192 8,16,8192,64 "$W64,BLOCK_M=128,BLOCK_N=192,OVERLAP=true,PRODUCER_REGS=56,STAGES=2,WAIT=suspend"
for s in 8,16,8192,128 4,32,2048,128 8,16,8192,64; do
  d=$OUT/base/$s; mkdir -p $d
  timeout 60 $E baseline --shape $s --only cudnn_fp8,floor --out $d > $d/baseline.log 2>&1; echo "baseline $s rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -2 | tr '\n' ' ' | cut -c1-200) $(el)"
done
for p in 2,8,512,64 1,1,1000,64 3,5,777,96 2,4,4097,128 1,16,2048,256 1,8,333,128,causal,kv_heads=2,kv_len=400; do
  l=$(left); [ $l -lt 40 ] && { echo "no time for $p"; continue; }
  d=$OUT/v/${p//,/_}; d=${d//=/}; mkdir -p $d
  timeout $(( l < 50 ? l : 50 )) $E record --space .device/overlap.toml --shape $p --no-timing --limit 12 --seed 11 --timeout 15 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]), [x['reason'][:120] for x in r if x['outcome']!='ok'][:2])" 2>&1 | tail -1) $(el)"
done
l=$(left)
if [ $l -gt 60 ]; then
  timeout $l $E --space .device/wgmma.toml --shape 8,16,8192,128 --budget 32 --set OVERLAP=true --set TRANSPOSE=ldsm --seed 2 --no-db --confirm-top 1 --out $OUT/tune-8-16-8192-128 > $OUT/tune.log 2>&1
  echo "tune rc=$? $(el)"; grep -E '^best|^confirm|^time' $OUT/tune.log | head -5
fi
find $OUT -name "*.cubin" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
