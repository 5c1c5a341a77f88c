//! Criterion bench for the catalog's checksums (see `src/store/catalog_sums.rs`) on a catalog
//! holding many nights of lineage at a million profiles: opening it (schema hash, every small
//! table checked whole with `integrity_check`), reading a large table whole with every row
//! checked against the same SELECT unchecked, `PRAGMA quick_check` of the whole file, and
//! writing lineage rows through the checksum triggers.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hyperseg::store::{AliasRow, AudienceSizeRow, Commit, EventRow, Workspace};
use std::path::Path;

const ALIASES: i64 = 300_000;
const EVENTS: i64 = 300_000;
const SUPPRESSED: i64 = 100_000;
/// Nights of small-table history: audience sizes (20 audiences) and resolutions.
const NIGHTS: i64 = 365;

fn alias(i: i64) -> AliasRow {
    AliasRow {
        alias: 1_000_000 + i,
        survivor: i / 2,
        at: "2026-11-30T03:00:00.123Z".into(),
        import_id: Some(i / 10_000 + 1),
        rule: "phoneNumber".into(),
        identifier: format!("55119{i:08}"),
    }
}

fn event(i: i64) -> EventRow {
    EventRow {
        profile: i / 3,
        event: "merge".into(),
        other: 1_000_000 + i,
        at: "2026-11-30T03:00:00.123Z".into(),
        import_id: Some(i / 10_000 + 1),
        detail: format!("phoneNumber 55119{i:08}"),
    }
}

/// A workspace whose large tables hold `aliases`, `events` and `suppressed` rows.
fn build(root: &Path, aliases: i64, events: i64, suppressed: i64) -> Workspace {
    let mut ws = Workspace::init(root).expect("a new workspace");
    let lock = ws.lock().expect("the lock");
    let mut commit = Commit::default();
    commit.add_catalog(Box::new(move |w| {
        for i in 0..aliases {
            w.insert_alias(&alias(i))?;
        }
        for i in 0..events {
            w.insert_event(&event(i))?;
        }
        w.suppress(&(0..suppressed).map(|i| format!("{:064x}", i * 7919)).collect::<Vec<_>>())?;
        for night in 0..NIGHTS {
            let at = format!("2026-{:02}-{:02}T03:00:00Z", 1 + night / 31 % 12, 1 + night % 28);
            w.insert_resolution(&at, Some(night + 1), r#"{"profiles":1000000,"merges":1200,"splits":3}"#)?;
            for a in 0..20 {
                let row =
                    AudienceSizeRow { audience_id: a, at: at.clone(), size: 40_000, joined: 300, left: 280 };
                w.insert_audience_size(&row)?;
            }
        }
        Ok(())
    }));
    ws.commit(&lock, commit).expect("the commit");
    drop(lock);
    ws
}

#[allow(clippy::print_stderr)] // the catalog's size, for the figures
fn checksums(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path().join("ws");
    drop(build(&root, ALIASES, EVENTS, SUPPRESSED));
    // Large tables at the size up to which an open still reads them whole.
    let at_limit = dir.path().join("at-limit");
    drop(build(&at_limit, 5_000, 5_000, 5_000));
    let db = root.join("catalog.db");
    eprintln!("catalog.db: {} bytes", std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0));
    let raw = rusqlite::Connection::open(&db).expect("the catalog");
    let mut group = c.benchmark_group("catalog");
    group.sample_size(10);
    group.bench_function("open", |b| b.iter(|| Workspace::open(&root).expect("opens")));
    group
        .bench_function("open/large-tables-at-5k", |b| b.iter(|| Workspace::open(&at_limit).expect("opens")));
    group.bench_function("quick_check", |b| {
        b.iter(|| raw.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)).expect("runs"))
    });
    group.bench_function("integrity_check", |b| {
        b.iter(|| raw.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).expect("runs"))
    });
    let ws = Workspace::open(&root).expect("opens");
    group.throughput(Throughput::Elements(ALIASES as u64));
    group.bench_function("aliases/checked", |b| b.iter(|| ws.catalog().alias_ids().expect("reads").len()));
    group.bench_function("aliases/unchecked", |b| {
        b.iter(|| {
            let mut stmt = raw.prepare("SELECT alias FROM profile_aliases").expect("prepares");
            stmt.query_map([], |r| r.get::<_, i64>(0)).expect("runs").count()
        })
    });
    group.throughput(Throughput::Elements(SUPPRESSED as u64));
    group
        .bench_function("suppressed/checked", |b| b.iter(|| ws.catalog().suppressed().expect("reads").len()));
    group.bench_function("suppressed/unchecked", |b| {
        b.iter(|| {
            let mut stmt = raw.prepare("SELECT hash FROM suppressed").expect("prepares");
            stmt.query_map([], |r| r.get::<_, String>(0)).expect("runs").count()
        })
    });
    group.finish();
    writes(c);
}

/// 10,000 events written in one commit, through the triggers.
fn writes(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut ws = Workspace::init(&dir.path().join("ws")).expect("a new workspace");
    let mut group = c.benchmark_group("catalog");
    group.sample_size(10);
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("events/write", |b| {
        b.iter(|| {
            let lock = ws.lock().expect("the lock");
            let mut commit = Commit::default();
            commit.add_catalog(Box::new(|w| (0..10_000).try_for_each(|i| w.insert_event(&event(i)))));
            ws.commit(&lock, commit).expect("the commit");
        })
    });
    // The same rows into a table without triggers or row sums, for comparison.
    let plain = rusqlite::Connection::open(dir.path().join("plain.db")).expect("a database");
    plain
        .execute_batch(
            "CREATE TABLE profile_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, profile INTEGER NOT NULL,
                event TEXT NOT NULL, other INTEGER NOT NULL, at TEXT NOT NULL, import_id INTEGER,
                detail TEXT NOT NULL);
             CREATE INDEX profile_events_profile ON profile_events(profile);
             PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;",
        )
        .expect("the table");
    group.bench_function("events/write-unchecked", |b| {
        b.iter(|| {
            let tx = plain.unchecked_transaction().expect("a transaction");
            for i in 0..10_000 {
                let e = event(i);
                tx.prepare_cached(
                    "INSERT INTO profile_events (profile, event, other, at, import_id, detail)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .and_then(|mut s| {
                    s.execute(rusqlite::params![e.profile, e.event, e.other, e.at, e.import_id, e.detail])
                })
                .expect("inserts");
            }
            tx.commit().expect("commits");
        })
    });
    group.finish();
}

criterion_group!(benches, checksums);
criterion_main!(benches);
