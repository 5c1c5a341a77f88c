//! The global, sequential part of generation: how many records each person
//! has, which records are opted out, rejected or carry a hub identifier, and
//! in which order the records appear in the file.
//!
//! Everything here is cheap (a few passes over `rows` small integers) and
//! drawn from one master [`ChaCha8Rng`] seeded with the user's seed, so the
//! parallel formatting stage only reads it.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Most records one person may have.
pub(crate) const MAX_RECORDS: usize = 8;

/// Status bits of a record's flags (the low two bits).
pub(crate) const STATUS_MASK: u8 = 0b11;
/// Status: imported.
pub(crate) const OK: u8 = 0;
/// Status: not imported, negative opt-in.
pub(crate) const OPTOUT: u8 = 1;
/// Status: rejected (empty phone or wrong field count).
pub(crate) const REJECT: u8 = 2;
/// The record's phone is the call-centre hub number.
pub(crate) const HUB_PHONE: u8 = 0b100;
/// The record's e-mail is the `teste@teste.com` hub address.
pub(crate) const HUB_EMAIL: u8 = 0b1000;

/// Hub identifiers are only planted in files of at least this many rows.
pub(crate) const HUB_MIN_ROWS: usize = 5_000;

/// Cumulative weights (per 1000) of person sizes 1..=8.
const SIZE_CUMULATIVE: [u32; MAX_RECORDS] = [720, 870, 940, 975, 987, 994, 998, 1000];

/// Keys and seeds derived from the user's seed.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    /// Seed of the per-person random streams.
    pub person_seed: [u8; 32],
    /// Seed of the per-block random streams.
    pub block_seed: [u8; 32],
    /// Key of the mobile subscriber permutation.
    pub mobile: u64,
    /// Key of the landline subscriber permutation.
    pub landline: u64,
    /// Key of the e-mail number permutation.
    pub email: u64,
    /// Key of the CPF base permutation.
    pub cpf: u64,
    /// Size of the e-mail number space (a power of ten above the person count).
    pub email_space: u64,
}

/// The record layout of a whole file: persons, statuses, hubs and order.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// First logical record of each person, plus `rows` at the end.
    pub starts: Vec<u32>,
    /// Person of each logical record.
    pub owner: Vec<u32>,
    /// Flags (status and hub bits) of each logical record.
    pub flags: Vec<u8>,
    /// Logical record at each file position.
    pub order: Vec<u32>,
    /// Seeds and permutation keys.
    pub keys: Keys,
}

impl Plan {
    /// Plans a file of `rows` records for `seed`.
    pub(crate) fn new(rows: usize, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut keys = Keys {
            person_seed: rng.random(),
            block_seed: rng.random(),
            mobile: rng.random(),
            landline: rng.random(),
            email: rng.random(),
            cpf: rng.random(),
            email_space: 0,
        };
        let (starts, owner) = person_sizes(&mut rng, rows);
        keys.email_space = email_space(starts.len() - 1);
        let mut flags = vec![OK; rows];
        mark_statuses(&mut rng, &mut flags);
        mark_hubs(&mut rng, &mut flags);
        let mut order: Vec<u32> = (0..rows as u32).collect();
        order.shuffle(&mut rng);
        Plan { starts, owner, flags, order, keys }
    }

    /// Number of persons.
    pub(crate) fn persons(&self) -> usize {
        self.starts.len() - 1
    }

    /// Flags of the records of person `p`, in the person's own order.
    pub(crate) fn person_flags(&self, p: usize) -> &[u8] {
        &self.flags[self.starts[p] as usize..self.starts[p + 1] as usize]
    }
}

/// Draws person sizes until `rows` records are assigned; returns the start
/// offsets (with a final `rows`) and the owner of every record.
fn person_sizes(rng: &mut ChaCha8Rng, rows: usize) -> (Vec<u32>, Vec<u32>) {
    let mut starts = Vec::with_capacity(rows * 2 / 3 + 2);
    let mut owner = Vec::with_capacity(rows);
    let mut assigned = 0usize;
    while assigned < rows {
        let roll = rng.random_range(0..1000u32);
        let size = SIZE_CUMULATIVE.iter().position(|&c| roll < c).unwrap_or(0) + 1;
        let size = size.min(rows - assigned);
        let person = starts.len() as u32;
        starts.push(assigned as u32);
        owner.extend(std::iter::repeat_n(person, size));
        assigned += size;
    }
    starts.push(rows as u32);
    (starts, owner)
}

