//! The records to resolve: the current rows of each import (see `ingest::records`), with
//! their persistent record ids and the days they first came and last changed; and the
//! profile each record had after the last resolution.

use super::profiles::Source;
use super::{IdentityError, NewSource, day_of, int_values};
use crate::columns::Table;
use crate::ingest::records::Records;
use crate::store::{ImportFilter, Workspace};
use std::borrow::Cow;

/// An import's current rows: its id, file name, columns (only the current rows) and day.
pub(crate) struct LoadedImport<'a> {
    pub id: i64,
    pub file_name: String,
    pub table: Cow<'a, Table>,
    /// Days since 1970-01-01 (UTC) of the import's start.
    pub day: i32,
}

/// When each record came and last changed.
#[derive(Clone, Debug, Default)]
pub struct RecordTimes {
    /// Day of the import that first brought the record.
    pub first_day: Vec<i32>,
    /// Day of the import where its content last changed.
    pub last_day: Vec<i32>,
    /// The import where its content last changed.
    pub changed_import: Vec<i64>,
}

/// The records to resolve, in (import, row) order.
pub(crate) struct Live<'a> {
    pub imports: Vec<LoadedImport<'a>>,
    pub record_ids: Vec<i64>,
    pub times: RecordTimes,
}

impl Live<'_> {
    pub fn tables(&self) -> Vec<&Table> {
        self.imports.iter().map(|i| i.table.as_ref()).collect()
    }

    /// The import holding each record.
    pub fn record_imports(&self) -> Vec<i64> {
        self.imports.iter().flat_map(|s| std::iter::repeat_n(s.id, s.table.rows())).collect()
    }

    pub fn sources(&self) -> Vec<Source<'_>> {
        self.imports.iter().map(|i| Source { import_id: i.id, table: &i.table, day: i.day }).collect()
    }
}

/// Loads the current rows of every import `records` names: from `new` (this command's
/// imports, not yet committed), from `loaded` (committed imports already in memory), or from
/// the workspace.
pub(crate) fn load<'a>(
    ws: &Workspace,
    records: &Records,
    new: &'a [NewSource<'a>],
    loaded: &'a [(i64, Table)],
) -> Result<Live<'a>, IdentityError> {
    let mut days: hashbrown::HashMap<i64, (i32, String)> = ws
        .catalog()
        .list_imports(&ImportFilter::default())?
        .into_iter()
        .map(|r| (r.id, (day_of(&r.started_at), r.file_name)))
        .collect();
    for n in new {
        days.insert(n.import_id, (day_of(n.started_at), n.file_name.to_owned()));
    }
    let day = |id: i64| days.get(&id).map_or(0, |d| d.0);
    let mut imports = Vec::new();
    for (id, count) in records.imports() {
        let in_memory = new.iter().find(|n| n.import_id == id).map(|n| n.table);
        let table: Cow<'a, Table> =
            match in_memory.or_else(|| loaded.iter().find(|l| l.0 == id).map(|l| &l.1)) {
                Some(t) => Cow::Borrowed(t),
                None => Cow::Owned(ws.load_import(id)?),
            };
        let rows = records.rows_of(id);
        if rows.last().is_some_and(|&r| r as usize >= table.rows()) {
            return Err(IdentityError::Corrupt(format!(
                "the records name row {} of import {id}, which has {} rows",
                rows[rows.len() - 1],
                table.rows()
            )));
        }
        let table = if count == table.rows() { table } else { Cow::Owned(table.take(rows)) };
        let file_name = days.get(&id).map(|d| d.1.clone()).unwrap_or_default();
        imports.push(LoadedImport { id, file_name, table, day: day(id) });
    }
    let times = RecordTimes {
        first_day: records.since.iter().map(|&i| day(i)).collect(),
        last_day: records.changed.iter().map(|&i| day(i)).collect(),
        changed_import: records.changed.clone(),
    };
    Ok(Live { imports, record_ids: records.record.clone(), times })
}

/// The `committed` records that are not among `current` (by record id): those this run drops.
pub(crate) fn departed(committed: &Records, current: &[i64]) -> Records {
    let now: hashbrown::HashSet<i64> = current.iter().copied().collect();
    let mut out = Records::default();
    for i in (0..committed.len()).filter(|&i| !now.contains(&committed.record[i])) {
        out.push_record(committed, i, committed.row[i]);
    }
    out
}

/// The profile (and first profile) each record had after the last resolution.
pub(crate) struct Previous {
    by_record: hashbrown::HashMap<i64, (i64, i64)>,
}

impl Previous {
    /// Reads an assignment table: columns `record`, `profile`, `origin`; an assignment from
    /// before record ids lists every record in order, numbered from 1.
    pub fn read(t: &Table) -> Result<Previous, IdentityError> {
        let profile = int_values(t, "profile")?;
        let origin = int_values(t, "origin")?;
        let by_record = match t.ints("record") {
            Some(ids) => {
                ids.iter().zip(profile.iter().zip(origin)).map(|(&r, (&p, &o))| (r, (p, o))).collect()
            }
            None => (0..profile.len()).map(|i| (i as i64 + 1, (profile[i], origin[i]))).collect(),
        };
        Ok(Previous { by_record })
    }

    pub fn none() -> Previous {
        Previous { by_record: hashbrown::HashMap::new() }
    }

    /// The profile of each of `ids`; every one must have been resolved.
    pub fn profiles_of(&self, ids: &[i64]) -> Result<Vec<i64>, IdentityError> {
        ids.iter()
            .map(|r| {
                self.by_record.get(r).map(|&(p, _)| p).ok_or_else(|| {
                    IdentityError::Corrupt(format!("record {r} is in no profile of the last resolution"))
                })
            })
            .collect()
    }

    /// For each of `ids`: its earlier profile and first profile, 0 when it is new.
    pub fn earlier(&self, ids: &[i64]) -> (Vec<i64>, Vec<i64>) {
        ids.iter().map(|r| self.by_record.get(r).copied().unwrap_or((0, 0))).unzip()
    }

    /// The distinct earlier profile ids.
    pub fn profile_ids(&self) -> hashbrown::HashSet<i64> {
        self.by_record.values().map(|&(p, _)| p).collect()
    }
}
