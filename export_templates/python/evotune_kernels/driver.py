"""Launching exported cubins through the CUDA driver with NVIDIA's cuda-python bindings
(`cuda.bindings.driver`).

Imported only when a kernel is launched, so the table works without the bindings or a GPU.
The calls: cuModuleLoadData (the cubin), cuModuleGetFunction (the entry point),
cuFuncSetAttribute (the dynamic shared memory the kernel needs, above the 48 KB default),
cuTensorMapEncodeTiled (the TMA descriptors of the wgmma family and of the GEMM kernels),
cuLaunchKernel (on the stream the caller gives, PyTorch's current one), and cuLaunchKernelEx
with the cluster-dimension attribute for a GEMM kernel whose CTAs run in clusters. Modules are loaded once per device, into the
device's primary context, the one PyTorch uses.
"""

import ctypes
import threading

INSTALL_HINT = (
    "evotune_kernels launches its cubins with NVIDIA's cuda-python driver bindings "
    "(cuda.bindings.driver), which are not installed: pip install cuda-python, or "
    "cuda-bindings of the driver's CUDA major version")


def load_bindings():
    """NVIDIA's driver bindings: `cuda.bindings.driver` (cuda-python 12.6 and later), else the
    older `cuda.cuda`; ImportError with the install hint when neither is there."""
    try:
        from cuda.bindings import driver
    except ImportError:
        try:
            from cuda import cuda as driver
        except ImportError as e:
            raise ImportError(INSTALL_HINT) from e
    return driver


class CudaError(RuntimeError):
    """A CUDA driver call failed; the message names the call and the error."""


