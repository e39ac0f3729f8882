//! Energy: action counts times per-action energies.
//!
//! Components count *actions* (a MAC of a data type, a byte read from SRAM, a DRAM
//! activation, ...) and export each count as a statistic whose unit is [`ACTIONS`] and
//! whose name is the action key (e.g. `mac_fp16`). The `[energy]` config section gives
//! the energy of one action as the key `<action>_pj`. A component whose action energies
//! depend on its own configuration (a DRAM part's datasheet currents, say) exports the
//! price next to the count as a statistic `<action>_pj` with unit [`PJ_EACH`]; that price
//! wins over `[energy]`. The energy of a run is the sum of count × energy over every
//! component; `energy.csv` lists each term.
//!
//! Defaults are 45 nm figures from M. Horowitz, "Computing's energy problem (and what we
//! can do about it)", ISSCC 2014 (Fig. 1.1.9), unless a field says otherwise; they are
//! meant for relative comparisons at one technology node. Override them for your node.

use super::StatSet;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The unit string that marks a statistic as an action count.
pub const ACTIONS: &str = "actions";
/// The unit string of a component's own price for one of its actions (`<action>_pj`).
pub const PJ_EACH: &str = "pJ/action";

/// Energy per action, in pJ.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EnergyConfig {
    /// One 4-bit integer multiply-accumulate, pJ. Default 0.065: an assumption scaled from
    /// Horowitz's 8-bit figures (multiplier energy ~ bits^2: 0.2/4; adder ~ bits: 0.03/2).
    #[serde(default = "d_mac_int4")]
    #[schemars(range(min = 0.0))]
    pub mac_int4_pj: f64,
    /// One 8-bit integer multiply-accumulate, pJ. Default 0.23: 8-bit multiply 0.2 + 8-bit
    /// add 0.03 (Horowitz ISSCC 2014, 45 nm).
    #[serde(default = "d_mac_int8")]
    #[schemars(range(min = 0.0))]
    pub mac_int8_pj: f64,
    /// One FP8 multiply-accumulate, pJ. Default 0.3: an assumption between the 8-bit
    /// integer and FP16 figures of Horowitz ISSCC 2014.
    #[serde(default = "d_mac_fp8")]
    #[schemars(range(min = 0.0))]
    pub mac_fp8_pj: f64,
    /// One FP16 multiply-accumulate, pJ. Default 1.5: FP16 multiply 1.1 + FP16 add 0.4
    /// (Horowitz ISSCC 2014, 45 nm).
    #[serde(default = "d_mac_fp16")]
    #[schemars(range(min = 0.0))]
    pub mac_fp16_pj: f64,
    /// One BF16 multiply-accumulate, pJ. Default 1.5: taken equal to FP16 (assumption).
    #[serde(default = "d_mac_fp16")]
    #[schemars(range(min = 0.0))]
    pub mac_bf16_pj: f64,
    /// One FP32 multiply-accumulate, pJ. Default 4.6: FP32 multiply 3.7 + FP32 add 0.9
    /// (Horowitz ISSCC 2014, 45 nm).
    #[serde(default = "d_mac_fp32")]
    #[schemars(range(min = 0.0))]
    pub mac_fp32_pj: f64,
    /// One byte read from an on-chip SRAM buffer, pJ. Default 1.25: a 64-bit read from an
    /// 8 KB SRAM costs 10 pJ (Horowitz ISSCC 2014), i.e. 1.25 pJ per byte.
    #[serde(default = "d_sram")]
    #[schemars(range(min = 0.0))]
    pub sram_read_byte_pj: f64,
    /// One byte written to an on-chip SRAM buffer, pJ. Default 1.25 (taken equal to a read).
    #[serde(default = "d_sram")]
    #[schemars(range(min = 0.0))]
    pub sram_write_byte_pj: f64,
    /// One vector-unit lane-op (an FP16 FMA-class operation on one element), pJ.
    /// Default 1.5: taken equal to an FP16 multiply-accumulate.
    #[serde(default = "d_mac_fp16")]
    #[schemars(range(min = 0.0))]
    pub vector_lane_op_pj: f64,
    /// One byte read from the ideal memory, pJ. Default 31.2: HBM2 at 3.9 pJ/bit
    /// (O'Connor et al., "Fine-Grained DRAM", MICRO 2017, Table 1).
    #[serde(default = "d_mem")]
    #[schemars(range(min = 0.0))]
    pub mem_read_byte_pj: f64,
    /// One byte written to the ideal memory, pJ. Default 31.2 (as a read).
    #[serde(default = "d_mem")]
    #[schemars(range(min = 0.0))]
    pub mem_write_byte_pj: f64,
    /// One LUT-array table selection (entry selected, sign-flipped, shifted, accumulated),
    /// pJ, 28 nm. Default 0.1189: LUT Tensor Core Table 1 (Mo et al., ISCA 2025), A100-LUT-8X
    /// at 33.65 TOPS/W with 2-bit weights, where a K = 4 selection is 2 MAC-equivalents
    /// (4 ops): 4 / 33.65.
    #[serde(default = "d_lut_select")]
    #[schemars(range(min = 0.0))]
    pub lut_select_pj: f64,
    /// One FP16 tensor-core multiply-accumulate, pJ, 28 nm. Default 0.6711: LUT Tensor Core
    /// Table 1, A100 FP16 tensor core at 2.98 TFLOPS/W: 2 / 2.98.
    #[serde(default = "d_tc_fp16")]
    #[schemars(range(min = 0.0))]
    pub tc_mac_fp16_pj: f64,
    /// One INT8 tensor-core multiply-accumulate, pJ, 28 nm. Default 0.1003: LUT Tensor Core
    /// Table 1, A100 INT8 tensor core at 19.94 TOPS/W: 2 / 19.94.
    #[serde(default = "d_tc_int8")]
    #[schemars(range(min = 0.0))]
    pub tc_mac_int8_pj: f64,
    /// One SIMT ALU op on a GPU-like SM (dequantisation, conversion, table building), pJ.
    /// Default 0.4: an FP16 add (Horowitz ISSCC 2014, 45 nm; an assumption for these ops).
    #[serde(default = "d_simt_op")]
    #[schemars(range(min = 0.0))]
    pub simt_op_pj: f64,
    /// One add in a precompute unit beside a LUT array, pJ. Default 0.4: an FP16 add
    /// (Horowitz ISSCC 2014, 45 nm; an assumption).
    #[serde(default = "d_simt_op")]
    #[schemars(range(min = 0.0))]
    pub lut_precompute_unit_op_pj: f64,
    /// One ALU instruction of a PIUMA pipeline: fetch, decode, register file, control and
    /// the integer or floating-point operation, pJ. Default 70: Horowitz ISSCC 2014's
    /// instruction-energy breakdown of a simple in-order core at 45 nm (about 70 pJ per
    /// instruction, of which the add itself is 0.1 pJ); an assumption for PIUMA's
    /// pipelines, whose energy is not public.
    #[serde(default = "d_instr")]
    #[schemars(range(min = 0.0))]
    pub piuma_alu_instr_pj: f64,
    /// One memory or control instruction of a PIUMA pipeline (scratchpad, remote, DRAM,
    /// DMA, barrier): the instruction overhead only, pJ; the data moves are priced by the
    /// `spad_*` actions and by the memory's own actions. Default 70: as an ALU instruction
    /// (assumption).
    #[serde(default = "d_instr")]
    #[schemars(range(min = 0.0))]
    pub piuma_mem_instr_pj: f64,
    /// One 8-byte word read from a PIUMA scratchpad bank, pJ. Default 52.5: a log-linear
    /// interpolation, for the default 256 KiB bank (4 MiB / 16 banks), between Horowitz ISSCC
    /// 2014's 64-bit SRAM reads of 20 pJ (32 KB) and 100 pJ (1 MB), 45 nm: 20 x 5^(3/5)
    /// (assumption; rescale for other bank sizes).
    #[serde(default = "d_spad_word")]
    #[schemars(range(min = 0.0))]
    pub spad_read_word_pj: f64,
    /// One 8-byte word written to a PIUMA scratchpad bank, pJ. Default 52.5: taken equal to
    /// a read (assumption).
    #[serde(default = "d_spad_word")]
    #[schemars(range(min = 0.0))]
    pub spad_write_word_pj: f64,
    /// One scratchpad atomic (compare-and-swap, fetch-add, floating add: read, modify and
    /// write of a word at the bank's atomic unit), pJ. Default 105: a word read plus a word
    /// write (assumption; the adder, at most 4.6 pJ in Horowitz's table, is within the
    /// uncertainty of the interpolation).
    #[serde(default = "d_spad_atomic")]
    #[schemars(range(min = 0.0))]
    pub spad_atomic_pj: f64,
}

