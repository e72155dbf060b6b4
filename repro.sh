#!/usr/bin/env bash
# One command on an NVIDIA machine: environment, build, compile the space for this GPU.
# SHAPE and BUDGET come from the environment (defaults 2,8,512,64 and 128).
set -euo pipefail
cd "$(dirname "$0")"
SHAPE="${SHAPE:-2,8,512,64}"
BUDGET="${BUDGET:-128}"

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "repro.sh: no NVIDIA GPU on this machine (nvidia-smi finds none); it needs one" >&2
  exit 1
fi
if [ -d /usr/local/cuda/lib64 ]; then
  export LD_LIBRARY_PATH="/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
bin=./target/release/evotune
if [ ! -x "$bin" ]; then
  cargo build --release
fi
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv
"$bin" space show search_spaces/sdpa_fp8.toml --shape "$SHAPE"
"$bin" compile --space search_spaces/sdpa_fp8.toml --shape "$SHAPE"
"$bin" --shape "$SHAPE" --budget "$BUDGET"
