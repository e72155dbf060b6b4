#!/bin/bash
# Device run 1: cuDNN FP8's tile at D 128 (two consumer warpgroups of 64 rows, 256-key tiles,
# Q K^T / softmax / P V one after the other in each consumer, the consumers in ping-pong) as an
# evotune config, beside evotune's best (128 x 192, pipelined) and cuDNN FP8 in one run. The
# space's register estimate is relaxed (P's packs not counted beside S) so that BLOCK_N 256 is
# valid at D 128.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
tar xJf .device/cudnn_site.tar.xz -C /tmp
export PYTHONPATH=/tmp/site
E=/tmp/dev/evotune
SP=/tmp/relaxed.toml
sed -e 's/^WG_LIVE_REGS = .*/WG_LIVE_REGS = "S_REGS + O_REGS + 36"/' \
    -e "s#\"../kernel_templates/#\"$PWD/kernel_templates/#" search_spaces/sdpa_fp8.toml > $SP
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
B="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32"
O="$B,STAGES=2,WAIT=suspend,BLOCK_M=128,VT_STAGES=2,SWIZZLE=128,PERSISTENT=true"
bench() { # name shape config
  local d=$OUT/bench/${2//[,=]/_}/$1; mkdir -p $d
  timeout 60 $E bench --space $SP --shape $2 --config "$3" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c15-60) | $(grep -E '^outcome' $d/bench.log | cut -c12-20) $(grep -oE 'max_abs +[0-9.e-]+' $d/bench.log | head -1) $(grep -oE '[0-9]+ B spilled' $d/bench.log) $(grep -m1 -oE '(breaks constraint|error).*' $d/bench.log | cut -c1-100) $(el)"
}
base() {
  local d=$OUT/base/${1//[,=]/_}; mkdir -p $d
  timeout 90 $E baseline --shape $1 --only cudnn_fp8 --out $d > $d/baseline.log 2>&1; echo "baseline $1 rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-110) $(el)"
}
BEST="$O,OVERLAP=true,PRODUCER_REGS=40,ROWSUM=inline,PINGPONG=true,TURN=exp,BLOCK_N=192,P_BUFFERS=1"
SER="$O,OVERLAP=false,PINGPONG=true,P_BUFFERS=1"
for S in 8,16,8192,128 4,32,2048,128; do
  bench best192 $S "$BEST"
  base $S
  bench serial192_exp_pr40 $S "$SER,PRODUCER_REGS=40,ROWSUM=inline,TURN=exp,BLOCK_N=192"
  for pr in 24 40; do for t in exp wgmma; do
    bench serial256_${t}_pr$pr $S "$SER,PRODUCER_REGS=$pr,ROWSUM=inline,TURN=$t,BLOCK_N=256"
  done; done
  bench serial256_exp_pr40_late $S "$SER,PRODUCER_REGS=40,ROWSUM=late,TURN=exp,BLOCK_N=256"
done
S=8,16,8192,128,causal
bench best192_late $S "$O,OVERLAP=true,PRODUCER_REGS=40,ROWSUM=late,PINGPONG=true,TURN=exp,BLOCK_N=192,P_BUFFERS=1"
bench serial256_exp_pr40 $S "$SER,PRODUCER_REGS=40,ROWSUM=inline,TURN=exp,BLOCK_N=256"
bench serial256_wgmma_pr40 $S "$SER,PRODUCER_REGS=40,ROWSUM=inline,TURN=wgmma,BLOCK_N=256"
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
