//! Time series: a quantity over simulated time in bounded memory, for timelines and plots.
//!
//! A [`Series`] keeps at most [`MAX_BUCKETS`] equal intervals starting at time zero. When an
//! update reaches past the last interval, neighbouring intervals merge pairwise and the
//! interval doubles, so a series costs the same memory for a microsecond and for a second
//! of simulated time, and an update costs O(1) amortised (plus one step per interval an
//! update spans). Two kinds:
//! - a **rate** ([`Series::rate`]): amounts (e.g. bytes) spread uniformly over the time
//!   they took, reported per interval as amount per ns times a scale (bytes/ns = GB/s);
//! - a **level** ([`Series::level`]): a piecewise-constant value (e.g. a queue's depth),
//!   reported per interval as its time average.
//!
//! Components that feed a series keep it as a plain field and export a copy through
//! [`super::StatSet::add_series`]; the timeline writer turns each series into a counter
//! track.

use crate::engine::Tick;

/// Intervals kept at most.
pub const MAX_BUCKETS: usize = 1024;

/// Interval at the start, in ticks (femtoseconds): 1 ns.
const FIRST_INTERVAL: u64 = 1_000_000;

/// What a series measures.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum SeriesKind {
    /// Amount per ns, times a scale.
    Rate {
        /// Factor applied to amount/ns.
        scale: f64,
    },
    /// Time-average of a level.
    Level,
}

/// A quantity over simulated time.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Name (shown as the counter's name).
    pub name: String,
    /// Unit of the reported values.
    pub unit: &'static str,
    /// Rate or level.
    pub kind: SeriesKind,
    interval: u64,
    /// Rate: amount per interval. Level: integral of the level over the interval (level·fs).
    buckets: Vec<f64>,
    level: f64,
    since: u64,
    end: u64,
}

impl Series {
    /// A rate series: amounts per ns times `scale`, in `unit`.
    pub fn rate(name: &str, unit: &'static str, scale: f64) -> Self {
        Self::new(name, unit, SeriesKind::Rate { scale })
    }

    /// A level series (time-averaged per interval), in `unit`.
    pub fn level(name: &str, unit: &'static str) -> Self {
        Self::new(name, unit, SeriesKind::Level)
    }

    fn new(name: &str, unit: &'static str, kind: SeriesKind) -> Self {
        Series {
            name: name.to_string(),
            unit,
            kind,
            interval: FIRST_INTERVAL,
            buckets: Vec::new(),
            level: 0.0,
            since: 0,
            end: 0,
        }
    }

    /// Current interval length in ticks.
    pub fn interval(&self) -> Tick {
        Tick(self.interval)
    }

    /// Make room for time `t`: merge intervals pairwise until `t` falls inside the span.
    fn reach(&mut self, t: u64) {
        while t >= self.interval.saturating_mul(MAX_BUCKETS as u64) && self.interval < u64::MAX / 4
        {
            let merged: Vec<f64> = self.buckets.chunks(2).map(|c| c.iter().sum()).collect();
            self.buckets = merged;
            self.interval *= 2;
        }
        let need = (t / self.interval) as usize + 1;
        if self.buckets.len() < need {
            self.buckets.resize(need.min(MAX_BUCKETS), 0.0);
        }
        self.end = self.end.max(t);
    }

    /// Spread `weight` (amount, or level·fs) uniformly over `[t0, t1)`.
    fn spread(&mut self, t0: u64, t1: u64, weight: f64) {
        if t1 <= t0 {
            if weight != 0.0 {
                self.reach(t0);
                let i = (t0 / self.interval) as usize;
                self.buckets[i] += weight;
            }
            return;
        }
        self.reach(t1 - 1);
        let per_fs = weight / (t1 - t0) as f64;
        let mut t = t0;
        while t < t1 {
            let i = t / self.interval;
            let b_end = ((i + 1) * self.interval).min(t1);
            self.buckets[i as usize] += per_fs * (b_end - t) as f64;
            t = b_end;
        }
    }

    /// Rate series: `amount` moved uniformly during `[t0, t1)` (a point in time if equal).
    pub fn add(&mut self, t0: Tick, t1: Tick, amount: f64) {
        self.spread(t0.0, t1.0.max(t0.0), amount);
    }

    /// Level series: the level becomes `level` at `t` (times must not decrease).
    pub fn set(&mut self, t: Tick, level: f64) {
        let t = t.0.max(self.since);
        if self.level != 0.0 && t > self.since {
            let w = self.level * (t - self.since) as f64;
            self.spread(self.since, t, w);
        } else {
            self.reach(t);
        }
        self.level = level;
        self.since = t;
    }

