//! Vector unit: element-wise and row-wise ops (softmax, layernorm, rmsnorm, GELU, SiLU,
//! ReLU, add, mul, reduce) on a SIMD datapath of `lanes` lanes.
//!
//! # Latency model
//! A *lane-op* is one arithmetic operation of the FMA class on one element in one lane;
//! a transcendental (exp, tanh, reciprocal, reciprocal square root) costs
//! `transcendental_ops` lane-ops (a range reduction plus a short polynomial, pipelined).
//! Each function is a sequence of *passes* over a row; the lane-ops per element of each
//! pass are counted from the function's formula:
//!
//! | function | passes: lane-ops per element | row reductions | per-row scalar ops |
//! |---|---|---|---|
//! | add, mul, relu | 1 | 0 | 0 |
//! | gelu (tanh form) | 8 + 2T: x^3 (2), polynomial and scale (2), tanh as exp, add, reciprocal, fused mul-add (2 + 2T), 0.5·x·(1+t) (2) | 0 | 0 |
//! | silu x·σ(x) | 2 + 2T: exp, add, reciprocal, mul | 0 | 0 |
//! | softmax | max (1); exp(x−max) and sum (2 + T); scale by 1/sum (1) | 2 | one reciprocal |
//! | layernorm | sum (1); squared deviation sum (2); normalise, scale, shift (4) | 2 | one rsqrt |
//! | rmsnorm | sum of squares (1); normalise and scale (2) | 1 | one rsqrt |
//! | reduce | sum (1) | 1 | 0 |
//!
//! A pass over `R` rows of length `L ≥ lanes` takes `R · ceil(L · ops / lanes)` cycles;
//! rows shorter than the lanes are packed `floor(lanes / L)` to a cycle (segmented lanes
//! and adder tree, an assumption), taking `ceil(R / floor(lanes / L)) · ops` cycles; plus
//! `pipeline_depth_cycles` to fill the pipeline once per pass. A row reduction ends in an
//! adder tree of depth `ceil(log2(lanes))`, paid once per reduction pass (rows follow each
//! other through the pipelined tree). Per-row scalar ops issue one per cycle and add their
//! latency `T` once. Function-level operation counts follow the formulas in
//! Hendrycks & Gimpel 2016 (GELU), Ba et al. 2016 (layer norm), Zhang & Sennrich 2019
//! (RMSNorm); the lane-op costs and the default lane count are assumptions, documented
//! in `docs/UNITS.md`.
//!
//! # Memory
//! Inputs and outputs stream through a buffer of `sram_kib`, split into `2 · depth`
//! slots (input and output, `depth = 2`: double buffering) by the shared
//! [`super::stream`] machinery. A tile holds whole rows when a row fits in a slot; if it
//! does not, each pass re-reads the row from memory (and the traffic shows it).

use super::stream::{StreamKernel, StreamUnit, Streamer, Tile};
use super::{UnitInfo, UnitKind};
use crate::config::Issue;
use crate::stats::StatSet;
use crate::workload::{EwFunc, Op, OpKind, Workload};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Settings of the vector unit.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VectorConfig {
    /// Number of vector units (each runs one op at a time). Default: 1.
    #[serde(default = "d_count")]
    #[schemars(range(min = 1, max = 1024))]
    pub count: u32,
    /// Clock in MHz. Default: 1000 (assumption).
    #[serde(default = "d_freq")]
    #[schemars(range(min = 1.0, max = 100000.0))]
    pub freq_mhz: f64,
    /// SIMD lanes: elements processed per cycle per lane-op. Default: 128 (assumption:
    /// as wide as a 128-column systolic array's output row, as in TPU-like designs).
    #[serde(default = "d_lanes")]
    #[schemars(range(min = 1, max = 65536))]
    pub lanes: u32,
    /// Lane-ops per transcendental (exp, tanh, reciprocal, rsqrt). Default: 4 (assumption).
    #[serde(default = "d_trans")]
    #[schemars(range(min = 1, max = 1000))]
    pub transcendental_ops: u32,
    /// Cycles to fill the datapath pipeline, paid once per pass. Default: 4 (assumption).
    #[serde(default = "d_pipe")]
    #[schemars(range(min = 0, max = 10000))]
    pub pipeline_depth_cycles: u32,
    /// Local buffer in KiB, split into input and output slots. Default: 256 KiB.
    #[serde(default = "d_sram")]
    #[schemars(range(min = 1, max = 1048576))]
    pub sram_kib: u32,
    /// Buffer slots per direction (2 = double buffering). Default: 2.
    #[serde(default = "d_depth")]
    #[schemars(range(min = 1, max = 64))]
    pub buffer_depth: u32,
}

