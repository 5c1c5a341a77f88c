//! k-means: seeded k-means++ initialisation on the CPU, then Lloyd iterations whose two
//! heavy steps (assignment, and the per-cluster sums of the update) run on a [`Backend`].
//!
//! # Exactly the same answer on every backend
//!
//! - **Assignment**: the squared distance is `Σ_j (p_j - c_j)²` summed over `j` in order in
//!   `f32`, nearest centroid by strict `<` (ties go to the lowest index). [`assign_exact`]
//!   is the definition; the CPU backend computes exactly that, eight points at a time. The
//!   GPU may fuse a multiply and an add, so it lists the points whose best and second-best
//!   distances are within rounding error of each other ([`close_call_tolerance`]) and the
//!   host settles them with [`assign_exact`].
//! - **Update**: the per-cluster sums are added in a fixed order that both backends follow
//!   (see [`SumPlan`]): within a block of points in point order, then blocks in groups of
//!   [`GROUP`] in order, level after level. `f32` addition is correctly rounded on both, so
//!   the sums, and therefore the next centroids, are identical bit for bit.
//! - **Inertia** is the one figure that may differ (within 1e-5 relative): each backend
//!   adds the distances in its own order.
//!
//! A cluster left empty keeps its previous centroid. Iteration stops early when an update
//! leaves every centroid unchanged.

use super::{Backend, ComputeError};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Points, row-major: `data[i * dims + j]` is coordinate `j` of point `i`.
#[derive(Clone, Copy, Debug)]
pub struct Points<'a> {
    data: &'a [f32],
    dims: usize,
}

impl<'a> Points<'a> {
    /// Checks the shape (`dims > 0`, `data.len()` a multiple of it) and that every
    /// coordinate is finite; the error names the first bad point and dimension.
    pub fn new(data: &'a [f32], dims: usize) -> Result<Self, ComputeError> {
        if dims == 0 {
            return Err(ComputeError::Input("points need at least one dimension".into()));
        }
        if !data.len().is_multiple_of(dims) {
            return Err(ComputeError::Input(format!(
                "{} coordinates do not divide into points of {dims} dimensions",
                data.len()
            )));
        }
        if u32::try_from(data.len() / dims).is_err() {
            return Err(ComputeError::Input(format!(
                "{} points exceed the 2^32 - 1 supported",
                data.len() / dims
            )));
        }
        if let Some(at) = data.par_iter().position_first(|v| !v.is_finite()) {
            return Err(ComputeError::Input(format!(
                "point {} dimension {} is {}, every coordinate must be finite",
                at / dims,
                at % dims,
                data[at]
            )));
        }
        Ok(Points { data, dims })
    }

    pub fn data(&self) -> &'a [f32] {
        self.data
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    pub fn len(&self) -> usize {
        self.data.len() / self.dims
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Point `i`'s coordinates.
    pub fn point(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.dims..(i + 1) * self.dims]
    }
}

/// The result of [`kmeans`].
#[derive(Clone, Debug, PartialEq)]
pub struct KMeans {
    /// `k × dims`, row-major.
    pub centroids: Vec<f32>,
    /// The nearest centroid of every point, for the final centroids.
    pub assignments: Vec<u32>,
    /// Points per cluster.
    pub sizes: Vec<u64>,
    /// Sum of squared distances of every point to its centroid.
    pub inertia: f64,
    /// Updates run (fewer than asked when the centroids stopped moving).
    pub iterations: usize,
}

/// A backend's hold on the points for a whole k-means run: built once (for the GPU: the
/// points uploaded, pipelines and buffers made), then stepped once per iteration.
pub trait KMeansRun {
    /// Assigns every point to its nearest centroid (`k × dims` values) and returns the
    /// inertia.
    fn assign(&mut self, centroids: &[f32]) -> Result<f64, ComputeError>;

    /// Per-cluster coordinate sums and counts of the last assignment, added in the
    /// [`SumPlan`] order.
    fn sums(&mut self) -> Result<ClusterSums, ComputeError>;

