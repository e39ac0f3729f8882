//! DRAM energy: per-command energies from datasheet currents (IDD values), the background
//! (standby) time of every power domain, and the energy terms a run reports.
//!
//! The model is the one of Micron TN-41-01 ("Calculating Memory System Power for DDR3") and of
//! DRAMPower (Chandrasekar et al., "Improved Power Modeling of DDR SDRAMs", DSD 2011), as also
//! used by DRAMsim3: every IDD current of a datasheet is measured with a known command pattern,
//! so the energy a command adds on top of the background is its current minus the background
//! current, times the supply voltage, times how long it lasts. Per device and per supply rail
//! (voltage `V`, `t` in ns, currents in mA, so mA x V x ns = pJ):
//!
//! - an activate-precharge pair: `V (IDD0 tRC - IDD3N tRAS - IDD2N (tRC - tRAS))` (TN-41-01
//!   P(ACT) times tRC), counted per ACT;
//! - a read burst: `V (IDD4R - IDD3N) tBURST`, a write burst: `V (IDD4W - IDD3N) tBURST`, where
//!   tBURST is the data-bus time of one transaction;
//! - an all-bank refresh: `V (IDD5B - IDD3N) tRFC`; a per-bank refresh: `V (IDD5PB - IDD3N)
//!   tRFCpb` (the refresh time itself counts as active background, as in DRAMPower);
//! - background: `V IDD3N` while any bank of the power domain is open (or refreshing), `V IDD2N`
//!   while all its banks are closed.
//!
//! Every term is summed over the rails the preset gives (VDD, and VPP or LPDDR5's VDD1 and VDDQ)
//! and multiplied by the number of devices that one command drives (the devices of a rank; a
//! fraction of the source's device for HBM pseudo-channels, see [`PowerPreset::devices`]).
//! An increment that a source's currents would make negative is taken as zero. I/O and
//! termination energy, when a source gives it per bit, is added to reads and writes for the
//! whole transaction. Power-down and self-refresh are not modelled (the controllers never enter
//! them), so background energy is standby energy.
//!
//! A power domain is a node of the refresh scope (a rank for DDR4/DDR5/LPDDR5, a pseudo-channel
//! for HBM2/HBM3, the channel for GDDR6): the granularity at which the IDD2N/IDD3N states are
//! defined.

use super::config::{DramConfig, RailOverrides};
use super::presets;
use super::timing::{CmdKind, Spec};
use serde::Serialize;

/// The currents of one supply rail, mA, and its voltage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rail {
    /// Supply voltage, V.
    pub volts: f64,
    /// One-bank activate-precharge current.
    pub idd0: f64,
    /// Precharge standby current.
    pub idd2n: f64,
    /// Active standby current.
    pub idd3n: f64,
    /// Burst read current.
    pub idd4r: f64,
    /// Burst write current.
    pub idd4w: f64,
    /// Burst (all-bank) refresh current.
    pub idd5b: f64,
    /// Per-bank refresh current (during tRFCpb).
    pub idd5pb: f64,
}

impl Rail {
    /// A rail that draws nothing.
    pub const NONE: Rail = Rail {
        volts: 0.0,
        idd0: 0.0,
        idd2n: 0.0,
        idd3n: 0.0,
        idd4r: 0.0,
        idd4w: 0.0,
        idd5b: 0.0,
        idd5pb: 0.0,
    };

    fn apply(&mut self, o: &RailOverrides) {
        let set = |dst: &mut f64, v: Option<f64>| {
            if let Some(v) = v {
                *dst = v;
            }
        };
        set(&mut self.volts, o.volts);
        set(&mut self.idd0, o.idd0_ma);
        set(&mut self.idd2n, o.idd2n_ma);
        set(&mut self.idd3n, o.idd3n_ma);
        set(&mut self.idd4r, o.idd4r_ma);
        set(&mut self.idd4w, o.idd4w_ma);
        set(&mut self.idd5b, o.idd5b_ma);
        set(&mut self.idd5pb, o.idd5pb_ma);
    }
}

