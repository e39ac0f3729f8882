//! Compute units: the contract every unit follows, the unit kinds, and shared machinery.
//!
//! Contract. A unit is a [`crate::engine::Component`] with two ports:
//! - `ctl`, joined to the scheduler. The scheduler sends `Msg::Issue { op }` only while the
//!   unit is free; the unit answers `Msg::Done(report)` once the op's results are written.
//! - `mem`, joined to one client port of the memory. All data moves as `MemReq`/`MemResp`.
//!
//! A unit reads the op from the shared [`crate::workload::Workload`] it was built with, so
//! messages stay small. One file per unit kind; the kind is chosen by the config section.

pub mod dma;
pub mod lut;
pub mod npu;
pub mod piuma;
pub mod stream;
pub mod vector;

use crate::config::UnitKindName;
use crate::workload::OpKind;

/// Port of a unit joined to the scheduler.
pub const CTL: crate::engine::PortId = crate::engine::PortId(0);
/// Port of a unit joined to memory.
pub const MEM: crate::engine::PortId = crate::engine::PortId(1);
/// Port names in [`CTL`], [`MEM`] order.
pub fn unit_ports() -> Vec<String> {
    vec!["ctl".into(), "mem".into()]
}

/// Send the report of a finished op to the scheduler; returns the op's cycles in this
/// unit's clock. Everything not computing counts as waiting for memory.
pub fn report_done(
    cx: &mut crate::engine::Ctx<'_, crate::arch::Msg>,
    op: u32,
    start: crate::engine::Tick,
    macs: u64,
    bytes_read: u64,
    bytes_written: u64,
    compute_cycles: u64,
) -> u64 {
    let clock = cx.clock();
    let cycles = clock.cycle_at_or_before(cx.now()).0 - clock.cycle_at_or_before(start).0;
    cx.send(
        CTL,
        crate::arch::Msg::Done(Box::new(crate::arch::OpReport {
            op,
            start,
            end: cx.now(),
            macs,
            bytes_read,
            bytes_written,
            compute_cycles,
            mem_stall_cycles: cycles.saturating_sub(compute_cycles),
        })),
    );
    cycles
}

/// The kinds of unit.
pub type UnitKind = UnitKindName;

impl UnitKindName {
    /// All kinds.
    pub const ALL: [UnitKindName; 5] = [
        UnitKindName::Npu,
        UnitKindName::Lut,
        UnitKindName::Piuma,
        UnitKindName::Vector,
        UnitKindName::Dma,
    ];

    /// Name as written in configs and traces.
    pub fn name(self) -> &'static str {
        match self {
            UnitKindName::Npu => "npu",
            UnitKindName::Lut => "lut",
            UnitKindName::Piuma => "piuma",
            UnitKindName::Vector => "vector",
            UnitKindName::Dma => "dma",
        }
    }

    /// Whether units of this kind can run ops of kind `op`.
    pub fn supports(self, op: &OpKind) -> bool {
        match self {
            UnitKindName::Npu | UnitKindName::Lut => {
                matches!(op, OpKind::Gemm { .. } | OpKind::Gemv { .. })
            }
            UnitKindName::Piuma => matches!(op, OpKind::SpGemm { .. }),
            UnitKindName::Vector => matches!(op, OpKind::Elementwise { .. }),
            UnitKindName::Dma => matches!(op, OpKind::Transfer { .. }),
        }
    }
}

/// What the scheduler and the reports need to know about one unit instance.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitInfo {
    /// Kind.
    pub kind: UnitKind,
    /// Instance name (e.g. `npu.core0`).
    pub name: String,
    /// Clock frequency in MHz.
    pub freq_mhz: f64,
    /// Peak multiply-accumulates per cycle (0 for units that do no MACs).
    pub peak_macs_per_cycle: f64,
    /// Area of the unit in mm^2 as its config gives it (0: not modelled).
    pub area_mm2: f64,
    /// Energy actions per cycle at peak throughput, `(action key, count per cycle)`; with
    /// the `[energy]` table they give the unit's datapath power at peak (empty: none).
    pub peak_actions_per_cycle: Vec<(String, f64)>,
}
