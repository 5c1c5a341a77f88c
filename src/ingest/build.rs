//! Column plans (how a column's cells are read, from its type mask), and joining the chunks'
//! column parts into whole columns.

use super::infer;
use super::parse::ParsedChunk;
use crate::columns::{ColumnData, DictionaryColumn};
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
/// Below this many distinct values allowed, a dictionary gains nothing.
const DICTIONARY_MIN_LIMIT: usize = 8;

/// Joins the chunks' column parts into whole columns (consuming them, so each part is freed
/// once joined), dictionary-encoding low-cardinality text, and their line numbers (as the
/// `_line` column holds them).
pub fn join_columns(chunks: Vec<ParsedChunk>, plans: &[Plan]) -> (Vec<ColumnData>, Vec<i64>) {
    let mut lines = Vec::with_capacity(chunks.iter().map(ParsedChunk::rows).sum());
    let mut by_column: Vec<Vec<ColumnData>> =
        plans.iter().map(|_| Vec::with_capacity(chunks.len())).collect();
    for chunk in chunks {
        lines.extend(chunk.lines.iter().map(|&l| l as i64));
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

/// Joins a text column's chunk parts (dictionary-encoded as they were read, or plain text
/// where a part had too many distinct values) as a dictionary column when the whole column has
/// at most one distinct value per `DICTIONARY_MAX_SHARE` values (and at most
/// `DictionaryColumn::MAX_DISTINCT`), else as plain text. The rule looks at the whole column, so how
/// the rows were split into parts never changes the outcome.
fn dictionary_or_text(parts: Vec<ColumnData>) -> ColumnData {
    let values: usize = parts.iter().map(|p| p.validity().count_ones()).sum();
    let limit = (values / DICTIONARY_MAX_SHARE).min(DictionaryColumn::MAX_DISTINCT);
    if parts.iter().all(|p| matches!(p, ColumnData::Dictionary(_))) {
        let dictionaries = parts.into_iter().map(|p| match p {
            ColumnData::Dictionary(d) => d,
            _ => unreachable!("checked above"),
        });
        let joined = DictionaryColumn::concat(dictionaries);
        if limit >= DICTIONARY_MIN_LIMIT && joined.dictionary().len() <= limit {
            return ColumnData::Dictionary(joined);
        }
        return ColumnData::Utf8(joined.to_text());
    }
    let texts = parts.into_iter().map(|p| match p {
        ColumnData::Dictionary(d) => ColumnData::Utf8(d.to_text()),
        text => text,
    });
    ColumnData::concat(texts.collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::StringColumn;

    fn text(values: &[Option<&str>]) -> StringColumn {
        values.iter().copied().collect()
    }

    #[test]
    fn text_parts_decide_dictionary_or_text_by_the_whole_column() {
        let a = text(&[Some("x"), None, Some("y"), Some("x")]);
        let b = text(&[Some("z"), Some("x"), Some("x"), Some("y")]);
        let whole =
            text(&[Some("x"), None, Some("y"), Some("x"), Some("z"), Some("x"), Some("x"), Some("y")]);
        // A part that fell back to text makes the column text, with every value kept.
        let mixed = dictionary_or_text(vec![
            ColumnData::Dictionary(DictionaryColumn::encode(&a)),
            ColumnData::Utf8(b.clone()),
        ]);
        assert_eq!(mixed, ColumnData::Utf8(whole.clone()));
        // 7 values allow at most 1 distinct value (7 / 4): too few for a dictionary.
        let parts = || {
            vec![
                ColumnData::Dictionary(DictionaryColumn::encode(&a)),
                ColumnData::Dictionary(DictionaryColumn::encode(&b)),
            ]
        };
        assert_eq!(dictionary_or_text(parts()), ColumnData::Utf8(whole));
        // Many repeats of few values make a dictionary, in first-seen order.
        let many: Vec<ColumnData> =
            (0..12).map(|_| ColumnData::Dictionary(DictionaryColumn::encode(&b))).collect();
        let ColumnData::Dictionary(d) = dictionary_or_text(many) else { panic!("3 distinct in 48 values") };
        assert_eq!(d.dictionary().get(0), Some("z"));
        assert_eq!(d.len(), 48);
    }
}
