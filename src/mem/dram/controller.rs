//! The memory controller of one channel: read, write and priority queues, write draining
//! between watermarks, scheduling, row policy, refresh, and the command bus discipline of
//! each standard family.
//!
//! The controller's decisions at a cycle are those of Ramulator 2.1's controllers
//! (`GenericDDR`, `HBM12`, `HBM34`, `LPDDR5`) at the same cycle: each [`Controller::tick`]
//! first serves finished reads, then lets the refresh manager queue refreshes, then tries in
//! order (1) requests whose row is being opened (the "active" queue), (2) the head of the
//! priority queue (refresh, precharge), (3) the read or write queue, which one being decided by
//! the write-drain mode. Unlike Ramulator, the caller does not tick every cycle:
//! [`Controller::next_wake`] names the earliest cycle at which anything could issue (the
//! minimum of the eligible commands' ready cycles, the next refresh, the next data return), and
//! cycles in between are skipped. Because a controller's state changes only when it issues a
//! command or receives a request, skipping those cycles gives exactly the same schedule.

use super::config::{DramConfig, RowPolicyKind, SchedulerKind};
use super::device::{Device, Loc};
use super::power::Background;
use super::refresh::Refresh;
use super::scheduler;
use super::standards::ControllerKind;
use super::timing::{CmdKind, Spec};
use std::collections::VecDeque;
use std::sync::Arc;

/// Kind of a queued request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReqKind {
    /// A read from a client.
    Read,
    /// A write from a client.
    Write,
    /// Controller-generated maintenance (refresh, row close).
    Maint,
}

/// A request inside the controller. The fields the scheduler reads on every scan come
/// first, so that they share one cache line.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct Req {
    /// Lower bound of the tick at which `cmd` is legal (exact when at or below the current
    /// tick, since ready clocks only grow).
    pub ecache: i64,
    /// Cycle the request entered the controller.
    pub arrive: i64,
    /// Version of the bank state `cmd` was derived from (`u32::MAX`: derive again).
    pub ver: u32,
    /// Flat bank id (for bank-level locations).
    pub bank: u32,
    /// The command it needs next (derived from bank state before each scheduling decision).
    pub cmd: u8,
    /// Command bus of `cmd`: bit 0 row bus, bit 1 column bus (dual-bus standards).
    pub cmd_bus: u8,
    /// Whether `cmd` closes a single bank (precharge, auto-precharge).
    pub cmd_closing_single: bool,
    /// The command that completes the request (RD, WR, REFab, ...).
    pub fin: u8,
    /// Kind.
    pub kind: ReqKind,
    /// Whether `fin` moves data (row hits are defined only for those).
    pub fin_accesses: bool,
    /// Row hit/miss/conflict already counted.
    pub counted: bool,
    /// Bank location.
    pub loc: Loc,
    /// Caller's tag, returned on completion.
    pub tag: u64,
}

/// A read whose data is on its way back (its return tick is known when it issues).
#[derive(Debug, Clone, Copy)]
struct Return {
    /// Tick its data is returned.
    depart: i64,
    /// Tick it entered the controller.
    arrive: i64,
    /// Caller's tag.
    tag: u64,
}

/// A command the controller issued (for the timing checker and command traces).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Issued {
    /// Tick.
    pub clk: i64,
    /// Command id.
    pub cmd: u8,
    /// Target.
    pub loc: Loc,
}

/// A finished client request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completion {
    /// The tag given to [`Controller::send`].
    pub tag: u64,
    /// Whether it was a write.
    pub write: bool,
    /// Tick at which it completed (read: data returned; write: WR issued).
    pub clk: i64,
}

/// Counters of one controller.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CtrlStats {
    /// Requests whose first command found their row open.
    pub row_hits: u64,
    /// Requests whose first command found their bank closed.
    pub row_misses: u64,
    /// Requests whose first command found another row open.
    pub row_conflicts: u64,
    /// Read row hits.
    pub read_row_hits: u64,
    /// Read row misses.
    pub read_row_misses: u64,
    /// Read row conflicts.
    pub read_row_conflicts: u64,
    /// Write row hits.
    pub write_row_hits: u64,
    /// Write row misses.
    pub write_row_misses: u64,
    /// Write row conflicts.
    pub write_row_conflicts: u64,
    /// Reads accepted.
    pub reads: u64,
    /// Writes accepted.
    pub writes: u64,
    /// Reads whose data returned.
    pub reads_served: u64,
    /// Writes issued.
    pub writes_served: u64,
    /// Reads answered from a queued write.
    pub reads_forwarded: u64,
    /// Writes merged into a queued write.
    pub writes_coalesced: u64,
    /// Sum over served reads of (data return - arrival), ticks.
    pub read_latency_sum: u64,
    /// Least (data return - arrival) of a read served by the DRAM (not forwarded from a
    /// queued write), ticks; `None` before the first. At least `read_latency + 1`: a request
    /// is first scheduled the tick after it arrives.
    pub min_read_latency: Option<u64>,
    /// Commands issued, by command id.
    pub commands: Vec<u64>,
    /// Refresh commands issued.
    pub refreshes: u64,
    /// Tick of the last read command (-1: none).
    pub last_rd: i64,
    /// Tick of the last write command (-1: none).
    pub last_wr: i64,
    /// Controller ticks evaluated (a speed statistic, not a model output).
    pub evaluations: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Buf {
    Active,
    Prio,
    Read,
    Write,
    Activating,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Any,
    Col,
    Row,
}

/// Outcome of the full look at one request of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Look {
    /// Ready and eligible: issue it.
    Pick,
    /// Due but not eligible now.
    Ineligible,
    /// Not ready yet (or on the other command bus).
    Later,
}

