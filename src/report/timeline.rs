//! `timeline.json`: the run in Chrome Trace Event format, for the Perfetto UI
//! (<https://ui.perfetto.dev>, "Open trace file") or `chrome://tracing`.
//!
//! Layout (format: the "Trace Event Format" document by Google, JSON object form):
//! - process 1, "units": one thread (track) per unit instance, in scheduler order, with a
//!   complete event (`"ph": "X"`) per op from its start to its end; its arguments carry
//!   the op's kind, layer, MACs, bytes and cycle breakdown. A unit runs one op at a time,
//!   so slices on one track never overlap. A unit that reports spans (tiles, folds: see
//!   [`crate::stats::series::Spans`]) gets a second track right under its op track,
//!   `<unit> <name>s`, with a slice per span (tid 1001 + unit index).
//! - process 2, one per component that exports time series (e.g. the memory): a counter
//!   (`"ph": "C"`) per series with one sample per interval of the series (bandwidth in
//!   GB/s, queue depth in requests).
//!
//! Timestamps are in microseconds (the format's unit) as floating-point numbers;
//! `displayTimeUnit` asks viewers to show nanoseconds.

use super::RunResult;
use serde_json::{Value as J, json};

/// Version written under `otherData`.
pub const TIMELINE_SCHEMA_VERSION: u32 = 1;

fn us(t: crate::engine::Tick) -> f64 {
    t.0 as f64 / 1e9
}

/// The timeline events of a run.
pub fn events(r: &RunResult) -> Vec<J> {
    let mut ev = vec![
        json!({"ph": "M", "pid": 1, "name": "process_name", "args": {"name": "units"}}),
        json!({"ph": "M", "pid": 1, "name": "process_sort_index", "args": {"sort_index": 1}}),
    ];
    for (i, u) in r.units.iter().enumerate() {
        ev.push(
            json!({"ph": "M", "pid": 1, "tid": i + 1, "name": "thread_name",
                       "args": {"name": u.name}}),
        );
        ev.push(
            json!({"ph": "M", "pid": 1, "tid": i + 1, "name": "thread_sort_index",
                       "args": {"sort_index": 2 * i + 1}}),
        );
        // Spans the unit reported (tiles, folds), on a track of their own.
        let spans = r
            .stats
            .iter()
            .filter(|(c, _)| *c == u.name)
            .flat_map(|(_, s)| s.spans.iter());
        for sp in spans {
            let tid = 1001 + i;
            let mut name = format!("{} {}s", u.name, sp.name);
            if sp.dropped() > 0 {
                name.push_str(&format!(
                    " (first {} of {})",
                    sp.items().len(),
                    sp.items().len() as u64 + sp.dropped()
                ));
            }
            ev.push(
                json!({"ph": "M", "pid": 1, "tid": tid, "name": "thread_name",
                           "args": {"name": name}}),
            );
            ev.push(
                json!({"ph": "M", "pid": 1, "tid": tid, "name": "thread_sort_index",
                           "args": {"sort_index": 2 * i + 2}}),
            );
            for s in sp.items() {
                let op = r
                    .work
                    .ops
                    .get(s.op as usize)
                    .map(|o| o.id.as_str())
                    .unwrap_or("");
                ev.push(json!({
                    "ph": "X", "pid": 1, "tid": tid,
                    "name": format!("{} {}", sp.name, s.index),
                    "cat": sp.name,
                    "ts": us(s.start),
                    "dur": us(crate::engine::Tick(s.end.0.saturating_sub(s.start.0))),
                    "args": {"op": op},
                }));
            }
        }
    }
    // Ops, per unit in start order.
    let mut order: Vec<usize> = (0..r.records.len()).collect();
    order.sort_by_key(|&i| (r.records[i].unit, r.records[i].report.start, i));
    for i in order {
        let rec = &r.records[i];
        let op = &r.work.ops[i];
        let rep = &rec.report;
        ev.push(json!({
            "ph": "X",
            "pid": 1,
            "tid": rec.unit as usize + 1,
            "name": op.id,
            "cat": op.kind.name(),
            "ts": us(rep.start),
            "dur": us(crate::engine::Tick(rep.end.0.saturating_sub(rep.start.0))),
            "args": {
                "kind": op.kind.name(),
                "layer": op.layer.clone().unwrap_or_default(),
                "issued_ns": rec.issued.as_ns(),
                "macs": rep.macs,
                "bytes_read": rep.bytes_read,
                "bytes_written": rep.bytes_written,
                "compute_cycles": rep.compute_cycles,
                "mem_stall_cycles": rep.mem_stall_cycles,
            }
        }));
    }
    // Counters, one process per component with series.
    let mut pid = 2;
    for (comp, set) in &r.stats {
        if set.series.is_empty() {
            continue;
        }
        ev.push(json!({"ph": "M", "pid": pid, "name": "process_name", "args": {"name": comp}}));
        ev.push(json!({"ph": "M", "pid": pid, "name": "process_sort_index",
                       "args": {"sort_index": pid}}));
        for s in &set.series {
            let name = format!("{} ({})", s.name, s.unit);
            let pts = s.points();
            for (t, v) in &pts {
                ev.push(json!({"ph": "C", "pid": pid, "name": name, "ts": us(*t),
                               "args": {s.unit: v}}));
            }
            // Close the last interval so the counter returns to zero after it.
            if let Some((t, _)) = pts.last() {
                let end = crate::engine::Tick(t.0 + s.interval().0);
                ev.push(json!({"ph": "C", "pid": pid, "name": name, "ts": us(end),
                               "args": {s.unit: 0.0}}));
            }
        }
        pid += 1;
    }
    ev
}

