//! The PIUMA machine: cores of barrel-scheduled pipelines running kernel threads, with
//! their scratchpads, DMA engines, barriers and the path to DRAM, under one internal event
//! order.
//!
//! # Pipelines and threads
//! Each core has `mtp_per_core` multi-threaded pipelines of `threads_per_mtp` threads and
//! `stp_per_core` single-threaded pipelines (one thread each). Every cycle each pipeline
//! issues at most one instruction, from the next *ready* thread in round-robin order
//! (zero-cost switching, skipping threads that are not ready). A thread has at most one
//! instruction in flight: after issuing it is not ready until the instruction completes
//! (ALU: `alu_latency_cycles`; scratchpad: bank queueing + latency; DRAM and DMA: the
//! memory's answer + network; barrier: release). Sources: HotTiles (HPCA 2023) for the
//! MTP/STP structure; the issue rule follows the research notes section 5.1 [R]. An STP is
//! modelled as a pipeline with one thread, i.e. without the memory-level parallelism a real
//! STP may extract (simplification).
//!
//! # Kernels
//! A kernel is a program for every thread, written as a state machine
//! ([`Kernel::next`]): given the value returned by the thread's previous operation it
//! returns the next [`Op`]. The machine executes the operation for real on the scratchpad
//! words (hash tables, counters) and times it; DRAM holds the input matrices and the output,
//! whose contents the kernels read from the matrices themselves (they are read-only or
//! write-only during an op), so DRAM operations are timed and counted but carry no data.
//!
//! # Event order
//! The machine keeps its own time in core cycles and its own event wheel (4096 one-cycle
//! buckets plus an ordered overflow map). In each cycle it first handles the events due
//! (in the order they were scheduled), then lets each pipeline issue (in pipeline order),
//! then closes the cycle's DRAM batches. Every event is scheduled at least one cycle ahead,
//! so the order is a pure function of the inputs. Idle cycles are skipped: when no
//! pipeline has a ready thread the machine jumps to the next event.
//! This is what makes the unit fast: the engine sees one wake-up per busy cycle and one
//! message pair per DRAM batch, not one event per instruction.

use super::config::PiumaConfig;
use super::network::{Backend, MemSide, WaitKind};
use super::offload::{Dma, Group, Scope, ceil_log2};
use super::spad::{Spad, SpadOp};
use crate::stats::StatSet;
use std::collections::BTreeMap;

/// One operation of a thread.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Op {
    /// `n >= 1` dependent ALU instructions (address arithmetic, multiply, hash, compare).
    Alu(u32),
    /// A scratchpad operation on `core`'s scratchpad (remote if not the thread's core).
    Spad {
        /// Core whose scratchpad is addressed.
        core: u32,
        /// Word index.
        word: u64,
        /// Operation.
        op: SpadOp,
    },
    /// A DRAM load of `bytes` at `addr`; the thread waits for it.
    DramRead {
        /// Byte address.
        addr: u64,
        /// Bytes.
        bytes: u32,
    },
    /// A DRAM store (posted if `store_posted`).
    DramWrite {
        /// Byte address.
        addr: u64,
        /// Bytes.
        bytes: u32,
    },
    /// A DMA descriptor between DRAM and the thread's core scratchpad.
    Dma {
        /// DRAM byte address.
        addr: u64,
        /// Bytes.
        bytes: u32,
        /// Scratchpad to DRAM (true) or DRAM to scratchpad.
        write: bool,
        /// Wait for completion (else continue and use [`Op::WaitDma`] later).
        wait: bool,
    },
    /// Wait until all of the thread's DMA descriptors have completed.
    WaitDma,
    /// Wait for every thread of the scope.
    Barrier(Scope),
    /// Attribute the thread's time from now on to phase `p` (no instruction).
    Phase(u8),
    /// The thread has finished.
    Done,
}

/// A thread program.
pub trait Kernel {
    /// The next operation of thread `tid`; `ret` is the value returned by its previous
    /// scratchpad operation (0 after other operations).
    fn next(&mut self, tid: u32, ret: u64) -> Op;
    /// Names of the phases the kernel reports (indexed by [`Op::Phase`]).
    fn phases(&self) -> &'static [&'static str];
    /// Export the kernel's own counters (probes, collisions, partial products, ...).
    fn stats(&self, out: &mut StatSet);
    /// The output entries `(row, col, value)` the kernel wrote, in write order.
    fn output(&self) -> &[(u32, u32, f64)];
}

/// Where a thread sits.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ThreadPos {
    /// Core.
    pub core: u32,
    /// Global pipeline index.
    pub pipe: u32,
    /// Pipeline index within the core (MTPs first, then STPs).
    pub pipe_in_core: u32,
    /// Slot within the pipeline.
    pub lane: u32,
    /// Index within the core.
    pub in_core: u32,
}

/// The shape of the machine: which thread runs where.
#[derive(Clone, Debug, PartialEq)]
pub struct Topology {
    /// Cores.
    pub cores: u32,
    /// Pipelines per core.
    pub pipes_per_core: u32,
    /// MTPs per core (pipelines `0..mtp` of each core).
    pub mtp_per_core: u32,
    /// Threads per core.
    pub threads_per_core: u32,
    /// Every thread, core-major.
    pub threads: Vec<ThreadPos>,
    /// `(first thread, thread count)` of every pipeline.
    pub pipes: Vec<(u32, u32)>,
}

