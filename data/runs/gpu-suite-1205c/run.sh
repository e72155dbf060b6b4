#!/bin/bash
# The GPU suite (tests/gpu.rs, built on the CPU machine with `cargo test --release --features gpu
# --test gpu --no-run`) on the tree with the narrowed FP8 GEMM space: its GEMM ragged validation
# runs the cluster and split-K configurations the new constraints allow. Then `bench --dump` of a
# causal grouped-query problem checked by PyTorch (scripts/check_dump.py). Packed into
# $OUT/run.tar.gz.
mkdir -p $OUT/r && R=$OUT && OUT=$OUT/r
source data/runs/device.sh
EVOTUNE_ROOT=$PWD EVOTUNE_BIN=$E timeout 480 /tmp/dev/gputest --test-threads=1 > $OUT/gputest.log 2>&1
echo "gpu suite rc=$? $(grep -E '^test result' $OUT/gputest.log) $(el)"
grep -E '^test .* (ok|FAILED)$' $OUT/gputest.log
grep -E 'panicked' -A4 $OUT/gputest.log | cut -c1-300 | head -12
P=1,8,333,128,causal,kv_heads=2,kv_len=400
timeout 60 $E bench --shape $P --config "FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PERSISTENT=true,Q_RELEASE=item,TAIL_KEYS=0,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=turn,ROWSUM=late,BLOCK_N=192,PRODUCER_REGS=40" --dump $OUT/dump --out $OUT/bench > $OUT/bench.log 2>&1
echo "bench --dump $P rc=$? $(grep -E '^outcome' $OUT/bench.log | cut -c1-80)"
python3 scripts/check_dump.py $OUT/dump > $OUT/check_dump.log 2>&1; echo "check_dump rc=$? $(tail -2 $OUT/check_dump.log | tr '\n' ' ')"
rm -f $OUT/dump/*.npy
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
tar czf $R/run.tar.gz -C $OUT . && rm -rf $OUT
