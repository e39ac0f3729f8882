//! `xpusim trace stats|gen`.

use super::Failure;
use crate::workload::llm::{self, LlmSpec, Phase};
use crate::workload::{DType, trace};
use std::path::PathBuf;

/// Trace subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum TraceCmd {
    /// Print op counts, total MACs and bytes of a trace.
    Stats {
        /// Trace file.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Generate a trace of transformer blocks of a real model.
    Gen(GenArgs),
}

/// Arguments of `trace gen`.
#[derive(clap::Args, Debug)]
pub struct GenArgs {
    /// Model: gpt2, gpt2-medium, gpt2-large, gpt2-xl, gpt3-175b, opt-6.7b, llama-7b,
    /// llama2-7b, llama2-13b, llama2-70b, bitnet-3b.
    #[arg(long)]
    pub model: String,
    /// prefill or decode.
    #[arg(long, default_value = "decode")]
    pub phase: String,
    /// Prompt length (prefill) or KV-cache length (decode).
    #[arg(long, default_value_t = 1024)]
    pub seq: u64,
    /// Sequences per batch.
    #[arg(long, default_value_t = 1)]
    pub batch: u64,
    /// Decoder blocks to generate (default: 1).
    #[arg(long, default_value_t = 1)]
    pub layers: u64,
    /// Activation type.
    #[arg(long, default_value = "fp16")]
    pub dtype: String,
    /// Weight bits of the linear layers (default: the dtype's width).
    #[arg(long)]
    pub wbits: Option<u8>,
    /// Output file (compact form; `.toml` for the TOML form is not supported by the
    /// generator). Default: stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Run a trace subcommand.
pub fn run(c: &TraceCmd) -> Result<(), Failure> {
    match c {
        TraceCmd::Stats { file, json } => {
            let w = trace::read(file).map_err(Failure::input)?;
            let s = w.stats();
            if *json {
                println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
            } else {
                println!("{}: {} ops", file.display(), s.ops);
                let names = ["gemm", "gemv", "spgemm", "elementwise", "transfer"];
                for (n, c) in names.iter().zip(s.counts) {
                    if c > 0 {
                        println!("  {n:<12} {c}");
                    }
                }
                println!(
                    "  MACs         {} ({:.3} GMAC)",
                    s.macs,
                    s.macs as f64 / 1e9
                );
                println!(
                    "  bytes        {} ({:.3} MB of operands)",
                    s.bytes,
                    s.bytes as f64 / 1e6
                );
                println!("  critical path {} ops", s.critical_path_ops);
            }
            Ok(())
        }
        TraceCmd::Gen(g) => {
            let model = llm::model(&g.model).ok_or_else(|| {
                Failure::input(format!(
                    "--model {}: expected one of {}",
                    g.model,
                    llm::MODELS
                        .iter()
                        .map(|m| m.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            let phase = match g.phase.as_str() {
                "prefill" => Phase::Prefill { seq: g.seq },
                "decode" => Phase::Decode { context: g.seq },
                p => {
                    return Err(Failure::input(format!(
                        "--phase {p}: expected prefill or decode"
                    )));
                }
            };
            let dtype = DType::ALL
                .into_iter()
                .find(|d| d.name() == g.dtype)
                .ok_or_else(|| {
                    Failure::input(format!(
                        "--dtype {}: expected one of int4, int8, fp8, fp16, bf16, fp32",
                        g.dtype
                    ))
                })?;
            let w = llm::llm(&LlmSpec {
                model: model.clone(),
                phase,
                batch: g.batch,
                layers: g.layers,
                dtype,
                wbits: g.wbits,
            })
            .map_err(Failure::input)?;
            let mut text = format!("# {}\n# shapes: {}\n", w.source, model.source);
            text.push_str(&trace::to_lines(&w));
            match &g.out {
                Some(p) => crate::report::files::write_atomic(p, text.as_bytes())
                    .map_err(|e| Failure::other(format!("{}: {e}", p.display())))?,
                None => print!("{text}"),
            }
            Ok(())
        }
    }
}
