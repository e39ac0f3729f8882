//! SCALE-Sim 3.0.0 compatible timing of one layer (the `scalesim` timing mode).
//!
//! Source: the published `scalesim==3.0.0` package (SCALE-Sim v3, Raj et al., "SCALE-Sim v3: A
//! modular cycle-accurate systolic accelerator simulator for end-to-end system analysis",
//! ISPASS 2025, arXiv 2504.15377; v2 methodology in Samajdar et al., ISPASS 2020). Nothing here
//! is SCALE-Sim code: this module re-derives the behaviour of its `USER`-bandwidth memory model
//! from reading and running the tool, and reproduces it exactly, including its artefacts, so
//! that a user migrating from SCALE-Sim gets the same numbers. `docs/NPU.md` explains the model
//! and `docs/VALIDATION.md` lists the measured agreement.
//!
//! # The mechanism
//! SCALE-Sim describes a layer as three *operand matrices* of word addresses (IFMAP `M×K`,
//! FILTER `K×N`, OFMAP `M×N`; a convolution is lowered to this GEMM by im2col). For each
//! dataflow it cuts them into folds ([`super::mapping`]) and builds, per operand, a *demand
//! matrix* whose rows are array cycles and whose columns are array ports, with the systolic
//! skew, the stationary-tile loads and the drain gaps written in as idle slots. One fold takes
//! `T + R + C − 2` rows (OS) or `T + 2R + C − 2` rows (WS/IS), and folds never overlap.
//!
//! The memory model replays those rows one by one:
//! - IFMAP and FILTER each sit in a double-buffered read SRAM of 1-byte words, split 50/50 into
//!   an active and a prefetch half. The operand's *prefetch stream* (its fold-ordered tiles,
//!   diagonally re-ordered for skewed operands) is cut into 100-per-SRAM "sets" of
//!   `ceil(words/100)` valid addresses. The active window is a circular range of sets; it starts
//!   at set 0 with the first half loaded before cycle 0 (negative DRAM cycles).
//! - A demanded address that is not in the window makes the window jump forward by the
//!   prefetch half (circularly) and issues a DRAM burst of `ceil(half/BW)` lines that starts
//!   right after the previous burst ended (read latency 1, no queueing): this is the only
//!   source of read stalls. The stall charged to the row is computed as in 3.0.0, which adds a
//!   positive delay twice and lets a negative one pull the row's offset back (SCALE-Sim issue
//!   #130).
//! - OFMAP goes into a write buffer; once more than half of it is occupied and no drain is in
//!   flight, the buffered lines (up to half the SRAM) drain at `BW` words/cycle (latency 0); the
//!   array stalls only when the buffer is full while a drain is in flight.
//! - A row's stall is the largest of the three operands' delays; later rows shift by it.
//!   `Total Cycles` is the cycle of the last row (rows − 1 + stalls, SCALE-Sim issue #125).
//!
//! # Two paths
//! [`simulate`] walks the rows with O(1) work per row and operand (a demanded row is one
//! contiguous segment of the prefetch stream, so only its first and last set matter), skips the
//! row walk entirely when nothing can stall (every operand fits in its active half and the
//! outputs never fill half of the OFMAP SRAM), and falls back to per-address checks when a
//! convolution's IFMAP stream repeats addresses. [`simulate_reference`] checks every address of
//! every demanded row and stores outputs one word at a time, like SCALE-Sim; a test runs both.

use super::mapping::{Dataflow, Fold, Mapping};
use std::collections::VecDeque;

/// The architecture part of a SCALE-Sim config (`USER` bandwidth mode).
#[derive(Clone, Debug, PartialEq)]
pub struct Arch {
    /// `ArrayHeight` (R).
    pub rows: u64,
    /// `ArrayWidth` (C).
    pub cols: u64,
    /// `Dataflow`.
    pub dataflow: Dataflow,
    /// IFMAP SRAM size in words (`IfmapSramSzkB` × 1024: SCALE-Sim's words are 1 byte).
    pub ifmap_sram_words: u64,
    /// FILTER SRAM size in words (`FilterSramSzkB` × 1024).
    pub filter_sram_words: u64,
    /// OFMAP SRAM size in words (`OfmapSramSzkB` × 1024).
    pub ofmap_sram_words: u64,
    /// IFMAP DRAM fill bandwidth, words/cycle (v3 USER mode: `[layout] IfmapSRAMBankBandwidth`).
    pub ifmap_bw: u64,
    /// FILTER DRAM fill bandwidth, words/cycle (v3 USER mode: `[layout] FilterSRAMBankBandwidth`).
    pub filter_bw: u64,
    /// OFMAP drain bandwidth, words/cycle (`Bandwidth`, first entry).
    pub ofmap_bw: u64,
    /// `IfmapOffset`: base word address of the IFMAP.
    pub ifmap_offset: i64,
    /// `FilterOffset`.
    pub filter_offset: i64,
    /// `OfmapOffset`.
    pub ofmap_offset: i64,
    /// `[run_presets] InterfaceBandwidth = CALC`: reads never stall and the DRAM bandwidth each
    /// operand needed is estimated (the `*_bw` fields are then unused; IFMAP/FILTER fills are
    /// sized at 10 words/cycle and the OFMAP drains at `ArrayWidth` words/cycle, as SCALE-Sim).
    pub calc: bool,
}

impl Arch {
    /// SCALE-Sim's sample defaults with the given array and dataflow, and SRAMs so large that
    /// nothing stalls (2 MiB each, 10 words/cycle).
    pub fn ideal(rows: u64, cols: u64, dataflow: Dataflow) -> Arch {
        Arch {
            rows,
            cols,
            dataflow,
            ifmap_sram_words: 2048 * 1024,
            filter_sram_words: 2048 * 1024,
            ofmap_sram_words: 2048 * 1024,
            ifmap_bw: 10,
            filter_bw: 10,
            ofmap_bw: 10,
            ifmap_offset: 0,
            filter_offset: 10_000_000,
            ofmap_offset: 20_000_000,
            calc: false,
        }
    }
}

/// One layer as SCALE-Sim sees it: a convolution (a GEMM is the convolution of an `M×K` IFMAP
/// with `N` filters of `1×K`, one channel, stride 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layer {
    /// Layer name.
    pub name: String,
    /// IFMAP height.
    pub ifmap_h: u64,
    /// IFMAP width.
    pub ifmap_w: u64,
    /// Filter height.
    pub filt_h: u64,
    /// Filter width.
    pub filt_w: u64,
    /// Input channels.
    pub channels: u64,
    /// Number of filters (output channels).
    pub num_filt: u64,
    /// Vertical stride.
    pub stride_h: u64,
    /// Horizontal stride.
    pub stride_w: u64,
}

