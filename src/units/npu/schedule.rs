//! Compiler-style tiling of one GEMM for the `physical` mode: the loop order and block sizes
//! that minimise DRAM traffic, chosen per op, and the step plan that executes them.
//!
//! # Why
//! [`super::physical::plan`] walks the folds in SCALE-Sim's order (column fold outer, row fold
//! inner) and keeps an operand in its SRAM only when the *whole* operand fits in half of it.
//! Real NPUs run schedules a compiler chose: the TPU's on-chip memories are software-managed and
//! double-buffered by its compiler (Jouppi et al., ISCA 2017, §2), a TPU matmul kernel is a grid
//! of (M, N, K) blocks double-buffered in VMEM (JAX Pallas TPU guides), and mappers such as
//! Timeloop (Parashar et al., ISPASS 2019) and ZigZag (Mei et al., IEEE TC 2021) search the loop
//! orders and tile sizes of a layer for the one that moves the fewest bytes under the buffer
//! capacities. This module is such a mapper, for one on-chip
//! level (the three SRAMs) above the array.
//!
//! # The schedule space
//! The folds of [`super::mapping`] are the array-level tiles: a fold is `R` rows of `Sr` by `C`
//! columns of `Sc`, and streams `T` vectors. Every dataflow has three operands, one per pair of
//! the three fold dimensions (`R` = row folds, `C` = column folds, `T` = streamed vectors):
//!
//! | dataflow | `(R, T)` operand | `(C, T)` operand | `(R, C)` operand | reduction |
//! |---|---|---|---|---|
//! | OS | A (input) | B (input) | C (accumulated in the PEs) | `T` (= K) |
//! | WS | A (input) | C (partial sums in OFMAP) | B (stationary in the PEs) | `R` (= K) |
//! | IS | B (input) | C (partial sums in OFMAP) | Aᵀ (stationary in the PEs) | `R` (= K) |
//!
//! A schedule ([`Tiling`]) is a loop nest, outer to inner:
//! 1. three *block* loops, one per dimension, in any of the 6 orders, over blocks of `br` row
//!    folds, `bc` column folds and `bt` vectors (DRAM level);
//! 2. two *fold* loops over the row and column folds inside a block, in either order; with
//!    several arrays per core, the inner one (or the other if its block is one fold) is dealt
//!    out `arrays` folds at a time, computed in parallel (one *group*);
//! 3. a *chunk* loop over the block's vectors, `chunk` at a time (one pipeline step each), so
//!    that every operand's step slice fits in half of its SRAM.
//!
//! A fold *visit* streams one block's vectors through one fold group; its steps are its chunks.
//! OS accumulates an output in the PEs for the whole of `K`, so its `T` is never blocked
//! (`bt = T`). Loops of one trip are dropped.
//!
//! # Residency and traffic (closed form)
//! Each operand has its own SRAM (A: IFMAP, B: FILTER, C: OFMAP). An operand is kept at a *cut*
//! of the nest: the data it touches inside the loops below the cut (its *tile*) stays in one
//! half of its SRAM, the other half receiving the next tile (double buffering). A tile is
//! loaded slice by slice as steps first use it, and reused while only loops that do not index
//! the operand advance. The chosen cut is the outermost one whose tile fits in half the SRAM
//! (the innermost cut, one step's slices, always fits by the choice of `chunk`). With the
//! *boundary* the innermost loop above the cut that indexes the operand, and `u` the one
//! dimension that does not index it, the operand's tile is reloaded once per iteration of the
//! `u` loops above the boundary:
//!
//! `traffic(X) = |X| · n_u`, `n_u` = 1 (no `u` loop above the boundary), the number of `u`
//! blocks (the block loop only), or the number of `u` fold groups (both loops).
//!
//! For the WS/IS output (`u` = `R`, the reduction), each output is visited `V = n_u` times:
//! it is read back as a partial sum (`acc_bytes` each) `V − 1` times, spilled `V − 1` times,
//! and written once as a result, as soon as its last reduction step is done. OS writes each
//! fold's results once. Reads are therefore `Σ inputs |X|·n_u + (V − 1)·|C|acc`, writes
//! `|C| + (V − 1)·|C|acc`, never below the compulsory `|A| + |B| + |C|`.
//!
//! # Choice
//! [`choose`] enumerates every order and every block size with a distinct trip count
//! (`b = ceil(F / n)`), computes the traffic above, and keeps the schedule with the fewest DRAM
//! bytes; ties go to the fewest array-busy cycles when no data is late (the per-fold rules of
//! [`super::physical`], checked against [`super::array`]), then to the fewest steps, then to
//! the first in enumeration order. [`generate`] then walks the chosen nest, modelling each
//! SRAM's contents, and emits the steps the double-buffered pipeline executes; tests check that
//! its traffic and cycles equal the closed forms.

use super::mapping::{Dataflow, Mapping};
use super::physical::{Bases, Load, PlanParams, Step, bytes};
use std::collections::BTreeSet;

/// A dimension of the fold space.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dim {
    /// Row folds (the dimension on the array rows, `Sr`).
    R,
    /// Column folds (`Sc`).
    C,
    /// Streamed vectors (`T`).
    T,
}

impl Dim {
    fn idx(self) -> usize {
        self as usize
    }
}

/// One loop of a nest.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Loop {
    /// Over the blocks of a dimension.
    Block(Dim),
    /// Over the folds (fold groups when grouped) of `R` or `C` inside a block.
    Fold(Dim),
    /// Over the chunks of a block's vectors.
    Chunk,
}

impl Loop {
    fn dim(self) -> Dim {
        match self {
            Loop::Block(d) | Loop::Fold(d) => d,
            Loop::Chunk => Dim::T,
        }
    }
}

/// The loops of a nest that have more than one trip, outer first (at most six).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Nest {
    loops: [Loop; 6],
    len: usize,
    /// Position of `Block(R)`, `Block(C)`, `Block(T)`, `Fold(R)`, `Fold(C)`, `Chunk`
    /// (`usize::MAX`: absent).
    at: [usize; 6],
}

