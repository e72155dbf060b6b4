#!/usr/bin/env bash
# One command on a fresh NVIDIA machine: environment -> build -> baselines -> tune -> Nsight
# Compute profile -> report. From the environment: SHAPE and BUDGET (defaults 2,8,512,64 and
# 128); NCU_TOP, how many of the best kernels Nsight Compute profiles (default 3); RUN, the run
# folder (default artifacts/<UTC time>-<shape>); EVOTUNE_BIN, a built evotune to use instead of
# building one; EVOTUNE_CUDNN_FRONTEND_WHEEL or EVOTUNE_WHEEL_DIR, where to find the
# nvidia-cudnn-frontend wheel on a machine without a package index (see cudnn_frontend below).
# Compiled kernels are cached (~/.cache/evotune/kernels), so a re-run compiles nothing twice.
#
# It ends with gates over the run folder, after the report is written; GATES names which
# (default "seed vendor"; empty for none):
#   seed    evotune gate --vs torch_math --protocol warm --min-speedup 15
#           (the seed pipelines' target: 15x over PyTorch's math backend, warm L2 on both sides)
#   vendor  evotune gate --vs cudnn_fp8 --protocol cold --min-speedup 1
#           (at least as fast as cuDNN's own FP8 SDPA, L2 flushed on both sides)
# Each prints its verdict. The exit status is 0 when every gate asked for passed, 1 when one
# failed or could not judge (a missing baseline, say), and 2 for a GATES it does not know
# (said before anything runs).
set -euo pipefail
cd "$(dirname "$0")"
SHAPE="${SHAPE:-2,8,512,64}"
BUDGET="${BUDGET:-128}"
NCU_TOP="${NCU_TOP:-3}"
GATES="${GATES-seed vendor}"
smi="${EVOTUNE_NVIDIA_SMI:-nvidia-smi}"

# The gates' arguments by name; an unknown name stops the script before any work.
gate_args() {
  case "$1" in
    seed) echo "--vs torch_math --protocol warm --min-speedup 15" ;;
    vendor) echo "--vs cudnn_fp8 --protocol cold --min-speedup 1" ;;
    *) return 1 ;;
  esac
}
for gate in $GATES; do
  if ! gate_args "$gate" >/dev/null; then
    echo "repro.sh: GATES names an unknown gate '$gate' (known: seed, vendor; empty for none)" >&2
    exit 2
  fi
done

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

# The cudnn_fp8 baseline needs nvidia-cudnn-frontend in the python3 that has torch. It is
# installed with --no-deps (BENCHMARKS.md, 2026-12-02, cuDNN FP8 as a baseline): the sdpa_fp8
# graph runs on libcudnn's own engines, and the dependencies (nvidia-cutlass-dsl,
# apache-tvm-ffi) serve the package's CuTe DSL kernels only. From EVOTUNE_CUDNN_FRONTEND_WHEEL when set, else from the
# package index, else from a nvidia_cudnn_frontend-*.whl under EVOTUNE_WHEEL_DIR (default .whl/).
# A failed install is a warning: the baseline then records cudnn_fp8 as unavailable, with why.
cudnn_frontend() {
  local pip=(python3 -m pip install --quiet --disable-pip-version-check --no-deps) wheel
  if python3 -c 'import importlib.util as u, sys; sys.exit(u.find_spec("cudnn") is None)' 2>/dev/null; then
    echo "nvidia-cudnn-frontend: already installed"
    return 0
  fi
  if [ -n "${EVOTUNE_CUDNN_FRONTEND_WHEEL:-}" ]; then
    "${pip[@]}" "$EVOTUNE_CUDNN_FRONTEND_WHEEL" && return 0
  elif "${pip[@]}" --retries 0 --timeout 20 nvidia-cudnn-frontend 2>/dev/null; then
    echo "nvidia-cudnn-frontend: installed from the package index"
    return 0
  else
    for wheel in "${EVOTUNE_WHEEL_DIR:-.whl}"/nvidia_cudnn_frontend-*.whl; do
      [ -e "$wheel" ] && "${pip[@]}" "$wheel" && echo "nvidia-cudnn-frontend: installed from $wheel" && return 0
    done
  fi
  echo "repro.sh: warning: nvidia-cudnn-frontend could not be installed; the cudnn_fp8 baseline will be recorded as unavailable" >&2
}

echo "== baselines"
cudnn_frontend || true
"$bin" baseline --shape "$SHAPE" --out "$RUN"
echo "== tune"
"$bin" --shape "$SHAPE" --budget "$BUDGET" --out "$RUN"
echo "== profile"
"$bin" ncu --run "$RUN" --top "$NCU_TOP" || echo "repro.sh: no Nsight Compute profile; ncu/summary.json and the report say why" >&2
echo "== report"
report="$("$bin" report --run "$RUN")"
echo "report: $report (and reports/latest.md)"

# The gates: each one's verdict on its own line, every one run even when an earlier one fails.
failed=()
for gate in $GATES; do
  echo "== gate: $gate"
  # shellcheck disable=SC2046  # the arguments are words
  if "$bin" gate --run "$RUN" $(gate_args "$gate"); then
    echo "$gate gate: passed"
  else
    echo "$gate gate: FAILED"
    failed+=("$gate")
  fi
done
if [ -n "$GATES" ]; then
  if [ ${#failed[@]} -gt 0 ]; then
    echo "repro.sh: gates failed: ${failed[*]} (the run folder $RUN and the report are written)" >&2
    exit 1
  fi
  echo "gates passed: $GATES"
fi
