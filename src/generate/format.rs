//! Spellings: the many ways one phone, e-mail, CPF, name or address is
//! written in real CRM dumps, plus pt-BR money and dates.
//!
//! Every function appends to a `String`; the randomness only picks a
//! spelling, never the identity behind it (see `people.rs`).

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use rand::Rng;

use super::people::{HUB_DDD, HUB_SUBSCRIBER, Person, Phone, pick};

/// Appends one spelling of `phone`. Mobiles are sometimes written without
/// their ninth digit (`55 11 9461-5075`), which identity folds back.
pub(crate) fn phone(s: &mut String, phone: &Phone, rng: &mut impl Rng) {
    let (ddd, sub) = (phone.ddd, phone.subscriber);
    let (hi, lo) = (sub / 10_000, sub % 10_000);
    let _ = if phone.mobile {
        match rng.random_range(0..100) {
            0..15 => write!(s, "55{ddd}9{sub:08}"),
            15..27 => write!(s, "+55 {ddd} 9{hi:04}-{lo:04}"),
            27..39 => write!(s, "({ddd}) 9{hi:04}-{lo:04}"),
            39..49 => write!(s, "{ddd}9{sub:08}"),
            49..55 => write!(s, "0{ddd}9{sub:08}"),
            55..61 => write!(s, "0{ddd} 9{hi:04}-{lo:04}"),
            61..67 => write!(s, "0055 {ddd} 9{hi:04} {lo:04}"),
            67..73 => write!(s, "+55 ({ddd}) 9 {hi:04}-{lo:04}"),
            73..79 => write!(s, "+55({ddd})9{sub:08}"),
            79..86 => write!(s, "55 {ddd} {hi:04}-{lo:04}"),
            86..93 => write!(s, "{ddd} {hi:04}-{lo:04}"),
            _ => write!(s, "({ddd}) {hi:04}-{lo:04}"),
        }
    } else {
        landline(s, ddd, hi, lo, rng.random_range(0..100))
    };
}

/// Appends a landline spelling chosen by `roll` (0..100).
fn landline(s: &mut String, ddd: u8, hi: u32, lo: u32, roll: u32) -> std::fmt::Result {
    match roll {
        0..15 => write!(s, "55{ddd}{hi:04}{lo:04}"),
        15..30 => write!(s, "+55 {ddd} {hi:04}-{lo:04}"),
        30..50 => write!(s, "({ddd}) {hi:04}-{lo:04}"),
        50..62 => write!(s, "{ddd}{hi:04}{lo:04}"),
        62..72 => write!(s, "0{ddd} {hi:04}-{lo:04}"),
        72..80 => write!(s, "0055 {ddd} {hi:04} {lo:04}"),
        80..90 => write!(s, "{ddd} {hi:04}-{lo:04}"),
        _ => write!(s, "55{ddd} {hi:04}-{lo:04}"),
    }
}

/// Appends a spelling of the call-centre hub number (`5511 3003-0000`).
pub(crate) fn hub_phone(s: &mut String, rng: &mut impl Rng) {
    let sub = HUB_SUBSCRIBER;
    let _ = landline(s, HUB_DDD, sub / 10_000, sub % 10_000, rng.random_range(0..100));
}

/// Appends an impossible phone: too short, too long, a 9-digit subscriber
/// not starting with 9, or an area code containing 0. None is a key.
pub(crate) fn bad_phone(s: &mut String, ddd: u8, rng: &mut impl Rng) {
    let hi = rng.random_range(2000..6000u32);
    let lo = rng.random_range(0..10_000u32);
    let _ = match rng.random_range(0..4) {
        0 => digits(s, rng.random_range(4..=8), rng),
        1 => digits(s, rng.random_range(16..=17), rng),
        2 => write!(s, "+55 {ddd} 8{hi:04}-{lo:04}"),
        _ => write!(s, "({}0) {hi:04}-{lo:04}", rng.random_range(1..10)),
    };
}