impl Layer {
    /// The GEMM `C[m×n] = A[m×k]·B[k×n]` in SCALE-Sim's GEMM-as-convolution form.
    pub fn gemm(name: &str, m: u64, n: u64, k: u64) -> Layer {
        Layer {
            name: name.to_string(),
            ifmap_h: m,
            ifmap_w: k,
            filt_h: 1,
            filt_w: k,
            channels: 1,
            num_filt: n,
            stride_h: 1,
            stride_w: 1,
        }
    }

    /// OFMAP height `ceil((H − Fh + s) / s)`.
    pub fn ofmap_h(&self) -> u64 {
        (self.ifmap_h - self.filt_h + self.stride_h).div_ceil(self.stride_h)
    }

    /// OFMAP width `ceil((W − Fw + s) / s)`.
    pub fn ofmap_w(&self) -> u64 {
        (self.ifmap_w - self.filt_w + self.stride_w).div_ceil(self.stride_w)
    }

    /// GEMM M: output pixels per filter.
    pub fn m(&self) -> u64 {
        self.ofmap_h() * self.ofmap_w()
    }

    /// GEMM N: filters.
    pub fn n(&self) -> u64 {
        self.num_filt
    }

    /// GEMM K: convolution window size.
    pub fn k(&self) -> u64 {
        self.filt_h * self.filt_w * self.channels
    }

    /// Check the shape; returns what is wrong.
    pub fn check(&self) -> Result<(), String> {
        let f = [
            ("IFMAP height", self.ifmap_h),
            ("IFMAP width", self.ifmap_w),
            ("filter height", self.filt_h),
            ("filter width", self.filt_w),
            ("channels", self.channels),
            ("number of filters", self.num_filt),
            ("stride", self.stride_h),
            ("stride", self.stride_w),
        ];
        for (what, v) in f {
            if v == 0 {
                return Err(format!("{what} must be at least 1"));
            }
        }
        if self.filt_h > self.ifmap_h {
            return Err("filter height cannot be larger than IFMAP height".into());
        }
        if self.filt_w > self.ifmap_w {
            return Err("filter width cannot be larger than IFMAP width".into());
        }
        Ok(())
    }

    /// Word address (relative to the IFMAP offset) of element `(i, j)` of the im2col IFMAP
    /// matrix (`i`: output pixel, `j`: window element), or `None` where the window leaves the
    /// input (possible when the stride does not divide the input evenly).
    fn ifmap_addr(&self, i: u64, j: u64) -> Option<u64> {
        let ew = self.ofmap_w();
        let (orow, ocol) = (i / ew, i % ew);
        let (irow, icol) = (orow * self.stride_h, ocol * self.stride_w);
        let (crow, kk) = (
            j / (self.filt_w * self.channels),
            j % (self.filt_w * self.channels),
        );
        let (ccol, cch) = (kk / self.channels, kk % self.channels);
        if crow + irow < self.ifmap_h && ccol + icol < self.ifmap_w {
            Some(((crow + irow) * self.ifmap_w + ccol + icol) * self.channels + cch)
        } else {
            None
        }
    }
}

/// Everything SCALE-Sim reports for one layer, in its report order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Report {
    /// `Total Cycles (incl. prefetch)`: last OFMAP DRAM write − first IFMAP/FILTER DRAM read.
    pub total_cycles_incl_prefetch: i64,
    /// `Total Cycles`: cycle of the last demand row, stalls included.
    pub total_cycles: i64,
    /// `Stall Cycles`.
    pub stall_cycles: i64,
    /// `Overall Util %`: `100·MACs / (Total Cycles · R·C)`.
    pub overall_util: f64,
    /// `Mapping Efficiency %`: mean over folds of used PEs / (R·C).
    pub mapping_efficiency: f64,
    /// `Compute Util %`: mean over folds of `used PEs · T / (R·C · D)`.
    pub compute_util: f64,
    /// `Avg IFMAP SRAM BW` (words/cycle).
    pub avg_ifmap_sram_bw: f64,
    /// `Avg FILTER SRAM BW`.
    pub avg_filter_sram_bw: f64,
    /// `Avg OFMAP SRAM BW`.
    pub avg_ofmap_sram_bw: f64,
    /// `Avg IFMAP DRAM BW`.
    pub avg_ifmap_dram_bw: f64,
    /// `Avg FILTER DRAM BW`.
    pub avg_filter_dram_bw: f64,
    /// `Avg OFMAP DRAM BW`.
    pub avg_ofmap_dram_bw: f64,
    /// SRAM IFMAP start cycle.
    pub sram_ifmap_start: i64,
    /// SRAM IFMAP stop cycle.
    pub sram_ifmap_stop: i64,
    /// SRAM IFMAP reads.
    pub sram_ifmap_reads: u64,
    /// SRAM Filter start cycle.
    pub sram_filter_start: i64,
    /// SRAM Filter stop cycle.
    pub sram_filter_stop: i64,
    /// SRAM Filter reads.
    pub sram_filter_reads: u64,
    /// SRAM OFMAP start cycle.
    pub sram_ofmap_start: i64,
    /// SRAM OFMAP stop cycle.
    pub sram_ofmap_stop: i64,
    /// SRAM OFMAP writes (OS adds R + C per fold, as SCALE-Sim counts them).
    pub sram_ofmap_writes: u64,
    /// DRAM IFMAP start cycle (negative: the first fill happens before cycle 0).
    pub dram_ifmap_start: i64,
    /// DRAM IFMAP stop cycle.
    pub dram_ifmap_stop: i64,
    /// DRAM IFMAP reads (words, padding of partial DRAM lines included).
    pub dram_ifmap_reads: u64,
    /// DRAM Filter start cycle.
    pub dram_filter_start: i64,
    /// DRAM Filter stop cycle.
    pub dram_filter_stop: i64,
    /// DRAM Filter reads.
    pub dram_filter_reads: u64,
    /// DRAM OFMAP start cycle.
    pub dram_ofmap_start: i64,
    /// DRAM OFMAP stop cycle.
    pub dram_ofmap_stop: i64,
    /// DRAM OFMAP writes.
    pub dram_ofmap_writes: u64,
    /// Demand rows (stall-free cycles + 1); not a SCALE-Sim column, used for speed figures.
    pub rows: u64,
}

/// Why a layer cannot be simulated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A parameter is out of range.
    #[error("{0}")]
    Invalid(String),
}

/// Which algorithm [`run`] uses.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Path {
    /// O(1) per demand row, closed form when nothing can stall.
    Fast,
    /// Every address of every row, every output word one by one.
    Reference,
}

