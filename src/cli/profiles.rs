//! `hyperseg profiles show|stats` and `hyperseg identity rules`.

use super::output::{Output, thousands};
use hyperseg::identity::{self, IdentityConfig, Rule};
use hyperseg::store::Workspace;

#[derive(clap::Subcommand, Debug)]
pub enum ProfilesCommand {
    /// Show one profile: its fields, identifiers, source records and lineage.
    #[command(
        after_help = "Examples:\n  hyperseg -w ws profiles show '+55 11 99461-5075'\n  hyperseg -w ws profiles show ana@example.com\n  hyperseg -w ws profiles show 441.463.319-27\n  hyperseg -w ws profiles show 42"
    )]
    Show {
        /// A phone, e-mail or CPF in any usual spelling, or a profile id (an alias gives its survivor).
        query: String,
    },
    /// Counts, records per profile, identifiers left out of linking.
    #[command(after_help = "Example:\n  hyperseg -w ws profiles stats")]
    Stats,
    /// Write every imported record's profile id (import, file, line, profile) as CSV.
    #[command(after_help = "Example:\n  hyperseg -w ws profiles records --out records.csv")]
    Records {
        /// The CSV file to write.
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Erase a person on request (LGPD art. 18, GDPR art. 17): their rows leave every file of
    /// the workspace, and their identifiers are suppressed in later imports.
    #[command(after_help = "Example:\n  hyperseg -w ws profiles erase '+55 11 98765-4321' --yes")]
    Erase {
        /// A profile id, phone, e-mail or CPF.
        query: String,
        /// Erase without asking (required without a terminal).
        #[arg(long)]
        yes: bool,
        /// Who asks (recorded); default: the operating-system user.
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// List past erasures (when, by whom, how many records; no personal data).
    #[command(after_help = "Example:\n  hyperseg -w ws profiles erasures")]
    Erasures,
}

#[derive(clap::Subcommand, Debug)]
pub enum IdentityCommand {
    /// List the match rules in force; with --set, replace them and resolve again.
    #[command(
        after_help = "Examples:\n  hyperseg -w ws identity rules\n  hyperseg -w ws identity rules --set phoneNumber --set taxDocument --set 'name + city'\n  hyperseg -w ws identity rules --hub-limit 100 --country 55"
    )]
    Rules {
        /// A rule: one field, or fields joined by + (repeat for several rules).
        #[arg(long = "set", value_name = "RULE")]
        set: Vec<String>,
        /// Identifier values shared by more records than this are not used for linking.
        #[arg(long)]
        hub_limit: Option<usize>,
        /// Country calling code for phones written without one.
        #[arg(long)]
        country: Option<String>,
    },
}

