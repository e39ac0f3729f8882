//! Outer-product baseline: build the partial-product matrix in DRAM, then merge it.
//!
//! `C = sum over k of A(:,k) * B(k,:)`. The thesis's framing: the outer product avoids
//! redundant input fetches but pays for producing and managing partial products. Mapped on
//! the same machine (our reading, [A], after OuterSPACE's multiply/merge split):
//!
//! 1. **count**: the threads take the `k` (columns of A, rows of B) in turn
//!    (`k = tid, tid + threads, ...`), read `A(:,k)` from A's CSC copy and `nnz(B(k,:))`,
//!    and add `nnz(B(k,:))` to the partial count of every row `i` of `A(:,k)`: an atomic
//!    fetch-add on the count word of row `i`, which lives in the scratchpad of the core that
//!    owns row `i` (rows are split in equal contiguous blocks over cores), so most of these
//!    atomics are remote. Machine-wide barrier.
//! 2. **prefix**: the first thread of each core turns its rows' counts into list start
//!    positions within the core's partial region (one load, add and store per row).
//!    Barrier.
//! 3. **multiply**: for each `k` again, each `A(i,k)` reserves `nnz(B(k,:))` consecutive
//!    places in row `i`'s list with one remote fetch-add on its cursor, and the thread
//!    writes the scaled row `A(i,k) * B(k,:)` there, one 16-byte `(column, value)` store per
//!    partial product. Barrier.
//! 4. **merge**: each core merges its rows' lists with the same windowed scratchpad hash
//!    engine as SMASH v1 (`smash.rs`, [`Source::Partials`]), reading the partials back from
//!    DRAM, and writes C.
//!
//! So the outer product does the same hashing as SMASH plus a write and a read of every
//! partial product and two atomics per `A(i,k)`; all of it is executed and timed.

use super::Bases;
use super::config::{KernelKind, PiumaConfig};
use super::core::{Kernel, Op, Topology};
use super::layout::{Buffers, Compressed};
use super::offload::Scope;
use super::smash::{Engine, KernelError, Partials, Policy, Source, split_rows};
use super::spad::SpadOp;
use crate::stats::StatSet;
use crate::workload::sparse::SparseMatrix;
use std::sync::Arc;

const PHASES: &[&str] = &[
    "count",
    "prefix",
    "multiply",
    "merge_window_distribution",
    "merge_hashing",
    "merge_write_back",
];

#[derive(Clone, Debug, Default)]
struct Ot {
    st: u8,
    k: usize,
    ip: usize,
    ip_end: usize,
    i_chunk: usize,
    bp: usize,
    bp0: usize,
    bp_end: usize,
    b_chunk: usize,
    b_loaded: usize,
    a: f64,
    pos: u64,
    r: u32,
    acc: u64,
}

const O_START: u8 = 0;
const O_CK: u8 = 1;
const O_CK2: u8 = 2;
const O_CK3: u8 = 3;
const O_CI: u8 = 4;
const O_CI2: u8 = 5;
const O_CI3: u8 = 6;
const O_PREFIX: u8 = 7;
const O_P: u8 = 8;
const O_P2: u8 = 9;
const O_P3: u8 = 10;
const O_PBAR: u8 = 11;
const O_M0: u8 = 12;
const O_MK: u8 = 13;
const O_MK2: u8 = 14;
const O_MK3: u8 = 15;
const O_MI: u8 = 16;
const O_MI_V: u8 = 17;
const O_MI2: u8 = 18;
const O_MI3: u8 = 19;
const O_MI4: u8 = 20;
const O_MI5: u8 = 21;
const O_MJ: u8 = 22;
const O_MJ_V: u8 = 23;
const O_MJ2: u8 = 24;
const O_MJ3: u8 = 25;
const O_MJ4: u8 = 26;
const O_MJ5: u8 = 27;
const O_MERGE: u8 = 28;

/// The outer-product kernel.
pub struct OuterKernel {
    at: SparseMatrix,
    b: Arc<SparseMatrix>,
    lat: Compressed,
    lb: Compressed,
    engine: Engine,
    th: Vec<Ot>,
    tcore: Vec<u32>,
    tin_core: Vec<u32>,
    nthreads: usize,
    home: Vec<u32>,
    core_rows: Vec<(u32, u32)>,
    fetch_dma: bool,
    e: usize,
    bufs: Vec<Buffers>,
    partials_written: u64,
}

