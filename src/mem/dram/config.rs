//! The `[memory]` section for `kind = "dram"`: which standard and part, how many channels, any
//! organisation or timing override, and the controller settings.
//!
//! Defaults follow Ramulator 2.1's controller defaults (32-entry read and write queues, write
//! draining between 0.8 and 0.2 of the write queue, FR-FCFS, open page, all-bank refresh,
//! `RoBaRaCoCh` with cache-line channel interleaving), so that a config naming only a preset is
//! directly comparable with that simulator.

use super::standards;
use crate::config::Issue;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Scheduling policy of the controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SchedulerKind {
    /// First-ready, first-come-first-served (Rixner et al., ISCA 2000): among queued requests,
    /// those whose next command is legal now first, then the oldest.
    #[default]
    Frfcfs,
    /// FR-FCFS that never lets a precharge for one request close a row that an older queued
    /// request still hits (Ramulator 2.1 `FRFCFS-RowHit`).
    FrfcfsRowhit,
}

/// Row-buffer policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowPolicyKind {
    /// Keep rows open until a conflict or refresh closes them.
    #[default]
    Open,
    /// Close a row after `closed_row_cap` column accesses (auto-precharge when legal, otherwise
    /// an explicit precharge), as Ramulator 2.1's `ClosedCAP`.
    Closed,
}

/// Refresh policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefreshKind {
    /// One all-bank refresh (REFab) per rank / pseudo-channel / channel every tREFI.
    #[default]
    AllBank,
    /// One per-bank refresh (REFpb) every tREFIpb, banks in round-robin order.
    PerBank,
    /// No refresh (for experiments only; real parts lose data).
    None,
}

/// Address mapping inside a channel (MSB to LSB, as in Ramulator's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
pub enum MapperKind {
    /// Row | bank levels | column | channel: a whole row stays in one bank.
    #[default]
    RoBaRaCoCh,
    /// Row | column | bank levels | channel: consecutive transactions rotate over banks.
    RoCoBaRaCh,
    /// Channel | rank | bank levels | row | column (channel bits are still taken by the
    /// cache-line channel interleaver first).
    ChRaBaRoCo,
    /// `RoBaRaCoCh` with the bank-level bits XORed with the low row bits (permutation-based
    /// interleaving, Zhang et al., MICRO 2000), which spreads row conflicts over banks.
    RoBaRaCoChXor,
}

fn d_read_queue() -> u32 {
    32
}
fn d_write_queue() -> u32 {
    32
}
fn d_high() -> f64 {
    0.8
}
fn d_low() -> f64 {
    0.2
}
fn d_channels() -> u32 {
    1
}
fn d_cap() -> u32 {
    4
}
fn d_offers() -> u32 {
    4
}
fn d_true() -> bool {
    true
}

