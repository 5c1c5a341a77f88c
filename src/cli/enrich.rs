//! `hyperseg enrich ...` and `hyperseg bench enrich`.

use super::output::{Output, thousands};
use hyperseg::compute::{BackendChoice, Work};
use hyperseg::enrich::classify::Lang;
use hyperseg::enrich::eval::{self, EvalFormat, EvalReport};
use hyperseg::enrich::{self as enrich_lib, EnrichOptions, EnrichReport, Kind, ProfileEnrichment};
use hyperseg::store::Workspace;
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand, Debug)]
pub enum EnrichCommand {
    /// Messages (contact, timestamp, direction, text, channel): counts, interactions,
    /// conversations, and purchase intent, price sensitivity and sentiment of the inbound ones.
    #[command(
        after_help = "Example:\n  hyperseg -w ws enrich messages chats.csv --rejects bad.csv --conversation-gap 12\n\nColumns (any order; pt/es/en names accepted): contact (or phone / email / cpf), timestamp,\ndirection (in/out), text, channel. CSV or JSON Lines (.jsonl)."
    )]
    Messages(EnrichArgs),
    /// Campaign events (contact, campaign id and name, status, timestamp): campaign_* fields.
    #[command(
        after_help = "Example:\n  hyperseg -w ws enrich campaigns events.jsonl\n\nStatuses: sent, delivered, read, replied, failed (and pt/es names)."
    )]
    Campaigns(EnrichArgs),
    /// Contact extras (contact, key, value): `extra.<key>` fields, typed like import columns.
    #[command(
        after_help = "Example:\n  hyperseg -w ws enrich extras bot.csv\n\nFilter on them with backquotes: `extra.plan` = \"gold\"."
    )]
    Extras(EnrichArgs),
    /// Every enrichment import, oldest first.
    List,
}

#[derive(clap::Args, Debug)]
pub struct EnrichArgs {
    /// CSV (comma, semicolon or tab) or JSON Lines files; all land together or none does.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Write every rejected row, with its line and reason, to this CSV file.
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Who imports (recorded in the catalog); default: the operating-system user.
    #[arg(long, value_name = "NAME")]
    by: Option<String>,
    /// Messages: hours of silence that start a new conversation (default 24, kept once set).
    #[arg(long, value_name = "HOURS")]
    conversation_gap: Option<f64>,
    /// Create a profile for every contact that links to none (imported as records of the
    /// source `enrich-contacts`, so they stay through later imports and re-resolution).
    #[arg(long)]
    create_profiles: bool,
}

pub fn run(dir: &Path, cmd: EnrichCommand, choice: BackendChoice, out: &Output) -> anyhow::Result<()> {
    let (kind, args) = match cmd {
        EnrichCommand::Messages(a) => (Kind::Messages, a),
        EnrichCommand::Campaigns(a) => (Kind::Campaigns, a),
        EnrichCommand::Extras(a) => (Kind::Extras, a),
        EnrichCommand::List => return list(dir, out),
    };
    if kind != Kind::Messages && args.conversation_gap.is_some() {
        anyhow::bail!(super::UserError("--conversation-gap applies to `enrich messages` only".into()));
    }
    let opts = EnrichOptions {
        imported_by: args.by.unwrap_or_else(hyperseg::ingest::default_user),
        rejects: args.rejects,
        conversation_gap_hours: args.conversation_gap,
    };
    if !args.create_profiles {
        let reports = enrich_lib::enrich(dir, kind, &args.files, &opts)?;
        if out.json {
            return out.json_value(&serde_json::json!({ "reports": reports }));
        }
        let text: Vec<String> = reports.iter().map(render).collect();
        return out.text(&text.join("\n"));
    }
    // Created profiles refresh the saved audiences: a backend that cannot run fails here,
    // before anything is written.
    let has_audiences = !hyperseg::audience::list(&Workspace::open(dir)?, &Default::default())?.is_empty();
    let backend = match has_audiences {
        true => super::compute::backend(choice, Work::Filter)?,
        false => Box::new(hyperseg::compute::CpuBackend),
    };
    let outcome = enrich_lib::enrich_creating_profiles(dir, kind, &args.files, &opts, backend.as_ref())?;
    if out.json {
        return out.json_value(&outcome);
    }
    let mut text: Vec<String> = outcome.reports.iter().map(render).collect();
    let c = &outcome.created;
    text.push(match c.import_ids.is_empty() {
        false => format!(
            "Created {} profiles for {} unknown contacts (source {}, imports {})",
            thousands(c.profiles),
            thousands(c.contacts),
            c.source,
            c.import_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        ),
        true => "No profile created: every unknown contact lacks a valid phone".into(),
    });
    if c.contacts_erased > 0 {
        text.push(format!(
            "{} unknown contacts belong to people erased on request: not created",
            thousands(c.contacts_erased)
        ));
    }
    if c.contacts_without_phone > 0 {
        text.push(format!(
            "{} unknown contacts have an e-mail or CPF but no phone: not created (an import needs a phone)",
            thousands(c.contacts_without_phone)
        ));
    }
    out.text(&text.join("\n"))
}

