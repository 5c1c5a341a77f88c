//! Saved audiences: manual ones are a dynamic filter over profiles (re-evaluated whenever they
//! are read), automatic ones a clustering result whose members were fixed when it was made
//! (see [`crate::segment::auto`]). Names are unique ignoring
//! case and accents; every audience records its author and creation time.

pub mod export;

use crate::columns::{Bitmap, Table, days_from_date};
use crate::compute::Backend;
use crate::identity::{self, IdentityError};
use crate::segment::{self, Expr, FilterError};
use crate::store::{AudienceRow, Commit, StoreError, Workspace, WriteLock};
use serde::Serialize;

/// What can go wrong with audiences.
#[derive(Debug, thiserror::Error)]
pub enum AudienceError {
    #[error("no audience named {0:?} (see `hyperseg audiences list`)")]
    NotFound(String),
    #[error("audience {0:?} is automatic: its members come from clustering, so it has no filter to edit")]
    NotManual(String),
    #[error("an audience needs a name")]
    NoName,
    #[error("no profiles yet: import a file first")]
    NoProfiles,
    #[error("{0}")]
    Filter(String),
    #[error("audience {name:?} has a filter this version cannot read: {error}")]
    BadStoredFilter { name: String, error: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The export's path cannot be written: the user's to fix.
    #[error(transparent)]
    Output(#[from] crate::store::OutputError),
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error(transparent)]
    Compute(#[from] crate::compute::ComputeError),
}

impl AudienceError {
    pub fn is_user_error(&self) -> bool {
        match self {
            AudienceError::Store(e) => e.is_user_error(),
            AudienceError::Identity(e) => e.is_user_error(),
            AudienceError::Compute(e) => e.is_user_error(),
            AudienceError::BadStoredFilter { .. } => false,
            _ => true,
        }
    }

    /// A filter error, rendered against the text it came from (with a caret).
    pub fn filter(e: &FilterError, input: &str) -> AudienceError {
        AudienceError::Filter(e.render(input))
    }
}

/// The filter of a manual audience.
pub fn definition(a: &AudienceRow) -> Result<Option<Expr>, AudienceError> {
    if a.kind != "manual" {
        return Ok(None);
    }
    Expr::from_json(&a.filter)
        .map(Some)
        .map_err(|e| AudienceError::BadStoredFilter { name: a.name.clone(), error: e.to_string() })
}

/// The form `expr` is saved in, read back by the reader [`definition`] uses, so what is
/// saved can always be read.
fn stored_filter(expr: &Expr) -> Result<String, AudienceError> {
    let json = expr.to_json();
    Expr::from_json(&json).map_err(|e| AudienceError::Filter(e.to_string()))?;
    Ok(json)
}

/// Today as days since 1970-01-01 (UTC), for relative date conditions.
pub fn today() -> i32 {
    days_from_date(chrono::Utc::now().date_naive())
}

/// The profiles a filter selects in `profiles`, opted-out profiles left out: audiences,
/// their sizes and their exports never hold a person who said no.
pub fn select(expr: &Expr, profiles: &Table, backend: &dyn Backend) -> Result<Bitmap, AudienceError> {
    let mut selected = select_including_opted_out(expr, profiles, backend)?;
    leave_out_opted_out(profiles, &mut selected);
    Ok(selected)
}

/// The profiles a filter selects, opted-out ones included (for counting only).
pub fn select_including_opted_out(
    expr: &Expr,
    profiles: &Table,
    backend: &dyn Backend,
) -> Result<Bitmap, AudienceError> {
    segment::evaluate(expr, profiles, backend, today()).map_err(|e| match e {
        segment::FilterError::Compute(c) => AudienceError::Compute(c),
        e => AudienceError::Filter(e.render(&expr.to_string())),
    })
}

/// Clears the opted-out profiles (`consent` field) from `selected`; returns how many it cleared.
pub fn leave_out_opted_out(profiles: &Table, selected: &mut Bitmap) -> usize {
    use crate::columns::{ColumnData, Value};
    let Some(c) = profiles.column(identity::consent::CONSENT) else { return 0 };
    let mut cleared = 0;
    let opted_out = identity::consent::OPTED_OUT;
    let valid = c.data.validity();
    let out: Vec<usize> = match &c.data {
        // Compared by code: every refresh of every audience runs this over its members.
        ColumnData::Dictionary(d) => {
            let dict = d.dictionary();
            let Some(code) = (0..dict.len()).find(|&i| dict.raw_bytes(i) == opted_out.as_bytes()) else {
                return 0;
            };
            let codes = d.codes();
            selected.iter_ones().filter(|&r| valid.get(r) && codes[r] as usize == code).collect()
        }
        data => selected.iter_ones().filter(|&r| data.value(r) == Value::Text(opted_out)).collect(),
    };
    for r in out {
        selected.set(r, false);
        cleared += 1;
    }
    cleared
}

/// The audience named (or numbered) `name`.
pub fn get(ws: &Workspace, name: &str) -> Result<AudienceRow, AudienceError> {
    ws.catalog().audience(name)?.ok_or_else(|| AudienceError::NotFound(name.to_owned()))
}

/// The audience with this id.
fn get_by_id(ws: &Workspace, id: i64) -> Result<AudienceRow, AudienceError> {
    ws.catalog().audience_by_id(id)?.ok_or_else(|| AudienceError::NotFound(id.to_string()))
}

fn profiles(ws: &Workspace) -> Result<Table, AudienceError> {
    identity::profile_table(ws)?.ok_or(AudienceError::NoProfiles)
}

/// The profile table to evaluate `expr` on, checked against it first; a table built now is
/// cached only when `expr` fits its fields, so a command that fails writes nothing.
fn profiles_for(ws: &Workspace, expr: &Expr) -> Result<Table, AudienceError> {
    let mut unfit = None;
    let table = identity::profile_table_if(ws, |t| {
        unfit = segment::check_table(expr, t).err();
        unfit.is_none()
    })?
    .ok_or(AudienceError::NoProfiles)?;
    match unfit.or_else(|| segment::check_table(expr, &table).err()) {
        Some(e) => Err(AudienceError::filter(&e, &expr.to_string())),
        None => Ok(table),
    }
}

fn commit_one(
    ws: &mut Workspace,
    lock: &WriteLock,
    write: impl FnOnce(&crate::store::CatalogWriter) -> Result<(), StoreError> + 'static,
) -> Result<(), AudienceError> {
    let commit = Commit { catalog: Some(Box::new(write)), ..Commit::default() };
    ws.commit(lock, commit)?;
    Ok(())
}

/// Saves a manual audience with filter `expr` (checked against the profile fields now).
pub fn create(
    ws: &mut Workspace,
    lock: &WriteLock,
    name: &str,
    description: &str,
    expr: &Expr,
    by: &str,
    backend: &dyn Backend,
) -> Result<AudienceRow, AudienceError> {
    if name.trim().is_empty() {
        return Err(AudienceError::NoName);
    }
    let filter = stored_filter(expr)?;
    let table = profiles_for(ws, expr)?;
    let now = crate::ingest::now();
    let row = AudienceRow {
        id: ws.catalog().next_audience_id()?,
        name: name.trim().to_owned(),
        description: description.to_owned(),
        kind: "manual".into(),
        filter,
        characteristics: String::new(),
        created_by: by.to_owned(),
        created_at: now.clone(),
        updated_at: now,
        // Set with the members, below.
        size: 0,
    };
    // The audience and its first members land in one commit: no crash leaves one without the
    // other. Ids are handed out under the writer lock, so the one read above is the one given.
    let id = row.id;
    let to_insert = row.clone();
    let mut commit = Commit::default();
    commit.add_catalog(Box::new(move |w| {
        let given = w.insert_audience(&to_insert)?;
        if given != id {
            let why = format!("the new audience was given id {given}, not the expected {id}");
            return Err(StoreError::Io { path: w.path.to_owned(), source: std::io::Error::other(why) });
        }
        Ok(())
    }));
    stage_refresh(ws, lock, &mut commit, &table, vec![row], backend)?;
    ws.commit(lock, commit)?;
    get_by_id(ws, id)
}

/// Updates an audience: a new name, description, or (manual only) filter; the size is
/// evaluated again.
pub fn update(
    ws: &mut Workspace,
    lock: &WriteLock,
    name: &str,
    change: Change,
    backend: &dyn Backend,
) -> Result<AudienceRow, AudienceError> {
    let mut a = get(ws, name)?;
    // The profile table, when the filter changes (built once, for the size and the refresh).
    let mut table = None;
    match change {
        Change::Rename(new) => {
            if new.trim().is_empty() {
                return Err(AudienceError::NoName);
            }
            a.name = new.trim().to_owned();
        }
        Change::Describe { description, characteristics } => {
            if let Some(d) = description {
                a.description = d;
            }
            if let Some(c) = characteristics {
                a.characteristics = c;
            }
        }
        Change::Filter(expr) => {
            if a.kind != "manual" {
                return Err(AudienceError::NotManual(a.name));
            }
            let filter = stored_filter(&expr)?;
            let t = profiles_for(ws, &expr)?;
            a.size = select(&expr, &t, backend)?.count_ones() as u64;
            a.filter = filter;
            table = Some(t);
        }
    }
    a.updated_at = crate::ingest::now();
    let to_write = a.clone();
    commit_one(ws, lock, move |w| w.update_audience(&to_write))?;
    if let Some(t) = &table {
        refresh_on(ws, lock, t, Some(a.id), backend)?;
    }
    get_by_id(ws, a.id)
}

/// What [`update`] changes.
pub enum Change {
    Rename(String),
    Describe { description: Option<String>, characteristics: Option<String> },
    Filter(Expr),
}

/// Deletes the audience with this id, and its saved members.
pub fn delete(ws: &mut Workspace, lock: &WriteLock, id: i64) -> Result<AudienceRow, AudienceError> {
    let a = get_by_id(ws, id)?;
    let members = ws.catalog().setting(&members_key(id))?;
    let commit = Commit {
        retire: members.into_iter().collect(),
        catalog: Some(Box::new(move |w| {
            w.delete_audience(id)?;
            w.delete_auto_audience(id)
        })),
        ..Commit::default()
    };
    ws.commit(lock, commit)?;
    Ok(a)
}

/// Which audiences to list.
#[derive(Default)]
pub struct ListFilter {
    pub kind: Option<String>,
    pub search: Option<String>,
    /// Created on or after (RFC 3339 prefix).
    pub from: Option<String>,
    /// Created before.
    pub before: Option<String>,
}

/// Audiences matching `f`, oldest first.
pub fn list(ws: &Workspace, f: &ListFilter) -> Result<Vec<AudienceRow>, AudienceError> {
    let needle = f.search.as_deref().map(crate::text::fold);
    Ok(ws
        .catalog()
        .audiences()?
        .into_iter()
        .filter(|a| f.kind.as_deref().is_none_or(|k| a.kind == k))
        .filter(|a| {
            needle.as_deref().is_none_or(|n| {
                crate::text::fold(&a.name).contains(n) || crate::text::fold(&a.description).contains(n)
            })
        })
        .filter(|a| f.from.as_deref().is_none_or(|d| a.created_at.as_str() >= d))
        .filter(|a| f.before.as_deref().is_none_or(|d| a.created_at.as_str() < d))
        .collect())
}

/// One audience's members now, as a selection over `profiles`.
pub fn members(a: &AudienceRow, profiles: &Table, backend: &dyn Backend) -> Result<Bitmap, AudienceError> {
    match definition(a)? {
        Some(expr) => select(&expr, profiles, backend),
        None => Err(AudienceError::NotManual(a.name.clone())),
    }
}

/// One audience's members as a selection over `profiles`: a manual audience's filter
/// evaluated now, an automatic audience's members fixed at its generation (profiles since
/// merged away are no longer in the table, and so not selected).
pub fn members_in(
    ws: &Workspace,
    a: &AudienceRow,
    profiles: &Table,
    backend: &dyn Backend,
) -> Result<Bitmap, AudienceError> {
    if a.kind == "manual" {
        return members(a, profiles, backend);
    }
    let ids = profiles.ints(identity::profiles::PROFILE_ID).ok_or(AudienceError::NoProfiles)?;
    let stored = stored_members(ws, a.id)?.map(|(_, m)| m).unwrap_or_default();
    let mut out = Bitmap::new_unset(ids.len());
    for (row, id) in ids.iter().enumerate() {
        if stored.binary_search(id).is_ok() {
            out.set(row, true);
        }
    }
    leave_out_opted_out(profiles, &mut out);
    Ok(out)
}

/// Pairwise overlap of audiences.
#[derive(Clone, Debug, Serialize)]
pub struct Overlap {
    pub sizes: Vec<(String, u64)>,
    /// (a, b, profiles in both).
    pub pairs: Vec<(String, String, u64)>,
}

/// How many profiles each pair of `names` shares.
pub fn overlap(ws: &Workspace, names: &[String], backend: &dyn Backend) -> Result<Overlap, AudienceError> {
    let table = profiles(ws)?;
    let mut sets = Vec::with_capacity(names.len());
    for n in names {
        let a = get(ws, n)?;
        let m = members_in(ws, &a, &table, backend)?;
        sets.push((a.name, m));
    }
    let sizes = sets.iter().map(|(n, m)| (n.clone(), m.count_ones() as u64)).collect();
    let mut pairs = Vec::new();
    for i in 0..sets.len() {
        for j in i + 1..sets.len() {
            let both = crate::compute::bits::and(&sets[i].1, &sets[j].1).count_ones() as u64;
            pairs.push((sets[i].0.clone(), sets[j].0.clone(), both));
        }
    }
    Ok(Overlap { sizes, pairs })
}

/// An audience's size after an import, and how it moved.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Refresh {
    pub name: String,
    pub size: u64,
    pub joined: u64,
    pub left: u64,
    /// Why the members before could not be compared (their file was damaged or missing): the
    /// members are written anew and all count as joined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The setting naming the file of an audience's recorded members.
pub fn members_key(id: i64) -> String {
    format!("audience.{id}.members")
}

/// The member profile ids an audience had when last refreshed (sorted), if recorded.
fn stored_members(ws: &Workspace, id: i64) -> Result<Option<(String, Vec<i64>)>, AudienceError> {
    let Some(rel) = ws.catalog().setting(&members_key(id))? else { return Ok(None) };
    let t = crate::store::snapshot::read(&ws.data_path(&rel))?;
    match t.ints("profile") {
        Some(members) => Ok(Some((rel, members.to_vec()))),
        None => Err(AudienceError::BadStoredFilter {
            name: format!("#{id}"),
            error: "members file has no profile column".into(),
        }),
    }
}

/// A manual audience's recorded members file and its members, for a refresh: a members
/// file that does not read back is derived data the refresh writes again, so it comes back as
/// `None` with the reason, instead of failing an import that has already landed.
type Previous = (Option<(String, Option<Vec<i64>>)>, Option<String>);

fn previous_members(ws: &Workspace, id: i64) -> Result<Previous, AudienceError> {
    let Some(rel) = ws.catalog().setting(&members_key(id))? else { return Ok((None, None)) };
    match stored_members(ws, id) {
        Ok(found) => Ok((found.map(|(rel, m)| (rel, Some(m))), None)),
        Err(e @ (AudienceError::Store(_) | AudienceError::BadStoredFilter { .. })) => {
            let note =
                format!("the members before could not be read ({e}); written anew, all counted as joined");
            Ok((Some((rel, None)), Some(note)))
        }
        Err(e) => Err(e),
    }
}

/// How many of `new` are not in `old`, and of `old` not in `new` (both sorted).
fn moved(old: &[i64], new: &[i64]) -> (u64, u64) {
    let (mut i, mut j, mut joined, mut left) = (0, 0, 0u64, 0u64);
    while i < old.len() || j < new.len() {
        match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if a == b => (i, j) = (i + 1, j + 1),
            (Some(a), Some(b)) if a < b => (i, left) = (i + 1, left + 1),
            (Some(_), Some(_)) | (None, Some(_)) => (j, joined) = (j + 1, joined + 1),
            (Some(_), None) => (i, left) = (i + 1, left + 1),
            (None, None) => unreachable!("loop condition"),
        }
    }
    (joined, left)
}

/// Evaluates every manual audience (or only `only`) again, records each one's members and
/// size, and says how many profiles joined and left since the last refresh. One commit.
pub fn refresh(
    ws: &mut Workspace,
    lock: &WriteLock,
    only: Option<i64>,
    backend: &dyn Backend,
) -> Result<Vec<Refresh>, AudienceError> {
    let audiences = manual_audiences(ws, only)?;
    if audiences.is_empty() {
        return Ok(Vec::new());
    }
    let Some(table) = identity::profile_table(ws)? else { return Ok(Vec::new()) };
    refresh_audiences(ws, lock, &table, audiences, backend)
}

/// Refreshes every manual audience over a profile table the caller already built (the one
/// a resolution just made).
pub fn refresh_with(
    ws: &mut Workspace,
    lock: &WriteLock,
    table: &Table,
    backend: &dyn Backend,
) -> Result<Vec<Refresh>, AudienceError> {
    refresh_on(ws, lock, table, None, backend)
}

/// [`refresh`] over a profile table the caller already built.
fn refresh_on(
    ws: &mut Workspace,
    lock: &WriteLock,
    table: &Table,
    only: Option<i64>,
    backend: &dyn Backend,
) -> Result<Vec<Refresh>, AudienceError> {
    let audiences = manual_audiences(ws, only)?;
    refresh_audiences(ws, lock, table, audiences, backend)
}

/// Manual audiences, all or only the one with id `only`.
fn manual_audiences(ws: &Workspace, only: Option<i64>) -> Result<Vec<AudienceRow>, AudienceError> {
    Ok(ws
        .catalog()
        .audiences()?
        .into_iter()
        .filter(|a| a.kind == "manual" && only.is_none_or(|id| a.id == id))
        .collect())
}

fn refresh_audiences(
    ws: &mut Workspace,
    lock: &WriteLock,
    table: &Table,
    audiences: Vec<AudienceRow>,
    backend: &dyn Backend,
) -> Result<Vec<Refresh>, AudienceError> {
    let mut commit = Commit::default();
    let out = stage_refresh(ws, lock, &mut commit, table, audiences, backend)?;
    ws.commit(lock, commit)?;
    Ok(out)
}

/// Whether the workspace has manual audiences (the ones a new profile table refreshes).
pub fn has_manual_audiences(ws: &Workspace) -> Result<bool, AudienceError> {
    Ok(!manual_audiences(ws, None)?.is_empty())
}

/// Adds the refresh of every manual audience over `table` (a new profile table with its
/// derived fields) to `commit`, so the audiences land in the same commit as the profiles they
/// select from: no crash can leave them describing the profiles before.
pub fn add_refresh_to_commit(
    ws: &Workspace,
    lock: &WriteLock,
    commit: &mut Commit,
    table: &Table,
    backend: &dyn Backend,
) -> Result<Vec<Refresh>, AudienceError> {
    let audiences = manual_audiences(ws, None)?;
    stage_refresh(ws, lock, commit, table, audiences, backend)
}

/// Stages each audience's new members and adds their catalog writes to `commit`.
fn stage_refresh(
    ws: &Workspace,
    lock: &WriteLock,
    commit: &mut Commit,
    table: &Table,
    audiences: Vec<AudienceRow>,
    backend: &dyn Backend,
) -> Result<Vec<Refresh>, AudienceError> {
    if audiences.is_empty() {
        return Ok(Vec::new());
    }
    let ids = table.ints(identity::profiles::PROFILE_ID).ok_or(AudienceError::NoProfiles)?;
    let mut out = Vec::new();
    let mut rows = Vec::new();
    let mut settings = Vec::new();
    let mut sizes = Vec::new();
    let now = crate::ingest::now();
    for mut a in audiences {
        let Some(expr) = definition(&a)? else { continue };
        let selected = select(&expr, table, backend)?;
        let mut members: Vec<i64> = selected.iter_ones().map(|r| ids[r]).collect();
        members.sort_unstable();
        let (previous, note) = previous_members(ws, a.id)?;
        let (joined, left) = match &previous {
            Some((_, Some(old))) => moved(old, &members),
            _ => (members.len() as u64, 0),
        };
        let generation = previous
            .as_ref()
            .and_then(|(rel, _)| rel.rsplit('-').next()?.strip_suffix(".hsc")?.parse::<u64>().ok())
            .unwrap_or(0)
            + 1;
        let rel = format!("profiles/audience-{}-{generation}.hsc", a.id);
        let n = members.len();
        let t = Table::new(n, vec![crate::columns::Column::system_ints("profile", members)]);
        commit.files.push((ws.stage_table(lock, &t)?, rel.clone()));
        if let Some((old_rel, _)) = previous {
            commit.retire.push(old_rel);
        }
        settings.push((members_key(a.id), rel));
        a.size = n as u64;
        a.updated_at = now.clone();
        out.push(Refresh { name: a.name.clone(), size: a.size, joined, left, note });
        sizes.push(crate::store::AudienceSizeRow {
            audience_id: a.id,
            at: now.clone(),
            size: a.size,
            joined,
            left,
        });
        rows.push(a);
    }
    commit.add_catalog(Box::new(move |w| {
        for (k, v) in &settings {
            w.set_setting(k, v)?;
        }
        for s in &sizes {
            w.insert_audience_size(s)?;
        }
        for a in &rows {
            w.update_audience(a)?;
        }
        Ok(())
    }));
    Ok(out)
}

/// The file formats an audience exports to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

/// How to export an audience.
#[derive(Clone, Copy, Debug)]
pub struct ExportOptions {
    pub format: Format,
    /// Every profile field, not only those the filter uses.
    pub all_fields: bool,
    /// Keep profiles without a valid phone in CSV exports (flagged in a `phoneValid`
    /// column); by default they are left out, since CSV exports feed bulk-messaging tools.
    pub include_invalid_phones: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions { format: Format::Csv, all_fields: false, include_invalid_phones: false }
    }
}