/// The power data of a part: its rails, how many devices one command drives, I/O energy, and
/// where the numbers come from.
#[derive(Debug, Clone, Copy)]
pub struct PowerPreset {
    /// Standard.
    pub standard: &'static str,
    /// Organisation preset it applies to (`*`: any).
    pub org: &'static str,
    /// Prefix of the timing presets it applies to (`*`: any).
    pub timing: &'static str,
    /// Devices driven by one command to a power domain, in units of the source's device (`None`:
    /// the devices of a rank, channel width / DQ, as for DDR4, DDR5, GDDR6, LPDDR5). HBM uses
    /// 0.5: a pseudo-channel is half of the 128-bit legacy channel the source's currents are for.
    pub devices: Option<f64>,
    /// Core supply (VDD; LPDDR5: VDD2H).
    pub vdd: Rail,
    /// Second supply (VPP word-line pump; LPDDR5: VDD1), or [`Rail::NONE`].
    pub vpp: Rail,
    /// I/O supply (LPDDR5 VDDQ), or [`Rail::NONE`].
    pub vddq: Rail,
    /// I/O and termination energy per bit read, pJ, when the source gives one.
    pub io_read_pj_per_bit: f64,
    /// I/O and termination energy per bit written, pJ, when the source gives one.
    pub io_write_pj_per_bit: f64,
    /// Where the values come from.
    pub source: &'static str,
    /// Whether the values are an estimate derived from another part (no public table).
    pub estimate: bool,
    /// Bank-wise activation baseline (DDR5): `Some(rho)` when the source's IDD3N is measured
    /// with every bank open and exceeds IDD0, so that the activate-precharge increment uses the
    /// one-bank-active current `I1 = (IDD3N + (B - 1) (rho (IDD3N - IDD2N) + IDD2N)) / B` (B
    /// banks per rank) instead of IDD3N, as DRAMPower 5 does (Jung et al., "A Bank-Wise DRAM
    /// Power Model for System Simulations", RAPIDO 2017; rho = 0.5 is its default).
    pub bankwise_rho: Option<f64>,
}

/// Energy of one command and of one tick of background, for one power domain, pJ.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prices {
    /// One activate and its precharge (ACT, or LPDDR5 ACT-1 + ACT-2).
    pub act_pj: f64,
    /// One read burst (RD or RDA), I/O included.
    pub rd_pj: f64,
    /// One write burst (WR or WRA), I/O included.
    pub wr_pj: f64,
    /// One all-bank refresh.
    pub ref_pj: f64,
    /// One per-bank refresh.
    pub refpb_pj: f64,
    /// One tick of one power domain with a bank open or refreshing.
    pub bg_active_pj: f64,
    /// One tick of one power domain with every bank closed.
    pub bg_precharged_pj: f64,
}

/// The resolved power model of a configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct PowerModel {
    /// Rails after overrides: VDD, VPP, VDDQ.
    pub rails: [Rail; 3],
    /// Devices per command (after overrides).
    pub devices: f64,
    /// Per-command and per-tick energies.
    pub prices: Prices,
    /// Source of the preset values.
    pub source: &'static str,
    /// Whether the preset values are an estimate.
    pub estimate: bool,
}

/// The power preset for a standard, organisation and timing preset: the first entry of
/// [`presets::POWER`] whose organisation matches (or is `*`) and whose timing prefix starts the
/// timing preset's name (or is `*`); entries are ordered most specific first, and every
/// standard ends with a `*`/`*` entry for its default part.
pub fn preset_for(standard: &str, org: &str, timing: &str) -> Option<&'static PowerPreset> {
    presets::POWER.iter().find(|p| {
        p.standard == standard
            && (p.org == "*" || p.org == org)
            && (p.timing == "*" || timing.starts_with(p.timing))
    })
}

