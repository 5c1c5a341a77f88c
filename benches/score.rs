//! Lead scoring: a 10-rule plan with expiry and decay over generated profiles and events
//! (`hyperseg bench score` runs the full-size figure: 1,000,000 profiles, 10,000,000 events).

use criterion::{Criterion, criterion_group, criterion_main};
use hyperseg::score::{bench, compute, contact::ContactIndex, plan, stored, time};
use hyperseg::store::Workspace;

fn scoring(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    // 100,000 profiles and 1,000,000 events: generated, imported, applied once.
    bench::run(dir.path(), 100_000, 1_000_000, 42).expect("the workload runs");
    let ws = Workspace::open(&dir.path().join("ws")).expect("the workspace");
    let p = plan::parse("bench_score.toml", bench::PLAN).expect("the plan");
    let profiles = hyperseg::identity::profile_table(&ws).expect("profiles").expect("resolved");
    let batches = stored::load_events(&ws).expect("events");
    let index = ContactIndex::load(&ws).expect("index");
    let as_of = time::as_of(time::parse_date("2026-11-30"));
    let mut g = c.benchmark_group("score");
    g.sample_size(10);
    g.bench_function("compute 100k profiles, 1M events, 10 rules", |b| {
        b.iter(|| compute::compute(&p, &profiles, &batches, &index, as_of).expect("scores"))
    });
    g.bench_function("contact index 100k profiles", |b| b.iter(|| ContactIndex::load(&ws).expect("index")));
    g.finish();
}

criterion_group!(benches, scoring);
criterion_main!(benches);
