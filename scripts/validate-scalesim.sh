#!/usr/bin/env bash
# Validate xpusim's `scalesim` timing mode against SCALE-Sim 3.0.0 itself.
#
# What it does:
#   1. makes a Python venv outside the repository (default /tmp/xpusim-scalesim-venv) and
#      pip-installs the published scalesim==3.0.0 with numpy==1.26.4 pandas==2.2.3
#      (newer numpy breaks scalesim 3.0.0);
#   2. writes the validation cases (SCALE-Sim .cfg + topology CSV per case) under $WORK;
#   3. runs SCALE-Sim on every case once (results are cached in $WORK/<case>/scalesim, so a
#      rerun only pays for new cases; SCALE-Sim is pure Python and needs minutes for the set);
#   4. runs `xpusim scalesim` on the same inputs and prints a comparison table (Markdown),
#      one row per case, comparing every column of COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv
#      and DETAILED_ACCESS_REPORT.csv.
#
# Usage: scripts/validate-scalesim.sh [--cases-only] [--refs-csv FILE] [--filter SUBSTR]
#   --refs-csv FILE   also write SCALE-Sim's numbers as the test reference CSV
#                     (tests/data/scalesim_ref.csv is produced this way).
# Environment: WORK (default /tmp/xpusim-scalesim-work), VENV (default /tmp/xpusim-scalesim-venv),
#              XPUSIM (default: cargo run --release -q --).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/tmp/xpusim-scalesim-work}"
VENV="${VENV:-/tmp/xpusim-scalesim-venv}"
mkdir -p "$WORK"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q scalesim==3.0.0 numpy==1.26.4 pandas==2.2.3
fi
PY="$VENV/bin/python"

if [ -z "${XPUSIM:-}" ]; then
  (cd "$ROOT" && cargo build --release -q)
  XPUSIM="$ROOT/target/release/xpusim"
fi

exec "$PY" "$ROOT/scripts/scalesim_cases.py" --work "$WORK" --xpusim "$XPUSIM" "$@"
