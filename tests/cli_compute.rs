//! `--backend auto|cpu|gpu` through the real binary: the stderr line that says which backend
//! ran and why, the same answers on both, a clear error (exit 1, no panic) when no GPU
//! adapter exists, and `bench kmeans`.
//!
//! The GPU cases run on whatever adapter opens (Mesa's llvmpipe in CI). Without one they
//! skip with a note, unless `HYPERSEG_REQUIRE_GPU` is set, which makes that a failure.

mod common;

use common::{Workspace, fixture_arg};

/// Whether `--backend gpu` opens an adapter here.
#[allow(clippy::print_stderr)]
fn gpu_available(ws: &Workspace) -> bool {
    let run = ws.run(&["--backend", "gpu", "bench", "kmeans", "--points", "300", "-k", "3", "--repeat", "1"]);
    if run.code == 0 {
        return true;
    }
    assert!(run.stderr.contains("no GPU adapter found"), "unexpected failure:\n{}", run.stderr);
    let var = hyperseg::compute::gpu::REQUIRE_GPU_ENV;
    assert!(
        !hyperseg::compute::gpu::gpu_required(),
        "{var} is set but no GPU adapter opened:\n{}",
        run.stderr
    );
    eprintln!("GPU cases skipped: no adapter (install mesa-vulkan-drivers to run them)");
    false
}

fn leads() -> Workspace {
    let ws = Workspace::new();
    ws.import(&[fixture_arg("segment/leads.csv")]).ok();
    ws
}

const FILTER: &str =
    r#"city = "São Paulo" and idade between 18 and 30 or status_lead = "Vendas qualificadas""#;

