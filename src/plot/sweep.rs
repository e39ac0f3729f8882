//! Plots of a sweep, drawn from `sweep.csv`:
//! - a **line** plot: a metric against one column, one line per value of another;
//! - a **heatmap**: a metric as colour over two columns, each cell labelled with its value.
//!
//! Column values are placed as evenly spaced categories (numeric columns in increasing
//! order, others in order of appearance), which suits sweeps over a few values and makes
//! powers of two equally spaced. Axis columns that the plot does not show but that take
//! several values are held at their first value, and the caption says so. Only points
//! with status `ok` are plotted; a heatmap cell without a result is grey and marked n/a.

use super::{Quantity, color, err, fmt_num, render, text, viridis};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

pub use crate::sweep::spec::{PlotKind, PlotSpec as SweepPlot};

/// `sweep.csv` in memory.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Read a CSV file.
    pub fn read(p: &Path) -> Result<Table, String> {
        let mut rd = csv::Reader::from_path(p).map_err(|e| format!("{}: {e}", p.display()))?;
        let header: Vec<String> = rd
            .headers()
            .map_err(|e| format!("{}: {e}", p.display()))?
            .iter()
            .map(String::from)
            .collect();
        let mut rows = Vec::new();
        for r in rd.records() {
            rows.push(
                r.map_err(|e| format!("{}: {e}", p.display()))?
                    .iter()
                    .map(String::from)
                    .collect(),
            );
        }
        Ok(Table { header, rows })
    }

    /// Index of a column.
    pub fn col(&self, name: &str) -> Result<usize, String> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            format!(
                "no column `{name}` in the table: expected one of {}",
                self.header.join(", ")
            )
        })
    }

    /// The axis columns: everything between `point` and `status`.
    pub fn axis_columns(&self) -> Vec<String> {
        let s = self
            .header
            .iter()
            .position(|h| h == "status")
            .unwrap_or(self.header.len());
        self.header[..s]
            .iter()
            .filter(|h| *h != "point")
            .cloned()
            .collect()
    }

    /// The metric columns: everything between `status` and `hash`.
    pub fn metric_columns(&self) -> Vec<String> {
        let s = self
            .header
            .iter()
            .position(|h| h == "status")
            .map(|i| i + 1)
            .unwrap_or(0);
        let e = self
            .header
            .iter()
            .position(|h| h == "hash")
            .unwrap_or(self.header.len());
        self.header[s..e.max(s)].to_vec()
    }
}

/// Distinct values of a column in plot order (numeric ascending if all numeric).
fn levels(rows: &[&Vec<String>], c: usize) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for r in rows {
        if !v.contains(&r[c]) {
            v.push(r[c].clone());
        }
    }
    if v.iter().all(|s| s.parse::<f64>().is_ok()) {
        v.sort_by(|a, b| {
            a.parse::<f64>()
                .unwrap_or(0.0)
                .total_cmp(&b.parse::<f64>().unwrap_or(0.0))
        });
    }
    v
}

/// What one plot shows, resolved against a table.
#[derive(Clone, Debug)]
struct Resolved {
    x: usize,
    other: Option<usize>,
    xs: Vec<String>,
    others: Vec<String>,
    /// `(x level, other level, value)` of every plotted point.
    cells: Vec<(usize, usize, f64)>,
    /// Columns held fixed, as `col=value`.
    fixed: Vec<String>,
    /// Columns always equal to x (zipped with it), named in the x label.
    same_as_x: Vec<String>,
    q: Quantity,
    title: String,
}

