//! `score fit`: learning points from historical conversions.
//!
//! Features per profile: the count of each action in a window before the instant, and the
//! eligible profile fields (numbers and booleans standardised; text fields with few values
//! one-hot, values under 1% of profiles grouped as "other"; identifiers, free text, dates,
//! bookkeeping and score fields left out). A stratified, seeded quarter of the profiles is
//! held out; the penalty is chosen by 5-fold stratified cross-validation on the rest; the
//! held-out AUC, the majority baseline and calibration deciles are reported; and a plan is
//! suggested whose points follow the learned weights.

use super::contact::ContactIndex;
use super::events::col;
use super::logistic::{self, Bin, Data, Model};
use super::time::DAY;
use super::{ScoreError, stored};
use crate::columns::{ColumnData, DataType, Role, Table, Value};
use crate::identity::{self, profiles::PROFILE_ID};
use crate::store::Workspace;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::Serialize;

/// Penalties tried by cross-validation.
const LAMBDAS: [f64; 6] = [1e-5, 1e-4, 1e-3, 1e-2, 3e-2, 1e-1];
const FOLDS: usize = 5;
/// A category value held by fewer profiles than this share is grouped as "other".
const RARE: f64 = 0.01;
/// Text fields with more distinct values than this are not categories.
const MAX_CATEGORIES: usize = 50;

/// How to fit.
#[derive(Clone, Debug)]
pub struct FitOptions {
    pub target: String,
    pub as_of: i64,
    pub window_days: i64,
    pub seed: u64,
    /// The share of profiles held out.
    pub holdout: f64,
    /// The name of the suggested plan's score.
    pub plan_name: String,
}

/// What a feature is.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Feature {
    /// Occurrences of an action in the window.
    Action { action: String },
    /// A numeric or boolean field.
    Number { field: String },
    /// A text field holding this value (`None`: one of its rare values).
    Category { field: String, value: Option<String> },
}

/// A learned weight.
#[derive(Clone, Debug, Serialize)]
pub struct Weight {
    pub feature: Feature,
    /// Per standard deviation of the feature (comparable across features).
    pub weight: f64,
    /// The odds of converting are multiplied by this per unit (one more action, one more
    /// unit of the field, or holding the value).
    pub odds_per_unit: f64,
    /// In plain words.
    pub words: String,
}

/// The outcome of a fit.
#[derive(Clone, Debug, Serialize)]
pub struct FitReport {
    pub target: String,
    pub profiles: usize,
    pub positives: usize,
    pub train: usize,
    pub held_out: usize,
    pub lambda: f64,
    /// Mean cross-validated AUC per penalty tried.
    pub cv_auc: Vec<(f64, f64)>,
    pub auc: f64,
    /// Held-out accuracy at p ≥ 0.5, and of always predicting the majority class.
    pub accuracy: f64,
    pub majority_accuracy: f64,
    pub majority_auc: f64,
    pub calibration: Vec<Bin>,
    /// Largest absolute weight first.
    pub weights: Vec<Weight>,
    pub intercept: f64,
    /// The suggested plan (TOML).
    pub plan: String,
    #[serde(skip)]
    pub model: Option<Model>,
    /// Held-out rows (indices into the profiles), for checks against a known model.
    #[serde(skip)]
    pub held_out_rows: Vec<u32>,
    #[serde(skip)]
    pub held_out_predictions: Vec<f64>,
}

/// The feature matrix.
pub struct Features {
    pub names: Vec<Feature>,
    /// Row after row, standardised.
    pub x: Vec<f64>,
    pub mean: Vec<f64>,
    pub sd: Vec<f64>,
    pub y: Vec<bool>,
    /// The profile-table row of each matrix row.
    pub rows: Vec<u32>,
    /// Raw action counts per row (for the suggested plan's thresholds).
    pub counts: Vec<Vec<f64>>,
}

