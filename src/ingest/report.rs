//! The import report: what was read, kept, rejected and opted out, and how the import went.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How an import ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every row was imported or opted out.
    Success,
    /// Imported, but some rows were rejected.
    CompletedWithErrors,
    /// Nothing was imported.
    Failed,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Outcome::Success => "success",
            Outcome::CompletedWithErrors => "completed with errors",
            Outcome::Failed => "failed",
        })
    }
}

/// A step of an import, in the order they happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Received,
    Validating,
    Parsing,
    Committed,
    Failed,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Step::Received => "received",
            Step::Validating => "validating",
            Step::Parsing => "parsing",
            Step::Committed => "committed",
            Step::Failed => "failed",
        })
    }
}

/// When the import reached a step (RFC 3339, UTC).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepAt {
    pub step: Step,
    pub at: String,
}

/// One column of the file and where it went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnReport {
    /// 1-based position in the file.
    pub position: usize,
    /// The header as written.
    pub header: String,
    /// The name it is stored under.
    pub name: String,
    /// The canonical field it maps to, if any.
    pub canonical: Option<String>,
    /// text, integer, decimal, boolean or date.
    #[serde(rename = "type")]
    pub data_type: String,
}

/// Everything an import did, as printed and as stored in the catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    /// The import's id in the workspace, once committed.
    pub id: Option<i64>,
    /// The path given on the command line.
    pub file: String,
    pub file_name: String,
    pub bytes: u64,
    /// comma or semicolon.
    pub separator: String,
    /// Whether the separator was detected (or given with --separator).
    pub separator_detected: bool,
    pub columns: Vec<ColumnReport>,
    /// Physical lines in the file, header included.
    pub lines_read: u64,
    /// Data records read (a record may span lines when a quoted field holds line breaks).
    pub records_read: u64,
    pub rows_imported: u64,
    pub rows_rejected: u64,
    pub rejected_by_reason: BTreeMap<String, u64>,
    pub rows_opted_out: u64,
    /// Rows of erased people, refused (see `hyperseg profiles erase`).
    #[serde(default)]
    pub rows_suppressed: u64,
    /// The opt-in column's header, if the file has one.
    pub opt_in_column: Option<String>,
    /// Opt-in cells that were neither yes nor no (imported as opted in).
    pub opt_in_unrecognised: u64,
    /// Opt-in cells that were empty (imported as opted in).
    pub opt_in_empty: u64,
    /// Remarks for the user, e.g. that there was no opt-in column.
    pub notes: Vec<String>,
    pub imported_by: String,
    pub started_at: String,
    pub finished_at: String,
    pub outcome: Outcome,
    pub status_history: Vec<StepAt>,
    /// Where the rejected rows were written (--rejects), if anywhere.
    pub rejects_file: Option<String>,
    /// The source the file belongs to.
    #[serde(default)]
    pub source: String,
    /// What the import did to the source's records (once matched against them).
    #[serde(default)]
    pub records: Option<super::records::RecordChanges>,
}

impl ImportReport {
    /// Records that the import reached `step` now.
    pub fn step(&mut self, step: Step) {
        self.status_history.push(StepAt { step, at: now() });
    }
}

/// The current time, RFC 3339 in UTC with milliseconds (sorts as text).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
