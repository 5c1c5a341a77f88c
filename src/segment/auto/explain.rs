//! What sets an automatic audience apart: size and share, characteristics ranked by a
//! standardised difference, and the defining grid of conditions.
//!
//! - Numbers and dates (as days before the as-of day): the audience's mean against the
//!   overall mean, in overall standard deviations: `z = (mean_a - mean) / sd`.
//! - Categories and booleans: for each value, its share among the audience's rows with a
//!   value against its share overall, as a lift `p_a / p` and a standardised difference
//!   `z = (p_a - p) / sqrt(p (1 - p))` (the same scale as the numbers' z). Per field the
//!   most over-represented value is kept.
//!
//! Characteristics are ranked by `|z|`; those under 0.1 are not listed (the strongest is). The grid turns the top ones into filter conditions
//! (numbers: between the audience's 10th and 90th percentiles; categories: the
//! over-represented values that cover 80% of the audience; booleans: the value the
//! audience leans to), which `audiences save-as-filter` combines into a manual filter.

use super::features::{Encoding, FeatureField, Features, quantile};
use crate::columns::{ColumnData, Table, Value};
use crate::segment::{Condition, Literal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Characteristics kept per audience.
const TOP: usize = 6;
/// Characteristics closer to everyone than this (in |z|) are not listed (the strongest one
/// always is).
const MIN_Z: f64 = 0.1;
/// Conditions in the defining grid.
const GRID: usize = 4;
/// Member values sampled per field for the percentiles.
const QUANTILE_SAMPLE: usize = 20_000;
/// Share of the audience the grid's category values cover.
const GRID_COVERAGE: f64 = 0.8;

/// One characteristic of an audience.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Characteristic {
    pub field: String,
    /// `number`, `date`, `category` or `boolean`.
    pub kind: String,
    /// The value (categories, booleans: `yes`/`no`).
    pub value: Option<String>,
    /// The audience's mean (numbers; days before the as-of day for dates) or share.
    pub audience: f64,
    pub overall: f64,
    /// Standardised difference (see the module docs).
    pub z: f64,
    /// `audience / overall` for shares.
    pub lift: Option<f64>,
}

/// An audience's explanation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The k-means cluster it came from.
    pub cluster: usize,
    pub size: u64,
    /// Of all profiles.
    pub share: f64,
    pub characteristics: Vec<Characteristic>,
    /// Conditions that approximate the audience, strongest first.
    pub grid: Vec<Condition>,
}

/// Overall statistics of one field.
enum Overall {
    Number { mean: f64, sd: f64, date: bool },
    Shares { shares: Vec<f64>, values: Vec<String>, boolean: bool },
}

/// Explanations of every non-empty audience (`members[c]`: the rows of audience `c`).
pub fn explain_all(table: &Table, features: &Features, members: &[Vec<u32>], as_of: i32) -> Vec<Explanation> {
    let overall: Vec<Overall> = features.fields.par_iter().map(|f| overall(table, f, as_of)).collect();
    members
        .par_iter()
        .enumerate()
        .filter(|(_, m)| !m.is_empty())
        .map(|(c, m)| explain(table, features, &overall, c, m, as_of))
        .collect()
}

fn column<'a>(table: &'a Table, f: &FeatureField) -> &'a ColumnData {
    &table.column(&f.field).expect("features come from this table").data
}

/// A numeric value of row `i` (days before `as_of` for dates), if valid.
#[inline]
fn number(data: &ColumnData, i: usize, as_of: i32) -> Option<f64> {
    match data {
        ColumnData::Int64(c) => c.get(i).map(|v| v as f64),
        ColumnData::Float64(c) => c.get(i),
        ColumnData::Date(c) => c.get(i).map(|d| f64::from(as_of - d)),
        _ => None,
    }
}

/// The one-hot slot of row `i` (booleans: 0 = no, 1 = yes), if valid.
#[inline]
fn slot(data: &ColumnData, values: &[String], i: usize) -> Option<usize> {
    match data {
        ColumnData::Boolean(b) => b.get(i).map(usize::from),
        ColumnData::Dictionary(d) => {
            d.get(i).map(|v| values.iter().position(|x| x == v).unwrap_or(values.len()))
        }
        ColumnData::Utf8(s) => s.get(i).map(|v| values.iter().position(|x| x == v).unwrap_or(values.len())),
        _ => None,
    }
}

fn overall(table: &Table, f: &FeatureField, as_of: i32) -> Overall {
    let data = column(table, f);
    match &f.encoding {
        Encoding::Number { date, .. } => {
            let (mut n, mut sum, mut sq) = (0f64, 0f64, 0f64);
            for i in 0..data.len() {
                if let Some(x) = number(data, i, as_of) {
                    n += 1.0;
                    sum += x;
                    sq += x * x;
                }
            }
            let mean = sum / n.max(1.0);
            let sd = (sq / n.max(1.0) - mean * mean).max(0.0).sqrt();
            Overall::Number { mean, sd, date: *date }
        }
        Encoding::Boolean { mean } => Overall::Shares {
            shares: vec![1.0 - mean, *mean],
            values: vec!["no".into(), "yes".into()],
            boolean: true,
        },
        Encoding::Category { values, other, shares } => {
            let mut values = values.clone();
            if *other {
                values.push("other".into());
            }
            Overall::Shares { shares: shares.clone(), values, boolean: false }
        }
    }
}

