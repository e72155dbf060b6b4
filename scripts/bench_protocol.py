"""The timing protocol evotune's Python baseline scripts share (scripts/torch_sdpa_bench.py,
scripts/cudnn_fp8_bench.py): their common arguments, the L2 flush, the repetition count, the
per-call and kernel-only timings, and the "unavailable" answer.

evotune feeds a script to the interpreter on stdin with this file's text in front of it; run as
a file, a script imports this module from its own folder.

L2 is flushed (a memset of 2x the L2 size) before every repetition and outside the timed region
unless --no-flush. Repetitions: at least --reps, more for short calls so that each timing takes
about --target-seconds, at most --max-reps. evotune computes the statistics from the samples.
"""
import math
import time

PROBE_REPS = 5


def add_timing_arguments(parser):
    """The arguments every timing script takes."""
    parser.add_argument("--shape", required=True, help="B,H,S,D[,causal][,kv_heads=N][,kv_len=N]")
    parser.add_argument("--reps", type=int, default=100, help="minimum timed repetitions")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--target-seconds", type=float, default=0.3)
    parser.add_argument("--max-reps", type=int, default=20000)
    parser.add_argument("--no-flush", action="store_true", help="do not flush L2 between reps")
    parser.add_argument("--graph-launches", type=int, default=1,
                        help="calls captured back to back in the kernel-only graph (samples are divided by it)")


def parse_timing_args(parser):
    """Parses the arguments: args.dims is Q's shape [B, H, S, D], args.kv_dims K's and V's
    [B, kv_heads, kv_len, D], args.causal the mask (aligned bottom-right)."""
    args = parser.parse_args()
    parts = args.shape.split(",")
    try:
        dims = [int(x) for x in parts[:4]]
        extra = dict(p.split("=", 1) if "=" in p else (p, "1") for p in parts[4:])
        kv_heads, kv_len = int(extra.pop("kv_heads", dims[1])), int(extra.pop("kv_len", dims[2]))
        causal = extra.pop("causal", "0") == "1"
    except ValueError:
        dims, extra = [], {}
    if len(dims) != 4 or min(dims) < 1 or extra or min(kv_heads, kv_len) < 1 or dims[1] % kv_heads:
        parser.error(f"--shape expects B,H,S,D[,causal][,kv_heads=N][,kv_len=N], got '{args.shape}'")
    args.dims = dims
    args.kv_dims = [dims[0], kv_heads, kv_len, dims[3]]
    args.causal = causal
    return args


def unavailable(reason):
    return {"status": "unavailable", "reason": reason}


def first_line(text):
    lines = [l.strip() for l in str(text).splitlines() if l.strip()]
    return lines[0] if lines else type(text).__name__


def reps_for(min_reps, per_rep_s, target_s, max_reps):
    min_reps = max(min_reps, 1)
    if not per_rep_s > 0 or math.isinf(per_rep_s):
        return min_reps
    return max(min_reps, min(math.ceil(target_s / per_rep_s), max_reps))


class Protocol:
    """Times a call per call and kernel-only, with the flush and the repetitions above."""

    def __init__(self, torch, args):
        self.torch, self.args = torch, args
        props = torch.cuda.get_device_properties(0)
        self.l2_bytes = int(getattr(props, "L2_cache_size", 0) or 0)
        flush_bytes = max(2 * self.l2_bytes, 1 << 20)
        self.flush_buf = None if args.no_flush else torch.empty(flush_bytes, dtype=torch.uint8, device="cuda")
        self.flush_text = ("L2 not flushed" if self.flush_buf is None else
                           f"L2 flushed before each rep (memset of {flush_bytes / 2**20:.1f} MiB = 2x L2, outside the timed region)")

    def flush(self):
        if self.flush_buf is not None:
            self.flush_buf.zero_()

    def reps(self, one_rep):
        torch = self.torch
        torch.cuda.synchronize()
        t = time.perf_counter()
        for _ in range(PROBE_REPS):
            one_rep()
        torch.cuda.synchronize()
        per = (time.perf_counter() - t) / PROBE_REPS
        return reps_for(self.args.reps, per, self.args.target_seconds, self.args.max_reps)

    def per_call(self, run, start):
        """Host wall clock from `run()` (described by `start`) to the return of synchronize."""
        torch = self.torch
        for _ in range(self.args.warmup):
            run()

        def timed():
            self.flush()
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            run()
            torch.cuda.synchronize()
            return (time.perf_counter() - t0) * 1e6

        reps = self.reps(timed)
        samples = [timed() for _ in range(reps)]
        method = (f"per call: host wall clock from {start} to the return of torch.cuda.synchronize(); "
                  f"{self.flush_text}; {reps} reps after {self.args.warmup} warm-up calls")
        return {"method": method, "samples_us": samples}

    def units(self):
        """Calls per kernel-only sample (--graph-launches, at least 1)."""
        return max(1, self.args.graph_launches)

    def captured(self, run, stream=None):
        """A CUDA graph of units() back-to-back calls of `run`, after three warm-up calls on a
        side stream (captured on that stream when `stream` is "side", else on torch's own)."""
        torch = self.torch
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                run()
        torch.cuda.current_stream().wait_stream(side)
        torch.cuda.synchronize()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, **({"stream": side} if stream == "side" else {})):
            for _ in range(self.units()):
                run()
        return graph

    def kernel_only(self, launch, how, warm):
        """CUDA events around `launch()` (units() calls, described by `how`), divided by units();
        `warm` names the warm-up launches in the method."""
        torch = self.torch
        units = self.units()
        for _ in range(self.args.warmup):
            launch()
        reps = self.reps(lambda: (self.flush(), launch()))
        events = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(reps)]
        for start, end in events:
            self.flush()
            start.record()
            launch()
            end.record()
        torch.cuda.synchronize()
        samples = [start.elapsed_time(end) * 1e3 / units for start, end in events]
        method = (f"kernel-only: CUDA events around {how}; {self.flush_text}; "
                  f"{reps} reps after {self.args.warmup} {warm}")
        return {"method": method, "samples_us": samples}

    def described(self, one):
        """"one X" or "N back-to-back Xs, divided by N" for units() calls."""
        units = self.units()
        return f"one {one}" if units == 1 else f"{units} back-to-back {one}s, divided by {units}"
