//! A CRM dump that changes night after night, with its truth each night: what a nightly job
//! re-imports.
//!
//! A pool of persons is generated once (see [`super::generate`]); two fifths are the
//! customers of night 1, the rest wait to arrive. Each later night about 1% of the
//! customers leave (all their records), about 1% arrive, and about 5% change: a new phone or
//! e-mail (taken from a waiting person who never arrives, so no key is ever shared by
//! two persons, and put into every record of the person that carried one, so the person's
//! records stay linked) or a changed behaviour field. The truth invariant of the generator
//! holds every night: the `ok` records of each person are exactly one profile.

use super::{GenerateError, GenerateOptions};
use crate::identity::normalize;
use rand::Rng;
use rand::seq::SliceRandom;
use std::io::Write as _;

/// One record of the pool: its fields, its person and its truth status.
struct Record {
    fields: csv::ByteRecord,
    person: u64,
    status: String,
}

/// The dump as it stands on some night.
pub struct Nightly {
    header: csv::ByteRecord,
    records: Vec<Record>,
    /// Persons of the dump tonight.
    active: hashbrown::HashSet<u64>,
    /// Persons who have not arrived yet, in arrival order (donors are taken from the end).
    waiting: Vec<u64>,
    /// Persons who never leave (they hold the hub values).
    pinned: hashbrown::HashSet<u64>,
    by_person: hashbrown::HashMap<u64, Vec<usize>>,
    seed: u64,
    night: u32,
    opts: GenerateOptions,
    columns: Columns,
}

/// Positions of the columns the changes touch.
struct Columns {
    phone: usize,
    email: usize,
    visits: usize,
}

/// What a night changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct NightChanges {
    pub left: usize,
    pub arrived: usize,
    pub new_phone: usize,
    pub new_email: usize,
    pub new_field: usize,
}

impl Nightly {
    /// Night 1 of a dump of about `rows` records. The pool holds two and a half times as
    /// many: enough arrivals and donors of new identifiers for 30 nights and more.
    pub fn new(rows: usize, seed: u64) -> Result<Nightly, GenerateError> {
        let opts = GenerateOptions { rows: rows * 5 / 2, seed, separator: b';', crlf: true };
        let (mut csv, mut truth) = (Vec::new(), Vec::new());
        super::generate(&opts, &mut csv, &mut truth)?;
        let mut reader = csv::ReaderBuilder::new().delimiter(b';').flexible(true).from_reader(&csv[..]);
        let header = reader.byte_headers().map_err(invalid)?.clone();
        let col = |name: &str| header.iter().position(|h| h == name.as_bytes()).ok_or_else(|| invalid(name));
        let columns = Columns { phone: col("Telefone")?, email: col("E-mail")?, visits: col("visitas")? };
        let mut truth_rows = csv::Reader::from_reader(&truth[..]);
        let mut records = Vec::new();
        for (fields, t) in reader.byte_records().zip(truth_rows.records()) {
            let (fields, t) = (fields.map_err(invalid)?, t.map_err(invalid)?);
            let person = t[1].parse().map_err(|_| invalid("person"))?;
            records.push(Record { fields, person, status: t[2].to_owned() });
        }
        let mut by_person: hashbrown::HashMap<u64, Vec<usize>> = hashbrown::HashMap::new();
        for (i, r) in records.iter().enumerate() {
            by_person.entry(r.person).or_default().push(i);
        }
        // Persons holding a hub value stay all along, so the hubs stay hubs every night.
        let pinned: hashbrown::HashSet<u64> = records
            .iter()
            .filter(|r| is_hub(&r.fields[columns.phone], &r.fields[columns.email]))
            .map(|r| r.person)
            .collect();
        let mut persons: Vec<u64> = by_person.keys().copied().filter(|p| !pinned.contains(p)).collect();
        persons.sort_unstable();
        persons.shuffle(&mut super::block_rng(seed, 0x4E16));
        let first = persons.len() * 2 / 5;
        let active = persons[..first].iter().chain(&pinned).copied().collect();
        let waiting = persons[first..].to_vec();
        Ok(Nightly { header, records, active, waiting, pinned, by_person, seed, night: 1, opts, columns })
    }

    pub fn night(&self) -> u32 {
        self.night
    }

    /// Moves to the next night and applies its changes.
    pub fn advance(&mut self) -> NightChanges {
        self.night += 1;
        let mut rng = super::block_rng(self.seed, 0x1000 + self.night as usize);
        let mut active: Vec<u64> = self.active.iter().copied().filter(|p| !self.pinned.contains(p)).collect();
        active.sort_unstable();
        active.shuffle(&mut rng);
        let share = |pct: usize| (active.len() * pct).div_ceil(100);
        let mut c = NightChanges::default();
        let (leaving, rest) = active.split_at(share(1));
        for p in leaving {
            self.active.remove(p);
            c.left += 1;
        }
        let changing: Vec<u64> = rest[..share(5).min(rest.len())].to_vec();
        for _ in 0..share(1) {
            if self.waiting.len() > 1 {
                let p = self.waiting.remove(0);
                self.active.insert(p);
                c.arrived += 1;
            }
        }
        for p in changing {
            match rng.random_range(0..5) {
                0 | 1 => c.new_phone += usize::from(self.give_identifier(p, self.columns.phone, &is_phone)),
                2 => c.new_email += usize::from(self.give_identifier(p, self.columns.email, &is_email)),
                _ => {
                    self.bump_visits(p, rng.random_range(1..50));
                    c.new_field += 1;
                }
            }
        }
        c
    }

