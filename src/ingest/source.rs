//! Getting a file's bytes: memory-mapped where possible, read otherwise; UTF-8 checked and
//! the byte-order mark stripped.

use super::IngestError;
use std::fs::File;
use std::path::Path;

/// A file's bytes, mapped or read into memory.
pub enum Source {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

/// The path that names standard input.
pub const STDIN: &str = "-";

/// How standard input is named in reports and messages.
pub const STDIN_NAME: &str = "(standard input)";

impl Source {
    /// Opens `path` (`-`: standard input), refusing files larger than `max_bytes`, and at once
    /// anything that is not a regular file: opening a FIFO with no writer would wait forever,
    /// holding the workspace lock.
    pub fn open(path: &Path, max_bytes: Option<u64>) -> Result<Source, IngestError> {
        let read_err = |source| IngestError::Read { path: path.to_owned(), source };
        if path.as_os_str() == STDIN {
            return read_stdin(max_bytes);
        }
        let kind = std::fs::metadata(path).map_err(read_err)?.file_type();
        if !kind.is_file() {
            return Err(IngestError::NotAFile { path: path.to_owned(), kind: kind_name(kind) });
        }
        let file = File::open(path).map_err(read_err)?;
        let len = file.metadata().map_err(read_err)?.len();
        if let Some(max) = max_bytes.filter(|&max| len > max) {
            return Err(IngestError::TooManyBytes { path: path.to_owned(), bytes: len, max });
        }
        if len == 0 {
            return Ok(Source::Read(Vec::new()));
        }
        match map(&file) {
            Ok(map) => Ok(Source::Mapped(map)),
            // Mapping fails on some special files and file systems: read the bytes instead.
            Err(_) => std::fs::read(path).map(Source::Read).map_err(read_err),
        }
    }

    /// All of the file's bytes.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Source::Mapped(m) => m,
            Source::Read(v) => v,
        }
    }
}

/// Reads all of standard input, refusing more than `max_bytes`, and refusing a terminal
/// (nothing is piped in: it would wait for typing).
fn read_stdin(max_bytes: Option<u64>) -> Result<Source, IngestError> {
    use std::io::{IsTerminal, Read};
    let path = Path::new(STDIN_NAME);
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(IngestError::NotAFile { path: path.to_owned(), kind: "terminal" });
    }
    let mut bytes = Vec::new();
    let limit = max_bytes.map_or(u64::MAX, |m| m.saturating_add(1));
    stdin
        .lock()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|source| IngestError::Read { path: path.to_owned(), source })?;
    if let Some(max) = max_bytes.filter(|&max| bytes.len() as u64 > max) {
        return Err(IngestError::TooManyBytes { path: path.to_owned(), bytes: bytes.len() as u64, max });
    }
    Ok(Source::Read(bytes))
}

/// What kind of file system entry `kind` is, in words.
fn kind_name(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "named pipe (FIFO)";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "device";
        }
        if kind.is_socket() {
            return "socket";
        }
    }
    if kind.is_dir() { "folder" } else { "special file" }
}

/// Maps `file` read-only.
#[allow(unsafe_code)]
fn map(file: &File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: the map is read-only and lives no longer than the import. If another process
    // truncates or rewrites the file while we read it, we may see changed bytes or get
    // SIGBUS; that is the documented trade-off of mmap-based readers (ripgrep makes the same
    // one), and an import of a file being rewritten under it is not a supported use. Every
    // byte is UTF-8 checked before it is parsed, so changed bytes cannot break invariants.
    unsafe { memmap2::Mmap::map(file) }
}

/// `bytes` without a leading UTF-8 byte-order mark, and the mark's length.
pub fn strip_bom(bytes: &[u8]) -> (&[u8], usize) {
    match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, 3),
        None => (bytes, 0),
    }
}

/// The offset of the first byte of `bytes` that is not valid UTF-8, if any.
pub fn first_invalid_utf8(bytes: &[u8]) -> Option<usize> {
    // The fast validator says only yes or no; the slower one then finds where.
    simdutf8::basic::from_utf8(bytes).err()?;
    simdutf8::compat::from_utf8(bytes).err().map(|e| e.valid_up_to())
}

/// Whether the file breaks lines with a lone `\r` (old Mac exports): its first line break is
/// a `\r` not followed by `\n`. Such files count `\r` as the line break, all others `\n`.
pub fn breaks_lines_with_cr(bytes: &[u8]) -> bool {
    memchr::memchr2(b'\r', b'\n', bytes)
        .is_some_and(|i| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
}

/// The error for invalid UTF-8 at byte `at` of the file `bytes`: its line, column (in
/// characters) and byte offset.
pub fn utf8_error(path: &Path, bytes: &[u8], at: usize) -> IngestError {
    let before = &bytes[..at];
    let line_break = if breaks_lines_with_cr(bytes) { b'\r' } else { b'\n' };
    let line_start = memchr::memrchr(line_break, before).map_or(0, |p| p + 1);
    let line = 1 + memchr::memchr_iter(line_break, before).count() as u64;
    let line_text = &before[line_start..];
    let line_text = if line_start == 0 { strip_bom(line_text).0 } else { line_text };
    let column = 1 + String::from_utf8_lossy(line_text).chars().count() as u64;
    IngestError::NotUtf8 { path: path.to_owned(), line, column, byte: at as u64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_line_column_and_byte_of_bad_utf8() {
        let bytes = b"a;b\nc\xE3o;d\n";
        let at = first_invalid_utf8(bytes).unwrap();
        match utf8_error(Path::new("x.csv"), bytes, at) {
            IngestError::NotUtf8 { line, column, byte, .. } => {
                assert_eq!((line, column, byte), (2, 2, 5));
            }
            other => panic!("unexpected {other}"),
        }
    }

    /// A bad byte on line 3 of a file with lone `\r` line ends was reported at line 1.
    #[test]
    fn line_numbers_with_cr_only_line_ends() {
        let bytes = b"a;b\rc;d\re\xE3o;f\r";
        let at = first_invalid_utf8(bytes).unwrap();
        match utf8_error(Path::new("x.csv"), bytes, at) {
            IngestError::NotUtf8 { line, column, .. } => assert_eq!((line, column), (3, 2)),
            other => panic!("unexpected {other}"),
        }
        assert!(breaks_lines_with_cr(b"a\rb\nc"));
        assert!(!breaks_lines_with_cr(b"a\r\nb\rc"));
    }

    #[test]
    fn strips_bom() {
        assert_eq!(strip_bom(b"\xEF\xBB\xBFa;b"), (&b"a;b"[..], 3));
        assert_eq!(strip_bom(b"a;b"), (&b"a;b"[..], 0));
        assert_eq!(first_invalid_utf8("São".as_bytes()), None);
    }
}
