//! Parsing data rows into typed column parts, chunk by chunk, with the row rules applied on
//! the way: wrong field counts and empty phones are rejected, opted-out rows are skipped and
//! counted, and every kept value is typed by its column's plan and adds to its type mask.

use super::build::Plan;
use super::builder::ColumnBuilder;
use super::infer::{self, OptIn};
use super::quotes::{self, QuoteLimits, QuoteProblem};
use super::scan::Structurals;
use super::split::{CHUNK_BYTES, chunk_ranges};
use crate::columns::ColumnData;
use csv_core::ReadRecordResult;
use rayon::prelude::*;
use serde::Serialize;
use std::ops::Range;

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

/// A row that said no to the opt-in: kept as a consent statement for its identifiers, not as
/// a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptedOutRow {
    pub line: u64,
    pub fields: Vec<String>,
}

/// A rejected row: where it was, why, and its fields as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    pub line: u64,
    pub reason: RejectReason,
    pub fields: Vec<String>,
}

/// Bytes read ahead to guess column types (see `ImportOptions::sample_bytes`); tiny in debug
/// builds, so tests exercise wrong guesses.
pub const SAMPLE_BYTES: usize = if cfg!(debug_assertions) { 100 } else { 1 << 20 };

/// What the parser needs to know about the columns.
#[derive(Clone, Copy)]
pub struct ParseContext<'a> {
    pub separator: u8,
    pub ncols: usize,
    pub phone: usize,
    pub opt_in: Option<usize>,
    /// Columns whose type is inferred from their values.
    pub infer: &'a [bool],
    /// The file breaks lines with a lone `\r` (no `\n` anywhere): count those as lines.
    pub cr_lines: bool,
    /// Read plain records (no quote, no lone `\r`) from their structural positions; `false`
    /// gives every record to csv-core (tests compare the two).
    pub fast: bool,
    /// How far one quoted field may run.
    pub quotes: QuoteLimits,
}

/// Line breaks in `bytes`: `\n`, or `\r` in files that break lines with a lone `\r`.
pub fn line_breaks(bytes: &[u8], cr_lines: bool) -> u64 {
    memchr::memchr_iter(if cr_lines { b'\r' } else { b'\n' }, bytes).count() as u64
}

/// The kept rows of one chunk, as typed column parts, plus what the rules counted.
#[derive(Debug, Default, PartialEq)]
pub struct ParsedChunk {
    /// The bytes of the data this chunk covers.
    pub range: Range<usize>,
    /// Per column: its part for this chunk, built by the plan the chunk was parsed with
    /// (`None` where that plan skipped it).
    pub columns: Vec<Option<ColumnData>>,
    /// The line each kept row starts on (local to the chunk until `parse_data` fixes it).
    pub lines: Vec<u64>,
    /// Per column: the types every non-empty value fits (see `infer`).
    pub masks: Vec<u8>,
    /// Per column: whether any value was non-empty.
    pub seen: Vec<bool>,
    pub rejects: Vec<Rejected>,
    /// The rows that said no to the opt-in.
    pub opted_out_rows: Vec<OptedOutRow>,
    pub records: u64,
    pub opted_out: u64,
    pub opt_in_unrecognised: u64,
    pub opt_in_empty: u64,
    /// `\n` bytes in the chunk.
    pub newlines: u64,
    /// Whether the chunk ended exactly at the end of a record.
    pub clean: bool,
    /// A quoted field that breaks the quote rules; parsing stopped at its record.
    pub quote_problem: Option<QuoteProblem>,
}

impl ParsedChunk {
    pub fn rows(&self) -> usize {
        self.lines.len()
    }
}

/// Expected sizes, from the first rows of the file, so column parts are allocated once.
#[derive(Clone, Debug, Default)]
pub struct Sizes {
    /// Input bytes per kept row.
    pub row_bytes: f64,
    /// Per column: text bytes per kept row.
    pub cell_bytes: Vec<f64>,
}

