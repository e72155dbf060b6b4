#!/bin/bash
# Nsight Compute's source page (instructions executed and stall samples per SASS line) of the
# best D 128 kernel at 4,32,2048,128 (the kernel of run5.sh and sass/): what an item executes
# outside its key loop, against the static reading in sass/. Packed into $OUT/run6.tar.gz.
mkdir -p $OUT/r && R=$OUT && OUT=$OUT/r
source data/runs/device.sh
C="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PERSISTENT=true,Q_RELEASE=item,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=after,ROWSUM=inline,BLOCK_N=192,PRODUCER_REGS=40,TAIL_KEYS=0"
SEC="--section SourceCounters --section WarpStateStats --section InstructionStats --section SpeedOfLight"
timeout 150 ncu --clock-control none -k regex:sdpa_fp8_fwd --launch-count 1 $SEC -o /tmp/best \
  $E bench --shape 4,32,2048,128 --config "$C" --out /tmp/b --reps 100 --no-flush > $OUT/ncu.log 2>&1
echo "ncu rc=$? $(el)"
ncu --import /tmp/best.ncu-rep --page source --csv --print-source sass 2>/dev/null | gzip > $OUT/best_source.sass.csv.gz
ncu --import /tmp/best.ncu-rep --page details --csv 2>/dev/null > $OUT/best_details.csv
grep -h -i 'Duration\|Executed Ipc\|Instructions' $OUT/best_details.csv | cut -c1-160 | head -8
tar czf $R/run6.tar.gz -C $OUT . && rm -rf $OUT
