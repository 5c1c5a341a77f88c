//! Formatting: turns blocks of file positions into CSV bytes (through the
//! `csv` crate, so quoting is RFC 4180-correct) and truth-file lines.

use std::io::Write as _;

use csv::{ByteRecord, QuoteStyle, Terminator, WriterBuilder};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::data::{CHANNELS, LEAD_STATUS, MULTILINE_NOTES, NOTES, OPT_IN, OPT_OUT};
use super::people::{CpfUse, EmailUse, Person, PhoneUse, RecordPlan, Status, pick};
use super::plan::Plan;
use super::{GenerateError, GenerateOptions, format};

/// The header row (pt-BR, like the sample dumps).
pub(crate) const HEADER: [&str; 16] = [
    "Telefone",
    "E-mail",
    "CPF",
    "Nome",
    "Cidade",
    "Endereço",
    "Aceite",
    "status_lead",
    "ultimo_canal",
    "idade",
    "compras",
    "visitas",
    "valor_total",
    "ultima_compra",
    "newsletter",
    "observacoes",
];

/// Rows per block; fixed, so output never depends on the thread count.
pub(crate) const BLOCK_ROWS: usize = 4096;

/// Share (per 1000) of behaviour cells left empty.
const BLANK_PER_MILLE: u32 = 30;

/// One formatted block: CSV bytes, truth lines and status counts.
#[derive(Debug, Default)]
pub(crate) struct Block {
    /// CSV records of the block, terminated.
    pub csv: Vec<u8>,
    /// Truth lines of the block.
    pub truth: Vec<u8>,
    /// Records per status: ok, optout, reject.
    pub counts: [usize; 3],
}

/// A CSV writer into memory with the options' separator and line ending.
fn writer(opts: &GenerateOptions, capacity: usize) -> csv::Writer<Vec<u8>> {
    WriterBuilder::new()
        .delimiter(opts.separator)
        .terminator(if opts.crlf { Terminator::CRLF } else { Terminator::Any(b'\n') })
        .quote_style(QuoteStyle::Necessary)
        .flexible(true)
        .from_writer(Vec::with_capacity(capacity))
}

/// Maps a `csv` error on an in-memory writer to [`GenerateError::Io`].
fn csv_error(err: csv::Error) -> GenerateError {
    GenerateError::Io { what: "CSV record", source: err.into() }
}

/// Finishes an in-memory writer and returns its bytes.
fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, GenerateError> {
    w.into_inner().map_err(|e| GenerateError::Io { what: "CSV record", source: e.into_error() })
}

/// The header row, formatted with the options' separator and line ending.
pub(crate) fn header(opts: &GenerateOptions) -> Result<Vec<u8>, GenerateError> {
    let mut w = writer(opts, 256);
    w.write_record(HEADER).map_err(csv_error)?;
    finish(w)
}

/// Formats block `b` (file positions `b * BLOCK_ROWS ..`), drawing spellings
/// and behaviour from the block's own random stream.
pub(crate) fn block(plan: &Plan, opts: &GenerateOptions, b: usize) -> Result<Block, GenerateError> {
    let rows = plan.order.len();
    let range = b * BLOCK_ROWS..((b + 1) * BLOCK_ROWS).min(rows);
    let mut rng = ChaCha8Rng::from_seed(plan.keys.block_seed);
    rng.set_stream(b as u64);
    let mut w = writer(opts, range.len() * 192);
    let mut out = Block { truth: Vec::with_capacity(range.len() * 16), ..Block::default() };
    let mut fields = Fields::default();
    for pos in range {
        let logical = plan.order[pos] as usize;
        let p = plan.owner[logical] as usize;
        let person = Person::build(plan, p);
        let rec = person.records[logical - plan.starts[p] as usize];
        fields.record(&person, &rec, &mut rng);
        w.write_byte_record(&fields.rec).map_err(csv_error)?;
        let status = rec.status.as_str();
        let _ = writeln!(out.truth, "{pos},{p},{status}");
        out.counts[rec.status as usize] += 1;
    }
    out.csv = finish(w)?;
    Ok(out)
}

/// A reusable record under construction.
#[derive(Default)]
struct Fields {
    rec: ByteRecord,
    scratch: String,
}

impl Fields {
    /// Appends a field written by `f`.
    fn push(&mut self, f: impl FnOnce(&mut String)) {
        self.scratch.clear();
        f(&mut self.scratch);
        self.rec.push_field(self.scratch.as_bytes());
    }