impl Topology {
    /// The topology of a config.
    pub fn new(cfg: &PiumaConfig) -> Self {
        let mut threads = Vec::new();
        let mut pipes = Vec::new();
        let ppc = cfg.mtp_per_core + cfg.stp_per_core;
        for core in 0..cfg.cores {
            let mut in_core = 0;
            for pic in 0..ppc {
                let n = if pic < cfg.mtp_per_core {
                    cfg.threads_per_mtp
                } else {
                    1
                };
                let pipe = pipes.len() as u32;
                pipes.push((threads.len() as u32, n));
                for lane in 0..n {
                    threads.push(ThreadPos {
                        core,
                        pipe,
                        pipe_in_core: pic,
                        lane,
                        in_core,
                    });
                    in_core += 1;
                }
            }
        }
        Topology {
            cores: cfg.cores,
            pipes_per_core: ppc,
            mtp_per_core: cfg.mtp_per_core,
            threads_per_core: cfg.threads_per_core(),
            threads,
            pipes,
        }
    }

    /// Total threads.
    pub fn nthreads(&self) -> u32 {
        self.threads.len() as u32
    }
}

#[derive(Copy, Clone, Debug)]
enum Ev {
    Ready(u32),
    /// Ready at a time known in advance (waiting already accounted).
    Wake(u32),
    Remote(u32),
    Mem(u32),
    DmaDone(u32),
}

const WHEEL: u64 = 4096;

/// A timing wheel of one-cycle buckets with an ordered overflow map.
struct Wheel {
    buckets: Vec<Vec<Ev>>,
    bits: Vec<u64>,
    far: BTreeMap<(u64, u64), Ev>,
    seq: u64,
}

impl Wheel {
    fn new() -> Self {
        Wheel {
            buckets: (0..WHEEL).map(|_| Vec::new()).collect(),
            bits: vec![0; (WHEEL / 64) as usize],
            far: BTreeMap::new(),
            seq: 0,
        }
    }

    #[inline]
    fn push(&mut self, now: u64, at: u64, ev: Ev) {
        debug_assert!(at > now, "event at {at} not after {now}");
        if at - now < WHEEL {
            let i = (at & (WHEEL - 1)) as usize;
            self.buckets[i].push(ev);
            self.bits[i >> 6] |= 1 << (i & 63);
        } else {
            self.far.insert((at, self.seq), ev);
            self.seq += 1;
        }
    }

    /// Move overflow events that are now within the horizon into buckets.
    fn migrate(&mut self, now: u64) {
        while let Some((&(at, s), _)) = self.far.first_key_value() {
            if at - now >= WHEEL {
                break;
            }
            let ev = self.far.remove(&(at, s)).expect("present");
            let i = (at & (WHEEL - 1)) as usize;
            self.buckets[i].push(ev);
            self.bits[i >> 6] |= 1 << (i & 63);
        }
    }

    fn take(&mut self, t: u64) -> Vec<Ev> {
        let i = (t & (WHEEL - 1)) as usize;
        self.bits[i >> 6] &= !(1 << (i & 63));
        std::mem::take(&mut self.buckets[i])
    }

    fn put_back(&mut self, t: u64, mut v: Vec<Ev>) {
        let i = (t & (WHEEL - 1)) as usize;
        v.clear();
        if self.buckets[i].is_empty() {
            self.buckets[i] = v;
        }
    }

    /// The first cycle after `now` with an event.
    fn next(&self, now: u64) -> Option<u64> {
        let far = self.far.first_key_value().map(|(k, _)| k.0);
        let start = now + 1;
        let words = self.bits.len();
        let first = (start & (WHEEL - 1)) as usize;
        let (fw, fb) = (first >> 6, first & 63);
        let mut found = None;
        let hi = self.bits[fw] & (!0u64 << fb);
        if hi != 0 {
            found = Some(fw * 64 + hi.trailing_zeros() as usize);
        } else {
            for k in 1..words {
                let w = (fw + k) % words;
                if self.bits[w] != 0 {
                    found = Some(w * 64 + self.bits[w].trailing_zeros() as usize);
                    break;
                }
            }
            if found.is_none() {
                let lo = if fb == 0 {
                    0
                } else {
                    self.bits[fw] & !(!0u64 << fb)
                };
                if lo != 0 {
                    found = Some(fw * 64 + lo.trailing_zeros() as usize);
                }
            }
        }
        match found {
            Some(i) => {
                let off = (i as u64 + WHEEL - first as u64) & (WHEEL - 1);
                let near = start + off;
                Some(far.map_or(near, |f| f.min(near)))
            }
            None => far,
        }
    }

    fn is_empty(&self) -> bool {
        self.far.is_empty() && self.bits.iter().all(|&b| b == 0)
    }
}

#[derive(Clone, Debug, Default)]
struct Th {
    ret: u64,
    alu_left: u32,
    remote: (u32, u64, Option<SpadOp>),
    dma_out: u32,
    dma_wait: bool,
    done: bool,
    phase: u8,
    phase_t: u64,
    blocked: u8,
    blocked_at: u64,
    ready_at: u64,
}

#[derive(Clone, Debug)]
struct Pipe {
    rr: u32,
    first: u32,
    issued: u64,
    mtp: bool,
}

/// Horizon of the per-pipeline ready rings, in cycles.
const RING: u64 = 64;

