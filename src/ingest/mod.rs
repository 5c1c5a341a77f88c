//! Ingest: CRM dumps (CSV, comma or semicolon, UTF-8) into typed columns.
//!
//! The file is memory-mapped and UTF-8 checked, the separator detected, the header checked
//! against the file rules and mapped to canonical fields, each column's type guessed from the
//! first rows, and the rows split at record boundaries and parsed in parallel straight into
//! typed column parts (row rules applied on the way). Every value also narrows its column's
//! type mask, so the type is finally inferred from all values: a column the guess got wrong
//! is parsed again by its real type. The parts are then joined into columns.
//! [`read_csv`] does it all and returns the table and its report; committing the result to a
//! workspace is [`commit`]'s job.

mod build;
mod builder;
mod commit;
pub mod consent;
mod error;
#[doc(hidden)]
pub mod fuzz;
mod header;
pub mod infer;
mod parse;
mod quotes;
pub mod records;
mod rejects;
mod report;
mod scan;
mod separator;
mod source;
pub mod sources;
pub mod split;

pub use build::DecimalMark;
pub use commit::{CommittedImport, PreparedImport, commit, into_commit, prepare, prepared};
pub use error::IngestError;
pub use header::{MAX_COLUMNS, canonical_for, header_names};
pub use parse::{RejectReason, Rejected};
pub use quotes::{DEFAULT_MAX_QUOTED_BYTES, DEFAULT_MAX_QUOTED_LINES, QuoteLimits};
pub use rejects::write_rejects;
pub use report::{ColumnReport, ImportReport, Outcome, Step, StepAt, now};
pub use separator::Separator;

use crate::columns::{Bitmap, CanonicalField, Column, ColumnData, PrimitiveColumn, Role, Table};
use build::Plan;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// How to import.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// The separator; `None` detects it from the header.
    pub separator: Option<Separator>,
    pub decimal: DecimalMark,
    /// Refuse files with more data rows than this.
    pub max_rows: Option<u64>,
    /// Refuse files larger than this.
    pub max_bytes: Option<u64>,
    /// Who imports (recorded in the catalog).
    pub imported_by: String,
    /// Parse chunks in parallel (the default); `false` parses in one sequential pass.
    pub parallel: bool,
    /// Bytes per chunk when parsing in parallel; `None` uses the tuned default.
    pub chunk_bytes: Option<usize>,
    /// Bytes read ahead to guess each column's type, so values are typed as they are parsed;
    /// `None` uses the default. Only speed depends on it: a wrong guess costs a column a
    /// second parse, and the result is always typed by all of its values.
    pub sample_bytes: Option<usize>,
    /// How far one quoted field may run before the file is refused as holding a stray quote.
    pub quotes: QuoteLimits,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            separator: None,
            decimal: DecimalMark::Auto,
            max_rows: None,
            max_bytes: None,
            imported_by: default_user(),
            parallel: true,
            chunk_bytes: None,
            sample_bytes: None,
            quotes: QuoteLimits::default(),
        }
    }
}

/// The operating-system user (`$USER`, else the account of the process), or "unknown".
pub fn default_user() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .or_else(|| whoami::username().ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Progress of a running import, for a progress bar.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub bytes_done: u64,
    pub bytes_total: u64,
}

/// A parsed file: its columns, its report (not yet committed) and the rows it rejected.
#[derive(Debug)]
pub struct Ingested {
    pub table: Table,
    pub report: ImportReport,
    pub rejects: Vec<Rejected>,
    /// The header fields as written, for writing rejected rows back out.
    pub header: Vec<String>,
    pub separator: Separator,
    /// The identifiers of the rows that said no to the opt-in (see [`consent`]).
    pub opted_out: Table,
}

/// The name of the system column holding each row's line in its file.
pub const LINE_COLUMN: &str = "_line";

