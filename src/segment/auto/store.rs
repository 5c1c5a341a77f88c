//! Committing a generation: the generation row, one `automatic` audience per non-empty
//! cluster (no author, no last update, members fixed as a profile-id file), each with its
//! explanation; with `replace`, the previous generation's audiences deleted in the same
//! commit.

use super::explain::Explanation;
use super::words::{self, Lang};
use super::{AutoError, AutoOptions, AutoReport, Segmentation};
use crate::columns::{Column, Table, Value};
use crate::store::{AudienceRow, Commit, Workspace, WriteLock};
use serde::{Deserialize, Serialize};

pub use crate::store::GenerationRow;

/// The kind of automatic audiences in the catalog.
pub const KIND: &str = "automatic";

/// What is stored with each automatic audience (JSON in the catalog).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stored {
    pub generation: i64,
    pub lang: Lang,
    pub explanation: Explanation,
    /// Message templates with `{{name}}` (empty unless asked for).
    pub messages: Vec<String>,
}

/// One audience a generation made, as reports show it.
#[derive(Clone, Debug, Serialize)]
pub struct AutoAudience {
    pub id: i64,
    pub name: String,
    pub size: u64,
    pub share: f64,
    pub description: String,
    pub characteristics: Vec<String>,
    pub messages: Vec<String>,
}

/// The stored explanation of audience `id`, if it is automatic.
pub fn stored(ws: &Workspace, id: i64) -> Result<Option<Stored>, AutoError> {
    let Some((_, json)) = ws.catalog().auto_audience(id)? else { return Ok(None) };
    serde_json::from_str(&json).map(Some).map_err(|e| AutoError::BadExplanation { id, reason: e.to_string() })
}

/// An audience about to be inserted.
struct New {
    row: AudienceRow,
    members_file: String,
    stored: String,
    messages: Vec<String>,
    characteristics: Vec<String>,
}

/// Commits `seg` as generation N (see the module docs) and reports it.
pub fn commit_generation(
    ws: &mut Workspace,
    lock: &WriteLock,
    table: &Table,
    seg: &Segmentation,
    opts: &AutoOptions,
    backend: &str,
) -> Result<AutoReport, AutoError> {
    let generation = ws.catalog().next_generation_id()?;
    let replaced = if opts.replace { previous_audiences(ws, generation)? } else { Vec::new() };
    let ids = table.ints(crate::identity::profiles::PROFILE_ID).ok_or(AutoError::NoProfiles)?;
    let mut taken: Vec<String> = ws
        .catalog()
        .audiences()?
        .iter()
        .filter(|a| !replaced.iter().any(|r| r.id == a.id))
        .map(|a| crate::text::fold(&a.name))
        .collect();
    let now = crate::ingest::now();
    let mut commit = Commit::default();
    let mut new = Vec::with_capacity(seg.explanations.len());
    for (i, e) in seg.explanations.iter().enumerate() {
        let mut members: Vec<i64> = seg.members[e.cluster].iter().map(|&r| ids[r as usize]).collect();
        members.sort_unstable();
        let rel = format!("profiles/auto-{generation}-{}.hsc", i + 1);
        let t = Table::new(members.len(), vec![Column::system_ints("profile", members)]);
        commit.files.push((ws.stage_table(lock, &t)?, rel.clone()));
        new.push(new_audience(e, generation, opts, &mut taken, &now, rel)?);
    }
    for r in &replaced {
        if let Some(rel) = ws.catalog().setting(&crate::audience::members_key(r.id))? {
            commit.retire.push(rel);
        }
    }
    let row = generation_row(generation, table, seg, opts, backend, &now)?;
    let to_write: Vec<(AudienceRow, String, String)> =
        new.iter().map(|n| (n.row.clone(), n.members_file.clone(), n.stored.clone())).collect();
    let gone: Vec<i64> = replaced.iter().map(|r| r.id).collect();
    commit.catalog = Some(Box::new(move |w| {
        for id in &gone {
            w.delete_audience(*id)?;
            w.delete_auto_audience(*id)?;
        }
        w.insert_generation(&row)?;
        for (a, rel, json) in &to_write {
            let id = w.insert_audience(a)?;
            w.set_setting(&crate::audience::members_key(id), rel)?;
            w.insert_auto_audience(id, generation, json)?;
        }
        Ok(())
    }));
    ws.commit(lock, commit)?;
    report(ws, seg, opts, backend, generation, new, replaced)
}

