//! The NPU: systolic-array cores (OS/WS/IS dataflows) with double-buffered SRAMs and a DMA,
//! timed either as real hardware would run them (`physical`, the default) or exactly as
//! SCALE-Sim 3.0.0 does (`scalesim`).
//!
//! Contract. Each of the `cores` cores is one unit ([`NpuCore`]): a
//! [`crate::engine::Component`] with ports `ctl` (scheduler) and `mem` (one memory client
//! port). It runs one GEMM or GEMV at a time (`Msg::Issue`), answers `Msg::Done` with an
//! [`crate::arch::OpReport`] whose `compute_cycles` are the cycles its arrays computed and
//! whose `mem_stall_cycles` are the rest of the op's duration.
//!
//! - `physical` ([`physical`], [`schedule`]): the op runs the schedule (loop order and block
//!   sizes over its folds) with the fewest DRAM bytes (`npu.schedule = "min_traffic"`, or
//!   SCALE-Sim's fold order with `"fold_order"`), cut into steps (one fold, or one fold per
//!   array, per chunk of streamed vectors); the DMA loads each step's slices through `mem` as
//!   soon as their SRAM half is free, and writes outputs when complete. Each step is one event.
//! - `scalesim` ([`scalesim`]): the op's duration is SCALE-Sim's `Total Cycles (incl.
//!   prefetch)` + 1 for each batch instance: SCALE-Sim's own fixed-bandwidth DRAM pipe
//!   (`scalesim_*_bw_words`) decides every stall, and memory answers do not change it. The DRAM
//!   words SCALE-Sim counts are still sent through `mem` (one read for IFMAP, one for FILTER,
//!   one write for OFMAP, at the op's start, not waited for), so memory statistics and other
//!   units see the traffic. Requires `arrays_per_core = 1`.
//!
//! Files: [`config`] (the `[npu]` section), [`mapping`] (folds per dataflow), [`schedule`]
//! (schedule search and its plans), [`physical`] (fold-order plan and DMA pipeline), [`array`] (PE-by-PE reference of the fold timing),
//! [`scalesim`] (SCALE-Sim-exact timing), [`compat`] (SCALE-Sim file formats).

pub mod array;
pub mod compat;
pub mod config;
pub mod mapping;
pub mod physical;
pub mod scalesim;
pub mod schedule;

pub use config::{NpuConfig, Schedule, Timing};
pub use mapping::Dataflow;

use super::{CTL, MEM, UnitInfo, UnitKind};
use crate::arch::{Msg, OpReport};
use crate::engine::{Component, Ctx, PortId, Tick};
use crate::mem::MemReq;
use crate::stats::StatSet;
use crate::workload::{OpKind, Workload};
use physical::{Bases, Pipeline, PlanParams};
use std::sync::Arc;

/// One NPU core.
pub struct NpuCore {
    info: UnitInfo,
    cfg: NpuConfig,
    work: Arc<Workload>,
    op: Option<u32>,
    pipe: Pipeline,
    /// `scalesim` mode: the op's end tick and its report.
    pending: Option<(Tick, OpReport)>,
    ops_done: u64,
    busy_cycles: u64,
    compute_cycles: u64,
    stall_cycles: u64,
    macs: u64,
    bytes_read: u64,
    bytes_written: u64,
    scalesim_sram_reads: u64,
    scalesim_sram_writes: u64,
    /// MACs per element type (`mac_<dtype>` energy actions), in `DType::ALL` order.
    macs_by_type: [u64; 6],
    sram_read_bytes: u64,
    sram_write_bytes: u64,
    /// `|A| + |B| + |C|` of the ops run, in bytes.
    compulsory_bytes: u64,
}

impl NpuCore {
    /// Core `idx` of the NPU described by `cfg`.
    pub fn new(idx: usize, cfg: &NpuConfig, work: Arc<Workload>) -> Self {
        NpuCore {
            info: UnitInfo {
                kind: UnitKind::Npu,
                name: format!("npu{idx}"),
                freq_mhz: cfg.freq_mhz,
                peak_macs_per_cycle: cfg.peak_macs_per_cycle(),
                area_mm2: cfg.core_area_mm2(),
                peak_actions_per_cycle: vec![(
                    format!("mac_{}", cfg.peak_mac_kind()),
                    cfg.peak_macs_per_cycle(),
                )],
            },
            cfg: cfg.clone(),
            work,
            op: None,
            pipe: Pipeline::default(),
            pending: None,
            ops_done: 0,
            busy_cycles: 0,
            compute_cycles: 0,
            stall_cycles: 0,
            macs: 0,
            bytes_read: 0,
            bytes_written: 0,
            scalesim_sram_reads: 0,
            scalesim_sram_writes: 0,
            macs_by_type: [0; 6],
            sram_read_bytes: 0,
            sram_write_bytes: 0,
            compulsory_bytes: 0,
        }
    }

