"""evotune's tuned FP8 (e4m3) attention and GEMM kernels, called on PyTorch tensors.

    import evotune_kernels
    o = evotune_kernels.sdpa_fp8(q, k, v, q_descale, k_descale, v_descale, causal=True)
    d = evotune_kernels.gemm_fp8(a, b_t, scale_a, scale_b, alpha=1.0, bias=None)

The kernels are the cubins of an `evotune export` folder (DIR/kernels/), chosen through its
dispatch table (DIR/dispatch.json) and launched with NVIDIA's cuda-python driver bindings on
PyTorch's current stream. Importing this package needs neither torch nor the bindings nor a
GPU (the table can be read and queried anywhere); launching a kernel needs all three.
README.md beside this file says more.
"""

import ctypes
import math
import threading

from .gemm_table import GemmProblem
from .table import Choice, NoKernel, Problem, Table

__all__ = ["Choice", "GemmProblem", "Kernels", "NoKernel", "Problem", "Table", "gemm_fp8", "load",
           "sdpa_fp8"]


class Kernels:
    """One export folder's table, and the driver state of the kernels launched from it."""

    def __init__(self, folder=None):
        self.table = Table.load(folder)
        self._driver = None
        self._lock = threading.Lock()
        self.split_buffers = None

    def choose(self, problem):
        """The kernel for a `Problem` (see Table.choose)."""
        return self.table.choose(problem)

    def choose_gemm(self, problem):
        """The GEMM kernel for a `GemmProblem` (see Table.choose_gemm)."""
        return self.table.choose_gemm(problem)

    def driver(self):
        """The CUDA driver (cuda-python), set up on first use."""
        with self._lock:
            if self._driver is None:
                from .driver import Driver
                from .gemm_launch import SplitBuffers
                self._driver = Driver()
                self.split_buffers = SplitBuffers()
            return self._driver

    def sdpa_fp8(self, q, k, v, q_descale, k_descale, v_descale, causal=False,
                 softmax_scale=None):
        """softmax(softmax_scale * Q K^T) V over the dequantized inputs, as fp16 [B, H, S, D].

        q [B, H, S, D], k and v [B, Hkv, S_kv, D]: torch.float8_e4m3fn, contiguous, on one CUDA
        device; the real values are code * descale. The descales are Python floats or
        one-element tensors (a CUDA tensor is read back, which waits for its stream).
        `causal` masks key j for query row i when j > i + S_kv - S (aligned bottom-right);
        query head h reads key/value head h // (H // Hkv). softmax_scale defaults to
        1/sqrt(D). Runs on torch's current stream; raises NoKernel when the table has no
        kernel for the problem.
        """
        import torch

        p = problem_of(torch, q, k, v, causal)
        choice = self.table.choose(p)
        scale = 1.0 / math.sqrt(p.d) if softmax_scale is None else float(softmax_scale)
        descales = [scalar(x, name) for x, name in
                    ((q_descale, "q_descale"), (k_descale, "k_descale"), (v_descale, "v_descale"))]
        o = torch.empty(q.shape, dtype=torch.float16, device=q.device)
        with torch.cuda.device(q.device):
            self._launch(torch, choice, p, (q, k, v, o), descales + [scale])
        return o

    def gemm_fp8(self, a, b_t, scale_a=1.0, scale_b=1.0, alpha=1.0, bias=None):
        """alpha * scale_a * scale_b * a @ b_t.T + bias over the e4m3 codes, as fp16 [M, N].

        a [M, K] and b_t [N, K] (row n of b_t is column n of B): torch.float8_e4m3fn on one
        CUDA device, any strides (rows that are not contiguous 16-byte multiples are copied
        into zero-padded rows first); scale_a, scale_b and alpha are Python floats or
        one-element tensors; bias is None or a float32 tensor [N] added to every row. Runs on
        torch's current stream; raises NoKernel when the table has no GEMM kernel for it.
        """
        import torch

        from . import gemm_launch

        p = gemm_launch.problem_of(torch, a, b_t, bias)
        choice = self.table.choose_gemm(p)
        factor = 1.0
        for x, name in ((alpha, "alpha"), (scale_a, "scale_a"), (scale_b, "scale_b")):
            factor *= scalar(x, name)
        bias = None if bias is None else bias.contiguous()
        d = torch.empty((p.m, p.n), dtype=torch.float16, device=a.device)
        with torch.cuda.device(a.device):
            check_device(torch, a.device, self.table.data["arch"])
            drv = self.driver()
            drv.make_current(a.device.index)
            gemm_launch.launch(torch, drv, self, choice, p, (a, b_t, d, bias), factor)
        return d

    def _launch(self, torch, choice, p, tensors, floats):
        e = choice.entry
        device = tensors[0].device
        check_device(torch, device, self.table.data["arch"])
        drv = self.driver()
        drv.make_current(device.index)
        _, func = drv.function(e, self.table.root, device.index)
        sms = torch.cuda.get_device_properties(device).multi_processor_count
        launch = {"grid": self.table.grid_for(choice, p, sms), "block": e["block"],
                  "smem_bytes": e["smem_bytes"]}
        args = self._qkv(drv, e, p, tensors[:3]) + [ctypes.c_uint64(tensors[3].data_ptr())]
        args += [ctypes.c_float(x) for x in floats]
        ints = (p.s, p.d, p.b * p.h, p.kv_len, p.h // p.kv_heads, int(p.causal))
        args += [ctypes.c_int(x) for x in ints]
        stream = torch.cuda.current_stream(device).cuda_stream
        drv.launch(func, launch, args, stream, e["id"])

    @staticmethod
    def _qkv(drv, e, p, qkv):
        q, k, v = qkv
        if e["args"] == "pointers":
            return [ctypes.c_uint64(t.data_ptr()) for t in qkv]
        tma = e["tma"]
        return [drv.tensor_map(q.data_ptr(), p.d, p.s, p.b * p.h, tma["swizzle"], tma["q_rows"]),
                drv.tensor_map(k.data_ptr(), p.d, p.kv_len, p.b * p.kv_heads, tma["swizzle"],
                               tma["kv_rows"]),
                drv.tensor_map(v.data_ptr(), p.d, p.kv_len, p.b * p.kv_heads, tma["swizzle"],
                               tma["kv_rows"])]


def problem_of(torch, q, k, v, causal):
    """The Problem of q, k, v; ValueError naming the tensor and what is wrong."""
    fp8 = getattr(torch, "float8_e4m3fn", None)
    if fp8 is None:
        raise ValueError("this torch has no float8_e4m3fn (torch 2.1 or later has it)")
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
        if t.dtype != fp8 or not t.is_cuda or t.dim() != 4 or not t.is_contiguous():
            raise ValueError(f"{name} must be a contiguous 4-d torch.float8_e4m3fn CUDA tensor, "
                             f"got {t.dtype} {tuple(t.shape)} on {t.device}"
                             f"{'' if t.is_contiguous() else ', not contiguous'}")
        if t.device != q.device:
            raise ValueError(f"{name} is on {t.device}, q on {q.device}")
        if t.data_ptr() % 16:
            raise ValueError(f"{name}'s data must be 16-byte aligned (a view at an offset?)")
    b, h, s, d = q.shape
    if k.shape != v.shape or k.shape[0] != b or k.shape[3] != d:
        raise ValueError(f"k and v must be [B, Hkv, S_kv, D] with q's B = {b} and D = {d}; "
                         f"got k {tuple(k.shape)}, v {tuple(v.shape)}")
    hkv, skv = k.shape[1], k.shape[2]
    if hkv == 0 or h % hkv:
        raise ValueError(f"k's {hkv} heads must divide q's {h}")
    if causal and skv < s:
        raise ValueError(f"causal attention needs at least S = {s} keys, k has {skv}")
    return Problem(b, h, s, d, bool(causal), hkv, skv)


def scalar(x, name):
    """A descale as a Python float: from a float, or a one-element tensor."""
    if hasattr(x, "numel"):
        if x.numel() != 1:
            raise ValueError(f"{name} must be one number, got a tensor of {x.numel()}")
        return float(x.reshape(()).item())
    return float(x)


def check_device(torch, device, arch):
    """ValueError unless the device can run cubins built for `arch` (sm_90a: exactly 9.0)."""
    major, minor = torch.cuda.get_device_capability(device)
    digits = arch.removeprefix("sm_").rstrip("a")
    want = (int(digits[:-1]), int(digits[-1]))
    specific = arch.endswith("a")
    if (major, minor) == want or (not specific and major == want[0] and minor >= want[1]):
        return
    raise ValueError(f"the kernels were compiled for {arch}; {device} "
                     f"({torch.cuda.get_device_name(device)}) is sm_{major}{minor}")


_default = None
_default_lock = threading.Lock()


def load(folder=None):
    """The kernels of an export folder (default: the one this package lies in, or
    $EVOTUNE_KERNELS_DIR)."""
    return Kernels(folder)


def _default_kernels():
    """The kernels of the default export folder, loaded on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Kernels()
        return _default


def sdpa_fp8(q, k, v, q_descale, k_descale, v_descale, causal=False, softmax_scale=None):
    """Kernels.sdpa_fp8 with the default export folder's kernels."""
    return _default_kernels().sdpa_fp8(q, k, v, q_descale, k_descale, v_descale, causal=causal,
                                       softmax_scale=softmax_scale)


def gemm_fp8(a, b_t, scale_a=1.0, scale_b=1.0, alpha=1.0, bias=None):
    """Kernels.gemm_fp8 with the default export folder's kernels."""
    return _default_kernels().gemm_fp8(a, b_t, scale_a=scale_a, scale_b=scale_b, alpha=alpha,
                                       bias=bias)
