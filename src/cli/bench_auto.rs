//! `hyperseg bench segment-auto`: automatic segmentation of generated profiles with planted
//! segments, end to end (features, k search, final k-means, membership, explanations,
//! names), timed per step, with the adjusted Rand index against the planted segments.

use super::compute::backend;
use super::output::{Output, thousands};
use hyperseg::compute::{BackendChoice, Work};
use hyperseg::generate::planted::{PlantedOptions, base_day, planted_table};
use hyperseg::segment::auto::{self, KChoice, Lang, Progress, SegmentOptions};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct SegmentAutoArgs {
    /// Profiles to generate.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Planted segments.
    #[arg(long, default_value_t = 6)]
    planted: usize,
    /// The k range searched.
    #[arg(long, default_value = "2..10")]
    k_range: String,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// How many timed runs (the median is reported).
    #[arg(long, default_value_t = 1)]
    repeat: usize,
    /// Also write, into this folder, the features (`features.f32`: raw little-endian f32,
    /// row-major), the final run's initial centroids (`init.f32`) and `run.json` (shape,
    /// iterations and final inertia), so a peer (scikit-learn) can cluster the same points
    /// from the same start (benches/compare_segment_auto.py).
    #[arg(long, value_name = "DIR")]
    save: Option<PathBuf>,
}

#[derive(Serialize, Default, Clone)]
struct Steps {
    features_s: f64,
    search_s: f64,
    final_s: f64,
    explain_s: f64,
    names_s: f64,
    total_s: f64,
}

#[derive(Serialize)]
struct Figures {
    rows: usize,
    planted: usize,
    k_range: String,
    backend: String,
    threads: usize,
    dims: usize,
    k_found: usize,
    ari: f64,
    iterations: usize,
    inertia: f64,
    runs: Vec<Steps>,
    median_total_s: f64,
    profiles_per_s: f64,
}

pub fn run(args: SegmentAutoArgs, choice: BackendChoice, out: &Output) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let (table, truth) =
        planted_table(&PlantedOptions { rows: args.rows, k: args.planted, seed: args.seed })?;
    super::output::note(&format!(
        "generated {} profiles in {:.2} s",
        thousands(args.rows as u64),
        t0.elapsed().as_secs_f64()
    ));
    let k = KChoice::parse_range(&args.k_range)?;
    let opts = SegmentOptions { k, seed: args.seed, as_of: base_day(), ..SegmentOptions::default() };
    let be =
        backend(choice, Work::KMeans { points: args.rows, dims: 24, k: 10, iterations: opts.iterations })?;
    let mut runs = Vec::new();
    let mut last = None;
    for _ in 0..args.repeat.max(1) {
        let mut marks: Vec<(Progress, Instant)> = Vec::new();
        let start = Instant::now();
        let seg = auto::segment(&table, &opts, be.as_ref(), &mut |p| marks.push((p, Instant::now())))?;
        let named = Instant::now();
        let mut taken = Vec::new();
        for e in &seg.explanations {
            let _ = (auto::words::name(e, Lang::Pt, &mut taken), auto::words::description(e, Lang::Pt));
        }
        let end = Instant::now();
        runs.push(steps(&marks, start, named, end));
        last = Some(seg);
    }
    let seg = last.expect("at least one run");
    if let Some(dir) = &args.save {
        save(dir, &seg, &opts)?;
    }
    let mut totals: Vec<f64> = runs.iter().map(|r| r.total_s).collect();
    totals.sort_by(f64::total_cmp);
    let median = totals[totals.len() / 2];
    let f = Figures {
        rows: args.rows,
        planted: args.planted,
        k_range: args.k_range,
        backend: be.name().to_owned(),
        threads: rayon::current_num_threads(),
        dims: seg.features.dims,
        k_found: seg.k,
        ari: auto::quality::adjusted_rand_index(&seg.assignments, &truth),
        iterations: seg.iterations,
        inertia: seg.inertia,
        runs,
        median_total_s: median,
        profiles_per_s: args.rows as f64 / median,
    };
    if out.json {
        return out.json_value(&f);
    }
    let r = f.runs.last().cloned().unwrap_or_default();
    out.text(&format!(
        "segment auto, {} profiles ({} planted segments, {} dims), k in {}, {} on {} threads:\n  \
         k found {} (ARI {:.4} against the planted segments), {} final iterations\n  \
         features {:.3} s, k search {:.3} s, final k-means {:.3} s, membership + explanations {:.3} s, names {:.3} s\n  \
         total {:.3} s (median of {}), {:.0} profiles/s",
        thousands(f.rows as u64),
        f.planted,
        f.dims,
        f.k_range,
        f.backend,
        f.threads,
        f.k_found,
        f.ari,
        f.iterations,
        r.features_s,
        r.search_s,
        r.final_s,
        r.explain_s,
        r.names_s,
        f.median_total_s,
        f.runs.len(),
        f.profiles_per_s
    ))
}

/// Step times from the progress marks: each step lasts until the next one starts.
fn steps(marks: &[(Progress, Instant)], start: Instant, named: Instant, end: Instant) -> Steps {
    let at = |want: fn(&Progress) -> bool| marks.iter().find(|(p, _)| want(p)).map_or(named, |(_, t)| *t);
    let search = at(|p| matches!(p, Progress::Search { .. }));
    let fin = at(|p| matches!(p, Progress::Final { .. }));
    let explain = at(|p| matches!(p, Progress::Explain));
    let secs = |a: Instant, b: Instant| b.duration_since(a).as_secs_f64();
    Steps {
        features_s: secs(start, search.min(fin)),
        search_s: secs(search.min(fin), fin),
        final_s: secs(fin, explain),
        explain_s: secs(explain, named),
        names_s: secs(named, end),
        total_s: secs(start, end),
    }
}

/// The comparison files (see [`SegmentAutoArgs::save`]).
fn save(dir: &std::path::Path, seg: &auto::Segmentation, opts: &SegmentOptions) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    std::fs::write(dir.join("features.f32"), bytes(&seg.features.data))?;
    std::fs::write(dir.join("init.f32"), bytes(&seg.search.centroids))?;
    let json = serde_json::json!({
        "rows": seg.features.rows, "dims": seg.features.dims, "k": seg.k,
        "iterations_max": opts.iterations, "iterations": seg.iterations, "inertia": seg.inertia,
    });
    std::fs::write(dir.join("run.json"), serde_json::to_vec_pretty(&json)?)?;
    Ok(())
}