impl Nest {
    fn new() -> Nest {
        Nest {
            loops: [Loop::Chunk; 6],
            len: 0,
            at: [usize::MAX; 6],
        }
    }

    fn slot(l: Loop) -> usize {
        match l {
            Loop::Block(d) => d.idx(),
            Loop::Fold(d) => 3 + d.idx(),
            Loop::Chunk => 5,
        }
    }

    fn push(&mut self, l: Loop) {
        self.at[Nest::slot(l)] = self.len;
        self.loops[self.len] = l;
        self.len += 1;
    }

    /// Position of `l` in the nest, if present.
    pub fn position(&self, l: Loop) -> Option<usize> {
        let p = self.at[Nest::slot(l)];
        (p != usize::MAX).then_some(p)
    }

    /// Whether `l` is one of the first `p` loops.
    fn above(&self, l: Loop, p: usize) -> bool {
        self.at[Nest::slot(l)] < p
    }
}

impl std::ops::Deref for Nest {
    type Target = [Loop];
    fn deref(&self) -> &[Loop] {
        &self.loops[..self.len]
    }
}

/// The three operands by the pair of dimensions that index them.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// Indexed by row folds and vectors.
    Rt,
    /// Indexed by column folds and vectors.
    Ct,
    /// Indexed by row and column folds.
    Rc,
}

const ROLES: [Role; 3] = [Role::Rt, Role::Ct, Role::Rc];

impl Role {
    fn dims(self) -> [Dim; 2] {
        match self {
            Role::Rt => [Dim::R, Dim::T],
            Role::Ct => [Dim::C, Dim::T],
            Role::Rc => [Dim::R, Dim::C],
        }
    }
    /// The dimension that does not index the operand.
    fn unused(self) -> Dim {
        match self {
            Role::Rt => Dim::C,
            Role::Ct => Dim::R,
            Role::Rc => Dim::T,
        }
    }
    fn uses(self, l: Loop) -> bool {
        self.dims().contains(&l.dim())
    }
}

/// What an operand is in a dataflow.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// Read from memory.
    Input,
    /// WS/IS output: partial sums kept in the OFMAP SRAM across the reduction.
    Psum,
    /// OS output: accumulated in the PEs, written once per fold.
    PeOutput,
}

/// Which GEMM operand a role is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Which {
    A,
    B,
    C,
}

/// The shape of one GEMM on one core, in fold units.
#[derive(Copy, Clone, Debug)]
pub struct Geometry {
    p: PlanParams,
    map: Mapping,
    /// Folds per dimension (`R`, `C`) and vectors (`T`).
    f: [u64; 3],
}

impl Geometry {
    /// The geometry of `C[m×n] = A[m×k]·B[k×n]` under `p`.
    pub fn new(p: &PlanParams, m: u64, n: u64, k: u64) -> Geometry {
        let map = Mapping::new(p.dataflow, p.rows, p.cols, m, n, k);
        Geometry {
            p: *p,
            map,
            f: [map.row_folds, map.col_folds, map.t],
        }
    }

    fn arrays(&self) -> u64 {
        self.p.arrays.max(1)
    }

    fn which(&self, r: Role) -> Which {
        match (self.p.dataflow, r) {
            (Dataflow::Os, Role::Rt) | (Dataflow::Ws, Role::Rt) | (Dataflow::Is, Role::Rc) => {
                Which::A
            }
            (Dataflow::Os, Role::Ct) | (Dataflow::Ws, Role::Rc) | (Dataflow::Is, Role::Rt) => {
                Which::B
            }
            _ => Which::C,
        }
    }

    fn kind(&self, r: Role) -> Kind {
        match (self.which(r), self.p.dataflow) {
            (Which::C, Dataflow::Os) => Kind::PeOutput,
            (Which::C, _) => Kind::Psum,
            _ => Kind::Input,
        }
    }

    /// Bits per element as held in the SRAM (partial sums: `acc_bytes`).
    fn bits(&self, r: Role) -> u64 {
        match (self.which(r), self.kind(r)) {
            (_, Kind::Psum) => self.p.acc_bytes * 8,
            (Which::B, _) => self.p.wgt_bits,
            _ => self.p.act_bits,
        }
    }

    /// Half of the operand's SRAM, in bytes.
    fn half(&self, r: Role) -> u64 {
        match self.which(r) {
            Which::A => self.p.ifmap_sram / 2,
            Which::B => self.p.filter_sram / 2,
            Which::C => self.p.ofmap_sram / 2,
        }
    }

    /// Elements of the operand.
    fn elems(&self, r: Role) -> u64 {
        let [d1, d2] = r.dims();
        self.extent(d1) * self.extent(d2)
    }

    /// Elements along a dimension (`Sr`, `Sc` or `T`).
    fn extent(&self, d: Dim) -> u64 {
        match d {
            Dim::R => self.map.sr,
            Dim::C => self.map.sc,
            Dim::T => self.map.t,
        }
    }

    /// PEs along a fold dimension.
    fn pes(&self, d: Dim) -> u64 {
        match d {
            Dim::R => self.p.rows,
            _ => self.p.cols,
        }
    }

    /// `|A| + |B| + |C|` in bytes: what any schedule must move at least.
    pub fn compulsory_bytes(&self) -> u64 {
        let (m, n, k) = (self.map.m, self.map.n, self.map.k);
        bytes(m * k, self.p.act_bits)
            + bytes(k * n, self.p.wgt_bits)
            + bytes(m * n, self.p.act_bits)
    }
}