    /// The last assignment.
    fn assignments(&mut self) -> Result<Vec<u32>, ComputeError>;
}

/// Per-cluster sums of coordinates (`k × dims`) and point counts.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterSums {
    pub sums: Vec<f32>,
    pub counts: Vec<u64>,
}

/// Partials are added in groups of this many, level after level.
pub const GROUP: usize = 256;

/// The most bytes the first level of partial sums may take.
const PARTIAL_BYTES: usize = 64 << 20;

/// The order of the update's sums: blocks of `block` points (a multiple of 128), then
/// groups of [`GROUP`] partials. Depends only on the shape, so every backend follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SumPlan {
    pub block: usize,
    /// Words per partial: `k × (dims + 1)` (each cluster's sums, then its count).
    pub slots: usize,
    pub dims: usize,
}

impl SumPlan {
    /// The smallest block (128 points, doubled) whose first-level partials fit in 64 MiB.
    pub fn new(n: usize, dims: usize, k: usize) -> Self {
        let slots = k * (dims + 1);
        let mut block = 128;
        while n.div_ceil(block) * slots * 4 > PARTIAL_BYTES && block < n {
            block *= 2;
        }
        SumPlan { block, slots, dims }
    }

    pub fn blocks(&self, n: usize) -> usize {
        n.div_ceil(self.block)
    }

    /// Whether slot `s` of a partial is a count.
    pub fn is_count(&self, s: usize) -> bool {
        s % (self.dims + 1) == self.dims
    }

    /// The final partial (one `slots`-word row) as sums and counts.
    pub fn unpack(&self, words: &[u32]) -> ClusterSums {
        let k = self.slots / (self.dims + 1);
        let mut sums = Vec::with_capacity(k * self.dims);
        let mut counts = Vec::with_capacity(k);
        for (s, &w) in words.iter().enumerate().take(self.slots) {
            if self.is_count(s) {
                counts.push(u64::from(w));
            } else {
                sums.push(f32::from_bits(w));
            }
        }
        ClusterSums { sums, counts }
    }
}

/// The exact assignment of one point: its nearest centroid (lowest index on ties) and the
/// squared distance, summed over dimensions in order with no fused multiply-add.
///
/// This is the definition every backend's assignment equals.
pub fn assign_exact(point: &[f32], centroids: &[f32]) -> (u32, f32) {
    let dims = point.len();
    let mut best = f32::INFINITY;
    let mut index = 0u32;
    for (c, centroid) in centroids.chunks_exact(dims).enumerate() {
        let mut d = 0f32;
        for (&p, &q) in point.iter().zip(centroid) {
            let diff = p - q;
            d += diff * diff;
        }
        if d < best {
            best = d;
            index = c as u32;
        }
    }
    (index, best)
}

/// The relative and absolute slack within which a fused and an unfused distance sum may
/// differ: each of the `dims` steps may round differently (at most one ulp of the running
/// sum and one of the product), and a GPU may flush subnormal terms to zero.
pub fn close_call_tolerance(dims: usize) -> (f32, f32) {
    let rel = 4.0 * (dims as f32 + 2.0) * f32::EPSILON;
    let tiny = (dims as f32 + 1.0) * f32::MIN_POSITIVE;
    (rel, tiny)
}

/// One block's partial: its points' sums per cluster in point order, then counts, laid out
/// as [`SumPlan`] words.
pub fn block_sums(
    points: &Points<'_>,
    assignment: &[u32],
    range: std::ops::Range<usize>,
    plan: &SumPlan,
) -> Vec<u32> {
    let dims = plan.dims;
    let width = dims + 1;
    let k = plan.slots / width;
    let mut sums = vec![0f32; k * dims];
    let mut counts = vec![0u32; k];
    for i in range {
        let c = assignment[i] as usize;
        let p = points.point(i);
        for (s, &v) in sums[c * dims..(c + 1) * dims].iter_mut().zip(p) {
            *s += v;
        }
        counts[c] += 1;
    }
    let mut out = Vec::with_capacity(plan.slots);
    for c in 0..k {
        out.extend(sums[c * dims..(c + 1) * dims].iter().map(|v| v.to_bits()));
        out.push(counts[c]);
    }
    out
}

