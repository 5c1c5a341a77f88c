//! Checksums of the catalog's content, so that a damaged `catalog.db` is an error naming it
//! rather than a changed answer.
//!
//! - Every table of the schema has a `row_sum` column: an xxh3-64 hash of the table's name, the
//!   row's rowid and every value of the row (type and bytes), kept by triggers that call the
//!   application function `hs_row`, registered on every connection hyperseg opens.
//! - `catalog_sums` holds, per table, its row count, the wrapping sum of its row sums and the
//!   highest rowid it ever held (checked against `sqlite_sequence`, which picks new ids), each
//!   row with its own `row_sum`; its row `sqlite_master` holds a hash of the whole schema
//!   (every table, index and trigger, with its root page).
//! - Updates and deletes check the old row first (a trigger raises on a damaged row), so a
//!   write never launders damage into a fresh checksum.
//!
//! Opening a catalog checks the schema hash, then reads every table whole (row sums, count,
//! sum) — except the tables that grow with the profiles ([`LARGE`]) once one holds more than
//! [`WHOLE_UP_TO`] rows: those are checked row by row as they are read, and whole when a read
//! scans them. While every table is read whole, one `PRAGMA integrity_check` of the file checks
//! its pages and every index against its table; otherwise each table read whole gets its own.
//! A catalog from before these checksums gets them on its first open.

use super::StoreError;
use super::catalog::{Catalog, TABLES};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::Path;

/// The table of per-table sums.
pub(crate) const SUMS: &str = "catalog_sums";
/// The `catalog_sums` row holding the schema's hash.
const SCHEMA_ROW: &str = "sqlite_master";
/// Tables that grow with the number of profiles (hundreds of thousands of rows after many
/// nights at a million profiles).
pub(crate) const LARGE: [&str; 3] = ["profile_aliases", "profile_events", "suppressed"];
/// A [`LARGE`] table with at most this many rows is still checked whole on open.
const WHOLE_UP_TO: i64 = 5_000;

const SUMS_TABLE: &str = "CREATE TABLE IF NOT EXISTS catalog_sums (
    tbl TEXT PRIMARY KEY, n_rows INTEGER NOT NULL, total INTEGER NOT NULL, top INTEGER NOT NULL,
    row_sum INTEGER)";

/// What a table's rows add up to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Sum {
    pub rows: i64,
    pub total: i64,
    pub top: i64,
}

/// Registers the functions the triggers and checks call.
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags =
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC | FunctionFlags::SQLITE_INNOCUOUS;
    conn.create_scalar_function("hs_row", -1, flags, |ctx| Ok(row_hash(ctx)))?;
    conn.create_scalar_function("hs_add", 2, flags, |ctx| {
        Ok(ctx.get::<i64>(0)?.wrapping_add(ctx.get::<i64>(1)?))
    })?;
    conn.create_scalar_function("hs_sub", 2, flags, |ctx| {
        Ok(ctx.get::<i64>(0)?.wrapping_sub(ctx.get::<i64>(1)?))
    })
}

/// xxh3-64 of the arguments (`hs_row`): see [`encode`].
fn row_hash(ctx: &Context) -> i64 {
    let mut buf = Vec::with_capacity(128);
    for i in 0..ctx.len() {
        encode(&mut buf, ctx.get_raw(i));
    }
    twox_hash::XxHash3_64::oneshot(&buf) as i64
}

/// Appends a value as a type tag and its bytes (text and blobs with their length); a row's
/// checksum hashes its table's name, its rowid and its values so encoded.
fn encode(buf: &mut Vec<u8>, value: ValueRef) {
    match value {
        ValueRef::Null => buf.push(0),
        ValueRef::Integer(v) => {
            buf.push(1);
            buf.extend_from_slice(&v.to_le_bytes());
        }
        ValueRef::Real(v) => {
            buf.push(2);
            buf.extend_from_slice(&v.to_bits().to_le_bytes());
        }
        ValueRef::Text(t) => {
            buf.push(3);
            buf.extend_from_slice(&(t.len() as u64).to_le_bytes());
            buf.extend_from_slice(t);
        }
        ValueRef::Blob(b) => {
            buf.push(4);
            buf.extend_from_slice(&(b.len() as u64).to_le_bytes());
            buf.extend_from_slice(b);
        }
    }
}

