#!/usr/bin/env python3
"""Checks an `evotune bench --dump DIR` folder independently with PyTorch.

Decodes q, k, v from their e4m3 codes with torch.float8_e4m3fn, applies the descales, computes
scaled-dot-product attention in float64 on the CPU with PyTorch's own SDPA (the causal mask
aligned bottom-right, as meta.json states: is_causal when S = kv_len, else
torch.nn.attention.bias.causal_lower_right; grouped key/value heads through enable_gqa), and
compares it with the kernel's o.npy using the tolerance recorded in meta.json
(|o - ref| <= atol + rtol * |ref| for every element). meta.json's shapes must match the arrays.
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


def reference(q, k, v, scale, causal):
    """PyTorch's SDPA in float64 with the problem's mask and head grouping."""
    s, s_kv = q.shape[2], k.shape[2]
    options = {"scale": scale}
    if causal and s == s_kv:
        options["is_causal"] = True
    elif causal:
        from torch.nn.attention.bias import causal_lower_right
        options["attn_mask"] = causal_lower_right(s, s_kv)
    if q.shape[1] != k.shape[1]:
        options["enable_gqa"] = True
    return torch.nn.functional.scaled_dot_product_attention(q, k, v, **options)


def main(folder):
    d = Path(folder)
    meta = json.loads((d / "meta.json").read_text())
    q = load_fp8(d / "q.npy", meta["q_descale"])
    k = load_fp8(d / "k.npy", meta["k_descale"])
    v = load_fp8(d / "v.npy", meta["v_descale"])
    scale = float(meta["softmax_scale"])
    kv_shape = meta.get("kv_shape", meta["shape"])
    if list(q.shape) != meta["shape"] or list(k.shape) != kv_shape or list(v.shape) != kv_shape:
        raise SystemExit(f"arrays {list(q.shape)}, {list(k.shape)}, {list(v.shape)} disagree with meta.json")
    ref = reference(q, k, v, scale, bool(meta.get("causal", False)))
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
