//! Parsing data rows into raw cells, chunk by chunk, with the row rules applied on the way:
//! wrong field counts and empty phones are rejected, opted-out rows are skipped and counted,
//! and every kept value adds to its column's type mask.

use super::infer::{self, OptIn};
use super::split::{CHUNK_BYTES, chunk_ranges};
use csv_core::ReadRecordResult;
use rayon::prelude::*;
use serde::Serialize;

/// Why a row was not imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum RejectReason {
    WrongFieldCount { found: usize, expected: usize },
    EmptyPhone { column: usize },
}

impl RejectReason {
    /// A stable key for counting rejects by reason.
    pub fn key(&self) -> &'static str {
        match self {
            RejectReason::WrongFieldCount { .. } => "wrong_field_count",
            RejectReason::EmptyPhone { .. } => "empty_phone",
        }
    }
}

impl std::fmt::Display for RejectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RejectReason::WrongFieldCount { found, expected } => {
                write!(f, "found {found} fields, expected {expected}")
            }
            RejectReason::EmptyPhone { column } => write!(f, "column {column}: the phone number is empty"),
        }
    }
}

/// A rejected row: where it was, why, and its fields as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    pub line: u64,
    pub reason: RejectReason,
    pub fields: Vec<String>,
}

/// What the parser needs to know about the columns.
pub struct ParseContext<'a> {
    pub separator: u8,
    pub ncols: usize,
    pub phone: usize,
    pub opt_in: Option<usize>,
    /// Columns whose type is inferred from their values.
    pub infer: &'a [bool],
    /// The file breaks lines with a lone `\r` (no `\n` anywhere): count those as lines.
    pub cr_lines: bool,
}

/// Line breaks in `bytes`: `\n`, or `\r` in files that break lines with a lone `\r`.
pub fn line_breaks(bytes: &[u8], cr_lines: bool) -> u64 {
    memchr::memchr_iter(if cr_lines { b'\r' } else { b'\n' }, bytes).count() as u64
}

/// The kept rows of one chunk as raw cells, row-major, plus what the rules counted.
#[derive(Debug, Default)]
pub struct RawChunk {
    /// Unquoted field bytes of kept rows, back to back (not yet trimmed).
    pub cells: Vec<u8>,
    /// End of each field in `cells`; row `r`, column `c` ends at `ends[r * ncols + c]`.
    pub ends: Vec<u32>,
    /// The line each kept row starts on (local to the chunk until `parse_data` fixes it).
    pub lines: Vec<u64>,
    /// Per column: the types every non-empty value fits (see `infer`).
    pub masks: Vec<u8>,
    /// Per column: whether any value was non-empty.
    pub seen: Vec<bool>,
    pub rejects: Vec<Rejected>,
    pub records: u64,
    pub opted_out: u64,
    pub opt_in_unrecognised: u64,
    pub opt_in_empty: u64,
    /// `\n` bytes in the chunk.
    pub newlines: u64,
    /// Whether the chunk ended exactly at the end of a record.
    pub clean: bool,
    ncols: usize,
}

impl RawChunk {
    pub fn rows(&self) -> usize {
        self.lines.len()
    }

    /// The raw bytes of row `row`, column `col`.
    #[inline]
    pub fn cell(&self, row: usize, col: usize) -> &[u8] {
        let i = row * self.ncols + col;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.cells[start..self.ends[i] as usize]
    }
}

