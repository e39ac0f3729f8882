//! Running the points of a sweep: one shard, in parallel, skipping finished points.
//!
//! Parallelism is across points only (rayon, one simulation per task); the points share
//! nothing mutable: each loads its own config, reads the shared parsed trace through an
//! `Arc`, simulates, and writes its own run directory. No lock is taken on the way.

use super::plan::{Plan, PlanPoint, parse_trace, point_hash};
use super::{Layout, SweepError, is_finished};
use crate::report::files::{RunDirOptions, sha256_hex, write_atomic, write_run_dir_opts};
use crate::workload::Workload;
use rayon::prelude::*;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Which part of the points a process runs: the unique points whose position is
/// `index` modulo `count`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// All points.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parse `I/N`.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let err = || format!("--shard {s}: expected I/N with 0 <= I < N, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(err)?;
        let index: usize = i.trim().parse().map_err(|_| err())?;
        let count: usize = n.trim().parse().map_err(|_| err())?;
        if count == 0 || index >= count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }
}

/// Settings of a run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Worker threads (0: as many as rayon's default, the number of CPUs).
    pub threads: usize,
    /// The shard to run.
    pub shard: Shard,
    /// The command line, recorded in each point's manifest.
    pub argv: Vec<String>,
}

/// Progress notifications, for a progress bar.
#[derive(Clone, Debug)]
pub enum Progress {
    /// The run starts: `todo` points to run, `skipped` already finished.
    Start {
        /// Points to run.
        todo: usize,
        /// Points of this shard already finished.
        skipped: usize,
    },
    /// One point finished (`ok`: it succeeded).
    Point {
        /// Its label.
        label: String,
        /// Whether it succeeded.
        ok: bool,
    },
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct RunReport {
    /// Distinct runs in the plan.
    pub unique: usize,
    /// Distinct runs in this shard.
    pub in_shard: usize,
    /// Already finished, not run again.
    pub skipped: usize,
    /// Run now and finished.
    pub ran: usize,
    /// Run now and failed: (label, error).
    pub failed: Vec<(String, String)>,
    /// Wall-clock seconds.
    pub wall_s: f64,
}

/// Run the unfinished points of `opts.shard` of the sweep in `dir`.
pub fn run(
    dir: &Path,
    opts: &RunOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<RunReport, SweepError> {
    let t0 = Instant::now();
    let l = Layout::new(dir);
    let plan = Plan::read(&l)?;
    let base = std::fs::read_to_string(l.base())
        .map_err(|e| SweepError::io(&l.base(), "cannot read the base config copy", e))?;
    let unique = plan.unique();
    let mine: Vec<usize> = unique
        .iter()
        .enumerate()
        .filter(|(pos, _)| pos % opts.shard.count == opts.shard.index)
        .map(|(_, &i)| i)
        .collect();
    let todo: Vec<&PlanPoint> = mine
        .iter()
        .map(|&i| &plan.points[i])
        .filter(|p| !is_finished(&l, &p.hash))
        .collect();
    let skipped = mine.len() - todo.len();
    // Parse the traces this shard needs, once each.
    let mut works: Vec<Option<Arc<Workload>>> = vec![None; plan.traces.len()];
    for p in &todo {
        if works[p.trace].is_some() {
            continue;
        }
        let t = &plan.traces[p.trace];
        let path = dir.join(&t.file);
        let bytes =
            std::fs::read(&path).map_err(|e| SweepError::io(&path, "cannot read trace copy", e))?;
        if sha256_hex(&bytes) != t.sha256 {
            return Err(SweepError::Input(format!(
                "{}: the trace copy changed since the plan was made: run `xpusim sweep plan` again",
                path.display()
            )));
        }
        let w =
            parse_trace(&t.name, &String::from_utf8_lossy(&bytes)).map_err(SweepError::Input)?;
        works[p.trace] = Some(Arc::new(w));
    }
    progress(Progress::Start {
        todo: todo.len(),
        skipped,
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| SweepError::Io(format!("cannot start {} threads: {e}", opts.threads)))?;
    let results: Vec<Result<(), (String, String)>> = pool.install(|| {
        todo.par_iter()
            .with_max_len(1)
            .map(|p| {
                let label = plan.label(p);
                let work = works[p.trace].as_ref().map(Arc::clone).unwrap_or_default();
                let r = run_point(&l, &plan, &base, p, work, &opts.argv);
                progress(Progress::Point {
                    label: label.clone(),
                    ok: r.is_ok(),
                });
                r.map_err(|e| (label, e))
            })
            .collect()
    });
    let failed: Vec<(String, String)> = results.into_iter().filter_map(|r| r.err()).collect();
    Ok(RunReport {
        unique: unique.len(),
        in_shard: mine.len(),
        skipped,
        ran: todo.len() - failed.len(),
        failed,
        wall_s: t0.elapsed().as_secs_f64(),
    })
}

/// Run one point and write its run directory; on failure write its failure note.
fn run_point(
    l: &Layout,
    plan: &Plan,
    base: &str,
    p: &PlanPoint,
    work: Arc<Workload>,
    argv: &[String],
) -> Result<(), String> {
    let dest = l.run_dir(&p.hash);
    remove_stale_temps(&dest);
    // A bug that panics in one point's model fails that point, not the sweep.
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        simulate_point(plan, base, p, work, argv, &dest)
    }))
    .unwrap_or_else(|e| {
        let msg = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Err(format!(
            "the simulator panicked (a bug; please report it): {msg}"
        ))
    });
    let note = l.failed(&p.hash);
    match &r {
        Ok(()) => {
            if note.exists() {
                let _ = std::fs::remove_file(&note);
            }
        }
        Err(e) => {
            let text = format!("{}\n{e}\n", plan.label(p));
            let _ = write_atomic(&note, text.as_bytes());
        }
    }
    r
}

