//! The [`Component`] contract and the services a component gets while it runs ([`Ctx`]).

use super::Kernel;
use super::queue::Phase;
use super::time::{ClockDomain, Cycle, Tick};
use crate::stats::StatSet;
use std::any::Any;

/// Dense index of a component inside one simulator.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CompId(pub u32);

/// Index of a port within its component (`0..ports().len()`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortId(pub u16);

/// A message carried by links. The engine is generic over the message type so that it
/// knows nothing about what the components model.
pub trait Message: 'static {
    /// Size of the message on a link, for links with a bandwidth limit.
    fn bytes(&self) -> u64 {
        0
    }
}

/// Upcasting helper so that the owner of a simulator can read a component's concrete
/// state after a run (e.g. the scheduler's op records).
pub trait AsAny {
    /// `self` as `&dyn Any`.
    fn as_any(&self) -> &dyn Any;
}
impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A simulated component.
///
/// Contract:
/// - A component never calls another component. It reacts to messages arriving on its
///   ports ([`Component::on_message`]) and to its own timers ([`Component::on_wake`]),
///   and acts by sending messages ([`Ctx::send`]) and asking to be woken ([`Ctx::wake_at`]).
/// - A component that has nothing to do asks for no wake-up; it costs nothing until a
///   message arrives. A component that waits for time to pass asks to be woken at the
///   earliest tick at which anything it models can change, not every cycle.
/// - At most one wake-up is pending per component: asking for an earlier one replaces a
///   later one, asking for a later one while an earlier one is pending does nothing (the
///   component re-evaluates its state when woken and asks again).
/// - [`Component::waiting_for`] returns `Some(reason)` while the component has accepted
///   work it has not finished. If the event queue runs dry while any component says so,
///   the run ends with a deadlock error naming them.
pub trait Component<M: Message>: AsAny {
    /// Instance name, unique within the simulator (e.g. `npu0.core1`).
    fn name(&self) -> &str;
    /// Port names; a port's [`PortId`] is its index in this slice.
    fn ports(&self) -> Vec<String> {
        Vec::new()
    }
    /// Called once at tick 0, after every component and link exists, in component order.
    fn init(&mut self, _cx: &mut Ctx<'_, M>) {}
    /// A message arrived on `port`.
    fn on_message(&mut self, port: PortId, msg: M, cx: &mut Ctx<'_, M>);
    /// A wake-up requested with [`Ctx::wake_at`] is due.
    fn on_wake(&mut self, _cx: &mut Ctx<'_, M>) {}
    /// `Some(reason)` while work is outstanding; used for deadlock reports.
    fn waiting_for(&self) -> Option<String> {
        None
    }
    /// The run ended at `end` (called once, after the last event, before statistics are
    /// read): a component whose statistics depend on elapsed time (e.g. DRAM background
    /// energy) brings itself to `end`.
    fn finish(&mut self, _end: Tick) {}
    /// Export statistics (called after the run).
    fn stats(&self, _out: &mut StatSet) {}
}

/// Engine services available to a component while it handles a message or a wake-up.
pub struct Ctx<'a, M: Message> {
    pub(super) k: &'a mut Kernel<M>,
    pub(super) me: CompId,
}

impl<M: Message> Ctx<'_, M> {
    /// Current global time.
    #[inline]
    pub fn now(&self) -> Tick {
        self.k.now
    }

    /// This component's id.
    pub fn me(&self) -> CompId {
        self.me
    }

    /// This component's clock domain.
    #[inline]
    pub fn clock(&self) -> &ClockDomain {
        &self.k.clocks[self.k.clock_of[self.me.0 as usize].0 as usize]
    }

    /// The current cycle of this component's clock: the last edge at or before now.
    #[inline]
    pub fn cycle(&self) -> Cycle {
        self.clock().cycle_at_or_before(self.k.now)
    }

    /// Send `msg` out of `port`. It arrives at the peer after the link's latency (and
    /// serialisation, if the link has a bandwidth), at an edge of the peer's clock.
    ///
    /// Sending on a port that was never connected is a wiring bug caught by
    /// [`super::Simulator::check_wiring`] before time zero.
    pub fn send(&mut self, port: PortId, msg: M) {
        self.k.send(self.me, port, msg);
    }

    /// Ask to be woken at edge `c` of this component's clock (now if `c` is in the past).
    pub fn wake_at(&mut self, c: Cycle) {
        let t = self.clock().tick_of(c).max(self.k.now);
        self.k.wake_at_tick(self.me, t);
    }

    /// Ask to be woken `n` cycles after the current cycle (`n = 0`: later in this tick).
    pub fn wake_in(&mut self, n: u64) {
        let c = self.cycle() + n;
        self.wake_at(c);
    }

    /// Ask to be woken at global time `t` (now if `t` is in the past).
    pub fn wake_at_tick(&mut self, t: Tick) {
        let t = t.max(self.k.now);
        self.k.wake_at_tick(self.me, t);
    }

    /// The phase of the event being handled.
    pub fn phase(&self) -> Phase {
        self.k.phase
    }
}
