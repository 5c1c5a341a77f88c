//! Applying a plan (scores stored per profile), reading the stored scores back as profile
//! fields, and the commands around them: list, show, remove, explain.

use super::ScoreError;
use super::compute::{self, LedgerLine, round2};
use super::contact::ContactIndex;
use super::plan::{self, Plan, RuleKind};
use super::stored::{self, Applied, Summary};
use crate::columns::{Bitmap, Column, ColumnData, DataType, DictionaryEncoder, PrimitiveColumn, Role, Table};
use crate::identity::{self, profiles::PROFILE_ID};
use crate::store::{Commit, Workspace, WriteLock, snapshot};
use serde::Serialize;

const SCORE: &str = "score";

/// What `score apply` did.
#[derive(Clone, Debug, Serialize)]
pub struct ApplyReport {
    pub name: String,
    pub as_of: String,
    pub summary: Summary,
    /// True when the plan, the instant and every score were already stored as they are:
    /// nothing was written.
    pub unchanged: bool,
    /// Action words of the plan that no stored event has.
    pub warnings: Vec<String>,
}

/// The profile table as scoring reads it: every field except this plan's own pair.
fn profiles_for(ws: &Workspace, plan_name: &str) -> Result<Table, ScoreError> {
    let table = identity::profile_table(ws)?.ok_or(ScoreError::NoProfiles)?;
    let own = [plan_name.to_owned(), plan::temperature_field(plan_name)];
    let cols: Vec<Column> = table.columns().iter().filter(|c| !own.contains(&c.name)).cloned().collect();
    Ok(Table::new(table.rows(), cols))
}

/// Errors for a name that clashes with a profile field, and warnings for action words no
/// event has.
fn check_against(
    ws: &Workspace,
    p: &Plan,
    profiles: &Table,
    batches: &[Table],
) -> Result<Vec<String>, ScoreError> {
    let scores = stored::plans(ws)?;
    let others: Vec<String> = scores
        .keys()
        .filter(|n| **n != p.name)
        .flat_map(|n| [n.clone(), plan::temperature_field(n)])
        .collect();
    for field in [p.name.clone(), p.temperature_field()] {
        let clash = profiles
            .columns()
            .iter()
            .any(|c| c.name.eq_ignore_ascii_case(&field) && !others.contains(&c.name));
        if clash {
            return Err(p.error_at(
                &p.name_span,
                format!("{field:?} is already a profile field; name the score otherwise"),
            ));
        }
    }
    let mut known = hashbrown::HashSet::new();
    for t in batches {
        if let Some(ColumnData::Dictionary(d)) = t.column(super::events::col::ACTION).map(|c| &c.data) {
            let dict = d.dictionary();
            known.extend((0..dict.len()).map(|i| dict.raw(i).to_owned()));
        }
    }
    let mut warnings = Vec::new();
    for r in &p.rules {
        if let RuleKind::Action { action, .. } = &r.kind
            && !known.contains(action)
        {
            let (line, column) = plan::line_col(&p.text, r.span.start);
            warnings.push(format!(
                "{}: line {line}, column {column}: no event has the action {action:?}",
                p.file
            ));
        }
    }
    Ok(warnings)
}

/// Computes `plan`'s scores for every current profile as of `as_of` (Unix seconds) and
/// commits them, replacing an earlier apply of the same plan name.
pub fn apply(ws: &mut Workspace, lock: &WriteLock, p: &Plan, as_of: i64) -> Result<ApplyReport, ScoreError> {
    let profiles = profiles_for(ws, &p.name)?;
    let batches = stored::load_events(ws)?;
    let warnings = check_against(ws, p, &profiles, &batches)?;
    let index = ContactIndex::load(ws)?;
    let s = compute::compute(p, &profiles, &batches, &index, as_of)?;
    let summary = summarize(p, &s.scores, s.matched, s.unknown);
    let table = Table::new(
        s.ids.len(),
        vec![
            Column::system_ints(PROFILE_ID, s.ids),
            Column {
                name: SCORE.into(),
                role: Role::System,
                data: ColumnData::Float64(PrimitiveColumn::new(s.scores, Bitmap::new_set(profiles.rows()))),
            },
        ],
    );
    let mut plans = stored::plans(ws)?;
    let report = |unchanged| ApplyReport {
        name: p.name.clone(),
        as_of: super::time::format_as_of(as_of),
        summary: summary.clone(),
        unchanged,
        warnings: warnings.clone(),
    };
    if let Some(before) = plans.get(&p.name).filter(|a| a.plan == p.text && a.as_of == as_of)
        && snapshot::read(&ws.data_path(&before.path)).is_ok_and(|t| t == table)
    {
        return Ok(report(true));
    }
    let seq = stored::next_seq(ws)?;
    let rel = format!("profiles/score-{}-{seq}.hsc", p.name);
    let retire: Vec<String> = plans.get(&p.name).map(|a| a.path.clone()).into_iter().collect();
    plans.insert(
        p.name.clone(),
        Applied {
            name: p.name.clone(),
            plan_file: p.file.clone(),
            plan: p.text.clone(),
            as_of,
            applied_at: crate::ingest::now(),
            path: rel.clone(),
            summary: summary.clone(),
        },
    );
    let staged = ws.stage_table(lock, &table)?;
    let commit = Commit {
        files: vec![(staged, rel)],
        retire,
        catalog: Some(stored::writes(None, Some(plans), seq)),
        ..Default::default()
    };
    ws.commit(lock, commit)?;
    Ok(report(false))
}

