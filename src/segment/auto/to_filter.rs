//! `audiences save-as-filter`: a manual audience whose filter best approximates an automatic
//! one.
//!
//! The candidates are the automatic audience's defining grid, strongest first. Conditions
//! are added greedily in that order, each kept only when it raises the Jaccard similarity
//! `|filter ∩ members| / |filter ∪ members|`; the first one is always kept. The result is
//! saved as a manual audience (a dynamic filter from then on) and the report says how
//! many of the automatic audience's members the filter keeps, misses, and adds.

use super::store;
use crate::audience::{self, AudienceError};
use crate::columns::Bitmap;
use crate::compute::{Backend, bits};
use crate::segment::{self, Expr};
use crate::store::{AudienceRow, Workspace, WriteLock};
use serde::Serialize;

/// What [`save_as_filter`] made.
#[derive(Clone, Debug, Serialize)]
pub struct FilterApproximation {
    pub from: String,
    pub audience: AudienceRow,
    pub filter: String,
    /// The automatic audience's members (in today's profiles).
    pub members: u64,
    /// Members the filter selects.
    pub kept: u64,
    /// Members it does not select.
    pub missed: u64,
    /// Profiles it selects that were not members.
    pub added: u64,
    /// `kept / (kept + missed + added)`.
    pub jaccard: f64,
}

fn jaccard(selected: &Bitmap, members: &Bitmap) -> (u64, u64, f64) {
    let kept = bits::and(selected, members).count_ones() as u64;
    let union = bits::or(selected, members).count_ones() as u64;
    (kept, union, if union == 0 { 0.0 } else { kept as f64 / union as f64 })
}

/// Saves the filter that best approximates automatic audience `name` as manual audience
/// `new_name` (default: the same name followed by " (filter)").
pub fn save_as_filter(
    ws: &mut Workspace,
    lock: &WriteLock,
    name: &str,
    new_name: Option<&str>,
    by: &str,
    backend: &dyn Backend,
) -> Result<FilterApproximation, AudienceError> {
    let a = audience::get(ws, name)?;
    let grid = match store::stored(ws, a.id) {
        Ok(Some(s)) => s.explanation.grid,
        Ok(None) => {
            return Err(AudienceError::Filter(format!(
                "audience {:?} is manual: it already is a filter",
                a.name
            )));
        }
        Err(e) => return Err(AudienceError::BadStoredFilter { name: a.name.clone(), error: e.to_string() }),
    };
    let table = crate::identity::profile_table(ws)?.ok_or(AudienceError::NoProfiles)?;
    let members = audience::members_in(ws, &a, &table, backend)?;
    let today = audience::today();
    let mut kept_conditions: Vec<Expr> = Vec::new();
    let mut best = (Bitmap::new_unset(table.rows()), -1.0f64);
    for cond in grid {
        let mut candidate = kept_conditions.clone();
        candidate.push(Expr::Cond(cond));
        let expr = Expr::And(candidate.clone());
        let selected = match segment::evaluate(&expr, &table, backend, today) {
            Ok(s) => s,
            // A field of the grid no longer in the profiles (or no longer of its type).
            Err(segment::FilterError::Compute(c)) => return Err(c.into()),
            Err(_) => continue,
        };
        let (_, _, score) = jaccard(&selected, &members);
        if score > best.1 {
            best = (selected, score);
            kept_conditions = candidate;
        }
    }
    if kept_conditions.is_empty() {
        return Err(AudienceError::Filter(format!(
            "no condition of audience {:?}'s defining grid applies to today's profiles",
            a.name
        )));
    }
    let expr = if kept_conditions.len() == 1 {
        kept_conditions.pop().expect("one")
    } else {
        Expr::And(kept_conditions)
    };
    let (kept, union, score) = jaccard(&best.0, &members);
    let count = members.count_ones() as u64;
    let target = new_name.map_or_else(|| format!("{} (filter)", a.name), str::to_owned);
    let description = format!("filter approximating automatic audience {:?}", a.name);
    let saved = audience::create(ws, lock, &target, &description, &expr, by, backend)?;
    Ok(FilterApproximation {
        from: a.name,
        audience: saved,
        filter: expr.to_string(),
        members: count,
        kept,
        missed: count - kept,
        added: union - count,
        jaccard: score,
    })
}
