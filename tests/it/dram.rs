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
        assert_eq!(s["schema_version"], 2);
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

// ---------------------------------------------------------------------------------------
// Energy: hand calculations from the datasheet currents (docs/DRAM.md, Energy).
// ---------------------------------------------------------------------------------------

/// Hand-derived prices of one part: (ACT+PRE pair, read burst, write burst, all-bank refresh,
/// active-standby tick, precharge-standby tick) in pJ, and the power domains per channel. Each
/// is `devices x sum over rails of V x (current difference, mA) x (time, ns)` with the
/// currents typed from the source named in `presets.rs` and the times from the JEDEC timings.
fn hand_prices(standard: &str) -> ([f64; 6], u64) {
    match standard {
        "DDR4" => {
            // DRAMsim3 DDR4_8Gb_x8_3200: VDD 1.2 V, IDD0 57, IDD2N 37, IDD3N 52, IDD4R 168,
            // IDD4W 150, IDD5B 250 mA; VPP 2.5 V, IPP 3 mA in every state but refresh (28).
            // tCK 0.625 ns: tRC 74, tRAS 52, burst 4, tRFC 576 cycles. 8 x8 devices.
            let (tck, d) = (0.625, 8.0);
            let (rc, ras, bl, rfc) = (74.0 * tck, 52.0 * tck, 4.0 * tck, 576.0 * tck);
            (
                [
                    d * (1.2 * (57.0 * rc - 52.0 * ras - 37.0 * (rc - ras))
                        + 2.5 * (3.0 * rc - 3.0 * ras - 3.0 * (rc - ras))),
                    d * 1.2 * (168.0 - 52.0) * bl,
                    d * 1.2 * (150.0 - 52.0) * bl,
                    d * (1.2 * (250.0 - 52.0) + 2.5 * (28.0 - 3.0)) * rfc,
                    d * (1.2 * 52.0 + 2.5 * 3.0) * tck,
                    d * (1.2 * 37.0 + 2.5 * 3.0) * tck,
                ],
                1,
            )
        }
        "DDR5" => {
            // gem5 / Micron 16 Gb DDR5-4800: VDD 1.1 V, IDD0 122, IDD2N 92, IDD3N 142, IDD4R
            // 530, IDD4W 479, IDD5B 277 mA. tCK 0.416 ns: tRC 111, tRAS 77, burst 8, tRFC 710.
            // 4 x8 devices on a 32-bit channel. IDD3N has all 32 banks open: the activation
            // baseline is the bank-wise one-bank current (142 + 31 (0.5 (142 - 92) + 92)) / 32.
            let (tck, d) = (0.416, 4.0);
            let (rc, ras, bl, rfc) = (111.0 * tck, 77.0 * tck, 8.0 * tck, 710.0 * tck);
            let i1 = (142.0 + 31.0 * (0.5 * (142.0 - 92.0) + 92.0)) / 32.0;
            (
                [
                    d * 1.1 * (122.0 * rc - i1 * ras - 92.0 * (rc - ras)),
                    d * 1.1 * (530.0 - 142.0) * bl,
                    d * 1.1 * (479.0 - 142.0) * bl,
                    d * 1.1 * (277.0 - 142.0) * rfc,
                    d * 1.1 * 142.0 * tck,
                    d * 1.1 * 92.0 * tck,
                ],
                1,
            )
        }
        "HBM2" => {
            // DRAMsim3 HBM2_8Gb_x128 (one 128-bit channel): VDD 1.2 V, IDD0 65, IDD2N 40,
            // IDD3N 55, IDD4R 390, IDD4W 500, IDD5AB 250 mA; a pseudo-channel is half of it.
            // tCK 1 ns: tRC 48, tRAS 34, burst 2, tRFC 350. 2 pseudo-channels.
            let d = 0.5;
            let (rc, ras, bl, rfc) = (48.0, 34.0, 2.0, 350.0);
            (
                [
                    d * 1.2 * (65.0 * rc - 55.0 * ras - 40.0 * (rc - ras)),
                    d * 1.2 * (390.0 - 55.0) * bl,
                    d * 1.2 * (500.0 - 55.0) * bl,
                    d * 1.2 * (250.0 - 55.0) * rfc,
                    d * 1.2 * 55.0,
                    d * 1.2 * 40.0,
                ],
                2,
            )
        }
        "HBM3" => {
            // Estimate: HBM2's currents at 1.1 V, IDD4 increments x1.6 (591, 767 mA). Ticks of
            // 0.3125 ns: tRC 144, tRAS 90, burst 4, tRFC 1120 ticks. 2 pseudo-channels.
            let (tick, d) = (0.3125, 0.5);
            let (rc, ras, bl, rfc) = (144.0 * tick, 90.0 * tick, 4.0 * tick, 1120.0 * tick);
            (
                [
                    d * 1.1 * (65.0 * rc - 55.0 * ras - 40.0 * (rc - ras)),
                    d * 1.1 * (591.0 - 55.0) * bl,
                    d * 1.1 * (767.0 - 55.0) * bl,
                    d * 1.1 * (250.0 - 55.0) * rfc,
                    d * 1.1 * 55.0 * tick,
                    d * 1.1 * 40.0 * tick,
                ],
                2,
            )
        }
        "GDDR6" => {
            // DRAMsim3 GDDR6_8Gb_x16 (per 16-bit channel): IDD0 71, IDD2N 60, IDD3N 61, IDD4R
            // 248, IDD4W 231, IDD5AB 286 mA, at the 1.25 V of the 1250 mV bin. tCK 0.57 ns:
            // tRC 90, tRAS 60, burst 2, tRFCab 211. One domain per channel.
            let tck = 0.57;
            let (rc, ras, bl, rfc) = (90.0 * tck, 60.0 * tck, 2.0 * tck, 211.0 * tck);
            (
                [
                    1.25 * (71.0 * rc - 61.0 * ras - 60.0 * (rc - ras)),
                    1.25 * (248.0 - 61.0) * bl,
                    1.25 * (231.0 - 61.0) * bl,
                    1.25 * (286.0 - 61.0) * rfc,
                    1.25 * 61.0 * tck,
                    1.25 * 60.0 * tck,
                ],
                1,
            )
        }
        "LPDDR5" => {
            // Estimate from DRAMSys' JEDEC LPDDR4-3200 x16 memspec: VDD2H 1.05 V (IDD0 45,
            // IDD2N 27, IDD3N 30, IDD4R 520, IDD4W 390, IDD5 90), VDD1 1.8 V (3.5, 2.0, 2.25,
            // 2.25, 2.25, 10), VDDQ 0.5 V (0.75 in every state, IDD4RQ 299.25, IDD4WQ 109.25).
            // tCK 1.25 ns: tRC 49, tRAS 34, burst 2, tRFCab 168.
            let tck = 1.25;
            let (rc, ras, bl, rfc) = (49.0 * tck, 34.0 * tck, 2.0 * tck, 168.0 * tck);
            let pre = rc - ras;
            (
                [
                    1.05 * (45.0 * rc - 30.0 * ras - 27.0 * pre)
                        + 1.8 * (3.5 * rc - 2.25 * ras - 2.0 * pre)
                        + 0.5 * (0.75 * rc - 0.75 * ras - 0.75 * pre),
                    (1.05 * (520.0 - 30.0) + 0.5 * (299.25 - 0.75)) * bl,
                    (1.05 * (390.0 - 30.0) + 0.5 * (109.25 - 0.75)) * bl,
                    (1.05 * (90.0 - 30.0) + 1.8 * (10.0 - 2.25)) * rfc,
                    (1.05 * 30.0 + 1.8 * 2.25 + 0.5 * 0.75) * tck,
                    (1.05 * 27.0 + 1.8 * 2.0 + 0.5 * 0.75) * tck,
                ],
                1,
            )
        }
        _ => unreachable!(),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn command_prices_match_hand_calculations() {
    use xpusim::mem::dram::power::PowerModel;
    for i in 0..PRESETS.len() {
        let c = cfg(i);
        let spec = Spec::resolve(&c).unwrap();
        let p = PowerModel::resolve(&c, &spec).unwrap().prices;
        let (h, _) = hand_prices(&c.standard);
        let got = [
            p.act_pj,
            p.rd_pj,
            p.wr_pj,
            p.ref_pj,
            p.bg_active_pj,
            p.bg_precharged_pj,
        ];
        for (k, (g, w)) in got.iter().zip(h).enumerate() {
            assert!(close(*g, w), "{} price {k}: {g} != {w}", c.standard);
        }
    }
}

/// N reads to one row of an idle device: one ACT, N read bursts, no refresh; the domain of the
/// row is in active standby from the ACT to the end, every other domain in precharge standby.
#[test]
fn reads_to_one_open_row_cost_act_plus_bursts_plus_background() {
    let n = 16u64;
    for i in 0..PRESETS.len() {
        let c = cfg(i);
        let (tx, ch, _, _, _) = geo(&c);
        // Columns 0..n of channel 0, bank 0, row 0 (column bits lowest, then channel bits).
        let t: Vec<TraceReq> = (0..n)
            .map(|col| TraceReq {
                addr: col * ch * tx,
                write: false,
            })
            .collect();
        let (s, sys) = replay(&c, &t, true).unwrap();
        assert_eq!(s.refreshes, 0, "{}", c.standard);
        let spec = &sys.spec;
        let log = sys.channels[0].log.as_deref().unwrap();
        let acts: Vec<_> = log
            .iter()
            .filter(|x| spec.commands[x.cmd as usize].opening)
            .collect();
        assert_eq!(acts.len(), 1, "{}", c.standard);
        let t_act = acts[0].clk as f64;
        let end = s.cycles_to_complete as f64;
        let (h, domains) = hand_prices(&c.standard);
        let all = (domains * c.channels as u64) as f64;
        let want =
            h[0] + n as f64 * h[1] + h[4] * (end - t_act) + h[5] * (t_act + (all - 1.0) * end);
        assert!(
            close(s.energy.total_pj, want),
            "{}: {} pJ, hand {} pJ",
            c.standard,
            s.energy.total_pj,
            want
        );
        assert!(close(s.energy.by_kind.rd_pj, n as f64 * h[1]));
        assert!(close(s.energy.by_kind.act_pj, h[0]));
        // Average power is energy over time.
        assert!(close(s.energy.average_power_mw, want / s.time_ns));
    }
}

/// Background time recomputed from the command log by marking, tick by tick, when each power
/// domain has a bank open or is refreshing (a different method from the model's interval
/// bookkeeping), on a run long enough to refresh, with writes and per-bank refresh.
#[test]
fn background_time_agrees_with_the_command_log() {
    use xpusim::mem::dram::timing::CmdKind;
    for i in 0..PRESETS.len() {
        for per_bank in [false, true] {
            let mut c = cfg(i);
            let spec = Spec::resolve(&c).unwrap();
            if per_bank {
                c.refresh = RefreshKind::PerBank;
                if !c.problems("memory").is_empty() {
                    continue;
                }
            }
            let t = pattern(&c, "rand_mixed_2r1w", 2500);
            let (s, sys) = replay(&c, &t, true).unwrap();
            assert!(s.refreshes > 0, "{}", c.standard);
            let end = s.cycles_to_complete as usize;
            let org = &spec.org;
            let domains = org.nodes[spec.refresh_level];
            let span = org.banks() / domains;
            let rfc = spec
                .timing
                .get("nRFCab")
                .or(spec.timing.get("nRFC"))
                .copied()
                .unwrap() as usize;
            let rfcpb = spec.t("nRFCpb") as usize;
            let mut active = 0u64;
            for chn in &sys.channels {
                let mut mark = vec![vec![false; end]; domains];
                let mut opened: Vec<Option<usize>> = vec![None; org.banks()];
                let fill = |m: &mut Vec<bool>, a: usize, b: usize| {
                    for x in m.iter_mut().take(b.min(end)).skip(a) {
                        *x = true;
                    }
                };
                for x in chn.log.as_deref().unwrap() {
                    let ci = &spec.commands[x.cmd as usize];
                    let clk = x.clk as usize;
                    let bl = org.bank_level;
                    let banks: Vec<usize> = if ci.all_bank {
                        let depth = x.loc.depth as usize;
                        let per = org.nodes[bl] / org.nodes[depth];
                        let s0 = x.loc.node[depth] as usize * per;
                        (s0..s0 + per).collect()
                    } else {
                        vec![x.loc.node[bl] as usize]
                    };
                    match ci.kind {
                        CmdKind::Act | CmdKind::Act1 => opened[banks[0]] = Some(clk),
                        CmdKind::PrePb | CmdKind::PreAb | CmdKind::Rda | CmdKind::Wra => {
                            for b in banks {
                                if let Some(o) = opened[b].take() {
                                    fill(&mut mark[b / span], o, clk);
                                }
                            }
                        }
                        CmdKind::RefAb => fill(&mut mark[banks[0] / span], clk, clk + rfc),
                        CmdKind::RefPb => fill(&mut mark[banks[0] / span], clk, clk + rfcpb),
                        _ => {}
                    }
                }
                for (b, o) in opened.iter().enumerate() {
                    if let Some(o) = o {
                        fill(&mut mark[b / span], *o, end);
                    }
                }
                active += mark.iter().flatten().filter(|&&x| x).count() as u64;
            }
            let get = |k: &str| {
                s.energy
                    .actions
                    .iter()
                    .find(|a| a.action == k)
                    .unwrap()
                    .count
            };
            let total = (domains * end * sys.channels.len()) as u64;
            assert_eq!(
                get("dram_bg_active_cycles"),
                active,
                "{} {per_bank}",
                c.standard
            );
            assert_eq!(
                get("dram_bg_precharged_cycles"),
                total - active,
                "{} {per_bank}",
                c.standard
            );
            let (h, _) = hand_prices(&c.standard);
            // Every command term is count x hand price.
            let acts = get("dram_act") as f64;
            assert!(close(s.energy.by_kind.act_pj, acts * h[0]));
            assert!(close(s.energy.by_kind.wr_pj, s.commands.wr as f64 * h[2]));
            if !per_bank {
                assert!(close(s.energy.by_kind.ref_pj, s.refreshes as f64 * h[3]));
            }
        }
    }
}

#[test]
fn power_overrides_change_the_prices_and_bad_values_are_named() {
    use xpusim::mem::dram::power::PowerModel;
    let mut c = cfg(0);
    c.power.vdd.idd4r_ma = Some(268.0);
    c.power.io_read_pj_per_bit = Some(1.5);
    let spec = Spec::resolve(&c).unwrap();
    let p = PowerModel::resolve(&c, &spec).unwrap().prices;
    // 8 devices x 1.2 V x (268 - 52) mA x 2.5 ns, plus 1.5 pJ x 512 bits.
    assert!(close(p.rd_pj, 8.0 * 1.2 * 216.0 * 2.5 + 1.5 * 512.0));
    c.power.devices = Some(0.0);
    c.power.vpp.volts = Some(-2.5);
    let probs = c.problems("memory");
    let keys: Vec<&str> = probs.iter().map(|(k, _)| k.as_str()).collect();
    assert!(keys.contains(&"memory.power.devices"), "{probs:?}");
    assert!(keys.contains(&"memory.power.vpp.volts"), "{probs:?}");
}

/// Prices given directly under `[memory.power]` replace the derived ones: 16 reads to one row
/// with ACT 1000 pJ, RD 10 pJ and no background cost 1000 + 16 x 10 pJ.
#[test]
fn direct_price_overrides_replace_the_derived_prices() {
    let mut c = cfg(0);
    c.power.act_pj = Some(1000.0);
    c.power.rd_pj = Some(10.0);
    c.power.bg_active_pj_per_tick = Some(0.0);
    c.power.bg_precharged_pj_per_tick = Some(0.0);
    let (tx, ch, _, _, _) = geo(&c);
    let t: Vec<TraceReq> = (0..16)
        .map(|col| TraceReq {
            addr: col * ch * tx,
            write: false,
        })
        .collect();
    let (s, _) = replay(&c, &t, false).unwrap();
    assert!(close(s.energy.total_pj, 1160.0), "{}", s.energy.total_pj);
    c.power.ref_pj = Some(-1.0);
    let probs = c.problems("memory");
    assert!(
        probs.iter().any(|(k, _)| k == "memory.power.ref_pj"),
        "{probs:?}"
    );
}

/// A fingerprint (FNV-1a) of a replay: the decision-dependent summary figures and every issued
/// command (tick, command, target).
fn fingerprint(c: &DramConfig, t: &[TraceReq]) -> (u64, u64) {
    let (s, sys) = replay(c, t, true).unwrap();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |x: u64| {
        for b in x.to_le_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x100_0000_01b3);
        }
    };
    for v in [
        s.cycles_to_complete as u64,
        s.reads,
        s.writes,
        s.avg_read_latency_cycles.to_bits(),
        s.row_hits,
        s.row_misses,
        s.row_conflicts,
        s.reads_forwarded,
        s.writes_coalesced,
        s.refreshes,
    ] {
        eat(v);
    }
    let mut n = 0;
    for ch in &sys.channels {
        for i in ch.log.as_deref().unwrap() {
            eat(i.clk as u64);
            eat(i.cmd as u64);
            for v in i.loc.node {
                eat(v as u64);
            }
            eat(i.loc.row as u64);
            eat(i.loc.col as u64);
            n += 1;
        }
    }
    (h, n)
}

