//! `xpusim run CONFIG TRACE`.

use super::Failure;
use crate::report::{self, RunError, files};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Arguments of `run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// System config (TOML file, or the name of a built-in system preset).
    pub config: String,
    /// Workload trace (`.toml`, or the compact line form).
    pub trace: PathBuf,
    /// Run directory to write (default: `out/<config>-<trace>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a config key, e.g. `--set npu.rows=64` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Seed of every random stream (overrides `sim.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print `summary.json` on stdout instead of the human summary.
    #[arg(long)]
    pub json: bool,
    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
}

fn stem(p: &str) -> String {
    Path::new(p)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| p.to_string())
}

/// Load, simulate, write the run directory, print a summary.
pub fn run(a: &RunArgs, argv: &[String]) -> Result<(), Failure> {
    let mut sets = a.set.clone();
    if let Some(s) = a.seed {
        sets.push(format!("sim.seed={s}"));
    }
    let loaded = crate::config::load(&a.config, &sets).map_err(Failure::config)?;
    let work = crate::workload::trace::read(&a.trace).map_err(Failure::input)?;
    let trace_hash = std::fs::read(&a.trace)
        .map(|b| files::sha256_hex(&b))
        .unwrap_or_default();
    let result = report::simulate(loaded, Arc::new(work)).map_err(|e| match e {
        RunError::Build(crate::arch::BuildError::Plan(p)) => Failure::input(p),
        other => Failure::other(other),
    })?;
    let out = a.out.clone().unwrap_or_else(|| {
        PathBuf::from("out").join(format!(
            "{}-{}",
            stem(&a.config),
            stem(&a.trace.to_string_lossy())
        ))
    });
    let dir = files::write_run_dir(&out, &result, argv, trace_hash).map_err(|e| {
        Failure::other(format!(
            "{}: cannot write run directory: {e}",
            out.display()
        ))
    })?;
    if a.json {
        print!("{}", files::summary_json(&result));
    } else if !a.quiet {
        print!("{}", files::human_summary(&result));
        println!("  run directory: {}", dir.display());
    }
    Ok(())
}
