//! The DRAM memory: channels with their controllers behind an address mapper
//! ([`DramSystem`]), and the engine component that serves the memory contract of
//! [`crate::mem`] with it ([`DramMemory`]).
//!
//! [`DramMemory`] splits every [`MemReq`] into transactions (the standard's burst: 64 B for
//! DDR4, 32 B for HBM2), maps each to its channel, and answers with one [`MemResp`] when the
//! last transaction of the request has completed. Transactions that do not fit in a full
//! controller queue wait, in order, in the component's own backlog. The component runs on the
//! DRAM clock (one engine cycle = one simulation tick, i.e. half a clock for HBM3) and asks to
//! be woken only at cycles where a controller can act, so an idle DRAM costs nothing. Refreshes
//! that fall into an idle period are replayed when the next request arrives (the controller
//! would have issued them at those same cycles), so idling never keeps the event queue alive.

use super::config::DramConfig;
use super::controller::{Completion, Controller};
use super::mapper::Mapper;
use super::timing::Spec;
use crate::arch::Msg;
use crate::engine::{Component, Ctx, Cycle, PortId};
use crate::mem::{MemReq, MemResp};
use crate::stats::StatSet;
use std::collections::VecDeque;
use std::sync::Arc;

/// Channels, controllers and the address mapping: the part shared by the trace replay front
/// end and the engine component.
#[derive(Debug, Clone)]
pub struct DramSystem {
    /// Resolved device spec.
    pub spec: Arc<Spec>,
    /// The configuration.
    pub cfg: DramConfig,
    /// Address mapper.
    pub mapper: Mapper,
    /// One controller per channel.
    pub channels: Vec<Controller>,
}

impl DramSystem {
    /// Build from a configuration (validate it first with [`DramConfig::validate`]).
    pub fn new(cfg: &DramConfig) -> Result<DramSystem, String> {
        let spec = Arc::new(Spec::resolve(cfg)?);
        let mapper = Mapper::new(
            cfg.address_mapping,
            &spec.org,
            spec.tx_bytes,
            spec.standard.prefetch,
            cfg.channels,
            cfg.channel_interleave_bits,
        );
        let channels = (0..cfg.channels)
            .map(|_| Controller::new(spec.clone(), cfg))
            .collect();
        Ok(DramSystem {
            spec,
            cfg: cfg.clone(),
            mapper,
            channels,
        })
    }

    /// Record every issued command (for the timing checker).
    pub fn record_commands(&mut self) {
        for c in &mut self.channels {
            c.record_commands();
        }
    }

    /// Transaction size in bytes.
    pub fn tx_bytes(&self) -> u32 {
        self.spec.tx_bytes
    }

    /// Peak bandwidth of all channels, GB/s.
    pub fn peak_gbps(&self) -> f64 {
        self.spec.peak_gbps(self.cfg.channels)
    }
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    port: PortId,
    id: u64,
    bytes: u64,
    write: bool,
    left: u64,
}

#[derive(Debug, Clone, Copy)]
struct Tx {
    addr: u64,
    write: bool,
    slot: u32,
}

/// The DRAM as an engine component: ports `p0..pN`, one per client.
pub struct DramMemory {
    name: String,
    nports: usize,
    sys: DramSystem,
    reqs: Vec<Option<Pending>>,
    free: Vec<u32>,
    backlog: VecDeque<Tx>,
    /// Per channel: the next tick at which its controller must be evaluated.
    wake: Vec<Option<i64>>,
    now: i64,
    done: Vec<Completion>,
    requests: u64,
    bytes_read: u64,
    bytes_written: u64,
}

impl DramMemory {
    /// A DRAM with `ports` client ports.
    pub fn new(name: &str, cfg: &DramConfig, ports: usize) -> Result<DramMemory, String> {
        let sys = DramSystem::new(cfg)?;
        let n = sys.channels.len();
        Ok(DramMemory {
            name: name.to_string(),
            nports: ports,
            sys,
            reqs: Vec::new(),
            free: Vec::new(),
            backlog: VecDeque::new(),
            wake: vec![None; n],
            now: 0,
            done: Vec::new(),
            requests: 0,
            bytes_read: 0,
            bytes_written: 0,
        })
    }

    /// The channels and controllers (for reports and tests).
    pub fn system(&self) -> &DramSystem {
        &self.sys
    }