impl Sizes {
    fn rows_in(&self, input: usize) -> usize {
        if self.row_bytes <= 0.0 { 64 } else { (input as f64 / self.row_bytes * 1.05) as usize + 16 }
    }
}

/// Parses `data` (the bytes after the header), in parallel chunks when `parallel`, building
/// each column by `plans` (`None`: only its type mask), and fixes line numbers to count from
/// `first_line`. Falls back to one sequential pass when a chunk does not end at a record end,
/// so the result never depends on how the data was split.
/// Each chunk is UTF-8 checked first. The first failure in file order is returned, with
/// positions relative to `data` and lines counted from `first_line`.
#[allow(clippy::too_many_arguments)]
pub fn parse_data(
    data: &[u8],
    ctx: &ParseContext,
    plans: &[Option<Plan>],
    sizes: &Sizes,
    first_line: u64,
    parallel: bool,
    chunk_bytes: Option<usize>,
    on_chunk: &(dyn Fn(u64) + Sync),
) -> Result<Vec<ParsedChunk>, DataFault> {
    let ranges = if parallel {
        chunk_ranges(data, chunk_bytes.unwrap_or(CHUNK_BYTES))
    } else {
        std::iter::once(0..data.len()).collect()
    };
    let last = ranges.len().saturating_sub(1);
    let parsed: Vec<Result<ParsedChunk, DataFault>> = ranges
        .par_iter()
        .enumerate()
        .map(|(i, r)| {
            let bytes = &data[r.clone()];
            if let Some(bad) = super::source::first_invalid_utf8(bytes) {
                return Err(DataFault::NotUtf8 { at: r.start + bad });
            }
            let mut chunk = parse_chunk(bytes, ctx, plans, sizes, i == last);
            chunk.range = r.clone();
            on_chunk(r.len() as u64);
            Ok(chunk)
        })
        .collect();
    // The first error in file order: collect stops at the first Err in order.
    let mut chunks = parsed.into_iter().collect::<Result<Vec<_>, DataFault>>()?;
    // A chunk's quote problem is real when every chunk before it ended at a record end (so it
    // started at one); a chunk that did not end at one means the split was wrong.
    let first_bad = chunks.iter().position(|c| c.quote_problem.is_some() || !c.clean);
    if first_bad.is_some_and(|i| chunks[i].quote_problem.is_none()) {
        chunks = parse_sequential(data, ctx, plans, sizes);
    }
    let mut base = first_line;
    for chunk in &mut chunks {
        if let Some(p) = chunk.quote_problem {
            let problem = QuoteProblem { line: p.line + base - 1, at: p.at + chunk.range.start, ..p };
            return Err(DataFault::Quote(problem));
        }
        for line in chunk.lines.iter_mut() {
            *line += base - 1;
        }
        for reject in chunk.rejects.iter_mut() {
            reject.line += base - 1;
        }
        for row in chunk.opted_out_rows.iter_mut() {
            row.line += base - 1;
        }
        base += chunk.newlines;
    }
    Ok(chunks)
}

/// Parses the columns that `plans` names again, in every chunk (in parallel), replacing their
/// parts: for columns whose guessed plan turned out wrong. The chunks keep everything else.
pub fn reparse(data: &[u8], ctx: &ParseContext, plans: &[Option<Plan>], chunks: &mut [ParsedChunk]) {
    let last = chunks.len().saturating_sub(1);
    // Types are known now: no mask to narrow.
    let infer = vec![false; ctx.ncols];
    let ctx = ParseContext { infer: &infer, ..*ctx };
    chunks.par_iter_mut().enumerate().for_each(|(i, chunk)| {
        let row_bytes = chunk.range.len() as f64 / chunk.rows().max(1) as f64;
        let sizes = Sizes { row_bytes, cell_bytes: Vec::new() };
        let again = parse_chunk(&data[chunk.range.clone()], &ctx, plans, &sizes, i == last);
        assert_eq!(again.rows(), chunk.rows(), "parsing a chunk again keeps the same rows");
        for (j, part) in again.columns.into_iter().enumerate() {
            if plans[j].is_some() {
                chunk.columns[j] = part;
            }
        }
    });
}