/// A schedule: a loop nest with block sizes and, per operand, the cut it is kept at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tiling {
    /// Order of the block loops, outer first.
    pub blocks: [Dim; 3],
    /// Order of the fold loops inside a block, outer first.
    pub folds: [Dim; 2],
    /// Block sizes: row folds, column folds, vectors.
    pub b: [u64; 3],
    /// Vectors per step.
    pub chunk: u64,
    /// The fold loop dealt out to the arrays, `arrays` folds per step.
    pub group: Option<Dim>,
    /// The loops of more than one trip, outer first.
    pub nest: Nest,
    /// Per role (`Rt`, `Ct`, `Rc`): the number of nest loops above its cut.
    pub cuts: [usize; 3],
}

/// The closed-form cost of a [`Tiling`].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    /// Bytes read from memory.
    pub read: u64,
    /// Bytes written to memory.
    pub written: u64,
    /// Array-busy cycles when no data is late.
    pub cycles: u64,
    /// Pipeline steps.
    pub steps: u64,
}

impl Cost {
    /// Bytes moved, both ways.
    pub fn traffic(&self) -> u64 {
        self.read + self.written
    }
}

impl Tiling {
    /// Number of blocks of a dimension.
    fn n_blocks(&self, g: &Geometry, d: Dim) -> u64 {
        g.f[d.idx()].div_ceil(self.b[d.idx()])
    }

    /// Most trips of a fold loop (one block).
    fn fold_trips_max(&self, g: &Geometry, d: Dim) -> u64 {
        let b = self.b[d.idx()];
        if self.group == Some(d) {
            b.div_ceil(g.arrays())
        } else {
            b
        }
    }

    /// Fold loop trips of block `blk` of dimension `d`.
    fn fold_trips(&self, g: &Geometry, d: Dim, blk: u64) -> u64 {
        let b = self.b[d.idx()];
        let e = b.min(g.f[d.idx()] - blk * b);
        if self.group == Some(d) {
            e.div_ceil(g.arrays())
        } else {
            e
        }
    }

    /// Fold-loop iterations of `d` over all its blocks.
    fn fold_total(&self, g: &Geometry, d: Dim) -> u64 {
        let n = self.n_blocks(g, d);
        if n == 0 {
            return 0;
        }
        (n - 1) * self.fold_trips(g, d, 0) + self.fold_trips(g, d, n - 1)
    }

    /// Elements of dimension `d` inside a cut at `p`.
    fn ext(&self, g: &Geometry, d: Dim, p: usize) -> u64 {
        let n = &self.nest;
        match d {
            Dim::T => {
                if n.above(Loop::Chunk, p) {
                    self.chunk
                } else if n.above(Loop::Block(Dim::T), p) {
                    self.b[2]
                } else {
                    g.f[2]
                }
            }
            _ => {
                let folds = if n.above(Loop::Fold(d), p) {
                    if self.group == Some(d) {
                        g.arrays().min(self.b[d.idx()])
                    } else {
                        1
                    }
                } else if n.above(Loop::Block(d), p) {
                    self.b[d.idx()]
                } else {
                    g.f[d.idx()]
                };
                (folds * g.pes(d)).min(g.extent(d))
            }
        }
    }

    /// Bytes of `r`'s tile for a cut at `p`.
    fn tile(&self, g: &Geometry, r: Role, p: usize) -> u64 {
        let [d1, d2] = r.dims();
        bytes(self.ext(g, d1, p) * self.ext(g, d2, p), g.bits(r))
    }

    /// Position of the innermost loop above `r`'s cut that indexes `r`.
    fn boundary(&self, r: Role) -> Option<usize> {
        let cut = self.cuts[r as usize];
        (0..cut).rev().find(|&i| r.uses(self.nest[i]))
    }

    /// How many times `r`'s data is loaded (inputs) or visited (outputs): the iterations of
    /// the loops over its unused dimension above its boundary.
    pub fn reloads(&self, g: &Geometry, r: Role) -> u64 {
        let Some(b) = self.boundary(r) else {
            return 1;
        };
        let u = r.unused();
        if u != Dim::T && self.nest.above(Loop::Fold(u), b) {
            self.fold_total(g, u)
        } else if self.nest.above(Loop::Block(u), b) {
            self.n_blocks(g, u)
        } else {
            1
        }
    }

    /// Build a tiling (nest, chunk, cuts) from its orders and block sizes.
    fn new(g: &Geometry, blocks: [Dim; 3], folds: [Dim; 2], b: [u64; 3]) -> Tiling {
        let arrays = g.arrays();
        let group = if arrays > 1 {
            if b[folds[1].idx()] > 1 {
                Some(folds[1])
            } else if b[folds[0].idx()] > 1 {
                Some(folds[0])
            } else {
                None
            }
        } else {
            None
        };
        let mut t = Tiling {
            blocks,
            folds,
            b,
            chunk: b[2],
            group,
            nest: Nest::new(),
            cuts: [0; 3],
        };
        // Chunk: the most vectors per step for which every streamed slice of one step fits
        // in half of its SRAM.
        let mut chunk = b[2];
        for r in [Role::Rt, Role::Ct] {
            if g.kind(r) == Kind::PeOutput {
                continue;
            }
            let d = r.dims()[0];
            let folds = if group == Some(d) {
                arrays.min(b[d.idx()])
            } else {
                1
            };
            let per_vec = (folds * g.pes(d)).min(g.extent(d)) * g.bits(r);
            chunk = chunk.min((g.half(r) * 8 / per_vec.max(1)).max(1));
        }
        t.chunk = chunk;
        for d in blocks {
            if t.n_blocks(g, d) > 1 {
                t.nest.push(Loop::Block(d));
            }
        }
        for d in folds {
            if t.fold_trips_max(g, d) > 1 {
                t.nest.push(Loop::Fold(d));
            }
        }
        if b[2].div_ceil(chunk) > 1 {
            t.nest.push(Loop::Chunk);
        }
        // Each operand at the outermost cut whose tile fits in half its SRAM.
        let len = t.nest.len();
        for r in ROLES {
            t.cuts[r as usize] = if g.kind(r) == Kind::PeOutput {
                len
            } else {
                (0..=len)
                    .find(|&p| t.tile(g, r, p) <= g.half(r))
                    .unwrap_or(len)
            };
        }
        t
    }

