//! Reading cell text as typed values, and inferring a column's type from all of its values.
//!
//! A column's type is the most specific one that every non-empty value fits: integer,
//! boolean, date, decimal, else text. Each value contributes a bit mask of the types it fits;
//! a column's mask is the AND over its values.

use crate::columns::days_from_date;
use crate::text::fold;

pub const INT: u8 = 1;
pub const DEC_DOT: u8 = 2;
pub const DEC_COMMA: u8 = 4;
pub const BOOL: u8 = 8;
pub const DATE: u8 = 16;
pub const ALL: u8 = INT | DEC_DOT | DEC_COMMA | BOOL | DATE;

/// Trims ASCII white space from both ends.
#[inline]
pub fn trim(v: &[u8]) -> &[u8] {
    v.trim_ascii()
}

/// The types `v` (trimmed, non-empty) fits.
#[inline]
pub fn value_mask(v: &[u8]) -> u8 {
    let first = v[0];
    if first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.' | b',') {
        let mut m = 0;
        if parse_int(v).is_some() {
            m |= INT | DEC_DOT | DEC_COMMA;
        } else {
            if parse_decimal(v, b'.').is_some() {
                m |= DEC_DOT;
            }
            if parse_decimal(v, b',').is_some() {
                m |= DEC_COMMA;
            }
            if parse_date(v).is_some() {
                m |= DATE;
            }
        }
        m
    } else if parse_bool(v).is_some() {
        BOOL
    } else {
        0
    }
}

