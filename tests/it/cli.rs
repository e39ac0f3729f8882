//! End-to-end runs of the binary.

use super::common::*;

const FILES: [&str; 6] = [
    "config.resolved.toml",
    "manifest.json",
    "summary.json",
    "ops.csv",
    "stats.json",
    "energy.csv",
];

#[test]
fn run_writes_every_file_and_is_deterministic() {
    let t = tmpdir();
    let a = t.path().join("a");
    let b = t.path().join("b");
    for d in [&a, &b] {
        let o = xpusim(&[
            "run",
            "tests/data/vec.toml",
            "tests/data/small.xtr",
            "--out",
            d.to_str().unwrap(),
            "--seed",
            "3",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    for f in FILES {
        assert!(a.join(f).is_file(), "{f} missing");
    }
    for f in [
        "summary.json",
        "ops.csv",
        "stats.json",
        "energy.csv",
        "config.resolved.toml",
    ] {
        assert_eq!(
            read(&a.join(f)),
            read(&b.join(f)),
            "{f} differs between runs"
        );
    }
    let s: serde_json::Value = serde_json::from_str(&read(&a.join("summary.json"))).unwrap();
    assert_eq!(s["schema_version"], 1);
    assert_eq!(s["seed"], 3);
    assert_eq!(s["ops"], 4);
    // No temporary directories are left behind.
    let left: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
}

/// A transfer through the ideal memory is bound by its bandwidth: 64 KiB read and written
/// at 256 GB/s is 512 ns of pipe time, plus the 50 ns latency of the last access.
#[test]
fn transfer_time_matches_the_bandwidth_bound() {
    let t = tmpdir();
    let d = t.path().join("r");
    let o = xpusim(&[
        "run",
        "tests/data/vec.toml",
        "tests/data/small.xtr",
        "--out",
        d.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = read(&d.join("ops.csv"));
    let load = csv.lines().find(|l| l.starts_with("load,")).unwrap();
    let cols: Vec<&str> = load.split(',').collect();
    let start: f64 = cols[6].parse().unwrap();
    let end: f64 = cols[7].parse().unwrap();
    let dur = end - start;
    let bound = 2.0 * 65536.0 / 256.0; // ns
    assert!(dur >= bound + 50.0, "{dur} below the bound {bound} + 50");
    // The rest is link and pipeline cycles: a few ns, not more.
    assert!(dur <= bound + 50.0 + 10.0, "{dur} far above the bound");
}

#[test]
fn json_summary_on_stdout() {
    let t = tmpdir();
    let d = t.path().join("r");
    let o = xpusim(&[
        "run",
        "tests/data/vec.toml",
        "tests/data/small.xtr",
        "--out",
        d.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success());
    let s: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(s["units"][0]["name"], "vector0");
}

#[test]
fn trace_stats_counts_ops_macs_and_bytes() {
    let o = xpusim(&["trace", "stats", "tests/data/small.xtr", "--json"]);
    assert!(o.status.success());
    let s: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(s["ops"], 4);
    // Transfers: 2 x (64 KiB in + 64 KiB out); layernorm and gelu: 32768 fp16 in and out.
    assert_eq!(s["bytes"], 2 * 2 * 65536 + 2 * 2 * 65536);
}

#[test]
fn generated_trace_runs_and_round_trips() {
    let t = tmpdir();
    let f = t.path().join("gpt2.xtr");
    let o = xpusim(&[
        "trace",
        "gen",
        "--model",
        "gpt2",
        "--phase",
        "decode",
        "--seq",
        "128",
        "--out",
        f.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = xpusim(&["trace", "stats", f.to_str().unwrap(), "--json"]);
    let s: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // One GPT-2 block at batch 1: 12 d^2 linear MACs plus 2 * 129 * d attention MACs.
    assert_eq!(s["macs"], 12 * 768 * 768 + 2 * 129 * 768);
}

#[test]
fn config_explain_and_presets() {
    let o = xpusim(&["config", "explain", "vector.lanes"]);
    assert!(o.status.success());
    let t = stdout(&o);
    assert!(t.contains("default: 128"), "{t}");
    let o = xpusim(&["config", "explain", "vector.lanez"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `lanes`"));
    let o = xpusim(&["config", "presets"]);
    assert!(o.status.success());
}
