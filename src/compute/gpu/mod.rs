//! The GPU backend: the same kernels as WGSL compute shaders (`shaders/*.wgsl`) on wgpu.
//!
//! [`GpuBackend::new`] picks an adapter, checks its limits against what the kernels need
//! (a [`ComputeError::Limit`] names the one that falls short), opens a device with the
//! adapter's own limits (so storage bindings are as large as it allows) and compiles each
//! pipeline once, on first use.
//!
//! Inputs larger than one storage binding go through in chunks of whole workgroups, so
//! 10,000,000+ rows run on any adapter (llvmpipe binds at most 128 MiB).

mod filter;
mod kmeans;

use super::ComputeError;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use wgpu::util::DeviceExt;

/// Which adapters [`GpuBackend::new`] may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdapterPolicy {
    /// Any adapter, software rasterizers such as llvmpipe included (`--backend gpu`, tests).
    Any,
    /// Hardware only (`--backend auto`).
    Hardware,
}

/// Threads per workgroup in every kernel.
pub(crate) const WORKGROUP: u32 = 256;

/// The most workgroups one dispatch dimension takes (WebGPU's guaranteed minimum).
const MAX_GROUPS_X: u32 = 65_535;

/// The smallest storage binding the kernels accept (also what k-means' partial sums use).
const MIN_BINDING: u64 = 64 << 20;

/// A short description of an adapter: name, kind and API.
pub fn describe(info: &wgpu::AdapterInfo) -> String {
    let kind = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => "discrete GPU",
        wgpu::DeviceType::IntegratedGpu => "integrated GPU",
        wgpu::DeviceType::VirtualGpu => "virtual GPU",
        wgpu::DeviceType::Cpu => "software, runs on the CPU",
        wgpu::DeviceType::Other => "unknown kind",
    };
    format!("{} ({kind}, {:?})", info.name, info.backend)
}

/// Every adapter the system offers, best first: discrete, integrated, virtual, other,
/// software.
pub fn adapters() -> Vec<wgpu::Adapter> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let mut all = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
    all.sort_by_key(|a| rank(a.get_info().device_type));
    all
}

fn rank(kind: wgpu::DeviceType) -> u8 {
    match kind {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    }
}

/// Checks the limits every kernel needs; the error names the first that falls short.
fn check_limits(name: &str, limits: &wgpu::Limits) -> Result<(), ComputeError> {
    let needs: [(&'static str, u64, u64); 7] = [
        ("max_storage_buffers_per_shader_stage", 6, u64::from(limits.max_storage_buffers_per_shader_stage)),
        (
            "max_compute_invocations_per_workgroup",
            256,
            u64::from(limits.max_compute_invocations_per_workgroup),
        ),
        ("max_compute_workgroup_size_x", 256, u64::from(limits.max_compute_workgroup_size_x)),
        ("max_compute_workgroup_storage_size", 1024, u64::from(limits.max_compute_workgroup_storage_size)),
        (
            "max_compute_workgroups_per_dimension",
            65_535,
            u64::from(limits.max_compute_workgroups_per_dimension),
        ),
        ("max_storage_buffer_binding_size", MIN_BINDING, limits.max_storage_buffer_binding_size),
        ("max_buffer_size", MIN_BINDING, limits.max_buffer_size),
    ];
    for (limit, needed, available) in needs {
        if available < needed {
            return Err(ComputeError::Limit { adapter: name.to_string(), limit, needed, available });
        }
    }
    Ok(())
}

/// Runs the kernels on a wgpu device.
pub struct GpuBackend {
    device: wgpu::Device,
    queue: wgpu::Queue,
    info: wgpu::AdapterInfo,
    /// The most bytes one chunk's storage buffer holds.
    binding: u64,
    /// A cap on rows per chunk, below what the binding allows (tests use it to cross chunk
    /// edges with small inputs).
    chunk_rows: Option<usize>,
    /// Workgroups per dispatch dimension ([`MAX_GROUPS_X`]; lowered by tests so that small
    /// inputs take the two-dimensional layout).
    max_groups: u32,
    /// Each kernel's pipeline, by [`Kernel::slot`], compiled on first use.
    pipelines: [OnceLock<wgpu::ComputePipeline>; KERNELS],
    /// The first error the device reported outside a call's own checks (out of memory, a
    /// validation error): wgpu would panic on it; we keep it and fail the next read.
    failure: Arc<Mutex<Option<String>>>,
}

/// How many pipelines there are (the filter for each of four value kinds, bitmap logic,
/// and k-means' three).
const KERNELS: usize = 8;

/// A shader source, its entry point and overridable constants, and its pipeline's slot in
/// [`GpuBackend`].
#[derive(Clone, Copy)]
pub(crate) struct Kernel {
    pub name: &'static str,
    source: &'static str,
    entry: &'static str,
    constants: &'static [(&'static str, f64)],
    slot: usize,
}

