//! End-to-end checks of the score stage on a real workspace: generated contacts and events
//! with planted weights, imported, scored and fitted.

use super::synth::{self, Synth};
use super::time::{as_of, parse_date};
use crate::columns::Value;
use crate::compute::CpuBackend;
use crate::identity;
use crate::ingest::ImportOptions;
use crate::ingest::records::SourceSpec;
use crate::pipeline::{self, FileImport, ImportRequest};
use crate::store::Workspace;
use std::path::Path;

fn workspace_with(dir: &Path, people: usize, seed: u64) -> (Workspace, synth::People, i64) {
    let at = as_of(parse_date("2026-11-30"));
    let s = Synth { people, window_days: 90, as_of: at, seed, activity: 1.0 };
    let (contacts, events) = (dir.join("contacts.csv"), dir.join("events.csv"));
    let (truth, _) = s.write(&contacts, &events).unwrap();
    let mut ws = Workspace::init(&dir.join("ws")).unwrap();
    let lock = ws.lock().unwrap();
    let req = ImportRequest {
        files: vec![FileImport { path: contacts, source: SourceSpec::default() }],
        options: ImportOptions::default(),
        rejects: None,
    };
    pipeline::import(&mut ws, &lock, &req, &CpuBackend, &|_| {}).map_err(|f| f.error).unwrap();
    let r = super::import_events(&mut ws, &lock, &events, None).unwrap();
    assert_eq!(r.rejected, 0);
    assert_eq!(r.unknown_contact, 0);
    (ws, truth, at)
}

/// The generated person behind each profile row (by phone).
fn person_of_rows(ws: &Workspace) -> Vec<usize> {
    let table = identity::profile_table(ws).unwrap().unwrap();
    let phones = table.column("phoneNumber").unwrap();
    (0..table.rows())
        .map(|r| match phones.data.value(r) {
            Value::Text(p) => p.trim_start_matches("55119").parse::<usize>().unwrap() - 60_000_000,
            v => panic!("no phone: {v:?}"),
        })
        .collect()
}

#[test]
fn fit_recovers_planted_weights_and_their_auc() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, truth, at) = workspace_with(dir.path(), 6000, 11);
    let opts = super::fit::FitOptions {
        target: "converted".into(),
        as_of: at,
        window_days: 90,
        seed: 7,
        holdout: 0.25,
        plan_name: "fitted".into(),
    };
    let r = super::fit::fit(&ws, &opts).unwrap();
    // Signs of every clearly non-zero planted action weight, and their ranking.
    let learned = |action: &str| {
        r.weights
            .iter()
            .find(|w| w.feature == super::fit::Feature::Action { action: action.into() })
            .map(|w| w.odds_per_unit.ln())
            .unwrap()
    };
    for (a, _, w) in synth::ACTIONS {
        if w.abs() >= 0.2 {
            assert_eq!(learned(a).signum(), w.signum(), "{a}: learned {} planted {w}", learned(a));
        }
    }
    let mut planted: Vec<(&str, f64)> =
        synth::ACTIONS.iter().filter(|a| a.2.abs() >= 0.2).map(|a| (a.0, a.2)).collect();
    planted.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut found = planted.clone();
    found.sort_by(|a, b| learned(b.0).total_cmp(&learned(a.0)));
    assert_eq!(found, planted, "ranking by learned weight");
    // The planted model's AUC on the same held-out profiles.
    let person = person_of_rows(&ws);
    let (mut p, mut y) = (Vec::new(), Vec::new());
    for &row in &r.held_out_rows {
        let i = person[row as usize];
        p.push(synth::planted_probability(&truth.counts[i], truth.city[i]));
        y.push(truth.converted[i]);
    }
    let planted_auc = super::logistic::auc(&p, &y);
    assert!((r.auc - planted_auc).abs() <= 0.02, "fitted AUC {} vs planted {planted_auc}", r.auc);
    assert!(r.auc > 0.7, "the planted signal is strong: {}", r.auc);
    // The suggested plan reads back as a plan.
    super::plan::parse("fitted.toml", &r.plan).unwrap();
}

#[test]
fn scores_follow_events_and_are_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ws, truth, at) = workspace_with(dir.path(), 300, 3);
    let plan = super::plan::parse(
        "p.toml",
        "name = \"lead\"\n[[rule]]\naction = \"info_request\"\npoints = 10\n[[rule]]\naction = \"unsubscribe\"\npoints = -5\ncap = 5\n",
    )
    .unwrap();
    let lock = ws.lock().unwrap();
    let first = super::apply(&mut ws, &lock, &plan, at).unwrap();
    let again = super::apply(&mut ws, &lock, &plan, at).unwrap();
    assert_eq!(first.summary, again.summary);
    // Each profile's score is 10 per info_request, minus 5 if it unsubscribed at all.
    let table = identity::profile_table(&ws).unwrap().unwrap();
    let person = person_of_rows(&ws);
    let score = table.column("lead").unwrap();
    let temp = table.column("lead_temperature").unwrap();
    for (row, &i) in person.iter().enumerate() {
        let c = truth.counts[i];
        let want = 10.0 * f64::from(c[0]) - if c[7] > 0 { 5.0 } else { 0.0 };
        assert_eq!(score.data.value(row), Value::Float(want), "row {row}");
        let t = plan.temperature(want);
        assert_eq!(temp.data.value(row), Value::Text(t));
    }
    // Importing the same events again adds nothing.
    let r = super::import_events(&mut ws, &lock, &dir.path().join("events.csv"), None).unwrap();
    assert_eq!((r.imported, r.batch), (0, None));
    assert!(r.duplicates > 0);
    // As of before every event, nobody has points.
    let early = super::apply(&mut ws, &lock, &plan, at - 200 * super::time::DAY).unwrap();
    assert_eq!(early.summary.scored, 0);
    super::remove(&mut ws, &lock, "lead").unwrap();
    assert!(identity::profile_table(&ws).unwrap().unwrap().column("lead").is_none());
}

/// A filter error after a non-ASCII character: filter columns count characters, the plan's
/// text is bytes (found by the plan_toml fuzz target: it panicked slicing inside 'ã').
#[test]
fn a_filter_error_after_an_accent_points_at_the_right_column() {
    let text = "name = \"lead\"\n\n[[rule]]\nwhen = 'cidade = \"São Paulo\" and nope'\npoints = 5\n";
    match super::plan::parse("plan.toml", text) {
        Err(super::ScoreError::Plan { line, column, message, .. }) => {
            // Just past "nope", where an operator is expected, counted in characters.
            let at = "when = 'cidade = \"São Paulo\" and nope".chars().count() + 1;
            assert_eq!((line, column), (4, at), "{message}");
        }
        other => panic!("expected a plan error, got {other:?}"),
    }
}