/// The distribution of `scores` and the profiles per temperature.
pub fn summarize(p: &Plan, scores: &[f64], matched: u64, unknown: u64) -> Summary {
    let mut sorted = scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    let q = |f: f64| {
        if sorted.is_empty() { 0.0 } else { sorted[((sorted.len() - 1) as f64 * f).round() as usize] }
    };
    let mut temperatures: Vec<(String, u64)> = p.temperatures.iter().map(|t| (t.name.clone(), 0)).collect();
    for &s in scores {
        let t = p.temperature(s);
        if let Some(e) = temperatures.iter_mut().find(|(n, _)| n == t) {
            e.1 += 1;
        }
    }
    Summary {
        profiles: scores.len() as u64,
        scored: scores.iter().filter(|&&s| s != 0.0).count() as u64,
        min: q(0.0),
        p25: q(0.25),
        median: q(0.5),
        p75: q(0.75),
        p90: q(0.9),
        max: q(1.0),
        mean: round2(scores.iter().sum::<f64>() / scores.len().max(1) as f64),
        temperatures,
        events_matched: matched,
        events_unknown_contact: unknown,
    }
}

/// The applied plans.
pub fn list(ws: &Workspace) -> Result<Vec<Applied>, ScoreError> {
    Ok(stored::plans(ws)?.into_values().collect())
}

/// One applied plan.
pub fn show(ws: &Workspace, name: &str) -> Result<Applied, ScoreError> {
    stored::plans(ws)?.remove(name).ok_or_else(|| ScoreError::UnknownPlan(name.to_owned()))
}

/// Removes an applied plan and its fields.
pub fn remove(ws: &mut Workspace, lock: &WriteLock, name: &str) -> Result<Applied, ScoreError> {
    let mut plans = stored::plans(ws)?;
    let gone = plans.remove(name).ok_or_else(|| ScoreError::UnknownPlan(name.to_owned()))?;
    let seq = stored::next_seq(ws)?;
    let commit = Commit {
        retire: vec![gone.path.clone()],
        catalog: Some(stored::writes(None, Some(plans), seq)),
        ..Default::default()
    };
    ws.commit(lock, commit)?;
    Ok(gone)
}

/// The stored scores as profile fields of `profiles` (rows in its order): for each applied
/// plan, `NAME` (decimal) and `NAME_temperature` (text). Profiles resolved after the plan
/// was applied have no value until the next apply. A field the table already has is left
/// to the table.
pub fn profile_columns(ws: &Workspace, profiles: &Table) -> Result<Vec<Column>, ScoreError> {
    let plans = stored::plans(ws)?;
    let Some(ids) = profiles.ints(PROFILE_ID) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for a in plans.values() {
        let p = plan::parse(&a.plan_file, &a.plan)?;
        if profiles.column(&p.name).is_some() || profiles.column(&p.temperature_field()).is_some() {
            continue;
        }
        let stored = snapshot::read(&ws.data_path(&a.path))?;
        let (sid, sscore) = match (stored.ints(PROFILE_ID), stored.column(SCORE).map(|c| &c.data)) {
            (Some(i), Some(ColumnData::Float64(s))) => (i, &s.values),
            _ => return Err(ScoreError::Corrupt(format!("scores of {} are unreadable", a.name))),
        };
        let values: Vec<Option<f64>> = if sid == ids {
            sscore.iter().map(|&s| Some(s)).collect()
        } else {
            let by: hashbrown::HashMap<i64, f64> = sid.iter().copied().zip(sscore.iter().copied()).collect();
            ids.iter().map(|id| by.get(id).copied()).collect()
        };
        let mut valid = Bitmap::with_capacity(values.len());
        let mut temps = DictionaryEncoder::new(values.len(), usize::MAX);
        for v in &values {
            valid.push(v.is_some());
            temps.push(v.map(|s| p.temperature(s).as_bytes()));
        }
        let nums: Vec<f64> = values.iter().map(|v| v.unwrap_or(0.0)).collect();
        out.push(Column {
            name: p.name.clone(),
            role: Role::Attribute,
            data: ColumnData::Float64(PrimitiveColumn::new(nums, valid)),
        });
        out.push(Column {
            name: p.temperature_field(),
            role: Role::Attribute,
            data: ColumnData::Dictionary(temps.finish()),
        });
    }
    debug_assert!(out.iter().all(|c| matches!(c.data_type(), DataType::Float64 | DataType::Dictionary)));
    Ok(out)
}