/// Reads and checks one CSV file (`-`: standard input) into columns.
pub fn read_csv(
    path: &Path,
    opts: &ImportOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Ingested, IngestError> {
    let source = source::Source::open(path, opts.max_bytes)?;
    let path = if path.as_os_str() == source::STDIN { Path::new(source::STDIN_NAME) } else { path };
    let mut report = new_report(path, opts);
    report.step(Step::Received);
    report.bytes = source.bytes().len() as u64;
    report.step(Step::Validating);
    let parsed = parse_bytes(path, source.bytes(), opts, report, progress)?;
    // The column parts own their bytes: unmap the file before joining them, so the file
    // and the joined columns are never in memory at once.
    drop(source);
    Ok(parsed.finish())
}

/// [`read_csv`] over bytes already in memory; `path` names them in messages.
pub fn read_bytes(
    path: &Path,
    bytes: &[u8],
    opts: &ImportOptions,
    report: ImportReport,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Ingested, IngestError> {
    Ok(parse_bytes(path, bytes, opts, report, progress)?.finish())
}

/// A file parsed into column parts, with every file rule checked; [`Parsed::finish`] joins its
/// columns.
struct Parsed {
    chunks: Vec<parse::ParsedChunk>,
    plans: Vec<Plan>,
    header: header::Header,
    header_fields: Vec<String>,
    separator: Separator,
    report: ImportReport,
}

/// Checks and parses `bytes` into column parts.
fn parse_bytes(
    path: &Path,
    bytes: &[u8],
    opts: &ImportOptions,
    mut report: ImportReport,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Parsed, IngestError> {
    let (text, bom) = source::strip_bom(bytes);
    if text.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(IngestError::Blank { path: path.to_owned() });
    }
    let sep = match opts.separator {
        Some(s) => s,
        None => separator::detect(path, text)?,
    };
    report.separator = sep.to_string();
    report.separator_detected = opts.separator.is_none();
    let cr_lines = source::breaks_lines_with_cr(text);
    let (header_fields, data_start) = parse::parse_header(text, sep.byte(), cr_lines, opts.quotes)
        .map_err(|p| quote_error(path, bom, &[], p, opts.quotes))?
        .ok_or_else(|| IngestError::Blank { path: path.to_owned() })?;
    if let Some(bad) = source::first_invalid_utf8(&text[..data_start]) {
        return Err(source::utf8_error(path, bytes, bom + bad));
    }
    let header = header::check(path, &header_fields)?;
    let data = &text[data_start..];

    report.step(Step::Parsing);
    let ncols = header.columns.len();
    let forced_text = |c: &header::HeaderColumn| {
        c.canonical.is_some_and(|f| f != CanonicalField::City && f != CanonicalField::OptIn)
    };
    let infer: Vec<bool> = header.columns.iter().map(|c| c.canonical.is_none()).collect();
    let ctx = parse::ParseContext {
        separator: sep.byte(),
        ncols,
        phone: header.phone,
        opt_in: header.opt_in,
        infer: &infer,
        cr_lines,
        fast: !cr_lines,
        quotes: opts.quotes,
    };
    // Each column's plan: fixed by its role, or guessed from the first rows and checked
    // against all of them once every chunk is parsed.
    let fixed: Vec<Option<Plan>> = header
        .columns
        .iter()
        .map(|c| match c.canonical {
            Some(CanonicalField::OptIn) => Some(Plan::OptIn),
            Some(CanonicalField::City) => Some(Plan::Text { dictionary: true }),
            _ if forced_text(c) => Some(Plan::Text { dictionary: false }),
            _ => None,
        })
        .collect();
    let from_mask = |mask, seen| build::plan_from_mask(mask, seen, opts.decimal, sep.byte());
    let (guessed, sizes) =
        guess_plans(data, &ctx, &fixed, opts.sample_bytes.unwrap_or(parse::SAMPLE_BYTES), from_mask);

    let done = AtomicU64::new(0);
    let total = data.len() as u64;
    let on_chunk = |n: u64| {
        let bytes_done = done.fetch_add(n, Ordering::Relaxed) + n;
        progress(Progress { bytes_done, bytes_total: total });
    };
    let first_data_line = 1 + parse::line_breaks(&text[..data_start], cr_lines);
    let guessed_some: Vec<Option<Plan>> = guessed.iter().copied().map(Some).collect();
    let mut chunks = parse::parse_data(
        data,
        &ctx,
        &guessed_some,
        &sizes,
        first_data_line,
        opts.parallel,
        opts.chunk_bytes,
        &on_chunk,
    )
    .map_err(|fault| match fault {
        parse::DataFault::NotUtf8 { at } => source::utf8_error(path, bytes, bom + data_start + at),
        parse::DataFault::Quote(p) => {
            let p = quotes::QuoteProblem { at: p.at + data_start, ..p };
            quote_error(path, bom, &header.columns, p, opts.quotes)
        }
    })?;

    let mut masks = vec![infer::ALL; ncols];
    let mut seen = vec![false; ncols];
    for c in &chunks {
        for j in 0..ncols {
            masks[j] &= c.masks[j];
            seen[j] |= c.seen[j];
        }
        report.records_read += c.records;
        report.rows_opted_out += c.opted_out;
        report.opt_in_unrecognised += c.opt_in_unrecognised;
        report.opt_in_empty += c.opt_in_empty;
    }
    let newlines: u64 = chunks.iter().map(|c| c.newlines).sum::<u64>() + (first_data_line - 1);
    report.lines_read = newlines + u64::from(!text.ends_with(if cr_lines { b"\r" } else { b"\n" }));
    if report.records_read == 0 {
        let header_lines = (first_data_line - 1).max(1);
        return Err(IngestError::NoRows { path: path.to_owned(), header_lines });
    }
    if let Some(max) = opts.max_rows.filter(|&m| report.records_read > m) {
        return Err(IngestError::TooManyRows { path: path.to_owned(), rows: report.records_read, max });
    }
    let plans: Vec<Plan> =
        (0..ncols).map(|j| fixed[j].unwrap_or_else(|| from_mask(masks[j], seen[j]))).collect();
    // Columns whose values did not all fit the guess are parsed again by what they hold.
    let wrong: Vec<Option<Plan>> = plans.iter().zip(&guessed).map(|(&p, &g)| (p != g).then_some(p)).collect();
    if wrong.iter().any(Option::is_some) {
        parse::reparse(data, &ctx, &wrong, &mut chunks);
    }
    Ok(Parsed { chunks, plans, header, header_fields, separator: sep, report })
}

impl Parsed {
    /// Joins the columns (consuming the parts) and completes the report.
    fn finish(self) -> Ingested {
        let Parsed { mut chunks, plans, header, header_fields, separator, mut report } = self;
        let mut rejects: Vec<Rejected> =
            chunks.iter_mut().flat_map(|c| std::mem::take(&mut c.rejects)).collect();
        let opted_out: Vec<parse::OptedOutRow> =
            chunks.iter_mut().flat_map(|c| std::mem::take(&mut c.opted_out_rows)).collect();
        let opted_out = consent::opt_out_table(&header.columns, &opted_out);
        let (data_columns, lines) = build::join_columns(chunks, &plans);
        let rows = lines.len();

        let mut columns: Vec<Column> = header
            .columns
            .iter()
            .zip(data_columns)
            .map(|(h, data)| Column {
                name: h.name.clone(),
                role: h.canonical.map_or(Role::Attribute, Role::Canonical),
                data,
            })
            .collect();
        report.columns = header
            .columns
            .iter()
            .zip(&columns)
            .enumerate()
            .map(|(i, (h, c))| ColumnReport {
                position: i + 1,
                header: h.header.clone(),
                name: h.name.clone(),
                canonical: h.canonical.map(|f| f.name().to_owned()),
                data_type: c.data_type().user_name().to_owned(),
            })
            .collect();
        columns.push(Column {
            name: LINE_COLUMN.to_owned(),
            role: Role::System,
            data: ColumnData::Int64(PrimitiveColumn::new(lines, Bitmap::new_set(rows))),
        });

        rejects.sort_by_key(|r| r.line);
        report.rows_imported = rows as u64;
        report.rows_rejected = rejects.len() as u64;
        for r in &rejects {
            *report.rejected_by_reason.entry(r.reason.key().to_owned()).or_default() += 1;
        }
        match header.opt_in {
            Some(o) => report.opt_in_column = Some(header.columns[o].header.clone()),
            None => report.notes.push("no opt-in column: every row counts as opted in".to_owned()),
        }
        if report.opt_in_unrecognised > 0 {
            report.notes.push(format!(
                "{} opt-in values were neither yes nor no; those rows were imported as opted in",
                report.opt_in_unrecognised
            ));
        }
        if rows == 0 {
            report.notes.push("no row was left to import after the row rules".to_owned());
        }
        report.outcome = if rejects.is_empty() { Outcome::Success } else { Outcome::CompletedWithErrors };
        report.finished_at = now();
        Ingested {
            table: Table::new(rows, columns),
            report,
            rejects,
            header: header_fields,
            separator,
            opted_out,
        }
    }
}

/// The error for a quote problem at byte `p.at` of the text after the byte-order mark.
fn quote_error(
    path: &Path,
    bom: usize,
    columns: &[header::HeaderColumn],
    p: quotes::QuoteProblem,
    limits: QuoteLimits,
) -> IngestError {
    let name = columns.get(p.field - 1).map(|c| crate::text::excerpt(&c.header, 40));
    let (path, line, column, byte) = (path.to_owned(), p.line, p.field, (bom + p.at) as u64);
    let column_name = name.map_or_else(String::new, |n| format!(" ({n})"));
    match p.fault {
        quotes::QuoteFault::NeverCloses => {
            IngestError::QuoteNeverCloses { path, line, column, column_name, byte }
        }
        quotes::QuoteFault::TooManyLines { .. } => {
            let limit = format!("{} lines (--max-quoted-lines)", limits.max_lines);
            IngestError::QuotedFieldTooLong { path, line, column, column_name, byte, limit }
        }
        quotes::QuoteFault::TooManyBytes { .. } => {
            let limit = format!("{} bytes (--max-quoted-bytes)", limits.max_bytes);
            IngestError::QuotedFieldTooLong { path, line, column, column_name, byte, limit }
        }
    }
}

/// Each column's plan guessed from the first `sample_bytes` of `data` (the fixed ones kept),
/// and the sizes seen there.
fn guess_plans(
    data: &[u8],
    ctx: &parse::ParseContext,
    fixed: &[Option<Plan>],
    sample_bytes: usize,
    from_mask: impl Fn(u8, bool) -> Plan,
) -> (Vec<Plan>, parse::Sizes) {
    // End the sample at a line end, so no value is read cut short.
    let end = if data.len() <= sample_bytes {
        data.len()
    } else {
        memchr::memrchr(b'\n', &data[..sample_bytes]).map_or(sample_bytes, |p| p + 1)
    };
    let as_text: Vec<Option<Plan>> =
        fixed.iter().map(|f| Some(f.unwrap_or(Plan::Text { dictionary: false }))).collect();
    if source::first_invalid_utf8(&data[..end]).is_some() {
        // Parsing the data reports it; any guess does until then.
        let text = as_text.into_iter().map(|p| p.expect("every column has a plan")).collect();
        return (text, parse::Sizes::default());
    }
    let sample = parse::parse_chunk(&data[..end], ctx, &as_text, &parse::Sizes::default(), end == data.len());
    let rows = sample.rows();
    let guessed = (0..ctx.ncols)
        .map(|j| fixed[j].unwrap_or_else(|| from_mask(sample.masks[j], sample.seen[j])))
        .collect();
    let sizes = if rows == 0 {
        parse::Sizes::default()
    } else {
        parse::Sizes {
            row_bytes: end as f64 / rows as f64,
            cell_bytes: sample
                .columns
                .iter()
                .map(|c| match c {
                    Some(ColumnData::Utf8(t)) => t.bytes().len() as f64 / rows as f64,
                    _ => 0.0,
                })
                .collect(),
        }
    };
    (guessed, sizes)
}

/// A fresh report for `path`.
pub fn new_report(path: &Path, opts: &ImportOptions) -> ImportReport {
    ImportReport {
        id: None,
        file: path.display().to_string(),
        file_name: path
            .file_name()
            .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned()),
        bytes: 0,
        separator: String::new(),
        separator_detected: false,
        columns: Vec::new(),
        lines_read: 0,
        records_read: 0,
        rows_imported: 0,
        rows_rejected: 0,
        rejected_by_reason: Default::default(),
        rows_opted_out: 0,
        rows_suppressed: 0,
        opt_in_column: None,
        opt_in_unrecognised: 0,
        opt_in_empty: 0,
        notes: Vec::new(),
        imported_by: opts.imported_by.clone(),
        started_at: now(),
        finished_at: String::new(),
        outcome: Outcome::Failed,
        status_history: Vec::new(),
        rejects_file: None,
        source: String::new(),
        records: None,
    }
}

#[cfg(test)]
mod tests;
