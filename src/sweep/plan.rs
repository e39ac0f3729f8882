//! Expanding a spec into points, validating every point, and writing the sweep directory.

use super::spec::{PlotSpec, Spec, value_cell, value_toml};
use super::{Layout, SWEEP_SCHEMA_VERSION, SweepError};
use crate::report::files::{sha256_hex, write_atomic};
use crate::workload::{Workload, trace};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;

/// A trace of the sweep, copied into the sweep directory.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PlanTrace {
    /// The trace as written in the spec (its name in reports and in `sweep.csv`).
    pub name: String,
    /// The copy, relative to the sweep directory.
    pub file: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

/// One design point.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PlanPoint {
    /// Position in expansion order (the row of `sweep.csv`).
    pub index: usize,
    /// One cell per axis column (empty: the key keeps its base value).
    pub values: Vec<String>,
    /// Index into [`Plan::traces`].
    pub trace: usize,
    /// Seed.
    pub seed: u64,
    /// `--set` overrides that make this point from the base config.
    pub overrides: Vec<String>,
    /// Content hash: resolved config, trace bytes, seed and xpusim version.
    pub hash: String,
}

/// The contents of `plan.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Plan {
    /// Format version.
    pub schema_version: u32,
    /// Version of xpusim that made the plan (part of every hash).
    pub xpusim_version: String,
    /// Sweep name.
    pub name: String,
    /// Free text from the spec.
    pub description: String,
    /// The spec file it came from.
    pub spec: String,
    /// Name of the base config in messages and manifests (its path, or `preset:<name>`).
    pub config: String,
    /// Axis columns.
    pub axes: Vec<String>,
    /// Metric columns.
    pub metrics: Vec<String>,
    /// Plots of the merged table.
    pub plots: Vec<PlotSpec>,
    /// Whether each run directory gets its own plots.
    pub run_plots: bool,
    /// Traces.
    pub traces: Vec<PlanTrace>,
    /// Points in expansion order.
    pub points: Vec<PlanPoint>,
}

impl Plan {
    /// Read `plan.json` of a sweep directory.
    pub fn read(l: &Layout) -> Result<Plan, SweepError> {
        let p = l.plan();
        let text = std::fs::read_to_string(&p).map_err(|e| {
            SweepError::Input(format!(
                "{}: cannot read the sweep plan ({e}): is this a sweep directory made by `xpusim sweep plan`?",
                p.display()
            ))
        })?;
        let plan: Plan = serde_json::from_str(&text)
            .map_err(|e| SweepError::Input(format!("{}: {e}", p.display())))?;
        if plan.schema_version != SWEEP_SCHEMA_VERSION {
            return Err(SweepError::Input(format!(
                "{}: schema_version {}: this xpusim reads sweep plans of version {SWEEP_SCHEMA_VERSION}",
                p.display(),
                plan.schema_version
            )));
        }
        Ok(plan)
    }

    /// Indices of the first point of each distinct hash, in point order: the runs.
    pub fn unique(&self) -> Vec<usize> {
        let mut seen = std::collections::BTreeSet::new();
        self.points
            .iter()
            .filter(|p| seen.insert(p.hash.clone()))
            .map(|p| p.index)
            .collect()
    }

    /// A short label of a point for messages: `point 3 (vector.lanes=64, trace=t.xtr)`.
    pub fn label(&self, p: &PlanPoint) -> String {
        let mut parts: Vec<String> = self
            .axes
            .iter()
            .zip(&p.values)
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if self.traces.len() > 1 {
            parts.push(format!("trace={}", self.traces[p.trace].name));
        }
        parts.push(format!("seed={}", p.seed));
        format!("point {} ({})", p.index, parts.join(", "))
    }
}

/// The content hash of a point.
pub fn point_hash(resolved_hash: &str, trace_sha: &str, seed: u64) -> String {
    sha256_hex(
        format!(
            "xpusim-sweep-point\nversion {}\nconfig {resolved_hash}\ntrace {trace_sha}\nseed {seed}\n",
            env!("CARGO_PKG_VERSION")
        )
        .as_bytes(),
    )
}

/// Parse a trace from text, choosing the form by the extension of `name`.
pub fn parse_trace(name: &str, text: &str) -> Result<Workload, String> {
    let r = if Path::new(name).extension().is_some_and(|e| e == "toml") {
        trace::parse_toml(name, text)
    } else {
        trace::parse_lines(name, text)
    };
    r.map_err(|e| e.to_string())
}

