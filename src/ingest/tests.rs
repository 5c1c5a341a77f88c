//! Property tests: a random table written as CSV (random quoting, either separator, CRLF or
//! LF) parses back to the same columns, and parallel parsing at any chunk size equals one
//! sequential pass, also on malformed input.

use super::*;
use crate::columns::Value;
use proptest::prelude::*;

fn opts(parallel: bool, chunk_bytes: usize) -> ImportOptions {
    ImportOptions {
        parallel,
        chunk_bytes: Some(chunk_bytes),
        imported_by: "test".into(),
        ..Default::default()
    }
}

fn read(bytes: &[u8], o: &ImportOptions) -> Result<Ingested, IngestError> {
    let path = Path::new("prop.csv");
    read_bytes(path, bytes, o, new_report(path, o), &|_| {})
}

/// The parts of a result that must not depend on how the input was split.
fn essence(r: Result<Ingested, IngestError>) -> Result<(Table, Vec<Rejected>, u64, u64, u64), String> {
    r.map(|i| (i.table, i.rejects, i.report.records_read, i.report.rows_opted_out, i.report.lines_read))
        .map_err(|e| e.to_string())
}

/// Text cells: a letter first (so they stay text), then anything a CSV field can hold.
fn text_cell() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        6 => "[a-zçã][a-zçã ,;\"\n\r\t0-9]{0,8}".prop_map(Some),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    texts: Vec<Vec<Option<String>>>,
    ints: Vec<Option<i64>>,
    phones: Vec<String>,
    sep: u8,
    crlf: bool,
    quote_all: bool,
    chunk: usize,
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..30, 0usize..4).prop_flat_map(|(rows, ntext)| {
        (
            prop::collection::vec(prop::collection::vec(text_cell(), rows), ntext),
            prop::collection::vec(prop::option::of(-1_000_000i64..1_000_000), rows),
            prop::collection::vec("[+]?[0-9]{2,4}( [0-9]{4})?", rows),
            prop_oneof![Just(b','), Just(b';'), Just(b'\t')],
            any::<bool>(),
            any::<bool>(),
            1usize..300,
        )
            .prop_map(|(texts, ints, phones, sep, crlf, quote_all, chunk)| Case {
                texts,
                ints,
                phones,
                sep,
                crlf,
                quote_all,
                chunk,
            })
    })
}

fn write_csv(c: &Case) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(c.sep)
        .terminator(if c.crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
        .quote_style(if c.quote_all { csv::QuoteStyle::Always } else { csv::QuoteStyle::Necessary })
        .from_writer(Vec::new());
    let mut header = vec!["phone".to_owned(), "n".to_owned()];
    header.extend((0..c.texts.len()).map(|i| format!("t{i}")));
    w.write_record(&header).unwrap();
    for r in 0..c.phones.len() {
        let mut row = vec![c.phones[r].clone(), c.ints[r].map(|v| v.to_string()).unwrap_or_default()];
        row.extend(c.texts.iter().map(|col| col[r].clone().unwrap_or_default()));
        w.write_record(&row).unwrap();
    }
    w.into_inner().unwrap()
}

