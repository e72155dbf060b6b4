#!/bin/bash
# Device run 27: EXP2_FMA (a share of the softmax's exponentials on the FMA pipe) at the three
# long shapes beside cuDNN FP8 in the same run; a validation sample of EXP2_FMA points.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
W="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,PERSISTENT=true,STAGES=2,SWIZZLE=128,WAIT=suspend,BLOCK_M=128"
SER="$W,ARRIVE=warp,BLOCK_N=160,OVERLAP=false,PINGPONG=false,PRODUCER_REGS=56,VT_STAGES=1,VT_SWIZZLE=32"
OB="$W,ARRIVE=thread,BLOCK_N=192,OVERLAP=true,PINGPONG=true,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=40"
S64="ARRIVE=thread,FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,PERSISTENT=true,PINGPONG=false,SWIZZLE=64,VT_STAGES=1,VT_SWIZZLE=128,BLOCK_M=192,BLOCK_N=128,OVERLAP=false,PRODUCER_REGS=40,STAGES=3,WAIT=spin"
bench() { # name shape config
  local d=$OUT/bench/$2/$1; mkdir -p $d
  timeout 40 $E bench --space .device/exp2.toml --shape $2 --config "$3" --timeout 20 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c1-100) | $(grep -E '^outcome' $d/bench.log) $(grep -oE 'max_abs [0-9.e-]+' $d/bench.log | head -1) $(grep -oE '[0-9]+ registers, [0-9]+ B spilled' $d/bench.log) $(grep -m1 -oE 'breaks constraint.*' $d/bench.log | cut -c1-100) $(el)"
}
for e in 0 25 50; do bench ob_e$e 8,16,8192,128 "$OB,EXP2_FMA=$e"; done
bench ser_e0 8,16,8192,128 "$SER,EXP2_FMA=0"; bench ser_e25 8,16,8192,128 "$SER,EXP2_FMA=25"
for e in 0 25 50; do bench ser64_e$e 8,16,8192,64 "$S64,EXP2_FMA=$e"; done
# (4,32,2048,128 left out: device time)
for p in 2,8,512,64 1,8,333,128,causal,kv_heads=2,kv_len=400; do
  d=$OUT/v/${p//,/_}; d=${d//=/}; mkdir -p $d
  timeout 45 $E record --space .device/exp2v.toml --shape $p --no-timing --limit 8 --seed 17 --timeout 15 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]), [x['reason'][:120] for x in r if x['outcome']!='ok'][:2])" 2>&1 | tail -1) $(el)"
done
for s in 8,16,8192,128; do
  d=$OUT/base/$s; mkdir -p $d
  timeout 60 $E baseline --shape $s --only cudnn_fp8,floor --out $d > $d/baseline.log 2>&1; echo "baseline $s rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-160) $(el)"
done
find $OUT -name "*.cubin" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
