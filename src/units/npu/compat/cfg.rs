//! Reader for SCALE-Sim `.cfg` files (INI as Python's `configparser` reads it: `[section]`,
//! `key = value` or `key: value`, keys case-insensitive, `#`/`;` comment lines).
//!
//! SCALE-Sim 3.0.0 keys that change timing are read; the others are accepted and ignored
//! (`MemoryBanks`, `ReadRequestBuffer`, `WriteRequestBuffer`, bank counts and ports). Both
//! `InterfaceBandwidth` modes are modelled (`USER` and `CALC`). Features xpusim does not
//! reproduce (custom layouts, sparsity, Ramulator latency replay) are rejected with an error
//! naming the key rather than silently simulated differently. A v2 file (no `[layout]`
//! section) is accepted with `Bandwidth` used
//! for all three operands, as SCALE-Sim v2 did.

use crate::units::npu::mapping::Dataflow;
use crate::units::npu::scalesim::Arch;
use std::collections::BTreeMap;
use std::path::Path;

/// A parsed `.cfg`: the run name and the architecture.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleSimConfig {
    /// `[general] run_name`: the name of the output sub-directory.
    pub run_name: String,
    /// The architecture.
    pub arch: Arch,
    /// Notes about keys accepted but not modelled (printed by the CLI).
    pub notes: Vec<String>,
}

struct Ini {
    file: String,
    /// section -> key (lower case) -> (value, line)
    sections: BTreeMap<String, BTreeMap<String, (String, usize)>>,
    section_line: BTreeMap<String, usize>,
}

impl Ini {
    fn parse(file: &str, text: &str) -> Result<Ini, String> {
        let mut sections: BTreeMap<String, BTreeMap<String, (String, usize)>> = BTreeMap::new();
        let mut section_line = BTreeMap::new();
        let mut cur: Option<String> = None;
        let mut last_key: Option<String> = None;
        for (i, raw) in text.lines().enumerate() {
            let ln = i + 1;
            let line = raw.trim_end();
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
                last_key = None;
                continue;
            }
            if t.starts_with('[') {
                let Some(end) = t.find(']') else {
                    return Err(format!("{file}:{ln}: expected `[section]`, found `{t}`"));
                };
                let name = t[1..end].trim().to_string();
                section_line.insert(name.clone(), ln);
                sections.entry(name.clone()).or_default();
                cur = Some(name);
                last_key = None;
                continue;
            }
            // An indented line continues the previous value (configparser multi-line values).
            if line.starts_with([' ', '\t'])
                && let (Some(s), Some(k)) = (&cur, &last_key)
            {
                let v = sections.get_mut(s).and_then(|m| m.get_mut(k)).expect("key");
                v.0.push('\n');
                v.0.push_str(t);
                continue;
            }
            let Some(sec) = &cur else {
                return Err(format!(
                    "{file}:{ln}: `{t}` comes before any `[section]` header"
                ));
            };
            let pos = t.find(['=', ':']).ok_or_else(|| {
                format!("{file}:{ln}: expected `key = value` or `key: value`, found `{t}`")
            })?;
            let key = t[..pos].trim().to_ascii_lowercase();
            let val = t[pos + 1..].trim().to_string();
            sections
                .get_mut(sec)
                .expect("section")
                .insert(key.clone(), (val, ln));
            last_key = Some(key);
        }
        Ok(Ini {
            file: file.to_string(),
            sections,
            section_line,
        })
    }

    fn get(&self, sec: &str, key: &str) -> Result<(&str, usize), String> {
        let s = self.sections.get(sec).ok_or_else(|| {
            format!(
                "{}: missing section `[{sec}]` (needed for `{key}`)",
                self.file
            )
        })?;
        s.get(&key.to_ascii_lowercase())
            .map(|(v, l)| (v.as_str(), *l))
            .ok_or_else(|| {
                let l = self.section_line.get(sec).copied().unwrap_or(0);
                format!("{}:{l}: section `[{sec}]` has no key `{key}`", self.file)
            })
    }

    fn opt(&self, sec: &str, key: &str) -> Option<(&str, usize)> {
        self.get(sec, key).ok()
    }

    fn int(&self, sec: &str, key: &str) -> Result<i64, String> {
        let (v, l) = self.get(sec, key)?;
        v.trim().parse::<i64>().map_err(|_| {
            format!(
                "{}:{l}: `[{sec}] {key}` must be an integer, found `{v}`",
                self.file
            )
        })
    }

    fn pos(&self, sec: &str, key: &str) -> Result<u64, String> {
        let v = self.int(sec, key)?;
        if v < 1 {
            let (_, l) = self.get(sec, key)?;
            return Err(format!(
                "{}:{l}: `[{sec}] {key}` must be at least 1, found {v}",
                self.file
            ));
        }
        Ok(v as u64)
    }

    fn flag(&self, sec: &str, key: &str) -> Result<bool, String> {
        let (v, l) = self.get(sec, key)?;
        match v.trim().to_ascii_lowercase().as_str() {
            "1" | "yes" | "true" | "on" => Ok(true),
            "0" | "no" | "false" | "off" => Ok(false),
            _ => Err(format!(
                "{}:{l}: `[{sec}] {key}` must be True or False, found `{v}`",
                self.file
            )),
        }
    }
}

