//! `xpusim scalesim`: run SCALE-Sim's own inputs (`.cfg` + topology CSV) in the `scalesim`
//! timing mode and write SCALE-Sim's report files, or convert those inputs to xpusim's native
//! TOML config and trace.

use crate::units::npu::compat::{self, cfg, report, topology};
use anyhow::{Context, bail};
use std::path::PathBuf;

/// Arguments of `xpusim scalesim`.
#[derive(clap::Args, Debug, Clone)]
pub struct ScalesimArgs {
    /// SCALE-Sim config file (`.cfg`, v3 keys; v2 files without `[layout]` are accepted).
    #[arg(long)]
    pub cfg: PathBuf,
    /// SCALE-Sim topology CSV (`Layer, M, N, K,` rows for GEMMs, or convolution layers).
    #[arg(long)]
    pub topology: PathBuf,
    /// Topology format; by default detected from the header (`Layer, M, N, K` means gemm).
    #[arg(long, value_parser = ["gemm", "conv"])]
    pub mode: Option<String>,
    /// Output directory; reports go to `DIR/<run_name>/` as with SCALE-Sim's `-p`.
    #[arg(long, default_value = "results")]
    pub out: PathBuf,
    /// Instead of simulating, write an equivalent xpusim config and trace into this directory.
    #[arg(long)]
    pub convert: Option<PathBuf>,
    /// Run the simulation this many times and print the mean wall time per run on stderr as
    /// `sim_wall_s=<seconds>` (used by the speed benchmark).
    #[arg(long, hide = true)]
    pub repeat: Option<u32>,
}

/// Run `xpusim scalesim`.
pub fn run(args: &ScalesimArgs) -> anyhow::Result<()> {
    let conf = cfg::read(&args.cfg).map_err(anyhow::Error::msg)?;
    let mode = match args.mode.as_deref() {
        Some("gemm") => Some(topology::TopoMode::Gemm),
        Some("conv") => Some(topology::TopoMode::Conv),
        Some(other) => bail!("--mode must be gemm or conv, found `{other}`"),
        None => None,
    };
    let (layers, _mode) = topology::read(&args.topology, mode).map_err(anyhow::Error::msg)?;
    for n in &conf.notes {
        eprintln!("note: {}: {n}", args.cfg.display());
    }
    if let Some(dir) = &args.convert {
        let stem = args
            .topology
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "topology".into());
        let written = crate::units::npu::compat::convert::write(dir, &conf, &stem, &layers)
            .map_err(anyhow::Error::msg)?;
        for p in written {
            println!("wrote {}", p.display());
        }
        return Ok(());
    }
    let repeat = args.repeat.unwrap_or(1).max(1);
    let t0 = std::time::Instant::now();
    let mut reports = Vec::new();
    for _ in 0..repeat {
        reports = compat::run_layers(&conf.arch, &layers).map_err(anyhow::Error::msg)?;
    }
    let wall = t0.elapsed().as_secs_f64() / repeat as f64;
    let dir = args.out.join(&conf.run_name);
    report::write(&dir, &reports)
        .with_context(|| format!("writing reports into {}", dir.display()))?;
    for (l, r) in layers.iter().zip(&reports) {
        println!(
            "{}: total cycles {} (incl. prefetch {}), stall cycles {}, overall util {:.2}%, mapping efficiency {:.2}%",
            l.name,
            r.total_cycles,
            r.total_cycles_incl_prefetch,
            r.stall_cycles,
            r.overall_util,
            r.mapping_efficiency
        );
    }
    println!("reports written to {}", dir.display());
    if args.repeat.is_some() {
        eprintln!("sim_wall_s={wall:.9}");
    }
    Ok(())
}
