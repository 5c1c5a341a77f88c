//! The enrichment rows in the workspace: one table per kind holding every distinct row ever
//! imported (`profiles/enrich-KIND-G.hsc`, named by the setting `enrich.KIND.file`), replaced
//! whole by each commit. A row identical to a stored one (same contact keys and fields) is
//! counted as a duplicate and not stored again, so importing a file twice changes nothing.
//! Rows keep their contact keys, not a profile: profiles are found when fields are derived.

use super::EnrichError;
use super::contact::Linker;
use super::profile;
use super::read;
use super::rows::{Kind, Layout, Parsed, Reject};
use crate::columns::{Column, ColumnData, Table, column_from_values};
use crate::identity::normalize::CountryCode;
use crate::store::{Commit, EnrichImportRow, StoreError, Workspace, WriteLock, snapshot};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Bumped by every enrichment commit; part of the derived fields' cache key.
pub const GENERATION: &str = "enrich.generation";
/// Hours of silence that start a new conversation, as last set by `enrich messages`.
pub const CONVERSATION_GAP: &str = "enrich.conversation_gap_hours";
pub const DEFAULT_GAP_HOURS: f64 = 24.0;

/// The setting naming the current file of `kind`'s rows.
pub(crate) fn file_setting(kind: Kind) -> String {
    format!("enrich.{}.file", kind.name())
}

/// The file of `kind`'s rows as written by the commit of enrichment generation `g`.
pub(crate) fn file_name(kind: Kind, g: u64) -> String {
    format!("profiles/enrich-{}-{g}.hsc", kind.name())
}

/// What happened to one file.
#[derive(Clone, Debug, Serialize)]
pub struct EnrichReport {
    pub kind: Kind,
    pub file: String,
    pub bytes: u64,
    pub format: &'static str,
    /// Data rows in the file (accepted and rejected).
    pub rows_read: u64,
    /// Accepted rows not stored before (stored now).
    pub rows_new: u64,
    /// Accepted rows identical to a stored row or to an earlier row of the file.
    pub rows_duplicate: u64,
    /// Accepted rows whose contact belongs to a profile now.
    pub rows_linked: u64,
    /// Accepted rows whose contact matches no profile (kept: they link once it exists).
    pub rows_unknown_contact: u64,
    pub rows_rejected: u64,
    /// Accepted rows whose contact is a person erased on request: refused, never stored.
    pub rows_suppressed: u64,
    pub rejected_by_reason: BTreeMap<String, u64>,
    /// The first rejected rows (line, reason, detail).
    pub rejects_sample: Vec<Reject>,
    pub rejects_file: Option<String>,
    /// Rows of this kind stored in the workspace after the commit.
    pub rows_stored_total: u64,
}

/// A file read and checked, not yet committed.
pub struct ParsedFile {
    pub report: EnrichReport,
    pub table: Table,
    pub rejects: Vec<Reject>,
}

/// Rejects listed in a report.
const REJECT_SAMPLE: usize = 20;

/// The workspace's country code for phones without one.
pub fn country(ws: &Workspace) -> Result<CountryCode, EnrichError> {
    let config = crate::identity::load_config(ws)?;
    Ok(CountryCode::parse(&config.country).unwrap_or_default())
}

/// Reads and checks one file of `kind`.
pub fn read_file(path: &Path, kind: Kind, country: CountryCode) -> Result<ParsedFile, EnrichError> {
    let file =
        read::read_file(path, &|header| Ok(Parsed::new(kind, Layout::of(kind, header, path)?, country)))?;
    parsed(path, kind, file)
}

/// [`read_file`] over bytes in memory.
pub fn read_bytes(
    path: &Path,
    bytes: &[u8],
    kind: Kind,
    country: CountryCode,
) -> Result<ParsedFile, EnrichError> {
    let file = read::read_bytes(path, bytes, &|header| {
        Ok(Parsed::new(kind, Layout::of(kind, header, path)?, country))
    })?;
    parsed(path, kind, file)
}

fn parsed(path: &Path, kind: Kind, file: read::ReadFile<Parsed>) -> Result<ParsedFile, EnrichError> {
    let mut rejects = Vec::new();
    let mut parts: Vec<Vec<Column>> = Vec::new();
    let mut rows = 0;
    for mut sink in file.sinks {
        rows += sink.rows();
        rejects.append(&mut sink.rejects);
        parts.push(sink.into_columns());
    }
    let table = concat_tables(rows, parts);
    let mut by_reason = BTreeMap::new();
    for r in &rejects {
        *by_reason.entry(r.reason.to_owned()).or_insert(0u64) += 1;
    }
    let report = EnrichReport {
        kind,
        file: path.display().to_string(),
        bytes: file.bytes,
        format: if file.json_lines { "json_lines" } else { "csv" },
        rows_read: (rows + rejects.len()) as u64,
        rows_new: 0,
        rows_duplicate: 0,
        rows_linked: 0,
        rows_unknown_contact: 0,
        rows_rejected: rejects.len() as u64,
        rows_suppressed: 0,
        rejected_by_reason: by_reason,
        rejects_sample: rejects.iter().take(REJECT_SAMPLE).cloned().collect(),
        rejects_file: None,
        rows_stored_total: 0,
    };
    Ok(ParsedFile { report, table, rejects })
}

