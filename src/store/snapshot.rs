//! The columnar snapshot file: a table's buffers laid out so a reload is a memory map and a
//! copy per buffer, with no parsing of values.
//!
//! Layout: the magic `HSEGCOL2`, a little-endian `u64` header length, the header as JSON
//! (rows, and per column its name, role, type and buffer extents), then each buffer at a
//! 64-byte aligned offset, little-endian.
//!
//! Integer buffers (string offsets, dictionary codes, integers, dates) are packed: each value
//! is stored as its distance from the buffer's smallest value, in the fewest of 1, 2 or 4
//! bytes that hold every distance, when that is narrower than the type (the header says so).
//! Ages, counts, line numbers and offsets of short strings shrink to a half or less, so there
//! is less to write and flush. Files from before packing (`HSEGCOL1`) read as they were.
//!
//! Since `HSEGCOL3` the header also names the import the file belongs to (none for derived
//! tables), and the file ends in an 8-byte xxh3-64 checksum of every byte before it, verified
//! on every load: a flipped byte is an error naming the file, never a changed value, and a
//! snapshot moved under another import's name is refused. xxh3 runs at memory speed, a small
//! share of a reload (`benches/ingest.rs`, `snapshot`). `HSEGCOL2` files (packed, without
//! checksum) still read.

use super::StoreError;
use super::direct::FileWriter;
use super::error::io;
use crate::columns::{
    Bitmap, BooleanColumn, Column, ColumnData, DataType, DictionaryColumn, PrimitiveColumn, Role,
    StringColumn, Table,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The magic a checked snapshot starts with.
pub const MAGIC: &[u8; 8] = b"HSEGCOL3";
/// Packed snapshots written before checksums and owners.
const MAGIC_UNCHECKED: &[u8; 8] = b"HSEGCOL2";
/// Bytes of the checksum that ends a checked file.
const CHECKSUM_LEN: usize = 8;
/// Snapshots written before integer packing: the same layout, every buffer as it sits in memory.
const MAGIC_UNPACKED: &[u8; 8] = b"HSEGCOL1";
const ALIGN: u64 = 64;

#[derive(Serialize, Deserialize)]
struct Header {
    rows: usize,
    columns: Vec<ColumnHeader>,
    /// The import the file holds the columns of (none for derived tables and old files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    import: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct ColumnHeader {
    name: String,
    role: Role,
    data_type: DataType,
    /// (offset, length in bytes) of each buffer, in the order `buffers_of` lists them.
    buffers: Vec<(u64, u64)>,
    /// Per buffer: how its integers are packed (`None`: as in memory). Empty in old files.
    #[serde(default)]
    packed: Vec<Option<Packing>>,
}

/// How a packed integer buffer stores its values: `value - base` in `width` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Packing {
    width: u8,
    base: i64,
}

/// An integer type a buffer may hold.
trait PackInt: bytemuck::Pod {
    fn to_i64(self) -> Option<i64>;
    fn from_i64(v: i64) -> Option<Self>;
}

macro_rules! pack_int {
    ($($t:ty),*) => {$(
        impl PackInt for $t {
            #[inline]
            fn to_i64(self) -> Option<i64> {
                i64::try_from(self).ok()
            }
            #[inline]
            fn from_i64(v: i64) -> Option<Self> {
                <$t>::try_from(v).ok()
            }
        }
    )*};
}
pack_int!(u64, u32, i64, i32);

