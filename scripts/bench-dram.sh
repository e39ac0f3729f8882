#!/usr/bin/env bash
# DRAM model speed on the validation set's 1M-request traces: simulated DRAM cycles and
# requests per wall second of `xpusim dram`, next to Ramulator 2.1's own speed from the
# reference CSV's sim_ columns (measured on a loaded 2-core machine of the same class).
# Runs one trace at a time (the machine has 2 cores); trace parsing is not timed. Wall-clock
# rates depend on how loaded the machine is; the CPU-time columns (this process's user+system
# time during the replay, against Ramulator's sim_dram_cycles_per_cpu_s) are steadier.
#
# Side by side: with RAMULATOR_PY set to the `python` folder of a Ramulator 2.1 build (CMU-SAFARI/
# ramulator2 at c5b1c3a with its nanobind module built; not part of this repository), every
# trace is also run through Ramulator, right after xpusim, with the validation set's resolved
# configuration, and the last columns give Ramulator's CPU time of its run loop (`Simulation.run`,
# which ends when the last request has been accepted, as the CSV's phase 1), its DRAM cycles per
# CPU second, and xpusim's CPU-time speed over it. Both tools then run on the same machine in
# the same minute, so the ratio does not depend on how loaded the machine is.
#
# usage: scripts/bench-dram.sh [pattern ...]   (default: the four large patterns)
set -euo pipefail
cd "$(dirname "$0")/.."
VAL="${VALIDATION_DIR:-}"
for d in "$VAL" ../shared/validation/dram /work/shared/validation/dram; do
  [[ -n "$d" && -f "$d/ramulator2-ddr4-hbm2.csv" ]] && { VAL="$d"; break; }
done
TRACES="${TRACE_DIR:-/tmp/xpusim-dram-traces}"
OUT="${OUT_DIR:-/tmp/xpusim-dram-bench}"
mkdir -p "$TRACES" "$OUT"
cargo build --release --quiet --bins
BIN=(target/release/xpusim dram)
PATTERNS="${*:-rand_read rand_mixed_2r1w seq_read strided_rowhit}"
declare -A CFG=([DDR4]=configs/dram/ddr4-3200.toml [HBM2]=configs/dram/hbm2-2000.toml)
R2PY="${RAMULATOR_PY:-}"
hdr=(std pattern requests cycles wall_s Mcyc/s Mreq/s "R2 Mcyc/s" "R2 Mreq/s" speedup cpu_s "Mcyc/cpu-s" "vs R2cpu")
if [[ -n "$R2PY" ]]; then
  printf "%-5s %-16s %9s %10s %7s %8s %8s | %9s %9s %8s | %7s %10s %8s | %8s %10s %8s\n" "${hdr[@]}" "R2 cpu_s" "R2cyc/cpu" "vs R2"
else
  printf "%-5s %-16s %9s %10s %7s %8s %8s | %9s %9s %8s | %7s %10s %8s\n" "${hdr[@]}"
fi
for std in DDR4 HBM2; do
  for p in $PATTERNS; do
    t="$TRACES/${std}__$p.trace"
    [[ -s "$t" ]] || python3 "$VAL/gen_traces.py" "$VAL/$std.geometry.json" "$TRACES" "$p" >/dev/null
    "${BIN[@]}" --config "${CFG[$std]}" --trace "$t" --out "$OUT/${std}_$p" >/dev/null 2>"$OUT/${std}_$p.log"
    r2=""
    if [[ -n "$R2PY" ]]; then
      r2=$(python3 - "$R2PY" "$VAL/$std.ramulator2.yaml" "$t" 2>/dev/null <<'PY'
import sys, time, yaml
sys.path.insert(0, sys.argv[1])
import ramulator
cfg = yaml.safe_load(open(sys.argv[2]))
cfg["frontend"]["path"] = sys.argv[3]
sim = ramulator.Simulation(cfg["frontend"], cfg["memory_system"])
c0 = time.process_time()
sim.run()
print(time.process_time() - c0)
PY
)
    fi
    python3 - "$VAL/ramulator2-ddr4-hbm2.csv" "$OUT/${std}_$p" "$std" "$p" "$r2" <<'PY'
import csv, json, re, sys
ref = {(r["standard"], r["pattern"]): r for r in csv.DictReader(open(sys.argv[1]))}
s = json.load(open(sys.argv[2] + "/summary.json"))
wall = float(re.search(r"wall ([0-9.]+) s", open(sys.argv[2] + ".log").read()).group(1))
m = re.search(r"cpu ([0-9.]+) s", open(sys.argv[2] + ".log").read())
cpu = float(m.group(1)) if m else float("nan")
r = ref[(sys.argv[3], sys.argv[4])]
nan = float("nan")
def div(a, b):
    return a / b if b else nan
def num(v):
    return float(v) if v else nan
# Tiny traces (idle_read) take no measurable time, and the CSV has no speed for them: n/a.
cyc, req = div(s["cycles_to_complete"], wall) / 1e6, div(s["requests"], wall) / 1e6
rc, rr = num(r["sim_dram_cycles_per_wall_s"]) / 1e6, num(r["sim_requests_per_wall_s"]) / 1e6
rcpu = num(r["sim_dram_cycles_per_cpu_s"]) / 1e6
ccpu = div(s["cycles_to_complete"], cpu) / 1e6
line = f"{sys.argv[3]:5s} {sys.argv[4]:16s} {s['requests']:9d} {s['cycles_to_complete']:10d} {wall:7.3f} {cyc:8.2f} {req:8.3f} | {rc:9.2f} {rr:9.3f} {div(cyc, rc):7.1f}x | {cpu:7.2f} {ccpu:10.2f} {div(ccpu, rcpu):7.1f}x"
if sys.argv[5]:
    r2cpu = float(sys.argv[5])
    r2c = div(s["cycles_to_complete"], r2cpu) / 1e6
    line += f" | {r2cpu:8.2f} {r2c:10.2f} {div(ccpu, r2c):7.1f}x"
print(line)
PY
  done
done
if [[ -z "$R2PY" ]]; then
  echo "(R2 columns: Ramulator 2.1's speeds recorded with the reference results on another machine;"
  echo " built on this VM it ran 2-3x slower than those, see docs/VALIDATION.md, DRAM, Speed."
  echo " Set RAMULATOR_PY to a local Ramulator 2.1 build's python folder for a side-by-side run.)"
fi
