//! Writing an audience out: one row per profile, the phone (international digits) first, ready
//! for a bulk-messaging tool.

use super::AudienceError;
use crate::columns::{Bitmap, ColumnData, Table, Value};
use crate::store::OutputError;
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

/// The name of the column that flags, in a CSV export that keeps them, rows without a valid
/// phone.
pub const PHONE_VALID: &str = "phoneValid";

/// Per row of `table` among `rows`: whether its phone is a valid number (with `country` for
/// numbers written without one); rows outside `rows` are unset. A profile's phone is its
/// normalised key when any of its records had a valid one, else the raw text it was imported
/// with.
pub fn valid_phones(table: &Table, rows: &Bitmap, country: &str) -> Bitmap {
    let mut valid = Bitmap::new_unset(table.rows());
    if let Some(phone) = table.column("phoneNumber") {
        for r in rows.iter_ones() {
            if let Value::Text(t) = phone.data.value(r) {
                valid.set(r, crate::identity::normalize::phone_key(t, country).is_ok());
            }
        }
    }
    valid
}

/// Writes the selected rows of `table` as CSV (UTF-8, comma, RFC 4180 quoting, header first),
/// with a last [`PHONE_VALID`] column from `phone_valid` when given. Header cells are
/// neutralised like values: a column may be named `=HYPERLINK(...)`. Returns the number of
/// rows written.
pub fn write_csv(
    path: &Path,
    table: &Table,
    selected: &Bitmap,
    columns: &[String],
    phone_valid: Option<&Bitmap>,
) -> Result<u64, AudienceError> {
    let io = |e: csv::Error| {
        let source = match e.into_kind() {
            csv::ErrorKind::Io(io) => io,
            other => std::io::Error::other(format!("{other:?}")),
        };
        AudienceError::Output(OutputError::Write { path: path.to_owned(), source })
    };
    let mut w = csv::WriterBuilder::new().from_path(path).map_err(io)?;
    let mut header: Vec<String> = columns.iter().map(|c| neutralise(c).into_owned()).collect();
    header.extend(phone_valid.map(|_| PHONE_VALID.to_owned()));
    w.write_record(&header).map_err(io)?;
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
        if let Some(flags) = phone_valid {
            record.push(flags.get(r).to_string());
        }
        w.write_record(&record).map_err(io)?;
        rows += 1;
    }
    w.flush()
        .map_err(|source| AudienceError::Output(OutputError::Write { path: path.to_owned(), source }))?;
    Ok(rows)
}

/// Writes the selected rows of `table` as Parquet (one row group, snappy): text as UTF-8
/// strings, integers as INT64, decimals as DOUBLE, dates as DATE, booleans as BOOLEAN, every
/// column optional (empty values are nulls). Returns the number of rows written.
pub fn write_parquet(
    path: &Path,
    table: &Table,
    selected: &Bitmap,
    columns: &[String],
) -> Result<u64, AudienceError> {
    use parquet::basic::{Compression, ConvertedType, Repetition, Type as Physical};
    use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::types::Type;
    use std::sync::Arc;

    let fail = |e: parquet::errors::ParquetError| {
        let source = std::io::Error::other(e.to_string());
        AudienceError::Output(OutputError::Write { path: path.to_owned(), source })
    };
    let rows: Vec<usize> = selected.iter_ones().collect();
    let data: Vec<&ColumnData> = columns.iter().filter_map(|n| table.column(n).map(|c| &c.data)).collect();
    let names: Vec<&String> = columns.iter().filter(|n| table.column(n).is_some()).collect();
    let fields = names
        .iter()
        .zip(&data)
        .map(|(name, d)| {
            let (physical, converted) = match d {
                ColumnData::Utf8(_) | ColumnData::Dictionary(_) => {
                    (Physical::BYTE_ARRAY, ConvertedType::UTF8)
                }
                ColumnData::Int64(_) => (Physical::INT64, ConvertedType::NONE),
                ColumnData::Float64(_) => (Physical::DOUBLE, ConvertedType::NONE),
                ColumnData::Date(_) => (Physical::INT32, ConvertedType::DATE),
                ColumnData::Boolean(_) => (Physical::BOOLEAN, ConvertedType::NONE),
            };
            Type::primitive_type_builder(name, physical)
                .with_repetition(Repetition::OPTIONAL)
                .with_converted_type(converted)
                .build()
                .map(Arc::new)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    let schema = Arc::new(Type::group_type_builder("profile").with_fields(fields).build().map_err(fail)?);
    let props = Arc::new(WriterProperties::builder().set_compression(Compression::SNAPPY).build());
    let file = std::fs::File::create(path)
        .map_err(|source| AudienceError::Output(OutputError::Write { path: path.to_owned(), source }))?;
    let mut writer = SerializedFileWriter::new(file, schema, props).map_err(fail)?;
    let mut group = writer.next_row_group().map_err(fail)?;
    for d in &data {
        let mut col = group.next_column().map_err(fail)?.expect("one writer per schema column");
        let valid = d.validity();
        let levels: Vec<i16> = rows.iter().map(|&r| i16::from(valid.get(r))).collect();
        let present = || rows.iter().copied().filter(|&r| valid.get(r));
        match d {
            ColumnData::Utf8(c) => {
                let v: Vec<ByteArray> = present().map(|r| ByteArray::from(c.raw_bytes(r).to_vec())).collect();
                col.typed::<ByteArrayType>().write_batch(&v, Some(&levels), None).map_err(fail)?;
            }
            ColumnData::Dictionary(c) => {
                let v: Vec<ByteArray> = present()
                    .map(|r| ByteArray::from(c.dictionary().raw_bytes(c.codes()[r] as usize).to_vec()))
                    .collect();
                col.typed::<ByteArrayType>().write_batch(&v, Some(&levels), None).map_err(fail)?;
            }
            ColumnData::Int64(c) => {
                let v: Vec<i64> = present().map(|r| c.values[r]).collect();
                col.typed::<Int64Type>().write_batch(&v, Some(&levels), None).map_err(fail)?;
            }
            ColumnData::Float64(c) => {
                let v: Vec<f64> = present().map(|r| c.values[r]).collect();
                col.typed::<DoubleType>().write_batch(&v, Some(&levels), None).map_err(fail)?;
            }
            ColumnData::Date(c) => {
                let v: Vec<i32> = present().map(|r| c.values[r]).collect();
                col.typed::<Int32Type>().write_batch(&v, Some(&levels), None).map_err(fail)?;
            }
            ColumnData::Boolean(c) => {
                let v: Vec<bool> = present().map(|r| c.values.get(r)).collect();
                col.typed::<BoolType>().write_batch(&v, Some(&levels), None).map_err(fail)?;
            }
        }
        col.close().map_err(fail)?;
    }
    group.close().map_err(fail)?;
    writer.close().map_err(fail)?;
    Ok(rows.len() as u64)
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
