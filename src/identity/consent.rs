//! Consent that follows the person: each profile's state from the most recent statement
//! linked to it — a record of it saying yes to the opt-in (stated by the import holding the
//! record), or an opted-out row (see `ingest::consent`) sharing a phone, e-mail or CPF with
//! it. A no wins a tie. A statement key held by records of several profiles (a hub) opts out
//! nobody.

use super::config::IdentityConfig;
use super::keys::Normalized;
use super::normalize::{self, CountryCode};
use crate::columns::{CanonicalField, Column, ColumnData, DictionaryColumn, StringColumn, Table, Value};

/// The name of the consent field of the profile table.
pub const CONSENT: &str = "consent";
pub const OPTED_IN: &str = "opted in";
pub const OPTED_OUT: &str = "opted out";

/// The opted-out statements' keys, each with the latest import stating it.
struct Statements {
    phone: hashbrown::HashMap<u64, i64>,
    email: hashbrown::HashMap<String, i64>,
    cpf: hashbrown::HashMap<u64, i64>,
}

fn text(t: &Table, f: CanonicalField, row: usize) -> Option<&str> {
    match t.canonical(f)?.data.value(row) {
        Value::Text(s) => Some(s),
        _ => None,
    }
}

fn statements(opt_outs: &Table, config: &IdentityConfig) -> Statements {
    let country = CountryCode::parse(&config.country).unwrap_or_default();
    let imports = opt_outs.ints(crate::ingest::consent::IMPORT_COLUMN).unwrap_or(&[]);
    let mut s = Statements { phone: Default::default(), email: Default::default(), cpf: Default::default() };
    for (row, &import) in imports.iter().enumerate() {
        let later = |e: &mut i64| *e = (*e).max(import);
        if let Some(k) = text(opt_outs, CanonicalField::PhoneNumber, row)
            .and_then(|v| normalize::phone_key_in(v, country).ok())
        {
            s.phone.entry(k).and_modify(later).or_insert(import);
        }
        if let Some(k) = text(opt_outs, CanonicalField::Email, row).and_then(normalize::email_key) {
            s.email.entry(k).and_modify(later).or_insert(import);
        }
        if let Some(k) =
            text(opt_outs, CanonicalField::TaxDocument, row).and_then(|v| normalize::cpf_key(v).ok())
        {
            s.cpf.entry(k).and_modify(later).or_insert(import);
        }
    }
    s
}

/// What the consent of profiles is computed from.
pub struct ConsentInputs<'a> {
    pub tables: &'a [&'a Table],
    pub norm: &'a Normalized,
    /// The import holding each record.
    pub record_import: &'a [i64],
    /// The profile (dense label) of each record.
    pub labels: &'a [u32],
    pub profiles: usize,
    pub opt_outs: &'a Table,
    pub config: &'a IdentityConfig,
}

/// Each profile's consent: `(opted out, import of the deciding statement or 0)`.
pub fn states(c: &ConsentInputs) -> Vec<(bool, i64)> {
    let mut latest_in = vec![0i64; c.profiles];
    let mut r = 0;
    for t in c.tables {
        if let Some(ColumnData::Boolean(b)) = t.canonical(CanonicalField::OptIn).map(|c| &c.data) {
            for row in 0..t.rows() {
                if b.get(row) == Some(true) {
                    let p = c.labels[r + row] as usize;
                    latest_in[p] = latest_in[p].max(c.record_import[r + row]);
                }
            }
        }
        r += t.rows();
    }
    let mut latest_out = vec![0i64; c.profiles];
    if c.opt_outs.rows() > 0 {
        for (kind, hits) in statement_hits(c) {
            let _ = kind;
            for (p, import) in hits {
                latest_out[p] = latest_out[p].max(import);
            }
        }
    }
    latest_in
        .iter()
        .zip(&latest_out)
        .map(|(&yes, &no)| if no > 0 && no >= yes { (true, no) } else { (false, yes) })
        .collect()
}

/// Per identifier kind: (profile, statement import) for every statement key held by records
/// of exactly one profile.
fn statement_hits(c: &ConsentInputs) -> Vec<(&'static str, Vec<(usize, i64)>)> {
    let s = statements(c.opt_outs, c.config);
    let n = c.norm;
    let mut out = Vec::new();
    let mut collect = |kind: &'static str, lookup: &dyn Fn(usize) -> Option<(u64, i64)>| {
        // Key → (profile, import), or None once records of two profiles hold it.
        let mut owner: hashbrown::HashMap<u64, Option<(usize, i64)>> = hashbrown::HashMap::new();
        for r in 0..n.records {
            if let Some((key, import)) = lookup(r) {
                let p = c.labels[r] as usize;
                owner
                    .entry(key)
                    .and_modify(|o| {
                        if o.is_some_and(|(q, _)| q != p) {
                            *o = None;
                        }
                    })
                    .or_insert(Some((p, import)));
            }
        }
        out.push((kind, owner.into_values().flatten().collect()));
    };
    collect("phone", &|r| n.phone[r].and_then(|k| s.phone.get(&k).map(|&i| (k, i))));
    collect("cpf", &|r| n.cpf[r].and_then(|k| s.cpf.get(&k).map(|&i| (k, i))));
    collect("email", &|r| {
        let e = n.email[r].as_deref()?;
        s.email.get(e).map(|&i| (super::keys::hash_text(e), i))
    });
    out
}

/// The profile table's consent column, from [`states`].
pub fn column(states: &[(bool, i64)]) -> Column {
    let text: StringColumn =
        states.iter().map(|&(out, _)| Some(if out { OPTED_OUT } else { OPTED_IN })).collect();
    Column {
        name: CONSENT.to_owned(),
        role: crate::columns::Role::System,
        data: ColumnData::Dictionary(DictionaryColumn::encode(&text)),
    }
}
