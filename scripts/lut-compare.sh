#!/usr/bin/env bash
# Reproduce the LUT Tensor Core tables of docs/LUT.md and docs/VALIDATION.md:
# the same BitNet-3B decode trace on the LUT chip and both MAC baselines, the W = 1, 2, 4
# sweep, and the table-precompute placements on LLaMA-class traces.
#
# Usage: scripts/lut-compare.sh [OUTDIR]   (needs cargo and python3; prints Markdown)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-out/lut-compare}
mkdir -p "$OUT"
cargo build --release -q
X=target/release/xpusim

run() { # name config trace [--set ...]
  local name=$1 cfg=$2 trace=$3
  shift 3
  "$X" run "$cfg" "$trace" --out "$OUT/$name" -q "$@"
}

T=traces/lut
# Table 1 setting: BitNet-3B batch-1024 decode; the FP16 baseline runs FP16 weights.
run d1024-fp16-native configs/mac-fp16-tensor-core.toml $T/bitnet-3b-decode-b1024-fp16.xtr
for b in 1 1024; do
  run d$b-fp16 configs/mac-fp16-tensor-core.toml $T/bitnet-3b-decode-b$b-w2a8.xtr
  run d$b-int8 configs/mac-int8-tensor-core.toml $T/bitnet-3b-decode-b$b-w2a8.xtr
  run d$b-lut4 configs/lut-tensor-core.toml $T/bitnet-3b-decode-b$b-w2a8.xtr
  run d$b-lut8 configs/lut-tensor-core.toml $T/bitnet-3b-decode-b$b-w2a8.xtr --set lut.preset=a100-lut-8x
  for w in 1 2 4; do
    run w$w-b$b configs/lut-tensor-core.toml $T/bitnet-3b-decode-b$b-w${w}a8.xtr
    run w$w-b$b-int8 configs/mac-int8-tensor-core.toml $T/bitnet-3b-decode-b$b-w${w}a8.xtr
  done
done
for t in llama2-7b-prefill-b1-s2048-w2a16 llama2-7b-decode-b1024-w2a16 opt-6.7b-prefill-b1-s2048-w2a16 \
  opt-6.7b-decode-b1024-w2a16 llama2-7b-prefill-b1-s2048-w2a8 llama2-7b-decode-b1024-w2a8; do
  for p in none fused separate in_unit; do
    run pc-$t-$p configs/lut-tensor-core.toml $T/$t.xtr --set lut.datapath.precompute=$p
  done
done

python3 - "$OUT" <<'EOF'
import csv, json, sys
out = sys.argv[1]
LIN = {"qkv", "proj", "gate", "up", "down", "fc1", "fc2"}

def load(name):
    s = json.load(open(f"{out}/{name}/summary.json"))
    ops = list(csv.DictReader(open(f"{out}/{name}/ops.csv")))
    lin = [r for r in ops if r["id"].split(".")[-1] in LIN]
    s["lin_ns"] = sum(float(r["end_ns"]) - float(r["start_ns"]) for r in lin)
    s["lin_compute"] = sum(int(r["compute_cycles"]) for r in lin)
    s["lin_cycles"] = sum(int(r["cycles"]) for r in lin)
    return s

print("### BitNet-3B, one block: LUT chip against the MAC baselines\n")
for b in (1024, 1):
    rows = []
    if b == 1024:
        rows.append(("A100 FP16 TC, FP16 weights (Table 1 baseline)", load("d1024-fp16-native")))
    rows += [
        ("A100 FP16 TC, dequantised W2 (W2A8 trace)", load(f"d{b}-fp16")),
        ("A100 INT8 TC, dequantised W2 (W2A8 trace)", load(f"d{b}-int8")),
        ("A100-LUT-4X (W2A8 trace)", load(f"d{b}-lut4")),
        ("A100-LUT-8X (W2A8 trace)", load(f"d{b}-lut8")),
    ]
    base = rows[0][1]
    print(f"Decode, batch {b}, context 1 (`traces/lut/bitnet-3b-decode-b{b}-*.xtr`):\n")
    print("| system | block time (us) | block cycles @1410 MHz | weight-GEMM time (us) | speedup (GEMMs) | speedup (block) | energy (uJ) | peak TOPS | TOPS/mm² | TOPS/W |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, s in rows:
        t = s["total_time_ns"]
        print(f"| {name} | {t/1e3:.1f} | {s['total_cycles']['lut0']} | {s['lin_ns']/1e3:.1f} | "
              f"{base['lin_ns']/s['lin_ns']:.2f}x | {base['total_time_ns']/t:.2f}x | {s['energy']['total_pj']/1e6:.1f} | "
              f"{s['peak_tops']:.1f} | {s['tops_per_mm2']:.2f} | {s['tops_per_w']:.2f} |")
    print()

print("### Weight bits W = 1, 2, 4 (A100-LUT-4X, and the INT8 tensor core's dequantise path)\n")
print("| batch | W | LUT block time (us) | LUT weight-GEMM compute cycles | ratio to W=1 | LUT energy (uJ) | INT8 TC block time (us) | INT8 TC energy (uJ) |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
for b in (1, 1024):
    c1 = load(f"w1-b{b}")["lin_compute"]
    for w in (1, 2, 4):
        s = load(f"w{w}-b{b}")
        i = load(f"w{w}-b{b}-int8")
        print(f"| {b} | {w} | {s['total_time_ns']/1e3:.1f} | {s['lin_compute']} | {s['lin_compute']/c1:.2f} | "
              f"{s['energy']['total_pj']/1e6:.1f} | {i['total_time_ns']/1e3:.1f} | {i['energy']['total_pj']/1e6:.1f} |")
print()

print("### Table precompute: overhead against free tables (A100-LUT-4X, INT8 tables)\n")
print("| trace | weight GEMMs, no precompute (us) | fused | separate | in_unit | whole block: fused | separate |")
print("|---|---:|---:|---:|---:|---:|---:|")
for t in ["llama2-7b-prefill-b1-s2048-w2a16", "llama2-7b-decode-b1024-w2a16", "opt-6.7b-prefill-b1-s2048-w2a16",
          "opt-6.7b-decode-b1024-w2a16", "llama2-7b-prefill-b1-s2048-w2a8", "llama2-7b-decode-b1024-w2a8"]:
    n = load(f"pc-{t}-none")
    r = {p: load(f"pc-{t}-{p}") for p in ("fused", "separate", "in_unit")}
    pct = lambda s, k: 100 * (s[k] / n[k] - 1)
    print(f"| `{t}` | {n['lin_ns']/1e3:.1f} | {pct(r['fused'],'lin_ns'):+.2f} % | {pct(r['separate'],'lin_ns'):+.2f} % | "
          f"{pct(r['in_unit'],'lin_ns'):+.2f} % | {pct(r['fused'],'total_time_ns'):+.2f} % | {pct(r['separate'],'total_time_ns'):+.2f} % |")
EOF
