#!/usr/bin/env python3
"""Where one consumer warp's key tile goes, from Nsight Compute's source page (SASS, with stall
samples per line): the hot loop's lines are those executed once per consumer warp per tile; the
samples of a line are turned into cycles per tile through the loop's issued instructions
("selected" samples are one per issued instruction). Prints the cycles by opcode and the
cumulative cycles at the loop's waits, barriers and wgmmas.

usage: consumer_timeline.py SOURCE.sass.csv.gz [EXECUTIONS]
(EXECUTIONS: how often a hot-loop line ran; default: the count most lines share among those with
the most stall samples)"""
import collections
import csv
import gzip
import sys

rows = list(csv.reader(gzip.open(sys.argv[1], "rt")))
head, data = rows[1], rows[2:]
ix = {n: i for i, n in enumerate(head)}
stalls = [n for n in head if n.startswith("stall_") and "Not Issued" not in n]
executed = lambda r: int(r[ix["Instructions Executed"]] or 0)
samples = lambda r, s: int(r[ix[s]] or 0)
if len(sys.argv) > 2:
    hot = int(sys.argv[2])
else:
    by_exec = collections.Counter()
    for r in data:
        by_exec[executed(r)] += sum(samples(r, s) for s in stalls)
    hot = by_exec.most_common(1)[0][0]
loop = [r for r in data if executed(r) == hot]
per_sample = len(loop) / sum(samples(r, "stall_selected") for r in loop)
print(f"hot loop: {len(loop)} instructions, each executed {hot} times; "
      f"{per_sample:.5f} cycles per sample")
by_op = collections.defaultdict(collections.Counter)
for r in loop:
    words = r[1].split()
    op = (words[1] if words[0].startswith("@") else words[0]).split(".")[0]
    by_op[op]["n"] += 1
    for s in stalls:
        by_op[op][s] += samples(r, s)
total = lambda c: sum(v for k, v in c.items() if k != "n")
print(f"{'opcode':10s} {'count':>5s} {'cycles':>7s} {'wait':>6s}  other stalls")
for op in sorted(by_op, key=lambda o: -total(by_op[o])):
    c = by_op[op]
    rest = [(s, v) for s, v in c.items() if s not in ("n", "stall_wait", "stall_selected")]
    rest = " ".join(f"{s[6:]}={v * per_sample:.0f}" for s, v in sorted(rest, key=lambda x: -x[1])[:4])
    print(f"{op:10s} {c['n']:5d} {total(c) * per_sample:7.0f} {c['stall_wait'] * per_sample:6.0f}  {rest}")
print("cumulative cycles per tile at the loop's waits, barriers and wgmmas:")
acc = 0.0
for i, r in enumerate(loop):
    acc += sum(samples(r, s) for s in stalls) * per_sample
    if any(k in r[1] for k in ("BAR", "QGMMA", "WARPGROUP", "SYNCS", "VOTE")):
        print(f"  {i:4d} {acc:7.0f}  {r[1].strip()[:64]}")
print(f"  {len(loop):4d} {acc:7.0f}  (end of the loop)")
