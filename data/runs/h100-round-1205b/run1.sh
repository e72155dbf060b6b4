#!/bin/bash
# Written for an H200; ran on an H100 (the card the call was given), from the repository root
# with .device/ carried (the release build of 39b72d1). (1) The default tune's problem with both
# compile caches empty (evotune's and NVRTC's), steady search, twice, process wall by time -v;
# the second's best re-timed by `bench --processes 3`. The "in-tune" column of (2) is from
# another machine (that tune's log), so only the other three compare.
# (2) How NVRTC's compile time per kernel grows with compiles at once: the 16 configs a tune's
# opening asks (opening16.txt, from data/runs/h100-round-1205/run3/cold1, with the compile_ms
# that tune's in-process pool measured), each compiled by `evotune compile --config` in its own
# process: 4 alone, then 8 at once, then 16 at once, NVRTC's cache off. (3) The FP8 GEMM at
# 8192^3: baselines and a budget-128 tune in one run folder, the vendor gate at 0.9x cold and
# warm. (4) The K = 128 best of the H100 sweep benched at seed 000's K values beside cuBLASLt
# FP8. Packed into $OUT/run1.tar.gz.
mkdir -p $OUT/r && R=$OUT && OUT=$OUT/r
source data/runs/device.sh
D=data/runs/h100-round-1205b
for i in 1 2; do
  T=$OUT/cold$i
  CUDA_CACHE_PATH=$(mktemp -d) EVOTUNE_CACHE_DIR=$(mktemp -d) /usr/bin/time -v -o $T.time.txt timeout 120 $E --shape 2,8,512,64 --budget 128 --search steady --out $T --no-db > $T.log 2>&1
  echo "cold$i rc=$? $(grep -E 'Elapsed' $T.time.txt | tr -s ' ') $(el)"; grep -E '^best|^time|^confirm ' $T.log | cut -c1-300
  rm -rf $T/kernels
done
C=$(python3 -c "import json;print(json.load(open('$OUT/cold2/tune/topk.json'))['elites'][0]['label'])" 2>/dev/null)
timeout 90 $E bench --shape 2,8,512,64 --config "$C" --processes 3 --out $OUT/bench > $OUT/bench.log 2>&1
echo "bench --processes 3 of cold2's best rc=$? $(el)"; grep -E 'kernel-only|process' $OUT/bench.log | head -6 | cut -c1-250
comp() { # $1 = line number in opening16.txt, $2 = tag
  local c; c=$(sed -n "$1p" $D/opening16.txt | cut -d' ' -f2)
  CUDA_CACHE_DISABLE=1 /usr/bin/time -f "%e" -o $OUT/comp_$2_$1.t $E compile --shape 2,8,512,64 --config "$c" --cache-dir $(mktemp -d) > $OUT/comp_$2_$1.log 2>&1
}
for n in 1 2 3 4; do comp $n alone; done
for n in $(seq 1 8); do comp $n par8 & done; wait
for n in $(seq 1 16); do comp $n par16 & done; wait
python3 - $OUT $D/opening16.txt <<'PY'
import sys, re, glob, statistics as st
out, op = sys.argv[1:3]
tune = [int(l.split()[0]) for l in open(op)]
def nvrtc(tag, n):
    try: return int(re.search(r"\): (\d+) ms", open(f"{out}/comp_{tag}_{n}.log").read()).group(1))
    except Exception: return None
print("config  in-tune(16 at once, in-process)  alone  8-at-once  16-at-once   (NVRTC ms)")
for n in range(1, 17):
    print(f"{n:>6}  {tune[n-1]:>8}  {nvrtc('alone', n) or '-':>8}  {nvrtc('par8', n) or '-':>8}  {nvrtc('par16', n) or '-':>8}")
PY
echo "compile probe $(el)"
G=$OUT/t8192
timeout 60 $E baseline --gemm 8192,8192,8192 --out $G > $OUT/gemm_baseline.log 2>&1; echo "gemm baseline rc=$? $(el)"
grep -E 'kernel-only p50' $OUT/gemm_baseline.log | cut -c1-160
timeout 200 $E --gemm 8192,8192,8192 --budget 128 --out $G --no-db > $OUT/gemm_tune.log 2>&1; echo "gemm tune rc=$? $(el)"
grep -E "^(best|      |confirm|time)" $OUT/gemm_tune.log | cut -c1-250
$E gate --run $G --min-speedup 0.9; echo "gate cold rc=$?"
$E gate --run $G --vs cublaslt_fp8 --protocol warm --min-speedup 0.9; echo "gate warm rc=$?"
X="BLOCK_K=128,BLOCK_M=128,BLOCK_N=256,CLUSTER_M=1,CLUSTER_N=1,CONSUMERS=2,EPILOGUE=staged,GROUP_M=8,PERSISTENT=true,PRODUCER_REGS=24,PROMOTE=0,SPLIT_K=1,STAGES=3,WAIT=suspend"
for K in 64 80 96 107 112 128 144 160; do
  P=$OUT/k$K
  timeout 40 $E baseline --gemm 4096,4096,$K --only cublaslt_fp8 --out $P > $P.baseline.log 2>&1
  timeout 40 $E bench --gemm 4096,4096,$K --config "$X" --out $P > $P.bench.log 2>&1
  echo "K=$K $(grep -oE 'cublaslt_fp8 kernel-only p50 [0-9.]+ µs' $P.baseline.log) | x: $(grep -E 'kernel-only p50' $P.bench.log | head -1 | cut -c1-60) $(grep -E '^outcome' $P.bench.log | cut -c1-30)"
done
echo "cross benches $(el)"
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
tar czf $R/run1.tar.gz -C $OUT . && rm -rf $OUT
