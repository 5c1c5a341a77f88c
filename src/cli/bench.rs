//! `hyperseg bench`: the pipeline's stages on generated data, as rows/s and MB/s.

use super::output::{Output, thousands};
use hyperseg::compute::{Backend, BackendChoice, CpuBackend, Points, Work, kmeans};
use hyperseg::generate::GenerateOptions;
use hyperseg::ingest::records::SourceSpec;
use hyperseg::ingest::sources::SourcedFile;
use hyperseg::ingest::{self, ImportOptions};
use hyperseg::pipeline;
use hyperseg::store::{Workspace, snapshot};
use serde::Serialize;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(clap::Subcommand, Debug)]
pub enum BenchCommand {
    /// Import (parse, validate, type, persist) a generated CRM dump, and reload it.
    #[command(after_help = "Example:\n  hyperseg bench ingest --rows 1000000")]
    Ingest {
        /// Rows to generate.
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Use this CSV instead of generating one.
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
        /// How many timed runs (the median is reported).
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
    /// Nights of a changing dump re-imported with --mode replace (about 1% of people leave,
    /// 1% arrive and 5% change a phone, e-mail or field each night), ten audiences refreshed
    /// and one exported: time per night, precision and recall against each night's truth,
    /// and the workspace's size.
    #[command(after_help = "Example:\n  hyperseg bench nightly --rows 1000000 --nights 30")]
    Nightly {
        /// Records of the dump on night 1.
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        #[arg(long, default_value_t = 30)]
        nights: u32,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Where the workspace (`ws/`) and the last night's dump and truth go (kept, to
        /// profile or re-import them); a temporary folder when absent.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Lead scoring: generated contacts and events imported (events/s, MB/s), then a
    /// 10-rule plan with expiry and decay applied to every profile (seconds).
    #[command(
        after_help = "Example:\n  hyperseg bench score --profiles 1000000 --events 10000000 --dir /tmp/bench-score"
    )]
    Score {
        #[arg(long, default_value_t = 1_000_000)]
        profiles: usize,
        #[arg(long, default_value_t = 10_000_000)]
        events: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Where the generated files and workspace go (kept, so a peer can read the same
        /// events file); a temporary folder when absent.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Evaluate the 5-condition filter of the audiences issue over generated profiles.
    #[command(after_help = "Example:\n  hyperseg bench filter --rows 10000000 --csv profiles.csv")]
    Filter {
        #[arg(long, default_value_t = 10_000_000)]
        rows: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        #[arg(long, default_value_t = 7)]
        repeat: usize,
        /// Also write the profiles as CSV, so a peer can filter the same data.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
    },
    /// k-means on generated points (uniform in the unit cube, so it runs every iteration):
    /// the assignment step alone, and whole runs; with a GPU, the CPU too, for the ratio.
    #[command(
        after_help = "Examples:\n  hyperseg bench kmeans --points 1000000 --dims 16 -k 8 --iterations 20\n  hyperseg --backend gpu bench kmeans --points 10000000"
    )]
    Kmeans {
        /// Points to generate.
        #[arg(long, default_value_t = 1_000_000)]
        points: usize,
        /// Dimensions per point.
        #[arg(long, default_value_t = 16)]
        dims: usize,
        /// Clusters.
        #[arg(short, long, default_value_t = 8)]
        k: usize,
        /// Updates per k-means run.
        #[arg(long, default_value_t = 20)]
        iterations: usize,
        /// Seeds both the points and the k-means++ start.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// How many timed runs (the median is reported).
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        /// Also write the points as raw little-endian f32, row-major, so a peer (faiss) can
        /// cluster the same data.
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
    },
    /// Automatic segmentation of generated profiles with planted segments, end to end
    /// (features, k search, final k-means, explanations, names), timed per step.
    #[command(
        name = "segment-auto",
        after_help = "Examples:\n  hyperseg --backend cpu bench segment-auto --rows 1000000\n  hyperseg bench segment-auto --rows 100000 --planted 4 --save /tmp/auto"
    )]
    SegmentAuto(super::bench_auto::SegmentAutoArgs),
    /// The HTML report on a generated workspace: its size and how long writing it takes.
    #[command(
        after_help = "Example:\n  hyperseg bench report --rows 1000000 --audiences 50 --dir /tmp/bench-report"
    )]
    Report(super::bench_report::ReportBenchArgs),
    /// Resolve a generated CRM dump into profiles; check against its ground truth.
    #[command(after_help = "Example:\n  hyperseg bench identity --rows 1000000")]
    Identity {
        /// Rows to generate.
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// How many timed runs (the median is reported).
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
    /// Enrichment: classifier quality on labelled text (`--eval`), or linking plus
    /// classification of generated messages in messages/s.
    #[command(
        after_help = "Examples:\n  hyperseg bench enrich --messages 10000000 --profiles 1000000\n  hyperseg bench enrich --eval ../shared/samples/olist_reviews_dev.csv --format olist --lang pt"
    )]
    Enrich(super::enrich::BenchEnrichArgs),
}

