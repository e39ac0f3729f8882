//! DRAM standards as data: hierarchy, commands, timing parameters and the timing constraint
//! table of each JEDEC standard the model supports (DDR4, DDR5, HBM2, HBM3, GDDR6, LPDDR5).
//!
//! A standard is a [`StandardDef`]: plain tables, no code per standard in the timing model.
//! Each constraint says "at `level`, a command in `pre` issued at cycle t forbids any command in
//! `fol` on the same node before t + latency" (or, with `window` = W, the W-th most recent
//! `pre` command; with `sibling`, on the *other* nodes under the same parent). Latencies are
//! expressions over the standard's timing parameters (e.g. `nCL + nBL + 2 - nCWL`), evaluated
//! once when the configuration is resolved ([`crate::mem::dram::timing`]).
//!
//! Sources: the constraint tables follow the JEDEC standards (JESD79-4 DDR4, JESD79-5 DDR5,
//! JESD235 HBM2, JESD238 HBM3, JESD250 GDDR6, JESD209-5B LPDDR5) as encoded by Ramulator 2.1
//! (CMU-SAFARI/ramulator2, `python/ramulator/dram/*.py`, commit c5b1c3a), so that results can be
//! compared one to one with that simulator. `docs/DRAM.md` lists every value and its source.

use super::presets::{self, OrgPreset, TimingPreset};
use std::collections::BTreeMap;

/// One row of a constraint table.
#[derive(Debug, Clone, Copy)]
pub struct ConstraintDef {
    /// Hierarchy level the constraint applies at (e.g. `Rank`).
    pub level: &'static str,
    /// Earlier commands.
    pub pre: &'static [&'static str],
    /// Later commands.
    pub fol: &'static [&'static str],
    /// Latency expression in timing parameters (clock cycles), e.g. `nCWL + nBL + nWTRS`.
    pub latency: &'static str,
    /// History window: the constraint is measured from the `window`-th most recent `pre`
    /// command on the node (4 for tFAW, 1 otherwise).
    pub window: u32,
    /// Applies to the sibling nodes (same parent, other index) instead of the node itself,
    /// e.g. rank-to-rank switching.
    pub sibling: bool,
}

/// Which controller variant a standard uses (mirrors Ramulator 2.1's per-standard controllers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ControllerKind {
    /// One command per cycle on a single command bus (DDR4, DDR5, GDDR6).
    Generic,
    /// Separate row and column command buses, one command on each per cycle (HBM2).
    DualBus,
    /// Dual bus with half-cycle row commands: column commands and ACT/REF only on the rising
    /// clock edge, precharges on either edge with the JESD238 pairing rules (HBM3).
    DualBusEdges,
    /// Split activate (ACT-1/ACT-2 within tAAD) and WCK2CK synchronisation by a CAS command
    /// before a column access when WCK has stopped (LPDDR5).
    SplitActivate,
}

/// A DRAM standard: everything the model needs, as data.
#[derive(Debug)]
pub struct StandardDef {
    /// Name (`DDR4`, `HBM2`, ...).
    pub name: &'static str,
    /// Hierarchy levels from `Channel` down to `Row` and `Column`.
    pub levels: &'static [&'static str],
    /// Command names, in id order.
    pub commands: &'static [&'static str],
    /// Timing parameter names (values in clock cycles, except `rate` in MT/s and `tCK_ps`).
    pub timing_params: &'static [&'static str],
    /// The constraint table.
    pub constraints: &'static [ConstraintDef],
    /// Command/address bus cycles of commands that do not take exactly one clock.
    pub command_cycles: &'static [(&'static str, f64)],
    /// Simulation ticks per clock (2 for HBM3, whose row commands take half a clock).
    pub tick_multiplier: u32,
    /// Burst length in data beats (the column address granularity of one transaction).
    pub prefetch: u32,
    /// Cycles from a read command to its last data beat.
    pub read_latency: &'static str,
    /// Commands on the row command bus (dual-bus standards only; empty otherwise).
    pub row_commands: &'static [&'static str],
    /// Commands on the column command bus (dual-bus standards only; empty otherwise).
    pub column_commands: &'static [&'static str],
    /// Level whose nodes each receive one all-bank refresh per tREFI.
    pub refresh_scope: &'static str,
    /// Controller variant.
    pub controller: ControllerKind,
    /// Organisation presets.
    pub org_presets: &'static [OrgPreset],
    /// Timing presets.
    pub timing_presets: &'static [TimingPreset],
    /// Derives secondary timings (tRRD, tFAW, tRFC, tREFI, ...) from JEDEC tables.
    pub resolve_secondary: fn(&mut BTreeMap<String, i64>, &OrgPreset),
}

