//! `hyperseg audiences …` through the real binary: create, list, show, rename, edit,
//! describe, delete, overlap; names unique ignoring case and accents.

mod common;

use common::{Workspace, fixture_arg};

fn leads() -> Workspace {
    let ws = Workspace::new();
    ws.import(&[fixture_arg("segment/leads.csv")]).ok();
    ws
}

fn create(ws: &Workspace, name: &str, filter: &str) -> serde_json::Value {
    ws.run_json(&["audiences", "create", "--name", name, "--by", "Ana", "--where", filter])
}

#[test]
fn create_list_show_and_sizes() {
    let ws = leads();
    let a = create(&ws, "SP", r#"city = "sao paulo""#);
    assert_eq!(a["size"], 3);
    assert_eq!(a["kind"], "manual");
    assert_eq!(a["created_by"], "Ana");
    create(&ws, "Gmail", r#"email contains "gmail""#);
    let list = ws.run_json(&["audiences", "list"]);
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["SP", "Gmail"]);
    assert_eq!(ws.run_json(&["audiences", "list", "--search", "gma"]).as_array().unwrap().len(), 1);
    assert_eq!(ws.run_json(&["audiences", "list", "--type", "auto"]).as_array().unwrap().len(), 0);
    let shown = ws.run_json(&["audiences", "show", "sp"]);
    assert_eq!(shown["size_now"], 3);
    assert_eq!(shown["conditions"][0][0], "city");
    assert_eq!(shown["conditions"][0][1], "=");
    let text = ws.run(&["audiences", "show", "Gmail"]).ok();
    assert!(
        text.stdout.contains("contains") && text.stdout.contains("created by      Ana"),
        "{}",
        text.stdout
    );
}

#[test]
fn names_are_unique_ignoring_case_and_accents() {
    let ws = leads();
    create(&ws, "São Paulo", r#"city = "sao paulo""#);
    let run = ws.run(&["audiences", "create", "--name", "SAO PAULO", "--where", "idade > 1"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    let run = ws.run(&["audiences", "create", "--name", "  ", "--where", "idade > 1"]);
    assert_eq!(run.code, 1);
}

#[test]
fn an_audience_named_like_a_number_is_not_taken_for_that_id() {
    let ws = leads();
    // Audience #1 is named "2"; the audience created next is #2.
    create(&ws, "2", r#"city = "sao paulo""#);
    let y = create(&ws, "y", "idade > 1");
    assert_eq!((y["id"].as_i64(), y["name"].as_str()), (Some(2), Some("y")));
    let edited = ws.run_json(&["audiences", "edit", "y", "--where", "idade > 2"]);
    assert_eq!(edited["name"], "y");
    ws.run(&["audiences", "delete", "y", "--yes"]).ok();
    let list = ws.run_json(&["audiences", "list"]);
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["2"]);
}

#[test]
fn show_lists_conditions_on_fields_whose_names_need_quotes() {
    let ws = Workspace::new();
    let dump = ws.out_path("canal.csv");
    std::fs::write(&dump, "Telefone;Último canal\n11 1111-1111;whatsapp\n11 2222-2222;sms\n").unwrap();
    ws.import(&[common::path_arg(&dump)]).ok();
    create(&ws, "zap", r#"`Último canal` = exact "whatsapp" and `Último canal` is not empty"#);
    let shown = ws.run_json(&["audiences", "show", "zap"]);
    assert_eq!(shown["conditions"][0], serde_json::json!(["Último canal", "=", "\"whatsapp\" (exact)"]));
    assert_eq!(shown["conditions"][1], serde_json::json!(["Último canal", "is not empty", ""]));
}

#[test]
fn a_bad_filter_is_refused_with_a_caret_and_nothing_is_saved() {
    let ws = leads();
    let run = ws.run(&["audiences", "create", "--name", "X", "--where", "idade >"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains('^'), "{}", run.stderr);
    let run = ws.run(&["audiences", "create", "--name", "X", "--where", r#"cidadee = "x""#]);
    assert_eq!(run.code, 1);
    assert_eq!(ws.run_json(&["audiences", "list"]).as_array().unwrap().len(), 0);
}

#[test]
fn rename_edit_describe_delete_and_overlap() {
    let ws = leads();
    create(&ws, "SP", r#"city = "sao paulo""#);
    create(&ws, "Gmail", r#"email contains "gmail""#);
    let o = ws.run_json(&["audiences", "overlap", "SP", "Gmail"]);
    assert_eq!(o["pairs"][0][2], 1, "{o:#}");
    let r = ws.run_json(&["audiences", "rename", "SP", "Capital"]);
    assert_eq!(r["name"], "Capital");
    let e = ws.run_json(&["audiences", "edit", "Capital", "--where", r#"city = "sao paulo" and idade < 30"#]);
    assert_eq!(e["size"], 1);
    let d = ws.run_json(&["audiences", "describe", "Capital", "--description", "jovens da capital"]);
    assert_eq!(d["description"], "jovens da capital");
    assert_eq!(d["size"], 1, "describe leaves members alone");
    // Without a terminal, delete asks nothing and refuses without --yes.
    let run = ws.run(&["audiences", "delete", "Capital"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    ws.run(&["audiences", "delete", "Capital", "--yes"]).ok();
    let run = ws.run(&["audiences", "show", "Capital"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("no audience named"), "{}", run.stderr);
}

#[test]
fn every_import_refreshes_manual_audiences_and_reports_who_joined_and_left() {
    let ws = Workspace::new();
    ws.import(&[fixture_arg("segment/refresh_1.csv")]).ok();
    assert_eq!(create(&ws, "Santos", r#"city = "santos""#)["size"], 2);
    let out = ws.run_json(&["import", &fixture_arg("segment/refresh_2.csv")]);
    let a = &out["audiences"][0];
    assert_eq!((a["name"].as_str(), a["size"].as_u64()), (Some("Santos"), Some(2)), "{out:#}");
    // Bia's latest city is Recife now (she left); Caio is new in Santos (he joined).
    assert_eq!((a["joined"].as_u64(), a["left"].as_u64()), (Some(1), Some(1)));
    // The same file again changes no record, so no audience either.
    let text = ws.run(&["import", &fixture_arg("segment/refresh_2.csv")]).ok();
    assert!(text.stdout.contains("No record changed") && !text.stdout.contains("joined"), "{}", text.stdout);
    // Deleting the audience leaves no members file behind.
    ws.run(&["audiences", "delete", "Santos", "--yes"]).ok();
    let left: Vec<_> = std::fs::read_dir(ws.root.join("profiles"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("audience-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn export_writes_one_row_per_profile_phone_first_and_safe_for_spreadsheets() {
    let ws = Workspace::new();
    ws.import(&[fixture_arg("segment/export.csv")]).ok();
    create(&ws, "Santos", r#"city = "santos" and idade > 18"#);
    let out = ws.root.join("../santos.csv");
    let done = ws.run_json(&["audiences", "export", "Santos", "--out", out.to_str().unwrap()]);
    assert_eq!(done["rows"], 2);
    let mut rdr = csv::Reader::from_path(&out).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, vec!["phoneNumber", "name", "email", "city", "idade"]);
    let rows: Vec<Vec<String>> =
        rdr.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    assert_eq!(rows.len(), 2);
    // International digits first; a formula is neutralised; quotes and commas survive.
    assert_eq!(rows[0][0], "5511911110001");
    assert_eq!(rows[0][1], "'=HYPERLINK(\"x\")");
    assert_eq!(rows[1][1], "Bia, \"B\"");
    // The opted-out Zeca never reaches an export.
    assert!(rows.iter().all(|r| r[1] != "Zeca"));
    // --all-fields adds every profile field.
    ws.run(&["audiences", "export", "Santos", "--all-fields", "--out", out.to_str().unwrap()]).ok();
    let header: Vec<String> =
        csv::Reader::from_path(&out).unwrap().headers().unwrap().iter().map(str::to_owned).collect();
    assert!(header.len() > 5 && header.contains(&"profileId".to_owned()), "{header:?}");
}

/// A Parquet field as the CSV export writes the same value.
fn parquet_text(f: &parquet::record::Field) -> String {
    use parquet::record::Field;
    match f {
        Field::Null => String::new(),
        Field::Str(s) => s.clone(),
        Field::Long(v) => v.to_string(),
        Field::Double(v) => v.to_string(),
        Field::Bool(v) => v.to_string(),
        Field::Date(days) => {
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
            (epoch + chrono::TimeDelta::days(i64::from(*days))).format("%Y-%m-%d").to_string()
        }
        other => panic!("unexpected parquet field {other:?}"),
    }
}

#[test]
fn csv_and_parquet_exports_read_back_equal() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let ws = leads();
    create(&ws, "Todos", "idade > 0 or idade is empty");
    let csv_path = ws.root.join("../todos.csv");
    let pq_path = ws.root.join("../todos.parquet");
    for (path, format) in [(&csv_path, "csv"), (&pq_path, "parquet")] {
        ws.run(&[
            "audiences",
            "export",
            "Todos",
            "--all-fields",
            "--format",
            format,
            "--out",
            path.to_str().unwrap(),
        ])
        .ok();
    }
    let mut rdr = csv::Reader::from_path(&csv_path).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_owned).collect();
    let from_csv: Vec<Vec<String>> =
        rdr.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    let reader = SerializedFileReader::new(std::fs::File::open(&pq_path).unwrap()).unwrap();
    let mut pq_header = Vec::new();
    let mut from_parquet = Vec::new();
    for row in reader.get_row_iter(None).unwrap() {
        let row = row.unwrap();
        pq_header = row.get_column_iter().map(|(name, _)| name.clone()).collect();
        from_parquet.push(row.get_column_iter().map(|(_, f)| parquet_text(f)).collect::<Vec<_>>());
    }
    assert_eq!(from_csv.len(), 5);
    assert_eq!(pq_header, header);
    assert_eq!(from_parquet, from_csv);
}