impl PowerModel {
    /// The power model of `cfg` on the resolved `spec`: the preset's values with the
    /// `[memory.power]` overrides applied.
    pub fn resolve(cfg: &DramConfig, spec: &Spec) -> Result<PowerModel, String> {
        let p =
            preset_for(&cfg.standard, &cfg.org_preset, &cfg.timing_preset).ok_or_else(|| {
                format!(
                    "{}: no power data for this standard: set [memory.power] currents",
                    cfg.standard
                )
            })?;
        let o = &cfg.power;
        let mut rails = [p.vdd, p.vpp, p.vddq];
        rails[0].apply(&o.vdd);
        rails[1].apply(&o.vpp);
        rails[2].apply(&o.vddq);
        let devices = o.devices.unwrap_or(
            p.devices
                .unwrap_or(spec.org.channel_width as f64 / spec.org.dq.max(1) as f64),
        );
        let io_rd = o.io_read_pj_per_bit.unwrap_or(p.io_read_pj_per_bit);
        let io_wr = o.io_write_pj_per_bit.unwrap_or(p.io_write_pj_per_bit);
        let ns = |ticks: i64| ticks as f64 * spec.tick_ps / 1000.0;
        let t_rc = ns(spec.t("nRC"));
        let t_ras = ns(spec.t("nRAS"));
        let t_burst = ns(spec.burst_ticks());
        let rfc = if spec.timing.contains_key("nRFCab") {
            spec.t("nRFCab")
        } else {
            spec.t("nRFC")
        };
        let t_rfc = ns(rfc);
        let t_rfcpb = ns(spec.t("nRFCpb"));
        let tick = spec.tick_ps / 1000.0;
        let bits = spec.tx_bytes as f64 * 8.0;
        let sum = |f: &dyn Fn(&Rail) -> f64| -> f64 {
            rails.iter().map(|r| r.volts * f(r).max(0.0)).sum::<f64>() * devices
        };
        let banks = (spec.org.banks() / spec.org.nodes[spec.refresh_level]).max(1) as f64;
        let one_bank = |r: &Rail| match p.bankwise_rho {
            Some(rho) => (r.idd3n + (banks - 1.0) * (rho * (r.idd3n - r.idd2n) + r.idd2n)) / banks,
            None => r.idd3n,
        };
        let prices = Prices {
            act_pj: sum(&|r| r.idd0 * t_rc - one_bank(r) * t_ras - r.idd2n * (t_rc - t_ras)),
            rd_pj: sum(&|r| (r.idd4r - r.idd3n) * t_burst) + io_rd * bits,
            wr_pj: sum(&|r| (r.idd4w - r.idd3n) * t_burst) + io_wr * bits,
            ref_pj: sum(&|r| (r.idd5b - r.idd3n) * t_rfc),
            refpb_pj: sum(&|r| (r.idd5pb - r.idd3n) * t_rfcpb),
            bg_active_pj: sum(&|r| r.idd3n * tick),
            bg_precharged_pj: sum(&|r| r.idd2n * tick),
        };
        // Prices given directly replace the derived ones.
        let prices = Prices {
            act_pj: o.act_pj.unwrap_or(prices.act_pj),
            rd_pj: o.rd_pj.unwrap_or(prices.rd_pj),
            wr_pj: o.wr_pj.unwrap_or(prices.wr_pj),
            ref_pj: o.ref_pj.unwrap_or(prices.ref_pj),
            refpb_pj: o.refpb_pj.unwrap_or(prices.refpb_pj),
            bg_active_pj: o.bg_active_pj_per_tick.unwrap_or(prices.bg_active_pj),
            bg_precharged_pj: o
                .bg_precharged_pj_per_tick
                .unwrap_or(prices.bg_precharged_pj),
        };
        Ok(PowerModel {
            rails,
            devices,
            prices,
            source: p.source,
            estimate: p.estimate,
        })
    }
}

/// Background bookkeeping of one channel: for every power domain, how many of its banks are
/// open and until when it refreshes, and the ticks it has spent active.
#[derive(Debug, Clone)]
pub struct Background {
    /// Banks per power domain.
    span: usize,
    open_bank: Vec<bool>,
    open: Vec<u32>,
    busy_until: Vec<i64>,
    last: Vec<i64>,
    active: Vec<u64>,
    t_rfc: i64,
    t_rfcpb: i64,
}

impl Background {
    /// Bookkeeping for the power domains of `spec` (nodes of the refresh scope), all banks
    /// closed at tick 0.
    pub fn new(spec: &Spec) -> Background {
        let org = &spec.org;
        let domains = org.nodes[spec.refresh_level];
        let rfc = if spec.timing.contains_key("nRFCab") {
            spec.t("nRFCab")
        } else {
            spec.t("nRFC")
        };
        Background {
            span: org.banks() / domains,
            open_bank: vec![false; org.banks()],
            open: vec![0; domains],
            busy_until: vec![0; domains],
            last: vec![0; domains],
            active: vec![0; domains],
            t_rfc: rfc,
            t_rfcpb: spec.t("nRFCpb"),
        }
    }

    /// Number of power domains.
    pub fn domains(&self) -> usize {
        self.open.len()
    }

