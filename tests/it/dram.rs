//! DRAM model: closed-form latencies and bounds, the timing checker on every pattern and
//! preset, input errors. Traces are generated here (small versions of the validation set's
//! patterns); expected values are derived by hand from the JEDEC parameters.

use xpusim::mem::dram::checker;
use xpusim::mem::dram::config::{
    DramConfig, MapperKind, RefreshKind, RowPolicyKind, SchedulerKind,
};
use xpusim::mem::dram::replay::{Summary, TraceReq, parse_trace, replay};
use xpusim::mem::dram::timing::Spec;

/// The presets of `configs/dram/` (standard, org, timing, channels).
const PRESETS: &[(&str, &str, &str, u32)] = &[
    ("DDR4", "DDR4_8Gb_x8", "DDR4_3200AA", 1),
    ("DDR5", "DDR5_16Gb_x8", "DDR5_4800AN", 1),
    ("HBM2", "HBM2_8Gb", "HBM2_2000Mbps", 1),
    ("HBM3", "HBM3_16Gb_8hi", "HBM3_6400Mbps", 1),
    ("GDDR6", "GDDR6_8Gb_x16", "GDDR6_14000_1250mV_double", 2),
    ("LPDDR5", "LPDDR5_8Gb_x16", "LPDDR5_6400", 1),
];

fn cfg(i: usize) -> DramConfig {
    let (s, o, t, c) = PRESETS[i];
    let mut c0 = DramConfig::new(s, o, t);
    c0.channels = c;
    c0
}

/// Geometry of a config: (tx bytes, channels, transactions per row, banks per channel, rows).
fn geo(c: &DramConfig) -> (u64, u64, u64, u64, u64) {
    let s = Spec::resolve(c).unwrap();
    let org = &s.org;
    (
        s.tx_bytes as u64,
        c.channels as u64,
        org.tx_per_row(s.standard.prefetch) as u64,
        org.banks() as u64,
        org.sizes[org.row_level] as u64,
    )
}

fn splitmix(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The validation set's patterns (gen_traces.py), scaled down to `n` requests.
fn pattern(c: &DramConfig, name: &str, n: u64) -> Vec<TraceReq> {
    let (tx, ch, k, b, r) = geo(c);
    let addr =
        |chn: u64, bank: u64, row: u64, col: u64| ((col + k * (bank + b * row)) * ch + chn) * tx;
    let ld = |a| TraceReq {
        addr: a,
        write: false,
    };
    match name {
        "seq_read" => (0..n).map(|i| ld(i * tx)).collect(),
        "rand_read" | "rand_mixed_2r1w" => {
            let mut s = if name == "rand_read" { 1 } else { 2 };
            let blocks = (1u64 << 30) / tx;
            (0..n)
                .map(|i| TraceReq {
                    addr: (splitmix(&mut s) % blocks) * tx,
                    write: name == "rand_mixed_2r1w" && i % 3 == 2,
                })
                .collect()
        }
        "strided_rowhit" => {
            let nb = ch * b;
            let mut v = Vec::new();
            'o: for g in 0.. {
                for col in 0..k {
                    for bb in 0..nb {
                        if v.len() as u64 == n {
                            break 'o;
                        }
                        v.push(ld(addr(bb % ch, bb / ch, g, col)));
                    }
                }
            }
            v
        }
        "bank_conflict" => (0..n).map(|i| ld(addr(0, 0, i % r, 0))).collect(),
        "idle_read" => vec![ld(0)],
        _ => unreachable!(),
    }
}

fn run_checked(c: &DramConfig, t: &[TraceReq]) -> Summary {
    let (s, sys) = replay(c, t, true).unwrap();
    let mut commands = 0;
    for (i, ch) in sys.channels.iter().enumerate() {
        let rep = checker::check(&sys.spec, ch.log.as_deref().unwrap(), 5);
        assert_eq!(
            rep.total, 0,
            "{} channel {i}: {:?}",
            c.standard, rep.violations
        );
        commands += rep.commands;
    }
    assert!(commands > 0);
    s
}

const PATTERNS: &[&str] = &[
    "seq_read",
    "rand_read",
    "rand_mixed_2r1w",
    "strided_rowhit",
    "bank_conflict",
    "idle_read",
];

