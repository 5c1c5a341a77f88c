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

#[test]
fn an_erased_person_leaves_every_file_stays_out_of_later_imports_and_exports() {
    let ws = Workspace::new();
    let dump = write(&ws, "crm.csv", DUMP);
    ws.import(&[dump.as_str(), "--source", "crm", "--mode", "replace"]).ok();
    ws.run(&["audiences", "create", "--name", "todos", "--where", "idade > 1"]).ok();
    assert!(!files_containing(&ws.root, "Ana Souza").is_empty(), "the name was imported");
    // Without --yes nothing happens.
    ws.run(&["profiles", "erase", "(11) 98765-4321"]).user_error(&["--yes"]);
    let out = ws.run_json(&["profiles", "erase", "(11) 98765-4321", "--yes"]);
    assert_eq!(out["records"], 3, "{out:#}");
    assert_eq!(out["rows_removed"], 4, "three records and an opt-out statement: {out:#}");
    for needle in NEEDLES {
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
    for needle in NEEDLES {
        assert_eq!(files_containing(&ws.root, needle), Vec::<String>::new(), "{needle} came back");
    }
    let exported = ws.out_path("todos.csv");
    ws.run(&["audiences", "export", "todos", "--out", &path_arg(&exported)]).ok();
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(!text.contains("5511987654321") && text.contains("5521999990000"), "{text}");
}
