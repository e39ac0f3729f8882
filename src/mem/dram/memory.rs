//! The DRAM memory: channels with their controllers behind an address mapper
//! ([`DramSystem`]), and the engine component that serves the memory contract of
//! [`crate::mem`] with it ([`DramMemory`]).
//!
//! [`DramMemory`] splits every [`MemReq`] into transactions (the standard's burst: 64 B for
//! DDR4, 32 B for HBM2), maps each to its channel, and answers with one [`MemResp`] when the
//! last transaction of the request has completed. Transactions that do not fit in a full
//! controller queue wait, in order, in the component's own backlog. The component runs on the
//! DRAM clock (one engine cycle = one simulation tick, i.e. half a clock for HBM3) and asks to
//! be woken only at cycles where a controller can act, so an idle DRAM costs nothing. A channel
//! with nothing queued has no wake; the refreshes of its idle period are replayed, at the
//! cycles the controller would have issued them, before it next receives a request (and at the
//! end of the run), so idling never keeps the event queue alive.

use super::config::DramConfig;
use super::controller::{Completion, Controller};
use super::mapper::Mapper;
use super::power::{self, EnergyAction, PowerModel};
use super::timing::Spec;
use crate::arch::Msg;
use crate::engine::ClockDomain;
use crate::engine::{Component, Ctx, Cycle, PortId, Tick};
use crate::mem::MemResp;
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
    /// The energy model (prices of commands and background).
    pub power: PowerModel,
}

