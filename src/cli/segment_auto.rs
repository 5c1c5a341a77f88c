//! `hyperseg segment auto` and `hyperseg segment generations`: automatic segmentation.

use super::UserError;
use super::compute::backend;
use super::output::{Output, stderr_is_terminal, thousands};
use hyperseg::segment::auto::{self, AutoOptions, AutoReport, KChoice, Lang, Progress, SegmentOptions};
use hyperseg::store::Workspace;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct AutoArgs {
    /// Exactly this many audiences (no search).
    #[arg(long, conflicts_with = "k_range")]
    k: Option<usize>,
    /// The range k is chosen in, by the best mean silhouette (inclusive).
    #[arg(long, value_name = "LO..HI", default_value = "2..10")]
    k_range: String,
    /// Seeds the samples and the k-means++ starts: the same data and seed give the same
    /// audiences, on the CPU or the GPU.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The language of names, descriptions, characteristics and messages.
    #[arg(long, default_value = "pt", value_parser = ["pt", "es", "en"])]
    lang: String,
    /// Also write 2-3 message templates per audience (with {{name}}), stored with it.
    #[arg(long)]
    suggest_messages: bool,
    /// Where the message templates go (CSV: audience, message).
    #[arg(long, value_name = "FILE", default_value = "auto-messages.csv")]
    messages_out: PathBuf,
    /// The day the data is as of (YYYY-MM-DD): freshness and "days since" count from it.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Only these fields (comma-separated); default: every eligible field.
    #[arg(long, value_delimiter = ',', value_name = "F,...")]
    fields: Option<Vec<String>>,
    /// Delete the previous generation's automatic audiences.
    #[arg(long)]
    replace: bool,
    /// A profile is also in its second-nearest audience when that centroid is at most this
    /// much farther than the nearest (0.1 = 10%); 0 makes audiences disjoint.
    #[arg(long, default_value_t = 0.10)]
    overlap_margin: f64,
    /// Most k-means updates per run.
    #[arg(long, default_value_t = 50)]
    iterations: usize,
}

impl AutoArgs {
    fn options(&self) -> anyhow::Result<AutoOptions> {
        let k = match self.k {
            Some(k) if k >= 1 => KChoice::Fixed(k),
            Some(_) => return Err(UserError("--k must be at least 1".into()).into()),
            None => KChoice::parse_range(&self.k_range)?,
        };
        let as_of = match &self.as_of {
            Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| UserError(format!("--as-of {d:?} is not a date; expected YYYY-MM-DD")))?,
            None => chrono::Utc::now().date_naive(),
        };
        if !(0.0..=10.0).contains(&self.overlap_margin) {
            return Err(UserError("--overlap-margin must be between 0 and 10".into()).into());
        }
        Ok(AutoOptions {
            segment: SegmentOptions {
                k,
                seed: self.seed,
                as_of: hyperseg::columns::days_from_date(as_of),
                fields: self.fields.clone(),
                iterations: self.iterations.max(1),
                overlap_margin: self.overlap_margin,
            },
            lang: self.lang.parse::<Lang>().map_err(UserError)?,
            suggest_messages: self.suggest_messages,
            messages_out: Some(self.messages_out.clone()),
            replace: self.replace,
        })
    }
}

pub fn run(
    ws: &mut Workspace,
    args: AutoArgs,
    choice: hyperseg::compute::BackendChoice,
    out: &Output,
) -> anyhow::Result<()> {
    let opts = args.options()?;
    let work = auto::planned_work(ws, &opts.segment)?;
    let backend = backend(choice, work)?;
    let lock = ws.lock()?;
    let spinner = Spinner::new();
    let report = auto::run(ws, &lock, &opts, backend.as_ref(), &mut |p| spinner.step(&p));
    spinner.finish();
    let report = report?;
    if out.json {
        return out.json_value(&report);
    }
    out.text(&render(&report))
}

/// A silhouette under this is commonly read as no substantial structure (Kaufman and
/// Rousseeuw).
const WEAK_SILHOUETTE: f64 = 0.25;