/// One buffer to write: bytes as they are, or integers to pack.
enum Buffer<'a> {
    Bytes(&'a [u8]),
    U64(&'a [u64]),
    U32(&'a [u32]),
    I64(&'a [i64]),
    I32(&'a [i32]),
}

impl Buffer<'_> {
    /// The packing that stores these values in fewer bytes, if there is one.
    fn packing(&self) -> Option<Packing> {
        match self {
            Buffer::Bytes(_) => None,
            Buffer::U64(v) => packing_of(v),
            Buffer::U32(v) => packing_of(v),
            Buffer::I64(v) => packing_of(v),
            Buffer::I32(v) => packing_of(v),
        }
    }

    /// Bytes written for this buffer under `packing`.
    fn stored_len(&self, packing: Option<Packing>) -> u64 {
        let (len, size) = match self {
            Buffer::Bytes(b) => (b.len(), 1),
            Buffer::U64(v) => (v.len(), 8),
            Buffer::U32(v) => (v.len(), 4),
            Buffer::I64(v) => (v.len(), 8),
            Buffer::I32(v) => (v.len(), 4),
        };
        (len * packing.map_or(size, |p| usize::from(p.width))) as u64
    }

    fn write(&self, packing: Option<Packing>, w: &mut Counted) -> std::io::Result<()> {
        match (self, packing) {
            (Buffer::Bytes(b), _) => w.put(b),
            (Buffer::U64(v), None) => w.put(bytemuck::cast_slice(v)),
            (Buffer::U32(v), None) => w.put(bytemuck::cast_slice(v)),
            (Buffer::I64(v), None) => w.put(bytemuck::cast_slice(v)),
            (Buffer::I32(v), None) => w.put(bytemuck::cast_slice(v)),
            (Buffer::U64(v), Some(p)) => write_packed(v, p, w),
            (Buffer::U32(v), Some(p)) => write_packed(v, p, w),
            (Buffer::I64(v), Some(p)) => write_packed(v, p, w),
            (Buffer::I32(v), Some(p)) => write_packed(v, p, w),
        }
    }
}

/// The narrowest packing of `values` narrower than their type, if any.
fn packing_of<T: PackInt>(values: &[T]) -> Option<Packing> {
    let (mut min, mut max) = (i64::MAX, i64::MIN);
    for &v in values {
        let v = v.to_i64()?;
        min = min.min(v);
        max = max.max(v);
    }
    if values.is_empty() {
        return None;
    }
    let span = (i128::from(max) - i128::from(min)) as u128;
    let width = [1u8, 2, 4].into_iter().find(|&w| span < 1u128 << (8 * u32::from(w)))?;
    (usize::from(width) < size_of::<T>()).then_some(Packing { width, base: min })
}

fn write_packed<T: PackInt>(values: &[T], p: Packing, w: &mut Counted) -> std::io::Result<()> {
    match p.width {
        1 => write_width::<T, 1>(values, p.base, w),
        2 => write_width::<T, 2>(values, p.base, w),
        _ => write_width::<T, 4>(values, p.base, w),
    }
}

fn write_width<T: PackInt, const W: usize>(values: &[T], base: i64, w: &mut Counted) -> std::io::Result<()> {
    const BLOCK: usize = 8192;
    let mut block = vec![0u8; BLOCK * W];
    for part in values.chunks(BLOCK) {
        for (out, &v) in block.chunks_exact_mut(W).zip(part) {
            // Checked when the packing was chosen: every value fits i64 and its distance
            // from the base fits `W` bytes.
            let distance = v.to_i64().unwrap_or_default().wrapping_sub(base) as u64;
            out.copy_from_slice(&distance.to_le_bytes()[..W]);
        }
        w.put(&block[..part.len() * W])?;
    }
    Ok(())
}

/// The values of a buffer stored with `packing` (`None`: as in memory); `None` if the bytes
/// do not make whole values or a value does not fit `T`.
fn read_ints<T: PackInt>(bytes: &[u8], packing: Option<Packing>) -> Option<Vec<T>> {
    match packing.map(|p| (p.width, p.base)) {
        None => bytes.len().is_multiple_of(size_of::<T>()).then(|| bytemuck::pod_collect_to_vec(bytes)),
        Some((1, base)) => read_width::<T, 1>(bytes, base),
        Some((2, base)) => read_width::<T, 2>(bytes, base),
        Some((4, base)) => read_width::<T, 4>(bytes, base),
        Some(_) => None,
    }
}

fn read_width<T: PackInt, const W: usize>(bytes: &[u8], base: i64) -> Option<Vec<T>> {
    if !bytes.len().is_multiple_of(W) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / W);
    for v in bytes.chunks_exact(W) {
        let mut wide = [0u8; 8];
        wide[..W].copy_from_slice(v);
        out.push(T::from_i64(base.checked_add(u64::from_le_bytes(wide) as i64)?)?);
    }
    Some(out)
}

/// The buffers of a column, in a fixed order per type.
fn buffers_of(data: &ColumnData) -> Vec<Buffer<'_>> {
    fn bits(b: &Bitmap) -> Buffer<'_> {
        Buffer::Bytes(bytemuck::cast_slice(b.words()))
    }
    match data {
        ColumnData::Utf8(c) => vec![Buffer::U64(c.offsets()), Buffer::Bytes(c.bytes()), bits(c.validity())],
        ColumnData::Dictionary(c) => vec![
            Buffer::U32(c.codes()),
            Buffer::U64(c.dictionary().offsets()),
            Buffer::Bytes(c.dictionary().bytes()),
            bits(c.dictionary().validity()),
            bits(c.validity()),
        ],
        ColumnData::Int64(c) => vec![Buffer::I64(&c.values), bits(&c.validity)],
        ColumnData::Float64(c) => vec![Buffer::Bytes(bytemuck::cast_slice(&c.values)), bits(&c.validity)],
        ColumnData::Date(c) => vec![Buffer::I32(&c.values), bits(&c.validity)],
        ColumnData::Boolean(c) => vec![bits(&c.values), bits(&c.validity)],
    }
}

