//! Nightly operation: sources, import modes, record ids, repetition and the hub rule.

mod common;

use common::{Workspace, path_arg};
use serde_json::Value;
use std::path::PathBuf;

fn write(ws: &Workspace, name: &str, text: &str) -> String {
    let path: PathBuf = ws.out_path(name);
    std::fs::write(&path, text).unwrap();
    path_arg(&path)
}

fn n(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("no number {key} in {v:#}"))
}

/// (new, changed, unchanged, removed, duplicates) of a one-file import's output.
fn changes(out: &Value) -> [u64; 5] {
    let c = &out["imports"][0]["records"];
    [n(c, "new"), n(c, "changed"), n(c, "unchanged"), n(c, "removed"), n(c, "duplicates")]
}

fn profiles(ws: &Workspace) -> u64 {
    n(&ws.run_json(&["profiles", "stats"])["identity"], "profiles")
}

/// The profile id holding `query` (a phone, e-mail or id).
fn profile_of(ws: &Workspace, query: &str) -> u64 {
    n(&ws.run_json(&["profiles", "show", query]), "id")
}

const V1: &str = "crm_id;Telefone;E-mail;Cidade\n\
    1;11987650001;ana@x.com;Recife\n\
    2;11987650002;bia@x.com;Natal\n\
    3;11987650003;caio@x.com;Santos\n";

#[test]
fn a_changed_row_under_record_id_keeps_its_record_and_its_profile() {
    let ws = Workspace::new();
    let v1 = write(&ws, "crm-1.csv", V1);
    let first = ws.import_full_json(&[v1.as_str(), "--source", "crm", "--record-id", "crm_id"]);
    assert_eq!(changes(&first), [3, 0, 0, 0, 0]);
    let bia = profile_of(&ws, "bia@x.com");
    // Bia's phone and city change; her CRM id stays.
    let v2 = write(
        &ws,
        "crm-2.csv",
        &V1.replace("2;11987650002;bia@x.com;Natal", "2;11911112222;bia@x.com;Olinda"),
    );
    let second = ws.import_full_json(&[v2.as_str(), "--source", "crm", "--record-id", "crm_id"]);
    assert_eq!(changes(&second), [0, 1, 2, 0, 0]);
    assert_eq!(profile_of(&ws, "11911112222"), bia, "the changed record keeps its profile id");
    assert_eq!(profiles(&ws), 3);
    let shown = ws.run_json(&["profiles", "show", "bia@x.com"]);
    let city = shown["fields"].as_array().unwrap().iter().find(|f| f[0] == "city").unwrap()[1].clone();
    assert_eq!(city, "Olinda");
    // Bia's old phone no longer finds her: the old version is not a record any more.
    ws.run(&["profiles", "show", "11987650002"]).user_error(&["no profile matches"]);
}

#[test]
fn replace_removes_absent_records_retires_their_profile_and_the_workspace_does_not_grow() {
    let ws = Workspace::new();
    let v1 = write(&ws, "dump.csv", V1);
    ws.import_full_json(&[v1.as_str(), "--mode", "replace"]);
    let caio = profile_of(&ws, "caio@x.com");
    let v2 = write(
        &ws,
        "dump2.csv",
        &V1.replace("3;11987650003;caio@x.com;Santos\n", "4;11987650004;davi@x.com;Belém\n"),
    );
    let out = ws.import_full_json(&[v2.as_str(), "--mode", "replace", "--source", "dump"]);
    assert_eq!(changes(&out), [1, 0, 2, 1, 0]);
    let identity = &out["identity"];
    assert_eq!(n(identity, "retired"), 1, "{identity:#}");
    assert_eq!(identity["retired_ids"][0].as_u64(), Some(caio));
    ws.run(&["profiles", "show", "caio@x.com"]).user_error(&["no profile matches"]);
    let davi = profile_of(&ws, "davi@x.com");
    assert!(davi > caio, "a retired id is never given again");
    // The first import's records all moved on: its snapshot is gone, its row says retired.
    let list = ws.imports_list(&[]);
    assert!(list[0]["retired_at"].is_string(), "{list:#?}");
    let sizes = |ws: &Workspace| std::fs::read_dir(ws.root.join("imports")).unwrap().count();
    let files = sizes(&ws);
    for _ in 0..5 {
        let again = ws.import_full_json(&[v2.as_str(), "--mode", "replace", "--source", "dump"]);
        assert_eq!(again["unchanged"], true);
    }
    assert_eq!(sizes(&ws), files, "re-importing the same dump adds no file");
    let sources = ws.run_json(&["sources", "list"]);
    assert_eq!(sources[0]["name"], "dump");
    assert_eq!(n(&sources[0], "records"), 3);
    assert_eq!(n(&sources[0], "imports"), 7);
}

#[test]
fn upsert_adds_and_replaces_and_never_removes_and_duplicates_in_a_file_count_once() {
    let ws = Workspace::new();
    let v1 = write(&ws, "leads.csv", V1);
    ws.import_full_json(&[v1.as_str(), "--record-id", "crm_id"]);
    let delta = write(
        &ws,
        "leads-delta.csv",
        "crm_id;Telefone;E-mail;Cidade\n5;11987650005;eva@x.com;Lima\n5;11987650005;eva@x.com;Lima\n",
    );
    let out = ws.import_full_json(&[delta.as_str(), "--source", "leads", "--record-id", "crm_id"]);
    assert_eq!(changes(&out), [1, 0, 0, 0, 1]);
    assert_eq!(profiles(&ws), 4, "upsert keeps the records the file does not hold");
    assert_eq!(n(&ws.run_json(&["sources", "list"])[0], "records"), 4);
}

