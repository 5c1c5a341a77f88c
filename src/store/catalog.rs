//! The catalog: a SQLite database (bundled) holding imports and their history.

use super::StoreError;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The schema this build reads and writes.
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_name TEXT NOT NULL,
    file_path TEXT NOT NULL,
    file_bytes INTEGER NOT NULL,
    separator TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    lines_read INTEGER NOT NULL,
    rows_imported INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    rows_opted_out INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    report_json TEXT NOT NULL
);
CREATE INDEX imports_started_at ON imports(started_at);
CREATE TABLE import_status (
    import_id INTEGER NOT NULL REFERENCES imports(id),
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (import_id, seq)
);
CREATE TABLE import_columns (
    import_id INTEGER NOT NULL REFERENCES imports(id),
    position INTEGER NOT NULL,
    header TEXT NOT NULL,
    name TEXT NOT NULL,
    canonical TEXT,
    data_type TEXT NOT NULL,
    PRIMARY KEY (import_id, position)
);
CREATE TABLE import_rejects (
    import_id INTEGER NOT NULL REFERENCES imports(id),
    reason TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (import_id, reason)
);
";

/// An import to record, as the ingest stage describes it.
#[derive(Clone, Debug)]
pub struct NewImport {
    pub file_name: String,
    pub file_path: String,
    pub file_bytes: u64,
    pub separator: String,
    pub imported_by: String,
    pub started_at: String,
    pub finished_at: String,
    pub outcome: String,
    pub lines_read: u64,
    pub rows_imported: u64,
    pub rows_rejected: u64,
    pub rows_opted_out: u64,
    pub columns: Vec<ImportColumn>,
    /// (status, RFC 3339 time), in order.
    pub history: Vec<(String, String)>,
    pub rejected_by_reason: Vec<(String, u64)>,
    /// The whole report, kept verbatim for `imports show`.
    pub report_json: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ImportColumn {
    pub position: usize,
    pub header: String,
    pub name: String,
    pub canonical: Option<String>,
    pub data_type: String,
}

/// A recorded import, as `imports list` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct ImportRow {
    pub id: i64,
    pub file_name: String,
    pub imported_by: String,
    pub started_at: String,
    pub finished_at: String,
    pub outcome: String,
    pub rows_imported: u64,
    pub rows_rejected: u64,
    pub rows_opted_out: u64,
    #[serde(skip)]
    pub snapshot: String,
    #[serde(skip)]
    pub report_json: String,
}

/// Which imports to list.
#[derive(Clone, Debug, Default)]
pub struct ImportFilter {
    /// Part of the file name, any case.
    pub search: Option<String>,
    /// Started on or after this time (RFC 3339 prefix, e.g. `2026-11-01`).
    pub from: Option<String>,
    /// Started before this time.
    pub before: Option<String>,
}

/// The open catalog database.
pub struct Catalog {
    conn: Connection,
    path: PathBuf,
}

