//! Crash safety of every writing command: `import`, `audiences create`, `identity rules --set`,
//! `profiles erase` and `run` are each killed with SIGKILL at 20 moments spread over their
//! measured duration (a fixed seed, so a failure replays), and the workspace must then be
//! exactly the state before the command or the state after a completed run of it: the same
//! catalog rows (timestamps aside), the same answers to read commands, and a next writer that
//! works and sweeps what the killed one left behind. Nothing here is timed: the durations only
//! place the kills.

mod common;
mod trust_state;

use common::Workspace;
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use trust_state::{DUMP_1, assert_no_panic, catalog_dump, copy_dir, normalise, run};

const DUMP_2: &str = "Telefone;Nome;E-mail;Cidade;idade;aceite\n\
    11987650001;Ana Souza;ana.s@x.com;Recife;26;sim\n\
    11987650006;Fabio Melo;fabio@x.com;Natal;37;sim\n\
    11987650005;Eva Rocha;eva@x.com;Santos;52;não\n\
    11987650007;Gil Costa;gil@x.com;Recife;28;sim\n";

/// Kills per command.
const KILLS: usize = 20;

/// A workspace holding one import and one audience, with a second dump and a job file beside it.
fn pristine() -> Workspace {
    let ws = Workspace::new();
    std::fs::write(ws.out_path("dump1.csv"), DUMP_1).unwrap();
    std::fs::write(ws.out_path("dump2.csv"), DUMP_2).unwrap();
    std::fs::write(ws.out_path("dump-2026-11-30.csv"), DUMP_2).unwrap();
    std::fs::write(
        ws.out_path("job.toml"),
        "[[import]]\npath = \"dump-{date}.csv\"\nsource = \"crm\"\n\n\
         [[export]]\naudience = \"jovens\"\npath = \"out/jovens-{date}.csv\"\n",
    )
    .unwrap();
    ws.import(&[ws.out_path("dump1.csv")]).ok();
    ws.run(&["audiences", "create", "--name", "jovens", "--where", "idade < 40"]).ok();
    ws
}

