//! SMASH: row-wise (Gustavson) SpGEMM that merges partial products as they are made, with
//! atomics on an open-addressing hash table in the scratchpad (Shivdikar, MS thesis,
//! Northeastern 2021, arXiv 2105.14156, chapter 5).
//!
//! What the thesis's table of contents confirms: version 1 "Atomic Hashing" with a window
//! distribution phase, a hashing phase and a write-back phase; version 2 "Tokenization";
//! version 3 "Fragmenting Memory". The hash function, table layout, window rule and the
//! meaning of versions 2 and 3 are not public; this file implements the reading of
//! `shared/research/anchors-lut-piuma.md` sections 4.2 and 5.2, and every choice below is
//! a labelled assumption [A]:
//!
//! - **Groups and windows.** The rows of A are split into contiguous chunks, one per
//!   *group* (v1, v2: a core and all its threads; v3: one pipeline and its threads), in
//!   proportion to the group's threads. Each group owns a region of its core's scratchpad
//!   holding a hash table. Its chunk is cut into *windows* of consecutive rows whose upper
//!   bound on distinct output keys, `sum over rows of min(products of the row, columns of
//!   B)`, fits `max_load` times the table; the table of a window has the next power of two
//!   of `bound / max_load` slots (at least `min_slots`), so write-back scans only that.
//! - **Window distribution phase.** The group's threads compute each row's bound (one
//!   8-byte load of A's row pointers, A's column indices, one load of B's row pointers per
//!   entry) and store it in the scratchpad; after a group barrier, the group's first
//!   thread reads the bounds and writes the window descriptors; another barrier.
//! - **Hashing phase.** For each row of the window and each `A(i,k)`, the thread fetches
//!   row `k` of B (DMA into its staging buffer, or one load per index and value), forms
//!   each product (1 multiply) and its key `(row in window, column)` and hash, and
//!   inserts it. v1 (split slots: a tag word and a value word): read the tag; if it is the
//!   key, atomically add the value; if empty, CAS the tag from empty to the key and then add
//!   (a lost CAS re-examines the slot); otherwise probe on (a collision). v2 and v3 (packed
//!   8-byte tokens: 32-bit tag + fp32 value): read the token, then one CAS installs or
//!   updates it; a failed CAS returns the current token, which is re-examined without a new
//!   load. Rows are assigned statically (v1: row `start + lane + n * threads`) or claimed
//!   as tokens of `token_rows` rows by an atomic fetch-add on the window's counter (v2, v3).
//! - **Write-back phase.** After a group barrier the threads split the window's table into
//!   equal slot ranges, read every slot, write each occupied one to DRAM as a 16-byte
//!   `(row, column, value)` COO entry, and clear it. A group barrier ends the window.
//!
//! The same engine merges the partial-product lists of the outer-product baseline
//! ([`Source::Partials`]): there each row's "products" are read back from DRAM instead of
//! being formed from A and B.
//!
//! Everything data-dependent is executed: the keys, probe sequences, collisions, CAS races
//! between threads, and the output structure come from the actual matrices and the actual
//! interleaving of threads on the modelled hardware.

use super::config::{KernelKind, PiumaConfig};
use super::core::{Op, Topology};
use super::hash::{HashFn, Probe, TableGeom};
use super::layout::{Buffers, Compressed, OutStreams};
use super::offload::Scope;
use super::spad::SpadOp;
use crate::stats::StatSet;
use crate::workload::sparse::SparseMatrix;
use std::sync::Arc;

/// Slot layout of the hash table.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SlotLayout {
    /// A 64-bit tag word and a 64-bit value word per slot (2 atomics per new key).
    Split,
    /// One 8-byte token per slot: 32-bit tag, fp32 value (1 CAS per update).
    Token,
}

/// The policies of one SMASH version.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Slot layout.
    pub layout: SlotLayout,
    /// Rows claimed as tokens (dynamic) instead of assigned statically.
    pub dynamic: bool,
    /// One group (table fragment) per pipeline instead of per core.
    pub per_pipe: bool,
}

impl Policy {
    /// The policy of a SMASH version.
    pub fn of(k: KernelKind) -> Policy {
        match k {
            KernelKind::SmashV2 => Policy {
                layout: SlotLayout::Token,
                dynamic: true,
                per_pipe: false,
            },
            KernelKind::SmashV3 => Policy {
                layout: SlotLayout::Token,
                dynamic: true,
                per_pipe: true,
            },
            _ => Policy {
                layout: SlotLayout::Split,
                dynamic: false,
                per_pipe: false,
            },
        }
    }
}

/// Errors building a kernel (an input the configured machine cannot run).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum KernelError {
    /// The matrices do not conform.
    #[error("A is {ar} x {ac} but B is {br} x {bc}: A's columns must equal B's rows")]
    Shape {
        /// A rows.
        ar: usize,
        /// A columns.
        ac: usize,
        /// B rows.
        br: usize,
        /// B columns.
        bc: usize,
    },
    /// Something does not fit the scratchpad.
    #[error("{0}")]
    Capacity(String),
}

/// Where a row's (column, value) items come from.
pub enum Source {
    /// Products `A(i,k) * B(k,j)` formed from A and B (SMASH).
    Product,
    /// Partial products read back from DRAM (outer-product merge).
    Partials(Partials),
}