fn d_count() -> u32 {
    1
}
fn d_freq() -> f64 {
    1000.0
}
fn d_lanes() -> u32 {
    128
}
fn d_trans() -> u32 {
    4
}
fn d_pipe() -> u32 {
    4
}
fn d_sram() -> u32 {
    256
}
fn d_depth() -> u32 {
    2
}

impl Default for VectorConfig {
    fn default() -> Self {
        VectorConfig {
            count: d_count(),
            freq_mhz: d_freq(),
            lanes: d_lanes(),
            transcendental_ops: d_trans(),
            pipeline_depth_cycles: d_pipe(),
            sram_kib: d_sram(),
            buffer_depth: d_depth(),
        }
    }
}

impl VectorConfig {
    /// Semantic checks.
    pub fn validate(&self, path: &str, out: &mut Vec<Issue>) {
        let slot = self.sram_kib as u64 * 1024 / (2 * self.buffer_depth as u64);
        if slot < 64 {
            out.push(Issue::new(
                &format!("{path}.sram_kib"),
                format!(
                    "{} KiB split into {} slots leaves {slot} bytes per slot: expected at least 64",
                    self.sram_kib,
                    2 * self.buffer_depth
                ),
            ));
        }
    }
}

/// One pass of a function: lane-ops per element and whether it ends in a row reduction.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Pass {
    /// Lane-ops per element.
    pub ops: u64,
    /// Ends in a row reduction through the adder tree.
    pub reduce: bool,
}

/// The passes of `f` and whether it has a per-row scalar transcendental.
pub fn passes(f: EwFunc, t: u64) -> (Vec<Pass>, bool) {
    let p = |ops, reduce| Pass { ops, reduce };
    match f {
        EwFunc::Add | EwFunc::Mul | EwFunc::Relu => (vec![p(1, false)], false),
        EwFunc::Gelu => (vec![p(8 + 2 * t, false)], false),
        EwFunc::Silu => (vec![p(2 + 2 * t, false)], false),
        EwFunc::Softmax => (vec![p(1, true), p(2 + t, true), p(1, false)], true),
        EwFunc::Layernorm => (vec![p(1, true), p(2, true), p(4, false)], true),
        EwFunc::Rmsnorm => (vec![p(1, true), p(2, false)], true),
        EwFunc::Reduce => (vec![p(1, true)], false),
    }
}

/// Compute cycles of `rows` rows of `row_len` elements of `f` on `cfg`.
pub fn compute_cycles(cfg: &VectorConfig, f: EwFunc, rows: u64, row_len: u64) -> u64 {
    let lanes = cfg.lanes as u64;
    let t = cfg.transcendental_ops as u64;
    let tree = (lanes as f64).log2().ceil() as u64;
    let (ps, scalar) = passes(f, t);
    let mut c = 0;
    // Rows shorter than the lanes are packed side by side, `lanes / row_len` per cycle
    // (segmented lanes and adder tree); longer rows take whole cycles each.
    let per_cycle = if row_len > 0 && row_len < lanes {
        lanes / row_len
    } else {
        1
    };
    for p in &ps {
        let pass = if per_cycle > 1 {
            rows.div_ceil(per_cycle) * p.ops
        } else {
            rows * (row_len * p.ops).div_ceil(lanes)
        };
        c += pass + cfg.pipeline_depth_cycles as u64;
        if p.reduce {
            c += tree;
        }
    }
    if scalar {
        // One scalar result per row, issued one per cycle, latency T once.
        c += rows + t;
    }
    c
}

/// The vector-specific part of a [`VectorUnit`]: tiling, the latency model and the energy
/// actions.
pub struct VectorKernel {
    cfg: VectorConfig,
    elems: u64,
    lane_ops: u64,
    sram_read: u64,
    sram_write: u64,
}

/// A vector unit instance.
pub type VectorUnit = StreamUnit<VectorKernel>;

