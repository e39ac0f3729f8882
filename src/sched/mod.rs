//! The scheduler: issues ops to units as their dependencies complete.
//!
//! Policy (`first_fit`): ready ops are considered in op order (the order of the trace).
//! An op goes to the unit its hint names (a unit kind, or one instance), else to the first
//! kind in `sched.order` that supports it and exists in the system; among the instances
//! of that kind, the free one with the lowest index takes it. An op whose units are all
//! busy waits, and later ready ops may pass it if they go to other units. Each unit runs
//! one op at a time. The assignment of every op to a set of candidate units is resolved
//! before time zero ([`plan`]), so a trace that no unit can run fails before simulating.

use crate::arch::{Msg, OpReport};
use crate::config::UnitKindName;
use crate::engine::{Component, Ctx, PortId, Tick};
use crate::stats::StatSet;
use crate::units::UnitInfo;
use crate::workload::Workload;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The candidate unit instances of every op.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// `candidates[op]`: indices into the unit table, ascending.
    pub candidates: Vec<Vec<u16>>,
}

/// Why an op cannot be placed.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{file}:{line}: op `{op}` ({kind}): {msg}")]
pub struct PlanError {
    /// Trace file.
    pub file: String,
    /// Line of the op.
    pub line: usize,
    /// Op id.
    pub op: String,
    /// Op kind.
    pub kind: String,
    /// What is wrong.
    pub msg: String,
}

/// Resolve every op's candidate units.
pub fn plan(
    work: &Workload,
    units: &[UnitInfo],
    order: &[UnitKindName],
) -> Result<Plan, PlanError> {
    let mut candidates = Vec::with_capacity(work.ops.len());
    let have: Vec<&str> = {
        let mut v: Vec<&str> = units.iter().map(|u| u.kind.name()).collect();
        v.dedup();
        v
    };
    for op in &work.ops {
        let err = |msg: String| PlanError {
            file: work.source.clone(),
            line: op.line,
            op: op.id.clone(),
            kind: op.kind.name().to_string(),
            msg,
        };
        let supported: Vec<&str> = UnitKindName::ALL
            .iter()
            .filter(|k| k.supports(&op.kind))
            .map(|k| k.name())
            .collect();
        let c: Vec<u16> = match &op.unit {
            Some(hint) => {
                let by_kind: Vec<u16> = units
                    .iter()
                    .enumerate()
                    .filter(|(_, u)| u.kind.name() == hint)
                    .map(|(i, _)| i as u16)
                    .collect();
                let c = if by_kind.is_empty() {
                    units
                        .iter()
                        .enumerate()
                        .filter(|(_, u)| u.name == *hint)
                        .map(|(i, _)| i as u16)
                        .collect()
                } else {
                    by_kind
                };
                if c.is_empty() {
                    let names: Vec<&str> = units.iter().map(|u| u.name.as_str()).collect();
                    return Err(err(format!(
                        "unit = \"{hint}\" names no unit of this system: expected a kind ({}) or an instance ({})",
                        have.join(", "),
                        names.join(", ")
                    )));
                }
                let k = units[c[0] as usize].kind;
                if !k.supports(&op.kind) {
                    return Err(err(format!(
                        "unit = \"{hint}\" is a {} unit, which cannot run {} ops (they run on: {})",
                        k.name(),
                        op.kind.name(),
                        supported.join(", ")
                    )));
                }
                c
            }
            None => {
                let kind = order
                    .iter()
                    .find(|k| k.supports(&op.kind) && units.iter().any(|u| u.kind == **k));
                match kind {
                    Some(k) => units
                        .iter()
                        .enumerate()
                        .filter(|(_, u)| u.kind == *k)
                        .map(|(i, _)| i as u16)
                        .collect(),
                    None => {
                        return Err(err(format!(
                            "no unit of this system can run it: {} ops run on {}, and the system has {} (add a [{}] section, or check sched.order)",
                            op.kind.name(),
                            supported.join(" or "),
                            if have.is_empty() {
                                "no units".to_string()
                            } else {
                                have.join(", ")
                            },
                            supported.first().copied().unwrap_or("?")
                        )));
                    }
                }
            }
        };
        candidates.push(c);
    }
    Ok(Plan { candidates })
}