/// Writes `table` to `path` and flushes it to disk.
pub fn write(path: &Path, table: &Table) -> Result<(), StoreError> {
    write_as(path, table, None, Format::Current)
}

/// Writes the columns of import `import` to `path` and flushes them to disk; the file
/// records the import, and [`read_import`] checks it.
pub fn write_import(path: &Path, table: &Table, import: i64) -> Result<(), StoreError> {
    write_as(path, table, Some(import), Format::Current)
}

/// The file formats [`write_as`] writes: the current one, and for tests of reading old
/// files, the unpacked and the unchecked ones.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Current,
    #[cfg(test)]
    Unpacked,
    #[cfg(test)]
    Unchecked,
}

impl Format {
    /// Whether integers are packed, and the magic.
    fn layout(self) -> (bool, &'static [u8; 8]) {
        match self {
            Format::Current => (true, MAGIC),
            #[cfg(test)]
            Format::Unpacked => (false, MAGIC_UNPACKED),
            #[cfg(test)]
            Format::Unchecked => (true, MAGIC_UNCHECKED),
        }
    }
}

/// Writes `table` in `format`, naming `import` as its owner.
fn write_as(path: &Path, table: &Table, import: Option<i64>, format: Format) -> Result<(), StoreError> {
    let (pack, magic) = format.layout();
    let checked = format == Format::Current;
    // Little-endian only: the buffers are written as they sit in memory.
    const { assert!(cfg!(target_endian = "little"), "snapshots assume a little-endian machine") };
    let mut columns = Vec::with_capacity(table.columns().len());
    // Offsets are relative to the end of the header block; fixed up below.
    let mut offset = 0u64;
    for c in table.columns() {
        let (mut buffers, mut packed) = (Vec::new(), Vec::new());
        for b in buffers_of(&c.data) {
            let packing = if pack { b.packing() } else { None };
            let len = b.stored_len(packing);
            buffers.push((offset, len));
            packed.push(packing);
            offset = (offset + len).div_ceil(ALIGN) * ALIGN;
        }
        columns.push(ColumnHeader {
            name: c.name.clone(),
            role: c.role,
            data_type: c.data_type(),
            buffers,
            packed,
        });
    }
    let mut header = Header { rows: table.rows(), columns, import: import.filter(|_| checked) };
    let (json, body_start) = place_body(&mut header).map_err(|e| io(path)(e.into()))?;

    let inner = FileWriter::create(path).map_err(io(path))?;
    let mut w = Counted { inner, hash: twox_hash::XxHash3_64::default() };
    (|| -> std::io::Result<()> {
        w.put(magic)?;
        w.put(&(json.len() as u64).to_le_bytes())?;
        w.put(&json)?;
        w.pad_to(body_start)?;
        for (c, h) in table.columns().iter().zip(&header.columns) {
            for ((buffer, &(at, _)), &packing) in buffers_of(&c.data).iter().zip(&h.buffers).zip(&h.packed) {
                w.pad_to(at)?;
                buffer.write(packing, &mut w)?;
            }
        }
        if checked {
            let sum = std::hash::Hasher::finish(&w.hash);
            w.inner.write_all(&sum.to_le_bytes())?;
        }
        w.inner.finish()
    })()
    .map_err(io(path))
}

