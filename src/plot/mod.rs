//! Plots for papers: per run (unit utilisation over time, latency breakdown, roofline) and
//! per sweep (a metric against one axis with a line per value of another; a heatmap over
//! two axes). Each plot is written as SVG and as PNG.
//!
//! Rendering uses plotters with the font embedded in the binary (DejaVu Sans, under the
//! Bitstream Vera licence, see `DejaVuSans-LICENSE.txt` beside this file), so no system
//! font library is involved. Plots read the files of a run directory or `sweep.csv`, so
//! `xpusim plot` can redraw them at any time.

pub mod run;
pub mod sweep;

use crate::report::files::write_atomic;
use std::path::{Path, PathBuf};
use std::sync::Once;

pub use run::write_run_plots;
pub use sweep::{SweepPlot, write_sweep_plot};

/// The embedded font.
static FONT: &[u8] = include_bytes!("DejaVuSans.ttf");

/// Font family name every plot uses.
pub const FAMILY: &str = "sans-serif";

/// Plot size in pixels: 1200 x 800 is a 6 x 4 inch figure at 200 dpi, so the text sizes
/// below stay readable when the figure is shrunk to one column of a paper.
pub const SIZE: (u32, u32) = (1200, 800);

/// Text sizes in pixels.
pub mod text {
    /// Caption.
    pub const TITLE: u32 = 36;
    /// Axis descriptions.
    pub const AXIS: u32 = 30;
    /// Tick labels and legend.
    pub const LABEL: u32 = 24;
    /// Numbers inside heatmap cells.
    pub const CELL: u32 = 22;
}

/// Register the embedded font with plotters (once per process).
pub fn init_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is a fixed, valid file: failure would be a build error in practice.
        let _ = plotters::style::register_font(FAMILY, plotters::style::FontStyle::Normal, FONT);
    });
}

/// Colour-blind-safe line colours (Okabe and Ito, "Color Universal Design", 2008).
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0, 114, 178),
    (230, 159, 0),
    (0, 158, 115),
    (213, 94, 0),
    (86, 180, 233),
    (204, 121, 167),
    (0, 0, 0),
    (150, 150, 150),
];

/// The `i`-th palette colour.
pub fn color(i: usize) -> plotters::style::RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    plotters::style::RGBColor(r, g, b)
}

/// Viridis colour map (perceptually uniform; van der Walt and Smith, matplotlib 2015),
/// approximated by linear interpolation between nine of its samples; `x` in 0..=1.
pub fn viridis(x: f64) -> plotters::style::RGBColor {
    const V: [(f64, f64, f64); 9] = [
        (68.0, 1.0, 84.0),
        (71.0, 44.0, 122.0),
        (59.0, 81.0, 139.0),
        (44.0, 113.0, 142.0),
        (33.0, 144.0, 141.0),
        (39.0, 173.0, 129.0),
        (92.0, 200.0, 99.0),
        (170.0, 220.0, 50.0),
        (253.0, 231.0, 37.0),
    ];
    let x = if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        0.0
    } * (V.len() - 1) as f64;
    let i = (x.floor() as usize).min(V.len() - 2);
    let f = x - i as f64;
    let (a, b) = (V[i], V[i + 1]);
    let m = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    plotters::style::RGBColor(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

/// A quantity's label, unit and the factor that brings raw values into that unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantity {
    /// Label without the unit.
    pub label: String,
    /// Unit shown in brackets (empty: none).
    pub unit: String,
    /// Displayed value = raw value × scale.
    pub scale: f64,
}

impl Quantity {
    /// `label (unit)`.
    pub fn axis(&self) -> String {
        if self.unit.is_empty() {
            self.label.clone()
        } else {
            format!("{} ({})", self.label, self.unit)
        }
    }
}

/// The label and unit of a column or metric named `key`, scaled so that values up to
/// `max` (raw) read well (e.g. ns become µs above 10^4 ns).
pub fn quantity(key: &str, max: f64) -> Quantity {
    let q = |label: &str, unit: &str, scale: f64| Quantity {
        label: label.to_string(),
        unit: unit.to_string(),
        scale,
    };
    let last = key.rsplit('.').next().unwrap_or(key);
    let pretty = |s: &str| {
        s.trim_end_matches("_ns")
            .trim_end_matches("_pj")
            .trim_end_matches("_gbps")
            .trim_end_matches("_mhz")
            .trim_end_matches("_kib")
            .trim_end_matches("_w")
            .replace('_', " ")
    };
    let label = if key.contains('.') && !key.starts_with("total_cycles") {
        let head = &key[..key.len() - last.len()];
        format!("{head}{}", pretty(last))
    } else {
        pretty(last)
    };
    let m = max.abs();
    if last.ends_with("_ns") {
        return match m {
            x if x >= 1e7 => q(&label, "ms", 1e-6),
            x if x >= 1e4 => q(&label, "µs", 1e-3),
            _ => q(&label, "ns", 1.0),
        };
    }
    if last.ends_with("_pj") {
        return match m {
            x if x >= 1e10 => q(&label, "mJ", 1e-9),
            x if x >= 1e7 => q(&label, "µJ", 1e-6),
            x if x >= 1e4 => q(&label, "nJ", 1e-3),
            _ => q(&label, "pJ", 1.0),
        };
    }
    if last.ends_with("_gbps") {
        return q(&label, "GB/s", 1.0);
    }
    if last.ends_with("_mhz") {
        return q(&label, "MHz", 1.0);
    }
    if last.ends_with("_kib") {
        return q(&label, "KiB", 1.0);
    }
    if last.ends_with("_w") {
        return q(&label, "W", 1.0);
    }
    if last.ends_with("tops") {
        let l = label.replace(" tops", " throughput");
        return q(&l, "TOPS", 1.0);
    }
    if last.contains("utilisation") {
        return q(&label, "%", 100.0);
    }
    if key.starts_with("total_cycles") || last.ends_with("cycles") {
        let l = if key.starts_with("total_cycles.") {
            format!("total cycles of {}", last)
        } else {
            label
        };
        return q(&l, "cycles", 1.0);
    }
    if last.starts_with("bytes") || last.ends_with("bytes") {
        return q(&label, "bytes", 1.0);
    }
    q(&label, "", 1.0)
}

