//! Fuzz harnesses: one function per reader of untrusted input, taking raw bytes and panicking
//! only on a bug (a panic inside the reader, or a broken invariant the harness checks). The
//! AFL targets in `fuzz/` call these, and `tests/fuzz_replay.rs` runs every saved corpus file
//! and crash regression through them on each `cargo test`, so what was fuzzed stays checked.
//!
//! | target        | reader                              | checked beyond "no panic"                    |
//! |---------------|-------------------------------------|----------------------------------------------|
//! | `csv`         | `ingest` fast path and csv-core     | both give the same chunk; split = sequential |
//! | `filter`      | `segment::parse_filter` and         | prints and parses back to the same tree in   |
//! |               | `segment::Expr::from_json`          | both forms; the evaluator and its reference  |
//! |               |                                     | twin agree on a table of every column type   |
//! | `snapshot`    | `store::snapshot::from_bytes`       | a table read is whole: every value readable  |
//! | `job_toml`    | `pipeline::job::parse`              | errors name a line and column in the text    |
//! | `plan_toml`   | `score::plan::parse`                | errors name a line and column in the text    |

use crate::columns::{Bitmap, BooleanColumn, Column, ColumnData, DictionaryColumn, PrimitiveColumn, Role};
use crate::columns::{StringColumn, Table};
use crate::compute::CpuBackend;
use crate::segment::{Expr, evaluate, parse_filter, reference::evaluate_reference};
use std::path::Path;

/// A harness: raw bytes in, a panic on a bug.
pub type Harness = fn(&[u8]);

/// Every target by name (the names of the corpus folders under `fuzz/corpus/`).
pub const TARGETS: &[(&str, Harness)] = &[
    ("csv", csv),
    ("filter", filter),
    ("snapshot", snapshot),
    ("job_toml", job_toml),
    ("plan_toml", plan_toml),
];

/// The harness named `name`.
pub fn target(name: &str) -> Option<Harness> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|&(_, h)| h)
}

/// The CSV reader (see `ingest::fuzz`).
pub fn csv(data: &[u8]) {
    crate::ingest::fuzz::check(data);
}

/// The filter language, text and JSON forms (one input tried as each).
pub fn filter(data: &[u8]) {
    filter_text(data);
    filter_json(data);
}

/// The filter language's text form.
pub fn filter_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(expr) = parse_filter(text) else { return };
    check_filter(&expr);
}

/// The filter language's JSON form.
pub fn filter_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(expr) = Expr::from_json(text) else { return };
    check_filter(&expr);
}

/// Same trees, compared by their printed form where floats (NaN) defeat `==`.
fn same_tree(a: &Expr, b: &Expr) -> bool {
    a == b || format!("{a:?}") == format!("{b:?}")
}

/// Whether every `and` / `or` has two or more children (the trees the text form can write).
fn text_writable(e: &Expr) -> bool {
    match e {
        Expr::Cond(_) => true,
        Expr::Not(x) => text_writable(x),
        Expr::And(xs) | Expr::Or(xs) => xs.len() >= 2 && xs.iter().all(text_writable),
    }
}

/// A read filter survives both of its written forms, and the evaluator agrees with its
/// reference twin on a table holding every column type.
fn check_filter(expr: &Expr) {
    let json = expr.to_json();
    let back = Expr::from_json(&json).unwrap_or_else(|e| panic!("JSON form {json} does not read back: {e}"));
    assert!(same_tree(expr, &back), "JSON form {json} reads back as {back:?}, not {expr:?}");
    if text_writable(expr) {
        let text = expr.to_string();
        let back =
            parse_filter(&text).unwrap_or_else(|e| panic!("text form {text:?} does not read back: {e}"));
        assert!(same_tree(expr, &back), "text form {text:?} reads back as {back:?}, not {expr:?}");
    }
    let table = filter_table();
    let today = 20_000;
    let fast = evaluate(expr, &table, &CpuBackend, today).map(|b| b.iter_ones().collect::<Vec<_>>());
    let slow = evaluate_reference(expr, &table, today).map(|b| b.iter_ones().collect::<Vec<_>>());
    match (fast, slow) {
        (Ok(f), Ok(s)) => assert_eq!(f, s, "evaluate and evaluate_reference disagree on {expr}"),
        (Err(f), Err(s)) => assert_eq!(f.to_string(), s.to_string(), "different errors for {expr}"),
        (f, s) => panic!("evaluate gives {f:?}, evaluate_reference gives {s:?} for {expr}"),
    }
}

