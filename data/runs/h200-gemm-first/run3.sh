#!/bin/bash
# Device run 3 of the FP8 GEMM family: larger samples of search_spaces/gemm_fp8.toml at 8192^3
# and 4096^3, and a K sweep at M = N = 4096 (K 64 .. 160 in steps of 16: TMA needs K % 16 == 0),
# `evotune record` kernel-only, L2 flushed, 20 reps, beside torch._scaled_mm (scaled_mm.py).
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
gunzip -c .device/gputest.gz > /tmp/dev/gputest && chmod +x /tmp/dev/gputest
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
rec() { # problem limit
  local d=$OUT/gemm/${1//,/_}; mkdir -p $d
  timeout 150 $E record --space search_spaces/gemm_fp8.toml --gemm $1 --limit $2 --seed 1 --kernel-only --reps 20 --out $d/land.csv > $d/record.log 2>&1
  echo "gemm record $1 rc=$? $(grep -E 'points at' $d/record.log) $(el)"
  python3 - $d/land.csv $1 <<'PY'
import csv, sys
m, n, k = (int(x) for x in sys.argv[2].split(","))
reader = csv.DictReader(open(sys.argv[1]))
cols = reader.fieldnames
params = cols[cols.index("generation") + 1:cols.index("outcome")]
rows = list(reader)
cfg = lambda r: ",".join(f"{p}={r[p]}" for p in params)
ok = sorted((float(r["p50_us"]), cfg(r)) for r in rows if r["outcome"] == "ok" and r.get("p50_us"))
bad = [(r["outcome"], cfg(r), r.get("reason", "")[:100]) for r in rows if r["outcome"] != "ok"]
for us, c in ok[:3]:
    print(f"  {us:9.2f} us {2*m*n*k/us/1e6:7.1f} TFLOP/s  {c}")
print(f"  {len(ok)} ok of {len(rows)}; not ok: {bad[:3]}")
PY
}
rec 8192,8192,8192 300
rec 4096,4096,4096 200
for K in 64 80 96 112 128 144 160; do rec 4096,4096,$K 40; done
python3 data/runs/h200-gemm-first/scaled_mm.py 8192,8192,8192 4096,4096,4096 4096,4096,64 4096,4096,80 4096,4096,96 4096,4096,112 4096,4096,128 4096,4096,144 4096,4096,160 2>&1 | tee $OUT/scaled_mm.txt
echo "$(el)"
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
