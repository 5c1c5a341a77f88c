//! Tests of the generator, centred on an independent reference checker of
//! the ground-truth invariant: parse the CSV, normalise identifiers with the
//! documented identity rules, union-find the ok records with the >50 guard,
//! and compare the groups with the truth's persons.

use std::collections::{HashMap, HashSet};

use super::*;

/// Generated CSV and truth bytes plus the summary.
struct Output {
    csv: Vec<u8>,
    truth: Vec<u8>,
    summary: GenerateSummary,
}

fn run(rows: usize, seed: u64, separator: u8, crlf: bool) -> Output {
    let opts = GenerateOptions { rows, seed, separator, crlf };
    let (mut csv, mut truth) = (Vec::new(), Vec::new());
    let summary = generate(&opts, &mut csv, &mut truth).expect("generate");
    Output { csv, truth, summary }
}

/// One truth line.
#[derive(Debug, Clone)]
struct Truth {
    person: u64,
    status: String,
}

fn parse_truth(bytes: &[u8]) -> Vec<Truth> {
    let mut reader = csv::Reader::from_reader(bytes);
    assert_eq!(reader.headers().unwrap(), vec!["record", "person", "status"]);
    reader
        .records()
        .enumerate()
        .map(|(i, r)| {
            let r = r.unwrap();
            assert_eq!(r[0].parse::<usize>().unwrap(), i, "records in order");
            Truth { person: r[1].parse().unwrap(), status: r[2].to_string() }
        })
        .collect()
}

fn parse_csv(bytes: &[u8], separator: u8) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::ReaderBuilder::new().delimiter(separator).flexible(true).from_reader(bytes);
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let records = reader.records().map(|r| r.unwrap()).collect();
    (header, records)
}

// ---- reference normalisers (independent of the generator's code) ----

fn phone_key(raw: &str) -> Option<String> {
    let t = raw.trim();
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let intl = if t.starts_with('+') {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_string()
    } else if let Some(national) = digits.strip_prefix('0') {
        if !(10..=11).contains(&national.len()) {
            return None;
        }
        format!("55{national}")
    } else if (10..=11).contains(&digits.len()) {
        format!("55{digits}")
    } else if (12..=13).contains(&digits.len()) && digits.starts_with("55") {
        digits
    } else {
        return None;
    };
    if intl.starts_with("55") {
        brazil_key(&intl)
    } else if (10..=15).contains(&intl.len()) {
        Some(intl)
    } else {
        None
    }
}

fn brazil_key(d: &str) -> Option<String> {
    if !(12..=13).contains(&d.len()) {
        return None;
    }
    let area = &d[2..4];
    if area.contains('0') {
        return None;
    }
    let sub = &d[4..];
    match (sub.len(), sub.as_bytes()[0]) {
        (9, b'9') => Some(d.to_string()),
        (8, b'6'..=b'9') => Some(format!("55{area}9{sub}")),
        (8, b'2'..=b'5') => Some(d.to_string()),
        _ => None,
    }
}

fn email_key(raw: &str) -> Option<String> {
    let t = raw.trim().to_lowercase();
    if t.chars().any(char::is_whitespace) {
        return None;
    }
    let (local, domain) = t.split_once('@')?;
    let valid = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.');
    valid.then_some(t)
}

fn cpf_key(raw: &str) -> Option<String> {
    let d: Vec<u32> = raw.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 11 || d.iter().all(|&x| x == d[0]) {
        return None;
    }
    let check = |n: usize| {
        let sum: u32 = (0..n).map(|i| d[i] * (n as u32 + 1 - i as u32)).sum();
        sum * 10 % 11 % 10
    };
    (check(9) == d[9] && check(10) == d[10]).then(|| d.iter().map(|x| x.to_string()).collect())
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// The keys (tagged by kind) of one record.
fn keys(rec: &csv::StringRecord) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(phone_key(&rec[0]).map(|k| format!("p:{k}")));
    out.extend(email_key(&rec[1]).map(|k| format!("e:{k}")));
    out.extend(cpf_key(&rec[2]).map(|k| format!("c:{k}")));
    out
}