impl VectorUnit {
    /// Instance `idx` of the vector unit.
    pub fn new(idx: usize, cfg: &VectorConfig, work: Arc<Workload>) -> Self {
        let info = UnitInfo {
            kind: UnitKind::Vector,
            name: format!("vector{idx}"),
            freq_mhz: cfg.freq_mhz,
            peak_macs_per_cycle: 0.0,
            area_mm2: 0.0,
            peak_actions_per_cycle: Vec::new(),
        };
        let kernel = VectorKernel {
            cfg: cfg.clone(),
            elems: 0,
            lane_ops: 0,
            sram_read: 0,
            sram_write: 0,
        };
        StreamUnit::with_kernel(info, kernel, work)
    }
}

impl VectorKernel {
    /// Split an element-wise op into tiles.
    fn split(&self, o: &Op) -> Vec<Tile> {
        let OpKind::Elementwise {
            func,
            elems,
            row_len,
        } = o.kind
        else {
            return Vec::new();
        };
        let eb = o.dtype.bits() as u64;
        let bytes = |e: u64| (e * eb).div_ceil(8);
        let slot = self.cfg.sram_kib as u64 * 1024 / (2 * self.cfg.buffer_depth as u64);
        let inputs = func.inputs();
        if !func.is_row_wise() {
            // Independent elements: stream chunks that fill a slot; the pipeline fills once.
            let chunk = (slot * 8 / (eb * inputs)).max(1);
            let mut tiles = Vec::new();
            let mut off = 0;
            while off < elems {
                let e = chunk.min(elems - off);
                let (p, _) = passes(func, self.cfg.transcendental_ops as u64);
                let c = (e * p[0].ops).div_ceil(self.cfg.lanes as u64)
                    + if off == 0 {
                        self.cfg.pipeline_depth_cycles as u64
                    } else {
                        0
                    };
                tiles.push(Tile {
                    reads: [
                        (o.addrs.a + bytes(off), bytes(e)),
                        if inputs == 2 {
                            (o.addrs.b + bytes(off), bytes(e))
                        } else {
                            (0, 0)
                        },
                    ],
                    compute_cycles: c,
                    write: (o.addrs.c + bytes(off), bytes(e)),
                });
                off += e;
            }
            return tiles;
        }
        let row = row_len.unwrap_or(elems).min(elems);
        let rows = elems.div_ceil(row);
        let out_per_row = if func == EwFunc::Reduce { 1 } else { row };
        let two = inputs == 2;
        let mut tiles = Vec::new();
        let row_in_bytes = bytes(row) * inputs;
        let (ps, _) = passes(func, self.cfg.transcendental_ops as u64);
        let mut done_rows = 0u64;
        let o_addrs = o.addrs;
        if row_in_bytes <= slot {
            // Whole rows per tile.
            let per_tile = (slot / row_in_bytes.max(1)).max(1);
            while done_rows < rows {
                let r = per_tile.min(rows - done_rows);
                let e0 = done_rows * row;
                let e = (r * row).min(elems - e0);
                let rd = bytes(e);
                tiles.push(Tile {
                    reads: [
                        (o_addrs.a + bytes(e0), rd),
                        if two {
                            (o_addrs.b + bytes(e0), rd)
                        } else {
                            (0, 0)
                        },
                    ],
                    compute_cycles: compute_cycles(&self.cfg, func, r, row),
                    write: (
                        o_addrs.c + bytes(done_rows * out_per_row),
                        bytes(r * out_per_row),
                    ),
                });
                done_rows += r;
            }
        } else {
            // A row does not fit: every pass streams the row from memory again.
            let chunk = (slot * 8 / (eb * inputs)).max(1);
            for r in 0..rows {
                for (pi, p) in ps.iter().enumerate() {
                    let last = pi + 1 == ps.len();
                    let mut off = 0;
                    while off < row {
                        let e = chunk.min(row - off);
                        let base = r * row + off;
                        let c = (e * p.ops).div_ceil(self.cfg.lanes as u64)
                            + if off == 0 {
                                self.cfg.pipeline_depth_cycles as u64
                            } else {
                                0
                            };
                        let tail = off + e == row;
                        let extra = if tail && p.reduce {
                            (self.cfg.lanes as f64).log2().ceil() as u64
                        } else {
                            0
                        };
                        let write = if last && func != EwFunc::Reduce {
                            (o_addrs.c + bytes(base), bytes(e))
                        } else if last && tail {
                            (o_addrs.c + bytes(r), bytes(1))
                        } else {
                            (0, 0)
                        };
                        tiles.push(Tile {
                            reads: [
                                (o_addrs.a + bytes(base), bytes(e)),
                                if two {
                                    (o_addrs.b + bytes(base), bytes(e))
                                } else {
                                    (0, 0)
                                },
                            ],
                            compute_cycles: c + extra,
                            write,
                        });
                        off += e;
                    }
                }
                let (_, scalar) = passes(func, self.cfg.transcendental_ops as u64);
                if scalar && let Some(t) = tiles.last_mut() {
                    t.compute_cycles += 1 + self.cfg.transcendental_ops as u64;
                }
            }
        }
        tiles
    }
}

