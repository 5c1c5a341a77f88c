//! Criterion benches for the compute kernels on both backends: a numeric filter kernel and
//! dictionary membership over 10,000,000 rows, and the k-means assignment and update over
//! 1,000,000 × 16 points with k = 8. The GPU half runs when an adapter opens (any adapter:
//! on llvmpipe the figures say what the CPU rasterizer does, not what a GPU does); it is
//! skipped, with a note, otherwise. Every GPU result is checked against the CPU's.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hyperseg::columns::Bitmap;
use hyperseg::compute::{AdapterPolicy, Backend, CmpOp, CpuBackend, GpuBackend, Points, Predicate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const ROWS: usize = 10_000_000;
const POINTS: usize = 1_000_000;
const DIMS: usize = 16;
const K: usize = 8;

#[allow(clippy::print_stderr)]
fn backends() -> Vec<Box<dyn Backend>> {
    let mut all: Vec<Box<dyn Backend>> = vec![Box::new(CpuBackend)];
    match GpuBackend::new(AdapterPolicy::Any) {
        Ok(gpu) => {
            eprintln!("GPU benches on {}", gpu.adapter());
            all.push(Box::new(gpu));
        }
        Err(e) => eprintln!("GPU benches skipped: {e}"),
    }
    all
}

fn filters(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let values: Vec<f64> = (0..ROWS).map(|_| rng.random_range(0.0..1000.0)).collect();
    let codes: Vec<u32> = (0..ROWS).map(|_| rng.random_range(0..40)).collect();
    let mut validity = Bitmap::with_capacity(ROWS);
    for _ in 0..ROWS {
        validity.push(rng.random_bool(0.95));
    }
    let lut: Vec<bool> = (0..40).map(|c| c % 7 == 0).collect();
    let pred = Predicate::Between(100.0, 250.0);
    let want_cmp = CpuBackend.compare_f64(&values, &validity, pred).unwrap();
    let want_codes = CpuBackend.codes_in(&codes, &validity, &lut).unwrap();
    let mut group = c.benchmark_group("compute/filter");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.sample_size(10);
    for backend in backends() {
        assert_eq!(backend.compare_f64(&values, &validity, pred).unwrap(), want_cmp);
        assert_eq!(backend.codes_in(&codes, &validity, &lut).unwrap(), want_codes);
        group.bench_function(BenchmarkId::new("f64-between/10M", backend.name()), |b| {
            b.iter(|| backend.compare_f64(&values, &validity, pred).unwrap())
        });
        group.bench_function(BenchmarkId::new("f64-gt/10M", backend.name()), |b| {
            b.iter(|| backend.compare_f64(&values, &validity, Predicate::Cmp(CmpOp::Gt, 500.0)).unwrap())
        });
        group.bench_function(BenchmarkId::new("codes-in/10M", backend.name()), |b| {
            b.iter(|| backend.codes_in(&codes, &validity, &lut).unwrap())
        });
    }
    group.finish();
}

fn kmeans(c: &mut Criterion) {
    let data = hyperseg::generate::points::uniform(POINTS, DIMS, 5);
    let points = Points::new(&data, DIMS).unwrap();
    let centroids = hyperseg::compute::kmeans::kmeans_plus_plus(&points, K, 1).unwrap();
    let mut cpu = CpuBackend.kmeans_run(&points, K).unwrap();
    cpu.assign(&centroids).unwrap();
    let (want, want_sums) = (cpu.assignments().unwrap(), cpu.sums().unwrap());
    drop(cpu);
    let mut group = c.benchmark_group("compute/kmeans");
    group.throughput(Throughput::Elements(POINTS as u64));
    group.sample_size(10);
    for backend in backends() {
        let mut run = backend.kmeans_run(&points, K).unwrap();
        run.assign(&centroids).unwrap();
        assert_eq!(run.assignments().unwrap(), want, "{} assignment", backend.name());
        assert_eq!(run.sums().unwrap(), want_sums, "{} sums", backend.name());
        group.bench_function(BenchmarkId::new("assign/1M×16/k8", backend.name()), |b| {
            b.iter(|| run.assign(&centroids).unwrap())
        });
        group.bench_function(BenchmarkId::new("sums/1M×16/k8", backend.name()), |b| {
            b.iter(|| run.sums().unwrap())
        });
        drop(run);
        group.bench_function(BenchmarkId::new("kmeans/1M×16/k8/20-iterations", backend.name()), |b| {
            b.iter(|| hyperseg::compute::kmeans(&points, K, 20, 1, backend.as_ref()).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, filters, kmeans);
criterion_main!(benches);
