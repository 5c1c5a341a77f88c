//! Damaged workspaces: for every kind of file a workspace holds (catalog, import snapshot,
//! records, opt-outs, identity assignment, audience members, profile-table cache, lock), a
//! flipped byte, a truncation and a deletion. The next commands either give exactly the answers
//! of the undamaged workspace or fail with exit 1 or 2 and a message naming the file, never a
//! panic; a damaged cache is rebuilt, and a stale lock is taken over.

mod common;
mod trust_state;

use common::Workspace;
use std::path::{Path, PathBuf};
use trust_state::{DUMP_1, assert_no_panic, copy_dir, reads, run};

const DUMP_2: &str = "Telefone;Nome;E-mail;Cidade;idade;aceite\n\
    11987650001;Ana Souza;ana.s@x.com;Recife;26;sim\n\
    11987650006;Fabio Melo;fabio@x.com;Natal;37;sim\n\
    11987650005;Eva Rocha;eva@x.com;Santos;52;não\n";

const DUMP_3: &str = "Telefone;Nome;Cidade;idade\n11987650007;Gil Costa;Recife;28\n";

/// A workspace with two imports (one opting a person out), an audience and a cached profile
/// table, plus the dumps in its temporary folder.
fn pristine() -> Workspace {
    let ws = Workspace::new();
    for (name, text) in [("dump1.csv", DUMP_1), ("dump2.csv", DUMP_2), ("dump3.csv", DUMP_3)] {
        std::fs::write(ws.out_path(name), text).unwrap();
    }
    ws.import(&[ws.out_path("dump1.csv")]).ok();
    ws.import(&[ws.out_path("dump2.csv")]).ok();
    ws.run(&["audiences", "create", "--name", "jovens", "--where", "idade < 40"]).ok();
    ws.run(&["profiles", "stats"]).ok();
    ws
}

/// The workspace's files of one kind (relative path prefix and suffix), e.g. `imports/records-`.
fn files_of(ws: &Path, prefix: &str) -> Vec<PathBuf> {
    let (dir, start) = prefix.split_once('/').unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(ws.join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with(start))
        .collect();
    files.sort();
    files
}

#[derive(Clone, Copy, Debug)]
enum Damage {
    Flip,
    Truncate,
    Delete,
}

fn damage(path: &Path, how: Damage) {
    match how {
        Damage::Flip => {
            let mut bytes = std::fs::read(path).unwrap();
            let at = bytes.len() / 2;
            bytes[at] ^= 0x20;
            std::fs::write(path, bytes).unwrap();
        }
        Damage::Truncate => {
            let len = std::fs::metadata(path).unwrap().len();
            std::fs::OpenOptions::new().write(true).open(path).unwrap().set_len(len / 2).unwrap();
        }
        Damage::Delete => std::fs::remove_file(path).unwrap(),
    }
}

/// The commands run on each damaged copy: the reads, a writing import, the reads again.
struct Outcome {
    before: Vec<(String, i32, String)>,
    import: common::Run,
    after: Vec<(String, i32, String)>,
}

fn exercise(cwd: &Path, ws: &Path) -> Outcome {
    let before = reads(cwd, ws);
    let dump3 = cwd.join("dump3.csv");
    let import = run(cwd, ws, &["import", dump3.to_str().unwrap()]);
    assert_no_panic(&import, &["import"]);
    let after = reads(cwd, ws);
    Outcome { before, import, after }
}

/// Each command either gave the undamaged workspace's answer or failed naming the file
/// (`name`; a missing catalog may name the workspace folder instead).
#[track_caller]
fn same_or_named(case: &str, got: &[(String, i32, String)], good: &[(String, i32, String)], name: &str) {
    for g in got {
        if g.1 == 0 {
            let want = good.iter().find(|w| w.0 == g.0);
            assert_eq!(Some(g), want, "{case}: `{}` answered differently from the undamaged workspace", g.0);
        } else {
            assert!(
                g.2.contains(name) || (name == "catalog.db" && g.2.contains("WS")),
                "{case}: `{}` failed without naming {name}:\n{}",
                g.0,
                g.2
            );
        }
    }
}

/// Runs the exercise on a copy of the workspace with `rel_file` damaged by `how` (and the
/// profile-table cache removed first when `uncached`), checking every answer against the
/// undamaged one.
fn damaged_case(ws: &Workspace, good: &Outcome, rel_file: &Path, how: Damage, uncached: bool) -> Outcome {
    let copy = ws.tmp.path().join("case");
    copy_dir(&ws.root, &copy);
    if uncached {
        // Without the cache, reads go back to the files it is derived from.
        for cache in files_of(&copy, "profiles/cache-") {
            std::fs::remove_file(cache).unwrap();
        }
    }
    damage(&copy.join(rel_file), how);
    let case = format!("{} {how:?}{}", rel_file.display(), if uncached { " (no cache)" } else { "" });
    let name = rel_file.file_name().unwrap().to_str().unwrap();
    let out = exercise(ws.tmp.path(), &copy);
    same_or_named(&case, &out.before, &good.before, name);
    if out.import.code == 0 {
        same_or_named(&case, &out.after, &good.after, name);
    } else {
        let stderr = trust_state::normalise(&out.import.stderr, &copy);
        assert!(
            stderr.contains(name) || (name == "catalog.db" && stderr.contains("WS")),
            "{case}: the import failed without naming {name}:\n{stderr}"
        );
        same_or_named(&case, &out.after, &good.before, name);
    }
    // Whatever was damaged, the caches left behind read back whole: a damaged one was rebuilt.
    let caches = files_of(&copy, "profiles/cache-");
    if rel_file.starts_with("profiles/cache-") {
        assert!(!caches.is_empty(), "{case}: the profile-table cache was not written again");
    }
    for cache in caches {
        if let Err(e) = hyperseg::store::snapshot::read(&cache) {
            panic!("{case}: the cache {} was left damaged: {e}", cache.display());
        }
    }
    let _ = std::fs::remove_dir_all(&copy);
    out
}

