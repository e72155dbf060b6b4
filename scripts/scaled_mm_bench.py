#!/usr/bin/env python3
"""Times PyTorch's torch._scaled_mm (cuBLASLt's FP8 matmul behind PyTorch's dispatch) on the FP8
GEMM inputs evotune wrote, and writes its output back for evotune to check (baseline `scaled_mm`).

    python3 scripts/scaled_mm_bench.py --inputs DIR --gemm M,N,K [--reps N ...]

DIR (written by `evotune baseline --gemm`) holds a.npy and b.npy, the e4m3 codes of A [M, K] and
B^T [N, K] as uint8, K contiguous (real value = decode(code) * descale), bias.npy (float32 [N])
and inputs.json: the problem, the two descales and the product's scale 1/sqrt(K). The call is

    torch._scaled_mm(A, Bt.t(), scale_a=a_descale * scale, scale_b=b_descale,
                     bias=bias in fp16, out_dtype=torch.float16)

(_scaled_mm takes its second operand column-major, which Bt.t() is; PyTorch takes the bias of an
fp16 output in fp16). It runs once, and its output goes to DIR/d.npy, float32 [M, N], for
evotune to check.

Prints one JSON object on stdout and exits 0, also when nothing can be measured:
  {"status": "unavailable", "reason": "..."}    torch, CUDA, float8_e4m3fn, _scaled_mm, an FP8
                                                 GPU (sm_89 or later) or support for the problem
                                                 missing
  {"status": "ok", "torch": ..., "cuda": ..., "device": ..., "output": "d.npy",
   "kernel": {"method": ..., "samples_us": [...]}, "call": {"method": ..., "samples_us": [...]}}
  ("kernel_error" in place of "kernel" when no kernel-only timing could be taken; with
  --warm-launches N also "warm_kernel", or "warm_error")

Timing as scripts/torch_sdpa_bench.py times PyTorch (scripts/bench_protocol.py), L2 flushed
before every repetition and outside the timed region unless --flush none:
  kernel: CUDA events around the replay of a CUDA graph holding --graph-launches calls (1 by
          default), divided by their number;
  call:   host wall clock from the eager call to the return of torch.cuda.synchronize().
The .npy files are read and written here (no numpy needed; a little-endian host).
"""
import argparse
import json
import os
import sys

try:  # run as a file: the protocol module beside it
    from bench_protocol import Protocol, add_protocol_arguments, first_line, unavailable
except ImportError:  # fed on stdin by evotune, after bench_protocol.py's text
    pass

DESCRIPTION = "Times torch._scaled_mm on evotune's FP8 GEMM inputs and writes its output back"
U8 = ("|u1", "<u1")
F32 = ("<f4",)


def parse_args():
    p = argparse.ArgumentParser(description=DESCRIPTION)
    p.add_argument("--inputs", required=True, help="the folder evotune wrote")
    p.add_argument("--gemm", required=True, help="M,N,K")
    add_protocol_arguments(p)
    args = p.parse_args()
    try:
        args.mnk = [int(x) for x in args.gemm.split(",")]
    except ValueError:
        args.mnk = []
    if len(args.mnk) != 3 or min(args.mnk) < 1:
        p.error(f"--gemm expects M,N,K as three positive integers, got '{args.gemm}'")
    return args


def read_spec(args):
    """inputs.json, checked against --gemm."""
    with open(os.path.join(args.inputs, "inputs.json")) as f:
        spec = json.load(f)
    if [spec["m"], spec["n"], spec["k"]] != args.mnk:
        raise ValueError(f"inputs.json is for {spec['m']},{spec['n']},{spec['k']}, --gemm is {args.gemm}")
    return spec


