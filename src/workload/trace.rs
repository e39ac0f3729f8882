//! Trace readers: the TOML form and the compact one-op-per-line form.
//!
//! Both forms go through the same [`RawOp`] (a flat, `deny_unknown_fields` struct), so the
//! same keys mean the same thing in both, and the same checks apply. Every error names the
//! file and the 1-based line of the op (or of the offending line).

use super::{DType, EwFunc, Op, OpKind, TRACE_VERSION, Workload, WorkloadError};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// The first non-comment line of a compact trace.
pub const LINE_HEADER: &str = "xpusim-trace";

/// One op as written, before checking.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOp {
    /// Unique id.
    pub id: Option<String>,
    /// Kind: gemm, gemv, spgemm, elementwise, transfer.
    pub kind: Option<String>,
    /// GEMM rows.
    pub m: Option<i64>,
    /// GEMM/GEMV output columns.
    pub n: Option<i64>,
    /// GEMM/GEMV reduction dimension.
    pub k: Option<i64>,
    /// SpGEMM matrix A spec.
    pub a: Option<String>,
    /// SpGEMM matrix B spec.
    pub b: Option<String>,
    /// SpGEMM kernel.
    pub kernel: Option<String>,
    /// Element-wise function.
    pub func: Option<String>,
    /// Element-wise element count.
    pub elems: Option<i64>,
    /// Row length of row-wise functions.
    pub row_len: Option<i64>,
    /// Transfer size.
    pub bytes: Option<i64>,
    /// Element type.
    pub dtype: Option<String>,
    /// Weight bits.
    pub wbits: Option<i64>,
    /// Independent instances (gemm, gemv).
    pub batch: Option<i64>,
    /// Dependencies.
    pub deps: Option<Vec<String>>,
    /// Unit hint.
    pub unit: Option<String>,
    /// Report label.
    pub layer: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrace {
    format: Option<String>,
    version: Option<i64>,
    #[serde(default)]
    op: Vec<toml::Spanned<RawOp>>,
}

/// Read a trace file, choosing the form by extension (`.toml`: TOML, else compact).
pub fn read(path: &Path) -> Result<Workload, WorkloadError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| WorkloadError::Io {
        file: file.clone(),
        msg: format!("cannot read trace: {e}"),
    })?;
    if path.extension().is_some_and(|e| e == "toml") {
        parse_toml(&file, &text)
    } else {
        parse_lines(&file, &text)
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parse the TOML form.
pub fn parse_toml(file: &str, text: &str) -> Result<Workload, WorkloadError> {
    let raw: RawTrace = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
        WorkloadError::At {
            file: file.to_string(),
            line,
            msg: e.message().trim().to_string(),
        }
    })?;
    let at = |line: usize, msg: String| WorkloadError::At {
        file: file.to_string(),
        line,
        msg,
    };
    match raw.format.as_deref() {
        Some("xpusim-trace") => {}
        Some(other) => {
            return Err(at(
                1,
                format!("format = \"{other}\": expected \"xpusim-trace\""),
            ));
        }
        None => {
            return Err(at(
                1,
                "missing key `format`: expected format = \"xpusim-trace\"".into(),
            ));
        }
    }
    check_version(raw.version, |m| at(1, m))?;
    let ops: Vec<(usize, RawOp)> = raw
        .op
        .into_iter()
        .map(|s| (line_of(text, s.span().start), s.into_inner()))
        .collect();
    build(file, ops)
}

fn check_version(
    v: Option<i64>,
    err: impl Fn(String) -> WorkloadError,
) -> Result<(), WorkloadError> {
    match v {
        Some(v) if v == TRACE_VERSION as i64 => Ok(()),
        Some(v) => Err(err(format!(
            "trace version {v} is not supported: this xpusim reads version {TRACE_VERSION}"
        ))),
        None => Err(err(format!(
            "missing key `version`: expected version = {TRACE_VERSION}"
        ))),
    }
}