/// Reads the target field as yes/no per profile row (`None`: empty or not a yes/no).
fn target_values(table: &Table, target: &str) -> Result<Vec<Option<bool>>, ScoreError> {
    let column = table
        .column(target)
        .ok_or_else(|| ScoreError::Fit(format!("no profile field {target:?} (see `hyperseg fields`)")))?;
    let yes_no = |s: &str| match s.trim().to_lowercase().as_str() {
        "1" | "yes" | "y" | "sim" | "s" | "true" | "t" | "converted" | "convertido" => Some(true),
        "0" | "no" | "n" | "não" | "nao" | "false" | "f" => Some(false),
        _ => None,
    };
    let values: Vec<Option<bool>> = (0..table.rows())
        .map(|i| match column.data.value(i) {
            Value::Bool(b) => Some(b),
            Value::Int(v) if v == 0 || v == 1 => Some(v == 1),
            Value::Float(v) if v == 0.0 || v == 1.0 => Some(v == 1.0),
            Value::Text(s) => yes_no(s),
            _ => None,
        })
        .collect();
    let (pos, all) =
        (values.iter().filter(|v| **v == Some(true)).count(), values.iter().filter(|v| v.is_some()).count());
    if all < 20 || pos == 0 || pos == all {
        return Err(ScoreError::Fit(format!(
            "{target:?} must be a yes/no (or 0/1) field with both answers: {all} profiles have one, {pos} of them yes"
        )));
    }
    Ok(values)
}

/// Counts each action per profile row in `[from, to)`; returns the action names and counts.
fn action_counts(
    ws: &Workspace,
    table: &Table,
    from: i64,
    to: i64,
) -> Result<(Vec<String>, Vec<Vec<f64>>), ScoreError> {
    let index = ContactIndex::load(ws)?;
    let row_of = super::compute::rows_by_id(table)?;
    let mut names: Vec<String> = Vec::new();
    let mut counts: Vec<Vec<f64>> = Vec::new();
    for t in stored::load_events(ws)? {
        let Some(ColumnData::Dictionary(action)) = t.column(col::ACTION).map(|c| &c.data) else { continue };
        let dict = action.dictionary();
        let ids: Vec<usize> = (0..dict.len())
            .map(|c| {
                let name = dict.raw(c);
                names.iter().position(|n| n == name).unwrap_or_else(|| {
                    names.push(name.to_owned());
                    counts.push(vec![0.0; table.rows()]);
                    names.len() - 1
                })
            })
            .collect();
        let at = t.ints(col::AT).unwrap_or_default();
        let key = |c: &str, i: usize| match t.column(c).map(|c| &c.data) {
            Some(ColumnData::Int64(p)) => p.get(i).map(|v| v as u64),
            _ => None,
        };
        for i in 0..t.rows() {
            if at[i] < from || at[i] >= to {
                continue;
            }
            let k = super::contact::ContactKeys {
                phone: key(col::PHONE, i),
                cpf: key(col::CPF, i),
                email: key(col::EMAIL, i),
            };
            if let Some(&row) = index.profile(&k).and_then(|p| row_of.get(&p)) {
                counts[ids[action.codes()[i] as usize]][row as usize] += 1.0;
            }
        }
    }
    Ok((names, counts))
}

/// Whether a profile field can be a feature.
fn eligible(c: &crate::columns::Column, target: &str, score_fields: &[String]) -> bool {
    use crate::columns::CanonicalField as F;
    c.name != target
        && c.name != PROFILE_ID
        && !score_fields.contains(&c.name)
        && match c.role {
            Role::System => false,
            Role::Canonical(f) => f == F::City,
            Role::Attribute => true,
        }
        && c.data_type() != DataType::Date
}