/// Simulate one layer with the fast path.
pub fn simulate(arch: &Arch, layer: &Layer) -> Result<Report, Error> {
    run(arch, layer, Path::Fast)
}

/// Simulate one layer address by address (the checking path).
pub fn simulate_reference(arch: &Arch, layer: &Layer) -> Result<Report, Error> {
    run(arch, layer, Path::Reference)
}

// ------------------------------------------------------------------------------------------
// Operand geometry: where each demanded word sits in the operand's prefetch stream.
// ------------------------------------------------------------------------------------------

/// Geometry of a read operand (IFMAP or FILTER) for one dataflow.
///
/// The prefetch matrix `P` stacks the operand's fold tiles block by block (`blocks` blocks of
/// `block_h` rows and `width` columns, columns past the operand's spatial extent padded). A
/// *streamed* operand enters the array skewed, one column per port, starting at fold row `s0`;
/// its prefetch stream reads `P` anti-diagonal by anti-diagonal, so that one demanded row is one
/// contiguous piece of one anti-diagonal. A *tile* operand (the stationary tile of WS/IS) is
/// demanded one tile row per cycle in the first `R` fold rows (bottom row first) and its stream
/// reads `P` row by row.
#[derive(Copy, Clone, Debug)]
struct Geom {
    is_ifmap: bool,
    streamed: bool,
    /// Block index is the row fold (`true`) or the column fold.
    by_row_fold: bool,
    s0: u64,
    block_h: u64,
    width: u64,
    /// Spatial extent along the width (columns ≥ this, counted over all blocks, are padding).
    extent: u64,
    /// Element `(spatial, inner)` is IFMAP `(i, j) = (spatial, inner)` / FILTER `(k, n) =
    /// (inner, spatial)` when false, the other way round when true.
    swap: bool,
    blocks: u64,
}

impl Geom {
    fn new(map: &Mapping, ifmap: bool) -> Geom {
        let (r, c, t) = (map.rows, map.cols, map.t);
        let (m, n, k) = (map.m, map.n, map.k);
        // (streamed, by_row_fold, s0, block_h, width, extent, swap)
        let g = match (map.dataflow, ifmap) {
            (Dataflow::Os, true) => (true, true, 0, t, r, m, false),
            (Dataflow::Os, false) => (true, false, 0, t, c, n, false),
            (Dataflow::Ws, true) => (true, true, r, t, r, k, true),
            (Dataflow::Ws, false) => (false, false, 0, k, c, n, false),
            (Dataflow::Is, true) => (false, false, 0, k, c, m, false),
            (Dataflow::Is, false) => (true, true, r, t, r, k, true),
        };
        Geom {
            is_ifmap: ifmap,
            streamed: g.0,
            by_row_fold: g.1,
            s0: g.2,
            block_h: g.3,
            width: g.4,
            extent: g.5,
            swap: g.6,
            blocks: g.5.div_ceil(g.4),
        }
    }

    fn p_rows(&self) -> u64 {
        self.blocks * self.block_h
    }

    /// Word address (relative to the operand's offset) of `P[row][col]`, or `None` for padding.
    fn addr(&self, layer: &Layer, row: u64, col: u64) -> Option<u64> {
        let block = row / self.block_h;
        let inner = row % self.block_h;
        let spatial = block * self.width + col;
        if spatial >= self.extent {
            return None;
        }
        if self.is_ifmap {
            let (i, j) = if self.swap {
                (inner, spatial)
            } else {
                (spatial, inner)
            };
            layer.ifmap_addr(i, j)
        } else {
            let (kk, nn) = if self.swap {
                (spatial, inner)
            } else {
                (inner, spatial)
            };
            Some(nn * layer.k() + kk)
        }
    }

    /// Call `f` with the address of every demanded word of `seg` (padding and out-of-input
    /// taps skipped), in column order, without a division per word.
    fn for_each_addr(&self, layer: &Layer, seg: &Seg, mut f: impl FnMut(u64)) {
        let gemm = layer.ofmap_w() == 1
            && layer.filt_h == 1
            && layer.channels == 1
            && layer.filt_w == layer.ifmap_w
            && layer.stride_h == 1;
        if !gemm && self.is_ifmap {
            for c in seg.c_lo..=seg.c_hi {
                if let Some(a) = self.addr(layer, seg.row(c), c) {
                    f(a);
                }
            }
            return;
        }
        let k = layer.k();
        let row0 = seg.row(seg.c_lo);
        let (mut block, mut inner) = (row0 / self.block_h, row0 % self.block_h);
        for c in seg.c_lo..=seg.c_hi {
            let spatial = block * self.width + c;
            if spatial < self.extent {
                // IFMAP (i, j) -> i·K + j and FILTER (k, n) -> n·K + k, which with the
                // operand's (spatial, inner) roles is `first·K + second` for both.
                let (first, second) = if self.swap {
                    (inner, spatial)
                } else {
                    (spatial, inner)
                };
                f(first * k + second);
            }
            if seg.diag && c < seg.c_hi {
                if inner == 0 {
                    block -= 1;
                    inner = self.block_h - 1;
                } else {
                    inner -= 1;
                }
            }
        }
    }

    /// The demanded piece of `P` at fold row `x`: `(c_lo, c_hi)` inclusive and a closure-free
    /// description: element for column `c` is `P[row_of(c)][c]`. Returns `None` if idle.
    fn segment(&self, map: &Mapping, f: &Fold, x: u64) -> Option<Seg> {
        if self.streamed {
            if x < self.s0 {
                return None;
            }
            let y = x - self.s0;
            let (block, used) = if self.by_row_fold {
                (f.fr, f.used_r)
            } else {
                (f.fc, f.used_c)
            };
            let t = self.block_h;
            let c_lo = (y + 1).saturating_sub(t);
            let c_hi = y.min(used - 1);
            if c_lo > c_hi {
                return None;
            }
            // P row of column c is base − c.
            Some(Seg {
                c_lo,
                c_hi,
                base: block * t + y,
                diag: true,
            })
        } else {
            let r = map.rows;
            if x >= r || x < r - f.used_r {
                return None;
            }
            let kk = f.fr * r + (r - 1 - x);
            Some(Seg {
                c_lo: 0,
                c_hi: f.used_c - 1,
                base: f.fc * self.block_h + kk,
                diag: false,
            })
        }
    }
}

/// A demanded piece of a prefetch matrix: columns `c_lo..=c_hi`; the row of column `c` is
/// `base − c` on an anti-diagonal, `base` on a matrix row.
#[derive(Copy, Clone, Debug)]
struct Seg {
    c_lo: u64,
    c_hi: u64,
    base: u64,
    diag: bool,
}

