#!/bin/bash
# Device run 6 of the FP8 GEMM family (prepared, not yet run: no device was lent): `evotune bench --gemm` end to end (compile, validate, time
# in 2 fresh processes, dump), the space's default at 4096^3 and a ragged problem, and the SDPA
# default beside it (the bench path made generic over the problem).
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH EVOTUNE_CACHE_DIR=/tmp/kc
mkdir -p /tmp/dev && gunzip -c .device/evotune.gz > /tmp/dev/evotune && chmod +x /tmp/dev/evotune
E=/tmp/dev/evotune
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader | tee $OUT/env.txt
timeout 60 $E bench --space search_spaces/gemm_fp8.toml --gemm 4096,4096,4096 --config default --processes 2 --out $OUT/g4096 --dump $OUT/g4096/dump > $OUT/g4096.log 2>&1; echo "gemm 4096^3 rc=$?"; grep -E "^(outcome|kernel-only|processes)" $OUT/g4096.log
timeout 60 $E bench --space search_spaces/gemm_fp8.toml --gemm 1000,333,1040 --config default --out $OUT/gragged > $OUT/gragged.log 2>&1; echo "gemm 1000,333,1040 rc=$?"; grep -E "^(outcome|kernel-only)" $OUT/gragged.log
timeout 60 $E bench --shape 2,8,512,64 --config default --out $OUT/sdpa > $OUT/sdpa.log 2>&1; echo "sdpa rc=$?"; grep -E "^(outcome|kernel-only)" $OUT/sdpa.log
python3 -c "import json; m=json.load(open('$OUT/g4096/dump/meta.json')); print({k: m[k] for k in ('M','N','K','passed')}, m['errors']['max_abs'])"
rm -f $OUT/g4096/dump/*.npy; find $OUT -name "*.cubin" -delete; find $OUT -name "*.cu" -delete
