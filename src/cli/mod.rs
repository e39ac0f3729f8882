//! Command-line interface.

pub mod scalesim;
