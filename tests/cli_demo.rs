//! `hyperseg demo` through the real binary: the README's first command, on the bundled sample.

mod common;

use common::{path_arg, run_in};

#[test]
fn demo_imports_resolves_and_exports_an_audience() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let run = run_in(tmp.path(), &["--json", "demo", "--out", &path_arg(&out)]).ok();
    let report = run.json();
    assert_eq!(report["import"]["rows_imported"], 4985, "{report:#}");
    assert!(report["identity"]["profiles"].as_u64().unwrap() > 0, "{report:#}");
    let size = report["audience"]["size"].as_u64().unwrap();
    assert!(size > 0, "{report:#}");
    let csv = std::fs::read_to_string(out.join("audience.csv")).unwrap();
    let (rows, left_out) = (&report["exported"]["rows"], &report["exported"]["invalid_phones_left_out"]);
    assert_eq!(rows.as_u64().unwrap() + left_out.as_u64().unwrap(), size, "{report:#}");
    assert_eq!(
        csv.lines().count() as u64,
        rows.as_u64().unwrap() + 1,
        "a header and one row per exported profile"
    );
    assert!(csv.lines().next().unwrap().starts_with("phoneNumber,"), "{}", csv.lines().next().unwrap());
    assert!(out.join("profiles.csv").is_file() && out.join("rejects.csv").is_file());
    // Run again into the same folder: an earlier demo is replaced.
    run_in(tmp.path(), &["demo", "--out", &path_arg(&out)]).ok();
}
