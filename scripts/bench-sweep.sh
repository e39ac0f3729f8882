#!/usr/bin/env bash
# Sweep throughput against threads: the same sweep run on 1 thread and on 2 threads (and
# more if given: scripts/bench-sweep.sh 1 2 4), each in a fresh copy of the planned sweep
# directory, printing runs per wall second and the speed-up over 1 thread.
#
# The points are realistic: the element-wise ops of BLOCKS GPT-2 blocks (prefill, 512
# tokens) on a vector unit and a DMA engine, 6 vector widths x 3 memories = 18 points, each
# simulated and written as a full run directory (config, summary, ops, stats, energy,
# timeline). Target on a 2-core machine: at least 1.8x from 1 to 2 threads. Other load on
# the machine lowers the figure: the script prints the load average, and the CPU time
# (user + system): when it stays the same from 1 to 2 threads while the wall time does not
# halve, the threads waited for a CPU, not for each other.
#
# Each thread count runs REPS times (alternating with the others) and the fastest run is
# kept: on a machine shared with other work, the minimum is the run least disturbed.
#
# Usage: scripts/bench-sweep.sh [THREADS...]   (env: BLOCKS=150, REPS=3, XPUSIM=binary)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=("$@")
[ ${#threads[@]} -gt 0 ] || threads=(1 2)
BLOCKS=${BLOCKS:-150}
REPS=${REPS:-3}
if [ -z "${XPUSIM:-}" ]; then
    cargo build --release --quiet
    XPUSIM=$PWD/target/release/xpusim
fi
work=$(mktemp -d /tmp/xpusim-bench-sweep.XXXXXX)
trap 'rm -rf "$work"' EXIT

# A trace of BLOCKS chained copies of configs/sweeps/traces/vector-block.xtr.
{
    echo "xpusim-trace 1"
    for b in $(seq 0 $((BLOCKS - 1))); do
        grep -v -e '^#' -e '^xpusim-trace' configs/sweeps/traces/vector-block.xtr |
            sed -E "s/id=([a-z0-9_]+)/id=b${b}_\1/; s/deps=([a-z0-9_,]+)/deps=DEPS\1/" |
            awk -v b="$b" '{
                if (match($0, /deps=DEPS[a-z0-9_,]+/)) {
                    d = substr($0, RSTART + 9, RLENGTH - 9); n = split(d, a, ","); s = "";
                    for (i = 1; i <= n; i++) s = s (i > 1 ? "," : "") "b" b "_" a[i];
                    $0 = substr($0, 1, RSTART - 1) "deps=" s substr($0, RSTART + RLENGTH);
                }
                if (b > 0 && $0 ~ /^transfer id=b[0-9]+_load/) $0 = $0 " deps=b" (b - 1) "_store";
                print
            }'
    done
} >"$work/trace.xtr"

cat >"$work/spec.toml" <<EOF
name = "bench"
config = "$PWD/configs/sweeps/base/vector-dma.toml"
trace = "$work/trace.xtr"
[[axis]]
key = "vector.lanes"
values = [16, 32, 64, 128, 256, 512]
[[axis]]
key = "memory.preset"
values = ["ideal-ddr4", "ideal-hbm2", "ideal-hbm3"]
EOF
"$XPUSIM" sweep plan "$work/spec.toml" --out "$work/plan" >/dev/null

echo "sweep throughput: 18 points of $BLOCKS GPT-2 block(s) of element-wise ops each"
declare -A best_wall best_cpu
for rep in $(seq 1 "$REPS"); do
    for t in "${threads[@]}"; do
        rm -rf "$work/run"
        cp -r "$work/plan" "$work/run"
        TIMEFORMAT='%U %S'
        { time "$XPUSIM" sweep run "$work/run" --threads "$t" 2>"$work/err" ; } 2>"$work/time"
        line=$(grep '^sweep run:' "$work/err")
        wall=$(sed -E 's/.* in ([0-9.]+) s .*/\1/' <<<"$line")
        cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$work/time")
        if [ -z "${best_wall[$t]:-}" ] || awk -v a="$wall" -v b="${best_wall[$t]}" 'BEGIN { exit !(a < b) }'; then
            best_wall[$t]=$wall
            best_cpu[$t]=$cpu
        fi
        # Same results whatever the thread count.
        "$XPUSIM" sweep merge "$work/run" >/dev/null
        if [ -f "$work/first.csv" ]; then
            cmp -s "$work/first.csv" "$work/run/sweep.csv" || { echo "sweep.csv differs between thread counts" >&2; exit 1; }
        else
            cp "$work/run/sweep.csv" "$work/first.csv"
        fi
    done
done
printf "%-8s %8s %8s %8s %9s\n" threads wall_s cpu_s runs/s speedup
base=""
for t in "${threads[@]}"; do
    wall=${best_wall[$t]}
    rate=$(awk -v w="$wall" 'BEGIN { printf "%.2f", 18 / w }')
    [ -n "$base" ] || base=$rate
    speed=$(awk -v r="$rate" -v b="$base" 'BEGIN { printf "%.2f", r / b }')
    printf "%-8s %8s %8s %8s %8sx\n" "$t" "$wall" "${best_cpu[$t]}" "$rate" "$speed"
done
echo "best of $REPS runs each; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
