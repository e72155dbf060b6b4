#!/usr/bin/env python3
"""Times cuDNN's FP8 (e4m3) SDPA forward through the nvidia-cudnn-frontend package on the FP8
inputs evotune wrote, and writes its output back for evotune to check (baseline `cudnn_fp8`).

    python3 scripts/cudnn_fp8_bench.py --inputs DIR --shape B,H,S,D[,causal][,kv_heads=N][,kv_len=N] [--reps N ...]

DIR (written by `evotune baseline`) holds q.npy, k.npy and v.npy, the e4m3 codes of Q, K and V
as uint8 (Q [B, H, S, D], K and V [B, kv_heads, kv_len, D], D contiguous) (real value = decode(code) * descale), and inputs.json:
the shape, the three per-tensor descales, the softmax scale, scale_s (cuDNN multiplies P by it
before rounding P to e4m3) and scale_o (cuDNN multiplies O by it before rounding O to e4m3; on
Hopper cuDNN writes FP8 O only). The script builds the cudnn-frontend graph `sdpa_fp8` (BHSD,
is_inference=True, fp8 O; grouped heads by K's and V's head count; the causal mask aligned
bottom-right, as evotune's), runs it once with O poisoned (e4m3 NaN, 0x7F), and writes
DIR/o.npy: O dequantized (decode(code) / scale_o), float32 [B, H, S, D]. evotune checks it.

Prints one JSON object on stdout and exits 0, also when nothing can be measured:
  {"status": "unavailable", "reason": "..."}    torch, CUDA, torch's float8_e4m3fn, the
                                                 package, libcudnn or cuDNN's support missing
  {"status": "ok", "torch": ..., "cuda": ..., "cudnn_frontend": ..., "cudnn_backend": ...,
   "device": ..., "scale_s": ..., "scale_o": ..., "descale_o": ..., "amax_o": ...,
   "output": "o.npy", "kernel": {"method": ..., "samples_us": [...]},
   "call": {"method": ..., "samples_us": [...]}}
  ("kernel_error" in place of "kernel" when no kernel-only timing could be taken; with
  --warm-launches N also "warm_kernel", or "warm_error")

Timing as scripts/torch_sdpa_bench.py times PyTorch, L2 flushed (a memset of 2x the L2 size, or
as --flush says) before every repetition and outside the timed region unless --flush none:
  kernel: CUDA events around the replay of a CUDA graph holding --graph-launches executes
          (1 by default), divided by their number; where cuDNN's execute cannot be captured,
          CUDA events around that many back-to-back executes (the method says which);
  call:   host wall clock from graph.execute() to the return of torch.cuda.synchronize().
Repetitions: at least --reps, more for short calls so that each timing takes about
--target-seconds, at most --max-reps. evotune computes the statistics from the samples.
The .npy files are read and written here (no numpy needed; a little-endian host).
"""
import argparse
import json
import os
import sys

try:  # run as a file: the protocol module beside it
    from bench_protocol import Protocol, add_timing_arguments, first_line, parse_timing_args, unavailable
except ImportError:  # fed on stdin by evotune, after bench_protocol.py's text
    pass

DESCRIPTION = "Times cuDNN's FP8 SDPA forward on evotune's FP8 inputs and writes its output back"
E4M3_NAN = 0x7F
SCALARS = ("descale_q", "descale_k", "descale_v", "descale_s", "scale_s", "scale_o")


def parse_args():
    p = argparse.ArgumentParser(description=DESCRIPTION)
    p.add_argument("--inputs", required=True, help="the folder evotune wrote")
    add_timing_arguments(p)
    return parse_timing_args(p)


def read_spec(args):
    """inputs.json, checked against --shape."""
    with open(os.path.join(args.inputs, "inputs.json")) as f:
        spec = json.load(f)
    if list(spec["shape"]) != args.dims:
        raise ValueError(f"inputs.json is for shape {spec['shape']}, --shape is {args.dims}")
    return spec


def contiguous(dims):
    """Strides of a C-order tensor of `dims`."""
    b, h, s, d = dims
    return [h * s * d, s * d, d, 1]


