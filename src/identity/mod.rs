//! Identity resolution: turns the imported contact rows into one profile per person.
//!
//! The stage normalises each identifier into a compact join key ([`normalize`]): phone →
//! international digits (E.164 without `+`, default country from the workspace, Brazil `55` by
//! default, with and without the mobile ninth digit giving the same key), e-mail → trimmed and
//! lower-cased, taxDocument (CPF) → 11 digits with verified check digits, name → lower-cased,
//! accents removed, spaces collapsed. Values that cannot be keys (impossible phones, malformed
//! e-mails, invalid or repeated-digit CPFs) are counted, never joined on. Records sharing a key
//! under the match rules ([`config`]) are linked by a partitioned parallel hash join
//! ([`join`]) and union-find ([`union_find`]); a key shared by more records than the hub
//! limit links nothing and is reported. Clusters get persistent profile ids ([`assign`]):
//! ids never change meaning, merges keep the older id and record the other as an alias with
//! its lineage. A name alone never links two records.
//!
//! Every run resolves all records of the workspace (it is linear and fast), so the result
//! never depends on the order imports arrived in, only ids do.

pub mod assign;
pub mod config;
pub mod join;
pub mod keys;
pub mod normalize;
pub mod profiles;
mod show;
pub mod union_find;

pub use config::{IdentityConfig, Rule};
pub use show::{ProfileView, SourceRecord, find_profile, write_assignment_csv};

use crate::columns::{Column, Table, days_from_date};
use crate::store::{
    AliasRow, CatalogWrites, EventRow, ImportFilter, StagedTable, StoreError, Workspace, WriteLock, snapshot,
};
use profiles::{Members, Source};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Settings keys.
const GENERATION: &str = "identity.generation";
const NEXT_ID: &str = "identity.next_profile_id";
const STATS: &str = "identity.stats";

/// What can go wrong in identity resolution.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("identity rules: {0}")]
    BadRule(String),
    #[error("no profile matches {0:?}")]
    NotFound(String),
    #[error("identity state of the workspace is inconsistent: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IdentityError {
    pub fn is_user_error(&self) -> bool {
        match self {
            IdentityError::BadRule(_) | IdentityError::NotFound(_) => true,
            IdentityError::Store(e) => e.is_user_error(),
            IdentityError::Corrupt(_) => false,
        }
    }
}

/// An identifier value the hub guard left out of linking.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct HubReport {
    pub rule: String,
    pub identifier: String,
    pub records: usize,
}

/// What a resolution run found.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ResolveStats {
    pub rules: Vec<String>,
    pub hub_limit: usize,
    pub records: usize,
    pub profiles: usize,
    pub profiles_before: usize,
    pub new_profiles: usize,
    pub merges: usize,
    pub splits: usize,
    /// Identifier values ignored for linking because too many records share them.
    pub hubs: Vec<HubReport>,
    pub invalid: keys::InvalidCounts,
    /// How many profiles have 1, 2, 3, 4, 5–9 and 10 or more records.
    pub records_per_profile: BTreeMap<String, u64>,
    pub links: usize,
}

/// A new import to resolve together with those already in the workspace.
pub struct NewSource<'a> {
    pub import_id: i64,
    pub table: &'a Table,
    pub started_at: &'a str,
}

/// What resolution adds to a commit.
pub struct IdentityCommit {
    pub files: Vec<(StagedTable, String)>,
    pub retire: Vec<String>,
    pub writes: CatalogWrites,
    pub stats: ResolveStats,
}

/// The workspace's identity configuration (the defaults until one is set).
pub fn load_config(ws: &Workspace) -> Result<IdentityConfig, IdentityError> {
    match ws.catalog().setting(config::SETTING)? {
        Some(json) => {
            serde_json::from_str(&json).map_err(|e| IdentityError::Corrupt(format!("configuration: {e}")))
        }
        None => Ok(IdentityConfig::default()),
    }
}

