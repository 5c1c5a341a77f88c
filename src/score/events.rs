//! Reading event files (CSV or JSON Lines) into columns, strictly: every row is kept or
//! rejected with its line and reason, none is dropped silently.
//!
//! Fields: `contact` (phone, e-mail or CPF), `action` (a free word, kept lower-cased),
//! `timestamp` (see [`super::time::parse_timestamp`]), and optional `url`, `campaign`,
//! `value` (a number). CSV headers may also say `at`/`time`/`date` for the timestamp.

use super::contact::{ContactKeys, contact_keys};
use super::time::parse_timestamp;
use crate::columns::{
    Bitmap, Column, ColumnData, DictionaryEncoder, PrimitiveColumn, Role, StringColumn, Table,
};
use crate::identity::normalize::CountryCode;
use rayon::prelude::*;
use serde::Serialize;
use std::path::Path;

use super::ScoreError;

/// Column names of a stored event table.
pub mod col {
    pub const CONTACT: &str = "contact";
    pub const ACTION: &str = "action";
    pub const AT: &str = "at";
    pub const URL: &str = "url";
    pub const CAMPAIGN: &str = "campaign";
    pub const VALUE: &str = "value";
    pub const PHONE: &str = "_phone";
    pub const CPF: &str = "_cpf";
    pub const EMAIL: &str = "_email";
    pub const KEY: &str = "_key";
    pub const LINE: &str = "_line";
}

/// Why a row was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    MissingContact,
    ContactNotPhoneEmailOrCpf,
    MissingAction,
    MissingTimestamp,
    BadTimestamp,
    BadValue,
    WrongFieldCount,
    BadJson,
    NotUtf8,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Reason::MissingContact => "no contact",
            Reason::ContactNotPhoneEmailOrCpf => "contact is not a phone, e-mail or CPF",
            Reason::MissingAction => "no action",
            Reason::MissingTimestamp => "no timestamp",
            Reason::BadTimestamp => "timestamp not understood (use 2026-11-30T14:05:00Z or 2026-11-30)",
            Reason::BadValue => "value is not a number",
            Reason::WrongFieldCount => "wrong number of fields",
            Reason::BadJson => "not a JSON object with text or number fields",
            Reason::NotUtf8 => "not UTF-8",
        })
    }
}

/// A rejected row: where, why, and what it held (the CSV fields, or the JSON line).
#[derive(Clone, Debug, Serialize)]
pub struct Rejected {
    pub line: u64,
    pub reason: Reason,
    pub fields: Vec<String>,
}

/// One event's fields as read.
#[derive(Default)]
struct RawEvent<'a> {
    contact: Option<&'a str>,
    action: Option<&'a str>,
    timestamp: Option<&'a str>,
    url: Option<&'a str>,
    campaign: Option<&'a str>,
    value: Option<&'a str>,
}

/// The file read into columns (every accepted row, duplicates included), with its rejects.
pub struct Parsed {
    pub table: Table,
    pub rows_read: u64,
    pub rejects: Vec<Rejected>,
    /// The header (CSV) for the rejects file.
    pub header: Vec<String>,
    pub separator: u8,
}

/// Builds the event columns row by row.
struct Builder {
    country: CountryCode,
    contact: StringColumn,
    action: DictionaryEncoder,
    at: Vec<i64>,
    url: StringColumn,
    campaign: StringColumn,
    value: Vec<f64>,
    value_ok: Bitmap,
    keys: Vec<ContactKeys>,
    key: Vec<i64>,
    line: Vec<i64>,
}