/// Shifts the buffer offsets of `header` (relative to the body) past the header itself and
/// returns the header's JSON and where the body starts. Shifting lengthens the offsets'
/// digits and so the header: the start is moved on until the header fits before it, which
/// takes one or two rounds (each header byte grows by a bounded amount), so the cost stays
/// linear in the number of buffers however wide the table.
fn place_body(header: &mut Header) -> serde_json::Result<(Vec<u8>, u64)> {
    let probe = serde_json::to_vec(&*header)?;
    let mut body_start = (16 + probe.len() as u64 + 256).div_ceil(ALIGN) * ALIGN;
    let mut shifted_by = 0;
    loop {
        for c in &mut header.columns {
            for b in &mut c.buffers {
                b.0 = b.0 - shifted_by + body_start;
            }
        }
        shifted_by = body_start;
        let json = serde_json::to_vec(&*header)?;
        if 16 + json.len() as u64 <= body_start {
            return Ok((json, body_start));
        }
        body_start = (16 + json.len() as u64 + 256).div_ceil(ALIGN) * ALIGN;
    }
}

/// A writer that knows how far it has written, to pad buffers to their offsets, and hashes
/// what it writes.
struct Counted {
    inner: FileWriter,
    hash: twox_hash::XxHash3_64,
}

impl Counted {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        std::hash::Hasher::write(&mut self.hash, bytes);
        self.inner.write_all(bytes)
    }

    fn pad_to(&mut self, at: u64) -> std::io::Result<()> {
        let zeros = vec![0u8; (at - self.inner.written()) as usize];
        self.put(&zeros)
    }
}

/// Reads a snapshot back: maps the file, verifies its checksum and copies each buffer out.
pub fn read(path: &Path) -> Result<Table, StoreError> {
    read_owned(path).map(|(table, _)| table)
}

/// Reads the snapshot of import `import`, refusing a file that names another import (one
/// moved or copied under this import's name).
pub fn read_import(path: &Path, import: i64) -> Result<Table, StoreError> {
    let (table, owner) = read_owned(path)?;
    check_owner(path, owner, import)?;
    Ok(table)
}

/// Reads only the columns of import `import`'s snapshot that `keep` accepts (by name and
/// role), checked like [`read_import`]: for a stage that needs a few columns of a wide
/// import, the others are never copied out.
pub fn read_import_columns(
    path: &Path,
    import: i64,
    keep: &(dyn Fn(&str, Role) -> bool + Sync),
) -> Result<Table, StoreError> {
    let (table, owner) = read_owned_with(path, keep)?;
    check_owner(path, owner, import)?;
    Ok(table)
}

fn check_owner(path: &Path, owner: Option<i64>, import: i64) -> Result<(), StoreError> {
    match owner {
        Some(owner) if owner != import => Err(StoreError::Corrupt {
            path: path.to_owned(),
            what: format!("it holds the columns of import {owner}, not of import {import}"),
        }),
        _ => Ok(()),
    }
}

