//! Inner-product baseline: every output entry is one dot product of a row of A and a
//! column of B, computed completely by one thread (output-stationary).
//!
//! The thesis's framing: the inner product makes few intermediates but fetches its inputs
//! redundantly. A kernel that tried every `(i, j)` pair would visit `rows(A) * cols(B)`
//! pairs (535 M for ca-CondMat, 4.3 G for an R-MAT scale-16 graph), nearly all empty; no
//! practical inner-product SpGEMM does that on such inputs. This kernel ([A], the
//! two-phase scheme of masked dot-product SpGEMM, e.g. SuiteSparse:GraphBLAS's dot
//! methods) first finds row `i`'s output columns, then computes each one as a dot product:
//!
//! 1. **symbolic** (per row `i`): for each `A(i,k)`, read row `k` of B's column indices and
//!    set bit `j` of the thread's scratchpad bitmap (`cols(B)` bits); a newly set bit
//!    appends `j` to the thread's column list (in the scratchpad, spilling to DRAM past its
//!    capacity). Load, test, and store of the bitmap word per index.
//! 2. **numeric** (per listed `j`): clear the bitmap word, fetch column `j` of B from B's
//!    CSC copy (DMA into the staging buffer: the *redundant fetch*, once per output entry),
//!    merge it with row `i` of A (kept in the other staging buffer) by two-pointer
//!    intersection (a compare per step, a load per advanced pointer, a multiply-add per
//!    match), and write the 16-byte `(row, column, value)` entry to DRAM.
//!
//! Rows are split in equal contiguous blocks over cores and dealt to the core's threads in
//! turn. All of it is executed; the merge steps, matches and fetches come from the data.
//!
//! `inner-allpairs` is the textbook inner product the SMASH thesis's abstract describes
//! ("fewer intermediate results ... redundant fetches of the input matrix elements"): no
//! symbolic pass; for every non-empty row `i` of A and every column `j` of B it loads
//! column `j`'s pointers, and if the column is not empty fetches it and merges it with
//! row `i`; an entry is written when the merge found at least one match. It visits
//! `rows(A) * cols(B)` pairs (4.5 K for west0067, 27 M for ca-GrQc), so its simulation
//! costs that many column-pointer loads and merges.

use super::Bases;
use super::config::PiumaConfig;
use super::core::{Kernel, Op, Topology};
use super::layout::{Buffers, Compressed, OutStreams, align};
use super::smash::{KernelError, split_rows};
use super::spad::SpadOp;
use crate::stats::StatSet;
use crate::workload::sparse::SparseMatrix;
use std::sync::Arc;

const PHASES: &[&str] = &["symbolic", "numeric"];

#[derive(Clone, Debug, Default)]
struct It {
    st: u8,
    row: u32,
    ap0: usize,
    ap: usize,
    ap_end: usize,
    a_in_spad: bool,
    bp: usize,
    bp_end: usize,
    b_chunk: usize,
    bit_word: u64,
    bit: u64,
    list: Vec<u32>,
    li: usize,
    j: u32,
    pa: usize,
    pb: usize,
    q0: usize,
    q_end: usize,
    b_in_spad: bool,
    acc: f64,
    l_end: usize,
    dot_matches: u64,
}

const N_ROW: u8 = 0;
const N_ROWPTR: u8 = 1;
const N_AV: u8 = 2;
const N_SK: u8 = 3;
const N_SK2: u8 = 4;
const N_SK3: u8 = 5;
const N_SJ: u8 = 6;
const N_SJ2: u8 = 7;
const N_SJ3: u8 = 8;
const N_SJ4: u8 = 9;
const N_SJ5: u8 = 10;
const N_NUM0: u8 = 11;
const N_L: u8 = 12;
const N_L2: u8 = 13;
const N_L3: u8 = 14;
const N_L4: u8 = 15;
const N_LV: u8 = 16;
const N_M0: u8 = 17;
const N_M1: u8 = 18;
const N_M: u8 = 19;
const N_M2: u8 = 20;
const N_M3: u8 = 21;
const N_M4: u8 = 22;
const N_WR: u8 = 23;
const N_END: u8 = 24;
const N_DONE: u8 = 25;

/// Counters of the inner product.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InnerStats {
    /// Dot products computed (output entries).
    pub dots: u64,
    /// Two-pointer merge steps.
    pub merge_steps: u64,
    /// Index matches (scalar multiplications).
    pub matches: u64,
    /// Columns of B fetched (once per output entry).
    pub col_fetches: u64,
    /// Column-list entries spilled to DRAM.
    pub list_spills: u64,
    /// (row, column) pairs examined (all-pairs variant: every pair of a non-empty row of A
    /// and a column of B; symbolic variant: the output entries).
    pub pairs: u64,
}

