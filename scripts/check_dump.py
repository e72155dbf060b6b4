#!/usr/bin/env python3
"""Checks an `evotune bench --dump DIR` folder independently with PyTorch.

Decodes q, k, v from their e4m3 codes with torch.float8_e4m3fn, applies the descales, computes
scaled-dot-product attention in float64 on the CPU, and compares it with the kernel's o.npy using
the tolerance recorded in meta.json (|o - ref| <= atol + rtol * |ref| for every element).
Prints one JSON line; exits 0 when every element is within tolerance, 1 otherwise.
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch


def load_fp8(path, descale):
    codes = torch.from_numpy(np.load(path))
    return codes.view(torch.float8_e4m3fn).to(torch.float64) * float(descale)


def main(folder):
    d = Path(folder)
    meta = json.loads((d / "meta.json").read_text())
    q = load_fp8(d / "q.npy", meta["q_descale"])
    k = load_fp8(d / "k.npy", meta["k_descale"])
    v = load_fp8(d / "v.npy", meta["v_descale"])
    scale = float(meta["softmax_scale"])
    ref = torch.softmax((q @ k.transpose(-1, -2)) * scale, dim=-1) @ v
    out = torch.from_numpy(np.load(d / "o.npy").astype(np.float64))
    diff = (out - ref).abs()
    tol = meta["tolerance"]
    outside = int((diff > tol["atol"] + tol["rtol"] * ref.abs()).sum()) + int(torch.isnan(out).sum())
    result = {
        "max_abs": float(diff.max()),
        "rel_l2": float(torch.linalg.norm(out - ref) / torch.linalg.norm(ref)),
        "outside_tolerance": outside,
        "evotune_max_abs": meta["errors"]["max_abs"],
        "evotune_rel_l2": meta["errors"]["rel_l2"],
        "tolerance": tol,
        "passed": outside == 0,
    }
    print(json.dumps(result))
    return 0 if outside == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
