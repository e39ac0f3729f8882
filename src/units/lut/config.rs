//! The `[lut]` config section: the chip (cores, tensor cores, operand delivery, shared
//! memory, tiling) and its datapath (`[lut.datapath]`, `kind = "lut"` or `kind = "mac"`).
//!
//! Defaults describe one released LUT array: the authors' SystemVerilog
//! (`microsoft/T-MAC`, branch `LUTTensorCore_ISCA25`, `sv_lut_array/rtl/`) has M = 2,
//! N = 64, K = 4, an 8-entry symmetrised FP16 table, FP16 accumulators, and a 1 ns clock in
//! its synthesis script. The A100-scale systems are presets under `configs/presets/lut/`.

use super::area;
use crate::config::Issue;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Settings of the tensor-core unit (a whole chip of SMs with LUT or MAC tensor cores).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LutConfig {
    /// Number of chips (each runs one op at a time, on all of its SMs). Default: 1.
    #[serde(default = "d_one")]
    #[schemars(range(min = 1, max = 64))]
    pub count: u32,
    /// Clock in MHz. Default: 1000, the 1 ns clock of the LUT array's synthesis script
    /// (`sv_lut_array/scripts/constraint.tcl`); the A100 presets use 1410 (Accel-Sim A100
    /// config, `-gpgpu_clock_domains 1410:...`).
    #[serde(default = "d_freq")]
    #[schemars(range(min = 1.0, max = 100000.0))]
    pub freq_mhz: f64,
    /// Cores (GPU SMs) per chip; each computes its own output tile. Default: 1. The A100
    /// presets use 108 (Accel-Sim A100 config, `-gpgpu_n_clusters 108`).
    #[serde(default = "d_one")]
    #[schemars(range(min = 1, max = 100000))]
    pub sms: u32,
    /// Tensor cores per SM (one per warp-scheduler sub-partition). Default: 1. The A100
    /// presets use 4 (Accel-Sim A100 config, `-gpgpu_num_tensor_core_units 4`).
    #[serde(default = "d_one")]
    #[schemars(range(min = 1, max = 64))]
    pub tcs_per_sm: u32,
    /// Register-file bytes a tensor core can read per cycle for its instruction operands
    /// (tables or A fragments, weights or B fragments, and accumulators when
    /// `acc_stationary` is false). An instruction whose operands need more cycles than its
    /// occupancy stalls. Default: 384, one warp-wide read of three 32-bit operands per cycle
    /// (32 lanes x 3 x 4 bytes), the SIMT datapath's operand width (assumption).
    #[serde(default = "d_rf_read")]
    #[schemars(range(min = 1, max = 1048576))]
    pub rf_read_bytes_per_cycle: u32,
    /// Register-file bytes a tensor core can write per cycle (accumulators written back).
    /// Default: 128, one warp-wide 32-bit result per cycle (assumption).
    #[serde(default = "d_rf_write")]
    #[schemars(range(min = 1, max = 1048576))]
    pub rf_write_bytes_per_cycle: u32,
    /// Accumulators stay beside the datapath for the whole K loop of an output tile and are
    /// written to the register file once, at the tile's end. False: every instruction reads
    /// its M x N accumulators from the register file and writes them back, as the released
    /// RTL's `c_tile_psum` input and `result` output ports do. Default: true (assumption;
    /// the paper's larger-register-file "DRM" results show the pressure false creates).
    #[serde(default = "d_true")]
    pub acc_stationary: bool,
    /// SIMT (CUDA-core) ALU operations per cycle per SM, used for dequantisation, activation
    /// conversion and table building. Default: 64, the 64 INT32 lanes of an A100 SM
    /// (NVIDIA A100 whitepaper, 2020).
    #[serde(default = "d_simt")]
    #[schemars(range(min = 1, max = 1048576))]
    pub simt_ops_per_cycle: u32,
    /// Shared memory per SM in KiB that holds the pipelined input chunks of a tile.
    /// Default: 164 (167936 bytes, Accel-Sim A100 config `-gpgpu_shmem_size`).
    #[serde(default = "d_smem")]
    #[schemars(range(min = 1, max = 1048576))]
    pub smem_kib: u32,
    /// Input chunks in flight per tile (2 = double buffering). Default: 3, the pipeline
    /// depth (`kStages = 3`) of CUTLASS's SM80 tensor-op GEMM examples.
    #[serde(default = "d_stages")]
    #[schemars(range(min = 1, max = 16))]
    pub smem_stages: u32,
    /// Tiles (thread blocks) an SM can hold at once when shared memory allows. Default: 32,
    /// the A100's limit of resident thread blocks per SM (NVIDIA A100 whitepaper, 2020).
    #[serde(default = "d_resident")]
    #[schemars(range(min = 1, max = 1024))]
    pub max_resident: u32,
    /// L2 cache in KiB shared by the SMs: an op whose A and weights fit in it fetches each
    /// block from memory once, however many waves use it (see `tiling`). Default: 0 (no
    /// reuse across waves). The A100 presets use 40960 (40 MB, NVIDIA A100 whitepaper).
    #[serde(default)]
    #[schemars(range(min = 0, max = 1073741824))]
    pub l2_kib: u32,
    /// Output-tile rows per SM (CTA tile M), the upper bound the tiler starts from.
    /// Default: 128 (assumption: a common CUTLASS A100 tile).
    #[serde(default = "d_tile_m")]
    #[schemars(range(min = 1, max = 65536))]
    pub tile_m: u32,
    /// Output-tile columns per SM (CTA tile N), the upper bound the tiler starts from; it
    /// halves the tile down to one instruction's width while the op has fewer tiles than
    /// SMs. Default: 256 (assumption: a common CUTLASS A100 tile).
    #[serde(default = "d_tile_n")]
    #[schemars(range(min = 1, max = 65536))]
    pub tile_n: u32,
    /// Reduction elements per pipelined chunk (CTA tile K). Default: 64 (assumption).
    #[serde(default = "d_tile_k")]
    #[schemars(range(min = 1, max = 65536))]
    pub tile_k: u32,
    /// The tensor-core datapath: LUT arrays, or a MAC tensor core baseline.
    #[serde(default)]
    pub datapath: Datapath,
}

