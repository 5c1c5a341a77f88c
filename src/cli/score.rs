//! `hyperseg score apply|list|show|remove|explain|fit`.

use super::UserError;
use super::output::{Output, thousands};
use hyperseg::score::{self, plan, time};
use hyperseg::store::Workspace;
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum ScoreCommand {
    /// Score every profile under a plan (TOML) as of a date; the score and its temperature
    /// become the profile fields NAME and NAME_temperature.
    #[command(
        after_help = "Example:\n  hyperseg -w ws score apply datasets/lead_score.toml --as-of 2026-11-30"
    )]
    Apply {
        plan: PathBuf,
        /// Count events up to the end of this day (UTC), YYYY-MM-DD; default now.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// The applied plans.
    #[command(after_help = "Example:\n  hyperseg -w ws score list")]
    List,
    /// A plan's score distribution and profiles per temperature.
    #[command(after_help = "Example:\n  hyperseg -w ws score show lead_score")]
    Show { name: String },
    /// Remove an applied plan and its two profile fields.
    #[command(after_help = "Example:\n  hyperseg -w ws score remove lead_score")]
    Remove { name: String },
    /// A profile's ledger: each action, when, the rule, its points, expiry or decay, total.
    #[command(after_help = "Example:\n  hyperseg -w ws score explain ana@example.com --plan lead_score")]
    Explain {
        /// A phone, e-mail, CPF or profile id.
        profile: String,
        #[arg(long)]
        plan: String,
        /// As of this day instead of the date the plan was applied for.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// Learn points from a yes/no conversion field: held-out AUC, calibration, the weights
    /// in plain words, and a suggested plan.
    #[command(
        after_help = "Example:\n  hyperseg -w ws score fit --target converted --as-of 2026-11-30 --plan-out fitted.toml"
    )]
    Fit {
        /// A yes/no (or 0/1) profile field.
        #[arg(long)]
        target: String,
        /// Write the suggested plan here.
        #[arg(long, value_name = "PLAN.toml")]
        plan_out: Option<PathBuf>,
        /// Count actions in the window ending with this day (YYYY-MM-DD); default now.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// The window's length in days.
        #[arg(long, default_value_t = 90)]
        window_days: i64,
        /// Seed of the held-out split and folds.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// The share of profiles held out.
        #[arg(long, default_value_t = 0.25)]
        holdout: f64,
        /// The suggested plan's score name.
        #[arg(long, default_value = "fitted_score")]
        name: String,
    },
}

fn as_of(raw: Option<&str>) -> anyhow::Result<Option<i64>> {
    raw.map(|d| {
        time::parse_date(d)
            .map(|d| time::as_of(Some(d)))
            .ok_or_else(|| UserError(format!("--as-of {d:?}: expected a date as YYYY-MM-DD")).into())
    })
    .transpose()
}