    /// Traffic, cycles and steps, in closed form.
    pub fn cost(&self, g: &Geometry) -> Cost {
        let mut c = Cost::default();
        for r in ROLES {
            let n = self.reloads(g, r);
            let e = g.elems(r);
            match g.kind(r) {
                Kind::Input => c.read += n * bytes(e, g.bits(r)),
                Kind::Psum => {
                    let acc = e * g.p.acc_bytes;
                    c.read += (n - 1) * acc;
                    c.written += (n - 1) * acc + bytes(e, g.p.act_bits);
                }
                Kind::PeOutput => c.written += bytes(e, g.p.act_bits),
            }
        }
        // Fold groups per vector block, and visits.
        let groups = match self.group {
            Some(Dim::R) => self.fold_total(g, Dim::R) * g.f[1],
            Some(_) => g.f[0] * self.fold_total(g, Dim::C),
            None => g.f[0] * g.f[1],
        };
        let (r, cols) = (g.p.rows, g.p.cols);
        let nt = self.n_blocks(g, Dim::T);
        let (bt, last) = (self.b[2], g.f[2] - (nt - 1) * self.b[2]);
        let preload = if g.p.dataflow == Dataflow::Os { 0 } else { r };
        c.cycles =
            preload + groups * ((nt - 1) * bt.max(r) + last.max(r)) - last.max(r) + last + r + cols
                - 2;
        c.steps = groups * ((nt - 1) * bt.div_ceil(self.chunk) + last.div_ceil(self.chunk));
        c
    }

    /// One line: the nest, outer first, with trip counts and block sizes, and each operand's
    /// cut and reload count.
    pub fn describe(&self, g: &Geometry) -> String {
        let name = |d: Dim| match d {
            Dim::R => "r",
            Dim::C => "c",
            Dim::T => "t",
        };
        let mut s: Vec<String> = Vec::new();
        for (i, l) in self.nest.iter().enumerate() {
            for r in ROLES {
                if self.cuts[r as usize] == i {
                    s.push(format!("|{}", self.op_name(g, r)));
                }
            }
            s.push(match *l {
                Loop::Block(d) => format!(
                    "{}-blocks[{}x{}]",
                    name(d),
                    self.n_blocks(g, d),
                    self.b[d.idx()]
                ),
                Loop::Fold(d) => format!(
                    "{}-folds[{}{}]",
                    name(d),
                    self.fold_trips_max(g, d),
                    if self.group == Some(d) {
                        format!(" groups of {}", g.arrays())
                    } else {
                        String::new()
                    }
                ),
                Loop::Chunk => format!("chunks[{}]", self.chunk),
            });
        }
        for r in ROLES {
            if self.cuts[r as usize] == self.nest.len() {
                s.push(format!("|{}", self.op_name(g, r)));
            }
        }
        let n: Vec<String> = ROLES
            .iter()
            .map(|&r| format!("{}x{}", self.op_name(g, r), self.reloads(g, r)))
            .collect();
        format!("{} (bt {}; loads {})", s.join(" "), self.b[2], n.join(" "))
    }

    fn op_name(&self, g: &Geometry, r: Role) -> &'static str {
        match g.which(r) {
            Which::A => "A",
            Which::B => "B",
            Which::C => "C",
        }
    }
}

/// Distinct block sizes of a dimension of `f` units: `ceil(f / n)` for `n = 1..=f`, largest
/// first.
fn block_sizes(f: u64) -> Vec<u64> {
    let mut v: Vec<u64> = Vec::new();
    let mut n = 1;
    while n <= f {
        let b = f.div_ceil(n);
        if v.last() != Some(&b) {
            v.push(b);
        }
        // Next n with a smaller block: the smallest n' with ceil(f / n') < b.
        n = if b > 1 { f.div_ceil(b - 1) } else { f + 1 };
    }
    v
}

const BLOCK_ORDERS: [[Dim; 3]; 6] = [
    [Dim::R, Dim::C, Dim::T],
    [Dim::R, Dim::T, Dim::C],
    [Dim::C, Dim::R, Dim::T],
    [Dim::C, Dim::T, Dim::R],
    [Dim::T, Dim::R, Dim::C],
    [Dim::T, Dim::C, Dim::R],
];
const FOLD_ORDERS: [[Dim; 2]; 2] = [[Dim::R, Dim::C], [Dim::C, Dim::R]];

/// Whether loops of one trip sit after the others, in dimension order: one order per
/// distinct nest.
fn canonical<const N: usize>(order: &[Dim; N], trivial: impl Fn(Dim) -> bool) -> bool {
    let mut seen_trivial: Option<Dim> = None;
    for &d in order {
        if trivial(d) {
            if seen_trivial.is_some_and(|s| s > d) {
                return false;
            }
            seen_trivial = Some(d);
        } else if seen_trivial.is_some() {
            return false;
        }
    }
    true
}

/// Call `f` with every schedule of the space: every block size with a distinct trip count,
/// every order of the block loops and of the fold loops (one order per distinct nest).
pub fn for_each_tiling(g: &Geometry, mut f: impl FnMut(Tiling)) {
    let bts = if g.p.dataflow == Dataflow::Os {
        vec![g.f[2]]
    } else {
        block_sizes(g.f[2])
    };
    let (brs, bcs) = (block_sizes(g.f[0]), block_sizes(g.f[1]));
    for &br in &brs {
        for &bc in &bcs {
            for &bt in &bts {
                let b = [br, bc, bt];
                for blocks in BLOCK_ORDERS {
                    if !canonical(&blocks, |d| g.f[d.idx()].div_ceil(b[d.idx()]) == 1) {
                        continue;
                    }
                    for folds in FOLD_ORDERS {
                        let t = Tiling::new(g, blocks, folds, b);
                        if canonical(&folds, |d| t.fold_trips_max(g, d) == 1) {
                            f(t);
                        }
                    }
                }
            }
        }
    }
}

