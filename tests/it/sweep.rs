//! Sweeps end to end: plan, run, resume after SIGKILL, shards, merge, failures, Slurm job
//! arrays on a local cluster; the timeline and the plots of a run.

use super::common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Peak bandwidths of the ideal memory presets, GB/s (JEDEC figures quoted in
/// `configs/presets/memory/`): a run can never move data faster than these.
const PEAK: [(&str, f64); 3] = [
    ("ideal-ddr4", 25.6),
    ("ideal-hbm2", 256.0),
    ("ideal-hbm3", 819.2),
];

fn base_config() -> String {
    root()
        .join("configs/sweeps/base/vector-dma.toml")
        .display()
        .to_string()
}

/// The element-wise part of a GPT-2 block repeated `blocks` times (more work per point).
fn block_trace(dir: &Path, blocks: usize) -> PathBuf {
    let one = read(&root().join("configs/sweeps/traces/vector-block.xtr"));
    let body: Vec<&str> = one
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("xpusim-trace"))
        .collect();
    let mut t = String::from("xpusim-trace 1\n");
    for b in 0..blocks {
        for l in &body {
            // Rename ids and deps so every block is its own chain after the previous one.
            let mut out = Vec::new();
            for w in l.split_whitespace() {
                if let Some(id) = w.strip_prefix("id=") {
                    out.push(format!("id=b{b}_{id}"));
                } else if let Some(d) = w.strip_prefix("deps=") {
                    let ds: Vec<String> = d.split(',').map(|x| format!("b{b}_{x}")).collect();
                    out.push(format!("deps={}", ds.join(",")));
                } else {
                    out.push(w.to_string());
                }
            }
            if b > 0 && l.starts_with("transfer id=load") {
                out.push(format!("deps=b{}_store", b - 1));
            }
            t.push_str(&out.join(" "));
            t.push('\n');
        }
    }
    let p = dir.join("blocks.xtr");
    std::fs::write(&p, t).unwrap();
    p
}

fn write_spec(dir: &Path, trace: &Path, axes: &str) -> PathBuf {
    let p = dir.join("spec.toml");
    std::fs::write(
        &p,
        format!(
            "name = \"t\"\nconfig = \"{}\"\ntrace = \"{}\"\n{axes}",
            base_config(),
            trace.display()
        ),
    )
    .unwrap();
    p
}

const LANES_X_MEMORY: &str = "metrics = [\"total_time_ns\", \"memory.achieved_gbps\", \"energy.total_pj\"]\n\
    [[axis]]\nkey = \"vector.lanes\"\nvalues = [32, 128, 512]\n\
    [[axis]]\nkey = \"memory.preset\"\nvalues = [\"ideal-ddr4\", \"ideal-hbm2\", \"ideal-hbm3\"]\n";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Finished run directories: name -> (inode, manifest bytes).
fn finished(dir: &Path) -> BTreeMap<String, (u64, String)> {
    use std::os::unix::fs::MetadataExt;
    let mut m = BTreeMap::new();
    let Ok(rd) = std::fs::read_dir(dir.join("runs")) else {
        return m;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let man = e.path().join("manifest.json");
        if !name.starts_with('.') && man.is_file() {
            let ino = std::fs::metadata(e.path()).unwrap().ino();
            m.insert(name, (ino, read(&man)));
        }
    }
    m
}

