//! Compute units: components with a `ctl` port (to the scheduler) and a `mem` port.

pub mod piuma;
