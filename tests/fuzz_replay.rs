//! Replays the fuzz corpora on every `cargo test`: each seed under `fuzz/corpus/TARGET/` and
//! each crash the fuzzer found under `fuzz/regressions/TARGET/` runs through the same harness
//! the AFL target calls (`hyperseg::fuzz`), so a fixed crash stays fixed without AFL installed.
//! Also checks, byte by byte, that damaging a real snapshot is always an error.

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files in `fuzz/KIND/TARGET`, sorted.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md" && n != ".gitkeep"))
        .collect();
    files.sort();
    files
}

/// Runs every input of `kind` through its target's harness; a panic names the file.
fn replay(kind: &str) -> usize {
    let mut count = 0;
    for &(target, harness) in hyperseg::fuzz::TARGETS {
        for path in inputs(kind, target) {
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            if std::panic::catch_unwind(|| harness(&data)).is_err() {
                panic!("fuzz target {target} fails on {}", path.display());
            }
            count += 1;
        }
    }
    count
}

#[test]
fn every_seed_of_every_fuzz_target_runs_clean() {
    for &(target, _) in hyperseg::fuzz::TARGETS {
        assert!(!inputs("corpus", target).is_empty(), "fuzz target {target} has no seed corpus");
    }
    assert!(replay("corpus") > 50);
}

#[test]
fn every_crash_the_fuzzer_found_stays_fixed() {
    replay("regressions");
}

/// A checked snapshot with any one byte changed, or cut short anywhere, is an error: never a
/// table with changed values.
#[test]
fn every_damaged_byte_of_a_snapshot_is_an_error() {
    let path = Path::new("damaged.hsc");
    for seed in inputs("corpus", "snapshot") {
        let bytes = std::fs::read(&seed).unwrap();
        let (table, _) = hyperseg::store::snapshot::from_bytes(path, &bytes)
            .unwrap_or_else(|e| panic!("seed {} does not read: {e}", seed.display()));
        assert!(table.rows() > 0 || !table.columns().is_empty(), "{}", seed.display());
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x20;
            assert!(
                hyperseg::store::snapshot::from_bytes(path, &damaged).is_err(),
                "{} with byte {i} changed reads as a table",
                seed.display()
            );
        }
        for len in (0..bytes.len()).step_by(7) {
            assert!(
                hyperseg::store::snapshot::from_bytes(path, &bytes[..len]).is_err(),
                "{} cut to {len} bytes reads as a table",
                seed.display()
            );
        }
    }
}
