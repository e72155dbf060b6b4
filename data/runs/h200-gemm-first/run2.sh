#!/bin/bash
# Device run 2 of the FP8 GEMM family: the GPU tests that run1 failed or that involve GEMM
# (tests/gpu.rs filtered to "gemm"), an SDPA record through the now generic record path, then
# `evotune record` of sampled points of search_spaces/gemm_fp8.toml at the seed's problems
# (kernel-only, L2 flushed, 20 reps), beside torch._scaled_mm (cuBLASLt, scaled_mm.py).
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
gunzip -c .device/gputest.gz > /tmp/dev/gputest && chmod +x /tmp/dev/gputest
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
EVOTUNE_ROOT=$PWD EVOTUNE_BIN=$E timeout 200 /tmp/dev/gputest --test-threads=1 gemm > $OUT/gputest.log 2>&1
echo "gpu tests (gemm) rc=$? $(grep -E '^test result' $OUT/gputest.log) $(el)"
grep -E '^test .* (ok|FAILED)$' $OUT/gputest.log
timeout 60 $E record --shape 2,8,512,64 --limit 4 --kernel-only --reps 20 --out $OUT/sdpa/land.csv > $OUT/sdpa.log 2>&1
echo "sdpa record rc=$? $(grep -E 'points at' $OUT/sdpa.log) $(el)"
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
rec 8192,8192,8192 40
rec 4096,4096,4096 40
rec 1024,4096,128 24
rec 16384,4096,128 24
python3 data/runs/h200-gemm-first/scaled_mm.py 8192,8192,8192 4096,4096,4096 1024,4096,128 16384,4096,128 2>&1 | tee $OUT/scaled_mm.txt
echo "$(el)"
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
