//! Embeds every preset under `configs/` into the binary.
//!
//! - `configs/presets/<section>/<name>.toml`: a preset for one config section
//!   (selected with `preset = "<name>"` inside `[<section>]`).
//! - `configs/<name>.toml`: a whole-system preset (selected with a top-level
//!   `preset = "<name>"`, or by giving `<name>` instead of a config file path).

use std::fs;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=configs");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
    let mut entries: Vec<(String, String, String)> = Vec::new();
    let mut scan = |dir: &Path, section: &str| {
        println!("cargo:rerun-if-changed={}", dir.display());
        let Ok(rd) = fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "toml") {
                let name = p.file_stem().unwrap().to_string_lossy().to_string();
                entries.push((section.to_string(), name, p.display().to_string()));
            }
        }
    };
    scan(&root, "");
    if let Ok(rd) = fs::read_dir(root.join("presets")) {
        let mut dirs: Vec<_> = rd.flatten().filter(|e| e.path().is_dir()).collect();
        dirs.sort_by_key(|e| e.path());
        for d in dirs {
            let section = d.file_name().to_string_lossy().to_string();
            scan(&d.path(), &section);
        }
    }
    entries.sort();
    let mut out = String::from(
        "/// (section, name, TOML text); section \"\" is a whole-system preset.\npub static PRESETS: &[(&str, &str, &str)] = &[\n",
    );
    for (s, n, p) in &entries {
        out.push_str(&format!("    ({s:?}, {n:?}, include_str!({p:?})),\n"));
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("presets.rs");
    fs::write(dest, out).unwrap();
}
