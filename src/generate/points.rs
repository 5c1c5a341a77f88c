//! Points for k-means benchmarks and tests.

use super::block_rng;
use rand::Rng;
use rayon::prelude::*;

/// Points per block, each block with its own ChaCha8 stream.
const BLOCK: usize = 1 << 16;

/// `n` points of `dims` coordinates uniform in the unit cube, row-major, generated in
/// parallel; the values depend only on `(n, dims, seed)`, not on the thread count.
/// Uniform data has no clusters to settle into, so k-means runs every iteration on it.
pub fn uniform(n: usize, dims: usize, seed: u64) -> Vec<f32> {
    let mut data = vec![0f32; n * dims];
    data.par_chunks_mut(BLOCK * dims.max(1)).enumerate().for_each(|(b, chunk)| {
        let mut rng = block_rng(seed, b);
        for v in chunk {
            *v = rng.random::<f32>();
        }
    });
    data
}
