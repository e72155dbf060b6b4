"""The .npy files an exchange script (scripts/cudnn_fp8_bench.py, scripts/scaled_mm_bench.py)
trades with evotune, read and written without numpy: prepended to the script with
scripts/bench_protocol.py before it is fed to the interpreter."""

import ast
import ctypes


def read_npy(path, descrs, dims):
    """The data bytes of a C-order .npy file with one of the element types `descrs` and shape
    `dims`."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        raise ValueError(f"{path} is not an .npy file")
    size = 2 if data[6] == 1 else 4
    length = int.from_bytes(data[8:8 + size], "little")
    body = 8 + size
    header = ast.literal_eval(data[body:body + length].decode("latin1"))
    if header["descr"] not in descrs or header["fortran_order"] or list(header["shape"]) != dims:
        raise ValueError(f"{path}: expected {descrs[0]} C-order {dims}, found {header}")
    return bytearray(data[body + length:])


def write_f32(path, tensor):
    """Writes a contiguous float32 CPU tensor as a version 1.0 .npy file."""
    shape = tuple(tensor.shape)
    dims = "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % dims
    header += " " * (-(10 + len(header) + 1) % 64) + "\n"
    raw = (ctypes.c_char * (tensor.numel() * 4)).from_address(tensor.data_ptr())
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1"))
        f.write(memoryview(raw))
