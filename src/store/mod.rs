//! The workspace on disk: a folder holding the catalog database, the columnar snapshots of
//! imported tables, and (while a command writes) the writer lock.
//!
//! ```text
//! DIR/catalog.db        SQLite catalog
//! DIR/imports/N.hsc     columns of import N (see `snapshot`)
//! DIR/profiles/…        the current generation of profile files (identity stage)
//! DIR/lock              present only while a writer holds the workspace
//! ```
//!
//! Commits are atomic: new files are written under temporary names and flushed, then one
//! catalog transaction records them while they are renamed into place. A crash or a failure
//! before the transaction commits leaves the catalog as it was; files it does not name are
//! removed by the next writer.

mod auto_catalog;
mod catalog;
mod catalog_sums;
mod direct;
mod error;
mod history_catalog;
mod lock;
mod output;
pub mod snapshot;

pub use auto_catalog::GenerationRow;
pub use catalog::{
    AliasRow, AudienceRow, Catalog, CatalogWriter, EnrichImportRow, ErasureRow, EventRow, ImportColumn,
    ImportFilter, ImportRow, NewImport, RunRow, RunStepRow, SCHEMA_VERSION,
};
pub use error::StoreError;
pub use history_catalog::{AudienceSizeRow, ResolutionRow};
pub use lock::WriteLock;
pub use output::{OutputError, check_output};

use crate::columns::Table;
use error::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const CATALOG: &str = "catalog.db";
const IMPORTS: &str = "imports";
const PROFILES: &str = "profiles";
/// The folders holding data files; anything in them the catalog does not name is a leftover.
const DATA_DIRS: [&str; 2] = [IMPORTS, PROFILES];
const LOCK: &str = "lock";
const STAGED_SUFFIX: &str = ".staged";

/// Extra catalog writes that run inside a commit's transaction.
pub type CatalogWrites = Box<dyn FnOnce(&CatalogWriter) -> Result<(), StoreError>>;

/// Everything one command commits at once.
#[derive(Default)]
pub struct Commit {
    /// Imports with their staged columns (the id in each `NewImport` names the file); an
    /// import that changed no record has none.
    pub imports: Vec<(NewImport, Option<StagedTable>)>,
    /// Other staged files and the (new, unused) relative paths they go to.
    pub files: Vec<(StagedTable, String)>,
    /// Relative paths of committed files that are no longer current.
    pub retire: Vec<String>,
    pub catalog: Option<CatalogWrites>,
}

impl Commit {
    /// Adds catalog writes that run after those already in the commit.
    pub fn add_catalog(&mut self, writes: CatalogWrites) {
        self.catalog = Some(match self.catalog.take() {
            Some(before) => Box::new(move |w| {
                before(w)?;
                writes(w)
            }),
            None => writes,
        });
    }
}

/// Data files named with this prefix are derived caches (such as the profile table): not in
/// the catalog, never part of a commit, rebuilt when missing. See [`Workspace::cached_table`].
const CACHE_PREFIX: &str = "cache-";

/// Writes tables to staged files; `Send + Sync`, so staging can overlap other work.
pub struct Stager {
    dir: PathBuf,
}

impl Stager {
    /// Writes `table` to a staged file, ready for [`Workspace::commit`].
    pub fn stage(&self, table: &Table) -> Result<StagedTable, StoreError> {
        let staged = self.new_staged();
        snapshot::write(&staged.path, table)?;
        Ok(staged)
    }

    /// Writes the columns of import `id` to a staged file that records the import, so the
    /// file is refused if it is ever read as another import's (see `snapshot::read_import`).
    pub fn stage_import(&self, id: i64, table: &Table) -> Result<StagedTable, StoreError> {
        let staged = self.new_staged();
        snapshot::write_import(&staged.path, table, id)?;
        Ok(staged)
    }

