#!/bin/bash
# Device run 12: RESCALE (O rescaled on every tile, on a grown max only, or lazily): a validation
# sample of on_change/lazy points at ragged shapes (dense, causal, GQA), then kernel-only timings
# (L2 flushed) of the best configs with each RESCALE.
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
for p in 2,8,512,64 1,1,1000,64 3,5,777,96 2,4,4097,128 1,16,2048,256 1,8,333,128,causal,kv_heads=2,kv_len=400 1,4,1531,64,causal 1,32,777,128,causal,kv_heads=8,kv_len=1000; do
  d=$OUT/v/${p//,/_}; d=${d//=/}; mkdir -p $d
  timeout 60 $E record --space .device/rescale.toml --shape $p --no-timing --limit ${LIMIT:-30} --seed 13 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), [x['reason'][:140] for x in r if x['outcome']!='ok'][:2])" 2>&1)"
done
C="ARRIVE=thread,FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm"
b() { # shape label config
  local out=$OUT/b/$2; mkdir -p $out
  timeout 60 $E bench --shape $1 --config "${4:-$C},$3" --out $out > $out.log 2>&1
  echo "$1 $2 rc=$? $(grep -E 'kernel-only' $out.log | head -1 | cut -c1-110) $(grep -E 'max_abs|max abs' $out.log | head -1 | cut -c1-80)"
}
for r in always on_change lazy; do
b 8,16,8192,128 d128_$r "BLOCK_M=192,BLOCK_N=96,OVERLAP=false,PERSISTENT=false,PINGPONG=false,PRODUCER_REGS=24,STAGES=3,SWIZZLE=32,VT_STAGES=1,VT_SWIZZLE=32,WAIT=spin,RESCALE=$r"
b 8,16,8192,64 d64_$r "BLOCK_M=192,BLOCK_N=128,OVERLAP=false,PERSISTENT=true,PINGPONG=false,PRODUCER_REGS=56,STAGES=3,SWIZZLE=64,VT_STAGES=2,VT_SWIZZLE=128,WAIT=suspend,RESCALE=$r"
b 4,32,2048,128 m_$r "BLOCK_M=128,BLOCK_N=128,OVERLAP=false,PERSISTENT=true,PINGPONG=false,PRODUCER_REGS=56,STAGES=4,SWIZZLE=64,VT_STAGES=2,VT_SWIZZLE=32,WAIT=spin,RESCALE=$r"
b 8,16,8192,128,causal c_$r "BLOCK_M=128,BLOCK_N=160,OVERLAP=false,PERSISTENT=true,PINGPONG=false,PRODUCER_REGS=56,STAGES=2,SWIZZLE=64,VT_STAGES=1,VT_SWIZZLE=32,WAIT=suspend,RESCALE=$r" "${C/ARRIVE=thread/ARRIVE=warp}"
done
BEST_SMALL="ARRIVE=thread,BLOCK_M=64,BLOCK_N=128,FAMILY=wgmma,KEY_WARPGROUPS=2,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,OVERLAP=false,PINGPONG=false,PRODUCER_REGS=40,Q_IN_REGS=true,STAGES=4,SWIZZLE=64,VT_STAGES=2,VT_SWIZZLE=128,TRANSPOSE=ldsm,WAIT=spin,PERSISTENT=false,RESCALE=always"
for m in memset read write-read none; do
  timeout 60 $E baseline --shape 2,8,512,64 --flush $m --python /bin/false --out $OUT/f/$m > $OUT/f_$m.log 2>&1; echo "flush $m baseline rc=$?"
  timeout 60 $E bench --shape 2,8,512,64 --config "$BEST_SMALL" --flush $m --out $OUT/f/$m > $OUT/fb_$m.log 2>&1; echo "flush $m best rc=$? $(grep -E 'kernel-only' $OUT/fb_$m.log | head -1 | cut -c1-100)"
done
python3 - "$OUT/f" <<'PY'
import json, glob, sys, os
for m in ["memset", "read", "write-read", "none"]:
    d = os.path.join(sys.argv[1], m, "bench")
    for f in sorted(glob.glob(d + "/*.json")):
        j = json.load(open(f)); name = os.path.basename(f)
        def med(x):
            if isinstance(x, dict):
                for k in ("p50_us", "median_us", "p50"):
                    if k in x: return x[k]
            return None
        kt = j.get("kernel_time") or j.get("kernel") or {}
        wk = j.get("warm_kernel_time") or {}
        print(m, name, "cold/flush p50", med(kt), "warm p50", med(wk))
PY
find $OUT -name "*.cubin" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