impl StreamKernel for VectorKernel {
    fn tiles(&self, op: &Op) -> Vec<Tile> {
        self.split(op)
    }

    fn depth(&self) -> usize {
        self.cfg.buffer_depth as usize
    }

    fn finished(&mut self, o: &Op, stream: &Streamer) {
        if let OpKind::Elementwise {
            func,
            elems,
            row_len,
        } = o.kind
        {
            self.elems += elems;
            let t = self.cfg.transcendental_ops as u64;
            let (ps, scalar) = passes(func, t);
            let row = row_len.unwrap_or(elems).min(elems).max(1);
            let rows = elems.div_ceil(row);
            self.lane_ops +=
                ps.iter().map(|p| p.ops).sum::<u64>() * elems + if scalar { rows * t } else { 0 };
            // Every element of every input is written into the buffer and read once per
            // pass; results are written to and read from the output buffer once.
            let eb = (o.dtype.bits() as u64).div_ceil(8).max(1);
            let inputs = func.inputs();
            self.sram_write += stream.bytes_read() + stream.bytes_written();
            self.sram_read += inputs * elems * eb * ps.len() as u64 + stream.bytes_written();
        }
    }

    fn stats(&self, s: &mut StatSet) {
        s.int(
            "elements",
            self.elems,
            "elements",
            "Elements processed (per input tensor).",
        );
        let a = crate::stats::energy::ACTIONS;
        s.int(
            "vector_lane_op",
            self.lane_ops,
            a,
            "Lane-ops executed (energy action).",
        );
        s.int(
            "sram_read_byte",
            self.sram_read,
            a,
            "Bytes read from the unit's buffer (energy action).",
        );
        s.int(
            "sram_write_byte",
            self.sram_write,
            a,
            "Bytes written to the unit's buffer (energy action).",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand count: GELU on 1024 elements with 128 lanes and T = 4 is (8 + 8) lane-ops per
    /// element: 1024 * 16 / 128 = 128 cycles, plus 4 pipeline cycles.
    #[test]
    fn gelu_cycles_by_hand() {
        let c = VectorConfig::default();
        assert_eq!(compute_cycles(&c, EwFunc::Gelu, 1, 1024), 132);
    }

    /// Softmax over 4 rows of 256: passes of 1, 6, 1 lane-ops per element are 2, 12, 2
    /// cycles per row (8, 48, 8 over 4 rows), 3 pipeline fills (12), 2 adder trees of
    /// depth 7 (14), and 4 reciprocal issues plus T = 4: 8 + 48 + 8 + 12 + 14 + 8 = 98.
    #[test]
    fn softmax_cycles_by_hand() {
        let c = VectorConfig::default();
        assert_eq!(compute_cycles(&c, EwFunc::Softmax, 4, 256), 98);
    }

    /// Rows shorter than the lanes are packed: 128 / 16 = 8 rows per cycle, so 100 rows
    /// take ceil(100 / 8) = 13 cycles, plus the pipeline fill (4) and the tree (7).
    #[test]
    fn short_rows_are_packed_into_the_lanes() {
        let c = VectorConfig::default();
        assert_eq!(compute_cycles(&c, EwFunc::Reduce, 100, 16), 13 + 4 + 7);
        // 100 rows of 100 elements: one row per cycle (100 < 128 but 128 / 100 = 1).
        assert_eq!(compute_cycles(&c, EwFunc::Reduce, 100, 100), 100 + 4 + 7);
    }
}
