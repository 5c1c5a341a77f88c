//! `--create-profiles`: contacts of enrichment rows that link to no profile become profiles.
//!
//! Each unknown contact's identity keys (phone, e-mail, CPF) are written as one row of a
//! generated CSV (`phone,email,cpf`) and imported through the ordinary import pipeline as
//! records of the source [`SOURCE`] (upsert mode, matched by content). The created profiles are
//! therefore records like any other source's: identity resolution reads them on every later
//! import and re-resolution, a record of another source with the same key merges with them,
//! and `sources list` and `imports list` show them. Importing the same contact again changes
//! nothing (the record is unchanged). An import needs a phone on every row, so a contact
//! known by e-mail or CPF alone stays unknown and is counted apart.

use super::EnrichError;
use super::contact::Linker;
use super::profile;
use super::tables::ParsedFile;
use crate::compute::Backend;
use crate::ingest::records::{Mode, SourceSpec};
use crate::ingest::sources::SourcedFile;
use crate::ingest::{self, ImportOptions};
use crate::pipeline::{self, PipelineError, suppress};
use crate::store::{Workspace, WriteLock};
use serde::Serialize;
use std::path::Path;

/// The source the created contacts' records belong to.
pub const SOURCE: &str = "enrich-contacts";

/// What `--create-profiles` did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Created {
    /// Distinct unknown contacts with a valid phone, imported as records.
    pub contacts: u64,
    /// Distinct unknown contacts known by e-mail or CPF only: left unknown, since every
    /// record of a profile is imported with a phone.
    pub contacts_without_phone: u64,
    /// Profiles the resolution created (fewer than `contacts` when contacts share a key).
    pub profiles: u64,
    /// Unknown contacts of people erased on request: never made profiles again.
    pub contacts_erased: u64,
    /// The import holding the contacts' records.
    pub import_ids: Vec<i64>,
    pub source: String,
}

/// One unknown contact's keys, as text the import reads back into the same keys.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct ContactRow {
    phone: String,
    email: String,
    cpf: String,
}

/// The distinct contacts of `files` that link to no profile under `linker`, in first-seen
/// order; rows without any valid key cannot make a profile and are left out.
fn unknown_contacts(files: &[ParsedFile], linker: &Linker) -> Vec<ContactRow> {
    let mut seen = hashbrown::HashSet::new();
    let mut out = Vec::new();
    for f in files {
        let t = &f.table;
        let (phone, cpf, email) =
            (profile::ints(t, "phone"), profile::ints(t, "cpf"), profile::texts(t, "email"));
        for i in 0..t.rows() {
            let p = phone.and_then(|c| c.get(i)).map(|v| v as u64);
            let c = cpf.and_then(|c| c.get(i)).map(|v| v as u64);
            let e = email.and_then(|c| c.get(i));
            if (p.is_none() && c.is_none() && e.is_none()) || linker.profile(p, e, c).is_some() {
                continue;
            }
            let row = ContactRow {
                phone: p.map(|k| format!("+{k}")).unwrap_or_default(),
                email: e.unwrap_or_default().to_owned(),
                cpf: c.map(|k| format!("{k:011}")).unwrap_or_default(),
            };
            if seen.insert(row.clone()) {
                out.push(row);
            }
        }
    }
    out
}

fn pipeline_error(e: PipelineError) -> EnrichError {
    if e.is_user_error() {
        EnrichError::Invalid(format!("creating profiles: {e}"))
    } else {
        EnrichError::Corrupt(format!("creating profiles: {e}"))
    }
}

/// Writes `rows` as CSV with the columns `header` names (`phone`, `email`, `cpf`).
fn write_csv(path: &Path, header: &[&str], rows: &[&ContactRow]) -> Result<(), EnrichError> {
    let io = |e: std::io::Error| EnrichError::Corrupt(format!("{}: {e}", path.display()));
    let mut w = csv::Writer::from_path(path).map_err(|e| io(std::io::Error::other(e)))?;
    w.write_record(header).map_err(|e| io(std::io::Error::other(e)))?;
    for r in rows {
        let field = |h: &&str| match *h {
            "phone" => r.phone.as_str(),
            "email" => r.email.as_str(),
            _ => r.cpf.as_str(),
        };
        w.write_record(header.iter().map(field)).map_err(|e| io(std::io::Error::other(e)))?;
    }
    w.flush().map_err(io)
}

