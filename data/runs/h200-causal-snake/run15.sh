#!/bin/bash
# Device run 15: single benches with short watchdogs (causal, few-key rows), REDUCE timed,
# a validation sample at the causal problems that failed before, then a tune while time is left.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
nvidia-smi --query-gpu=name,clocks.sm --format=csv,noheader
nvidia-smi --query-compute-apps=pid,name --format=csv,noheader
W="ARRIVE=thread,FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy"
D="VT_SWIZZLE=32,WAIT=suspend,REDUCE=chain"
b() { # shape label config
  local out=$OUT/b/$2; mkdir -p $out
  timeout ${TO:-40} $E bench --space .device/wgmma.toml --shape $1 --config "$W,$3" --timeout 15 --out $out > $out.log 2>&1
  echo "$1 $2 rc=$? $(grep -E 'kernel-only' $out.log | head -1 | cut -c1-100) | $(grep -iE 'max_abs|max abs|error|timeout|hang' $out.log | head -2 | cut -c1-160) ($(( $(date +%s) - T0 )) s)"
}
b 1,1,1000,64 plain "$D,SWIZZLE=64,PRODUCER_REGS=56,BLOCK_M=128,BLOCK_N=128,STAGES=2,VT_STAGES=1,OVERLAP=false,PERSISTENT=false,PINGPONG=false"
b 1,8,100,128,causal,kv_heads=1 c_serial "$D,SWIZZLE=64,PRODUCER_REGS=56,BLOCK_M=128,BLOCK_N=128,STAGES=2,VT_STAGES=1,OVERLAP=false,PERSISTENT=false,PINGPONG=false"
b 1,8,1000,128,causal,kv_heads=1 c_serial_many "$D,SWIZZLE=64,PRODUCER_REGS=56,BLOCK_M=128,BLOCK_N=128,STAGES=2,VT_STAGES=1,OVERLAP=false,PERSISTENT=false,PINGPONG=false"
b 1,8,100,128,causal,kv_heads=1 c_pers "$D,SWIZZLE=64,PRODUCER_REGS=56,BLOCK_M=128,BLOCK_N=128,STAGES=2,VT_STAGES=1,OVERLAP=false,PERSISTENT=true,PINGPONG=false"
b 1,8,100,64,causal,kv_heads=1 c_ovl "$D,SWIZZLE=64,PRODUCER_REGS=40,BLOCK_M=64,BLOCK_N=64,STAGES=2,VT_STAGES=1,OVERLAP=true,PERSISTENT=false,PINGPONG=false"
b 2,2,50,96,causal c_64 "$D,SWIZZLE=32,PRODUCER_REGS=40,BLOCK_M=64,BLOCK_N=64,STAGES=2,VT_STAGES=1,OVERLAP=false,PERSISTENT=false,PINGPONG=false"
nvidia-smi --query-compute-apps=pid,name --format=csv,noheader
echo "== REDUCE ($(( $(date +%s) - T0 )) s)"
TO=60
for r in chain tree; do
b 8,16,8192,128 d128_$r "BLOCK_M=192,BLOCK_N=96,OVERLAP=false,PERSISTENT=false,PINGPONG=false,PRODUCER_REGS=24,STAGES=3,SWIZZLE=32,VT_SWIZZLE=32,VT_STAGES=1,WAIT=spin,REDUCE=$r"
b 8,16,8192,64 d64_$r "BLOCK_M=192,BLOCK_N=128,OVERLAP=false,PERSISTENT=true,PINGPONG=false,PRODUCER_REGS=56,STAGES=3,SWIZZLE=64,VT_STAGES=2,VT_SWIZZLE=128,WAIT=suspend,REDUCE=$r"
done
echo "== validation ($(( $(date +%s) - T0 )) s)"
for p in 2,8,63,80,causal,kv_heads=4 1,8,100,128,causal,kv_heads=1 2,2,50,96,causal 1,4,4097,128,causal,kv_heads=2 1,2,333,256,causal 1,3,1,64,causal 2,4,1531,64,causal,kv_heads=1 1,1,1000,64 3,5,777,96; do
  left=$(( T0 + ${LIMIT_S:-400} - $(date +%s) )); [ $left -lt 30 ] && { echo "no time for $p"; continue; }
  d=$OUT/v/${p//,/_}; d=${d//=/}; mkdir -p $d
  timeout $(( left < 60 ? left : 60 )) $E record --space .device/wgmma.toml --shape $p --no-timing --limit ${LIMIT:-12} --seed 21 --timeout 15 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]), [x['reason'][:120] for x in r if x['outcome']!='ok'][:2])" 2>&1 | tail -1) ($(( $(date +%s) - T0 )) s)"
done
for p in ${TUNES:-}; do
  left=$(( T0 + ${LIMIT_S:-400} - $(date +%s) )); [ $left -lt 90 ] && { echo "no time for tune $p"; continue; }
  mkdir -p $OUT/t; d=$OUT/t/${p//,/-}
  timeout $left $E --shape $p --budget ${BUDGET:-32} --set FAMILY=wgmma --seed 3 --out $d --no-db > $d.log 2>&1
  echo "tune $p rc=$? $(grep -A1 '^best' $d.log | tr -s ' ' | tr '\n' ' ' | cut -c1-330) ($(( $(date +%s) - T0 )) s)"
done
find $OUT -name "*.cubin" -delete
