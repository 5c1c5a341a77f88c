//! `hyperseg audiences …`: saved audiences.

use super::UserError;
use super::compute::backend;
use super::output::{Output, thousands};
use hyperseg::audience::{self, AudienceError, Change, ListFilter};
use hyperseg::compute::{Backend, BackendChoice, Work};
use hyperseg::ingest;
use hyperseg::segment::{self, Expr};
use hyperseg::store::{AudienceRow, Workspace};
use std::io::{BufRead, IsTerminal, Write};

#[derive(clap::Subcommand, Debug)]
pub enum AudiencesCommand {
    /// Save a manual audience: a filter that is evaluated again whenever it is used.
    #[command(
        after_help = "Example:\n  hyperseg -w ws audiences create --name 'SP jovens' --description 'São Paulo, 18-30' \\\n      --where 'city = \"São Paulo\" and idade between 18 and 30'"
    )]
    Create {
        /// A name, unique ignoring case and accents.
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        #[command(flatten)]
        filter: FilterArgs,
        /// Who creates it; default: the operating-system user.
        #[arg(long)]
        by: Option<String>,
    },
    /// List audiences.
    #[command(after_help = "Example:\n  hyperseg -w ws audiences list --type manual --search jovens")]
    List {
        /// manual (a filter) or automatic (from `segment auto`; `auto` for short).
        #[arg(long = "type", value_parser = ["manual", "automatic", "auto"])]
        kind: Option<String>,
        /// Only names or descriptions containing this (any case, any accents).
        #[arg(long)]
        search: Option<String>,
        /// Created on or after this day (YYYY-MM-DD, UTC).
        #[arg(long)]
        from: Option<String>,
        /// Created on or before this day (YYYY-MM-DD, UTC).
        #[arg(long)]
        to: Option<String>,
    },
    /// Show an audience: its description, filter, the table of its conditions, and its size now.
    #[command(after_help = "Example:\n  hyperseg -w ws audiences show 'SP jovens'")]
    Show { name: String },
    /// Rename an audience.
    #[command(after_help = "Example:\n  hyperseg -w ws audiences rename 'SP jovens' 'São Paulo 18-30'")]
    Rename { name: String, new_name: String },
    /// Replace a manual audience's filter.
    #[command(
        after_help = "Example:\n  hyperseg -w ws audiences edit 'SP jovens' --where 'city = \"São Paulo\" and idade < 25'"
    )]
    Edit {
        name: String,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Change an audience's description or characteristics (members unchanged).
    #[command(
        after_help = "Example:\n  hyperseg -w ws audiences describe 'SP jovens' --description 'Campanha de verão'"
    )]
    Describe {
        name: String,
        #[arg(long)]
        description: Option<String>,
        #[arg(long)]
        characteristics: Option<String>,
    },
    /// Delete an audience (asks first unless --yes).
    #[command(after_help = "Example:\n  hyperseg -w ws audiences delete 'SP jovens' --yes")]
    Delete {
        name: String,
        #[arg(long)]
        yes: bool,
    },
    /// Write an audience out as CSV or Parquet: one row per profile, the phone (international
    /// digits) first, then name, e-mail, city and the fields its filter uses.
    #[command(
        after_help = "Examples:\n  hyperseg -w ws audiences export 'SP jovens' --out sp-jovens.csv\n  hyperseg -w ws audiences export 'SP jovens' --format parquet --all-fields --out sp-jovens.parquet"
    )]
    Export {
        name: String,
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
        /// csv (for bulk-messaging tools and spreadsheets) or parquet (for data engineers).
        #[arg(long, value_parser = ["csv", "parquet"], default_value = "csv")]
        format: String,
        /// Every profile field, not only those the filter uses.
        #[arg(long)]
        all_fields: bool,
        /// Keep profiles without a valid phone in a CSV export, flagged in a `phoneValid`
        /// column (by default they are left out and counted).
        #[arg(long)]
        include_invalid_phones: bool,
    },
    /// Save the filter that best approximates an automatic audience as a manual audience,
    /// and say how many of its members the filter keeps, misses and adds.
    #[command(
        after_help = "Example:\n  hyperseg -w ws audiences save-as-filter 'idade alto · status_lead quente' --name 'Quentes 60+'"
    )]
    SaveAsFilter {
        /// The automatic audience.
        name: String,
        /// The new manual audience's name; default: NAME (filter).
        #[arg(long = "name", value_name = "NEW_NAME")]
        new_name: Option<String>,
        /// Who creates it; default: the operating-system user.
        #[arg(long)]
        by: Option<String>,
    },
    /// How many profiles each pair of audiences shares.
    #[command(
        after_help = "Example:\n  hyperseg -w ws audiences overlap 'SP jovens' 'Clientes gmail' 'Newsletter'"
    )]
    Overlap {
        #[arg(required = true, num_args = 2..)]
        names: Vec<String>,
    },
}

