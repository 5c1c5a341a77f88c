//! `hyperseg segment preview` through the real binary: sizes, per-condition sizes, samples,
//! the JSON form of a filter, and errors that point at the spot.

mod common;

use common::{Workspace, fixture_arg};

fn leads() -> Workspace {
    let ws = Workspace::new();
    ws.import(&[fixture_arg("segment/leads.csv")]).ok();
    ws
}

fn preview(ws: &Workspace, filter: &str) -> serde_json::Value {
    ws.run_json(&["segment", "preview", "--where", filter])
}

#[test]
fn text_is_case_and_accent_insensitive_and_counts_are_right() {
    let ws = leads();
    let p = preview(&ws, r#"city = "sao paulo""#);
    assert_eq!(p["profiles"], 3);
    assert_eq!(p["total"], 5);
    let p = preview(&ws, r#"city = exact "São Paulo""#);
    assert_eq!(p["profiles"], 1);
}

#[test]
fn the_design_example_and_each_condition_alone() {
    let ws = leads();
    let p = preview(
        &ws,
        r#"city = "São Paulo" and idade between 18 and 30 and (status_lead = "Não cliente" or status_lead = "Vendas qualificadas") and email contains "gmail""#,
    );
    assert_eq!(p["profiles"], 1, "{p:#}");
    let alone: Vec<u64> =
        p["conditions"].as_array().unwrap().iter().map(|c| c[1].as_u64().unwrap()).collect();
    assert_eq!(alone, vec![3, 2, 4, 3]);
    let sample = p["sample"].as_array().unwrap();
    assert_eq!(sample.len(), 1);
    assert!(sample[0].to_string().contains("Ana"), "{sample:?}");
}

#[test]
fn numbers_dates_booleans_and_empty_values() {
    let ws = leads();
    assert_eq!(preview(&ws, "valor_total >= 100")["profiles"], 2);
    assert_eq!(preview(&ws, "ultima_compra > 2023-01-01")["profiles"], 3);
    assert_eq!(preview(&ws, "newsletter = sim")["profiles"], 2);
    assert_eq!(preview(&ws, "email is empty")["profiles"], 1);
    assert_eq!(preview(&ws, "not (email is empty)")["profiles"], 4);
    assert_eq!(preview(&ws, r#"status_lead in ("frio", "não cliente")"#)["profiles"], 3);
}

#[test]
fn where_json_gives_the_same_selection() {
    let ws = leads();
    let text = preview(&ws, r#"city = "sao paulo" and idade < 30"#);
    let json = ws.run_json(&[
        "segment",
        "preview",
        "--where-json",
        r#"{"and":[{"field":"city","op":"equals","value":"sao paulo"},{"field":"idade","op":"lt","value":30}]}"#,
    ]);
    assert_eq!(text["profiles"], json["profiles"], "{json:#}");
}

#[test]
fn a_wrong_filter_points_at_the_spot() {
    let ws = leads();
    let run = ws.run(&["segment", "preview", "--where", "idade > "]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("column 9") && run.stderr.contains('^'), "{}", run.stderr);
    let run = ws.run(&["segment", "preview", "--where", r#"statu_lead = "frio""#]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("did you mean") && run.stderr.contains("status_lead"), "{}", run.stderr);
    let run = ws.run(&["segment", "preview", "--where", r#"idade contains "3""#]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("idade"), "{}", run.stderr);
}

#[test]
fn every_operator_through_the_binary() {
    let ws = leads();
    // leads.csv: Ana 25 São Paulo gmail; Bia 31 Sao Paulo yahoo; Caio 19 Santos gmail;
    // Duda (no age, no e-mail) SÃO PAULO; Eva 45 Recife gmail.
    for (filter, expected) in [
        (r#"name != "ana""#, 4),
        (r#"email not contains "gmail""#, 1),
        (r#"name starts with "b""#, 1),
        (r#"name not starts with "b""#, 4),
        ("idade < 25", 1),
        ("idade <= 25", 2),
        ("idade > 30", 2),
        ("email is not empty", 4),
        ("ultima_compra older than 365 days", 3),
        ("ultima_compra within 36500 days", 4),
        (r#"idade in (19, 45)"#, 2),
        (r#"not (city = "sao paulo") and idade >= 19"#, 2),
    ] {
        assert_eq!(preview(&ws, filter)["profiles"], expected, "{filter}");
    }
}

/// The cache files of the profile table in the workspace.
fn table_caches(ws: &Workspace) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(ws.root.join("profiles"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("cache-table-"))
        .collect();
    names.sort();
    names
}

#[test]
fn the_profile_table_is_cached_per_resolution_and_rebuilt_when_damaged() {
    let ws = leads();
    // The import builds the table while resolving and leaves it cached for the first reader.
    let caches = table_caches(&ws);
    assert_eq!(caches.len(), 1, "{caches:?}");
    assert!(caches[0].starts_with("cache-table-1-v"), "{caches:?}");
    let first = preview(&ws, r#"city = "sao paulo""#);
    assert_eq!(table_caches(&ws), caches, "the first reader reloads it");
    assert_eq!(preview(&ws, r#"city = "sao paulo""#), first, "the cached table gives the same answer");
    // A damaged cache is ignored and replaced.
    let path = ws.root.join("profiles").join(&caches[0]);
    std::fs::write(&path, b"HSEGCOL1 not really").unwrap();
    assert_eq!(preview(&ws, r#"city = "sao paulo""#), first);
    assert!(std::fs::metadata(&path).unwrap().len() > 100, "rewritten");
    // A write command (it takes the lock and clears leftovers) keeps the cache; the same file
    // again changes no record, so no resolution either; a changed file makes a new one, whose
    // table replaces the cache.
    ws.run(&["audiences", "create", "--name", "sp", "--where", r#"city = "sao paulo""#]).ok();
    assert_eq!(table_caches(&ws).len(), 1);
    ws.import(&[fixture_arg("segment/leads.csv")]).ok();
    assert!(table_caches(&ws)[0].starts_with("cache-table-1-v"));
    ws.import(&[fixture_arg("segment/leads.csv").as_str(), "--source", "other"]).ok();
    let second = preview(&ws, r#"city = "sao paulo""#);
    assert_eq!(second["total"], 5, "the same people again: still 5 profiles");
    let caches = table_caches(&ws);
    assert_eq!(caches.len(), 1, "{caches:?}");
    assert!(caches[0].starts_with("cache-table-2-v"), "{caches:?}");
}
