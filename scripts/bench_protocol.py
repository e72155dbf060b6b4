"""The timing protocol evotune's Python baseline scripts share (scripts/torch_sdpa_bench.py,
scripts/cudnn_fp8_bench.py, scripts/scaled_mm_bench.py): their common arguments, the L2 flush,
the repetition count, the per-call and kernel-only timings, and the "unavailable" answer.

evotune feeds a script to the interpreter on stdin with this file's text in front of it; run as
a file, a script imports this module from its own folder.

L2 is flushed before every repetition and outside the timed region by passing over a buffer of
2x the L2 size as --flush says: memset (the default), read (a reduction that reads it and writes
one number), write-read (both), or none (then --graph-launches calls per graph: the warm
protocol; --no-flush is the same). With --warm-launches N a flushed timing is followed by a
warm one (L2 not flushed, N calls per graph). Repetitions: at least --reps, more for short calls
so that each timing takes about --target-seconds, at most --max-reps. evotune computes the
statistics from the samples.
"""
import math
import time

PROBE_REPS = 5
FLUSH_MODES = ("memset", "read", "write-read", "none")


def add_timing_arguments(parser):
    """The arguments every SDPA timing script takes: the shape and the protocol's."""
    parser.add_argument("--shape", required=True, help="B,H,S,D[,causal][,kv_heads=N][,kv_len=N]")
    add_protocol_arguments(parser)


def add_protocol_arguments(parser):
    """The protocol's arguments, which every timing script takes beside its problem."""
    parser.add_argument("--reps", type=int, default=100, help="minimum timed repetitions")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--target-seconds", type=float, default=0.3)
    parser.add_argument("--max-reps", type=int, default=20000)
    parser.add_argument("--flush", choices=FLUSH_MODES, default="memset", help="how L2 is flushed between reps")
    parser.add_argument("--no-flush", dest="flush", action="store_const", const="none", help="the same as --flush none")
    parser.add_argument("--graph-launches", type=int, default=1,
                        help="calls captured back to back in the kernel-only graph (samples are divided by it)")
    parser.add_argument("--warm-launches", type=int, default=0,
                        help="also time kernel-only warm (L2 not flushed) with this many calls per graph; 0: not")


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
        self.flush_bytes = -(-max(2 * self.l2_bytes, 1 << 20) // 16) * 16
        self.flush_mode = args.flush
        self.flush_buf = (None if args.flush == "none" else
                          torch.empty(self.flush_bytes, dtype=torch.uint8, device="cuda"))

    @property
    def flush_text(self):
        if self.flush_mode == "none":
            return "L2 not flushed"
        how = {"memset": "memset", "read": "read by a reduction that writes one number",
               "write-read": "memset then read by a reduction"}[self.flush_mode]
        return f"L2 flushed before each rep ({how} of {self.flush_bytes / 2**20:.1f} MiB = 2x L2, outside the timed region)"

    def flush(self):
        if self.flush_mode in ("memset", "write-read"):
            self.flush_buf.zero_()
        if self.flush_mode in ("read", "write-read"):
            self.flush_buf.view(self.torch.int32).max()

    def warm(self, measure):
        """measure() under the warm protocol: L2 not flushed, --warm-launches calls per graph."""
        saved = self.flush_mode, self.args.graph_launches
        self.flush_mode, self.args.graph_launches = "none", self.args.warm_launches
        try:
            return measure()
        finally:
            self.flush_mode, self.args.graph_launches = saved

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

    def kernel_timings(self, kernel_only, failed):
        """{"kernel": kernel_only()}, or "kernel_error" (`failed` and why); with --warm-launches
        and a flush, the warm timing beside it: "warm_kernel", or "warm_error"."""
        out = {}
        try:
            out["kernel"] = kernel_only()
        except Exception as e:
            out["kernel_error"] = f"{failed}: {first_line(e)}"
            return out
        if self.args.warm_launches > 0 and self.flush_mode != "none":
            try:
                out["warm_kernel"] = self.warm(kernel_only)
            except Exception as e:
                out["warm_error"] = f"{failed}: {first_line(e)}"
        return out

    def described(self, one):
        """"one X" or "N back-to-back Xs, divided by N" for units() calls."""
        units = self.units()
        return f"one {one}" if units == 1 else f"{units} back-to-back {one}s, divided by {units}"
