//! Typed statistics: named values with a unit and a description, grouped per component.
//!
//! Components keep their counters as plain struct fields (no string lookups on the hot
//! path) and export them after the run through [`crate::engine::Component::stats`] into a
//! [`StatSet`], which keeps insertion order so that reports are deterministic.

pub mod energy;
pub mod series;

use serde::Serialize;

/// One exported statistic.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stat {
    /// Name, unique within its component (snake_case).
    pub name: String,
    /// Value.
    pub value: StatValue,
    /// Unit (`cycles`, `bytes`, `ops`, `ratio`, `ns`, `pJ`, ...).
    pub unit: &'static str,
    /// One-sentence description.
    pub desc: &'static str,
}

/// A statistic's value.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum StatValue {
    /// A count.
    Int(u64),
    /// A derived or fractional quantity.
    Float(f64),
    /// A label (e.g. a mode name).
    Text(String),
}

impl StatValue {
    /// The value as a float (text is `None`).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            StatValue::Int(v) => Some(*v as f64),
            StatValue::Float(v) => Some(*v),
            StatValue::Text(_) => None,
        }
    }
}

/// The statistics of one component, in the order they were added.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct StatSet {
    /// Statistics in insertion order.
    pub stats: Vec<Stat>,
    /// Time series (for timelines and plots; not part of `stats.json`).
    #[serde(skip)]
    pub series: Vec<series::Series>,
    /// Spans (tiles, folds) for the timeline; not part of `stats.json`.
    #[serde(skip)]
    pub spans: Vec<series::Spans>,
    /// One-line findings the component wants on the run's stdout summary (e.g. "SMASH
    /// is 2.7x faster than inner product"); not part of `stats.json` (the numbers are).
    #[serde(skip)]
    pub headlines: Vec<String>,
}

impl StatSet {
    /// Add an integer statistic.
    pub fn int(&mut self, name: &str, value: u64, unit: &'static str, desc: &'static str) {
        self.stats.push(Stat {
            name: name.to_string(),
            value: StatValue::Int(value),
            unit,
            desc,
        });
    }

    /// Add a floating-point statistic.
    pub fn float(&mut self, name: &str, value: f64, unit: &'static str, desc: &'static str) {
        self.stats.push(Stat {
            name: name.to_string(),
            value: StatValue::Float(value),
            unit,
            desc,
        });
    }

    /// Add a text statistic.
    pub fn text(&mut self, name: &str, value: &str, desc: &'static str) {
        self.stats.push(Stat {
            name: name.to_string(),
            value: StatValue::Text(value.to_string()),
            unit: "",
            desc,
        });
    }

    /// Add a time series.
    pub fn add_series(&mut self, s: series::Series) {
        self.series.push(s);
    }

    /// Add a list of spans.
    pub fn add_spans(&mut self, s: series::Spans) {
        self.spans.push(s);
    }

    /// Add a line for the stdout summary of the run.
    pub fn headline(&mut self, line: impl Into<String>) {
        self.headlines.push(line.into());
    }

    /// Look a statistic up by name.
    pub fn get(&self, name: &str) -> Option<&StatValue> {
        self.stats.iter().find(|s| s.name == name).map(|s| &s.value)
    }
}
