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
pub mod consent;
mod continuation;
mod ids;
pub mod join;
pub mod keys;
mod live;
pub mod normalize;
pub mod profiles;
mod reuse;
mod show;
pub mod union_find;

pub use config::{IdentityConfig, Rule};
pub use show::{ProfileView, SourceRecord, find_profile, write_assignment_csv};

use crate::columns::{Column, Table, days_from_date};
use crate::ingest::{self, records::Records};
use crate::store::{
    AliasRow, CatalogWrites, EventRow, StagedTable, StoreError, Workspace, WriteLock, snapshot,
};
use live::Live;
pub use live::RecordTimes;
use profiles::Members;
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
    /// The most distinct values of another identifier (phone, e-mail, CPF or name) among
    /// those records: how many different people the value ties together, at least.
    #[serde(default)]
    pub people: usize,
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
    /// Profiles left with no record (their ids are never given again).
    #[serde(default)]
    pub retired: usize,
    /// Profiles whose most recent consent statement is a no.
    #[serde(default)]
    pub opted_out: usize,
    /// Profiles whose records all changed, continued by the new records that share a key
    /// with them (see `continuation`).
    #[serde(default)]
    pub continued: usize,
    /// The first [`RETIRED_LISTED`] of them; `profiles show` finds every one's history.
    #[serde(default)]
    pub retired_ids: Vec<i64>,
}

/// How many retired profile ids a resolution's statistics list.
pub const RETIRED_LISTED: usize = 100;

/// A new import to resolve together with those already in the workspace.
pub struct NewSource<'a> {
    pub import_id: i64,
    pub file_name: &'a str,
    pub table: &'a Table,
    pub started_at: &'a str,
}

/// What resolution adds to a commit.
pub struct IdentityCommit {
    pub files: Vec<(StagedTable, String)>,
    pub retire: Vec<String>,
    pub writes: CatalogWrites,
    pub stats: ResolveStats,
    /// The identity generation the commit makes current.
    pub generation: u64,
    /// The profile table of this resolution (see [`profile_table`]), built while the
    /// records were in memory, so the first reader after an import does not derive it.
    pub profiles: Table,
}

impl IdentityCommit {
    /// The generation and profile table, taken out (to cache once the commit lands).
    pub fn take_profiles(&mut self) -> (u64, Table) {
        (self.generation, std::mem::take(&mut self.profiles))
    }
}

/// Caches `table` as the profile table of identity generation `generation` (best effort:
/// a reader derives it again when the cache is missing).
pub fn cache_profile_table(ws: &Workspace, generation: u64, table: &Table) {
    ws.cache_table(PROFILES_DIR, "table", &cache_key(generation), table);
}

/// Where [`keep_profile_cache`] expects the profile table staged.
pub fn profile_cache_stager(ws: &Workspace) -> crate::store::Stager {
    ws.cache_stager(PROFILES_DIR)
}

/// Puts a profile table staged by [`profile_cache_stager`] in place as the cache of
/// generation `generation`, once that generation is committed.
pub fn keep_profile_cache(ws: &Workspace, generation: u64, staged: crate::store::StagedTable) {
    ws.keep_cache(PROFILES_DIR, "table", &cache_key(generation), staged);
}

fn cache_key(generation: u64) -> String {
    format!("{generation}-v{}", env!("CARGO_PKG_VERSION"))
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
    profile_table_if(ws, |_| true)
}

/// [`profile_table`], caching a table it builds only when `keep` accepts it: a command that
/// fails on the table (a filter naming no field) then leaves nothing behind.
pub fn profile_table_if(
    ws: &Workspace,
    keep: impl FnOnce(&Table) -> bool,
) -> Result<Option<Table>, IdentityError> {
    match resolved_profile_table(ws, keep)? {
        Some(table) => with_derived_fields(ws, table).map(Some),
        None => Ok(None),
    }
}

