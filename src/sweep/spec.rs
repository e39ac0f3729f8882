//! The sweep spec: a TOML file naming a base config, traces, seeds, axes over config key
//! paths, explicit points, metrics and plots. The format is documented in `docs/SWEEPS.md`.
//!
//! Axes combine as a grid (nested loops, the first axis slowest) unless several share a
//! `zip` group name, in which case they advance together; the `[[point]]` list is one more
//! group whose rows are given explicitly.

use super::SweepError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Metrics collected when the spec names none: paths into `summary.json`.
pub const DEFAULT_METRICS: [&str; 7] = [
    "total_time_ns",
    "total_cycles.sched",
    "achieved_tops",
    "memory.achieved_gbps",
    "memory.bandwidth_utilisation",
    "energy.total_pj",
    "energy.average_power_w",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    name: Option<String>,
    #[serde(default)]
    description: String,
    config: String,
    trace: Option<String>,
    #[serde(default)]
    traces: Vec<String>,
    #[serde(default)]
    seeds: Vec<u64>,
    #[serde(default)]
    set: Vec<String>,
    metrics: Option<Vec<String>>,
    #[serde(default)]
    run_plots: bool,
    #[serde(default)]
    axis: Vec<toml::Spanned<RawAxis>>,
    #[serde(default)]
    point: Vec<toml::Spanned<toml::Table>>,
    #[serde(default)]
    plot: Vec<toml::Spanned<PlotSpec>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAxis {
    key: String,
    values: Vec<toml::Value>,
    zip: Option<String>,
}

/// What a `[[plot]]` entry asks for.
#[derive(Clone, Debug, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlotSpec {
    /// `line` (metric against `x`, one line per value of `series`) or `heatmap` (metric
    /// over `x` and `y`).
    pub kind: PlotKind,
    /// Column on the x axis.
    pub x: String,
    /// Column whose values become lines (line plots; optional).
    pub series: Option<String>,
    /// Column on the y axis (heatmaps).
    pub y: Option<String>,
    /// Metric column plotted.
    pub metric: String,
}

/// Kinds of sweep plot.
#[derive(Copy, Clone, Debug, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PlotKind {
    /// Metric against one column, a line per value of another.
    Line,
    /// Metric as colour over two columns.
    Heatmap,
}

/// A group of columns that advance together: one axis, a zip group, or the point list.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Key paths of the columns of this group.
    pub keys: Vec<String>,
    /// Rows: one value per key (`None`: the key keeps its base value in this row).
    pub rows: Vec<Vec<Option<toml::Value>>>,
}

/// A parsed, checked sweep spec.
#[derive(Clone, Debug)]
pub struct Spec {
    /// The spec file.
    pub file: PathBuf,
    /// Sweep name (default: the file stem).
    pub name: String,
    /// Free text.
    pub description: String,
    /// The base config as written (a path relative to the spec, or a system preset).
    pub config: String,
    /// The base config file resolved against the spec's folder (None: a preset name).
    pub config_path: Option<PathBuf>,
    /// Traces as written, and resolved against the spec's folder.
    pub traces: Vec<(String, PathBuf)>,
    /// Seeds (at least one).
    pub seeds: Vec<u64>,
    /// Overrides applied to every point before the axis values.
    pub set: Vec<String>,
    /// Metric paths.
    pub metrics: Vec<String>,
    /// Whether each point's run directory gets its own plots.
    pub run_plots: bool,
    /// Column groups, combined as a grid in this order (the first slowest).
    pub groups: Vec<Group>,
    /// Plots of the merged table.
    pub plots: Vec<PlotSpec>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Flatten nested tables into dotted key paths (`{npu = {rows = 8}}` becomes `npu.rows`).
fn flatten(prefix: &str, t: &toml::Table, out: &mut Vec<(String, toml::Value)>) {
    for (k, v) in t {
        let p = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(sub) => flatten(&p, sub, out),
            other => out.push((p, other.clone())),
        }
    }
}

/// Check a dotted key path's shape (the config loader checks that it exists).
fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty()
        || key
            .split('.')
            .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    {
        return Err(format!(
            "key \"{key}\": expected a dotted config key path such as npu.rows"
        ));
    }
    Ok(())
}

