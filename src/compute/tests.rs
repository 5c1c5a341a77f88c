//! The parity suite: every kernel on every backend (the CPU, and the GPU when an adapter
//! opens, with chunks of 512 rows) against a plain reference loop, edge cases first, then
//! random inputs; and k-means on both backends, which must agree exactly.

use super::bits;
use super::gpu::{SHADERS, test_gpu, test_gpu_2d};
use super::kmeans::{SumPlan, assign_exact};
use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Lengths that reach every edge: empty, one row, a word and a workgroup (256) minus/plus
/// one, and several GPU chunks (512 rows each in tests).
const LENGTHS: [usize; 13] = [0, 1, 63, 64, 65, 255, 256, 257, 511, 512, 513, 1000, 1600];

const OPS: [CmpOp; 6] = [CmpOp::Eq, CmpOp::Ne, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge];

/// The CPU, then the GPU when one opens: with 512-row chunks, and with dispatches laid
/// out in two dimensions past 3 workgroups.
fn backends() -> Vec<&'static dyn Backend> {
    let mut all: Vec<&'static dyn Backend> = vec![&CpuBackend];
    for gpu in [test_gpu(), test_gpu_2d()].into_iter().flatten() {
        all.push(gpu);
    }
    all
}

#[derive(Clone, Copy, Debug)]
enum Validity {
    All,
    None,
    Random,
}

fn validity(rng: &mut ChaCha8Rng, len: usize, kind: Validity) -> Bitmap {
    match kind {
        Validity::All => Bitmap::new_set(len),
        Validity::None => Bitmap::new_unset(len),
        Validity::Random => {
            let mut b = Bitmap::with_capacity(len);
            for _ in 0..len {
                b.push(rng.random_bool(0.8));
            }
            b
        }
    }
}

fn reference<T: Copy + PartialOrd>(values: &[T], validity: &Bitmap, pred: Predicate<T>) -> Bitmap {
    let mut out = Bitmap::with_capacity(values.len());
    for (i, &v) in values.iter().enumerate() {
        out.push(validity.get(i) && pred.matches(v));
    }
    out
}

fn assert_tail_clear(b: &Bitmap) {
    if let Some(&last) = b.words().last().filter(|_| !b.len().is_multiple_of(64)) {
        assert_eq!(last >> (b.len() % 64), 0, "bits past len {} are set", b.len());
    }
    assert_eq!(b.words().len(), b.len().div_ceil(64));
}

fn predicates<T: Copy>(consts: &[T]) -> Vec<Predicate<T>> {
    let mut out = Vec::new();
    for &c in consts {
        out.extend(OPS.iter().map(|&op| Predicate::Cmp(op, c)));
        for &d in consts {
            out.push(Predicate::Between(c, d));
        }
    }
    out
}

type Kernel<T> = fn(&dyn Backend, &[T], &Bitmap, Predicate<T>) -> Result<Bitmap, ComputeError>;

fn check_kind<T: Copy + PartialOrd + std::fmt::Debug>(
    name: &str,
    gen_value: impl Fn(&mut ChaCha8Rng) -> T,
    consts: &[T],
    kernel: Kernel<T>,
) {
    for backend in backends() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for len in LENGTHS {
            for kind in [Validity::All, Validity::None, Validity::Random] {
                let values: Vec<T> = (0..len).map(|_| gen_value(&mut rng)).collect();
                let valid = validity(&mut rng, len, kind);
                for pred in predicates(consts) {
                    let got = kernel(backend, &values, &valid, pred).expect("kernel runs");
                    assert_tail_clear(&got);
                    let want = reference(&values, &valid, pred);
                    assert_eq!(got, want, "{} {name} len {len} {kind:?} {pred:?}", backend.name());
                }
            }
        }
    }
}

#[test]
fn compare_f64_matches_reference() {
    let consts = [-1.5, 0.0, -0.0, 2.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e-310];
    let gen_value = |rng: &mut ChaCha8Rng| match rng.random_range(0..24) {
        0 => f64::NAN,
        1 => -0.0,
        2 => f64::NEG_INFINITY,
        3 => f64::INFINITY,
        4 => 1e-310,
        5 => -f64::NAN,
        _ => f64::from(rng.random_range(-4..=4i32)) / 2.0,
    };
    check_kind("f64", gen_value, &consts, |b, v, m, p| b.compare_f64(v, m, p));
}

