#!/bin/bash
# Device run 2 of the GEMM tune (prepared; needs an H200): seed 000's K sweep at M = N = 4096
# (K = 64 .. 160, the odd K = 107 beside its paddings 112 and 128), each problem's cuBLASLt FP8
# baseline and floor, then a budget-48 tune into the same run folder, and one line per K:
# evotune's best, cuBLASLt FP8, their ratio (kernel-only p50, L2 flushed).
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
for K in 64 80 96 107 112 128 144 160; do
  R=$OUT/k$K
  timeout 60 $E baseline --gemm 4096,4096,$K --only cublaslt_fp8,floor --out $R > $R.baseline.log 2>&1
  timeout 120 $E --gemm 4096,4096,$K --budget 48 --confirm-top 0 --out $R --no-db > $R.tune.log 2>&1
  python3 - $R $K <<'PY'
import json, sys
run, k = sys.argv[1], sys.argv[2]
def p50(path, key):
    try:
        d = json.load(open(path))
    except OSError:
        return None
    return key(d)
best = p50(f"{run}/tune/topk.json", lambda t: t["elites"][0]["record"]["p50_us"] if t["elites"] else None)
lt = p50(f"{run}/bench/baseline_cublaslt_fp8.json", lambda b: (b.get("kernel_time") or {}).get("p50_us"))
ratio = f"{lt / best:.3f}x" if best and lt else "-"
print(f"K={k:>4}  evotune {best}  cublaslt_fp8 {lt}  speedup {ratio}")
PY
  echo "  $(el)"
done
find $OUT -name "*.cubin" -delete