const fn c(
    level: &'static str,
    pre: &'static [&'static str],
    fol: &'static [&'static str],
    latency: &'static str,
) -> ConstraintDef {
    ConstraintDef {
        level,
        pre,
        fol,
        latency,
        window: 1,
        sibling: false,
    }
}

const fn cw(
    level: &'static str,
    pre: &'static [&'static str],
    fol: &'static [&'static str],
    latency: &'static str,
    window: u32,
) -> ConstraintDef {
    ConstraintDef {
        level,
        pre,
        fol,
        latency,
        window,
        sibling: false,
    }
}

const fn cs(
    level: &'static str,
    pre: &'static [&'static str],
    fol: &'static [&'static str],
    latency: &'static str,
) -> ConstraintDef {
    ConstraintDef {
        level,
        pre,
        fol,
        latency,
        window: 1,
        sibling: true,
    }
}

const RD: &[&str] = &["RD", "RDA"];
const WR: &[&str] = &["WR", "WRA"];
const RW: &[&str] = &["RD", "RDA", "WR", "WRA"];

/// DDR4 (JESD79-4).
pub static DDR4: StandardDef = StandardDef {
    name: "DDR4",
    levels: &["Channel", "Rank", "BankGroup", "Bank", "Row", "Column"],
    commands: &["ACT", "PREpb", "PREab", "RD", "WR", "RDA", "WRA", "REFab"],
    timing_params: &[
        "rate", "nBL", "nCL", "nRCD", "nRP", "nRAS", "nRC", "nWR", "nRTP", "nCWL", "nCCDS",
        "nCCDL", "nRRDS", "nRRDL", "nWTRS", "nWTRL", "nFAW", "nRFC", "nREFI", "nCS", "tCK_ps",
    ],
    constraints: &[
        c("Channel", RD, RD, "nBL"),
        c("Channel", WR, WR, "nBL"),
        c("Rank", RD, RD, "nCCDS"),
        c("Rank", WR, WR, "nCCDS"),
        c("Rank", RD, WR, "nCL + nBL + 2 - nCWL"),
        c("Rank", WR, RD, "nCWL + nBL + nWTRS"),
        cs("Rank", RD, RW, "nBL + nCS"),
        cs("Rank", WR, RD, "nCWL + nBL + nCS - nCL"),
        c("Rank", &["RD"], &["PREab"], "nRTP"),
        c("Rank", &["WR"], &["PREab"], "nCWL + nBL + nWR"),
        c("Rank", &["ACT"], &["ACT"], "nRRDS"),
        cw("Rank", &["ACT"], &["ACT"], "nFAW", 4),
        c("Rank", &["ACT"], &["PREab"], "nRAS"),
        c("Rank", &["PREab"], &["ACT"], "nRP"),
        c("Rank", &["ACT"], &["REFab"], "nRC"),
        c("Rank", &["PREpb", "PREab"], &["REFab"], "nRP"),
        c("Rank", &["RDA"], &["REFab"], "nRP + nRTP"),
        c("Rank", &["WRA"], &["REFab"], "nCWL + nBL + nWR + nRP"),
        c("Rank", &["REFab"], &["ACT", "PREab"], "nRFC"),
        c("BankGroup", RD, RD, "nCCDL"),
        c("BankGroup", WR, WR, "nCCDL"),
        c("BankGroup", WR, RD, "nCWL + nBL + nWTRL"),
        c("BankGroup", &["ACT"], &["ACT"], "nRRDL"),
        c("Bank", &["ACT"], &["ACT"], "nRC"),
        c("Bank", &["ACT"], RW, "nRCD"),
        c("Bank", &["ACT"], &["PREpb"], "nRAS"),
        c("Bank", &["PREpb"], &["ACT"], "nRP"),
        c("Bank", &["RD"], &["PREpb"], "nRTP"),
        c("Bank", &["WR"], &["PREpb"], "nCWL + nBL + nWR"),
        c("Bank", &["RDA"], &["ACT"], "nRTP + nRP"),
        c("Bank", &["WRA"], &["ACT"], "nCWL + nBL + nWR + nRP"),
    ],
    command_cycles: &[],
    tick_multiplier: 1,
    prefetch: 8,
    read_latency: "nCL + nBL",
    row_commands: &[],
    column_commands: &[],
    refresh_scope: "Rank",
    controller: ControllerKind::Generic,
    org_presets: presets::DDR4_ORG,
    timing_presets: presets::DDR4_TIMING,
    resolve_secondary: presets::ddr4_secondary,
};

