#!/usr/bin/env python3
"""Validation cases for xpusim's `scalesim` timing mode, and the driver that runs SCALE-Sim 3.0.0
and xpusim on them and compares their reports.

Run it through scripts/validate-scalesim.sh (which makes the venv) or scripts/bench-npu.sh.
Nothing here is SCALE-Sim code: SCALE-Sim is used as a black box through its published Python API.
"""
import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import time

# ---------------------------------------------------------------------------------------------
# The case set. Each case is one SCALE-Sim run: an array, a dataflow, SRAM sizes, bandwidths and
# one or more topology layers. "ideal" memories are large enough that every operand fits in half
# of its SRAM (no stall can happen); "small" memories and low bandwidths make SCALE-Sim stall.
# ---------------------------------------------------------------------------------------------
ARRAYS = {"a8x8": (8, 8), "a32x32": (32, 32), "a128x128": (128, 128), "a16x64": (16, 64)}

# (name, M, N, K) per array size class; kept small enough that SCALE-Sim runs in seconds.
GEMMS = {
    "a8x8": [("gemv_256", 1, 256, 256), ("sq_96", 96, 96, 96), ("odd_37x53x71", 37, 53, 71),
             ("mid_200x100x64", 200, 100, 64)],
    "a32x32": [("gemv_1024", 1, 1024, 1024), ("sq_256", 256, 256, 256),
               ("odd_100x3x200", 100, 3, 200), ("tok16_384", 16, 384, 384)],
    "a128x128": [("gemv_1024", 1, 1024, 1024), ("sq_384", 384, 384, 384),
                 ("odd_131x257x129", 131, 257, 129), ("tall_1024x64x128", 1024, 64, 128)],
    "a16x64": [("gemv_512", 1, 512, 512), ("sq_200", 200, 200, 200),
               ("odd_33x65x17", 33, 65, 17), ("tok8_384", 8, 384, 384)],
}

# Memory settings: (ifmap KB, filter KB, ofmap KB, ifmap bw, filter bw, ofmap bw) in words/cycle.
MEMS = {
    "ideal": (2048, 2048, 2048, 10, 10, 10),
    "sram16k_bw4": (16, 16, 16, 4, 4, 4),
    "sram8k_bw2": (8, 8, 4, 2, 2, 2),
}


def cases():
    out = []
    for arr, (r, c) in ARRAYS.items():
        for df in ("os", "ws", "is"):
            for gi, (gname, m, n, k) in enumerate(GEMMS[arr]):
                # three stall-free cases and one stalling case per array and dataflow
                mem = "ideal" if gi < 3 else ("sram16k_bw4" if df != "is" else "sram8k_bw2")
                out.append(dict(name=f"{arr}_{df}_{mem}__{gname}", rows=r, cols=c, df=df,
                                mem=MEMS[mem], mode="gemm", layers=[(gname, m, n, k)]))
    # stalling variants of a stall-free shape on the small arrays
    for arr, gname, m, n, k in (("a8x8", "sq_64", 64, 64, 64), ("a32x32", "odd_70x90x50", 70, 90, 50)):
        r, c = ARRAYS[arr]
        for df in ("os", "ws", "is"):
            out.append(dict(name=f"{arr}_{df}_sram8k_bw2__{gname}", rows=r, cols=c, df=df,
                            mem=MEMS["sram8k_bw2"], mode="gemm", layers=[(gname, m, n, k)]))
    # multi-layer GEMM topology and convolution topologies (SCALE-Sim's conv front end)
    out.append(dict(name="a32x32_os_ideal__multi", rows=32, cols=32, df="os", mem=MEMS["ideal"],
                    mode="gemm", layers=[("l0", 64, 128, 96), ("l1", 1, 300, 200), ("l2", 17, 9, 33)]))
    conv = [("conv1", 16, 16, 3, 3, 8, 16, 1), ("conv2", 15, 15, 3, 3, 4, 8, 2),
            ("conv3", 8, 8, 1, 1, 32, 24, 1)]
    for df in ("os", "ws", "is"):
        out.append(dict(name=f"a16x64_{df}_ideal__conv", rows=16, cols=64, df=df, mem=MEMS["ideal"],
                        mode="conv", layers=conv))
    out.append(dict(name="a8x8_ws_sram8k_bw2__conv", rows=8, cols=8, df="ws", mem=MEMS["sram8k_bw2"],
                    mode="conv", layers=conv[:2]))
    # InterfaceBandwidth = CALC (SCALE-Sim's default sample config): bandwidth estimation with
    # small SRAMs so that the estimator's windows move many times.
    calc = [("a8x8", "sq_64", 64, 64, 64), ("a8x8", "mid_200x100x64", 200, 100, 64),
            ("a32x32", "tok16_384", 16, 384, 384), ("a16x64", "odd_70x90x50", 70, 90, 50),
            ("a128x128", "tall_1024x64x128", 1024, 64, 128)]
    for arr, gname, m, n, k in calc:
        r, c = ARRAYS[arr]
        for df in ("os", "ws", "is"):
            out.append(dict(name=f"{arr}_{df}_calc_sram8k__{gname}", rows=r, cols=c, df=df,
                            mem=(8, 8, 8, 10, 10, 10), mode="gemm", layers=[(gname, m, n, k)],
                            calc=True))
    out.append(dict(name="a16x64_ws_calc_sram8k__conv", rows=16, cols=64, df="ws",
                    mem=(8, 8, 8, 10, 10, 10), mode="conv", layers=conv, calc=True))
    return out


