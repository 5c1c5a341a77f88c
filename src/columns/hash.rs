//! Hash mixing shared by the stages that key rows (record matching, identity joins).

/// splitmix64's finaliser: spreads a 64-bit value over all bits.
pub fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A hasher for keys that are already well-mixed 64-bit hashes (content hashes, [`mix64`]
/// outputs): it hands the key on instead of hashing it again, which halves the cost of the
/// million-entry maps of record matching.
#[derive(Clone, Copy, Debug, Default)]
pub struct PreHashed(u64);

impl std::hash::Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = mix64(self.0 ^ u64::from(b));
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// Builds [`PreHashed`] hashers.
pub type BuildPreHashed = std::hash::BuildHasherDefault<PreHashed>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prehashed_map_finds_what_it_holds() {
        let mut m: hashbrown::HashMap<u64, u32, BuildPreHashed> = Default::default();
        for i in 0..10_000u64 {
            m.insert(mix64(i), i as u32);
        }
        assert_eq!(m.len(), 10_000);
        assert!((0..10_000u64).all(|i| m.get(&mix64(i)) == Some(&(i as u32))));
        assert_eq!(m.get(&mix64(10_001)), None);
    }
}
