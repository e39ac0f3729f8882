//! The tensor-core unit component: turns an op into phases of streamer tiles (an optional
//! table precompute, then the GEMM's waves and K chunks) and runs them one after another.

use super::config::{Datapath, LutConfig, Placement};
use super::precompute::{self, PreInputs, TABLE_REGION};
use super::tiling::{self, Chip};
use super::{OpModel, chip_area_mm2, gemm_of, peak};
use crate::arch::{Msg, OpReport};
use crate::engine::{Component, Ctx, PortId, Tick};
use crate::stats::StatSet;
use crate::units::stream::{Streamer, Tile};
use crate::units::{CTL, MEM, UnitInfo, UnitKind};
use crate::workload::{OpKind, Workload};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One phase of an op: tiles streamed after an optional delay.
#[derive(Debug, Default)]
struct Phase {
    tiles: Vec<Tile>,
    delay_cycles: u64,
    precompute: bool,
}

/// Counters of the unit.
#[derive(Debug, Default)]
struct Counters {
    ops: u64,
    busy_cycles: u64,
    compute_cycles: u64,
    precompute_cycles: u64,
    instructions: u64,
    operand_stall_cycles: u64,
    simt_bound_cycles: u64,
    tables_built: u64,
    table_bytes_written: u64,
    unit_tables_built: u64,
    unfusable: u64,
    fallback_ops: u64,
    actions: BTreeMap<&'static str, u64>,
}

/// A tensor-core unit instance (one chip).
pub struct LutUnit {
    info: UnitInfo,
    cfg: LutConfig,
    work: Arc<Workload>,
    op: Option<u32>,
    op_start: Tick,
    phases: Vec<Phase>,
    phase: usize,
    phase_start: Tick,
    launching: bool,
    stream: Streamer,
    compute: u64,
    bytes_read: u64,
    bytes_written: u64,
    built: BTreeSet<(u32, u64)>,
    mem_gbps: f64,
    mem_latency_ns: f64,
    c: Counters,
}

impl LutUnit {
    /// Instance `idx` of the unit.
    pub fn new(idx: usize, cfg: &LutConfig, work: Arc<Workload>) -> Self {
        let (peak_macs, peak_actions) = peak(cfg);
        LutUnit {
            info: UnitInfo {
                kind: UnitKind::Lut,
                name: format!("lut{idx}"),
                freq_mhz: cfg.freq_mhz,
                peak_macs_per_cycle: peak_macs,
                area_mm2: chip_area_mm2(cfg),
                peak_actions_per_cycle: peak_actions,
            },
            cfg: cfg.clone(),
            work,
            op: None,
            op_start: Tick::ZERO,
            phases: Vec::new(),
            phase: 0,
            phase_start: Tick::ZERO,
            launching: false,
            stream: Streamer::default(),
            compute: 0,
            bytes_read: 0,
            bytes_written: 0,
            built: BTreeSet::new(),
            mem_gbps: 1555.0,
            mem_latency_ns: 200.0,
            c: Counters::default(),
        }
    }

    /// Tell the tiler the peak bandwidth (GB/s) and idle latency (ns) of the memory behind
    /// the unit (defaults: 1555 GB/s and 200 ns, an A100 40 GB).
    pub fn with_memory(mut self, gbps: f64, latency_ns: f64) -> Self {
        self.mem_gbps = gbps;
        self.mem_latency_ns = latency_ns;
        self
    }

    /// Static information for the scheduler and reports.
    pub fn info(&self) -> &UnitInfo {
        &self.info
    }

    fn chip(&self) -> Chip {
        Chip {
            sms: self.cfg.sms as u64,
            smem_bytes: self.cfg.smem_kib as u64 * 1024,
            stages: self.cfg.smem_stages as u64,
            tile_m: self.cfg.tile_m as u64,
            tile_n: self.cfg.tile_n as u64,
            tile_k: self.cfg.tile_k as u64,
            max_resident: self.cfg.max_resident as u64,
            units: self.cfg.tcs_per_sm as u64
                * match &self.cfg.datapath {
                    Datapath::Lut(c) => c.arrays_per_tc as u64,
                    Datapath::Mac(_) => 1,
                },
            mem_bytes_per_cycle: self.mem_gbps * 1000.0 / self.cfg.freq_mhz,
            l2_bytes: self.cfg.l2_kib as u64 * 1024,
            mem_latency_cycles: self.mem_latency_ns * self.cfg.freq_mhz / 1000.0,
        }
    }

