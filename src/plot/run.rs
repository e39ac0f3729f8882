//! Plots of one run, drawn from the files of its run directory into `plots/`:
//! - `utilisation`: the busy fraction of each unit over time (in 100 equal intervals of
//!   the run), with the memory's bandwidth utilisation from `timeline.json`'s counter;
//! - `latency`: per layer (or per op, or per op kind and unit when there are many ops),
//!   the time spent computing, stalled on memory, and other (issue, pipeline, drain),
//!   from `ops.csv`;
//! - `roofline`: each op with MACs at its operational intensity (2 FLOP per MAC over the
//!   bytes it moved) and achieved FLOP/s, under the roof of each MAC unit
//!   (min(peak FLOP/s, intensity × memory peak bandwidth); Williams, Waterman and
//!   Patterson, "Roofline", CACM 2009).

use super::{Quantity, color, err, fmt_num, render, text};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde_json::Value as J;
use std::path::Path;

/// One row of `ops.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct OpRow {
    /// Op id.
    pub id: String,
    /// Op kind.
    pub kind: String,
    /// Layer label.
    pub layer: String,
    /// Unit instance.
    pub unit: String,
    /// Unit clock, MHz.
    pub mhz: f64,
    /// Start, ns.
    pub start_ns: f64,
    /// End, ns.
    pub end_ns: f64,
    /// Compute cycles.
    pub compute: f64,
    /// Memory-stall cycles.
    pub stall: f64,
    /// Other cycles.
    pub other: f64,
    /// MACs.
    pub macs: f64,
    /// Bytes read plus written.
    pub bytes: f64,
}

/// A unit from `summary.json`.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitRow {
    /// Instance name.
    pub name: String,
    /// Clock, MHz.
    pub mhz: f64,
    /// Peak MACs per cycle.
    pub peak_macs_per_cycle: f64,
}

/// What the run plots need.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunData {
    /// System name.
    pub system: String,
    /// Ops.
    pub ops: Vec<OpRow>,
    /// Units.
    pub units: Vec<UnitRow>,
    /// Run length, ns.
    pub total_ns: f64,
    /// Memory peak bandwidth, GB/s.
    pub mem_peak_gbps: f64,
    /// Memory bandwidth samples (interval start in ns, GB/s), a step function.
    pub mem_bw: Vec<(f64, f64)>,
}

