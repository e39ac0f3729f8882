//! xpusim: a cycle-accurate, event-driven simulator for AI accelerators.
#![warn(missing_docs)]

pub mod arch;
pub mod cli;
pub mod config;
pub mod engine;
pub mod mem;
pub mod plot;
pub mod report;
pub mod sched;
pub mod stats;
pub mod sweep;
pub mod units;
pub mod workload;
