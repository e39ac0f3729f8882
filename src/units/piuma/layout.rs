//! Where the matrices live: DRAM addresses of the CSR/CSC arrays, and each thread's
//! scratchpad staging buffer.
//!
//! Row (or column) pointers are 4-byte integers, indices 4-byte integers, values 8-byte
//! floats; every array starts on a 4 KiB boundary. A kernel reads the pair
//! `ptr[i], ptr[i+1]` with one 8-byte load (two granules when it straddles one). The CSC
//! copies the baselines need (B's for the inner product, A's for the outer product) are
//! assumed to exist in DRAM already; building them is not charged to the kernels.

use crate::workload::sparse::SparseMatrix;

/// Round up to 4 KiB.
pub fn align(x: u64) -> u64 {
    x.div_ceil(4096) * 4096
}

/// DRAM addresses of one compressed matrix.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Compressed {
    /// Pointer array (4 bytes per entry).
    pub ptr: u64,
    /// Index array (4 bytes per entry).
    pub idx: u64,
    /// Value array (8 bytes per entry).
    pub val: u64,
    /// First byte after the matrix.
    pub end: u64,
}

impl Compressed {
    /// Lay `m` out from `base`.
    pub fn new(base: u64, m: &SparseMatrix) -> Self {
        let ptr = align(base);
        let idx = align(ptr + 4 * (m.nrows as u64 + 1));
        let val = align(idx + 4 * m.nnz() as u64);
        let end = align(val + 8 * m.nnz() as u64);
        Compressed { ptr, idx, val, end }
    }

    /// Address of `ptr[i]` (the 8-byte pair `ptr[i], ptr[i+1]` starts here).
    #[inline]
    pub fn ptr_at(&self, i: usize) -> u64 {
        self.ptr + 4 * i as u64
    }

    /// Address of `idx[p]`.
    #[inline]
    pub fn idx_at(&self, p: usize) -> u64 {
        self.idx + 4 * p as u64
    }

    /// Address of `val[p]`.
    #[inline]
    pub fn val_at(&self, p: usize) -> u64 {
        self.val + 8 * p as u64
    }
}

/// A thread's scratchpad staging buffers: two streams (e.g. a row of A and a row of B),
/// each of `entries` entries laid out as `entries / 2` index words (two 4-byte indices per
/// word) followed by `entries` value words.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Buffers {
    /// First word.
    pub base: u64,
    /// Entries per stream.
    pub entries: u64,
}

impl Buffers {
    /// Words one thread's buffers take.
    pub fn words(entries: u64) -> u64 {
        2 * (entries.div_ceil(2) + entries)
    }

    /// Word holding index `e` (within the chunk) of stream `s`.
    #[inline]
    pub fn idx_word(&self, s: u64, e: u64) -> u64 {
        self.base + s * (self.entries.div_ceil(2) + self.entries) + e / 2
    }

    /// Word holding value `e` of stream `s`.
    #[inline]
    pub fn val_word(&self, s: u64, e: u64) -> u64 {
        self.base + s * (self.entries.div_ceil(2) + self.entries) + self.entries.div_ceil(2) + e
    }
}
