//! NPU: SCALE-Sim 3.0.0 agreement (against numbers SCALE-Sim itself printed, stored in
//! `tests/data/scalesim_ref.csv`), fast path vs address-by-address path, physical-mode bounds,
//! and the NPU inside full runs.

use crate::common::{read, root, stderr, tmpdir, xpusim};
use std::sync::Arc;
use xpusim::units::npu::compat::report::render;
use xpusim::units::npu::mapping::{Dataflow, Mapping};
use xpusim::units::npu::scalesim::{self, Arch, Layer};

struct RefRow {
    case: String,
    arch: Arch,
    layer: Layer,
    /// The 30 report values SCALE-Sim printed, as text.
    values: Vec<String>,
}

fn ref_rows() -> Vec<RefRow> {
    let text = read(&root().join("tests/data/scalesim_ref.csv"));
    let mut rows = Vec::new();
    let mut header = true;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if header {
            header = false;
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        let n = |i: usize| f[i].parse::<u64>().unwrap();
        let dims: Vec<u64> = f[13].split(' ').map(|x| x.parse().unwrap()).collect();
        let layer = if f[11] == "gemm" {
            Layer::gemm("l", dims[0], dims[1], dims[2])
        } else {
            Layer {
                name: "l".into(),
                ifmap_h: dims[0],
                ifmap_w: dims[1],
                filt_h: dims[2],
                filt_w: dims[3],
                channels: dims[4],
                num_filt: dims[5],
                stride_h: dims[6],
                stride_w: dims[6],
            }
        };
        rows.push(RefRow {
            case: format!("{} layer {}", f[0], f[1]),
            arch: Arch {
                rows: n(2),
                cols: n(3),
                dataflow: Dataflow::parse(f[4]).unwrap(),
                ifmap_sram_words: n(5) * 1024,
                filter_sram_words: n(6) * 1024,
                ofmap_sram_words: n(7) * 1024,
                ifmap_bw: n(8),
                filter_bw: n(9),
                ofmap_bw: n(10),
                ifmap_offset: 0,
                filter_offset: 10_000_000,
                ofmap_offset: 20_000_000,
                calc: f[12] == "CALC",
            },
            layer,
            values: f[14..].iter().map(|s| s.to_string()).collect(),
        });
    }
    rows
}

