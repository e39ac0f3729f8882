//! The `[piuma]` config section: machine shape, assumed latencies, hash-table and kernel
//! policies.
//!
//! Sources. What is public about PIUMA (`shared/research/anchors-lut-piuma.md` section 3):
//! 8 cores per die, each with 4 multi-threaded pipelines (MTPs) and 2 single-threaded
//! pipelines (STPs) and 66 hardware threads (so 16 threads per MTP), a 4 MB scratchpad per
//! core, DMA / atomic / collective offload engines, a global address space with 8-byte
//! memory and network accesses. Everything else (clock, scratchpad banks and latencies,
//! atomic-unit occupancy, network latency and bandwidth, DMA costs) is proprietary: each
//! such default is marked **[A]** (our assumption, a knob to sweep), never a PIUMA number.

use crate::config::Issue;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `[piuma]` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PiumaConfig {
    /// Core clock in MHz. [A] PIUMA's clock is not public; 1000 MHz assumed.
    #[serde(default = "d_freq")]
    pub freq_mhz: f64,
    /// Cores. Default 8: one PIUMA die (Hot Chips 2023 press).
    #[serde(default = "d_cores")]
    pub cores: u32,
    /// Multi-threaded pipelines per core. Default 4 (HotTiles, HPCA 2023).
    #[serde(default = "d_mtp")]
    pub mtp_per_core: u32,
    /// Hardware threads per MTP (1..=64). Default 16: (66 - 2) / 4, derived from 66 threads per core.
    #[serde(default = "d_tpm")]
    pub threads_per_mtp: u32,
    /// Single-threaded pipelines per core (one thread each). Default 2 (HotTiles).
    #[serde(default = "d_stp")]
    pub stp_per_core: u32,
    /// Cycles from issuing an ALU instruction (add, multiply, hash step, compare) until the
    /// thread may issue again. [A] 1.
    #[serde(default = "d_one")]
    pub alu_latency_cycles: u32,
    /// Scratchpad per core in KiB. Default 4096 (4 MB per core, Hot Chips 2023 press).
    #[serde(default = "d_spad_kib")]
    pub spad_kib: u32,
    /// Scratchpad banks per core, 8-byte words interleaved (bank = word mod banks). [A] 16.
    #[serde(default = "d_banks")]
    pub spad_banks: u32,
    /// Load-to-use cycles of a local scratchpad load or store, bank queueing excluded. [A] 3
    /// (the research notes suggest 2 to 4).
    #[serde(default = "d_spad_lat")]
    pub spad_latency_cycles: u32,
    /// Cycles a plain load or store occupies its bank. [A] 1.
    #[serde(default = "d_one")]
    pub spad_occupancy_cycles: u32,
    /// Load-to-use cycles of a scratchpad atomic (CAS, fetch-add, floating add) at the
    /// bank's atomic unit, queueing excluded. [A] 4 (read, modify, write, reply).
    #[serde(default = "d_atomic_lat")]
    pub spad_atomic_latency_cycles: u32,
    /// Cycles an atomic occupies its bank's atomic unit (read + write). [A] 2.
    #[serde(default = "d_two")]
    pub spad_atomic_occupancy_cycles: u32,
    /// One-way network latency between a core and another core's scratchpad or a memory
    /// controller, in cycles. [A] 20 (PIUMA's on-die mesh latency is not public).
    #[serde(default = "d_net_lat")]
    pub net_latency_cycles: u32,
    /// Bytes per cycle of each core's network port (requests, responses and DMA data are
    /// serialised on it). [A] 32.
    #[serde(default = "d_net_bw")]
    pub net_bytes_per_cycle: u32,
    /// DRAM access granularity in bytes: 8 (PIUMA's fine-grained accesses) or 64 (a
    /// conventional line, for comparison). Every access moves whole granules.
    #[serde(default = "d_gran")]
    pub dram_access_bytes: u32,
    /// Cycles the DMA engine spends on one descriptor before its memory request leaves. [A] 8.
    #[serde(default = "d_dma_setup")]
    pub dma_setup_cycles: u32,
    /// Bytes per cycle the DMA engine writes into or reads from the scratchpad. [A] 32.
    #[serde(default = "d_net_bw")]
    pub dma_spad_bytes_per_cycle: u32,
    /// Cycles per level of a barrier tree; a barrier over `n` participants releases
    /// `2 * ceil(log2 n)` levels after the last arrival (collective engine). [A] 2.
    #[serde(default = "d_two")]
    pub barrier_level_cycles: u32,
    /// Whether DRAM stores are posted (the thread continues after issue; the op ends only
    /// when every write has completed). [A] true.
    #[serde(default = "d_true")]
    pub store_posted: bool,
    /// How DRAM accesses are handed to the memory: `cycle` (all accesses of one direction
    /// issued in one cycle travel as one request of their summed, granule-rounded size) or
    /// `access` (one request per access; slower to simulate, same byte count).
    #[serde(default = "d_batching")]
    pub mem_batching: String,
    /// How kernels read rows of the input matrices: `dma` (the DMA engine copies a row
    /// segment into the thread's scratchpad buffer, then the thread reads it there) or
    /// `load` (one 8-byte-granule DRAM load per index and per value).
    #[serde(default = "d_fetch")]
    pub fetch: String,
    /// Kernel used when an `spgemm` op names none: smash, smash-v2, smash-v3, inner, outer.
    #[serde(default = "d_kernel")]
    pub kernel: String,
    /// Entries (index + value) of each thread's scratchpad staging buffer. [A] 128.
    #[serde(default = "d_buf")]
    pub buffer_entries: u32,
    /// Check each product's nnz and structure against `sprs`'s product (Bank and Douglas'
    /// SMMP) and report the result as the `verify_*` statistics.
    #[serde(default = "d_true")]
    pub verify: bool,
    /// Hash-table policies.
    #[serde(default)]
    pub hash: HashConfig,
}

