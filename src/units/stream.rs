//! A tile streamer: load tiles into a buffer ahead of compute, compute them one at a time,
//! write results back, with `depth` input and `depth` output buffer slots
//! (`depth = 2` is classic double buffering).
//!
//! Timing rules (each an event, nothing per cycle):
//! - Tile `i`'s loads are issued as soon as an input slot is free (at most `depth` tiles
//!   loaded or loading ahead of the compute pointer).
//! - Tile `i` computes when its loads have all returned, the previous tile's compute has
//!   finished, and an output slot is free; it takes its `compute_cycles` of the unit clock.
//! - When it finishes, its input slot is freed (the next load is issued) and its write is
//!   issued; the output slot is freed when the write completes.
//!
//! The op's time splits into compute cycles (the sum of the tiles' compute) and memory
//! stall cycles (everything else: the first load, waits for late data or a full output
//! buffer, and the last write).

use crate::arch::Msg;
use crate::engine::{Ctx, PortId, Tick};
use crate::mem::MemReq;

/// One tile: up to two reads, a compute time, one write.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Tile {
    /// `(address, bytes)` reads; zero bytes means none.
    pub reads: [(u64, u64); 2],
    /// Unit cycles of compute.
    pub compute_cycles: u64,
    /// `(address, bytes)` write; zero bytes means none.
    pub write: (u64, u64),
}

/// The streamer's state for one op.
#[derive(Debug, Default)]
pub struct Streamer {
    tiles: Vec<Tile>,
    pending_reads: Vec<u8>,
    depth: usize,
    next_load: usize,
    next_compute: usize,
    computing: Option<usize>,
    compute_end: Tick,
    outputs_in_flight: usize,
    written: usize,
    start: Tick,
    compute_cycles: u64,
    bytes_read: u64,
    bytes_written: u64,
    port: u16,
    id_base: u64,
}

/// Request ids: `id_base + tile * 4 + slot` (slots 0, 1 read; 2 write).
const SLOTS: u64 = 4;

impl Streamer {
    /// Start streaming `tiles` with `depth` buffer slots, sending memory requests on `port`
    /// with ids from `id_base` up. Returns true if there was nothing to do.
    pub fn start(
        &mut self,
        tiles: Vec<Tile>,
        depth: usize,
        port: PortId,
        id_base: u64,
        cx: &mut Ctx<'_, Msg>,
    ) -> bool {
        *self = Streamer {
            pending_reads: vec![0; tiles.len()],
            tiles,
            depth: depth.max(1),
            start: cx.now(),
            port: port.0,
            id_base,
            ..Default::default()
        };
        self.pump(cx);
        self.done()
    }

    /// When the op started.
    pub fn started(&self) -> Tick {
        self.start
    }

    /// Sum of the tiles' compute cycles.
    pub fn compute_cycles(&self) -> u64 {
        self.compute_cycles
    }

    /// Bytes read.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Bytes written.
    pub fn bytes_written(&self) -> u64 {
        self.bytes_written
    }

    /// Whether every tile has been computed and written.
    pub fn done(&self) -> bool {
        self.written == self.tiles.len() && self.computing.is_none()
    }

    /// Whether a response id belongs to this streamer's current op.
    pub fn owns(&self, id: u64) -> bool {
        id >= self.id_base && id < self.id_base + SLOTS * self.tiles.len() as u64
    }

    /// A memory response arrived. Returns true when the op is complete.
    pub fn on_resp(&mut self, id: u64, cx: &mut Ctx<'_, Msg>) -> bool {
        let rel = id - self.id_base;
        let (tile, slot) = ((rel / SLOTS) as usize, rel % SLOTS);
        if slot < 2 {
            self.pending_reads[tile] -= 1;
        } else {
            self.outputs_in_flight -= 1;
            self.written += 1;
        }
        self.pump(cx);
        self.done()
    }

    /// The unit's wake-up: the tile in compute may have finished. Returns true when the
    /// op is complete.
    pub fn on_wake(&mut self, cx: &mut Ctx<'_, Msg>) -> bool {
        self.pump(cx);
        self.done()
    }

    /// Advance as far as possible at the current time.
    fn pump(&mut self, cx: &mut Ctx<'_, Msg>) {
        loop {
            let mut progress = false;
            // Finish the tile in compute if its time has come.
            if let Some(i) = self.computing
                && cx.now() >= self.compute_end
            {
                self.computing = None;
                self.next_compute = i + 1;
                let (addr, bytes) = self.tiles[i].write;
                if bytes > 0 {
                    self.outputs_in_flight += 1;
                    self.bytes_written += bytes;
                    cx.send(
                        PortId(self.port),
                        Msg::MemReq(MemReq {
                            id: self.id_base + i as u64 * SLOTS + 2,
                            addr,
                            bytes,
                            write: true,
                        }),
                    );
                } else {
                    self.written += 1;
                }
                progress = true;
            }
            // Issue loads into free input slots.
            let busy_in = self.next_load - self.next_compute;
            if self.next_load < self.tiles.len() && busy_in < self.depth {
                let i = self.next_load;
                self.next_load += 1;
                for (slot, (addr, bytes)) in self.tiles[i].reads.into_iter().enumerate() {
                    if bytes > 0 {
                        self.pending_reads[i] += 1;
                        self.bytes_read += bytes;
                        cx.send(
                            PortId(self.port),
                            Msg::MemReq(MemReq {
                                id: self.id_base + i as u64 * SLOTS + slot as u64,
                                addr,
                                bytes,
                                write: false,
                            }),
                        );
                    }
                }
                progress = true;
            }
            // Start the next compute.
            let i = self.next_compute;
            if self.computing.is_none()
                && i < self.next_load
                && self.pending_reads[i] == 0
                && self.outputs_in_flight < self.depth
            {
                let c = self.tiles[i].compute_cycles;
                self.compute_cycles += c;
                self.computing = Some(i);
                let end_cycle = cx.cycle() + c;
                self.compute_end = cx.clock().tick_of(end_cycle);
                if c > 0 {
                    cx.wake_at(end_cycle);
                }
                progress = true;
            }
            if !progress {
                break;
            }
        }
        // Re-arm the compute-end wake-up: a compute started while an earlier wake-up was
        // pending did not register its own (the engine keeps only the earliest), and the
        // contract is that a woken component asks again for what it still needs.
        if self.computing.is_some() && self.compute_end > cx.now() {
            cx.wake_at_tick(self.compute_end);
        }
    }
}

