//! System configuration: the TOML schema, presets, overrides and validation.
//!
//! Loading is a pipeline (see [`load`]):
//! 1. read the file (or an embedded whole-system preset given by name) and parse it;
//! 2. apply `--set key=value` overrides to the user's table;
//! 3. expand `preset = "name"` keys: the named embedded preset of that section is the
//!    base and the user's keys are merged over it;
//! 4. check the merged table against the schema derived from the structs below (every
//!    unknown key, wrong type, bad enum value and out-of-range number at once);
//! 5. deserialize and run the semantic checks that involve several keys.
//!
//! Every problem becomes a [`Diagnostic`] with the file, line and column of the key (or the
//! `--set` or preset it came from), its key path, and what was expected.

mod locate;
pub mod schema;

use crate::mem::ideal::IdealMemConfig;
use crate::units::dma::DmaConfig;
use crate::units::vector::VectorConfig;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// The config schema version this build reads.
pub const SCHEMA_VERSION: u32 = 1;

include!(concat!(env!("OUT_DIR"), "/presets.rs"));

/// A whole system: the units, the memory behind them, and how ops are scheduled.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Version of this schema; must be 1.
    #[schemars(range(min = 1, max = 1))]
    pub schema_version: u32,
    /// Name of the system, used in reports.
    #[serde(default)]
    pub name: String,
    /// Free-text description.
    #[serde(default)]
    pub description: String,
    /// Run settings.
    #[serde(default)]
    pub sim: SimConfig,
    /// How ops are assigned to units.
    #[serde(default)]
    pub sched: SchedConfig,
    /// The memory every unit reads and writes through.
    #[serde(default)]
    pub memory: MemoryConfig,
    /// Systolic-array NPU cores for GEMM/GEMV ops (absent: none).
    pub npu: Option<crate::units::npu::NpuConfig>,
    /// Vector unit for element-wise and row-wise ops (absent: none).
    pub vector: Option<VectorConfig>,
    /// DMA engines for `transfer` ops (absent: none).
    pub dma: Option<DmaConfig>,
    /// Tensor-core chip (LUT arrays or a MAC baseline) for `gemm`/`gemv` ops (absent: none).
    pub lut: Option<crate::units::lut::LutConfig>,
    /// PIUMA cores with atomic scratchpads for `spgemm` ops (absent: none).
    pub piuma: Option<crate::units::piuma::PiumaConfig>,
    /// Energy per action, for `energy.csv` and the energy totals.
    #[serde(default)]
    pub energy: crate::stats::energy::EnergyConfig,
}

/// Run settings.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    /// Seed of every random stream in the run (overridden by `--seed`).
    #[serde(default = "one_u64")]
    pub seed: u64,
    /// Stop with an error if simulated time exceeds this many ns (absent: no limit).
    #[schemars(range(min = 0.0))]
    pub max_time_ns: Option<f64>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            max_time_ns: None,
        }
    }
}

fn one_u64() -> u64 {
    1
}

/// Unit kinds as named in configs and traces.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum UnitKindName {
    /// Systolic-array NPU cores.
    Npu,
    /// LUT tensor cores.
    Lut,
    /// PIUMA cores.
    Piuma,
    /// Vector unit.
    Vector,
    /// DMA engines.
    Dma,
}

/// How ops are assigned to units.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchedConfig {
    /// Clock of the scheduler, in MHz. Default: 1000 (1 ns steps; an assumption).
    #[serde(default = "sched_freq")]
    #[schemars(range(min = 1.0, max = 100000.0))]
    pub freq_mhz: f64,
    /// Cycles (of the receiving clock) for an issue or completion message between the
    /// scheduler and a unit. Default: 1, the minimum the engine allows.
    #[serde(default = "one_u64")]
    #[schemars(range(min = 1, max = 1000000))]
    pub dispatch_latency_cycles: u64,
    /// Unit kinds in order of preference for ops without a unit hint: an op runs on the
    /// first kind in this list that supports it and exists in the config.
    #[serde(default = "sched_order")]
    pub order: Vec<UnitKindName>,
}

impl Default for SchedConfig {
    fn default() -> Self {
        SchedConfig {
            freq_mhz: sched_freq(),
            dispatch_latency_cycles: 1,
            order: sched_order(),
        }
    }
}

fn sched_freq() -> f64 {
    1000.0
}