/// DDR5 (JESD79-5): 2-cycle ACT and column commands, tPPD, separate write CCDs.
pub static DDR5: StandardDef = StandardDef {
    name: "DDR5",
    levels: &["Channel", "Rank", "BankGroup", "Bank", "Row", "Column"],
    commands: &["ACT", "PREpb", "PREab", "RD", "WR", "RDA", "WRA", "REFab"],
    timing_params: &[
        "rate", "nBL", "nCL", "nRCD", "nRP", "nRAS", "nRC", "nWR", "nRTP", "nCWL", "nPPD", "nCCDS",
        "nCCDL", "nCCDS_WR", "nCCDL_WR", "nRRDS", "nRRDL", "nWTRS", "nWTRL", "nFAW", "nRFC",
        "nREFI", "nCS", "tCK_ps",
    ],
    constraints: &[
        c("Channel", RD, RD, "nBL"),
        c("Channel", WR, WR, "nBL"),
        c("Rank", RD, RD, "nCCDS"),
        c("Rank", WR, WR, "nCCDS_WR"),
        c("Rank", RD, WR, "nCL + nBL + 2 - nCWL + 2"),
        c("Rank", WR, RD, "nCWL + nBL + nWTRS"),
        cs("Rank", RD, RW, "nBL + nCS"),
        cs("Rank", WR, RD, "nCWL + nBL + nCS - nCL"),
        c("Rank", &["RD"], &["PREab"], "nRTP"),
        c("Rank", &["WR"], &["PREab"], "nCWL + nBL + nWR"),
        c("Rank", &["ACT"], &["ACT"], "nRRDS"),
        cw("Rank", &["ACT"], &["ACT"], "nFAW", 4),
        c("Rank", &["ACT"], &["PREab"], "nRAS"),
        c("Rank", &["PREab"], &["ACT"], "nRP"),
        c("Rank", &["PREpb", "PREab"], &["PREpb", "PREab"], "nPPD"),
        c("Rank", &["ACT"], &["REFab"], "nRC"),
        c("Rank", &["PREpb", "PREab"], &["REFab"], "nRP"),
        c("Rank", &["RDA"], &["REFab"], "nRP + nRTP"),
        c("Rank", &["WRA"], &["REFab"], "nCWL + nBL + nWR + nRP"),
        c("Rank", &["REFab"], &["ACT", "PREab"], "nRFC"),
        c("BankGroup", RD, RD, "nCCDL"),
        c("BankGroup", WR, WR, "nCCDL_WR"),
        c("BankGroup", WR, RD, "nCWL + nBL + nWTRL"),
        c("BankGroup", &["ACT"], &["ACT"], "nRRDL"),
        c("Bank", &["ACT"], &["ACT"], "nRC"),
        c("Bank", &["ACT"], RW, "nRCD"),
        c("Bank", &["ACT"], &["PREpb"], "nRAS"),
        c("Bank", &["PREpb"], &["ACT"], "nRP"),
        c("Bank", &["RD"], &["PREpb"], "nRTP"),
        c("Bank", &["WR"], &["PREpb"], "nCWL + nBL + nWR"),
        c("Bank", &["RDA"], &["ACT"], "nRTP + nRP"),
        c("Bank", &["WRA"], &["ACT"], "nCWL + nBL + nWR + nRP"),
    ],
    command_cycles: &[
        ("ACT", 2.0),
        ("RD", 2.0),
        ("RDA", 2.0),
        ("WR", 2.0),
        ("WRA", 2.0),
    ],
    tick_multiplier: 1,
    prefetch: 16,
    read_latency: "nCL + nBL",
    row_commands: &[],
    column_commands: &[],
    refresh_scope: "Rank",
    controller: ControllerKind::Generic,
    org_presets: presets::DDR5_ORG,
    timing_presets: presets::DDR5_TIMING,
    resolve_secondary: presets::ddr5_secondary,
};

