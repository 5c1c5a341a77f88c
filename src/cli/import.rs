//! `hyperseg import FILE...`

use super::output::{Output, thousands};
use super::progress::Bar;
use anyhow::Context;
use hyperseg::compute::{BackendChoice, Work};
use hyperseg::identity::{self, NewSource, ResolveStats};
use hyperseg::ingest::{
    self, CommittedImport, DecimalMark, ImportOptions, ImportReport, Ingested, Separator,
};
use hyperseg::store::{Workspace, WriteLock};
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
    /// Parse in one sequential pass instead of in parallel chunks.
    #[arg(long, hide = true)]
    sequential: bool,
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
    let opts = ImportOptions {
        separator: args.separator,
        decimal: args.decimal,
        max_rows: args.max_rows,
        max_bytes: args.max_bytes,
        imported_by: args.by.unwrap_or_else(ingest::default_user),
        parallel: !args.sequential,
        chunk_bytes: None,
        sample_bytes: None,
        quotes: ingest::QuoteLimits { max_lines: args.max_quoted_lines, max_bytes: args.max_quoted_bytes },
    };
    let many = args.files.len() > 1;
    for (rejects, file) in args.rejects.iter().flat_map(|r| args.files.iter().map(move |f| (r, f))) {
        let target = if many { per_file(rejects, file) } else { rejects.clone() };
        hyperseg::store::check_output(ws.root(), &target, &args.files).map_err(ingest::IngestError::from)?;
    }
    let mut parsed = Vec::with_capacity(args.files.len());
    for file in &args.files {
        let bar = Bar::bytes(std::fs::metadata(file).map(|m| m.len()).unwrap_or(0), "importing");
        let result = ingest::read_csv(file, &opts, &|p| bar.set(p.bytes_done));
        bar.finish();
        match result {
            Ok(i) => parsed.push(i),
            Err(e) => {
                if out.json {
                    let mut report = ingest::new_report(file, &opts);
                    report.step(ingest::Step::Failed);
                    out.json_value(&serde_json::json!({ "report": report, "error": e.to_string() }))?;
                }
                return Err(e.into());
            }
        }
    }
    // Every file parsed: only now write the rejects, so a failed command leaves none behind.
    if let Some(path) = &args.rejects {
        for (ingested, file) in parsed.iter_mut().zip(&args.files) {
            let target = if many { per_file(path, file) } else { path.clone() };
            ingest::write_rejects(&target, &ingested.header, ingested.separator, &ingested.rejects)?;
            ingested.report.rejects_file = Some(target.display().to_string());
        }
    }
    let (committed, stats) = commit_with_identity(&mut ws, &lock, parsed)?;
    // Manual audiences follow the new profiles (their own commit: the import has landed).
    let audiences = hyperseg::audience::refresh(&mut ws, &lock, None, backend.as_ref())?;
    drop(lock);
    let reports: Vec<&ImportReport> = committed.iter().map(|c| &c.report).collect();
    if out.json {
        return out.json_value(
            &serde_json::json!({ "imports": reports, "identity": stats, "audiences": audiences }),
        );
    }
    for r in reports {
        out.text(&render(r))?;
    }
    out.text(&render_identity(&stats))?;
    if !audiences.is_empty() {
        let mut s = String::from("Audiences:");
        for a in &audiences {
            s.push_str(&format!(
                "\n  {:<28} {:>10} profiles  (+{} joined, -{} left)",
                a.name,
                thousands(a.size),
                thousands(a.joined),
                thousands(a.left)
            ));
        }
        out.text(&s)?;
    }
    Ok(())
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
    for h in &s.hubs {
        out.push_str(&format!(
            "\n  not used for linking ({} records share it, limit {}): {} {}",
            thousands(h.records as u64),
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

/// Commits parsed files together with the identity resolution they lead to, in one
/// transaction. The imported columns are written on one thread while resolution runs.
pub fn commit_with_identity(
    ws: &mut Workspace,
    lock: &WriteLock,
    parsed: Vec<Ingested>,
) -> anyhow::Result<(Vec<CommittedImport>, ResolveStats)> {
    let first_id = ws.catalog().next_import_id()?;
    let now = ingest::now();
    let stager = ws.stager(lock);
    let ws_ref = &*ws;
    let (staged, resolution) = std::thread::scope(|scope| {
        let staging = scope.spawn(|| {
            let stage = |(i, p): (usize, &Ingested)| stager.stage_import(first_id + i as i64, &p.table);
            parsed.iter().enumerate().map(stage).collect::<Result<Vec<_>, _>>()
        });
        let new: Vec<NewSource> = parsed
            .iter()
            .enumerate()
            .map(|(i, p)| NewSource {
                import_id: first_id + i as i64,
                table: &p.table,
                started_at: &p.report.started_at,
            })
            .collect();
        let resolution = identity::resolve(ws_ref, lock, &new, None, &now);
        (staging.join(), resolution)
    });
    let staged =
        staged.map_err(|_| anyhow::anyhow!("the thread writing the imported columns panicked"))??;
    let resolution = resolution?;
    let prepared = parsed.into_iter().zip(staged).map(|(p, s)| ingest::prepared(p, s)).collect();
    let (mut commit, committed) = ingest::into_commit(first_id, prepared);
    let stats = identity::add_to_commit(&mut commit, resolution);
    ws.commit(lock, commit)?;
    Ok((committed, stats))
}

/// `rejects.csv` + `b.csv` → `rejects.b.csv`, so several files' rejects do not collide.
fn per_file(rejects: &Path, input: &Path) -> PathBuf {
    let stem = rejects.file_stem().unwrap_or_default().to_string_lossy();
    let ext = rejects.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    let input_stem = input.file_stem().unwrap_or_default().to_string_lossy();
    rejects.with_file_name(format!("{stem}.{input_stem}{ext}"))
}

/// The human form of an import report.
pub fn render(r: &ImportReport) -> String {
    let mut s = String::new();
    let id = r.id.map_or_else(String::new, |id| format!(" as import #{id}"));
    s.push_str(&format!("Imported {}{id}: {}\n", r.file_name, r.outcome));
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
        assert_eq!(per_file(Path::new("out/rej.csv"), Path::new("in/b.csv")), PathBuf::from("out/rej.b.csv"));
    }
}