/// Parse the compact form: a header line `xpusim-trace 1`, then one op per line,
/// `<kind> key=value ...`; `#` starts a comment; values are TOML values or bare words;
/// `deps` is a comma-separated list.
pub fn parse_lines(file: &str, text: &str) -> Result<Workload, WorkloadError> {
    let at = |line: usize, msg: String| WorkloadError::At {
        file: file.to_string(),
        line,
        msg,
    };
    let mut ops = Vec::new();
    let mut header = false;
    for (i, raw_line) in text.lines().enumerate() {
        let ln = i + 1;
        let line = raw_line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut toks = line.split_whitespace();
        let first = toks.next().unwrap_or("");
        if !header {
            if first != LINE_HEADER {
                return Err(at(
                    ln,
                    format!(
                        "expected the header `{LINE_HEADER} {TRACE_VERSION}` (or a .toml trace), found `{first}`"
                    ),
                ));
            }
            let v = toks.next().and_then(|v| v.parse::<i64>().ok());
            check_version(v, |m| at(ln, m))?;
            header = true;
            continue;
        }
        let mut table = toml::Table::new();
        table.insert("kind".into(), toml::Value::String(first.to_string()));
        for tok in toks {
            let Some((k, v)) = tok.split_once('=') else {
                return Err(at(ln, format!("`{tok}`: expected key=value (e.g. m=128)")));
            };
            if table.contains_key(k) {
                return Err(at(ln, format!("key `{k}` given twice")));
            }
            let val = if k == "deps" {
                toml::Value::Array(
                    v.split(',')
                        .filter(|s| !s.is_empty())
                        .map(|s| toml::Value::String(s.to_string()))
                        .collect(),
                )
            } else if let Ok(i) = v.parse::<i64>() {
                toml::Value::Integer(i)
            } else {
                toml::Value::String(v.to_string())
            };
            table.insert(k.to_string(), val);
        }
        let op = RawOp::deserialize(toml::Value::Table(table))
            .map_err(|e| at(ln, e.message().trim().to_string()))?;
        ops.push((ln, op));
    }
    if !header {
        return Err(at(
            1,
            format!("empty trace: expected the header `{LINE_HEADER} {TRACE_VERSION}`"),
        ));
    }
    build(file, ops)
}

fn positive(line: usize, file: &str, key: &str, v: Option<i64>) -> Result<u64, WorkloadError> {
    match v {
        Some(x) if x > 0 => Ok(x as u64),
        Some(x) => Err(WorkloadError::At {
            file: file.into(),
            line,
            msg: format!("{key} = {x}: expected a positive integer"),
        }),
        None => Err(WorkloadError::At {
            file: file.into(),
            line,
            msg: format!("missing key `{key}`"),
        }),
    }
}

fn parse_enum<T: Copy>(
    line: usize,
    file: &str,
    key: &str,
    v: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<T, WorkloadError> {
    all.iter()
        .copied()
        .find(|x| name(*x) == v)
        .ok_or_else(|| WorkloadError::At {
            file: file.into(),
            line,
            msg: format!(
                "{key} = \"{v}\": expected one of {}",
                all.iter().map(|x| name(*x)).collect::<Vec<_>>().join(", ")
            ),
        })
}

/// Keys allowed for each kind, besides the common ones.
fn kind_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "gemm" => &["m", "n", "k", "wbits", "batch"],
        "gemv" => &["n", "k", "wbits", "batch"],
        "spgemm" => &["a", "b", "kernel"],
        "elementwise" => &["func", "elems", "row_len"],
        "transfer" => &["bytes"],
        _ => &[],
    }
}