/// A profile's ledger under one plan.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    pub plan: String,
    pub profile: i64,
    pub as_of: String,
    pub lines: Vec<ExplainLine>,
    pub total: f64,
    pub temperature: String,
}

/// A ledger line with its event's action and url.
#[derive(Clone, Debug, Serialize)]
pub struct ExplainLine {
    pub when: Option<String>,
    pub action: Option<String>,
    pub url: Option<String>,
    #[serde(flatten)]
    pub line: LedgerLine,
}

/// The ledger of profile `query` (an id, phone, e-mail or CPF) under applied plan `name`, as
/// of `as_of` (the instant the plan was applied for when `None`).
pub fn explain(
    ws: &Workspace,
    query: &str,
    name: &str,
    as_of: Option<i64>,
) -> Result<Explanation, ScoreError> {
    let applied = show(ws, name)?;
    let p = plan::parse(&applied.plan_file, &applied.plan)?;
    let as_of = as_of.unwrap_or(applied.as_of);
    let id = identity::find_profile(ws, query)?.id;
    let profiles = profiles_for(ws, &p.name)?;
    let row_of = compute::rows_by_id(&profiles)?;
    let row = *row_of
        .get(&id)
        .ok_or_else(|| ScoreError::Corrupt(format!("profile {id} is not in the profile table")))?;
    let batches = stored::load_events(ws)?;
    let index = ContactIndex::load(ws)?;
    let src = compute::Sources { batches: &batches, index: &index, row_of: &row_of };
    let m = compute::match_events(&p, &src, as_of, Some(row))?;
    let mut ledger = Vec::new();
    let mut total = compute::action_points(&p, &m.hits, as_of, Some(&mut ledger));
    for (rule, rows) in p.rules.iter().zip(compute::condition_rows(&p, &profiles, as_of)?) {
        if rows.is_some_and(|r| r.get(row as usize)) {
            let pts = rule.cap.map_or(rule.points, |c| rule.points.clamp(-c, c));
            total += pts;
            ledger.push(LedgerLine {
                rule: rule.label.clone(),
                at: None,
                occurrence: None,
                points: rule.points,
                now: pts,
                note: "the profile matches".into(),
                batch: None,
                event: None,
            });
        }
    }
    let total = round2(total);
    let lines = ledger.into_iter().map(|l| describe(&batches, l)).collect();
    Ok(Explanation {
        plan: p.name.clone(),
        profile: id,
        as_of: super::time::format_as_of(as_of),
        lines,
        total,
        temperature: p.temperature(total).to_owned(),
    })
}

fn describe(batches: &[Table], line: LedgerLine) -> ExplainLine {
    let text = |b: u32, e: u32, c: &str| {
        batches.get(b as usize).and_then(|t| t.column(c)).and_then(|c| match c.data.value(e as usize) {
            crate::columns::Value::Null => None,
            v => Some(v.to_string()),
        })
    };
    let (action, url) = match (line.batch, line.event) {
        (Some(b), Some(e)) => (text(b, e, super::events::col::ACTION), text(b, e, super::events::col::URL)),
        _ => (None, None),
    };
    ExplainLine { when: line.at.map(super::time::format), action, url, line }
}

/// The score fields of profile `id` (each applied plan's score and temperature), as text.
pub fn profile_fields(ws: &Workspace, id: i64) -> Result<Vec<(String, String)>, ScoreError> {
    let mut out = Vec::new();
    for a in stored::plans(ws)?.values() {
        let p = plan::parse(&a.plan_file, &a.plan)?;
        let stored = snapshot::read(&ws.data_path(&a.path))?;
        let (Some(ids), Some(ColumnData::Float64(s))) =
            (stored.ints(PROFILE_ID), stored.column(SCORE).map(|c| &c.data))
        else {
            return Err(ScoreError::Corrupt(format!("scores of {} are unreadable", a.name)));
        };
        if let Some(i) = ids.iter().position(|&x| x == id) {
            out.push((p.name.clone(), s.values[i].to_string()));
            out.push((p.temperature_field(), p.temperature(s.values[i]).to_owned()));
        }
    }
    Ok(out)
}