/// The profile table of the last resolution, without derived fields: from its cache, else
/// built (and cached when `keep` accepts it).
fn resolved_profile_table(
    ws: &Workspace,
    keep: impl FnOnce(&Table) -> bool,
) -> Result<Option<Table>, IdentityError> {
    let g = generation(ws)?;
    if g == 0 {
        return Ok(None);
    }
    let key = cache_key(g);
    if let Some(table) = ws.cached_table(PROFILES_DIR, "table", &key) {
        return Ok(Some(table));
    }
    let Some(current) = load_current(ws)? else { return Ok(None) };
    let table = current.profiles();
    if keep(&table) {
        ws.cache_table(PROFILES_DIR, "table", &key, &table);
    }
    Ok(Some(table))
}

/// `table` with the fields later stages derive per profile appended: enrichment (messages,
/// campaigns, extras) and stored lead scores (`NAME`, `NAME_temperature`). They are derived
/// from their own rows and caches, so the identity cache stays the identity table.
pub fn with_derived_fields(ws: &Workspace, mut table: Table) -> Result<Table, IdentityError> {
    for c in derived_fields(ws, &table)? {
        table.set_column(c);
    }
    Ok(table)
}

/// The columns [`with_derived_fields`] appends to `table`.
pub fn derived_fields(ws: &Workspace, table: &Table) -> Result<Vec<Column>, IdentityError> {
    let extra = crate::enrich::profile_columns(ws, table)
        .map_err(|e| IdentityError::Corrupt(format!("enrichment: {e}")))?;
    let scores = crate::score::profile_columns(ws, table)
        .map_err(|e| IdentityError::Corrupt(format!("scores: {e}")))?;
    Ok(extra.into_iter().chain(scores).collect())
}

/// The workspace's records, identifiers and profiles as of the last resolution.
pub(crate) struct Current {
    pub config: IdentityConfig,
    pub live: Live<'static>,
    pub opt_outs: Table,
    pub norm: keys::Normalized,
    /// The profile of each record.
    pub record_profile: Vec<i64>,
}

impl Current {
    /// The profile table (see [`profile_table`]).
    pub fn profiles(&self) -> Table {
        let sources = self.live.sources();
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
        let members = Members::by_recency(&labels, ids.len(), &self.live.times.changed_import);
        let mut table = profiles::build(&sources, &self.norm, &members, &ids, &self.live.times);
        table.set_column(self.consent(&labels, ids.len()));
        table
    }

    /// The consent column for profiles labelled `labels` (one label per record).
    fn consent(&self, labels: &[u32], profiles: usize) -> Column {
        let record_import = self.live.record_imports();
        let inputs = consent::ConsentInputs {
            tables: &self.live.tables(),
            norm: &self.norm,
            record_import: &record_import,
            labels,
            profiles,
            opt_outs: &self.opt_outs,
            config: &self.config,
        };
        consent::column(&consent::states(&inputs))
    }

    /// The one-row profile table of profile `id` (empty when no record belongs to it).
    pub fn profile(&self, id: i64) -> Table {
        let sources = self.live.sources();
        let labels: Vec<u32> = self.record_profile.iter().map(|&p| u32::from(p != id)).collect();
        let members = Members::by_recency(&labels, 2, &self.live.times.changed_import);
        let one = Members { offsets: vec![0, members.of(0).len()], records: members.of(0).to_vec() };
        let mut table = profiles::build(&sources, &self.norm, &one, &[id], &self.live.times);
        let consent = self.consent(&labels, 2);
        let first = Table::new(2, vec![consent]).take(&[0]);
        table.set_column(first.columns()[0].clone());
        table
    }
}

/// Loads the current records, normalises their identifiers, and reads the assignment.
pub(crate) fn load_current(ws: &Workspace) -> Result<Option<Current>, IdentityError> {
    let Some(assignment) = load_assignment(ws)? else { return Ok(None) };
    let config = load_config(ws)?;
    let current = ingest::records::load(ws)?;
    let live = live::load(ws, &current.records, &[], &[])?;
    let norm = keys::normalize_all(&live.tables(), &config);
    let previous = live::Previous::read(&assignment)?;
    let record_profile = previous.profiles_of(&live.record_ids, None)?;
    Ok(Some(Current { config, live, opt_outs: current.opt_outs, norm, record_profile }))
}

