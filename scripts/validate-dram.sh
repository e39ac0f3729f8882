#!/usr/bin/env bash
# Reproduce the DRAM validation against Ramulator 2.1 (../shared/validation/dram):
# generate the six access-pattern traces for DDR4 and HBM2 with the reference generator (into
# a temporary directory, never into the repository), replay each with `xpusim dram`, and print
# the comparison table that docs/VALIDATION.md (## DRAM) records.
#
# usage: scripts/validate-dram.sh [--check-timing]
#   VALIDATION_DIR  reference folder (default: ../shared/validation/dram, then /work/shared/...)
#   TRACE_DIR       where traces are generated (default: /tmp/xpusim-dram-traces)
#   OUT_DIR         where summaries are written (default: /tmp/xpusim-dram-validate)
set -euo pipefail
cd "$(dirname "$0")/.."
CHECK=""
[[ "${1:-}" == "--check-timing" ]] && CHECK="--check-timing"
VAL="${VALIDATION_DIR:-}"
for d in "$VAL" ../shared/validation/dram /work/shared/validation/dram; do
  [[ -n "$d" && -f "$d/ramulator2-ddr4-hbm2.csv" ]] && { VAL="$d"; break; }
done
[[ -f "$VAL/ramulator2-ddr4-hbm2.csv" ]] || { echo "validation folder not found (set VALIDATION_DIR)" >&2; exit 1; }
TRACES="${TRACE_DIR:-/tmp/xpusim-dram-traces}"
OUT="${OUT_DIR:-/tmp/xpusim-dram-validate}"
mkdir -p "$TRACES" "$OUT"

cargo build --release --quiet --bins
BIN=(target/release/xpusim dram)

declare -A CFG=([DDR4]=configs/dram/ddr4-3200.toml [HBM2]=configs/dram/hbm2-2000.toml)
PATTERNS="seq_read rand_read rand_mixed_2r1w strided_rowhit bank_conflict idle_read"
for std in DDR4 HBM2; do
  for p in $PATTERNS; do
    t="$TRACES/${std}__$p.trace"
    [[ -s "$t" ]] || python3 "$VAL/gen_traces.py" "$VAL/$std.geometry.json" "$TRACES" "$p" >/dev/null
    "${BIN[@]}" --config "${CFG[$std]}" --trace "$t" --out "$OUT/${std}_$p" $CHECK >/dev/null 2>"$OUT/${std}_$p.log" \
      || { cat "$OUT/${std}_$p.log" >&2; exit 1; }
  done
done

python3 - "$VAL/ramulator2-ddr4-hbm2.csv" "$OUT" <<'PY'
import csv, json, sys
ref = {(r["standard"], r["pattern"]): r for r in csv.DictReader(open(sys.argv[1]))}
out = sys.argv[2]
cols = [("cycles_to_complete", "dram_cycles_to_complete", 2.0),
        ("bandwidth_gbps", "bandwidth_GBps", 2.0),
        ("avg_read_latency_cycles", "avg_read_latency_cycles", 5.0),
        ("row_hits", "row_hits", 2.0), ("row_misses", "row_misses", 2.0),
        ("row_conflicts", "row_conflicts", 2.0), ("refreshes", "refreshes_issued", None)]
print("| standard | pattern | cycles (xpusim / Ramulator) | bandwidth GB/s | avg read latency | row hits | row misses | row conflicts | refreshes | within tolerance |")
print("|---|---|---|---|---|---|---|---|---|---|")
bad = 0
for (std, pat), r in ref.items():
    s = json.load(open(f"{out}/{std}_{pat}/summary.json"))
    cells, ok = [], True
    for mine, theirs, tol in cols:
        x = float(s[mine]); y = r[theirs]
        if y == "":
            cells.append(f"{x:.10g} / -"); continue
        y = float(y)
        d = 0.0 if x == y else (abs(x - y) / abs(y) * 100 if y else 100.0)
        if pat == "idle_read" and mine in ("cycles_to_complete", "avg_read_latency_cycles"):
            good = x == y  # idle latency must match exactly
        else:
            good = tol is None or d <= tol or abs(x - y) <= 2
        ok &= good
        cells.append(f"{x:.10g} / {y:.10g} ({d:.2f}%)")
    bad += not ok
    print(f"| {std} | {pat} | " + " | ".join(cells) + f" | {'yes' if ok else 'NO'} |")
print(f"\n{len(ref) - bad} of {len(ref)} runs within tolerance (exact idle latency; cycles, bandwidth, row counts 2%; latency 5%).")
sys.exit(1 if bad else 0)
PY
