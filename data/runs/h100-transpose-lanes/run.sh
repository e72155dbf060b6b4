#!/bin/bash
# The producer's ldmatrix transpose (TRANSPOSE "ldsm") with its per-lane offsets worked out once
# (TransposeLanes) instead of each unit's swizzled address computed per unit, against the
# committed template (.device/old: its search_spaces/ and kernel_templates/). (1) Timing: the
# long problems' best kernels, old and new, interleaved, beside cuDNN FP8 (kernel-only p50, L2
# flushed). (2) Nsight Compute: warp-instructions executed per launch at 8,16,8192,128, old and
# new. (3) Validation: the GPU suite's ragged test (tests/ragged, every configuration at nine
# ragged problems) with the new template. Packed into $OUT/run.tar.gz.
mkdir -p $OUT/r && R=$OUT && OUT=$OUT/r
source data/runs/device.sh
SP_new=search_spaces/sdpa_fp8.toml; SP_old=.device/old/search_spaces/sdpa_fp8.toml
bench() { # variant name shape config [tag]
  local sp=SP_$1; local d=$OUT/bench/${3//[,=]/_}/$2/$1$5; mkdir -p $d
  [ $(( $(date +%s) - T0 )) -gt ${LIMIT:-520} ] && { echo "$3 $2 $1 skipped (time)"; return; }
  timeout 60 $E bench --space ${!sp} --shape $3 --config "$4" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$3 $2 $1$5 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-40) $(grep -oE 'max_abs +[0-9.e-]+' $d/bench.log | head -1) $(el)"
}
base() {
  local d=$OUT/base/${1//[,=]/_}; mkdir -p $d
  timeout 90 $E baseline --shape $1 --only cudnn_fp8 --out $d > $d/baseline.log 2>&1
  echo "baseline $1 rc=$? $(grep -oE 'kernel-only p50 [0-9.]+ µs' $d/baseline.log | head -1) $(el)"
}
B="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32"
O="$B,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PERSISTENT=true,Q_RELEASE=item,TAIL_KEYS=0"
C="$O,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=after,ROWSUM=inline,BLOCK_N=192"
CT="$O,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=turn,ROWSUM=late,BLOCK_N=192,PRODUCER_REGS=40"
SER64="$B,PERSISTENT=true,Q_RELEASE=item,ROWSUM=late,STAGES=3,WAIT=spin,BLOCK_M=192,OVERLAP=false,VT_STAGES=1,SWIZZLE=64,BLOCK_N=128,PRODUCER_REGS=40"
for S in 4,32,2048,128 8,16,8192,128; do
  base $S
  for r in 1 2; do for v in old new; do for pr in 40 56; do bench $v best$pr $S "$C,PRODUCER_REGS=$pr" $r; done; done; done
done
base 8,16,8192,64
for r in 1 2; do for v in old new; do bench $v serial64 8,16,8192,64 "$SER64" $r; done; done
for S in 1,32,8192,128,causal,kv_heads=8 8,16,8192,128,causal; do
  base $S
  for v in old new; do bench $v turn_late $S "$CT" 1; done
done
for v in old new; do
  sp=SP_$v
  timeout 120 ncu --clock-control none -k regex:sdpa_fp8_fwd --launch-count 1 --metrics smsp__inst_executed.sum,gpu__time_duration.sum \
    $E bench --space ${!sp} --shape 8,16,8192,128 --config "$C,PRODUCER_REGS=40" --out /tmp/n$v --reps 5 --no-flush > $OUT/ncu_$v.log 2>&1
  echo "ncu $v rc=$? $(grep -E 'inst_executed|duration' $OUT/ncu_$v.log | tr -s ' ' | tr '\n' ' ') $(el)"
done
EVOTUNE_ROOT=$PWD EVOTUNE_BIN=$E timeout 200 /tmp/dev/gputest wgmma_variants_pass_validation_at_ragged_shapes --test-threads=1 > $OUT/gputest.log 2>&1
echo "ragged validation test rc=$? $(grep -E '^test result' $OUT/gputest.log) $(el)"
grep -E 'panicked' -A3 $OUT/gputest.log | cut -c1-300 | head -8
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
tar czf $R/run.tar.gz -C $OUT . && rm -rf $OUT