/// Resolves the ok records and asserts the groups equal the truth persons.
/// Returns the number of profiles and the hub keys (used by > 50 records).
fn check_invariant(out: &Output, separator: u8) -> (usize, Vec<String>) {
    let (_, records) = parse_csv(&out.csv, separator);
    let truth = parse_truth(&out.truth);
    assert_eq!(records.len(), truth.len());
    let ok: Vec<usize> = (0..truth.len()).filter(|&i| truth[i].status == "ok").collect();
    let record_keys: Vec<Vec<String>> = ok.iter().map(|&i| keys(&records[i])).collect();
    let mut uses: HashMap<&str, usize> = HashMap::new();
    for k in record_keys.iter().flatten() {
        *uses.entry(k).or_default() += 1;
    }
    let hubs: Vec<String> = uses.iter().filter(|&(_, &n)| n > 50).map(|(k, _)| k.to_string()).collect();
    let mut parent: Vec<usize> = (0..ok.len()).collect();
    let mut first_with: HashMap<&str, usize> = HashMap::new();
    for (n, ks) in record_keys.iter().enumerate() {
        for k in ks.iter().filter(|k| uses[k.as_str()] <= 50) {
            let other = *first_with.entry(k).or_insert(n);
            let (a, b) = (find(&mut parent, n), find(&mut parent, other));
            parent[a] = b;
        }
    }
    let mut group_person: HashMap<usize, u64> = HashMap::new();
    let mut person_group: HashMap<u64, usize> = HashMap::new();
    for (n, &i) in ok.iter().enumerate() {
        let root = find(&mut parent, n);
        let person = truth[i].person;
        let p = *group_person.entry(root).or_insert(person);
        assert_eq!(p, person, "record {i} merges persons {p} and {person}");
        let g = *person_group.entry(person).or_insert(root);
        assert_eq!(g, root, "person {person} split (record {i}: {:?})", records[i]);
    }
    (group_person.len(), hubs)
}

#[test]
fn invariant_holds_with_hubs() {
    for seed in [42, 7, 2024] {
        let out = run(20_000, seed, b';', true);
        let (profiles, hubs) = check_invariant(&out, b';');
        assert!(profiles > 10_000, "profiles {profiles}");
        assert_eq!(hubs.len(), 2, "hubs {hubs:?}");
        assert!(hubs.iter().any(|h| h == "p:551130030000"));
        assert!(hubs.iter().any(|h| h == "e:teste@teste.com"));
    }
}

#[test]
fn invariant_holds_without_hubs() {
    for seed in [42, 99] {
        let out = run(2_000, seed, b';', true);
        let (_, hubs) = check_invariant(&out, b';');
        assert!(hubs.is_empty(), "hubs {hubs:?}");
        assert!(!out.csv.windows(15).any(|w| w == b"teste@teste.com"));
    }
}

#[test]
fn invariant_holds_with_comma_and_lf() {
    let out = run(12_000, 5, b',', false);
    check_invariant(&out, b',');
    let header_end = out.csv.iter().position(|&b| b == b'\n').unwrap();
    assert_ne!(out.csv[header_end - 1], b'\r', "LF line endings");
    // Only the few quoted notes that hold a CRLF line break contain "\r\n".
    let crlf = out.csv.windows(2).filter(|w| w == b"\r\n").count();
    assert!(crlf < 12_000 / 100, "{crlf} CRLF");
    let (header, _) = parse_csv(&out.csv, b',');
    assert_eq!(header.len(), 16);
}

#[test]
fn tiny_files_work() {
    for rows in [0, 1, 2, 5, 100] {
        let out = run(rows, 1, b';', true);
        assert_eq!(out.summary.rows, rows);
        assert_eq!(parse_truth(&out.truth).len(), rows);
        check_invariant(&out, b';');
    }
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = run(9_000, 42, b';', true);
    let b = run(9_000, 42, b';', true);
    assert_eq!(a.csv, b.csv);
    assert_eq!(a.truth, b.truth);
    assert_eq!(a.summary, b.summary);
    let c = run(9_000, 43, b';', true);
    assert_ne!(a.csv, c.csv);
    assert_ne!(a.truth, c.truth);
}

#[test]
fn thread_count_does_not_matter() {
    let opts = GenerateOptions { rows: 9_000, ..GenerateOptions::default() };
    let mut bytes = Vec::new();
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let (mut csv, mut truth) = (Vec::new(), Vec::new());
        pool.install(|| generate(&opts, &mut csv, &mut truth).unwrap());
        bytes.push((csv, truth));
    }
    assert!(bytes[0] == bytes[1]);
}