/// Checks the rows of a whole-table scan in Rust (no function call per row): each row of
/// `SELECT …, rowid, row_sum, c1, …, cn` from `from` on (`rowid` at `from`).
struct RowChecker<'a> {
    table: &'a str,
    from: usize,
    buf: Vec<u8>,
    seen: Sum,
}

impl<'a> RowChecker<'a> {
    fn new(table: &'a str, from: usize) -> Self {
        RowChecker { table, from, buf: Vec::with_capacity(256), seen: Sum::default() }
    }

    /// The row's rowid when it matches its checksum.
    fn check(&mut self, r: &rusqlite::Row) -> rusqlite::Result<Result<i64, i64>> {
        let rowid: i64 = r.get(self.from)?;
        let stored: Option<i64> = r.get(self.from + 1)?;
        self.buf.clear();
        encode(&mut self.buf, ValueRef::Text(self.table.as_bytes()));
        encode(&mut self.buf, ValueRef::Integer(rowid));
        for i in self.from + 2..r.as_ref().column_count() {
            encode(&mut self.buf, r.get_ref(i)?);
        }
        if stored != Some(twox_hash::XxHash3_64::oneshot(&self.buf) as i64) {
            return Ok(Err(rowid));
        }
        self.seen.rows += 1;
        self.seen.total = self.seen.total.wrapping_add(stored.unwrap_or(0));
        self.seen.top = self.seen.top.max(rowid);
        Ok(Ok(rowid))
    }
}

/// The data columns of `table` (all but `row_sum`), quoted.
fn columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?;
    let names = stmt.query_map([table], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(names.into_iter().filter(|n| n != "row_sum").map(|n| format!("\"{n}\"")).collect())
}

/// The data columns of every table, quoted (one query, for the checks run on every open).
fn all_columns(conn: &Connection) -> rusqlite::Result<HashMap<String, Vec<String>>> {
    let mut stmt = conn.prepare(
        "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
         WHERE m.type = 'table' ORDER BY m.name, p.cid",
    )?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let column: String = r.get(1)?;
        if column != "row_sum" {
            out.entry(r.get(0)?).or_default().push(format!("\"{column}\""));
        }
    }
    Ok(out)
}

/// `hs_row('table', rowid, c1, …)`, the columns prefixed (`NEW.`, `OLD.` or nothing).
fn row_expr(table: &str, cols: &[String], prefix: &str) -> String {
    let values: Vec<String> = cols.iter().map(|c| format!("{prefix}{c}")).collect();
    format!("hs_row('{table}', {prefix}rowid, {})", values.join(", "))
}

/// The expression true when a row of `table` (in a query on it alone) matches its checksum.
pub(crate) fn check_expr(conn: &Connection, table: &str) -> rusqlite::Result<String> {
    Ok(format!("(row_sum IS {})", row_expr(table, &columns(conn, table)?, "")))
}

/// The triggers that keep `table`'s row sums and its `catalog_sums` row, as `sqlite_master`
/// stores them: (name, sql).
fn triggers(table: &str, cols: &[String]) -> Vec<(String, String)> {
    let new = row_expr(table, cols, "NEW.");
    let old = row_expr(table, cols, "OLD.");
    let damaged = format!(
        "SELECT RAISE(ABORT, 'catalog.db is damaged: a row of {table} does not match its checksum') WHERE OLD.row_sum IS NOT {old};"
    );
    let ins = format!(
        "CREATE TRIGGER {table}_sum_ins AFTER INSERT ON {table} BEGIN \
         UPDATE {table} SET row_sum = {new} WHERE rowid = NEW.rowid; \
         UPDATE {SUMS} SET n_rows = n_rows + 1, total = hs_add(total, {new}), top = max(top, NEW.rowid) WHERE tbl = '{table}'; END"
    );
    let del = format!(
        "CREATE TRIGGER {table}_sum_del AFTER DELETE ON {table} BEGIN {damaged} \
         UPDATE {SUMS} SET n_rows = n_rows - 1, total = hs_sub(total, OLD.row_sum) WHERE tbl = '{table}'; END"
    );
    let upd = format!(
        "CREATE TRIGGER {table}_sum_upd AFTER UPDATE OF {} ON {table} BEGIN {damaged} \
         UPDATE {table} SET row_sum = {new} WHERE rowid = NEW.rowid; \
         UPDATE {SUMS} SET total = hs_add(hs_sub(total, OLD.row_sum), {new}), top = max(top, NEW.rowid) WHERE tbl = '{table}'; END",
        cols.join(", ")
    );
    vec![
        (format!("{table}_sum_ins"), ins),
        (format!("{table}_sum_del"), del),
        (format!("{table}_sum_upd"), upd),
    ]
}

