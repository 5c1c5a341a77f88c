//! Identifier normalisation: the join keys identity resolution links records on.
//!
//! Every function takes the raw cell text and returns a compact key, or says why the value
//! cannot be one. They run once per row on millions of rows, so the numeric keys
//! ([`phone_key`], [`cpf_key`]) never allocate (digits go through a small on-stack buffer)
//! and [`email_key`] allocates at most once (the lower-cased key).
//!
//! | identifier | key | not a key |
//! |---|---|---|
//! | phone | `u64` of the E.164 digits without `+` (`5511994615075`) | [`PhoneIssue`] |
//! | e-mail | trimmed, lower-cased `local@domain` | `None` |
//! | CPF (taxDocument) | `u64` of the 11 digits, check digits verified | [`CpfIssue`] |
//! | name, city | lower-cased, accents removed, spaces collapsed | (always a string) |
//!
//! A name (or name + city) alone never links two records: that rule belongs to the caller.

use thiserror::Error;

use crate::text::fold;

// ---------------------------------------------------------------------------------------------
// Phone
// ---------------------------------------------------------------------------------------------

/// The workspace's default country when none is configured: Brazil.
pub const DEFAULT_COUNTRY: &str = "55";

/// Why a phone value is not a key. Callers count these (`issue as usize` indexes a
/// `[u64; PhoneIssue::COUNT]`) and never join on the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[repr(u8)]
pub enum PhoneIssue {
    /// No digits at all (empty cell, only spaces or punctuation).
    #[error("empty phone")]
    Empty,
    /// A character other than digits, white space, `-`, `.`, `(`, `)`, `/` and one leading `+`
    /// (letters such as "ramal", `E+12` from a spreadsheet, a second `+`).
    #[error("phone holds a character other than digits and separators")]
    BadCharacter,
    /// Fewer than 8 international digits.
    #[error("phone too short")]
    TooShort,
    /// More than 15 international digits (the E.164 maximum).
    #[error("phone too long")]
    TooLong,
    /// The international digits start with `0` (`+0…`, `000…`): no country code does.
    #[error("phone country code starts with 0")]
    BadCountryCode,
    /// A Brazilian number whose two-digit area code (DDD) holds a `0`.
    #[error("Brazilian phone with an invalid area code")]
    BrazilAreaCode,
    /// A Brazilian number whose subscriber part is neither 8 nor 9 digits.
    #[error("Brazilian phone of the wrong length")]
    BrazilLength,
    /// A Brazilian 9-digit subscriber not starting with 9, or an 8-digit one starting with 0 or 1.
    #[error("Brazilian phone with an invalid prefix")]
    BrazilPrefix,
    /// The default country given to [`phone_key`] is not 1–3 digits (a configuration error;
    /// check it once with [`country_code_digits`]).
    #[error("default country code is not 1 to 3 digits")]
    BadDefaultCountry,
}

impl PhoneIssue {
    /// Number of variants, for per-issue counters indexed by `issue as usize`.
    pub const COUNT: usize = 9;
    /// Every variant, in `as usize` order.
    pub const ALL: [PhoneIssue; Self::COUNT] = [
        Self::Empty,
        Self::BadCharacter,
        Self::TooShort,
        Self::TooLong,
        Self::BadCountryCode,
        Self::BrazilAreaCode,
        Self::BrazilLength,
        Self::BrazilPrefix,
        Self::BadDefaultCountry,
    ];
}

/// A calling code (1–3 digits, first digit not 0), parsed once from the workspace setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountryCode {
    value: u16,
    digits: u8,
}

impl CountryCode {
    /// Brazil, `55`: the default, and the only country with the mobile ninth-digit rule.
    pub const BRAZIL: CountryCode = CountryCode { value: 55, digits: 2 };

    /// Parses `"55"`, `"+55"`, `" 351 "`; `None` unless 1–3 digits not starting with 0.
    pub fn parse(code: &str) -> Option<CountryCode> {
        let code = code.trim();
        let code = code.strip_prefix('+').unwrap_or(code).as_bytes();
        if code.is_empty() || code.len() > 3 || code[0] == b'0' || !code.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let value = code.iter().fold(0u16, |acc, &b| acc * 10 + u16::from(b - b'0'));
        Some(CountryCode { value, digits: code.len() as u8 })
    }

    /// The code as a number (`55`).
    pub fn value(self) -> u16 {
        self.value
    }

    /// How many digits the code has (`2` for `55`).
    pub fn digits(self) -> usize {
        usize::from(self.digits)
    }

