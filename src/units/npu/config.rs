//! The `[npu]` config section.

use super::mapping::Dataflow;
use crate::config::Issue;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How an NPU core times a GEMM.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Timing {
    /// What hardware does: a fold's drain overlaps the next fold's fill, the DMA prefetches
    /// tiles ahead of compute through the memory port, and the memory model decides when data
    /// arrives (see `docs/NPU.md`).
    Physical,
    /// SCALE-Sim 3.0.0's timing, reproduced exactly: folds serialised, its fixed-bandwidth
    /// DRAM pipe and its prefetch-on-miss SRAM model (bandwidths `scalesim_*_bw_words`).
    Scalesim,
}

/// Settings of the NPU: `cores` identical cores, each a unit the scheduler can use in
/// parallel, each with `arrays_per_core` systolic arrays of `rows × cols` PEs sharing the
/// core's three SRAMs and its DMA.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NpuConfig {
    /// Number of NPU cores (separate units, one op at a time each). Default: 1.
    #[serde(default = "d_one")]
    #[schemars(range(min = 1, max = 4096))]
    pub cores: u32,
    /// Systolic arrays per core; the folds of an op are dealt to them round-robin and they
    /// compute in parallel. Default: 1.
    #[serde(default = "d_one")]
    #[schemars(range(min = 1, max = 1024))]
    pub arrays_per_core: u32,
    /// PE rows per array (R). Default: 128, as TPU v2/v3 cores (Norrie et al., IEEE Micro 2021).
    #[serde(default = "d_dim")]
    #[schemars(range(min = 1, max = 65536))]
    pub rows: u32,
    /// PE columns per array (C). Default: 128.
    #[serde(default = "d_dim")]
    #[schemars(range(min = 1, max = 65536))]
    pub cols: u32,
    /// Dataflow: `os` (output stationary), `ws` (weight stationary) or `is` (input
    /// stationary). Default: `ws`, as the TPU (Jouppi et al., ISCA 2017).
    #[serde(default = "d_df")]
    pub dataflow: Dataflow,
    /// Core clock in MHz. Default: 940, TPU v3 (Norrie et al. 2021).
    #[serde(default = "d_freq")]
    #[schemars(range(min = 1.0, max = 100000.0))]
    pub freq_mhz: f64,
    /// Bytes per SRAM/DRAM word for every operand. Absent: each op's own element widths (its
    /// `dtype`, and `wbits` for weights). SCALE-Sim fixes 1.
    pub word_bytes: Option<u32>,
    /// IFMAP (A, activations) SRAM per core in KiB, double-buffered. Default: 512 (assumption).
    #[serde(default = "d_sram")]
    #[schemars(range(min = 1, max = 16777216))]
    pub ifmap_sram_kib: u32,
    /// FILTER (B, weights) SRAM per core in KiB, double-buffered. Default: 512 (assumption).
    #[serde(default = "d_sram")]
    #[schemars(range(min = 1, max = 16777216))]
    pub filter_sram_kib: u32,
    /// OFMAP (C, outputs and partial sums) SRAM per core in KiB. Default: 512 (assumption).
    #[serde(default = "d_sram")]
    #[schemars(range(min = 1, max = 16777216))]
    pub ofmap_sram_kib: u32,
    /// Bytes of one partial sum kept in the OFMAP SRAM between the K folds of WS/IS.
    /// Default: 4 (fp32 accumulators, as the TPU's 32-bit accumulators).
    #[serde(default = "d_acc")]
    #[schemars(range(min = 1, max = 16))]
    pub acc_bytes: u32,
    /// Timing mode. Default: `physical`.
    #[serde(default = "d_timing")]
    pub timing: Timing,
    /// `scalesim` mode: IFMAP DRAM fill bandwidth in words/cycle (SCALE-Sim v3
    /// `IfmapSRAMBankBandwidth`). Default: 10, SCALE-Sim's sample configs.
    #[serde(default = "d_bw")]
    #[schemars(range(min = 1, max = 1048576))]
    pub scalesim_ifmap_bw_words: u32,
    /// `scalesim` mode: FILTER DRAM fill bandwidth in words/cycle (`FilterSRAMBankBandwidth`).
    /// Default: 10.
    #[serde(default = "d_bw")]
    #[schemars(range(min = 1, max = 1048576))]
    pub scalesim_filter_bw_words: u32,
    /// `scalesim` mode: OFMAP drain bandwidth in words/cycle (`Bandwidth`). Default: 10.
    #[serde(default = "d_bw")]
    #[schemars(range(min = 1, max = 1048576))]
    pub scalesim_ofmap_bw_words: u32,
}