/// Parse SCALE-Sim config text; `file` names it in error messages.
pub fn parse(file: &str, text: &str) -> Result<ScaleSimConfig, String> {
    let ini = Ini::parse(file, text)?;
    let mut notes = Vec::new();
    let run_name = ini.get("general", "run_name")?.0.to_string();
    let ap = "architecture_presets";

    let (mode, ml) = ini.get("run_presets", "InterfaceBandwidth")?;
    let calc = match mode.trim() {
        "USER" => false,
        "CALC" => true,
        other => {
            return Err(format!(
                "{file}:{ml}: `[run_presets] InterfaceBandwidth` must be USER or CALC, found `{other}`"
            ));
        }
    };
    if let Some((v, l)) = ini.opt("run_presets", "UseRamulatorTrace")
        && v.trim() == "True"
    {
        return Err(format!(
            "{file}:{l}: `UseRamulatorTrace = True` replays Ramulator latencies from files; xpusim \
             does not model it in scalesim mode (use the physical mode with a DRAM model instead)"
        ));
    }
    if ini.sections.contains_key("sparsity") && ini.flag("sparsity", "SparsitySupport")? {
        let (_, l) = ini.get("sparsity", "SparsitySupport")?;
        return Err(format!(
            "{file}:{l}: `[sparsity] SparsitySupport = true` is not modelled by xpusim's scalesim mode"
        ));
    }

    let (df, dl) = ini.get(ap, "Dataflow")?;
    // SCALE-Sim compares the value as written: anything but lower-case os/ws/is (e.g. `WS`)
    // only prints a warning there and silently runs output stationary. Refuse it instead.
    let dataflow = match df.trim() {
        "os" | "ws" | "is" => Dataflow::parse(df).expect("a dataflow"),
        _ => {
            return Err(format!(
                "{file}:{dl}: `[{ap}] Dataflow` must be one of os, ws, is, found `{df}`{}",
                if Dataflow::parse(df).is_some() {
                    " (lower case: SCALE-Sim would silently run os)"
                } else {
                    ""
                }
            ));
        }
    };
    // CALC mode never reads `Bandwidth` (SCALE-Sim drains the OFMAP at ArrayWidth words/cycle).
    let ofmap_bw: u64 = match (ini.opt(ap, "Bandwidth"), calc) {
        (None, true) => 10,
        (_, true) => 10,
        (None, false) => {
            ini.get(ap, "Bandwidth")?;
            unreachable!()
        }
        (Some((bws, bl)), false) => {
            let bw0 = bws.split(',').next().unwrap_or("").trim();
            match bw0.parse::<u64>() {
                Ok(v) if v >= 1 => v,
                _ => {
                    return Err(format!(
                        "{file}:{bl}: `[{ap}] Bandwidth` must start with a positive integer (words/cycle), found `{bws}`"
                    ));
                }
            }
        }
    };
    let (ifmap_bw, filter_bw) = if ini.sections.contains_key("layout") {
        for key in ["IfmapCustomLayout", "FilterCustomLayout"] {
            if ini.flag("layout", key)? {
                let (_, l) = ini.get("layout", key)?;
                return Err(format!(
                    "{file}:{l}: `[layout] {key} = True` (custom layouts and SRAM bank conflicts) is \
                     not modelled by xpusim's scalesim mode"
                ));
            }
        }
        for (b, n) in [
            ("IfmapSRAMBankBandwidth", "IfmapSRAMBankNum"),
            ("FilterSRAMBankBandwidth", "FilterSRAMBankNum"),
        ] {
            let bw = ini.pos("layout", b)?;
            if let Some((v, l)) = ini.opt("layout", n)
                && let Ok(nb) = v.trim().parse::<u64>()
                && (nb == 0 || bw % nb != 0)
            {
                return Err(format!(
                    "{file}:{l}: `[layout] {b}` ({bw}) must be divisible by `{n}` ({v})"
                ));
            }
        }
        (
            ini.pos("layout", "IfmapSRAMBankBandwidth")?,
            ini.pos("layout", "FilterSRAMBankBandwidth")?,
        )
    } else {
        notes.push(
            "no [layout] section (SCALE-Sim v2 file): `Bandwidth` is used for IFMAP, FILTER and OFMAP"
                .to_string(),
        );
        (ofmap_bw, ofmap_bw)
    };
    let offset = |k: &str, d: i64| -> Result<i64, String> {
        match ini.opt(ap, k) {
            Some(_) => ini.int(ap, k),
            None => Ok(d),
        }
    };
    let arch = Arch {
        rows: ini.pos(ap, "ArrayHeight")?,
        cols: ini.pos(ap, "ArrayWidth")?,
        dataflow,
        ifmap_sram_words: ini.pos(ap, "IfmapSramSzkB")? * 1024,
        filter_sram_words: ini.pos(ap, "FilterSramSzkB")? * 1024,
        ofmap_sram_words: ini.pos(ap, "OfmapSramSzkB")? * 1024,
        ifmap_bw,
        filter_bw,
        ofmap_bw,
        ifmap_offset: offset("IfmapOffset", 0)?,
        filter_offset: offset("FilterOffset", 10_000_000)?,
        ofmap_offset: offset("OfmapOffset", 20_000_000)?,
        calc,
    };
    Ok(ScaleSimConfig {
        run_name,
        arch,
        notes,
    })
}

