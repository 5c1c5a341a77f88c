//! Paths the user asks hyperseg to write to (rejects files, exports): checked before anything
//! is written, so a typo cannot overwrite the workspace's own files or the file being
//! imported, and every failure to write is the user's to fix (exit code 1) with the path
//! named.

use std::path::{Path, PathBuf};

/// Why an output path cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(
        "{path}: is inside the workspace {workspace}, whose files only hyperseg writes; \
         choose a path outside it"
    )]
    InsideWorkspace { path: PathBuf, workspace: PathBuf },
    #[error("{path}: is the input file {input}; writing there would destroy it; choose another path")]
    IsInput { path: PathBuf, input: PathBuf },
    #[error("{path}: is a folder; give a file name")]
    IsFolder { path: PathBuf },
    #[error("{path}: the folder {folder} does not exist; create it first")]
    NoFolder { path: PathBuf, folder: PathBuf },
    #[error("{path}: cannot write the file: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// Checks that `path` can be written as a new or replaced file: its folder exists, it is not
/// a folder, not inside `workspace` (links followed) and not one of `inputs`.
pub fn check_output(workspace: &Path, path: &Path, inputs: &[PathBuf]) -> Result<(), OutputError> {
    let owned = || path.to_owned();
    let Some(name) = path.file_name() else {
        return Err(OutputError::IsFolder { path: owned() });
    };
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let real_folder = match folder.canonicalize() {
        Ok(f) if f.is_dir() => f,
        _ => return Err(OutputError::NoFolder { path: owned(), folder }),
    };
    let target = real_folder.join(name);
    if target.is_dir() {
        return Err(OutputError::IsFolder { path: owned() });
    }
    // An existing file (or a link) is compared by where it really is.
    let real = target.canonicalize().unwrap_or(target);
    if let Ok(ws) = workspace.canonicalize()
        && real.starts_with(&ws)
    {
        return Err(OutputError::InsideWorkspace { path: owned(), workspace: workspace.to_owned() });
    }
    if let Some(input) = inputs.iter().find(|i| i.canonicalize().is_ok_and(|i| i == real)) {
        return Err(OutputError::IsInput { path: owned(), input: input.clone() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_would_destroy_something() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("ws");
        std::fs::create_dir_all(ws.join("imports")).unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "x").unwrap();
        let inputs = [input.clone()];
        let check = |p: &Path| check_output(&ws, p, &inputs);
        assert!(check(&dir.path().join("out.csv")).is_ok());
        assert!(matches!(check(&ws.join("catalog.db")), Err(OutputError::InsideWorkspace { .. })));
        assert!(matches!(check(&ws.join("imports/1.hsc")), Err(OutputError::InsideWorkspace { .. })));
        assert!(matches!(
            check(&dir.path().join("ws/../ws/x.csv")),
            Err(OutputError::InsideWorkspace { .. })
        ));
        assert!(matches!(check(&input), Err(OutputError::IsInput { .. })));
        assert!(matches!(check(&dir.path().join("./in.csv")), Err(OutputError::IsInput { .. })));
        assert!(matches!(check(dir.path()), Err(OutputError::IsFolder { .. })));
        assert!(matches!(check(&dir.path().join("nope/out.csv")), Err(OutputError::NoFolder { .. })));
    }
}