/// The statistics of the last resolution, if any ran.
pub fn last_stats(ws: &Workspace) -> Result<Option<ResolveStats>, IdentityError> {
    ws.catalog()
        .setting(STATS)?
        .map(|j| serde_json::from_str(&j).map_err(|e| IdentityError::Corrupt(format!("statistics: {e}"))))
        .transpose()
}

fn generation(ws: &Workspace) -> Result<u64, IdentityError> {
    Ok(ws.catalog().setting(GENERATION)?.and_then(|g| g.parse().ok()).unwrap_or(0))
}

/// The workspace folder of identity's data files.
const PROFILES_DIR: &str = "profiles";

fn assignment_file(g: u64) -> String {
    format!("{PROFILES_DIR}/assignment-{g}.hsc")
}

/// The profile table, built from the imported columns and the current assignment (one row
/// per profile, in order of first record), if resolution has run.
///
/// The table is derived data: an import does not write it, so it pays only for resolving
/// (the assignment). The first reader of a resolution builds it and leaves a cache,
/// `profiles/cache-table-G-vVERSION.hsc` (G the identity generation, VERSION this build's:
/// a build whose rules differ never reads another's cache), which later readers reload by
/// mmap instead of building again.
pub fn profile_table(ws: &Workspace) -> Result<Option<Table>, IdentityError> {
    let g = generation(ws)?;
    if g == 0 {
        return Ok(None);
    }
    let key = format!("{g}-v{}", env!("CARGO_PKG_VERSION"));
    if let Some(table) = ws.cached_table(PROFILES_DIR, "table", &key) {
        return with_enrichment(ws, table).map(Some);
    }
    let Some(current) = load_current(ws)? else { return Ok(None) };
    let table = current.profiles();
    ws.cache_table(PROFILES_DIR, "table", &key, &table);
    with_enrichment(ws, table).map(Some)
}

/// `table` with the enrichment stage's fields (messages, campaigns, extras) appended: they are
/// derived from its own rows and cache, so the identity cache stays the identity table.
fn with_enrichment(ws: &Workspace, table: Table) -> Result<Table, IdentityError> {
    let extra = crate::enrich::profile_columns(ws, &table)
        .map_err(|e| IdentityError::Corrupt(format!("enrichment: {e}")))?;
    if extra.is_empty() {
        return Ok(table);
    }
    let rows = table.rows();
    let mut columns = table.into_columns();
    columns.extend(extra);
    Ok(Table::new(rows, columns))
}

/// The workspace's imports, identifiers and profiles as of the last resolution.
pub(crate) struct Current {
    pub config: IdentityConfig,
    pub imports: Vec<LoadedImport>,
    pub norm: keys::Normalized,
    /// The profile of each record.
    pub record_profile: Vec<i64>,
}

/// A committed import, loaded: its id, file name, columns and import day.
pub(crate) struct LoadedImport {
    pub id: i64,
    pub file_name: String,
    pub table: Table,
    /// Days since 1970-01-01 (UTC) of the import's start.
    pub day: i32,
}

/// Every committed import, oldest first, with its columns reloaded.
fn load_imports(ws: &Workspace) -> Result<Vec<LoadedImport>, IdentityError> {
    let mut imports = Vec::new();
    for row in ws.catalog().list_imports(&ImportFilter::default())? {
        imports.push(LoadedImport {
            id: row.id,
            table: snapshot::read(&ws.data_path(&row.snapshot))?,
            day: day_of(&row.started_at),
            file_name: row.file_name,
        });
    }
    Ok(imports)
}

/// The loaded imports as sources for the profile table.
fn sources(imports: &[LoadedImport]) -> Vec<Source<'_>> {
    imports.iter().map(|i| Source { import_id: i.id, table: &i.table, day: i.day }).collect()
}