#[derive(clap::Args, Debug)]
pub struct FilterArgs {
    /// The filter, one line.
    #[arg(
        long = "where",
        value_name = "FILTER",
        required_unless_present = "where_json",
        conflicts_with = "where_json"
    )]
    filter: Option<String>,
    /// The same filter as a JSON tree.
    #[arg(long, value_name = "JSON")]
    where_json: Option<String>,
}

impl FilterArgs {
    /// The filter as the user wrote it (for error messages with a caret).
    pub fn source(&self) -> &str {
        self.filter.as_deref().or(self.where_json.as_deref()).unwrap_or_default()
    }

    pub fn parse(&self) -> anyhow::Result<Expr> {
        match (&self.filter, &self.where_json) {
            (Some(f), _) => Ok(segment::parse_filter(f).map_err(|e| AudienceError::filter(&e, f))?),
            (None, Some(j)) => Ok(Expr::from_json(j).map_err(|e| AudienceError::filter(&e, j))?),
            (None, None) => Err(UserError("give the filter with --where or --where-json".into()).into()),
        }
    }
}

fn day(s: &str, flag: &str) -> anyhow::Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| UserError(format!("{flag} {s:?} is not a date; expected YYYY-MM-DD")).into())
}

pub fn run(
    ws: &mut Workspace,
    cmd: AudiencesCommand,
    choice: BackendChoice,
    out: &Output,
) -> anyhow::Result<()> {
    let filters = || backend(choice, Work::Filter);
    // Renaming or describing evaluates nothing: `update` gets a backend it will not use.
    let unused = hyperseg::compute::CpuBackend;
    match cmd {
        AudiencesCommand::Create { name, description, filter, by } => {
            let expr = filter.parse()?;
            let backend = filters()?;
            let lock = ws.lock()?;
            let by = by.unwrap_or_else(ingest::default_user);
            let a = audience::create(ws, &lock, &name, &description, &expr, &by, backend.as_ref())?;
            out.message(
                &format!("saved audience {:?} (#{}): {} profiles", a.name, a.id, thousands(a.size)),
                &a,
            )
        }
        AudiencesCommand::List { kind, search, from, to } => {
            let from = from.map(|d| day(&d, "--from")).transpose()?;
            let to = to.map(|d| day(&d, "--to")).transpose()?;
            let f = ListFilter {
                kind: kind.map(|k| if k == "auto" { "automatic".to_owned() } else { k }),
                search,
                from: from.map(|d| d.format("%Y-%m-%d").to_string()),
                before: to.and_then(|d| d.succ_opt()).map(|d| d.format("%Y-%m-%d").to_string()),
            };
            let rows = audience::list(ws, &f)?;
            if out.json {
                return out.json_value(&rows);
            }
            if rows.is_empty() {
                return out.text("no audiences");
            }
            let mut s = format!(
                "{:>4}  {:<28} {:<7} {:>10}  {:<12} {:<24} {}\n",
                "id", "name", "type", "size", "created by", "created at", "last updated"
            );
            for a in rows {
                let updated = if a.kind == "manual" { a.updated_at.as_str() } else { "" };
                s.push_str(&format!(
                    "{:>4}  {:<28} {:<7} {:>10}  {:<12} {:<24} {}\n",
                    a.id,
                    a.name,
                    a.kind,
                    thousands(a.size),
                    a.created_by,
                    a.created_at,
                    updated
                ));
            }
            out.text(s.trim_end())
        }
        AudiencesCommand::Show { name } => show(ws, &name, filters()?.as_ref(), out),
        AudiencesCommand::Rename { name, new_name } => {
            let lock = ws.lock()?;
            let a = audience::update(ws, &lock, &name, Change::Rename(new_name), &unused)?;
            out.message(&format!("renamed to {:?}", a.name), &a)
        }
        AudiencesCommand::Edit { name, filter } => {
            let expr = filter.parse()?;
            let backend = filters()?;
            let lock = ws.lock()?;
            let a = audience::update(ws, &lock, &name, Change::Filter(expr), backend.as_ref())?;
            out.message(&format!("audience {:?} now has {} profiles", a.name, thousands(a.size)), &a)
        }
        AudiencesCommand::Describe { name, description, characteristics } => {
            if description.is_none() && characteristics.is_none() {
                return Err(UserError("give --description and/or --characteristics".into()).into());
            }
            let lock = ws.lock()?;
            let a = audience::update(
                ws,
                &lock,
                &name,
                Change::Describe { description, characteristics },
                &unused,
            )?;
            out.message(&format!("updated the description of {:?}", a.name), &a)
        }
        AudiencesCommand::Delete { name, yes } => {
            let a = audience::get(ws, &name)?;
            if !yes && !confirm(&format!("delete audience {:?} ({} profiles)? [y/N] ", a.name, a.size))? {
                return Err(UserError("not deleted (pass --yes to delete without asking)".into()).into());
            }
            let lock = ws.lock()?;
            let a = audience::delete(ws, &lock, a.id)?;
            out.message(&format!("deleted audience {:?}", a.name), &a)
        }
        AudiencesCommand::Export { name, out: path, format, all_fields, include_invalid_phones } => {
            let backend = filters()?;
            let format = if format == "parquet" { audience::Format::Parquet } else { audience::Format::Csv };
            let opts = audience::ExportOptions { format, all_fields, include_invalid_phones };
            let e = audience::export(ws, &name, &path, opts, backend.as_ref())?;
            let mut text = format!("wrote {} profiles of {name:?} to {}", thousands(e.rows), path.display());
            if e.invalid_phones_left_out > 0 {
                text.push_str(&format!(
                    "\nleft out {} profiles without a valid phone (--include-invalid-phones keeps them, flagged)",
                    thousands(e.invalid_phones_left_out)
                ));
            }
            if e.invalid_phones_kept > 0 {
                text.push_str(&format!(
                    "\nkept {} profiles without a valid phone, flagged phoneValid=false",
                    thousands(e.invalid_phones_kept)
                ));
            }
            let json = serde_json::json!({
                "audience": name, "rows": e.rows, "out": path,
                "invalid_phones_left_out": e.invalid_phones_left_out,
                "invalid_phones_kept": e.invalid_phones_kept,
            });
            out.message(&text, &json)
        }
        AudiencesCommand::SaveAsFilter { name, new_name, by } => {
            let backend = filters()?;
            let lock = ws.lock()?;
            let by = by.unwrap_or_else(ingest::default_user);
            let r = hyperseg::segment::auto::to_filter::save_as_filter(
                ws,
                &lock,
                &name,
                new_name.as_deref(),
                &by,
                backend.as_ref(),
            )?;
            out.message(
                &format!(
                    "saved manual audience {:?} (#{}): {}\n  of the {} members of {:?} the filter keeps {} and misses {}, and adds {} other profiles (Jaccard {:.3})",
                    r.audience.name,
                    r.audience.id,
                    r.filter,
                    thousands(r.members),
                    r.from,
                    thousands(r.kept),
                    thousands(r.missed),
                    thousands(r.added),
                    r.jaccard
                ),
                &r,
            )
        }
        AudiencesCommand::Overlap { names } => {
            let o = audience::overlap(ws, &names, filters()?.as_ref())?;
            if out.json {
                return out.json_value(&o);
            }
            let mut s = String::from("sizes:\n");
            for (n, size) in &o.sizes {
                s.push_str(&format!("  {:>10}  {n}\n", thousands(*size)));
            }
            s.push_str("in both:\n");
            for (a, b, n) in &o.pairs {
                s.push_str(&format!("  {:>10}  {a} ∩ {b}\n", thousands(*n)));
            }
            out.text(s.trim_end())
        }
    }
}

