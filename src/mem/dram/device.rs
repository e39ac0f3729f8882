//! Bank, rank and channel state of one channel: for every node of the hierarchy and every
//! command, the earliest tick at which the command may next issue there (the "ready clock",
//! as in Ramulator 2), short issue histories for windowed constraints such as tFAW, and the
//! state of every bank (closed, activating, or open with a row).
//!
//! Issuing a command walks the constraint table of each level on the path from the channel
//! to the target node (every node below it for all-bank commands), raising the ready clocks of
//! the commands it constrains; sibling constraints raise those of the other nodes under the
//! same parent. Asking when a command may issue is a maximum over the ready clocks on its
//! path, so the controller can sleep until then instead of polling every cycle.
//!
//! Design for processing in memory: a bank is a [`Bank`] record reached by a flat bank id, and
//! commands are classified by [`CmdKind`]; a later PIM model adds row buffers to [`Bank`] and
//! all-bank compute commands as new kinds with `all_bank` targets, without changing the
//! timing machinery, which only sees command ids and the constraint table.

use super::org::{MAX_LEVELS, Org};
use super::timing::{CmdKind, Spec};

/// State of one bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BankState {
    /// Precharged: no row open.
    Closed,
    /// LPDDR5: between ACT-1 and ACT-2.
    Activating,
    /// A row is open in the row buffer.
    Opened,
}

/// One bank: its state and open row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bank {
    /// State.
    pub state: BankState,
    /// Open row (meaningful when `state` is `Opened`).
    pub row: u32,
}

/// Where a command goes: the node ids at each level down to `depth`, plus row and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct Loc {
    /// Flat node index within each level (`node[0]` = 0: the channel itself; `node[1]` is
    /// also the rank / pseudo-channel id).
    pub node: [u32; MAX_LEVELS],
    /// Row.
    pub row: u32,
    /// Deepest specified level (the bank level for normal commands, the refresh scope for
    /// all-bank refresh and precharge).
    pub depth: u8,
    /// Column (in transactions).
    pub col: u32,
}

impl Loc {
    /// A location from per-level ids down to `depth`.
    pub fn new(org: &Org, ids_in: &[u32], depth: usize, row: u32, col: u32) -> Loc {
        let mut node = [0u32; MAX_LEVELS];
        for l in 1..=depth {
            node[l] = node[l - 1] * org.sizes[l] + ids_in[l];
        }
        Loc {
            node,
            depth: depth as u8,
            row,
            col,
        }
    }