impl OuterKernel {
    /// Build the kernel for `C = A * B`.
    pub fn new(
        cfg: &PiumaConfig,
        topo: &Topology,
        a: Arc<SparseMatrix>,
        b: Arc<SparseMatrix>,
        bases: Bases,
    ) -> Result<Self, KernelError> {
        let n = a.nrows as u32;
        let core_rows = split_rows(n, &vec![1; topo.cores as usize]);
        let max_rows = core_rows.iter().map(|r| r.1 - r.0).max().unwrap_or(0) as u64;
        let reserved = 2 * max_rows + 8;
        if reserved * 2 > cfg.spad_words() {
            return Err(KernelError::Capacity(format!(
                "outer product: the row counters of {max_rows} rows per core take {} KiB of the {} KiB scratchpad",
                reserved * 8 / 1024,
                cfg.spad_kib
            )));
        }
        let mut home = vec![0u32; a.nrows];
        let mut count_word = vec![0u64; a.nrows];
        let mut start_word = vec![0u64; a.nrows];
        let mut start = vec![0u64; a.nrows];
        let mut core_total = vec![0u64; topo.cores as usize];
        let counts: Vec<u64> = (0..a.nrows)
            .map(|i| {
                a.row_cols(i)
                    .iter()
                    .map(|&k| b.row_len(k as usize) as u64)
                    .sum()
            })
            .collect();
        for (c, &(r0, r1)) in core_rows.iter().enumerate() {
            let mut acc = 0;
            for r in r0..r1 {
                let i = r as usize;
                home[i] = c as u32;
                count_word[i] = (r - r0) as u64;
                start_word[i] = max_rows + (r - r0) as u64;
                start[i] = acc;
                acc += counts[i];
            }
            core_total[c] = acc;
        }
        let at = a.transpose();
        let lat = Compressed::new(Compressed::new(bases.a, &a).end, &at);
        let lb = Compressed::new(bases.b, &b);
        let la = Compressed::new(bases.a, &a);
        let bound: Vec<u64> = counts.iter().map(|&c| c.min(b.ncols as u64)).collect();
        // The partial products of each core's rows, in the unit's workspace.
        let (outs, mut ws) = bases.outputs(topo.threads.len());
        let region: Vec<u64> = core_total.iter().map(|&n| ws.take(16 * n)).collect();
        let src = Source::Partials(Partials {
            blocks: vec![Vec::new(); a.nrows],
            region,
            count_word,
            start_word,
            start,
            sorted: false,
        });
        let engine = Engine::new(
            cfg,
            topo,
            a.clone(),
            b.clone(),
            la,
            lb,
            outs,
            src,
            Policy::of(KernelKind::Smash),
            reserved,
            &bound,
            [3, 4, 5],
        )?;
        let e = cfg.buffer_entries as usize;
        // The multiply phase's staging buffers share the words of the merge's buffers:
        // the phases never overlap.
        let bufs = (0..topo.threads.len())
            .map(|t| Buffers {
                base: reserved + topo.threads[t].in_core as u64 * Buffers::words(e as u64),
                entries: e as u64,
            })
            .collect();
        Ok(OuterKernel {
            at,
            b,
            lat,
            lb,
            engine,
            th: vec![Ot::default(); topo.threads.len()],
            tcore: topo.threads.iter().map(|p| p.core).collect(),
            tin_core: topo.threads.iter().map(|p| p.in_core).collect(),
            nthreads: topo.threads.len(),
            home,
            core_rows,
            fetch_dma: cfg.fetch == "dma",
            e,
            bufs,
            partials_written: 0,
        })
    }

    fn partials(&mut self) -> &mut Partials {
        match &mut self.engine.src {
            Source::Partials(p) => p,
            Source::Product => unreachable!("outer engine reads partials"),
        }
    }
}

