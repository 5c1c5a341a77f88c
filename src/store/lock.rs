//! The writer lock: one writing command per workspace at a time.
//!
//! The lock file holds the holder's pid and exists only while it is held, so a workspace at
//! rest holds no trace of past writers. Removing a lock file races with a process that opened
//! it just before; after locking, each process checks the path still names the file it
//! locked, and tries again if not.

use super::StoreError;
use super::error::io;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Held while a command writes to the workspace; released (and the file removed) on drop.
#[derive(Debug)]
pub struct WriteLock {
    file: File,
    path: PathBuf,
}

impl WriteLock {
    /// Takes the lock at `path`, or says who holds it.
    pub fn acquire(path: &Path, workspace: &Path) -> Result<WriteLock, StoreError> {
        loop {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(io(path))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let mut pid = String::new();
                    let _ = file.read_to_string(&mut pid);
                    let pid =
                        if pid.trim().is_empty() { "unknown".to_owned() } else { pid.trim().to_owned() };
                    return Err(StoreError::Busy { path: workspace.to_owned(), pid });
                }
                Err(TryLockError::Error(e)) => return Err(io(path)(e)),
            }
            if !same_file(&file, path) {
                continue;
            }
            file.set_len(0).map_err(io(path))?;
            file.rewind().map_err(io(path))?;
            write!(file, "{}", std::process::id()).map_err(io(path))?;
            file.sync_all().map_err(io(path))?;
            return Ok(WriteLock { file, path: path.to_owned() });
        }
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        // Remove while still holding the lock; a process that opened the old file re-checks.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_writer_is_told_who_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let held = WriteLock::acquire(&path, dir.path()).unwrap();
        let err = WriteLock::acquire(&path, dir.path()).unwrap_err();
        assert!(err.to_string().contains(&format!("held by pid {}", std::process::id())), "{err}");
        drop(held);
        assert!(!path.exists());
        WriteLock::acquire(&path, dir.path()).unwrap();
    }
}
