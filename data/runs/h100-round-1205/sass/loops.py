# Loops of a kernel's SASS (nvdisasm -c): each backward branch and its target, with the
# instructions between and a few opcodes counted. Usage: loops.py best.sass [item_lo,item_hi inner_lo,inner_hi ...]
import re, sys
lines = open(sys.argv[1]).read().splitlines()
ins = []  # (addr, text)
labels = {}
for l in lines:
    m = re.match(r"\s*(\.L_x_\d+):", l)
    if m: labels[m.group(1)] = len(ins); continue
    m = re.match(r"\s*/\*([0-9a-f]{4,})\*/\s+(.*?);", l)
    if m: ins.append((int(m.group(1), 16), m.group(2).strip()))
loops = []
for i, (a, t) in enumerate(ins):
    m = re.search(r"\bBRA\b.*?(\.L_x_\d+)", t)
    if m and m.group(1) in labels and labels[m.group(1)] <= i:
        loops.append((labels[m.group(1)], i))
def has(lo, hi, op): return sum(1 for _, t in ins[lo:hi+1] if re.search(r"\b" + op + r"\b", t))
print("instructions", len(ins), "loops", len(loops))
for lo, hi in sorted(loops, key=lambda x: x[0]):
    n = hi - lo + 1
    if n < 40: continue
# The item loop of the consumer (the outermost loop with the QGMMAs and O's STGs) less its two
# inner key-tile loops, by opcode: pass their [lo, hi] ranges as printed above.
if len(sys.argv) > 2:
    from collections import Counter
    lo, hi = map(int, sys.argv[2].split(","))
    skip = set()
    for r in sys.argv[3:]:
        a, b = map(int, r.split(","))
        skip |= set(range(a, b + 1))
    c = Counter()
    for i in range(lo, hi + 1):
        if i in skip: continue
        t = ins[i][1]; op = t.split()[1] if t.startswith("@") else t.split()[0]
        c[op.split(".")[0]] += 1
    print(sum(c.values()), "static instructions outside the inner loops:", c.most_common(20))