fn d_one() -> u32 {
    1
}
fn d_dim() -> u32 {
    128
}
fn d_df() -> Dataflow {
    Dataflow::Ws
}
fn d_freq() -> f64 {
    940.0
}
fn d_sram() -> u32 {
    512
}
fn d_acc() -> u32 {
    4
}
fn d_timing() -> Timing {
    Timing::Physical
}
fn d_bw() -> u32 {
    10
}

impl Default for NpuConfig {
    fn default() -> Self {
        NpuConfig {
            cores: 1,
            arrays_per_core: 1,
            rows: d_dim(),
            cols: d_dim(),
            dataflow: d_df(),
            freq_mhz: d_freq(),
            word_bytes: None,
            ifmap_sram_kib: d_sram(),
            filter_sram_kib: d_sram(),
            ofmap_sram_kib: d_sram(),
            acc_bytes: d_acc(),
            timing: d_timing(),
            scalesim_ifmap_bw_words: d_bw(),
            scalesim_filter_bw_words: d_bw(),
            scalesim_ofmap_bw_words: d_bw(),
        }
    }
}

impl NpuConfig {
    /// Semantic checks that involve several keys.
    pub fn validate(&self, path: &str, out: &mut Vec<Issue>) {
        if let Some(w) = self.word_bytes
            && !(1..=16).contains(&w)
        {
            out.push(Issue::new(
                &format!("{path}.word_bytes"),
                format!("{w}: expected 1 to 16 bytes per word"),
            ));
        }
        if self.timing == Timing::Scalesim && self.arrays_per_core != 1 {
            out.push(Issue::new(
                &format!("{path}.arrays_per_core"),
                format!(
                    "{}: expected 1 with timing = \"scalesim\" (SCALE-Sim models one array)",
                    self.arrays_per_core
                ),
            ));
        }
        // Physical mode: a fold's stationary tile and one streamed vector per array must fit
        // in half of each SRAM, or no tile schedule exists.
        if self.timing == Timing::Physical {
            let wb = self.word_bytes.unwrap_or(4) as u64;
            let (r, c) = (self.rows as u64, self.cols as u64);
            for (key, kib, need) in [
                ("ifmap_sram_kib", self.ifmap_sram_kib, r.max(c) * wb),
                ("filter_sram_kib", self.filter_sram_kib, r * c * wb),
                (
                    "ofmap_sram_kib",
                    self.ofmap_sram_kib,
                    c * self.acc_bytes as u64,
                ),
            ] {
                let half = kib as u64 * 1024 / 2;
                if half < need * self.arrays_per_core as u64 {
                    out.push(Issue::new(
                        &format!("{path}.{key}"),
                        format!(
                            "{kib} KiB is too small for {} array(s) of {r}x{c}: expected at least {} KiB \
                             (half of it holds one tile per array)",
                            self.arrays_per_core,
                            (2 * need * self.arrays_per_core as u64).div_ceil(1024)
                        ),
                    ));
                }
            }
        }
    }

    /// The MAC energy action used for the peak-power figure: from `word_bytes` (1: int8,
    /// 2: fp16, 4: fp32), fp16 when the op decides (an assumption; actual runs count MACs by
    /// each op's dtype).
    pub fn peak_mac_kind(&self) -> &'static str {
        match self.word_bytes {
            Some(1) => "int8",
            Some(4) => "fp32",
            _ => "fp16",
        }
    }

    /// Peak MACs per cycle of one core.
    pub fn peak_macs_per_cycle(&self) -> f64 {
        (self.rows as u64 * self.cols as u64 * self.arrays_per_core as u64) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_key_and_the_expectation() {
        let mut out = Vec::new();
        let c = NpuConfig {
            timing: Timing::Scalesim,
            arrays_per_core: 2,
            ..Default::default()
        };
        c.validate("npu", &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].path, "npu.arrays_per_core");
        assert!(out[0].msg.contains("expected 1"), "{}", out[0].msg);

        let mut out = Vec::new();
        let c = NpuConfig {
            filter_sram_kib: 8,
            ..Default::default()
        };
        c.validate("npu", &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].path, "npu.filter_sram_kib");
        assert!(
            out[0].msg.contains("expected at least 128 KiB"),
            "{}",
            out[0].msg
        );
        NpuConfig::default().validate("npu", &mut out);
        assert_eq!(out.len(), 1);
    }
}
