//! Fields: every profile field with its type, fill rate, and its top values (text,
//! booleans) or a small histogram (numbers, dates). Identifier values (phones, e-mails,
//! CPFs, names, addresses) are personal data and are not listed: only how many profiles
//! have one.

use super::Context;
use super::format::{self, percent, thousands};
use super::model::{Block, Chart, Section, Table};
use super::svg::{self, Bar, Frame, Series};
use crate::columns::{CanonicalField, Column, ColumnData, Role, summarize};

/// Top values listed per text field.
const TOP: usize = 8;
/// Bins of a number's or date's histogram.
const BINS: usize = 12;

pub fn section(ctx: &Context) -> Section {
    let Some(table) = &ctx.profiles else {
        return Section::empty("fields", "Fields", "No profiles yet, so no fields.");
    };
    let mut s = Section::new("fields", "Fields");
    let rows = table.rows();
    let mut overview = Block::default();
    overview.notes.push(format!(
        "{} fields over {} profiles. Phones, e-mails, CPFs, names and addresses are personal data: only their fill rate is shown.",
        table.columns().len(),
        thousands(rows as u64)
    ));
    overview.charts.push(fill_chart(table.columns(), rows));
    s.blocks.push(overview);
    s.blocks.extend(table.columns().iter().map(|c| field_block(c, rows)));
    s
}

fn kind(c: &Column) -> &'static str {
    match c.role {
        Role::Canonical(_) => "canonical",
        Role::Attribute => "behaviour",
        Role::System => "profile",
    }
}

/// Whether the field's values identify people (or are the profile id).
fn personal(c: &Column) -> bool {
    use CanonicalField::*;
    matches!(c.role, Role::Canonical(PhoneNumber | Email | TaxDocument | Name | Address))
        || c.name == crate::identity::profiles::PROFILE_ID
}

fn fill_chart(columns: &[Column], rows: usize) -> Chart {
    let title = "Fill rate: profiles with a value, per field";
    let total = rows.max(1) as f64;
    let filled: Vec<usize> = columns.iter().map(|c| c.data.validity().count_ones()).collect();
    let bars: Vec<Bar> = columns
        .iter()
        .zip(&filled)
        .map(|(c, &n)| Bar {
            label: c.name.clone(),
            value: n as f64 / total * 100.0,
            text: percent(n as f64 / total),
            colour: 0,
        })
        .collect();
    let svg = svg::bars(&Frame { title, x: "profiles with a value (%)", y: "field" }, &bars, None);
    let mut table = Table::new(&["field", "type", "kind", "#profiles with a value", "#fill rate"]);
    for (c, &n) in columns.iter().zip(&filled) {
        table.row(vec![
            c.name.clone(),
            c.data_type().user_name().to_owned(),
            kind(c).to_owned(),
            thousands(n as u64),
            percent(n as f64 / total),
        ]);
    }
    Chart { title: title.into(), svg, table }
}

fn field_block(c: &Column, rows: usize) -> Block {
    let filled = c.data.validity().count_ones();
    let mut b = Block { heading: c.name.clone(), ..Block::default() };
    b.facts = vec![
        ("type".into(), c.data_type().user_name().to_owned()),
        ("kind".into(), kind(c).to_owned()),
        (
            "fill rate".into(),
            format!(
                "{} ({} profiles)",
                percent(filled as f64 / rows.max(1) as f64),
                thousands(filled as u64)
            ),
        ),
    ];
    if personal(c) || filled == 0 {
        return b;
    }
    let chart = match &c.data {
        ColumnData::Int64(p) => {
            histogram(c, p.validity.iter_ones().map(|i| p.values[i] as f64).collect(), false)
        }
        ColumnData::Float64(p) => histogram(c, p.validity.iter_ones().map(|i| p.values[i]).collect(), false),
        ColumnData::Date(p) => {
            histogram(c, p.validity.iter_ones().map(|i| f64::from(p.values[i])).collect(), true)
        }
        _ => top_values(c, &mut b),
    };
    b.charts.push(chart);
    b
}

fn top_values(c: &Column, b: &mut Block) -> Chart {
    let s = summarize(&c.data, TOP);
    b.facts.push(("distinct values".into(), thousands(s.distinct as u64)));
    let listed: usize = s.top.iter().map(|(_, n)| n).sum();
    let mut rows: Vec<(String, usize)> = s.top.clone();
    if s.non_empty > listed {
        rows.push((
            format!("other ({} values)", thousands((s.distinct - s.top.len()) as u64)),
            s.non_empty - listed,
        ));
    }
    let title = format!("{}: most frequent values", c.name);
    let total = s.non_empty.max(1) as f64;
    let bars: Vec<Bar> = rows
        .iter()
        .enumerate()
        .map(|(i, (v, n))| Bar {
            label: v.clone(),
            value: *n as f64,
            text: format!("{} ({})", thousands(*n as u64), percent(*n as f64 / total)),
            colour: if i == s.top.len() { 5 } else { 0 },
        })
        .collect();
    let svg = svg::bars(&Frame { title: &title, x: "profiles", y: "value" }, &bars, None);
    let mut table = Table::new(&["value", "#profiles", "#share of filled"]);
    for (v, n) in rows {
        table.row(vec![v, thousands(n as u64), percent(n as f64 / total)]);
    }
    Chart { title, svg, table }
}

/// Equal-width bins from the smallest value to the largest.
fn histogram(c: &Column, values: Vec<f64>, dates: bool) -> Chart {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let integral = dates || matches!(c.data, ColumnData::Int64(_));
    let (bins, width) = if integral {
        let width = ((hi - lo + 1.0) / BINS as f64).ceil().max(1.0);
        (((hi - lo + 1.0) / width).ceil() as usize, width)
    } else {
        (BINS, ((hi - lo) / BINS as f64).max(f64::MIN_POSITIVE))
    };
    let bins = bins.max(1);
    let mut counts = vec![0u64; bins];
    for v in &values {
        counts[(((v - lo) / width) as usize).min(bins - 1)] += 1;
    }
    let show = |v: f64| if dates { format::date(v.round() as i32) } else { format::num(v, 2) };
    let ranges: Vec<String> = (0..counts.len())
        .map(|i| {
            let a = lo + width * i as f64;
            match integral {
                true if width == 1.0 => show(a),
                true => format!("{} – {}", show(a), show(a + width - 1.0)),
                false => format!("{} – {}", show(a), show(a + width)),
            }
        })
        .collect();
    let labels: Vec<String> = (0..counts.len()).map(|i| show(lo + width * i as f64)).collect();
    let title = format!("{}: distribution", c.name);
    let unit = if dates { "day" } else { "value" };
    let x = format!("{} ({unit}, bins from the smallest to the largest)", c.name);
    let series = [Series { name: "profiles".into(), values: counts.iter().map(|n| *n as f64).collect() }];
    let svg = svg::columns(&Frame { title: &title, x: &x, y: "profiles" }, &labels, &series, &[]);
    let mut table = Table::new(&["range", "#profiles"]);
    for (r, n) in ranges.into_iter().zip(&counts) {
        table.row(vec![r, thousands(*n)]);
    }
    Chart { title, svg, table }
}