    /// Evaluate every channel tick due up to and including `t`, in time order.
    fn advance(&mut self, t: i64, cx: &mut Ctx<'_, Msg>) {
        loop {
            let next = self.wake.iter().flatten().copied().min();
            let Some(n) = next else { break };
            if n > t {
                break;
            }
            self.now = n;
            for c in 0..self.sys.channels.len() {
                if self.wake[c] == Some(n) {
                    let ch = &mut self.sys.channels[c];
                    ch.tick(n);
                    self.wake[c] = if ch.has_work() || ch.busy() {
                        ch.next_wake()
                    } else {
                        None
                    };
                }
            }
            self.accept_backlog();
            self.collect(cx);
        }
        self.now = self.now.max(t);
    }

    /// Bring idle channels to the present: replay the refreshes they would have issued.
    fn catch_up(&mut self, t: i64, cx: &mut Ctx<'_, Msg>) {
        for c in 0..self.sys.channels.len() {
            if self.wake[c].is_none() {
                let r = self.sys.channels[c].next_refresh();
                if r <= t {
                    self.wake[c] = Some(r);
                }
            }
        }
        // Refreshes of idle channels keep queueing until `t`.
        loop {
            self.advance(t, cx);
            let mut more = false;
            for c in 0..self.sys.channels.len() {
                if self.wake[c].is_none() {
                    let r = self.sys.channels[c].next_refresh();
                    if r <= t {
                        self.wake[c] = Some(r);
                        more = true;
                    }
                }
            }
            if !more {
                break;
            }
        }
    }

    fn accept_backlog(&mut self) {
        let now = self.now;
        while let Some(tx) = self.backlog.front().copied() {
            let (ch, intra) = self.sys.mapper.channel(tx.addr);
            let loc = self.sys.mapper.locate(intra);
            let ctrl = &mut self.sys.channels[ch];
            if !ctrl.send(tx.addr, loc, tx.write, tx.slot as u64, now) {
                break;
            }
            self.backlog.pop_front();
            let w = ctrl.next_wake().unwrap_or(now + 1).min(now + 1);
            self.wake[ch] = Some(self.wake[ch].map_or(w, |x| x.min(w)));
        }
    }

    fn collect(&mut self, cx: &mut Ctx<'_, Msg>) {
        for c in 0..self.sys.channels.len() {
            self.done.append(&mut self.sys.channels[c].done);
        }
        if self.done.is_empty() {
            return;
        }
        let mut done = std::mem::take(&mut self.done);
        for d in done.drain(..) {
            let slot = d.tag as usize;
            let finished = {
                let p = self.reqs[slot].as_mut().expect("completion for a live request");
                p.left -= 1;
                p.left == 0
            };
            if finished {
                let p = self.reqs[slot].take().unwrap();
                self.free.push(slot as u32);
                // The response leaves at the tick the last transaction completed.
                let _ = d.clk;
                cx.send(
                    p.port,
                    Msg::MemResp(MemResp {
                        id: p.id,
                        bytes: p.bytes,
                        write: p.write,
                    }),
                );
            }
        }
        self.done = done;
    }

    fn schedule(&self, cx: &mut Ctx<'_, Msg>) {
        // Reads return data at their depart tick: wake for those too.
        let mut next = self.wake.iter().flatten().copied().min();
        for ch in &self.sys.channels {
            if ch.busy()
                && let Some(w) = ch.next_wake()
            {
                next = Some(next.map_or(w, |n: i64| n.min(w)));
            }
        }
        if let Some(n) = next {
            cx.wake_at(Cycle(n as u64));
        }
    }
}

impl Component<Msg> for DramMemory {
    fn name(&self) -> &str {
        &self.name
    }

    fn ports(&self) -> Vec<String> {
        (0..self.nports).map(crate::mem::client_port).collect()
    }

