//! Identity resolution end to end: the real binary imports fixture files (the acceptance sample
//! and the small files in `tests/fixtures/identity/`), and the tests check profiles, their
//! persistent ids, merges and splits with their lineage, lookups in many spellings, the hub
//! guard and the match rules, through `import --json`, `profiles show|stats|records` and
//! `identity rules`.

mod common;

use common::{Workspace, fixture, fixture_arg, path_arg, read_csv_records, records_with_lines};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

// ---------------------------------------------------------------------------------------------
// Helpers.

/// A fixture of `tests/fixtures/identity/`, as an argument.
fn fx(name: &str) -> String {
    fixture_arg(&format!("identity/{name}"))
}

/// One row of `profiles records`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Rec {
    import_id: i64,
    file: String,
    line: i64,
    profile: i64,
}

/// `profiles records --out FILE`, read back (after checking its header).
#[track_caller]
fn records(ws: &Workspace) -> Vec<Rec> {
    let (rows, _) = records_raw(ws);
    rows
}

/// The rows of `profiles records` and the file's bytes.
#[track_caller]
fn records_raw(ws: &Workspace) -> (Vec<Rec>, Vec<u8>) {
    let out = ws.out_path("records.csv");
    ws.run(&["profiles", "records", "--out", &path_arg(&out)]).ok();
    let bytes = std::fs::read(&out).expect("the records file");
    let rows = read_csv_records(&out, b',');
    assert_eq!(rows[0], ["import_id", "file", "line", "profile_id"], "records header");
    let recs = rows[1..]
        .iter()
        .map(|r| {
            assert_eq!(r.len(), 4, "{r:?}");
            Rec {
                import_id: r[0].parse().expect("an import id"),
                file: r[1].clone(),
                line: r[2].parse().expect("a line"),
                profile: r[3].parse().expect("a profile id"),
            }
        })
        .collect();
    std::fs::remove_file(&out).expect("remove the records file");
    (recs, bytes)
}

/// The profile of the record of import `import_id` that starts on `line`.
#[track_caller]
fn profile_at(recs: &[Rec], import_id: i64, line: i64) -> i64 {
    let found: Vec<&Rec> = recs.iter().filter(|r| r.import_id == import_id && r.line == line).collect();
    assert_eq!(found.len(), 1, "one record of import {import_id} on line {line}: {recs:#?}");
    found[0].profile
}

/// `(line, profile)` of every record of import `import_id`, in order.
fn lines_of(recs: &[Rec], import_id: i64) -> Vec<(i64, i64)> {
    recs.iter().filter(|r| r.import_id == import_id).map(|r| (r.line, r.profile)).collect()
}

fn distinct_profiles(recs: &[Rec]) -> BTreeSet<i64> {
    recs.iter().map(|r| r.profile).collect()
}

/// `profiles show QUERY --json`, which must succeed.
#[track_caller]
fn show(ws: &Workspace, query: &str) -> Value {
    ws.run_json(&["profiles", "show", query])
}

/// The profile id `profiles show QUERY` answers with.
#[track_caller]
fn shown_id(ws: &Workspace, query: &str) -> i64 {
    n(&show(ws, query), "id") as i64
}

/// `profiles stats --json`.
#[track_caller]
fn stats(ws: &Workspace) -> Value {
    ws.run_json(&["profiles", "stats"])
}

/// `identity rules ARGS --json`, which must succeed.
#[track_caller]
fn rules(ws: &Workspace, args: &[&str]) -> Value {
    let mut all = vec!["identity", "rules"];
    all.extend_from_slice(args);
    ws.run_json(&all)
}

/// A number in a JSON object.
#[track_caller]
fn n(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("no number {key:?} in {v:#}"))
}

/// The `identity` statistics of an import (or `identity rules`) output.
#[track_caller]
fn identity(v: &Value) -> &Value {
    let id = &v["identity"];
    assert!(id.is_object(), "no identity statistics in {v:#}");
    id
}

/// `hubs` as `(rule, identifier, records)`.
#[track_caller]
fn hubs(stats: &Value) -> Vec<(String, String, u64)> {
    stats["hubs"]
        .as_array()
        .unwrap_or_else(|| panic!("no hubs in {stats:#}"))
        .iter()
        .map(|h| {
            (
                h["rule"].as_str().expect("rule").to_owned(),
                h["identifier"].as_str().expect("identifier").to_owned(),
                h["records"].as_u64().expect("records"),
            )
        })
        .collect()
}

