//! Erasure on request (LGPD art. 18, GDPR art. 17): `hyperseg profiles erase`.
//!
//! The person's rows leave every snapshot that holds them (each affected import is
//! rewritten, atomically, like any commit: its records keep their ids, their rows are
//! renumbered), together with every row — records, in-file duplicates, opt-out statements —
//! that carries one of the person's identifiers. Then the records are resolved again, so the
//! assignment, the profile-table cache and the audiences no longer hold them; lineage rows
//! that name an identifier are blanked; the catalog keeps an erasure entry with no personal
//! data; the stored enrichment rows (messages, campaign events, extras) holding one of the
//! identifiers leave in the same commit, and so do the stored scoring events holding one and
//! the scores stored for the person's profile; and the identifiers go on the suppression list as
//! salted hashes, so a later import or enrichment of the same person is refused row by row.

use super::PipelineError;
use super::suppress;
use crate::columns::Table;
use crate::compute::Backend;
use crate::identity::{self, NewSource, normalize::CountryCode};
use crate::ingest::{self, records};
use crate::store::{Commit, Workspace, WriteLock};
use serde::Serialize;

/// What an erasure did.
#[derive(Clone, Debug, Serialize)]
pub struct Erased {
    pub profile: i64,
    /// Rows removed from snapshots (records, duplicates and consent statements).
    pub rows_removed: u64,
    pub records: u64,
    pub imports_rewritten: u64,
    /// Identifiers now on the suppression list.
    pub identifiers_suppressed: u64,
    /// Stored enrichment rows (messages, campaign events, extras) holding an identifier.
    pub enrichment_rows_removed: u64,
    /// Stored scoring events holding an identifier.
    pub events_removed: u64,
    /// Stored scores of the person's profile (one per applied plan).
    pub scores_removed: u64,
}

/// The person's identifier keys (`p:`, `e:`, `c:`), from the profile found by `query`.
fn person_keys(ws: &Workspace, query: &str) -> Result<(i64, hashbrown::HashSet<String>), PipelineError> {
    let view = identity::find_profile(ws, query)?;
    let mut keys = hashbrown::HashSet::new();
    keys.extend(view.phones.iter().map(|p| format!("p:{p}")));
    keys.extend(view.emails.iter().map(|e| format!("e:{e}")));
    for c in &view.tax_documents {
        if let Ok(k) = identity::normalize::cpf_key(c) {
            keys.insert(format!("c:{k}"));
        }
    }
    Ok((view.id, keys))
}

/// The rows of `t` to keep: those holding none of `keys`, and not among `also` (rows of the
/// person's records whose identifiers are no keys). `None` when every row stays.
fn keep_rows(
    t: &Table,
    keys: &hashbrown::HashSet<String>,
    also: &[u32],
    country: CountryCode,
) -> Option<Vec<u32>> {
    let keep: Vec<u32> = (0..t.rows() as u32)
        .filter(|r| also.binary_search(r).is_err())
        .filter(|&r| !suppress::row_keys(t, r as usize, country).iter().any(|k| keys.contains(k)))
        .collect();
    (keep.len() < t.rows()).then_some(keep)
}

/// A rewritten import: its id, its new columns, and each old row's new row (or none).
struct Rewritten {
    id: i64,
    table: Table,
    new_row: Vec<Option<u32>>,
}

/// Erases the person `query` names (a profile id, phone, e-mail or CPF).
pub fn erase(
    ws: &mut Workspace,
    lock: &WriteLock,
    query: &str,
    by: &str,
    backend: &dyn Backend,
) -> Result<Erased, PipelineError> {
    let (profile, keys) = person_keys(ws, query)?;
    let config = identity::load_config(ws)?;
    let country = CountryCode::parse(&config.country).unwrap_or_default();
    let current = records::load(ws)?;
    let (recs, profiles) = identity::record_profiles(ws)?;
    // The person's records, by import: rows to remove even when their identifiers are no keys.
    let mut theirs: hashbrown::HashMap<i64, Vec<u32>> = hashbrown::HashMap::new();
    for i in (0..recs.len()).filter(|&i| profiles.get(i) == Some(&profile)) {
        theirs.entry(recs.import[i]).or_default().push(recs.row[i]);
    }
    let mut rewritten = Vec::new();
    let mut rows_removed = 0u64;
    for (id, _) in current.records.imports() {
        let table = ws.load_import(id)?;
        let mut also = theirs.remove(&id).unwrap_or_default();
        also.sort_unstable();
        let Some(keep) = keep_rows(&table, &keys, &also, country) else { continue };
        rows_removed += (table.rows() - keep.len()) as u64;
        let mut new_row = vec![None; table.rows()];
        for (n, &r) in keep.iter().enumerate() {
            new_row[r as usize] = Some(n as u32);
        }
        rewritten.push(Rewritten { id, table: table.take(&keep), new_row });
    }
    // Records: the erased ones leave, the others of rewritten imports are renumbered.
    let mut next = records::Records::default();
    let mut erased_records = 0u64;
    for i in 0..current.records.len() {
        let import = current.records.import[i];
        let row = match rewritten.iter().find(|w| w.id == import) {
            Some(w) => w.new_row[current.records.row[i] as usize],
            None => Some(current.records.row[i]),
        };
        match row {
            Some(row) => next.push_record(&current.records, i, row),
            None => erased_records += 1,
        }
    }
    let opt_outs = match keep_rows(&current.opt_outs, &keys, &[], country) {
        Some(keep) => {
            rows_removed += (current.opt_outs.rows() - keep.len()) as u64;
            current.opt_outs.take(&keep)
        }
        None => current.opt_outs.clone(),
    };
    let mut done = Erased {
        profile,
        rows_removed,
        records: erased_records,
        imports_rewritten: rewritten.len() as u64,
        identifiers_suppressed: keys.len() as u64,
        enrichment_rows_removed: 0,
        events_removed: 0,
        scores_removed: 0,
    };
    let (mut commit, resolution) =
        erasure_commit(ws, lock, (&current, &next, &opt_outs), &rewritten, (&keys, by, &done))?;
    done.enrichment_rows_removed =
        crate::enrich::erasure::erase_rows(ws, lock, &mut commit, &keys).map_err(enrich_error)?;
    let scores =
        crate::score::erasure::erase_rows(ws, lock, &mut commit, profile, &keys).map_err(score_error)?;
    (done.events_removed, done.scores_removed) = (scores.events, scores.scores);
    finish(ws, lock, (commit, resolution), backend)?;
    Ok(done)
}

