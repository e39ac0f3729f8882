//! The resolved device specification: a standard's tables with a preset's values plugged in,
//! overrides applied, latency expressions evaluated, and the timing constraint table laid out
//! per level and command for the device model ([`super::device`]) and as a flat list for the
//! independent checker ([`super::checker`]).
//!
//! Two rules turn JEDEC values into simulated cycles (as in Ramulator 2.1, `spec.py`):
//! - Standards whose row commands take half a clock (HBM3) are simulated in half-clock ticks:
//!   every cycle value is multiplied by the tick multiplier.
//! - JEDEC timings run between the *ends* of commands, while the model records a command at
//!   its first bus cycle. A constraint from a `p`-cycle command to an `f`-cycle command is
//!   therefore `nominal + (p - 1) - (f - 1)` ticks (HBM2's 2-cycle ACT makes ACT->RD
//!   nRCDRD + 1), and a command occupying its bus for `n > 1` ticks blocks every command on the
//!   same bus for `n` ticks.

use super::config::DramConfig;
use super::org::Org;
use super::standards::{self, ControllerKind, StandardDef};
use std::collections::BTreeMap;

/// What a command does to bank state; derived from the command's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmdKind {
    /// Activate a row (opens the bank).
    Act,
    /// LPDDR5 ACT-1: first half of a split activate (bank becomes "activating").
    Act1,
    /// LPDDR5 ACT-2: second half of a split activate (bank opens).
    Act2,
    /// Precharge one bank.
    PrePb,
    /// Precharge every bank under the target node.
    PreAb,
    /// Column read.
    Rd,
    /// Column write.
    Wr,
    /// Column read with auto-precharge.
    Rda,
    /// Column write with auto-precharge.
    Wra,
    /// All-bank refresh.
    RefAb,
    /// Per-bank refresh.
    RefPb,
    /// All-bank refresh management (HBM3).
    RfmAb,
    /// Per-bank refresh management (HBM3).
    RfmPb,
    /// LPDDR5 WCK2CK synchronisation before a read.
    CasRd,
    /// LPDDR5 WCK2CK synchronisation before a write.
    CasWr,
}

impl CmdKind {
    fn from_name(n: &str) -> Option<CmdKind> {
        Some(match n {
            "ACT" => CmdKind::Act,
            "ACT1" => CmdKind::Act1,
            "ACT2" => CmdKind::Act2,
            "PREpb" => CmdKind::PrePb,
            "PREab" => CmdKind::PreAb,
            "RD" => CmdKind::Rd,
            "WR" => CmdKind::Wr,
            "RDA" => CmdKind::Rda,
            "WRA" => CmdKind::Wra,
            "REFab" => CmdKind::RefAb,
            "REFpb" => CmdKind::RefPb,
            "RFMab" => CmdKind::RfmAb,
            "RFMpb" => CmdKind::RfmPb,
            "CAS_RD" => CmdKind::CasRd,
            "CAS_WR" => CmdKind::CasWr,
            _ => return None,
        })
    }
}

/// Metadata of one command of the resolved standard.
#[derive(Debug, Clone)]
pub struct CmdInfo {
    /// Name (`ACT`, `RD`, ...).
    pub name: &'static str,
    /// Semantics.
    pub kind: CmdKind,
    /// Opens a row.
    pub opening: bool,
    /// Closes a row.
    pub closing: bool,
    /// Moves data.
    pub accessing: bool,
    /// Refreshes.
    pub refreshing: bool,
    /// Targets every bank under its node (PREab, REFab, RFMab) rather than one bank.
    pub all_bank: bool,
    /// On the row command bus (dual-bus standards).
    pub row_bus: bool,
    /// On the column command bus (dual-bus standards).
    pub col_bus: bool,
    /// Command-bus occupancy in ticks.
    pub bus_ticks: i64,
}