    /// Flat bank id (only for locations that reach the bank level).
    #[inline]
    pub fn bank(&self, bank_level: usize) -> usize {
        self.node[bank_level] as usize
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    fol: u16,
    lat: i64,
    window: u32,
    sibling: bool,
}

/// The timing and bank state of one channel.
#[derive(Debug, Clone)]
pub struct Device {
    org: Org,
    ncmd: usize,
    kinds: Vec<CmdKind>,
    split_act: bool,
    pre_pb: u8,
    pre_ab: u8,
    act: u8,
    act2: u8,
    ready: Vec<i64>,
    /// Per (level, earlier command): ranges into `plain`, `windowed` and `sib`.
    ranges: Vec<[u32; 6]>,
    /// Constraints on the same node with window 1, one per later command (the largest
    /// latency: applying max(ready, t + a) then max(ready, t + b) is max(ready, t + max(a, b))).
    plain: Vec<(u16, i64)>,
    /// Constraints on the same node with a longer window (tFAW): (later, latency, window).
    windowed: Vec<(u16, i64, u32)>,
    /// Constraints on the sibling nodes, one per later command.
    sib: Vec<(u16, i64)>,
    check_levels: Vec<([u8; MAX_LEVELS], u8)>,
    /// Per command issued to a bank: its same-node, window-1 constraints of every level as
    /// (level, later command, latency), applied at the bank's per-level row offsets in one
    /// loop (`flat_off[c]..flat_off[c + 1]`).
    flat: Vec<(u8, u16, i64)>,
    flat_off: Vec<u32>,
    /// Per command issued to a bank: the levels that also keep a history or have windowed or
    /// sibling constraints (the general path handles those parts).
    slow_levels: Vec<([u8; MAX_LEVELS], u8)>,
    /// Per (bank, command): the `ready` slots whose maximum is the earliest tick of that
    /// command at that bank (one per level that constrains it, padded with the slot past
    /// the end of the nodes' rows, which stays 0).
    bank_cmd_slots: Vec<[u32; MAX_LEVELS]>,
    /// Per bank and level up to the bank level: the offset of that node's row in `ready`.
    bank_rows: Vec<[u32; MAX_LEVELS]>,
    hist_w: Vec<u32>,
    hist_off: Vec<usize>,
    hist: Vec<i64>,
    /// Every bank of the channel, by flat bank id.
    pub banks: Vec<Bank>,
    /// Per bank: incremented whenever the bank's state changes.
    versions: Vec<u32>,
}

impl Device {
    /// A device in its power-up state: all banks closed, every command legal.
    pub fn new(spec: &Spec) -> Device {
        let org = spec.org.clone();
        let ncmd = spec.commands.len();
        let nl = org.bank_level + 1;
        let mut cons = vec![Vec::new(); nl * ncmd];
        let mut targeted = vec![false; nl * ncmd];
        for c in &spec.table {
            if c.level >= nl {
                continue;
            }
            let k = c.level * ncmd + c.pre as usize;
            cons[k].push(Entry {
                fol: c.fol as u16,
                lat: c.latency,
                window: c.window,
                sibling: c.sibling,
            });
            targeted[c.level * ncmd + c.fol as usize] = true;
        }
        let (mut plain, mut windowed, mut sib) = (Vec::new(), Vec::new(), Vec::new());
        let mut ranges = vec![[0u32; 6]; nl * ncmd];
        for (k, list) in cons.iter().enumerate() {
            let mut p: std::collections::BTreeMap<u16, i64> = Default::default();
            let mut w: std::collections::BTreeMap<(u16, u32), i64> = Default::default();
            let mut sb: std::collections::BTreeMap<u16, i64> = Default::default();
            for e in list {
                let slot = if e.sibling {
                    sb.entry(e.fol).or_insert(i64::MIN)
                } else if e.window <= 1 {
                    p.entry(e.fol).or_insert(i64::MIN)
                } else {
                    w.entry((e.fol, e.window)).or_insert(i64::MIN)
                };
                *slot = (*slot).max(e.lat);
            }
            let r = &mut ranges[k];
            r[0] = plain.len() as u32;
            plain.extend(p);
            r[1] = plain.len() as u32;
            r[2] = windowed.len() as u32;
            windowed.extend(w.into_iter().map(|((f, win), l)| (f, l, win)));
            r[3] = windowed.len() as u32;
            r[4] = sib.len() as u32;
            sib.extend(sb);
            r[5] = sib.len() as u32;
        }
        let check_levels: Vec<([u8; MAX_LEVELS], u8)> = (0..ncmd)
            .map(|cmd| {
                let mut a = [0u8; MAX_LEVELS];
                let mut n = 0u8;
                for l in (0..nl).filter(|l| targeted[l * ncmd + cmd]) {
                    a[n as usize] = l as u8;
                    n += 1;
                }
                (a, n)
            })
            .collect();
        let mut flat = Vec::new();
        let mut flat_off = vec![0u32];
        for cmd in 0..ncmd {
            for l in 0..nl {
                let [p0, p1, ..] = ranges[l * ncmd + cmd];
                for &(fol, lat) in &plain[p0 as usize..p1 as usize] {
                    flat.push((l as u8, fol, lat));
                }
            }
            flat_off.push(flat.len() as u32);
        }
        let mut hist_w = vec![0u32; nl * ncmd];
        let mut hist_off = vec![0usize; nl * ncmd];
        let mut total = 0;
        for l in 0..nl {
            for cmd in 0..ncmd {
                let k = l * ncmd + cmd;
                // History is needed only by windowed constraints (window > 1).
                let w = cons[k]
                    .iter()
                    .filter(|e| !e.sibling && e.window > 1)
                    .map(|e| e.window)
                    .max()
                    .unwrap_or(0);
                hist_w[k] = w;
                hist_off[k] = total;
                total += w as usize * org.nodes[l];
            }
        }
        let slow_levels = (0..ncmd)
            .map(|cmd| {
                let mut a = [0u8; MAX_LEVELS];
                let mut n = 0u8;
                for l in 0..nl {
                    let k = l * ncmd + cmd;
                    let [_, _, w0, w1, s0, s1] = ranges[k];
                    if hist_w[k] > 0 || w0 != w1 || (l > 0 && s0 != s1) {
                        a[n as usize] = l as u8;
                        n += 1;
                    }
                }
                (a, n)
            })
            .collect();
        let bl = org.bank_level;
        let bank_rows: Vec<[u32; MAX_LEVELS]> = (0..org.banks())
            .map(|b| {
                let mut a = [0u32; MAX_LEVELS];
                let mut n = b;
                for l in (0..=bl).rev() {
                    a[l] = ((org.base[l] + n) * ncmd) as u32;
                    if l > 0 {
                        n /= org.sizes[l] as usize;
                    }
                }
                a
            })
            .collect();
        // The slot past the last node's row is never raised: it pads the lists below.
        let zero = (org.total_nodes() * ncmd) as u32;
        let bank_cmd_slots = (0..org.banks())
            .flat_map(|b| {
                let rows: [u32; MAX_LEVELS] = bank_rows[b];
                let check_levels = &check_levels;
                (0..ncmd).map(move |cmd| {
                    let (levels, n): &([u8; MAX_LEVELS], u8) = &check_levels[cmd];
                    let mut a = [zero; MAX_LEVELS];
                    for (i, &l) in levels[..*n as usize].iter().enumerate() {
                        a[i] = rows[l as usize] + cmd as u32;
                    }
                    a
                })
            })
            .collect();
        let ids = spec.ids;
        Device {
            bank_rows,
            bank_cmd_slots,
            ncmd,
            kinds: spec.commands.iter().map(|c| c.kind).collect(),
            split_act: ids.act2.is_some(),
            pre_pb: ids.pre_pb.unwrap_or(0),
            pre_ab: ids.pre_ab.unwrap_or(0),
            act: ids.act.unwrap_or(0),
            act2: ids.act2.unwrap_or(0),
            ready: vec![0; org.total_nodes() * ncmd + 1],
            ranges,
            plain,
            windowed,
            sib,
            check_levels,
            flat,
            flat_off,
            slow_levels,
            hist_w,
            hist_off,
            hist: vec![-1; total],
            banks: vec![
                Bank {
                    state: BankState::Closed,
                    row: 0
                };
                org.banks()
            ],
            versions: vec![0; org.banks()],
            org,
        }
    }