fn sched_order() -> Vec<UnitKindName> {
    vec![
        UnitKindName::Npu,
        UnitKindName::Lut,
        UnitKindName::Piuma,
        UnitKindName::Vector,
        UnitKindName::Dma,
    ]
}

/// The memory model behind every unit.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum MemoryConfig {
    /// A fixed latency plus one shared bandwidth pipe: a bound, not a DRAM model.
    Ideal(IdealMemConfig),
    /// JEDEC-timed DRAM channels with FR-FCFS controllers (docs/DRAM.md).
    Dram(Box<crate::mem::dram::DramConfig>),
}

impl Default for MemoryConfig {
    fn default() -> Self {
        MemoryConfig::Ideal(IdealMemConfig::default())
    }
}

/// A semantic problem found in a config, before it is located in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    /// Dotted key path, e.g. `npu.rows`.
    pub path: String,
    /// What is wrong and what was expected.
    pub msg: String,
}

impl Issue {
    /// A new issue.
    pub fn new(path: &str, msg: impl Into<String>) -> Self {
        Issue {
            path: path.to_string(),
            msg: msg.into(),
        }
    }
}

impl Config {
    /// Semantic checks that involve more than one key.
    pub fn validate(&self) -> Vec<Issue> {
        let mut out = Vec::new();
        let mut seen = Vec::new();
        for (i, k) in self.sched.order.iter().enumerate() {
            if seen.contains(k) {
                out.push(Issue::new(
                    &format!("sched.order[{i}]"),
                    format!("{k:?} is listed twice: expected each unit kind at most once")
                        .to_lowercase(),
                ));
            }
            seen.push(*k);
        }
        if let Some(n) = &self.npu {
            n.validate("npu", &mut out);
        }
        if let Some(v) = &self.vector {
            v.validate("vector", &mut out);
        }
        if let Some(d) = &self.dma {
            d.validate("dma", &mut out);
        }
        if let Some(l) = &self.lut {
            l.validate("lut", &mut out);
        }
        if let Some(p) = &self.piuma {
            p.validate("piuma", &mut out);
        }
        match &self.memory {
            MemoryConfig::Ideal(m) => m.validate("memory", &mut out),
            MemoryConfig::Dram(m) => m.validate("memory", &mut out),
        }
        out
    }

    /// The JSON Schema of the config.
    pub fn schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Config)).unwrap_or_default()
    }
}

/// Where a diagnostic points.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// A position in the config file (1-based line and column).
    File {
        /// Line.
        line: usize,
        /// Column.
        col: usize,
    },
    /// A `--set` override.
    Override(String),
    /// A key that came from a preset.
    Preset(String),
    /// The file as a whole (e.g. a missing key).
    Whole,
}

/// A located config problem.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// The config file (or `preset:<name>`).
    pub file: String,
    /// Where in it.
    pub origin: Origin,
    /// Dotted key path (empty for syntax errors).
    pub path: String,
    /// What is wrong and what was expected.
    pub msg: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = if self.path.is_empty() {
            String::new()
        } else {
            format!("{}: ", self.path)
        };
        match &self.origin {
            Origin::File { line, col } => {
                write!(f, "{}:{line}:{col}: {key}{}", self.file, self.msg)
            }
            Origin::Override(s) => write!(f, "{} (--set {s}): {key}{}", self.file, self.msg),
            Origin::Preset(p) => write!(f, "{} (from preset {p}): {key}{}", self.file, self.msg),
            Origin::Whole => write!(f, "{}: {key}{}", self.file, self.msg),
        }
    }
}

/// Every problem found in a config.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct ConfigError {
    /// The problems, in file order where known.
    pub diags: Vec<Diagnostic>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.diags {
            writeln!(f, "{d}")?;
        }
        write!(
            f,
            "{} problem{} found",
            self.diags.len(),
            if self.diags.len() == 1 { "" } else { "s" }
        )
    }
}

/// A loaded, validated config.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The typed config.
    pub config: Config,
    /// The fully resolved table (presets expanded, overrides applied, defaults filled in).
    pub resolved: toml::Table,
    /// The config file (or `preset:<name>`).
    pub file: String,
    /// Presets that were applied, as `section/name`.
    pub presets: Vec<String>,
}

