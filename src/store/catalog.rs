//! The catalog: a SQLite database (bundled) holding imports and their history.

use super::StoreError;
use super::catalog_sums;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The schema this build reads and writes.
pub const SCHEMA_VERSION: i64 = 1;

/// Every table of the schema; a catalog missing one gets it on open (additive changes need
/// no version bump).
pub(crate) const TABLES: &[&str] = &[
    "meta",
    "settings",
    "data_files",
    "audiences",
    "profile_aliases",
    "profile_events",
    "imports",
    "import_status",
    "import_columns",
    "import_rejects",
    "runs",
    "run_steps",
    "erasures",
    "suppressed",
    "auto_generations",
    "auto_audiences",
    "enrich_imports",
    "resolution_history",
    "audience_sizes",
];

/// Columns a newer build added to a table of an older catalog: (table, column, definition).
const ADDED_COLUMNS: &[(&str, &str, &str)] =
    &[("imports", "source", "TEXT NOT NULL DEFAULT ''"), ("imports", "retired_at", "TEXT")];

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS data_files (path TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS audiences (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    filter TEXT NOT NULL DEFAULT '',
    characteristics TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    size INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS profile_aliases (
    alias INTEGER PRIMARY KEY,
    survivor INTEGER NOT NULL,
    at TEXT NOT NULL,
    import_id INTEGER,
    rule TEXT NOT NULL,
    identifier TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS profile_aliases_survivor ON profile_aliases(survivor);
CREATE TABLE IF NOT EXISTS profile_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    profile INTEGER NOT NULL,
    event TEXT NOT NULL,
    other INTEGER NOT NULL,
    at TEXT NOT NULL,
    import_id INTEGER,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS profile_events_profile ON profile_events(profile);
CREATE TABLE IF NOT EXISTS imports (
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
    report_json TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    retired_at TEXT
);
CREATE INDEX IF NOT EXISTS imports_started_at ON imports(started_at);
CREATE TABLE IF NOT EXISTS import_status (
    import_id INTEGER NOT NULL REFERENCES imports(id),
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (import_id, seq)
);
CREATE TABLE IF NOT EXISTS import_columns (
    import_id INTEGER NOT NULL REFERENCES imports(id),
    position INTEGER NOT NULL,
    header TEXT NOT NULL,
    name TEXT NOT NULL,
    canonical TEXT,
    data_type TEXT NOT NULL,
    PRIMARY KEY (import_id, position)
);
CREATE TABLE IF NOT EXISTS auto_generations (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    as_of TEXT NOT NULL,
    profiles INTEGER NOT NULL,
    fields TEXT NOT NULL,
    excluded TEXT NOT NULL,
    k INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    backend TEXT NOT NULL,
    criterion TEXT NOT NULL,
    scores TEXT NOT NULL,
    lang TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS auto_audiences (
    audience_id INTEGER PRIMARY KEY,
    generation INTEGER NOT NULL,
    explanation TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS auto_audiences_generation ON auto_audiences(generation);
CREATE TABLE IF NOT EXISTS enrich_imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    started_at TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_new INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    report_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS import_rejects (
    import_id INTEGER NOT NULL REFERENCES imports(id),
    reason TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (import_id, reason)
);
CREATE TABLE IF NOT EXISTS erasures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    records INTEGER NOT NULL,
    imports_rewritten INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS suppressed (
    hash TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job TEXT NOT NULL,
    run_date TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    summary_json TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS run_steps (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    rows_in INTEGER NOT NULL,
    rows_out INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS resolution_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    import_id INTEGER,
    stats_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audience_sizes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    audience_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    size INTEGER NOT NULL,
    joined INTEGER NOT NULL,
    left_count INTEGER NOT NULL
);
";

/// An import to record, as the ingest stage describes it.
#[derive(Clone, Debug)]
pub struct NewImport {
    /// Reserved with [`Catalog::next_import_id`] under the writer lock.
    pub id: i64,
    /// The source the file belongs to.
    pub source: String,
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
    pub source: String,
    pub file_name: String,
    pub imported_by: String,
    pub started_at: String,
    pub finished_at: String,
    pub outcome: String,
    pub rows_imported: u64,
    pub rows_rejected: u64,
    pub rows_opted_out: u64,
    /// When a later import superseded all of this import's records and its snapshot was
    /// deleted; `None` while it holds current records (or changed none).
    pub retired_at: Option<String>,
    /// The snapshot's path in the workspace; empty when the import changed no record or was
    /// retired.
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
    /// Only this source's imports.
    pub source: Option<String>,
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
        catalog_sums::ensure(&mut cat.conn, path)?;
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
        let mut cat = cat;
        // Checked before anything is added to the schema, so that no damage gets new checksums.
        if catalog_sums::verify_schema(&cat.conn, path)? {
            catalog_sums::verify_tables(&cat.conn, path)?;
        }
        cat.add_missing_tables()?;
        catalog_sums::ensure(&mut cat.conn, path)?;
        Ok(cat)
    }

    /// Creates tables that a newer build added to the schema (all `IF NOT EXISTS`).
    fn add_missing_tables(&mut self) -> Result<(), StoreError> {
        self.add_missing_columns()?;
        let present: Vec<String> =
            self.query_all("SELECT name FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0))?;
        if TABLES.iter().all(|t| present.iter().any(|p| p == t)) {
            return Ok(());
        }
        let err = self.err();
        let tx = self.conn.transaction().map_err(&err)?;
        tx.execute_batch(SCHEMA).map_err(&err)?;
        if !present.iter().any(|p| p == "data_files") {
            // Catalogs from before `data_files` named their files only in import rows: list
            // those, or the writer lock's leftover sweep would take them for strays.
            tx.execute_batch("INSERT OR IGNORE INTO data_files (path) SELECT snapshot FROM imports")
                .map_err(&err)?;
        }
        tx.commit().map_err(err)
    }

    /// Adds the columns of [`ADDED_COLUMNS`] that an older catalog's tables lack.
    fn add_missing_columns(&mut self) -> Result<(), StoreError> {
        for (table, column, definition) in ADDED_COLUMNS {
            let present: Vec<String> =
                self.query_all(&format!("SELECT name FROM pragma_table_info('{table}')"), [], |r| r.get(0))?;
            if !present.is_empty() && !present.iter().any(|p| p == column) {
                self.conn
                    .execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {definition}"))
                    .map_err(self.err())?;
            }
        }
        Ok(())
    }

    fn connect(path: &Path) -> Result<Catalog, StoreError> {
        let conn = Connection::open(path).map_err(cat_err(path))?;
        catalog_sums::register(&conn).map_err(cat_err(path))?;
        // Rollback journal with full sync: a commit is on disk when it returns, and a crash
        // mid-transaction rolls back on the next open. Readers wait briefly for a writer.
        // Deleted rows are overwritten, so an erased person leaves no trace in free pages.
        // Recursive triggers: rows that `INSERT OR REPLACE` deletes leave the table's checksums.
        conn.execute_batch(
            "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
             PRAGMA secure_delete = ON; PRAGMA recursive_triggers = ON;",
        )
        .map_err(cat_err(path))?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(cat_err(path))?;
        Ok(Catalog { conn, path: path.to_owned() })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + use<> {
        cat_err(&self.path)
    }

    /// Every row of a query, mapped.
    pub(crate) fn query_all<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        map: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.conn.prepare(sql).map_err(self.err())?;
        let rows = stmt.query_map(params, map).map_err(self.err())?.collect::<Result<Vec<T>, _>>();
        rows.map_err(self.err())
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

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// Records an import inside `tx` (on the catalog at `path`), returning its id.
pub(crate) fn insert_import(
    tx: &rusqlite::Transaction,
    path: &Path,
    imp: &NewImport,
    snapshot: &str,
) -> Result<i64, StoreError> {
    let err = cat_err(path);
    tx.execute(
        "INSERT INTO imports (id, file_name, file_path, file_bytes, separator, imported_by, started_at,
            finished_at, outcome, lines_read, rows_imported, rows_rejected, rows_opted_out, snapshot, report_json,
            source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            imp.id,
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
            snapshot,
            imp.report_json,
            imp.source,
        ],
    )
    .map_err(&err)?;
    let id = imp.id;
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
        let rows = self.query_all(
            "SELECT id, file_name, imported_by, started_at, finished_at, outcome, rows_imported,
                    rows_rejected, rows_opted_out, snapshot, report_json, source, retired_at
             FROM imports
             WHERE (?1 IS NULL OR started_at >= ?1)
               AND (?2 IS NULL OR started_at < ?2)
               AND (?3 IS NULL OR source = ?3)
             ORDER BY id",
            params![filter.from, filter.before, filter.source],
            row_to_import,
        )?;
        // Searched here rather than in SQL: literal text, ignoring case and accents beyond ASCII.
        let needle = filter.search.as_deref().map(crate::text::fold);
        Ok(rows
            .into_iter()
            .filter(|r| needle.as_deref().is_none_or(|n| crate::text::fold(&r.file_name).contains(n)))
            .collect())
    }

    /// The import with id `id`.
    pub fn import(&self, id: i64) -> Result<ImportRow, StoreError> {
        self.conn
            .query_row(
                "SELECT id, file_name, imported_by, started_at, finished_at, outcome, rows_imported,
                        rows_rejected, rows_opted_out, snapshot, report_json, source, retired_at
                 FROM imports WHERE id = ?1",
                params![id],
                row_to_import,
            )
            .optional()
            .map_err(self.err())?
            .ok_or(StoreError::NoSuchImport(id))
    }

    /// The id the next import will get (call under the writer lock).
    pub fn next_import_id(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'imports'), 0),
                            COALESCE((SELECT MAX(id) FROM imports), 0)) + 1",
                [],
                |r| r.get(0),
            )
            .map_err(self.err())
    }

    /// The id the next audience will get (call under the writer lock).
    pub fn next_audience_id(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audiences'), 0),
                            COALESCE((SELECT MAX(id) FROM audiences), 0)) + 1",
                [],
                |r| r.get(0),
            )
            .map_err(self.err())
    }

    /// A setting's value, if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM settings WHERE key = ?1", params![key], |r| r.get(0))
            .optional()
            .map_err(self.err())
    }

    /// The survivor an alias was merged into, following chains of merges.
    pub fn resolve_alias(&self, mut id: i64) -> Result<i64, StoreError> {
        for _ in 0..64 {
            let next: Option<i64> = self
                .query_checked(
                    "profile_aliases",
                    "SELECT survivor, {check} FROM profile_aliases WHERE alias = ?1",
                    params![id],
                    |r| r.get(0),
                    |_| true,
                )?
                .into_iter()
                .next();
            match next {
                Some(s) => id = s,
                None => return Ok(id),
            }
        }
        Ok(id)
    }

    /// Aliases that were merged into `survivor`, with when and why.
    pub fn aliases_of(&self, survivor: i64) -> Result<Vec<AliasRow>, StoreError> {
        self.query_checked(
            "profile_aliases",
            "SELECT alias, survivor, at, import_id, rule, identifier, {check} FROM profile_aliases
             WHERE survivor = ?1 ORDER BY alias",
            params![survivor],
            |r| {
                Ok(AliasRow {
                    alias: r.get(0)?,
                    survivor: r.get(1)?,
                    at: r.get(2)?,
                    import_id: r.get(3)?,
                    rule: r.get(4)?,
                    identifier: r.get(5)?,
                })
            },
            |a| a.survivor == survivor,
        )
    }

    /// Every alias id.
    pub fn alias_ids(&self) -> Result<Vec<i64>, StoreError> {
        self.scan_checked("profile_aliases", "alias", |r| r.get(0))
    }

    /// How many aliases the workspace has.
    pub fn alias_count(&self) -> Result<u64, StoreError> {
        // The recorded count (checked): an index that lost entries cannot make it smaller.
        Ok(self.recorded_sum("profile_aliases")?.rows as u64)
    }

    /// Profile events (merges, splits) concerning `profile`, oldest first.
    pub fn events_of(&self, profile: i64) -> Result<Vec<EventRow>, StoreError> {
        self.query_checked(
            "profile_events",
            "SELECT profile, event, other, at, import_id, detail, {check} FROM profile_events
             WHERE profile = ?1 OR other = ?1 ORDER BY seq",
            params![profile],
            |r| {
                Ok(EventRow {
                    profile: r.get(0)?,
                    event: r.get(1)?,
                    other: r.get(2)?,
                    at: r.get(3)?,
                    import_id: r.get(4)?,
                    detail: r.get(5)?,
                })
            },
            |e| e.profile == profile || e.other == profile,
        )
    }

    /// Every audience, oldest first.
    pub fn audiences(&self) -> Result<Vec<AudienceRow>, StoreError> {
        self.query_all(&format!("SELECT {AUDIENCE_COLUMNS} FROM audiences ORDER BY id"), [], row_to_audience)
    }

    /// The audience with this id, or whose name matches ignoring case and accents.
    pub fn audience(&self, name_or_id: &str) -> Result<Option<AudienceRow>, StoreError> {
        let key = crate::text::fold(name_or_id.trim());
        let by_name = self.query_all(
            &format!("SELECT {AUDIENCE_COLUMNS} FROM audiences WHERE name_key = ?1"),
            params![key],
            row_to_audience,
        )?;
        if let Some(a) = by_name.into_iter().next() {
            return Ok(Some(a));
        }
        match name_or_id.trim().parse::<i64>() {
            Ok(id) => self.audience_by_id(id),
            Err(_) => Ok(None),
        }
    }

    /// The audience with this id (never one whose name reads as that number).
    pub fn audience_by_id(&self, id: i64) -> Result<Option<AudienceRow>, StoreError> {
        Ok(self
            .query_all(
                &format!("SELECT {AUDIENCE_COLUMNS} FROM audiences WHERE id = ?1"),
                params![id],
                row_to_audience,
            )?
            .into_iter()
            .next())
    }

    /// Every enrichment import (messages, campaign events, contact extras), oldest first.
    pub fn enrich_imports(&self) -> Result<Vec<EnrichImportRow>, StoreError> {
        self.query_all(
            "SELECT id, kind, file_name, imported_by, started_at, rows_read, rows_new, rows_rejected, report_json
             FROM enrich_imports ORDER BY id",
            [],
            |r| {
                Ok(EnrichImportRow {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    file_name: r.get(2)?,
                    imported_by: r.get(3)?,
                    started_at: r.get(4)?,
                    rows_read: r.get::<_, i64>(5)? as u64,
                    rows_new: r.get::<_, i64>(6)? as u64,
                    rows_rejected: r.get::<_, i64>(7)? as u64,
                    report_json: r.get(8)?,
                })
            },
        )
    }

    /// Every data file the catalog refers to (paths relative to the workspace).
    pub(crate) fn data_files(&self) -> Result<Vec<String>, StoreError> {
        self.query_all("SELECT path FROM data_files", [], |r| r.get(0))
    }
}

