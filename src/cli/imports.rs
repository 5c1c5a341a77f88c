//! `hyperseg imports list|show`

use super::UserError;
use super::output::{Output, thousands};
use hyperseg::ingest::ImportReport;
use hyperseg::store::{ImportFilter, Workspace};

#[derive(clap::Subcommand, Debug)]
pub enum ImportsCommand {
    /// List imports, oldest first.
    #[command(
        after_help = "Example:\n  hyperseg -w ws imports list --search crm --from 2026-01-01 --to 2026-01-31"
    )]
    List {
        /// Only files whose name contains this (any case).
        #[arg(long)]
        search: Option<String>,
        /// Only this source's imports.
        #[arg(long)]
        source: Option<String>,
        /// Only imports started on or after this day (YYYY-MM-DD, UTC).
        #[arg(long, value_parser = parse_day)]
        from: Option<chrono::NaiveDate>,
        /// Only imports started on or before this day (YYYY-MM-DD, UTC).
        #[arg(long, value_parser = parse_day)]
        to: Option<chrono::NaiveDate>,
    },
    /// Show one import's full report.
    #[command(after_help = "Example:\n  hyperseg -w ws imports show 1")]
    Show {
        /// The import's id (from `imports list`).
        id: i64,
    },
}

fn parse_day(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date; expected YYYY-MM-DD"))
}

#[derive(clap::Subcommand, Debug)]
pub enum SourcesCommand {
    /// List sources with their current record counts and last import.
    #[command(after_help = "Example:\n  hyperseg -w ws sources list")]
    List,
}

pub fn run_sources(ws: &Workspace, cmd: SourcesCommand, out: &Output) -> anyhow::Result<()> {
    let SourcesCommand::List = cmd;
    let sources = hyperseg::ingest::sources::summaries(ws)?;
    if out.json {
        return out.json_value(&sources);
    }
    if sources.is_empty() {
        return out.text("no sources");
    }
    let mut s = format!("{:<24} {:>12} {:>8}  {}\n", "source", "records", "imports", "last import");
    for src in sources {
        s.push_str(&format!(
            "{:<24} {:>12} {:>8}  #{} {} ({})\n",
            src.name,
            thousands(src.records),
            src.imports,
            src.last_import,
            src.last_file,
            src.last_import_at
        ));
    }
    out.text(s.trim_end())
}

pub fn run(ws: &Workspace, cmd: ImportsCommand, out: &Output) -> anyhow::Result<()> {
    match cmd {
        ImportsCommand::List { search, source, from, to } => {
            if let (Some(f), Some(t)) = (from, to)
                && f > t
            {
                return Err(UserError(format!("--from {f} is after --to {t}")).into());
            }
            let filter = ImportFilter {
                search,
                source,
                from: from.map(|d| d.format("%Y-%m-%d").to_string()),
                before: to.and_then(|d| d.succ_opt()).map(|d| d.format("%Y-%m-%d").to_string()),
            };
            let rows = ws.catalog().list_imports(&filter)?;
            if out.json {
                return out.json_value(&rows);
            }
            if rows.is_empty() {
                return out.text("no imports");
            }
            let mut s = format!(
                "{:>4}  {:<16} {:<28} {:<12} {:<24} {:>10} {:>9} {:>9}  {}\n",
                "id", "source", "file", "by", "started", "imported", "rejected", "opted out", "outcome"
            );
            for r in rows {
                let changes = serde_json::from_str::<ImportReport>(&r.report_json)
                    .ok()
                    .and_then(|rep| rep.records)
                    .map(|c| {
                        format!(
                            " ({} new, {} changed, {} unchanged, {} removed)",
                            thousands(c.new),
                            thousands(c.changed),
                            thousands(c.unchanged),
                            thousands(c.removed)
                        )
                    })
                    .unwrap_or_default();
                let retired = if r.retired_at.is_some() { ", retired" } else { "" };
                s.push_str(&format!(
                    "{:>4}  {:<16} {:<28} {:<12} {:<24} {:>10} {:>9} {:>9}  {}{changes}{retired}\n",
                    r.id,
                    r.source,
                    r.file_name,
                    r.imported_by,
                    r.started_at,
                    thousands(r.rows_imported),
                    thousands(r.rows_rejected),
                    thousands(r.rows_opted_out),
                    r.outcome
                ));
            }
            out.text(s.trim_end())
        }
        ImportsCommand::Show { id } => {
            let row = ws.catalog().import(id)?;
            let mut report: ImportReport = serde_json::from_str(&row.report_json)?;
            report.id = Some(row.id);
            if out.json {
                return out.json_value(&report);
            }
            out.text(&super::import::render(&report))
        }
    }
}
