//! Columns under construction. Every kept cell is typed by its column's plan as it is parsed,
//! and adds to its column's type mask on the way, one reading of the value serving both.
//!
//! The plan a chunk is parsed with is a guess (made from the first rows of the file); the
//! masks are exact, so once every chunk is parsed the real plan is known, and a chunk whose
//! guess was wrong for a column parses that column again (see `parse::reparse`).

use super::build::Plan;
use super::infer::{self, BOOL, DATE, DEC_COMMA, DEC_DOT, INT};
use crate::columns::{
    Bitmap, BooleanColumn, ColumnData, DictionaryColumn, DictionaryEncoder, PrimitiveColumn, StringColumn,
};

/// One column of one chunk, being built.
#[derive(Debug)]
pub enum ColumnBuilder {
    /// Not built in this pass: only its type mask is kept.
    Skip,
    Text(StringColumn),
    /// Text that may become a dictionary column: encoded as it is read, until it has more
    /// distinct values than any dictionary may hold, and then plain text.
    Dictionary(DictionaryEncoder),
    Int(Vec<i64>, Bitmap),
    Decimal {
        mark: u8,
        values: Vec<f64>,
        validity: Bitmap,
    },
    Date(Vec<i32>, Bitmap),
    Bool {
        values: Bitmap,
        validity: Bitmap,
    },
    /// The opt-in column: yes → true, anything else → empty. Filled by [`Self::push_opt_in`].
    OptIn {
        values: Bitmap,
        validity: Bitmap,
    },
}

impl ColumnBuilder {
    /// A builder for `plan` (`None`: skip), with room for about `rows` rows of `bytes` text.
    pub fn new(plan: Option<Plan>, rows: usize, bytes: usize) -> Self {
        let Some(plan) = plan else { return ColumnBuilder::Skip };
        let bits = || Bitmap::with_capacity(rows);
        match plan {
            Plan::Text { dictionary: false } => ColumnBuilder::Text(StringColumn::with_capacity(rows, bytes)),
            Plan::Text { dictionary: true } => {
                ColumnBuilder::Dictionary(DictionaryEncoder::new(rows, DictionaryColumn::MAX_DISTINCT))
            }
            Plan::Int => ColumnBuilder::Int(Vec::with_capacity(rows), bits()),
            Plan::Decimal { mark } => {
                ColumnBuilder::Decimal { mark, values: Vec::with_capacity(rows), validity: bits() }
            }
            Plan::Date => ColumnBuilder::Date(Vec::with_capacity(rows), bits()),
            Plan::Bool => ColumnBuilder::Bool { values: bits(), validity: bits() },
            Plan::OptIn => ColumnBuilder::OptIn { values: bits(), validity: bits() },
        }
    }

    /// Adds the trimmed cell `v` (empty: no value), narrowing `mask` to the types `v` fits
    /// (a zero mask learns nothing and costs nothing).
    #[inline]
    pub fn push(&mut self, v: &[u8], mask: &mut u8) {
        if v.is_empty() {
            self.push_empty();
            return;
        }
        match self {
            ColumnBuilder::Skip => narrow(mask, v),
            ColumnBuilder::Text(c) => {
                narrow(mask, v);
                c.push_utf8_bytes(Some(v));
            }
            ColumnBuilder::Dictionary(d) => {
                narrow(mask, v);
                if !d.push(Some(v)) {
                    let mut text = d.to_text();
                    text.push_utf8_bytes(Some(v));
                    *self = ColumnBuilder::Text(text);
                }
            }
            ColumnBuilder::Int(values, validity) => {
                let parsed = infer::parse_int(v);
                // What `value_mask` gives an integer, without parsing it twice.
                match parsed {
                    Some(_) if *mask & INT != 0 => *mask &= INT | DEC_DOT | DEC_COMMA,
                    _ => narrow(mask, v),
                }
                values.push(parsed.unwrap_or_default());
                validity.push(parsed.is_some());
            }
            ColumnBuilder::Decimal { mark, values, validity } => {
                let parsed = infer::parse_decimal(v, *mark);
                let own = if *mark == b'.' { DEC_DOT } else { DEC_COMMA };
                narrow_knowing(mask, v, own, parsed.is_some());
                values.push(parsed.unwrap_or_default());
                validity.push(parsed.is_some());
            }
            ColumnBuilder::Date(values, validity) => {
                let parsed = infer::parse_date(v);
                narrow_knowing(mask, v, DATE, parsed.is_some());
                values.push(parsed.unwrap_or_default());
                validity.push(parsed.is_some());
            }
            ColumnBuilder::Bool { values, validity } => {
                let parsed = infer::parse_bool(v);
                narrow_knowing(mask, v, BOOL, parsed.is_some());
                values.push(parsed.unwrap_or(false));
                validity.push(parsed.is_some());
            }
            ColumnBuilder::OptIn { .. } => unreachable!("opt-in cells go through push_opt_in"),
        }
    }

    /// Adds an empty cell.
    #[inline]
    fn push_empty(&mut self) {
        match self {
            ColumnBuilder::Skip => {}
            ColumnBuilder::Text(c) => c.push_utf8_bytes(None),
            ColumnBuilder::Dictionary(d) => {
                d.push(None);
            }
            ColumnBuilder::Int(values, validity) => {
                values.push(0);
                validity.push(false);
            }
            ColumnBuilder::Decimal { values, validity, .. } => {
                values.push(0.0);
                validity.push(false);
            }
            ColumnBuilder::Date(values, validity) => {
                values.push(0);
                validity.push(false);
            }
            ColumnBuilder::Bool { values, validity } | ColumnBuilder::OptIn { values, validity } => {
                values.push(false);
                validity.push(false);
            }
        }
    }

