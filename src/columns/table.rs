//! Named columns and the table that holds them.

use super::{Bitmap, ColumnData, DataType, PrimitiveColumn};
use serde::{Deserialize, Serialize};

/// The fields every stage knows by name, whatever header they came under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CanonicalField {
    #[serde(rename = "phoneNumber")]
    PhoneNumber,
    #[serde(rename = "email")]
    Email,
    #[serde(rename = "taxDocument")]
    TaxDocument,
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "city")]
    City,
    #[serde(rename = "address")]
    Address,
    #[serde(rename = "optIn")]
    OptIn,
}

impl CanonicalField {
    pub const ALL: [CanonicalField; 7] = [
        CanonicalField::PhoneNumber,
        CanonicalField::Email,
        CanonicalField::TaxDocument,
        CanonicalField::Name,
        CanonicalField::City,
        CanonicalField::Address,
        CanonicalField::OptIn,
    ];

    /// The canonical column name, e.g. `phoneNumber`.
    pub fn name(self) -> &'static str {
        match self {
            CanonicalField::PhoneNumber => "phoneNumber",
            CanonicalField::Email => "email",
            CanonicalField::TaxDocument => "taxDocument",
            CanonicalField::Name => "name",
            CanonicalField::City => "city",
            CanonicalField::Address => "address",
            CanonicalField::OptIn => "optIn",
        }
    }
}

/// What a column is to the pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "field")]
pub enum Role {
    /// A field every stage knows (phone, e-mail, ...).
    Canonical(CanonicalField),
    /// A behaviour attribute, kept under the header it was imported with.
    Attribute,
    /// Bookkeeping added by hyperseg (for example the source line of each row).
    System,
}

/// A named column.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    pub role: Role,
    pub data: ColumnData,
}

impl Column {
    /// A system column of integers, every row holding a value.
    pub fn system_ints(name: &str, values: Vec<i64>) -> Column {
        let rows = values.len();
        Column {
            name: name.to_owned(),
            role: Role::System,
            data: ColumnData::Int64(PrimitiveColumn::new(values, Bitmap::new_set(rows))),
        }
    }

    pub fn data_type(&self) -> DataType {
        self.data.data_type()
    }
}

/// Columns of equal length.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    rows: usize,
    columns: Vec<Column>,
    by_name: ByName,
}

/// Each column name's first position, so finding a column by name takes constant time and
/// work over every column of a wide table (thousands) stays linear.
#[derive(Clone, Default)]
struct ByName(ahash::AHashMap<String, usize>);

impl ByName {
    fn of(columns: &[Column]) -> ByName {
        let mut map = ahash::AHashMap::with_capacity(columns.len());
        for (i, c) in columns.iter().enumerate() {
            map.entry(c.name.clone()).or_insert(i);
        }
        ByName(map)
    }
}

/// Derived from the columns, so tables with equal columns have equal indexes.
impl PartialEq for ByName {
    fn eq(&self, _: &ByName) -> bool {
        true
    }
}

impl std::fmt::Debug for ByName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("(by name)")
    }
}

impl Table {
    /// Builds a table; panics when the columns differ in length (a programming error).
    pub fn new(rows: usize, columns: Vec<Column>) -> Self {
        for c in &columns {
            assert_eq!(c.data.len(), rows, "column {} has {} rows, expected {rows}", c.name, c.data.len());
        }
        let by_name = ByName::of(&columns);
        Self { rows, columns, by_name }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Adds (or replaces) a column of the same length, by name.
    pub fn set_column(&mut self, column: Column) {
        assert_eq!(column.data.len(), self.rows, "column {} has the wrong length", column.name);
        match self.by_name.0.get(&column.name) {
            Some(&i) => self.columns[i] = column,
            None => {
                self.by_name.0.insert(column.name.clone(), self.columns.len());
                self.columns.push(column);
            }
        }
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Drops every column after the first `n` (those added last).
    pub fn truncate_columns(&mut self, n: usize) {
        for c in self.columns.drain(n.min(self.columns.len())..) {
            self.by_name.0.remove(&c.name);
        }
    }

    #[cfg(test)]
    fn index_agrees(&self) -> bool {
        self.columns.iter().enumerate().all(|(i, c)| self.by_name.0.get(&c.name).is_some_and(|&j| j <= i))
    }

    /// The values of the integer column `name`, if there is one.
    pub fn ints(&self, name: &str) -> Option<&[i64]> {
        match self.column(name).map(|c| &c.data) {
            Some(ColumnData::Int64(c)) => Some(&c.values),
            _ => None,
        }
    }

    /// The column named `name`, if any.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.by_name.0.get(name).map(|&i| &self.columns[i])
    }

    /// The columns, by value (to extend a table without copying its buffers).
    pub fn into_columns(self) -> Vec<Column> {
        self.columns
    }

    /// The column holding canonical field `field`, if any.
    pub fn canonical(&self, field: CanonicalField) -> Option<&Column> {
        self.columns.iter().find(|c| c.role == Role::Canonical(field))
    }
}

#[cfg(test)]
mod set_column_tests {
    use super::*;

    #[test]
    fn a_column_set_later_is_found_by_name() {
        let mut t = Table::new(2, vec![Column::system_ints("a", vec![1, 2])]);
        t.set_column(Column::system_ints("b", vec![3, 4]));
        t.set_column(Column::system_ints("a", vec![5, 6]));
        assert_eq!(t.ints("b"), Some(&[3i64, 4][..]));
        assert_eq!(t.ints("a"), Some(&[5i64, 6][..]));
        assert_eq!(t.columns().len(), 2);
        assert!(t.index_agrees());
    }

    #[test]
    fn truncated_columns_are_no_longer_found() {
        let mut t = Table::new(1, vec![Column::system_ints("a", vec![1])]);
        t.set_column(Column::system_ints("b", vec![2]));
        t.set_column(Column::system_ints("c", vec![3]));
        t.truncate_columns(1);
        assert_eq!(t.columns().len(), 1);
        assert!(t.column("b").is_none() && t.column("c").is_none());
        assert_eq!(t.ints("a"), Some(&[1i64][..]));
        t.set_column(Column::system_ints("c", vec![4]));
        assert_eq!(t.ints("c"), Some(&[4i64][..]));
        assert!(t.index_agrees());
        t.truncate_columns(5);
        assert_eq!(t.columns().len(), 2);
    }
}
