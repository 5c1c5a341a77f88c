//! The CSV reader's fuzz harness: the fast path (records read from structural positions)
//! checked against csv-core on the same chunk, and a whole import parsed in small parallel
//! chunks checked against one sequential pass. Any difference, or any panic, is a bug. Used by
//! the AFL target in `fuzz/` and by the replay test that runs the saved corpora on every
//! `cargo test` (see [`crate::fuzz`]).

use super::build::Plan;
use super::parse::{self, ParseContext, Sizes};
use super::{ImportOptions, IngestError, Ingested, QuoteLimits, Separator, new_report, read_bytes};
use crate::columns::Table;
use std::path::Path;

/// Runs both checks on `data`. Its first byte chooses the separator, the column count, the
/// chunk size and the quote limits; the rest is the file.
pub fn check(data: &[u8]) {
    let Some((&ctl, body)) = data.split_first() else { return };
    fast_equals_csv_core(ctl, body);
    parallel_equals_sequential(ctl, body);
}

fn separator(ctl: u8) -> u8 {
    [b',', b';', b'\t'][usize::from(ctl % 3)]
}

fn quote_limits(ctl: u8) -> QuoteLimits {
    if ctl & 0x80 == 0 {
        QuoteLimits::default()
    } else {
        QuoteLimits { max_lines: 1 + u64::from(ctl >> 5 & 3), max_bytes: 8 + u64::from(ctl & 0x1f) }
    }
}

/// One chunk read by the fast path and by csv-core alone gives the same rows, rejects, masks
/// and quote problems. Chunks are UTF-8 checked before parsing, so only valid UTF-8 is parsed.
fn fast_equals_csv_core(ctl: u8, body: &[u8]) {
    if std::str::from_utf8(body).is_err() {
        return;
    }
    let ncols = 1 + usize::from(ctl >> 2 & 3);
    let infer: Vec<bool> = (0..ncols).map(|j| j != 0).collect();
    let plans: Vec<Option<Plan>> = (0..ncols)
        .map(|j| match j % 4 {
            0 => Some(Plan::Text { dictionary: false }),
            1 => Some(Plan::Int),
            2 => None,
            _ => Some(Plan::Text { dictionary: true }),
        })
        .collect();
    let ctx = |fast| ParseContext {
        separator: separator(ctl),
        ncols,
        phone: 0,
        opt_in: None,
        infer: &infer,
        cr_lines: false,
        fast,
        quotes: quote_limits(ctl),
    };
    let last = ctl & 0x40 != 0;
    let sizes = Sizes::default();
    let fast = parse::parse_chunk(body, &ctx(true), &plans, &sizes, last);
    let slow = parse::parse_chunk(body, &ctx(false), &plans, &sizes, last);
    if fast != slow {
        // Floats that are NaN never compare equal: fall back to their printed form.
        assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "the fast path and csv-core disagree");
    }
}

/// The parts of an import that must not depend on how the input was split.
type Essence = Result<(Table, Vec<super::Rejected>, u64, u64, u64, u64), String>;

fn essence(r: Result<Ingested, IngestError>) -> Essence {
    r.map(|i| {
        let rep = i.report;
        (i.table, i.rejects, rep.records_read, rep.rows_opted_out, rep.lines_read, rep.rows_imported)
    })
    .map_err(|e| e.to_string())
}

/// The whole import (separator detection, header rules, type guesses and reparses) in chunks
/// of a few bytes equals one sequential pass, and neither panics.
fn parallel_equals_sequential(ctl: u8, body: &[u8]) {
    let opts = |parallel| ImportOptions {
        separator: (ctl & 0x20 != 0).then(|| match separator(ctl) {
            b',' => Separator::Comma,
            b';' => Separator::Semicolon,
            _ => Separator::Tab,
        }),
        parallel,
        chunk_bytes: Some(1 + usize::from(ctl & 0x1f)),
        sample_bytes: Some(usize::from(ctl)),
        imported_by: "fuzz".into(),
        quotes: quote_limits(ctl),
        ..Default::default()
    };
    let read = |o: &ImportOptions| {
        let path = Path::new("fuzz.csv");
        essence(read_bytes(path, body, o, new_report(path, o), &|_| {}))
    };
    let (split, whole) = (read(&opts(true)), read(&opts(false)));
    if split != whole {
        assert_eq!(format!("{split:?}"), format!("{whole:?}"), "parallel and sequential parses disagree");
    }
}