fn d_mac_int4() -> f64 {
    0.065
}
fn d_mac_int8() -> f64 {
    0.23
}
fn d_mac_fp8() -> f64 {
    0.3
}
fn d_mac_fp16() -> f64 {
    1.5
}
fn d_mac_fp32() -> f64 {
    4.6
}
fn d_sram() -> f64 {
    1.25
}
fn d_mem() -> f64 {
    31.2
}
fn d_lut_select() -> f64 {
    crate::units::lut::area::default_lut_select_pj()
}
fn d_tc_fp16() -> f64 {
    crate::units::lut::area::default_tc_mac_fp16_pj()
}
fn d_tc_int8() -> f64 {
    crate::units::lut::area::default_tc_mac_int8_pj()
}
fn d_simt_op() -> f64 {
    0.4
}
fn d_instr() -> f64 {
    70.0
}
fn d_spad_word() -> f64 {
    52.5
}
fn d_spad_atomic() -> f64 {
    105.0
}

impl Default for EnergyConfig {
    fn default() -> Self {
        EnergyConfig {
            mac_int4_pj: d_mac_int4(),
            mac_int8_pj: d_mac_int8(),
            mac_fp8_pj: d_mac_fp8(),
            mac_fp16_pj: d_mac_fp16(),
            mac_bf16_pj: d_mac_fp16(),
            mac_fp32_pj: d_mac_fp32(),
            sram_read_byte_pj: d_sram(),
            sram_write_byte_pj: d_sram(),
            vector_lane_op_pj: d_mac_fp16(),
            mem_read_byte_pj: d_mem(),
            mem_write_byte_pj: d_mem(),
            lut_select_pj: d_lut_select(),
            tc_mac_fp16_pj: d_tc_fp16(),
            tc_mac_int8_pj: d_tc_int8(),
            simt_op_pj: d_simt_op(),
            lut_precompute_unit_op_pj: d_simt_op(),
            piuma_alu_instr_pj: d_instr(),
            piuma_mem_instr_pj: d_instr(),
            spad_read_word_pj: d_spad_word(),
            spad_write_word_pj: d_spad_word(),
            spad_atomic_pj: d_spad_atomic(),
        }
    }
}

