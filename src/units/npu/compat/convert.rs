//! Conversion of SCALE-Sim inputs to xpusim's native config and trace
//! (`xpusim scalesim --cfg F --topology T --convert DIR`).
//!
//! - `DIR/<run_name>.toml`: a system with one NPU core in `scalesim` timing mode carrying the
//!   `.cfg`'s array, dataflow, SRAM sizes (SCALE-Sim's KB are KiB of 1-byte words, so
//!   `word_bytes = 1`) and bandwidths, behind an ideal HBM2 memory.
//! - `DIR/<topology stem>.xtr`: one `gemm` per layer in topology order, each depending on the
//!   previous one (SCALE-Sim runs layers one after another), `dtype = int8` (1-byte words).
//!   Convolutions become their im2col GEMM (`M` output pixels, `N` filters, `K` window).
//!
//! Running the pair with `xpusim run` gives each GEMM layer exactly SCALE-Sim's cycles
//! (`Total Cycles (incl. prefetch)` + 1). A convolution layer gets the cycles of its im2col
//! GEMM, which equal SCALE-Sim's when nothing stalls; when IFMAP stalls, SCALE-Sim's conv
//! stream repeats addresses across overlapping windows and can hit where the GEMM misses.

use super::cfg::ScaleSimConfig;
use crate::units::npu::scalesim::Layer;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn ident(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "layer".into() } else { s }
}

/// The native config text for a SCALE-Sim config.
pub fn config_text(conf: &ScaleSimConfig) -> String {
    let a = &conf.arch;
    let kib = |w: u64| w.div_ceil(1024);
    format!(
        "# Converted from a SCALE-Sim config by `xpusim scalesim --convert`.\n\
         schema_version = 1\n\
         name = {name:?}\n\
         description = \"SCALE-Sim config {name}, scalesim timing\"\n\n\
         [memory]\npreset = \"ideal-hbm2\"\n\n\
         [npu]\ncores = 1\narrays_per_core = 1\nrows = {r}\ncols = {c}\ndataflow = \"{df}\"\n\
         freq_mhz = 1000\nword_bytes = 1\nifmap_sram_kib = {i}\nfilter_sram_kib = {f}\nofmap_sram_kib = {o}\n\
         timing = \"scalesim\"\nscalesim_ifmap_bw_words = {ib}\nscalesim_filter_bw_words = {fb}\n\
         scalesim_ofmap_bw_words = {ob}\n",
        name = conf.run_name,
        r = a.rows,
        c = a.cols,
        df = a.dataflow.name(),
        i = kib(a.ifmap_sram_words),
        f = kib(a.filter_sram_words),
        o = kib(a.ofmap_sram_words),
        ib = a.ifmap_bw,
        fb = a.filter_bw,
        ob = a.ofmap_bw,
    )
}

/// The native trace text for a topology.
pub fn trace_text(source: &str, layers: &[Layer]) -> String {
    let mut out = String::from("xpusim-trace 1\n");
    let _ = writeln!(
        out,
        "# Converted from SCALE-Sim topology {source} by `xpusim scalesim --convert`: one GEMM per layer, in order."
    );
    let mut seen: Vec<String> = Vec::new();
    let mut prev: Option<String> = None;
    for l in layers {
        let mut id = ident(&l.name);
        let base = id.clone();
        let mut i = 1;
        while seen.contains(&id) {
            id = format!("{base}_{i}");
            i += 1;
        }
        seen.push(id.clone());
        let _ = write!(
            out,
            "gemm id={id} m={} n={} k={} dtype=int8 layer={}",
            l.m(),
            l.n(),
            l.k(),
            ident(&l.name)
        );
        if let Some(p) = &prev {
            let _ = write!(out, " deps={p}");
        }
        out.push('\n');
        prev = Some(id);
    }
    out
}

/// Write `<dir>/<run_name>.toml` and `<dir>/<stem>.xtr`; returns the paths written.
pub fn write(
    dir: &Path,
    conf: &ScaleSimConfig,
    stem: &str,
    layers: &[Layer],
) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    let files = [
        (
            dir.join(format!("{}.toml", ident(&conf.run_name))),
            config_text(conf),
        ),
        (
            dir.join(format!("{}.xtr", ident(stem))),
            trace_text(stem, layers),
        ),
    ];
    let mut out = Vec::new();
    for (path, text) in files {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text)
            .and_then(|_| std::fs::rename(&tmp, &path))
            .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
        out.push(path);
    }
    Ok(out)
}