    /// Appends a literal field.
    fn push_str(&mut self, v: &str) {
        self.rec.push_field(v.as_bytes());
    }

    /// Appends a behaviour cell, empty [`BLANK_PER_MILLE`] of the time.
    fn cell(&mut self, rng: &mut ChaCha8Rng, f: impl FnOnce(&mut String, &mut ChaCha8Rng)) {
        if rng.random_range(0..1000) < BLANK_PER_MILLE {
            self.push_str("");
        } else {
            self.push(|s| f(s, rng));
        }
    }

    /// Builds the whole record for `rec` of `person`.
    fn record(&mut self, person: &Person, rec: &RecordPlan, rng: &mut ChaCha8Rng) {
        self.rec.clear();
        self.identifiers(person, rec, rng);
        self.push(|s| format::name(s, person, rng));
        self.push_str(person.city.name);
        let extra = rec.extra_field.then(|| rng.random_range(0..3));
        if extra == Some(0) {
            // An unquoted separator in the address split it in two.
            self.push_str(person.street);
            self.push(|s| s.push_str(&person.house.to_string()));
        } else {
            self.push(|s| format::address(s, person, rng));
        }
        self.push_str(opt_in(rec, rng));
        self.behaviour(person, rng);
        self.notes(rng);
        match extra {
            Some(1) => self.push_str(""),
            Some(2) => self.push_str("extra"),
            _ => {}
        }
    }

    /// Telefone, E-mail and CPF.
    fn identifiers(&mut self, person: &Person, rec: &RecordPlan, rng: &mut ChaCha8Rng) {
        self.push(|s| match rec.phone {
            PhoneUse::Number(i) => format::phone(s, &person.phones[usize::from(i)], rng),
            PhoneUse::Hub => format::hub_phone(s, rng),
            PhoneUse::Bad => format::bad_phone(s, person.city.ddd, rng),
            PhoneUse::Empty => {}
            PhoneUse::Unset => unreachable!("phone left unplanned"),
        });
        self.push(|s| match rec.email {
            EmailUse::Valid => format::email(s, person, rng),
            EmailUse::Malformed => format::bad_email(s, person, rng),
            EmailUse::Hub => format::hub_email(s, rng),
            EmailUse::None | EmailUse::Unset => {}
        });
        self.push(|s| match rec.cpf {
            CpfUse::Valid => format::cpf(s, &person.cpf, rng),
            CpfUse::BadCheck => format::bad_cpf(s, &person.cpf, rng),
            CpfUse::Repeated => format::repeated_cpf(s, rng),
            CpfUse::None | CpfUse::Unset => {}
        });
    }

    /// status_lead … newsletter.
    fn behaviour(&mut self, person: &Person, rng: &mut ChaCha8Rng) {
        self.cell(rng, |s, r| s.push_str(pick(r, LEAD_STATUS)));
        self.cell(rng, |s, r| s.push_str(pick(r, CHANNELS)));
        self.cell(rng, |s, _| s.push_str(&person.age.to_string()));
        let purchases = rng.random_range(0..=50u64).min(rng.random_range(0..=50u64));
        self.cell(rng, |s, _| s.push_str(&purchases.to_string()));
        let visits = (purchases * 4 + rng.random_range(0..=300u64)).min(500);
        self.cell(rng, |s, _| s.push_str(&visits.to_string()));
        let cents = purchases * rng.random_range(3_000..40_000u64) + rng.random_range(0..10_000);
        self.cell(rng, |s, _| format::money(s, cents));
        self.cell(rng, format::date);
        self.cell(rng, |s, r| s.push_str(if r.random_bool(0.45) { "sim" } else { "não" }));
    }

    /// observacoes: mostly empty, sometimes a note, ~1% spanning lines.
    fn notes(&mut self, rng: &mut ChaCha8Rng) {
        let roll = rng.random_range(0..1000);
        let note = match roll {
            0..9 => pick(rng, MULTILINE_NOTES),
            9..70 => pick(rng, NOTES),
            _ => "",
        };
        self.push_str(note);
    }
}

/// The Aceite cell: positive (or, rarely, empty) for ok and rejected
/// records, negative for opted-out ones.
fn opt_in(rec: &RecordPlan, rng: &mut ChaCha8Rng) -> &'static str {
    match rec.status {
        Status::Optout => pick(rng, OPT_OUT),
        Status::Ok if rec.blank_optin => "",
        _ => pick(rng, OPT_IN),
    }
}