def cfg_text(case):
    ik, fk, ok, ib, fb, ob = case["mem"]
    return f"""[general]
run_name = {case['name']}

[architecture_presets]
ArrayHeight:    {case['rows']}
ArrayWidth:     {case['cols']}
IfmapSramSzkB:    {ik}
FilterSramSzkB:   {fk}
OfmapSramSzkB:    {ok}
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Bandwidth : {ob}
Dataflow : {case['df']}
MemoryBanks:   1
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: {ib}
IfmapSRAMBankNum: 1
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: {fb}
FilterSRAMBankNum: 1
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth: {'CALC' if case.get('calc') else 'USER'}
UseRamulatorTrace: False
"""


def topo_text(case):
    if case["mode"] == "gemm":
        lines = ["Layer, M, N, K,"] + [f"{n}, {m}, {nn}, {k}," for (n, m, nn, k) in case["layers"]]
    else:
        lines = ["Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"]
        lines += [", ".join(str(x) for x in l) + "," for l in case["layers"]]
    return "\n".join(lines) + "\n"


def write_inputs(work, case):
    d = os.path.join(work, case["name"])
    os.makedirs(d, exist_ok=True)
    files = {"case.cfg": cfg_text(case), "topology.csv": topo_text(case), "layout.csv": "Layer,\n"}
    for f, t in files.items():
        p = os.path.join(d, f)
        if not os.path.exists(p) or open(p).read() != t:
            with open(p, "w") as fh:
                fh.write(t)
    key = hashlib.sha256((files["case.cfg"] + files["topology.csv"] + case["mode"]).encode()).hexdigest()[:16]
    return d, key


def run_scalesim(d, case, key):
    """Run SCALE-Sim once per input hash; return (report dir, wall seconds of the simulation)."""
    out = os.path.join(d, "scalesim")
    stamp = os.path.join(out, "done.json")
    if os.path.exists(stamp):
        meta = json.load(open(stamp))
        if meta.get("key") == key:
            return os.path.join(out, case["name"]), meta["wall_s"]
    os.makedirs(out, exist_ok=True)
    code = (
        "import sys,time,json;from scalesim.scale_sim import scalesim;"
        "s=scalesim(save_disk_space=True,verbose=False,config=sys.argv[1],topology=sys.argv[2],"
        "layout=sys.argv[3],input_type_gemm=(sys.argv[4]=='gemm'));"
        "t=time.perf_counter();s.run_scale(top_path=sys.argv[5]);"
        "print(json.dumps({'wall_s':time.perf_counter()-t}))"
    )
    try:
        r = subprocess.run([sys.executable, "-c", code, os.path.join(d, "case.cfg"),
                            os.path.join(d, "topology.csv"), os.path.join(d, "layout.csv"),
                            case["mode"], out], capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"SCALE-Sim took more than {TIMEOUT_S} s on {case['name']}; "
                         "choose a smaller case")
    if r.returncode != 0:
        raise SystemExit(f"SCALE-Sim failed on {case['name']}:\n{r.stderr[-2000:]}")
    wall = json.loads(r.stdout.strip().splitlines()[-1])["wall_s"]
    json.dump({"key": key, "wall_s": wall}, open(stamp, "w"))
    return os.path.join(out, case["name"]), wall


