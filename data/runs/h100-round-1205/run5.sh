#!/bin/bash
# Where the gap to cuDNN FP8 at 4,32,2048,128 comes from: the per-item cost against the per-tile
# cost. The long problems' best kernel (128 x 192, OVERLAP, exponential turns, PACK after,
# persistent, TAIL_KEYS 0) and cuDNN FP8 at D 128 with S = 1024, 2048, 4096, 8192 (B = 16, 4, 2,
# 1, 32 heads: 4096, 2048, 2048, 2048 query tiles of 128 rows, with 6, 11, 22, 43 key tiles of
# 192 each); each kernel twice, interleaved. A fit of time = a * (items x tiles) + b * items
# per kernel gives each one's cost per key tile and per item. Packed into $OUT/run5.tar.gz.
mkdir -p $OUT/r && R=$OUT && OUT=$OUT/r
source data/runs/device.sh
O="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PERSISTENT=true,Q_RELEASE=item,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=after,ROWSUM=inline"
C="$O,BLOCK_N=192,PRODUCER_REGS=40,TAIL_KEYS=0"
for S in 16,32,1024,128 4,32,2048,128 2,32,4096,128 1,32,8192,128; do
  d=$OUT/${S//,/_}; mkdir -p $d
  for r in 1 2; do
    timeout 60 $E baseline --shape $S --only cudnn_fp8 --out $d/base$r > $d/base$r.log 2>&1
    timeout 60 $E bench --shape $S --config "$C" --timeout 30 --out $d/best$r > $d/best$r.log 2>&1
    echo "$S r$r cudnn_fp8 $(grep -oE 'kernel-only p50 [0-9.]+ µs \[95% CI [0-9., ]+\]' $d/base$r.log | head -1) | best $(grep -oE 'kernel-only p50 [0-9.]+ µs \[95% CI [0-9., ]+\]' $d/best$r.log | head -1) $(grep -E '^outcome' $d/best$r.log | cut -c12-20) $(el)"
  done
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
tar czf $R/run5.tar.gz -C $OUT . && rm -rf $OUT
