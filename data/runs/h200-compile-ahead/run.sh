#!/bin/bash
# Device run 1: the default tune with an empty compile cache, with compiling ahead (the default,
# half the cores) and without it (--compile-ahead 0), twice each, alternating; then cuDNN FP8 and
# evotune's GQA kernel at 1,32,8192,128 causal with 32 and with 8 KV heads.
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site
E=./.device/evotune
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
nproc | tee -a $OUT/env.txt
tune() { # name extra-flags
  local R=$OUT/$1
  export EVOTUNE_CACHE_DIR=$(mktemp -d)
  /usr/bin/time -v -o $OUT/$1.time.txt timeout 120 $E --shape 2,8,512,64 --budget 128 --out $R $2 > $OUT/$1.log 2>&1
  echo "$1 rc=$? $(grep -E 'Elapsed' $OUT/$1.time.txt | tr -s ' ')"
  grep -E '^best|^time|^confirm' $OUT/$1.log | cut -c1-260
  rm -rf $R/kernels
}
tune ahead1 ""
tune plain1 "--compile-ahead 0"
tune ahead2 ""
tune plain2 "--compile-ahead 0"
export EVOTUNE_CACHE_DIR=/tmp/kc
B="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,ARRIVE=thread,VT_SWIZZLE=32"
O="$B,STAGES=2,WAIT=suspend,BLOCK_M=128,OVERLAP=true,VT_STAGES=2,SWIZZLE=128,PRODUCER_REGS=40"
for kv in 32 8; do
  S=1,32,8192,128,causal,kv_heads=$kv
  d=$OUT/gqa/kv$kv; mkdir -p $d
  timeout 90 $E baseline --shape $S --only cudnn_fp8 --out $d/base > $d/baseline.log 2>&1; echo "baseline $S rc=$? $(grep -E 'cudnn_fp8' $d/baseline.log | head -1 | cut -c1-100)"
  for P in false true; do
    timeout 60 $E bench --shape $S --config "$O,ROWSUM=inline,PINGPONG=true,TURN=exp,BLOCK_N=160,P_BUFFERS=2,PERSISTENT=$P" --timeout 30 --out $d/p_$P > $d/p_$P.log 2>&1
    echo "$S persistent=$P rc=$? $(grep -E 'kernel-only p50' $d/p_$P.log | head -1 | cut -c15-60) $(grep -E '^outcome' $d/p_$P.log | cut -c12-20)"
  done
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