fn csv_rows(p: &Path) -> Vec<BTreeMap<String, String>> {
    let mut rd = csv::Reader::from_path(p).unwrap();
    let h: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    rd.records()
        .map(|r| {
            h.iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn sweep_runs_every_point_and_a_rerun_skips_them_all() {
    let t = tmpdir();
    let trace = root().join("configs/sweeps/traces/vector-block.xtr");
    let spec = write_spec(t.path(), &trace, LANES_X_MEMORY);
    let out = t.path().join("sw");
    let o = xpusim(&["sweep", s(&spec), "--out", s(&out), "--threads", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = csv_rows(&out.join("sweep.csv"));
    assert_eq!(rows.len(), 9);
    for r in &rows {
        assert_eq!(r["status"], "ok", "{r:?}");
        // Independent bound: no run moves data faster than its memory's peak bandwidth.
        let peak = PEAK.iter().find(|p| p.0 == r["memory.preset"]).unwrap().1;
        let achieved: f64 = r["memory.achieved_gbps"].parse().unwrap();
        assert!(achieved > 0.0 && achieved <= peak * 1.000001, "{r:?}");
    }
    // Every axis is a column, in spec order, then trace, seed, status, the metrics.
    let head = read(&out.join("sweep.csv"))
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        head,
        "point,vector.lanes,memory.preset,trace,seed,status,total_time_ns,memory.achieved_gbps,energy.total_pj,hash,error"
    );
    // The sweep's plots exist as SVG and PNG.
    let plots: Vec<String> = std::fs::read_dir(out.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        plots
            .iter()
            .any(|p| p.starts_with("line-total_time_ns") && p.ends_with(".png")),
        "{plots:?}"
    );
    assert!(
        plots
            .iter()
            .any(|p| p.starts_with("heatmap-total_time_ns") && p.ends_with(".svg")),
        "{plots:?}"
    );
    let before = finished(&out);
    assert_eq!(before.len(), 9);
    let o = xpusim(&["sweep", "run", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("9 runs: 9 already finished, 0 run now"),
        "{}",
        stderr(&o)
    );
    assert_eq!(finished(&out), before, "a finished point was written again");
}

#[test]
fn a_sweep_killed_midway_resumes_without_recomputing_or_losing_points() {
    let t = tmpdir();
    let trace = block_trace(t.path(), 150);
    let spec = write_spec(t.path(), &trace, LANES_X_MEMORY);
    // Reference: uninterrupted.
    let a = t.path().join("a");
    let o = xpusim(&["sweep", s(&spec), "--out", s(&a), "--threads", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Interrupted: plan, start one thread, SIGKILL once some points are done.
    let b = t.path().join("b");
    let o = xpusim(&["sweep", "plan", s(&spec), "--out", s(&b)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut child = Command::new(env!("CARGO_BIN_EXE_xpusim"))
        .args(["sweep", "run", s(&b), "--threads", "1"])
        .current_dir(root())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while finished(&b).len() < 2 && t0.elapsed() < Duration::from_secs(300) {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let done = finished(&b);
    assert!(done.len() >= 2, "no point finished in time");
    assert!(
        done.len() < 9,
        "every point finished before the kill: the points are too quick for this test"
    );
    let o = xpusim(&["sweep", "run", s(&b), "--threads", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "9 runs: {} already finished, {} run now (0 failed)",
            done.len(),
            9 - done.len()
        )),
        "{}",
        stderr(&o)
    );
    let after = finished(&b);
    assert_eq!(after.len(), 9, "a point is missing");
    for (name, v) in &done {
        assert_eq!(after.get(name), Some(v), "{name} was recomputed");
    }
    // Nothing temporary is left behind, and nothing extra.
    let entries: Vec<String> = std::fs::read_dir(b.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(entries.len(), 9, "{entries:?}");
    let o = xpusim(&["sweep", "merge", s(&b)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        read(&a.join("sweep.csv")),
        read(&b.join("sweep.csv")),
        "the resumed sweep differs from the uninterrupted one"
    );
}

#[test]
fn shards_run_disjoint_parts_that_cover_every_point() {
    let t = tmpdir();
    let trace = root().join("configs/sweeps/traces/vector-block.xtr");
    let spec = write_spec(t.path(), &trace, LANES_X_MEMORY);
    let d = t.path().join("sw");
    assert!(
        xpusim(&["sweep", "plan", s(&spec), "--out", s(&d)])
            .status
            .success()
    );
    let mut seen = 0;
    for i in 0..4 {
        let sh = format!("{i}/4");
        let o = xpusim(&["sweep", "run", s(&d), "--shard", &sh, "--threads", "1"]);
        assert!(o.status.success(), "{}", stderr(&o));
        // 9 runs over 4 shards: positions i, i+4, i+8.
        let mine = (0..9).filter(|p| p % 4 == i).count();
        assert!(stderr(&o).contains(&format!("{mine} runs of shard {sh}: 0 already finished")));
        seen += mine;
        assert_eq!(finished(&d).len(), seen);
    }
    let o = xpusim(&["sweep", "merge", s(&d)]);
    assert!(
        stdout(&o).contains("9 rows (9 ok, 0 failed, 0 missing)"),
        "{}",
        stdout(&o)
    );
    let o = xpusim(&["sweep", "run", s(&d), "--shard", "4/4"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("expected I/N with 0 <= I < N"));
}

#[test]
fn failed_and_missing_points_keep_their_rows() {
    let t = tmpdir();
    let trace = root().join("configs/sweeps/traces/vector-block.xtr");
    // 1 ns of simulated time is not enough: that point fails at run time.
    let spec = write_spec(
        t.path(),
        &trace,
        "[[axis]]\nkey = \"sim.max_time_ns\"\nvalues = [1.0, 1.0e12]\n",
    );
    let d = t.path().join("sw");
    assert!(
        xpusim(&["sweep", "plan", s(&spec), "--out", s(&d)])
            .status
            .success()
    );
    // Before running: both missing, both listed.
    let o = xpusim(&["sweep", "merge", s(&d)]);
    assert!(o.status.success());
    assert!(
        stdout(&o).contains("2 rows (0 ok, 0 failed, 2 missing)"),
        "{}",
        stdout(&o)
    );
    let rows = csv_rows(&d.join("sweep.csv"));
    assert_eq!(rows[0]["status"], "missing");
    let o = xpusim(&["sweep", "run", s(&d)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 point(s) failed"), "{}", stderr(&o));
    let o = xpusim(&["sweep", "merge", s(&d)]);
    assert!(
        stdout(&o).contains("2 rows (1 ok, 1 failed, 0 missing)"),
        "{}",
        stdout(&o)
    );
    let rows = csv_rows(&d.join("sweep.csv"));
    assert_eq!(rows[0]["status"], "failed");
    assert!(
        rows[0]["error"].contains("time limit of 1.000 ns"),
        "{:?}",
        rows[0]
    );
    assert_eq!(rows[0]["total_time_ns"], "");
    assert_eq!(rows[1]["status"], "ok");
}

#[test]
fn bad_points_are_reported_with_point_and_key_before_anything_runs() {
    let t = tmpdir();
    let trace = root().join("configs/sweeps/traces/vector-block.xtr");
    let spec = write_spec(
        t.path(),
        &trace,
        "[[axis]]\nkey = \"vector.lanes\"\nvalues = [64, 0]\n[[axis]]\nkey = \"memory.preset\"\nvalues = [\"ideal-hbm2\", \"hbm9\"]\n",
    );
    let d = t.path().join("sw");
    let o = xpusim(&["sweep", s(&spec), "--out", s(&d)]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("point 2 (vector.lanes=0, memory.preset=ideal-hbm2, seed=1): ")
            && e.contains("vector.lanes: 0: expected an integer >= 1"),
        "{e}"
    );
    assert!(
        e.contains("point 1 (vector.lanes=64, memory.preset=hbm9, seed=1): ")
            && e.contains(
                "memory.preset: \"hbm9\": expected one of ddr4-3200, ddr5-4800, gddr6-14000, hbm2-2000"
            ),
        "{e}"
    );
    assert!(e.contains("nothing was run"), "{e}");
    assert!(!d.exists(), "a sweep directory was written");
}

#[test]
fn timeline_is_a_chrome_trace_with_one_track_per_unit_and_no_overlap() {
    let t = tmpdir();
    let d = t.path().join("r");
    run_ok(&base_config(), "configs/sweeps/traces/vector-block.xtr", &d);
    let tl: serde_json::Value = serde_json::from_str(&read(&d.join("timeline.json"))).unwrap();
    let ev = tl["traceEvents"].as_array().unwrap();
    // Track names.
    let mut tracks: BTreeMap<(u64, u64), String> = BTreeMap::new();
    for e in ev
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
    {
        tracks.insert(
            (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap()),
            e["args"]["name"].as_str().unwrap().to_string(),
        );
    }
    let names: Vec<&String> = tracks.values().collect();
    assert_eq!(names, vec!["vector0", "dma0"]);
    // One complete event per op, on a named track; slices on a track never overlap.
    let mut slices: BTreeMap<(u64, u64), Vec<(f64, f64)>> = BTreeMap::new();
    let mut n = 0;
    for e in ev.iter().filter(|e| e["ph"] == "X") {
        let k = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        assert!(tracks.contains_key(&k), "slice on an unnamed track: {e}");
        let ts = e["ts"].as_f64().unwrap();
        let dur = e["dur"].as_f64().unwrap();
        assert!(ts >= 0.0 && dur > 0.0, "{e}");
        assert!(e["name"].is_string());
        slices.entry(k).or_default().push((ts, ts + dur));
        n += 1;
    }
    assert_eq!(n, 8, "one slice per op of the trace");
    assert_eq!(slices[&(1, 2)].len(), 2, "the DMA ran load and store");
    for (k, v) in &mut slices {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        for w in v.windows(2) {
            // 1e-9 us = 1 fs: timestamps are exact to the femtosecond tick.
            assert!(w[0].1 <= w[1].0 + 1e-9, "overlap on track {k:?}: {w:?}");
        }
    }
    // Counters: the memory's bandwidth integrates to the bytes it moved (from summary.json,
    // counted independently per request).
    let summary: serde_json::Value = serde_json::from_str(&read(&d.join("summary.json"))).unwrap();
    let moved = summary["memory"]["bytes_read"].as_f64().unwrap()
        + summary["memory"]["bytes_written"].as_f64().unwrap();
    let bw: Vec<(f64, f64)> = ev
        .iter()
        .filter(|e| e["ph"] == "C" && e["name"] == "bandwidth (GB/s)")
        .map(|e| {
            (
                e["ts"].as_f64().unwrap(),
                e["args"]["GB/s"].as_f64().unwrap(),
            )
        })
        .collect();
    assert!(bw.len() > 10);
    // GB/s x us = 1e3 bytes.
    let bytes: f64 = bw
        .windows(2)
        .map(|w| w[0].1 * (w[1].0 - w[0].0) * 1e3)
        .sum();
    assert!(
        (bytes - moved).abs() <= moved * 1e-6,
        "counter integrates to {bytes} bytes, memory moved {moved}"
    );
    let q = ev
        .iter()
        .filter(|e| e["ph"] == "C" && e["name"] == "outstanding requests (requests)")
        .count();
    assert!(q > 10, "queue-depth counter missing");
    assert_eq!(tl["displayTimeUnit"], "ns");
}

fn is_png(p: &Path) -> bool {
    std::fs::read(p).is_ok_and(|b| b.starts_with(b"\x89PNG\r\n\x1a\n"))
}

#[test]
fn plots_of_a_run_and_of_a_sweep_table() {
    let t = tmpdir();
    let d = t.path().join("r");
    run_ok(&base_config(), "configs/sweeps/traces/vector-block.xtr", &d);
    for p in ["utilisation", "latency", "roofline"] {
        assert!(is_png(&d.join("plots").join(format!("{p}.png"))), "{p}.png");
        let svg = read(&d.join("plots").join(format!("{p}.svg")));
        assert!(svg.starts_with("<svg"), "{p}.svg");
    }
    // Axis labels carry units.
    assert!(read(&d.join("plots/utilisation.svg")).contains("time (µs)"));
    assert!(read(&d.join("plots/latency.svg")).contains("memory stall"));
    // A sweep table plotted by hand.
    let trace = root().join("configs/sweeps/traces/vector-block.xtr");
    let spec = write_spec(t.path(), &trace, LANES_X_MEMORY);
    let sw = t.path().join("sw");
    assert!(
        xpusim(&["sweep", s(&spec), "--out", s(&sw)])
            .status
            .success()
    );
    let o = xpusim(&[
        "plot",
        s(&sw.join("sweep.csv")),
        "--x",
        "memory.preset",
        "--y",
        "vector.lanes",
        "--metric",
        "energy.total_pj",
        "--out",
        s(&t.path().join("p")),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let line = t
        .path()
        .join("p/line-energy_total_pj-vs-memory_preset-by-vector_lanes");
    assert!(is_png(&line.with_extension("png")));
    let svg = read(&line.with_extension("svg"));
    assert!(
        svg.contains("vector.lanes = 128") && svg.contains("ideal-hbm3"),
        "legend and categories"
    );
    assert!(is_png(&t.path().join(
        "p/heatmap-energy_total_pj-memory_preset-vector_lanes.png"
    )));
    let o = xpusim(&["plot", s(&sw.join("sweep.csv")), "--metric", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no column `nope`"), "{}", stderr(&o));
}

/// Stops the local Slurm cluster at the end of the test if the test started it.
struct Cluster {
    started: bool,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.started {
            let _ = Command::new(root().join("scripts/slurm-local.sh"))
                .arg("stop")
                .status();
        }
    }
}

fn slurm(args: &[&str]) -> std::process::Output {
    Command::new(root().join("scripts/slurm-local.sh"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

#[test]
fn a_slurm_job_array_gives_the_same_table_as_a_local_run() {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !is_root {
        // The local cluster needs root (munged, slurmd); CI runs as root.
        eprintln!("SKIPPED: the Slurm test needs root to start a local cluster");
        return;
    }
    let running = slurm(&["status"]).status.success();
    let _guard = Cluster { started: !running };
    if !running {
        let o = slurm(&["start"]);
        assert!(
            o.status.success(),
            "cannot start the local Slurm cluster:\n{}{}",
            stdout(&o),
            stderr(&o)
        );
    }
    // Under /tmp so that the job (another process tree, as root) reads the same paths.
    let t = tempfile::Builder::new()
        .prefix("xpusim-slurm-test")
        .tempdir_in("/tmp")
        .unwrap();
    let trace = root().join("configs/sweeps/traces/vector-block.xtr");
    let spec = write_spec(t.path(), &trace, LANES_X_MEMORY);
    let local = t.path().join("local");
    assert!(
        xpusim(&["sweep", "plan", s(&spec), "--out", s(&local)])
            .status
            .success()
    );
    assert!(xpusim(&["sweep", "run", s(&local)]).status.success());
    assert!(xpusim(&["sweep", "merge", s(&local)]).status.success());
    let d = t.path().join("slurm");
    assert!(
        xpusim(&["sweep", "plan", s(&spec), "--out", s(&d)])
            .status
            .success()
    );
    let o = xpusim(&[
        "sweep",
        "slurm",
        s(&d),
        "--tasks",
        "3",
        "--cpus-per-task",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let script = d.join("sweep.sbatch");
    assert!(read(&script).contains("#SBATCH --array=0-2"));
    let o = slurm(&["run", "timeout", "600", "sbatch", "--wait", s(&script)]);
    assert!(
        o.status.success(),
        "sbatch --wait failed:\n{}{}",
        stdout(&o),
        stderr(&o)
    );
    // Every task wrote its log and ran its shard.
    let logs: Vec<String> = std::fs::read_dir(d.join("slurm"))
        .unwrap()
        .map(|e| read(&e.unwrap().path()))
        .collect();
    assert_eq!(logs.len(), 3, "{logs:?}");
    for i in 0..3 {
        assert!(
            logs.iter().any(|l| l.contains(&format!(
                "3 runs of shard {i}/3: 0 already finished, 3 run now (0 failed)"
            ))),
            "{logs:?}"
        );
    }
    let o = xpusim(&["sweep", "merge", s(&d)]);
    assert!(
        stdout(&o).contains("9 rows (9 ok, 0 failed, 0 missing)"),
        "{}",
        stdout(&o)
    );
    assert_eq!(read(&local.join("sweep.csv")), read(&d.join("sweep.csv")));
}