    /// Gives person `p` a donor's identifier in column `col` (every record of `p` carrying a
    /// valid one gets it); false when no donor has one.
    fn give_identifier(&mut self, p: u64, col: usize, valid: &dyn Fn(&[u8]) -> bool) -> bool {
        let Some(value) = self.take_donor_value(col, valid) else { return false };
        for &i in &self.by_person[&p] {
            let r = &mut self.records[i];
            if valid(&r.fields[col]) {
                r.fields = replace_field(&r.fields, col, &value);
            }
        }
        true
    }

    /// A valid value of column `col` from a waiting person, who then never arrives.
    fn take_donor_value(&mut self, col: usize, valid: &dyn Fn(&[u8]) -> bool) -> Option<Vec<u8>> {
        while self.waiting.len() > 1 {
            let donor = self.waiting.pop()?;
            let found = self.by_person[&donor]
                .iter()
                .map(|&i| &self.records[i].fields[col])
                .find(|v| valid(v))
                .map(<[u8]>::to_vec);
            if found.is_some() {
                return found;
            }
        }
        None
    }

    fn bump_visits(&mut self, p: u64, by: u64) {
        let col = self.columns.visits;
        for &i in &self.by_person[&p] {
            let r = &mut self.records[i];
            let now: u64 = std::str::from_utf8(&r.fields[col]).ok().and_then(|s| s.parse().ok()).unwrap_or(0);
            r.fields = replace_field(&r.fields, col, (now + by).to_string().as_bytes());
        }
    }

    /// Writes tonight's dump and its truth (`record,person,status`).
    pub fn write(
        &self,
        out: &mut dyn std::io::Write,
        truth: &mut dyn std::io::Write,
    ) -> Result<(), GenerateError> {
        let term = if self.opts.crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') };
        let mut w = csv::WriterBuilder::new()
            .delimiter(self.opts.separator)
            .terminator(term)
            .flexible(true)
            .from_writer(out);
        let io = |e: csv::Error| GenerateError::Io { what: "CSV output", source: std::io::Error::other(e) };
        w.write_byte_record(&self.header).map_err(io)?;
        let mut t = std::io::BufWriter::new(truth);
        let tio = |source| GenerateError::Io { what: "truth file", source };
        t.write_all(b"record,person,status\n").map_err(tio)?;
        for (n, r) in self.records.iter().filter(|r| self.active.contains(&r.person)).enumerate() {
            w.write_byte_record(&r.fields).map_err(io)?;
            writeln!(t, "{n},{},{}", r.person, r.status).map_err(tio)?;
        }
        w.flush().map_err(|e| GenerateError::Io { what: "CSV output", source: e })?;
        t.flush().map_err(tio)
    }
}

fn invalid(what: impl std::fmt::Display) -> GenerateError {
    GenerateError::InvalidOptions(format!("the generated dump could not be read back: {what}"))
}

/// Whether a record carries the call-centre phone or `teste@teste.com`.
fn is_hub(phone: &[u8], email: &[u8]) -> bool {
    let valid_phone = std::str::from_utf8(phone).is_ok_and(|s| normalize::phone_key(s, "55").is_ok());
    let valid_email = std::str::from_utf8(email).is_ok_and(|s| normalize::email_key(s).is_some());
    (valid_phone && !is_phone(phone)) || (valid_email && !is_email(email))
}

/// A valid phone that is not the generator's call-centre hub.
fn is_phone(v: &[u8]) -> bool {
    let hub = normalize::phone_key("+55 11 3003-0000", "55").ok();
    std::str::from_utf8(v).is_ok_and(|s| normalize::phone_key(s, "55").ok().is_some_and(|k| Some(k) != hub))
}

/// A valid e-mail that is not the generator's `teste@teste.com` hub.
fn is_email(v: &[u8]) -> bool {
    std::str::from_utf8(v).is_ok_and(|s| normalize::email_key(s).is_some_and(|k| k != "teste@teste.com"))
}

fn replace_field(fields: &csv::ByteRecord, col: usize, value: &[u8]) -> csv::ByteRecord {
    fields.iter().enumerate().map(|(i, f)| if i == col { value } else { f }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nights_change_about_the_planned_shares_and_keep_keys_apart() {
        let mut n = Nightly::new(4_000, 5).unwrap();
        let (mut a, mut t) = (Vec::new(), Vec::new());
        n.write(&mut a, &mut t).unwrap();
        let c = n.advance();
        assert!(c.left > 0 && c.arrived > 0 && c.new_phone + c.new_email + c.new_field > 0, "{c:?}");
        let (mut b, mut t2) = (Vec::new(), Vec::new());
        n.write(&mut b, &mut t2).unwrap();
        assert_ne!(a, b);
        assert_eq!(n.night(), 2);
    }
}
