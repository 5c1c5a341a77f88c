//! The library's entry points that chain stages: import → match records → resolve → commit →
//! refresh ([`import`]), and the nightly job ([`job`], `hyperseg run`). Progress is reported
//! through a callback, never printed.

pub mod erase;
pub mod job;
pub mod nightly;
pub mod notify;
pub mod suppress;

use crate::audience::{self, AudienceError, Refresh};
use crate::compute::Backend;
use crate::identity::{self, IdentityError, NewSource, ResolveStats};
use crate::ingest::records::{self, SourceSpec};
use crate::ingest::sources::{self, SourcedFile};
use crate::ingest::{self, ImportOptions, ImportReport, IngestError};
use crate::store::{Commit, StoreError, Workspace, WriteLock};
use serde::Serialize;
use std::path::PathBuf;

/// What can go wrong in a chain of stages; each stage's error as it was.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error(transparent)]
    Audience(#[from] AudienceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Job(String),
    #[error("the thread writing the imported columns panicked")]
    StagingPanicked,
    #[error("{0}")]
    Internal(String),
}

impl PipelineError {
    /// Whether the user can fix this (exit 1) rather than an internal failure (exit 2).
    pub fn is_user_error(&self) -> bool {
        match self {
            PipelineError::Ingest(e) => e.is_user_error(),
            PipelineError::Identity(e) => e.is_user_error(),
            PipelineError::Audience(e) => e.is_user_error(),
            PipelineError::Store(e) => e.is_user_error(),
            PipelineError::Job(_) => true,
            PipelineError::StagingPanicked | PipelineError::Internal(_) => false,
        }
    }
}

/// A file to import and the source it updates.
#[derive(Clone, Debug)]
pub struct FileImport {
    pub path: PathBuf,
    pub source: SourceSpec,
}

/// What to import, and how.
#[derive(Clone, Debug)]
pub struct ImportRequest {
    pub files: Vec<FileImport>,
    pub options: ImportOptions,
    /// Write rejected rows here (per file when there are several: `rejects.FILE.csv`).
    pub rejects: Option<PathBuf>,
}

/// Where an import is, for progress bars.
#[derive(Clone, Debug)]
pub enum Progress {
    /// Reading file `index`: bytes done of total.
    Reading { index: usize, bytes_done: u64, bytes_total: u64 },
    /// Every file read; matching its rows to their sources' current records.
    Resolving,
    /// Records matched; resolving identity while the new imports are written.
    Linking,
    /// Resolved; committing, and caching the profile table.
    Committing,
    /// Refreshing the saved audiences.
    Refreshing,
}

/// What an import did.
#[derive(Clone, Debug, Serialize)]
pub struct ImportOutcome {
    pub imports: Vec<ImportReport>,
    /// The resolution after the import; `None` when no file changed a record.
    pub identity: Option<ResolveStats>,
    pub audiences: Vec<Refresh>,
    /// True when no file changed any record (profiles and audiences are as they were).
    pub unchanged: bool,
}

impl ImportOutcome {
    /// Records the files carried in, and records of their sources after the import.
    pub fn rows(&self) -> (u64, u64) {
        let rows_in = self.imports.iter().map(|r| r.rows_imported).sum();
        let rows_out = self.imports.iter().filter_map(|r| r.records.as_ref()).map(|c| c.source_records).sum();
        (rows_in, rows_out)
    }
}

/// A file that failed to parse, with the report as far as it got.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct FileFailed {
    pub report: Box<ImportReport>,
    #[source]
    pub error: PipelineError,
}