/// One line of `energy.csv`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnergyTerm {
    /// Component name.
    pub component: String,
    /// Action key.
    pub action: String,
    /// How many times it happened.
    pub count: u64,
    /// Energy of one, pJ (None: the config has no energy for this action).
    pub pj_each: Option<f64>,
    /// count × pj_each, pJ (0 when unknown).
    pub energy_pj: f64,
}

impl EnergyConfig {
    /// Energy of one `action`, if the config has it.
    pub fn pj(&self, action: &str) -> Option<f64> {
        let v = serde_json::to_value(self).ok()?;
        v.get(format!("{action}_pj")).and_then(|x| x.as_f64())
    }

    /// Every action term of every component, in component then statistic order.
    pub fn terms(&self, stats: &[(String, StatSet)]) -> Vec<EnergyTerm> {
        let table = serde_json::to_value(self).unwrap_or_default();
        let mut out = Vec::new();
        for (comp, set) in stats {
            for s in set.stats.iter().filter(|s| s.unit == ACTIONS) {
                let count = s.value.as_f64().unwrap_or(0.0) as u64;
                let key = format!("{}_pj", s.name);
                let own = set
                    .stats
                    .iter()
                    .find(|p| p.unit == PJ_EACH && p.name == key)
                    .and_then(|p| p.value.as_f64());
                let pj = own.or_else(|| table.get(&key).and_then(|x| x.as_f64()));
                out.push(EnergyTerm {
                    component: comp.clone(),
                    action: s.name.clone(),
                    count,
                    pj_each: pj,
                    energy_pj: pj.unwrap_or(0.0) * count as f64,
                });
            }
        }
        out
    }
}

/// The action key of one multiply-accumulate on `dtype` operands.
pub fn mac_action(dtype: crate::workload::DType) -> &'static str {
    use crate::workload::DType::*;
    match dtype {
        Int4 => "mac_int4",
        Int8 => "mac_int8",
        Fp8 => "mac_fp8",
        Fp16 => "mac_fp16",
        Bf16 => "mac_bf16",
        Fp32 => "mac_fp32",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_multiply_counts_by_energies() {
        let mut s = StatSet::default();
        s.int("mac_int8", 1000, ACTIONS, "MACs");
        s.int("busy_cycles", 5, "cycles", "not an action");
        s.int("warp_drive", 3, ACTIONS, "unknown action");
        let e = EnergyConfig::default();
        let t = e.terms(&[("npu".into(), s)]);
        assert_eq!(t.len(), 2);
        assert!((t[0].energy_pj - 230.0).abs() < 1e-9);
        assert_eq!(t[1].pj_each, None);
        assert_eq!(e.pj("mem_read_byte"), Some(31.2));
    }

    #[test]
    fn a_component_price_wins_over_the_config() {
        let mut s = StatSet::default();
        s.int("mem_read_byte", 10, ACTIONS, "bytes");
        s.float("mem_read_byte_pj", 2.5, PJ_EACH, "own price");
        let t = EnergyConfig::default().terms(&[("dram".into(), s)]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].pj_each, Some(2.5));
        assert!((t[0].energy_pj - 25.0).abs() < 1e-12);
    }
}
