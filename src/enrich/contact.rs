//! Contacts and times of enrichment rows: the identity keys a contact value gives (phone in
//! any accepted format, e-mail, CPF, normalised by `identity::normalize` exactly as imports
//! are), the [`Linker`] that finds the current profile of those keys, and timestamps.

use crate::identity::normalize::{self, CountryCode};
use crate::identity::{self, IdentityError};
use crate::store::Workspace;
use hashbrown::HashMap;

/// Which identifier a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactKind {
    Phone,
    Email,
    Cpf,
    /// Any of the three, told apart by the value.
    Any,
}

/// The identity keys of one contact value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keys {
    pub phone: Option<u64>,
    pub cpf: Option<u64>,
    pub email: Option<String>,
}

impl Keys {
    pub fn is_empty(&self) -> bool {
        self.phone.is_none() && self.cpf.is_none() && self.email.is_none()
    }
}

/// Adds the keys `raw` gives, read as `kind`, to `keys`.
pub fn add_keys(keys: &mut Keys, raw: &str, kind: ContactKind, country: CountryCode) {
    let raw = raw.trim();
    if raw.is_empty() {
        return;
    }
    let email = matches!(kind, ContactKind::Email) || (kind == ContactKind::Any && raw.contains('@'));
    if email {
        if keys.email.is_none() {
            keys.email = normalize::email_key(raw);
        }
        return;
    }
    if matches!(kind, ContactKind::Cpf | ContactKind::Any) && keys.cpf.is_none() {
        keys.cpf = normalize::cpf_key(raw).ok();
    }
    if matches!(kind, ContactKind::Phone | ContactKind::Any) && keys.phone.is_none() {
        keys.phone = normalize::phone_key_in(raw, country).ok();
    }
}

/// Finds the profile holding a contact's keys, under the workspace's current resolution.
/// A key held by records of several profiles (a hub value that linked nothing) goes to the
/// lowest profile id, so the answer is the same on every run.
#[derive(Default)]
pub struct Linker {
    phone: HashMap<u64, i64>,
    cpf: HashMap<u64, i64>,
    email: HashMap<Box<str>, i64>,
}

impl Linker {
    /// The linker of the workspace's current profiles (empty before any resolution).
    pub fn load(ws: &Workspace) -> Result<Linker, IdentityError> {
        let Some(current) = identity::load_current(ws)? else { return Ok(Linker::default()) };
        let mut l = Linker::default();
        let keep = |slot: &mut i64, p: i64| *slot = (*slot).min(p);
        for (r, &p) in current.record_profile.iter().enumerate() {
            if let Some(k) = current.norm.phone[r] {
                keep(l.phone.entry(k).or_insert(p), p);
            }
            if let Some(k) = current.norm.cpf[r] {
                keep(l.cpf.entry(k).or_insert(p), p);
            }
            if let Some(k) = current.norm.email[r].as_deref() {
                match l.email.get_mut(k) {
                    Some(slot) => keep(slot, p),
                    None => {
                        l.email.insert(k.into(), p);
                    }
                }
            }
        }
        Ok(l)
    }

    /// The profile of a contact: by phone, else e-mail, else CPF.
    #[inline]
    pub fn profile(&self, phone: Option<u64>, email: Option<&str>, cpf: Option<u64>) -> Option<i64> {
        phone
            .and_then(|k| self.phone.get(&k))
            .or_else(|| email.and_then(|k| self.email.get(k)))
            .or_else(|| cpf.and_then(|k| self.cpf.get(&k)))
            .copied()
    }

    /// The same linker with each profile id replaced by `rows[id]` (ids missing from `rows`
    /// dropped), so linking a row costs one lookup instead of two.
    pub fn to_rows(&self, rows: &HashMap<i64, u32>) -> Linker {
        let map = |p: &i64| rows.get(p).map(|&r| i64::from(r));
        Linker {
            phone: self.phone.iter().filter_map(|(k, p)| Some((*k, map(p)?))).collect(),
            cpf: self.cpf.iter().filter_map(|(k, p)| Some((*k, map(p)?))).collect(),
            email: self.email.iter().filter_map(|(k, p)| Some((k.clone(), map(p)?))).collect(),
        }
    }

