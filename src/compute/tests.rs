//! Every kernel against a plain reference loop, edge cases first, then random inputs.

use super::bits;
use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Lengths that reach every edge: empty, one row, a word minus/plus one, several tasks.
const LENGTHS: [usize; 9] = [0, 1, 63, 64, 65, 127, 128, 129, 1000];

const OPS: [CmpOp; 6] = [CmpOp::Eq, CmpOp::Ne, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge];

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

fn check_kind<T: Copy + PartialOrd + std::fmt::Debug>(
    name: &str,
    gen_value: impl Fn(&mut ChaCha8Rng) -> T,
    consts: &[T],
    kernel: impl Fn(&[T], &Bitmap, Predicate<T>) -> Bitmap,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for len in LENGTHS {
        for kind in [Validity::All, Validity::None, Validity::Random] {
            let values: Vec<T> = (0..len).map(|_| gen_value(&mut rng)).collect();
            let valid = validity(&mut rng, len, kind);
            for pred in predicates(consts) {
                let got = kernel(&values, &valid, pred);
                assert_tail_clear(&got);
                assert_eq!(got, reference(&values, &valid, pred), "{name} len {len} {kind:?} {pred:?}");
            }
        }
    }
}

#[test]
fn compare_f64_matches_reference() {
    let consts = [-1.5, 0.0, 2.0, f64::NAN, f64::INFINITY];
    let gen_value = |rng: &mut ChaCha8Rng| match rng.random_range(0..20) {
        0 => f64::NAN,
        1 => -0.0,
        2 => f64::NEG_INFINITY,
        _ => f64::from(rng.random_range(-4..=4i32)) / 2.0,
    };
    check_kind("f64", gen_value, &consts, |v, m, p| CpuBackend.compare_f64(v, m, p));
}

#[test]
fn compare_i64_matches_reference() {
    let consts = [i64::MIN, -3, 0, 2, i64::MAX];
    let gen_value = |rng: &mut ChaCha8Rng| match rng.random_range(0..20) {
        0 => i64::MIN,
        1 => i64::MAX,
        _ => rng.random_range(-4..=4),
    };
    check_kind("i64", gen_value, &consts, |v, m, p| CpuBackend.compare_i64(v, m, p));
}

#[test]
fn compare_i32_matches_reference() {
    let consts = [i32::MIN, 19_000, 19_005, i32::MAX];
    let gen_value = |rng: &mut ChaCha8Rng| rng.random_range(18_995..19_010);
    check_kind("i32", gen_value, &consts, |v, m, p| CpuBackend.compare_i32(v, m, p));
}

#[test]
fn codes_in_matches_reference() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let luts: [&[bool]; 5] = [&[], &[true], &[false, true, false, true], &[true; 4], &[false; 4]];
    for len in LENGTHS {
        for kind in [Validity::All, Validity::None, Validity::Random] {
            // Codes up to 5 reach past the end of every table: those rows are never selected.
            let codes: Vec<u32> = (0..len).map(|_| rng.random_range(0..6)).collect();
            let valid = validity(&mut rng, len, kind);
            for lut in luts {
                let got = CpuBackend.codes_in(&codes, &valid, lut);
                assert_tail_clear(&got);
                let mut want = Bitmap::with_capacity(len);
                for (i, &c) in codes.iter().enumerate() {
                    want.push(valid.get(i) && lut.get(c as usize) == Some(&true));
                }
                assert_eq!(got, want, "len {len} {kind:?} lut {lut:?}");
            }
        }
    }
}

#[test]
fn logic_matches_reference_and_keeps_tail_clear() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    for len in LENGTHS {
        for (ka, kb) in [
            (Validity::All, Validity::None),
            (Validity::None, Validity::None),
            (Validity::All, Validity::All),
            (Validity::Random, Validity::Random),
        ] {
            let a = validity(&mut rng, len, ka);
            let b = validity(&mut rng, len, kb);
            let backend: &dyn Backend = &CpuBackend;
            let (and, or, not, and_not) =
                (backend.and(&a, &b), backend.or(&a, &b), backend.not(&a), bits::and_not(&a, &b));
            for got in [&and, &or, &not, &and_not] {
                assert_tail_clear(got);
                assert_eq!(got.len(), len);
            }
            for i in 0..len {
                assert_eq!(and.get(i), a.get(i) && b.get(i));
                assert_eq!(or.get(i), a.get(i) || b.get(i));
                assert_eq!(not.get(i), !a.get(i));
                assert_eq!(and_not.get(i), a.get(i) && !b.get(i));
            }
            assert_eq!(not.count_ones(), len - a.count_ones());
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
    CpuBackend.compare_i64(&[1, 2, 3], &Bitmap::new_set(2), Predicate::Cmp(CmpOp::Eq, 1));
}