fn explain(
    table: &Table,
    features: &Features,
    overall: &[Overall],
    c: usize,
    rows: &[u32],
    as_of: i32,
) -> Explanation {
    let mut scored: Vec<(Characteristic, Option<Condition>)> = Vec::new();
    for (f, o) in features.fields.iter().zip(overall) {
        let data = column(table, f);
        let found = match o {
            Overall::Number { mean, sd, date } => numeric(f, data, rows, (*mean, *sd, *date), as_of),
            Overall::Shares { shares, values, boolean } => {
                let named = match &f.encoding {
                    Encoding::Category { values, .. } => values.as_slice(),
                    _ => &[],
                };
                shares_of(f, data, named, rows, (shares, values, *boolean))
            }
        };
        scored.extend(found);
    }
    scored.sort_by(|a, b| b.0.z.abs().total_cmp(&a.0.z.abs()).then_with(|| a.0.field.cmp(&b.0.field)));
    let grid = scored.iter().filter_map(|(_, g)| g.clone()).take(GRID).collect();
    Explanation {
        cluster: c,
        size: rows.len() as u64,
        share: rows.len() as f64 / table.rows().max(1) as f64,
        characteristics: scored
            .into_iter()
            .map(|(ch, _)| ch)
            .enumerate()
            .take_while(|(i, ch)| *i == 0 || ch.z.abs() >= MIN_Z)
            .map(|(_, ch)| ch)
            .take(TOP)
            .collect(),
        grid,
    }
}

fn numeric(
    f: &FeatureField,
    data: &ColumnData,
    rows: &[u32],
    (mean, sd, date): (f64, f64, bool),
    as_of: i32,
) -> Option<(Characteristic, Option<Condition>)> {
    let (mut n, mut sum) = (0f64, 0f64);
    let step = rows.len().div_ceil(QUANTILE_SAMPLE).max(1);
    let mut sample = Vec::with_capacity(rows.len().min(QUANTILE_SAMPLE));
    for (j, &r) in rows.iter().enumerate() {
        if let Some(x) = number(data, r as usize, as_of) {
            n += 1.0;
            sum += x;
            if j % step == 0 {
                sample.push(x);
            }
        }
    }
    if n == 0.0 || sd <= 0.0 {
        return None;
    }
    let m = sum / n;
    let (lo, hi) = (quantile(&mut sample, 0.1), quantile(&mut sample, 0.9));
    let cond = match data {
        ColumnData::Date(_) => {
            let day =
                |days_before: f64| Literal::Text(Value::Date(as_of - days_before.round() as i32).to_string());
            Condition::between(&f.field, day(hi), day(lo))
        }
        ColumnData::Int64(_) => Condition::between(&f.field, lo.floor() as i64, hi.ceil() as i64),
        _ => Condition::between(&f.field, (lo * 100.0).floor() / 100.0, (hi * 100.0).ceil() / 100.0),
    };
    let ch = Characteristic {
        field: f.field.clone(),
        kind: if date { "date" } else { "number" }.into(),
        value: None,
        audience: m,
        overall: mean,
        z: (m - mean) / sd,
        lift: None,
    };
    Some((ch, Some(cond)))
}

fn shares_of(
    f: &FeatureField,
    data: &ColumnData,
    named: &[String],
    rows: &[u32],
    (overall, values, boolean): (&[f64], &[String], bool),
) -> Option<(Characteristic, Option<Condition>)> {
    let mut counts = vec![0u64; values.len()];
    for &r in rows {
        if let Some(s) = slot(data, named, r as usize)
            && let Some(c) = counts.get_mut(s)
        {
            *c += 1;
        }
    }
    let valid: u64 = counts.iter().sum();
    if valid == 0 {
        return None;
    }
    let share = |s: usize| counts[s] as f64 / valid as f64;
    let z = |s: usize| {
        let p = overall[s];
        if p <= 0.0 || p >= 1.0 { 0.0 } else { (share(s) - p) / (p * (1.0 - p)).sqrt() }
    };
    let best = (0..values.len()).filter(|&s| share(s) > overall[s]).max_by(|&a, &b| z(a).total_cmp(&z(b)))?;
    let cond = if boolean {
        Some(Condition::new(&f.field, crate::segment::Op::Equals, best == 1))
    } else {
        category_condition(&f.field, named, &counts, overall, valid)
    };
    let ch = Characteristic {
        field: f.field.clone(),
        kind: if boolean { "boolean" } else { "category" }.into(),
        value: Some(values[best].clone()),
        audience: share(best),
        overall: overall[best],
        z: z(best),
        lift: Some(share(best) / overall[best]),
    };
    Some((ch, cond))
}

/// `field in (…)`: the named values over-represented in the audience, most common first,
/// until they cover [`GRID_COVERAGE`] of its rows with a value.
fn category_condition(
    field: &str,
    named: &[String],
    counts: &[u64],
    overall: &[f64],
    valid: u64,
) -> Option<Condition> {
    let mut order: Vec<usize> =
        (0..named.len()).filter(|&s| counts[s] as f64 / valid as f64 > overall[s]).collect();
    order.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
    let mut covered = 0u64;
    let mut picked = Vec::new();
    for s in order {
        if covered as f64 >= GRID_COVERAGE * valid as f64 {
            break;
        }
        covered += counts[s];
        picked.push(Literal::Text(named[s].clone()));
    }
    match picked.len() {
        0 => None,
        1 => Some(Condition::new(field, crate::segment::Op::Equals, picked.pop().expect("one"))),
        _ => Some(Condition::one_of(field, picked)),
    }
}
