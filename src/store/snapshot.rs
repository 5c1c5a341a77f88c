//! The columnar snapshot file: a table's buffers laid out so a reload is a memory map and a
//! copy per buffer, with no parsing of values.
//!
//! Layout: the magic `HSEGCOL1`, a little-endian `u64` header length, the header as JSON
//! (rows, and per column its name, role, type and buffer extents), then each buffer at a
//! 64-byte aligned offset, little-endian.

use super::StoreError;
use super::error::io;
use crate::columns::{
    Bitmap, BooleanColumn, Column, ColumnData, DataType, DictionaryColumn, PrimitiveColumn, Role,
    StringColumn, Table,
};
use serde::{Deserialize, Serialize};
use std::io::{BufWriter, Write};
use std::path::Path;

const MAGIC: &[u8; 8] = b"HSEGCOL1";
const ALIGN: u64 = 64;

#[derive(Serialize, Deserialize)]
struct Header {
    rows: usize,
    columns: Vec<ColumnHeader>,
}

#[derive(Serialize, Deserialize)]
struct ColumnHeader {
    name: String,
    role: Role,
    data_type: DataType,
    /// (offset, length in bytes) of each buffer, in the order `buffers_of` lists them.
    buffers: Vec<(u64, u64)>,
}

/// The raw buffers of a column, in a fixed order per type.
fn buffers_of(data: &ColumnData) -> Vec<&[u8]> {
    fn bits(b: &Bitmap) -> &[u8] {
        bytemuck::cast_slice(b.words())
    }
    match data {
        ColumnData::Utf8(c) => vec![bytemuck::cast_slice(c.offsets()), c.bytes(), bits(c.validity())],
        ColumnData::Dictionary(c) => vec![
            bytemuck::cast_slice(c.codes()),
            bytemuck::cast_slice(c.dictionary().offsets()),
            c.dictionary().bytes(),
            bits(c.dictionary().validity()),
            bits(c.validity()),
        ],
        ColumnData::Int64(c) => vec![bytemuck::cast_slice(&c.values), bits(&c.validity)],
        ColumnData::Float64(c) => vec![bytemuck::cast_slice(&c.values), bits(&c.validity)],
        ColumnData::Date(c) => vec![bytemuck::cast_slice(&c.values), bits(&c.validity)],
        ColumnData::Boolean(c) => vec![bits(&c.values), bits(&c.validity)],
    }
}

/// Writes `table` to `path` and flushes it to disk.
pub fn write(path: &Path, table: &Table) -> Result<(), StoreError> {
    // Little-endian only: the buffers are written as they sit in memory.
    const { assert!(cfg!(target_endian = "little"), "snapshots assume a little-endian machine") };
    let mut columns = Vec::with_capacity(table.columns().len());
    // Offsets are relative to the end of the header block; fixed up below.
    let mut offset = 0u64;
    for c in table.columns() {
        let buffers = buffers_of(&c.data)
            .iter()
            .map(|b| {
                let at = offset;
                offset = (offset + b.len() as u64).div_ceil(ALIGN) * ALIGN;
                (at, b.len() as u64)
            })
            .collect();
        columns.push(ColumnHeader { name: c.name.clone(), role: c.role, data_type: c.data_type(), buffers });
    }
    let mut header = Header { rows: table.rows(), columns };
    let probe = serde_json::to_vec(&header).map_err(|e| io(path)(e.into()))?;
    // Reserve room for the header growing when offsets are shifted by its own length.
    let body_start = (16 + probe.len() as u64 + 256).div_ceil(ALIGN) * ALIGN;
    for c in &mut header.columns {
        for b in &mut c.buffers {
            b.0 += body_start;
        }
    }
    let json = serde_json::to_vec(&header).map_err(|e| io(path)(e.into()))?;
    assert!(16 + json.len() as u64 <= body_start, "snapshot header outgrew its reserve");

    let file = std::fs::File::create(path).map_err(io(path))?;
    let mut w = Counted { inner: BufWriter::with_capacity(1 << 20, file), written: 0 };
    (|| -> std::io::Result<()> {
        w.put(MAGIC)?;
        w.put(&(json.len() as u64).to_le_bytes())?;
        w.put(&json)?;
        w.pad_to(body_start)?;
        for (c, h) in table.columns().iter().zip(&header.columns) {
            for (bytes, &(at, _)) in buffers_of(&c.data).into_iter().zip(&h.buffers) {
                w.pad_to(at)?;
                w.put(bytes)?;
            }
        }
        let file = w.inner.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    })()
    .map_err(io(path))
}