/// A plain integer: optional sign, digits, no leading zero (a leading zero marks an
/// identifier such as a postal code, which stays text).
pub fn parse_int(v: &[u8]) -> Option<i64> {
    let digits = v.strip_prefix(b"-").or_else(|| v.strip_prefix(b"+")).unwrap_or(v);
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if digits.len() > 1 && digits[0] == b'0' {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// A decimal number whose decimal mark is `mark` (`.` or `,`); the other of the two may group
/// thousands in threes: `1,234.56` / `1.234,56`, `723,34`, `-0.5`, and for `.` also an
/// exponent (`1e-3`).
pub fn parse_decimal(v: &[u8], mark: u8) -> Option<f64> {
    let group = if mark == b'.' { b',' } else { b'.' };
    let (sign, body) = match v.first()? {
        b'-' => (-1.0, &v[1..]),
        b'+' => (1.0, &v[1..]),
        _ => (1.0, v),
    };
    let (mantissa, exponent) = match body.iter().position(|&b| b == b'e' || b == b'E') {
        Some(p) if mark == b'.' => (&body[..p], Some(&body[p + 1..])),
        Some(_) => return None,
        None => (body, None),
    };
    let (int_part, frac_part) = match mantissa.iter().position(|&b| b == mark) {
        Some(p) => (&mantissa[..p], Some(&mantissa[p + 1..])),
        None => (mantissa, None),
    };
    // The integer part: plain digits, or digit groups of three after a first group of 1-3.
    if v.len() > 48 {
        return None;
    }
    let mut clean = StackBytes::default();
    if int_part.contains(&group) {
        let mut groups = int_part.split(|&b| b == group);
        let first = groups.next()?;
        if first.is_empty() || first.len() > 3 || first[0] == b'0' || !first.iter().all(u8::is_ascii_digit) {
            return None;
        }
        clean.extend_from_slice(first);
        for g in groups {
            if g.len() != 3 || !g.iter().all(u8::is_ascii_digit) {
                return None;
            }
            clean.extend_from_slice(g);
        }
    } else {
        if !int_part.iter().all(u8::is_ascii_digit) || (int_part.len() > 1 && int_part[0] == b'0') {
            return None;
        }
        clean.extend_from_slice(int_part);
    }
    if let Some(frac) = frac_part {
        if frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) {
            return None;
        }
        clean.push(b'.');
        clean.extend_from_slice(frac);
    }
    if clean.len == 0 || clean.as_slice() == b"." {
        return None;
    }
    if let Some(exp) = exponent {
        let digits = exp.strip_prefix(b"-").or_else(|| exp.strip_prefix(b"+")).unwrap_or(exp);
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        clean.push(b'e');
        clean.extend_from_slice(exp);
    }
    let parsed: f64 = std::str::from_utf8(clean.as_slice()).ok()?.parse().ok()?;
    parsed.is_finite().then_some(sign * parsed)
}

/// A short byte string on the stack, so parsing a number allocates nothing.
struct StackBytes {
    buf: [u8; 64],
    len: usize,
}

impl Default for StackBytes {
    fn default() -> Self {
        Self { buf: [0; 64], len: 0 }
    }
}

impl StackBytes {
    fn push(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }

    fn extend_from_slice(&mut self, s: &[u8]) {
        self.buf[self.len..self.len + s.len()].copy_from_slice(s);
        self.len += s.len();
    }

    fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Yes/no words in pt, es and en: sim/não, sí/no, yes/no, true/false.
pub fn parse_bool(v: &[u8]) -> Option<bool> {
    if v.len() > 5 {
        return None;
    }
    let folded = fold(std::str::from_utf8(v).ok()?);
    match folded.as_str() {
        "sim" | "si" | "yes" | "true" => Some(true),
        "nao" | "no" | "false" => Some(false),
        _ => None,
    }
}

/// A calendar date, ISO `yyyy-mm-dd` or `dd/mm/yyyy`, as days since 1970-01-01.
pub fn parse_date(v: &[u8]) -> Option<i32> {
    let num = |s: &[u8]| -> Option<u32> {
        if s.is_empty() || s.len() > 4 || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    let (y, m, d) = if v.len() == 10 && v[4] == b'-' && v[7] == b'-' {
        (num(&v[..4])?, num(&v[5..7])?, num(&v[8..])?)
    } else {
        let mut parts = v.split(|&b| b == b'/');
        let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || d.len() > 2 || m.len() > 2 || y.len() != 4 {
            return None;
        }
        (num(y)?, num(m)?, num(d)?)
    };
    let date = chrono::NaiveDate::from_ymd_opt(y as i32, m, d)?;
    Some(days_from_date(date))
}

/// What an opt-in cell says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptIn {
    Yes,
    No,
    /// Empty: counts as opted in.
    Empty,
    /// A value that is neither a yes nor a no word: counts as opted in, and is reported.
    Unrecognised,
}

/// Reads an opt-in cell: no, não, nao, false, 0, n, off, … are a refusal.
pub fn opt_in(v: &[u8]) -> OptIn {
    let v = trim(v);
    if v.is_empty() {
        return OptIn::Empty;
    }
    let Ok(s) = std::str::from_utf8(v) else { return OptIn::Unrecognised };
    match fold(s).as_str() {
        "no" | "nao" | "n" | "false" | "f" | "0" | "off" | "optout" | "opt-out" | "unsubscribed" => OptIn::No,
        "yes" | "y" | "sim" | "s" | "si" | "true" | "t" | "1" | "on" | "optin" | "opt-in" | "subscribed"
        | "aceito" | "aceita" => OptIn::Yes,
        _ => OptIn::Unrecognised,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_int(b"42"), Some(42));
        assert_eq!(parse_int(b"-7"), Some(-7));
        assert_eq!(parse_int(b"0"), Some(0));
        assert_eq!(parse_int(b"007"), None);
        assert_eq!(parse_int(b"1.234"), None);
        assert_eq!(parse_int(b"9999999999999999999"), None);
    }

    #[test]
    fn decimals_in_both_conventions() {
        assert_eq!(parse_decimal(b"1.234,56", b','), Some(1234.56));
        assert_eq!(parse_decimal(b"723,34", b','), Some(723.34));
        assert_eq!(parse_decimal(b"1.234.567", b','), Some(1234567.0));
        assert_eq!(parse_decimal(b"1,234.56", b'.'), Some(1234.56));
        assert_eq!(parse_decimal(b"-0.5", b'.'), Some(-0.5));
        assert_eq!(parse_decimal(b"1e-3", b'.'), Some(0.001));
        assert_eq!(parse_decimal(b"1.23,4", b','), None);
        assert_eq!(parse_decimal(b"3.165,60", b'.'), None);
        assert_eq!(parse_decimal(b"12,5", b'.'), None);
        assert_eq!(parse_decimal(b",", b','), None);
        assert_eq!(parse_decimal(b"01,5", b','), None);
    }

    #[test]
    fn masks() {
        assert_eq!(value_mask(b"12"), INT | DEC_DOT | DEC_COMMA);
        assert_eq!(value_mask(b"3.165,60"), DEC_COMMA);
        assert_eq!(value_mask(b"1.234"), DEC_DOT | DEC_COMMA);
        assert_eq!(value_mask(b"10/07/2023"), DATE);
        assert_eq!(value_mask(b"2023-07-10"), DATE);
        assert_eq!(value_mask("NÃO".as_bytes()), BOOL);
        assert_eq!(value_mask(b"frio"), 0);
        assert_eq!(value_mask(b"+55 11 9999"), 0);
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date(b"1970-01-02"), Some(1));
        assert_eq!(parse_date(b"02/01/1970"), Some(1));
        assert_eq!(parse_date(b"2/1/1970"), Some(1));
        assert_eq!(parse_date(b"31/02/2023"), None);
        assert_eq!(parse_date(b"2023-13-01"), None);
    }

    #[test]
    fn booleans_and_opt_in() {
        assert_eq!(parse_bool(b"Sim"), Some(true));
        assert_eq!(parse_bool("sí".as_bytes()), Some(true));
        assert_eq!(parse_bool("NÃO".as_bytes()), Some(false));
        assert_eq!(parse_bool(b"False"), Some(false));
        assert_eq!(parse_bool(b"1"), None);
        for no in ["não", "nao", "NO", "false", "0", "n", " N "] {
            assert_eq!(opt_in(no.as_bytes()), OptIn::No, "{no}");
        }
        for yes in ["sim", "Sim", "yes", "1", "true", "S", "SIM"] {
            assert_eq!(opt_in(yes.as_bytes()), OptIn::Yes, "{yes}");
        }
        assert_eq!(opt_in(b""), OptIn::Empty);
        assert_eq!(opt_in(b"talvez"), OptIn::Unrecognised);
    }
}
