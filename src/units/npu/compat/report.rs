//! SCALE-Sim's report files: `COMPUTE_REPORT.csv`, `BANDWIDTH_REPORT.csv` and
//! `DETAILED_ACCESS_REPORT.csv`, with SCALE-Sim 3.0.0's column names, order and number
//! formatting (Python `str()` of ints and floats, `", "` separators, a trailing comma), so that
//! a user migrating from SCALE-Sim can `diff` the two tools' outputs.

use crate::units::npu::scalesim::Report;
use std::fmt::Write as _;
use std::path::Path;

/// Header of `COMPUTE_REPORT.csv`.
pub const COMPUTE_HEADER: &str = "LayerID, Total Cycles (incl. prefetch), Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,";
/// Header of `BANDWIDTH_REPORT.csv` (no sparsity).
pub const BANDWIDTH_HEADER: &str = "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,";
/// Header of `DETAILED_ACCESS_REPORT.csv`.
pub const DETAIL_HEADER: &str = "LayerID, SRAM IFMAP Start Cycle, SRAM IFMAP Stop Cycle, SRAM IFMAP Reads, SRAM Filter Start Cycle, SRAM Filter Stop Cycle, SRAM Filter Reads, SRAM OFMAP Start Cycle, SRAM OFMAP Stop Cycle, SRAM OFMAP Writes, DRAM IFMAP Start Cycle, DRAM IFMAP Stop Cycle, DRAM IFMAP Reads, DRAM Filter Start Cycle, DRAM Filter Stop Cycle, DRAM Filter Reads, DRAM OFMAP Start Cycle, DRAM OFMAP Stop Cycle, DRAM OFMAP Writes,";

/// Python's `repr(float)` (also numpy's `str(float64)`): the shortest digits that round-trip,
/// in positional notation when the decimal exponent is in `[-4, 16)`, scientific otherwise.
pub fn py_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    // Rust's `{:e}` prints the shortest round-trip digits as `d.ddde±x`.
    let s = format!("{:e}", x.abs());
    let (mant, exp) = s.split_once('e').expect("exponent");
    let exp: i32 = exp.parse().expect("exponent digits");
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let decpt = exp + 1; // value = 0.DIGITS × 10^decpt
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    if decpt > -4 && decpt <= 16 {
        let n = digits.len() as i32;
        if decpt <= 0 {
            out.push_str("0.");
            for _ in 0..(-decpt) {
                out.push('0');
            }
            out.push_str(&digits);
        } else if decpt >= n {
            out.push_str(&digits);
            for _ in 0..(decpt - n) {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            out.push_str(&digits[..decpt as usize]);
            out.push('.');
            out.push_str(&digits[decpt as usize..]);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    out
}

/// An integer-valued cycle that SCALE-Sim holds as a float (printed `12.0`).
fn fcycle(c: i64) -> String {
    py_float(c as f64)
}

/// The three report files' contents for the given layers.
pub fn render(reports: &[Report]) -> [(String, String); 3] {
    let mut compute = format!("{COMPUTE_HEADER}\n");
    let mut band = format!("{BANDWIDTH_HEADER}\n");
    let mut detail = format!("{DETAIL_HEADER}\n");
    for (i, r) in reports.iter().enumerate() {
        let _ = writeln!(
            compute,
            "{i}, {}, {}, {}, {}, {}, {},",
            r.total_cycles_incl_prefetch,
            r.total_cycles,
            r.stall_cycles,
            py_float(r.overall_util),
            py_float(r.mapping_efficiency),
            py_float(r.compute_util)
        );
        let _ = writeln!(
            band,
            "{i}, {}, {}, {}, {}, {}, {},",
            py_float(r.avg_ifmap_sram_bw),
            py_float(r.avg_filter_sram_bw),
            py_float(r.avg_ofmap_sram_bw),
            py_float(r.avg_ifmap_dram_bw),
            py_float(r.avg_filter_dram_bw),
            py_float(r.avg_ofmap_dram_bw)
        );
        let _ = writeln!(
            detail,
            "{i}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {},",
            fcycle(r.sram_ifmap_start),
            fcycle(r.sram_ifmap_stop),
            r.sram_ifmap_reads,
            fcycle(r.sram_filter_start),
            fcycle(r.sram_filter_stop),
            r.sram_filter_reads,
            fcycle(r.sram_ofmap_start),
            fcycle(r.sram_ofmap_stop),
            r.sram_ofmap_writes,
            fcycle(r.dram_ifmap_start),
            fcycle(r.dram_ifmap_stop),
            r.dram_ifmap_reads,
            fcycle(r.dram_filter_start),
            fcycle(r.dram_filter_stop),
            r.dram_filter_reads,
            fcycle(r.dram_ofmap_start),
            fcycle(r.dram_ofmap_stop),
            r.dram_ofmap_writes
        );
    }
    [
        ("COMPUTE_REPORT.csv".into(), compute),
        ("BANDWIDTH_REPORT.csv".into(), band),
        ("DETAILED_ACCESS_REPORT.csv".into(), detail),
    ]
}

/// Write the three reports into `dir` (created if needed); each file is written to a temporary
/// name and renamed, so a reader never sees half a report.
pub fn write(dir: &Path, reports: &[Report]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in render(reports) {
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, dir.join(&name))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::py_float;

    #[test]
    fn floats_print_like_python() {
        // Expected strings are CPython 3.11's repr() of the same doubles.
        for (x, s) in [
            (1.0, "1.0"),
            (-96.0, "-96.0"),
            (57.95981452859351, "57.95981452859351"),
            (9.142857142857142, "9.142857142857142"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (0.1, "0.1"),
            (100.0, "100.0"),
            (0.0, "0.0"),
        ] {
            assert_eq!(py_float(x), s, "{x}");
        }
    }
}