/// Asks on the terminal; without one, the answer is no.
pub fn confirm(question: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    let mut err = std::io::stderr();
    write!(err, "{question}")?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes" | "s" | "sim"))
}

fn show(ws: &Workspace, name: &str, backend: &dyn Backend, out: &Output) -> anyhow::Result<()> {
    let a: AudienceRow = audience::get(ws, name)?;
    if let Some(stored) = hyperseg::segment::auto::store::stored(ws, a.id)? {
        return show_automatic(&a, &stored, out);
    }
    let expr = audience::definition(&a)?;
    let size_now = match (&expr, hyperseg::identity::profile_table(ws)?) {
        (Some(e), Some(t)) => Some(audience::select(e, &t, backend)?.count_ones() as u64),
        _ => None,
    };
    let conditions: Vec<(String, String, String)> = expr
        .as_ref()
        .map(|e| {
            e.conditions()
                .into_iter()
                .map(|c| {
                    let value = c.value_text();
                    let value = if c.exact { format!("{value} (exact)") } else { value };
                    (c.field.clone(), c.op.keyword().to_owned(), value)
                })
                .collect()
        })
        .unwrap_or_default();
    if out.json {
        return out.json_value(&serde_json::json!({
            "audience": a,
            "filter": expr.as_ref().map(|e| e.to_string()),
            "size_now": size_now,
            "conditions": conditions,
        }));
    }
    let mut s = format!("{} (#{}, {})\n", a.name, a.id, a.kind);
    if !a.description.is_empty() {
        s.push_str(&format!("  description     {}\n", a.description));
    }
    if !a.characteristics.is_empty() {
        s.push_str(&format!("  characteristics {}\n", a.characteristics));
    }
    s.push_str(&format!("  created by      {} at {}\n", a.created_by, a.created_at));
    if a.kind == "manual" {
        s.push_str(&format!("  last updated    {}\n", a.updated_at));
    }
    s.push_str(&format!("  size            {}", thousands(size_now.unwrap_or(a.size))));
    s.push_str(if size_now.is_some() { " (now)\n" } else { " (when saved)\n" });
    if let Some(e) = &expr {
        s.push_str(&format!("  filter          {e}\n"));
        s.push_str(&format!("  {:<20} {:<18} {}\n", "field", "condition", "value"));
        for (f, op, v) in &conditions {
            s.push_str(&format!("  {f:<20} {op:<18} {v}\n"));
        }
    }
    out.text(s.trim_end())
}