impl Loaded {
    /// The resolved config as TOML text, with a header saying where it came from.
    pub fn resolved_toml(&self) -> String {
        let mut s = format!(
            "# Resolved configuration: {} with presets and overrides applied and defaults filled in.\n",
            self.file
        );
        if !self.presets.is_empty() {
            s.push_str(&format!("# Presets applied: {}\n", self.presets.join(", ")));
        }
        s.push_str(&toml::to_string(&self.resolved).unwrap_or_default());
        s
    }

    /// A stable content hash of the resolved config (hex SHA-256 of its TOML).
    pub fn hash(&self) -> String {
        use sha2::Digest;
        let text = toml::to_string(&self.resolved).unwrap_or_default();
        let d = sha2::Sha256::digest(text.as_bytes());
        d.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The embedded preset `name` of `section` ("" for whole systems).
pub fn preset(section: &str, name: &str) -> Option<&'static str> {
    PRESETS
        .iter()
        .find(|(s, n, _)| *s == section && *n == name)
        .map(|(_, _, t)| *t)
}

/// Names of the embedded presets of `section`.
pub fn preset_names(section: &str) -> Vec<&'static str> {
    PRESETS
        .iter()
        .filter(|(s, _, _)| *s == section)
        .map(|(_, n, _)| *n)
        .collect()
}

/// All embedded presets as `(section, name, text)`.
pub fn presets() -> &'static [(&'static str, &'static str, &'static str)] {
    PRESETS
}

/// Load a config file (or, if `path` is not a file but names a whole-system preset, that
/// preset), apply `overrides` (`key.path=value`), expand presets, and validate.
pub fn load(path: &str, overrides: &[String]) -> Result<Loaded, ConfigError> {
    let (file, text) = if Path::new(path).is_file() {
        match std::fs::read_to_string(path) {
            Ok(t) => (path.to_string(), t),
            Err(e) => return Err(whole(path, format!("cannot read config: {e}"))),
        }
    } else if let Some(t) = preset("", path) {
        (format!("preset:{path}"), t.to_string())
    } else {
        let names = preset_names("");
        return Err(whole(
            path,
            format!(
                "no such config file (and no built-in system preset of that name; presets: {})",
                names.join(", ")
            ),
        ));
    };
    load_str(&file, &text, overrides)
}

fn whole(file: &str, msg: String) -> ConfigError {
    ConfigError {
        diags: vec![Diagnostic {
            file: file.to_string(),
            origin: Origin::Whole,
            path: String::new(),
            msg,
        }],
    }
}

/// Like [`load`], from text; `file` names it in messages.
pub fn load_str(file: &str, text: &str, overrides: &[String]) -> Result<Loaded, ConfigError> {
    let mut table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            let e: toml::de::Error = e;
            let (line, col) = e
                .span()
                .map(|s| locate::line_col(text, s.start))
                .unwrap_or((1, 1));
            return Err(ConfigError {
                diags: vec![Diagnostic {
                    file: file.to_string(),
                    origin: Origin::File { line, col },
                    path: String::new(),
                    msg: format!("TOML syntax error: {}", e.message().trim()),
                }],
            });
        }
    };
    let mut origins: BTreeMap<String, Origin> = BTreeMap::new();
    let mut issues: Vec<Issue> = Vec::new();
    // Overrides first, so that they can also choose presets.
    for o in overrides {
        match apply_override(&mut table, o) {
            Ok(path) => {
                origins.insert(path, Origin::Override(o.clone()));
            }
            Err(msg) => {
                return Err(ConfigError {
                    diags: vec![Diagnostic {
                        file: file.to_string(),
                        origin: Origin::Override(o.clone()),
                        path: String::new(),
                        msg,
                    }],
                });
            }
        }
    }
    let mut presets = Vec::new();
    expand_presets(&mut table, "", &mut presets, &mut origins, &mut issues, 0);
    let root = Config::schema();
    let mut value = toml::Value::Table(table);
    if issues.is_empty() {
        schema::check(&root, &root, &mut value, "", &mut issues);
    }
    let toml::Value::Table(table) = value else {
        unreachable!("a table stays a table")
    };
    let mut config = None;
    if issues.is_empty() {
        let de = toml::Value::Table(table.clone());
        match serde_path_to_error::deserialize::<_, Config>(de) {
            Ok(c) => {
                issues.extend(c.validate());
                config = Some(c);
            }
            Err(e) => issues.push(Issue::new(&e.path().to_string(), e.inner().to_string())),
        }
    }
    if !issues.is_empty() {
        let doc = text.parse::<toml_edit::Document<String>>().ok();
        let mut diags: Vec<Diagnostic> = issues
            .into_iter()
            .map(|i| {
                let unknown = i.msg.starts_with("unknown key");
                let origin = origin_of(&i.path, &origins)
                    .or_else(|| {
                        let d = doc.as_ref()?;
                        if unknown {
                            locate::find_key(d, text, &i.path)
                                .or_else(|| locate::find(d, text, &i.path))
                        } else {
                            locate::find(d, text, &i.path)
                        }
                    })
                    .unwrap_or(Origin::Whole);
                Diagnostic {
                    file: file.to_string(),
                    origin,
                    path: i.path,
                    msg: i.msg,
                }
            })
            .collect();
        diags.sort_by_key(|d| match d.origin {
            Origin::File { line, col } => (0, line, col),
            _ => (1, 0, 0),
        });
        return Err(ConfigError { diags });
    }
    let config = config.expect("no issues means the config deserialized");
    // The resolved table includes every default, so that it alone reproduces the run.
    let resolved = toml::Table::try_from(&config).unwrap_or(table);
    Ok(Loaded {
        config,
        resolved,
        file: file.to_string(),
        presets,
    })
}

