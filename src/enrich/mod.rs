//! Enrichment from messaging data: messages, campaign events and contact extras linked to
//! profiles through the identity keys, and chat classifiers (language, purchase intent, price
//! sensitivity, sentiment).
//!
//! `hyperseg enrich KIND FILE...` reads and checks the files ([`rows`], [`read`]), stores
//! their new rows in one atomic commit ([`tables`]), and records each file in the catalog.
//! The rows keep the contact's identity keys, never a profile id: [`profile_columns`] links
//! them to the current profiles whenever the profile table is read, so the enriched fields
//! follow merges, splits and re-imports. Entry points for the nightly job:
//! [`enrich_messages`], [`enrich_campaigns`], [`enrich_extras`].

pub mod bench;
pub mod classify;
pub mod contact;
pub mod create;
pub mod erasure;
pub mod eval;
pub mod explain;
pub mod profile;
pub mod read;
pub mod rows;
pub mod tables;

pub use explain::{ProfileEnrichment, explain_profile};
pub use profile::{is_extra, profile_columns};
pub use rows::Kind;
pub use tables::EnrichReport;

use crate::identity::IdentityError;
use crate::store::{StoreError, Workspace};
use std::path::{Path, PathBuf};

/// What can go wrong in enrichment.
#[derive(Debug, thiserror::Error)]
pub enum EnrichError {
    /// A file the user gave cannot be read as asked.
    #[error("{file}, line {line}: {message}")]
    Input { file: String, line: usize, message: String },
    /// A request that cannot be met (an unknown kind, a bad option).
    #[error("{0}")]
    Invalid(String),
    #[error("enrichment data of the workspace is inconsistent: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Identity(#[from] IdentityError),
}

impl EnrichError {
    pub fn is_user_error(&self) -> bool {
        match self {
            EnrichError::Input { .. } | EnrichError::Invalid(_) => true,
            EnrichError::Store(e) => e.is_user_error(),
            EnrichError::Identity(e) => e.is_user_error(),
            EnrichError::Corrupt(_) => false,
        }
    }
}

/// How to enrich.
#[derive(Clone, Debug)]
pub struct EnrichOptions {
    /// Who imports (recorded in the catalog).
    pub imported_by: String,
    /// Write every rejected row (line, reason, detail, row) to this CSV file; with several
    /// input files, one file each, named after the input.
    pub rejects: Option<PathBuf>,
    /// Messages: hours of silence that start a new conversation (`None` keeps the one in
    /// force, 24 by default).
    pub conversation_gap_hours: Option<f64>,
}

/// Refuses options that cannot work (a conversation gap that is not a positive number).
fn check_options(opts: &EnrichOptions) -> Result<(), EnrichError> {
    match opts.conversation_gap_hours.filter(|h| !(h.is_finite() && *h > 0.0)) {
        Some(h) => Err(EnrichError::Invalid(format!(
            "--conversation-gap must be a positive number of hours, not {h}"
        ))),
        None => Ok(()),
    }
}

/// Reads, checks and stores `files` of `kind` in the workspace at `dir`, all or nothing.
pub fn enrich(
    dir: &Path,
    kind: Kind,
    files: &[PathBuf],
    opts: &EnrichOptions,
) -> Result<Vec<EnrichReport>, EnrichError> {
    check_options(opts)?;
    let mut ws = Workspace::open(dir)?;
    let lock = ws.lock()?;
    enrich_in(&mut ws, &lock, kind, files, opts)
}

/// [`enrich`] in a workspace already open and locked (the nightly job's).
pub fn enrich_in(
    ws: &mut Workspace,
    lock: &crate::store::WriteLock,
    kind: Kind,
    files: &[PathBuf],
    opts: &EnrichOptions,
) -> Result<Vec<EnrichReport>, EnrichError> {
    check_options(opts)?;
    let parsed = read_all(ws, kind, files, opts)?;
    commit_parsed(ws, lock, kind, parsed, opts)
}

/// What [`enrich_creating_profiles`] did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EnrichOutcome {
    pub reports: Vec<EnrichReport>,
    /// The profiles created for unknown contacts.
    pub created: create::Created,
}

/// [`enrich`], first creating a profile for every contact that links to none (see
/// [`create`]), so that every row with a valid contact links. `backend` refreshes the saved
/// audiences after the new profiles are resolved. The profiles and the rows land in two
/// commits, profiles first: if the second fails, running the command again stores the rows
/// and creates nothing twice.
pub fn enrich_creating_profiles(
    dir: &Path,
    kind: Kind,
    files: &[PathBuf],
    opts: &EnrichOptions,
    backend: &dyn crate::compute::Backend,
) -> Result<EnrichOutcome, EnrichError> {
    check_options(opts)?;
    let mut ws = Workspace::open(dir)?;
    let lock = ws.lock()?;
    enrich_creating_profiles_in(&mut ws, &lock, (kind, files), opts, backend)
}