    /// Whether this is Brazil (`55`).
    pub fn is_brazil(self) -> bool {
        self == Self::BRAZIL
    }

    /// Whether `d` (digit values, not ASCII) starts with this code.
    fn prefixes(self, d: &[u8]) -> bool {
        d.len() >= self.digits() && pack(&d[..self.digits()]) == u64::from(self.value)
    }
}

impl Default for CountryCode {
    fn default() -> Self {
        Self::BRAZIL
    }
}

/// Parses a default-country setting (`"55"`, `"+351"`) into a [`CountryCode`]; `None` if it
/// is not 1–3 digits. Validate the workspace setting once with this, then call
/// [`phone_key_in`] per row.
pub fn country_code_digits(code: &str) -> Option<CountryCode> {
    CountryCode::parse(code)
}

/// E.164 allows at most 15 digits; raw text may carry 2 more (`00`) plus a Brazilian trunk
/// `0` and carrier code. Anything with more raw digits than this is too long whatever it is.
const MAX_RAW_DIGITS: usize = 20;

/// Phone → key: the international digits (E.164 without `+`) as a `u64`, so joins compare
/// integers. A key is never 0 and never has a leading zero, so [`phone_to_string`] gives the
/// digits back exactly. `default_country` is the workspace's calling code (`"55"`, `"+351"`);
/// a per-row caller should parse it once with [`country_code_digits`] and use [`phone_key_in`].
///
/// Rules, in order:
/// - keep digits; white space, `-`, `.`, `(`, `)`, `/` are separators, one `+` may come before
///   the first digit, anything else is [`PhoneIssue::BadCharacter`];
/// - a leading `+` means the digits are international; else leading `00` is stripped and the
///   rest is international; else a leading trunk `0` is stripped and the rest is national
///   (Brazil: a national part of 12–13 digits after the trunk `0` starts with a 2-digit
///   carrier code, `0 21 11 99461-5075`, which is dropped);
/// - without any prefix, digits already starting with the default country code are taken as
///   international when long enough to hold a full number: for Brazil 12–13 digits
///   (`5511994615075`; 10–11 digits stay national, as `55` is also an area code), elsewhere at
///   least 8 digits after the code (`351912345678`); any other number is national;
/// - a national number gets the default country code prepended;
/// - 8–15 international digits; Brazilian numbers (`55…`) must be a 2-digit area code with no
///   `0` plus 8 or 9 subscriber digits; a 9-digit subscriber starts with 9; an 8-digit one
///   starting 6–9 is a mobile written without its ninth digit and gets the `9` inserted (so
///   `55 11 9461-5075` and `+55 (11) 99461-5075` give the same key); one starting 2–5 is a
///   landline and stays 8 digits.
///
/// ```
/// use hyperseg::identity::normalize::{phone_key, PhoneIssue};
/// assert_eq!(phone_key("+55 (11) 99461-5075", "55"), Ok(5511994615075));
/// assert_eq!(phone_key("11 9461-5075", "55"), Ok(5511994615075));
/// assert_eq!(phone_key("12345", "55"), Err(PhoneIssue::TooShort));
/// ```
pub fn phone_key(raw: &str, default_country: &str) -> Result<u64, PhoneIssue> {
    match CountryCode::parse(default_country) {
        Some(country) => phone_key_in(raw, country),
        None => Err(PhoneIssue::BadDefaultCountry),
    }
}

/// [`phone_key`] with the default country already parsed: the per-row entry point.
pub fn phone_key_in(raw: &str, default_country: CountryCode) -> Result<u64, PhoneIssue> {
    let mut buf = [0u8; MAX_RAW_DIGITS];
    let (len, plus) = scan_phone(raw, &mut buf)?;
    let d = &buf[..len];
    if plus {
        return international(d);
    }
    if let [0, 0, rest @ ..] = d {
        return international(rest);
    }
    if let [0, rest @ ..] = d {
        let national = if default_country.is_brazil() && matches!(rest.len(), 12 | 13) {
            &rest[2..] // carrier selection code: 0 21 11 99461-5075
        } else {
            rest
        };
        return with_country(default_country, national);
    }
    let already_international = if default_country.is_brazil() {
        matches!(d.len(), 12 | 13) && d.starts_with(&[5, 5])
    } else {
        d.len() >= default_country.digits() + 8 && default_country.prefixes(d)
    };
    if already_international { international(d) } else { with_country(default_country, d) }
}