/// The trigger that keeps the row sums of `catalog_sums` itself.
fn sums_trigger() -> (String, String) {
    let new = row_expr(SUMS, &sums_columns(), "NEW.");
    (
        format!("{SUMS}_sum_upd"),
        format!(
            "CREATE TRIGGER {SUMS}_sum_upd AFTER UPDATE OF n_rows, total, top ON {SUMS} BEGIN \
             UPDATE {SUMS} SET row_sum = {new} WHERE rowid = NEW.rowid; END"
        ),
    )
}

fn sums_columns() -> Vec<String> {
    ["tbl", "n_rows", "total", "top"].iter().map(|c| format!("\"{c}\"")).collect()
}

/// A damaged catalog, as an error naming it.
fn damaged(path: &Path, what: impl Into<String>) -> StoreError {
    StoreError::CatalogDamaged { path: path.to_owned(), what: what.into() }
}

fn sql_err(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + use<> {
    super::catalog::cat_err(path)
}

/// Every row of `sqlite_master` (type, name, rootpage, sql).
type MasterRow = (String, String, i64, Option<String>);

fn master(conn: &Connection) -> rusqlite::Result<Vec<MasterRow>> {
    let mut stmt = conn.prepare("SELECT type, name, rootpage, sql FROM sqlite_master ORDER BY type, name")?;
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect()
}

/// The hash of the schema: every table, index and trigger with its root page and text.
fn schema_hash(rows: &[MasterRow]) -> i64 {
    let mut buf = Vec::new();
    for (kind, name, root, sql) in rows {
        for part in
            [kind.as_bytes(), name.as_bytes(), &root.to_le_bytes(), sql.as_deref().unwrap_or("\0").as_bytes()]
        {
            buf.extend_from_slice(&(part.len() as u64).to_le_bytes());
            buf.extend_from_slice(part);
        }
    }
    twox_hash::XxHash3_64::oneshot(&buf) as i64
}

/// Whether the catalog was written with checksums: one of its objects mentions them. (A single
/// damaged byte cannot hide them all.)
fn checksummed(rows: &[MasterRow]) -> bool {
    rows.iter().any(|(_, name, _, sql)| {
        name == SUMS || sql.as_deref().is_some_and(|s| s.contains("row_sum") || s.contains("hs_row"))
    })
}

/// Every row of `catalog_sums`, each checked against its own row sum.
fn read_sums(conn: &Connection, path: &Path) -> Result<HashMap<String, Sum>, StoreError> {
    let check = format!("(row_sum IS {})", row_expr(SUMS, &sums_columns(), ""));
    let mut stmt = conn
        .prepare(&format!("SELECT tbl, n_rows, total, top, {check} FROM {SUMS}"))
        .map_err(sql_err(path))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Sum { rows: r.get(1)?, total: r.get(2)?, top: r.get(3)? },
                r.get::<_, bool>(4)?,
            ))
        })
        .map_err(sql_err(path))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(sql_err(path))?;
    let mut out = HashMap::new();
    for (table, sum, ok) in rows {
        if !ok {
            return Err(damaged(
                path,
                format!("the checksums of table {table} do not match their own checksum"),
            ));
        }
        if out.insert(table.clone(), sum).is_some() {
            return Err(damaged(path, format!("table {table} has two rows of checksums")));
        }
    }
    Ok(out)
}

