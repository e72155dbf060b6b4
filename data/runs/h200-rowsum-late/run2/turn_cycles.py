# Cycles a consumer warp spends in one exponential turn, from Nsight Compute's source page
# (`--page source --csv --print-source sass`, gzipped): the warp-state samples of the turn's SASS
# lines (BAR.SYNC .. BAR.ARV: of those holding a tile's exponentials, the most sampled, i.e. the
# loop's, not a peeled first step) divided by its "selected"
# samples (one per issued instruction) times its instruction count, and the same per stall reason.
# Usage: turn_cycles.py source.sass.csv.gz
# (run2: late_exp_source.sass.csv.gz gives about 1475 cycles; data/runs/h200-mufu-turns/run1/ncu/
# ob_exp_source.sass.csv.gz, the ROWSUM "inline" kernel, about 1576.)
import collections, csv, gzip, sys

rows = list(csv.reader(gzip.open(sys.argv[1], "rt")))[1:]
head, rows = rows[0], rows[1:]
col = {k: i for i, k in enumerate(head)}
stalls = [k for k in head if k.startswith("stall_") and "Not" not in k]
src = [r[col["Source"]].strip() for r in rows]
turns = []
for i, s in enumerate(src):
    if s.startswith("BAR.SYNC"):
        j = next((k for k in range(i + 1, len(src)) if src[k].startswith("BAR.ARV")), None)
        if j is not None:
            exps = sum("MUFU.EX2" in src[k] for k in range(i, j))
            samples = sum(int(r[col["# Samples"]] or 0) for r in rows[i : j + 1])
            turns.append((exps, samples, i, j))
most = max(t[0] for t in turns)
exps, _, i, j = max((t for t in turns if 2 * t[0] >= most), key=lambda t: t[1])
total = collections.Counter()
for r in rows[i : j + 1]:
    for s in stalls:
        total[s] += int(r[col[s]] or 0)
selected, n = total["stall_selected"], j - i + 1
print(f"turn: lines {i}..{j}, {n} instructions, {exps} MUFU.EX2, "
      f"about {round(sum(total.values()) / selected * n)} cycles")
print([(k[6:], round(v / selected * n)) for k, v in total.most_common(8)])