class Driver:
    """The driver, the modules loaded so far and the primary contexts retained."""

    def __init__(self):
        self.cu = load_bindings()
        self.check(self.cu.cuInit(0), "cuInit")
        self._contexts = {}
        self._functions = {}
        self._lock = threading.Lock()

    def check(self, result, what):
        """The values a call returned after its error code; CudaError unless it succeeded."""
        err, rest = (result[0], result[1:]) if isinstance(result, tuple) else (result, ())
        if err != self.cu.CUresult.CUDA_SUCCESS:
            raise CudaError(f"{what} failed: {self.error_name(err)}")
        return rest[0] if len(rest) == 1 else rest

    def error_name(self, err):
        """`CUDA_ERROR_...` for an error code."""
        try:
            _, name = self.cu.cuGetErrorName(err)
            return name.decode() if isinstance(name, bytes) else str(name)
        except Exception:  # the name is a courtesy; the code itself is still shown
            return str(err)

    def make_current(self, device_index):
        """Makes the primary context of the device current on this thread."""
        with self._lock:
            ctx = self._contexts.get(device_index)
            if ctx is None:
                dev = self.check(self.cu.cuDeviceGet(device_index), "cuDeviceGet")
                ctx = self.check(self.cu.cuDevicePrimaryCtxRetain(dev),
                                 "cuDevicePrimaryCtxRetain")
                self._contexts[device_index] = ctx
        current = self.check(self.cu.cuCtxGetCurrent(), "cuCtxGetCurrent")
        if int(current) != int(ctx):
            self.check(self.cu.cuCtxSetCurrent(ctx), "cuCtxSetCurrent")

    def function(self, entry, root, device_index):
        """The kernel of a table entry on a device, loaded on first use."""
        key = (device_index, entry["id"])
        with self._lock:
            if key not in self._functions:
                self._functions[key] = self._load(entry, root)
            return self._functions[key]

    def _load(self, entry, root):
        cu = self.cu
        image = (root / entry["cubin"]).read_bytes()
        buf = ctypes.create_string_buffer(image, len(image))
        module = self.check(cu.cuModuleLoadData(ctypes.addressof(buf)),
                            f"cuModuleLoadData({entry['cubin']})")
        func = self.check(cu.cuModuleGetFunction(module, entry["entry_point"].encode()),
                          f"cuModuleGetFunction({entry['entry_point']})")
        attr = cu.CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
        self.check(cu.cuFuncSetAttribute(func, attr, entry["smem_bytes"]),
                   f"cuFuncSetAttribute(max dynamic shared memory {entry['smem_bytes']})")
        return module, func

    def tensor_map(self, ptr, d, rows, heads, swizzle, box_rows, pitch=None):
        """A TMA descriptor over an e4m3 tensor [heads, rows, d] at `ptr` whose rows start
        `pitch` bytes apart (default d; a multiple of 16) (evotune's encoding: rank 3, dims
        (d, rows, heads), byte strides (pitch, rows*pitch), box (swizzle, box_rows, 1),
        swizzled, out-of-bounds elements read as zeros), as the kernel parameter's 128 bytes."""
        cu = self.cu
        u64, u32 = cu.cuuint64_t, cu.cuuint32_t
        modes = {32: cu.CUtensorMapSwizzle.CU_TENSOR_MAP_SWIZZLE_32B,
                 64: cu.CUtensorMapSwizzle.CU_TENSOR_MAP_SWIZZLE_64B,
                 128: cu.CUtensorMapSwizzle.CU_TENSOR_MAP_SWIZZLE_128B}
        pitch = d if pitch is None else pitch
        dims, strides = [d, rows, heads], [pitch, rows * pitch]
        box = [swizzle, box_rows, 1]
        tmap = self.check(cu.cuTensorMapEncodeTiled(
            cu.CUtensorMapDataType.CU_TENSOR_MAP_DATA_TYPE_UINT8, 3, ptr,
            [u64(x) for x in dims], [u64(x) for x in strides], [u32(x) for x in box],
            [u32(1)] * 3,
            cu.CUtensorMapInterleave.CU_TENSOR_MAP_INTERLEAVE_NONE, modes[swizzle],
            cu.CUtensorMapL2promotion.CU_TENSOR_MAP_L2_PROMOTION_L2_128B,
            cu.CUtensorMapFloatOOBfill.CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE),
            f"cuTensorMapEncodeTiled(dims {dims}, strides {strides}, box {box})")
        return (ctypes.c_ubyte * 128).from_buffer_copy(ctypes.string_at(int(tmap.getPtr()), 128))

    def launch(self, func, launch, args, stream, what):
        """cuLaunchKernel of `func` with `args` (ctypes values, in the contract's order) on the
        stream handle `stream`; `launch` gives grid, block and smem_bytes."""
        params = (ctypes.c_void_p * len(args))(*[ctypes.addressof(a) for a in args])
        gx, gy, gz = launch["grid"]
        bx, by, bz = launch["block"]
        self.check(self.cu.cuLaunchKernel(func, gx, gy, gz, bx, by, bz, launch["smem_bytes"],
                                          self.cu.CUstream(stream), ctypes.addressof(params), 0),
                   f"cuLaunchKernel({what}, grid {launch['grid']}, block {launch['block']}, "
                   f"smem {launch['smem_bytes']})")

    def launch_cluster(self, func, launch, cluster, args, stream, what):
        """cuLaunchKernelEx of `func` with `args` on the stream handle `stream`, its CTAs in
        clusters of `cluster` (x, y, z) (the CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION attribute);
        `launch` gives grid, block and smem_bytes."""
        cu = self.cu
        params = (ctypes.c_void_p * len(args))(*[ctypes.addressof(a) for a in args])
        attr = cu.CUlaunchAttribute()
        attr.id = cu.CUlaunchAttributeID.CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION
        attr.value.clusterDim.x, attr.value.clusterDim.y, attr.value.clusterDim.z = cluster
        config = cu.CUlaunchConfig()
        config.gridDimX, config.gridDimY, config.gridDimZ = launch["grid"]
        config.blockDimX, config.blockDimY, config.blockDimZ = launch["block"]
        config.sharedMemBytes = launch["smem_bytes"]
        config.hStream = cu.CUstream(stream)
        config.attrs = [attr]
        config.numAttrs = 1
        self.check(cu.cuLaunchKernelEx(config, func, ctypes.addressof(params), 0),
                   f"cuLaunchKernelEx({what}, grid {launch['grid']}, block {launch['block']}, "
                   f"smem {launch['smem_bytes']}, cluster {list(cluster)})")