impl Kernel for OuterKernel {
    fn next(&mut self, tid: u32, ret: u64) -> Op {
        let t = tid as usize;
        let core = self.tcore[t];
        let e = self.e;
        loop {
            let st = self.th[t].st;
            match st {
                O_START => {
                    self.th[t].k = t;
                    self.th[t].st = O_CK;
                    return Op::Phase(0);
                }
                O_CK | O_MK => {
                    let ot = &mut self.th[t];
                    if ot.k >= self.at.nrows {
                        ot.st = if st == O_CK { O_PREFIX } else { O_MERGE };
                        return Op::Barrier(Scope::Global);
                    }
                    ot.st = st + 1;
                    return Op::DramRead {
                        addr: self.lat.ptr_at(ot.k),
                        bytes: 8,
                    };
                }
                O_CK2 | O_MK2 => {
                    self.th[t].st = st + 1;
                    return Op::DramRead {
                        addr: self.lb.ptr_at(self.th[t].k),
                        bytes: 8,
                    };
                }
                O_CK3 | O_MK3 => {
                    let k = self.th[t].k;
                    let ot = &mut self.th[t];
                    ot.ip = self.at.indptr[k];
                    ot.ip_end = self.at.indptr[k + 1];
                    ot.bp0 = self.b.indptr[k];
                    ot.bp_end = self.b.indptr[k + 1];
                    ot.i_chunk = usize::MAX;
                    ot.b_loaded = usize::MAX;
                    if ot.ip == ot.ip_end || ot.bp0 == ot.bp_end {
                        ot.k += self.nthreads;
                        ot.st = st - 2;
                        continue;
                    }
                    ot.st = if st == O_CK3 { O_CI } else { O_MI };
                }
                O_CI | O_MI => {
                    let ot = &mut self.th[t];
                    if ot.ip == ot.ip_end {
                        ot.k += self.nthreads;
                        ot.st = if st == O_CI { O_CK } else { O_MK };
                        continue;
                    }
                    ot.st = if st == O_CI { O_CI2 } else { O_MI2 };
                    if self.fetch_dma && (ot.i_chunk == usize::MAX || ot.ip - ot.i_chunk == e) {
                        ot.i_chunk = ot.ip;
                        let n = (ot.ip_end - ot.ip).min(e);
                        if st == O_MI {
                            ot.st = O_MI_V;
                        }
                        return Op::Dma {
                            addr: self.lat.idx_at(ot.ip),
                            bytes: 4 * n as u32,
                            write: false,
                            wait: st == O_CI,
                        };
                    }
                }
                O_MI_V => {
                    let ot = &mut self.th[t];
                    let n = (ot.ip_end - ot.ip).min(e);
                    ot.st = O_MI2;
                    return Op::Dma {
                        addr: self.lat.val_at(ot.ip),
                        bytes: 8 * n as u32,
                        write: false,
                        wait: true,
                    };
                }
                O_CI2 | O_MI2 => {
                    let ot = &mut self.th[t];
                    ot.st = st + 1;
                    if self.fetch_dma {
                        let w = self.bufs[t].idx_word(0, (ot.ip - ot.i_chunk) as u64);
                        return Op::Spad {
                            core,
                            word: w,
                            op: SpadOp::LoadBuf,
                        };
                    }
                    return Op::DramRead {
                        addr: self.lat.idx_at(ot.ip),
                        bytes: 4,
                    };
                }
                O_CI3 => {
                    let ot = &mut self.th[t];
                    let i = self.at.indices[ot.ip] as usize;
                    let len = (ot.bp_end - ot.bp0) as u64;
                    ot.ip += 1;
                    ot.st = O_CI;
                    let cw = match &self.engine.src {
                        Source::Partials(p) => p.count_word[i],
                        Source::Product => unreachable!(),
                    };
                    return Op::Spad {
                        core: self.home[i],
                        word: cw,
                        op: SpadOp::Add(len),
                    };
                }
                O_PREFIX => {
                    let ot = &mut self.th[t];
                    ot.r = self.core_rows[core as usize].0;
                    ot.acc = 0;
                    ot.st = if self.tin_core[t] == 0 { O_P } else { O_PBAR };
                    return Op::Phase(1);
                }
                O_P => {
                    let ot = &mut self.th[t];
                    if ot.r >= self.core_rows[core as usize].1 {
                        ot.st = O_PBAR;
                        continue;
                    }
                    ot.st = O_P2;
                    let r = ot.r as usize;
                    let cw = self.partials().count_word[r];
                    return Op::Spad {
                        core,
                        word: cw,
                        op: SpadOp::Load,
                    };
                }
                O_P2 => {
                    let ot = &mut self.th[t];
                    ot.pos = ot.acc;
                    ot.acc += ret;
                    ot.st = O_P3;
                    return Op::Alu(1);
                }
                O_P3 => {
                    let (r, pos) = (self.th[t].r as usize, self.th[t].pos);
                    self.th[t].r += 1;
                    self.th[t].st = O_P;
                    let sw = self.partials().start_word[r];
                    return Op::Spad {
                        core,
                        word: sw,
                        op: SpadOp::Store(pos),
                    };
                }
                O_PBAR => {
                    self.th[t].st = O_M0;
                    return Op::Barrier(Scope::Global);
                }
                O_M0 => {
                    self.th[t].k = t;
                    self.th[t].st = O_MK;
                    return Op::Phase(2);
                }
                O_MI3 => {
                    let ot = &mut self.th[t];
                    ot.st = O_MI4;
                    if self.fetch_dma {
                        let w = self.bufs[t].val_word(0, (ot.ip - ot.i_chunk) as u64);
                        return Op::Spad {
                            core,
                            word: w,
                            op: SpadOp::LoadBuf,
                        };
                    }
                    return Op::DramRead {
                        addr: self.lat.val_at(ot.ip),
                        bytes: 8,
                    };
                }
                O_MI4 => {
                    let ip = self.th[t].ip;
                    let i = self.at.indices[ip] as usize;
                    self.th[t].a = self.at.values[ip];
                    self.th[t].st = O_MI5;
                    let len = (self.th[t].bp_end - self.th[t].bp0) as u64;
                    let sw = self.partials().start_word[i];
                    return Op::Spad {
                        core: self.home[i],
                        word: sw,
                        op: SpadOp::Add(len),
                    };
                }
                O_MI5 => {
                    let ip = self.th[t].ip;
                    let i = self.at.indices[ip] as usize;
                    let (k, a) = (self.th[t].k as u32, self.th[t].a);
                    let p = self.partials();
                    let rel = ret - p.start[i];
                    p.blocks[i].push((rel, k, a));
                    let ot = &mut self.th[t];
                    ot.pos = ret;
                    ot.bp = ot.bp0;
                    ot.b_chunk = usize::MAX;
                    ot.st = O_MJ;
                }
                O_MJ => {
                    let ot = &mut self.th[t];
                    if ot.bp == ot.bp_end {
                        ot.ip += 1;
                        ot.st = O_MI;
                        continue;
                    }
                    ot.st = O_MJ2;
                    let whole = ot.bp_end - ot.bp0 <= e;
                    let boundary = ot.b_chunk == usize::MAX || ot.bp - ot.b_chunk == e;
                    if boundary {
                        ot.b_chunk = ot.bp;
                    }
                    // A row of B that fits the buffer is fetched once per k and reused for
                    // every A(i,k); a longer one is streamed again for each.
                    if self.fetch_dma && boundary && !(whole && ot.b_loaded == ot.k) {
                        ot.b_loaded = ot.k;
                        ot.st = O_MJ_V;
                        let n = (ot.bp_end - ot.bp).min(e);
                        return Op::Dma {
                            addr: self.lb.idx_at(ot.bp),
                            bytes: 4 * n as u32,
                            write: false,
                            wait: false,
                        };
                    }
                }
                O_MJ_V => {
                    let ot = &mut self.th[t];
                    let n = (ot.bp_end - ot.bp).min(e);
                    ot.st = O_MJ2;
                    return Op::Dma {
                        addr: self.lb.val_at(ot.bp),
                        bytes: 8 * n as u32,
                        write: false,
                        wait: true,
                    };
                }
                O_MJ2 => {
                    let ot = &mut self.th[t];
                    ot.st = O_MJ3;
                    if self.fetch_dma {
                        let w = self.bufs[t].idx_word(1, (ot.bp - ot.b_chunk) as u64);
                        return Op::Spad {
                            core,
                            word: w,
                            op: SpadOp::LoadBuf,
                        };
                    }
                    return Op::DramRead {
                        addr: self.lb.idx_at(ot.bp),
                        bytes: 4,
                    };
                }
                O_MJ3 => {
                    let ot = &mut self.th[t];
                    ot.st = O_MJ4;
                    if self.fetch_dma {
                        let w = self.bufs[t].val_word(1, (ot.bp - ot.b_chunk) as u64);
                        return Op::Spad {
                            core,
                            word: w,
                            op: SpadOp::LoadBuf,
                        };
                    }
                    return Op::DramRead {
                        addr: self.lb.val_at(ot.bp),
                        bytes: 8,
                    };
                }
                O_MJ4 => {
                    self.th[t].st = O_MJ5;
                    return Op::Alu(1);
                }
                O_MJ5 => {
                    let ip = self.th[t].ip;
                    let i = self.at.indices[ip] as usize;
                    let hc = self.home[i] as usize;
                    let ot = &mut self.th[t];
                    let off = ot.pos + (ot.bp - ot.bp0) as u64;
                    ot.bp += 1;
                    ot.st = O_MJ;
                    self.partials_written += 1;
                    let region = match &self.engine.src {
                        Source::Partials(p) => p.region[hc],
                        Source::Product => unreachable!(),
                    };
                    return Op::DramWrite {
                        addr: region + 16 * off,
                        bytes: 16,
                    };
                }
                _ => return self.engine.next(tid, ret),
            }
        }
    }

    fn phases(&self) -> &'static [&'static str] {
        PHASES
    }

    fn stats(&self, out: &mut StatSet) {
        out.int(
            "partials_written",
            self.partials_written,
            "ops",
            "Partial products written to the partial-product matrix in DRAM.",
        );
        self.engine.export(out);
    }

    fn output(&self) -> &[(u32, u32, f64)] {
        self.engine.output()
    }
}