class Sdpa:
    """The sdpa_fp8 graph on evotune's inputs, with every buffer it reads and writes."""

    def __init__(self, torch, cudnn, args, spec):
        """Builds the graph (cuDNN says here when it cannot run the problem); `bind` next."""
        self.torch, self.cudnn = torch, cudnn
        self.dims, self.kv_dims, self.causal = args.dims, args.kv_dims, args.causal
        self.scale_o = float(spec["scale_o"])
        self.handle = cudnn.create_handle()
        self.use_current_stream()
        self.build(spec)

    def use_current_stream(self):
        self.cudnn.set_stream(self.handle, self.torch.cuda.current_stream().cuda_stream)

    def build(self, spec):
        cudnn = self.cudnn
        fp8, f32 = cudnn.data_type.FP8_E4M3, cudnn.data_type.FLOAT
        stride, kv_stride = contiguous(self.dims), contiguous(self.kv_dims)
        one = dict(dim=[1, 1, 1, 1], stride=[1, 1, 1, 1], data_type=f32)
        g = cudnn.pygraph(io_data_type=fp8, intermediate_data_type=f32, compute_data_type=f32, handle=self.handle)
        self.q = g.tensor(name="Q", dim=self.dims, stride=stride, data_type=fp8)
        self.k, self.v = (g.tensor(name=n, dim=self.kv_dims, stride=kv_stride, data_type=fp8) for n in "KV")
        self.scalars = {n: g.tensor(name=n, **one) for n in SCALARS}
        self.o, _, self.amax_s, self.amax_o = g.sdpa_fp8(
            q=self.q, k=self.k, v=self.v, **self.scalars, is_inference=True,
            attn_scale=float(spec["softmax_scale"]), **self.mask(), name="sdpa_fp8")
        self.o.set_output(True).set_dim(self.dims).set_stride(stride).set_data_type(fp8)
        for amax in (self.amax_s, self.amax_o):
            amax.set_output(True).set_dim([1, 1, 1, 1]).set_stride([1, 1, 1, 1]).set_data_type(f32)
        g.validate()
        g.build_operation_graph()
        g.create_execution_plans([cudnn.heur_mode.A, cudnn.heur_mode.FALLBACK])
        g.check_support()
        g.build_plans()
        self.graph = g

    def mask(self):
        """sdpa_fp8's mask keywords: the causal mask aligned bottom-right (top-left and
        bottom-right agree when S = kv_len)."""
        if not self.causal:
            return {"use_causal_mask": False}
        if self.dims[2] == self.kv_dims[2]:
            return {"use_causal_mask": True}
        return {"use_causal_mask_bottom_right": True}

    def bind(self, folder, spec):
        """Loads the codes to the GPU and allocates O, the amax outputs and the workspace."""
        torch = self.torch

        def codes(name, dims):
            raw = read_npy(os.path.join(folder, f"{name}.npy"), ("|u1", "<u1"), dims)
            return torch.frombuffer(raw, dtype=torch.uint8).reshape(dims).cuda().view(torch.float8_e4m3fn)

        def scalar(value):
            return torch.full((1, 1, 1, 1), float(value), dtype=torch.float32, device="cuda")

        values = {"descale_q": spec["q_descale"], "descale_k": spec["k_descale"], "descale_v": spec["v_descale"],
                  "descale_s": 1.0 / spec["scale_s"], "scale_s": spec["scale_s"], "scale_o": spec["scale_o"]}
        self.out = torch.empty(self.dims, dtype=torch.float8_e4m3fn, device="cuda")
        self.amax = [scalar(0.0), scalar(0.0)]
        self.pack = {self.q: codes("q", self.dims), self.k: codes("k", self.kv_dims),
                     self.v: codes("v", self.kv_dims), self.o: self.out,
                     self.amax_s: self.amax[0], self.amax_o: self.amax[1]}
        self.pack.update({self.scalars[n]: scalar(values[n]) for n in SCALARS})
        size = self.graph.get_workspace_size()
        self.workspace = torch.empty(max(size, 1), dtype=torch.uint8, device="cuda")

    def execute(self):
        """Enqueues one forward on torch's current stream."""
        self.use_current_stream()
        self.graph.execute(self.pack, self.workspace, handle=self.handle)

    def checked_run(self, path):
        """Runs once with O poisoned, writes O dequantized to `path`, returns cuDNN's amax_O."""
        torch = self.torch
        self.out.view(torch.uint8).fill_(E4M3_NAN)
        self.execute()
        torch.cuda.synchronize()
        o = (self.out.to(torch.float32) * (1.0 / self.scale_o)).cpu().contiguous()
        write_f32(path, o)
        return float(self.amax[1].item())


