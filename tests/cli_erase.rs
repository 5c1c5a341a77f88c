//! Erasure on request: the person leaves every file of the workspace, stays out of later
//! imports (suppressed), and out of exports.

mod common;

use common::{Workspace, path_arg};

fn write(ws: &Workspace, name: &str, text: &str) -> String {
    let path = ws.out_path(name);
    std::fs::write(&path, text).unwrap();
    path_arg(&path)
}

/// Ana under three spellings of her phone, her e-mail in two cases and her CPF with and
/// without punctuation; Bia stays.
const DUMP: &str = "Telefone;E-mail;CPF;Nome;Cidade;Aceite;idade\n\
    (11) 98765-4321;Ana.Souza@Example.com;529.982.247-25;Ana Souza;Recife;sim;30\n\
    +55 11 98765-4321;ana.souza@example.com;;Ana S.;Recife;sim;30\n\
    11987654321;;52998224725;Ana;Olinda;sim;31\n\
    (21) 99999-0000;bia@example.com;;Bia Lima;Natal;sim;40\n\
    11987654321;;;Ana;Recife;não;30\n";

/// Every spelling of Ana's identifiers the import accepted, and her name.
const NEEDLES: [&str; 9] = [
    "98765-4321",
    "98765432",
    "11987654321",
    "5511987654321",
    "ana.souza@example.com",
    "Ana.Souza@Example.com",
    "529.982.247-25",
    "52998224725",
    "Ana Souza",
];

fn files_containing(root: &std::path::Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    for entry in walk(root) {
        let bytes = std::fs::read(&entry).unwrap();
        if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            hits.push(entry.display().to_string());
        }
    }
    hits
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

/// Ana's and Bia's chats, campaign events and chatbot extras, Ana's under every spelling of
/// her identifiers; the texts and values only Ana's rows hold are in [`ENRICH_NEEDLES`].
const MESSAGES: &str = "contact,timestamp,direction,text,channel\n\
    (11) 98765-4321,2026-11-01T10:00:00Z,in,quanto custa o vestido azul? entrega na Rua das Flores 12,whatsapp\n\
    Ana.Souza@Example.com,2026-11-01T10:05:00Z,out,Ana Souza o vestido custa 120,whatsapp\n\
    529.982.247-25,2026-11-02T09:00:00Z,in,muito caro pra mim,instagram\n\
    (21) 99999-0000,2026-11-03T09:00:00Z,in,voces tem camisa preta?,whatsapp\n";
const CAMPAIGNS: &str = "contact,campaign_id,campaign_name,status,timestamp\n\
    +55 11 98765-4321,bf,Black Friday,read,2026-11-20T10:00:00Z\n\
    ana.souza@example.com,nt,Natal,replied,2026-11-25T10:00:00Z\n\
    bia@example.com,bf,Black Friday,delivered,2026-11-20T10:00:00Z\n";
const EXTRAS: &str = "contact;key;value\n\
    11987654321;apelido;Aninha das Flores\n\
    52998224725;nome;Ana Souza\n\
    (21) 99999-0000;apelido;Bia\n";
const ENRICH_NEEDLES: [&str; 3] = ["Rua das Flores", "Aninha das Flores", "muito caro pra mim"];

/// Ana's scoring events under each spelling of her phone, e-mail and CPF, and Bia's; the url
/// only Ana's events hold is [`EVENT_NEEDLE`].
const EVENTS: &str = "contact,action,timestamp,url\n\
    (11) 98765-4321,info_request,2026-11-20T10:00:00Z,https://loja.example/vestido-azul-da-ana\n\
    Ana.Souza@Example.com,email_open,2026-11-21T10:00:00Z,\n\
    529.982.247-25,email_open,2026-11-22T10:00:00Z,\n\
    +55 11 98765-4321,email_open,2026-11-23T10:00:00Z,\n\
    bia@example.com,info_request,2026-11-20T10:00:00Z,https://loja.example/camisa\n\
    (21) 99999-0000,email_open,2026-11-21T10:00:00Z,\n";
const EVENT_NEEDLE: &str = "vestido-azul-da-ana";

/// Enriches the workspace with [`MESSAGES`], [`CAMPAIGNS`] and [`EXTRAS`]; the reports.
fn enrich_all(ws: &Workspace) -> Vec<serde_json::Value> {
    [("messages", "m.csv", MESSAGES), ("campaigns", "c.csv", CAMPAIGNS), ("extras", "x.csv", EXTRAS)]
        .into_iter()
        .map(|(kind, name, text)| {
            let file = write(ws, name, text);
            ws.run_json(&["enrich", kind, &file, "--create-profiles"])["reports"][0].clone()
        })
        .collect()
}

