//! Imports: rows imported, opted out and rejected (by reason) per import, and the last
//! import's report.

use super::format::{day, num, thousands};
use super::model::{Block, Chart, Section, Table};
use super::svg::{self, Bar, Frame, Series};
use super::{Context, ReportError};
use crate::store::{ImportFilter, ImportRow};
use serde_json::Value;

/// The most imports the timeline draws (the newest); the table says how many are left out.
const TIMELINE: usize = 60;

pub fn section(ctx: &Context) -> Result<Section, ReportError> {
    let mut imports: Vec<ImportRow> = ctx
        .ws
        .catalog()
        .list_imports(&ImportFilter::default())?
        .into_iter()
        .filter(|i| ctx.until_as_of(&i.started_at))
        .collect();
    imports.sort_by_key(|i| i.id);
    let Some(last) = imports.last().cloned() else {
        return Ok(Section::empty("imports", "Imports", format!("No import on or before {}.", ctx.as_of)));
    };
    let mut s = Section::new("imports", "Imports");
    let left_out = imports.len().saturating_sub(TIMELINE);
    let shown = &imports[left_out..];
    let mut timeline = Block { charts: vec![timeline_chart(shown)], ..Block::default() };
    let plural = if imports.len() == 1 { "" } else { "s" };
    timeline.notes.push(format!(
        "{} import{plural} on or before {}.",
        thousands(imports.len() as u64),
        ctx.as_of
    ));
    if left_out > 0 {
        timeline.notes.push(format!(
            "The timeline shows the newest {TIMELINE}; {left_out} earlier imports are left out."
        ));
    }
    s.blocks.push(timeline);
    s.blocks.push(last_import(&last));
    Ok(s)
}

/// Rejected rows by reason, from an import's stored report.
fn rejects(i: &ImportRow) -> Vec<(String, u64)> {
    let report: Value = serde_json::from_str(&i.report_json).unwrap_or(Value::Null);
    let mut out: Vec<(String, u64)> = report["rejected_by_reason"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.replace('_', " "), v.as_u64().unwrap_or(0))).collect())
        .unwrap_or_default();
    if out.is_empty() && i.rows_rejected > 0 {
        out.push(("rejected".into(), i.rows_rejected));
    }
    out
}

fn timeline_chart(imports: &[ImportRow]) -> Chart {
    let mut reasons: Vec<String> = Vec::new();
    let per_import: Vec<Vec<(String, u64)>> = imports.iter().map(rejects).collect();
    for r in per_import.iter().flatten() {
        if !reasons.contains(&r.0) {
            reasons.push(r.0.clone());
        }
    }
    let labels: Vec<String> = imports.iter().map(|i| format!("#{}", i.id)).collect();
    let mut series = vec![
        Series { name: "imported".into(), values: imports.iter().map(|i| i.rows_imported as f64).collect() },
        Series {
            name: "opted out".into(),
            values: imports.iter().map(|i| i.rows_opted_out as f64).collect(),
        },
    ];
    for reason in &reasons {
        let values = per_import
            .iter()
            .map(|rs| rs.iter().find(|(r, _)| r == reason).map_or(0.0, |(_, n)| *n as f64))
            .collect();
        series.push(Series { name: format!("rejected: {reason}"), values });
    }
    let title = "Rows per import: imported, opted out, rejected by reason";
    let frame = Frame { title, x: "import (number, oldest first)", y: "rows" };
    let svg = svg::columns(&frame, &labels, &series, &[]);
    let mut headers = vec!["import", "day", "source", "file", "#imported", "#opted out"];
    let reject_headers: Vec<String> = reasons.iter().map(|r| format!("#rejected: {r}")).collect();
    headers.extend(reject_headers.iter().map(String::as_str));
    let mut table = Table::new(&headers);
    for (k, i) in imports.iter().enumerate() {
        let mut row = vec![
            format!("#{}", i.id),
            day(&i.started_at).to_owned(),
            i.source.clone(),
            i.file_name.clone(),
            thousands(i.rows_imported),
            thousands(i.rows_opted_out),
        ];
        row.extend(series[2..].iter().map(|s| num(s.values[k], 0)));
        table.row(row);
    }
    Chart { title: title.into(), svg, table }
}

/// The last import's report: its facts and its rows by outcome.
fn last_import(i: &ImportRow) -> Block {
    let report: Value = serde_json::from_str(&i.report_json).unwrap_or(Value::Null);
    let n = |k: &str| report[k].as_u64().unwrap_or(0);
    let mut b = Block { heading: format!("Last import: #{} {}", i.id, i.file_name), ..Block::default() };
    b.facts = vec![
        ("source".into(), i.source.clone()),
        ("started".into(), i.started_at.clone()),
        ("finished".into(), i.finished_at.clone()),
        ("imported by".into(), i.imported_by.clone()),
        ("outcome".into(), i.outcome.replace('_', " ")),
        ("lines read".into(), thousands(n("lines_read"))),
    ];
    if let Some(r) = report["records"].as_object() {
        let c = |k: &str| r.get(k).and_then(Value::as_u64).unwrap_or(0);
        b.facts.push((
            "records".into(),
            format!(
                "{} new, {} changed, {} unchanged, {} removed, {} duplicates ({} mode)",
                thousands(c("new")),
                thousands(c("changed")),
                thousands(c("unchanged")),
                thousands(c("removed")),
                thousands(c("duplicates")),
                r.get("mode").and_then(Value::as_str).unwrap_or("")
            ),
        ));
    }
    if let Some(cols) = report["columns"].as_array() {
        let list: Vec<String> = cols
            .iter()
            .map(|c| format!("{} ({})", c["header"].as_str().unwrap_or(""), c["type"].as_str().unwrap_or("")))
            .collect();
        b.facts.push(("columns".into(), list.join(", ")));
    }
    if let Some(retired) = &i.retired_at {
        b.notes.push(format!("Retired on {}: a later import superseded all of its records.", day(retired)));
    }
    let mut rows =
        vec![("imported".to_owned(), i.rows_imported, 0), ("opted out".to_owned(), i.rows_opted_out, 2)];
    if n("rows_suppressed") > 0 {
        rows.push(("suppressed (erased people)".into(), n("rows_suppressed"), 5));
    }
    rows.extend(rejects(i).into_iter().map(|(r, c)| (format!("rejected: {r}"), c, 1)));
    let bars: Vec<Bar> = rows
        .iter()
        .map(|(label, v, colour)| Bar {
            label: label.clone(),
            value: *v as f64,
            text: thousands(*v),
            colour: *colour,
        })
        .collect();
    let title = "Last import: rows by outcome";
    let svg = svg::bars(&Frame { title, x: "rows", y: "outcome" }, &bars, None);
    let mut table = Table::new(&["outcome", "#rows"]);
    for (label, v, _) in rows {
        table.row(vec![label, thousands(v)]);
    }
    b.charts.push(Chart { title: title.into(), svg, table });
    b
}