/// Collects the digit values of `raw` into `buf`; returns how many and whether a `+` came
/// before the first digit.
fn scan_phone(raw: &str, buf: &mut [u8; MAX_RAW_DIGITS]) -> Result<(usize, bool), PhoneIssue> {
    let bytes = raw.as_bytes();
    let mut len = 0;
    let mut plus = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'0'..=b'9' => {
                if len == MAX_RAW_DIGITS {
                    return Err(PhoneIssue::TooLong);
                }
                buf[len] = b - b'0';
                len += 1;
            }
            b' ' | b'\t' | b'\r' | b'\n' | b'-' | b'.' | b'(' | b')' | b'/' => {}
            b'+' if len == 0 && !plus => plus = true,
            0x80..=0xFF => {
                // Non-ASCII: only Unicode white space (no-break space from spreadsheets) passes.
                match raw[i..].chars().next() {
                    Some(c) if c.is_whitespace() => {
                        i += c.len_utf8();
                        continue;
                    }
                    _ => return Err(PhoneIssue::BadCharacter),
                }
            }
            _ => return Err(PhoneIssue::BadCharacter),
        }
        i += 1;
    }
    if len == 0 { Err(PhoneIssue::Empty) } else { Ok((len, plus)) }
}

/// Validates international digits `d` (country code first) and packs them.
fn international(d: &[u8]) -> Result<u64, PhoneIssue> {
    match d.first() {
        None => return Err(PhoneIssue::TooShort),
        Some(0) => return Err(PhoneIssue::BadCountryCode),
        Some(_) => {}
    }
    check_length(d.len())?;
    match d {
        [5, 5, rest @ ..] => brazil(rest),
        _ => Ok(pack(d)),
    }
}

/// Prepends `country` to the national digits `national` and validates the result.
fn with_country(country: CountryCode, national: &[u8]) -> Result<u64, PhoneIssue> {
    if national.is_empty() {
        return Err(PhoneIssue::TooShort);
    }
    check_length(country.digits() + national.len())?;
    if country.is_brazil() {
        brazil(national)
    } else {
        Ok(u64::from(country.value) * 10u64.pow(national.len() as u32) + pack(national))
    }
}

/// E.164 bounds on the number of international digits.
fn check_length(len: usize) -> Result<(), PhoneIssue> {
    match len {
        0..=7 => Err(PhoneIssue::TooShort),
        8..=15 => Ok(()),
        _ => Err(PhoneIssue::TooLong),
    }
}

/// Validates a Brazilian number after the `55` (area code + subscriber) and returns the key,
/// inserting the ninth digit into 8-digit mobiles.
fn brazil(rest: &[u8]) -> Result<u64, PhoneIssue> {
    let [a0, a1, subscriber @ ..] = rest else {
        return Err(PhoneIssue::BrazilLength);
    };
    if *a0 == 0 || *a1 == 0 {
        return Err(PhoneIssue::BrazilAreaCode);
    }
    let ninth = match (subscriber.len(), subscriber.first()) {
        (9, Some(9)) => false,
        (8, Some(6..=9)) => true,
        (8, Some(2..=5)) => false,
        (8 | 9, _) => return Err(PhoneIssue::BrazilPrefix),
        _ => return Err(PhoneIssue::BrazilLength),
    };
    let mut key = 5500 + u64::from(*a0) * 10 + u64::from(*a1);
    if ninth {
        key = key * 10 + 9;
    }
    Ok(subscriber.iter().fold(key, |k, &x| k * 10 + u64::from(x)))
}

/// Digit values → number. Callers keep `d` to at most 19 digits (in practice 15).
fn pack(d: &[u8]) -> u64 {
    d.iter().fold(0u64, |k, &x| k * 10 + u64::from(x))
}

/// A phone key back as its international digits (E.164 without `+`): `5511994615075`. The
/// form bulk-messaging tools take.
pub fn phone_to_string(key: u64) -> String {
    key.to_string()
}

// ---------------------------------------------------------------------------------------------
// E-mail
// ---------------------------------------------------------------------------------------------

