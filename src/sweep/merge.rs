//! Merging the points of a sweep into `sweep.csv`.
//!
//! Columns: `point`, every axis, `trace`, `seed`, `status` (`ok`, `failed`, `missing`),
//! every metric, `hash` (the first 16 hex digits: the run directory `runs/<hash>`), and
//! `error` (why a point failed). One row per point, in plan order; a failed or missing
//! point keeps its row with empty metrics.

use super::plan::Plan;
use super::{Layout, SweepError, dir_name, is_finished};
use crate::report::files::write_atomic;
use serde_json::Value as J;
use std::collections::BTreeMap;
use std::path::Path;

/// What a merge found.
#[derive(Clone, Debug, Default)]
pub struct MergeReport {
    /// Rows written.
    pub rows: usize,
    /// Points with results.
    pub ok: usize,
    /// Failed points: (label, first line of the error).
    pub failed: Vec<(String, String)>,
    /// Points with neither results nor a failure note.
    pub missing: Vec<String>,
    /// Metrics absent from some finished point: (metric, label).
    pub absent_metrics: Vec<(String, String)>,
}

/// Look a metric up. `stats.<component>.<statistic>` reads `stats.json`; anything else is
/// a dotted path into `summary.json`, where a path step into a list picks the element
/// whose `name` is the step (or the `[name, value]` pair), or the element at that index.
pub fn lookup(summary: &J, stats: Option<&J>, metric: &str) -> Option<J> {
    let (mut v, rest): (&J, Vec<&str>) = match metric.strip_prefix("stats.") {
        Some(r) => (stats?.get("components")?, r.split('.').collect()),
        None => (summary, metric.split('.').collect()),
    };
    let mut i = 0;
    while i < rest.len() {
        v = match v {
            J::Object(m) => match m.get(rest[i]) {
                Some(x) => {
                    i += 1;
                    x
                }
                // A component of stats.json: look in its statistics.
                None => m.get("stats").filter(|s| s.is_array())?,
            },
            J::Array(a) => {
                // Names may contain dots (`npu.core0`): try the longest name first.
                let mut found = None;
                for j in (i + 1..=rest.len()).rev() {
                    let name = rest[i..j].join(".");
                    let hit = a.iter().find(|e| {
                        e.get("name").and_then(|n| n.as_str()) == Some(name.as_str())
                            || e.as_array().is_some_and(|p| {
                                p.len() == 2 && p[0].as_str() == Some(name.as_str())
                            })
                    });
                    if let Some(e) = hit {
                        found = Some((j, e));
                        break;
                    }
                }
                match found {
                    Some((j, e)) => {
                        i = j;
                        match e {
                            J::Array(p) => &p[1],
                            _ => e,
                        }
                    }
                    None => {
                        i += 1;
                        a.get(rest[i - 1].parse::<usize>().ok()?)?
                    }
                }
            }
            _ => return None,
        };
    }
    // A statistic is an object with a value: give the value.
    match v {
        J::Object(m) if m.contains_key("value") => m.get("value").cloned(),
        other => Some(other.clone()),
    }
}

/// A JSON value as a table cell.
fn cell(v: &J) -> String {
    match v {
        J::String(s) => s.clone(),
        J::Null => String::new(),
        other => other.to_string(),
    }
}

fn read_json(p: &Path) -> Option<J> {
    serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()
}

/// The header of `sweep.csv` for `plan`.
pub fn header(plan: &Plan) -> Vec<String> {
    let mut h = vec!["point".to_string()];
    h.extend(plan.axes.iter().cloned());
    h.extend(["trace".into(), "seed".into(), "status".into()]);
    h.extend(plan.metrics.iter().cloned());
    h.extend(["hash".into(), "error".into()]);
    h
}