fn resolve(t: &Table, p: &SweepPlot) -> Result<Resolved, String> {
    let x = t.col(&p.x)?;
    let other = match p.kind {
        PlotKind::Line => p.series.as_deref(),
        PlotKind::Heatmap => Some(p.y.as_deref().ok_or("a heatmap needs a y column (--y)")?),
    }
    .map(|c| t.col(c))
    .transpose()?;
    let metric = t.col(&p.metric)?;
    let status = t.col("status")?;
    let mut rows: Vec<&Vec<String>> = t.rows.iter().filter(|r| r[status] == "ok").collect();
    let mut fixed = Vec::new();
    for a in t.axis_columns() {
        let c = t.col(&a)?;
        if c == x || Some(c) == other {
            continue;
        }
        // A column that is a function of the plotted ones (e.g. zipped with x) needs no
        // fixing; one that varies within a plotted cell is held at its first value.
        let key = |r: &Vec<String>| (r[x].clone(), other.map(|o| r[o].clone()));
        let varies = rows
            .iter()
            .any(|r| rows.iter().any(|q| key(q) == key(r) && q[c] != r[c]));
        if varies {
            let keep = rows[0][c].clone();
            rows.retain(|r| r[c] == keep);
            fixed.push(format!("{a}={keep}"));
        }
    }
    let same_as_x: Vec<String> = t
        .axis_columns()
        .into_iter()
        .filter(|a| {
            let c = t.col(a).unwrap_or(x);
            c != x
                && Some(c) != other
                && !rows.is_empty()
                && rows.iter().all(|r| r[c] == r[x])
                && rows.iter().any(|r| r[c] != rows[0][c])
        })
        .collect();
    let xs = levels(&rows, x);
    let others = other
        .map(|o| levels(&rows, o))
        .unwrap_or_else(|| vec![String::new()]);
    let mut cells = Vec::new();
    let mut maxv: f64 = 0.0;
    for r in &rows {
        let Ok(v) = r[metric].parse::<f64>() else {
            continue;
        };
        let xi = xs.iter().position(|s| *s == r[x]).unwrap_or(0);
        let oi = other
            .map(|o| others.iter().position(|s| *s == r[o]).unwrap_or(0))
            .unwrap_or(0);
        if !cells
            .iter()
            .any(|c: &(usize, usize, f64)| c.0 == xi && c.1 == oi)
        {
            cells.push((xi, oi, v));
            maxv = maxv.max(v.abs());
        }
    }
    if cells.is_empty() {
        return Err(format!(
            "no point with status ok has a value of `{}`: nothing to plot",
            p.metric
        ));
    }
    let q = super::quantity(&p.metric, maxv);
    let title = match p.kind {
        PlotKind::Line => format!("{} vs {}", q.label, p.x),
        PlotKind::Heatmap => format!(
            "{} over {} and {}",
            q.label,
            p.x,
            t.header[other.unwrap_or(x)]
        ),
    };
    Ok(Resolved {
        x,
        other,
        xs,
        others,
        cells,
        fixed,
        same_as_x,
        q,
        title,
    })
}

/// File stem of a plot: `line-<metric>-vs-<x>-by-<series>` or `heatmap-<metric>-<x>-<y>`.
pub fn plot_stem(p: &SweepPlot) -> String {
    let s = |x: &str| x.replace(['.', '/', ' '], "_");
    match p.kind {
        PlotKind::Line => match &p.series {
            Some(c) => format!("line-{}-vs-{}-by-{}", s(&p.metric), s(&p.x), s(c)),
            None => format!("line-{}-vs-{}", s(&p.metric), s(&p.x)),
        },
        PlotKind::Heatmap => format!(
            "heatmap-{}-{}-{}",
            s(&p.metric),
            s(&p.x),
            s(p.y.as_deref().unwrap_or(""))
        ),
    }
}

/// Draw plot `p` of the table `csv` into `out_dir` (SVG and PNG); returns the stem path.
pub fn write_sweep_plot(csv: &Path, out_dir: &Path, p: &SweepPlot) -> Result<PathBuf, String> {
    let t = Table::read(csv)?;
    let r = resolve(&t, p).map_err(|e| format!("{}: plot {}: {e}", csv.display(), plot_stem(p)))?;
    std::fs::create_dir_all(out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let stem = out_dir.join(plot_stem(p));
    let data = (&t, &r);
    match p.kind {
        PlotKind::Line => render!(&stem, draw_line, &data)?,
        PlotKind::Heatmap => render!(&stem, draw_heatmap, &data)?,
    }
    Ok(stem)
}

/// The x axis label: the column with its unit, and the columns zipped equal to it.
fn x_label(t: &Table, r: &Resolved) -> String {
    let mut l = super::column_label(&t.header[r.x]);
    for c in &r.same_as_x {
        l.push_str(&format!(" = {c}"));
    }
    l
}

fn subtitle(r: &Resolved) -> String {
    if r.fixed.is_empty() {
        String::new()
    } else {
        format!(" ({})", r.fixed.join(", "))
    }
}

fn draw_line<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    data: &(&Table, &Resolved),
) -> Result<(), String> {
    let (t, r) = *data;
    root.fill(&WHITE).map_err(err)?;
    let vals: Vec<f64> = r.cells.iter().map(|c| c.2 * r.q.scale).collect();
    let (mut lo, mut hi) = vals
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    if lo >= 0.0 && lo < 0.3 * hi {
        lo = 0.0;
    }
    let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.02).max(1e-12);
    if lo != 0.0 {
        lo -= pad;
    }
    hi += pad;
    let n = r.xs.len();
    let mut ch = ChartBuilder::on(&root)
        .caption(
            format!("{}{}", r.title, subtitle(r)),
            (super::FAMILY, text::TITLE),
        )
        .margin(20)
        .x_label_area_size(70)
        .y_label_area_size(110)
        .build_cartesian_2d((0..(n as i32 - 1).max(0)).into_segmented(), lo..hi)
        .map_err(err)?;
    let xs = r.xs.clone();
    ch.configure_mesh()
        .x_desc(x_label(t, r))
        .y_desc(r.q.axis())
        .axis_desc_style((super::FAMILY, text::AXIS))
        .label_style((super::FAMILY, text::LABEL))
        .x_labels(n)
        .x_label_formatter(&move |x| match x {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                xs.get(*i as usize).cloned().unwrap_or_default()
            }
            SegmentValue::Last => String::new(),
        })
        .y_label_formatter(&|y| fmt_num(*y))
        .disable_x_mesh()
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    for (si, sname) in r.others.iter().enumerate() {
        let c = color(si);
        let mut cells: Vec<&(usize, usize, f64)> =
            r.cells.iter().filter(|cell| cell.1 == si).collect();
        cells.sort_by_key(|c| c.0);
        let pts: Vec<(SegmentValue<i32>, f64)> = cells
            .iter()
            .map(|c| (SegmentValue::CenterOf(c.0 as i32), c.2 * r.q.scale))
            .collect();
        let label = match r.other {
            Some(o) => format!("{} = {sname}", t.header[o]),
            None => r.q.label.clone(),
        };
        // Later lines are thinner with smaller markers, so lines that coincide stay visible.
        let width = 7u32.saturating_sub(2 * si as u32).max(2);
        let radius = 11u32.saturating_sub(2 * si as u32).max(4);
        ch.draw_series(LineSeries::new(pts.clone(), c.stroke_width(width)))
            .map_err(err)?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x - 5, y), (x + 15, y)], c.stroke_width(4))
            });
        ch.draw_series(
            pts.into_iter()
                .map(move |p| Circle::new(p, radius, c.filled())),
        )
        .map_err(err)?;
    }
    super::finish(&mut ch, &root, SeriesLabelPosition::UpperRight)
}