/// A reason → count map of the `invalid` statistics, summed.
fn invalid_sum(stats: &Value, kind: &str) -> u64 {
    stats["invalid"][kind]
        .as_object()
        .unwrap_or_else(|| panic!("no invalid.{kind} in {stats:#}"))
        .values()
        .map(|v| v.as_u64().expect("a count"))
        .sum()
}

/// `(event, profile, other)` of a profile view's events.
fn events(view: &Value) -> Vec<(String, i64, i64)> {
    view["events"]
        .as_array()
        .unwrap_or_else(|| panic!("no events in {view:#}"))
        .iter()
        .map(|e| {
            (
                e["event"].as_str().expect("event").to_owned(),
                e["profile"].as_i64().expect("profile"),
                e["other"].as_i64().expect("other"),
            )
        })
        .collect()
}

/// `(import_id, file, line)` of a profile view's records.
fn view_records(view: &Value) -> Vec<(i64, String, i64)> {
    view["records"]
        .as_array()
        .unwrap_or_else(|| panic!("no records in {view:#}"))
        .iter()
        .map(|r| {
            (
                r["import_id"].as_i64().expect("import_id"),
                r["file"].as_str().expect("file").to_owned(),
                r["line"].as_i64().expect("line"),
            )
        })
        .collect()
}