/// The axis label of a sweep column (a config key path): the key itself, with the unit its
/// name carries, e.g. `memory.bw_gbps (GB/s)`.
pub fn column_label(key: &str) -> String {
    let u = quantity(key, 0.0).unit;
    if u.is_empty() || u == "%" {
        key.to_string()
    } else {
        format!("{key} ({u})")
    }
}

/// Format a number for tick labels and cells: at most 4 significant digits, no
/// trailing zeros, scientific notation only far from 1.
pub fn fmt_num(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let a = x.abs();
    if !(1e-3..1e6).contains(&a) {
        let s = format!("{x:.2e}");
        return s.replace("e0", "").replace(".00e", "e");
    }
    let digits = (3 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Draw the same plot into an SVG and a PNG next to each other: `stem.svg`, `stem.png`.
/// `$draw` is a generic function `fn(DrawingArea<DB, Shift>, &D) -> Result<(), String>`.
macro_rules! render {
    ($stem:expr, $draw:path, $data:expr) => {{
        let stem: &std::path::Path = $stem;
        crate::plot::init_font();
        let mut svg = String::new();
        {
            let root = plotters::prelude::SVGBackend::with_string(&mut svg, crate::plot::SIZE)
                .into_drawing_area();
            $draw(root, $data)?;
        }
        crate::plot::write_file(&stem.with_extension("svg"), svg.as_bytes())?;
        let png = stem.with_extension("png");
        let tmp = crate::plot::temp_png(&png);
        {
            let root =
                plotters::prelude::BitMapBackend::new(&tmp, crate::plot::SIZE).into_drawing_area();
            $draw(root.clone(), $data)?;
            root.present()
                .map_err(|e| format!("{}: {e}", png.display()))?;
        }
        std::fs::rename(&tmp, &png).map_err(|e| format!("{}: {e}", png.display()))?;
        Ok::<(), String>(())
    }};
}
pub(crate) use render;

/// A temporary name for a PNG in the same folder (the backend picks the format from the
/// extension, so it must end in `.png`).
pub(crate) fn temp_png(p: &Path) -> PathBuf {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    p.with_file_name(format!(".{name}.{}.tmp.png", std::process::id()))
}

/// Write a file atomically, as a plot error.
pub(crate) fn write_file(p: &Path, bytes: &[u8]) -> Result<(), String> {
    write_atomic(p, bytes).map_err(|e| format!("{}: {e}", p.display()))
}

/// Draw the legend of `ch` at `pos` in the house style and present the drawing.
pub fn finish<'a, DB, CT>(
    ch: &mut plotters::chart::ChartContext<'a, DB, CT>,
    root: &plotters::drawing::DrawingArea<DB, plotters::coord::Shift>,
    pos: plotters::chart::SeriesLabelPosition,
) -> Result<(), String>
where
    DB: plotters::prelude::DrawingBackend + 'a,
    CT: plotters::coord::CoordTranslate,
{
    use plotters::style::{BLACK, Color, WHITE};
    ch.configure_series_labels()
        .label_font((FAMILY, text::LABEL))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(pos)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

/// A drawing error as text.
pub(crate) fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_have_units_and_scales() {
        let q = quantity("total_time_ns", 5e4);
        assert_eq!(
            (q.label.as_str(), q.unit.as_str(), q.scale),
            ("total time", "µs", 1e-3)
        );
        let q = quantity("energy.total_pj", 2e8);
        assert_eq!((q.axis(), q.scale), ("energy.total (µJ)".to_string(), 1e-6));
        assert_eq!(quantity("memory.bw_gbps", 1.0).axis(), "memory.bw (GB/s)");
        assert_eq!(
            quantity("memory.bandwidth_utilisation", 1.0).unit,
            "%".to_string()
        );
        assert_eq!(
            quantity("total_cycles.sched", 1.0).axis(),
            "total cycles of sched (cycles)"
        );
        assert_eq!(quantity("vector.lanes", 1.0).axis(), "vector.lanes");
        assert_eq!(
            quantity("achieved_tops", 1.0).axis(),
            "achieved throughput (TOPS)"
        );
        assert_eq!(column_label("memory.bw_gbps"), "memory.bw_gbps (GB/s)");
        assert_eq!(column_label("npu.rows"), "npu.rows");
    }

    #[test]
    fn numbers_format_compactly() {
        assert_eq!(fmt_num(1234.5678), "1235");
        assert_eq!(fmt_num(12.3456), "12.35");
        assert_eq!(fmt_num(0.5), "0.5");
        assert_eq!(fmt_num(3.0), "3");
        assert_eq!(fmt_num(2.5e7), "2.50e7");
    }

    #[test]
    fn viridis_ends() {
        assert_eq!(viridis(0.0), plotters::style::RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), plotters::style::RGBColor(253, 231, 37));
    }
}