#[test]
fn checker_finds_no_violation_on_any_pattern_for_any_preset() {
    for i in 0..PRESETS.len() {
        let c = cfg(i);
        for p in PATTERNS {
            let t = pattern(&c, p, 6000);
            let s = run_checked(&c, &t);
            assert_eq!(s.reads + s.writes, t.len() as u64, "{} {p}", c.standard);
            assert!(s.efficiency <= 1.0 + 1e-9, "{} {p}", c.standard);
        }
    }
}

#[test]
fn idle_read_latency_matches_hand_derivation() {
    // The request enters the queue at cycle 0 and is first scheduled at cycle 1.
    // DDR4-3200AA: ACT@1, RD@1+nRCD(22)=23, data at 23+nCL(22)+nBL(4)=49.
    // DDR5-4800AN: 2-cycle ACT and RD (offsets cancel): ACT@1, RD@35, +nCL 34 + nBL 8 = 77.
    // HBM2-2000: 2-cycle ACT: ACT@1, RD@1+nRCDRD(14)+1=16, +nCL 14 + nBL 2 = 32.
    // HBM3-6400 (half-clock ticks, tRCDRD 31 CK = 62 ticks, 1.5-CK ACT and 1-CK RD:
    // +2-1): ACT@1, RD legal at 64, issued on the next rising edge 65, +2*(nCL 20 + nBL 2) =
    // 109.
    // GDDR6-14000 (1250 mV): ACT@1, RD@1+nRCDRD(30)=31, +nCL 24 + nBL 2 = 57.
    // LPDDR5-6400: ACT-1@1, ACT-2@2, CAS (WCK sync)@1+nRCD(15)=16, RD@17, +nCL 17 + nBL 2 = 36.
    let want = [49, 77, 32, 109, 57, 36];
    for (i, w) in want.iter().enumerate() {
        let c = cfg(i);
        let s = run_checked(&c, &pattern(&c, "idle_read", 1));
        assert_eq!(s.cycles_to_complete, *w, "{}", c.standard);
        assert_eq!(s.avg_read_latency_cycles, *w as f64, "{}", c.standard);
        assert_eq!((s.row_hits, s.row_misses, s.row_conflicts), (0, 1, 0));
    }
}

#[test]
fn bank_conflict_costs_trc_plus_refresh_share() {
    // Every access needs PRE+ACT in the same bank: one request per tRC, stretched by the
    // fraction of time the rank spends refreshing: cycles/request ~= nRC * (1 + nRFC/nREFI).
    for i in [0usize, 2, 4] {
        let c = cfg(i);
        let spec = Spec::resolve(&c).unwrap();
        let rfc = spec.t("nRFC").max(spec.t("nRFCab"));
        let want = spec.t("nRC") as f64 * (1.0 + rfc as f64 / spec.t("nREFI") as f64);
        let n = 4000;
        let s = run_checked(&c, &pattern(&c, "bank_conflict", n));
        let got = s.cycles_to_complete as f64 / n as f64;
        assert!(
            (got / want - 1.0).abs() < 0.02,
            "{}: {got} cycles/request, expected {want}",
            c.standard
        );
        assert_eq!(s.row_hits, 0);
    }
}

#[test]
fn row_hit_streams_approach_peak_less_refresh() {
    // strided_rowhit keeps every data bus busy with row hits except while refreshing: the
    // efficiency is at most 1 - nRFC/nREFI and (with K hits per activation) close to it.
    for i in [0usize, 2] {
        let c = cfg(i);
        let spec = Spec::resolve(&c).unwrap();
        let bound = 1.0 - spec.t("nRFC") as f64 / spec.t("nREFI") as f64;
        let s = run_checked(&c, &pattern(&c, "strided_rowhit", 60_000));
        assert!(
            s.efficiency <= bound + 0.01,
            "{}: {}",
            c.standard,
            s.efficiency
        );
        assert!(
            s.efficiency >= bound - 0.1,
            "{}: {}",
            c.standard,
            s.efficiency
        );
    }
}

#[test]
fn checker_catches_a_shortened_constraint() {
    // Run the model with tRCD shortened to 10 and check its commands against the real table.
    let real = cfg(0);
    let mut short = real.clone();
    short.timing.insert("nRCD".into(), 10);
    let t = pattern(&real, "rand_read", 500);
    let (_, sys) = replay(&short, &t, true).unwrap();
    let spec = Spec::resolve(&real).unwrap();
    let rep = checker::check(&spec, sys.channels[0].log.as_deref().unwrap(), 3);
    assert!(rep.total > 0);
    let v = &rep.violations[0];
    assert!(v.rule.contains("ACT -> RD >= 22"), "{v}");
    let (pre, t0) = v.earlier.clone().unwrap();
    assert_eq!(pre, "ACT");
    assert_eq!(v.later.1 - t0, 10, "{v}");
    assert!(v.to_string().contains("Bank"), "{v}");
}

