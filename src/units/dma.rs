//! DMA engine: runs `transfer` ops, copying bytes from one memory region to another.
//!
//! Model: the copy is cut into chunks of `chunk_bytes`; each chunk is read and then written
//! back, with at most `max_outstanding` chunks between their read and the completion of
//! their write (the engine's buffer). There is no compute; the time is whatever the memory
//! needs to serve the reads and writes, which makes this unit a direct probe of the
//! memory model. Uses the shared [`super::stream`] machinery with zero-cycle compute.

use super::stream::{StreamKernel, StreamUnit, Streamer, Tile};
use super::{UnitInfo, UnitKind};
use crate::config::Issue;
use crate::stats::StatSet;
use crate::workload::{Op, OpKind, Workload};
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

/// The DMA-specific part of a [`DmaUnit`]: chunking and the bytes copied.
pub struct DmaKernel {
    cfg: DmaConfig,
    bytes: u64,
}

/// A DMA engine instance.
pub type DmaUnit = StreamUnit<DmaKernel>;

impl DmaUnit {
    /// Engine `idx`.
    pub fn new(idx: usize, cfg: &DmaConfig, work: Arc<Workload>) -> Self {
        let info = UnitInfo {
            kind: UnitKind::Dma,
            name: format!("dma{idx}"),
            freq_mhz: cfg.freq_mhz,
            peak_macs_per_cycle: 0.0,
            area_mm2: 0.0,
            peak_actions_per_cycle: Vec::new(),
        };
        StreamUnit::with_kernel(
            info,
            DmaKernel {
                cfg: cfg.clone(),
                bytes: 0,
            },
            work,
        )
    }
}

impl StreamKernel for DmaKernel {
    fn tiles(&self, o: &Op) -> Vec<Tile> {
        let OpKind::Transfer { bytes } = o.kind else {
            return Vec::new();
        };
        let chunk = self.cfg.chunk_bytes;
        (0..bytes.div_ceil(chunk))
            .map(|i| {
                let off = i * chunk;
                let n = chunk.min(bytes - off);
                Tile {
                    reads: [(o.addrs.a + off, n), (0, 0)],
                    compute_cycles: 0,
                    write: (o.addrs.c + off, n),
                }
            })
            .collect()
    }

    fn depth(&self) -> usize {
        self.cfg.max_outstanding as usize
    }

    fn finished(&mut self, _op: &Op, s: &Streamer) {
        self.bytes += s.bytes_read();
    }

    fn stats(&self, s: &mut StatSet) {
        s.int("bytes_copied", self.bytes, "bytes", "Bytes copied.");
    }
}