    /// Static information for the scheduler and reports.
    pub fn info(&self) -> &UnitInfo {
        &self.info
    }

    /// `(m, n, k, batch)` of a GEMM/GEMV op.
    fn shape(&self, op: u32) -> Option<(u64, u64, u64, u64)> {
        let o = &self.work.ops[op as usize];
        match o.kind {
            OpKind::Gemm { m, n, k } => Some((m, n, k, o.batch.max(1))),
            OpKind::Gemv { n, k } => Some((1, n, k, o.batch.max(1))),
            _ => None,
        }
    }

    /// Bits per activation and per weight element.
    fn elem_bits(&self, op: u32) -> (u64, u64) {
        let o = &self.work.ops[op as usize];
        match self.cfg.word_bytes {
            Some(w) => (w as u64 * 8, w as u64 * 8),
            None => (o.dtype.bits() as u64, o.weight_bits() as u64),
        }
    }

    fn start_physical(&mut self, op: u32, cx: &mut Ctx<'_, Msg>) {
        let Some((m, n, k, batch)) = self.shape(op) else {
            self.finish_now(op, cx);
            return;
        };
        let (ab, wb) = self.elem_bits(op);
        let p = PlanParams {
            rows: self.cfg.rows as u64,
            cols: self.cfg.cols as u64,
            arrays: self.cfg.arrays_per_core as u64,
            dataflow: self.cfg.dataflow,
            act_bits: ab,
            wgt_bits: wb,
            acc_bytes: self.cfg.acc_bytes as u64,
            ifmap_sram: self.cfg.ifmap_sram_kib as u64 * 1024,
            filter_sram: self.cfg.filter_sram_kib as u64 * 1024,
            ofmap_sram: self.cfg.ofmap_sram_kib as u64 * 1024,
        };
        let a = self.work.ops[op as usize].addrs;
        let (sa, sb, sc) = (
            (m * k * ab).div_ceil(8),
            (k * n * wb).div_ceil(8),
            (m * n * ab).div_ceil(8),
        );
        let mut steps = Vec::new();
        let geo = schedule::Geometry::new(&p, m, n, k);
        let tiling = match self.cfg.schedule {
            Schedule::FoldOrder => None,
            Schedule::MinTraffic => Some(schedule::choose_cached(&geo)),
        };
        for b in 0..batch {
            let base = Bases {
                a: a.a + b * sa,
                b: a.b + b * sb,
                c: a.c + b * sc,
            };
            match &tiling {
                None => physical::plan(&p, m, n, k, base, &mut steps),
                Some(t) => schedule::generate(&geo, t, base, &mut steps),
            }
        }
        if self.pipe.start(steps, 2, MEM, (op as u64) << 32, cx) {
            self.finish_physical(cx);
        }
    }

    fn start_scalesim(&mut self, op: u32, cx: &mut Ctx<'_, Msg>) {
        let Some((m, n, k, batch)) = self.shape(op) else {
            self.finish_now(op, cx);
            return;
        };
        let wbytes = self.cfg.word_bytes.unwrap_or(1) as u64;
        let words = |kib: u32| (kib as u64 * 1024 / wbytes).max(2);
        let arch = scalesim::Arch {
            rows: self.cfg.rows as u64,
            cols: self.cfg.cols as u64,
            dataflow: self.cfg.dataflow,
            ifmap_sram_words: words(self.cfg.ifmap_sram_kib),
            filter_sram_words: words(self.cfg.filter_sram_kib),
            ofmap_sram_words: words(self.cfg.ofmap_sram_kib),
            ifmap_bw: self.cfg.scalesim_ifmap_bw_words as u64,
            filter_bw: self.cfg.scalesim_filter_bw_words as u64,
            ofmap_bw: self.cfg.scalesim_ofmap_bw_words as u64,
            ifmap_offset: 0,
            filter_offset: 10_000_000,
            ofmap_offset: 20_000_000,
            calc: false,
        };
        let layer = scalesim::Layer::gemm(&self.work.ops[op as usize].id, m, n, k);
        let r = match scalesim::simulate(&arch, &layer) {
            Ok(r) => r,
            Err(_) => {
                // A single-cycle layer (1×1 array, 1-element GEMM): SCALE-Sim cannot report
                // it; charge its one cycle.
                scalesim::Report {
                    total_cycles_incl_prefetch: 0,
                    total_cycles: 0,
                    rows: 1,
                    ..Default::default()
                }
            }
        };
        let dur = batch * (r.total_cycles_incl_prefetch as u64 + 1);
        let compute = batch * r.rows;
        let addrs = self.work.ops[op as usize].addrs;
        let rd_a = batch * r.dram_ifmap_reads * wbytes;
        let rd_b = batch * r.dram_filter_reads * wbytes;
        let wr_c = batch * r.dram_ofmap_writes * wbytes;
        for (i, (addr, b, w)) in [
            (addrs.a, rd_a, false),
            (addrs.b, rd_b, false),
            (addrs.c, wr_c, true),
        ]
        .into_iter()
        .enumerate()
        {
            if b > 0 {
                cx.send(
                    MEM,
                    Msg::MemReq(MemReq {
                        id: ((op as u64) << 32) | (1 << 31) | i as u64,
                        addr,
                        bytes: b,
                        write: w,
                    }),
                );
            }
        }
        self.scalesim_sram_reads += batch * (r.sram_ifmap_reads + r.sram_filter_reads);
        self.scalesim_sram_writes += batch * r.sram_ofmap_writes;
        self.sram_read_bytes +=
            batch * (r.sram_ifmap_reads + r.sram_filter_reads + r.dram_ofmap_writes) * wbytes;
        self.sram_write_bytes +=
            batch * (r.sram_ofmap_writes + r.dram_ifmap_reads + r.dram_filter_reads) * wbytes;
        let end_cycle = cx.cycle() + dur;
        let rep = OpReport {
            op,
            start: cx.now(),
            end: cx.clock().tick_of(end_cycle),
            macs: batch * m * n * k,
            bytes_read: rd_a + rd_b,
            bytes_written: wr_c,
            compute_cycles: compute,
            mem_stall_cycles: dur - compute.min(dur),
        };
        self.pending = Some((rep.end, rep));
        cx.wake_at(end_cycle);
    }

