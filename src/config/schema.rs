//! A checker of TOML values against the JSON Schema that `schemars` derives from the
//! config structs.
//!
//! Serde stops at the first problem; this walker reports every unknown key, wrong type,
//! bad enum value and out-of-range number at once, each with its key path. It understands
//! the subset of JSON Schema that schemars emits for our structs: `$ref`/`$defs`, `type`
//! (single or list), `const`, `enum`, `oneOf` (unit enums and internally tagged enums),
//! `anyOf` (options), `properties`/`additionalProperties`/`required`, `items`, numeric
//! bounds and integer formats. It also converts integers to floats where the schema wants
//! a number, so that `freq_mhz = 1000` is accepted for a float key.

use super::Issue;
use serde_json::Value as J;
use toml::Value as T;

/// Check `v` against `schema` (whose `$defs` are in `root`), pushing issues.
pub fn check(root: &J, schema: &J, v: &mut T, path: &str, out: &mut Vec<Issue>) {
    let schema = resolve(root, schema);
    if let Some(alts) = schema.get("anyOf").and_then(J::as_array) {
        // Options: `anyOf: [X, {type: null}]`; TOML has no null, so check against X.
        let non_null: Vec<&J> = alts.iter().filter(|a| !is_null(a)).collect();
        if non_null.len() == 1 {
            return check(root, non_null[0], v, path, out);
        }
        for a in &non_null {
            let mut probe = Vec::new();
            let mut copy = v.clone();
            check(root, a, &mut copy, path, &mut probe);
            if probe.is_empty() {
                *v = copy;
                return;
            }
        }
        if let Some(a) = non_null.first() {
            check(root, a, v, path, out);
        }
        return;
    }
    if let Some(alts) = schema.get("oneOf").and_then(J::as_array) {
        return check_one_of(root, alts, v, path, out);
    }
    if let Some(c) = schema.get("const") {
        if !eq(c, v) {
            out.push(Issue::new(path, format!("{}: expected {}", show(v), c)));
        }
        return;
    }
    if let Some(e) = schema.get("enum").and_then(J::as_array) {
        if !e.iter().any(|c| eq(c, v)) {
            out.push(Issue::new(
                path,
                format!("{}: expected one of {}", show(v), list(e.iter())),
            ));
        }
        return;
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(J::String(s)) => vec![s.as_str()],
        Some(J::Array(a)) => a
            .iter()
            .filter_map(J::as_str)
            .filter(|s| *s != "null")
            .collect(),
        _ => vec![],
    };
    if !types.is_empty() && !types.iter().any(|t| type_ok(t, v)) {
        out.push(Issue::new(
            path,
            format!(
                "{}: expected {}",
                show(v),
                types
                    .iter()
                    .map(|t| type_name(t))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        ));
        return;
    }
    if let Some(x) = as_f64(v) {
        check_range(schema, x, v, path, out);
    }
    if types.contains(&"number")
        && !types.contains(&"integer")
        && let T::Integer(i) = v
    {
        *v = T::Float(*i as f64);
    }
    match v {
        T::Table(t) => check_table(root, schema, t, path, out),
        T::Array(a) => {
            if let Some(items) = schema.get("items") {
                for (i, x) in a.iter_mut().enumerate() {
                    check(root, items, x, &format!("{path}[{i}]"), out);
                }
            }
            if let Some(min) = schema.get("minItems").and_then(J::as_u64)
                && (a.len() as u64) < min
            {
                out.push(Issue::new(path, format!("expected at least {min} item(s)")));
            }
        }
        _ => {}
    }
}

fn check_one_of(root: &J, alts: &[J], v: &mut T, path: &str, out: &mut Vec<Issue>) {
    let alts: Vec<&J> = alts.iter().map(|a| resolve(root, a)).collect();
    // Unit enum: every alternative is a constant string.
    let consts: Vec<&J> = alts.iter().filter_map(|a| a.get("const")).collect();
    if consts.len() == alts.len() {
        if !consts.iter().any(|c| eq(c, v)) {
            out.push(Issue::new(
                path,
                format!("{}: expected one of {}", show(v), list(consts.into_iter())),
            ));
        }
        return;
    }
    // Internally tagged enum: find the key whose schema is a const in every alternative.
    if let Some(tag) = tag_key(&alts) {
        let names: Vec<&J> = alts
            .iter()
            .filter_map(|a| a.pointer(&format!("/properties/{tag}/const")))
            .collect();
        let T::Table(t) = v else {
            out.push(Issue::new(path, format!("{}: expected a table", show(v))));
            return;
        };
        let Some(given) = t.get(&tag) else {
            out.push(Issue::new(
                path,
                format!(
                    "missing key `{tag}`: expected one of {}",
                    list(names.into_iter())
                ),
            ));
            return;
        };
        let sub = join(path, &tag);
        match alts.iter().find(|a| {
            a.pointer(&format!("/properties/{tag}/const"))
                .is_some_and(|c| eq(c, given))
        }) {
            Some(a) => check(root, a, v, path, out),
            None => out.push(Issue::new(
                &sub,
                format!(
                    "{}: expected one of {}",
                    show(given),
                    list(names.into_iter())
                ),
            )),
        }
        return;
    }
    // Anything else: accept the first alternative that fits.
    for a in &alts {
        let mut probe = Vec::new();
        let mut copy = v.clone();
        check(root, a, &mut copy, path, &mut probe);
        if probe.is_empty() {
            *v = copy;
            return;
        }
    }
    out.push(Issue::new(
        path,
        format!("{}: does not match any allowed form", show(v)),
    ));
}

fn tag_key(alts: &[&J]) -> Option<String> {
    let first = alts.first()?.get("properties")?.as_object()?;
    first
        .iter()
        .filter(|(_, s)| s.get("const").is_some())
        .map(|(k, _)| k.clone())
        .find(|k| {
            alts.iter()
                .all(|a| a.pointer(&format!("/properties/{k}/const")).is_some())
        })
}

fn check_table(root: &J, schema: &J, t: &mut toml::Table, path: &str, out: &mut Vec<Issue>) {
    let empty = serde_json::Map::new();
    let props = schema
        .get("properties")
        .and_then(J::as_object)
        .unwrap_or(&empty);
    if schema.get("additionalProperties") == Some(&J::Bool(false)) {
        for k in t.keys() {
            if !props.contains_key(k) {
                let known: Vec<&String> = props.keys().collect();
                let mut msg = format!(
                    "unknown key `{k}`: expected one of {}",
                    known
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                if let Some(s) = closest(k, &known) {
                    msg.push_str(&format!(" (did you mean `{s}`?)"));
                }
                out.push(Issue::new(&join(path, k), msg));
            }
        }
    }
    if let Some(req) = schema.get("required").and_then(J::as_array) {
        for r in req.iter().filter_map(J::as_str) {
            if !t.contains_key(r) {
                out.push(Issue::new(
                    &join(path, r),
                    "missing required key".to_string(),
                ));
            }
        }
    }
    for (k, s) in props {
        if let Some(x) = t.get_mut(k) {
            check(root, s, x, &join(path, k), out);
        }
    }
}

fn check_range(schema: &J, x: f64, v: &T, path: &str, out: &mut Vec<Issue>) {
    let g = |k: &str| schema.get(k).and_then(J::as_f64);
    let (min, max, xmin, xmax) = (
        g("minimum"),
        g("maximum"),
        g("exclusiveMinimum"),
        g("exclusiveMaximum"),
    );
    let int = match schema.get("type") {
        Some(J::String(t)) => t == "integer",
        Some(J::Array(a)) => a.iter().any(|t| t == "integer"),
        _ => matches!(v, T::Integer(_)),
    };
    let what = if int { "an integer" } else { "a number" };
    let bad = min.is_some_and(|m| x < m)
        || max.is_some_and(|m| x > m)
        || xmin.is_some_and(|m| x <= m)
        || xmax.is_some_and(|m| x >= m);
    // Integer formats carry implicit bounds.
    let fmt_max = match schema.get("format").and_then(J::as_str) {
        Some("uint8") => Some(u8::MAX as f64),
        Some("uint16") => Some(u16::MAX as f64),
        Some("uint32") => Some(u32::MAX as f64),
        _ => None,
    };
    let too_big = fmt_max.is_some_and(|m| x > m);
    if bad || too_big {
        let lo = min
            .map(|m| format!(">= {}", fmtnum(m)))
            .or(xmin.map(|m| format!("> {}", fmtnum(m))));
        let hi = max
            .or(fmt_max)
            .map(|m| format!("<= {}", fmtnum(m)))
            .or(xmax.map(|m| format!("< {}", fmtnum(m))));
        let range = match (lo, hi) {
            (Some(l), Some(h)) => format!("{l} and {h}"),
            (Some(l), None) => l,
            (None, Some(h)) => h,
            (None, None) => String::new(),
        };
        out.push(Issue::new(
            path,
            format!("{}: expected {what} {range}", show(v)),
        ));
    }
}

fn fmtnum(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Follow `$ref`s.
pub fn resolve<'a>(root: &'a J, mut s: &'a J) -> &'a J {
    for _ in 0..32 {
        match s.get("$ref").and_then(J::as_str) {
            Some(r) => match r.strip_prefix("#").and_then(|p| root.pointer(p)) {
                Some(t) => s = t,
                None => return s,
            },
            None => return s,
        }
    }
    s
}

fn is_null(s: &J) -> bool {
    s.get("type").and_then(J::as_str) == Some("null")
}

fn type_ok(t: &str, v: &T) -> bool {
    match t {
        "integer" => matches!(v, T::Integer(_)),
        "number" => matches!(v, T::Integer(_) | T::Float(_)),
        "string" => matches!(v, T::String(_)),
        "boolean" => matches!(v, T::Boolean(_)),
        "array" => matches!(v, T::Array(_)),
        "object" => matches!(v, T::Table(_)),
        _ => true,
    }
}

fn type_name(t: &str) -> &str {
    match t {
        "integer" => "an integer",
        "number" => "a number",
        "string" => "a string",
        "boolean" => "true or false",
        "array" => "an array",
        "object" => "a table",
        other => other,
    }
}

fn as_f64(v: &T) -> Option<f64> {
    match v {
        T::Integer(i) => Some(*i as f64),
        T::Float(f) => Some(*f),
        _ => None,
    }
}

fn eq(c: &J, v: &T) -> bool {
    match (c, v) {
        (J::String(a), T::String(b)) => a == b,
        (J::Bool(a), T::Boolean(b)) => a == b,
        (J::Number(a), _) => a.as_f64() == as_f64(v),
        _ => false,
    }
}

/// A TOML value as the user wrote it, for messages.
pub fn show(v: &T) -> String {
    match v {
        T::String(s) => format!("{s:?}"),
        T::Table(_) => "a table".to_string(),
        T::Array(_) => "an array".to_string(),
        other => other.to_string(),
    }
}

fn list<'a>(it: impl Iterator<Item = &'a J>) -> String {
    it.map(|c| match c {
        J::String(s) => s.clone(),
        other => other.to_string(),
    })
    .collect::<Vec<_>>()
    .join(", ")
}

/// `a.b` from `a` and `b` (`b` alone when `a` is empty).
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The known name closest to `k` by edit distance, if it is close.
pub fn closest<'a>(k: &str, known: &[&'a String]) -> Option<&'a str> {
    known
        .iter()
        .map(|s| (levenshtein(k, s), s.as_str()))
        .filter(|(d, s)| *d <= 2.max(s.len() / 3))
        .min()
        .map(|(_, s)| s)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
