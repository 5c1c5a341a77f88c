//! Profiles: the count after each resolution, new / merged / split / retired per resolution,
//! records per profile, hubs left unlinked, and identifier quality.

use super::format::{day, thousands};
use super::model::{Block, Chart, Section, Table};
use super::svg::{self, Bar, Frame, Series};
use super::{Context, ReportError};
use crate::identity::{self, ResolveStats};

/// The most resolutions the timelines draw (the newest).
const TIMELINE: usize = 60;

/// One resolution: when, after which import, and its statistics.
struct Point {
    at: String,
    import_id: Option<i64>,
    stats: ResolveStats,
}

impl Point {
    fn label(&self) -> String {
        self.import_id.map_or_else(|| "rules".to_owned(), |i| format!("#{i}"))
    }
}

/// The recorded resolutions up to the as-of day; a workspace from before they were recorded
/// has only its last resolution's statistics.
fn history(ctx: &Context) -> Result<(Vec<Point>, bool), ReportError> {
    let mut points = Vec::new();
    for r in ctx.ws.catalog().resolution_history()? {
        if !ctx.until_as_of(&r.at) {
            continue;
        }
        let stats: ResolveStats = serde_json::from_str(&r.stats_json)
            .map_err(|e| ReportError::Corrupt(format!("resolution {}: {e}", r.seq)))?;
        points.push(Point { at: r.at, import_id: r.import_id, stats });
    }
    if !points.is_empty() {
        return Ok((points, true));
    }
    let Some(stats) = identity::last_stats(ctx.ws)? else { return Ok((points, true)) };
    Ok((vec![Point { at: String::new(), import_id: None, stats }], false))
}

pub fn section(ctx: &Context) -> Result<Section, ReportError> {
    let (all, recorded) = history(ctx)?;
    let Some(last) = all.last() else {
        return Ok(Section::empty("profiles", "Profiles", "No profiles yet: no import has been resolved."));
    };
    let mut s = Section::new("profiles", "Profiles");
    let shown = &all[all.len().saturating_sub(TIMELINE)..];
    let mut top = Block::default();
    let st = &last.stats;
    top.facts = vec![
        ("profiles".into(), thousands(st.profiles as u64)),
        ("records".into(), thousands(st.records as u64)),
        ("opted out".into(), thousands(st.opted_out as u64)),
        ("rules".into(), st.rules.join(", ")),
        ("hub limit".into(), format!("{} people", thousands(st.hub_limit as u64))),
    ];
    if !recorded {
        top.notes.push(
            "This workspace's resolutions before this version were not recorded: the timelines start with the last one."
                .into(),
        );
    }
    if all.len() > shown.len() {
        top.notes.push(format!("The timelines show the newest {TIMELINE} of {} resolutions.", all.len()));
    }
    top.charts.push(count_chart(shown));
    top.charts.push(changes_chart(shown));
    top.charts.push(records_per_profile(st));
    s.blocks.push(top);
    s.blocks.push(hubs(st));
    s.blocks.push(quality(st));
    Ok(s)
}

fn count_chart(points: &[Point]) -> Chart {
    let title = "Profiles after each resolution";
    let labels: Vec<String> = points.iter().map(Point::label).collect();
    let series = [Series {
        name: "profiles".into(),
        values: points.iter().map(|p| p.stats.profiles as f64).collect(),
    }];
    let svg = svg::columns(
        &Frame { title, x: "import that was resolved (number)", y: "profiles" },
        &labels,
        &series,
        &[],
    );
    let mut table = Table::new(&["import", "day", "#records", "#profiles", "#opted out"]);
    for p in points {
        table.row(vec![
            p.label(),
            day(&p.at).to_owned(),
            thousands(p.stats.records as u64),
            thousands(p.stats.profiles as u64),
            thousands(p.stats.opted_out as u64),
        ]);
    }
    Chart { title: title.into(), svg, table }
}

