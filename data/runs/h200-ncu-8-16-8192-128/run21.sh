#!/bin/bash
# Device run 21: Nsight Compute's instruction count (per opcode) of the sweep's best 8,16,8192,128 kernel.
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
C="ARRIVE=warp,BLOCK_M=128,BLOCK_N=160,FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,OVERLAP=false,PERSISTENT=true,PINGPONG=false,PRODUCER_REGS=56,Q_IN_REGS=true,RESCALE=lazy,STAGES=2,SWIZZLE=128,TRANSPOSE=ldsm,VT_STAGES=1,VT_SWIZZLE=32,WAIT=suspend"
timeout 200 ncu --clock-control none -k regex:sdpa_fp8_fwd --launch-count 1 --metrics smsp__inst_executed.sum,gpu__time_duration.sum,sass__inst_executed_per_opcode --csv --page raw \
   $E bench --shape 8,16,8192,128 --config "$C" --out /tmp/ncu_b --reps 100 --flush none > $OUT/ncu_d128.csv 2> $OUT/ncu_d128.err
echo "ncu rc=$?"; tail -3 $OUT/ncu_d128.err
python3 - <<P
import csv
rows=list(csv.reader(open('$OUT/ncu_d128.csv')))
h=[i for i,r in enumerate(rows) if 'smsp__inst_executed.sum' in r]
hdr=rows[h[0]]; data=rows[h[0]+2] if len(rows)>h[0]+2 else rows[-1]
print('inst', data[hdr.index('smsp__inst_executed.sum')], 'time', data[hdr.index('gpu__time_duration.sum')])
P