impl Spec {
    /// Read and check a spec file.
    pub fn read(path: &Path) -> Result<Spec, SweepError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            SweepError::Input(format!("{}: cannot read sweep spec: {e}", path.display()))
        })?;
        Spec::parse(path, &text)
    }

    /// Parse and check spec text; `path` names it in messages and anchors relative paths.
    pub fn parse(path: &Path, text: &str) -> Result<Spec, SweepError> {
        let file = path.display().to_string();
        let raw: RawSpec = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            SweepError::Input(format!("{file}:{line}: {}", e.message().trim()))
        })?;
        let mut errs: Vec<String> = Vec::new();
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let config_path = {
            let p = dir.join(&raw.config);
            if p.is_file() {
                Some(p)
            } else if crate::config::preset("", &raw.config).is_some() {
                None
            } else {
                errs.push(format!(
                    "{file}: config = \"{}\": no such file ({}) and no built-in system preset of that name",
                    raw.config,
                    p.display()
                ));
                None
            }
        };
        let mut trace_names = raw.traces.clone();
        if let Some(t) = &raw.trace {
            trace_names.insert(0, t.clone());
        }
        if trace_names.is_empty() {
            errs.push(format!(
                "{file}: no trace: expected trace = \"FILE\" or traces = [\"FILE\", ...]"
            ));
        }
        let mut traces = Vec::new();
        for t in &trace_names {
            let p = dir.join(t);
            if !p.is_file() {
                errs.push(format!(
                    "{file}: trace \"{t}\": no such file ({})",
                    p.display()
                ));
            }
            if traces.iter().any(|(n, _)| n == t) {
                errs.push(format!("{file}: trace \"{t}\" is listed twice"));
            }
            traces.push((t.clone(), p));
        }
        let mut seeds = raw.seeds.clone();
        if seeds.is_empty() {
            seeds.push(1);
        }
        for (i, s) in seeds.iter().enumerate() {
            if seeds[..i].contains(s) {
                errs.push(format!("{file}: seeds: {s} is listed twice"));
            }
        }
        for s in &raw.set {
            match s.split_once('=') {
                Some((k, _)) => {
                    if let Err(m) = check_key(k.trim()) {
                        errs.push(format!("{file}: set \"{s}\": {m}"));
                    }
                }
                None => errs.push(format!(
                    "{file}: set \"{s}\": expected KEY=VALUE, e.g. npu.rows=64"
                )),
            }
        }
        // Axes, grouped by zip name in order of first appearance.
        let mut groups: Vec<Group> = Vec::new();
        let mut zips: Vec<(String, usize, String)> = Vec::new(); // (zip name, group, first key)
        let mut all_keys: Vec<String> = Vec::new();
        for a in &raw.axis {
            let line = line_of(text, a.span().start);
            let a = a.get_ref();
            if let Err(m) = check_key(&a.key) {
                errs.push(format!("{file}:{line}: axis {m}"));
                continue;
            }
            if matches!(a.key.as_str(), "trace" | "seed") {
                errs.push(format!(
                    "{file}:{line}: axis key \"{}\" is reserved: use `traces` or `seeds`",
                    a.key
                ));
                continue;
            }
            if all_keys.contains(&a.key) {
                errs.push(format!(
                    "{file}:{line}: axis \"{}\" is defined twice",
                    a.key
                ));
                continue;
            }
            if a.values.is_empty() {
                errs.push(format!(
                    "{file}:{line}: axis \"{}\": expected at least one value",
                    a.key
                ));
                continue;
            }
            for (i, v) in a.values.iter().enumerate() {
                if a.values[..i].contains(v) {
                    errs.push(format!(
                        "{file}:{line}: axis \"{}\": value {v} is listed twice",
                        a.key
                    ));
                }
                if v.is_table() {
                    errs.push(format!(
                        "{file}:{line}: axis \"{}\": value {v} is a table: expected a number, string, boolean or array",
                        a.key
                    ));
                }
            }
            all_keys.push(a.key.clone());
            let col: Vec<Option<toml::Value>> = a.values.iter().cloned().map(Some).collect();
            match &a.zip {
                Some(z) => match zips.iter().find(|(n, _, _)| n == z) {
                    Some((_, g, first)) => {
                        let g = &mut groups[*g];
                        if g.rows.len() != col.len() {
                            errs.push(format!(
                                "{file}:{line}: axis \"{}\" has {} values but \"{first}\" in zip group \"{z}\" has {}: zipped axes need the same number of values",
                                a.key,
                                col.len(),
                                g.rows.len()
                            ));
                            continue;
                        }
                        g.keys.push(a.key.clone());
                        for (r, v) in g.rows.iter_mut().zip(col) {
                            r.push(v);
                        }
                    }
                    None => {
                        zips.push((z.clone(), groups.len(), a.key.clone()));
                        groups.push(Group {
                            keys: vec![a.key.clone()],
                            rows: col.into_iter().map(|v| vec![v]).collect(),
                        });
                    }
                },
                None => groups.push(Group {
                    keys: vec![a.key.clone()],
                    rows: col.into_iter().map(|v| vec![v]).collect(),
                }),
            }
        }
        // The explicit point list.
        if !raw.point.is_empty() {
            let mut keys: Vec<String> = Vec::new();
            let mut rows_kv: Vec<Vec<(String, toml::Value)>> = Vec::new();
            for p in &raw.point {
                let line = line_of(text, p.span().start);
                let mut kv = Vec::new();
                flatten("", p.get_ref(), &mut kv);
                if kv.is_empty() {
                    errs.push(format!(
                        "{file}:{line}: [[point]] sets no key: expected e.g. \"npu.rows\" = 64"
                    ));
                }
                for (k, _) in &kv {
                    if let Err(m) = check_key(k) {
                        errs.push(format!("{file}:{line}: [[point]] {m}"));
                    } else if all_keys.contains(k) {
                        errs.push(format!(
                            "{file}:{line}: [[point]] sets \"{k}\", which is also an axis: set it in one place"
                        ));
                    } else if !keys.contains(k) {
                        keys.push(k.clone());
                    }
                }
                if rows_kv.contains(&kv) {
                    errs.push(format!("{file}:{line}: [[point]] repeats an earlier point"));
                }
                rows_kv.push(kv);
            }
            let rows = rows_kv
                .iter()
                .map(|kv| {
                    keys.iter()
                        .map(|k| kv.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.clone()))
                        .collect()
                })
                .collect();
            all_keys.extend(keys.iter().cloned());
            groups.push(Group { keys, rows });
        }
        let metrics = raw
            .metrics
            .clone()
            .unwrap_or_else(|| DEFAULT_METRICS.iter().map(|s| s.to_string()).collect());
        if metrics.is_empty() {
            errs.push(format!(
                "{file}: metrics = []: expected at least one metric"
            ));
        }
        for (i, m) in metrics.iter().enumerate() {
            if metrics[..i].contains(m) {
                errs.push(format!("{file}: metric \"{m}\" is listed twice"));
            }
            if m.is_empty() || m.split('.').any(|p| p.is_empty()) {
                errs.push(format!(
                    "{file}: metric \"{m}\": expected a dotted path into summary.json (e.g. energy.total_pj) or stats.json (stats.<component>.<statistic>)"
                ));
            }
        }
        let mut columns: Vec<String> = all_keys.clone();
        columns.push("trace".into());
        columns.push("seed".into());
        let mut plots = Vec::new();
        for p in &raw.plot {
            let line = line_of(text, p.span().start);
            let p = p.get_ref();
            for (what, c) in [
                ("x", Some(&p.x)),
                ("series", p.series.as_ref()),
                ("y", p.y.as_ref()),
            ] {
                if let Some(c) = c
                    && !columns.contains(c)
                {
                    errs.push(format!(
                        "{file}:{line}: plot {what} = \"{c}\": expected one of the columns {}",
                        columns.join(", ")
                    ));
                }
            }
            if !metrics.contains(&p.metric) {
                errs.push(format!(
                    "{file}:{line}: plot metric = \"{}\": expected one of the metrics {}",
                    p.metric,
                    metrics.join(", ")
                ));
            }
            if p.kind == PlotKind::Heatmap && p.y.is_none() {
                errs.push(format!(
                    "{file}:{line}: heatmap plot: expected y = \"COLUMN\""
                ));
            }
            plots.push(p.clone());
        }
        if !errs.is_empty() {
            return Err(SweepError::Input(errs.join("\n")));
        }
        let name = raw.name.clone().unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_else(|| "sweep".into())
        });
        let mut spec = Spec {
            file: path.to_path_buf(),
            name,
            description: raw.description,
            config: raw.config,
            config_path,
            traces,
            seeds,
            set: raw.set,
            metrics,
            run_plots: raw.run_plots,
            groups,
            plots,
        };
        if spec.plots.is_empty() {
            spec.plots = spec.default_plots();
        }
        Ok(spec)
    }

    /// Axis columns (every key that varies), in column order.
    pub fn axis_keys(&self) -> Vec<String> {
        self.groups.iter().flat_map(|g| g.keys.clone()).collect()
    }

    /// Default plots: for the time and energy metrics (or the first metric), a line plot
    /// against the first axis with a line per value of the second, and a heatmap over
    /// the first two axes.
    pub fn default_plots(&self) -> Vec<PlotSpec> {
        let mut cols: Vec<String> = self.axis_keys();
        if self.traces.len() > 1 {
            cols.push("trace".into());
        }
        if self.seeds.len() > 1 {
            cols.push("seed".into());
        }
        let Some(x) = cols.first().cloned() else {
            return Vec::new();
        };
        let mut ms: Vec<String> = ["total_time_ns", "energy.total_pj"]
            .iter()
            .filter(|m| self.metrics.iter().any(|x| x == *m))
            .map(|m| m.to_string())
            .collect();
        if ms.is_empty() {
            ms.push(self.metrics[0].clone());
        }
        let mut out = Vec::new();
        for m in ms {
            out.push(PlotSpec {
                kind: PlotKind::Line,
                x: x.clone(),
                series: cols.get(1).cloned(),
                y: None,
                metric: m.clone(),
            });
            if let Some(y) = cols.get(1) {
                out.push(PlotSpec {
                    kind: PlotKind::Heatmap,
                    x: x.clone(),
                    series: None,
                    y: Some(y.clone()),
                    metric: m,
                });
            }
        }
        out
    }
}

