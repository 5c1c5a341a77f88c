//! Profile rows carried over from the last resolution.
//!
//! A nightly import changes a few percent of the records; most profiles keep exactly the
//! records they had, unchanged. Such a profile's row of the profile table is the row the
//! last resolution built for it, so only the other profiles are built again and every
//! column is put together from the earlier table and the new rows. The result is the table
//! a full build gives, cell for cell and code for code (see the tests).

use super::keys::Normalized;
use super::live::RecordTimes;
use super::profiles::{self, Members, PROFILE_ID, Source};
use crate::columns::{
    Bitmap, BooleanColumn, Column, ColumnData, DataType, DictionaryColumn, DictionaryEncoder,
    PrimitiveColumn, Role, StringColumn, Table,
};
use rayon::prelude::*;

/// The last resolution's profile table, and what tells which of its rows still hold.
pub struct Earlier<'a> {
    /// The profile table the last resolution built (from its cache).
    pub table: &'a Table,
    /// Each record's profile after the last resolution (0: a record new since).
    pub profile: &'a [i64],
    /// Each record's position among the records resolved then.
    pub row: &'a [u32],
    /// The first import of this run: records that changed at or after it changed now.
    pub first_new_import: i64,
}

/// Where each profile's row comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pick {
    /// Row `n` of the earlier table.
    Earlier(u32),
    /// Row `n` of the rows built now.
    Fresh(u32),
}

/// What a profile table build needs (see [`profiles::build`]).
pub struct Inputs<'a> {
    pub sources: &'a [Source<'a>],
    pub norm: &'a Normalized,
    pub members: &'a Members,
    pub ids: &'a [i64],
    pub times: &'a RecordTimes,
}

/// Builds the profile table, taking from `earlier` every row that still holds; a full build
/// when the earlier table's columns do not fit the new one.
pub fn build(inputs: &Inputs, earlier: Option<&Earlier>) -> Table {
    let Some(earlier) = earlier else { return full(inputs) };
    let Some(plan) = plan(inputs, earlier) else { return full(inputs) };
    let fresh_at: Vec<usize> =
        plan.iter().enumerate().filter(|(_, p)| matches!(p, Pick::Fresh(_))).map(|(p, _)| p).collect();
    #[cfg(test)]
    CARRIED.with(|c| c.set(plan.len() - fresh_at.len()));
    let fresh_members = subset(inputs.members, &fresh_at);
    let fresh_ids: Vec<i64> = fresh_at.iter().map(|&p| inputs.ids[p]).collect();
    let fresh = profiles::build(inputs.sources, inputs.norm, &fresh_members, &fresh_ids, inputs.times);
    let rows = plan.len();
    let columns: Option<Vec<Column>> = fresh
        .columns()
        .par_iter()
        .map(|c| {
            let old = earlier.table.column(&c.name).filter(|o| o.role == c.role)?;
            let text_limit =
                (c.role == Role::Attribute).then(|| (rows / 4).min(DictionaryColumn::MAX_DISTINCT));
            let data = interleave(&old.data, &c.data, &plan, text_limit)?;
            Some(Column { name: c.name.clone(), role: c.role, data })
        })
        .collect();
    match columns {
        Some(columns) => Table::new(rows, columns),
        None => full(inputs),
    }
}

fn full(inputs: &Inputs) -> Table {
    profiles::build(inputs.sources, inputs.norm, inputs.members, inputs.ids, inputs.times)
}

/// Each profile's pick: its earlier row when it has the same id, the same records as then,
/// in the same order, and none of them changed now; else a fresh row. `None` when the
/// earlier table has no profile ids.
fn plan(inputs: &Inputs, earlier: &Earlier) -> Option<Vec<Pick>> {
    let old_ids = earlier.table.ints(PROFILE_ID)?;
    let old_counts = earlier.table.ints("records")?;
    let row_of = super::ids::IdRows::new(old_ids);
    let changed = &inputs.times.changed_import;
    let same = |p: usize| -> Option<u32> {
        let id = inputs.ids[p];
        let row = row_of.get(id)?;
        let records = inputs.members.of(p);
        let kept = old_counts[row as usize] == records.len() as i64
            && records.iter().all(|&r| {
                earlier.profile[r as usize] == id && changed[r as usize] < earlier.first_new_import
            })
            // Records changed in the same import are ordered by position, and the latest
            // value wins: a dump whose rows moved may pick another record's value now.
            && records.windows(2).all(|w| {
                let (a, b) = (w[0] as usize, w[1] as usize);
                changed[a] != changed[b] || earlier.row[a] < earlier.row[b]
            });
        kept.then_some(row)
    };
    let same: Vec<Option<u32>> = (0..inputs.ids.len()).into_par_iter().map(same).collect();
    let mut fresh = 0u32;
    Some(
        same.into_iter()
            .map(|s| match s {
                Some(row) => Pick::Earlier(row),
                None => {
                    fresh += 1;
                    Pick::Fresh(fresh - 1)
                }
            })
            .collect(),
    )
}

