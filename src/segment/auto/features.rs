//! Profile fields → the feature matrix k-means clusters (rules in the parent module's docs).

use super::AutoError;
use crate::columns::{CanonicalField, Column, ColumnData, Role, Table};
use crate::compute::Points;
use rayon::prelude::*;
use serde::Serialize;

/// A field left out when more than this share of rows is empty.
const MAX_EMPTY_SHARE: f64 = 0.5;
/// Values under this share of the valid rows are grouped as "other".
const MIN_VALUE_SHARE: f64 = 0.01;
/// At most this many one-hot values per field (then "other").
const MAX_VALUES: usize = 12;
/// A text field whose kept values cover less than this share is free text, left out.
const MIN_COVERAGE: f64 = 0.5;
/// Distinct values counted before a text field is called free text.
const MAX_DISTINCT_COUNTED: usize = 10_000;
/// Rows with a value needed before "all distinct" marks a field as an identifier.
const MIN_ROWS_ALL_DISTINCT: usize = 20;
/// Integers with a value needed before "all distinct" marks them as a code (small samples
/// of ages or counts are often all distinct by chance).
const MIN_INTS_ALL_DISTINCT: usize = 100;
/// Robust z-scores are clipped to ± this.
pub const CLIP: f64 = 3.0;
/// The weight of a one-hot value: two different values are one unit apart.
pub const ONE_HOT: f64 = std::f64::consts::FRAC_1_SQRT_2;

/// How a field became features.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Encoding {
    /// `clamp((x - center) / scale, ±3)`; a date's x is days before the as-of day.
    Number { center: f64, scale: f64, date: bool },
    /// 0/1; missing → `mean`.
    Boolean { mean: f64 },
    /// One dimension per value (the last one "other" when `other`), 1/√2 when the row has
    /// it; missing → each value's share × 1/√2.
    Category { values: Vec<String>, other: bool, shares: Vec<f64> },
}

/// One field used, and where its dimensions sit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeatureField {
    pub field: String,
    pub encoding: Encoding,
    pub first_dim: usize,
    pub dims: usize,
    /// Rows without a value, imputed.
    pub missing: u64,
    /// How missing values were filled, in words.
    pub imputation: String,
}

/// A field left out, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Excluded {
    pub field: String,
    pub reason: String,
}

/// The feature matrix and what it is made of.
#[derive(Clone, Debug)]
pub struct Features {
    /// Row-major, `rows × dims`.
    pub data: Vec<f32>,
    pub dims: usize,
    pub rows: usize,
    pub fields: Vec<FeatureField>,
    pub excluded: Vec<Excluded>,
}

impl Features {
    pub fn points(&self) -> Result<Points<'_>, AutoError> {
        Ok(Points::new(&self.data, self.dims)?)
    }
}

/// Builds features from every eligible field of `table`, or only from `only`.
pub fn build(table: &Table, only: Option<&[String]>, as_of: i32) -> Result<Features, AutoError> {
    let wanted = only.map(|names| names.iter().map(|n| crate::text::fold(n.trim())).collect::<Vec<_>>());
    if let Some(w) = &wanted {
        check_fields(table, w, only.unwrap_or_default())?;
    }
    let mut fields = Vec::new();
    let mut excluded = Vec::new();
    let mut dims = 0;
    for col in table.columns() {
        if let Some(w) = &wanted
            && !w.contains(&crate::text::fold(&col.name))
        {
            if never_used(col).is_none() {
                excluded.push(Excluded { field: col.name.clone(), reason: "not in --fields".into() });
            }
            continue;
        }
        match plan_field(col, as_of) {
            Ok(encoding) => {
                let width = match &encoding {
                    Encoding::Category { values, other, .. } => values.len() + usize::from(*other),
                    _ => 1,
                };
                let missing = (col.data.len() - col.data.validity().count_ones()) as u64;
                fields.push(FeatureField {
                    field: col.name.clone(),
                    imputation: imputation(&encoding),
                    encoding,
                    first_dim: dims,
                    dims: width,
                    missing,
                });
                dims += width;
            }
            Err(Some(reason)) => excluded.push(Excluded { field: col.name.clone(), reason }),
            Err(None) => {}
        }
    }
    if fields.is_empty() {
        let why: Vec<String> = excluded.iter().map(|e| format!("{} ({})", e.field, e.reason)).collect();
        return Err(AutoError::NoFeatures(if why.is_empty() {
            "the profiles have no fields".into()
        } else {
            why.join("; ")
        }));
    }
    let data = fill(table, &fields, dims, as_of);
    Ok(Features { data, dims, rows: table.rows(), fields, excluded })
}

