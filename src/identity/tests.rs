//! Resolution against ground truth: generated dumps with realistic duplicates, and cases
//! written by hand (transitive chains, hubs, the ninth digit, invalid CPFs).

use super::*;
use crate::generate::{GenerateOptions, generate};
use crate::ingest::{ImportOptions, new_report, read_bytes};
use std::path::Path;

fn table_of(csv: &[u8]) -> (Table, Vec<i64>) {
    let opts = ImportOptions { imported_by: "test".into(), ..Default::default() };
    let path = Path::new("t.csv");
    let got = read_bytes(path, csv, &opts, new_report(path, &opts), &|_| {}).expect("parses");
    let lines = got.table.ints(crate::ingest::LINE_COLUMN).expect("a line column").to_vec();
    (got.table, lines)
}

/// Person per kept record: the n-th `ok` record of the truth is the n-th kept row.
fn truth_of_ok(truth: &[u8]) -> Vec<u64> {
    crate::generate::ok_persons(truth).expect("a truth file")
}

fn check_generated(rows: usize, seed: u64) {
    let (mut csv, mut truth) = (Vec::new(), Vec::new());
    generate(&GenerateOptions { rows, seed, ..Default::default() }, &mut csv, &mut truth).unwrap();
    let (table, _) = table_of(&csv);
    let truth = truth_of_ok(&truth);
    assert_eq!(table.rows(), truth.len());
    let linked = link(&[&table], &IdentityConfig::default());
    let (p, r) = pairwise_precision_recall(&linked.labels, &truth);
    assert_eq!((p, r), (1.0, 1.0), "rows {rows} seed {seed}");
    let persons = truth.iter().collect::<hashbrown::HashSet<_>>().len();
    assert_eq!(linked.clusters, persons);
}

#[test]
fn generated_dumps_resolve_exactly() {
    check_generated(3_000, 1);
    check_generated(12_000, 42);
}

#[test]
fn the_acceptance_sample_resolves_exactly() {
    let csv = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/crm_pt_10k.csv")).unwrap();
    let truth =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/crm_pt_10k.truth.csv")).unwrap();
    let (table, _) = table_of(&csv);
    let linked = link(&[&table], &IdentityConfig::default());
    let truth = truth_of_ok(&truth);
    assert_eq!(pairwise_precision_recall(&linked.labels, &truth), (1.0, 1.0));
    assert_eq!(linked.clusters, 6_790);
    let hubs: Vec<_> = linked.hubs.iter().map(|h| (h.identifier.as_str(), h.records)).collect();
    assert_eq!(hubs.len(), 2, "{hubs:?}");
}

fn labels_of(csv: &str, config: &IdentityConfig) -> Vec<u32> {
    let (table, _) = table_of(csv.as_bytes());
    link(&[&table], config).labels
}

#[test]
fn links_are_transitive() {
    // A–B by phone, B–C by e-mail, C–D by CPF; E alone.
    let csv = "telefone;email;cpf\n\
               11 99461-5075;a@x.com;\n\
               +55 11 99461-5075;b@x.com;\n\
               11 3333-4444;B@X.COM;441.463.319-27\n\
               11 5555-6666;;44146331927\n\
               11 97777-8888;e@x.com;\n";
    assert_eq!(labels_of(csv, &IdentityConfig::default()), vec![0, 0, 0, 0, 1]);
}

#[test]
fn the_ninth_digit_and_spellings_give_one_key() {
    let csv = "phone\n5511994615075\n55 11 9461-5075\n(11) 99461-5075\n0055 11 99461 5075\n011994615075\n";
    assert_eq!(labels_of(csv, &IdentityConfig::default()), vec![0; 5]);
}

#[test]
fn invalid_cpfs_and_repeated_digits_link_nothing() {
    let csv = "phone;cpf\n11 91111-1111;000.000.000-00\n11 92222-2222;000.000.000-00\n11 93333-3333;441.463.319-28\n11 94444-4444;44146331928\n";
    let (table, _) = table_of(csv.as_bytes());
    let linked = link(&[&table], &IdentityConfig::default());
    assert_eq!(linked.labels, vec![0, 1, 2, 3]);
    assert_eq!(linked.norm.invalid.tax_documents.values().sum::<u64>(), 4);
}