fn draw_heatmap<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    data: &(&Table, &Resolved),
) -> Result<(), String> {
    let (t, r) = *data;
    root.fill(&WHITE).map_err(err)?;
    let vals: Vec<f64> = r.cells.iter().map(|c| c.2 * r.q.scale).collect();
    let (lo, hi) = vals
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let (nx, ny) = (r.xs.len(), r.others.len());
    let (main, bar) = root.split_horizontally(SIZE_MAIN);
    let longest = r
        .others
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(1) as u32;
    let mut ch = ChartBuilder::on(&main)
        .caption(
            format!("{}{}", r.title, subtitle(r)),
            (super::FAMILY, text::TITLE - 4),
        )
        .margin(20)
        .x_label_area_size(70)
        .y_label_area_size(60 + longest * text::LABEL * 6 / 10)
        .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)
        .map_err(err)?;
    let (xs, ys) = (r.xs.clone(), r.others.clone());
    let yname = r.other.map(|o| t.header[o].clone()).unwrap_or_default();
    let cat = |labels: Vec<String>| {
        move |v: &f64| {
            let f = v - v.floor();
            let i = v.floor() as usize;
            if (f - 0.5).abs() < 1e-6 && i < labels.len() {
                labels[i].clone()
            } else {
                String::new()
            }
        }
    };
    let fx = cat(xs);
    let fy = cat(ys);
    ch.configure_mesh()
        .x_desc(x_label(t, r))
        .y_desc(super::column_label(&yname))
        .axis_desc_style((super::FAMILY, text::AXIS))
        .label_style((super::FAMILY, text::LABEL))
        .x_labels(nx * 2 + 1)
        .y_labels(ny * 2 + 1)
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .disable_mesh()
        .draw()
        .map_err(err)?;
    let norm = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
    let mut rects = Vec::new();
    let mut labels = Vec::new();
    for xi in 0..nx {
        for yi in 0..ny {
            let cell = r.cells.iter().find(|c| c.0 == xi && c.1 == yi);
            let (x0, y0) = (xi as f64, yi as f64);
            match cell {
                Some(c) => {
                    let v = c.2 * r.q.scale;
                    let col = viridis(norm(v));
                    rects.push(Rectangle::new(
                        [(x0, y0), (x0 + 1.0, y0 + 1.0)],
                        col.filled(),
                    ));
                    let tc = if norm(v) > 0.6 { BLACK } else { WHITE };
                    labels.push((fmt_num(v), (x0 + 0.5, y0 + 0.5), tc));
                }
                None => {
                    rects.push(Rectangle::new(
                        [(x0, y0), (x0 + 1.0, y0 + 1.0)],
                        RGBColor(200, 200, 200).filled(),
                    ));
                    labels.push(("n/a".into(), (x0 + 0.5, y0 + 0.5), BLACK));
                }
            }
        }
    }
    ch.draw_series(rects).map_err(err)?;
    let size = if nx > 8 { text::CELL - 6 } else { text::CELL };
    ch.draw_series(labels.into_iter().map(|(s, p, c)| {
        Text::new(
            s,
            p,
            (super::FAMILY, size)
                .into_font()
                .color(&c)
                .pos(Pos::new(HPos::Center, VPos::Center)),
        )
    }))
    .map_err(err)?;
    // Colour bar.
    let mut cb = ChartBuilder::on(&bar)
        .margin_top(80)
        .margin_bottom(90)
        .margin_right(10)
        .y_label_area_size(0)
        .right_y_label_area_size(110)
        .build_cartesian_2d(0.0..1.0, lo..(if hi > lo { hi } else { lo + 1.0 }))
        .map_err(err)?;
    cb.configure_mesh()
        .disable_x_axis()
        .disable_mesh()
        .y_desc(r.q.axis())
        .axis_desc_style((super::FAMILY, text::LABEL))
        .label_style((super::FAMILY, text::LABEL - 4))
        .y_label_formatter(&|y| fmt_num(*y))
        .draw()
        .map_err(err)?;
    let steps = 100;
    let span = if hi > lo { hi - lo } else { 1.0 };
    cb.draw_series((0..steps).map(|i| {
        let a = lo + span * i as f64 / steps as f64;
        let b = lo + span * (i + 1) as f64 / steps as f64;
        Rectangle::new(
            [(0.0, a), (1.0, b)],
            viridis(i as f64 / (steps - 1) as f64).filled(),
        )
    }))
    .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// Width of the heatmap itself; the rest holds the colour bar.
