//! A packed validity (or selection) bitmap: bit `i` set means row `i` is valid / selected.

/// Bits packed little-endian into `u64` words; bits past `len` are always zero.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bitmap {
    words: Vec<u64>,
    len: usize,
}

impl Bitmap {
    /// A bitmap of `len` bits, all set.
    pub fn new_set(len: usize) -> Self {
        let mut words = vec![u64::MAX; len.div_ceil(64)];
        if let Some(last) = words.last_mut().filter(|_| !len.is_multiple_of(64)) {
            *last = (1u64 << (len % 64)) - 1;
        }
        Self { words, len }
    }

    /// A bitmap of `len` bits, all clear.
    pub fn new_unset(len: usize) -> Self {
        Self { words: vec![0; len.div_ceil(64)], len }
    }

    /// An empty bitmap with room for `cap` bits.
    pub fn with_capacity(cap: usize) -> Self {
        Self { words: Vec::with_capacity(cap.div_ceil(64)), len: 0 }
    }

    /// Rebuilds a bitmap from its words, clearing any bits past `len`.
    ///
    /// Returns `None` when `words` has the wrong length for `len`.
    pub fn from_words(mut words: Vec<u64>, len: usize) -> Option<Self> {
        if words.len() != len.div_ceil(64) {
            return None;
        }
        if let Some(last) = words.last_mut().filter(|_| !len.is_multiple_of(64)) {
            *last &= (1u64 << (len % 64)) - 1;
        }
        Some(Self { words, len })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The packed words (little-endian bit order inside each word).
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// Bit `i`. Panics when `i >= len`.
    #[inline]
    pub fn get(&self, i: usize) -> bool {
        assert!(i < self.len, "bit {i} out of range for a bitmap of {} bits", self.len);
        self.words[i / 64] >> (i % 64) & 1 == 1
    }

    /// Sets bit `i` to `value`. Panics when `i >= len`.
    #[inline]
    pub fn set(&mut self, i: usize, value: bool) {
        assert!(i < self.len, "bit {i} out of range for a bitmap of {} bits", self.len);
        let mask = 1u64 << (i % 64);
        if value {
            self.words[i / 64] |= mask;
        } else {
            self.words[i / 64] &= !mask;
        }
    }

    /// Appends one bit.
    #[inline]
    pub fn push(&mut self, value: bool) {
        if self.len.is_multiple_of(64) {
            self.words.push(0);
        }
        if value {
            self.words[self.len / 64] |= 1u64 << (self.len % 64);
        }
        self.len += 1;
    }

    /// Appends every bit of `other`.
    pub fn extend_from_bitmap(&mut self, other: &Bitmap) {
        let shift = self.len % 64;
        if shift == 0 {
            self.words.extend_from_slice(&other.words);
        } else {
            // Each word of `other` straddles two of ours: its low bits fill our last word's
            // free high bits, its high bits start the next word.
            for &w in &other.words {
                *self.words.last_mut().expect("len > 0 when shift > 0") |= w << shift;
                self.words.push(w >> (64 - shift));
            }
        }
        self.len += other.len;
        self.words.truncate(self.len.div_ceil(64));
    }

    /// How many bits are set.
    pub fn count_ones(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether every bit is set.
    pub fn all_set(&self) -> bool {
        self.count_ones() == self.len
    }

    /// Indices of the set bits, in order.
    pub fn iter_ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(w, &word)| {
            let mut bits = word;
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let tz = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                Some(w * 64 + tz)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_get_count() {
        let mut b = Bitmap::with_capacity(3);
        for i in 0..130 {
            b.push(i % 3 == 0);
        }
        assert_eq!(b.len(), 130);
        assert_eq!(b.count_ones(), 44);
        assert!(b.get(129));
        assert!(!b.get(128));
        assert_eq!(b.iter_ones().take(3).collect::<Vec<_>>(), vec![0, 3, 6]);
    }

    #[test]
    fn new_set_keeps_tail_clear() {
        let b = Bitmap::new_set(70);
        assert_eq!(b.count_ones(), 70);
        assert!(b.all_set());
        assert_eq!(b.words()[1], (1 << 6) - 1);
    }

    #[test]
    fn extend_unaligned_matches_pushes() {
        let mut a = Bitmap::new_set(5);
        let mut other = Bitmap::new_unset(100);
        other.set(99, true);
        other.set(1, true);
        a.extend_from_bitmap(&other);
        assert_eq!(a.len(), 105);
        assert_eq!(a.iter_ones().collect::<Vec<_>>(), vec![0, 1, 2, 3, 4, 6, 104]);
        let mut aligned = Bitmap::new_unset(64);
        aligned.extend_from_bitmap(&other);
        assert_eq!(aligned.iter_ones().collect::<Vec<_>>(), vec![65, 163]);
    }

    #[test]
    fn extend_matches_bit_by_bit_at_every_offset() {
        let mut other = Bitmap::with_capacity(200);
        for i in 0..200 {
            other.push(i % 7 == 0 || i % 11 == 3);
        }
        for prefix in 0..130 {
            let mut fast = Bitmap::new_set(prefix);
            fast.extend_from_bitmap(&other);
            let mut slow = Bitmap::new_set(prefix);
            for i in 0..other.len() {
                slow.push(other.get(i));
            }
            assert_eq!(fast, slow, "prefix {prefix}");
        }
    }

    #[test]
    fn from_words_checks_length_and_clears_tail() {
        assert!(Bitmap::from_words(vec![0; 2], 10).is_none());
        let b = Bitmap::from_words(vec![u64::MAX], 3).unwrap();
        assert_eq!(b.count_ones(), 3);
    }
}
