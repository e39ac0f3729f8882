//! Reader for SCALE-Sim topology CSVs.
//!
//! - GEMM (`-i gemm`): header line, then `Layer, M, N, K,` per row (an optional fifth field is
//!   SCALE-Sim's `N:M` sparsity ratio, accepted only as `1:1`).
//! - Convolution (default): header, then `Layer name, IFMAP Height, IFMAP Width, Filter Height,
//!   Filter Width, Channels, Num Filter, Strides,`. A name containing `DP` is a depth-wise layer
//!   and becomes one single-channel layer per channel, named `<name>Channel_<i>`, as SCALE-Sim
//!   does.
//!
//! SCALE-Sim drops the last comma-separated field of every row, so its rows end with a comma;
//! xpusim accepts rows with or without the trailing comma.

use crate::units::npu::scalesim::Layer;
use std::path::Path;

/// Which topology format a CSV is in.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TopoMode {
    /// `Layer, M, N, K,`.
    Gemm,
    /// Convolution layers.
    Conv,
}

/// Guess the format from the header: GEMM if its fields after the name are `M, N, K`.
pub fn detect(text: &str) -> TopoMode {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let f: Vec<String> = header
        .split(',')
        .map(|s| s.trim().to_ascii_uppercase())
        .collect();
    if f.len() >= 4 && f[1] == "M" && f[2] == "N" && f[3] == "K" {
        TopoMode::Gemm
    } else {
        TopoMode::Conv
    }
}

fn fields(line: &str) -> Vec<&str> {
    let mut f: Vec<&str> = line.split(',').map(|s| s.trim()).collect();
    if f.last() == Some(&"") {
        f.pop();
    }
    f
}

fn num(file: &str, ln: usize, what: &str, v: &str) -> Result<u64, String> {
    match v.parse::<u64>() {
        Ok(x) if x >= 1 => Ok(x),
        _ => Err(format!(
            "{file}:{ln}: {what} must be a positive integer, found `{v}`"
        )),
    }
}

fn check_sparsity(file: &str, ln: usize, v: Option<&&str>) -> Result<(), String> {
    match v {
        None => Ok(()),
        Some(s) if s.replace(' ', "") == "1:1" => Ok(()),
        Some(s) => Err(format!(
            "{file}:{ln}: sparsity ratio `{s}` is not modelled by xpusim (only 1:1, dense)"
        )),
    }
}

/// Parse topology text in the given format.
pub fn parse(file: &str, text: &str, mode: TopoMode) -> Result<Vec<Layer>, String> {
    let mut out = Vec::new();
    let mut header = true;
    for (i, line) in text.lines().enumerate() {
        let ln = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        if header {
            header = false;
            continue;
        }
        let f = fields(line);
        match mode {
            TopoMode::Gemm => {
                if f.len() < 4 {
                    return Err(format!(
                        "{file}:{ln}: expected `Layer, M, N, K,`, found `{}`",
                        line.trim()
                    ));
                }
                let m = num(file, ln, "M", f[1])?;
                let n = num(file, ln, "N", f[2])?;
                let k = num(file, ln, "K", f[3])?;
                check_sparsity(file, ln, f.get(4))?;
                out.push(Layer::gemm(f[0], m, n, k));
            }
            TopoMode::Conv => {
                if f.len() < 8 {
                    return Err(format!(
                        "{file}:{ln}: expected `Layer name, IFMAP Height, IFMAP Width, Filter Height, \
                         Filter Width, Channels, Num Filter, Strides,`, found `{}`",
                        line.trim()
                    ));
                }
                let names = [
                    "IFMAP Height",
                    "IFMAP Width",
                    "Filter Height",
                    "Filter Width",
                    "Channels",
                    "Num Filter",
                    "Strides",
                ];
                let mut v = [0u64; 7];
                for (j, what) in names.iter().enumerate() {
                    v[j] = num(file, ln, what, f[j + 1])?;
                }
                check_sparsity(file, ln, f.get(8))?;
                let mk = |name: String, ch: u64| Layer {
                    name,
                    ifmap_h: v[0],
                    ifmap_w: v[1],
                    filt_h: v[2],
                    filt_w: v[3],
                    channels: ch,
                    num_filt: v[5],
                    stride_h: v[6],
                    stride_w: v[6],
                };
                if f[0].contains("DP") {
                    for c in 0..v[4] {
                        out.push(mk(format!("{}Channel_{c}", f[0]), 1));
                    }
                } else {
                    out.push(mk(f[0].to_string(), v[4]));
                }
            }
        }
        let l = out.last().expect("layer");
        l.check().map_err(|e| format!("{file}:{ln}: {e}"))?;
    }
    if out.is_empty() {
        return Err(format!(
            "{file}: no layers (expected a header line and one row per layer)"
        ));
    }
    Ok(out)
}

/// Read a topology file; `mode = None` detects the format from the header.
pub fn read(path: &Path, mode: Option<TopoMode>) -> Result<(Vec<Layer>, TopoMode), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mode = mode.unwrap_or_else(|| detect(&text));
    Ok((parse(&path.display().to_string(), &text, mode)?, mode))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemm_rows_with_and_without_trailing_comma() {
        let t = "Layer, M, N, K,\nqkv, 32, 2304, 768,\nffn, 1, 3072, 768\n";
        assert_eq!(detect(t), TopoMode::Gemm);
        let l = parse("g.csv", t, TopoMode::Gemm).unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!((l[0].m(), l[0].n(), l[0].k()), (32, 2304, 768));
        assert_eq!((l[1].m(), l[1].n(), l[1].k()), (1, 3072, 768));
    }

    #[test]
    fn conv_layers_lower_to_gemm_and_depthwise_expands() {
        let t = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n\
                 c1, 15, 15, 3, 3, 4, 8, 2,\nDP1, 8, 8, 3, 3, 3, 1, 1,\n";
        assert_eq!(detect(t), TopoMode::Conv);
        let l = parse("c.csv", t, TopoMode::Conv).unwrap();
        // ceil((15 − 3 + 2) / 2) = 7 → M = 49, K = 3·3·4 = 36.
        assert_eq!((l[0].m(), l[0].n(), l[0].k()), (49, 8, 36));
        assert_eq!(l.len(), 4);
        assert_eq!(l[3].name, "DP1Channel_2");
        assert_eq!(l[3].channels, 1);
    }

    #[test]
    fn bad_rows_name_the_line() {
        let e = parse("g.csv", "Layer, M, N, K,\na, 1, x, 3,\n", TopoMode::Gemm).unwrap_err();
        assert_eq!(e, "g.csv:2: N must be a positive integer, found `x`");
        let e = parse("c.csv", "h\nc, 3, 3, 4, 1, 1, 1, 1,\n", TopoMode::Conv).unwrap_err();
        assert_eq!(
            e,
            "c.csv:2: filter height cannot be larger than IFMAP height"
        );
    }
}
