//! Every file in `tests/bad_inputs/` is a bad config (`cfg_*.toml`) or a bad trace
//! (`trace_*`). Its first line says `# expect: <text>`; `xpusim run` on it (with a good
//! partner from `tests/data/`) must exit with code 2, print that text on stderr, and not
//! panic or write a run directory.

use super::common::*;

#[test]
fn each_bad_input_gives_its_message() {
    let dir = root().join("tests/bad_inputs");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 20, "the folder holds the bad inputs");
    let mut failures = Vec::new();
    for f in &files {
        let text = read(f);
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{}: first line must be `# expect: ...`", f.display()))
            .to_string();
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let out = tmpdir();
        let outdir = out.path().join("run");
        let rel = format!("tests/bad_inputs/{name}");
        let (cfg, trace) = if name.starts_with("cfg_") {
            (rel.clone(), "tests/data/small.xtr".to_string())
        } else {
            ("tests/data/vec.toml".to_string(), rel.clone())
        };
        let o = xpusim(&["run", &cfg, &trace, "--out", outdir.to_str().unwrap()]);
        let err = stderr(&o);
        if o.status.code() != Some(2)
            || !err.contains(&expect)
            || err.contains("panicked")
            || outdir.exists()
        {
            failures.push(format!(
                "{name}: exit {:?}, stderr:\n{err}\nexpected: {expect}",
                o.status.code()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}

#[test]
fn config_check_reports_three_mistakes_with_lines() {
    let o = xpusim(&[
        "config",
        "check",
        "tests/bad_inputs/cfg_three_mistakes.toml",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("cfg_three_mistakes.toml:4:9: vector.lanes: -1: expected an integer >= 1"),
        "{e}"
    );
    assert!(
        e.contains("cfg_three_mistakes.toml:5:12: vector.freq_mhz: \"fast\": expected a number"),
        "{e}"
    );
    assert!(
        e.contains("cfg_three_mistakes.toml:7:1: sim.sed: unknown key `sed`"),
        "{e}"
    );
    assert!(e.contains("3 problems found"), "{e}");
}

#[test]
fn missing_files_are_named() {
    let o = xpusim(&["run", "tests/data/nope.toml", "tests/data/small.xtr"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("tests/data/nope.toml: no such config file"),
        "{}",
        stderr(&o)
    );
    let o = xpusim(&["run", "tests/data/vec.toml", "tests/data/nope.xtr"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("tests/data/nope.xtr: cannot read trace"),
        "{}",
        stderr(&o)
    );
}
