//! Memories: the request/response contract every memory model serves, and its models.
//!
//! A memory component has one port per client (`p0`, `p1`, ...). A client sends a
//! [`MemReq`] for any number of bytes at any address; the memory answers on the same port
//! with one [`MemResp`] carrying the same `id` once the whole request has completed (for a
//! read: the last byte has been returned; for a write: the last byte has been accepted by
//! the device). Requests larger than the memory's transaction size are split inside the
//! memory, so a client never needs to know the transaction size. Responses to different
//! requests may come back in any order; their order is deterministic.
//!
//! Implementations:
//! - [`ideal`]: a fixed latency plus one shared bandwidth pipe (the bound model).
//! - `dram`: JEDEC-timed DRAM channels with FR-FCFS controllers.

pub mod dram;
pub mod ideal;

/// A memory request from a client.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MemReq {
    /// Client-chosen tag, returned in the response.
    pub id: u64,
    /// Byte address of the first byte.
    pub addr: u64,
    /// Number of bytes (at least 1).
    pub bytes: u64,
    /// Write (true) or read (false).
    pub write: bool,
}

/// The completion of a [`MemReq`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MemResp {
    /// The request's tag.
    pub id: u64,
    /// Bytes moved.
    pub bytes: u64,
    /// Whether it was a write.
    pub write: bool,
}

/// Port name of client `i` on a memory component.
pub fn client_port(i: usize) -> String {
    format!("p{i}")
}