#[derive(Debug, Clone, Copy)]
struct Filter {
    slot: Slot,
    no_close_active: bool,
    split: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct RisingInfo {
    cmd: u8,
    pc: u32,
    bank_key: i64,
    next_pair: i64,
}

/// The controller of one channel.
#[derive(Debug, Clone)]
pub struct Controller {
    spec: Arc<Spec>,
    dev: Device,
    read_q: Vec<Req>,
    write_q: Vec<Req>,
    /// Addresses of `write_q`, same order (for forwarding and coalescing checks).
    write_addrs: Vec<u64>,
    /// How many addresses of `write_addrs` fall in each of 64 buckets (`addr_bucket`): a
    /// zero count answers "not queued" without looking at the list.
    write_buckets: [u32; 64],
    active: Vec<Req>,
    prio: Vec<Req>,
    activating: Vec<Req>,
    pending: VecDeque<Return>,
    rq_max: usize,
    wq_max: usize,
    prio_max: usize,
    high: f64,
    low: f64,
    write_mode: bool,
    sched: SchedulerKind,
    forward: bool,
    refresh: Refresh,
    refresh_buf: Vec<(u8, Loc)>,
    closed_cap: Option<u32>,
    col_accesses: Vec<u32>,
    pre_injected: Vec<bool>,
    active_per_bank: Vec<u16>,
    scratch: Vec<(bool, i64)>,
    /// Per queue (active, read, write) and command bus class (any, row, col): a lower bound
    /// of the ready ticks of the queued requests whose command is of that class, and whether
    /// the last full look found a request due but not eligible. A scan at a tick below the
    /// bound, with nothing stuck, can find nothing and is skipped.
    lo: [[i64; 3]; 3],
    stuck: [[bool; 3]; 3],
    /// Per queue (active, read, write) and bank: how many queued requests go to that bank.
    per_bank: [Vec<u16>; 3],
    /// Per queue (active, read, write), parallel to it: each request's `ecache` as seen by
    /// the scan of each command bus class (any, row, col), `i64::MAX` on the other bus. A
    /// scan reads these 24 bytes per request instead of the whole record.
    keys: [Vec<[i64; 3]>; 3],
    /// Per bank, within one scan (`scan_id`): the command looked at, whether it was eligible
    /// and its ready tick. Requests to one bank needing one command share both.
    scan_memo: Vec<(u64, u8, bool, i64)>,
    scan_id: u64,
    /// Scratch list of queue indices (bank-state changes).
    hits: Vec<u32>,
    clk: i64,
    wake: i64,
    // HBM3 edges.
    rising: RisingInfo,
    // LPDDR5 split activate and WCK.
    act2_owner: Vec<bool>,
    act2_deadline: Vec<i64>,
    wck_expiry: i64,
    wck_always_on: bool,
    cas_pending: Option<(Buf, usize)>,
    /// Counters.
    pub stats: CtrlStats,
    /// Background (standby) time of every power domain, for the energy model.
    pub background: Background,
    /// Issued commands, if recording was enabled.
    pub log: Option<Vec<Issued>>,
    /// Finished client requests since the caller last drained this list.
    pub done: Vec<Completion>,
}

impl Controller {
    /// A controller for one channel of `spec` with the settings of `cfg`.
    pub fn new(spec: Arc<Spec>, cfg: &DramConfig) -> Controller {
        let dev = Device::new(&spec);
        let banks = spec.org.banks();
        Controller {
            dev,
            read_q: Vec::with_capacity(cfg.read_queue_entries as usize),
            write_q: Vec::with_capacity(cfg.write_queue_entries as usize),
            write_addrs: Vec::with_capacity(cfg.write_queue_entries as usize),
            write_buckets: [0; 64],
            active: Vec::with_capacity(banks),
            prio: Vec::new(),
            activating: Vec::new(),
            pending: VecDeque::new(),
            rq_max: cfg.read_queue_entries as usize,
            wq_max: cfg.write_queue_entries as usize,
            prio_max: 1568,
            high: cfg.write_high_watermark,
            low: cfg.write_low_watermark,
            write_mode: false,
            sched: cfg.scheduler,
            forward: cfg.forward_and_coalesce,
            refresh: Refresh::new(cfg.refresh, &spec),
            refresh_buf: Vec::new(),
            closed_cap: (cfg.row_policy == RowPolicyKind::Closed).then_some(cfg.closed_row_cap),
            col_accesses: vec![0; banks],
            pre_injected: vec![false; banks],
            active_per_bank: vec![0; banks],
            scratch: vec![(false, 0); banks],
            lo: [[i64::MIN; 3]; 3],
            stuck: [[true; 3]; 3],
            per_bank: [vec![0; banks], vec![0; banks], vec![0; banks]],
            keys: [
                Vec::with_capacity(banks),
                Vec::with_capacity(cfg.read_queue_entries as usize),
                Vec::with_capacity(cfg.write_queue_entries as usize),
            ],
            scan_memo: vec![(0, 0, false, 0); banks],
            scan_id: 0,
            hits: Vec::new(),
            clk: 0,
            wake: i64::MAX,
            rising: RisingInfo {
                next_pair: -1,
                ..Default::default()
            },
            act2_owner: vec![false; banks],
            act2_deadline: vec![-1; banks],
            wck_expiry: 0,
            wck_always_on: cfg.wck_always_on,
            cas_pending: None,
            stats: CtrlStats {
                commands: vec![0; spec.commands.len()],
                last_rd: -1,
                last_wr: -1,
                ..Default::default()
            },
            log: None,
            done: Vec::new(),
            background: Background::new(&spec),
            spec,
        }
    }

    /// Record every issued command in [`Controller::log`].
    pub fn record_commands(&mut self) {
        self.log = Some(Vec::new());
    }

    /// The device state.
    pub fn device(&self) -> &Device {
        &self.dev
    }

    /// The resolved spec.
    pub fn spec(&self) -> &Arc<Spec> {
        &self.spec
    }

    /// Tick of the last evaluation.
    pub fn clk(&self) -> i64 {
        self.clk
    }

    /// Requests accepted but not finished (queued, opening, or waiting for read data).
    pub fn outstanding(&self) -> usize {
        self.read_q.len()
            + self.write_q.len()
            + self
                .active
                .iter()
                .filter(|r| r.kind != ReqKind::Maint)
                .count()
            + self.activating.len()
            + self.pending.len()
            + self
                .prio
                .iter()
                .filter(|r| r.kind != ReqKind::Maint)
                .count()
    }

    /// Whether any client request is still in the controller.
    pub fn busy(&self) -> bool {
        self.outstanding() > 0
    }

    /// Offer a request at tick `now` (the cycle of the most recent tick; requests offered
    /// between ticks `now` and `now + 1` are first scheduled at `now + 1`). Returns false if
    /// the target queue is full.
    pub fn send(&mut self, addr: u64, loc: Loc, write: bool, tag: u64, now: i64) -> bool {
        if !write {
            if self.forward && self.write_queued(addr) {
                self.stats.reads += 1;
                self.stats.reads_forwarded += 1;
                self.pending.push_back(Return {
                    depart: now + 1,
                    arrive: now,
                    tag,
                });
                return true;
            }
            if self.read_q.len() >= self.rq_max {
                return false;
            }
            let mut r = self.make_req(loc, ReqKind::Read, tag, now);
            self.derive(&mut r);
            self.note(Buf::Read, &r);
            self.per_bank[1][r.bank as usize] += 1;
            self.keys[1].push(Self::key_of(&r));
            self.read_q.push(r);
            self.stats.reads += 1;
        } else {
            if self.forward && self.write_queued(addr) {
                self.stats.writes += 1;
                self.stats.writes_coalesced += 1;
                self.done.push(Completion {
                    tag,
                    write: true,
                    clk: now,
                });
                return true;
            }
            if self.write_q.len() >= self.wq_max {
                return false;
            }
            let mut r = self.make_req(loc, ReqKind::Write, tag, now);
            self.derive(&mut r);
            self.note(Buf::Write, &r);
            self.per_bank[2][r.bank as usize] += 1;
            self.keys[2].push(Self::key_of(&r));
            self.write_q.push(r);
            self.write_addrs.push(addr);
            self.write_buckets[addr_bucket(addr)] += 1;
            self.stats.writes += 1;
        }
        true
    }

