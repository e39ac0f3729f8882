//! The global address space: each core's network port, and the path to DRAM.
//!
//! Every thread can reach any core's scratchpad and DRAM (PIUMA's global address space).
//! Model (defaults [A]):
//! - Each core has one network port of `net_bytes_per_cycle`; every message it sends or
//!   receives for DRAM, and every remote scratchpad request, is serialised on it.
//! - Crossing the network costs `net_latency_cycles` each way.
//! - DRAM is accessed at `dram_access_bytes` granularity (8 bytes on PIUMA): an access of
//!   `b` bytes at address `a` moves every granule it touches, and both the useful and the
//!   moved bytes are counted.
//!
//! DRAM timing comes from the memory component on the unit's `mem` port (or, when the
//! machine runs on its own in tests and benchmarks, from an internal latency + bandwidth
//! model with the same semantics as the ideal memory). To keep the number of engine
//! messages small, accesses are *batched*: with `mem_batching = "cycle"` all reads (and
//! separately all writes) that the unit issues in one cycle travel as one `MemReq` whose
//! size is the sum of their granule-rounded sizes, addressed at the first access; every
//! access in the batch completes when the batch does. The memory therefore sees exactly the
//! bytes the 8-byte accesses move, but not their individual addresses; with an ideal
//! memory the only timing difference from one request per access is that the accesses of a
//! batch complete together (a batch of `n` words is `8n / bw` cycles long, one or two
//! cycles for typical batches). `mem_batching = "access"` sends one request per access.
//!
//! A `MemReq` leaves at the cycle the access is issued; the port serialisation wait and
//! both network traversals are added to the access's completion when the memory answers
//! (so the memory sees the request up to `wait + net_latency` cycles early; its own
//! queueing is what it models).

/// What waits for a memory request.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WaitKind {
    /// A thread blocked on a load or a non-posted store.
    Thread(u32),
    /// A posted store of a thread (nothing waits; counted for the end of the op).
    Posted,
    /// A DMA descriptor of a thread.
    Dma(u32),
}

/// One waiter of a batch: who, and the cycles to add after the memory's answer.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Waiter {
    /// Who waits.
    pub kind: WaitKind,
    /// Extra cycles after the memory completes (port wait, both network crossings, DMA
    /// scratchpad transfer).
    pub extra: u32,
}

/// A request to hand to the memory.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct OutReq {
    /// Request id (returned in the response).
    pub id: u64,
    /// Address of the first access.
    pub addr: u64,
    /// Bytes (granule-rounded sum over the batch).
    pub bytes: u64,
    /// Write or read.
    pub write: bool,
}

struct Batch {
    waiters: Vec<Waiter>,
    bytes: u64,
    addr: u64,
    write: bool,
    open: bool,
}

/// Where DRAM timing comes from.
pub enum Backend {
    /// The memory component on the unit's `mem` port: requests go to the outbox.
    External,
    /// An internal fixed latency plus one bandwidth pipe (tests, benchmarks).
    Internal {
        /// Latency in cycles.
        latency: u64,
        /// Bytes per cycle.
        bytes_per_cycle: f64,
        /// When the pipe is next free (fractional cycles).
        free_at: f64,
    },
}

/// DRAM traffic counters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DramStats {
    /// Read accesses issued by threads and DMA descriptors.
    pub read_accesses: u64,
    /// Write accesses.
    pub write_accesses: u64,
    /// Bytes the reads asked for.
    pub read_bytes_useful: u64,
    /// Bytes the writes carried.
    pub write_bytes_useful: u64,
    /// Bytes moved by reads at the access granularity.
    pub read_bytes: u64,
    /// Bytes moved by writes at the access granularity.
    pub write_bytes: u64,
    /// Requests handed to the memory (after batching).
    pub requests: u64,
}

/// Network ports and the DRAM interface.
pub struct MemSide {
    gran: u64,
    net_lat: u64,
    port_bw: u64,
    port_free: Vec<u64>,
    per_access: bool,
    batches: Vec<Batch>,
    free_ids: Vec<u32>,
    cur: [Option<u32>; 2],
    opened: Vec<u32>,
    /// Requests waiting to be sent to the memory component (external backend).
    pub outbox: Vec<OutReq>,
    /// Timing backend.
    pub backend: Backend,
    /// Counters.
    pub stats: DramStats,
    /// Bytes sent over core network ports (DRAM and remote scratchpad traffic).
    pub net_bytes: u64,
    /// Cycles messages waited for a busy core port.
    pub port_wait_cycles: u64,
    /// Outstanding batches.
    pub outstanding: u64,
    /// Cycle of the last write completion seen.
    pub last_write_done: u64,
}

impl MemSide {
    /// A memory side for `cores` cores.
    pub fn new(
        cores: u32,
        gran: u32,
        net_lat: u32,
        port_bw: u32,
        per_access: bool,
        backend: Backend,
    ) -> Self {
        MemSide {
            gran: gran as u64,
            net_lat: net_lat as u64,
            port_bw: port_bw as u64,
            port_free: vec![0; cores as usize],
            per_access,
            batches: Vec::new(),
            free_ids: Vec::new(),
            cur: [None, None],
            opened: Vec::new(),
            outbox: Vec::new(),
            backend,
            stats: DramStats::default(),
            net_bytes: 0,
            port_wait_cycles: 0,
            outstanding: 0,
            last_write_done: 0,
        }
    }

    /// One-way network latency.
    #[inline]
    pub fn net_latency(&self) -> u64 {
        self.net_lat
    }

