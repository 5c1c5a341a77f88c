//! The typed column model every stage shares: plain buffers with validity bitmaps, and the
//! table that holds them. This is the ground floor: it imports no stage.
//!
//! Strings are offsets + bytes; low-cardinality strings are dictionary codes into a small
//! string column; numbers are `Vec<i64>` / `Vec<f64>`; dates are days since 1970-01-01 as
//! `i32`; booleans are a bitmap. Every column carries a validity bitmap (bit clear = empty).

mod bitmap;
pub mod hash;
mod string;
mod summary;
mod table;
mod take;

pub use bitmap::Bitmap;
pub use string::{DictionaryColumn, DictionaryEncoder, StringColumn, StringColumnError};
pub use summary::{ColumnSummary, summarize};
pub use table::{CanonicalField, Column, Role, Table};

use serde::{Deserialize, Serialize};

/// The logical type of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataType {
    /// Text as offsets + bytes.
    Utf8,
    /// Text as `u32` codes into a dictionary of distinct values.
    Dictionary,
    Int64,
    Float64,
    Boolean,
    /// Calendar date, days since 1970-01-01.
    Date,
}

impl DataType {
    /// The name shown to users: text, integer, decimal, boolean, date.
    pub fn user_name(self) -> &'static str {
        match self {
            DataType::Utf8 | DataType::Dictionary => "text",
            DataType::Int64 => "integer",
            DataType::Float64 => "decimal",
            DataType::Boolean => "boolean",
            DataType::Date => "date",
        }
    }
}

/// Fixed-width values with a validity bitmap.
#[derive(Clone, Debug, PartialEq)]
pub struct PrimitiveColumn<T> {
    pub values: Vec<T>,
    pub validity: Bitmap,
}

impl<T: Copy> PrimitiveColumn<T> {
    /// Builds a column; `values` and `validity` must have the same length.
    pub fn new(values: Vec<T>, validity: Bitmap) -> Self {
        assert_eq!(values.len(), validity.len(), "values and validity differ in length");
        Self { values, validity }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value of row `i`, or `None` where it is empty.
    pub fn get(&self, i: usize) -> Option<T> {
        self.validity.get(i).then(|| self.values[i])
    }
}

/// Booleans as a value bitmap plus a validity bitmap.
#[derive(Clone, Debug, PartialEq)]
pub struct BooleanColumn {
    pub values: Bitmap,
    pub validity: Bitmap,
}

impl BooleanColumn {
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<bool> {
        self.validity.get(i).then(|| self.values.get(i))
    }
}

/// One column's data, by type.
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnData {
    Utf8(StringColumn),
    Dictionary(DictionaryColumn),
    Int64(PrimitiveColumn<i64>),
    Float64(PrimitiveColumn<f64>),
    Boolean(BooleanColumn),
    Date(PrimitiveColumn<i32>),
}

/// A single value, borrowed from a column.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    Null,
    Text(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i32),
}

impl std::fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Value::Null => Ok(()),
            Value::Text(s) => f.write_str(s),
            Value::Int(v) => write!(f, "{v}"),
            Value::Float(v) => write!(f, "{v}"),
            Value::Bool(v) => write!(f, "{v}"),
            Value::Date(d) => match date_from_days(d) {
                Some(date) => write!(f, "{}", date.format("%Y-%m-%d")),
                None => write!(f, "{d}"),
            },
        }
    }
}

/// The calendar date `days` after 1970-01-01.
pub fn date_from_days(days: i32) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?
        .checked_add_signed(chrono::TimeDelta::try_days(i64::from(days))?)
}

/// Days from 1970-01-01 to `date`.
pub fn days_from_date(date: chrono::NaiveDate) -> i32 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("1970-01-01 is a date");
    (date - epoch).num_days() as i32
}