impl DramSystem {
    /// Build from a configuration; every problem [`DramConfig::problems`] finds is an error.
    pub fn new(cfg: &DramConfig) -> Result<DramSystem, String> {
        let problems = cfg.problems("memory");
        if !problems.is_empty() {
            let msg: Vec<String> = problems.iter().map(|(k, m)| format!("{k}: {m}")).collect();
            return Err(msg.join("\n"));
        }
        let spec = Arc::new(Spec::resolve(cfg)?);
        let power = PowerModel::resolve(cfg, &spec)?;
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
            power,
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

    /// The priced energy actions of every channel from tick 0 to tick `end` (commands issued
    /// so far; background time of every power domain up to `end`).
    pub fn energy(&self, end: i64) -> Vec<EnergyAction> {
        let mut c = power::ActionCounts::default();
        for ch in &self.channels {
            let k = power::command_actions(&self.spec, &ch.stats.commands);
            let (a, p) = ch.background.totals(end);
            c.act += k.act;
            c.rd += k.rd;
            c.wr += k.wr;
            c.refab += k.refab;
            c.refpb += k.refpb;
            c.bg_active += a;
            c.bg_precharged += p;
        }
        power::actions(&c, &self.power.prices)
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
    /// The DRAM tick at which the run ended (set by `finish`).
    end: Option<i64>,
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
            end: None,
        })
    }

    /// The DRAM clock domain: one engine cycle per simulation tick (the device clock, or half
    /// of it for HBM3), rounded to the engine's integer-kHz resolution (GDDR6's 570 ps tick
    /// becomes 1754.386 MHz, i.e. 569.9999 ps).
    pub fn clock(&self) -> ClockDomain {
        let mhz = (1e9 / self.sys.spec.tick_ps).round() / 1000.0;
        ClockDomain::new(format!("{}.clk", self.name), mhz).expect("DRAM clock in range")
    }

    /// The channels and controllers (for reports and tests).
    pub fn system(&self) -> &DramSystem {
        &self.sys
    }

    /// Evaluate every channel tick due up to and including `t`, in time order; completions
    /// gather in `self.done` (answered by [`DramMemory::collect`]).
    fn advance(&mut self, t: i64) {
        loop {
            let next = self.wake.iter().flatten().copied().min();
            let Some(n) = next else { break };
            if n > t {
                break;
            }
            debug_assert!(
                n >= self.now,
                "channel wake {n} before the memory's present {}",
                self.now
            );
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
                    self.done.append(&mut ch.done);
                }
            }
            self.accept_backlog();
        }
        self.now = self.now.max(t);
    }

    /// Bring every channel to tick `t` (the end of the run): busy ones by `advance`, idle ones
    /// by replaying the refreshes they would have issued.
    fn catch_up(&mut self, t: i64) {
        self.advance(t);
        for c in 0..self.sys.channels.len() {
            self.settle(c, t);
        }
    }

    /// Bring channel `c` up to tick `now` before it receives a request: a channel without a
    /// pending wake was idle and its clock may lag, with refreshes due that nobody has run.
    /// Channels are independent, so ticking this one alone at its own past ticks is exact;
    /// its clock stays monotonic and ends at or before `now`, so the request it then
    /// receives is first looked at at `now + 1`, after it arrived.
    fn settle(&mut self, c: usize, now: i64) {
        if self.wake[c].is_some() {
            return;
        }
        loop {
            let ch = &mut self.sys.channels[c];
            let n = if ch.has_work() || ch.busy() {
                ch.next_wake()
            } else {
                Some(ch.next_refresh())
            };
            match n {
                Some(n) if n <= now => {
                    ch.tick(n);
                    self.done.append(&mut ch.done);
                }
                _ => break,
            }
        }
        // A refresh still in progress keeps the channel awake.
        let ch = &self.sys.channels[c];
        if ch.has_work() || ch.busy() {
            self.wake[c] = ch.next_wake();
        }
    }

    fn accept_backlog(&mut self) {
        let now = self.now;
        while let Some(tx) = self.backlog.front().copied() {
            let (ch, intra) = self.sys.mapper.channel(tx.addr);
            let loc = self.sys.mapper.locate(intra);
            self.settle(ch, now);
            let ctrl = &mut self.sys.channels[ch];
            debug_assert!(
                ctrl.clk() <= now,
                "channel {ch} at {} receives a request at {now}",
                ctrl.clk()
            );
            if !ctrl.send(tx.addr, loc, tx.write, tx.slot as u64, now) {
                break;
            }
            self.backlog.pop_front();
            // The channel looks at its new request at the next tick, as the trace replay
            // does. Not earlier: an idle channel's own clock (and so its `next_wake`) can lag
            // behind `now`, and a tick before `now + 1` would serve the request before it
            // arrived. Every pending wake is already after `now` (`advance` ran them).
            let w = now + 1;
            self.wake[ch] = Some(self.wake[ch].map_or(w, |x| x.min(w)));
        }
    }

    /// Answer every finished request (completions gathered by `advance` and by requests that
    /// finished on arrival, e.g. coalesced writes).
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
                let p = self.reqs[slot]
                    .as_mut()
                    .expect("completion for a live request");
                p.left -= 1;
                p.left == 0
            };
            if finished {
                let p = self.reqs[slot].take().unwrap();
                self.free.push(slot as u32);
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
        // `wake` covers data returns too: a channel's wake comes from `next_wake`, which
        // includes its next read-data return, and only `advance` changes that.
        if let Some(n) = self.wake.iter().flatten().copied().min() {
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
        // Requests arriving at tick t are offered after the controllers' tick t.
        self.advance(t);
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
        self.advance(t);
        self.collect(cx);
        self.schedule(cx);
    }

    fn finish(&mut self, end: Tick) {
        // The DRAM keeps refreshing while idle, until the end of the run.
        let t = self.clock().cycle_at_or_before(end).0 as i64;
        self.catch_up(t);
        self.end = Some(t.max(self.now));
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
            agg.reads_served += s.reads_served + s.reads_forwarded;
            agg.read_latency_sum += s.read_latency_sum;
            agg.min_read_latency = match (agg.min_read_latency, s.min_read_latency) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            agg.refreshes += s.refreshes;
            for (a, b) in cmds.iter_mut().zip(&s.commands) {
                *a += b;
            }
        }
        out.int(
            "requests",
            self.requests,
            "requests",
            "Memory requests received.",
        );
        out.int(
            "bytes_read",
            self.bytes_read,
            "bytes",
            "Bytes read by clients.",
        );
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
        out.int(
            "min_read_latency_cycles",
            agg.min_read_latency.unwrap_or(0),
            "cycles",
            "Least controller-queue entry to data return of a read served by the DRAM (not forwarded), DRAM ticks (0: none).",
        );
        let spec = &self.sys.spec;
        let c = super::replay::command_counts(spec, &cmds);
        out.int("cmd_act", c.act, "commands", "Activates issued.");
        out.int("cmd_pre", c.pre, "commands", "Precharges issued.");
        out.int("cmd_rd", c.rd, "commands", "Reads issued.");
        out.int("cmd_wr", c.wr, "commands", "Writes issued.");
        out.int("cmd_ref", c.refresh, "commands", "Refreshes issued.");
        // Energy: counts of priced actions with this part's own prices (docs/DRAM.md, Energy).
        let end = self.end.unwrap_or(self.now);
        for a in self.sys.energy(end) {
            let (what, price) = match a.action {
                "dram_act" => ("Activate-precharge pairs.", "Energy of one ACT+PRE pair."),
                "dram_rd" => ("Read bursts.", "Energy of one read burst."),
                "dram_wr" => ("Write bursts.", "Energy of one write burst."),
                "dram_ref" => ("All-bank refreshes.", "Energy of one all-bank refresh."),
                "dram_refpb" => ("Per-bank refreshes.", "Energy of one per-bank refresh."),
                "dram_bg_active_cycles" => (
                    "DRAM ticks x power domains with a bank open or refreshing.",
                    "Active-standby energy of one domain for one tick.",
                ),
                _ => (
                    "DRAM ticks x power domains with every bank closed.",
                    "Precharge-standby energy of one domain for one tick.",
                ),
            };
            out.int(a.action, a.count, crate::stats::energy::ACTIONS, what);
            out.float(
                &format!("{}_pj", a.action),
                a.pj_each,
                crate::stats::energy::PJ_EACH,
                price,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{CompId, LinkSpec, RunInfo, Simulator, Tick};
    use crate::mem::MemReq;

    /// Sends its requests at time 0 and records when each response arrives.
    struct Client {
        reqs: Vec<MemReq>,
        got: Vec<(u64, Tick)>,
    }
    impl Component<Msg> for Client {
        fn name(&self) -> &str {
            "client"
        }
        fn ports(&self) -> Vec<String> {
            vec!["mem".into()]
        }
        fn init(&mut self, cx: &mut Ctx<'_, Msg>) {
            for r in self.reqs.clone() {
                cx.send(PortId(0), Msg::MemReq(r));
            }
        }
        fn on_message(&mut self, _p: PortId, m: Msg, cx: &mut Ctx<'_, Msg>) {
            if let Msg::MemResp(r) = m {
                self.got.push((r.id, cx.now()));
            }
        }
        fn waiting_for(&self) -> Option<String> {
            (self.got.len() < self.reqs.len()).then(|| "responses".into())
        }
    }

    /// A simulator with `client` on port `p0` of `mem` (one-cycle links both ways), run to
    /// the end: the simulator, the client's and the memory's ids, and the info of the run.
    fn wire<C: Component<Msg> + 'static>(
        mem: DramMemory,
        client: C,
    ) -> (Simulator<Msg>, CompId, CompId, RunInfo) {
        let mut sim: Simulator<Msg> = Simulator::new();
        let clk = sim.add_clock(mem.clock());
        let c = sim.add(Box::new(client), clk);
        let m = sim.add(Box::new(mem), clk);
        sim.connect(
            c,
            "mem",
            m,
            "p0",
            LinkSpec::latency(1),
            LinkSpec::latency(1),
        )
        .unwrap();
        let info = sim.run(None).unwrap();
        (sim, c, m, info)
    }

    fn run(cfg: &DramConfig, reqs: Vec<MemReq>) -> (Vec<(u64, Tick)>, f64) {
        let mem = DramMemory::new("dram", cfg, 1).unwrap();
        let period_ns = 1e3 / mem.clock().freq_mhz();
        let (sim, c, _, _) = wire(mem, Client { reqs, got: vec![] });
        (sim.get::<Client>(c).unwrap().got.clone(), period_ns)
    }

    #[test]
    fn every_preset_has_an_engine_clock() {
        for (s, o, t, ps) in [
            ("DDR4", "DDR4_8Gb_x8", "DDR4_3200AA", 625.0),
            ("DDR5", "DDR5_16Gb_x8", "DDR5_4800AN", 416.0),
            ("HBM2", "HBM2_8Gb", "HBM2_2000Mbps", 1000.0),
            ("HBM3", "HBM3_16Gb_8hi", "HBM3_6400Mbps", 312.5),
            ("GDDR6", "GDDR6_8Gb_x16", "GDDR6_14000_1250mV_double", 570.0),
            ("LPDDR5", "LPDDR5_8Gb_x16", "LPDDR5_6400", 1250.0),
        ] {
            let m = DramMemory::new("m", &DramConfig::new(s, o, t), 1).unwrap();
            let period_ps = 1e6 / m.clock().freq_mhz();
            assert!((period_ps - ps).abs() < 1e-3, "{s}: {period_ps}");
        }
    }

    #[test]
    fn idle_read_latency_is_act_rcd_cl_bl() {
        // DDR4-3200AA: the request reaches the DRAM at cycle 1, is first scheduled at cycle 2
        // (ACT), RD at 2 + nRCD(22) = 24, data at 24 + nCL(22) + nBL(4) = 50; the response
        // reaches the client one cycle later, at cycle 51.
        let cfg = DramConfig::new("DDR4", "DDR4_8Gb_x8", "DDR4_3200AA");
        let (got, period) = run(
            &cfg,
            vec![MemReq {
                id: 7,
                addr: 0,
                bytes: 64,
                write: false,
            }],
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, 7);
        let cycles = got[0].1.as_ns() / period;
        assert!((cycles - 51.0).abs() < 1e-6, "{cycles}");
    }

    #[test]
    fn large_requests_are_split_and_answered_once() {
        // 4 KiB = 64 transactions of 64 B; a 2-byte read straddling two transactions.
        let cfg = DramConfig::new("DDR4", "DDR4_8Gb_x8", "DDR4_3200AA");
        let (got, _) = run(
            &cfg,
            vec![
                MemReq {
                    id: 1,
                    addr: 4096,
                    bytes: 4096,
                    write: false,
                },
                MemReq {
                    id: 2,
                    addr: 63,
                    bytes: 2,
                    write: true,
                },
            ],
        );
        let mut ids: Vec<u64> = got.iter().map(|g| g.0).collect();
        ids.sort();
        assert_eq!(ids, vec![1, 2]);
    }

    #[test]
    fn two_clients_on_two_channels_get_their_own_responses() {
        // GDDR6 x16: two channels, transactions of 32 B interleaved over them.
        let mut cfg = DramConfig::new("GDDR6", "GDDR6_8Gb_x16", "GDDR6_14000_1250mV_double");
        cfg.channels = 2;
        let mut sim: Simulator<Msg> = Simulator::new();
        let mem = DramMemory::new("dram", &cfg, 2).unwrap();
        let clk = sim.add_clock(mem.clock());
        let mk = |base: u64| Client {
            reqs: (0..8)
                .map(|i| MemReq {
                    id: i,
                    addr: base + i * 4096,
                    bytes: 4096,
                    write: i % 2 == 1,
                })
                .collect(),
            got: vec![],
        };
        let a = sim.add(Box::new(mk(0)), clk);
        let b = sim.add(Box::new(mk(1 << 24)), clk);
        let m = sim.add(Box::new(mem), clk);
        sim.connect(
            a,
            "mem",
            m,
            "p0",
            LinkSpec::latency(1),
            LinkSpec::latency(1),
        )
        .unwrap();
        sim.connect(
            b,
            "mem",
            m,
            "p1",
            LinkSpec::latency(1),
            LinkSpec::latency(1),
        )
        .unwrap();
        sim.run(None).unwrap();
        for c in [a, b] {
            let mut ids: Vec<u64> = sim
                .get::<Client>(c)
                .unwrap()
                .got
                .iter()
                .map(|g| g.0)
                .collect();
            ids.sort();
            assert_eq!(ids, (0..8).collect::<Vec<_>>());
        }
        let d = sim.get::<DramMemory>(m).unwrap();
        // 16 requests of 4 KiB = 2048 transactions of 32 B, half on each channel.
        let per: Vec<u64> = d
            .system()
            .channels
            .iter()
            .map(|c| c.stats.reads + c.stats.writes)
            .collect();
        assert_eq!(per, vec![1024, 1024]);
    }

    #[test]
    fn a_channel_idle_behind_the_backlog_refreshes_and_serves_in_order() {
        // DDR4-3200, two channels. 600 reads go to one bank of channel 0, each to another row
        // (each a row conflict: about nRC = 52 cycles apart), then one read to channel 1. The
        // channel-1 read waits in the memory's backlog behind channel 0's full queue for
        // ~30k cycles, more than two refresh intervals (nREFI 12480), while channel 1 sits
        // idle. When the backlog hands it over, channel 1 must first have refreshed on time,
        // and must not serve the read before it arrived.
        let mut cfg = DramConfig::new("DDR4", "DDR4_8Gb_x8", "DDR4_3200AA");
        cfg.channels = 2;
        let mut mem = DramMemory::new("dram", &cfg, 1).unwrap();
        mem.sys.record_commands();
        let pick = |want_ch: usize, bank0: bool, row: u32| -> u64 {
            (0..1u64 << 32)
                .step_by(64)
                .find(|&a| {
                    let (ch, intra) = mem.sys.mapper.channel(a);
                    let l = mem.sys.mapper.locate(intra);
                    ch == want_ch && (!bank0 || l.node[l.depth as usize] == 0) && l.row == row
                })
                .unwrap()
        };
        // Rows are the top address bits (RoBaRaCoCh): row r of bank 0 is r times row 1's.
        let stride = pick(0, true, 1);
        let mut reqs: Vec<MemReq> = (0..600)
            .map(|i| {
                let addr = (i + 1) * stride;
                let (ch, intra) = mem.sys.mapper.channel(addr);
                let l = mem.sys.mapper.locate(intra);
                assert_eq!((ch, l.row as u64), (0, i + 1));
                MemReq {
                    id: i,
                    addr,
                    bytes: 64,
                    write: false,
                }
            })
            .collect();
        reqs.push(MemReq {
            id: 600,
            addr: pick(1, false, 3),
            bytes: 64,
            write: false,
        });
        let (sim, c, m, _) = wire(mem, Client { reqs, got: vec![] });
        assert_eq!(sim.get::<Client>(c).unwrap().got.len(), 601);
        let d = sim.get::<DramMemory>(m).unwrap();
        let spec = &d.sys.spec;
        let nrefi = spec.t("nREFI");
        let ch1 = &d.sys.channels[1];
        let log = ch1.log.as_ref().unwrap();
        let refresh = spec.ids.ref_ab.unwrap();
        let first_other = log.iter().find(|i| i.cmd != refresh).unwrap().clk;
        assert!(
            first_other > 2 * nrefi,
            "channel 1 got its read at {first_other}"
        );
        // Every refresh interval that ended before channel 1's first ACT has its REF before it.
        let refs_before = log
            .iter()
            .filter(|i| i.cmd == refresh && i.clk < first_other)
            .count() as i64;
        assert!(
            refs_before >= first_other / nrefi - 1,
            "{refs_before} refreshes before tick {first_other}"
        );
        // Refreshes of the whole run: one per elapsed interval (the last may still be queued).
        let end = d.end.unwrap();
        let refs = ch1.stats.refreshes as i64;
        assert!(
            refs == end / nrefi || refs == end / nrefi - 1,
            "{refs}, end {end}"
        );
        for ch in &d.sys.channels {
            let r = super::super::checker::check(spec, ch.log.as_ref().unwrap(), 4);
            assert_eq!(r.total, 0, "{:?}", r.violations);
        }
        // ACT, nRCD, RD, nCL + nBL: no read returns sooner after it reached its controller.
        let least = (spec.t("nRCD") + spec.t("nCL") + spec.t("nBL") + 1) as u64;
        for ch in &d.sys.channels {
            let min = ch.stats.min_read_latency.unwrap();
            assert!(min >= least, "{min} < {least}");
        }
    }

    #[test]
    fn idle_gaps_replay_refreshes() {
        // Two reads 100 us apart: the controller must have refreshed in between (12 REFs per
        // 7.8 us) without the idle DRAM keeping the event queue alive.
        struct Late {
            sent: u32,
            got: u32,
        }
        impl Component<Msg> for Late {
            fn name(&self) -> &str {
                "late"
            }
            fn ports(&self) -> Vec<String> {
                vec!["mem".into()]
            }
            fn init(&mut self, cx: &mut Ctx<'_, Msg>) {
                cx.send(
                    PortId(0),
                    Msg::MemReq(MemReq {
                        id: 0,
                        addr: 0,
                        bytes: 64,
                        write: false,
                    }),
                );
                self.sent = 1;
            }
            fn on_message(&mut self, _p: PortId, _m: Msg, cx: &mut Ctx<'_, Msg>) {
                self.got += 1;
                if self.sent == 1 {
                    cx.wake_in(160_000);
                }
            }
            fn on_wake(&mut self, cx: &mut Ctx<'_, Msg>) {
                cx.send(
                    PortId(0),
                    Msg::MemReq(MemReq {
                        id: 1,
                        addr: 1 << 20,
                        bytes: 64,
                        write: false,
                    }),
                );
                self.sent = 2;
            }
        }
        let cfg = DramConfig::new("DDR4", "DDR4_8Gb_x8", "DDR4_3200AA");
        let mem = DramMemory::new("dram", &cfg, 1).unwrap();
        let (sim, c, m, info) = wire(mem, Late { sent: 0, got: 0 });
        assert_eq!(sim.get::<Late>(c).unwrap().got, 2);
        let d = sim.get::<DramMemory>(m).unwrap();
        let refs: u64 = d.system().channels.iter().map(|c| c.stats.refreshes).sum();
        // 160k cycles / nREFI 12480 = 12 refreshes before the second request.
        assert_eq!(refs, 12);
        assert!(info.events < 100, "{} events", info.events);
    }
}