    /// Serialise `bytes` on `core`'s port from cycle `t`; returns the cycle the message has
    /// left (the wait is counted).
    #[inline]
    pub fn port_send(&mut self, core: u32, t: u64, bytes: u64) -> u64 {
        let f = &mut self.port_free[core as usize];
        let start = t.max(*f);
        self.port_wait_cycles += start - t;
        *f = start + bytes.div_ceil(self.port_bw);
        self.net_bytes += bytes;
        start + bytes.div_ceil(self.port_bw)
    }

    /// Bytes moved by an access of `bytes` at `addr` at the granularity.
    #[inline]
    pub fn moved(&self, addr: u64, bytes: u64) -> u64 {
        let g = self.gran;
        ((addr + bytes.max(1) - 1) / g - addr / g + 1) * g
    }

    /// Issue a DRAM access from `core` at cycle `t`; `extra` cycles are added to its
    /// completion on top of the port wait and both network crossings.
    #[allow(clippy::too_many_arguments)]
    pub fn access(
        &mut self,
        core: u32,
        t: u64,
        addr: u64,
        bytes: u64,
        write: bool,
        kind: WaitKind,
        extra: u64,
    ) {
        let moved = self.moved(addr, bytes);
        if write {
            self.stats.write_accesses += 1;
            self.stats.write_bytes_useful += bytes;
            self.stats.write_bytes += moved;
        } else {
            self.stats.read_accesses += 1;
            self.stats.read_bytes_useful += bytes;
            self.stats.read_bytes += moved;
        }
        let left = self.port_send(core, t, moved);
        let extra = (left - t) + 2 * self.net_lat + extra;
        let w = Waiter {
            kind,
            extra: extra.min(u32::MAX as u64) as u32,
        };
        let slot = write as usize;
        let id = match self.cur[slot] {
            Some(id) if !self.per_access => id,
            _ => {
                let id = match self.free_ids.pop() {
                    Some(id) => {
                        let b = &mut self.batches[id as usize];
                        b.bytes = 0;
                        b.addr = addr;
                        b.write = write;
                        b.open = true;
                        b.waiters.clear();
                        id
                    }
                    None => {
                        self.batches.push(Batch {
                            waiters: Vec::with_capacity(8),
                            bytes: 0,
                            addr,
                            write,
                            open: true,
                        });
                        self.batches.len() as u32 - 1
                    }
                };
                self.cur[slot] = Some(id);
                self.opened.push(id);
                id
            }
        };
        let b = &mut self.batches[id as usize];
        b.bytes += moved;
        b.waiters.push(w);
    }

    /// End of cycle `t`: close the batches opened in it. For the internal backend the
    /// `(request, completion cycle)` pairs to schedule are appended to `done`; for the
    /// external one the requests go to the outbox.
    pub fn flush(&mut self, t: u64, done: &mut Vec<(u32, u64)>) {
        self.cur = [None, None];
        for k in 0..self.opened.len() {
            let id = self.opened[k];
            self.stats.requests += 1;
            self.outstanding += 1;
            let b = &mut self.batches[id as usize];
            b.open = false;
            let bytes = b.bytes;
            match &mut self.backend {
                Backend::External => self.outbox.push(OutReq {
                    id: id as u64,
                    addr: b.addr,
                    bytes,
                    write: b.write,
                }),
                Backend::Internal {
                    latency,
                    bytes_per_cycle,
                    free_at,
                } => {
                    let start = free_at.max(t as f64);
                    *free_at = start + bytes as f64 / *bytes_per_cycle;
                    done.push((id, (*free_at).ceil() as u64 + *latency));
                }
            }
        }
        self.opened.clear();
    }

    /// The memory finished request `id` at cycle `c`: returns its waiters (with the cycle
    /// each is released) through `out`, and frees the request.
    pub fn complete(&mut self, id: u32, c: u64, out: &mut Vec<(WaitKind, u64)>) {
        let b = &mut self.batches[id as usize];
        for w in &b.waiters {
            let at = c + w.extra as u64;
            if b.write {
                self.last_write_done = self.last_write_done.max(at);
            }
            out.push((w.kind, at));
        }
        b.waiters.clear();
        self.outstanding -= 1;
        self.free_ids.push(id);
    }

    /// Whether request `id` exists and is outstanding (for checking responses).
    pub fn is_outstanding(&self, id: u64) -> bool {
        (id as usize) < self.batches.len()
            && !self.batches[id as usize].open
            && !self.batches[id as usize].waiters.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granules_are_counted() {
        let m = MemSide::new(1, 8, 1, 8, false, Backend::External);
        assert_eq!(m.moved(0, 4), 8);
        assert_eq!(m.moved(4, 8), 16);
        assert_eq!(m.moved(16, 8), 8);
        let m = MemSide::new(1, 64, 1, 8, false, Backend::External);
        assert_eq!(m.moved(8, 8), 64);
        assert_eq!(m.moved(60, 8), 128);
    }

    #[test]
    fn one_cycle_of_reads_is_one_request() {
        let mut m = MemSide::new(2, 8, 5, 64, false, Backend::External);
        m.access(0, 3, 0, 8, false, WaitKind::Thread(0), 0);
        m.access(1, 3, 800, 4, false, WaitKind::Thread(1), 0);
        m.access(1, 3, 1600, 8, true, WaitKind::Posted, 0);
        let mut d = vec![];
        m.flush(3, &mut d);
        assert_eq!(m.outbox.len(), 2);
        assert_eq!(m.outbox[0].bytes, 16);
        assert!(!m.outbox[0].write);
        assert_eq!(m.outbox[1].bytes, 8);
        let mut out = vec![];
        m.complete(m.outbox[0].id as u32, 100, &mut out);
        // Each waiter: + 1 port cycle + 2 x 5 network.
        assert_eq!(
            out,
            vec![(WaitKind::Thread(0), 111), (WaitKind::Thread(1), 111)]
        );
    }
}