/// Write `sweep.csv` of the sweep in `dir`.
pub fn merge(dir: &Path) -> Result<MergeReport, SweepError> {
    let l = Layout::new(dir);
    let plan = Plan::read(&l)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| SweepError::Io(format!("writing sweep.csv: {e}"));
    w.write_record(header(&plan)).map_err(csv_err)?;
    let mut rep = MergeReport::default();
    // Results of each distinct run, read once.
    let mut cache: BTreeMap<String, (String, Vec<String>, String)> = BTreeMap::new();
    for p in &plan.points {
        let label = plan.label(p);
        let (status, metrics, error) = match cache.get(&p.hash) {
            Some(c) => c.clone(),
            None => {
                let r = if is_finished(&l, &p.hash) {
                    let run = l.run_dir(&p.hash);
                    let summary = read_json(&run.join("summary.json")).unwrap_or(J::Null);
                    let stats = if plan.metrics.iter().any(|m| m.starts_with("stats.")) {
                        read_json(&run.join("stats.json"))
                    } else {
                        None
                    };
                    let mut ms = Vec::new();
                    for m in &plan.metrics {
                        match lookup(&summary, stats.as_ref(), m) {
                            Some(v) => ms.push(cell(&v)),
                            None => {
                                rep.absent_metrics.push((m.clone(), label.clone()));
                                ms.push(String::new());
                            }
                        }
                    }
                    ("ok".to_string(), ms, String::new())
                } else if let Ok(note) = std::fs::read_to_string(l.failed(&p.hash)) {
                    // The first line repeats the label; the rest is the error.
                    let err: Vec<&str> = note.lines().skip(1).collect();
                    (
                        "failed".to_string(),
                        vec![String::new(); plan.metrics.len()],
                        err.join(" | "),
                    )
                } else {
                    (
                        "missing".to_string(),
                        vec![String::new(); plan.metrics.len()],
                        String::new(),
                    )
                };
                cache.insert(p.hash.clone(), r.clone());
                r
            }
        };
        match status.as_str() {
            "ok" => rep.ok += 1,
            "failed" => rep.failed.push((label.clone(), error.clone())),
            _ => rep.missing.push(label.clone()),
        }
        let mut row = vec![p.index.to_string()];
        row.extend(p.values.iter().cloned());
        row.push(plan.traces[p.trace].name.clone());
        row.push(p.seed.to_string());
        row.push(status);
        row.extend(metrics);
        row.push(dir_name(&p.hash).to_string());
        row.push(error);
        w.write_record(&row).map_err(csv_err)?;
        rep.rows += 1;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| SweepError::Io(format!("writing sweep.csv: {e}")))?;
    write_atomic(&l.csv(), &bytes).map_err(|e| SweepError::io(&l.csv(), "cannot write", e))?;
    Ok(rep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_walks_objects_named_lists_pairs_and_stats() {
        let s: J = serde_json::from_str(
            r#"{"total_time_ns": 5.5, "units": [{"name": "v0", "utilisation": 0.25}],
                "energy": {"per_component": [["memory", 12.0]]}}"#,
        )
        .unwrap();
        let st: J = serde_json::from_str(
            r#"{"components": [{"name": "memory", "stats": [{"name": "reads", "value": 7, "unit": "requests"}]}]}"#,
        )
        .unwrap();
        assert_eq!(lookup(&s, None, "total_time_ns"), Some(J::from(5.5)));
        assert_eq!(
            lookup(&s, None, "units.v0.utilisation"),
            Some(J::from(0.25))
        );
        assert_eq!(lookup(&s, None, "units.0.utilisation"), Some(J::from(0.25)));
        assert_eq!(
            lookup(&s, None, "energy.per_component.memory"),
            Some(J::from(12.0))
        );
        assert_eq!(
            lookup(&s, Some(&st), "stats.memory.reads"),
            Some(J::from(7))
        );
        assert_eq!(lookup(&s, None, "units.v1.utilisation"), None);
        let d: J =
            serde_json::from_str(r#"{"units": [{"name": "npu.core0", "macs": 3}]}"#).unwrap();
        assert_eq!(lookup(&d, None, "units.npu.core0.macs"), Some(J::from(3)));
        assert_eq!(lookup(&s, None, "nope"), None);
    }
}
