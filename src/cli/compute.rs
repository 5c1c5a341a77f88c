//! `--backend auto|cpu|gpu` for the commands that compute: the backend is chosen on first
//! use (so commands that end up computing nothing open no device and print nothing), and
//! one line on stderr says which runs and why.

use super::output;
use hyperseg::columns::Bitmap;
use hyperseg::compute::{Backend, BackendChoice, ComputeError, KMeansRun, Points, Predicate, Work, choose};
use std::sync::OnceLock;

/// A backend chosen on first use for `work`.
pub struct LazyBackend {
    choice: BackendChoice,
    work: Work,
    chosen: OnceLock<Result<Box<dyn Backend>, ComputeError>>,
}

impl LazyBackend {
    pub fn new(choice: BackendChoice, work: Work) -> Self {
        LazyBackend { choice, work, chosen: OnceLock::new() }
    }

    /// Chooses now, for a command about to evaluate: the stderr line appears, and
    /// `--backend gpu` without an adapter fails, even if the filter turns out to need no
    /// kernel (a text test on plain text runs on the CPU under any backend).
    pub fn announce(&self) -> Result<(), ComputeError> {
        self.get().map(drop)
    }

    /// The backend, chosen now if not yet (and said on stderr).
    pub fn get(&self) -> Result<&dyn Backend, ComputeError> {
        let chosen = self.chosen.get_or_init(|| {
            let chosen = choose(self.choice, self.work)?;
            output::note(&format!("backend {}", chosen.reason));
            Ok(chosen.backend)
        });
        match chosen {
            Ok(b) => Ok(b.as_ref()),
            Err(e) => Err(e.clone()),
        }
    }
}

impl Backend for LazyBackend {
    fn name(&self) -> &'static str {
        self.get().map_or("unavailable", |b| b.name())
    }

    fn compare_f64(
        &self,
        values: &[f64],
        validity: &Bitmap,
        pred: Predicate<f64>,
    ) -> Result<Bitmap, ComputeError> {
        self.get()?.compare_f64(values, validity, pred)
    }

    fn compare_i64(
        &self,
        values: &[i64],
        validity: &Bitmap,
        pred: Predicate<i64>,
    ) -> Result<Bitmap, ComputeError> {
        self.get()?.compare_i64(values, validity, pred)
    }

    fn compare_i32(
        &self,
        values: &[i32],
        validity: &Bitmap,
        pred: Predicate<i32>,
    ) -> Result<Bitmap, ComputeError> {
        self.get()?.compare_i32(values, validity, pred)
    }

    fn codes_in(&self, codes: &[u32], validity: &Bitmap, lut: &[bool]) -> Result<Bitmap, ComputeError> {
        self.get()?.codes_in(codes, validity, lut)
    }

    fn and(&self, a: &Bitmap, b: &Bitmap) -> Result<Bitmap, ComputeError> {
        self.get()?.and(a, b)
    }

    fn or(&self, a: &Bitmap, b: &Bitmap) -> Result<Bitmap, ComputeError> {
        self.get()?.or(a, b)
    }

    fn not(&self, a: &Bitmap) -> Result<Bitmap, ComputeError> {
        self.get()?.not(a)
    }

    fn kmeans_run<'a>(
        &'a self,
        points: &Points<'a>,
        k: usize,
    ) -> Result<Box<dyn KMeansRun + 'a>, ComputeError> {
        self.get()?.kmeans_run(points, k)
    }
}
