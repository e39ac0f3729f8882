//! Address mapping: physical byte address to channel, then to (rank/pseudo-channel, bank
//! group, bank, row, column) inside the channel.
//!
//! Channels interleave at transaction granularity (cache-line interleaving, Ramulator 2.1's
//! `CacheLineInterleave`): bits `[tx_offset + interleave_bits, + log2(channels))` select the
//! channel and are removed before the in-channel mapping. The in-channel mappers are named MSB
//! to LSB, as in Ramulator; each level takes `log2(size)` bits (the column
//! `log2(columns / burst length)`), and bits above the row are ignored (the address wraps at
//! the channel's capacity).

use super::config::MapperKind;
use super::device::Loc;
use super::org::{MAX_LEVELS, Org};

/// Maps byte addresses to channels and bank locations.
#[derive(Debug, Clone)]
pub struct Mapper {
    kind: MapperKind,
    tx_shift: u32,
    ch_shift: u32,
    ch_bits: u32,
    bits: [u32; MAX_LEVELS],
    col_bits: u32,
    bank_level: usize,
    row_level: usize,
    org: Org,
}

#[inline]
fn take(a: &mut u64, bits: u32) -> u32 {
    let v = (*a & ((1u64 << bits) - 1)) as u32;
    *a >>= bits;
    v
}

impl Mapper {
    /// A mapper for `channels` channels of organisation `org`.
    pub fn new(
        kind: MapperKind,
        org: &Org,
        tx_bytes: u32,
        prefetch: u32,
        channels: u32,
        interleave_bits: u32,
    ) -> Mapper {
        let tx_shift = tx_bytes.trailing_zeros();
        let mut bits = [0u32; MAX_LEVELS];
        for (l, b) in bits.iter_mut().enumerate().take(org.row_level + 1).skip(1) {
            *b = org.sizes[l].trailing_zeros();
        }
        Mapper {
            kind,
            tx_shift,
            ch_shift: tx_shift + interleave_bits,
            ch_bits: channels.trailing_zeros(),
            bits,
            col_bits: (org.sizes[org.col_level] / prefetch).trailing_zeros(),
            bank_level: org.bank_level,
            row_level: org.row_level,
            org: org.clone(),
        }
    }

    /// Channel of a byte address and the address with the channel bits removed.
    #[inline]
    pub fn channel(&self, addr: u64) -> (usize, u64) {
        if self.ch_bits == 0 {
            return (0, addr);
        }
        let ch = (addr >> self.ch_shift) & ((1u64 << self.ch_bits) - 1);
        let low = addr & ((1u64 << self.ch_shift) - 1);
        let high = addr >> (self.ch_shift + self.ch_bits);
        (ch as usize, (high << self.ch_shift) | low)
    }

    /// Location inside the channel of an address whose channel bits were removed.
    #[allow(clippy::needless_range_loop)]
    pub fn locate(&self, intra: u64) -> Loc {
        let mut a = intra >> self.tx_shift;
        let mut ids = [0u32; MAX_LEVELS];
        let (col, row);
        match self.kind {
            MapperKind::RoBaRaCoCh | MapperKind::RoBaRaCoChXor => {
                col = take(&mut a, self.col_bits);
                for l in 1..self.row_level {
                    ids[l] = take(&mut a, self.bits[l]);
                }
                row = take(&mut a, self.bits[self.row_level]);
                if self.kind == MapperKind::RoBaRaCoChXor {
                    let mut shift = 0;
                    for l in 1..=self.bank_level {
                        let b = self.bits[l];
                        ids[l] ^= (row >> shift) & ((1u32 << b) - 1);
                        shift += b;
                    }
                }
            }
            MapperKind::RoCoBaRaCh => {
                for l in 1..self.row_level {
                    ids[l] = take(&mut a, self.bits[l]);
                }
                col = take(&mut a, self.col_bits);
                row = take(&mut a, self.bits[self.row_level]);
            }
            MapperKind::ChRaBaRoCo => {
                col = take(&mut a, self.col_bits);
                row = take(&mut a, self.bits[self.row_level]);
                for l in (1..self.row_level).rev() {
                    ids[l] = take(&mut a, self.bits[l]);
                }
            }
        }
        Loc::new(&self.org, &ids, self.bank_level, row, col)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::dram::config::DramConfig;
    use crate::mem::dram::timing::Spec;

    fn ddr4() -> Spec {
        Spec::resolve(&DramConfig::new("DDR4", "DDR4_8Gb_x8", "DDR4_3200AA")).unwrap()
    }

    #[test]
    fn robaracoch_matches_the_reference_layout() {
        // README of the validation set: addr = ((col + K*(bank + B*row)) * C + ch) * tx, with
        // the bank levels first-listed least significant (here rank=1, BG=4, bank=4).
        let s = ddr4();
        let m = Mapper::new(MapperKind::RoBaRaCoCh, &s.org, 64, 8, 1, 0);
        let (k, b) = (128u64, 16u64);
        let (col, bank, row) = (5u64, 9u64, 1234u64);
        let addr = (col + k * (bank + b * row)) * 64;
        let l = m.locate(addr);
        assert_eq!(l.col, 5);
        assert_eq!(l.row, 1234);
        // bank 9 = BG 1 (least significant, 2 bits) + 4 * bank 2.
        assert_eq!((l.node[2], l.node[3] % 4), (1, 2));
        // Flat bank ids are bank-group major: BG 1, bank 2 -> 1 * 4 + 2.
        assert_eq!(l.bank(3), 6);
    }

    #[test]
    fn channels_interleave_every_transaction() {
        let s = ddr4();
        let m = Mapper::new(MapperKind::RoBaRaCoCh, &s.org, 64, 8, 4, 0);
        for i in 0..16u64 {
            let (ch, intra) = m.channel(i * 64);
            assert_eq!(ch as u64, i % 4);
            assert_eq!(intra, (i / 4) * 64);
        }
    }

    #[test]
    fn xor_mapper_is_a_permutation_of_banks() {
        let s = ddr4();
        let m = Mapper::new(MapperKind::RoBaRaCoChXor, &s.org, 64, 8, 1, 0);
        // Same bank bits, different rows: the XOR spreads them over banks.
        let row_stride = 128u64 * 16 * 64;
        let banks: std::collections::BTreeSet<_> =
            (0..16).map(|r| m.locate(r * row_stride).bank(3)).collect();
        assert_eq!(banks.len(), 16);
    }
}
