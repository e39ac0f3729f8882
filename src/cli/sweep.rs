//! `xpusim sweep SPEC` and `xpusim sweep {plan,run,merge,slurm}`.

use super::Failure;
use crate::sweep::plan::Plan;
use crate::sweep::run::{Progress, RunOptions, Shard};
use crate::sweep::slurm::SlurmOptions;
use crate::sweep::{Layout, SweepError, merge, plan, run, slurm, spec::Spec};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Arguments of `sweep`.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SweepArgs {
    /// Sweep spec: plan, run every point, merge and plot in one go.
    pub spec: Option<PathBuf>,
    /// Sweep directory (default: `out/sweeps/<name>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: one per CPU).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// A step on its own.
    #[command(subcommand)]
    pub cmd: Option<SweepCmd>,
}

/// The steps of a sweep.
#[derive(clap::Subcommand, Debug)]
pub enum SweepCmd {
    /// Expand a spec into points, validate every point, write the sweep directory.
    Plan {
        /// Sweep spec.
        spec: PathBuf,
        /// Sweep directory to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Run the unfinished points (of one shard) in parallel.
    Run {
        /// Sweep directory.
        dir: PathBuf,
        /// Worker threads (default: one per CPU).
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Run only shard I of N (0-based): the points whose position is I modulo N.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
    },
    /// Collect every point's metrics into `sweep.csv` (failed and missing points keep a row).
    Merge {
        /// Sweep directory.
        dir: PathBuf,
        /// Also draw the spec's plots into `DIR/plots`.
        #[arg(long)]
        plots: bool,
    },
    /// Write a Slurm job-array script (`DIR/sweep.sbatch`) whose task I runs shard I/N.
    Slurm {
        /// Sweep directory.
        dir: PathBuf,
        /// Array tasks (shards).
        #[arg(long)]
        tasks: usize,
        /// Partition.
        #[arg(long)]
        partition: Option<String>,
        /// Time limit per task, e.g. 01:00:00.
        #[arg(long)]
        time: Option<String>,
        /// CPUs per task (the task runs that many threads).
        #[arg(long, default_value_t = 1)]
        cpus_per_task: usize,
    },
}

fn fail(e: SweepError) -> Failure {
    match e {
        SweepError::Input(m) => Failure::input(m),
        SweepError::Io(m) => Failure::other(m),
    }
}

/// Run `sweep`.
pub fn run(a: &SweepArgs, argv: &[String]) -> Result<(), Failure> {
    match (&a.cmd, &a.spec) {
        (Some(SweepCmd::Plan { spec, out }), _) => {
            let s = Spec::read(spec).map_err(fail)?;
            let p = plan::plan(&s, out).map_err(fail)?;
            println!(
                "{}: {} points ({} distinct runs) planned in {}",
                s.name,
                p.points.len(),
                p.unique().len(),
                out.display()
            );
            Ok(())
        }
        (
            Some(SweepCmd::Run {
                dir,
                threads,
                shard,
            }),
            _,
        ) => {
            let shard = match shard {
                Some(s) => Shard::parse(s).map_err(Failure::input)?,
                None => Shard::ALL,
            };
            run_points(dir, *threads, shard, argv)
        }
        (Some(SweepCmd::Merge { dir, plots }), _) => {
            merge_dir(dir)?;
            if *plots {
                plot_dir(dir)?;
            }
            Ok(())
        }
        (
            Some(SweepCmd::Slurm {
                dir,
                tasks,
                partition,
                time,
                cpus_per_task,
            }),
            _,
        ) => {
            if *tasks == 0 || *cpus_per_task == 0 {
                return Err(Failure::input(
                    "--tasks and --cpus-per-task: expected at least 1",
                ));
            }
            let l = Layout::new(dir);
            let p = Plan::read(&l).map_err(fail)?;
            let abs = std::path::absolute(dir)
                .map_err(|e| Failure::other(format!("{}: {e}", dir.display())))?;
            let exe = std::env::current_exe()
                .map_err(|e| Failure::other(format!("cannot find the xpusim binary: {e}")))?;
            let text = slurm::script(
                &exe,
                &abs,
                &p.name,
                &SlurmOptions {
                    tasks: *tasks,
                    partition: partition.clone(),
                    time: time.clone(),
                    cpus_per_task: *cpus_per_task,
                },
            );
            let out = dir.join("sweep.sbatch");
            crate::report::files::write_atomic(&out, text.as_bytes())
                .map_err(|e| Failure::other(format!("{}: {e}", out.display())))?;
            std::fs::create_dir_all(dir.join("slurm"))
                .map_err(|e| Failure::other(format!("{}: {e}", dir.display())))?;
            println!(
                "wrote {} ({} tasks over {} runs); submit with `sbatch {}`, then `xpusim sweep merge {}`",
                out.display(),
                tasks,
                p.unique().len(),
                out.display(),
                dir.display()
            );
            Ok(())
        }
        (None, Some(spec)) => {
            let s = Spec::read(spec).map_err(fail)?;
            let dir = a
                .out
                .clone()
                .unwrap_or_else(|| PathBuf::from("out/sweeps").join(&s.name));
            let p = plan::plan(&s, &dir).map_err(fail)?;
            eprintln!(
                "{}: {} points ({} distinct runs) in {}",
                s.name,
                p.points.len(),
                p.unique().len(),
                dir.display()
            );
            let r = run_points(&dir, a.threads, Shard::ALL, argv);
            merge_dir(&dir)?;
            plot_dir(&dir)?;
            r
        }
        (None, None) => Err(Failure::input(
            "expected a sweep spec (`xpusim sweep SPEC`) or a step: plan, run, merge, slurm (see `xpusim sweep --help`)",
        )),
    }
}

fn run_points(dir: &Path, threads: usize, shard: Shard, argv: &[String]) -> Result<(), Failure> {
    let opts = RunOptions {
        threads,
        shard,
        argv: argv.to_vec(),
    };
    let tty = std::io::stderr().is_terminal();
    let bar = indicatif::ProgressBar::hidden();
    let cb = |p: Progress| match p {
        Progress::Start { todo, .. } => {
            if tty {
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{bar:40} {pos}/{len} points  elapsed {elapsed}  ETA {eta}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar.set_length(todo as u64);
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
        }
        Progress::Point { label, ok } => {
            if tty {
                if !ok {
                    bar.println(format!("failed: {label}"));
                }
                bar.inc(1);
            }
        }
    };
    let quiet = |_: Progress| {};
    let r = if tty {
        run::run(dir, &opts, &cb)
    } else {
        run::run(dir, &opts, &quiet)
    }
    .map_err(fail)?;
    bar.finish_and_clear();
    let shard_txt = if shard.count > 1 {
        format!(" of shard {}/{}", shard.index, shard.count)
    } else {
        String::new()
    };
    let ran = r.ran + r.failed.len();
    eprintln!(
        "sweep run: {} runs{shard_txt}: {} already finished, {} run now ({} failed) in {:.2} s ({:.2} runs/s)",
        r.in_shard,
        r.skipped,
        ran,
        r.failed.len(),
        r.wall_s,
        if r.wall_s > 0.0 {
            ran as f64 / r.wall_s
        } else {
            0.0
        }
    );
    if !r.failed.is_empty() {
        for (label, e) in r.failed.iter().take(10) {
            eprintln!("  {label}: {}", e.trim_end());
        }
        return Err(Failure::other(format!(
            "{} point(s) failed (notes in {}); run again to retry them",
            r.failed.len(),
            dir.join("failed").display()
        )));
    }
    Ok(())
}

fn merge_dir(dir: &Path) -> Result<(), Failure> {
    let r = merge::merge(dir).map_err(fail)?;
    println!(
        "wrote {}: {} rows ({} ok, {} failed, {} missing)",
        Layout::new(dir).csv().display(),
        r.rows,
        r.ok,
        r.failed.len(),
        r.missing.len()
    );
    for (l, e) in r.failed.iter().take(10) {
        eprintln!("  failed: {l}: {e}");
    }
    for l in r.missing.iter().take(10) {
        eprintln!("  missing (not run yet): {l}");
    }
    let mut seen = Vec::new();
    for (m, l) in &r.absent_metrics {
        if !seen.contains(m) {
            eprintln!("  warning: metric `{m}` not found in the results of {l} (and maybe others)");
            seen.push(m.clone());
        }
    }
    Ok(())
}

/// Draw the plan's sweep plots.
fn plot_dir(dir: &Path) -> Result<(), Failure> {
    let l = Layout::new(dir);
    let p = Plan::read(&l).map_err(fail)?;
    for spec in &p.plots {
        match crate::plot::write_sweep_plot(&l.csv(), &l.plots(), spec) {
            Ok(stem) => println!("plot: {}.{{svg,png}}", stem.display()),
            Err(e) => eprintln!("  warning: {e}"),
        }
    }
    Ok(())
}
