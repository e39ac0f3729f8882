//! PIUMA / SMASH: products checked against independent references, closed-form checks of
//! the machine (issue rate, latency hiding, atomic contention, bank conflicts, barriers,
//! access granularity) and of the kernels on tiny matrices, error reporting, determinism.

use std::collections::BTreeMap;
use std::sync::Arc;
use xpusim::stats::StatSet;
use xpusim::units::piuma::core::{Kernel, Machine, Op};
use xpusim::units::piuma::offload::Scope;
use xpusim::units::piuma::spad::SpadOp;
use xpusim::units::piuma::{KernelKind, PiumaConfig, StandaloneMem, run_standalone, verify};
use xpusim::workload::sparse::{SparseMatrix, load_spec};

fn mtx(name: &str) -> Arc<SparseMatrix> {
    Arc::new(load_spec(&format!("mtx:traces/spgemm/{name}.mtx"), None).unwrap())
}

fn stat(s: &StatSet, name: &str) -> f64 {
    s.get(name)
        .and_then(|v| v.as_f64())
        .unwrap_or_else(|| panic!("no statistic {name}"))
}

/// A plain Gustavson product with an ordered map per row: the test's own reference.
fn reference(a: &SparseMatrix, b: &SparseMatrix) -> Vec<BTreeMap<u32, f64>> {
    (0..a.nrows)
        .map(|i| {
            let mut row = BTreeMap::new();
            for (&k, &av) in a.row_cols(i).iter().zip(a.row_vals(i)) {
                for (&j, &bv) in b.row_cols(k as usize).iter().zip(b.row_vals(k as usize)) {
                    *row.entry(j).or_insert(0.0) += av * bv;
                }
            }
            row
        })
        .collect()
}

fn small_cfg() -> PiumaConfig {
    PiumaConfig {
        cores: 2,
        ..Default::default()
    }
}

#[test]
fn sprs_product_agrees_with_the_reference_gustavson() {
    // The unit verifies against sprs; check sprs against a product written here.
    let a = mtx("west0067");
    let r = reference(&a, &a);
    let nnz: usize = r.iter().map(|m| m.len()).sum();
    assert_eq!(nnz, 1061, "README: nnz(A*A) of west0067");
    let mut out = Vec::new();
    for (i, m) in r.iter().enumerate() {
        for (&j, &v) in m {
            out.push((i as u32, j, v));
        }
    }
    let v = verify(&a, &a, &out);
    assert!(v.ok() && v.max_rel_err < 1e-12, "{v:?}");
}

#[test]
fn every_kernel_matches_sprs_on_shared_and_generated_matrices() {
    let cfg = small_cfg();
    let inputs: Vec<(String, Arc<SparseMatrix>, Arc<SparseMatrix>)> = vec![
        ("west0067".into(), mtx("west0067"), mtx("west0067")),
        ("jagmesh7".into(), mtx("jagmesh7"), mtx("jagmesh7")),
        ("qh1484".into(), mtx("qh1484"), mtx("qh1484")),
        (
            "rmat".into(),
            Arc::new(load_spec("rmat:scale=9,edge_factor=4,seed=3", None).unwrap()),
            Arc::new(load_spec("rmat:scale=9,edge_factor=4,seed=3", None).unwrap()),
        ),
        (
            "uniform*banded".into(),
            Arc::new(load_spec("uniform:n=300,cols=200,nnz_per_row=5,seed=2", None).unwrap()),
            Arc::new(load_spec("banded:n=200,bandwidth=3,density=0.7,seed=5", None).unwrap()),
        ),
    ];
    for (name, a, b) in inputs {
        let products = a.gustavson_products(&b);
        for k in KernelKind::ALL {
            // The textbook all-pairs inner product visits rows x cols pairs: small inputs
            // only (it has its own test below).
            if k == KernelKind::InnerAllPairs && a.nrows * b.ncols > 300_000 {
                continue;
            }
            let r = run_standalone(&cfg, k, a.clone(), b.clone(), StandaloneMem::default())
                .unwrap_or_else(|e| panic!("{name} {k:?}: {e}"));
            let v = verify(&a, &b, &r.output);
            assert!(v.ok(), "{name} {k:?}: {v:?}");
            // fp32 tokens in v2/v3; f64 elsewhere (summation order differs from sprs).
            let tol = if matches!(k, KernelKind::SmashV2 | KernelKind::SmashV3) {
                1e-4
            } else {
                1e-12
            };
            assert!(v.max_rel_err < tol, "{name} {k:?}: {v:?}");
            // The partial products the kernel executed are exactly Gustavson's.
            let done = match k {
                KernelKind::Inner | KernelKind::InnerAllPairs => stat(&r.stats, "inner_matches"),
                _ => stat(&r.stats, "hash_inserts"),
            };
            assert_eq!(done as u64, products, "{name} {k:?}");
            if k == KernelKind::Outer {
                assert_eq!(stat(&r.stats, "partials_written") as u64, products);
            }
            if !matches!(k, KernelKind::Inner | KernelKind::InnerAllPairs) {
                assert_eq!(
                    stat(&r.stats, "hash_new_keys") as u64,
                    v.nnz_ref,
                    "{name} {k:?}"
                );
            }
        }
    }
}

