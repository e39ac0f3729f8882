//! Offload engines: the per-core DMA engine and the collective (barrier) engine.
//!
//! PIUMA's cores offload bulk copies, gathers and scatters to DMA engines, and barriers and
//! reductions to collective engines (HotTiles, HPCA 2023). Their costs are not public;
//! the model below is an assumption [A] with config knobs:
//! - **DMA**: one engine per core, descriptors served in order. A descriptor occupies the
//!   engine for `dma_setup_cycles`, then its memory request leaves (through the core's
//!   network port, at the DRAM granularity); when the data is back it is written into the
//!   scratchpad at `dma_spad_bytes_per_cycle` (a dedicated scratchpad port, so DMA does
//!   not take bank cycles from the threads). A thread may wait for the descriptor or go on
//!   and wait later for all of its descriptors.
//! - **Barriers**: the collective engine counts arrivals of a group (the threads of a
//!   pipeline, of a core, or of the whole machine) and releases everyone
//!   `2 * ceil(log2 n) * barrier_level_cycles` after the last arrival (a reduction tree up
//!   and a release tree down); a machine-wide barrier also crosses the network twice per
//!   level above the core.
//!
//! Remote atomics (a thread's fetch-add or CAS on another core's scratchpad) are executed
//! by the destination bank's atomic unit, which is this model's atomic engine; see
//! `spad.rs` for its occupancy and latency.

/// A DMA engine.
#[derive(Clone, Debug, Default)]
pub struct Dma {
    free_at: u64,
    /// Descriptors served.
    pub descriptors: u64,
    /// Bytes moved.
    pub bytes: u64,
    /// Cycles descriptors waited for the engine.
    pub queue_cycles: u64,
}

impl Dma {
    /// Accept a descriptor at cycle `t`; returns the cycle its memory request may leave.
    pub fn issue(&mut self, t: u64, setup: u64, bytes: u64) -> u64 {
        let start = t.max(self.free_at);
        self.queue_cycles += start - t;
        self.free_at = start + setup;
        self.descriptors += 1;
        self.bytes += bytes;
        start + setup
    }
}

/// Barrier scope.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The threads of the caller's pipeline.
    Pipe,
    /// The threads of the caller's core.
    Core,
    /// Every thread of the machine.
    Global,
}

/// One barrier group.
#[derive(Clone, Debug, Default)]
pub struct Group {
    /// Participants.
    pub size: u32,
    /// Release latency after the last arrival.
    pub release: u64,
    /// Threads waiting, with their arrival cycles.
    pub waiting: Vec<(u32, u64)>,
}

impl Group {
    /// A group of `size` threads releasing `release` cycles after the last arrival.
    pub fn new(size: u32, release: u64) -> Self {
        Group {
            size,
            release,
            waiting: Vec::with_capacity(size as usize),
        }
    }
}

/// `ceil(log2 n)` (0 for n <= 1).
pub fn ceil_log2(n: u64) -> u64 {
    if n <= 1 {
        0
    } else {
        64 - (n - 1).leading_zeros() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dma_serves_descriptors_in_order() {
        let mut d = Dma::default();
        assert_eq!(d.issue(10, 8, 64), 18);
        assert_eq!(d.issue(12, 8, 64), 26);
        assert_eq!(d.queue_cycles, 6);
        assert_eq!(ceil_log2(1), 0);
        assert_eq!(ceil_log2(2), 1);
        assert_eq!(ceil_log2(66), 7);
    }
}
