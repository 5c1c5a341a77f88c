//! What the last resolution left that the next one reads: its assignment (the profile of each
//! record) and its profile table, from the cache. Both are plain files, so an import reads them
//! on another thread while it matches records; the catalog, which a thread cannot share, is
//! read first ([`PriorFiles::of`]).

use super::{IdentityConfig, IdentityError, PROFILES_DIR, assignment_file, cache_key, generation};
use crate::columns::Table;
use crate::store::{Workspace, snapshot};
use std::path::PathBuf;

/// Where the last resolution's files are.
pub struct PriorFiles {
    generation: u64,
    config: String,
    assignment: Option<PathBuf>,
    table: Option<PathBuf>,
}

/// The last resolution's files, read.
pub struct Prior {
    pub(crate) generation: u64,
    /// The configuration this was read for (JSON): its profile table is only carried over
    /// into a resolution under the same rules.
    pub(crate) config: String,
    pub(crate) assignment: Option<Table>,
    /// The cached profile table, when there is one and it was resolved under `config`.
    pub(crate) table: Option<Table>,
}

impl PriorFiles {
    /// The files of the workspace's last resolution, for a resolution under `config`.
    pub fn of(ws: &Workspace, config: &IdentityConfig) -> Result<PriorFiles, IdentityError> {
        let g = generation(ws)?;
        let config = serde_json::to_string(config).expect("config serialises");
        if g == 0 {
            return Ok(PriorFiles { generation: 0, config, assignment: None, table: None });
        }
        let resolved_under = ws.catalog().setting(super::config::SETTING)?;
        let table = (resolved_under.as_deref() == Some(config.as_str()))
            .then(|| ws.cache_path(PROFILES_DIR, "table", &cache_key(g)));
        Ok(PriorFiles { generation: g, config, assignment: Some(ws.data_path(&assignment_file(g))), table })
    }

    /// Reads the files: the assignment must read back whole; the profile table is a cache, so
    /// a missing or damaged one is none.
    pub fn read(self) -> Result<Prior, IdentityError> {
        let assignment = self.assignment.map(|p| snapshot::read(&p)).transpose()?;
        let table = self.table.and_then(|p| snapshot::read(&p).ok());
        Ok(Prior { generation: self.generation, config: self.config, assignment, table })
    }
}
