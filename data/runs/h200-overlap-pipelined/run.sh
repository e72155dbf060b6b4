#!/bin/bash
# Device run 10: OVERLAP made pipelined (no ptxas wgmma serialization): a validation sample of
# overlapped points at ragged shapes, then kernel-only timings (L2 flushed) of overlapped configs
# beside the serial bests of the 2026-12-02 tunes.
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
E=./.device/evotune
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
for p in 2,8,512,64 1,1,1000,64 3,5,777,96 2,4,4097,128 1,16,2048,256 1,8,333,128,causal,kv_heads=2,kv_len=400 1,4,1531,64,causal; do
  d=$OUT/v/${p//,/_}; mkdir -p $d
  timeout 100 $E record --space .device/overlap.toml --shape $p --no-timing --limit ${LIMIT:-40} --seed 11 --out $d/tune_log.csv > $d.log 2>&1
  echo "$p rc=$? $(python3 -c "
import csv,collections
r=list(csv.DictReader(open('$d/tune_log.csv')))
c=collections.Counter(x['outcome'] for x in r); print(dict(c), [x['reason'][:140] for x in r if x['outcome']!='ok'][:2])" 2>&1)"
done
C="ARRIVE=thread,FAMILY=wgmma,KEY_WARPGROUPS=1,KV_SPLITS=1,NUM_PRODUCER_WARPS=0,NUM_WARPS=1,Q_IN_REGS=true,TRANSPOSE=ldsm"
b() { # shape label config
  local out=$OUT/b/$2; mkdir -p $out
  timeout 120 $E bench --shape $1 --config "$C,$3" --out $out > $out.log 2>&1
  echo "$1 $2 rc=$? $(grep -E 'kernel-only|p50' $out.log | head -2 | tr '\n' ' ' | cut -c1-220)"
}
S128="BLOCK_M=128,PINGPONG=false,PRODUCER_REGS=24,SWIZZLE=64,VT_SWIZZLE=32,VT_STAGES=2,WAIT=spin,OVERLAP=true"
b 8,16,8192,128 serial_best "BLOCK_M=192,BLOCK_N=96,OVERLAP=false,PERSISTENT=false,PINGPONG=false,PRODUCER_REGS=24,STAGES=3,SWIZZLE=32,VT_STAGES=1,VT_SWIZZLE=32,WAIT=spin"
b 8,16,8192,128 ov_n96_s2_p "$S128,BLOCK_N=96,STAGES=2,PERSISTENT=true"
b 8,16,8192,128 ov_n96_s3_p "$S128,BLOCK_N=96,STAGES=3,PERSISTENT=true"
b 8,16,8192,128 ov_n96_s4_p "$S128,BLOCK_N=96,STAGES=4,PERSISTENT=true"
b 8,16,8192,128 ov_n96_s3_np "$S128,BLOCK_N=96,STAGES=3,PERSISTENT=false"
b 8,16,8192,128 ov_n64_s4_p "$S128,BLOCK_N=64,STAGES=4,PERSISTENT=true"
b 8,16,8192,128 ov_n96_s3_p_sw128 "${S128/SWIZZLE=64/SWIZZLE=128},BLOCK_N=96,STAGES=3,PERSISTENT=true"
b 8,16,8192,128 ov_n96_s3_p_susp "${S128/WAIT=spin/WAIT=suspend},BLOCK_N=96,STAGES=3,PERSISTENT=true"
b 8,16,8192,128 ov_n96_s3_p_pp "${S128/PINGPONG=false/PINGPONG=true},BLOCK_N=96,STAGES=3,PERSISTENT=true"
b 8,16,8192,64 serial_best "BLOCK_M=192,BLOCK_N=128,OVERLAP=false,PERSISTENT=true,PINGPONG=false,PRODUCER_REGS=56,STAGES=3,SWIZZLE=64,VT_STAGES=2,VT_SWIZZLE=128,WAIT=suspend"
b 8,16,8192,64 ov_m192_n96 "BLOCK_M=192,BLOCK_N=96,OVERLAP=true,PERSISTENT=true,PINGPONG=false,PRODUCER_REGS=24,STAGES=3,SWIZZLE=64,VT_STAGES=2,VT_SWIZZLE=32,WAIT=spin"
b 8,16,8192,64 ov_m128_n160 "$S128,BLOCK_N=160,STAGES=3,PERSISTENT=true"
b 8,16,8192,64 ov_m128_n128 "${S128/VT_SWIZZLE=32/VT_SWIZZLE=128},BLOCK_N=128,STAGES=3,PERSISTENT=true"
b 8,16,8192,64 ov_m128_n160_s2 "$S128,BLOCK_N=160,STAGES=2,PERSISTENT=true"
b 4,32,2048,128 serial_best "BLOCK_M=128,BLOCK_N=128,OVERLAP=false,PERSISTENT=true,PINGPONG=false,PRODUCER_REGS=56,STAGES=4,SWIZZLE=64,VT_STAGES=2,VT_SWIZZLE=32,WAIT=spin"
b 4,32,2048,128 ov_n96_s4_p "$S128,BLOCK_N=96,STAGES=4,PERSISTENT=true"
b 4,32,2048,128 ov_n96_s3_p "$S128,BLOCK_N=96,STAGES=3,PERSISTENT=true"
cd $OUT && tar czf /tmp/all.tgz . && rm -rf $OUT/* && mv /tmp/all.tgz $OUT/
