//! Looking a profile up by phone, e-mail, CPF or id, with its source records and lineage.

use super::{IdentityError, int_values, load_assignment, load_current, normalize};
use crate::columns::{Role, Table, Value};
use crate::store::{AliasRow, EventRow, Workspace};
use serde::Serialize;

/// A source record of a profile: where it came from.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct SourceRecord {
    pub import_id: i64,
    pub file: String,
    pub line: i64,
}

/// Everything `profiles show` prints.
#[derive(Clone, Debug, Serialize)]
pub struct ProfileView {
    pub id: i64,
    /// The id that was asked for, when it was an alias of this profile.
    pub asked_alias: Option<i64>,
    /// How many other profiles hold the identifier asked for (a hub value links nothing, so
    /// it can sit in many profiles); this is the first of them.
    pub other_matches: usize,
    pub fields: Vec<(String, String)>,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub tax_documents: Vec<String>,
    pub records: Vec<SourceRecord>,
    pub aliases: Vec<AliasRow>,
    pub events: Vec<EventRow>,
}

fn text_at(t: &Table, name: &str, row: usize) -> Option<String> {
    match t.column(name)?.data.value(row) {
        Value::Null => None,
        v => Some(v.to_string()),
    }
}

/// Finds the profile `query` names: a profile id (or an alias of one), an e-mail, a CPF or a
/// phone number, in any of their usual spellings.
pub fn find_profile(ws: &Workspace, query: &str) -> Result<ProfileView, IdentityError> {
    let not_found = || IdentityError::NotFound(query.to_owned());
    let current = load_current(ws)?.ok_or_else(not_found)?;
    let config = &current.config;
    let (tables, norm, record_profile) = (&current.live.imports, &current.norm, &current.record_profile);

    let q = query.trim();
    let mut asked_alias = None;
    let mut others = 0;
    let id = if q.len() <= 9 && !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit()) {
        let asked: i64 = q.parse().map_err(|_| not_found())?;
        let id = ws.catalog().resolve_alias(asked)?;
        if id != asked {
            asked_alias = Some(asked);
        }
        Some(id)
    } else {
        // The profiles of every record holding the identifier, in order of first record.
        let owners = |hit: &dyn Fn(usize) -> bool| -> Vec<i64> {
            let mut found: Vec<i64> = Vec::new();
            for r in (0..record_profile.len()).filter(|&r| hit(r)) {
                if !found.contains(&record_profile[r]) {
                    found.push(record_profile[r]);
                }
            }
            found
        };
        let found = if q.contains('@') {
            let key = normalize::email_key(q).ok_or_else(not_found)?;
            owners(&|r| norm.email[r].as_deref() == Some(key.as_str()))
        } else {
            let by_cpf =
                normalize::cpf_key(q).map(|k| owners(&|r| norm.cpf[r] == Some(k))).unwrap_or_default();
            if by_cpf.is_empty() {
                normalize::phone_key(q, &config.country)
                    .map(|k| owners(&|r| norm.phone[r] == Some(k)))
                    .unwrap_or_default()
            } else {
                by_cpf
            }
        };
        others = found.len().saturating_sub(1);
        found.first().copied()
    }
    .ok_or_else(not_found)?;
    if !record_profile.contains(&id) {
        return Err(not_found());
    }
    let profiles = current.profile(id);
    let row = 0;

    let fields = profiles
        .columns()
        .iter()
        .filter(|c| {
            c.role != Role::System
                || matches!(
                    c.name.as_str(),
                    "records" | "firstSeen" | "lastUpdated" | "lastImport" | "consent"
                )
        })
        .filter_map(|c| text_at(&profiles, &c.name, row).map(|v| (c.name.clone(), v)))
        .chain(
            crate::score::apply::profile_fields(ws, id)
                .map_err(|e| IdentityError::Corrupt(format!("scores: {e}")))?,
        )
        .collect();

    // The profile's records: where they came from, and every distinct identifier they hold.
    let mut records = Vec::new();
    let (mut phones, mut emails, mut cpfs) = (Vec::new(), Vec::new(), Vec::new());
    let push = |list: &mut Vec<String>, v: Option<String>| {
        if let Some(v) = v.filter(|v| !list.contains(v)) {
            list.push(v);
        }
    };
    let mut start = 0;
    for import in tables {
        let (import_id, file, table) = (&import.id, &import.file_name, import.table.as_ref());
        let lines = int_values(table, crate::ingest::LINE_COLUMN)?;
        for (i, &line) in lines.iter().enumerate() {
            let r = start + i;
            if record_profile[r] != id {
                continue;
            }
            records.push(SourceRecord { import_id: *import_id, file: file.clone(), line });
            push(&mut phones, norm.phone[r].map(|k| k.to_string()));
            push(&mut emails, norm.email[r].as_deref().map(str::to_owned));
            push(&mut cpfs, norm.cpf[r].map(normalize::cpf_to_string));
        }
        start += table.rows();
    }
    Ok(ProfileView {
        id,
        asked_alias,
        other_matches: others,
        fields,
        phones,
        emails,
        tax_documents: cpfs,
        records,
        aliases: ws.catalog().aliases_of(id)?,
        events: ws.catalog().events_of(id)?,
    })
}

/// Writes every record's profile as CSV: `import_id,file,line,profile_id`, in import and row
/// order. Returns how many records were written.
pub fn write_assignment_csv(ws: &Workspace, out: &mut dyn std::io::Write) -> Result<u64, IdentityError> {
    let io = |e: csv::Error| {
        IdentityError::Store(crate::store::StoreError::Io {
            path: "(output)".into(),
            source: std::io::Error::other(e.to_string()),
        })
    };
    let assignment = load_assignment(ws)?.ok_or_else(|| IdentityError::NotFound("any profile".into()))?;
    let records = crate::ingest::records::load(ws)?.records;
    let owners = super::live::Previous::read(&assignment)?.profiles_of(&records.record, None)?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["import_id", "file", "line", "profile_id"]).map_err(io)?;
    let mut r = 0;
    for (imp, count) in records.imports() {
        let file = ws.catalog().import(imp)?.file_name;
        let table = ws.load_import(imp)?;
        let lines = int_values(&table, crate::ingest::LINE_COLUMN)?;
        for i in r..r + count {
            let line = lines[records.row[i] as usize];
            w.write_record([imp.to_string(), file.clone(), line.to_string(), owners[i].to_string()])
                .map_err(io)?;
        }
        r += count;
    }
    w.flush().map_err(|e| io(e.into()))?;
    Ok(records.len() as u64)
}
