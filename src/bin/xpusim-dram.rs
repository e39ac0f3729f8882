//! Temporary entry point for `xpusim dram` until the lead wires `src/cli/dram.rs` into the
//! main CLI.

#[path = "../cli/dram.rs"]
mod dram;

use clap::Parser;

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
