//! Erased people and scoring (LGPD art. 18, GDPR art. 17): the events of a person erased on
//! request leave the stored event batches with the rest of the erasure, in the same commit,
//! and so do the scores stored for their profile ([`erase_rows`]); event files that name
//! them later are refused row by row against the suppression list ([`refuse_suppressed`]),
//! counted as `rows_suppressed`, never stored.
//!
//! An event is the person's when any of its contact keys (phone, CPF, e-mail, as the events
//! reader normalised them) is one of theirs, whichever profile it links to.

use super::ScoreError;
use super::contact::stable_hash;
use super::events::col;
use super::stored::{self, Batch};
use crate::columns::{ColumnData, PrimitiveColumn, Table, Value};
use crate::identity::normalize;
use crate::identity::profiles::PROFILE_ID;
use crate::pipeline::suppress;
use crate::store::{Commit, Workspace, WriteLock, snapshot};
use hashbrown::HashSet;

/// One event's contact keys: phone, CPF and the hash of the normalised e-mail.
type Keys = (Option<u64>, Option<u64>, Option<u64>);

/// The rows of event table `t` to keep: those for which `theirs(row, keys)` is false.
/// `None` when every row stays.
fn rows_to_keep(
    t: &Table,
    mut theirs: impl FnMut(usize, Keys) -> bool,
) -> Result<Option<Vec<u32>>, ScoreError> {
    let int = |c: &str| match t.column(c).map(|c| &c.data) {
        Some(ColumnData::Int64(p)) => Ok(p),
        _ => Err(ScoreError::Corrupt(format!("event column {c} missing"))),
    };
    let (phone, cpf, email) = (int(col::PHONE)?, int(col::CPF)?, int(col::EMAIL)?);
    let key = |c: &PrimitiveColumn<i64>, i| c.get(i).map(|v| v as u64);
    let keep: Vec<u32> = (0..t.rows())
        .filter(|&i| !theirs(i, (key(phone, i), key(cpf, i), key(email, i))))
        .map(|i| i as u32)
        .collect();
    Ok((keep.len() < t.rows()).then_some(keep))
}

/// The normalised e-mail of row `i`'s contact (the events reader keys e-mails by its hash).
fn email_of(t: &Table, i: usize) -> Option<String> {
    match t.column(col::CONTACT).map(|c| c.data.value(i)) {
        Some(Value::Text(s)) => normalize::email_key(s.trim()),
        _ => None,
    }
}

/// Whether the contact of row `i` (keys `k`) is on the suppression list.
fn suppressed(list: &suppress::List, t: &Table, i: usize, (phone, cpf, email): Keys) -> bool {
    phone.is_some_and(|k| list.holds(&format!("p:{k}")))
        || cpf.is_some_and(|k| list.holds(&format!("c:{k}")))
        || (email.is_some() && email_of(t, i).is_some_and(|e| list.holds(&format!("e:{e}"))))
}

/// Leaves out of a read event table the rows whose contact is a person erased on request;
/// returns how many. Nothing happens when nobody was erased.
pub fn refuse_suppressed(
    ws: &Workspace,
    table: &mut Table,
    country: normalize::CountryCode,
) -> Result<u64, ScoreError> {
    let Some(list) = suppress::List::load(ws, country)? else { return Ok(0) };
    let Some(keep) = rows_to_keep(table, |i, k| suppressed(&list, table, i, k))? else { return Ok(0) };
    let refused = (table.rows() - keep.len()) as u64;
    *table = table.take(&keep);
    Ok(refused)
}

/// A person's identifier keys, as event rows hold them.
type Person = suppress::PersonKeys<u64>;

impl Person {
    fn holds(&self, (phone, cpf, email): Keys) -> bool {
        phone.is_some_and(|k| self.phone.contains(&k))
            || cpf.is_some_and(|k| self.cpf.contains(&k))
            || email.is_some_and(|k| self.email.contains(&k))
    }
}

/// What leaving a person's scoring data out did.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScoresErased {
    /// Stored events holding one of the person's identifiers.
    pub events: u64,
    /// Stored scores of the person's profile (one per applied plan).
    pub scores: u64,
}

