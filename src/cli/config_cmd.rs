//! `xpusim config check|explain|presets|schema`.

use super::Failure;
use crate::config::{self, Config, schema};
use serde_json::Value as J;

/// Config subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum ConfigCmd {
    /// Load a config, apply presets and overrides, and report every problem.
    Check {
        /// Config file (or a system preset name).
        file: String,
        /// Override a key (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Print the resolved config.
        #[arg(long)]
        resolved: bool,
    },
    /// Explain a key: meaning, type, unit, default, allowed values, source.
    Explain {
        /// Dotted key path, e.g. `vector.lanes` or `memory` (empty: the top level).
        key: Option<String>,
    },
    /// List the built-in presets.
    Presets,
    /// Print the JSON Schema of the config.
    Schema,
}

/// Run a config subcommand.
pub fn run(c: &ConfigCmd) -> Result<(), Failure> {
    match c {
        ConfigCmd::Check {
            file,
            set,
            resolved,
        } => {
            let l = config::load(file, set).map_err(Failure::config)?;
            if *resolved {
                print!("{}", l.resolved_toml());
            } else {
                println!("{}: ok", l.file);
            }
            Ok(())
        }
        ConfigCmd::Explain { key } => {
            print!(
                "{}",
                explain(key.as_deref().unwrap_or("")).map_err(Failure::input)?
            );
            Ok(())
        }
        ConfigCmd::Presets => {
            let mut last = None;
            for (section, name, text) in config::presets() {
                if last != Some(*section) {
                    println!(
                        "{}",
                        if section.is_empty() {
                            "whole systems (use as CONFIG, or top-level preset = \"NAME\"):"
                                .to_string()
                        } else {
                            format!("[{section}] (preset = \"NAME\" inside the section):")
                        }
                    );
                    last = Some(*section);
                }
                let desc = text
                    .lines()
                    .find_map(|l| l.strip_prefix("description = "))
                    .map(|d| d.trim_matches('"').to_string())
                    .or_else(|| {
                        text.lines()
                            .next()
                            .and_then(|l| l.strip_prefix("# "))
                            .map(str::to_string)
                    })
                    .unwrap_or_default();
                println!("  {name:<22} {desc}");
            }
            Ok(())
        }
        ConfigCmd::Schema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&Config::schema()).unwrap_or_default()
            );
            Ok(())
        }
    }
}

/// The unit a key's name implies.
pub fn unit_of(key: &str) -> Option<&'static str> {
    let units = [
        ("_mhz", "MHz"),
        ("_ghz", "GHz"),
        ("_kib", "KiB (1024 bytes)"),
        ("_mib", "MiB"),
        ("_bytes", "bytes"),
        ("_bits", "bits"),
        ("_gbps", "GB/s (10^9 bytes per second)"),
        ("_ns", "ns"),
        ("_us", "us"),
        ("_cycles", "cycles of the section's clock"),
        ("_pj", "pJ"),
        ("_mm2", "mm^2"),
        ("_mw", "mW"),
        ("_w", "W"),
    ];
    units
        .iter()
        .find(|(s, _)| key.ends_with(s))
        .map(|(_, u)| *u)
}

/// Text explaining `key`.
pub fn explain(key: &str) -> Result<String, String> {
    let root = Config::schema();
    let mut node: &J = &root;
    let mut parent: Option<&J> = None;
    let mut walked = String::new();
    for part in key.split('.').filter(|p| !p.is_empty()) {
        let props = properties(&root, node);
        match props.iter().find(|(k, _)| k == part) {
            Some((_, s)) => {
                parent = Some(node);
                node = s;
                walked = schema::join(&walked, part);
            }
            None => {
                let names: Vec<&String> = props.iter().map(|(k, _)| k).collect();
                let mut msg = format!(
                    "unknown key `{}`: {} has {}",
                    schema::join(&walked, part),
                    if walked.is_empty() {
                        "the top level".to_string()
                    } else {
                        format!("`{walked}`")
                    },
                    names
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                if let Some(c) = schema::closest(part, &names) {
                    msg.push_str(&format!(" (did you mean `{c}`?)"));
                }
                return Err(msg);
            }
        }
    }
    let mut out = String::new();
    let name = if key.is_empty() { "(top level)" } else { key };
    out.push_str(&format!("{name}\n"));
    let desc = node
        .get("description")
        .or_else(|| schema::resolve(&root, node).get("description"))
        .and_then(J::as_str)
        .unwrap_or("");
    for line in desc.lines() {
        out.push_str(&format!("  {line}\n"));
    }
    let leaf = key.rsplit('.').next().unwrap_or("");
    if let Some(t) = parent.and_then(|p| tag_text(&root, p, leaf)) {
        out.push_str(&format!(
            "  selects the variant of the section; one of:{t}\n"
        ));
        return Ok(out);
    }
    let r = schema::resolve(&root, unwrap_option(&root, node));
    if let Some(t) = type_text(&root, r) {
        out.push_str(&format!("  type: {t}\n"));
    }
    if let Some(u) = unit_of(leaf) {
        out.push_str(&format!("  unit: {u}\n"));
    }
    if let Some(d) = node.get("default") {
        out.push_str(&format!("  default: {d}\n"));
    } else if is_option(&root, node) {
        out.push_str("  default: absent\n");
    }
    let lo = r.get("minimum").map(|v| format!(">= {v}"));
    let hi = r.get("maximum").map(|v| format!("<= {v}"));
    if lo.is_some() || hi.is_some() {
        out.push_str(&format!(
            "  range: {}\n",
            [lo, hi]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" and ")
        ));
    }
    let props = properties(&root, node);
    if !props.is_empty() {
        out.push_str("  keys:\n");
        for (k, s) in props {
            if tag_text(&root, node, &k).is_some() {
                out.push_str(&format!(
                    "    {k:<26} selects the variant (see `config explain {}`)\n",
                    schema::join(key, &k)
                ));
                continue;
            }
            let d = s
                .get("description")
                .or_else(|| schema::resolve(&root, s).get("description"))
                .and_then(J::as_str)
                .unwrap_or("")
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            out.push_str(&format!("    {k:<26} {d}\n"));
        }
    }
    Ok(out)
}