impl Current {
    /// The profile table (see [`profile_table`]).
    pub fn profiles(&self) -> Table {
        let sources = sources(&self.imports);
        // Profiles numbered densely in order of their first record.
        let mut dense: hashbrown::HashMap<i64, u32> = hashbrown::HashMap::new();
        let mut ids = Vec::new();
        let labels: Vec<u32> = self
            .record_profile
            .iter()
            .map(|&p| {
                *dense.entry(p).or_insert_with(|| {
                    ids.push(p);
                    ids.len() as u32 - 1
                })
            })
            .collect();
        let members = Members::new(&labels, ids.len());
        profiles::build(&sources, &self.norm, &members, &ids)
    }

    /// The one-row profile table of profile `id` (empty when no record belongs to it).
    pub fn profile(&self, id: i64) -> Table {
        let sources = sources(&self.imports);
        let records: Vec<u32> = (0..self.record_profile.len() as u32)
            .filter(|&r| self.record_profile[r as usize] == id)
            .collect();
        let members = Members { offsets: vec![0, records.len()], records };
        profiles::build(&sources, &self.norm, &members, &[id])
    }
}

/// Loads every import, normalises its identifiers, and reads the assignment.
pub(crate) fn load_current(ws: &Workspace) -> Result<Option<Current>, IdentityError> {
    let Some(assignment) = load_assignment(ws)? else { return Ok(None) };
    let config = load_config(ws)?;
    let imports = load_imports(ws)?;
    let tables: Vec<&Table> = imports.iter().map(|i| &i.table).collect();
    let norm = keys::normalize_all(&tables, &config);
    let record_profile = int_values(&assignment, "profile")?.to_vec();
    if record_profile.len() != norm.records {
        return Err(IdentityError::Corrupt(format!(
            "the assignment covers {} records but the imports hold {}",
            record_profile.len(),
            norm.records
        )));
    }
    Ok(Some(Current { config, imports, norm, record_profile }))
}

/// The current record → profile assignment (columns `import`, `profile`), if any.
pub fn load_assignment(ws: &Workspace) -> Result<Option<Table>, IdentityError> {
    match generation(ws)? {
        0 => Ok(None),
        g => Ok(Some(snapshot::read(&ws.data_path(&assignment_file(g)))?)),
    }
}

fn day_of(rfc3339: &str) -> i32 {
    chrono::DateTime::parse_from_rfc3339(rfc3339).map(|t| days_from_date(t.date_naive())).unwrap_or(0)
}

fn int_values<'a>(t: &'a Table, name: &str) -> Result<&'a [i64], IdentityError> {
    t.ints(name).ok_or_else(|| IdentityError::Corrupt(format!("column {name} is missing")))
}

/// Records linked into clusters.
pub struct Linked {
    pub norm: keys::Normalized,
    pub edges: Vec<join::Edge>,
    pub hubs: Vec<HubReport>,
    /// The cluster of each record, numbered in order of first record.
    pub labels: Vec<u32>,
    pub clusters: usize,
}

/// The compute core of resolution: normalises the identifiers of every record of `tables`
/// (in order), joins them under each rule, and links the records into clusters.
pub fn link(tables: &[&Table], config: &IdentityConfig) -> Linked {
    let norm = keys::normalize_all(tables, config);
    let mut edges = Vec::new();
    let mut hubs = Vec::new();
    for (i, rule) in config.rules.iter().enumerate() {
        let k = keys::rule_keys(&norm, rule);
        let (e, h) = join::group(&k, i as u16, config.hub_limit);
        edges.extend(e);
        hubs.extend(h.into_iter().map(|h| HubReport {
            rule: rule.label(),
            identifier: keys::display_key(&norm, rule, h.record as usize),
            records: h.count,
        }));
    }
    let mut uf = union_find::UnionFind::new(norm.records);
    for e in &edges {
        uf.union(e.a, e.b);
    }
    let labels = uf.into_labeling();
    let clusters = labels.iter().max().map_or(0, |&m| m as usize + 1);
    Linked { norm, edges, hubs, labels, clusters }
}

