//! Committing parsed files to a workspace: all files of one command land together, or none.

use super::{ImportReport, IngestError, Ingested, Rejected, Separator, Step, StepAt};
use crate::columns::Table;
use crate::store::{Commit, ImportColumn, NewImport, StagedTable, StoreError, Workspace, WriteLock};

/// A parsed file whose columns are already staged in the workspace.
#[derive(Debug)]
pub struct PreparedImport {
    pub report: ImportReport,
    pub rejects: Vec<Rejected>,
    pub header: Vec<String>,
    pub separator: Separator,
    /// The columns, kept for the stages that run before the commit (identity).
    pub table: Table,
    /// The staged columns; `None` for an import that changed no record (nothing to keep).
    staged: Option<StagedTable>,
}

/// Writes a parsed file's columns to a staged snapshot.
pub fn prepare(ws: &Workspace, lock: &WriteLock, ingested: Ingested) -> Result<PreparedImport, StoreError> {
    let staged = ws.stage_table(lock, &ingested.table)?;
    Ok(prepared(ingested, Some(staged)))
}

/// A parsed file together with its columns staged elsewhere (e.g. on another thread).
pub fn prepared(ingested: Ingested, staged: Option<StagedTable>) -> PreparedImport {
    PreparedImport {
        report: ingested.report,
        rejects: ingested.rejects,
        header: ingested.header,
        separator: ingested.separator,
        table: ingested.table,
        staged,
    }
}

/// A committed import: its report (with its id), its rejects, and its columns.
#[derive(Debug)]
pub struct CommittedImport {
    pub report: ImportReport,
    pub rejects: Vec<Rejected>,
    pub header: Vec<String>,
    pub separator: Separator,
    pub table: Table,
}

/// Commits prepared imports in one transaction: every one lands, or none does.
pub fn commit(
    ws: &mut Workspace,
    lock: &WriteLock,
    prepared: Vec<PreparedImport>,
) -> Result<Vec<CommittedImport>, IngestError> {
    let first_id = ws.catalog().next_import_id()?;
    let (commit, done) = into_commit(first_id, prepared);
    ws.commit(lock, commit)?;
    Ok(done)
}

/// Turns prepared imports into a [`Commit`] and the reports to print once it has landed.
/// The imports take ids `first_id`, `first_id + 1`, …: the caller reserved them (from
/// `Catalog::next_import_id`, under the writer lock) so later stages can name the imports
/// before the commit lands.
pub fn into_commit(first_id: i64, prepared: Vec<PreparedImport>) -> (Commit, Vec<CommittedImport>) {
    let mut commit = Commit::default();
    let mut done = Vec::with_capacity(prepared.len());
    for (i, p) in prepared.into_iter().enumerate() {
        let PreparedImport { mut report, rejects, header, separator, table, staged } = p;
        report.id = Some(first_id + i as i64);
        report.step(Step::Committed);
        commit.imports.push((new_import(&report), staged));
        done.push(CommittedImport { report, rejects, header, separator, table });
    }
    (commit, done)
}

fn new_import(r: &ImportReport) -> NewImport {
    NewImport {
        id: r.id.expect("ids are reserved before commit"),
        source: r.source.clone(),
        file_name: r.file_name.clone(),
        file_path: r.file.clone(),
        file_bytes: r.bytes,
        separator: r.separator.clone(),
        imported_by: r.imported_by.clone(),
        started_at: r.started_at.clone(),
        finished_at: r.finished_at.clone(),
        outcome: r.outcome.to_string(),
        lines_read: r.lines_read,
        rows_imported: r.rows_imported,
        rows_rejected: r.rows_rejected,
        rows_opted_out: r.rows_opted_out,
        columns: r
            .columns
            .iter()
            .map(|c| ImportColumn {
                position: c.position,
                header: c.header.clone(),
                name: c.name.clone(),
                canonical: c.canonical.clone(),
                data_type: c.data_type.clone(),
            })
            .collect(),
        history: r.status_history.iter().map(|StepAt { step, at }| (step.to_string(), at.clone())).collect(),
        rejected_by_reason: r.rejected_by_reason.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        report_json: serde_json::to_string(r).expect("a report serialises"),
    }
}
