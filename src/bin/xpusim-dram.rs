//! Temporary entry point for `xpusim dram` until the `dram` subcommand is wired into the main
//! CLI (`src/cli/mod.rs`): same arguments, same behaviour.

use clap::Parser;
use xpusim::cli::dram;

#[derive(Parser)]
#[command(about = "Replay a LoadStoreTrace on a DRAM configuration")]
struct Cli {
    #[command(flatten)]
    args: dram::DramArgs,
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = dram::run(&cli.args) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