    /// A counter that changes whenever the state of bank `b` changes.
    #[inline]
    pub fn bank_version(&self, b: usize) -> u32 {
        self.versions[b]
    }

    /// The organisation.
    pub fn org(&self) -> &Org {
        &self.org
    }

    /// Earliest tick at which `cmd` may issue to `loc`, given everything issued so far.
    /// A bank-level query is a maximum over the few levels that constrain `cmd`, read at
    /// per-bank offsets computed once (a memo per bank and command measured no faster).
    #[inline]
    pub fn earliest(&self, cmd: u8, loc: &Loc) -> i64 {
        if loc.depth as usize == self.org.bank_level {
            let b = loc.node[self.org.bank_level] as usize;
            let s = &self.bank_cmd_slots[b * self.ncmd + cmd as usize];
            let r = &self.ready;
            let v = r[s[0] as usize].max(r[s[1] as usize]).max(r[s[2] as usize]);
            return v
                .max(r[s[3] as usize])
                .max(r[s[4] as usize])
                .max(r[s[5] as usize]);
        }
        self.earliest_uncached(cmd, loc)
    }

    fn earliest_uncached(&self, cmd: u8, loc: &Loc) -> i64 {
        let cmd = cmd as usize;
        let depth = loc.depth as usize;
        let mut e = 0i64;
        let (levels, n) = &self.check_levels[cmd];
        for &l in &levels[..*n as usize] {
            let l = l as usize;
            if l <= depth {
                let i = (self.org.base[l] + loc.node[l] as usize) * self.ncmd + cmd;
                e = e.max(self.ready[i]);
            } else {
                let span = self.org.nodes[l] / self.org.nodes[depth];
                let start = self.org.base[l] + loc.node[depth] as usize * span;
                for n in start..start + span {
                    e = e.max(self.ready[n * self.ncmd + cmd]);
                }
            }
        }
        e
    }

