#!/bin/bash
# Device run 5: PACK "turn" with the wait for P V moved between the two halves of the tile's
# exponentials (softmax_exp_split: a never-taken branch on the first half's last p keeps it
# there), against the committed "turn" (the wait opens the turn) and "after". The variant's
# template and space travel in .device/exp (the change is data/runs/h200-pack-turn/split.patch).
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
B="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32"
O="$B,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PRODUCER_REGS=40,PINGPONG=true,TURN=exp,PERSISTENT=true,P_BUFFERS=1"
bench() { # name space shape config
  local d=$OUT/bench/${3//[,=]/_}/$1; mkdir -p $d
  timeout 60 $E bench --space $2 --shape $3 --config "$4" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$3 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-20) $(grep -oE '[0-9]+ B spilled' $d/bench.log) $(grep -m1 -oE '(breaks constraint|error).*' $d/bench.log | cut -c1-100) $(el)"
}
C=search_spaces/sdpa_fp8.toml; X=.device/exp/search_spaces/sdpa_fp8.toml
S=8,16,8192,128
bench n192_after $C $S "$O,PACK=after,ROWSUM=inline,BLOCK_N=192"
bench n192_turn $C $S "$O,PACK=turn,ROWSUM=inline,BLOCK_N=192"
bench n192_split $X $S "$O,PACK=turn,ROWSUM=inline,BLOCK_N=192"
bench n160_turn $C $S "$O,PACK=turn,ROWSUM=inline,BLOCK_N=160"
bench n160_split $X $S "$O,PACK=turn,ROWSUM=inline,BLOCK_N=160"
S=8,16,8192,128,causal
bench n192_late_turn $C $S "$O,PACK=turn,ROWSUM=late,BLOCK_N=192"
bench n192_late_split $X $S "$O,PACK=turn,ROWSUM=late,BLOCK_N=192"
S=1,32,8192,128,causal,kv_heads=8
bench n192_late_turn $C $S "$O,PACK=turn,ROWSUM=late,BLOCK_N=192"
bench n192_late_split $X $S "$O,PACK=turn,ROWSUM=late,BLOCK_N=192"
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