/// A writer that knows how far it has written, to pad buffers to their offsets.
struct Counted {
    inner: BufWriter<std::fs::File>,
    written: u64,
}

impl Counted {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    fn pad_to(&mut self, at: u64) -> std::io::Result<()> {
        let zeros = vec![0u8; (at - self.written) as usize];
        self.put(&zeros)
    }
}

/// Reads a snapshot back: maps the file and copies each buffer out.
pub fn read(path: &Path) -> Result<Table, StoreError> {
    let file = std::fs::File::open(path).map_err(io(path))?;
    let bytes = Bytes::open(&file, path)?;
    parse(path, bytes.as_slice())
}

enum Bytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl Bytes {
    fn open(file: &std::fs::File, path: &Path) -> Result<Bytes, StoreError> {
        match map(file) {
            Ok(m) => Ok(Bytes::Mapped(m)),
            Err(_) => std::fs::read(path).map(Bytes::Read).map_err(io(path)),
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Read(v) => v,
        }
    }
}

#[allow(unsafe_code)]
fn map(file: &std::fs::File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: snapshots are written once under a new name and renamed into place; nothing
    // rewrites a committed snapshot, so the mapped bytes do not change while we read them.
    // Every buffer is bounds- and invariant-checked as it is copied out.
    unsafe { memmap2::Mmap::map(file) }
}

fn parse(path: &Path, bytes: &[u8]) -> Result<Table, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt { path: path.to_owned(), what: what.to_owned() };
    if bytes.len() < 16 || &bytes[..8] != MAGIC {
        return Err(corrupt("it does not start with the snapshot magic"));
    }
    let header_len = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes")) as usize;
    let json = bytes.get(16..16 + header_len).ok_or_else(|| corrupt("the header is cut short"))?;
    let header: Header = serde_json::from_slice(json).map_err(|e| corrupt(&format!("bad header: {e}")))?;
    let rows = header.rows;
    let mut columns = Vec::with_capacity(header.columns.len());
    for h in header.columns {
        let buf = |i: usize| -> Result<&[u8], StoreError> {
            let &(at, len) = h.buffers.get(i).ok_or_else(|| corrupt("a buffer is missing"))?;
            bytes
                .get(at as usize..(at + len) as usize)
                .ok_or_else(|| corrupt(&format!("column {} runs past the end of the file", h.name)))
        };
        let words = |i: usize, len: usize| -> Result<Bitmap, StoreError> {
            Bitmap::from_words(bytemuck::pod_collect_to_vec(buf(i)?), len)
                .ok_or_else(|| corrupt(&format!("column {} has a bitmap of the wrong size", h.name)))
        };
        let bad = |e: crate::columns::StringColumnError| corrupt(&format!("column {}: {e}", h.name));
        let data = match h.data_type {
            DataType::Utf8 => ColumnData::Utf8(
                StringColumn::from_parts(vec_of(buf(0)?), buf(1)?.to_vec(), words(2, rows)?).map_err(bad)?,
            ),
            DataType::Dictionary => {
                let offsets: Vec<u64> = vec_of(buf(1)?);
                let size = offsets.len().saturating_sub(1);
                let dictionary =
                    StringColumn::from_parts(offsets, buf(2)?.to_vec(), words(3, size)?).map_err(bad)?;
                ColumnData::Dictionary(
                    DictionaryColumn::from_parts(vec_of(buf(0)?), dictionary, words(4, rows)?)
                        .map_err(bad)?,
                )
            }
            DataType::Int64 => {
                ColumnData::Int64(primitive(vec_of(buf(0)?), words(1, rows)?, rows, &h.name, path)?)
            }
            DataType::Float64 => {
                ColumnData::Float64(primitive(vec_of(buf(0)?), words(1, rows)?, rows, &h.name, path)?)
            }
            DataType::Date => {
                ColumnData::Date(primitive(vec_of(buf(0)?), words(1, rows)?, rows, &h.name, path)?)
            }
            DataType::Boolean => {
                ColumnData::Boolean(BooleanColumn { values: words(0, rows)?, validity: words(1, rows)? })
            }
        };
        if data.len() != rows {
            return Err(corrupt(&format!("column {} has {} rows, expected {rows}", h.name, data.len())));
        }
        columns.push(Column { name: h.name, role: h.role, data });
    }
    Ok(Table::new(rows, columns))
}

