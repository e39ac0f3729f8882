//! `xpusim dram`: replay a Ramulator LoadStoreTrace on a DRAM configuration and write
//! `summary.json`.

use crate::mem::dram::checker;
use crate::mem::dram::config::DramConfig;
use crate::mem::dram::replay::{self, Summary};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

/// Arguments of `xpusim dram`.
#[derive(clap::Args, Debug, Clone)]
pub struct DramArgs {
    /// System config (TOML) whose `[memory]` table has `kind = "dram"`.
    #[arg(long)]
    pub config: PathBuf,
    /// Memory trace in Ramulator's LoadStoreTrace format (`LD 0xADDR` / `ST 0xADDR`).
    #[arg(long)]
    pub trace: PathBuf,
    /// Output directory for `summary.json`.
    #[arg(long, default_value = "out/dram")]
    pub out: PathBuf,
    /// Record every issued command and check it against the timing constraint table.
    #[arg(long)]
    pub check_timing: bool,
}

/// Load the `[memory]` DRAM section of a system config file through the shared loader
/// (presets, schema check with line numbers, validation).
pub fn load_config(path: &Path) -> anyhow::Result<DramConfig> {
    let loaded =
        crate::config::load(&path.to_string_lossy(), &[]).map_err(|e| anyhow::anyhow!("{e}"))?;
    match loaded.config.memory {
        crate::config::MemoryConfig::Dram(m) => Ok(*m),
        _ => bail!(
            "{}: memory.kind: expected \"dram\" for `xpusim dram` (the [memory] table selects the model)",
            path.display()
        ),
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot rename to {}", path.display()))?;
    Ok(())
}

/// Run `xpusim dram`.
pub fn run(args: &DramArgs) -> anyhow::Result<()> {
    let cfg = load_config(&args.config)?;
    let trace = replay::read_trace(&args.trace).map_err(anyhow::Error::msg)?;
    let cpu0 = process_cpu_seconds();
    let t0 = std::time::Instant::now();
    let (summary, sys) =
        replay::replay(&cfg, &trace, args.check_timing).map_err(anyhow::Error::msg)?;
    let wall = t0.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds().zip(cpu0).map(|(a, b)| a - b);
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let json = serde_json::to_string_pretty(&summary)?;
    write_atomic(&args.out.join("summary.json"), json.as_bytes())?;
    print_summary(&summary, wall, cpu);
    if args.check_timing {
        let mut total = 0;
        let mut cmds = 0;
        for (i, ch) in sys.channels.iter().enumerate() {
            let log = ch.log.as_deref().unwrap_or(&[]);
            let rep = checker::check(&sys.spec, log, 20);
            cmds += rep.commands;
            total += rep.total;
            for v in &rep.violations {
                eprintln!("channel {i}: {v}");
            }
        }
        if total > 0 {
            bail!("timing check: {total} violation(s) in {cmds} commands");
        }
        println!("timing check: {cmds} commands, no violation");
    }
    Ok(())
}

/// CPU seconds used by this process so far (Linux `/proc/self/stat`; `None` elsewhere).
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn print_summary(s: &Summary, wall: f64, cpu: Option<f64>) {
    println!(
        "{} {} / {}, {} channel(s): {} requests ({} reads, {} writes)",
        s.standard, s.org_preset, s.timing_preset, s.channels, s.requests, s.reads, s.writes
    );
    println!(
        "  cycles {}  time {:.1} ns  bandwidth {:.3} GB/s of {:.1} peak ({:.1}%)",
        s.cycles_to_complete,
        s.time_ns,
        s.bandwidth_gbps,
        s.peak_gbps,
        100.0 * s.efficiency
    );
    println!(
        "  avg read latency {:.2} cycles ({:.2} ns)  row hits {}  misses {}  conflicts {}  refreshes {}",
        s.avg_read_latency_cycles,
        s.avg_read_latency_ns,
        s.row_hits,
        s.row_misses,
        s.row_conflicts,
        s.refreshes
    );
    let e = &s.energy;
    println!(
        "  energy {:.3} uJ ({:.1} mW): ACT {:.3}  RD {:.3}  WR {:.3}  REF {:.3}  background {:.3} uJ",
        e.total_pj / 1e6,
        e.average_power_mw,
        e.by_kind.act_pj / 1e6,
        e.by_kind.rd_pj / 1e6,
        e.by_kind.wr_pj / 1e6,
        e.by_kind.ref_pj / 1e6,
        e.by_kind.background_pj / 1e6
    );
    let cyc_per_s = if wall > 0.0 {
        s.cycles_to_complete as f64 / wall
    } else {
        0.0
    };
    eprintln!(
        "  wall {:.3} s: {:.2} M DRAM cycles/s, {:.2} M requests/s",
        wall,
        cyc_per_s / 1e6,
        s.requests as f64 / wall.max(1e-9) / 1e6
    );
    if let Some(c) = cpu {
        eprintln!("  cpu {c:.2} s");
    }
}