/// DRAM memory configuration (the `[memory]` table with `kind = "dram"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DramConfig {
    /// JEDEC standard: DDR4, DDR5, HBM2, HBM3, GDDR6 or LPDDR5.
    pub standard: String,
    /// Organisation preset of the part, e.g. `DDR4_8Gb_x8` (see `docs/DRAM.md`).
    pub org_preset: String,
    /// Timing preset (speed bin), e.g. `DDR4_3200AA`.
    pub timing_preset: String,
    /// Number of independent channels, each with its own controller (power of two).
    #[serde(default = "d_channels")]
    pub channels: u32,
    /// Organisation overrides: level sizes by lower-case level name (`rank`, `bankgroup`,
    /// `bank`, `row`, `column`, `pseudochannel`, `sid`) and `dq`, `channel_width` (bits).
    #[serde(default)]
    pub org: BTreeMap<String, u32>,
    /// Timing overrides by parameter name (clock cycles, e.g. `nCL = 24`; `tCK_ps` in ps).
    #[serde(default)]
    pub timing: BTreeMap<String, i64>,
    /// Read queue entries per channel (Ramulator default 32).
    #[serde(default = "d_read_queue")]
    pub read_queue_entries: u32,
    /// Write queue entries per channel (Ramulator default 32).
    #[serde(default = "d_write_queue")]
    pub write_queue_entries: u32,
    /// Enter write-drain mode when the write queue holds more than this fraction (0.8).
    #[serde(default = "d_high")]
    pub write_high_watermark: f64,
    /// Leave write-drain mode when the write queue holds less than this fraction (0.2).
    #[serde(default = "d_low")]
    pub write_low_watermark: f64,
    /// Scheduler: `frfcfs` (default) or `frfcfs_rowhit`.
    #[serde(default)]
    pub scheduler: SchedulerKind,
    /// Row policy: `open` (default) or `closed`.
    #[serde(default)]
    pub row_policy: RowPolicyKind,
    /// Column accesses after which the closed policy closes a row (Ramulator `ClosedCAP`
    /// default 4).
    #[serde(default = "d_cap")]
    pub closed_row_cap: u32,
    /// Refresh: `all_bank` (default), `per_bank` or `none`.
    #[serde(default)]
    pub refresh: RefreshKind,
    /// Address mapping inside a channel.
    #[serde(default)]
    pub address_mapping: MapperKind,
    /// Extra low-order bits kept together before the channel bits (0: channels interleave
    /// every transaction, i.e. every cache line).
    #[serde(default)]
    pub channel_interleave_bits: u32,
    /// Forward reads from queued writes to the same address and coalesce writes (Ramulator
    /// default behaviour).
    #[serde(default = "d_true")]
    pub forward_and_coalesce: bool,
    /// LPDDR5 only: `need_sync` issues a CAS (WCK2CK sync) before an access when WCK has
    /// stopped; `always_on` keeps WCK running.
    #[serde(default)]
    pub wck_always_on: bool,
    /// Trace replay only: requests the front end offers per DRAM clock (Ramulator's
    /// LoadStoreTrace at a 4:1 clock ratio offers 4).
    #[serde(default = "d_offers")]
    pub trace_requests_per_cycle: u32,
    /// Energy model overrides: supply voltages, IDD currents, devices per command and I/O
    /// energy. Unset values come from the part's power preset (`docs/DRAM.md`, section Energy,
    /// lists every preset's values and source).
    #[serde(default)]
    pub power: PowerOverrides,
}

/// Overrides of one supply rail's voltage and datasheet currents (unset: the preset's value).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RailOverrides {
    /// Supply voltage, V.
    pub volts: Option<f64>,
    /// IDD0, one-bank activate-precharge current, mA.
    pub idd0_ma: Option<f64>,
    /// IDD2N, precharge standby current, mA.
    pub idd2n_ma: Option<f64>,
    /// IDD3N, active standby current, mA.
    pub idd3n_ma: Option<f64>,
    /// IDD4R, burst read current, mA.
    pub idd4r_ma: Option<f64>,
    /// IDD4W, burst write current, mA.
    pub idd4w_ma: Option<f64>,
    /// IDD5B, burst (all-bank) refresh current, mA.
    pub idd5b_ma: Option<f64>,
    /// IDD5PB, per-bank refresh current during tRFCpb, mA.
    pub idd5pb_ma: Option<f64>,
}

/// `[memory.power]`: the energy model's inputs (unset: the part's power preset).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PowerOverrides {
    /// Devices one command drives, in units of the preset's device (default: channel width /
    /// DQ, or 0.5 per HBM pseudo-channel).
    pub devices: Option<f64>,
    /// I/O and termination energy per bit read, pJ (default: the preset's, 0 when its source
    /// gives none).
    pub io_read_pj_per_bit: Option<f64>,
    /// I/O and termination energy per bit written, pJ (default: the preset's, 0 when its
    /// source gives none).
    pub io_write_pj_per_bit: Option<f64>,
    /// Core supply VDD (LPDDR5: VDD2H).
    #[serde(default)]
    pub vdd: RailOverrides,
    /// Second supply: VPP (LPDDR5: VDD1).
    #[serde(default)]
    pub vpp: RailOverrides,
    /// I/O supply VDDQ (LPDDR5 only in the presets).
    #[serde(default)]
    pub vddq: RailOverrides,
    /// Energy of one activate-precharge pair, pJ, replacing the one derived from the
    /// currents (e.g. a figure from another power model or a circuit simulation).
    pub act_pj: Option<f64>,
    /// Energy of one read burst (one transaction, I/O included), pJ, replacing the derived one.
    pub rd_pj: Option<f64>,
    /// Energy of one write burst (one transaction, I/O included), pJ, replacing the derived one.
    pub wr_pj: Option<f64>,
    /// Energy of one all-bank refresh, pJ, replacing the derived one.
    pub ref_pj: Option<f64>,
    /// Energy of one per-bank refresh, pJ, replacing the derived one.
    pub refpb_pj: Option<f64>,
    /// Background energy of one power domain with a bank open, pJ per DRAM tick (the clock
    /// period; half of it for HBM3), replacing `V IDD3N tCK`.
    pub bg_active_pj_per_tick: Option<f64>,
    /// Background energy of one power domain with every bank closed, pJ per DRAM tick,
    /// replacing `V IDD2N tCK`.
    pub bg_precharged_pj_per_tick: Option<f64>,
}