impl RunData {
    /// Read a run directory.
    pub fn read(dir: &Path) -> Result<RunData, String> {
        let sp = dir.join("summary.json");
        let s: J = serde_json::from_str(
            &std::fs::read_to_string(&sp).map_err(|e| format!("{}: {e}", sp.display()))?,
        )
        .map_err(|e| format!("{}: {e}", sp.display()))?;
        let f = |v: &J, k: &str| v.get(k).and_then(|x| x.as_f64()).unwrap_or(0.0);
        let units = s
            .get("units")
            .and_then(|u| u.as_array())
            .map(|a| {
                a.iter()
                    .map(|u| UnitRow {
                        name: u
                            .get("name")
                            .and_then(|n| n.as_str())
                            .unwrap_or("")
                            .to_string(),
                        mhz: f(u, "freq_mhz"),
                        peak_macs_per_cycle: f(u, "peak_macs_per_cycle"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let op = dir.join("ops.csv");
        let mut rd = csv::Reader::from_path(&op).map_err(|e| format!("{}: {e}", op.display()))?;
        let hdr = rd.headers().map_err(err)?.clone();
        let col = |n: &str| {
            hdr.iter()
                .position(|h| h == n)
                .ok_or_else(|| format!("{}: no column `{n}`", op.display()))
        };
        let c = [
            "id",
            "kind",
            "layer",
            "unit",
            "unit_mhz",
            "start_ns",
            "end_ns",
            "compute_cycles",
            "mem_stall_cycles",
            "other_cycles",
            "macs",
            "bytes_read",
            "bytes_written",
        ]
        .map(col);
        let mut idx = [0usize; 13];
        for (i, r) in c.into_iter().enumerate() {
            idx[i] = r?;
        }
        let mut ops = Vec::new();
        for rec in rd.records() {
            let rec = rec.map_err(|e| format!("{}: {e}", op.display()))?;
            let t = |i: usize| rec.get(idx[i]).unwrap_or("").to_string();
            let n = |i: usize| {
                rec.get(idx[i])
                    .and_then(|x| x.parse::<f64>().ok())
                    .unwrap_or(0.0)
            };
            ops.push(OpRow {
                id: t(0),
                kind: t(1),
                layer: t(2),
                unit: t(3),
                mhz: n(4),
                start_ns: n(5),
                end_ns: n(6),
                compute: n(7),
                stall: n(8),
                other: n(9),
                macs: n(10),
                bytes: n(11) + n(12),
            });
        }
        let mut mem_bw = Vec::new();
        if let Ok(t) = std::fs::read_to_string(dir.join("timeline.json"))
            && let Ok(tl) = serde_json::from_str::<J>(&t)
        {
            for e in tl
                .get("traceEvents")
                .and_then(|x| x.as_array())
                .into_iter()
                .flatten()
            {
                if e.get("ph").and_then(|p| p.as_str()) == Some("C")
                    && e.get("name")
                        .and_then(|n| n.as_str())
                        .is_some_and(|n| n.starts_with("bandwidth"))
                {
                    let ts = f(e, "ts") * 1e3;
                    let v = e
                        .get("args")
                        .and_then(|a| a.get("GB/s"))
                        .and_then(|x| x.as_f64())
                        .unwrap_or(0.0);
                    mem_bw.push((ts, v));
                }
            }
        }
        Ok(RunData {
            system: s
                .get("system")
                .and_then(|x| x.as_str())
                .unwrap_or("")
                .to_string(),
            ops,
            units,
            total_ns: f(&s, "total_time_ns"),
            mem_peak_gbps: s.get("memory").map(|m| f(m, "peak_gbps")).unwrap_or(0.0),
            mem_bw,
        })
    }

    /// Busy fraction of each unit with ops in `bins` equal intervals: (unit, values).
    pub fn utilisation(&self, bins: usize) -> Vec<(String, Vec<f64>)> {
        let w = self.total_ns / bins as f64;
        let mut out = Vec::new();
        for u in &self.units {
            let ops: Vec<&OpRow> = self.ops.iter().filter(|o| o.unit == u.name).collect();
            if ops.is_empty() || w <= 0.0 {
                continue;
            }
            let mut v = vec![0.0; bins];
            for o in ops {
                let (a, b) = (o.start_ns, o.end_ns);
                let first = ((a / w).floor() as usize).min(bins - 1);
                let last = ((b / w).ceil() as usize).min(bins);
                for (i, slot) in v.iter_mut().enumerate().take(last).skip(first) {
                    let (lo, hi) = (i as f64 * w, (i + 1) as f64 * w);
                    let overlap = (b.min(hi) - a.max(lo)).max(0.0);
                    *slot += overlap / w;
                }
            }
            out.push((u.name.clone(), v));
        }
        out
    }

    /// Memory bandwidth utilisation (0..1) averaged over `bins` equal intervals of the run,
    /// from the bandwidth counter (a step function).
    pub fn mem_utilisation(&self, bins: usize) -> Vec<f64> {
        let mut v = vec![0.0; bins];
        let w = self.total_ns / bins as f64;
        if w <= 0.0 || self.mem_peak_gbps <= 0.0 {
            return v;
        }
        for (i, &(t, gbps)) in self.mem_bw.iter().enumerate() {
            let next = self.mem_bw.get(i + 1).map(|p| p.0).unwrap_or(t);
            if next <= t || gbps == 0.0 {
                continue;
            }
            let first = ((t / w).floor() as usize).min(bins - 1);
            let last = ((next / w).ceil() as usize).min(bins);
            for (b, slot) in v.iter_mut().enumerate().take(last).skip(first) {
                let (lo, hi) = (b as f64 * w, (b + 1) as f64 * w);
                let overlap = (next.min(hi) - t.max(lo)).max(0.0);
                *slot += gbps / self.mem_peak_gbps * overlap / w;
            }
        }
        v
    }

    /// Latency breakdown groups: (label, compute ns, memory stall ns, other ns), and a
    /// description of the grouping.
    pub fn breakdown(&self) -> (Vec<(String, [f64; 3])>, &'static str) {
        let ns = |o: &OpRow, c: f64| if o.mhz > 0.0 { c * 1e3 / o.mhz } else { 0.0 };
        let mut groups: Vec<(String, [f64; 3])> = Vec::new();
        let mut layers: Vec<&str> = self.ops.iter().map(|o| o.layer.as_str()).collect();
        layers.sort();
        layers.dedup();
        let has_layers = layers.len() > 1 && !(layers.len() <= 2 && layers.contains(&""));
        let how = if has_layers {
            "per layer"
        } else if self.ops.len() <= 30 {
            "per op"
        } else {
            "per op kind and unit"
        };
        for o in &self.ops {
            let key = match how {
                "per layer" => {
                    if o.layer.is_empty() {
                        "(no layer)".to_string()
                    } else {
                        o.layer.clone()
                    }
                }
                "per op" => o.id.clone(),
                _ => format!("{} on {}", o.kind, o.unit),
            };
            let v = [ns(o, o.compute), ns(o, o.stall), ns(o, o.other)];
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, g)) => {
                    for i in 0..3 {
                        g[i] += v[i];
                    }
                }
                None => groups.push((key, v)),
            }
        }
        (groups, how)
    }
}

/// Draw every run plot of the run directory `dir` into `dir/plots/`.
pub fn write_run_plots(dir: &Path) -> std::io::Result<()> {
    let d = RunData::read(dir).map_err(std::io::Error::other)?;
    let out = dir.join("plots");
    std::fs::create_dir_all(&out)?;
    let go = || -> Result<(), String> {
        render!(&out.join("utilisation"), draw_utilisation, &d)?;
        render!(&out.join("latency"), draw_latency, &d)?;
        render!(&out.join("roofline"), draw_roofline, &d)?;
        Ok(())
    };
    go().map_err(std::io::Error::other)
}

fn time_q(total_ns: f64) -> Quantity {
    super::quantity("time_ns", total_ns)
}

/// Unit utilisation over time.
pub fn draw_utilisation<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    d: &RunData,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let bins = 100;
    let util = d.utilisation(bins);
    let tq = time_q(d.total_ns);
    let xmax = (d.total_ns * tq.scale).max(1e-9);
    let title = if d.system.is_empty() {
        "Utilisation over time".to_string()
    } else {
        format!("Utilisation over time: {}", d.system)
    };
    let mut ch = ChartBuilder::on(&root)
        .caption(title, (super::FAMILY, text::TITLE))
        .margin(20)
        .x_label_area_size(70)
        .y_label_area_size(100)
        // Headroom above 100 % for the legend.
        .build_cartesian_2d(0.0..xmax, 0.0..135.0)
        .map_err(err)?;
    ch.configure_mesh()
        .x_desc(tq.axis())
        .y_desc("busy (% of each interval)")
        .axis_desc_style((super::FAMILY, text::AXIS))
        .label_style((super::FAMILY, text::LABEL))
        .x_label_formatter(&|x| fmt_num(*x))
        .y_label_formatter(&|y| {
            if *y <= 100.0 {
                fmt_num(*y)
            } else {
                String::new()
            }
        })
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    let w = xmax / bins as f64;
    for (i, (name, v)) in util.iter().enumerate() {
        let c = color(i);
        let pts: Vec<(f64, f64)> = v
            .iter()
            .enumerate()
            .flat_map(|(b, u)| [(b as f64 * w, 100.0 * u), ((b + 1) as f64 * w, 100.0 * u)])
            .collect();
        ch.draw_series(LineSeries::new(pts, c.stroke_width(3)))
            .map_err(err)?
            .label(name.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x - 5, y), (x + 15, y)], c.stroke_width(4))
            });
    }
    if d.mem_peak_gbps > 0.0 && !d.mem_bw.is_empty() {
        let c = color(util.len());
        let pts: Vec<(f64, f64)> = d
            .mem_utilisation(bins)
            .iter()
            .enumerate()
            .flat_map(|(b, u)| [(b as f64 * w, 100.0 * u), ((b + 1) as f64 * w, 100.0 * u)])
            .collect();
        ch.draw_series(LineSeries::new(pts, c.stroke_width(3)))
            .map_err(err)?
            .label("memory bandwidth (% of peak)")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x - 5, y), (x + 15, y)], c.stroke_width(4))
            });
    }
    super::finish(&mut ch, &root, SeriesLabelPosition::UpperRight)
}

