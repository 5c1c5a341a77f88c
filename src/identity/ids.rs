//! Sets of profile ids, and rows by profile id. Ids are given in sequence, so the ids of a resolution are dense over
//! their range: a mark per id in that range is smaller and faster than sorting or hashing them.

/// A set of profile ids.
pub(crate) enum IdSet {
    /// A mark per id from `min`.
    Marks { min: i64, marks: Vec<bool> },
    /// Ascending, without repeats (ids spread too thinly for marks).
    Sorted(Vec<i64>),
}

/// The smallest of `ids` and the span of their range, when a slot per id in that range costs
/// no more than a few per id.
fn dense_range(ids: &[i64]) -> Option<(i64, usize)> {
    let (&min, &max) = (ids.iter().min()?, ids.iter().max()?);
    let span = max.abs_diff(min).saturating_add(1);
    (span <= 4 * ids.len() as u64 + 4096).then_some((min, span as usize))
}

impl IdSet {
    pub fn new(ids: &[i64]) -> IdSet {
        let Some((min, span)) = dense_range(ids) else {
            let mut sorted = ids.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            return IdSet::Sorted(sorted);
        };
        let mut marks = vec![false; span];
        for &id in ids {
            marks[id.abs_diff(min) as usize] = true;
        }
        IdSet::Marks { min, marks }
    }

    pub fn contains(&self, id: i64) -> bool {
        match self {
            IdSet::Marks { min, marks } => {
                id >= *min && marks.get(id.abs_diff(*min) as usize).copied().unwrap_or(false)
            }
            IdSet::Sorted(ids) => ids.binary_search(&id).is_ok(),
        }
    }

    /// The ids, ascending.
    pub fn ascending(&self) -> Vec<i64> {
        match self {
            IdSet::Marks { min, marks } => {
                marks.iter().enumerate().filter(|(_, m)| **m).map(|(i, _)| min + i as i64).collect()
            }
            IdSet::Sorted(ids) => ids.clone(),
        }
    }
}

/// The row of each id of a list, by id: a slot per id over their range when they are dense,
/// else a hash map. An id listed twice maps to its last row.
pub(crate) enum IdRows {
    Dense { min: i64, rows: Vec<u32> },
    Hashed(hashbrown::HashMap<i64, u32>),
}

impl IdRows {
    const NONE: u32 = u32::MAX;

    pub fn new(ids: &[i64]) -> IdRows {
        let dense = dense_range(ids).filter(|_| ids.len() < Self::NONE as usize);
        let Some((min, span)) = dense else {
            return IdRows::Hashed(ids.iter().enumerate().map(|(row, &id)| (id, row as u32)).collect());
        };
        let mut rows = vec![Self::NONE; span];
        for (row, &id) in ids.iter().enumerate() {
            rows[id.abs_diff(min) as usize] = row as u32;
        }
        IdRows::Dense { min, rows }
    }

    pub fn get(&self, id: i64) -> Option<u32> {
        match self {
            IdRows::Dense { min, rows } if id >= *min => {
                rows.get(id.abs_diff(*min) as usize).copied().filter(|&r| r != Self::NONE)
            }
            IdRows::Dense { .. } => None,
            IdRows::Hashed(map) => map.get(&id).copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{IdRows, IdSet};

    #[test]
    fn rows_by_id_agree_with_a_hash_map() {
        for ids in
            [vec![5, 3, 9, 4, 3], vec![-2, 7, 0], vec![1, 1 << 40, 3], vec![], vec![i64::MIN, i64::MAX]]
        {
            let want: hashbrown::HashMap<i64, u32> =
                ids.iter().enumerate().map(|(row, &id)| (id, row as u32)).collect();
            let rows = IdRows::new(&ids);
            for probe in [-3, -2, 0, 1, 3, 4, 5, 6, 7, 9, 10, 1 << 40, i64::MIN, i64::MAX] {
                assert_eq!(rows.get(probe), want.get(&probe).copied(), "{probe} in {ids:?}");
            }
        }
        assert!(matches!(IdRows::new(&[1, 2, 3]), IdRows::Dense { .. }));
        assert!(matches!(IdRows::new(&[1, 1 << 40]), IdRows::Hashed(_)));
    }

    #[test]
    fn dense_and_sparse_sets_agree_with_a_sorted_list() {
        for ids in
            [vec![5, 3, 3, 9, 4], vec![-2, 7, 7, 0], vec![1, 1 << 40, 3], vec![], vec![i64::MIN, i64::MAX]]
        {
            let mut want = ids.clone();
            want.sort_unstable();
            want.dedup();
            let set = IdSet::new(&ids);
            assert_eq!(set.ascending(), want, "{ids:?}");
            for probe in [-3, -2, 0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 1 << 40, i64::MIN, i64::MAX] {
                assert_eq!(set.contains(probe), want.contains(&probe), "{probe} in {ids:?}");
            }
        }
        assert!(matches!(IdSet::new(&[1, 2, 3]), IdSet::Marks { .. }));
        assert!(matches!(IdSet::new(&[1, 1 << 40]), IdSet::Sorted(_)));
    }
}