/// What an export wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Exported {
    pub rows: u64,
    /// Members left out because they have no valid phone (CSV only).
    pub invalid_phones_left_out: u64,
    /// Members written although they have no valid phone (`include_invalid_phones`).
    pub invalid_phones_kept: u64,
}

/// Exports audience `name` to `path`: phone, name, e-mail, city, then the fields its filter
/// uses (or, with `all_fields`, every profile field). `path` must not be inside the
/// workspace.
pub fn export(
    ws: &Workspace,
    name: &str,
    path: &std::path::Path,
    opts: ExportOptions,
    backend: &dyn Backend,
) -> Result<Exported, AudienceError> {
    crate::store::check_output(ws.root(), path, &[])?;
    let a = get(ws, name)?;
    let table = profiles(ws)?;
    let mut selected = members_in(ws, &a, &table, backend)?;
    let fields: Vec<String> = if opts.all_fields {
        table
            .columns()
            .iter()
            .filter(|c| c.role != crate::columns::Role::System || c.name == identity::profiles::PROFILE_ID)
            .map(|c| c.name.clone())
            .collect()
    } else if let Some(expr) = definition(&a)? {
        expr.conditions().iter().map(|c| c.field.clone()).collect()
    } else {
        crate::segment::auto::store::stored(ws, a.id)
            .map_err(|e| AudienceError::BadStoredFilter { name: a.name.clone(), error: e.to_string() })?
            .map(|s| s.explanation.characteristics.iter().map(|c| c.field.clone()).collect())
            .unwrap_or_default()
    };
    let columns = export::export_columns(&table, &fields);
    match opts.format {
        Format::Csv => {
            let country = identity::load_config(ws)?.country;
            // Among the selected rows only: the rest are not written.
            let valid = export::valid_phones(&table, &selected, &country);
            let invalid = (selected.count_ones() - valid.count_ones()) as u64;
            let flags = if opts.include_invalid_phones {
                Some(&valid)
            } else {
                selected = valid.clone();
                None
            };
            let rows = export::write_csv(path, &table, &selected, &columns, flags)?;
            let (left_out, kept) = if opts.include_invalid_phones { (0, invalid) } else { (invalid, 0) };
            Ok(Exported { rows, invalid_phones_left_out: left_out, invalid_phones_kept: kept })
        }
        Format::Parquet => {
            let rows = export::write_parquet(path, &table, &selected, &columns)?;
            Ok(Exported { rows, ..Exported::default() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::moved;

    #[test]
    fn moved_counts_joined_and_left() {
        assert_eq!(moved(&[], &[]), (0, 0));
        assert_eq!(moved(&[1, 2, 3], &[2, 3, 4, 5]), (2, 1));
        assert_eq!(moved(&[1, 2], &[]), (0, 2));
        assert_eq!(moved(&[], &[7]), (1, 0));
    }
}
