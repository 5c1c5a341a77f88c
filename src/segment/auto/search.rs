//! Choosing k: k-means of a fixed-size sample for every k of the range, each scored by the
//! mean silhouette of a fixed-size sub-sample; the highest silhouette wins (the smaller k
//! on a tie). Each k is clustered [`INITS`] times from different k-means++ starts and the
//! lowest inertia kept, since one start can settle in a poor local minimum; the final run
//! over every profile starts from the chosen k's sample centroids.
//!
//! Both samples are drawn from the seed (a partial Fisher–Yates shuffle), and the
//! silhouette is computed on the CPU from assignments that every backend gives bit for bit
//! alike, so the choice is the same on the CPU and the GPU.

use super::{AutoError, KChoice, Progress, SegmentOptions};
use crate::compute::{Backend, Points, kmeans};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

/// Profiles clustered for each k of the search (all of them when fewer).
pub const SEARCH_SAMPLE: usize = if cfg!(debug_assertions) { 20_000 } else { 100_000 };
/// k-means++ starts per k; seeds `seed`, `seed + 1`, ….
pub const INITS: u64 = 4;
/// Points whose silhouette is averaged (all of the search sample when fewer).
pub const SILHOUETTE_SAMPLE: usize = if cfg!(debug_assertions) { 1_000 } else { 4_000 };

/// The criterion's values for one k.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KScore {
    pub k: usize,
    /// Mean silhouette of the sub-sample (−1 … 1; higher is better separated).
    pub silhouette: f64,
    /// k-means inertia on the search sample.
    pub inertia: f64,
}

/// The outcome of the search.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Search {
    pub k: usize,
    pub scores: Vec<KScore>,
    /// "given" (`--k`) or "silhouette".
    pub chosen_by: String,
    pub sample: usize,
    pub silhouette_sample: usize,
    /// The chosen k's centroids on the sample: the final run's start.
    #[serde(skip)]
    pub centroids: Vec<f32>,
}

impl Search {
    /// The criterion, in words, with the sample sizes used (for reports and the catalog).
    pub fn criterion(&self) -> String {
        format!(
            "mean silhouette (Euclidean) of {} profiles, k-means of {} profiles per k, best of {INITS} k-means++ starts (seeded samples); highest wins, the smaller k on a tie",
            self.silhouette_sample, self.sample
        )
    }
}

/// Runs the search (or scores the given k) over `points`.
pub fn choose_k(
    points: &Points<'_>,
    opts: &SegmentOptions,
    backend: &dyn Backend,
    progress: &mut dyn FnMut(Progress),
) -> Result<Search, AutoError> {
    let n = points.len();
    let ks = opts.k.candidates(n);
    if ks.is_empty() || ks.iter().any(|&k| k == 0 || k > n) {
        return Err(AutoError::K(match opts.k {
            KChoice::Fixed(k) => format!("k = {k} needs at least {k} profiles, and there are {n}"),
            KChoice::Range(lo, hi) => format!("{n} profiles are too few for k in {lo}..{hi}"),
        }));
    }
    progress(Progress::Search { k: ks[0], done: 0, total: ks.len() });
    let order = sample_order(n, SEARCH_SAMPLE.min(n), opts.seed);
    let mut search_rows = order.clone();
    search_rows.sort_unstable();
    let sample = gather(points, &search_rows);
    let sample_points = Points::new(&sample, points.dims())?;
    // The silhouette's rows: the first of the shuffle, as positions within the sample.
    let mut sil_rows: Vec<usize> = order[..SILHOUETTE_SAMPLE.min(order.len())]
        .iter()
        .map(|r| search_rows.binary_search(r).expect("drawn from the sample"))
        .collect();
    sil_rows.sort_unstable();
    let distances = Distances::new(&sample_points, &sil_rows);
    let mut scores = Vec::with_capacity(ks.len());
    let mut best: Option<(f64, usize, Vec<f32>)> = None;
    for (done, &k) in ks.iter().enumerate() {
        if done > 0 {
            progress(Progress::Search { k, done, total: ks.len() });
        }
        let km = best_of(&sample_points, k, opts.iterations, opts.seed, backend)?;
        let labels: Vec<u32> = sil_rows.iter().map(|&r| km.assignments[r]).collect();
        let silhouette = distances.silhouette(&labels, k);
        scores.push(KScore { k, silhouette, inertia: km.inertia });
        if best.as_ref().is_none_or(|(s, _, _)| silhouette > *s) {
            best = Some((silhouette, k, km.centroids));
        }
    }
    let (_, k, centroids) = best.expect("at least one k");
    Ok(Search {
        k,
        centroids,
        chosen_by: if matches!(opts.k, KChoice::Fixed(_)) { "given".into() } else { "silhouette".into() },
        scores,
        sample: search_rows.len(),
        silhouette_sample: sil_rows.len(),
    })
}

