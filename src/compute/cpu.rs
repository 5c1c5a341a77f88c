//! The CPU backend: rayon over tasks of 64-row words, one vectorisable loop per operator.

use super::bits::select_values;
use super::kmeans::{CpuRun, KMeansRun, Points};
use super::{Backend, CmpOp, ComputeError, Predicate};
use crate::columns::Bitmap;

/// Runs every kernel on the CPU, in parallel on rayon's pool.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuBackend;

/// Dispatches on the operator outside the row loop, so each loop body is one comparison
/// that LLVM turns into vector compares and a movemask.
#[inline(always)]
fn compare<T>(values: &[T], validity: &Bitmap, pred: Predicate<T>) -> Bitmap
where
    T: Copy + PartialOrd + Send + Sync,
{
    match pred {
        Predicate::Cmp(CmpOp::Eq, c) => select_values(values, validity, move |v| v == c),
        Predicate::Cmp(CmpOp::Ne, c) => select_values(values, validity, move |v| v != c),
        Predicate::Cmp(CmpOp::Lt, c) => select_values(values, validity, move |v| v < c),
        Predicate::Cmp(CmpOp::Le, c) => select_values(values, validity, move |v| v <= c),
        Predicate::Cmp(CmpOp::Gt, c) => select_values(values, validity, move |v| v > c),
        Predicate::Cmp(CmpOp::Ge, c) => select_values(values, validity, move |v| v >= c),
        // `&` rather than `&&`: both sides are cheap and a branch-free body vectorises.
        Predicate::Between(a, b) => select_values(values, validity, move |v| (a <= v) & (v <= b)),
    }
}

impl Backend for CpuBackend {
    fn name(&self) -> &'static str {
        "cpu"
    }

    fn compare_f64(
        &self,
        values: &[f64],
        validity: &Bitmap,
        pred: Predicate<f64>,
    ) -> Result<Bitmap, ComputeError> {
        Ok(compare(values, validity, pred))
    }

    fn compare_i64(
        &self,
        values: &[i64],
        validity: &Bitmap,
        pred: Predicate<i64>,
    ) -> Result<Bitmap, ComputeError> {
        Ok(compare(values, validity, pred))
    }

    fn compare_i32(
        &self,
        values: &[i32],
        validity: &Bitmap,
        pred: Predicate<i32>,
    ) -> Result<Bitmap, ComputeError> {
        Ok(compare(values, validity, pred))
    }

    fn codes_in(&self, codes: &[u32], validity: &Bitmap, lut: &[bool]) -> Result<Bitmap, ComputeError> {
        Ok(select_values(codes, validity, |c| lut.get(c as usize).copied().unwrap_or(false)))
    }

    fn kmeans_run<'a>(
        &'a self,
        points: &Points<'a>,
        k: usize,
    ) -> Result<Box<dyn KMeansRun + 'a>, ComputeError> {
        Ok(Box::new(CpuRun::new(points, k)?))
    }
}