/// Adds to `commit` the removal of every stored event holding one of `keys` — an erased
/// person's identifier keys (`p:`, `e:`, `c:` prefixed) — and of the scores stored for
/// `profile`: each batch or score file that loses rows is written again without them (a
/// batch left empty is dropped) and the old file retired.
pub fn erase_rows(
    ws: &Workspace,
    lock: &WriteLock,
    commit: &mut Commit,
    profile: i64,
    keys: &HashSet<String>,
) -> Result<ScoresErased, ScoreError> {
    let person = Person::parse(keys, |v| stable_hash(&[v.as_bytes()]));
    let seq = stored::next_seq(ws)?;
    let mut done = ScoresErased::default();
    let mut batches: Vec<Batch> = Vec::new();
    let mut batches_changed = false;
    for mut b in stored::batches(ws)? {
        let t = snapshot::read(&ws.data_path(&b.path))?;
        let Some(keep) = rows_to_keep(&t, |_, k| person.holds(k))? else {
            batches.push(b);
            continue;
        };
        batches_changed = true;
        done.events += (t.rows() - keep.len()) as u64;
        commit.retire.push(b.path.clone());
        if keep.is_empty() {
            continue;
        }
        b.path = format!("imports/events-{}-{seq}.hsc", b.id);
        b.events = keep.len() as u64;
        commit.files.push((ws.stage_table(lock, &t.take(&keep))?, b.path.clone()));
        batches.push(b);
    }
    let mut plans = stored::plans(ws)?;
    let mut plans_changed = false;
    for a in plans.values_mut() {
        let t = snapshot::read(&ws.data_path(&a.path))?;
        let ids =
            t.ints(PROFILE_ID).ok_or_else(|| ScoreError::Corrupt(format!("{}: no profile ids", a.path)))?;
        let keep: Vec<u32> = (0..ids.len() as u32).filter(|&i| ids[i as usize] != profile).collect();
        if keep.len() == ids.len() {
            continue;
        }
        plans_changed = true;
        done.scores += (ids.len() - keep.len()) as u64;
        commit.retire.push(a.path.clone());
        a.path = format!("profiles/score-{}-{seq}.hsc", a.name);
        commit.files.push((ws.stage_table(lock, &t.take(&keep))?, a.path.clone()));
    }
    if batches_changed || plans_changed {
        let batches = batches_changed.then_some(batches);
        commit.add_catalog(stored::writes(batches, plans_changed.then_some(plans), seq));
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::normalize::CountryCode;

    fn events(csv: &str) -> Table {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.csv");
        std::fs::write(&path, csv).unwrap();
        super::super::events::read(&path, CountryCode::parse("55").unwrap_or_default()).unwrap().table
    }

    #[test]
    fn an_event_is_the_persons_when_any_of_its_keys_is_theirs() {
        let t = events(
            "contact,action,timestamp\n\
             (11) 98765-4321,open,2026-11-01\n\
             Ana@Example.com,open,2026-11-01\n\
             529.982.247-25,open,2026-11-01\n\
             (21) 99999-0000,open,2026-11-01\n\
             bia@example.com,open,2026-11-01\n",
        );
        let keys: HashSet<String> =
            ["p:5511987654321", "e:ana@example.com", "c:52998224725"].map(String::from).into();
        let person = Person::parse(&keys, |v| stable_hash(&[v.as_bytes()]));
        let keep = rows_to_keep(&t, |_, k| person.holds(k)).unwrap().unwrap();
        let contacts: Vec<String> = keep
            .iter()
            .map(|&i| match t.column(col::CONTACT).unwrap().data.value(i as usize) {
                Value::Text(s) => s.to_owned(),
                v => panic!("{v:?}"),
            })
            .collect();
        assert_eq!(contacts, ["(21) 99999-0000", "bia@example.com"]);
        let nobody = Person::parse(&HashSet::new(), |v| stable_hash(&[v.as_bytes()]));
        assert_eq!(rows_to_keep(&t, |_, k| nobody.holds(k)).unwrap(), None);
        assert_eq!(email_of(&t, 1).as_deref(), Some("ana@example.com"));
    }
}