/// Pairwise precision and recall of `labels` against `truth` (a person per record): of the
/// record pairs put together, the share that are one person; of the pairs that are one person,
/// the share put together. Computed from cluster-size counts, without listing pairs.
pub fn pairwise_precision_recall(labels: &[u32], truth: &[u64]) -> (f64, f64) {
    assert_eq!(labels.len(), truth.len(), "one truth value per record");
    let pairs =
        |counts: &hashbrown::HashMap<(u64, u64), u64>| counts.values().map(|&n| n * (n - 1) / 2).sum::<u64>();
    let mut by_cluster = hashbrown::HashMap::new();
    let mut by_person = hashbrown::HashMap::new();
    let mut by_both = hashbrown::HashMap::new();
    for (&l, &t) in labels.iter().zip(truth) {
        *by_cluster.entry((u64::from(l), 0)).or_insert(0u64) += 1;
        *by_person.entry((t, 0)).or_insert(0u64) += 1;
        *by_both.entry((u64::from(l), t)).or_insert(0u64) += 1;
    }
    let (found, real, both) = (pairs(&by_cluster), pairs(&by_person), pairs(&by_both));
    let ratio = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    (ratio(both, found), ratio(both, real))
}

/// Resolves every record of the workspace plus `new` imports into profiles, under `config`
/// (the stored one when `None`). Nothing is written until the returned commit lands.
pub fn resolve(
    ws: &Workspace,
    lock: &WriteLock,
    new: &[NewSource],
    config: Option<IdentityConfig>,
    now: &str,
) -> Result<IdentityCommit, IdentityError> {
    let config = match config {
        Some(c) => c,
        None => load_config(ws)?,
    };
    config.validate()?;
    // Every import already committed, oldest first, then the new ones.
    let old = load_imports(ws)?;
    let mut sources = sources(&old);
    sources.extend(new.iter().map(|s| Source {
        import_id: s.import_id,
        table: s.table,
        day: day_of(s.started_at),
    }));
    let old_records: usize = old.iter().map(|i| i.table.rows()).sum();

    let g = generation(ws)?;
    let (previous, origin): (Vec<i64>, Vec<i64>) = match load_assignment(ws)? {
        Some(t) => {
            let prev = int_values(&t, "profile")?.to_vec();
            let origin = int_values(&t, "origin")?.to_vec();
            if prev.len() != old_records || origin.len() != old_records {
                return Err(IdentityError::Corrupt(format!(
                    "the assignment covers {} records but the imports hold {old_records}",
                    prev.len()
                )));
            }
            (prev, origin)
        }
        None => (Vec::new(), Vec::new()),
    };
    let alias_ids: hashbrown::HashSet<i64> = ws.catalog().alias_ids()?.into_iter().collect();
    let next_id: i64 = ws.catalog().setting(NEXT_ID)?.and_then(|v| v.parse().ok()).unwrap_or(1);
    let profiles_before = previous.iter().collect::<hashbrown::HashSet<_>>().len();

    let tables: Vec<&Table> = sources.iter().map(|s| s.table).collect();
    let Linked { norm, edges, hubs, labels, clusters } = link(&tables, &config);
    let earlier = assign::Earlier { current: &previous, origin: &origin, aliases: &alias_ids };
    let assignment = assign::assign(&labels, clusters, &earlier, &edges, next_id);
    let mut sizes = vec![0usize; clusters];
    for &l in &labels {
        sizes[l as usize] += 1;
    }

    let record_import: Vec<i64> =
        sources.iter().flat_map(|s| std::iter::repeat_n(s.import_id, s.table.rows())).collect();
    let record_profile: Vec<i64> = labels.iter().map(|&l| assignment.cluster_ids[l as usize]).collect();
    // Each record's original id: kept for earlier records, the id it gets now for new ones.
    let record_origin: Vec<i64> =
        origin.iter().copied().chain(record_profile[origin.len()..].iter().copied()).collect();
    let assignment_table = Table::new(
        norm.records,
        vec![
            Column::system_ints("import", record_import),
            Column::system_ints("profile", record_profile),
            Column::system_ints("origin", record_origin),
        ],
    );

    let mut distribution = BTreeMap::new();
    for size in sizes {
        let bucket = match size {
            n @ 1..=4 => n.to_string(),
            5..=9 => "5-9".to_owned(),
            _ => "10+".to_owned(),
        };
        *distribution.entry(bucket).or_insert(0u64) += 1;
    }
    let stats = ResolveStats {
        rules: config.rules.iter().map(Rule::label).collect(),
        hub_limit: config.hub_limit,
        records: norm.records,
        profiles: clusters,
        profiles_before,
        new_profiles: assignment.created,
        merges: assignment.merges.len(),
        splits: assignment.splits.len(),
        hubs,
        invalid: norm.invalid.clone(),
        records_per_profile: distribution,
        links: edges.len(),
    };

    let next = g + 1;
    let files = vec![(ws.stage_table(lock, &assignment_table)?, assignment_file(next))];
    let retire = if g == 0 { Vec::new() } else { vec![assignment_file(g)] };

    let record_import = assignment_table.ints("import").expect("the assignment has an import column");
    let import_of = |r: u32| record_import[r as usize];
    let aliases: Vec<AliasRow> = assignment
        .merges
        .iter()
        .map(|m| {
            let (rule, identifier) = m.edge.map_or((String::new(), String::new()), |e| {
                let rule = &config.rules[e.rule as usize];
                (rule.label(), keys::display_key(&norm, rule, e.a as usize))
            });
            AliasRow {
                alias: m.alias,
                survivor: m.survivor,
                at: now.to_owned(),
                import_id: m.edge.map(|e| import_of(e.a.max(e.b))),
                rule,
                identifier,
            }
        })
        .collect();
    let newest_import = new.last().map(|s| s.import_id);
    let mut events: Vec<EventRow> = aliases
        .iter()
        .map(|a| EventRow {
            profile: a.survivor,
            event: "merged".into(),
            other: a.alias,
            at: now.to_owned(),
            import_id: a.import_id,
            detail: if a.rule.is_empty() { String::new() } else { format!("{}: {}", a.rule, a.identifier) },
        })
        .collect();
    events.extend(assignment.splits.iter().map(|s| EventRow {
        profile: s.from,
        event: "split".into(),
        other: s.to,
        at: now.to_owned(),
        import_id: newest_import,
        detail: if assignment.revived.contains(&s.to) {
            "records no longer linked under the rules in force; their earlier id names them again".into()
        } else {
            "records no longer linked under the rules in force".into()
        },
    }));
    let revived = assignment.revived.clone();
    let stats_json = serde_json::to_string(&stats).expect("stats serialise");
    let config_json = serde_json::to_string(&config).expect("config serialises");
    let next_id = assignment.next_id;
    let writes: CatalogWrites = Box::new(move |w| {
        w.set_setting(GENERATION, &next.to_string())?;
        w.set_setting(NEXT_ID, &next_id.to_string())?;
        w.set_setting(STATS, &stats_json)?;
        w.set_setting(config::SETTING, &config_json)?;
        for id in &revived {
            w.delete_alias(*id)?;
        }
        for a in &aliases {
            w.insert_alias(a)?;
        }
        for e in &events {
            w.insert_event(e)?;
        }
        Ok(())
    });
    Ok(IdentityCommit { files, retire, writes, stats })
}

/// Adds a resolution to a commit.
pub fn add_to_commit(commit: &mut crate::store::Commit, identity: IdentityCommit) -> ResolveStats {
    commit.files.extend(identity.files);
    commit.retire.extend(identity.retire);
    let writes = identity.writes;
    commit.catalog = Some(match commit.catalog.take() {
        Some(before) => Box::new(move |w| {
            before(w)?;
            writes(w)
        }),
        None => writes,
    });
    identity.stats
}

#[cfg(test)]
mod tests;