/// HBM2 (JESD235): pseudo-channels, dual command bus, 2-cycle ACT.
pub static HBM2: StandardDef = StandardDef {
    name: "HBM2",
    levels: &[
        "Channel",
        "PseudoChannel",
        "BankGroup",
        "Bank",
        "Row",
        "Column",
    ],
    commands: &[
        "ACT", "PREpb", "PREab", "RD", "WR", "RDA", "WRA", "REFab", "REFpb",
    ],
    timing_params: &[
        "rate", "nBL", "nCL", "nRCDRD", "nRCDWR", "nRP", "nRAS", "nRC", "nWR", "nRTPL", "nCWL",
        "nCCDS", "nCCDL", "nRRDS", "nRRDL", "nWTRS", "nWTRL", "nFAW", "nRFC", "nRFCpb", "nRREFD",
        "nREFI", "nREFIpb", "tCK_ps",
    ],
    constraints: &[
        c("PseudoChannel", RD, RD, "nBL"),
        c("PseudoChannel", WR, WR, "nBL"),
        c("PseudoChannel", RD, RD, "nCCDS"),
        c("PseudoChannel", WR, WR, "nCCDS"),
        c("PseudoChannel", RD, WR, "nCL + nBL + 2 - nCWL"),
        c("PseudoChannel", WR, RD, "nCWL + nBL + nWTRS"),
        c("PseudoChannel", &["RD"], &["PREab"], "nRTPL"),
        c("PseudoChannel", &["WR"], &["PREab"], "nCWL + nBL + nWR"),
        c("PseudoChannel", &["ACT"], &["ACT"], "nRRDS"),
        cw("PseudoChannel", &["ACT"], &["ACT"], "nFAW", 4),
        c("PseudoChannel", &["ACT"], &["PREab"], "nRAS"),
        c("PseudoChannel", &["PREab"], &["ACT"], "nRP"),
        c("PseudoChannel", &["ACT"], &["REFab"], "nRC"),
        c("PseudoChannel", &["PREpb", "PREab"], &["REFab"], "nRP"),
        c("PseudoChannel", &["RDA"], &["REFab"], "nRP + nRTPL"),
        c(
            "PseudoChannel",
            &["WRA"],
            &["REFab"],
            "nCWL + nBL + nWR + nRP",
        ),
        c("PseudoChannel", &["REFab"], &["ACT", "PREab"], "nRFC"),
        c("PseudoChannel", &["REFpb"], &["ACT"], "nRREFD"),
        c("PseudoChannel", &["ACT"], &["REFpb"], "nRRDS"),
        c("BankGroup", RD, RD, "nCCDL"),
        c("BankGroup", WR, WR, "nCCDL"),
        c("BankGroup", WR, RD, "nCWL + nBL + nWTRL"),
        c("BankGroup", &["ACT"], &["ACT"], "nRRDL"),
        c("Bank", &["ACT"], &["ACT"], "nRC"),
        c("Bank", &["ACT"], RD, "nRCDRD"),
        c("Bank", &["ACT"], WR, "nRCDWR"),
        c("Bank", &["ACT"], &["PREpb"], "nRAS"),
        c("Bank", &["PREpb"], &["ACT"], "nRP"),
        c("Bank", &["RD"], &["PREpb"], "nRTPL"),
        c("Bank", &["WR"], &["PREpb"], "nCWL + nBL + nWR"),
        c("Bank", &["RDA"], &["ACT"], "nRTPL + nRP"),
        c("Bank", &["WRA"], &["ACT"], "nCWL + nBL + nWR + nRP"),
        c("Bank", &["REFpb"], &["ACT"], "nRFCpb"),
        c("Bank", &["ACT"], &["REFpb"], "nRC"),
        c("Bank", &["PREpb"], &["REFpb"], "nRP"),
    ],
    command_cycles: &[("ACT", 2.0)],
    tick_multiplier: 1,
    prefetch: 4,
    read_latency: "nCL + nBL",
    row_commands: &["ACT", "PREpb", "PREab", "REFab", "REFpb"],
    column_commands: &["RD", "WR", "RDA", "WRA"],
    refresh_scope: "PseudoChannel",
    controller: ControllerKind::DualBus,
    org_presets: presets::HBM2_ORG,
    timing_presets: presets::HBM2_TIMING,
    resolve_secondary: presets::hbm2_secondary,
};

