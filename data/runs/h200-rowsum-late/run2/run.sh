#!/bin/bash
# Device run 2: Nsight Compute's source page (instructions and stall samples per SASS line) of the
# 128 x 192 kernel with ROWSUM "late", exponential turns and without ping-pong, at 8,16,8192,128
# (the ROWSUM "inline" kernel's page is data/runs/h200-mufu-turns/run1/ncu).
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
S=8,16,8192,128
O="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PRODUCER_REGS=40,ROWSUM=late,BLOCK_N=192,P_BUFFERS=1,PERSISTENT=true"
mkdir -p $OUT/ncu
for v in "exp:PINGPONG=true,TURN=exp" "nopp:PINGPONG=false"; do
  n=${v%%:*}; c="$O,${v#*:}"
  timeout 200 ncu --clock-control none -k regex:sdpa_fp8_fwd --launch-count 1 --section SourceCounters --section WarpStateStats --section ComputeWorkloadAnalysis -o /tmp/late_$n \
    $E bench --shape $S --config "$c" --out /tmp/n_$n --reps 100 --no-flush > $OUT/ncu/late_$n.log 2>&1
  echo "ncu $n rc=$? $(el)"
  ncu --import /tmp/late_$n.ncu-rep --page source --csv --print-source sass 2>/dev/null | gzip > $OUT/ncu/late_${n}_source.sass.csv.gz
  ncu --import /tmp/late_$n.ncu-rep --page details --csv 2>/dev/null > $OUT/ncu/late_${n}_details.csv
done
ls -la $OUT/ncu; echo "done $(el)"