/// `--fields` must name existing, usable fields.
fn check_fields(table: &Table, folded: &[String], given: &[String]) -> Result<(), AutoError> {
    for (f, name) in folded.iter().zip(given) {
        match table.columns().iter().find(|c| crate::text::fold(&c.name) == *f) {
            None => {
                let names: Vec<&str> = table
                    .columns()
                    .iter()
                    .filter(|c| never_used(c).is_none())
                    .map(|c| c.name.as_str())
                    .collect();
                return Err(AutoError::Fields(format!("no field {name:?}; fields: {}", names.join(", "))));
            }
            Some(c) => {
                if let Some(why) = never_used(c) {
                    return Err(AutoError::Fields(format!("{:?} cannot be used: {why}", c.name)));
                }
            }
        }
    }
    Ok(())
}

/// Why a column is never a feature (identifiers, contact extras, bookkeeping), if it is not.
pub fn never_used(col: &Column) -> Option<&'static str> {
    if crate::text::fold(&col.name).starts_with("extra.") {
        return Some("a contact extra (never used)");
    }
    match col.role {
        Role::System => Some("bookkeeping of hyperseg (never used)"),
        Role::Canonical(
            CanonicalField::PhoneNumber
            | CanonicalField::Email
            | CanonicalField::TaxDocument
            | CanonicalField::Name
            | CanonicalField::Address,
        ) => Some("an identifier (never used)"),
        _ => None,
    }
}

/// How a column is encoded, or why it is left out (`None`: left out without a word, as
/// identifiers are listed once by [`never_used`]).
fn plan_field(col: &Column, as_of: i32) -> Result<Encoding, Option<String>> {
    if let Some(why) = never_used(col) {
        return Err(Some(why.to_owned()));
    }
    let rows = col.data.len();
    let valid = col.data.validity().count_ones();
    let empty = 1.0 - valid as f64 / rows.max(1) as f64;
    if valid == 0 || empty > MAX_EMPTY_SHARE {
        return Err(Some(format!("mostly empty ({:.0}% of profiles have no value)", empty * 100.0)));
    }
    match &col.data {
        ColumnData::Int64(c) => {
            if valid >= MIN_INTS_ALL_DISTINCT && all_distinct_ints(&c.values, &c.validity) {
                return Err(Some("all distinct (an identifier-like code)".into()));
            }
            number(valid_values(&c.values, &c.validity, |&x| x as f64), false)
        }
        ColumnData::Float64(c) => number(valid_values(&c.values, &c.validity, |&x| x), false),
        ColumnData::Date(c) => number(valid_values(&c.values, &c.validity, |&d| f64::from(as_of - d)), true),
        ColumnData::Boolean(b) => {
            let trues = b.values.iter_ones().filter(|&i| b.validity.get(i)).count();
            if trues == 0 || trues == valid {
                return Err(Some(format!("constant (every value is {})", trues == valid)));
            }
            Ok(Encoding::Boolean { mean: trues as f64 / valid as f64 })
        }
        ColumnData::Utf8(_) | ColumnData::Dictionary(_) => category(&col.data, valid),
    }
}

fn valid_values<T: Copy>(values: &[T], validity: &crate::columns::Bitmap, f: impl Fn(&T) -> f64) -> Vec<f64> {
    values.iter().enumerate().filter(|&(i, _)| validity.get(i)).map(|(_, x)| f(x)).collect()
}