const fn kernel(name: &'static str, source: &'static str, entry: &'static str, slot: usize) -> Kernel {
    Kernel { name, source, entry, constants: &[], slot }
}

/// The filter for rows of one kind (`KIND` in `filter.wgsl`: 0 f64, 1 i64, 2 i32, 3 codes).
pub(crate) const fn filter_kernel(kind: usize) -> Kernel {
    const KINDS: [&[(&str, f64)]; 4] =
        [&[("KIND", 0.0)], &[("KIND", 1.0)], &[("KIND", 2.0)], &[("KIND", 3.0)]];
    Kernel { name: "filter", source: FILTER_WGSL, entry: "select_rows", constants: KINDS[kind], slot: kind }
}

pub(crate) const LOGIC: Kernel = kernel("logic", LOGIC_WGSL, "logic", 4);
pub(crate) const ASSIGN: Kernel = kernel("kmeans assign", ASSIGN_WGSL, "assign", 5);
pub(crate) const BLOCK_SUMS: Kernel = kernel("kmeans block sums", SUMS_WGSL, "block_sums", 6);
pub(crate) const REDUCE: Kernel = kernel("kmeans reduce", REDUCE_WGSL, "reduce", 7);

/// A shader's source: `shaders/common.wgsl` (helpers every kernel uses), then the file.
macro_rules! shader {
    ($file:literal) => {
        concat!(
            include_str!("../../../shaders/common.wgsl"),
            include_str!(concat!("../../../shaders/", $file))
        )
    };
}

pub(crate) const FILTER_WGSL: &str = shader!("filter.wgsl");
pub(crate) const LOGIC_WGSL: &str = shader!("logic.wgsl");
pub(crate) const ASSIGN_WGSL: &str = shader!("kmeans_assign.wgsl");
pub(crate) const SUMS_WGSL: &str = shader!("kmeans_sums.wgsl");
pub(crate) const REDUCE_WGSL: &str = shader!("kmeans_reduce.wgsl");

/// Every shader, by file name, for the naga test.
pub const SHADERS: [(&str, &str); 5] = [
    ("filter.wgsl", FILTER_WGSL),
    ("logic.wgsl", LOGIC_WGSL),
    ("kmeans_assign.wgsl", ASSIGN_WGSL),
    ("kmeans_sums.wgsl", SUMS_WGSL),
    ("kmeans_reduce.wgsl", REDUCE_WGSL),
];

impl GpuBackend {
    /// Opens the best adapter `policy` allows; when one falls short (a limit) or does not
    /// open, the next is tried, and the first failure is reported if none opens.
    pub fn new(policy: AdapterPolicy) -> Result<Self, ComputeError> {
        let all = adapters();
        let seen: Vec<String> = all.iter().map(|a| describe(&a.get_info())).collect();
        let mut first_failure = None;
        for adapter in all {
            if policy == AdapterPolicy::Hardware && adapter.get_info().device_type == wgpu::DeviceType::Cpu {
                continue;
            }
            match Self::open(adapter) {
                Ok(gpu) => return Ok(gpu),
                Err(e) => {
                    first_failure.get_or_insert(e);
                }
            }
        }
        Err(first_failure.unwrap_or_else(|| {
            ComputeError::NoAdapter(if seen.is_empty() {
                "no Vulkan, Metal or DirectX 12 driver answered".to_string()
            } else {
                format!("only software adapters: {}", seen.join(", "))
            })
        }))
    }

