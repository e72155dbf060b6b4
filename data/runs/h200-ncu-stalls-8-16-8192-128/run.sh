#!/bin/bash
# Device run 26: stall reasons per issued instruction and the tensor pipe's activity for the
# OVERLAP best at 8,16,8192,128 beside cuDNN FP8's kernel; the OVERLAP best's source page
# (instructions executed and stall samples per SASS line).
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
OB="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,PERSISTENT=true,STAGES=2,SWIZZLE=128,WAIT=suspend,BLOCK_M=128,ARRIVE=thread,BLOCK_N=192,OVERLAP=true,PINGPONG=true,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=40"
M="regex:smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio$,regex:sm__pipe_tensor.*cycles_active.*pct_of_peak_sustained_active$,smsp__inst_executed.sum,gpu__time_duration.sum,sm__cycles_elapsed.avg,smsp__issue_active.avg.pct_of_peak_sustained_active,l1tex__data_pipe_lsu_wavefronts_mem_shared.sum,smsp__inst_executed_op_shared_ld.sum"
mkdir -p $OUT/ncu
timeout 100 ncu --clock-control none -k regex:sdpa_fp8_fwd --launch-count 1 --metrics "$M" --csv --page raw \
  $E bench --space .device/wgmma.toml --shape 8,16,8192,128 --config "$OB" --out /tmp/b1 --reps 100 --no-flush > $OUT/ncu/ob_raw.csv 2> $OUT/ncu/ob_raw.err
echo "ob raw rc=$? $(el)"
false && timeout 150 ncu --clock-control none --target-processes all -k regex:cudnn --launch-count 1 --metrics "$M" --csv --page raw \
  $E baseline --shape 8,16,8192,128 --only cudnn_fp8 --out /tmp/b2 > $OUT/ncu/cudnn_raw.csv 2> $OUT/ncu/cudnn_raw.err
echo "cudnn raw rc=$? $(el)"
timeout 200 ncu --clock-control none -k regex:sdpa_fp8_fwd --launch-count 1 --section SourceCounters --section WarpStateStats --import-source no -o /tmp/ob_src \
  $E bench --space .device/wgmma.toml --shape 8,16,8192,128 --config "$OB" --out /tmp/b3 --reps 100 --no-flush > $OUT/ncu/ob_src.log 2>&1
echo "ob src rc=$? $(el)"
ncu --import /tmp/ob_src.ncu-rep --page source --csv --print-source sass 2>/dev/null | gzip > $OUT/ncu/ob_source.sass.csv.gz
python3 - $OUT/ncu <<'PY'
import csv, io, sys
def load(f):
    txt = [l for l in open(f).read().splitlines() if l.startswith('"')]
    rows = list(csv.reader(io.StringIO("\n".join(txt))))
    if len(rows) < 3: return {}
    h, u, v = rows[0], rows[1], rows[2]
    return {h[i]: v[i] for i in range(len(h))}
a = load(sys.argv[1] + '/ob_raw.csv'); b = load(sys.argv[1] + '/cudnn_raw.csv')
keys = [k for k in sorted(set(a) | set(b)) if 'stalled' in k or 'pipe' in k or 'inst' in k or 'time' in k or 'cycles' in k or 'issue' in k or 'wavefronts' in k]
for k in keys:
    print(f"{k.replace('smsp__average_warps_issue_stalled_','stall ').replace('_per_issue_active.ratio','')[:70]:70} {a.get(k,'-'):>16} {b.get(k,'-'):>16}")
PY
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