const SIZE_MAIN: u32 = super::SIZE.0 - 220;

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        let h = "point,a.x,b.y,trace,seed,status,total_time_ns,hash,error";
        let mut rows = Vec::new();
        let mut i = 0;
        for x in ["64", "8", "16"] {
            for y in ["p", "q"] {
                let st = if x == "16" && y == "q" {
                    "failed"
                } else {
                    "ok"
                };
                let v = if st == "ok" {
                    (x.parse::<f64>().unwrap() * if y == "p" { 1.0 } else { 2.0 }).to_string()
                } else {
                    String::new()
                };
                rows.push(
                    format!("{i},{x},{y},t,1,{st},{v},h,")
                        .split(',')
                        .map(String::from)
                        .collect(),
                );
                i += 1;
            }
        }
        Table {
            header: h.split(',').map(String::from).collect(),
            rows,
        }
    }

    #[test]
    fn resolve_orders_levels_and_skips_failed_points() {
        let t = table();
        assert_eq!(t.axis_columns(), vec!["a.x", "b.y", "trace", "seed"]);
        assert_eq!(t.metric_columns(), vec!["total_time_ns"]);
        let p = SweepPlot {
            kind: PlotKind::Heatmap,
            x: "a.x".into(),
            series: None,
            y: Some("b.y".into()),
            metric: "total_time_ns".into(),
        };
        let r = resolve(&t, &p).unwrap();
        assert_eq!(r.xs, vec!["8", "16", "64"]);
        assert_eq!(r.others, vec!["p", "q"]);
        assert_eq!(r.cells.len(), 5);
        assert!(r.cells.contains(&(2, 1, 128.0)));
        assert!(!r.cells.iter().any(|c| c.0 == 1 && c.1 == 1));
    }

    /// A line plot of `total_time_ns` against `x`, without series.
    fn line_of_time(x: &str) -> SweepPlot {
        SweepPlot {
            kind: PlotKind::Line,
            x: x.into(),
            series: None,
            y: None,
            metric: "total_time_ns".into(),
        }
    }

    #[test]
    fn other_axes_are_held_at_their_first_value() {
        let t = table();
        let p = line_of_time("a.x");
        let r = resolve(&t, &p).unwrap();
        assert_eq!(r.fixed, vec!["b.y=p"]);
        assert_eq!(r.cells.len(), 3);
    }

    #[test]
    fn columns_zipped_with_x_are_not_held() {
        let mut t = table();
        // Add a column that moves with a.x (a zip), and drop the b.y axis to one value.
        t.header.insert(2, "a.z".into());
        for r in &mut t.rows {
            let z = r[1].clone();
            r.insert(2, z);
        }
        t.rows.retain(|r| r[3] == "p");
        let p = line_of_time("a.x");
        let r = resolve(&t, &p).unwrap();
        assert!(r.fixed.is_empty(), "{:?}", r.fixed);
        assert_eq!(r.same_as_x, vec!["a.z"]);
        assert_eq!(r.cells.len(), 3);
    }

    #[test]
    fn unknown_columns_are_named() {
        let t = table();
        let p = line_of_time("a.z");
        assert!(resolve(&t, &p).unwrap_err().contains("no column `a.z`"));
    }
}
