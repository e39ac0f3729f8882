#!/usr/bin/env bash
# Speed benchmark of xpusim's scalesim mode against SCALE-Sim 3.0.0 on the validation cases of
# scripts/scalesim_cases.py, in one run: SCALE-Sim is timed in-process around its `run_scale`
# call (Python start-up and imports excluded), xpusim around its simulation (`--repeat N` runs,
# mean per run; process start-up and report writing excluded). Prints one row per case with
# both wall times, the speed-up and whether the cycle columns of COMPUTE_REPORT.csv are equal,
# then the totals. Exits non-zero unless xpusim is >= 1000x faster over the set, >= 100x on
# every case, and every cycle count is equal.
#
# SCALE-Sim needs about 20 minutes for the set on a 2-core machine. By default it is re-run
# and re-timed (`--fresh`); pass --cached to reuse the timings of the last run in $WORK.
#
# Before that, it prints the speed of full `xpusim run`s of the NPU configs on the LLM traces
# (physical and scalesim timing): simulated cycles and events per wall second.
#
# Usage: scripts/bench-npu.sh [--cached] [--filter SUBSTR] [--repeat N]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/tmp/xpusim-scalesim-work}"
VENV="${VENV:-/tmp/xpusim-scalesim-venv}"
mkdir -p "$WORK"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q scalesim==3.0.0 numpy==1.26.4 pandas==2.2.3
fi
(cd "$ROOT" && cargo build --release -q)
FRESH=--fresh
ARGS=()
for a in "$@"; do
  if [ "$a" = "--cached" ]; then FRESH=""; else ARGS+=("$a"); fi
done
bin="$ROOT/target/release/xpusim"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-52s %14s %10s %10s %12s\n' "config + trace (timing)" "sim cycles" "events" "wall s" "Mcycles/s"
for spec in "tpu-like llama7b-b32 physical" "tpu-like llama7b-b32 scalesim" "tpu-like gpt2-b32 physical" \
            "npu-multicore llama7b-b32 physical" "tpu-like resnet50-conv physical"; do
  set -- $spec
  "$bin" run "$ROOT/configs/$1.toml" "$ROOT/traces/npu/$2.xtr" --out "$out/$1-$2-$3" -q \
    --set npu.timing=$3 --set npu.word_bytes=2
  python3 - "$out/$1-$2-$3/manifest.json" "$1 + $2 ($3)" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:<52} {m['simulated_cycles']:>14} {m['events']:>10} {m['wall_time_s']:>10.4f} {m['simulated_cycles_per_wall_s']/1e6:>12.1f}")
PY
done
echo
"$VENV/bin/python" "$ROOT/scripts/scalesim_cases.py" --work "$WORK" \
  --xpusim "$ROOT/target/release/xpusim" --bench --repeat 20 $FRESH "${ARGS[@]}"
