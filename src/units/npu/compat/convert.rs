//! Conversion of SCALE-Sim inputs to xpusim's native config and trace.

use super::cfg::ScaleSimConfig;
use crate::units::npu::scalesim::Layer;
use std::path::{Path, PathBuf};

/// Write `<dir>/<run_name>.toml` and `<dir>/<stem>.toml`; returns the paths written.
pub fn write(
    _dir: &Path,
    _conf: &ScaleSimConfig,
    _stem: &str,
    _layers: &[Layer],
) -> Result<Vec<PathBuf>, String> {
    Err("conversion is being written".into())
}