/// The current records and the profile of each, as of the last resolution.
pub fn record_profiles(ws: &Workspace) -> Result<(Records, Vec<i64>), IdentityError> {
    let records = ingest::records::load(ws)?.records;
    let Some(assignment) = load_assignment(ws)? else { return Ok((records, Vec::new())) };
    let profiles = live::Previous::read(&assignment)?.profiles_of(&records.record, None)?;
    Ok((records, profiles))
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
    /// The hub keys of each rule (as key text).
    pub hub_keys: Vec<hashbrown::HashSet<Box<str>>>,
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
    let mut hub_keys = Vec::new();
    let names = RawNames::new(tables);
    for (i, rule) in config.rules.iter().enumerate() {
        let k = keys::rule_keys(&norm, rule);
        let people = |records: &[u32]| people_among(&norm, &names, rule, records);
        let (e, h) = join::group(&k, i as u16, config.hub_limit, &people);
        edges.extend(e);
        hub_keys.push(h.iter().filter_map(|h| keys::key_text(&norm, rule, h.record as usize)).collect());
        hubs.extend(h.into_iter().map(|h| HubReport {
            rule: rule.label(),
            identifier: keys::display_key(&norm, rule, h.record as usize),
            records: h.count,
            people: h.people,
        }));
    }
    let mut uf = union_find::UnionFind::new(norm.records);
    for e in &edges {
        uf.union(e.a, e.b);
    }
    let labels = uf.into_labeling();
    let clusters = labels.iter().max().map_or(0, |&m| m as usize + 1);
    Linked { norm, edges, hubs, hub_keys, labels, clusters }
}

/// The name of each record, read from its table when a hub candidate needs it.
struct RawNames<'a> {
    tables: &'a [&'a Table],
    starts: Vec<usize>,
}

impl<'a> RawNames<'a> {
    fn new(tables: &'a [&'a Table]) -> RawNames<'a> {
        let mut starts = vec![0];
        for t in tables {
            starts.push(starts[starts.len() - 1] + t.rows());
        }
        RawNames { tables, starts }
    }

    fn key(&self, r: u32) -> Option<String> {
        let r = r as usize;
        let t = self.starts.partition_point(|&s| s <= r) - 1;
        let column = self.tables[t].canonical(crate::columns::CanonicalField::Name)?;
        match column.data.value(r - self.starts[t]) {
            crate::columns::Value::Text(v) => Some(normalize::name_key(v)).filter(|k| !k.is_empty()),
            _ => None,
        }
    }
}

/// How many different people `records` (sharing a key of `rule`) are at least: the most
/// distinct values among them of an identifier the rule does not use — phone, e-mail, CPF or
/// name. A person re-imported a hundred times counts once; `teste@teste.com` on 500
/// people counts 500.
fn people_among(norm: &keys::Normalized, names: &RawNames, rule: &Rule, records: &[u32]) -> usize {
    use crate::columns::CanonicalField as F;
    let mut most = 1;
    let mut count = |values: &mut dyn Iterator<Item = u64>| {
        let set: hashbrown::HashSet<u64> = values.collect();
        most = most.max(set.len());
    };
    let uses = |f: F| rule.fields.contains(&f);
    if !uses(F::PhoneNumber) {
        count(&mut records.iter().filter_map(|&r| norm.phone[r as usize]));
    }
    if !uses(F::TaxDocument) {
        count(&mut records.iter().filter_map(|&r| norm.cpf[r as usize]));
    }
    if !uses(F::Email) {
        count(&mut records.iter().filter_map(|&r| norm.email[r as usize].as_deref().map(keys::hash_text)));
    }
    if !uses(F::Name) {
        count(&mut records.iter().filter_map(|&r| names.key(r).map(|k| keys::hash_text(&k))));
    }
    most
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
/// The records to resolve: the current ones, the consent statements of opted-out rows, and
/// the new imports (not yet committed) some of them come from.
pub struct RecordSet<'a> {
    pub records: &'a Records,
    /// The records as last committed (the records this run drops are those not in `records`).
    pub committed: &'a Records,
    /// Committed imports the caller already holds in memory (id, columns).
    pub loaded: &'a [(i64, Table)],
    pub opt_outs: &'a Table,
    pub new: &'a [NewSource<'a>],
    /// Each of `records`' index among `committed` (`ingest::records::NEW_RECORD` for a new
    /// one), when the caller knows it: what was known of a record is then found by position.
    pub committed_index: Option<&'a [u32]>,
}

