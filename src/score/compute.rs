//! Computing a plan's scores as of an instant: events are linked to profiles through the
//! identity keys, matched to the plan's action rules, and summed per profile with their
//! expiry or decay; condition rules add their points to matching profiles. The same
//! events, plan and instant always give the same scores.

use super::ScoreError;
use super::contact::{ContactIndex, ContactKeys};
use super::events::col;
use super::plan::{Plan, RuleKind};
use super::time::DAY;
use crate::columns::{Bitmap, ColumnData, Table};
use crate::compute::CpuBackend;
use crate::identity::profiles::PROFILE_ID;
use crate::segment;
use rayon::prelude::*;
use serde::Serialize;

/// One matching event: the profile row, the action rule, when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    pub row: u32,
    pub rule: u16,
    pub at: i64,
    /// Where it came from (batch, row), for the ledger.
    pub batch: u32,
    pub event: u32,
}

/// The columns of one event batch the computation reads.
struct BatchView<'a> {
    keys: [Option<&'a crate::columns::PrimitiveColumn<i64>>; 3],
    action: &'a crate::columns::DictionaryColumn,
    at: &'a [i64],
    url: Option<&'a crate::columns::StringColumn>,
}

fn view(t: &Table) -> Result<BatchView<'_>, ScoreError> {
    let bad = |c: &str| ScoreError::Corrupt(format!("event table lacks column {c}"));
    let ints = |c: &str| match t.column(c).map(|c| &c.data) {
        Some(ColumnData::Int64(p)) => Some(p),
        _ => None,
    };
    let action = match t.column(col::ACTION).map(|c| &c.data) {
        Some(ColumnData::Dictionary(d)) => d,
        _ => return Err(bad(col::ACTION)),
    };
    let url = match t.column(col::URL).map(|c| &c.data) {
        Some(ColumnData::Utf8(s)) => Some(s),
        _ => None,
    };
    Ok(BatchView {
        keys: [ints(col::PHONE), ints(col::CPF), ints(col::EMAIL)],
        action,
        at: t.ints(col::AT).ok_or_else(|| bad(col::AT))?,
        url,
    })
}

/// The identity keys of event `i` of a batch.
fn keys_of(v: &BatchView, i: usize) -> ContactKeys {
    let get = |c: Option<&crate::columns::PrimitiveColumn<i64>>| c.and_then(|c| c.get(i)).map(|k| k as u64);
    ContactKeys { phone: get(v.keys[0]), cpf: get(v.keys[1]), email: get(v.keys[2]) }
}

/// Events matched to a plan's action rules.
pub struct Matched {
    /// Sorted by row, rule, time.
    pub hits: Vec<Hit>,
    /// Events before the instant that a rule matched.
    pub matched: u64,
    /// Of those, events whose contact is in no current profile.
    pub unknown: u64,
}

/// Where events and their profiles come from.
pub struct Sources<'a> {
    pub batches: &'a [Table],
    pub index: &'a ContactIndex,
    /// Profile id → row of the profile table.
    pub row_of: &'a hashbrown::HashMap<i64, u32>,
}

