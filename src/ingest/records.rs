//! Records and sources: what an import does to the records the workspace already holds.
//!
//! Every imported row is a record of a source (a CRM, a lead list). A record is known by its
//! key: the value of the source's record-id column (`--record-id`, a CRM's own contact id)
//! or, without one, its whole content (the hash of its non-empty cells by column name, so
//! identical rows after trimming are one record whatever the column order). A new file of a
//! source is matched to the source's current records by key:
//! - a matching record is replaced by the file's version (changed when its content differs,
//!   else unchanged, keeping the import where it last changed);
//! - a row whose key is new adds a record;
//! - under [`Mode::Replace`] (the file is the source's whole state) the source's records the
//!   file does not hold leave; under [`Mode::Upsert`] they stay.
//!
//! Rows repeating a key within one file count as duplicates: the last one is the record.
//! The workspace's current records ([`Records`]) are a list of (import, row) in import then
//! row order, each with a persistent record id, the import that first brought it (`since`)
//! and the import where its content last changed (`changed`). An import whose rows are no
//! longer current is retired (its snapshot deleted): the workspace holds current records
//! only, so it does not grow when the dump does not.

use super::IngestError;
use crate::columns::{Column, ColumnData, Role, Table};
use crate::store::{Commit, ImportFilter, StoreError, Workspace, WriteLock, snapshot};
use serde::{Deserialize, Serialize};

/// The system column holding each row's content hash in an import snapshot.
pub const HASH_COLUMN: &str = "_hash";

/// What a file is to its source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Records are added or replaced; none are removed.
    #[default]
    Upsert,
    /// The file is the source's whole current state: records absent from it leave.
    Replace,
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Upsert => "upsert",
            Mode::Replace => "replace",
        })
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Mode, String> {
        match s {
            "upsert" => Ok(Mode::Upsert),
            "replace" => Ok(Mode::Replace),
            other => Err(format!("unknown import mode {other:?}; expected upsert or replace")),
        }
    }
}

/// The source a file belongs to and how it updates it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSpec {
    /// The source's name; `None` takes the file name without its extension.
    pub source: Option<String>,
    pub mode: Mode,
    /// The column holding the source's own record id, if any.
    pub record_id: Option<String>,
}

impl SourceSpec {
    /// The source name for `path`: the given one, else the file name without extension.
    pub fn name_for(&self, path: &std::path::Path) -> String {
        self.source.clone().unwrap_or_else(|| {
            path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "import".into())
        })
    }
}

/// What an import did to its source's records.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordChanges {
    pub source: String,
    pub mode: Mode,
    pub record_id: Option<String>,
    pub new: u64,
    pub changed: u64,
    pub unchanged: u64,
    /// Records of the source that left (replace mode).
    pub removed: u64,
    /// Rows repeating a record key of an earlier row of the same file.
    pub duplicates: u64,
    /// The source's records after the import.
    pub source_records: u64,
}

impl RecordChanges {
    /// Whether the import changed no record.
    pub fn is_unchanged(&self) -> bool {
        self.new == 0 && self.changed == 0 && self.removed == 0
    }
}

/// The workspace's current records, in (import, row) order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Records {
    pub import: Vec<i64>,
    pub row: Vec<u32>,
    /// Persistent record ids.
    pub record: Vec<i64>,
    /// The import that first brought the record.
    pub since: Vec<i64>,
    /// The import where the record's content last changed.
    pub changed: Vec<i64>,
}

impl Records {
    pub fn len(&self) -> usize {
        self.record.len()
    }

    pub fn is_empty(&self) -> bool {
        self.record.is_empty()
    }

    pub fn with_capacity(n: usize) -> Records {
        Records {
            import: Vec::with_capacity(n),
            row: Vec::with_capacity(n),
            record: Vec::with_capacity(n),
            since: Vec::with_capacity(n),
            changed: Vec::with_capacity(n),
        }
    }