/// Joins tables given as column lists of equal names, in order.
fn concat_tables(rows: usize, parts: Vec<Vec<Column>>) -> Table {
    let Some(first) = parts.first() else { return Table::default() };
    let names: Vec<(String, crate::columns::Role)> = first.iter().map(|c| (c.name.clone(), c.role)).collect();
    let mut by_col: Vec<Vec<ColumnData>> = names.iter().map(|_| Vec::new()).collect();
    for part in parts {
        for (i, c) in part.into_iter().enumerate() {
            by_col[i].push(c.data);
        }
    }
    let columns = names
        .into_iter()
        .zip(by_col)
        .map(|((name, role), data)| Column { name, role, data: ColumnData::concat(data) })
        .collect();
    Table::new(rows, columns)
}

/// The rows `idx` of `t`.
fn take(t: &Table, idx: &[usize]) -> Vec<Column> {
    t.columns()
        .iter()
        .map(|c| Column {
            name: c.name.clone(),
            role: c.role,
            data: column_from_values(c.data_type(), idx.len(), idx.iter().map(|&i| c.data.value(i))),
        })
        .collect()
}

/// The stored rows of `kind`, if any were imported.
pub fn load(ws: &Workspace, kind: Kind) -> Result<Option<Table>, EnrichError> {
    match ws.catalog().setting(&file_setting(kind))? {
        Some(rel) => Ok(Some(snapshot::read(&ws.data_path(&rel))?)),
        None => Ok(None),
    }
}

/// The enrichment generation (0 before any enrichment).
pub fn generation(ws: &Workspace) -> Result<u64, EnrichError> {
    Ok(ws.catalog().setting(GENERATION)?.and_then(|g| g.parse().ok()).unwrap_or(0))
}

/// Options of a commit.
pub struct CommitOptions {
    pub imported_by: String,
    pub started_at: String,
    /// For messages: the conversation gap to keep (hours); `None` keeps the current one.
    pub conversation_gap_hours: Option<f64>,
}

/// Stores the new rows of `files` (all of one kind) in one atomic commit and records each
/// file in the catalog; returns the files' reports.
pub fn commit(
    ws: &mut Workspace,
    lock: &WriteLock,
    kind: Kind,
    files: Vec<ParsedFile>,
    opts: &CommitOptions,
) -> Result<Vec<EnrichReport>, EnrichError> {
    let existing = load(ws, kind)?;
    let mut seen: hashbrown::HashSet<i64> = hashbrown::HashSet::new();
    if let Some(t) = &existing {
        seen.extend(t.ints("hash").unwrap_or_default());
    }
    let linker = Linker::load(ws)?;
    let mut parts: Vec<Vec<Column>> = Vec::new();
    let mut rows = existing.as_ref().map_or(0, Table::rows);
    if let Some(t) = existing {
        parts.push(t.into_columns());
    }
    let mut reports = Vec::new();
    for f in files {
        let mut report = f.report;
        let n = f.table.rows();
        let hashes = f.table.ints("hash").unwrap_or_default();
        let fresh: Vec<usize> = (0..n).filter(|&i| seen.insert(hashes[i])).collect();
        let linked = count_linked(&f.table, &linker);
        report.rows_new = fresh.len() as u64;
        report.rows_duplicate = (n - fresh.len()) as u64;
        report.rows_linked = linked as u64;
        report.rows_unknown_contact = (n - linked) as u64;
        if fresh.len() == n && n > 0 {
            parts.push(f.table.into_columns());
        } else if !fresh.is_empty() {
            parts.push(take(&f.table, &fresh));
        }
        rows += fresh.len();
        reports.push(report);
    }
    for r in &mut reports {
        r.rows_stored_total = rows as u64;
    }
    let g = generation(ws)? + 1;
    let mut commit = Commit::default();
    let old = ws.catalog().setting(&file_setting(kind))?;
    let changed = reports.iter().any(|r| r.rows_new > 0) || old.is_none();
    let rel = file_name(kind, g);
    if changed {
        let table = concat_tables(rows, parts);
        commit.files.push((ws.stage_table(lock, &table)?, rel.clone()));
        commit.retire.extend(old.clone());
    }
    let records: Vec<EnrichImportRow> = reports
        .iter()
        .map(|r| EnrichImportRow {
            id: 0,
            kind: kind.name().to_owned(),
            file_name: Path::new(&r.file)
                .file_name()
                .map_or(r.file.clone(), |n| n.to_string_lossy().into_owned()),
            imported_by: opts.imported_by.clone(),
            started_at: opts.started_at.clone(),
            rows_read: r.rows_read,
            rows_new: r.rows_new,
            rows_rejected: r.rows_rejected,
            report_json: serde_json::to_string(r).expect("reports serialise"),
        })
        .collect();
    let setting = file_setting(kind);
    let gap = opts.conversation_gap_hours;
    commit.catalog = Some(Box::new(move |w| {
        if changed {
            w.set_setting(&setting, &rel)?;
        }
        w.set_setting(GENERATION, &g.to_string())?;
        if let Some(h) = gap {
            w.set_setting(CONVERSATION_GAP, &h.to_string())?;
        }
        for r in &records {
            w.insert_enrich_import(r)?;
        }
        Ok::<(), StoreError>(())
    }));
    ws.commit(lock, commit)?;
    Ok(reports)
}

fn count_linked(t: &Table, linker: &Linker) -> usize {
    let (phone, cpf, email) =
        (profile::ints(t, "phone"), profile::ints(t, "cpf"), profile::texts(t, "email"));
    let key =
        |c: Option<&crate::columns::PrimitiveColumn<i64>>, i| c.and_then(|c| c.get(i)).map(|v| v as u64);
    (0..t.rows())
        .filter(|&i| linker.profile(key(phone, i), email.and_then(|c| c.get(i)), key(cpf, i)).is_some())
        .count()
}
