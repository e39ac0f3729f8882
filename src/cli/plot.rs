//! `xpusim plot RUN_DIR|SWEEP_DIR|sweep.csv`.

use super::Failure;
use crate::plot::sweep::{PlotKind, SweepPlot, Table};
use std::path::{Path, PathBuf};

/// Arguments of `plot`.
#[derive(clap::Args, Debug)]
pub struct PlotArgs {
    /// A run directory (draws its utilisation, latency and roofline plots), or a sweep's
    /// `sweep.csv` or directory (draws a line plot and a heatmap of one metric).
    pub input: PathBuf,
    /// Sweep: column on the x axis (default: the first axis that varies).
    #[arg(long)]
    pub x: Option<String>,
    /// Sweep: column giving one line per value, and the heatmap's y axis (default: the
    /// second axis that varies).
    #[arg(long)]
    pub y: Option<String>,
    /// Sweep: metric column (default: the first metric).
    #[arg(long)]
    pub metric: Option<String>,
    /// Folder for the plots (default: `plots/` beside the input).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Run `plot`.
pub fn run(a: &PlotArgs) -> Result<(), Failure> {
    let p = &a.input;
    if p.is_dir() && p.join("summary.json").is_file() {
        if a.x.is_some() || a.y.is_some() || a.metric.is_some() {
            return Err(Failure::input(
                "--x, --y and --metric apply to sweeps; a run directory gets its fixed plots",
            ));
        }
        let out = a.out.clone().unwrap_or_else(|| p.join("plots"));
        if out != p.join("plots") {
            return Err(Failure::input(
                "--out: a run directory's plots go to its plots/ folder",
            ));
        }
        crate::plot::write_run_plots(p)
            .map_err(|e| Failure::other(format!("{}: {e}", p.display())))?;
        for n in ["utilisation", "latency", "roofline"] {
            println!("plot: {}.{{svg,png}}", out.join(n).display());
        }
        return Ok(());
    }
    let csv = if p.is_dir() {
        p.join("sweep.csv")
    } else {
        p.clone()
    };
    if !csv.is_file() {
        return Err(Failure::input(format!(
            "{}: expected a run directory (with summary.json), a sweep directory (with sweep.csv) or a sweep.csv file",
            p.display()
        )));
    }
    let t = Table::read(&csv).map_err(Failure::input)?;
    let status = t.col("status").map_err(|_| {
        Failure::input(format!(
            "{}: not a sweep table (no `status` column): expected the sweep.csv written by `xpusim sweep merge`",
            csv.display()
        ))
    })?;
    let ok: Vec<&Vec<String>> = t.rows.iter().filter(|r| r[status] == "ok").collect();
    let varying: Vec<String> = t
        .axis_columns()
        .into_iter()
        .filter(|c| {
            let i = t.col(c).unwrap_or(0);
            let first = ok.first().map(|r| r[i].clone());
            ok.iter().any(|r| Some(&r[i]) != first.as_ref())
        })
        .collect();
    let x =
        a.x.clone()
            .or_else(|| varying.first().cloned())
            .ok_or_else(|| {
                Failure::input(format!(
                    "{}: no axis varies: nothing to plot",
                    csv.display()
                ))
            })?;
    // Default y: the first varying column that is not tied to x (zipped axes are).
    let xi = t.col(&x).unwrap_or(0);
    let y = a.y.clone().or_else(|| {
        varying
            .iter()
            .find(|c| {
                let ci = t.col(c).unwrap_or(0);
                **c != x
                    && ok
                        .iter()
                        .any(|r| ok.iter().any(|q| q[xi] == r[xi] && q[ci] != r[ci]))
            })
            .cloned()
    });
    let metric = a
        .metric
        .clone()
        .or_else(|| t.metric_columns().first().cloned())
        .ok_or_else(|| Failure::input(format!("{}: no metric column", csv.display())))?;
    for c in [Some(&x), y.as_ref(), Some(&metric)].into_iter().flatten() {
        t.col(c)
            .map_err(|e| Failure::input(format!("{}: {e}", csv.display())))?;
    }
    let out = a.out.clone().unwrap_or_else(|| {
        csv.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .join("plots")
    });
    let mut specs = vec![SweepPlot {
        kind: PlotKind::Line,
        x: x.clone(),
        series: y.clone(),
        y: None,
        metric: metric.clone(),
    }];
    if let Some(y) = &y {
        specs.push(SweepPlot {
            kind: PlotKind::Heatmap,
            x: x.clone(),
            series: None,
            y: Some(y.clone()),
            metric: metric.clone(),
        });
    }
    for s in &specs {
        let stem = crate::plot::write_sweep_plot(&csv, &out, s).map_err(Failure::input)?;
        println!("plot: {}.{{svg,png}}", stem.display());
    }
    Ok(())
}