    #[inline]
    fn account(&mut self, d: usize, clk: i64) {
        let last = self.last[d];
        if clk <= last {
            return;
        }
        if self.open[d] > 0 {
            self.active[d] += (clk - last) as u64;
        } else if self.busy_until[d] > last {
            self.active[d] += (clk.min(self.busy_until[d]) - last) as u64;
        }
        self.last[d] = clk;
    }

    /// Record a command of kind `kind` issued to the banks `banks` (flat ids; all of them in
    /// one power domain) at tick `clk`.
    #[inline]
    pub fn command(&mut self, kind: CmdKind, banks: std::ops::Range<usize>, clk: i64) {
        if banks.is_empty() {
            return;
        }
        let d = banks.start / self.span;
        match kind {
            CmdKind::Act | CmdKind::Act1 => {
                self.account(d, clk);
                let b = banks.start;
                if !self.open_bank[b] {
                    self.open_bank[b] = true;
                    self.open[d] += 1;
                }
            }
            CmdKind::PrePb | CmdKind::PreAb | CmdKind::Rda | CmdKind::Wra => {
                self.account(d, clk);
                for b in banks {
                    if self.open_bank[b] {
                        self.open_bank[b] = false;
                        self.open[d] -= 1;
                    }
                }
            }
            CmdKind::RefAb | CmdKind::RfmAb => {
                self.account(d, clk);
                self.busy_until[d] = self.busy_until[d].max(clk + self.t_rfc);
            }
            CmdKind::RefPb | CmdKind::RfmPb => {
                self.account(d, clk);
                self.busy_until[d] = self.busy_until[d].max(clk + self.t_rfcpb);
            }
            _ => {}
        }
    }

    /// Active ticks summed over power domains, counting up to tick `end`, and the precharged
    /// ticks (domains x `end` - active).
    pub fn totals(&self, end: i64) -> (u64, u64) {
        let mut c = self.clone();
        let mut active = 0u64;
        for d in 0..c.domains() {
            c.account(d, end);
            active += c.active[d];
        }
        let all = c.domains() as u64 * end.max(0) as u64;
        (active, all.saturating_sub(active))
    }
}

/// Counts of the priced DRAM actions of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ActionCounts {
    /// Activates (ACT, or LPDDR5 ACT-1).
    pub act: u64,
    /// Read bursts (RD, RDA).
    pub rd: u64,
    /// Write bursts (WR, WRA).
    pub wr: u64,
    /// All-bank refreshes.
    pub refab: u64,
    /// Per-bank refreshes.
    pub refpb: u64,
    /// Power-domain ticks with a bank open or refreshing.
    pub bg_active: u64,
    /// Power-domain ticks with every bank closed.
    pub bg_precharged: u64,
}

/// One priced action (a line of `energy.csv`, a term of `summary.json`'s energy).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnergyAction {
    /// Action key (`dram_act`, ...).
    pub action: &'static str,
    /// How many.
    pub count: u64,
    /// Energy of one, pJ.
    pub pj_each: f64,
    /// count x pj_each, pJ.
    pub energy_pj: f64,
}

/// The priced actions in report order: keys, counts and prices.
pub fn actions(c: &ActionCounts, p: &Prices) -> Vec<EnergyAction> {
    [
        ("dram_act", c.act, p.act_pj),
        ("dram_rd", c.rd, p.rd_pj),
        ("dram_wr", c.wr, p.wr_pj),
        ("dram_ref", c.refab, p.ref_pj),
        ("dram_refpb", c.refpb, p.refpb_pj),
        ("dram_bg_active_cycles", c.bg_active, p.bg_active_pj),
        (
            "dram_bg_precharged_cycles",
            c.bg_precharged,
            p.bg_precharged_pj,
        ),
    ]
    .into_iter()
    .map(|(action, count, pj_each)| EnergyAction {
        action,
        count,
        pj_each,
        energy_pj: count as f64 * pj_each,
    })
    .collect()
}

/// Count the priced commands of `by_id` (commands issued, by command id).
pub fn command_actions(spec: &Spec, by_id: &[u64]) -> ActionCounts {
    let mut c = ActionCounts::default();
    for (i, n) in by_id.iter().enumerate() {
        match spec.commands[i].kind {
            CmdKind::Act | CmdKind::Act1 => c.act += n,
            CmdKind::Rd | CmdKind::Rda => c.rd += n,
            CmdKind::Wr | CmdKind::Wra => c.wr += n,
            CmdKind::RefAb => c.refab += n,
            CmdKind::RefPb => c.refpb += n,
            _ => {}
        }
    }
    c
}