/// Reads a snapshot held in memory (`path` names it in errors): the table and the import the
/// file names as its owner. The checksum is verified as on a load from disk.
pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<(Table, Option<i64>), StoreError> {
    parse(path, verified(path, bytes)?, &|_, _| true)
}

/// The table and the import the file names as its owner.
fn read_owned(path: &Path) -> Result<(Table, Option<i64>), StoreError> {
    read_owned_with(path, &|_, _| true)
}

fn read_owned_with(
    path: &Path,
    keep: &(dyn Fn(&str, Role) -> bool + Sync),
) -> Result<(Table, Option<i64>), StoreError> {
    let file = std::fs::File::open(path).map_err(io(path))?;
    let bytes = Bytes::open(&file, path)?;
    parse(path, verified(path, bytes.as_slice())?, keep)
}

/// The bytes of a checked file before its checksum, once the checksum matches them; older
/// files as they are.
fn verified<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a [u8], StoreError> {
    if bytes.get(..8) != Some(&MAGIC[..]) {
        return Ok(bytes);
    }
    let corrupt = |what: &str| StoreError::Corrupt { path: path.to_owned(), what: what.to_owned() };
    let body = bytes.len().checked_sub(CHECKSUM_LEN).ok_or_else(|| corrupt("it is cut short"))?;
    let stored = u64::from_le_bytes(bytes[body..].try_into().expect("8 bytes"));
    if twox_hash::XxHash3_64::oneshot(&bytes[..body]) != stored {
        return Err(corrupt("its checksum does not match its bytes: the file was damaged or changed"));
    }
    Ok(&bytes[..body])
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

fn parse(
    path: &Path,
    bytes: &[u8],
    keep: &(dyn Fn(&str, Role) -> bool + Sync),
) -> Result<(Table, Option<i64>), StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt { path: path.to_owned(), what: what.to_owned() };
    if bytes.len() < 16 || ![MAGIC, MAGIC_UNCHECKED, MAGIC_UNPACKED].iter().any(|m| &bytes[..8] == *m) {
        return Err(corrupt("it does not start with the snapshot magic"));
    }
    let header_len = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes")) as usize;
    let json = 16usize
        .checked_add(header_len)
        .and_then(|end| bytes.get(16..end))
        .ok_or_else(|| corrupt("the header is cut short"))?;
    let header: Header = serde_json::from_slice(json).map_err(|e| corrupt(&format!("bad header: {e}")))?;
    let rows = header.rows;
    let owner = header.import;
    // Columns decode in parallel: each is a copy (and for packed integers a widening) of its
    // own buffers, and a profile table has dozens. A damaged file reports its first bad
    // column, whichever thread finds it first.
    let decoded: Vec<Result<Column, StoreError>> = header
        .columns
        .into_par_iter()
        .filter(|h| keep(&h.name, h.role))
        .map(|h| parse_column(path, bytes, rows, h))
        .collect();
    let columns = decoded.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok((Table::new(rows, columns), owner))
}

