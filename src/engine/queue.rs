//! The deterministic event queue.
//!
//! Events are ordered by the key `(tick, phase, seq)`: earlier time first; at the same time,
//! lower [`Phase`] first; at the same time and phase, the event inserted first pops first.
//! The key is packed into one `u128` so a comparison is a single integer comparison. Nothing
//! in the key depends on addresses or hashing, so the pop order is a pure function of the
//! insertion sequence.

use super::time::Tick;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Same-time ordering class of an event. Lower runs first.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Phase {
    /// A message arriving at a port.
    Deliver = 0,
    /// A component's own timer.
    Wake = 1,
    /// Sampling and end-of-run control.
    Control = 2,
}

/// The packed ordering key of an event.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventKey(u128);

impl EventKey {
    /// Pack `(tick, phase, seq)`; `seq` must be below 2^56.
    pub fn new(tick: Tick, phase: Phase, seq: u64) -> Self {
        debug_assert!(seq < (1 << 56));
        EventKey(((tick.0 as u128) << 64) | ((phase as u128) << 56) | seq as u128)
    }
    /// The event's time.
    pub fn tick(self) -> Tick {
        Tick((self.0 >> 64) as u64)
    }
    /// The event's phase.
    pub fn phase(self) -> Phase {
        match (self.0 >> 56) as u8 {
            0 => Phase::Deliver,
            1 => Phase::Wake,
            _ => Phase::Control,
        }
    }
    /// The event's insertion sequence number.
    pub fn seq(self) -> u64 {
        (self.0 as u64) & ((1 << 56) - 1)
    }
}

struct Entry<E> {
    key: EventKey,
    payload: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, o: &Self) -> bool {
        self.key == o.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, o: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse so the smallest key pops first.
        o.key.cmp(&self.key)
    }
}

/// A min-queue of events keyed by `(tick, phase, insertion sequence)`.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Insert an event; returns its key.
    pub fn push(&mut self, tick: Tick, phase: Phase, payload: E) -> EventKey {
        let key = EventKey::new(tick, phase, self.next_seq);
        self.next_seq += 1;
        self.heap.push(Entry { key, payload });
        key
    }

    /// Remove and return the smallest event.
    pub fn pop(&mut self) -> Option<(EventKey, E)> {
        self.heap.pop().map(|e| (e.key, e.payload))
    }

    /// The key of the smallest event.
    pub fn peek_key(&self) -> Option<EventKey> {
        self.heap.peek().map(|e| e.key)
    }

    /// Number of queued events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether the queue is empty.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the insertion order, events pop in (tick, phase, seq) order, and among
        /// equal (tick, phase) in insertion order.
        #[test]
        fn pops_in_key_order(evs in proptest::collection::vec((0u64..50, 0u8..3), 0..300)) {
            let mut q = EventQueue::new();
            for (i, (t, p)) in evs.iter().enumerate() {
                let ph = match p { 0 => Phase::Deliver, 1 => Phase::Wake, _ => Phase::Control };
                q.push(Tick(*t), ph, i);
            }
            let mut expected: Vec<(u64, u8, usize)> =
                evs.iter().enumerate().map(|(i, (t, p))| (*t, *p, i)).collect();
            expected.sort();
            let mut got = Vec::new();
            while let Some((k, i)) = q.pop() {
                got.push((k.tick().0, k.phase() as u8, i));
                prop_assert_eq!(k.seq() as usize, i);
            }
            prop_assert_eq!(got, expected);
        }
    }

    #[test]
    fn key_round_trips() {
        let k = EventKey::new(Tick(123_456_789), Phase::Wake, 42);
        assert_eq!(k.tick(), Tick(123_456_789));
        assert_eq!(k.phase(), Phase::Wake);
        assert_eq!(k.seq(), 42);
    }
}