/// A run of a nightly job.
#[derive(Clone, Debug, Serialize)]
pub struct RunRow {
    pub id: i64,
    pub job: String,
    pub run_date: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// running, ok, failed (or interrupted: a run left `running` by a process that died).
    pub status: String,
    #[serde(skip)]
    pub summary_json: String,
}

/// One step of a run.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct RunStepRow {
    pub seq: i64,
    pub name: String,
    pub started_at: String,
    pub finished_at: String,
    pub rows_in: u64,
    pub rows_out: u64,
    /// ok, unchanged, skipped or failed.
    pub outcome: String,
    pub message: String,
}

/// An erasure, as the catalog keeps it.
#[derive(Clone, Debug, Serialize)]
pub struct ErasureRow {
    pub id: i64,
    pub at: String,
    pub by: String,
    pub records: u64,
    pub imports_rewritten: u64,
}

impl Catalog {
    /// The suppression list (salted hashes).
    pub fn suppressed(&self) -> Result<hashbrown::HashSet<String>, StoreError> {
        Ok(self.scan_checked("suppressed", "hash", |r| r.get(0))?.into_iter().collect())
    }

    /// Every erasure, oldest first.
    pub fn erasures(&self) -> Result<Vec<ErasureRow>, StoreError> {
        self.query_all("SELECT id, at, by, records, imports_rewritten FROM erasures ORDER BY id", [], |r| {
            Ok(ErasureRow {
                id: r.get(0)?,
                at: r.get(1)?,
                by: r.get(2)?,
                records: r.get::<_, i64>(3)? as u64,
                imports_rewritten: r.get::<_, i64>(4)? as u64,
            })
        })
    }