/// The tensor-core datapath.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Datapath {
    /// LUT arrays: bit-serial weights select precomputed activation sums.
    Lut(LutArrayConfig),
    /// A MAC tensor core (the FP16 and INT8 baselines, and the dequantise-then-multiply
    /// path for weights narrower than the MAC type).
    Mac(MacConfig),
}

impl Default for Datapath {
    fn default() -> Self {
        Datapath::Lut(LutArrayConfig::default())
    }
}

/// How tables are stored.
#[derive(Copy, Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TableKind {
    /// 2^(K-1) entries per activation group: weight bits reinterpreted as +-1 make the
    /// table odd, so one bit of the index selects the sign (the released RTL).
    Symmetric,
    /// 2^K entries per activation group, indexed by the K weight bits directly.
    Plain,
}

/// Element type of table entries.
#[derive(Copy, Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TableDtype {
    /// IEEE half precision (the released RTL).
    Fp16,
    /// 8-bit float.
    Fp8,
    /// 8-bit integer ("table quantisation" in the paper).
    Int8,
}

impl TableDtype {
    /// Width in bits.
    pub fn bits(self) -> u64 {
        match self {
            TableDtype::Fp16 => 16,
            TableDtype::Fp8 | TableDtype::Int8 => 8,
        }
    }
}

/// Where tables are built.
#[derive(Copy, Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// Not modelled: tables appear for free (the reference for overhead measurements).
    None,
    /// Fused into the producing element-wise op on the vector lanes: the producer writes
    /// tables instead of activations (the paper's design).
    Fused,
    /// A separate op: read the activations, build, write the tables, then run the GEMM.
    Separate,
    /// A precompute unit beside every LUT array rebuilds each table for every instruction
    /// (UNPU style).
    InUnit,
}