#[test]
fn checker_catches_a_shortened_window_constraint() {
    // tFAW 34 -> 16: four activates may now come closer than the real window allows.
    let real = cfg(0);
    let mut short = real.clone();
    short.timing.insert("nFAW".into(), 16);
    let t = pattern(&real, "rand_read", 2000);
    let (_, sys) = replay(&short, &t, true).unwrap();
    let spec = Spec::resolve(&real).unwrap();
    let rep = checker::check(&spec, sys.channels[0].log.as_deref().unwrap(), 3);
    assert!(rep.total > 0);
    assert!(
        rep.violations[0].rule.contains("4-th most recent"),
        "{}",
        rep.violations[0]
    );
}

#[test]
fn controller_variants_stay_legal() {
    // Every scheduler, row policy, refresh policy and mapper, checked on DDR4, HBM2, LPDDR5.
    for i in [0usize, 2, 5] {
        for (sched, rp, rf, map) in [
            (
                SchedulerKind::FrfcfsRowhit,
                RowPolicyKind::Open,
                RefreshKind::AllBank,
                MapperKind::RoCoBaRaCh,
            ),
            (
                SchedulerKind::Frfcfs,
                RowPolicyKind::Closed,
                RefreshKind::AllBank,
                MapperKind::ChRaBaRoCo,
            ),
            (
                SchedulerKind::Frfcfs,
                RowPolicyKind::Open,
                RefreshKind::PerBank,
                MapperKind::RoBaRaCoChXor,
            ),
        ] {
            let mut c = cfg(i);
            c.scheduler = sched;
            c.row_policy = rp;
            c.refresh = if c.standard == "DDR4" && rf == RefreshKind::PerBank {
                RefreshKind::None
            } else {
                rf
            };
            c.address_mapping = map;
            for p in ["rand_mixed_2r1w", "seq_read"] {
                let t = pattern(&c, p, 3000);
                let s = run_checked(&c, &t);
                assert_eq!(s.reads + s.writes, 3000);
            }
        }
    }
}

#[test]
fn closed_page_turns_hits_into_misses() {
    // With rows closed after `closed_row_cap` accesses, a sequential stream loses its hits.
    let mut c = cfg(0);
    c.row_policy = RowPolicyKind::Closed;
    c.closed_row_cap = 1;
    let t = pattern(&c, "seq_read", 2000);
    let closed = run_checked(&c, &t);
    let open = run_checked(&cfg(0), &t);
    assert!(open.row_hits > 1900);
    // Ramulator's ClosedCAP semantics: once a bank has had `cap` accesses, the next access
    // auto-precharges (or a precharge is queued), so with cap 1 each row serves 2 accesses.
    assert!(closed.row_hits <= 1000, "{}", closed.row_hits);
    assert!(closed.row_misses >= 1000, "{}", closed.row_misses);
}

#[test]
fn idle_dram_costs_no_evaluations() {
    // bank_conflict spends most cycles waiting for tRC: the controller evaluates only the
    // cycles where something can happen.
    let c = cfg(0);
    let s = run_checked(&c, &pattern(&c, "bank_conflict", 2000));
    assert!(
        s.evaluations * 5 < s.cycles_to_complete as u64,
        "{} evaluations for {} cycles",
        s.evaluations,
        s.cycles_to_complete
    );
}

#[test]
fn replay_is_deterministic() {
    let c = cfg(4);
    let t = pattern(&c, "rand_mixed_2r1w", 5000);
    let a = replay(&c, &t, false).unwrap().0;
    let b = replay(&c, &t, false).unwrap().0;
    assert_eq!(a, b);
}

#[test]
fn write_draining_serves_every_write() {
    // Writes only: the write queue drains between the watermarks; every write issues.
    let c = cfg(0);
    let t: Vec<TraceReq> = (0..3000u64)
        .map(|i| TraceReq {
            addr: i * 4096 * 7,
            write: true,
        })
        .collect();
    let s = run_checked(&c, &t);
    assert_eq!(s.writes, 3000);
    assert_eq!(s.commands.wr, 3000);
    assert_eq!(s.reads, 0);
}