/// Reads and writes confined to a few rows of a few banks: row hits, conflicts, forwarding
/// and coalescing all happen.
fn hot_pattern(c: &DramConfig, n: u64, seed: u64) -> Vec<TraceReq> {
    let (tx, ch, k, b, _) = geo(c);
    let mut s = seed;
    (0..n)
        .map(|_| {
            let r = splitmix(&mut s);
            let (chn, bank, row, col) = (
                r % ch,
                (r >> 8) % b.min(4),
                (r >> 16) % 3,
                (r >> 24) % k.min(8),
            );
            TraceReq {
                addr: ((col + k * (bank + b * row)) * ch + chn) * tx,
                write: (r >> 40).is_multiple_of(3),
            }
        })
        .collect()
}

/// Not a check: prints a fingerprint of the command log of many configurations and patterns,
/// so that a change meant to speed the controller up can be shown to leave every decision
/// unchanged (run before and after, then diff):
/// `cargo test --release --test it dram::decision_fingerprints -- --ignored --nocapture`.
#[test]
#[ignore]
fn decision_fingerprints() {
    for i in 0..PRESETS.len() {
        let base = cfg(i);
        let mut variants: Vec<(&str, DramConfig)> = vec![("default", base.clone())];
        let mut v = base.clone();
        v.row_policy = RowPolicyKind::Closed;
        variants.push(("closed", v));
        let mut v = base.clone();
        v.scheduler = SchedulerKind::FrfcfsRowhit;
        variants.push(("rowhit", v));
        let mut v = base.clone();
        v.refresh = RefreshKind::PerBank;
        if v.problems("memory").is_empty() {
            variants.push(("per_bank", v));
        }
        let mut v = base.clone();
        v.address_mapping = MapperKind::RoCoBaRaCh;
        v.read_queue_entries = 8;
        v.write_queue_entries = 8;
        variants.push(("rocobarach_q8", v));
        let mut v = base.clone();
        v.address_mapping = MapperKind::RoBaRaCoChXor;
        v.forward_and_coalesce = false;
        v.wck_always_on = true;
        v.channels *= 2;
        variants.push(("xor_nofwd_2ch", v));
        let mut v = base.clone();
        v.address_mapping = MapperKind::ChRaBaRoCo;
        v.row_policy = RowPolicyKind::Closed;
        v.scheduler = SchedulerKind::FrfcfsRowhit;
        variants.push(("chrabaroco_closed_rowhit", v));
        for (vn, c) in &variants {
            let mut cases: Vec<(String, Vec<TraceReq>)> = [
                "seq_read",
                "rand_read",
                "rand_mixed_2r1w",
                "strided_rowhit",
                "bank_conflict",
            ]
            .iter()
            .map(|p| {
                let n = if *p == "bank_conflict" { 300 } else { 3000 };
                (p.to_string(), pattern(c, p, n))
            })
            .collect();
            for seed in [7u64, 8] {
                cases.push((format!("hot{seed}"), hot_pattern(c, 3000, seed)));
            }
            for (p, t) in &cases {
                let t0 = std::time::Instant::now();
                let (h, cmds) = fingerprint(c, t);
                println!(
                    "FP {} {vn} {p} {cmds} {h:016x} ({:.2} s)",
                    c.standard,
                    t0.elapsed().as_secs_f64()
                );
            }
        }
    }
}

