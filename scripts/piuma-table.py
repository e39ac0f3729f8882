#!/usr/bin/env python3
"""Per-matrix SMASH ratios from the ops.csv of `xpusim run ... traces/spgemm/suite.toml` runs.

usage: scripts/piuma-table.py RUN_DIR [RUN_DIR ...]
Prints, per matrix and run: SMASH v1 cycles, inner/v1, outer/v1, and the best baseline's
cycles over the best SMASH version's; then the geometric means (docs/VALIDATION.md, PIUMA).
"""
import csv, math, sys
from collections import defaultdict

runs = sys.argv[1:]
if not runs:
    sys.exit(__doc__)
tab = []
for d in runs:
    cyc = defaultdict(dict)
    for r in csv.DictReader(open(f"{d}/ops.csv")):
        m, k = r["id"].rsplit(".", 1)
        cyc[m][k] = int(r["cycles"])
    tab.append(cyc)
mats = list(tab[0])
cols = []
for name, f in [
    ("v1 cycles", lambda c: c["smash"]),
    ("v1 over inner", lambda c: c["inner"] / c["smash"]),
    ("v1 over outer", lambda c: c["outer"] / c["smash"]),
    ("best over best", lambda c: min(c["inner"], c["outer"]) / min(c["smash"], c["smash-v2"], c["smash-v3"])),
]:
    cols.append((name, f))
print("| matrix | " + " | ".join(f"{n}: {d}" for n, _ in cols for d in runs) + " |")
geo = defaultdict(list)
for m in mats:
    cells = []
    for n, f in cols:
        for i, t in enumerate(tab):
            v = f(t[m])
            geo[(n, i)].append(v)
            cells.append(f"{v:,}" if isinstance(v, int) else f"{v:.2f}")
    print(f"| {m} | " + " | ".join(cells) + " |")
cells = []
for n, _ in cols:
    for i in range(len(tab)):
        if n == "v1 cycles":
            cells.append("")
        else:
            g = math.exp(sum(map(math.log, geo[(n, i)])) / len(geo[(n, i)]))
            cells.append(f"**{g:.2f}**")
print("| **geometric mean** | " + " | ".join(cells) + " |")