/// What happened to one op.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpRecord {
    /// Unit index that ran it.
    pub unit: u16,
    /// When the scheduler issued it.
    pub issued: Tick,
    /// The unit's report.
    pub report: OpReport,
}

/// The scheduler component. Port `u{i}` joins unit `i`'s `ctl` port.
pub struct Scheduler {
    work: Arc<Workload>,
    plan: Plan,
    nunits: usize,
    unit_busy: Vec<bool>,
    /// Dependencies not yet finished, per op.
    waiting_deps: Vec<u32>,
    ready: BTreeSet<u32>,
    records: Vec<Option<OpRecord>>,
    issued: Vec<Option<(u16, Tick)>>,
    done: usize,
}

impl Scheduler {
    /// A scheduler for `work` over `nunits` units with a resolved plan.
    pub fn new(work: Arc<Workload>, plan: Plan, nunits: usize) -> Self {
        let waiting_deps: Vec<u32> = work.ops.iter().map(|o| o.deps.len() as u32).collect();
        let ready = (0..work.ops.len() as u32)
            .filter(|&i| waiting_deps[i as usize] == 0)
            .collect();
        let n = work.ops.len();
        Scheduler {
            work,
            plan,
            nunits,
            unit_busy: vec![false; nunits],
            waiting_deps,
            ready,
            records: vec![None; n],
            issued: vec![None; n],
            done: 0,
        }
    }

    /// Records of finished ops, indexed by op (None: not finished).
    pub fn records(&self) -> &[Option<OpRecord>] {
        &self.records
    }

    fn dispatch(&mut self, cx: &mut Ctx<'_, Msg>) {
        let mut issued = Vec::new();
        for &op in &self.ready {
            if let Some(&u) = self.plan.candidates[op as usize]
                .iter()
                .find(|&&u| !self.unit_busy[u as usize])
            {
                self.unit_busy[u as usize] = true;
                self.issued[op as usize] = Some((u, cx.now()));
                cx.send(PortId(u), Msg::Issue { op });
                issued.push(op);
            }
            if self.unit_busy.iter().all(|b| *b) {
                break;
            }
        }
        for op in issued {
            self.ready.remove(&op);
        }
    }
}

impl Component<Msg> for Scheduler {
    fn name(&self) -> &str {
        "sched"
    }

    fn ports(&self) -> Vec<String> {
        (0..self.nunits).map(|i| format!("u{i}")).collect()
    }

    fn init(&mut self, cx: &mut Ctx<'_, Msg>) {
        self.dispatch(cx);
    }

    fn on_message(&mut self, port: PortId, msg: Msg, cx: &mut Ctx<'_, Msg>) {
        let Msg::Done(report) = msg else { return };
        let op = report.op as usize;
        let (unit, issued) = self.issued[op].expect("a unit finished an op it was not given");
        debug_assert_eq!(unit, port.0);
        self.unit_busy[port.0 as usize] = false;
        self.records[op] = Some(OpRecord {
            unit,
            issued,
            report: *report,
        });
        self.done += 1;
        let work = Arc::clone(&self.work);
        for &u in &work.users[op] {
            let w = &mut self.waiting_deps[u as usize];
            *w -= 1;
            if *w == 0 {
                self.ready.insert(u);
            }
        }
        self.dispatch(cx);
    }

    fn waiting_for(&self) -> Option<String> {
        if self.done == self.work.ops.len() {
            return None;
        }
        let running: Vec<&str> = self
            .issued
            .iter()
            .enumerate()
            .filter(|(i, s)| s.is_some() && self.records[*i].is_none())
            .map(|(i, _)| self.work.ops[i].id.as_str())
            .take(5)
            .collect();
        Some(format!(
            "{} of {} ops unfinished (running: {}; ready: {})",
            self.work.ops.len() - self.done,
            self.work.ops.len(),
            if running.is_empty() {
                "none".to_string()
            } else {
                running.join(", ")
            },
            self.ready.len()
        ))
    }

    fn stats(&self, s: &mut StatSet) {
        s.int("ops_done", self.done as u64, "ops", "Ops completed.");
    }
}
