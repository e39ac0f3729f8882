//! The event engine: global time, clock domains, the event queue, components, links and the
//! run loop.
//!
//! The engine knows nothing about NPUs, DRAM or traces. It orders events for components
//! and delivers messages over links. It is generic over the message type `M`, which the
//! architecture layer (`crate::arch`) defines as a closed enum.
//!
//! Lifecycle (build, then connect, then check, then run):
//! 1. [`Simulator::add_clock`] and [`Simulator::add`] create clock domains and components.
//! 2. [`Simulator::connect`] joins two named ports with a [`LinkSpec`] (latency of at least
//!    one receiver cycle in each direction, optional bandwidth).
//! 3. [`Simulator::check_wiring`] finds unknown and unconnected ports before time zero.
//! 4. [`Simulator::run`] calls every component's `init` at tick 0, then pops events in
//!    `(tick, phase, insertion sequence)` order until none are left. If components still
//!    report outstanding work at that point, the run ends with [`SimError::Deadlock`]
//!    naming them.
//!
//! Idle cycles cost nothing: the loop jumps from one event to the next, and a component
//! that has nothing to do has no event in the queue.

mod component;
mod queue;
mod time;

pub use component::{AsAny, CompId, Component, Ctx, Message, PortId};
pub use queue::{EventKey, EventQueue, Phase};
pub use time::{ClockDomain, ClockError, ClockId, Cycle, FS_PER_NS, Tick};

use crate::stats::StatSet;

/// Properties of one link direction.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct LinkSpec {
    /// Latency in cycles of the receiving component's clock; at least 1.
    pub latency_cycles: u64,
    /// Optional bandwidth in bytes per receiver cycle. Messages on the link are serialised:
    /// a message of `b` bytes occupies the link for `ceil(b / bw)` receiver cycles.
    pub bytes_per_cycle: Option<f64>,
}

impl LinkSpec {
    /// A link with `latency_cycles` latency and no bandwidth limit.
    pub fn latency(latency_cycles: u64) -> Self {
        LinkSpec {
            latency_cycles,
            bytes_per_cycle: None,
        }
    }
}

/// Errors from building or running a simulation.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SimError {
    /// A port name does not exist on the component.
    #[error("component `{comp}` has no port `{port}` (it has: {known})")]
    UnknownPort {
        /// Component name.
        comp: String,
        /// Port name asked for.
        port: String,
        /// Known ports.
        known: String,
    },
    /// A port was connected twice.
    #[error("port `{comp}.{port}` is already connected")]
    PortInUse {
        /// Component name.
        comp: String,
        /// Port name.
        port: String,
    },
    /// A declared port is not connected to anything.
    #[error("port `{comp}.{port}` is not connected")]
    Dangling {
        /// Component name.
        comp: String,
        /// Port name.
        port: String,
    },
    /// A link with zero latency or a non-positive bandwidth.
    #[error("link `{from}` -> `{to}`: {what}")]
    BadLink {
        /// Sending port.
        from: String,
        /// Receiving port.
        to: String,
        /// What is wrong.
        what: String,
    },
    /// The queue ran dry while components still had work.
    #[error("deadlock at {at_ns:.3} ns: no event is pending but {} component(s) are waiting: {}", waiting.len(), fmt_waiting(waiting))]
    Deadlock {
        /// Time of the last event, in ns.
        at_ns: f64,
        /// `(component, what it waits for)`.
        waiting: Vec<(String, String)>,
    },
    /// The run reached its time limit.
    #[error(
        "time limit of {limit_ns:.3} ns reached; still busy: {}",
        fmt_waiting(waiting)
    )]
    TimeLimit {
        /// The limit, in ns.
        limit_ns: f64,
        /// `(component, what it waits for)`.
        waiting: Vec<(String, String)>,
    },
}

