//! Normalised identifiers of every record, and the join keys each rule derives from them.
//!
//! Records are numbered across imports in import order, then row order. Each identifier is
//! normalised once per record; invalid values are counted by reason and never become keys.

use super::config::{IdentityConfig, Rule};
use super::normalize::{self, CountryCode, CpfIssue, PhoneIssue};
use crate::columns::{CanonicalField, ColumnData, Table};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Rows per parallel task when normalising.
const BLOCK: usize = if cfg!(debug_assertions) { 64 } else { 16_384 };

/// The normalised identifiers of all records.
#[derive(Default)]
pub struct Normalized {
    pub records: usize,
    pub phone: Vec<Option<u64>>,
    pub cpf: Vec<Option<u64>>,
    pub email: Vec<Option<Box<str>>>,
    /// Name, city and address keys: empty unless a rule uses them, then one per record.
    pub name: Vec<Option<Box<str>>>,
    pub city: Vec<Option<Box<str>>>,
    pub address: Vec<Option<Box<str>>>,
    pub invalid: InvalidCounts,
}

/// Non-empty identifier values that could not be keys, by reason.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct InvalidCounts {
    pub phones: std::collections::BTreeMap<String, u64>,
    pub emails_malformed: u64,
    pub tax_documents: std::collections::BTreeMap<String, u64>,
}

/// One (key, record) pair of a rule; `idx` finds the key's text in `RuleKeys::texts`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: u64,
    pub record: u32,
    pub idx: u32,
}

/// A rule's keys over all records.
pub struct RuleKeys<'a> {
    pub entries: Vec<Entry>,
    /// For rules keyed by text, the text behind each entry's `idx` (`key` is its hash).
    pub texts: Texts<'a>,
}

/// Where a text key's text lives.
pub enum Texts<'a> {
    /// Numeric keys: the key is the value.
    None,
    /// Texts built for the rule, indexed by `idx`.
    Owned(Vec<Box<str>>),
    /// A normalised field, indexed by record (`idx` is the record).
    Field(&'a [Option<Box<str>>]),
}

impl Texts<'_> {
    pub fn is_text(&self) -> bool {
        !matches!(self, Texts::None)
    }

    /// The text of entry index `idx`.
    #[inline]
    pub fn get(&self, idx: u32) -> &str {
        match self {
            Texts::None => "",
            Texts::Owned(v) => &v[idx as usize],
            Texts::Field(f) => f[idx as usize].as_deref().unwrap_or_default(),
        }
    }
}

fn text_of<'a>(t: &'a Table, field: CanonicalField) -> impl Fn(usize) -> Option<&'a str> + Sync {
    let col = t.canonical(field).map(|c| &c.data);
    move |i| match col {
        Some(ColumnData::Utf8(c)) => c.get(i),
        Some(ColumnData::Dictionary(c)) => c.get(i),
        _ => None,
    }
}

/// Normalises the identifiers of every record of `tables` (in order).
pub fn normalize_all(tables: &[&Table], config: &IdentityConfig) -> Normalized {
    let country = CountryCode::parse(&config.country).unwrap_or_default();
    let uses = |f| config.rules.iter().any(|r| r.fields.contains(&f));
    let (want_name, want_city, want_address) =
        (uses(CanonicalField::Name), uses(CanonicalField::City), uses(CanonicalField::Address));
    let mut out = Normalized::default();
    let mut phone_issues = [0u64; PhoneIssue::COUNT];
    let mut cpf_issues = [0u64; CpfIssue::COUNT];
    for t in tables {
        let rows = t.rows();
        let phone = text_of(t, CanonicalField::PhoneNumber);
        let cpf = text_of(t, CanonicalField::TaxDocument);
        let email = text_of(t, CanonicalField::Email);
        let name = text_of(t, CanonicalField::Name);
        let city = text_of(t, CanonicalField::City);
        let address = text_of(t, CanonicalField::Address);
        type Block = (
            Vec<Option<u64>>,
            Vec<Option<u64>>,
            Vec<Option<Box<str>>>,
            [u64; PhoneIssue::COUNT],
            [u64; CpfIssue::COUNT],
            u64,
        );
        let blocks: Vec<Block> = (0..rows.div_ceil(BLOCK))
            .into_par_iter()
            .map(|b| {
                let range = b * BLOCK..((b + 1) * BLOCK).min(rows);
                let mut pi = [0u64; PhoneIssue::COUNT];
                let mut ci = [0u64; CpfIssue::COUNT];
                let mut bad_email = 0;
                let mut ph = Vec::with_capacity(range.len());
                let mut cp = Vec::with_capacity(range.len());
                let mut em = Vec::with_capacity(range.len());
                for i in range {
                    ph.push(phone(i).and_then(|v| match normalize::phone_key_in(v, country) {
                        Ok(k) => Some(k),
                        Err(PhoneIssue::Empty) => None,
                        Err(e) => {
                            pi[e as usize] += 1;
                            None
                        }
                    }));
                    cp.push(cpf(i).and_then(|v| match normalize::cpf_key(v) {
                        Ok(k) => Some(k),
                        Err(CpfIssue::Empty) => None,
                        Err(e) => {
                            ci[e as usize] += 1;
                            None
                        }
                    }));
                    em.push(email(i).and_then(|v| {
                        let k = normalize::email_key(v);
                        bad_email += u64::from(k.is_none() && !v.trim().is_empty());
                        k.map(String::into_boxed_str)
                    }));
                }
                (ph, cp, em, pi, ci, bad_email)
            })
            .collect();
        for (ph, cp, em, pi, ci, bad) in blocks {
            out.phone.extend(ph);
            out.cpf.extend(cp);
            out.email.extend(em);
            for (a, b) in phone_issues.iter_mut().zip(pi) {
                *a += b;
            }
            for (a, b) in cpf_issues.iter_mut().zip(ci) {
                *a += b;
            }
            out.invalid.emails_malformed += bad;
        }
        // Filled only when a rule uses them (then for every record).
        if want_name {
            out.name.extend(words(rows, &name));
        }
        if want_city {
            out.city.extend(words(rows, &city));
        }
        if want_address {
            out.address.extend(words(rows, &address));
        }
        out.records += rows;
    }
    for issue in PhoneIssue::ALL {
        if phone_issues[issue as usize] > 0 {
            out.invalid.phones.insert(issue.to_string(), phone_issues[issue as usize]);
        }
    }
    for issue in CpfIssue::ALL {
        if cpf_issues[issue as usize] > 0 {
            out.invalid.tax_documents.insert(issue.to_string(), cpf_issues[issue as usize]);
        }
    }
    out
}