    fn update_node(&mut self, l: usize, n: usize, cmd: usize, clk: i64) {
        let k = l * self.ncmd + cmd;
        let [p0, p1, ..] = self.ranges[k];
        let row = (self.org.base[l] + n) * self.ncmd;
        let ready = &mut self.ready[row..row + self.ncmd];
        for &(fol, lat) in &self.plain[p0 as usize..p1 as usize] {
            let r = &mut ready[fol as usize];
            *r = (*r).max(clk + lat);
        }
        self.update_windowed(l, n, cmd, clk);
    }

    /// The history and the windowed constraints (tFAW) of node `n` of level `l` after `cmd`
    /// issued at `clk`.
    fn update_windowed(&mut self, l: usize, n: usize, cmd: usize, clk: i64) {
        let k = l * self.ncmd + cmd;
        let [_, _, w0, w1, _, _] = self.ranges[k];
        let w = self.hist_w[k] as usize;
        if w0 == w1 && w == 0 {
            return;
        }
        let h0 = self.hist_off[k] + n * w;
        if w > 0 {
            self.hist.copy_within(h0..h0 + w - 1, h0 + 1);
            self.hist[h0] = clk;
        }
        let row = (self.org.base[l] + n) * self.ncmd;
        let ready = &mut self.ready[row..row + self.ncmd];
        for &(fol, lat, window) in &self.windowed[w0 as usize..w1 as usize] {
            let past = self.hist[h0 + window as usize - 1];
            if past < 0 {
                continue;
            }
            let r = &mut ready[fol as usize];
            *r = (*r).max(past + lat);
        }
    }

    /// The sibling constraints of level `l` after `cmd` issued to `loc` at `clk`: they
    /// raise the ready clocks of the other nodes under the same parent.
    fn update_siblings(&mut self, l: usize, loc: &Loc, cmd: usize, clk: i64) {
        let k = l * self.ncmd + cmd;
        let [_, _, _, _, s0, s1] = self.ranges[k];
        if l == 0 || s0 == s1 {
            return;
        }
        let size = self.org.sizes[l] as usize;
        let first = loc.node[l - 1] as usize * size;
        for n in first..first + size {
            if n == loc.node[l] as usize {
                continue;
            }
            let row = (self.org.base[l] + n) * self.ncmd;
            let ready = &mut self.ready[row..row + self.ncmd];
            for &(fol, lat) in &self.sib[s0 as usize..s1 as usize] {
                let r = &mut ready[fol as usize];
                *r = (*r).max(clk + lat);
            }
        }
    }