/// Decodes column `h` of a file's `bytes`, checking every extent and invariant.
fn parse_column(path: &Path, bytes: &[u8], rows: usize, h: ColumnHeader) -> Result<Column, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt { path: path.to_owned(), what: what.to_owned() };
    let buf = |i: usize| -> Result<&[u8], StoreError> {
        let &(at, len) = h.buffers.get(i).ok_or_else(|| corrupt("a buffer is missing"))?;
        // Extents are checked, not trusted: a damaged one must not overflow.
        let extent = |v: u64| usize::try_from(v).ok();
        at.checked_add(len)
            .and_then(|end| bytes.get(extent(at)?..extent(end)?))
            .ok_or_else(|| corrupt(&format!("column {} runs past the end of the file", h.name)))
    };
    let ints = |i: usize| -> Result<_, StoreError> {
        let packing = h.packed.get(i).copied().flatten();
        Ok((buf(i)?, packing))
    };
    let bad_ints = || corrupt(&format!("column {} has an integer buffer that does not decode", h.name));
    let words = |i: usize, len: usize| -> Result<Bitmap, StoreError> {
        Bitmap::from_words(bytemuck::pod_collect_to_vec(buf(i)?), len)
            .ok_or_else(|| corrupt(&format!("column {} has a bitmap of the wrong size", h.name)))
    };
    let bad = |e: crate::columns::StringColumnError| corrupt(&format!("column {}: {e}", h.name));
    let data = match h.data_type {
        DataType::Utf8 => {
            let (b, p) = ints(0)?;
            let offsets: Vec<u64> = read_ints(b, p).ok_or_else(bad_ints)?;
            ColumnData::Utf8(
                StringColumn::from_parts(offsets, buf(1)?.to_vec(), words(2, rows)?).map_err(bad)?,
            )
        }
        DataType::Dictionary => {
            let (b, p) = ints(1)?;
            let offsets: Vec<u64> = read_ints(b, p).ok_or_else(bad_ints)?;
            let size = offsets.len().saturating_sub(1);
            let dictionary =
                StringColumn::from_parts(offsets, buf(2)?.to_vec(), words(3, size)?).map_err(bad)?;
            let (b, p) = ints(0)?;
            let codes: Vec<u32> = read_ints(b, p).ok_or_else(bad_ints)?;
            ColumnData::Dictionary(
                DictionaryColumn::from_parts(codes, dictionary, words(4, rows)?).map_err(bad)?,
            )
        }
        DataType::Int64 => {
            let (b, p) = ints(0)?;
            let values = read_ints(b, p).ok_or_else(bad_ints)?;
            ColumnData::Int64(primitive(values, words(1, rows)?, rows, &h.name, path)?)
        }
        DataType::Float64 => {
            ColumnData::Float64(primitive(vec_of(buf(0)?), words(1, rows)?, rows, &h.name, path)?)
        }
        DataType::Date => {
            let (b, p) = ints(0)?;
            let values = read_ints(b, p).ok_or_else(bad_ints)?;
            ColumnData::Date(primitive(values, words(1, rows)?, rows, &h.name, path)?)
        }
        DataType::Boolean => {
            ColumnData::Boolean(BooleanColumn { values: words(0, rows)?, validity: words(1, rows)? })
        }
    };
    if data.len() != rows {
        return Err(corrupt(&format!("column {} has {} rows, expected {rows}", h.name, data.len())));
    }
    Ok(Column { name: h.name, role: h.role, data })
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
    fn packs_integers_and_reads_them_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.hsc");
        let cases: [Vec<i64>; 6] = [
            vec![],
            vec![7],
            vec![300, 44, 255 + 44],
            vec![-5, 65_530],
            vec![i64::MIN, i64::MAX, 0],
            vec![i64::MIN, i64::MIN + 70_000],
        ];
        for values in cases {
            let rows = values.len();
            let mut text = StringColumn::default();
            for i in 0..rows {
                text.push(Some(&"x".repeat(i * 100)));
            }
            let table = Table::new(
                rows,
                vec![
                    Column {
                        name: "n".into(),
                        role: Role::Attribute,
                        data: ColumnData::Int64(PrimitiveColumn::new(values.clone(), Bitmap::new_set(rows))),
                    },
                    Column {
                        name: "d".into(),
                        role: Role::Attribute,
                        data: ColumnData::Date(PrimitiveColumn::new(
                            values
                                .iter()
                                .map(|&v| v.clamp(i32::MIN.into(), i32::MAX.into()) as i32)
                                .collect(),
                            Bitmap::new_set(rows),
                        )),
                    },
                    Column { name: "t".into(), role: Role::Attribute, data: ColumnData::Utf8(text) },
                ],
            );
            write(&path, &table).unwrap();
            assert_eq!(read(&path).unwrap(), table, "{values:?}");
        }
    }

    #[test]
    fn packed_files_are_smaller_and_old_files_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let (new, old) = (dir.path().join("new.hsc"), dir.path().join("old.hsc"));
        let table = sample();
        write(&new, &table).unwrap();
        write_as(&old, &table, None, Format::Unpacked).unwrap();
        assert_eq!(&std::fs::read(&old).unwrap()[..8], MAGIC_UNPACKED);
        assert_eq!(read(&old).unwrap(), table);
        assert_eq!(read(&new).unwrap(), table);
        let narrow = |p: &Path| {
            let bytes = std::fs::read(p).unwrap();
            let len = u64::from_le_bytes(bytes[8..16].try_into().unwrap()) as usize;
            let header: Header = serde_json::from_slice(&bytes[16..16 + len]).unwrap();
            header.columns.iter().flat_map(|c| c.packed.iter()).filter(|p| p.is_some()).count()
        };
        assert!(narrow(&new) >= 4, "offsets, codes, integers and dates are packed");
        assert_eq!(narrow(&old), 0);
    }

    #[test]
    fn bad_packed_buffers_do_not_decode() {
        let p = |width, base| Some(Packing { width, base });
        assert_eq!(read_ints::<i64>(&[1, 2, 3], p(2, 0)), None, "not whole values");
        assert_eq!(read_ints::<i64>(&[1, 2], p(3, 0)), None, "no such width");
        assert_eq!(read_ints::<i64>(&[1], p(1, i64::MAX)), None, "overflows");
        assert_eq!(read_ints::<u32>(&[1], p(1, -2)), None, "does not fit the type");
        assert_eq!(read_ints::<u32>(&[1, 0], p(2, 4)), Some(vec![5]));
        assert_eq!(read_ints::<i32>(&[1, 2, 3, 4, 5], None), None);
    }

    /// Wide tables used to outgrow the header's fixed reserve and panic.
    #[test]
    fn snapshot_header_outgrew_its_reserve_on_wide_tables() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.hsc");
        for (ncols, rows) in [(400usize, 100usize), (10_000, 1), (3, 0)] {
            let columns = (0..ncols)
                .map(|j| {
                    let mut text = StringColumn::default();
                    for r in 0..rows {
                        text.push(Some(&format!("v{r}x{j}")));
                    }
                    Column {
                        name: format!("column {j}"),
                        role: Role::Attribute,
                        data: ColumnData::Utf8(text),
                    }
                })
                .collect();
            let table = Table::new(rows, columns);
            write(&path, &table).unwrap();
            assert_eq!(read(&path).unwrap(), table, "{ncols} columns");
        }
    }

    /// One flipped byte in a snapshot changed values (`São Paulo` → `Blumenau`) silently.
    #[test]
    fn silent_corruption_of_a_flipped_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.hsc");
        write(&path, &sample()).unwrap();
        let good = std::fs::read(&path).unwrap();
        for at in [0, 9, 20, good.len() / 2, good.len() - 9, good.len() - 1] {
            let mut bad = good.clone();
            bad[at] ^= 0x10;
            std::fs::write(&path, &bad).unwrap();
            assert!(matches!(read(&path), Err(StoreError::Corrupt { .. })), "flipped byte {at}");
        }
        // Files from before checksums still read.
        write_as(&path, &sample(), None, Format::Unchecked).unwrap();
        assert_eq!(read(&path).unwrap(), sample());
    }

    /// Swapping two imports' snapshots changed thousands of profiles silently.
    #[test]
    fn a_snapshot_knows_which_import_it_belongs_to() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("2.hsc");
        write_import(&path, &sample(), 1).unwrap();
        assert_eq!(read_import(&path, 1).unwrap(), sample());
        let err = read_import(&path, 2).unwrap_err().to_string();
        assert!(err.contains("import 1, not of import 2"), "{err}");
        write(&path, &sample()).unwrap();
        assert_eq!(read_import(&path, 2).unwrap(), sample(), "a derived table names no import");
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
