//! The architecture layer: the closed message enum every component exchanges, and the
//! factory that turns a validated config and a workload into a ready simulator.

use crate::engine::{Message, Tick};
use crate::mem::{MemReq, MemResp};

/// Every message a component of xpusim can send.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// Scheduler to unit: start op `op` (index into the workload).
    Issue {
        /// Op index.
        op: u32,
    },
    /// Unit to scheduler: an op finished.
    Done(Box<OpReport>),
    /// Client to memory.
    MemReq(MemReq),
    /// Memory to client.
    MemResp(MemResp),
}

impl Message for Msg {
    fn bytes(&self) -> u64 {
        match self {
            Msg::MemReq(r) if r.write => r.bytes,
            Msg::MemResp(r) if !r.write => r.bytes,
            _ => 0,
        }
    }
}

/// What a unit reports when an op finishes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpReport {
    /// Op index.
    pub op: u32,
    /// When the unit started the op.
    pub start: Tick,
    /// When the op's last result was written.
    pub end: Tick,
    /// Multiply-accumulates performed (useful work, not padding).
    pub macs: u64,
    /// Bytes read from memory.
    pub bytes_read: u64,
    /// Bytes written to memory.
    pub bytes_written: u64,
    /// Unit cycles spent computing.
    pub compute_cycles: u64,
    /// Unit cycles the compute pipeline waited for memory.
    pub mem_stall_cycles: u64,
}
