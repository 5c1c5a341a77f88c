//! Scores: each applied plan's score distribution with its temperature thresholds marked,
//! and the profiles per temperature.

use super::format::{day, num, percent, thousands};
use super::model::{Block, Chart, Section, Table};
use super::svg::{self, Bar, Frame, Marker, Series};
use super::{Context, ReportError};
use crate::columns::ColumnData;
use crate::score::stored::Applied;

const BINS: usize = 20;

pub fn section(ctx: &Context) -> Result<Section, ReportError> {
    let plans = crate::score::list(ctx.ws)?;
    if plans.is_empty() {
        return Ok(Section::empty("scores", "Scores", "No scoring plan applied yet."));
    }
    let mut s = Section::new("scores", "Scores");
    for p in &plans {
        s.blocks.push(plan_block(ctx, p)?);
    }
    Ok(s)
}

fn plan_block(ctx: &Context, p: &Applied) -> Result<Block, ReportError> {
    let plan = crate::score::plan::parse(&p.plan_file, &p.plan)?;
    let sm = &p.summary;
    let mut b = Block { heading: format!("Plan {}", p.name), ..Block::default() };
    b.facts = vec![
        ("applied".into(), format!("{} (scores as of {})", p.applied_at, as_of_text(p.as_of))),
        ("profiles scored".into(), format!("{} of {}", thousands(sm.scored), thousands(sm.profiles))),
        (
            "score".into(),
            format!(
                "min {}, median {}, mean {}, 90th percentile {}, max {}",
                num(sm.min, 2),
                num(sm.median, 2),
                num(sm.mean, 2),
                num(sm.p90, 2),
                num(sm.max, 2)
            ),
        ),
        (
            "events".into(),
            format!(
                "{} matched, {} of contacts in no profile",
                thousands(sm.events_matched),
                thousands(sm.events_unknown_contact)
            ),
        ),
    ];
    let thresholds: Vec<(String, f64)> =
        plan.temperatures.iter().filter_map(|t| t.min.map(|m| (t.name.clone(), m))).collect();
    let scores: Vec<f64> = match ctx.profiles.as_ref().and_then(|t| t.column(&p.name)).map(|c| &c.data) {
        Some(ColumnData::Float64(col)) => col.validity.iter_ones().map(|i| col.values[i]).collect(),
        _ => Vec::new(),
    };
    if scores.is_empty() {
        b.notes.push("No profile holds this score now (resolved after the plan was applied?).".into());
    } else {
        b.charts.push(distribution(&p.name, &scores, &thresholds));
    }
    b.charts.push(temperatures(&p.name, &sm.temperatures, &thresholds, sm.scored));
    Ok(b)
}

fn as_of_text(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map_or_else(|| unix.to_string(), |t| day(&t.to_rfc3339()).to_owned())
}

fn distribution(name: &str, scores: &[f64], thresholds: &[(String, f64)]) -> Chart {
    let lo = scores
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min)
        .min(thresholds.iter().map(|t| t.1).fold(f64::INFINITY, f64::min));
    let hi = scores
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max)
        .max(thresholds.iter().map(|t| t.1).fold(f64::NEG_INFINITY, f64::max));
    let width = ((hi - lo) / BINS as f64).max(f64::MIN_POSITIVE);
    let mut counts = [0u64; BINS];
    for v in scores {
        counts[(((v - lo) / width) as usize).min(BINS - 1)] += 1;
    }
    let labels: Vec<String> = (0..BINS).map(|i| num(lo + width * i as f64, 1)).collect();
    let span = (hi - lo).max(f64::MIN_POSITIVE);
    let markers: Vec<Marker> = thresholds
        .iter()
        .map(|(t, m)| Marker { at: (m - lo) / span, label: format!("{t} ≥ {}", num(*m, 2)) })
        .collect();
    let title = format!("{name}: score distribution with the temperature thresholds");
    let series = [Series { name: "profiles".into(), values: counts.iter().map(|c| *c as f64).collect() }];
    let frame = Frame { title: &title, x: "score (points)", y: "profiles" };
    let svg = svg::columns(&frame, &labels, &series, &markers);
    let mut table = Table::new(&["score from", "to", "#profiles"]);
    for (i, c) in counts.iter().enumerate() {
        table.row(vec![num(lo + width * i as f64, 2), num(lo + width * (i + 1) as f64, 2), thousands(*c)]);
    }
    Chart { title, svg, table }
}

fn temperatures(name: &str, counts: &[(String, u64)], thresholds: &[(String, f64)], scored: u64) -> Chart {
    let title = format!("{name}: profiles per temperature");
    let bars: Vec<Bar> = counts
        .iter()
        .enumerate()
        .map(|(i, (t, n))| Bar {
            label: t.clone(),
            value: *n as f64,
            text: format!("{} ({})", thousands(*n), percent(*n as f64 / scored.max(1) as f64)),
            colour: [1, 2, 0, 5][i.min(3)],
        })
        .collect();
    let svg = svg::bars(&Frame { title: &title, x: "profiles", y: "temperature" }, &bars, None);
    let mut table = Table::new(&["temperature", "from score", "#profiles", "#share"]);
    for (t, n) in counts {
        let from = thresholds
            .iter()
            .find(|(name, _)| name == t)
            .map_or_else(|| "lower".to_owned(), |(_, m)| num(*m, 2));
        table.row(vec![t.clone(), from, thousands(*n), percent(*n as f64 / scored.max(1) as f64)]);
    }
    Chart { title, svg, table }
}