impl PowerOverrides {
    fn problems(&self, path: &str, out: &mut Vec<(String, String)>) {
        let mut check = |k: String, v: Option<f64>, positive: bool| {
            if let Some(v) = v
                && (!v.is_finite() || v < 0.0 || (positive && v == 0.0))
            {
                let what = if positive {
                    "a positive"
                } else {
                    "a non-negative"
                };
                out.push((k, format!("expected {what} number, got {v}")));
            }
        };
        check(format!("{path}.devices"), self.devices, true);
        for (k, v) in [
            ("io_read_pj_per_bit", self.io_read_pj_per_bit),
            ("io_write_pj_per_bit", self.io_write_pj_per_bit),
            ("act_pj", self.act_pj),
            ("rd_pj", self.rd_pj),
            ("wr_pj", self.wr_pj),
            ("ref_pj", self.ref_pj),
            ("refpb_pj", self.refpb_pj),
            ("bg_active_pj_per_tick", self.bg_active_pj_per_tick),
            ("bg_precharged_pj_per_tick", self.bg_precharged_pj_per_tick),
        ] {
            check(format!("{path}.{k}"), v, false);
        }
        for (name, r) in [("vdd", &self.vdd), ("vpp", &self.vpp), ("vddq", &self.vddq)] {
            for (k, v) in [
                ("volts", r.volts),
                ("idd0_ma", r.idd0_ma),
                ("idd2n_ma", r.idd2n_ma),
                ("idd3n_ma", r.idd3n_ma),
                ("idd4r_ma", r.idd4r_ma),
                ("idd4w_ma", r.idd4w_ma),
                ("idd5b_ma", r.idd5b_ma),
                ("idd5pb_ma", r.idd5pb_ma),
            ] {
                check(format!("{path}.{name}.{k}"), v, false);
            }
        }
    }
}

impl DramConfig {
    /// A config naming a standard and its presets, every other setting at its default.
    pub fn new(standard: &str, org_preset: &str, timing_preset: &str) -> Self {
        DramConfig {
            standard: standard.into(),
            org_preset: org_preset.into(),
            timing_preset: timing_preset.into(),
            channels: 1,
            org: BTreeMap::new(),
            timing: BTreeMap::new(),
            read_queue_entries: 32,
            write_queue_entries: 32,
            write_high_watermark: 0.8,
            write_low_watermark: 0.2,
            scheduler: SchedulerKind::Frfcfs,
            row_policy: RowPolicyKind::Open,
            closed_row_cap: 4,
            refresh: RefreshKind::AllBank,
            address_mapping: MapperKind::RoBaRaCoCh,
            channel_interleave_bits: 0,
            forward_and_coalesce: true,
            wck_always_on: false,
            trace_requests_per_cycle: 4,
            power: PowerOverrides::default(),
        }
    }

    /// Peak bandwidth of all channels in GB/s (every data bus busy), or an error if the
    /// config does not resolve.
    pub fn peak_gbps(&self) -> Result<f64, String> {
        Ok(super::timing::Spec::resolve(self)?.peak_gbps(self.channels))
    }

    /// Unloaded read latency in ns: one transaction to a closed bank of an idle device, from
    /// entering the controller queue to the last data beat (ACT, tRCD, CL, burst; 49 cycles =
    /// 30.6 ns for DDR4-3200AA). For analytical models that need a latency figure.
    pub fn idle_read_latency_ns(&self) -> Result<f64, String> {
        let t = [super::replay::TraceReq {
            addr: 0,
            write: false,
        }];
        let (s, _) = super::replay::replay(self, &t, false)?;
        Ok(s.avg_read_latency_ns)
    }

    /// Semantic checks, appended to `issues` with their key path; `path` is the TOML path of
    /// this table (e.g. `memory`).
    pub fn validate(&self, path: &str, issues: &mut Vec<Issue>) {
        for (k, m) in self.problems(path) {
            issues.push(Issue::new(&k, m));
        }
    }