#[test]
fn auto_and_cpu_say_which_backend_ran_and_why() {
    let ws = leads();
    let run = ws.run(&["--json", "segment", "preview", "--where", FILTER]).ok();
    assert!(run.stderr.contains("backend cpu: a filter reads each value once"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().filter(|l| l.starts_with("backend ")).count(), 1, "{}", run.stderr);
    let run = ws.run(&["--backend", "cpu", "segment", "preview", "--where", FILTER]).ok();
    assert!(run.stderr.contains("backend cpu: asked for with --backend cpu"), "{}", run.stderr);
    // Commands that compute nothing say nothing about backends.
    let run = ws.run(&["audiences", "list"]).ok();
    assert!(!run.stderr.contains("backend"), "{}", run.stderr);
}

#[test]
fn gpu_without_an_adapter_is_a_clear_error() {
    let ws = leads();
    let run = without_adapter(&ws, &["--backend", "gpu", "segment", "preview", "--where", FILTER])
        .user_error(&["no GPU adapter found", "--backend cpu"]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    without_adapter(&ws, &["--backend", "gpu", "bench", "kmeans", "--points", "100"])
        .user_error(&["no GPU adapter found"]);
}

#[test]
fn an_unknown_backend_is_refused() {
    let ws = leads();
    ws.run(&["--backend", "cuda", "segment", "preview", "--where", FILTER])
        .user_error(&["cuda", "auto, cpu, gpu"]);
    let mut cmd = common::command(ws.tmp.path());
    cmd.env("HYPERSEG_BACKEND", "tpu").arg("--workspace").arg(&ws.root).args(["audiences", "list"]);
    common::run_command(&mut cmd).user_error(&["tpu"]);
}

#[test]
fn gpu_previews_and_audiences_equal_the_cpu() {
    let ws = leads();
    if !gpu_available(&ws) {
        return;
    }
    let filters = [
        FILTER,
        r#"not (city = "recife") and valor_total > 100"#,
        r#"email contains "gmail" or idade < 25 or status_lead is empty"#,
    ];
    for filter in filters {
        let cpu = ws.run(&["--backend", "cpu", "--json", "segment", "preview", "--where", filter]).ok();
        let gpu = ws.run(&["--backend", "gpu", "--json", "segment", "preview", "--where", filter]).ok();
        assert!(gpu.stderr.contains("backend gpu: asked for with --backend gpu; adapter"), "{}", gpu.stderr);
        assert_eq!(gpu.json(), cpu.json(), "{filter}");
    }
    let created = ws
        .run(&["--backend", "gpu", "--json", "audiences", "create", "--name", "young", "--where", FILTER])
        .ok();
    let size = created.json()["size"].clone();
    let shown = ws.run(&["--backend", "cpu", "--json", "audiences", "show", "young"]).ok();
    assert_eq!(shown.json()["size_now"], size);
}

#[test]
fn bench_kmeans_reports_both_backends_with_the_same_inertia() {
    let ws = Workspace::new();
    let args =
        ["--json", "bench", "kmeans", "--points", "5000", "--dims", "4", "-k", "5", "--iterations", "6"];
    let cpu = ws.run(&[&["--backend", "cpu"][..], &args[..]].concat()).ok().json();
    let figures = cpu["figures"].as_array().unwrap();
    assert_eq!(figures.len(), 1);
    assert_eq!(figures[0]["backend"], "cpu");
    assert_eq!(figures[0]["iterations"], 6);
    assert!(figures[0]["inertia"].as_f64().unwrap() > 0.0);
    if !gpu_available(&ws) {
        return;
    }
    let gpu = ws.run(&[&["--backend", "gpu"][..], &args[..]].concat()).ok().json();
    let figures = gpu["figures"].as_array().unwrap();
    assert_eq!(figures.len(), 2, "with a GPU the CPU runs too, for the ratio");
    let (g, c) = (figures[0]["inertia"].as_f64().unwrap(), figures[1]["inertia"].as_f64().unwrap());
    assert!((g - c).abs() <= 1e-5 * c, "gpu {g} cpu {c}");
    assert!(gpu["assign_speedup_over_cpu"].as_f64().unwrap() > 0.0);
}

#[test]
fn bench_kmeans_refuses_empty_input_and_zero_k_without_panicking() {
    let ws = Workspace::new();
    for backend in ["cpu", "gpu"] {
        let run = ws.run(&["--backend", backend, "bench", "kmeans", "--points", "100", "-k", "0"]);
        if run.code == 1 && run.stderr.contains("no GPU adapter found") {
            continue;
        }
        run.user_error(&["k must be at least 1"]);
    }
    ws.run(&["--backend", "cpu", "bench", "kmeans", "--points", "0"]).user_error(&["no points to cluster"]);
}

/// `hyperseg --workspace ROOT ARGS` with no GPU adapter: WGPU_BACKEND=dx12 leaves none on
/// Linux, the same as a machine without a driver.
fn without_adapter(ws: &Workspace, args: &[&str]) -> common::Run {
    let mut cmd = common::command(ws.tmp.path());
    cmd.env("WGPU_BACKEND", "dx12").arg("--workspace").arg(&ws.root).args(args);
    common::run_command(&mut cmd)
}

#[test]
fn gpu_is_checked_even_when_the_filter_needs_no_kernel() {
    let ws = leads();
    // A text test on plain text runs on the CPU under any backend; --backend gpu still
    // has to find a GPU, and says so.
    let text_only = ["--backend", "gpu", "segment", "preview", "--where", r#"email contains "gmail""#];
    without_adapter(&ws, &text_only).user_error(&["no GPU adapter found"]);
    if gpu_available(&ws) {
        let run = ws.run(&text_only).ok();
        assert!(run.stderr.contains("backend gpu: asked for with --backend gpu"), "{}", run.stderr);
    }
}

#[test]
fn an_import_that_would_refresh_audiences_on_a_missing_gpu_fails_before_writing() {
    let ws = leads();
    ws.run(&["audiences", "create", "--name", "sp", "--where", r#"city = "sao paulo""#]).ok();
    let before = common::snapshot(&ws.root);
    without_adapter(&ws, &["--backend", "gpu", "import", &fixture_arg("segment/leads.csv")])
        .user_error(&["no GPU adapter found"]);
    assert_eq!(common::snapshot(&ws.root), before, "the workspace changed");
    // Without audiences there is nothing to compute: the import runs.
    let fresh = Workspace::new();
    without_adapter(&fresh, &["--backend", "gpu", "import", &fixture_arg("segment/leads.csv")]).ok();
}

#[test]
fn bench_filter_selects_the_same_profiles_on_both_backends_and_writes_its_csv() {
    let ws = Workspace::new();
    let csv = ws.out_path("profiles.csv");
    let args = ["bench", "filter", "--rows", "5000", "--repeat", "1"];
    let cpu = ws.run_json(&[&args[..], &["--csv", &common::path_arg(&csv)]].concat());
    assert_eq!((cpu["rows"].as_u64(), cpu["backend"].as_str()), (Some(5000), Some("cpu")));
    assert!(cpu["selected"].as_u64().is_some_and(|n| n > 0 && n < 5000), "{cpu}");
    let lines = std::fs::read_to_string(&csv).unwrap().lines().count();
    assert_eq!(lines, 5001, "a header and one line per profile");
    if gpu_available(&ws) {
        let gpu = ws.run_json(&[&["--backend", "gpu"], &args[..]].concat());
        assert_eq!(gpu["selected"], cpu["selected"]);
    }
}
