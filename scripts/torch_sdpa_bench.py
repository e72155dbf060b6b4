#!/usr/bin/env python3
"""Times PyTorch SDPA in fp16 with the FLASH_ATTENTION and CUDNN_ATTENTION backends (baseline B)
and with the MATH backend (PyTorch's own unfused path, for comparison with evotune's baseline A).

    python3 scripts/torch_sdpa_bench.py --shape B,H,S,D[,causal][,kv_heads=N][,kv_len=N] --reps N

Prints one JSON object on stdout and exits 0, also when nothing can be measured:
  {"status": "unavailable", "reason": "..."}                       torch or CUDA missing
  {"status": "ok", "torch": ..., "device": ..., "backends": {
      "flash": {"status": "ok", "kernel": {"method": ..., "samples_us": [...]},
                "call": {"method": ..., "samples_us": [...]}},
      "cudnn": {"status": "unavailable", "reason": "..."}}}

Two timings per backend, L2 flushed (a memset of 2x the L2 size, or as --flush says) before
every repetition and outside the timed region:
  kernel: CUDA events around the replay of a CUDA graph holding one SDPA call;
  call:   host wall clock (perf_counter) from the eager call to torch.cuda.synchronize();
and with --warm-launches N a third, "warm_kernel": the kernel timing with L2 not flushed and N
calls per graph ("warm_error" when it failed).
Repetitions: at least --reps, more for short calls so that each timing takes about
--target-seconds, at most --max-reps (evotune passes its own values). Inputs are N(0,1), fp16,
Q [B, H, S, D] and K, V [B, kv_heads, kv_len, D], drawn with --seed; grouped heads go through
enable_gqa, and the causal mask is aligned bottom-right: is_causal where S = kv_len, else
torch.nn.attention.bias.causal_lower_right. evotune computes the statistics from the samples.
"""
import argparse
import json
import sys
import warnings

try:  # run as a file: the protocol module beside it
    from bench_protocol import Protocol, add_timing_arguments, first_line, parse_timing_args, unavailable
except ImportError:  # fed on stdin by evotune, after bench_protocol.py's text
    pass

DESCRIPTION = "Times PyTorch SDPA in fp16 (flash, cuDNN and math backends)"
BACKENDS = (("flash", "FLASH_ATTENTION"), ("cudnn", "CUDNN_ATTENTION"), ("torch_math", "MATH"))


def parse_args():
    p = argparse.ArgumentParser(description=DESCRIPTION)
    add_timing_arguments(p)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--backends", default=",".join(name for name, _ in BACKENDS),
                   help="the backends to time, by record name, comma-separated (default: all)")
    return parse_timing_args(p)


class Bench(Protocol):
    def __init__(self, torch, args):
        super().__init__(torch, args)
        gen = torch.Generator(device="cuda").manual_seed(args.seed)
        self.qkv = [torch.randn(*dims, device="cuda", dtype=torch.float16, generator=gen)
                    for dims in (args.dims, args.kv_dims, args.kv_dims)]
        self.options = sdpa_options(torch, args)

    def kernel_only(self, run):
        graph = self.captured(run)
        how = f"a CUDA-graph replay of {self.described('SDPA call')}"
        return super().kernel_only(graph.replay, how, "warm-up replays")

    def backend(self, attention, backend):
        from torch.nn.attention import sdpa_kernel
        with sdpa_kernel([backend]):
            return self.backend_selected(attention)

    def backend_selected(self, attention):
        """Times the backend sdpa_kernel has selected (the context is entered once, outside)."""
        torch = self.torch
        q, k, v = self.qkv

        def run():
            return torch.nn.functional.scaled_dot_product_attention(q, k, v, **self.options)

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                run()
                torch.cuda.synchronize()
            except Exception as e:  # the backend cannot run this shape here
                notes = "; ".join(first_line(w.message) for w in caught)
                return unavailable(f"{attention} is not supported here: {first_line(e)}" + (f" ({notes})" if notes else ""))
        result = {"status": "ok", "call": self.per_call(run, "the eager call")}
        result.update(self.kernel_timings(lambda: self.kernel_only(run), "CUDA-graph capture or replay failed"))
        return result


def sdpa_options(torch, args):
    """scaled_dot_product_attention's keywords for the problem: the mask aligned bottom-right
    (is_causal aligns it top-left, the same only when S = kv_len) and enable_gqa for grouped
    heads."""
    options = {}
    (s, s_kv), (h, h_kv) = (args.dims[2], args.kv_dims[2]), (args.dims[1], args.kv_dims[1])
    if args.causal and s == s_kv:
        options["is_causal"] = True
    elif args.causal:
        from torch.nn.attention.bias import causal_lower_right
        options["attn_mask"] = causal_lower_right(s, s_kv)
    if h != h_kv:
        options["enable_gqa"] = True
    return options


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
    chosen = args.backends.split(",")
    for name, attr in (b for b in BACKENDS if b[0] in chosen):
        backend = getattr(SDPBackend, attr, None)
        if backend is None:
            out["backends"][name] = unavailable(f"torch {torch.__version__} has no SDPBackend.{attr}")
        else:
            out["backends"][name] = bench.backend(f"SDPBackend.{attr}", backend)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
