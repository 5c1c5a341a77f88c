//! Choosing the field separator: given by the user, or detected from the header line.

use super::IngestError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The separators hyperseg reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Separator {
    Comma,
    Semicolon,
}

impl Separator {
    pub fn byte(self) -> u8 {
        match self {
            Separator::Comma => b',',
            Separator::Semicolon => b';',
        }
    }
}

impl std::fmt::Display for Separator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Separator::Comma => "comma",
            Separator::Semicolon => "semicolon",
        })
    }
}

/// Detects the separator from the first record (quote-aware): the one of comma and semicolon
/// that occurs outside quotes. A header with neither is a single column (comma); one with both
/// is ambiguous and an error.
pub fn detect(path: &Path, data: &[u8]) -> Result<Separator, IngestError> {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for &b in data {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    match (commas, semicolons) {
        (_, 0) => Ok(Separator::Comma),
        (0, _) => Ok(Separator::Semicolon),
        _ => Err(IngestError::AmbiguousSeparator { path: path.to_owned(), commas, semicolons }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_separator_and_ignores_quoted_ones() {
        let p = Path::new("x.csv");
        assert_eq!(detect(p, b"a;b;c\n1,2;3").unwrap(), Separator::Semicolon);
        assert_eq!(detect(p, b"a,\"b;c\",d\n").unwrap(), Separator::Comma);
        assert_eq!(detect(p, b"phone\n123").unwrap(), Separator::Comma);
        assert!(matches!(
            detect(p, b"a,b;c\n"),
            Err(IngestError::AmbiguousSeparator { commas: 1, semicolons: 1, .. })
        ));
    }
}