/// Copies a buffer out as values of type `T` (any alignment).
fn vec_of<T: bytemuck::Pod>(bytes: &[u8]) -> Vec<T> {
    bytemuck::pod_collect_to_vec(bytes)
}

fn primitive<T: Copy>(
    values: Vec<T>,
    validity: Bitmap,
    rows: usize,
    name: &str,
    path: &Path,
) -> Result<PrimitiveColumn<T>, StoreError> {
    if values.len() != rows {
        return Err(StoreError::Corrupt {
            path: path.to_owned(),
            what: format!("column {name} has {} values, expected {rows}", values.len()),
        });
    }
    Ok(PrimitiveColumn::new(values, validity))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut names = StringColumn::default();
        for v in [Some("Ana"), None, Some("João")] {
            names.push(v);
        }
        let mut city = StringColumn::default();
        for v in [Some("Santos"), Some("Santos"), None] {
            city.push(v);
        }
        let mut valid = Bitmap::new_set(3);
        valid.set(1, false);
        Table::new(
            3,
            vec![
                Column { name: "name".into(), role: Role::Attribute, data: ColumnData::Utf8(names) },
                Column {
                    name: "city".into(),
                    role: Role::Attribute,
                    data: ColumnData::Dictionary(DictionaryColumn::encode(&city)),
                },
                Column {
                    name: "n".into(),
                    role: Role::System,
                    data: ColumnData::Int64(PrimitiveColumn::new(vec![1, 0, -3], valid.clone())),
                },
                Column {
                    name: "x".into(),
                    role: Role::Attribute,
                    data: ColumnData::Float64(PrimitiveColumn::new(vec![1.5, 0.0, 2.25], valid.clone())),
                },
                Column {
                    name: "d".into(),
                    role: Role::Attribute,
                    data: ColumnData::Date(PrimitiveColumn::new(vec![19000, 0, 1], valid.clone())),
                },
                Column {
                    name: "b".into(),
                    role: Role::Attribute,
                    data: ColumnData::Boolean(BooleanColumn { values: Bitmap::new_set(3), validity: valid }),
                },
            ],
        )
    }

    #[test]
    fn round_trips_every_type() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.hsc");
        let table = sample();
        write(&path, &table).unwrap();
        assert_eq!(read(&path).unwrap(), table);
    }

    #[test]
    fn damaged_files_are_errors_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.hsc");
        write(&path, &sample()).unwrap();
        let full = std::fs::read(&path).unwrap();
        for cut in [0, 10, 40, full.len() / 2, full.len() - 1] {
            std::fs::write(&path, &full[..cut]).unwrap();
            assert!(matches!(read(&path), Err(StoreError::Corrupt { .. })), "cut at {cut}");
        }
    }
}