/// Builds the features of every profile that has a target value.
pub fn features(ws: &Workspace, table: &Table, opts: &FitOptions) -> Result<Features, ScoreError> {
    let target = target_values(table, &opts.target)?;
    let rows: Vec<u32> = (0..table.rows() as u32).filter(|&r| target[r as usize].is_some()).collect();
    let y: Vec<bool> = rows.iter().map(|&r| target[r as usize] == Some(true)).collect();
    let (actions, counts) = action_counts(ws, table, opts.as_of - opts.window_days * DAY, opts.as_of)?;
    let mut names = Vec::new();
    let mut columns: Vec<Vec<f64>> = Vec::new();
    for (a, c) in actions.iter().zip(&counts) {
        names.push(Feature::Action { action: a.clone() });
        columns.push(rows.iter().map(|&r| c[r as usize]).collect());
    }
    let score_fields: Vec<String> =
        stored::plans(ws)?.keys().flat_map(|n| [n.clone(), super::plan::temperature_field(n)]).collect();
    for c in table.columns().iter().filter(|c| eligible(c, &opts.target, &score_fields)) {
        field_features(c, &rows, &mut names, &mut columns);
    }
    let (n, d) = (rows.len(), names.len());
    let mut mean = vec![0.0; d];
    let mut sd = vec![1.0; d];
    let mut x = vec![0.0; n * d];
    for (j, col) in columns.iter().enumerate() {
        mean[j] = col.iter().sum::<f64>() / n as f64;
        let var = col.iter().map(|v| (v - mean[j]).powi(2)).sum::<f64>() / n as f64;
        sd[j] = if var > 1e-12 { var.sqrt() } else { 1.0 };
        for (i, v) in col.iter().enumerate() {
            x[i * d + j] = (v - mean[j]) / sd[j];
        }
    }
    let counts = counts.iter().map(|c| rows.iter().map(|&r| c[r as usize]).collect()).collect();
    Ok(Features { names, x, mean, sd, y, rows, counts })
}

/// Adds the features of one profile field: a number, or one-hot categories.
fn field_features(
    c: &crate::columns::Column,
    rows: &[u32],
    names: &mut Vec<Feature>,
    columns: &mut Vec<Vec<f64>>,
) {
    match c.data_type() {
        DataType::Int64 | DataType::Float64 | DataType::Boolean => {
            let raw: Vec<Option<f64>> = rows
                .iter()
                .map(|&r| match c.data.value(r as usize) {
                    Value::Int(v) => Some(v as f64),
                    Value::Float(v) => Some(v),
                    Value::Bool(b) => Some(f64::from(u8::from(b))),
                    _ => None,
                })
                .collect();
            let known: Vec<f64> = raw.iter().flatten().copied().collect();
            if known.len() < rows.len() / 10 {
                return;
            }
            // An empty value takes the field's mean, so it adds nothing.
            let m = known.iter().sum::<f64>() / known.len() as f64;
            names.push(Feature::Number { field: c.name.clone() });
            columns.push(raw.iter().map(|v| v.unwrap_or(m)).collect());
        }
        DataType::Utf8 | DataType::Dictionary => {
            let mut freq: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
            for &r in rows {
                if let Value::Text(s) = c.data.value(r as usize) {
                    *freq.entry(s).or_default() += 1;
                }
            }
            let common: Vec<&str> = freq
                .iter()
                .filter(|(_, n)| **n as f64 >= RARE * rows.len() as f64)
                .map(|(v, _)| *v)
                .collect();
            if common.is_empty() || freq.len() > MAX_CATEGORIES * 4 || common.len() > MAX_CATEGORIES {
                return;
            }
            let rare = freq.len() > common.len();
            for v in &common {
                names.push(Feature::Category { field: c.name.clone(), value: Some((*v).to_owned()) });
                columns.push(
                    rows.iter()
                        .map(|&r| f64::from(u8::from(c.data.value(r as usize) == Value::Text(v))))
                        .collect(),
                );
            }
            if rare {
                names.push(Feature::Category { field: c.name.clone(), value: None });
                columns.push(
                    rows.iter()
                        .map(|&r| match c.data.value(r as usize) {
                            Value::Text(s) => f64::from(u8::from(!common.contains(&s))),
                            _ => 0.0,
                        })
                        .collect(),
                );
            }
        }
        DataType::Date => {}
    }
}

/// Splits `idx` (rows of `y`) into `parts` groups with the same share of positives, seeded.
fn stratified(idx: &[u32], y: &[bool], parts: usize, seed: u64) -> Vec<Vec<u32>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut out = vec![Vec::new(); parts];
    for class in [true, false] {
        let mut c: Vec<u32> = idx.iter().copied().filter(|&i| y[i as usize] == class).collect();
        c.shuffle(&mut rng);
        for (k, i) in c.into_iter().enumerate() {
            out[k % parts].push(i);
        }
    }
    out
}

