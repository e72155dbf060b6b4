#!/bin/bash
# Device run 4: why RESCALE "check" ran slower than its probe in run 3. With STAGES 3 the K stage
# a tile holds until its check does not hold up the producer's next load; a template copy
# without the repair's code (/tmp/norepair: timing only) tells what the rare path's presence costs.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
E=/tmp/dev/evotune
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
bench() { # name shape config [space] [extra]
  local d=$OUT/bench/${2//[,=]/_}/$1; mkdir -p $d
  timeout 60 $E bench --space ${4:-search_spaces/sdpa_fp8.toml} --shape $2 --config "$3" --timeout 30 --out $d $5 > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-60) $(el)"
}
source data/runs/h200-rowmax-among/configs.sh
C="$O,PINGPONG=true,TURN=exp,P_BUFFERS=1,PACK=after,ROWSUM=inline,BLOCK_N=192"
K="${C/RESCALE=lazy/RESCALE=check}"
mkdir -p /tmp/norepair && cp -r kernel_templates search_spaces /tmp/norepair/
python3 - /tmp/norepair/kernel_templates/sdpa_fp8_wgmma.cu.tera <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
old = """            repair_saturated(c, g - c.g0, p);
            warp_scores(c, c.base + OFF_K + stage * KV_BYTES);  // the scores of gn again
"""
assert s.count(old) == 1
s = s.replace(old, "")
old = """            repair_saturated(c, j, p);
"""
assert s.count(old) == 1
s = s.replace(old, "")
open(p, "w").write(s)
PY
S=8,16,8192,128
bench stages3_committed $S "${C/STAGES=2/STAGES=3}"
bench stages3_check $S "${K/STAGES=2/STAGES=3}"
bench stages3_check_late $S "$(echo ${K/STAGES=2/STAGES=3} | sed s/ROWSUM=inline/ROWSUM=late/)"
bench stages2_check_norepair $S "$K" /tmp/norepair/search_spaces/sdpa_fp8.toml "--atol 1e9 --rtol 1e9"
bench stages3_check_norepair $S "${K/STAGES=2/STAGES=3}" /tmp/norepair/search_spaces/sdpa_fp8.toml "--atol 1e9 --rtol 1e9"
bench stages3_check 4,32,2048,128 "${K/STAGES=2/STAGES=3}"
bench stages3_check_late 8,16,8192,128,causal "$(echo ${K/STAGES=2/STAGES=3} | sed s/ROWSUM=inline/ROWSUM=late/)"
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