/// Appends `n` random digits, the first one non-zero.
fn digits(s: &mut String, n: usize, rng: &mut impl Rng) -> std::fmt::Result {
    s.push(char::from(b'0' + rng.random_range(1..10u8)));
    for _ in 1..n {
        s.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
    Ok(())
}

/// Appends a lower-case ASCII fold of `name` (`João` → `joao`).
fn fold(s: &mut String, name: &str) {
    s.extend(name.chars().map(|c| strip_accent(c).to_ascii_lowercase()));
}

/// The base letter of a Portuguese accented letter; other chars unchanged.
pub(crate) fn strip_accent(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
        'Á' | 'À' | 'Â' | 'Ã' | 'Ä' => 'A',
        'é' | 'ê' | 'è' => 'e',
        'É' | 'Ê' | 'È' => 'E',
        'í' | 'î' => 'i',
        'Í' | 'Î' => 'I',
        'ó' | 'ô' | 'õ' => 'o',
        'Ó' | 'Ô' | 'Õ' => 'O',
        'ú' | 'ü' => 'u',
        'Ú' | 'Ü' => 'U',
        'ç' => 'c',
        'Ç' => 'C',
        other => other,
    }
}

/// Appends the person's e-mail local part: a name shape followed by the
/// person's unique number (names hold no digits, so locals never collide).
fn email_local(s: &mut String, person: &Person) {
    match person.email_style {
        0..5 => {
            fold(s, person.first);
            s.push('.');
            fold(s, person.last);
        }
        5 | 6 => {
            fold(s, person.first);
            fold(s, person.last);
        }
        7 => {
            fold(s, person.first);
            s.push('_');
            fold(s, person.last);
        }
        8 => {
            let initial = person.first.chars().next().unwrap_or('x');
            s.push(strip_accent(initial).to_ascii_lowercase());
            s.push('.');
            fold(s, person.last);
        }
        _ => fold(s, person.first),
    }
    let _ = write!(s, "{}", person.email_number);
}

/// Appends one spelling of the person's address: as is, upper case,
/// capitalised, or with surrounding spaces.
pub(crate) fn email(s: &mut String, person: &Person, rng: &mut impl Rng) {
    let start = s.len();
    let roll = rng.random_range(0..100);
    if (85..95).contains(&roll) {
        s.push(' ');
    }
    let body = s.len();
    email_local(s, person);
    s.push('@');
    s.push_str(person.email_domain);
    match roll {
        60..75 | 95.. => s[body..].make_ascii_uppercase(),
        75..85 => s[body..body + 1].make_ascii_uppercase(),
        _ => {}
    }
    if (85..95).contains(&roll) {
        s.push(' ');
    }
    debug_assert!(s.len() > start);
}

/// Appends a malformed spelling of the person's address (not a key).
pub(crate) fn bad_email(s: &mut String, person: &Person, rng: &mut impl Rng) {
    let domain = person.email_domain;
    email_local(s, person);
    match rng.random_range(0..5) {
        0 => s.push('@'),
        1 => {
            s.push_str(" at ");
            s.push_str(domain);
        }
        2 => {
            s.push('@');
            s.push_str(domain.split('.').next().unwrap_or(domain));
        }
        3 => {
            s.push_str("@@");
            s.push_str(domain);
        }
        _ => {
            s.push('.');
            s.push_str(domain);
        }
    }
}

/// Appends a spelling of the `teste@teste.com` hub.
pub(crate) fn hub_email(s: &mut String, rng: &mut impl Rng) {
    s.push_str(pick(rng, &["teste@teste.com", "TESTE@TESTE.COM", "Teste@teste.com", " teste@teste.com"]));
}

/// Appends a spelling of the CPF `d`: `441.463.319-27`, `44146331927`,
/// `441.463.31927` or `441463319-27`.
pub(crate) fn cpf(s: &mut String, d: &[u8; 11], rng: &mut impl Rng) {
    let c = |i: usize| char::from(b'0' + d[i]);
    let roll = rng.random_range(0..100);
    for i in 0..11 {
        match (roll, i) {
            (0..45 | 85..93, 3 | 6) => s.push('.'),
            (0..45 | 93.., 9) => s.push('-'),
            _ => {}
        }
        s.push(c(i));
    }
}