/// Fits the model and prepares the report.
pub fn fit(ws: &Workspace, opts: &FitOptions) -> Result<FitReport, ScoreError> {
    let table = identity::profile_table(ws)?.ok_or(ScoreError::NoProfiles)?;
    let f = features(ws, &table, opts)?;
    if f.names.is_empty() {
        return Err(ScoreError::Fit("no features: import events or profile fields first".into()));
    }
    let data = Data { x: &f.x, y: &f.y, d: f.names.len() };
    let all: Vec<u32> = (0..f.y.len() as u32).collect();
    // Held-out share: every k-th of a stratified shuffle.
    let k = (1.0 / opts.holdout.clamp(0.05, 0.5)).round() as usize;
    let mut split = stratified(&all, &f.y, k, opts.seed);
    let held: Vec<u32> = split.remove(0);
    let train: Vec<u32> = split.concat();
    let folds = stratified(&train, &f.y, FOLDS, opts.seed ^ 0xf01d);
    let cv_auc: Vec<(f64, f64)> = LAMBDAS
        .iter()
        .map(|&lambda| {
            let mean = (0..FOLDS)
                .map(|v| {
                    let fit_rows: Vec<u32> =
                        (0..FOLDS).filter(|&o| o != v).flat_map(|o| folds[o].iter().copied()).collect();
                    let m = logistic::fit(&data, &fit_rows, lambda);
                    let p: Vec<f64> = folds[v].iter().map(|&i| m.predict(data_row(&data, i))).collect();
                    let y: Vec<bool> = folds[v].iter().map(|&i| f.y[i as usize]).collect();
                    logistic::auc(&p, &y)
                })
                .sum::<f64>()
                / FOLDS as f64;
            (lambda, mean)
        })
        .collect();
    // The best AUC; among those within 0.001 of it, the strongest penalty.
    let best = cv_auc.iter().map(|c| c.1).fold(f64::MIN, f64::max);
    let lambda = cv_auc.iter().rev().find(|c| c.1 >= best - 1e-3).map_or(1e-3, |c| c.0);
    let model = logistic::fit(&data, &train, lambda);
    let p: Vec<f64> = held.iter().map(|&i| model.predict(data_row(&data, i))).collect();
    let yh: Vec<bool> = held.iter().map(|&i| f.y[i as usize]).collect();
    let positives = f.y.iter().filter(|&&v| v).count();
    let majority = positives * 2 >= f.y.len();
    let accuracy =
        p.iter().zip(&yh).filter(|(p, y)| (**p >= 0.5) == **y).count() as f64 / yh.len().max(1) as f64;
    let majority_accuracy = yh.iter().filter(|&&y| y == majority).count() as f64 / yh.len().max(1) as f64;
    let weights = describe_weights(&f, &model);
    let plan = suggest_plan(&f, &model, opts, &train);
    Ok(FitReport {
        target: opts.target.clone(),
        profiles: f.y.len(),
        positives,
        train: train.len(),
        held_out: held.len(),
        lambda,
        cv_auc,
        auc: logistic::auc(&p, &yh),
        accuracy,
        majority_accuracy,
        majority_auc: 0.5,
        calibration: logistic::deciles(&p, &yh),
        weights,
        intercept: model.intercept,
        plan,
        model: Some(model),
        held_out_rows: held.iter().map(|&i| f.rows[i as usize]).collect(),
        held_out_predictions: p,
    })
}

fn data_row<'a>(data: &'a Data, i: u32) -> &'a [f64] {
    &data.x[i as usize * data.d..(i as usize + 1) * data.d]
}

