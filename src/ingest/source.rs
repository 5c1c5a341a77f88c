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

impl Source {
    /// Opens `path`, refusing files larger than `max_bytes`.
    pub fn open(path: &Path, max_bytes: Option<u64>) -> Result<Source, IngestError> {
        let read_err = |source| IngestError::Read { path: path.to_owned(), source };
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

/// Checks that `bytes` is UTF-8 and returns it without a leading byte-order mark, plus the
/// BOM's length.
pub fn check_utf8<'a>(path: &Path, bytes: &'a [u8]) -> Result<(&'a [u8], usize), IngestError> {
    if let Err(e) = simdutf8::compat::from_utf8(bytes) {
        let byte = e.valid_up_to();
        let before = &bytes[..byte];
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |p| p + 1);
        let line = 1 + memchr::memchr_iter(b'\n', before).count() as u64;
        // The prefix is valid UTF-8, so characters can be counted.
        let column = 1 + String::from_utf8_lossy(&before[line_start..]).chars().count() as u64;
        return Err(IngestError::NotUtf8 { path: path.to_owned(), line, column, byte: byte as u64 });
    }
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    Ok((&bytes[bom..], bom))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_line_column_and_byte_of_bad_utf8() {
        let err = check_utf8(Path::new("x.csv"), b"a;b\nc\xE3o;d\n").unwrap_err();
        match err {
            IngestError::NotUtf8 { line, column, byte, .. } => {
                assert_eq!((line, column, byte), (2, 2, 5));
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn strips_bom() {
        let (rest, bom) = check_utf8(Path::new("x.csv"), b"\xEF\xBB\xBFa;b").unwrap();
        assert_eq!((rest, bom), (&b"a;b"[..], 3));
    }
}
