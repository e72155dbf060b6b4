"""Launching an exported GEMM kernel on PyTorch tensors, by the GEMM kernel contract
(kernel_templates/gemm_fp8_wgmma.cu.tera in evotune's repository; dispatch.h repeats it).

The operands become rows of P = K rounded up to 16 bytes (a copy into zero-padded rows where
they are not already so), each described by a rank-3 tensor map; the grid and the split-K
buffers follow the actual M, N, K and the device's SM count; the kernel runs on torch's current
stream, with cuLaunchKernelEx and the cluster-dimension attribute when its CTAs run in
clusters. Imported only when a kernel is launched (it needs torch at call time).
"""

import ctypes
import threading

from . import gemm_table
from .gemm_table import GemmProblem


def problem_of(torch, a, b_t, bias):
    """The GemmProblem of a [M, K] and b_t [N, K]; ValueError naming what is wrong."""
    fp8 = getattr(torch, "float8_e4m3fn", None)
    if fp8 is None:
        raise ValueError("this torch has no float8_e4m3fn (torch 2.1 or later has it)")
    for name, t in (("a", a), ("b_t", b_t)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
        if t.dtype != fp8 or not t.is_cuda or t.dim() != 2:
            raise ValueError(f"{name} must be a 2-d torch.float8_e4m3fn CUDA tensor, "
                             f"got {t.dtype} {tuple(t.shape)} on {t.device}")
    if b_t.device != a.device:
        raise ValueError(f"b_t is on {b_t.device}, a on {a.device}")
    (m, k), (n, k_b) = a.shape, b_t.shape
    if k != k_b:
        raise ValueError(f"a [M, K] and b_t [N, K] must share K; got a {tuple(a.shape)}, "
                         f"b_t {tuple(b_t.shape)}")
    if min(m, n, k) == 0:
        raise ValueError(f"M, N and K must be positive; got {m}, {n}, {k}")
    if bias is not None and (not isinstance(bias, torch.Tensor) or bias.dtype != torch.float32
                             or bias.device != a.device or tuple(bias.shape) != (n,)):
        got = (f"{bias.dtype} {tuple(bias.shape)} on {bias.device}"
               if isinstance(bias, torch.Tensor) else type(bias).__name__)
        raise ValueError(f"bias must be None or a float32 tensor [N] = [{n}] on {a.device}, "
                         f"got {got}")
    return GemmProblem(m, n, k)


def operand(torch, t, pitch):
    """t's codes as the kernel reads them: t itself when it is contiguous rows of `pitch` bytes
    (K a multiple of 16) at a 16-byte aligned address, else a copy into zero-padded rows of
    `pitch` bytes."""
    rows, k = t.shape
    if k == pitch and t.is_contiguous() and t.data_ptr() % 16 == 0:
        return t
    padded = torch.zeros((rows, pitch), dtype=torch.uint8, device=t.device)
    padded[:, :k].copy_(t.view(torch.uint8))
    return padded


class SplitBuffers:
    """The split-K workspace and counters of each (device, stream, kernel), zeroed once when
    allocated and grown when a problem has more tiles (a larger buffer serves fewer tiles).
    Launches on one stream run in order and each leaves its counters zero, so a stream's
    buffers serve all its launches; two streams never share them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._buffers = {}

    def pointers(self, torch, device, stream, entry, floats, counters):
        """Device addresses of a workspace of at least `floats` floats and of at least
        `counters` zeroed counters (0, 0 when the kernel splits no K)."""
        if floats == 0:
            return 0, 0
        key = (device.index, stream, entry["id"])
        with self._lock:
            have = self._buffers.get(key)
            if have is None or have[0].numel() < floats or have[1].numel() < counters:
                have = (torch.zeros(floats, dtype=torch.float32, device=device),
                        torch.zeros(counters, dtype=torch.int32, device=device))
                self._buffers[key] = have
        return have[0].data_ptr(), have[1].data_ptr()


def launch(torch, drv, kernels, choice, p, tensors, alpha):
    """Launches the chosen kernel on a, b_t into d, with bias (or None) and the product's
    scale `alpha`, on torch's current stream of a's device (its context current)."""
    a, b_t, d, bias = tensors
    e, device = choice.entry, a.device
    _, func = drv.function(e, kernels.table.root, device.index)
    sms = torch.cuda.get_device_properties(device).multi_processor_count
    grid, floats, counters = gemm_table.launch_sizes(e, p, sms)
    width = gemm_table.pitch(p.k)
    rows_a, rows_b = operand(torch, a, width), operand(torch, b_t, width)
    tma = e["tma"]
    maps = [drv.tensor_map(t.data_ptr(), p.k, rows, 1, tma["swizzle"], box, pitch=width)
            for t, rows, box in ((rows_a, p.m, tma["a_rows"]), (rows_b, p.n, tma["b_rows"]))]
    stream = torch.cuda.current_stream(device).cuda_stream
    workspace, count = kernels.split_buffers.pointers(torch, device, stream, e, floats, counters)
    pointers = (d.data_ptr(), 0 if bias is None else bias.data_ptr(), workspace, count)
    args = maps + [ctypes.c_uint64(x) for x in pointers] + [ctypes.c_float(alpha)]
    args += [ctypes.c_int(x) for x in (p.m, p.n, p.k)]
    geometry = {"grid": grid, "block": e["block"], "smem_bytes": e["smem_bytes"]}
    if e["cluster"][0] * e["cluster"][1] * e["cluster"][2] > 1:
        drv.launch_cluster(func, geometry, e["cluster"], args, stream, e["id"])
    else:
        drv.launch(func, geometry, args, stream, e["id"])