    /// Record that `cmd` issued to `loc` at tick `clk`: update ready clocks and bank state.
    pub fn issue(&mut self, cmd: u8, loc: &Loc, clk: i64) {
        let c = cmd as usize;
        let depth = loc.depth as usize;
        let bl = self.org.bank_level;
        if depth == bl {
            // A command to one bank: every same-node window-1 constraint in one loop over the
            // bank's per-level rows, then the few levels with histories or siblings.
            let rows = self.bank_rows[loc.node[bl] as usize];
            let (a, b) = (self.flat_off[c] as usize, self.flat_off[c + 1] as usize);
            for &(l, fol, lat) in &self.flat[a..b] {
                let r = &mut self.ready[rows[l as usize] as usize + fol as usize];
                *r = (*r).max(clk + lat);
            }
            let (levels, n) = self.slow_levels[c];
            for &l in &levels[..n as usize] {
                let l = l as usize;
                self.update_siblings(l, loc, c, clk);
                self.update_windowed(l, loc.node[l] as usize, c, clk);
            }
        } else {
            for l in 0..=bl {
                if l > depth {
                    let span = self.org.nodes[l] / self.org.nodes[depth];
                    let start = loc.node[depth] as usize * span;
                    for n in start..start + span {
                        self.update_node(l, n, c, clk);
                    }
                    continue;
                }
                self.update_siblings(l, loc, c, clk);
                self.update_node(l, loc.node[l] as usize, c, clk);
            }
        }
        // Bank state.
        let bl = self.org.bank_level;
        let kind = self.kinds[c];
        if matches!(
            kind,
            CmdKind::Act
                | CmdKind::Act1
                | CmdKind::Act2
                | CmdKind::PrePb
                | CmdKind::Rda
                | CmdKind::Wra
        ) {
            let b = loc.bank(bl);
            self.versions[b] = self.versions[b].wrapping_add(1) % (u32::MAX - 1);
        } else if kind == CmdKind::PreAb {
            for b in self.bank_range(loc) {
                self.versions[b] = self.versions[b].wrapping_add(1) % (u32::MAX - 1);
            }
        }
        match kind {
            CmdKind::Act | CmdKind::Act2 => {
                let b = &mut self.banks[loc.bank(bl)];
                b.state = BankState::Opened;
                b.row = loc.row;
            }
            CmdKind::Act1 => self.banks[loc.bank(bl)].state = BankState::Activating,
            CmdKind::PrePb | CmdKind::Rda | CmdKind::Wra => {
                self.banks[loc.bank(bl)].state = BankState::Closed
            }
            CmdKind::PreAb => {
                for b in self.bank_range(loc) {
                    self.banks[b].state = BankState::Closed;
                }
            }
            _ => {}
        }
    }

    /// Flat ids of the banks under `loc` (one bank, or all banks under its deepest node).
    pub fn bank_range(&self, loc: &Loc) -> std::ops::Range<usize> {
        let depth = loc.depth as usize;
        let bl = self.org.bank_level;
        let span = self.org.nodes[bl] / self.org.nodes[depth];
        let start = loc.node[depth] as usize * span;
        start..start + span
    }

    /// The command that must issue next for a request whose last command is `fin`
    /// (e.g. PRE, then ACT, then RD for a read to a bank with another row open).
    #[inline]
    pub fn prerequisite(&self, fin: u8, loc: &Loc) -> u8 {
        match self.kinds[fin as usize] {
            CmdKind::Rd | CmdKind::Wr | CmdKind::Rda | CmdKind::Wra => {
                let b = self.banks[loc.bank(self.org.bank_level)];
                match b.state {
                    BankState::Closed => self.act,
                    BankState::Activating => self.act2,
                    BankState::Opened => {
                        if b.row == loc.row {
                            fin
                        } else {
                            self.pre_pb
                        }
                    }
                }
            }
            CmdKind::RefAb | CmdKind::RfmAb => {
                for b in self.bank_range(loc) {
                    if self.banks[b].state != BankState::Closed {
                        return self.pre_ab;
                    }
                }
                fin
            }
            CmdKind::RefPb | CmdKind::RfmPb => {
                if self.banks[loc.bank(self.org.bank_level)].state != BankState::Closed {
                    self.pre_pb
                } else {
                    fin
                }
            }
            _ => fin,
        }
    }

    /// Whether the request's row is open in its bank.
    #[inline]
    pub fn row_hit(&self, loc: &Loc) -> bool {
        let b = self.banks[loc.bank(self.org.bank_level)];
        b.state == BankState::Opened && b.row == loc.row
    }

    /// Whether the request's bank has a row open.
    #[inline]
    pub fn row_open(&self, loc: &Loc) -> bool {
        self.banks[loc.bank(self.org.bank_level)].state == BankState::Opened
    }

    /// Whether the standard splits activation into ACT-1 and ACT-2.
    pub fn split_activate(&self) -> bool {
        self.split_act
    }
}