/// The members of profiles `at` only, in that order.
fn subset(members: &Members, at: &[usize]) -> Members {
    let mut offsets = Vec::with_capacity(at.len() + 1);
    offsets.push(0);
    let mut records = Vec::new();
    for &p in at {
        records.extend_from_slice(members.of(p));
        offsets.push(records.len());
    }
    Members { offsets, records }
}

/// The column of `plan`'s rows, each from `old` or `fresh`; `None` when their types differ.
/// Text columns with a `text_limit` become dictionaries when they hold at most that many
/// distinct values, as a full build makes them.
fn interleave(
    old: &ColumnData,
    fresh: &ColumnData,
    plan: &[Pick],
    text_limit: Option<usize>,
) -> Option<ColumnData> {
    let is_text = |d: &ColumnData| matches!(d.data_type(), DataType::Utf8 | DataType::Dictionary);
    if is_text(old) && is_text(fresh) {
        return Some(interleave_text(old, fresh, plan, text_limit));
    }
    let bits = |o: &Bitmap, f: &Bitmap| {
        let mut out = Bitmap::with_capacity(plan.len());
        for p in plan {
            out.push(match *p {
                Pick::Earlier(r) => o.get(r as usize),
                Pick::Fresh(r) => f.get(r as usize),
            });
        }
        out
    };
    macro_rules! primitive {
        ($variant:ident, $o:expr, $f:expr) => {{
            let values = plan
                .iter()
                .map(|p| match *p {
                    Pick::Earlier(r) => $o.values[r as usize],
                    Pick::Fresh(r) => $f.values[r as usize],
                })
                .collect();
            ColumnData::$variant(PrimitiveColumn::new(values, bits(&$o.validity, &$f.validity)))
        }};
    }
    Some(match (old, fresh) {
        (ColumnData::Int64(o), ColumnData::Int64(f)) => primitive!(Int64, o, f),
        (ColumnData::Float64(o), ColumnData::Float64(f)) => primitive!(Float64, o, f),
        (ColumnData::Date(o), ColumnData::Date(f)) => primitive!(Date, o, f),
        (ColumnData::Boolean(o), ColumnData::Boolean(f)) => ColumnData::Boolean(BooleanColumn {
            values: bits(&o.values, &f.values),
            validity: bits(&o.validity, &f.validity),
        }),
        _ => return None,
    })
}

/// A text cell of a text or dictionary column: its bytes, `None` when empty.
fn text_cell(d: &ColumnData, row: usize) -> Option<&[u8]> {
    match d {
        ColumnData::Utf8(c) => c.validity().get(row).then(|| c.raw_bytes(row)),
        ColumnData::Dictionary(c) => {
            c.validity().get(row).then(|| c.dictionary().raw_bytes(c.codes()[row] as usize))
        }
        _ => None,
    }
}

fn interleave_text(
    old: &ColumnData,
    fresh: &ColumnData,
    plan: &[Pick],
    text_limit: Option<usize>,
) -> ColumnData {
    if let Some(limit) = text_limit
        && let Some(dict) = interleave_dictionary(old, fresh, plan, limit)
    {
        return ColumnData::Dictionary(dict);
    }
    let mut out = StringColumn::with_capacity(plan.len(), plan.len() * 12);
    for p in plan {
        out.push_utf8_bytes(match *p {
            Pick::Earlier(r) => text_cell(old, r as usize),
            Pick::Fresh(r) => text_cell(fresh, r as usize),
        });
    }
    ColumnData::Utf8(out)
}

