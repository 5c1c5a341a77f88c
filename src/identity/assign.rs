//! Persistent profile ids: clusters found in this run are matched to the ids records had
//! before, so ids never change meaning.
//!
//! - A cluster with no earlier records gets a new id (ids only grow: an older profile has a
//!   smaller id).
//! - An earlier id lives on in the cluster holding its earliest record (its home).
//! - A cluster that is home to several earlier ids keeps the oldest; the others become its
//!   aliases (a merge).
//! - A cluster home to no earlier id, whose earlier records first belonged to a profile that
//!   was later merged away (an alias), gets that alias's id back: undoing a merge revives the
//!   id, so an id keeps naming the records it named.
//! - Earlier records that land in a cluster which is not their id's home get that cluster's
//!   id (a split, when their id lives on elsewhere).

use super::join::Edge;

/// A merge: `alias` now lives on as `survivor`; `edge` is a link that joined them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merge {
    pub survivor: i64,
    pub alias: i64,
    pub edge: Option<Edge>,
}

/// A split: some of `from`'s records now form profile `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    pub from: i64,
    pub to: i64,
}

/// Profile ids for this run's clusters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// Profile id of each cluster (indexed by cluster label).
    pub cluster_ids: Vec<i64>,
    /// Clusters that got a new id.
    pub created: usize,
    pub merges: Vec<Merge>,
    pub splits: Vec<Split>,
    /// Alias ids that name a profile again.
    pub revived: Vec<i64>,
    pub next_id: i64,
}

/// What earlier runs left: for each record, its current profile id and the id it was first
/// given (0 for a record new in this run); and the ids merged away (aliases). Both lists
/// are as long as the records, or shorter when only the first records are earlier ones.
pub struct Earlier<'a> {
    pub current: &'a [i64],
    pub origin: &'a [i64],
    pub aliases: &'a hashbrown::HashSet<i64>,
}

/// Dense positions for the distinct non-zero ids of a list, in ascending id order: by offset
/// when the ids are compact (the usual case, ids being handed out in sequence), else by
/// binary search.
struct IdIndex {
    /// The distinct ids, ascending.
    ids: Vec<i64>,
    /// Position of `id - ids[0]` when the ids span at most a few times their count.
    by_offset: Option<Vec<u32>>,
}

impl IdIndex {
    fn new(list: &[i64]) -> IdIndex {
        let mut ids: Vec<i64> = list.iter().copied().filter(|&id| id != 0).collect();
        ids.sort_unstable();
        ids.dedup();
        let span = match (ids.first(), ids.last()) {
            (Some(&a), Some(&b)) => b.abs_diff(a) as usize + 1,
            _ => 0,
        };
        let by_offset = (span <= 8 * ids.len() + 1024).then(|| {
            let mut at = vec![u32::MAX; span];
            for (i, &id) in ids.iter().enumerate() {
                at[(id - ids[0]) as usize] = i as u32;
            }
            at
        });
        IdIndex { ids, by_offset }
    }

    /// The position of `id`, which must be one of the list's non-zero ids.
    fn get(&self, id: i64) -> usize {
        match &self.by_offset {
            Some(at) => at[(id - self.ids[0]) as usize] as usize,
            None => self.ids.binary_search(&id).expect("the id is in the list"),
        }
    }
}