fn simulate_point(
    plan: &Plan,
    base: &str,
    p: &PlanPoint,
    work: Arc<Workload>,
    argv: &[String],
    dest: &Path,
) -> Result<(), String> {
    let loaded =
        crate::config::load_str(&plan.config, base, &p.overrides).map_err(|e| e.to_string())?;
    let trace = &plan.traces[p.trace];
    let h = point_hash(&loaded.hash(), &trace.sha256, p.seed);
    if h != p.hash {
        return Err(if plan.xpusim_version != env!("CARGO_PKG_VERSION") {
            format!(
                "the plan was made by xpusim {}, this is {}: run `xpusim sweep plan` again",
                plan.xpusim_version,
                env!("CARGO_PKG_VERSION")
            )
        } else {
            "the point's config resolves differently than when it was planned (this build's defaults or presets differ from those of the build that made the plan): run `xpusim sweep plan` again".to_string()
        });
    }
    let result = crate::report::simulate(loaded, work).map_err(|e| e.to_string())?;
    write_run_dir_opts(
        dest,
        &result,
        argv,
        trace.sha256.clone(),
        &RunDirOptions {
            plots: plan.run_plots,
        },
    )
    .map_err(|e| format!("{}: cannot write run directory: {e}", dest.display()))?;
    Ok(())
}

/// Remove temporary directories a killed run of this point left behind
/// (`.<name>.tmp.<pid>` beside the destination).
fn remove_stale_temps(dest: &Path) {
    let (Some(parent), Some(name)) = (dest.parent(), dest.file_name()) else {
        return;
    };
    let prefix = format!(".{}.tmp.", name.to_string_lossy());
    let Ok(rd) = std::fs::read_dir(parent) else {
        return;
    };
    for e in rd.flatten() {
        if e.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_reject_nonsense() {
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, count: 4 }));
        assert!(Shard::parse("4/4").is_err());
        assert!(Shard::parse("0/0").is_err());
        assert!(Shard::parse("1").is_err());
        assert!(Shard::parse("a/b").is_err());
    }
}