    /// Whether a write to `addr` is queued.
    #[inline]
    fn write_queued(&self, addr: u64) -> bool {
        self.write_buckets[addr_bucket(addr)] != 0 && self.write_addrs.contains(&addr)
    }

    fn make_req(&self, loc: Loc, kind: ReqKind, tag: u64, now: i64) -> Req {
        let fin = match kind {
            ReqKind::Read => self.spec.ids.rd.unwrap_or(0),
            _ => self.spec.ids.wr.unwrap_or(0),
        };
        Req {
            loc,
            kind,
            fin,
            cmd: fin,
            cmd_closing_single: false,
            cmd_bus: 0,
            fin_accesses: true,
            arrive: now,
            counted: false,
            ecache: 0,
            ver: u32::MAX,
            tag,
            bank: loc.node[self.dev.org().bank_level],
        }
    }

    fn maint(&self, fin: u8, loc: Loc) -> Req {
        Req {
            loc,
            kind: ReqKind::Maint,
            fin,
            cmd: fin,
            cmd_closing_single: false,
            cmd_bus: 0,
            fin_accesses: false,
            arrive: self.clk,
            counted: false,
            ecache: 0,
            ver: u32::MAX,
            tag: 0,
            bank: if loc.depth as usize == self.dev.org().bank_level {
                loc.node[self.dev.org().bank_level]
            } else {
                0
            },
        }
    }

    /// The earliest tick after the last evaluation at which [`Controller::tick`] could do
    /// anything (issue a command, return read data, queue a refresh); `None` when idle
    /// forever.
    pub fn next_wake(&self) -> Option<i64> {
        let mut w = self.wake;
        w = w.min(self.refresh.next());
        if let Some(p) = self.pending.front() {
            w = w.min(p.depart);
        }
        let w = w.max(self.clk + 1);
        (w != i64::MAX).then_some(w)
    }

    /// Like [`Controller::next_wake`] but ignoring read data returns (whose latency is known
    /// when the read issues): what a trace replay needs.
    pub fn next_wake_scheduling(&self) -> Option<i64> {
        let w = self.wake.min(self.refresh.next());
        let w = w.max(self.clk + 1);
        (w != i64::MAX).then_some(w)
    }

    /// Whether client requests are still queued (not counting reads waiting for data).
    pub fn client_work(&self) -> bool {
        !(self.read_q.is_empty()
            && self.write_q.is_empty()
            && self.active.is_empty()
            && self.activating.is_empty()
            && self.prio.iter().all(|r| r.kind == ReqKind::Maint))
    }

    /// Account for reads whose data is still in flight (their return tick is known).
    pub fn drain_returns(&mut self) {
        while let Some(p) = self.pending.pop_front() {
            self.stats.read_latency_sum += (p.depart - p.arrive) as u64;
        }
    }

    /// The next refresh tick.
    pub fn next_refresh(&self) -> i64 {
        self.refresh.next()
    }

    /// Whether there is work that could make a tick issue a command (client requests or
    /// queued maintenance).
    pub fn has_work(&self) -> bool {
        !(self.read_q.is_empty()
            && self.write_q.is_empty()
            && self.active.is_empty()
            && self.prio.is_empty()
            && self.activating.is_empty()
            && self.pending.is_empty())
    }

    /// Evaluate tick `clk` (strictly after the previous one). Returns whether a command
    /// issued.
    pub fn tick(&mut self, clk: i64) -> bool {
        debug_assert!(clk > self.clk || (clk == 0 && self.clk == 0));
        self.clk = clk;
        self.stats.evaluations += 1;
        // Serve reads whose data has returned.
        while let Some(p) = self.pending.front() {
            if p.depart > clk {
                break;
            }
            let p = self.pending.pop_front().unwrap();
            self.stats.read_latency_sum += (p.depart - p.arrive) as u64;
            self.done.push(Completion {
                tag: p.tag,
                write: false,
                clk: p.depart,
            });
        }
        // Refresh.
        if self.refresh.next() == clk {
            let mut buf = std::mem::take(&mut self.refresh_buf);
            buf.clear();
            self.refresh.tick(clk, &mut buf);
            for (cmd, loc) in buf.iter() {
                if self.prio.len() < self.prio_max {
                    let r = self.maint(*cmd, *loc);
                    self.prio.push(r);
                }
            }
            self.refresh_buf = buf;
        }
        self.wake = i64::MAX;
        let mut always_next = false;
        // Closed-row policy: inject a precharge once a bank reached its access cap.
        if let Some(cap) = self.closed_cap {
            let pre = self.spec.ids.pre_pb.unwrap_or(0);
            for b in 0..self.col_accesses.len() {
                if self.col_accesses[b] < cap || self.pre_injected[b] {
                    continue;
                }
                let loc = self.bank_loc(b);
                let e = self.dev.earliest(pre, &loc);
                if e > clk {
                    self.wake = self.wake.min(e);
                    continue;
                }
                if self.prio.len() < self.prio_max {
                    let r = self.maint(pre, loc);
                    self.prio.push(r);
                    self.pre_injected[b] = true;
                }
            }
        }
        let issued = match self.spec.controller {
            ControllerKind::Generic => self.tick_generic(),
            ControllerKind::DualBus => {
                let a = self.try_slot(Slot::Col, false);
                let b = self.try_slot(Slot::Row, false);
                a || b
            }
            ControllerKind::DualBusEdges => {
                let rising = clk % 2 == 1;
                let a = rising && self.try_slot(Slot::Col, true);
                let b = self.try_slot(Slot::Row, true);
                if !rising {
                    always_next = true;
                }
                a || b
            }
            ControllerKind::SplitActivate => {
                let i = self.tick_split();
                if !self.activating.is_empty() || self.cas_pending.is_some() {
                    always_next = true;
                }
                i
            }
        };
        // Write-mode hysteresis evaluated with this state at the next tick must not be lost.
        if self.prio.is_empty() && self.write_mode_would_change() {
            always_next = true;
        }
        if issued || always_next {
            self.wake = clk + 1;
        }
        issued
    }

    fn bank_loc(&self, b: usize) -> Loc {
        let org = self.dev.org();
        let mut ids = [0u32; super::org::MAX_LEVELS];
        let mut rem = b as u32;
        for l in (1..=org.bank_level).rev() {
            ids[l] = rem % org.sizes[l];
            rem /= org.sizes[l];
        }
        Loc::new(org, &ids, org.bank_level, 0, 0)
    }

    fn write_mode_would_change(&self) -> bool {
        let (w, r) = (self.write_q.len() as f64, self.read_q.len());
        if !self.write_mode {
            w > self.high * self.wq_max as f64 || r == 0
        } else {
            w < self.low * self.wq_max as f64 && r != 0
        }
    }

