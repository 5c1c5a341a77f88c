//! Erased people and enrichment (LGPD art. 18, GDPR art. 17): the rows of a person erased on
//! request leave the stored enrichment tables with the rest of the erasure, in the same
//! commit ([`erase_rows`]), and enrichment files that name them later are refused row by row
//! against the suppression list ([`refuse_suppressed`]), counted as `rows_suppressed`, never
//! stored and never made profiles.
//!
//! A row is the person's when any of its contact keys (phone, e-mail, CPF, normalised as
//! imports normalise them) is one of theirs, whichever profile the row links to.

use super::EnrichError;
use super::profile;
use super::rows::Kind;
use super::tables::{self, ParsedFile};
use crate::columns::Table;
use crate::pipeline::suppress;
use crate::store::{Commit, StoreError, Workspace, WriteLock};
use hashbrown::{HashMap, HashSet};

/// The rows of enrichment table `t` to keep: those for which `theirs(phone, email, cpf)` is
/// false. `None` when every row stays.
fn rows_to_keep(
    t: &Table,
    mut theirs: impl FnMut(Option<u64>, Option<&str>, Option<u64>) -> bool,
) -> Option<Vec<u32>> {
    let (phone, cpf, email) =
        (profile::ints(t, "phone"), profile::ints(t, "cpf"), profile::texts(t, "email"));
    let key =
        |c: Option<&crate::columns::PrimitiveColumn<i64>>, i| c.and_then(|c| c.get(i)).map(|v| v as u64);
    let keep: Vec<u32> = (0..t.rows())
        .filter(|&i| !theirs(key(phone, i), email.and_then(|c| c.get(i)), key(cpf, i)))
        .map(|i| i as u32)
        .collect();
    (keep.len() < t.rows()).then_some(keep)
}

/// Whether a contact's keys are on the suppression list, each distinct key hashed once.
struct Suppressed<'a> {
    list: &'a suppress::List,
    phone: HashMap<u64, bool>,
    cpf: HashMap<u64, bool>,
    email: HashMap<String, bool>,
}

impl<'a> Suppressed<'a> {
    fn new(list: &'a suppress::List) -> Self {
        Suppressed { list, phone: HashMap::new(), cpf: HashMap::new(), email: HashMap::new() }
    }

    fn holds(&mut self, phone: Option<u64>, email: Option<&str>, cpf: Option<u64>) -> bool {
        let list = self.list;
        phone.is_some_and(|k| *self.phone.entry(k).or_insert_with(|| list.holds(&format!("p:{k}"))))
            || email.is_some_and(|k| match self.email.get(k) {
                Some(&held) => held,
                None => *self.email.entry(k.to_owned()).or_insert(list.holds(&format!("e:{k}"))),
            })
            || cpf.is_some_and(|k| *self.cpf.entry(k).or_insert_with(|| list.holds(&format!("c:{k}"))))
    }
}

/// Leaves out of each read file the rows whose contact is a person erased on request,
/// counting them in its report as `rows_suppressed`; nothing happens when nobody was erased.
pub fn refuse_suppressed(ws: &Workspace, files: &mut [ParsedFile]) -> Result<(), EnrichError> {
    let Some(list) = suppress::List::load(ws, tables::country(ws)?)? else { return Ok(()) };
    let mut suppressed = Suppressed::new(&list);
    for f in files {
        if let Some(keep) = rows_to_keep(&f.table, |p, e, c| suppressed.holds(p, e, c)) {
            f.report.rows_suppressed += (f.table.rows() - keep.len()) as u64;
            f.table = f.table.take(&keep);
        }
    }
    Ok(())
}

/// A person's identifier keys, as enrichment rows hold them.
type Person = suppress::PersonKeys<String>;

impl Person {
    fn holds(&self, phone: Option<u64>, email: Option<&str>, cpf: Option<u64>) -> bool {
        phone.is_some_and(|k| self.phone.contains(&k))
            || email.is_some_and(|k| self.email.contains(k))
            || cpf.is_some_and(|k| self.cpf.contains(&k))
    }
}

/// Adds to `commit` the removal of every stored enrichment row (messages, campaign events,
/// extras) holding one of `keys` — an erased person's identifier keys (`p:`, `e:`, `c:`
/// prefixed): each table that loses rows is written again without them and the old file
/// retired, and the enrichment generation moves on so no derived field is read from a cache
/// made before. Returns the rows removed.
pub fn erase_rows(
    ws: &Workspace,
    lock: &WriteLock,
    commit: &mut Commit,
    keys: &HashSet<String>,
) -> Result<u64, EnrichError> {
    let person = Person::parse(keys, str::to_owned);
    let g = tables::generation(ws)? + 1;
    let mut removed = 0u64;
    let mut settings = Vec::new();
    for kind in Kind::ALL {
        let Some(t) = tables::load(ws, kind)? else { continue };
        let Some(keep) = rows_to_keep(&t, |p, e, c| person.holds(p, e, c)) else { continue };
        removed += (t.rows() - keep.len()) as u64;
        let rel = tables::file_name(kind, g);
        commit.files.push((ws.stage_table(lock, &t.take(&keep))?, rel.clone()));
        commit.retire.extend(ws.catalog().setting(&tables::file_setting(kind))?);
        settings.push((tables::file_setting(kind), rel));
    }
    if removed > 0 {
        commit.add_catalog(Box::new(move |w| {
            for (setting, rel) in &settings {
                w.set_setting(setting, rel)?;
            }
            w.set_setting(tables::GENERATION, &g.to_string())?;
            Ok::<(), StoreError>(())
        }));
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::normalize::CountryCode;
    use std::path::Path;

    fn messages(csv: &str) -> ParsedFile {
        let br = CountryCode::parse("55").unwrap_or_default();
        tables::read_bytes(Path::new("m.csv"), csv.as_bytes(), Kind::Messages, br).unwrap()
    }

    #[test]
    fn a_row_is_the_persons_when_any_of_its_keys_is_theirs() {
        let f = messages(
            "phone,email,cpf,timestamp,direction,text\n\
             (11) 98765-4321,,,2026-11-01T10:00:00Z,in,a\n\
             (21) 99999-0000,Ana@Example.com,,2026-11-01T10:00:00Z,in,b\n\
             ,,529.982.247-25,2026-11-01T10:00:00Z,in,c\n\
             (21) 99999-0000,bia@example.com,,2026-11-01T10:00:00Z,in,d\n",
        );
        let keys: HashSet<String> =
            ["p:5511987654321", "e:ana@example.com", "c:52998224725"].map(String::from).into();
        let person = Person::parse(&keys, str::to_owned);
        assert_eq!(rows_to_keep(&f.table, |p, e, c| person.holds(p, e, c)), Some(vec![3]));
        let nobody = Person::parse(&HashSet::new(), str::to_owned);
        assert_eq!(rows_to_keep(&f.table, |p, e, c| nobody.holds(p, e, c)), None);
    }
}
