//! What the score stage keeps in the workspace: event batches (columnar files under
//! `imports/`, listed in the catalog setting `score.event_batches`) and applied plans (the
//! plan's TOML, the instant, and a file of scores under `profiles/`, listed in
//! `score.plans`). Both change only through a store `Commit`.

use super::ScoreError;
use crate::columns::Table;
use crate::store::{Workspace, snapshot};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const BATCHES: &str = "score.event_batches";
const PLANS: &str = "score.plans";
const SEQ: &str = "score.seq";

/// One imported event file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Batch {
    pub id: i64,
    pub file: String,
    /// The columns, relative to the workspace.
    pub path: String,
    pub events: u64,
    pub imported_at: String,
}

/// What an applied plan's scores looked like.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub profiles: u64,
    pub scored: u64,
    pub min: f64,
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    pub p90: f64,
    pub max: f64,
    pub mean: f64,
    /// Profiles per temperature, hottest first.
    pub temperatures: Vec<(String, u64)>,
    pub events_matched: u64,
    pub events_unknown_contact: u64,
}

/// An applied plan.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Applied {
    pub name: String,
    pub plan_file: String,
    pub plan: String,
    /// Scores are as of this instant (Unix seconds).
    pub as_of: i64,
    pub applied_at: String,
    /// The scores' file (columns `profileId`, `score`), relative to the workspace.
    pub path: String,
    pub summary: Summary,
}

fn json<T: serde::de::DeserializeOwned + Default>(ws: &Workspace, key: &str) -> Result<T, ScoreError> {
    match ws.catalog().setting(key)? {
        None => Ok(T::default()),
        Some(j) => serde_json::from_str(&j).map_err(|e| ScoreError::Corrupt(format!("{key}: {e}"))),
    }
}

/// The imported event batches, oldest first.
pub fn batches(ws: &Workspace) -> Result<Vec<Batch>, ScoreError> {
    json(ws, BATCHES)
}

/// The applied plans by name.
pub fn plans(ws: &Workspace) -> Result<BTreeMap<String, Applied>, ScoreError> {
    json(ws, PLANS)
}

/// A fresh number for a new file name.
pub fn next_seq(ws: &Workspace) -> Result<i64, ScoreError> {
    Ok(ws.catalog().setting(SEQ)?.and_then(|s| s.parse().ok()).unwrap_or(0) + 1)
}

/// Catalog writes recording `batches`, `plans` and the sequence number `seq`.
pub fn writes(
    batches: Option<Vec<Batch>>,
    plans: Option<BTreeMap<String, Applied>>,
    seq: i64,
) -> crate::store::CatalogWrites {
    Box::new(move |w| {
        if let Some(b) = &batches {
            w.set_setting(BATCHES, &serde_json::to_string(b).expect("batches serialise"))?;
        }
        if let Some(p) = &plans {
            w.set_setting(PLANS, &serde_json::to_string(p).expect("plans serialise"))?;
        }
        w.set_setting(SEQ, &seq.to_string())
    })
}

/// Every batch's columns, oldest first.
pub fn load_events(ws: &Workspace) -> Result<Vec<Table>, ScoreError> {
    batches(ws)?.iter().map(|b| Ok(snapshot::read(&ws.data_path(&b.path))?)).collect()
}