fn all_distinct_ints(values: &[i64], validity: &crate::columns::Bitmap) -> bool {
    let mut v: Vec<i64> =
        values.iter().enumerate().filter(|&(i, _)| validity.get(i)).map(|(_, &x)| x).collect();
    v.par_sort_unstable();
    v.windows(2).all(|w| w[0] != w[1])
}

/// The robust centre and scale of numbers (see the module docs), or why they are unusable.
fn number(mut v: Vec<f64>, date: bool) -> Result<Encoding, Option<String>> {
    let (center, scale) = robust_scale(&mut v);
    if scale <= 0.0 || !scale.is_finite() {
        return Err(Some(format!("constant (every value is {})", v.first().copied().unwrap_or(0.0))));
    }
    Ok(Encoding::Number { center, scale, date })
}

/// Median, and 1.4826 × MAD, else IQR / 1.349, else the standard deviation (0 when all
/// values are equal). Reorders `v`.
pub fn robust_scale(v: &mut [f64]) -> (f64, f64) {
    let median = quantile(v, 0.5);
    let mut dev: Vec<f64> = v.iter().map(|x| (x - median).abs()).collect();
    let mad = quantile(&mut dev, 0.5) * 1.4826;
    if mad > 0.0 {
        return (median, mad);
    }
    let iqr = (quantile(v, 0.75) - quantile(v, 0.25)) / 1.349;
    if iqr > 0.0 {
        return (median, iqr);
    }
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt();
    (median, sd)
}

/// The `q` quantile (nearest rank) of `v`, reordering it; 0 for no values.
pub fn quantile(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let at = ((v.len() - 1) as f64 * q).round() as usize;
    *v.select_nth_unstable_by(at, f64::total_cmp).1
}

/// Text as categories: values of at least 1% (at most 12), the rest "other".
fn category(data: &ColumnData, valid: usize) -> Result<Encoding, Option<String>> {
    let counts = text_counts(data)
        .ok_or_else(|| Some(format!("free text (over {MAX_DISTINCT_COUNTED} distinct values)")))?;
    if counts.len() <= 1 {
        let only = counts.first().map(|(v, _)| v.as_str()).unwrap_or_default();
        return Err(Some(format!("constant (every value is {only:?})")));
    }
    if counts.len() == valid && valid >= MIN_ROWS_ALL_DISTINCT {
        return Err(Some("all distinct (an identifier-like field)".into()));
    }
    let total = valid as f64;
    let kept: Vec<&(String, u64)> =
        counts.iter().filter(|(_, n)| *n as f64 / total >= MIN_VALUE_SHARE).take(MAX_VALUES).collect();
    let covered: u64 = kept.iter().map(|(_, n)| n).sum();
    if (covered as f64) < MIN_COVERAGE * total {
        return Err(Some(format!(
            "too many distinct values ({}; the common ones cover only {:.0}%)",
            counts.len(),
            covered as f64 / total * 100.0
        )));
    }
    let other = covered < valid as u64;
    let mut shares: Vec<f64> = kept.iter().map(|(_, n)| *n as f64 / total).collect();
    if other {
        shares.push((valid as u64 - covered) as f64 / total);
    }
    Ok(Encoding::Category { values: kept.iter().map(|(v, _)| v.clone()).collect(), other, shares })
}

/// Each distinct valid value and its count, most frequent first (ties by value); `None`
/// past [`MAX_DISTINCT_COUNTED`] distinct values.
fn text_counts(data: &ColumnData) -> Option<Vec<(String, u64)>> {
    let mut out: Vec<(String, u64)> = match data {
        ColumnData::Dictionary(d) => {
            let mut n = vec![0u64; d.dictionary().len()];
            for (i, &c) in d.codes().iter().enumerate() {
                if d.validity().get(i) {
                    n[c as usize] += 1;
                }
            }
            n.iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(v, &c)| (d.dictionary().raw(v).to_owned(), c))
                .collect()
        }
        ColumnData::Utf8(s) => {
            let mut map: hashbrown::HashMap<&str, u64> = hashbrown::HashMap::new();
            for i in 0..s.len() {
                if let Some(v) = s.get(i) {
                    *map.entry(v).or_default() += 1;
                    if map.len() > MAX_DISTINCT_COUNTED {
                        return None;
                    }
                }
            }
            map.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
        }
        _ => return None,
    };
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Some(out)
}