#[test]
fn compare_i64_matches_reference() {
    let consts = [i64::MIN, -3, 0, 2, 1 << 32, i64::MAX];
    let gen_value = |rng: &mut ChaCha8Rng| match rng.random_range(0..20) {
        0 => i64::MIN,
        1 => i64::MAX,
        2 => (1 << 32) + rng.random_range(-1..=1),
        3 => -(1 << 32),
        _ => rng.random_range(-4..=4),
    };
    check_kind("i64", gen_value, &consts, |b, v, m, p| b.compare_i64(v, m, p));
}

#[test]
fn compare_i32_matches_reference() {
    let consts = [i32::MIN, -1, 19_000, 19_005, i32::MAX];
    let gen_value = |rng: &mut ChaCha8Rng| match rng.random_range(0..20) {
        0 => i32::MIN,
        1 => -1,
        _ => rng.random_range(18_995..19_010),
    };
    check_kind("i32", gen_value, &consts, |b, v, m, p| b.compare_i32(v, m, p));
}

#[test]
fn codes_in_matches_reference() {
    let mut long = vec![false; 70];
    long[33] = true;
    long[69] = true;
    let luts: [&[bool]; 6] = [&[], &[true], &[false, true, false, true], &[true; 4], &[false; 4], &long];
    for backend in backends() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for len in LENGTHS {
            for kind in [Validity::All, Validity::None, Validity::Random] {
                // Codes reach past the end of every table: those rows are never selected.
                let codes: Vec<u32> = (0..len).map(|_| rng.random_range(0..72)).collect();
                let valid = validity(&mut rng, len, kind);
                for lut in luts {
                    let got = backend.codes_in(&codes, &valid, lut).expect("kernel runs");
                    assert_tail_clear(&got);
                    let mut want = Bitmap::with_capacity(len);
                    for (i, &c) in codes.iter().enumerate() {
                        want.push(valid.get(i) && lut.get(c as usize) == Some(&true));
                    }
                    assert_eq!(got, want, "{} len {len} {kind:?} lut of {}", backend.name(), lut.len());
                }
            }
        }
    }
}

#[test]
fn logic_matches_reference_and_keeps_tail_clear() {
    for backend in backends() {
        let mut rng = ChaCha8Rng::seed_from_u64(13);
        // Past 512 × 64 rows the GPU's 512-word chunks split the bitmaps too.
        for len in LENGTHS.into_iter().chain([512 * 64 + 65]) {
            for (ka, kb) in [
                (Validity::All, Validity::None),
                (Validity::None, Validity::None),
                (Validity::All, Validity::All),
                (Validity::Random, Validity::Random),
            ] {
                let a = validity(&mut rng, len, ka);
                let b = validity(&mut rng, len, kb);
                let and = backend.and(&a, &b).unwrap();
                let or = backend.or(&a, &b).unwrap();
                let not = backend.not(&a).unwrap();
                let and_not = bits::and_not(&a, &b);
                for got in [&and, &or, &not, &and_not] {
                    assert_tail_clear(got);
                    assert_eq!(got.len(), len);
                }
                for i in 0..len {
                    assert_eq!(and.get(i), a.get(i) && b.get(i), "{} and at {i}", backend.name());
                    assert_eq!(or.get(i), a.get(i) || b.get(i), "{} or at {i}", backend.name());
                    assert_eq!(not.get(i), !a.get(i), "{} not at {i}", backend.name());
                    assert_eq!(and_not.get(i), a.get(i) && !b.get(i));
                }
                assert_eq!(not.count_ones(), len - a.count_ones());
            }
        }
    }
}

