//! Refresh managers: when to queue refresh commands.
//!
//! - All-bank: every tREFI, one REFab per node of the standard's refresh scope (rank for DDR
//!   and LPDDR, pseudo-channel for HBM2/3, channel for GDDR6), queued at high priority; the
//!   controller closes open banks (PREab) first, as in Ramulator 2.1 `AllBank` (JESD79-4
//!   4.26: one REF command per tREFI on average).
//! - Per-bank: every tREFIpb, one REFpb to the next bank in round-robin order (Ramulator 2.1
//!   `PerBank`).
//!
//! A manager only names the cycles at which it acts, so an idle controller sleeps until then.

use super::config::RefreshKind;
use super::device::Loc;
use super::timing::Spec;

/// A refresh manager.
#[derive(Debug, Clone)]
pub struct Refresh {
    kind: RefreshKind,
    interval: i64,
    next: i64,
    targets: Vec<Loc>,
    rr: usize,
    cmd: u8,
}

impl Refresh {
    /// A manager for `spec` (all-bank targets are the nodes of the refresh scope).
    pub fn new(kind: RefreshKind, spec: &Spec) -> Refresh {
        let org = &spec.org;
        let (depth, interval, cmd) = match kind {
            RefreshKind::AllBank => (
                spec.refresh_level,
                spec.t("nREFI"),
                spec.ids.ref_ab.unwrap_or(0),
            ),
            RefreshKind::PerBank => (
                org.bank_level,
                spec.t("nREFIpb"),
                spec.ids.ref_pb.unwrap_or(0),
            ),
            RefreshKind::None => (0, 0, 0),
        };
        let mut targets = Vec::new();
        if kind != RefreshKind::None {
            // Enumerate nodes at `depth` in flat order, rebuilding per-level ids.
            for n in 0..org.nodes[depth] {
                let mut ids = [0u32; super::org::MAX_LEVELS];
                let mut rem = n as u32;
                for l in (1..=depth).rev() {
                    ids[l] = rem % org.sizes[l];
                    rem /= org.sizes[l];
                }
                targets.push(Loc::new(org, &ids, depth, 0, 0));
            }
        }
        Refresh {
            kind,
            interval: interval.max(1),
            next: if kind == RefreshKind::None {
                i64::MAX
            } else {
                interval.max(1)
            },
            targets,
            rr: 0,
            cmd,
        }
    }

    /// The next tick at which this manager queues refreshes (`i64::MAX`: never).
    pub fn next(&self) -> i64 {
        self.next
    }

    /// At tick `clk`, the refresh commands to queue: `(command, target)`.
    pub fn tick(&mut self, clk: i64, out: &mut Vec<(u8, Loc)>) {
        if clk != self.next {
            return;
        }
        self.next += self.interval;
        match self.kind {
            RefreshKind::AllBank => {
                for t in &self.targets {
                    out.push((self.cmd, *t));
                }
            }
            RefreshKind::PerBank => {
                out.push((self.cmd, self.targets[self.rr]));
                self.rr = (self.rr + 1) % self.targets.len();
            }
            RefreshKind::None => {}
        }
    }
}