/// Read and parse a `.cfg` file.
pub fn read(path: &Path) -> Result<ScaleSimConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    parse(&path.display().to_string(), &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V3: &str = "[general]\nrun_name = t\n\n[architecture_presets]\nArrayHeight:    8\n\
        ArrayWidth:     16\nIfmapSramSzkB:    64\nFilterSramSzkB:   32\nOfmapSramSzkB:    16\n\
        IfmapOffset:    0\nFilterOffset:   10000000\nOfmapOffset:    20000000\nBandwidth : 10\n\
        Dataflow : ws\nMemoryBanks:   1\nReadRequestBuffer: 32\nWriteRequestBuffer: 32\n\n[layout]\n\
        IfmapCustomLayout: False\nIfmapSRAMBankBandwidth: 4\nIfmapSRAMBankNum: 1\n\
        IfmapSRAMBankPort: 2\nFilterCustomLayout: False\nFilterSRAMBankBandwidth: 6\n\
        FilterSRAMBankNum: 1\nFilterSRAMBankPort: 2\n\n[sparsity]\nSparsitySupport : false\n\
        SparseRep : ellpack_block\nOptimizedMapping : false\nBlockSize : 8\n\
        RandomNumberGeneratorSeed : 40\n\n[run_presets]\nInterfaceBandwidth: USER\n\
        UseRamulatorTrace: False\n";

    #[test]
    fn reads_v3_keys_and_layout_bandwidths() {
        let c = parse("x.cfg", V3).unwrap();
        assert_eq!(c.run_name, "t");
        assert_eq!((c.arch.rows, c.arch.cols), (8, 16));
        assert_eq!(c.arch.dataflow, Dataflow::Ws);
        assert_eq!(
            (c.arch.ifmap_bw, c.arch.filter_bw, c.arch.ofmap_bw),
            (4, 6, 10)
        );
        assert_eq!(
            (
                c.arch.ifmap_sram_words,
                c.arch.filter_sram_words,
                c.arch.ofmap_sram_words
            ),
            (64 * 1024, 32 * 1024, 16 * 1024)
        );
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let bad = V3.replace("Dataflow : ws", "Dataflow : xs");
        let e = parse("x.cfg", &bad).unwrap_err();
        assert_eq!(
            e,
            "x.cfg:14: `[architecture_presets] Dataflow` must be one of os, ws, is, found `xs`"
        );
        let e = parse("x.cfg", &V3.replace("ArrayWidth:     16\n", "")).unwrap_err();
        assert!(e.contains("has no key `ArrayWidth`"), "{e}");
        let c = parse("x.cfg", &V3.replace("USER", "CALC")).unwrap();
        assert!(c.arch.calc);
    }
}
