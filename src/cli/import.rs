//! `hyperseg import FILE...`

use super::output::{Output, thousands};
use super::progress::Bar;
use anyhow::Context;
use hyperseg::compute::{BackendChoice, Work};
use hyperseg::identity::ResolveStats;
use hyperseg::ingest::records::{Mode, SourceSpec};
use hyperseg::ingest::{self, DecimalMark, ImportOptions, ImportReport, Separator};
use hyperseg::pipeline::{self, FileImport, ImportOutcome, ImportRequest, Progress};
use hyperseg::store::Workspace;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// CSV files to import (comma, semicolon or tab separated, UTF-8, with a header); `-` reads
    /// standard input.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The separator; detected from the header when not given.
    #[arg(long, value_enum)]
    separator: Option<Separator>,
    /// The decimal mark for numbers that fit both (like 1.234).
    #[arg(long, value_enum, default_value_t = DecimalMark::Auto)]
    decimal: DecimalMark,
    /// Write every rejected row, with its line and reason, to this CSV file.
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Refuse a file with more data rows than this.
    #[arg(long, value_name = "N")]
    max_rows: Option<u64>,
    /// Refuse a file larger than this many bytes (suffixes KB, MB, GB allowed).
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    max_bytes: Option<u64>,
    /// Refuse a file where one quoted field spans more lines than this (a stray quote).
    #[arg(long, value_name = "N", default_value_t = ingest::DEFAULT_MAX_QUOTED_LINES,
          value_parser = clap::value_parser!(u64).range(1..))]
    max_quoted_lines: u64,
    /// Refuse a file where one quoted field holds more bytes than this (suffixes allowed).
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes, default_value = "1MiB")]
    max_quoted_bytes: u64,
    /// Who imports (recorded in the catalog); default: the operating-system user.
    #[arg(long, value_name = "NAME")]
    by: Option<String>,
    /// The source the files belong to (a CRM, a lead list); default: each file's name
    /// without its extension. A source's records are matched across its imports.
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
    /// `upsert`: the file's records are added or replace their earlier versions; `replace`:
    /// the file is the source's whole current state, and records absent from it leave.
    #[arg(long, value_name = "MODE", default_value = "upsert", value_parser = parse_mode)]
    mode: Mode,
    /// The column holding the source's own record id (a CRM's contact id); without it a
    /// record is known by its whole content.
    #[arg(long, value_name = "COLUMN")]
    record_id: Option<String>,
    /// Parse in one sequential pass instead of in parallel chunks.
    #[arg(long, hide = true)]
    sequential: bool,
}

/// Parses `upsert` or `replace`.
pub fn parse_mode(s: &str) -> Result<Mode, String> {
    s.parse()
}

/// Parses a byte count such as `10MB`, `50000`, `1GiB`.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("{s:?} is not a byte count (e.g. 10MB)"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1_000,
        "kib" => 1 << 10,
        "mb" | "m" => 1_000_000,
        "mib" => 1 << 20,
        "gb" | "g" => 1_000_000_000,
        "gib" => 1 << 30,
        other => return Err(format!("unknown unit {other:?}; use B, KB, MB, GB, KiB, MiB or GiB")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("{s} is too large"))
}

pub fn run(dir: &Path, args: ImportArgs, choice: BackendChoice, out: &Output) -> anyhow::Result<()> {
    let mut ws = Workspace::open(dir).with_context(|| format!("opening workspace {}", dir.display()))?;
    let lock = ws.lock()?;
    // Audiences are refreshed after the import: a backend that cannot run (--backend gpu
    // without an adapter) fails here, before anything is written.
    let has_audiences =
        !hyperseg::audience::list(&ws, &hyperseg::audience::ListFilter::default())?.is_empty();
    let backend = match has_audiences {
        true => super::compute::backend(choice, Work::Filter)?,
        false => Box::new(hyperseg::compute::CpuBackend),
    };
    let source =
        SourceSpec { source: args.source.clone(), mode: args.mode, record_id: args.record_id.clone() };
    let req = ImportRequest {
        files: args.files.iter().map(|p| FileImport { path: p.clone(), source: source.clone() }).collect(),
        options: ImportOptions {
            separator: args.separator,
            decimal: args.decimal,
            max_rows: args.max_rows,
            max_bytes: args.max_bytes,
            imported_by: args.by.unwrap_or_else(ingest::default_user),
            parallel: !args.sequential,
            chunk_bytes: None,
            sample_bytes: None,
            quotes: ingest::QuoteLimits {
                max_lines: args.max_quoted_lines,
                max_bytes: args.max_quoted_bytes,
            },
        },
        rejects: args.rejects,
    };
    let bar = Bar::bytes(0, "importing");
    let outcome = pipeline::import(&mut ws, &lock, &req, backend.as_ref(), &|p| match p {
        Progress::Reading { bytes_done, bytes_total, .. } => bar.set_total_and_done(bytes_total, bytes_done),
        Progress::Resolving | Progress::Linking | Progress::Committing | Progress::Refreshing => {}
    });
    bar.finish();
    drop(lock);
    let outcome = match outcome {
        Ok(o) => o,
        Err(failed) => {
            if out.json {
                out.json_value(
                    &serde_json::json!({ "report": failed.report, "error": failed.error.to_string() }),
                )?;
            }
            return Err(failed.error.into());
        }
    };
    if out.json {
        return out.json_value(&outcome);
    }
    out.text(&render_outcome(&outcome))
}

