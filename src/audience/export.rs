//! Writing an audience out: one row per profile, the phone (international digits) first, ready
//! for a bulk-messaging tool.

use super::AudienceError;
use crate::columns::{Bitmap, ColumnData, Table, Value};
use crate::store::StoreError;
use std::path::Path;

/// The columns of an export: phone, name, e-mail, city, then `fields` (those the audience's
/// definition uses, or every field), each once, skipping any the table lacks.
pub fn export_columns(table: &Table, fields: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let lead = ["phoneNumber", "name", "email", "city"].iter().map(|s| (*s).to_owned());
    for name in lead.chain(fields.iter().cloned()) {
        let folded = crate::text::fold(&name);
        if let Some(c) = table.columns().iter().find(|c| crate::text::fold(&c.name) == folded)
            && !out.contains(&c.name)
        {
            out.push(c.name.clone());
        }
    }
    out
}

/// A text cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a
/// leading `'`, so opening the export cannot run anything (OWASP's CSV-injection advice).
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// Writes the selected rows of `table` as CSV (UTF-8, comma, RFC 4180 quoting, header first).
/// Returns the number of rows written.
pub fn write_csv(
    path: &Path,
    table: &Table,
    selected: &Bitmap,
    columns: &[String],
) -> Result<u64, AudienceError> {
    let io = |e: csv::Error| {
        AudienceError::Store(StoreError::Io {
            path: path.to_owned(),
            source: std::io::Error::other(e.to_string()),
        })
    };
    let mut w = csv::WriterBuilder::new().from_path(path).map_err(io)?;
    w.write_record(columns).map_err(io)?;
    let data: Vec<Option<&ColumnData>> = columns.iter().map(|n| table.column(n).map(|c| &c.data)).collect();
    let mut rows = 0;
    let mut record: Vec<String> = Vec::with_capacity(columns.len());
    for r in selected.iter_ones() {
        record.clear();
        for d in &data {
            record.push(match d.map_or(Value::Null, |c| c.value(r)) {
                Value::Null => String::new(),
                Value::Text(t) => neutralise(t).into_owned(),
                other => other.to_string(),
            });
        }
        w.write_record(&record).map_err(io)?;
        rows += 1;
    }
    w.flush().map_err(|e| AudienceError::Store(StoreError::Io { path: path.to_owned(), source: e }))?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_plain_text_kept() {
        for bad in ["=1+1", "+55", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(bad), format!("'{bad}"));
        }
        assert_eq!(neutralise("5511994615075"), "5511994615075");
        assert_eq!(neutralise("São Paulo"), "São Paulo");
        assert_eq!(neutralise(""), "");
    }
}
