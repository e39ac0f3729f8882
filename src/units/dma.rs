//! DMA engine: runs `transfer` ops, copying bytes from one memory region to another.
//!
//! Model: the copy is cut into chunks of `chunk_bytes`; each chunk is read and then written
//! back, with at most `max_outstanding` chunks between their read and the completion of
//! their write (the engine's buffer). There is no compute; the time is whatever the memory
//! needs to serve the reads and writes, which makes this unit a direct probe of the
//! memory model. Uses the shared [`super::stream`] machinery with zero-cycle compute.

use super::stream::{Streamer, Tile};
use super::{CTL, MEM, UnitInfo, UnitKind};
use crate::arch::{Msg, OpReport};
use crate::config::Issue;
use crate::engine::{Component, Ctx, PortId};
use crate::stats::StatSet;
use crate::workload::{OpKind, Workload};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Settings of the DMA engines.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DmaConfig {
    /// Number of DMA engines (each runs one transfer at a time). Default: 1.
    #[serde(default = "d_count")]
    #[schemars(range(min = 1, max = 1024))]
    pub count: u32,
    /// Clock in MHz. Default: 1000 (assumption).
    #[serde(default = "d_freq")]
    #[schemars(range(min = 1.0, max = 100000.0))]
    pub freq_mhz: f64,
    /// Bytes per chunk. Default: 4096 (assumption: a page-sized descriptor).
    #[serde(default = "d_chunk")]
    #[schemars(range(min = 1, max = 1073741824))]
    pub chunk_bytes: u64,
    /// Chunks in flight at once (buffer slots). Default: 8 (assumption).
    #[serde(default = "d_out")]
    #[schemars(range(min = 1, max = 65536))]
    pub max_outstanding: u32,
}

fn d_count() -> u32 {
    1
}
fn d_freq() -> f64 {
    1000.0
}
fn d_chunk() -> u64 {
    4096
}
fn d_out() -> u32 {
    8
}

impl Default for DmaConfig {
    fn default() -> Self {
        DmaConfig {
            count: d_count(),
            freq_mhz: d_freq(),
            chunk_bytes: d_chunk(),
            max_outstanding: d_out(),
        }
    }
}

impl DmaConfig {
    /// Semantic checks (the schema bounds each value).
    pub fn validate(&self, _path: &str, _out: &mut Vec<Issue>) {}
}

/// A DMA engine instance.
pub struct DmaUnit {
    info: UnitInfo,
    cfg: DmaConfig,
    work: Arc<Workload>,
    op: Option<u32>,
    stream: Streamer,
    ops_done: u64,
    busy_cycles: u64,
    bytes: u64,
}

impl DmaUnit {
    /// Engine `idx`.
    pub fn new(idx: usize, cfg: &DmaConfig, work: Arc<Workload>) -> Self {
        DmaUnit {
            info: UnitInfo {
                kind: UnitKind::Dma,
                name: format!("dma{idx}"),
                freq_mhz: cfg.freq_mhz,
                peak_macs_per_cycle: 0.0,
                area_mm2: 0.0,
                peak_actions_per_cycle: Vec::new(),
            },
            cfg: cfg.clone(),
            work,
            op: None,
            stream: Streamer::default(),
            ops_done: 0,
            busy_cycles: 0,
            bytes: 0,
        }
    }

    /// Static information for the scheduler and reports.
    pub fn info(&self) -> &UnitInfo {
        &self.info
    }

    fn finish(&mut self, cx: &mut Ctx<'_, Msg>) {
        let Some(op) = self.op.take() else { return };
        let start = self.stream.started();
        let clock = cx.clock();
        let cycles = clock.cycle_at_or_before(cx.now()).0 - clock.cycle_at_or_before(start).0;
        self.ops_done += 1;
        self.busy_cycles += cycles;
        self.bytes += self.stream.bytes_read();
        cx.send(
            CTL,
            Msg::Done(Box::new(OpReport {
                op,
                start,
                end: cx.now(),
                macs: 0,
                bytes_read: self.stream.bytes_read(),
                bytes_written: self.stream.bytes_written(),
                compute_cycles: 0,
                mem_stall_cycles: cycles,
            })),
        );
    }
}

impl Component<Msg> for DmaUnit {
    fn name(&self) -> &str {
        &self.info.name
    }

    fn ports(&self) -> Vec<String> {
        super::unit_ports()
    }

    fn on_message(&mut self, port: PortId, msg: Msg, cx: &mut Ctx<'_, Msg>) {
        match (port, msg) {
            (CTL, Msg::Issue { op }) => {
                self.op = Some(op);
                let o = &self.work.ops[op as usize];
                let OpKind::Transfer { bytes } = o.kind else {
                    return;
                };
                let chunk = self.cfg.chunk_bytes;
                let tiles: Vec<Tile> = (0..bytes.div_ceil(chunk))
                    .map(|i| {
                        let off = i * chunk;
                        let n = chunk.min(bytes - off);
                        Tile {
                            reads: [(o.addrs.a + off, n), (0, 0)],
                            compute_cycles: 0,
                            write: (o.addrs.c + off, n),
                        }
                    })
                    .collect();
                let depth = self.cfg.max_outstanding as usize;
                if self.stream.start(tiles, depth, MEM, (op as u64) << 32, cx) {
                    self.finish(cx);
                }
            }
            (MEM, Msg::MemResp(r)) if self.stream.owns(r.id) => {
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
            .map(|o| format!("transfer `{}` in progress", self.work.ops[o as usize].id))
    }

    fn stats(&self, s: &mut StatSet) {
        s.int("ops", self.ops_done, "ops", "Transfers completed.");
        s.int(
            "busy_cycles",
            self.busy_cycles,
            "cycles",
            "Cycles with a transfer in progress.",
        );
        s.int("bytes_copied", self.bytes, "bytes", "Bytes copied.");
    }
}
