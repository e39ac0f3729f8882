//! Same config + trace + seed gives byte-identical outputs.

use proptest::prelude::*;
use std::sync::Arc;
use xpusim::report::{files, simulate};
use xpusim::workload::trace::parse_lines;

fn run_once(cfg: &str, trace: &str) -> (String, String, String) {
    let loaded = xpusim::config::load_str("p.toml", cfg, &[]).unwrap();
    let work = Arc::new(parse_lines("p.xtr", trace).unwrap());
    let r = simulate(loaded, work).unwrap();
    (
        files::summary_json(&r),
        files::ops_csv(&r),
        files::energy_csv(&r),
    )
}

/// A random DAG of transfers and element-wise ops; each op may depend on earlier ones.
fn trace_strategy() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        (
            0u8..4,
            1u64..50_000,
            proptest::collection::vec(any::<prop::sample::Index>(), 0..3),
        ),
        1..25,
    )
    .prop_map(|ops| {
        let mut s = String::from("xpusim-trace 1\n");
        for (i, (kind, size, deps)) in ops.iter().enumerate() {
            let line = match kind {
                0 => format!("transfer id=o{i} bytes={size}"),
                1 => format!("elementwise id=o{i} func=gelu elems={size}"),
                2 => format!(
                    "elementwise id=o{i} func=softmax elems={} row_len=64",
                    size * 64
                ),
                _ => format!("elementwise id=o{i} func=add elems={size}"),
            };
            s.push_str(&line);
            if i > 0 && !deps.is_empty() {
                let mut d: Vec<usize> = deps.iter().map(|x| x.index(i)).collect();
                d.sort();
                d.dedup();
                let names: Vec<String> = d.iter().map(|j| format!("o{j}")).collect();
                s.push_str(&format!(" deps={}", names.join(",")));
            }
            s.push('\n');
        }
        s
    })
}

const CFG: &str =
    "schema_version = 1\n[vector]\ncount = 2\n[dma]\ncount = 2\nmax_outstanding = 3\n";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn repeated_runs_are_byte_identical(trace in trace_strategy()) {
        let a = run_once(CFG, &trace);
        let b = run_once(CFG, &trace);
        prop_assert_eq!(a, b);
    }

    /// An op never starts before every op it depends on has ended.
    #[test]
    fn dependencies_are_respected(trace in trace_strategy()) {
        let loaded = xpusim::config::load_str("p.toml", CFG, &[]).unwrap();
        let work = Arc::new(parse_lines("p.xtr", &trace).unwrap());
        let r = simulate(loaded, Arc::clone(&work)).unwrap();
        for (i, op) in work.ops.iter().enumerate() {
            for &d in &op.deps {
                prop_assert!(r.records[i].report.start >= r.records[d as usize].report.end);
            }
        }
    }
}