    fn open(adapter: wgpu::Adapter) -> Result<Self, ComputeError> {
        let info = adapter.get_info();
        let name = describe(&info);
        let limits = adapter.limits();
        check_limits(&name, &limits)?;
        let descriptor = wgpu::DeviceDescriptor {
            label: Some("hyperseg"),
            required_limits: limits.clone(),
            ..Default::default()
        };
        let (device, queue) = pollster::block_on(adapter.request_device(&descriptor))
            .map_err(|e| ComputeError::Device { adapter: name, reason: e.to_string() })?;
        // Kernels index with u32: keep a binding under 2^32 bytes (2^30 values of 4 bytes).
        let binding =
            limits.max_storage_buffer_binding_size.min(limits.max_buffer_size).min(u64::from(u32::MAX) - 3);
        let failure = Arc::new(Mutex::new(None));
        let seen = Arc::clone(&failure);
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            let mut first = seen.lock().unwrap_or_else(|p| p.into_inner());
            first.get_or_insert_with(|| e.to_string());
        }));
        Ok(GpuBackend {
            device,
            queue,
            info,
            binding,
            chunk_rows: None,
            max_groups: MAX_GROUPS_X,
            pipelines: Default::default(),
            failure,
        })
    }

    /// Caps the rows per chunk (rounded down to whole workgroups of 256, at least one), to
    /// exercise chunking with small inputs.
    pub fn with_chunk_rows(mut self, rows: usize) -> Self {
        self.chunk_rows = Some((rows / WORKGROUP as usize).max(1) * WORKGROUP as usize);
        self
    }

    /// Lays dispatches of more than `groups` workgroups out in two dimensions (tests).
    #[cfg(test)]
    pub(crate) fn with_max_groups(mut self, groups: u32) -> Self {
        self.max_groups = groups.max(1);
        self
    }

    /// The adapter's description, for reports.
    pub fn adapter(&self) -> String {
        describe(&self.info)
    }

    /// Whether the adapter is a software rasterizer (llvmpipe, WARP, SwiftShader).
    pub fn is_software(&self) -> bool {
        self.info.device_type == wgpu::DeviceType::Cpu
    }

    /// Rows per chunk for `bytes_per_row` bytes each, a multiple of `multiple` (itself a
    /// multiple of 256): as many as one binding holds and one dispatch dimension reaches.
    pub(crate) fn chunk_rows(&self, bytes_per_row: u64, multiple: usize) -> Result<usize, ComputeError> {
        let by_binding = (self.binding / bytes_per_row.max(1)) as usize;
        let by_dispatch = self.max_groups as usize * WORKGROUP as usize;
        let mut rows = by_binding.min(by_dispatch);
        if let Some(cap) = self.chunk_rows {
            rows = rows.min(cap);
        }
        let rows = rows / multiple * multiple;
        if rows == 0 {
            return Err(ComputeError::Limit {
                adapter: self.adapter(),
                limit: "max_storage_buffer_binding_size",
                needed: bytes_per_row * multiple as u64,
                available: self.binding,
            });
        }
        Ok(rows)
    }

    /// Points per chunk of a k-means run of `n` × `dims` into `k` clusters: whole update
    /// blocks and workgroups that fit one binding. A [`ComputeError::Limit`] when not even
    /// one block fits (very wide points with many clusters).
    pub fn kmeans_chunk_rows(&self, n: usize, dims: usize, k: usize) -> Result<usize, ComputeError> {
        let plan = super::kmeans::SumPlan::new(n, dims, k);
        self.chunk_rows(4 * dims as u64, plan.block.max(WORKGROUP as usize))
    }

    fn pipeline(&self, kernel: Kernel) -> &wgpu::ComputePipeline {
        self.pipelines[kernel.slot].get_or_init(|| {
            let module = self.device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(kernel.name),
                source: wgpu::ShaderSource::Wgsl(kernel.source.into()),
            });
            self.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(kernel.name),
                layout: None,
                module: &module,
                entry_point: Some(kernel.entry),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: kernel.constants,
                    ..Default::default()
                },
                cache: None,
            })
        })
    }

    /// A storage buffer of at least `bytes` (rounded up to 4, never empty).
    fn storage(&self, label: &str, bytes: u64) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes.max(4).next_multiple_of(4),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        })
    }

    /// A uniform buffer holding `words`.
    fn uniform(&self, label: &str, words: &[u32]) -> wgpu::Buffer {
        self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::cast_slice(words),
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        })
    }

    /// A buffer the host can map to read `bytes` back.
    fn readback(&self, label: &str, bytes: u64) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes.max(4).next_multiple_of(4),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// Binds `buffers` to bindings 0, 1, … of `pipeline`'s group 0.
    fn bind(&self, kernel: Kernel, buffers: &[&wgpu::Buffer]) -> wgpu::BindGroup {
        let pipeline = self.pipeline(kernel);
        let entries: Vec<wgpu::BindGroupEntry<'_>> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
            .collect();
        self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(kernel.name),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        })
    }

    /// Records one dispatch of `groups` workgroups (laid out in two dimensions past 65,535).
    fn dispatch(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        kernel: Kernel,
        bind: &wgpu::BindGroup,
        groups: u32,
    ) {
        if groups == 0 {
            return;
        }
        let x = groups.min(self.max_groups);
        let y = groups.div_ceil(x);
        // Kernels skip the threads of the last row's extra workgroups by their row bound.
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some(kernel.name),
            timestamp_writes: None,
        });
        pass.set_pipeline(self.pipeline(kernel));
        pass.set_bind_group(0, bind, &[]);
        pass.dispatch_workgroups(x, y, 1);
    }

    fn encoder(&self) -> wgpu::CommandEncoder {
        self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("hyperseg") })
    }

    /// Submits `encoder`, then maps `buffer` and returns its first `bytes` as `u32` words.
    fn finish_and_read(
        &self,
        kernel: &'static str,
        encoder: wgpu::CommandEncoder,
        buffer: &wgpu::Buffer,
        bytes: u64,
    ) -> Result<Vec<u32>, ComputeError> {
        self.queue.submit([encoder.finish()]);
        self.read(kernel, buffer, bytes)
    }

    /// Fails with the first error the device reported, if any.
    pub(crate) fn check(&self, kernel: &'static str) -> Result<(), ComputeError> {
        let first = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        match first.as_ref() {
            Some(reason) => Err(ComputeError::Run { kernel, reason: reason.clone() }),
            None => Ok(()),
        }
    }

    /// Maps `buffer` (after the work already submitted) and copies out `bytes` as words.
    fn read(
        &self,
        kernel: &'static str,
        buffer: &wgpu::Buffer,
        bytes: u64,
    ) -> Result<Vec<u32>, ComputeError> {
        let bytes = bytes.max(4).next_multiple_of(4);
        let slice = buffer.slice(..bytes);
        let (tx, rx) = mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            // The receiver waits below; a send can only fail if it is gone, and then
            // nobody needs the answer.
            let _ = tx.send(r);
        });
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| ComputeError::Run { kernel, reason: e.to_string() })?;
        self.check(kernel)?;
        rx.recv()
            .map_err(|e| ComputeError::Run { kernel, reason: e.to_string() })?
            .map_err(|e| ComputeError::Run { kernel, reason: e.to_string() })?;
        let words = {
            let view =
                slice.get_mapped_range().map_err(|e| ComputeError::Run { kernel, reason: e.to_string() })?;
            bytemuck::cast_slice::<u8, u32>(&view).to_vec()
        };
        buffer.unmap();
        Ok(words)
    }
}