    /// Ops this unit cannot run (the scheduler should not send them): done at once.
    fn finish_now(&mut self, op: u32, cx: &mut Ctx<'_, Msg>) {
        self.op = None;
        cx.send(
            CTL,
            Msg::Done(Box::new(OpReport {
                op,
                start: cx.now(),
                end: cx.now(),
                ..Default::default()
            })),
        );
    }

    fn account(&mut self, rep: &OpReport, cycles: u64) {
        if let Some((m, n, k, batch)) = self.shape(rep.op) {
            let (ab, wb) = self.elem_bits(rep.op);
            self.compulsory_bytes += batch
                * ((m * k * ab).div_ceil(8) + (k * n * wb).div_ceil(8) + (m * n * ab).div_ceil(8));
        }
        let dt = self.work.ops[rep.op as usize].dtype;
        if let Some(i) = crate::workload::DType::ALL.iter().position(|d| *d == dt) {
            self.macs_by_type[i] += rep.macs;
        }
        self.ops_done += 1;
        self.busy_cycles += cycles;
        self.compute_cycles += rep.compute_cycles;
        self.stall_cycles += rep.mem_stall_cycles;
        self.macs += rep.macs;
        self.bytes_read += rep.bytes_read;
        self.bytes_written += rep.bytes_written;
    }

    /// A memory response. In `scalesim` mode the traffic is only accounted (its timing is
    /// SCALE-Sim's), so responses are ignored.
    fn on_mem_resp(&mut self, id: u64, cx: &mut Ctx<'_, Msg>) {
        if self.cfg.timing == Timing::Physical
            && self.op.is_some()
            && self.pipe.owns(id)
            && self.pipe.on_resp(id, cx)
        {
            self.finish_physical(cx);
        }
    }

    fn finish_physical(&mut self, cx: &mut Ctx<'_, Msg>) {
        let Some(op) = self.op.take() else { return };
        let start = self.pipe.started();
        let clock = cx.clock();
        let cycles = clock.cycle_at_or_before(cx.now()).0 - clock.cycle_at_or_before(start).0;
        let compute = self.pipe.compute_cycles().min(cycles);
        let macs = self
            .shape(op)
            .map(|(m, n, k, b)| m * n * k * b)
            .unwrap_or(0);
        let rep = OpReport {
            op,
            start,
            end: cx.now(),
            macs,
            bytes_read: self.pipe.bytes_read(),
            bytes_written: self.pipe.bytes_written(),
            compute_cycles: compute,
            mem_stall_cycles: cycles - compute,
        };
        // SRAM traffic: the arrays' operand reads plus the outputs read out for writing;
        // everything loaded from memory plus the outputs is written into the SRAMs.
        self.sram_read_bytes += self.pipe.sram_read() + self.pipe.bytes_written();
        self.sram_write_bytes += self.pipe.bytes_read() + self.pipe.bytes_written();
        self.account(&rep, cycles);
        cx.send(CTL, Msg::Done(Box::new(rep)));
    }
}

impl Component<Msg> for NpuCore {
    fn name(&self) -> &str {
        &self.info.name
    }

    fn ports(&self) -> Vec<String> {
        super::unit_ports()
    }