#[test]
fn the_all_pairs_inner_product_visits_every_pair_and_fetches_every_non_empty_column() {
    // uniform 40 x 30 (3 per row, so every row is non-empty) times a banded 30 x 30 with
    // some empty columns removed by a density < 1: pairs = 40 * 30 (one column-pointer
    // load each), column fetches = 40 * (non-empty columns of B), dot products written =
    // nnz(C); the symbolic variant fetches a column once per output entry.
    let a = Arc::new(load_spec("uniform:n=40,cols=30,nnz_per_row=3,seed=4", None).unwrap());
    let b = Arc::new(load_spec("banded:n=30,bandwidth=1,density=0.3,seed=2", None).unwrap());
    let bt = b.transpose();
    let nonempty_cols = (0..bt.nrows).filter(|&j| bt.row_len(j) > 0).count() as u64;
    assert!(nonempty_cols < 30, "the test needs empty columns");
    let cfg = small_cfg();
    let all = run_standalone(
        &cfg,
        KernelKind::InnerAllPairs,
        a.clone(),
        b.clone(),
        StandaloneMem::default(),
    )
    .unwrap();
    let v = verify(&a, &b, &all.output);
    assert!(v.ok() && v.max_rel_err < 1e-12, "{v:?}");
    assert_eq!(stat(&all.stats, "inner_pairs") as u64, 40 * 30);
    assert_eq!(
        stat(&all.stats, "inner_column_fetches") as u64,
        40 * nonempty_cols
    );
    assert_eq!(stat(&all.stats, "inner_dots") as u64, v.nnz_ref);
    let sym = run_standalone(
        &cfg,
        KernelKind::Inner,
        a.clone(),
        b.clone(),
        StandaloneMem::default(),
    )
    .unwrap();
    assert_eq!(stat(&sym.stats, "inner_column_fetches") as u64, v.nnz_ref);
    assert_eq!(stat(&sym.stats, "inner_pairs") as u64, v.nnz_ref);
    // Same multiplications either way.
    assert_eq!(
        stat(&all.stats, "inner_matches"),
        stat(&sym.stats, "inner_matches")
    );
    assert!(all.cycles > sym.cycles);
}

#[test]
fn identity_times_identity_has_no_collisions_with_the_mask_hash() {
    // keys are row * 2^6 + col with row == col < 64: r * 65 mod 256 is injective, so the
    // mask hash puts every key in its own slot.
    let mut cfg = small_cfg();
    cfg.hash.func = "mask".into();
    let i64m = Arc::new(load_spec("banded:n=64,bandwidth=0", None).unwrap());
    for k in [KernelKind::Smash, KernelKind::SmashV2] {
        let r = run_standalone(
            &cfg,
            k,
            i64m.clone(),
            i64m.clone(),
            StandaloneMem::default(),
        )
        .unwrap();
        assert_eq!(stat(&r.stats, "hash_inserts"), 64.0);
        assert_eq!(stat(&r.stats, "hash_probes"), 64.0);
        assert_eq!(stat(&r.stats, "hash_collisions"), 0.0);
        assert_eq!(stat(&r.stats, "hash_new_keys"), 64.0);
        let v = verify(&i64m, &i64m, &r.output);
        assert!(v.ok(), "{v:?}");
    }
    // v1: one CAS per new key and one floating add per product.
    let r = run_standalone(
        &cfg,
        KernelKind::Smash,
        i64m.clone(),
        i64m,
        StandaloneMem::default(),
    )
    .unwrap();
    assert_eq!(stat(&r.stats, "spad_cas"), 64.0);
    assert_eq!(stat(&r.stats, "spad_float_adds"), 64.0);
}