    /// Adds an opt-in cell already read by the row rules: `yes` is true, anything else empty.
    #[inline]
    pub fn push_opt_in(&mut self, yes: bool) {
        match self {
            ColumnBuilder::Skip => {}
            ColumnBuilder::OptIn { values, validity } => {
                values.push(yes);
                validity.push(yes);
            }
            other => unreachable!("the opt-in column is built as opt-in, not {other:?}"),
        }
    }

    /// The finished column; `None` for a skipped one.
    pub fn finish(self) -> Option<ColumnData> {
        Some(match self {
            ColumnBuilder::Skip => return None,
            ColumnBuilder::Text(c) => ColumnData::Utf8(c),
            ColumnBuilder::Dictionary(d) => ColumnData::Dictionary(d.finish()),
            ColumnBuilder::Int(values, validity) => ColumnData::Int64(PrimitiveColumn::new(values, validity)),
            ColumnBuilder::Decimal { values, validity, .. } => {
                ColumnData::Float64(PrimitiveColumn::new(values, validity))
            }
            ColumnBuilder::Date(values, validity) => ColumnData::Date(PrimitiveColumn::new(values, validity)),
            ColumnBuilder::Bool { values, validity } | ColumnBuilder::OptIn { values, validity } => {
                ColumnData::Boolean(BooleanColumn { values, validity })
            }
        })
    }
}

/// Narrows `mask` by the non-empty value `v`.
#[inline]
fn narrow(mask: &mut u8, v: &[u8]) {
    if *mask != 0 {
        *mask &= infer::value_mask(v, *mask);
    }
}

/// Narrows `mask` by `v` when whether `v` fits the type `own` is already known (`fits`), so
/// that type is not tested twice. Gives exactly what [`narrow`] gives.
#[inline]
fn narrow_knowing(mask: &mut u8, v: &[u8], own: u8, fits: bool) {
    if *mask != 0 {
        let others = infer::value_mask(v, *mask & !own);
        *mask &= others | if fits { own } else { 0 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knowing_one_type_narrows_as_testing_all_does() {
        let values: [&[u8]; 16] = [
            b"12",
            b"-7",
            b"007",
            b"1.234",
            b"1.234,56",
            b"723,34",
            b"1,234.5",
            b"1e-3",
            b"10/07/2023",
            b"2023-07-10",
            b"sim",
            "NÃO".as_bytes(),
            b"frio",
            b"+55 11",
            b".5",
            b"31/02/2023",
        ];
        for v in values {
            for start in 0..=infer::ALL {
                let mut want = start;
                narrow(&mut want, v);
                for (own, fits) in [
                    (DEC_DOT, infer::parse_decimal(v, b'.').is_some()),
                    (DEC_COMMA, infer::parse_decimal(v, b',').is_some()),
                    (DATE, infer::parse_date(v).is_some()),
                    (BOOL, infer::parse_bool(v).is_some()),
                ] {
                    let mut got = start;
                    narrow_knowing(&mut got, v, own, fits);
                    assert_eq!(got, want, "{} from {start:#b}, own {own:#b}", String::from_utf8_lossy(v));
                }
                let mut int = ColumnBuilder::new(Some(Plan::Int), 1, 0);
                let mut got = start;
                int.push(v, &mut got);
                assert_eq!(got, want, "int plan, {} from {start:#b}", String::from_utf8_lossy(v));
            }
        }
    }

    #[test]
    fn dictionary_turns_to_text_past_its_limit() {
        let mut b = ColumnBuilder::new(Some(Plan::Text { dictionary: true }), 0, 0);
        let mut mask = 0;
        b.push(b"", &mut mask);
        for i in 0..=DictionaryColumn::MAX_DISTINCT {
            b.push(format!("v{i}").as_bytes(), &mut mask);
        }
        b.push(b"v0", &mut mask);
        let Some(ColumnData::Utf8(t)) = b.finish() else { panic!("past the limit the column is text") };
        assert_eq!(t.len(), DictionaryColumn::MAX_DISTINCT + 3);
        assert_eq!(t.get(0), None);
        assert_eq!(t.get(1), Some("v0"));
        assert_eq!(
            t.get(DictionaryColumn::MAX_DISTINCT + 1),
            Some(format!("v{}", DictionaryColumn::MAX_DISTINCT).as_str())
        );
        assert_eq!(t.get(DictionaryColumn::MAX_DISTINCT + 2), Some("v0"));

        let mut b = ColumnBuilder::new(Some(Plan::Text { dictionary: true }), 0, 0);
        for v in ["b", "a", "", "b"] {
            b.push(v.as_bytes(), &mut mask);
        }
        let Some(ColumnData::Dictionary(d)) = b.finish() else { panic!("few values stay a dictionary") };
        assert_eq!((0..4).map(|i| d.get(i)).collect::<Vec<_>>(), [Some("b"), Some("a"), None, Some("b")]);
        assert_eq!(d.dictionary().len(), 2);
    }
}
