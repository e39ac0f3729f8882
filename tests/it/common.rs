//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run the xpusim binary with `args` from the repository root.
pub fn xpusim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xpusim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the xpusim binary runs")
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A fresh temporary directory.
pub fn tmpdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// Read a file to a string.
pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `xpusim run CONFIG TRACE --out OUT -q`, which must succeed.
pub fn run_ok(config: &str, trace: &str, out: &Path) {
    let o = xpusim(&[
        "run",
        config,
        trace,
        "--out",
        out.to_str().expect("a UTF-8 path"),
        "-q",
    ]);
    assert!(o.status.success(), "{config} {trace}: {}", stderr(&o));
}

/// A run directory's `stats.json`.
pub fn run_stats(out: &Path) -> serde_json::Value {
    serde_json::from_str(&read(&out.join("stats.json"))).expect("stats.json is JSON")
}

/// The value of statistic `name` of component `comp` in a `stats.json`.
pub fn stat(stats: &serde_json::Value, comp: &str, name: &str) -> serde_json::Value {
    let c = stats["components"]
        .as_array()
        .expect("a components array")
        .iter()
        .find(|c| c["name"] == comp)
        .unwrap_or_else(|| panic!("no component {comp}"));
    c["stats"]
        .as_array()
        .expect("a stats array")
        .iter()
        .find(|x| x["name"] == name)
        .unwrap_or_else(|| panic!("no {comp}.{name}"))["value"]
        .clone()
}
