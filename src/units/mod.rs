//! Compute units.

pub mod npu;