/// Before anything is added to a catalog: its schema is the one its checksums were written
/// with, and every checksummed table has its sums. Returns whether it has checksums at all
/// (a catalog from before them has none, and gets them from [`ensure`]).
pub(crate) fn verify_schema(conn: &Connection, path: &Path) -> Result<bool, StoreError> {
    let rows = master(conn).map_err(sql_err(path))?;
    if !checksummed(&rows) {
        return Ok(false);
    }
    if !rows.iter().any(|r| r.0 == "table" && r.1 == SUMS) {
        return Err(damaged(path, format!("its table {SUMS} is missing")));
    }
    let sums = read_sums(conn, path)?;
    let Some(stored) = sums.get(SCHEMA_ROW) else {
        return Err(damaged(path, "the checksum of its schema is missing"));
    };
    if stored.total != schema_hash(&rows) || stored.rows != rows.len() as i64 {
        return Err(damaged(path, "its schema does not match its checksum"));
    }
    for (kind, name, _, sql) in &rows {
        let summed = sql.as_deref().is_some_and(|s| s.contains("row_sum"));
        if kind == "table" && name != SUMS && summed && !sums.contains_key(name) {
            return Err(damaged(path, format!("the checksums of table {name} are missing")));
        }
    }
    Ok(true)
}

/// Gives every table of the schema its row sums, triggers and `catalog_sums` row where it
/// lacks them (a catalog from before checksums, a table or column a newer build added), and
/// records the schema's hash. Writes only when something is missing.
pub(crate) fn ensure(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    if missing(conn).map_err(sql_err(path))?.is_empty() {
        return Ok(());
    }
    let tx =
        conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(sql_err(path))?;
    // Checked again under the write lock: another process may have done it meanwhile.
    let todo = missing(&tx).map_err(sql_err(path))?;
    if todo.is_empty() {
        return Ok(());
    }
    tx.execute_batch(SUMS_TABLE).map_err(sql_err(path))?;
    let (name, sql) = sums_trigger();
    tx.execute_batch(&format!("DROP TRIGGER IF EXISTS {name}; {sql}")).map_err(sql_err(path))?;
    for table in todo {
        adopt(&tx, &table).map_err(sql_err(path))?;
    }
    let rows = master(&tx).map_err(sql_err(path))?;
    let hash = schema_hash(&rows);
    set_sum(&tx, SCHEMA_ROW, Sum { rows: rows.len() as i64, total: hash, top: 0 }).map_err(sql_err(path))?;
    tx.commit().map_err(sql_err(path))
}

/// The tables whose row sums, triggers or `catalog_sums` row are missing or out of date.
fn missing(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let rows = master(conn)?;
    let has_sums = rows.iter().any(|r| r.0 == "table" && r.1 == SUMS);
    let summed: Vec<String> = if has_sums {
        let mut stmt = conn.prepare(&format!("SELECT tbl FROM {SUMS}"))?;
        stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
    } else {
        Vec::new()
    };
    let all = all_columns(conn)?;
    let mut out = Vec::new();
    for table in TABLES {
        let cols = all.get(*table).map(Vec::as_slice).unwrap_or_default();
        let current = triggers(table, cols).into_iter().all(|(name, sql)| {
            rows.iter().any(|r| r.0 == "trigger" && r.1 == name && r.3.as_deref() == Some(sql.as_str()))
        });
        let has_column = rows.iter().any(|r| {
            r.0 == "table" && r.1 == *table && r.3.as_deref().is_some_and(|s| s.contains("row_sum"))
        });
        if !current || !has_column || !summed.iter().any(|s| s == table) {
            out.push((*table).to_owned());
        }
    }
    if !has_sums || !summed.iter().any(|s| s == SCHEMA_ROW) {
        // The schema hash is written whenever anything is adopted; force it when only it lacks.
        if out.is_empty() {
            out.push(TABLES[0].to_owned());
        }
    }
    Ok(out)
}

/// Gives `table` its column, row sums, sums row and triggers (inside a transaction).
fn adopt(conn: &Connection, table: &str) -> rusqlite::Result<()> {
    let has_column = conn
        .query_row("SELECT 1 FROM pragma_table_info(?1) WHERE name = 'row_sum'", [table], |_| Ok(()))
        .optional()?
        .is_some();
    if !has_column {
        conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN row_sum INTEGER"))?;
    }
    let cols = columns(conn, table)?;
    for (name, _) in triggers(table, &cols) {
        conn.execute_batch(&format!("DROP TRIGGER IF EXISTS {name}"))?;
    }
    conn.execute_batch(&format!("UPDATE {table} SET row_sum = {}", row_expr(table, &cols, "")))?;
    let mut sum = scan_sum(conn, table)?;
    let seq: Option<i64> = conn
        .query_row("SELECT seq FROM sqlite_sequence WHERE name = ?1", [table], |r| r.get(0))
        .optional()
        .or_else(|e| match e {
            // No table has AUTOINCREMENT yet: there is no sqlite_sequence.
            rusqlite::Error::SqliteFailure(..) => Ok(None),
            e => Err(e),
        })?;
    sum.top = sum.top.max(seq.unwrap_or(0));
    set_sum(conn, table, sum)?;
    for (_, sql) in triggers(table, &cols) {
        conn.execute_batch(&sql)?;
    }
    Ok(())
}