    fn set_write_mode(&mut self) {
        if self.write_mode_would_change() {
            self.write_mode = !self.write_mode;
        }
    }

    fn queue(&self, b: Buf) -> &Vec<Req> {
        match b {
            Buf::Active => &self.active,
            Buf::Prio => &self.prio,
            Buf::Read => &self.read_q,
            Buf::Write => &self.write_q,
            Buf::Activating => &self.activating,
        }
    }

    /// Derive the next command of a request from its bank's state, and a lower bound of the
    /// tick it may issue at.
    #[inline]
    fn derive(&self, r: &mut Req) {
        derive_with(&self.dev, &self.spec, r);
    }

    /// Keep the lower bounds of queue `b` below the bound of request `r` (whose command is
    /// derived from the current bank state).
    #[inline]
    fn note(&mut self, b: Buf, r: &Req) {
        let Some(qi) = Self::lo_index(b) else {
            return;
        };
        note_bounds(&mut self.lo[qi], r);
    }

    #[inline]
    fn lo_index(b: Buf) -> Option<usize> {
        match b {
            Buf::Active => Some(0),
            Buf::Read => Some(1),
            Buf::Write => Some(2),
            _ => None,
        }
    }

    /// The scan keys of request `r` (see `Controller::keys`).
    #[inline]
    fn key_of(r: &Req) -> [i64; 3] {
        let on = |bit: u8| {
            if r.cmd_bus & bit != 0 {
                r.ecache
            } else {
                i64::MAX
            }
        };
        [r.ecache, on(1), on(2)]
    }

    fn derive_cmds(&mut self, b: Buf) {
        let q = match b {
            Buf::Active => &mut self.active,
            Buf::Prio => &mut self.prio,
            Buf::Read => &mut self.read_q,
            Buf::Write => &mut self.write_q,
            Buf::Activating => &mut self.activating,
        };
        let bl = self.dev.org().bank_level;
        let clk = self.clk;
        for r in q.iter_mut() {
            if r.loc.depth as usize == bl {
                let v = self.dev.bank_version(r.loc.bank(bl));
                if v != r.ver {
                    derive_with(&self.dev, &self.spec, r);
                } else if r.ecache <= clk {
                    r.ecache = self.dev.earliest(r.cmd, &r.loc);
                }
            } else {
                set_next_cmd(&self.dev, &self.spec, r);
                r.ecache = self.dev.earliest(r.cmd, &r.loc);
            }
        }
        if let Some(qi) = Self::lo_index(b) {
            let mut keys = std::mem::take(&mut self.keys[qi]);
            for (k, r) in keys.iter_mut().zip(self.queue(b).iter()) {
                *k = Self::key_of(r);
            }
            self.keys[qi] = keys;
        }
    }

    fn would_close_active(&self, r: &Req) -> bool {
        if self.active.is_empty() {
            return false;
        }
        let bl = self.dev.org().bank_level;
        if r.cmd_closing_single && r.loc.depth as usize == bl {
            return self.active_per_bank[r.bank as usize] > 0;
        }
        let ci = &self.spec.commands[r.cmd as usize];
        if !ci.closing {
            return false;
        }
        if !ci.all_bank && r.loc.depth as usize == bl {
            return self.active_per_bank[r.loc.bank(bl)] > 0;
        }
        self.dev
            .bank_range(&r.loc)
            .any(|b| self.active_per_bank[b] > 0)
    }

    fn slot_ok(&self, r: &Req, slot: Slot, edges: bool) -> bool {
        if !edges || self.clk % 2 == 1 {
            return match slot {
                Slot::Any => true,
                Slot::Col => r.cmd_bus & 2 != 0,
                Slot::Row => r.cmd_bus & 1 != 0,
            };
        }
        let ci = &self.spec.commands[r.cmd as usize];
        // Falling edge (HBM3): only precharges, subject to the pairing rules (JESD238).
        if slot == Slot::Col || !matches!(ci.kind, CmdKind::PrePb | CmdKind::PreAb) {
            return false;
        }
        let ri = self.rising;
        if self.clk != ri.next_pair {
            return true;
        }
        let pc = r.loc.node[1];
        if ri.pc != pc {
            return true;
        }
        let ri_kind = self.spec.commands[ri.cmd as usize].kind;
        if matches!(ri_kind, CmdKind::PreAb | CmdKind::RefAb | CmdKind::RfmAb) {
            return false;
        }
        ci.kind == CmdKind::PrePb && self.bank_key(&r.loc) != ri.bank_key
    }

    fn bank_key(&self, loc: &Loc) -> i64 {
        // Bank within the pseudo-channel: (sid, bank group, bank).
        let org = self.dev.org();
        let bl = org.bank_level;
        let per_pc = org.nodes[bl] / org.nodes[1];
        (loc.node[bl] as usize % per_pc) as i64
    }

    fn eligible(&self, r: &Req, f: &Filter, edges: bool) -> bool {
        if f.slot != Slot::Any && !self.slot_ok(r, f.slot, edges) {
            return false;
        }
        if f.no_close_active && self.would_close_active(r) {
            return false;
        }
        if f.split {
            if r.cmd == self.spec.ids.act2.unwrap_or(u8::MAX) {
                return false;
            }
            if !self.allowed_during_pending_act2(r) {
                return false;
            }
        }
        true
    }

    /// Choose from queue `b` the request to issue now, if any (lowering `wake` to the
    /// earliest tick at which one could be). The test that skips a scan which can find
    /// nothing is inlined into the callers.
    #[inline]
    fn scan(&mut self, b: Buf, f: Filter, edges: bool) -> Option<usize> {
        if self.sched != SchedulerKind::FrfcfsRowhit && !edges && !f.split {
            let qi = Self::lo_index(b).expect("scans look at the active, read or write queue");
            let cls = match f.slot {
                Slot::Any => 0,
                Slot::Row => 1,
                Slot::Col => 2,
            };
            if !self.stuck[qi][cls] && self.clk < self.lo[qi][cls] {
                // Nothing of this bus class is due: the full look would find nothing.
                self.wake = self.wake.min(self.lo[qi][cls]);
                return None;
            }
        }
        self.scan_full(b, f, edges)
    }

