//! Lead scoring through the real binary: events import (strict, safe to repeat), a plan
//! applied as of a date, its fields in filters and `profiles show`, the ledger, and errors
//! that point at the plan's line and column.

mod common;

use common::{Workspace, fixture_arg};

fn scored() -> Workspace {
    let ws = Workspace::new();
    ws.import(&[fixture_arg("segment/leads.csv")]).ok();
    ws.run(&["events", "import", &fixture_arg("score/events.csv")]).ok();
    ws.run(&["score", "apply", &fixture_arg("score/plan.toml"), "--as-of", "2026-11-30"]).ok();
    ws
}

#[test]
fn events_import_reports_links_unknowns_rejects_and_repeats_once() {
    let ws = Workspace::new();
    ws.import(&[fixture_arg("segment/leads.csv")]).ok();
    let rejects = ws.out_path("rejects.csv");
    let r = ws.run_json(&[
        "events",
        "import",
        &fixture_arg("score/events.csv"),
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    assert_eq!((r["rows_read"].as_u64(), r["imported"].as_u64()), (Some(9), Some(7)));
    assert_eq!((r["linked"].as_u64(), r["unknown_contact"].as_u64()), (Some(6), Some(1)));
    assert_eq!(
        r["rejected_lines"],
        serde_json::json!([[9, "contact_not_phone_email_or_cpf"], [10, "bad_timestamp"]])
    );
    let text = std::fs::read_to_string(&rejects).unwrap();
    assert!(text.starts_with("line,reason,contact,action"), "{text}");
    let again = ws.run_json(&["events", "import", &fixture_arg("score/events.csv")]);
    assert_eq!((again["imported"].as_u64(), again["duplicates"].as_u64()), (Some(0), Some(7)));
    let stats = ws.run_json(&["events", "stats"]);
    assert_eq!(stats["events"], 7);
    assert_eq!(stats["actions"][0]["action"], "info_request");
    assert_eq!(stats["actions"][0]["events"], 3);
}

#[test]
fn scores_are_fields_for_filters_and_profiles_show() {
    let ws = scored();
    // Ana: 40 (info request) + 20 (2nd and 3rd pricing visits) + 5 (São Paulo) = 65, hot.
    let p = ws.run_json(&["segment", "preview", "--where", r#"lead_score_temperature = "hot""#]);
    assert_eq!(p["profiles"], 1);
    let p = ws.run_json(&["segment", "preview", "--where", "lead_score >= 5"]);
    assert!(p["profiles"].as_u64().unwrap() >= 2, "{p:#}");
    let show = ws.run(&["profiles", "show", "ana@gmail.com"]).ok();
    assert!(show.stdout.contains("lead_score         65"), "{}", show.stdout);
    let e = ws.run_json(&["score", "explain", "ana@gmail.com", "--plan", "lead_score"]);
    assert_eq!(e["total"], 65.0);
    assert_eq!(e["lines"].as_array().unwrap().len(), 5, "{e:#}");
    let list = ws.run_json(&["score", "list"]);
    assert_eq!(list[0]["name"], "lead_score");
    ws.run(&["score", "remove", "lead_score"]).ok();
    ws.run(&["segment", "preview", "--where", "lead_score >= 5"]).user_error(&["unknown field"]);
}

#[test]
fn bad_plans_point_at_line_and_column() {
    let ws = Workspace::new();
    ws.import(&[fixture_arg("segment/leads.csv")]).ok();
    ws.run(&["score", "apply", &fixture_arg("score/bad_plan.toml")])
        .user_error(&["line 8, column 9", "unknown field \"bairro\""]);
    ws.run(&["score", "show", "nothing"]).user_error(&["no plan named"]);
}

#[test]
fn a_nightly_job_imports_events_and_applies_a_plan_as_of_its_date() {
    let ws = Workspace::new();
    let dir = ws.out_path("job");
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["segment/leads.csv", "score/events.csv", "score/plan.toml"] {
        let from = common::fixture(f);
        std::fs::copy(&from, dir.join(from.file_name().unwrap())).unwrap();
    }
    let job = dir.join("job.toml");
    std::fs::write(&job, "[[import]]\npath = \"leads.csv\"\n[[events]]\npath = \"events.csv\"\n[[score]]\nplan = \"plan.toml\"\n").unwrap();
    let job = job.to_str().unwrap();
    let first = ws.run_json(&["run", job, "--date", "2026-11-30"]);
    let outcomes: Vec<&str> =
        first["steps"].as_array().unwrap().iter().map(|s| s["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["ok", "ok", "ok"], "{first:#}");
    let second = ws.run_json(&["run", job, "--date", "2026-11-30"]);
    assert_eq!(second["unchanged"], true, "{second:#}");
    let e = ws.run_json(&["score", "explain", "ana@gmail.com", "--plan", "lead_score"]);
    assert_eq!(e["total"], 65.0);
}