    /// Semantic checks as `(key path, what was expected)` pairs.
    pub fn problems(&self, path: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let p = |k: &str| format!("{path}.{k}");
        let Some(std) = standards::by_name(&self.standard) else {
            let names: Vec<_> = standards::ALL.iter().map(|s| s.name).collect();
            out.push((
                p("standard"),
                format!(
                    "unknown standard `{}`: expected one of {}",
                    self.standard,
                    names.join(", ")
                ),
            ));
            return out;
        };
        let org = std.org_presets.iter().find(|o| o.name == self.org_preset);
        if org.is_none() {
            let names: Vec<_> = std.org_presets.iter().map(|o| o.name).collect();
            out.push((
                p("org_preset"),
                format!(
                    "unknown {} organisation preset `{}`: expected one of {}",
                    std.name,
                    self.org_preset,
                    names.join(", ")
                ),
            ));
        }
        if !std
            .timing_presets
            .iter()
            .any(|t| t.name == self.timing_preset)
        {
            let names: Vec<_> = std.timing_presets.iter().map(|o| o.name).collect();
            out.push((
                p("timing_preset"),
                format!(
                    "unknown {} timing preset `{}`: expected one of {}",
                    std.name,
                    self.timing_preset,
                    names.join(", ")
                ),
            ));
        }
        if self.channels == 0 || !self.channels.is_power_of_two() || self.channels > 1024 {
            out.push((
                p("channels"),
                format!(
                    "expected a power of two between 1 and 1024, got {}",
                    self.channels
                ),
            ));
        }
        let levels: Vec<String> = std.levels[1..].iter().map(|l| l.to_lowercase()).collect();
        for (k, v) in &self.org {
            if k == "dq" || k == "channel_width" || levels.contains(k) {
                if *v == 0 || !v.is_power_of_two() {
                    out.push((
                        p(&format!("org.{k}")),
                        format!("expected a power of two >= 1, got {v}"),
                    ));
                }
            } else {
                out.push((
                    p(&format!("org.{k}")),
                    format!(
                        "unknown {} organisation key: expected one of {}, dq, channel_width",
                        std.name,
                        levels.join(", ")
                    ),
                ));
            }
        }
        for (k, v) in &self.timing {
            if !std.timing_params.contains(&k.as_str()) {
                out.push((
                    p(&format!("timing.{k}")),
                    format!(
                        "unknown {} timing parameter: expected one of {}",
                        std.name,
                        std.timing_params.join(", ")
                    ),
                ));
            } else if *v < 0 || ((k == "tCK_ps" || k == "rate" || k == "nREFI") && *v == 0) {
                out.push((
                    p(&format!("timing.{k}")),
                    format!("expected a non-negative number of cycles, got {v}"),
                ));
            }
        }
        for (k, v) in [
            ("read_queue_entries", self.read_queue_entries),
            ("write_queue_entries", self.write_queue_entries),
        ] {
            if !(1..=65536).contains(&v) {
                out.push((p(k), format!("expected 1 to 65536 entries, got {v}")));
            }
        }
        let (lo, hi) = (self.write_low_watermark, self.write_high_watermark);
        if !(0.0..=1.0).contains(&hi) || hi.is_nan() {
            out.push((
                p("write_high_watermark"),
                format!("expected a fraction in [0, 1], got {hi}"),
            ));
        }
        if !(0.0..=1.0).contains(&lo) || lo.is_nan() || lo > hi {
            out.push((
                p("write_low_watermark"),
                format!("expected a fraction in [0, write_high_watermark], got {lo}"),
            ));
        }
        if self.closed_row_cap == 0 {
            out.push((p("closed_row_cap"), "expected at least 1".into()));
        }
        if self.trace_requests_per_cycle == 0 {
            out.push((p("trace_requests_per_cycle"), "expected at least 1".into()));
        }
        if self.channel_interleave_bits > 32 {
            out.push((
                p("channel_interleave_bits"),
                "expected at most 32".to_string(),
            ));
        }
        if self.refresh == RefreshKind::PerBank
            && !(std.commands.contains(&"REFpb") && std.timing_params.contains(&"nREFIpb"))
        {
            out.push((
                p("refresh"),
                format!(
                    "{} has no per-bank refresh: expected all_bank or none",
                    std.name
                ),
            ));
        }
        self.power.problems(&p("power"), &mut out);
        if out.is_empty() {
            match super::timing::Spec::resolve(self) {
                Err(e) => out.push((path.to_string(), e)),
                Ok(spec) => {
                    if let Err(e) = super::power::PowerModel::resolve(self, &spec) {
                        out.push((p("power"), e));
                    }
                }
            }
        }
        out
    }
}
