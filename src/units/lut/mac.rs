//! MAC tensor-core baselines on the same engine: an FP16 and an INT8 tensor core.
//!
//! A MAC tensor core executes one MMA instruction of `m x n x k` multiply-accumulates every
//! `occupancy_cycles` cycles. The A100 figures come from the Accel-Sim configuration the
//! LUT Tensor Core authors tuned (`accel-sim/a100_config/` in `microsoft/T-MAC`, branch
//! `LUTTensorCore_ISCA25`): 4 tensor cores per SM, an initiation interval of 8 cycles for
//! the `m16n8k16` HMMA, i.e. 16 x 8 x 16 / 8 = 256 FP16 MACs per cycle per tensor core,
//! 312 TFLOPS over 108 SMs at 1.41 GHz. The INT8 instruction `m16n8k32` does twice the
//! MACs in the same interval (624 TOPS, the A100 datasheet's INT8 peak).
//!
//! Operands come from the register file like the LUT datapath's: A `m x k` and B `k x n`
//! in the MAC type, plus the `m x n` accumulators read and written unless stationary.
//! Weights or activations of another type are converted on the SIMT lanes first (see
//! [`super::dequant`]).

use super::config::MacConfig;

/// One MMA instruction's shape and operand traffic.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Mma {
    /// Rows.
    pub m: u64,
    /// Columns.
    pub n: u64,
    /// Reduction depth.
    pub k: u64,
    /// Operand bits.
    pub bits: u64,
    /// Accumulator bits.
    pub acc_bits: u64,
    /// Occupancy (initiation interval), cycles.
    pub occupancy: u64,
    /// Issue-to-result latency, cycles.
    pub latency: u64,
}

impl Mma {
    /// The instruction a config describes.
    pub fn new(c: &MacConfig) -> Self {
        Mma {
            m: c.m as u64,
            n: c.n as u64,
            k: c.k() as u64,
            bits: c.dtype.bits(),
            acc_bits: c.acc_bits as u64,
            occupancy: c.occupancy_cycles as u64,
            latency: c.latency_cycles as u64,
        }
    }

    /// MACs per instruction.
    pub fn macs(&self) -> u64 {
        self.m * self.n * self.k
    }

    /// Sustained MACs per cycle per tensor core.
    pub fn macs_per_cycle(&self) -> f64 {
        self.macs() as f64 / self.occupancy as f64
    }

    /// Register-file bytes read per instruction.
    pub fn read_bytes(&self, acc_stationary: bool) -> u64 {
        let ab = (self.m * self.k + self.k * self.n) * self.bits;
        let acc = if acc_stationary {
            0
        } else {
            self.m * self.n * self.acc_bits
        };
        (ab + acc).div_ceil(8)
    }

    /// Register-file bytes written per instruction.
    pub fn write_bytes(&self, acc_stationary: bool) -> u64 {
        if acc_stationary {
            0
        } else {
            (self.m * self.n * self.acc_bits).div_ceil(8)
        }
    }

    /// Cycles after the last instruction's occupancy until its result is valid.
    pub fn drain(&self) -> u64 {
        self.latency.saturating_sub(self.occupancy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::lut::config::MacDtype;

    /// A100 HMMA m16n8k16 at an interval of 8: 256 FP16 MACs per cycle; IMMA m16n8k32: 512.
    #[test]
    fn a100_rates() {
        let f = Mma::new(&MacConfig::default());
        assert_eq!(f.macs_per_cycle(), 256.0);
        let i = Mma::new(&MacConfig {
            dtype: MacDtype::Int8,
            ..MacConfig::default()
        });
        assert_eq!(i.macs_per_cycle(), 512.0);
        // FP16 operands: A 16 x 16 x 2 B + B 16 x 8 x 2 B = 768 bytes.
        assert_eq!(f.read_bytes(true), 768);
        assert_eq!(f.read_bytes(false), 768 + 512);
    }
}