#[test]
fn dense_block_accumulates_every_product_atomically() {
    // A = B = 8x8 of ones: 512 products merge into 64 entries of value 8.
    let d = Arc::new(load_spec("banded:n=8,bandwidth=8", None).unwrap());
    assert_eq!(d.nnz(), 64);
    let r = run_standalone(
        &small_cfg(),
        KernelKind::Smash,
        d.clone(),
        d.clone(),
        StandaloneMem::default(),
    )
    .unwrap();
    assert_eq!(stat(&r.stats, "hash_inserts"), 512.0);
    assert_eq!(stat(&r.stats, "hash_new_keys"), 64.0);
    assert_eq!(stat(&r.stats, "spad_float_adds"), 512.0);
    // Every successful or failed CAS is counted; exactly 64 succeed.
    assert_eq!(
        stat(&r.stats, "spad_cas") - stat(&r.stats, "spad_cas_failures"),
        64.0
    );
    assert_eq!(r.output.len(), 64);
    assert!(r.output.iter().all(|e| e.2 == 8.0), "{:?}", r.output);
}

#[test]
fn one_row_times_identity_copies_the_row() {
    let t = "%%MatrixMarket matrix coordinate real general\n1 50 5\n1 3 1.5\n1 7 2\n1 20 -1\n1 33 4\n1 50 0.5\n";
    let a = Arc::new(xpusim::workload::sparse::parse_matrix_market("row.mtx", t).unwrap());
    let i = Arc::new(load_spec("banded:n=50,bandwidth=0", None).unwrap());
    for k in KernelKind::ALL {
        let r = run_standalone(
            &small_cfg(),
            k,
            a.clone(),
            i.clone(),
            StandaloneMem::default(),
        )
        .unwrap();
        let mut out = r.output.clone();
        out.sort_by_key(|e| e.1);
        assert_eq!(
            out,
            vec![
                (0, 2, 1.5),
                (0, 6, 2.0),
                (0, 19, -1.0),
                (0, 32, 4.0),
                (0, 49, 0.5)
            ],
            "{k:?}"
        );
    }
}

#[test]
fn adversarial_keys_probe_quadratically() {
    // One row whose 100 columns are multiples of 256: with the mask hash on a 256-slot
    // table they all share slot 0, so insert q needs q + 1 probes: 5050 in all.
    let mut t = String::from("%%MatrixMarket matrix coordinate real general\n1 25600 100\n");
    for q in 0..100 {
        t.push_str(&format!("1 {} 1\n", 256 * q + 1));
    }
    let b = Arc::new(xpusim::workload::sparse::parse_matrix_market("b.mtx", &t).unwrap());
    let a = Arc::new(load_spec("banded:n=1,bandwidth=0", None).unwrap());
    let mut cfg = small_cfg();
    cfg.hash.func = "mask".into();
    let r = run_standalone(
        &cfg,
        KernelKind::Smash,
        a.clone(),
        b.clone(),
        StandaloneMem::default(),
    )
    .unwrap();
    assert_eq!(stat(&r.stats, "hash_max_slots"), 256.0);
    assert_eq!(stat(&r.stats, "hash_probes"), 5050.0);
    assert_eq!(stat(&r.stats, "hash_collisions"), 4950.0);
    assert_eq!(stat(&r.stats, "max_probes"), 100.0);
    // The multiplicative hash spreads them.
    cfg.hash.func = "multiplicative".into();
    let r = run_standalone(&cfg, KernelKind::Smash, a, b, StandaloneMem::default()).unwrap();
    assert!(stat(&r.stats, "hash_probes") < 200.0);
}

/// A synthetic kernel: every thread runs the same list of operations `reps` times.
struct Loop {
    ops: Vec<Op>,
    reps: u64,
    pos: Vec<(u64, usize)>,
    out: Vec<(u32, u32, f64)>,
}

