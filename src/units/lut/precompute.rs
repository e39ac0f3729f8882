//! Table precompute: what a table is, what building it costs, and where it is built.
//!
//! # Tables
//! For a group of K activations `a_0..a_{K-1}` and a K-bit weight pattern, the dot product
//! with the pattern is one of `2^K` sums. Reinterpreting weight bits as -1/+1 makes the
//! sums odd (`T(!p) = -T(p)`), so only the `2^(K-1)` sums with bit 0 clear are stored
//! ("symmetric"): `T[j] = -a_0 + sum_{i>=1} (2 j_i - 1) a_i`. A pattern with bit 0 set
//! reads `-T[!j]` (the released RTL takes the weights pre-complemented offline, so it only
//! flips the sign). An unsigned W-bit weight `w = sum_b 2^b w_b` is then
//! `w a = sum_b 2^(b-1) (s_b a) + (2^W - 1)/2 a` with `s_b = 2 w_b - 1`: the lookups of
//! each bit-plane, shifted, plus one offset per group (`-T[0]` is the group sum, so the
//! offset needs no extra table). A "plain" table stores all `2^K` sums of the 0/1
//! patterns instead.
//!
//! # Cost (derived from the construction in [`build_symmetric`] and [`build_plain`])
//! Symmetric: the first entry takes K-1 adds, the doubled activations `2 a_i` take K-1
//! ops, and walking the other entries in Gray-code order takes one add each:
//! `2 (K-1) + 2^(K-1) - 1` = 13 ops per group of 4, 3.25 per activation element, and
//! 8 / 4 = 2 stored entries per element. Plain: `2^K - 2` = 14 adds per group of 4 and 4
//! entries per element. (The research note's rough figure is "about 2 adds and 2 entries
//! per element"; our count is the exact construction.) The functions here are tested by
//! building real tables and checking every lookup against the dot product.
//!
//! # Placements
//! - `fused`: the producing element-wise op writes tables instead of activations. The
//!   vector unit that runs the producer knows nothing of tables, so the extra cost is
//!   charged in a short phase at the start of the LUT op: the table bytes beyond the
//!   activation bytes the producer writes anyway, and the build ops beyond what the
//!   producer's own memory streaming hides (the build runs on the SIMT lanes while the
//!   producer waits for memory: only `max(0, build cycles - producer bytes / bandwidth)`
//!   is charged; element-wise producers are memory-bound, so this is usually zero). The
//!   build ops always count as energy. With no extra bytes and no excess time the phase
//!   is empty.
//!   An op whose producer is not element-wise cannot fuse and falls back to `separate`
//!   (counted in the statistic `precompute_unfusable`).
//! - `separate`: a precompute op of its own before the GEMM: read the activations, build
//!   on the SIMT lanes of every SM, write the tables; then the GEMM reads the tables. The
//!   two run back to back (a kernel boundary), after an optional launch delay.
//! - `in_unit`: a precompute unit beside every array builds the array's M tables for every
//!   instruction; no table traffic, but the work is repeated for every column block, every
//!   array and every SM (the redundancy of UNPU-style designs), and an instruction waits
//!   if its tables take longer to build than its W cycles.
//! - `none`: tables are free (the reference for overhead measurements).
//!
//! With `fused` and `separate`, tables are built once per activation tensor (keyed by the
//! producing op) and reused by every LUT op that reads it (e.g. LLaMA's gate and up).

use super::area::table_build_ops;
use super::array::LutArray;
use crate::units::stream::Tile;

/// Start of the address region that holds tables (above every workload operand).
pub const TABLE_REGION: u64 = 1 << 52;

/// Table geometry and cost per group of K activations.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TableCost {
    /// Activations per group.
    pub k: u64,
    /// Entries per group.
    pub entries: u64,
    /// Bits per entry.
    pub entry_bits: u64,
    /// Build ops per group.
    pub ops: u64,
}