    /// Every run, oldest first.
    pub fn runs(&self) -> Result<Vec<RunRow>, StoreError> {
        self.query_all(
            "SELECT id, job, run_date, started_at, finished_at, status, summary_json FROM runs ORDER BY id",
            [],
            row_to_run,
        )
    }

    /// Run `id`, if there is one.
    pub fn run(&self, id: i64) -> Result<Option<RunRow>, StoreError> {
        Ok(self
            .query_all(
                "SELECT id, job, run_date, started_at, finished_at, status, summary_json FROM runs WHERE id = ?1",
                params![id],
                row_to_run,
            )?
            .into_iter()
            .next())
    }

    /// The steps of run `id`, in order.
    pub fn run_steps(&self, id: i64) -> Result<Vec<RunStepRow>, StoreError> {
        self.query_all(
            "SELECT seq, name, started_at, finished_at, rows_in, rows_out, outcome, message
             FROM run_steps WHERE run_id = ?1 ORDER BY seq",
            params![id],
            |r| {
                Ok(RunStepRow {
                    seq: r.get(0)?,
                    name: r.get(1)?,
                    started_at: r.get(2)?,
                    finished_at: r.get(3)?,
                    rows_in: r.get::<_, i64>(4)? as u64,
                    rows_out: r.get::<_, i64>(5)? as u64,
                    outcome: r.get(6)?,
                    message: r.get(7)?,
                })
            },
        )
    }
}

