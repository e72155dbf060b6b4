#!/usr/bin/env python3
"""Times PyTorch SDPA in fp16 with the FLASH_ATTENTION and CUDNN_ATTENTION backends (baseline B)
and with the MATH backend (PyTorch's own unfused path, for comparison with evotune's baseline A).

    python3 scripts/torch_sdpa_bench.py --shape B,H,S,D --reps N

Prints one JSON object on stdout and exits 0, also when nothing can be measured:
  {"status": "unavailable", "reason": "..."}                       torch or CUDA missing
  {"status": "ok", "torch": ..., "device": ..., "backends": {
      "flash": {"status": "ok", "kernel": {"method": ..., "samples_us": [...]},
                "call": {"method": ..., "samples_us": [...]}},
      "cudnn": {"status": "unavailable", "reason": "..."}}}

Two timings per backend, L2 flushed (a memset of 2x the L2 size) before every repetition and
outside the timed region:
  kernel: CUDA events around the replay of a CUDA graph holding one SDPA call;
  call:   host wall clock (perf_counter) from the eager call to torch.cuda.synchronize().
Repetitions: at least --reps, more for short calls so that each timing takes about
--target-seconds, at most --max-reps (evotune passes its own values). Inputs are N(0,1), fp16,
[B, H, S, D], drawn with --seed. evotune computes the statistics from the samples.
"""
import argparse
import json
import math
import sys
import time
import warnings

BACKENDS = (("flash", "FLASH_ATTENTION"), ("cudnn", "CUDNN_ATTENTION"), ("torch_math", "MATH"))
PROBE_REPS = 5


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shape", required=True, help="B,H,S,D")
    p.add_argument("--reps", type=int, default=100, help="minimum timed repetitions")
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--target-seconds", type=float, default=0.3)
    p.add_argument("--max-reps", type=int, default=20000)
    p.add_argument("--no-flush", action="store_true", help="do not flush L2 between reps")
    p.add_argument("--graph-launches", type=int, default=1,
                   help="calls captured back to back in the kernel-only graph (samples are divided by it)")
    args = p.parse_args()
    dims = [int(x) for x in args.shape.split(",")]
    if len(dims) != 4 or min(dims) < 1:
        p.error(f"--shape expects B,H,S,D as four positive integers, got '{args.shape}'")
    args.dims = dims
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


class Bench:
    def __init__(self, torch, args):
        self.torch = torch
        self.args = args
        props = torch.cuda.get_device_properties(0)
        self.l2_bytes = int(getattr(props, "L2_cache_size", 0) or 0)
        flush_bytes = max(2 * self.l2_bytes, 1 << 20)
        self.flush_buf = None if args.no_flush else torch.empty(flush_bytes, dtype=torch.uint8, device="cuda")
        gen = torch.Generator(device="cuda").manual_seed(args.seed)
        self.qkv = [torch.randn(*args.dims, device="cuda", dtype=torch.float16, generator=gen) for _ in range(3)]
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

    def kernel_only(self, run):
        torch = self.torch
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                run()
        torch.cuda.current_stream().wait_stream(side)
        torch.cuda.synchronize()
        graph = torch.cuda.CUDAGraph()
        units = max(1, self.args.graph_launches)
        with torch.cuda.graph(graph):
            for _ in range(units):
                run()
        for _ in range(self.args.warmup):
            graph.replay()
        reps = self.reps(lambda: (self.flush(), graph.replay()))
        events = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(reps)]
        for start, end in events:
            self.flush()
            start.record()
            graph.replay()
            end.record()
        torch.cuda.synchronize()
        samples = [start.elapsed_time(end) * 1e3 / units for start, end in events]
        what = "one SDPA call" if units == 1 else f"{units} back-to-back SDPA calls, divided by {units}"
        method = (f"kernel-only: CUDA events around a CUDA-graph replay of {what}; "
                  f"{self.flush_text}; {reps} reps after {self.args.warmup} warm-up replays")
        return {"method": method, "samples_us": samples}

    def per_call(self, run):
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
        method = (f"per call: host wall clock from the eager call to the return of torch.cuda.synchronize(); "
                  f"{self.flush_text}; {reps} reps after {self.args.warmup} warm-up calls")
        return {"method": method, "samples_us": samples}

    def backend(self, attention, backend):
        from torch.nn.attention import sdpa_kernel
        with sdpa_kernel([backend]):
            return self.backend_selected(attention)

    def backend_selected(self, attention):
        """Times the backend sdpa_kernel has selected (the context is entered once, outside)."""
        torch = self.torch
        q, k, v = self.qkv

        def run():
            return torch.nn.functional.scaled_dot_product_attention(q, k, v)

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                run()
                torch.cuda.synchronize()
            except Exception as e:  # the backend cannot run this shape here
                notes = "; ".join(first_line(w.message) for w in caught)
                return unavailable(f"{attention} is not supported here: {first_line(e)}" + (f" ({notes})" if notes else ""))
        result = {"status": "ok", "call": self.per_call(run)}
        try:
            result["kernel"] = self.kernel_only(run)
        except Exception as e:
            result["kernel_error"] = f"CUDA-graph capture or replay failed: {first_line(e)}"
        return result


def main():
    args = parse_args()
    try:
        import torch
    except Exception as e:
        print(json.dumps(unavailable(f"torch is not importable: {first_line(e)}")))
        return 0
    if not torch.cuda.is_available():
        print(json.dumps(unavailable(f"torch {torch.__version__} sees no CUDA device (built for CUDA {torch.version.cuda})")))
        return 0
    try:
        from torch.nn.attention import SDPBackend, sdpa_kernel  # noqa: F401
    except Exception as e:
        print(json.dumps(unavailable(f"torch {torch.__version__} has no torch.nn.attention.sdpa_kernel: {first_line(e)}")))
        return 0
    bench = Bench(torch, args)
    out = {"status": "ok", "torch": torch.__version__, "cuda": torch.version.cuda,
           "device": torch.cuda.get_device_name(0), "l2_bytes": bench.l2_bytes, "backends": {}}
    for name, attr in BACKENDS:
        backend = getattr(SDPBackend, attr, None)
        if backend is None:
            out["backends"][name] = unavailable(f"torch {torch.__version__} has no SDPBackend.{attr}")
        else:
            out["backends"][name] = bench.backend(f"SDPBackend.{attr}", backend)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
