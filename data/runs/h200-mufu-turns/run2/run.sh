#!/bin/bash
# Device run 2: MUFU.EX2 issue rate microbenchmark; two P buffers (P_BUFFERS 2) against one, with
# exp turns, wgmma turns and no ping-pong; validation of P_BUFFERS 2 at ragged problems.
T0=$(date +%s)
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
export EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
SP=.device/pb.toml
el() { echo "($(( $(date +%s) - T0 )) s)"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
nvcc -arch=sm_90a -O3 -o /tmp/mufu .device/mufu.cu && /tmp/mufu | tee $OUT/mufu.txt
cuobjdump -sass /tmp/mufu > $OUT/mufu.sass
W="FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm,RESCALE=lazy,PERSISTENT=true,STAGES=2,SWIZZLE=128,WAIT=suspend,BLOCK_M=128,ARRIVE=thread,OVERLAP=true,VT_STAGES=2,VT_SWIZZLE=32,PRODUCER_REGS=40"
bench() { # name shape config
  local d=$OUT/bench/$2/$1; mkdir -p $d
  timeout 60 $E bench --space $SP --shape $2 --config "$3" --timeout 30 --out $d > $d/bench.log 2>&1
  echo "$2 $1 rc=$? $(grep -E 'kernel-only p50' $d/bench.log | head -1 | cut -c1-64) | $(grep -E '^outcome' $d/bench.log | cut -c1-20) $(grep -oE 'max_abs +[0-9.e-]+' $d/bench.log | head -1) $(grep -oE '[0-9]+ registers, [0-9]+ B spilled' $d/bench.log) $(grep -m1 -oE '(breaks constraint|error).*' $d/bench.log | cut -c1-100) $(el)"
}
S=8,16,8192,128
for n in 192 160 128; do
  for pp in "PINGPONG=true,TURN=exp" "PINGPONG=true,TURN=wgmma" "PINGPONG=false"; do
    for pb in 1 2; do
      [ $n = 192 ] && [ $pb = 2 ] && continue
      bench "n${n}_${pp:9:4}${pp:21:5}_p$pb" $S "$W,BLOCK_N=$n,$pp,P_BUFFERS=$pb"
    done
  done
done
for p in 2,8,512,64 1,8,333,128,causal,kv_heads=2,kv_len=400 2,4,1000,64,causal 3,2,700,96 1,4,1531,128,causal 2,2,100,64; do
  for c in "BLOCK_N=128,PINGPONG=false" "BLOCK_N=160,PINGPONG=true,TURN=exp" "BLOCK_N=64,PINGPONG=true,TURN=wgmma" "BLOCK_N=96,PINGPONG=false"; do
    bench "v_${c//[,=]/_}" $p "$W,$c,P_BUFFERS=2"
  done
done
find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