    /// Every row of each of `imports` (id, rows), numbered `first_id..` in order: the records
    /// of a workspace from before sources, when every imported row was a record.
    pub fn all_rows(imports: &[(i64, usize)], first_id: i64) -> Records {
        let mut out = Records::default();
        for &(id, rows) in imports {
            for row in 0..rows {
                out.push(id, row as u32, first_id + out.len() as i64, id, id);
            }
        }
        out
    }

    /// Appends record `i` of `from`, at row `row` of its import.
    pub fn push_record(&mut self, from: &Records, i: usize, row: u32) {
        self.push(from.import[i], row, from.record[i], from.since[i], from.changed[i]);
    }

    fn push(&mut self, import: i64, row: u32, record: i64, since: i64, changed: i64) {
        self.import.push(import);
        self.row.push(row);
        self.record.push(record);
        self.since.push(since);
        self.changed.push(changed);
    }

    /// The rows of import `id` that are current, ascending (empty when none).
    pub fn rows_of(&self, id: i64) -> &[u32] {
        let start = self.import.partition_point(|&i| i < id);
        let end = self.import.partition_point(|&i| i <= id);
        &self.row[start..end]
    }

    /// The imports holding current records, ascending, with how many each holds.
    pub fn imports(&self) -> Vec<(i64, usize)> {
        let mut out: Vec<(i64, usize)> = Vec::new();
        for &i in &self.import {
            match out.last_mut() {
                Some((last, n)) if *last == i => *n += 1,
                _ => out.push((i, 1)),
            }
        }
        out
    }

    /// As a table, for the workspace file.
    pub fn to_table(&self) -> Table {
        Table::new(
            self.len(),
            vec![
                Column::system_ints("import", self.import.clone()),
                Column::system_ints("row", self.row.iter().map(|&r| i64::from(r)).collect()),
                Column::system_ints("record", self.record.clone()),
                Column::system_ints("since", self.since.clone()),
                Column::system_ints("changed", self.changed.clone()),
            ],
        )
    }

    /// Reads the table [`Records::to_table`] wrote; `None` when a column is missing.
    pub fn from_table(t: &Table) -> Option<Records> {
        let rows = t.ints("row")?;
        Some(Records {
            import: t.ints("import")?.to_vec(),
            row: rows.iter().map(|&r| u32::try_from(r).ok()).collect::<Option<Vec<u32>>>()?,
            record: t.ints("record")?.to_vec(),
            since: t.ints("since")?.to_vec(),
            changed: t.ints("changed")?.to_vec(),
        })
    }
}

use crate::columns::hash::{BuildPreHashed, mix64 as mix};

fn hash_bytes(b: &[u8]) -> u64 {
    ahash::RandomState::with_seeds(0x5851_F42D, 0x4C95_7F2D, 0x1405_7B7E, 0xF767_814F).hash_one(b)
}

/// Rows per parallel task when hashing rows.
const HASH_BLOCK: usize = if cfg!(debug_assertions) { 64 } else { 16_384 };

/// Hashes one column's cells (0 where the cell is empty). Text and integers hash as their
/// text, so a column typed differently in another file (integer here, text there) gives the
/// same hashes for the same cells; decimals, dates and booleans — whose text forms differ
/// from how files write them anyway — hash their bits with a tag of their type.
struct CellHasher<'a> {
    data: &'a ColumnData,
    /// For dictionary columns, the hash of each dictionary value.
    per_code: Vec<u64>,
}