/// The `[piuma.hash]` table: the scratchpad hash table of SMASH and of the outer-product
/// merge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HashConfig {
    /// Hash function: `multiplicative` (Fibonacci hashing of the key), `mask` (key modulo
    /// the power-of-two table size), `mod_prime` (key modulo the largest prime below the
    /// table size), `xor_fold` (row and column bits folded by xor). [A] multiplicative;
    /// NeuraSim (same author as SMASH) uses column modulo table size, i.e. `mask`.
    #[serde(default = "d_hash_fn")]
    pub func: String,
    /// Probe sequence on a collision: `linear` (step 1), `quadratic` (triangular steps,
    /// visits every slot of a power-of-two table) or `double` (odd step from a second hash).
    #[serde(default = "d_probe")]
    pub probe: String,
    /// Load limit used to size windows: a window's upper bound on distinct keys is at most
    /// `max_load` times the table's slots. [A] 0.5.
    #[serde(default = "d_load")]
    pub max_load: f64,
    /// Smallest table a window uses, in slots (tables are sized per window to the next
    /// power of two of bound / max_load, so that write-back scans only that many). [A] 256.
    #[serde(default = "d_min_slots")]
    pub min_slots: u32,
    /// Rows per work token in `smash-v2` and `smash-v3` (a thread claims this many rows of
    /// the current window with one atomic fetch-add). [A] 1.
    #[serde(default = "d_one")]
    pub token_rows: u32,
}

fn d_freq() -> f64 {
    1000.0
}
fn d_cores() -> u32 {
    8
}
fn d_mtp() -> u32 {
    4
}
fn d_tpm() -> u32 {
    16
}
fn d_stp() -> u32 {
    2
}
fn d_one() -> u32 {
    1
}
fn d_two() -> u32 {
    2
}
fn d_spad_kib() -> u32 {
    4096
}
fn d_banks() -> u32 {
    16
}
fn d_spad_lat() -> u32 {
    3
}
fn d_atomic_lat() -> u32 {
    4
}
fn d_net_lat() -> u32 {
    20
}
fn d_net_bw() -> u32 {
    32
}
fn d_gran() -> u32 {
    8
}
fn d_dma_setup() -> u32 {
    8
}
fn d_true() -> bool {
    true
}
fn d_batching() -> String {
    "cycle".into()
}
fn d_fetch() -> String {
    "dma".into()
}
fn d_kernel() -> String {
    "smash".into()
}
fn d_buf() -> u32 {
    128
}
fn d_hash_fn() -> String {
    "multiplicative".into()
}
fn d_probe() -> String {
    "linear".into()
}
fn d_load() -> f64 {
    0.5
}
fn d_min_slots() -> u32 {
    256
}