class Timer(Protocol):
    """The shared timing protocol (bench_protocol.py), for one graph execute."""

    def per_call(self, sdpa):
        return super().per_call(sdpa.execute, "graph.execute()")

    def captured(self, sdpa):
        """A CUDA graph of the executes, captured on the side stream the warm-up ran on: cuDNN's
        handle is on that stream before the capture begins, so no cudnnSetStream happens while
        capturing."""
        try:
            return super().captured(sdpa.execute, stream="side")
        finally:
            sdpa.use_current_stream()

    def kernel_only(self, sdpa):
        what = self.described("sdpa_fp8 execute")
        try:
            graph = self.captured(sdpa)
            launch, how, warm = graph.replay, f"a CUDA-graph replay of {what}", "warm-up replays"
        except Exception as e:
            self.torch.cuda.synchronize()

            def launch():
                for _ in range(self.units()):
                    sdpa.execute()
            how = f"{what} enqueued directly (CUDA-graph capture of cuDNN's execute failed: {first_line(e)})"
            warm = "warm-up rounds"
        return super().kernel_only(launch, how, warm)


def environment():
    """torch and cudnn-frontend, imported in that order, or the reason they cannot be used."""
    try:
        import torch
    except Exception as e:
        return None, None, f"torch is not importable: {first_line(e)}"
    if not torch.cuda.is_available():
        return None, None, f"torch {torch.__version__} sees no CUDA device (built for CUDA {torch.version.cuda})"
    if not hasattr(torch, "float8_e4m3fn"):
        return None, None, f"torch {torch.__version__} has no float8_e4m3fn dtype (2.1 or later has)"
    # torch's own libcudnn is loaded first, so that cudnn-frontend finds it already in the process.
    torch.backends.cudnn.version()
    try:
        import cudnn
    except Exception as e:
        return None, None, (f"nvidia-cudnn-frontend is not importable (pip install nvidia-cudnn-frontend, "
                            f"or the wheel: see README): {first_line(e)}")
    try:
        cudnn.backend_version()
    except Exception as e:
        return None, None, f"cudnn-frontend {cudnn.__version__} finds no libcudnn: {first_line(e)}"
    return torch, cudnn, None


def measure(torch, cudnn, args, spec):
    """Builds, checks and times the graph; the answer, measured or unavailable."""
    cc = "sm_%d%d" % torch.cuda.get_device_capability(0)
    device = torch.cuda.get_device_name(0)
    try:
        sdpa = Sdpa(torch, cudnn, args, spec)
    except Exception as e:
        return unavailable(f"cuDNN {cudnn.backend_version_string()} cannot build sdpa_fp8 for this problem on {device} ({cc}): {first_line(e)}")
    try:
        sdpa.bind(args.inputs, spec)
    except Exception as e:
        return unavailable(f"cannot load evotune's inputs from {args.inputs}: {first_line(e)}")
    try:
        amax_o = sdpa.checked_run(os.path.join(args.inputs, spec["output"]))
    except Exception as e:
        return unavailable(f"cuDNN's sdpa_fp8 failed to run on {device} ({cc}): {first_line(e)}")
    timer = Timer(torch, args)
    out = {"status": "ok", "torch": torch.__version__, "cuda": torch.version.cuda,
           "cudnn_frontend": cudnn.__version__, "cudnn_backend": cudnn.backend_version_string(),
           "device": device, "l2_bytes": timer.l2_bytes, "scale_s": spec["scale_s"],
           "scale_o": spec["scale_o"], "descale_o": 1.0 / spec["scale_o"], "amax_o": amax_o,
           "output": spec["output"], "call": timer.per_call(sdpa)}
    out.update(timer.kernel_timings(lambda: timer.kernel_only(sdpa), "kernel-only timing failed"))
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
    torch, cudnn, why = environment()
    print(json.dumps(unavailable(why) if why else measure(torch, cudnn, args, spec)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