impl Loop {
    fn new(threads: usize, ops: Vec<Op>, reps: u64) -> Self {
        Loop {
            ops,
            reps,
            pos: vec![(0, 0); threads],
            out: vec![],
        }
    }
}

impl Kernel for Loop {
    fn next(&mut self, tid: u32, _ret: u64) -> Op {
        let (r, i) = &mut self.pos[tid as usize];
        if *r == self.reps {
            return Op::Done;
        }
        let op = self.ops[*i];
        *i += 1;
        if *i == self.ops.len() {
            *i = 0;
            *r += 1;
        }
        op
    }
    fn phases(&self) -> &'static [&'static str] {
        &["run"]
    }
    fn stats(&self, _out: &mut StatSet) {}
    fn output(&self) -> &[(u32, u32, f64)] {
        &self.out
    }
}

fn one_mtp(threads: u32) -> PiumaConfig {
    PiumaConfig {
        cores: 1,
        mtp_per_core: 1,
        threads_per_mtp: threads,
        stp_per_core: 0,
        ..Default::default()
    }
}

fn run_loop(cfg: &PiumaConfig, ops: Vec<Op>, reps: u64, mem: StandaloneMem) -> (u64, Machine) {
    let n = cfg.cores * cfg.threads_per_core();
    let k = Loop::new(n as usize, ops, reps);
    let mut m = Machine::new(cfg, Box::new(k), mem.backend(cfg.freq_mhz));
    let end = m.run_standalone().unwrap();
    (end, m)
}

#[test]
fn one_mtp_issues_one_instruction_per_cycle() {
    // 16 threads x (100 ALU instructions of latency 1 + the final Done): issue-bound,
    // one slot per cycle, so the last issues at cycle 16 * 101 - 1.
    let (end, _) = run_loop(
        &one_mtp(16),
        vec![Op::Alu(1)],
        100,
        StandaloneMem::default(),
    );
    assert_eq!(end, 1615);
    // One thread alone with latency 4: one instruction every 4 cycles (0, 4, ..., 396),
    // then Done at 400.
    let mut c = one_mtp(1);
    c.alu_latency_cycles = 4;
    let (end, _) = run_loop(&c, vec![Op::Alu(1)], 100, StandaloneMem::default());
    assert_eq!(end, 400);
}

#[test]
fn threads_hide_memory_latency_as_littles_law_says() {
    // Each thread does dependent 8-byte loads. Round trip: memory latency L = 100 cycles
    // (100 ns at 1 GHz) + 2 x 20 network + 1 port cycle = 141 cycles; the memory pipe is
    // made wide enough not to matter. With T threads the MTP completes T loads per round
    // trip while T < 141 (research notes 5.5: throughput min(1, T / latency)).
    let mem = StandaloneMem {
        latency_ns: 100.0,
        bw_gbps: 1.0e6,
    };
    let rtt = 141.0;
    for t in [1u32, 8, 32] {
        let c = one_mtp(t);
        let reps = 50;
        let (end, _) = run_loop(&c, vec![Op::DramRead { addr: 0, bytes: 8 }], reps, mem);
        let expect = reps as f64 * rtt;
        let err = (end as f64 - expect).abs() / expect;
        assert!(err < 0.02, "T={t}: {end} cycles, expected about {expect}");
    }
}

#[test]
fn atomics_on_one_word_serialise_at_the_atomic_unit() {
    // 16 threads x 50 fetch-adds on one word: the bank's atomic unit takes
    // spad_atomic_occupancy_cycles = 2 per operation, so 800 atomics take about 1600
    // cycles, and the word ends at 800 (the adds are real).
    let c = one_mtp(16);
    let op = Op::Spad {
        core: 0,
        word: 40,
        op: SpadOp::Add(1),
    };
    let (end, m) = run_loop(&c, vec![op], 50, StandaloneMem::default());
    assert_eq!(m.spads[0].words[40], 800);
    assert!((1600..=1610).contains(&end), "{end}");
    assert!(m.spads[0].stats.conflict_cycles > 0);
    // Loads of 16 words on 16 different banks, in the same order by every thread, never
    // meet in a bank (round-robin issue puts them a cycle apart): issue-bound, 16 x (16
    // loads + Done) slots, the last at cycle 271, with no bank conflict.
    let ops: Vec<Op> = (0..16)
        .map(|w| Op::Spad {
            core: 0,
            word: w,
            op: SpadOp::Load,
        })
        .collect();
    let (end, m) = run_loop(&c, ops, 1, StandaloneMem::default());
    assert_eq!(end, 271);
    assert_eq!(m.spads[0].stats.conflict_cycles, 0);
}