/// A config value as a `--set` right-hand side (TOML syntax: strings quoted).
pub fn value_toml(v: &toml::Value) -> String {
    v.to_string()
}

/// A config value as a table cell (strings without quotes).
pub fn value_cell(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Spec, String> {
        // Anchor relative paths at the repository root so that test data is found.
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("s.toml");
        Spec::parse(&p, text).map_err(|e| e.to_string())
    }

    const HEAD: &str = "config = \"tests/data/vec.toml\"\ntrace = \"tests/data/small.xtr\"\n";

    #[test]
    fn grid_zip_and_points_form_groups() {
        let s = parse(&format!(
            "{HEAD}[[axis]]\nkey = \"vector.lanes\"\nvalues = [32, 64]\n\
             [[axis]]\nkey = \"memory.bw_gbps\"\nvalues = [100.0, 200.0, 300.0]\nzip = \"m\"\n\
             [[axis]]\nkey = \"memory.latency_ns\"\nvalues = [10.0, 20.0, 30.0]\nzip = \"m\"\n\
             [[point]]\nvector.count = 2\n[[point]]\n\"dma.count\" = 2\n"
        ))
        .unwrap();
        assert_eq!(s.groups.len(), 3);
        assert_eq!(
            s.groups[1].keys,
            vec!["memory.bw_gbps", "memory.latency_ns"]
        );
        assert_eq!(s.groups[1].rows.len(), 3);
        assert_eq!(s.groups[2].keys, vec!["vector.count", "dma.count"]);
        assert_eq!(s.groups[2].rows[0][1], None);
        assert_eq!(s.seeds, vec![1]);
        assert_eq!(s.metrics.len(), DEFAULT_METRICS.len());
        // Default plots: time and energy, a line and a heatmap each.
        assert_eq!(s.plots.len(), 4);
    }

    #[test]
    fn every_spec_mistake_is_reported() {
        let e = parse(
            "config = \"nope.toml\"\n[[axis]]\nkey = \"a..b\"\nvalues = [1]\n\
             [[axis]]\nkey = \"x.y\"\nvalues = [1, 1]\n\
             [[axis]]\nkey = \"p.q\"\nvalues = [1, 2]\nzip = \"z\"\n\
             [[axis]]\nkey = \"p.r\"\nvalues = [1]\nzip = \"z\"\n",
        )
        .unwrap_err();
        assert!(e.contains("config = \"nope.toml\": no such file"), "{e}");
        assert!(e.contains("no trace"), "{e}");
        assert!(e.contains("s.toml:2: axis key \"a..b\""), "{e}");
        assert!(
            e.contains("s.toml:5: axis \"x.y\": value 1 is listed twice"),
            "{e}"
        );
        assert!(
            e.contains("s.toml:12: axis \"p.r\" has 1 values but \"p.q\" in zip group \"z\" has 2"),
            "{e}"
        );
    }

    #[test]
    fn unknown_spec_keys_name_the_line() {
        let e = parse(&format!("{HEAD}[[axis]]\nkey = \"a.b\"\nvals = [1]\n")).unwrap_err();
        assert!(e.contains("s.toml:5:"), "{e}");
        assert!(e.contains("unknown field `vals`"), "{e}");
    }

    #[test]
    fn plots_must_name_columns_and_metrics() {
        let e = parse(&format!(
            "{HEAD}[[axis]]\nkey = \"vector.lanes\"\nvalues = [32]\n\
             [[plot]]\nkind = \"heatmap\"\nx = \"vector.lane\"\nmetric = \"nope\"\n"
        ))
        .unwrap_err();
        assert!(
            e.contains(
                "plot x = \"vector.lane\": expected one of the columns vector.lanes, trace, seed"
            ),
            "{e}"
        );
        assert!(e.contains("plot metric = \"nope\""), "{e}");
        assert!(e.contains("heatmap plot: expected y"), "{e}");
    }
}