/// The inner-product kernel.
pub struct InnerKernel {
    a: Arc<SparseMatrix>,
    b: Arc<SparseMatrix>,
    bt: SparseMatrix,
    la: Compressed,
    lb: Compressed,
    lbt: Compressed,
    th: Vec<It>,
    tcore: Vec<u32>,
    rows: Vec<(u32, u32, u32)>,
    bitmap: Vec<u64>,
    list_base: Vec<u64>,
    list_cap: u64,
    bufs: Vec<Buffers>,
    e: usize,
    fetch_dma: bool,
    all_pairs: bool,
    spill_base: u64,
    spill_stride: u64,
    outs: OutStreams,
    out: Vec<(u32, u32, f64)>,
    /// Counters.
    pub stats: InnerStats,
}

impl InnerKernel {
    /// Build the kernel for `C = A * B`; `all_pairs` selects the textbook variant without
    /// the symbolic pass.
    pub fn new(
        cfg: &PiumaConfig,
        topo: &Topology,
        a: Arc<SparseMatrix>,
        b: Arc<SparseMatrix>,
        bases: Bases,
        all_pairs: bool,
    ) -> Result<Self, KernelError> {
        let e = cfg.buffer_entries as usize;
        let bw = Buffers::words(e as u64);
        // The all-pairs variant needs no bitmap (and no column list).
        let bm_words = if all_pairs {
            0
        } else {
            (b.ncols as u64).div_ceil(64)
        };
        let per_thread = cfg.spad_words() / topo.threads_per_core as u64;
        if per_thread < bm_words + bw + 16 {
            return Err(KernelError::Capacity(format!(
                "inner product: a {} KiB column bitmap (B has {} columns) and staging buffers do not fit \
                 the {} KiB scratchpad share of each of the core's {} threads",
                bm_words * 8 / 1024,
                b.ncols,
                per_thread * 8 / 1024,
                topo.threads_per_core
            )));
        }
        let list_cap = (per_thread - bm_words - bw).min(b.ncols as u64);
        let core_rows = split_rows(a.nrows as u32, &vec![1; topo.cores as usize]);
        let mut th = vec![It::default(); topo.threads.len()];
        let mut rows = Vec::new();
        let mut bitmap = Vec::new();
        let mut list_base = Vec::new();
        let mut bufs = Vec::new();
        for (t, p) in topo.threads.iter().enumerate() {
            let (r0, r1) = core_rows[p.core as usize];
            rows.push((r0 + p.in_core, r1, topo.threads_per_core));
            th[t].row = r0 + p.in_core;
            let base = p.in_core as u64 * per_thread;
            bitmap.push(base);
            bufs.push(Buffers {
                base: base + bm_words,
                entries: e as u64,
            });
            list_base.push(base + bm_words + bw);
        }
        let bt = b.transpose();
        let la = Compressed::new(bases.a, &a);
        let lb = Compressed::new(bases.b, &b);
        let lbt = Compressed::new(lb.end, &bt);
        let nthreads = topo.threads.len() as u64;
        let (outs, mut ws) = bases.outputs(topo.threads.len());
        let spill_stride = align(4 * b.ncols as u64);
        let spill_base = ws.take(spill_stride * nthreads);
        Ok(InnerKernel {
            a,
            b,
            bt,
            la,
            lb,
            lbt,
            th,
            tcore: topo.threads.iter().map(|p| p.core).collect(),
            rows,
            bitmap,
            list_base,
            list_cap,
            bufs,
            e,
            fetch_dma: cfg.fetch == "dma",
            all_pairs,
            spill_base,
            spill_stride,
            outs,
            out: Vec::new(),
            stats: InnerStats::default(),
        })
    }

    /// Load A's index at `p` (scratchpad copy if the row fits the buffer).
    fn load_a_idx(&self, t: usize, p: usize) -> Op {
        let it = &self.th[t];
        if it.a_in_spad {
            Op::Spad {
                core: self.tcore[t],
                word: self.bufs[t].idx_word(0, (p - it.ap0) as u64),
                op: SpadOp::LoadBuf,
            }
        } else {
            Op::DramRead {
                addr: self.la.idx_at(p),
                bytes: 4,
            }
        }
    }

