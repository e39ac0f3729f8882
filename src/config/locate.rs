//! Finding the line and column of a key path in the user's TOML text.

use super::Origin;
use toml_edit::{Document, Item, Table};

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map(|i| before.len() - i)
        .unwrap_or(before.len() + 1);
    (line, col)
}

/// Split `a.b[2].c` into `["a", "b", "[2]", "c"]`-like steps.
fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            out.push(Step::Key(name));
        }
        for idx in rest.split('[').filter(|s| !s.is_empty()) {
            if let Ok(i) = idx.trim_end_matches(']').parse() {
                out.push(Step::Index(i));
            }
        }
    }
    out
}

enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The position of `path` in `doc`: the value's position (a table's header for tables),
/// or the closest existing ancestor's when the path does not exist in the file.
pub fn find(doc: &Document<String>, text: &str, path: &str) -> Option<Origin> {
    let mut cur: &Table = doc.as_table();
    let mut best: Option<std::ops::Range<usize>> = None;
    let steps = steps(path);
    let mut i = 0;
    while i < steps.len() {
        let Step::Key(k) = steps[i] else { break };
        let Some((key, item)) = cur.get_key_value(k) else {
            break;
        };
        let next = steps.get(i + 1);
        match item {
            Item::Table(t) => {
                best = t.span().or(key.span()).or(best);
                cur = t;
                i += 1;
            }
            Item::ArrayOfTables(a) => {
                best = key.span().or(best);
                match next {
                    Some(Step::Index(j)) => match a.get(*j) {
                        Some(t) => {
                            best = t.span().or(best);
                            cur = t;
                            i += 2;
                        }
                        None => break,
                    },
                    _ => break,
                }
            }
            Item::Value(v) => {
                best = v.span().or(key.span()).or(best);
                let mut v = v;
                let mut j = i + 1;
                // Descend into inline arrays and tables as far as the path goes.
                while j < steps.len() {
                    let child = match (&steps[j], v) {
                        (Step::Index(x), toml_edit::Value::Array(a)) => a.get(*x),
                        (Step::Key(x), toml_edit::Value::InlineTable(t)) => t.get(x),
                        _ => None,
                    };
                    match child {
                        Some(c) => {
                            best = c.span().or(best);
                            v = c;
                            j += 1;
                        }
                        None => break,
                    }
                }
                break;
            }
            Item::None => break,
        }
    }
    best.map(|r| to_origin(text, r))
}

/// The position of the key at the end of `path` (for unknown keys).
pub fn find_key(doc: &Document<String>, text: &str, path: &str) -> Option<Origin> {
    let (parent, key) = match path.rfind('.') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    };
    let mut item: &Item = doc.as_item();
    if !parent.is_empty() {
        for s in steps(parent) {
            match (s, item) {
                (Step::Key(k), Item::Table(t)) => item = t.get(k)?,
                _ => return None,
            }
        }
    }
    match item {
        Item::Table(t) => t
            .get_key_value(key)
            .and_then(|(k, _)| k.span())
            .map(|r| to_origin(text, r)),
        Item::Value(toml_edit::Value::InlineTable(t)) => t
            .get_key_value(key)
            .and_then(|(k, _)| k.span())
            .map(|r| to_origin(text, r)),
        _ => None,
    }
}

fn to_origin(text: &str, r: std::ops::Range<usize>) -> Origin {
    let (line, col) = line_col(text, r.start);
    Origin::File { line, col }
}