/// One reduction level: each group of [`GROUP`] consecutive partials summed in order.
pub fn reduce_level(level: &[u32], plan: &SumPlan) -> Vec<u32> {
    let parts = level.len() / plan.slots;
    let outputs = parts.div_ceil(GROUP);
    let mut out = vec![0u32; outputs * plan.slots];
    out.par_chunks_mut(plan.slots).enumerate().for_each(|(g, row)| {
        let group = &level[g * GROUP * plan.slots..((g + 1) * GROUP).min(parts) * plan.slots];
        for (s, o) in row.iter_mut().enumerate() {
            if plan.is_count(s) {
                *o = group.chunks_exact(plan.slots).map(|p| p[s]).sum();
            } else {
                let mut acc = 0f32;
                for p in group.chunks_exact(plan.slots) {
                    acc += f32::from_bits(p[s]);
                }
                *o = acc.to_bits();
            }
        }
    });
    out
}

/// Reduces first-level partials to one, level by level.
pub fn reduce_all(mut level: Vec<u32>, plan: &SumPlan) -> ClusterSums {
    while level.len() > plan.slots {
        level = reduce_level(&level, plan);
    }
    if level.is_empty() {
        level = vec![0; plan.slots];
    }
    plan.unpack(&level)
}

/// New centroids from the sums: each cluster's mean, or its old centroid when empty.
fn centroids_from(sums: &ClusterSums, old: &[f32], dims: usize) -> Vec<f32> {
    let mut out = old.to_vec();
    for (c, &n) in sums.counts.iter().enumerate() {
        if n > 0 {
            for j in 0..dims {
                out[c * dims + j] = sums.sums[c * dims + j] / n as f32;
            }
        }
    }
    out
}

/// Points per task in the initialisation's parallel passes: fixed, so the sampling sums
/// come out the same on any number of cores.
const INIT_CHUNK: usize = 16 * 1024;

/// Seeded k-means++: the first centroid uniformly, each next one with probability
/// proportional to the squared distance to the nearest chosen so far (uniformly when every
/// point sits on a centroid, as when `k > n`). Fails as [`check`] does.
pub fn kmeans_plus_plus(points: &Points<'_>, k: usize, seed: u64) -> Result<Vec<f32>, ComputeError> {
    check(points, k)?;
    let n = points.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut centroids = Vec::with_capacity(k * points.dims());
    let first = rng.random_range(0..n);
    centroids.extend_from_slice(points.point(first));
    let mut nearest: Vec<f32> =
        (0..n).into_par_iter().map(|i| assign_exact(points.point(i), &centroids).1).collect();
    for _ in 1..k {
        let chunk_sums: Vec<f64> =
            nearest.par_chunks(INIT_CHUNK).map(|c| c.iter().map(|&d| f64::from(d)).sum()).collect();
        let total: f64 = chunk_sums.iter().sum();
        let pick = if total > 0.0 && total.is_finite() {
            let mut target = rng.random::<f64>() * total;
            let mut pick = n - 1;
            'search: for (ci, &s) in chunk_sums.iter().enumerate() {
                if target >= s {
                    target -= s;
                    continue;
                }
                let start = ci * INIT_CHUNK;
                for (i, &d) in nearest[start..(start + INIT_CHUNK).min(n)].iter().enumerate() {
                    target -= f64::from(d);
                    if target < 0.0 {
                        pick = start + i;
                        break 'search;
                    }
                }
            }
            pick
        } else {
            rng.random_range(0..n)
        };
        let chosen = points.point(pick);
        centroids.extend_from_slice(chosen);
        nearest.par_iter_mut().enumerate().for_each(|(i, d)| {
            let (_, to_new) = assign_exact(points.point(i), chosen);
            if to_new < *d {
                *d = to_new;
            }
        });
    }
    Ok(centroids)
}

