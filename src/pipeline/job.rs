//! The nightly job (`hyperseg run JOB.toml`): imports, then exports, each step committed on
//! its own and recorded in the catalog with the run; a failed step stops the run and keeps
//! what earlier steps committed. See `datasets/nightly.toml` for a documented example.

use super::{FileImport, ImportRequest, PipelineError, Progress};
use crate::audience::{self, ExportOptions, Format};
use crate::compute::Backend;
use crate::ingest::records::{Mode, SourceSpec};
use crate::ingest::{self, DecimalMark, ImportOptions, Separator};
use crate::store::{Commit, RunStepRow, StoreError, Workspace, WriteLock};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A job file.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Job {
    #[serde(default, rename = "import")]
    pub imports: Vec<ImportStep>,
    #[serde(default, rename = "events")]
    pub events: Vec<EventsStep>,
    #[serde(default, rename = "score")]
    pub scores: Vec<ScoreStep>,
    #[serde(default, rename = "export")]
    pub exports: Vec<ExportStep>,
    /// Messages, campaign events and contact extras, after the imports.
    #[serde(default, rename = "enrich")]
    pub enrich: Vec<EnrichStep>,
    /// Automatic segmentation after the imports (skipped when the data is not fresh).
    #[serde(default)]
    pub segment_auto: Option<SegmentAutoStep>,
    #[serde(default)]
    pub notify: Option<super::notify::Notify>,
    /// The HTML report written after every run.
    #[serde(default)]
    pub report: Option<ReportStep>,
}

/// `[report]`: write the workspace's report after the run (`out`: `{date}` allowed).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReportStep {
    pub out: String,
}

/// `[[import]]`: files (a path or glob; `{date}` is the run date) into a source.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImportStep {
    pub path: String,
    pub source: Option<String>,
    #[serde(default)]
    pub mode: Mode,
    pub record_id: Option<String>,
    /// The separator (as `--separator` takes it); detected when absent.
    pub separator: Option<Separator>,
    /// Write rejected rows here (`{date}` allowed).
    pub rejects: Option<String>,
}

/// `[[events]]`: event files (a path or glob; `{date}` is the run date) for lead scoring.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EventsStep {
    pub path: String,
    /// Write rejected rows here (`{date}` allowed).
    pub rejects: Option<String>,
}

/// `[[score]]`: a scoring plan applied as of the run date (after the imports and events).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScoreStep {
    pub plan: String,
}

/// `[[export]]`: an audience to a CSV or Parquet file (by the path's extension).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExportStep {
    pub audience: String,
    pub path: String,
    /// Every profile field, not only the filter's.
    #[serde(default)]
    pub all_fields: bool,
    /// Keep members without a valid phone in a CSV export (flagged).
    #[serde(default)]
    pub include_invalid_phones: bool,
}

/// `[[enrich]]`: message, campaign or extras files (a path or glob; `{date}` allowed).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EnrichStep {
    /// messages, campaigns or extras.
    pub kind: crate::enrich::Kind,
    pub path: String,
    pub rejects: Option<String>,
    /// Messages: hours of silence that start a new conversation.
    pub conversation_gap: Option<f64>,
    /// Create a profile for every contact (with a valid phone) that links to none.
    #[serde(default)]
    pub create_profiles: bool,
}

/// `[segment_auto]`: a new generation of automatic audiences, as of the run date.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SegmentAutoStep {
    /// Exactly this k; without it, k is chosen in `k_range`.
    pub k: Option<usize>,
    /// `[lo, hi]`, default `[2, 10]`.
    pub k_range: Option<[usize; 2]>,
    pub seed: Option<u64>,
    /// pt, es or en.
    pub lang: Option<String>,
    pub fields: Option<Vec<String>>,
    /// Delete the previous generation's audiences (default true: one generation per night).
    pub replace: Option<bool>,
    /// Write message suggestions here (`{date}` allowed).
    pub messages: Option<String>,
}

/// Reads a job file; errors name the file, line and column.
pub fn read(path: &Path) -> Result<Job, PipelineError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| PipelineError::Job(format!("{}: cannot read the job file: {e}", path.display())))?;
    parse(path, &text)
}

/// Parses a job file's text (`path` names it in messages).
pub fn parse(path: &Path, text: &str) -> Result<Job, PipelineError> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((0, 0), |s| line_col(text, s.start));
        PipelineError::Job(format!("{}: line {line}, column {column}: {}", path.display(), e.message()))
    })
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// How to run a job.
pub struct RunOptions<'a> {
    /// The job file (relative paths in it are read from its folder).
    pub job_path: &'a Path,
    /// The run date (`{date}` in paths), YYYY-MM-DD.
    pub date: String,
    /// Wait this long for a busy workspace instead of failing at once.
    pub wait: Option<Duration>,
    pub imported_by: String,
}

