//! Helpers shared by the corruption and kill -9 tests: copy a workspace, and read what a user
//! sees of it (read commands' output and the catalog's contents) in a form two copies of one
//! state agree on, whatever folder they sit in and whenever they were written.
#![allow(dead_code)]

use crate::common::{self, Run};
use std::path::{Path, PathBuf};

/// Copies the folder `from` to `to` (which must not exist), files and folders.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `hyperseg --workspace WS ARGS`, run in `cwd`.
pub fn run(cwd: &Path, ws: &Path, args: &[&str]) -> Run {
    common::run_command(common::command(cwd).arg("--workspace").arg(ws).args(args))
}

/// Whether `s` has a timestamp (`YYYY-MM-DD?HH:MM`) starting at byte `i`.
fn time_at(s: &[u8], i: usize) -> bool {
    let d = |k: usize| s.get(i + k).is_some_and(u8::is_ascii_digit);
    let c = |k: usize, ch: u8| s.get(i + k) == Some(&ch);
    (0..4).all(d)
        && c(4, b'-')
        && d(5)
        && d(6)
        && c(7, b'-')
        && d(8)
        && d(9)
        && (c(10, b'T') || c(10, b' '))
        && d(11)
        && d(12)
        && c(13, b':')
        && d(14)
        && d(15)
}

/// `text` with every timestamp (and what follows it up to a quote, comma or space: seconds,
/// fraction, zone) replaced by `<time>`, the time stamp in the names of snapshots an erasure
/// rewrote (`N-eSTAMP.hsc`) by `<stamp>`, and `root` by `WS`.
pub fn normalise(text: &str, root: &Path) -> String {
    let text = text.replace(root.to_str().unwrap(), "WS");
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"-e") && b[i + 2..].first().is_some_and(u8::is_ascii_digit) {
            // An erasure's rewritten snapshot is named by the time it was written.
            let digits = b[i + 2..].iter().take_while(|c| c.is_ascii_digit()).count();
            if b[i + 2 + digits..].starts_with(b".hsc") {
                out.extend_from_slice(b"-e<stamp>");
                i += 2 + digits;
                continue;
            }
        }
        if time_at(b, i) {
            out.extend_from_slice(b"<time>");
            i += 16;
            while i < b.len() && !matches!(b[i], b'"' | b',' | b' ' | b'\n' | b'|' | b'\\') {
                i += 1;
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Every row of every catalog table (without the checksums), in a stable order, with
/// timestamps and the workspace's own path masked; an error message when the catalog does not open.
pub fn catalog_dump(ws: &Path) -> Result<String, String> {
    let db = rusqlite::Connection::open_with_flags(
        ws.join("catalog.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| e.to_string())?;
    let mut tables: Vec<String> = db
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             AND name <> 'catalog_sums' ORDER BY name",
        )
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(|e| e.to_string())?;
    tables.sort();
    let mut out = String::new();
    for t in tables {
        out.push_str(&format!("== {t}\n"));
        let mut stmt = db.prepare(&format!("SELECT * FROM \"{t}\"")).map_err(|e| e.to_string())?;
        // Checksums hash the rows' times, which differ between two copies of one state.
        let shown: Vec<usize> =
            (0..stmt.column_count()).filter(|&i| stmt.column_name(i).is_ok_and(|c| c != "row_sum")).collect();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                let cells: Vec<String> = shown
                    .iter()
                    .copied()
                    .map(|i| match r.get_ref(i) {
                        Ok(rusqlite::types::ValueRef::Text(t)) => format!("{:?}", String::from_utf8_lossy(t)),
                        Ok(v) => format!("{v:?}"),
                        Err(e) => format!("<{e}>"),
                    })
                    .collect();
                Ok(cells.join(" | "))
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| e.to_string())?;
        rows.sort();
        for r in rows {
            out.push_str(&r);
            out.push('\n');
        }
    }
    Ok(normalise(&out, ws))
}

/// What a user reads of a workspace: the outcome of each read command (exit code, and stdout
/// when it succeeded, else stderr) and each audience's CSV export.
pub fn reads(cwd: &Path, ws: &Path) -> Vec<(String, i32, String)> {
    let mut out = Vec::new();
    let mut audiences = Vec::new();
    for args in [
        &["--json", "profiles", "stats"][..],
        &["--json", "audiences", "list"],
        &["--json", "imports", "list"],
        &["--json", "identity", "rules"],
        &["--json", "segment", "preview", "--where", "idade > 1"],
    ] {
        let r = run(cwd, ws, args);
        assert_no_panic(&r, args);
        if args[2] == "list" && args[1] == "audiences" && r.code == 0 {
            let list: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
            for a in list.as_array().into_iter().flatten() {
                audiences.push(a["name"].as_str().unwrap().to_owned());
            }
        }
        out.push((args.join(" "), r.code, normalise(if r.code == 0 { &r.stdout } else { &r.stderr }, ws)));
    }
    for name in audiences {
        let file: PathBuf = cwd.join(format!("export-{}.csv", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let r = run(cwd, ws, &["audiences", "export", &name, "--out", file.to_str().unwrap()]);
        assert_no_panic(&r, &["audiences", "export", &name]);
        let text =
            if r.code == 0 { std::fs::read_to_string(&file).unwrap() } else { normalise(&r.stderr, ws) };
        let _ = std::fs::remove_file(&file);
        out.push((format!("audiences export {name}"), r.code, text));
    }
    out
}

/// Panics when the command panicked or was killed, or exited with a code other than 0, 1, 2.
#[track_caller]
pub fn assert_no_panic(r: &Run, args: &[&str]) {
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("overflowed its stack"),
        "{args:?} panicked:\n{}",
        r.stderr
    );
    assert!(matches!(r.code, 0..=2), "{args:?} exited {}:\n{}", r.code, r.stderr);
}

/// The first dump of the trust tests: five people, one of them opting out.
pub const DUMP_1: &str = "Telefone;Nome;E-mail;Cidade;idade;aceite\n\
    11987650001;Ana Souza;ana@x.com;Recife;25;sim\n\
    11987650002;Bia Lima;bia@x.com;Natal;41;sim\n\
    11987650003;Caio Reis;caio@x.com;Recife;33;não\n\
    11987650004;Duda Alves;duda@x.com;São Paulo;19;sim\n\
    11987650005;Eva Rocha;eva@x.com;Santos;52;sim\n";