// Kinds of waiting, for the thread-time breakdown.
const W_ALU: u8 = 0;
const W_SPAD: u8 = 1;
const W_REMOTE: u8 = 2;
const W_MEM: u8 = 3;
const W_BARRIER: u8 = 4;
const W_KINDS: usize = 5;
const W_NAMES: [&str; W_KINDS] = ["alu", "spad", "remote", "dram", "barrier"];

/// Machine-level counters.
#[derive(Clone, Debug, Default)]
pub struct MachineStats {
    /// Thread-cycles per kernel phase.
    pub phase_thread_cycles: Vec<u64>,
    /// First cycle any thread entered each phase.
    pub phase_first: Vec<u64>,
    /// Last cycle any thread left each phase.
    pub phase_last: Vec<u64>,
    /// Thread-cycles waiting for an issue slot while ready.
    pub issue_wait: u64,
    /// Thread-cycles by what an issued instruction waited on (alu, spad, remote, dram, barrier).
    pub wait: [u64; W_KINDS],
    /// Remote scratchpad operations.
    pub remote_ops: u64,
    /// Barriers completed.
    pub barriers: u64,
    /// Instructions issued.
    pub issued: u64,
    /// Instructions issued by class: ALU; memory and control (scratchpad, remote, DRAM,
    /// DMA, barrier, done).
    pub class: [u64; 2],
    /// Scratchpad words written by DMA (DRAM to scratchpad descriptors).
    pub dma_spad_write_words: u64,
    /// Scratchpad words read by DMA (scratchpad to DRAM descriptors).
    pub dma_spad_read_words: u64,
}

/// Names of the energy actions the machine exports (see [`Machine::export`]).
pub const ENERGY_ACTIONS: [&str; 5] = [
    "piuma_alu_instr",
    "piuma_mem_instr",
    "spad_read_word",
    "spad_write_word",
    "spad_atomic",
];

/// Errors of a machine run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MachineError {
    /// Threads wait forever (e.g. a barrier some threads never reach).
    #[error("PIUMA machine deadlock at cycle {cycle}: {waiting} thread(s) never finished")]
    Deadlock {
        /// Last cycle.
        cycle: u64,
        /// Threads not done.
        waiting: u32,
    },
}

/// The machine.
pub struct Machine {
    /// The configuration.
    pub cfg: PiumaConfig,
    /// The topology.
    pub topo: Topology,
    kernel: Box<dyn Kernel>,
    now: u64,
    threads: Vec<Th>,
    pipes: Vec<Pipe>,
    active: u32,
    /// Scratchpads, one per core.
    pub spads: Vec<Spad>,
    /// Network ports and DRAM interface.
    pub mem: MemSide,
    /// DMA engines, one per core.
    pub dmas: Vec<Dma>,
    groups: Vec<Group>,
    wheel: Wheel,
    /// Bit `c % RING` set when some pipeline has lanes becoming ready at cycle `c`.
    ring_any: u64,
    /// Lanes ready to issue, per pipeline.
    ready: Vec<u64>,
    /// `rings[(c % RING) * pipes + p]`: lanes of pipeline `p` that become ready at cycle
    /// `c` (within `RING` cycles of now).
    rings: Vec<u64>,
    /// 64-bit words per pipeline bitset.
    pw: usize,
    /// `ring_pipes[(c % RING) * pw + p / 64]` bit `p % 64`: pipeline `p` has lanes in
    /// `rings` for cycle `c`.
    ring_pipes: Vec<u64>,
    /// Bit `p`: pipeline `p` has a ready lane (`ready[p] != 0`).
    ready_pipes: Vec<u64>,
    issue_buf: Vec<u64>,
    done_buf: Vec<(u32, u64)>,
    wait_buf: Vec<(WaitKind, u64)>,
    done_threads: u32,
    /// Counters.
    pub stats: MachineStats,
    alu_lat: u64,
    spad_lat: u64,
    atomic_lat: u64,
    dma_setup: u64,
    dma_bw: u64,
    posted: bool,
    nphases: usize,
}

