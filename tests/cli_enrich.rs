//! `hyperseg enrich`: messages, campaign events and contact extras linked to profiles, and
//! the fields they give in `fields`, filters, exports and `profiles show`.

mod common;

use common::{Workspace, fixture_arg, path_arg, snapshot};
use serde_json::Value;

fn write(ws: &Workspace, name: &str, text: &str) -> String {
    let p = ws.out_path(name);
    std::fs::write(&p, text).expect("write a test file");
    path_arg(&p)
}

/// The enrichment fields `profiles show QUERY` lists, as name → value.
fn enriched(ws: &Workspace, query: &str) -> std::collections::BTreeMap<String, String> {
    let v = ws.run(&["--json", "profiles", "show", query]).ok().json();
    v["enrichment"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| (f[0].as_str().unwrap().to_owned(), f[1].as_str().unwrap().to_owned()))
        .collect()
}

fn report(ws: &Workspace, args: &[&str]) -> Value {
    let mut all = vec!["--json", "enrich"];
    all.extend_from_slice(args);
    let v = ws.run(&all).ok().json();
    v["reports"][0].clone()
}

#[test]
fn messages_report_rejects_and_count_identical_rows_once() {
    let ws = Workspace::seeded();
    let file = fixture_arg("enrich/messages_pt.csv");
    let rejects = ws.out_path("rejects.csv");
    let r = report(&ws, &["messages", &file, "--rejects", &path_arg(&rejects)]);
    assert_eq!(r["rows_read"], 11);
    assert_eq!(r["rows_new"], 8);
    assert_eq!(r["rows_linked"], 7);
    assert_eq!(r["rows_unknown_contact"], 1);
    assert_eq!(r["rows_rejected"], 3);
    assert_eq!(r["rejected_by_reason"]["bad_timestamp"], 1);
    let written = std::fs::read_to_string(&rejects).unwrap();
    assert!(written.starts_with("line,reason,detail,row\n9,no_contact,"), "{written}");
    // The same file again: nothing new, the same fields.
    let before = enriched(&ws, "5511999990001");
    let again = report(&ws, &["messages", &file]);
    assert_eq!((again["rows_new"].as_u64(), again["rows_duplicate"].as_u64()), (Some(0), Some(8)));
    assert_eq!(again["rows_stored_total"], 8);
    assert_eq!(enriched(&ws, "5511999990001"), before);
    let list = ws.run(&["--json", "enrich", "list"]).ok().json();
    assert_eq!(list.as_array().map(Vec::len), Some(2));
}

#[test]
fn message_fields_classify_and_explain() {
    let ws = Workspace::seeded();
    ws.run(&["enrich", "messages", &fixture_arg("enrich/messages_pt.csv")]).ok();
    let f = enriched(&ws, "5511999990001");
    assert_eq!(f["messages_in"], "3");
    assert_eq!(f["messages_out"], "1");
    assert_eq!(f["conversations"], "2");
    assert_eq!(f["last_channel"], "instagram");
    assert_eq!(f["last_interaction_at"], "2026-11-03");
    assert_eq!(f["purchase_intent"], "intent");
    assert_eq!(f["price_sensitivity"], "sensitive");
    let b = enriched(&ws, "5511999990002");
    assert_eq!(b["sentiment"], "negative");
    assert_eq!(b["purchase_intent"], "other");
    let shown = ws.run(&["profiles", "show", "5511999990001"]).ok().stdout;
    assert!(shown.contains("intent       quanto custa (1)"), "{shown}");
    assert!(shown.contains("sensitive    caro (1)"), "{shown}");
    // A shorter conversation gap splits the first day's messages too.
    ws.run(&["enrich", "messages", &fixture_arg("enrich/messages_pt.csv"), "--conversation-gap", "0.01"])
        .ok();
    assert_eq!(enriched(&ws, "5511999990001")["conversations"], "4");
}