    /// Build the phases of op `idx` and count its actions.
    fn phases(&mut self, idx: u32) -> Vec<Phase> {
        let work = Arc::clone(&self.work);
        let op = &work.ops[idx as usize];
        let Some(g) = gemm_of(op) else {
            return Vec::new();
        };
        let model = OpModel::new(&self.cfg, op);
        let chip = self.chip();
        let sms = chip.sms;
        let tcs = self.cfg.tcs_per_sm as u64;
        let simt = self.cfg.simt_ops_per_cycle as u64;
        let mut phases = Vec::new();
        // Tables are identified by the op that produced the activations (or the op itself
        // when nothing did) and their size.
        let producer = op.deps.first().copied();
        let key = (producer.unwrap_or(idx), g.batch * g.m * g.k);
        let table_addr = TABLE_REGION + ((key.0 as u64) << 36);
        if let (Some(place), Some(t)) = (model.precompute, model.tables)
            && !self.built.contains(&key)
        {
            self.built.insert(key);
            let fusable = producer
                .is_some_and(|p| matches!(work.ops[p as usize].kind, OpKind::Elementwise { .. }));
            let fused = place == Placement::Fused && fusable;
            if place == Placement::Fused && !fusable {
                self.c.unfusable += 1;
            }
            let launch = match &self.cfg.datapath {
                Datapath::Lut(c) if !fused => {
                    (c.precompute_launch_ns * self.cfg.freq_mhz / 1000.0).ceil() as u64
                }
                _ => 0,
            };
            let pre = precompute::plan(
                &t,
                &PreInputs {
                    rows: g.batch * g.m,
                    kdim: g.k,
                    act_bits: op.dtype.bits() as u64,
                    act_addr: op.addrs.a,
                    table_addr,
                    chip_simt_ops: sms * simt,
                    chunk_budget: sms * chip.smem_bytes / chip.stages.max(1),
                    fused,
                    hidden_cycles: producer
                        .map(|p| {
                            let b = work.ops[p as usize].operand_bytes().total();
                            (b as f64 / chip.mem_bytes_per_cycle.max(1e-9)) as u64
                        })
                        .unwrap_or(0),
                },
            );
            *self.c.actions.entry("simt_op").or_default() += pre.ops;
            self.c.tables_built += t.groups(g.batch * g.m, g.k);
            self.c.table_bytes_written += pre.table_bytes;
            phases.push(Phase {
                tiles: pre.tiles,
                delay_cycles: launch,
                precompute: true,
            });
        }
        let a_base = if model.precompute.is_some() {
            table_addr
        } else {
            op.addrs.a
        };
        let cost = |tm: u64, tn: u64, k: u64| model.chunk(tm, tn, k, tcs, simt).cycles;
        let plan = tiling::plan(g, model.instr, model.a_bits, model.w_bits, &chip, &cost);
        let mut tiles = Vec::with_capacity(plan.waves.len() * plan.chunks.len());
        let last = plan.chunks.len() - 1;
        for w in &plan.waves {
            let mut k_done = 0;
            for (ci, ch) in plan.chunks.iter().enumerate() {
                // An SM runs its resident tiles one after another.
                let per_sm = w.tiles.div_ceil(sms);
                let t = model.chunk(w.tile_m, w.tile_n, ch.k_max, tcs, simt);
                self.c.operand_stall_cycles += per_sm * t.stall;
                if t.simt > t.tc {
                    self.c.simt_bound_cycles += per_sm * (t.cycles - t.tc);
                }
                let a_off = model.a_bits.bytes(w.a_off + w.a_rows * k_done);
                let w_off = model.w_bits.bytes(w.w_off + w.w_cols * k_done);
                k_done += ch.k_total;
                let (compute, write) = if ci == last {
                    (
                        per_sm * t.cycles + model.drain,
                        (
                            op.addrs.c + (w.c_off * model.out_bits).div_ceil(8),
                            (w.out_elems * model.out_bits).div_ceil(8),
                        ),
                    )
                } else {
                    (per_sm * t.cycles, (0, 0))
                };
                tiles.push(Tile {
                    reads: [
                        (a_base + a_off, model.a_bits.bytes(w.a_rows * ch.k_total)),
                        (
                            op.addrs.b + w_off,
                            model.w_bits.bytes(w.w_cols * ch.k_total),
                        ),
                    ],
                    compute_cycles: compute,
                    write,
                });
            }
        }
        // Action counts of the whole op.
        if model.on_tc {
            self.c.instructions += plan.instrs;
            *self.c.actions.entry(model.action.0).or_default() += plan.instrs * model.action.1;
            let unit_ops = plan.instrs * model.unit_build_ops;
            if unit_ops > 0 {
                *self.c.actions.entry("lut_precompute_unit_op").or_default() += unit_ops;
                if let Some(t) = model.tables {
                    self.c.unit_tables_built += unit_ops / t.ops.max(1);
                }
            }
            let (m_tiles, n_tiles) = (g.m.div_ceil(plan.tm), g.n.div_ceil(plan.tn));
            let conv = g.batch
                * g.k
                * (m_tiles * g.n * model.simt_per_weight + n_tiles * g.m * model.simt_per_act);
            if conv > 0 {
                *self.c.actions.entry("simt_op").or_default() += conv;
            }
        } else {
            self.c.fallback_ops += 1;
            let a = crate::stats::energy::mac_action(op.dtype);
            *self.c.actions.entry(a).or_default() += op.macs();
        }
        phases.push(Phase {
            tiles,
            delay_cycles: 0,
            precompute: false,
        });
        phases
    }