#[test]
fn barrier_releases_after_the_tree_latency() {
    // 16 threads of one MTP (a Pipe barrier): the last arrives at cycle 15, release
    // 2 * ceil(log2 16) * 2 = 16 cycles later (cycle 31), then the 16 threads retire one
    // per cycle: the last Done issues at cycle 46.
    let c = one_mtp(16);
    let (end, m) = run_loop(
        &c,
        vec![Op::Barrier(Scope::Pipe)],
        1,
        StandaloneMem::default(),
    );
    assert_eq!(m.stats.barriers, 1);
    assert_eq!(end, 46);
}

#[test]
fn eight_byte_granularity_moves_eight_times_fewer_bytes_than_lines() {
    let ops: Vec<Op> = (0..64)
        .map(|i| Op::DramRead {
            addr: 4096 * i + 8 * (i % 7),
            bytes: 8,
        })
        .collect();
    let mut c = one_mtp(4);
    let (_, m8) = run_loop(&c, ops.clone(), 1, StandaloneMem::default());
    c.dram_access_bytes = 64;
    let (_, m64) = run_loop(&c, ops, 1, StandaloneMem::default());
    let b8 = m8.mem.stats.read_bytes;
    let b64 = m64.mem.stats.read_bytes;
    assert_eq!(b8, 4 * 64 * 8);
    assert_eq!(b64, 8 * b8);
}

#[test]
fn runs_are_deterministic() {
    let a = mtx("jagmesh7");
    let cfg = small_cfg();
    for k in [KernelKind::SmashV2, KernelKind::Outer] {
        let r1 = run_standalone(&cfg, k, a.clone(), a.clone(), StandaloneMem::default()).unwrap();
        let r2 = run_standalone(&cfg, k, a.clone(), a.clone(), StandaloneMem::default()).unwrap();
        assert_eq!(r1.cycles, r2.cycles);
        assert_eq!(r1.stats, r2.stats);
        assert_eq!(r1.output, r2.output);
    }
}

#[test]
fn inputs_the_machine_cannot_hold_are_errors_not_panics() {
    let a = Arc::new(load_spec("uniform:n=64,cols=70000,nnz_per_row=3,seed=1", None).unwrap());
    let b = Arc::new(load_spec("uniform:n=70000,cols=70000,nnz_per_row=2,seed=1", None).unwrap());
    let mut cfg = small_cfg();
    cfg.spad_kib = 64;
    let e = run_standalone(
        &cfg,
        KernelKind::Inner,
        a.clone(),
        b.clone(),
        StandaloneMem::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("bitmap"), "{e}");
    let e = run_standalone(
        &cfg,
        KernelKind::Smash,
        a.clone(),
        a.clone(),
        StandaloneMem::default(),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("A is 64 x 70000 but B is 64 x 70000"),
        "{e}"
    );
    let e = load_spec("mtx:traces/spgemm/missing.mtx", None).unwrap_err();
    assert!(
        e.to_string().starts_with("traces/spgemm/missing.mtx:"),
        "{e}"
    );
}