impl Machine {
    /// A machine running `kernel` with DRAM timing from `backend`. Every thread is ready at
    /// cycle 0.
    pub fn new(cfg: &PiumaConfig, kernel: Box<dyn Kernel>, backend: Backend) -> Self {
        let topo = Topology::new(cfg);
        let nph = kernel.phases().len().max(1);
        let mut threads = vec![Th::default(); topo.threads.len()];
        for t in threads.iter_mut() {
            t.blocked = u8::MAX;
            t.phase = u8::MAX;
        }
        let pipes: Vec<Pipe> = topo
            .pipes
            .iter()
            .enumerate()
            .map(|(i, &(first, _))| Pipe {
                rr: 0,
                first,
                issued: 0,
                mtp: (i as u32 % topo.pipes_per_core) < topo.mtp_per_core,
            })
            .collect();
        let lvl = cfg.barrier_level_cycles as u64;
        let mut groups = Vec::new();
        for &(_, n) in &topo.pipes {
            groups.push(Group::new(n, (2 * ceil_log2(n as u64) * lvl).max(1)));
        }
        let tpc = topo.threads_per_core;
        for _ in 0..cfg.cores {
            groups.push(Group::new(tpc, (2 * ceil_log2(tpc as u64) * lvl).max(1)));
        }
        let cl = ceil_log2(cfg.cores as u64);
        groups.push(Group::new(
            topo.nthreads(),
            (2 * (ceil_log2(tpc as u64) * lvl + cl * (lvl + cfg.net_latency_cycles as u64))).max(1),
        ));
        let active = pipes.len() as u32;
        Machine {
            spads: (0..cfg.cores)
                .map(|_| {
                    Spad::new(
                        cfg.spad_words(),
                        cfg.spad_banks,
                        cfg.spad_occupancy_cycles,
                        cfg.spad_atomic_occupancy_cycles,
                    )
                })
                .collect(),
            mem: MemSide::new(
                cfg.cores,
                cfg.dram_access_bytes,
                cfg.net_latency_cycles,
                cfg.net_bytes_per_cycle,
                cfg.mem_batching == "access",
                backend,
            ),
            dmas: vec![Dma::default(); cfg.cores as usize],
            groups,
            wheel: Wheel::new(),
            ring_any: 0,
            ready: topo
                .pipes
                .iter()
                .map(|&(_, n)| if n == 64 { !0 } else { (1u64 << n) - 1 })
                .collect(),
            rings: vec![0; RING as usize * topo.pipes.len()],
            pw: topo.pipes.len().div_ceil(64),
            ring_pipes: vec![0; RING as usize * topo.pipes.len().div_ceil(64)],
            ready_pipes: {
                let mut v = vec![0u64; topo.pipes.len().div_ceil(64)];
                for p in 0..topo.pipes.len() {
                    v[p / 64] |= 1 << (p % 64);
                }
                v
            },
            issue_buf: vec![0; topo.pipes.len().div_ceil(64)],
            done_buf: Vec::new(),
            wait_buf: Vec::new(),
            done_threads: 0,
            stats: MachineStats {
                phase_thread_cycles: vec![0; nph],
                phase_first: vec![u64::MAX; nph],
                phase_last: vec![0; nph],
                ..Default::default()
            },
            alu_lat: cfg.alu_latency_cycles as u64,
            spad_lat: cfg.spad_latency_cycles as u64,
            atomic_lat: cfg.spad_atomic_latency_cycles as u64,
            dma_setup: cfg.dma_setup_cycles as u64,
            dma_bw: cfg.dma_spad_bytes_per_cycle as u64,
            posted: cfg.store_posted,
            nphases: nph,
            cfg: cfg.clone(),
            topo,
            kernel,
            now: 0,
            threads,
            pipes,
            active,
        }
    }

    /// The kernel.
    pub fn kernel(&self) -> &dyn Kernel {
        self.kernel.as_ref()
    }

    /// The last cycle processed.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Whether every thread has finished and every memory request has completed.
    pub fn finished(&self) -> bool {
        self.done_threads as usize == self.threads.len()
            && self.mem.outstanding == 0
            && self.wheel.is_empty()
            && self.ring_any == 0
    }

    /// Threads not yet finished.
    pub fn running_threads(&self) -> u32 {
        self.threads.len() as u32 - self.done_threads
    }

    /// The cycle the op ends: the last processed cycle or the last write's completion.
    pub fn end_cycle(&self) -> u64 {
        self.now.max(self.mem.last_write_done)
    }

    /// The next cycle at which anything happens, if any.
    pub fn next_cycle(&self) -> Option<u64> {
        if self.active > 0 {
            return Some(self.now + 1);
        }
        let w = self.wheel.next(self.now);
        if self.ring_any == 0 {
            return w;
        }
        // First ring slot after now (ring entries are always within RING cycles).
        let start = (self.now + 1) % RING;
        let rot = self.ring_any.rotate_right(start as u32);
        let r = self.now + 1 + rot.trailing_zeros() as u64;
        Some(w.map_or(r, |w| w.min(r)))
    }

    #[inline]
    fn make_ready(&mut self, tid: u32, c: u64) {
        let th = &mut self.threads[tid as usize];
        if th.blocked != u8::MAX {
            self.stats.wait[th.blocked as usize] += c - th.blocked_at;
            th.blocked = u8::MAX;
        }
        th.ready_at = c;
        let pos = self.topo.threads[tid as usize];
        self.set_ready(pos.pipe as usize, 1 << pos.lane);
    }

    #[inline]
    fn set_ready(&mut self, p: usize, lanes: u64) {
        let r = &mut self.ready[p];
        if *r == 0 {
            self.active += 1;
            self.ready_pipes[p / 64] |= 1 << (p % 64);
        }
        *r |= lanes;
    }

    #[inline]
    fn block(&mut self, tid: u32, kind: u8, c: u64) {
        let th = &mut self.threads[tid as usize];
        th.blocked = kind;
        th.blocked_at = c;
    }

    /// The thread becomes ready at the known cycle `at > c`: its wait is accounted now,
    /// and it goes to its pipeline's ready ring (or the wheel beyond the ring's horizon).
    #[inline]
    fn ready_at(&mut self, tid: u32, kind: u8, c: u64, at: u64) {
        debug_assert!(at > c);
        self.stats.wait[kind as usize] += at - c;
        let th = &mut self.threads[tid as usize];
        th.ready_at = at;
        if at - c < RING {
            let pos = self.topo.threads[tid as usize];
            let slot = (at % RING) as usize;
            let p = pos.pipe as usize;
            self.rings[slot * self.ready.len() + p] |= 1 << pos.lane;
            self.ring_pipes[slot * self.pw + p / 64] |= 1 << (p % 64);
            self.ring_any |= 1 << slot;
        } else {
            th.blocked = u8::MAX;
            self.wheel.push(c, at, Ev::Wake(tid));
        }
    }