impl TableCost {
    /// The tables of `array`.
    pub fn of(array: &LutArray) -> Self {
        TableCost {
            k: array.k,
            entries: array.depth,
            entry_bits: array.entry_bits,
            ops: table_build_ops(array.k, array.depth < (1 << array.k)),
        }
    }

    /// Groups in `rows` rows of `kdim` activations.
    pub fn groups(&self, rows: u64, kdim: u64) -> u64 {
        rows * kdim.div_ceil(self.k)
    }

    /// Bytes of the tables of `rows` rows of `kdim` activations.
    pub fn bytes(&self, rows: u64, kdim: u64) -> u64 {
        (self.groups(rows, kdim) * self.entries * self.entry_bits).div_ceil(8)
    }

    /// Build ops for `rows` rows of `kdim` activations.
    pub fn build_ops(&self, rows: u64, kdim: u64) -> u64 {
        self.groups(rows, kdim) * self.ops
    }
}

/// What a precompute phase moves and does.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PrePhase {
    /// Streamer tiles.
    pub tiles: Vec<Tile>,
    /// SIMT build ops.
    pub ops: u64,
    /// Table bytes written.
    pub table_bytes: u64,
}

/// Inputs to plan a precompute phase.
#[derive(Copy, Clone, Debug)]
pub struct PreInputs {
    /// Rows of activations (batch x M).
    pub rows: u64,
    /// Activations per row.
    pub kdim: u64,
    /// Bits per activation.
    pub act_bits: u64,
    /// Address of the activations.
    pub act_addr: u64,
    /// Address of the tables.
    pub table_addr: u64,
    /// SIMT ops per cycle over the whole chip.
    pub chip_simt_ops: u64,
    /// Bytes of buffer a chunk may use over the whole chip.
    pub chunk_budget: u64,
    /// Fused (write only the extra bytes, read nothing) or separate.
    pub fused: bool,
    /// Fused only: cycles of the producer's memory streaming that hide the build.
    pub hidden_cycles: u64,
}

/// Plan the precompute phase of `t` for the inputs `p`: chunks of whole rows, each read
/// (separate only), built on the SIMT lanes, and written.
pub fn plan(t: &TableCost, p: &PreInputs) -> PrePhase {
    let act_row = (p.kdim * p.act_bits).div_ceil(8);
    let tab_row = t.bytes(1, p.kdim);
    let per_row = act_row + tab_row;
    let rows_per = (p.chunk_budget / per_row.max(1)).clamp(1, p.rows.max(1));
    let mut out = PrePhase::default();
    let total_cycles = t.build_ops(p.rows, p.kdim).div_ceil(p.chip_simt_ops.max(1));
    // Fused: only the build time the producer's streaming does not hide, spread over the
    // chunks in proportion to their rows.
    let excess = if p.fused {
        total_cycles.saturating_sub(p.hidden_cycles)
    } else {
        total_cycles
    };
    let mut r = 0;
    while r < p.rows {
        let n = rows_per.min(p.rows - r);
        let ops = t.build_ops(n, p.kdim);
        let tab = t.bytes(n, p.kdim);
        let act = (n * p.kdim * p.act_bits).div_ceil(8);
        let (read, write) = if p.fused {
            ((0, 0), tab.saturating_sub(act))
        } else {
            ((p.act_addr + r * act_row, act), tab)
        };
        let compute = if p.fused {
            (excess * (r + n)).div_ceil(p.rows) - (excess * r).div_ceil(p.rows)
        } else {
            ops.div_ceil(p.chip_simt_ops.max(1))
        };
        if read.1 > 0 || write > 0 || compute > 0 {
            out.tiles.push(Tile {
                reads: [read, (0, 0)],
                compute_cycles: compute,
                write: (p.table_addr + r * tab_row, write),
            });
        }
        out.ops += ops;
        out.table_bytes += tab;
        r += n;
    }
    out
}