    /// The values: `(interval start, value)` for every interval up to the last update.
    pub fn points(&self) -> Vec<(Tick, f64)> {
        let iv = self.interval as f64;
        self.buckets
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                let v = match self.kind {
                    // amount per fs * 1e6 = amount per ns.
                    SeriesKind::Rate { scale } => b / iv * 1e6 * scale,
                    SeriesKind::Level => b / iv,
                };
                (Tick(i as u64 * self.interval), v)
            })
            .collect()
    }

    /// Sum of the rate amounts (rate series) or the level·ns integral (level series).
    pub fn total(&self) -> f64 {
        let s: f64 = self.buckets.iter().sum();
        match self.kind {
            SeriesKind::Rate { .. } => s,
            SeriesKind::Level => s / 1e6,
        }
    }
}

/// One interval of a [`Spans`] list.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// Start.
    pub start: Tick,
    /// End.
    pub end: Tick,
    /// Index shown in the slice's name (e.g. the tile number within its op).
    pub index: u32,
    /// The op it belongs to (index into the workload).
    pub op: u32,
}

/// Intervals of simulated time that a component reports for the timeline, e.g. the
/// tiles or folds of each op. At most `cap` are kept (the first ones); the rest are
/// counted, so memory stays bounded on long runs. A component keeps a `Spans` as a plain
/// field, pushes as it works, and exports a copy through [`super::StatSet::add_spans`];
/// the timeline draws them on a track of their own under the component's op track.
#[derive(Clone, Debug, PartialEq)]
pub struct Spans {
    /// What one span is (`tile`, `fold`): slices are named `<name> <index>`.
    pub name: &'static str,
    cap: usize,
    items: Vec<Span>,
    dropped: u64,
}

impl Spans {
    /// An empty list keeping at most `cap` spans.
    pub fn new(name: &'static str, cap: usize) -> Self {
        Spans {
            name,
            cap,
            items: Vec::new(),
            dropped: 0,
        }
    }

    /// Record a span.
    pub fn push(&mut self, op: u32, index: u32, start: Tick, end: Tick) {
        if self.items.len() < self.cap {
            self.items.push(Span {
                start,
                end,
                index,
                op,
            });
        } else {
            self.dropped += 1;
        }
    }

    /// The kept spans, in the order they were pushed.
    pub fn items(&self) -> &[Span] {
        &self.items
    }

    /// Spans not kept because the list was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(x: u64) -> Tick {
        Tick(x * 1_000_000)
    }

    #[test]
    fn rate_spreads_amounts_over_their_interval() {
        let mut s = Series::rate("bw", "GB/s", 1.0);
        // 100 bytes over 4 ns: 25 bytes per 1-ns interval = 25 GB/s.
        s.add(ns(2), ns(6), 100.0);
        let p = s.points();
        assert_eq!(p.len(), 6);
        assert_eq!(p[1].1, 0.0);
        for (_, v) in &p[2..6] {
            assert!((v - 25.0).abs() < 1e-9, "{p:?}");
        }
        assert!((s.total() - 100.0).abs() < 1e-9);
    }

    #[test]
    fn long_runs_coarsen_and_conserve_the_total() {
        let mut s = Series::rate("bw", "GB/s", 1.0);
        for i in 0..10_000u64 {
            s.add(ns(i * 10), ns(i * 10 + 5), 64.0);
        }
        assert!(s.points().len() <= MAX_BUCKETS);
        assert!((s.total() - 640_000.0).abs() < 1e-6);
        // 64 bytes per 10 ns = 6.4 GB/s on average; an interval holds 12 or 13 transfers.
        let p = s.points();
        assert_eq!(
            s.interval(),
            Tick(128 * 1_000_000),
            "100 us in 1024 intervals"
        );
        let full = &p[..700];
        let mean = full.iter().map(|x| x.1).sum::<f64>() / full.len() as f64;
        assert!((mean - 6.4).abs() < 0.01, "{mean}");
        for (_, v) in full {
            assert!((6.0..=6.5 + 1e-9).contains(v), "{v}");
        }
    }

    #[test]
    fn spans_keep_the_first_cap_and_count_the_rest() {
        let mut s = Spans::new("tile", 2);
        for i in 0..5 {
            s.push(0, i, ns(i as u64), ns(i as u64 + 1));
        }
        assert_eq!(s.items().len(), 2);
        assert_eq!(s.items()[1].index, 1);
        assert_eq!(s.dropped(), 3);
    }

    #[test]
    fn level_is_time_averaged() {
        let mut s = Series::level("q", "requests");
        s.set(ns(0), 2.0);
        s.set(Tick(1_500_000), 4.0); // 2 for 1.5 ns, then 4
        s.set(ns(2), 0.0);
        let p = s.points();
        assert!((p[0].1 - 2.0).abs() < 1e-9);
        assert!((p[1].1 - 3.0).abs() < 1e-9, "{p:?}"); // half 2, half 4
        assert!((s.total() - (2.0 * 1.5 + 4.0 * 0.5)).abs() < 1e-9);
    }
}