/// One resolved constraint: `(level, earlier, later, latency, window, sibling)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Constraint {
    /// Level index.
    pub level: usize,
    /// Earlier command id.
    pub pre: u8,
    /// Later command id.
    pub fol: u8,
    /// Minimum distance in ticks.
    pub latency: i64,
    /// History window (the `window`-th most recent earlier command counts).
    pub window: u32,
    /// Applies between sibling nodes.
    pub sibling: bool,
}

/// Ids of the commands the controller needs by role (`None` if the standard lacks it).
#[derive(Debug, Clone, Copy, Default)]
pub struct CmdIds {
    /// ACT (or ACT1 for split activate).
    pub act: Option<u8>,
    /// ACT2.
    pub act2: Option<u8>,
    /// PREpb.
    pub pre_pb: Option<u8>,
    /// PREab.
    pub pre_ab: Option<u8>,
    /// RD.
    pub rd: Option<u8>,
    /// WR.
    pub wr: Option<u8>,
    /// RDA.
    pub rda: Option<u8>,
    /// WRA.
    pub wra: Option<u8>,
    /// REFab.
    pub ref_ab: Option<u8>,
    /// REFpb.
    pub ref_pb: Option<u8>,
    /// CAS_RD.
    pub cas_rd: Option<u8>,
    /// CAS_WR.
    pub cas_wr: Option<u8>,
}

/// A fully resolved device: organisation, commands, timing values, constraint table.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The standard.
    pub standard: &'static StandardDef,
    /// Organisation preset name.
    pub org_preset: String,
    /// Timing preset name.
    pub timing_preset: String,
    /// Organisation.
    pub org: Org,
    /// Commands by id.
    pub commands: Vec<CmdInfo>,
    /// Command ids by role.
    pub ids: CmdIds,
    /// Timing values by name, in ticks (`rate` in MT/s).
    pub timing: BTreeMap<String, i64>,
    /// The constraint table (bus occupancy first, then the standard's rows).
    pub table: Vec<Constraint>,
    /// Ticks from a read command to its last data beat.
    pub read_latency: i64,
    /// Bytes moved by one read or write command.
    pub tx_bytes: u32,
    /// Duration of one simulation tick in picoseconds.
    pub tick_ps: f64,
    /// Ticks per device clock (2 for HBM3).
    pub tick_multiplier: u32,
    /// Level refreshed by one all-bank refresh.
    pub refresh_level: usize,
    /// Controller variant.
    pub controller: ControllerKind,
}

fn eval(expr: &str, t: &BTreeMap<String, i64>) -> Result<i64, String> {
    let mut total = 0i64;
    let mut sign = 1i64;
    let mut expect_operand = true;
    for tok in expr.split_whitespace() {
        if expect_operand {
            let v = if let Ok(n) = tok.parse::<i64>() {
                n
            } else {
                *t.get(tok)
                    .ok_or_else(|| format!("expression `{expr}` names unknown timing `{tok}`"))?
            };
            total += sign * v;
            expect_operand = false;
        } else {
            sign = match tok {
                "+" => 1,
                "-" => -1,
                _ => return Err(format!("expression `{expr}`: expected + or -, got `{tok}`")),
            };
            expect_operand = true;
        }
    }
    if expect_operand {
        return Err(format!("expression `{expr}` is incomplete"));
    }
    Ok(total)
}