impl<'a> CellHasher<'a> {
    fn new(data: &'a ColumnData) -> CellHasher<'a> {
        let per_code = match data {
            ColumnData::Dictionary(d) => {
                let dict = d.dictionary();
                (0..dict.len()).map(|i| hash_bytes(dict.raw_bytes(i)) | 1).collect()
            }
            _ => Vec::new(),
        };
        CellHasher { data, per_code }
    }

    #[inline]
    fn hash(&self, i: usize, buf: &mut itoa::Buffer) -> u64 {
        let tagged = |tag: u64, bits: u64| mix(bits ^ tag.rotate_left(32)) | 1;
        if !self.data.validity().get(i) {
            return 0;
        }
        match self.data {
            ColumnData::Dictionary(d) => self.per_code[d.codes()[i] as usize],
            ColumnData::Utf8(s) => hash_bytes(s.raw_bytes(i)) | 1,
            ColumnData::Int64(c) => hash_bytes(buf.format(c.values[i]).as_bytes()) | 1,
            ColumnData::Float64(c) => tagged(1, c.values[i].to_bits()),
            ColumnData::Date(c) => tagged(2, c.values[i] as u64),
            ColumnData::Boolean(b) => b.get(i).map_or(0, |v| tagged(3, u64::from(v))),
        }
    }
}

/// Each row's value hash for one column (see [`CellHasher`]).
fn value_hashes(data: &ColumnData) -> Vec<u64> {
    use rayon::prelude::*;
    let hasher = CellHasher::new(data);
    (0..data.len()).into_par_iter().map_init(itoa::Buffer::new, |buf, i| hasher.hash(i, buf)).collect()
}

/// The content hash of every row of `t`: its non-empty cells, by column name (system
/// columns aside), so the column order of the file does not matter. Rows are hashed in
/// parallel blocks, every column of a block at once.
pub fn content_hashes(t: &Table) -> Vec<u64> {
    use rayon::prelude::*;
    let mut columns: Vec<&Column> = t.columns().iter().filter(|c| c.role != Role::System).collect();
    columns.sort_by(|a, b| a.name.cmp(&b.name));
    let hashers: Vec<(u64, CellHasher)> =
        columns.iter().map(|c| (hash_bytes(c.name.as_bytes()), CellHasher::new(&c.data))).collect();
    let mut out = vec![0x9E37_79B9_7F4A_7C15u64; t.rows()];
    out.par_chunks_mut(HASH_BLOCK).enumerate().for_each(|(b, block)| {
        let start = b * HASH_BLOCK;
        let mut buf = itoa::Buffer::new();
        for (name, hasher) in &hashers {
            for (i, h) in block.iter_mut().enumerate() {
                let v = hasher.hash(start + i, &mut buf);
                if v != 0 {
                    *h = mix(h.rotate_left(5) ^ name ^ v);
                }
            }
        }
    });
    out
}

/// The stored content hashes of an import's table, or computed when it has none.
pub fn stored_hashes(t: &Table) -> Vec<u64> {
    match t.ints(HASH_COLUMN) {
        Some(h) => h.iter().map(|&v| v as u64).collect(),
        None => content_hashes(t),
    }
}

/// The column named `name` by its stored name or its header as written (ignoring case and
/// accents), if `t` has it.
fn find_column<'a>(t: &'a Table, name: &str, headers: &[(String, String)]) -> Option<&'a Column> {
    let folded = crate::text::fold(name);
    let stored = headers
        .iter()
        .find(|(header, stored)| crate::text::fold(header) == folded || crate::text::fold(stored) == folded)
        .map(|(_, stored)| stored.as_str());
    t.columns().iter().find(|c| Some(c.name.as_str()) == stored || crate::text::fold(&c.name) == folded)
}

/// Each row's record key: the hash of its record-id cell when `record_id` names a column
/// (rows with an empty id fall back to their content), else its content hash.
///
/// `headers` are the file's (header as written, stored name) pairs, so the column can be
/// named either way. Fails when `record_id` names no column of `t`.
pub fn record_keys(
    t: &Table,
    record_id: Option<&str>,
    content: &[u64],
    headers: &[(String, String)],
    file: &std::path::Path,
) -> Result<Vec<u64>, IngestError> {
    let Some(name) = record_id else { return Ok(content.to_vec()) };
    let column = find_column(t, name, headers).ok_or_else(|| IngestError::NoRecordIdColumn {
        path: file.to_owned(),
        column: name.to_owned(),
        found: headers.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>().join(", "),
    })?;
    let ids = value_hashes(&column.data);
    // Keys by id live in their own space: an id never equals a content hash by design.
    Ok(ids.iter().zip(content).map(|(&id, &c)| if id != 0 { mix(id ^ 0x1D) } else { c }).collect())
}

