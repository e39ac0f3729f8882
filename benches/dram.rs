//! DRAM model speed: simulated DRAM cycles and requests per wall second on generated traces
//! (criterion). The 1M-request traces of the validation set are timed by
//! `scripts/bench-dram.sh`.

use criterion::{Criterion, criterion_group, criterion_main};
use xpusim::mem::dram::config::DramConfig;
use xpusim::mem::dram::replay::{TraceReq, replay};

fn rand_trace(n: u64, tx: u64) -> Vec<TraceReq> {
    let mut s = 1u64;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            TraceReq {
                addr: (z % ((1 << 30) / tx)) * tx,
                write: false,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("dram_replay");
    g.sample_size(10);
    for (s, o, t, tx) in [
        ("DDR4", "DDR4_8Gb_x8", "DDR4_3200AA", 64),
        ("HBM2", "HBM2_8Gb", "HBM2_2000Mbps", 32),
    ] {
        let cfg = DramConfig::new(s, o, t);
        let trace = rand_trace(50_000, tx);
        let seq: Vec<TraceReq> = (0..50_000u64)
            .map(|i| TraceReq {
                addr: i * tx,
                write: false,
            })
            .collect();
        g.bench_function(format!("{s}_rand_read_50k"), |b| {
            b.iter(|| replay(&cfg, &trace, false).unwrap().0.cycles_to_complete)
        });
        g.bench_function(format!("{s}_seq_read_50k"), |b| {
            b.iter(|| replay(&cfg, &seq, false).unwrap().0.cycles_to_complete)
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
