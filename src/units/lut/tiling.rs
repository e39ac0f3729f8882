//! Tiling a (batched) GEMM over the SMs of the chip: output tiles per SM, split-K, waves,
//! and the pipelined K chunks that stream through shared memory.
//!
//! The rules, in the spirit of the tile-based GPU kernels (CUTLASS-style output-stationary
//! tiles with thread-block swizzling) the LUT Tensor Core paper generates:
//! 1. An SM computes an output tile of `tm x tn`, starting from the config's `tile_m` x
//!    `tile_n` (widened to at least one instruction's width, so that every array of a
//!    tensor core has columns; clipped to the op). While the op has fewer tiles than SMs,
//!    `tn` halves, down to one instruction's width.
//! 2. If the op still has fewer tiles than SMs, the reduction is split (split-K) so that
//!    `tiles x splits <= SMs`; each split writes a partial output (reduced in L2; the
//!    extra writes are counted).
//! 3. The K loop of a tile runs in chunks of `tk` (`tile_k`); a chunk of A (or tables) and
//!    of weights for every SM in flight sits in shared memory, `smem_stages` deep. If a
//!    chunk does not fit, `tk`, then `tn`, then `tm` halve until it does.
//! 4. An SM holds as many tiles at once as its shared memory has room for (each with
//!    `smem_stages` chunks), up to `max_resident` (the thread blocks an SM can hold), and
//!    runs them one after another on its tensor cores: small tiles (e.g. the many tiny
//!    GEMVs of batched attention) are then fetched in few large requests, as a GPU's
//!    resident thread blocks hide memory latency.
//! 5. SMs run in waves: the tiles of one wave run together, and a wave is a rectangle of
//!    `gm x gn` tiles of one instance (or several whole instances of a small batched op)
//!    chosen to need the fewest waves, then the fewest bytes. Inside a wave each A row
//!    block and weight column block is fetched from memory once (the L2 serves the other
//!    SMs: swizzling). Across waves, operands are fetched again unless the op's A and
//!    weights together fit in the L2 (`l2_kib`), in which case each row block and column
//!    block is fetched from memory only by the first wave that needs it (L2 hits cost no
//!    time: the L2's own bandwidth is not modelled).
//! 6. The tile shape is chosen among `tile_m`, `tile_m/2`, `tile_m/4` rows by `tile_n`,
//!    `tile_n/2`, `tile_n/4` columns and, when the op has fewer tiles than SMs, every
//!    split-K factor up to one wave, by the estimate `max(compute, bytes / bandwidth,
//!    requests x latency / stages)`: compute is `ceil(tiles / SMs)` times the datapath's
//!    exact time for one tile, bytes the traffic of rules 4 and 5, bandwidth the memory's
//!    peak, and the last term the latency bound of streaming `waves x chunks` chunk loads
//!    with `smem_stages` in flight (why GEMVs split K). Candidates within 3 % of
//!    the best estimate are ranked by bytes; remaining ties keep the larger tile.
//!
//! Every SM of a wave works in lockstep on its chunk c; the wave's chunk time is the time of
//! its largest tile, so edge tiles cost as much as full ones (as on a GPU, where the wave
//! waits for its slowest CTA).

/// A datapath instruction's shape (the granularity tiles are padded to).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Instr {
    /// Rows.
    pub m: u64,
    /// Columns.
    pub n: u64,
    /// Reduction depth.
    pub k: u64,
}

/// Bits per element as a fraction (tables have a whole number of bits per group).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Bits {
    /// Numerator.
    pub num: u64,
    /// Denominator.
    pub den: u64,
}

impl Bits {
    /// Whole bits per element.
    pub fn whole(b: u64) -> Self {
        Bits { num: b, den: 1 }
    }

    /// Bytes of `elems` elements (rounded up).
    pub fn bytes(&self, elems: u64) -> u64 {
        (elems * self.num).div_ceil(self.den * 8)
    }
}

