//! Outer-product baseline (being written).
use super::Bases;
use super::config::PiumaConfig;
use super::core::{Kernel, Op, Topology};
use super::smash::KernelError;
use crate::stats::StatSet;
use crate::workload::sparse::SparseMatrix;
use std::sync::Arc;

/// Outer product.
pub struct OuterKernel {
    out: Vec<(u32, u32, f64)>,
}
impl OuterKernel {
    /// Build.
    pub fn new(_c: &PiumaConfig, _t: &Topology, _a: Arc<SparseMatrix>, _b: Arc<SparseMatrix>, _bases: Bases) -> Result<Self, KernelError> {
        Ok(OuterKernel { out: vec![] })
    }
}
impl Kernel for OuterKernel {
    fn next(&mut self, _tid: u32, _ret: u64) -> Op { Op::Done }
    fn phases(&self) -> &'static [&'static str] { &["x"] }
    fn stats(&self, _out: &mut StatSet) {}
    fn output(&self) -> &[(u32, u32, f64)] { &self.out }
}