/// Build the symmetric table of `a` (K = a.len() >= 1) the way the cost model counts:
/// returns the `2^(K-1)` entries and the number of add/double ops used.
pub fn build_symmetric(a: &[f64]) -> (Vec<f64>, u64) {
    let k = a.len();
    let mut ops = 0;
    // First entry: -(a0 + a1 + ... + a_{K-1}).
    let mut s = a[0];
    for x in &a[1..] {
        s += x;
        ops += 1;
    }
    let doubled: Vec<f64> = a[1..]
        .iter()
        .map(|x| {
            ops += 1;
            2.0 * x
        })
        .collect();
    let n = 1usize << (k - 1);
    let mut t = vec![0.0; n];
    let mut cur = -s;
    let mut idx = 0usize;
    t[0] = cur;
    // Gray-code walk over the high K-1 bits: step g flips bit `trailing_zeros(g)`.
    for g in 1..n {
        let bit = g.trailing_zeros() as usize;
        let mask = 1 << bit;
        if idx & mask == 0 {
            cur += doubled[bit];
        } else {
            cur -= doubled[bit];
        }
        idx ^= mask;
        ops += 1;
        t[idx] = cur;
    }
    (t, ops)
}

/// Build the plain table of `a`: `2^K` sums of the 0/1 patterns, and the ops used.
pub fn build_plain(a: &[f64]) -> (Vec<f64>, u64) {
    let k = a.len();
    let n = 1usize << k;
    let mut t = vec![0.0; n];
    let mut ops = 0;
    let mut cur = 0.0;
    let mut idx = 0usize;
    for g in 1..n {
        let bit = g.trailing_zeros() as usize;
        let mask = 1 << bit;
        if idx & mask == 0 {
            cur += a[bit];
        } else {
            cur -= a[bit];
        }
        // Adding to the all-zero entry is a copy, not an add.
        if idx != 0 {
            ops += 1;
        }
        idx ^= mask;
        t[idx] = cur;
    }
    (t, ops)
}

/// The value a symmetric table gives for a K-bit pattern `p` of +-1 weights (bit i set:
/// +a_i, clear: -a_i): bit 0 clear reads `T[p >> 1]`, bit 0 set reads `-T[!p >> 1]`.
pub fn lookup_symmetric(t: &[f64], p: usize) -> f64 {
    let hi = p >> 1;
    if p & 1 == 0 {
        t[hi]
    } else {
        -t[!hi & (t.len() - 1)]
    }
}