/// What `table`'s stored row sums add up to (not checking them).
fn scan_sum(conn: &Connection, table: &str) -> rusqlite::Result<Sum> {
    let mut stmt = conn.prepare(&format!("SELECT rowid, row_sum FROM {table}"))?;
    let mut rows = stmt.query([])?;
    let mut sum = Sum::default();
    while let Some(r) = rows.next()? {
        sum.rows += 1;
        sum.total = sum.total.wrapping_add(r.get::<_, Option<i64>>(1)?.unwrap_or(0));
        sum.top = sum.top.max(r.get(0)?);
    }
    Ok(sum)
}

fn set_sum(conn: &Connection, table: &str, sum: Sum) -> rusqlite::Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO {SUMS} (tbl, n_rows, total, top) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(tbl) DO UPDATE SET n_rows = excluded.n_rows, total = excluded.total, top = excluded.top"
        ),
        params![table, sum.rows, sum.total, sum.top],
    )?;
    conn.execute(
        &format!("UPDATE {SUMS} SET row_sum = {} WHERE tbl = ?1", row_expr(SUMS, &sums_columns(), "")),
        [table],
    )?;
    Ok(())
}

/// Checks every table read whole on open (see the module's comment), and `sqlite_sequence`
/// against the highest ids the tables held. While no table is too large to read whole, one
/// `integrity_check` of the whole file (pages, free list, every index against its table);
/// otherwise one per table read whole.
pub(crate) fn verify_tables(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let tx = conn.unchecked_transaction().map_err(sql_err(path))?;
    let sums = read_sums(&tx, path)?;
    let all = all_columns(&tx).map_err(sql_err(path))?;
    let mut whole = vec![SUMS];
    let mut too_large = false;
    for table in TABLES {
        // A table this build adds has no sums yet (see `verify_schema` for those that lost them).
        let Some(sum) = sums.get(*table) else { continue };
        if LARGE.contains(table) && sum.rows > WHOLE_UP_TO {
            too_large = true;
            continue;
        }
        let cols = all.get(*table).map(Vec::as_slice).unwrap_or_default();
        verify_whole(&tx, path, table, cols, *sum)?;
        whole.push(*table);
    }
    if !too_large {
        integrity(&tx, path, None)?;
    } else {
        for table in whole {
            integrity(&tx, path, Some(table))?;
        }
    }
    verify_sequences(&tx, path, &sums)?;
    tx.commit().map_err(sql_err(path))
}

/// Every row of `table` matches its row sum, and the rows add up to `sum`.
fn verify_whole(
    conn: &Connection,
    path: &Path,
    table: &str,
    cols: &[String],
    sum: Sum,
) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare(&format!("SELECT rowid, row_sum, {} FROM {table}", cols.join(", ")))
        .map_err(sql_err(path))?;
    let mut rows = stmt.query([]).map_err(sql_err(path))?;
    let mut checker = RowChecker::new(table, 0);
    while let Some(r) = rows.next().map_err(sql_err(path))? {
        if let Err(rowid) = checker.check(r).map_err(sql_err(path))? {
            return Err(damaged(path, format!("row {rowid} of table {table} does not match its checksum")));
        }
    }
    check_sum(path, table, checker.seen, sum)
}

/// The rows read of a whole table add up to what `catalog_sums` recorded.
pub(crate) fn check_sum(path: &Path, table: &str, seen: Sum, sum: Sum) -> Result<(), StoreError> {
    if seen.rows != sum.rows {
        return Err(damaged(
            path,
            format!("table {table} has {} rows where {} were written", seen.rows, sum.rows),
        ));
    }
    if seen.total != sum.total || seen.top > sum.top {
        return Err(damaged(path, format!("the rows of table {table} do not add up to their checksum")));
    }
    Ok(())
}

