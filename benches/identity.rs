//! Criterion bench for identity resolution's compute core (normalise, join, union-find) on a
//! generated dump with three identifier kinds; asserts the result against the ground truth.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hyperseg::generate::{GenerateOptions, generate};
use hyperseg::identity::{IdentityConfig, link, pairwise_precision_recall};
use hyperseg::ingest::{ImportOptions, new_report, read_bytes};
use std::path::Path;

const ROWS: usize = 200_000;

fn resolve(c: &mut Criterion) {
    let (mut csv, mut truth) = (Vec::new(), Vec::new());
    generate(&GenerateOptions { rows: ROWS, seed: 11, ..GenerateOptions::default() }, &mut csv, &mut truth)
        .expect("generating into memory");
    let truth = hyperseg::generate::ok_persons(&truth[..]).expect("a truth file");
    let opts = ImportOptions::default();
    let path = Path::new("bench.csv");
    let table = read_bytes(path, &csv, &opts, new_report(path, &opts), &|_| {}).expect("parses").table;
    let config = IdentityConfig::default();
    let mut group = c.benchmark_group("identity");
    group.throughput(Throughput::Elements(table.rows() as u64));
    group.sample_size(20);
    group.bench_function("link/phone+cpf+email", |b| {
        b.iter(|| {
            let linked = link(&[&table], &config);
            assert_eq!(pairwise_precision_recall(&linked.labels, &truth), (1.0, 1.0));
            linked.clusters
        })
    });
    group.finish();
}

criterion_group!(benches, resolve);
criterion_main!(benches);