#[derive(Serialize)]
struct StageFigure {
    stage: &'static str,
    median_s: f64,
    best_s: f64,
    rows_per_s: f64,
    mb_per_s: f64,
}

impl StageFigure {
    /// The median and best of `times`, and the median's rate over `rows` rows and `bytes`.
    fn of(stage: &'static str, times: &mut [Duration], rows: f64, bytes: u64) -> StageFigure {
        let median = median(times);
        StageFigure {
            stage,
            median_s: median,
            best_s: times[0].as_secs_f64(),
            rows_per_s: rows / median,
            mb_per_s: bytes as f64 / 1e6 / median,
        }
    }
}

#[derive(Serialize)]
struct IngestBench {
    file: String,
    bytes: u64,
    rows_read: u64,
    rows_imported: u64,
    threads: usize,
    stages: Vec<StageFigure>,
    peak_rss_bytes: Option<u64>,
    peak_rss_over_file: Option<f64>,
}

pub fn run(cmd: BenchCommand, choice: BackendChoice, out: &Output) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Ingest { rows, seed, input, repeat } => {
            ingest_bench(rows, seed, input, repeat.max(1), out)
        }
        BenchCommand::Identity { rows, seed, repeat } => identity_bench(rows, seed, repeat.max(1), out),
        BenchCommand::Nightly { rows, nights, seed, dir } => {
            nightly_bench(rows, nights.max(1), seed, dir, out)
        }
        BenchCommand::Score { profiles, events, seed, dir } => score_bench(profiles, events, seed, dir, out),
        BenchCommand::Filter { rows, seed, repeat, csv } => {
            filter_bench(rows, seed, repeat.max(1), csv, choice, out)
        }
        BenchCommand::Kmeans { points, dims, k, iterations, seed, repeat, save } => {
            let shape = KMeansShape { points, dims, k, iterations, seed };
            kmeans_bench(shape, repeat.max(1), save, choice, out)
        }
        BenchCommand::SegmentAuto(args) => super::bench_auto::run(args, choice, out),
        BenchCommand::Report(args) => super::bench_report::run(args, choice, out),
        BenchCommand::Enrich(args) => super::enrich::bench(args, out),
    }
}

