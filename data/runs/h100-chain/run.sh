#!/bin/bash
# CHAIN: a persistent consumer's items back to back (an item's last P V issued with the next
# item's first Q K^T, the next first softmax under it, O stored once it lands; Q double-buffered).
# Ran on the tree with chain.patch applied (template, space, tests), .device/ carrying that
# tree's evotune and GPU test binary (tests/gpu.rs with chain.patch's tests/ragged).
# (1) Timing: the long problems' best kernels with CHAIN false and true, interleaved, beside
# cuDNN FP8 (kernel-only p50, L2 flushed). (2) Validation: the GPU suite's ragged test
# (tests/ragged: every configuration, three of them CHAIN, at nine ragged problems); five CHAIN
# configurations (exp turns with PACK after, and PACK turn with ROWSUM late; wgmma turns; one
# consumer with VT_STAGES 1; three consumers) benched at ragged problems with many items per CTA
# (causal, grouped-query, kv_len > S, S = 1), outcome and max_abs from bench's check against the
# reference (rc=2: the configuration is not a valid point there). Packed into $OUT/run2.tar.gz,
# unpacked here as run/; what it printed is run/summary.txt.
mkdir -p $OUT/r && R=$OUT && OUT=$OUT/r
source data/runs/device.sh
bench() { # name shape config [tag]
  local d=$OUT/bench/${2//[,=]/_}/$1$4; mkdir -p $d
  [ $(( $(date +%s) - T0 )) -gt ${LIMIT:-540} ] && { echo "$2 $1 skipped (time)"; return; }
  timeout 60 $E bench --shape $2 --config "$3" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$2 $1$4 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-60) $(grep -oE 'max_abs +[0-9.e-]+' $d/bench.log | head -1) $(el)"
}
B="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32,TAIL_KEYS=0,Q_RELEASE=item,PERSISTENT=true"
O="$B,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PRODUCER_REGS=40"
C="$O,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=after,ROWSUM=inline,BLOCK_N=192"
CT="$O,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=turn,ROWSUM=late,BLOCK_N=192"
CW="$B,STAGES=3,WAIT=spin,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=64,PRODUCER_REGS=24,PINGPONG=true,TURN=wgmma,P_BUFFERS=1,ROWSUM=late,BLOCK_N=128"
C1="$B,STAGES=3,WAIT=spin,BLOCK_M=64,OVERLAP=true,VT_STAGES=1,SWIZZLE=64,P_BUFFERS=1,ROWSUM=inline,BLOCK_N=128"
C3="$B,STAGES=2,WAIT=suspend,BLOCK_M=192,OVERLAP=true,VT_STAGES=2,SWIZZLE=64,PRODUCER_REGS=40,P_BUFFERS=1,ROWSUM=late,BLOCK_N=128"
for S in 4,32,2048,128 16,32,1024,128 8,16,8192,128; do
  d=$OUT/base/${S//,/_}; mkdir -p $d
  timeout 90 $E baseline --shape $S --only cudnn_fp8 --out $d > $d/baseline.log 2>&1
  echo "baseline $S rc=$? $(grep -oE 'kernel-only p50 [0-9.]+ µs' $d/baseline.log | head -1) $(el)"
  for r in 1 2; do for ch in false true; do bench chain_$ch $S "$C,CHAIN=$ch" $r; done; done
done
for S in 1,32,8192,128,causal,kv_heads=8 8,16,8192,128,causal; do
  d=$OUT/base/${S//[,=]/_}; mkdir -p $d
  timeout 90 $E baseline --shape $S --only cudnn_fp8 --out $d > $d/baseline.log 2>&1
  echo "baseline $S rc=$? $(grep -oE 'kernel-only p50 [0-9.]+ µs' $d/baseline.log | head -1) $(el)"
  for ch in false true; do bench turn_late_$ch $S "$CT,CHAIN=$ch" 1; done
done
EVOTUNE_ROOT=$PWD EVOTUNE_BIN=$E timeout 240 /tmp/dev/gputest wgmma_variants_pass_validation_at_ragged_shapes --test-threads=1 > $OUT/gputest.log 2>&1
echo "ragged validation test rc=$? $(grep -E '^test result' $OUT/gputest.log) $(el)"
grep -E 'panicked' -A3 $OUT/gputest.log | cut -c1-300 | head -8
for P in 2,40,1531,80,causal 3,17,4097,64 1,32,1531,128,causal,kv_heads=8 4,24,333,96,kv_len=1531 1,256,1,128,causal,kv_len=4097 2,16,1000,128,kv_heads=4; do
  for v in C CT CW C1 C3; do
    [ $v = C3 ] && case $P in *,128*) continue;; esac
    c="${!v},CHAIN=true"; case $P in *,80*|*,96*) c=$(echo "$c" | sed -E 's/SWIZZLE=(64|128)\b/SWIZZLE=32/g');; esac
    bench "$v" $P "$c" v
  done
done
echo "validation $(el)"
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
tar czf $R/run2.tar.gz -C $OUT . && rm -rf $OUT