    #[inline(never)]
    fn scan_full(&mut self, b: Buf, f: Filter, edges: bool) -> Option<usize> {
        if self.sched == SchedulerKind::FrfcfsRowhit {
            self.derive_cmds(b);
            let mut scratch = std::mem::take(&mut self.scratch);
            let p = scheduler::pick(
                self.queue(b),
                &self.dev,
                self.sched,
                self.clk,
                |r| self.eligible(r, &f, edges),
                &mut scratch,
            );
            self.scratch = scratch;
            self.wake = self.wake.min(p.earliest);
            return p.ready;
        }
        // FR-FCFS in one pass. Every queue is kept in arrival order (ties in Ramulator's list
        // order), so the first eligible request that is ready now is the oldest one: stop
        // there. Only when nothing is ready is the whole queue looked at, for the wake-up.
        // A request whose bank state is unchanged since its command was derived and whose
        // lower bound `ecache` lies in the future cannot be ready and only feeds the wake-up;
        // the others take the full path.
        let clk = self.clk;
        let (need, cls): (u8, usize) = match f.slot {
            Slot::Any => (0, 0),
            Slot::Row => (1, 1),
            Slot::Col => (2, 2),
        };
        let qi = Self::lo_index(b).expect("scans look at the active, read or write queue");
        let exact = !edges && !f.split;
        if exact && !self.stuck[qi][cls] && clk < self.lo[qi][cls] {
            // Nothing of this bus class is due: the full look would find nothing.
            self.wake = self.wake.min(self.lo[qi][cls]);
            return None;
        }
        let mut q = std::mem::take(self.queue_mut(b));
        let mut keys = std::mem::take(&mut self.keys[qi]);
        debug_assert_eq!(q.len(), keys.len());
        let mut memo = std::mem::take(&mut self.scan_memo);
        self.scan_id += 1;
        let mut best: Option<usize> = None;
        let mut earliest = i64::MAX;
        let mut stuck = false;
        for i in 0..keys.len() {
            // The common case: not due yet, or on the other command bus (that bus's scan
            // covers it). Every bank-state change derives the commands of the queued requests
            // to that bank at once (`Controller::rederive`, `Controller::promote`), so a
            // queued request's command is always derived from the current bank state and
            // its key is a valid lower bound.
            let k = keys[i][cls];
            if k > clk {
                debug_assert_eq!(q[i].ver, self.dev.bank_version(q[i].bank as usize));
                earliest = earliest.min(k);
                continue;
            }
            let r = &q[i];
            if r.ver == self.dev.bank_version(r.bank as usize) {
                // Due: another request to the same bank needing the same command may already
                // have been looked at in this scan (same eligibility, same ready tick).
                // Otherwise look at it: the bound is worth refreshing only if the request
                // could be chosen at all (eligibility depends on state, not time).
                let m = &mut memo[r.bank as usize];
                let (elig, e) = if m.0 == self.scan_id && m.1 == r.cmd {
                    (m.2, m.3)
                } else {
                    let (elig, e) = self.look(r, &f, edges);
                    *m = (self.scan_id, r.cmd, elig, e);
                    (elig, e)
                };
                if !elig {
                    stuck = true;
                    continue;
                }
                q[i].ecache = e;
                keys[i] = Self::key_of(&q[i]);
                if e <= clk {
                    earliest = e;
                    best = Some(i);
                    break;
                }
                earliest = earliest.min(e);
                continue;
            }
            let look = self.scan_slow(&mut q, i, &f, edges, need, &mut earliest, &mut memo);
            keys[i] = Self::key_of(&q[i]);
            match look {
                Look::Pick => {
                    best = Some(i);
                    break;
                }
                Look::Ineligible => stuck = true,
                Look::Later => {}
            }
        }
        *self.queue_mut(b) = q;
        self.keys[qi] = keys;
        self.scan_memo = memo;
        self.wake = self.wake.min(earliest);
        if best.is_none() {
            // A complete look: `earliest` is the smallest bound of this class.
            self.lo[qi][cls] = earliest;
            self.stuck[qi][cls] = stuck || !exact;
        } else {
            self.stuck[qi][cls] = true;
        }
        best
    }

    /// Whether request `r`, due and on the scanned bus, could be chosen now, and if so the
    /// tick its command is legal from.
    #[inline]
    fn look(&self, r: &Req, f: &Filter, edges: bool) -> (bool, i64) {
        // Without edge rules the bus test is the one the scan keys already made.
        debug_assert!(edges || f.slot == Slot::Any || self.slot_ok(r, f.slot, false));
        let f = if edges {
            *f
        } else {
            Filter {
                slot: Slot::Any,
                ..*f
            }
        };
        if self.eligible(r, &f, edges) {
            (true, self.dev.earliest(r.cmd, &r.loc))
        } else {
            (false, 0)
        }
    }

    /// The full look at request `i` of a scan (its bound has passed or its bank state
    /// changed): whether it is the one to issue, could not be chosen now, or is not ready.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn scan_slow(
        &self,
        q: &mut [Req],
        i: usize,
        f: &Filter,
        edges: bool,
        need: u8,
        earliest: &mut i64,
        memo: &mut [(u64, u8, bool, i64)],
    ) -> Look {
        let clk = self.clk;
        let r = &mut q[i];
        debug_assert_eq!(r.loc.depth as usize, self.dev.org().bank_level);
        let v = self.dev.bank_version(r.bank as usize);
        if v != r.ver {
            self.derive(r);
        } else {
            if need != 0 && r.cmd_bus & need == 0 {
                // The other command bus's scan covers this request.
                return Look::Later;
            }
            // Possibly ready: the bound is worth refreshing only if the request could be
            // chosen at all (eligibility depends on state, not time). Both depend only on the
            // bank and the command, which requests to one bank often share.
            let m = &mut memo[r.bank as usize];
            let (elig, e) = if m.0 == self.scan_id && m.1 == r.cmd {
                (m.2, m.3)
            } else {
                let elig = self.eligible(r, f, edges);
                let e = if elig {
                    self.dev.earliest(r.cmd, &r.loc)
                } else {
                    0
                };
                *m = (self.scan_id, r.cmd, elig, e);
                (elig, e)
            };
            if !elig {
                return Look::Ineligible;
            }
            r.ecache = e;
            if r.ecache <= clk {
                *earliest = r.ecache;
                return Look::Pick;
            }
            *earliest = (*earliest).min(r.ecache);
            return Look::Later;
        }
        if r.ecache > clk {
            *earliest = (*earliest).min(r.ecache);
            return Look::Later;
        }
        if !self.eligible(r, f, edges) {
            return Look::Ineligible;
        }
        *earliest = (*earliest).min(r.ecache);
        Look::Pick
    }

    fn pick_prio(&mut self, slot: Slot, edges: bool, split: bool) -> Option<usize> {
        if self.prio.is_empty() {
            return None;
        }
        let r = &mut self.prio[0];
        set_next_cmd(&self.dev, &self.spec, r);
        r.ver = u32::MAX;
        let r = self.prio[0];
        if self.would_close_active(&r) {
            return None;
        }
        let f = Filter {
            slot,
            no_close_active: false,
            split,
        };
        if !self.eligible(&r, &f, edges) {
            return None;
        }
        let e = self.dev.earliest(r.cmd, &r.loc);
        self.wake = self.wake.min(e);
        (e <= self.clk).then_some(0)
    }

    fn pick_rw(&mut self, slot: Slot, edges: bool, split: bool) -> Option<(Buf, usize)> {
        self.set_write_mode();
        let b = if self.write_mode {
            Buf::Write
        } else {
            Buf::Read
        };
        let f = Filter {
            slot,
            no_close_active: true,
            split,
        };
        self.scan(b, f, edges).map(|i| (b, i))
    }

