//! Criterion benches for automatic segmentation on 200,000 generated profiles with 6
//! planted segments (CPU backend): building the features, and the whole computation
//! (features, k search over 2..10, final k-means, membership, explanations). Each run is
//! checked: the planted k found, ARI at least 0.9. The 1,000,000-profile end-to-end figure
//! comes from `hyperseg bench segment-auto --rows 1000000`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hyperseg::compute::CpuBackend;
use hyperseg::generate::planted::{PlantedOptions, base_day, planted_table};
use hyperseg::segment::auto::{self, KChoice, SegmentOptions, features, quality};

const ROWS: usize = 200_000;
const PLANTED: usize = 6;

fn segment_auto(c: &mut Criterion) {
    let (table, truth) = planted_table(&PlantedOptions { rows: ROWS, k: PLANTED, seed: 7 }).unwrap();
    let opts =
        SegmentOptions { k: KChoice::Range(2, 10), seed: 7, as_of: base_day(), ..SegmentOptions::default() };
    let mut group = c.benchmark_group("segment_auto");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("features/200k", |b| b.iter(|| features::build(&table, None, opts.as_of).unwrap()));
    group.bench_function("whole/200k/k2..10", |b| {
        b.iter(|| {
            let seg = auto::segment(&table, &opts, &CpuBackend, &mut |_| {}).unwrap();
            assert_eq!(seg.k, PLANTED);
            assert!(quality::adjusted_rand_index(&seg.assignments, &truth) >= 0.9);
            seg
        })
    });
    group.finish();
}

criterion_group!(benches, segment_auto);
criterion_main!(benches);