#[test]
fn malformed_trace_lines_are_reported_with_file_and_line() {
    let e = parse_trace("LD 0x40\nST 0x80\nLOAD 0x10\n", "t.trace").unwrap_err();
    assert!(
        e.starts_with("t.trace:3: expected \"LD 0xADDR\" or \"ST 0xADDR\""),
        "{e}"
    );
    let e = parse_trace("LD 0xZZ\n", "x").unwrap_err();
    assert!(e.starts_with("x:1: expected"), "{e}");
    let e = parse_trace("LD\n", "x").unwrap_err();
    assert!(e.starts_with("x:1:"), "{e}");
    let ok = parse_trace("# comment\nLD 0x40\n\nST 128\n", "x").unwrap();
    assert_eq!(ok.len(), 2);
    assert!(ok[1].write && ok[1].addr == 128);
}

#[test]
fn config_errors_name_the_key_and_what_was_expected() {
    let mut c = cfg(0);
    c.timing.insert("nXYZ".into(), 3);
    c.org.insert("bank".into(), 3);
    c.write_low_watermark = 0.9;
    let errs = c.problems("memory");
    let keys: Vec<&str> = errs.iter().map(|(k, _)| k.as_str()).collect();
    assert!(keys.contains(&"memory.timing.nXYZ"), "{errs:?}");
    assert!(keys.contains(&"memory.org.bank"), "{errs:?}");
    assert!(keys.contains(&"memory.write_low_watermark"), "{errs:?}");
    let mut c = cfg(0);
    c.timing_preset = "DDR4_9999".into();
    let errs = c.problems("memory");
    assert_eq!(errs[0].0, "memory.timing_preset");
    assert!(errs[0].1.contains("DDR4_3200AA"), "{errs:?}");
    assert!(cfg(3).problems("memory").is_empty());
}

#[test]
fn timing_overrides_change_the_model() {
    // nCL + 10 adds exactly 10 cycles to the idle read.
    let mut c = cfg(0);
    c.timing.insert("nCL".into(), 32);
    let s = run_checked(&c, &pattern(&c, "idle_read", 1));
    assert_eq!(s.cycles_to_complete, 59);
}

mod cli {
    use std::path::Path;
    use xpusim::cli::dram::{DramArgs, run};

    fn args(dir: &Path, cfg: &str, trace: &str, check: bool) -> DramArgs {
        let c = dir.join("sys.toml");
        std::fs::write(&c, cfg).unwrap();
        let t = dir.join("t.trace");
        std::fs::write(&t, trace).unwrap();
        DramArgs {
            config: c,
            trace: t,
            out: dir.join("out"),
            check_timing: check,
        }
    }

    const DDR4: &str = "schema_version = 1\n[memory]\nkind = \"dram\"\nstandard = \"DDR4\"\norg_preset = \"DDR4_8Gb_x8\"\ntiming_preset = \"DDR4_3200AA\"\n";