    /// Start phase `self.phase` (after its delay, if any). Returns true if the op is done.
    fn start_phase(&mut self, cx: &mut Ctx<'_, Msg>) -> bool {
        loop {
            let Some(op) = self.op else { return true };
            if self.phase >= self.phases.len() {
                return true;
            }
            let p = &mut self.phases[self.phase];
            if p.delay_cycles > 0 && !self.launching {
                self.launching = true;
                cx.wake_in(p.delay_cycles);
                return false;
            }
            self.launching = false;
            self.phase_start = cx.now();
            let tiles = std::mem::take(&mut p.tiles);
            let id_base = ((op as u64) << 32) | ((self.phase as u64) << 30);
            let depth = self.cfg.smem_stages as usize;
            if !self.stream.start(tiles, depth, MEM, id_base, cx) {
                return false;
            }
            self.end_phase(cx);
        }
    }

    /// Account the finished phase and move to the next.
    fn end_phase(&mut self, cx: &mut Ctx<'_, Msg>) {
        self.compute += self.stream.compute_cycles();
        self.bytes_read += self.stream.bytes_read();
        self.bytes_written += self.stream.bytes_written();
        if self.phases[self.phase].precompute {
            let clock = cx.clock();
            self.c.precompute_cycles += clock.cycle_at_or_before(cx.now()).0
                - clock.cycle_at_or_before(self.phase_start).0
                + self.phases[self.phase].delay_cycles;
        }
        self.phase += 1;
    }

    /// Continue after a phase finished; report the op when the last one has.
    fn advance(&mut self, cx: &mut Ctx<'_, Msg>) {
        self.end_phase(cx);
        if self.start_phase(cx) {
            self.finish(cx);
        }
    }

    fn finish(&mut self, cx: &mut Ctx<'_, Msg>) {
        let Some(op) = self.op.take() else { return };
        let clock = cx.clock();
        let cycles =
            clock.cycle_at_or_before(cx.now()).0 - clock.cycle_at_or_before(self.op_start).0;
        self.c.ops += 1;
        self.c.busy_cycles += cycles;
        self.c.compute_cycles += self.compute;
        let macs = self.work.ops[op as usize].macs();
        cx.send(
            CTL,
            Msg::Done(Box::new(OpReport {
                op,
                start: self.op_start,
                end: cx.now(),
                macs,
                bytes_read: self.bytes_read,
                bytes_written: self.bytes_written,
                compute_cycles: self.compute,
                mem_stall_cycles: cycles.saturating_sub(self.compute),
            })),
        );
    }
}

impl Component<Msg> for LutUnit {
    fn name(&self) -> &str {
        &self.info.name
    }

