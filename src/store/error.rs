//! What can go wrong with a workspace on disk.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} is not a hyperseg workspace (no catalog.db in it); create one with `hyperseg init {0}`")]
    NotAWorkspace(PathBuf),

    #[error("{0} already holds a hyperseg workspace")]
    AlreadyAWorkspace(PathBuf),

    #[error("{0} exists and is not empty; give `hyperseg init` a new or empty folder")]
    NotEmpty(PathBuf),

    #[error("workspace {path} is busy (held by pid {pid}); wait for that command to finish")]
    Busy { path: PathBuf, pid: String },

    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },

    #[error("catalog {path}: {source}")]
    Catalog { path: PathBuf, source: rusqlite::Error },

    #[error("catalog {path} is damaged: {what}; restore it from a backup of the workspace")]
    CatalogDamaged { path: PathBuf, what: String },

    #[error("catalog {path} has schema version {found}; this hyperseg reads version {expected}")]
    SchemaVersion { path: PathBuf, found: i64, expected: i64 },

    #[error("snapshot {path} is damaged: {what}")]
    Corrupt { path: PathBuf, what: String },

    #[error("no import with id {0} in this workspace")]
    NoSuchImport(i64),

    #[error("import {0} holds no current records: it changed none, or later imports superseded them all")]
    NoSnapshot(i64),

    #[error("an audience named {0:?} already exists (names are compared ignoring case and accents)")]
    NameTaken(String),
}

impl StoreError {
    /// Whether the user can act on this (exit code 1) rather than an internal failure (2).
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            StoreError::NotAWorkspace(_)
                | StoreError::AlreadyAWorkspace(_)
                | StoreError::NotEmpty(_)
                | StoreError::Busy { .. }
                | StoreError::NoSuchImport(_)
                | StoreError::NoSnapshot(_)
                | StoreError::NameTaken(_)
        )
    }
}

/// Wraps an I/O error with the path it concerns.
pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.into();
    move |source| StoreError::Io { path, source }
}