    /// Process cycle `c` (after every earlier cycle): due events, one issue per pipeline,
    /// then the cycle's DRAM batches.
    pub fn run_cycle(&mut self, c: u64) {
        debug_assert!(c >= self.now);
        self.now = c;
        self.wheel.migrate(c);
        let evs = self.wheel.take(c);
        for &ev in &evs {
            self.handle(ev, c);
        }
        self.wheel.put_back(c, evs);
        let slot = (c % RING) as usize;
        if self.ring_any & (1 << slot) != 0 {
            self.ring_any &= !(1 << slot);
            let n = self.ready.len();
            for w in 0..self.pw {
                let mut m = std::mem::take(&mut self.ring_pipes[slot * self.pw + w]);
                while m != 0 {
                    let p = w * 64 + m.trailing_zeros() as usize;
                    m &= m - 1;
                    let lanes = std::mem::take(&mut self.rings[slot * n + p]);
                    self.set_ready(p, lanes);
                }
            }
        }
        if self.active > 0 {
            // Pipelines in index order; issuing never makes another pipeline ready in
            // the same cycle, so a snapshot of the ready set is exact.
            let mut buf = std::mem::take(&mut self.issue_buf);
            buf.copy_from_slice(&self.ready_pipes);
            for (w, &word) in buf.iter().enumerate() {
                let mut m = word;
                while m != 0 {
                    let p = w * 64 + m.trailing_zeros() as usize;
                    m &= m - 1;
                    self.issue(p, c);
                }
            }
            self.issue_buf = buf;
        }
        let mut done = std::mem::take(&mut self.done_buf);
        self.mem.flush(c, &mut done);
        for &(id, at) in &done {
            self.wheel.push(c, at.max(c + 1), Ev::Mem(id));
        }
        done.clear();
        self.done_buf = done;
    }

    /// The memory component answered request `id`; `c` is the current cycle (the machine
    /// has processed every cycle before it, not necessarily `c` itself).
    pub fn mem_done(&mut self, id: u64, c: u64) {
        if self.now < c {
            self.now = c - 1;
        }
        let mut w = std::mem::take(&mut self.wait_buf);
        self.mem.complete(id as u32, c, &mut w);
        for &(kind, at) in &w {
            let at = at.max(self.now + 1);
            match kind {
                WaitKind::Thread(t) => self.wheel.push(self.now, at, Ev::Ready(t)),
                WaitKind::Dma(t) => self.wheel.push(self.now, at, Ev::DmaDone(t)),
                WaitKind::Posted => {}
            }
        }
        w.clear();
        self.wait_buf = w;
    }

    fn handle(&mut self, ev: Ev, c: u64) {
        match ev {
            Ev::Ready(t) => self.make_ready(t, c),
            Ev::Wake(t) => {
                let pos = self.topo.threads[t as usize];
                self.set_ready(pos.pipe as usize, 1 << pos.lane);
            }
            Ev::Remote(t) => {
                let (core, word, op) = self.threads[t as usize].remote;
                let op = op.expect("remote op recorded");
                let (start, ret) = self.spads[core as usize].access(c, word, op);
                self.threads[t as usize].ret = ret;
                let lat = if op.is_atomic() {
                    self.atomic_lat
                } else {
                    self.spad_lat
                };
                let back = self.mem.net_latency();
                self.wheel.push(c, start + lat + back, Ev::Ready(t));
            }
            Ev::Mem(id) => {
                let mut w = std::mem::take(&mut self.wait_buf);
                self.mem.complete(id, c, &mut w);
                for &(kind, at) in &w {
                    let at = at.max(c + 1);
                    match kind {
                        WaitKind::Thread(t) => self.wheel.push(c, at, Ev::Ready(t)),
                        WaitKind::Dma(t) => self.wheel.push(c, at, Ev::DmaDone(t)),
                        WaitKind::Posted => {}
                    }
                }
                w.clear();
                self.wait_buf = w;
            }
            Ev::DmaDone(t) => {
                let th = &mut self.threads[t as usize];
                th.dma_out -= 1;
                if th.dma_out == 0 && th.dma_wait {
                    th.dma_wait = false;
                    self.make_ready(t, c);
                }
            }
        }
    }

    #[inline]
    fn issue(&mut self, p: usize, c: u64) {
        let pipe = &mut self.pipes[p];
        let ready = &mut self.ready[p];
        let rot = ready.rotate_right(pipe.rr);
        let lane = (rot.trailing_zeros() + pipe.rr) & 63;
        *ready &= !(1u64 << lane);
        pipe.rr = (lane + 1) & 63;
        pipe.issued += 1;
        if *ready == 0 {
            self.active -= 1;
            self.ready_pipes[p / 64] &= !(1 << (p % 64));
        }
        let tid = pipe.first + lane;
        let th = &mut self.threads[tid as usize];
        self.stats.issue_wait += c - th.ready_at;
        self.stats.issued += 1;
        self.exec(tid, c);
    }

    fn set_phase(&mut self, tid: u32, ph: u8, c: u64) {
        let th = &mut self.threads[tid as usize];
        let old = th.phase as usize;
        if old < self.nphases {
            self.stats.phase_thread_cycles[old] += c - th.phase_t;
            self.stats.phase_last[old] = self.stats.phase_last[old].max(c);
        }
        th.phase = ph;
        th.phase_t = c;
        let p = ph as usize;
        if p < self.nphases {
            self.stats.phase_first[p] = self.stats.phase_first[p].min(c);
        }
    }