/// [`enrich_creating_profiles`] in a workspace already open and locked (the nightly job's).
pub fn enrich_creating_profiles_in(
    ws: &mut Workspace,
    lock: &crate::store::WriteLock,
    (kind, files): (Kind, &[PathBuf]),
    opts: &EnrichOptions,
    backend: &dyn crate::compute::Backend,
) -> Result<EnrichOutcome, EnrichError> {
    check_options(opts)?;
    let parsed = read_all(ws, kind, files, opts)?;
    let created = create::create_profiles(ws, lock, &parsed, &opts.imported_by, backend)?;
    let reports = commit_parsed(ws, lock, kind, parsed, opts)?;
    Ok(EnrichOutcome { reports, created })
}

/// Reads and checks every file, then writes the rejects (so a failed command leaves none).
fn read_all(
    ws: &Workspace,
    kind: Kind,
    files: &[PathBuf],
    opts: &EnrichOptions,
) -> Result<Vec<tables::ParsedFile>, EnrichError> {
    let country = tables::country(ws)?;
    let mut parsed = Vec::with_capacity(files.len());
    for f in files {
        parsed.push(tables::read_file(f, kind, country)?);
    }
    erasure::refuse_suppressed(ws, &mut parsed)?;
    // Every file read: only now write the rejects, so a failed command leaves none behind.
    if let Some(path) = &opts.rejects {
        for (p, file) in parsed.iter_mut().zip(files) {
            let target = if files.len() > 1 { per_file(path, file) } else { path.clone() };
            write_rejects(&target, &p.rejects)?;
            p.report.rejects_file = Some(target.display().to_string());
        }
    }
    Ok(parsed)
}

fn commit_parsed(
    ws: &mut Workspace,
    lock: &crate::store::WriteLock,
    kind: Kind,
    parsed: Vec<tables::ParsedFile>,
    opts: &EnrichOptions,
) -> Result<Vec<EnrichReport>, EnrichError> {
    let commit = tables::CommitOptions {
        imported_by: opts.imported_by.clone(),
        started_at: crate::ingest::now(),
        conversation_gap_hours: opts.conversation_gap_hours.filter(|_| kind == Kind::Messages),
    };
    tables::commit(ws, lock, kind, parsed, &commit)
}

/// `enrich messages FILE...` for the nightly job.
pub fn enrich_messages(
    dir: &Path,
    files: &[PathBuf],
    opts: &EnrichOptions,
) -> Result<Vec<EnrichReport>, EnrichError> {
    enrich(dir, Kind::Messages, files, opts)
}

/// `enrich campaigns FILE...` for the nightly job.
pub fn enrich_campaigns(
    dir: &Path,
    files: &[PathBuf],
    opts: &EnrichOptions,
) -> Result<Vec<EnrichReport>, EnrichError> {
    enrich(dir, Kind::Campaigns, files, opts)
}

/// `enrich extras FILE...` for the nightly job.
pub fn enrich_extras(
    dir: &Path,
    files: &[PathBuf],
    opts: &EnrichOptions,
) -> Result<Vec<EnrichReport>, EnrichError> {
    enrich(dir, Kind::Extras, files, opts)
}

/// `rejects.csv` + `contacts.csv` → `rejects-contacts.csv`.
fn per_file(rejects: &Path, input: &Path) -> PathBuf {
    let stem =
        rejects.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "rejects".into());
    let ext = rejects.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_else(|| "csv".into());
    let name = input.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    rejects.with_file_name(format!("{stem}-{name}.{ext}"))
}

fn write_rejects(path: &Path, rejects: &[rows::Reject]) -> Result<(), EnrichError> {
    let err = |e: csv::Error| {
        EnrichError::Store(StoreError::Io {
            path: path.to_owned(),
            source: std::io::Error::other(e.to_string()),
        })
    };
    let mut w = csv::Writer::from_path(path).map_err(err)?;
    w.write_record(["line", "reason", "detail", "row"]).map_err(err)?;
    for r in rejects {
        w.write_record([r.line.to_string().as_str(), r.reason, &r.detail, &r.raw]).map_err(err)?;
    }
    w.flush().map_err(|e| err(e.into()))
}

/// Every enrichment import, oldest first.
pub fn list(ws: &Workspace) -> Result<Vec<crate::store::EnrichImportRow>, EnrichError> {
    Ok(ws.catalog().enrich_imports()?)
}
