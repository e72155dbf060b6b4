# The fit of data/runs/h100-round-1205/run5: time = a * (items x 192-key widths) + b * items per SM,
# least squares, for cuDNN FP8 and evotune's best at D 128 and four sequence lengths.
import re, sys, os
root = sys.argv[1]
rows = []
for S, B in ((1024, 16), (2048, 4), (4096, 2), (8192, 1)):
    d = f"{root}/{B}_32_{S}_128"
    def med(kind):
        xs = []
        for r in (1, 2):
            p = f"{d}/{kind}{r}.log"
            t = open(p).read() if os.path.exists(p) else ""
            m = re.search(r"kernel-only p50 ([0-9.]+) µs", t)
            if m: xs.append(float(m.group(1)))
        return sum(xs) / len(xs)
    rows.append((S, B, med("base"), med("best")))
def fit(xs, ys):
    # y = a*x1 + b*x2, least squares
    s11 = sum(x[0]*x[0] for x in xs); s12 = sum(x[0]*x[1] for x in xs); s22 = sum(x[1]*x[1] for x in xs)
    t1 = sum(x[0]*y for x, y in zip(xs, ys)); t2 = sum(x[1]*y for x, y in zip(xs, ys))
    det = s11*s22 - s12*s12
    return (t1*s22 - t2*s12)/det, (s11*t2 - s12*t1)/det
X = []
for S, B, c, e in rows:
    items = B*32*S/128/132  # items per SM
    X.append((items * S / 192, items))
    print(f"{B},32,{S},128: cudnn {c:.1f} µs, best {e:.1f} µs, best/cudnn speed {c/e:.3f}; items per SM {items:.2f}, 192-key widths per item {S/192:.2f}")
for name, k in (("cudnn_fp8", 2), ("best", 3)):
    ys = [r[k] for r in rows]
    a, b = fit(X, ys)
    res = [y - (a*x[0] + b*x[1]) for x, y in zip(X, ys)]
    print(f"{name}: {a:.3f} µs per 192 keys of an item, {b:.2f} µs per item (per SM); residuals " + ", ".join(f"{r:+.1f}" for r in res))