fn some(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

impl Builder {
    fn new(country: CountryCode) -> Builder {
        Builder {
            country,
            contact: StringColumn::default(),
            action: DictionaryEncoder::new(0, u32::MAX as usize),
            at: Vec::new(),
            url: StringColumn::default(),
            campaign: StringColumn::default(),
            value: Vec::new(),
            value_ok: Bitmap::default(),
            keys: Vec::new(),
            key: Vec::new(),
            line: Vec::new(),
        }
    }

    fn push(&mut self, e: &RawEvent, line: u64) -> Result<(), Reason> {
        let contact = some(e.contact).ok_or(Reason::MissingContact)?;
        let keys = contact_keys(contact, self.country).ok_or(Reason::ContactNotPhoneEmailOrCpf)?;
        let action = some(e.action).ok_or(Reason::MissingAction)?;
        let action: std::borrow::Cow<str> =
            if action.chars().any(char::is_uppercase) { action.to_lowercase().into() } else { action.into() };
        let at = parse_timestamp(some(e.timestamp).ok_or(Reason::MissingTimestamp)?)
            .ok_or(Reason::BadTimestamp)?;
        let value = match some(e.value) {
            None => None,
            Some(v) => Some(
                v.replace(',', ".").parse::<f64>().ok().filter(|v| v.is_finite()).ok_or(Reason::BadValue)?,
            ),
        };
        let (url, campaign) = (some(e.url), some(e.campaign));
        self.key.push(event_key(contact, &action, at, url, campaign, value) as i64);
        self.contact.push(Some(contact));
        self.action.push(Some(action.as_bytes()));
        self.at.push(at);
        self.url.push(url);
        self.campaign.push(campaign);
        self.value.push(value.unwrap_or(0.0));
        self.value_ok.push(value.is_some());
        self.keys.push(keys);
        self.line.push(line as i64);
        Ok(())
    }

    fn finish(self) -> Table {
        let rows = self.at.len();
        let ints = |name: &str, v: Vec<i64>, valid: Bitmap| Column {
            name: name.into(),
            role: Role::System,
            data: ColumnData::Int64(PrimitiveColumn::new(v, valid)),
        };
        let key_col = |name: &str, pick: fn(&ContactKeys) -> Option<u64>| {
            let valid: Bitmap = bitmap_of(self.keys.iter().map(|k| pick(k).is_some()));
            ints(name, self.keys.iter().map(|k| pick(k).unwrap_or(0) as i64).collect(), valid)
        };
        let text = |name: &str, c: StringColumn| Column {
            name: name.into(),
            role: Role::Attribute,
            data: ColumnData::Utf8(c),
        };
        let columns = vec![
            key_col(col::PHONE, |k| k.phone),
            key_col(col::CPF, |k| k.cpf),
            key_col(col::EMAIL, |k| k.email),
            text(col::CONTACT, self.contact),
            Column {
                name: col::ACTION.into(),
                role: Role::Attribute,
                data: ColumnData::Dictionary(self.action.finish()),
            },
            ints(col::AT, self.at, Bitmap::new_set(rows)),
            text(col::URL, self.url),
            text(col::CAMPAIGN, self.campaign),
            Column {
                name: col::VALUE.into(),
                role: Role::Attribute,
                data: ColumnData::Float64(PrimitiveColumn::new(self.value, self.value_ok)),
            },
            ints(col::KEY, self.key, Bitmap::new_set(rows)),
            ints(col::LINE, self.line, Bitmap::new_set(rows)),
        ];
        Table::new(rows, columns)
    }
}

fn bitmap_of(bits: impl Iterator<Item = bool>) -> Bitmap {
    let mut b = Bitmap::default();
    for v in bits {
        b.push(v);
    }
    b
}

/// The identity of an event: two rows with the same contact, action, time, url, campaign
/// and value are one event (a stable hash, the same in every run and version).
pub fn event_key(
    contact: &str,
    action: &str,
    at: i64,
    url: Option<&str>,
    campaign: Option<&str>,
    value: Option<f64>,
) -> u64 {
    let value = value.map(f64::to_bits).unwrap_or(u64::MAX).to_le_bytes();
    let parts: [&[u8]; 6] = [
        contact.as_bytes(),
        action.as_bytes(),
        &at.to_le_bytes(),
        url.unwrap_or("").as_bytes(),
        campaign.unwrap_or("").as_bytes(),
        &value,
    ];
    super::contact::stable_hash(&parts)
}

/// Whether `path` holds JSON Lines (by extension `.jsonl`/`.ndjson`/`.json`, or a first
/// non-blank byte of `{`).
fn is_json_lines(path: &Path, bytes: &[u8]) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if matches!(ext.as_str(), "jsonl" | "ndjson" | "json") {
        return true;
    }
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Reads an event file; `country` is the default phone country for contacts.
pub fn read(path: &Path, country: CountryCode) -> Result<Parsed, ScoreError> {
    let file = std::fs::File::open(path).map_err(|e| ScoreError::Io(path.to_owned(), e))?;
    // SAFETY: the file is mapped read-only and only read while `map` lives; a file changed
    // underneath by another program gives wrong rows, not memory unsafety for us to guard.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| ScoreError::Io(path.to_owned(), e))?;
    let bytes: &[u8] = &map;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes);
    if is_json_lines(path, bytes) {
        Ok(read_json_lines(bytes, country))
    } else {
        read_csv(path, bytes, country)
    }
}

