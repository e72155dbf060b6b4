#!/usr/bin/env python3
"""Checks the kernels of an `evotune export` folder on the GPU against PyTorch's SDPA and a
float64 matmul.

    python3 DIR/python/check.py                 (the copy `evotune export` writes)
    python3 scripts/check_export.py DIR         (this file, in evotune's repository)

For every problem of DIR/dispatch.json, and for each kernel that also runs other problems one
ragged problem near its own (S halved plus 13: another grid, a partial query tile), it builds
random inputs (N(0,1), quantized per tensor to torch.float8_e4m3fn with descale amax/448),
calls evotune_kernels.sdpa_fp8 and compares its fp16 output with
torch.nn.functional.scaled_dot_product_attention on the dequantized inputs in float64 on the
GPU (the causal mask aligned bottom-right: is_causal when S = kv_len, else
torch.nn.attention.bias.causal_lower_right, or an explicit mask when the reference is computed
in blocks of query rows to bound its memory; grouped key/value heads through enable_gqa).
An element passes when |o - ref| <= atol + rtol * |ref| (evotune's tolerance, atol 0.03 and
rtol 0.0625 unless --atol/--rtol say otherwise) and o is finite. It also times 20 back-to-back
calls (warm L2, not evotune's protocol) beside the tuned time.

For every GEMM kernel of the table (dispatch.json's `gemm`), at its own problem and, when it
runs other problems, at one ragged problem (M, N and K odd: no multiple of any tile, K % 16 != 0,
so the operands go through zero-padded rows), it builds evotune's GEMM inputs (A [M, K] and
B^T [N, K] N(0,1) quantized per tensor, alpha = 1/sqrt(K), a float32 bias N(0, 0.25)), calls
evotune_kernels.gemm_fp8 and compares its fp16 output with the float64 product of the
dequantized inputs plus the bias on the GPU, within the table's GEMM tolerance (evotune's, atol
0.03 and rtol 0.015625: the inputs are scaled as that tolerance assumes, outputs ~ N(0, 1)).

Prints one line per check and a summary; exits 0 when every check passes, 1 when any fails, 2
when it cannot run (no export folder, torch, CUDA GPU or cuda-python).
"""
import argparse
import math
import sys
import time
from pathlib import Path


def fail(code, message):
    print(f"check: {message}", file=sys.stderr)
    sys.exit(code)


def export_dir(arg):
    """The export folder: the argument, else the folder above this script (DIR/python)."""
    folder = Path(arg) if arg else Path(__file__).resolve().parent.parent
    if not (folder / "dispatch.json").is_file():
        fail(2, f"{folder} holds no dispatch.json: pass the folder `evotune export --out` wrote")
    return folder


def requirements(folder):
    """torch with a CUDA GPU and float8_e4m3fn, the package, and cuda-python; exit 2 without."""
    sys.path.insert(0, str(folder / "python"))
    try:
        import torch
    except ImportError:
        fail(2, "needs PyTorch with CUDA (pip install torch)")
    if not torch.cuda.is_available():
        fail(2, "no CUDA GPU visible to PyTorch (torch.cuda.is_available() is False; "
                "check the driver and CUDA_VISIBLE_DEVICES)")
    if not hasattr(torch, "float8_e4m3fn"):
        fail(2, f"torch {torch.__version__} has no float8_e4m3fn (2.1 or later has it)")
    try:
        import evotune_kernels
        from evotune_kernels.driver import load_bindings
    except ImportError as e:
        fail(2, f"cannot import evotune_kernels from {folder / 'python'}: {e}")
    try:
        load_bindings()
    except ImportError as e:
        fail(2, str(e))
    return torch, evotune_kernels


