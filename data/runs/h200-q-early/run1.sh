#!/bin/bash
# Device run 1: a persistent CTA's next query tile loaded earlier. Before, a consumer released Q
# after its item's last P V, so the producer loaded the next item's Q (and transposed its first
# V tile) only then, and the next item's first Q K^T waited a TMA round trip. Two variants against
# the committed template (.device/old):
#   early: Q released as soon as the item's last scores land (a compare per tile: +2 SASS
#          instructions in the 192-key loop) -- the working tree;
#   last:  Q released just before the last P V is issued, outside the per-tile loop (.device/qlast).
# Expected (written before the run): the next Q's load hidden under the last tile's softmax, P V and
# store: about 1 us per item, ~4 % at 4,32,2048,128 (15.5 items per CTA, 370 us), ~1 % at
# 8,16,8192,128 (62 items of 86 us), more at the causal problems (shorter items). Each kernel is
# benched twice, interleaved, at the non-causal problems, once at the others; the ragged GPU
# validation of both variants is run2.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
gunzip -c .device/gputest.gz > /tmp/dev/gputest && chmod +x /tmp/dev/gputest
tar xJf .device/cudnn_site.tar.xz -C /tmp
export PYTHONPATH=/tmp/site
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
SP_early=search_spaces/sdpa_fp8.toml; SP_last=.device/qlast/search_spaces/sdpa_fp8.toml; SP_old=.device/old/search_spaces/sdpa_fp8.toml
bench() { # variant name shape config
  local sp=SP_$1; local d=$OUT/bench/${3//[,=]/_}/$2/$1$4; mkdir -p $d
  [ $(( $(date +%s) - T0 )) -gt 540 ] && { echo "$3 $2 $1 skipped (time)"; return; }
  timeout 60 $E bench --space ${!sp} --shape $3 --config "$5" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$3 $2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-60) $(grep -oE 'max_abs +[0-9.e-]+' $d/bench.log | head -1) $(el)"
}
B="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32"
O="$B,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PRODUCER_REGS=40,PERSISTENT=true"
C="$O,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=after,ROWSUM=inline,BLOCK_N=192"
CT="$O,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=turn,ROWSUM=late,BLOCK_N=192"
SER64="$B,PERSISTENT=true,ROWSUM=late,STAGES=3,WAIT=spin,BLOCK_M=192,OVERLAP=false,VT_STAGES=1,SWIZZLE=64,BLOCK_N=128,PRODUCER_REGS=40"
for S in 4,32,2048,128 8,16,8192,128; do
  d=$OUT/base/${S//,/_}; mkdir -p $d
  timeout 90 $E baseline --shape $S --only cudnn_fp8 --out $d > $d/baseline.log 2>&1; echo "baseline $S rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-100) $(el)"
  for r in 1 2; do for v in old early last; do bench $v best $S $r "$C"; done; done
done
for S in 8,16,8192,128,causal 1,32,8192,128,causal,kv_heads=8; do
  for v in old early last; do bench $v turn_late $S 1 "$CT"; done
done
for v in old early; do bench $v serial64 8,16,8192,64 1 "$SER64"; done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
