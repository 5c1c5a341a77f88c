//! `hyperseg run JOB.toml`: steps, their commits and records, failures, a busy workspace, and
//! the notification by e-mail (to a small SMTP listener on 127.0.0.1) and by command.

mod common;

use common::{Workspace, path_arg};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

fn write(ws: &Workspace, name: &str, text: &str) -> String {
    let path = ws.out_path(name);
    std::fs::write(&path, text).unwrap();
    path_arg(&path)
}

const DUMP: &str = "crm_id;Telefone;E-mail;Cidade;idade\n\
    1;11987650001;ana@x.com;Recife;25\n\
    2;11987650002;bia@x.com;Natal;41\n";

/// A job importing `dump-{date}.csv` (replace, by crm_id), then exporting audience `jovens`.
fn job(ws: &Workspace, extra: &str) -> String {
    write(
        ws,
        "job.toml",
        &format!(
            "[[import]]\npath = \"dump-{{date}}.csv\"\nsource = \"crm\"\nmode = \"replace\"\nrecord_id = \"crm_id\"\n\n\
             [[export]]\naudience = \"jovens\"\npath = \"out/jovens-{{date}}.csv\"\n{extra}"
        ),
    )
}

#[test]
fn a_nightly_run_imports_exports_records_its_steps_and_changes_nothing_the_second_time() {
    let ws = Workspace::new();
    write(&ws, "dump-2026-11-30.csv", DUMP);
    let seed = write(&ws, "seed.csv", "Telefone;idade\n11900000001;50\n");
    ws.import(&[seed.as_str()]).ok();
    ws.run(&["audiences", "create", "--name", "jovens", "--where", "idade < 30"]).ok();
    let job = job(&ws, "");
    let first = ws.run_json(&["run", &job, "--date", "2026-11-30"]);
    assert_eq!(first["status"], "ok", "{first:#}");
    assert_eq!(first["unchanged"], false);
    assert_eq!(first["steps"][0]["outcome"], "ok");
    assert_eq!(first["steps"][1]["name"], "export jovens");
    let exported = std::fs::read_to_string(ws.out_path("out/jovens-2026-11-30.csv")).unwrap();
    assert!(exported.contains("5511987650001"), "{exported}");
    let second = ws.run_json(&["run", &job, "--date", "2026-11-30"]);
    assert_eq!(second["unchanged"], true, "{second:#}");
    assert_eq!(second["steps"][0]["outcome"], "unchanged");
    let runs = ws.run_json(&["runs", "list"]);
    assert_eq!(runs.as_array().unwrap().len(), 2);
    let shown = ws.run_json(&["runs", "show", "2"]);
    assert_eq!(shown["steps"][0]["message"], "dump-2026-11-30.csv: 0 new, 0 changed, 2 unchanged, 0 removed");
}

#[test]
fn a_failed_step_stops_the_run_keeps_earlier_commits_and_says_which_step() {
    let ws = Workspace::new();
    write(&ws, "dump-2026-12-01.csv", DUMP);
    // The second import's file is missing: that step fails, the first one has landed.
    let job = write(
        &ws,
        "job.toml",
        "[[import]]\npath = \"dump-{date}.csv\"\nsource = \"crm\"\n\n[[import]]\npath = \"leads-{date}.csv\"\n",
    );
    let run =
        ws.run(&["run", &job, "--date", "2026-12-01"]).user_error(&["run #1 failed", "leads-2026-12-01.csv"]);
    assert!(run.stdout.contains("failed"), "{}", run.stdout);
    let shown = ws.run_json(&["runs", "show", "1"]);
    assert_eq!(shown["run"]["status"], "failed");
    let steps = shown["steps"].as_array().unwrap();
    assert_eq!((steps[0]["outcome"].as_str(), steps[1]["outcome"].as_str()), (Some("ok"), Some("failed")));
    assert_eq!(ws.run_json(&["sources", "list"])[0]["records"], 2, "the first step's import stays");
    // A job file with a typo is refused with its line and column, before anything runs.
    let bad = write(&ws, "bad.toml", "[[import]]\npath = \"x.csv\"\nmode = \"sometimes\"\n");
    ws.run(&["run", &bad]).user_error(&["bad.toml: line 3, column 8"]);
}

