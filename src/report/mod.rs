//! The HTML report (`hyperseg report`): one self-contained page — imports, profiles, fields,
//! audiences, scores and runs — with charts drawn here as inline SVG ([`svg`]) and every
//! number also in a table. Nothing on the page is fetched: no script, font, style sheet or
//! image comes from anywhere, and its Content-Security-Policy forbids any request, so it
//! opens offline, mailed or archived. Text is escaped everywhere (the template by
//! minijinja's HTML auto-escaping, the charts by [`svg::esc`]).
//!
//! The report reads the catalog and the profile table; it writes nothing to the workspace
//! and needs no lock.

mod audiences;
pub mod bench;
mod fields;
pub mod format;
mod imports;
mod model;
mod page;
mod profiles;
mod runs;
mod scores;
pub mod svg;

use crate::audience::AudienceError;
use crate::columns::Table;
use crate::identity::{self, IdentityError};
use crate::score::ScoreError;
use crate::store::{OutputError, StoreError, Workspace};
pub use model::{Block, Chart, Section};
use std::path::{Path, PathBuf};

/// What can go wrong writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error(transparent)]
    Audience(#[from] AudienceError),
    #[error(transparent)]
    Score(#[from] ScoreError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("the as-of date {0:?} is not a date (expected YYYY-MM-DD)")]
    BadDate(String),
    #[error("{path}: cannot write the report: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("the report's template failed: {0}")]
    Template(String),
    #[error("the catalog holds unreadable report data: {0}")]
    Corrupt(String),
    /// A step of the benchmark's set-up failed.
    #[error("{0}")]
    Bench(String),
}

impl ReportError {
    /// Whether the user can fix this (exit 1) rather than an internal failure (exit 2).
    pub fn is_user_error(&self) -> bool {
        match self {
            ReportError::Store(e) => e.is_user_error(),
            ReportError::Identity(e) => e.is_user_error(),
            ReportError::Audience(e) => e.is_user_error(),
            ReportError::Score(e) => e.is_user_error(),
            ReportError::Output(_) | ReportError::BadDate(_) | ReportError::Write { .. } => true,
            ReportError::Template(_) | ReportError::Corrupt(_) | ReportError::Bench(_) => false,
        }
    }
}

/// How to write a report.
#[derive(Clone, Debug, Default)]
pub struct ReportOptions {
    /// The day the report is as of (YYYY-MM-DD, default today, UTC): imports, resolutions,
    /// refreshes, audiences and runs that happened after it are left out. Fields, scores and the audience
    /// overlap are the workspace's current state.
    pub as_of: Option<String>,
}

/// What [`write`] wrote.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
    pub sections: usize,
    pub charts: usize,
}

/// What every section reads: the workspace, the as-of day and the profile table.
pub(crate) struct Context<'a> {
    pub ws: &'a Workspace,
    /// YYYY-MM-DD.
    pub as_of: String,
    /// The profile table with its derived fields (enrichment, scores), if profiles exist.
    pub profiles: Option<Table>,
}

impl Context<'_> {
    /// Whether an RFC 3339 time (or a day) is on or before the as-of day.
    pub fn until_as_of(&self, at: &str) -> bool {
        format::day(at) <= self.as_of.as_str()
    }
}

/// The as-of day: `given` checked, else today (UTC).
fn as_of_day(given: Option<&str>) -> Result<String, ReportError> {
    let day = match given {
        Some(d) => chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .map_err(|_| ReportError::BadDate(d.to_owned()))?,
        None => chrono::Utc::now().date_naive(),
    };
    Ok(day.format("%Y-%m-%d").to_string())
}

/// The report's sections, in page order.
pub fn sections(ws: &Workspace, opts: &ReportOptions) -> Result<(String, Vec<Section>), ReportError> {
    let as_of = as_of_day(opts.as_of.as_deref())?;
    let profiles = match identity::profile_table(ws)? {
        Some(t) => Some(identity::with_derived_fields(ws, t)?),
        None => None,
    };
    let ctx = Context { ws, as_of: as_of.clone(), profiles };
    let sections = vec![
        imports::section(&ctx)?,
        profiles::section(&ctx)?,
        fields::section(&ctx),
        audiences::section(&ctx)?,
        scores::section(&ctx)?,
        runs::section(&ctx)?,
    ];
    Ok((as_of, sections))
}

/// The report of `ws` as one HTML page.
pub fn render(ws: &Workspace, opts: &ReportOptions) -> Result<String, ReportError> {
    let (as_of, sections) = sections(ws, opts)?;
    page::html(&ws.root().display().to_string(), &as_of, &sections)
}

/// Writes the report of `ws` to `path` (not inside the workspace; its folder must exist),
/// through a temporary file renamed into place, so a reader never sees half a page.
pub fn write(ws: &Workspace, path: &Path, opts: &ReportOptions) -> Result<Written, ReportError> {
    crate::store::check_output(ws.root(), path, &[])?;
    let (as_of, sections) = sections(ws, opts)?;
    let html = page::html(&ws.root().display().to_string(), &as_of, &sections)?;
    let failed = |source| ReportError::Write { path: path.to_owned(), source };
    let tmp = path.with_file_name(format!(
        ".{}.{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, html.as_bytes()).map_err(failed)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        failed(e)
    })?;
    Ok(Written {
        path: path.to_owned(),
        bytes: html.len() as u64,
        sections: sections.len(),
        charts: sections.iter().map(Section::charts).sum(),
    })
}

#[cfg(test)]
mod tests;