    fn on_message(&mut self, port: PortId, msg: Msg, cx: &mut Ctx<'_, Msg>) {
        match (port, msg) {
            (CTL, Msg::Issue { op }) => {
                debug_assert!(self.op.is_none(), "the scheduler issued to a busy unit");
                self.op = Some(op);
                match self.cfg.timing {
                    Timing::Physical => self.start_physical(op, cx),
                    Timing::Scalesim => self.start_scalesim(op, cx),
                }
            }
            (MEM, Msg::MemResp(r)) => self.on_mem_resp(r.id, cx),
            _ => {}
        }
    }

    fn on_wake(&mut self, cx: &mut Ctx<'_, Msg>) {
        match self.cfg.timing {
            Timing::Physical => {
                if self.op.is_some() && self.pipe.on_wake(cx) {
                    self.finish_physical(cx);
                }
            }
            Timing::Scalesim => {
                if let Some((end, _)) = &self.pending
                    && cx.now() >= *end
                {
                    let (_, rep) = self.pending.take().expect("pending op");
                    let clock = cx.clock();
                    let cycles =
                        clock.cycle_at_or_before(rep.end).0 - clock.cycle_at_or_before(rep.start).0;
                    self.account(&rep, cycles);
                    self.op = None;
                    cx.send(CTL, Msg::Done(Box::new(rep)));
                }
            }
        }
    }

    fn waiting_for(&self) -> Option<String> {
        self.op.map(|o| match self.cfg.timing {
            Timing::Physical => format!(
                "op `{}` in progress, {}",
                self.work.ops[o as usize].id,
                self.pipe.state()
            ),
            Timing::Scalesim => format!("op `{}` in progress", self.work.ops[o as usize].id),
        })
    }

    fn stats(&self, s: &mut StatSet) {
        s.text(
            "timing",
            match self.cfg.timing {
                Timing::Physical => "physical",
                Timing::Scalesim => "scalesim",
            },
            "Timing mode of the core.",
        );
        s.int("ops", self.ops_done, "ops", "Ops completed.");
        s.int(
            "busy_cycles",
            self.busy_cycles,
            "cycles",
            "Cycles with an op in progress.",
        );
        s.int(
            "compute_cycles",
            self.compute_cycles,
            "cycles",
            "Cycles the arrays computed (streaming, tile loads, fill and drain).",
        );
        s.int(
            "mem_stall_cycles",
            self.stall_cycles,
            "cycles",
            "Busy cycles not computing: waiting for data or for a free output buffer.",
        );
        s.int(
            "macs",
            self.macs,
            "ops",
            "Multiply-accumulates on real data.",
        );
        let peak = self.cfg.peak_macs_per_cycle();
        s.float(
            "utilization",
            if self.busy_cycles > 0 {
                self.macs as f64 / (self.busy_cycles as f64 * peak)
            } else {
                0.0
            },
            "ratio",
            "MACs / (busy cycles × PEs of the core).",
        );
        s.int(
            "bytes_read",
            self.bytes_read,
            "bytes",
            "Bytes read from memory.",
        );
        s.int(
            "bytes_written",
            self.bytes_written,
            "bytes",
            "Bytes written to memory.",
        );
        s.int(
            "compulsory_bytes",
            self.compulsory_bytes,
            "bytes",
            "|A| + |B| + |C| of the ops run: the least memory traffic any schedule needs.",
        );
        if self.cfg.timing == Timing::Physical {
            s.text(
                "schedule",
                match self.cfg.schedule {
                    Schedule::MinTraffic => "min_traffic",
                    Schedule::FoldOrder => "fold_order",
                },
                "How physical mode orders and blocks the folds of a GEMM.",
            );
        }
        let a = crate::stats::energy::ACTIONS;
        for (i, d) in crate::workload::DType::ALL.iter().enumerate() {
            if self.macs_by_type[i] > 0 {
                s.int(
                    &format!("mac_{}", d.name()),
                    self.macs_by_type[i],
                    a,
                    "Multiply-accumulates of this element type (energy action).",
                );
            }
        }
        s.int(
            "sram_read_byte",
            self.sram_read_bytes,
            a,
            "Bytes read from the core's SRAMs (energy action).",
        );
        s.int(
            "sram_write_byte",
            self.sram_write_bytes,
            a,
            "Bytes written to the core's SRAMs (energy action).",
        );
        if self.cfg.timing == Timing::Scalesim {
            s.int(
                "scalesim_sram_reads",
                self.scalesim_sram_reads,
                "words",
                "IFMAP + FILTER SRAM reads as SCALE-Sim counts them.",
            );
            s.int(
                "scalesim_sram_writes",
                self.scalesim_sram_writes,
                "words",
                "OFMAP SRAM writes as SCALE-Sim counts them (OS: + R + C per fold).",
            );
        }
    }
}
