//! Audiences: sizes now, the overlap between them as a heat map, and for each its filter
//! (manual) or characteristics and description (automatic), with its size over time from
//! the refreshes.

use super::format::{day, num, percent, thousands};
use super::model::{Block, Chart, Section, Table};
use super::svg::{self, Bar, Frame, Series};
use super::{Context, ReportError};
use crate::audience;
use crate::columns::{Bitmap, Table as Profiles};
use crate::store::{AudienceRow, AudienceSizeRow};

/// The most audiences the heat map compares (the largest).
const OVERLAP_MAX: usize = 60;
/// The most refreshes an audience's size chart draws (the newest).
const TIMELINE: usize = 60;

pub fn section(ctx: &Context) -> Result<Section, ReportError> {
    let mut audiences: Vec<AudienceRow> =
        ctx.ws.catalog().audiences()?.into_iter().filter(|a| ctx.until_as_of(&a.created_at)).collect();
    if audiences.is_empty() {
        return Ok(Section::empty("audiences", "Audiences", "No saved audience yet."));
    }
    audiences.sort_by_key(|a| a.id);
    let mut s = Section::new("audiences", "Audiences");
    let mut top = Block::default();
    top.charts.push(sizes_chart(&audiences, ctx.profiles.as_ref().map_or(0, Profiles::rows)));
    if let Some(profiles) = &ctx.profiles
        && audiences.len() > 1
    {
        top.charts.push(overlap_chart(ctx, profiles, &audiences, &mut top.notes)?);
    }
    s.blocks.push(top);
    let history = ctx.ws.catalog().audience_sizes()?;
    for a in &audiences {
        let sizes: Vec<&AudienceSizeRow> =
            history.iter().filter(|h| h.audience_id == a.id && ctx.until_as_of(&h.at)).collect();
        s.blocks.push(audience_block(ctx, a, &sizes)?);
    }
    Ok(s)
}

fn sizes_chart(audiences: &[AudienceRow], profiles: usize) -> Chart {
    let title = "Audience sizes now";
    let total = profiles.max(1) as f64;
    let bars: Vec<Bar> = audiences
        .iter()
        .map(|a| Bar {
            label: a.name.clone(),
            value: a.size as f64,
            text: format!("{} ({})", thousands(a.size), percent(a.size as f64 / total)),
            colour: if a.kind == "manual" { 0 } else { 3 },
        })
        .collect();
    let svg = svg::bars(&Frame { title, x: "profiles", y: "audience" }, &bars, None);
    let mut table = Table::new(&["audience", "kind", "#profiles", "#share of all profiles"]);
    for a in audiences {
        table.row(vec![a.name.clone(), a.kind.clone(), thousands(a.size), percent(a.size as f64 / total)]);
    }
    Chart { title: title.into(), svg, table }
}

fn overlap_chart(
    ctx: &Context,
    profiles: &Profiles,
    audiences: &[AudienceRow],
    notes: &mut Vec<String>,
) -> Result<Chart, ReportError> {
    let mut chosen: Vec<&AudienceRow> = audiences.iter().collect();
    if chosen.len() > OVERLAP_MAX {
        chosen.sort_by_key(|a| std::cmp::Reverse(a.size));
        chosen.truncate(OVERLAP_MAX);
        notes.push(format!(
            "The heat map compares the {OVERLAP_MAX} largest of {} audiences.",
            audiences.len()
        ));
    }
    let backend = crate::compute::CpuBackend;
    let sets: Vec<Bitmap> = chosen
        .iter()
        .map(|a| audience::members_in(ctx.ws, a, profiles, &backend))
        .collect::<Result<_, _>>()?;
    let sizes: Vec<u64> = sets.iter().map(|m| m.count_ones() as u64).collect();
    let n = sets.len();
    let mut both = vec![vec![0u64; n]; n];
    for i in 0..n {
        both[i][i] = sizes[i];
        for j in i + 1..n {
            let c = crate::compute::bits::and(&sets[i], &sets[j]).count_ones() as u64;
            both[i][j] = c;
            both[j][i] = c;
        }
    }
    let names: Vec<String> = chosen.iter().map(|a| a.name.clone()).collect();
    let share = |i: usize, j: usize| both[i][j] as f64 / sizes[i].max(1) as f64;
    let shares: Vec<Vec<f64>> = (0..n).map(|i| (0..n).map(|j| share(i, j)).collect()).collect();
    let tips: Vec<Vec<String>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    format!(
                        "{} of {} also in {} ({})",
                        thousands(both[i][j]),
                        names[i],
                        names[j],
                        percent(share(i, j))
                    )
                })
                .collect()
        })
        .collect();
    let title = "Overlap: share of each row's audience also in each column's";
    let svg = svg::heatmap(
        &Frame { title, x: "audience (number, as in the rows)", y: "audience" },
        &names,
        &shares,
        &tips,
    );
    let mut headers = vec!["audience".to_owned(), "#size".to_owned()];
    headers.extend((1..=n).map(|j| format!("#{j}")));
    let mut table = Table::new(&headers.iter().map(String::as_str).collect::<Vec<_>>());
    for i in 0..n {
        let mut row = vec![format!("{}. {}", i + 1, names[i]), thousands(sizes[i])];
        row.extend((0..n).map(|j| thousands(both[i][j])));
        table.row(row);
    }
    notes.push("Heat map cells: profiles in both audiences as a share of the row's audience; the table gives the counts.".into());
    Ok(Chart { title: title.into(), svg, table })
}