#[test]
fn header_and_field_counts() {
    let out = run(20_000, 3, b';', true);
    let text = std::str::from_utf8(&out.csv).expect("UTF-8");
    let first_line = text.split("\r\n").next().unwrap();
    assert_eq!(
        first_line,
        "Telefone;E-mail;CPF;Nome;Cidade;Endereço;Aceite;status_lead;ultimo_canal;idade;compras;visitas;valor_total;ultima_compra;newsletter;observacoes"
    );
    let (header, records) = parse_csv(&out.csv, b';');
    assert_eq!(header.len(), 16);
    let truth = parse_truth(&out.truth);
    let (mut empty_phone, mut extra) = (0, 0);
    for (rec, t) in records.iter().zip(&truth) {
        match t.status.as_str() {
            "reject" => {
                assert!(rec[0].is_empty() || rec.len() == 17, "{rec:?}");
                empty_phone += usize::from(rec[0].is_empty());
                extra += usize::from(rec.len() == 17);
            }
            _ => {
                assert_eq!(rec.len(), 16, "{rec:?}");
                assert!(!rec[0].trim().is_empty(), "{rec:?}");
            }
        }
    }
    assert!(empty_phone > 0 && extra > 0);
}

#[test]
fn opt_in_matches_status() {
    let out = run(20_000, 11, b';', true);
    let (_, records) = parse_csv(&out.csv, b';');
    let truth = parse_truth(&out.truth);
    let negative = ["não", "nao", "Não", "no", "false", "0", "n", "N"];
    let positive = ["sim", "Sim", "SIM", "yes", "1", "true", "S"];
    let mut blank = 0;
    for (rec, t) in records.iter().zip(&truth).filter(|(r, _)| r.len() == 16) {
        let aceite = &rec[6];
        match t.status.as_str() {
            "optout" => assert!(negative.contains(&aceite), "{rec:?}"),
            _ if aceite.is_empty() => blank += 1,
            _ => assert!(positive.contains(&aceite), "{rec:?}"),
        }
    }
    assert!(blank > 0);
}

#[test]
fn status_proportions() {
    let out = run(20_000, 42, b';', true);
    let s = out.summary;
    assert_eq!(s.ok + s.optout + s.reject, 20_000);
    assert_eq!(s.optout, 40);
    assert_eq!(s.reject, 20);
    let truth = parse_truth(&out.truth);
    let persons: HashSet<u64> = truth.iter().map(|t| t.person).collect();
    assert_eq!(persons.len(), s.persons);
    let ratio = s.rows as f64 / s.persons as f64;
    assert!((1.3..1.8).contains(&ratio), "records per person {ratio}");
    assert_eq!(s.bytes, out.csv.len() as u64);
}

#[test]
fn quoted_newlines_occur() {
    let out = run(20_000, 42, b';', true);
    let (_, records) = parse_csv(&out.csv, b';');
    let multiline = records.iter().filter(|r| r.iter().any(|f| f.contains('\n'))).count();
    let share = multiline as f64 / records.len() as f64;
    assert!((0.005..0.03).contains(&share), "multiline share {share}");
    let with_separator = records.iter().filter(|r| r.iter().any(|f| f.contains(';'))).count();
    assert!(with_separator > 50);
    assert!(records.iter().any(|r| r.iter().any(|f| f.contains('"'))));
}

#[test]
fn identifiers_are_messy() {
    let out = run(20_000, 42, b';', true);
    let (_, records) = parse_csv(&out.csv, b';');
    let has = |pred: &dyn Fn(&csv::StringRecord) -> bool| records.iter().any(pred);
    // Phones: every spelling family, a missing ninth digit, impossible ones.
    assert!(has(&|r| r[0].starts_with("+55 ")));
    assert!(has(&|r| r[0].starts_with("0055 ")));
    assert!(has(&|r| r[0].starts_with('(')));
    assert!(has(&|r| r[0].starts_with('0') && !r[0].starts_with("00")));
    assert!(has(&|r| r[0].starts_with("55 ") && phone_key(&r[0]).is_some_and(|k| k.len() == 13)));
    assert!(has(&|r| !r[0].is_empty() && phone_key(&r[0]).is_none()));
    // E-mails: upper case, spaces, malformed.
    assert!(has(&|r| r[1].chars().any(|c| c.is_ascii_uppercase()) && email_key(&r[1]).is_some()));
    assert!(has(&|r| r[1].starts_with(' ') && email_key(&r[1]).is_some()));
    assert!(has(&|r| !r[1].is_empty() && email_key(&r[1]).is_none()));
    // CPFs: punctuated, plain, invalid, zeros.
    assert!(has(&|r| r[2].len() == 14 && cpf_key(&r[2]).is_some()));
    assert!(has(&|r| r[2].len() == 11 && cpf_key(&r[2]).is_some()));
    assert!(has(&|r| r[2] == *"000.000.000-00"));
    assert!(has(&|r| r[2].len() >= 11 && r[2] != *"000.000.000-00" && cpf_key(&r[2]).is_none()));
}

