//! `hyperseg import` and `hyperseg imports`, end to end: the real binary on the fixture files
//! in `tests/fixtures/`, checking exit codes, messages, JSON reports, rejects files, and that a
//! failed import leaves the workspace byte-for-byte as it was.

mod common;

use common::{Workspace, fixture, fixture_arg, path_arg, read_csv_records, run_in};
use serde_json::Value;
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// Small readers for the JSON report.

fn u(report: &Value, key: &str) -> u64 {
    report[key].as_u64().unwrap_or_else(|| panic!("report has no number {key:?}: {report:#}"))
}

fn s<'a>(report: &'a Value, key: &str) -> &'a str {
    report[key].as_str().unwrap_or_else(|| panic!("report has no string {key:?}: {report:#}"))
}

/// `rejected_by_reason` as a map.
fn reasons(report: &Value) -> BTreeMap<String, u64> {
    report["rejected_by_reason"]
        .as_object()
        .unwrap_or_else(|| panic!("no rejected_by_reason: {report:#}"))
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().expect("a count")))
        .collect()
}

fn reason_map(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

/// `(header, name, canonical, type)` for every column of the report.
fn columns(report: &Value) -> Vec<(String, String, Option<String>, String)> {
    report["columns"]
        .as_array()
        .unwrap_or_else(|| panic!("no columns: {report:#}"))
        .iter()
        .map(|c| {
            (
                c["header"].as_str().expect("header").to_owned(),
                c["name"].as_str().expect("name").to_owned(),
                c["canonical"].as_str().map(str::to_owned),
                c["type"].as_str().expect("type").to_owned(),
            )
        })
        .collect()
}

/// `(header, type)` for every column.
fn types(report: &Value) -> Vec<(String, String)> {
    columns(report).into_iter().map(|(h, _, _, t)| (h, t)).collect()
}

fn notes(report: &Value) -> Vec<String> {
    report["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .map(|n| n.as_str().expect("a note").to_owned())
        .collect()
}

/// Every record read is imported, rejected or opted out.
#[track_caller]
fn assert_rows_add_up(report: &Value) {
    assert_eq!(
        u(report, "rows_imported") + u(report, "rows_rejected") + u(report, "rows_opted_out"),
        u(report, "records_read"),
        "{report:#}"
    );
    assert_eq!(reasons(report).values().sum::<u64>(), u(report, "rows_rejected"), "{report:#}");
}

/// The `(line, reason)` pairs of a rejects file, after checking its header.
#[track_caller]
fn rejects_lines(path: &std::path::Path, separator: u8, header: &[&str]) -> Vec<(u64, String)> {
    let records = read_csv_records(path, separator);
    let mut expected_head = vec!["line".to_owned(), "reason".to_owned()];
    expected_head.extend(header.iter().map(|h| (*h).to_owned()));
    assert_eq!(records[0], expected_head, "rejects header");
    records[1..].iter().map(|r| (r[0].parse().expect("a line number"), r[1].clone())).collect()
}

// ---------------------------------------------------------------------------------------------
// File rules: exit 1, a clear message, nothing written.

#[test]
fn blank_file_is_refused() {
    let ws = Workspace::seeded();
    let f = fixture_arg("blank.csv");
    ws.import_fails_cleanly(&[&f], &[&f, "the file is blank"]);
}

#[test]
fn whitespace_only_file_is_refused() {
    let ws = Workspace::seeded();
    let f = fixture_arg("whitespace_only.csv");
    ws.import_fails_cleanly(&[&f], &[&f, "the file is blank"]);
}

#[test]
fn header_without_rows_is_refused() {
    let ws = Workspace::seeded();
    let f = fixture_arg("header_only.csv");
    ws.import_fails_cleanly(&[&f], &[&f, "has a header but no rows", "after line 1"]);
}

#[test]
fn header_followed_by_blank_lines_names_the_header_line() {
    let ws = Workspace::seeded();
    let f = fixture_arg("header_only_blank_lines.csv");
    let run = ws.import_fails_cleanly(&[&f], &[&f, "has a header but no rows"]);
    assert!(run.stderr.contains("expected at least one row after line 1\n"), "{}", run.stderr);
}

#[test]
fn column_without_a_name_is_refused_with_line_and_column() {
    let ws = Workspace::seeded();
    let f = fixture_arg("empty_header.csv");
    ws.import_fails_cleanly(&[&f], &[&f, "line 1, column 2:", "the column has no name"]);
    // A trailing separator makes an unnamed last column.
    let f = fixture_arg("empty_header_trailing.csv");
    ws.import_fails_cleanly(&[&f], &[&f, "line 1, column 3:", "the column has no name"]);
}

#[test]
fn duplicate_column_names_differing_in_case_accents_and_spaces_are_refused() {
    let ws = Workspace::seeded();
    // `Cidade` and ` cidade `
    let f = fixture_arg("duplicate_cidade.csv");
    ws.import_fails_cleanly(
        &[&f],
        &[
            &f,
            "line 1, column 3:",
            "\"cidade\" repeats column 2 (\"Cidade\")",
            "ignoring case, accents and spaces",
        ],
    );
    // `Última compra` and `ultima compra`
    let f = fixture_arg("duplicate_ultima_compra.csv");
    ws.import_fails_cleanly(
        &[&f],
        &[&f, "line 1, column 3:", "\"ultima compra\" repeats column 2 (\"Última compra\")"],
    );
}

#[test]
fn two_headers_for_the_same_canonical_field_are_refused() {
    let ws = Workspace::seeded();
    let f = fixture_arg("canonical_twice.csv");
    ws.import_fails_cleanly(&[&f], &[&f, "line 1, columns 1 and 2", "phoneNumber"]);
}

#[test]
fn file_without_a_phone_column_lists_the_headers_found() {
    let ws = Workspace::seeded();
    let f = fixture_arg("no_phone.csv");
    ws.import_fails_cleanly(
        &[&f],
        &[&f, "line 1:", "no phone-number column", "(found: Nome, E-mail, Cidade)"],
    );
}

#[test]
fn ambiguous_separator_asks_for_one_and_imports_once_given() {
    let ws = Workspace::seeded();
    let f = fixture_arg("ambiguous_separator.csv");
    ws.import_fails_cleanly(
        &[&f],
        &[
            &f,
            "line 1:",
            "commas (1) and semicolons (2)",
            "ambiguous",
            "--separator comma, --separator semicolon or --separator tab",
        ],
    );
    let report = ws.import_one(&[f.as_str(), "--separator", "semicolon"]);
    assert_eq!(s(&report, "separator"), "semicolon");
    assert_eq!(report["separator_detected"], false);
    assert_eq!(u(&report, "rows_imported"), 2);
    assert_eq!(
        columns(&report).into_iter().map(|c| c.0).collect::<Vec<_>>(),
        ["Telefone", "Nome, apelido", "Cidade"]
    );
    assert_eq!(ws.imports_list(&[]).len(), 2);
}

#[test]
fn invalid_utf8_names_line_column_and_byte() {
    let ws = Workspace::seeded();
    // Line 3 is `5511999990001;Ribeirão Pr\xEAto`: 25 characters (26 bytes) before the bad
    // byte, after lines of 16 and 25 bytes; the byte offset counts from 0.
    let f = fixture_arg("invalid_utf8.csv");
    ws.import_fails_cleanly(
        &[&f],
        &[&f, "line 3, column 26 (byte 67)", "not valid UTF-8", "save it as UTF-8"],
    );
}

#[test]
fn invalid_utf8_after_a_bom_counts_columns_without_the_bom() {
    let ws = Workspace::seeded();
    // BOM, then `Telefone;N` (10 characters), then the bad byte 0xFF at file byte 13.
    let f = fixture_arg("bom_invalid_utf8.csv");
    ws.import_fails_cleanly(&[&f], &[&f, "line 1, column 11 (byte 13)", "not valid UTF-8"]);
}

#[test]
fn max_rows_is_enforced() {
    let ws = Workspace::seeded();
    // contacts_en.csv holds 3 data rows.
    let f = fixture_arg("contacts_en.csv");
    ws.import_fails_cleanly(
        &[f.as_str(), "--max-rows", "2"],
        &[&f, "the file has 3 rows, more than --max-rows 2"],
    );
    let report = ws.import_one(&[f.as_str(), "--max-rows", "3"]);
    assert_eq!(u(&report, "rows_imported"), 3);
}

#[test]
fn max_bytes_is_enforced_with_and_without_a_suffix() {
    let ws = Workspace::seeded();
    let f = fixture_arg("contacts_en.csv");
    let size = std::fs::metadata(fixture("contacts_en.csv")).unwrap().len();
    let below = (size - 1).to_string();
    ws.import_fails_cleanly(
        &[f.as_str(), "--max-bytes", below.as_str()],
        &[&f, &format!("the file is {size} bytes, more than --max-bytes {below}")],
    );
    let big = fixture_arg("crm_pt_10k.csv");
    let big_size = std::fs::metadata(fixture("crm_pt_10k.csv")).unwrap().len();
    ws.import_fails_cleanly(
        &[big.as_str(), "--max-bytes", "1KB"],
        &[&big, &format!("the file is {big_size} bytes, more than --max-bytes 1000")],
    );
    ws.import_fails_cleanly(&[big.as_str(), "--max-bytes", "1MB"], &[&big, "more than --max-bytes 1000000"]);
    // Exactly the limit passes.
    let exact = size.to_string();
    let report = ws.import_one(&[f.as_str(), "--max-bytes", exact.as_str()]);
    assert_eq!(u(&report, "bytes"), size);
}

#[test]
fn missing_file_is_refused_with_its_path() {
    let ws = Workspace::seeded();
    let missing = path_arg(&ws.out_path("no-such-dump.csv"));
    ws.import_fails_cleanly(&[&missing], &[&missing, "cannot read the file"]);
}

#[test]
fn failed_import_with_json_prints_a_failed_report() {
    let ws = Workspace::seeded();
    let f = fixture_arg("no_phone.csv");
    let before = ws.state();
    let run = ws.run(&["--json", "import", f.as_str()]).user_error(&["no phone-number column"]);
    assert_eq!(before, ws.state());
    let out = run.json();
    assert_eq!(out["report"]["outcome"], "failed", "{out:#}");
    assert_eq!(out["report"]["file_name"], "no_phone.csv");
    assert!(out["error"].as_str().unwrap().contains("no phone-number column"), "{out:#}");
}

#[test]
fn a_bad_second_file_fails_the_whole_command() {
    let ws = Workspace::seeded();
    let good = fixture_arg("contacts_en.csv");
    let bad = fixture_arg("duplicate_cidade.csv");
    ws.import_fails_cleanly(&[&good, &bad], &[&bad, "repeats column 2"]);
    let missing = path_arg(&ws.out_path("missing.csv"));
    ws.import_fails_cleanly(&[&good, &missing], &[&missing, "cannot read the file"]);
    // Neither file was imported: only the seed import is listed.
    let list = ws.imports_list(&[]);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["file_name"], "contacts_pt.csv");
    // Both good files import together.
    let reports = ws.import_json(&[good.as_str(), fixture_arg("row_rules.csv").as_str()]);
    assert_eq!(reports.len(), 2);
    assert_eq!(ws.imports_list(&[]).len(), 3);
}

// ---------------------------------------------------------------------------------------------
// Row rules and the rejects file.

#[test]
fn row_rules_reject_wrong_field_counts_and_empty_phones() {
    let ws = Workspace::new();
    let report = ws.import_one(&[fixture_arg("row_rules.csv")]);
    assert_eq!(u(&report, "records_read"), 9);
    assert_eq!(u(&report, "rows_imported"), 3);
    assert_eq!(u(&report, "rows_rejected"), 6);
    assert_eq!(u(&report, "rows_opted_out"), 0);
    assert_eq!(u(&report, "lines_read"), 11);
    assert_eq!(reasons(&report), reason_map(&[("empty_phone", 3), ("wrong_field_count", 3)]));
    assert_eq!(s(&report, "outcome"), "completed_with_errors");
    assert_eq!(s(&report, "separator"), "comma");
    assert_rows_add_up(&report);
}

#[test]
fn rejects_file_has_line_reason_and_the_original_row() {
    let ws = Workspace::new();
    let rejects = ws.out_path("rejected.csv");
    let report = ws.import_one(&[fixture_arg("row_rules.csv"), "--rejects".into(), path_arg(&rejects)]);
    assert_eq!(report["rejects_file"], path_arg(&rejects).as_str());
    let records = read_csv_records(&rejects, b',');
    let expected: Vec<Vec<&str>> = vec![
        vec!["line", "reason", "phone", "name", "city"],
        vec!["3", "found 4 fields, expected 3", "5511999990002", "Bia", "Rio", "extra"],
        vec!["4", "found 2 fields, expected 3", "5511999990003", "Caio"],
        vec!["5", "column 1: the phone number is empty", "", "Duda", "Recife"],
        vec!["6", "column 1: the phone number is empty", "  ", "Eva", "Natal"],
        // After the record on lines 7-8 (a quoted name holding a line break).
        vec!["9", "column 1: the phone number is empty", "", "Gil", "Belém"],
        vec!["10", "found 4 fields, expected 3", "5511999990008", "Hugo", "Porto, Alegre", "x"],
    ];
    assert_eq!(records, expected);
    assert_eq!(u(&report, "rows_rejected") as usize, records.len() - 1);
}

#[test]
fn records_after_multiline_fields_keep_their_physical_line_numbers() {
    // Same records, LF and CRLF (CRLF also inside the quoted fields).
    for (name, newline) in [("quoted_lf.csv", "\n"), ("quoted_crlf.csv", "\r\n")] {
        let ws = Workspace::new();
        let rejects = ws.out_path("rejects.csv");
        let report = ws.import_one(&[fixture_arg(name), "--rejects".into(), path_arg(&rejects)]);
        assert_eq!(u(&report, "lines_read"), 17, "{name}");
        let lines = rejects_lines(&rejects, b';', &["Telefone", "Nome", "Observação"]);
        assert_eq!(
            lines,
            [
                (7, "column 1: the phone number is empty".to_owned()),
                (12, "found 4 fields, expected 3".to_owned()),
                (14, "column 1: the phone number is empty".to_owned()),
                (16, "found 2 fields, expected 3".to_owned()),
            ],
            "{name}"
        );
        // The multi-line field of the reject on lines 14-15 is written back whole.
        let records = read_csv_records(&rejects, b';');
        assert_eq!(records[3][3], format!("Hugo{newline}Henrique"), "{name}");
    }
}

#[test]
fn lone_cr_line_endings_number_records_by_line() {
    let ws = Workspace::new();
    let rejects = ws.out_path("rejects.csv");
    let report = ws.import_one(&[fixture_arg("cr_only.csv"), "--rejects".into(), path_arg(&rejects)]);
    assert_eq!(u(&report, "records_read"), 2);
    assert_eq!(u(&report, "rows_rejected"), 1);
    let lines = rejects_lines(&rejects, b',', &["phone", "name"]);
    assert_eq!(lines, [(3, "column 1: the phone number is empty".to_owned())]);
    assert_eq!(u(&report, "lines_read"), 3);
}

// ---------------------------------------------------------------------------------------------
// Opt-in.

#[test]
fn negative_opt_in_values_are_not_imported_under_every_opt_in_header() {
    // Each fixture: 12 rows; no, não, nao, false, 0, n and NÃO refuse; sim, yes, 1 accept;
    // `talvez` is unrecognised and `` empty (both imported as opted in).
    for (name, header) in
        [("optin_optar_en.csv", "Optar en"), ("optin_opt-in.csv", "opt-in"), ("optin_aceite.csv", "aceite")]
    {
        let ws = Workspace::new();
        let report = ws.import_one(&[fixture_arg(name)]);
        assert_eq!(u(&report, "records_read"), 12, "{name}");
        assert_eq!(u(&report, "rows_opted_out"), 7, "{name}");
        assert_eq!(u(&report, "rows_imported"), 5, "{name}");
        assert_eq!(u(&report, "rows_rejected"), 0, "{name}");
        assert_eq!(u(&report, "opt_in_unrecognised"), 1, "{name}");
        assert_eq!(u(&report, "opt_in_empty"), 1, "{name}");
        assert_eq!(s(&report, "opt_in_column"), header, "{name}");
        assert_eq!(s(&report, "outcome"), "success", "{name}");
        let opt = columns(&report).into_iter().find(|c| c.0 == header).expect("the opt-in column");
        assert_eq!(opt.2.as_deref(), Some("optIn"), "{name}");
        assert!(
            !notes(&report).iter().any(|n| n.contains("every row counts as opted in")),
            "{name}: {:?}",
            notes(&report)
        );
        assert_rows_add_up(&report);
        let listed = ws.imports_list(&[]);
        assert_eq!(listed[0]["rows_opted_out"], 7, "{name}");
    }
}

#[test]
fn file_without_an_opt_in_column_counts_every_row_as_opted_in() {
    let ws = Workspace::new();
    let report = ws.import_one(&[fixture_arg("contacts_en.csv")]);
    assert_eq!(report["opt_in_column"], Value::Null);
    assert_eq!(u(&report, "rows_opted_out"), 0);
    assert_eq!(u(&report, "rows_imported"), 3);
    assert!(
        notes(&report).iter().any(|n| n.contains("every row counts as opted in")),
        "{:?}",
        notes(&report)
    );
    let text = ws.import(&[fixture_arg("contacts_en.csv")]).ok();
    assert!(text.stdout.contains("no opt-in column"), "{}", text.stdout);
}

// ---------------------------------------------------------------------------------------------
// Formats: separators, quoting, line endings, BOM, types, canonical headers.

#[test]
fn both_separators_are_detected() {
    let ws = Workspace::new();
    let semi = ws.import_one(&[fixture_arg("contacts_pt.csv")]);
    assert_eq!((s(&semi, "separator"), &semi["separator_detected"]), ("semicolon", &Value::Bool(true)));
    assert_eq!(u(&semi, "rows_imported"), 5);
    let comma = ws.import_one(&[fixture_arg("contacts_en.csv")]);
    assert_eq!((s(&comma, "separator"), &comma["separator_detected"]), ("comma", &Value::Bool(true)));
    assert_eq!(u(&comma, "rows_imported"), 3);
    // A given separator is reported as given.
    let given = ws.import_one(&[fixture_arg("contacts_en.csv").as_str(), "--separator", "comma"]);
    assert_eq!((s(&given, "separator"), &given["separator_detected"]), ("comma", &Value::Bool(false)));
}

#[test]
fn rfc4180_quoting_reads_the_same_with_crlf_and_lf() {
    let ws = Workspace::new();
    let lf = ws.import_one(&[fixture_arg("quoted_lf.csv")]);
    let crlf = ws.import_one(&[fixture_arg("quoted_crlf.csv")]);
    for report in [&lf, &crlf] {
        assert_eq!(s(report, "separator"), "semicolon");
        assert_eq!(u(report, "records_read"), 10);
        assert_eq!(u(report, "rows_imported"), 6);
        assert_eq!(u(report, "rows_rejected"), 4);
        assert_eq!(u(report, "lines_read"), 17);
        assert_eq!(reasons(report), reason_map(&[("empty_phone", 2), ("wrong_field_count", 2)]));
        assert_eq!(
            columns(report),
            [
                ("Telefone".into(), "phoneNumber".into(), Some("phoneNumber".into()), "text".into()),
                ("Nome".into(), "name".into(), Some("name".into()), "text".into()),
                ("Observação".into(), "Observação".into(), None, "text".into()),
            ]
        );
        assert_rows_add_up(report);
    }
}

#[test]
fn a_bom_before_the_header_is_ignored() {
    let ws = Workspace::new();
    let report = ws.import_one(&[fixture_arg("bom_header.csv")]);
    let cols = columns(&report);
    assert_eq!(cols[0], ("Telefone".into(), "phoneNumber".into(), Some("phoneNumber".into()), "text".into()));
    assert_eq!(u(&report, "rows_imported"), 2);
    assert_eq!(u(&report, "lines_read"), 3);
    assert_eq!(s(&report, "separator"), "semicolon");
}

#[test]
fn column_types_are_inferred_from_pt_br_values() {
    let ws = Workspace::new();
    let report = ws.import_one(&[fixture_arg("types_pt_br.csv")]);
    let expected = [
        ("Telefone", "text"),
        ("valor_total", "decimal"), // 1.234,56 / 723,34 / 12.345.678,90
        ("idade", "integer"),
        ("ultima_compra", "date"), // dd/mm/yyyy
        ("cadastro", "date"),      // yyyy-mm-dd
        ("cliente", "boolean"),    // sim / não
        ("status_lead", "text"),
        ("cep", "text"), // 01310-100
        ("vazio", "text"),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(h, t)| ((*h).into(), (*t).into())).collect();
    assert_eq!(types(&report), expected);
    // Comma files with dot decimals too.
    let report = ws.import_one(&[fixture_arg("types_en.csv")]);
    let expected = [
        ("phone", "text"),
        ("amount", "decimal"), // "1,234.56" / 723.34 / 10.5
        ("age", "integer"),
        ("last_purchase", "date"),
        ("signup", "date"),
        ("customer", "boolean"),
        ("lead", "text"),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(h, t)| ((*h).into(), (*t).into())).collect();
    assert_eq!(types(&report), expected);
}

#[test]
fn canonical_headers_in_portuguese_spanish_and_english() {
    let ws = Workspace::new();
    /// A header as written and the canonical field it must map to.
    type Expected<'a> = &'a [(&'a str, Option<&'a str>)];
    let cases: [(&str, Expected); 3] = [
        (
            "headers_pt.csv",
            &[
                ("Telefone", Some("phoneNumber")),
                ("E-mail", Some("email")),
                ("CPF", Some("taxDocument")),
                ("Nome", Some("name")),
                ("Cidade", Some("city")),
                ("Endereço", Some("address")),
                ("Status do Lead", None),
            ],
        ),
        (
            "headers_es.csv",
            &[
                ("Número de teléfono", Some("phoneNumber")),
                ("Correo electrónico", Some("email")),
                ("Ciudad", Some("city")),
                ("Dirección", Some("address")),
                ("Documento fiscal", Some("taxDocument")),
                ("Nombre", Some("name")),
                ("Segmento Cliente", None),
            ],
        ),
        (
            "headers_en.csv",
            &[
                ("phone", Some("phoneNumber")),
                ("email", Some("email")),
                ("city", Some("city")),
                ("address", Some("address")),
                ("name", Some("name")),
                ("tax_id", Some("taxDocument")),
                ("Lead Source", None),
            ],
        ),
    ];
    for (name, expected) in cases {
        let report = ws.import_one(&[fixture_arg(name)]);
        let got: Vec<(String, String, Option<String>)> =
            columns(&report).into_iter().map(|(h, n, c, _)| (h, n, c)).collect();
        let want: Vec<(String, String, Option<String>)> = expected
            .iter()
            .map(|(h, c)| {
                // Canonical columns are stored under the canonical name, others as written.
                let stored = c.unwrap_or(h);
                ((*h).to_owned(), stored.to_owned(), c.map(str::to_owned))
            })
            .collect();
        assert_eq!(got, want, "{name}");
        assert_eq!(u(&report, "rows_imported"), 1, "{name}");
    }
}

#[test]
fn parallel_and_sequential_parsing_agree() {
    // Debug builds parse in 64-byte chunks, so these small files cross many chunk edges;
    // stray quotes inside unquoted fields defeat the splitter's quote counting.
    for name in ["quoted_lf.csv", "quoted_crlf.csv", "row_rules.csv", "stray_quotes.csv", "optin_aceite.csv"]
    {
        let ws = Workspace::new();
        let mut outcomes = Vec::new();
        for mode in [None, Some("--sequential")] {
            let rejects = ws.out_path(&format!("rejects{}.csv", mode.unwrap_or("")));
            let mut args = vec![fixture_arg(name), "--rejects".into(), path_arg(&rejects)];
            args.extend(mode.map(str::to_owned));
            let report = ws.import_one(&args);
            let keys = [
                "records_read",
                "rows_imported",
                "rows_rejected",
                "rows_opted_out",
                "lines_read",
                "opt_in_unrecognised",
                "opt_in_empty",
            ];
            let counts: Vec<u64> = keys.iter().map(|k| u(&report, k)).collect();
            outcomes.push((counts, reasons(&report), types(&report), std::fs::read(&rejects).unwrap()));
        }
        assert_eq!(outcomes[0], outcomes[1], "{name}");
    }
    let ws = Workspace::new();
    let report = ws.import_one(&[fixture_arg("stray_quotes.csv")]);
    assert_eq!(u(&report, "records_read"), 40);
    assert_eq!(reasons(&report), reason_map(&[("empty_phone", 4), ("wrong_field_count", 3)]));
}

// ---------------------------------------------------------------------------------------------
// The acceptance sample.

fn newline_count(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

#[test]
fn acceptance_sample_matches_its_truth() {
    let sample = fixture("crm_pt_10k.csv");
    let bytes = std::fs::read(&sample).unwrap();
    let records = common::records_with_lines(&bytes, b';');
    let truth = read_csv_records(&fixture("crm_pt_10k.truth.csv"), b',');
    assert_eq!(truth[0], ["record", "person", "status"]);
    let truth = &truth[1..];
    assert_eq!(records.len(), truth.len(), "one truth row per data record");
    let count = |status: &str| truth.iter().filter(|t| t[2] == status).count() as u64;
    let (ok, optout, reject) = (count("ok"), count("optout"), count("reject"));
    assert_eq!((ok, optout, reject), (9_970, 20, 10), "the truth file itself");

    let ws = Workspace::new();
    let rejects = ws.out_path("rejects.csv");
    let report = ws.import_one(&[path_arg(&sample), "--rejects".into(), path_arg(&rejects)]);
    assert_eq!(s(&report, "separator"), "semicolon");
    assert_eq!(report["separator_detected"], true);
    assert_eq!(u(&report, "records_read"), truth.len() as u64);
    assert_eq!(u(&report, "rows_imported"), ok);
    assert_eq!(u(&report, "rows_opted_out"), optout);
    assert_eq!(u(&report, "rows_rejected"), reject);
    assert_eq!(u(&report, "lines_read"), newline_count(&bytes));
    assert_eq!(s(&report, "opt_in_column"), "Aceite");
    assert_rows_add_up(&report);

    // The rejected rows are exactly the truth's `reject` records, on their starting lines,
    // for the right reason.
    let header: Vec<String> = read_csv_records(&sample, b';')[0].clone();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let got = rejects_lines(&rejects, b';', &header);
    for (i, t) in truth.iter().enumerate() {
        assert_eq!(t[0], i.to_string(), "truth rows are in file order");
    }
    let expected: Vec<(u64, String)> = truth
        .iter()
        .zip(&records)
        .filter(|(t, _)| t[2] == "reject")
        .map(|(t, (line, fields))| {
            let i = &t[0];
            let reason = if fields.len() != header.len() {
                format!("found {} fields, expected {}", fields.len(), header.len())
            } else {
                assert!(fields[0].trim().is_empty(), "record {i} on line {line} has a phone");
                "column 1: the phone number is empty".to_owned()
            };
            (*line, reason)
        })
        .collect();
    assert_eq!(got, expected);
    // The same lines, worked out once by hand (Python's csv module) as a check on the above.
    let lines: Vec<u64> = expected.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [1529, 1635, 1782, 3200, 6594, 7423, 7824, 8260, 8301, 8773]);
    let wrong = expected.iter().filter(|(_, r)| r.starts_with("found")).count() as u64;
    assert_eq!(
        reasons(&report),
        reason_map(&[("empty_phone", reject - wrong), ("wrong_field_count", wrong)])
    );

    let cols = columns(&report);
    let canon: Vec<Option<&str>> = cols.iter().take(7).map(|c| c.2.as_deref()).collect();
    assert_eq!(
        canon,
        [
            Some("phoneNumber"),
            Some("email"),
            Some("taxDocument"),
            Some("name"),
            Some("city"),
            Some("address"),
            Some("optIn")
        ]
    );
    let ty = |h: &str| cols.iter().find(|c| c.0 == h).map(|c| c.3.as_str()).unwrap_or("missing");
    assert_eq!(
        [ty("idade"), ty("valor_total"), ty("ultima_compra"), ty("newsletter"), ty("status_lead")],
        ["integer", "decimal", "date", "boolean", "text"]
    );
}

// ---------------------------------------------------------------------------------------------
// The workspace.

#[test]
fn init_refuses_a_non_empty_folder_and_an_existing_workspace() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("busy");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "keep me").unwrap();
    let d = path_arg(&dir);
    run_in(tmp.path(), &["init", d.as_str()]).user_error(&[&d, "is not empty"]);
    let left: Vec<String> = common::snapshot(&dir).into_iter().map(|(p, _)| p).collect();
    assert_eq!(left, ["notes.txt"]);
    assert_eq!(std::fs::read_to_string(dir.join("notes.txt")).unwrap(), "keep me");

    let ws = Workspace::seeded();
    let before = common::snapshot(&ws.root);
    let r = path_arg(&ws.root);
    run_in(ws.tmp.path(), &["init", r.as_str()]).user_error(&[&r, "already holds a hyperseg workspace"]);
    assert_eq!(before, common::snapshot(&ws.root));

    // An empty folder is fine.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let e = path_arg(&empty);
    let run = run_in(tmp.path(), &["init", e.as_str()]).ok();
    assert!(run.stdout.contains("created workspace"), "{}", run.stdout);
    assert!(empty.join("catalog.db").is_file());
}