/// Parses `data` (the bytes after the header), in parallel chunks when `parallel`, and fixes
/// line numbers to count from `first_line`. Falls back to one sequential pass when a chunk
/// does not end at a record end, so the result never depends on how the data was split.
/// Each chunk is UTF-8 checked first; `Err` gives the offset of the first invalid byte.
pub fn parse_data(
    data: &[u8],
    ctx: &ParseContext,
    first_line: u64,
    parallel: bool,
    chunk_bytes: Option<usize>,
    on_chunk: &(dyn Fn(u64) + Sync),
) -> Result<Vec<RawChunk>, usize> {
    let ranges = if parallel {
        chunk_ranges(data, chunk_bytes.unwrap_or(CHUNK_BYTES))
    } else {
        std::iter::once(0..data.len()).collect()
    };
    let last = ranges.len().saturating_sub(1);
    let parsed: Vec<Result<RawChunk, usize>> = ranges
        .par_iter()
        .enumerate()
        .map(|(i, r)| {
            let bytes = &data[r.clone()];
            if let Some(bad) = super::source::first_invalid_utf8(bytes) {
                return Err(r.start + bad);
            }
            let chunk = parse_chunk(bytes, ctx, i == last);
            on_chunk(r.len() as u64);
            Ok(chunk)
        })
        .collect();
    // The first error in file order: collect stops at the first Err in order.
    let mut chunks = parsed.into_iter().collect::<Result<Vec<_>, usize>>()?;
    if chunks.iter().any(|c| !c.clean) {
        chunks = parse_sequential(data, ctx);
    }
    let mut base = first_line;
    for chunk in &mut chunks {
        for line in chunk.lines.iter_mut() {
            *line += base - 1;
        }
        for reject in chunk.rejects.iter_mut() {
            reject.line += base - 1;
        }
        base += chunk.newlines;
    }
    Ok(chunks)
}

/// Parses the first record of `data`: the header fields and the offset just past it.
pub fn parse_header(data: &[u8], separator: u8) -> Option<(Vec<String>, usize)> {
    let mut rdr = csv_core::ReaderBuilder::new().delimiter(separator).build();
    let mut out = vec![0u8; data.len() + 1];
    let mut ends = vec![0usize; 64];
    let (mut pos, mut nout, mut nend) = (0, 0, 0);
    loop {
        if nend == ends.len() {
            ends.resize(ends.len() * 2, 0);
        }
        let (res, i, o, e) = rdr.read_record(&data[pos..], &mut out[nout..], &mut ends[nend..]);
        (pos, nout, nend) = (pos + i, nout + o, nend + e);
        match res {
            ReadRecordResult::Record => break,
            ReadRecordResult::End => return None,
            _ => {}
        }
    }
    let mut start = 0;
    let fields = ends[..nend]
        .iter()
        .map(|&end| {
            let s = String::from_utf8_lossy(&out[start..end]).into_owned();
            start = end;
            s
        })
        .collect();
    // A record ending in `\r` leaves the `\n` of its `\r\n` unread.
    if pos > 0 && data[pos - 1] == b'\r' && data.get(pos) == Some(&b'\n') {
        pos += 1;
    }
    Some((fields, pos))
}

/// Parses all of `data` with one reader, cutting a new chunk after the record that passes
/// `CHUNK_BYTES` (so cell offsets stay small), without trusting any split made in advance.
fn parse_sequential(data: &[u8], ctx: &ParseContext) -> Vec<RawChunk> {
    let mut rdr = csv_core::ReaderBuilder::new().delimiter(ctx.separator).build();
    let mut chunks = Vec::new();
    let mut pos = 0;
    loop {
        let (chunk, used) = parse_records(&mut rdr, &data[pos..], ctx, true, CHUNK_BYTES);
        pos += used;
        chunks.push(chunk);
        if pos >= data.len() {
            return chunks;
        }
    }
}

/// Parses one chunk. `last` says the chunk ends the file, so a record without a final line
/// break is complete; elsewhere such a record means the chunk was cut inside it.
pub fn parse_chunk(input: &[u8], ctx: &ParseContext, last: bool) -> RawChunk {
    let mut rdr = csv_core::ReaderBuilder::new().delimiter(ctx.separator).build();
    parse_records(&mut rdr, input, ctx, last, usize::MAX).0
}

