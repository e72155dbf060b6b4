#!/usr/bin/env bash
# One command on a fresh NVIDIA machine: environment -> build -> baselines -> tune -> Nsight
# Compute profile -> report. From the environment: SHAPE and BUDGET (defaults 2,8,512,64 and
# 128); NCU_TOP, how many of the best kernels Nsight Compute profiles (default 3); RUN, the run
# folder (default artifacts/<UTC time>-<shape>); EVOTUNE_BIN, a built evotune to use instead of
# building one. Compiled kernels are cached (~/.cache/evotune/kernels), so a re-run compiles
# nothing twice.
set -euo pipefail
cd "$(dirname "$0")"
SHAPE="${SHAPE:-2,8,512,64}"
BUDGET="${BUDGET:-128}"
NCU_TOP="${NCU_TOP:-3}"
smi="${EVOTUNE_NVIDIA_SMI:-nvidia-smi}"

# The GPU check comes first: without a GPU nothing is built or written.
if ! command -v "$smi" >/dev/null 2>&1 || ! "$smi" -L 2>/dev/null | grep -q '^GPU '; then
  echo "repro.sh: no NVIDIA GPU on this machine (nvidia-smi finds none); it needs one" >&2
  exit 1
fi
RUN="${RUN:-artifacts/$(date -u +%Y%m%d-%H%M%S)-${SHAPE//,/x}}"
mkdir -p "$RUN"
if [ -d /usr/local/cuda/lib64 ]; then
  export LD_LIBRARY_PATH="/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

echo "== environment -> $RUN/environment.txt"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(hostname)"
  echo "git: $(git rev-parse HEAD 2>/dev/null || echo 'not a git checkout')"
  echo "shape: $SHAPE  budget: $BUDGET"
  "$smi" --query-gpu=name,driver_version,clocks.sm,clocks.mem,clocks.max.sm,power.limit --format=csv
  "$smi" | sed -n 3,4p
  command -v ncu >/dev/null && ncu --version | tail -1 || echo "ncu: not on PATH"
  cargo --version 2>/dev/null || echo "cargo: not installed"
} | tee "$RUN/environment.txt"

echo "== build"
if [ -n "${EVOTUNE_BIN:-}" ]; then
  bin="$EVOTUNE_BIN"
  echo "using EVOTUNE_BIN=$bin"
elif command -v cargo >/dev/null 2>&1; then
  cargo build --release --quiet
  bin=./target/release/evotune
elif [ -x ./target/release/evotune ]; then
  bin=./target/release/evotune
  echo "no cargo here: using the existing $bin"
else
  echo "repro.sh: cargo is needed to build evotune (or set EVOTUNE_BIN to a built binary)" >&2
  exit 1
fi

echo "== baselines"
"$bin" baseline --shape "$SHAPE" --out "$RUN"
echo "== tune"
"$bin" --shape "$SHAPE" --budget "$BUDGET" --out "$RUN"
echo "== profile"
"$bin" ncu --run "$RUN" --top "$NCU_TOP" || echo "repro.sh: no Nsight Compute profile; ncu/summary.json and the report say why" >&2
echo "== report"
report="$("$bin" report --run "$RUN")"
echo "report: $report (and reports/latest.md)"