#[test]
fn commands_without_a_workspace_say_how_to_give_one() {
    let tmp = tempfile::tempdir().unwrap();
    let f = fixture_arg("contacts_pt.csv");
    run_in(tmp.path(), &["import", f.as_str()]).user_error(&[
        "no workspace",
        "--workspace",
        "HYPERSEG_WORKSPACE",
    ]);
    run_in(tmp.path(), &["imports", "list"]).user_error(&["--workspace"]);
    assert!(common::snapshot(tmp.path()).is_empty());
    // A folder that is not a workspace.
    let not_ws = path_arg(tmp.path());
    run_in(tmp.path(), &["--workspace", not_ws.as_str(), "import", f.as_str()])
        .user_error(&["is not a hyperseg workspace", "hyperseg init"]);
    assert!(common::snapshot(tmp.path()).is_empty());
}

#[test]
fn workspace_from_the_environment_and_the_current_folder() {
    let ws = Workspace::new();
    let f = fixture_arg("contacts_pt.csv");
    common::run_command(
        common::command(ws.tmp.path()).env("HYPERSEG_WORKSPACE", &ws.root).args(["import", f.as_str()]),
    )
    .ok();
    let run = common::run_command(
        common::command(ws.tmp.path())
            .env("HYPERSEG_WORKSPACE", &ws.root)
            .args(["--json", "imports", "list"]),
    )
    .ok();
    assert_eq!(run.json().as_array().unwrap().len(), 1);
    // Run inside the workspace folder, no flag and no variable.
    run_in(&ws.root, &["import", f.as_str()]).ok();
    assert_eq!(ws.imports_list(&[]).len(), 2);
}