/// `PRAGMA integrity_check` of one table and its indexes (an index that lost or changed an
/// entry would make a lookup miss a row), or of the whole file.
fn integrity(conn: &Connection, path: &Path, table: Option<&str>) -> Result<(), StoreError> {
    let sql = match table {
        Some(t) => format!("PRAGMA integrity_check(\"{t}\")"),
        None => "PRAGMA integrity_check".to_owned(),
    };
    let mut stmt = conn.prepare(&sql).map_err(sql_err(path))?;
    let found: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .map_err(sql_err(path))?
        .collect::<rusqlite::Result<_>>()
        .map_err(sql_err(path))?;
    if found.len() == 1 && found[0] == "ok" {
        return Ok(());
    }
    let first = found.into_iter().next().unwrap_or_default();
    Err(damaged(path, format!("integrity check of {}: {first}", table.unwrap_or("the file"))))
}

/// `sqlite_sequence` (which picks the id of the next audience, import, run…) names, for each
/// table, the highest id the table ever held.
fn verify_sequences(conn: &Connection, path: &Path, sums: &HashMap<String, Sum>) -> Result<(), StoreError> {
    let has_sequence = conn
        .query_row("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'", [], |_| Ok(()))
        .optional()
        .map_err(sql_err(path))?
        .is_some();
    let seqs: Vec<(String, i64)> = if has_sequence {
        let mut stmt = conn.prepare("SELECT name, seq FROM sqlite_sequence").map_err(sql_err(path))?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql_err(path))?
            .collect::<rusqlite::Result<_>>()
            .map_err(sql_err(path))?
    } else {
        Vec::new()
    };
    for (table, seq) in &seqs {
        if sums.get(table).is_none_or(|s| s.top != *seq) {
            return Err(damaged(
                path,
                format!("the next id of table {table} does not match the ids it held"),
            ));
        }
    }
    let auto: Vec<String> = {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'")
            .map_err(sql_err(path))?;
        stmt.query_map([], |r| r.get(0))
            .map_err(sql_err(path))?
            .collect::<rusqlite::Result<_>>()
            .map_err(sql_err(path))?
    };
    for table in auto {
        let held = sums.get(&table).map_or(0, |s| s.top);
        if held > 0 && !seqs.iter().any(|(t, _)| *t == table) {
            return Err(damaged(path, format!("the next id of table {table} is missing")));
        }
    }
    Ok(())
}

impl Catalog {
    /// Rows of `sql`, a query on the [`LARGE`] table `table` alone whose last selected column
    /// is `{check}` (replaced by the row's checksum test); each row read is checked, mapped by
    /// `map` (which reads the other columns), and must satisfy `asked` (the query's condition,
    /// again: a damaged index entry may point at another, intact row).
    pub(crate) fn query_checked<T>(
        &self,
        table: &str,
        sql: &str,
        params: impl rusqlite::Params,
        mut map: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
        asked: impl Fn(&T) -> bool,
    ) -> Result<Vec<T>, StoreError> {
        let check = check_expr(self.conn(), table).map_err(sql_err(self.path()))?;
        let sql = sql.replace("{check}", &check);
        let rows = self.query_all(&sql, params, |r| {
            let last = r.as_ref().column_count() - 1;
            Ok((r.get::<_, bool>(last)?, map(r)?))
        })?;
        let mut out = Vec::with_capacity(rows.len());
        for (ok, row) in rows {
            if !ok || !asked(&row) {
                return Err(damaged(
                    self.path(),
                    format!("a row of table {table} does not match its checksum"),
                ));
            }
            out.push(row);
        }
        Ok(out)
    }

