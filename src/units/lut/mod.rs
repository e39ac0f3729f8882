//! Tensor-core unit: a chip of SMs whose tensor cores are LUT arrays (LUT Tensor Core,
//! Mo et al., ISCA 2025) or MAC tensor cores (the FP16 and INT8 baselines and the
//! dequantise-then-multiply path), running `gemm` and `gemv` ops with low-bit weights.
//!
//! # Contract
//! The unit follows [`crate::units`]' contract (ports `ctl` and `mem`, one op at a time).
//! An op runs on the whole chip: it is tiled over the SMs ([`tiling`]), its K loop streams
//! through shared memory in chunks with the shared tile streamer ([`crate::units::stream`]),
//! and each chunk costs the closed-form time of the datapath ([`OpModel::chunk`]): one event
//! per (wave, chunk), exact for the model below because every SM of a wave runs the same
//! instruction sequence. LUT ops that need tables built first run a precompute phase
//! ([`precompute`]) before the GEMM phase.
//!
//! # Datapaths (`[lut.datapath] kind = ...`)
//! Both are described to the tiler by one instruction: its shape (`m x n x k`), the
//! cycles it occupies its unit, its register-file operand bytes, and the energy actions it
//! performs.
//! - `lut` ([`array`]): one array's LMMA, M x N x K, W cycles for W-bit weights,
//!   `pipeline_stages` cycles of drain; a tensor core has `arrays_per_tc` arrays issuing
//!   side by side and sharing its register file.
//!   Ops whose weights are floating point (e.g. FP16 attention) cannot be bit-serial and
//!   run on the SIMT lanes at `fallback_macs_per_cycle` (statistic `fallback_ops`).
//! - `mac` ([`mac`]): an MMA of `m x n x k` every `occupancy_cycles`; weights or activations
//!   in another type are converted on the SIMT lanes first ([`dequant`]).
//!
//! Per SM and chunk of `k` reduction elements over an output tile of `tm x tn`:
//! `instructions = ceil(tm/im) ceil(tn/in) ceil(k/ik)`, spread over the SM's units (tensor
//! cores x arrays per tensor core for LUT, tensor cores for MAC);
//! `tensor cycles = ceil(instructions / units) x issue cycles`, where the issue cycles
//! are the occupancy or more if the register file cannot deliver the operands (or an
//! `in_unit` precompute unit cannot build the tables) in time ([`OpModel::issue`]); SIMT
//! cycles are the conversion ops over `simt_ops_per_cycle`; the chunk takes the larger of
//! the two when they overlap, else their sum.
//!
//! # Area, peak and energy ([`area`])
//! Area is per array (LUT) or per tensor core (MAC), from the paper's Table 1. Peak
//! throughput is quoted at `peak_wbits` for LUT datapaths. Energy actions: `lut_select`,
//! `tc_mac_fp16`, `tc_mac_int8`, `simt_op`, `lut_precompute_unit_op` and, for fallback
//! MACs, the `mac_<dtype>` actions; their `<action>_pj` defaults in `[energy]` are derived
//! from Table 1.

pub mod area;
pub mod array;
pub mod config;
pub mod dequant;
pub mod mac;
pub mod precompute;
pub mod tiling;
mod unit;

pub use config::LutConfig;
pub use unit::LutUnit;

use crate::workload::{Op, OpKind};
use array::{Lmma, LutArray, issue_cycles};
use config::{Datapath, Placement};
use dequant::{WeightFormat, activations_native, weight_format, weights_native};
use mac::Mma;
use precompute::TableCost;
use tiling::{Bits, Gemm, Instr};

/// Register-file operand bytes of one instruction, for the issue-rate limit.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Operands {
    /// A-side bytes (tables, or the A fragment); shared by the units of a tensor core that
    /// work on the same rows.
    pub a: u64,
    /// Weight bytes of each unit.
    pub w: u64,
    /// Accumulator bytes each unit reads (0 when stationary).
    pub acc_read: u64,
    /// Accumulator bytes each unit writes (0 when stationary).
    pub acc_write: u64,
}