/// The origin recorded for `path` or its closest ancestor.
fn origin_of(path: &str, origins: &BTreeMap<String, Origin>) -> Option<Origin> {
    let mut p = path.to_string();
    loop {
        if let Some(o) = origins.get(&p) {
            return Some(o.clone());
        }
        match p.rfind(['.', '[']) {
            Some(i) => p.truncate(i),
            None => return None,
        }
    }
}

/// Apply `a.b.c=value` to the table; returns the key path.
fn apply_override(table: &mut toml::Table, o: &str) -> Result<String, String> {
    let Some((key, val)) = o.split_once('=') else {
        return Err(format!("`{o}`: expected KEY=VALUE, e.g. npu.rows=64"));
    };
    let key = key.trim();
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!(
            "`{key}`: expected a dotted key path such as npu.rows"
        ));
    }
    let val = val.trim();
    // A TOML value if it parses as one (numbers, booleans, quoted strings, arrays),
    // otherwise a bare string.
    let value = format!("v = {val}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(val.to_string()));
    let mut t = table;
    for p in &parts[..parts.len() - 1] {
        let entry = t
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        match entry {
            toml::Value::Table(x) => t = x,
            _ => return Err(format!("`{key}`: `{p}` is not a table")),
        }
    }
    t.insert(parts[parts.len() - 1].to_string(), value);
    Ok(key.to_string())
}

/// Replace each table's `preset = "name"` by the named preset with the table merged over it.
fn expand_presets(
    t: &mut toml::Table,
    path: &str,
    applied: &mut Vec<String>,
    origins: &mut BTreeMap<String, Origin>,
    issues: &mut Vec<Issue>,
    depth: usize,
) {
    if depth > 8 {
        issues.push(Issue::new(
            path,
            "presets nested more than 8 deep: is there a loop?",
        ));
        return;
    }
    if let Some(p) = t.remove("preset") {
        let key = schema::join(path, "preset");
        match p {
            toml::Value::String(name) => match preset(path, &name) {
                Some(text) => match text.parse::<toml::Table>() {
                    Ok(mut base) => {
                        let label = if path.is_empty() {
                            name.clone()
                        } else {
                            format!("{path}/{name}")
                        };
                        applied.push(label.clone());
                        expand_presets(&mut base, path, applied, origins, issues, depth + 1);
                        record_origins(&base, path, &label, origins);
                        let user = std::mem::take(t);
                        forget_origins(&user, path, origins);
                        merge(&mut base, user);
                        *t = base;
                    }
                    Err(e) => issues.push(Issue::new(
                        &key,
                        format!("built-in preset `{name}` does not parse: {e}"),
                    )),
                },
                None => {
                    let names = preset_names(path);
                    issues.push(Issue::new(
                        &key,
                        if names.is_empty() {
                            format!("\"{name}\": there are no presets for this section")
                        } else {
                            format!("\"{name}\": expected one of {}", names.join(", "))
                        },
                    ));
                }
            },
            other => issues.push(Issue::new(
                &key,
                format!(
                    "{}: expected a preset name (a string)",
                    schema::show(&other)
                ),
            )),
        }
    }
    let keys: Vec<String> = t.keys().cloned().collect();
    for k in keys {
        if let Some(toml::Value::Table(sub)) = t.get_mut(&k) {
            expand_presets(
                sub,
                &schema::join(path, &k),
                applied,
                origins,
                issues,
                depth + 1,
            );
        }
    }
}