    /// Builds a linker from `(phone, email, cpf, profile)` entries (tests and benchmarks).
    pub fn from_entries(
        entries: impl IntoIterator<Item = (Option<u64>, Option<String>, Option<u64>, i64)>,
    ) -> Linker {
        let mut l = Linker::default();
        for (phone, email, cpf, p) in entries {
            if let Some(k) = phone {
                l.phone.entry(k).or_insert(p);
            }
            if let Some(k) = email {
                l.email.entry(k.into_boxed_str()).or_insert(p);
            }
            if let Some(k) = cpf {
                l.cpf.entry(k).or_insert(p);
            }
        }
        l
    }
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    b.iter().try_fold(0i64, |acc, &d| acc.checked_mul(10)?.checked_add(i64::from(d - b'0')))
}

/// Seconds since 1970-01-01 UTC of a timestamp: `YYYY-MM-DD`, optionally followed by `T` or a
/// space and `HH:MM[:SS[.fff]]`, optionally by `Z` or `±HH:MM` (no offset: UTC);
/// `DD/MM/YYYY[ HH:MM[:SS]]`; or Unix seconds (10 digits) or milliseconds (13 digits).
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.len() == 10 && b[2] != b'/' && b[4] != b'-' {
        return digits(b);
    }
    if b.len() == 13 && b.iter().all(u8::is_ascii_digit) {
        return digits(b).map(|ms| ms.div_euclid(1000));
    }
    let (y, mo, d, rest) = if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?, &b[10..])
    } else if b.len() >= 10 && b[2] == b'/' && b[5] == b'/' {
        (digits(&b[6..10])?, digits(&b[3..5])?, digits(&b[0..2])?, &b[10..])
    } else {
        return None;
    };
    let date = chrono::NaiveDate::from_ymd_opt(y as i32, mo as u32, d as u32)?;
    let days = i64::from(crate::columns::days_from_date(date));
    let (secs, rest) = time_of_day(rest)?;
    let offset = offset_seconds(rest)?;
    Some(days * 86_400 + secs - offset)
}

/// `[T| ]HH:MM[:SS[.fff]]` → seconds, and what follows.
fn time_of_day(b: &[u8]) -> Option<(i64, &[u8])> {
    if b.is_empty() {
        return Some((0, b));
    }
    if !matches!(b[0], b'T' | b' ') || b.len() < 6 || b[3] != b':' {
        return None;
    }
    let (h, m) = (digits(&b[1..3])?, digits(&b[4..6])?);
    let mut rest = &b[6..];
    let mut s = 0;
    if rest.first() == Some(&b':') {
        s = digits(rest.get(1..3)?)?;
        rest = &rest[3..];
        if rest.first() == Some(&b'.') {
            let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            rest = &rest[1 + n..];
        }
    }
    (h < 24 && m < 60 && s < 61).then_some((h * 3600 + m * 60 + s, rest))
}

/// `""`, `Z`, `±HH:MM` or `±HHMM` → seconds east of UTC.
fn offset_seconds(b: &[u8]) -> Option<i64> {
    let b = b.trim_ascii();
    match b {
        [] | [b'Z'] => Some(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let v = digits(&[*h1, *h2])? * 3600 + digits(&[*m1, *m2])? * 60;
            Some(if *sign == b'-' { -v } else { v })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_the_accepted_forms() {
        let t = 1_700_000_000; // 2023-11-14T22:13:20Z
        assert_eq!(parse_timestamp("2023-11-14T22:13:20Z"), Some(t));
        assert_eq!(parse_timestamp("2023-11-14 22:13:20"), Some(t));
        assert_eq!(parse_timestamp("2023-11-14T19:13:20-03:00"), Some(t));
        assert_eq!(parse_timestamp("2023-11-14T22:13:20.123Z"), Some(t));
        assert_eq!(parse_timestamp("14/11/2023 22:13:20"), Some(t));
        assert_eq!(parse_timestamp("1700000000"), Some(t));
        assert_eq!(parse_timestamp("1700000000123"), Some(t));
        assert_eq!(parse_timestamp("2023-11-14"), Some(t - 22 * 3600 - 13 * 60 - 20));
        for bad in ["", "yesterday", "2023-13-01", "2023-11-14 25:00", "2023-11-14T10:00+3"] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn contact_values_give_keys_by_their_form() {
        let br = CountryCode::parse("55").unwrap();
        let mut k = Keys::default();
        add_keys(&mut k, "(11) 98765-4321", ContactKind::Any, br);
        assert_eq!(k.phone, normalize::phone_key("+55 11 98765-4321", "55").ok());
        let mut k = Keys::default();
        add_keys(&mut k, " Ana@Example.COM ", ContactKind::Any, br);
        assert_eq!(k.email.as_deref(), Some("ana@example.com"));
        let mut k = Keys::default();
        add_keys(&mut k, "not a contact", ContactKind::Any, br);
        assert!(k.is_empty());
    }
}