/// How one op runs on the configured datapath: everything the tiler and the chunk timing
/// need, fixed before the op starts.
#[derive(Clone, Debug, PartialEq)]
pub struct OpModel {
    /// Instruction shape the tiles are padded to (one array's LMMA, or one MMA).
    pub instr: Instr,
    /// Whether the tensor cores run it (false: SIMT fallback).
    pub on_tc: bool,
    /// Units per tensor core that run instructions side by side (LUT arrays; 1 for MAC).
    pub units_per_tc: u64,
    /// Occupancy per instruction, cycles.
    pub occupancy: u64,
    /// Register-file operands per instruction.
    pub operands: Operands,
    /// Register-file read and write bytes per cycle of a tensor core.
    pub rf: (u64, u64),
    /// Cycles an `in_unit` precompute unit needs per instruction (0: none).
    pub build_cycles: u64,
    /// Cycles after a tile's last instruction until its result is valid.
    pub drain: u64,
    /// Bits per element of the A operand as fetched (activations or tables).
    pub a_bits: Bits,
    /// Bits per weight element as fetched.
    pub w_bits: Bits,
    /// Bits per output element.
    pub out_bits: u64,
    /// SIMT ops per weight element an SM loads.
    pub simt_per_weight: u64,
    /// SIMT ops per activation element an SM loads.
    pub simt_per_act: u64,
    /// SIMT fallback MACs per cycle per SM (0 when on the tensor cores).
    pub fallback_rate: u64,
    /// SIMT work overlaps the tensor cores.
    pub overlap: bool,
    /// Energy action of one instruction and how many of it.
    pub action: (&'static str, u64),
    /// `in_unit` precompute ops per instruction.
    pub unit_build_ops: u64,
    /// Tables to build before the GEMM (fused or separate), if any.
    pub precompute: Option<Placement>,
    /// Table geometry (LUT datapaths).
    pub tables: Option<TableCost>,
    /// Weight bits of the op.
    pub wbits: u64,
}

/// Time of one chunk on one SM.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct ChunkTime {
    /// Cycles of the chunk.
    pub cycles: u64,
    /// Tensor-core cycles.
    pub tc: u64,
    /// SIMT cycles.
    pub simt: u64,
    /// Tensor-core cycles beyond the instructions' occupancy (operand stalls).
    pub stall: u64,
}