/// The contacts with a phone as a file the import reads, less the people erased on request
/// (their suppression list holds for created profiles as for any import).
fn contact_file(
    ws: &Workspace,
    dir: &Path,
    rows: &[&ContactRow],
    imported_by: &str,
) -> Result<SourcedFile, EnrichError> {
    let options = ImportOptions { imported_by: imported_by.to_owned(), ..ImportOptions::default() };
    let path = dir.join(format!("{SOURCE}.csv"));
    write_csv(&path, &["phone", "email", "cpf"], rows)?;
    let mut ingested = ingest::read_csv(&path, &options, &|_| {}).map_err(|e| pipeline_error(e.into()))?;
    if ingested.report.rows_rejected > 0 {
        return Err(EnrichError::Corrupt(format!(
            "{} generated contact rows were rejected by the import",
            ingested.report.rows_rejected
        )));
    }
    if let Some(list) = suppress::List::load(ws, super::tables::country(ws)?)? {
        list.refuse_rows(&mut ingested);
    }
    let spec = SourceSpec { source: Some(SOURCE.to_owned()), mode: Mode::Upsert, record_id: None };
    Ok(SourcedFile { ingested, spec })
}

/// Imports the unknown contacts of `files` as records of [`SOURCE`], resolving them into
/// profiles; nothing is written when every contact already links.
pub fn create_profiles(
    ws: &mut Workspace,
    lock: &WriteLock,
    files: &[ParsedFile],
    imported_by: &str,
    backend: &dyn Backend,
) -> Result<Created, EnrichError> {
    let linker = Linker::load(ws)?;
    let rows = unknown_contacts(files, &linker);
    let (with_phone, without): (Vec<&ContactRow>, Vec<&ContactRow>) =
        rows.iter().partition(|r| !r.phone.is_empty());
    let mut created = Created {
        source: SOURCE.to_owned(),
        contacts_without_phone: without.len() as u64,
        ..Created::default()
    };
    if with_phone.is_empty() {
        return Ok(created);
    }
    let dir = tempfile::tempdir().map_err(|e| EnrichError::Corrupt(format!("temporary folder: {e}")))?;
    let file = contact_file(ws, dir.path(), &with_phone, imported_by)?;
    created.contacts_erased = file.ingested.report.rows_suppressed;
    created.contacts = file.ingested.table.rows() as u64;
    if created.contacts == 0 {
        return Ok(created);
    }
    let outcome = pipeline::commit_files(ws, lock, vec![file], backend, &|_| {}).map_err(pipeline_error)?;
    created.profiles = outcome.identity.as_ref().map_or(0, |s| s.new_profiles as u64);
    created.import_ids = outcome.imports.iter().filter_map(|r| r.id).collect();
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::{Kind, tables};
    use crate::identity::normalize::{self, CountryCode};

    #[test]
    fn unknown_contacts_are_distinct_and_leave_linked_ones_out() {
        let br = CountryCode::parse("55").unwrap_or_default();
        let csv = "contact,timestamp,direction,text\n5511988880001,2026-11-01T10:00:00Z,in,oi\n(31) 96666-0003,2026-11-01T10:00:00Z,in,oi\n+55 31 96666-0003,2026-11-02T10:00:00Z,in,ok\nx@example.com,2026-11-02T10:00:00Z,in,ok\n";
        let f = tables::read_bytes(Path::new("m.csv"), csv.as_bytes(), Kind::Messages, br).unwrap();
        let known = normalize::phone_key_in("5511988880001", br).unwrap();
        let linker = Linker::from_entries([(Some(known), None, None, 1)]);
        let rows = unknown_contacts(&[f], &linker);
        let phone = normalize::phone_key_in("31966660003", br).unwrap();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0].phone, format!("+{phone}"));
        assert_eq!((rows[1].phone.as_str(), rows[1].email.as_str()), ("", "x@example.com"));
    }

    #[test]
    fn written_keys_read_back_as_the_same_keys() {
        let br = CountryCode::parse("55").unwrap_or_default();
        for raw in ["+55 11 98765-4321", "(11) 3456-7890", "+1 415 555 0134", "+44 20 7946 0958"] {
            let k = normalize::phone_key_in(raw, br).expect(raw);
            assert_eq!(normalize::phone_key_in(&format!("+{k}"), br).ok(), Some(k), "{raw}");
        }
        for raw in ["529.982.247-25", "000.000.001-91"] {
            let k = normalize::cpf_key(raw).expect(raw);
            assert_eq!(normalize::cpf_key(&format!("{k:011}")).ok(), Some(k), "{raw}");
        }
    }
}