    fn ports(&self) -> Vec<String> {
        crate::units::unit_ports()
    }

    fn on_message(&mut self, port: PortId, msg: Msg, cx: &mut Ctx<'_, Msg>) {
        match (port, msg) {
            (CTL, Msg::Issue { op }) => {
                debug_assert!(self.op.is_none(), "the scheduler issued to a busy unit");
                self.op = Some(op);
                self.op_start = cx.now();
                self.compute = 0;
                self.bytes_read = 0;
                self.bytes_written = 0;
                self.phases = self.phases(op);
                self.phase = 0;
                if self.start_phase(cx) {
                    self.finish(cx);
                }
            }
            (MEM, Msg::MemResp(r)) if self.op.is_some() && self.stream.owns(r.id) => {
                let done = self.stream.on_resp(r.id, cx);
                if done {
                    self.advance(cx);
                }
            }
            _ => {}
        }
    }

    fn on_wake(&mut self, cx: &mut Ctx<'_, Msg>) {
        if self.op.is_none() {
            return;
        }
        if self.launching {
            if self.start_phase(cx) {
                self.finish(cx);
            }
        } else if self.stream.on_wake(cx) {
            self.advance(cx);
        }
    }

    fn waiting_for(&self) -> Option<String> {
        self.op.map(|o| {
            format!(
                "op `{}` in progress (phase {} of {})",
                self.work.ops[o as usize].id,
                self.phase + 1,
                self.phases.len()
            )
        })
    }

    fn stats(&self, s: &mut StatSet) {
        let c = &self.c;
        s.int("ops", c.ops, "ops", "Ops completed.");
        s.int(
            "busy_cycles",
            c.busy_cycles,
            "cycles",
            "Cycles with an op in progress.",
        );
        s.int(
            "compute_cycles",
            c.compute_cycles,
            "cycles",
            "Cycles the SMs computed (tensor cores, SIMT conversion, table building).",
        );
        s.int(
            "precompute_cycles",
            c.precompute_cycles,
            "cycles",
            "Cycles spent in table-precompute phases (fused extra work or separate ops).",
        );
        s.int(
            "instructions",
            c.instructions,
            "instructions",
            "Tensor-core instructions (LMMA or MMA) over all SMs, padding included.",
        );
        s.int(
            "operand_stall_cycles",
            c.operand_stall_cycles,
            "cycles",
            "Per-SM tensor-core cycles beyond the instructions' occupancy: the register file (or an in-unit precompute unit) could not keep up.",
        );
        s.int(
            "simt_bound_cycles",
            c.simt_bound_cycles,
            "cycles",
            "Per-SM chunk cycles added because SIMT conversion took longer than the tensor cores.",
        );
        s.int(
            "tables_built",
            c.tables_built,
            "tables",
            "Tables built by precompute phases (one per activation row and group of K).",
        );
        s.int(
            "table_bytes_written",
            c.table_bytes_written,
            "bytes",
            "Bytes of tables produced by precompute phases.",
        );
        s.int(
            "precompute_unit_tables",
            c.unit_tables_built,
            "tables",
            "Tables built by in-unit precompute units (every instruction rebuilds its own).",
        );
        s.int(
            "precompute_unfusable",
            c.unfusable,
            "ops",
            "Ops whose producer is not element-wise, so fused precompute fell back to a separate op.",
        );
        s.int(
            "fallback_ops",
            c.fallback_ops,
            "ops",
            "Ops with floating-point weights run on the SIMT lanes of a LUT chip.",
        );
        let a = crate::stats::energy::ACTIONS;
        for (name, n) in &c.actions {
            let desc = match *name {
                "lut_select" => {
                    "LUT table selections (one entry selected, sign-flipped, shifted, accumulated) (energy action)."
                }
                "tc_mac_fp16" => "FP16 tensor-core MACs, padding included (energy action).",
                "tc_mac_int8" => "INT8 tensor-core MACs, padding included (energy action).",
                "simt_op" => {
                    "SIMT ALU ops for dequantisation, conversion and table building (energy action)."
                }
                "lut_precompute_unit_op" => {
                    "Adds in the precompute units beside the arrays (energy action)."
                }
                _ => "MACs on the SIMT lanes (fallback) (energy action).",
            };
            s.int(name, *n, a, desc);
        }
    }
}
