//! k-means on the GPU: the points are uploaded once, in chunks that each fit one storage
//! binding, and every buffer, bind group and pipeline is made once per run; an iteration
//! then only writes the centroids and reads back the sums (a few kilobytes) and one inertia
//! partial per 256 points (about 156 KB at 10M points).

use super::{ASSIGN, BLOCK_SUMS, GpuBackend, REDUCE, groups_for};
use crate::compute::ComputeError;
use crate::compute::kmeans::{
    ClusterSums, GROUP, KMeansRun, Points, SumPlan, assign_exact, close_call_tolerance,
};
use rayon::prelude::*;

/// Close calls the assignment kernel can list per pass; past that the host assigns every
/// point itself for that pass (only degenerate data, such as many equidistant points).
const CLOSE_CAPACITY: usize = 1 << 16;

/// One chunk of points and its assignment, with its bind groups.
struct Chunk {
    start: usize,
    rows: usize,
    assignment: wgpu::Buffer,
    assign_bind: wgpu::BindGroup,
    sums_bind: wgpu::BindGroup,
}

pub(crate) struct GpuRun<'a> {
    gpu: &'a GpuBackend,
    points: Points<'a>,
    chunk_rows: usize,
    chunks: Vec<Chunk>,
    centroids: wgpu::Buffer,
    inertia: wgpu::Buffer,
    /// Assignment workgroups over all chunks (each chunk starts on a workgroup edge), one
    /// inertia partial each.
    groups: usize,
    close_count: wgpu::Buffer,
    close_calls: wgpu::Buffer,
    /// The close-call count, then the inertia partials.
    stats_back: wgpu::Buffer,
    close_back: wgpu::Buffer,
    /// Reduction levels: bind group and workgroups, in order.
    levels: Vec<(wgpu::BindGroup, u32)>,
    /// The buffer the last level writes (the first-level partials when there is one block).
    final_sums: usize,
    partials: [wgpu::Buffer; 2],
    sums_back: wgpu::Buffer,
    plan: SumPlan,
    // Uniform buffers, kept alive with the bind groups that use them.
    _uniforms: Vec<wgpu::Buffer>,
}

impl<'a> GpuRun<'a> {
    pub(crate) fn new(gpu: &'a GpuBackend, points: &Points<'a>, k: usize) -> Result<Self, ComputeError> {
        crate::compute::kmeans::check(points, k)?;
        let (n, dims) = (points.len(), points.dims());
        let plan = SumPlan::new(n, dims, k);
        let chunk_rows = gpu.kmeans_chunk_rows(n, dims, k)?;
        let (tol, tiny) = close_call_tolerance(dims);
        let centroids = gpu.storage("centroids", (k * dims * 4) as u64);
        let blocks = plan.blocks(n);
        let partials = [
            gpu.storage("partials", (blocks * plan.slots * 4) as u64),
            gpu.storage("partials", (blocks.div_ceil(GROUP) * plan.slots * 4) as u64),
        ];
        let groups = n.div_ceil(256);
        let inertia = gpu.storage("inertia", (groups * 4) as u64);
        let close_count = gpu.storage("close count", 4);
        let close_calls = gpu.storage("close calls", (CLOSE_CAPACITY * 12) as u64);
        let mut uniforms = Vec::new();
        let mut chunks = Vec::new();
        let mut start = 0;
        while start < n {
            let rows = chunk_rows.min(n - start);
            let buffer = gpu.storage("points", (rows * dims * 4) as u64);
            gpu.queue.write_buffer(
                &buffer,
                0,
                bytemuck::cast_slice(&points.data()[start * dims..(start + rows) * dims]),
            );
            let assignment = gpu.storage("assignment", (rows * 4) as u64);
            let assign_params = gpu.uniform(
                "assign params",
                &[
                    rows as u32,
                    dims as u32,
                    k as u32,
                    start as u32,
                    // The chunk's first workgroup: chunks start on multiples of 256 points.
                    (start / 256) as u32,
                    CLOSE_CAPACITY as u32,
                    tol.to_bits(),
                    tiny.to_bits(),
                ],
            );
            let assign_bind = gpu.bind(
                ASSIGN,
                &[&assign_params, &buffer, &centroids, &assignment, &inertia, &close_count, &close_calls],
            );
            let sum_params = gpu.uniform(
                "sum params",
                &[
                    rows as u32,
                    dims as u32,
                    k as u32,
                    plan.block as u32,
                    (start / plan.block) as u32,
                    0,
                    0,
                    0,
                ],
            );
            let sums_bind = gpu.bind(BLOCK_SUMS, &[&sum_params, &buffer, &assignment, &partials[0]]);
            uniforms.extend([assign_params, sum_params]);
            chunks.push(Chunk { start, rows, assignment, assign_bind, sums_bind });
            start += rows;
        }
        let mut levels = Vec::new();
        let mut parts = blocks;
        let mut current = 0;
        while parts > 1 {
            let outputs = parts.div_ceil(GROUP);
            let params =
                gpu.uniform("reduce params", &[parts as u32, plan.slots as u32, GROUP as u32, dims as u32]);
            let bind = gpu.bind(REDUCE, &[&params, &partials[current], &partials[1 - current]]);
            uniforms.push(params);
            levels.push((bind, groups_for(outputs * plan.slots)));
            current = 1 - current;
            parts = outputs;
        }
        // Buffer creation reports running out of device memory here, not by panicking.
        gpu.check("kmeans setup")?;
        Ok(GpuRun {
            gpu,
            points: *points,
            chunk_rows,
            chunks,
            centroids,
            inertia,
            groups,
            close_count,
            close_calls,
            stats_back: gpu.readback("stats", ((groups + 1) * 4) as u64),
            close_back: gpu.readback("close calls", (CLOSE_CAPACITY * 12) as u64),
            levels,
            final_sums: current,
            partials,
            sums_back: gpu.readback("sums", (plan.slots * 4) as u64),
            plan,
            _uniforms: uniforms,
        })
    }