fn nightly_bench(
    rows: usize,
    nights: u32,
    seed: u64,
    dir: Option<PathBuf>,
    out: &Output,
) -> anyhow::Result<()> {
    let scratch = tempfile::tempdir()?;
    let dir = dir.unwrap_or_else(|| scratch.path().to_owned());
    std::fs::create_dir_all(&dir)?;
    if !out.json {
        out.text(&format!(
            "{:>5} {:>9} {:>9} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>8} {:>27} {:>9} {:>9} {:>9}",
            "night",
            "rows",
            "MB",
            "read",
            "match",
            "resolve",
            "commit",
            "refresh",
            "export",
            "total",
            "rows/s",
            "new/changed/unchanged/gone",
            "profiles",
            "prec",
            "recall"
        ))?;
    }
    let mut print = |n: &pipeline::nightly::NightFigures| {
        if out.json {
            return;
        }
        let [new, changed, unchanged, gone] = n.records;
        let _ = out.text(&format!(
            "{:>5} {:>9} {:>9.1} {:>7.3} {:>7.3} {:>7.3} {:>7.3} {:>7.3} {:>7.3} {:>7.3} {:>7.0}k {:>27} {:>9} {:>9.6} {:>9.6}  ws {:.1} MB, profiles +{} -{} ~{}",
            n.night,
            thousands(n.rows),
            n.file_bytes as f64 / 1e6,
            n.read_s,
            n.match_s,
            n.resolve_s,
            n.commit_s,
            n.refresh_s,
            n.export_s,
            n.total_s,
            n.rows as f64 / n.total_s / 1e3,
            format!("{new}/{changed}/{unchanged}/{gone}"),
            thousands(n.profiles),
            n.precision,
            n.recall,
            n.workspace_bytes as f64 / 1e6,
            n.profile_changes[0],
            n.profile_changes[1],
            n.profile_changes[2]
        ));
    };
    let figures = pipeline::nightly::run(&dir, rows, nights, seed, &CpuBackend, &mut print)?;
    let first = figures.first().map_or(0, |f| f.workspace_bytes);
    let last = figures.last().map_or(0, |f| f.workspace_bytes);
    let growth = last as f64 / first.max(1) as f64;
    if out.json {
        return out.json_value(&serde_json::json!({ "nights": figures, "workspace_growth": growth }));
    }
    out.text(&format!(
        "workspace after night 1: {:.1} MB, after night {}: {:.1} MB ({growth:.2}x)",
        first as f64 / 1e6,
        figures.len(),
        last as f64 / 1e6
    ))
}

