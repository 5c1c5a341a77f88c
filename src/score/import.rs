//! `events import`: a file of events read strictly, new events kept (an event already in
//! the workspace, or twice in the file, counts once), linked to profiles for the report,
//! and committed atomically as one more batch.

use super::ScoreError;
use super::contact::ContactIndex;
use super::events::{self, Reason, col};
use super::stored::{self, Batch};
use crate::columns::{ColumnData, Table};
use crate::store::{Commit, Workspace, WriteLock};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// How many rejected lines the report lists (the rejects file holds all).
pub const LISTED_REJECTS: usize = 50;

/// What `events import` did.
#[derive(Clone, Debug, Serialize)]
pub struct EventsReport {
    pub file: String,
    /// The batch it became; `None` when nothing was new.
    pub batch: Option<i64>,
    pub rows_read: u64,
    /// Rows of people erased on request (on the suppression list): refused, never stored.
    pub rows_suppressed: u64,
    /// New events stored.
    pub imported: u64,
    /// Events already imported, or repeated in the file.
    pub duplicates: u64,
    /// Of the new events: linked to a current profile, or of a contact in none.
    pub linked: u64,
    pub unknown_contact: u64,
    pub rejected: u64,
    pub rejected_by_reason: BTreeMap<String, u64>,
    /// The first rejected lines (line, reason).
    pub rejected_lines: Vec<(u64, Reason)>,
}

/// Imports the events of `path`; `rejects` receives every rejected row.
pub fn import_events(
    ws: &mut Workspace,
    lock: &WriteLock,
    path: &Path,
    rejects: Option<&Path>,
) -> Result<EventsReport, ScoreError> {
    let index = ContactIndex::load(ws)?;
    let parsed = events::read(path, index.country_code())?;
    if let Some(r) = rejects {
        events::write_rejects(r, &parsed)?;
    }
    let mut seen: hashbrown::HashSet<i64> = hashbrown::HashSet::new();
    for t in stored::load_events(ws)? {
        seen.extend(t.ints(col::KEY).unwrap_or_default().iter().copied());
    }
    let events::Parsed { table: mut all, rows_read, rejects: rejected, .. } = parsed;
    let rows_suppressed = super::erasure::refuse_suppressed(ws, &mut all, index.country_code())?;
    let keys = all.ints(col::KEY).expect("the reader writes keys");
    let fresh: Vec<u32> = (0..all.rows() as u32).filter(|&i| seen.insert(keys[i as usize])).collect();
    let read_rows = all.rows();
    let table = if fresh.len() == read_rows { all } else { all.take(&fresh) };
    let (linked, unknown) = count_linked(&index, &table)?;
    let mut by_reason = BTreeMap::new();
    for r in &rejected {
        *by_reason.entry(r.reason.to_string()).or_insert(0u64) += 1;
    }
    let file =
        path.file_name().map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().into_owned());
    let mut report = EventsReport {
        file: file.clone(),
        batch: None,
        rows_read,
        rows_suppressed,
        imported: table.rows() as u64,
        duplicates: (read_rows - table.rows()) as u64,
        linked,
        unknown_contact: unknown,
        rejected: rejected.len() as u64,
        rejected_by_reason: by_reason,
        rejected_lines: rejected.iter().take(LISTED_REJECTS).map(|r| (r.line, r.reason)).collect(),
    };
    if table.rows() == 0 {
        return Ok(report);
    }
    let seq = stored::next_seq(ws)?;
    let mut batches = stored::batches(ws)?;
    let id = batches.last().map_or(1, |b| b.id + 1);
    let rel = format!("imports/events-{id}-{seq}.hsc");
    let staged = ws.stage_table(lock, &table)?;
    batches.push(Batch {
        id,
        file,
        path: rel.clone(),
        events: table.rows() as u64,
        imported_at: crate::ingest::now(),
    });
    let commit = Commit {
        files: vec![(staged, rel)],
        catalog: Some(stored::writes(Some(batches), None, seq)),
        ..Default::default()
    };
    ws.commit(lock, commit)?;
    report.batch = Some(id);
    Ok(report)
}

/// How many events of `table` link to a current profile, and how many do not.
fn count_linked(index: &ContactIndex, table: &Table) -> Result<(u64, u64), ScoreError> {
    let int = |c: &str| match table.column(c).map(|c| &c.data) {
        Some(ColumnData::Int64(p)) => Ok(p),
        _ => Err(ScoreError::Corrupt(format!("event column {c} missing"))),
    };
    let (phone, cpf, email) = (int(col::PHONE)?, int(col::CPF)?, int(col::EMAIL)?);
    let linked = (0..table.rows())
        .into_par_iter()
        .filter(|&i| {
            let k = super::contact::ContactKeys {
                phone: phone.get(i).map(|v| v as u64),
                cpf: cpf.get(i).map(|v| v as u64),
                email: email.get(i).map(|v| v as u64),
            };
            index.profile(&k).is_some()
        })
        .count() as u64;
    Ok((linked, table.rows() as u64 - linked))
}

/// One action in `events stats`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ActionStats {
    pub action: String,
    pub events: u64,
    pub first: String,
    pub last: String,
}

/// What `events stats` shows.
#[derive(Clone, Debug, Serialize)]
pub struct EventStats {
    pub batches: usize,
    pub events: u64,
    pub linked: u64,
    pub unknown_contact: u64,
    /// Most events first.
    pub actions: Vec<ActionStats>,
}

/// Counts the stored events per action, with their date range, and how many link now.
pub fn event_stats(ws: &Workspace) -> Result<EventStats, ScoreError> {
    let index = ContactIndex::load(ws)?;
    let tables = stored::load_events(ws)?;
    let mut by: BTreeMap<String, (u64, i64, i64)> = BTreeMap::new();
    let (mut events, mut linked) = (0u64, 0u64);
    for t in &tables {
        let Some(ColumnData::Dictionary(action)) = t.column(col::ACTION).map(|c| &c.data) else {
            return Err(ScoreError::Corrupt("event table lacks actions".into()));
        };
        let at = t.ints(col::AT).unwrap_or_default();
        let dict = action.dictionary();
        let mut per: Vec<(u64, i64, i64)> = vec![(0, i64::MAX, i64::MIN); dict.len()];
        for (&c, &ts) in action.codes().iter().zip(at) {
            let e = &mut per[c as usize];
            *e = (e.0 + 1, e.1.min(ts), e.2.max(ts));
        }
        for (c, (n, lo, hi)) in per.into_iter().enumerate().filter(|(_, p)| p.0 > 0) {
            let e = by.entry(dict.raw(c).to_owned()).or_insert((0, i64::MAX, i64::MIN));
            *e = (e.0 + n, e.1.min(lo), e.2.max(hi));
        }
        events += t.rows() as u64;
        linked += count_linked(&index, t)?.0;
    }
    let mut actions: Vec<ActionStats> = by
        .into_iter()
        .map(|(action, (n, lo, hi))| ActionStats {
            action,
            events: n,
            first: super::time::format(lo),
            last: super::time::format(hi),
        })
        .collect();
    actions.sort_by(|a, b| b.events.cmp(&a.events).then_with(|| a.action.cmp(&b.action)));
    Ok(EventStats { batches: tables.len(), events, linked, unknown_contact: events - linked, actions })
}