    fn load_b_idx(&self, t: usize, q: usize) -> Op {
        let it = &self.th[t];
        if it.b_in_spad {
            Op::Spad {
                core: self.tcore[t],
                word: self.bufs[t].idx_word(1, (q - it.q0) as u64),
                op: SpadOp::LoadBuf,
            }
        } else {
            Op::DramRead {
                addr: self.lbt.idx_at(q),
                bytes: 4,
            }
        }
    }
}

impl Kernel for InnerKernel {
    fn next(&mut self, tid: u32, ret: u64) -> Op {
        let t = tid as usize;
        let core = self.tcore[t];
        let e = self.e;
        loop {
            let st = self.th[t].st;
            match st {
                N_ROW => {
                    let (_, r1, _) = self.rows[t];
                    let it = &mut self.th[t];
                    if it.row >= r1 {
                        it.st = N_END;
                        continue;
                    }
                    it.st = N_ROWPTR;
                    return Op::DramRead {
                        addr: self.la.ptr_at(it.row as usize),
                        bytes: 8,
                    };
                }
                N_ROWPTR => {
                    let row = self.th[t].row as usize;
                    let it = &mut self.th[t];
                    it.ap0 = self.a.indptr[row];
                    it.ap = it.ap0;
                    it.ap_end = self.a.indptr[row + 1];
                    it.list.clear();
                    it.a_in_spad = self.fetch_dma && it.ap_end - it.ap0 <= e;
                    it.st = N_SK;
                    if it.ap == it.ap_end {
                        it.st = N_NUM0;
                        continue;
                    }
                    if it.a_in_spad {
                        it.st = N_AV;
                        return Op::Dma {
                            addr: self.la.idx_at(it.ap0),
                            bytes: 4 * (it.ap_end - it.ap0) as u32,
                            write: false,
                            wait: false,
                        };
                    }
                    return Op::Phase(0);
                }
                N_AV => {
                    let it = &mut self.th[t];
                    it.st = N_SK;
                    return Op::Dma {
                        addr: self.la.val_at(it.ap0),
                        bytes: 8 * (it.ap_end - it.ap0) as u32,
                        write: false,
                        wait: true,
                    };
                }
                N_SK => {
                    let it = &mut self.th[t];
                    if it.ap == it.ap_end || self.all_pairs {
                        it.st = N_NUM0;
                        continue;
                    }
                    it.st = N_SK2;
                    let ap = it.ap;
                    return self.load_a_idx(t, ap);
                }
                N_SK2 => {
                    let k = self.a.indices[self.th[t].ap] as usize;
                    self.th[t].st = N_SK3;
                    return Op::DramRead {
                        addr: self.lb.ptr_at(k),
                        bytes: 8,
                    };
                }
                N_SK3 => {
                    let k = self.a.indices[self.th[t].ap] as usize;
                    let it = &mut self.th[t];
                    it.bp = self.b.indptr[k];
                    it.bp_end = self.b.indptr[k + 1];
                    it.b_chunk = usize::MAX;
                    it.st = N_SJ;
                }
                N_SJ => {
                    let it = &mut self.th[t];
                    if it.bp == it.bp_end {
                        it.ap += 1;
                        it.st = N_SK;
                        continue;
                    }
                    it.st = N_SJ2;
                    if self.fetch_dma {
                        if it.b_chunk == usize::MAX || it.bp - it.b_chunk == e {
                            it.b_chunk = it.bp;
                            let n = (it.bp_end - it.bp).min(e);
                            it.st = N_SJ;
                            it.b_chunk = it.bp;
                            // Mark the chunk as loaded by moving on after the DMA.
                            it.st = N_SJ2 | 0x80;
                            return Op::Dma {
                                addr: self.lb.idx_at(it.bp),
                                bytes: 4 * n as u32,
                                write: false,
                                wait: true,
                            };
                        }
                        return Op::Spad {
                            core,
                            word: self.bufs[t].idx_word(1, (it.bp - it.b_chunk) as u64),
                            op: SpadOp::LoadBuf,
                        };
                    }
                    return Op::DramRead {
                        addr: self.lb.idx_at(it.bp),
                        bytes: 4,
                    };
                }
                x if x == N_SJ2 | 0x80 => {
                    let it = &mut self.th[t];
                    it.st = N_SJ2;
                    return Op::Spad {
                        core,
                        word: self.bufs[t].idx_word(1, (it.bp - it.b_chunk) as u64),
                        op: SpadOp::LoadBuf,
                    };
                }
                N_SJ2 => {
                    let j = self.b.indices[self.th[t].bp] as u64;
                    let it = &mut self.th[t];
                    it.bit_word = self.bitmap[t] + j / 64;
                    it.bit = 1 << (j % 64);
                    it.st = N_SJ3;
                    return Op::Alu(2);
                }
                N_SJ3 => {
                    self.th[t].st = N_SJ4;
                    return Op::Spad {
                        core,
                        word: self.th[t].bit_word,
                        op: SpadOp::Load,
                    };
                }
                N_SJ4 => {
                    let it = &mut self.th[t];
                    if ret & it.bit != 0 {
                        it.bp += 1;
                        it.st = N_SJ;
                        return Op::Alu(1);
                    }
                    it.st = N_SJ5;
                    return Op::Spad {
                        core,
                        word: it.bit_word,
                        op: SpadOp::Store(ret | it.bit),
                    };
                }
                N_SJ5 => {
                    let j = self.b.indices[self.th[t].bp];
                    let it = &mut self.th[t];
                    let n = it.list.len() as u64;
                    it.list.push(j);
                    it.bp += 1;
                    it.st = N_SJ;
                    if n < self.list_cap {
                        return Op::Spad {
                            core,
                            word: self.list_base[t] + n,
                            op: SpadOp::Store(j as u64),
                        };
                    }
                    self.stats.list_spills += 1;
                    return Op::DramWrite {
                        addr: self.spill_base + t as u64 * self.spill_stride + 4 * n,
                        bytes: 4,
                    };
                }
                N_NUM0 => {
                    let it = &mut self.th[t];
                    it.li = 0;
                    it.l_end = if !self.all_pairs {
                        it.list.len()
                    } else if it.ap0 == it.ap_end {
                        0
                    } else {
                        self.b.ncols
                    };
                    it.st = N_L;
                    return Op::Phase(1);
                }
                N_L => {
                    let (_, _, step) = self.rows[t];
                    let it = &mut self.th[t];
                    if it.li == it.l_end {
                        it.row += step;
                        it.st = N_ROW;
                        return Op::Phase(0);
                    }
                    if self.all_pairs {
                        it.j = it.li as u32;
                        it.st = N_L3;
                        continue;
                    }
                    it.st = N_L2;
                    let n = it.li as u64;
                    if n < self.list_cap {
                        return Op::Spad {
                            core,
                            word: self.list_base[t] + n,
                            op: SpadOp::Load,
                        };
                    }
                    return Op::DramRead {
                        addr: self.spill_base + t as u64 * self.spill_stride + 4 * n,
                        bytes: 4,
                    };
                }
                N_L2 => {
                    let it = &mut self.th[t];
                    it.j = it.list[it.li];
                    let w = self.bitmap[t] + it.j as u64 / 64;
                    it.st = N_L3;
                    // Clear the bitmap word for the next row.
                    return Op::Spad {
                        core,
                        word: w,
                        op: SpadOp::Store(0),
                    };
                }
                N_L3 => {
                    self.th[t].st = N_L4;
                    return Op::DramRead {
                        addr: self.lbt.ptr_at(self.th[t].j as usize),
                        bytes: 8,
                    };
                }
                N_L4 => {
                    let j = self.th[t].j as usize;
                    let it = &mut self.th[t];
                    it.q0 = self.bt.indptr[j];
                    it.q_end = self.bt.indptr[j + 1];
                    self.stats.pairs += 1;
                    if it.q0 == it.q_end {
                        // All-pairs only (listed columns are never empty): skip the column.
                        it.li += 1;
                        it.st = N_L;
                        return Op::Alu(1);
                    }
                    it.b_in_spad = self.fetch_dma && it.q_end - it.q0 <= e;
                    it.pa = it.ap0;
                    it.pb = it.q0;
                    it.acc = 0.0;
                    it.dot_matches = 0;
                    self.stats.col_fetches += 1;
                    it.st = N_M0;
                    if it.b_in_spad {
                        it.st = N_LV;
                        return Op::Dma {
                            addr: self.lbt.idx_at(it.q0),
                            bytes: 4 * (it.q_end - it.q0) as u32,
                            write: false,
                            wait: false,
                        };
                    }
                }
                N_LV => {
                    let it = &mut self.th[t];
                    it.st = N_M0;
                    return Op::Dma {
                        addr: self.lbt.val_at(it.q0),
                        bytes: 8 * (it.q_end - it.q0) as u32,
                        write: false,
                        wait: true,
                    };
                }
                N_M0 => {
                    // Load both list heads.
                    let pa = self.th[t].pa;
                    self.th[t].st = N_M1;
                    return self.load_a_idx(t, pa);
                }
                N_M1 => {
                    let pb = self.th[t].pb;
                    self.th[t].st = N_M;
                    return self.load_b_idx(t, pb);
                }
                N_M => {
                    let it = &mut self.th[t];
                    if it.pa == it.ap_end || it.pb == it.q_end {
                        it.st = N_WR;
                        continue;
                    }
                    self.stats.merge_steps += 1;
                    it.st = N_M2;
                    return Op::Alu(1);
                }
                N_M2 => {
                    let (pa, pb) = (self.th[t].pa, self.th[t].pb);
                    let ka = self.a.indices[pa];
                    let kb = self.bt.indices[pb];
                    if ka < kb {
                        self.th[t].pa += 1;
                        self.th[t].st = N_M;
                        if pa + 1 < self.th[t].ap_end {
                            return self.load_a_idx(t, pa + 1);
                        }
                        continue;
                    }
                    if kb < ka {
                        self.th[t].pb += 1;
                        self.th[t].st = N_M;
                        if pb + 1 < self.th[t].q_end {
                            return self.load_b_idx(t, pb + 1);
                        }
                        continue;
                    }
                    // Match: load both values.
                    self.th[t].st = N_M3;
                    let it = &self.th[t];
                    if it.a_in_spad {
                        return Op::Spad {
                            core,
                            word: self.bufs[t].val_word(0, (pa - it.ap0) as u64),
                            op: SpadOp::LoadBuf,
                        };
                    }
                    return Op::DramRead {
                        addr: self.la.val_at(pa),
                        bytes: 8,
                    };
                }
                N_M3 => {
                    let pb = self.th[t].pb;
                    self.th[t].st = N_M4;
                    let it = &self.th[t];
                    if it.b_in_spad {
                        return Op::Spad {
                            core,
                            word: self.bufs[t].val_word(1, (pb - it.q0) as u64),
                            op: SpadOp::LoadBuf,
                        };
                    }
                    return Op::DramRead {
                        addr: self.lbt.val_at(pb),
                        bytes: 8,
                    };
                }
                N_M4 => {
                    let (pa, pb) = (self.th[t].pa, self.th[t].pb);
                    self.stats.matches += 1;
                    let it = &mut self.th[t];
                    it.dot_matches += 1;
                    it.acc += self.a.values[pa] * self.bt.values[pb];
                    it.pa += 1;
                    it.pb += 1;
                    // Multiply-add, then reload both heads.
                    it.st = N_M0;
                    if it.pa == it.ap_end || it.pb == it.q_end {
                        it.st = N_M;
                    }
                    return Op::Alu(1);
                }
                N_WR => {
                    let it = &mut self.th[t];
                    if it.dot_matches == 0 {
                        // All-pairs only: an empty intersection writes nothing.
                        it.li += 1;
                        it.st = N_L;
                        return Op::Alu(1);
                    }
                    self.out.push((it.row, it.j, it.acc));
                    self.stats.dots += 1;
                    it.li += 1;
                    let addr = self.outs.next_addr(t);
                    it.st = N_L;
                    return Op::DramWrite { addr, bytes: 16 };
                }
                N_END => {
                    self.th[t].st = N_DONE;
                    return Op::WaitDma;
                }
                _ => return Op::Done,
            }
        }
    }

    fn phases(&self) -> &'static [&'static str] {
        PHASES
    }

    fn stats(&self, out: &mut StatSet) {
        let s = &self.stats;
        out.int(
            "inner_dots",
            s.dots,
            "ops",
            "Dot products computed (output entries).",
        );
        out.int(
            "inner_merge_steps",
            s.merge_steps,
            "ops",
            "Two-pointer merge steps.",
        );
        out.int(
            "inner_matches",
            s.matches,
            "ops",
            "Index matches (scalar multiplications).",
        );
        out.int(
            "inner_column_fetches",
            s.col_fetches,
            "ops",
            "Columns of B fetched (once per output entry: the redundant fetches).",
        );
        out.int(
            "inner_pairs",
            s.pairs,
            "ops",
            "(row, column) pairs examined (all-pairs: every non-empty row of A with every column of B).",
        );
        out.int(
            "inner_list_spills",
            s.list_spills,
            "ops",
            "Column-list entries spilled to DRAM.",
        );
    }

    fn output(&self) -> &[(u32, u32, f64)] {
        &self.out
    }
}
