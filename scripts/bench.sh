#!/usr/bin/env bash
# Speed of xpusim: simulated cycles and events per wall second on the bundled examples,
# then each component's own benchmark script if present. Usage: scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/xpusim
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-48s %14s %14s %12s %14s\n' "config + trace" "sim cycles" "events" "wall s" "Mcycles/s"
run() {
  local cfg=$1 trace=$2 name
  name=$(basename "$cfg" .toml)+$(basename "$trace")
  "$bin" run "$cfg" "$trace" --out "$out/$name" -q
  python3 - "$out/$name/manifest.json" "$name" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:<48} {m['simulated_cycles']:>14} {m['events']:>14} {m['wall_time_s']:>12.4f} {m['simulated_cycles_per_wall_s']/1e6:>14.1f}")
PY
}
run configs/vector-demo.toml traces/examples/layernorm-gelu.xtr
for s in scripts/bench-*.sh; do
  [ -x "$s" ] || continue
  echo
  echo "== $s"
  "$s"
done