#[test]
fn enriched_fields_appear_in_fields_filters_and_exports() {
    let ws = Workspace::seeded();
    ws.run(&["enrich", "messages", &fixture_arg("enrich/messages_pt.csv")]).ok();
    let fields = ws.run(&["fields"]).ok().stdout;
    for f in ["messages_in", "last_interaction_at", "purchase_intent", "sentiment_score"] {
        assert!(fields.contains(f), "{f} missing from\n{fields}");
    }
    let preview = ws
        .run(&[
            "--json",
            "segment",
            "preview",
            "--where",
            "purchase_intent = \"intent\" and messages_in >= 1",
        ])
        .ok()
        .json();
    assert_eq!(preview["profiles"], 2, "{preview}");
    ws.run(&["audiences", "create", "--name", "quentes", "--where", "purchase_intent = \"intent\""]).ok();
    let out = ws.out_path("quentes.csv");
    ws.run(&["audiences", "export", "quentes", "--out", &path_arg(&out), "--all-fields"]).ok();
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.lines().next().unwrap().contains("purchase_intent"), "{csv}");
    assert_eq!(csv.lines().count(), 3, "{csv}");
}

#[test]
fn a_merge_combines_histories_and_an_unknown_contact_links_once_imported() {
    let ws = Workspace::new();
    let a = write(&ws, "a.csv", "phone,name\n5511988880001,Xis\n");
    let b = write(&ws, "b.csv", "phone,email\n5521977770002,x@example.com\n");
    ws.import(&[&a, &b]).ok();
    let msgs = write(
        &ws,
        "m.csv",
        "contact,timestamp,direction,text\n5511988880001,2026-11-01T10:00:00Z,in,oi\n5511988880001,2026-11-01T10:01:00Z,in,ok\nx@example.com,2026-11-05T10:00:00Z,in,quanto custa?\n5531966660003,2026-11-06T10:00:00Z,in,quero comprar\n",
    );
    let r = report(&ws, &["messages", &msgs]);
    assert_eq!((r["rows_linked"].as_u64(), r["rows_unknown_contact"].as_u64()), (Some(3), Some(1)));
    assert_eq!(enriched(&ws, "5511988880001")["messages_in"], "2");
    assert_eq!(enriched(&ws, "x@example.com")["messages_in"], "1");
    // A record holding both identifiers merges the two profiles: one history of 3 messages.
    let link = write(&ws, "link.csv", "phone,email\n5511988880001,x@example.com\n5531966660003,\n");
    ws.import(&[&link]).ok();
    let merged = enriched(&ws, "x@example.com");
    assert_eq!(merged["messages_in"], "3");
    assert_eq!(merged["purchase_intent"], "intent");
    assert_eq!(merged["first_interaction_at"], "2026-11-01");
    assert_eq!(enriched(&ws, "5531966660003")["messages_in"], "1");
}

#[test]
fn campaigns_and_extras_become_typed_fields() {
    let ws = Workspace::seeded();
    let events = write(
        &ws,
        "events.jsonl",
        "{\"contact\":\"5511999990001\",\"campaign_id\":\"bf\",\"campaign_name\":\"Black Friday\",\"status\":\"delivered\",\"timestamp\":\"2026-11-20T10:00:00Z\"}\n{\"contact\":\"5511999990001\",\"campaign_id\":\"bf\",\"campaign_name\":\"Black Friday\",\"status\":\"read\",\"timestamp\":\"2026-11-20T11:00:00Z\"}\n{\"contact\":\"5511999990001\",\"campaign_id\":\"nt\",\"campaign_name\":\"Natal\",\"status\":\"entregue\",\"timestamp\":\"2026-11-25T10:00:00Z\"}\n",
    );
    ws.run(&["enrich", "campaigns", &events]).ok();
    let extras = write(
        &ws,
        "x.csv",
        "telefone;chave;valor\n5511999990001;pontos;120\n5511999990002;pontos;35\n5511999990001;plano;ouro\n",
    );
    ws.run(&["enrich", "extras", &extras]).ok();
    let f = enriched(&ws, "5511999990001");
    assert_eq!(f["campaign_delivered"], "2");
    assert_eq!(f["campaign_read"], "1");
    assert_eq!(f["campaign_read_rate"], "0.5");
    assert_eq!(f["campaign_last"], "Natal");
    assert_eq!(f["campaign_last_status"], "delivered");
    assert_eq!(f["extra.pontos"], "120");
    let fields = ws.run(&["--json", "fields"]).ok().json();
    let pontos =
        fields.as_array().unwrap().iter().find(|f| f["name"] == "extra.pontos").expect("extra.pontos");
    assert_eq!(pontos["type"], "integer", "{pontos}");
    let preview = ws.run(&["--json", "segment", "preview", "--where", "`extra.pontos` > 100"]).ok().json();
    assert_eq!(preview["profiles"], 1);
}