/// An automatic audience: its explanation as generated, with the (editable) name,
/// description and characteristics as they are now.
fn show_automatic(
    a: &AudienceRow,
    stored: &hyperseg::segment::auto::store::Stored,
    out: &Output,
) -> anyhow::Result<()> {
    let e = &stored.explanation;
    let grid: Vec<(String, String, String)> =
        e.grid.iter().map(|c| (c.field.clone(), c.op.keyword().to_owned(), c.value_text())).collect();
    if out.json {
        return out.json_value(&serde_json::json!({
            "audience": a,
            "generation": stored.generation,
            "lang": stored.lang,
            "explanation": e,
            "conditions": grid,
            "messages": stored.messages,
        }));
    }
    let mut s = format!("{} (#{}, {}, generation {})\n", a.name, a.id, a.kind, stored.generation);
    s.push_str(&format!("  description     {}\n", a.description));
    s.push_str(&format!("  generated at    {}\n", a.created_at));
    s.push_str(&format!(
        "  size            {} ({:.1}% of profiles; members fixed when generated)\n",
        thousands(a.size),
        e.share * 100.0
    ));
    s.push_str("  characteristics\n");
    for line in a.characteristics.lines() {
        s.push_str(&format!("    {line}\n"));
    }
    s.push_str("  characteristic scores (z: standardised difference from everyone)\n");
    for c in &e.characteristics {
        let value = c.value.as_deref().unwrap_or("");
        let lift = c.lift.map(|l| format!("  lift {l:.2}")).unwrap_or_default();
        s.push_str(&format!("    {:<20} {:<16} z {:+.2}{lift}\n", c.field, value, c.z));
    }
    s.push_str("  defining conditions\n");
    s.push_str(&format!("    {:<20} {:<18} {}\n", "field", "condition", "value"));
    for (f, op, v) in &grid {
        s.push_str(&format!("    {f:<20} {op:<18} {v}\n"));
    }
    if !stored.messages.is_empty() {
        s.push_str("  message templates\n");
        for m in &stored.messages {
            s.push_str(&format!("    {m}\n"));
        }
    }
    out.text(s.trim_end())
}