/// Name-like keys (lower case, no accents, single spaces) of a text column.
fn words<'a>(rows: usize, get: &(dyn Fn(usize) -> Option<&'a str> + Sync)) -> Vec<Option<Box<str>>> {
    (0..rows)
        .into_par_iter()
        .map(|i| get(i).map(normalize::name_key).filter(|k| !k.is_empty()).map(String::into_boxed_str))
        .collect()
}

/// Hashes text keys with fixed seeds, so runs are reproducible.
pub fn hash_text(s: &str) -> u64 {
    ahash::RandomState::with_seeds(0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344).hash_one(s)
}

/// The keys `rule` gives each record that has every field of the rule.
pub fn rule_keys<'a>(n: &'a Normalized, rule: &Rule) -> RuleKeys<'a> {
    if let [single] = rule.fields[..] {
        let numeric = match single {
            CanonicalField::PhoneNumber => Some(&n.phone),
            CanonicalField::TaxDocument => Some(&n.cpf),
            _ => None,
        };
        if let Some(values) = numeric {
            let entries = values
                .par_iter()
                .enumerate()
                .filter_map(|(r, v)| v.map(|key| Entry { key, record: r as u32, idx: 0 }))
                .collect();
            return RuleKeys { entries, texts: Texts::None };
        }
        let text = match single {
            CanonicalField::Email => Some(&n.email),
            CanonicalField::Name => Some(&n.name),
            CanonicalField::City => Some(&n.city),
            CanonicalField::Address => Some(&n.address),
            _ => None,
        };
        if let Some(values) = text {
            // Keyed on the normalised field itself: no key text is built.
            let entries = values
                .par_iter()
                .enumerate()
                .filter_map(|(r, v)| {
                    v.as_deref().map(|t| Entry { key: hash_text(t), record: r as u32, idx: r as u32 })
                })
                .collect();
            return RuleKeys { entries, texts: Texts::Field(values) };
        }
    }
    let texts: Vec<(u32, Box<str>)> =
        (0..n.records).into_par_iter().filter_map(|r| key_text(n, rule, r).map(|t| (r as u32, t))).collect();
    let entries = texts
        .par_iter()
        .enumerate()
        .map(|(i, (r, t))| Entry { key: hash_text(t), record: *r, idx: i as u32 })
        .collect();
    RuleKeys { entries, texts: Texts::Owned(texts.into_iter().map(|(_, t)| t).collect()) }
}

/// A record's key text under `rule`: the normalised fields joined by U+001F.
pub(crate) fn key_text(n: &Normalized, rule: &Rule, r: usize) -> Option<Box<str>> {
    let mut out = String::new();
    for (i, f) in rule.fields.iter().enumerate() {
        if i > 0 {
            out.push('\u{1f}');
        }
        match f {
            CanonicalField::PhoneNumber => out.push_str(&n.phone[r]?.to_string()),
            CanonicalField::TaxDocument => out.push_str(&normalize::cpf_to_string(n.cpf[r]?)),
            CanonicalField::Email => out.push_str(n.email[r].as_deref()?),
            CanonicalField::Name => out.push_str(n.name[r].as_deref()?),
            CanonicalField::City => out.push_str(n.city[r].as_deref()?),
            CanonicalField::Address => out.push_str(n.address[r].as_deref()?),
            CanonicalField::OptIn => return None,
        }
    }
    Some(out.into_boxed_str())
}

/// How a record's key under `rule` reads to a person (for lineage and hub lists).
pub fn display_key(n: &Normalized, rule: &Rule, r: usize) -> String {
    let part = |f: &CanonicalField| -> String {
        match f {
            CanonicalField::PhoneNumber => n.phone[r].map(|k| k.to_string()).unwrap_or_default(),
            CanonicalField::TaxDocument => n.cpf[r].map(normalize::cpf_to_string).unwrap_or_default(),
            CanonicalField::Email => n.email[r].as_deref().unwrap_or_default().to_owned(),
            CanonicalField::Name => n.name.get(r).and_then(|v| v.as_deref()).unwrap_or_default().to_owned(),
            CanonicalField::City => n.city.get(r).and_then(|v| v.as_deref()).unwrap_or_default().to_owned(),
            CanonicalField::Address => {
                n.address.get(r).and_then(|v| v.as_deref()).unwrap_or_default().to_owned()
            }
            CanonicalField::OptIn => String::new(),
        }
    };
    rule.fields.iter().map(part).collect::<Vec<_>>().join(" + ")
}
