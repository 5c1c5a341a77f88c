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
    Tab,
}

impl Separator {
    pub fn byte(self) -> u8 {
        match self {
            Separator::Comma => b',',
            Separator::Semicolon => b';',
            Separator::Tab => b'\t',
        }
    }
}

impl std::fmt::Display for Separator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Separator::Comma => "comma",
            Separator::Semicolon => "semicolon",
            Separator::Tab => "tab",
        })
    }
}

/// Detects the separator from the first record (quote-aware): the one of comma, semicolon and
/// tab that occurs outside quotes. A header with none is a single column (comma); one with
/// two or more kinds is ambiguous and an error.
pub fn detect(path: &Path, data: &[u8]) -> Result<Separator, IngestError> {
    let (mut counts, mut quoted) = ([0usize; 3], false);
    let all = [Separator::Comma, Separator::Semicolon, Separator::Tab];
    for &b in data {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(k) = all.iter().position(|s| s.byte() == b) {
                    counts[k] += 1;
                }
            }
            _ => {}
        }
    }
    let found: Vec<(Separator, usize)> = all.into_iter().zip(counts).filter(|&(_, n)| n > 0).collect();
    match found.as_slice() {
        [] => Ok(Separator::Comma),
        [(one, _)] => Ok(*one),
        _ => {
            let named: Vec<String> = found.iter().map(|(s, n)| format!("{s}s ({n})")).collect();
            let found = match named.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
                _ => named.join(""),
            };
            Err(IngestError::AmbiguousSeparator { path: path.to_owned(), found })
        }
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
        assert_eq!(detect(p, b"a\tb\t\"c,d\"\n1\t2\t3").unwrap(), Separator::Tab);
        let err = detect(p, b"a,b;c\td\n").unwrap_err().to_string();
        assert!(err.contains("commas (1), semicolons (1) and tabs (1)"), "{err}");
    }
}
