//! Running a system and reporting on it: derived metrics, the run directory, the summary on
//! stdout. Every file is documented column by column in `docs/OUTPUTS.md`.

pub mod files;
pub mod timeline;

use crate::arch::{self, BuildError};
use crate::config::Loaded;
use crate::engine::{SimError, Tick};
use crate::sched::{OpRecord, Scheduler};
use crate::stats::StatSet;
use crate::units::UnitInfo;
use crate::workload::Workload;
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

/// Version of `summary.json`, `stats.json` and `manifest.json`.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// Errors of a run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The system could not be built (e.g. an op no unit can run).
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The simulation failed (deadlock, time limit).
    #[error("simulation failed: {0}")]
    Sim(#[from] SimError),
}

/// Everything a finished run produced.
pub struct RunResult {
    /// The config that ran.
    pub loaded: Loaded,
    /// The workload that ran.
    pub work: Arc<Workload>,
    /// One record per op, in op order.
    pub records: Vec<OpRecord>,
    /// Unit instances, in scheduler order.
    pub units: Vec<UnitInfo>,
    /// Every clock domain: (name, MHz).
    pub clocks: Vec<(String, f64)>,
    /// End of the run.
    pub end: Tick,
    /// Events processed.
    pub events: u64,
    /// Statistics of every component.
    pub stats: Vec<(String, StatSet)>,
    /// Memory kind and peak bandwidth.
    pub memory_kind: &'static str,
    /// Peak memory bandwidth in GB/s.
    pub memory_peak_gbps: f64,
    /// Wall-clock seconds spent simulating (excludes loading and writing).
    pub wall_s: f64,
}

/// Build the system for `loaded` and `work` and run it to completion.
pub fn simulate(loaded: Loaded, work: Arc<Workload>) -> Result<RunResult, RunError> {
    let t0 = Instant::now();
    let mut sys = arch::build(&loaded.config, Arc::clone(&work))?;
    let limit = loaded.config.sim.max_time_ns.map(Tick::from_ns);
    let info = sys.sim.run(limit)?;
    let wall_s = t0.elapsed().as_secs_f64();
    let sched = sys
        .sim
        .get::<Scheduler>(sys.sched)
        .expect("component 0 is the scheduler");
    let records: Vec<OpRecord> = sched
        .records()
        .iter()
        .map(|r| r.clone().expect("a run without deadlock finishes every op"))
        .collect();
    let mut clocks = vec![("sched".to_string(), loaded.config.sched.freq_mhz)];
    for (u, _) in &sys.units {
        clocks.push((u.name.clone(), u.freq_mhz));
    }
    clocks.push((
        "memory".to_string(),
        sys.sim.clock_of(sys.memory).freq_mhz(),
    ));
    Ok(RunResult {
        units: sys.units.iter().map(|(u, _)| u.clone()).collect(),
        stats: sys.sim.stats(),
        records,
        clocks,
        end: info.end,
        events: info.events,
        memory_kind: sys.memory_kind,
        memory_peak_gbps: sys.memory_peak_gbps,
        loaded,
        work,
        wall_s,
    })
}

/// Cycles of a clock of `mhz` in `t` (rounded up: a partial cycle counts).
pub fn cycles_at(mhz: f64, t: Tick) -> u64 {
    match crate::engine::ClockDomain::new("", mhz) {
        Ok(c) => c.cycle_at_or_after(t).0,
        Err(_) => 0,
    }
}

