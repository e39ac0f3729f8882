//! The run directory and its files. Every file is written to a temporary name and renamed;
//! the directory itself is assembled under a temporary name and renamed into place, so an
//! interrupted run leaves either the previous directory or the complete new one.

use super::{REPORT_SCHEMA_VERSION, RunResult, op_cycles};
use serde::Serialize;
use std::io;
use std::path::{Path, PathBuf};

/// Write `bytes` to `path` through a temporary file in the same directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// A directory built under a temporary name and renamed into place by [`RunDir::commit`].
pub struct RunDir {
    tmp: PathBuf,
    dest: PathBuf,
}

impl RunDir {
    /// Start building `dest`.
    pub fn create(dest: &Path) -> io::Result<Self> {
        let parent = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)?;
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "run".into());
        let tmp = parent.join(format!(".{name}.tmp.{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp)?;
        }
        std::fs::create_dir_all(&tmp)?;
        Ok(RunDir {
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    /// Path of a file inside the directory being built.
    pub fn path(&self, file: &str) -> PathBuf {
        self.tmp.join(file)
    }

    /// Write one file.
    pub fn write(&self, file: &str, bytes: &[u8]) -> io::Result<()> {
        let p = self.path(file);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(p, bytes)
    }

    /// Move the finished directory into place, replacing an older one.
    pub fn commit(self) -> io::Result<PathBuf> {
        if self.dest.exists() {
            let old = self.tmp.with_extension("old");
            std::fs::rename(&self.dest, &old)?;
            std::fs::rename(&self.tmp, &self.dest)?;
            std::fs::remove_dir_all(&old)?;
        } else {
            std::fs::rename(&self.tmp, &self.dest)?;
        }
        Ok(self.dest.clone())
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        if self.tmp.exists() {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// `summary.json` text.
pub fn summary_json(r: &RunResult) -> String {
    let mut s = serde_json::to_string_pretty(&r.summary()).unwrap_or_default();
    s.push('\n');
    s
}

/// `ops.csv` text.
pub fn ops_csv(r: &RunResult) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "id",
        "kind",
        "layer",
        "unit",
        "unit_mhz",
        "issue_ns",
        "start_ns",
        "end_ns",
        "start_cycle",
        "end_cycle",
        "cycles",
        "compute_cycles",
        "mem_stall_cycles",
        "other_cycles",
        "macs",
        "bytes_read",
        "bytes_written",
    ]);
    for (op, rec) in r.work.ops.iter().zip(&r.records) {
        let u = &r.units[rec.unit as usize];
        let cycles = op_cycles(u.freq_mhz, rec);
        let start = super::cycles_at(u.freq_mhz, rec.report.start);
        let rep = &rec.report;
        let other = cycles.saturating_sub(rep.compute_cycles + rep.mem_stall_cycles);
        let _ = w.write_record([
            op.id.clone(),
            op.kind.name().to_string(),
            op.layer.clone().unwrap_or_default(),
            u.name.clone(),
            fmt_f(u.freq_mhz),
            fmt_f(rec.issued.as_ns()),
            fmt_f(rep.start.as_ns()),
            fmt_f(rep.end.as_ns()),
            start.to_string(),
            (start + cycles).to_string(),
            cycles.to_string(),
            rep.compute_cycles.to_string(),
            rep.mem_stall_cycles.to_string(),
            other.to_string(),
            rep.macs.to_string(),
            rep.bytes_read.to_string(),
            rep.bytes_written.to_string(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A float as the shortest text that reads back to the same value.
pub fn fmt_f(x: f64) -> String {
    let s = format!("{x}");
    s
}

/// `energy.csv` text: one row per (component, action).
pub fn energy_csv(r: &RunResult) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["component", "action", "count", "pj_each", "energy_pj"]);
    for t in r.loaded.config.energy.terms(&r.stats) {
        let _ = w.write_record([
            t.component,
            t.action,
            t.count.to_string(),
            t.pj_each.map(fmt_f).unwrap_or_default(),
            fmt_f(t.energy_pj),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[derive(Serialize)]
struct StatsFile<'a> {
    schema_version: u32,
    components: Vec<ComponentStats<'a>>,
}

#[derive(Serialize)]
struct ComponentStats<'a> {
    name: &'a str,
    stats: &'a crate::stats::StatSet,
}

/// `stats.json` text.
pub fn stats_json(r: &RunResult) -> String {
    let f = StatsFile {
        schema_version: REPORT_SCHEMA_VERSION,
        components: r
            .stats
            .iter()
            .map(|(n, s)| ComponentStats { name: n, stats: s })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&f).unwrap_or_default();
    s.push('\n');
    s
}

/// What `manifest.json` records about how the run was made.
#[derive(Clone, Debug, Serialize)]
pub struct Manifest {
    /// Format version.
    pub schema_version: u32,
    /// xpusim version.
    pub xpusim_version: String,
    /// The command line.
    pub args: Vec<String>,
    /// Seed.
    pub seed: u64,
    /// Config file.
    pub config_file: String,
    /// Presets applied.
    pub presets: Vec<String>,
    /// SHA-256 of the resolved config.
    pub config_hash: String,
    /// Trace file or generator.
    pub trace: String,
    /// SHA-256 of the trace file's bytes (empty for generated traces).
    pub trace_hash: String,
    /// Wall-clock seconds spent simulating.
    pub wall_time_s: f64,
    /// Simulated time, ns.
    pub simulated_time_ns: f64,
    /// Engine events processed.
    pub events: u64,
    /// events / wall_time_s.
    pub events_per_wall_s: f64,
    /// Cycles of the scheduler clock simulated.
    pub simulated_cycles: u64,
    /// simulated_cycles / wall_time_s.
    pub simulated_cycles_per_wall_s: f64,
}

/// Build the manifest of a run.
pub fn manifest(r: &RunResult, args: &[String], trace_hash: String) -> Manifest {
    let cycles = super::cycles_at(r.loaded.config.sched.freq_mhz, r.end);
    let per = |x: f64| if r.wall_s > 0.0 { x / r.wall_s } else { 0.0 };
    Manifest {
        schema_version: REPORT_SCHEMA_VERSION,
        xpusim_version: env!("CARGO_PKG_VERSION").to_string(),
        args: args.to_vec(),
        seed: r.loaded.config.sim.seed,
        config_file: r.loaded.file.clone(),
        presets: r.loaded.presets.clone(),
        config_hash: r.loaded.hash(),
        trace: r.work.source.clone(),
        trace_hash,
        wall_time_s: r.wall_s,
        simulated_time_ns: r.end.as_ns(),
        events: r.events,
        events_per_wall_s: per(r.events as f64),
        simulated_cycles: cycles,
        simulated_cycles_per_wall_s: per(cycles as f64),
    }
}

/// SHA-256 of bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Optional parts of a run directory.
#[derive(Clone, Debug)]
pub struct RunDirOptions {
    /// Write `plots/` (the run's plots; rendering them costs more than simulating a
    /// small run, so sweeps leave them out unless asked).
    pub plots: bool,
}

impl Default for RunDirOptions {
    fn default() -> Self {
        RunDirOptions { plots: true }
    }
}

/// Write the whole run directory.
pub fn write_run_dir(
    dest: &Path,
    r: &RunResult,
    args: &[String],
    trace_hash: String,
) -> io::Result<PathBuf> {
    write_run_dir_opts(dest, r, args, trace_hash, &RunDirOptions::default())
}

/// Write the whole run directory, with the optional parts `opts` asks for.
pub fn write_run_dir_opts(
    dest: &Path,
    r: &RunResult,
    args: &[String],
    trace_hash: String,
    opts: &RunDirOptions,
) -> io::Result<PathBuf> {
    let d = RunDir::create(dest)?;
    d.write("config.resolved.toml", r.loaded.resolved_toml().as_bytes())?;
    d.write("summary.json", summary_json(r).as_bytes())?;
    d.write("ops.csv", ops_csv(r).as_bytes())?;
    d.write("stats.json", stats_json(r).as_bytes())?;
    d.write("energy.csv", energy_csv(r).as_bytes())?;
    d.write(
        "timeline.json",
        super::timeline::timeline_json(r).as_bytes(),
    )?;
    if opts.plots {
        crate::plot::write_run_plots(&d.path(""))?;
    }
    let mut m = serde_json::to_string_pretty(&manifest(r, args, trace_hash)).unwrap_or_default();
    m.push('\n');
    // The manifest goes last: its presence marks a complete directory.
    d.write("manifest.json", m.as_bytes())?;
    d.commit()
}

/// The short human summary printed on stdout.
pub fn human_summary(r: &RunResult) -> String {
    let s = r.summary();
    let mut out = format!(
        "{}: {} ops, {:.3} us simulated ({} {} cycles)\n",
        if s.system.is_empty() {
            "system"
        } else {
            &s.system
        },
        s.ops,
        s.total_time_ns / 1000.0,
        s.total_cycles.get("sched").copied().unwrap_or(0),
        "sched"
    );
    for u in &s.units {
        if u.ops == 0 {
            continue;
        }
        out.push_str(&format!(
            "  {:<14} {:>6} ops  busy {:>6.1}%",
            u.name,
            u.ops,
            100.0 * u.utilisation
        ));
        if u.peak_macs_per_cycle > 0.0 {
            out.push_str(&format!("  MAC util {:>6.2}%", 100.0 * u.mac_utilisation));
        }
        out.push_str(&format!(
            "  compute {} / mem stall {} cycles\n",
            u.compute_cycles, u.mem_stall_cycles
        ));
        if let Some((_, set)) = r.stats.iter().find(|(n, _)| *n == u.name) {
            for h in &set.headlines {
                out.push_str(&format!("    {h}\n"));
            }
        }
    }
    out.push_str(&format!(
        "  memory ({}): {:.3} MB read, {:.3} MB written, {:.1} of {:.1} GB/s ({:.1}%)\n",
        s.memory.kind,
        s.memory.bytes_read as f64 / 1e6,
        s.memory.bytes_written as f64 / 1e6,
        s.memory.achieved_gbps,
        s.memory.peak_gbps,
        100.0 * s.memory.bandwidth_utilisation
    ));
    out.push_str(&format!(
        "  energy: {:.3} uJ ({:.3} W average)\n",
        s.energy.total_pj / 1e6,
        s.energy.average_power_w
    ));
    if s.macs > 0 {
        out.push_str(&format!(
            "  {:.3} TOPS achieved ({} MACs)\n",
            s.achieved_tops, s.macs
        ));
    }
    out
}
