#!/bin/bash
# Device run 2: validation of PACK = "turn": 12 points sampled at each of ten problems from the
# space with FAMILY wgmma, BLOCK_M 128, OVERLAP, ping-pong with exponential turns, one P buffer
# and PACK "turn" pinned (the other parameters free).
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
E=/tmp/dev/evotune
SP=/tmp/pinned.toml
python3 - search_spaces/sdpa_fp8.toml $SP <<'PY'
import os, re, sys
s = open(sys.argv[1]).read()
pins = {"FAMILY": '["wgmma"]', "BLOCK_M": "[128]", "OVERLAP": "[true]", "P_BUFFERS": "[1]",
        "PINGPONG": "[true]", "TURN": '["exp"]', "PACK": '["turn"]'}
for name, values in pins.items():
    i = s.index(f"[params.{name}]"); j = s.index("values =", i); k = s.index("\n", j)
    s = s[:j] + "values = " + values + s[k:]
    s, n = re.subn(rf"(?m)^{name} = .*$", f"{name} = {values[1:-1]}", s)
    if n == 0:
        s = s.replace("[default]\n", f"[default]\n{name} = {values[1:-1]}\n", 1)
s = s.replace('"../kernel_templates/', '"' + os.getcwd() + '/kernel_templates/')
open(sys.argv[2], "w").write(s)
PY
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
for p in 2,8,512,64 1,1,1000,64 3,5,777,96 2,4,4097,128 1,16,2048,256 1,4,100,64,causal \
         1,8,333,128,causal,kv_heads=2,kv_len=400 1,8,1,128,kv_len=777 1,4,63,256,causal 2,32,1531,80,causal,kv_heads=4; do
  d=$OUT/v/${p//,/_}; d=${d//=/}; mkdir -p $d
  timeout 90 $E record --space $SP --shape $p --no-timing --limit 12 --seed 61 --timeout 15 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]), [x['reason'][:120] for x in r if x['outcome']!='ok'][:2])" 2>&1 | tail -1) $(el)"
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