/// The human form of an import's outcome: each file's report, then profiles and audiences.
pub fn render_outcome(o: &ImportOutcome) -> String {
    let mut parts: Vec<String> = o.imports.iter().map(render).collect();
    match &o.identity {
        Some(stats) => parts.push(render_identity(stats)),
        None => parts.push("No record changed: profiles and audiences are as they were.".to_owned()),
    }
    if !o.audiences.is_empty() {
        let mut s = String::from("Audiences:");
        for a in &o.audiences {
            s.push_str(&format!(
                "\n  {:<28} {:>10} profiles  (+{} joined, -{} left)",
                a.name,
                thousands(a.size),
                thousands(a.joined),
                thousands(a.left)
            ));
            if let Some(note) = &a.note {
                s.push_str(&format!("\n    note: {note}"));
            }
        }
        parts.push(s);
    }
    parts.join("\n")
}

/// The human form of a resolution's outcome.
pub fn render_identity(s: &ResolveStats) -> String {
    let mut out = format!(
        "Profiles: {} ({} new, {} merged, {} split) from {} records; rules {}",
        thousands(s.profiles as u64),
        thousands(s.new_profiles as u64),
        thousands(s.merges as u64),
        thousands(s.splits as u64),
        thousands(s.records as u64),
        s.rules.join(", ")
    );
    if s.retired > 0 {
        let ids = s.retired_ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
        let more = if s.retired > s.retired_ids.len() { ", …" } else { "" };
        out.push_str(&format!(
            "\n  retired (no record left): {} profiles: {ids}{more}",
            thousands(s.retired as u64)
        ));
    }
    for h in &s.hubs {
        out.push_str(&format!(
            "\n  not used for linking ({} records, at least {} different people share it; limit {}): {} {}",
            thousands(h.records as u64),
            thousands(h.people as u64),
            s.hub_limit,
            h.rule,
            h.identifier
        ));
    }
    let invalid_phones: u64 = s.invalid.phones.values().sum();
    let invalid_cpfs: u64 = s.invalid.tax_documents.values().sum();
    if invalid_phones + invalid_cpfs + s.invalid.emails_malformed > 0 {
        out.push_str(&format!(
            "\n  identifiers that are not keys: {} phones, {} e-mails, {} CPFs (see `hyperseg profiles stats`)",
            thousands(invalid_phones),
            thousands(s.invalid.emails_malformed),
            thousands(invalid_cpfs)
        ));
    }
    out
}

/// The human form of an import report.
pub fn render(r: &ImportReport) -> String {
    let mut s = String::new();
    let id = r.id.map_or_else(String::new, |id| format!(" as import #{id}"));
    s.push_str(&format!("Imported {}{id}: {}\n", r.file_name, r.outcome));
    if let Some(c) = &r.records {
        let key = c.record_id.as_ref().map_or_else(|| "whole row".to_owned(), |k| format!("column {k}"));
        s.push_str(&format!("  source          {} ({} mode, records known by {key})\n", c.source, c.mode));
        let removed = match c.mode {
            hyperseg::ingest::records::Mode::Replace => format!(", {} removed", thousands(c.removed)),
            hyperseg::ingest::records::Mode::Upsert => String::new(),
        };
        s.push_str(&format!(
            "  records         {} new, {} changed, {} unchanged{removed}, {} duplicates in the file; the source holds {}\n",
            thousands(c.new),
            thousands(c.changed),
            thousands(c.unchanged),
            thousands(c.duplicates),
            thousands(c.source_records)
        ));
    }
    let detected = if r.separator_detected { "detected" } else { "given" };
    s.push_str(&format!("  separator       {} ({detected})\n", r.separator));
    s.push_str(&format!("  columns         {}\n", r.columns.len()));
    for c in &r.columns {
        let target = match &c.canonical {
            Some(canonical) => format!("→ {canonical}"),
            None => "(attribute)".to_owned(),
        };
        s.push_str(&format!("    {:>3}  {:<28} {:<16} {}\n", c.position, c.header, target, c.data_type));
    }
    s.push_str(&format!("  lines read      {}\n", thousands(r.lines_read)));
    s.push_str(&format!("  rows imported   {}\n", thousands(r.rows_imported)));
    let reasons = r
        .rejected_by_reason
        .iter()
        .map(|(k, v)| format!("{}: {}", k.replace('_', " "), thousands(*v)))
        .collect::<Vec<_>>()
        .join(", ");
    let reasons = if reasons.is_empty() { String::new() } else { format!(" ({reasons})") };
    s.push_str(&format!("  rows rejected   {}{reasons}\n", thousands(r.rows_rejected)));
    let opt = r
        .opt_in_column
        .as_ref()
        .map_or_else(|| " (no opt-in column)".to_owned(), |c| format!(" (column {c})"));
    s.push_str(&format!("  rows opted out  {}{opt}\n", thousands(r.rows_opted_out)));
    if let Some(f) = &r.rejects_file {
        s.push_str(&format!("  rejects written {f}\n"));
    }
    s.push_str(&format!("  imported by     {}\n", r.imported_by));
    s.push_str(&format!("  started         {}\n  finished        {}\n", r.started_at, r.finished_at));
    let history = r.status_history.iter().map(|h| h.step.to_string()).collect::<Vec<_>>().join(" → ");
    s.push_str(&format!("  status history  {history}"));
    for n in &r.notes {
        s.push_str(&format!("\n  note: {n}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts() {
        assert_eq!(parse_bytes("10MB"), Ok(10_000_000));
        assert_eq!(parse_bytes("1KiB"), Ok(1024));
        assert_eq!(parse_bytes("500"), Ok(500));
        assert!(parse_bytes("ten").is_err());
        assert!(parse_bytes("5 parsecs").is_err());
    }

    #[test]
    fn rejects_file_per_input() {
        assert_eq!(
            pipeline::per_file(Path::new("out/rej.csv"), Path::new("in/b.csv")),
            PathBuf::from("out/rej.b.csv")
        );
    }
}