/// Links and matches every event before `as_of` to the plan's action rules; `only` keeps
/// the events of one profile row.
pub fn match_events(
    plan: &Plan,
    src: &Sources,
    as_of: i64,
    only: Option<u32>,
) -> Result<Matched, ScoreError> {
    let (batches, index, row_of) = (src.batches, src.index, src.row_of);
    let mut out = Matched { hits: Vec::new(), matched: 0, unknown: 0 };
    for (b, t) in batches.iter().enumerate() {
        let v = view(t)?;
        // The action rules each dictionary code of this batch meets.
        let dict = v.action.dictionary();
        let rules_of: Vec<Vec<u16>> = (0..dict.len())
            .map(|c| {
                let name = dict.raw(c);
                (0..plan.rules.len())
                    .filter(
                        |&r| matches!(&plan.rules[r].kind, RuleKind::Action { action, .. } if action == name),
                    )
                    .map(|r| r as u16)
                    .collect()
            })
            .collect();
        if rules_of.iter().all(Vec::is_empty) {
            continue;
        }
        let codes = v.action.codes();
        let chunks: Vec<(Vec<Hit>, u64, u64)> = (0..t.rows())
            .into_par_iter()
            .with_min_len(1 << 14)
            .fold(
                || (Vec::new(), 0u64, 0u64),
                |(mut hits, mut matched, mut unknown), i| {
                    let rules = &rules_of[codes[i] as usize];
                    if rules.is_empty() || v.at[i] >= as_of {
                        return (hits, matched, unknown);
                    }
                    let url = v.url.and_then(|u| u.get(i)).unwrap_or("");
                    let mut rules = rules.iter().filter(|&&r| match &plan.rules[r as usize].kind {
                        RuleKind::Action { url: Some(p), .. } => p.matches(url),
                        _ => true,
                    });
                    let Some(&first) = rules.next() else { return (hits, matched, unknown) };
                    matched += 1;
                    let row = index.profile(&keys_of(&v, i)).and_then(|p| row_of.get(&p).copied());
                    match row {
                        None => unknown += 1,
                        Some(row) if only.is_none_or(|o| o == row) => {
                            for r in std::iter::once(first).chain(rules.copied()) {
                                hits.push(Hit {
                                    row,
                                    rule: r,
                                    at: v.at[i],
                                    batch: b as u32,
                                    event: i as u32,
                                });
                            }
                        }
                        Some(_) => {}
                    }
                    (hits, matched, unknown)
                },
            )
            .collect();
        for (h, m, u) in chunks {
            out.hits.extend(h);
            out.matched += m;
            out.unknown += u;
        }
    }
    out.hits.par_sort_unstable();
    Ok(out)
}

/// One line of a profile's ledger.
#[derive(Clone, Debug, Serialize)]
pub struct LedgerLine {
    pub rule: String,
    /// When the action happened (absent for condition rules).
    pub at: Option<i64>,
    pub occurrence: Option<u32>,
    /// The rule's points for it.
    pub points: f64,
    /// What is left of them as of the instant.
    pub now: f64,
    /// Why `now` differs from `points`, if it does.
    pub note: String,
    pub batch: Option<u32>,
    pub event: Option<u32>,
}

/// The action-rule points of one profile from its hits (sorted by rule, then time), as of
/// `as_of`; with `ledger`, every step is written down.
pub fn action_points(plan: &Plan, hits: &[Hit], as_of: i64, mut ledger: Option<&mut Vec<LedgerLine>>) -> f64 {
    let mut total = 0.0;
    let mut i = 0;
    while i < hits.len() {
        let r = hits[i].rule;
        let end = i + hits[i..].iter().take_while(|h| h.rule == r).count();
        let rule = &plan.rules[r as usize];
        let from = match rule.kind {
            RuleKind::Action { from, .. } => from,
            RuleKind::Condition { .. } => 1,
        };
        let mut sum = 0.0;
        for (k, h) in hits[i..end].iter().enumerate() {
            let occurrence = k as u32 + 1;
            let age = (as_of - h.at) as f64 / DAY as f64;
            let (now, note) = if occurrence < from {
                (0.0, format!("counts from occurrence {from}"))
            } else {
                let now = rule.points * rule.fade.factor(age);
                (now, fade_note(rule.fade, h.at, now, rule.points))
            };
            sum += now;
            if let Some(l) = ledger.as_deref_mut() {
                let points = if occurrence < from { 0.0 } else { rule.points };
                l.push(LedgerLine {
                    rule: rule.label.clone(),
                    at: Some(h.at),
                    occurrence: Some(occurrence),
                    points,
                    now,
                    note,
                    batch: Some(h.batch),
                    event: Some(h.event),
                });
            }
        }
        let capped = rule.cap.map_or(sum, |c| sum.clamp(-c, c));
        if capped != sum
            && let Some(l) = ledger.as_deref_mut()
        {
            l.push(LedgerLine {
                rule: rule.label.clone(),
                at: None,
                occurrence: None,
                points: 0.0,
                now: capped - sum,
                note: format!("cap of {} per profile", rule.cap.unwrap_or_default()),
                batch: None,
                event: None,
            });
        }
        total += capped;
        i = end;
    }
    total
}

