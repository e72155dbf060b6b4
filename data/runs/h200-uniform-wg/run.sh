#!/bin/bash
# Device run 32: the warpgroup index from a lane-0 shuffle (descriptors in uniform registers)
# against the committed template, at the three long shapes; a validation sample of wgmma points.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv,noheader | tee $OUT/env.txt
W="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,PERSISTENT=true,STAGES=2,SWIZZLE=128,WAIT=suspend,BLOCK_M=128,PINGPONG=true,TURN=exp"
OB="$W,ARRIVE=thread,BLOCK_N=192,OVERLAP=true,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=40"
S64="ARRIVE=thread,FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,PERSISTENT=true,PINGPONG=false,SWIZZLE=64,VT_STAGES=1,VT_SWIZZLE=128,BLOCK_M=192,BLOCK_N=128,OVERLAP=false,PRODUCER_REGS=40,STAGES=3,WAIT=spin"
bench() { # name space shape config
  local d=$OUT/bench/$3/$1; mkdir -p $d
  timeout 40 $E bench --space $2 --shape $3 --config "$4" --timeout 20 --out $d > $d/bench.log 2>&1
  echo "$3 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c1-64) | $(grep -E '^outcome' $d/bench.log) $(grep -oE '[0-9]+ registers, [0-9]+ B spilled' $d/bench.log) $(el)"
}
for s in 8,16,8192,128 4,32,2048,128; do
  bench old .device/wgmma_old.toml $s "$OB"; bench new .device/wgmma.toml $s "$OB"; bench old_again .device/wgmma_old.toml $s "$OB"; bench new_again .device/wgmma.toml $s "$OB"
done
bench old .device/wgmma_old.toml 8,16,8192,64 "$S64"; bench new .device/wgmma.toml 8,16,8192,64 "$S64"
for p in 2,8,512,64 1,8,333,128,causal,kv_heads=2,kv_len=400 2,4,1000,64,causal 3,2,700,96 1,16,2048,256; do
  d=$OUT/v/${p//,/_}; d=${d//=/}; mkdir -p $d
  timeout 45 $E record --space .device/wgmma.toml --shape $p --no-timing --limit 12 --seed 32 --timeout 15 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]), [x['reason'][:120] for x in r if x['outcome']!='ok'][:2])" 2>&1 | tail -1) $(el)"
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
