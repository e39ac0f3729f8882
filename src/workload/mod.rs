//! Workloads: ops and their inputs. (The op DAG and trace readers are being written on main.)

pub mod sparse;