/// HBM3 (JESD238): stack IDs, half-cycle row commands (1 tick = half a clock), tPPD, tCCDR.
pub static HBM3: StandardDef = StandardDef {
    name: "HBM3",
    levels: &[
        "Channel",
        "PseudoChannel",
        "Sid",
        "BankGroup",
        "Bank",
        "Row",
        "Column",
    ],
    commands: &[
        "ACT", "PREpb", "PREab", "RD", "WR", "RDA", "WRA", "REFab", "REFpb", "RFMab", "RFMpb",
    ],
    timing_params: &[
        "rate", "nBL", "nCL", "nRCDRD", "nRCDWR", "nRP", "nRAS", "nRC", "nWR", "nRTP", "nCWL",
        "nCCDS", "nCCDL", "nCCDR", "nRRDS", "nRRDL", "nWTRS", "nWTRL", "nRTW", "nFAW", "nPPD",
        "nRFC", "nRFCpb", "nRFMab", "nRFMpb", "nRREFD", "nREFI", "nREFIpb", "tCK_ps",
    ],
    constraints: &[
        c("PseudoChannel", RD, RD, "nBL"),
        c("PseudoChannel", WR, WR, "nBL"),
        c("PseudoChannel", RD, WR, "nRTW"),
        c("PseudoChannel", WR, RD, "nCWL + nBL + nWTRS"),
        c("PseudoChannel", &["RD"], &["PREab"], "nRTP"),
        c("PseudoChannel", &["WR"], &["PREab"], "nCWL + nBL + nWR"),
        c("PseudoChannel", &["ACT"], &["ACT"], "nRRDS"),
        cw("PseudoChannel", &["ACT"], &["ACT"], "nFAW", 4),
        c("PseudoChannel", &["ACT"], &["PREab"], "nRAS"),
        c("PseudoChannel", &["PREab"], &["ACT"], "nRP"),
        c(
            "PseudoChannel",
            &["PREpb", "PREab"],
            &["PREpb", "PREab"],
            "nPPD",
        ),
        c("PseudoChannel", &["ACT"], &["REFab"], "nRC"),
        c("PseudoChannel", &["PREpb", "PREab"], &["REFab"], "nRP"),
        c("PseudoChannel", &["RDA"], &["REFab"], "nRP + nRTP"),
        c(
            "PseudoChannel",
            &["WRA"],
            &["REFab"],
            "nCWL + nBL + nWR + nRP",
        ),
        c("PseudoChannel", &["REFab"], &["ACT", "PREab"], "nRFC"),
        c("PseudoChannel", &["REFpb"], &["REFpb"], "nRREFD"),
        c("PseudoChannel", &["REFpb"], &["ACT"], "nRREFD"),
        c("PseudoChannel", &["ACT"], &["REFpb"], "nRRDS"),
        c("PseudoChannel", &["ACT"], &["RFMab"], "nRC"),
        c("PseudoChannel", &["PREpb", "PREab"], &["RFMab"], "nRP"),
        c("PseudoChannel", &["RDA"], &["RFMab"], "nRP + nRTP"),
        c(
            "PseudoChannel",
            &["WRA"],
            &["RFMab"],
            "nCWL + nBL + nWR + nRP",
        ),
        c("PseudoChannel", &["RFMab"], &["ACT", "PREab"], "nRFMab"),
        c("PseudoChannel", &["RFMpb"], &["ACT"], "nRREFD"),
        c("PseudoChannel", &["ACT"], &["RFMpb"], "nRRDS"),
        c("Sid", RD, RD, "nCCDS"),
        c("Sid", WR, WR, "nCCDS"),
        cs("Sid", RD, RD, "nCCDR"),
        c("BankGroup", RD, RD, "nCCDL"),
        c("BankGroup", WR, WR, "nCCDL"),
        c("BankGroup", WR, RD, "nCWL + nBL + nWTRL"),
        c("BankGroup", &["ACT"], &["ACT"], "nRRDL"),
        c("Bank", &["ACT"], &["ACT"], "nRC"),
        c("Bank", &["ACT"], RD, "nRCDRD"),
        c("Bank", &["ACT"], WR, "nRCDWR"),
        c("Bank", &["ACT"], &["PREpb"], "nRAS"),
        c("Bank", &["PREpb"], &["ACT"], "nRP"),
        c("Bank", &["RD"], &["PREpb"], "nRTP"),
        c("Bank", &["WR"], &["PREpb"], "nCWL + nBL + nWR"),
        c("Bank", &["RDA"], &["ACT"], "nRTP + nRP"),
        c("Bank", &["WRA"], &["ACT"], "nCWL + nBL + nWR + nRP"),
        c("Bank", &["REFpb"], &["ACT"], "nRFCpb"),
        c("Bank", &["ACT"], &["REFpb"], "nRC"),
        c("Bank", &["PREpb"], &["REFpb"], "nRP"),
        c("Bank", &["RFMpb"], &["ACT"], "nRFMpb"),
        c("Bank", &["ACT"], &["RFMpb"], "nRC"),
        c("Bank", &["PREpb"], &["RFMpb"], "nRP"),
    ],
    command_cycles: &[
        ("ACT", 1.5),
        ("PREpb", 0.5),
        ("PREab", 0.5),
        ("REFab", 0.5),
        ("REFpb", 0.5),
        ("RFMab", 0.5),
        ("RFMpb", 0.5),
    ],
    tick_multiplier: 2,
    prefetch: 8,
    read_latency: "nCL + nBL",
    row_commands: &["ACT", "PREpb", "PREab", "REFab", "REFpb", "RFMab", "RFMpb"],
    column_commands: &["RD", "WR", "RDA", "WRA"],
    refresh_scope: "PseudoChannel",
    controller: ControllerKind::DualBusEdges,
    org_presets: presets::HBM3_ORG,
    timing_presets: presets::HBM3_TIMING,
    resolve_secondary: presets::hbm3_secondary,
};