/// The keys and content hashes of a source's current records (in [`Records`] order, by
/// index into it).
pub struct SourceRecords {
    pub index: Vec<usize>,
    pub keys: Vec<u64>,
    pub hashes: Vec<u64>,
}

/// A new import of a source: its id, its rows' keys and content hashes.
pub struct Incoming<'a> {
    pub import_id: i64,
    pub keys: &'a [u64],
    pub hashes: &'a [u64],
    pub mode: Mode,
}

/// Marks a record of [`apply`]'s output that no input record led to (a new record).
pub const NEW_RECORD: u32 = u32::MAX;

/// The records after an import, what it changed, and for each output record the index of
/// the input record it continues ([`NEW_RECORD`] for a new one), so later stages find what
/// they knew of it by position instead of looking its id up. `next_record` is the next
/// unused record id; it is advanced past the ids given to new records.
pub fn apply(
    records: &Records,
    source: &SourceRecords,
    incoming: &Incoming,
    next_record: &mut i64,
) -> (Records, RecordChanges, Vec<u32>) {
    let mut changes = RecordChanges { mode: incoming.mode, ..RecordChanges::default() };
    let rows = incoming.keys.len();
    // The last row of each key in the file is its record.
    let mut last_row: hashbrown::HashMap<u64, u32, BuildPreHashed> =
        hashbrown::HashMap::with_capacity_and_hasher(rows, BuildPreHashed::default());
    for (row, &k) in incoming.keys.iter().enumerate() {
        if last_row.insert(k, row as u32).is_some() {
            changes.duplicates += 1;
        }
    }
    // What each live row of the file continues: the input record, and whether it is the same.
    let mut carried: Vec<Option<(u32, bool)>> = vec![None; rows];
    let mut leaves = vec![false; records.len()];
    for (j, &i) in source.index.iter().enumerate() {
        match last_row.get(&source.keys[j]) {
            Some(&row) => {
                let same = source.hashes[j] == incoming.hashes[row as usize];
                if carried[row as usize].replace((i as u32, same)).is_none() {
                    if same {
                        changes.unchanged += 1;
                    } else {
                        changes.changed += 1;
                    }
                }
                leaves[i] = true;
            }
            None if incoming.mode == Mode::Replace => {
                changes.removed += 1;
                leaves[i] = true;
            }
            None => {}
        }
    }
    let mut out = Records::with_capacity(records.len() + last_row.len());
    let mut from = Vec::with_capacity(records.len() + last_row.len());
    for i in (0..records.len()).filter(|&i| !leaves[i]) {
        out.push_record(records, i, records.row[i]);
        from.push(i as u32);
    }
    let mut live = vec![false; rows];
    for &row in last_row.values() {
        live[row as usize] = true;
    }
    for row in (0..rows).filter(|&r| live[r]) {
        let (record, since, changed, index) = match carried[row] {
            Some((i, same)) => {
                let (index, i) = (i, i as usize);
                let changed = if same { records.changed[i] } else { incoming.import_id };
                (records.record[i], records.since[i], changed, index)
            }
            None => {
                changes.new += 1;
                *next_record += 1;
                (*next_record - 1, incoming.import_id, incoming.import_id, NEW_RECORD)
            }
        };
        out.push(incoming.import_id, row as u32, record, since, changed);
        from.push(index);
    }
    let kept_of_source = source.index.iter().filter(|&&i| !leaves[i]).count() as u64;
    changes.source_records = kept_of_source + changes.new + changes.changed + changes.unchanged;
    (out, changes, from)
}