#[test]
fn a_file_without_a_required_column_changes_nothing() {
    let ws = Workspace::seeded();
    let before = snapshot(&ws.root);
    let bad = write(&ws, "bad.csv", "contact,timestamp,text\n5511999990001,2026-11-01T10:00:00Z,oi\n");
    ws.run(&["enrich", "messages", &bad]).user_error(&["bad.csv, line 1", "no direction column"]);
    let missing = ws.out_path("missing.csv");
    ws.run(&["enrich", "messages", &path_arg(&missing)]).user_error(&["missing.csv", "cannot read"]);
    assert_eq!(snapshot(&ws.root), before);
}

#[test]
fn create_profiles_makes_unknown_contacts_profiles_that_stay() {
    let ws = Workspace::new();
    let customers = write(&ws, "customers.csv", "phone,name\n5511988880001,Xis\n");
    ws.import(&[&customers]).ok();
    let msgs = write(
        &ws,
        "m.csv",
        "contact,timestamp,direction,text\n5511988880001,2026-11-01T10:00:00Z,in,oi\n(31) 96666-0003,2026-11-06T10:00:00Z,in,quero comprar\n5531966660003,2026-11-06T10:05:00Z,in,quanto custa?\n+55 21 97777-0004,2026-11-07T10:00:00Z,in,muito caro\nnova@example.com,2026-11-07T10:00:00Z,in,oi\n",
    );
    let v = ws.run(&["--json", "enrich", "messages", &msgs, "--create-profiles"]).ok().json();
    assert_eq!(v["created"]["contacts"], 2, "{v:#}");
    assert_eq!(v["created"]["profiles"], 2, "{v:#}");
    assert_eq!(v["created"]["contacts_without_phone"], 1, "{v:#}");
    assert_eq!(v["created"]["source"], "enrich-contacts");
    let r = &v["reports"][0];
    assert_eq!((r["rows_linked"].as_u64(), r["rows_unknown_contact"].as_u64()), (Some(4), Some(1)));
    let created = enriched(&ws, "5531966660003");
    assert_eq!((created["messages_in"].as_str(), created["purchase_intent"].as_str()), ("2", "intent"));
    assert_eq!(enriched(&ws, "5521977770004")["price_sensitivity"], "sensitive");
    let count =
        |w: &str| ws.run(&["--json", "segment", "preview", "--where", w]).ok().json()["profiles"].clone();
    assert_eq!(count("purchase_intent = \"intent\""), 1);
    assert_eq!(count("messages_in >= 1"), 3);
    let sources = ws.run(&["sources", "list"]).ok().stdout;
    assert!(sources.contains("enrich-contacts"), "{sources}");
    // The same file again creates nothing; re-importing the other source keeps the created
    // profiles, and so does resolving again under other rules.
    let again = ws.run(&["--json", "enrich", "messages", &msgs, "--create-profiles"]).ok().json();
    assert_eq!(again["created"]["contacts"], 0, "{again:#}");
    assert_eq!(again["created"]["import_ids"], serde_json::json!([]));
    let customers = write(&ws, "customers.csv", "phone,name\n5511988880001,Xis Dois\n");
    ws.run(&["import", &customers, "--mode", "replace"]).ok();
    assert_eq!(count("messages_in >= 1"), 3);
    ws.run(&["identity", "rules", "--set", "email", "--set", "phoneNumber"]).ok();
    assert_eq!(count("messages_in >= 1"), 3);
    assert_eq!(enriched(&ws, "5531966660003")["messages_in"], "2");
    // A later record of another source with the created contact's phone joins its profile.
    let crm = write(&ws, "crm.csv", "phone,email\n5531966660003,y@example.com\n");
    ws.import(&[&crm]).ok();
    assert_eq!(enriched(&ws, "y@example.com")["messages_in"], "2");
}