impl Default for HashConfig {
    fn default() -> Self {
        HashConfig {
            func: d_hash_fn(),
            probe: d_probe(),
            max_load: d_load(),
            min_slots: d_min_slots(),
            token_rows: 1,
        }
    }
}

impl Default for PiumaConfig {
    fn default() -> Self {
        PiumaConfig {
            freq_mhz: d_freq(),
            cores: d_cores(),
            mtp_per_core: d_mtp(),
            threads_per_mtp: d_tpm(),
            stp_per_core: d_stp(),
            alu_latency_cycles: 1,
            spad_kib: d_spad_kib(),
            spad_banks: d_banks(),
            spad_latency_cycles: d_spad_lat(),
            spad_occupancy_cycles: 1,
            spad_atomic_latency_cycles: d_atomic_lat(),
            spad_atomic_occupancy_cycles: 2,
            net_latency_cycles: d_net_lat(),
            net_bytes_per_cycle: d_net_bw(),
            dram_access_bytes: d_gran(),
            dma_setup_cycles: d_dma_setup(),
            dma_spad_bytes_per_cycle: d_net_bw(),
            barrier_level_cycles: 2,
            store_posted: true,
            mem_batching: d_batching(),
            fetch: d_fetch(),
            kernel: d_kernel(),
            buffer_entries: d_buf(),
            verify: true,
            hash: HashConfig::default(),
        }
    }
}

/// The SpGEMM kernels the unit runs.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KernelKind {
    /// SMASH v1, atomic hashing: static rows, split tag/value slots, one table per core.
    Smash,
    /// SMASH v2, tokenisation: rows claimed as tokens by atomic fetch-add, packed 8-byte
    /// tag+value tokens (one CAS per update).
    SmashV2,
    /// SMASH v3, fragmented memory: v2 with one table fragment per pipeline, on its own
    /// banks, with its own windows and barriers.
    SmashV3,
    /// Inner product (output-stationary dot products of the output entries a symbolic
    /// pass finds), see `inner.rs`.
    Inner,
    /// Outer product (partial-product matrix, then merge), see `outer.rs`.
    Outer,
    /// Textbook inner product: a dot product for every pair of a non-empty row of A and a
    /// non-empty column of B, no symbolic pass (`inner.rs`). Slow to simulate on large
    /// matrices: `rows(A) * cols(B)` pairs.
    InnerAllPairs,
}

impl KernelKind {
    /// Every kernel, in report order.
    pub const ALL: [KernelKind; 6] = [
        KernelKind::Smash,
        KernelKind::SmashV2,
        KernelKind::SmashV3,
        KernelKind::Inner,
        KernelKind::Outer,
        KernelKind::InnerAllPairs,
    ];

    /// Parse a kernel name.
    pub fn parse(s: &str) -> Option<KernelKind> {
        Some(match s {
            "smash" | "smash-v1" => KernelKind::Smash,
            "smash-v2" => KernelKind::SmashV2,
            "smash-v3" => KernelKind::SmashV3,
            "inner" => KernelKind::Inner,
            "outer" => KernelKind::Outer,
            "inner-allpairs" => KernelKind::InnerAllPairs,
            _ => return None,
        })
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self {
            KernelKind::Smash => "smash",
            KernelKind::SmashV2 => "smash-v2",
            KernelKind::SmashV3 => "smash-v3",
            KernelKind::Inner => "inner",
            KernelKind::Outer => "outer",
            KernelKind::InnerAllPairs => "inner-allpairs",
        }
    }
}

/// Names accepted for a kernel, for error messages.
pub const KERNEL_NAMES: &str = "smash, smash-v2, smash-v3, inner, outer, inner-allpairs";

impl PiumaConfig {
    /// Semantic checks, appended to `out` (the config loader's convention).
    pub fn validate(&self, path: &str, out: &mut Vec<Issue>) {
        for (k, m) in self.check(path) {
            out.push(Issue { path: k, msg: m });
        }
    }