/// What must be identical between two copies of one committed state: the catalog's rows
/// (without the nightly job's own bookkeeping when `runs_aside`, since a run records its start
/// before its steps) and the answers of read commands.
fn state(cwd: &Path, ws: &Path, runs_aside: bool) -> String {
    let mut out = String::new();
    for args in [
        &["--json", "profiles", "stats"][..],
        &["--json", "audiences", "list"],
        &["--json", "imports", "list"],
    ] {
        let r = run(cwd, ws, args);
        assert_no_panic(&r, args);
        assert_eq!(r.code, 0, "{args:?} fails after a kill:\n{}", r.stderr);
        out.push_str(&normalise(&r.stdout, ws));
    }
    let file = cwd.join("state-export.csv");
    let r = run(cwd, ws, &["audiences", "export", "jovens", "--out", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "export fails after a kill:\n{}", r.stderr);
    out.push_str(&std::fs::read_to_string(&file).unwrap());
    let dump = catalog_dump(ws).unwrap_or_else(|e| panic!("the catalog does not open after a kill: {e}"));
    let mut keep = true;
    for line in dump.lines() {
        if let Some(table) = line.strip_prefix("== ") {
            keep = !(runs_aside && (table == "runs" || table == "run_steps"));
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Files a writer stages before its commit; none may outlive the next writer.
fn staged_files(ws: &Path) -> Vec<String> {
    ["imports", "profiles"]
        .iter()
        .flat_map(|d| std::fs::read_dir(ws.join(d)).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".staged"))
        .collect()
}

/// Runs `args` on a copy of `ws` to completion and returns how long it took and the state after.
fn completed(ws: &Workspace, args: &[&str], runs_aside: bool) -> (Duration, String) {
    let copy = ws.tmp.path().join("completed");
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(&ws.root, &copy);
    let start = Instant::now();
    let r = run(ws.tmp.path(), &copy, args);
    let took = start.elapsed();
    assert_eq!(r.code, 0, "{args:?} fails:\n{}", r.stderr);
    let after = state(ws.tmp.path(), &copy, runs_aside);
    std::fs::remove_dir_all(&copy).unwrap();
    (took, after)
}

/// Kills `args` [`KILLS`] times at moments drawn (seed `seed`) over its measured duration and
/// checks each time that the workspace is the state before or after it, and that the next
/// writer works. Returns how many runs the kill interrupted.
#[allow(clippy::print_stderr)] // how many kills landed mid-run, shown with --nocapture
fn kill_at_random_moments(ws: &Workspace, args: &[&str], seed: u64, runs_aside: bool) -> usize {
    let before = state(ws.tmp.path(), &ws.root, runs_aside);
    let (took, after) = completed(ws, args, runs_aside);
    assert_ne!(before, after, "{args:?} changed nothing");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut interrupted = 0;
    for i in 0..KILLS {
        let copy = ws.tmp.path().join(format!("killed-{i}"));
        copy_dir(&ws.root, &copy);
        let delay = took.mul_f64(rng.random_range(0.0..1.0));
        let mut child = common::command(ws.tmp.path())
            .arg("--workspace")
            .arg(&copy)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let status = child.wait().unwrap();
        interrupted += usize::from(status.code().is_none());
        let now = state(ws.tmp.path(), &copy, runs_aside);
        assert!(
            now == before || now == after,
            "{args:?} killed after {delay:?} (of {took:?}) left a state that is neither before nor after it:\n{}",
            first_difference(&now, &before, &after)
        );
        let next =
            run(ws.tmp.path(), &copy, &["audiences", "create", "--name", "next", "--where", "idade > 30"]);
        assert_no_panic(&next, &["audiences", "create"]);
        assert_eq!(next.code, 0, "the next writer after killing {args:?} fails:\n{}", next.stderr);
        assert_eq!(staged_files(&copy), Vec::<String>::new(), "staged files outlived the next writer");
        assert!(!copy.join("lock").exists(), "the lock file outlived the next writer");
        if runs_aside {
            let again = run(ws.tmp.path(), &copy, args);
            assert_eq!(again.code, 0, "running {args:?} again after a kill fails:\n{}", again.stderr);
            let runs = run(ws.tmp.path(), &copy, &["--json", "runs", "list"]);
            let runs: serde_json::Value = serde_json::from_str(&runs.stdout).unwrap();
            for r in runs.as_array().unwrap() {
                assert_ne!(r["status"], "running", "a killed run still shows as running: {runs:#}");
            }
        }
        std::fs::remove_dir_all(&copy).unwrap();
    }
    eprintln!("{args:?}: {took:?} to complete; {interrupted} of {KILLS} kills landed mid-run");
    assert!(interrupted > 0, "no kill of {args:?} landed before it finished");
    interrupted
}

/// The first line where `now` differs from the closer of `before` and `after`.
fn first_difference(now: &str, before: &str, after: &str) -> String {
    let diff = |other: &str| {
        now.lines().zip(other.lines()).position(|(a, b)| a != b).map(|i| {
            (i, now.lines().nth(i).unwrap_or("").to_owned(), other.lines().nth(i).unwrap_or("").to_owned())
        })
    };
    format!("vs before: {:?}\nvs after: {:?}", diff(before), diff(after))
}

#[test]
fn import_killed_at_any_moment_leaves_the_state_before_or_after() {
    let ws = pristine();
    let dump = ws.out_path("dump2.csv");
    kill_at_random_moments(&ws, &["import", dump.to_str().unwrap()], 1, false);
}

#[test]
fn audiences_create_killed_at_any_moment_leaves_the_state_before_or_after() {
    let ws = pristine();
    kill_at_random_moments(
        &ws,
        &["audiences", "create", "--name", "maduros", "--where", "idade >= 40"],
        2,
        false,
    );
}

#[test]
fn identity_rules_set_killed_at_any_moment_leaves_the_state_before_or_after() {
    let ws = pristine();
    kill_at_random_moments(&ws, &["identity", "rules", "--set", "phoneNumber", "--set", "email"], 3, false);
}

#[test]
fn profiles_erase_killed_at_any_moment_leaves_the_state_before_or_after() {
    let ws = pristine();
    // A first erasure makes the workspace's suppression salt, so that the state after the
    // erasure under test is the same in every copy.
    ws.run(&["profiles", "erase", "11987650004", "--yes"]).ok();
    kill_at_random_moments(&ws, &["profiles", "erase", "11987650002", "--yes"], 4, false);
}

#[test]
fn run_killed_at_any_moment_leaves_the_data_before_or_after_and_the_next_run_works() {
    let ws = pristine();
    let job = ws.out_path("job.toml");
    let args = ["run", job.to_str().unwrap(), "--date", "2026-11-30"];
    kill_at_random_moments(&ws, &args, 5, true);
}