    /// Writes point `i`'s assignment into its chunk's buffer.
    fn write_assignment(&self, i: usize, c: u32) {
        let chunk = &self.chunks[i / self.chunk_rows];
        self.gpu.queue.write_buffer(&chunk.assignment, ((i - chunk.start) * 4) as u64, &c.to_le_bytes());
    }

    /// Every point assigned on the host (the close-call list overflowed): uploads the
    /// exact assignment and returns its inertia.
    fn assign_all_on_host(&self, centroids: &[f32]) -> f64 {
        let exact: Vec<(u32, f32)> = (0..self.points.len())
            .into_par_iter()
            .map(|i| assign_exact(self.points.point(i), centroids))
            .collect();
        for chunk in &self.chunks {
            let ids: Vec<u32> = exact[chunk.start..chunk.start + chunk.rows].iter().map(|e| e.0).collect();
            self.gpu.queue.write_buffer(&chunk.assignment, 0, bytemuck::cast_slice(&ids));
        }
        exact.iter().map(|e| f64::from(e.1)).sum()
    }
}

impl KMeansRun for GpuRun<'_> {
    fn assign(&mut self, centroids: &[f32]) -> Result<f64, ComputeError> {
        let gpu = self.gpu;
        gpu.queue.write_buffer(&self.centroids, 0, bytemuck::cast_slice(centroids));
        gpu.queue.write_buffer(&self.close_count, 0, &0u32.to_le_bytes());
        let mut encoder = gpu.encoder();
        for chunk in &self.chunks {
            gpu.dispatch(&mut encoder, ASSIGN, &chunk.assign_bind, groups_for(chunk.rows));
        }
        encoder.copy_buffer_to_buffer(&self.close_count, 0, &self.stats_back, 0, 4);
        encoder.copy_buffer_to_buffer(&self.inertia, 0, &self.stats_back, 4, (self.groups * 4) as u64);
        let stats =
            gpu.finish_and_read(ASSIGN.name, encoder, &self.stats_back, ((self.groups + 1) * 4) as u64)?;
        let close = stats[0] as usize;
        if close > CLOSE_CAPACITY {
            return Ok(self.assign_all_on_host(centroids));
        }
        let mut inertia: f64 = stats[1..=self.groups].iter().map(|&w| f64::from(f32::from_bits(w))).sum();
        if close > 0 {
            let mut encoder = gpu.encoder();
            encoder.copy_buffer_to_buffer(&self.close_calls, 0, &self.close_back, 0, (close * 12) as u64);
            let calls = gpu.finish_and_read(ASSIGN.name, encoder, &self.close_back, (close * 12) as u64)?;
            for call in calls.chunks_exact(3).take(close) {
                let i = call[0] as usize;
                let (c, d) = assign_exact(self.points.point(i), centroids);
                if c != call[1] {
                    self.write_assignment(i, c);
                }
                inertia += f64::from(d) - f64::from(f32::from_bits(call[2]));
            }
        }
        Ok(inertia)
    }

    fn sums(&mut self) -> Result<ClusterSums, ComputeError> {
        let gpu = self.gpu;
        let mut encoder = gpu.encoder();
        for chunk in &self.chunks {
            let blocks = chunk.rows.div_ceil(self.plan.block);
            let groups = u32::try_from(blocks).expect("a chunk holds at most 65,535 × 256 points");
            gpu.dispatch(&mut encoder, BLOCK_SUMS, &chunk.sums_bind, groups);
        }
        for (bind, groups) in &self.levels {
            gpu.dispatch(&mut encoder, REDUCE, bind, *groups);
        }
        let bytes = (self.plan.slots * 4) as u64;
        encoder.copy_buffer_to_buffer(&self.partials[self.final_sums], 0, &self.sums_back, 0, bytes);
        let words = gpu.finish_and_read(BLOCK_SUMS.name, encoder, &self.sums_back, bytes)?;
        Ok(self.plan.unpack(&words[..self.plan.slots]))
    }

    fn assignments(&mut self) -> Result<Vec<u32>, ComputeError> {
        let gpu = self.gpu;
        let mut out = Vec::with_capacity(self.points.len());
        let back = gpu.readback("assignment", (self.chunk_rows * 4) as u64);
        for chunk in &self.chunks {
            let mut encoder = gpu.encoder();
            encoder.copy_buffer_to_buffer(&chunk.assignment, 0, &back, 0, (chunk.rows * 4) as u64);
            out.extend_from_slice(
                &gpu.finish_and_read(ASSIGN.name, encoder, &back, (chunk.rows * 4) as u64)?[..chunk.rows],
            );
        }
        Ok(out)
    }
}
