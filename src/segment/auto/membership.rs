//! Who belongs to which automatic audience.
//!
//! Every profile belongs to the audience of its nearest centroid (the k-means assignment).
//! A profile on a border also belongs to the audience of its second-nearest centroid when
//! that centroid's distance is at most `(1 + margin)` times the nearest one's (Euclidean
//! distances in feature space). So audiences may overlap, by a rule that only depends on
//! where the profile sits, and a margin of 0 gives a plain partition.

use crate::compute::Points;
use crate::compute::kmeans::assign_exact;
use rayon::prelude::*;

/// Rows per parallel task.
const CHUNK: usize = 16 * 1024;

/// The second-nearest centroid of `point` other than `nearest`, and the squared distances
/// to both (summed like [`assign_exact`]).
pub fn runner_up(point: &[f32], centroids: &[f32], nearest: u32) -> Option<(u32, f32, f32)> {
    let dims = point.len();
    let k = centroids.len() / dims;
    if k < 2 {
        return None;
    }
    let own = &centroids[nearest as usize * dims..(nearest as usize + 1) * dims];
    let (_, d1) = assign_exact(point, own);
    let mut best = (u32::MAX, f32::INFINITY);
    for c in 0..k as u32 {
        if c == nearest {
            continue;
        }
        let (_, d) = assign_exact(point, &centroids[c as usize * dims..(c as usize + 1) * dims]);
        if d < best.1 {
            best = (c, d);
        }
    }
    Some((best.0, d1, best.1))
}

/// The rows of each of the `k` audiences, ascending: the assignment plus, with `margin > 0`,
/// the profiles whose second-nearest centroid is within the margin.
pub fn members(points: &Points<'_>, centroids: &[f32], assignments: &[u32], margin: f64) -> Vec<Vec<u32>> {
    let k = centroids.len() / points.dims();
    let limit = ((1.0 + margin.max(0.0)) * (1.0 + margin.max(0.0))) as f32;
    // Per chunk: (row, second audience) pairs, in row order.
    let extra: Vec<Vec<(u32, u32)>> = if margin > 0.0 && k > 1 {
        assignments
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(b, chunk)| {
                let mut out = Vec::new();
                for (o, &a) in chunk.iter().enumerate() {
                    let row = b * CHUNK + o;
                    if let Some((c2, d1, d2)) = runner_up(points.point(row), centroids, a)
                        && d2 <= d1 * limit
                    {
                        out.push((row as u32, c2));
                    }
                }
                out
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut lists: Vec<Vec<u32>> = vec![Vec::new(); k];
    for (row, &a) in assignments.iter().enumerate() {
        lists[a as usize].push(row as u32);
    }
    let mut any_extra = vec![false; k];
    for &(row, c) in extra.iter().flatten() {
        lists[c as usize].push(row);
        any_extra[c as usize] = true;
    }
    for (list, extra) in lists.iter_mut().zip(any_extra) {
        if extra {
            list.sort_unstable();
        }
    }
    lists
}

/// How many of `rows` rows are in more than one audience.
pub fn overlapping(members: &[Vec<u32>], rows: usize) -> u64 {
    let total: usize = members.iter().map(Vec::len).sum();
    total.saturating_sub(rows) as u64
}