/// Whether `k` clusters of `points` can be computed: at least one point, `1 <= k`, and at
/// most 2^24 centroid values (sums and counts) per update. Every entry point checks this.
pub fn check(points: &Points<'_>, k: usize) -> Result<(), ComputeError> {
    if points.is_empty() {
        return Err(ComputeError::Input("no points to cluster".into()));
    }
    if k == 0 {
        return Err(ComputeError::Input("k must be at least 1".into()));
    }
    if u32::try_from(k).is_err() || k.saturating_mul(points.dims() + 1) > 1 << 24 {
        return Err(ComputeError::Input(format!(
            "k = {k} with {} dimensions is more than the {} centroid values supported",
            points.dims(),
            1 << 24
        )));
    }
    Ok(())
}

/// k-means of `points` into `k` clusters: k-means++ from `seed`, then at most `iterations`
/// updates on `backend`, then a final assignment to the final centroids.
///
/// ```
/// use hyperseg::compute::{CpuBackend, Points, kmeans};
/// let data = [0.0, 0.0, 0.1, 0.0, 10.0, 10.0, 10.1, 10.0];
/// let points = Points::new(&data, 2).unwrap();
/// let result = kmeans(&points, 2, 10, 7, &CpuBackend).unwrap();
/// assert_eq!(result.assignments[0], result.assignments[1]);
/// assert_ne!(result.assignments[0], result.assignments[2]);
/// assert_eq!(result.sizes, vec![2, 2]);
/// ```
pub fn kmeans(
    points: &Points<'_>,
    k: usize,
    iterations: usize,
    seed: u64,
    backend: &dyn Backend,
) -> Result<KMeans, ComputeError> {
    // Checks the input, as the backend's run does again.
    let centroids = kmeans_plus_plus(points, k, seed)?;
    kmeans_from(points, centroids, iterations, backend)
}

/// k-means of `points` from the given initial `centroids` (`k × dims`, row-major): at most
/// `iterations` updates on `backend`, then a final assignment. [`kmeans`] is this after a
/// seeded k-means++ start.
pub fn kmeans_from(
    points: &Points<'_>,
    mut centroids: Vec<f32>,
    iterations: usize,
    backend: &dyn Backend,
) -> Result<KMeans, ComputeError> {
    let dims = points.dims();
    if centroids.is_empty() || !centroids.len().is_multiple_of(dims) {
        return Err(ComputeError::Input(format!(
            "{} initial centroid values do not divide into centroids of {dims} dimensions",
            centroids.len()
        )));
    }
    let k = centroids.len() / dims;
    let mut run = backend.kmeans_run(points, k)?;
    let mut done = 0;
    for _ in 0..iterations {
        run.assign(&centroids)?;
        let sums = run.sums()?;
        let next = centroids_from(&sums, &centroids, dims);
        done += 1;
        let moved = next.iter().zip(&centroids).any(|(a, b)| a.to_bits() != b.to_bits());
        centroids = next;
        if !moved {
            break;
        }
    }
    let inertia = run.assign(&centroids)?;
    let assignments = run.assignments()?;
    let mut sizes = vec![0u64; k];
    for &a in &assignments {
        sizes[a as usize] += 1;
    }
    Ok(KMeans { centroids, assignments, sizes, inertia, iterations: done })
}

/// Points per rayon task in the CPU twin's passes (blocks of 8 lanes).
const CPU_TASK_POINTS: usize = if cfg!(debug_assertions) { 64 } else { 8 * 1024 };

/// Lanes: points assigned together, one SIMD register of `f32` on AVX.
const LANES: usize = 8;

/// Centroids tested together per pass over a block's coordinates.
const TILE: usize = 4;

/// The CPU twin: the points regrouped 8 at a time with each coordinate's 8 values side by
/// side, so the distance loop runs across points in SIMD lanes while each lane still adds
/// its dimensions in order (the same arithmetic as [`assign_exact`]).
pub(crate) struct CpuRun<'a> {
    points: Points<'a>,
    k: usize,
    /// `[block][dim][lane]`, the last block padded with zeros.
    lanes: Vec<f32>,
    assignment: Vec<u32>,
}