    fn tick_generic(&mut self) -> bool {
        let none = Filter {
            slot: Slot::Any,
            no_close_active: false,
            split: false,
        };
        let cand = if let Some(i) = self.scan(Buf::Active, none, false) {
            Some((Buf::Active, i))
        } else if let Some(i) = self.pick_prio(Slot::Any, false, false) {
            Some((Buf::Prio, i))
        } else if self.prio.is_empty() {
            self.pick_rw(Slot::Any, false, false)
        } else {
            None
        };
        match cand {
            Some((b, i)) => {
                self.upgrade(b, i, None);
                self.issue(b, i);
                true
            }
            None => false,
        }
    }

    fn try_slot(&mut self, slot: Slot, edges: bool) -> bool {
        // Requests whose row is being opened come first on both buses. Ramulator 2.1's HBM
        // controllers look at them on the column bus only, which deadlocks once a request of the
        // active queue needs a row command again (its row closed under it by an auto-precharge
        // of the closed-row policy): nothing else may then close or refresh that bank. Under the
        // open policy an opened request only ever needs column commands, so looking at the
        // active queue on the row bus too changes nothing there.
        let f = Filter {
            slot,
            no_close_active: false,
            split: false,
        };
        let mut cand = self.scan(Buf::Active, f, edges).map(|i| (Buf::Active, i));
        if cand.is_none() {
            cand = self.pick_prio(slot, edges, false).map(|i| (Buf::Prio, i));
        }
        if cand.is_none() && self.prio.is_empty() {
            cand = self.pick_rw(slot, edges, false);
        }
        let Some((b, i)) = cand else {
            return false;
        };
        self.upgrade(b, i, Some((slot, edges)));
        let r = self.queue(b)[i];
        self.issue(b, i);
        if edges && slot == Slot::Row && self.clk % 2 == 1 {
            let kind = self.spec.commands[r.cmd as usize].kind;
            let all = matches!(kind, CmdKind::PreAb | CmdKind::RefAb | CmdKind::RfmAb);
            self.rising = RisingInfo {
                cmd: r.cmd,
                pc: r.loc.node[1],
                bank_key: if all { -1 } else { self.bank_key(&r.loc) },
                next_pair: self.clk + if kind == CmdKind::Act { 3 } else { 1 },
            };
        }
        true
    }

    /// Closed-row policy: turn RD/WR into RDA/WRA once the bank reached its access cap.
    fn upgrade(&mut self, b: Buf, i: usize, slot: Option<(Slot, bool)>) {
        let Some(cap) = self.closed_cap else {
            return;
        };
        let ids = self.spec.ids;
        let (Some(rda), Some(wra)) = (ids.rda, ids.wra) else {
            return;
        };
        let bl = self.dev.org().bank_level;
        let r = self.queue(b)[i];
        if r.loc.depth as usize != bl || self.col_accesses[r.loc.bank(bl)] < cap {
            return;
        }
        let to = if Some(r.cmd) == ids.rd {
            rda
        } else if Some(r.cmd) == ids.wr {
            wra
        } else {
            return;
        };
        if self.dev.earliest(to, &r.loc) > self.clk {
            return;
        }
        let mut nr = r;
        nr.cmd = to;
        nr.fin = to;
        let ci = &self.spec.commands[to as usize];
        nr.cmd_bus = (ci.row_bus as u8) | ((ci.col_bus as u8) << 1);
        if let Some((s, edges)) = slot
            && !self.slot_ok(&nr, s, edges)
        {
            return;
        }
        let q = self.queue_mut(b);
        q[i] = nr;
        q[i].ver = u32::MAX;
        if let Some(qi) = Self::lo_index(b) {
            self.keys[qi][i] = Self::key_of(&nr);
        }
    }

    fn queue_mut(&mut self, b: Buf) -> &mut Vec<Req> {
        match b {
            Buf::Active => &mut self.active,
            Buf::Prio => &mut self.prio,
            Buf::Read => &mut self.read_q,
            Buf::Write => &mut self.write_q,
            Buf::Activating => &mut self.activating,
        }
    }

    fn count_request(&mut self, r: &Req) {
        let s = &mut self.stats;
        match r.kind {
            ReqKind::Read => {
                if self.dev.row_hit(&r.loc) {
                    s.read_row_hits += 1;
                    s.row_hits += 1;
                } else if self.dev.row_open(&r.loc) {
                    s.read_row_conflicts += 1;
                    s.row_conflicts += 1;
                } else {
                    s.read_row_misses += 1;
                    s.row_misses += 1;
                }
            }
            ReqKind::Write => {
                if self.dev.row_hit(&r.loc) {
                    s.write_row_hits += 1;
                    s.row_hits += 1;
                } else if self.dev.row_open(&r.loc) {
                    s.write_row_conflicts += 1;
                    s.row_conflicts += 1;
                } else {
                    s.write_row_misses += 1;
                    s.row_misses += 1;
                }
            }
            ReqKind::Maint => {}
        }
    }

    fn issue_cmd(&mut self, cmd: u8, loc: &Loc) {
        self.dev.issue(cmd, loc, self.clk);
        self.stats.commands[cmd as usize] += 1;
        let kind = self.spec.commands[cmd as usize].kind;
        if matches!(
            kind,
            CmdKind::Act
                | CmdKind::Act1
                | CmdKind::Act2
                | CmdKind::PrePb
                | CmdKind::Rda
                | CmdKind::Wra
                | CmdKind::PreAb
        ) {
            // The bank state changed: the queued requests to those banks derive their next
            // command again when a scan reaches them (their `ver` no longer matches).
            let banks = if kind == CmdKind::PreAb {
                self.dev.bank_range(loc)
            } else {
                let b = loc.bank(self.dev.org().bank_level);
                b..b + 1
            };
            // Requests to those banks need another command now: derive it at once and lower
            // their queue's bounds to theirs (the other requests' bounds stay valid: ready
            // clocks only grow), so that the scans need not look at the whole queue again.
            for qi in 0..3 {
                if self.per_bank[qi][banks.clone()].iter().any(|&n| n != 0) {
                    self.rederive(qi, banks.clone());
                }
            }
        }
        if !matches!(
            kind,
            CmdKind::Rd | CmdKind::Wr | CmdKind::CasRd | CmdKind::CasWr | CmdKind::Act2
        ) {
            let banks = if self.spec.commands[cmd as usize].all_bank {
                self.dev.bank_range(loc)
            } else {
                let b = loc.bank(self.dev.org().bank_level);
                b..b + 1
            };
            self.background.command(kind, banks, self.clk);
        }
        if let Some(log) = &mut self.log {
            log.push(Issued {
                clk: self.clk,
                cmd,
                loc: *loc,
            });
        }
        if self.closed_cap.is_some() {
            let ci = &self.spec.commands[cmd as usize];
            if ci.closing {
                for b in self.dev.bank_range(loc) {
                    self.col_accesses[b] = 0;
                    self.pre_injected[b] = false;
                }
            } else if ci.accessing {
                let bl = self.dev.org().bank_level;
                self.col_accesses[loc.bank(bl)] += 1;
            }
        }
    }