/// Why data rows could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataFault {
    /// The byte at `at` is not valid UTF-8.
    NotUtf8 {
        at: usize,
    },
    Quote(QuoteProblem),
}

/// Parses the first record of `data`: the header fields and the offset just past it (`None`
/// when there is no record), or the header's quote problem.
pub fn parse_header(
    data: &[u8],
    separator: u8,
    cr_lines: bool,
    limits: QuoteLimits,
) -> Result<Option<(Vec<String>, usize)>, QuoteProblem> {
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
            ReadRecordResult::End => return Ok(None),
            _ => {}
        }
    }
    if let Some(mut p) = quotes::check_record(&data[..pos], separator, cr_lines, limits, pos >= data.len()) {
        p.line += 1;
        return Err(p);
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
    Ok(Some((fields, pos)))
}

/// Parses all of `data` with one reader, cutting a new chunk after the record that passes
/// `CHUNK_BYTES` (so chunks stay small), without trusting any split made in advance.
fn parse_sequential(
    data: &[u8],
    ctx: &ParseContext,
    plans: &[Option<Plan>],
    sizes: &Sizes,
) -> Vec<ParsedChunk> {
    let mut rdr = csv_core::ReaderBuilder::new().delimiter(ctx.separator).build();
    let mut chunks = Vec::new();
    let mut pos = 0;
    loop {
        let (mut chunk, used) = parse_records(&mut rdr, &data[pos..], ctx, plans, sizes, true, CHUNK_BYTES);
        chunk.range = pos..pos + used;
        pos += used;
        let stop = chunk.quote_problem.is_some();
        chunks.push(chunk);
        if pos >= data.len() || stop {
            return chunks;
        }
    }
}

/// Parses one chunk. `last` says the chunk ends the file, so a record without a final line
/// break is complete; elsewhere such a record means the chunk was cut inside it.
pub fn parse_chunk(
    input: &[u8],
    ctx: &ParseContext,
    plans: &[Option<Plan>],
    sizes: &Sizes,
    last: bool,
) -> ParsedChunk {
    let mut rdr = csv_core::ReaderBuilder::new().delimiter(ctx.separator).build();
    parse_records(&mut rdr, input, ctx, plans, sizes, last, usize::MAX).0
}

/// Resets `rdr` to the start of a record as a reader that has read before: csv-core drops a
/// UTF-8 byte-order mark at the start of a fresh reader's input, which would make a record
/// starting with U+FEFF lose it when read by csv-core yet keep it when read by the fast path.
/// (The file's own byte-order mark is stripped before parsing.) A line break at the start of
/// a record is skipped, so reading one leaves the reader where `reset` put it.
fn restart(rdr: &mut csv_core::Reader, scratch: &mut [u8], ends: &mut [usize]) {
    rdr.reset();
    let (res, nin, _, _) = rdr.read_record(b"\n", scratch, ends);
    debug_assert!(res == ReadRecordResult::InputEmpty && nin == 1, "{res:?} {nin}");
}

