//! Everything that makes an import fail. Each message names the file and, where there is
//! one, the line and column, and says what was expected.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: cannot read the file: {source}")]
    Read { path: PathBuf, source: std::io::Error },

    #[error(
        "{path}: is a {kind}, not a regular file; to import from a pipe, pass - and send the \
         data to standard input (cat data.csv | hyperseg import -)"
    )]
    NotAFile { path: PathBuf, kind: &'static str },

    #[error("{path}: the file is {bytes} bytes, more than --max-bytes {max}")]
    TooManyBytes { path: PathBuf, bytes: u64, max: u64 },

    #[error(
        "{path}: line {line}, column {column} (byte {byte}): the file is not valid UTF-8; \
         save it as UTF-8 and import again"
    )]
    NotUtf8 { path: PathBuf, line: u64, column: u64, byte: u64 },

    #[error(
        "{path}: line {line}, column {column}{column_name}, byte {byte}: a quoted field opens here \
         and is still open at the end of the file, so it would swallow every row after it; \
         if the quote belongs to the value, quote the whole field and double the quote (\"\")"
    )]
    QuoteNeverCloses { path: PathBuf, line: u64, column: usize, column_name: String, byte: u64 },

    #[error(
        "{path}: line {line}, column {column}{column_name}, byte {byte}: a quoted field opens here \
         and runs past {limit}, which is the signature of a stray quote; fix the quote, or raise \
         the limit if the field really is that long"
    )]
    QuotedFieldTooLong {
        path: PathBuf,
        line: u64,
        column: usize,
        column_name: String,
        byte: u64,
        limit: String,
    },

    #[error("{path}: the file is blank; expected a header line and at least one row")]
    Blank { path: PathBuf },

    #[error("{path}: the file has a header but no rows; expected at least one row after line {header_lines}")]
    NoRows { path: PathBuf, header_lines: u64 },

    #[error(
        "{path}: line 1: the header holds {found}, so the separator is ambiguous; say which \
         with --separator comma, --separator semicolon or --separator tab"
    )]
    AmbiguousSeparator { path: PathBuf, found: String },

    #[error(
        "{path}: line 1: the header has {found} columns, more than the {max} a file may have; \
         split the file or leave columns out"
    )]
    TooManyColumns { path: PathBuf, found: usize, max: usize },

    #[error("{path}: line 1, column {column}: the column has no name; every column needs a header")]
    UnnamedColumn { path: PathBuf, column: usize },

    #[error(
        "{path}: line 1, column {column}: the column name \"{name}\" repeats column {first_column} \
         (\"{first_name}\"); names are compared ignoring case, accents and spaces"
    )]
    DuplicateColumn { path: PathBuf, column: usize, name: String, first_column: usize, first_name: String },

    #[error(
        "{path}: line 1: no phone-number column; expected a header such as phoneNumber, telefone, \
         celular, teléfono or phone (found: {found})"
    )]
    NoPhoneColumn { path: PathBuf, found: String },

    #[error("{path}: line 1, columns {first} and {second}: both are the {field} column; keep one")]
    CanonicalTwice { path: PathBuf, field: &'static str, first: usize, second: usize },

    #[error("{path}: the file has {rows} rows, more than --max-rows {max}")]
    TooManyRows { path: PathBuf, rows: u64, max: u64 },

    #[error("{path}: --record-id {column:?} names no column of the file (found: {found})")]
    NoRecordIdColumn { path: PathBuf, column: String, found: String },

    #[error(transparent)]
    Store(#[from] crate::store::StoreError),

    /// The rejects file cannot be written (a user error: the path is the user's choice).
    #[error(transparent)]
    Output(#[from] crate::store::OutputError),
}

impl IngestError {
    /// Whether the user can fix this by changing the input or the options (exit code 1),
    /// as opposed to a failure of the machine (exit code 2).
    pub fn is_user_error(&self) -> bool {
        match self {
            IngestError::Store(e) => e.is_user_error(),
            _ => true,
        }
    }
}
