//! The suppression list: identifiers of erased people, kept as salted SHA-256 hashes (the
//! salt random per workspace), so a later import of the same person is refused row by row
//! without the workspace keeping the identifier itself.

use crate::columns::{CanonicalField, Table, Value};
use crate::identity::normalize::{self, CountryCode};
use crate::ingest::Ingested;
use crate::store::Workspace;
use sha2::{Digest, Sha256};

const SALT: &str = "suppression.salt";

/// The normalised identifiers of a person: phone keys, e-mails and CPFs (as key text).
#[derive(Clone, Debug, Default)]
pub struct Identifiers {
    pub keys: Vec<String>,
}

/// A person's identifier keys by kind, read from keys `p:PHONE`, `e:EMAIL`, `c:CPF` (the
/// suppression list's form); each e-mail is kept as `E`, the form the caller's rows hold.
#[derive(Default)]
pub struct PersonKeys<E> {
    pub phone: hashbrown::HashSet<u64>,
    pub cpf: hashbrown::HashSet<u64>,
    pub email: hashbrown::HashSet<E>,
}

impl<E: Eq + std::hash::Hash> PersonKeys<E> {
    pub fn parse<'k>(keys: impl IntoIterator<Item = &'k String>, email: impl Fn(&str) -> E) -> Self {
        let mut p =
            PersonKeys { phone: Default::default(), cpf: Default::default(), email: Default::default() };
        for k in keys {
            match k.split_at_checked(2) {
                Some(("p:", v)) => p.phone.extend(v.parse::<u64>().ok()),
                Some(("c:", v)) => p.cpf.extend(v.parse::<u64>().ok()),
                Some(("e:", v)) => {
                    p.email.insert(email(v));
                }
                _ => {}
            }
        }
        p
    }
}

/// Each row's identifier keys (`p:`, `e:`, `c:` prefixed) in table `t`.
pub fn row_keys(t: &Table, row: usize, country: CountryCode) -> Vec<String> {
    let text = |f: CanonicalField| match t.canonical(f).map(|c| c.data.value(row)) {
        Some(Value::Text(s)) => Some(s),
        _ => None,
    };
    let mut out = Vec::new();
    if let Some(k) = text(CanonicalField::PhoneNumber).and_then(|v| normalize::phone_key_in(v, country).ok())
    {
        out.push(format!("p:{k}"));
    }
    if let Some(k) = text(CanonicalField::Email).and_then(normalize::email_key) {
        out.push(format!("e:{k}"));
    }
    if let Some(k) = text(CanonicalField::TaxDocument).and_then(|v| normalize::cpf_key(v).ok()) {
        out.push(format!("c:{k}"));
    }
    out
}

/// The workspace's salt, if one was made.
pub fn salt(ws: &Workspace) -> Result<Option<String>, crate::store::StoreError> {
    ws.catalog().setting(SALT)
}

/// A new random salt (to store under [`SALT`] with the first erasure).
pub fn new_salt() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

/// Sets the workspace's salt inside a commit.
pub fn store_salt(w: &crate::store::CatalogWriter, salt: &str) -> Result<(), crate::store::StoreError> {
    w.set_setting(SALT, salt)
}

/// The salted hash of an identifier key.
pub fn hash(salt: &str, key: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(key.as_bytes());
    hex::encode(h.finalize())
}

/// A workspace's suppression list, loaded once to test many rows.
pub struct List {
    salt: String,
    hashes: hashbrown::HashSet<String>,
    country: CountryCode,
}

impl List {
    /// The list of `ws` (phones without a country code read in `country`); `None` when
    /// nobody was ever erased.
    pub fn load(ws: &Workspace, country: CountryCode) -> Result<Option<List>, crate::store::StoreError> {
        let Some(salt) = salt(ws)? else { return Ok(None) };
        Ok(Some(List { salt, hashes: ws.catalog().suppressed()?, country }))
    }

    /// Whether an identifier key (`p:`, `e:` or `c:` prefixed) belongs to an erased person.
    pub fn holds(&self, key: &str) -> bool {
        self.hashes.contains(&hash(&self.salt, key))
    }

    /// The rows of `t` to keep: those none of whose identifiers is suppressed. `None` when
    /// every row stays.
    pub fn rows_to_keep(&self, t: &Table) -> Option<Vec<u32>> {
        let keep: Vec<u32> = (0..t.rows())
            .filter(|&r| !row_keys(t, r, self.country).iter().any(|k| self.holds(k)))
            .map(|r| r as u32)
            .collect();
        (keep.len() < t.rows()).then_some(keep)
    }

    /// Leaves out of a file read for import the rows of erased people — records and opt-out
    /// statements alike — counting them as `rows_suppressed` in its report.
    pub fn refuse_rows(&self, i: &mut Ingested) {
        if let Some(keep) = self.rows_to_keep(&i.table) {
            i.report.rows_suppressed += (i.table.rows() - keep.len()) as u64;
            i.report.rows_imported = keep.len() as u64;
            i.table = i.table.take(&keep);
        }
        if let Some(keep) = self.rows_to_keep(&i.opted_out) {
            i.report.rows_suppressed += (i.opted_out.rows() - keep.len()) as u64;
            i.opted_out = i.opted_out.take(&keep);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_depend_on_the_salt_and_the_key() {
        assert_ne!(hash("a", "p:5511987654321"), hash("b", "p:5511987654321"));
        assert_eq!(hash("a", "e:x@y.z"), hash("a", "e:x@y.z"));
        assert_eq!(new_salt().len(), 32);
    }
}