impl Spec {
    /// Resolve a configuration into a device spec, or say what is wrong.
    pub fn resolve(cfg: &DramConfig) -> Result<Spec, String> {
        let std = standards::by_name(&cfg.standard)
            .ok_or_else(|| format!("unknown DRAM standard `{}`", cfg.standard))?;
        let orgp = std
            .org_presets
            .iter()
            .find(|o| o.name == cfg.org_preset)
            .ok_or_else(|| format!("unknown organisation preset `{}`", cfg.org_preset))?;
        let tp = std
            .timing_presets
            .iter()
            .find(|o| o.name == cfg.timing_preset)
            .ok_or_else(|| format!("unknown timing preset `{}`", cfg.timing_preset))?;
        let org = Org::resolve(std, orgp, &cfg.org)?;

        let mut t: BTreeMap<String, i64> =
            tp.values.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        (std.resolve_secondary)(&mut t, orgp);
        for (k, v) in &cfg.timing {
            if !std.timing_params.contains(&k.as_str()) {
                return Err(format!("unknown {} timing parameter `{k}`", std.name));
            }
            t.insert(k.clone(), *v);
        }
        for p in std.timing_params {
            match t.get(*p) {
                None | Some(-1) => {
                    return Err(format!(
                        "{}: timing `{p}` is not set by preset `{}`: set it under [memory.timing]",
                        std.name, tp.name
                    ));
                }
                _ => {}
            }
        }
        let mult = std.tick_multiplier as i64;
        let tck_ps = t["tCK_ps"];
        if mult != 1 {
            for (k, v) in t.iter_mut() {
                if k == "rate" {
                } else if k == "tCK_ps" {
                    *v /= mult;
                } else {
                    *v *= mult;
                }
            }
        }
        let cmd_id = |n: &str| -> Result<u8, String> {
            std.commands
                .iter()
                .position(|c| *c == n)
                .map(|i| i as u8)
                .ok_or_else(|| format!("{}: unknown command `{n}`", std.name))
        };
        let mut commands = Vec::new();
        for name in std.commands {
            let kind = CmdKind::from_name(name)
                .ok_or_else(|| format!("{}: command `{name}` has no known semantics", std.name))?;
            use CmdKind::*;
            let cyc = std
                .command_cycles
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, c)| (c * mult as f64) as i64)
                .unwrap_or(mult);
            commands.push(CmdInfo {
                name,
                kind,
                opening: matches!(kind, Act | Act1),
                closing: matches!(kind, PrePb | PreAb | Rda | Wra),
                accessing: matches!(kind, Rd | Wr | Rda | Wra),
                refreshing: matches!(kind, RefAb | RefPb | RfmAb | RfmPb),
                all_bank: matches!(kind, PreAb | RefAb | RfmAb),
                row_bus: std.row_commands.contains(name),
                col_bus: std.column_commands.contains(name),
                bus_ticks: cyc,
            });
        }
        let find = |k: CmdKind| commands.iter().position(|c| c.kind == k).map(|i| i as u8);
        let ids = CmdIds {
            act: find(CmdKind::Act).or(find(CmdKind::Act1)),
            act2: find(CmdKind::Act2),
            pre_pb: find(CmdKind::PrePb),
            pre_ab: find(CmdKind::PreAb),
            rd: find(CmdKind::Rd),
            wr: find(CmdKind::Wr),
            rda: find(CmdKind::Rda),
            wra: find(CmdKind::Wra),
            ref_ab: find(CmdKind::RefAb),
            ref_pb: find(CmdKind::RefPb),
            cas_rd: find(CmdKind::CasRd),
            cas_wr: find(CmdKind::CasWr),
        };

        // Bus occupancy constraints, then the standard's rows with the multi-cycle adjustment.
        let mut table = Vec::new();
        let buses: Vec<Vec<u8>> = if !std.row_commands.is_empty() && !std.column_commands.is_empty()
        {
            vec![
                std.row_commands
                    .iter()
                    .map(|n| cmd_id(n))
                    .collect::<Result<_, _>>()?,
                std.column_commands
                    .iter()
                    .map(|n| cmd_id(n))
                    .collect::<Result<_, _>>()?,
            ]
        } else {
            vec![(0..commands.len() as u8).collect()]
        };
        for bus in &buses {
            for &p in bus {
                let ticks = commands[p as usize].bus_ticks;
                if ticks == 1 {
                    continue;
                }
                for &f in bus {
                    table.push(Constraint {
                        level: 0,
                        pre: p,
                        fol: f,
                        latency: ticks,
                        window: 1,
                        sibling: false,
                    });
                }
            }
        }
        for c in std.constraints {
            let level = org.level_index(c.level).ok_or_else(|| {
                format!("{}: constraint names unknown level `{}`", std.name, c.level)
            })?;
            let nominal = eval(c.latency, &t)?;
            for p in c.pre {
                let pi = cmd_id(p)?;
                for f in c.fol {
                    let fi = cmd_id(f)?;
                    let adj = nominal + (commands[pi as usize].bus_ticks - 1)
                        - (commands[fi as usize].bus_ticks - 1);
                    table.push(Constraint {
                        level,
                        pre: pi,
                        fol: fi,
                        latency: adj,
                        window: c.window,
                        sibling: c.sibling,
                    });
                }
            }
        }
        let read_latency = eval(std.read_latency, &t)?;
        let refresh_level = org
            .level_index(std.refresh_scope)
            .ok_or_else(|| format!("{}: unknown refresh scope", std.name))?;
        let tx_bytes = std.prefetch * org.channel_width / 8;
        if tx_bytes == 0 {
            return Err("transaction size is zero: check channel_width".into());
        }
        Ok(Spec {
            standard: std,
            org_preset: orgp.name.to_string(),
            timing_preset: tp.name.to_string(),
            org,
            commands,
            ids,
            timing: t,
            table,
            read_latency,
            tx_bytes,
            tick_ps: tck_ps as f64 / mult as f64,
            tick_multiplier: std.tick_multiplier,
            refresh_level,
            controller: std.controller,
        })
    }

    /// A timing value in ticks (0 if the standard lacks it).
    pub fn t(&self, name: &str) -> i64 {
        self.timing.get(name).copied().unwrap_or(0)
    }

    /// Data-bus occupancy of one transaction in ticks (`nBL`, or `nBL_min` for LPDDR5).
    pub fn burst_ticks(&self) -> i64 {
        self.timing
            .get("nBL")
            .or_else(|| self.timing.get("nBL_min"))
            .copied()
            .unwrap_or(1)
    }

    /// Number of independent data buses per channel (pseudo-channels), for peak bandwidth.
    pub fn data_buses_per_channel(&self) -> u32 {
        self.org
            .level_index("PseudoChannel")
            .map(|l| self.org.sizes[l])
            .unwrap_or(1)
    }

    /// Peak bandwidth of `channels` channels in GB/s (decimal): every data bus moving one
    /// transaction per burst time.
    pub fn peak_gbps(&self, channels: u32) -> f64 {
        let per_bus = self.tx_bytes as f64 / (self.burst_ticks() as f64 * self.tick_ps * 1e-3);
        per_bus * (channels * self.data_buses_per_channel()) as f64
    }

    /// Command id by name.
    pub fn cmd(&self, name: &str) -> Option<u8> {
        self.commands
            .iter()
            .position(|c| c.name == name)
            .map(|i| i as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(s: &str, o: &str, t: &str) -> Spec {
        Spec::resolve(&DramConfig::new(s, o, t)).unwrap()
    }

    fn lat(sp: &Spec, level: &str, pre: &str, fol: &str) -> Vec<i64> {
        let l = sp.org.level_index(level).unwrap();
        let (p, f) = (sp.cmd(pre).unwrap(), sp.cmd(fol).unwrap());
        sp.table
            .iter()
            .filter(|c| c.level == l && c.pre == p && c.fol == f)
            .map(|c| c.latency)
            .collect()
    }

    #[test]
    fn multi_cycle_commands_shift_constraints() {
        // HBM2: ACT takes 2 cycles, RD 1: ACT -> RD = nRCDRD + 1 = 15; the row bus is busy
        // for 2 cycles after an ACT; RD -> PREpb is unchanged (nRTPL = 5).
        let h = spec("HBM2", "HBM2_8Gb", "HBM2_2000Mbps");
        assert_eq!(lat(&h, "Bank", "ACT", "RD"), vec![15]);
        assert_eq!(lat(&h, "Bank", "ACT", "WR"), vec![13]);
        assert_eq!(lat(&h, "Channel", "ACT", "PREpb"), vec![2]);
        assert_eq!(lat(&h, "Channel", "ACT", "RD"), Vec::<i64>::new());
        assert_eq!(lat(&h, "Bank", "RD", "PREpb"), vec![5]);
        // A 2-cycle ACT before a 2-cycle ACT: tRRD unchanged; PREpb (1 cycle) -> ACT: nRP - 1.
        assert_eq!(lat(&h, "PseudoChannel", "ACT", "ACT"), vec![4, 15]);
        assert_eq!(lat(&h, "Bank", "PREpb", "ACT"), vec![13]);
        // HBM3 in half-clock ticks: ACT 3 ticks, RD 2: 2*31 + 2 - 1 = 63.
        let h3 = spec("HBM3", "HBM3_16Gb_8hi", "HBM3_6400Mbps");
        assert_eq!(lat(&h3, "Bank", "ACT", "RD"), vec![63]);
        assert_eq!(h3.read_latency, 44);
        assert_eq!(h3.tick_ps, 312.5);
        // DDR5: 2-cycle ACT and RD cancel.
        let d5 = spec("DDR5", "DDR5_16Gb_x8", "DDR5_4800AN");
        assert_eq!(lat(&d5, "Bank", "ACT", "RD"), vec![34]);
        // DDR4: single-cycle commands, expressions evaluated: same rank nCL + nBL + 2 - nCWL
        // = 12, other rank (sibling) nBL + nCS = 6.
        let d4 = spec("DDR4", "DDR4_8Gb_x8", "DDR4_3200AA");
        assert_eq!(lat(&d4, "Rank", "RD", "WR"), vec![12, 6]);
        assert_eq!(d4.tx_bytes, 64);
        assert_eq!(d4.read_latency, 26);
    }

    #[test]
    fn secondary_timings_follow_the_jedec_tables() {
        // DDR4 8 Gb at 625 ps: tRFC1 360 ns -> 576, tREFI 7.8 us -> 12480; x8 at 3200:
        // tFAW 34, tRRD_S 4, tRRD_L 8.
        let d4 = spec("DDR4", "DDR4_8Gb_x8", "DDR4_3200AA");
        assert_eq!(
            (
                d4.t("nRFC"),
                d4.t("nREFI"),
                d4.t("nFAW"),
                d4.t("nRRDS"),
                d4.t("nRRDL")
            ),
            (576, 12480, 34, 4, 8)
        );
        // LPDDR5 8 Gb at 1.25 ns: tRFCab 210 ns -> 168, tREFI 3.906 us -> 3125.
        let l5 = spec("LPDDR5", "LPDDR5_8Gb_x16", "LPDDR5_6400");
        assert_eq!((l5.t("nRFC"), l5.t("nREFI")), (168, 3125));
    }

    #[test]
    fn overrides_and_bad_expressions() {
        let mut c = DramConfig::new("DDR4", "DDR4_8Gb_x8", "DDR4_3200AA");
        c.timing.insert("nRCD".into(), 30);
        c.org.insert("rank".into(), 2);
        let s = Spec::resolve(&c).unwrap();
        assert_eq!(lat(&s, "Bank", "ACT", "RD"), vec![30]);
        assert_eq!(s.org.banks(), 32);
        let t = BTreeMap::from([("a".to_string(), 3i64)]);
        assert_eq!(eval("a + 2 - a", &t), Ok(2));
        assert!(eval("a +", &t).is_err());
        assert!(eval("b", &t).unwrap_err().contains("unknown timing `b`"));
    }
}
