//! The workload `hyperseg bench score` measures: generated contacts and events (planted
//! weights, see [`super::synth`]), the events imported, and a 10-rule plan with expiry and
//! decay applied to every profile.

use super::synth::Synth;
use super::{ScoreError, plan};
use crate::compute::CpuBackend;
use crate::ingest::ImportOptions;
use crate::ingest::records::SourceSpec;
use crate::pipeline::{self, FileImport, ImportRequest};
use crate::store::Workspace;
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// The plan measured: eight action rules (expiring or decaying, one capped, one from the
/// second occurrence of a url), a negative rule and a profile condition.
pub const PLAN: &str = r#"name = "bench_score"
[[rule]]
action = "info_request"
points = 25
expires_after_days = 60
[[rule]]
action = "event_registration"
points = 15
expires_after_days = 60
[[rule]]
action = "newsletter_signup"
points = 10
cap = 10
[[rule]]
action = "link_click"
points = 3
cap = 30
half_life_days = 14
[[rule]]
action = "email_open"
points = 1
cap = 20
half_life_days = 7
[[rule]]
action = "page_visit"
url = "*/pricing*"
from_occurrence = 2
points = 10
cap = 30
expires_after_days = 30
[[rule]]
action = "page_visit"
points = 0.5
half_life_days = 30
[[rule]]
action = "email_bounce"
points = -10
expires_after_days = 90
[[rule]]
action = "unsubscribe"
points = -40
[[rule]]
when = 'city = "São Paulo" and idade between 25 and 40'
points = 10
"#;

/// What was measured.
#[derive(Clone, Debug, Serialize)]
pub struct BenchFigures {
    pub profiles: usize,
    pub events: u64,
    pub events_file: String,
    pub events_file_bytes: u64,
    pub threads: usize,
    pub generate_s: f64,
    pub contacts_import_s: f64,
    pub events_import_s: f64,
    pub events_per_s: f64,
    pub events_mb_per_s: f64,
    /// `score apply` as a whole: load events and profiles, link, compute, commit.
    pub apply_s: f64,
    /// Of it, the scoring itself (linking, matching, summing) on loaded tables.
    pub compute_s: f64,
    pub rules: usize,
    pub hot: u64,
    pub warm: u64,
    pub cold: u64,
}

/// Generates `profiles` people and about `events` events under `dir`, imports both, and
/// applies [`PLAN`].
pub fn run(dir: &Path, profiles: usize, events: u64, seed: u64) -> Result<BenchFigures, ScoreError> {
    let as_of = super::time::as_of(super::time::parse_date("2026-11-30"));
    let per_person: f64 = super::synth::ACTIONS.iter().map(|a| a.1).sum();
    let synth = Synth {
        people: profiles,
        window_days: 120,
        as_of,
        seed,
        activity: events as f64 / (profiles.max(1) as f64 * per_person),
    };
    let (contacts, events_path) = (dir.join("contacts.csv"), dir.join("events.csv"));
    let t = Instant::now();
    fn io(p: &Path) -> impl Fn(std::io::Error) -> ScoreError + '_ {
        move |e| ScoreError::Io(p.to_owned(), e)
    }
    let (_, written) = synth.write(&contacts, &events_path).map_err(io(&events_path))?;
    let generate_s = t.elapsed().as_secs_f64();
    let ws_dir = dir.join("ws");
    let _ = std::fs::remove_dir_all(&ws_dir);
    let mut ws = Workspace::init(&ws_dir)?;
    let lock = ws.lock()?;
    let t = Instant::now();
    let req = ImportRequest {
        files: vec![FileImport { path: contacts, source: SourceSpec::default() }],
        options: ImportOptions::default(),
        rejects: None,
    };
    pipeline::import(&mut ws, &lock, &req, &CpuBackend, &|_| {})
        .map_err(|f| ScoreError::Fit(f.error.to_string()))?;
    let contacts_import_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let report = super::import_events(&mut ws, &lock, &events_path, None)?;
    let events_import_s = t.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(&events_path).map_err(io(&events_path))?.len();
    let p = plan::parse("bench_score.toml", PLAN)?;
    let t = Instant::now();
    let applied = super::apply(&mut ws, &lock, &p, as_of)?;
    let apply_s = t.elapsed().as_secs_f64();
    // The computation alone, on tables already loaded.
    let profiles_table = crate::identity::profile_table(&ws)?.ok_or(ScoreError::NoProfiles)?;
    let batches = super::stored::load_events(&ws)?;
    let index = super::contact::ContactIndex::load(&ws)?;
    let t = Instant::now();
    super::compute::compute(&p, &profiles_table, &batches, &index, as_of)?;
    let compute_s = t.elapsed().as_secs_f64();
    let temp = |n: &str| applied.summary.temperatures.iter().find(|t| t.0 == n).map_or(0, |t| t.1);
    Ok(BenchFigures {
        profiles,
        events: written,
        events_file: events_path.display().to_string(),
        events_file_bytes: bytes,
        threads: rayon::current_num_threads(),
        generate_s,
        contacts_import_s,
        events_import_s,
        events_per_s: report.rows_read as f64 / events_import_s,
        events_mb_per_s: bytes as f64 / 1e6 / events_import_s,
        apply_s,
        compute_s,
        rules: p.rules.len(),
        hot: temp("hot"),
        warm: temp("warm"),
        cold: temp("cold"),
    })
}
