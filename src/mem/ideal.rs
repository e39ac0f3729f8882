//! Ideal memory: a fixed access latency plus one bandwidth pipe shared by every client.
//!
//! Model: requests are served in arrival order. A request of `b` bytes that arrives at
//! time `t` occupies the pipe from `max(t, pipe free)` for `b / bw` ns; its response leaves
//! `latency_ns` after that. The links to and from the clients add one cycle of the
//! receiving clock each way (the engine's minimum). There are no banks, rows, refresh or
//! queue limits, so this is a bound (what a perfect memory with this latency and
//! bandwidth would do), not a DRAM model; use `kind = "dram"` for that.

use crate::arch::Msg;
use crate::config::Issue;
use crate::engine::{Component, Ctx, PortId, Tick};
use crate::mem::{MemReq, MemResp};
use crate::stats::StatSet;
use crate::stats::series::Series;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Settings of the ideal memory.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdealMemConfig {
    /// Access latency in ns, added after a request's bytes have crossed the pipe.
    /// Default: 50 ns, an assumption: about the idle read latency of an HBM2 device
    /// (tRCD + tCL + burst = 32 ns at 1 GHz, JESD235) plus controller and PHY.
    #[serde(default = "d_latency")]
    #[schemars(range(min = 0.0, max = 1.0e9))]
    pub latency_ns: f64,
    /// Bandwidth of the shared pipe in GB/s (10^9 bytes per second).
    /// Default: 256 GB/s, one HBM2 stack: 1024 pins at 2 Gb/s (JESD235A).
    #[serde(default = "d_bw")]
    #[schemars(range(min = 0.001, max = 1.0e6))]
    pub bw_gbps: f64,
    /// Clock of the memory interface in MHz; responses leave on its edges.
    /// Default: 1000.
    #[serde(default = "d_freq")]
    #[schemars(range(min = 1.0, max = 100000.0))]
    pub freq_mhz: f64,
}

fn d_latency() -> f64 {
    50.0
}
fn d_bw() -> f64 {
    256.0
}
fn d_freq() -> f64 {
    1000.0
}

impl Default for IdealMemConfig {
    fn default() -> Self {
        IdealMemConfig {
            latency_ns: d_latency(),
            bw_gbps: d_bw(),
            freq_mhz: d_freq(),
        }
    }
}

impl IdealMemConfig {
    /// Semantic checks (the schema already bounds each value).
    pub fn validate(&self, _path: &str, _out: &mut Vec<Issue>) {}
}

/// The ideal memory component (ports `p0`..`p{n-1}`).
pub struct IdealMemory {
    name: String,
    ports: usize,
    latency: Tick,
    /// Femtoseconds per byte.
    fs_per_byte: f64,
    pipe_free: Tick,
    /// Pending responses: (ready tick, sequence, port, response).
    pending: BinaryHeap<Reverse<(Tick, u64, u16, RespKey)>>,
    seq: u64,
    bytes_read: u64,
    bytes_written: u64,
    reads: u64,
    writes: u64,
    busy: Tick,
    peak_gbps: f64,
    /// Bytes through the pipe over time (GB/s), for the timeline.
    bw_series: Series,
    /// Requests accepted and not yet answered, over time, for the timeline.
    queue_series: Series,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct RespKey {
    id: u64,
    bytes: u64,
    write: bool,
}

impl IdealMemory {
    /// A memory with `ports` client ports.
    pub fn new(name: &str, cfg: &IdealMemConfig, ports: usize) -> Self {
        IdealMemory {
            name: name.to_string(),
            ports,
            latency: Tick::from_ns(cfg.latency_ns),
            fs_per_byte: 1e6 / cfg.bw_gbps,
            pipe_free: Tick::ZERO,
            pending: BinaryHeap::new(),
            seq: 0,
            bytes_read: 0,
            bytes_written: 0,
            reads: 0,
            writes: 0,
            busy: Tick::ZERO,
            peak_gbps: cfg.bw_gbps,
            bw_series: Series::rate("bandwidth", "GB/s", 1.0),
            queue_series: Series::level("outstanding requests", "requests"),
        }
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.bytes_written
    }

    /// Peak bandwidth in GB/s.
    pub fn peak_gbps(&self) -> f64 {
        self.peak_gbps
    }
}

impl Component<Msg> for IdealMemory {
    fn name(&self) -> &str {
        &self.name
    }

    fn ports(&self) -> Vec<String> {
        (0..self.ports).map(crate::mem::client_port).collect()
    }

    fn on_message(&mut self, port: PortId, msg: Msg, cx: &mut Ctx<'_, Msg>) {
        let Msg::MemReq(MemReq {
            id, bytes, write, ..
        }) = msg
        else {
            return;
        };
        let start = cx.now().max(self.pipe_free);
        let xfer = Tick((bytes as f64 * self.fs_per_byte).round() as u64);
        self.pipe_free = start.saturating_add(xfer);
        self.bw_series.add(start, self.pipe_free, bytes as f64);
        self.busy = self.busy.saturating_add(xfer);
        let ready = self.pipe_free.saturating_add(self.latency);
        if write {
            self.writes += 1;
            self.bytes_written += bytes;
        } else {
            self.reads += 1;
            self.bytes_read += bytes;
        }
        self.pending.push(Reverse((
            ready,
            self.seq,
            port.0,
            RespKey { id, bytes, write },
        )));
        self.seq += 1;
        self.queue_series.set(cx.now(), self.pending.len() as f64);
        if let Some(Reverse((t, ..))) = self.pending.peek() {
            cx.wake_at_tick(*t);
        }
    }

    fn on_wake(&mut self, cx: &mut Ctx<'_, Msg>) {
        while let Some(Reverse((t, _, port, r))) = self.pending.peek().copied() {
            if t > cx.now() {
                cx.wake_at_tick(t);
                break;
            }
            self.pending.pop();
            cx.send(
                PortId(port),
                Msg::MemResp(MemResp {
                    id: r.id,
                    bytes: r.bytes,
                    write: r.write,
                }),
            );
        }
        self.queue_series.set(cx.now(), self.pending.len() as f64);
    }

    fn waiting_for(&self) -> Option<String> {
        (!self.pending.is_empty()).then(|| format!("{} responses to send", self.pending.len()))
    }

    fn stats(&self, s: &mut StatSet) {
        s.int("reads", self.reads, "requests", "Read requests served.");
        s.int("writes", self.writes, "requests", "Write requests served.");
        s.int("bytes_read", self.bytes_read, "bytes", "Bytes read.");
        s.int(
            "bytes_written",
            self.bytes_written,
            "bytes",
            "Bytes written.",
        );
        s.float(
            "pipe_busy_ns",
            self.busy.as_ns(),
            "ns",
            "Time the bandwidth pipe was transferring data.",
        );
        s.float("peak_gbps", self.peak_gbps, "GB/s", "Configured bandwidth.");
        s.int(
            "mem_read_byte",
            self.bytes_read,
            crate::stats::energy::ACTIONS,
            "Bytes read (energy action).",
        );
        s.int(
            "mem_write_byte",
            self.bytes_written,
            crate::stats::energy::ACTIONS,
            "Bytes written (energy action).",
        );
        s.add_series(self.bw_series.clone());
        s.add_series(self.queue_series.clone());
    }
}