/// If `key` is the tag of the internally tagged enum `parent`, its values with their
/// descriptions.
fn tag_text(root: &J, parent: &J, key: &str) -> Option<String> {
    let p = schema::resolve(root, unwrap_option(root, parent));
    let alts = p.get("oneOf")?.as_array()?;
    let mut out = String::new();
    for a in alts {
        let a = schema::resolve(root, a);
        let c = a.pointer(&format!("/properties/{key}/const"))?.as_str()?;
        let d = a
            .get("description")
            .and_then(J::as_str)
            .unwrap_or("")
            .lines()
            .next()
            .unwrap_or("");
        out.push_str(&format!("\n    {key} = \"{c}\": {d}"));
    }
    Some(out)
}

fn is_option(root: &J, s: &J) -> bool {
    let s = schema::resolve(root, s);
    s.get("anyOf").and_then(J::as_array).is_some_and(|a| {
        a.iter()
            .any(|x| x.get("type").and_then(J::as_str) == Some("null"))
    }) || s
        .get("type")
        .and_then(J::as_array)
        .is_some_and(|a| a.iter().any(|x| x == "null"))
}

fn unwrap_option<'a>(root: &'a J, s: &'a J) -> &'a J {
    let r = schema::resolve(root, s);
    if let Some(a) = r.get("anyOf").and_then(J::as_array) {
        let nn: Vec<&J> = a
            .iter()
            .filter(|x| x.get("type").and_then(J::as_str) != Some("null"))
            .collect();
        if nn.len() == 1 {
            return nn[0];
        }
    }
    s
}

/// Keys of a table node (for tagged enums, the union over variants, tag first).
fn properties<'a>(root: &'a J, s: &'a J) -> Vec<(String, &'a J)> {
    let s = schema::resolve(root, unwrap_option(root, s));
    let mut out: Vec<(String, &J)> = Vec::new();
    let mut add = |obj: &'a J| {
        if let Some(p) = obj.get("properties").and_then(J::as_object) {
            for (k, v) in p {
                if !out.iter().any(|(x, _)| x == k) {
                    out.push((k.clone(), v));
                }
            }
        }
    };
    add(s);
    if let Some(alts) = s.get("oneOf").and_then(J::as_array) {
        for a in alts {
            add(schema::resolve(root, a));
        }
    }
    out
}

fn type_text(root: &J, s: &J) -> Option<String> {
    if let Some(alts) = s.get("oneOf").and_then(J::as_array) {
        let consts: Vec<String> = alts
            .iter()
            .map(|a| schema::resolve(root, a))
            .filter_map(|a| {
                a.get("const").and_then(J::as_str).map(|c| {
                    match a.get("description").and_then(J::as_str) {
                        Some(d) => format!("\n    \"{c}\": {}", d.lines().next().unwrap_or("")),
                        None => format!("\n    \"{c}\""),
                    }
                })
            })
            .collect();
        if consts.len() == alts.len() {
            return Some(format!("one of{}", consts.join("")));
        }
        let tags: Vec<String> = alts
            .iter()
            .map(|a| schema::resolve(root, a))
            .filter_map(|a| {
                a.pointer("/properties/kind/const")
                    .and_then(J::as_str)
                    .map(|c| {
                        format!(
                            "\n    kind = \"{c}\": {}",
                            a.get("description")
                                .and_then(J::as_str)
                                .unwrap_or("")
                                .lines()
                                .next()
                                .unwrap_or("")
                        )
                    })
            })
            .collect();
        if !tags.is_empty() {
            return Some(format!("table, chosen by `kind`:{}", tags.join("")));
        }
    }
    match s.get("type") {
        Some(J::String(t)) => Some(match t.as_str() {
            "object" => "table".to_string(),
            "array" => match s.get("items").map(|i| schema::resolve(root, i)) {
                Some(i) => format!(
                    "array of {}",
                    type_text(root, i).unwrap_or_else(|| "values".into())
                ),
                None => "array".to_string(),
            },
            other => other.to_string(),
        }),
        Some(J::Array(a)) => Some(
            a.iter()
                .filter_map(J::as_str)
                .filter(|t| *t != "null")
                .collect::<Vec<_>>()
                .join(" or "),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explain_gives_meaning_unit_default_and_source() {
        let t = explain("memory.bw_gbps").unwrap();
        assert!(t.contains("unit: GB/s"), "{t}");
        assert!(t.contains("default: 256.0"), "{t}");
        assert!(t.contains("JESD235A"), "{t}");
        let t = explain("vector").unwrap();
        assert!(t.contains("lanes"), "{t}");
        assert!(t.contains("default: absent"), "{t}");
        let e = explain("vector.lane").unwrap_err();
        assert!(e.contains("did you mean `lanes`"), "{e}");
        let t = explain("memory").unwrap();
        assert!(t.contains("kind = \"ideal\""), "{t}");
        let t = explain("memory.kind").unwrap();
        assert!(t.contains("kind = \"ideal\": A fixed latency"), "{t}");
    }
}