pub fn run_profiles(ws: &mut Workspace, cmd: ProfilesCommand, out: &Output) -> anyhow::Result<()> {
    match cmd {
        ProfilesCommand::Erase { query, yes, by } => {
            let view = identity::find_profile(ws, &query)?;
            let question = format!("erase profile {} and every row of theirs? [y/N] ", view.id);
            if !yes && !super::audiences::confirm(&question)? {
                return Err(super::UserError("not erased (pass --yes to erase without asking)".into()).into());
            }
            let lock = ws.lock()?;
            let by = by.unwrap_or_else(hyperseg::ingest::default_user);
            let done =
                hyperseg::pipeline::erase::erase(ws, &lock, &query, &by, &hyperseg::compute::CpuBackend)?;
            out.message(
                &format!(
                    "erased profile {}: {} records, {} rows in {} imports rewritten, {} enrichment rows, {} scoring events and {} scores removed; {} identifiers suppressed",
                    done.profile,
                    thousands(done.records),
                    thousands(done.rows_removed),
                    done.imports_rewritten,
                    thousands(done.enrichment_rows_removed),
                    thousands(done.events_removed),
                    thousands(done.scores_removed),
                    done.identifiers_suppressed
                ),
                &done,
            )
        }
        ProfilesCommand::Erasures => {
            let rows = ws.catalog().erasures()?;
            if out.json {
                return out.json_value(&rows);
            }
            let mut s = String::new();
            for r in &rows {
                s.push_str(&format!(
                    "#{} {} by {}: {} records, {} imports rewritten\n",
                    r.id, r.at, r.by, r.records, r.imports_rewritten
                ));
            }
            out.text(if s.is_empty() { "no erasures" } else { s.trim_end() })
        }
        ProfilesCommand::Show { query } => {
            let view = identity::find_profile(ws, &query)?;
            let enrichment = hyperseg::enrich::explain_profile(ws, view.id)?;
            if out.json {
                let mut v = serde_json::to_value(&view)?;
                v["enrichment"] = serde_json::to_value(&enrichment)?;
                return out.json_value(&v);
            }
            let mut s = format!("Profile {}", view.id);
            if let Some(a) = view.asked_alias {
                s.push_str(&format!(" (you asked for {a}, merged into it)"));
            }
            if view.other_matches > 0 {
                s.push_str(&format!(
                    " ({} more profiles hold {query:?}: it is shared too widely to link; showing the first)",
                    thousands(view.other_matches as u64)
                ));
            }
            s.push('\n');
            for (k, v) in &view.fields {
                s.push_str(&format!("  {k:<18} {v}\n"));
            }
            s.push_str(&format!("  phones             {}\n", view.phones.join(", ")));
            s.push_str(&format!("  e-mails            {}\n", view.emails.join(", ")));
            s.push_str(&format!("  CPFs               {}\n", view.tax_documents.join(", ")));
            s.push_str(&format!("Source records ({}):\n", view.records.len()));
            for r in &view.records {
                s.push_str(&format!("  import #{} {} line {}\n", r.import_id, r.file, r.line));
            }
            if !view.aliases.is_empty() || !view.events.is_empty() {
                s.push_str("Lineage:\n");
                for a in &view.aliases {
                    s.push_str(&format!(
                        "  {} merged profile {} into it ({} {})\n",
                        a.at, a.alias, a.rule, a.identifier
                    ));
                }
                for e in view.events.iter().filter(|e| e.event == "split") {
                    s.push_str(&format!(
                        "  {} split: profile {} from {} ({})\n",
                        e.at, e.other, e.profile, e.detail
                    ));
                }
            }
            s.push_str(&super::enrich::render_profile(&enrichment));
            out.text(s.trim_end())
        }
        ProfilesCommand::Records { out: path } => {
            use hyperseg::store::OutputError;
            hyperseg::store::check_output(ws.root(), &path, &[])?;
            let write_err = |source| OutputError::Write { path: path.clone(), source };
            let file = std::fs::File::create(&path).map_err(write_err)?;
            let mut w = std::io::BufWriter::new(file);
            let n = identity::write_assignment_csv(ws, &mut w)?;
            std::io::Write::flush(&mut w).map_err(write_err)?;
            out.message(
                &format!("wrote {} records to {}", thousands(n), path.display()),
                &serde_json::json!({ "records": n, "out": path }),
            )
        }
        ProfilesCommand::Stats => {
            let stats = identity::last_stats(ws)?;
            let aliases = ws.catalog().alias_count()?;
            if out.json {
                return out.json_value(&serde_json::json!({ "identity": stats, "aliases": aliases }));
            }
            let Some(s) = stats else { return out.text("no profiles yet: import a file first") };
            let mut t = format!(
                "{} profiles from {} records ({} aliases from merges); rules {}; hub limit {}\n",
                thousands(s.profiles as u64),
                thousands(s.records as u64),
                thousands(aliases),
                s.rules.join(", "),
                s.hub_limit
            );
            t.push_str(&format!(
                "consent: {} opted in, {} opted out (never exported nor in audiences)\n",
                thousands((s.profiles - s.opted_out) as u64),
                thousands(s.opted_out as u64)
            ));
            t.push_str("records per profile:\n");
            for k in ["1", "2", "3", "4", "5-9", "10+"] {
                if let Some(n) = s.records_per_profile.get(k) {
                    t.push_str(&format!("  {k:>4}  {}\n", thousands(*n)));
                }
            }
            t.push_str(&format!(
                "identifiers not used for linking (tying together more than {} different people):\n",
                s.hub_limit
            ));
            if s.hubs.is_empty() {
                t.push_str("  none\n");
            }
            for h in &s.hubs {
                t.push_str(&format!(
                    "  {:<12} {:<32} {} records\n",
                    h.rule,
                    h.identifier,
                    thousands(h.records as u64)
                ));
            }
            t.push_str("identifier values that are not keys:\n");
            for (why, n) in &s.invalid.phones {
                t.push_str(&format!("  phone, {why}: {}\n", thousands(*n)));
            }
            if s.invalid.emails_malformed > 0 {
                t.push_str(&format!("  e-mail, malformed: {}\n", thousands(s.invalid.emails_malformed)));
            }
            for (why, n) in &s.invalid.tax_documents {
                t.push_str(&format!("  CPF, {why}: {}\n", thousands(*n)));
            }
            out.text(t.trim_end())
        }
    }
}

pub fn run_identity(ws: &mut Workspace, cmd: IdentityCommand, out: &Output) -> anyhow::Result<()> {
    let IdentityCommand::Rules { set, hub_limit, country } = cmd;
    let mut config = identity::load_config(ws)?;
    let changing = !set.is_empty() || hub_limit.is_some() || country.is_some();
    if changing {
        if !set.is_empty() {
            config.rules = set.iter().map(|r| Rule::parse(r)).collect::<Result<_, _>>()?;
        }
        if let Some(h) = hub_limit {
            config.hub_limit = h;
        }
        if let Some(c) = country {
            config.country = c;
        }
        config.validate()?;
        let lock = ws.lock()?;
        let backend = hyperseg::compute::CpuBackend;
        let (stats, _) = hyperseg::pipeline::reresolve(ws, &lock, Some(config.clone()), &backend)?;
        if out.json {
            return out.json_value(&serde_json::json!({ "config": config, "identity": stats }));
        }
        out.text(&render_config(&config))?;
        return out.text(&super::import::render_identity(&stats));
    }
    if out.json {
        return out.json_value(&config);
    }
    out.text(&render_config(&config))
}

fn render_config(c: &IdentityConfig) -> String {
    let mut s = String::from("Two records are the same person when they share any of:\n");
    for r in &c.rules {
        s.push_str(&format!("  {}\n", r.label()));
    }
    s.push_str(&format!(
        "Links are transitive. A value shared by more than {} records is not used. Phones without a country code are read as +{}.",
        c.hub_limit, c.country
    ));
    s
}
