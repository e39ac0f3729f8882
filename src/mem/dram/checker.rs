//! Independent timing checker: replays a log of issued commands against the constraint table
//! and the bank state machine, and reports every violation with both commands and cycles.
//!
//! It shares only the resolved table ([`Spec::table`]) and the organisation with the model;
//! it does not use the ready clocks of [`super::device`]. For each command it looks up, for
//! every constraint naming it as the later command, the issue history of the earlier command
//! on the same node (or, for sibling constraints, on the other nodes under the same parent)
//! and checks the distance directly. It also checks bank state: a column command needs its
//! row open, an activate needs a closed bank, a refresh needs every target bank closed.

use super::controller::Issued;
use super::device::Loc;
use super::timing::{CmdKind, Constraint, Spec};
use std::fmt;

/// One violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// What was violated.
    pub rule: String,
    /// The earlier command and its tick (if the rule is a timing constraint).
    pub earlier: Option<(String, i64)>,
    /// The offending command and its tick.
    pub later: (String, i64),
    /// Where (e.g. `Rank 0 / BankGroup 1 / Bank 2`).
    pub node: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.earlier {
            Some((c, t)) => write!(
                f,
                "{} at tick {} after {} at tick {} on {}: violates {}",
                self.later.0, self.later.1, c, t, self.node, self.rule
            ),
            None => write!(
                f,
                "{} at tick {} on {}: {}",
                self.later.0, self.later.1, self.node, self.rule
            ),
        }
    }
}

const H: usize = 4;

/// The result of checking one channel's log.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Commands checked.
    pub commands: u64,
    /// Violations found (at most `limit` kept).
    pub violations: Vec<Violation>,
    /// Total violations found.
    pub total: u64,
}

