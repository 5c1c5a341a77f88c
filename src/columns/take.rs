//! Gathering rows: a column or table holding only the chosen rows, in the order given.

use super::{Bitmap, BooleanColumn, ColumnData, DictionaryColumn, PrimitiveColumn, StringColumn, Table};

fn take_bits(bits: &Bitmap, rows: &[u32]) -> Bitmap {
    let mut out = Bitmap::with_capacity(rows.len());
    for &r in rows {
        out.push(bits.get(r as usize));
    }
    out
}

fn take_primitive<T: Copy>(c: &PrimitiveColumn<T>, rows: &[u32]) -> PrimitiveColumn<T> {
    PrimitiveColumn::new(rows.iter().map(|&r| c.values[r as usize]).collect(), take_bits(&c.validity, rows))
}

impl ColumnData {
    /// The rows `rows` of this column, in that order (rows may repeat). Dictionary columns
    /// keep their dictionary. Panics when a row is out of range.
    pub fn take(&self, rows: &[u32]) -> ColumnData {
        match self {
            ColumnData::Utf8(c) => {
                let mut out = StringColumn::with_capacity(rows.len(), rows.len() * 12);
                for &r in rows {
                    let r = r as usize;
                    out.push_utf8_bytes(c.validity().get(r).then(|| c.raw_bytes(r)));
                }
                ColumnData::Utf8(out)
            }
            ColumnData::Dictionary(c) => {
                let codes = rows.iter().map(|&r| c.codes()[r as usize]).collect();
                let validity = take_bits(c.validity(), rows);
                ColumnData::Dictionary(
                    DictionaryColumn::from_parts(codes, c.dictionary().clone(), validity)
                        .expect("codes taken from a valid column stay in range"),
                )
            }
            ColumnData::Int64(c) => ColumnData::Int64(take_primitive(c, rows)),
            ColumnData::Float64(c) => ColumnData::Float64(take_primitive(c, rows)),
            ColumnData::Date(c) => ColumnData::Date(take_primitive(c, rows)),
            ColumnData::Boolean(c) => ColumnData::Boolean(BooleanColumn {
                values: take_bits(&c.values, rows),
                validity: take_bits(&c.validity, rows),
            }),
        }
    }
}

impl Table {
    /// A table of the rows `rows` of this one, in that order.
    pub fn take(&self, rows: &[u32]) -> Table {
        use rayon::prelude::*;
        let columns = self
            .columns()
            .par_iter()
            .map(|c| super::Column { name: c.name.clone(), role: c.role, data: c.data.take(rows) })
            .collect();
        Table::new(rows.len(), columns)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Column, Value};
    use super::*;

    fn bits(v: &[bool]) -> Bitmap {
        let mut b = Bitmap::default();
        for &x in v {
            b.push(x);
        }
        b
    }

    #[test]
    fn take_keeps_values_nulls_and_order_for_every_type() {
        let text = StringColumn::from_iter([Some("a"), None, Some("c")]);
        let dict = DictionaryColumn::encode(&text);
        let ints = PrimitiveColumn::new(vec![1i64, 2, 3], bits(&[true, true, false]));
        let bools =
            BooleanColumn { values: bits(&[true, false, true]), validity: bits(&[true, true, false]) };
        let cols = vec![
            ColumnData::Utf8(text),
            ColumnData::Dictionary(dict),
            ColumnData::Int64(ints),
            ColumnData::Boolean(bools),
        ];
        let table = Table::new(
            3,
            cols.into_iter()
                .enumerate()
                .map(|(i, data)| Column { name: format!("c{i}"), role: super::super::Role::Attribute, data })
                .collect(),
        );
        let rows = [2u32, 0, 0, 1];
        let t = table.take(&rows);
        assert_eq!(t.rows(), 4);
        for (orig, got) in table.columns().iter().zip(t.columns()) {
            for (i, &r) in rows.iter().enumerate() {
                assert_eq!(got.data.value(i), orig.data.value(r as usize), "column {}", orig.name);
            }
        }
        assert_eq!(t.columns()[0].data.value(0), Value::Text("c"));
        assert_eq!(t.columns()[2].data.value(0), Value::Null);
    }
}
