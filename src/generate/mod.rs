//! Synthetic CRM dumps with ground truth.
//!
//! [`generate`] writes a pt-BR CRM dump shaped like
//! `shared/samples/crm_pt_10k.csv` (16 columns: identifiers, name, city,
//! address, opt-in, behaviour, free-text notes) and a truth file
//! `record,person,status` saying, for every data record in file order, which
//! person it belongs to and whether it is imported (`ok`), opted out
//! (`optout`) or rejected (`reject`).
//!
//! # The ground-truth invariant
//!
//! With the default identity rules (two `ok` records are one person when they
//! share a normalised phone, e-mail or CPF key, transitively; a key used by
//! more than 50 `ok` records is ignored), the groups of `ok` records are
//! exactly the truth's `person` groups:
//! - distinct persons never share a key: identifiers come from keyed
//!   bijections of the person index, with the mobile ninth digit and letter
//!   case already folded;
//! - the only shared values are the hubs (a call-centre phone and
//!   `teste@teste.com`, each on more than 60 `ok` records once `rows >= 5000`)
//!   and non-keys (invalid CPFs, malformed e-mails, impossible phones);
//! - the `ok` records of a person form a chain in which each consecutive pair
//!   shares a valid, non-hub key.
//!
//! # Determinism and speed
//!
//! The layout (person sizes, statuses, hubs, record order) is planned once
//! from the seed. Records are then formatted in parallel, in blocks of fixed
//! size with a ChaCha8 stream per block and per person, and written in
//! order, so the bytes depend only on `(rows, seed, separator, crlf)`.

mod data;
mod format;
pub mod nightly;
mod people;
mod plan;
pub mod planted;
pub mod points;
pub mod profiles;
mod write;

/// The random stream of block `b` of a generator seeded with `seed`: blocks generated in
/// parallel give the same values on any number of threads.
fn block_rng(seed: u64, b: usize) -> rand_chacha::ChaCha8Rng {
    rand::SeedableRng::seed_from_u64(seed ^ (b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

#[cfg(test)]
mod tests;

use std::io::Write;

use rayon::prelude::*;

/// Largest supported `rows` (the identifier spaces are sized for it).
pub const MAX_ROWS: usize = 10_000_000;

/// Blocks formatted in parallel before being written out.
const BLOCKS_PER_BATCH: usize = 64;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Number of data records (the header is not counted).
    pub rows: usize,
    /// Seed; the same options always give the same bytes.
    pub seed: u64,
    /// Field separator: `b';'` or `b','`.
    pub separator: u8,
    /// End records with CRLF (true) or LF (false).
    pub crlf: bool,
}

impl Default for GenerateOptions {
    /// 10,000 rows, seed 42, `;`, CRLF — the shape of the sample dump.
    fn default() -> Self {
        GenerateOptions { rows: 10_000, seed: 42, separator: b';', crlf: true }
    }
}

/// What was generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GenerateSummary {
    /// Data records written (header excluded).
    pub rows: usize,
    /// Distinct persons in the truth file (of any status).
    pub persons: usize,
    /// Records with status `ok`.
    pub ok: usize,
    /// Records with status `optout`.
    pub optout: usize,
    /// Records with status `reject`.
    pub reject: usize,
    /// Bytes written to the CSV output, header included.
    pub bytes: u64,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// Writing the CSV or the truth file failed.
    #[error("cannot write {what}: {source}")]
    Io {
        /// Which output: `"CSV output"`, `"truth file"`, …
        what: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The options cannot be honoured.
    #[error("invalid generate options: {0}")]
    InvalidOptions(String),
}

/// The person of every imported (`ok`) record of a truth file, in file order: what an
/// import of the dump keeps, row by row.
pub fn ok_persons(truth: impl std::io::Read) -> Result<Vec<u64>, csv::Error> {
    let mut persons = Vec::new();
    for r in csv::Reader::from_reader(truth).records() {
        let r = r?;
        if &r[2] == "ok" {
            persons.push(r[1].parse().map_err(|_| csv::Error::from(std::io::Error::other("bad person id")))?);
        }
    }
    Ok(persons)
}

/// Writes a synthetic CRM dump to `out` and its ground truth to `truth`.
///
/// `out` gets the header and `opts.rows` records; `truth` gets
/// `record,person,status` and one LF-terminated line per record. Both
/// writers are flushed. The output depends only on the options, not on the
/// number of threads.
///
/// # Errors
///
/// [`GenerateError::InvalidOptions`] for a separator other than `;` or `,`
/// or more than [`MAX_ROWS`] rows; [`GenerateError::Io`] when a writer fails.
pub fn generate(
    opts: &GenerateOptions,
    out: &mut dyn Write,
    truth: &mut dyn Write,
) -> Result<GenerateSummary, GenerateError> {
    validate(opts)?;
    let plan = plan::Plan::new(opts.rows, opts.seed);
    let mut summary =
        GenerateSummary { rows: opts.rows, persons: plan.persons(), ..GenerateSummary::default() };
    let header = write::header(opts)?;
    put(out, &header, "CSV output")?;
    put(truth, b"record,person,status\n", "truth file")?;
    summary.bytes = header.len() as u64;
    let blocks = opts.rows.div_ceil(write::BLOCK_ROWS);
    for batch in (0..blocks).step_by(BLOCKS_PER_BATCH) {
        let end = (batch + BLOCKS_PER_BATCH).min(blocks);
        let formatted: Vec<Result<write::Block, GenerateError>> =
            (batch..end).into_par_iter().map(|b| write::block(&plan, opts, b)).collect();
        for block in formatted {
            let block = block?;
            put(out, &block.csv, "CSV output")?;
            put(truth, &block.truth, "truth file")?;
            summary.bytes += block.csv.len() as u64;
            summary.ok += block.counts[0];
            summary.optout += block.counts[1];
            summary.reject += block.counts[2];
        }
    }
    out.flush().map_err(|source| GenerateError::Io { what: "CSV output", source })?;
    truth.flush().map_err(|source| GenerateError::Io { what: "truth file", source })?;
    Ok(summary)
}

/// Checks the options.
fn validate(opts: &GenerateOptions) -> Result<(), GenerateError> {
    if opts.separator != b';' && opts.separator != b',' {
        return Err(GenerateError::InvalidOptions(format!(
            "separator must be ';' or ',', not {:?}",
            char::from(opts.separator)
        )));
    }
    if opts.rows > MAX_ROWS {
        return Err(GenerateError::InvalidOptions(format!(
            "rows must be at most {MAX_ROWS}, not {}",
            opts.rows
        )));
    }
    Ok(())
}

/// Writes all of `bytes`, naming `what` on failure.
fn put(w: &mut dyn Write, bytes: &[u8], what: &'static str) -> Result<(), GenerateError> {
    w.write_all(bytes).map_err(|source| GenerateError::Io { what, source })
}