/// The text cells of `plan` encoded as a dictionary (codes in order of first appearance);
/// `None` past `limit` distinct values. An earlier dictionary's values are interned once
/// each, by code.
fn interleave_dictionary(
    old: &ColumnData,
    fresh: &ColumnData,
    plan: &[Pick],
    limit: usize,
) -> Option<DictionaryColumn> {
    let mut encoder = DictionaryEncoder::new(plan.len(), limit);
    let mut remap = match old {
        ColumnData::Dictionary(d) => vec![u32::MAX; d.dictionary().len()],
        _ => Vec::new(),
    };
    for p in plan {
        let added = match (*p, old) {
            (Pick::Earlier(r), ColumnData::Dictionary(d)) if d.validity().get(r as usize) => {
                let code = d.codes()[r as usize];
                encoder.push_mapped(d.dictionary().raw_bytes(code as usize), code, &mut remap)
            }
            (Pick::Earlier(r), _) => encoder.push(text_cell(old, r as usize)),
            (Pick::Fresh(r), _) => encoder.push(text_cell(fresh, r as usize)),
        };
        if !added {
            return None;
        }
    }
    Some(encoder.finish())
}

#[cfg(test)]
thread_local! {
    /// How many rows the last build on this thread carried over (tests check reuse happens).
    pub(crate) static CARRIED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
mod tests {
    use super::CARRIED;
    use crate::columns::Table;
    use crate::compute::CpuBackend;
    use crate::generate::nightly::Nightly;
    use crate::ingest::ImportOptions;
    use crate::ingest::records::{Mode, SourceSpec};
    use crate::pipeline::{self, FileImport, ImportRequest};
    use crate::store::Workspace;
    use std::path::Path;

    fn import(ws: &mut Workspace, file: &Path) {
        let lock = ws.lock().unwrap();
        let source = SourceSpec { source: Some("crm".into()), mode: Mode::Replace, record_id: None };
        let req = ImportRequest {
            files: vec![FileImport { path: file.to_owned(), source }],
            options: ImportOptions::default(),
            rejects: None,
        };
        pipeline::import(ws, &lock, &req, &CpuBackend, &|_| {}).map_err(|f| f.error).unwrap();
    }

    /// The same dump with its data rows in reverse order.
    fn reverse_rows(file: &Path) {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .flexible(true)
            .has_headers(false)
            .from_path(file)
            .unwrap();
        let mut rows: Vec<csv::ByteRecord> = reader.byte_records().map(Result::unwrap).collect();
        rows[1..].reverse();
        let mut w = csv::WriterBuilder::new().delimiter(b';').flexible(true).from_path(file).unwrap();
        rows.iter().for_each(|r| w.write_byte_record(r).unwrap());
        w.flush().unwrap();
    }

    fn assert_same(night: u32, built: &Table, full: &Table) {
        assert_eq!(built.rows(), full.rows(), "night {night}: rows");
        let names = |t: &Table| t.columns().iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(built), names(full), "night {night}: columns");
        for (b, f) in built.columns().iter().zip(full.columns()) {
            if let Some(row) = (0..full.rows()).find(|&r| b.data.value(r) != f.data.value(r)) {
                panic!(
                    "night {night}: {} of row {row} is {:?}, a full build gives {:?}",
                    b.name,
                    b.data.value(row),
                    f.data.value(row)
                );
            }
            assert_eq!(b, f, "night {night}: column {} differs in its encoding", b.name);
        }
    }

    /// Night after night of a changing dump (people gone, new and changed, and once every
    /// row moved), the table each import builds, carrying rows over, is the table a full
    /// build from the records gives.
    #[test]
    fn carried_over_rows_equal_a_full_build_night_after_night() {
        let dir = tempfile::tempdir().unwrap();
        let mut dump = Nightly::new(2_000, 11).unwrap();
        let mut ws = Workspace::init(&dir.path().join("ws")).unwrap();
        let file = dir.path().join("crm.csv");
        for night in 1..=5u32 {
            if night > 1 {
                dump.advance();
            }
            let (mut out, mut truth) = (std::fs::File::create(&file).unwrap(), std::io::sink());
            dump.write(&mut out, &mut truth).unwrap();
            drop(out);
            if night == 4 {
                reverse_rows(&file);
            }
            CARRIED.with(|c| c.set(0));
            import(&mut ws, &file);
            let carried = CARRIED.with(|c| c.get());
            let g = super::super::generation(&ws).unwrap();
            let built =
                ws.cached_table(super::super::PROFILES_DIR, "table", &super::super::cache_key(g)).unwrap();
            let full = super::super::load_current(&ws).unwrap().unwrap().profiles();
            assert_same(night, &built, &full);
            match night {
                1 => assert_eq!(carried, 0),
                _ => assert!(carried > full.rows() / 2, "night {night}: only {carried} rows carried over"),
            }
        }
    }
}
