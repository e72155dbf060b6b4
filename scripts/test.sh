#!/usr/bin/env bash
# The test command: installs NVRTC and the CUDA headers (PyPI, 13.0 series) and nvdisasm (13.2,
# the oldest 13.x on PyPI; it reads NVRTC 13.0's sm_90a cubins) into a cached prefix if they are
# not there yet, and Slurm and munge (Debian packages) for tests/slurm.rs, then runs fmt, clippy
# and every test.
# No GPU is needed: kernels are compiled for sm_90a; GPU checks live in scripts/gpu-test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix="${EVOTUNE_PIP_PREFIX:-$HOME/.cache/evotune/cuda13}"
lib="$prefix/nvidia/cu13/lib"
if [ ! -e "$lib/libnvrtc.so.13" ] || [ ! -e "$prefix/nvidia/cu13/include/cuda_fp16.h" ]; then
  echo "installing NVRTC and CUDA headers (13.0) into $prefix"
  python3 -m pip install --quiet --disable-pip-version-check --target "$prefix" \
    'nvidia-cuda-nvrtc==13.0.*' 'nvidia-cuda-runtime==13.0.*'
fi
if [ ! -x "$prefix/nvidia/cu13/bin/nvdisasm" ]; then
  # pip --target does not merge into an existing nvidia/ folder: install aside, then copy in.
  echo "installing nvdisasm (13.2) into $prefix"
  tmp="$(mktemp -d)"
  python3 -m pip install --quiet --disable-pip-version-check --target "$tmp" \
    'nvidia-cuda-nvdisasm==13.2.86'
  mkdir -p "$prefix/nvidia/cu13/bin"
  cp "$tmp/nvidia/cu13/bin/nvdisasm" "$prefix/nvidia/cu13/bin/"
  rm -rf "$tmp"
fi
# tests/slurm.rs starts a single-node Slurm cluster of its own (munged, slurmctld, slurmd as
# child processes, configuration under a temporary folder): it needs the Debian packages.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
  || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  echo "installing Slurm and munge (Debian packages)"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    slurmctld slurmd slurm-client munge
fi
export EVOTUNE_PIP_PREFIX="$prefix"
export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test
