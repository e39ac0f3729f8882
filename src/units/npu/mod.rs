//! The NPU: systolic-array cores (OS/WS/IS dataflows) with double-buffered SRAMs and a DMA.

pub mod compat;
pub mod mapping;
pub mod scalesim;
