#!/bin/bash
# Any Hopper card (it ran on an H100). (1) Nsight Compute: warp-instructions executed per launch at 8,16,8192,128 by the long
# problems' best kernel (128 x 192, OVERLAP, exponential turns, PRODUCER_REGS 40) and by cuDNN
# FP8's kernel (`baseline --only cudnn_fp8`), one launch each, metric smsp__inst_executed.sum.
# (2) Where it stands: that kernel and the D 64 and causal bests beside cuDNN FP8 (kernel-only
# p50, L2 flushed) at the four long problems. (3) Validation of a random sample of the whole
# sdpa_fp8 space (`record --no-timing --limit 40`, a seed per problem) at the ragged problems
# of causal/GQA/KV-length work and at the five fixed validation shapes. Packed into
# $OUT/run.tar.gz.
mkdir -p $OUT/r && R=$OUT && OUT=$OUT/r
source data/runs/device.sh
B="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32"
O="$B,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PERSISTENT=true,Q_RELEASE=item,TAIL_KEYS=0"
C="$O,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=after,ROWSUM=inline,BLOCK_N=192,PRODUCER_REGS=40"
CT="$O,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=turn,ROWSUM=late,BLOCK_N=192,PRODUCER_REGS=40"
SER64="$B,PERSISTENT=true,Q_RELEASE=item,ROWSUM=late,STAGES=3,WAIT=spin,BLOCK_M=192,OVERLAP=false,VT_STAGES=1,SWIZZLE=64,BLOCK_N=128,PRODUCER_REGS=40"
N="--clock-control none --launch-count 1 --metrics smsp__inst_executed.sum,gpu__time_duration.sum,sm__cycles_elapsed.avg"
timeout 150 ncu $N -k regex:sdpa_fp8_fwd $E bench --shape 8,16,8192,128 --config "$C" --reps 100 --no-flush --out /tmp/nb > $OUT/ncu_evotune.log 2>&1
echo "ncu evotune rc=$? $(grep -E 'inst_executed|duration|cycles' $OUT/ncu_evotune.log | tr -s ' ' | tr '\n' ' ') $(el)"
timeout 150 ncu $N -k regex:'fprop|sdpa|flash' $E baseline --shape 8,16,8192,128 --only cudnn_fp8 --out /tmp/nc > $OUT/ncu_cudnn.log 2>&1
echo "ncu cudnn rc=$? $(grep -E '^  [a-z_]+.*fprop|inst_executed|duration|cycles' $OUT/ncu_cudnn.log | tr -s ' ' | tr '\n' ' ' | cut -c1-400) $(el)"
bench() { # name shape config
  local d=$OUT/bench/${2//[,=]/_}/$1; mkdir -p $d
  timeout 60 $E bench --shape $2 --config "$3" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-20) $(el)"
}
base() {
  local d=$OUT/base/${1//[,=]/_}; mkdir -p $d
  timeout 90 $E baseline --shape $1 --only cudnn_fp8 --out $d > $d/baseline.log 2>&1
  echo "baseline $1 rc=$? $(grep -oE 'kernel-only p50 [0-9.]+ µs' $d/baseline.log | head -1) $(el)"
}
for S in 8,16,8192,128 4,32,2048,128; do base $S; bench best $S "$C"; done
base 8,16,8192,64; bench serial64 8,16,8192,64 "$SER64"
for S in 8,16,8192,128,causal 1,32,8192,128,causal,kv_heads=8; do base $S; bench turn_late $S "$CT"; done
seed=100
for p in 1,4,1,64,causal 2,8,63,80,causal,kv_heads=4 1,8,100,128,causal,kv_heads=2 \
         1,16,333,256,causal,kv_heads=2 2,16,1531,128,causal 1,8,4097,64,causal,kv_heads=1 \
         1,8,1,128,kv_len=777 1,4,333,80,causal,kv_len=1000 1,8,1531,256,kv_heads=4,kv_len=2000 \
         2,8,512,64 1,1,1000,64 3,5,777,96 2,4,4097,128 1,16,2048,256; do
  seed=$((seed + 1)); d=$OUT/v/${p//,/_}; d=${d//=/}; mkdir -p $d
  [ $(( $(date +%s) - T0 )) -gt 540 ] && { echo "$p skipped (time)"; continue; }
  timeout 120 $E record --shape $p --no-timing --limit 40 --seed $seed --timeout 20 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), 'max_abs', max([float(x['max_abs'] or 0) for x in r] or [0]), [x['reason'][:120] for x in r if x['outcome']!='ok'][:2])" 2>&1 | tail -1) $(el)"
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
tar czf $R/run.tar.gz -C $OUT . && rm -rf $OUT