    fn exec(&mut self, tid: u32, c: u64) {
        let core = self.topo.threads[tid as usize].core;
        if self.threads[tid as usize].alu_left > 0 {
            self.stats.class[0] += 1;
            self.threads[tid as usize].alu_left -= 1;
            let at = c + self.alu_lat;
            self.ready_at(tid, W_ALU, c, at);
            return;
        }
        loop {
            let ret = self.threads[tid as usize].ret;
            self.threads[tid as usize].ret = 0;
            let op = self.kernel.next(tid, ret);
            if !matches!(op, Op::Phase(_) | Op::Alu(_)) {
                self.stats.class[1] += 1;
            }
            match op {
                Op::Phase(p) => {
                    self.set_phase(tid, p, c);
                    continue;
                }
                Op::Alu(n) => {
                    self.stats.class[0] += 1;
                    self.threads[tid as usize].alu_left = n.saturating_sub(1);
                    let at = c + self.alu_lat;
                    self.ready_at(tid, W_ALU, c, at);
                }
                Op::Spad {
                    core: dst,
                    word,
                    op,
                } => {
                    if dst == core {
                        let (start, ret) = self.spads[core as usize].access(c, word, op);
                        self.threads[tid as usize].ret = ret;
                        let lat = if op.is_atomic() {
                            self.atomic_lat
                        } else {
                            self.spad_lat
                        };
                        self.ready_at(tid, W_SPAD, c, start + lat);
                    } else {
                        self.stats.remote_ops += 1;
                        let left = self.mem.port_send(core, c, 16);
                        self.threads[tid as usize].remote = (dst, word, Some(op));
                        self.block(tid, W_REMOTE, c);
                        let at = left + self.mem.net_latency();
                        self.wheel.push(c, at.max(c + 1), Ev::Remote(tid));
                    }
                }
                Op::DramRead { addr, bytes } => {
                    self.mem
                        .access(core, c, addr, bytes as u64, false, WaitKind::Thread(tid), 0);
                    self.block(tid, W_MEM, c);
                }
                Op::DramWrite { addr, bytes } => {
                    if self.posted {
                        self.mem
                            .access(core, c, addr, bytes as u64, true, WaitKind::Posted, 0);
                        self.ready_at(tid, W_ALU, c, c + 1);
                    } else {
                        self.mem.access(
                            core,
                            c,
                            addr,
                            bytes as u64,
                            true,
                            WaitKind::Thread(tid),
                            0,
                        );
                        self.block(tid, W_MEM, c);
                    }
                }
                Op::Dma {
                    addr,
                    bytes,
                    write,
                    wait,
                } => {
                    let b = bytes as u64;
                    if write {
                        self.stats.dma_spad_read_words += b.div_ceil(8);
                    } else {
                        self.stats.dma_spad_write_words += b.div_ceil(8);
                    }
                    let leave = self.dmas[core as usize].issue(c, self.dma_setup, b);
                    let extra = (leave - c) + b.div_ceil(self.dma_bw);
                    self.mem
                        .access(core, c, addr, b, write, WaitKind::Dma(tid), extra);
                    let th = &mut self.threads[tid as usize];
                    th.dma_out += 1;
                    if wait {
                        th.dma_wait = true;
                        self.block(tid, W_MEM, c);
                    } else {
                        self.ready_at(tid, W_ALU, c, c + 1);
                    }
                }
                Op::WaitDma => {
                    if self.threads[tid as usize].dma_out == 0 {
                        self.ready_at(tid, W_ALU, c, c + 1);
                    } else {
                        self.threads[tid as usize].dma_wait = true;
                        self.block(tid, W_MEM, c);
                    }
                }
                Op::Barrier(scope) => {
                    let pos = self.topo.threads[tid as usize];
                    let g = match scope {
                        Scope::Pipe => pos.pipe as usize,
                        Scope::Core => self.pipes.len() + pos.core as usize,
                        Scope::Global => self.pipes.len() + self.topo.cores as usize,
                    };
                    self.block(tid, W_BARRIER, c);
                    let grp = &mut self.groups[g];
                    grp.waiting.push((tid, c));
                    if grp.waiting.len() as u32 == grp.size {
                        let at = c + grp.release;
                        let w = std::mem::take(&mut grp.waiting);
                        for &(t, _) in &w {
                            self.wheel.push(c, at, Ev::Ready(t));
                        }
                        let grp = &mut self.groups[g];
                        grp.waiting = w;
                        grp.waiting.clear();
                        self.stats.barriers += 1;
                    }
                }
                Op::Done => {
                    self.set_phase(tid, u8::MAX, c);
                    self.threads[tid as usize].done = true;
                    self.done_threads += 1;
                }
            }
            break;
        }
    }

    /// Run to completion with the internal memory backend; returns the end cycle.
    pub fn run_standalone(&mut self) -> Result<u64, MachineError> {
        self.run_cycle(0);
        while let Some(n) = self.next_cycle() {
            self.run_cycle(n);
        }
        if !self.finished() {
            return Err(MachineError::Deadlock {
                cycle: self.now,
                waiting: self.running_threads(),
            });
        }
        Ok(self.end_cycle())
    }