/// Workgroups for `threads` threads.
fn groups_for(threads: usize) -> u32 {
    u32::try_from(threads.div_ceil(WORKGROUP as usize)).expect("chunks keep dispatches within u32 workgroups")
}

/// The variable under which tests fail, instead of skipping, when no GPU adapter opens.
pub const REQUIRE_GPU_ENV: &str = "HYPERSEG_REQUIRE_GPU";

/// Whether [`REQUIRE_GPU_ENV`] is set (to anything but empty or `0`).
pub fn gpu_required() -> bool {
    std::env::var_os(REQUIRE_GPU_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

/// The GPU the tests share (any adapter, llvmpipe included), with chunks of 512 rows so
/// small inputs cross chunk edges; `None`, after saying so on stderr, when none opens and
/// [`REQUIRE_GPU_ENV`] is not set. Panics when it is set and none opens.
#[cfg(test)]
#[allow(clippy::print_stderr)]
pub(crate) fn test_gpu() -> Option<&'static GpuBackend> {
    static GPU: OnceLock<Option<GpuBackend>> = OnceLock::new();
    GPU.get_or_init(|| open_test_gpu(|gpu| gpu.with_chunk_rows(512))).as_ref()
}

/// A second test GPU whose dispatches go two-dimensional past 3 workgroups, so every
/// kernel's handling of the extra workgroups of the last row is exercised.
#[cfg(test)]
pub(crate) fn test_gpu_2d() -> Option<&'static GpuBackend> {
    static GPU: OnceLock<Option<GpuBackend>> = OnceLock::new();
    GPU.get_or_init(|| open_test_gpu(|gpu| gpu.with_max_groups(3))).as_ref()
}

#[cfg(test)]
#[allow(clippy::print_stderr)]
fn open_test_gpu(setup: impl FnOnce(GpuBackend) -> GpuBackend) -> Option<GpuBackend> {
    match GpuBackend::new(AdapterPolicy::Any) {
        Ok(gpu) => Some(setup(gpu)),
        Err(e) => {
            assert!(!gpu_required(), "{REQUIRE_GPU_ENV} is set but no GPU adapter opened: {e}");
            eprintln!(
                "GPU tests skipped: {e}. Install a Vulkan driver (e.g. mesa-vulkan-drivers) to run them; \
                 set {REQUIRE_GPU_ENV}=1 to make this a failure."
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_that_falls_short_is_named() {
        let small_binding =
            wgpu::Limits { max_storage_buffer_binding_size: 1 << 20, ..wgpu::Limits::default() };
        let err = check_limits("test adapter", &small_binding).unwrap_err();
        assert_eq!(
            err,
            ComputeError::Limit {
                adapter: "test adapter".into(),
                limit: "max_storage_buffer_binding_size",
                needed: MIN_BINDING,
                available: 1 << 20,
            }
        );
        assert!(
            err.to_string().contains("max_storage_buffer_binding_size is 1048576, hyperseg needs at least")
        );
        let webgl = wgpu::Limits::downlevel_webgl2_defaults();
        let err = check_limits("gl", &webgl).unwrap_err().to_string();
        assert!(err.contains("max_storage_buffers_per_shader_stage is 0"), "{err}");
        assert_eq!(check_limits("default", &wgpu::Limits::default()), Ok(()));
    }
}