/// Matches clusters (`labels[record]`, numbered by first record) to earlier ids.
pub fn assign(
    labels: &[u32],
    clusters: usize,
    earlier: &Earlier,
    edges: &[Edge],
    mut next_id: i64,
) -> Assignment {
    let previous = earlier.current;
    let index = IdIndex::new(previous);
    // The home cluster of each earlier id: the cluster of its earliest record.
    let mut home = vec![u32::MAX; index.ids.len()];
    for (r, &id) in previous.iter().enumerate().filter(|(_, id)| **id != 0) {
        let h = &mut home[index.get(id)];
        if *h == u32::MAX {
            *h = labels[r];
        }
    }
    // Ascending ids: a cluster's first is its oldest (the survivor), the others its aliases.
    let mut cluster_ids = vec![0i64; clusters];
    let mut merges: Vec<(u32, Merge)> = Vec::new();
    for (&id, &c) in index.ids.iter().zip(&home) {
        match cluster_ids[c as usize] {
            0 => cluster_ids[c as usize] = id,
            survivor => merges.push((c, Merge { survivor, alias: id, edge: None })),
        }
    }
    merges.sort_by_key(|(c, _)| *c);
    let mut merges: Vec<Merge> = merges.into_iter().map(|(_, m)| m).collect();
    // Aliases that could name a profile again: the cluster of their earliest original record.
    let mut revivable: hashbrown::HashMap<u32, i64> = hashbrown::HashMap::new();
    if !earlier.aliases.is_empty() {
        let mut seen = hashbrown::HashSet::new();
        for (r, &origin) in earlier.origin.iter().enumerate() {
            if earlier.aliases.contains(&origin) && seen.insert(origin) {
                let best = revivable.entry(labels[r]).or_insert(origin);
                *best = (*best).min(origin);
            }
        }
    }
    let mut created = 0;
    let mut revived = Vec::new();
    for (c, id) in cluster_ids.iter_mut().enumerate().filter(|(_, id)| **id == 0) {
        match revivable.get(&(c as u32)) {
            Some(&alias) => {
                *id = alias;
                revived.push(alias);
            }
            None => {
                *id = next_id;
                next_id += 1;
                created += 1;
            }
        }
    }
    // Each alias is merged once (an earlier id has one home cluster): its merge, by alias.
    let merge_of: hashbrown::HashMap<i64, usize> =
        merges.iter().enumerate().map(|(i, m)| (m.alias, i)).collect();
    // Splits: earlier records whose cluster's id is not theirs and whose id lives elsewhere.
    let mut splits: Vec<Split> = Vec::new();
    let mut seen = hashbrown::HashSet::new();
    for (r, &id) in previous.iter().enumerate().filter(|(_, id)| **id != 0) {
        let now = cluster_ids[labels[r] as usize];
        let merged_here = merge_of.get(&id).is_some_and(|&i| merges[i].survivor == now);
        if now != id && !merged_here && seen.insert((id, now)) {
            splits.push(Split { from: id, to: now });
        }
    }
    // For each merge, the first link (in edge order) that crosses from the alias's earlier
    // records to the rest of the survivor's cluster: one pass over the edges for all merges.
    let owner = |r: u32| previous.get(r as usize).copied().filter(|&id| id != 0);
    let mut open = merges.len();
    for e in edges {
        if open == 0 {
            break;
        }
        let (a, b) = (owner(e.a), owner(e.b));
        if a == b {
            continue;
        }
        let cluster = cluster_ids[labels[e.a as usize] as usize];
        for side in [a, b].into_iter().flatten() {
            if let Some(&i) = merge_of.get(&side)
                && merges[i].edge.is_none()
                && merges[i].survivor == cluster
            {
                merges[i].edge = Some(*e);
                open -= 1;
            }
        }
    }
    revived.sort_unstable();
    Assignment { cluster_ids, created, merges, splits, revived, next_id }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none<'a>(current: &'a [i64], origin: &'a [i64]) -> Earlier<'a> {
        static EMPTY: std::sync::OnceLock<hashbrown::HashSet<i64>> = std::sync::OnceLock::new();
        Earlier { current, origin, aliases: EMPTY.get_or_init(Default::default) }
    }

    #[test]
    fn first_run_numbers_clusters_in_order() {
        let a = assign(&[0, 1, 0, 2], 3, &none(&[], &[]), &[], 1);
        assert_eq!(a.cluster_ids, vec![1, 2, 3]);
        assert_eq!((a.created, a.next_id), (3, 4));
    }

    #[test]
    fn rerun_keeps_ids_and_new_records_join_or_create() {
        // Earlier: records 0..3 were profiles 1, 2, 1. Now record 3 is new and joins 2's cluster,
        // record 4 is new and alone.
        let labels = [0, 1, 0, 1, 2];
        let a = assign(&labels, 3, &none(&[1, 2, 1], &[1, 2, 1]), &[], 3);
        assert_eq!(a.cluster_ids, vec![1, 2, 3]);
        assert_eq!(a.created, 1);
        assert!(a.merges.is_empty() && a.splits.is_empty());
    }

    #[test]
    fn a_new_record_merging_two_profiles_keeps_the_older_id() {
        // Earlier: 0 → profile 5, 1 → profile 4. New record 2 links them.
        let edges = [Edge { a: 0, b: 2, rule: 0 }, Edge { a: 1, b: 2, rule: 2 }];
        let a = assign(&[0, 0, 0], 1, &none(&[5, 4], &[5, 4]), &edges, 6);
        assert_eq!(a.cluster_ids, vec![4]);
        assert_eq!(a.merges.len(), 1);
        assert_eq!((a.merges[0].survivor, a.merges[0].alias), (4, 5));
        assert_eq!(a.merges[0].edge, Some(edges[0]));
        assert_eq!(a.created, 0);
    }

    #[test]
    fn a_profile_falling_apart_keeps_its_id_where_its_first_record_is() {
        // Earlier 0 and 1 were profile 7; now they are apart (say a key became a hub).
        let a = assign(&[0, 1], 2, &none(&[7, 7], &[7, 7]), &[], 8);
        assert_eq!(a.cluster_ids, vec![7, 8]);
        assert_eq!(a.splits, vec![Split { from: 7, to: 8 }]);
    }

    #[test]
    fn records_new_in_this_run_are_zero_anywhere_in_the_list() {
        // Record 0 is new, record 1 was profile 3, record 2 is new and alone.
        let a = assign(&[0, 0, 1], 2, &none(&[0, 3, 0], &[0, 3, 0]), &[], 4);
        assert_eq!(a.cluster_ids, vec![3, 4]);
        assert_eq!((a.created, a.splits.len(), a.merges.len()), (1, 0, 0));
    }

    #[test]
    fn id_positions_agree_by_offset_and_by_search() {
        let list = [0, 9, 3, 9, 1_000_000_000, 3, 0, 4];
        let sparse = IdIndex::new(&list);
        assert!(sparse.by_offset.is_none(), "ids spread far apart are searched");
        let dense = IdIndex::new(&[9, 3, 4, 0, 3]);
        assert!(dense.by_offset.is_some());
        assert_eq!(sparse.ids, vec![3, 4, 9, 1_000_000_000]);
        for (i, &id) in sparse.ids.iter().enumerate() {
            assert_eq!(sparse.get(id), i);
        }
        for (i, &id) in dense.ids.iter().enumerate() {
            assert_eq!(dense.get(id), i);
        }
    }

    #[test]
    fn merges_are_listed_by_cluster_then_alias() {
        // Cluster 0 holds earlier ids 9 and 4; cluster 1 holds 2, 8 and 5.
        let a = assign(&[0, 1, 0, 1, 1], 2, &none(&[9, 2, 4, 8, 5], &[9, 2, 4, 8, 5]), &[], 10);
        assert_eq!(a.cluster_ids, vec![4, 2]);
        let pairs: Vec<(i64, i64)> = a.merges.iter().map(|m| (m.survivor, m.alias)).collect();
        assert_eq!(pairs, vec![(4, 9), (2, 5), (2, 8)]);
    }

    #[test]
    fn undoing_a_merge_revives_the_alias_id() {
        // Records 0 (born 1) and 1 (born 2) were merged into 1; now they are apart again.
        let aliases: hashbrown::HashSet<i64> = [2].into_iter().collect();
        let earlier = Earlier { current: &[1, 1], origin: &[1, 2], aliases: &aliases };
        let a = assign(&[0, 1], 2, &earlier, &[], 3);
        assert_eq!(a.cluster_ids, vec![1, 2]);
        assert_eq!(a.revived, vec![2]);
        assert_eq!((a.created, a.next_id), (0, 3));
        assert_eq!(a.splits, vec![Split { from: 1, to: 2 }]);
    }

    proptest::proptest! {
        /// Merge links and splits are what the plain definitions give (each merge: the first
        /// edge crossing from its alias's records into the survivor's cluster).
        #[test]
        fn merge_links_and_splits_follow_their_definitions(
            labels in proptest::collection::vec(0u32..6, 1..40),
            ids in proptest::collection::vec(1i64..8, 0..40),
            pairs in proptest::collection::vec((0usize..40, 0usize..40), 0..60),
        ) {
            let clusters = 6;
            let earlier_len = ids.len().min(labels.len());
            let current = &ids[..earlier_len];
            let edges: Vec<Edge> = pairs
                .iter()
                .map(|&(a, b)| Edge { a: (a % labels.len()) as u32, b: (b % labels.len()) as u32, rule: 0 })
                .collect();
            let got = assign(&labels, clusters, &none(current, current), &edges, 100);
            let owner = |r: u32| current.get(r as usize).copied();
            for m in &got.merges {
                let want = edges.iter().find(|e| {
                    let (a, b) = (owner(e.a), owner(e.b));
                    (a == Some(m.alias)) != (b == Some(m.alias))
                        && got.cluster_ids[labels[e.a as usize] as usize] == m.survivor
                });
                proptest::prop_assert_eq!(m.edge.as_ref(), want);
            }
            let mut splits = Vec::new();
            for (r, &id) in current.iter().enumerate() {
                let now = got.cluster_ids[labels[r] as usize];
                let merged_here = got.merges.iter().any(|m| m.alias == id && m.survivor == now);
                let split = Split { from: id, to: now };
                if now != id && !merged_here && !splits.contains(&split) {
                    splits.push(split);
                }
            }
            proptest::prop_assert_eq!(got.splits, splits);
        }
    }
}
