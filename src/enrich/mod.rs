//! Enrichment from messaging data: messages, campaign events and contact extras linked to
//! profiles through the identity keys, and chat classifiers (language, purchase intent, price
//! sensitivity, sentiment).

pub mod classify;
pub mod eval;

use crate::identity::IdentityError;
use crate::store::StoreError;

/// What can go wrong in enrichment.
#[derive(Debug, thiserror::Error)]
pub enum EnrichError {
    /// A file the user gave cannot be read as asked.
    #[error("{file}, line {line}: {message}")]
    Input { file: String, line: usize, message: String },
    /// A request that cannot be met (an unknown kind, a bad option).
    #[error("{0}")]
    Invalid(String),
    #[error("enrichment data of the workspace is inconsistent: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Identity(#[from] IdentityError),
}

impl EnrichError {
    pub fn is_user_error(&self) -> bool {
        match self {
            EnrichError::Input { .. } | EnrichError::Invalid(_) => true,
            EnrichError::Store(e) => e.is_user_error(),
            EnrichError::Identity(e) => e.is_user_error(),
            EnrichError::Corrupt(_) => false,
        }
    }
}