/// A LUT-array datapath.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LutArrayConfig {
    /// Activation rows per array (tables held at once). Default: 2 (RTL `M_DIM`).
    #[serde(default = "d_m")]
    #[schemars(range(min = 1, max = 1024))]
    pub m: u32,
    /// Weight columns per array (each table entry fans out to N selectors). Default: 64
    /// (RTL `N_DIM`).
    #[serde(default = "d_n")]
    #[schemars(range(min = 1, max = 4096))]
    pub n: u32,
    /// Activations per table (group size). Default: 4 (RTL `K_DIM`).
    #[serde(default = "d_k")]
    #[schemars(range(min = 1, max = 8))]
    pub k: u32,
    /// Arrays per tensor core. Each runs its own LMMAs; arrays on the same rows share one
    /// table read from the register file. 4 makes "LUT-4X" and 8 "LUT-8X" (at 2-bit
    /// weights, 4x and 8x the 256 MACs per cycle of an A100 FP16 tensor core). Default: 1.
    #[serde(default = "d_one")]
    #[schemars(range(min = 1, max = 1024))]
    pub arrays_per_tc: u32,
    /// Table layout. Default: symmetric (RTL `A_LUT_DIM = 2**(K_DIM-1)`).
    #[serde(default = "d_table")]
    pub table: TableKind,
    /// Table entry type. Default: fp16 (RTL `SIG_WIDTH = 10`, `EXP_WIDTH = 5`).
    #[serde(default = "d_table_dtype")]
    pub table_dtype: TableDtype,
    /// Accumulator width in bits. Default: 16 (RTL `C_BIT = A_LUT_BIT`).
    #[serde(default = "d_acc16")]
    #[schemars(range(min = 1, max = 64))]
    pub acc_bits: u32,
    /// Pipeline stages after the last bit-plane before the result is valid: 1 or 2 (RTL
    /// `fp_lut_array_b_cycle_stage1` and `_stage2`). Default: 1.
    #[serde(default = "d_one")]
    #[schemars(range(min = 1, max = 2))]
    pub pipeline_stages: u32,
    /// Weight bits at which peak throughput is quoted in `summary.json` (peak TOPS, TOPS/mm^2,
    /// TOPS/W). Default: 2, the W_INT2 precision of the paper's Table 1.
    #[serde(default = "d_peak_w")]
    #[schemars(range(min = 1, max = 8))]
    pub peak_wbits: u32,
    /// Where tables are built. Default: fused (the paper's design: table building is an
    /// operator of the dataflow graph, fused into the preceding element-wise op).
    #[serde(default = "d_placement")]
    pub precompute: Placement,
    /// Fixed delay before each separate precompute op, ns (a kernel launch). Default: 0
    /// (assumption: the op's memory round trip and ALU work are modelled, launch is not).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0e9))]
    pub precompute_launch_ns: f64,
    /// Adds per cycle of the precompute unit beside each array (`precompute = "in_unit"`).
    /// Absent: enough to build the array's M tables in one cycle (M x adds per table).
    #[schemars(range(min = 1, max = 1048576))]
    pub precompute_unit_ops_per_cycle: Option<u32>,
    /// Fallback for ops whose weight operand is floating point (e.g. FP16 attention):
    /// multiply-accumulates per cycle per SM on the SIMT lanes. Default: 256, A100 FP16
    /// non-tensor throughput (78 TFLOPS at 108 SMs, 1.41 GHz; NVIDIA A100 datasheet).
    #[serde(default = "d_fallback")]
    #[schemars(range(min = 1, max = 1048576))]
    pub fallback_macs_per_cycle: u32,
    /// Area of one array in mm^2 (28 nm). Default: 0.373 / 32 = 0.01166, the A100-LUT-8X
    /// tensor-core area per SM of the paper's Table 1 over its 4 x 8 arrays.
    #[serde(default = "d_array_area")]
    #[schemars(range(min = 0.0))]
    pub array_area_mm2: f64,
    /// Area of one precompute unit beside an array (`in_unit` only), mm^2. Default: the
    /// array's area scaled by the adder count (M x 13 adds against the array's M x N
    /// adders): 0.01166 x 26 / 128 = 0.00237 (assumption).
    #[serde(default = "d_pu_area")]
    #[schemars(range(min = 0.0))]
    pub precompute_unit_area_mm2: f64,
}

impl Default for LutArrayConfig {
    fn default() -> Self {
        LutArrayConfig {
            m: d_m(),
            n: d_n(),
            k: d_k(),
            arrays_per_tc: 1,
            table: d_table(),
            table_dtype: d_table_dtype(),
            acc_bits: d_acc16(),
            pipeline_stages: 1,
            peak_wbits: d_peak_w(),
            precompute: d_placement(),
            precompute_launch_ns: 0.0,
            precompute_unit_ops_per_cycle: None,
            fallback_macs_per_cycle: d_fallback(),
            array_area_mm2: d_array_area(),
            precompute_unit_area_mm2: d_pu_area(),
        }
    }
}

