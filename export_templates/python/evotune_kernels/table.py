"""The dispatch table of an evotune export: which kernel serves an attention problem (and,
through gemm_table.py, a GEMM problem).

Pure Python (no torch, no CUDA): the table is dispatch.json, written by `evotune export`. Each
entry is one kernel, tuned at one problem. A kernel also runs other problems when its
`accepts` rule admits them (evotune checked the rule against its search space before writing
it; `reuse` is false where it did not hold, and the kernel serves its own problem only):

- the head dim is compiled in: D must round up to the same multiple of 32 (`d_pad`), be a
  multiple of `d_multiple_of` and, where `d_load_bytes` is set, have that widest load;
- the mask is compiled in (`causal`), and a `plain_only` kernel (the mma family) runs no mask,
  H key/value heads and S keys only;
- sequence lengths, batch and heads are launch arguments: the grid follows them.

`Table.choose` takes the kernel tuned at exactly the problem, else the nearest kernel that can
run it (evotune's warm-start distance: |log2| ratios of B*H, S, kv_len and query heads per
key/value head, plus twice that of D; ties go to the faster kernel), else raises `NoKernel`.
`Table.choose_gemm` does the same for the GEMM kernels (gemm_table.py says how).
"""

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

from . import gemm_table

FORMAT = "evotune-dispatch"
VERSION = 1
MAX_GRID_Y = 65535
MAX_LEN = 2**31 - 1


class NoKernel(LookupError):
    """No kernel of the table can run the problem; the message says what the table holds."""


@dataclass(frozen=True)
class Problem:
    """Q [b, h, s, d]; K and V [b, kv_heads, kv_len, d]; `causal` aligned bottom-right."""

    b: int
    h: int
    s: int
    d: int
    causal: bool = False
    kv_heads: int = 0
    kv_len: int = 0

    def __post_init__(self):
        if not self.kv_heads:
            object.__setattr__(self, "kv_heads", self.h)
        if not self.kv_len:
            object.__setattr__(self, "kv_len", self.s)

    @classmethod
    def of(cls, spec):
        """The problem of a table entry's `problem` object."""
        return cls(spec["b"], spec["h"], spec["s"], spec["d"], bool(spec["causal"]),
                   spec["kv_heads"], spec["kv_len"])

    def label(self):
        """`B,H,S,D` with ` causal`, ` kv_heads=N`, ` kv_len=N` as evotune writes it."""
        text = f"{self.b},{self.h},{self.s},{self.d}"
        if self.causal:
            text += " causal"
        if self.kv_heads != self.h:
            text += f" kv_heads={self.kv_heads}"
        if self.kv_len != self.s:
            text += f" kv_len={self.kv_len}"
        return text


def d_pad(d):
    """D rounded up to a multiple of 32."""
    return (d + 31) // 32 * 32


def widest_load(d):
    """The widest of 16, 8, 4 and 1 bytes that divides D."""
    for width in (16, 8, 4):
        if d % width == 0:
            return width
    return 1