/// The lowest-inertia k-means of [`INITS`] k-means++ starts (the first on a tie).
pub fn best_of(
    points: &Points<'_>,
    k: usize,
    iterations: usize,
    seed: u64,
    backend: &dyn Backend,
) -> Result<crate::compute::KMeans, AutoError> {
    let mut best: Option<crate::compute::KMeans> = None;
    for i in 0..INITS {
        let km = kmeans(points, k, iterations, seed.wrapping_add(i), backend)?;
        if best.as_ref().is_none_or(|b| km.inertia < b.inertia) {
            best = Some(km);
        }
    }
    Ok(best.expect("at least one start"))
}

/// The first `m` of a seeded shuffle of `0..n` (partial Fisher–Yates over a sparse swap
/// map, so drawing 200,000 of 10,000,000 touches 200,000 entries).
pub fn sample_order(n: usize, m: usize, seed: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EED_5A3F_1E00_0001);
    if m == n {
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..n.saturating_sub(1) {
            let j = rng.random_range(i..n);
            all.swap(i, j);
        }
        return all;
    }
    let mut swapped: hashbrown::HashMap<usize, usize> = hashbrown::HashMap::with_capacity(m * 2);
    let mut out = Vec::with_capacity(m);
    for i in 0..m {
        let j = rng.random_range(i..n);
        let at_j = *swapped.get(&j).unwrap_or(&j);
        let at_i = *swapped.get(&i).unwrap_or(&i);
        swapped.insert(j, at_i);
        out.push(at_j);
    }
    out
}

/// The rows `rows` of `points`, row-major.
fn gather(points: &Points<'_>, rows: &[usize]) -> Vec<f32> {
    let mut out = Vec::with_capacity(rows.len() * points.dims());
    for &r in rows {
        out.extend_from_slice(points.point(r));
    }
    out
}

/// Pairwise Euclidean distances of the silhouette's points, computed once for every k.
pub struct Distances {
    m: usize,
    /// Row-major `m × m`.
    d: Vec<f32>,
}

impl Distances {
    /// Distances between the `rows` of `points`.
    pub fn new(points: &Points<'_>, rows: &[usize]) -> Distances {
        let m = rows.len();
        let mut d = vec![0f32; m * m];
        d.par_chunks_mut(m.max(1)).enumerate().for_each(|(i, row)| {
            let p = points.point(rows[i]);
            for (j, out) in row.iter_mut().enumerate() {
                let q = points.point(rows[j]);
                let mut s = 0f32;
                for (a, b) in p.iter().zip(q) {
                    s += (a - b) * (a - b);
                }
                *out = s.sqrt();
            }
        });
        Distances { m, d }
    }

    /// The mean silhouette of the points labelled `labels` (clusters `0..k`): for each
    /// point, `(b - a) / max(a, b)` with `a` its mean distance to the rest of its cluster
    /// and `b` the smallest mean distance to another cluster; 0 for a point alone in its
    /// cluster. Deterministic: per-point sums in order, the mean in order.
    pub fn silhouette(&self, labels: &[u32], k: usize) -> f64 {
        let m = self.m;
        if m < 2 || k < 2 {
            return 0.0;
        }
        let mut sizes = vec![0usize; k];
        for &l in labels {
            sizes[l as usize] += 1;
        }
        let per_point: Vec<f64> = (0..m)
            .into_par_iter()
            .map(|i| {
                let own = labels[i] as usize;
                if sizes[own] <= 1 {
                    return 0.0;
                }
                let mut sums = vec![0f64; k];
                for (j, &dist) in self.d[i * m..(i + 1) * m].iter().enumerate() {
                    sums[labels[j] as usize] += f64::from(dist);
                }
                let a = sums[own] / (sizes[own] - 1) as f64;
                let b = (0..k)
                    .filter(|&c| c != own && sizes[c] > 0)
                    .map(|c| sums[c] / sizes[c] as f64)
                    .fold(f64::INFINITY, f64::min);
                if !b.is_finite() {
                    return 0.0;
                }
                let den = a.max(b);
                if den > 0.0 { (b - a) / den } else { 0.0 }
            })
            .collect();
        per_point.iter().sum::<f64>() / m as f64
    }
}