/// `xpusim run configs/piuma.toml traces/spgemm/smoke.toml`: every kernel's product agrees
/// with sprs's, and the unit reports SMASH's speedup over both baselines.
#[test]
fn run_through_the_engine_reports_verified_products_and_speedups() {
    use super::common::{run_ok, run_stats, stat, stderr, tmpdir, xpusim};
    let t = tmpdir();
    let out = t.path().join("run");
    run_ok("configs/piuma.toml", "traces/spgemm/smoke.toml", &out);
    let s = run_stats(&out);
    let get = |n: &str| stat(&s, "piuma0", n);
    assert_eq!(get("ops"), 5);
    assert_eq!(get("verify_failures"), 0);
    for k in ["smash", "smash-v2", "smash-v3", "inner", "outer"] {
        assert_eq!(get(&format!("op.west0067.{k}.verify")), "pass");
        assert_eq!(get(&format!("op.west0067.{k}.verify_nnz_ref")), 1061);
    }
    assert!(get("speedup.west0067.smash_over_inner").as_f64().unwrap() > 0.0);
    assert!(get("speedup.west0067.smash_over_outer").as_f64().unwrap() > 0.0);
    // A missing matrix file stops the run with an error naming the file.
    let bad = t.path().join("bad.toml");
    std::fs::write(
        &bad,
        "format = \"xpusim-trace\"\nversion = 1\n[[op]]\nid = \"x\"\nkind = \"spgemm\"\na = \"mtx:nope.mtx\"\nb = \"mtx:nope.mtx\"\n",
    )
    .unwrap();
    let o = xpusim(&["run", "configs/piuma.toml", bad.to_str().unwrap(), "-q"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("nope.mtx"), "{}", stderr(&o));
}

#[test]
fn empty_products_finish_with_an_empty_result() {
    let z = Arc::new(load_spec("uniform:n=10,nnz_per_row=0", None).unwrap());
    for k in KernelKind::ALL {
        let r = run_standalone(
            &small_cfg(),
            k,
            z.clone(),
            z.clone(),
            StandaloneMem::default(),
        )
        .unwrap_or_else(|e| panic!("{k:?}: {e}"));
        assert!(r.output.is_empty(), "{k:?}");
        assert!(verify(&z, &z, &r.output).ok());
    }
}

/// Energy: one thread runs a hand-written program; its action counts and energy are
/// counted here by hand and priced with the documented defaults of `[energy]`.
#[test]
fn energy_actions_match_a_hand_count() {
    use xpusim::stats::energy::EnergyConfig;
    let cfg = one_mtp(1);
    let sp = |op| Op::Spad {
        core: 0,
        word: 7,
        op,
    };
    let prog = vec![
        Op::Alu(3),                            // 3 ALU instructions
        sp(SpadOp::Load),                      // 1 read
        sp(SpadOp::Store(5)),                  // 1 write
        sp(SpadOp::Cas { expect: 5, new: 6 }), // 1 atomic
        sp(SpadOp::FAdd(1.0)),                 // 1 atomic
        Op::Dma {
            addr: 4096,
            bytes: 60,
            write: false,
            wait: true,
        }, // 8 words written into the scratchpad (60 B rounded up to words)
        Op::Dma {
            addr: 8192,
            bytes: 16,
            write: true,
            wait: true,
        }, // 2 words read out of the scratchpad
        Op::DramRead { addr: 0, bytes: 8 },
    ];
    // Twice, then Done.
    let (end, m) = run_loop(&cfg, prog, 2, StandaloneMem::default());
    let mut s = StatSet::default();
    m.export(end, &mut s);
    // ALU: 2 x 3. Memory/control: 2 x 7 (load, store, CAS, FAdd, 2 DMA, DRAM read) + Done.
    assert_eq!(stat(&s, "piuma_alu_instr"), 6.0);
    assert_eq!(stat(&s, "piuma_mem_instr"), 15.0);
    assert_eq!(stat(&s, "instructions"), 21.0);
    assert_eq!(stat(&s, "spad_read_word"), 2.0 * (1.0 + 2.0));
    assert_eq!(stat(&s, "spad_write_word"), 2.0 * (1.0 + 8.0));
    assert_eq!(stat(&s, "spad_atomic"), 4.0);
    // Defaults: 70 pJ per instruction, 52.5 pJ per word, 105 pJ per atomic:
    // 21 * 70 + 6 * 52.5 + 18 * 52.5 + 4 * 105 = 1470 + 315 + 945 + 420 = 3150 pJ.
    let terms = EnergyConfig::default().terms(&[("piuma0".into(), s)]);
    let piuma: f64 = terms
        .iter()
        .filter(|t| {
            matches!(
                t.action.as_str(),
                "piuma_alu_instr"
                    | "piuma_mem_instr"
                    | "spad_read_word"
                    | "spad_write_word"
                    | "spad_atomic"
            )
        })
        .map(|t| t.energy_pj)
        .sum();
    assert!((piuma - 3150.0).abs() < 1e-9, "{piuma}");
    assert!(terms.iter().all(|t| t.pj_each.is_some()), "{terms:?}");
}

/// Operand regions of spgemm ops are sized from the matrices: every op's A, B and C
/// regions are disjoint from every other region, 4 KiB aligned, and hold what the unit
/// lays out there (A and B in CSR and CSC; C's entries at 16 bytes, at least nnz(C)).
#[test]
fn spgemm_operand_regions_are_sized_from_the_matrices_and_disjoint() {
    use xpusim::units::piuma::layout::Compressed;
    use xpusim::workload::sparse::output_bound;
    let w = xpusim::workload::trace::parse_lines(
        "t.xtr",
        "xpusim-trace 1\n\
         spgemm id=s1 a=mtx:traces/spgemm/west0067.mtx b=mtx:traces/spgemm/west0067.mtx\n\
         transfer id=t bytes=100\n\
         spgemm id=s2 a=uniform:n=300,cols=200,nnz_per_row=5,seed=2 b=banded:n=200,bandwidth=3 kernel=outer\n\
         spgemm id=s3 a=mtx:traces/spgemm/west0067.mtx b=mtx:traces/spgemm/west0067.mtx kernel=inner\n",
    )
    .unwrap();
    // Two distinct matrices for s1 and s3 (loaded once), two for s2.
    assert_eq!(w.sparse.len(), 3);
    let mut regions = Vec::new();
    for (i, op) in w.ops.iter().enumerate() {
        let b = w.region_bytes(i);
        for (base, len) in [(op.addrs.a, b.a), (op.addrs.b, b.b), (op.addrs.c, b.c)] {
            assert_eq!(base % 4096, 0);
            regions.push((base, base + len, op.id.clone()));
        }
        if let xpusim::workload::OpKind::SpGemm { a, b: bs, .. } = &op.kind {
            let (ma, mb) = (w.sparse.get(a).unwrap(), w.sparse.get(bs).unwrap());
            // A then A^T inside region A; B then B^T inside region B.
            let la = Compressed::new(op.addrs.a, ma);
            let lat = Compressed::new(la.end, &ma.transpose());
            assert_eq!(lat.end, op.addrs.a + b.a);
            let lb = Compressed::new(op.addrs.b, mb);
            let lbt = Compressed::new(lb.end, &mb.transpose());
            assert_eq!(lbt.end, op.addrs.b + b.b);
            let nnz_c = verify(ma, mb, &[]).nnz_ref;
            assert!(b.c >= 16 * nnz_c && b.c == 16 * output_bound(ma, mb));
            assert!(b.a > 0 && b.b > 0);
        }
    }
    regions.sort();
    for p in regions.windows(2) {
        assert!(p[0].1 <= p[1].0, "{p:?}");
    }
    let end = regions.iter().map(|r| r.1).max().unwrap();
    assert!(w.addr_end >= end && w.addr_end.is_multiple_of(4096));
}

/// `xpusim run configs/piuma-ddr5.toml traces/spgemm/smoke.toml`: all kernels run on the
/// JEDEC DRAM model with one request per access, verify, and the memory receives exactly
/// the requests the unit counts (one per 8-byte access or DMA descriptor).
#[test]
fn kernels_run_on_the_dram_model_with_one_request_per_access() {
    use super::common::{run_ok, run_stats, stat, tmpdir};
    let t = tmpdir();
    let out = t.path().join("run");
    run_ok("configs/piuma-ddr5.toml", "traces/spgemm/smoke.toml", &out);
    let s = run_stats(&out);
    let get = |comp: &str, n: &str| stat(&s, comp, n);
    assert_eq!(get("piuma0", "verify_failures"), 0);
    let (mut reqs, mut accesses) = (0, 0);
    for k in ["smash", "smash-v2", "smash-v3", "inner", "outer"] {
        let op = |n: &str| {
            get("piuma0", &format!("op.west0067.{k}.{n}"))
                .as_u64()
                .unwrap()
        };
        assert_eq!(get("piuma0", &format!("op.west0067.{k}.verify")), "pass");
        reqs += op("dram_requests");
        accesses += op("dram_read_accesses") + op("dram_write_accesses");
    }
    assert_eq!(reqs, accesses, "access batching: one request per access");
    assert_eq!(get("memory", "requests").as_u64().unwrap(), reqs);
    let rows = ["row_hits", "row_misses", "row_conflicts"]
        .iter()
        .map(|n| get("memory", n).as_u64().unwrap())
        .sum::<u64>();
    assert!(rows > 0);
}
