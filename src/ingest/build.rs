//! Turning raw cells into typed columns, once every chunk's type masks are known.

use super::infer::{self, OptIn};
use super::parse::RawChunk;
use crate::columns::{Bitmap, BooleanColumn, ColumnData, DictionaryColumn, PrimitiveColumn, StringColumn};
use rayon::prelude::*;

/// How one column's cells are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Text; `dictionary` allows dictionary encoding when the column has few distinct values.
    Text {
        dictionary: bool,
    },
    Int,
    /// A decimal whose decimal mark is `mark`.
    Decimal {
        mark: u8,
    },
    Bool,
    Date,
    /// The opt-in column: yes → true; empty or unrecognised → empty.
    OptIn,
}

/// Which decimal mark an ambiguous column uses (values such as `1.234` fit both).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum DecimalMark {
    /// Comma in semicolon-separated files (the convention of locales that write `1.234,56`),
    /// dot in comma-separated ones.
    #[default]
    Auto,
    Comma,
    Dot,
}

/// The plan for an inferred column from its merged type mask.
pub fn plan_from_mask(mask: u8, seen: bool, decimal: DecimalMark, separator: u8) -> Plan {
    if !seen {
        return Plan::Text { dictionary: true };
    }
    if mask & infer::INT != 0 {
        Plan::Int
    } else if mask & infer::BOOL != 0 {
        Plan::Bool
    } else if mask & infer::DATE != 0 {
        Plan::Date
    } else {
        let dot = mask & infer::DEC_DOT != 0;
        let comma = mask & infer::DEC_COMMA != 0;
        match (dot, comma) {
            (true, false) => Plan::Decimal { mark: b'.' },
            (false, true) => Plan::Decimal { mark: b',' },
            (true, true) => match decimal {
                DecimalMark::Comma => Plan::Decimal { mark: b',' },
                DecimalMark::Dot => Plan::Decimal { mark: b'.' },
                DecimalMark::Auto if separator == b';' => Plan::Decimal { mark: b',' },
                DecimalMark::Auto => Plan::Decimal { mark: b'.' },
            },
            (false, false) => Plan::Text { dictionary: true },
        }
    }
}

/// Distinct values at most this share of the rows make a text column a dictionary column.
const DICTIONARY_MAX_SHARE: usize = 4; // distinct ≤ values / 4
/// Never more distinct values than this in a dictionary.
const DICTIONARY_MAX_DISTINCT: usize = 1 << 16;
/// Below this many distinct values allowed, a dictionary gains nothing.
const DICTIONARY_MIN_LIMIT: usize = 8;

/// Builds every column from the chunks (consuming them, so raw cells are freed as each chunk
/// is converted), then joins the parts and dictionary-encodes low-cardinality text.
pub fn build_columns(chunks: Vec<RawChunk>, plans: &[Plan]) -> (Vec<ColumnData>, Vec<u64>) {
    let parts: Vec<(Vec<ColumnData>, Vec<u64>)> = chunks
        .into_par_iter()
        .map(|chunk| {
            let cols = plans.iter().enumerate().map(|(j, &p)| convert(&chunk, j, p)).collect();
            (cols, chunk.lines)
        })
        .collect();
    let mut lines = Vec::with_capacity(parts.iter().map(|p| p.1.len()).sum());
    let mut by_column: Vec<Vec<ColumnData>> = plans.iter().map(|_| Vec::with_capacity(parts.len())).collect();
    for (cols, chunk_lines) in parts {
        lines.extend_from_slice(&chunk_lines);
        for (j, col) in cols.into_iter().enumerate() {
            by_column[j].push(col);
        }
    }
    let columns = by_column
        .into_par_iter()
        .zip(plans.par_iter())
        .map(|(parts, plan)| match plan {
            Plan::Text { dictionary: true } => dictionary_or_text(parts),
            _ => ColumnData::concat(parts),
        })
        .collect();
    (columns, lines)
}

/// Joins a text column's chunk parts as a dictionary column when it has few distinct values,
/// else as plain text. Parts are encoded in parallel; their small dictionaries then merge.
fn dictionary_or_text(parts: Vec<ColumnData>) -> ColumnData {
    let texts: Vec<StringColumn> = parts
        .into_iter()
        .map(|p| match p {
            ColumnData::Utf8(t) => t,
            other => unreachable!("text plan built {:?}", other.data_type()),
        })
        .collect();
    let values: usize = texts.iter().map(|t| t.validity().count_ones()).sum();
    let limit = (values / DICTIONARY_MAX_SHARE).min(DICTIONARY_MAX_DISTINCT);
    if limit >= DICTIONARY_MIN_LIMIT {
        let encoded: Option<Vec<DictionaryColumn>> =
            texts.par_iter().map(|t| DictionaryColumn::try_encode(t, limit)).collect();
        if let Some(encoded) = encoded {
            let joined = DictionaryColumn::concat(encoded.into_iter());
            if joined.dictionary().len() <= limit {
                return ColumnData::Dictionary(joined);
            }
        }
    }
    ColumnData::concat(texts.into_iter().map(ColumnData::Utf8).collect())
}

/// Converts column `j` of one chunk.
fn convert(chunk: &RawChunk, j: usize, plan: Plan) -> ColumnData {
    let rows = chunk.rows();
    let cell = |r: usize| chunk.cell(r, j).trim_ascii();
    match plan {
        Plan::Text { .. } => {
            let bytes: usize = (0..rows).map(|r| chunk.cell(r, j).len()).sum();
            let mut col = StringColumn::with_capacity(rows, bytes);
            for r in 0..rows {
                let v = cell(r);
                col.push_utf8_bytes((!v.is_empty()).then_some(v));
            }
            ColumnData::Utf8(col)
        }
        Plan::Int => ColumnData::Int64(primitive(rows, cell, infer::parse_int)),
        Plan::Decimal { mark } => {
            ColumnData::Float64(primitive(rows, cell, |v| infer::parse_decimal(v, mark)))
        }
        Plan::Date => ColumnData::Date(primitive(rows, cell, infer::parse_date)),
        Plan::Bool => boolean(rows, cell, infer::parse_bool),
        Plan::OptIn => boolean(rows, cell, |v| (infer::opt_in(v) == OptIn::Yes).then_some(true)),
    }
}

fn primitive<'a, T: Copy + Default>(
    rows: usize,
    cell: impl Fn(usize) -> &'a [u8],
    parse: impl Fn(&[u8]) -> Option<T>,
) -> PrimitiveColumn<T> {
    let mut values = Vec::with_capacity(rows);
    let mut validity = Bitmap::with_capacity(rows);
    for r in 0..rows {
        let v = cell(r);
        let parsed = if v.is_empty() { None } else { parse(v) };
        values.push(parsed.unwrap_or_default());
        validity.push(parsed.is_some());
    }
    PrimitiveColumn::new(values, validity)
}

fn boolean<'a>(
    rows: usize,
    cell: impl Fn(usize) -> &'a [u8],
    parse: impl Fn(&[u8]) -> Option<bool>,
) -> ColumnData {
    let mut values = Bitmap::with_capacity(rows);
    let mut validity = Bitmap::with_capacity(rows);
    for r in 0..rows {
        let v = cell(r);
        let parsed = if v.is_empty() { None } else { parse(v) };
        values.push(parsed.unwrap_or(false));
        validity.push(parsed.is_some());
    }
    ColumnData::Boolean(BooleanColumn { values, validity })
}