impl OpModel {
    /// The model of `op` on `cfg`'s datapath.
    pub fn new(cfg: &LutConfig, op: &Op) -> Self {
        let wf = weight_format(op);
        let act_bits = op.dtype.bits() as u64;
        let stationary = cfg.acc_stationary;
        let rf = (
            cfg.rf_read_bytes_per_cycle as u64,
            cfg.rf_write_bytes_per_cycle as u64,
        );
        match &cfg.datapath {
            Datapath::Lut(c) => {
                let array = LutArray::new(c);
                let instr = Instr {
                    m: array.m,
                    n: array.n,
                    k: array.k,
                };
                let tables = TableCost::of(&array);
                let in_unit = c.precompute == Placement::InUnit;
                let fetch_tables = matches!(c.precompute, Placement::Fused | Placement::Separate);
                match wf {
                    WeightFormat::Int(w) => {
                        let l = Lmma {
                            array,
                            arrays: 1,
                            w,
                        };
                        let acc_read = l.read_bytes(stationary) - l.read_bytes(true);
                        let unit_build_ops = if in_unit { array.m * tables.ops } else { 0 };
                        let build_cycles = if in_unit {
                            let rate = c
                                .precompute_unit_ops_per_cycle
                                .map(|r| r as u64)
                                .unwrap_or(unit_build_ops.max(1));
                            unit_build_ops.div_ceil(rate)
                        } else {
                            0
                        };
                        OpModel {
                            instr,
                            on_tc: true,
                            units_per_tc: c.arrays_per_tc as u64,
                            occupancy: array.occupancy(w),
                            operands: Operands {
                                // With in-unit precompute the register file feeds the M x K
                                // activations to the precompute units instead of tables.
                                a: if in_unit {
                                    (array.m * array.k * act_bits).div_ceil(8)
                                } else {
                                    array.table_bits().div_ceil(8)
                                },
                                w: (array.k * array.n * w).div_ceil(8),
                                acc_read,
                                acc_write: l.write_bytes(stationary),
                            },
                            rf,
                            build_cycles,
                            drain: array.stages,
                            a_bits: if fetch_tables {
                                Bits {
                                    num: tables.entries * tables.entry_bits,
                                    den: tables.k,
                                }
                            } else {
                                Bits::whole(act_bits)
                            },
                            w_bits: Bits::whole(w),
                            out_bits: act_bits,
                            simt_per_weight: 0,
                            simt_per_act: 0,
                            fallback_rate: 0,
                            overlap: true,
                            action: ("lut_select", l.selects()),
                            unit_build_ops,
                            precompute: fetch_tables.then_some(c.precompute),
                            tables: Some(tables),
                            wbits: w,
                        }
                    }
                    WeightFormat::Float(d) => OpModel {
                        instr,
                        on_tc: false,
                        units_per_tc: 1,
                        occupancy: 0,
                        operands: Operands::default(),
                        rf,
                        build_cycles: 0,
                        drain: 0,
                        a_bits: Bits::whole(act_bits),
                        w_bits: Bits::whole(d.bits() as u64),
                        out_bits: act_bits,
                        simt_per_weight: 0,
                        simt_per_act: 0,
                        fallback_rate: c.fallback_macs_per_cycle as u64,
                        overlap: true,
                        action: ("", 0),
                        unit_build_ops: 0,
                        precompute: None,
                        tables: None,
                        wbits: d.bits() as u64,
                    },
                }
            }
            Datapath::Mac(c) => {
                let mma = Mma::new(c);
                let wbits = match wf {
                    WeightFormat::Int(w) => w,
                    WeightFormat::Float(d) => d.bits() as u64,
                };
                OpModel {
                    instr: Instr {
                        m: mma.m,
                        n: mma.n,
                        k: mma.k,
                    },
                    on_tc: true,
                    units_per_tc: 1,
                    occupancy: mma.occupancy,
                    operands: Operands {
                        a: (mma.m * mma.k * mma.bits).div_ceil(8),
                        w: (mma.k * mma.n * mma.bits).div_ceil(8),
                        acc_read: mma.read_bytes(stationary) - mma.read_bytes(true),
                        acc_write: mma.write_bytes(stationary),
                    },
                    rf,
                    build_cycles: 0,
                    drain: mma.drain(),
                    a_bits: Bits::whole(act_bits),
                    w_bits: Bits::whole(wbits),
                    out_bits: act_bits,
                    simt_per_weight: if weights_native(wf, c.dtype) {
                        0
                    } else {
                        c.dequant_ops_per_weight as u64
                    },
                    simt_per_act: if activations_native(op.dtype, c.dtype) {
                        0
                    } else {
                        c.convert_ops_per_activation as u64
                    },
                    fallback_rate: 0,
                    overlap: c.convert_overlap,
                    action: (
                        match c.dtype {
                            config::MacDtype::Fp16 => "tc_mac_fp16",
                            config::MacDtype::Int8 => "tc_mac_int8",
                        },
                        mma.macs(),
                    ),
                    unit_build_ops: 0,
                    precompute: None,
                    tables: None,
                    wbits,
                }
            }
        }
    }

