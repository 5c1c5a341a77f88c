//! Runs of the nightly job: each run's duration and status, and the last run's steps with
//! their durations and outcomes.

use super::format::{num, seconds_between, thousands};
use super::model::{Block, Chart, Section, Table};
use super::svg::{self, Bar, Frame, Series};
use super::{Context, ReportError};
use crate::store::{RunRow, RunStepRow};

/// The most runs the timeline draws (the newest).
const TIMELINE: usize = 60;

pub fn section(ctx: &Context) -> Result<Section, ReportError> {
    let runs: Vec<RunRow> =
        ctx.ws.catalog().runs()?.into_iter().filter(|r| ctx.until_as_of(&r.started_at)).collect();
    let Some(last) = runs.last() else {
        return Ok(Section::empty("runs", "Runs", "No run of a nightly job (`hyperseg run`) yet."));
    };
    let mut s = Section::new("runs", "Runs");
    let shown = &runs[runs.len().saturating_sub(TIMELINE)..];
    let mut top = Block::default();
    if runs.len() > shown.len() {
        top.notes.push(format!("The timeline shows the newest {TIMELINE} of {} runs.", runs.len()));
    }
    top.charts.push(runs_chart(shown));
    s.blocks.push(top);
    let steps = ctx.ws.catalog().run_steps(last.id)?;
    s.blocks.push(steps_block(last, &steps));
    Ok(s)
}

fn run_seconds(r: &RunRow) -> f64 {
    r.finished_at.as_deref().map_or(0.0, |f| seconds_between(&r.started_at, f))
}

fn runs_chart(runs: &[RunRow]) -> Chart {
    let title = "Run durations, by status";
    let labels: Vec<String> = runs.iter().map(|r| format!("#{}", r.id)).collect();
    let statuses = ["ok", "failed", "other"];
    let series: Vec<Series> = statuses
        .iter()
        .map(|st| Series {
            name: (*st).to_owned(),
            values: runs
                .iter()
                .map(|r| {
                    let bucket =
                        if r.status == "ok" || r.status == "failed" { r.status.as_str() } else { "other" };
                    if bucket == *st { run_seconds(r) } else { 0.0 }
                })
                .collect(),
        })
        .filter(|s| s.values.iter().any(|v| *v > 0.0))
        .collect();
    let svg = svg::columns(
        &Frame { title, x: "run (number, oldest first)", y: "duration (seconds)" },
        &labels,
        &series,
        &[],
    );
    let mut table = Table::new(&["run", "run date", "job", "status", "started", "#duration (s)"]);
    for r in runs {
        table.row(vec![
            format!("#{}", r.id),
            r.run_date.clone(),
            r.job.clone(),
            r.status.clone(),
            r.started_at.clone(),
            num((run_seconds(r) * 100.0).round() / 100.0, 2),
        ]);
    }
    Chart { title: title.into(), svg, table }
}

fn outcome_colour(outcome: &str) -> usize {
    match outcome {
        "ok" => 4,
        "failed" => 1,
        "unchanged" => 0,
        _ => 5,
    }
}

fn steps_block(run: &RunRow, steps: &[RunStepRow]) -> Block {
    let mut b = Block {
        heading: format!("Last run: #{} ({}, {})", run.id, run.run_date, run.status),
        ..Block::default()
    };
    b.facts = vec![
        ("job".into(), run.job.clone()),
        ("started".into(), run.started_at.clone()),
        ("finished".into(), run.finished_at.clone().unwrap_or_else(|| "not finished".into())),
    ];
    if steps.is_empty() {
        b.notes.push("The run recorded no step.".into());
        return b;
    }
    let title = "Last run: each step's duration and outcome";
    let bars: Vec<Bar> = steps
        .iter()
        .map(|st| {
            let secs = seconds_between(&st.started_at, &st.finished_at);
            Bar {
                label: st.name.clone(),
                value: secs,
                text: format!("{} s · {}", num(secs, 2), st.outcome),
                colour: outcome_colour(&st.outcome),
            }
        })
        .collect();
    let svg = svg::bars(&Frame { title, x: "duration (seconds)", y: "step" }, &bars, None);
    let mut table = Table::new(&["step", "outcome", "#duration (s)", "#rows in", "#rows out", "message"]);
    for st in steps {
        table.row(vec![
            st.name.clone(),
            st.outcome.clone(),
            num(seconds_between(&st.started_at, &st.finished_at), 2),
            thousands(st.rows_in),
            thousands(st.rows_out),
            st.message.clone(),
        ]);
    }
    b.charts.push(Chart { title: title.into(), svg, table });
    b
}
