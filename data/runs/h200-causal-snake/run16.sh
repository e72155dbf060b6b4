#!/bin/bash
# Device run 16: causal timing with the snake order of persistent items (the tuned causal
# configs, RESCALE lazy), then the validation sample at the causal and plain problems left.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
nvidia-smi --query-gpu=name,clocks.sm --format=csv,noheader
W="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,OVERLAP=false,PRODUCER_REGS=56,SWIZZLE=64,VT_SWIZZLE=32,WAIT=suspend,VT_STAGES=1"
b() { # shape label config
  local out=$OUT/b/$2; mkdir -p $out
  timeout 60 $E bench --space .device/wgmma.toml --shape $1 --config "$W,$3" --timeout 30 --out $out > $out.log 2>&1
  echo "$1 $2 rc=$? $(grep -E 'kernel-only' $out.log | head -1 | cut -c1-100) | $(grep -E 'max_abs' $out.log | head -1 | cut -c1-90) ($(( $(date +%s) - T0 )) s)"
}
for r in always lazy; do
b 8,16,8192,128,causal c8_$r "ARRIVE=warp,BLOCK_M=128,BLOCK_N=160,STAGES=2,PERSISTENT=true,PINGPONG=false,RESCALE=$r"
done
b 1,32,8192,128,causal,kv_heads=8 g_pp "ARRIVE=warp,BLOCK_M=128,BLOCK_N=192,STAGES=3,PERSISTENT=false,PINGPONG=true,RESCALE=lazy"
b 1,32,8192,128,causal,kv_heads=8 g_pers "ARRIVE=warp,BLOCK_M=128,BLOCK_N=160,STAGES=2,PERSISTENT=true,PINGPONG=false,RESCALE=lazy"
b 1,32,8192,128,causal,kv_heads=8 g_pers192 "ARRIVE=warp,BLOCK_M=128,BLOCK_N=192,STAGES=3,PERSISTENT=true,PINGPONG=false,RESCALE=lazy"
echo "== validation ($(( $(date +%s) - T0 )) s)"
for p in 1,8,100,128,causal,kv_heads=1 2,4,1531,64,causal,kv_heads=1 1,4,4097,128,causal,kv_heads=2 1,1,1000,64 3,5,777,96 2,8,512,64; do
  left=$(( T0 + ${LIMIT_S:-330} - $(date +%s) )); [ $left -lt 25 ] && { echo "no time for $p"; continue; }
  d=$OUT/v/${p//,/_}; d=${d//=/}; mkdir -p $d
  /usr/bin/time -f "%e s wall" timeout $(( left < 70 ? left : 70 )) $E record --space .device/wgmma.toml --shape $p --no-timing --limit ${LIMIT:-10} --seed 21 --timeout 15 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(tail -1 $d.log) $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]), [x['reason'][:120] for x in r if x['outcome']!='ok'][:2])" 2>&1 | tail -1) ($(( $(date +%s) - T0 )) s)"
done
find $OUT -name "*.cubin" -delete; find $OUT -name kernels -type d -exec rm -rf {} + 2>/dev/null
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