impl ColumnData {
    pub fn data_type(&self) -> DataType {
        match self {
            ColumnData::Utf8(_) => DataType::Utf8,
            ColumnData::Dictionary(_) => DataType::Dictionary,
            ColumnData::Int64(_) => DataType::Int64,
            ColumnData::Float64(_) => DataType::Float64,
            ColumnData::Boolean(_) => DataType::Boolean,
            ColumnData::Date(_) => DataType::Date,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            ColumnData::Utf8(c) => c.len(),
            ColumnData::Dictionary(c) => c.len(),
            ColumnData::Int64(c) => c.len(),
            ColumnData::Float64(c) => c.len(),
            ColumnData::Boolean(c) => c.len(),
            ColumnData::Date(c) => c.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The validity bitmap (bit set = the row has a value).
    pub fn validity(&self) -> &Bitmap {
        match self {
            ColumnData::Utf8(c) => c.validity(),
            ColumnData::Dictionary(c) => c.validity(),
            ColumnData::Int64(c) => &c.validity,
            ColumnData::Float64(c) => &c.validity,
            ColumnData::Boolean(c) => &c.validity,
            ColumnData::Date(c) => &c.validity,
        }
    }

    /// The value of row `i`.
    pub fn value(&self, i: usize) -> Value<'_> {
        let v = match self {
            ColumnData::Utf8(c) => c.get(i).map(Value::Text),
            ColumnData::Dictionary(c) => c.get(i).map(Value::Text),
            ColumnData::Int64(c) => c.get(i).map(Value::Int),
            ColumnData::Float64(c) => c.get(i).map(Value::Float),
            ColumnData::Boolean(c) => c.get(i).map(Value::Bool),
            ColumnData::Date(c) => c.get(i).map(Value::Date),
        };
        v.unwrap_or(Value::Null)
    }

    /// Joins same-typed parts, in order, into one column. Dictionary parts are re-coded
    /// into one shared dictionary. Panics when the parts' types differ.
    pub fn concat(parts: Vec<ColumnData>) -> ColumnData {
        let Some(first) = parts.first() else {
            return ColumnData::Utf8(StringColumn::default());
        };
        let ty = first.data_type();
        assert!(parts.iter().all(|p| p.data_type() == ty), "concat of mixed column types");
        macro_rules! unwrap_all {
            ($variant:ident) => {
                parts.into_iter().map(|p| match p {
                    ColumnData::$variant(c) => c,
                    _ => unreachable!("types checked above"),
                })
            };
        }
        match ty {
            DataType::Utf8 => ColumnData::Utf8(StringColumn::concat(unwrap_all!(Utf8))),
            DataType::Dictionary => ColumnData::Dictionary(DictionaryColumn::concat(unwrap_all!(Dictionary))),
            DataType::Int64 => ColumnData::Int64(concat_primitive(unwrap_all!(Int64))),
            DataType::Float64 => ColumnData::Float64(concat_primitive(unwrap_all!(Float64))),
            DataType::Date => ColumnData::Date(concat_primitive(unwrap_all!(Date))),
            DataType::Boolean => {
                let mut values = Bitmap::default();
                let mut validity = Bitmap::default();
                for c in unwrap_all!(Boolean) {
                    values.extend_from_bitmap(&c.values);
                    validity.extend_from_bitmap(&c.validity);
                }
                ColumnData::Boolean(BooleanColumn { values, validity })
            }
        }
    }
}

/// Builds a column of type `ty` from values; text columns take any value as its text, other
/// types take values of their own kind (anything else becomes empty).
pub fn column_from_values<'a>(
    ty: DataType,
    len: usize,
    values: impl Iterator<Item = Value<'a>>,
) -> ColumnData {
    match ty {
        DataType::Utf8 | DataType::Dictionary => {
            let mut c = StringColumn::with_capacity(len, len * 8);
            for v in values {
                match v {
                    Value::Null => c.push(None),
                    Value::Text(s) => c.push(Some(s)),
                    other => c.push(Some(&other.to_string())),
                }
            }
            ColumnData::Utf8(c)
        }
        DataType::Int64 => ColumnData::Int64(primitive_from(len, values, |v| match v {
            Value::Int(i) => Some(i),
            _ => None,
        })),
        DataType::Float64 => ColumnData::Float64(primitive_from(len, values, |v| match v {
            Value::Float(f) => Some(f),
            _ => None,
        })),
        DataType::Date => ColumnData::Date(primitive_from(len, values, |v| match v {
            Value::Date(d) => Some(d),
            _ => None,
        })),
        DataType::Boolean => {
            let mut values_bits = Bitmap::with_capacity(len);
            let mut validity = Bitmap::with_capacity(len);
            for v in values {
                let b = if let Value::Bool(b) = v { Some(b) } else { None };
                values_bits.push(b.unwrap_or(false));
                validity.push(b.is_some());
            }
            ColumnData::Boolean(BooleanColumn { values: values_bits, validity })
        }
    }
}

fn primitive_from<'a, T: Copy + Default>(
    len: usize,
    values: impl Iterator<Item = Value<'a>>,
    pick: impl Fn(Value<'a>) -> Option<T>,
) -> PrimitiveColumn<T> {
    let mut out = Vec::with_capacity(len);
    let mut validity = Bitmap::with_capacity(len);
    for v in values {
        let p = pick(v);
        out.push(p.unwrap_or_default());
        validity.push(p.is_some());
    }
    PrimitiveColumn::new(out, validity)
}

fn concat_primitive<T: Copy>(parts: impl Iterator<Item = PrimitiveColumn<T>>) -> PrimitiveColumn<T> {
    let parts: Vec<_> = parts.collect();
    let n = parts.iter().map(|p| p.len()).sum();
    let mut values = Vec::with_capacity(n);
    let mut validity = Bitmap::with_capacity(n);
    for p in parts {
        values.extend_from_slice(&p.values);
        validity.extend_from_bitmap(&p.validity);
    }
    PrimitiveColumn::new(values, validity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concat_keeps_order_and_nulls() {
        let a = ColumnData::Int64(PrimitiveColumn::new(vec![1, 0], {
            let mut b = Bitmap::new_set(2);
            b.set(1, false);
            b
        }));
        let b = ColumnData::Int64(PrimitiveColumn::new(vec![3], Bitmap::new_set(1)));
        let c = ColumnData::concat(vec![a, b]);
        assert_eq!(c.len(), 3);
        assert_eq!(c.value(0), Value::Int(1));
        assert_eq!(c.value(1), Value::Null);
        assert_eq!(c.value(2), Value::Int(3));
    }

    #[test]
    fn dates_round_trip_through_days() {
        let d = chrono::NaiveDate::from_ymd_opt(2023, 7, 10).unwrap();
        let days = days_from_date(d);
        assert_eq!(date_from_days(days), Some(d));
        assert_eq!(Value::Date(days).to_string(), "2023-07-10");
        assert_eq!(days_from_date(chrono::NaiveDate::from_ymd_opt(1970, 1, 2).unwrap()), 1);
    }
}
