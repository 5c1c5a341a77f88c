//! Writing rejected rows out so the user can fix and re-import them.

use super::{IngestError, Rejected, Separator};
use crate::store::OutputError;
use std::path::Path;

/// Writes `rejects` to `path` as CSV with the import's separator: `line`, `reason`, then the
/// row's fields under the file's own header. Fix the rows, drop the first two columns, and the
/// file imports again.
pub fn write_rejects(
    path: &Path,
    header: &[String],
    sep: Separator,
    rejects: &[Rejected],
) -> Result<(), IngestError> {
    let write_err = |source| IngestError::Output(OutputError::Write { path: path.to_owned(), source });
    let err = |e: csv::Error| {
        write_err(match e.into_kind() {
            csv::ErrorKind::Io(io) => io,
            other => std::io::Error::other(format!("{other:?}")),
        })
    };
    let mut w =
        csv::WriterBuilder::new().delimiter(sep.byte()).flexible(true).from_path(path).map_err(err)?;
    let mut head = vec!["line".to_owned(), "reason".to_owned()];
    head.extend(header.iter().cloned());
    w.write_record(&head).map_err(err)?;
    for r in rejects {
        let mut row = vec![r.line.to_string(), r.reason.to_string()];
        row.extend(r.fields.iter().cloned());
        w.write_record(&row).map_err(err)?;
    }
    w.flush().map_err(write_err)
}