#[test]
fn imports_list_and_show_read_imports_back() {
    let ws = Workspace::new();
    let first = ws.import_one(&[fixture_arg("contacts_pt.csv").as_str(), "--by", "Ana Operadora"]);
    let second = ws.import_one(&[fixture_arg("row_rules.csv")]);
    assert_eq!(first["id"], 1);
    assert_eq!(second["id"], 2);
    assert_eq!(s(&first, "imported_by"), "Ana Operadora");
    assert_eq!(s(&second, "imported_by"), common::TEST_USER);

    let all = ws.imports_list(&[]);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["id"], 1);
    assert_eq!(all[0]["file_name"], "contacts_pt.csv");
    assert_eq!(all[0]["imported_by"], "Ana Operadora");
    assert_eq!(all[0]["rows_imported"], 5);
    assert_eq!(all[1]["file_name"], "row_rules.csv");
    assert_eq!(all[1]["rows_rejected"], 6);
    assert_eq!(all[1]["imported_by"], common::TEST_USER);

    // --search: part of the file name, any case.
    let found = ws.imports_list(&["--search", "RULES"]);
    assert_eq!(found.iter().map(|r| r["id"].clone()).collect::<Vec<_>>(), [2]);
    assert!(ws.imports_list(&["--search", "nothing-like-it"]).is_empty());

    // --from/--to: the day the imports started (UTC) is covered; the days around it are not.
    let day = chrono::NaiveDate::parse_from_str(&s(&first, "started_at")[..10], "%Y-%m-%d").unwrap();
    let last_day = chrono::NaiveDate::parse_from_str(&s(&second, "started_at")[..10], "%Y-%m-%d").unwrap();
    let (d, l) = (day.to_string(), last_day.to_string());
    assert_eq!(ws.imports_list(&["--from", &d, "--to", &l]).len(), 2);
    assert_eq!(ws.imports_list(&["--to", &l]).len(), 2);
    let next = last_day.succ_opt().unwrap().to_string();
    let prev = day.pred_opt().unwrap().to_string();
    assert!(ws.imports_list(&["--from", &next]).is_empty());
    assert!(ws.imports_list(&["--to", &prev]).is_empty());
    assert_eq!(ws.imports_list(&["--from", &prev, "--search", "contacts"]).len(), 1);
    ws.run(&["imports", "list", "--from", &next, "--to", &prev]).user_error(&["is after --to"]);

    // Text list.
    let text = ws.run(&["imports", "list"]).ok().stdout;
    assert!(text.contains("contacts_pt.csv") && text.contains("row_rules.csv"), "{text}");
    assert!(text.contains("Ana Operadora"), "{text}");
    let none = ws.run(&["imports", "list", "--search", "zzz"]).ok().stdout;
    assert_eq!(none.trim(), "no imports");

    // show: the full report as stored, with its id.
    let shown = ws.run(&["--json", "imports", "show", "1"]).ok().json();
    assert_eq!(shown["id"], 1);
    assert_eq!(shown["imported_by"], "Ana Operadora");
    for key in
        ["file_name", "columns", "records_read", "rows_imported", "rows_opted_out", "separator", "notes"]
    {
        assert_eq!(shown[key], first[key], "{key}");
    }
    let shown = ws.run(&["--json", "imports", "show", "2"]).ok().json();
    assert_eq!(shown["rejected_by_reason"], second["rejected_by_reason"]);
    assert_eq!(shown["outcome"], "completed_with_errors");
    let text = ws.run(&["imports", "show", "1"]).ok().stdout;
    assert!(text.contains("Imported contacts_pt.csv as import #1"), "{text}");
    assert!(text.contains("imported by     Ana Operadora"), "{text}");
    ws.run(&["imports", "show", "99"]).user_error(&["no import with id 99"]);
}