/// Settings keys.
const GENERATION: &str = "records.generation";
const NEXT_RECORD: &str = "records.next_id";

fn records_file(g: u64) -> String {
    format!("imports/records-{g}.hsc")
}

fn opt_outs_file(g: u64) -> String {
    format!("imports/optouts-{g}.hsc")
}

/// The workspace's records as last committed.
pub struct Current {
    pub records: Records,
    /// The consent statements of opted-out rows (see [`super::consent`]).
    pub opt_outs: Table,
    /// The next unused record id.
    pub next_record: i64,
    generation: u64,
}

/// Loads the current records. A workspace from before sources has no records file: every
/// row of every import is then a record, numbered in import and row order.
pub fn load(ws: &Workspace) -> Result<Current, StoreError> {
    let catalog = ws.catalog();
    let generation: u64 = catalog.setting(GENERATION)?.and_then(|g| g.parse().ok()).unwrap_or(0);
    if generation == 0 {
        let mut imports = Vec::new();
        for row in catalog.list_imports(&ImportFilter::default())? {
            if !row.snapshot.is_empty() {
                imports.push((row.id, ws.load_import(row.id)?.rows()));
            }
        }
        let records = Records::all_rows(&imports, 1);
        let next_record = records.len() as i64 + 1;
        return Ok(Current { records, opt_outs: Table::default(), next_record, generation });
    }
    let path = records_file(generation);
    let table = snapshot::read(&ws.data_path(&path))?;
    let records = Records::from_table(&table).ok_or_else(|| StoreError::Corrupt {
        path: ws.data_path(&path),
        what: "the records file lacks a column".into(),
    })?;
    let next_record = catalog.setting(NEXT_RECORD)?.and_then(|v| v.parse().ok()).unwrap_or(1);
    // The catalog says whether this generation has opt-outs: a file it names that is gone is
    // an error, never "nobody opted out".
    let opt_outs_rel = opt_outs_file(generation);
    let opt_outs = if catalog.data_files()?.contains(&opt_outs_rel) {
        snapshot::read(&ws.data_path(&opt_outs_rel))?
    } else {
        Table::default()
    };
    Ok(Current { records, opt_outs, next_record, generation })
}

/// The source of each import (a workspace from before sources: the file name's stem).
pub fn import_sources(ws: &Workspace) -> Result<hashbrown::HashMap<i64, String>, StoreError> {
    Ok(ws
        .catalog()
        .list_imports(&ImportFilter::default())?
        .into_iter()
        .map(|r| {
            let source = if r.source.is_empty() {
                std::path::Path::new(&r.file_name)
                    .file_stem()
                    .map_or_else(String::new, |s| s.to_string_lossy().into())
            } else {
                r.source
            };
            (r.id, source)
        })
        .collect())
}

/// The records and consent statements after an import, and the next unused record id.
pub struct Next<'a> {
    pub records: &'a Records,
    pub opt_outs: &'a Table,
    pub next_record: i64,
}

