//! The single integration-test binary: one module per area.

mod bad_inputs;
mod cli;
mod common;
mod determinism;
mod dram;
mod lut;
mod npu;
mod piuma;
mod sweep;