/// E-mail → key: trimmed and lower-cased, or `None` if malformed (malformed addresses are not
/// keys). Well-formed means: exactly one `@`; a non-empty local part of at most 64 bytes; a
/// domain holding a `.` that is neither its first nor last character, no `..`, and only
/// letters, digits, `-` and `.`; no white space or control characters anywhere; none of the
/// RFC 5322 specials `( ) < > [ ] : ; , \ "` in the local part; at most 254 bytes in all.
/// Allocates once, for the returned key.
///
/// ```
/// use hyperseg::identity::normalize::email_key;
/// assert_eq!(email_key(" Aline.Lima@Terra.com.br ").as_deref(), Some("aline.lima@terra.com.br"));
/// assert_eq!(email_key("maria at gmail.com"), None);
/// ```
pub fn email_key(raw: &str) -> Option<String> {
    let s = raw.trim();
    if s.len() > 254 {
        return None;
    }
    let at = memchr::memchr(b'@', s.as_bytes())?;
    let (local, domain) = (&s[..at], &s[at + 1..]);
    if local.is_empty() || local.len() > 64 || !local.chars().all(local_char_ok) {
        return None;
    }
    let domain_ok = domain.len() >= 3
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.contains('.')
        && !domain.contains("..")
        && domain.chars().all(domain_char_ok);
    if !domain_ok {
        return None;
    }
    Some(if s.is_ascii() { s.to_ascii_lowercase() } else { s.to_lowercase() })
}

fn local_char_ok(c: char) -> bool {
    !c.is_whitespace()
        && !c.is_control()
        && !matches!(c, '@' | '(' | ')' | '<' | '>' | '[' | ']' | ':' | ';' | ',' | '\\' | '"')
}

fn domain_char_ok(c: char) -> bool {
    // `@` fails here, so a second `@` anywhere after the first is rejected.
    c.is_ascii_alphanumeric() || c == '-' || c == '.' || (!c.is_ascii() && c.is_alphanumeric())
}

// ---------------------------------------------------------------------------------------------
// CPF
// ---------------------------------------------------------------------------------------------

/// Why a CPF (taxDocument) value is not a key. Callers count these (`issue as usize`) and
/// never join on the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[repr(u8)]
pub enum CpfIssue {
    /// No digits at all (empty cell or only separators).
    #[error("empty CPF")]
    Empty,
    /// A character other than digits, `.`, `-`, `/` and white space.
    #[error("CPF holds a character other than digits, '.', '-', '/' and spaces")]
    BadCharacter,
    /// Not exactly 11 digits (no zero-padding of shorter values).
    #[error("CPF is not 11 digits")]
    Length,
    /// All 11 digits the same (`000.000.000-00`, `111.111.111-11`): dummy values that pass the
    /// check-digit test.
    #[error("CPF with all digits the same")]
    RepeatedDigits,
    /// A check digit does not match the mod-11 computation.
    #[error("CPF check digit does not match")]
    CheckDigit,
}

impl CpfIssue {
    /// Number of variants, for per-issue counters indexed by `issue as usize`.
    pub const COUNT: usize = 5;
    /// Every variant, in `as usize` order.
    pub const ALL: [CpfIssue; Self::COUNT] =
        [Self::Empty, Self::BadCharacter, Self::Length, Self::RepeatedDigits, Self::CheckDigit];
}

/// CPF → key: the 11 digits as a `u64` (leading zeros dropped; [`cpf_to_string`] restores
/// them). `.`, `-`, `/` and white space are stripped; any other character is
/// [`CpfIssue::BadCharacter`]. Exactly 11 digits are required, repeated-digit dummy values are
/// refused, and both check digits are verified (mod 11: digit 10 is
/// `(Σ dᵢ·(10−i), i = 0..9) · 10 mod 11`, digit 11 is `(Σ dᵢ·(11−i), i = 0..10) · 10 mod 11`,
/// a result of 10 counting as 0). Does not allocate.
///
/// ```
/// use hyperseg::identity::normalize::{cpf_key, CpfIssue};
/// assert_eq!(cpf_key("441.463.319-27"), Ok(44146331927));
/// assert_eq!(cpf_key("000.000.000-00"), Err(CpfIssue::RepeatedDigits));
/// ```
pub fn cpf_key(raw: &str) -> Result<u64, CpfIssue> {
    let mut d = [0u8; 11];
    let mut len = 0usize;
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'0'..=b'9' => {
                if len < d.len() {
                    d[len] = b - b'0';
                }
                len += 1;
            }
            b'.' | b'-' | b'/' | b' ' | b'\t' | b'\r' | b'\n' => {}
            0x80..=0xFF => match raw[i..].chars().next() {
                Some(c) if c.is_whitespace() => {
                    i += c.len_utf8();
                    continue;
                }
                _ => return Err(CpfIssue::BadCharacter),
            },
            _ => return Err(CpfIssue::BadCharacter),
        }
        i += 1;
    }
    match len {
        0 => return Err(CpfIssue::Empty),
        11 => {}
        _ => return Err(CpfIssue::Length),
    }
    if d.iter().all(|&x| x == d[0]) {
        return Err(CpfIssue::RepeatedDigits);
    }
    if cpf_check_digit(&d[..9]) != d[9] || cpf_check_digit(&d[..10]) != d[10] {
        return Err(CpfIssue::CheckDigit);
    }
    Ok(pack(&d))
}

