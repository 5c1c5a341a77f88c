//! `hyperseg events import|stats`.

use super::output::{Output, thousands};
use hyperseg::score;
use hyperseg::store::Workspace;
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum EventsCommand {
    /// Import events (CSV or JSON Lines: contact, action, timestamp, and optional url,
    /// campaign, value); an event already imported counts once.
    #[command(
        after_help = "Example:\n  hyperseg -w ws events import datasets/events_sample.csv --rejects rejected-events.csv"
    )]
    Import {
        file: PathBuf,
        /// Write every rejected row here (line, reason, then the row).
        #[arg(long, value_name = "FILE")]
        rejects: Option<PathBuf>,
    },
    /// The actions stored, with counts and date ranges.
    #[command(after_help = "Example:\n  hyperseg -w ws events stats")]
    Stats,
}

pub fn run(ws: &mut Workspace, cmd: EventsCommand, out: &Output) -> anyhow::Result<()> {
    match cmd {
        EventsCommand::Import { file, rejects } => {
            let lock = ws.lock()?;
            let r = score::import_events(ws, &lock, &file, rejects.as_deref())?;
            drop(lock);
            if out.json {
                return out.json_value(&r);
            }
            let mut s = format!(
                "{}: {} rows read, {} new events{}, {} already imported, {} rejected\n  linked to a profile: {}, unknown contact: {}",
                r.file,
                thousands(r.rows_read),
                thousands(r.imported),
                r.batch.map(|b| format!(" (batch {b})")).unwrap_or_default(),
                thousands(r.duplicates),
                thousands(r.rejected),
                thousands(r.linked),
                thousands(r.unknown_contact),
            );
            if r.rows_suppressed > 0 {
                s.push_str(&format!(
                    "\n  suppressed (people erased on request): {}",
                    thousands(r.rows_suppressed)
                ));
            }
            for (reason, n) in &r.rejected_by_reason {
                s.push_str(&format!("\n  rejected, {reason}: {}", thousands(*n)));
            }
            for (line, reason) in r.rejected_lines.iter().take(10) {
                s.push_str(&format!("\n    line {line}: {reason}"));
            }
            if r.rejected > 10 {
                s.push_str("\n    … (every rejected row is in --rejects FILE)");
            }
            out.text(&s)
        }
        EventsCommand::Stats => {
            let st = score::event_stats(ws)?;
            if out.json {
                return out.json_value(&st);
            }
            let mut s = format!(
                "{} events in {} batches; linked to a profile now: {}, unknown contact: {}\n{:<24} {:>12}  {:<19}  {:<19}",
                thousands(st.events),
                st.batches,
                thousands(st.linked),
                thousands(st.unknown_contact),
                "action",
                "events",
                "first",
                "last"
            );
            for a in &st.actions {
                s.push_str(&format!(
                    "\n{:<24} {:>12}  {:<19}  {:<19}",
                    a.action,
                    thousands(a.events),
                    a.first,
                    a.last
                ));
            }
            out.text(&s)
        }
    }
}
