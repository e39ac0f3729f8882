use clap::{Parser, Subcommand};

/// xpusim: a cycle-accurate simulator for AI accelerators.
#[derive(Parser)]
#[command(name = "xpusim")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run SCALE-Sim inputs in the scalesim timing mode, or convert them.
    Scalesim(xpusim::cli::scalesim::ScalesimArgs),
}

fn main() {
    let cli = Cli::parse();
    let r = match &cli.cmd {
        Cmd::Scalesim(a) => xpusim::cli::scalesim::run(a),
    };
    if let Err(e) = r {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