fn render(r: &EnrichReport) -> String {
    let mut s =
        format!("Enriched {} from {} ({}, {} bytes)\n", r.kind.name(), r.file, r.format, thousands(r.bytes));
    s.push_str(&format!("  rows read         {}\n", thousands(r.rows_read)));
    s.push_str(&format!("  rows new          {}\n", thousands(r.rows_new)));
    s.push_str(&format!("  rows duplicate    {} (already stored)\n", thousands(r.rows_duplicate)));
    s.push_str(&format!("  linked            {}\n", thousands(r.rows_linked)));
    s.push_str(&format!(
        "  unknown contact   {} (kept; linked once a profile holds the contact)\n",
        thousands(r.rows_unknown_contact)
    ));
    let reasons: Vec<String> = r
        .rejected_by_reason
        .iter()
        .map(|(k, v)| format!("{}: {}", k.replace('_', " "), thousands(*v)))
        .collect();
    let reasons = if reasons.is_empty() { String::new() } else { format!(" ({})", reasons.join(", ")) };
    s.push_str(&format!("  rows rejected     {}{reasons}\n", thousands(r.rows_rejected)));
    if r.rows_suppressed > 0 {
        s.push_str(&format!(
            "  rows suppressed   {} (people erased on request: refused)\n",
            thousands(r.rows_suppressed)
        ));
    }
    for rej in &r.rejects_sample {
        s.push_str(&format!("    line {}: {} — {}\n", rej.line, rej.reason.replace('_', " "), rej.detail));
    }
    if r.rows_rejected > r.rejects_sample.len() as u64 {
        s.push_str("    … (write them all with --rejects FILE)\n");
    }
    if let Some(f) = &r.rejects_file {
        s.push_str(&format!("  rejects written   {f}\n"));
    }
    s.push_str(&format!("  {} rows stored in the workspace", thousands(r.rows_stored_total)));
    s
}

fn list(dir: &Path, out: &Output) -> anyhow::Result<()> {
    let ws = Workspace::open(dir)?;
    let rows = enrich_lib::list(&ws)?;
    if out.json {
        return out.json_value(&rows);
    }
    if rows.is_empty() {
        return out.text("no enrichment yet: run `hyperseg enrich messages|campaigns|extras FILE`");
    }
    let mut s = format!(
        "{:>4}  {:<9} {:<28} {:<25} {:>10} {:>10} {:>9}",
        "id", "kind", "file", "started", "read", "new", "rejected"
    );
    for r in rows {
        s.push_str(&format!(
            "\n{:>4}  {:<9} {:<28} {:<25} {:>10} {:>10} {:>9}",
            r.id,
            r.kind,
            r.file_name,
            r.started_at,
            thousands(r.rows_read),
            thousands(r.rows_new),
            thousands(r.rows_rejected)
        ));
    }
    out.text(&s)
}

/// The enrichment part of `profiles show`.
pub fn render_profile(e: &ProfileEnrichment) -> String {
    if e.fields.is_empty() {
        return String::new();
    }
    let mut s = String::from("Enrichment:\n");
    for (k, v) in &e.fields {
        s.push_str(&format!("  {k:<22} {v}\n"));
    }
    if !e.deciders.is_empty() {
        s.push_str("  decided by (messages):\n");
        for d in &e.deciders {
            s.push_str(&format!("    {:<12} {} ({})\n", d.class, d.phrase, d.messages));
        }
    }
    for c in &e.conversations {
        let phrases: Vec<String> = c.deciders.iter().map(|d| format!("{} {}", d.class, d.phrase)).collect();
        s.push_str(&format!(
            "  conversation {} – {}: {} in, {} out; {}, price {}, {}{}\n",
            c.from,
            c.to,
            c.messages_in,
            c.messages_out,
            if c.purchase_intent { "intent" } else { "other" },
            c.price_sensitivity.code(),
            c.sentiment.code(),
            if phrases.is_empty() { String::new() } else { format!(" [{}]", phrases.join("; ")) }
        ));
    }
    s
}