    /// Derive again the command of every request of queue `qi` (active, read, write) to the
    /// banks `banks`, whose state just changed, and keep the queue's bounds below theirs.
    fn rederive(&mut self, qi: usize, banks: std::ops::Range<usize>) {
        let bl = self.dev.org().bank_level;
        let want: usize = self.per_bank[qi][banks.clone()]
            .iter()
            .map(|&c| c as usize)
            .sum();
        // Disjoint borrows of the fields involved (no moving the queue out and back).
        let q = match qi {
            0 => &mut self.active,
            1 => &mut self.read_q,
            _ => &mut self.write_q,
        };
        let (dev, spec) = (&self.dev, &*self.spec);
        let keys = &mut self.keys[qi];
        let lo_q = &mut self.lo[qi];
        let hits = &mut self.hits;
        // Find the requests without a branch per request (which of them match is random),
        // then derive those. Only `hits[..n]` is read, each entry written first: grow, never
        // clear.
        if hits.len() < q.len() {
            hits.resize(q.len(), 0);
        }
        let (lo, hi) = (banks.start as u32, banks.end as u32);
        let mut n = 0;
        for (i, r) in q.iter().enumerate() {
            hits[n] = i as u32;
            n += (r.bank.wrapping_sub(lo) < hi - lo) as usize;
            if n == want {
                break;
            }
        }
        for &i in &hits[..n] {
            let r = &mut q[i as usize];
            if r.loc.depth as usize == bl {
                derive_with(dev, spec, r);
                note_bounds(lo_q, r);
                keys[i as usize] = Self::key_of(r);
            }
        }
    }

    /// Issue the current command of request `i` of queue `b` and advance the request.
    fn issue(&mut self, b: Buf, i: usize) {
        let r = self.queue(b)[i];
        if !r.counted {
            self.count_request(&r);
            self.queue_mut(b)[i].counted = true;
        }
        self.issue_cmd(r.cmd, &r.loc);
        let ci = &self.spec.commands[r.cmd as usize];
        if r.cmd == r.fin {
            self.retire(b, i);
        } else if Some(r.cmd) == self.spec.ids.act && self.dev.split_activate() {
            self.move_to_activating(b, i);
        } else if ci.opening {
            self.promote(b, i);
        }
    }

    /// Remove request `i` of queue `b`, keeping the per-bank counts and write addresses.
    fn take_out(&mut self, b: Buf, i: usize) -> Req {
        let r = self.queue_mut(b).remove(i);
        if b == Buf::Write {
            let a = self.write_addrs.remove(i);
            self.write_buckets[addr_bucket(a)] -= 1;
        }
        if let Some(qi) = Self::lo_index(b) {
            self.per_bank[qi][r.bank as usize] -= 1;
            self.keys[qi].remove(i);
        }
        r
    }

    fn retire(&mut self, b: Buf, i: usize) {
        let r = self.take_out(b, i);
        let bl = self.dev.org().bank_level;
        if b == Buf::Active {
            self.active_per_bank[r.loc.bank(bl)] -= 1;
        }
        match r.kind {
            ReqKind::Read => {
                let lat = (self.clk + self.spec.read_latency - r.arrive).max(0) as u64;
                self.stats.min_read_latency =
                    Some(self.stats.min_read_latency.map_or(lat, |m| m.min(lat)));
                self.pending.push_back(Return {
                    depart: self.clk + self.spec.read_latency,
                    arrive: r.arrive,
                    tag: r.tag,
                });
                self.stats.reads_served += 1;
                self.stats.last_rd = self.stats.last_rd.max(self.clk);
            }
            ReqKind::Write => {
                self.stats.writes_served += 1;
                self.stats.last_wr = self.stats.last_wr.max(self.clk);
                self.done.push(Completion {
                    tag: r.tag,
                    write: true,
                    clk: self.clk,
                });
            }
            ReqKind::Maint => {
                if self.spec.commands[r.fin as usize].refreshing {
                    self.stats.refreshes += 1;
                }
            }
        }
    }

    fn promote(&mut self, b: Buf, i: usize) {
        if self.active.len() >= self.dev.org().banks() {
            return;
        }
        let bl = self.dev.org().bank_level;
        let mut r = self.take_out(b, i);
        if r.ver != self.dev.bank_version(r.bank as usize) && r.loc.depth as usize == bl {
            // From the activating queue (LPDDR5), or its bank changed: derive its command
            // from the current bank state (what a scan would do on reaching it).
            self.derive(&mut r);
        }
        self.note(Buf::Active, &r);
        self.per_bank[0][r.bank as usize] += 1;
        self.active_per_bank[r.loc.bank(bl)] += 1;
        // Keep the active queue in arrival order (equal arrivals in promotion order), so that
        // the first ready request is the oldest.
        let pos = self.active.partition_point(|a| a.arrive <= r.arrive);
        self.active.insert(pos, r);
        self.keys[0].insert(pos, Self::key_of(&r));
    }

    // ---------------------------------------------------------------------------------
    // LPDDR5: split activate and WCK2CK synchronisation (Ramulator 2.1 LPDDRControllerBase).
    // ---------------------------------------------------------------------------------

    fn has_pending_act2(&self) -> bool {
        self.act2_owner.iter().any(|&v| v)
    }

    fn allowed_during_pending_act2(&self, r: &Req) -> bool {
        if !self.has_pending_act2() {
            return true;
        }
        let ci = &self.spec.commands[r.cmd as usize];
        if Some(r.cmd) == self.spec.ids.act {
            return false;
        }
        if ci.accessing || matches!(ci.kind, CmdKind::CasRd | CmdKind::CasWr) {
            return true;
        }
        if ci.closing || ci.refreshing {
            return !self.would_block_activating(r);
        }
        false
    }

    fn would_block_activating(&self, r: &Req) -> bool {
        let ci = &self.spec.commands[r.cmd as usize];
        if !ci.closing && !ci.refreshing {
            return false;
        }
        let bl = self.dev.org().bank_level;
        if !ci.all_bank && r.loc.depth as usize == bl {
            return self.act2_owner[r.loc.bank(bl)];
        }
        self.dev.bank_range(&r.loc).any(|b| self.act2_owner[b])
    }

    fn pick_act2(&mut self, urgent: bool) -> Option<usize> {
        let act2 = self.spec.ids.act2?;
        let bl = self.dev.org().bank_level;
        let mut best: Option<(usize, i64)> = None;
        for i in 0..self.activating.len() {
            self.activating[i].cmd = act2;
            self.activating[i].ver = u32::MAX;
            let r = self.activating[i];
            let deadline = self.act2_deadline[r.loc.bank(bl)];
            let e = self.dev.earliest(act2, &r.loc);
            self.wake = self.wake.min(e);
            if e > self.clk || (urgent && deadline > self.clk) {
                continue;
            }
            let better = match best {
                None => true,
                Some((bi, bd)) => {
                    deadline < bd || (deadline == bd && r.arrive < self.activating[bi].arrive)
                }
            };
            if better {
                best = Some((i, deadline));
            }
        }
        best.map(|(i, _)| i)
    }

