//! Design sweeps: one spec, many design points, run in parallel, resumable, sharded.
//!
//! A sweep goes through four steps, each a subcommand of `xpusim sweep`:
//! 1. [`plan::plan`] reads a [`spec::Spec`], expands its axes into points, loads and
//!    validates every point's config (the axis values are `--set` overrides, so a bad
//!    value is reported with the point and the key), checks that every op of the trace
//!    can be placed, and writes a *sweep directory*: `plan.json`, a copy of the base
//!    config and of every trace, and the spec. Each point carries a content hash of its
//!    resolved config, the trace bytes, the seed and the xpusim version.
//! 2. [`run::run`] runs the points of one shard (`--shard I/N`: the unique points whose
//!    position is `I` modulo `N`) with rayon on `--threads T` threads. A point's run
//!    directory `runs/<hash>/` is written under a temporary name and renamed when complete
//!    ([`crate::report::files::RunDir`]), so a point is finished exactly when that directory
//!    exists; finished points are skipped, which makes an interrupted or resubmitted run
//!    resume where it stopped. A point that fails leaves `failed/<hash>.txt`.
//! 3. [`merge::merge`] reads every point's `summary.json` (and `stats.json` for `stats.`
//!    metrics) and writes `sweep.csv`: the point index, every axis, trace and seed, the
//!    status, the metrics, the hash and any error. Failed and missing points keep their
//!    row with their status; none is dropped.
//! 4. [`slurm::script`] writes a Slurm job-array script whose task `I` of `N` runs
//!    `xpusim sweep run DIR --shard I/N`.
//!
//! Points with equal hashes are the same run: they share one run directory, so the same
//! design point listed twice (or kept across a re-plan) is simulated once. The sweep
//! directory is self-contained: a run needs only it and the xpusim binary.

pub mod merge;
pub mod plan;
pub mod run;
pub mod slurm;
pub mod spec;

use std::path::{Path, PathBuf};

/// Version of `plan.json` and of the layout of a sweep directory.
pub const SWEEP_SCHEMA_VERSION: u32 = 1;

/// Errors of the sweep commands.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// Bad user input: the spec, a point's config or trace, arguments.
    #[error("{0}")]
    Input(String),
    /// I/O or other failures.
    #[error("{0}")]
    Io(String),
}

impl SweepError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, what: &str, e: impl std::fmt::Display) -> Self {
        SweepError::Io(format!("{}: {what}: {e}", path.display()))
    }
}

/// Paths inside a sweep directory.
#[derive(Clone, Debug)]
pub struct Layout {
    /// The sweep directory.
    pub dir: PathBuf,
}

impl Layout {
    /// The layout of `dir`.
    pub fn new(dir: &Path) -> Self {
        Layout {
            dir: dir.to_path_buf(),
        }
    }
    /// `plan.json`.
    pub fn plan(&self) -> PathBuf {
        self.dir.join("plan.json")
    }
    /// The copy of the base config.
    pub fn base(&self) -> PathBuf {
        self.dir.join("base.toml")
    }
    /// The run directory of the point with hash `h`.
    pub fn run_dir(&self, h: &str) -> PathBuf {
        self.dir.join("runs").join(dir_name(h))
    }
    /// The failure note of the point with hash `h`.
    pub fn failed(&self, h: &str) -> PathBuf {
        self.dir.join("failed").join(format!("{}.txt", dir_name(h)))
    }
    /// `sweep.csv`.
    pub fn csv(&self) -> PathBuf {
        self.dir.join("sweep.csv")
    }
    /// The folder of the sweep's plots.
    pub fn plots(&self) -> PathBuf {
        self.dir.join("plots")
    }
}

/// Directory name of a point: the first 16 hex digits of its hash.
pub fn dir_name(hash: &str) -> &str {
    &hash[..hash.len().min(16)]
}

/// Whether the point with hash `h` has a complete run directory.
pub fn is_finished(l: &Layout, h: &str) -> bool {
    l.run_dir(h).join("manifest.json").is_file()
}