/// What the tiler needs to know about the chip.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Chip {
    /// SMs.
    pub sms: u64,
    /// Shared-memory bytes per SM.
    pub smem_bytes: u64,
    /// Chunks in flight per SM.
    pub stages: u64,
    /// Starting tile rows.
    pub tile_m: u64,
    /// Starting tile columns.
    pub tile_n: u64,
    /// Chunk depth.
    pub tile_k: u64,
    /// Tiles an SM can hold at once.
    pub max_resident: u64,
    /// Instructions an SM can run at once (tensor cores, or LUT arrays).
    pub units: u64,
    /// Memory bytes per unit cycle the tiler assumes when it weighs traffic against time.
    pub mem_bytes_per_cycle: f64,
    /// L2 capacity in bytes that keeps operands across waves.
    pub l2_bytes: u64,
    /// Memory latency in unit cycles the tiler assumes.
    pub mem_latency_cycles: f64,
}

/// A (batched) GEMM: `batch` independent `C[m x n] = A[m x k] B[k x n]`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Gemm {
    /// Independent instances.
    pub batch: u64,
    /// Rows.
    pub m: u64,
    /// Columns.
    pub n: u64,
    /// Reduction.
    pub k: u64,
}

/// One wave of SMs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Wave {
    /// Tiles of the wave (an SM runs `ceil(tiles / SMs)` of them one after another).
    pub tiles: u64,
    /// Rows of the wave's largest tile.
    pub tile_m: u64,
    /// Columns of the wave's largest tile.
    pub tile_n: u64,
    /// A rows fetched (summed over the instances and row blocks of the wave).
    pub a_rows: u64,
    /// Weight columns fetched.
    pub w_cols: u64,
    /// Output elements written at the end (split partials included).
    pub out_elems: u64,
    /// Element offset of the wave's first A row (for addresses).
    pub a_off: u64,
    /// Element offset of the wave's first weight column.
    pub w_off: u64,
    /// Element offset of the wave's first output.
    pub c_off: u64,
}

/// One K chunk (the same for every wave).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// Reduction elements of the longest split's chunk (what one SM computes).
    pub k_max: u64,
    /// Reduction elements of this chunk summed over the splits (what is fetched).
    pub k_total: u64,
}

/// The tiling of one op.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Tile rows.
    pub tm: u64,
    /// Tile columns.
    pub tn: u64,
    /// Chunk depth.
    pub tk: u64,
    /// Split-K factor.
    pub splits: u64,
    /// The waves.
    pub waves: Vec<Wave>,
    /// The K chunks of every wave.
    pub chunks: Vec<Chunk>,
    /// Instructions of the whole op (every tile's, padding included).
    pub instrs: u64,
}

/// The largest chunk depth (a multiple of the instruction depth, or all of K when K is
/// shorter than `tile_k`) whose `stages` chunks of a `tm x tn` tile fit in shared memory.
fn fit_tk(g: Gemm, ins: Instr, a: Bits, w: Bits, chip: &Chip, tm: u64, tn: u64) -> Option<u64> {
    let budget = chip.smem_bytes / chip.stages.max(1);
    let fits = |tk: u64| a.bytes(tm * tk) + w.bytes(tk * tn) <= budget;
    let kq = |x: u64| (x / ins.k).max(1) * ins.k;
    let mut tk = if g.k > chip.tile_k {
        kq(chip.tile_k)
    } else {
        g.k
    };
    while !fits(tk) {
        if tk <= ins.k {
            return None;
        }
        tk = kq(tk / 2);
    }
    Some(tk)
}

/// How the tiles of an op are grouped into waves.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Layout {
    /// Every tile (and split) in one wave.
    One,
    /// Waves of `q` whole instances.
    Instances(u64),
    /// Waves of `gm x gn` tiles of one instance.
    Rect(u64, u64),
}

/// A candidate tiling and what it costs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
struct Cand {
    tm: u64,
    tn: u64,
    tk: u64,
    k_split: u64,
    layout: Layout,
    bytes: u64,
}

