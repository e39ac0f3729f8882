//! Global time (`Tick`), per-domain time (`Cycle`) and clock domains.
//!
//! A [`Tick`] is one femtosecond of simulated time, held in a `u64` (enough for about
//! 5 simulated hours). A [`Cycle`] is a count of edges of one [`ClockDomain`]. The two are
//! distinct newtypes so that they cannot be mixed by accident; conversions go through the
//! domain.
//!
//! Clock frequencies are held as an integer number of kHz. Edge `n` of a domain with
//! frequency `f` kHz falls at tick `round(n * 10^12 / f)`. This is computed from `n` every
//! time (never accumulated), so there is no drift: every edge is within 1 fs of its exact
//! position, whatever the frequency (1000 MHz and 1600 MHz are exact; at 1750 MHz every
//! edge is within 0.5 fs of its true time, a relative error of at most 5e-7 at the first
//! edge and shrinking after it).

use std::fmt;

/// Femtoseconds per nanosecond.
pub const FS_PER_NS: u64 = 1_000_000;
/// Femtoseconds per second times kHz-per-Hz: `10^15 fs/s / 10^3 Hz/kHz`.
const FS_KHZ: u128 = 1_000_000_000_000;

/// Global simulated time in femtoseconds.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tick(pub u64);

impl Tick {
    /// Time zero.
    pub const ZERO: Tick = Tick(0);
    /// The largest representable time; used as "never".
    pub const MAX: Tick = Tick(u64::MAX);

    /// This time in nanoseconds.
    pub fn as_ns(self) -> f64 {
        self.0 as f64 / FS_PER_NS as f64
    }

    /// A time given in nanoseconds, rounded to the nearest femtosecond.
    pub fn from_ns(ns: f64) -> Tick {
        Tick((ns * FS_PER_NS as f64).round() as u64)
    }

    /// Saturating addition.
    pub fn saturating_add(self, d: Tick) -> Tick {
        Tick(self.0.saturating_add(d.0))
    }
}

impl fmt::Display for Tick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} fs", self.0)
    }
}

/// A number of edges of one clock domain.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cycle(pub u64);

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::ops::Add<u64> for Cycle {
    type Output = Cycle;
    fn add(self, rhs: u64) -> Cycle {
        Cycle(self.0 + rhs)
    }
}

/// Dense index of a clock domain inside one simulator.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockId(pub u32);

/// Errors building a clock domain.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ClockError {
    /// Frequency not positive or not finite.
    #[error("clock `{name}`: frequency {freq_mhz} MHz must be a positive finite number")]
    NotPositive {
        /// Domain name.
        name: String,
        /// Requested frequency.
        freq_mhz: f64,
    },
    /// Frequency not a whole number of kHz.
    #[error(
        "clock `{name}`: frequency {freq_mhz} MHz must be a whole number of kHz (at most 3 decimals)"
    )]
    NotWholeKhz {
        /// Domain name.
        name: String,
        /// Requested frequency.
        freq_mhz: f64,
    },
}

/// A clock domain: a name and a frequency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClockDomain {
    name: String,
    freq_khz: u64,
}

impl ClockDomain {
    /// A domain running at `freq_mhz` MHz; the frequency must be a whole number of kHz.
    pub fn new(name: impl Into<String>, freq_mhz: f64) -> Result<Self, ClockError> {
        let name = name.into();
        if !(freq_mhz.is_finite() && freq_mhz > 0.0) {
            return Err(ClockError::NotPositive { name, freq_mhz });
        }
        let khz = (freq_mhz * 1000.0).round();
        if (khz - freq_mhz * 1000.0).abs() > 1e-6 || !(1.0..=1e12).contains(&khz) {
            return Err(ClockError::NotWholeKhz { name, freq_mhz });
        }
        Ok(ClockDomain {
            name,
            freq_khz: khz as u64,
        })
    }

    /// Domain name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Frequency in MHz.
    pub fn freq_mhz(&self) -> f64 {
        self.freq_khz as f64 / 1000.0
    }

    /// Clock period in femtoseconds (possibly fractional).
    pub fn period_fs(&self) -> f64 {
        FS_KHZ as f64 / self.freq_khz as f64
    }

