//! The per-core scratchpad: banked 8-byte words with an atomic unit per bank.
//!
//! Model (research notes section 5.1; every number is a config knob, defaults [A]):
//! - Words are interleaved across banks: `bank = word mod banks`.
//! - Each bank serves requests in arrival order. A plain load or store occupies the bank
//!   for `spad_occupancy_cycles`, an atomic (compare-and-swap, integer fetch-add, floating
//!   add) for `spad_atomic_occupancy_cycles` (read then write at the bank's atomic unit).
//!   A request that finds its bank busy waits; the wait is counted as a bank-conflict stall.
//! - The reply reaches the thread `spad_latency_cycles` (plain) or
//!   `spad_atomic_latency_cycles` (atomic) after service starts.
//! - Atomics are indivisible at the bank: the value is read and written while the bank is
//!   held, so two threads racing on one slot are serialised and the second sees the first's
//!   result.
//!
//! The functional state is real: the words hold the hash tables, counters and cursors the
//! kernels build, and every operation returns the value it read. Service is reserved at
//! the request's arrival, in arrival order, so applying the operation's effect at that
//! moment gives the same order of effects as the bank would.

/// A scratchpad operation.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum SpadOp {
    /// Read a word.
    Load,
    /// Read a word of a staging buffer whose value the kernel takes from the matrix
    /// itself (DMA moves no data in this model): timed and counted as a load, but the
    /// word is not read.
    LoadBuf,
    /// Write a word.
    Store(u64),
    /// Compare-and-swap: if the word equals `expect` write `new`; returns the old value.
    Cas {
        /// Expected value.
        expect: u64,
        /// Value written on success.
        new: u64,
    },
    /// Integer fetch-add; returns the old value.
    Add(u64),
    /// Floating-point (f64) fetch-add on the word's bits; returns the old bits.
    FAdd(f64),
}

impl SpadOp {
    /// Whether the bank's atomic unit serves it.
    #[inline]
    pub fn is_atomic(self) -> bool {
        matches!(self, SpadOp::Cas { .. } | SpadOp::Add(_) | SpadOp::FAdd(_))
    }
}

/// Counters of one scratchpad.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpadStats {
    /// Loads served.
    pub loads: u64,
    /// Stores served.
    pub stores: u64,
    /// Compare-and-swap operations served.
    pub cas: u64,
    /// Compare-and-swap operations that found a value other than the expected one.
    pub cas_fail: u64,
    /// Integer fetch-adds served.
    pub fetch_add: u64,
    /// Floating fetch-adds served.
    pub float_add: u64,
    /// Cycles requests waited for a busy bank (summed over requests).
    pub conflict_cycles: u64,
    /// Requests that waited for a busy bank.
    pub conflicted: u64,
    /// Cycles the banks were occupied (summed over banks).
    pub busy_cycles: u64,
}

/// One core's scratchpad.
pub struct Spad {
    /// The words.
    pub words: Vec<u64>,
    bank_free: Vec<u64>,
    mask: u64,
    occ: u64,
    occ_atomic: u64,
    /// Counters.
    pub stats: SpadStats,
}

impl Spad {
    /// A zeroed scratchpad of `words` words over `banks` banks (a power of two).
    pub fn new(words: u64, banks: u32, occ: u32, occ_atomic: u32) -> Self {
        Spad {
            words: vec![0; words as usize],
            bank_free: vec![0; banks as usize],
            mask: banks as u64 - 1,
            occ: occ as u64,
            occ_atomic: occ_atomic as u64,
            stats: SpadStats::default(),
        }
    }

    /// Bank of a word.
    #[inline]
    pub fn bank(&self, word: u64) -> usize {
        (word & self.mask) as usize
    }

    /// Serve `op` on `word` for a request arriving at cycle `t`: returns the cycle service
    /// starts and the value read.
    #[inline]
    pub fn access(&mut self, t: u64, word: u64, op: SpadOp) -> (u64, u64) {
        let b = (word & self.mask) as usize;
        let start = t.max(self.bank_free[b]);
        if start > t {
            self.stats.conflict_cycles += start - t;
            self.stats.conflicted += 1;
        }
        let occ = if op.is_atomic() {
            self.occ_atomic
        } else {
            self.occ
        };
        self.bank_free[b] = start + occ;
        self.stats.busy_cycles += occ;
        if op == SpadOp::LoadBuf {
            self.stats.loads += 1;
            return (start, 0);
        }
        let w = &mut self.words[word as usize];
        let old = *w;
        match op {
            SpadOp::Load | SpadOp::LoadBuf => self.stats.loads += 1,
            SpadOp::Store(v) => {
                self.stats.stores += 1;
                *w = v;
            }
            SpadOp::Cas { expect, new } => {
                self.stats.cas += 1;
                if old == expect {
                    *w = new;
                } else {
                    self.stats.cas_fail += 1;
                }
            }
            SpadOp::Add(d) => {
                self.stats.fetch_add += 1;
                *w = old.wrapping_add(d);
            }
            SpadOp::FAdd(d) => {
                self.stats.float_add += 1;
                *w = (f64::from_bits(old) + d).to_bits();
            }
        }
        (start, old)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bank_requests_serialise_and_atomics_take_longer() {
        let mut s = Spad::new(64, 4, 1, 2);
        // Words 0 and 4 share bank 0; word 1 is on bank 1.
        assert_eq!(s.access(10, 0, SpadOp::Load).0, 10);
        assert_eq!(s.access(10, 4, SpadOp::Add(1)).0, 11);
        assert_eq!(s.access(10, 1, SpadOp::Load).0, 10);
        assert_eq!(s.access(10, 0, SpadOp::Load).0, 13);
        assert_eq!(s.stats.conflict_cycles, 1 + 3);
    }

    #[test]
    fn cas_and_adds_are_functional() {
        let mut s = Spad::new(8, 1, 1, 2);
        assert_eq!(s.access(0, 3, SpadOp::Cas { expect: 0, new: 7 }).1, 0);
        assert_eq!(s.access(0, 3, SpadOp::Cas { expect: 0, new: 9 }).1, 7);
        assert_eq!(s.words[3], 7);
        assert_eq!(s.stats.cas_fail, 1);
        s.access(0, 2, SpadOp::FAdd(1.5));
        s.access(0, 2, SpadOp::FAdd(2.0));
        assert_eq!(f64::from_bits(s.words[2]), 3.5);
    }
}
