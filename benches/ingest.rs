//! Criterion benches for ingest: a generated CRM dump parsed, validated and typed into
//! columns, in parallel and in one sequential pass, and written to / reloaded from a
//! snapshot. Throughput is in bytes of CSV. Fixed seed, so runs compare.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hyperseg::generate::{GenerateOptions, generate};
use hyperseg::ingest::{ImportOptions, new_report, read_bytes};
use hyperseg::store::snapshot;
use std::path::Path;

const ROWS: usize = 200_000;

fn dump() -> Vec<u8> {
    let mut csv = Vec::new();
    let mut truth = Vec::new();
    let opts = GenerateOptions { rows: ROWS, seed: 7, ..GenerateOptions::default() };
    generate(&opts, &mut csv, &mut truth).expect("generating into memory");
    csv
}

fn ingest(c: &mut Criterion) {
    let csv = dump();
    let path = Path::new("bench.csv");
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Bytes(csv.len() as u64));
    group.sample_size(20);
    for (name, parallel) in [("parse_typed/parallel", true), ("parse_typed/sequential", false)] {
        let opts = ImportOptions { parallel, ..ImportOptions::default() };
        group.bench_function(name, |b| {
            b.iter(|| {
                let got =
                    read_bytes(path, &csv, &opts, new_report(path, &opts), &|_| {}).expect("the dump parses");
                assert!(got.report.rows_imported > ROWS as u64 * 99 / 100);
                got
            })
        });
    }
    let opts = ImportOptions::default();
    let table =
        read_bytes(path, &csv, &opts, new_report(path, &opts), &|_| {}).expect("the dump parses").table;
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("t.hsc");
    group.bench_function("snapshot/write", |b| b.iter(|| snapshot::write(&file, &table).expect("written")));
    group.bench_function("snapshot/reload", |b| {
        b.iter(|| {
            let t = snapshot::read(&file).expect("reloaded");
            assert_eq!(t.rows(), table.rows());
            t
        })
    });
    // The share of a reload spent verifying the file's checksum: xxh3-64 over its bytes.
    let bytes = std::fs::read(&file).expect("the snapshot reads");
    group.bench_function("snapshot/checksum", |b| {
        b.iter(|| {
            let sum = twox_hash::XxHash3_64::oneshot(&bytes[..bytes.len() - 8]);
            assert_eq!(sum.to_le_bytes(), bytes[bytes.len() - 8..], "the checksum matches");
            sum
        })
    });
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
