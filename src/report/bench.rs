//! The report's benchmark (`hyperseg bench report`): a workspace like a real one — a
//! generated dump of `rows` records re-imported for a few nights (the nightly benchmark's
//! changing dump and its ten audiences), more manual audiences, and one generation of ten
//! automatic ones — then the report written several times: its size and how long it takes.

use super::{ReportError, ReportOptions};
use crate::compute::Backend;
use crate::segment::auto::{self, AutoOptions, KChoice, SegmentOptions};
use crate::store::Workspace;
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// What to build before measuring.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    pub rows: usize,
    pub nights: u32,
    /// Audiences in all: ten from the nightly benchmark, ten automatic, the rest manual.
    pub audiences: usize,
    pub seed: u64,
    /// How many times the report is written (the figures give the fastest and the median).
    pub repeats: usize,
}

/// What the benchmark measured.
#[derive(Clone, Debug, Serialize)]
pub struct BenchFigures {
    pub rows: usize,
    pub nights: u32,
    pub profiles: usize,
    pub audiences: usize,
    /// Building the workspace (nights, audiences, automatic segmentation), seconds.
    pub setup_s: f64,
    /// Writing the report: fastest and median of the repeats, seconds.
    pub report_min_s: f64,
    pub report_median_s: f64,
    pub bytes: u64,
    pub charts: usize,
}

fn bench_err(e: impl std::fmt::Display) -> ReportError {
    ReportError::Bench(e.to_string())
}

/// A manual audience's filter, different for each `k` (ages, purchases, visits, value).
fn filter(k: usize) -> String {
    match k % 4 {
        0 => format!("idade between {} and {}", 18 + (k * 3) % 50, 30 + (k * 3) % 50),
        1 => format!("compras >= {}", 1 + k % 20),
        2 => format!("visitas > {}", (k * 13) % 300),
        _ => format!("valor_total > {} and idade >= {}", (k * 250) % 8000, 18 + k % 40),
    }
}

/// Builds the workspace in `dir` (a new folder) and measures the report (written to
/// `dir/report.html`).
pub fn run(dir: &Path, opts: &BenchOptions, backend: &dyn Backend) -> Result<BenchFigures, ReportError> {
    let start = Instant::now();
    crate::pipeline::nightly::run(dir, opts.rows, opts.nights, opts.seed, backend, &mut |_| {})
        .map_err(bench_err)?;
    let mut ws = Workspace::open(&dir.join("ws"))?;
    let lock = ws.lock()?;
    let existing = ws.catalog().audiences()?.len();
    for k in 0..opts.audiences.saturating_sub(existing + 10) {
        let expr = crate::segment::parse_filter(&filter(k)).map_err(bench_err)?;
        crate::audience::create(
            &mut ws,
            &lock,
            &format!("bench {k}: {}", filter(k)),
            "",
            &expr,
            "bench",
            backend,
        )?;
    }
    let auto_opts = AutoOptions {
        segment: SegmentOptions { k: KChoice::Fixed(10), seed: opts.seed, ..SegmentOptions::default() },
        lang: auto::Lang::Pt,
        suggest_messages: false,
        messages_out: None,
        replace: true,
    };
    auto::run(&mut ws, &lock, &auto_opts, backend, &mut |_| {}).map_err(bench_err)?;
    drop(lock);
    let setup_s = start.elapsed().as_secs_f64();
    let out = dir.join("report.html");
    let mut times = Vec::new();
    let mut written = None;
    for _ in 0..opts.repeats.max(1) {
        let t = Instant::now();
        written = Some(super::write(&ws, &out, &ReportOptions::default())?);
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let written = written.expect("at least one repeat");
    let profiles = crate::identity::last_stats(&ws)?.map_or(0, |s| s.profiles);
    Ok(BenchFigures {
        rows: opts.rows,
        nights: opts.nights,
        profiles,
        audiences: ws.catalog().audiences()?.len(),
        setup_s,
        report_min_s: times[0],
        report_median_s: times[times.len() / 2],
        bytes: written.bytes,
        charts: written.charts,
    })
}
