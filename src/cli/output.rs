//! The only place that prints: results to stdout (text or JSON), errors to stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use serde::Serialize;
use std::io::{IsTerminal, Write};

/// Where results go, and in which form.
pub struct Output {
    pub json: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// Prints `text` for people, or `value` as JSON.
    pub fn message<T: Serialize>(&self, text: &str, value: &T) -> anyhow::Result<()> {
        if self.json { self.json_value(value) } else { self.text(text) }
    }

    /// Prints text to stdout (a trailing newline is added).
    pub fn text(&self, text: &str) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}")?;
        out.flush()?;
        Ok(())
    }

    /// Prints a JSON value to stdout.
    pub fn json_value<T: Serialize>(&self, value: &T) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, value)?;
        writeln!(out)?;
        out.flush()?;
        Ok(())
    }
}

/// A one-line remark on stderr (which backend ran, where files went, ...).
pub fn note(text: &str) {
    eprintln!("{text}");
}

/// Prints an error and its causes to stderr.
pub fn error(err: &anyhow::Error) {
    let mut msg = format!("error: {err}");
    for cause in err.chain().skip(1) {
        msg.push_str(&format!("\n  caused by: {cause}"));
    }
    eprintln!("{msg}");
}

/// Whether the error is stdout closing under us (`hyperseg ... | head`): exit quietly.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Whether stderr is a terminal (progress bars only then).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

pub use hyperseg::text::thousands;

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_groups_digits() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1234567), "1,234,567");
    }
}
