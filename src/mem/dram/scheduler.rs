//! Request scheduling policies: which queued request's next command issues.
//!
//! - FR-FCFS (Rixner et al., "Memory Access Scheduling", ISCA 2000): among the eligible
//!   requests, those whose next command is legal now beat those that are not; among equals,
//!   the oldest (earliest arrival, then queue order) wins. As in Ramulator 2.1 `FRFCFS`, there
//!   is no separate row-hit priority: a row hit wins because its column command is legal
//!   sooner than another request's precharge or activate.
//! - FR-FCFS row-hit (Ramulator 2.1 `FRFCFS-RowHit`): the same, except that a precharge
//!   needed by one request is not eligible while an older-or-equal request in the same queue
//!   hits the row that precharge would close.

use super::config::SchedulerKind;
use super::controller::Req;
use super::device::Device;

/// Outcome of one scan of a queue.
#[derive(Debug, Clone, Copy)]
pub struct Pick {
    /// Index of the chosen request if its command is legal now.
    pub ready: Option<usize>,
    /// Earliest tick at which any eligible request's command becomes legal (`i64::MAX` if no
    /// request is eligible).
    pub earliest: i64,
}

/// Choose from `q` (commands and their earliest ticks already derived into `Req::cmd` and
/// `Req::ecache`).
///
/// `scratch` is a per-bank work array (cleared here) used by the row-hit variant.
pub fn pick(
    q: &[Req],
    dev: &Device,
    kind: SchedulerKind,
    clk: i64,
    eligible: impl Fn(&Req) -> bool,
    scratch: &mut [(bool, i64)],
) -> Pick {
    let bl = dev.org().bank_level;
    if kind == SchedulerKind::FrfcfsRowhit {
        for s in scratch.iter_mut() {
            *s = (false, 0);
        }
        for r in q {
            if r.loc.depth as usize == bl && dev.row_hit(&r.loc) && r.fin_accesses {
                let s = &mut scratch[r.loc.bank(bl)];
                if !s.0 || r.arrive < s.1 {
                    *s = (true, r.arrive);
                }
            }
        }
    }
    // Only ready requests can be chosen: a request that is not ready only contributes its
    // (lower-bound) ready tick to the wake-up time, eligible or not, which is conservative.
    let mut best: Option<usize> = None;
    let mut earliest = i64::MAX;
    for (i, r) in q.iter().enumerate() {
        if r.ecache > clk {
            earliest = earliest.min(r.ecache);
            continue;
        }
        if !eligible(r) {
            continue;
        }
        if kind == SchedulerKind::FrfcfsRowhit
            && r.cmd_closing_single
            && r.cmd != r.fin
            && r.loc.depth as usize == bl
        {
            let s = scratch[r.loc.bank(bl)];
            if s.0 && s.1 <= r.arrive {
                continue;
            }
        }
        earliest = earliest.min(r.ecache);
        match best {
            None => best = Some(i),
            Some(b) => {
                if r.arrive < q[b].arrive {
                    best = Some(i);
                }
            }
        }
    }
    Pick {
        ready: best,
        earliest,
    }
}