fn describe_weights(f: &Features, model: &Model) -> Vec<Weight> {
    let mut out: Vec<Weight> = f
        .names
        .iter()
        .zip(&model.weights)
        .zip(&f.sd)
        .map(|((feature, &w), &sd)| {
            let per_unit = (w / sd).exp();
            let dir = if w >= 0.0 { "raises" } else { "lowers" };
            let words = match feature {
                Feature::Action { action } => {
                    format!("each {action} {dir} the odds of converting (×{per_unit:.2} per occurrence)")
                }
                Feature::Number { field } => {
                    format!("a higher {field} {dir} the odds (×{per_unit:.3} per unit)")
                }
                Feature::Category { field, value: Some(v) } => {
                    format!("{field} = {v:?} {dir} the odds (×{per_unit:.2})")
                }
                Feature::Category { field, value: None } => {
                    format!("a rare {field} {dir} the odds (×{per_unit:.2})")
                }
            };
            Weight { feature: feature.clone(), weight: w, odds_per_unit: per_unit, words }
        })
        .collect();
    out.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
    out
}

/// A plan whose points follow the weights: log-odds per occurrence (or per category)
/// scaled so the largest is 25 points, rounded to whole points; thresholds at the 90th
/// (hot) and 70th (warm) percentiles of the plan's score over the training profiles.
fn suggest_plan(f: &Features, model: &Model, opts: &FitOptions, train: &[u32]) -> String {
    let per_unit: Vec<f64> = model.weights.iter().zip(&f.sd).map(|(w, sd)| w / sd).collect();
    let usable =
        |j: usize| !matches!(f.names[j], Feature::Number { .. } | Feature::Category { value: None, .. });
    let largest = (0..f.names.len()).filter(|&j| usable(j)).map(|j| per_unit[j].abs()).fold(0.0, f64::max);
    let scale = if largest > 0.0 { 25.0 / largest } else { 0.0 };
    let points: Vec<i64> = (0..f.names.len())
        .map(|j| if usable(j) { (per_unit[j] * scale).round() as i64 } else { 0 })
        .collect();
    let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let mut text = format!(
        "# Suggested by `hyperseg score fit --target {}`: points follow the learned log-odds\n# ({:.4} log-odds per point). Numbers and rare categories are left out of the rules.\nname = {}\n",
        opts.target,
        1.0 / scale.max(1e-12),
        q(&opts.plan_name)
    );
    for (j, name) in f.names.iter().enumerate().filter(|(j, _)| points[*j] != 0) {
        match name {
            Feature::Action { action } => text.push_str(&format!(
                "\n[[rule]]\naction = {}\npoints = {}\nexpires_after_days = {}\n",
                q(action),
                points[j],
                opts.window_days
            )),
            Feature::Category { field, value: Some(v) } => {
                let name =
                    if super::plan::is_field_name(field) { field.clone() } else { format!("`{field}`") };
                let filter = format!("{name} = exact {}", q(v));
                text.push_str(&format!("\n[[rule]]\nwhen = {}\npoints = {}\n", q(&filter), points[j]));
            }
            _ => {}
        }
    }
    // The plan's score of each training profile, for the thresholds.
    let d = f.names.len();
    let mut scores: Vec<f64> = train
        .iter()
        .map(|&i| {
            let i = i as usize;
            (0..d)
                .map(|j| match &f.names[j] {
                    Feature::Action { .. } => points[j] as f64 * (f.x[i * d + j] * f.sd[j] + f.mean[j]),
                    Feature::Category { .. } => {
                        points[j] as f64 * (f.x[i * d + j] * f.sd[j] + f.mean[j]).round()
                    }
                    Feature::Number { .. } => 0.0,
                })
                .sum()
        })
        .collect();
    scores.sort_by(f64::total_cmp);
    let at =
        |p: f64| scores.get(((scores.len().max(1) - 1) as f64 * p) as usize).copied().unwrap_or(0.0).round();
    let warm = at(0.7);
    let hot = at(0.9).max(warm + 1.0);
    text.push_str(&format!(
        "\n[[temperature]]\nname = \"hot\"\nmin = {hot}\n\n[[temperature]]\nname = \"warm\"\nmin = {warm}\n\n[[temperature]]\nname = \"cold\"\n"
    ));
    text
}