def why_not(accepts, p):
    """Why a kernel with rule `accepts` cannot run problem `p`, or None when it can."""
    if d_pad(p.d) != accepts["d_pad"]:
        return f"D = {p.d} pads to {d_pad(p.d)}, the kernel to {accepts['d_pad']}"
    if p.d % accepts["d_multiple_of"] != 0:
        return f"D = {p.d} is not a multiple of {accepts['d_multiple_of']}"
    if accepts["d_load_bytes"] and widest_load(p.d) != accepts["d_load_bytes"]:
        return (f"D = {p.d} loads {widest_load(p.d)} bytes at a time, "
                f"the kernel {accepts['d_load_bytes']}")
    plain = not p.causal and p.kv_heads == p.h and p.kv_len == p.s
    if accepts["plain_only"] and not plain:
        return "the kernel runs plain problems only (no mask, H key/value heads, S keys)"
    if p.causal != accepts["causal"]:
        mask = {True: "causal", False: "non-causal"}
        return f"the problem is {mask[p.causal]}, the kernel {mask[accepts['causal']]}"
    if p.kv_heads <= 0 or p.h % p.kv_heads != 0:
        return f"{p.kv_heads} key/value heads do not divide {p.h} heads"
    if p.causal and p.kv_len < p.s:
        return "a causal problem needs at least S keys"
    tiles = -(-p.kv_len // accepts["block_n"])
    if accepts["kv_splits"] > 1 and accepts["kv_splits"] > tiles:
        return f"{accepts['kv_splits']} key splits over {tiles} key tiles"
    return _why_not_launchable(accepts, p)


def _why_not_launchable(accepts, p):
    if min(p.b, p.h, p.s, p.kv_len) <= 0:
        return "every size must be positive"
    if p.s > MAX_LEN or p.kv_len > MAX_LEN:
        return f"the lengths must be at most {MAX_LEN}"
    if not accepts["persistent"] and p.b * p.h > MAX_GRID_Y:
        return f"B*H must be at most {MAX_GRID_Y} (the grid's y)"
    return None


def grid(accepts, p, sm_count):
    """The launch grid for `p` on a device of `sm_count` SMs."""
    tiles = -(-p.s // accepts["block_m"])
    if accepts["persistent"]:
        return (min(sm_count, tiles * p.b * p.h), 1, 1)
    return (tiles, p.b * p.h, accepts["kv_splits"])


def distance(a, b):
    """evotune's warm-start distance between two problems (infinite across the mask)."""
    if a.causal != b.causal:
        return math.inf

    def r(x, y):
        return abs(math.log2(x / y))

    return (r(a.b * a.h, b.b * b.h) + r(a.s, b.s) + r(a.kv_len, b.kv_len)
            + r(a.h * b.kv_heads, b.h * a.kv_heads) + 2 * r(a.d, b.d))


@dataclass(frozen=True)
class Choice:
    """The kernel chosen for a problem: its entry, whether it was tuned at exactly that
    problem, and how far its own problem is."""

    entry: dict
    exact: bool
    distance: float


class Table:
    """dispatch.json with the folder it lies in (cubins are relative to it)."""

    def __init__(self, data, root):
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            raise ValueError(f"{root}: not an evotune dispatch table of version {VERSION} "
                             f"(format {data.get('format')!r}, version {data.get('version')!r})")
        self.data = data
        self.root = Path(root)
        self.entries = data["entries"]
        gemm = data.get("gemm") or {}
        self.gemm_entries = gemm.get("entries", [])
        self.gemm_tolerance = gemm.get("tolerance")

    @classmethod
    def load(cls, folder=None):
        """The table of an export folder: `folder`, else $EVOTUNE_KERNELS_DIR, else the folder
        two levels above this package (DIR of DIR/python/evotune_kernels)."""
        folder = Path(folder or os.environ.get("EVOTUNE_KERNELS_DIR")
                      or Path(__file__).resolve().parents[2])
        path = folder / "dispatch.json"
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} does not exist: point EVOTUNE_KERNELS_DIR (or load(folder)) at the "
                f"folder `evotune export --out` wrote")
        return cls(json.loads(path.read_text()), folder)

    def choose(self, p):
        """The kernel for problem `p`: tuned at it, else the nearest that can run it."""
        for e in self.entries:
            if Problem.of(e["problem"]) == p:
                return Choice(e, True, 0.0)
        able = [e for e in self.entries
                if e["accepts"]["reuse"] and why_not(e["accepts"], p) is None]
        if not able:
            raise NoKernel(self.refusal(p))

        def key(e):
            return (distance(p, Problem.of(e["problem"])), e["kernel_p50_us"], e["id"])

        best = min(able, key=key)
        return Choice(best, False, key(best)[0])

    def refusal(self, p):
        """Why no kernel runs `p`: what the table holds and why each one does not fit."""
        lines = [f"no exported kernel can run {p.label()} (table {self.root / 'dispatch.json'},"
                 f" {self.data['device']}, {len(self.entries)} kernels):"]
        for e in self.entries:
            if e["accepts"]["reuse"]:
                why = why_not(e["accepts"], p)
            else:
                why = "serves its own problem only (" + e["accepts"]["note"] + ")"
            lines.append(f"  {e['id']} (tuned at {e['label']}, {e['family']}): {why}")
        lines.append("tune the problem (evotune --shape ...) and export again")
        return "\n".join(lines)

    def choose_gemm(self, p):
        """The GEMM kernel for a `GemmProblem`: tuned at it, else the nearest (see
        gemm_table.py); NoKernel when the table has none that can run it."""
        chosen = gemm_table.choose(self.gemm_entries, p)
        if chosen is None:
            where = f"table {self.root / 'dispatch.json'}, {self.data['device']}"
            raise NoKernel(gemm_table.refusal(self.gemm_entries, p, where))
        return Choice(*chosen)

    def gemm_launch_sizes(self, choice, p, sm_count):
        """(grid, workspace floats, counters) of the chosen GEMM kernel at `p` on a device of
        `sm_count` SMs."""
        return gemm_table.launch_sizes(choice.entry, p, sm_count)

    def grid_for(self, choice, p, sm_count):
        """The grid of the chosen kernel at `p`: the table's own at its problem (unless the grid
        is persistent and its rule verified: then it follows the device's SMs), else by its
        rule."""
        e = choice.entry
        rule = e["accepts"]
        if choice.exact and not (rule["persistent"] and rule["reuse"]):
            return tuple(e["grid"])
        return grid(rule, p, sm_count)