    /// Clock period in nanoseconds.
    pub fn period_ns(&self) -> f64 {
        self.period_fs() / FS_PER_NS as f64
    }

    /// The tick of edge `c`: `c * 10^12 / f_kHz` rounded to the nearest femtosecond.
    pub fn tick_of(&self, c: Cycle) -> Tick {
        let f = self.freq_khz as u128;
        let t = (2 * c.0 as u128 * FS_KHZ + f) / (2 * f);
        Tick(u64::try_from(t).unwrap_or(u64::MAX))
    }

    /// The first edge at or after `t`.
    pub fn cycle_at_or_after(&self, t: Tick) -> Cycle {
        if t.0 == 0 {
            return Cycle(0);
        }
        // round(c*P/f) >= t  <=>  c*P/f + 1/2 >= t  <=>  c >= (2t-1)*f / (2P)
        let num = (2 * t.0 as u128 - 1) * self.freq_khz as u128;
        Cycle(num.div_ceil(2 * FS_KHZ) as u64)
    }

    /// The last edge at or before `t`.
    pub fn cycle_at_or_before(&self, t: Tick) -> Cycle {
        // round(c*P/f) <= t  <=>  c*P/f + 1/2 < t+1  <=>  c < (2t+1)*f / (2P)
        let num = (2 * t.0 as u128 + 1) * self.freq_khz as u128;
        Cycle((num.div_ceil(2 * FS_KHZ) - 1) as u64)
    }

    /// Duration of `n` cycles starting at edge `from`, in ticks.
    pub fn ticks_between(&self, from: Cycle, n: u64) -> Tick {
        Tick(self.tick_of(Cycle(from.0 + n)).0 - self.tick_of(from).0)
    }

    /// Number of whole cycles of this domain in a duration of `d` ticks, rounded up
    /// (used for reporting durations measured in ticks in this domain's cycles).
    pub fn cycles_ceil(&self, d: Tick) -> u64 {
        self.cycle_at_or_after(d).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_frequencies_are_exact() {
        let c = ClockDomain::new("core", 1000.0).unwrap();
        assert_eq!(c.tick_of(Cycle(1)), Tick(1_000_000));
        let d = ClockDomain::new("dram", 1600.0).unwrap();
        assert_eq!(d.tick_of(Cycle(1)), Tick(625_000));
        assert_eq!(d.tick_of(Cycle(1_000_000)), Tick(625_000_000_000));
    }

    #[test]
    fn odd_frequency_within_1e6_and_no_drift() {
        let c = ClockDomain::new("x", 1750.0).unwrap();
        let exact = 1e15 / 1.75e9; // fs per cycle
        for n in [1u64, 7, 1000, 123_456_789, 10_000_000_000] {
            let t = c.tick_of(Cycle(n)).0 as f64;
            let want = exact * n as f64;
            assert!(
                (t - want).abs() <= 0.5 + want * 1e-15,
                "n={n} t={t} want={want}"
            );
            assert!(((t - want) / want).abs() < 1e-6);
        }
    }

    #[test]
    fn rounding_helpers_are_inverse() {
        for mhz in [1750.0, 1333.333, 1.001, 3200.0] {
            let c = ClockDomain::new("x", mhz).unwrap();
            for n in 0..2000u64 {
                let t = c.tick_of(Cycle(n));
                assert_eq!(c.cycle_at_or_after(t), Cycle(n));
                assert_eq!(c.cycle_at_or_before(t), Cycle(n));
                if n > 0 {
                    assert_eq!(c.cycle_at_or_after(Tick(t.0 - 1)), Cycle(n));
                    assert_eq!(c.cycle_at_or_before(Tick(t.0 - 1)), Cycle(n - 1));
                }
            }
        }
    }

    #[test]
    fn bad_frequencies_are_rejected() {
        assert!(matches!(
            ClockDomain::new("a", 0.0),
            Err(ClockError::NotPositive { .. })
        ));
        assert!(matches!(
            ClockDomain::new("a", 1.0001),
            Err(ClockError::NotWholeKhz { .. })
        ));
    }
}