/// Lay out the tiles of `(tm, tn, tk, k_split)` in waves and count the bytes fetched.
fn layout(g: Gemm, a: Bits, w: Bits, chip: &Chip, shape: (u64, u64, u64, u64)) -> Cand {
    let (tm, tn, tk, k_split) = shape;
    let sms = chip.sms.max(1);
    let (tmn, tnn) = (g.m.div_ceil(tm), g.n.div_ceil(tn));
    let t = g.batch * tmn * tnn;
    let splits = g.k.div_ceil(k_split);
    let chunk_bytes = a.bytes(tm * tk) + w.bytes(tk * tn);
    let resident = (chip.smem_bytes / (chip.stages.max(1) * chunk_bytes.max(1)))
        .clamp(1, chip.max_resident.max(1));
    let s_wave = sms * resident;
    let (ab, wb) = (a.bytes(g.m * g.k), w.bytes(g.n * g.k));
    let partials = (splits - 1) * g.batch * g.m * g.n * 4;
    let (layout, bytes) = if t * splits <= s_wave {
        (Layout::One, g.batch * (ab + wb) + partials)
    } else if tmn * tnn <= s_wave {
        (Layout::Instances(s_wave / (tmn * tnn)), g.batch * (ab + wb))
    } else {
        let mut best: Option<(u64, u64, u64, u64)> = None;
        for gn in 1..=tnn.min(s_wave) {
            let gm = tmn.min(s_wave / gn);
            if gm == 0 {
                continue;
            }
            let nw = tmn.div_ceil(gm) * tnn.div_ceil(gn);
            let bytes = tnn.div_ceil(gn) * ab + tmn.div_ceil(gm) * wb;
            if best.is_none_or(|(w0, b0, _, _)| (nw, bytes) < (w0, b0)) {
                best = Some((nw, bytes, gm, gn));
            }
        }
        let (_, bytes, gm, gn) = best.unwrap_or((1, ab + wb, 1, 1));
        let bytes = if ab + wb <= chip.l2_bytes {
            ab + wb
        } else {
            bytes
        };
        (Layout::Rect(gm, gn), g.batch * bytes)
    };
    Cand {
        tm,
        tn,
        tk,
        k_split,
        layout,
        bytes,
    }
}

/// Choose the tiling (rule 6). `tile_cycles(tm, tn, k)` is the datapath's time for one
/// SM to compute a `tm x tn` tile over `k` reduction elements.
fn choose(
    g: Gemm,
    ins: Instr,
    a: Bits,
    w: Bits,
    chip: &Chip,
    tile_cycles: &dyn Fn(u64, u64, u64) -> u64,
) -> Cand {
    let sms = chip.sms.max(1);
    let clip = |x: u64, dim: u64, unit: u64| x.max(unit).min(dim).max(1);
    let mut tms: Vec<u64> = [1, 2, 4]
        .iter()
        .map(|d| clip(chip.tile_m / d, g.m, ins.m.min(g.m)))
        .collect();
    tms.dedup();
    let tn0 = chip.tile_n.max(ins.n);
    let mut tns: Vec<u64> = [1, 2, 4]
        .iter()
        .map(|d| clip(tn0 / d, g.n, ins.n.min(g.n)))
        .collect();
    tns.dedup();
    let mut cands: Vec<(f64, Cand)> = Vec::new();
    for &tm in &tms {
        for &tn in &tns {
            let Some(tk) = fit_tk(g, ins, a, w, chip, tm, tn) else {
                continue;
            };
            let t = g.batch * g.m.div_ceil(tm) * g.n.div_ceil(tn);
            let max_s = if t < sms {
                (sms / t).min(g.k.div_ceil(tk)).max(1)
            } else {
                1
            };
            let mut last = 0;
            for want in 1..=max_s {
                let k_split = g.k.div_ceil(want).div_ceil(tk) * tk;
                let s = g.k.div_ceil(k_split);
                if s == last {
                    continue;
                }
                last = s;
                let c = layout(g, a, w, chip, (tm, tn, tk, k_split));
                let full = k_split / tk;
                let rest = k_split % tk;
                let mut per_tile = full * tile_cycles(tm, tn, tk);
                if rest > 0 {
                    per_tile += tile_cycles(tm, tn, rest);
                }
                let compute = ((t * s).div_ceil(sms) * per_tile) as f64;
                let mem = c.bytes as f64 / chip.mem_bytes_per_cycle.max(1e-9);
                let waves = match c.layout {
                    Layout::One => 1,
                    Layout::Instances(q) => g.batch.div_ceil(q),
                    Layout::Rect(gm, gn) => {
                        g.batch * g.m.div_ceil(tm).div_ceil(gm) * g.n.div_ceil(tn).div_ceil(gn)
                    }
                };
                let lat = (waves * k_split.div_ceil(tk)) as f64 * chip.mem_latency_cycles
                    / chip.stages.max(1) as f64;
                cands.push((compute.max(mem).max(lat), c));
            }
        }
    }
    let best = cands.iter().map(|c| c.0).fold(f64::INFINITY, f64::min);
    let mut pick: Option<Cand> = None;
    for (est, c) in &cands {
        if *est <= best * 1.03 && pick.is_none_or(|p| c.bytes < p.bytes) {
            pick = Some(*c);
        }
    }
    pick.unwrap_or_else(|| {
        // Nothing fits: the smallest tile (config validation keeps this from happening).
        let (tm, tn, tk) = (1, ins.n.min(g.n), ins.k.min(g.k));
        layout(g, a, w, chip, (tm, tn, tk, g.k))
    })
}

