//! Area, peak throughput and energy calibration of the tensor-core datapaths.
//!
//! Source: Table 1 of Mo et al., "LUT Tensor Core", ISCA 2025 (arXiv 2408.06003 v3), as
//! transcribed in `shared/research/anchors-lut-piuma.md` section 2.8 (tag [P]: several
//! transcriptions agree and the ratios cross-check). Every area is 28 nm-normalised
//! tensor-core area per A100 SM (4 tensor cores); every efficiency is peak throughput over
//! tensor-core power. The model turns them into per-array or per-tensor-core areas and
//! per-action energies, and `summary.json` recomputes density and efficiency from them.

/// Table 1: A100 FP16 tensor-core area per SM, mm^2.
pub const TABLE1_FP16_TC_AREA_PER_SM_MM2: f64 = 0.975;
/// Table 1: A100 INT8 tensor-core area per SM, mm^2.
pub const TABLE1_INT8_TC_AREA_PER_SM_MM2: f64 = 0.312;
/// Table 1: A100-LUT-4X tensor-core area per SM, mm^2.
pub const TABLE1_LUT4X_TC_AREA_PER_SM_MM2: f64 = 0.187;
/// Table 1: A100-LUT-8X tensor-core area per SM, mm^2.
pub const TABLE1_LUT8X_TC_AREA_PER_SM_MM2: f64 = 0.373;
/// Table 1: A100 FP16 tensor core energy efficiency, TFLOPS/W.
pub const TABLE1_FP16_TFLOPS_PER_W: f64 = 2.98;
/// Table 1: A100 INT8 tensor core energy efficiency (W_INT2 A_INT8), TOPS/W.
pub const TABLE1_INT8_TOPS_PER_W: f64 = 19.94;
/// Table 1: A100-LUT-8X energy efficiency (W_INT2 A_INT8), TOPS/W.
pub const TABLE1_LUT8X_TOPS_PER_W: f64 = 33.65;

/// Additions to build one table for a group of `k` activations, by the incremental
/// (Gray-code) construction of [`super::precompute`].
pub fn table_build_ops(k: u64, symmetric: bool) -> u64 {
    if symmetric {
        // First entry -a0-a1-...: k-1 adds; doubling a1..a(k-1): k-1 ops; one add per
        // remaining entry: 2^(k-1) - 1.
        2 * (k - 1) + (1 << (k - 1)) - 1
    } else {
        // Entry 0 is zero and entry 1 is a copy of a0; each of the other 2^k - 2 entries
        // is a previous one +- a_i.
        (1u64 << k).saturating_sub(2)
    }
}

/// Default precompute-unit area: one array's area scaled by the adder count of a unit that
/// builds the array's 2 tables per cycle (2 x 13 adds) against the array's 2 x 64 adders.
pub fn default_precompute_unit_area_mm2() -> f64 {
    let array = TABLE1_LUT8X_TC_AREA_PER_SM_MM2 / 32.0;
    array * (2 * table_build_ops(4, true)) as f64 / 128.0
}

/// Energy of one LUT selection (one table entry selected, sign-flipped, shifted and added),
/// pJ: Table 1's A100-LUT-8X efficiency of 33.65 TOPS/W at 2-bit weights, where one
/// selection with K = 4 is K / W = 2 MAC-equivalents = 4 ops: 4 / 33.65 = 0.1189 pJ.
pub fn default_lut_select_pj() -> f64 {
    4.0 / TABLE1_LUT8X_TOPS_PER_W
}

/// Energy of one FP16 tensor-core MAC, pJ: 2 ops / 2.98 TFLOPS/W = 0.671 pJ (Table 1).
pub fn default_tc_mac_fp16_pj() -> f64 {
    2.0 / TABLE1_FP16_TFLOPS_PER_W
}

/// Energy of one INT8 tensor-core MAC, pJ: 2 ops / 19.94 TOPS/W = 0.100 pJ (Table 1).
pub fn default_tc_mac_int8_pj() -> f64 {
    2.0 / TABLE1_INT8_TOPS_PER_W
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand counts for K = 4: symmetric 3 + 3 + 7 = 13, plain 16 - 2 = 14.
    #[test]
    fn build_ops_by_hand() {
        assert_eq!(table_build_ops(4, true), 13);
        assert_eq!(table_build_ops(4, false), 14);
        assert_eq!(table_build_ops(1, true), 0);
    }
}
