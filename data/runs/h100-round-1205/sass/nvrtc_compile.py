# Compiles a rendered kernel source to a cubin with NVRTC (sm_90a, the options evotune passes
# but --ptxas-options=-v): nvrtc_compile.py SOURCE.cu OUT.cubin (LD_LIBRARY_PATH must reach
# libnvrtc-builtins).
import ctypes, sys, os
lib = ctypes.CDLL(os.path.expanduser("~/.cache/evotune/cuda13/nvidia/cu13/lib/libnvrtc.so.13"))
src = open(sys.argv[1], "rb").read()
prog = ctypes.c_void_p()
assert lib.nvrtcCreateProgram(ctypes.byref(prog), src, b"k.cu", 0, None, None) == 0
opts = [b"--gpu-architecture=sm_90a", b"--std=c++17", b"-lineinfo"]
arr = (ctypes.c_char_p * len(opts))(*opts)
rc = lib.nvrtcCompileProgram(prog, len(opts), arr)
n = ctypes.c_size_t(); lib.nvrtcGetProgramLogSize(prog, ctypes.byref(n))
log = ctypes.create_string_buffer(n.value); lib.nvrtcGetProgramLog(prog, log)
if rc != 0:
    print(log.value.decode()[:3000]); sys.exit(1)
lib.nvrtcGetCUBINSize(prog, ctypes.byref(n)); buf = ctypes.create_string_buffer(n.value)
lib.nvrtcGetCUBIN(prog, buf); open(sys.argv[2], "wb").write(buf.raw)
print("ok", n.value)