/// The report for people.
fn render(r: &AutoReport) -> String {
    let mut s = format!(
        "generation {}: {} automatic audiences from {} profiles (k = {} by {}; seed {}; backend {})\n",
        r.generation,
        r.audiences.len(),
        thousands(r.profiles),
        r.k,
        r.k_chosen_by,
        r.seed,
        r.backend
    );
    s.push_str(&format!(
        "  as of {}: {} profiles updated in the last 7 days\n",
        r.as_of,
        thousands(r.fresh_profiles)
    ));
    s.push_str("fields used:\n");
    for f in &r.fields {
        let kind = match &f.encoding {
            auto::features::Encoding::Number { date: true, .. } => "date, days since, robust z".to_owned(),
            auto::features::Encoding::Number { .. } => "number, robust z".to_owned(),
            auto::features::Encoding::Boolean { .. } => "boolean, 0/1".to_owned(),
            auto::features::Encoding::Category { values, other, .. } => {
                format!("category, {} values{}", values.len(), if *other { " + other" } else { "" })
            }
        };
        let missing = if f.missing > 0 {
            format!("; {} missing: {}", thousands(f.missing), f.imputation)
        } else {
            String::new()
        };
        s.push_str(&format!("  {:<20} {kind}{missing}\n", f.field));
    }
    if !r.excluded.is_empty() {
        s.push_str("left out:\n");
        for e in &r.excluded {
            s.push_str(&format!("  {:<20} {}\n", e.field, e.reason));
        }
    }
    s.push_str(&format!(
        "k search ({}):\n  {:>3}  {:>10}  {:>14}\n",
        r.criterion, "k", "silhouette", "inertia"
    ));
    for k in &r.scores {
        let mark = if k.k == r.k { "  <- chosen" } else { "" };
        s.push_str(&format!("  {:>3}  {:>10.4}  {:>14.1}{mark}\n", k.k, k.silhouette, k.inertia));
    }
    if let Some(best) = r.scores.iter().find(|k| k.k == r.k)
        && best.silhouette < WEAK_SILHOUETTE
    {
        s.push_str(&format!(
            "note: the audiences are weakly separated (silhouette {:.2} < {WEAK_SILHOUETTE}): the profiles have little cluster structure in these fields, so read the audiences as a split of similar profiles\n",
            best.silhouette
        ));
    }
    s.push_str("audiences:\n");
    for a in &r.audiences {
        s.push_str(&format!(
            "  #{} {}  {} profiles ({:.1}%)\n",
            a.id,
            a.name,
            thousands(a.size),
            a.share * 100.0
        ));
        s.push_str(&format!("      {}\n", a.description));
        for c in &a.characteristics {
            s.push_str(&format!("      - {c}\n"));
        }
        for m in &a.messages {
            s.push_str(&format!("      > {m}\n"));
        }
    }
    s.push_str(&format!(
        "{} profiles are in two audiences (overlap margin {:.0}%)\n",
        thousands(r.overlapping_profiles),
        r.overlap_margin * 100.0
    ));
    if !r.replaced.is_empty() {
        s.push_str(&format!("replaced (deleted): {}\n", r.replaced.join(", ")));
    }
    if let Some(f) = &r.messages_file {
        s.push_str(&format!("message templates written to {}\n", f.display()));
    }
    s.trim_end().to_owned()
}

/// Lists the recorded generations.
pub fn generations(ws: &Workspace, out: &Output) -> anyhow::Result<()> {
    let rows = ws.catalog().auto_generations()?;
    if out.json {
        let values: Vec<serde_json::Value> = rows
            .iter()
            .map(|g| {
                let parse =
                    |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap_or(serde_json::Value::Null);
                serde_json::json!({
                    "id": g.id, "created_at": g.created_at, "as_of": g.as_of, "profiles": g.profiles,
                    "k": g.k, "seed": g.seed, "backend": g.backend, "lang": g.lang, "criterion": g.criterion,
                    "scores": parse(&g.scores), "fields": parse(&g.fields), "excluded": parse(&g.excluded),
                    "details": parse(&g.details),
                    "audiences": ws.catalog().auto_audience_ids(g.id).unwrap_or_default(),
                })
            })
            .collect();
        return out.json_value(&values);
    }
    if rows.is_empty() {
        return out.text("no generations yet (see `hyperseg segment auto`)");
    }
    let mut s = format!(
        "{:>4}  {:<24} {:<10} {:>10} {:>3} {:>6} {:<4}  {}\n",
        "id", "created at", "as of", "profiles", "k", "seed", "on", "audiences left"
    );
    for g in rows {
        let left = ws.catalog().auto_audience_ids(g.id)?.len();
        s.push_str(&format!(
            "{:>4}  {:<24} {:<10} {:>10} {:>3} {:>6} {:<4}  {left}\n",
            g.id,
            g.created_at,
            g.as_of,
            thousands(g.profiles),
            g.k,
            g.seed,
            g.backend
        ));
    }
    out.text(s.trim_end())
}

/// A spinner on stderr naming the current step, shown on a terminal after a second.
struct Spinner {
    bar: ProgressBar,
    started: Instant,
    enabled: bool,
}

impl Spinner {
    fn new() -> Spinner {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("a valid template"));
        Spinner { bar, started: Instant::now(), enabled: stderr_is_terminal() }
    }

    fn step(&self, p: &Progress) {
        if self.enabled && self.bar.is_hidden() && self.started.elapsed() > Duration::from_secs(1) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
        self.bar.set_message(match p {
            Progress::Features => "building features".to_owned(),
            Progress::Search { k, done, total } => format!("k search: k = {k} ({}/{total})", done + 1),
            Progress::Final { k } => format!("k-means of every profile, k = {k}"),
            Progress::Explain => "explaining the audiences".to_owned(),
            Progress::Commit => "saving the audiences".to_owned(),
        });
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