fn enrich_error(e: crate::enrich::EnrichError) -> PipelineError {
    match e {
        crate::enrich::EnrichError::Store(e) => PipelineError::Store(e),
        e => PipelineError::Internal(format!("enrichment: {e}")),
    }
}

fn score_error(e: crate::score::ScoreError) -> PipelineError {
    match e {
        crate::score::ScoreError::Store(e) => PipelineError::Store(e),
        e => PipelineError::Internal(format!("scoring: {e}")),
    }
}

type State<'a> = (&'a records::Current, &'a records::Records, &'a Table);

/// The commit of an erasure: rewritten snapshots, records, a new resolution, and the catalog
/// writes (snapshot paths, suppression list, scrubbed lineage, the erasure entry).
fn erasure_commit(
    ws: &Workspace,
    lock: &WriteLock,
    (current, next, opt_outs): State,
    rewritten: &[Rewritten],
    (keys, by, done): (&hashbrown::HashSet<String>, &str, &Erased),
) -> Result<(Commit, identity::IdentityCommit), PipelineError> {
    let now = ingest::now();
    let stamp = chrono::Utc::now().timestamp_millis();
    let mut commit = Commit::default();
    let mut paths = Vec::new();
    for w in rewritten.iter().filter(|w| w.table.rows() > 0) {
        let rel = format!("imports/{}-e{stamp}.hsc", w.id);
        commit.files.push((ws.stager(lock).stage_import(w.id, &w.table)?, rel.clone()));
        commit.retire.push(ws.catalog().import(w.id)?.snapshot);
        paths.push((w.id, rel));
    }
    let new: Vec<NewSource> = rewritten
        .iter()
        .filter(|w| w.table.rows() > 0)
        .map(|w| NewSource { import_id: w.id, file_name: "", table: &w.table, started_at: "" })
        .collect();
    let set = identity::RecordSet {
        records: next,
        committed: &current.records,
        loaded: &[],
        opt_outs,
        new: &new,
        committed_index: None,
    };
    let resolution = identity::resolve(ws, lock, &set, None, &now)?;
    let next_records = records::Next { records: next, opt_outs, next_record: current.next_record };
    records::add_to_commit(ws, lock, &mut commit, current, next_records, &now)?;
    let salt = suppress::salt(ws)?;
    let salt_new = salt.is_none();
    let salt = salt.unwrap_or_else(suppress::new_salt);
    let hashes: Vec<String> = keys.iter().map(|k| suppress::hash(&salt, k)).collect();
    let values: Vec<String> = keys.iter().map(|k| k[2..].to_owned()).collect();
    let (by, records, imports) = (by.to_owned(), done.records, done.imports_rewritten);
    commit.add_catalog(Box::new(move |w| {
        for (id, rel) in &paths {
            w.set_import_snapshot(*id, rel)?;
        }
        if salt_new {
            suppress::store_salt(w, &salt)?;
        }
        w.suppress(&hashes)?;
        w.scrub_identifiers(&values)?;
        w.insert_erasure(&now, &by, records, imports)
    }));
    Ok((commit, resolution))
}

/// Lands the erasure, its resolution and the refreshed audiences in one commit, then caches
/// the new profile table.
fn finish(
    ws: &mut Workspace,
    lock: &WriteLock,
    (mut commit, mut resolution): (Commit, identity::IdentityCommit),
    backend: &dyn Backend,
) -> Result<(), PipelineError> {
    let (generation, mut profiles) = resolution.take_profiles();
    identity::add_to_commit(&mut commit, resolution);
    super::refresh_in_commit(ws, lock, &mut commit, &mut profiles, backend)?;
    ws.commit(lock, commit)?;
    identity::cache_profile_table(ws, generation, &profiles);
    // The enrichment fields cached before held the person's: derive them again now (which
    // replaces every older cache) rather than leave that file until the next read.
    crate::enrich::profile_columns(ws, &profiles).map_err(enrich_error)?;
    Ok(())
}