/// A finished step as the run reports it.
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    pub run: i64,
    pub job: String,
    pub date: String,
    /// ok or failed.
    pub status: String,
    /// True when no step changed anything.
    pub unchanged: bool,
    pub steps: Vec<RunStepRow>,
    /// Why the run failed, if it did.
    pub error: Option<String>,
    /// What the notification did (sent, or why it failed), when the job asks for one.
    pub notified: Vec<String>,
    /// The report written after the run, when the job asks for one.
    pub report: Option<String>,
    /// Why the report could not be written (the run's steps stand).
    pub report_error: Option<String>,
}

/// Takes the writer lock, waiting up to `wait` for another writer to finish.
pub fn lock_waiting(ws: &Workspace, wait: Option<Duration>) -> Result<WriteLock, StoreError> {
    let started = Instant::now();
    loop {
        match ws.lock() {
            Err(StoreError::Busy { .. }) if wait.is_some_and(|w| started.elapsed() < w) => {
                std::thread::sleep(Duration::from_millis(200));
            }
            other => return other,
        }
    }
}

/// Runs `job`: records the run, runs each step (each commits on its own), records each
/// step's outcome, and notifies. Returns the summary and, when a step failed, its error.
pub fn run(
    ws: &mut Workspace,
    job: &Job,
    opts: &RunOptions,
    backend: &dyn Backend,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<(RunSummary, Option<PipelineError>), PipelineError> {
    let lock = lock_waiting(ws, opts.wait)?;
    let job_name = opts.job_path.display().to_string();
    let run_id = begin(ws, &lock, &job_name, &opts.date)?;
    let mut summary = RunSummary {
        run: run_id,
        job: job_name,
        date: opts.date.clone(),
        status: "ok".into(),
        unchanged: true,
        steps: Vec::new(),
        error: None,
        notified: Vec::new(),
        report: None,
        report_error: None,
    };
    let base = opts.job_path.parent().unwrap_or(Path::new(".")).to_owned();
    let mut failure = None;
    let steps = job
        .imports
        .iter()
        .map(Step::Import)
        .chain(job.enrich.iter().map(Step::Enrich))
        .chain(job.events.iter().map(Step::Events))
        .chain(job.scores.iter().map(Step::Score))
        .chain(job.segment_auto.iter().map(Step::SegmentAuto))
        .chain(job.exports.iter().map(Step::Export));
    for step in steps {
        let name = step.name();
        progress(&name);
        let started = ingest::now();
        let result = run_step(ws, &lock, &step, &base, opts, backend);
        let (outcome, rows_in, rows_out, message) = match &result {
            Ok(done) => (done.outcome.clone(), done.rows_in, done.rows_out, done.message.clone()),
            Err(e) => ("failed".to_owned(), 0, 0, e.to_string()),
        };
        summary.unchanged &= outcome == "unchanged" || !matches!(step, Step::Import(_));
        let row = RunStepRow {
            seq: summary.steps.len() as i64 + 1,
            name,
            started_at: started,
            finished_at: ingest::now(),
            rows_in,
            rows_out,
            outcome,
            message,
        };
        record_step(ws, &lock, run_id, &row)?;
        summary.steps.push(row);
        if let Err(e) = result {
            summary.status = "failed".into();
            summary.error = Some(e.to_string());
            failure = Some(e);
            break;
        }
    }
    finish(ws, &lock, &summary)?;
    write_report(ws, job, &base, opts, &mut summary);
    drop(lock);
    if let Some(n) = &job.notify {
        summary.notified = super::notify::send(n, &summary);
    }
    Ok((summary, failure))
}

enum Step<'a> {
    Import(&'a ImportStep),
    Enrich(&'a EnrichStep),
    SegmentAuto(&'a SegmentAutoStep),
    Events(&'a EventsStep),
    Score(&'a ScoreStep),
    Export(&'a ExportStep),
}

impl Step<'_> {
    fn name(&self) -> String {
        match self {
            Step::Import(i) => format!("import {}", i.source.as_deref().unwrap_or(&i.path)),
            Step::Enrich(e) => format!("enrich {} {}", e.kind.name(), e.path),
            Step::SegmentAuto(_) => "segment auto".to_owned(),
            Step::Events(e) => format!("events {}", e.path),
            Step::Score(s) => format!("score {}", s.plan),
            Step::Export(e) => format!("export {}", e.audience),
        }
    }
}

struct StepDone {
    outcome: String,
    rows_in: u64,
    rows_out: u64,
    message: String,
}

/// `path` relative to the job's folder, with `{date}` filled in.
fn resolve_path(base: &Path, path: &str, date: &str) -> PathBuf {
    let p = PathBuf::from(path.replace("{date}", date));
    if p.is_absolute() { p } else { base.join(p) }
}

/// The files a path or glob names, sorted; an error when none.
fn expand(pattern: &Path) -> Result<Vec<PathBuf>, PipelineError> {
    let text = pattern.to_string_lossy();
    if !text.contains(['*', '?', '[']) {
        return Ok(vec![pattern.to_owned()]);
    }
    let mut files: Vec<PathBuf> = glob::glob(&text)
        .map_err(|e| PipelineError::Job(format!("{text}: not a valid glob: {e}")))?
        .filter_map(Result::ok)
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(PipelineError::Job(format!("{text}: no file matches")));
    }
    Ok(files)
}

fn run_step(
    ws: &mut Workspace,
    lock: &WriteLock,
    step: &Step,
    base: &Path,
    opts: &RunOptions,
    backend: &dyn Backend,
) -> Result<StepDone, PipelineError> {
    match step {
        Step::Import(i) => import_step(ws, lock, i, base, opts, backend),
        Step::Enrich(e) => enrich_step(ws, lock, e, base, opts, backend),
        Step::SegmentAuto(a) => segment_auto_step(ws, lock, a, base, opts, backend),
        Step::Events(e) => events_step(ws, lock, e, base, opts),
        Step::Score(s) => score_step(ws, lock, s, base, opts),
        Step::Export(e) => {
            let path = resolve_path(base, &e.path, &opts.date);
            let format = match path.extension().and_then(|x| x.to_str()) {
                Some(x) if x.eq_ignore_ascii_case("parquet") => Format::Parquet,
                _ => Format::Csv,
            };
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|err| {
                    PipelineError::Job(format!("{}: cannot create the folder: {err}", dir.display()))
                })?;
            }
            let options = ExportOptions {
                format,
                all_fields: e.all_fields,
                include_invalid_phones: e.include_invalid_phones,
            };
            let done = audience::export(ws, &e.audience, &path, options, backend)?;
            let mut message = format!("wrote {}", path.display());
            if done.invalid_phones_left_out > 0 {
                message.push_str(&format!(
                    " ({} members without a valid phone left out)",
                    done.invalid_phones_left_out
                ));
            }
            let rows_in = done.rows + done.invalid_phones_left_out;
            Ok(StepDone { outcome: "ok".into(), rows_in, rows_out: done.rows, message })
        }
    }
}

fn import_step(
    ws: &mut Workspace,
    lock: &WriteLock,
    step: &ImportStep,
    base: &Path,
    opts: &RunOptions,
    backend: &dyn Backend,
) -> Result<StepDone, PipelineError> {
    let files = expand(&resolve_path(base, &step.path, &opts.date))?;
    let source =
        SourceSpec { source: step.source.clone(), mode: step.mode, record_id: step.record_id.clone() };
    let req = ImportRequest {
        files: files.iter().map(|p| FileImport { path: p.clone(), source: source.clone() }).collect(),
        options: ImportOptions {
            separator: step.separator,
            decimal: DecimalMark::Auto,
            imported_by: opts.imported_by.clone(),
            ..ImportOptions::default()
        },
        rejects: step.rejects.as_deref().map(|r| resolve_path(base, r, &opts.date)),
    };
    let outcome = super::import(ws, lock, &req, backend, &|_: Progress| {}).map_err(|f| f.error)?;
    let (rows_in, rows_out) = outcome.rows();
    let message = outcome
        .imports
        .iter()
        .filter_map(|r| r.records.as_ref().map(|c| (r, c)))
        .map(|(r, c)| {
            format!(
                "{}: {} new, {} changed, {} unchanged, {} removed",
                r.file_name, c.new, c.changed, c.unchanged, c.removed
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let outcome_word = if outcome.unchanged { "unchanged" } else { "ok" };
    Ok(StepDone { outcome: outcome_word.into(), rows_in, rows_out, message })
}

fn enrich_step(
    ws: &mut Workspace,
    lock: &WriteLock,
    step: &EnrichStep,
    base: &Path,
    opts: &RunOptions,
    backend: &dyn Backend,
) -> Result<StepDone, PipelineError> {
    let files = expand(&resolve_path(base, &step.path, &opts.date))?;
    let options = crate::enrich::EnrichOptions {
        imported_by: opts.imported_by.clone(),
        rejects: step.rejects.as_deref().map(|r| resolve_path(base, r, &opts.date)),
        conversation_gap_hours: step.conversation_gap,
    };
    let failed = |e: crate::enrich::EnrichError| match e.is_user_error() {
        true => PipelineError::Job(e.to_string()),
        false => PipelineError::Internal(e.to_string()),
    };
    let (reports, created) = match step.create_profiles {
        true => {
            let o =
                crate::enrich::enrich_creating_profiles_in(ws, lock, (step.kind, &files), &options, backend)
                    .map_err(failed)?;
            (o.reports, Some(o.created))
        }
        false => (crate::enrich::enrich_in(ws, lock, step.kind, &files, &options).map_err(failed)?, None),
    };
    let rows_in = reports.iter().map(|r| r.rows_read).sum();
    let rows_out: u64 = reports.iter().map(|r| r.rows_new).sum();
    let message = reports
        .iter()
        .map(|r| {
            format!(
                "{}: {} new, {} already stored, {} linked",
                r.file, r.rows_new, r.rows_duplicate, r.rows_linked
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let message = match &created {
        Some(c) => format!("{message}; {} profiles created for unknown contacts", c.profiles),
        None => message,
    };
    let changed = rows_out > 0 || created.as_ref().is_some_and(|c| c.profiles > 0);
    let outcome = if changed { "ok" } else { "unchanged" };
    Ok(StepDone { outcome: outcome.into(), rows_in, rows_out, message })
}

fn segment_auto_step(
    ws: &mut Workspace,
    lock: &WriteLock,
    step: &SegmentAutoStep,
    base: &Path,
    opts: &RunOptions,
    backend: &dyn Backend,
) -> Result<StepDone, PipelineError> {
    use crate::segment::auto::{self, AutoError, AutoOptions, KChoice, SegmentOptions};
    let as_of = chrono::NaiveDate::parse_from_str(&opts.date, "%Y-%m-%d")
        .map_err(|_| PipelineError::Job(format!("{}: not a date", opts.date)))?;
    let k = match (step.k, step.k_range) {
        (Some(k), _) => KChoice::Fixed(k),
        (None, Some([lo, hi])) => KChoice::Range(lo, hi),
        (None, None) => KChoice::default(),
    };
    let lang =
        step.lang.as_deref().map(str::parse).transpose().map_err(PipelineError::Job)?.unwrap_or_default();
    let segment = SegmentOptions {
        k,
        seed: step.seed.unwrap_or(42),
        as_of: crate::columns::days_from_date(as_of),
        fields: step.fields.clone(),
        ..SegmentOptions::default()
    };
    let messages_out = step.messages.as_deref().map(|m| resolve_path(base, m, &opts.date));
    let auto_opts = AutoOptions {
        segment,
        lang,
        suggest_messages: messages_out.is_some(),
        messages_out,
        replace: step.replace.unwrap_or(true),
    };
    match auto::run(ws, lock, &auto_opts, backend, &mut |_| {}) {
        Ok(report) => Ok(StepDone {
            outcome: "ok".into(),
            rows_in: report.profiles,
            rows_out: report.profiles,
            message: format!("generation {}: k = {} ({})", report.generation, report.k, report.k_chosen_by),
        }),
        Err(e @ AutoError::NotFresh { .. }) => {
            Ok(StepDone { outcome: "skipped".into(), rows_in: 0, rows_out: 0, message: e.to_string() })
        }
        Err(e) if e.is_user_error() => Err(PipelineError::Job(e.to_string())),
        Err(e) => Err(PipelineError::Internal(e.to_string())),
    }
}

/// Scoring errors become job errors (exit 1) or internal ones (exit 2), as the error says.
fn score_err(e: crate::score::ScoreError) -> PipelineError {
    match e.is_user_error() {
        true => PipelineError::Job(e.to_string()),
        false => PipelineError::Internal(e.to_string()),
    }
}

fn events_step(
    ws: &mut Workspace,
    lock: &WriteLock,
    step: &EventsStep,
    base: &Path,
    opts: &RunOptions,
) -> Result<StepDone, PipelineError> {
    let (mut rows_in, mut rows_out, mut messages) = (0, 0, Vec::new());
    for file in expand(&resolve_path(base, &step.path, &opts.date))? {
        let rejects = step.rejects.as_deref().map(|r| resolve_path(base, r, &opts.date));
        let r = crate::score::import_events(ws, lock, &file, rejects.as_deref()).map_err(score_err)?;
        rows_in += r.rows_read;
        rows_out += r.imported;
        messages.push(format!(
            "{}: {} new, {} already imported, {} rejected, {} of unknown contacts",
            r.file, r.imported, r.duplicates, r.rejected, r.unknown_contact
        ));
    }
    let outcome = if rows_out == 0 { "unchanged" } else { "ok" };
    Ok(StepDone { outcome: outcome.into(), rows_in, rows_out, message: messages.join("; ") })
}

fn score_step(
    ws: &mut Workspace,
    lock: &WriteLock,
    step: &ScoreStep,
    base: &Path,
    opts: &RunOptions,
) -> Result<StepDone, PipelineError> {
    let plan = crate::score::plan::read(&resolve_path(base, &step.plan, &opts.date)).map_err(score_err)?;
    let date = crate::score::time::parse_date(&opts.date)
        .ok_or_else(|| PipelineError::Job(format!("run date {:?} is not YYYY-MM-DD", opts.date)))?;
    let r = crate::score::apply(ws, lock, &plan, crate::score::time::as_of(Some(date))).map_err(score_err)?;
    let temps = r.summary.temperatures.iter().map(|(t, n)| format!("{t} {n}")).collect::<Vec<_>>().join(", ");
    let mut message = format!("{} as of {}: {temps}", r.name, r.as_of);
    for w in &r.warnings {
        message.push_str(&format!("; warning: {w}"));
    }
    let outcome = if r.unchanged { "unchanged" } else { "ok" };
    Ok(StepDone { outcome: outcome.into(), rows_in: r.summary.profiles, rows_out: r.summary.scored, message })
}

fn begin(ws: &mut Workspace, lock: &WriteLock, job: &str, date: &str) -> Result<i64, StoreError> {
    let id = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let (job, date, now, out) = (job.to_owned(), date.to_owned(), ingest::now(), id.clone());
    let mut commit = Commit::default();
    commit.add_catalog(Box::new(move |w| {
        // A run holds the lock to its end: one still marked running was killed.
        w.interrupt_runs(&now)?;
        out.store(w.insert_run(&job, &date, &now)?, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }));
    ws.commit(lock, commit)?;
    Ok(id.load(std::sync::atomic::Ordering::SeqCst))
}

fn record_step(ws: &mut Workspace, lock: &WriteLock, run: i64, step: &RunStepRow) -> Result<(), StoreError> {
    let step = step.clone();
    let mut commit = Commit::default();
    commit.add_catalog(Box::new(move |w| w.insert_run_step(run, &step)));
    ws.commit(lock, commit)
}

/// Writes the job's report, its folder created; a failure is kept in the
/// summary and does not fail the run, whose steps are already recorded.
fn write_report(ws: &Workspace, job: &Job, base: &Path, opts: &RunOptions, summary: &mut RunSummary) {
    let Some(r) = &job.report else { return };
    let path = resolve_path(base, &r.out, &opts.date);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        summary.report_error = Some(format!("{}: cannot create the folder: {e}", dir.display()));
        return;
    }
    // As of now, not the run date: a run dated in the past still shows what it imported.
    match crate::report::write(ws, &path, &crate::report::ReportOptions::default()) {
        Ok(w) => summary.report = Some(w.path.display().to_string()),
        Err(e) => summary.report_error = Some(e.to_string()),
    }
}

fn finish(ws: &mut Workspace, lock: &WriteLock, s: &RunSummary) -> Result<(), StoreError> {
    let (run, status, now) = (s.run, s.status.clone(), ingest::now());
    let json = serde_json::to_string(s).expect("a summary serialises");
    let mut commit = Commit::default();
    commit.add_catalog(Box::new(move |w| w.finish_run(run, &status, &now, &json)));
    ws.commit(lock, commit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let text = include_str!("../../datasets/nightly.toml");
        let job = parse(Path::new("nightly.toml"), text).unwrap();
        assert_eq!(job.imports.len(), 1);
        assert_eq!(job.imports[0].mode, Mode::Replace);
        assert_eq!((job.events.len(), job.scores.len()), (1, 1));
        assert!(job.notify.is_some());
        assert_eq!(job.report.as_ref().map(|r| r.out.as_str()), Some("out/report-{date}.html"));
    }

    #[test]
    fn errors_name_line_and_column() {
        let err =
            parse(Path::new("j.toml"), "[[import]]\npath = \"a.csv\"\nmode = \"sometimes\"\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("j.toml: line 3, column 8"), "{msg}");
        let err = parse(Path::new("j.toml"), "[[import]]\npaht = \"a.csv\"\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn paths_take_the_run_date_and_the_job_folder() {
        let p = resolve_path(Path::new("/jobs"), "dumps/crm-{date}.csv", "2026-11-30");
        assert_eq!(p, PathBuf::from("/jobs/dumps/crm-2026-11-30.csv"));
    }
}