fn fmt_waiting(w: &[(String, String)]) -> String {
    w.iter()
        .map(|(c, r)| format!("`{c}` ({r})"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Clone)]
struct LinkDir {
    dst: CompId,
    dst_port: PortId,
    spec: LinkSpec,
    busy_until: Tick,
}

enum Event<M> {
    Deliver { dst: CompId, port: PortId, msg: M },
    Wake { comp: CompId },
}

/// Engine state that components reach through [`Ctx`].
pub(crate) struct Kernel<M: Message> {
    now: Tick,
    phase: Phase,
    queue: EventQueue<Event<M>>,
    clocks: Vec<ClockDomain>,
    clock_of: Vec<ClockId>,
    /// `links[comp][port]`: where a message sent on that port goes.
    links: Vec<Vec<Option<LinkDir>>>,
    /// Tick of the one pending wake-up of each component.
    pending_wake: Vec<Option<Tick>>,
    events: u64,
}

impl<M: Message> Kernel<M> {
    fn send(&mut self, from: CompId, port: PortId, msg: M) {
        let now = self.now;
        let link = self.links[from.0 as usize]
            .get_mut(port.0 as usize)
            .and_then(|l| l.as_mut())
            .expect("send on an unconnected port: check_wiring should have caught this");
        let rclock = &self.clocks[self.clock_of[link.dst.0 as usize].0 as usize];
        let ready = match link.spec.bytes_per_cycle {
            None => now,
            Some(bw) => {
                let start = now.max(link.busy_until);
                let ser = (msg.bytes() as f64 / bw).ceil() as u64;
                let c0 = rclock.cycle_at_or_after(start);
                let end = rclock.tick_of(c0 + ser);
                link.busy_until = end;
                end
            }
        };
        let arrive = rclock.tick_of(rclock.cycle_at_or_after(ready) + link.spec.latency_cycles);
        let (dst, port) = (link.dst, link.dst_port);
        self.queue
            .push(arrive, Phase::Deliver, Event::Deliver { dst, port, msg });
    }

    fn wake_at_tick(&mut self, comp: CompId, t: Tick) {
        let slot = &mut self.pending_wake[comp.0 as usize];
        match *slot {
            Some(p) if p <= t => {}
            _ => {
                *slot = Some(t);
                self.queue.push(t, Phase::Wake, Event::Wake { comp });
            }
        }
    }
}

/// Counters of one run of the engine.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct RunInfo {
    /// Time of the last event.
    pub end: Tick,
    /// Events popped from the queue (deliveries and wake-ups, stale ones excluded).
    pub events: u64,
}

/// A simulator: components, links, clock domains and the event queue.
pub struct Simulator<M: Message> {
    comps: Vec<Box<dyn Component<M>>>,
    k: Kernel<M>,
}

impl<M: Message> Default for Simulator<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Message> Simulator<M> {
    /// An empty simulator.
    pub fn new() -> Self {
        Simulator {
            comps: Vec::new(),
            k: Kernel {
                now: Tick::ZERO,
                phase: Phase::Control,
                queue: EventQueue::new(),
                clocks: Vec::new(),
                clock_of: Vec::new(),
                links: Vec::new(),
                pending_wake: Vec::new(),
                events: 0,
            },
        }
    }

    /// Add a clock domain.
    pub fn add_clock(&mut self, c: ClockDomain) -> ClockId {
        self.k.clocks.push(c);
        ClockId(self.k.clocks.len() as u32 - 1)
    }

    /// A clock domain by id.
    pub fn clock(&self, id: ClockId) -> &ClockDomain {
        &self.k.clocks[id.0 as usize]
    }

    /// The clock domain of a component.
    pub fn clock_of(&self, c: CompId) -> &ClockDomain {
        self.clock(self.k.clock_of[c.0 as usize])
    }

    /// Add a component clocked by `clock`.
    pub fn add(&mut self, comp: Box<dyn Component<M>>, clock: ClockId) -> CompId {
        let nports = comp.ports().len();
        self.comps.push(comp);
        self.k.clock_of.push(clock);
        self.k.links.push(vec![None; nports]);
        self.k.pending_wake.push(None);
        CompId(self.comps.len() as u32 - 1)
    }