/// Latency breakdown: stacked horizontal bars.
pub fn draw_latency<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    d: &RunData,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let (mut groups, how) = d.breakdown();
    let total = groups.len();
    const MAX: usize = 24;
    let mut note = String::new();
    if groups.len() > MAX {
        // Keep the longest, in their original order.
        let mut by: Vec<(usize, f64)> = groups
            .iter()
            .enumerate()
            .map(|(i, (_, v))| (i, v.iter().sum()))
            .collect();
        by.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut keep: Vec<usize> = by[..MAX].iter().map(|x| x.0).collect();
        keep.sort();
        groups = keep.into_iter().map(|i| groups[i].clone()).collect();
        note = format!(", {MAX} longest of {total}");
    }
    let maxv = groups
        .iter()
        .map(|(_, v)| v.iter().sum::<f64>())
        .fold(0.0, f64::max);
    let q = time_q(maxv);
    // Room on the right for the legend.
    let xmax = (maxv * q.scale * 1.4).max(1e-9);
    let n = groups.len().max(1);
    let labels: Vec<String> = groups
        .iter()
        .map(|(k, _)| {
            if k.chars().count() > 22 {
                format!("{}…", k.chars().take(21).collect::<String>())
            } else {
                k.clone()
            }
        })
        .collect();
    let mut ch = ChartBuilder::on(&root)
        .caption(
            format!("Latency breakdown ({how}{note})"),
            (super::FAMILY, text::TITLE),
        )
        .margin(20)
        .x_label_area_size(70)
        .y_label_area_size(
            30 + labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32
                * text::LABEL
                * 6
                / 10,
        )
        .build_cartesian_2d(0.0..xmax, 0.0..n as f64)
        .map_err(err)?;
    let lab = labels.clone();
    ch.configure_mesh()
        .x_desc(q.axis())
        .axis_desc_style((super::FAMILY, text::AXIS))
        .label_style((
            super::FAMILY,
            if n > 14 { text::LABEL - 6 } else { text::LABEL },
        ))
        .y_labels(n * 2 + 1)
        .y_label_formatter(&move |y| {
            // Label the middle of each bar.
            let f = y - y.floor();
            let i = y.floor() as usize;
            if (f - 0.5).abs() < 1e-6 && i < lab.len() {
                lab[lab.len() - 1 - i].clone()
            } else {
                String::new()
            }
        })
        .x_label_formatter(&|x| fmt_num(*x))
        .disable_y_mesh()
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    let parts = ["compute", "memory stall", "other"];
    let colors = [color(0), color(1), color(7)];
    for (p, name) in parts.iter().enumerate() {
        let c = colors[p];
        let bars: Vec<Rectangle<(f64, f64)>> = groups
            .iter()
            .enumerate()
            .map(|(i, (_, v))| {
                let y = (n - 1 - i) as f64;
                let x0: f64 = v[..p].iter().sum::<f64>() * q.scale;
                let x1 = x0 + v[p] * q.scale;
                Rectangle::new([(x0, y + 0.15), (x1, y + 0.85)], c.filled())
            })
            .collect();
        ch.draw_series(bars)
            .map_err(err)?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x - 5, y - 8), (x + 15, y + 8)], c.filled()));
    }
    super::finish(&mut ch, &root, SeriesLabelPosition::LowerRight)
}

