//! A damaged catalog never silently changes an answer: one byte of `catalog.db` flipped at
//! each of many offsets (spread over the whole file — header, schema, table and index pages —
//! and a seeded sample of its non-zero bytes), then the read commands run on the damaged copy.
//! Each either answers exactly as the undamaged workspace does, or fails with exit 1 or 2 and
//! a message naming `catalog.db`; never a panic, never a different answer.

mod common;
mod trust_state;

use common::{Workspace, path_arg};
use std::path::Path;
use trust_state::{DUMP_1, assert_no_panic, copy_dir, normalise, run};

/// A later dump: a new person, a changed age, and Ana's phone with a new e-mail (a merge).
const DUMP_2: &str = "Telefone;Nome;E-mail;Cidade;idade;aceite\n\
    11987650001;Ana Souza;ana.s@x.com;Recife;26;sim\n\
    11987650006;Fabio Melo;fabio@x.com;Natal;37;sim\n\
    11987650007;Gil Costa;bia@x.com;Natal;44;sim\n";

/// The read commands run on every damaged copy (JSON forms, so answers compare exactly).
const READS: &[&[&str]] = &[
    &["--json", "profiles", "stats"],
    &["--json", "audiences", "list"],
    &["--json", "audiences", "show", "jovens"],
    &["--json", "imports", "list"],
    &["--json", "imports", "show", "2"],
    &["--json", "sources", "list"],
    &["--json", "runs", "show", "1"],
    &["--json", "identity", "rules"],
    &["--json", "profiles", "show", "11987650002"],
];

/// A workspace with a nightly run's import (a source, a run and its steps), a second import
/// that merges two people, two audiences (one described), and a cached profile table.
fn pristine() -> Workspace {
    let ws = Workspace::new();
    std::fs::write(ws.out_path("dump-2026-11-30.csv"), DUMP_1).unwrap();
    std::fs::write(ws.out_path("dump2.csv"), DUMP_2).unwrap();
    let job = ws.out_path("job.toml");
    std::fs::write(&job, "[[import]]\npath = \"dump-{date}.csv\"\nsource = \"crm\"\nmode = \"upsert\"\n")
        .unwrap();
    ws.run(&["run", &path_arg(&job), "--date", "2026-11-30"]).ok();
    ws.import(&[path_arg(&ws.out_path("dump2.csv")).as_str(), "--source", "site"]).ok();
    ws.run(&["audiences", "create", "--name", "jovens", "--where", "idade < 40 and Cidade = \"Recife\""])
        .ok();
    ws.run(&["audiences", "create", "--name", "Natal", "--where", "Cidade = \"Natal\""]).ok();
    ws.run(&["audiences", "describe", "Natal", "--description", "quem mora em Natal"]).ok();
    ws.run(&["profiles", "stats"]).ok();
    ws
}

/// The outcome of every read command: (command, exit code, stdout or stderr).
fn reads(cwd: &Path, ws: &Path) -> Vec<(String, i32, String)> {
    READS
        .iter()
        .map(|args| {
            let r = run(cwd, ws, args);
            assert_no_panic(&r, args);
            (args.join(" "), r.code, normalise(if r.code == 0 { &r.stdout } else { &r.stderr }, ws))
        })
        .collect()
}

/// splitmix64: a seeded sequence, so a failing offset can be replayed.
struct Seq(u64);

impl Seq {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The offsets to damage: every `len / 100`th byte of the file (whatever it holds), and 100
/// of its non-zero bytes drawn with a fixed seed (where rows, keys and schema text live).
fn offsets(bytes: &[u8]) -> Vec<usize> {
    let mut out: Vec<usize> = (0..100).map(|i| i * bytes.len() / 100 + 7).collect();
    let nonzero: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i] != 0).collect();
    let mut seq = Seq(12);
    out.extend((0..100).map(|_| nonzero[(seq.next() % nonzero.len() as u64) as usize]));
    out.sort_unstable();
    out.dedup();
    out
}

#[test]
#[allow(clippy::print_stderr)] // the tally, shown with --nocapture
fn a_byte_flipped_anywhere_in_the_catalog_is_an_error_naming_it_or_changes_nothing() {
    let ws = pristine();
    let tmp = ws.tmp.path();
    let good_dir = tmp.join("good");
    copy_dir(&ws.root, &good_dir);
    let good = reads(tmp, &good_dir);
    for g in &good {
        assert_eq!(g.1, 0, "the undamaged workspace fails `{}`:\n{}", g.0, g.2);
    }
    let pristine_db = std::fs::read(good_dir.join("catalog.db")).unwrap();
    let case_dir = tmp.join("case");
    let masks = [0x01u8, 0x20, 0x80, 0x04, 0x10];
    let (mut same, mut refused, mut wrong) = (0, 0, Vec::new());
    let offsets = offsets(&pristine_db);
    for (n, &at) in offsets.iter().enumerate() {
        let _ = std::fs::remove_dir_all(&case_dir);
        copy_dir(&good_dir, &case_dir);
        let mut bytes = pristine_db.clone();
        bytes[at] ^= masks[n % masks.len()];
        std::fs::write(case_dir.join("catalog.db"), &bytes).unwrap();
        let got = reads(tmp, &case_dir);
        for (g, want) in got.iter().zip(&good) {
            if g.1 == 0 && g == want {
                same += 1;
            } else if g.1 != 0 && g.2.contains("catalog.db") {
                refused += 1;
            } else {
                wrong.push(format!(
                    "byte {at} ^ {:#04x}: `{}` exit {}:\n{}",
                    masks[n % masks.len()],
                    g.0,
                    g.1,
                    g.2.chars().take(600).collect::<String>()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} answers changed or failed without naming catalog.db ({same} same, {refused} refused):\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    eprintln!(
        "{} offsets × {} reads: {same} answers as undamaged, {refused} refused naming catalog.db",
        offsets.len(),
        READS.len()
    );
    assert!(refused > 0, "no damage was ever detected ({same} same answers)");
}
