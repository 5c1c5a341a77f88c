//! Matching parsed files to their sources' current records (see [`records`]): the step
//! between parsing a file and committing it.

use super::records::{self, Incoming, Records, SourceRecords, SourceSpec};
use super::{ColumnReport, ImportReport, IngestError, Ingested};
use crate::columns::{Column, Role, Table};
use crate::store::Workspace;
use std::borrow::Cow;

/// A parsed file and the source it updates.
pub struct SourcedFile {
    pub ingested: Ingested,
    pub spec: SourceSpec,
}

/// The records after this command's files, and the next unused record id.
pub struct Matched {
    pub records: Records,
    pub next_record: i64,
    /// The committed imports matching loaded (id, columns), for later stages to reuse
    /// instead of reading them again.
    pub loaded: Vec<(i64, Table)>,
    /// For each of `records`, its index among the committed records
    /// ([`records::NEW_RECORD`] for a record this command brings).
    pub committed_index: Vec<u32>,
}

/// Committed imports loaded once for matching, kept for the stages after it. Matching by
/// content needs only the stored hashes, and the departed records only their identifiers,
/// so such imports are read for their system and canonical columns (`partial`); any that
/// still holds current records after matching is read whole before it is handed on.
struct Loaded<'w> {
    ws: &'w Workspace,
    tables: Vec<(i64, Table)>,
    partial: Vec<i64>,
}

impl Loaded<'_> {
    fn table(&mut self, id: i64, whole: bool) -> Result<&Table, IngestError> {
        let at = match self.tables.iter().position(|(i, _)| *i == id) {
            Some(at) if whole && self.partial.contains(&id) => {
                self.tables[at].1 = self.ws.load_import(id)?;
                self.partial.retain(|&p| p != id);
                at
            }
            Some(at) => at,
            None => {
                let table = match whole {
                    true => None,
                    false => Some(self.ws.load_import_columns(id, &|_, role| role != Role::Attribute)?),
                };
                match table.filter(|t| t.ints(records::HASH_COLUMN).is_some()) {
                    Some(t) => {
                        self.partial.push(id);
                        self.tables.push((id, t));
                    }
                    None => self.tables.push((id, self.ws.load_import(id)?)),
                }
                self.tables.len() - 1
            }
        };
        Ok(&self.tables[at].1)
    }

    /// The tables, every one that holds a current record read whole.
    fn finish(mut self, current: &Records) -> Result<Vec<(i64, Table)>, IngestError> {
        for (id, _) in current.imports() {
            if self.partial.contains(&id) {
                self.table(id, true)?;
            }
        }
        Ok(self.tables)
    }
}

fn headers(columns: &[ColumnReport]) -> Vec<(String, String)> {
    columns.iter().map(|c| (c.header.clone(), c.name.clone())).collect()
}

/// Matches each file, in order, to its source's records as the files before it left them.
/// The files take import ids `first_id`, `first_id + 1`, …; each gets its content hashes
/// as a system column and its report its source and record changes.
pub fn match_files(
    ws: &Workspace,
    current: &records::Current,
    files: &mut [SourcedFile],
    first_id: i64,
) -> Result<Matched, IngestError> {
    let mut source_of = records::import_sources(ws)?;
    let mut loaded = Loaded { ws, tables: Vec::new(), partial: Vec::new() };
    let mut state = current.records.clone();
    let mut next_record = current.next_record;
    let mut committed_index: Vec<u32> = (0..state.len() as u32).collect();
    for i in 0..files.len() {
        let import_id = first_id + i as i64;
        let (done, rest) = files.split_at_mut(i);
        let file = &mut rest[0];
        let name = file.spec.name_for(std::path::Path::new(&file.ingested.report.file));
        let table = &mut file.ingested.table;
        let hashes = records::content_hashes(table);
        table.set_column(Column::system_ints(
            records::HASH_COLUMN,
            hashes.iter().map(|&h| h as i64).collect(),
        ));
        let keys = records::record_keys(
            table,
            file.spec.record_id.as_deref(),
            &hashes,
            &headers(&file.ingested.report.columns),
            std::path::Path::new(&file.ingested.report.file),
        )?;
        let in_batch = |id: i64| done.get((id - first_id) as usize).filter(|_| id >= first_id);
        let source = source_records(&mut loaded, &state, &source_of, &name, &file.spec, &in_batch)?;
        let incoming = Incoming { import_id, keys: &keys, hashes: &hashes, mode: file.spec.mode };
        let (next, mut changes, from) = records::apply(&state, &source, &incoming, &mut next_record);
        committed_index = from
            .iter()
            .map(|&f| if f == records::NEW_RECORD { f } else { committed_index[f as usize] })
            .collect();
        changes.source = name.clone();
        changes.record_id = file.spec.record_id.clone();
        file.ingested.report.source = name.clone();
        file.ingested.report.records = Some(changes);
        source_of.insert(import_id, name);
        state = next;
    }
    let loaded = loaded.finish(&state)?;
    Ok(Matched { records: state, next_record, loaded, committed_index })
}