/// Adds new records to a commit: the records (and consent statements) of the next
/// generation, and the retiring of every import that no longer holds a current record (its
/// snapshot is deleted once the commit lands; its catalog row stays, marked retired).
pub fn add_to_commit(
    ws: &Workspace,
    lock: &WriteLock,
    commit: &mut Commit,
    current: &Current,
    next: Next,
    now: &str,
) -> Result<(), StoreError> {
    let Next { records, opt_outs, next_record } = next;
    let g = current.generation + 1;
    commit.files.push((ws.stage_table(lock, &records.to_table())?, records_file(g)));
    if opt_outs.rows() > 0 {
        commit.files.push((ws.stage_table(lock, opt_outs)?, opt_outs_file(g)));
    }
    if current.generation > 0 {
        commit.retire.push(records_file(current.generation));
        if current.opt_outs.rows() > 0 {
            commit.retire.push(opt_outs_file(current.generation));
        }
    }
    let still: hashbrown::HashSet<i64> = records.imports().into_iter().map(|(i, _)| i).collect();
    let mut retired = Vec::new();
    for (id, _) in current.records.imports() {
        if !still.contains(&id) {
            commit.retire.push(ws.catalog().import(id)?.snapshot);
            retired.push(id);
        }
    }
    let now = now.to_owned();
    commit.add_catalog(Box::new(move |w| {
        w.set_setting(GENERATION, &g.to_string())?;
        w.set_setting(NEXT_RECORD, &next_record.to_string())?;
        for id in &retired {
            w.retire_import(*id, &now)?;
        }
        Ok(())
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::StringColumn;

    fn table(cols: &[(&str, &[Option<&str>])]) -> Table {
        let rows = cols[0].1.len();
        Table::new(
            rows,
            cols.iter()
                .map(|(name, values)| Column {
                    name: (*name).to_owned(),
                    role: Role::Attribute,
                    data: ColumnData::Utf8(values.iter().copied().collect::<StringColumn>()),
                })
                .collect(),
        )
    }

    #[test]
    fn content_hash_ignores_column_order_and_empty_columns() {
        let a = table(&[("x", &[Some("1"), Some("2")]), ("y", &[Some("a"), None])]);
        let b = table(&[("y", &[Some("a"), None]), ("x", &[Some("1"), Some("2")]), ("z", &[None, None])]);
        assert_eq!(content_hashes(&a), content_hashes(&b));
        let c = table(&[("x", &[Some("1"), Some("2")]), ("y", &[Some("b"), None])]);
        let (ha, hc) = (content_hashes(&a), content_hashes(&c));
        assert_ne!(ha[0], hc[0]);
        assert_eq!(ha[1], hc[1]);
        // The same value under another column is another record.
        let d = table(&[("x", &[Some("a")]), ("y", &[Some("1")])]);
        let e = table(&[("x", &[Some("1")]), ("y", &[Some("a")])]);
        assert_ne!(content_hashes(&d), content_hashes(&e));
    }

    /// Row hashes computed block by block equal the column-at-a-time definition, for every
    /// column type and across block boundaries (hashes already stored must still match).
    #[test]
    fn content_hashes_fold_each_columns_value_hashes_in_name_order() {
        use crate::columns::{Bitmap, BooleanColumn, DictionaryColumn, PrimitiveColumn};
        let rows = 3 * HASH_BLOCK + 7;
        let values: Vec<Option<String>> =
            (0..rows).map(|i| (i % 5 != 0).then(|| format!("v{}", i % 13))).collect();
        let text: StringColumn = values.iter().map(|v| v.as_deref()).collect();
        let valid = |m: usize| {
            let mut b = Bitmap::default();
            (0..rows).for_each(|i| b.push(i % m != 1));
            b
        };
        let col = |name: &str, data| Column { name: name.to_owned(), role: Role::Attribute, data };
        let t = Table::new(
            rows,
            vec![
                col("t", ColumnData::Utf8(text.clone())),
                col("d", ColumnData::Dictionary(DictionaryColumn::encode(&text))),
                col("i", ColumnData::Int64(PrimitiveColumn::new((0..rows as i64).collect(), valid(3)))),
                col(
                    "f",
                    ColumnData::Float64(PrimitiveColumn::new(
                        (0..rows).map(|i| i as f64 / 3.0).collect(),
                        valid(4),
                    )),
                ),
                col("a", ColumnData::Date(PrimitiveColumn::new((0..rows as i32).collect(), valid(6)))),
                col("b", ColumnData::Boolean(BooleanColumn { values: valid(2), validity: valid(7) })),
            ],
        );
        let mut reference = vec![0x9E37_79B9_7F4A_7C15u64; rows];
        let mut columns: Vec<&Column> = t.columns().iter().collect();
        columns.sort_by(|a, b| a.name.cmp(&b.name));
        for c in columns {
            let name = hash_bytes(c.name.as_bytes());
            for (h, v) in reference.iter_mut().zip(value_hashes(&c.data)) {
                if v != 0 {
                    *h = mix(h.rotate_left(5) ^ name ^ v);
                }
            }
        }
        assert_eq!(content_hashes(&t), reference);
        // Text and integers hash as their text.
        let ints = ColumnData::Int64(PrimitiveColumn::new(vec![42], Bitmap::new_set(1)));
        let texts = ColumnData::Utf8(StringColumn::from_iter([Some("42")]));
        assert_eq!(value_hashes(&ints), value_hashes(&texts));
    }

    fn source_of(records: &Records, keys: &[u64], hashes: &[u64]) -> SourceRecords {
        SourceRecords { index: (0..records.len()).collect(), keys: keys.to_vec(), hashes: hashes.to_vec() }
    }

    #[test]
    fn replace_keeps_ids_of_matched_records_and_drops_the_rest() {
        let mut next = 1;
        let empty = Records::default();
        let none = SourceRecords { index: vec![], keys: vec![], hashes: vec![] };
        let first = Incoming { import_id: 1, keys: &[10, 20, 30], hashes: &[1, 2, 3], mode: Mode::Replace };
        let (r1, c1, _) = apply(&empty, &none, &first, &mut next);
        assert_eq!((c1.new, c1.changed, c1.unchanged, c1.removed), (3, 0, 0, 0));
        assert_eq!(r1.record, vec![1, 2, 3]);
        // Night 2: key 20 changed, 30 gone, 40 new, 10 repeated twice (a duplicate).
        let second =
            Incoming { import_id: 2, keys: &[10, 20, 40, 10], hashes: &[1, 9, 4, 1], mode: Mode::Replace };
        let (r2, c2, from) = apply(&r1, &source_of(&r1, &[10, 20, 30], &[1, 2, 3]), &second, &mut next);
        assert_eq!((c2.new, c2.changed, c2.unchanged, c2.removed, c2.duplicates), (1, 1, 1, 1, 1));
        assert_eq!(r2.import, vec![2, 2, 2]);
        assert_eq!(r2.row, vec![1, 2, 3]);
        assert_eq!(r2.record, vec![2, 4, 1]);
        assert_eq!(r2.changed, vec![2, 2, 1], "an unchanged record keeps the import it last changed in");
        assert_eq!(r2.since, vec![1, 2, 1]);
        assert_eq!(c2.source_records, 3);
        assert_eq!(from, vec![1, NEW_RECORD, 0], "each output record names the input record it continues");
    }

    #[test]
    fn the_same_file_again_changes_nothing_and_upsert_keeps_absent_records() {
        let mut next = 1;
        let none = SourceRecords { index: vec![], keys: vec![], hashes: vec![] };
        let first = Incoming { import_id: 1, keys: &[10, 20], hashes: &[1, 2], mode: Mode::Upsert };
        let (r1, _, _) = apply(&Records::default(), &none, &first, &mut next);
        let again = Incoming { import_id: 2, keys: &[10, 20], hashes: &[1, 2], mode: Mode::Replace };
        let (_, c, _) = apply(&r1, &source_of(&r1, &[10, 20], &[1, 2]), &again, &mut next);
        assert!(c.is_unchanged());
        let delta = Incoming { import_id: 3, keys: &[20], hashes: &[7], mode: Mode::Upsert };
        let (r3, c3, from) = apply(&r1, &source_of(&r1, &[10, 20], &[1, 2]), &delta, &mut next);
        assert_eq!((c3.changed, c3.removed), (1, 0));
        assert_eq!(r3.import, vec![1, 3]);
        assert_eq!(r3.record, vec![1, 2]);
        assert_eq!(r3.rows_of(1), &[0]);
        assert_eq!(r3.imports(), vec![(1, 1), (3, 1)]);
        assert_eq!(from, vec![0, 1]);
        assert_eq!(next, 3);
    }
}