pub fn resolve(
    ws: &Workspace,
    lock: &WriteLock,
    set: &RecordSet,
    config: Option<IdentityConfig>,
    now: &str,
) -> Result<IdentityCommit, IdentityError> {
    let (records, new) = (set.records, set.new);
    let config = match config {
        Some(c) => c,
        None => load_config(ws)?,
    };
    config.validate()?;
    let live = live::load(ws, records, new, set.loaded)?;

    let g = generation(ws)?;
    let previous = match load_assignment(ws)? {
        Some(t) => live::Previous::read(&t)?,
        None => live::Previous::none(),
    };
    let live::Earlier { profile: earlier_profile, origin, row: earlier_row } =
        previous.earlier(&live.record_ids, set.committed_index);
    let alias_ids: hashbrown::HashSet<i64> = ws.catalog().alias_ids()?.into_iter().collect();
    let next_id: i64 = ws.catalog().setting(NEXT_ID)?.and_then(|v| v.parse().ok()).unwrap_or(1);
    let before = previous.profile_ids();
    let profiles_before = before.len();

    let Linked { norm, edges, hubs, hub_keys, labels, clusters } = link(&live.tables(), &config);
    let earlier = assign::Earlier { current: &earlier_profile, origin: &origin, aliases: &alias_ids };
    let mut assignment = assign::assign(&labels, clusters, &earlier, &edges, next_id);
    // Profiles whose records have all left: retired (their ids are never given again),
    // unless changed records of the same person continue them.
    let now_ids = ids::IdSet::new(&assignment.cluster_ids);
    let merged: hashbrown::HashSet<i64> = assignment.merges.iter().map(|m| m.alias).collect();
    let retired_before = |id: &i64| !now_ids.contains(*id) && !merged.contains(id);
    let mut retired: Vec<i64> = before.iter().copied().filter(retired_before).collect();
    let run = continuation::Run {
        labels: &labels,
        norm: &norm,
        config: &config,
        hubs: &hub_keys,
        first_new_id: next_id,
        committed: set.committed,
        committed_index: set.committed_index,
        loaded: set.loaded,
    };
    let continued = continue_retired(ws, &live, &previous, &run, &mut assignment, &mut retired)?;
    let mut sizes = vec![0usize; clusters];
    for &l in &labels {
        sizes[l as usize] += 1;
    }

    let record_import = live.record_imports();
    let record_profile: Vec<i64> = labels.iter().map(|&l| assignment.cluster_ids[l as usize]).collect();
    // Each record's original id: kept for earlier records, the id it gets now for new ones.
    let record_origin: Vec<i64> =
        origin.iter().zip(&record_profile).map(|(&o, &p)| if o == 0 { p } else { o }).collect();
    let assignment_table = Table::new(
        norm.records,
        vec![
            Column::system_ints("record", live.record_ids.clone()),
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
    let mut stats = ResolveStats {
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
        retired: retired.len(),
        continued: continued.len(),
        opted_out: 0,
        retired_ids: retired.iter().copied().take(RETIRED_LISTED).collect(),
    };

    let members = Members::by_recency(&labels, clusters, &live.times.changed_import);
    let earlier_table = earlier_profile_table(ws, g, &config)?;
    let earlier = earlier_table.as_ref().map(|table| reuse::Earlier {
        table,
        profile: &earlier_profile,
        row: &earlier_row,
        first_new_import: new.iter().map(|s| s.import_id).min().unwrap_or(i64::MAX),
    });
    let sources = live.sources();
    let inputs = reuse::Inputs {
        sources: &sources,
        norm: &norm,
        members: &members,
        ids: &assignment.cluster_ids,
        times: &live.times,
    };
    let mut profile_table = reuse::build(&inputs, earlier.as_ref());
    let inputs = consent::ConsentInputs {
        tables: &live.tables(),
        norm: &norm,
        record_import: &record_import,
        labels: &labels,
        profiles: clusters,
        opt_outs: set.opt_outs,
        config: &config,
    };
    let consent_states = consent::states(&inputs);
    stats.opted_out = consent_states.iter().filter(|s| s.0).count();
    profile_table.set_column(consent::column(&consent_states));
    let next = g + 1;
    let files = vec![(ws.stage_table(lock, &assignment_table)?, assignment_file(next))];
    let retire = if g == 0 { Vec::new() } else { vec![assignment_file(g)] };

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
    events.extend(retired.iter().map(|&id| EventRow {
        profile: id,
        event: "retired".into(),
        other: 0,
        at: now.to_owned(),
        import_id: newest_import,
        detail: "every record of the profile left its source".into(),
    }));
    let revived = assignment.revived.clone();
    let stats_json = serde_json::to_string(&stats).expect("stats serialise");
    let config_json = serde_json::to_string(&config).expect("config serialises");
    let next_id = assignment.next_id;
    let resolved_at = now.to_owned();
    let writes: CatalogWrites = Box::new(move |w| {
        w.set_setting(GENERATION, &next.to_string())?;
        w.set_setting(NEXT_ID, &next_id.to_string())?;
        w.set_setting(STATS, &stats_json)?;
        w.insert_resolution(&resolved_at, newest_import, &stats_json)?;
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
    Ok(IdentityCommit { files, retire, writes, stats, generation: next, profiles: profile_table })
}

/// The profile table of generation `g` from its cache, when it was resolved under `config`
/// (its rows can then be carried over; see `reuse`).
fn earlier_profile_table(
    ws: &Workspace,
    g: u64,
    config: &IdentityConfig,
) -> Result<Option<Table>, IdentityError> {
    if g == 0 {
        return Ok(None);
    }
    let resolved_under = ws.catalog().setting(config::SETTING)?;
    let now = serde_json::to_string(config).expect("config serialises");
    if resolved_under.as_deref() != Some(now.as_str()) {
        return Ok(None);
    }
    Ok(ws.cached_table(PROFILES_DIR, "table", &cache_key(g)))
}

/// Continues retired ids in clusters of new records that share a key with the records
/// those profiles lost (see `continuation`); returns the ids continued.
fn continue_retired(
    ws: &Workspace,
    live: &Live,
    previous: &live::Previous,
    run: &continuation::Run,
    assignment: &mut assign::Assignment,
    retired: &mut Vec<i64>,
) -> Result<Vec<(i64, i64)>, IdentityError> {
    if retired.is_empty() || assignment.created == 0 {
        return Ok(Vec::new());
    }
    let (departed, indices) = live::departed(run.committed, &live.record_ids, run.committed_index);
    if departed.is_empty() {
        return Ok(Vec::new());
    }
    let gone = live::load(ws, &departed, &[], run.loaded)?;
    let norm = keys::normalize_all(&gone.tables(), run.config);
    let profiles = previous.profiles_of(&gone.record_ids, Some(&indices))?;
    let retired_set: hashbrown::HashSet<i64> = retired.iter().copied().collect();
    let index = continuation::Departed::new(&norm, &profiles, run.config, &retired_set);
    Ok(continuation::continue_ids(assignment, run, &index, retired))
}

/// Adds a resolution to a commit.
pub fn add_to_commit(commit: &mut crate::store::Commit, identity: IdentityCommit) -> ResolveStats {
    commit.files.extend(identity.files);
    commit.retire.extend(identity.retire);
    commit.add_catalog(identity.writes);
    identity.stats
}

#[cfg(test)]
pub(crate) mod tests;
