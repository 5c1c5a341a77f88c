//! The command-line interface: argument parsing, progress bars, human and `--json` output,
//! and exit codes (0 ok, 1 user error, 2 internal error).

mod audiences;
mod bench;
mod bench_auto;
mod bench_report;
mod compute;
mod demo;
mod enrich;
mod events;
mod fields;
mod generate;
mod import;
mod imports;
mod output;
mod profiles;
mod progress;
mod report;
mod run;
mod score;
mod segment;
mod segment_auto;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hyperseg::audience::AudienceError;
use hyperseg::compute::{BackendChoice, ComputeError};
use hyperseg::enrich::EnrichError;
use hyperseg::identity::IdentityError;
use hyperseg::ingest::IngestError;
use hyperseg::pipeline::PipelineError;
use hyperseg::segment::auto::AutoError;
use hyperseg::store::{StoreError, Workspace};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// hyperseg — unified customer profiles, lead scores and audiences from whole CRM dumps.
#[derive(Parser, Debug)]
#[command(name = "hyperseg", version, about, long_about = None, after_help = "Start with `hyperseg demo`, or:\n  hyperseg init ws && hyperseg --workspace ws import contacts.csv")]
pub struct Cli {
    /// The workspace folder (made by `hyperseg init`).
    #[arg(long, short = 'w', global = true, env = "HYPERSEG_WORKSPACE")]
    workspace: Option<PathBuf>,

    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,

    /// Where filters and k-means run: `auto` (a hardware GPU when the work pays for the
    /// copies, else the CPU), `cpu`, or `gpu` (any adapter; an error when there is none).
    #[arg(long, global = true, env = "HYPERSEG_BACKEND", default_value = "auto",
          value_parser = clap::builder::PossibleValuesParser::new(["auto", "cpu", "gpu"]))]
    backend: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a new workspace in DIR.
    #[command(after_help = "Example:\n  hyperseg init ./crm-workspace")]
    Init {
        /// A new or empty folder.
        dir: PathBuf,
    },
    /// Import CRM dumps (CSV, comma, semicolon or tab, UTF-8); all files land together or none does.
    #[command(after_help = "Example:\n  hyperseg -w ws import contacts.csv --rejects rejected.csv")]
    Import(import::ImportArgs),
    /// List and show past imports.
    #[command(subcommand)]
    Imports(imports::ImportsCommand),
    /// Run a nightly job: imports, then audience exports, each step committed and recorded.
    #[command(
        after_help = "Example:\n  hyperseg -w ws run datasets/nightly.toml --date 2026-11-30 --wait 60"
    )]
    Run(run::RunArgs),
    /// The recorded runs of nightly jobs.
    #[command(subcommand)]
    Runs(run::RunsCommand),
    /// The sources imports belong to, with their current record counts.
    #[command(subcommand)]
    Sources(imports::SourcesCommand),
    /// Look profiles up, and see how records were resolved into them.
    #[command(subcommand)]
    Profiles(profiles::ProfilesCommand),
    /// Every profile field: type, how many profiles have it, distinct count, top values.
    #[command(after_help = "Example:\n  hyperseg -w ws fields --top 3")]
    Fields(fields::FieldsArgs),
    /// Enrich profiles from messages, campaign events and contact extras.
    #[command(subcommand)]
    Enrich(enrich::EnrichCommand),
    /// Saved audiences: create, list, show, rename, edit, describe, delete, overlap.
    #[command(subcommand)]
    Audiences(audiences::AudiencesCommand),
    /// Segments: preview what a filter selects; automatic segmentation.
    #[command(subcommand)]
    Segment(segment::SegmentCommand),
    /// The identity-resolution rules of the workspace.
    #[command(subcommand)]
    Identity(profiles::IdentityCommand),
    /// Events (opens, clicks, visits, ...) for lead scoring: import, stats.
    #[command(subcommand)]
    Events(events::EventsCommand),
    /// Lead scoring plans: apply, list, show, remove, explain, fit.
    #[command(subcommand)]
    Score(score::ScoreCommand),
    /// Write the workspace's report: one self-contained HTML page with charts and their numbers.
    #[command(after_help = "Example:\n  hyperseg -w ws report --out report.html --as-of 2026-11-30")]
    Report(report::ReportArgs),
    /// Write a synthetic CRM dump with realistic duplicates, and its ground truth.
    #[command(
        after_help = "Example:\n  hyperseg generate --rows 1000000 --seed 7 --out crm.csv --truth crm.truth.csv"
    )]
    Generate(generate::GenerateArgs),
    /// Measure the pipeline's stages on generated data and print rows/s and MB/s.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Run the whole pipeline on the bundled sample (datasets/crm_sample.csv).
    #[command(after_help = "Example:\n  hyperseg demo --out hyperseg-demo")]
    Demo(demo::DemoArgs),
}

