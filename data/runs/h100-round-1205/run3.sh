#!/bin/bash
# (1) The default tune (steady) twice with both compile caches empty: evotune's (EVOTUNE_CACHE_DIR)
# and NVRTC's own, which CUDA 12.9+ keeps in the driver's compute cache (CUDA_CACHE_PATH) and
# which earlier "empty cache" tunes on one machine partly hit. (2) Seed 000's K sweep at
# M = N = 4096 again, with --warm-start from a fresh database (each K opens with the best of the
# K values tuned before it), cuBLASLt FP8 and the floor per K, then the best config at K = 128
# benched at every other K. (3) On an H200 only: the GEMM 8192^3 tune and the vendor gates.
# Packed into $OUT/run3.tar.gz.
mkdir -p $OUT/r && R=$OUT && OUT=$OUT/r
source data/runs/device.sh
for i in 1 2; do
  T=$OUT/cold$i
  CUDA_CACHE_PATH=$(mktemp -d) EVOTUNE_CACHE_DIR=$(mktemp -d) /usr/bin/time -v -o $T.time.txt timeout 120 $E --shape 2,8,512,64 --budget 128 --search steady --out $T --no-db > $T.log 2>&1
  echo "cold$i rc=$? $(grep -E 'Elapsed' $T.time.txt | tr -s ' ') $(el)"; grep -E '^best|^time|^confirm |^race' $T.log | cut -c1-300
  rm -rf $T/kernels
done
S=$OUT/ksweep
timeout 300 $E sweep --m 4096 --n 4096 --k 64,80,96,107,112,128,144,160 --budget 32 --confirm-top 0 --warm-start --db $OUT/k.db --out $S > $OUT/sweep.log 2>&1
echo "sweep rc=$? $(el)"; grep -E 'done:|failed' $OUT/sweep.log | head -9 | cut -c1-110
C128=$(python3 -c "
import json; s=json.load(open('$S/sweep.json'))
print([p for p in s['problems'] if p['shape'] == '4096,4096,128'][0]['best_config'])" 2>/dev/null)
echo "K=128 best: $C128"
for K in 64 80 96 107 112 128 144 160; do
  P=$S/4096-4096-$K
  timeout 40 $E baseline --gemm 4096,4096,$K --only cublaslt_fp8,floor --out $P > $P.baseline.log 2>&1
  [ -n "$C128" ] && timeout 40 $E bench --gemm 4096,4096,$K --config "$C128" --out $OUT/x$K > $OUT/x$K.log 2>&1
  python3 - $P $K $OUT/x$K <<'PY'
import json, sys, glob
run, k, x = sys.argv[1:4]
def get(path, key):
    try: return key(json.load(open(path)))
    except Exception: return None
best = get(f"{run}/tune/topk.json", lambda t: t["elites"][0]["record"]["p50_us"])
lt = get(f"{run}/bench/baseline_cublaslt_fp8.json", lambda b: b["kernel_time"]["p50_us"])
xs = glob.glob(f"{x}/bench/candidate_*.json")
xb = get(xs[0], lambda c: c["kernel_time"]["p50_us"]) if xs else None
r = lambda a: f"{lt / a:.3f}x" if a and lt else "-"
print(f"K={k:>4}  tuned {best} ({r(best)})  K128-best {xb} ({r(xb)})  cublaslt_fp8 {lt}")
PY
done
echo "baselines and cross benches $(el)"
$E report --sweep $S --out $OUT/ksweep_report.md > /dev/null 2>&1; echo "report --sweep rc=$?"
if nvidia-smi --query-gpu=name --format=csv,noheader | grep -q H200; then
  G=$OUT/t8192
  timeout 60 $E baseline --gemm 8192,8192,8192 --out $G > $OUT/gemm_baseline.log 2>&1; echo "gemm baseline rc=$? $(el)"
  timeout 200 $E --gemm 8192,8192,8192 --budget 128 --out $G --no-db > $OUT/gemm_tune.log 2>&1; echo "gemm tune rc=$? $(el)"
  grep -E "^(best|confirm|time)" $OUT/gemm_tune.log | cut -c1-250
  $E gate --run $G --min-speedup 0.9; echo "gate cold rc=$?"
  $E gate --run $G --vs cublaslt_fp8 --protocol warm --min-speedup 0.9; echo "gate warm rc=$?"
fi
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
tar czf $R/run3.tar.gz -C $OUT . && rm -rf $OUT