#[test]
fn create_profiles_never_brings_back_an_erased_person() {
    let ws = Workspace::new();
    let customers = write(&ws, "customers.csv", "phone,name\n5511988880001,Xis\n");
    ws.import(&[&customers]).ok();
    let first =
        write(&ws, "m1.csv", "contact,timestamp,direction,text\n5531966660003,2026-11-06T10:00:00Z,in,oi\n");
    let v = ws.run(&["--json", "enrich", "messages", &first, "--create-profiles"]).ok().json();
    assert_eq!(v["created"]["contacts"], 1, "{v:#}");
    ws.run(&["profiles", "erase", "5531966660003", "--yes"]).ok();
    let again = write(
        &ws,
        "m2.csv",
        "contact,timestamp,direction,text\n+55 31 96666-0003,2026-11-07T10:00:00Z,in,quero comprar\n",
    );
    let v = ws.run(&["--json", "enrich", "messages", &again, "--create-profiles"]).ok().json();
    assert_eq!(v["created"]["contacts"], 0, "{v:#}");
    let r = &v["reports"][0];
    assert_eq!((r["rows_suppressed"].as_u64(), r["rows_new"].as_u64()), (Some(1), Some(0)), "{v:#}");
    ws.run(&["profiles", "show", "5531966660003"]).user_error(&[]);
}

#[test]
fn rows_of_an_erased_person_are_refused_row_by_row() {
    let ws = Workspace::new();
    let crm = write(
        &ws,
        "crm.csv",
        "phone,email,cpf,name\n(11) 98765-4321,ana@example.com,529.982.247-25,Ana\n(21) 99999-0000,bia@example.com,,Bia\n",
    );
    ws.import(&[&crm]).ok();
    ws.run(&["profiles", "erase", "ana@example.com", "--yes"]).ok();
    // Ana by each identifier and spelling, a stranger whose e-mail is Ana's, and Bia.
    let msgs = write(
        &ws,
        "m.csv",
        "contact,timestamp,direction,text\n+55 11 98765-4321,2026-11-01T10:00:00Z,in,quanto custa?\n\
         ANA@example.com,2026-11-01T10:01:00Z,in,oi\n52998224725,2026-11-01T10:02:00Z,in,oi\n\
         (21) 99999-0000,2026-11-01T10:03:00Z,in,quero comprar\n",
    );
    let r = report(&ws, &["messages", &msgs]);
    let counts = ["rows_read", "rows_new", "rows_suppressed", "rows_linked", "rows_unknown_contact"]
        .map(|k| r[k].as_u64().unwrap_or(u64::MAX));
    assert_eq!(counts, [4, 1, 3, 1, 0], "{r:#}");
    let text = ws.run(&["enrich", "messages", &msgs]).ok().stdout;
    assert!(text.contains("rows suppressed   3"), "{text}");
    let extras = write(&ws, "x.csv", "phone,email,key,value\n5541955550000,ana@example.com,plano,ouro\n");
    let v = ws.run(&["--json", "enrich", "extras", &extras, "--create-profiles"]).ok().json();
    assert_eq!(v["reports"][0]["rows_suppressed"], 1, "{v:#}");
    assert_eq!(v["created"]["contacts"], 0, "no profile for an erased person's row: {v:#}");
    ws.run(&["profiles", "show", "5541955550000"]).user_error(&[]);
    let stats = ws.run(&["--json", "profiles", "stats"]).ok().json();
    assert_eq!(stats["identity"]["profiles"], 1, "{stats:#}");
    assert_eq!(enriched(&ws, "bia@example.com")["messages_in"], "1");
}