/// Expand `spec` into points, validate each, and write the sweep directory `dir`
/// (`plan.json`, `base.toml`, `spec.toml`, `traces/`). Existing run directories are kept:
/// a point whose hash is unchanged stays finished. Every problem of every point is
/// reported at once, and nothing is written if there is any.
pub fn plan(spec: &Spec, dir: &Path) -> Result<Plan, SweepError> {
    let l = Layout::new(dir);
    let (config_label, base_text) = match &spec.config_path {
        Some(p) => (
            p.display().to_string(),
            std::fs::read_to_string(p).map_err(|e| SweepError::io(p, "cannot read config", e))?,
        ),
        None => (
            format!("preset:{}", spec.config),
            crate::config::preset("", &spec.config)
                .unwrap_or_default()
                .to_string(),
        ),
    };
    // Traces: read, hash, parse once each.
    let mut traces = Vec::new();
    let mut works: Vec<Arc<Workload>> = Vec::new();
    let mut bytes_of = Vec::new();
    let mut errs = Vec::new();
    for (name, path) in &spec.traces {
        let bytes =
            std::fs::read(path).map_err(|e| SweepError::io(path, "cannot read trace", e))?;
        let sha = sha256_hex(&bytes);
        let ext = path
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).to_string();
        match parse_trace(name, &text) {
            Ok(w) => works.push(Arc::new(w)),
            Err(e) => {
                errs.push(e);
                works.push(Arc::new(Workload::default()));
            }
        }
        traces.push(PlanTrace {
            name: name.clone(),
            file: format!("traces/{}{ext}", &sha[..16]),
            sha256: sha,
        });
        bytes_of.push(bytes);
    }
    if !errs.is_empty() {
        return Err(SweepError::Input(errs.join("\n")));
    }
    let axes = spec.axis_keys();
    // Grid over groups: the first group varies slowest. Traces outermost, seeds innermost.
    let mut combos: Vec<Vec<usize>> = vec![Vec::new()];
    for g in &spec.groups {
        let mut next = Vec::with_capacity(combos.len() * g.rows.len());
        for c in &combos {
            for r in 0..g.rows.len() {
                let mut c = c.clone();
                c.push(r);
                next.push(c);
            }
        }
        combos = next;
    }
    let mut points = Vec::new();
    // (label of the first point, diagnostic, indices of later points with the same one).
    let mut point_errs: Vec<(String, String, Vec<usize>)> = Vec::new();
    let mut report = |label: String, index: usize, diag: String| match point_errs
        .iter_mut()
        .find(|(_, d, _)| *d == diag)
    {
        Some((_, _, more)) => more.push(index),
        None => point_errs.push((label, diag, Vec::new())),
    };
    for (ti, _) in spec.traces.iter().enumerate() {
        for combo in &combos {
            for &seed in &spec.seeds {
                let index = points.len();
                let mut values = Vec::new();
                let mut overrides = spec.set.clone();
                for (g, &r) in spec.groups.iter().zip(combo) {
                    for (k, v) in g.keys.iter().zip(&g.rows[r]) {
                        match v {
                            Some(v) => {
                                values.push(value_cell(v));
                                overrides.push(format!("{k}={}", value_toml(v)));
                            }
                            None => values.push(String::new()),
                        }
                    }
                }
                overrides.push(format!("sim.seed={seed}"));
                let mut p = PlanPoint {
                    index,
                    values,
                    trace: ti,
                    seed,
                    overrides,
                    hash: String::new(),
                };
                let label = |p: &PlanPoint| {
                    let parts: Vec<String> = axes
                        .iter()
                        .zip(&p.values)
                        .filter(|(_, v)| !v.is_empty())
                        .map(|(k, v)| format!("{k}={v}"))
                        .chain(
                            (spec.traces.len() > 1).then(|| format!("trace={}", spec.traces[ti].0)),
                        )
                        .chain(std::iter::once(format!("seed={seed}")))
                        .collect();
                    format!("point {index} ({})", parts.join(", "))
                };
                match crate::config::load_str(&config_label, &base_text, &p.overrides) {
                    Ok(loaded) => {
                        p.hash = point_hash(&loaded.hash(), &traces[ti].sha256, seed);
                        if let Err(e) = crate::arch::build(&loaded.config, Arc::clone(&works[ti])) {
                            report(label(&p), index, e.to_string());
                        }
                    }
                    Err(e) => {
                        for d in &e.diags {
                            report(label(&p), index, d.to_string());
                        }
                    }
                }
                points.push(p);
            }
        }
    }
    if !point_errs.is_empty() {
        let n = point_errs.len();
        let lines: Vec<String> = point_errs
            .iter()
            .map(|(label, d, more)| match more.len() {
                0 => format!("{label}: {d}"),
                _ => format!(
                    "{label}: {d} (also in point{} {})",
                    if more.len() == 1 { "" } else { "s" },
                    ranges(more)
                ),
            })
            .collect();
        return Err(SweepError::Input(format!(
            "{}\n{n} problem{} found in the points of {}; nothing was run",
            lines.join("\n"),
            if n == 1 { "" } else { "s" },
            spec.file.display()
        )));
    }
    let plan = Plan {
        schema_version: SWEEP_SCHEMA_VERSION,
        xpusim_version: env!("CARGO_PKG_VERSION").to_string(),
        name: spec.name.clone(),
        description: spec.description.clone(),
        spec: spec.file.display().to_string(),
        config: config_label,
        axes,
        metrics: spec.metrics.clone(),
        plots: spec.plots.clone(),
        run_plots: spec.run_plots,
        traces,
        points,
    };
    // Write the directory: data files first, plan.json last.
    std::fs::create_dir_all(dir).map_err(|e| SweepError::io(dir, "cannot create", e))?;
    let w =
        |p: &Path, b: &[u8]| write_atomic(p, b).map_err(|e| SweepError::io(p, "cannot write", e));
    w(&l.base(), base_text.as_bytes())?;
    if let Ok(spec_text) = std::fs::read(&spec.file) {
        w(&dir.join("spec.toml"), &spec_text)?;
    }
    for (t, b) in plan.traces.iter().zip(&bytes_of) {
        w(&dir.join(&t.file), b)?;
    }
    let mut json = serde_json::to_string_pretty(&plan).unwrap_or_default();
    json.push('\n');
    w(&l.plan(), json.as_bytes())?;
    Ok(plan)
}