#[test]
fn transitive_chains_occur() {
    let out = run(20_000, 42, b';', true);
    let (_, records) = parse_csv(&out.csv, b';');
    let truth = parse_truth(&out.truth);
    let mut by_person: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, t) in truth.iter().enumerate() {
        if t.status == "ok" {
            by_person.entry(t.person).or_default().push(i);
        }
    }
    // A person with two ok records that share no key directly.
    let chained = by_person.values().filter(|recs| {
        recs.iter().any(|&a| {
            recs.iter().any(|&b| {
                let ka: HashSet<String> = keys(&records[a]).into_iter().collect();
                a != b && keys(&records[b]).iter().all(|k| !ka.contains(k))
            })
        })
    });
    assert!(chained.count() > 20);
    let max = by_person.values().map(Vec::len).max().unwrap();
    assert!(max >= 6, "largest person {max}");
}

#[test]
fn behaviour_columns_are_well_formed() {
    let out = run(5_000, 8, b';', true);
    let (_, records) = parse_csv(&out.csv, b';');
    let leads = ["frio", "morno", "quente", "cliente", "Não cliente", "Vendas qualificadas"];
    let channels = ["email", "whatsapp", "instagram", "sms", "telefone", "facebook"];
    let records: Vec<_> = records.into_iter().filter(|r| r.len() == 16).collect();
    let mut blanks = 0;
    for r in &records {
        let cells = (7..15).map(|i| &r[i]);
        blanks += cells.filter(|c| c.is_empty()).count();
        assert!(r[7].is_empty() || leads.contains(&&r[7]));
        assert!(r[8].is_empty() || channels.contains(&&r[8]));
        let int_in = |i: usize, lo: i64, hi: i64| {
            r[i].is_empty() || r[i].parse::<i64>().is_ok_and(|v| (lo..=hi).contains(&v))
        };
        assert!(int_in(9, 16, 90) && int_in(10, 0, 50) && int_in(11, 0, 500), "{r:?}");
        let money = &r[12];
        assert!(money.is_empty() || is_money(money), "{money}");
        let date = &r[13];
        assert!(
            date.is_empty()
                || chrono::NaiveDate::parse_from_str(date, "%d/%m/%Y")
                    .is_ok_and(|d| (2019..=2026).contains(&chrono::Datelike::year(&d))),
            "{date}"
        );
        assert!(["", "sim", "não"].contains(&&r[14]));
    }
    let share = blanks as f64 / (records.len() * 8) as f64;
    assert!((0.02..0.04).contains(&share), "blank share {share}");
}

fn is_money(s: &str) -> bool {
    let Some((units, cents)) = s.split_once(',') else {
        return false;
    };
    let groups: Vec<&str> = units.split('.').collect();
    cents.len() == 2
        && cents.bytes().all(|b| b.is_ascii_digit())
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
}

#[test]
fn bad_options_are_refused() {
    let (mut csv, mut truth) = (Vec::new(), Vec::new());
    let opts = GenerateOptions { separator: b'\t', ..GenerateOptions::default() };
    let err = generate(&opts, &mut csv, &mut truth).unwrap_err();
    assert!(matches!(err, GenerateError::InvalidOptions(_)));
    let opts = GenerateOptions { rows: MAX_ROWS + 1, ..GenerateOptions::default() };
    assert!(generate(&opts, &mut csv, &mut truth).is_err());
}

#[test]
fn default_summary_matches_truth() {
    let out = run(10_000, 42, b';', true);
    let s = out.summary;
    assert_eq!((s.ok, s.optout, s.reject), (9_970, 20, 10));
    check_invariant(&out, b';');
}

/// Times 1,000,000 rows: `cargo test --release --lib generate -- --ignored --nocapture`.
#[test]
#[ignore]
#[allow(clippy::print_stdout)]
fn time_one_million_rows() {
    let opts = GenerateOptions { rows: 1_000_000, ..GenerateOptions::default() };
    let mut csv = std::io::sink();
    let mut truth = std::io::sink();
    let start = std::time::Instant::now();
    let summary = generate(&opts, &mut csv, &mut truth).unwrap();
    let elapsed = start.elapsed();
    println!(
        "generated {} rows ({} persons, {} bytes) in {:.3}s on {} threads: {:?}",
        summary.rows,
        summary.persons,
        summary.bytes,
        elapsed.as_secs_f64(),
        rayon::current_num_threads(),
        summary
    );
}