/// The partial-product lists of the outer-product baseline, as its multiply phase left
/// them: for each row, blocks `(position in the row's list, k, A(i,k))`, one per `A(i,k)`,
/// each holding row `k` of B scaled by `A(i,k)`.
pub struct Partials {
    /// Blocks per row, sorted by position once the multiply phase has ended.
    pub blocks: Vec<Vec<(u64, u32, f64)>>,
    /// DRAM base of each core's partial region.
    pub region: Vec<u64>,
    /// Scratchpad word of row `i`'s count (bound) in its core, per row.
    pub count_word: Vec<u64>,
    /// Scratchpad word of row `i`'s list start, per row.
    pub start_word: Vec<u64>,
    /// Position of row `i`'s list in its core's region.
    pub start: Vec<u64>,
    /// Whether `blocks` has been sorted.
    pub sorted: bool,
}

#[derive(Clone, Debug)]
struct Window {
    start: u32,
    end: u32,
    geom: TableGeom,
}

#[derive(Clone, Debug)]
struct Group {
    core: u32,
    scope: Scope,
    size: u32,
    r0: u32,
    r1: u32,
    bounds: u64,
    desc: u64,
    counters: u64,
    table: u64,
    windows: Vec<Window>,
}

// Thread states.
const S_START: u8 = 0;
const S_WD_ROW: u8 = 1;
const S_WD_ROWPTR: u8 = 2;
const S_WD_A: u8 = 3;
const S_WD_A2: u8 = 4;
const S_WD_K: u8 = 5;
const S_WD_ADD: u8 = 6;
const S_WD_STORE: u8 = 7;
const S_WD_BAR1: u8 = 8;
const S_WD_BUILD: u8 = 9;
const S_WD_BUILD2: u8 = 10;
const S_WD_BAR2: u8 = 11;
const S_WIN: u8 = 12;
const S_WIN2: u8 = 13;
const S_CLAIM: u8 = 14;
const S_CLAIMED: u8 = 15;
const S_ROW: u8 = 16;
const S_ROWPTR: u8 = 17;
const S_A: u8 = 18;
const S_A2: u8 = 19;
const S_A3: u8 = 20;
const S_A4: u8 = 21;
const S_A5: u8 = 22;
const S_B: u8 = 23;
const S_B2: u8 = 24;
const S_B3: u8 = 25;
const S_B4: u8 = 26;
const S_I0: u8 = 27;
const S_I1: u8 = 28;
const S_I2: u8 = 29;
const S_HASHDONE: u8 = 30;
const S_WB0: u8 = 31;
const S_WB: u8 = 32;
const S_WB1: u8 = 33;
const S_WB2: u8 = 34;
const S_WB3: u8 = 35;
const S_WB4: u8 = 36;
const S_END: u8 = 37;
const S_DONE: u8 = 38;

#[derive(Clone, Debug, Default)]
struct Ts {
    st: u8,
    group: u32,
    lane: u32,
    w: u32,
    row: u32,
    row_end: u32,
    ap: usize,
    ap_end: usize,
    a_chunk: usize,
    a_val: f64,
    acc: u64,
    bp: usize,
    bp_end: usize,
    b_chunk: usize,
    part_pos: u64,
    key: u64,
    val: f64,
    home: u64,
    step: u64,
    probe: u64,
    slot: u64,
    expect: u64,
    s: u64,
    s_end: u64,
    wi: usize,
}

/// Counters of the hash engine.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HashStats {
    /// Items inserted (partial products merged).
    pub inserts: u64,
    /// Slots examined (one per tag/token read, plus re-examinations after a lost CAS).
    pub probes: u64,
    /// Inserts that created a new key.
    pub new_keys: u64,
    /// CAS operations that lost a race or found the slot taken.
    pub cas_lost: u64,
    /// Histogram of probes per insert: 1, 2, 3, 4, 5-8, 9-16, 17+.
    pub probe_hist: [u64; 7],
    /// Most probes one insert needed.
    pub max_probes: u64,
    /// Windows processed.
    pub windows: u64,
    /// Largest table used, in slots.
    pub max_slots: u64,
    /// Highest occupancy a window's table reached (distinct keys / slots).
    pub peak_load: f64,
}

/// The windowed scratchpad hash engine (SMASH, and the outer product's merge).
pub struct Engine {
    a: Arc<SparseMatrix>,
    b: Arc<SparseMatrix>,
    la: Compressed,
    lb: Compressed,
    /// Where rows' items come from.
    pub src: Source,
    policy: Policy,
    fetch_dma: bool,
    bufs: Vec<Buffers>,
    e: u64,
    hash_cost: u32,
    probe_cost: u32,
    outs: OutStreams,
    groups: Vec<Group>,
    th: Vec<Ts>,
    out: Vec<(u32, u32, f64)>,
    /// Counters.
    pub stats: HashStats,
    /// Phase numbers of window distribution, hashing and write-back.
    pub phase_ids: [u8; 3],
    ncols: u64,
    token_rows: u32,
    win_keys: Vec<u64>,
}

#[inline]
fn tag_word(layout: SlotLayout, g: &Group, slot: u64) -> u64 {
    match layout {
        SlotLayout::Split => g.table + 2 * slot,
        SlotLayout::Token => g.table + slot,
    }
}

