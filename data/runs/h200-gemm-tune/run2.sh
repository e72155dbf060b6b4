#!/bin/bash
# Device run 2 of the GEMM tune: seed 000's K sweep at M = N = 4096 (K = 64 .. 160, the odd
# K = 107 beside its paddings 112 and 128) as one `evotune sweep` (budget 32 per problem, no
# confirmation), each problem's cuBLASLt FP8 baseline and floor timed into its run folder, then
# the multi-problem report (evotune's best against cuBLASLt FP8 per K, cliffs marked) and one line
# per K (kernel-only p50, L2 flushed).
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
S=$OUT/ksweep
timeout 330 $E sweep --m 4096 --n 4096 --k 64,80,96,107,112,128,144,160 --budget 32 --confirm-top 0 --no-db --out $S > $OUT/sweep.log 2>&1
echo "sweep rc=$? $(el)"; tail -12 $OUT/sweep.log | cut -c1-200
for K in 64 80 96 107 112 128 144 160; do
  R=$S/4096-4096-$K
  timeout 40 $E baseline --gemm 4096,4096,$K --only cublaslt_fp8,floor --out $R > $R.baseline.log 2>&1
  python3 - $R $K <<'PY'
import json, sys
run, k = sys.argv[1], sys.argv[2]
def get(path, key):
    try:
        return key(json.load(open(path)))
    except (OSError, KeyError, IndexError, TypeError):
        return None
best = get(f"{run}/tune/topk.json", lambda t: t["elites"][0]["record"]["p50_us"])
lt = get(f"{run}/bench/baseline_cublaslt_fp8.json", lambda b: b["kernel_time"]["p50_us"])
ratio = f"{lt / best:.3f}x" if best and lt else "-"
print(f"K={k:>4}  evotune {best}  cublaslt_fp8 {lt}  speedup {ratio}")
PY
done
echo "baselines $(el)"
$E report --sweep $S --out $OUT/ksweep_report.md > /dev/null 2>&1; echo "report --sweep rc=$?"
grep -i -A6 'cliff' $OUT/ksweep_report.md | head -20
find $OUT -name "*.cubin" -delete