impl<'a> CpuRun<'a> {
    pub(crate) fn new(points: &Points<'a>, k: usize) -> Result<Self, ComputeError> {
        check(points, k)?;
        let (n, dims) = (points.len(), points.dims());
        let mut lanes = vec![0f32; n.div_ceil(LANES) * LANES * dims];
        lanes.par_chunks_mut(LANES * dims).enumerate().for_each(|(b, block)| {
            for l in 0..LANES.min(n - b * LANES) {
                for (j, &v) in points.point(b * LANES + l).iter().enumerate() {
                    block[j * LANES + l] = v;
                }
            }
        });
        Ok(CpuRun { points: *points, k, lanes, assignment: vec![0; n] })
    }
}

/// Assigns one block of 8 points: `block` is `[dim][lane]`, `tiles` the centroids as
/// `[tile][dim][t]` padded with NaN (never nearer than anything). Returns each lane's
/// centroid and distance.
#[inline(always)]
fn assign_block(block: &[f32], tiles: &[f32], dims: usize) -> ([u32; LANES], [f32; LANES]) {
    let mut best = [f32::INFINITY; LANES];
    let mut index = [0u32; LANES];
    for (t, tile) in tiles.chunks_exact(TILE * dims).enumerate() {
        let mut acc = [[0f32; LANES]; TILE];
        for j in 0..dims {
            let p: &[f32; LANES] = block[j * LANES..(j + 1) * LANES].try_into().expect("a lane row");
            let c: &[f32; TILE] = tile[j * TILE..(j + 1) * TILE].try_into().expect("a tile row");
            for (a, &cv) in acc.iter_mut().zip(c) {
                for l in 0..LANES {
                    let diff = p[l] - cv;
                    a[l] += diff * diff;
                }
            }
        }
        for (u, a) in acc.iter().enumerate() {
            for l in 0..LANES {
                if a[l] < best[l] {
                    best[l] = a[l];
                    index[l] = (t * TILE + u) as u32;
                }
            }
        }
    }
    (index, best)
}

impl KMeansRun for CpuRun<'_> {
    fn assign(&mut self, centroids: &[f32]) -> Result<f64, ComputeError> {
        let dims = self.points.dims();
        let k = self.k;
        debug_assert_eq!(centroids.len(), k * dims);
        let mut tiles = vec![f32::NAN; k.div_ceil(TILE) * TILE * dims];
        for c in 0..k {
            let (t, u) = (c / TILE, c % TILE);
            for j in 0..dims {
                tiles[(t * dims + j) * TILE + u] = centroids[c * dims + j];
            }
        }
        let task_blocks = CPU_TASK_POINTS / LANES;
        let partial: Vec<f64> = self
            .assignment
            .par_chunks_mut(CPU_TASK_POINTS)
            .zip(self.lanes.par_chunks(task_blocks * LANES * dims))
            .map(|(out, blocks)| {
                let mut inertia = 0f64;
                for (o, block) in out.chunks_mut(LANES).zip(blocks.chunks_exact(LANES * dims)) {
                    let (index, best) = assign_block(block, &tiles, dims);
                    o.copy_from_slice(&index[..o.len()]);
                    inertia += best[..o.len()].iter().map(|&d| f64::from(d)).sum::<f64>();
                }
                inertia
            })
            .collect();
        Ok(partial.iter().sum())
    }

    fn sums(&mut self) -> Result<ClusterSums, ComputeError> {
        let n = self.points.len();
        let plan = SumPlan::new(n, self.points.dims(), self.k);
        let first: Vec<u32> = (0..plan.blocks(n))
            .into_par_iter()
            .flat_map_iter(|b| {
                block_sums(
                    &self.points,
                    &self.assignment,
                    b * plan.block..((b + 1) * plan.block).min(n),
                    &plan,
                )
            })
            .collect();
        Ok(reduce_all(first, &plan))
    }

    fn assignments(&mut self) -> Result<Vec<u32>, ComputeError> {
        Ok(self.assignment.clone())
    }
}