/// Roofline with the ops placed on it.
pub fn draw_roofline<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    d: &RunData,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    // Roofs: (unit, peak GFLOP/s).
    let roofs: Vec<(String, f64)> = d
        .units
        .iter()
        .filter(|u| u.peak_macs_per_cycle > 0.0)
        .map(|u| (u.name.clone(), 2.0 * u.peak_macs_per_cycle * u.mhz * 1e-3))
        .collect();
    // Points: (unit, intensity FLOP/B, GFLOP/s).
    let pts: Vec<(String, f64, f64)> = d
        .ops
        .iter()
        .filter(|o| o.macs > 0.0 && o.bytes > 0.0 && o.end_ns > o.start_ns)
        .map(|o| {
            (
                o.unit.clone(),
                2.0 * o.macs / o.bytes,
                2.0 * o.macs / (o.end_ns - o.start_ns),
            )
        })
        .collect();
    let bw = d.mem_peak_gbps;
    let peak = roofs.iter().map(|r| r.1).fold(0.0, f64::max);
    let ridge = if bw > 0.0 && peak > 0.0 {
        peak / bw
    } else {
        1.0
    };
    let (mut xlo, mut xhi) = (ridge / 100.0, ridge * 100.0);
    for (_, x, _) in &pts {
        xlo = xlo.min(*x / 2.0);
        xhi = xhi.max(*x * 2.0);
    }
    let mut yhi = peak.max(if peak > 0.0 { 0.0 } else { bw * xhi });
    let mut ylo = if bw > 0.0 { bw * xlo } else { yhi * 1e-4 };
    for (_, _, y) in &pts {
        yhi = yhi.max(*y);
        ylo = ylo.min(*y / 2.0);
    }
    if yhi.is_nan() || yhi <= 0.0 {
        yhi = 1.0;
    }
    let yhi = yhi * 2.0;
    let ylo = ylo.max(yhi * 1e-7).min(yhi / 10.0);
    let title = if pts.is_empty() {
        "Roofline (no op with MACs in this run)".to_string()
    } else {
        "Roofline".to_string()
    };
    let mut ch = ChartBuilder::on(&root)
        .caption(title, (super::FAMILY, text::TITLE))
        .margin(20)
        .x_label_area_size(70)
        .y_label_area_size(110)
        .build_cartesian_2d((xlo..xhi).log_scale(), (ylo..yhi).log_scale())
        .map_err(err)?;
    ch.configure_mesh()
        .x_desc("operational intensity (FLOP/byte, 2 FLOP per MAC)")
        .y_desc("performance (GFLOP/s)")
        .axis_desc_style((super::FAMILY, text::AXIS))
        .label_style((super::FAMILY, text::LABEL))
        .x_label_formatter(&|x| fmt_num(*x))
        .y_label_formatter(&|y| fmt_num(*y))
        .draw()
        .map_err(err)?;
    let xs: Vec<f64> = (0..=200)
        .map(|i| xlo * (xhi / xlo).powf(i as f64 / 200.0))
        .collect();
    if bw > 0.0 && roofs.is_empty() {
        let line: Vec<(f64, f64)> = xs.iter().map(|&x| (x, x * bw)).collect();
        ch.draw_series(LineSeries::new(line, BLACK.stroke_width(3)))
            .map_err(err)?
            .label(format!("memory {} GB/s", fmt_num(bw)))
            .legend(|(x, y)| {
                PathElement::new(vec![(x - 5, y), (x + 15, y)], BLACK.stroke_width(3))
            });
    }
    for (i, (name, p)) in roofs.iter().enumerate() {
        let c = color(i);
        let line: Vec<(f64, f64)> = xs.iter().map(|&x| (x, (x * bw).min(*p))).collect();
        ch.draw_series(LineSeries::new(line, c.stroke_width(3)))
            .map_err(err)?
            .label(format!(
                "{name}: {} GFLOP/s, {} GB/s",
                fmt_num(*p),
                fmt_num(bw)
            ))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x - 5, y), (x + 15, y)], c.stroke_width(3))
            });
    }
    for (i, (name, _)) in roofs.iter().enumerate() {
        let c = color(i);
        let mine: Vec<(f64, f64)> = pts
            .iter()
            .filter(|p| p.0 == *name)
            .map(|p| (p.1, p.2))
            .collect();
        ch.draw_series(
            mine.into_iter()
                .map(move |p| Circle::new(p, 8, c.mix(0.7).filled())),
        )
        .map_err(err)?;
    }
    super::finish(&mut ch, &root, SeriesLabelPosition::LowerRight)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(unit: &str, a: f64, b: f64) -> OpRow {
        OpRow {
            id: "x".into(),
            kind: "gemm".into(),
            layer: String::new(),
            unit: unit.into(),
            mhz: 1000.0,
            start_ns: a,
            end_ns: b,
            compute: 10.0,
            stall: 5.0,
            other: 1.0,
            macs: 0.0,
            bytes: 0.0,
        }
    }

    #[test]
    fn utilisation_is_the_busy_share_of_each_interval() {
        let d = RunData {
            ops: vec![op("u", 0.0, 25.0), op("u", 50.0, 100.0)],
            units: vec![UnitRow {
                name: "u".into(),
                mhz: 1000.0,
                peak_macs_per_cycle: 0.0,
            }],
            total_ns: 100.0,
            ..Default::default()
        };
        let u = d.utilisation(4);
        assert_eq!(u[0].1, vec![1.0, 0.0, 1.0, 1.0]);
        let u = d.utilisation(8);
        assert_eq!(u[0].1, vec![1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]);
        let u = d.utilisation(5); // 20-ns intervals: 0-25 covers 1.25 of them
        assert!((u[0].1[1] - 0.25).abs() < 1e-12, "{:?}", u[0].1);
    }

    /// Renders a roofline with points from a synthetic run (no MAC unit exists on every
    /// build) and keeps it in the temp folder for inspection.
    #[test]
    fn roofline_with_ops_renders() {
        let mut ops = Vec::new();
        // 128x128 MACs at 1 GHz: 32.8 TFLOP/s peak; 256 GB/s memory: ridge at 128 FLOP/B.
        for (i, (macs, bytes, ns)) in [
            (1.0e9, 4.0e6, 70_000.0), // intensity 500: compute bound
            (1.0e6, 2.0e6, 8_000.0),  // intensity 1: memory bound
            (6.0e7, 1.0e6, 9_000.0),  // intensity 120: near the ridge
        ]
        .into_iter()
        .enumerate()
        {
            let mut o = op("npu0", 0.0, ns);
            o.id = format!("op{i}");
            o.macs = macs;
            o.bytes = bytes;
            ops.push(o);
        }
        let d = RunData {
            system: "synthetic".into(),
            ops,
            units: vec![UnitRow {
                name: "npu0".into(),
                mhz: 1000.0,
                peak_macs_per_cycle: 16384.0,
            }],
            total_ns: 90_000.0,
            mem_peak_gbps: 256.0,
            mem_bw: vec![],
        };
        let dir = std::env::temp_dir().join("xpusim-plot-test");
        std::fs::create_dir_all(&dir).unwrap();
        let go = || -> Result<(), String> {
            render!(&dir.join("roofline"), draw_roofline, &d)?;
            Ok(())
        };
        go().unwrap();
        assert!(dir.join("roofline.png").is_file());
        let svg = std::fs::read_to_string(dir.join("roofline.svg")).unwrap();
        // Peak: 2 x 16384 MACs x 1 GHz = 32768 GFLOP/s.
        assert!(svg.contains("npu0: 32768 GFLOP/s, 256 GB/s"));
    }

    #[test]
    fn breakdown_converts_cycles_to_ns() {
        let mut o = op("u", 0.0, 16.0);
        o.mhz = 500.0; // 2 ns per cycle
        let d = RunData {
            ops: vec![o],
            ..Default::default()
        };
        let (g, how) = d.breakdown();
        assert_eq!(how, "per op");
        assert_eq!(g[0].1, [20.0, 10.0, 2.0]);
    }
}
