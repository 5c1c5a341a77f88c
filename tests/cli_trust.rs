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
    assert_eq!(
        (&given["separator"], &given["separator_detected"]),
        (&Value::from("tab"), &Value::Bool(false))
    );
    // A quote inside an unquoted field is kept literally (the documented rule).
    let shown = ws.run_json(&["profiles", "show", "11987654321"]);
    assert!(shown.to_string().contains(r#"Ana \"Bia\" Silva"#), "{shown:#}");
}

// ---------------------------------------------------------------------------------------------
// Section 4: crashes, hangs and wrong exit codes.

fn leads() -> Workspace {
    let ws = Workspace::new();
    ws.import(&[fixture_arg("segment/leads.csv")]).ok();
    ws
}

/// A file of `columns` columns (phone first) and `rows` rows.
fn wide_file(ws: &Workspace, columns: usize, rows: usize) -> String {
    let mut text = String::from("phone");
    for j in 1..columns {
        text.push_str(&format!(";col{j}"));
    }
    for r in 0..rows {
        text.push_str(&format!("\n55119{r:08}"));
        for j in 1..columns {
            text.push_str(&format!(";{}", j * r));
        }
    }
    let path = ws.out_path(&format!("wide_{columns}.csv"));
    std::fs::write(&path, text).unwrap();
    path_arg(&path)
}

#[test]
fn snapshot_header_outgrew_its_reserve_on_wide_files() {
    let ws = Workspace::new();
    for (columns, rows) in [(400, 100), (10_000, 1)] {
        let report = ws.import_one(&[wide_file(&ws, columns, rows)]);
        assert_eq!(u(&report, "rows_imported"), rows as u64);
        assert_eq!(report["columns"].as_array().unwrap().len(), columns);
    }
    let shown = ws.run_json(&["fields"]);
    assert!(shown.to_string().contains("col9999"));
    // Past the documented limit: an error, not a panic.
    let f = wide_file(&ws, 16_385, 1);
    ws.import_fails_cleanly(&[&f], &["16385 columns, more than the 16384"]);
}

#[test]
fn filter_nesting_overflowed_the_stack() {
    let ws = leads();
    let parens = format!("{}idade > 1{}", "(".repeat(10_000), ")".repeat(10_000));
    let nots = format!("{}idade > 1", "not ".repeat(15_000));
    for filter in [&parens, &nots] {
        let run =
            ws.run(&["segment", "preview", "--where", filter]).user_error(&["nests more than 50 levels"]);
        assert!(run.stderr.contains('^'), "{}", run.stderr);
    }
    let json = format!(
        "{}{{\"field\":\"idade\",\"op\":\"gt\",\"value\":1}}{}",
        "{\"not\":".repeat(200),
        "}".repeat(200)
    );
    ws.run(&["segment", "preview", "--where-json", &json]).user_error(&["nests more than 50 levels"]);
}

#[test]
fn an_audience_saved_with_a_filter_that_cannot_be_read_back() {
    let ws = leads();
    let deep = format!("{}idade > 1", "not ".repeat(130));
    ws.run(&["audiences", "create", "--name", "deep", "--where", &deep])
        .user_error(&["nests more than 50 levels"]);
    assert_eq!(ws.run_json(&["audiences", "list"]).as_array().unwrap().len(), 0, "nothing saved");
    // The deepest filter allowed is saved, shown, exported, and later imports still land.
    let deepest = format!("{}idade > 1", "not ".repeat(50));
    ws.run(&["audiences", "create", "--name", "deepest", "--where", &deepest]).ok();
    ws.run(&["audiences", "show", "deepest"]).ok();
    ws.run(&["audiences", "export", "deepest", "--out", &path_arg(&ws.out_path("deepest.csv"))]).ok();
    ws.import(&[fixture_arg("segment/leads.csv")]).ok();
}

#[cfg(unix)]
#[test]
fn import_hung_on_a_fifo_holding_the_lock() {
    let ws = Workspace::seeded();
    let fifo = ws.out_path("pipe.csv");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let f = path_arg(&fifo);
    // No writer: refused at once rather than waiting forever.
    ws.import_fails_cleanly(&[&f], &[&f, "named pipe (FIFO), not a regular file", "hyperseg import -"]);
    ws.import_fails_cleanly(&[ws.out_path("").to_str().unwrap()], &["folder, not a regular file"]);
}

#[test]
fn standard_input_is_read_as_dash() {
    use std::io::Write;
    let ws = Workspace::new();
    let mut child = common::command(ws.tmp.path())
        .args(["--json", "--workspace", &path_arg(&ws.root), "import", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(common::fixture("contacts_pt.csv")).unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let report = &json["imports"][0];
    assert_eq!(report["file"], "(standard input)");
    assert!(u(report, "rows_imported") > 0, "{report:#}");
}

#[test]
fn exit_2_for_user_mistakes_on_output_paths() {
    let ws = Workspace::seeded();
    let f = fixture_arg("row_rules.csv");
    let missing = path_arg(&ws.out_path("no/such/folder/rejects.csv"));
    let folder = path_arg(&ws.out_path(""));
    ws.import_fails_cleanly(&[f.as_str(), "--rejects", &missing], &[&missing, "does not exist"]);
    ws.import_fails_cleanly(&[f.as_str(), "--rejects", &folder], &["is a folder"]);
    let leads = leads();
    leads.run(&["audiences", "create", "--name", "all", "--where", "idade > 0"]).ok();
    leads.run(&["audiences", "export", "all", "--out", &missing]).user_error(&[&missing, "does not exist"]);
    leads.run(&["audiences", "export", "all", "--out", &folder]).user_error(&["is a folder"]);
    if std::path::Path::new("/dev/full").exists() {
        leads
            .run(&["audiences", "export", "all", "--out", "/dev/full"])
            .user_error(&["/dev/full", "cannot write"]);
        ws.import_fails_cleanly(&[f.as_str(), "--rejects", "/dev/full"], &["/dev/full", "cannot write"]);
    }
}

#[test]
fn output_paths_that_destroy_the_workspace_are_refused() {
    let ws = leads();
    ws.run(&["audiences", "create", "--name", "all", "--where", "idade > 0"]).ok();
    let before = common::snapshot(&ws.root);
    let catalog = path_arg(&ws.root.join("catalog.db"));
    ws.run(&["audiences", "export", "all", "--out", &catalog])
        .user_error(&[&catalog, "inside the workspace"]);
    let snapshot = path_arg(&ws.root.join("imports").join("1.hsc"));
    let copy = ws.out_path("leads.csv");
    std::fs::copy(common::fixture("segment/leads.csv"), &copy).unwrap();
    let input = path_arg(&copy);
    ws.run(&["import", &input, "--rejects", &snapshot]).user_error(&["inside the workspace"]);
    ws.run(&["import", &input, "--rejects", &input]).user_error(&["is the input file"]);
    let assignment = path_arg(&ws.root.join("profiles").join("records.csv"));
    ws.run(&["profiles", "records", "--out", &assignment]).user_error(&["inside the workspace"]);
    assert_eq!(common::snapshot(&ws.root), before, "the workspace is untouched");
    assert_eq!(std::fs::read(&copy).unwrap(), std::fs::read(common::fixture("segment/leads.csv")).unwrap());
    ws.run(&["audiences", "list"]).ok();
}

#[test]
fn csv_export_header_cells_were_not_guarded_against_formulas() {
    let ws = Workspace::new();
    let path = ws.out_path("formula.csv");
    std::fs::write(&path, "phone;=HYPERLINK(\"http://x\");@cmd\n5511987654321;=1+1;a\n").unwrap();
    ws.import(&[path_arg(&path)]).ok();
    ws.run(&["audiences", "create", "--name", "all", "--where", "phoneNumber is not empty"]).ok();
    let out = ws.out_path("all.csv");
    ws.run(&["audiences", "export", "all", "--all-fields", "--out", &path_arg(&out)]).ok();
    let records = common::read_csv_records(&out, b',');
    for cell in records.iter().flatten() {
        assert!(!cell.starts_with(['=', '@', '+', '-']), "unguarded cell {cell:?} in {records:?}");
    }
    assert!(records[0].contains(&"'=HYPERLINK(\"http://x\")".to_owned()), "{records:?}");
}

#[test]
fn exports_of_phones_that_are_not_phones() {
    let ws = Workspace::new();
    let path = ws.out_path("phones.csv");
    std::fs::write(&path, "phone;nome\n5511987654321;Ana\n10096;Bia\n(10) 2925-5427;Caio\n").unwrap();
    ws.import(&[path_arg(&path)]).ok();
    ws.run(&["audiences", "create", "--name", "all", "--where", "name is not empty"]).ok();
    let out = ws.out_path("all.csv");
    let run = ws.run_json(&["audiences", "export", "all", "--out", &path_arg(&out)]);
    assert_eq!((u(&run, "rows"), u(&run, "invalid_phones_left_out")), (1, 2), "{run:#}");
    let records = common::read_csv_records(&out, b',');
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[1][0], "5511987654321");
    let text = ws.run(&["audiences", "export", "all", "--out", &path_arg(&out)]).ok();
    assert!(text.stdout.contains("left out 2 profiles without a valid phone"), "{}", text.stdout);
    let run =
        ws.run_json(&["audiences", "export", "all", "--include-invalid-phones", "--out", &path_arg(&out)]);
    assert_eq!((u(&run, "rows"), u(&run, "invalid_phones_kept")), (3, 2), "{run:#}");
    let records = common::read_csv_records(&out, b',');
    let flag = records[0].iter().position(|h| h == "phoneValid").unwrap();
    let flags: Vec<&str> = records[1..].iter().map(|r| r[flag].as_str()).collect();
    assert_eq!(flags.iter().filter(|f| **f == "false").count(), 2, "{records:?}");
}

#[test]
fn line_numbers_with_cr_only_line_ends() {
    let ws = Workspace::seeded();
    let bad = ws.out_path("bad_cr.csv");
    std::fs::write(&bad, b"phone;name\r5511987654321;Ana\r5511987654322;B\xe3o\r").unwrap();
    let f = path_arg(&bad);
    ws.import_fails_cleanly(&[&f], &[&f, "line 3, column 16 (byte 44)", "not valid UTF-8"]);
    // A quoted `\n` inside a file that breaks lines with `\r` does not change how lines count.
    let mixed = ws.out_path("mixed_cr.csv");
    std::fs::write(&mixed, "phone;note\r5511987654321;\"a\nb\"\r;x\r5511987654323;c;d\r").unwrap();
    let rejects = ws.out_path("mixed_rejects.csv");
    ws.import(&[path_arg(&mixed), "--rejects".into(), path_arg(&rejects)]).ok();
    let lines: Vec<String> =
        common::read_csv_records(&rejects, b';').into_iter().skip(1).map(|r| r[0].clone()).collect();
    assert_eq!(lines, ["3", "4"]);
}

#[test]
fn read_commands_that_fail_still_wrote_a_cache() {
    let ws = leads();
    // The import left the profile table cached; without it, a reader would derive and cache it.
    remove_caches(&ws);
    let before = common::snapshot(&ws.root);
    ws.run(&["segment", "preview", "--where", "nope > 1"]).user_error(&["unknown field \"nope\""]);
    ws.run(&["audiences", "create", "--name", "x", "--where", "nope > 1"]).user_error(&["unknown field"]);
    assert_eq!(common::snapshot(&ws.root), before, "a failed read wrote to the workspace");
    // A command that succeeds caches the table as before.
    ws.run(&["segment", "preview", "--where", "idade > 1"]).ok();
    assert_ne!(common::snapshot(&ws.root), before);
}

#[test]
fn a_canonical_field_answers_to_the_header_it_was_imported_under() {
    let ws = leads();
    let preview = ws.run_json(&["segment", "preview", "--where", r#"Cidade = "Santos""#]);
    assert_eq!(preview["profiles"], 1, "{preview:#}");
    let preview =
        ws.run_json(&["segment", "preview", "--where", r#"Telefone is not empty and Nome = "Ana""#]);
    assert_eq!(preview["profiles"], 1, "{preview:#}");
    // A misspelling of the header suggests the canonical field first.
    ws.run(&["segment", "preview", "--where", r#"Cidadee = "Santos""#])
        .user_error(&["did you mean \"city\""]);
}

// ---------------------------------------------------------------------------------------------
// Silent corruption: checksums, owners, and the leftover sweep.

fn flip_byte(path: &std::path::Path, at: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[at] ^= 0x20;
    std::fs::write(path, bytes).unwrap();
}

/// Removes the cached profile tables, so the next reader derives the table from the snapshots.
fn remove_caches(ws: &Workspace) {
    for e in std::fs::read_dir(ws.root.join("profiles")).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().unwrap().to_string_lossy().starts_with("cache-") {
            std::fs::remove_file(p).unwrap();
        }
    }
}

fn preview(ws: &Workspace) -> common::Run {
    ws.run(&["--json", "segment", "preview", "--where", r#"city = "Santos" or idade > 20"#])
}

#[test]
fn silent_corruption_of_a_flipped_byte_in_a_snapshot() {
    let ws = leads();
    let snapshot = ws.root.join("imports").join("1.hsc");
    let len = std::fs::metadata(&snapshot).unwrap().len() as usize;
    flip_byte(&snapshot, len / 2);
    remove_caches(&ws);
    let run = preview(&ws);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("1.hsc") && run.stderr.contains("checksum"), "{}", run.stderr);
}

#[test]
fn silent_corruption_of_a_flipped_byte_in_the_profile_cache() {
    let ws = leads();
    let good = preview(&ws).ok().json();
    let cache = std::fs::read_dir(ws.root.join("profiles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("cache-table"))
        .expect("the preview cached the profile table");
    let len = std::fs::metadata(&cache).unwrap().len() as usize;
    for at in [len / 3, len / 2, len - 20] {
        flip_byte(&cache, at);
        // The damaged cache is not trusted: the table is built again, with the right answer.
        assert_eq!(preview(&ws).ok().json(), good);
    }
}

#[test]
fn swapping_two_snapshots_is_refused() {
    let ws = leads();
    ws.import(&[fixture_arg("segment/refresh_1.csv")]).ok();
    let (a, b) = (ws.root.join("imports").join("1.hsc"), ws.root.join("imports").join("2.hsc"));
    let tmp = ws.root.join("imports").join("swap");
    std::fs::rename(&a, &tmp).unwrap();
    std::fs::rename(&b, &a).unwrap();
    std::fs::rename(&tmp, &b).unwrap();
    remove_caches(&ws);
    let run = preview(&ws);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("holds the columns of import 2, not of import 1"), "{}", run.stderr);
}

/// A `data_files` row deleted behind hyperseg's back is refused as damage, and nothing is swept
/// (the sweep itself keeps a snapshot an import row names: see `store::catalog_sums`' tests).
#[test]
fn deleting_a_data_files_row_made_the_next_import_delete_that_snapshot() {
    let ws = leads();
    preview(&ws).ok();
    let db = rusqlite::Connection::open(ws.root.join("catalog.db")).unwrap();
    // The catalog's triggers keep its checksums with a function only hyperseg registers.
    let refused = db.execute("DELETE FROM data_files WHERE path = 'imports/1.hsc'", []).unwrap_err();
    assert!(refused.to_string().contains("hs_row"), "{refused}");
    db.execute_batch("DROP TRIGGER data_files_sum_del; DELETE FROM data_files WHERE path = 'imports/1.hsc'")
        .unwrap();
    drop(db);
    let import = ws.import(&[fixture_arg("segment/refresh_1.csv")]);
    assert_eq!(import.code, 2, "{import:?}");
    assert!(import.stderr.contains("catalog.db") && import.stderr.contains("damaged"), "{}", import.stderr);
    assert!(ws.root.join("imports").join("1.hsc").is_file(), "the sweep deleted an imported snapshot");
    let after = preview(&ws);
    assert_eq!(after.code, 2, "a damaged catalog still answered: {after:?}");
}

#[test]
fn a_7_mb_error_message_quoted_the_whole_header() {
    let ws = Workspace::seeded();
    // A header with an unclosed quote used to print the whole file as the "found" header.
    let path = ws.out_path("unclosed_header.csv");
    let mut text = "nome;\"cidade;".to_owned();
    text.push_str(&"x;y\n".repeat(500_000));
    std::fs::write(&path, &text).unwrap();
    let run = ws
        .import_fails_cleanly(&[path_arg(&path)], &["line 1, column 2, byte 5", "a quoted field opens here"]);
    assert!(run.stderr.len() < 1_000, "{} bytes of message", run.stderr.len());
    // A header without a phone column quotes a short, escaped excerpt: no raw NUL, no megabytes.
    let path = ws.out_path("nul_header.csv");
    let mut header = "nome\u{0};".to_owned();
    header.push_str(&(0..10_000).map(|i| format!("c{i}")).collect::<Vec<_>>().join(";"));
    std::fs::write(&path, format!("{header}\n1;2\n")).unwrap();
    let run = ws.import_fails_cleanly(
        &[path_arg(&path)],
        &["no phone-number column", "nome\\u{0}", "characters in all"],
    );
    assert!(run.stderr.len() < 1_000 && !run.stderr.contains('\0'), "{}", run.stderr.len());
}
