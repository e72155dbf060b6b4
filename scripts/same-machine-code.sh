#!/usr/bin/env bash
# Whether the kernel templates of the working tree compile to the same machine code as those of
# a git revision (default HEAD): for a refactor of the templates that must not change a kernel.
# Compiles the space's covering sample (both families at sm_90a, the mma family at sm_89) from
# each tree's kernel_templates/ with NVRTC and compares the multisets of md5 sums of nvdisasm's
# instructions (addresses stripped). The space file is the working tree's, so the same points are
# compiled from both. Needs what scripts/test.sh installs (NVRTC, nvdisasm) and a built evotune
# (target/release/evotune, or $EVOTUNE_BIN). Exit 0: the same; 1: some kernel differs.
#
#   scripts/same-machine-code.sh [REV] [SHAPE]      e.g. scripts/same-machine-code.sh HEAD~1 3,5,777,96
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:-HEAD}"
shape="${2:-2,8,512,64}"
bin="${EVOTUNE_BIN:-target/release/evotune}"
prefix="${EVOTUNE_PIP_PREFIX:-$HOME/.cache/evotune/cuda13}"
export EVOTUNE_PIP_PREFIX="$prefix"
export LD_LIBRARY_PATH="$prefix/nvidia/cu13/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PATH="$prefix/nvidia/cu13/bin:$PATH"
[ -x "$bin" ] || { echo "no evotune binary at $bin: cargo build --release (or set EVOTUNE_BIN)" >&2; exit 2; }
command -v nvdisasm >/dev/null || { echo "no nvdisasm: run scripts/test.sh once to install it" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Each tree: its kernel_templates/ beside a copy of the working tree's space file.
mkdir -p "$work/old/search_spaces" "$work/new/search_spaces"
git archive "$rev" kernel_templates | tar -x -C "$work/old"
cp -r kernel_templates "$work/new/"
for t in old new; do cp search_spaces/sdpa_fp8.toml "$work/$t/search_spaces/"; done

digests() { # tree arch -> sorted md5 sums, one per kernel
  local cache="$work/cache-$1-$2"
  "$bin" compile --space "$work/$1/search_spaces/sdpa_fp8.toml" --shape "$shape" --arch "$2" \
    --cover --cache-dir "$cache" --json >/dev/null
  for f in "$cache"/*.cubin; do
    nvdisasm -c "$f" | grep -E '^\s+/\*[0-9a-f]+\*/' | sed 's#^\s*/\*[0-9a-f]*\*/##' | md5sum | cut -c1-32
  done | sort
}

status=0
for arch in sm_90a sm_89; do
  old="$(digests old "$arch")"
  new="$(digests new "$arch")"
  n="$(printf '%s\n' "$new" | grep -c . || true)"
  if [ "$old" = "$new" ]; then
    echo "$arch: the same machine code ($n kernels at $shape)"
  else
    changed="$(diff <(printf '%s\n' "$old") <(printf '%s\n' "$new") | grep -c '^>' || true)"
    echo "$arch: $changed of $n kernels at $shape differ from $rev"
    status=1
  fi
done
exit $status
