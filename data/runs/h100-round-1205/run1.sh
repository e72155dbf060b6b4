#!/bin/bash
# One call on the card found: (1) the worker-pool GPU test with the two-launch drift fixture and
# its one-launch variant; (2) the default tune, steady GA, empty compile cache, twice (process
# wall by time -v, the tune's own summary), the second's best re-timed by `bench --processes 3`;
# (3) the GEMM baselines and a budget-128 tune at 8192^3 in one run folder, then the vendor gate
# at 0.9x cold and warm. Between (2) and (3): how long one nvidia-smi clock query takes (the
# tune reads the SM clock once per timed candidate and waits for the reading), and a third
# steady tune with nvidia-smi shadowed by a stand-in that answers nothing at once, to see what
# the readings cost the search. Everything is packed into $OUT/run1.tar.gz.
mkdir -p $OUT/r && R=$OUT && OUT=$OUT/r
source data/runs/device.sh
EVOTUNE_ROOT=$PWD EVOTUNE_BIN=$E timeout 120 /tmp/dev/gputest the_worker_pool --test-threads=1 > $OUT/gputest.log 2>&1
echo "worker-pool test rc=$? $(grep -E '^test result' $OUT/gputest.log) $(el)"
grep -E 'panicked' -A3 $OUT/gputest.log | cut -c1-300 | head -8
for i in 1 2; do
  T=$OUT/steady$i
  EVOTUNE_CACHE_DIR=$(mktemp -d) /usr/bin/time -v -o $T.time.txt timeout 120 $E --shape 2,8,512,64 --budget 128 --search steady --out $T --no-db > $T.log 2>&1
  echo "steady$i rc=$? $(grep -E 'Elapsed' $T.time.txt | tr -s ' ') $(el)"; grep -E '^best|^time|^confirm |^race' $T.log | cut -c1-300
  rm -rf $T/kernels
done
BUS=$(nvidia-smi --query-gpu=pci.bus_id --format=csv,noheader | head -1)
for i in 1 2 3 4 5; do /usr/bin/time -f "nvidia-smi clock query %e s" nvidia-smi --query-gpu=clocks.sm,clocks_throttle_reasons.active --format=csv,noheader,nounits -i $BUS 2>&1 | tr '\n' ' '; echo; done
mkdir -p /tmp/nosmi && printf '#!/bin/sh\nexit 1\n' > /tmp/nosmi/nvidia-smi && chmod +x /tmp/nosmi/nvidia-smi
T=$OUT/steady3_noclock
PATH=/tmp/nosmi:$PATH EVOTUNE_CACHE_DIR=$(mktemp -d) /usr/bin/time -v -o $T.time.txt timeout 120 $E --shape 2,8,512,64 --budget 128 --search steady --out $T --no-db > $T.log 2>&1
echo "steady3 without clock readings rc=$? $(grep -E 'Elapsed' $T.time.txt | tr -s ' ') $(el)"; grep -E '^best|^time|^confirm |^race' $T.log | cut -c1-300
rm -rf $T/kernels
C=$(python3 -c "import json;print(json.load(open('$OUT/steady2/tune/topk.json'))['elites'][0]['label'])" 2>/dev/null)
timeout 90 $E bench --shape 2,8,512,64 --config "$C" --processes 3 --out $OUT/bench > $OUT/bench.log 2>&1
echo "bench --processes 3 of steady2's best rc=$? $(el)"; grep -E 'kernel-only|process' $OUT/bench.log | head -6 | cut -c1-250
G=$OUT/t8192
timeout 60 $E baseline --gemm 8192,8192,8192 --out $G > $OUT/gemm_baseline.log 2>&1; echo "gemm baseline rc=$? $(el)"
timeout 230 $E --gemm 8192,8192,8192 --budget 128 --out $G --no-db > $OUT/gemm_tune.log 2>&1; echo "gemm tune rc=$? $(el)"
grep -E "^(tuned|best|      |confirm|time)" $OUT/gemm_tune.log | cut -c1-250
$E gate --run $G --min-speedup 0.9; echo "gate cold rc=$?"
$E gate --run $G --vs cublaslt_fp8 --protocol warm --min-speedup 0.9; echo "gate warm rc=$?"
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
tar czf $R/run1.tar.gz -C $OUT . && rm -rf $OUT