impl Seg {
    fn row(&self, c: u64) -> u64 {
        if self.diag { self.base - c } else { self.base }
    }
}

/// Valid OFMAP words written at fold row `x` (OS: the finished outputs leave the array bottom
/// row first after `T − 1` idle rows; WS/IS: one output row per cycle after `2R − 1` rows).
fn ofmap_count(map: &Mapping, f: &Fold, x: u64) -> u64 {
    let (r, t) = (map.rows as i64, map.t as i64);
    let x = x as i64;
    let (lo, hi) = match map.dataflow {
        Dataflow::Os => (x - t - r + 2, x - t + 1 - r + f.used_r as i64),
        Dataflow::Ws | Dataflow::Is => (x - 2 * r - t + 2, x - 2 * r + 1),
    };
    let lo = lo.max(0);
    let hi = hi.min(f.used_c as i64 - 1);
    if hi >= lo { (hi - lo + 1) as u64 } else { 0 }
}

// ------------------------------------------------------------------------------------------
// The read buffer (IFMAP / FILTER SRAM).
// ------------------------------------------------------------------------------------------

/// How hits are decided for a read operand.
enum Lookup {
    /// The operand fits in the active half: every access hits.
    AllHit,
    /// Set id of every `P` element (`u32::MAX` for padding); addresses are unique.
    ByPosition(Vec<u32>),
    /// For every address, the sorted distinct set ids holding it (CSR: `start[a]..start[a+1]`).
    ByAddress { start: Vec<u32>, sets: Vec<u32> },
}

struct ReadBuf {
    geom: Geom,
    lookup: Lookup,
    n_sets: u64,
    active_sets: u64,
    prefetch_sets: u64,
    win_start: u64,
    win_end: u64,
    bw: i64,
    prefetch_lines: i64,
    last_prefetch: i64,
    accesses: u64,
    dram_start: i64,
}

impl ReadBuf {
    fn new(
        arch: &Arch,
        map: &Mapping,
        layer: &Layer,
        ifmap: bool,
        path: Path,
    ) -> Result<ReadBuf, Error> {
        let geom = Geom::new(map, ifmap);
        let (total, bw) = if ifmap {
            (arch.ifmap_sram_words, arch.ifmap_bw)
        } else {
            (arch.filter_sram_words, arch.filter_bw)
        };
        let what = if ifmap { "IFMAP" } else { "FILTER" };
        if bw == 0 {
            return Err(Error::Invalid(format!(
                "{what} DRAM bandwidth must be at least 1 word/cycle"
            )));
        }
        if total < 2 {
            return Err(Error::Invalid(format!(
                "{what} SRAM must hold at least 2 words"
            )));
        }
        let active = total.div_ceil(2);
        let prefetch = total - active;
        let per_set = total.div_ceil(100);
        let (p_rows, width) = (geom.p_rows(), geom.width);
        let elems = p_rows * width;

        // Valid words of the stream (padding and out-of-input convolution taps excluded).
        let unique_by_construction = !ifmap || layer_addresses_unique(layer);
        let valid = if unique_by_construction {
            // Only columns past the extent are padding.
            geom.extent * geom.block_h
        } else {
            count_valid(&geom, layer)
        };
        let n_sets = valid / per_set + 1;
        let active_sets = n_sets.min(active.div_ceil(per_set));
        let prefetch_sets = (n_sets - active_sets).min(prefetch.div_ceil(per_set));

        let lookup = if path == Path::Fast && n_sets == active_sets {
            Lookup::AllHit
        } else if path == Path::Fast && unique_by_construction {
            let mut ids = vec![u32::MAX; elems as usize];
            let mut v = 0u64;
            walk_stream(&geom, |row, col| {
                if geom.addr(layer, row, col).is_some() {
                    ids[(row * width + col) as usize] = (v / per_set) as u32;
                    v += 1;
                }
            });
            Lookup::ByPosition(ids)
        } else {
            let space = match geom.is_ifmap {
                true => layer.ifmap_h * layer.ifmap_w * layer.channels,
                false => layer.k() * layer.n(),
            } as usize;
            let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(valid as usize);
            let mut v = 0u64;
            walk_stream(&geom, |row, col| {
                if let Some(a) = geom.addr(layer, row, col) {
                    pairs.push((a as u32, (v / per_set) as u32));
                    v += 1;
                }
            });
            pairs.sort_unstable();
            pairs.dedup();
            let mut start = vec![0u32; space + 1];
            for &(a, _) in &pairs {
                start[a as usize + 1] += 1;
            }
            for i in 0..space {
                start[i + 1] += start[i];
            }
            Lookup::ByAddress {
                start,
                sets: pairs.iter().map(|p| p.1).collect(),
            }
        };

        // Initial fill of the active half, ending at cycle -1.
        let fetch_lines = elems.div_ceil(bw) as i64;
        let init_lines = (active.div_ceil(bw) as i64).min(fetch_lines);
        Ok(ReadBuf {
            geom,
            lookup,
            n_sets,
            active_sets,
            prefetch_sets,
            win_start: 0,
            win_end: active_sets,
            bw: bw as i64,
            prefetch_lines: prefetch.div_ceil(bw) as i64,
            last_prefetch: -1,
            accesses: (init_lines * bw as i64) as u64,
            dram_start: -init_lines,
        })
    }

    fn in_window(&self, s: u64) -> bool {
        if self.win_start < self.win_end {
            self.win_start <= s && s < self.win_end
        } else {
            s >= self.win_start || s < self.win_end
        }
    }

    /// Move the window forward by the prefetch half and issue the DRAM burst behind it.
    fn new_prefetch(&mut self) {
        self.win_start = (self.win_start + self.prefetch_sets) % self.n_sets;
        self.win_end = (self.win_start + self.active_sets) % self.n_sets;
        self.accesses += (self.prefetch_lines * self.bw) as u64;
        // Lines requested on the cycles after the previous burst, each served 1 cycle later.
        self.last_prefetch += self.prefetch_lines + 1;
    }

    /// Bring set `s` into the window; `offset` is the row's running service offset.
    fn demand_set(&mut self, s: u64, cycle: i64, offset: &mut i64) -> Result<(), Error> {
        let mut guard = 0;
        while !self.in_window(s) {
            if self.prefetch_sets == 0 || guard > self.n_sets + 2 {
                return Err(Error::Invalid(
                    "SCALE-Sim read buffer cannot reach a demanded set".into(),
                ));
            }
            guard += 1;
            self.new_prefetch();
            let p = self.last_prefetch - (cycle + *offset);
            *offset += p;
            if p > 0 {
                *offset += p;
            }
        }
        Ok(())
    }