/// Dot product of activations `a` (length a multiple of `k`) with unsigned `w`-bit weights,
/// computed bit-serially with symmetric tables as the LUT array does: per bit-plane b, per
/// group, look the pattern up, scale by 2^b, accumulate; then add the offset term.
pub fn lut_dot_symmetric(a: &[f64], weights: &[u32], k: usize, w: u32) -> f64 {
    let mut acc = 0.0;
    let mut offset = 0.0;
    for (ga, gw) in a.chunks(k).zip(weights.chunks(k)) {
        let (t, _) = build_symmetric(ga);
        // The group sum is -T[0].
        offset += -t[0];
        for b in 0..w {
            let p: usize = gw
                .iter()
                .enumerate()
                .map(|(i, x)| (((x >> b) & 1) as usize) << i)
                .sum();
            acc += lookup_symmetric(&t, p) * f64::from(1u32 << b);
        }
    }
    // w a = sum_b 2^b (s_b a + a) / 2.
    acc / 2.0 + offset * f64::from((1u32 << w) - 1) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::lut::config::LutArrayConfig;

    /// Deterministic test values (a small LCG; no dependence on the model).
    fn vals(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 33) % 2001) as f64 / 100.0 - 10.0
            })
            .collect()
    }

    /// Every entry of a built symmetric table is the +-1 dot product it stands for, and
    /// the construction uses exactly the op count the cost model charges.
    #[test]
    fn symmetric_tables_are_right_and_cost_what_we_charge() {
        for k in 1..=6 {
            let a = vals(k, k as u64);
            let (t, ops) = build_symmetric(&a);
            assert_eq!(t.len(), 1 << (k - 1));
            assert_eq!(ops, table_build_ops(k as u64, true), "k = {k}");
            for p in 0..(1usize << k) {
                let direct: f64 = (0..k)
                    .map(|i| if p >> i & 1 == 1 { a[i] } else { -a[i] })
                    .sum();
                assert!(
                    (lookup_symmetric(&t, p) - direct).abs() < 1e-9,
                    "k {k} p {p}"
                );
            }
        }
    }

    #[test]
    fn plain_tables_are_right_and_cost_what_we_charge() {
        for k in 1..=6 {
            let a = vals(k, 10 + k as u64);
            let (t, ops) = build_plain(&a);
            assert_eq!(ops, table_build_ops(k as u64, false), "k = {k}");
            for (p, v) in t.iter().enumerate() {
                let direct: f64 = (0..k).filter(|i| p >> i & 1 == 1).map(|i| a[i]).sum();
                assert!((v - direct).abs() < 1e-9);
            }
        }
    }

    /// Bit-serial lookups reproduce the dot product for 1- to 4-bit weights.
    #[test]
    fn bit_serial_lookup_equals_dot_product() {
        let a = vals(64, 7);
        for w in 1..=4u32 {
            let ws: Vec<u32> = vals(64, 100 + w as u64)
                .iter()
                .map(|x| (x.abs() * 100.0) as u32 % (1 << w))
                .collect();
            let direct: f64 = a.iter().zip(&ws).map(|(x, y)| x * f64::from(*y)).sum();
            let lut = lut_dot_symmetric(&a, &ws, 4, w);
            assert!((lut - direct).abs() < 1e-6, "w {w}: {lut} vs {direct}");
        }
    }

    /// Storage: 2 entries per activation for the symmetric K = 4 table (the note's figure),
    /// 4 for the plain one; 13 ops per group of 4.
    #[test]
    fn bytes_and_ops_per_element() {
        let t = TableCost::of(&LutArray::new(&LutArrayConfig::default()));
        assert_eq!(t.bytes(1, 4096), 4096 * 2 * 2);
        assert_eq!(t.build_ops(1, 4096), 1024 * 13);
    }

    #[test]
    fn separate_reads_and_writes_fused_writes_extra() {
        let t = TableCost::of(&LutArray::new(&LutArrayConfig::default()));
        let p = PreInputs {
            rows: 10,
            kdim: 64,
            act_bits: 16,
            act_addr: 0,
            table_addr: TABLE_REGION,
            chip_simt_ops: 64,
            chunk_budget: 1000,
            fused: false,
            hidden_cycles: 0,
        };
        let s = plan(&t, &p);
        let read: u64 = s.tiles.iter().map(|x| x.reads[0].1).sum();
        let written: u64 = s.tiles.iter().map(|x| x.write.1).sum();
        assert_eq!(read, 10 * 64 * 2);
        assert_eq!(written, 10 * 64 * 4);
        let f = plan(&t, &PreInputs { fused: true, ..p });
        let written: u64 = f.tiles.iter().map(|x| x.write.1).sum();
        assert_eq!(written, 10 * 64 * 2);
        assert!(f.tiles.iter().all(|x| x.reads[0].1 == 0));
        // Fully hidden build: no compute left; not hidden: all of it.
        let h = plan(
            &t,
            &PreInputs {
                fused: true,
                hidden_cycles: 1 << 40,
                ..p
            },
        );
        assert!(h.tiles.iter().all(|x| x.compute_cycles == 0));
        let c: u64 = f.tiles.iter().map(|x| x.compute_cycles).sum();
        assert_eq!(c, (10 * 16 * 13u64).div_ceil(64));
        // 13 ops x 16 groups per row over 64 ops per cycle: 3.25 cycles per row.
        let cycles: u64 = s.tiles.iter().map(|x| x.compute_cycles).sum();
        assert!(cycles >= 10 * 13 * 16 / 64);
    }
}
