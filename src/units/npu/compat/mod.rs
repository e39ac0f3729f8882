//! SCALE-Sim compatibility front end: its `.cfg` and topology readers, its report writers, and
//! the conversion of its inputs to xpusim's native config and trace.

pub mod cfg;
pub mod convert;
pub mod report;
pub mod topology;

use crate::units::npu::scalesim::{self, Layer, Report};

/// Simulate every layer of a topology on a SCALE-Sim architecture in `scalesim` mode.
pub fn run_layers(arch: &scalesim::Arch, layers: &[Layer]) -> Result<Vec<Report>, String> {
    layers
        .iter()
        .map(|l| scalesim::simulate(arch, l).map_err(|e| format!("layer `{}`: {e}", l.name)))
        .collect()
}