#[test]
fn importing_the_same_file_twice_gives_two_imports() {
    let ws = Workspace::new();
    let f = fixture_arg("contacts_pt.csv");
    let a = ws.import_one(&[&f]);
    let b = ws.import_one(&[&f]);
    assert_ne!(a["id"], b["id"]);
    let list = ws.imports_list(&[]);
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|r| r["file_name"] == "contacts_pt.csv" && r["rows_imported"] == 5));
    // Each import has its own snapshot.
    let files: Vec<String> = common::snapshot(&ws.root)
        .into_iter()
        .filter(|(p, h)| h.is_some() && p.starts_with("imports/"))
        .map(|(p, _)| p)
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
}

#[test]
fn imports_search_ignores_case_beyond_ascii() {
    let ws = Workspace::new();
    let dump = ws.out_path("CLIENTES SÃO PAULO.csv");
    std::fs::copy(fixture("contacts_pt.csv"), &dump).unwrap();
    ws.import(&[path_arg(&dump)]).ok();
    assert_eq!(ws.imports_list(&["--search", "são paulo"]).len(), 1);
    assert_eq!(ws.imports_list(&["--search", "SÃO"]).len(), 1);
}

#[test]
fn imports_search_matches_wildcard_characters_literally() {
    let ws = Workspace::new();
    let dump = ws.out_path("axb.csv");
    std::fs::copy(fixture("contacts_pt.csv"), &dump).unwrap();
    ws.import(&[path_arg(&dump)]).ok();
    assert!(ws.imports_list(&["--search", "a_b"]).is_empty());
    assert!(ws.imports_list(&["--search", "%"]).is_empty());
}