/// The CPF check digit following `d` (9 digits → 10th, 10 digits → 11th): weights run from
/// `d.len() + 1` down to 2; `sum · 10 mod 11`, 10 → 0.
fn cpf_check_digit(d: &[u8]) -> u8 {
    let weight0 = d.len() as u32 + 1;
    let sum: u32 = d.iter().enumerate().map(|(i, &x)| u32::from(x) * (weight0 - i as u32)).sum();
    match (sum * 10 % 11) as u8 {
        10 => 0,
        r => r,
    }
}

/// A CPF key back as its 11 digits, zero-padded: `01727399935`.
pub fn cpf_to_string(key: u64) -> String {
    format!("{key:011}")
}

// ---------------------------------------------------------------------------------------------
// Name, city
// ---------------------------------------------------------------------------------------------

/// Name → key: lower-cased, accents removed ([`fold`]), runs of white space collapsed to one
/// space, trimmed: `"  JOSÉ   da  Silva "` → `"jose da silva"`. A name alone never links two
/// records (the caller's rule); this only normalises. ASCII input costs one allocation.
pub fn name_key(raw: &str) -> String {
    if raw.is_ascii() {
        let mut out = collapse_spaces(raw);
        out.make_ascii_lowercase();
        return out;
    }
    let folded = fold(raw);
    if is_collapsed(&folded) { folded } else { collapse_spaces(&folded) }
}

/// City → key: the same normalisation as [`name_key`] (for optional `name + city` rules).
pub fn city_key(raw: &str) -> String {
    name_key(raw)
}