    /// Export the machine's statistics (cycles are those of `end`).
    pub fn export(&self, end: u64, out: &mut StatSet) {
        let cyc = end.max(1) as f64;
        let names = self.kernel.phases();
        let nthreads = self.threads.len() as f64;
        for (i, n) in names.iter().enumerate() {
            let tc = self.stats.phase_thread_cycles[i];
            out.int(
                &format!("phase_{n}_thread_cycles"),
                tc,
                "thread-cycles",
                "Thread-cycles spent in this kernel phase (summed over threads).",
            );
            out.float(
                &format!("phase_{n}_cycles"),
                tc as f64 / nthreads,
                "cycles",
                "Average cycles a thread spent in this phase (thread-cycles / threads).",
            );
            let span = if self.stats.phase_first[i] == u64::MAX {
                0
            } else {
                self.stats.phase_last[i].saturating_sub(self.stats.phase_first[i])
            };
            out.int(
                &format!("phase_{n}_span_cycles"),
                span,
                "cycles",
                "From the first thread entering the phase to the last leaving it.",
            );
        }
        let (mut mtp_i, mut mtp_n, mut stp_i, mut stp_n) = (0u64, 0u64, 0u64, 0u64);
        for p in &self.pipes {
            if p.mtp {
                mtp_i += p.issued;
                mtp_n += 1;
            } else {
                stp_i += p.issued;
                stp_n += 1;
            }
        }
        out.int(
            "instructions",
            self.stats.issued,
            "instr",
            "Instructions issued by all threads.",
        );
        out.float(
            "mtp_utilisation",
            if mtp_n > 0 {
                mtp_i as f64 / (mtp_n as f64 * cyc)
            } else {
                0.0
            },
            "ratio",
            "Issue slots used / available on the multi-threaded pipelines.",
        );
        out.float(
            "stp_utilisation",
            if stp_n > 0 {
                stp_i as f64 / (stp_n as f64 * cyc)
            } else {
                0.0
            },
            "ratio",
            "Issue slots used / available on the single-threaded pipelines.",
        );
        let tcyc = nthreads * cyc;
        out.float(
            "thread_issue_wait_fraction",
            self.stats.issue_wait as f64 / tcyc,
            "ratio",
            "Fraction of thread-cycles a thread was ready but its pipeline issued another thread.",
        );
        for (k, n) in W_NAMES.iter().enumerate() {
            let desc: &'static str = match k {
                0 => "Fraction of thread-cycles waiting for an ALU result.",
                1 => {
                    "Fraction of thread-cycles waiting for a local scratchpad access (bank queueing included)."
                }
                2 => "Fraction of thread-cycles waiting for a remote scratchpad access.",
                3 => "Fraction of thread-cycles waiting for DRAM loads and DMA.",
                _ => "Fraction of thread-cycles waiting at barriers.",
            };
            out.float(
                &format!("thread_wait_{n}_fraction"),
                self.stats.wait[k] as f64 / tcyc,
                "ratio",
                desc,
            );
        }
        let mut s = super::spad::SpadStats::default();
        for sp in &self.spads {
            let t = &sp.stats;
            s.loads += t.loads;
            s.stores += t.stores;
            s.cas += t.cas;
            s.cas_fail += t.cas_fail;
            s.fetch_add += t.fetch_add;
            s.float_add += t.float_add;
            s.conflict_cycles += t.conflict_cycles;
            s.conflicted += t.conflicted;
            s.busy_cycles += t.busy_cycles;
        }
        out.int("spad_loads", s.loads, "ops", "Scratchpad loads.");
        out.int("spad_stores", s.stores, "ops", "Scratchpad stores.");
        out.int(
            "spad_cas",
            s.cas,
            "ops",
            "Scratchpad compare-and-swap operations.",
        );
        out.int(
            "spad_cas_failures",
            s.cas_fail,
            "ops",
            "CAS operations that found another value than expected (lost races or occupied slots).",
        );
        out.int(
            "spad_fetch_adds",
            s.fetch_add,
            "ops",
            "Scratchpad integer fetch-adds.",
        );
        out.int(
            "spad_float_adds",
            s.float_add,
            "ops",
            "Scratchpad floating-point atomic adds.",
        );
        out.int(
            "spad_atomics",
            s.cas + s.fetch_add + s.float_add,
            "ops",
            "All scratchpad atomics (CAS, fetch-add, floating add).",
        );
        out.int(
            "spad_bytes",
            8 * (s.loads + s.stores + s.cas + s.fetch_add + s.float_add),
            "bytes",
            "Scratchpad traffic of thread operations (8 bytes each).",
        );
        out.int(
            "spad_bank_conflict_cycles",
            s.conflict_cycles,
            "cycles",
            "Cycles scratchpad requests waited for a busy bank, summed over requests.",
        );
        out.int(
            "spad_conflicted_requests",
            s.conflicted,
            "ops",
            "Scratchpad requests that found their bank busy.",
        );
        let banks = (self.cfg.spad_banks * self.cfg.cores) as f64;
        out.float(
            "spad_bank_utilisation",
            s.busy_cycles as f64 / (banks * cyc),
            "ratio",
            "Bank-cycles occupied / available, over all scratchpad banks.",
        );
        out.int(
            "remote_spad_ops",
            self.stats.remote_ops,
            "ops",
            "Scratchpad operations on another core's scratchpad (over the network).",
        );
        let d = &self.mem.stats;
        out.int(
            "dram_read_accesses",
            d.read_accesses,
            "ops",
            "DRAM read accesses (thread loads and DMA descriptors).",
        );
        out.int(
            "dram_write_accesses",
            d.write_accesses,
            "ops",
            "DRAM write accesses.",
        );
        out.int(
            "dram_read_bytes",
            d.read_bytes,
            "bytes",
            "Bytes read from DRAM at the access granularity.",
        );
        out.int(
            "dram_write_bytes",
            d.write_bytes,
            "bytes",
            "Bytes written to DRAM at the access granularity.",
        );
        out.int(
            "dram_read_bytes_useful",
            d.read_bytes_useful,
            "bytes",
            "Bytes the reads asked for.",
        );
        out.int(
            "dram_write_bytes_useful",
            d.write_bytes_useful,
            "bytes",
            "Bytes the writes carried.",
        );
        out.int(
            "dram_requests",
            d.requests,
            "ops",
            "Requests handed to the memory after batching.",
        );
        let secs = cyc / (self.cfg.freq_mhz * 1e6);
        out.float(
            "dram_bandwidth_gbps",
            (d.read_bytes + d.write_bytes) as f64 / secs / 1e9,
            "GB/s",
            "DRAM bytes moved per second of the op.",
        );
        out.int(
            "net_bytes",
            self.mem.net_bytes,
            "bytes",
            "Bytes through the cores' network ports.",
        );
        out.int(
            "net_port_wait_cycles",
            self.mem.port_wait_cycles,
            "cycles",
            "Cycles messages waited for a busy core network port.",
        );
        let (mut dd, mut db, mut dq) = (0, 0, 0);
        for x in &self.dmas {
            dd += x.descriptors;
            db += x.bytes;
            dq += x.queue_cycles;
        }
        out.int("dma_descriptors", dd, "ops", "DMA descriptors served.");
        out.int(
            "dma_bytes",
            db,
            "bytes",
            "Bytes moved by DMA engines (before granule rounding).",
        );
        out.int(
            "dma_queue_cycles",
            dq,
            "cycles",
            "Cycles descriptors waited for a busy DMA engine.",
        );
        out.int(
            "barriers",
            self.stats.barriers,
            "ops",
            "Barriers completed.",
        );
        // Energy actions (priced by [energy] <action>_pj; see docs/PIUMA.md).
        let a = crate::stats::energy::ACTIONS;
        let [alu, mem, rd, wr, at] = self.energy_counts();
        out.int(
            ENERGY_ACTIONS[0],
            alu,
            a,
            "ALU instructions issued (energy action: instruction overhead and integer/FP op).",
        );
        out.int(
            ENERGY_ACTIONS[1],
            mem,
            a,
            "Memory and control instructions issued: scratchpad, remote, DRAM, DMA, barrier, done (energy action: instruction overhead; data moves are separate actions).",
        );
        out.int(
            ENERGY_ACTIONS[2],
            rd,
            a,
            "Scratchpad words read: thread loads and DMA reads of staged words (energy action).",
        );
        out.int(
            ENERGY_ACTIONS[3],
            wr,
            a,
            "Scratchpad words written: thread stores and DMA writes into staging buffers (energy action).",
        );
        out.int(
            ENERGY_ACTIONS[4],
            at,
            a,
            "Scratchpad atomics at the banks' atomic units: CAS, fetch-add, floating add (energy action: read, modify, write).",
        );
    }

    /// Counts of the [`ENERGY_ACTIONS`], in that order.
    pub fn energy_counts(&self) -> [u64; 5] {
        let (mut loads, mut stores, mut atomics) = (0, 0, 0);
        for sp in &self.spads {
            let t = &sp.stats;
            loads += t.loads;
            stores += t.stores;
            atomics += t.cas + t.fetch_add + t.float_add;
        }
        [
            self.stats.class[0],
            self.stats.class[1],
            loads + self.stats.dma_spad_read_words,
            stores + self.stats.dma_spad_write_words,
            atomics,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready_ids(v: &[Ev]) -> Vec<u32> {
        v.iter()
            .map(|e| match e {
                Ev::Ready(t) => *t,
                _ => u32::MAX,
            })
            .collect()
    }

    #[test]
    fn wheel_orders_near_and_far_events() {
        let mut w = Wheel::new();
        w.push(0, 5, Ev::Ready(1));
        w.push(0, 5, Ev::Ready(2));
        w.push(0, 4095, Ev::Ready(3));
        w.push(0, 4096, Ev::Ready(4));
        w.push(0, 10_000, Ev::Ready(5));
        assert_eq!(w.next(0), Some(5));
        w.migrate(5);
        let v = w.take(5);
        assert_eq!(ready_ids(&v), vec![1, 2]);
        w.put_back(5, v);
        assert_eq!(w.next(5), Some(4095));
        w.migrate(4095);
        assert_eq!(ready_ids(&w.take(4095)), vec![3]);
        assert_eq!(w.next(4095), Some(4096));
        w.migrate(4096);
        assert_eq!(ready_ids(&w.take(4096)), vec![4]);
        // The far event is found across the wrap of the bucket ring.
        assert_eq!(w.next(4096), Some(10_000));
        w.migrate(10_000);
        assert_eq!(ready_ids(&w.take(10_000)), vec![5]);
        assert!(w.is_empty());
        assert_eq!(w.next(10_000), None);
    }

    #[test]
    fn topology_numbers_threads_core_major() {
        let cfg = PiumaConfig {
            cores: 2,
            ..Default::default()
        };
        let t = Topology::new(&cfg);
        assert_eq!(t.nthreads(), 132);
        assert_eq!(t.pipes.len(), 12);
        // Core 1's first STP thread: 66 + 64.
        let p = t.threads[130];
        assert_eq!((p.core, p.pipe_in_core, p.lane, p.in_core), (1, 4, 0, 64));
        assert_eq!(t.pipes[11], (131, 1));
    }
}
