//! Lead scoring: events imported from files, scoring plans (points given, removed,
//! expiring or decaying; temperatures), scores as profile fields, a ledger per profile,
//! and weights learned from historical conversions.
//!
//! - [`events`] reads event files strictly; [`import`] stores new events as a batch and
//!   reports what it read, linked and rejected; [`contact`] turns contacts into identity
//!   keys and finds their profiles when scores are computed (never stored, so merges and
//!   splits are followed).
//! - [`plan`] reads a TOML plan; [`compute`] scores every profile as of an instant;
//!   [`apply`] stores the scores and reads them back as the fields `NAME` and
//!   `NAME_temperature` ([`profile_columns`]).
//! - [`erasure`] takes an erased person's events and scores out, and refuses their events
//!   later.
//! - [`fit`] learns points from a conversion field with L2 logistic regression.

pub mod apply;
pub mod bench;
pub mod compute;
pub mod contact;
pub mod erasure;
pub mod events;
pub mod fit;
pub mod import;
pub mod logistic;
pub mod plan;
pub mod stored;
pub mod synth;
pub mod time;

pub use apply::{ApplyReport, Explanation, apply, explain, list, profile_columns, remove, show};
pub use import::{EventStats, EventsReport, event_stats, import_events};
pub use plan::Plan;

use crate::identity::IdentityError;
use crate::store::StoreError;
use std::path::PathBuf;

/// What can go wrong in scoring.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error("{file}: line {line}, column {column}: {message}")]
    Plan { file: String, line: usize, column: usize, message: String },
    #[error("{0}: {1}")]
    Io(PathBuf, #[source] std::io::Error),
    #[error("{0}: {1}")]
    BadFile(PathBuf, String),
    #[error("no plan named {0:?} has been applied (see `hyperseg score list`)")]
    UnknownPlan(String),
    #[error("no profiles yet: import contacts first")]
    NoProfiles,
    #[error("{0}")]
    Fit(String),
    #[error("scoring state of the workspace is inconsistent: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ScoreError {
    pub fn is_user_error(&self) -> bool {
        match self {
            ScoreError::Plan { .. }
            | ScoreError::Io(..)
            | ScoreError::BadFile(..)
            | ScoreError::UnknownPlan(_)
            | ScoreError::NoProfiles
            | ScoreError::Fit(_) => true,
            ScoreError::Identity(e) => e.is_user_error(),
            ScoreError::Store(e) => e.is_user_error(),
            ScoreError::Corrupt(_) => false,
        }
    }
}

#[cfg(test)]
mod tests;