/// Appends the CPF `d` with a wrong second check digit (not a key).
pub(crate) fn bad_cpf(s: &mut String, d: &[u8; 11], rng: &mut impl Rng) {
    let mut wrong = *d;
    wrong[10] = (wrong[10] + rng.random_range(1..10)) % 10;
    cpf(s, &wrong, rng);
}

/// Appends `000.000.000-00` or another all-equal CPF (not a key).
pub(crate) fn repeated_cpf(s: &mut String, rng: &mut impl Rng) {
    s.push_str(pick(
        rng,
        &["000.000.000-00", "000.000.000-00", "00000000000", "111.111.111-11", "999.999.999-99"],
    ));
}

/// Appends the person's name: usually as registered, sometimes in capitals,
/// without accents, or with a quoted nickname (`João "Nun" Nunes`).
pub(crate) fn name(s: &mut String, person: &Person, rng: &mut impl Rng) {
    let start = s.len();
    s.push_str(person.first);
    let roll = rng.random_range(0..1000);
    if roll < 6 {
        let nick: String = person.last.chars().take(3).collect();
        let _ = write!(s, " \"{nick}\"");
    }
    if let Some(middle) = person.middle {
        s.push(' ');
        s.push_str(middle);
    }
    s.push(' ');
    s.push_str(person.last);
    match roll {
        6..26 => {
            let upper = s[start..].to_uppercase();
            s.truncate(start);
            s.push_str(&upper);
        }
        26..56 => {
            let plain: String = s[start..].chars().map(strip_accent).collect();
            s.truncate(start);
            s.push_str(&plain);
        }
        _ => {}
    }
}

/// Appends the person's address (`Rua das Flores, 20`), sometimes with the
/// apartment on a second line or a `;`-separated complement.
pub(crate) fn address(s: &mut String, person: &Person, rng: &mut impl Rng) {
    let _ = write!(s, "{}, {}", person.street, person.house);
    let roll = rng.random_range(0..1000);
    let apartment = person.apartment.unwrap_or(1 + (person.house % 300));
    let _ = match roll {
        0..3 => write!(s, "\nApto {apartment}"),
        3..8 => write!(s, "; {}", pick(rng, &["fundos", "Bloco B", "casa 2", "sala 3"])),
        _ => match person.apartment {
            Some(apt) => write!(s, ", Apto {apt}"),
            None => Ok(()),
        },
    };
}

/// Appends a pt-BR amount: `3.165,60`, `723,34`.
pub(crate) fn money(s: &mut String, cents: u64) {
    let (units, frac) = (cents / 100, cents % 100);
    let text = units.to_string();
    for (i, ch) in text.chars().enumerate() {
        if i > 0 && (text.len() - i) % 3 == 0 {
            s.push('.');
        }
        s.push(ch);
    }
    let _ = write!(s, ",{frac:02}");
}

/// Appends a valid `dd/mm/yyyy` date between 2019-01-01 and 2026-12-31.
pub(crate) fn date(s: &mut String, rng: &mut impl Rng) {
    let first = NaiveDate::from_ymd_opt(2019, 1, 1).expect("valid date");
    let last = NaiveDate::from_ymd_opt(2026, 12, 31).expect("valid date");
    let span = (last - first).num_days() as u64;
    let day = first + chrono::Days::new(rng.random_range(0..=span));
    let _ = write!(s, "{:02}/{:02}/{}", day.day(), day.month(), day.year());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands() {
        let cases = [(316_560, "3.165,60"), (72_334, "723,34"), (5, "0,05")];
        for (cents, want) in cases {
            let mut s = String::new();
            money(&mut s, cents);
            assert_eq!(s, want);
        }
        let mut s = String::new();
        money(&mut s, 123_456_789);
        assert_eq!(s, "1.234.567,89");
    }
}