#[test]
fn hub_identifiers_are_ignored_and_reported() {
    let mut csv = String::from("phone;email\n");
    for i in 0..6 {
        csv.push_str(&format!("11 9{i}000-0000;teste@teste.com\n"));
    }
    let config = IdentityConfig { hub_limit: 5, ..Default::default() };
    let (table, _) = table_of(csv.as_bytes());
    let linked = link(&[&table], &config);
    assert_eq!(linked.clusters, 6);
    assert_eq!(
        linked.hubs,
        vec![HubReport { rule: "email".into(), identifier: "teste@teste.com".into(), records: 6, people: 6 }]
    );
    // At the limit it still links.
    let config = IdentityConfig { hub_limit: 6, ..Default::default() };
    assert_eq!(link(&[&table], &config).clusters, 1);
}

#[test]
fn a_name_never_links_alone_but_name_plus_city_can() {
    let csv = "phone;nome;cidade\n11 91111-1111;Ana Souza;Santos\n11 92222-2222;ana  SOUZA;santos\n11 93333-3333;Ana Souza;Recife\n";
    assert_eq!(labels_of(csv, &IdentityConfig::default()), vec![0, 1, 2]);
    let mut config = IdentityConfig::default();
    config.rules.push(Rule::parse("name + city").unwrap());
    assert_eq!(labels_of(csv, &config), vec![0, 0, 1]);
}

#[test]
fn precision_recall_counts_pairs() {
    assert_eq!(pairwise_precision_recall(&[0, 0, 1], &[7, 7, 8]), (1.0, 1.0));
    // Over-merged: 3 pairs found, 1 right.
    let (p, r) = pairwise_precision_recall(&[0, 0, 0], &[7, 7, 8]);
    assert!((p - 1.0 / 3.0).abs() < 1e-12 && r == 1.0);
    // Split: 0 pairs found of 1 real.
    assert_eq!(pairwise_precision_recall(&[0, 1], &[7, 7]), (1.0, 0.0));
}

/// Imports `files` one command each into a fresh workspace, resolving after each.
pub(crate) fn workspace_with(files: &[&str]) -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::init(&dir.path().join("ws")).unwrap();
    for (i, csv) in files.iter().enumerate() {
        let lock = ws.lock().unwrap();
        let path = std::path::PathBuf::from(format!("f{i}.csv"));
        let opts = ImportOptions { imported_by: "test".into(), ..Default::default() };
        let ingested = read_bytes(&path, csv.as_bytes(), &opts, new_report(&path, &opts), &|_| {}).unwrap();
        let parsed = vec![crate::ingest::sources::SourcedFile { ingested, spec: Default::default() }];
        crate::pipeline::commit_files(&mut ws, &lock, parsed, &crate::compute::CpuBackend, &|_| {}).unwrap();
    }
    (dir, ws)
}

#[test]
fn the_profile_table_keeps_the_most_recent_non_empty_value_of_each_field() {
    let (_dir, ws) = workspace_with(&[
        "telefone;email;cidade;idade\n11 91111-1111;ana@x.com;Santos;30\n11 92222-2222;bia@x.com;Recife;41\n",
        "telefone;email;cidade;idade\n5511911111111;;Campinas;\n",
    ]);
    let t = profile_table(&ws).unwrap().unwrap();
    assert_eq!(t.rows(), 2);
    let get = |name: &str, row: usize| t.column(name).unwrap().data.value(row).to_string();
    // Profile 1: city from the second import, e-mail and age kept from the first.
    assert_eq!(get(profiles::PROFILE_ID, 0), "1");
    assert_eq!(get("city", 0), "Campinas");
    assert_eq!(get("email", 0), "ana@x.com");
    assert_eq!(get("idade", 0), "30");
    assert_eq!(get("phoneNumber", 0), "5511911111111");
    assert_eq!(get("records", 0), "2");
    assert_eq!(get("lastImport", 0), "2");
    assert_eq!(get("city", 1), "Recife");
    assert_eq!(get("records", 1), "1");
    assert_eq!(get("lastImport", 1), "1");
}

#[test]
fn resolving_again_changes_no_id() {
    let csv = "telefone;email\n11 91111-1111;a@x.com\n11 92222-2222;b@x.com\n11 93333-3333;a@x.com\n";
    let (_dir, ws) = workspace_with(&[csv, csv]);
    let a = load_assignment(&ws).unwrap().unwrap();
    assert_eq!(int_values(&a, "profile").unwrap(), &[1, 2, 1, 1, 2, 1]);
    assert_eq!(int_values(&a, "origin").unwrap(), &[1, 2, 1, 1, 2, 1]);
    assert_eq!(last_stats(&ws).unwrap().unwrap().new_profiles, 0);
}