/// GDDR6 (JESD250): two independent 16-bit channels per device, BL16, per-bank refresh.
pub static GDDR6: StandardDef = StandardDef {
    name: "GDDR6",
    levels: &["Channel", "BankGroup", "Bank", "Row", "Column"],
    commands: &[
        "ACT", "PREab", "PREpb", "RD", "WR", "RDA", "WRA", "REFab", "REFpb",
    ],
    timing_params: &[
        "rate", "nBL", "nCL", "nRCDRD", "nRCDWR", "nRP", "nRAS", "nRC", "nWR", "nRTP", "nCWL",
        "nCCDS", "nCCDL", "nRRDS", "nRRDL", "nWTRS", "nWTRL", "nFAW", "nRFCpb", "nRREFD", "nREFI",
        "tCK_ps", "nRFCab", "nPPD",
    ],
    constraints: &[
        c("Channel", RD, RD, "nBL"),
        c("Channel", WR, WR, "nBL"),
        c("Channel", RD, RD, "nCCDS"),
        c("Channel", WR, WR, "nCCDS"),
        c("Channel", RD, WR, "nCL + 1"),
        c("Channel", WR, RD, "nCWL + nBL + nWTRS"),
        c("Channel", &["RD"], &["PREab"], "nRTP"),
        c("Channel", &["WR"], &["PREab"], "nCWL + nBL + nWR"),
        c("Channel", &["ACT"], &["ACT"], "nRRDS"),
        cw("Channel", &["ACT"], &["ACT", "REFpb"], "nFAW", 4),
        cw("Channel", &["REFpb"], &["ACT", "REFpb"], "nFAW", 4),
        c("Channel", &["ACT"], &["PREab"], "nRAS"),
        c("Channel", &["PREab"], &["ACT"], "nRP"),
        c("Channel", &["PREab", "PREpb"], &["PREab", "PREpb"], "nPPD"),
        c("Channel", &["ACT"], &["REFab"], "nRC"),
        c("Channel", &["PREab"], &["REFab"], "nRP"),
        c("Channel", &["RDA"], &["REFab"], "nRP + nRTP"),
        c("Channel", &["WRA"], &["REFab"], "nCWL + nBL + nWR + nRP"),
        c(
            "Channel",
            &["REFab"],
            &[
                "ACT", "PREab", "PREpb", "RD", "WR", "RDA", "WRA", "REFab", "REFpb",
            ],
            "nRFCab",
        ),
        c("Channel", &["ACT"], &["REFpb"], "nRRDS"),
        c("Channel", &["PREab"], &["REFpb"], "nRP"),
        c("Channel", &["RDA"], &["REFpb"], "nRP + nRTP"),
        c("Channel", &["WRA"], &["REFpb"], "nCWL + nBL + nWR + nRP"),
        c("Channel", &["REFpb"], &["ACT"], "nRREFD"),
        c("Channel", &["REFpb"], &["REFpb"], "nRREFD"),
        c("Channel", &["REFpb"], &["REFab"], "nRFCpb"),
        c("BankGroup", RD, RD, "nCCDL"),
        c("BankGroup", WR, WR, "nCCDL"),
        c("BankGroup", WR, RD, "nCWL + nBL + nWTRL"),
        c("BankGroup", &["ACT"], &["ACT", "REFpb"], "nRRDL"),
        c("Bank", &["ACT"], &["ACT"], "nRC"),
        c("Bank", &["ACT"], RD, "nRCDRD"),
        c("Bank", &["ACT"], WR, "nRCDWR"),
        c("Bank", &["ACT"], &["PREpb"], "nRAS"),
        c("Bank", &["PREpb"], &["ACT"], "nRP"),
        c("Bank", &["RD"], &["PREpb"], "nRTP"),
        c("Bank", &["WR"], &["PREpb"], "nCWL + nBL + nWR"),
        c("Bank", &["RDA"], &["ACT"], "nRTP + nRP"),
        c("Bank", &["WRA"], &["ACT"], "nCWL + nBL + nWR + nRP"),
        c("Bank", &["ACT"], &["REFpb"], "nRC"),
        c("Bank", &["PREpb"], &["REFpb"], "nRP"),
        c("Bank", &["RDA"], &["REFpb"], "nRP + nRTP"),
        c("Bank", &["WRA"], &["REFpb"], "nCWL + nBL + nWR + nRP"),
        c("Bank", &["REFpb"], &["ACT", "REFpb"], "nRFCpb"),
    ],
    command_cycles: &[
        ("ACT", 1.0),
        ("RD", 1.0),
        ("RDA", 1.0),
        ("WR", 1.0),
        ("WRA", 1.0),
    ],
    tick_multiplier: 1,
    prefetch: 16,
    read_latency: "nCL + nBL",
    row_commands: &[],
    column_commands: &[],
    refresh_scope: "Channel",
    controller: ControllerKind::Generic,
    org_presets: presets::GDDR6_ORG,
    timing_presets: presets::GDDR6_TIMING,
    resolve_secondary: presets::gddr6_secondary,
};

