//! Committing parsed files to a workspace: all files of one command land together, or none.

use super::{ImportReport, IngestError, Ingested, Rejected, Separator, Step, StepAt};
use crate::store::{ImportColumn, NewImport, StagedTable, StoreError, Workspace, WriteLock};

/// A parsed file whose columns are already staged in the workspace.
#[derive(Debug)]
pub struct PreparedImport {
    pub report: ImportReport,
    pub rejects: Vec<Rejected>,
    pub header: Vec<String>,
    pub separator: Separator,
    staged: StagedTable,
}

/// Writes a parsed file's columns to a staged snapshot, freeing the table.
pub fn prepare(ws: &Workspace, lock: &WriteLock, ingested: Ingested) -> Result<PreparedImport, StoreError> {
    let staged = ws.stage_table(lock, &ingested.table)?;
    Ok(PreparedImport {
        report: ingested.report,
        rejects: ingested.rejects,
        header: ingested.header,
        separator: ingested.separator,
        staged,
    })
}

/// A committed import: its report (with its id) and what is needed to write its rejects.
#[derive(Debug)]
pub struct CommittedImport {
    pub report: ImportReport,
    pub rejects: Vec<Rejected>,
    pub header: Vec<String>,
    pub separator: Separator,
}

/// Commits prepared imports in one transaction: every one lands, or none does.
pub fn commit(
    ws: &mut Workspace,
    lock: &WriteLock,
    prepared: Vec<PreparedImport>,
) -> Result<Vec<CommittedImport>, IngestError> {
    let mut pairs = Vec::with_capacity(prepared.len());
    let mut done = Vec::with_capacity(prepared.len());
    for p in prepared {
        let PreparedImport { mut report, rejects, header, separator, staged } = p;
        report.step(Step::Committed);
        pairs.push((new_import(&report), staged));
        done.push(CommittedImport { report, rejects, header, separator });
    }
    let ids = ws.commit_imports(lock, pairs).map_err(IngestError::Store)?;
    for (c, id) in done.iter_mut().zip(ids) {
        c.report.id = Some(id);
    }
    Ok(done)
}

fn new_import(r: &ImportReport) -> NewImport {
    let mut stored = r.clone();
    stored.id = None;
    NewImport {
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
        report_json: serde_json::to_string(&stored).expect("a report serialises"),
    }
}
