//! The command line: argument definitions and dispatch. Only this module, config loading,
//! trace reading and the report writers touch files.

mod config_cmd;
pub mod dram;
mod plot;
mod run;
pub mod scalesim;
mod sweep;
mod trace_cmd;

use clap::{Parser, Subcommand};

/// Command-line interface of xpusim.
#[derive(Parser, Debug)]
#[command(
    name = "xpusim",
    version,
    about = "Cycle-accurate, event-driven simulator for AI accelerators",
    long_about = "xpusim replays a workload trace (GEMM, GEMV, SpGEMM, element-wise ops with dependencies) on \
                  hardware described in TOML (systolic-array NPUs, vector units, LUT tensor cores, PIUMA cores, \
                  DRAM) and writes a run directory of documented reports."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Simulate a trace on a system and write a run directory.
    Run(run::RunArgs),
    /// Check, explain and list configs.
    #[command(subcommand)]
    Config(config_cmd::ConfigCmd),
    /// Inspect and generate traces.
    #[command(subcommand)]
    Trace(trace_cmd::TraceCmd),
    /// Design sweeps: plan, run (parallel, resumable, sharded), merge, Slurm scripts.
    Sweep(sweep::SweepArgs),
    /// Draw the plots of a run directory or of a sweep.
    Plot(plot::PlotArgs),
    /// Run SCALE-Sim inputs (.cfg + topology CSV) in the scalesim timing mode, or convert them.
    Scalesim(scalesim::ScalesimArgs),
    /// Replay a Ramulator LoadStoreTrace (`LD 0xADDR` / `ST 0xADDR`) on a DRAM config.
    Dram(dram::DramArgs),
}

/// A failure, with the exit code it maps to: 2 for bad input (config, trace, arguments),
/// 1 for a simulation or I/O failure.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: i32,
    /// Message for stderr.
    pub msg: String,
}

impl Failure {
    /// Bad user input.
    pub fn input(msg: impl std::fmt::Display) -> Self {
        Failure {
            code: 2,
            msg: msg.to_string(),
        }
    }
    /// Every problem of a config, one `error:` line each.
    pub fn config(e: crate::config::ConfigError) -> Self {
        let n = e.diags.len();
        let mut msg: Vec<String> = e.diags.iter().map(|d| d.to_string()).collect();
        let last = msg.pop().unwrap_or_default();
        let mut text = String::new();
        for m in msg {
            text.push_str(&m);
            text.push_str("\nerror: ");
        }
        text.push_str(&last);
        if n > 1 {
            text.push_str(&format!("\n{n} problems found"));
        }
        Failure { code: 2, msg: text }
    }

    /// Anything else.
    pub fn other(msg: impl std::fmt::Display) -> Self {
        Failure {
            code: 1,
            msg: msg.to_string(),
        }
    }
}

/// Run the command line; returns the process exit code.
pub fn main() -> i32 {
    let args: Vec<String> = std::env::args().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let r = match cli.command {
        Command::Run(a) => run::run(&a, &args),
        Command::Config(c) => config_cmd::run(&c),
        Command::Trace(t) => trace_cmd::run(&t),
        Command::Sweep(s) => sweep::run(&s, &args),
        Command::Plot(p) => plot::run(&p),
        Command::Scalesim(a) => scalesim::run(&a).map_err(|e| Failure::input(format!("{e:#}"))),
        Command::Dram(a) => dram::run(&a).map_err(|e| Failure::input(format!("{e:#}"))),
    };
    match r {
        Ok(()) => 0,
        Err(f) => {
            eprintln!("error: {}", f.msg.trim_end());
            f.code
        }
    }
}