fn new_audience(
    e: &Explanation,
    generation: i64,
    opts: &AutoOptions,
    taken: &mut Vec<String>,
    now: &str,
    members_file: String,
) -> Result<New, AutoError> {
    let lang = opts.lang;
    let messages = if opts.suggest_messages { words::messages(e, lang) } else { Vec::new() };
    let stored = Stored { generation, lang, explanation: e.clone(), messages: messages.clone() };
    let row = AudienceRow {
        id: 0,
        name: words::name(e, lang, taken),
        description: words::description(e, lang),
        kind: KIND.into(),
        filter: String::new(),
        characteristics: words::characteristics_text(e, lang),
        created_by: String::new(),
        created_at: now.to_owned(),
        updated_at: now.to_owned(),
        size: e.size,
    };
    Ok(New {
        characteristics: e.characteristics.iter().map(|c| words::phrase(c, lang)).collect(),
        row,
        members_file,
        stored: serde_json::to_string(&stored).map_err(|e| AutoError::Internal(e.to_string()))?,
        messages,
    })
}

/// The audiences of the latest generation before `generation` that still exist.
fn previous_audiences(ws: &Workspace, generation: i64) -> Result<Vec<AudienceRow>, AutoError> {
    let Some(prev) =
        ws.catalog().auto_generations()?.into_iter().map(|g| g.id).filter(|&g| g < generation).max()
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for id in ws.catalog().auto_audience_ids(prev)? {
        if let Some(a) = ws.catalog().audience_by_id(id)? {
            out.push(a);
        }
    }
    Ok(out)
}

fn json<T: Serialize>(v: &T) -> Result<String, AutoError> {
    serde_json::to_string(v).map_err(|e| AutoError::Internal(e.to_string()))
}

fn generation_row(
    id: i64,
    table: &Table,
    seg: &Segmentation,
    opts: &AutoOptions,
    backend: &str,
    now: &str,
) -> Result<GenerationRow, AutoError> {
    let s = &opts.segment;
    let details = serde_json::json!({
        "k_chosen_by": seg.search.chosen_by,
        "k_asked": s.k,
        "search_sample": seg.search.sample,
        "silhouette_sample": seg.search.silhouette_sample,
        "iterations_max": s.iterations,
        "iterations": seg.iterations,
        "inertia": seg.inertia,
        "overlap_margin": s.overlap_margin,
        "overlapping_profiles": seg.overlapping,
        "dims": seg.features.dims,
    });
    Ok(GenerationRow {
        id,
        created_at: now.to_owned(),
        as_of: Value::Date(s.as_of).to_string(),
        profiles: table.rows() as u64,
        fields: json(&seg.features.fields)?,
        excluded: json(&seg.features.excluded)?,
        k: seg.k as u64,
        seed: s.seed,
        backend: backend.to_owned(),
        criterion: seg.search.criterion(),
        scores: json(&seg.search.scores)?,
        lang: json(&opts.lang)?.trim_matches('"').to_owned(),
        details: details.to_string(),
    })
}

fn report(
    ws: &Workspace,
    seg: &Segmentation,
    opts: &AutoOptions,
    backend: &str,
    generation: i64,
    new: Vec<New>,
    replaced: Vec<AudienceRow>,
) -> Result<AutoReport, AutoError> {
    let mut audiences = Vec::with_capacity(new.len());
    for n in new {
        let saved = ws
            .catalog()
            .audience(&n.row.name)?
            .ok_or_else(|| AutoError::Internal(format!("{:?} was not saved", n.row.name)))?;
        audiences.push(AutoAudience {
            id: saved.id,
            name: saved.name,
            size: saved.size,
            share: saved.size as f64 / seg.features.rows.max(1) as f64,
            description: saved.description,
            characteristics: n.characteristics,
            messages: n.messages,
        });
    }
    let s = &opts.segment;
    Ok(AutoReport {
        generation,
        as_of: Value::Date(s.as_of).to_string(),
        profiles: seg.features.rows as u64,
        fresh_profiles: 0,
        fields: seg.features.fields.clone(),
        excluded: seg.features.excluded.clone(),
        criterion: seg.search.criterion(),
        scores: seg.search.scores.clone(),
        k: seg.k,
        k_chosen_by: seg.search.chosen_by.clone(),
        seed: s.seed,
        backend: backend.to_owned(),
        iterations: seg.iterations,
        inertia: seg.inertia,
        overlap_margin: s.overlap_margin,
        overlapping_profiles: seg.overlapping,
        audiences,
        replaced: replaced.into_iter().map(|a| a.name).collect(),
        messages_file: None,
    })
}
