//! `hyperseg run JOB.toml` and `hyperseg runs list|show`.

use super::UserError;
use super::output::{Output, thousands};
use hyperseg::compute::{BackendChoice, Work};
use hyperseg::pipeline::job::{self, RunOptions, RunSummary};
use hyperseg::store::Workspace;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The job file (TOML; see datasets/nightly.toml).
    job: PathBuf,
    /// The run date, put in for `{date}` in the job's paths (YYYY-MM-DD); default today (UTC).
    #[arg(long, value_parser = parse_day)]
    date: Option<chrono::NaiveDate>,
    /// When another command holds the workspace, wait up to this many seconds for it.
    #[arg(long, value_name = "SECONDS")]
    wait: Option<u64>,
}

#[derive(clap::Subcommand, Debug)]
pub enum RunsCommand {
    /// List the runs of nightly jobs, oldest first.
    #[command(after_help = "Example:\n  hyperseg -w ws runs list")]
    List,
    /// Show one run with each of its steps.
    #[command(after_help = "Example:\n  hyperseg -w ws runs show 3")]
    Show { id: i64 },
}

fn parse_day(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date; expected YYYY-MM-DD"))
}

pub fn run(ws: &mut Workspace, args: RunArgs, choice: BackendChoice, out: &Output) -> anyhow::Result<()> {
    let job = job::read(&args.job)?;
    let backend = super::compute::backend(choice, Work::Filter)?;
    let date = args.date.unwrap_or_else(|| chrono::Utc::now().date_naive()).format("%Y-%m-%d").to_string();
    let opts = RunOptions {
        job_path: &args.job,
        date,
        wait: args.wait.map(std::time::Duration::from_secs),
        imported_by: hyperseg::ingest::default_user(),
    };
    let (summary, failure) = job::run(ws, &job, &opts, backend.as_ref(), &|_| {})?;
    if out.json {
        out.json_value(&summary)?;
    } else {
        out.text(&render(&summary))?;
    }
    match failure {
        Some(e) => Err(anyhow::Error::new(e).context(format!("run #{} failed", summary.run))),
        None => Ok(()),
    }
}

fn render(s: &RunSummary) -> String {
    let mut text = hyperseg::pipeline::notify::message_text(s).1;
    for n in &s.notified {
        text.push_str(&format!("notify: {n}\n"));
    }
    if let Some(path) = &s.report {
        text.push_str(&format!("report: {path}\n"));
    }
    if let Some(e) = &s.report_error {
        text.push_str(&format!("report not written: {e}\n"));
    }
    text.trim_end().to_owned()
}

pub fn run_runs(ws: &Workspace, cmd: RunsCommand, out: &Output) -> anyhow::Result<()> {
    match cmd {
        RunsCommand::List => {
            let runs = ws.catalog().runs()?;
            if out.json {
                return out.json_value(&runs);
            }
            if runs.is_empty() {
                return out.text("no runs");
            }
            let mut s = format!("{:>4}  {:<10} {:<24} {:<9} {}\n", "id", "date", "started", "status", "job");
            for r in runs {
                s.push_str(&format!(
                    "{:>4}  {:<10} {:<24} {:<9} {}\n",
                    r.id, r.run_date, r.started_at, r.status, r.job
                ));
            }
            out.text(s.trim_end())
        }
        RunsCommand::Show { id } => {
            let run = ws
                .catalog()
                .run(id)?
                .ok_or_else(|| UserError(format!("no run with id {id} (see `hyperseg runs list`)")))?;
            let steps = ws.catalog().run_steps(id)?;
            if out.json {
                return out.json_value(&serde_json::json!({ "run": run, "steps": steps }));
            }
            let mut s = format!(
                "Run #{} of {} for {}: {}\n  started  {}\n  finished {}\n",
                run.id,
                run.job,
                run.run_date,
                run.status,
                run.started_at,
                run.finished_at.as_deref().unwrap_or("-")
            );
            for st in steps {
                s.push_str(&format!(
                    "{:>3}. {:<28} {:<9} {} → {}  in {:>10}, out {:>10}  {}\n",
                    st.seq,
                    st.name,
                    st.outcome,
                    st.started_at,
                    st.finished_at,
                    thousands(st.rows_in),
                    thousands(st.rows_out),
                    st.message
                ));
            }
            out.text(s.trim_end())
        }
    }
}
