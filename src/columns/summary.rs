//! Column statistics for people choosing fields: how many rows have a value, how many distinct
//! values there are, and the most frequent ones.

use super::{ColumnData, Value};
use hashbrown::HashMap;
use serde::Serialize;

/// What a column holds, in numbers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnSummary {
    pub rows: usize,
    /// Rows with a value.
    pub non_empty: usize,
    pub distinct: usize,
    /// The most frequent values with their counts, most frequent first (ties by value).
    pub top: Vec<(String, usize)>,
}

/// A hashable view of a value.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Key<'a> {
    Text(&'a str),
    Int(i64),
    Float(u64),
    Bool(bool),
    Date(i32),
}

impl<'a> From<Key<'a>> for Value<'a> {
    fn from(k: Key<'a>) -> Value<'a> {
        match k {
            Key::Text(s) => Value::Text(s),
            Key::Int(v) => Value::Int(v),
            Key::Float(bits) => Value::Float(f64::from_bits(bits)),
            Key::Bool(b) => Value::Bool(b),
            Key::Date(d) => Value::Date(d),
        }
    }
}

/// Summarises `data`, keeping the `top` most frequent values.
pub fn summarize(data: &ColumnData, top: usize) -> ColumnSummary {
    let rows = data.len();
    let mut counts: HashMap<Key, usize, ahash::RandomState> = HashMap::default();
    if let ColumnData::Dictionary(d) = data {
        // Once per code, then per distinct value.
        let mut per_code = vec![0usize; d.dictionary().len()];
        for i in d.validity().iter_ones() {
            per_code[d.codes()[i] as usize] += 1;
        }
        for (code, &n) in per_code.iter().enumerate().filter(|(_, n)| **n > 0) {
            *counts.entry(Key::Text(d.dictionary().raw(code))).or_default() += n;
        }
    } else {
        for i in data.validity().iter_ones() {
            let key = match data.value(i) {
                Value::Text(s) => Key::Text(s),
                Value::Int(v) => Key::Int(v),
                Value::Float(v) => Key::Float(v.to_bits()),
                Value::Bool(b) => Key::Bool(b),
                Value::Date(d) => Key::Date(d),
                Value::Null => continue,
            };
            *counts.entry(key).or_default() += 1;
        }
    }
    let non_empty = counts.values().sum();
    let distinct = counts.len();
    let mut ranked: Vec<(String, usize)> =
        counts.into_iter().map(|(k, n)| (Value::from(k).to_string(), n)).collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(top);
    ColumnSummary { rows, non_empty, distinct, top: ranked }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::{Bitmap, DictionaryColumn, PrimitiveColumn, StringColumn};

    #[test]
    fn counts_values_distinct_and_top() {
        let mut s = StringColumn::default();
        for v in [Some("Santos"), None, Some("Recife"), Some("Santos"), Some("Natal")] {
            s.push(v);
        }
        let plain = summarize(&ColumnData::Utf8(s.clone()), 2);
        assert_eq!(plain.rows, 5);
        assert_eq!(plain.non_empty, 4);
        assert_eq!(plain.distinct, 3);
        assert_eq!(plain.top, vec![("Santos".to_owned(), 2), ("Natal".to_owned(), 1)]);
        assert_eq!(summarize(&ColumnData::Dictionary(DictionaryColumn::encode(&s)), 2), plain);

        let mut valid = Bitmap::new_set(4);
        valid.set(3, false);
        let ints = ColumnData::Int64(PrimitiveColumn::new(vec![7, 7, 3, 0], valid));
        let got = summarize(&ints, 5);
        assert_eq!((got.non_empty, got.distinct), (3, 2));
        assert_eq!(got.top[0], ("7".to_owned(), 2));
    }
}