#[test]
fn a_held_lock_makes_import_fail_until_released() {
    let ws = Workspace::seeded();
    let lock_path = ws.root.join("lock");
    let pid = std::process::id();
    let lock = std::fs::File::create(&lock_path).unwrap();
    std::io::Write::write_all(&mut &lock, pid.to_string().as_bytes()).unwrap();
    lock.try_lock().expect("the test takes the lock");

    let f = fixture_arg("contacts_en.csv");
    let run = ws.import_fails_cleanly(&[&f], &["workspace", &format!("is busy (held by pid {pid})")]);
    assert!(run.stderr.contains(&path_arg(&ws.root)), "{}", run.stderr);

    lock.unlock().unwrap();
    drop(lock);
    let report = ws.import_one(&[&f]);
    assert_eq!(u(&report, "rows_imported"), 3);
    assert_eq!(ws.imports_list(&[]).len(), 2);
    assert!(!lock_path.exists(), "the writer removes the lock file when done");
}

#[test]
fn help_shows_examples() {
    let tmp = tempfile::tempdir().unwrap();
    let top = run_in(tmp.path(), &["--help"]).ok();
    assert!(
        top.stdout.contains("hyperseg init ws && hyperseg --workspace ws import contacts.csv"),
        "{}",
        top.stdout
    );
    assert!(top.stdout.contains("import"), "{}", top.stdout);
    let import = run_in(tmp.path(), &["import", "--help"]).ok();
    assert!(import.stdout.contains("Example:"), "{}", import.stdout);
    assert!(
        import.stdout.contains("hyperseg -w ws import contacts.csv --rejects rejected.csv"),
        "{}",
        import.stdout
    );
    for flag in ["--separator", "--rejects", "--max-rows", "--max-bytes", "--by"] {
        assert!(import.stdout.contains(flag), "{flag}: {}", import.stdout);
    }
    for cmd in [&["imports", "list", "--help"][..], &["imports", "show", "--help"], &["init", "--help"]] {
        let run = run_in(tmp.path(), cmd).ok();
        assert!(run.stdout.contains("Example:"), "{cmd:?}: {}", run.stdout);
    }
}

