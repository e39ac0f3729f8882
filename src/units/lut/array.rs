//! Timing of one LUT array and of its LMMA instruction, and the register-file limit on issuing them.
//!
//! Mechanism (the released RTL, `fp_lut_array_b_cycle_stage1.sv` / `_stage2.sv` in
//! `microsoft/T-MAC` branch `LUTTensorCore_ISCA25`):
//! - An array holds M tables of `2^(K-1)` entries (one per activation row) and takes a
//!   K x N tile of W-bit weights. A bit counter steps through the W bit-planes, one per
//!   cycle. Each cycle, for each of the N columns, bit b of the column's K weights forms a
//!   K-bit index: the low bit chooses the sign, the high K-1 bits choose one of the
//!   `2^(K-1)` entries of each row's table; the entry is scaled by `2^b` (b added to the
//!   FP16 exponent) and added into the M x N accumulators, seeded from the incoming partial
//!   sums at b = 0. That is M x N selections per cycle.
//! - One LMMA with W-bit weights therefore occupies the array for W cycles; back-to-back
//!   LMMAs issue every W cycles; the result is valid `pipeline_stages` cycles after the
//!   last bit-plane (1 for the single-stage RTL, 2 for the two-stage one).
//! - Throughput is M x N x K / W MAC-equivalents per cycle: 512 / W for M2N64K4.
//!
//! A tensor core holds `arrays_per_tc` arrays, each running its own LMMAs. Their operands
//! come from the tensor core's register file: per LMMA the tables (`M x depth x entry
//! bits`, read once for all the arrays that work on the same rows), the weights
//! (`K x N x W` bits), and, unless the accumulators are stationary, the `M x N`
//! accumulators read and written. Every array issues an LMMA every
//! `max(W, read bytes / read bandwidth, write bytes / write bandwidth)` cycles
//! ([`issue_cycles`], applied in [`super::OpModel::issue`]), so a narrow register file
//! shows up as stall cycles.

use super::config::{LutArrayConfig, TableKind};

/// One LUT array's geometry.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct LutArray {
    /// Rows (tables).
    pub m: u64,
    /// Columns.
    pub n: u64,
    /// Activations per table.
    pub k: u64,
    /// Entries per table.
    pub depth: u64,
    /// Bits per entry.
    pub entry_bits: u64,
    /// Accumulator bits.
    pub acc_bits: u64,
    /// Pipeline stages after the last bit-plane.
    pub stages: u64,
}

impl LutArray {
    /// The array a config describes.
    pub fn new(c: &LutArrayConfig) -> Self {
        let k = c.k as u64;
        LutArray {
            m: c.m as u64,
            n: c.n as u64,
            k,
            depth: match c.table {
                TableKind::Symmetric => 1 << (k - 1),
                TableKind::Plain => 1 << k,
            },
            entry_bits: c.table_dtype.bits(),
            acc_bits: c.acc_bits as u64,
            stages: c.pipeline_stages as u64,
        }
    }

    /// Cycles one LMMA with `w`-bit weights occupies the array.
    pub fn occupancy(&self, w: u64) -> u64 {
        w
    }

    /// Cycles from an LMMA's issue to its valid result.
    pub fn latency(&self, w: u64) -> u64 {
        w + self.stages
    }

    /// Sustained MAC-equivalents per cycle with `w`-bit weights.
    pub fn macs_per_cycle(&self, w: u64) -> f64 {
        (self.m * self.n * self.k) as f64 / w as f64
    }

    /// Table selections per cycle (one per row and column).
    pub fn selects_per_cycle(&self) -> u64 {
        self.m * self.n
    }

    /// Bits of table storage.
    pub fn table_bits(&self) -> u64 {
        self.m * self.depth * self.entry_bits
    }
}

/// LMMAs issued together on `arrays` arrays with the same tables.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Lmma {
    /// The array.
    pub array: LutArray,
    /// Arrays driven by one instruction.
    pub arrays: u64,
    /// Weight bits.
    pub w: u64,
}

impl Lmma {
    /// Register-file bytes read per instruction.
    pub fn read_bytes(&self, acc_stationary: bool) -> u64 {
        let a = &self.array;
        let tables = a.table_bits();
        let weights = self.arrays * a.k * a.n * self.w;
        let acc = if acc_stationary {
            0
        } else {
            self.arrays * a.m * a.n * a.acc_bits
        };
        (tables + weights + acc).div_ceil(8)
    }

    /// Register-file bytes written per instruction.
    pub fn write_bytes(&self, acc_stationary: bool) -> u64 {
        let a = &self.array;
        if acc_stationary {
            0
        } else {
            (self.arrays * a.m * a.n * a.acc_bits).div_ceil(8)
        }
    }

    /// Table selections per instruction (every array, row, column and bit-plane).
    pub fn selects(&self) -> u64 {
        self.arrays * self.array.selects_per_cycle() * self.w
    }
}

/// Cycles per instruction given its occupancy, its operand bytes and the register file's
/// bandwidth, and any other per-instruction limit (`other`, e.g. a precompute unit).
pub fn issue_cycles(
    occupancy: u64,
    read: u64,
    write: u64,
    rf_r: u64,
    rf_w: u64,
    other: u64,
) -> u64 {
    occupancy
        .max(read.div_ceil(rf_r.max(1)))
        .max(write.div_ceil(rf_w.max(1)))
        .max(other)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rtl() -> LutArray {
        LutArray::new(&LutArrayConfig::default())
    }

    /// The released RTL: 8 FP16 entries per row, 2 rows: 256 bits of tables.
    #[test]
    fn rtl_geometry() {
        let a = rtl();
        assert_eq!((a.m, a.n, a.k, a.depth, a.entry_bits), (2, 64, 4, 8, 16));
        assert_eq!(a.table_bits(), 256);
        assert_eq!(a.latency(2), 3);
    }

    /// Operand bytes of an M2N64K4 LMMA at W = 2: tables 32 bytes, weights 4 x 64 x 2 bits
    /// = 64 bytes; accumulators 2 x 64 x 16 bits = 256 bytes each way when not stationary.
    #[test]
    fn operand_bytes_by_hand() {
        let l = Lmma {
            array: rtl(),
            arrays: 1,
            w: 2,
        };
        assert_eq!(l.read_bytes(true), 96);
        assert_eq!(l.read_bytes(false), 96 + 256);
        assert_eq!(l.write_bytes(false), 256);
        assert_eq!(l.selects(), 256);
        // 352 bytes at 128 bytes per cycle take 3 cycles: one more than the occupancy.
        assert_eq!(issue_cycles(2, 352, 256, 128, 128, 0), 3);
    }
}
