//! Disjoint sets over `0..n` (petgraph's habit): parent links with path halving, union by
//! rank, and a final labelling.

/// Union-find over `0..n`.
pub struct UnionFind {
    parent: Vec<u32>,
    rank: Vec<u8>,
}

impl UnionFind {
    pub fn new(n: usize) -> Self {
        assert!(n <= u32::MAX as usize, "union-find holds at most 2^32 elements");
        Self { parent: (0..n as u32).collect(), rank: vec![0; n] }
    }

    /// The representative of `x`'s set. Panics when `x` is out of range.
    pub fn find(&mut self, mut x: u32) -> u32 {
        assert!((x as usize) < self.parent.len(), "element {x} out of range");
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    /// Joins the sets of `a` and `b`; returns whether they were apart.
    pub fn union(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        let (hi, lo) = if self.rank[ra as usize] >= self.rank[rb as usize] { (ra, rb) } else { (rb, ra) };
        self.parent[lo as usize] = hi;
        if self.rank[hi as usize] == self.rank[lo as usize] {
            self.rank[hi as usize] += 1;
        }
        true
    }

    /// A label per element: sets numbered 0.. in the order of their smallest element.
    pub fn into_labeling(mut self) -> Vec<u32> {
        let n = self.parent.len();
        let mut label_of_root = vec![u32::MAX; n];
        let mut labels = Vec::with_capacity(n);
        let mut next = 0;
        for x in 0..n as u32 {
            let root = self.find(x) as usize;
            if label_of_root[root] == u32::MAX {
                label_of_root[root] = next;
                next += 1;
            }
            labels.push(label_of_root[root]);
        }
        labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unions_are_transitive_and_labels_ordered() {
        let mut uf = UnionFind::new(6);
        assert!(uf.union(4, 5));
        assert!(uf.union(1, 4));
        assert!(!uf.union(5, 1));
        assert!(uf.union(0, 2));
        assert_eq!(uf.into_labeling(), vec![0, 1, 0, 2, 1, 1]);
    }

    #[test]
    fn a_long_chain_collapses() {
        let n = 100_000u32;
        let mut uf = UnionFind::new(n as usize);
        for i in 1..n {
            uf.union(i - 1, i);
        }
        assert!(uf.into_labeling().iter().all(|&l| l == 0));
    }
}