/// Imports `req.files` into `ws`: every file is parsed and checked, matched to its source's
/// current records, and the records that changed are resolved into profiles; then all of it
/// is committed at once (or nothing is, when any file fails), and the saved audiences are
/// refreshed in a commit of their own. Files that change no record leave profiles and
/// audiences as they were.
pub fn import(
    ws: &mut Workspace,
    lock: &WriteLock,
    req: &ImportRequest,
    backend: &dyn Backend,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ImportOutcome, FileFailed> {
    let failed = |e: PipelineError| FileFailed {
        report: Box::new(ingest::new_report(&req.files[0].path, &req.options)),
        error: e,
    };
    check_outputs(ws, req).map_err(|e| failed(e.into()))?;
    let mut parsed = Vec::with_capacity(req.files.len());
    for (index, f) in req.files.iter().enumerate() {
        let total = std::fs::metadata(&f.path).map(|m| m.len()).unwrap_or(0);
        let tick = |p: ingest::Progress| {
            progress(Progress::Reading { index, bytes_done: p.bytes_done, bytes_total: total })
        };
        match ingest::read_csv(&f.path, &req.options, &tick) {
            Ok(ingested) => parsed.push(SourcedFile { ingested, spec: f.source.clone() }),
            Err(e) => {
                let mut report = ingest::new_report(&f.path, &req.options);
                report.step(ingest::Step::Failed);
                return Err(FileFailed { report: Box::new(report), error: e.into() });
            }
        }
    }
    suppress_rows(ws, &mut parsed).map_err(failed)?;
    progress(Progress::Resolving);
    write_rejects(req, &mut parsed).map_err(|e| failed(e.into()))?;
    commit_files(ws, lock, parsed, backend, progress).map_err(failed)
}

/// Leaves out the rows (records and opt-out statements) of erased people, counting them.
fn suppress_rows(ws: &Workspace, parsed: &mut [SourcedFile]) -> Result<(), PipelineError> {
    let config = identity::load_config(ws)?;
    let country = identity::normalize::CountryCode::parse(&config.country).unwrap_or_default();
    if let Some(list) = suppress::List::load(ws, country)? {
        parsed.iter_mut().for_each(|f| list.refuse_rows(&mut f.ingested));
    }
    Ok(())
}

/// Refuses rejects files that are missing a folder, a folder, inside the workspace or one of
/// the inputs, before anything is read or written.
fn check_outputs(ws: &Workspace, req: &ImportRequest) -> Result<(), IngestError> {
    let Some(path) = &req.rejects else { return Ok(()) };
    let inputs: Vec<PathBuf> = req.files.iter().map(|f| f.path.clone()).collect();
    for f in &req.files {
        let target = if req.files.len() > 1 { per_file(path, &f.path) } else { path.clone() };
        crate::store::check_output(ws.root(), &target, &inputs)?;
    }
    Ok(())
}

/// Writes each file's rejected rows, once every file has parsed (a failed command leaves
/// none behind).
fn write_rejects(req: &ImportRequest, parsed: &mut [SourcedFile]) -> Result<(), IngestError> {
    let Some(path) = &req.rejects else { return Ok(()) };
    let many = parsed.len() > 1;
    for (f, file) in parsed.iter_mut().zip(&req.files) {
        let target = if many { per_file(path, &file.path) } else { path.clone() };
        let i = &mut f.ingested;
        ingest::write_rejects(&target, &i.header, i.separator, &i.rejects)?;
        i.report.rejects_file = Some(target.display().to_string());
    }
    Ok(())
}

/// `rejects.csv` + `b.csv` → `rejects.b.csv`, so several files' rejects do not collide.
pub fn per_file(rejects: &std::path::Path, input: &std::path::Path) -> PathBuf {
    let stem = rejects.file_stem().unwrap_or_default().to_string_lossy();
    let ext = rejects.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    let input_stem = input.file_stem().unwrap_or_default().to_string_lossy();
    rejects.with_file_name(format!("{stem}.{input_stem}{ext}"))
}

/// Matches parsed files to their sources, resolves, commits, and refreshes audiences.
pub fn commit_files(
    ws: &mut Workspace,
    lock: &WriteLock,
    mut parsed: Vec<SourcedFile>,
    backend: &dyn Backend,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ImportOutcome, PipelineError> {
    let first_id = ws.catalog().next_import_id()?;
    let current = records::load(ws)?;
    let matched = sources::match_files(ws, &current, &mut parsed, first_id)?;
    let stated: Vec<(i64, &crate::columns::Table)> =
        parsed.iter().enumerate().map(|(i, f)| (first_id + i as i64, &f.ingested.opted_out)).collect();
    let (opt_outs, new_statements) = ingest::consent::merge(&current.opt_outs, &stated);
    let unchanged = !new_statements
        && parsed.iter().all(|f| f.ingested.report.records.as_ref().is_some_and(|c| c.is_unchanged()));
    if unchanged {
        let prepared = parsed.into_iter().map(|f| ingest::prepared(f.ingested, None)).collect();
        let (commit, done) = ingest::into_commit(first_id, prepared);
        ws.commit(lock, commit)?;
        let imports = done.into_iter().map(|c| c.report).collect();
        return Ok(ImportOutcome { imports, identity: None, audiences: Vec::new(), unchanged: true });
    }
    let live: hashbrown::HashSet<i64> = matched.records.imports().into_iter().map(|(i, _)| i).collect();
    let now = ingest::now();
    progress(Progress::Linking);
    let (mut commit, committed, mut resolution) =
        stage_and_resolve(ws, lock, parsed, (&matched, &opt_outs, &current.records), &live, first_id)?;
    let next =
        records::Next { records: &matched.records, opt_outs: &opt_outs, next_record: matched.next_record };
    records::add_to_commit(ws, lock, &mut commit, &current, next, &now)?;
    let (generation, mut profiles) = resolution.take_profiles();
    let stats = identity::add_to_commit(&mut commit, resolution);
    progress(Progress::Refreshing);
    let audiences = refresh_in_commit(ws, lock, &mut commit, &mut profiles, backend)?;
    progress(Progress::Committing);
    commit_and_cache(ws, lock, commit, generation, &profiles)?;
    let imports = committed.into_iter().map(|c| c.report).collect();
    Ok(ImportOutcome { imports, identity: Some(stats), audiences, unchanged: false })
}

type Staged = (Commit, Vec<ingest::CommittedImport>, identity::IdentityCommit);

/// Writes the new imports that hold current records on one thread while identity resolves
/// on the others; returns the commit of the imports and the resolution to add to it.
fn stage_and_resolve(
    ws: &Workspace,
    lock: &WriteLock,
    parsed: Vec<SourcedFile>,
    (matched, opt_outs, committed): (&sources::Matched, &crate::columns::Table, &records::Records),
    live: &hashbrown::HashSet<i64>,
    first_id: i64,
) -> Result<Staged, PipelineError> {
    let now = ingest::now();
    let stager = ws.stager(lock);
    let (staged, resolution) = std::thread::scope(|scope| {
        let staging = scope.spawn(|| {
            parsed
                .iter()
                .enumerate()
                .map(|(i, f)| match live.contains(&(first_id + i as i64)) {
                    true => stager.stage_import(first_id + i as i64, &f.ingested.table).map(Some),
                    false => Ok(None),
                })
                .collect::<Result<Vec<_>, _>>()
        });
        let new: Vec<NewSource> = parsed
            .iter()
            .enumerate()
            .map(|(i, f)| NewSource {
                import_id: first_id + i as i64,
                file_name: &f.ingested.report.file_name,
                table: &f.ingested.table,
                started_at: &f.ingested.report.started_at,
            })
            .collect();
        let set = identity::RecordSet {
            records: &matched.records,
            committed,
            loaded: &matched.loaded,
            opt_outs,
            new: &new,
            committed_index: Some(&matched.committed_index),
        };
        let resolution = identity::resolve(ws, lock, &set, None, &now);
        (staging.join(), resolution)
    });
    let staged = staged.map_err(|_| PipelineError::StagingPanicked)??;
    let resolution = resolution?;
    let prepared = parsed.into_iter().zip(staged).map(|(f, s)| ingest::prepared(f.ingested, s)).collect();
    let (commit, committed) = ingest::into_commit(first_id, prepared);
    Ok((commit, committed, resolution))
}

/// Re-resolves the workspace's current records under `config` (the stored rules when
/// `None`) and commits the result, then refreshes the audiences.
pub fn reresolve(
    ws: &mut Workspace,
    lock: &WriteLock,
    config: Option<identity::IdentityConfig>,
    backend: &dyn Backend,
) -> Result<(ResolveStats, Vec<Refresh>), PipelineError> {
    let current = records::load(ws)?;
    let set = identity::RecordSet {
        records: &current.records,
        committed: &current.records,
        loaded: &[],
        opt_outs: &current.opt_outs,
        new: &[],
        committed_index: None,
    };
    let mut resolution = identity::resolve(ws, lock, &set, config, &ingest::now())?;
    let (generation, mut profiles) = resolution.take_profiles();
    let mut commit = Commit::default();
    let stats = identity::add_to_commit(&mut commit, resolution);
    let audiences = refresh_in_commit(ws, lock, &mut commit, &mut profiles, backend)?;
    commit_and_cache(ws, lock, commit, generation, &profiles)?;
    Ok((stats, audiences))
}

/// Commits a resolution of identity generation `generation` while its profile table is
/// written as a cache on another thread; the cache is put in place only once the commit has
/// landed, so no reader finds a cache of a generation that never was.
fn commit_and_cache(
    ws: &mut Workspace,
    lock: &WriteLock,
    commit: Commit,
    generation: u64,
    profiles: &crate::columns::Table,
) -> Result<(), PipelineError> {
    let stager = identity::profile_cache_stager(ws);
    let (committed, staged) = std::thread::scope(|scope| {
        let staging = scope.spawn(|| stager.stage(profiles).ok());
        let committed = ws.commit(lock, commit);
        (committed, staging.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    committed?;
    if let Some(staged) = staged {
        identity::keep_profile_cache(ws, generation, staged);
    }
    Ok(())
}

/// Adds the refresh of the saved audiences over a new profile table to the commit that lands
/// it, so no crash between two commits leaves audiences describing the profiles before. The
/// audiences select over the table with its derived fields; the table itself is cached without.
pub(crate) fn refresh_in_commit(
    ws: &Workspace,
    lock: &WriteLock,
    commit: &mut Commit,
    profiles: &mut crate::columns::Table,
    backend: &dyn Backend,
) -> Result<Vec<Refresh>, PipelineError> {
    if !audience::has_manual_audiences(ws)? {
        return Ok(Vec::new());
    }
    let derived = identity::derived_fields(ws, profiles)?;
    if derived.iter().any(|c| profiles.column(&c.name).is_some()) {
        // A derived field shadows one of the table's own: refresh over a copy.
        let table = identity::with_derived_fields(ws, profiles.clone())?;
        return Ok(audience::add_refresh_to_commit(ws, lock, commit, &table, backend)?);
    }
    // The derived fields are appended for the refresh and dropped after it, sparing a copy
    // of the whole table.
    let own = profiles.columns().len();
    for c in derived {
        profiles.set_column(c);
    }
    let refreshed = audience::add_refresh_to_commit(ws, lock, commit, profiles, backend);
    profiles.truncate_columns(own);
    Ok(refreshed?)
}
