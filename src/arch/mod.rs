//! The architecture layer: the closed message enum every component exchanges, and the
//! factory that turns a validated config and a workload into a ready simulator.

use crate::engine::{Message, Tick};
use crate::mem::{MemReq, MemResp};

/// Every message a component of xpusim can send.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// Scheduler to unit: start op `op` (index into the workload).
    Issue {
        /// Op index.
        op: u32,
    },
    /// Unit to scheduler: an op finished.
    Done(Box<OpReport>),
    /// Client to memory.
    MemReq(MemReq),
    /// Memory to client.
    MemResp(MemResp),
}

impl Message for Msg {
    fn bytes(&self) -> u64 {
        match self {
            Msg::MemReq(r) if r.write => r.bytes,
            Msg::MemResp(r) if !r.write => r.bytes,
            _ => 0,
        }
    }
}

/// What a unit reports when an op finishes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpReport {
    /// Op index.
    pub op: u32,
    /// When the unit started the op.
    pub start: Tick,
    /// When the op's last result was written.
    pub end: Tick,
    /// Multiply-accumulates performed (useful work, not padding).
    pub macs: u64,
    /// Bytes read from memory.
    pub bytes_read: u64,
    /// Bytes written to memory.
    pub bytes_written: u64,
    /// Unit cycles spent computing.
    pub compute_cycles: u64,
    /// Unit cycles the compute pipeline waited for memory.
    pub mem_stall_cycles: u64,
}

use crate::config::{Config, MemoryConfig};
use crate::engine::{ClockDomain, CompId, LinkSpec, SimError, Simulator};
use crate::sched::{Plan, PlanError, Scheduler};
use crate::units::UnitInfo;
use crate::workload::Workload;
use std::sync::Arc;

/// A system ready to run.
pub struct System {
    /// The simulator holding every component.
    pub sim: Simulator<Msg>,
    /// The scheduler.
    pub sched: CompId,
    /// Unit instances, in scheduler port order.
    pub units: Vec<(UnitInfo, CompId)>,
    /// The memory component.
    pub memory: CompId,
    /// Memory kind name.
    pub memory_kind: &'static str,
    /// Peak memory bandwidth in GB/s.
    pub memory_peak_gbps: f64,
}

/// Errors building a system.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// An op cannot be placed on any unit.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Wiring or clock problems (bugs or bad frequencies).
    #[error("building the system: {0}")]
    Sim(#[from] SimError),
    /// A clock frequency the engine cannot represent.
    #[error("building the system: {0}")]
    Clock(#[from] crate::engine::ClockError),
}

/// Instantiate the components of `cfg` for `work` and wire them.
///
/// Component order (which fixes same-time tie-breaking and report order): scheduler,
/// units (npu, lut, piuma, vector, dma; instances in index order), memory.
pub fn build(cfg: &Config, work: Arc<Workload>) -> Result<System, BuildError> {
    let mut sim: Simulator<Msg> = Simulator::new();
    let sched_clock = sim.add_clock(ClockDomain::new("sched", cfg.sched.freq_mhz)?);
    // Units.
    let mut units: Vec<(UnitInfo, Box<dyn crate::engine::Component<Msg>>)> = Vec::new();
    if let Some(n) = &cfg.npu {
        for i in 0..n.cores as usize {
            let u = crate::units::npu::NpuCore::new(i, n, Arc::clone(&work));
            units.push((u.info().clone(), Box::new(u)));
        }
    }
    if let Some(l) = &cfg.lut {
        for i in 0..l.count as usize {
            // The tiler weighs traffic against time with the memory's peak and latency.
            let (gbps, ns) = match &cfg.memory {
                MemoryConfig::Ideal(m) => (m.bw_gbps, m.latency_ns),
            };
            let u = crate::units::lut::LutUnit::new(i, l, Arc::clone(&work)).with_memory(gbps, ns);
            units.push((u.info().clone(), Box::new(u)));
        }
    }
    if let Some(p) = &cfg.piuma {
        let u = crate::units::piuma::unit::PiumaUnit::new(0, p, Arc::clone(&work));
        units.push((u.info().clone(), Box::new(u)));
    }
    if let Some(v) = &cfg.vector {
        for i in 0..v.count as usize {
            let u = crate::units::vector::VectorUnit::new(i, v, Arc::clone(&work));
            units.push((u.info().clone(), Box::new(u)));
        }
    }
    if let Some(d) = &cfg.dma {
        for i in 0..d.count as usize {
            let u = crate::units::dma::DmaUnit::new(i, d, Arc::clone(&work));
            units.push((u.info().clone(), Box::new(u)));
        }
    }
    let infos: Vec<UnitInfo> = units.iter().map(|(i, _)| i.clone()).collect();
    let plan: Plan = crate::sched::plan(&work, &infos, &cfg.sched.order)?;
    let sched = sim.add(
        Box::new(Scheduler::new(Arc::clone(&work), plan, units.len())),
        sched_clock,
    );
    let mut placed = Vec::new();
    for (info, comp) in units {
        let clk = sim.add_clock(ClockDomain::new(info.name.clone(), info.freq_mhz)?);
        let id = sim.add(comp, clk);
        placed.push((info, id));
    }
    let (memory, memory_kind, memory_peak_gbps) = match &cfg.memory {
        MemoryConfig::Ideal(m) => {
            let clk = sim.add_clock(ClockDomain::new("memory", m.freq_mhz)?);
            let mem = crate::mem::ideal::IdealMemory::new("memory", m, placed.len());
            (sim.add(Box::new(mem), clk), "ideal", m.bw_gbps)
        }
    };
    let d = cfg.sched.dispatch_latency_cycles;
    for (i, (_, id)) in placed.iter().enumerate() {
        sim.connect(
            sched,
            &format!("u{i}"),
            *id,
            "ctl",
            LinkSpec::latency(d),
            LinkSpec::latency(d),
        )?;
        sim.connect(
            *id,
            "mem",
            memory,
            &crate::mem::client_port(i),
            LinkSpec::latency(1),
            LinkSpec::latency(1),
        )?;
    }
    sim.check_wiring()?;
    Ok(System {
        sim,
        sched,
        units: placed,
        memory,
        memory_kind,
        memory_peak_gbps,
    })
}