fn audience_block(ctx: &Context, a: &AudienceRow, sizes: &[&AudienceSizeRow]) -> Result<Block, ReportError> {
    let mut b = Block { heading: a.name.clone(), ..Block::default() };
    b.facts = vec![
        ("kind".into(), a.kind.clone()),
        ("size".into(), format!("{} profiles", thousands(a.size))),
        (
            "created".into(),
            match a.created_by.is_empty() {
                true => day(&a.created_at).to_owned(),
                false => format!("{} by {}", day(&a.created_at), a.created_by),
            },
        ),
    ];
    if !a.description.is_empty() {
        b.facts.push(("description".into(), a.description.clone()));
    }
    if a.kind == "manual" {
        b.code = Some(match audience::definition(a) {
            Ok(Some(expr)) => expr.to_string(),
            _ => a.filter.clone(),
        });
    } else {
        explanation(ctx, a, &mut b)?;
    }
    b.charts.push(size_chart(a, sizes));
    Ok(b)
}

fn size_chart(a: &AudienceRow, sizes: &[&AudienceSizeRow]) -> Chart {
    let title = format!("{}: size at each refresh", a.name);
    let shown = &sizes[sizes.len().saturating_sub(TIMELINE)..];
    let points: Vec<(String, u64, u64, u64)> = if shown.is_empty() {
        let at = if a.updated_at.is_empty() { &a.created_at } else { &a.updated_at };
        vec![(at.clone(), a.size, a.size, 0)]
    } else {
        shown.iter().map(|h| (h.at.clone(), h.size, h.joined, h.left)).collect()
    };
    let labels: Vec<String> = points.iter().map(|p| day(&p.0).to_owned()).collect();
    let series = [Series { name: "profiles".into(), values: points.iter().map(|p| p.1 as f64).collect() }];
    let svg = svg::lines(&Frame { title: &title, x: "refresh (day)", y: "profiles" }, &labels, &series);
    let mut table = Table::new(&["refreshed at", "#size", "#joined", "#left"]);
    for (at, size, joined, left) in &points {
        table.row(vec![at.clone(), thousands(*size), thousands(*joined), thousands(*left)]);
    }
    Chart { title, svg, table }
}

/// An automatic audience's description and characteristics.
fn explanation(ctx: &Context, a: &AudienceRow, b: &mut Block) -> Result<(), ReportError> {
    if !a.characteristics.is_empty() {
        b.notes.push(a.characteristics.clone());
    }
    let stored =
        crate::segment::auto::store::stored(ctx.ws, a.id).map_err(|e| ReportError::Corrupt(e.to_string()))?;
    let Some(stored) = stored else { return Ok(()) };
    let chars = &stored.explanation.characteristics;
    if chars.is_empty() {
        return Ok(());
    }
    let label = |c: &crate::segment::auto::Characteristic| match &c.value {
        Some(v) => format!("{} = {v}", c.field),
        None => c.field.clone(),
    };
    let title = format!("{}: characteristics against everyone", a.name);
    let bars: Vec<Bar> = chars
        .iter()
        .map(|c| Bar {
            label: label(c),
            value: c.z,
            text: match c.lift {
                Some(l) => format!("lift ×{}", num(l, 2)),
                None => format!("{:+.2} sd", c.z),
            },
            colour: if c.z >= 0.0 { 4 } else { 1 },
        })
        .collect();
    let frame = Frame { title: &title, x: "standardised difference from everyone (sd)", y: "characteristic" };
    let svg = svg::bars(&frame, &bars, None);
    let mut table =
        Table::new(&["characteristic", "kind", "#audience", "#everyone", "#difference (sd)", "#lift"]);
    for c in chars {
        let shares = c.lift.is_some();
        let show = |v: f64| if shares { percent(v) } else { num(v, 2) };
        table.row(vec![
            label(c),
            c.kind.clone(),
            show(c.audience),
            show(c.overall),
            num(c.z, 2),
            c.lift.map_or_else(String::new, |l| format!("×{}", num(l, 2))),
        ]);
    }
    b.charts.push(Chart { title, svg, table });
    Ok(())
}