/// Words of `s` joined by single spaces.
fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether `s` is already trimmed with single `' '` separators only.
fn is_collapsed(s: &str) -> bool {
    let mut prev_space = true; // a leading space is not collapsed
    for c in s.chars() {
        if c.is_whitespace() {
            if prev_space || c != ' ' {
                return false;
            }
            prev_space = true;
        } else {
            prev_space = false;
        }
    }
    !prev_space || s.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mobile 55 11 99461-5075 in every spelling the dumps hold.
    const SAME_MOBILE: &[&str] = &[
        "+55 11 99461-5075",
        "(11) 99461-5075",
        "11994615075",
        "011994615075",
        "0055 11 99461 5075",
        "55 11 9461-5075",
        "5511994615075",
        "+55 (11) 9 9461-5075",
        "+55(11)994615075",
        "11 9461-5075",
        "0055 11 94615075",
        "+55 11 9461-5075",
        "011 9461-5075",
        "551194615075",
        "0 21 11 99461-5075",
        " +55 11 99461-5075 ",
        "+55\u{a0}11\u{a0}99461-5075",
        "55.11.99461.5075",
        "+55/11/99461-5075",
    ];

    #[test]
    fn phone_spellings_of_one_mobile_share_a_key() {
        for raw in SAME_MOBILE {
            assert_eq!(phone_key(raw, "55"), Ok(5511994615075), "{raw:?}");
        }
    }

    #[test]
    fn phone_cases() {
        use PhoneIssue::*;
        let cases: &[(&str, Result<u64, PhoneIssue>)] = &[
            // landlines keep 8 digits
            ("(11) 3003-0000", Ok(551130030000)),
            ("+55 11 4004-0000", Ok(551140040000)),
            ("011 4004-0000", Ok(551140040000)),
            ("1140040000", Ok(551140040000)),
            ("0055 11 40040000", Ok(551140040000)),
            ("551140040000", Ok(551140040000)),
            ("(21) 2345-6789", Ok(552123456789)),
            ("(21) 5345-6789", Ok(552153456789)),
            // ninth digit inserted only for 8-digit subscribers starting 6–9
            ("(21) 6345-6789", Ok(5521963456789)),
            ("(21) 7345-6789", Ok(5521973456789)),
            ("(21) 8345-6789", Ok(5521983456789)),
            ("(21) 9345-6789", Ok(5521993456789)),
            ("32 7663-4935", Ok(5532976634935)),
            ("555371980679", Ok(5553971980679)),
            // a 9-digit subscriber is left as written
            ("(11) 9 3003-0000", Ok(5511930030000)),
            // area code 55 (RS) written nationally stays national
            ("55 99123-4567", Ok(5555991234567)),
            ("55 3222-1111", Ok(555532221111)),
            // other countries: 8–15 digits as is
            ("+351 912 345 678", Ok(351912345678)),
            ("00351 912 345 678", Ok(351912345678)),
            ("+1 (212) 555-0100", Ok(12125550100)),
            ("+44 20 7946 0958", Ok(442079460958)),
            ("+49 30 1234", Ok(49301234)),
            // impossible numbers
            ("", Err(Empty)),
            ("   ", Err(Empty)),
            ("( ) -", Err(Empty)),
            ("+", Err(Empty)),
            ("12345", Err(TooShort)),
            ("29719", Err(TooShort)),
            ("0", Err(TooShort)),
            ("00", Err(TooShort)),
            ("+55 1234", Err(TooShort)),
            ("+1234567", Err(TooShort)),
            ("12345678901234567", Err(TooLong)),
            ("+1234567890123456", Err(TooLong)),
            ("123456789012345678901234", Err(TooLong)),
            ("+0 11 99461-5075", Err(BadCountryCode)),
            ("000 11 99461-5075", Err(BadCountryCode)),
            // "(01) 9946…" reads as trunk 0 + area 19, so an invalid area code needs the 55 prefix
            ("(01) 99461-5075", Ok(5519994615075)),
            ("5501994615075", Err(BrazilAreaCode)),
            ("+55 (01) 99461-5075", Err(BrazilAreaCode)),
            ("(10) 3003-0000", Err(BrazilAreaCode)),
            ("+55 01 3003-0000", Err(BrazilAreaCode)),
            ("+55 10 99461-5075", Err(BrazilAreaCode)),
            ("(11) 89461-5075", Err(BrazilPrefix)),
            ("(11) 19461-5075", Err(BrazilPrefix)),
            ("(11) 1003-0000", Err(BrazilPrefix)),
            ("(11) 0003-0000", Err(BrazilPrefix)),
            ("9461-5075", Err(BrazilLength)),
            ("+55 11 1234567", Err(BrazilLength)),
            ("+55 11 99461-50755", Err(BrazilLength)),
            ("11 99461-5075 ramal 22", Err(BadCharacter)),
            ("5.51199E+12", Err(BadCharacter)),
            ("+55 +11 99461-5075", Err(BadCharacter)),
            ("11 99461-5075+", Err(BadCharacter)),
            ("tel: 11 99461-5075", Err(BadCharacter)),
            ("１１ 99461-5075", Err(BadCharacter)),
        ];
        for (raw, want) in cases {
            assert_eq!(phone_key(raw, "55"), *want, "{raw:?}");
        }
    }

    #[test]
    fn phone_other_default_countries() {
        let pt = country_code_digits("351").unwrap();
        let cases: &[(&str, Result<u64, PhoneIssue>)] = &[
            ("912 345 678", Ok(351912345678)),
            ("351 912 345 678", Ok(351912345678)),
            ("+351 912 345 678", Ok(351912345678)),
            ("00351912345678", Ok(351912345678)),
            ("21 234 5678", Ok(351212345678)),
            // a Brazilian number stays Brazilian (with its ninth-digit rule) under any default
            ("+55 11 9461-5075", Ok(5511994615075)),
            ("0055 11 3003-0000", Ok(551130030000)),
            // no ninth-digit rule outside Brazil
            ("+351 9461 5075", Ok(35194615075)),
            ("1234", Err(PhoneIssue::TooShort)),
        ];
        for (raw, want) in cases {
            assert_eq!(phone_key_in(raw, pt), *want, "{raw:?}");
            assert_eq!(phone_key(raw, "+351"), *want, "{raw:?}");
        }
        let us = country_code_digits("1").unwrap();
        assert_eq!(phone_key_in("(212) 555-0100", us), Ok(12125550100));
        assert_eq!(phone_key_in("1 212 555 0100", us), Ok(12125550100));
        assert_eq!(phone_key("11 99461-5075", ""), Err(PhoneIssue::BadDefaultCountry));
        assert_eq!(phone_key("11 99461-5075", "055"), Err(PhoneIssue::BadDefaultCountry));
    }

    #[test]
    fn country_codes() {
        assert_eq!(country_code_digits("55"), Some(CountryCode::BRAZIL));
        assert_eq!(country_code_digits(" +55 "), Some(CountryCode::BRAZIL));
        assert_eq!(CountryCode::default(), CountryCode::BRAZIL);
        assert_eq!(country_code_digits(DEFAULT_COUNTRY), Some(CountryCode::BRAZIL));
        let pt = country_code_digits("351").unwrap();
        assert_eq!((pt.value(), pt.digits(), pt.is_brazil()), (351, 3, false));
        for bad in ["", "+", "0", "055", "1234", "5a", "BR"] {
            assert_eq!(country_code_digits(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn phone_keys_print_back() {
        assert_eq!(phone_to_string(phone_key("(11) 9461-5075", "55").unwrap()), "5511994615075");
        assert_eq!(phone_to_string(phone_key("+351 912 345 678", "55").unwrap()), "351912345678");
    }

    #[test]
    fn phone_issue_indexes() {
        for (i, issue) in PhoneIssue::ALL.iter().enumerate() {
            assert_eq!(*issue as usize, i);
        }
        for (i, issue) in CpfIssue::ALL.iter().enumerate() {
            assert_eq!(*issue as usize, i);
        }
    }

    #[test]
    fn email_cases() {
        let cases: &[(&str, Option<&str>)] = &[
            (" Aline.lima2141@terra.com.br ", Some("aline.lima2141@terra.com.br")),
            ("CAMILA.MARQUES2852@GMAIL.COM", Some("camila.marques2852@gmail.com")),
            ("\tjoao+crm@empresa.com.br\r\n", Some("joao+crm@empresa.com.br")),
            ("teste@teste.com", Some("teste@teste.com")),
            ("o'neil@x-y.co", Some("o'neil@x-y.co")),
            ("JOSÉ@Exemplo.com.br", Some("josé@exemplo.com.br")),
            ("ana@são-paulo.br", Some("ana@são-paulo.br")),
            ("joao.silva@", None),
            ("maria at gmail.com", None),
            ("a@b", None),
            ("a@@b.com", None),
            ("a@b@c.com", None),
            ("a b@c.com", None),
            ("a@b c.com", None),
            ("@b.com", None),
            ("a@.com", None),
            ("a@b.com.", None),
            ("a@.b.com", None),
            ("a@b..com", None),
            ("a@b.com\u{0}", None),
            ("a\u{7}@b.com", None),
            ("a,b@c.com", None),
            ("<a@b.com>", None),
            ("mailto:a@b.com", None),
            ("a@b_c.com", None),
            ("", None),
            ("   ", None),
        ];
        for (raw, want) in cases {
            assert_eq!(email_key(raw).as_deref(), *want, "{raw:?}");
        }
        let long_local = format!("{}@b.com", "a".repeat(65));
        assert_eq!(email_key(&long_local), None);
        let long_domain = format!("a@{}.com", "b".repeat(250));
        assert_eq!(email_key(&long_domain), None);
    }

    #[test]
    fn cpf_cases() {
        use CpfIssue::*;
        // 441.463.319-27 is valid:
        //   d10: 4·10+4·9+1·8+4·7+6·6+3·5+3·4+1·3+9·2 = 196; 1960 mod 11 = 2 ✓
        //   d11: 4·11+4·10+1·9+4·8+6·7+3·6+3·5+1·4+9·3+2·2 = 235; 2350 mod 11 = 7 ✓
        let cases: &[(&str, Result<u64, CpfIssue>)] = &[
            ("441.463.319-27", Ok(44146331927)),
            ("44146331927", Ok(44146331927)),
            (" 441 463 319 27 ", Ok(44146331927)),
            ("441.463.31927", Ok(44146331927)),
            ("441463319/27", Ok(44146331927)),
            ("017.273.999-35", Ok(1727399935)),
            ("441.463.319-28", Err(CheckDigit)),
            ("441.463.319-17", Err(CheckDigit)),
            ("441.463.391-27", Err(CheckDigit)),
            ("000.000.000-00", Err(RepeatedDigits)),
            ("111.111.111-11", Err(RepeatedDigits)),
            ("99999999999", Err(RepeatedDigits)),
            ("4414633192", Err(Length)),
            ("1727399935", Err(Length)),
            ("441.463.319-270", Err(Length)),
            ("123", Err(Length)),
            ("", Err(Empty)),
            (" .-/ ", Err(Empty)),
            ("441.463.319-2X", Err(BadCharacter)),
            ("CPF 441.463.319-27", Err(BadCharacter)),
            ("441,463,319-27", Err(BadCharacter)),
        ];
        for (raw, want) in cases {
            assert_eq!(cpf_key(raw), *want, "{raw:?}");
        }
        assert_eq!(cpf_to_string(1727399935), "01727399935");
        assert_eq!(cpf_to_string(cpf_key("441.463.319-27").unwrap()), "44146331927");
    }

    #[test]
    fn name_and_city_cases() {
        let cases: &[(&str, &str)] = &[
            ("Camila Marques", "camila marques"),
            ("  JOSÉ   da  Silva ", "jose da silva"),
            ("Márcia Pereira Ribeiro", "marcia pereira ribeiro"),
            ("Inês\u{a0}Cardoso", "ines cardoso"),
            ("Conceição\t\nAraújo", "conceicao araujo"),
            ("ANTÔNIO", "antonio"),
            ("", ""),
            ("   ", ""),
            ("a", "a"),
        ];
        for (raw, want) in cases {
            assert_eq!(name_key(raw), *want, "{raw:?}");
        }
        assert_eq!(city_key(" São  Paulo"), "sao paulo");
        assert_eq!(city_key("JABOATÃO DOS GUARARAPES"), "jaboatao dos guararapes");
        assert_eq!(city_key("Juiz de Fora"), "juiz de fora");
    }

    /// Small deterministic generator for the property-style tests (no extra dependencies).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            self.0 >> 33
        }
        fn digit(&mut self, lo: u8, hi: u8) -> u8 {
            lo + (self.next() % u64::from(hi - lo + 1)) as u8
        }
    }

    fn digits_str(d: &[u8]) -> String {
        d.iter().map(|&x| char::from(b'0' + x)).collect()
    }

    #[test]
    fn random_cpfs_with_and_without_punctuation_share_a_key() {
        let mut rng = Lcg(0x5eed_c0ff_eeee);
        for _ in 0..5_000 {
            let mut d = [0u8; 11];
            for x in &mut d[..9] {
                *x = rng.digit(0, 9);
            }
            d[9] = cpf_check_digit(&d[..9]);
            d[10] = cpf_check_digit(&d[..10]);
            let plain = digits_str(&d);
            let want = if d.iter().all(|&x| x == d[0]) {
                Err(CpfIssue::RepeatedDigits)
            } else {
                Ok(plain.parse::<u64>().unwrap())
            };
            let dotted = format!("{}.{}.{}-{}", &plain[..3], &plain[3..6], &plain[6..9], &plain[9..]);
            let spaced = format!(" {} {} {} {} ", &plain[..3], &plain[3..6], &plain[6..9], &plain[9..]);
            for raw in [&plain, &dotted, &spaced] {
                assert_eq!(cpf_key(raw), want, "{raw:?}");
            }
            if let Ok(key) = want {
                assert_eq!(cpf_to_string(key), plain);
                // a wrong second check digit is always caught
                let mut bad = d;
                bad[10] = (bad[10] + 1) % 10;
                assert_eq!(cpf_key(&digits_str(&bad)), Err(CpfIssue::CheckDigit), "{plain}");
            }
        }
    }

    #[test]
    fn random_br_phones_in_every_spelling_share_a_key() {
        let mut rng = Lcg(42);
        for _ in 0..5_000 {
            let area = format!("{}{}", rng.digit(1, 9), rng.digit(1, 9));
            // mobile: 9 + an 8-digit tail starting 6–9, so the spelling without the 9 maps back
            let mut tail = [0u8; 8];
            tail[0] = rng.digit(6, 9);
            for x in &mut tail[1..] {
                *x = rng.digit(0, 9);
            }
            let t = digits_str(&tail);
            let (t4, t8) = (&t[..4], &t[4..]);
            let want: u64 = format!("55{area}9{t}").parse().unwrap();
            let spellings = [
                format!("+55 {area} 9{t4}-{t8}"),
                format!("({area}) 9{t4}-{t8}"),
                format!("{area}9{t}"),
                format!("0{area}9{t}"),
                format!("0055 {area} 9{t4} {t8}"),
                format!("55 {area} {t4}-{t8}"),
                format!("55{area}9{t}"),
            ];
            for raw in &spellings {
                assert_eq!(phone_key(raw, "55"), Ok(want), "{raw:?}");
            }
            // landline: 8 digits starting 2–5, never given a ninth digit
            tail[0] = rng.digit(2, 5);
            let t = digits_str(&tail);
            let want: u64 = format!("55{area}{t}").parse().unwrap();
            for raw in
                [format!("({area}) {}-{}", &t[..4], &t[4..]), format!("+55{area}{t}"), format!("0{area}{t}")]
            {
                assert_eq!(phone_key(&raw, "55"), Ok(want), "{raw:?}");
            }
        }
    }
}