#[test]
fn select_rows_calls_only_valid_rows() {
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    for len in LENGTHS {
        for kind in [Validity::All, Validity::None, Validity::Random] {
            let valid = validity(&mut rng, len, kind);
            let got = bits::select_rows(
                &valid,
                || 0usize,
                |calls, i| {
                    assert!(valid.get(i), "called for invalid row {i}");
                    *calls += 1;
                    i % 3 == 0
                },
            );
            assert_tail_clear(&got);
            let want: Vec<usize> = valid.iter_ones().filter(|i| i % 3 == 0).collect();
            assert_eq!(got.iter_ones().collect::<Vec<_>>(), want, "len {len} {kind:?}");
        }
    }
}

#[test]
#[should_panic(expected = "differ in length")]
fn compare_rejects_mismatched_validity() {
    let _ = CpuBackend.compare_i64(&[1, 2, 3], &Bitmap::new_set(2), Predicate::Cmp(CmpOp::Eq, 1));
}

#[test]
fn every_shader_parses_and_validates_with_naga() {
    for (name, source) in SHADERS {
        let module = naga::front::wgsl::parse_str(source)
            .unwrap_or_else(|e| panic!("shaders/{name} does not parse:\n{}", e.emit_to_string(source)));
        naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::empty())
            .validate(&module)
            .unwrap_or_else(|e| panic!("shaders/{name} does not validate: {e:?}"));
        assert!(!module.entry_points.is_empty(), "shaders/{name} has no entry point");
    }
}

// ---- k-means ----

