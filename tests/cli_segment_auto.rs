//! `hyperseg segment auto` through the real binary, on a generated dump with planted
//! segments: the k found, ARI against the planted labels (through the exported members),
//! automatic audiences listed, shown, described, exported, turned into a filter, replaced
//! and deleted; the freshness precondition; message templates.

mod common;

use common::{Workspace, path_arg, read_csv_records, run_in, snapshot};
use std::collections::HashMap;

const PLANTED: usize = 4;

/// A workspace holding a planted dump of `rows` persons, and the planted segment of each
/// person's e-mail.
fn planted(rows: usize) -> (Workspace, HashMap<String, u32>) {
    let ws = Workspace::new();
    let (csv, truth) = (ws.out_path("planted.csv"), ws.out_path("planted.truth.csv"));
    let k = PLANTED.to_string();
    let rows = rows.to_string();
    run_in(
        ws.tmp.path(),
        &[
            "generate",
            "--planted",
            &k,
            "--rows",
            &rows,
            "--seed",
            "3",
            "--out",
            &path_arg(&csv),
            "--truth",
            &path_arg(&truth),
        ],
    )
    .ok();
    ws.import(&[path_arg(&csv)]).ok();
    let labels: HashMap<String, u32> = read_csv_records(&truth, b',')
        .into_iter()
        .skip(1)
        .map(|r| (format!("pessoa{}@exemplo.com.br", r[1]), r[2].parse().unwrap()))
        .collect();
    (ws, labels)
}

/// Adjusted Rand index of two labelings.
fn ari(a: &[u32], b: &[u32]) -> f64 {
    let mut table: HashMap<(u32, u32), u64> = HashMap::new();
    let (mut ra, mut rb): (HashMap<u32, u64>, HashMap<u32, u64>) = (HashMap::new(), HashMap::new());
    for (&x, &y) in a.iter().zip(b) {
        *table.entry((x, y)).or_default() += 1;
        *ra.entry(x).or_default() += 1;
        *rb.entry(y).or_default() += 1;
    }
    let c2 = |n: u64| (n * n.saturating_sub(1) / 2) as f64;
    let index: f64 = table.values().map(|&n| c2(n)).sum();
    let (sa, sb) = (ra.values().map(|&n| c2(n)).sum::<f64>(), rb.values().map(|&n| c2(n)).sum::<f64>());
    let expected = sa * sb / c2(a.len() as u64);
    (index - expected) / ((sa + sb) / 2.0 - expected)
}

fn automatic(ws: &Workspace) -> Vec<serde_json::Value> {
    ws.run_json(&["audiences", "list", "--type", "automatic"]).as_array().unwrap().clone()
}