    /// Semantic checks; returns `(key path, what was expected)` for every problem.
    pub fn check(&self, path: &str) -> Vec<(String, String)> {
        let mut v = Vec::new();
        let mut bad = |k: &str, m: String| v.push((format!("{path}.{k}"), m));
        if !(self.freq_mhz.is_finite() && self.freq_mhz > 0.0) {
            bad("freq_mhz", "expected a positive frequency in MHz".into());
        }
        if self.cores == 0 || self.cores > 4096 {
            bad("cores", "expected 1..=4096".into());
        }
        if self.mtp_per_core + self.stp_per_core == 0 {
            bad(
                "mtp_per_core",
                "expected at least one pipeline per core".into(),
            );
        }
        if self.mtp_per_core > 0 && !(1..=64).contains(&self.threads_per_mtp) {
            bad("threads_per_mtp", "expected 1..=64".into());
        }
        if self.mtp_per_core + self.stp_per_core > 64 {
            bad(
                "mtp_per_core",
                "expected at most 64 pipelines per core".into(),
            );
        }
        if self.spad_kib == 0 {
            bad("spad_kib", "expected a positive size".into());
        }
        if self.spad_banks == 0 || !self.spad_banks.is_power_of_two() {
            bad("spad_banks", "expected a power of two".into());
        }
        for (k, x) in [
            ("alu_latency_cycles", self.alu_latency_cycles),
            ("spad_latency_cycles", self.spad_latency_cycles),
            ("spad_occupancy_cycles", self.spad_occupancy_cycles),
            (
                "spad_atomic_latency_cycles",
                self.spad_atomic_latency_cycles,
            ),
            (
                "spad_atomic_occupancy_cycles",
                self.spad_atomic_occupancy_cycles,
            ),
            ("net_latency_cycles", self.net_latency_cycles),
            ("net_bytes_per_cycle", self.net_bytes_per_cycle),
            ("dma_spad_bytes_per_cycle", self.dma_spad_bytes_per_cycle),
            ("buffer_entries", self.buffer_entries),
        ] {
            if x == 0 {
                bad(k, "expected at least 1".into());
            }
        }
        if !matches!(self.dram_access_bytes, 8 | 16 | 32 | 64 | 128) {
            bad(
                "dram_access_bytes",
                "expected one of 8, 16, 32, 64, 128".into(),
            );
        }
        if !matches!(self.mem_batching.as_str(), "cycle" | "access") {
            bad("mem_batching", "expected one of cycle, access".into());
        }
        if !matches!(self.fetch.as_str(), "dma" | "load") {
            bad("fetch", "expected one of dma, load".into());
        }
        if KernelKind::parse(&self.kernel).is_none() {
            bad("kernel", format!("expected one of {KERNEL_NAMES}"));
        }
        let h = &self.hash;
        if !matches!(
            h.func.as_str(),
            "multiplicative" | "mask" | "mod_prime" | "xor_fold"
        ) {
            bad(
                "hash.func",
                "expected one of multiplicative, mask, mod_prime, xor_fold".into(),
            );
        }
        if !matches!(h.probe.as_str(), "linear" | "quadratic" | "double") {
            bad(
                "hash.probe",
                "expected one of linear, quadratic, double".into(),
            );
        }
        if !(h.max_load.is_finite() && h.max_load > 0.0 && h.max_load <= 1.0) {
            bad("hash.max_load", "expected a fraction in (0, 1]".into());
        }
        if h.min_slots < 2 || !h.min_slots.is_power_of_two() {
            bad(
                "hash.min_slots",
                "expected a power of two of at least 2".into(),
            );
        }
        if h.token_rows == 0 {
            bad("hash.token_rows", "expected at least 1".into());
        }
        v
    }

    /// Threads per core (MTP threads plus one per STP).
    pub fn threads_per_core(&self) -> u32 {
        self.mtp_per_core * self.threads_per_mtp + self.stp_per_core
    }

    /// Scratchpad words (8 bytes) per core.
    pub fn spad_words(&self) -> u64 {
        self.spad_kib as u64 * 1024 / 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_unknown_keys_are_rejected() {
        assert!(PiumaConfig::default().check("piuma").is_empty());
        let c: PiumaConfig = toml::from_str("cores = 2\n[hash]\nfunc = \"mask\"\n").unwrap();
        assert_eq!(c.cores, 2);
        assert_eq!(c.hash.func, "mask");
        assert!(toml::from_str::<PiumaConfig>("corez = 2\n").is_err());
        let c = PiumaConfig {
            spad_banks: 12,
            fetch: "x".into(),
            ..Default::default()
        };
        let p = c.check("piuma");
        assert!(p.iter().any(|(k, _)| k == "piuma.spad_banks"));
        assert!(
            p.iter()
                .any(|(k, m)| k == "piuma.fetch" && m.contains("dma, load"))
        );
    }
}
