#!/bin/bash
# Device run 2: validation of GRID_ORDER "lpt" (12 points sampled at each of six causal
# problems, the parameter pinned), and persistent causal grids whose longest-first groups count
# the K and V of a group of query heads once (grouped-query attention) against the committed
# grouping by query heads, at 1,32,8192,128 causal with 8 KV heads.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
E=/tmp/dev/evotune
python3 - search_spaces/sdpa_fp8.toml /tmp/pinned.toml /tmp/kvlpt.toml <<'PY'
import os, re, sys
s = open(sys.argv[1]).read().replace('"../kernel_templates/', '"' + os.getcwd() + '/kernel_templates/')
p = s
pins = {"FAMILY": '["wgmma"]', "KV_SPLITS": "[1]", "KEY_WARPGROUPS": "[1]", "PERSISTENT": "[false]",
        "GRID_ORDER": '["lpt"]'}
for name, values in pins.items():
    i = p.index(f"[params.{name}]"); j = p.index("values =", i); k = p.index("\n", j)
    p = p[:j] + "values = " + values + p[k:]
    p, n = re.subn(rf"(?m)^{name} = .*$", f"{name} = {values[1:-1]}", p)
    if n == 0:
        p = p.replace("[default]\n", f"[default]\n{name} = {values[1:-1]}\n", 1)
open(sys.argv[2], "w").write(p)
t = open("kernel_templates/sdpa_fp8_wgmma.cu.tera").read()
old = "LPT_L2_BYTES / kv_head_bytes"
assert old in t
open("/tmp/kvlpt_wgmma.cu.tera", "w").write(t.replace(old, "LPT_L2_BYTES * group / kv_head_bytes"))
open(sys.argv[3], "w").write(s.replace(os.getcwd() + "/kernel_templates/sdpa_fp8_{FAMILY}.cu.tera", "/tmp/kvlpt_{FAMILY}.cu.tera"))
PY
cp kernel_templates/sdpa_fp8_mma.cu.tera /tmp/kvlpt_mma.cu.tera; cp -r kernel_templates/partials /tmp/ 2>/dev/null
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
for p in 1,4,100,64,causal 1,8,333,128,causal,kv_heads=2,kv_len=400 1,4,63,256,causal 2,32,1531,80,causal,kv_heads=4 3,5,777,96,causal 2,4,4097,128,causal,kv_heads=1; do
  d=$OUT/v/${p//,/_}; d=${d//=/}; mkdir -p $d
  timeout 90 $E record --space /tmp/pinned.toml --shape $p --no-timing --limit 12 --seed 67 --timeout 15 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]), [x['reason'][:120] for x in r if x['outcome']!='ok'][:2])" 2>&1 | tail -1) $(el)"
done
B="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32"
O="$B,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PRODUCER_REGS=40,PINGPONG=true,TURN=exp,PERSISTENT=true"
bench() { # name space shape config
  local d=$OUT/bench/${3//[,=]/_}/$1; mkdir -p $d
  timeout 60 $E bench --space $2 --shape $3 --config "$4" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$3 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-20) $(grep -m1 -oE '(breaks constraint|error).*' $d/bench.log | cut -c1-100) $(el)"
}
S=1,32,8192,128,causal,kv_heads=8
for v in q:search_spaces/sdpa_fp8.toml kv:/tmp/kvlpt.toml; do
  bench n160_2buf_${v%%:*} ${v#*:} $S "$O,P_BUFFERS=2,ROWSUM=inline,BLOCK_N=160"
  bench n192_late_turn_${v%%:*} ${v#*:} $S "$O,P_BUFFERS=1,PACK=turn,ROWSUM=late,BLOCK_N=192"
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