/// Parses records from `input` until it ends or, after a whole record, `stop_after` input
/// bytes were used; returns the chunk and the bytes used.
fn parse_records(
    rdr: &mut csv_core::Reader,
    input: &[u8],
    ctx: &ParseContext,
    plans: &[Option<Plan>],
    sizes: &Sizes,
    last: bool,
    stop_after: usize,
) -> (ParsedChunk, usize) {
    let n = ctx.ncols;
    let rows = sizes.rows_in(input.len().min(stop_after.saturating_add(1 << 16)));
    let mut builders: Vec<ColumnBuilder> = plans
        .iter()
        .enumerate()
        .map(|(j, &p)| {
            let bytes = sizes.cell_bytes.get(j).map_or(0, |b| (b * rows as f64) as usize);
            ColumnBuilder::new(p, rows, bytes)
        })
        .collect();
    let mut c = ParsedChunk {
        lines: Vec::with_capacity(rows),
        masks: ctx.infer.iter().map(|&i| if i { infer::ALL } else { 0 }).collect(),
        seen: vec![false; n],
        clean: true,
        ..ParsedChunk::default()
    };
    // Field ends of the current record: in `input` for plain records (fields one separator
    // apart), else in `rec`, where csv-core writes the unquoted fields back to back.
    let mut rec = vec![0u8; 4096];
    let mut ends = vec![0usize; n + 8];
    let mut structurals = Structurals::new(input, ctx.separator, 0);
    // `\n` bytes before `pos`.
    let (mut pos, mut newlines) = (0usize, 0u64);
    // Lone-`\r` files: line breaks counted so far, up to `cr_counted`.
    let (mut cr_breaks, mut cr_counted) = (0u64, 0usize);
    while pos < stop_after {
        // Blank lines (and a `\n` left after a record csv-core ended at `\r`) are skipped here
        // so the start line is exact.
        let skipped_from = pos;
        while pos < input.len() && matches!(input[pos], b'\r' | b'\n') {
            newlines += u64::from(input[pos] == b'\n');
            pos += 1;
        }
        if pos != skipped_from {
            structurals.seek(pos);
        }
        let line = if ctx.cr_lines {
            cr_breaks += line_breaks(&input[cr_counted..pos], true);
            cr_counted = pos;
            1 + cr_breaks
        } else {
            1 + newlines
        };
        let rec_start = pos;
        let plain = if ctx.fast && pos < input.len() {
            plain_record(input, &mut structurals, ctx.separator, rec_start, &mut ends)
        } else {
            None
        };
        let (nfields, at_eof, in_input) = match plain {
            Some(Plain { fields, end, newline }) => {
                pos = end;
                newlines += u64::from(newline);
                (fields, !newline, true)
            }
            None => {
                restart(rdr, &mut rec, &mut ends);
                let (mut out_len, mut nfields) = (0usize, 0usize);
                let mut at_eof;
                let complete = loop {
                    if nfields == ends.len() {
                        ends.resize(ends.len() * 2, 0);
                    }
                    if out_len == rec.len() {
                        rec.resize(rec.len() * 2, 0);
                    }
                    let rest = &input[pos..];
                    at_eof = rest.is_empty();
                    let (res, nin, nout, nend) =
                        rdr.read_record(rest, &mut rec[out_len..], &mut ends[nfields..]);
                    pos += nin;
                    out_len += nout;
                    nfields += nend;
                    match res {
                        ReadRecordResult::Record => break true,
                        ReadRecordResult::End => break false,
                        _ => {}
                    }
                };
                let rec_newlines = line_breaks(&input[rec_start..pos], false);
                newlines += rec_newlines;
                structurals.seek(pos);
                if let Some(p) = quote_problem(&input[rec_start..pos], ctx, rec_newlines, last && at_eof) {
                    c.quote_problem = Some(QuoteProblem { line: line + p.line, at: rec_start + p.at, ..p });
                    break;
                }
                if !complete {
                    break;
                }
                (nfields, at_eof, false)
            }
        };
        if at_eof && !last {
            c.clean = false;
        }
        let fields = &ends[..nfields];
        let (bytes, first, gap) = if in_input { (input, rec_start, 1) } else { (&rec[..], 0, 0) };
        let field =
            |j: usize| -> &[u8] { &bytes[if j == 0 { first } else { fields[j - 1] + gap }..fields[j]] };
        // A line of only spaces is blank, not a row.
        if nfields == 1 && n > 1 && field(0).trim_ascii().is_empty() {
            continue;
        }
        c.records += 1;
        let reject = if nfields != n {
            Some(RejectReason::WrongFieldCount { found: nfields, expected: n })
        } else if field(ctx.phone).trim_ascii().is_empty() {
            Some(RejectReason::EmptyPhone { column: ctx.phone + 1 })
        } else {
            None
        };
        if let Some(reason) = reject {
            let fields = (0..nfields).map(|j| String::from_utf8_lossy(field(j)).into_owned()).collect();
            c.rejects.push(Rejected { line, reason, fields });
            continue;
        }
        let mut opted_in = false;
        if let Some(o) = ctx.opt_in {
            let said = infer::opt_in(field(o));
            match said {
                OptIn::No => {
                    c.opted_out += 1;
                    let fields =
                        (0..nfields).map(|j| String::from_utf8_lossy(field(j).trim_ascii()).into_owned());
                    c.opted_out_rows.push(OptedOutRow { line, fields: fields.collect() });
                    continue;
                }
                OptIn::Unrecognised => c.opt_in_unrecognised += 1,
                OptIn::Empty => c.opt_in_empty += 1,
                OptIn::Yes => {}
            }
            opted_in = said == OptIn::Yes;
        }
        for (j, builder) in builders.iter_mut().enumerate() {
            if Some(j) == ctx.opt_in {
                builder.push_opt_in(opted_in);
                continue;
            }
            let v = field(j).trim_ascii();
            c.seen[j] |= !v.is_empty();
            builder.push(v, &mut c.masks[j]);
        }
        c.lines.push(line);
    }
    c.columns = builders.into_iter().map(ColumnBuilder::finish).collect();
    c.newlines = if ctx.cr_lines { cr_breaks + line_breaks(&input[cr_counted..pos], true) } else { newlines };
    (c, pos)
}

