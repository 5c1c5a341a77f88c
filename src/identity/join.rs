//! Grouping records by key: a partitioned hash join (the polars habit). Entries are
//! scattered into partitions by the top bits of their mixed key (each parallel task counts
//! its own, then partitions are joined), each partition is sorted and scanned for runs of
//! equal keys, and each run links its records — unless it is a hub, shared by more records
//! than the limit.

use super::keys::{Entry, RuleKeys, Texts};
use rayon::prelude::*;

const PARTITION_BITS: u32 = 8;
const PARTITIONS: usize = 1 << PARTITION_BITS;
const TASK_ENTRIES: usize = if cfg!(debug_assertions) { 100 } else { 1 << 16 };

/// Two records linked by a rule's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    pub a: u32,
    pub b: u32,
    pub rule: u16,
}

/// A key value that ties together too many different people to be trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubKey {
    /// A record holding the key (to display it).
    pub record: u32,
    pub count: usize,
    /// The most distinct values of another identifier among its records.
    pub people: usize,
}

/// How many different people a group of records sharing a key holds: the most distinct
/// values of any other identifier among them.
pub type PeopleCount<'a> = &'a (dyn Fn(&[u32]) -> usize + Sync);

use crate::columns::hash::mix64 as mix;

/// Links the records of every key of one rule; returns the links and the hub keys. A key is a
/// hub when the records sharing it carry more than `hub_limit` distinct values of another
/// identifier (`people`): how often one record was imported never makes it one.
pub fn group(keys: &RuleKeys, rule: u16, hub_limit: usize, people: PeopleCount) -> (Vec<Edge>, Vec<HubKey>) {
    let partition = |e: &Entry| (mix(e.key) >> (64 - PARTITION_BITS)) as usize;
    // Each task splits its slice of entries into partitions.
    let per_task: Vec<Vec<Vec<Entry>>> = keys
        .entries
        .par_chunks(TASK_ENTRIES)
        .map(|chunk| {
            let mut counts = [0usize; PARTITIONS];
            for e in chunk {
                counts[partition(e)] += 1;
            }
            let mut parts: Vec<Vec<Entry>> = counts.iter().map(|&c| Vec::with_capacity(c)).collect();
            for e in chunk {
                parts[partition(e)].push(*e);
            }
            parts
        })
        .collect();
    let texts = &keys.texts;
    let results: Vec<(Vec<Edge>, Vec<HubKey>)> = (0..PARTITIONS)
        .into_par_iter()
        .map(|p| {
            let mut part: Vec<Entry> = Vec::with_capacity(per_task.iter().map(|t| t[p].len()).sum());
            for t in &per_task {
                part.extend_from_slice(&t[p]);
            }
            link_partition(part, texts, rule, hub_limit, people)
        })
        .collect();
    let mut edges = Vec::with_capacity(keys.entries.len());
    let mut hubs = Vec::new();
    for (e, h) in results {
        edges.extend(e);
        hubs.extend(h);
    }
    hubs.sort_by_key(|h| std::cmp::Reverse(h.count));
    (edges, hubs)
}

fn link_partition(
    mut part: Vec<Entry>,
    texts: &Texts,
    rule: u16,
    hub_limit: usize,
    people: PeopleCount,
) -> (Vec<Edge>, Vec<HubKey>) {
    let is_text = texts.is_text();
    let same = |a: &Entry, b: &Entry| a.key == b.key && (!is_text || texts.get(a.idx) == texts.get(b.idx));
    if is_text {
        part.sort_unstable_by(|a, b| {
            a.key
                .cmp(&b.key)
                .then_with(|| texts.get(a.idx).cmp(texts.get(b.idx)))
                .then(a.record.cmp(&b.record))
        });
    } else {
        part.sort_unstable_by_key(|e| (e.key, e.record));
    }
    let mut edges = Vec::new();
    let mut hubs = Vec::new();
    let mut start = 0;
    while start < part.len() {
        let mut end = start + 1;
        while end < part.len() && same(&part[start], &part[end]) {
            end += 1;
        }
        let run = &part[start..end];
        let distinct = match run.len() > hub_limit {
            true => people(&run.iter().map(|e| e.record).collect::<Vec<_>>()),
            false => 0,
        };
        if distinct > hub_limit {
            hubs.push(HubKey { record: run[0].record, count: run.len(), people: distinct });
        } else {
            edges.extend(run[1..].iter().map(|e| Edge { a: run[0].record, b: e.record, rule }));
        }
        start = end;
    }
    (edges, hubs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(keys: &[u64]) -> RuleKeys<'static> {
        RuleKeys {
            entries: keys
                .iter()
                .enumerate()
                .map(|(r, &key)| Entry { key, record: r as u32, idx: 0 })
                .collect(),
            texts: Texts::None,
        }
    }

    /// Every record a different person.
    fn all_apart(records: &[u32]) -> usize {
        records.len()
    }

    #[test]
    fn links_equal_keys_and_skips_hubs() {
        // Records 0, 2, 4 share key 7; records 1 and 3 share 9; key 5 is on 1 record.
        let (mut edges, hubs) = group(&entries(&[7, 9, 7, 9, 7, 5]), 0, 50, &all_apart);
        edges.sort_by_key(|e| (e.a, e.b));
        assert_eq!(edges.iter().map(|e| (e.a, e.b)).collect::<Vec<_>>(), vec![(0, 2), (0, 4), (1, 3)]);
        assert!(hubs.is_empty());
        let (edges, hubs) = group(&entries(&[7, 9, 7, 9, 7, 5]), 0, 2, &all_apart);
        assert_eq!(edges.len(), 1);
        assert_eq!(hubs, vec![HubKey { record: 0, count: 3, people: 3 }]);
    }

    #[test]
    fn a_key_on_many_records_of_one_person_is_no_hub() {
        let (edges, hubs) = group(&entries(&[7; 100]), 0, 50, &|_| 1);
        assert!(hubs.is_empty());
        assert_eq!(edges.len(), 99);
    }

    #[test]
    fn text_keys_with_equal_hashes_stay_apart() {
        let keys = RuleKeys {
            entries: vec![
                Entry { key: 1, record: 0, idx: 0 },
                Entry { key: 1, record: 1, idx: 1 },
                Entry { key: 1, record: 2, idx: 2 },
            ],
            texts: Texts::Owned(vec!["a".into(), "b".into(), "a".into()]),
        };
        let (edges, _) = group(&keys, 0, 50, &all_apart);
        assert_eq!(edges.iter().map(|e| (e.a, e.b)).collect::<Vec<_>>(), vec![(0, 2)]);
    }

    #[test]
    fn many_keys_cross_partitions_and_tasks() {
        let keys: Vec<u64> = (0..10_000u64).map(|i| i % 3_000).collect();
        let (edges, hubs) = group(&entries(&keys), 0, 50, &all_apart);
        assert!(hubs.is_empty());
        assert_eq!(edges.len(), 10_000 - 3_000);
        assert!(edges.iter().all(|e| keys[e.a as usize] == keys[e.b as usize] && e.a < e.b));
    }
}
