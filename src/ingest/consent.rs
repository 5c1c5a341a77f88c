//! Consent statements: a row that says no to the opt-in is not imported as a record, but
//! kept as a statement for its identifiers (phone, e-mail, CPF as written), with the import
//! that made it. The identity stage links statements to profiles: a profile is opted out when
//! its most recent statement (an opted-out row linked to it, or one of its records saying
//! yes) is a no. The workspace keeps one statement per distinct set of identifiers, the most
//! recent, in `imports/optouts-G.hsc` (G the records generation).

use super::header::HeaderColumn;
use super::parse::OptedOutRow;
use crate::columns::{CanonicalField, Column, ColumnData, Role, StringColumn, Table};

/// The column holding the import of each statement.
pub const IMPORT_COLUMN: &str = "import";

const FIELDS: [CanonicalField; 3] =
    [CanonicalField::PhoneNumber, CanonicalField::Email, CanonicalField::TaxDocument];

/// The identifiers of opted-out rows as a table (phone, e-mail, CPF as text; `_line`).
pub fn opt_out_table(columns: &[HeaderColumn], rows: &[OptedOutRow]) -> Table {
    let mut out: Vec<Column> = FIELDS
        .iter()
        .map(|&f| {
            let at = columns.iter().position(|c| c.canonical == Some(f));
            let text: StringColumn = rows
                .iter()
                .map(|r| at.and_then(|j| r.fields.get(j)).map(String::as_str).filter(|v| !v.is_empty()))
                .collect();
            Column { name: f.name().to_owned(), role: Role::Canonical(f), data: ColumnData::Utf8(text) }
        })
        .collect();
    out.push(Column::system_ints(super::LINE_COLUMN, rows.iter().map(|r| r.line as i64).collect()));
    Table::new(rows.len(), out)
}

/// A statement's identifiers, for deduplication.
type Triple = [Option<String>; 3];

fn triple(t: &Table, row: usize) -> Triple {
    FIELDS.map(|f| {
        t.canonical(f).and_then(|c| match c.data.value(row) {
            crate::columns::Value::Text(s) => Some(s.to_owned()),
            _ => None,
        })
    })
}

/// The statements of `previous` (with their imports) and of each new import's opted-out
/// rows, one per distinct set of identifiers, the most recent kept; and whether any new
/// import stated something not stated before.
pub fn merge(previous: &Table, new: &[(i64, &Table)]) -> (Table, bool) {
    let mut latest: indexmap_like::Ordered = indexmap_like::Ordered::default();
    let imports = previous.ints(IMPORT_COLUMN).unwrap_or(&[]);
    for (row, &import) in imports.iter().enumerate() {
        latest.put(triple(previous, row), import);
    }
    let mut fresh = false;
    for &(import, t) in new {
        for row in 0..t.rows() {
            let key = triple(t, row);
            if key.iter().all(Option::is_none) {
                continue;
            }
            fresh |= !latest.contains(&key);
            latest.put(key, import);
        }
    }
    (latest.into_table(), fresh)
}

/// An insertion-ordered map of statements (so the file's order is stable).
mod indexmap_like {
    use super::*;

    #[derive(Default)]
    pub struct Ordered {
        index: hashbrown::HashMap<Triple, usize>,
        rows: Vec<(Triple, i64)>,
    }

    impl Ordered {
        pub fn contains(&self, k: &Triple) -> bool {
            self.index.contains_key(k)
        }

        pub fn put(&mut self, k: Triple, import: i64) {
            match self.index.get(&k) {
                Some(&i) => self.rows[i].1 = self.rows[i].1.max(import),
                None => {
                    self.index.insert(k.clone(), self.rows.len());
                    self.rows.push((k, import));
                }
            }
        }

        pub fn into_table(self) -> Table {
            let n = self.rows.len();
            let mut columns: Vec<Column> = FIELDS
                .iter()
                .enumerate()
                .map(|(i, &f)| Column {
                    name: f.name().to_owned(),
                    role: Role::Canonical(f),
                    data: ColumnData::Utf8(self.rows.iter().map(|(k, _)| k[i].as_deref()).collect()),
                })
                .collect();
            columns.push(Column::system_ints(IMPORT_COLUMN, self.rows.iter().map(|(_, i)| *i).collect()));
            Table::new(n, columns)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statements(rows: &[(&str, &str)]) -> Table {
        let cols = [
            HeaderColumn {
                header: "Telefone".into(),
                name: "phoneNumber".into(),
                canonical: Some(CanonicalField::PhoneNumber),
            },
            HeaderColumn {
                header: "E-mail".into(),
                name: "email".into(),
                canonical: Some(CanonicalField::Email),
            },
        ];
        let rows: Vec<OptedOutRow> = rows
            .iter()
            .enumerate()
            .map(|(i, (p, e))| OptedOutRow { line: i as u64 + 2, fields: vec![(*p).into(), (*e).into()] })
            .collect();
        opt_out_table(&cols, &rows)
    }

    #[test]
    fn repeated_statements_are_kept_once_with_their_latest_import() {
        let first = statements(&[("11987654321", "ana@x.com")]);
        let (merged, fresh) = merge(&Table::default(), &[(1, &first)]);
        assert!(fresh);
        assert_eq!(merged.rows(), 1);
        let again = statements(&[("11987654321", "ana@x.com"), ("11911112222", "")]);
        let (merged, fresh) = merge(&merged, &[(4, &again)]);
        assert!(fresh, "the second row is a new statement");
        assert_eq!(merged.rows(), 2);
        assert_eq!(merged.ints(IMPORT_COLUMN), Some(&[4i64, 4][..]));
        let (_, fresh) = merge(&merged, &[(5, &statements(&[("11987654321", "ana@x.com")]))]);
        assert!(!fresh);
    }
}