fn row_to_run(r: &rusqlite::Row) -> rusqlite::Result<RunRow> {
    Ok(RunRow {
        id: r.get(0)?,
        job: r.get(1)?,
        run_date: r.get(2)?,
        started_at: r.get(3)?,
        finished_at: r.get(4)?,
        status: r.get(5)?,
        summary_json: r.get(6)?,
    })
}

/// A saved audience.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct AudienceRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// `manual` (a dynamic filter) or `automatic` (a clustering result).
    pub kind: String,
    /// The filter, as JSON (manual audiences).
    pub filter: String,
    pub characteristics: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub size: u64,
}

const AUDIENCE_COLUMNS: &str =
    "id, name, description, kind, filter, characteristics, created_by, created_at, updated_at, size";

fn row_to_audience(r: &rusqlite::Row) -> rusqlite::Result<AudienceRow> {
    Ok(AudienceRow {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        kind: r.get(3)?,
        filter: r.get(4)?,
        characteristics: r.get(5)?,
        created_by: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        size: r.get::<_, i64>(9)? as u64,
    })
}

/// An enrichment import, as `enrich list` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct EnrichImportRow {
    pub id: i64,
    /// `messages`, `campaigns` or `extras`.
    pub kind: String,
    pub file_name: String,
    pub imported_by: String,
    pub started_at: String,
    pub rows_read: u64,
    /// Rows not seen before (the rest repeated stored rows or were rejected).
    pub rows_new: u64,
    pub rows_rejected: u64,
    /// The whole report, kept verbatim.
    #[serde(skip)]
    pub report_json: String,
}