fn ingest_bench(
    rows: usize,
    seed: u64,
    input: Option<PathBuf>,
    repeat: usize,
    out: &Output,
) -> anyhow::Result<()> {
    let scratch = tempfile::tempdir()?;
    let file = match input {
        Some(f) => f,
        None => {
            let f = scratch.path().join("bench.csv");
            let t0 = Instant::now();
            let opts = GenerateOptions { rows, seed, ..GenerateOptions::default() };
            super::generate::write(&opts, &f, &scratch.path().join("bench.truth.csv"))?;
            super::output::note(&format!(
                "generated {} rows in {:.2} s",
                thousands(rows as u64),
                t0.elapsed().as_secs_f64()
            ));
            f
        }
    };
    let bytes = std::fs::metadata(&file)?.len();
    reset_peak_rss();
    let opts = ImportOptions::default();
    let (mut parse, mut persist, mut reload) = (Vec::new(), Vec::new(), Vec::new());
    let mut counts = (0, 0);
    let mut peak = None;
    for run in 0..repeat {
        let dir = scratch.path().join(format!("ws{run}"));
        let mut ws = Workspace::init(&dir)?;
        let lock = ws.lock()?;
        let t0 = Instant::now();
        let ingested = ingest::read_csv(&file, &opts, &|_| {})?;
        let t1 = Instant::now();
        counts = (ingested.report.records_read, ingested.report.rows_imported);
        let prepared = ingest::prepare(&ws, &lock, ingested)?;
        let committed = ingest::commit(&mut ws, &lock, vec![prepared])?;
        let t2 = Instant::now();
        if run == 0 {
            // The first import's peak: later runs reuse freed memory the allocator kept.
            peak = peak_rss();
        }
        let id = committed[0].report.id.expect("committed imports have ids");
        let row = ws.catalog().import(id)?;
        let table = snapshot::read(&dir.join(row.snapshot))?;
        let t3 = Instant::now();
        assert_eq!(table.rows() as u64, counts.1, "reload gives back every row");
        parse.push(t1 - t0);
        persist.push(t2 - t1);
        reload.push(t3 - t2);
        drop(lock);
        drop(ws);
        std::fs::remove_dir_all(&dir)?;
    }
    let total: Vec<Duration> = parse.iter().zip(&persist).map(|(a, b)| *a + *b).collect();
    let figure = |stage, times: &mut Vec<Duration>| StageFigure::of(stage, times, counts.0 as f64, bytes);
    let report = IngestBench {
        file: file.display().to_string(),
        bytes,
        rows_read: counts.0,
        rows_imported: counts.1,
        threads: rayon::current_num_threads(),
        stages: vec![
            figure("parse+validate+type", &mut parse),
            figure("persist+commit", &mut persist),
            figure("import total", &mut total.clone()),
            figure("reload (mmap)", &mut reload),
        ],
        peak_rss_bytes: peak,
        peak_rss_over_file: peak.map(|p| p as f64 / bytes as f64),
    };
    if out.json {
        return out.json_value(&report);
    }
    let mut s = format!(
        "ingest of {} ({:.1} MB, {} rows, {} imported) on {} threads, median of {repeat}:\n",
        report.file,
        bytes as f64 / 1e6,
        thousands(counts.0),
        thousands(counts.1),
        report.threads
    );
    s.push_str(&format!(
        "  {:<22} {:>9} {:>9} {:>14} {:>10}\n",
        "stage", "median s", "best s", "rows/s", "MB/s"
    ));
    for f in &report.stages {
        s.push_str(&format!(
            "  {:<22} {:>9.3} {:>9.3} {:>14} {:>10.1}\n",
            f.stage,
            f.median_s,
            f.best_s,
            thousands(f.rows_per_s as u64),
            f.mb_per_s
        ));
    }
    if let Some(p) = peak {
        s.push_str(&format!(
            "  peak memory {:.1} MB = {:.2}× the file",
            p as f64 / 1e6,
            p as f64 / bytes as f64
        ));
    }
    out.text(s.trim_end())
}

/// Resets the kernel's peak-RSS mark (Linux), so the peak covers only what follows.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory since the last reset (Linux), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[derive(Serialize)]
struct IdentityBench {
    rows_imported: u64,
    threads: usize,
    profiles: usize,
    persons_in_truth: usize,
    pairwise_precision: f64,
    pairwise_recall: f64,
    stages: Vec<StageFigure>,
    import_with_resolution_over_import: f64,
}

fn median(times: &mut [Duration]) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64()
}

