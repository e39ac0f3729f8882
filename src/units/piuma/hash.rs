//! Hash functions and probe sequences of the scratchpad hash tables (SMASH and the
//! outer-product merge).
//!
//! A table has a power-of-two number of slots `H`. A key is a 64-bit composite of the
//! output row (local to the window) and column: `key = (row << col_bits) | col`. The home
//! slot comes from one of the functions below; on a collision the `i`-th probe visits
//! `home + step(i)` modulo `H`. Each function and probe step also has a cost in ALU
//! instructions, charged to the thread that computes it (an assumption [A]: one
//! instruction per multiply, shift, mask, xor or add; four for an integer division).
//!
//! The research notes (section 5.2) list these options; the SMASH thesis's own hash
//! function is not public, NeuraSim (same author) hashes the column modulo the table size
//! with linear probing, which is `mask` + `linear` here.

/// Hash function of a table.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum HashFn {
    /// Fibonacci hashing: the top `log2 H` bits of `key * 0x9E3779B97F4A7C15`.
    Multiplicative,
    /// `key mod H` (the low bits).
    Mask,
    /// `key mod p`, `p` the largest prime below `H`.
    ModPrime,
    /// `(col xor (row << log2(H)/2)) mod H`.
    XorFold,
}

/// Probe sequence.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// `home + i`.
    Linear,
    /// `home + i (i + 1) / 2` (visits every slot of a power-of-two table).
    Quadratic,
    /// `home + i * s`, `s` an odd second hash of the key.
    Double,
}

impl HashFn {
    /// Parse a config name (validated beforehand).
    pub fn parse(s: &str) -> Option<HashFn> {
        Some(match s {
            "multiplicative" => HashFn::Multiplicative,
            "mask" => HashFn::Mask,
            "mod_prime" => HashFn::ModPrime,
            "xor_fold" => HashFn::XorFold,
            _ => return None,
        })
    }

    /// ALU instructions to compute the home slot.
    pub fn cost(self) -> u32 {
        match self {
            HashFn::Multiplicative => 2,
            HashFn::Mask => 1,
            HashFn::ModPrime => 4,
            HashFn::XorFold => 3,
        }
    }
}

impl Probe {
    /// Parse a config name (validated beforehand).
    pub fn parse(s: &str) -> Option<Probe> {
        Some(match s {
            "linear" => Probe::Linear,
            "quadratic" => Probe::Quadratic,
            "double" => Probe::Double,
            _ => return None,
        })
    }

    /// ALU instructions to compute the next probe position.
    pub fn cost(self) -> u32 {
        match self {
            Probe::Linear => 1,
            Probe::Quadratic => 2,
            Probe::Double => 1,
        }
    }
}

/// The geometry of one table: slot count and functions.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct TableGeom {
    /// Slots (a power of two).
    pub slots: u64,
    log2: u32,
    prime: u64,
    /// Bits of the column field of a key.
    pub col_bits: u32,
    /// Hash function.
    pub func: HashFn,
    /// Probe sequence.
    pub probe: Probe,
}

/// The largest prime strictly below `n` (or 2 for tiny `n`).
fn prime_below(n: u64) -> u64 {
    let mut p = n.saturating_sub(1);
    while p > 2 {
        let mut d = 2;
        let mut prime = true;
        while d * d <= p {
            if p.is_multiple_of(d) {
                prime = false;
                break;
            }
            d += 1;
        }
        if prime {
            return p;
        }
        p -= 1;
    }
    2
}

impl TableGeom {
    /// A table of `slots` slots (a power of two) for keys whose column field has `col_bits`
    /// bits.
    pub fn new(slots: u64, col_bits: u32, func: HashFn, probe: Probe) -> Self {
        debug_assert!(slots.is_power_of_two());
        TableGeom {
            slots,
            log2: slots.trailing_zeros(),
            prime: prime_below(slots),
            col_bits,
            func,
            probe,
        }
    }

    /// The key of output entry (`row` local to the window, `col`).
    #[inline]
    pub fn key(&self, row: u64, col: u64) -> u64 {
        (row << self.col_bits) | col
    }

    /// Home slot of a key.
    #[inline]
    pub fn home(&self, key: u64) -> u64 {
        let m = self.slots - 1;
        match self.func {
            HashFn::Multiplicative => {
                if self.log2 == 0 {
                    0
                } else {
                    key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.log2)
                }
            }
            HashFn::Mask => key & m,
            HashFn::ModPrime => key % self.prime,
            HashFn::XorFold => {
                let col = key & ((1u64 << self.col_bits) - 1);
                let row = key >> self.col_bits;
                (col ^ (row << (self.log2 / 2))) & m
            }
        }
    }

    /// Step of double hashing for a key (odd, so every slot is reached).
    #[inline]
    pub fn step(&self, key: u64) -> u64 {
        match self.probe {
            Probe::Double => (key.wrapping_mul(0xC2B2_AE3D_27D4_EB4F) >> 33) | 1,
            _ => 1,
        }
    }

    /// Slot visited by probe number `i` (0 is the home slot).
    #[inline]
    pub fn slot(&self, home: u64, step: u64, i: u64) -> u64 {
        let m = self.slots - 1;
        match self.probe {
            Probe::Linear => (home + i) & m,
            Probe::Quadratic => (home + i * (i + 1) / 2) & m,
            Probe::Double => home.wrapping_add(i.wrapping_mul(step)) & m,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_sequences_visit_every_slot() {
        for probe in [Probe::Linear, Probe::Quadratic, Probe::Double] {
            let g = TableGeom::new(64, 8, HashFn::Multiplicative, probe);
            let key = g.key(3, 17);
            let (h, s) = (g.home(key), g.step(key));
            let mut seen = [false; 64];
            for i in 0..64 {
                seen[g.slot(h, s, i) as usize] = true;
            }
            assert!(seen.iter().all(|&x| x), "{probe:?}");
        }
    }

    #[test]
    fn homes_are_in_range() {
        for f in [
            HashFn::Multiplicative,
            HashFn::Mask,
            HashFn::ModPrime,
            HashFn::XorFold,
        ] {
            let g = TableGeom::new(1024, 16, f, Probe::Linear);
            for r in 0..50 {
                for c in 0..50 {
                    assert!(g.home(g.key(r, c)) < 1024);
                }
            }
        }
        assert_eq!(prime_below(1024), 1021);
        assert_eq!(prime_below(256), 251);
    }
}