def run_xpusim(xpusim, d, case, repeat):
    out = os.path.join(d, "xpusim")
    cmd = xpusim.split() + ["scalesim", "--cfg", os.path.join(d, "case.cfg"), "--topology",
                            os.path.join(d, "topology.csv"), "--mode", case["mode"], "--out", out,
                            "--repeat", str(repeat)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"xpusim failed on {case['name']}:\n{r.stderr[-2000:]}")
    wall = None
    for line in r.stderr.splitlines():
        if line.startswith("sim_wall_s="):
            wall = float(line.split("=")[1])
    return out, wall


# SCALE-Sim's cost grows quadratically with DRAM refetches on stalling cases; keep cases small.
TIMEOUT_S = 600

REPORTS = ["COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"]


def read_report(path):
    with open(path) as fh:
        rows = [[c.strip() for c in line.rstrip("\n").split(",")] for line in fh if line.strip()]
    return rows


def compare(ss_dir, xp_dir):
    """Return (n_fields, n_equal, list of (report, layer, column, scalesim, xpusim) differences,
    header_equal)."""
    n = eq = 0
    diffs = []
    header_ok = True
    for rep in REPORTS:
        a = read_report(os.path.join(ss_dir, rep))
        b = read_report(os.path.join(xp_dir, rep))
        if a[0] != b[0]:
            header_ok = False
        for li, (ra, rb) in enumerate(zip(a[1:], b[1:])):
            for ci, (x, y) in enumerate(zip(ra, rb)):
                if ci == 0 or a[0][ci] == "":
                    continue
                n += 1
                if x == y:
                    eq += 1
                else:
                    diffs.append((rep, li, a[0][ci], x, y))
        if len(a) != len(b):
            diffs.append((rep, -1, "rows", str(len(a) - 1), str(len(b) - 1)))
    return n, eq, diffs, header_ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--xpusim", default="")
    ap.add_argument("--cases-only", action="store_true", help="only run SCALE-Sim (fill the cache)")
    ap.add_argument("--refs-csv", default="", help="write SCALE-Sim's report values to this CSV")
    ap.add_argument("--filter", default="")
    ap.add_argument("--bench", action="store_true", help="print the speed table instead")
    ap.add_argument("--fresh", action="store_true", help="ignore the SCALE-Sim cache (re-time it)")
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()

    all_cases = [c for c in cases() if a.filter in c["name"]]
    results = []
    for case in all_cases:
        d, key = write_inputs(a.work, case)
        if a.fresh:
            stamp = os.path.join(d, "scalesim", "done.json")
            if os.path.exists(stamp):
                os.remove(stamp)
        t0 = time.time()
        ss_dir, ss_wall = run_scalesim(d, case, key)
        print(f"# {case['name']}: SCALE-Sim {ss_wall:.2f} s (this call {time.time() - t0:.1f} s)",
              file=sys.stderr, flush=True)
        results.append((case, d, ss_dir, ss_wall))

    if a.refs_csv:
        write_refs(a.refs_csv, results)
    if a.cases_only:
        return

    if a.bench:
        bench(a, results)
        return

    print("| case | layers | SCALE-Sim Total Cycles | xpusim Total Cycles | stall (SCALE-Sim / xpusim) | fields equal | differences |")
    print("|---|---|---|---|---|---|---|")
    tot_n = tot_eq = 0
    all_ok = True
    for case, d, ss_dir, _ in results:
        xp_dir, _ = run_xpusim(a.xpusim, d, case, 1)
        xp_dir = os.path.join(xp_dir, case["name"])
        n, eq, diffs, hdr = compare(ss_dir, xp_dir)
        tot_n += n
        tot_eq += eq
        ca = read_report(os.path.join(ss_dir, "COMPUTE_REPORT.csv"))
        cb = read_report(os.path.join(xp_dir, "COMPUTE_REPORT.csv"))
        tc_a = "; ".join(r[2] for r in ca[1:])
        tc_b = "; ".join(r[2] for r in cb[1:])
        st = "; ".join(f"{r[3]}/{s[3]}" for r, s in zip(ca[1:], cb[1:]))
        dtxt = ", ".join(f"{c} L{l}: {x} vs {y}" for (_, l, c, x, y) in diffs[:4])
        if len(diffs) > 4:
            dtxt += f", ... ({len(diffs)} total)"
        if not hdr:
            dtxt = "HEADER MISMATCH " + dtxt
        all_ok &= (not diffs) and hdr
        print(f"| {case['name']} | {len(case['layers'])} | {tc_a} | {tc_b} | {st} | {eq}/{n} | {dtxt or '-'} |")
    print(f"\nfields equal: {tot_eq}/{tot_n} over {len(results)} cases")
    sys.exit(0 if all_ok else 1)