fn identity_bench(rows: usize, seed: u64, repeat: usize, out: &Output) -> anyhow::Result<()> {
    use hyperseg::identity::{self, IdentityConfig};
    let scratch = tempfile::tempdir()?;
    let file = scratch.path().join("bench.csv");
    let truth_file = scratch.path().join("bench.truth.csv");
    let opts = GenerateOptions { rows, seed, ..GenerateOptions::default() };
    super::generate::write(&opts, &file, &truth_file)?;
    let bytes = std::fs::metadata(&file)?.len();
    let truth = hyperseg::generate::ok_persons(std::fs::File::open(&truth_file)?)?;
    let import_opts = ImportOptions::default();
    let table = ingest::read_csv(&file, &import_opts, &|_| {})?.table;
    anyhow::ensure!(
        table.rows() == truth.len(),
        "the truth has {} ok records, the import {}",
        truth.len(),
        table.rows()
    );
    let config = IdentityConfig::default();

    // The compute core: normalise, join, union-find.
    let mut link_times = Vec::new();
    let mut linked = None;
    for _ in 0..repeat {
        let t0 = Instant::now();
        let l = identity::link(&[&table], &config);
        link_times.push(t0.elapsed());
        linked = Some(l);
    }
    let linked = linked.expect("repeat >= 1");
    let (precision, recall) = identity::pairwise_precision_recall(&linked.labels, &truth);
    let persons = truth.iter().collect::<std::collections::HashSet<_>>().len();
    drop(table);

    // Import alone against import + resolution + commit, each into a fresh workspace.
    let (mut alone, mut with) = (Vec::new(), Vec::new());
    for run in 0..repeat * 2 {
        let resolve = run % 2 == 1;
        let dir = scratch.path().join(format!("ws{run}"));
        let mut ws = Workspace::init(&dir)?;
        let lock = ws.lock()?;
        let t0 = Instant::now();
        let ingested = ingest::read_csv(&file, &import_opts, &|_| {})?;
        if resolve {
            let parsed = vec![SourcedFile { ingested, spec: SourceSpec::default() }];
            pipeline::commit_files(&mut ws, &lock, parsed, &hyperseg::compute::CpuBackend, &|_| {})?;
        } else {
            let prepared = ingest::prepare(&ws, &lock, ingested)?;
            ingest::commit(&mut ws, &lock, vec![prepared])?;
        }
        let elapsed = t0.elapsed();
        if resolve {
            with.push(elapsed)
        } else {
            alone.push(elapsed)
        };
        drop(lock);
        drop(ws);
        std::fs::remove_dir_all(&dir)?;
    }
    let n = linked.norm.records as f64;
    let figure = |stage, times: &mut Vec<Duration>| StageFigure::of(stage, times, n, bytes);
    let (alone_s, with_s) = (median(&mut alone), median(&mut with));
    let report = IdentityBench {
        rows_imported: linked.norm.records as u64,
        threads: rayon::current_num_threads(),
        profiles: linked.clusters,
        persons_in_truth: persons,
        pairwise_precision: precision,
        pairwise_recall: recall,
        stages: vec![
            figure("resolve (compute)", &mut link_times),
            figure("import alone", &mut alone),
            figure("import + resolve", &mut with),
        ],
        import_with_resolution_over_import: with_s / alone_s,
    };
    if out.json {
        return out.json_value(&report);
    }
    let mut s = format!(
        "identity resolution of {} records ({} generated rows) on {} threads, median of {repeat}:\n",
        thousands(report.rows_imported),
        thousands(rows as u64),
        report.threads
    );
    s.push_str(&format!(
        "  profiles {} (truth: {} persons); pairwise precision {:.6}, recall {:.6}\n",
        thousands(report.profiles as u64),
        thousands(persons as u64),
        precision,
        recall
    ));
    s.push_str(&format!("  {:<22} {:>9} {:>14}\n", "stage", "median s", "rows/s"));
    for f in &report.stages {
        s.push_str(&format!(
            "  {:<22} {:>9.3} {:>14}\n",
            f.stage,
            f.median_s,
            thousands(f.rows_per_s as u64)
        ));
    }
    s.push_str(&format!(
        "  import + resolve / import alone = {:.2}",
        report.import_with_resolution_over_import
    ));
    out.text(&s)
}

/// The filter of the audiences issue's benchmark.
pub const BENCH_FILTER: &str = r#"city = "São Paulo" and idade between 18 and 30 and (status_lead = "Não cliente" or status_lead = "Vendas qualificadas") and email contains "gmail" and valor_total > 100"#;