/// Parses records from `input` until it ends or, after a whole record, `stop_after` input
/// bytes were used; returns the chunk and the bytes used.
fn parse_records(
    rdr: &mut csv_core::Reader,
    input: &[u8],
    ctx: &ParseContext,
    last: bool,
    stop_after: usize,
) -> (RawChunk, usize) {
    let n = ctx.ncols;
    let first_line = rdr.line();
    let capacity = input.len().min(stop_after.saturating_add(1 << 16)) + 1;
    let mut c = RawChunk {
        cells: vec![0; capacity],
        ends: Vec::with_capacity(capacity / 8),
        lines: Vec::with_capacity(capacity / 64),
        masks: ctx.infer.iter().map(|&i| if i { infer::ALL } else { 0 }).collect(),
        seen: vec![false; n],
        clean: true,
        ncols: n,
        ..RawChunk::default()
    };
    let mut scratch = vec![0usize; n + 8];
    let (mut pos, mut out_len, mut skipped_newlines) = (0usize, 0usize, 0u64);
    // Lone-`\r` files: line breaks counted so far, up to `cr_counted`.
    let (mut cr_breaks, mut cr_counted) = (0u64, 0usize);
    while pos < stop_after {
        // Blank lines and the `\n` of a `\r\n` are skipped here so the start line is exact.
        while pos < input.len() && matches!(input[pos], b'\r' | b'\n') {
            skipped_newlines += u64::from(input[pos] == b'\n');
            pos += 1;
        }
        let line = if ctx.cr_lines {
            cr_breaks += line_breaks(&input[cr_counted..pos], true);
            cr_counted = pos;
            1 + cr_breaks
        } else {
            rdr.line() - first_line + 1 + skipped_newlines
        };
        let rec_start = out_len;
        let mut nfields = 0;
        let mut at_eof;
        let complete = loop {
            if nfields == scratch.len() {
                scratch.resize(scratch.len() * 2, 0);
            }
            if out_len == c.cells.len() {
                c.cells.resize(c.cells.len() * 2 + 1, 0);
            }
            let rest = &input[pos..];
            at_eof = rest.is_empty();
            let (res, nin, nout, nend) =
                rdr.read_record(rest, &mut c.cells[out_len..], &mut scratch[nfields..]);
            pos += nin;
            out_len += nout;
            nfields += nend;
            match res {
                ReadRecordResult::Record => break true,
                ReadRecordResult::End => break false,
                _ => {}
            }
        };
        if !complete {
            break;
        }
        if at_eof && !last {
            c.clean = false;
        }
        let fields = &scratch[..nfields];
        let field = |j: usize| -> std::ops::Range<usize> {
            rec_start + if j == 0 { 0 } else { fields[j - 1] }..rec_start + fields[j]
        };
        // A line of only spaces is blank, not a row.
        if nfields == 1 && n > 1 && c.cells[field(0)].trim_ascii().is_empty() {
            out_len = rec_start;
            continue;
        }
        c.records += 1;
        let reject = if nfields != n {
            Some(RejectReason::WrongFieldCount { found: nfields, expected: n })
        } else if c.cells[field(ctx.phone)].trim_ascii().is_empty() {
            Some(RejectReason::EmptyPhone { column: ctx.phone + 1 })
        } else {
            None
        };
        if let Some(reason) = reject {
            let fields =
                (0..nfields).map(|j| String::from_utf8_lossy(&c.cells[field(j)]).into_owned()).collect();
            c.rejects.push(Rejected { line, reason, fields });
            out_len = rec_start;
            continue;
        }
        if let Some(o) = ctx.opt_in {
            match infer::opt_in(&c.cells[field(o)]) {
                OptIn::No => {
                    c.opted_out += 1;
                    out_len = rec_start;
                    continue;
                }
                OptIn::Unrecognised => c.opt_in_unrecognised += 1,
                OptIn::Empty => c.opt_in_empty += 1,
                OptIn::Yes => {}
            }
        }
        for j in 0..n {
            let range = field(j);
            c.ends.push(range.end as u32);
            if ctx.infer[j] {
                let v = c.cells[range].trim_ascii();
                if !v.is_empty() {
                    c.seen[j] = true;
                    if c.masks[j] != 0 {
                        c.masks[j] &= infer::value_mask(v, c.masks[j]);
                    }
                }
            }
        }
        c.lines.push(line);
    }
    c.cells.truncate(out_len);
    c.newlines = if ctx.cr_lines {
        cr_breaks + line_breaks(&input[cr_counted..pos], true)
    } else {
        rdr.line() - first_line + skipped_newlines
    };
    (c, pos)
}