class ScaledMm:
    """The call and every tensor it reads, on the GPU."""

    def __init__(self, torch, folder, spec):
        m, n, k = spec["m"], spec["n"], spec["k"]

        def load(name, descrs, dims, dtype):
            raw = read_npy(os.path.join(folder, spec["files"][name]), descrs, dims)
            return torch.frombuffer(raw, dtype=dtype).reshape(dims).cuda()

        def scalar(value):
            return torch.tensor(float(value), dtype=torch.float32, device="cuda")

        self.torch = torch
        self.a = load("a", U8, [m, k], torch.uint8).view(torch.float8_e4m3fn)
        self.bt = load("b", U8, [n, k], torch.uint8).view(torch.float8_e4m3fn)
        self.bias = load("bias", F32, [n], torch.float32).to(torch.float16)
        self.scale_a = scalar(spec["a_descale"] * spec["scale"])
        self.scale_b = scalar(spec["b_descale"])

    def run(self):
        """One call; returns D (older torch returns (D, amax))."""
        out = self.torch._scaled_mm(self.a, self.bt.t(), scale_a=self.scale_a, scale_b=self.scale_b,
                                    bias=self.bias, out_dtype=self.torch.float16)
        return out[0] if isinstance(out, tuple) else out

    def checked_run(self, path):
        """Runs once and writes D as float32 to `path`."""
        d = self.run()
        self.torch.cuda.synchronize()
        write_f32(path, d.to(self.torch.float32).cpu().contiguous())


class Timer(Protocol):
    """The shared timing protocol (bench_protocol.py), for one _scaled_mm call."""

    def kernel_only(self, run):
        graph = self.captured(run)
        how = f"a CUDA-graph replay of {self.described('_scaled_mm call')}"
        return super().kernel_only(graph.replay, how, "warm-up replays")


def environment():
    """torch, or the reason it cannot run an FP8 matmul here."""
    try:
        import torch
    except Exception as e:
        return None, f"torch is not importable: {first_line(e)}"
    if not torch.cuda.is_available():
        return None, f"torch {torch.__version__} sees no CUDA device (built for CUDA {torch.version.cuda})"
    if not hasattr(torch, "float8_e4m3fn") or not hasattr(torch, "_scaled_mm"):
        return None, f"torch {torch.__version__} has no float8_e4m3fn or _scaled_mm (2.1 or later has)"
    major, minor = torch.cuda.get_device_capability(0)
    if (major, minor) < (8, 9):
        return None, (f"{torch.cuda.get_device_name(0)} (sm_{major}{minor}) has no FP8 tensor cores: "
                      f"_scaled_mm needs sm_89 or later")
    return torch, None


def measure(torch, args, spec):
    """Loads, checks and times the call; the answer, measured or unavailable."""
    cc = "sm_%d%d" % torch.cuda.get_device_capability(0)
    device = torch.cuda.get_device_name(0)
    try:
        mm = ScaledMm(torch, args.inputs, spec)
    except Exception as e:
        return unavailable(f"cannot load evotune's inputs from {args.inputs}: {first_line(e)}")
    try:
        mm.checked_run(os.path.join(args.inputs, spec["output"]))
    except Exception as e:
        return unavailable(f"torch {torch.__version__} _scaled_mm cannot run {args.gemm} on {device} ({cc}): {first_line(e)}")
    timer = Timer(torch, args)
    out = {"status": "ok", "torch": torch.__version__, "cuda": torch.version.cuda, "device": device,
           "l2_bytes": timer.l2_bytes, "output": spec["output"], "call": timer.per_call(mm.run, "the eager call")}
    out.update(timer.kernel_timings(lambda: timer.kernel_only(mm.run), "CUDA-graph capture or replay failed"))
    return out


def main():
    args = parse_args()
    try:
        spec = read_spec(args)
    except Exception as e:
        print(json.dumps(unavailable(f"cannot read {args.inputs}/inputs.json: {first_line(e)}")))
        return 0
    if sys.byteorder != "little":
        print(json.dumps(unavailable("the .npy exchange assumes a little-endian host")))
        return 0
    torch, why = environment()
    print(json.dumps(unavailable(why) if why else measure(torch, args, spec)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