impl Catalog {
    /// Creates a new catalog at `path` with the current schema.
    pub fn create(path: &Path) -> Result<Catalog, StoreError> {
        let mut cat = Self::connect(path)?;
        let err = cat.err();
        let tx = cat.conn.transaction().map_err(err)?;
        tx.execute_batch(SCHEMA).map_err(cat_err(path))?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
            params![SCHEMA_VERSION.to_string()],
        )
        .map_err(cat_err(path))?;
        tx.commit().map_err(cat_err(path))?;
        Ok(cat)
    }

    /// Opens an existing catalog, checking its schema version.
    pub fn open(path: &Path) -> Result<Catalog, StoreError> {
        let cat = Self::connect(path)?;
        let found: i64 = cat
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |r| r.get::<_, String>(0))
            .map_err(cat.err())?
            .parse()
            .unwrap_or(-1);
        if found != SCHEMA_VERSION {
            return Err(StoreError::SchemaVersion { path: path.to_owned(), found, expected: SCHEMA_VERSION });
        }
        Ok(cat)
    }

    fn connect(path: &Path) -> Result<Catalog, StoreError> {
        let conn = Connection::open(path).map_err(cat_err(path))?;
        // Rollback journal with full sync: a commit is on disk when it returns, and a crash
        // mid-transaction rolls back on the next open. Readers wait briefly for a writer.
        conn.execute_batch(
            "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )
        .map_err(cat_err(path))?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(cat_err(path))?;
        Ok(Catalog { conn, path: path.to_owned() })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + use<> {
        cat_err(&self.path)
    }

    /// Runs `f` in one transaction: all of its writes land, or none do.
    pub(crate) fn transaction<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let err = self.err();
        let tx = self.conn.transaction().map_err(&err)?;
        let out = f(&tx)?;
        tx.commit().map_err(err)?;
        Ok(out)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// Records an import inside `tx` (on the catalog at `path`), returning its id.
pub(crate) fn insert_import(
    tx: &rusqlite::Transaction,
    path: &Path,
    imp: &NewImport,
    snapshot_for: impl FnOnce(i64) -> String,
) -> Result<i64, StoreError> {
    let err = cat_err(path);
    tx.execute(
            "INSERT INTO imports (file_name, file_path, file_bytes, separator, imported_by, started_at,
                finished_at, outcome, lines_read, rows_imported, rows_rejected, rows_opted_out, snapshot, report_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, '', ?13)",
            params![
                imp.file_name,
                imp.file_path,
                imp.file_bytes as i64,
                imp.separator,
                imp.imported_by,
                imp.started_at,
                imp.finished_at,
                imp.outcome,
                imp.lines_read as i64,
                imp.rows_imported as i64,
                imp.rows_rejected as i64,
                imp.rows_opted_out as i64,
                imp.report_json,
            ],
        )
        .map_err(&err)?;
    let id = tx.last_insert_rowid();
    tx.execute("UPDATE imports SET snapshot = ?1 WHERE id = ?2", params![snapshot_for(id), id])
        .map_err(&err)?;
    for (seq, (status, at)) in imp.history.iter().enumerate() {
        tx.execute(
            "INSERT INTO import_status (import_id, seq, status, at) VALUES (?1, ?2, ?3, ?4)",
            params![id, seq as i64, status, at],
        )
        .map_err(&err)?;
    }
    for c in &imp.columns {
        tx.execute(
            "INSERT INTO import_columns (import_id, position, header, name, canonical, data_type)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, c.position as i64, c.header, c.name, c.canonical, c.data_type],
        )
        .map_err(&err)?;
    }
    for (reason, count) in &imp.rejected_by_reason {
        tx.execute(
            "INSERT INTO import_rejects (import_id, reason, count) VALUES (?1, ?2, ?3)",
            params![id, reason, *count as i64],
        )
        .map_err(&err)?;
    }
    Ok(id)
}

impl Catalog {
    /// Imports matching `filter`, oldest first.
    pub fn list_imports(&self, filter: &ImportFilter) -> Result<Vec<ImportRow>, StoreError> {
        let search = filter.search.as_ref().map(|s| format!("%{}%", s.to_lowercase()));
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, file_name, imported_by, started_at, finished_at, outcome, rows_imported,
                        rows_rejected, rows_opted_out, snapshot, report_json
                 FROM imports
                 WHERE (?1 IS NULL OR lower(file_name) LIKE ?1)
                   AND (?2 IS NULL OR started_at >= ?2)
                   AND (?3 IS NULL OR started_at < ?3)
                 ORDER BY id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![search, filter.from, filter.before], row_to_import)
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        Ok(rows)
    }

    /// The import with id `id`.
    pub fn import(&self, id: i64) -> Result<ImportRow, StoreError> {
        self.conn
            .query_row(
                "SELECT id, file_name, imported_by, started_at, finished_at, outcome, rows_imported,
                        rows_rejected, rows_opted_out, snapshot, report_json
                 FROM imports WHERE id = ?1",
                params![id],
                row_to_import,
            )
            .optional()
            .map_err(self.err())?
            .ok_or(StoreError::NoSuchImport(id))
    }

    /// Every snapshot file name the catalog refers to.
    pub(crate) fn snapshot_names(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT snapshot FROM imports").map_err(self.err())?;
        let names = stmt
            .query_map([], |r| r.get(0))
            .map_err(self.err())?
            .collect::<Result<Vec<String>, _>>()
            .map_err(self.err())?;
        Ok(names)
    }
}

fn row_to_import(r: &rusqlite::Row) -> rusqlite::Result<ImportRow> {
    Ok(ImportRow {
        id: r.get(0)?,
        file_name: r.get(1)?,
        imported_by: r.get(2)?,
        started_at: r.get(3)?,
        finished_at: r.get(4)?,
        outcome: r.get(5)?,
        rows_imported: r.get::<_, i64>(6)? as u64,
        rows_rejected: r.get::<_, i64>(7)? as u64,
        rows_opted_out: r.get::<_, i64>(8)? as u64,
        snapshot: r.get(9)?,
        report_json: r.get(10)?,
    })
}

fn cat_err(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + use<> {
    let path = path.to_owned();
    move |source| StoreError::Catalog { path: path.clone(), source }
}