fn filter_bench(
    rows: usize,
    seed: u64,
    repeat: usize,
    csv_out: Option<PathBuf>,
    choice: BackendChoice,
    out: &Output,
) -> anyhow::Result<()> {
    use hyperseg::columns::Value;
    let table = hyperseg::generate::profiles::profile_table(rows, seed);
    if let Some(path) = &csv_out {
        let mut w = csv::Writer::from_path(path)?;
        let names: Vec<&str> = table.columns().iter().map(|c| c.name.as_str()).collect();
        w.write_record(&names)?;
        for r in 0..table.rows() {
            w.write_record(table.columns().iter().map(|c| match c.data.value(r) {
                Value::Null => String::new(),
                v => v.to_string(),
            }))?;
        }
        w.flush()?;
    }
    let expr =
        hyperseg::segment::parse_filter(BENCH_FILTER).map_err(|e| anyhow::anyhow!(e.render(BENCH_FILTER)))?;
    let backend = super::compute::backend(choice, Work::Filter)?;
    let mut times = Vec::with_capacity(repeat);
    let mut selected = 0;
    for _ in 0..repeat {
        let t0 = Instant::now();
        let bits = hyperseg::segment::evaluate(&expr, &table, backend.as_ref(), 20_000)?;
        times.push(t0.elapsed());
        selected = bits.count_ones();
    }
    let secs = median(&mut times);
    let threads = rayon::current_num_threads();
    let report = serde_json::json!({
        "backend": backend.name(),
        "rows": rows, "selected": selected, "threads": threads, "median_s": secs,
        "rows_per_s": rows as f64 / secs, "rows_per_s_per_core": rows as f64 / secs / threads as f64,
        "filter": BENCH_FILTER,
    });
    if out.json {
        return out.json_value(&report);
    }
    out.text(&format!(
        "filter over {} profiles on {} ({threads} threads), median of {repeat}: {secs:.4} s, {} rows/s ({} per core); {} selected\n  {BENCH_FILTER}",
        thousands(rows as u64),
        backend.name(),
        thousands((rows as f64 / secs) as u64),
        thousands((rows as f64 / secs / threads as f64) as u64),
        thousands(selected as u64)
    ))
}

#[derive(Clone, Copy, Debug)]
struct KMeansShape {
    points: usize,
    dims: usize,
    k: usize,
    iterations: usize,
    seed: u64,
}

/// One backend's k-means figures.
#[derive(Serialize)]
struct KMeansFigures {
    backend: String,
    /// Making the run: the CPU's lane layout, or the GPU's upload, buffers and pipelines.
    setup_s: f64,
    /// One assignment of every point (median).
    assign_s: f64,
    /// Distance evaluations (points × k) per second in the assignment.
    assign_distances_per_s: f64,
    /// One update: per-cluster sums and counts (median).
    sums_s: f64,
    /// A whole `kmeans()` call: k-means++, setup, the iterations and the final assignment.
    kmeans_s: f64,
    iterations: usize,
    inertia: f64,
}

fn kmeans_figures(
    points: &Points<'_>,
    shape: KMeansShape,
    repeat: usize,
    backend: &dyn Backend,
) -> anyhow::Result<KMeansFigures> {
    let centroids = hyperseg::compute::kmeans::kmeans_plus_plus(points, shape.k, shape.seed)?;
    let t0 = Instant::now();
    let mut run = backend.kmeans_run(points, shape.k)?;
    let setup_s = t0.elapsed().as_secs_f64();
    // One untimed pass (the GPU compiles its pipelines on first use).
    run.assign(&centroids)?;
    run.sums()?;
    let (mut assign, mut sums) = (Vec::with_capacity(repeat), Vec::with_capacity(repeat));
    for _ in 0..repeat {
        let t = Instant::now();
        run.assign(&centroids)?;
        assign.push(t.elapsed());
        let t = Instant::now();
        run.sums()?;
        sums.push(t.elapsed());
    }
    drop(run);
    let mut whole = Vec::with_capacity(repeat);
    let mut result = None;
    for _ in 0..repeat {
        let t = Instant::now();
        result = Some(kmeans(points, shape.k, shape.iterations, shape.seed, backend)?);
        whole.push(t.elapsed());
    }
    let result = result.expect("repeat is at least 1");
    let assign_s = median(&mut assign);
    Ok(KMeansFigures {
        backend: backend.name().to_string(),
        setup_s,
        assign_s,
        assign_distances_per_s: (shape.points * shape.k) as f64 / assign_s,
        sums_s: median(&mut sums),
        kmeans_s: median(&mut whole),
        iterations: result.iterations,
        inertia: result.inertia,
    })
}