/// The smallest power of ten at least 1.5 times the person count (and at
/// least 1,000), so e-mail numbers look like `camila.marques2852`.
fn email_space(persons: usize) -> u64 {
    let mut space = 1_000u64;
    while space < persons as u64 * 3 / 2 {
        space *= 10;
    }
    space
}

/// Marks about 0.2% of the records opted out and 0.1% rejected.
fn mark_statuses(rng: &mut ChaCha8Rng, flags: &mut [u8]) {
    let rows = flags.len();
    let optouts = (rows * 2 + 500) / 1000;
    let rejects = (rows + 500) / 1000;
    let picked = rand::seq::index::sample(rng, rows, optouts + rejects);
    for (n, record) in picked.into_iter().enumerate() {
        flags[record] = if n < optouts { OPTOUT } else { REJECT };
    }
}

/// How many ok records carry each hub identifier (0 below [`HUB_MIN_ROWS`]).
pub(crate) fn hub_uses(rows: usize) -> usize {
    if rows >= HUB_MIN_ROWS { 61 + rows / 1000 } else { 0 }
}

/// Marks [`hub_uses`] ok records with the hub phone and as many other ok
/// records with the hub e-mail (never both on one record).
fn mark_hubs(rng: &mut ChaCha8Rng, flags: &mut [u8]) {
    let rows = flags.len();
    let uses = hub_uses(rows);
    if uses == 0 {
        return;
    }
    let not_ok = flags.iter().filter(|&&f| f & STATUS_MASK != OK).count();
    let picked = rand::seq::index::sample(rng, rows, 2 * uses + not_ok);
    let mut marked = 0;
    for record in picked {
        if marked == 2 * uses {
            break;
        }
        if flags[record] & STATUS_MASK != OK {
            continue;
        }
        flags[record] |= if marked < uses { HUB_PHONE } else { HUB_EMAIL };
        marked += 1;
    }
}

/// A keyed bijection of `0..n`: a four-round Feistel network over the
/// smallest even bit width that holds `n`, with cycle walking. Used to hand
/// out identifiers that look random yet can never collide.
pub(crate) fn permute(x: u64, n: u64, key: u64) -> u64 {
    debug_assert!(x < n, "permute: {x} out of 0..{n}");
    if n <= 1 {
        return x;
    }
    let bits = 64 - (n - 1).leading_zeros();
    let half = bits.div_ceil(2);
    let mask = (1u64 << half) - 1;
    let mut v = x;
    loop {
        let (mut left, mut right) = (v >> half, v & mask);
        for round in 0..4u64 {
            let f = mix(right ^ key.rotate_left(round as u32 * 17) ^ round) & mask;
            (left, right) = (right, left ^ f);
        }
        v = (left << half) | right;
        if v < n {
            return v;
        }
    }
}

/// The SplitMix64 finalizer: a fast, well-spread 64-bit hash.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permute_is_a_bijection() {
        for n in [1u64, 2, 3, 10, 1000, 4097] {
            let mut seen = vec![false; n as usize];
            for x in 0..n {
                let y = permute(x, n, 0xDEAD_BEEF);
                assert!(y < n);
                assert!(!seen[y as usize], "collision at n={n}");
                seen[y as usize] = true;
            }
        }
    }

    #[test]
    fn plan_covers_every_record() {
        let plan = Plan::new(10_000, 7);
        assert_eq!(plan.owner.len(), 10_000);
        assert_eq!(*plan.starts.last().unwrap(), 10_000);
        let mut order = plan.order.clone();
        order.sort_unstable();
        assert!(order.iter().enumerate().all(|(i, &l)| i as u32 == l));
        let hubs = plan.flags.iter().filter(|&&f| f & HUB_PHONE != 0).count();
        assert_eq!(hubs, hub_uses(10_000));
    }
}