/// Split `n` rows into contiguous chunks proportional to `weights`.
pub fn split_rows(n: u32, weights: &[u32]) -> Vec<(u32, u32)> {
    let total: u64 = weights.iter().map(|&w| w as u64).sum::<u64>().max(1);
    let mut acc = 0u64;
    let mut out = Vec::with_capacity(weights.len());
    for &w in weights {
        let r0 = (acc * n as u64 / total) as u32;
        acc += w as u64;
        let r1 = (acc * n as u64 / total) as u32;
        out.push((r0, r1));
    }
    out
}

/// Bits needed to hold values `0..n`.
pub fn bits_for(n: u64) -> u32 {
    if n <= 1 {
        1
    } else {
        64 - (n - 1).leading_zeros()
    }
}

impl Engine {
    /// Build the engine: groups, scratchpad regions (after `reserved` words of each core),
    /// and windows. `row_bound[i]` is row `i`'s bound on distinct output keys.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        cfg: &PiumaConfig,
        topo: &Topology,
        a: Arc<SparseMatrix>,
        b: Arc<SparseMatrix>,
        la: Compressed,
        lb: Compressed,
        outs: OutStreams,
        src: Source,
        policy: Policy,
        reserved: u64,
        row_bound: &[u64],
        phase_ids: [u8; 3],
    ) -> Result<Engine, KernelError> {
        let e = cfg.buffer_entries as u64;
        let buf_words = Buffers::words(e);
        let func = HashFn::parse(&cfg.hash.func).expect("validated hash.func");
        let probe = Probe::parse(&cfg.hash.probe).expect("validated hash.probe");
        let ncols = b.ncols as u64;
        let col_bits = bits_for(ncols.max(1));
        let slot_words = match policy.layout {
            SlotLayout::Split => 2,
            SlotLayout::Token => 1,
        };
        let max_rows_token = if policy.layout == SlotLayout::Token {
            if col_bits >= 31 {
                return Err(KernelError::Capacity(format!(
                    "B has {ncols} columns; packed 32-bit tags of smash-v2/v3 hold at most 2^30 columns"
                )));
            }
            (((1u64 << 32) - 2) >> col_bits).min(u32::MAX as u64)
        } else {
            u64::MAX
        };
        // Groups: per core or per pipeline.
        let mut gdefs: Vec<(u32, Scope, u32, u32)> = Vec::new(); // core, scope, first tid, size
        if policy.per_pipe {
            for &(first, n) in &topo.pipes {
                gdefs.push((topo.threads[first as usize].core, Scope::Pipe, first, n));
            }
        } else {
            for c in 0..topo.cores {
                gdefs.push((
                    c,
                    Scope::Core,
                    c * topo.threads_per_core,
                    topo.threads_per_core,
                ));
            }
        }
        let weights: Vec<u32> = gdefs.iter().map(|g| g.3).collect();
        let groups_per_core = (gdefs.len() as u64 / topo.cores as u64).max(1);
        let chunks = split_rows(a.nrows as u32, &weights);
        let spad_words = cfg.spad_words();
        let mut next_free = vec![reserved; topo.cores as usize];
        let mut groups = Vec::new();
        let mut th = vec![Ts::default(); topo.threads.len()];
        let mut bufs = vec![
            Buffers {
                base: 0,
                entries: e
            };
            topo.threads.len()
        ];
        let share_total = spad_words.saturating_sub(reserved);
        for (gi, &(core, scope, first, size)) in gdefs.iter().enumerate() {
            let (r0, r1) = chunks[gi];
            let rows = (r1 - r0) as u64;
            // Equal scratchpad shares for the groups of a core (a v3 fragment of a
            // single-thread pipeline gets as large a table as an MTP's: its rows may be
            // as heavy).
            let share = share_total / groups_per_core;
            let base = next_free[core as usize];
            next_free[core as usize] += share;
            let bounds = base;
            let desc = bounds + rows;
            let counters = desc + rows + 1;
            let bufbase = counters + rows + 1;
            for t in 0..size {
                bufs[(first + t) as usize] = Buffers {
                    base: bufbase + t as u64 * buf_words,
                    entries: e,
                };
                th[(first + t) as usize].group = gi as u32;
                th[(first + t) as usize].lane = t;
            }
            let table = bufbase + size as u64 * buf_words;
            let avail = (base + share).saturating_sub(table) / slot_words;
            if avail < cfg.hash.min_slots as u64 {
                return Err(KernelError::Capacity(format!(
                    "the scratchpad share of a hash group ({} KiB) leaves {avail} table slots after bounds, \
                     descriptors and staging buffers; need at least hash.min_slots = {} (raise spad_kib or \
                     lower buffer_entries)",
                    share * 8 / 1024,
                    cfg.hash.min_slots
                )));
            }
            let hmax = 1u64 << (63 - avail.leading_zeros());
            let cap = ((cfg.hash.max_load * hmax as f64).floor() as u64).max(1);
            // Windows.
            let mut windows = Vec::new();
            let mut start = r0;
            let mut sum = 0u64;
            for r in r0..r1 {
                let bnd = row_bound[r as usize];
                if bnd > hmax {
                    return Err(KernelError::Capacity(format!(
                        "row {r} of A can produce {bnd} distinct output entries but the largest table \
                         of a hash group has {hmax} slots; raise spad_kib"
                    )));
                }
                if r > start && (sum + bnd > cap || (r - start) as u64 >= max_rows_token) {
                    windows.push((start, r, sum));
                    start = r;
                    sum = 0;
                }
                sum += bnd;
            }
            if r1 > start {
                windows.push((start, r1, sum));
            }
            let windows = windows
                .into_iter()
                .map(|(s, en, sum)| {
                    // A single row heavier than max_load of the largest table gets a window
                    // of its own at a higher load (up to a full table).
                    let want = ((sum as f64 / cfg.hash.max_load).ceil() as u64)
                        .max(1)
                        .max(if sum > cap { hmax } else { 1 });
                    let slots = want
                        .next_power_of_two()
                        .max(cfg.hash.min_slots as u64)
                        .min(hmax);
                    Window {
                        start: s,
                        end: en,
                        geom: TableGeom::new(slots, col_bits, func, probe),
                    }
                })
                .collect();
            groups.push(Group {
                core,
                scope,
                size,
                r0,
                r1,
                bounds,
                desc,
                counters,
                table,
                windows,
            });
        }
        let ngroups = groups.len();
        Ok(Engine {
            hash_cost: func.cost(),
            probe_cost: probe.cost(),
            a,
            b,
            la,
            lb,
            src,
            policy,
            fetch_dma: cfg.fetch == "dma",
            bufs,
            e,
            outs,
            groups,
            th,
            out: Vec::new(),
            stats: HashStats::default(),
            phase_ids,
            ncols,
            token_rows: cfg.hash.token_rows,
            win_keys: vec![0; ngroups],
        })
    }

    /// The output entries written so far.
    pub fn output(&self) -> &[(u32, u32, f64)] {
        &self.out
    }

    /// Thread `tid`'s group core and row chunk.
    pub fn group_rows(&self, tid: u32) -> (u32, u32) {
        let g = &self.groups[self.th[tid as usize].group as usize];
        (g.r0, g.r1)
    }

    fn record_probes(&mut self, probes: u64) {
        let b = match probes {
            0 | 1 => 0,
            2 => 1,
            3 => 2,
            4 => 3,
            5..=8 => 4,
            9..=16 => 5,
            _ => 6,
        };
        self.stats.probe_hist[b] += 1;
        self.stats.max_probes = self.stats.max_probes.max(probes);
    }

    /// The next operation of thread `tid`.
    pub fn next(&mut self, tid: u32, ret: u64) -> Op {
        let t = tid as usize;
        loop {
            let gi = self.th[t].group as usize;
            let core = self.groups[gi].core;
            let spad = |word: u64, op: SpadOp| Op::Spad { core, word, op };
            let st = self.th[t].st;
            match st {
                S_START => {
                    let g = &self.groups[gi];
                    self.th[t].row = g.r0 + self.th[t].lane;
                    self.th[t].st = S_WD_ROW;
                    return Op::Phase(self.phase_ids[0]);
                }
                S_WD_ROW => {
                    let g = &self.groups[gi];
                    let row = self.th[t].row;
                    if row >= g.r1 {
                        self.th[t].st = S_WD_BAR1;
                        continue;
                    }
                    match &self.src {
                        Source::Product => {
                            self.th[t].st = S_WD_ROWPTR;
                            return Op::DramRead {
                                addr: self.la.ptr_at(row as usize),
                                bytes: 8,
                            };
                        }
                        Source::Partials(p) => {
                            self.th[t].acc = 0;
                            self.th[t].st = S_WD_STORE;
                            return spad(p.count_word[row as usize], SpadOp::Load);
                        }
                    }
                }
                S_WD_ROWPTR => {
                    let row = self.th[t].row as usize;
                    let ts = &mut self.th[t];
                    ts.ap = self.a.indptr[row];
                    ts.ap_end = self.a.indptr[row + 1];
                    ts.a_chunk = usize::MAX;
                    ts.acc = 0;
                    ts.st = S_WD_A;
                }
                S_WD_A => {
                    let ts = &mut self.th[t];
                    if ts.ap == ts.ap_end {
                        ts.st = S_WD_STORE;
                        continue;
                    }
                    ts.st = S_WD_A2;
                    if self.fetch_dma
                        && (ts.a_chunk == usize::MAX || ts.ap - ts.a_chunk == self.e as usize)
                    {
                        ts.a_chunk = ts.ap;
                        let n = (ts.ap_end - ts.ap).min(self.e as usize);
                        return Op::Dma {
                            addr: self.la.idx_at(ts.ap),
                            bytes: 4 * n as u32,
                            write: false,
                            wait: true,
                        };
                    }
                }
                S_WD_A2 => {
                    let ts = &mut self.th[t];
                    ts.st = S_WD_K;
                    if self.fetch_dma {
                        let w = self.bufs[t].idx_word(0, (ts.ap - ts.a_chunk) as u64);
                        return spad(w, SpadOp::LoadBuf);
                    }
                    return Op::DramRead {
                        addr: self.la.idx_at(ts.ap),
                        bytes: 4,
                    };
                }
                S_WD_K => {
                    let k = self.a.indices[self.th[t].ap] as usize;
                    self.th[t].st = S_WD_ADD;
                    return Op::DramRead {
                        addr: self.lb.ptr_at(k),
                        bytes: 8,
                    };
                }
                S_WD_ADD => {
                    let k = self.a.indices[self.th[t].ap] as usize;
                    let ts = &mut self.th[t];
                    ts.acc += self.b.row_len(k) as u64;
                    ts.ap += 1;
                    ts.st = S_WD_A;
                    return Op::Alu(1);
                }
                S_WD_STORE => {
                    let g = &self.groups[gi];
                    let ts = &mut self.th[t];
                    let row = ts.row;
                    let bound = match &self.src {
                        Source::Product => ts.acc.min(self.ncols),
                        Source::Partials(_) => ret.min(self.ncols),
                    };
                    ts.row += g.size;
                    ts.st = S_WD_ROW;
                    return spad(g.bounds + (row - g.r0) as u64, SpadOp::Store(bound));
                }
                S_WD_BAR1 => {
                    let g = &self.groups[gi];
                    let ts = &mut self.th[t];
                    ts.row = g.r0;
                    ts.wi = 0;
                    ts.st = if ts.lane == 0 { S_WD_BUILD } else { S_WD_BAR2 };
                    return Op::Barrier(g.scope);
                }
                S_WD_BUILD => {
                    let g = &self.groups[gi];
                    let ts = &mut self.th[t];
                    if ts.row >= g.r1 {
                        ts.st = S_WD_BAR2;
                        continue;
                    }
                    ts.st = S_WD_BUILD2;
                    return spad(g.bounds + (ts.row - g.r0) as u64, SpadOp::Load);
                }
                S_WD_BUILD2 => {
                    let g = &self.groups[gi];
                    let ts = &mut self.th[t];
                    let row = ts.row;
                    ts.row += 1;
                    ts.st = S_WD_BUILD;
                    if ts.wi < g.windows.len() && g.windows[ts.wi].end == row + 1 {
                        let w = ts.wi as u64;
                        ts.wi += 1;
                        return spad(g.desc + w, SpadOp::Store(row as u64 + 1));
                    }
                    return Op::Alu(2);
                }
                S_WD_BAR2 => {
                    let g = &self.groups[gi];
                    let ts = &mut self.th[t];
                    ts.w = 0;
                    ts.st = S_WIN;
                    return Op::Barrier(g.scope);
                }
                S_WIN => {
                    let g = &self.groups[gi];
                    let ts = &mut self.th[t];
                    if ts.w as usize >= g.windows.len() {
                        ts.st = S_END;
                        continue;
                    }
                    ts.st = S_WIN2;
                    if ts.lane == 0 {
                        self.stats.windows += 1;
                        self.stats.max_slots = self
                            .stats
                            .max_slots
                            .max(g.windows[ts.w as usize].geom.slots);
                    }
                    return Op::Phase(self.phase_ids[1]);
                }
                S_WIN2 => {
                    let g = &self.groups[gi];
                    let ts = &mut self.th[t];
                    let w = &g.windows[ts.w as usize];
                    if self.policy.dynamic {
                        ts.st = S_CLAIM;
                    } else {
                        ts.row = w.start + ts.lane;
                        ts.row_end = w.end;
                        ts.st = S_ROW;
                    }
                    // Read the window descriptor.
                    return spad(g.desc + ts.w as u64, SpadOp::Load);
                }
                S_CLAIM => {
                    let g = &self.groups[gi];
                    let w = self.th[t].w as u64;
                    self.th[t].st = S_CLAIMED;
                    let tr = self.token_rows(gi);
                    return spad(g.counters + w, SpadOp::Add(tr as u64));
                }
                S_CLAIMED => {
                    let tr = self.token_rows(gi);
                    let g = &self.groups[gi];
                    let ts = &mut self.th[t];
                    let w = &g.windows[ts.w as usize];
                    let r = w.start as u64 + ret;
                    if r >= w.end as u64 {
                        ts.st = S_HASHDONE;
                        continue;
                    }
                    ts.row = r as u32;
                    ts.row_end = (r + tr as u64).min(w.end as u64) as u32;
                    ts.st = S_ROW;
                }
                S_ROW => {
                    let ts = &mut self.th[t];
                    if ts.row >= ts.row_end {
                        ts.st = if self.policy.dynamic {
                            S_CLAIM
                        } else {
                            S_HASHDONE
                        };
                        continue;
                    }
                    ts.st = S_ROWPTR;
                    match &self.src {
                        Source::Product => {
                            return Op::DramRead {
                                addr: self.la.ptr_at(ts.row as usize),
                                bytes: 8,
                            };
                        }
                        Source::Partials(p) => {
                            return spad(p.start_word[ts.row as usize], SpadOp::Load);
                        }
                    }
                }
                S_ROWPTR => {
                    let row = self.th[t].row as usize;
                    let (ap, ap_end) = match &mut self.src {
                        Source::Product => (self.a.indptr[row], self.a.indptr[row + 1]),
                        Source::Partials(p) => {
                            if !p.sorted {
                                for b in p.blocks.iter_mut() {
                                    b.sort_by_key(|x| x.0);
                                }
                                p.sorted = true;
                            }
                            (0, p.blocks[row].len())
                        }
                    };
                    let ts = &mut self.th[t];
                    ts.ap = ap;
                    ts.ap_end = ap_end;
                    ts.a_chunk = usize::MAX;
                    ts.st = S_A;
                }
                S_A => {
                    let ts = &mut self.th[t];
                    if ts.ap == ts.ap_end {
                        ts.row += if self.policy.dynamic {
                            1
                        } else {
                            self.groups[gi].size
                        };
                        ts.st = S_ROW;
                        continue;
                    }
                    match &self.src {
                        Source::Product => {
                            ts.st = S_A2;
                            if self.fetch_dma
                                && (ts.a_chunk == usize::MAX
                                    || ts.ap - ts.a_chunk == self.e as usize)
                            {
                                ts.a_chunk = ts.ap;
                                let n = (ts.ap_end - ts.ap).min(self.e as usize);
                                ts.st = S_A2 | 0x80;
                                return Op::Dma {
                                    addr: self.la.idx_at(ts.ap),
                                    bytes: 4 * n as u32,
                                    write: false,
                                    wait: false,
                                };
                            }
                        }
                        Source::Partials(p) => {
                            let (pos, k, a) = p.blocks[ts.row as usize][ts.ap];
                            let core = self.groups[gi].core as usize;
                            let _ = core;
                            ts.a_val = a;
                            ts.bp = self.b.indptr[k as usize];
                            ts.bp_end = self.b.indptr[k as usize + 1];
                            ts.part_pos = p.start[ts.row as usize] + pos;
                            ts.b_chunk = usize::MAX;
                            ts.st = S_B;
                        }
                    }
                }
                x if x == S_A2 | 0x80 => {
                    // Second descriptor of the A chunk: the values; wait for both.
                    let ts = &mut self.th[t];
                    let n = (ts.ap_end - ts.ap).min(self.e as usize);
                    ts.st = S_A2;
                    return Op::Dma {
                        addr: self.la.val_at(ts.ap),
                        bytes: 8 * n as u32,
                        write: false,
                        wait: true,
                    };
                }
                S_A2 => {
                    let ts = &mut self.th[t];
                    ts.st = S_A3;
                    if self.fetch_dma {
                        return spad(
                            self.bufs[t].idx_word(0, (ts.ap - ts.a_chunk) as u64),
                            SpadOp::LoadBuf,
                        );
                    }
                    return Op::DramRead {
                        addr: self.la.idx_at(ts.ap),
                        bytes: 4,
                    };
                }
                S_A3 => {
                    let ts = &mut self.th[t];
                    ts.st = S_A4;
                    if self.fetch_dma {
                        return spad(
                            self.bufs[t].val_word(0, (ts.ap - ts.a_chunk) as u64),
                            SpadOp::LoadBuf,
                        );
                    }
                    return Op::DramRead {
                        addr: self.la.val_at(ts.ap),
                        bytes: 8,
                    };
                }
                S_A4 => {
                    let ap = self.th[t].ap;
                    let k = self.a.indices[ap] as usize;
                    self.th[t].a_val = self.a.values[ap];
                    self.th[t].st = S_A5;
                    return Op::DramRead {
                        addr: self.lb.ptr_at(k),
                        bytes: 8,
                    };
                }
                S_A5 => {
                    let k = self.a.indices[self.th[t].ap] as usize;
                    let ts = &mut self.th[t];
                    ts.bp = self.b.indptr[k];
                    ts.bp_end = self.b.indptr[k + 1];
                    ts.b_chunk = usize::MAX;
                    ts.st = S_B;
                }
                S_B => {
                    let ts = &mut self.th[t];
                    if ts.bp == ts.bp_end {
                        ts.ap += 1;
                        ts.st = S_A;
                        continue;
                    }
                    ts.st = S_B2;
                    if self.fetch_dma
                        && (ts.b_chunk == usize::MAX || ts.bp - ts.b_chunk == self.e as usize)
                    {
                        ts.b_chunk = ts.bp;
                        let n = (ts.bp_end - ts.bp).min(self.e as usize);
                        match &self.src {
                            Source::Product => {
                                ts.st = S_B2 | 0x80;
                                return Op::Dma {
                                    addr: self.lb.idx_at(ts.bp),
                                    bytes: 4 * n as u32,
                                    write: false,
                                    wait: false,
                                };
                            }
                            Source::Partials(p) => {
                                let core = self.groups[gi].core as usize;
                                let off =
                                    ts.part_pos + (ts.bp - self.b.indptr[self.block_k(t)]) as u64;
                                return Op::Dma {
                                    addr: p.region[core] + 16 * off,
                                    bytes: 16 * n as u32,
                                    write: false,
                                    wait: true,
                                };
                            }
                        }
                    }
                }
                x if x == S_B2 | 0x80 => {
                    let ts = &mut self.th[t];
                    let n = (ts.bp_end - ts.bp).min(self.e as usize);
                    ts.st = S_B2;
                    return Op::Dma {
                        addr: self.lb.val_at(ts.bp),
                        bytes: 8 * n as u32,
                        write: false,
                        wait: true,
                    };
                }
                S_B2 => {
                    let ts = &mut self.th[t];
                    let partials = matches!(self.src, Source::Partials(_));
                    ts.st = if partials { S_B4 } else { S_B3 };
                    if self.fetch_dma {
                        let e = (ts.bp - ts.b_chunk) as u64;
                        return spad(self.bufs[t].idx_word(1, e), SpadOp::LoadBuf);
                    }
                    if let Source::Partials(p) = &self.src {
                        let core = self.groups[gi].core as usize;
                        let off = ts.part_pos + (ts.bp - self.b.indptr[self.block_k(t)]) as u64;
                        return Op::DramRead {
                            addr: p.region[core] + 16 * off,
                            bytes: 16,
                        };
                    }
                    return Op::DramRead {
                        addr: self.lb.idx_at(ts.bp),
                        bytes: 4,
                    };
                }
                S_B3 => {
                    let ts = &mut self.th[t];
                    ts.st = S_B4;
                    if self.fetch_dma {
                        let e = (ts.bp - ts.b_chunk) as u64;
                        return spad(self.bufs[t].val_word(1, e), SpadOp::LoadBuf);
                    }
                    return Op::DramRead {
                        addr: self.lb.val_at(ts.bp),
                        bytes: 8,
                    };
                }
                S_B4 => {
                    let g = &self.groups[gi];
                    let ts = &mut self.th[t];
                    let w = &g.windows[ts.w as usize];
                    let j = self.b.indices[ts.bp] as u64;
                    ts.val = ts.a_val * self.b.values[ts.bp];
                    ts.key = w.geom.key((ts.row - w.start) as u64, j);
                    ts.home = w.geom.home(ts.key);
                    ts.step = w.geom.step(ts.key);
                    ts.probe = 0;
                    self.stats.inserts += 1;
                    ts.st = S_I0;
                    // Outer merge: the product was formed in the multiply phase.
                    let mul = if matches!(self.src, Source::Product) {
                        1
                    } else {
                        0
                    };
                    return Op::Alu(mul + self.hash_cost);
                }
                S_I0 => {
                    let g = &self.groups[gi];
                    let ts = &mut self.th[t];
                    let slot = g.windows[ts.w as usize]
                        .geom
                        .slot(ts.home, ts.step, ts.probe);
                    ts.slot = slot;
                    ts.probe += 1;
                    self.stats.probes += 1;
                    ts.st = S_I1;
                    let word = tag_word(self.policy.layout, g, slot);
                    return spad(word, SpadOp::Load);
                }
                S_I1 => {
                    let g = &self.groups[gi];
                    let ts = &mut self.th[t];
                    let word = tag_word(self.policy.layout, g, ts.slot);
                    let tag = ts.key + 1;
                    match self.policy.layout {
                        SlotLayout::Split => {
                            if ret == tag {
                                ts.st = S_B4 | 0x40;
                                return spad(word + 1, SpadOp::FAdd(ts.val));
                            }
                            if ret == 0 {
                                ts.st = S_I2;
                                return spad(
                                    word,
                                    SpadOp::Cas {
                                        expect: 0,
                                        new: tag,
                                    },
                                );
                            }
                        }
                        SlotLayout::Token => {
                            if ret == 0 || ret >> 32 == tag {
                                ts.expect = ret;
                                let cur = if ret == 0 {
                                    0.0
                                } else {
                                    f32::from_bits(ret as u32)
                                };
                                let new = (tag << 32) | ((cur + ts.val as f32).to_bits() as u64);
                                ts.st = S_I2;
                                return spad(word, SpadOp::Cas { expect: ret, new });
                            }
                        }
                    }
                    // Collision: next probe.
                    let pc = self.probe_cost;
                    let ts = &mut self.th[t];
                    ts.st = S_I0;
                    return Op::Alu(pc);
                }
                S_I2 => {
                    let g = &self.groups[gi];
                    let ts = &mut self.th[t];
                    let tag = ts.key + 1;
                    match self.policy.layout {
                        SlotLayout::Split => {
                            let word = tag_word(self.policy.layout, g, ts.slot);
                            if ret == 0 || ret == tag {
                                if ret == 0 {
                                    self.stats.new_keys += 1;
                                    self.win_keys[gi] += 1;
                                } else {
                                    self.stats.cas_lost += 1;
                                }
                                ts.st = S_B4 | 0x40;
                                return spad(word + 1, SpadOp::FAdd(ts.val));
                            }
                            self.stats.cas_lost += 1;
                            ts.st = S_I0;
                            return Op::Alu(self.probe_cost);
                        }
                        SlotLayout::Token => {
                            if ret == ts.expect {
                                if ret == 0 {
                                    self.stats.new_keys += 1;
                                    self.win_keys[gi] += 1;
                                }
                                ts.st = S_B4 | 0x40;
                                continue;
                            }
                            // Lost the race: the CAS returned the current token; look at it
                            // again without a new load.
                            self.stats.cas_lost += 1;
                            self.stats.probes += 1;
                            ts.st = S_I1;
                            // Re-enter S_I1 with `ret` = current token.
                            return self.reexamine(t, ret);
                        }
                    }
                }
                x if x == S_B4 | 0x40 => {
                    // Insert finished: next item.
                    let probes = self.th[t].probe;
                    self.record_probes(probes);
                    let ts = &mut self.th[t];
                    ts.bp += 1;
                    ts.st = S_B;
                }
                S_HASHDONE => {
                    let g = &self.groups[gi];
                    self.th[t].st = S_WB0;
                    return Op::Barrier(g.scope);
                }
                S_WB0 => {
                    let g = &self.groups[gi];
                    let ts = &mut self.th[t];
                    let slots = g.windows[ts.w as usize].geom.slots;
                    if ts.lane == 0 {
                        let load = self.win_keys[gi] as f64 / slots as f64;
                        self.stats.peak_load = self.stats.peak_load.max(load);
                        self.win_keys[gi] = 0;
                    }
                    let ts = &mut self.th[t];
                    ts.s = slots * ts.lane as u64 / g.size as u64;
                    ts.s_end = slots * (ts.lane as u64 + 1) / g.size as u64;
                    ts.st = S_WB;
                    return Op::Phase(self.phase_ids[2]);
                }
                S_WB => {
                    let g = &self.groups[gi];
                    let ts = &mut self.th[t];
                    if ts.s >= ts.s_end {
                        ts.w += 1;
                        ts.st = S_WIN;
                        return Op::Barrier(g.scope);
                    }
                    ts.st = S_WB1;
                    let word = tag_word(self.policy.layout, g, ts.s);
                    return spad(word, SpadOp::Load);
                }
                S_WB1 => {
                    let g = &self.groups[gi];
                    let ts = &mut self.th[t];
                    if ret == 0 {
                        ts.s += 1;
                        ts.st = S_WB;
                        continue;
                    }
                    let word = tag_word(self.policy.layout, g, ts.s);
                    match self.policy.layout {
                        SlotLayout::Split => {
                            ts.key = ret - 1;
                            ts.st = S_WB2;
                            return spad(word + 1, SpadOp::Load);
                        }
                        SlotLayout::Token => {
                            ts.key = (ret >> 32) - 1;
                            ts.val = f32::from_bits(ret as u32) as f64;
                            ts.st = S_WB3;
                            return self.write_entry(t, gi);
                        }
                    }
                }
                S_WB2 => {
                    self.th[t].val = f64::from_bits(ret);
                    self.th[t].st = S_WB3;
                    return self.write_entry(t, gi);
                }
                S_WB3 => {
                    let g = &self.groups[gi];
                    let ts = &mut self.th[t];
                    let word = tag_word(self.policy.layout, g, ts.s);
                    match self.policy.layout {
                        SlotLayout::Split => ts.st = S_WB4,
                        SlotLayout::Token => {
                            ts.s += 1;
                            ts.st = S_WB;
                        }
                    }
                    return spad(word, SpadOp::Store(0));
                }
                S_WB4 => {
                    let g = &self.groups[gi];
                    let ts = &mut self.th[t];
                    let word = tag_word(self.policy.layout, g, ts.s);
                    ts.s += 1;
                    ts.st = S_WB;
                    return spad(word + 1, SpadOp::Store(0));
                }
                S_END => {
                    self.th[t].st = S_DONE;
                    return Op::WaitDma;
                }
                _ => return Op::Done,
            }
        }
    }

    fn token_rows(&self, _gi: usize) -> u32 {
        self.token_rows
    }

    fn block_k(&self, t: usize) -> usize {
        match &self.src {
            Source::Partials(p) => {
                let ts = &self.th[t];
                p.blocks[ts.row as usize][ts.ap].1 as usize
            }
            Source::Product => self.a.indices[self.th[t].ap] as usize,
        }
    }

    /// After a lost token CAS: examine the returned token as if it had just been loaded.
    fn reexamine(&mut self, t: usize, cur: u64) -> Op {
        self.next_with(t, cur)
    }

    fn next_with(&mut self, t: usize, ret: u64) -> Op {
        self.next(t as u32, ret)
    }

    fn write_entry(&mut self, t: usize, gi: usize) -> Op {
        let g = &self.groups[gi];
        let ts = &mut self.th[t];
        let w = &g.windows[ts.w as usize];
        let cb = w.geom.col_bits;
        let row = w.start as u64 + (ts.key >> cb);
        let col = ts.key & ((1u64 << cb) - 1);
        self.out.push((row as u32, col as u32, ts.val));
        let addr = self.outs.next_addr(t);
        Op::DramWrite { addr, bytes: 16 }
    }

    /// Export the engine's counters.
    pub fn export(&self, out: &mut StatSet) {
        let s = &self.stats;
        out.int(
            "hash_inserts",
            s.inserts,
            "ops",
            "Items merged into scratchpad hash tables.",
        );
        out.int("hash_probes", s.probes, "ops", "Hash slots examined.");
        out.float(
            "probes_per_insert",
            s.probes as f64 / s.inserts.max(1) as f64,
            "ratio",
            "Slots examined per insert.",
        );
        out.int(
            "hash_collisions",
            s.probes.saturating_sub(s.inserts),
            "ops",
            "Probes beyond the first of each insert (probes - inserts).",
        );
        out.float(
            "collision_rate",
            s.probes.saturating_sub(s.inserts) as f64 / s.inserts.max(1) as f64,
            "ratio",
            "(probes - inserts) / inserts.",
        );
        out.int(
            "hash_new_keys",
            s.new_keys,
            "ops",
            "Inserts that created an output entry.",
        );
        out.int(
            "hash_cas_lost",
            s.cas_lost,
            "ops",
            "Hash CAS operations that lost a race or found the slot already taken.",
        );
        let names = ["1", "2", "3", "4", "5_8", "9_16", "17_plus"];
        for (i, n) in names.iter().enumerate() {
            out.int(
                &format!("probe_hist_{n}"),
                s.probe_hist[i],
                "ops",
                "Inserts that needed this many probes.",
            );
        }
        out.int(
            "max_probes",
            s.max_probes,
            "ops",
            "Most probes one insert needed.",
        );
        out.int("hash_windows", s.windows, "ops", "Windows processed.");
        out.int(
            "hash_max_slots",
            s.max_slots,
            "slots",
            "Largest window table, in slots.",
        );
        out.float(
            "hash_peak_load",
            s.peak_load,
            "ratio",
            "Highest occupancy (distinct keys / slots) a window's table reached.",
        );
    }
}