/// Operand type of a MAC tensor core.
#[derive(Copy, Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MacDtype {
    /// FP16 x FP16 (A100 HMMA).
    Fp16,
    /// INT8 x INT8 (A100 IMMA).
    Int8,
}

impl MacDtype {
    /// Width in bits.
    pub fn bits(self) -> u64 {
        match self {
            MacDtype::Fp16 => 16,
            MacDtype::Int8 => 8,
        }
    }

    /// Name as in configs.
    pub fn name(self) -> &'static str {
        match self {
            MacDtype::Fp16 => "fp16",
            MacDtype::Int8 => "int8",
        }
    }
}

/// A MAC tensor-core datapath.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MacConfig {
    /// Operand type. Default: fp16.
    #[serde(default = "d_mac_dtype")]
    pub dtype: MacDtype,
    /// Rows of one MMA instruction. Default: 16 (A100 `mma.m16n8k16`).
    #[serde(default = "d_mma_m")]
    #[schemars(range(min = 1, max = 1024))]
    pub m: u32,
    /// Columns of one MMA instruction. Default: 8 (A100 `mma.m16n8k16`).
    #[serde(default = "d_mma_n")]
    #[schemars(range(min = 1, max = 1024))]
    pub n: u32,
    /// Reduction depth of one MMA instruction. Absent: 16 for fp16 (`m16n8k16`) and 32
    /// for int8 (`m16n8k32`), so that INT8 does twice the MACs of FP16 per instruction.
    #[schemars(range(min = 1, max = 1024))]
    pub k: Option<u32>,
    /// Cycles a tensor core is occupied per instruction (initiation interval). Default: 8
    /// (Accel-Sim A100 `trace.config`: `-trace_opcode_latency_initiation_tensor 8,8`).
    #[serde(default = "d_mma_cycles")]
    #[schemars(range(min = 1, max = 1024))]
    pub occupancy_cycles: u32,
    /// Cycles from issue to result. Default: 8 (the same Accel-Sim A100 setting).
    #[serde(default = "d_mma_cycles")]
    #[schemars(range(min = 1, max = 1024))]
    pub latency_cycles: u32,
    /// Accumulator width in bits. Default: 32 (FP32 / INT32 accumulation).
    #[serde(default = "d_acc32")]
    #[schemars(range(min = 1, max = 64))]
    pub acc_bits: u32,
    /// SIMT ops per weight element to convert weights of another format (e.g. 2-bit) to
    /// the MAC type: unpack (shift, mask) and convert/scale. Default: 2 (assumption).
    #[serde(default = "d_dequant")]
    #[schemars(range(min = 0, max = 1000))]
    pub dequant_ops_per_weight: u32,
    /// SIMT ops per activation element to convert activations of another type to the MAC
    /// type. Default: 1 (assumption: one conversion instruction).
    #[serde(default = "d_one")]
    #[schemars(range(min = 0, max = 1000))]
    pub convert_ops_per_activation: u32,
    /// Conversion on the SIMT lanes overlaps the tensor cores (other warps keep them busy);
    /// false: the two take turns. Default: true (assumption).
    #[serde(default = "d_true")]
    pub convert_overlap: bool,
    /// Area of one tensor core in mm^2 (28 nm). Absent: Table 1 of the paper, TC area per
    /// SM over 4 TCs: 0.975 / 4 = 0.24375 for fp16, 0.312 / 4 = 0.078 for int8.
    #[schemars(range(min = 0.0))]
    pub tc_area_mm2: Option<f64>,
}

impl Default for MacConfig {
    fn default() -> Self {
        MacConfig {
            dtype: d_mac_dtype(),
            m: d_mma_m(),
            n: d_mma_n(),
            k: None,
            occupancy_cycles: d_mma_cycles(),
            latency_cycles: d_mma_cycles(),
            acc_bits: d_acc32(),
            dequant_ops_per_weight: d_dequant(),
            convert_ops_per_activation: 1,
            convert_overlap: true,
            tc_area_mm2: None,
        }
    }
}

impl MacConfig {
    /// Reduction depth of one instruction.
    pub fn k(&self) -> u32 {
        self.k.unwrap_or(match self.dtype {
            MacDtype::Fp16 => 16,
            MacDtype::Int8 => 32,
        })
    }

