//! Event contacts (a phone, an e-mail or a CPF) as identity keys, and the index that finds
//! the profile holding a key in the current resolution.
//!
//! Keys come from the same normalisers identity resolution uses (`identity::normalize`), so
//! an event finds its person however the contact was spelled. Links are made when scores are
//! computed, never stored: after merges, splits or re-imports, events follow their people.

use crate::identity;
use crate::identity::normalize::{self, CountryCode};
use crate::store::Workspace;
use hashbrown::HashMap;

use super::ScoreError;

/// A 64-bit FNV-1a hash: fixed by its definition, so keys stored in the workspace (event
/// identities, e-mail keys) mean the same in every build and version.
pub fn stable_hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h = (h ^ 0x1f).wrapping_mul(0x0000_0100_0000_01b3);
        }
        for &b in *part {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// The identity keys of one contact value; at least one is set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContactKeys {
    pub phone: Option<u64>,
    pub cpf: Option<u64>,
    /// The hash of the normalised e-mail ([`stable_hash`]).
    pub email: Option<u64>,
}

/// The keys of `raw`: an e-mail when it holds `@`, else a CPF and/or a phone (eleven digits
/// can be either; the profile that holds one decides). `None` when it is none of them.
pub fn contact_keys(raw: &str, country: CountryCode) -> Option<ContactKeys> {
    let raw = raw.trim();
    if raw.contains('@') {
        let email = normalize::email_key(raw)?;
        return Some(ContactKeys { email: Some(stable_hash(&[email.as_bytes()])), ..Default::default() });
    }
    let keys = ContactKeys {
        cpf: normalize::cpf_key(raw).ok(),
        phone: normalize::phone_key_in(raw, country).ok(),
        email: None,
    };
    (keys.cpf.is_some() || keys.phone.is_some()).then_some(keys)
}

/// Which profile holds each identity key, as of the last resolution.
#[derive(Default)]
pub struct ContactIndex {
    phone: HashMap<u64, i64>,
    cpf: HashMap<u64, i64>,
    email: HashMap<u64, i64>,
    pub country: String,
}

impl ContactIndex {
    /// The index of the workspace's current records; empty before any resolution. A key
    /// held by several profiles (a value the hub guard kept from linking) goes to the
    /// profile of its first record, as `profiles show` does.
    pub fn load(ws: &Workspace) -> Result<ContactIndex, ScoreError> {
        let config = identity::load_config(ws)?;
        let Some(current) = identity::load_current(ws)? else {
            return Ok(ContactIndex { country: config.country, ..Default::default() });
        };
        let mut index = ContactIndex { country: config.country, ..Default::default() };
        let norm = &current.norm;
        for (r, &p) in current.record_profile.iter().enumerate() {
            if let Some(k) = norm.phone.get(r).copied().flatten() {
                index.phone.entry(k).or_insert(p);
            }
            if let Some(k) = norm.cpf.get(r).copied().flatten() {
                index.cpf.entry(k).or_insert(p);
            }
            if let Some(e) = norm.email.get(r).and_then(|e| e.as_deref()) {
                index.email.entry(stable_hash(&[e.as_bytes()])).or_insert(p);
            }
        }
        Ok(index)
    }

    /// The workspace's default phone country.
    pub fn country_code(&self) -> CountryCode {
        CountryCode::parse(&self.country).unwrap_or_default()
    }

    /// The profile holding `k`: by e-mail, else CPF, else phone.
    pub fn profile(&self, k: &ContactKeys) -> Option<i64> {
        let find = |map: &HashMap<u64, i64>, key: Option<u64>| key.and_then(|k| map.get(&k).copied());
        find(&self.email, k.email).or_else(|| find(&self.cpf, k.cpf)).or_else(|| find(&self.phone, k.phone))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_become_keys_however_spelled() {
        let br = CountryCode::parse("55").unwrap();
        let a = contact_keys(" Ana@Example.com ", br).unwrap();
        let b = contact_keys("ana@example.com", br).unwrap();
        assert_eq!(a, b);
        assert!(a.email.is_some() && a.phone.is_none());
        let p1 = contact_keys("(11) 99999-0001", br).unwrap();
        let p2 = contact_keys("+55 11 99999-0001", br).unwrap();
        assert_eq!(p1.phone, p2.phone);
        assert!(contact_keys("529.982.247-25", br).unwrap().cpf.is_some());
        assert_eq!(contact_keys("not a contact", br), None);
        assert_eq!(contact_keys("foo@", br), None);
    }
}
