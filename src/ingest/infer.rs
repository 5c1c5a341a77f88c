//! Reading cell text as typed values, and inferring a column's type from all of its values.
//!
//! A column's type is the most specific one that every non-empty value fits: integer,
//! boolean, date, decimal, else text. Each value contributes a bit mask of the types it fits;
//! a column's mask is the AND over its values.

use crate::columns::days_from_date;

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

/// Which of the types in `possible` the value `v` (trimmed, non-empty) fits. Types outside
/// `possible` are not tested: once a column is known not to be a date, no value is read as one.
#[inline]
pub fn value_mask(v: &[u8], possible: u8) -> u8 {
    let first = v[0];
    if first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.' | b',') {
        if possible & INT != 0 && parse_int(v).is_some() {
            return INT | DEC_DOT | DEC_COMMA;
        }
        let mut m = 0;
        if possible & DEC_DOT != 0 && parse_decimal(v, b'.').is_some() {
            m |= DEC_DOT;
        }
        if possible & DEC_COMMA != 0 && parse_decimal(v, b',').is_some() {
            m |= DEC_COMMA;
        }
        if possible & DATE != 0 && parse_date(v).is_some() {
            m |= DATE;
        }
        m & possible
    } else if possible & BOOL != 0 && parse_bool(v).is_some() {
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
    // At most 18 digits: no overflow.
    let n = digits.iter().fold(0i64, |n, &d| n * 10 + i64::from(d - b'0'));
    Some(if v[0] == b'-' { -n } else { n })
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
    // Fast path: up to 15 significant digits and no exponent is an integer mantissa divided by
    // a power of ten, both exact in f64, so one (correctly rounded) division gives the same
    // result as parsing the text.
    let frac_len = frac_part.map_or(0, <[u8]>::len);
    if exponent.is_none() && clean.len <= 16 && frac_len <= 15 {
        let mantissa =
            clean.as_slice().iter().filter(|&&b| b != b'.').fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
        return Some(sign * (mantissa as f64 / POW10[frac_len]));
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

const POW10: [f64; 16] =
    [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

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

/// Folds a short word without allocating: ASCII lower-cased, and the accented Latin letters
/// of pt and es (two-byte UTF-8 `C3 xx`) to their base letter. `None` when longer than 12
/// bytes or holding other characters: such a value is no yes/no word.
fn fold_word(v: &[u8]) -> Option<StackBytes> {
    // Base letters of U+00C0..=U+00FF, `?` where there is none.
    const LATIN1: &[u8; 64] = b"aaaaaaaceeeeiiii?nooooo?ouuuuy??aaaaaaaceeeeiiii?nooooo?ouuuuy?y";
    if v.len() > 12 {
        return None;
    }
    let mut out = StackBytes::default();
    let mut i = 0;
    while i < v.len() {
        let b = v[i];
        if b.is_ascii() {
            out.push(b.to_ascii_lowercase());
            i += 1;
        } else if b == 0xC3 && i + 1 < v.len() && (0x80..0xC0).contains(&v[i + 1]) {
            let base = LATIN1[usize::from(v[i + 1] - 0x80)];
            if base == b'?' {
                return None;
            }
            out.push(base);
            i += 2;
        } else {
            return None;
        }
    }
    Some(out)
}

/// Yes/no words in pt, es and en: sim/não, sí/no, yes/no, true/false.
pub fn parse_bool(v: &[u8]) -> Option<bool> {
    match fold_word(v)?.as_slice() {
        b"sim" | b"si" | b"yes" | b"true" => Some(true),
        b"nao" | b"no" | b"false" => Some(false),
        _ => None,
    }
}

/// A calendar date, ISO `yyyy-mm-dd` or `dd/mm/yyyy`, as days since 1970-01-01.
pub fn parse_date(v: &[u8]) -> Option<i32> {
    let num = |s: &[u8]| -> Option<u32> {
        if s.is_empty() || s.len() > 4 || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(s.iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0')))
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
    let Some(word) = fold_word(v) else { return OptIn::Unrecognised };
    match word.as_slice() {
        b"no" | b"nao" | b"n" | b"false" | b"f" | b"0" | b"off" | b"optout" | b"opt-out"
        | b"unsubscribed" => OptIn::No,
        b"yes" | b"y" | b"sim" | b"s" | b"si" | b"true" | b"t" | b"1" | b"on" | b"optin" | b"opt-in"
        | b"subscribed" | b"aceito" | b"aceita" => OptIn::Yes,
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
        assert_eq!(parse_int(b"999999999999999999"), Some(999_999_999_999_999_999));
        assert_eq!(parse_int(b"-"), None);
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
        assert_eq!(parse_decimal(b"0,1", b','), Some(0.1));
        assert_eq!(parse_decimal(b"-12.345.678,901", b','), Some(-12345678.901));
        assert_eq!(parse_decimal(b"123456789012345678.5", b'.'), Some(123456789012345678.5));
    }

    #[test]
    fn decimal_fast_path_equals_text_parse() {
        let mut x: u64 = 0x9E3779B97F4A7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let int = x % 10_000_000;
            let frac_len = (x >> 40) % 6;
            let frac = (x >> 20) % 10u64.pow(frac_len as u32);
            let text = if frac_len == 0 {
                format!("{int}")
            } else {
                format!("{int}.{frac:0w$}", w = frac_len as usize)
            };
            let expected: f64 = text.parse().unwrap();
            assert_eq!(parse_decimal(text.as_bytes(), b'.'), Some(expected), "{text}");
        }
    }

    #[test]
    fn masks() {
        assert_eq!(value_mask(b"12", ALL), INT | DEC_DOT | DEC_COMMA);
        assert_eq!(value_mask(b"3.165,60", ALL), DEC_COMMA);
        assert_eq!(value_mask(b"1.234", ALL), DEC_DOT | DEC_COMMA);
        assert_eq!(value_mask(b"10/07/2023", ALL), DATE);
        assert_eq!(value_mask(b"2023-07-10", ALL), DATE);
        assert_eq!(value_mask("NÃO".as_bytes(), ALL), BOOL);
        assert_eq!(value_mask(b"frio", ALL), 0);
        assert_eq!(value_mask(b"+55 11 9999", ALL), 0);
        assert_eq!(value_mask(b"12", DEC_COMMA), DEC_COMMA);
        assert_eq!(value_mask(b"10/07/2023", INT), 0);
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
        assert_eq!(parse_bool("NÃo".as_bytes()), Some(false));
        assert_eq!(parse_bool("SÍ".as_bytes()), Some(true));
        assert_eq!(parse_bool("não sei".as_bytes()), None);
        assert_eq!(parse_bool("ñ".as_bytes()), None);
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