/// The report values xpusim prints for one layer, in the reference CSV's order.
fn values(r: &scalesim::Report) -> Vec<String> {
    render(std::slice::from_ref(r))
        .iter()
        .flat_map(|(_, text)| {
            let line = text.lines().nth(1).unwrap().to_string();
            line.split(',')
                .skip(1)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn scalesim_reports_equal_scalesim_3_0_0_on_every_reference_case() {
    let rows = ref_rows();
    assert!(rows.len() >= 40, "expected the full reference set");
    let mut stalling = 0;
    for row in &rows {
        let r = scalesim::simulate(&row.arch, &row.layer).unwrap();
        assert_eq!(values(&r), row.values, "{}", row.case);
        if r.stall_cycles > 0 {
            stalling += 1;
        }
    }
    // The set exercises SCALE-Sim's stall model, not only its closed form.
    assert!(stalling >= 10, "{stalling} stalling cases");
}

#[test]
fn stall_free_cases_follow_the_closed_form() {
    // Hand-derived (docs/NPU.md): Total Cycles = folds · rows per fold − 1 when nothing stalls.
    for row in ref_rows() {
        let l = &row.layer;
        let a = &row.arch;
        let m = Mapping::new(a.dataflow, a.rows, a.cols, l.m(), l.n(), l.k());
        let r = scalesim::simulate(a, l).unwrap();
        if r.stall_cycles == 0 {
            assert_eq!(
                r.total_cycles as u64,
                m.folds() * m.serial_fold_cycles() - 1,
                "{}",
                row.case
            );
        }
    }
}

#[test]
fn fast_path_agrees_with_the_address_by_address_path() {
    let mut checked = 0;
    for row in ref_rows() {
        let a = &row.arch;
        let l = &row.layer;
        let m = Mapping::new(a.dataflow, a.rows, a.cols, l.m(), l.n(), l.k());
        // The reference path touches every address of every row: keep to the small cases.
        if m.folds() * m.serial_fold_cycles() * (a.rows + 2 * a.cols) > 4_000_000 {
            continue;
        }
        let fast = scalesim::simulate(a, l).unwrap();
        let slow = scalesim::simulate_reference(a, l).unwrap();
        assert_eq!(fast, slow, "{}", row.case);
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} cases checked");
}

#[test]
fn scalesim_cli_writes_scalesims_three_reports() {
    let t = tmpdir();
    let o = xpusim(&[
        "scalesim",
        "--cfg",
        "traces/npu/scalesim/scale.cfg",
        "--topology",
        "traces/npu/scalesim/gpt2-llama7b.csv",
        "--out",
        t.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let dir = t.path().join("scale_sample");
    let compute = read(&dir.join("COMPUTE_REPORT.csv"));
    assert!(compute.starts_with(
        "LayerID, Total Cycles (incl. prefetch), Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n"
    ));
    assert_eq!(compute.lines().count(), 5);
    assert!(read(&dir.join("BANDWIDTH_REPORT.csv")).starts_with("LayerID, Avg IFMAP SRAM BW,"));
    assert!(
        read(&dir.join("DETAILED_ACCESS_REPORT.csv")).starts_with(
            "LayerID, SRAM IFMAP Start Cycle, SRAM IFMAP Stop Cycle, SRAM IFMAP Reads,"
        )
    );
    // gpt2_qkv_b1 on the 32×32 OS sample array: 1 × 72 folds of 768 + 62 rows; its 1.7 M-word
    // weights overflow the 64 KB SRAM, so SCALE-Sim stalls: Total = rows − 1 + stalls.
    let l0: Vec<&str> = compute.lines().nth(1).unwrap().split(", ").collect();
    let stall: u64 = l0[3].parse().unwrap();
    assert!(stall > 0);
    assert_eq!(l0[2], (72 * (768 + 62) - 1 + stall).to_string());
}

#[test]
fn bad_scalesim_inputs_name_file_and_line() {
    let t = tmpdir();
    let cfg = t.path().join("bad.cfg");
    let text = read(&root().join("traces/npu/scalesim/scale.cfg"))
        .replace("Dataflow : os", "Dataflow : zz");
    std::fs::write(&cfg, text).unwrap();
    let o = xpusim(&[
        "scalesim",
        "--cfg",
        cfg.to_str().unwrap(),
        "--topology",
        "traces/npu/scalesim/gpt2-llama7b.csv",
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains(
            "bad.cfg:14: `[architecture_presets] Dataflow` must be one of os, ws, is, found `zz`"
        ),
        "{e}"
    );
}

// ------------------------------------------------------------------------------------------
// Full runs.
// ------------------------------------------------------------------------------------------

fn run(config: &str, trace: &str) -> xpusim::report::RunResult {
    let loaded = xpusim::config::load_str("test.toml", config, &[]).unwrap();
    let work = xpusim::workload::trace::parse_lines("test.xtr", trace).unwrap();
    xpusim::report::simulate(loaded, Arc::new(work)).unwrap()
}

fn npu_config(
    df: &str,
    rows: u32,
    cols: u32,
    arrays: u32,
    kib: u32,
    bw_gbps: f64,
    timing: &str,
) -> String {
    format!(
        "schema_version = 1\nname = \"t\"\n[memory]\nkind = \"ideal\"\nlatency_ns = 50\nbw_gbps = {bw_gbps}\nfreq_mhz = 1000\n\
         [npu]\nrows = {rows}\ncols = {cols}\narrays_per_core = {arrays}\ndataflow = \"{df}\"\nfreq_mhz = 1000\n\
         ifmap_sram_kib = {kib}\nfilter_sram_kib = {kib}\nofmap_sram_kib = {kib}\ntiming = \"{timing}\"\n"
    )
}

#[test]
fn physical_cycles_never_beat_compute_or_bandwidth_bounds() {
    let trace = "xpusim-trace 1\n\
        gemm id=a m=1 n=2048 k=2048 dtype=fp16\n\
        gemm id=b m=32 n=768 k=768 dtype=fp16 deps=a\n\
        gemm id=c m=300 n=70 k=129 dtype=int8 deps=b\n\
        gemm id=d m=1024 n=1024 k=64 dtype=fp32 deps=c\n";
    for (df, schedule) in ["os", "ws", "is"]
        .into_iter()
        .flat_map(|d| [(d, "min_traffic"), (d, "fold_order")])
    {
        for (rows, cols, arrays, kib, bw) in [
            (32, 32, 1, 256, 64.0),
            (128, 128, 1, 512, 256.0),
            (16, 64, 2, 128, 16.0),
            (8, 8, 4, 64, 1000.0),
        ] {
            let mut cfg = npu_config(df, rows, cols, arrays, kib, bw, "physical");
            cfg.push_str(&format!("schedule = \"{schedule}\"\n"));
            let res = run(&cfg, trace);
            for rec in &res.records {
                let r = &rec.report;
                // Unit clock is 1 GHz: 1 cycle = 1 ns.
                let ns = (r.end.0 - r.start.0) as f64 / 1e6;
                let pes = (rows * cols * arrays) as f64;
                let what = format!("{df} {schedule} {rows}x{cols}x{arrays} op {}", r.op);
                assert!(
                    ns + 1e-9 >= r.macs as f64 / pes,
                    "{what}: {ns} ns < MACs/PEs"
                );
                // Bytes through the 1-GHz memory pipe at bw GB/s = bw bytes/ns.
                let moved = (r.bytes_read + r.bytes_written) as f64;
                assert!(ns + 1e-9 >= moved / bw, "{what}: {ns} ns < bytes/bandwidth");
                // Every operand crosses the memory at least once.
                let o = &res.work.ops[r.op as usize];
                let need = o.operand_bytes();
                assert!(
                    r.bytes_read >= need.a + need.b,
                    "{what}: read {} < {}",
                    r.bytes_read,
                    need.a + need.b
                );
                assert!(r.bytes_written >= need.c, "{what}");
                assert_eq!(
                    r.compute_cycles + r.mem_stall_cycles,
                    ns.round() as u64,
                    "{what}"
                );
            }
        }
    }
}

#[test]
fn min_traffic_schedule_reads_gpt2_qkv_at_its_hand_derived_traffic() {
    // GPT-2 small QKV at 1024 tokens on configs/tpu-like.toml (128×128 WS, 1 MiB SRAMs,
    // halves of 512 KiB), fp16: |A| = 1024·768·2, |B| = 768·2304·2, |C| = 1024·2304·2.
    // fold_order re-reads A (1.5 MiB, more than half the IFMAP) for each of the 18 column
    // folds: 18·|A| + |B|. min_traffic keeps a block of bt ≤ 341 tokens × 768 of A resident
    // (4 blocks) and streams B past each: |A| + 4·|B| (docs/NPU.md derives it).
    let (a, b, c) = (1024 * 768 * 2, 768 * 2304 * 2, 1024 * 2304 * 2);
    let cfg = read(&root().join("configs/tpu-like.toml"));
    let trace = "xpusim-trace 1\ngemm id=qkv m=1024 n=2304 k=768 dtype=fp16\n";
    let mut cycles = Vec::new();
    for (schedule, want_read) in [("fold_order", 18 * a + b), ("min_traffic", a + 4 * b)] {
        assert!(cfg.contains("schedule = \"min_traffic\"\n"));
        let cfg = cfg.replace(
            "schedule = \"min_traffic\"\n",
            &format!("schedule = \"{schedule}\"\n"),
        );
        let res = run(&cfg, trace);
        let r = &res.records[0].report;
        assert_eq!(
            (r.bytes_read, r.bytes_written),
            (want_read, c),
            "{schedule}"
        );
        cycles.push(r.compute_cycles + r.mem_stall_cycles);
    }
    // Half the bytes through the same 272 B/cycle pipe: fewer cycles.
    assert!(cycles[1] < cycles[0], "{cycles:?}");
}

#[test]
fn physical_overlap_beats_scalesim_serial_folds_when_data_is_there() {
    // WS 128×128, M = 32: SCALE-Sim serialises 6·18 folds of 32 + 2·128 + 128 − 2 cycles;
    // physical mode overlaps them (max(T, R) = 128 per fold) behind a fast memory.
    let trace = "xpusim-trace 1\ngemm id=qkv m=32 n=2304 k=768 dtype=fp16\n";
    let res = run(
        &npu_config("ws", 128, 128, 1, 4096, 100000.0, "physical"),
        trace,
    );
    let r = &res.records[0].report;
    let cycles = (r.end.0 - r.start.0) / 1_000_000;
    let serial = 6 * 18 * (32 + 256 + 126);
    let overlapped = 128 + 107 * 128 + (32 + 128 + 126);
    assert!(cycles < serial as u64, "{cycles} >= {serial}");
    assert!(
        r.compute_cycles >= overlapped,
        "{} < {overlapped}",
        r.compute_cycles
    );
}

#[test]
fn scalesim_timing_inside_a_run_takes_scalesims_cycles() {
    // Reference row a32x32_os_ideal__sq_256: Total Cycles (incl. prefetch) from SCALE-Sim.
    let row = ref_rows()
        .into_iter()
        .find(|r| r.case.starts_with("a32x32_os_ideal__sq_256"))
        .unwrap();
    let incl: u64 = row.values[0].parse().unwrap();
    let mut cfg = npu_config("os", 32, 32, 1, 2048, 256.0, "scalesim");
    cfg.push_str("word_bytes = 1\n");
    let res = run(
        &cfg,
        "xpusim-trace 1\ngemm id=g m=256 n=256 k=256 dtype=int8\n",
    );
    let r = &res.records[0].report;
    assert_eq!((r.end.0 - r.start.0) / 1_000_000, incl + 1);
    assert_eq!(r.macs, 256 * 256 * 256);
}

#[test]
fn cores_run_independent_ops_in_parallel() {
    let cfg = npu_config("ws", 32, 32, 1, 256, 1000.0, "physical")
        .replace("[npu]\n", "[npu]\ncores = 2\n");
    let res = run(
        &cfg,
        "xpusim-trace 1\ngemm id=a m=64 n=512 k=512 dtype=fp16\ngemm id=b m=64 n=512 k=512 dtype=fp16\n",
    );
    let (a, b) = (&res.records[0], &res.records[1]);
    assert_ne!(a.unit, b.unit);
    assert!(a.report.start < b.report.end && b.report.start < a.report.end);
}

#[test]
fn shipped_npu_configs_and_traces_run() {
    for (cfg, trace) in [
        ("configs/tpu-like.toml", "traces/npu/gpt2-b1.xtr"),
        ("configs/tpu-like.toml", "traces/npu/resnet50-conv.xtr"),
        ("configs/npu-scalesim.toml", "traces/npu/gpt2-b32.xtr"),
        ("configs/npu-multicore.toml", "traces/npu/llama7b-b1.xtr"),
    ] {
        let t = tmpdir();
        let o = xpusim(&["run", cfg, trace, "--out", t.path().to_str().unwrap(), "-q"]);
        assert!(o.status.success(), "{cfg} {trace}: {}", stderr(&o));
    }
}

#[test]
fn converted_scalesim_inputs_run_with_scalesims_cycles() {
    // Reference case a32x32_os_ideal__multi (three GEMM layers), rebuilt from its values.
    let refs: Vec<RefRow> = ref_rows()
        .into_iter()
        .filter(|r| r.case.starts_with("a32x32_os_ideal__multi "))
        .collect();
    assert_eq!(refs.len(), 3);
    let t = tmpdir();
    let cfg = t.path().join("multi.cfg");
    let topo = t.path().join("multi.csv");
    let text = read(&root().join("traces/npu/scalesim/scale.cfg"))
        .replace("run_name = scale_sample", "run_name = multi")
        .replace("SramSzkB:    64", "SramSzkB:    2048")
        .replace("SramSzkB:   64", "SramSzkB:   2048");
    std::fs::write(&cfg, text).unwrap();
    let mut csv = String::from("Layer, M, N, K,\n");
    for r in &refs {
        csv.push_str(&format!(
            "l, {}, {}, {},\n",
            r.layer.m(),
            r.layer.n(),
            r.layer.k()
        ));
    }
    std::fs::write(&topo, csv).unwrap();
    let out = t.path().join("conv");
    let o = xpusim(&[
        "scalesim",
        "--cfg",
        cfg.to_str().unwrap(),
        "--topology",
        topo.to_str().unwrap(),
        "--convert",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let res = run(
        &read(&out.join("multi.toml")),
        &read(&out.join("multi.xtr")),
    );
    for (rec, r) in res.records.iter().zip(&refs) {
        let incl: u64 = r.values[0].parse().unwrap();
        assert_eq!(
            (rec.report.end.0 - rec.report.start.0) / 1_000_000,
            incl + 1,
            "{}",
            r.case
        );
    }
}

#[test]
fn npu_runs_are_deterministic() {
    let t = tmpdir();
    let mut outs = Vec::new();
    for i in 0..2 {
        let dir = t.path().join(format!("r{i}"));
        let o = xpusim(&[
            "run",
            "configs/npu-multicore.toml",
            "traces/npu/llama7b-b32.xtr",
            "--out",
            dir.to_str().unwrap(),
            "-q",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        outs.push((read(&dir.join("ops.csv")), read(&dir.join("stats.json"))));
    }
    assert_eq!(outs[0], outs[1]);
}

#[test]
fn dma_prefetch_overlaps_transfers_with_compute() {
    // Double buffering: the next tiles load while the current ones compute, so an op takes
    // less than its transfer time plus its compute time, and never less than either.
    for (df, bw) in [("ws", 64.0), ("os", 32.0), ("is", 128.0)] {
        let res = run(
            &npu_config(df, 32, 32, 1, 64, bw, "physical"),
            "xpusim-trace 1\ngemm id=g m=256 n=512 k=512 dtype=fp16\n",
        );
        let r = &res.records[0].report;
        let ns = (r.end.0 - r.start.0) as f64 / 1e6;
        let xfer = (r.bytes_read + r.bytes_written) as f64 / bw;
        assert!(r.mem_stall_cycles > 0, "{df}");
        assert!(ns >= xfer.max(r.compute_cycles as f64), "{df}");
        assert!(
            ns < xfer + r.compute_cycles as f64,
            "{df}: {ns} >= {xfer} + {}",
            r.compute_cycles
        );
    }
}
