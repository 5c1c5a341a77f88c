//! How well a clustering matches known labels: the adjusted Rand index (Hubert and Arabie,
//! 1985), 1 for identical partitions (up to renaming), about 0 for chance.

/// The adjusted Rand index of two labelings of the same items.
pub fn adjusted_rand_index(a: &[u32], b: &[u32]) -> f64 {
    assert_eq!(a.len(), b.len(), "two labelings of the same items");
    let n = a.len();
    if n < 2 {
        return 1.0;
    }
    let ka = a.iter().copied().max().unwrap_or(0) as usize + 1;
    let kb = b.iter().copied().max().unwrap_or(0) as usize + 1;
    let mut table = vec![0u64; ka * kb];
    for (&x, &y) in a.iter().zip(b) {
        table[x as usize * kb + y as usize] += 1;
    }
    let pairs = |c: u64| (c * c.saturating_sub(1) / 2) as f64;
    let index: f64 = table.iter().map(|&c| pairs(c)).sum();
    let rows: f64 = (0..ka).map(|i| pairs(table[i * kb..(i + 1) * kb].iter().sum())).sum();
    let cols: f64 = (0..kb).map(|j| pairs((0..ka).map(|i| table[i * kb + j]).sum())).sum();
    let expected = rows * cols / pairs(n as u64);
    let max = (rows + cols) / 2.0;
    if max == expected {
        return 1.0;
    }
    (index - expected) / (max - expected)
}

#[cfg(test)]
mod tests {
    use super::adjusted_rand_index as ari;

    #[test]
    fn identical_up_to_renaming_is_one_and_known_values_match() {
        assert_eq!(ari(&[0, 0, 1, 1, 2, 2], &[2, 2, 0, 0, 1, 1]), 1.0);
        // scikit-learn: adjusted_rand_score([0, 0, 1, 1], [0, 0, 1, 2]) = 0.5714285714285714
        assert!((ari(&[0, 0, 1, 1], &[0, 0, 1, 2]) - 0.5714285714285714).abs() < 1e-12);
        // adjusted_rand_score([0, 0, 1, 2], [0, 0, 1, 1]) is symmetric.
        assert!((ari(&[0, 0, 1, 2], &[0, 0, 1, 1]) - 0.5714285714285714).abs() < 1e-12);
        // adjusted_rand_score([0, 0, 1, 1], [0, 1, 0, 1]) = -0.5
        assert!((ari(&[0, 0, 1, 1], &[0, 1, 0, 1]) + 0.5).abs() < 1e-12);
    }
}