fn imputation(e: &Encoding) -> String {
    match e {
        Encoding::Number { center, date: false, .. } => {
            format!("missing values take the median ({})", round(*center))
        }
        Encoding::Number { center, date: true, .. } => {
            format!("missing dates take the median ({} days before the as-of day)", round(*center))
        }
        Encoding::Boolean { mean } => format!("missing values take the share of yes ({:.0}%)", mean * 100.0),
        Encoding::Category { .. } => "missing values take each value's overall share".into(),
    }
}

fn round(x: f64) -> String {
    if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x:.2}") }
}

/// The feature value of every row of one field's dimensions, written into `data`.
fn fill(table: &Table, fields: &[FeatureField], dims: usize, as_of: i32) -> Vec<f32> {
    let rows = table.rows();
    let mut data = vec![0f32; rows * dims];
    let columns: Vec<&Column> =
        fields.iter().map(|f| table.column(&f.field).expect("planned from the table")).collect();
    const CHUNK: usize = 4096;
    data.par_chunks_mut(CHUNK * dims).enumerate().for_each(|(b, chunk)| {
        let start = b * CHUNK;
        for (f, col) in fields.iter().zip(&columns) {
            let codes = category_codes(&col.data, &f.encoding);
            for (r, row) in chunk.chunks_exact_mut(dims).enumerate() {
                let out = &mut row[f.first_dim..f.first_dim + f.dims];
                encode(&col.data, &f.encoding, codes.as_deref(), start + r, as_of, out);
            }
        }
    });
    data
}

/// For a dictionary column encoded as categories: the one-hot slot of every dictionary code
/// (computed once per chunk, a handful of values).
fn category_codes(data: &ColumnData, e: &Encoding) -> Option<Vec<usize>> {
    let (ColumnData::Dictionary(d), Encoding::Category { values, .. }) = (data, e) else { return None };
    Some((0..d.dictionary().len()).map(|c| slot(values, d.dictionary().raw(c))).collect())
}

/// A value's one-hot slot: its index among `values`, or the "other" slot after them.
fn slot(values: &[String], v: &str) -> usize {
    values.iter().position(|x| x == v).unwrap_or(values.len())
}

/// Row `i`'s features of one field into `out`.
#[inline]
fn encode(data: &ColumnData, e: &Encoding, codes: Option<&[usize]>, i: usize, as_of: i32, out: &mut [f32]) {
    let valid = data.validity().get(i);
    match e {
        Encoding::Number { center, scale, .. } => {
            let x = match data {
                ColumnData::Int64(c) if valid => c.values[i] as f64,
                ColumnData::Float64(c) if valid => c.values[i],
                ColumnData::Date(c) if valid => f64::from(as_of - c.values[i]),
                _ => *center,
            };
            out[0] = ((x - center) / scale).clamp(-CLIP, CLIP) as f32;
        }
        Encoding::Boolean { mean } => {
            out[0] = match data {
                ColumnData::Boolean(b) if valid => f32::from(u8::from(b.values.get(i))),
                _ => *mean as f32,
            };
        }
        Encoding::Category { values, shares, .. } => {
            if !valid {
                for (o, s) in out.iter_mut().zip(shares) {
                    *o = (s * ONE_HOT) as f32;
                }
                return;
            }
            out.fill(0.0);
            let at = match (data, codes) {
                (ColumnData::Dictionary(d), Some(codes)) => codes[d.codes()[i] as usize],
                (ColumnData::Utf8(s), _) => slot(values, s.raw(i)),
                _ => values.len(),
            };
            if let Some(o) = out.get_mut(at) {
                *o = ONE_HOT as f32;
            }
        }
    }
}
