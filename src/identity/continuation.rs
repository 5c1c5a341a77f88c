//! Profile ids that continue across changed records.
//!
//! A source matched by content (no record id) cannot tell a changed row from a removed row
//! plus a new one: when every record of a person changes in a replacing dump, the person's
//! records all leave and new ones arrive. Without more, the person would get a new profile
//! id and the old one would be retired. So, after ids are assigned, a cluster made only of
//! new records takes the id of a profile that lost all its records in this run when the two
//! share a key under the rules in force (a phone, e-mail or CPF the departed records held):
//! it is the same person, changed. Hub values never carry an id over, and a key that
//! departed records of several profiles held carries none.

use super::assign::Assignment;
use super::config::IdentityConfig;
use super::keys::{Normalized, key_text};

/// The keys of records that left in this run, each with the profile they belonged to.
pub(crate) struct Departed {
    /// Per rule: key text → the profile of the departed records holding it (`None` when
    /// records of several profiles held it).
    by_rule: Vec<hashbrown::HashMap<Box<str>, Option<i64>>>,
}

impl Departed {
    /// Indexes the keys of departed records (`norm`, one record each) whose profile
    /// (`profiles`) is `retired`.
    pub fn new(
        norm: &Normalized,
        profiles: &[i64],
        config: &IdentityConfig,
        retired: &hashbrown::HashSet<i64>,
    ) -> Departed {
        let mut by_rule = vec![hashbrown::HashMap::new(); config.rules.len()];
        for (r, &p) in profiles.iter().enumerate().filter(|(_, p)| retired.contains(*p)) {
            for (i, rule) in config.rules.iter().enumerate() {
                if let Some(k) = key_text(norm, rule, r) {
                    by_rule[i]
                        .entry(k)
                        .and_modify(|e: &mut Option<i64>| {
                            if *e != Some(p) {
                                *e = None;
                            }
                        })
                        .or_insert(Some(p));
                }
            }
        }
        Departed { by_rule }
    }
}

/// What continuing ids needs of this run.
pub(crate) struct Run<'a> {
    pub labels: &'a [u32],
    pub norm: &'a Normalized,
    pub config: &'a IdentityConfig,
    /// Keys that are hubs in this run, per rule.
    pub hubs: &'a [hashbrown::HashSet<Box<str>>],
    /// Ids at or above this were created in this run.
    pub first_new_id: i64,
    /// The records as last committed.
    pub committed: &'a crate::ingest::records::Records,
    /// Each current record's index among `committed`, when known.
    pub committed_index: Option<&'a [u32]>,
    /// Committed imports already in memory (id, columns).
    pub loaded: &'a [(i64, crate::columns::Table)],
}

/// Gives each cluster of new records the id of a retired profile it shares a key with, and
/// takes that id out of `retired`. Returns the ids continued, as (new id it would have had,
/// continued id).
pub(crate) fn continue_ids(
    assignment: &mut Assignment,
    run: &Run,
    departed: &Departed,
    retired: &mut Vec<i64>,
) -> Vec<(i64, i64)> {
    let fresh = |c: usize| assignment.cluster_ids[c] >= run.first_new_id;
    // The oldest retired id each fresh cluster shares a key with.
    let mut best: hashbrown::HashMap<u32, i64> = hashbrown::HashMap::new();
    for (r, &c) in run.labels.iter().enumerate() {
        if !fresh(c as usize) {
            continue;
        }
        for (i, rule) in run.config.rules.iter().enumerate() {
            let Some(k) = key_text(run.norm, rule, r) else { continue };
            if run.hubs[i].contains(&k) {
                continue;
            }
            if let Some(Some(id)) = departed.by_rule[i].get(&k) {
                best.entry(c).and_modify(|b| *b = (*b).min(*id)).or_insert(*id);
            }
        }
    }
    let mut clusters: Vec<(u32, i64)> = best.into_iter().collect();
    clusters.sort_unstable();
    let mut available: hashbrown::HashSet<i64> = retired.iter().copied().collect();
    let mut continued = Vec::new();
    for (c, id) in clusters {
        if available.remove(&id) {
            continued.push((assignment.cluster_ids[c as usize], id));
            assignment.cluster_ids[c as usize] = id;
            assignment.created -= 1;
        }
    }
    retired.retain(|id| available.contains(id));
    continued
}
