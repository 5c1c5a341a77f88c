//! The workspace on disk: a folder holding the catalog database, the columnar snapshots of
//! imported tables, and (while a command writes) the writer lock.
//!
//! ```text
//! DIR/catalog.db        SQLite catalog
//! DIR/imports/N.hsc     columns of import N (see `snapshot`)
//! DIR/lock              present only while a writer holds the workspace
//! ```
//!
//! Commits are atomic: new files are written under temporary names and flushed, then one
//! catalog transaction records them while they are renamed into place. A crash or a failure
//! before the transaction commits leaves the catalog as it was; files it does not name are
//! removed by the next writer.

mod catalog;
mod error;
mod lock;
pub mod snapshot;

pub use catalog::{Catalog, ImportColumn, ImportFilter, ImportRow, NewImport, SCHEMA_VERSION};
pub use error::StoreError;
pub use lock::WriteLock;

use crate::columns::Table;
use error::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const CATALOG: &str = "catalog.db";
const IMPORTS: &str = "imports";
const LOCK: &str = "lock";
const STAGED_SUFFIX: &str = ".staged";

/// An open workspace.
pub struct Workspace {
    root: PathBuf,
    catalog: Catalog,
}

/// A table written to a temporary file, waiting for a commit; removed if dropped uncommitted.
#[derive(Debug)]
pub struct StagedTable {
    path: PathBuf,
    committed: bool,
}

impl StagedTable {
    /// Marks the file as committed: it stays when this is dropped.
    fn keep(mut self) {
        self.committed = true;
    }
}

impl Drop for StagedTable {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Workspace {
    /// Creates a workspace in `dir` (a new or empty folder).
    pub fn init(dir: &Path) -> Result<Workspace, StoreError> {
        if dir.join(CATALOG).exists() {
            return Err(StoreError::AlreadyAWorkspace(dir.to_owned()));
        }
        if dir.exists() && std::fs::read_dir(dir).map_err(io(dir))?.next().is_some() {
            return Err(StoreError::NotEmpty(dir.to_owned()));
        }
        std::fs::create_dir_all(dir.join(IMPORTS)).map_err(io(dir))?;
        let catalog = Catalog::create(&dir.join(CATALOG))?;
        Ok(Workspace { root: dir.to_owned(), catalog })
    }

    /// Opens the workspace in `dir`.
    pub fn open(dir: &Path) -> Result<Workspace, StoreError> {
        let path = dir.join(CATALOG);
        if !path.is_file() {
            return Err(StoreError::NotAWorkspace(dir.to_owned()));
        }
        let catalog = Catalog::open(&path)?;
        Ok(Workspace { root: dir.to_owned(), catalog })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Takes the writer lock, then removes what an interrupted writer left behind.
    pub fn lock(&self) -> Result<WriteLock, StoreError> {
        let lock = WriteLock::acquire(&self.root.join(LOCK), &self.root)?;
        self.remove_leftovers()?;
        Ok(lock)
    }

    /// Removes staged files and snapshots the catalog does not name.
    fn remove_leftovers(&self) -> Result<(), StoreError> {
        let dir = self.root.join(IMPORTS);
        let known = self.catalog.snapshot_names()?;
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let entry = entry.map_err(io(&dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !known.iter().any(|k| k.ends_with(&format!("/{name}"))) {
                std::fs::remove_file(entry.path()).map_err(io(entry.path()))?;
            }
        }
        Ok(())
    }

    /// Writes `table` to a staged file, ready for [`Workspace::commit_imports`].
    pub fn stage_table(&self, _lock: &WriteLock, table: &Table) -> Result<StagedTable, StoreError> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let name = format!("{}-{}{STAGED_SUFFIX}", std::process::id(), SEQ.fetch_add(1, Ordering::Relaxed));
        let path = self.root.join(IMPORTS).join(name);
        let staged = StagedTable { path, committed: false };
        snapshot::write(&staged.path, table)?;
        Ok(staged)
    }

    /// Records the imports and moves their staged tables into place, all in one transaction:
    /// either every import is committed or none is. Returns their ids.
    pub fn commit_imports(
        &mut self,
        _lock: &WriteLock,
        imports: Vec<(NewImport, StagedTable)>,
    ) -> Result<Vec<i64>, StoreError> {
        let dir = self.root.join(IMPORTS);
        let catalog_path = self.catalog.path().to_owned();
        let mut moved: Vec<(PathBuf, PathBuf)> = Vec::new();
        let result = self.catalog.transaction(|tx| {
            let mut ids = Vec::with_capacity(imports.len());
            for (imp, staged) in &imports {
                let id = catalog::insert_import(tx, &catalog_path, imp, |id| format!("{IMPORTS}/{id}.hsc"))?;
                let target = dir.join(format!("{id}.hsc"));
                std::fs::rename(&staged.path, &target).map_err(io(&target))?;
                moved.push((target, staged.path.clone()));
                ids.push(id);
            }
            sync_dir(&dir)?;
            Ok(ids)
        });
        match result {
            Ok(ids) => {
                for (_, staged) in imports {
                    staged.keep();
                }
                Ok(ids)
            }
            Err(e) => {
                for (target, staged) in moved.into_iter().rev() {
                    let _ = std::fs::rename(&target, &staged);
                }
                Err(e)
            }
        }
    }

    /// The columns of import `id`.
    pub fn load_import(&self, id: i64) -> Result<Table, StoreError> {
        let row = self.catalog.import(id)?;
        snapshot::read(&self.root.join(&row.snapshot))
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    std::fs::File::open(dir).and_then(|f| f.sync_all()).map_err(io(dir))
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<(), StoreError> {
    Ok(())
}