/// The schedule with the fewest DRAM bytes for `g` (ties: fewest array-busy cycles, then
/// fewest steps, then enumeration order), and its cost.
pub fn choose(g: &Geometry) -> (Tiling, Cost) {
    let mut best: Option<(Tiling, Cost)> = None;
    for_each_tiling(g, |t| {
        let c = t.cost(g);
        let better = match &best {
            None => true,
            Some((_, b)) => (c.traffic(), c.cycles, c.steps) < (b.traffic(), b.cycles, b.steps),
        };
        if better {
            best = Some((t, c));
        }
    });
    best.expect("the space holds at least one schedule")
}

/// [`choose`] through a process-wide memo (a pure function of the geometry: LLM traces repeat
/// a few shapes many times, on many cores and in sweeps).
pub fn choose_cached(g: &Geometry) -> Tiling {
    type Key = [u64; 13];
    static MEMO: std::sync::OnceLock<std::sync::Mutex<std::collections::BTreeMap<Key, Tiling>>> =
        std::sync::OnceLock::new();
    let p = &g.p;
    let key: Key = [
        p.rows,
        p.cols,
        p.arrays,
        p.dataflow as u64,
        p.act_bits,
        p.wgt_bits,
        p.acc_bytes,
        p.ifmap_sram,
        p.filter_sram,
        p.ofmap_sram,
        g.map.m,
        g.map.n,
        g.map.k,
    ];
    let memo = MEMO.get_or_init(Default::default);
    if let Some(t) = memo.lock().map(|m| m.get(&key).cloned()).ok().flatten() {
        return t;
    }
    let t = choose(g).0;
    if let Ok(mut m) = memo.lock() {
        m.insert(key, t.clone());
    }
    t
}

/// What the SRAM model of [`generate`] holds for one operand.
#[derive(Default)]
struct Held {
    /// The loop indices down to the boundary for the current tile.
    key: Vec<u64>,
    /// Slices of the current tile already loaded (inputs) or touched in this run (outputs).
    slices: BTreeSet<(u64, u64)>,
}