fn record_origins(
    t: &toml::Table,
    path: &str,
    label: &str,
    origins: &mut BTreeMap<String, Origin>,
) {
    for (k, v) in t {
        let p = schema::join(path, k);
        origins
            .entry(p.clone())
            .or_insert(Origin::Preset(label.to_string()));
        if let toml::Value::Table(sub) = v {
            record_origins(sub, &p, label, origins);
        }
    }
}

/// Keys the user wrote over a preset point back at the user's file.
fn forget_origins(t: &toml::Table, path: &str, origins: &mut BTreeMap<String, Origin>) {
    for (k, v) in t {
        let p = schema::join(path, k);
        if matches!(origins.get(&p), Some(Origin::Preset(_))) {
            origins.remove(&p);
        }
        if let toml::Value::Table(sub) = v {
            forget_origins(sub, &p, origins);
        }
    }
}

/// Deep-merge `over` into `base` (tables merge, everything else replaces).
pub fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errs(text: &str, overrides: &[&str]) -> Vec<String> {
        let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
        match load_str("c.toml", text, &o) {
            Ok(_) => vec![],
            Err(e) => e.diags.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn minimal_config_loads_with_defaults() {
        let l = load_str("c.toml", "schema_version = 1\n", &[]).unwrap();
        assert_eq!(l.config.sim.seed, 1);
        assert!(matches!(l.config.memory, MemoryConfig::Ideal(_)));
        assert!(l.resolved.contains_key("memory"));
    }

    #[test]
    fn every_mistake_is_reported_with_its_line() {
        let text = "schema_version = 1\n[sched]\nfreq_mhz = \"fast\"\ndispatch_latency_cycles = 0\norder = [\"npu\", \"gpu\"]\n[sim]\nsed = 3\n";
        let e = errs(text, &[]);
        assert_eq!(e.len(), 4, "{e:#?}");
        assert_eq!(
            e[0],
            "c.toml:3:12: sched.freq_mhz: \"fast\": expected a number"
        );
        assert_eq!(
            e[1],
            "c.toml:4:27: sched.dispatch_latency_cycles: 0: expected an integer >= 1 and <= 1000000"
        );
        assert_eq!(
            e[2],
            "c.toml:5:17: sched.order[1]: \"gpu\": expected one of npu, lut, piuma, vector, dma"
        );
        assert_eq!(
            e[3],
            "c.toml:7:1: sim.sed: unknown key `sed`: expected one of max_time_ns, seed (did you mean `seed`?)"
        );
    }

    #[test]
    fn overrides_apply_and_are_blamed() {
        let l = load_str("c.toml", "schema_version = 1\n", &["sim.seed=7".into()]).unwrap();
        assert_eq!(l.config.sim.seed, 7);
        let e = errs("schema_version = 1\n", &["sched.freq_mhz=-5"]);
        assert_eq!(
            e,
            vec![
                "c.toml (--set sched.freq_mhz=-5): sched.freq_mhz: -5: expected a number >= 1 and <= 100000"
            ]
        );
        let e = errs("schema_version = 1\n", &["sched"]);
        assert_eq!(
            e,
            vec!["c.toml (--set sched): `sched`: expected KEY=VALUE, e.g. npu.rows=64"]
        );
    }

    #[test]
    fn wrong_schema_version_and_memory_kind() {
        let e = errs("schema_version = 2\n[memory]\nkind = \"sram\"\n", &[]);
        assert_eq!(
            e[0],
            "c.toml:1:18: schema_version: 2: expected an integer >= 1 and <= 1"
        );
        assert_eq!(
            e[1],
            "c.toml:3:8: memory.kind: \"sram\": expected one of ideal, dram"
        );
    }

    #[test]
    fn syntax_errors_point_at_the_line() {
        let e = errs("schema_version = 1\n[sim\n", &[]);
        assert!(e[0].starts_with("c.toml:2:"), "{e:?}");
        assert!(e[0].contains("TOML syntax error"));
    }
}