def bench(a, results):
    print("| case | SCALE-Sim wall (s) | xpusim wall (s) | speed-up | Total Cycles equal |")
    print("|---|---|---|---|---|")
    ss_sum = xp_sum = 0.0
    min_sp = float("inf")
    all_eq = True
    for case, d, ss_dir, ss_wall in results:
        xp_dir, xp_wall = run_xpusim(a.xpusim, d, case, a.repeat)
        xp_dir = os.path.join(xp_dir, case["name"])
        ca = read_report(os.path.join(ss_dir, "COMPUTE_REPORT.csv"))
        cb = read_report(os.path.join(xp_dir, "COMPUTE_REPORT.csv"))
        same = [r[1:4] for r in ca[1:]] == [r[1:4] for r in cb[1:]]
        all_eq &= same
        sp = ss_wall / xp_wall
        min_sp = min(min_sp, sp)
        ss_sum += ss_wall
        xp_sum += xp_wall
        print(f"| {case['name']} | {ss_wall:.3f} | {xp_wall:.6f} | {sp:,.0f}x | {'yes' if same else 'NO'} |")
    print(f"\ntotal: SCALE-Sim {ss_sum:.1f} s, xpusim {xp_sum:.4f} s, speed-up over the set "
          f"{ss_sum / xp_sum:,.0f}x, smallest per-case speed-up {min_sp:,.0f}x, cycle counts equal: {all_eq}")
    ok = ss_sum / xp_sum >= 1000 and min_sp >= 100 and all_eq
    sys.exit(0 if ok else 1)


def write_refs(path, results):
    """One row per (case, layer): the inputs and every report value SCALE-Sim printed."""
    rows = []
    header = None
    for case, d, ss_dir, _ in results:
        reps = [read_report(os.path.join(ss_dir, r)) for r in REPORTS]
        if header is None:
            header = ["case", "layer", "rows", "cols", "dataflow", "ifmap_kb", "filter_kb", "ofmap_kb",
                      "ifmap_bw", "filter_bw", "ofmap_bw", "mode", "interface", "dims"]
            for rep in reps:
                header += [h for h in rep[0][1:] if h != ""]
        for li in range(len(reps[0]) - 1):
            dims = " ".join(str(x) for x in case["layers"][li][1:])
            row = [case["name"], str(li), str(case["rows"]), str(case["cols"]), case["df"]]
            row += [str(x) for x in case["mem"]] + [case["mode"], "CALC" if case.get("calc") else "USER", dims]
            for rep in reps:
                row += [v for h, v in zip(rep[0][1:], rep[li + 1][1:]) if h != ""]
            rows.append(row)
    with open(path, "w", newline="") as fh:
        fh.write("# SCALE-Sim 3.0.0 (numpy 1.26.4, pandas 2.2.3, CPython %d.%d) report values for the cases of\n"
                 % sys.version_info[:2])
        fh.write("# scripts/scalesim_cases.py; produced by: scripts/validate-scalesim.sh --cases-only --refs-csv tests/data/scalesim_ref.csv\n")
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


if __name__ == "__main__":
    main()
