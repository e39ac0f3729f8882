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

/// Entries of one output block: 256 entries of 16 bytes, 4 KiB.
pub const OUT_BLOCK_ENTRIES: u64 = 256;
const OUT_BLOCK_BYTES: u64 = 16 * OUT_BLOCK_ENTRIES;

/// Where the threads write C: per-thread output streams of 16-byte `(row, column, value)`
/// entries. A thread fills one 4 KiB block at a time, in order; when its block is full it
/// takes the next unused block, first from the op's C region (`ceil(c_bytes / 4 KiB)`
/// blocks: the region is `16 * output_bound` bytes, rounded up to 4 KiB by the allocator),
/// then from an overflow area of the unit's workspace. The overflow area needs at most one
/// block per thread, because only the partly filled last block of each thread is wasted
/// and the C region holds at least nnz(C) entries. Blocks are handed out in the order the
/// machine asks for them, which is deterministic. Claiming a block costs nothing in the
/// model (a real kernel would bump a shared counter once per 256 entries).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutStreams {
    c_base: u64,
    c_blocks: u64,
    overflow: u64,
    claimed: u64,
    /// Per thread: address of its current block and entries written there.
    cur: Vec<(u64, u64)>,
}

impl OutStreams {
    /// Bytes of the overflow area for `threads` threads.
    pub fn overflow_bytes(threads: usize) -> u64 {
        threads as u64 * OUT_BLOCK_BYTES
    }

    /// Streams for `threads` threads over the C region `[c_base, c_base + c_bytes)` and
    /// an overflow area at `overflow` of [`Self::overflow_bytes`] bytes.
    pub fn new(c_base: u64, c_bytes: u64, overflow: u64, threads: usize) -> Self {
        OutStreams {
            c_base,
            c_blocks: c_bytes.div_ceil(OUT_BLOCK_BYTES),
            overflow,
            claimed: 0,
            cur: vec![(0, OUT_BLOCK_ENTRIES); threads],
        }
    }

    /// The address of thread `t`'s next entry.
    #[inline]
    pub fn next_addr(&mut self, t: usize) -> u64 {
        if self.cur[t].1 == OUT_BLOCK_ENTRIES {
            let n = self.claimed;
            self.claimed += 1;
            let base = if n < self.c_blocks {
                self.c_base + n * OUT_BLOCK_BYTES
            } else {
                let k = n - self.c_blocks;
                debug_assert!(k < self.cur.len() as u64, "output overflow area exhausted");
                self.overflow + k * OUT_BLOCK_BYTES
            };
            self.cur[t] = (base, 0);
        }
        let (base, used) = &mut self.cur[t];
        let a = *base + 16 * *used;
        *used += 1;
        a
    }

    /// Blocks claimed beyond the C region.
    pub fn overflow_blocks(&self) -> u64 {
        self.claimed.saturating_sub(self.c_blocks)
    }
}

/// Bump allocator over the unit's private DRAM workspace (above every operand region):
/// each request starts on a 4 KiB boundary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workspace {
    next: u64,
}

impl Workspace {
    /// A workspace starting at `base` (rounded up to 4 KiB).
    pub fn new(base: u64) -> Self {
        Workspace { next: align(base) }
    }

    /// Reserve `bytes` and return their first address.
    pub fn take(&mut self, bytes: u64) -> u64 {
        let a = self.next;
        self.next = align(a + bytes);
        a
    }

    /// First byte after everything reserved.
    pub fn end(&self) -> u64 {
        self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::sparse::{compressed_bytes, load_spec};

    #[test]
    fn compressed_layout_matches_the_workload_region_size() {
        for spec in [
            "uniform:n=100,cols=3000,nnz_per_row=7,seed=1",
            "banded:n=1,bandwidth=0",
            "uniform:n=10,nnz_per_row=0",
        ] {
            let m = load_spec(spec, None).unwrap();
            let c = Compressed::new(8192, &m);
            assert_eq!(c.end - 8192, compressed_bytes(m.nrows, m.nnz()), "{spec}");
            let t = m.transpose();
            let ct = Compressed::new(c.end, &t);
            assert_eq!(ct.end - c.end, compressed_bytes(m.ncols, m.nnz()), "{spec}");
        }
    }

    #[test]
    fn output_blocks_fill_the_c_region_then_the_overflow_area() {
        // Two blocks of C region, two threads: thread 0 takes block 0, thread 1 block 1,
        // thread 0's second block comes from the overflow area.
        let mut o = OutStreams::new(1 << 20, 2 * 4096, 1 << 30, 2);
        assert_eq!(o.next_addr(0), 1 << 20);
        assert_eq!(o.next_addr(1), (1 << 20) + 4096);
        assert_eq!(o.next_addr(0), (1 << 20) + 16);
        for _ in 2..256 {
            o.next_addr(0);
        }
        assert_eq!(o.next_addr(0), 1 << 30);
        assert_eq!(o.overflow_blocks(), 1);
    }
}