/// Which field of an event each CSV column holds.
#[derive(Clone, Copy, Debug)]
enum Field {
    Contact,
    Action,
    Timestamp,
    Url,
    Campaign,
    Value,
}

fn field_of(header: &str) -> Option<Field> {
    Some(match header.trim().to_lowercase().as_str() {
        "contact" | "contato" => Field::Contact,
        "action" | "acao" | "ação" | "event" => Field::Action,
        "timestamp" | "at" | "time" | "date" | "data" => Field::Timestamp,
        "url" => Field::Url,
        "campaign" | "campanha" => Field::Campaign,
        "value" | "valor" => Field::Value,
        _ => return None,
    })
}

fn read_csv(path: &Path, bytes: &[u8], country: CountryCode) -> Result<Parsed, ScoreError> {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let sep = if first.iter().filter(|&&b| b == b';').count() > first.iter().filter(|&&b| b == b',').count() {
        b';'
    } else {
        b','
    };
    let mut reader =
        csv::ReaderBuilder::new().delimiter(sep).flexible(true).has_headers(true).from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| ScoreError::BadFile(path.to_owned(), format!("header: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut fields = Vec::with_capacity(header.len());
    for (i, h) in header.iter().enumerate() {
        let f = field_of(h).ok_or_else(|| {
            ScoreError::BadFile(
                path.to_owned(),
                format!("line 1, column {}: unknown column {h:?} (expected contact, action, timestamp, url, campaign, value)", i + 1),
            )
        })?;
        fields.push(f);
    }
    for (need, name) in [
        (Field::Contact as u8, "contact"),
        (Field::Action as u8, "action"),
        (Field::Timestamp as u8, "timestamp"),
    ] {
        if !fields.iter().any(|&f| f as u8 == need) {
            return Err(ScoreError::BadFile(
                path.to_owned(),
                format!("line 1: the header has no {name} column"),
            ));
        }
    }
    let parse = |reader: csv::Reader<&[u8]>, line_offset: u64| {
        parse_rows(path, reader, line_offset, &fields, country)
    };
    // Without quotes, every line break ends a record: the body splits at line breaks and
    // parses on every core. Otherwise it is read in one pass.
    let body_start = memchr::memchr(b'\n', bytes).map_or(bytes.len(), |i| i + 1);
    let body = &bytes[body_start..];
    let (table, rows_read, rejects) = if memchr::memchr(b'"', bytes).is_none() && body.len() > PARALLEL_BYTES
    {
        let chunks =
            split_lines(body, body.len().div_ceil(rayon::current_num_threads() * 4).max(PARALLEL_BYTES / 4));
        let lines: Vec<u64> =
            chunks.par_iter().map(|c| memchr::memchr_iter(b'\n', c).count() as u64).collect();
        let firsts: Vec<u64> = lines
            .iter()
            .scan(1u64, |acc, &n| {
                let at = *acc;
                *acc += n;
                Some(at)
            })
            .collect();
        let parts = chunks
            .par_iter()
            .zip(firsts)
            .map(|(c, first)| {
                parse(
                    csv::ReaderBuilder::new().delimiter(sep).flexible(true).has_headers(false).from_reader(c),
                    first,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        merge(parts)
    } else {
        parse(reader, 0)?
    };
    Ok(Parsed { table, rows_read, rejects, header, separator: sep })
}

/// Files above this size parse in parallel (when they hold no quotes); tiny in debug
/// builds, so tests exercise the parallel path.
const PARALLEL_BYTES: usize = if cfg!(debug_assertions) { 1 << 10 } else { 1 << 22 };

/// `bytes` cut into pieces of about `size` bytes, each ending with a line break (or the end).
fn split_lines(bytes: &[u8], size: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let cut = if rest.len() <= size {
            rest.len()
        } else {
            memchr::memchr(b'\n', &rest[size..]).map_or(rest.len(), |i| size + i + 1)
        };
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out
}

/// Joins the parts parsed in parallel, in order.
fn merge(parts: Vec<(Table, u64, Vec<Rejected>)>) -> (Table, u64, Vec<Rejected>) {
    let rows: usize = parts.iter().map(|p| p.0.rows()).sum();
    let read = parts.iter().map(|p| p.1).sum();
    let names: Vec<(String, Role)> = parts[0].0.columns().iter().map(|c| (c.name.clone(), c.role)).collect();
    let mut rejects = Vec::new();
    let mut datas: Vec<Vec<ColumnData>> = vec![Vec::new(); names.len()];
    for (t, _, r) in parts {
        rejects.extend(r);
        for (i, c) in t.columns().iter().enumerate() {
            datas[i].push(c.data.clone());
        }
    }
    let columns = names
        .into_iter()
        .zip(datas)
        .map(|((name, role), d)| Column { name, role, data: ColumnData::concat(d) })
        .collect();
    (Table::new(rows, columns), read, rejects)
}

/// Parses the records `reader` yields (line numbers shifted by `line_offset`).
fn parse_rows(
    path: &Path,
    mut reader: csv::Reader<&[u8]>,
    line_offset: u64,
    fields: &[Field],
    country: CountryCode,
) -> Result<(Table, u64, Vec<Rejected>), ScoreError> {
    let mut b = Builder::new(country);
    let (mut rows_read, mut rejects) = (0u64, Vec::new());
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(ScoreError::BadFile(path.to_owned(), e.to_string())),
        }
        let line = record.position().map_or(0, |p| p.line()) + line_offset;
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        rows_read += 1;
        let texts = |r: &csv::ByteRecord| r.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
        if record.len() != fields.len() {
            rejects.push(Rejected { line, reason: Reason::WrongFieldCount, fields: texts(&record) });
            continue;
        }
        let mut e = RawEvent::default();
        let mut utf8 = true;
        for (f, v) in fields.iter().zip(record.iter()) {
            let Ok(v) = std::str::from_utf8(v) else {
                utf8 = false;
                break;
            };
            let v = Some(v);
            match f {
                Field::Contact => e.contact = v,
                Field::Action => e.action = v,
                Field::Timestamp => e.timestamp = v,
                Field::Url => e.url = v,
                Field::Campaign => e.campaign = v,
                Field::Value => e.value = v,
            }
        }
        let result = if utf8 { b.push(&e, line) } else { Err(Reason::NotUtf8) };
        if let Err(reason) = result {
            rejects.push(Rejected { line, reason, fields: texts(&record) });
        }
    }
    Ok((b.finish(), rows_read, rejects))
}

fn json_text(v: &serde_json::Value) -> Option<Result<String, Reason>> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(Ok(s.clone())),
        serde_json::Value::Number(n) => Some(Ok(n.to_string())),
        _ => Some(Err(Reason::BadJson)),
    }
}

fn read_json_lines(bytes: &[u8], country: CountryCode) -> Parsed {
    let mut b = Builder::new(country);
    let (mut rows_read, mut rejects) = (0u64, Vec::new());
    for (i, raw) in bytes.split(|&c| c == b'\n').enumerate() {
        let line = i as u64 + 1;
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        rows_read += 1;
        let reject = |reason| Rejected {
            line,
            reason,
            fields: vec![String::from_utf8_lossy(raw).trim_end().to_owned()],
        };
        let Ok(text) = std::str::from_utf8(raw) else {
            rejects.push(reject(Reason::NotUtf8));
            continue;
        };
        let object: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(text) {
            Ok(o) => o,
            Err(_) => {
                rejects.push(reject(Reason::BadJson));
                continue;
            }
        };
        let mut values: [Option<String>; 6] = Default::default();
        let mut bad = false;
        for (k, v) in &object {
            let Some(f) = field_of(k) else { continue };
            match json_text(v) {
                Some(Ok(t)) => values[f as usize] = Some(t),
                Some(Err(_)) => bad = true,
                None => {}
            }
        }
        let result = if bad {
            Err(Reason::BadJson)
        } else {
            let get = |f: Field| values[f as usize].as_deref();
            let e = RawEvent {
                contact: get(Field::Contact),
                action: get(Field::Action),
                timestamp: get(Field::Timestamp),
                url: get(Field::Url),
                campaign: get(Field::Campaign),
                value: get(Field::Value),
            };
            b.push(&e, line)
        };
        if let Err(reason) = result {
            rejects.push(reject(reason));
        }
    }
    Parsed { table: b.finish(), rows_read, rejects, header: vec!["event".into()], separator: b',' }
}

/// Writes `rejects` as CSV: `line`, `reason`, then the row's fields.
pub fn write_rejects(path: &Path, parsed: &Parsed) -> Result<(), ScoreError> {
    let io = |e: std::io::Error| ScoreError::Io(path.to_owned(), e);
    let mut w = csv::WriterBuilder::new()
        .delimiter(parsed.separator)
        .flexible(true)
        .from_path(path)
        .map_err(|e| io(std::io::Error::other(e)))?;
    let mut head = vec!["line".to_owned(), "reason".to_owned()];
    head.extend(parsed.header.iter().cloned());
    w.write_record(&head).map_err(|e| io(std::io::Error::other(e)))?;
    for r in &parsed.rejects {
        let mut row = vec![r.line.to_string(), r.reason.to_string()];
        row.extend(r.fields.iter().cloned());
        w.write_record(&row).map_err(|e| io(std::io::Error::other(e)))?;
    }
    w.flush().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(name: &str, text: &str) -> Parsed {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        read(&path, CountryCode::parse("55").unwrap()).unwrap()
    }

    #[test]
    fn csv_rows_are_kept_or_rejected_with_their_line() {
        let p = read_text(
            "e.csv",
            "contact,action,timestamp,url,value\n\
             ana@example.com,Page_Visit,2026-11-01,/pricing,\n\
             ,email_open,2026-11-01,,\n\
             nobody,email_open,2026-11-01,,\n\
             11999990001,email_open,yesterday,,\n\
             11999990001,purchase,2026-11-02T10:00:00Z,,12x\n\
             11999990001,purchase,2026-11-02T10:00:00Z,,12.5\n\
             only,two\n",
        );
        assert_eq!(p.rows_read, 7);
        assert_eq!(p.table.rows(), 2);
        let reasons: Vec<(u64, Reason)> = p.rejects.iter().map(|r| (r.line, r.reason)).collect();
        assert_eq!(
            reasons,
            vec![
                (3, Reason::MissingContact),
                (4, Reason::ContactNotPhoneEmailOrCpf),
                (5, Reason::BadTimestamp),
                (6, Reason::BadValue),
                (8, Reason::WrongFieldCount)
            ]
        );
        let action = p.table.column(col::ACTION).unwrap();
        assert_eq!(action.data.value(0).to_string(), "page_visit");
    }

    #[test]
    fn a_large_file_parses_in_parallel_with_the_same_lines() {
        let mut text = String::from("contact,action,timestamp\n");
        for i in 0..400 {
            let contact = if i % 97 == 5 { "nobody".to_owned() } else { format!("user{i}@example.com") };
            text.push_str(&format!("{contact},Email_Open,2026-11-{:02}\n", 1 + i % 28));
        }
        let p = read_text("big.csv", &text);
        assert_eq!(p.rows_read, 400);
        assert_eq!(p.rejects.iter().map(|r| r.line).collect::<Vec<_>>(), vec![7, 104, 201, 298, 395]);
        assert_eq!(p.table.rows(), 395);
        let lines = p.table.ints(col::LINE).unwrap();
        assert!(lines.windows(2).all(|w| w[0] < w[1]) && lines[0] == 2 && lines[394] == 401);
        assert_eq!(p.table.column(col::ACTION).unwrap().data.value(394).to_string(), "email_open");
    }

    #[test]
    fn json_lines_read_like_csv() {
        let p = read_text(
            "e.jsonl",
            "{\"contact\":\"ana@example.com\",\"action\":\"email_open\",\"timestamp\":\"2026-11-01\",\"value\":3}\n\n\
             {\"contact\":\"ana@example.com\"\n\
             {\"contact\":\"ana@example.com\",\"action\":[1],\"timestamp\":\"2026-11-01\"}\n",
        );
        assert_eq!(p.rows_read, 3);
        assert_eq!(p.table.rows(), 1);
        assert_eq!(p.rejects.iter().map(|r| r.line).collect::<Vec<_>>(), vec![3, 4]);
    }

    #[test]
    fn unknown_columns_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.csv");
        std::fs::write(&path, "contact,action,when\n").unwrap();
        let err = read(&path, CountryCode::default()).err().unwrap().to_string();
        assert!(err.contains("unknown column \"when\""), "{err}");
    }
}
