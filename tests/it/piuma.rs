//! PIUMA / SMASH: products checked against independent references, closed-form checks.

use std::sync::Arc;
use xpusim::units::piuma::{KernelKind, PiumaConfig, StandaloneMem, run_standalone, verify};
use xpusim::workload::sparse::{SparseMatrix, load_spec};

fn mtx(name: &str) -> Arc<SparseMatrix> {
    Arc::new(load_spec(&format!("mtx:traces/spgemm/{name}.mtx"), None).unwrap())
}

#[test]
fn smash_west0067_matches_sprs() {
    let a = mtx("west0067");
    let cfg = PiumaConfig::default();
    for k in [KernelKind::Smash, KernelKind::SmashV2, KernelKind::SmashV3] {
        let r = run_standalone(&cfg, k, a.clone(), a.clone(), StandaloneMem::default()).unwrap();
        let v = verify(&a, &a, &r.output);
        eprintln!("{k:?}: cycles {} {v:?}", r.cycles);
        assert!(v.ok(), "{k:?}: {v:?}");
        assert_eq!(v.nnz_ref, 1061);
    }
}

#[test]
fn baselines_west0067_match_sprs() {
    let a = mtx("west0067");
    let cfg = PiumaConfig::default();
    for k in [KernelKind::Inner, KernelKind::Outer] {
        let r = run_standalone(&cfg, k, a.clone(), a.clone(), StandaloneMem::default()).unwrap();
        let v = verify(&a, &a, &r.output);
        eprintln!("{k:?}: cycles {} {v:?}", r.cycles);
        assert!(v.ok(), "{k:?}: {v:?}");
    }
}