/// Full runs through the engine (`DramMemory`): no read is served before it arrives. A read
/// the DRAM serves takes at least one tick to be scheduled plus its RD command's CAS latency
/// and burst (JESD79-5 DDR5-4800AN: CL 34 + BL16 in 8 clocks = 42, so at least 43; HBM2
/// 2 Gbps: CL 14 + BL4 in 2 clocks = 16, so at least 17). Requests reach channels that
/// have been idle for a while (their clocks lag the engine's) in both runs.
#[test]
fn engine_runs_never_serve_a_read_before_it_arrives() {
    use super::common::{run_ok, run_stats, stat, tmpdir};
    let t = tmpdir();
    for (i, (cfg, trace, least)) in [
        ("configs/piuma-ddr5.toml", "traces/spgemm/smoke.toml", 43u64),
        (
            "configs/sweeps/base/npu-dram.toml",
            "configs/sweeps/traces/gpt2-decode-gemv.xtr",
            17,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let out = t.path().join(format!("run{i}"));
        run_ok(cfg, trace, &out);
        let s = run_stats(&out);
        let get = |n: &str| stat(&s, "memory", n).as_f64().unwrap();
        let min = get("min_read_latency_cycles");
        assert!(min >= least as f64, "{cfg}: {min} < {least}");
        assert!(get("avg_read_latency_cycles") >= min, "{cfg}");
    }
}