    /// Cycles between instructions on each unit of a tensor core working on a tile `tn`
    /// columns wide: the occupancy, or longer if the register file cannot deliver the
    /// operands of all the TC's units (units on the same rows share the A side: a tile of
    /// `tn` columns puts `ceil(tn / n)` units side by side on one row block) or a
    /// precompute unit cannot build the tables in time.
    pub fn issue(&self, tn: u64) -> u64 {
        let u = self.units_per_tc;
        let side_by_side = tn.div_ceil(self.instr.n).clamp(1, u);
        let groups = u.div_ceil(side_by_side);
        let o = &self.operands;
        issue_cycles(
            self.occupancy,
            groups * o.a + u * (o.w + o.acc_read),
            u * o.acc_write,
            self.rf.0,
            self.rf.1,
            self.build_cycles,
        )
    }

    /// Time of a chunk of `k` reduction elements over a `tm x tn` tile on one SM with
    /// `tcs` tensor cores and `simt_rate` SIMT ops per cycle.
    pub fn chunk(&self, tm: u64, tn: u64, k: u64, tcs: u64, simt_rate: u64) -> ChunkTime {
        if !self.on_tc {
            let c = (tm * tn * k).div_ceil(self.fallback_rate.max(1));
            return ChunkTime {
                cycles: c,
                tc: 0,
                simt: c,
                stall: 0,
            };
        }
        let instrs =
            tm.div_ceil(self.instr.m) * tn.div_ceil(self.instr.n) * k.div_ceil(self.instr.k);
        let per_unit = instrs.div_ceil(tcs.max(1) * self.units_per_tc);
        let issue = self.issue(tn);
        let tc = per_unit * issue;
        let ops = tn * k * self.simt_per_weight + tm * k * self.simt_per_act;
        let simt = ops.div_ceil(simt_rate.max(1));
        ChunkTime {
            cycles: if self.overlap {
                tc.max(simt)
            } else {
                tc + simt
            },
            tc,
            simt,
            stall: per_unit * (issue - self.occupancy),
        }
    }
}

/// The GEMM shape of an op (`gemv` is a GEMM with one row).
pub fn gemm_of(op: &Op) -> Option<Gemm> {
    match op.kind {
        OpKind::Gemm { m, n, k } => Some(Gemm {
            batch: op.batch,
            m,
            n,
            k,
        }),
        OpKind::Gemv { n, k } => Some(Gemm {
            batch: op.batch,
            m: 1,
            n,
            k,
        }),
        _ => None,
    }
}

/// Peak MACs per cycle of one chip, and the energy actions per cycle at that peak.
pub fn peak(cfg: &LutConfig) -> (f64, Vec<(String, f64)>) {
    let tcs = cfg.sms as f64 * cfg.tcs_per_sm as f64;
    match &cfg.datapath {
        Datapath::Lut(c) => {
            let a = LutArray::new(c);
            let arrays = tcs * c.arrays_per_tc as f64;
            (
                arrays * a.macs_per_cycle(c.peak_wbits as u64),
                vec![(
                    "lut_select".to_string(),
                    arrays * a.selects_per_cycle() as f64,
                )],
            )
        }
        Datapath::Mac(c) => {
            let m = Mma::new(c);
            let r = tcs * m.macs_per_cycle();
            let action = match c.dtype {
                config::MacDtype::Fp16 => "tc_mac_fp16",
                config::MacDtype::Int8 => "tc_mac_int8",
            };
            (r, vec![(action.to_string(), r)])
        }
    }
}

/// Tensor-core area of one chip, mm^2.
pub fn chip_area_mm2(cfg: &LutConfig) -> f64 {
    let tcs = cfg.sms as f64 * cfg.tcs_per_sm as f64;
    match &cfg.datapath {
        Datapath::Lut(c) => {
            let arrays = tcs * c.arrays_per_tc as f64;
            let pu = if c.precompute == Placement::InUnit {
                c.precompute_unit_area_mm2
            } else {
                0.0
            };
            arrays * (c.array_area_mm2 + pu)
        }
        Datapath::Mac(c) => tcs * c.tc_area(),
    }
}