/// Emit the steps of `t` for one GEMM instance at `base`, appending to `out`. The walk keeps
/// each operand's current tile (the slices it loaded since the loops above its boundary last
/// moved) and reads a slice only when the tile does not hold it; WS/IS partial sums are read
/// back when a run revisits an output, spilled when a run ends before the output is complete,
/// and written as results by the step that completes them.
pub fn generate(g: &Geometry, t: &Tiling, base: Bases, out: &mut Vec<Step>) {
    let p = &g.p;
    let (r, c) = (p.rows, p.cols);
    let (sr, sc, tt) = (g.map.sr, g.map.sc, g.map.t);
    let arrays = g.arrays();
    let nest = &t.nest;
    let len = nest.len();
    let pos = |l: Loop| nest.position(l);
    let (pb, pf, pch) = (
        [
            pos(Loop::Block(Dim::R)),
            pos(Loop::Block(Dim::C)),
            pos(Loop::Block(Dim::T)),
        ],
        [pos(Loop::Fold(Dim::R)), pos(Loop::Fold(Dim::C))],
        pos(Loop::Chunk),
    );
    let at = |idx: &[u64], p: Option<usize>| p.map_or(0, |i| idx[i]);
    // Trips of nest loop `i` given the indices of the loops above it.
    let trips = |i: usize, idx: &[u64]| -> u64 {
        match nest[i] {
            Loop::Block(d) => t.n_blocks(g, d),
            Loop::Fold(d) => t.fold_trips(g, d, at(idx, pb[d.idx()])),
            Loop::Chunk => {
                let t0 = at(idx, pb[2]) * t.b[2];
                (t.b[2].min(tt - t0)).div_ceil(t.chunk)
            }
        }
    };
    let bases = |w: Which| match w {
        Which::A => base.a,
        Which::B => base.b,
        Which::C => base.c,
    };
    let boundaries: Vec<Option<usize>> = ROLES.iter().map(|&x| t.boundary(x)).collect();
    let mut held: Vec<Held> = (0..3).map(|_| Held::default()).collect();
    let mut spilled: BTreeSet<(u64, u64)> = BTreeSet::new();
    let start = out.len();
    // Run numbers continue those of the plan's earlier instances.
    let mut runs = out.last().map_or([0; 3], |s| s.runs.map(|q| q + 1));
    let mut idx = vec![0u64; len];
    loop {
        // The folds and vectors of this step.
        let range = |d: usize| -> (u64, u64) {
            let b = t.b[d];
            let blk0 = at(&idx, pb[d]) * b;
            let blk1 = (blk0 + b).min(g.f[d]);
            let dd = if d == 0 { Dim::R } else { Dim::C };
            let i = at(&idx, pf[d]);
            if t.group == Some(dd) {
                let s = blk0 + i * arrays;
                (s, (s + arrays).min(blk1))
            } else {
                (blk0 + i, blk0 + i + 1)
            }
        };
        let (rr, cr) = (range(0), range(1));
        let tb0 = at(&idx, pb[2]) * t.b[2];
        let tb1 = (tb0 + t.b[2]).min(tt);
        let t0 = tb0 + at(&idx, pch) * t.chunk;
        let tl = t.chunk.min(tb1 - t0);
        let first = t0 == tb0;
        let last_of_visit = t0 + tl == tb1;
        let is_last = (0..len).all(|i| idx[i] + 1 == trips(i, &idx));
        let used_r = |fr: u64| r.min(sr - fr * r);
        let used_c = |fc: u64| c.min(sc - fc * c);

        let mut step = Step {
            cycles: tl,
            vectors: tl,
            preload: if first && p.dataflow != Dataflow::Os {
                r
            } else {
                0
            },
            ..Default::default()
        };
        let mut write_addr = u64::MAX;
        let mut write = 0u64;
        let mut spill_prev: Vec<(u64, u64)> = Vec::new();
        for (ri, &role) in ROLES.iter().enumerate() {
            let key: &[u64] = match boundaries[ri] {
                Some(b) => &idx[..=b],
                None => &[],
            };
            let h = &mut held[ri];
            let new_run = h.key != key || out.len() == start;
            let w = g.which(role);
            let sram = w as u8;
            if new_run && out.len() > start {
                runs[sram as usize] += 1;
            }
            let bits = g.bits(role);
            let b0 = bases(w);
            let load = |addr: u64, bytes: u64| Load { addr, bytes, sram };
            match g.kind(role) {
                Kind::Input => {
                    if new_run {
                        h.key.clear();
                        h.key.extend_from_slice(key);
                        h.slices.clear();
                    }
                    match role {
                        Role::Rt => {
                            for fr in rr.0..rr.1 {
                                if h.slices.insert((fr, t0)) {
                                    let off = bytes(fr * r * tt + used_r(fr) * t0, bits);
                                    step.reads
                                        .push(load(b0 + off, bytes(used_r(fr) * tl, bits)));
                                }
                            }
                        }
                        Role::Ct => {
                            for fc in cr.0..cr.1 {
                                if h.slices.insert((fc, t0)) {
                                    let off = bytes(fc * c * tt + used_c(fc) * t0, bits);
                                    step.reads
                                        .push(load(b0 + off, bytes(used_c(fc) * tl, bits)));
                                }
                            }
                        }
                        Role::Rc => {
                            // The stationary tile enters the PEs once per visit.
                            if first {
                                for fr in rr.0..rr.1 {
                                    for fc in cr.0..cr.1 {
                                        if h.slices.insert((fr, fc)) {
                                            let off =
                                                bytes(fc * c * sr + fr * r * used_c(fc), bits);
                                            step.reads.push(load(
                                                b0 + off,
                                                bytes(used_r(fr) * used_c(fc), bits),
                                            ));
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                Kind::Psum => {
                    // WS/IS output (C × T): partial sums over the row folds.
                    if new_run {
                        // Spill what the previous run left incomplete.
                        for &(fc, s0) in &h.slices {
                            let l = (t.chunk).min(tb_end(t, tt, s0) - s0);
                            let off = bytes(fc * c * tt + used_c(fc) * s0, p.act_bits);
                            spill_prev.push((base.c + off, used_c(fc) * l * p.acc_bytes));
                            spilled.insert((fc, s0));
                        }
                        h.key.clear();
                        h.key.extend_from_slice(key);
                        h.slices.clear();
                    }
                    let complete = rr.1 == g.f[0];
                    for fc in cr.0..cr.1 {
                        let off = bytes(fc * c * tt + used_c(fc) * t0, p.act_bits);
                        let fresh = h.slices.insert((fc, t0));
                        if fresh && spilled.remove(&(fc, t0)) {
                            step.reads
                                .push(load(base.c + off, used_c(fc) * tl * p.acc_bytes));
                        }
                        if complete {
                            h.slices.remove(&(fc, t0));
                            write_addr = write_addr.min(base.c + off);
                            write += bytes(used_c(fc) * tl, p.act_bits);
                        }
                    }
                }
                Kind::PeOutput => {
                    if last_of_visit {
                        for fr in rr.0..rr.1 {
                            for fc in cr.0..cr.1 {
                                let off = bytes(fr * r * sc + fc * c * used_r(fr), p.act_bits);
                                write_addr = write_addr.min(base.c + off);
                                write += bytes(used_r(fr) * used_c(fc), p.act_bits);
                            }
                        }
                    }
                }
            }
        }
        step.runs = runs;
        if !spill_prev.is_empty() {
            let prev = out.last_mut().expect("a run ends after a step");
            for (a, b) in spill_prev {
                merge_write(prev, a, b);
            }
        }
        // Array work and SRAM reads of this step.
        for fr in rr.0..rr.1 {
            for fc in cr.0..cr.1 {
                let (ur, uc) = (used_r(fr), used_c(fc));
                step.macs += ur * uc * tl;
                step.sram_read += match p.dataflow {
                    Dataflow::Os => bytes(ur * tl, p.act_bits) + bytes(uc * tl, p.wgt_bits),
                    _ => {
                        let (st, sm) = (g.bits(Role::Rc), g.bits(Role::Rt));
                        bytes(ur * tl, sm) + if first { bytes(ur * uc, st) } else { 0 }
                    }
                };
            }
        }
        if write > 0 {
            merge_write(&mut step, write_addr, write);
        }
        if last_of_visit {
            step.cycles += if is_last {
                r + c - 2
            } else {
                r.saturating_sub(tb1 - tb0)
            };
        }
        out.push(step);
        // Advance the odometer.
        let mut i = len;
        loop {
            if i == 0 {
                return;
            }
            i -= 1;
            idx[i] += 1;
            if idx[i] < trips(i, &idx) {
                break;
            }
            idx[i] = 0;
        }
    }
}

/// End of the vector block holding vector `t0`.
fn tb_end(t: &Tiling, tt: u64, t0: u64) -> u64 {
    ((t0 / t.b[2] + 1) * t.b[2]).min(tt)
}

fn merge_write(s: &mut Step, addr: u64, b: u64) {
    if s.write.1 == 0 {
        s.write = (addr, b);
    } else {
        s.write = (s.write.0.min(addr), s.write.1 + b);
    }
}

/// Choose the schedule of `C[m×n] = A[m×k]·B[k×n]` and emit its steps for one instance.
pub fn plan(p: &PlanParams, m: u64, n: u64, k: u64, base: Bases, out: &mut Vec<Step>) {
    let g = Geometry::new(p, m, n, k);
    generate(&g, &choose_cached(&g), base, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::npu::array;
    use crate::units::npu::physical::compute_only_cycles;

    const BASES: Bases = Bases {
        a: 0,
        b: 1 << 40,
        c: 2 << 40,
    };

    #[allow(clippy::too_many_arguments)]
    fn params(df: Dataflow, r: u64, c: u64, arrays: u64, sram: [u64; 3]) -> PlanParams {
        PlanParams {
            rows: r,
            cols: c,
            arrays,
            dataflow: df,
            act_bits: 16,
            wgt_bits: 16,
            acc_bytes: 4,
            ifmap_sram: sram[0],
            filter_sram: sram[1],
            ofmap_sram: sram[2],
        }
    }

    /// Bytes of A, B and C read and of C written by a plan, told apart by address.
    fn traffic(steps: &[Step]) -> [u64; 4] {
        let mut t = [0; 4];
        for s in steps {
            for l in &s.reads {
                t[(l.addr >> 40) as usize] += l.bytes;
            }
            t[3] += s.write.1;
        }
        t
    }

    fn plan_of(g: &Geometry, t: &Tiling) -> Vec<Step> {
        let mut s = Vec::new();
        generate(g, t, BASES, &mut s);
        s
    }

    /// Visit lengths of a plan: WS/IS visits start with a tile preload, OS visits stream T.
    fn visits(df: Dataflow, t: u64, steps: &[Step]) -> Vec<usize> {
        let mut v: Vec<usize> = Vec::new();
        let mut open = false;
        for s in steps {
            let start = match df {
                Dataflow::Os => !open,
                _ => s.preload > 0,
            };
            if start {
                v.push(0);
            }
            *v.last_mut().unwrap() += s.vectors as usize;
            open = df == Dataflow::Os && (*v.last().unwrap() as u64) < t;
        }
        v
    }

    #[test]
    fn block_sizes_have_distinct_trip_counts() {
        assert_eq!(block_sizes(1), vec![1]);
        assert_eq!(block_sizes(6), vec![6, 3, 2, 1]);
        assert_eq!(block_sizes(10), vec![10, 5, 4, 3, 2, 1]);
        for f in 1..200u64 {
            let want: BTreeSet<u64> = (1..=f).map(|n| f.div_ceil(n)).collect();
            let got: BTreeSet<u64> = block_sizes(f).into_iter().collect();
            assert_eq!(got, want, "{f}");
        }
    }

    /// Every schedule of the space, on small shapes with SRAMs that force every kind of cut:
    /// the walk's reads, writes, steps and compute cycles equal the closed forms, and the
    /// compute cycles equal the PE-by-PE reference fed with the plan's visits.
    #[test]
    fn every_schedule_walks_to_its_closed_form() {
        let mut checked = 0;
        for df in [Dataflow::Os, Dataflow::Ws, Dataflow::Is] {
            for (r, c, arrays) in [(2u64, 2u64, 1u64), (3, 2, 2), (2, 3, 3)] {
                for (m, n, k) in [(5u64, 7u64, 9u64), (8, 4, 6), (1, 9, 5), (11, 3, 10)] {
                    for sram in [[24, 24, 48], [64, 40, 96], [400, 24, 32], [4096; 3]] {
                        let p = params(df, r, c, arrays, sram);
                        let g = Geometry::new(&p, m, n, k);
                        for_each_tiling(&g, |t| {
                            let cost = t.cost(&g);
                            let s = plan_of(&g, &t);
                            let tr = traffic(&s);
                            let what = format!(
                                "{df:?} {r}x{c}x{arrays} {m}x{n}x{k} {sram:?}: {}",
                                t.describe(&g)
                            );
                            assert_eq!(tr[0] + tr[1] + tr[2], cost.read, "reads {what}");
                            assert_eq!(tr[3], cost.written, "writes {what}");
                            assert_eq!(s.len() as u64, cost.steps, "steps {what}");
                            assert_eq!(compute_only_cycles(&s), cost.cycles, "cycles {what}");
                            let macs: u64 = s.iter().map(|x| x.macs).sum();
                            assert_eq!(macs, m * n * k, "{what}");
                            assert!(cost.traffic() >= g.compulsory_bytes(), "{what}");
                            // A run's loads fit in half of their SRAM (when one step's do).
                            for (ri, &role) in ROLES.iter().enumerate() {
                                let sram = g.which(role) as usize;
                                if t.tile(&g, role, t.nest.len()) > g.half(role) {
                                    continue;
                                }
                                let mut per_run: std::collections::BTreeMap<u32, u64> =
                                    Default::default();
                                for x in &s {
                                    for l in x.reads.iter().filter(|l| l.sram as usize == sram) {
                                        *per_run.entry(x.runs[sram]).or_default() += l.bytes;
                                    }
                                }
                                for (q, b) in per_run {
                                    assert!(b <= g.half(role), "run {q} of {ri}: {b} B {what}");
                                }
                            }
                            assert!(
                                s.windows(2)
                                    .all(|w| (0..3).all(|i| w[0].runs[i] <= w[1].runs[i]))
                            );
                            if arrays == 1 {
                                let v = visits(df, g.f[2], &s);
                                let slow = array::simulate_folds(df, r as usize, c as usize, &v);
                                assert_eq!(cost.cycles, slow, "reference {what} {v:?}");
                            }
                            checked += 1;
                        });
                    }
                }
            }
        }
        // 11,440 schedules over the 144 combinations.
        assert!(checked > 10_000, "{checked}");
    }

    /// Operand sizes, fp16: |A| = 2mk, |B| = 2kn, |C| = 2mn.
    fn sizes(m: u64, n: u64, k: u64) -> (u64, u64, u64) {
        (2 * m * k, 2 * k * n, 2 * m * n)
    }

    #[test]
    fn an_input_that_fits_in_half_its_sram_is_read_exactly_once() {
        // One input fits in half of its SRAM, the other SRAMs are tiny (half: 16 fp16 values
        // or 8 partial sums, one fold's tile on a 4×4 array): the fitting input is read once
        // whatever the dataflow, and nothing is read less than once.
        for df in [Dataflow::Os, Dataflow::Ws, Dataflow::Is] {
            for (m, n, k) in [(8u64, 12u64, 8u64), (13, 9, 7), (1, 20, 6)] {
                let (a, b, c) = sizes(m, n, k);
                for (which, sram) in [(0, [2 * a, 64, 64]), (1, [64, 2 * b, 64])] {
                    let p = params(df, 4, 4, 1, sram);
                    let mut s = Vec::new();
                    plan(&p, m, n, k, BASES, &mut s);
                    let t = traffic(&s);
                    let what = format!("{df:?} {m}x{n}x{k} {sram:?}: {t:?}");
                    assert_eq!(t[which], [a, b][which], "{what}");
                    assert!(t[0] >= a && t[1] >= b && t[3] >= c, "{what}");
                }
            }
        }
    }

    #[test]
    fn resident_outputs_let_both_inputs_be_read_once() {
        // WS 4×4, M = K = N = 16, fp16: A and B are 512 B each and fit in neither 128 B half,
        // but all of C's partial sums (16×16×4 = 1 KiB) fit in half a 4 KiB OFMAP. Keeping them
        // there across the reduction, the K blocks go outermost: an A row block (4 K-rows × 16
        // tokens = 128 B) and a B row block (4 × 16 = 128 B) are each loaded once and reused
        // across all column folds: compulsory traffic.
        let (m, n, k) = (16, 16, 16);
        let p = params(Dataflow::Ws, 4, 4, 1, [256, 256, 4096]);
        let g = Geometry::new(&p, m, n, k);
        let (t, cost) = choose(&g);
        let (a, b, c) = sizes(m, n, k);
        assert_eq!((cost.read, cost.written), (a + b, c), "{}", t.describe(&g));
        let s = plan_of(&g, &t);
        assert_eq!(traffic(&s), [a, b, 0, c]);
    }

    #[test]
    fn when_nothing_fits_the_choice_matches_its_hand_derived_closed_form() {
        // Same GEMM with a 256 B OFMAP (half: 32 partial sums). Hand derivation (4×4 WS,
        // F_r = F_c = 4 folds, T = 16 tokens, halves of 128 B = 64 fp16 values):
        // - A-stationary (token blocks outer): an A block of bt tokens × all 16 K-rows fits
        //   for bt ≤ 4, so 4 token blocks; B is streamed once per token block; C (bt × 4
        //   partial sums per column fold = 64 B) completes inside the block:
        //   |A| + 4·|B| + |C| = 512 + 2048 + 512 = 3072 B.
        // - B-stationary (column blocks outer): a B block of 16 K-rows × bc·4 columns fits
        //   for bc = 1, so A is streamed once per column fold: 4·|A| + |B| + |C| = 3072 B.
        // - C-stationary: all 256 partial sums (1 KiB) cannot stay; a block of at most 32
        //   (8 tokens × one column fold) leaves A re-read per column fold and B per token
        //   block: 4·|A| + 2·|B| = 3072 B of reads; K blocks outside C blocks add spills.
        // So the least traffic is 3072 B, with reads 2560 and writes 512 (no spills).
        let (m, n, k) = (16, 16, 16);
        let p = params(Dataflow::Ws, 4, 4, 1, [256, 256, 256]);
        let g = Geometry::new(&p, m, n, k);
        let (t, cost) = choose(&g);
        let (a, b, c) = sizes(m, n, k);
        assert_eq!(cost.read, 2560, "{}", t.describe(&g));
        assert_eq!(cost.written, c);
        let s = plan_of(&g, &t);
        let tr = traffic(&s);
        // One of the two inputs once, the other four times.
        assert!(
            (tr[0], tr[1]) == (a, 4 * b) || (tr[0], tr[1]) == (4 * a, b),
            "{tr:?} {}",
            t.describe(&g)
        );
        assert_eq!((tr[2], tr[3]), (0, c));
    }

    #[test]
    fn gpt2_qkv_on_tpu_like_keeps_a_token_block_of_a_resident() {
        // m = 1024, n = 2304, k = 768, fp16, WS 128×128, 1 MiB SRAMs (halves of 512 KiB).
        // An A block of bt tokens × 768 fits for bt ≤ 341, so at least 4 token blocks, each
        // streaming all of B (3,538,944 B) past it; the partial sums of a column fold
        // (256 × 128 × 4 = 128 KiB) complete inside the block. Reads: |A| + 4·|B|.
        let p = PlanParams {
            rows: 128,
            cols: 128,
            arrays: 1,
            dataflow: Dataflow::Ws,
            act_bits: 16,
            wgt_bits: 16,
            acc_bytes: 4,
            ifmap_sram: 1 << 20,
            filter_sram: 1 << 20,
            ofmap_sram: 1 << 20,
        };
        let g = Geometry::new(&p, 1024, 2304, 768);
        let (t, cost) = choose(&g);
        let (a, b, c) = sizes(1024, 2304, 768);
        assert_eq!(
            (cost.read, cost.written),
            (a + 4 * b, c),
            "{}",
            t.describe(&g)
        );
        // SCALE-Sim's fold order re-reads A for each of the 18 column folds.
        let mut s = Vec::new();
        crate::units::npu::physical::plan(&p, 1024, 2304, 768, BASES, &mut s);
        assert_eq!(traffic(&s), [18 * a, b, 0, c]);
        // A 4 MiB IFMAP holds all of A in one half: compulsory traffic.
        let g = Geometry::new(
            &PlanParams {
                ifmap_sram: 4 << 20,
                ..p
            },
            1024,
            2304,
            768,
        );
        assert_eq!(choose(&g).1.traffic(), a + b + c);
    }
}