/// Per-unit figures of `summary.json`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct UnitSummary {
    /// Instance name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Clock in MHz.
    pub freq_mhz: f64,
    /// Ops run.
    pub ops: u64,
    /// Cycles with an op in progress.
    pub busy_cycles: u64,
    /// busy_cycles / total cycles of this unit's clock.
    pub utilisation: f64,
    /// Cycles computing, summed over ops.
    pub compute_cycles: u64,
    /// Cycles waiting for memory, summed over ops.
    pub mem_stall_cycles: u64,
    /// Useful MACs.
    pub macs: u64,
    /// Peak MACs per cycle (0 for units without MACs).
    pub peak_macs_per_cycle: f64,
    /// macs / (peak_macs_per_cycle * total cycles of this clock); 0 without MACs.
    pub mac_utilisation: f64,
    /// Bytes read by this unit's ops.
    pub bytes_read: u64,
    /// Bytes written by this unit's ops.
    pub bytes_written: u64,
    /// Area from the unit's config, mm^2 (0: not modelled).
    pub area_mm2: f64,
    /// Peak throughput: 2 x peak_macs_per_cycle x freq, in 10^12 ops per second.
    pub peak_tops: f64,
    /// Datapath power at peak: sum over the unit's peak actions of actions per cycle x freq
    /// x the action's energy in `[energy]`, W.
    pub peak_power_w: f64,
}

/// Memory figures of `summary.json`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct MemorySummary {
    /// Model kind.
    pub kind: String,
    /// Bytes read.
    pub bytes_read: u64,
    /// Bytes written.
    pub bytes_written: u64,
    /// (read + written) / total time, GB/s.
    pub achieved_gbps: f64,
    /// Peak bandwidth, GB/s.
    pub peak_gbps: f64,
    /// achieved / peak.
    pub bandwidth_utilisation: f64,
}

/// The contents of `summary.json`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Summary {
    /// Format version.
    pub schema_version: u32,
    /// System name from the config.
    pub system: String,
    /// Trace (file or generator).
    pub trace: String,
    /// Seed of the run.
    pub seed: u64,
    /// Ops in the trace.
    pub ops: usize,
    /// Simulated time at which the last op finished, ns.
    pub total_time_ns: f64,
    /// Total cycles in each clock domain.
    pub total_cycles: std::collections::BTreeMap<String, u64>,
    /// Useful MACs of all ops.
    pub macs: u64,
    /// MACs per second of simulated time (10^12 = 1 TMAC/s), counting 1 MAC as 2 ops: TOPS.
    pub achieved_tops: f64,
    /// Per unit, in scheduler order.
    pub units: Vec<UnitSummary>,
    /// The memory.
    pub memory: MemorySummary,
    /// Energy of the run.
    pub energy: EnergySummary,
    /// Sum of the units' areas, mm^2.
    pub area_mm2: f64,
    /// Sum of the units' peak throughputs, TOPS (1 MAC = 2 ops).
    pub peak_tops: f64,
    /// Sum of the units' datapath power at peak, W.
    pub peak_power_w: f64,
    /// Compute density: peak_tops / area_mm2 (0 without area).
    pub tops_per_mm2: f64,
    /// Energy efficiency at peak: peak_tops / peak_power_w (0 without power).
    pub tops_per_w: f64,
}

/// Energy figures of `summary.json`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EnergySummary {
    /// Sum of every action's energy, pJ.
    pub total_pj: f64,
    /// total_pj / total_time, W.
    pub average_power_w: f64,
    /// Energy per component, pJ, in component order.
    pub per_component: Vec<(String, f64)>,
    /// Actions counted for which the config gives no energy (counted as 0).
    pub unpriced_actions: Vec<String>,
}