#[test]
fn invalid_arguments_are_user_errors() {
    let ws = Workspace::seeded();
    let f = fixture_arg("contacts_pt.csv");
    ws.import_fails_cleanly(&[f.as_str(), "--max-bytes", "5parsecs"], &["unknown unit"]);
    ws.import_fails_cleanly(&[f.as_str(), "--separator", "pipe"], &["--separator"]);
    ws.run(&["imports", "list", "--from", "yesterday"]).user_error(&["expected YYYY-MM-DD"]);
}

#[test]
fn a_workspace_from_before_data_files_keeps_its_imports() {
    // Workspaces made before profiles and audiences had only the import tables; opening one
    // adds the rest. The import files must survive the next write.
    let ws = Workspace::seeded();
    let db = rusqlite::Connection::open(ws.root.join("catalog.db")).unwrap();
    db.execute_batch(
        "DROP TABLE data_files; DROP TABLE settings; DROP TABLE audiences;
         DROP TABLE profile_aliases; DROP TABLE profile_events;",
    )
    .unwrap();

    // Nor had they the catalog's checksums: no triggers, no sums, no row_sum columns.
    let names = |kind: &str| -> Vec<String> {
        let mut stmt = db.prepare("SELECT name FROM sqlite_master WHERE type = ?1").unwrap();
        stmt.query_map([kind], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    for trigger in names("trigger") {
        db.execute_batch(&format!("DROP TRIGGER \"{trigger}\"")).unwrap();
    }
    db.execute_batch("DROP TABLE catalog_sums").unwrap();
    for table in names("table").into_iter().filter(|t| !t.starts_with("sqlite_")) {
        db.execute_batch(&format!("ALTER TABLE \"{table}\" DROP COLUMN row_sum")).unwrap();
    }
    drop(db);
    std::fs::remove_dir_all(ws.root.join("profiles")).unwrap();
    let first = ws.root.join("imports/1.hsc");
    assert!(first.exists());
    ws.import_one(&[&fixture_arg("contacts_en.csv")]);
    assert!(first.exists(), "the first import's columns survive the next write");
    ws.run(&["imports", "show", "1"]).ok();
    ws.run(&["profiles", "stats"]).ok();
}