/// The keys and content hashes of source `name`'s current records, under `spec`'s record
/// key. An import without the record-id column is matched by content.
fn source_records<'a>(
    loaded: &mut Loaded,
    state: &Records,
    source_of: &hashbrown::HashMap<i64, String>,
    name: &str,
    spec: &SourceSpec,
    in_batch: &dyn Fn(i64) -> Option<&'a SourcedFile>,
) -> Result<SourceRecords, IngestError> {
    let n = state.len();
    let mut out = SourceRecords {
        index: Vec::with_capacity(n),
        keys: Vec::with_capacity(n),
        hashes: Vec::with_capacity(n),
    };
    let mut start = 0;
    for (id, count) in state.imports() {
        let range = start..start + count;
        start += count;
        if source_of.get(&id).map(String::as_str) != Some(name) {
            continue;
        }
        let (table, columns): (Cow<Table>, Vec<ColumnReport>) = match in_batch(id) {
            Some(f) => (Cow::Borrowed(&f.ingested.table), f.ingested.report.columns.clone()),
            None => {
                let row = loaded.ws.catalog().import(id)?;
                let report: Option<ImportReport> = serde_json::from_str(&row.report_json).ok();
                let whole = spec.record_id.is_some();
                (Cow::Borrowed(loaded.table(id, whole)?), report.map(|r| r.columns).unwrap_or_default())
            }
        };
        let hashes = records::stored_hashes(&table);
        let path = std::path::Path::new("");
        let keys = records::record_keys(&table, spec.record_id.as_deref(), &hashes, &headers(&columns), path)
            .unwrap_or_else(|_| hashes.clone());
        for (i, &row) in range.clone().zip(&state.row[range]) {
            out.index.push(i);
            out.keys.push(keys[row as usize]);
            out.hashes.push(hashes[row as usize]);
        }
    }
    Ok(out)
}

/// A source as `sources list` shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SourceSummary {
    pub name: String,
    /// Its current records.
    pub records: u64,
    /// Its imports, retired ones included.
    pub imports: u64,
    pub last_import: i64,
    pub last_file: String,
    pub last_import_at: String,
}

/// Every source of the workspace, by name, with its current record count and last import.
pub fn summaries(ws: &Workspace) -> Result<Vec<SourceSummary>, IngestError> {
    let current = records::load(ws)?;
    let source_of = records::import_sources(ws)?;
    let mut by_name: std::collections::BTreeMap<String, SourceSummary> = Default::default();
    for row in ws.catalog().list_imports(&crate::store::ImportFilter::default())? {
        let name = source_of.get(&row.id).cloned().unwrap_or_default();
        let s = by_name.entry(name.clone()).or_insert_with(|| SourceSummary {
            name,
            records: 0,
            imports: 0,
            last_import: 0,
            last_file: String::new(),
            last_import_at: String::new(),
        });
        s.imports += 1;
        s.last_import = row.id;
        s.last_file = row.file_name;
        s.last_import_at = row.started_at;
    }
    for (id, count) in current.records.imports() {
        if let Some(s) = source_of.get(&id).and_then(|n| by_name.get_mut(n)) {
            s.records += count as u64;
        }
    }
    Ok(by_name.into_values().collect())
}