#[test]
fn a_second_run_while_one_holds_the_workspace_is_busy_or_waits() {
    let ws = Workspace::new();
    write(&ws, "dump-2026-12-02.csv", DUMP);
    let job = write(&ws, "job.toml", "[[import]]\npath = \"dump-{date}.csv\"\n");
    // Hold the writer lock as another command would.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(ws.root.join("lock"))
        .unwrap();
    lock.try_lock().unwrap();
    ws.run(&["run", &job, "--date", "2026-12-02"]).user_error(&["busy"]);
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(700));
        drop(lock);
    });
    let out = ws.run_json(&["run", &job, "--date", "2026-12-02", "--wait", "20"]);
    release.join().unwrap();
    assert_eq!(out["status"], "ok");
    assert_eq!(ws.run_json(&["runs", "list"]).as_array().unwrap().len(), 1, "the busy run recorded nothing");
}

/// A one-message SMTP listener: returns the port and a handle yielding what DATA carried.
fn smtp_listener() -> (u16, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
        let mut w = stream.try_clone().unwrap();
        let mut r = BufReader::new(stream);
        w.write_all(b"220 test ESMTP\r\n").unwrap();
        let (mut data, mut in_data, mut line) = (String::new(), false, String::new());
        loop {
            line.clear();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            if in_data {
                if line == ".\r\n" {
                    in_data = false;
                    w.write_all(b"250 queued\r\n").unwrap();
                } else {
                    data.push_str(&line);
                }
                continue;
            }
            let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250 test\r\n",
                "DATA" => {
                    in_data = true;
                    b"354 go on\r\n"
                }
                "QUIT" => {
                    w.write_all(b"221 bye\r\n").unwrap();
                    break;
                }
                _ => b"250 ok\r\n",
            };
            w.write_all(reply).unwrap();
        }
        data
    });
    (port, handle)
}

#[test]
fn the_run_is_mailed_over_smtp_and_piped_to_a_command_and_a_failed_notification_is_no_failure() {
    let ws = Workspace::new();
    write(&ws, "dump-2026-12-03.csv", DUMP);
    let (port, received) = smtp_listener();
    let summary = ws.out_path("summary.json");
    let notify = format!(
        "\n[notify]\nsmtp = \"127.0.0.1:{port}\"\ntls = \"none\"\nfrom = \"hyperseg@example.com\"\nto = [\"dados@example.com\"]\ncommand = \"cat > '{}'\"\n",
        summary.display()
    );
    let job = write(&ws, "job.toml", &format!("[[import]]\npath = \"dump-{{date}}.csv\"\n{notify}"));
    let out = ws.run_json(&["run", &job, "--date", "2026-12-03"]);
    let mail = received.join().unwrap();
    assert!(mail.contains("Subject: hyperseg run #1"), "{mail}");
    assert!(mail.contains("import dump-{date}.csv") || mail.contains("import"), "{mail}");
    let notified = out["notified"].as_array().unwrap();
    assert!(notified[0].as_str().unwrap().starts_with("e-mail sent"), "{out:#}");
    let piped: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(piped["status"], "ok");
    // Nobody listens on this port now: the notification fails, the run does not.
    let job = write(
        &ws,
        "job2.toml",
        &format!(
            "[[import]]\npath = \"dump-{{date}}.csv\"\n\n[notify]\nsmtp = \"127.0.0.1:{port}\"\nfrom = \"a@b.c\"\nto = [\"d@e.f\"]\n"
        ),
    );
    let out = ws.run_json(&["run", &job, "--date", "2026-12-03"]);
    assert_eq!(out["status"], "ok");
    assert!(out["notified"][0].as_str().unwrap().contains("failed"), "{out:#}");
}