    fn port_id(&self, c: CompId, name: &str) -> Result<PortId, SimError> {
        let comp = &self.comps[c.0 as usize];
        let ports = comp.ports();
        ports
            .iter()
            .position(|p| *p == name)
            .map(|i| PortId(i as u16))
            .ok_or_else(|| SimError::UnknownPort {
                comp: comp.name().to_string(),
                port: name.to_string(),
                known: ports.join(", "),
            })
    }

    /// Join port `pa` of `a` and port `pb` of `b`: messages sent by `a` on `pa` arrive at
    /// `b` on `pb` with `ab`, and the other way round with `ba`.
    pub fn connect(
        &mut self,
        a: CompId,
        pa: &str,
        b: CompId,
        pb: &str,
        ab: LinkSpec,
        ba: LinkSpec,
    ) -> Result<(), SimError> {
        let ia = self.port_id(a, pa)?;
        let ib = self.port_id(b, pb)?;
        for (c, p, name) in [(a, ia, pa), (b, ib, pb)] {
            if self.k.links[c.0 as usize][p.0 as usize].is_some() {
                return Err(SimError::PortInUse {
                    comp: self.comps[c.0 as usize].name().to_string(),
                    port: name.to_string(),
                });
            }
        }
        let full = |c: CompId, p: &str| format!("{}.{}", self.comps[c.0 as usize].name(), p);
        for (spec, from, to) in [
            (ab, full(a, pa), full(b, pb)),
            (ba, full(b, pb), full(a, pa)),
        ] {
            if spec.latency_cycles == 0 {
                return Err(SimError::BadLink {
                    from,
                    to,
                    what: "latency must be at least 1 receiver cycle".into(),
                });
            }
            if let Some(bw) = spec.bytes_per_cycle
                && !(bw.is_finite() && bw > 0.0)
            {
                return Err(SimError::BadLink {
                    from,
                    to,
                    what: format!("bandwidth {bw} bytes/cycle must be positive"),
                });
            }
        }
        self.k.links[a.0 as usize][ia.0 as usize] = Some(LinkDir {
            dst: b,
            dst_port: ib,
            spec: ab,
            busy_until: Tick::ZERO,
        });
        self.k.links[b.0 as usize][ib.0 as usize] = Some(LinkDir {
            dst: a,
            dst_port: ia,
            spec: ba,
            busy_until: Tick::ZERO,
        });
        Ok(())
    }