/// What a unit kind built on the streamer provides: how an op becomes tiles, and the
/// kind's own counters. [`StreamUnit`] does the rest (the component, the scheduler and
/// memory protocol, busy time, the op report).
pub trait StreamKernel: 'static {
    /// Tiles of `op` (an op of a kind the unit supports).
    fn tiles(&self, op: &crate::workload::Op) -> Vec<Tile>;
    /// Buffer slots per direction.
    fn depth(&self) -> usize;
    /// Useful MACs of `op`.
    fn macs(&self, _op: &crate::workload::Op) -> u64 {
        0
    }
    /// Count a finished op in the kind's own statistics.
    fn finished(&mut self, op: &crate::workload::Op, s: &Streamer);
    /// The kind's own statistics.
    fn stats(&self, s: &mut crate::stats::StatSet);
}

/// A unit that runs every op through a [`Streamer`]: the vector unit and the DMA engines.
pub struct StreamUnit<K> {
    info: super::UnitInfo,
    kernel: K,
    work: std::sync::Arc<crate::workload::Workload>,
    op: Option<u32>,
    stream: Streamer,
    ops_done: u64,
    busy_cycles: u64,
    compute_cycles: u64,
}

impl<K: StreamKernel> StreamUnit<K> {
    /// A unit described by `info` running `kernel` on ops of `work`.
    pub fn with_kernel(
        info: super::UnitInfo,
        kernel: K,
        work: std::sync::Arc<crate::workload::Workload>,
    ) -> Self {
        StreamUnit {
            info,
            kernel,
            work,
            op: None,
            stream: Streamer::default(),
            ops_done: 0,
            busy_cycles: 0,
            compute_cycles: 0,
        }
    }

    /// Static information for the scheduler and reports.
    pub fn info(&self) -> &super::UnitInfo {
        &self.info
    }

    /// The kind-specific part.
    pub fn kernel(&self) -> &K {
        &self.kernel
    }

    fn finish(&mut self, cx: &mut Ctx<'_, Msg>) {
        let Some(op) = self.op.take() else { return };
        let o = &self.work.ops[op as usize];
        let start = self.stream.started();
        let compute = self.stream.compute_cycles();
        let macs = self.kernel.macs(o);
        self.kernel.finished(o, &self.stream);
        let cycles = super::report_done(
            cx,
            op,
            start,
            macs,
            self.stream.bytes_read(),
            self.stream.bytes_written(),
            compute,
        );
        self.ops_done += 1;
        self.busy_cycles += cycles;
        self.compute_cycles += compute;
    }
}

impl<K: StreamKernel> crate::engine::Component<Msg> for StreamUnit<K> {
    fn name(&self) -> &str {
        &self.info.name
    }

    fn ports(&self) -> Vec<String> {
        super::unit_ports()
    }

    fn on_message(&mut self, port: PortId, msg: Msg, cx: &mut Ctx<'_, Msg>) {
        match (port, msg) {
            (super::CTL, Msg::Issue { op }) => {
                debug_assert!(self.op.is_none(), "the scheduler issued to a busy unit");
                self.op = Some(op);
                let tiles = self.kernel.tiles(&self.work.ops[op as usize]);
                let depth = self.kernel.depth();
                if self
                    .stream
                    .start(tiles, depth, super::MEM, (op as u64) << 32, cx)
                {
                    self.finish(cx);
                }
            }
            (super::MEM, Msg::MemResp(r)) if self.stream.owns(r.id) => {
                let done = self.stream.on_resp(r.id, cx);
                if done {
                    self.finish(cx);
                }
            }
            _ => {}
        }
    }

    fn on_wake(&mut self, cx: &mut Ctx<'_, Msg>) {
        if self.op.is_some() && self.stream.on_wake(cx) {
            self.finish(cx);
        }
    }

    fn waiting_for(&self) -> Option<String> {
        self.op
            .map(|o| format!("op `{}` in progress", self.work.ops[o as usize].id))
    }

    fn stats(&self, s: &mut crate::stats::StatSet) {
        s.int("ops", self.ops_done, "ops", "Ops completed.");
        s.int(
            "busy_cycles",
            self.busy_cycles,
            "cycles",
            "Cycles with an op in progress.",
        );
        s.int(
            "compute_cycles",
            self.compute_cycles,
            "cycles",
            "Cycles the datapath computed.",
        );
        self.kernel.stats(s);
    }
}