#[test]
fn an_erased_person_leaves_every_file_stays_out_of_later_imports_and_exports() {
    let ws = Workspace::new();
    let dump = write(&ws, "crm.csv", DUMP);
    ws.import(&[dump.as_str(), "--source", "crm", "--mode", "replace"]).ok();
    for r in enrich_all(&ws) {
        assert_eq!(r["rows_suppressed"], 0, "{r:#}");
    }
    let events = write(&ws, "events.csv", EVENTS);
    let imported = ws.run_json(&["events", "import", &events]);
    assert_eq!((imported["imported"].as_u64(), imported["rows_suppressed"].as_u64()), (Some(6), Some(0)));
    ws.run(&["score", "apply", &common::fixture_arg("score/plan.toml"), "--as-of", "2026-11-30"]).ok();
    assert!(!files_containing(&ws.root, EVENT_NEEDLE).is_empty(), "the events were imported");
    ws.run(&["audiences", "create", "--name", "todos", "--where", "idade > 1"]).ok();
    let shown = ws.run_json(&["profiles", "show", "ana.souza@example.com"]);
    assert!(shown["enrichment"]["fields"].as_array().is_some_and(|f| !f.is_empty()), "{shown:#}");
    assert!(!files_containing(&ws.root, "Ana Souza").is_empty(), "the name was imported");
    for needle in ENRICH_NEEDLES {
        assert!(!files_containing(&ws.root, needle).is_empty(), "{needle} was enriched");
    }
    // Without --yes nothing happens.
    ws.run(&["profiles", "erase", "(11) 98765-4321"]).user_error(&["--yes"]);
    let out = ws.run_json(&["profiles", "erase", "(11) 98765-4321", "--yes"]);
    assert_eq!(out["records"], 3, "{out:#}");
    assert_eq!(out["rows_removed"], 4, "three records and an opt-out statement: {out:#}");
    assert_eq!(out["enrichment_rows_removed"], 7, "three messages, two events, two extras: {out:#}");
    assert_eq!(out["events_removed"], 4, "her four scoring events: {out:#}");
    assert_eq!(out["scores_removed"], 1, "her score of the applied plan: {out:#}");
    for needle in NEEDLES.into_iter().chain(ENRICH_NEEDLES).chain([EVENT_NEEDLE]) {
        assert_eq!(
            files_containing(&ws.root, needle),
            Vec::<String>::new(),
            "{needle} left in the workspace"
        );
    }
    ws.run(&["profiles", "show", "ana.souza@example.com"]).user_error(&["no profile matches"]);
    let stats = ws.run_json(&["profiles", "stats"]);
    assert_eq!(stats["identity"]["profiles"], 1);
    let erasures = ws.run_json(&["profiles", "erasures"]);
    assert_eq!(erasures[0]["records"], 3);
    // Tomorrow's dump still holds her: her rows are refused and counted, she stays out.
    let again = ws.import_full_json(&[dump.as_str(), "--source", "crm", "--mode", "replace"]);
    assert_eq!(again["imports"][0]["rows_suppressed"], 4, "{again:#}");
    // Her chats, events and extras again: refused row by row, no profile made for them.
    let reports = enrich_all(&ws);
    let counts: Vec<(u64, u64)> = reports
        .iter()
        .map(|r| (r["rows_suppressed"].as_u64().unwrap(), r["rows_new"].as_u64().unwrap()))
        .collect();
    assert_eq!(counts, [(3, 0), (2, 0), (2, 0)], "{reports:#?}");
    // Her scoring events again: refused row by row; Bia's are already stored.
    let again = ws.run_json(&["events", "import", &events]);
    assert_eq!(again["rows_suppressed"], 4, "{again:#}");
    assert_eq!((again["imported"].as_u64(), again["duplicates"].as_u64()), (Some(0), Some(2)), "{again:#}");
    let stats = ws.run_json(&["events", "stats"]);
    assert_eq!((stats["events"].as_u64(), stats["linked"].as_u64()), (Some(2), Some(2)), "{stats:#}");
    ws.run(&["profiles", "show", "ana.souza@example.com"]).user_error(&["no profile matches"]);
    let stats = ws.run_json(&["profiles", "stats"]);
    assert_eq!(stats["identity"]["profiles"], 1);
    for needle in NEEDLES.into_iter().chain(ENRICH_NEEDLES).chain([EVENT_NEEDLE]) {
        assert_eq!(files_containing(&ws.root, needle), Vec::<String>::new(), "{needle} came back");
    }
    // Bia's enrichment stays.
    let bia = ws.run_json(&["profiles", "show", "bia@example.com"]);
    let fields = bia["enrichment"]["fields"].to_string();
    assert!(fields.contains("messages_in") && fields.contains("extra.apelido"), "{bia:#}");
    let exported = ws.out_path("todos.csv");
    ws.run(&["audiences", "export", "todos", "--out", &path_arg(&exported)]).ok();
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(!text.contains("5511987654321") && text.contains("5521999990000"), "{text}");
}

#[test]
fn an_erased_persons_enriched_fields_leave_the_derived_caches_without_an_audience_refresh() {
    let ws = Workspace::new();
    let dump = write(&ws, "crm.csv", DUMP);
    ws.import(&[dump.as_str(), "--source", "crm"]).ok();
    enrich_all(&ws);
    // Filtering derives, and caches, every profile's enriched fields.
    let filter = "`extra.apelido` = \"Aninha das Flores\"";
    let found = ws.run_json(&["segment", "preview", "--where", filter, "--include-opted-out"]);
    assert_eq!(found["profiles"], 1, "{found:#}");
    assert!(!files_containing(&ws.root, "Aninha das Flores").is_empty());
    ws.run(&["profiles", "erase", "ana.souza@example.com", "--yes"]).ok();
    for needle in ENRICH_NEEDLES {
        assert_eq!(
            files_containing(&ws.root, needle),
            Vec::<String>::new(),
            "{needle} left in the workspace"
        );
    }
}
