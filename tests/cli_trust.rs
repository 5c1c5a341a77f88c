//! Regression tests for issue 12 (trust): each test is named after the defect it pins and runs
//! the real binary, checking exit codes, messages, and that a failed command writes nothing.

mod common;

use common::{Workspace, fixture_arg, path_arg};
use serde_json::Value;

fn u(report: &Value, key: &str) -> u64 {
    report[key].as_u64().unwrap_or_else(|| panic!("report has no number {key:?}: {report:#}"))
}

// ---------------------------------------------------------------------------------------------
// Section 1: stray quotes and separators.

#[test]
fn stray_quote_swallowed_the_rest_of_the_file_and_reported_success() {
    let ws = Workspace::seeded();
    let f = fixture_arg("stray_quote_open.csv");
    for mode in [None, Some("--sequential")] {
        let mut args = vec![f.clone()];
        args.extend(mode.map(str::to_owned));
        ws.import_fails_cleanly(
            &args,
            &[&f, "line 2, column 2 (Nome), byte 26", "quoted field opens here", "still open at the end"],
        );
    }
}

#[test]
fn implausibly_long_quoted_field_is_refused_naming_where_it_started() {
    let ws = Workspace::seeded();
    let path = ws.out_path("long_quote.csv");
    let mut text = "phone;note\n5511999990001;ok\n5511999990002;\"".to_owned();
    text.push_str(&"a line of a long note\n".repeat(30));
    text.push_str("\"\n5511999990003;x\n");
    std::fs::write(&path, &text).unwrap();
    let f = path_arg(&path);
    ws.import_fails_cleanly(
        &[f.as_str(), "--max-quoted-lines", "20"],
        &[&f, "line 3, column 2 (note)", "runs past 20 lines (--max-quoted-lines)"],
    );
    ws.import_fails_cleanly(
        &[f.as_str(), "--max-quoted-bytes", "100"],
        &[&f, "line 3, column 2 (note)", "runs past 100 bytes (--max-quoted-bytes)"],
    );
    // Within the limits (the defaults are 10,000 lines and 1 MiB) the file imports.
    let report = ws.import_one(&[f.as_str()]);
    assert_eq!(u(&report, "rows_imported"), 3);
}

#[test]
fn tab_separated_exports_are_detected_and_can_be_given() {
    let ws = Workspace::new();
    let f = fixture_arg("contacts_tab.tsv");
    let report = ws.import_one(&[f.as_str()]);
    assert_eq!(report["separator"], "tab");
    assert_eq!(report["separator_detected"], true);
    assert_eq!(u(&report, "rows_imported"), 2);
    let given = ws.import_one(&[f.as_str(), "--separator", "tab"]);
    assert_eq!((&given["separator"], &given["separator_detected"]), (&Value::from("tab"), &Value::Bool(false)));
    // A quote inside an unquoted field is kept literally (the documented rule).
    let shown = ws.run_json(&["profiles", "show", "11987654321"]);
    assert!(shown.to_string().contains(r#"Ana \"Bia\" Silva"#), "{shown:#}");
}