    /// Bring in any one of the sets holding an address (SCALE-Sim looks the address up in the
    /// sets of the active window).
    fn demand_any(&mut self, sets: &[u32], cycle: i64, offset: &mut i64) -> Result<(), Error> {
        let mut guard = 0;
        while !sets.iter().any(|&s| self.in_window(s as u64)) {
            if self.prefetch_sets == 0 || guard > self.n_sets + 2 {
                return Err(Error::Invalid(
                    "SCALE-Sim read buffer cannot reach a demanded address".into(),
                ));
            }
            guard += 1;
            self.new_prefetch();
            let p = self.last_prefetch - (cycle + *offset);
            *offset += p;
            if p > 0 {
                *offset += p;
            }
        }
        Ok(())
    }

    /// Serve one demand row issued at `cycle`; returns the cycle it is served (hit latency 1).
    fn service(
        &mut self,
        layer: &Layer,
        seg: &Seg,
        cycle: i64,
        per_address: bool,
    ) -> Result<i64, Error> {
        let mut offset = 1i64;
        match &self.lookup {
            Lookup::AllHit => {}
            Lookup::ByPosition(ids) if !per_address => {
                let w = self.geom.width;
                let first = ids[(seg.row(seg.c_lo) * w + seg.c_lo) as usize];
                let last = ids[(seg.row(seg.c_hi) * w + seg.c_hi) as usize];
                for s in first..=last {
                    self.demand_set(s as u64, cycle, &mut offset)?;
                }
            }
            Lookup::ByPosition(_) => unreachable!("per-address rows use address lookups"),
            Lookup::ByAddress { .. } => {
                for c in seg.c_lo..=seg.c_hi {
                    let Some(a) = self.geom.addr(layer, seg.row(c), c) else {
                        continue;
                    };
                    let Lookup::ByAddress { start, sets } = &self.lookup else {
                        unreachable!()
                    };
                    let (s0, s1) = (start[a as usize] as usize, start[a as usize + 1] as usize);
                    if sets[s0..s1].iter().any(|&s| self.in_window(s as u64)) {
                        continue; // a hit: nothing moves
                    }
                    let list: Vec<u32> = sets[s0..s1].to_vec();
                    self.demand_any(&list, cycle, &mut offset)?;
                }
            }
        }
        Ok(cycle + offset)
    }
}

/// Whether every IFMAP element of the im2col matrix is a distinct word (no overlapping
/// convolution windows and no out-of-input taps), as in every GEMM.
fn layer_addresses_unique(l: &Layer) -> bool {
    let rows_ok = l.ofmap_h() == 1 || l.stride_h >= l.filt_h;
    let cols_ok = l.ofmap_w() == 1 || l.stride_w >= l.filt_w;
    let inside = (l.ofmap_h() - 1) * l.stride_h + l.filt_h <= l.ifmap_h
        && (l.ofmap_w() - 1) * l.stride_w + l.filt_w <= l.ifmap_w;
    rows_ok && cols_ok && inside
}

fn count_valid(g: &Geom, layer: &Layer) -> u64 {
    let mut v = 0;
    for row in 0..g.p_rows() {
        for col in 0..g.width {
            if g.addr(layer, row, col).is_some() {
                v += 1;
            }
        }
    }
    v
}