/// What a written cell reads back as: trimmed, empty → none.
fn expected(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(|s| s.trim_matches(|c: char| c.is_ascii_whitespace()))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn written_tables_parse_back(c in case()) {
        let bytes = write_csv(&c);
        let got = read(&bytes, &opts(true, c.chunk)).unwrap();
        let t = &got.table;
        prop_assert_eq!(t.rows(), c.phones.len());
        prop_assert_eq!(got.rejects.len(), 0);
        let phone = t.column("phoneNumber").unwrap();
        for (r, p) in c.phones.iter().enumerate() {
            prop_assert_eq!(phone.data.value(r), Value::Text(p.as_str()));
        }
        let n = t.column("n").unwrap();
        for (r, v) in c.ints.iter().enumerate() {
            let want = match v { Some(v) => Value::Int(*v), None => Value::Null };
            prop_assert_eq!(n.data.value(r), want);
        }
        for (i, col) in c.texts.iter().enumerate() {
            let got = t.column(&format!("t{i}")).unwrap();
            for (r, v) in col.iter().enumerate() {
                let want = expected(v);
                let have = match got.data.value(r) { Value::Text(s) => Some(s.to_owned()), Value::Null => None, other => panic!("{other:?}") };
                prop_assert_eq!(have, want, "row {} col t{}", r, i);
            }
        }
        let lines = t.column(LINE_COLUMN).unwrap();
        if let Value::Int(first) = lines.data.value(0) {
            prop_assert_eq!(first, 2);
        }
    }

    #[test]
    fn parallel_equals_sequential_on_written_tables(c in case()) {
        let bytes = write_csv(&c);
        prop_assert_eq!(essence(read(&bytes, &opts(true, c.chunk))), essence(read(&bytes, &opts(false, c.chunk))));
    }

    /// Arbitrary bytes from a CSV-ish alphabet: stray quotes, ragged rows, blank lines; with
    /// quote limits small enough that quoted fields break them, so both paths must also agree
    /// on which quote they refuse and where.
    #[test]
    fn parallel_equals_sequential_on_messy_input(
        body in "[a-c0-9 ,;\t\"\r\n]{0,400}",
        sep in prop_oneof![Just(","), Just(";"), Just("\t")],
        chunk in 1usize..64,
        max_lines in prop_oneof![Just(DEFAULT_MAX_QUOTED_LINES), 1u64..5],
        max_bytes in prop_oneof![Just(DEFAULT_MAX_QUOTED_BYTES), 1u64..80],
    ) {
        let bytes = format!("phone{sep}x{sep}y\n{body}").into_bytes();
        let quotes = QuoteLimits { max_lines, max_bytes };
        let with = |parallel| ImportOptions { quotes, ..opts(parallel, chunk) };
        prop_assert_eq!(essence(read(&bytes, &with(true))), essence(read(&bytes, &with(false))));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Plain records read from structural positions give exactly what csv-core gives.
    #[test]
    fn fast_scan_equals_csv_core(
        // U+FEFF: csv-core drops a byte-order mark at the start of a fresh reader.
        body in "[a-c0-9 ,;\t\"\r\n\u{feff}]{0,300}",
        sep in prop_oneof![Just(b','), Just(b';'), Just(b'\t')],
        last in any::<bool>(),
        crlf_lines in 0usize..4,
    ) {
        // Mostly CRLF-ended plain lines, so both paths meet within one chunk.
        let mut input = body.into_bytes();
        for i in 0..crlf_lines {
            input.extend_from_slice(format!("{i}{}x\r\n", sep as char).as_bytes());
        }
        let infer = [true, true, false];
        let plans = [Some(build::Plan::Text { dictionary: false }), Some(build::Plan::Int), None];
        let ctx = |fast| parse::ParseContext {
            separator: sep, ncols: 3, phone: 0, opt_in: None, infer: &infer, cr_lines: false, fast,
            quotes: QuoteLimits { max_lines: 3, max_bytes: 40 },
        };
        let sizes = parse::Sizes::default();
        let fast = parse::parse_chunk(&input, &ctx(true), &plans, &sizes, last);
        let slow = parse::parse_chunk(&input, &ctx(false), &plans, &sizes, last);
        prop_assert_eq!(fast, slow);
    }
}

/// A cell of a column whose type is inferred: numbers in both conventions, dates, yes/no
/// words, identifiers and words, so guesses from the first rows are often wrong.
fn typed_cell() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "12",
        "-7",
        "0",
        "1.234,56",
        "723,34",
        "1,234.5",
        "0.5",
        "10/07/2023",
        "2023-07-10",
        "sim",
        "não",
        "TRUE",
        "frio",
        "",
        "",
        "007",
        "1e3",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// How much is read ahead to guess types changes nothing but speed.
    #[test]
    fn guessed_types_never_change_the_result(
        cols in prop::collection::vec(prop::collection::vec(typed_cell(), 1..40), 1..4),
        sep in prop_oneof![Just(';'), Just(',')],
        sample in 0usize..400,
        chunk in 1usize..200,
    ) {
        let rows = cols.iter().map(Vec::len).min().unwrap();
        let mut csv = format!("phone{}", (0..cols.len()).map(|j| format!("{sep}c{j}")).collect::<String>());
        for r in 0..rows {
            csv.push_str(&format!("\n{r}"));
            for col in &cols {
                // Quoted where the separator is inside the value.
                match col[r].contains(sep) {
                    true => csv.push_str(&format!("{sep}\"{}\"", col[r])),
                    false => csv.push_str(&format!("{sep}{}", col[r])),
                }
            }
        }
        let with = |sample_bytes| ImportOptions { sample_bytes: Some(sample_bytes), ..opts(true, chunk) };
        let exact = essence(read(csv.as_bytes(), &with(usize::MAX)));
        prop_assert_eq!(&essence(read(csv.as_bytes(), &with(0))), &exact);
        prop_assert_eq!(&essence(read(csv.as_bytes(), &with(sample))), &exact);
        prop_assert_eq!(&essence(read(csv.as_bytes(), &opts(false, chunk))), &exact);
    }
}

#[test]
fn quoted_newlines_keep_line_numbers() {
    let bytes = b"phone;note\r\n1;\"a\r\nb\"\r\n\r\n2;c\r\n;d\r\n3;e;f\r\n";
    let got = read(bytes, &opts(true, 3)).unwrap();
    let lines = got.table.column(LINE_COLUMN).unwrap();
    assert_eq!(lines.data.value(0), Value::Int(2));
    assert_eq!(lines.data.value(1), Value::Int(5));
    assert_eq!(got.rejects.iter().map(|r| r.line).collect::<Vec<_>>(), vec![6, 7]);
    assert_eq!(got.table.column("note").unwrap().data.value(0), Value::Text("a\r\nb"));
    assert_eq!(got.report.lines_read, 7);
}