/// `hyperseg bench enrich`: classifier quality on labelled text (`--eval`), or linking plus
/// classification speed on generated messages.
#[derive(clap::Args, Debug)]
pub struct BenchEnrichArgs {
    /// Measure the classifiers on this labelled file instead of measuring speed.
    #[arg(long, value_name = "FILE")]
    eval: Option<PathBuf>,
    /// The labelled file's format: `olist` (reviews with 1-5 stars), `vader` (VADER's
    /// ground-truth files), `binary` (JSON [{text, class 0|1}], npm `sentiment`'s fixtures),
    /// `klass` (JSON Lines {text, klass P|N|NEU|NONE}, EvoMSA's tweets), `chat` (CSV
    /// lang,text,intent,price).
    #[arg(long, default_value = "chat", value_parser = clap::builder::PossibleValuesParser::new(["olist", "vader", "binary", "klass", "chat"]))]
    format: String,
    /// The language of the labelled text (pt, es, en).
    #[arg(long, default_value = "pt", value_parser = clap::builder::PossibleValuesParser::new(["pt", "es", "en"]))]
    lang: String,
    /// Measure all items, or one half: `tune` (items 0, 2, 4, …) or `test` (1, 3, 5, …).
    #[arg(long, default_value = "all", value_parser = clap::builder::PossibleValuesParser::new(["all", "tune", "test"]))]
    part: String,
    /// Also list this many misclassified items.
    #[arg(long, default_value_t = 0, value_name = "N")]
    misses: usize,
    /// Speed: messages to generate.
    #[arg(long, default_value_t = 10_000_000)]
    messages: usize,
    /// Speed: profiles the messages belong to.
    #[arg(long, default_value_t = 1_000_000)]
    profiles: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Speed: keep the generated messages in this CSV (reused when it exists), so a peer can
    /// read the same file.
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// Speed: timed runs per stage (the median is reported).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
}

pub fn bench(args: BenchEnrichArgs, out: &Output) -> anyhow::Result<()> {
    let Some(file) = args.eval else {
        let opts = hyperseg::enrich::bench::BenchOptions {
            messages: args.messages,
            profiles: args.profiles,
            seed: args.seed,
            file: args.file,
            repeat: args.repeat,
        };
        let r = hyperseg::enrich::bench::run(&opts)?;
        if out.json {
            return out.json_value(&r);
        }
        let mut s = format!(
            "{} messages ({} inbound, {} linked) for {} profiles, {} MB, {} threads\n",
            thousands(r.messages as u64),
            thousands(r.inbound as u64),
            thousands(r.linked as u64),
            thousands(r.profiles as u64),
            r.bytes / 1_000_000,
            r.threads
        );
        for st in &r.stages {
            s.push_str(&format!(
                "  {:<72} {:>8.3} s (cpu {:>7.2} s)  {:>12} msgs/s  {:>7.1} MB/s\n",
                st.stage,
                st.median_s,
                st.cpu_s,
                thousands(st.messages_per_s as u64),
                st.mb_per_s
            ));
        }
        s.push_str(&format!(
            "link + classify: {} messages/s ({} messages/s from processor time over {} threads)",
            thousands(r.link_and_classify_messages_per_s as u64),
            thousands(r.link_and_classify_messages_per_cpu_share_s as u64),
            r.threads
        ));
        return out.text(&s);
    };
    let format = match args.format.as_str() {
        "olist" => EvalFormat::Olist,
        "vader" => EvalFormat::Vader,
        "binary" => EvalFormat::Binary,
        "klass" => EvalFormat::Klass,
        _ => EvalFormat::Chat,
    };
    let lang = Lang::parse(&args.lang).expect("clap checked the language");
    let part = match args.part.as_str() {
        "tune" => eval::Part::Tune,
        "test" => eval::Part::Test,
        _ => eval::Part::All,
    };
    let report = eval::evaluate(&file, format, lang, part, args.misses)?;
    if out.json {
        return out.json_value(&report);
    }
    out.text(&render_eval(&report))
}

fn render_eval(r: &EvalReport) -> String {
    let mut s = format!(
        "{} ({}, {} items): {} items, {} skipped; language detected as {} for {:.1}%, unknown {:.1}%",
        r.file,
        r.lang.code(),
        match r.part {
            eval::Part::All => "all",
            eval::Part::Tune => "tuning half of the",
            eval::Part::Test => "test half of the",
        },
        r.items,
        r.skipped,
        r.lang.code(),
        100.0 * r.detected_as_lang,
        100.0 * r.detected_unknown
    );
    for t in &r.tasks {
        s.push_str(&format!("\n  {:<10} accuracy {:.1}% over {} items", t.task, 100.0 * t.accuracy, t.items));
        for c in &t.classes {
            s.push_str(&format!(
                "\n    {:<12} gold {:>5}  predicted {:>5}  precision {:>5.1}%  recall {:>5.1}%",
                c.class,
                c.gold,
                c.predicted,
                100.0 * c.precision,
                100.0 * c.recall
            ));
        }
    }
    if !r.bands.is_empty() {
        let bands: Vec<String> =
            r.bands.iter().map(|b| format!("±{:.2} {:.1}%", b.band, 100.0 * b.accuracy)).collect();
        s.push_str(&format!("\n  sentiment accuracy by neutral band: {}", bands.join(", ")));
    }
    for m in &r.misses {
        s.push_str(&format!("\n  miss {} gold {} predicted {}: {}", m.task, m.gold, m.predicted, m.text));
    }
    s
}