impl RunResult {
    /// Derived metrics for `summary.json`.
    pub fn summary(&self) -> Summary {
        let end = self.end;
        let mut units: Vec<UnitSummary> = self
            .units
            .iter()
            .map(|u| UnitSummary {
                name: u.name.clone(),
                kind: u.kind.name().to_string(),
                freq_mhz: u.freq_mhz,
                ops: 0,
                busy_cycles: 0,
                utilisation: 0.0,
                compute_cycles: 0,
                mem_stall_cycles: 0,
                macs: 0,
                peak_macs_per_cycle: u.peak_macs_per_cycle,
                mac_utilisation: 0.0,
                bytes_read: 0,
                bytes_written: 0,
                area_mm2: u.area_mm2,
                peak_tops: 2.0 * u.peak_macs_per_cycle * u.freq_mhz * 1e6 / 1e12,
                peak_power_w: u
                    .peak_actions_per_cycle
                    .iter()
                    .map(|(a, n)| {
                        // actions/cycle x cycles/s x pJ = pJ/s; 1e-12 W per pJ/s.
                        n * u.freq_mhz
                            * 1e6
                            * self.loaded.config.energy.pj(a).unwrap_or(0.0)
                            * 1e-12
                    })
                    .sum(),
            })
            .collect();
        for r in &self.records {
            let u = &mut units[r.unit as usize];
            u.ops += 1;
            u.busy_cycles += op_cycles(u.freq_mhz, r);
            u.compute_cycles += r.report.compute_cycles;
            u.mem_stall_cycles += r.report.mem_stall_cycles;
            u.macs += r.report.macs;
            u.bytes_read += r.report.bytes_read;
            u.bytes_written += r.report.bytes_written;
        }
        for u in &mut units {
            let total = cycles_at(u.freq_mhz, end);
            u.utilisation = ratio(u.busy_cycles as f64, total as f64);
            u.mac_utilisation = ratio(u.macs as f64, u.peak_macs_per_cycle * total as f64);
        }
        let mem_stats = self
            .stats
            .iter()
            .find(|(n, _)| n == "memory")
            .map(|(_, s)| s);
        let get = |k: &str| {
            mem_stats
                .and_then(|s| s.get(k))
                .and_then(|v| v.as_f64())
                .unwrap_or(0.0) as u64
        };
        let (br, bw) = (get("bytes_read"), get("bytes_written"));
        let ns = end.as_ns();
        let achieved = ratio((br + bw) as f64, ns);
        let macs: u64 = self.records.iter().map(|r| r.report.macs).sum();
        let terms = self.loaded.config.energy.terms(&self.stats);
        let total_pj: f64 = terms.iter().map(|t| t.energy_pj).sum();
        let mut per_component: Vec<(String, f64)> = Vec::new();
        let mut unpriced = Vec::new();
        for t in &terms {
            match per_component.iter_mut().find(|(c, _)| *c == t.component) {
                Some((_, e)) => *e += t.energy_pj,
                None => per_component.push((t.component.clone(), t.energy_pj)),
            }
            if t.pj_each.is_none() && !unpriced.contains(&t.action) {
                unpriced.push(t.action.clone());
            }
        }
        let area_mm2: f64 = units.iter().map(|u| u.area_mm2).sum();
        let peak_tops: f64 = units.iter().map(|u| u.peak_tops).sum();
        let peak_power_w: f64 = units.iter().map(|u| u.peak_power_w).sum();
        Summary {
            area_mm2,
            peak_tops,
            peak_power_w,
            tops_per_mm2: ratio(peak_tops, area_mm2),
            tops_per_w: ratio(peak_tops, peak_power_w),
            schema_version: REPORT_SCHEMA_VERSION,
            system: self.loaded.config.name.clone(),
            trace: self.work.source.clone(),
            seed: self.loaded.config.sim.seed,
            ops: self.records.len(),
            total_time_ns: ns,
            total_cycles: self
                .clocks
                .iter()
                .map(|(n, f)| (n.clone(), cycles_at(*f, end)))
                .collect(),
            macs,
            achieved_tops: ratio(2.0 * macs as f64, ns * 1000.0),
            units,
            memory: MemorySummary {
                kind: self.memory_kind.to_string(),
                bytes_read: br,
                bytes_written: bw,
                achieved_gbps: achieved,
                peak_gbps: self.memory_peak_gbps,
                bandwidth_utilisation: ratio(achieved, self.memory_peak_gbps),
            },
            energy: EnergySummary {
                total_pj,
                // pJ / ns = mW; / 1000 = W.
                average_power_w: ratio(total_pj, ns) / 1000.0,
                per_component,
                unpriced_actions: unpriced,
            },
        }
    }
}

/// Cycles of an op on a unit clocked at `mhz`.
pub fn op_cycles(mhz: f64, r: &OpRecord) -> u64 {
    cycles_at(mhz, r.report.end).saturating_sub(cycles_at(mhz, r.report.start))
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}
