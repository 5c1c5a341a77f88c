//! Compute kernels behind one small [`Backend`] interface.
//!
//! Filter kernels take slices (never rows) and return a selection [`Bitmap`] of the same
//! length: comparisons of numbers and dates against a constant, dictionary-code
//! membership, and bitmap logic. k-means ([`kmeans()`]) runs its assignment and update
//! steps through a backend's [`KMeansRun`].
//!
//! - [`CpuBackend`] runs them on all cores with rayon, in loops LLVM vectorises.
//! - [`GpuBackend`] runs the same kernels as WGSL compute shaders (`shaders/*.wgsl`) on
//!   wgpu, and gives the same answers: identical bitmaps and k-means assignments (the
//!   parity suite in `tests.rs` checks every kernel on both).
//! - [`choose`] picks one for `--backend auto|cpu|gpu` and says why.
//!
//! Every comparison is masked by a validity bitmap: a row without a value is never
//! selected, whatever the operator (`Ne` included).
//!
//! This module imports no stage; [`bits`] holds the word-level bitmap helpers the CPU
//! kernels (and callers building their own bitmaps) share.

pub mod bits;
mod choose;
mod cpu;
mod error;
pub mod gpu;
pub mod kmeans;

#[cfg(test)]
mod tests;

pub use choose::{BackendChoice, Chosen, Work, choose};
pub use cpu::CpuBackend;
pub use error::ComputeError;
pub use gpu::{AdapterPolicy, GpuBackend};
pub use kmeans::{KMeans, KMeansRun, Points, kmeans, kmeans_from};

use crate::columns::Bitmap;

/// A comparison operator: `value OP constant`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// `a OP b`, with the semantics of Rust's `PartialOrd` (so `NaN` is only ever `Ne`).
    #[inline(always)]
    pub fn apply<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
        }
    }
}

/// What a comparison kernel selects: `value OP c`, or the closed range `a <= value <= b`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Predicate<T> {
    Cmp(CmpOp, T),
    /// `a <= value && value <= b` (nothing when `a > b`).
    Between(T, T),
}

impl<T: PartialOrd + Copy> Predicate<T> {
    /// Whether `value` is selected (the scalar definition every kernel must match).
    #[inline(always)]
    pub fn matches(self, value: T) -> bool {
        match self {
            Predicate::Cmp(op, c) => op.apply(value, c),
            Predicate::Between(a, b) => a <= value && value <= b,
        }
    }
}

/// The compute interface: few required methods, each over whole slices.
///
/// Lengths: `values`/`codes` and `validity` must have the same length (implementations
/// panic otherwise); the result has that length, with bits past it clear. The CPU never
/// fails; the GPU can (a lost device, memory), hence the `Result`s.
pub trait Backend: Send + Sync {
    /// A short name for reports (`"cpu"`, `"gpu"`).
    fn name(&self) -> &'static str;

    /// Rows whose `f64` value is valid and matches `pred`.
    fn compare_f64(
        &self,
        values: &[f64],
        validity: &Bitmap,
        pred: Predicate<f64>,
    ) -> Result<Bitmap, ComputeError>;

    /// Rows whose `i64` value is valid and matches `pred`.
    fn compare_i64(
        &self,
        values: &[i64],
        validity: &Bitmap,
        pred: Predicate<i64>,
    ) -> Result<Bitmap, ComputeError>;

    /// Rows whose `i32` value (a date: days since 1970-01-01) is valid and matches `pred`.
    fn compare_i32(
        &self,
        values: &[i32],
        validity: &Bitmap,
        pred: Predicate<i32>,
    ) -> Result<Bitmap, ComputeError>;

    /// Rows that are valid and whose code `c` has `lut[c]` true; a code past the end of
    /// `lut` is not selected.
    fn codes_in(&self, codes: &[u32], validity: &Bitmap, lut: &[bool]) -> Result<Bitmap, ComputeError>;

    /// `a AND b`; the bitmaps must have the same length.
    fn and(&self, a: &Bitmap, b: &Bitmap) -> Result<Bitmap, ComputeError> {
        Ok(bits::and(a, b))
    }

    /// `a OR b`; the bitmaps must have the same length.
    fn or(&self, a: &Bitmap, b: &Bitmap) -> Result<Bitmap, ComputeError> {
        Ok(bits::or(a, b))
    }

    /// `NOT a`, with the bits past `a.len()` kept clear.
    fn not(&self, a: &Bitmap) -> Result<Bitmap, ComputeError> {
        Ok(bits::not(a))
    }

    /// Holds `points` for a k-means run into `k` clusters: everything the iterations reuse
    /// (on the GPU: the uploaded points, buffers and pipelines) is made here, once.
    fn kmeans_run<'a>(
        &'a self,
        points: &Points<'a>,
        k: usize,
    ) -> Result<Box<dyn KMeansRun + 'a>, ComputeError>;
}