/// A profile id merged into another.
#[derive(Clone, Debug, Serialize)]
pub struct AliasRow {
    pub alias: i64,
    pub survivor: i64,
    pub at: String,
    pub import_id: Option<i64>,
    pub rule: String,
    pub identifier: String,
}

/// A merge or split in a profile's history.
#[derive(Clone, Debug, Serialize)]
pub struct EventRow {
    pub profile: i64,
    pub event: String,
    pub other: i64,
    pub at: String,
    pub import_id: Option<i64>,
    pub detail: String,
}

/// Catalog writes the identity stage makes inside a commit's transaction.
pub struct CatalogWriter<'t> {
    pub(crate) tx: &'t rusqlite::Transaction<'t>,
    pub(crate) path: &'t Path,
}

impl CatalogWriter<'_> {
    /// Points import `id` at a rewritten snapshot.
    pub fn set_import_snapshot(&self, id: i64, snapshot: &str) -> Result<(), StoreError> {
        self.tx
            .execute("UPDATE imports SET snapshot = ?2 WHERE id = ?1", params![id, snapshot])
            .map(drop)
            .map_err(cat_err(self.path))
    }

    /// Records an erasure (no personal data: when, by whom, how much).
    pub fn insert_erasure(&self, at: &str, by: &str, records: u64, imports: u64) -> Result<(), StoreError> {
        self.tx
            .execute(
                "INSERT INTO erasures (at, by, records, imports_rewritten) VALUES (?1, ?2, ?3, ?4)",
                params![at, by, records as i64, imports as i64],
            )
            .map(drop)
            .map_err(cat_err(self.path))
    }

    /// Adds salted identifier hashes to the suppression list.
    pub fn suppress(&self, hashes: &[String]) -> Result<(), StoreError> {
        for h in hashes {
            self.tx
                .execute("INSERT OR IGNORE INTO suppressed (hash) VALUES (?1)", params![h])
                .map_err(cat_err(self.path))?;
        }
        Ok(())
    }

    /// Blanks the identifier text of lineage rows (aliases and events) naming `values`.
    pub fn scrub_identifiers(&self, values: &[String]) -> Result<(), StoreError> {
        for v in values.iter().filter(|v| !v.is_empty()) {
            self.tx
                .execute("UPDATE profile_aliases SET identifier = '(erased)' WHERE identifier LIKE '%' || ?1 || '%'", params![v])
                .map_err(cat_err(self.path))?;
            self.tx
                .execute(
                    "UPDATE profile_events SET detail = '(erased)' WHERE detail LIKE '%' || ?1 || '%'",
                    params![v],
                )
                .map_err(cat_err(self.path))?;
            self.scrub_history(v)?;
        }
        Ok(())
    }

    /// Marks import `id` retired at `at`: its snapshot (already retired from the commit's
    /// files) is no longer named.
    pub fn retire_import(&self, id: i64, at: &str) -> Result<(), StoreError> {
        self.tx
            .execute("UPDATE imports SET snapshot = '', retired_at = ?2 WHERE id = ?1", params![id, at])
            .map(drop)
            .map_err(cat_err(self.path))
    }

    /// Marks the runs still recorded as running as interrupted (call under the writer lock,
    /// which a run holds from start to finish: such a run's process died).
    pub fn interrupt_runs(&self, now: &str) -> Result<(), StoreError> {
        self.tx
            .execute(
                "UPDATE runs SET status = 'interrupted', finished_at = ?1 WHERE status = 'running'",
                params![now],
            )
            .map(drop)
            .map_err(cat_err(self.path))
    }

    /// Records a run that starts now; returns its id.
    pub fn insert_run(&self, job: &str, run_date: &str, started_at: &str) -> Result<i64, StoreError> {
        self.tx
            .execute(
                "INSERT INTO runs (job, run_date, started_at, status) VALUES (?1, ?2, ?3, 'running')",
                params![job, run_date, started_at],
            )
            .map_err(cat_err(self.path))?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Records a finished step of run `run`.
    pub fn insert_run_step(&self, run: i64, step: &RunStepRow) -> Result<(), StoreError> {
        self.tx
            .execute(
                "INSERT INTO run_steps (run_id, seq, name, started_at, finished_at, rows_in, rows_out, outcome, message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    run,
                    step.seq,
                    step.name,
                    step.started_at,
                    step.finished_at,
                    step.rows_in as i64,
                    step.rows_out as i64,
                    step.outcome,
                    step.message
                ],
            )
            .map(drop)
            .map_err(cat_err(self.path))
    }

    /// Records how run `run` ended.
    pub fn finish_run(
        &self,
        run: i64,
        status: &str,
        finished_at: &str,
        summary: &str,
    ) -> Result<(), StoreError> {
        self.tx
            .execute(
                "UPDATE runs SET status = ?2, finished_at = ?3, summary_json = ?4 WHERE id = ?1",
                params![run, status, finished_at, summary],
            )
            .map(drop)
            .map_err(cat_err(self.path))
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.tx
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(drop)
            .map_err(cat_err(self.path))
    }

    pub fn insert_alias(&self, a: &AliasRow) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO profile_aliases (alias, survivor, at, import_id, rule, identifier)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| {
                s.execute(params![a.alias, a.survivor, a.at, a.import_id, a.rule, a.identifier])
            })
            .map(drop)
            .map_err(cat_err(self.path))
    }

    /// Forgets that `alias` was merged away (it names a profile again).
    pub fn delete_alias(&self, alias: i64) -> Result<(), StoreError> {
        self.tx
            .execute("DELETE FROM profile_aliases WHERE alias = ?1", params![alias])
            .map(drop)
            .map_err(cat_err(self.path))
    }

    /// Saves a new audience (its `id` is ignored); returns its id. The name must be unused,
    /// compared ignoring case and accents.
    pub fn insert_audience(&self, a: &AudienceRow) -> Result<i64, StoreError> {
        self.tx
            .execute(
                "INSERT INTO audiences (name, name_key, description, kind, filter, characteristics,
                    created_by, created_at, updated_at, size)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    a.name,
                    crate::text::fold(a.name.trim()),
                    a.description,
                    a.kind,
                    a.filter,
                    a.characteristics,
                    a.created_by,
                    a.created_at,
                    a.updated_at,
                    a.size as i64
                ],
            )
            .map_err(|e| name_taken(e, &a.name).unwrap_or_else(|e| cat_err(self.path)(e)))?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Rewrites an audience's editable fields (name, description, filter, characteristics,
    /// size, updated_at) by id.
    pub fn update_audience(&self, a: &AudienceRow) -> Result<(), StoreError> {
        self.tx
            .execute(
                "UPDATE audiences SET name = ?2, name_key = ?3, description = ?4, filter = ?5,
                    characteristics = ?6, updated_at = ?7, size = ?8 WHERE id = ?1",
                params![
                    a.id,
                    a.name,
                    crate::text::fold(a.name.trim()),
                    a.description,
                    a.filter,
                    a.characteristics,
                    a.updated_at,
                    a.size as i64
                ],
            )
            .map(drop)
            .map_err(|e| name_taken(e, &a.name).unwrap_or_else(|e| cat_err(self.path)(e)))
    }

    pub fn delete_audience(&self, id: i64) -> Result<(), StoreError> {
        self.tx
            .execute("DELETE FROM audiences WHERE id = ?1", params![id])
            .map(drop)
            .map_err(cat_err(self.path))
    }

    /// Records an enrichment import (its `id` is ignored); returns its id.
    pub fn insert_enrich_import(&self, e: &EnrichImportRow) -> Result<i64, StoreError> {
        self.tx
            .execute(
                "INSERT INTO enrich_imports (kind, file_name, imported_by, started_at, rows_read, rows_new,
                    rows_rejected, report_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    e.kind,
                    e.file_name,
                    e.imported_by,
                    e.started_at,
                    e.rows_read as i64,
                    e.rows_new as i64,
                    e.rows_rejected as i64,
                    e.report_json
                ],
            )
            .map_err(cat_err(self.path))?;
        Ok(self.tx.last_insert_rowid())
    }

    pub fn insert_event(&self, e: &EventRow) -> Result<(), StoreError> {
        // Cached: a night writes thousands of events in one transaction.
        self.tx
            .prepare_cached(
                "INSERT INTO profile_events (profile, event, other, at, import_id, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| s.execute(params![e.profile, e.event, e.other, e.at, e.import_id, e.detail]))
            .map(drop)
            .map_err(cat_err(self.path))
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
        source: r.get(11)?,
        retired_at: r.get(12)?,
    })
}

/// A uniqueness violation on an audience name, as a user error.
fn name_taken(e: rusqlite::Error, name: &str) -> Result<StoreError, rusqlite::Error> {
    match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            Ok(StoreError::NameTaken(name.to_owned()))
        }
        other => Err(other),
    }
}

pub(crate) fn cat_err(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + use<> {
    let path = path.to_owned();
    move |source| StoreError::Catalog { path: path.clone(), source }
}
