#!/bin/bash
# Device run 28: TURN (ping-pong over the exponentials) against the wgmma-issue turn, with the
# row halves' softmax one after the other; a validation sample of TURN = exp points.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
W="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,PERSISTENT=true,STAGES=2,SWIZZLE=128,WAIT=suspend,BLOCK_M=128"
SER="$W,ARRIVE=warp,BLOCK_N=160,OVERLAP=false,PINGPONG=true,PRODUCER_REGS=56,VT_STAGES=1,VT_SWIZZLE=32"
OB="$W,ARRIVE=thread,BLOCK_N=192,OVERLAP=true,PINGPONG=true,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=40"
OB128="$W,ARRIVE=thread,BLOCK_N=128,OVERLAP=true,PINGPONG=true,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=40"
D64="${W/SWIZZLE=128/SWIZZLE=64},ARRIVE=thread,BLOCK_N=128,OVERLAP=true,PINGPONG=true,VT_STAGES=2,VT_SWIZZLE=128,PRODUCER_REGS=40"
bench() { # name shape config
  local d=$OUT/bench/$2/$1; mkdir -p $d
  timeout 40 $E bench --space .device/turn.toml --shape $2 --config "$3" --timeout 20 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c1-64) | $(grep -E '^outcome' $d/bench.log) $(grep -oE 'max_abs [0-9.e-]+' $d/bench.log | head -1) $(grep -oE '[0-9]+ registers, [0-9]+ B spilled' $d/bench.log) $(grep -m1 -oE '(breaks constraint|error).*' $d/bench.log | cut -c1-100) $(el)"
}
for t in wgmma exp; do bench ob_$t 8,16,8192,128 "$OB,TURN=$t"; done
for t in wgmma exp; do bench ser_$t 8,16,8192,128 "$SER,TURN=$t"; done
for t in wgmma exp; do bench ob128_$t 8,16,8192,128 "$OB128,TURN=$t"; done
for t in wgmma exp; do bench ob_$t 4,32,2048,128 "$OB,TURN=$t"; done
for t in wgmma exp; do bench d64_$t 8,16,8192,64 "$D64,TURN=$t"; done
for p in 2,8,512,64 1,8,333,128,causal,kv_heads=2,kv_len=400 2,4,1000,64,causal; do
  d=$OUT/v/${p//,/_}; d=${d//=/}; mkdir -p $d
  timeout 45 $E record --space .device/turnv.toml --shape $p --no-timing --limit 10 --seed 28 --timeout 15 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]), [x['reason'][:120] for x in r if x['outcome']!='ok'][:2])" 2>&1 | tail -1) $(el)"
done
find $OUT -name "*.cubin" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