fn kmeans_bench(
    shape: KMeansShape,
    repeat: usize,
    save: Option<PathBuf>,
    choice: BackendChoice,
    out: &Output,
) -> anyhow::Result<()> {
    let data = hyperseg::generate::points::uniform(shape.points, shape.dims, shape.seed);
    if let Some(path) = &save {
        std::fs::write(path, bytemuck::cast_slice::<f32, u8>(&data))?;
    }
    let points = Points::new(&data, shape.dims)?;
    let work =
        Work::KMeans { points: shape.points, dims: shape.dims, k: shape.k, iterations: shape.iterations };
    let chosen = super::compute::backend(choice, work)?;
    let mut figures = vec![kmeans_figures(&points, shape, repeat, chosen.as_ref())?];
    if figures[0].backend != "cpu" {
        figures.push(kmeans_figures(&points, shape, repeat, &CpuBackend)?);
    }
    let threads = rayon::current_num_threads();
    let ratio = (figures.len() == 2)
        .then(|| (figures[1].assign_s / figures[0].assign_s, figures[1].kmeans_s / figures[0].kmeans_s));
    if out.json {
        return out.json_value(&serde_json::json!({
            "points": shape.points, "dims": shape.dims, "k": shape.k, "iterations": shape.iterations,
            "seed": shape.seed, "threads": threads, "repeat": repeat, "figures": figures,
            "assign_speedup_over_cpu": ratio.map(|r| r.0), "kmeans_speedup_over_cpu": ratio.map(|r| r.1),
        }));
    }
    let mut s = format!(
        "k-means of {} × {} points into {} clusters, {} iterations, {threads} CPU threads, median of {repeat}\n",
        thousands(shape.points as u64),
        shape.dims,
        shape.k,
        shape.iterations
    );
    for f in &figures {
        s.push_str(&format!(
            "  {:<4} setup {:.4} s; assign {:.4} s ({} distances/s); sums {:.4} s; whole k-means {:.4} s ({} iterations, inertia {:.6e})\n",
            f.backend,
            f.setup_s,
            f.assign_s,
            thousands(f.assign_distances_per_s as u64),
            f.sums_s,
            f.kmeans_s,
            f.iterations,
            f.inertia
        ));
    }
    if let Some((assign, whole)) = ratio {
        s.push_str(&format!("  {} over cpu: assignment {assign:.2}×, whole k-means {whole:.2}× (above 1: faster than the CPU)\n", figures[0].backend));
    }
    out.text(s.trim_end())
}

fn score_bench(
    profiles: usize,
    events: u64,
    seed: u64,
    dir: Option<PathBuf>,
    out: &Output,
) -> anyhow::Result<()> {
    let temp = tempfile::tempdir()?;
    let dir = dir.unwrap_or_else(|| temp.path().to_owned());
    std::fs::create_dir_all(&dir)?;
    let f = hyperseg::score::bench::run(&dir, profiles, events, seed)?;
    if out.json {
        return out.json_value(&f);
    }
    out.text(&format!(
        "{} profiles, {} events ({:.1} MB), {} threads\n  events import: {:.2} s ({:.0} events/s, {:.1} MB/s)\n  score apply, {} rules with expiry and decay: {:.2} s (scoring itself {:.2} s)\n  hot {} · warm {} · cold {}\n  (generating took {:.1} s, importing the contacts {:.1} s)",
        thousands(f.profiles as u64),
        thousands(f.events),
        f.events_file_bytes as f64 / 1e6,
        f.threads,
        f.events_import_s,
        f.events_per_s,
        f.events_mb_per_s,
        f.rules,
        f.apply_s,
        f.compute_s,
        thousands(f.hot),
        thousands(f.warm),
        thousands(f.cold),
        f.generate_s,
        f.contacts_import_s
    ))
}
