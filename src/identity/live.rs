//! The records to resolve: the current rows of each import (see `ingest::records`), with
//! their persistent record ids and the days they first came and last changed; and the
//! profile each record had after the last resolution.

use super::profiles::Source;
use super::{IdentityError, NewSource, day_of, int_values};
use crate::columns::Table;
use crate::ingest::records::{NEW_RECORD, Records};
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

/// What the last resolution said of each record (see [`Previous::earlier`]).
pub(crate) struct Earlier {
    pub profile: Vec<i64>,
    pub origin: Vec<i64>,
    pub row: Vec<u32>,
}

/// The `committed` records that are not among `current` (by record id): those this run
/// drops, with their indices among `committed`. `committed_index` (each current record's
/// index among `committed`, when the caller knows it) spares looking ids up.
pub(crate) fn departed(
    committed: &Records,
    current: &[i64],
    committed_index: Option<&[u32]>,
) -> (Records, Vec<u32>) {
    let mut stays = vec![false; committed.len()];
    match committed_index {
        Some(index) => {
            for &i in index {
                if let Some(s) = stays.get_mut(i as usize) {
                    *s = true;
                }
            }
        }
        None => {
            let now: hashbrown::HashSet<i64> = current.iter().copied().collect();
            for (i, s) in stays.iter_mut().enumerate() {
                *s = now.contains(&committed.record[i]);
            }
        }
    }
    let mut out = Records::default();
    let mut indices = Vec::new();
    for i in (0..committed.len()).filter(|&i| !stays[i]) {
        out.push_record(committed, i, committed.row[i]);
        indices.push(i as u32);
    }
    (out, indices)
}

/// The profile (and first profile) each record had after the last resolution: the columns
/// of the assignment it wrote, in the order of the records it resolved.
pub(crate) struct Previous {
    record: Vec<i64>,
    profile: Vec<i64>,
    origin: Vec<i64>,
    /// Row of each record id, built the first time a record is not where it was expected.
    by_record: std::cell::OnceCell<hashbrown::HashMap<i64, u32>>,
}

impl Previous {
    /// Reads an assignment table: columns `record`, `profile`, `origin`; an assignment from
    /// before record ids lists every record in order, numbered from 1.
    pub fn read(t: &Table) -> Result<Previous, IdentityError> {
        let profile = int_values(t, "profile")?.to_vec();
        let origin = int_values(t, "origin")?.to_vec();
        let record = match t.ints("record") {
            Some(ids) => ids.to_vec(),
            None => (1..=profile.len() as i64).collect(),
        };
        if record.len() != profile.len() || origin.len() != profile.len() {
            return Err(IdentityError::Corrupt("the assignment's columns differ in length".into()));
        }
        Ok(Previous { record, profile, origin, by_record: Default::default() })
    }

    pub fn none() -> Previous {
        Previous {
            record: Vec::new(),
            profile: Vec::new(),
            origin: Vec::new(),
            by_record: Default::default(),
        }
    }

    /// The row of record `id`, tried first at `hint` (where the record was when the
    /// assignment was written, usually).
    fn row_of(&self, id: i64, hint: usize) -> Option<usize> {
        if self.record.get(hint) == Some(&id) {
            return Some(hint);
        }
        let map = self
            .by_record
            .get_or_init(|| self.record.iter().enumerate().map(|(i, &r)| (r, i as u32)).collect());
        map.get(&id).map(|&i| i as usize)
    }

    /// The row of each of `ids`: `hints` gives where each was among the resolved records
    /// ([`NEW_RECORD`] for a record never resolved); without hints, each is tried at its
    /// own position.
    fn rows<'a>(
        &'a self,
        ids: &'a [i64],
        hints: Option<&'a [u32]>,
    ) -> impl Iterator<Item = Option<usize>> + 'a {
        ids.iter().enumerate().map(move |(r, &id)| match hints.map(|h| h[r]) {
            Some(NEW_RECORD) => None,
            Some(h) => self.row_of(id, h as usize),
            None => self.row_of(id, r),
        })
    }

    /// The profile of each of `ids` (see [`Previous::rows`] for `hints`); every one must
    /// have been resolved.
    pub fn profiles_of(&self, ids: &[i64], hints: Option<&[u32]>) -> Result<Vec<i64>, IdentityError> {
        self.rows(ids, hints)
            .zip(ids)
            .map(|(row, r)| {
                row.map(|i| self.profile[i]).ok_or_else(|| {
                    IdentityError::Corrupt(format!("record {r} is in no profile of the last resolution"))
                })
            })
            .collect()
    }

    /// For each of `ids`: its earlier profile, first profile and row among the records
    /// resolved then (0, 0 and [`NEW_RECORD`] when it is new).
    pub fn earlier(&self, ids: &[i64], hints: Option<&[u32]>) -> Earlier {
        let mut out = Earlier {
            profile: Vec::with_capacity(ids.len()),
            origin: Vec::with_capacity(ids.len()),
            row: Vec::with_capacity(ids.len()),
        };
        for row in self.rows(ids, hints) {
            let (profile, origin) = row.map_or((0, 0), |i| (self.profile[i], self.origin[i]));
            out.profile.push(profile);
            out.origin.push(origin);
            out.row.push(row.map_or(NEW_RECORD, |i| i as u32));
        }
        out
    }

    /// The distinct earlier profile ids, ascending.
    pub fn profile_ids(&self) -> Vec<i64> {
        super::ids::IdSet::new(&self.profile).ascending()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::Column;

    fn assignment(records: &[i64], profiles: &[i64]) -> Previous {
        let t = Table::new(
            records.len(),
            vec![
                Column::system_ints("record", records.to_vec()),
                Column::system_ints("profile", profiles.to_vec()),
                Column::system_ints("origin", profiles.to_vec()),
            ],
        );
        Previous::read(&t).unwrap()
    }

    #[test]
    fn a_record_not_at_its_hinted_row_is_found_by_its_id() {
        let p = assignment(&[5, 7, 9], &[50, 70, 90]);
        // 9 is hinted at row 0 (where 5 is), 11 is new, 7 is where its hint says.
        let earlier = p.earlier(&[9, 11, 7], Some(&[0, NEW_RECORD, 1]));
        assert_eq!(earlier.profile, vec![90, 0, 70]);
        assert_eq!(earlier.row, vec![2, NEW_RECORD, 1]);
        // Without hints each is tried at its own position, then by id.
        assert_eq!(p.profiles_of(&[7, 5], None).unwrap(), vec![70, 50]);
        assert!(p.profiles_of(&[8], None).is_err(), "an id never resolved is an error");
        assert_eq!(p.profile_ids(), vec![50, 70, 90]);
    }

    #[test]
    fn departed_records_are_the_same_by_position_or_by_id() {
        let mut committed = Records::default();
        for (i, id) in [3i64, 4, 5, 6].into_iter().enumerate() {
            committed.push_record(
                &Records {
                    import: vec![1],
                    row: vec![i as u32],
                    record: vec![id],
                    since: vec![1],
                    changed: vec![1],
                },
                0,
                i as u32,
            );
        }
        let by_position = departed(&committed, &[6, 4], Some(&[3, 1]));
        let by_id = departed(&committed, &[6, 4], None);
        assert_eq!(by_position, by_id);
        assert_eq!(by_position.0.record, vec![3, 5]);
        assert_eq!(by_position.1, vec![0, 2]);
    }
}