/// Check `log` (in issue order) against `spec`; keep at most `limit` violations.
pub fn check(spec: &Spec, log: &[Issued], limit: usize) -> Report {
    let org = &spec.org;
    let ncmd = spec.commands.len();
    let bl = org.bank_level;
    // by_fol[cmd] = constraints whose later command is cmd.
    let mut by_fol: Vec<Vec<Constraint>> = vec![Vec::new(); ncmd];
    let mut max_w = 1usize;
    for c in &spec.table {
        if c.level <= bl {
            by_fol[c.fol as usize].push(*c);
            max_w = max_w.max(c.window as usize);
        }
    }
    assert!(max_w <= H, "windows longer than {H} are not supported");
    // hist[(level base + node) * ncmd + cmd] = last H issue ticks, newest first.
    let total_nodes = org.total_nodes();
    let mut hist = vec![[-1i64; H]; total_nodes * ncmd];
    // Bank state: None = closed, Some(None) = activating, Some(Some(row)) = open.
    let mut banks: Vec<Option<Option<u32>>> = vec![None; org.banks()];
    let mut rep = Report::default();
    let name = |c: u8| spec.commands[c as usize].name.to_string();
    let node_name = |l: usize, n: usize| -> String {
        // Rebuild ids from the flat index.
        let mut ids = vec![0u32; l + 1];
        let mut rem = n as u32;
        for k in (1..=l).rev() {
            ids[k] = rem % org.sizes[k];
            rem /= org.sizes[k];
        }
        if l == 0 {
            return "Channel".into();
        }
        (1..=l)
            .map(|k| format!("{} {}", org.names[k], ids[k]))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    let nodes_at = |loc: &Loc, l: usize| -> std::ops::Range<usize> {
        let d = loc.depth as usize;
        if l <= d {
            let n = loc.node[l] as usize;
            n..n + 1
        } else {
            let span = org.nodes[l] / org.nodes[d];
            let s = loc.node[d] as usize * span;
            s..s + span
        }
    };
    let push = |rep: &mut Report, v: Violation| {
        rep.total += 1;
        if rep.violations.len() < limit {
            rep.violations.push(v);
        }
    };
    for x in log {
        rep.commands += 1;
        let t = x.clk;
        // 1. Timing constraints.
        for c in &by_fol[x.cmd as usize] {
            let l = c.level;
            for n in nodes_at(&x.loc, l) {
                if !c.sibling {
                    let h = &hist[(org.base[l] + n) * ncmd + c.pre as usize];
                    let prev = h[c.window as usize - 1];
                    if prev >= 0 && t < prev + c.latency {
                        push(
                            &mut rep,
                            Violation {
                                rule: rule_text(spec, c),
                                earlier: Some((name(c.pre), prev)),
                                later: (name(x.cmd), t),
                                node: node_name(l, n),
                            },
                        );
                    }
                } else if l > 0 && l <= x.loc.depth as usize {
                    let size = org.sizes[l] as usize;
                    let parent = n / size;
                    for m in parent * size..(parent + 1) * size {
                        if m == n {
                            continue;
                        }
                        let prev = hist[(org.base[l] + m) * ncmd + c.pre as usize][0];
                        if prev >= 0 && t < prev + c.latency {
                            push(
                                &mut rep,
                                Violation {
                                    rule: rule_text(spec, c),
                                    earlier: Some((name(c.pre), prev)),
                                    later: (name(x.cmd), t),
                                    node: format!(
                                        "{} (sibling of {})",
                                        node_name(l, n),
                                        node_name(l, m)
                                    ),
                                },
                            );
                        }
                    }
                }
            }
        }
        // 2. Bank state.
        let kind = spec.commands[x.cmd as usize].kind;
        let d = x.loc.depth as usize;
        let bank_span = org.nodes[bl] / org.nodes[d];
        let bank_start = x.loc.node[d] as usize * bank_span;
        let bank = bank_start;
        let state_err = |rep: &mut Report, msg: &str| {
            push(
                rep,
                Violation {
                    rule: msg.to_string(),
                    earlier: None,
                    later: (name(x.cmd), t),
                    node: node_name(d, x.loc.node[d] as usize),
                },
            )
        };
        match kind {
            CmdKind::Act | CmdKind::Act1 => {
                if banks[bank].is_some() {
                    state_err(&mut rep, "activate to a bank that is not closed");
                }
                banks[bank] = if kind == CmdKind::Act {
                    Some(Some(x.loc.row))
                } else {
                    Some(None)
                };
            }
            CmdKind::Act2 => {
                if banks[bank] != Some(None) {
                    state_err(&mut rep, "ACT-2 without a preceding ACT-1");
                }
                banks[bank] = Some(Some(x.loc.row));
            }
            CmdKind::Rd | CmdKind::Wr | CmdKind::Rda | CmdKind::Wra => {
                if banks[bank] != Some(Some(x.loc.row)) {
                    state_err(&mut rep, "column command to a row that is not open");
                }
                if matches!(kind, CmdKind::Rda | CmdKind::Wra) {
                    banks[bank] = None;
                }
            }
            CmdKind::PrePb => banks[bank] = None,
            CmdKind::PreAb => {
                for b in &mut banks[bank_start..bank_start + bank_span] {
                    *b = None;
                }
            }
            CmdKind::RefAb | CmdKind::RfmAb | CmdKind::RefPb | CmdKind::RfmPb => {
                if banks[bank_start..bank_start + bank_span]
                    .iter()
                    .any(|b| b.is_some())
                {
                    state_err(&mut rep, "refresh while a target bank is open");
                }
            }
            CmdKind::CasRd | CmdKind::CasWr => {}
        }
        // 3. Record.
        for l in 0..=bl {
            for n in nodes_at(&x.loc, l) {
                let h = &mut hist[(org.base[l] + n) * ncmd + x.cmd as usize];
                h.copy_within(0..H - 1, 1);
                h[0] = t;
            }
        }
    }
    rep
}

fn rule_text(spec: &Spec, c: &Constraint) -> String {
    let w = if c.window > 1 {
        format!(" ({}-th most recent)", c.window)
    } else {
        String::new()
    };
    let s = if c.sibling { " on a sibling" } else { "" };
    format!(
        "{}: {}{}{} -> {} >= {} ticks",
        spec.org.names[c.level],
        spec.commands[c.pre as usize].name,
        w,
        s,
        spec.commands[c.fol as usize].name,
        c.latency
    )
}
