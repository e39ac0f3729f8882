//! JEDEC-timed DRAM: standards as data, per-channel controllers with FR-FCFS scheduling,
//! refresh, address mapping, an independent timing checker, a trace replay front end, and the
//! engine component that serves the memory contract of [`crate::mem`].
//!
//! Layout (one file per concern):
//! - [`standards`], [`presets`]: each standard's hierarchy, commands, timing parameters and
//!   constraint table; organisation and timing presets of real parts.
//! - [`org`], [`timing`]: the resolved organisation and constraint table of a configuration.
//! - [`device`]: per-node ready clocks and per-bank state of one channel.
//! - [`mapper`]: address to channel and bank.
//! - [`controller`], [`scheduler`], [`refresh`]: the controller of one channel.
//! - [`checker`]: replays an issued-command log against the constraint table.
//! - [`power`]: per-command and background energy from datasheet currents.
//! - [`memory`]: channels behind a mapper, and the [`memory::DramMemory`] component.
//! - [`replay`]: Ramulator `LoadStoreTrace` replay and `summary.json`.
//! - [`config`]: the `[memory]` section with `kind = "dram"`.
//!
//! `docs/DRAM.md` describes the model and the source of every value.

pub mod checker;
pub mod config;
pub mod controller;
pub mod device;
pub mod mapper;
pub mod memory;
pub mod org;
pub mod power;
pub mod presets;
pub mod refresh;
pub mod replay;
pub mod scheduler;
pub mod standards;
pub mod timing;

pub use config::DramConfig;
pub use memory::{DramMemory, DramSystem};
