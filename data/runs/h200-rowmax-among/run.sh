#!/bin/bash
# Device run 1: ROWMAX "among" (the tile's row max taken among its exponentials, under the running
# max) against "first" on the best kernels of each long problem, beside cuDNN FP8 in one run; the
# GPU test binary (tests/gpu.rs: the ragged-shape validation with the among kernels, and the
# forced rare paths); validation of 12 points sampled at each of six problems from the space with
# FAMILY wgmma, RESCALE lazy and ROWMAX among pinned.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
gunzip -c .device/gputest.gz > /tmp/dev/gputest && chmod +x /tmp/dev/gputest
tar xJf .device/cudnn_site.tar.xz -C /tmp
export PYTHONPATH=/tmp/site
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
bench() { # name shape config
  local d=$OUT/bench/${2//[,=]/_}/$1; mkdir -p $d
  timeout 60 $E bench --shape $2 --config "$3" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-20) $(grep -oE 'max_abs +[0-9.e-]+' $d/bench.log | head -1) $(el)"
}
base() {
  local d=$OUT/base/${1//[,=]/_}; mkdir -p $d
  timeout 90 $E baseline --shape $1 --only cudnn_fp8 --out $d > $d/baseline.log 2>&1; echo "baseline $1 rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-110) $(el)"
}
source data/runs/h200-rowmax-among/configs.sh
last=
for cse in "${CASES[@]}"; do
  read n s c <<< "$cse"
  [ "$s" != "$last" ] && base $s && last=$s
  for rm in first among; do bench ${n}_$rm $s "$c,ROWMAX=$rm"; done
done
EVOTUNE_ROOT=$PWD EVOTUNE_BIN=$E timeout 300 /tmp/dev/gputest --test-threads=1 > $OUT/gputest.log 2>&1
echo "gpu tests rc=$? $(grep -E '^test result' $OUT/gputest.log) $(el)"
grep -E '^test .* (ok|FAILED)$' $OUT/gputest.log
SP=/tmp/pinned.toml
python3 - search_spaces/sdpa_fp8.toml $SP <<'PY'
import os, re, sys
s = open(sys.argv[1]).read()
pins = {"FAMILY": '["wgmma"]', "RESCALE": '["lazy"]', "ROWMAX": '["among"]'}
for name, values in pins.items():
    i = s.index(f"[params.{name}]"); j = s.index("values =", i); k = s.index("\n", j)
    s = s[:j] + "values = " + values + s[k:]
    s, n = re.subn(rf"(?m)^{name} = .*$", f"{name} = {values[1:-1]}", s)
    if n == 0:
        s = s.replace("[default]\n", f"[default]\n{name} = {values[1:-1]}\n", 1)
s = s.replace('"../kernel_templates/', '"' + os.getcwd() + '/kernel_templates/')
open(sys.argv[2], "w").write(s)
PY
cp $SP $OUT/space_rowmax_among.toml
for p in 2,8,512,64 3,5,777,96 2,4,4097,128 1,4,100,64,causal 1,8,333,128,causal,kv_heads=2,kv_len=400 1,8,1,128,kv_len=777; do
  d=$OUT/v/${p//,/_}; d=${d//=/}; mkdir -p $d
  timeout 100 $E record --space $SP --shape $p --no-timing --limit 12 --seed 71 --timeout 15 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]), [x['reason'][:120] for x in r if x['outcome']!='ok'][:2])" 2>&1 | tail -1) $(el)"
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