    #[test]
    fn writes_summary_json_with_every_field() {
        let d = tempfile::tempdir().unwrap();
        let a = args(d.path(), DDR4, "LD 0x0\nST 0x40\nLD 0x80\n", true);
        run(&a).unwrap();
        let s: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(a.out.join("summary.json")).unwrap())
                .unwrap();
        for k in [
            "schema_version",
            "cycles_to_complete",
            "time_ns",
            "bandwidth_gbps",
            "peak_gbps",
            "efficiency",
            "avg_read_latency_cycles",
            "row_hits",
            "row_misses",
            "row_conflicts",
            "refreshes",
            "reads",
            "writes",
        ] {
            assert!(s.get(k).is_some(), "missing {k}");
        }
        assert_eq!(s["schema_version"], 1);
        assert_eq!(s["reads"], 2);
        assert_eq!(s["writes"], 1);
        assert_eq!(s["commands"]["ACT"], 1);
        assert_eq!(s["commands"]["RD"], 2);
        assert_eq!(s["commands"]["WR"], 1);
        // Peak: 64 B per 4 cycles of 625 ps.
        assert!((s["peak_gbps"].as_f64().unwrap() - 25.6).abs() < 1e-9);
        assert!(!a.out.join("summary.json.tmp").exists());
    }

    #[test]
    fn bad_trace_line_is_an_error_with_file_and_line() {
        let d = tempfile::tempdir().unwrap();
        let a = args(d.path(), DDR4, "LD 0x0\nLD 0xg0\n", false);
        let e = format!("{:#}", run(&a).unwrap_err());
        assert!(
            e.contains("t.trace:2: expected \"LD 0xADDR\" or \"ST 0xADDR\""),
            "{e}"
        );
    }

    #[test]
    fn bad_config_keys_are_named() {
        let d = tempfile::tempdir().unwrap();
        let cfg = DDR4.to_string() + "read_queue = 16\n";
        let e = format!(
            "{:#}",
            run(&args(d.path(), &cfg, "LD 0x0\n", false)).unwrap_err()
        );
        assert!(e.contains("read_queue"), "{e}");
        let cfg = DDR4.to_string() + "[memory.timing]\nnCL = -3\n";
        let e = format!(
            "{:#}",
            run(&args(d.path(), &cfg, "LD 0x0\n", false)).unwrap_err()
        );
        assert!(e.contains("memory.timing.nCL"), "{e}");
        let cfg = DDR4.replace("DDR4_3200AA", "DDR4_9999");
        let e = format!(
            "{:#}",
            run(&args(d.path(), &cfg, "LD 0x0\n", false)).unwrap_err()
        );
        assert!(
            e.contains("memory.timing_preset") && e.contains("DDR4_3200AA"),
            "{e}"
        );
    }

    #[test]
    fn shipped_configs_load() {
        for f in std::fs::read_dir("configs/dram").unwrap() {
            let p = f.unwrap().path();
            xpusim::cli::dram::load_config(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
    }
}

#[test]
fn empty_and_extreme_inputs_do_not_panic() {
    let c = cfg(0);
    let s = replay(&c, &[], false).unwrap().0;
    assert_eq!((s.requests, s.cycles_to_complete), (0, 0));
    // Addresses far beyond the capacity wrap instead of failing.
    let t = vec![
        TraceReq {
            addr: u64::MAX,
            write: false,
        },
        TraceReq {
            addr: u64::MAX - 63,
            write: true,
        },
    ];
    let s = run_checked(&c, &t);
    assert_eq!(s.reads + s.writes, 2);
    let mut bad = cfg(0);
    bad.channels = 0;
    assert!(
        replay(&bad, &t, false)
            .unwrap_err()
            .contains("memory.channels")
    );
    let mut bad = cfg(0);
    bad.read_queue_entries = 1 << 30;
    assert!(
        replay(&bad, &t, false)
            .unwrap_err()
            .contains("read_queue_entries")
    );
}

#[test]
fn skipping_idle_cycles_is_exact() {
    // The same replay with every controller evaluated at every cycle gives the same results
    // (and the same command log) as the event-driven one, for every controller variant.
    use xpusim::mem::dram::replay::replay_with;
    for i in 0..PRESETS.len() {
        let mut c = cfg(i);
        if i == 0 {
            c.row_policy = RowPolicyKind::Closed;
        }
        if i == 2 {
            c.scheduler = SchedulerKind::FrfcfsRowhit;
            c.refresh = RefreshKind::PerBank;
        }
        for p in ["rand_mixed_2r1w", "bank_conflict", "strided_rowhit"] {
            let t = pattern(&c, p, 1500);
            let (mut a, sa) = replay_with(&c, &t, true, false).unwrap();
            let (mut b, sb) = replay_with(&c, &t, true, true).unwrap();
            assert!(a.evaluations < b.evaluations, "{} {p}", c.standard);
            a.evaluations = 0;
            b.evaluations = 0;
            assert_eq!(a, b, "{} {p}", c.standard);
            for (x, y) in sa.channels.iter().zip(&sb.channels) {
                assert_eq!(x.log, y.log, "{} {p}", c.standard);
            }
        }
    }
}

#[test]
fn figures_for_analytical_models() {
    let c = cfg(0);
    assert!((c.peak_gbps().unwrap() - 25.6).abs() < 1e-9);
    // 49 cycles of 625 ps.
    assert!((c.idle_read_latency_ns().unwrap() - 30.625).abs() < 1e-9);
    // GDDR6: two 16-bit channels, 32 B per 2 x 570 ps each.
    let g = cfg(4);
    assert!((g.peak_gbps().unwrap() - 2.0 * 32.0 / 1.14).abs() < 1e-9);
}