#[test]
fn finds_the_planted_segments_and_manages_them_as_audiences() {
    let (ws, labels) = planted(900);
    let report = ws.run_json(&["segment", "auto", "--seed", "1", "--overlap-margin", "0", "--lang", "en"]);
    assert_eq!(report["k"], PLANTED, "{report:#}");
    assert_eq!(report["k_chosen_by"], "silhouette");
    assert_eq!(report["scores"].as_array().unwrap().len(), 9, "k = 2..10 each scored");
    let excluded: Vec<&str> =
        report["excluded"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for id in ["phoneNumber", "email", "name", "profileId"] {
        assert!(excluded.contains(&id), "{id} not excluded: {excluded:?}");
    }
    let audiences = automatic(&ws);
    assert_eq!(audiences.len(), PLANTED);
    // ARI through what a user gets: each audience exported, members by e-mail.
    let (mut found, mut truth) = (Vec::new(), Vec::new());
    for (i, a) in audiences.iter().enumerate() {
        assert_eq!(a["kind"], "automatic");
        assert_eq!(a["created_by"], "");
        let out = ws.out_path(&format!("a{i}.csv"));
        ws.run(&["audiences", "export", a["name"].as_str().unwrap(), "--out", &path_arg(&out)]).ok();
        let rows = read_csv_records(&out, b',');
        let email = rows[0].iter().position(|h| h == "email").expect("an email column");
        for r in &rows[1..] {
            found.push(i as u32);
            truth.push(labels[&r[email]]);
        }
    }
    assert_eq!(found.len(), 900, "with no overlap every profile is in exactly one audience");
    let score = ari(&found, &truth);
    assert!(score >= 0.9, "ARI {score}");

    // show: explanation, grid; describe edits the characteristics, members unchanged.
    let name = audiences[0]["name"].as_str().unwrap().to_owned();
    let shown = ws.run(&["audiences", "show", &name]).ok().stdout;
    for needle in ["characteristics", "defining conditions", "vs", "overall", "generation 1", "of profiles"] {
        assert!(shown.contains(needle), "show lacks {needle:?}:\n{shown}");
    }
    assert!(!shown.contains("last updated"), "{shown}");
    ws.run(&["audiences", "describe", &name, "--characteristics", "mostly young buyers"]).ok();
    let after = ws.run_json(&["audiences", "show", &name]);
    assert_eq!(after["audience"]["characteristics"], "mostly young buyers");
    assert_eq!(after["audience"]["size"], audiences[0]["size"]);
    assert!(ws.run(&["audiences", "show", &name]).ok().stdout.contains("mostly young buyers"));

    // save-as-filter: a manual audience that keeps most members.
    let r = ws.run_json(&["audiences", "save-as-filter", &name, "--name", "as filter", "--by", "Ana"]);
    assert_eq!(r["audience"]["kind"], "manual");
    let members = r["members"].as_u64().unwrap();
    assert!(r["kept"].as_u64().unwrap() as f64 >= 0.8 * members as f64, "{r:#}");
    assert!(r["jaccard"].as_f64().unwrap() > 0.6, "{r:#}");
    let text = ws.run(&["audiences", "save-as-filter", &name, "--name", "as filter 2"]).ok().stdout;
    assert!(text.contains("keeps") && text.contains("adds"), "{text}");

    // Overlap works across kinds; delete removes an automatic audience and its members file.
    ws.run(&["audiences", "overlap", &name, "as filter"]).ok();
    let files_before = snapshot(&ws.root.join("profiles")).len();
    ws.run(&["audiences", "delete", &name, "--yes"]).ok();
    assert_eq!(automatic(&ws).len(), PLANTED - 1);
    assert!(snapshot(&ws.root.join("profiles")).len() < files_before);
    ws.run(&["audiences", "show", &name]).user_error(&["no audience named"]);
}

#[test]
fn replace_deletes_the_previous_generation_and_generations_are_recorded() {
    let (ws, _) = planted(300);
    ws.run_json(&["segment", "auto", "--k", "3"]);
    let first: Vec<i64> = automatic(&ws).iter().map(|a| a["id"].as_i64().unwrap()).collect();
    assert_eq!(first.len(), 3);
    // Without --replace a new generation adds audiences with unique names.
    ws.run_json(&["segment", "auto", "--k", "3"]);
    let both = automatic(&ws);
    assert_eq!(both.len(), 6);
    let mut names: Vec<String> = both.iter().map(|a| a["name"].as_str().unwrap().to_lowercase()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 6, "names are unique");
    let r = ws.run_json(&["segment", "auto", "--k", "2", "--replace"]);
    assert_eq!(r["replaced"].as_array().unwrap().len(), 3);
    let now: Vec<i64> = automatic(&ws).iter().map(|a| a["id"].as_i64().unwrap()).collect();
    assert_eq!(now.len(), 3 + 2, "generation 1 stays, generation 2 replaced by 3");
    assert!(first.iter().all(|id| now.contains(id)));
    let gens = ws.run_json(&["segment", "generations"]);
    let gens = gens.as_array().unwrap();
    assert_eq!(gens.len(), 3);
    assert_eq!(gens[2]["k"], 2);
    assert_eq!(gens[2]["backend"], "cpu");
    assert_eq!(gens[1]["audiences"].as_array().unwrap().len(), 0);
    assert!(gens[2]["criterion"].as_str().unwrap().contains("silhouette"));
    assert_eq!(gens[2]["scores"][0]["k"], 2);
    assert!(gens[2]["fields"].as_array().unwrap().iter().any(|f| f["field"] == "idade"));
}

#[test]
fn stale_data_is_refused_with_the_reason_and_nothing_changes() {
    let (ws, _) = planted(60);
    // The derived profile-table cache may appear on any read; it is not workspace state.
    let state = || {
        let mut s = snapshot(&ws.root);
        s.retain(|(path, _)| !path.contains("/cache-"));
        s
    };
    let before = state();
    let run = ws.run(&["segment", "auto", "--as-of", "2020-01-01"]).user_error(&[
        "automatic segmentation is not possible yet",
        "at least 7 profiles updated in the last 7 days",
        "0 of 60 were updated between 2019-12-26 and 2020-01-01",
    ]);
    assert!(run.stdout.is_empty());
    assert_eq!(before, state(), "a refused run changed the workspace");
    assert!(automatic(&ws).is_empty());
    ws.run(&["segment", "auto", "--k-range", "5..3"]).user_error(&["need 2 <= LO <= HI"]);
    ws.run(&["segment", "auto", "--fields", "email"]).user_error(&["identifier"]);
}

#[test]
fn message_templates_are_stored_and_written_in_the_asked_language() {
    let (ws, _) = planted(200);
    let file = ws.out_path("messages.csv");
    let r = ws.run_json(&[
        "segment",
        "auto",
        "--k",
        "2",
        "--lang",
        "es",
        "--suggest-messages",
        "--messages-out",
        &path_arg(&file),
    ]);
    assert!(r["audiences"][0]["description"].as_str().unwrap().contains("de los perfiles"));
    let rows = read_csv_records(&file, b',');
    assert_eq!(rows[0], ["audience", "message"]);
    assert!((2 * 2..=3 * 2).contains(&(rows.len() - 1)), "{rows:?}");
    assert!(rows[1..].iter().all(|r| r[1].contains("{{name}}")));
    let name = r["audiences"][0]["name"].as_str().unwrap();
    let shown = ws.run_json(&["audiences", "show", name]);
    assert!(!shown["messages"].as_array().unwrap().is_empty());
    assert_eq!(shown["lang"], "es");
}
