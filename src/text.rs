//! Text folding shared by every stage: the comparison key for headers, opt-in words,
//! booleans and (later) names and filter values.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Lower-cases `s` and removes accents: "São Paulo" → "sao paulo", "NÃO" → "nao".
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = Vec::with_capacity(s.len());
    fold_into(s, &mut out);
    String::from_utf8(out).expect("folding keeps UTF-8")
}

/// [`fold`] appended to `out`, without allocating: the hot loops of filter evaluation reuse
/// one buffer.
///
/// This folds one character at a time, which gives the same text as decomposing the whole
/// string (NFD), dropping combining marks and lower-casing: NFD is each character's full
/// canonical decomposition followed by a reordering of characters with a non-zero combining
/// class, and those are all combining marks, which are dropped (pinned by a test).
pub fn fold_into(s: &str, out: &mut Vec<u8>) {
    let mut push = |c: char| {
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    };
    for c in s.chars() {
        if c.is_ascii() {
            push(c.to_ascii_lowercase());
        } else {
            decompose_canonical(c, |d| {
                if !is_combining_mark(d) {
                    d.to_lowercase().for_each(&mut push);
                }
            });
        }
    }
}

/// [`fold`], then drops white space, `-`, `_` and `.`: "E-mail" → "email",
/// "Número de teléfono" → "numerodetelefono". The key for recognising headers.
pub fn fold_compact(s: &str) -> String {
    fold(s).chars().filter(|c| !c.is_whitespace() && !matches!(c, '-' | '_' | '.')).collect()
}

/// [`fold`], then drops white space only: the key for "same column name" checks, which
/// compare case-, accent- and space-insensitively.
pub fn fold_spaceless(s: &str) -> String {
    fold(s).chars().filter(|c| !c.is_whitespace()).collect()
}

/// A short, printable excerpt of `s` for an error message: control characters (NUL, line
/// breaks, tabs) escaped, and at most `max_chars` characters of the text, with `…` and the
/// total length when it was cut.
pub fn excerpt(s: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for (taken, c) in s.chars().enumerate() {
        if taken == max_chars {
            out.push_str(&format!("… ({} characters in all)", s.chars().count()));
            return out;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Groups thousands: `1234567` → `1,234,567` (reports and command output).
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_per_character_equals_folding_the_whole_string_on_every_character() {
        use unicode_normalization::UnicodeNormalization;
        use unicode_normalization::char::canonical_combining_class;
        // The reference: decompose the whole string, drop marks, lower-case.
        let reference = |s: &str| -> String {
            s.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
        };
        // The premise of folding one character at a time: everything canonical ordering moves
        // is a combining mark, which folding drops.
        let all: Vec<char> = (0..=0x10FFFFu32).filter_map(char::from_u32).collect();
        for &c in &all {
            assert!(canonical_combining_class(c) == 0 || is_combining_mark(c), "{c:?} (U+{:04X})", c as u32);
        }
        // Every character, in runs of 64, with marks between some of them.
        for (i, run) in all.chunks(64).enumerate() {
            let mut s: String = run.iter().collect();
            if i % 2 == 1 {
                s = run.iter().flat_map(|&c| [c, '\u{301}', '\u{327}']).collect();
            }
            assert_eq!(fold(&s), reference(&s), "run {i}");
        }
    }

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("São Paulo"), "sao paulo");
        assert_eq!(fold("NÃO"), "nao");
        assert_eq!(fold("Sí"), "si");
        assert_eq!(fold("plain"), "plain");
        assert_eq!(fold_compact("Número de teléfono"), "numerodetelefono");
        assert_eq!(fold_compact("E-mail"), "email");
        assert_eq!(fold_spaceless("Correo  Electrónico"), "correoelectronico");
        assert_eq!(fold_spaceless("e-mail"), "e-mail");
    }

    #[test]
    fn excerpts_are_short_and_printable() {
        assert_eq!(excerpt("Cidade", 40), "Cidade");
        assert_eq!(excerpt("a\0b\nc", 40), "a\\u{0}b\\nc");
        let long = "x".repeat(1000);
        assert_eq!(excerpt(&long, 3), "xxx… (1000 characters in all)");
    }
}
