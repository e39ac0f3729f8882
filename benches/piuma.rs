//! Simulation speed of the PIUMA unit: simulated partial products per wall second.
//!
//! `cargo bench --bench piuma` runs SMASH (v1) on A*A of `ca-CondMat` (about 4.1 M
//! multiplications; target: under 10 s of wall time) and prints partial products, simulated
//! cycles and instructions per wall second. Arguments after `--` select other inputs and
//! kernels: `cargo bench --bench piuma -- <spec> [kernel ...]`, e.g.
//! `cargo bench --bench piuma -- rmat:scale=14,edge_factor=8,seed=1 smash inner outer`.
//! A spec without `:` is taken as a Matrix Market path. The shared matrices are looked for
//! in `../shared/data/spgemm` and `/work/shared/data/spgemm`.

use std::sync::Arc;
use std::time::Instant;

/// CPU time of this process in seconds (Linux `/proc/self/schedstat`), if available: the
/// machine is shared, so wall time alone overstates the cost when others are busy.
fn cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}
use xpusim::units::piuma::{KernelKind, PiumaConfig, StandaloneMem, run_standalone};
use xpusim::workload::sparse::load_spec;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let spec = args.first().cloned().unwrap_or_else(|| {
        [
            "../shared/data/spgemm",
            "/work/shared/data/spgemm",
            "traces/spgemm",
        ]
        .iter()
        .map(|d| format!("{d}/ca-CondMat.mtx"))
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| format!("mtx:{p}"))
        .unwrap_or_else(|| "rmat:scale=14,edge_factor=8,seed=1".into())
    });
    let spec = if spec.contains(':') {
        spec
    } else {
        format!("mtx:{spec}")
    };
    let kernels: Vec<KernelKind> = if args.len() > 1 {
        args[1..]
            .iter()
            .map(|k| KernelKind::parse(k).unwrap_or_else(|| panic!("unknown kernel {k}")))
            .collect()
    } else {
        vec![KernelKind::Smash]
    };
    let t0 = Instant::now();
    let a = Arc::new(load_spec(&spec, None).unwrap_or_else(|e| panic!("{e}")));
    println!(
        "input {spec}: {} x {}, nnz {}, loaded in {:.2} s",
        a.nrows,
        a.ncols,
        a.nnz(),
        t0.elapsed().as_secs_f64()
    );
    if std::env::var("PIUMA_BENCH_INFO").is_ok() {
        println!(
            "products {} rows {} max row {}",
            a.gustavson_products(&a),
            a.nrows,
            (0..a.nrows).map(|i| a.row_len(i)).max().unwrap_or(0)
        );
        // Upper bound on the inner product's merge steps: sum over C's entries of
        // nnz(A(i,:)) + nnz(B(:,j)).
        let c = xpusim::workload::sparse::SparseMatrix::from_sprs(&(&a.to_sprs() * &a.to_sprs()));
        let colnnz = {
            let mut v = vec![0u64; a.ncols];
            for &j in &a.indices {
                v[j as usize] += 1;
            }
            v
        };
        let mut steps = 0u64;
        for i in 0..c.nrows {
            for &j in c.row_cols(i) {
                steps += a.row_len(i) as u64 + colnnz[j as usize];
            }
        }
        println!("nnz(C) {} inner merge steps <= {}", c.nnz(), steps);
        return;
    }
    let cfg = PiumaConfig::default();
    for k in kernels {
        let t = Instant::now();
        let c0 = cpu_seconds();
        let r = run_standalone(&cfg, k, a.clone(), a.clone(), StandaloneMem::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let wall = t.elapsed().as_secs_f64();
        let cpu = match (c0, cpu_seconds()) {
            (Some(a), Some(b)) => format!("cpu {:6.2} s", b - a),
            _ => "cpu n/a".to_string(),
        };
        let instr = r
            .stats
            .get("instructions")
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0);
        println!(
            "{:9} products {:>11}  cycles {:>11}  wall {:6.2} s  {cpu}  {:>6.2} M products/s  {:>6.1} M instr/s  {:>6.2} M cycles/s (per wall second)",
            k.name(),
            r.products,
            r.cycles,
            wall,
            r.products as f64 / wall / 1e6,
            instr / wall / 1e6,
            r.cycles as f64 / wall / 1e6
        );
        if std::env::var("PIUMA_BENCH_STATS").is_ok() {
            for st in &r.stats.stats {
                println!("    {} = {:?} {}", st.name, st.value, st.unit);
            }
        }
    }
}
