//! Quoted fields that give a stray quote away: one still open at the end of the file, or one
//! that runs over an implausible number of lines or bytes. Either would otherwise swallow the
//! rows after it into one cell, so the import refuses the file and names where the quote
//! opened.
//!
//! Quotes follow csv-core's reading (RFC 4180): a quote opens a quoted field only as the first
//! byte of a field, `""` inside one is a quote, and a quote anywhere else in an unquoted field
//! (`Ana "Bia" Silva`) is kept as a literal character.

/// Default for [`QuoteLimits::max_lines`].
pub const DEFAULT_MAX_QUOTED_LINES: u64 = 10_000;
/// Default for [`QuoteLimits::max_bytes`]: 1 MiB.
pub const DEFAULT_MAX_QUOTED_BYTES: u64 = 1 << 20;

/// How far one quoted field may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuoteLimits {
    /// Lines one quoted field may span (1: no line break inside quotes).
    pub max_lines: u64,
    /// Bytes one quoted field may hold, its quotes included.
    pub max_bytes: u64,
}

impl Default for QuoteLimits {
    fn default() -> Self {
        QuoteLimits { max_lines: DEFAULT_MAX_QUOTED_LINES, max_bytes: DEFAULT_MAX_QUOTED_BYTES }
    }
}

/// What is wrong with a quoted field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuoteFault {
    /// The field is still open where the file ends.
    NeverCloses,
    /// The field spans more lines than the limit.
    TooManyLines { max: u64 },
    /// The field holds more bytes than the limit.
    TooManyBytes { max: u64 },
}

/// A quoted field that breaks a rule, located by its opening quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuoteProblem {
    pub fault: QuoteFault,
    /// The line of the opening quote (local to the input parsed until the caller shifts it).
    pub line: u64,
    /// The byte offset of the opening quote (local likewise).
    pub at: usize,
    /// The field (1-based) the quote opens.
    pub field: usize,
}

/// Reads one record's bytes (`record`, from its first byte to where csv-core stopped) the way
/// csv-core does and returns the first quoted field that breaks `limits`, or, when
/// `ends_input`, that is still open at the end. Positions are relative to `record`; `line`
/// counts line breaks before the quote (`\r` ones when `cr_lines`, else `\n`).
pub fn check_record(
    record: &[u8],
    separator: u8,
    cr_lines: bool,
    limits: QuoteLimits,
    ends_input: bool,
) -> Option<QuoteProblem> {
    #[derive(PartialEq)]
    enum State {
        FieldStart,
        InField,
        Quoted,
        QuoteInQuoted,
    }
    let line_break = if cr_lines { b'\r' } else { b'\n' };
    let (mut state, mut field, mut breaks) = (State::FieldStart, 1usize, 0u64);
    // The open quoted field: its opening quote's offset, its line and its breaks so far.
    let (mut open_at, mut open_line, mut open_breaks) = (0usize, 0u64, 0u64);
    for (i, &b) in record.iter().enumerate() {
        let is_break = b == line_break;
        match state {
            State::FieldStart | State::InField if b == separator => {
                state = State::FieldStart;
                field += 1;
            }
            State::FieldStart if b == b'"' => {
                state = State::Quoted;
                (open_at, open_line, open_breaks) = (i, breaks, 0);
            }
            State::FieldStart | State::InField if b == b'\n' || b == b'\r' => return None,
            State::FieldStart | State::InField => state = State::InField,
            State::Quoted if b == b'"' => state = State::QuoteInQuoted,
            State::Quoted => {
                if is_break {
                    open_breaks += 1;
                    let fault = QuoteFault::TooManyLines { max: limits.max_lines };
                    if open_breaks >= limits.max_lines {
                        return Some(QuoteProblem { fault, line: open_line, at: open_at, field });
                    }
                }
            }
            State::QuoteInQuoted if b == b'"' => state = State::Quoted,
            State::QuoteInQuoted if b == separator => {
                state = State::FieldStart;
                field += 1;
            }
            State::QuoteInQuoted if b == b'\n' || b == b'\r' => return None,
            State::QuoteInQuoted => state = State::InField,
        }
        if state == State::Quoted && (i - open_at + 1) as u64 > limits.max_bytes {
            let fault = QuoteFault::TooManyBytes { max: limits.max_bytes };
            return Some(QuoteProblem { fault, line: open_line, at: open_at, field });
        }
        breaks += u64::from(is_break);
    }
    (ends_input && state == State::Quoted).then_some(QuoteProblem {
        fault: QuoteFault::NeverCloses,
        line: open_line,
        at: open_at,
        field,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_lines: u64, max_bytes: u64) -> QuoteLimits {
        QuoteLimits { max_lines, max_bytes }
    }

    #[test]
    fn an_open_quote_at_the_end_is_found_where_it_opened() {
        let rec = b"11987654321;\"Ana\n11999999999;Bia\n";
        let p = check_record(rec, b';', false, QuoteLimits::default(), true).unwrap();
        assert_eq!(p, QuoteProblem { fault: QuoteFault::NeverCloses, line: 0, at: 12, field: 2 });
        assert_eq!(check_record(rec, b';', false, QuoteLimits::default(), false), None);
    }

    #[test]
    fn closed_and_literal_quotes_are_fine() {
        for rec in [&b"1;\"a\"\"b\";c\n"[..], b"1;Ana \"Bia\" Silva;x", b"1;\"a\nb\"x;y", b"\"\"\n"] {
            assert_eq!(check_record(rec, b';', false, QuoteLimits::default(), true), None, "{rec:?}");
        }
    }

    #[test]
    fn long_quoted_fields_are_refused_at_the_limit() {
        let rec = b"1;x;\"a\nb\nc\nd\"\n";
        assert_eq!(check_record(rec, b';', false, limits(4, 100), true), None);
        let p = check_record(rec, b';', false, limits(3, 100), true).unwrap();
        assert_eq!((p.fault, p.at, p.field), (QuoteFault::TooManyLines { max: 3 }, 4, 3));
        let p = check_record(rec, b';', false, limits(100, 5), true).unwrap();
        assert_eq!(p.fault, QuoteFault::TooManyBytes { max: 5 });
        assert_eq!(check_record(rec, b';', false, limits(100, 10), true), None);
        // Lone `\r` line ends count in files that break lines that way.
        let p = check_record(b"1;\"a\rb\rc\"", b';', true, limits(2, 100), true).unwrap();
        assert_eq!(p.fault, QuoteFault::TooManyLines { max: 2 });
    }

    #[test]
    fn the_line_of_the_quote_counts_breaks_before_it() {
        let rec = b"1;\"a\nb\";\"c\nd";
        let p = check_record(rec, b';', false, QuoteLimits::default(), true).unwrap();
        assert_eq!((p.line, p.at, p.field), (1, 8, 3));
    }
}