/// Random points: clustered blobs, or small integers (so exact ties between centroids are
/// common and the lowest-index rule is exercised).
fn points(rng: &mut ChaCha8Rng, n: usize, dims: usize, ties: bool) -> Vec<f32> {
    let centres: Vec<f32> = (0..4 * dims).map(|_| rng.random_range(-50.0..50.0)).collect();
    (0..n)
        .flat_map(|_| {
            let c = rng.random_range(0..4);
            (0..dims)
                .map(|j| {
                    if ties {
                        rng.random_range(-2..=2) as f32
                    } else {
                        centres[c * dims + j] + rng.random_range(-5.0f32..5.0)
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn cpu_assignment_equals_the_exact_definition() {
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    for (n, dims, k) in [(1, 1, 1), (9, 3, 5), (300, 16, 8), (257, 5, 13), (64, 2, 70)] {
        for ties in [false, true] {
            let data = points(&mut rng, n, dims, ties);
            let p = Points::new(&data, dims).unwrap();
            let centroids: Vec<f32> = (0..k * dims).map(|_| rng.random_range(-3..=3) as f32).collect();
            let mut run = CpuBackend.kmeans_run(&p, k).unwrap();
            let inertia = run.assign(&centroids).unwrap();
            let got = run.assignments().unwrap();
            let mut want_inertia = 0f64;
            for (i, &g) in got.iter().enumerate() {
                let (c, d) = assign_exact(p.point(i), &centroids);
                assert_eq!(g, c, "point {i} of {n}×{dims}, k {k}");
                want_inertia += f64::from(d);
            }
            assert!((inertia - want_inertia).abs() <= 1e-9 * want_inertia.max(1.0));
        }
    }
}

#[test]
fn exact_assignment_breaks_ties_to_the_lowest_index() {
    // The point sits halfway between centroids 1 and 2, and on top of the duplicates 3, 4.
    let centroids = [10.0, 0.0, 2.0, 1.0, 1.0];
    assert_eq!(assign_exact(&[1.0], &centroids[..3]), (1, 1.0));
    assert_eq!(assign_exact(&[1.0], &centroids), (3, 0.0));
}

#[test]
fn sum_plan_keeps_partials_small() {
    let plan = SumPlan::new(10_000_000, 16, 8);
    assert!(plan.blocks(10_000_000) * plan.slots * 4 <= 64 << 20);
    assert!(plan.block.is_power_of_two() && plan.block >= 128);
    assert_eq!(SumPlan::new(100, 2, 3).block, 128);
}

fn assert_same_kmeans(a: &KMeans, b: &KMeans, what: &str) {
    assert_eq!(a.assignments, b.assignments, "{what}: assignments");
    assert_eq!(a.sizes, b.sizes, "{what}: sizes");
    let bits = |c: &[f32]| c.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a.centroids), bits(&b.centroids), "{what}: centroids");
    assert_eq!(a.iterations, b.iterations, "{what}: iterations");
    let rel = (a.inertia - b.inertia).abs() / a.inertia.abs().max(f64::MIN_POSITIVE);
    assert!(
        a.inertia == b.inertia || rel <= 1e-5,
        "{what}: inertia {} vs {} ({rel:e})",
        a.inertia,
        b.inertia
    );
}

#[test]
fn kmeans_agrees_on_every_backend() {
    let mut rng = ChaCha8Rng::seed_from_u64(23);
    // Sizes around lanes (8), workgroups and sum blocks (128, 256) and test chunks (512);
    // K > N; one dimension; ties.
    let shapes = [
        (1, 1, 1),
        (7, 2, 3),
        (8, 3, 9),
        (9, 16, 8),
        (127, 4, 8),
        (129, 4, 8),
        (255, 16, 8),
        (257, 16, 8),
        (511, 3, 5),
        (513, 16, 8),
        (1300, 7, 12),
    ];
    for (n, dims, k) in shapes {
        for ties in [false, true] {
            let data = points(&mut rng, n, dims, ties);
            let p = Points::new(&data, dims).unwrap();
            let cpu = kmeans(&p, k, 10, 5, &CpuBackend).unwrap();
            assert_eq!(cpu.assignments.len(), n);
            assert_eq!(cpu.sizes.iter().sum::<u64>(), n as u64);
            for (i, &a) in cpu.assignments.iter().enumerate() {
                assert_eq!(a, assign_exact(p.point(i), &cpu.centroids).0, "final assignment of point {i}");
            }
            for backend in backends().into_iter().skip(1) {
                let other = kmeans(&p, k, 10, 5, backend).unwrap();
                assert_same_kmeans(&cpu, &other, &format!("{} {n}×{dims} k {k} ties {ties}", backend.name()));
            }
        }
    }
}

#[test]
fn kmeans_separates_clear_clusters_and_is_seeded() {
    let mut rng = ChaCha8Rng::seed_from_u64(29);
    let mut data = Vec::new();
    for c in 0..3 {
        for _ in 0..200 {
            data.push(c as f32 * 100.0 + rng.random_range(-1.0..1.0));
            data.push(rng.random_range(-1.0..1.0));
        }
    }
    let p = Points::new(&data, 2).unwrap();
    let a = kmeans(&p, 3, 20, 1, &CpuBackend).unwrap();
    assert_eq!(a.sizes.iter().copied().collect::<std::collections::BTreeSet<_>>(), [200].into());
    for block in a.assignments.chunks(200) {
        assert!(block.iter().all(|&x| x == block[0]), "a blob was split");
    }
    assert!(a.inertia < 3.0 * 200.0 * 2.0, "inertia {}", a.inertia);
    assert!(a.iterations < 20, "it converged early: {}", a.iterations);
    assert_eq!(a, kmeans(&p, 3, 20, 1, &CpuBackend).unwrap(), "same seed, same answer");
}

#[test]
fn kmeans_rejects_bad_input_on_every_backend() {
    for backend in backends() {
        let err = |data: &[f32], dims, k| match Points::new(data, dims) {
            Err(e) => e.to_string(),
            Ok(p) => {
                // The run itself refuses too, not only `kmeans()`.
                let run_err = backend.kmeans_run(&p, k).err().map(|e| e.to_string());
                let err = kmeans(&p, k, 5, 1, backend).unwrap_err().to_string();
                assert_eq!(run_err.as_deref(), Some(err.as_str()));
                err
            }
        };
        assert!(err(&[], 2, 3).contains("no points"));
        assert!(err(&[1.0, 2.0], 2, 0).contains("k must be at least 1"));
        assert!(err(&[1.0, 2.0, 3.0], 2, 1).contains("do not divide"));
        assert!(err(&[1.0, f32::NAN], 2, 1).contains("point 0 dimension 1 is NaN"));
        assert!(err(&[1.0], 0, 1).contains("at least one dimension"));
    }
}
