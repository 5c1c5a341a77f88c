//! `--backend auto|cpu|gpu`: which backend runs a piece of work, and why.

use super::gpu::{AdapterPolicy, GpuBackend};
use super::{Backend, ComputeError, CpuBackend};
use std::fmt;
use std::str::FromStr;

/// What the user asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BackendChoice {
    /// The GPU when a hardware adapter exists and the work pays for the copies; else the CPU.
    #[default]
    Auto,
    Cpu,
    /// A GPU, software adapters (llvmpipe) included; an error when there is none.
    Gpu,
}

impl FromStr for BackendChoice {
    type Err = ComputeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(BackendChoice::Auto),
            "cpu" => Ok(BackendChoice::Cpu),
            "gpu" => Ok(BackendChoice::Gpu),
            _ => Err(ComputeError::UnknownBackend(s.to_string())),
        }
    }
}

impl fmt::Display for BackendChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BackendChoice::Auto => "auto",
            BackendChoice::Cpu => "cpu",
            BackendChoice::Gpu => "gpu",
        })
    }
}

/// The work about to run, for `auto` to weigh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// A filter over profile columns.
    Filter,
    /// k-means of `points` × `dims` into `k` clusters for `iterations` iterations.
    KMeans { points: usize, dims: usize, k: usize, iterations: usize },
}

/// Floating-point operations below which k-means stays on the CPU under `auto`: opening a
/// device and compiling pipelines costs ~0.1–0.3 s, which the CPU spends on about this much
/// work on a few cores.
const GPU_MIN_FLOPS: f64 = 1e10;

/// Distance evaluations per point (k × iterations) below which copying a point to the GPU
/// (4 bytes per coordinate over PCIe) costs more than computing with it on the CPU.
const GPU_MIN_REUSE: usize = 8;

/// The backend that will run, and the one line that says why.
pub struct Chosen {
    pub backend: Box<dyn Backend>,
    pub reason: String,
}

impl fmt::Debug for Chosen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chosen").field("backend", &self.backend.name()).field("reason", &self.reason).finish()
    }
}

fn cpu(reason: String) -> Chosen {
    Chosen { backend: Box::new(CpuBackend), reason }
}

/// Picks the backend for `work`. `Gpu` fails when no adapter opens; `Auto` falls back to
/// the CPU and says why.
pub fn choose(choice: BackendChoice, work: Work) -> Result<Chosen, ComputeError> {
    match choice {
        BackendChoice::Cpu => Ok(cpu("cpu: asked for with --backend cpu".into())),
        BackendChoice::Gpu => {
            let gpu = GpuBackend::new(AdapterPolicy::Any)?;
            let note = if gpu.is_software() {
                " (a software adapter: correct, but slower than the CPU)"
            } else {
                ""
            };
            let reason = format!("gpu: asked for with --backend gpu; adapter {}{note}", gpu.adapter());
            Ok(Chosen { backend: Box::new(gpu), reason })
        }
        BackendChoice::Auto => Ok(auto(work)),
    }
}

fn auto(work: Work) -> Chosen {
    let (iterations_per_point, flops, what, shape) = match work {
        Work::Filter => {
            return cpu("cpu: a filter reads each value once, so copying the columns to a GPU would cost \
                 more than scanning them here"
                .into());
        }
        Work::KMeans { points, dims, k, iterations } => (
            k * iterations.max(1),
            3.0 * points as f64 * dims as f64 * k as f64 * (iterations + 1) as f64,
            format!("k-means of {points} × {dims} into {k} clusters, {iterations} iterations"),
            (points, dims, k),
        ),
    };
    if flops < GPU_MIN_FLOPS || iterations_per_point < GPU_MIN_REUSE {
        return cpu(format!("cpu: {what} is too small to pay for starting a GPU and copying the points"));
    }
    let (points, dims, k) = shape;
    match GpuBackend::new(AdapterPolicy::Hardware)
        .and_then(|gpu| gpu.kmeans_chunk_rows(points, dims, k).map(|_| gpu))
    {
        Ok(gpu) => {
            let reason = format!("gpu: {what} on {}", gpu.adapter());
            Chosen { backend: Box::new(gpu), reason }
        }
        Err(ComputeError::NoAdapter(why)) => cpu(format!("cpu: no hardware GPU adapter ({why})")),
        Err(e) => cpu(format!("cpu: the GPU cannot run it: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_choices_and_names_the_bad_one() {
        assert_eq!("GPU".parse::<BackendChoice>().unwrap(), BackendChoice::Gpu);
        assert_eq!(" auto".parse::<BackendChoice>().unwrap(), BackendChoice::Auto);
        let err = "cuda".parse::<BackendChoice>().unwrap_err();
        assert_eq!(err.to_string(), "unknown backend \"cuda\": expected auto, cpu or gpu");
    }

    #[test]
    fn auto_keeps_filters_and_small_kmeans_on_the_cpu_without_probing() {
        let c = choose(BackendChoice::Auto, Work::Filter).unwrap();
        assert_eq!(c.backend.name(), "cpu");
        assert!(c.reason.contains("reads each value once"), "{}", c.reason);
        let small = Work::KMeans { points: 1000, dims: 16, k: 8, iterations: 20 };
        let c = choose(BackendChoice::Auto, small).unwrap();
        assert_eq!(c.backend.name(), "cpu");
        assert!(c.reason.contains("too small"), "{}", c.reason);
    }
}