/// Ascending indices as ranges: `1, 3-5, 9`.
fn ranges(v: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        out.push(if j > i {
            format!("{}-{}", v[i], v[j])
        } else {
            v[i].to_string()
        });
        i = j + 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Spec {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("s.toml");
        Spec::parse(&p, text).unwrap()
    }

    const HEAD: &str = "config = \"tests/data/vec.toml\"\ntrace = \"tests/data/small.xtr\"\n";

    #[test]
    fn grid_expands_first_axis_slowest_and_hashes_differ() {
        let s = spec(&format!(
            "{HEAD}seeds = [1, 2]\n[[axis]]\nkey = \"vector.lanes\"\nvalues = [32, 64]\n\
             [[axis]]\nkey = \"memory.bw_gbps\"\nvalues = [100.0, 200.0, 300.0]\n"
        ));
        let t = tempfile::tempdir().unwrap();
        let p = plan(&s, t.path()).unwrap();
        assert_eq!(p.points.len(), 2 * 3 * 2);
        assert_eq!(p.points[0].values, vec!["32", "100.0"]);
        assert_eq!(p.points[1].values, vec!["32", "100.0"]);
        assert_eq!((p.points[0].seed, p.points[1].seed), (1, 2));
        assert_eq!(p.points[2].values, vec!["32", "200.0"]);
        assert_eq!(p.points[6].values, vec!["64", "100.0"]);
        assert_eq!(p.unique().len(), 12, "every point differs");
        assert!(t.path().join("plan.json").is_file());
        assert!(t.path().join(&p.traces[0].file).is_file());
        // Re-planning gives the same hashes.
        let q = plan(&s, t.path()).unwrap();
        assert_eq!(p, q);
    }

    #[test]
    fn points_equal_after_resolution_share_a_hash() {
        // vec.toml has 128 lanes already: the explicit value resolves to the same config.
        let s = spec(&format!(
            "{HEAD}[[point]]\n\"vector.lanes\" = 128\n[[point]]\n\"vector.count\" = 1\n"
        ));
        let t = tempfile::tempdir().unwrap();
        let p = plan(&s, t.path()).unwrap();
        assert_eq!(p.points.len(), 2);
        assert_eq!(p.points[0].hash, p.points[1].hash);
        assert_eq!(p.unique(), vec![0]);
    }

    #[test]
    fn bad_values_are_reported_per_point_and_key_before_anything_is_written() {
        let s = spec(&format!(
            "{HEAD}[[axis]]\nkey = \"vector.lanes\"\nvalues = [64, 0, -3]\n\
             [[axis]]\nkey = \"vector.lanez\"\nvalues = [1]\n"
        ));
        let t = tempfile::tempdir().unwrap();
        let e = plan(&s, &t.path().join("d")).unwrap_err().to_string();
        assert!(
            e.contains("point 1 (vector.lanes=0, vector.lanez=1, seed=1): ")
                && e.contains("(--set vector.lanes=0): vector.lanes: 0: expected an integer >= 1"),
            "{e}"
        );
        assert!(e.contains("vector.lanez: unknown key `lanez`"), "{e}");
        // The same problem in several points is reported once, with the other points.
        assert!(e.contains("(also in points 1-2)"), "{e}");
        assert_eq!(ranges(&[1, 3, 4, 5, 9]), "1, 3-5, 9");
        assert!(e.contains("nothing was run"), "{e}");
        assert!(!t.path().join("d").exists());
    }

    #[test]
    fn ops_no_unit_can_run_are_reported_per_point() {
        let s = spec(&format!(
            "{HEAD}[[point]]\n\"sched.order\" = [\"vector\"]\n\"dma.count\" = 1\n"
        ));
        let t = tempfile::tempdir().unwrap();
        // The explicit order lacks dma, but the DMA exists: this still places transfers?
        // No: sched.order decides which kinds take unhinted ops, so transfers have no unit.
        let e = plan(&s, t.path()).unwrap_err().to_string();
        assert!(e.contains("point 0 ("), "{e}");
        assert!(e.contains("op `load` (transfer)"), "{e}");
    }
}