/// Tile `g` for a datapath whose instructions are `ins`, with A elements of `a` bits and
/// weights of `w` bits; `tile_cycles(tm, tn, k)` is one SM's time for a tile.
pub fn plan(
    g: Gemm,
    ins: Instr,
    a: Bits,
    w: Bits,
    chip: &Chip,
    tile_cycles: &dyn Fn(u64, u64, u64) -> u64,
) -> Plan {
    let c = choose(g, ins, a, w, chip, tile_cycles);
    let (tm, tn, tk, k_split) = (c.tm, c.tn, c.tk, c.k_split);
    let splits = g.k.div_ceil(k_split);
    let (tmn, tnn) = (g.m.div_ceil(tm), g.n.div_ceil(tn));
    let split_len = |j: u64| k_split.min(g.k - j * k_split);
    let nchunks = k_split.div_ceil(tk).max(1);
    let chunks: Vec<Chunk> = (0..nchunks)
        .map(|ci| {
            let kc = |j: u64| split_len(j).saturating_sub(ci * tk).min(tk);
            Chunk {
                k_max: kc(0),
                k_total: (0..splits).map(kc).sum(),
            }
        })
        .collect();
    // Instructions: the sum over tiles factorises over m tiles, n tiles and k chunks.
    let pad_sum = |dim: u64, tile: u64, unit: u64| {
        let full = dim / tile;
        let rest = dim % tile;
        full * tile.div_ceil(unit) + rest.div_ceil(unit)
    };
    let sum_k: u64 = (0..splits).map(|j| pad_sum(split_len(j), tk, ins.k)).sum();
    let instrs = g.batch * pad_sum(g.m, tm, ins.m) * pad_sum(g.n, tn, ins.n) * sum_k;
    let inst = |b: u64| (b * g.m * g.k, b * g.k * g.n, b * g.m * g.n);
    let mut waves = Vec::new();
    match c.layout {
        Layout::One => waves.push(Wave {
            tiles: g.batch * tmn * tnn * splits,
            tile_m: tm,
            tile_n: tn,
            a_rows: g.batch * g.m,
            w_cols: g.batch * g.n,
            out_elems: g.batch * g.m * g.n * splits,
            a_off: 0,
            w_off: 0,
            c_off: 0,
        }),
        Layout::Instances(q) => {
            let mut b = 0;
            while b < g.batch {
                let nb = q.min(g.batch - b);
                let (ao, wo, co) = inst(b);
                waves.push(Wave {
                    tiles: nb * tmn * tnn,
                    tile_m: tm,
                    tile_n: tn,
                    a_rows: nb * g.m,
                    w_cols: nb * g.n,
                    out_elems: nb * g.m * g.n,
                    a_off: ao,
                    w_off: wo,
                    c_off: co,
                });
                b += nb;
            }
        }
        Layout::Rect(gm, gn) => {
            let l2 = a.bytes(g.m * g.k) + w.bytes(g.n * g.k) <= chip.l2_bytes;
            for b in 0..g.batch {
                let (ao, wo, co) = inst(b);
                for i in 0..tmn.div_ceil(gm) {
                    let r0 = i * gm * tm;
                    let rows = (gm * tm).min(g.m - r0);
                    for j in 0..tnn.div_ceil(gn) {
                        let c0 = j * gn * tn;
                        let cols = (gn * tn).min(g.n - c0);
                        waves.push(Wave {
                            tiles: rows.div_ceil(tm) * cols.div_ceil(tn),
                            tile_m: tm.min(rows),
                            tile_n: tn.min(cols),
                            // With the operands in L2, later waves find them there.
                            a_rows: if l2 && j > 0 { 0 } else { rows },
                            w_cols: if l2 && i > 0 { 0 } else { cols },
                            out_elems: rows * cols,
                            a_off: ao + r0 * g.k,
                            w_off: wo + c0 * g.k,
                            c_off: co + r0 * g.n + c0,
                        });
                    }
                }
            }
        }
    }
    Plan {
        tm,
        tn,
        tk,
        splits,
        waves,
        chunks,
        instrs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chip() -> Chip {
        Chip {
            sms: 108,
            smem_bytes: 164 * 1024,
            stages: 2,
            tile_m: 128,
            tile_n: 256,
            tile_k: 64,
            max_resident: 32,
            units: 16,
            mem_bytes_per_cycle: 1100.0,
            l2_bytes: 0,
            mem_latency_cycles: 290.0,
        }
    }

    const LUT4X: Instr = Instr { m: 2, n: 64, k: 4 };

    /// LUT-4X at W = 2: 16 arrays per SM, 2 cycles per LMMA.
    fn cost(tm: u64, tn: u64, k: u64) -> u64 {
        (tm.div_ceil(2) * tn.div_ceil(64) * k.div_ceil(4)).div_ceil(16) * 2
    }

    /// Every A and weight element is fetched at least once; the instructions cover every
    /// MAC of the op; each wave fits the SMs' resident tiles.
    #[test]
    fn coverage_of_a_prefill_gemm() {
        let g = Gemm {
            batch: 1,
            m: 2048,
            n: 8640,
            k: 3200,
        };
        let p = plan(g, LUT4X, Bits::whole(8), Bits::whole(2), &chip(), &cost);
        let a: u64 = p.waves.iter().map(|w| w.a_rows).sum::<u64>() * g.k;
        let w: u64 = p.waves.iter().map(|w| w.w_cols).sum::<u64>() * g.k;
        assert!(a >= g.m * g.k && w >= g.n * g.k);
        let out: u64 = p.waves.iter().map(|w| w.out_elems).sum();
        assert_eq!(out, g.m * g.n);
        // M and N are multiples of the 2 x 64 instruction: no padding at all.
        assert_eq!(p.instrs * 2 * 64 * 4, g.m * g.n * g.k);
        assert!(p.waves.iter().all(|w| w.tiles <= 108 * 32));
        let tiles: u64 = p.waves.iter().map(|w| w.tiles).sum();
        assert_eq!(tiles, g.m.div_ceil(p.tm) * g.n.div_ceil(p.tn));
        let k: u64 = p.chunks.iter().map(|c| c.k_total).sum();
        assert_eq!(k, g.k);
    }

    /// A GEMV has far fewer tiles than SMs and streams little per chunk, so it splits K
    /// (the latency term of the estimate) and runs in one wave.
    #[test]
    fn gemv_splits_k() {
        let g = Gemm {
            batch: 1,
            m: 1,
            n: 8640,
            k: 3200,
        };
        let p = plan(g, LUT4X, Bits::whole(8), Bits::whole(2), &chip(), &cost);
        assert!(p.splits > 1, "{p:?}");
        assert_eq!(p.waves.len(), 1);
        assert!(p.waves[0].tiles <= 108);
        let k: u64 = p.chunks.iter().map(|c| c.k_total).sum();
        assert_eq!(k, 3200);
        // Exact instructions: one row block (M = 1 padded to 2) x 135 column blocks of 64
        // x 800 K steps of 4, however K is split.
        assert_eq!(p.instrs, 135 * 800);
    }

    /// Many small instances pack into waves of whole instances.
    #[test]
    fn batched_small_instances_pack() {
        let g = Gemm {
            batch: 1000,
            m: 1,
            n: 100,
            k: 64,
        };
        let p = plan(g, LUT4X, Bits::whole(8), Bits::whole(8), &chip(), &cost);
        // Every tile is tiny, so 32 fit per SM: 3456 instances per wave.
        assert_eq!(p.waves.len(), 1);
        assert_eq!(p.waves[0].tiles, 1000);
        let cols: u64 = p.waves.iter().map(|w| w.w_cols).sum();
        assert_eq!(cols, 100 * 1000);
    }
}
