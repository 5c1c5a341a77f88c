//! Column plans (how a column's cells are read, from its type mask), and joining the chunks'
//! column parts into whole columns.

use super::infer;
use super::parse::ParsedChunk;
use crate::columns::{ColumnData, DictionaryColumn, StringColumn};
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

impl Plan {
    /// Whether a part built by `self` is what `other` builds (text is text, dictionary or not).
    pub fn builds_like(self, other: Plan) -> bool {
        matches!((self, other), (Plan::Text { .. }, Plan::Text { .. })) || self == other
    }
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

/// Joins the chunks' column parts into whole columns (consuming them, so each part is freed
/// once joined), dictionary-encoding low-cardinality text, and their line numbers.
pub fn join_columns(chunks: Vec<ParsedChunk>, plans: &[Plan]) -> (Vec<ColumnData>, Vec<u64>) {
    let mut lines = Vec::with_capacity(chunks.iter().map(ParsedChunk::rows).sum());
    let mut by_column: Vec<Vec<ColumnData>> =
        plans.iter().map(|_| Vec::with_capacity(chunks.len())).collect();
    for chunk in chunks {
        lines.extend_from_slice(&chunk.lines);
        for (j, part) in chunk.columns.into_iter().enumerate() {
            by_column[j].push(part.expect("every column is built by the final plan"));
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