    /// Every declared port must be connected.
    pub fn check_wiring(&self) -> Result<(), SimError> {
        for (i, c) in self.comps.iter().enumerate() {
            for (p, l) in self.k.links[i].iter().enumerate() {
                if l.is_none() {
                    return Err(SimError::Dangling {
                        comp: c.name().to_string(),
                        port: c.ports()[p].clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Run to completion, or until `limit` if given.
    pub fn run(&mut self, limit: Option<Tick>) -> Result<RunInfo, SimError> {
        self.check_wiring()?;
        self.k.now = Tick::ZERO;
        self.k.phase = Phase::Control;
        for i in 0..self.comps.len() {
            let mut cx = Ctx {
                k: &mut self.k,
                me: CompId(i as u32),
            };
            self.comps[i].init(&mut cx);
        }
        let limit = limit.unwrap_or(Tick::MAX);
        while let Some(key) = self.k.queue.peek_key() {
            if key.tick() > limit {
                return Err(SimError::TimeLimit {
                    limit_ns: limit.as_ns(),
                    waiting: self.waiting(),
                });
            }
            let Some((key, ev)) = self.k.queue.pop() else {
                break;
            };
            self.k.now = key.tick();
            self.k.phase = key.phase();
            match ev {
                Event::Deliver { dst, port, msg } => {
                    self.k.events += 1;
                    let mut cx = Ctx {
                        k: &mut self.k,
                        me: dst,
                    };
                    self.comps[dst.0 as usize].on_message(port, msg, &mut cx);
                }
                Event::Wake { comp } => {
                    let slot = &mut self.k.pending_wake[comp.0 as usize];
                    if *slot != Some(key.tick()) {
                        continue; // superseded by an earlier wake-up
                    }
                    *slot = None;
                    self.k.events += 1;
                    let mut cx = Ctx {
                        k: &mut self.k,
                        me: comp,
                    };
                    self.comps[comp.0 as usize].on_wake(&mut cx);
                }
            }
        }
        let waiting = self.waiting();
        if !waiting.is_empty() {
            return Err(SimError::Deadlock {
                at_ns: self.k.now.as_ns(),
                waiting,
            });
        }
        for c in &mut self.comps {
            c.finish(self.k.now);
        }
        Ok(RunInfo {
            end: self.k.now,
            events: self.k.events,
        })
    }

    fn waiting(&self) -> Vec<(String, String)> {
        self.comps
            .iter()
            .filter_map(|c| c.waiting_for().map(|r| (c.name().to_string(), r)))
            .collect()
    }

    /// Current time (the time of the last event after a run).
    pub fn now(&self) -> Tick {
        self.k.now
    }

    /// Events processed so far.
    pub fn events(&self) -> u64 {
        self.k.events
    }

    /// Number of components.
    pub fn len(&self) -> usize {
        self.comps.len()
    }

    /// Whether there are no components.
    pub fn is_empty(&self) -> bool {
        self.comps.is_empty()
    }

    /// A component by id.
    pub fn component(&self, id: CompId) -> &dyn Component<M> {
        self.comps[id.0 as usize].as_ref()
    }

    /// A component's concrete state, if it has type `T`.
    pub fn get<T: 'static>(&self, id: CompId) -> Option<&T> {
        self.comps[id.0 as usize]
            .as_ref()
            .as_any()
            .downcast_ref::<T>()
    }

    /// Statistics of every component, in component order.
    pub fn stats(&self) -> Vec<(String, StatSet)> {
        self.comps
            .iter()
            .map(|c| {
                let mut s = StatSet::default();
                c.stats(&mut s);
                (c.name().to_string(), s)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct Ping(u64);
    impl Message for Ping {
        fn bytes(&self) -> u64 {
            64
        }
    }

    /// Sends `n` pings, one per reply; records arrival ticks.
    struct Pinger {
        name: String,
        left: u64,
        seen: Vec<Tick>,
        outstanding: bool,
    }
    impl Component<Ping> for Pinger {
        fn name(&self) -> &str {
            &self.name
        }
        fn ports(&self) -> Vec<String> {
            vec!["out".into()]
        }
        fn init(&mut self, cx: &mut Ctx<'_, Ping>) {
            if self.left > 0 {
                self.left -= 1;
                self.outstanding = true;
                cx.send(PortId(0), Ping(0));
            }
        }
        fn on_message(&mut self, _p: PortId, m: Ping, cx: &mut Ctx<'_, Ping>) {
            self.seen.push(cx.now());
            self.outstanding = false;
            if self.left > 0 {
                self.left -= 1;
                self.outstanding = true;
                cx.send(PortId(0), Ping(m.0 + 1));
            }
        }
        fn waiting_for(&self) -> Option<String> {
            self.outstanding.then(|| "a reply".to_string())
        }
    }

    /// Replies to each ping after `delay` cycles, or never if `mute`.
    struct Echo {
        delay: u64,
        mute: bool,
        held: Vec<Ping>,
        wakes: u64,
    }
    impl Component<Ping> for Echo {
        fn name(&self) -> &str {
            "echo"
        }
        fn ports(&self) -> Vec<String> {
            vec!["in".into()]
        }
        fn on_message(&mut self, _p: PortId, m: Ping, cx: &mut Ctx<'_, Ping>) {
            if !self.mute {
                self.held.push(m);
                cx.wake_in(self.delay);
            }
        }
        fn on_wake(&mut self, cx: &mut Ctx<'_, Ping>) {
            self.wakes += 1;
            for m in self.held.drain(..) {
                cx.send(PortId(0), m);
            }
        }
    }

    fn build(delay: u64, mute: bool, bw: Option<f64>) -> (Simulator<Ping>, CompId, CompId) {
        let mut s = Simulator::new();
        let core = s.add_clock(ClockDomain::new("core", 1000.0).unwrap());
        let mem = s.add_clock(ClockDomain::new("mem", 1600.0).unwrap());
        let a = s.add(
            Box::new(Pinger {
                name: "pinger".into(),
                left: 3,
                seen: vec![],
                outstanding: false,
            }),
            core,
        );
        let b = s.add(
            Box::new(Echo {
                delay,
                mute,
                held: vec![],
                wakes: 0,
            }),
            mem,
        );
        let spec = LinkSpec {
            latency_cycles: 2,
            bytes_per_cycle: bw,
        };
        s.connect(a, "out", b, "in", spec, LinkSpec::latency(1))
            .unwrap();
        (s, a, b)
    }

    #[test]
    fn round_trip_times_follow_latencies_across_clocks() {
        let (mut s, a, _) = build(10, false, None);
        s.run(None).unwrap();
        // core period 1 ns, mem period 0.625 ns. Request: 2 mem cycles (1.25 ns); echo
        // waits 10 mem cycles (6.25 ns): at mem cycle 12 = 7.5 ns; reply 1 core cycle
        // after the next core edge at or after 7.5 ns (8 ns): 9 ns.
        let p = s.get::<Pinger>(a).unwrap();
        assert_eq!(p.seen[0], Tick(9 * FS_PER_NS));
        // Second round starts at 9 ns (mem cycle 14.4 -> edge 15 = 9.375 ns); +2 -> 17,
        // +10 -> 27 = 16.875 ns; core edge 17 ns + 1 = 18 ns.
        assert_eq!(p.seen[1], Tick(18 * FS_PER_NS));
        assert_eq!(p.seen.len(), 3);
    }

    #[test]
    fn bandwidth_serialises_messages() {
        // 64-byte ping over 8 bytes/cycle: 8 mem cycles of serialisation before latency.
        let (mut s, a, _) = build(0, false, Some(8.0));
        s.run(None).unwrap();
        let p = s.get::<Pinger>(a).unwrap();
        // 8 + 2 = 10 mem cycles = 6.25 ns; echo at once; reply at core edge 7 ns + 1 = 8 ns.
        assert_eq!(p.seen[0], Tick(8 * FS_PER_NS));
    }

    #[test]
    fn deadlock_names_the_waiting_component() {
        let (mut s, _, _) = build(1, true, None);
        let e = s.run(None).unwrap_err();
        match &e {
            SimError::Deadlock { waiting, .. } => {
                assert_eq!(
                    waiting,
                    &vec![("pinger".to_string(), "a reply".to_string())]
                )
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(e.to_string().contains("`pinger` (a reply)"));
    }

    #[test]
    fn wiring_errors_are_found_before_time_zero() {
        let mut s: Simulator<Ping> = Simulator::new();
        let c = s.add_clock(ClockDomain::new("c", 1000.0).unwrap());
        let a = s.add(
            Box::new(Pinger {
                name: "p".into(),
                left: 0,
                seen: vec![],
                outstanding: false,
            }),
            c,
        );
        assert!(matches!(s.check_wiring(), Err(SimError::Dangling { .. })));
        let b = s.add(
            Box::new(Echo {
                delay: 0,
                mute: false,
                held: vec![],
                wakes: 0,
            }),
            c,
        );
        let e = s
            .connect(
                a,
                "nope",
                b,
                "in",
                LinkSpec::latency(1),
                LinkSpec::latency(1),
            )
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "component `p` has no port `nope` (it has: out)"
        );
        let e = s
            .connect(
                a,
                "out",
                b,
                "in",
                LinkSpec::latency(0),
                LinkSpec::latency(1),
            )
            .unwrap_err();
        assert!(matches!(e, SimError::BadLink { .. }));
    }

    #[test]
    fn idle_time_costs_no_events() {
        // A ping every 10^9 cycles costs the same number of events as one every cycle.
        let (mut s, _, b) = build(1_000_000_000, false, None);
        let info = s.run(None).unwrap();
        assert_eq!(s.get::<Echo>(b).unwrap().wakes, 3);
        // 3 requests + 3 wakes + 3 replies.
        assert_eq!(info.events, 9);
    }
}
