//! `hyperseg report` through the real binary: the page, escaping, the as-of day, refused
//! paths, and the nightly job's `[report]`.

mod common;

use common::{Workspace, path_arg};

const EVIL: &str = "<script>alert(1)</script>";

fn write(ws: &Workspace, name: &str, text: &str) -> String {
    let path = ws.out_path(name);
    std::fs::write(&path, text).unwrap();
    path_arg(&path)
}

#[test]
fn report_writes_one_self_contained_page_with_names_as_text() {
    let ws = Workspace::seeded();
    let dump = write(&ws, "evil.csv", &format!("Telefone;Cidade;{EVIL}\n5511999990009;Recife;{EVIL}\n"));
    ws.import(&[dump.as_str()]).ok();
    ws.run(&["audiences", "create", "--name", EVIL, "--description", EVIL, "--where", "Cidade = \"Recife\""])
        .ok();
    let out = ws.out_path("report.html");
    let written =
        ws.run(&["--json", "report", "--out", &path_arg(&out), "--as-of", "2999-01-01"]).ok().json();
    let html = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written["bytes"].as_u64().unwrap(), html.len() as u64);
    assert_eq!(written["sections"], 6);
    let charts = written["charts"].as_u64().unwrap() as usize;
    assert_eq!(html.matches("<svg").count(), charts);
    assert_eq!(html.matches("<figure").count(), charts);
    assert!(!html.to_lowercase().contains("<script"), "a script tag reached the page");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    for needle in ["http:", "https:", "url(", "<link", "<img", " src="] {
        assert!(!html.contains(needle), "the page holds {needle:?}");
    }
    // Two imports on the timeline, with thousands separated counts in the tables.
    assert!(html.contains(">#1<") && html.contains(">#2<"));
    let text = ws.run(&["report", "--out", &path_arg(&out)]).ok().stdout;
    assert!(text.starts_with("wrote ") && text.contains(" charts in 6 sections"), "{text}");
}

#[test]
fn report_refuses_a_bad_day_and_a_path_in_the_workspace() {
    let ws = Workspace::seeded();
    let out = path_arg(&ws.out_path("r.html"));
    ws.run(&["report", "--out", &out, "--as-of", "30/11/2026"]).user_error(&["30/11/2026", "YYYY-MM-DD"]);
    let inside = path_arg(&ws.root.join("r.html"));
    ws.run(&["report", "--out", &inside]).user_error(&["workspace"]);
    let missing = path_arg(&ws.out_path("no/such/folder/r.html"));
    ws.run(&["report", "--out", &missing]).user_error(&[]);
    assert!(!ws.out_path("r.html").exists());
}

#[test]
fn a_report_before_any_import_says_so() {
    let ws = Workspace::new();
    let out = ws.out_path("empty.html");
    ws.run(&["report", "--out", &path_arg(&out)]).ok();
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("No import on or before") && html.contains("No profiles yet"));
    assert_eq!(html.matches("<svg").count(), 0);
}

#[test]
fn a_nightly_job_writes_its_report_named_by_the_run_date() {
    let ws = Workspace::new();
    write(&ws, "dump-2026-11-30.csv", "crm_id;Telefone;idade\n1;11987650001;25\n2;11987650002;41\n");
    let job = write(
        &ws,
        "job.toml",
        "[[import]]\npath = \"dump-{date}.csv\"\nsource = \"crm\"\nrecord_id = \"crm_id\"\n\n\
         [report]\nout = \"reports/report-{date}.html\"\n",
    );
    let summary = ws.run(&["--json", "run", &job, "--date", "2026-11-30"]).ok().json();
    let path = ws.out_path("reports/report-2026-11-30.html");
    assert_eq!(summary["report"], path_arg(&path), "{summary:#}");
    assert!(summary["report_error"].is_null());
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.contains("Last run: #1 (2026-11-30, ok)"), "the run is on the page");
    assert!(html.contains("import crm"), "with its step");
    assert!(html.contains(">2<"), "and the two imported rows");
    let text = ws.run(&["run", &job, "--date", "2026-11-30"]).ok().stdout;
    assert!(text.contains("report: "), "{text}");
    let bad = write(&ws, "bad.toml", "[report]\npath = \"r.html\"\n");
    ws.run(&["run", &bad]).user_error(&["bad.toml", "line 2"]);
    // A report that cannot be written (here: inside the workspace) is said; the run stands.
    let inside = write(&ws, "inside.toml", "[report]\nout = \"ws/report.html\"\n");
    let summary = ws.run(&["--json", "run", &inside]).ok().json();
    assert_eq!(summary["status"], "ok");
    assert!(summary["report_error"].as_str().unwrap().contains("workspace"), "{summary:#}");
    assert!(!ws.root.join("report.html").exists());
}

#[test]
fn the_demo_writes_its_report_and_prints_where() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let run = common::run_in(tmp.path(), &["demo", "--out", &path_arg(&out)]).ok();
    let page = out.join("report.html");
    assert!(run.stdout.contains(&format!("Report: {}", page.display())), "{}", run.stdout);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("São Paulo, leads quentes e mornos"));
}
