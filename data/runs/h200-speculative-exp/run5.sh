#!/bin/bash
# Device run 5: RESCALE "check" with the K stage released as soon as its scores land
# (early_release.py; timing only, --atol 1e9 --rtol 1e9): without the repair's code (.device/va)
# and with it (.device/vb), beside the committed kernel; which of run 4's two costs is which.
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
LIFT="--atol 1e9 --rtol 1e9"
for S in 8,16,8192,128 4,32,2048,128; do
  bench committed $S "$C"
  bench check $S "$K"
  bench early_norepair $S "$K" .device/va/search_spaces/sdpa_fp8.toml "$LIFT"
  bench early_repair $S "$K" .device/vb/search_spaces/sdpa_fp8.toml "$LIFT"
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