    fn on_message(&mut self, port: PortId, msg: Msg, cx: &mut Ctx<'_, Msg>) {
        let Msg::MemReq(r) = msg else {
            return;
        };
        let t = cx.cycle().0 as i64;
        self.catch_up(t, cx);
        // Requests arriving at tick t are offered after the controllers' tick t.
        self.advance(t, cx);
        self.now = t;
        self.requests += 1;
        let tx = self.sys.tx_bytes() as u64;
        let bytes = r.bytes.max(1);
        let first = r.addr / tx;
        let last = (r.addr + bytes - 1) / tx;
        let n = last - first + 1;
        if r.write {
            self.bytes_written += bytes;
        } else {
            self.bytes_read += bytes;
        }
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.reqs.push(None);
                (self.reqs.len() - 1) as u32
            }
        };
        self.reqs[slot as usize] = Some(Pending {
            port,
            id: r.id,
            bytes: r.bytes,
            write: r.write,
            left: n,
        });
        for i in first..=last {
            self.backlog.push_back(Tx {
                addr: i * tx,
                write: r.write,
                slot,
            });
        }
        self.accept_backlog();
        self.collect(cx);
        self.schedule(cx);
    }

    fn on_wake(&mut self, cx: &mut Ctx<'_, Msg>) {
        let t = cx.cycle().0 as i64;
        // Data returns are due at `t` too: make sure busy channels tick then.
        for c in 0..self.sys.channels.len() {
            let ch = &self.sys.channels[c];
            if ch.busy()
                && let Some(w) = ch.next_wake()
                && w <= t
            {
                self.wake[c] = Some(self.wake[c].map_or(w, |x| x.min(w)));
            }
        }
        self.advance(t, cx);
        self.schedule(cx);
    }

    fn waiting_for(&self) -> Option<String> {
        let open = self.reqs.iter().flatten().count();
        (open > 0).then(|| format!("{open} memory request(s) in DRAM"))
    }

    fn stats(&self, out: &mut StatSet) {
        let mut agg = super::controller::CtrlStats::default();
        let mut cmds = vec![0u64; self.sys.spec.commands.len()];
        for ch in &self.sys.channels {
            let s = &ch.stats;
            agg.row_hits += s.row_hits;
            agg.row_misses += s.row_misses;
            agg.row_conflicts += s.row_conflicts;
            agg.reads += s.reads;
            agg.writes += s.writes;
            agg.reads_served += s.reads_served;
            agg.read_latency_sum += s.read_latency_sum;
            agg.refreshes += s.refreshes;
            for (a, b) in cmds.iter_mut().zip(&s.commands) {
                *a += b;
            }
        }
        out.int("requests", self.requests, "requests", "Memory requests received.");
        out.int("bytes_read", self.bytes_read, "bytes", "Bytes read by clients.");
        out.int(
            "bytes_written",
            self.bytes_written,
            "bytes",
            "Bytes written by clients.",
        );
        out.int("reads", agg.reads, "transactions", "Read transactions.");
        out.int("writes", agg.writes, "transactions", "Write transactions.");
        out.int("row_hits", agg.row_hits, "transactions", "Row-buffer hits.");
        out.int(
            "row_misses",
            agg.row_misses,
            "transactions",
            "Accesses to a closed bank.",
        );
        out.int(
            "row_conflicts",
            agg.row_conflicts,
            "transactions",
            "Accesses to a bank with another row open.",
        );
        out.int("refreshes", agg.refreshes, "commands", "Refresh commands.");
        let lat = if agg.reads_served > 0 {
            agg.read_latency_sum as f64 / agg.reads_served as f64
        } else {
            0.0
        };
        out.float(
            "avg_read_latency_cycles",
            lat,
            "cycles",
            "Controller-queue entry to data return, DRAM ticks.",
        );
        let spec = &self.sys.spec;
        for (k, name) in [
            (super::timing::CmdKind::Act, "cmd_act"),
            (super::timing::CmdKind::PrePb, "cmd_pre"),
            (super::timing::CmdKind::Rd, "cmd_rd"),
            (super::timing::CmdKind::Wr, "cmd_wr"),
            (super::timing::CmdKind::RefAb, "cmd_ref"),
        ] {
            let _ = (k, name);
        }
        let c = super::replay::command_counts(spec, &cmds);
        out.int("cmd_act", c.act, "commands", "Activates issued.");
        out.int("cmd_pre", c.pre, "commands", "Precharges issued.");
        out.int("cmd_rd", c.rd, "commands", "Reads issued.");
        out.int("cmd_wr", c.wr, "commands", "Writes issued.");
        out.int("cmd_ref", c.refresh, "commands", "Refreshes issued.");
    }
}
