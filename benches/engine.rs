//! Engine benchmarks: raw event-queue throughput, and a whole run of the bundled example
//! reported as simulated cycles and events per wall second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::sync::Arc;
use xpusim::engine::{EventQueue, Phase, Tick};

fn queue(c: &mut Criterion) {
    let mut g = c.benchmark_group("event_queue");
    let n = 100_000u64;
    g.throughput(Throughput::Elements(n));
    g.bench_function("push_pop_100k_near_future", |b| {
        b.iter(|| {
            let mut q = EventQueue::new();
            // A steady state of 64 pending events, each pop scheduling one more, as a
            // busy system of components does.
            let mut x = 0x9e37_79b9_7f4a_7c15u64;
            for i in 0..64 {
                q.push(Tick(i), Phase::Wake, i);
            }
            for i in 0..n {
                let (k, _) = q.pop().unwrap();
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                q.push(Tick(k.tick().0 + 1 + (x % 1000)), Phase::Deliver, i);
            }
            black_box(q.len())
        })
    });
    g.finish();
}

fn end_to_end(c: &mut Criterion) {
    let root = env!("CARGO_MANIFEST_DIR");
    let cfg = std::fs::read_to_string(format!("{root}/configs/vector-demo.toml")).unwrap();
    let trace =
        std::fs::read_to_string(format!("{root}/traces/examples/layernorm-gelu.xtr")).unwrap();
    let work = Arc::new(xpusim::workload::trace::parse_lines("t", &trace).unwrap());
    let loaded = xpusim::config::load_str("c", &cfg, &[]).unwrap();
    let r = xpusim::report::simulate(loaded.clone(), Arc::clone(&work)).unwrap();
    let mut g = c.benchmark_group("run");
    g.throughput(Throughput::Elements(r.events));
    g.bench_function("vector_demo_events", |b| {
        b.iter(|| {
            let r = xpusim::report::simulate(loaded.clone(), Arc::clone(&work)).unwrap();
            black_box(r.end)
        })
    });
    g.finish();
}

criterion_group!(benches, queue, end_to_end);
criterion_main!(benches);