/// Errors that are the user's to fix (exit code 1), raised by the CLI itself.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

/// Runs the command line and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are not errors; everything else clap rejects is the user's to fix.
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if output::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            output::error(&err);
            if is_user_error(&err) { ExitCode::from(1) } else { ExitCode::from(2) }
        }
    }
}

fn is_user_error(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<UserError>().is_some()
            || e.downcast_ref::<IngestError>().is_some_and(IngestError::is_user_error)
            || e.downcast_ref::<StoreError>().is_some_and(StoreError::is_user_error)
            || e.downcast_ref::<IdentityError>().is_some_and(IdentityError::is_user_error)
            || e.downcast_ref::<AudienceError>().is_some_and(AudienceError::is_user_error)
            || e.downcast_ref::<ComputeError>().is_some_and(ComputeError::is_user_error)
            || e.downcast_ref::<PipelineError>().is_some_and(PipelineError::is_user_error)
            || e.downcast_ref::<hyperseg::store::OutputError>().is_some()
            || e.downcast_ref::<AutoError>().is_some_and(AutoError::is_user_error)
            || e.downcast_ref::<EnrichError>().is_some_and(EnrichError::is_user_error)
            || e.downcast_ref::<hyperseg::score::ScoreError>()
                .is_some_and(hyperseg::score::ScoreError::is_user_error)
            || e.downcast_ref::<hyperseg::report::ReportError>()
                .is_some_and(hyperseg::report::ReportError::is_user_error)
            || e.downcast_ref::<clap::Error>().is_some()
    })
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let out = output::Output::new(cli.json);
    let backend: BackendChoice = cli.backend.parse()?;
    match cli.command {
        Command::Init { dir } => {
            Workspace::init(&dir)?;
            out.message(
                &format!("created workspace {}", dir.display()),
                &serde_json::json!({ "workspace": dir }),
            )
        }
        Command::Import(args) => import::run(&workspace_dir(cli.workspace)?, args, backend, &out),
        Command::Imports(cmd) => imports::run(&open(cli.workspace)?, cmd, &out),
        Command::Run(args) => run::run(&mut open(cli.workspace)?, args, backend, &out),
        Command::Runs(cmd) => run::run_runs(&open(cli.workspace)?, cmd, &out),
        Command::Sources(cmd) => imports::run_sources(&open(cli.workspace)?, cmd, &out),
        Command::Profiles(cmd) => profiles::run_profiles(&mut open(cli.workspace)?, cmd, &out),
        Command::Fields(args) => fields::run(&open(cli.workspace)?, args, &out),
        Command::Enrich(cmd) => enrich::run(&workspace_dir(cli.workspace)?, cmd, backend, &out),
        Command::Audiences(cmd) => audiences::run(&mut open(cli.workspace)?, cmd, backend, &out),
        Command::Segment(cmd) => segment::run(&mut open(cli.workspace)?, cmd, backend, &out),
        Command::Identity(cmd) => profiles::run_identity(&mut open(cli.workspace)?, cmd, &out),
        Command::Events(cmd) => events::run(&mut open(cli.workspace)?, cmd, &out),
        Command::Score(cmd) => score::run(&mut open(cli.workspace)?, cmd, &out),
        Command::Report(args) => report::run(&open(cli.workspace)?, args, &out),
        Command::Generate(args) => generate::run(args, &out),
        Command::Bench(cmd) => bench::run(cmd, backend, &out),
        Command::Demo(args) => demo::run(args, backend, &out),
    }
}

/// The workspace folder from `--workspace` / `HYPERSEG_WORKSPACE`, else the current folder
/// when it is a workspace.
fn workspace_dir(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = given {
        return Ok(dir);
    }
    if Path::new("catalog.db").is_file() {
        return Ok(PathBuf::from("."));
    }
    Err(UserError(
        "no workspace: pass --workspace DIR or set HYPERSEG_WORKSPACE (create one with `hyperseg init DIR`)"
            .into(),
    )
    .into())
}

fn open(given: Option<PathBuf>) -> anyhow::Result<Workspace> {
    let dir = workspace_dir(given)?;
    Workspace::open(&dir).with_context(|| format!("opening workspace {}", dir.display()))
}