/// The quote problem of a record csv-core read (its bytes in `record`, `newlines` `\n` among
/// them), if any. Only records long enough to break a limit, or ending the input, are
/// scanned.
fn quote_problem(record: &[u8], ctx: &ParseContext, newlines: u64, ends_input: bool) -> Option<QuoteProblem> {
    let breaks = if ctx.cr_lines { line_breaks(record, true) } else { newlines };
    let long = breaks >= ctx.quotes.max_lines || record.len() as u64 > ctx.quotes.max_bytes;
    if !(long || ends_input) {
        return None;
    }
    quotes::check_record(record, ctx.separator, ctx.cr_lines, ctx.quotes, ends_input)
}

/// A plain record read from its structural positions.
struct Plain {
    /// Fields in the record.
    fields: usize,
    /// Just past the record and its line break.
    end: usize,
    /// Whether it ended at a line break (else at the end of the input).
    newline: bool,
}

/// Reads the record at `start` if it is plain: no quote, and no `\r` but in a final `\r\n`,
/// so csv-core would read exactly its bytes between separators. Field ends (positions in
/// `input`) go to `ends`. `None` leaves the record to csv-core; `structurals` is then left
/// anywhere, for the caller to seek.
#[inline]
fn plain_record(
    input: &[u8],
    structurals: &mut Structurals,
    separator: u8,
    start: usize,
    ends: &mut Vec<usize>,
) -> Option<Plain> {
    let mut fields = 0;
    loop {
        if fields == ends.len() {
            ends.resize(ends.len() * 2, 0);
        }
        let Some(at) = structurals.next_position() else {
            ends[fields] = input.len();
            return Some(Plain { fields: fields + 1, end: input.len(), newline: false });
        };
        debug_assert!(at >= start);
        ends[fields] = at;
        fields += 1;
        match input[at] {
            b'\n' => return Some(Plain { fields, end: at + 1, newline: true }),
            b'\r' if input.get(at + 1) == Some(&b'\n') => {
                structurals.next_position();
                return Some(Plain { fields, end: at + 2, newline: true });
            }
            b if b == separator => {}
            _ => return None,
        }
    }
}