#[test]
fn segment_auto_in_a_job_runs_after_the_imports_and_is_skipped_when_data_is_stale() {
    let ws = Workspace::new();
    let planted = ws.out_path("planted-2026-12-04.csv");
    common::run_in(
        ws.tmp.path(),
        &[
            "generate",
            "--planted",
            "3",
            "--rows",
            "600",
            "--out",
            &path_arg(&planted),
            "--truth",
            &path_arg(&ws.out_path("t.csv")),
        ],
    )
    .ok();
    let today = chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string();
    std::fs::rename(&planted, ws.out_path(&format!("planted-{today}.csv"))).unwrap();
    let job = write(
        &ws,
        "job.toml",
        "[[import]]\npath = \"planted-{date}.csv\"\n\n[segment_auto]\nk = 3\nseed = 7\n",
    );
    let out = ws.run_json(&["run", &job, "--date", &today]);
    assert_eq!(out["steps"][1]["name"], "segment auto", "{out:#}");
    assert_eq!(out["steps"][1]["outcome"], "ok", "{out:#}");
    let auto = ws.run_json(&["audiences", "list", "--type", "automatic"]);
    assert_eq!(auto.as_array().unwrap().len(), 3, "{auto:#}");
    // Thirty days later nothing was updated in the last 7 days: the step is skipped, saying why.
    let later = (chrono::Utc::now().date_naive() + chrono::Days::new(30)).format("%Y-%m-%d").to_string();
    std::fs::copy(ws.out_path(&format!("planted-{today}.csv")), ws.out_path(&format!("planted-{later}.csv")))
        .unwrap();
    let out = ws.run_json(&["run", &job, "--date", &later]);
    assert_eq!(out["steps"][1]["outcome"], "skipped", "{out:#}");
    assert!(out["steps"][1]["message"].as_str().unwrap().contains("not possible yet"), "{out:#}");
}

#[test]
fn enrich_steps_run_after_the_imports_and_store_each_message_once() {
    let ws = Workspace::seeded();
    let messages = common::fixture("enrich/messages_pt.csv");
    std::fs::copy(&messages, ws.out_path("messages-2026-12-05.csv")).unwrap();
    let job = write(
        &ws,
        "job.toml",
        "[[enrich]]\nkind = \"messages\"\npath = \"messages-{date}.csv\"\nrejects = \"rejects.csv\"\n",
    );
    let out = ws.run_json(&["run", &job, "--date", "2026-12-05"]);
    let step = &out["steps"][0];
    assert_eq!(
        (step["name"].as_str(), step["outcome"].as_str()),
        (Some("enrich messages messages-{date}.csv"), Some("ok")),
        "{out:#}"
    );
    assert_eq!(step["rows_out"], 8);
    let again = ws.run_json(&["run", &job, "--date", "2026-12-05"]);
    assert_eq!(again["steps"][0]["outcome"], "unchanged", "{again:#}");
}

#[test]
fn an_enrich_step_can_create_profiles_for_unknown_contacts() {
    let ws = Workspace::seeded();
    std::fs::write(
        ws.out_path("chats-2026-12-05.csv"),
        "contact,timestamp,direction,text\n(31) 96666-0003,2026-11-06T10:00:00Z,in,quero comprar\n",
    )
    .unwrap();
    let job = write(
        &ws,
        "job.toml",
        "[[enrich]]\nkind = \"messages\"\npath = \"chats-{date}.csv\"\ncreate_profiles = true\n",
    );
    let out = ws.run_json(&["run", &job, "--date", "2026-12-05"]);
    let step = &out["steps"][0];
    assert_eq!(step["outcome"], "ok", "{out:#}");
    assert!(step["message"].as_str().unwrap().contains("1 profiles created"), "{out:#}");
    let found = ws.run_json(&["segment", "preview", "--where", "purchase_intent = \"intent\""]);
    assert_eq!(found["profiles"], 1, "{found:#}");
    let again = ws.run_json(&["run", &job, "--date", "2026-12-05"]);
    assert_eq!(again["steps"][0]["outcome"], "unchanged", "{again:#}");
}