/// Six rows with a column of each type (fields `nome`, `cidade`, `idade`, `renda`, `desde`,
/// `ativo`), empty cells included.
fn filter_table() -> Table {
    let texts = |vals: [Option<&str>; 6]| {
        let mut c = StringColumn::default();
        for v in vals {
            c.push(v);
        }
        c
    };
    let names = texts([Some("Ana"), Some("joão Silva"), None, Some(""), Some("ÁLVARO"), Some("ana maria")]);
    let cities =
        texts([Some("São Paulo"), Some("Recife"), Some("sao paulo"), None, Some("Recife"), Some("x")]);
    let mut valid = Bitmap::new_set(6);
    valid.set(2, false);
    let col = |name: &str, data| Column { name: name.into(), role: Role::Attribute, data };
    Table::new(
        6,
        vec![
            col("nome", ColumnData::Utf8(names)),
            col("cidade", ColumnData::Dictionary(DictionaryColumn::encode(&cities))),
            col(
                "idade",
                ColumnData::Int64(PrimitiveColumn::new(vec![30, -1, 0, 45, i64::MAX, 18], valid.clone())),
            ),
            col(
                "renda",
                ColumnData::Float64(PrimitiveColumn::new(
                    vec![1.5, 0.0, -2.0, 1e300, 3.25, -0.0],
                    valid.clone(),
                )),
            ),
            col(
                "desde",
                ColumnData::Date(PrimitiveColumn::new(
                    vec![19_000, 20_000, 0, -5, 19_999, 20_001],
                    valid.clone(),
                )),
            ),
            col("ativo", ColumnData::Boolean(BooleanColumn { values: Bitmap::new_set(6), validity: valid })),
        ],
    )
}

/// The snapshot reader on bytes as they are (almost always a checksum error) and with the
/// checksum recomputed, so damaged headers and buffers reach the parser. A file read back must
/// be whole: each column as long as the table, every value readable.
pub fn snapshot(data: &[u8]) {
    let path = Path::new("fuzz.hsc");
    if let Ok((table, _)) = crate::store::snapshot::from_bytes(path, data) {
        check_whole(&table);
    }
    if data.len() >= 16 && data.starts_with(crate::store::snapshot::MAGIC) {
        let mut fixed = data.to_vec();
        let body = fixed.len() - 8;
        let sum = twox_hash::XxHash3_64::oneshot(&fixed[..body]);
        fixed[body..].copy_from_slice(&sum.to_le_bytes());
        if let Ok((table, _)) = crate::store::snapshot::from_bytes(path, &fixed) {
            check_whole(&table);
        }
    }
}

fn check_whole(table: &Table) {
    for c in table.columns() {
        assert_eq!(c.data.len(), table.rows(), "column {} has the wrong length", c.name);
        assert_eq!(c.data.validity().len(), table.rows(), "column {} has the wrong validity length", c.name);
        for i in 0..table.rows() {
            let _ = c.data.value(i).to_string();
        }
    }
}

/// The job file reader.
pub fn job_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = crate::pipeline::job::parse(Path::new("fuzz.toml"), text) {
        let _ = e.to_string();
    }
}

/// The score plan reader: a plan read back is usable, and an error points into the text.
pub fn plan_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match crate::score::plan::parse("fuzz.toml", text) {
        Ok(plan) => {
            let _ = plan.temperature_field();
            for score in [f64::MIN, -1.0, 0.0, 0.5, 50.0, 1e9, f64::NAN] {
                let _ = plan.temperature(score);
            }
        }
        Err(e) => {
            if let crate::score::ScoreError::Plan { line, column, .. } = &e {
                let lines = text.split('\n').count().max(1);
                assert!(
                    *line >= 1 && *line <= lines,
                    "error line {line} outside the text ({lines} lines): {e}"
                );
                assert!(*column >= 1, "error column {column} in {e}");
            }
            let _ = e.to_string();
        }
    }
}