#[test]
fn a_missing_record_id_column_is_a_user_error_that_writes_nothing() {
    let ws = Workspace::seeded();
    let v1 = write(&ws, "crm.csv", V1);
    ws.import_fails_cleanly(
        &[v1.as_str(), "--record-id", "contact_id"],
        &["--record-id", "contact_id", "crm_id"],
    );
}

#[test]
fn hub_guard_counts_people_not_imports() {
    let ws = Workspace::new();
    // One person's row changed 100 times under her CRM id, and 100 versions of another
    // person's row (same phone and e-mail, another field changing) without one.
    for i in 0..100 {
        let f = write(
            &ws,
            &format!("night-{i}.csv"),
            &format!("crm_id;Telefone;E-mail;Nome;visitas\n7;11987657777;rita@x.com;Rita;{i}\n"),
        );
        ws.import_full_json(&[f.as_str(), "--source", "crm", "--record-id", "crm_id"]);
        let g = write(
            &ws,
            &format!("list-{i}.csv"),
            &format!("Telefone;E-mail;Nome;visitas\n11987658888;sara@x.com;Sara;{i}\n"),
        );
        ws.import_full_json(&[g.as_str(), "--source", "lists"]);
    }
    assert_eq!(profiles(&ws), 2, "one profile each, however often they were imported");
    // teste@teste.com on 60 different people (each their own phone) links nothing.
    let mut shared = String::from("Telefone;E-mail;Nome\n");
    for i in 0..60 {
        shared.push_str(&format!("119{:08};teste@teste.com;Pessoa {i}\n", 70_000_000 + i));
    }
    let f = write(&ws, "shared.csv", &shared);
    let out = ws.import_full_json(&[f.as_str()]);
    let hubs = out["identity"]["hubs"].as_array().unwrap();
    assert_eq!(hubs.len(), 1, "{out:#}");
    assert_eq!(hubs[0]["identifier"], "teste@teste.com");
    assert_eq!(n(&hubs[0], "people"), 60);
    assert_eq!(profiles(&ws), 62);
}

#[test]
fn bench_nightly_stays_exact_every_night_and_the_workspace_does_not_grow() {
    let ws = Workspace::new();
    let out = ws.run_json(&["bench", "nightly", "--rows", "6000", "--nights", "3"]);
    let nights = out["nights"].as_array().unwrap();
    assert_eq!(nights.len(), 3);
    for night in nights {
        assert_eq!(
            (night["precision"].as_f64(), night["recall"].as_f64()),
            (Some(1.0), Some(1.0)),
            "{night:#}"
        );
    }
    let [_, retired, continued] = [0, 1, 2].map(|i| nights[2]["profile_changes"][i].as_u64().unwrap());
    assert!(retired > 0 && continued > 0, "{:#}", nights[2]);
    assert!(out["workspace_growth"].as_f64().unwrap() < 1.5, "{out:#}");
}

#[test]
fn an_opt_out_in_a_later_import_reaches_the_person_and_a_later_opt_in_restores_them() {
    let ws = Workspace::new();
    let yes =
        write(&ws, "crm.csv", "Telefone;Nome;Aceite;idade\n11987654321;Ana;sim;30\n11911112222;Bia;sim;31\n");
    ws.import_full_json(&[yes.as_str()]);
    ws.run(&["audiences", "create", "--name", "todos", "--where", "idade > 1"]).ok();
    // Another source says Ana said no.
    let no = write(&ws, "optouts.csv", "Celular;Nome;Aceite\n(11) 98765-4321;Ana;não\n");
    let out = ws.import_full_json(&[no.as_str()]);
    assert_eq!(out["identity"]["opted_out"], 1, "{out:#}");
    assert_eq!(out["audiences"][0]["size"], 1, "Ana left the audience: {out:#}");
    let shown = ws.run_json(&["profiles", "show", "11987654321"]);
    let consent = shown["fields"].as_array().unwrap().iter().find(|f| f[0] == "consent").unwrap()[1].clone();
    assert_eq!(consent, "opted out");
    let exported = ws.out_path("todos.csv");
    ws.run(&["audiences", "export", "todos", "--out", &path_arg(&exported)]).ok();
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(!text.contains("5511987654321") && text.contains("5511911112222"), "{text}");
    let preview = ws.run_json(&["segment", "preview", "--where", "idade > 1"]);
    assert_eq!((preview["profiles"].as_u64(), preview["opted_out_left_out"].as_u64()), (Some(1), Some(1)));
    let counted = ws.run_json(&["segment", "preview", "--where", "idade > 1", "--include-opted-out"]);
    assert_eq!(counted["profiles"], 2);
    // The same statement again changes nothing; a newer yes restores her.
    assert_eq!(ws.import_full_json(&[no.as_str()])["unchanged"], true);
    let again = write(&ws, "crm-2.csv", "Telefone;Nome;Aceite;idade\n11987654321;Ana;sim;30\n");
    let out = ws.import_full_json(&[again.as_str()]);
    assert_eq!(out["identity"]["opted_out"], 0, "{out:#}");
    assert_eq!(out["audiences"][0]["size"], 2);
}
