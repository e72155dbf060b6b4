"""The GEMM part of an evotune export's dispatch table: which kernel serves D = A B^T, and its
grid and buffers there.

Pure Python (no torch, no CUDA). dispatch.json's `gemm` holds one entry per kernel, tuned at one
problem M, N, K. The GEMM contract's kernel source does not depend on the problem, so a kernel
runs any M, N, K when its `rule.reuse` is true (evotune checked the rule against its search
space; otherwise it serves its own problem only). Its grid and split-K buffers follow the rule:

- tiles = ceil(M / block_m) * ceil(N / block_n);
- units = ceil(ceil(M / block_m) / cluster_m) * ceil(ceil(N / block_n) / cluster_n) * split_k;
- grid x = cluster * units, or with `persistent` cluster * min(SMs // cluster, units)
  (cluster = cluster_m * cluster_n);
- with split_k > 1: split_k * tiles * block_m * block_n workspace floats and tiles * consumers
  counters.

`choose` takes the kernel tuned at exactly the problem, else the nearest that can run it (the
sum of |log2| ratios of M, N and K, evotune's warm-start distance; ties go to the faster
kernel), else raises NoKernel.
"""

import math
from dataclasses import dataclass

MAX_INT = 2**31 - 1
ROW_ALIGN = 16


@dataclass(frozen=True)
class GemmProblem:
    """A [m, k] times B^T [n, k]: D [m, n]."""

    m: int
    n: int
    k: int

    @classmethod
    def of(cls, spec):
        """The problem of a table entry's `problem` object."""
        return cls(spec["m"], spec["n"], spec["k"])

    def label(self):
        """`gemm M,N,K` as evotune writes it."""
        return f"gemm {self.m},{self.n},{self.k}"


def pitch(k):
    """Bytes between the starts of two rows of A or B^T: K rounded up to 16 (TMA strides)."""
    return (k + ROW_ALIGN - 1) // ROW_ALIGN * ROW_ALIGN


def _ceil(a, b):
    return -(-a // b)


def tiles(rule, p):
    """Output tiles of `p`."""
    return _ceil(p.m, rule["block_m"]) * _ceil(p.n, rule["block_n"])


def grid(rule, p, sm_count):
    """The launch grid for `p` on a device of `sm_count` SMs."""
    cluster = rule["cluster_m"] * rule["cluster_n"]
    blocks = (_ceil(_ceil(p.m, rule["block_m"]), rule["cluster_m"])
              * _ceil(_ceil(p.n, rule["block_n"]), rule["cluster_n"]))
    units = blocks * rule["split_k"]
    if rule["persistent"]:
        units = min(sm_count // cluster, units)
    return (cluster * units, 1, 1)


def workspace_floats(rule, p):
    """Floats of the split-K workspace at `p` (0 without a split)."""
    if rule["split_k"] <= 1:
        return 0
    return rule["split_k"] * tiles(rule, p) * rule["block_m"] * rule["block_n"]


def counters(rule, p):
    """Counters of the split at `p`, zero before the first launch (0 without a split)."""
    if rule["split_k"] <= 1:
        return 0
    return tiles(rule, p) * rule["consumers"]


def launch_sizes(entry, p, sm_count):
    """(grid, workspace floats, counters) of a kernel at `p` on a device of `sm_count` SMs: by
    its rule, or where the rule was not verified (it serves its own problem only) the table's
    own."""
    rule = entry["rule"]
    if not rule["reuse"]:
        return tuple(entry["grid"]), entry["workspace_floats"], entry["counters"]
    return grid(rule, p, sm_count), workspace_floats(rule, p), counters(rule, p)


def distance(a, b):
    """evotune's warm-start distance between two GEMM problems."""
    return sum(abs(math.log2(x / y)) for x, y in ((a.m, b.m), (a.n, b.n), (a.k, b.k)))


def why_not(p):
    """Why no kernel can run `p` (sizes a launch cannot express), or None."""
    if min(p.m, p.n, p.k) <= 0:
        return "M, N and K must be positive"
    if max(p.m, p.n, p.k) > MAX_INT:
        return f"M, N and K must be at most {MAX_INT} (the kernels' int)"
    return None


def choose(entries, p):
    """(entry, exact, distance) for `p`, or None when no entry can run it."""
    if why_not(p) is not None:
        return None
    for e in entries:
        if GemmProblem.of(e["problem"]) == p:
            return e, True, 0.0
    able = [e for e in entries if e["rule"]["reuse"]]
    if not able:
        return None

    def key(e):
        return (distance(p, GemmProblem.of(e["problem"])), e["kernel_p50_us"], e["id"])

    best = min(able, key=key)
    return best, False, key(best)[0]


def refusal(entries, p, where):
    """Why no GEMM kernel runs `p`: what the table holds and why each one does not fit."""
    lines = [f"no exported GEMM kernel can run {p.label()} ({where}, {len(entries)} GEMM "
             f"kernels):"]
    why = why_not(p)
    for e in entries:
        reason = why or "serves its own problem only (" + e["rule"]["note"] + ")"
        lines.append(f"  {e['id']} (tuned at {e['label']}): {reason}")
    if why and not entries:
        lines.append(f"  {why}")
    lines.append("tune the problem (evotune --gemm M,N,K ...) and export again")
    return "\n".join(lines)