/// Visit `P` in prefetch-stream order: anti-diagonals (column ascending within one) for
/// streamed operands, rows for tiles.
fn walk_stream(g: &Geom, mut f: impl FnMut(u64, u64)) {
    let (pr, pc) = (g.p_rows(), g.width);
    if g.streamed {
        for d in 0..(pr + pc - 1) {
            let max_row = d.min(pr - 1);
            let min_row = (d + 1).saturating_sub(pc);
            for row in (min_row..=max_row).rev() {
                f(row, d - row);
            }
        }
    } else {
        for row in 0..pr {
            for col in 0..pc {
                f(row, col);
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// The write buffer (OFMAP SRAM).
// ------------------------------------------------------------------------------------------

struct WriteBuf {
    total: i64,
    active: i64,
    bw: i64,
    lines_per_drain: i64,
    free: i64,
    drain_end: i64,
    /// Words in the line being filled.
    line_fill: i64,
    /// Closed lines waiting to drain, run-length encoded as (lines, words per line).
    queue: VecDeque<(i64, i64)>,
    queued_lines: i64,
    accesses: u64,
    dram_start: Option<i64>,
    dram_stop: i64,
}

impl WriteBuf {
    fn new(arch: &Arch) -> Result<WriteBuf, Error> {
        let bw = if arch.calc { arch.cols } else { arch.ofmap_bw };
        Self::sized(arch.ofmap_sram_words, bw)
    }

    fn sized(words: u64, bw: u64) -> Result<WriteBuf, Error> {
        if bw == 0 {
            return Err(Error::Invalid(
                "OFMAP DRAM bandwidth must be at least 1 word/cycle".into(),
            ));
        }
        if words < 2 {
            return Err(Error::Invalid(
                "OFMAP SRAM must hold at least 2 words".into(),
            ));
        }
        let total = words as i64;
        let active = (total + 1) / 2;
        let drain = total - active;
        let bw = bw as i64;
        Ok(WriteBuf {
            total,
            active,
            bw,
            lines_per_drain: (drain + bw - 1) / bw,
            free: total,
            drain_end: 0,
            line_fill: 0,
            queue: VecDeque::new(),
            queued_lines: 0,
            accesses: 0,
            dram_start: None,
            dram_stop: 0,
        })
    }

    fn push_lines(&mut self, n: i64, fill: i64) {
        if n == 0 {
            return;
        }
        match self.queue.back_mut() {
            Some((cnt, f)) if *f == fill => *cnt += n,
            _ => self.queue.push_back((n, fill)),
        }
        self.queued_lines += n;
    }

    fn store(&mut self, n: i64) {
        self.free -= n;
        self.line_fill += n;
        let full = self.line_fill / self.bw;
        self.line_fill %= self.bw;
        self.push_lines(full, self.bw);
    }

    /// Close the partially filled line (SCALE-Sim flushes it before every drain).
    fn close_line(&mut self) {
        if self.line_fill > 0 {
            let f = self.line_fill;
            self.line_fill = 0;
            self.push_lines(1, f);
        }
    }

    /// Drain up to half the buffer starting at `start`; returns the last drain cycle.
    fn drain(&mut self, start: i64) -> i64 {
        let lines = self.lines_per_drain.min(self.queued_lines);
        if lines == 0 {
            return self.drain_end;
        }
        let mut left = lines;
        let mut last_fill = self.bw;
        while left > 0 {
            let (cnt, fill) = self.queue.front_mut().expect("queued lines");
            let take = (*cnt).min(left);
            *cnt -= take;
            left -= take;
            last_fill = *fill;
            if *cnt == 0 {
                self.queue.pop_front();
            }
        }
        self.queued_lines -= lines;
        // SCALE-Sim counts every drained line as full except for the padding of the last one.
        let words = (lines - 1) * self.bw + last_fill;
        self.accesses += words as u64;
        self.free += words;
        let end = start + lines - 1;
        self.dram_start = Some(self.dram_start.map_or(start, |s| s.min(start)));
        self.dram_stop = self.dram_stop.max(end);
        end
    }

    /// Write `count` words demanded at `cycle`; returns the cycle the row completes.
    fn service(&mut self, count: u64, cycle: i64, one_by_one: bool) -> i64 {
        let mut current = cycle;
        let mut left = count as i64;
        while left > 0 {
            if current < self.drain_end {
                // A drain is in flight: stall only once the buffer is full.
                if self.free > 1 && !one_by_one {
                    let k = left.min(self.free - 1);
                    self.store(k);
                    left -= k;
                    continue;
                }
                self.store(1);
                left -= 1;
                if self.free <= 0 {
                    current = self.drain_end;
                }
            } else {
                if self.free > self.active && !one_by_one {
                    let k = left.min(self.free - self.active);
                    self.store(k);
                    left -= k;
                    continue;
                }
                self.store(1);
                left -= 1;
                if self.free < self.active {
                    self.close_line();
                    self.drain_end = self.drain(current);
                }
            }
        }
        current
    }

    /// Drain everything left after the last row (bursts back to back from `cycle`).
    fn flush(&mut self, mut cycle: i64) {
        self.close_line();
        while self.queued_lines > 0 {
            self.drain_end = self.drain(cycle);
            cycle = self.drain_end + 1;
        }
    }
}

// ------------------------------------------------------------------------------------------
// The row replay.
// ------------------------------------------------------------------------------------------

/// First and last serviced cycle of rows that demanded at least one word.
#[derive(Default, Clone, Copy)]
struct Span {
    first: Option<i64>,
    last: i64,
}

impl Span {
    fn see(&mut self, c: i64) {
        if self.first.is_none() {
            self.first = Some(c);
        }
        self.last = c;
    }
}

/// Simulate one layer with the chosen path.
pub fn run(arch: &Arch, layer: &Layer, path: Path) -> Result<Report, Error> {
    layer.check().map_err(Error::Invalid)?;
    if arch.rows == 0 || arch.cols == 0 {
        return Err(Error::Invalid(
            "array height and width must be at least 1".into(),
        ));
    }
    let (m, n, k) = (layer.m(), layer.n(), layer.k());
    let map = Mapping::new(arch.dataflow, arch.rows, arch.cols, m, n, k);
    let (r, c, t) = (map.rows, map.cols, map.t);
    let folds = map.folds();
    let fold_rows = map.serial_fold_cycles();
    let rows = folds * fold_rows;
    if rows < 2 {
        return Err(Error::Invalid(
            "the layer takes a single cycle; SCALE-Sim divides by its zero cycle count".into(),
        ));
    }

    // Per-fold metrics and SRAM access counts, in fold order (sums are sequential like
    // Python's `sum` in CPython 3.11).
    let (mut map_eff_sum, mut util_sum) = (0.0f64, 0.0f64);
    let (mut if_reads, mut fl_reads, mut of_writes) = (0u64, 0u64, 0u64);
    let pe = (r * c) as f64;
    let util_den = match map.dataflow {
        Dataflow::Os => t + r + c - 2,
        Dataflow::Ws | Dataflow::Is => t + 2 * r + 2 * c - 3,
    };
    for i in 0..folds {
        let f = map.fold(i);
        let used = f.used_r * f.used_c;
        map_eff_sum += used as f64 / pe;
        util_sum += (used * t) as f64 / (r * c * util_den) as f64;
        match map.dataflow {
            Dataflow::Os => {
                if_reads += t * f.used_r;
                fl_reads += t * f.used_c;
                of_writes += used + r + c;
            }
            Dataflow::Ws => {
                if_reads += t * f.used_r;
                fl_reads += used;
                of_writes += t * f.used_c;
            }
            Dataflow::Is => {
                if_reads += used;
                fl_reads += t * f.used_r;
                of_writes += t * f.used_c;
            }
        }
    }

    if arch.calc {
        let m = Metrics {
            map_eff_sum,
            util_sum,
            if_reads,
            fl_reads,
            of_writes,
        };
        return run_calc(arch, layer, &map, m);
    }

    let mut ibuf = ReadBuf::new(arch, &map, layer, true, path)?;
    let mut fbuf = ReadBuf::new(arch, &map, layer, false, path)?;
    let mut obuf = WriteBuf::new(arch)?;
    let total_out: u64 = (0..folds)
        .map(|i| {
            let f = map.fold(i);
            match map.dataflow {
                Dataflow::Os => f.used_r * f.used_c,
                _ => t * f.used_c,
            }
        })
        .sum();

    let reads_hit = matches!(ibuf.lookup, Lookup::AllHit) && matches!(fbuf.lookup, Lookup::AllHit);
    let never_drains = (total_out as i64) <= obuf.total - obuf.active;
    let (mut span_i, mut span_f, mut span_o) = (Span::default(), Span::default(), Span::default());
    let mut stall: i64 = 0;
    let mut last_out: i64 = 0;

    if path == Path::Fast && reads_hit && never_drains {
        // Nothing can stall: every row is served one cycle after it is issued (reads) or on
        // it (writes); only the first and last busy rows matter.
        let first_fold = map.fold(0);
        let last_fold = map.fold(folds - 1);
        let base_last = (folds - 1) * fold_rows;
        let busy = |f: &Fold, x: u64, which: u8| -> bool {
            match which {
                0 => ibuf.geom.segment(&map, f, x).is_some(),
                1 => fbuf.geom.segment(&map, f, x).is_some(),
                _ => ofmap_count(&map, f, x) > 0,
            }
        };
        for (which, span, lat) in [
            (0u8, &mut span_i, 1i64),
            (1, &mut span_f, 1),
            (2, &mut span_o, 0),
        ] {
            if let Some(x) = (0..fold_rows).find(|&x| busy(&first_fold, x, which)) {
                span.see(x as i64 + lat);
            }
            if let Some(x) = (0..fold_rows).rev().find(|&x| busy(&last_fold, x, which)) {
                span.last = (base_last + x) as i64 + lat;
            }
        }
        last_out = rows as i64 - 1;
        // Every word is written into the buffer; the final flush drains it.
        obuf.store(total_out as i64);
    } else {
        let per_address = path == Path::Reference;
        let mut row = 0i64;
        for i in 0..folds {
            let f = map.fold(i);
            for x in 0..fold_rows {
                let cycle = row + stall;
                let mut d_if = 0;
                let mut d_fl = 0;
                if let Some(seg) = ibuf.geom.segment(&map, &f, x) {
                    let out = ibuf.service(layer, &seg, cycle, per_address)?;
                    d_if = out - cycle - 1;
                    span_i.see(out);
                }
                if let Some(seg) = fbuf.geom.segment(&map, &f, x) {
                    let out = fbuf.service(layer, &seg, cycle, per_address)?;
                    d_fl = out - cycle - 1;
                    span_f.see(out);
                }
                let cnt = ofmap_count(&map, &f, x);
                let out = if cnt > 0 {
                    let o = obuf.service(cnt, cycle, per_address);
                    span_o.see(o);
                    o
                } else {
                    cycle
                };
                let d_of = out - cycle;
                last_out = out;
                stall += d_if.max(d_fl).max(d_of);
                row += 1;
            }
        }
    }
    obuf.flush(last_out);

    let dram_i = (ibuf.dram_start, ibuf.last_prefetch, ibuf.accesses);
    let dram_f = (fbuf.dram_start, fbuf.last_prefetch, fbuf.accesses);
    let m = Metrics {
        map_eff_sum,
        util_sum,
        if_reads,
        fl_reads,
        of_writes,
    };
    Ok(report(
        &map,
        &m,
        last_out,
        stall,
        [span_i, span_f, span_o],
        [dram_i, dram_f],
        &obuf,
    ))
}

/// Per-fold sums and SRAM access counts.
struct Metrics {
    map_eff_sum: f64,
    util_sum: f64,
    if_reads: u64,
    fl_reads: u64,
    of_writes: u64,
}

/// Assemble SCALE-Sim's report values.
fn report(
    map: &Mapping,
    m: &Metrics,
    total_cycles: i64,
    stall: i64,
    spans: [Span; 3],
    dram_rd: [(i64, i64, u64); 2],
    obuf: &WriteBuf,
) -> Report {
    let [span_i, span_f, span_o] = spans;
    let [dram_i, dram_f] = dram_rd;
    let folds = map.folds();
    let pe = (map.rows * map.cols) as f64;
    let (if_reads, fl_reads, of_writes) = (m.if_reads, m.fl_reads, m.of_writes);
    let dram_o = (obuf.dram_start.unwrap_or(0), obuf.dram_stop, obuf.accesses);
    let tc = total_cycles as f64;
    let bw = |words: u64, a: i64, b: i64| words as f64 / ((b - a) as f64 + 1.0);
    Report {
        total_cycles_incl_prefetch: dram_o.1 - dram_i.0.min(dram_f.0),
        total_cycles,
        stall_cycles: stall,
        overall_util: (map.macs() as f64 * 100.0) / (total_cycles as f64 * pe),
        mapping_efficiency: m.map_eff_sum / folds as f64 * 100.0,
        compute_util: m.util_sum / folds as f64 * 100.0,
        avg_ifmap_sram_bw: if_reads as f64 / tc,
        avg_filter_sram_bw: fl_reads as f64 / tc,
        avg_ofmap_sram_bw: of_writes as f64 / tc,
        avg_ifmap_dram_bw: bw(dram_i.2, dram_i.0, dram_i.1),
        avg_filter_dram_bw: bw(dram_f.2, dram_f.0, dram_f.1),
        avg_ofmap_dram_bw: bw(dram_o.2, dram_o.0, dram_o.1),
        sram_ifmap_start: span_i.first.unwrap_or(0),
        sram_ifmap_stop: span_i.last,
        sram_ifmap_reads: if_reads,
        sram_filter_start: span_f.first.unwrap_or(0),
        sram_filter_stop: span_f.last,
        sram_filter_reads: fl_reads,
        sram_ofmap_start: span_o.first.unwrap_or(0),
        sram_ofmap_stop: span_o.last,
        sram_ofmap_writes: of_writes,
        dram_ifmap_start: dram_i.0,
        dram_ifmap_stop: dram_i.1,
        dram_ifmap_reads: dram_i.2,
        dram_filter_start: dram_f.0,
        dram_filter_stop: dram_f.1,
        dram_filter_reads: dram_f.2,
        dram_ofmap_start: dram_o.0,
        dram_ofmap_stop: dram_o.1,
        dram_ofmap_writes: dram_o.2,
        rows: map.folds() * map.serial_fold_cycles(),
    }
}

// ------------------------------------------------------------------------------------------
// CALC mode: bandwidth estimation.
// ------------------------------------------------------------------------------------------

/// SCALE-Sim's read buffer in `CALC` mode: every read hits; addresses are grouped, in the order
/// they are first demanded, into sets of `floor(words/100)`; when the sets demanded since the
/// last estimate fill the active half (50 sets), the next 50 are "prefetched" over the cycles
/// the previous 50 took to consume, at the bandwidth that needs (the first 50 at 10 words/cycle,
/// ending 2 cycles before the first demand). An address demanded again after its set left the
/// window joins a new set and is fetched again.
struct EstBuf {
    items: u64,
    /// Latest set holding each address (`u32::MAX`: none).
    last_set: Vec<u32>,
    cur_id: u64,
    elems_cur: u64,
    read_start: u64,
    read_end: u64,
    pre_start: u64,
    pre_end: u64,
    last_start: i64,
    last_end: i64,
    first_req: i64,
    first_seen: bool,
    active_done: bool,
    /// Sizes of the sets made so far (only the last can be partial).
    sizes: Vec<u64>,
    accesses: u64,
    trace_first: Option<i64>,
    trace_last: i64,
}

const EST_SETS: u64 = 50;
const EST_DEFAULT_BW: u64 = 10;

impl EstBuf {
    fn new(words: u64, space: u64, what: &str) -> Result<EstBuf, Error> {
        let items = words / 100;
        if items == 0 {
            return Err(Error::Invalid(format!(
                "{what} SRAM of {words} words is too small for CALC mode (SCALE-Sim needs at least 100)"
            )));
        }
        Ok(EstBuf {
            items,
            last_set: vec![u32::MAX; space as usize],
            cur_id: 0,
            elems_cur: 0,
            read_start: 0,
            read_end: EST_SETS - 1,
            pre_start: 0,
            pre_end: 0,
            last_start: -2,
            last_end: -1,
            first_req: 0,
            first_seen: false,
            active_done: false,
            sizes: Vec::new(),
            accesses: 0,
            trace_first: None,
            trace_last: 0,
        })
    }

    fn see_row(&mut self, cycle: i64) {
        if !self.first_seen {
            self.first_req = cycle;
            self.first_seen = true;
        }
    }

    /// Estimate-fetch sets `a..=b` over `[last_start, last_end]` at `bw` words/cycle.
    fn prefetch(&mut self, a: u64, b: u64, bw: u64) -> Result<(), Error> {
        let words: u64 = (a..=b)
            .map(|i| self.sizes.get(i as usize).copied().unwrap_or(0))
            .sum();
        self.accesses += words;
        let cycles = self.last_end - self.last_start + 1;
        if cycles <= 0 || (cycles as u64) * bw < words {
            return Err(Error::Invalid(
                "SCALE-Sim's CALC bandwidth estimate breaks down on this layer (sets completed \
                 faster than one per cycle); SCALE-Sim itself fails here"
                    .into(),
            ));
        }
        if self.trace_first.is_none() {
            self.trace_first = Some(self.last_start + 1);
        }
        self.trace_last = self.last_end + 1;
        Ok(())
    }

    fn demand(&mut self, cycle: i64, addr: u64) -> Result<(), Error> {
        let s = self.last_set[addr as usize];
        let end = self.cur_id.min(self.read_end + 1);
        if s != u32::MAX && (s as u64) >= self.read_start && (s as u64) < end {
            return Ok(()); // hit in the active window
        }
        if s != u32::MAX && s as u64 == self.cur_id {
            return Ok(()); // already in the set being built
        }
        self.last_set[addr as usize] = self.cur_id as u32;
        self.elems_cur += 1;
        if self.elems_cur == self.items {
            self.sizes.push(self.elems_cur);
            self.elems_cur = 0;
            self.cur_id += 1;
            if self.cur_id == self.read_end + 1 {
                if !self.active_done {
                    // The first 50 sets, at the default bandwidth, ending 2 cycles before the
                    // first demand (read latency 1).
                    self.last_end = self.first_req - 2;
                    let cycles = (EST_SETS * self.items).div_ceil(EST_DEFAULT_BW) as i64;
                    self.last_start = self.last_end - cycles + 1;
                    self.prefetch(0, EST_SETS - 1, EST_DEFAULT_BW)?;
                    self.pre_start = self.read_end + 1;
                    self.pre_end = self.pre_start + EST_SETS - 1;
                    self.active_done = true;
                } else {
                    let cycles = self.last_end - self.last_start + 1;
                    if cycles <= 0 {
                        return Err(Error::Invalid(
                            "SCALE-Sim's CALC bandwidth estimate divides by zero on this layer"
                                .into(),
                        ));
                    }
                    let bw = (EST_SETS * self.items).div_ceil(cycles as u64);
                    self.prefetch(self.pre_start, self.pre_end, bw)?;
                    self.pre_start += EST_SETS;
                    self.pre_end += EST_SETS;
                }
                self.read_start += EST_SETS;
                self.read_end += EST_SETS;
                self.last_start = self.last_end + 1;
                self.last_end = cycle;
            }
        }
        Ok(())
    }

    /// Estimate the fetch of everything not yet estimated, after the last row.
    fn complete(&mut self) -> Result<(), Error> {
        if self.elems_cur > 0 {
            self.sizes.push(self.elems_cur);
        } else {
            self.cur_id = self.cur_id.wrapping_sub(1);
        }
        if !self.active_done {
            self.last_end = -2;
            let sets = self.cur_id.wrapping_add(1);
            let cycles = (sets * self.items).div_ceil(EST_DEFAULT_BW) as i64;
            self.last_start = self.last_end - cycles + 1;
            if sets > 0 {
                self.prefetch(0, sets - 1, EST_DEFAULT_BW)?;
            }
            self.active_done = true;
        } else {
            let sets = self.cur_id as i64 - self.pre_start as i64 + 1;
            let cycles = self.last_end - self.last_start + 1;
            if sets <= 0 || cycles <= 0 {
                return Err(Error::Invalid(
                    "SCALE-Sim's CALC bandwidth estimate has no data for its last window on this layer"
                        .into(),
                ));
            }
            let bw = (sets as u64 * self.items).div_ceil(cycles as u64);
            self.prefetch(self.pre_start, self.cur_id, bw)?;
        }
        Ok(())
    }
}

/// `CALC` mode: no read stalls; OFMAP as in `USER` mode with an `ArrayWidth` drain.
fn run_calc(arch: &Arch, layer: &Layer, map: &Mapping, m: Metrics) -> Result<Report, Error> {
    let gi = Geom::new(map, true);
    let gf = Geom::new(map, false);
    let mut ie = EstBuf::new(
        arch.ifmap_sram_words,
        layer.ifmap_h * layer.ifmap_w * layer.channels,
        "IFMAP",
    )?;
    let mut fe = EstBuf::new(arch.filter_sram_words, layer.k() * layer.n(), "FILTER")?;
    let mut obuf = WriteBuf::new(arch)?;
    let (mut span_i, mut span_f, mut span_o) = (Span::default(), Span::default(), Span::default());
    let (mut stall, mut last_out, mut row) = (0i64, 0i64, 0i64);
    let fold_rows = map.serial_fold_cycles();
    for i in 0..map.folds() {
        let f = map.fold(i);
        for x in 0..fold_rows {
            let cycle = row + stall;
            for (g, est, span) in [(&gi, &mut ie, &mut span_i), (&gf, &mut fe, &mut span_f)] {
                if let Some(seg) = g.segment(map, &f, x) {
                    let mut any = false;
                    let mut err = None;
                    g.for_each_addr(layer, &seg, |a| {
                        if !any {
                            est.see_row(cycle);
                            any = true;
                        }
                        if err.is_none()
                            && let Err(e) = est.demand(cycle, a)
                        {
                            err = Some(e);
                        }
                    });
                    if let Some(e) = err {
                        return Err(e);
                    }
                    if any {
                        span.see(cycle + 1);
                    }
                }
            }
            let cnt = ofmap_count(map, &f, x);
            let out = if cnt > 0 {
                let o = obuf.service(cnt, cycle, false);
                span_o.see(o);
                o
            } else {
                cycle
            };
            last_out = out;
            stall += out - cycle;
            row += 1;
        }
    }
    ie.complete()?;
    fe.complete()?;
    obuf.flush(last_out);
    let d = |e: &EstBuf| (e.trace_first.unwrap_or(0), e.trace_last, e.accesses);
    Ok(report(
        map,
        &m,
        last_out,
        stall,
        [span_i, span_f, span_o],
        [d(&ie), d(&fe)],
        &obuf,
    ))
}
