//! `hyperseg bench report`: how large the report is and how long it takes on a workspace of
//! `--rows` records and `--audiences` audiences.

use super::output::{Output, thousands};
use hyperseg::compute::{BackendChoice, Work};
use hyperseg::report::bench::{self, BenchOptions};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ReportBenchArgs {
    /// Records of the generated dump.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Nights the dump is re-imported (each an import on the timeline).
    #[arg(long, default_value_t = 3)]
    nights: u32,
    /// Audiences in all (ten automatic, the rest manual).
    #[arg(long, default_value_t = 50)]
    audiences: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// How many times the report is written.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Where the workspace and `report.html` go (kept); a temporary folder when absent.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

pub fn run(args: ReportBenchArgs, choice: BackendChoice, out: &Output) -> anyhow::Result<()> {
    let scratch = tempfile::tempdir()?;
    let dir = args.dir.clone().unwrap_or_else(|| scratch.path().join("bench"));
    let backend = super::compute::backend(choice, Work::Filter)?;
    let opts = BenchOptions {
        rows: args.rows,
        nights: args.nights.max(1),
        audiences: args.audiences,
        seed: args.seed,
        repeats: args.repeat.max(1),
    };
    let f = bench::run(&dir, &opts, backend.as_ref())?;
    out.message(
        &format!(
            "report of {} profiles ({} records, {} nights) and {} audiences: {} bytes, {} charts; written in {:.2} s (fastest of {}; median {:.2} s); workspace built in {:.1} s{}",
            thousands(f.profiles as u64),
            thousands(f.rows as u64),
            f.nights,
            f.audiences,
            thousands(f.bytes),
            f.charts,
            f.report_min_s,
            opts.repeats,
            f.report_median_s,
            f.setup_s,
            if args.dir.is_some() { format!("; {}", dir.join("report.html").display()) } else { String::new() },
        ),
        &f,
    )
}