/// The rule labels of a configuration (`identity rules --json`).
fn rule_labels(config: &Value) -> Vec<String> {
    config["rules"]
        .as_array()
        .unwrap_or_else(|| panic!("no rules in {config:#}"))
        .iter()
        .map(|r| {
            r["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .map(|f| f.as_str().expect("a field"))
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect()
}

/// Groups of lines that share a value, as a set of sorted line lists (a partition).
fn partition<K: Ord>(pairs: impl IntoIterator<Item = (i64, K)>) -> BTreeSet<Vec<i64>> {
    let mut groups: BTreeMap<K, Vec<i64>> = BTreeMap::new();
    for (line, key) in pairs {
        groups.entry(key).or_default().push(line);
    }
    groups
        .into_values()
        .map(|mut g| {
            g.sort_unstable();
            g
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. The acceptance sample.

#[test]
fn acceptance_sample_resolves_exactly_into_its_truth_persons() {
    let sample = fixture("crm_pt_10k.csv");
    let bytes = std::fs::read(&sample).unwrap();
    let lines = records_with_lines(&bytes, b';');
    let truth = read_csv_records(&fixture("crm_pt_10k.truth.csv"), b',');
    assert_eq!(truth[0], ["record", "person", "status"]);
    let truth = &truth[1..];
    assert_eq!(lines.len(), truth.len(), "one truth row per data record");
    // The truth's `ok` records by the line they start on, with their person.
    let mut person_at: BTreeMap<i64, String> = BTreeMap::new();
    for (i, (t, (line, _))) in truth.iter().zip(&lines).enumerate() {
        assert_eq!(t[0], i.to_string(), "truth rows are in file order");
        if t[2] == "ok" {
            assert!(person_at.insert(*line as i64, t[1].clone()).is_none(), "line {line} twice");
        }
    }
    assert_eq!(person_at.len(), 9_970);

    let ws = Workspace::new();
    let out = ws.import_full_json(&[path_arg(&sample)]);
    let st = identity(&out);
    assert_eq!((n(st, "profiles"), n(st, "records")), (6_790, 9_970), "{st:#}");
    assert_eq!(
        (n(st, "profiles_before"), n(st, "new_profiles"), n(st, "merges"), n(st, "splits")),
        (0, 6_790, 0, 0)
    );
    assert_eq!(
        hubs(st),
        [
            ("phoneNumber".to_owned(), "551140040000".to_owned(), 60),
            ("email".to_owned(), "teste@teste.com".to_owned(), 60)
        ],
        "the call-centre phone and the placeholder e-mail are hubs"
    );
    assert!(invalid_sum(st, "tax_documents") > 0, "invalid CPFs are counted: {st:#}");
    assert_eq!(st["rules"], json!(["phoneNumber", "taxDocument", "email"]));
    assert_eq!(n(st, "hub_limit"), 50);
    let per_profile: u64 = st["records_per_profile"]
        .as_object()
        .expect("records_per_profile")
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(per_profile, 6_790, "every profile is in one size bucket");
    // `profiles stats` tells the same.
    let s = stats(&ws);
    assert_eq!(&s["identity"], st);
    assert_eq!(s["aliases"], 0);

    let recs = records(&ws);
    assert_eq!(recs.len(), 9_970);
    assert!(recs.iter().all(|r| r.import_id == 1 && r.file == "crm_pt_10k.csv"), "{:?}", recs[0]);
    let got_lines: Vec<i64> = recs.iter().map(|r| r.line).collect();
    let want_lines: Vec<i64> = person_at.keys().copied().collect();
    assert_eq!(got_lines, want_lines, "one row per imported record, in file order, on its starting line");

    // The same partition as the truth's persons.
    let got = partition(recs.iter().map(|r| (r.line, r.profile)));
    let want = partition(person_at.iter().map(|(&l, p)| (l, p.clone())));
    assert_eq!(want.len(), 6_790, "persons among the ok records");
    if got != want {
        let wrong: Vec<&Vec<i64>> = got.symmetric_difference(&want).take(10).collect();
        panic!("the profiles differ from the truth persons; some differing groups of lines: {wrong:?}");
    }
    // A fresh workspace numbers profiles 1, 2, … in order of their first record.
    let mut first_seen = Vec::new();
    let mut seen = BTreeSet::new();
    for r in &recs {
        if seen.insert(r.profile) {
            first_seen.push(r.profile);
        }
    }
    assert_eq!(first_seen, (1..=6_790).collect::<Vec<i64>>());
}

// ---------------------------------------------------------------------------------------------
// 2. Re-importing changes nothing.

/// `(line, profile)` of `small.csv` when it is the workspace's first import.
const SMALL: [(i64, i64); 8] = [(2, 1), (3, 1), (4, 2), (5, 2), (6, 3), (7, 4), (8, 3), (9, 5)];

#[test]
fn reimporting_the_same_file_creates_no_profile_and_keeps_every_id() {
    let ws = Workspace::new();
    let first = ws.import_full_json(&[fx("small.csv")]);
    let st = identity(&first);
    assert_eq!(
        [n(st, "profiles"), n(st, "new_profiles"), n(st, "profiles_before"), n(st, "records")],
        [5, 5, 0, 8],
        "{st:#}"
    );
    let before = records(&ws);
    assert_eq!(lines_of(&before, 1), SMALL);

    // The same file again, in either mode, is the same data once: no record, profile or
    // audience changes, and the report says so.
    for mode in ["upsert", "replace"] {
        let again = ws.import_full_json(&[fx("small.csv").as_str(), "--mode", mode]);
        assert!(again["identity"].is_null(), "{again:#}");
        assert_eq!(again["unchanged"], true);
        let changes = &again["imports"][0]["records"];
        assert_eq!(
            (n(changes, "new"), n(changes, "changed"), n(changes, "unchanged")),
            (0, 0, 8),
            "{again:#}"
        );
        assert_eq!(n(changes, "removed"), 0);
    }
    let after = records(&ws);
    assert_eq!(after, before, "the records and their profile ids are as they were");
    assert_eq!(stats(&ws)["aliases"], 0);
    assert_eq!(
        view_records(&show(&ws, "1")),
        [(1, "small.csv".to_owned(), 2), (1, "small.csv".to_owned(), 3)]
    );
}

// ---------------------------------------------------------------------------------------------
// 3. A new record that links two profiles merges them.

#[test]
fn a_record_linking_two_profiles_merges_them_into_the_older_id_with_lineage() {
    let ws = Workspace::new();
    let first = ws.import_full_json(&[fx("merge_1.csv")]);
    assert_eq!(n(identity(&first), "profiles"), 2);
    let recs = records(&ws);
    let (a, b) = (profile_at(&recs, 1, 2), profile_at(&recs, 1, 3));
    assert_ne!(a, b);
    let (survivor, alias) = (a.min(b), a.max(b));

    // Record C: A's phone without the ninth digit, B's e-mail in upper case.
    let second = ws.import_full_json(&[fx("merge_2.csv")]);
    let st = identity(&second);
    assert_eq!(
        [
            n(st, "profiles"),
            n(st, "profiles_before"),
            n(st, "new_profiles"),
            n(st, "merges"),
            n(st, "splits")
        ],
        [1, 2, 0, 1, 0],
        "{st:#}"
    );
    let recs = records(&ws);
    assert_eq!(
        recs,
        [
            Rec { import_id: 1, file: "merge_1.csv".into(), line: 2, profile: survivor },
            Rec { import_id: 1, file: "merge_1.csv".into(), line: 3, profile: survivor },
            Rec { import_id: 2, file: "merge_2.csv".into(), line: 2, profile: survivor },
        ]
    );

    // Asking for the merged-away id gives the survivor and says so.
    let view = show(&ws, &alias.to_string());
    assert_eq!(n(&view, "id") as i64, survivor);
    assert_eq!(view["asked_alias"], json!(alias));
    // Asking for the survivor itself sets no alias.
    let direct = show(&ws, &survivor.to_string());
    assert_eq!(direct["asked_alias"], Value::Null);
    assert_eq!(
        view_records(&direct),
        [
            (1, "merge_1.csv".to_owned(), 2),
            (1, "merge_1.csv".to_owned(), 3),
            (2, "merge_2.csv".to_owned(), 2)
        ]
    );
    let aliases = direct["aliases"].as_array().expect("aliases");
    assert_eq!(aliases.len(), 1, "{direct:#}");
    let lineage = &aliases[0];
    assert_eq!((lineage["alias"].as_i64(), lineage["survivor"].as_i64()), (Some(alias), Some(survivor)));
    assert_eq!(lineage["import_id"], 2, "the merge came with import 2");
    let rule = lineage["rule"].as_str().expect("rule");
    let identifier = lineage["identifier"].as_str().expect("identifier");
    assert!(!identifier.is_empty(), "the lineage names the identifier: {lineage:#}");
    assert!(
        [("email", "bia@example.com"), ("phoneNumber", "5511994615075")].contains(&(rule, identifier)),
        "the lineage names a key that links C to the profiles: {lineage:#}"
    );
    assert!(
        events(&direct).contains(&("merged".to_owned(), survivor, alias)),
        "a merged event: {:#}",
        direct["events"]
    );
    let mut phones: Vec<&str> =
        direct["phones"].as_array().expect("phones").iter().map(|p| p.as_str().unwrap()).collect();
    phones.sort_unstable();
    assert_eq!(phones, ["5511994615075", "5521987654321"]);
    assert_eq!(n(&stats(&ws), "aliases"), 1);
}

#[test]
fn an_alias_id_keeps_naming_its_records_when_the_merge_is_undone() {
    let ws = Workspace::new();
    ws.import_one(&[fx("merge_1.csv")]);
    ws.import_one(&[fx("merge_2.csv")]);
    // Ana (line 2) was 1, Bia (line 3) was 2; C merged them by Ana's phone and Bia's e-mail.
    assert_eq!(distinct_profiles(&records(&ws)), BTreeSet::from([1]));
    // Without the e-mail rule, Bia is no longer linked to Ana and C.
    let out = rules(&ws, &["--set", "phoneNumber", "--set", "taxDocument"]);
    let st = identity(&out);
    assert_eq!((n(st, "profiles"), n(st, "splits")), (2, 1), "{st:#}");
    let recs = records(&ws);
    let (ana, bia) = (profile_at(&recs, 1, 2), profile_at(&recs, 1, 3));
    assert_eq!(ana, 1);
    assert_ne!(bia, ana);
    // Profile 2 only ever held Bia's record: its id must still lead to her, not to Ana.
    let view = show(&ws, "2");
    let held = view_records(&view);
    assert!(
        held.contains(&(1, "merge_1.csv".to_owned(), 3)) && !held.contains(&(1, "merge_1.csv".to_owned(), 2)),
        "`profiles show 2` gives profile {} with records {held:?}",
        view["id"]
    );
    assert_eq!(n(&view, "id") as i64, if view["asked_alias"].is_null() { 2 } else { bia });
}

// ---------------------------------------------------------------------------------------------
// 4. Lookups.

#[test]
fn profiles_are_found_by_phone_email_cpf_and_id_in_any_spelling() {
    let ws = Workspace::new();
    ws.import_one(&[fx("small.csv")]);
    assert_eq!(lines_of(&records(&ws), 1), SMALL);
    let cases: &[(&str, i64)] = &[
        // Ana: +55 (11) 99461-5075, ana.souza@example.com, CPF 441.463.319-27.
        ("+55 (11) 99461-5075", 1),
        ("+55 11 99461-5075", 1),
        ("55 11 9461-5075", 1),
        ("+55 11 9461-5075", 1),
        ("5511994615075", 1),
        ("551194615075", 1),
        ("011994615075", 1),
        ("011 9461-5075", 1),
        ("(11) 99461-5075", 1),
        ("11 9461-5075", 1),
        ("0055 11 99461 5075", 1),
        ("ana.souza@example.com", 1),
        ("  ANA.Souza@Example.COM  ", 1),
        ("441.463.319-27", 1),
        ("44146331927", 1),
        (" 441 463 319 27 ", 1),
        ("1", 1),
        // Bruno: by the e-mail of either record, and the CPF of the second.
        ("Bruno@Example.com", 2),
        ("123.456.789-09", 2),
        ("12345678909", 2),
        ("31 99999 0001", 2),
        ("2", 2),
        // Carla and Eva share a CPF.
        ("987.654.321-00", 3),
        ("98765432100", 3),
        ("+55 48 99123-4567", 3),
        // Daniel's landline keeps 8 digits.
        ("(51) 3333-4444", 4),
        ("+55 51 3333 4444", 4),
        ("051 3333-4444", 4),
        ("000000004", 4),
        // Fábio was written as international digits.
        ("+55 (85) 98111-2222", 5),
        ("85 8111-2222", 5),
    ];
    for (query, id) in cases {
        let view = show(&ws, query);
        assert_eq!(view["id"], json!(id), "profiles show {query:?}");
        assert_eq!(view["asked_alias"], Value::Null, "{query:?}");
    }
    let ana = show(&ws, "1");
    assert_eq!(ana["phones"], json!(["5511994615075"]));
    assert_eq!(ana["emails"], json!(["ana.souza@example.com"]));
    assert_eq!(ana["tax_documents"].as_array().map(Vec::len), Some(1), "{ana:#}");
    assert_eq!(view_records(&ana), [(1, "small.csv".to_owned(), 2), (1, "small.csv".to_owned(), 3)]);
    // The text form.
    let text = ws.run(&["profiles", "show", "55 11 9461-5075"]).ok();
    assert!(text.stdout.starts_with("Profile 1\n"), "{}", text.stdout);
    assert!(text.stdout.contains("small.csv line 3"), "{}", text.stdout);

    for unknown in [
        "+55 11 91234-5678",
        "11 3003-0000",
        "nobody@example.com",
        "529.982.247-25",
        // Daniel's CPF is invalid: it is never a key.
        "000.000.000-00",
        "999",
        "0",
    ] {
        let run = ws.run(&["profiles", "show", unknown]).user_error(&["no profile matches"]);
        assert!(run.stdout.is_empty(), "{unknown:?}: {}", run.stdout);
    }
    ws.run(&["--json", "profiles", "show", "+55 11 91234-5678"]).user_error(&["no profile matches"]);
}

// ---------------------------------------------------------------------------------------------
// 5. Transitive links across files.

#[test]
fn a_chain_of_links_across_three_files_is_one_profile() {
    let ws = Workspace::new();
    // A–B by phone (with and without the ninth digit), and X apart.
    assert_eq!(n(identity(&ws.import_full_json(&[fx("chain_1.csv")])), "profiles"), 2);
    let recs = records(&ws);
    let chain = profile_at(&recs, 1, 2);
    assert_eq!(profile_at(&recs, 1, 3), chain);
    assert_ne!(profile_at(&recs, 1, 4), chain);
    // C shares B's CPF (without punctuation); Y is apart.
    let st = ws.import_full_json(&[fx("chain_2.csv")]);
    assert_eq!((n(identity(&st), "profiles"), n(identity(&st), "new_profiles")), (3, 1));
    assert_eq!(profile_at(&records(&ws), 2, 2), chain);
    // D shares C's e-mail (other case, spaces).
    let st = ws.import_full_json(&[fx("chain_3.csv")]);
    assert_eq!((n(identity(&st), "profiles"), n(identity(&st), "new_profiles")), (3, 0));
    let recs = records(&ws);
    let members: Vec<(i64, i64)> =
        recs.iter().filter(|r| r.profile == chain).map(|r| (r.import_id, r.line)).collect();
    assert_eq!(members, [(1, 2), (1, 3), (2, 2), (3, 2)], "A, B, C and D: {recs:#?}");
    assert_eq!(distinct_profiles(&recs).len(), 3);
    // Any of the four records' identifiers finds the one profile.
    for q in ["a@example.com", "52998224725", "+55 31 99000-2222", "c@example.com", "51 99000-4444"] {
        assert_eq!(shown_id(&ws, q), chain, "{q:?}");
    }
    assert_eq!(view_records(&show(&ws, "c@example.com")).len(), 4);
}

// ---------------------------------------------------------------------------------------------
// 6. The hub guard.

#[test]
fn an_identifier_shared_by_more_than_the_hub_limit_links_nothing_until_the_limit_rises() {
    let ws = Workspace::new();
    let hub = vec![("email".to_owned(), "teste@teste.com".to_owned(), 52)];
    let out = ws.import_full_json(&[fx("hub_52.csv")]);
    let st = identity(&out);
    assert_eq!(n(st, "profiles"), 52, "{st:#}");
    assert_eq!(hubs(st), hub, "the import lists the hub");
    let s = stats(&ws);
    assert_eq!(hubs(&s["identity"]), hub, "`profiles stats` lists the hub");
    let text = ws.run(&["profiles", "stats"]).ok().stdout;
    assert!(text.contains("teste@teste.com"), "{text}");
    let first = records(&ws);
    assert_eq!(distinct_profiles(&first).len(), 52);

    // Over the hub: one person.
    let out = rules(&ws, &["--hub-limit", "60"]);
    assert_eq!(n(&out["config"], "hub_limit"), 60);
    let st = identity(&out);
    assert_eq!((n(st, "profiles"), n(st, "merges"), n(st, "new_profiles")), (1, 51, 0), "{st:#}");
    assert!(hubs(st).is_empty(), "{st:#}");
    let merged = records(&ws);
    assert!(merged.iter().all(|r| r.profile == 1), "the oldest id survives: {merged:?}");
    assert_eq!(n(&stats(&ws), "aliases"), 51);
    assert_eq!(n(&rules(&ws, &[]), "hub_limit"), 60, "the setting is kept");
    for r in &first {
        assert_eq!(shown_id(&ws, &r.profile.to_string()), 1, "alias {} resolves to the survivor", r.profile);
    }

    // Back under the hub: the profile splits again.
    let out = rules(&ws, &["--hub-limit", "50"]);
    let st = identity(&out);
    assert_eq!(n(st, "profiles"), 52, "{st:#}");
    assert!(n(st, "splits") > 0, "{st:#}");
    assert_eq!(hubs(st), hub);
    let split = records(&ws);
    assert_eq!(distinct_profiles(&split).len(), 52);
    assert_eq!(profile_at(&split, 1, 2), 1, "the first record keeps the profile's id");
    assert!(
        events(&show(&ws, "1")).iter().any(|(e, p, _)| e == "split" && *p == 1),
        "a split event on profile 1"
    );
    assert_eq!(hubs(&stats(&ws)["identity"]), hub);
}

#[test]
fn the_hub_limit_is_more_than_not_as_many_as() {
    // The first 50 records of `hub_52.csv`: exactly the limit still links.
    let ws = Workspace::new();
    let text = std::fs::read_to_string(fixture("identity/hub_52.csv")).unwrap();
    let fifty: Vec<&str> = text.lines().take(51).collect();
    let file = ws.out_path("hub_50.csv");
    std::fs::write(&file, fifty.join("\n") + "\n").unwrap();
    let out = ws.import_full_json(&[path_arg(&file)]);
    let st = identity(&out);
    assert_eq!((n(st, "profiles"), n(st, "records")), (1, 50), "{st:#}");
    assert!(hubs(st).is_empty(), "{st:#}");
}

// ---------------------------------------------------------------------------------------------
// 7. Match rules.

#[test]
fn identity_rules_lists_the_defaults() {
    let ws = Workspace::new();
    let config = rules(&ws, &[]);
    assert_eq!(rule_labels(&config), ["phoneNumber", "taxDocument", "email"]);
    assert_eq!(n(&config, "hub_limit"), 50);
    assert_eq!(config["country"], "55");
    let text = ws.run(&["identity", "rules"]).ok().stdout;
    for needle in ["phoneNumber", "taxDocument", "email", "more than 50 records", "+55"] {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
}

#[test]
fn a_rule_of_a_name_alone_is_refused_and_changes_nothing() {
    let ws = Workspace::new();
    ws.import_one(&[fx("name_city.csv")]);
    let before = (common::snapshot(&ws.root), records_raw(&ws).1, stats(&ws));
    ws.run(&["identity", "rules", "--set", "name"]).user_error(&["a name alone never links"]);
    ws.run(&["identity", "rules", "--set", "phoneNumber", "--set", "Nome"])
        .user_error(&["a name alone never links"]);
    let after = (common::snapshot(&ws.root), records_raw(&ws).1, stats(&ws));
    assert_eq!(before, after, "a refused rule changed the workspace");
    assert_eq!(rule_labels(&rules(&ws, &[])), ["phoneNumber", "taxDocument", "email"]);
}

#[test]
fn a_name_plus_city_rule_links_spellings_of_one_name_in_one_city() {
    let ws = Workspace::new();
    ws.import_one(&[fx("name_city.csv")]);
    assert_eq!(distinct_profiles(&records(&ws)).len(), 3, "names do not link under the defaults");

    let out = rules(&ws, &["--set", "phoneNumber", "--set", "name + city"]);
    assert_eq!(rule_labels(&out["config"]), ["phoneNumber", "name + city"]);
    let st = identity(&out);
    assert_eq!((n(st, "profiles"), n(st, "merges")), (2, 1), "{st:#}");
    assert_eq!(st["rules"], json!(["phoneNumber", "name + city"]));
    let recs = records(&ws);
    // `José da Silva, São Paulo` and `  JOSE DA  SILVA , sao paulo` are one person; the José
    // of another city is not.
    assert_eq!(profile_at(&recs, 1, 2), 1);
    assert_eq!(profile_at(&recs, 1, 3), 1);
    assert_ne!(profile_at(&recs, 1, 4), 1);
    assert_eq!(shown_id(&ws, "jose2@example.com"), 1);
    assert_eq!(rule_labels(&rules(&ws, &[])), ["phoneNumber", "name + city"], "the rules are kept");

    // Later imports resolve under the rules in force.
    let out = ws.import_full_json(&[fx("names_only.csv")]);
    assert_eq!(identity(&out)["rules"], json!(["phoneNumber", "name + city"]));
    let recs = records(&ws);
    assert_eq!(profile_at(&recs, 2, 2), profile_at(&recs, 2, 3), "Maria Oliveira of Campinas, twice");
    assert_eq!(distinct_profiles(&recs).len(), 3);
}

#[test]
fn the_default_country_reads_national_numbers() {
    let ws = Workspace::new();
    let out = ws.import_full_json(&[fx("country_pt.csv")]);
    let st = identity(&out);
    assert_eq!(n(st, "profiles"), 3, "{st:#}");
    assert_eq!(invalid_sum(st, "phones"), 1, "`912 345 678` is no Brazilian number: {st:#}");

    let out = rules(&ws, &["--country", "351"]);
    assert_eq!(out["config"]["country"], "351");
    let st = identity(&out);
    assert_eq!((n(st, "profiles"), n(st, "merges")), (2, 1), "{st:#}");
    assert_eq!(invalid_sum(st, "phones"), 0, "{st:#}");
    let recs = records(&ws);
    assert_eq!(profile_at(&recs, 1, 2), profile_at(&recs, 1, 3), "912 345 678 ≡ +351 912 345 678");
    assert_ne!(profile_at(&recs, 1, 4), profile_at(&recs, 1, 2));
    let rui = profile_at(&recs, 1, 2);
    for q in ["912 345 678", "+351 912 345 678", "00351912345678", "351912345678"] {
        assert_eq!(shown_id(&ws, q), rui, "{q:?}");
    }
    assert_eq!(show(&ws, "912 345 678")["phones"], json!(["351912345678"]));
    // A number with its country code is still read as such.
    assert_eq!(shown_id(&ws, "+55 11 99461-5075"), profile_at(&recs, 1, 4));
    assert_eq!(rules(&ws, &[])["country"], "351");
}

// ---------------------------------------------------------------------------------------------
// 8. A failed import changes no profile.

#[test]
fn a_failed_import_leaves_profiles_records_and_stats_unchanged() {
    let ws = Workspace::new();
    ws.import_one(&[fx("small.csv")]);
    ws.import_one(&[fx("merge_1.csv")]);
    let before = (records_raw(&ws).1, stats(&ws), show(&ws, "1"));
    let no_phone = fixture_arg("no_phone.csv");
    ws.import_fails_cleanly(&[&no_phone], &[&no_phone, "no phone-number column"]);
    // All files of one command land together or none does.
    ws.import_fails_cleanly(&[fx("merge_2.csv"), no_phone.clone()], &[&no_phone, "no phone-number column"]);
    let after = (records_raw(&ws).1, stats(&ws), show(&ws, "1"));
    assert_eq!(before, after);
    assert_eq!(n(&after.1["identity"], "records"), 10);
}

#[test]
fn a_failed_first_import_leaves_no_profiles() {
    let ws = Workspace::new();
    assert_eq!(stats(&ws), json!({ "identity": null, "aliases": 0 }));
    let no_phone = fixture_arg("no_phone.csv");
    ws.import_fails_cleanly(&[&no_phone], &[&no_phone, "no phone-number column"]);
    assert_eq!(stats(&ws), json!({ "identity": null, "aliases": 0 }));
    let out = ws.out_path("records.csv");
    ws.run(&["profiles", "records", "--out", &path_arg(&out)]).user_error(&[]);
    ws.run(&["profiles", "show", "1"]).user_error(&["no profile matches"]);
}

// ---------------------------------------------------------------------------------------------
// 9. Names never link alone.

#[test]
fn the_same_name_and_city_with_other_identifiers_stay_two_profiles() {
    let ws = Workspace::new();
    let out = ws.import_full_json(&[fx("names_only.csv")]);
    let st = identity(&out);
    assert_eq!((n(st, "profiles"), n(st, "merges")), (2, 0), "{st:#}");
    let recs = records(&ws);
    assert_ne!(profile_at(&recs, 1, 2), profile_at(&recs, 1, 3));
    // Nor do differently spelled names of one city under the default rules.
    let out = ws.import_full_json(&[fx("name_city.csv")]);
    assert_eq!(n(identity(&out), "profiles"), 5);
}

#[test]
fn fields_lists_every_profile_field_with_counts_and_top_values() {
    let ws = Workspace::new();
    ws.import(&[fixture_arg("identity/small.csv")]).ok();
    let fields = ws.run_json(&["fields", "--top", "2"]);
    let fields = fields.as_array().expect("an array of fields");
    let by_name =
        |name: &str| fields.iter().find(|f| f["name"] == name).unwrap_or_else(|| panic!("no field {name}"));
    let stats = ws.run_json(&["profiles", "stats"]);
    let profiles = stats["identity"]["profiles"].as_u64().unwrap();
    for f in fields {
        assert_eq!(f["profiles"].as_u64(), Some(profiles), "{f}");
        assert!(f["profiles_with_value"].as_u64() <= Some(profiles));
        assert!(f["top"].as_array().unwrap().len() <= 2);
    }
    assert_eq!(by_name("phoneNumber")["kind"], "canonical");
    assert_eq!(by_name("records")["type"], "integer");
    assert_eq!(by_name("profileId")["distinct"].as_u64(), Some(profiles));
    // Text output names the columns.
    let text = ws.run(&["fields"]).ok();
    assert!(text.stdout.contains("top values") && text.stdout.contains("phoneNumber"), "{}", text.stdout);
}

#[test]
fn fields_before_any_import_says_so() {
    let ws = Workspace::new();
    let run = ws.run(&["fields"]).ok();
    assert!(run.stdout.contains("no profiles yet"), "{}", run.stdout);
}

#[test]
fn bench_identity_reports_exact_resolution_and_its_stages() {
    let ws = Workspace::new();
    let report = ws.run_json(&["bench", "identity", "--rows", "3000", "--repeat", "1"]);
    assert_eq!(report["pairwise_precision"], 1.0, "{report}");
    assert_eq!(report["pairwise_recall"], 1.0, "{report}");
    assert_eq!(report["profiles"], report["persons_in_truth"]);
    let stages: Vec<&str> =
        report["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["resolve (compute)", "import alone", "import + resolve"]);
    for s in report["stages"].as_array().unwrap() {
        assert!(s["best_s"].as_f64() <= s["median_s"].as_f64(), "{s}");
    }
}