/// Check raw ops and resolve dependencies into a workload.
pub fn build(file: &str, raw: Vec<(usize, RawOp)>) -> Result<Workload, WorkloadError> {
    let err = |line: usize, msg: String| WorkloadError::At {
        file: file.to_string(),
        line,
        msg,
    };
    let mut index: HashMap<String, (u32, usize)> = HashMap::new();
    for (i, (line, r)) in raw.iter().enumerate() {
        let Some(id) = &r.id else {
            return Err(err(*line, "missing key `id`".into()));
        };
        if id.is_empty() || id.contains(|c: char| c.is_whitespace() || c == ',') {
            return Err(err(
                *line,
                format!("id \"{id}\": expected a non-empty name without spaces or commas"),
            ));
        }
        if let Some((_, first)) = index.insert(id.clone(), (i as u32, *line)) {
            return Err(err(
                *line,
                format!("duplicate op id `{id}` (first defined at line {first})"),
            ));
        }
    }
    let mut ops = Vec::with_capacity(raw.len());
    for (line, r) in raw {
        let id = r.id.clone().unwrap_or_default();
        let kind_name = r
            .kind
            .clone()
            .ok_or_else(|| err(line, format!("op `{id}`: missing key `kind`")))?;
        let known = ["gemm", "gemv", "spgemm", "elementwise", "transfer"];
        if !known.contains(&kind_name.as_str()) {
            return Err(err(
                line,
                format!(
                    "op `{id}`: kind = \"{kind_name}\": expected one of {}",
                    known.join(", ")
                ),
            ));
        }
        // Keys that do not belong to this kind are errors, not silently ignored.
        let present: [(&str, bool); 12] = [
            ("batch", r.batch.is_some()),
            ("m", r.m.is_some()),
            ("n", r.n.is_some()),
            ("k", r.k.is_some()),
            ("a", r.a.is_some()),
            ("b", r.b.is_some()),
            ("kernel", r.kernel.is_some()),
            ("func", r.func.is_some()),
            ("elems", r.elems.is_some()),
            ("row_len", r.row_len.is_some()),
            ("bytes", r.bytes.is_some()),
            ("wbits", r.wbits.is_some()),
        ];
        let allowed = kind_keys(&kind_name);
        for (key, is) in present {
            if is && !allowed.contains(&key) {
                return Err(err(
                    line,
                    format!(
                        "op `{id}`: key `{key}` does not apply to kind {kind_name} (it takes {})",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        let p = |key: &str, v: Option<i64>| positive(line, file, key, v);
        let kind = match kind_name.as_str() {
            "gemm" => OpKind::Gemm {
                m: p("m", r.m)?,
                n: p("n", r.n)?,
                k: p("k", r.k)?,
            },
            "gemv" => OpKind::Gemv {
                n: p("n", r.n)?,
                k: p("k", r.k)?,
            },
            "spgemm" => OpKind::SpGemm {
                a: r.a
                    .clone()
                    .ok_or_else(|| err(line, format!("op `{id}`: missing key `a`")))?,
                b: r.b
                    .clone()
                    .ok_or_else(|| err(line, format!("op `{id}`: missing key `b`")))?,
                kernel: r.kernel.clone(),
            },
            "elementwise" => {
                let fname = r
                    .func
                    .clone()
                    .ok_or_else(|| err(line, format!("op `{id}`: missing key `func`")))?;
                let func = parse_enum(line, file, "func", &fname, &EwFunc::ALL, EwFunc::name)?;
                let elems = p("elems", r.elems)?;
                let row_len = match r.row_len {
                    None => None,
                    Some(v) => Some(p("row_len", Some(v))?),
                };
                if row_len.is_some() && !func.is_row_wise() {
                    return Err(err(
                        line,
                        format!(
                            "op `{id}`: row_len only applies to row-wise functions (softmax, layernorm, rmsnorm, reduce)"
                        ),
                    ));
                }
                OpKind::Elementwise {
                    func,
                    elems,
                    row_len,
                }
            }
            _ => OpKind::Transfer {
                bytes: p("bytes", r.bytes)?,
            },
        };
        let dtype = match &r.dtype {
            None => DType::default(),
            Some(d) => parse_enum(line, file, "dtype", d, &DType::ALL, DType::name)?,
        };
        let wbits = match r.wbits {
            None => None,
            Some(w) if (1..=16).contains(&w) => Some(w as u8),
            Some(w) => {
                return Err(err(
                    line,
                    format!("op `{id}`: wbits = {w}: expected an integer from 1 to 16"),
                ));
            }
        };
        let batch = match r.batch {
            None => 1,
            Some(v) => p("batch", Some(v))?,
        };
        let mut deps = Vec::new();
        for d in r.deps.clone().unwrap_or_default() {
            match index.get(&d) {
                Some((j, _)) => {
                    if !deps.contains(j) {
                        deps.push(*j)
                    }
                }
                None => {
                    return Err(err(line, format!("op `{id}` depends on unknown op `{d}`")));
                }
            }
        }
        ops.push(Op {
            id,
            kind,
            dtype,
            wbits,
            batch,
            deps,
            unit: r.unit.clone(),
            layer: r.layer.clone(),
            addrs: Default::default(),
            line,
        });
    }
    if ops.is_empty() {
        return Err(err(0, "the trace has no ops".into()));
    }
    Workload::new(file, ops)
}

/// Write a workload in the compact form (used by generators and converters).
pub fn to_lines(w: &Workload) -> String {
    let mut s = format!("{LINE_HEADER} {TRACE_VERSION}\n");
    for op in &w.ops {
        s.push_str(op.kind.name());
        s.push_str(&format!(" id={}", op.id));
        match &op.kind {
            OpKind::Gemm { m, n, k } => s.push_str(&format!(" m={m} n={n} k={k}")),
            OpKind::Gemv { n, k } => s.push_str(&format!(" n={n} k={k}")),
            OpKind::SpGemm { a, b, kernel } => {
                s.push_str(&format!(" a={a} b={b}"));
                if let Some(k) = kernel {
                    s.push_str(&format!(" kernel={k}"));
                }
            }
            OpKind::Elementwise {
                func,
                elems,
                row_len,
            } => {
                s.push_str(&format!(" func={} elems={elems}", func.name()));
                if let Some(r) = row_len {
                    s.push_str(&format!(" row_len={r}"));
                }
            }
            OpKind::Transfer { bytes } => s.push_str(&format!(" bytes={bytes}")),
        }
        s.push_str(&format!(" dtype={}", op.dtype));
        if op.batch != 1 {
            s.push_str(&format!(" batch={}", op.batch));
        }
        if let Some(wb) = op.wbits {
            s.push_str(&format!(" wbits={wb}"));
        }
        if !op.deps.is_empty() {
            let d: Vec<&str> = op
                .deps
                .iter()
                .map(|&i| w.ops[i as usize].id.as_str())
                .collect();
            s.push_str(&format!(" deps={}", d.join(",")));
        }
        if let Some(u) = &op.unit {
            s.push_str(&format!(" unit={u}"));
        }
        if let Some(l) = &op.layer {
            s.push_str(&format!(" layer={l}"));
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse_lines("t.xtr", text).unwrap_err().to_string()
    }

    #[test]
    fn compact_and_toml_forms_agree() {
        let lines = "xpusim-trace 1\n# comment\ngemm id=a m=2 n=3 k=4\nelementwise id=b func=gelu elems=6 deps=a unit=vector\n";
        let toml = r#"
format = "xpusim-trace"
version = 1
[[op]]
id = "a"
kind = "gemm"
m = 2
n = 3
k = 4
[[op]]
id = "b"
kind = "elementwise"
func = "gelu"
elems = 6
deps = ["a"]
unit = "vector"
"#;
        let w1 = parse_lines("t", lines).unwrap();
        let w2 = parse_toml("t", toml).unwrap();
        assert_eq!(w1.ops.len(), 2);
        for (x, y) in w1.ops.iter().zip(&w2.ops) {
            assert_eq!(
                (&x.id, &x.kind, &x.deps, &x.unit),
                (&y.id, &y.kind, &y.deps, &y.unit)
            );
        }
        assert_eq!(w1.ops[0].macs(), 24);
        // Round trip through the writer (line numbers aside).
        let w3 = parse_lines("t", &to_lines(&w1)).unwrap();
        for (x, y) in w1.ops.iter().zip(&w3.ops) {
            assert_eq!(
                x,
                &Op {
                    line: x.line,
                    ..y.clone()
                }
            );
        }
    }

    #[test]
    fn errors_name_line_and_expectation() {
        assert_eq!(
            err("xpusim-trace 1\ngemm id=a m=0 n=1 k=1\n"),
            "t.xtr:2: m = 0: expected a positive integer"
        );
        assert_eq!(
            err("xpusim-trace 1\ngemm id=a m=1 n=1 k=1 deps=zz\n"),
            "t.xtr:2: op `a` depends on unknown op `zz`"
        );
        assert_eq!(
            err("xpusim-trace 1\nconv id=a\n"),
            "t.xtr:2: op `a`: kind = \"conv\": expected one of gemm, gemv, spgemm, elementwise, transfer"
        );
        assert_eq!(
            err("xpusim-trace 1\ngemm id=a m=1 n=1 k=1\ngemm id=a m=1 n=1 k=1\n"),
            "t.xtr:3: duplicate op id `a` (first defined at line 2)"
        );
        assert!(
            err("xpusim-trace 1\ngemm id=a m=1 n=1 k=1 frob=2\n")
                .starts_with("t.xtr:2: unknown field `frob`")
        );
        assert_eq!(
            err("xpusim-trace 2\n"),
            "t.xtr:1: trace version 2 is not supported: this xpusim reads version 1"
        );
    }

    #[test]
    fn cycles_are_named() {
        let e = err(
            "xpusim-trace 1\ntransfer id=a bytes=1 deps=c\ntransfer id=b bytes=1 deps=a\ntransfer id=c bytes=1 deps=b\ntransfer id=d bytes=1\n",
        );
        assert_eq!(e, "t.xtr: dependency cycle: a -> b -> c -> a");
    }

    #[test]
    fn addresses_are_disjoint_and_aligned() {
        let w = parse_lines(
            "t",
            "xpusim-trace 1\ngemm id=a m=3 n=5 k=7\ngemv id=b n=9 k=11 wbits=4\n",
        )
        .unwrap();
        let mut regions = Vec::new();
        for op in &w.ops {
            let b = op.operand_bytes();
            for (base, len) in [(op.addrs.a, b.a), (op.addrs.b, b.b), (op.addrs.c, b.c)] {
                assert_eq!(base % super::super::REGION_ALIGN, 0);
                regions.push((base, base + len));
            }
        }
        regions.sort();
        for p in regions.windows(2) {
            assert!(p[0].1 <= p[1].0);
        }
        // 4-bit weights: 9*11 elements at half a byte.
        assert_eq!(w.ops[1].operand_bytes().b, 50);
    }
}
