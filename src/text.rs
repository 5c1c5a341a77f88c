//! Text folding shared by every stage: the comparison key for headers, opt-in words,
//! booleans and (later) names and filter values.

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// Lower-cases `s` and removes accents: "São Paulo" → "sao paulo", "NÃO" → "nao".
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