    /// Area of one tensor core, mm^2.
    pub fn tc_area(&self) -> f64 {
        self.tc_area_mm2.unwrap_or(match self.dtype {
            MacDtype::Fp16 => area::TABLE1_FP16_TC_AREA_PER_SM_MM2 / 4.0,
            MacDtype::Int8 => area::TABLE1_INT8_TC_AREA_PER_SM_MM2 / 4.0,
        })
    }
}

fn d_one() -> u32 {
    1
}
fn d_true() -> bool {
    true
}
fn d_freq() -> f64 {
    1000.0
}
fn d_rf_read() -> u32 {
    384
}
fn d_rf_write() -> u32 {
    128
}
fn d_simt() -> u32 {
    64
}
fn d_smem() -> u32 {
    164
}
fn d_stages() -> u32 {
    3
}
fn d_resident() -> u32 {
    32
}
fn d_tile_m() -> u32 {
    128
}
fn d_tile_n() -> u32 {
    256
}
fn d_tile_k() -> u32 {
    64
}
fn d_m() -> u32 {
    2
}
fn d_n() -> u32 {
    64
}
fn d_k() -> u32 {
    4
}
fn d_table() -> TableKind {
    TableKind::Symmetric
}
fn d_table_dtype() -> TableDtype {
    TableDtype::Fp16
}
fn d_acc16() -> u32 {
    16
}
fn d_acc32() -> u32 {
    32
}
fn d_peak_w() -> u32 {
    2
}
fn d_placement() -> Placement {
    Placement::Fused
}
fn d_fallback() -> u32 {
    256
}
fn d_array_area() -> f64 {
    area::TABLE1_LUT8X_TC_AREA_PER_SM_MM2 / 32.0
}
fn d_pu_area() -> f64 {
    area::default_precompute_unit_area_mm2()
}
fn d_mac_dtype() -> MacDtype {
    MacDtype::Fp16
}
fn d_mma_m() -> u32 {
    16
}
fn d_mma_n() -> u32 {
    8
}
fn d_mma_cycles() -> u32 {
    8
}
fn d_dequant() -> u32 {
    2
}

impl Default for LutConfig {
    fn default() -> Self {
        LutConfig {
            count: 1,
            freq_mhz: d_freq(),
            sms: 1,
            tcs_per_sm: 1,
            rf_read_bytes_per_cycle: d_rf_read(),
            rf_write_bytes_per_cycle: d_rf_write(),
            acc_stationary: true,
            simt_ops_per_cycle: d_simt(),
            smem_kib: d_smem(),
            smem_stages: d_stages(),
            max_resident: d_resident(),
            l2_kib: 0,
            tile_m: d_tile_m(),
            tile_n: d_tile_n(),
            tile_k: d_tile_k(),
            datapath: Datapath::default(),
        }
    }
}

impl LutConfig {
    /// Semantic checks that involve several keys.
    pub fn validate(&self, path: &str, out: &mut Vec<Issue>) {
        if let Datapath::Lut(a) = &self.datapath {
            let p = format!("{path}.datapath");
            if a.k > 6 && a.table == TableKind::Plain {
                out.push(Issue::new(
                    &format!("{p}.k"),
                    format!(
                        "{}: a plain table of 2^{} entries per group is impractical: expected k <= 6 with table = \"plain\"",
                        a.k, a.k
                    ),
                ));
            }
            if a.precompute_launch_ns > 0.0 && a.precompute != Placement::Separate {
                out.push(Issue::new(
                    &format!("{p}.precompute_launch_ns"),
                    "a launch delay applies only to separate precompute ops: expected precompute = \"separate\" or no precompute_launch_ns",
                ));
            }
        }
        // The smallest tile the tiler can fall back to must fit the shared memory.
        let (im, ik) = match &self.datapath {
            Datapath::Lut(a) => (a.m as u64, a.k as u64),
            Datapath::Mac(c) => (c.m as u64, c.k() as u64),
        };
        let min_chunk = im * ik * 8 + ik * 64 * 8;
        if (self.smem_kib as u64) * 1024 < min_chunk * self.smem_stages as u64 {
            out.push(Issue::new(
                &format!("{path}.smem_kib"),
                format!(
                    "{} KiB cannot hold {} stages of the smallest input chunk ({} bytes): expected more shared memory or fewer smem_stages",
                    self.smem_kib, self.smem_stages, min_chunk
                ),
            ));
        }
    }
}