def problems(table, ek, exact_only):
    """(problem, why) pairs: each entry's own problem, and a ragged one near each reusable
    kernel's."""
    out = []
    for e in table.entries:
        p = ek.Problem.of(e["problem"])
        out.append((p, "tuned"))
        if exact_only or not e["accepts"]["reuse"]:
            continue
        s = p.s // 2 + 13
        kv_len = s if p.kv_len == p.s else max(s, p.kv_len // 2 + 29)
        out.append((ek.Problem(p.b, p.h, s, p.d, p.causal, p.kv_heads, kv_len), "ragged"))
    seen, unique = set(), []
    for p, why in out:
        if p not in seen:
            seen.add(p)
            unique.append((p, why))
    return unique


def odd(x):
    """x, or x + 1 when it is even: odd sizes are no multiple of any tile or of 16."""
    return x | 1


def gemm_problems(table, ek, exact_only):
    """(problem, why) pairs: each GEMM entry's own problem, and a ragged one near each reusable
    kernel's (M, N, K odd)."""
    out = {}
    for e in table.gemm_entries:
        p = ek.GemmProblem.of(e["problem"])
        out.setdefault(p, "tuned")
        if not exact_only and e["rule"]["reuse"]:
            ragged = ek.GemmProblem(odd(p.m // 2 + 13), odd(p.n // 2 + 7), odd(p.k // 2 + 5))
            out.setdefault(ragged, "ragged")
    return list(out.items())


def quantized(torch, shape, gen):
    """N(0,1) values as e4m3 codes with a per-tensor descale (amax / 448)."""
    x = torch.randn(shape, generator=gen, device="cuda", dtype=torch.float32)
    scale = 448.0 / max(float(x.abs().max()), 1e-30)
    codes = (x * scale).to(torch.float8_e4m3fn)
    return codes, 1.0 / scale


def sdpa64(torch, q, k, v, scale, causal, rows, full):
    """PyTorch's SDPA on float64 blocks; `rows` are the query rows q holds, of `full` (S, S_kv)."""
    s, s_kv = full
    options = {"scale": scale}
    if q.shape[1] != k.shape[1]:
        options["enable_gqa"] = True
    if causal and rows == (0, s):
        if s == s_kv:
            options["is_causal"] = True
        else:
            from torch.nn.attention.bias import causal_lower_right
            options["attn_mask"] = causal_lower_right(s, s_kv)
    elif causal:
        i = torch.arange(rows[0], rows[1], device=q.device)[:, None]
        j = torch.arange(s_kv, device=q.device)[None, :]
        options["attn_mask"] = j <= i + (s_kv - s)
    return torch.nn.functional.scaled_dot_product_attention(q, k, v, **options)


def reference(torch, qkv, descales, scale, causal, budget):
    """float64 SDPA of the dequantized inputs, in blocks of key/value heads and query rows
    whose scores fit `budget` bytes."""
    q, k, v = (t.to(torch.float64) * d for t, d in zip(qkv, descales))
    b, h, s, _ = q.shape
    hkv, s_kv = k.shape[1], k.shape[2]
    group = h // hkv
    per_row = group * s_kv * 8 * 4
    rows = max(1, min(s, budget // per_row))
    heads = max(1, min(hkv, budget // (per_row * s))) if rows == s else 1
    out = torch.empty_like(q)
    for bi in range(b):
        for g0 in range(0, hkv, heads):
            g1 = min(hkv, g0 + heads)
            qh = slice(g0 * group, g1 * group)
            for r0 in range(0, s, rows):
                r1 = min(s, r0 + rows)
                out[bi:bi + 1, qh, r0:r1] = sdpa64(
                    torch, q[bi:bi + 1, qh, r0:r1], k[bi:bi + 1, g0:g1], v[bi:bi + 1, g0:g1],
                    scale, causal, (r0, r1), (s, s_kv))
    return out


def compare(torch, o, ref, atol, rtol):
    """max |o - ref| over finite elements, relative L2 error, elements outside tolerance."""
    o = o.to(torch.float64)
    finite = torch.isfinite(o)
    diff = (o - ref).abs()
    outside = int(((diff > atol + rtol * ref.abs()) | ~finite).sum())
    max_abs = float(diff[finite].max()) if bool(finite.any()) else math.inf
    rel_l2 = float(torch.linalg.norm(torch.where(finite, o - ref, 0.0)) / torch.linalg.norm(ref))
    return max_abs, rel_l2, outside, int((~finite).sum())


def warm_us(torch, call, reps=20):
    """The mean of `reps` back-to-back calls after one warm-up, µs (warm L2)."""
    call()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps):
        call()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) * 1000.0 / reps


def check_one(torch, kernels, p, args, seed):
    """One problem: inputs, the kernel, the reference; a result row."""
    choice = kernels.choose(p)
    gen = torch.Generator(device="cuda").manual_seed(seed)
    q, qd = quantized(torch, (p.b, p.h, p.s, p.d), gen)
    k, kd = quantized(torch, (p.b, p.kv_heads, p.kv_len, p.d), gen)
    v, vd = quantized(torch, (p.b, p.kv_heads, p.kv_len, p.d), gen)
    q_descale = torch.tensor(qd, device="cuda") if seed % 2 else qd

    def call():
        return kernels.sdpa_fp8(q, k, v, q_descale, kd, vd, causal=p.causal)

    o = call()
    torch.cuda.synchronize()
    if o.shape != q.shape or o.dtype != torch.float16:
        raise AssertionError(f"returned {o.dtype} {tuple(o.shape)}, not float16 {tuple(q.shape)}")
    ref = reference(torch, (q, k, v), (qd, kd, vd), 1.0 / math.sqrt(p.d), p.causal,
                    int(args.ref_gib * 2**30))
    max_abs, rel_l2, outside, nonfinite = compare(torch, o, ref, args.atol, args.rtol)
    del ref
    return {"kernel": choice.entry["id"], "exact": choice.exact, "max_abs": max_abs,
            "rel_l2": rel_l2, "outside": outside, "nonfinite": nonfinite,
            "warm_us": warm_us(torch, call), "tuned_us": choice.entry["kernel_p50_us"]}


def matmul64(torch, a, b_t, alpha, bias, budget):
    """alpha * a @ b_t.T + bias in float64 on the GPU (a and b_t already dequantized), in
    blocks of rows whose products fit `budget` bytes."""
    m, n = a.shape[0], b_t.shape[0]
    out = torch.empty((m, n), dtype=torch.float64, device=a.device)
    rows = max(1, min(m, budget // max(1, n * 8 * 2)))
    b64 = b_t.to(torch.float64)
    for r0 in range(0, m, rows):
        r1 = min(m, r0 + rows)
        out[r0:r1] = alpha * (a[r0:r1].to(torch.float64) @ b64.T) + bias.to(torch.float64)
    return out


def check_gemm(torch, kernels, p, args, seed):
    """One GEMM problem: evotune's inputs, the kernel, the float64 reference; a result row."""
    choice = kernels.choose_gemm(p)
    gen = torch.Generator(device="cuda").manual_seed(seed)
    a, sa = quantized(torch, (p.m, p.k), gen)
    b_t, sb = quantized(torch, (p.n, p.k), gen)
    bias = torch.randn((p.n,), generator=gen, device="cuda", dtype=torch.float32) * 0.5
    alpha = 1.0 / math.sqrt(p.k)
    scale_a = torch.tensor(sa, device="cuda") if seed % 2 else sa

    def call():
        return kernels.gemm_fp8(a, b_t, scale_a, sb, alpha=alpha, bias=bias)

    d = call()
    torch.cuda.synchronize()
    if tuple(d.shape) != (p.m, p.n) or d.dtype != torch.float16:
        raise AssertionError(f"returned {d.dtype} {tuple(d.shape)}, not float16 {(p.m, p.n)}")
    ref = matmul64(torch, a.to(torch.float64) * sa, b_t.to(torch.float64) * sb, alpha, bias,
                   int(args.ref_gib * 2**30))
    atol, rtol = args.gemm_tolerance
    max_abs, rel_l2, outside, nonfinite = compare(torch, d, ref, atol, rtol)
    del ref
    return {"kernel": choice.entry["id"], "exact": choice.exact, "max_abs": max_abs,
            "rel_l2": rel_l2, "outside": outside, "nonfinite": nonfinite,
            "warm_us": warm_us(torch, call), "tuned_us": choice.entry["kernel_p50_us"]}


def row_text(p, why, r):
    label = f"{p.label()} ({why})"
    if "error" in r:
        return f"{label:<44} {'':<36} FAIL  {r['error']}"
    match = "exact" if r["exact"] else "nearest"
    verdict = "ok" if r["outside"] == 0 else "FAIL"
    tuned = f"{r['tuned_us']:.1f}" if r["exact"] else "-"
    return (f"{label:<44} {r['kernel']:<36} {match:<8} {r['max_abs']:>9.5f} {r['rel_l2']:>9.5f} "
            f"{r['outside']:>8} {r['warm_us']:>10.1f} {tuned:>10}  {verdict}")


def list_checks(folder):
    """Prints the problems the check would run, one `kind problem why` line each."""
    sys.path.insert(0, str(folder / "python"))
    import evotune_kernels as ek
    table = ek.load(folder).table
    for p, why in problems(table, ek, False):
        print(f"attention {p.label()} {why}")
    for p, why in gemm_problems(table, ek, False):
        print(f"{p.label()} {why}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", nargs="?", help="the export folder (default: the one above this "
                    "script's folder)")
    ap.add_argument("--atol", type=float, default=None, help="absolute tolerance "
                    "(default: the table's, 0.03)")
    ap.add_argument("--rtol", type=float, default=None, help="relative tolerance "
                    "(default: the table's, 0.0625)")
    ap.add_argument("--exact-only", action="store_true", help="only the tuned problems")
    ap.add_argument("--list", action="store_true", help="print the problems it would check, "
                    "and exit (no GPU needed)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the first problem's inputs")
    ap.add_argument("--ref-gib", type=float, default=8.0, help="GiB the float64 reference's "
                    "scores may take at once (larger problems are computed in blocks)")
    args = ap.parse_args()
    folder = export_dir(args.folder)
    if args.list:
        return list_checks(folder)
    torch, ek = requirements(folder)
    kernels = ek.load(folder)
    table = kernels.table
    args.atol = table.data["tolerance"]["atol"] if args.atol is None else args.atol
    args.rtol = table.data["tolerance"]["rtol"] if args.rtol is None else args.rtol
    device = torch.cuda.current_device()
    try:
        ek.check_device(torch, torch.device("cuda", device), table.data["arch"])
    except ValueError as e:
        fail(2, str(e))
    gemm_tol = table.gemm_tolerance  # evotune's GEMM tolerance; None without GEMM kernels
    args.gemm_tolerance = (gemm_tol["atol"], gemm_tol["rtol"]) if gemm_tol else None
    print(f"export {folder}: {len(table.entries)} attention and {len(table.gemm_entries)} GEMM "
          f"kernels of {table.data['device']} ({table.data['arch']}), "
          f"evotune {table.data['evotune_commit']}")
    against = f"|o - ref| <= {args.atol} + {args.rtol} * |ref| against float64 SDPA"
    if gemm_tol:
        against += (f", |d - ref| <= {gemm_tol['atol']} + {gemm_tol['rtol']} * |ref| against a "
                    f"float64 matmul")
    print(f"GPU {torch.cuda.get_device_name(device)}, torch {torch.__version__}; tolerance "
          f"{against}")
    print(f"{'problem':<44} {'kernel':<36} {'match':<8} {'max_abs':>9} {'rel_l2':>9} "
          f"{'outside':>8} {'warm µs':>10} {'tuned µs':>10}  result")
    failed = 0
    start = time.time()
    todo = [(p, why, check_one) for p, why in problems(table, ek, args.exact_only)]
    todo += [(p, why, check_gemm) for p, why in gemm_problems(table, ek, args.exact_only)]
    for i, (p, why, check) in enumerate(todo):
        try:
            r = check(torch, kernels, p, args, args.seed + i)
        except Exception as e:  # one problem's failure is a row of the table, not the end
            r = {"error": f"{type(e).__name__}: {e}"}
        torch.cuda.empty_cache()
        failed += "error" in r or r["outside"] > 0
        print(row_text(p, why, r), flush=True)
    print(f"{len(todo) - failed} of {len(todo)} checks passed ({time.time() - start:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