    /// Every row of the [`LARGE`] table `table` (`cols` selected, then mapped by `map`), each
    /// checked, and the whole checked against the table's recorded sums.
    pub(crate) fn scan_checked<T>(
        &self,
        table: &str,
        cols: &str,
        mut map: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let path = self.path();
        let err = sql_err(path);
        let tx = self.conn().unchecked_transaction().map_err(&err)?;
        let sum = self.recorded_sum(table)?;
        let all = columns(&tx, table).map_err(&err)?;
        let mut stmt = tx
            .prepare(&format!("SELECT {cols}, rowid, row_sum, {} FROM {table}", all.join(", ")))
            .map_err(&err)?;
        let mut checker = RowChecker::new(table, stmt.column_count() - 2 - all.len());
        let mut rows = stmt.query([]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&err)? {
            if let Err(rowid) = checker.check(r).map_err(&err)? {
                return Err(damaged(
                    path,
                    format!("row {rowid} of table {table} does not match its checksum"),
                ));
            }
            out.push(map(r).map_err(&err)?);
        }
        check_sum(path, table, checker.seen, sum)?;
        drop(rows);
        drop(stmt);
        tx.commit().map_err(err)?;
        Ok(out)
    }

    /// The recorded count and sums of `table`, checked.
    pub(crate) fn recorded_sum(&self, table: &str) -> Result<Sum, StoreError> {
        let check = format!("(row_sum IS {})", row_expr(SUMS, &sums_columns(), ""));
        let found = self.query_all(
            &format!("SELECT n_rows, total, top, {check} FROM {SUMS} WHERE tbl = ?1"),
            [table],
            |r| Ok((Sum { rows: r.get(0)?, total: r.get(1)?, top: r.get(2)? }, r.get::<_, bool>(3)?)),
        )?;
        match found.as_slice() {
            [(sum, true)] => Ok(*sum),
            _ => Err(damaged(self.path(), format!("the checksums of table {table} are missing or damaged"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AliasRow, Commit, Workspace};

    fn workspace() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::init(&dir.path().join("ws")).unwrap();
        (dir, ws)
    }

    fn alias(alias: i64, survivor: i64) -> AliasRow {
        AliasRow {
            alias,
            survivor,
            at: "2026-11-30T00:00:00Z".into(),
            import_id: Some(1),
            rule: "email".into(),
            identifier: "ana@x.com".into(),
        }
    }

    fn commit(
        ws: &mut Workspace,
        f: impl FnOnce(&crate::store::CatalogWriter) -> Result<(), StoreError> + 'static,
    ) {
        let lock = ws.lock().unwrap();
        let mut c = Commit::default();
        c.add_catalog(Box::new(f));
        ws.commit(&lock, c).unwrap();
    }

    #[test]
    fn a_new_catalog_has_current_sums_and_opening_it_again_writes_nothing() {
        let (dir, ws) = workspace();
        assert!(missing(ws.catalog().conn()).unwrap().is_empty());
        drop(ws);
        let db = dir.path().join("ws").join("catalog.db");
        let before = std::fs::read(&db).unwrap();
        Workspace::open(&dir.path().join("ws")).unwrap();
        assert_eq!(std::fs::read(&db).unwrap(), before, "a read-only open wrote to the catalog");
    }

    #[test]
    fn writes_keep_the_sums_replaced_and_deleted_rows_included() {
        let (dir, mut ws) = workspace();
        commit(&mut ws, |w| {
            w.insert_alias(&alias(5, 1))?;
            w.insert_alias(&alias(6, 1))?;
            // INSERT OR REPLACE deletes the row it replaces: its sum leaves the table's.
            w.insert_alias(&alias(5, 2))?;
            w.set_setting("k", "v1")?;
            w.set_setting("k", "v2")?;
            w.suppress(&["h1".into(), "h2".into(), "h1".into()])?;
            w.delete_alias(6)
        });
        drop(ws);
        let ws = Workspace::open(&dir.path().join("ws")).unwrap();
        let cat = ws.catalog();
        assert_eq!(cat.alias_ids().unwrap(), vec![5]);
        assert_eq!(cat.resolve_alias(5).unwrap(), 2);
        assert_eq!(cat.alias_count().unwrap(), 1);
        assert_eq!(cat.suppressed().unwrap().len(), 2);
        assert_eq!(cat.setting("k").unwrap().as_deref(), Some("v2"));
    }

    #[test]
    fn a_value_changed_behind_the_checksums_is_an_error_naming_the_catalog() {
        let (dir, mut ws) = workspace();
        commit(&mut ws, |w| w.set_setting("k", "v"));
        let conn = ws.catalog().conn();
        conn.execute_batch("DROP TRIGGER settings_sum_upd; UPDATE settings SET value = 'w' WHERE key = 'k'")
            .unwrap();
        drop(ws);
        let e = Workspace::open(&dir.path().join("ws")).err().unwrap();
        assert!(matches!(e, StoreError::CatalogDamaged { .. }), "{e}");
        assert!(e.to_string().contains("catalog.db"), "{e}");
    }

    #[test]
    fn a_row_of_a_large_table_is_checked_as_it_is_read() {
        let (_dir, mut ws) = workspace();
        commit(&mut ws, |w| w.insert_alias(&alias(5, 1)).and_then(|_| w.insert_alias(&alias(6, 1))));
        let cat = ws.catalog();
        assert_eq!(cat.aliases_of(1).unwrap().len(), 2);
        // Only the row sum changes: no trigger fires.
        cat.conn().execute_batch("UPDATE profile_aliases SET row_sum = row_sum + 1 WHERE alias = 6").unwrap();
        assert_eq!(cat.resolve_alias(5).unwrap(), 1);
        for e in [cat.resolve_alias(6).err(), cat.aliases_of(1).err(), cat.alias_ids().err()] {
            assert!(matches!(e, Some(StoreError::CatalogDamaged { .. })), "{e:?}");
        }
        // A row that went missing: the scan no longer adds up.
        cat.conn()
            .execute_batch(
                "DROP TRIGGER profile_aliases_sum_del; DELETE FROM profile_aliases WHERE alias = 6",
            )
            .unwrap();
        assert!(matches!(cat.alias_ids(), Err(StoreError::CatalogDamaged { .. })));
    }

    #[test]
    fn a_catalog_from_before_checksums_gets_them_on_open() {
        let (dir, ws) = workspace();
        let conn = ws.catalog().conn();
        let triggers: Vec<String> = {
            let mut s = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").unwrap();
            s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
        };
        for t in triggers {
            conn.execute_batch(&format!("DROP TRIGGER {t}")).unwrap();
        }
        conn.execute_batch("DROP TABLE catalog_sums").unwrap();
        for t in TABLES {
            conn.execute_batch(&format!("ALTER TABLE {t} DROP COLUMN row_sum")).unwrap();
        }
        conn.execute_batch("INSERT INTO settings (key, value) VALUES ('old', 'yes')").unwrap();
        drop(ws);
        let ws = Workspace::open(&dir.path().join("ws")).unwrap();
        assert!(missing(ws.catalog().conn()).unwrap().is_empty());
        assert_eq!(ws.catalog().setting("old").unwrap().as_deref(), Some("yes"));
        drop(ws);
        Workspace::open(&dir.path().join("ws")).unwrap();
    }

    #[test]
    fn the_sweep_keeps_a_snapshot_an_import_row_names_without_its_data_files_row() {
        let (dir, mut ws) = workspace();
        let root = dir.path().join("ws");
        let lock = ws.lock().unwrap();
        let table = crate::columns::Table::default();
        let staged = ws.stager(&lock).stage_import(1, &table).unwrap();
        let imp = crate::store::NewImport {
            id: 1,
            source: "crm".into(),
            file_name: "a.csv".into(),
            file_path: "a.csv".into(),
            file_bytes: 1,
            separator: ";".into(),
            imported_by: "t".into(),
            started_at: "2026-11-30T00:00:00Z".into(),
            finished_at: "2026-11-30T00:00:01Z".into(),
            outcome: "success".into(),
            lines_read: 1,
            rows_imported: 0,
            rows_rejected: 0,
            rows_opted_out: 0,
            columns: Vec::new(),
            history: Vec::new(),
            rejected_by_reason: Vec::new(),
            report_json: "{}".into(),
        };
        ws.commit(&lock, Commit { imports: vec![(imp, Some(staged))], ..Commit::default() }).unwrap();
        drop(lock);
        // Through hyperseg's own connection, so the checksums follow.
        ws.catalog
            .transaction(|tx| {
                tx.execute("DELETE FROM data_files WHERE path = 'imports/1.hsc'", [])
                    .map(drop)
                    .map_err(|e| StoreError::Catalog { path: root.clone(), source: e })
            })
            .unwrap();
        drop(ws);
        let ws = Workspace::open(&root).unwrap();
        drop(ws.lock().unwrap());
        assert!(root.join("imports/1.hsc").is_file(), "the sweep deleted an imported snapshot");
    }
}
