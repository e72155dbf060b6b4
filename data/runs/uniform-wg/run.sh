#!/bin/bash
# The warpgroup index made warp-uniform to ptxas (`__shfl_sync(~0, tid >> 7, 0)`, uniform_wg.patch
# and uniform_wg_gemm.patch) against the committed templates. Before the call, on the CPU side:
#   mkdir -p .device/exp && git archive HEAD search_spaces kernel_templates | tar x -C .device/exp
#   (cd .device/exp && patch -p1 < ../../data/runs/uniform-wg/uniform_wg.patch \
#                   && patch -p1 < ../../data/runs/uniform-wg/uniform_wg_gemm.patch)
#   mkdir -p .device/held && git archive HEAD search_spaces kernel_templates | tar x -C .device/held
#   (cd .device/held && patch -p1 < ../../data/runs/uniform-wg/uniform_wg_held_turn.patch)
# and carry .device. "held" is "new" with the exponential turn's hand-over tied to the row sums
# (ROWSUM inline) or the last p (late), so ptxas keeps the exponentials inside the turn. (1) Timing, old and new interleaved, twice: the long problems' bests beside
# cuDNN FP8, the FP8 GEMM's 8192^3 best beside cuBLASLt FP8 (kernel-only p50, L2 flushed).
# (2) Nsight Compute: warp-instructions per launch at 8,16,8192,128, old and new. (3) Validation
# of the patched templates ("held" for SDPA, "new" for the GEMM): 20 and 30 random points at
# five and two ragged problems. Packed into
# $OUT/run.tar.gz.
mkdir -p $OUT/r && R=$OUT && OUT=$OUT/r
source data/runs/device.sh
SP_old=search_spaces/sdpa_fp8.toml; SP_new=.device/exp/search_spaces/sdpa_fp8.toml; SP_held=.device/held/search_spaces/sdpa_fp8.toml
GS_old=search_spaces/gemm_fp8.toml; GS_new=.device/exp/search_spaces/gemm_fp8.toml
B="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32"
O="$B,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PERSISTENT=true,Q_RELEASE=item,TAIL_KEYS=0"
C="$O,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=after,ROWSUM=inline,BLOCK_N=192,PRODUCER_REGS=40"
CT="$O,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=turn,ROWSUM=late,BLOCK_N=192,PRODUCER_REGS=40"
SER64="$B,PERSISTENT=true,Q_RELEASE=item,ROWSUM=late,STAGES=3,WAIT=spin,BLOCK_M=192,OVERLAP=false,VT_STAGES=1,SWIZZLE=64,BLOCK_N=128,PRODUCER_REGS=40"
bench() { # variant name shape config [tag]
  local sp=SP_$1; local d=$OUT/bench/${3//[,=]/_}/$2/$1$5; mkdir -p $d
  [ $(( $(date +%s) - T0 )) -gt ${LIMIT:-420} ] && { echo "$3 $2 $1 skipped (time)"; return; }
  timeout 60 $E bench --space ${!sp} --shape $3 --config "$4" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$3 $2 $1$5 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-40) $(el)"
}
base() {
  local d=$OUT/base/${1//[,=]/_}; mkdir -p $d
  timeout 90 $E baseline --shape $1 --only cudnn_fp8 --out $d > $d/baseline.log 2>&1
  echo "baseline $1 rc=$? $(grep -oE 'kernel-only p50 [0-9.]+ µs' $d/baseline.log | head -1) $(el)"
}
for S in 8,16,8192,128 4,32,2048,128; do base $S; for r in 1 2; do for v in old new held; do bench $v best $S "$C" $r; done; done; done
base 8,16,8192,64; for r in 1 2; do for v in old new; do bench $v serial64 8,16,8192,64 "$SER64" $r; done; done
for S in 8,16,8192,128,causal 1,32,8192,128,causal,kv_heads=8; do
  base $S; for r in 1 2; do for v in old new held; do bench $v turn_late $S "$CT" $r; done; done
done
timeout 60 $E baseline --gemm 8192,8192,8192 --only cublaslt_fp8 --out $OUT/gemm_base > $OUT/gemm_base.log 2>&1
echo "gemm baseline rc=$? $(grep -oE 'cublaslt_fp8 kernel-only p50 [0-9.]+ µs' $OUT/gemm_base.log) $(el)"
for r in 1 2; do for v in old new; do
  sp=GS_$v; d=$OUT/gemm/$v$r; mkdir -p $d
  timeout 60 $E bench --space ${!sp} --gemm 8192,8192,8192 --config "default,BLOCK_N=160" --out $d > $d/bench.log 2>&1
  echo "gemm 8192^3 $v$r rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) $(el)"
done; done
for v in old new held; do
  sp=SP_$v
  timeout 120 ncu --clock-control none -k regex:sdpa_fp8_fwd --launch-count 1 --metrics smsp__inst_executed.sum,gpu__time_duration.sum \
    $E bench --space ${!sp} --shape 8,16,8192,128 --config "$C" --reps 100 --no-flush --out /tmp/n$v > $OUT/ncu_$v.log 2>&1
  echo "ncu $v rc=$? $(grep -E 'inst_executed|duration' $OUT/ncu_$v.log | tr -s ' ' | tr '\n' ' ') $(el)"
done
seed=200
for p in 2,8,512,64 1,8,333,128,causal,kv_heads=2,kv_len=400 3,5,777,96 1,16,2048,256 2,16,1531,80,causal,kv_heads=4; do
  seed=$((seed + 1)); d=$OUT/v/${p//,/_}; d=${d//=/}; mkdir -p $d
  timeout 90 $E record --space $SP_held --shape $p --no-timing --limit 20 --seed $seed --timeout 20 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
print(dict(collections.Counter(x['outcome'] for x in r)), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]))" 2>&1 | tail -1) $(el)"
done
for p in 1,64,16 129,257,333; do
  d=$OUT/vg/${p//,/_}; mkdir -p $d
  timeout 90 $E record --space $GS_new --gemm $p --no-timing --limit 30 --seed 7 --timeout 20 --out $d/tune_log.csv > $d.log 2>&1
  echo "gemm $p rc=$? $(tail -1 $d.log | cut -c1-150) $(el)"
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
tar czf $R/run.tar.gz -C $OUT . && rm -rf $OUT