    fn issue_act2(&mut self, i: usize) {
        let r = self.activating[i];
        if !r.counted {
            self.count_request(&r);
            self.activating[i].counted = true;
        }
        let act2 = self.spec.ids.act2.unwrap_or(0);
        self.issue_cmd(act2, &r.loc);
        let bl = self.dev.org().bank_level;
        let b = r.loc.bank(bl);
        let before = self.active.len();
        self.promote(Buf::Activating, i);
        debug_assert_eq!(self.active.len(), before + 1);
        self.act2_owner[b] = false;
        self.act2_deadline[b] = -1;
    }

    fn move_to_activating(&mut self, b: Buf, i: usize) {
        let r = self.take_out(b, i);
        let bl = self.dev.org().bank_level;
        let bank = r.loc.bank(bl);
        if b == Buf::Active {
            self.active_per_bank[bank] -= 1;
        }
        self.activating.push(r);
        self.act2_owner[bank] = true;
        self.act2_deadline[bank] = self.clk + self.spec.t("nAAD");
    }

    fn extend_wck(&mut self, cmd: u8) {
        let read = matches!(
            self.spec.commands[cmd as usize].kind,
            CmdKind::Rd | CmdKind::Rda
        );
        let lat = if read {
            self.spec.t("nCL")
        } else {
            self.spec.t("nCWL")
        };
        let exp = self.clk + lat + self.spec.t("nBL_min") + self.spec.t("nWCKPST");
        self.wck_expiry = self.wck_expiry.max(exp);
    }

    fn tick_split(&mut self) -> bool {
        let urgent = self.pick_act2(true);
        if let Some((b, i)) = self.cas_pending {
            let r = self.queue(b)[i];
            let e = self.dev.earliest(r.cmd, &r.loc);
            if e <= self.clk {
                self.cas_pending = None;
                if !self.wck_always_on {
                    self.extend_wck(r.cmd);
                }
                if !r.counted {
                    self.count_request(&r);
                    self.queue_mut(b)[i].counted = true;
                }
                self.issue_cmd(r.cmd, &r.loc);
                if r.cmd == r.fin {
                    self.retire(b, i);
                }
                return true;
            }
            return false;
        }
        let cand = if let Some(i) = urgent {
            Some((Buf::Activating, i))
        } else {
            self.select_normal()
        };
        let Some((b, i)) = cand else {
            if let Some(i) = self.pick_act2(false) {
                self.issue_act2(i);
                return true;
            }
            return false;
        };
        if b == Buf::Activating {
            self.issue_act2(i);
            return true;
        }
        // WCK2CK sync needed before an access?
        let r = self.queue(b)[i];
        let ci = &self.spec.commands[r.cmd as usize];
        if ci.accessing && !self.wck_always_on && self.clk >= self.wck_expiry {
            let bl = self.dev.org().bank_level;
            let blocks = (0..self.act2_owner.len())
                .any(|k| self.act2_owner[k] && self.act2_deadline[k] <= self.clk + 1);
            let _ = bl;
            if blocks {
                if let Some(j) = self.pick_act2(false) {
                    self.issue_act2(j);
                    return true;
                }
                return false;
            }
            let read = matches!(ci.kind, CmdKind::Rd | CmdKind::Rda);
            let cas = if read {
                self.spec.ids.cas_rd
            } else {
                self.spec.ids.cas_wr
            }
            .unwrap_or(0);
            if self.dev.earliest(cas, &r.loc) <= self.clk {
                self.issue_cmd(cas, &r.loc);
                self.cas_pending = Some((b, i));
                return true;
            }
            return false;
        }
        self.upgrade(b, i, None);
        let r = self.queue(b)[i];
        if self.spec.commands[r.cmd as usize].accessing && !self.wck_always_on {
            self.extend_wck(r.cmd);
        }
        self.issue(b, i);
        true
    }

    fn select_normal(&mut self) -> Option<(Buf, usize)> {
        let f = Filter {
            slot: Slot::Any,
            no_close_active: false,
            split: true,
        };
        // In the active queue every request may issue ACT2-free commands; ownership of ACT2
        // only matters for the other queues, so filter the active queue by the pending-ACT2
        // rule alone.
        self.derive_cmds(Buf::Active);
        let mut scratch = std::mem::take(&mut self.scratch);
        let p = scheduler::pick(
            &self.active,
            &self.dev,
            self.sched,
            self.clk,
            |r| self.allowed_during_pending_act2(r),
            &mut scratch,
        );
        self.scratch = scratch;
        self.wake = self.wake.min(p.earliest);
        if let Some(i) = p.ready {
            return Some((Buf::Active, i));
        }
        if let Some(i) = self.pick_prio(Slot::Any, false, true) {
            return Some((Buf::Prio, i));
        }
        if self.prio.is_empty() {
            return self.pick_rw(Slot::Any, false, f.split);
        }
        None
    }
}

/// The bucket of `addr` in `Controller::write_buckets`: bits of the transaction address
/// folded together (transactions are at least 32 bytes apart).
#[inline]
fn addr_bucket(addr: u64) -> usize {
    let a = addr >> 5;
    ((a ^ (a >> 6) ^ (a >> 12) ^ (a >> 18)) & 63) as usize
}

/// Derive the next command of request `r` from its bank's state, and a lower bound of the
/// tick it may issue at.
#[inline]
fn derive_with(dev: &Device, spec: &Spec, r: &mut Req) {
    r.ver = dev.bank_version(r.bank as usize);
    set_next_cmd(dev, spec, r);
    r.ecache = dev.earliest(r.cmd, &r.loc);
}

/// Set the command request `r` needs next (from its bank's state) and that command's
/// properties the scheduler reads (closes one bank, command bus).
#[inline(always)]
fn set_next_cmd(dev: &Device, spec: &Spec, r: &mut Req) {
    r.cmd = dev.prerequisite(r.fin, &r.loc);
    let ci = &spec.commands[r.cmd as usize];
    r.cmd_closing_single = ci.closing && !ci.all_bank;
    r.cmd_bus = (ci.row_bus as u8) | ((ci.col_bus as u8) << 1);
}

/// Keep a queue's per-class lower bounds `lo` (any, row, col) below the bound of request `r`.
#[inline]
fn note_bounds(lo: &mut [i64; 3], r: &Req) {
    lo[0] = lo[0].min(r.ecache);
    if r.cmd_bus & 1 != 0 {
        lo[1] = lo[1].min(r.ecache);
    }
    if r.cmd_bus & 2 != 0 {
        lo[2] = lo[2].min(r.ecache);
    }
}