#[test]
fn pt_br_numbers_dates_and_booleans_are_typed() {
    let bytes = "telefone;valor;quando;news;idade\n1;1.234,56;10/07/2023;sim;30\n2;723,34;2023-07-11;NÃO;\n"
        .as_bytes();
    let got = read(bytes, &opts(true, 8)).unwrap();
    let t = &got.table;
    assert_eq!(t.column("valor").unwrap().data.value(0), Value::Float(1234.56));
    assert_eq!(t.column("quando").unwrap().data.value(1).to_string(), "2023-07-11");
    assert_eq!(t.column("news").unwrap().data.value(1), Value::Bool(false));
    assert_eq!(t.column("idade").unwrap().data.value(1), Value::Null);
    assert_eq!(got.report.separator, "semicolon");
}

/// The example: a stray quote swallowed every later row into one cell and the import
/// said "success". A quoted field open at the end of the file is a file error, located where
/// the quote opened, in every parse path.
#[test]
fn stray_quote_swallows_the_rest_of_the_file() {
    let bytes = b"Telefone;Nome\n11987654321;\"Ana\n11999999999;Bia\n11988888888;Carla\n";
    for (parallel, chunk) in [(true, 1), (true, 7), (true, 1 << 20), (false, 64)] {
        match read(bytes, &opts(parallel, chunk)) {
            Err(IngestError::QuoteNeverCloses { line, column, byte, column_name, .. }) => {
                assert_eq!((line, column, byte, column_name.as_str()), (2, 2, 26, " (Nome)"));
            }
            other => panic!("{:?}", other.map(|i| i.report)),
        }
    }
    // In the header too, and the message quotes no more than a short excerpt of it.
    let header = format!("phone;\"{}", "x;".repeat(100_000));
    let err = read(header.as_bytes(), &opts(true, 64)).unwrap_err();
    assert!(matches!(err, IngestError::QuoteNeverCloses { line: 1, column: 2, .. }), "{err}");
    assert!(err.to_string().len() < 400, "{err}");
}

/// A quoted field that runs past the limits is refused where it opened, even when it closes.
#[test]
fn implausibly_long_quoted_fields_are_refused() {
    let mut bytes = b"phone;note\n1;ok\n2;\"".to_vec();
    bytes.extend(b"line\n".repeat(20));
    bytes.extend(b"\"\n3;x\n");
    let with = |max_lines, max_bytes, parallel| ImportOptions {
        quotes: QuoteLimits { max_lines, max_bytes },
        ..opts(parallel, 16)
    };
    for parallel in [true, false] {
        let err = read(&bytes, &with(10, 1 << 20, parallel)).unwrap_err();
        assert!(matches!(err, IngestError::QuotedFieldTooLong { line: 3, column: 2, byte: 18, .. }), "{err}");
        assert!(err.to_string().contains("10 lines (--max-quoted-lines)"), "{err}");
        let err = read(&bytes, &with(100, 50, parallel)).unwrap_err();
        assert!(err.to_string().contains("50 bytes (--max-quoted-bytes)"), "{err}");
        let ok = read(&bytes, &with(21, 200, parallel)).unwrap();
        assert_eq!(ok.table.rows(), 3);
    }
}

/// The documented rule: a quote inside an unquoted field is kept as a literal character
/// (csv-core's reading); only a quote that starts a field opens a quoted field.
#[test]
fn quotes_inside_unquoted_fields_are_kept_literally() {
    let bytes = "phone;name;size\n1;Ana \"Bia\" Silva;5\" tela\n2;\"Ana \"\"Bia\"\"\";x\n".as_bytes();
    for parallel in [true, false] {
        let got = read(bytes, &opts(parallel, 5)).unwrap();
        let name = got.table.column("name").unwrap();
        assert_eq!(name.data.value(0), Value::Text("Ana \"Bia\" Silva"));
        assert_eq!(name.data.value(1), Value::Text("Ana \"Bia\""));
        assert_eq!(got.table.column("size").unwrap().data.value(0), Value::Text("5\" tela"));
    }
}

#[test]
fn tab_separated_files_are_detected() {
    let bytes = b"phone\tname\tcity\n1\tAna\tRecife, PE\n2\t\"B\tC\"\tOlinda; PE\n";
    let got = read(bytes, &opts(true, 8)).unwrap();
    assert_eq!(got.report.separator, "tab");
    assert_eq!(got.table.column("name").unwrap().data.value(1), Value::Text("B\tC"));
    assert_eq!(got.table.column("city").unwrap().data.value(0), Value::Text("Recife, PE"));
    // A header holding commas and tabs is ambiguous until the separator is given.
    let bytes = b"phone\tname\tcity, state\n1\tAna\tRecife, PE\n";
    assert!(matches!(read(bytes, &opts(true, 8)), Err(IngestError::AmbiguousSeparator { .. })));
    let given = ImportOptions { separator: Some(Separator::Tab), ..opts(true, 8) };
    let got = read(bytes, &given).unwrap();
    assert_eq!(got.table.column("city, state").unwrap().data.value(0), Value::Text("Recife, PE"));
}
