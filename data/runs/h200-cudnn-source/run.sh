#!/bin/bash
# Nsight Compute's source page (instructions executed and stall samples per SASS line), the
# pipes' utilization and the instruction mix of cuDNN FP8's kernel at 8,16,8192,128 beside
# evotune's best there (128 x 192, exponential turns, ROWSUM inline).
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
# The binary and cudnn-frontend's installed package (without its headers and the sub-packages
# that the FP8 graph does not load) travel compressed.
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
tar xJf .device/cudnn_site.tar.xz -C /tmp
export PYTHONPATH=/tmp/site
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
S=8,16,8192,128
BEST="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PRODUCER_REGS=40,PERSISTENT=true,ROWSUM=inline,PINGPONG=true,TURN=exp,BLOCK_N=192,P_BUFFERS=1"
SEC="--section SourceCounters --section WarpStateStats --section ComputeWorkloadAnalysis --section InstructionStats --section SpeedOfLight"
mkdir -p $OUT/ncu
timeout 240 ncu --clock-control none --target-processes all -k regex:sdpa_sm90 --launch-count 1 $SEC -o /tmp/cudnn \
  $E baseline --shape $S --only cudnn_fp8 --out /tmp/b1 > $OUT/ncu/cudnn.log 2>&1
echo "ncu cudnn rc=$? $(el)"
timeout 200 ncu --clock-control none -k regex:sdpa_fp8_fwd --launch-count 1 $SEC -o /tmp/best \
  $E bench --shape $S --config "$BEST" --out /tmp/b2 --reps 100 --no-flush > $OUT/ncu/best.log 2>&1
echo "ncu best rc=$? $(el)"
for n in cudnn best; do
  ncu --import /tmp/$n.ncu-rep --page source --csv --print-source sass 2>/dev/null | gzip > $OUT/ncu/${n}_source.sass.csv.gz
  ncu --import /tmp/$n.ncu-rep --page details --csv 2>/dev/null > $OUT/ncu/${n}_details.csv
  ncu --import /tmp/$n.ncu-rep --page raw --csv 2>/dev/null | gzip > $OUT/ncu/${n}_raw.csv.gz
done
ls -la $OUT/ncu
grep -h -i 'pipe\|Duration\|Executed Ipc\|Issue Slots' $OUT/ncu/cudnn_details.csv | cut -c1-200 | head -30
echo ---; grep -h -i 'pipe\|Duration\|Executed Ipc\|Issue Slots' $OUT/ncu/best_details.csv | cut -c1-200 | head -30
echo "done $(el)"