    fn new_staged(&self) -> StagedTable {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let name = format!("{}-{}{STAGED_SUFFIX}", std::process::id(), SEQ.fetch_add(1, Ordering::Relaxed));
        StagedTable { path: self.dir.join(name), committed: false }
    }
}

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
        for d in DATA_DIRS {
            std::fs::create_dir_all(dir.join(d)).map_err(io(dir))?;
        }
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

    /// Removes staged files and data files the catalog does not name, except derived caches
    /// (names starting with [`CACHE_PREFIX`]), which the stage that writes them keeps current.
    /// A snapshot an import row names is kept even when its `data_files` row is missing: the
    /// sweep never deletes imported data.
    fn remove_leftovers(&self) -> Result<(), StoreError> {
        let mut known = self.catalog.data_files()?;
        known.extend(self.catalog.list_imports(&ImportFilter::default())?.into_iter().map(|r| r.snapshot));
        for d in DATA_DIRS {
            let dir = self.root.join(d);
            std::fs::create_dir_all(&dir).map_err(io(&dir))?;
            for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
                let entry = entry.map_err(io(&dir))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let rel = format!("{d}/{name}");
                if !known.contains(&rel) && !name.starts_with(CACHE_PREFIX) {
                    std::fs::remove_file(entry.path()).map_err(io(entry.path()))?;
                }
            }
        }
        Ok(())
    }

    /// Writes `table` to a staged file, ready for [`Workspace::commit`].
    pub fn stage_table(&self, lock: &WriteLock, table: &Table) -> Result<StagedTable, StoreError> {
        self.stager(lock).stage(table)
    }

    /// A handle that stages tables from another thread (the catalog stays on this one).
    pub fn stager(&self, _lock: &WriteLock) -> Stager {
        Stager { dir: self.root.join(IMPORTS) }
    }

    /// Commits `commit` in one catalog transaction: the imports are recorded, every staged
    /// file is renamed into place, retired files are forgotten, and the extra catalog writes
    /// run; either all of it lands or none of it does.
    pub fn commit(&mut self, _lock: &WriteLock, commit: Commit) -> Result<(), StoreError> {
        let Commit { imports, files, retire, catalog: extra } = commit;
        let catalog_path = self.catalog.path().to_owned();
        let root = self.root.clone();
        let mut moved: Vec<(PathBuf, PathBuf)> = Vec::new();
        let result = self.catalog.transaction(|tx| {
            let sql_err = catalog::cat_err(&catalog_path);
            let add_file = |rel: &str| {
                tx.execute("INSERT INTO data_files (path) VALUES (?1)", [rel]).map(drop).map_err(&sql_err)
            };
            let mut place = |staged: &StagedTable, rel: &str| -> Result<(), StoreError> {
                let target = root.join(rel);
                if target.exists() {
                    return Err(StoreError::Io {
                        path: target,
                        source: std::io::Error::new(
                            std::io::ErrorKind::AlreadyExists,
                            "a committed file has this name",
                        ),
                    });
                }
                std::fs::rename(&staged.path, &target).map_err(io(&target))?;
                moved.push((target, staged.path.clone()));
                Ok(())
            };
            for (imp, staged) in &imports {
                let Some(staged) = staged else {
                    catalog::insert_import(tx, &catalog_path, imp, "")?;
                    continue;
                };
                let rel = format!("{IMPORTS}/{}.hsc", imp.id);
                catalog::insert_import(tx, &catalog_path, imp, &rel)?;
                add_file(&rel)?;
                place(staged, &rel)?;
            }
            for (staged, rel) in &files {
                add_file(rel)?;
                place(staged, rel)?;
            }
            for rel in &retire {
                tx.execute("DELETE FROM data_files WHERE path = ?1", [rel]).map_err(&sql_err)?;
            }
            if let Some(f) = extra {
                f(&CatalogWriter { tx, path: &catalog_path })?;
            }
            // Renames are durable once their folders are flushed; commits that only change the
            // catalog (audience renames, descriptions) move no file.
            if !moved.is_empty() {
                for d in DATA_DIRS {
                    sync_dir(&root.join(d))?;
                }
            }
            Ok(())
        });
        match result {
            Ok(()) => {
                for staged in imports.into_iter().filter_map(|(_, s)| s) {
                    staged.keep();
                }
                for (staged, _) in files {
                    staged.keep();
                }
                for rel in retire {
                    let _ = std::fs::remove_file(self.root.join(rel));
                }
                Ok(())
            }
            Err(e) => {
                for (target, staged) in moved.into_iter().rev() {
                    let _ = std::fs::rename(&target, &staged);
                }
                Err(e)
            }
        }
    }

    /// The derived table cached as `DIR/cache-KIND-KEY.hsc`, if there is one and it reads
    /// back whole (a damaged cache counts as none).
    pub fn cached_table(&self, dir: &str, kind: &str, key: &str) -> Option<Table> {
        snapshot::read(&self.root.join(dir).join(format!("{CACHE_PREFIX}{kind}-{key}.hsc"))).ok()
    }

    /// Caches a derived table as `DIR/cache-KIND-KEY.hsc` and removes the other caches of
    /// `kind` in `DIR`. Written like a staged table (flushed, then renamed into place), so a
    /// reader never sees a partial file. Best effort: a read-only or full workspace just goes
    /// without, since the table can be derived again. Needs no lock: two writers of one key
    /// write the same table, and the rename is atomic.
    pub fn cache_table(&self, dir: &str, kind: &str, key: &str, table: &Table) {
        if let Ok(staged) = self.cache_stager(dir).stage(table) {
            self.keep_cache(dir, kind, key, staged);
        }
    }

    /// Stages tables in `DIR` for [`Workspace::keep_cache`]: what [`Workspace::cache_table`]
    /// does in two steps, so a cache can be written while the data it derives from is still
    /// being committed, and placed only once that commit has landed.
    pub fn cache_stager(&self, dir: &str) -> Stager {
        Stager { dir: self.root.join(dir) }
    }

    /// Puts a table staged by [`Workspace::cache_stager`] in place as `DIR/cache-KIND-KEY.hsc`
    /// and removes the other caches of `kind` in `DIR` (best effort, like `cache_table`).
    pub fn keep_cache(&self, dir: &str, kind: &str, key: &str, staged: StagedTable) {
        let dir = self.root.join(dir);
        let name = format!("{CACHE_PREFIX}{kind}-{key}.hsc");
        if std::fs::rename(&staged.path, dir.join(&name)).is_err() {
            return;
        }
        staged.keep();
        let others = format!("{CACHE_PREFIX}{kind}-");
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let file = entry.file_name();
            if file.to_str().is_some_and(|f| f.starts_with(&others) && f != name) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// The path of a committed data file (relative path as the catalog names it).
    pub fn data_path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// The columns of import `id`; an error when it has no snapshot (it changed no record,
    /// or was retired).
    pub fn load_import(&self, id: i64) -> Result<Table, StoreError> {
        let row = self.catalog.import(id)?;
        if row.snapshot.is_empty() {
            return Err(StoreError::NoSnapshot(id));
        }
        snapshot::read_import(&self.root.join(&row.snapshot), id)
    }

    /// The columns of import `id` that `keep` accepts (by name and role), checked like
    /// [`Workspace::load_import`].
    pub fn load_import_columns(
        &self,
        id: i64,
        keep: &(dyn Fn(&str, crate::columns::Role) -> bool + Sync),
    ) -> Result<Table, StoreError> {
        let row = self.catalog.import(id)?;
        if row.snapshot.is_empty() {
            return Err(StoreError::NoSnapshot(id));
        }
        snapshot::read_import_columns(&self.root.join(&row.snapshot), id, keep)
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