fn fade_note(fade: super::plan::Fade, at: i64, now: f64, points: f64) -> String {
    use super::plan::Fade;
    match fade {
        Fade::Keep => String::new(),
        Fade::Expire { days } => {
            let until = at + (days * DAY as f64) as i64;
            if now == 0.0 {
                format!("expired {}", super::time::format(until))
            } else {
                format!("expires {}", super::time::format(until))
            }
        }
        Fade::Decay { half_life } => {
            format!("decayed to {:.0}% (half-life {half_life} days)", 100.0 * now / points)
        }
    }
}

/// The rows of `profiles` each condition rule selects (an all-clear bitmap for action rules).
pub fn condition_rows(plan: &Plan, profiles: &Table, as_of: i64) -> Result<Vec<Option<Bitmap>>, ScoreError> {
    let today = super::time::day_of(as_of - 1);
    plan.rules
        .iter()
        .map(|r| match &r.kind {
            RuleKind::Condition { expr, filter, span } => {
                segment::evaluate(expr, profiles, &CpuBackend, today).map(Some).map_err(|e| {
                    let col = e.column(filter).unwrap_or(1).max(1);
                    let at = span.start + super::plan::filter_offset(filter, col);
                    plan.error_at(&(at..span.end), format!("filter: {e}"))
                })
            }
            RuleKind::Action { .. } => Ok(None),
        })
        .collect()
}

/// Profile id → row of the profile table.
pub fn rows_by_id(profiles: &Table) -> Result<hashbrown::HashMap<i64, u32>, ScoreError> {
    let ids = profiles
        .ints(PROFILE_ID)
        .ok_or_else(|| ScoreError::Corrupt("profile table has no id column".into()))?;
    Ok(ids.iter().enumerate().map(|(r, &id)| (id, r as u32)).collect())
}

/// Every profile's score, rounded to hundredths.
pub struct Scores {
    pub ids: Vec<i64>,
    pub scores: Vec<f64>,
    pub matched: u64,
    pub unknown: u64,
}

/// Computes the scores of every profile of `profiles` under `plan` as of `as_of`.
pub fn compute(
    plan: &Plan,
    profiles: &Table,
    batches: &[Table],
    index: &ContactIndex,
    as_of: i64,
) -> Result<Scores, ScoreError> {
    let row_of = rows_by_id(profiles)?;
    let m = match_events(plan, &Sources { batches, index, row_of: &row_of }, as_of, None)?;
    let conditions = condition_rows(plan, profiles, as_of)?;
    let mut scores = vec![0.0f64; profiles.rows()];
    for (rule, rows) in plan.rules.iter().zip(&conditions) {
        if let Some(rows) = rows {
            let pts = rule.cap.map_or(rule.points, |c| rule.points.clamp(-c, c));
            for r in rows.iter_ones() {
                scores[r] += pts;
            }
        }
    }
    // Each profile's hits, in parallel.
    let mut starts = vec![0usize];
    for i in 1..m.hits.len() {
        if m.hits[i].row != m.hits[i - 1].row {
            starts.push(i);
        }
    }
    starts.push(m.hits.len());
    let groups: Vec<(u32, f64)> = starts
        .par_windows(2)
        .filter(|w| w[0] < w[1])
        .map(|w| (m.hits[w[0]].row, action_points(plan, &m.hits[w[0]..w[1]], as_of, None)))
        .collect();
    for (row, pts) in groups {
        scores[row as usize] += pts;
    }
    for s in &mut scores {
        *s = round2(*s);
    }
    let ids = profiles.ints(PROFILE_ID).expect("checked in rows_by_id").to_vec();
    Ok(Scores { ids, scores, matched: m.matched, unknown: m.unknown })
}

/// Rounds to hundredths (and turns -0 into 0).
pub fn round2(v: f64) -> f64 {
    let r = (v * 100.0).round() / 100.0;
    if r == 0.0 { 0.0 } else { r }
}