#[test]
#[allow(clippy::print_stderr)] // the matrix of outcomes, shown with --nocapture
fn every_damaged_workspace_file_is_an_error_naming_it_or_changes_nothing() {
    let ws = pristine();
    let good = {
        let copy = ws.tmp.path().join("good");
        copy_dir(&ws.root, &copy);
        let out = exercise(ws.tmp.path(), &copy);
        assert_eq!(out.import.code, 0, "{}", out.import.stderr);
        assert!(out.before.iter().chain(&out.after).all(|r| r.1 == 0), "{:?}", out.before);
        out
    };
    let kinds = [
        "catalog.db",
        "imports/1.hsc",
        "imports/records-",
        "imports/optouts-",
        "profiles/assignment-",
        "profiles/audience-",
        "profiles/cache-table-",
    ];
    let mut report = Vec::new();
    for kind in kinds {
        let files = if kind.ends_with(".db") || kind.ends_with(".hsc") {
            vec![ws.root.join(kind)]
        } else {
            files_of(&ws.root, kind)
        };
        assert!(!files.is_empty() && files.iter().all(|f| f.is_file()), "no {kind} file in the workspace");
        for file in files {
            let rel = file.strip_prefix(&ws.root).unwrap().to_owned();
            // With the cache, reads may never touch the damaged file; without it, they must.
            for (how, uncached) in [Damage::Flip, Damage::Truncate, Damage::Delete]
                .into_iter()
                .flat_map(|how| [(how, false), (how, true)])
            {
                if uncached && kind.starts_with("profiles/cache-") {
                    continue;
                }
                let out = damaged_case(&ws, &good, &rel, how, uncached);
                let failed: Vec<&str> =
                    out.before.iter().filter(|r| r.1 != 0).map(|r| r.0.as_str()).collect();
                let cached = if uncached { "no cache" } else { "cache" };
                let line = format!(
                    "{} {how:?} ({cached}): import exit {}, failed reads {failed:?}",
                    rel.display(),
                    out.import.code
                );
                report.push(line);
                if kind.starts_with("profiles/cache-") {
                    // A cache is derived: damaged or missing, it is rebuilt and every answer holds.
                    assert!(
                        failed.is_empty() && out.import.code == 0,
                        "{} {how:?}: {report:?}",
                        rel.display()
                    );
                }
            }
        }
    }
    eprintln!("{}", report.join("\n"));
}

/// Failed reads name the file they could not use.
#[test]
fn a_failed_read_of_a_damaged_file_names_it() {
    let ws = pristine();
    for (kind, how) in [
        ("imports/records-", Damage::Flip),
        ("profiles/assignment-", Damage::Truncate),
        ("profiles/audience-", Damage::Flip),
        ("imports/optouts-", Damage::Delete),
    ] {
        let copy = ws.tmp.path().join(format!("named-{}", kind.replace('/', "-")));
        copy_dir(&ws.root, &copy);
        let file = files_of(&copy, kind).remove(0);
        let name = file.file_name().unwrap().to_str().unwrap().to_owned();
        // Without the cache, reads go back to the files the cache is derived from.
        for cache in files_of(&copy, "profiles/cache-") {
            std::fs::remove_file(cache).unwrap();
        }
        damage(&file, how);
        let mut failures = Vec::new();
        for args in [&["--json", "profiles", "stats"][..], &["--json", "audiences", "show", "jovens"]] {
            let r = run(ws.tmp.path(), &copy, args);
            assert_no_panic(&r, args);
            if r.code != 0 {
                failures.push((args.join(" "), r.stderr));
            }
        }
        for (cmd, stderr) in failures {
            assert!(
                stderr.contains(&name),
                "{kind} {how:?}: `{cmd}` failed without naming {name}:\n{stderr}"
            );
        }
    }
}

/// A lock file left by a killed writer (any content, or none) does not stop the next writer,
/// and is gone once it finishes.
#[test]
fn a_stale_lock_file_is_taken_over() {
    let ws = pristine();
    let lock = ws.root.join("lock");
    for (i, content) in [&b"4194301"[..], b"41\xff4301", b""].into_iter().enumerate() {
        std::fs::write(&lock, content).unwrap();
        let r = ws.run(&["audiences", "create", "--name", &format!("a{i}"), "--where", "idade > 30"]);
        assert_no_panic(&r, &["audiences", "create"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(!lock.exists(), "the lock file outlived its writer");
    }
}