/// LPDDR5 (JESD209-5B): split activate, WCK2CK sync (CAS), BL16 in bank-group mode.
pub static LPDDR5: StandardDef = StandardDef {
    name: "LPDDR5",
    levels: &["Channel", "Rank", "BankGroup", "Bank", "Row", "Column"],
    commands: &[
        "ACT1", "ACT2", "PREpb", "PREab", "CAS_RD", "CAS_WR", "RD", "WR", "RDA", "WRA", "REFab",
        "REFpb",
    ],
    timing_params: &[
        "rate", "nBL_min", "nBL_max", "nCL", "nRCD", "nRP", "nRPab", "nRAS", "nRC", "nWR", "nRTP",
        "nCWL", "nPPD", "nCCDS", "nCCDL", "nCCDS_WR", "nCCDL_WR", "nRRDS", "nRRDL", "nWTRS",
        "nWTRL", "nFAW", "nRFC", "nRFCpb", "nREFI", "nREFIpb", "nWCKPST", "nCAS", "nAAD", "nCS",
        "tCK_ps", "nPBR2PBR", "nPBR2ACT",
    ],
    constraints: &[
        c("Channel", RD, RD, "nBL_min"),
        c("Channel", WR, WR, "nBL_min"),
        c("Bank", &["CAS_RD"], RD, "nCAS"),
        c("Bank", &["CAS_WR"], WR, "nCAS"),
        c("Rank", RD, RD, "nCCDS"),
        c("Rank", WR, WR, "nCCDS_WR"),
        c("Rank", RD, WR, "nCL + nBL_min + 2 - nCWL"),
        c("Rank", WR, RD, "nCWL + nBL_min + nWTRS"),
        cs("Rank", RD, RW, "nBL_min + nCS"),
        cs("Rank", WR, RD, "nCL + nBL_min + nCS - nCWL"),
        c("Rank", &["RD"], &["PREab"], "nRTP"),
        c("Rank", &["WR"], &["PREab"], "nCWL + nBL_min + nWR"),
        c("Rank", &["ACT1"], &["ACT1"], "nRRDS"),
        cw("Rank", &["ACT1"], &["ACT1"], "nFAW", 4),
        c("Rank", &["ACT1"], &["PREab"], "nRAS"),
        c("Rank", &["PREab"], &["ACT1"], "nRPab"),
        c("Rank", &["PREpb", "PREab"], &["PREpb", "PREab"], "nPPD"),
        c("Rank", &["ACT1"], &["REFab"], "nRC"),
        c("Rank", &["PREpb", "PREab"], &["REFab"], "nRP"),
        c("Rank", &["RDA"], &["REFab"], "nRP + nRTP"),
        c("Rank", &["WRA"], &["REFab"], "nCWL + nBL_min + nWR + nRP"),
        c(
            "Rank",
            &["REFab"],
            &["ACT1", "PREab", "REFpb", "REFab"],
            "nRFC",
        ),
        c("Rank", &["REFpb"], &["REFpb"], "nPBR2PBR"),
        c("Rank", &["REFpb"], &["REFab"], "nRFCpb"),
        c("Rank", &["REFpb"], &["ACT1"], "nPBR2ACT"),
        c("BankGroup", RD, RD, "nCCDL"),
        c("BankGroup", WR, WR, "nCCDL_WR"),
        c("BankGroup", WR, RD, "nCWL + nBL_max + nWTRL"),
        c("BankGroup", &["ACT1"], &["ACT1"], "nRRDL"),
        c("Bank", &["ACT1"], &["ACT1"], "nRC"),
        c("Bank", &["ACT1"], RW, "nRCD"),
        c("Bank", &["ACT1"], &["PREpb"], "nRAS"),
        c("Bank", &["PREpb"], &["ACT1"], "nRP"),
        c("Bank", &["RD"], &["PREpb"], "nRTP"),
        c("Bank", &["WR"], &["PREpb"], "nCWL + nBL_min + nWR"),
        c("Bank", &["RDA"], &["ACT1"], "nRTP + nRP"),
        c("Bank", &["WRA"], &["ACT1"], "nCWL + nBL_min + nWR + nRP"),
        c("Bank", &["REFpb"], &["ACT1"], "nRFCpb"),
        c("Bank", &["ACT1"], &["REFpb"], "nRC"),
        c("Bank", &["PREpb"], &["REFpb"], "nRP"),
    ],
    command_cycles: &[],
    tick_multiplier: 1,
    prefetch: 16,
    read_latency: "nCL + nBL_min",
    row_commands: &[],
    column_commands: &[],
    refresh_scope: "Rank",
    controller: ControllerKind::SplitActivate,
    org_presets: presets::LPDDR5_ORG,
    timing_presets: presets::LPDDR5_TIMING,
    resolve_secondary: presets::lpddr5_secondary,
};

/// Every supported standard.
pub static ALL: &[&StandardDef] = &[&DDR4, &DDR5, &HBM2, &HBM3, &GDDR6, &LPDDR5];

/// Look a standard up by name (case-insensitive).
pub fn by_name(name: &str) -> Option<&'static StandardDef> {
    ALL.iter()
        .copied()
        .find(|s| s.name.eq_ignore_ascii_case(name))
}