fn changes_chart(points: &[Point]) -> Chart {
    let title = "New, merged, split and retired profiles per resolution";
    let labels: Vec<String> = points.iter().map(Point::label).collect();
    let pick = |f: fn(&ResolveStats) -> usize| points.iter().map(|p| f(&p.stats) as f64).collect();
    let series = [
        Series { name: "new".into(), values: pick(|s| s.new_profiles) },
        Series { name: "merged".into(), values: pick(|s| s.merges) },
        Series { name: "split".into(), values: pick(|s| s.splits) },
        Series { name: "retired".into(), values: pick(|s| s.retired) },
    ];
    let svg = svg::columns(
        &Frame { title, x: "import that was resolved (number)", y: "profiles" },
        &labels,
        &series,
        &[],
    );
    let mut table = Table::new(&["import", "#new", "#merged", "#split", "#retired", "#continued"]);
    for p in points {
        let s = &p.stats;
        table.row(vec![
            p.label(),
            thousands(s.new_profiles as u64),
            thousands(s.merges as u64),
            thousands(s.splits as u64),
            thousands(s.retired as u64),
            thousands(s.continued as u64),
        ]);
    }
    Chart { title: title.into(), svg, table }
}

fn records_per_profile(st: &ResolveStats) -> Chart {
    let title = "Records per profile";
    let order = ["1", "2", "3", "4", "5-9", "10+"];
    let labels: Vec<String> = order.iter().map(|s| (*s).to_owned()).collect();
    let values: Vec<f64> =
        order.iter().map(|k| st.records_per_profile.get(*k).copied().unwrap_or(0) as f64).collect();
    let total: f64 = values.iter().sum::<f64>().max(1.0);
    let svg = svg::columns(
        &Frame { title, x: "records of the profile", y: "profiles" },
        &labels,
        &[Series { name: "profiles".into(), values: values.clone() }],
        &[],
    );
    let mut table = Table::new(&["records", "#profiles", "#share"]);
    for (l, v) in labels.iter().zip(&values) {
        table.row(vec![l.clone(), thousands(*v as u64), super::format::percent(v / total)]);
    }
    Chart { title: title.into(), svg, table }
}

fn hubs(st: &ResolveStats) -> Block {
    let mut b = Block { heading: "Identifiers not used for linking (hubs)".into(), ..Block::default() };
    if st.hubs.is_empty() {
        b.notes.push(format!("No identifier value ties more than {} people together.", st.hub_limit));
        return b;
    }
    b.notes.push(format!(
        "These values are shared by the records of more than {} different people, so they link nobody.",
        st.hub_limit
    ));
    let title = "Hubs: records holding each value";
    let bars: Vec<Bar> = st
        .hubs
        .iter()
        .map(|h| Bar {
            label: format!("{} {}", h.rule, h.identifier),
            value: h.records as f64,
            text: format!("{} records, ≥ {} people", thousands(h.records as u64), thousands(h.people as u64)),
            colour: 2,
        })
        .collect();
    let svg = svg::bars(&Frame { title, x: "records", y: "identifier value" }, &bars, None);
    let mut table = Table::new(&["identifier", "value", "#records", "#people (at least)"]);
    for h in &st.hubs {
        table.row(vec![
            h.rule.clone(),
            h.identifier.clone(),
            thousands(h.records as u64),
            thousands(h.people as u64),
        ]);
    }
    b.charts.push(Chart { title: title.into(), svg, table });
    b
}

fn quality(st: &ResolveStats) -> Block {
    let mut b = Block { heading: "Identifier quality".into(), ..Block::default() };
    b.notes.push("Values that are not keys are never joined on; they are counted here by reason.".into());
    let inv = &st.invalid;
    let mut rows: Vec<(String, u64, usize)> =
        inv.phones.iter().map(|(r, n)| (format!("phone: {}", r.replace('_', " ")), *n, 0)).collect();
    rows.extend(inv.tax_documents.iter().map(|(r, n)| (format!("CPF: {}", r.replace('_', " ")), *n, 3)));
    rows.push(("e-mail: malformed".into(), inv.emails_malformed, 4));
    let title = "Invalid identifiers by reason";
    let bars: Vec<Bar> = rows
        .iter()
        .map(|(l, n, c)| Bar { label: l.clone(), value: *n as f64, text: thousands(*n), colour: *c })
        .collect();
    let svg = svg::bars(&Frame { title, x: "records", y: "identifier and reason" }, &bars, None);
    let mut table = Table::new(&["identifier and reason", "#records"]);
    for (l, n, _) in rows {
        table.row(vec![l, thousands(n)]);
    }
    b.charts.push(Chart { title: title.into(), svg, table });
    b
}
