//! `hyperseg segment preview`: how many profiles a filter selects, before anything is saved;
//! `segment auto` and `segment generations` (automatic segmentation) live in `segment_auto`.

use super::UserError;
use super::compute::backend;
use super::output::{Output, thousands};
use hyperseg::columns::{Table, Value};
use hyperseg::compute::{BackendChoice, Work};
use hyperseg::identity;
use hyperseg::segment::{self, Expr};
use hyperseg::store::Workspace;
use serde::Serialize;

#[derive(clap::Subcommand, Debug)]
pub enum SegmentCommand {
    /// Size of a filter's audience, its share of all profiles, sample profiles, and the size
    /// each top-level condition would give alone.
    #[command(
        after_help = "Examples:\n  hyperseg -w ws segment preview --where 'city = \"São Paulo\" and idade between 18 and 30'\n  hyperseg -w ws segment preview --where-json '{\"field\":\"city\",\"op\":\"equals\",\"value\":\"Santos\"}'"
    )]
    Preview {
        #[command(flatten)]
        filter: super::audiences::FilterArgs,
        /// How many sample profiles to show.
        #[arg(long, default_value_t = 5)]
        sample: usize,
        /// Count opted-out profiles too (they are never exported nor audience members).
        #[arg(long)]
        include_opted_out: bool,
    },
    /// Automatic segmentation: cluster the profiles (k-means), explain, name and save each
    /// cluster as an automatic audience. Needs 7 profiles updated in the last 7 days.
    #[command(
        after_help = "Examples:\n  hyperseg -w ws segment auto\n  hyperseg -w ws segment auto --k-range 2..12 --seed 7 --lang en --suggest-messages --replace\n  hyperseg -w ws --backend gpu segment auto --k 6 --fields idade,compras,status_lead"
    )]
    Auto(super::segment_auto::AutoArgs),
    /// The recorded generations of automatic audiences: when, k, seed, backend, and (with
    /// --json) the fields and the criterion's values per k.
    #[command(after_help = "Example:\n  hyperseg -w ws segment generations --json")]
    Generations,
}

#[derive(Serialize)]
struct Preview {
    filter: String,
    profiles: usize,
    total: usize,
    share: f64,
    conditions: Vec<(String, usize)>,
    /// Opted-out profiles the filter matched and the count leaves out.
    opted_out_left_out: usize,
    sample: Vec<Vec<(String, String)>>,
}

pub fn run(
    ws: &mut Workspace,
    cmd: SegmentCommand,
    choice: BackendChoice,
    out: &Output,
) -> anyhow::Result<()> {
    let (filter, sample, include_opted_out) = match cmd {
        SegmentCommand::Preview { filter, sample, include_opted_out } => (filter, sample, include_opted_out),
        SegmentCommand::Auto(args) => return super::segment_auto::run(ws, args, choice, out),
        SegmentCommand::Generations => return super::segment_auto::generations(ws, out),
    };
    let expr = filter.parse()?;
    let input = filter.source().to_owned();
    // A filter that does not fit the fields fails before the table is cached.
    let mut unfit = None;
    let table = identity::profile_table_if(ws, |t| {
        unfit = segment::check_table(&expr, t).err();
        unfit.is_none()
    })?;
    let Some(table) = table else {
        return Err(UserError("no profiles yet: import a file first".into()).into());
    };
    if let Some(e) = unfit {
        return Err(filter_error(e, &input));
    }
    let today = hyperseg::audience::today();
    let backend = backend(choice, Work::Filter)?;
    let mut selected =
        segment::evaluate(&expr, &table, backend.as_ref(), today).map_err(|e| filter_error(e, &input))?;
    let opted_out = match include_opted_out {
        true => 0,
        false => hyperseg::audience::leave_out_opted_out(&table, &mut selected),
    };
    let count = selected.count_ones();
    // Each top-level condition alone (a filter of one condition is that condition).
    let conditions = match &expr {
        Expr::And(parts) | Expr::Or(parts) => parts
            .iter()
            .map(|part| {
                let alone = segment::evaluate(part, &table, backend.as_ref(), today)
                    .map_err(|e| filter_error(e, &input))?;
                Ok((part.to_string(), alone.count_ones()))
            })
            .collect::<anyhow::Result<Vec<_>>>()?,
        one => vec![(one.to_string(), count)],
    };
    let columns = sample_columns(&table, &expr);
    let sample_rows: Vec<Vec<(String, String)>> = selected
        .iter_ones()
        .take(sample)
        .map(|row| {
            columns
                .iter()
                .map(|name| {
                    let v = table.column(name).map_or(Value::Null, |c| c.data.value(row));
                    (name.clone(), v.to_string())
                })
                .collect()
        })
        .collect();
    let total = table.rows();
    let preview = Preview {
        filter: expr.to_string(),
        profiles: count,
        total,
        share: if total == 0 { 0.0 } else { count as f64 / total as f64 },
        conditions,
        opted_out_left_out: opted_out,
        sample: sample_rows,
    };
    if out.json {
        return out.json_value(&preview);
    }
    let mut s = format!(
        "{} profiles of {} ({:.1}%) match\n  {}\n",
        thousands(count as u64),
        thousands(total as u64),
        preview.share * 100.0,
        preview.filter
    );
    if opted_out > 0 {
        s.push_str(&format!(
            "  ({} opted-out profiles also match and are left out; --include-opted-out counts them)\n",
            thousands(opted_out as u64)
        ));
    }
    if preview.conditions.len() > 1 {
        s.push_str("each top-level condition alone:\n");
        for (c, n) in &preview.conditions {
            s.push_str(&format!("  {:>10}  {c}\n", thousands(*n as u64)));
        }
    }
    if !preview.sample.is_empty() {
        s.push_str("sample profiles:\n");
        for row in &preview.sample {
            let cells: Vec<String> =
                row.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={v}")).collect();
            s.push_str(&format!("  {}\n", cells.join("  ")));
        }
    }
    out.text(s.trim_end())
}

/// The columns shown for sample profiles: id and contact fields, then the filter's fields.
fn sample_columns(table: &Table, expr: &Expr) -> Vec<String> {
    let mut names: Vec<String> =
        ["profileId", "name", "phoneNumber", "email", "city"].iter().map(|s| (*s).to_owned()).collect();
    for c in expr.conditions() {
        let folded = hyperseg::text::fold(&c.field);
        if let Some(col) = table.columns().iter().find(|col| hyperseg::text::fold(&col.name) == folded)
            && !names.contains(&col.name)
        {
            names.push(col.name.clone());
        }
    }
    names
}

/// A filter error as the user's to fix (with a caret under `input`), except a failing GPU.
fn filter_error(e: segment::FilterError, input: &str) -> anyhow::Error {
    match e {
        segment::FilterError::Compute(c) => c.into(),
        e => UserError(e.render(input)).into(),
    }
}
