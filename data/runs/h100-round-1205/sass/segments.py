# Instructions executed and stall samples per segment of the kernel (ncu source page, --csv
# --print-source sass), by the loops `evotune compile --sass` listed (compile.txt):
# segments.py SOURCE.csv.gz
import csv, gzip, re, sys
rows = list(csv.reader(gzip.open(sys.argv[1], 'rt')))
hdr = rows[1]; data = rows[2:]
iE = hdr.index("Instructions Executed"); iS = hdr.index("Warp Stall Sampling (All Samples)"); iSrc = hdr.index("Source")
data = [r for r in data if len(r) > iE]
print("ncu rows", len(data))
segs = {"before item loop": (0, 144), "item prologue": (145, 1358), "few-keys loop": (1359, 2606), "between": (2607, 2620),
        "key-tile loop": (2621, 3498), "item epilogue": (3499, 3866), "after item loop (producer etc.)": (3867, len(data) - 1)}
tot_e = sum(int(r[iE].replace(",", "")) for r in data); tot_s = sum(int(r[iS].replace(",", "")) for r in data)
print(f"total executed {tot_e/1e6:.1f} M warp-instr, stall samples {tot_s}")
for name, (a, b) in segs.items():
    e = sum(int(r[iE].replace(",", "")) for r in data[a:b+1]); s = sum(int(r[iS].replace(",", "")) for r in data[a:b+1])
    print(f"{name:32s} [{a:4d},{b:4d}] executed {e/1e6:7.2f} M ({100*e/tot_e:5.1f} %)  stall samples {s:7d} ({100*s/tot_s:5.1f} %)")
# sanity: opcode at a few indices
for i in (145, 215, 2621, 3498, 3499, 3866):
    print(i, data[i][iSrc].strip()[:60])
from collections import Counter
c = Counter()
for r in data[3867:]:
    t = r[iSrc].strip(); op = t.split()[1] if t.startswith("@") else t.split()[0]
    c[op.split(".")[0]] += int(r[iE].replace(",", ""))
print("after the item loop, executed by opcode (M):", [(k, round(v/1e6, 2)) for k, v in c.most_common(14)])