/// `timeline.json` text.
pub fn timeline_json(r: &RunResult) -> String {
    let doc = json!({
        "displayTimeUnit": "ns",
        "otherData": {
            "schema_version": TIMELINE_SCHEMA_VERSION,
            "xpusim_version": env!("CARGO_PKG_VERSION"),
            "system": r.loaded.config.name,
            "trace": r.work.source,
        },
        "traceEvents": events(r),
    });
    let mut s = serde_json::to_string(&doc).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Tick;
    use crate::stats::series::Spans;
    use std::sync::Arc;

    #[test]
    fn spans_get_a_track_under_their_unit() {
        let cfg = "schema_version = 1\n[vector]\n[dma]\n";
        let trace = "xpusim-trace 1\nelementwise id=g func=gelu elems=4096\n";
        let loaded = crate::config::load_str("c.toml", cfg, &[]).unwrap();
        let work = Arc::new(crate::workload::trace::parse_lines("t.xtr", trace).unwrap());
        let mut r = crate::report::simulate(loaded, work).unwrap();
        let mut sp = Spans::new("tile", 2);
        for i in 0..3u32 {
            let t = |x: u32| Tick(x as u64 * 1_000_000);
            sp.push(0, i, t(10 * i), t(10 * i + 5));
        }
        let v = r.stats.iter_mut().find(|(c, _)| c == "vector0").unwrap();
        v.1.add_spans(sp);
        let ev = events(&r);
        let track = ev
            .iter()
            .find(|e| e["name"] == "thread_name" && e["tid"] == 1001)
            .unwrap();
        assert_eq!(track["args"]["name"], "vector0 tiles (first 2 of 3)");
        let tiles: Vec<&J> = ev
            .iter()
            .filter(|e| e["ph"] == "X" && e["tid"] == 1001)
            .collect();
        assert_eq!(tiles.len(), 2);
        assert_eq!(tiles[1]["name"], "tile 1");
        assert_eq!(tiles[1]["ts"], 0.01); // 10 ns in microseconds
        assert_eq!(tiles[1]["dur"], 0.005);
        assert_eq!(tiles[1]["args"]["op"], "g");
    }
}
