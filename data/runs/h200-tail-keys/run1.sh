#!/bin/bash
# TAIL_KEYS: an item's last key tile narrowed to its first 128 (or 64) keys where the keys end
# inside them. The long problems' best kernel (128 x 192, OVERLAP, exponential turns, PACK after,
# persistent) with TAIL_KEYS 0 and 128, each benched twice, interleaved, beside cuDNN FP8, at
# 4,32,2048,128 (2048 = 10 x 192 + 128) and 8,16,8192,128 (8192 = 42 x 192 + 128); the 224-key
# tile with TAIL_KEYS 64 at 4,32,2048,128 (2048 = 9 x 224 + 32). The ragged GPU validation of the
# TAIL configurations is in the GPU suite (tests/ragged: tail_64, tail_128).
# Expected (BENCHMARKS.md, written before the run): -3 % at 4,32,2048,128 (10 2/3 tile-widths of
# work per item instead of 11), -0.8 % at 8,16,8192,128 (42 2/3 instead of 43).
source data/runs/device.sh
bench() { # name shape config
  local d=$OUT/bench/${2//[,=]/_}/$1; mkdir -p $d
  [ $(( $(date +%s) - T0 )) -gt ${LIMIT:-520} ] && { echo "$2 $1 skipped (time)"; return; }
  timeout 60 $E bench --shape $2 --config "$3" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-60) $(grep -oE 'max_abs +[0-9.e-]+' $d/bench.log | head -1) $(el)"
}
O="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PERSISTENT=true,Q_RELEASE=item,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=after,ROWSUM=inline"
C="$O,BLOCK_N=192,PRODUCER_REGS=40"
for S in 4,32,2048,128 8,16,8192,128; do
  d=$OUT/base/${S//,/_}; mkdir -p $d
  timeout 90 $E baseline --shape $S --only cudnn_fp8 --out $d > $d/baseline.log 2>&1
  echo "baseline $S rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-100) $(el)"
  for r in 1 2; do
    bench tail0_r$r $S "$C,TAIL_KEYS=0"
    bench tail128_r$r $S "$C,TAIL_KEYS=128"
  done
done
bench n224_tail0 4,32,2048,128 "$O,BLOCK_N=224,PRODUCER_REGS=24,TAIL_KEYS=0"
bench n224_tail64 4,32,2048,128 "$O,BLOCK_N=224,PRODUCER_REGS=24,TAIL_KEYS=64"
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