pub fn run(ws: &mut Workspace, cmd: ScoreCommand, out: &Output) -> anyhow::Result<()> {
    match cmd {
        ScoreCommand::Apply { plan: path, as_of: date } => {
            let p = plan::read(&path)?;
            let at = as_of(date.as_deref())?.unwrap_or_else(|| time::as_of(None));
            let lock = ws.lock()?;
            let r = score::apply(ws, &lock, &p, at)?;
            drop(lock);
            for w in &r.warnings {
                super::output::note(&format!("warning: {w}"));
            }
            if out.json {
                return out.json_value(&r);
            }
            out.text(&format!("{} applied as of {}\n{}", r.name, r.as_of, summary_text(&r.summary)))
        }
        ScoreCommand::List => {
            let plans = score::list(ws)?;
            if out.json {
                return out.json_value(&plans);
            }
            if plans.is_empty() {
                return out.text("no plan applied yet (hyperseg score apply PLAN.toml)");
            }
            let mut s =
                format!("{:<20} {:<19} {:>12} {:>10}  temperatures", "plan", "as of", "profiles", "median");
            for a in &plans {
                let temps = a
                    .summary
                    .temperatures
                    .iter()
                    .map(|(t, n)| format!("{t} {}", thousands(*n)))
                    .collect::<Vec<_>>()
                    .join(", ");
                s.push_str(&format!(
                    "\n{:<20} {:<19} {:>12} {:>10}  {temps}",
                    a.name,
                    time::format_as_of(a.as_of),
                    thousands(a.summary.profiles),
                    a.summary.median
                ));
            }
            out.text(&s)
        }
        ScoreCommand::Show { name } => {
            let a = score::show(ws, &name)?;
            if out.json {
                return out.json_value(&a);
            }
            out.text(&format!(
                "{} (from {}, applied {}) as of {}\n{}",
                a.name,
                a.plan_file,
                a.applied_at,
                time::format_as_of(a.as_of),
                summary_text(&a.summary)
            ))
        }
        ScoreCommand::Remove { name } => {
            let lock = ws.lock()?;
            let gone = score::remove(ws, &lock, &name)?;
            drop(lock);
            out.message(&format!("removed {} and its fields", gone.name), &gone)
        }
        ScoreCommand::Fit { target, plan_out, as_of: date, window_days, seed, holdout, name } => {
            let opts = score::fit::FitOptions {
                target,
                as_of: as_of(date.as_deref())?.unwrap_or_else(|| time::as_of(None)),
                window_days,
                seed,
                holdout,
                plan_name: name,
            };
            let r = score::fit::fit(ws, &opts)?;
            if let Some(path) = &plan_out {
                std::fs::write(path, &r.plan).map_err(|e| UserError(format!("{}: {e}", path.display())))?;
            }
            if out.json {
                return out.json_value(&r);
            }
            out.text(&fit_text(&r, plan_out.as_deref()))
        }
        ScoreCommand::Explain { profile, plan, as_of: date } => {
            let e = score::explain(ws, &profile, &plan, as_of(date.as_deref())?)?;
            if out.json {
                return out.json_value(&e);
            }
            let mut s = format!("Profile {} under {} as of {}", e.profile, e.plan, e.as_of);
            for l in &e.lines {
                let what = match (&l.action, &l.url) {
                    (Some(a), Some(u)) => format!("{a} {u}"),
                    (Some(a), None) => a.clone(),
                    _ => String::new(),
                };
                s.push_str(&format!(
                    "\n  {:<19}  {:<28} {:<36} {:>7} → {:>7.2}  {}",
                    l.when.as_deref().unwrap_or(""),
                    what,
                    l.line.rule,
                    format!("{:+}", l.line.points),
                    l.line.now,
                    l.line.note
                ));
            }
            s.push_str(&format!("\n  total {} ({})", e.total, e.temperature));
            out.text(&s)
        }
    }
}

fn summary_text(s: &score::stored::Summary) -> String {
    let temps = s
        .temperatures
        .iter()
        .map(|(t, n)| {
            format!("{t}: {} ({:.1}%)", thousands(*n), 100.0 * *n as f64 / s.profiles.max(1) as f64)
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "  profiles {} (with points: {})\n  score min {} · p25 {} · median {} · p75 {} · p90 {} · max {} · mean {}\n  {temps}\n  events matched by a rule: {}, of contacts in no profile: {}",
        thousands(s.profiles),
        thousands(s.scored),
        s.min,
        s.p25,
        s.median,
        s.p75,
        s.p90,
        s.max,
        s.mean,
        thousands(s.events_matched),
        thousands(s.events_unknown_contact)
    )
}

fn fit_text(r: &score::fit::FitReport, plan_out: Option<&std::path::Path>) -> String {
    let mut s = format!(
        "{} profiles with {} ({} yes); trained on {}, held out {}\n  penalty (by 5-fold cross-validation): {}\n  held-out AUC {:.3} (always predicting the majority: 0.500); accuracy {:.3} (majority {:.3})\n  calibration by decile (predicted → observed):",
        thousands(r.profiles as u64),
        r.target,
        thousands(r.positives as u64),
        thousands(r.train as u64),
        thousands(r.held_out as u64),
        r.lambda,
        r.auc,
        r.accuracy,
        r.majority_accuracy
    );
    for (i, b) in r.calibration.iter().enumerate() {
        s.push_str(&format!(
            "\n    {:>2}. {:.3} → {:.3}  ({} profiles)",
            i + 1,
            b.predicted,
            b.observed,
            b.rows
        ));
    }
    s.push_str("\n  what matters most (weight per standard deviation):");
    for w in r.weights.iter().take(12) {
        s.push_str(&format!("\n    {:+.3}  {}", w.weight, w.words));
    }
    match plan_out {
        Some(p) => s.push_str(&format!("\n  suggested plan written to {}", p.display())),
        None => s.push_str(&format!("\n  suggested plan (--plan-out FILE writes it):\n{}", r.plan)),
    }
    s
}
