//! Filter language tests: parser, JSON form, checker, evaluator against the reference.

use super::ast::{Condition, Expr, Literal, MAX_NESTING, Op};
use super::reference::evaluate_reference;
use super::*;
use crate::columns::{
    Bitmap, BooleanColumn, Column, ColumnData, DataType, DictionaryColumn, PrimitiveColumn, Role,
    StringColumn, Table, date_from_days,
};
use crate::compute::CpuBackend;
use proptest::prelude::*;

fn cond(field: &str, op: Op, value: impl Into<Literal>) -> Expr {
    Expr::Cond(Condition::new(field, op, value))
}

fn parse(input: &str) -> Expr {
    parse_filter(input).unwrap_or_else(|e| panic!("{}", e.render(input)))
}

/// The column and message of a syntax error.
fn syntax_error(input: &str) -> (usize, String) {
    match parse_filter(input) {
        Err(FilterError::Syntax { column, message }) => (column, message),
        other => panic!("{input:?} gave {other:?}, expected a syntax error"),
    }
}

// ---------------------------------------------------------------------------------------
// Parser

#[test]
fn parses_each_operator() {
    let cases: Vec<(&str, Expr)> = vec![
        (r#"city = "Recife""#, cond("city", Op::Equals, "Recife")),
        (r#"city != "Recife""#, cond("city", Op::NotEquals, "Recife")),
        (r#"city <> "Recife""#, cond("city", Op::NotEquals, "Recife")),
        ("age > 30", cond("age", Op::Gt, 30)),
        ("age >= 30", cond("age", Op::Ge, 30)),
        ("age < -1.5", cond("age", Op::Lt, -1.5)),
        ("age <= 1e3", cond("age", Op::Le, 1000.0)),
        (r#"email contains "gmail""#, cond("email", Op::Contains, "gmail")),
        (r#"email not contains "gmail""#, cond("email", Op::NotContains, "gmail")),
        (r#"name starts with "An""#, cond("name", Op::StartsWith, "An")),
        (r#"name not starts with "An""#, cond("name", Op::NotStartsWith, "An")),
        ("age between 18 and 30", Expr::Cond(Condition::between("age", 18, 30))),
        (
            r#"city in ("a", "b", "c")"#,
            Expr::Cond(Condition::one_of("city", vec!["a".into(), "b".into(), "c".into()])),
        ),
        ("age in (1, 2.5)", Expr::Cond(Condition::one_of("age", vec![1.into(), 2.5.into()]))),
        ("phone is empty", Expr::Cond(Condition::empty("phone", true))),
        ("phone is not empty", Expr::Cond(Condition::empty("phone", false))),
        ("phone not empty", Expr::Cond(Condition::empty("phone", false))),
        ("last_updated within 7 days", cond("last_updated", Op::Within, 7)),
        ("last_updated within 1 day", cond("last_updated", Op::Within, 1)),
        ("firstSeen older than 30 days", cond("firstSeen", Op::OlderThan, 30)),
        ("seen = 2024-01-31", cond("seen", Op::Equals, "2024-01-31")),
        (r#"seen >= "31/01/2024""#, cond("seen", Op::Ge, "31/01/2024")),
        ("active = true", cond("active", Op::Equals, true)),
        ("active = Não", cond("active", Op::Equals, false)),
        ("active = SIM", cond("active", Op::Equals, true)),
        ("active != no", cond("active", Op::NotEquals, false)),
    ];
    for (input, want) in cases {
        assert_eq!(parse(input), want, "{input}");
    }
}

#[test]
fn parses_exact_after_the_operator() {
    assert_eq!(parse(r#"name = exact "Ana""#), Expr::Cond(Condition::new("name", Op::Equals, "Ana").exact()));
    assert_eq!(
        parse(r#"email NOT CONTAINS EXACT "Gmail""#),
        Expr::Cond(Condition::new("email", Op::NotContains, "Gmail").exact())
    );
    assert_eq!(
        parse(r#"city in exact ("Recife")"#),
        Expr::Cond(Condition::one_of("city", vec!["Recife".into()]).exact())
    );
    let (column, message) = syntax_error(r#"exact name = "Ana""#);
    assert_eq!(column, 7);
    assert!(message.contains("expected an operator after \"exact\""), "{message}");
    let (column, message) = syntax_error(r#"name exact = "Ana""#);
    assert_eq!(column, 6);
    assert!(message.contains("after the operator"), "{message}");
}

#[test]
fn parses_the_design_example() {
    let input = r#"city = "São Paulo" and age between 18 and 30 and (leadStatus = "Não cliente" or leadStatus = "Vendas qualificadas") and email contains "gmail""#;
    let want = Expr::And(vec![
        cond("city", Op::Equals, "São Paulo"),
        Expr::Cond(Condition::between("age", 18, 30)),
        Expr::Or(vec![
            cond("leadStatus", Op::Equals, "Não cliente"),
            cond("leadStatus", Op::Equals, "Vendas qualificadas"),
        ]),
        cond("email", Op::Contains, "gmail"),
    ]);
    assert_eq!(parse(input), want);
    assert_eq!(want.to_string(), input);
}

#[test]
fn precedence_is_not_then_and_then_or() {
    let (a, b, c) = (cond("a", Op::Equals, 1), cond("b", Op::Equals, 2), cond("c", Op::Equals, 3));
    assert_eq!(
        parse("a = 1 or b = 2 and c = 3"),
        Expr::Or(vec![a.clone(), Expr::And(vec![b.clone(), c.clone()])])
    );
    assert_eq!(
        parse("a = 1 and b = 2 or c = 3"),
        Expr::Or(vec![Expr::And(vec![a.clone(), b.clone()]), c.clone()])
    );
    assert_eq!(parse("not a = 1 and b = 2"), Expr::And(vec![Expr::Not(Box::new(a.clone())), b.clone()]));
    assert_eq!(
        parse("not (a = 1 or b = 2) and c = 3"),
        Expr::And(vec![Expr::Not(Box::new(Expr::Or(vec![a.clone(), b.clone()]))), c.clone()])
    );
    assert_eq!(parse("NOT NOT a = 1"), Expr::Not(Box::new(Expr::Not(Box::new(a.clone())))));
    assert_eq!(
        parse("(a = 1 or b = 2) and c = 3"),
        Expr::And(vec![Expr::Or(vec![a.clone(), b.clone()]), c.clone()])
    );
    assert_eq!(parse("a = 1 Or b = 2 OR c = 3"), Expr::Or(vec![a.clone(), b.clone(), c.clone()]));
    // `between`'s `and` belongs to it.
    assert_eq!(
        parse("x between 1 and 2 and c = 3"),
        Expr::And(vec![Expr::Cond(Condition::between("x", 1, 2)), c.clone()])
    );
}

#[test]
fn parentheses_nest_up_to_the_limit() {
    let depth = MAX_NESTING;
    let input = format!("{}a = 1{}", "(".repeat(depth), ")".repeat(depth));
    assert_eq!(parse(&input), cond("a", Op::Equals, 1));
    let nested = parse("((a = 1 and (b = 2 or (c = 3 and not (d = 4)))))");
    assert_eq!(nested.conditions().len(), 4);
    assert_eq!(nested.to_string(), "a = 1 and (b = 2 or (c = 3 and not d = 4))");
}

/// 10,000 parentheses or 15,000 `not`s overflowed the stack; past the limit is an error with
/// a caret at the level that goes too deep.
#[test]
fn filter_nesting_overflowed_the_stack() {
    for (input, column) in [
        (format!("{}a = 1{}", "(".repeat(10_000), ")".repeat(10_000)), MAX_NESTING + 1),
        (format!("{}a = 1", "not ".repeat(15_000)), 4 * MAX_NESTING + 1),
        (format!("{}a = 1", "not ".repeat(MAX_NESTING + 1)), 4 * MAX_NESTING + 1),
    ] {
        let err = parse_filter(&input).unwrap_err();
        assert!(err.to_string().contains("nests more than 50 levels"), "{err}");
        assert_eq!(err.column(&input), Some(column));
    }
    assert_eq!(parse(&format!("{}a = 1", "not ".repeat(MAX_NESTING))).nesting(), MAX_NESTING);
    // and / or groups count in the tree even without a `not`: `(a or b and (...))`.
    let mut input = "z = 1".to_owned();
    for _ in 0..MAX_NESTING {
        input = format!("a = 1 or b = 2 and ({input})");
    }
    let err = parse_filter(&input).unwrap_err();
    assert!(err.to_string().contains("nests more than"), "{err}");
}

/// The deepest filter the text form allows is read back from its JSON form (what audiences
/// store), and deeper JSON is refused with the same limit.
#[test]
fn an_audience_filter_saved_that_cannot_be_read_back() {
    let mut input = "z = 1".to_owned();
    for _ in 0..MAX_NESTING / 2 {
        input = format!("a = 1 or b between 1 and 2 and ({input})");
    }
    let deepest = parse(&input);
    assert_eq!(deepest.nesting(), MAX_NESTING);
    assert_eq!(Expr::from_json(&deepest.to_json()).unwrap(), deepest);
    let nots = parse(&format!("{}a between 1 and 2", "not ".repeat(MAX_NESTING)));
    assert_eq!(Expr::from_json(&nots.to_json()).unwrap(), nots);
    let deeper = Expr::Not(Box::new(nots));
    let err = Expr::from_json(&deeper.to_json()).unwrap_err();
    assert!(err.to_string().contains("nests more than 50 levels"), "{err}");
    let json =
        format!("{}{{\"field\":\"a\",\"op\":\"is_empty\"}}{}", "{\"not\":".repeat(200), "}".repeat(200));
    let err = Expr::from_json(&json).unwrap_err();
    assert!(err.to_string().contains("nests more than 50 levels"), "{err}");
}

#[test]
fn quoting_names_and_values() {
    assert_eq!(parse(r#"`Último canal` = "WhatsApp""#), cond("Último canal", Op::Equals, "WhatsApp"));
    assert_eq!(parse(r#"situação = "ok""#), cond("situação", Op::Equals, "ok"));
    assert_eq!(parse(r#"_x9 = "ok""#), cond("_x9", Op::Equals, "ok"));
    assert_eq!(parse(r#"note = "say \"hi\" \\ \n""#), cond("note", Op::Equals, r#"say "hi" \ \n"#));
    assert_eq!(parse(r#"`a\`b` = """#), cond("a`b", Op::Equals, ""));
    // A field named like a keyword, in backquotes.
    assert_eq!(parse(r#"`and` = "x""#), cond("and", Op::Equals, "x"));
    // Keywords other than and/or/not can be field names.
    assert_eq!(parse("days > 3"), cond("days", Op::Gt, 3));
    // No spaces are needed around symbols.
    assert_eq!(
        parse(r#"(a="x")and(b>=2)"#),
        Expr::And(vec![cond("a", Op::Equals, "x"), cond("b", Op::Ge, 2)])
    );
    // Tabs and newlines are white space.
    assert_eq!(
        parse("a = 1\tand\nb = 2"),
        Expr::And(vec![cond("a", Op::Equals, 1), cond("b", Op::Equals, 2)])
    );
}

#[test]
fn display_reads_back_to_the_same_tree() {
    for input in [
        r#"`Último canal` = "x" and not (a = 1 or b != "y")"#,
        r#"a in exact ("x", "y\"z") or b is empty or c is not empty"#,
        "a between -1.5 and 2.0 and d within 0 days and e older than 365 days",
        "not not a = true and (b = 1 and c = 2)",
        r#"`a b` not starts with "x" or `or` contains exact "\\""#,
    ] {
        let e = parse(input);
        assert_eq!(parse(&e.to_string()), e, "{input} -> {e}");
    }
}

#[test]
fn syntax_errors_point_at_the_column() {
    let cases = [
        ("", 1, "empty filter"),
        ("   ", 4, "empty filter"),
        ("city = ", 8, "expected a value after '='"),
        (r#"city = "x" and age ="#, 21, "expected a value after '='"),
        ("city = Recife", 8, "put text in double quotes: \"Recife\""),
        (r#"city "x""#, 6, "expected an operator after \"city\""),
        (r#""city" = 1"#, 1, "expected a field name"),
        ("a = 1 and", 10, "expected a field name after 'and'"),
        ("a = 1 and or b = 2", 11, "expected a field name after 'and', found 'or'"),
        ("a = 1 b = 2", 7, "expected 'and', 'or' or the end"),
        ("(a = 1", 7, "expected ')' to close the '(' at column 1"),
        ("a = 1)", 6, "unmatched ')'"),
        (r#"a = "abc"#, 5, "unclosed text"),
        ("`a b = 1", 1, "unclosed field name"),
        ("a == 1", 3, "'==' is written '='"),
        ("a ! 1", 3, "'!='"),
        ("a = 1 # x", 7, "unexpected character '#'"),
        ("a between 1 or 2", 13, "expected 'and' after the first value of 'between'"),
        ("a in 1", 6, "expected '(' after 'in'"),
        ("a in (1 2)", 9, "expected ',' or ')'"),
        ("a in ()", 7, "expected a value after '('"),
        ("a is full", 6, "expected 'empty' after 'is'"),
        ("a is not full", 10, "expected 'empty' after 'is not'"),
        ("a not in (1)", 7, "'not in' is not supported"),
        ("a not equal 1", 7, "expected 'contains', 'starts with' or 'empty' after 'not'"),
        ("a starts \"x\"", 10, "expected 'with' after 'starts'"),
        ("d within 7", 11, "expected 'days'"),
        ("d within -7 days", 10, "whole number of days"),
        ("d within 1.5 days", 10, "whole number of days"),
        ("d older 7 days", 9, "expected 'than' after 'older'"),
        ("d = 2024-1-5", 5, "malformed date"),
        ("São = \"x\" and ç ~ 1", 17, "unexpected character '~'"),
    ];
    for (input, column, message) in cases {
        let (got_column, got_message) = syntax_error(input);
        assert_eq!(got_column, column, "{input:?}: {got_message}");
        assert!(got_message.contains(message), "{input:?}: {got_message:?} lacks {message:?}");
    }
}

#[test]
fn render_shows_the_line_and_a_caret() {
    let input = r#"city = "x" and age = and b = 1"#;
    let err = parse_filter(input).unwrap_err();
    let rendered = err.render(input);
    let lines: Vec<&str> = rendered.lines().collect();
    assert!(lines[0].starts_with("syntax error at column 22: expected a value after '='"), "{rendered}");
    assert_eq!(lines[1], input);
    assert_eq!(lines[2], format!("{}^", " ".repeat(21)));
    // Columns count characters, not bytes.
    let input = "cidade = \"São\" and ção";
    let rendered = parse_filter(input).unwrap_err().render(input);
    assert!(rendered.starts_with("syntax error at column 23:"), "{rendered}");
    assert!(rendered.ends_with(&format!("\n{input}\n{}^", " ".repeat(22))), "{rendered}");
    // Tabs are kept in the caret line so it lines up.
    let input = "a = 1\tb";
    assert!(parse_filter(input).unwrap_err().render(input).ends_with("\na = 1\tb\n     \t^"));
}

// ---------------------------------------------------------------------------------------
// JSON form

#[test]
fn json_round_trips() {
    for input in [
        r#"city = "São Paulo" and age between 18 and 30 and (leadStatus = "Não cliente" or leadStatus = "Vendas qualificadas") and email contains "gmail""#,
        r#"not (a = exact "X" or b in (1, 2.5, "3")) and c is empty and d within 7 days and e = false"#,
        "a = 1.0 and b = -0.5 and c = 9223372036854775807",
    ] {
        let e = parse(input);
        let json = e.to_json();
        assert_eq!(Expr::from_json(&json).unwrap(), e, "{json}");
    }
}

#[test]
fn json_shape_is_documented_shape() {
    let json = r#"{"and": [
      {"field": "city", "op": "equals", "value": "São Paulo"},
      {"field": "age", "op": "between", "value": [18, 30]},
      {"or": [
        {"field": "leadStatus", "op": "equals", "value": "Não cliente"},
        {"field": "leadStatus", "op": "in", "value": ["Vendas qualificadas", "Cliente"]}
      ]},
      {"not": {"field": "email", "op": "contains", "value": "Gmail", "exact": true}},
      {"field": "last_updated", "op": "within", "value": 7},
      {"field": "phone", "op": "is_not_empty"}
    ]}"#;
    let want = parse(
        r#"city = "São Paulo" and age between 18 and 30
           and (leadStatus = "Não cliente" or leadStatus in ("Vendas qualificadas", "Cliente"))
           and not email contains exact "Gmail" and last_updated within 7 days and phone is not empty"#,
    );
    assert_eq!(Expr::from_json(json).unwrap(), want);
    let compact = cond("age", Op::Ge, 18).to_json();
    assert_eq!(compact, r#"{"field":"age","op":"ge","value":18}"#);
    assert_eq!(Expr::Cond(Condition::empty("x", true)).to_json(), r#"{"field":"x","op":"is_empty"}"#);
    assert_eq!(
        Expr::from_json(r#"{"field":"x","op":"is_empty","value":null}"#).unwrap(),
        Expr::Cond(Condition::empty("x", true))
    );
}

#[test]
fn json_errors_are_filter_errors() {
    for bad in
        [r#"{"field":"x","op":"like","value":"a"}"#, r#"{"field":"x","op":"equals","valeu":1}"#, "[", "{}"]
    {
        let err = Expr::from_json(bad).unwrap_err();
        assert!(matches!(err, FilterError::Json(_)), "{bad}: {err:?}");
        assert_eq!(err.render(bad), err.to_string());
    }
}

// ---------------------------------------------------------------------------------------
// Checker

fn schema() -> Vec<(&'static str, DataType)> {
    vec![
        ("city", DataType::Dictionary),
        ("Cidade", DataType::Utf8),
        ("email", DataType::Utf8),
        ("age", DataType::Int64),
        ("score", DataType::Float64),
        ("last_updated", DataType::Date),
        ("active", DataType::Boolean),
        ("leadStatus", DataType::Dictionary),
        ("Situação", DataType::Utf8),
    ]
}

fn check_str(input: &str) -> Result<(), FilterError> {
    check(&parse(input), &schema())
}

#[test]
fn field_names_match_case_and_accent_insensitively() {
    for input in [
        r#"CIDADE = "x""#,
        r#"cidade = "x""#,
        r#"situacao = "x""#,
        r#"SITUAÇÃO = "x""#,
        r#"leadstatus = "x""#,
        "Last_Updated within 3 days",
    ] {
        assert_eq!(check_str(input), Ok(()), "{input}");
    }
}

#[test]
fn unknown_fields_suggest_the_nearest_names() {
    let err = check_str(r#"cty = "x""#).unwrap_err();
    assert_eq!(err.to_string(), r#"unknown field "cty"; did you mean "city"?"#);
    let FilterError::UnknownField { suggestions, .. } = check_str(r#"emial = "x""#).unwrap_err() else {
        panic!()
    };
    assert_eq!(suggestions, vec!["email"]);
    let FilterError::UnknownField { suggestions, .. } = check_str(r#"status = "x""#).unwrap_err() else {
        panic!()
    };
    assert_eq!(suggestions, vec!["leadStatus"]);
    let FilterError::UnknownField { suggestions, .. } = check_str(r#"cidad = "x""#).unwrap_err() else {
        panic!()
    };
    // The canonical field imported from `Cidade` headers ranks first.
    assert_eq!(suggestions, vec!["city", "Cidade"]);
    let err = check_str(r#"zzzzzzzz = "x""#).unwrap_err();
    assert_eq!(err.to_string(), r#"unknown field "zzzzzzzz""#);
    // At most three suggestions.
    let many: Vec<(String, DataType)> = (0..6).map(|i| (format!("ab{i}"), DataType::Utf8)).collect();
    let FilterError::UnknownField { suggestions, .. } = check(&parse(r#"ab = "x""#), &many).unwrap_err()
    else {
        panic!()
    };
    assert_eq!(suggestions, vec!["ab0", "ab1", "ab2"]);
    let err = check(&parse(r#"ab = "x""#), &many).unwrap_err();
    assert!(err.to_string().ends_with(r#"did you mean "ab0", "ab1" or "ab2"?"#), "{err}");
}

#[test]
fn operators_must_fit_the_field_type() {
    let cases = [
        (r#"age contains "1""#, "'contains' does not apply to \"age\", which is integer"),
        (r#"city > "a""#, "'>' does not apply to \"city\", which is text"),
        ("age within 7 days", "'within' does not apply to \"age\", which is integer"),
        (r#"email older than 7 days"#, "'older than' does not apply to \"email\", which is text"),
        ("active > true", "'>' does not apply to \"active\", which is boolean"),
        (r#"active contains "x""#, "'contains' does not apply to \"active\", which is boolean"),
        (r#"last_updated starts with "2024""#, "which is date"),
        (r#"score between "a" and "b""#, "\"a\" is not a number"),
    ];
    for (input, message) in cases {
        let err = check_str(input).unwrap_err();
        assert!(err.to_string().contains(message), "{input}: {err}");
    }
    let err = check_str(r#"age contains "1""#).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("integer fields take =, !=, >, >=, <, <=, between, in, is empty, is not empty")
    );
}

#[test]
fn values_must_fit_the_field_type() {
    let cases = [
        (r#"age > "abc""#, "bad value for \"age\" (integer): \"abc\" is not a number"),
        ("age = true", "true is not a number"),
        (r#"last_updated = "31/02/2024""#, "\"31/02/2024\" is not a date"),
        ("last_updated > 5", "5 is not a date"),
        (r#"active = "talvez""#, "\"talvez\" is not a yes/no value"),
        ("city = 30", "30 is not text; put text values in double quotes: \"30\""),
        ("city in (\"a\", true)", "true is not text"),
        ("age = exact 3", "'exact' applies to text fields only"),
    ];
    for (input, message) in cases {
        let err = check_str(input).unwrap_err();
        assert!(err.to_string().contains(message), "{input}: {err}");
    }
    // Values that do fit.
    for input in [
        r#"age > "30""#,
        "age > 29.5",
        "score = 3",
        r#"last_updated = "31/01/2024""#,
        "last_updated between 2024-01-01 and \"31/12/2024\"",
        r#"active = "Não""#,
        "active in (sim, no)",
        "active is empty",
        "score is not empty",
    ] {
        assert_eq!(check_str(input), Ok(()), "{input}");
    }
}

#[test]
fn operand_shapes_from_json_are_checked() {
    let cases = [
        r#"{"field":"age","op":"between","value":[1]}"#,
        r#"{"field":"age","op":"between","value":1}"#,
        r#"{"field":"age","op":"in","value":[]}"#,
        r#"{"field":"age","op":"equals"}"#,
        r#"{"field":"age","op":"equals","value":[1,2]}"#,
        r#"{"field":"age","op":"is_empty","value":1}"#,
        r#"{"field":"last_updated","op":"within","value":-1}"#,
        r#"{"field":"last_updated","op":"within","value":1.5}"#,
    ];
    for json in cases {
        let err = check(&Expr::from_json(json).unwrap(), &schema()).unwrap_err();
        assert!(matches!(err, FilterError::Value { .. }), "{json}: {err:?}");
        // JSON has no columns: the message alone.
        assert_eq!(err.render(json), err.to_string());
    }
}

#[test]
fn check_errors_render_with_a_caret_at_the_condition() {
    let input = r#"city = "x" and (age > 3 or emial contains "g")"#;
    let err = check_str(input).unwrap_err();
    assert!(matches!(err, FilterError::UnknownField { at: 2, .. }));
    assert_eq!(err.render(input), format!("filter error at column 28: {err}\n{input}\n{}^", " ".repeat(27)));
    let input = r#"city = "x" and age contains "3""#;
    assert_eq!(check_str(input).unwrap_err().column(input), Some(20));
    let input = r#"city = "x" and age between 1 and "z""#;
    // A bad value points at the condition's first value.
    assert_eq!(check_str(input).unwrap_err().column(input), Some(28));
}

// ---------------------------------------------------------------------------------------
// Evaluator on hand-made tables

fn text_column(values: &[Option<&str>]) -> StringColumn {
    let mut c = StringColumn::default();
    for v in values {
        c.push(*v);
    }
    c
}

fn validity_of<T>(values: &[Option<T>]) -> Bitmap {
    let mut b = Bitmap::with_capacity(values.len());
    for v in values {
        b.push(v.is_some());
    }
    b
}

fn primitive<T: Copy + Default>(values: &[Option<T>]) -> PrimitiveColumn<T> {
    PrimitiveColumn::new(values.iter().map(|v| v.unwrap_or_default()).collect(), validity_of(values))
}

fn boolean_column(values: &[Option<bool>]) -> BooleanColumn {
    let mut bits = Bitmap::with_capacity(values.len());
    for v in values {
        bits.push(v.unwrap_or(false));
    }
    BooleanColumn { values: bits, validity: validity_of(values) }
}

fn table(columns: Vec<(&str, ColumnData)>) -> Table {
    let rows = columns.first().map_or(0, |c| c.1.len());
    Table::new(
        rows,
        columns
            .into_iter()
            .map(|(name, data)| Column { name: name.to_owned(), role: Role::Attribute, data })
            .collect(),
    )
}

const TODAY: i32 = 19_800; // 2024-03-18

fn iso(days: i32) -> String {
    date_from_days(days).unwrap().format("%Y-%m-%d").to_string()
}

/// A small table; `cities` is plain text, `town` the same values dictionary-encoded.
fn sample() -> Table {
    let cities = [
        Some("São Paulo"),
        Some("sao paulo"),
        Some("SAO PAULO"),
        None,
        Some("Recife"),
        Some(""),
        Some("São Bernardo"),
    ];
    let plain = text_column(&cities);
    let dict = DictionaryColumn::encode(&plain);
    table(vec![
        ("cities", ColumnData::Utf8(plain)),
        ("town", ColumnData::Dictionary(dict)),
        (
            "age",
            ColumnData::Int64(primitive(&[Some(18), Some(30), Some(31), Some(5), None, Some(-2), Some(30)])),
        ),
        (
            "score",
            ColumnData::Float64(primitive(&[
                Some(1.5),
                Some(f64::NAN),
                None,
                Some(30.0),
                Some(-0.0),
                Some(2.0),
                Some(7.25),
            ])),
        ),
        (
            "seen",
            ColumnData::Date(primitive(&[
                Some(TODAY),
                Some(TODAY - 7),
                Some(TODAY - 8),
                Some(TODAY + 1),
                None,
                Some(TODAY - 400),
                Some(0),
            ])),
        ),
        (
            "active",
            ColumnData::Boolean(boolean_column(&[
                Some(true),
                Some(false),
                None,
                Some(true),
                Some(false),
                None,
                Some(true),
            ])),
        ),
    ])
}

/// Rows selected by `input` on the sample, checked against the reference.
fn rows(input: &str) -> Vec<usize> {
    let t = sample();
    let e = parse(input);
    let got = evaluate(&e, &t, &CpuBackend, TODAY).unwrap_or_else(|err| panic!("{}", err.render(input)));
    assert_eq!(got, evaluate_reference(&e, &t, TODAY).unwrap(), "{input}");
    got.iter_ones().collect()
}

/// `rows` for the same condition on the plain and the dictionary column; both must agree.
fn text_rows(condition: &str) -> Vec<usize> {
    let plain = rows(&format!("cities {condition}"));
    let dict = rows(&format!("town {condition}"));
    assert_eq!(plain, dict, "plain and dictionary text differ on {condition}");
    plain
}

#[test]
fn text_is_case_and_accent_insensitive_unless_exact() {
    assert_eq!(text_rows(r#"= "sao paulo""#), vec![0, 1, 2]);
    assert_eq!(text_rows(r#"= "SÃO PAULO""#), vec![0, 1, 2]);
    assert_eq!(text_rows(r#"= exact "São Paulo""#), vec![0]);
    assert_eq!(text_rows(r#"= exact "sao paulo""#), vec![1]);
    assert_eq!(text_rows(r#"contains "PAULO""#), vec![0, 1, 2]);
    assert_eq!(text_rows(r#"contains exact "Paulo""#), vec![0]);
    assert_eq!(text_rows(r#"starts with "sã""#), vec![0, 1, 2, 6]);
    assert_eq!(text_rows(r#"starts with exact "Sã""#), vec![0, 6]);
    assert_eq!(text_rows(r#"in ("recife", "são bernardo")"#), vec![4, 6]);
    assert_eq!(text_rows(r#"in exact ("recife", "Recife")"#), vec![4]);
    assert_eq!(text_rows(r#"contains """#), vec![0, 1, 2, 4, 5, 6]);
    assert_eq!(text_rows(r#"= """#), vec![5]);
}

#[test]
fn empty_values_fail_every_condition_but_is_empty() {
    // Row 3 has no city.
    assert_eq!(text_rows("is empty"), vec![3]);
    assert_eq!(text_rows("is not empty"), vec![0, 1, 2, 4, 5, 6]);
    assert_eq!(text_rows(r#"!= "recife""#), vec![0, 1, 2, 5, 6]);
    assert_eq!(text_rows(r#"not contains "paulo""#), vec![4, 5, 6]);
    assert_eq!(text_rows(r#"not starts with "s""#), vec![4, 5]);
    // `not (...)` is a plain complement: it selects the empty row.
    assert_eq!(rows(r#"not (cities = "recife")"#), vec![0, 1, 2, 3, 5, 6]);
    assert_eq!(rows("age != 30"), vec![0, 2, 3, 5]);
    assert_eq!(rows("not age = 30"), vec![0, 2, 3, 4, 5]);
    assert_eq!(rows("active != true"), vec![1, 4]);
    assert_eq!(rows("seen is empty or age is empty"), vec![4]);
}

#[test]
fn numbers_compare_across_integer_and_decimal() {
    assert_eq!(rows("age between 18 and 30"), vec![0, 1, 6]);
    assert_eq!(rows("age > 30.5"), vec![2]);
    assert_eq!(rows("age > 29.5"), vec![1, 2, 6]);
    assert_eq!(rows("age >= 30.0"), vec![1, 2, 6]);
    assert_eq!(rows("age = 30.0"), vec![1, 6]);
    assert_eq!(rows("age = 30.5"), Vec::<usize>::new());
    assert_eq!(rows("age between 17.5 and 30"), vec![0, 1, 6]);
    assert_eq!(rows(r#"age in (5, "-2", 31.0)"#), vec![2, 3, 5]);
    assert_eq!(rows("age < 0"), vec![5]);
    assert_eq!(rows("score = 30"), vec![3]);
    assert_eq!(rows("score > 1"), vec![0, 3, 5, 6]);
    assert_eq!(rows("score = 0"), vec![4]);
    // NaN is a value: it is unequal to everything and in no range.
    assert_eq!(rows("score != 2"), vec![0, 1, 3, 4, 6]);
    assert_eq!(rows("score between -100 and 100"), vec![0, 3, 4, 5, 6]);
}

#[test]
fn dates_compare_with_literals_and_today() {
    assert_eq!(rows("seen within 7 days"), vec![0, 1]);
    assert_eq!(rows("seen within 0 days"), vec![0]);
    assert_eq!(rows("seen older than 7 days"), vec![2, 5, 6]);
    assert_eq!(rows(&format!("seen = {}", iso(TODAY))), vec![0]);
    assert_eq!(rows(r#"seen = "18/03/2024""#), vec![0]);
    assert_eq!(rows("seen < 1970-01-02"), vec![6]);
    assert_eq!(rows(&format!("seen between {} and {}", iso(TODAY - 8), iso(TODAY + 1))), vec![0, 1, 2, 3]);
    assert_eq!(rows(r#"seen in (1970-01-01, "19/03/2024")"#), vec![3, 6]);
    // Far past: no overflow.
    assert_eq!(rows("seen within 4294967295 days"), vec![0, 1, 2, 5, 6]);
    assert_eq!(rows("seen older than 4294967295 days"), Vec::<usize>::new());
}

#[test]
fn booleans_take_yes_no_words() {
    assert_eq!(rows("active = true"), vec![0, 3, 6]);
    assert_eq!(rows("active = sim"), vec![0, 3, 6]);
    assert_eq!(rows(r#"active = "Não""#), vec![1, 4]);
    assert_eq!(rows("active = no"), vec![1, 4]);
    assert_eq!(rows("active in (yes, false)"), vec![0, 1, 3, 4, 6]);
    assert_eq!(rows("active is empty"), vec![2, 5]);
}

#[test]
fn combinations_and_field_folding() {
    assert_eq!(rows(r#"TOWN = "sao paulo" and AGE > 18"#), vec![1, 2]);
    assert_eq!(rows(r#"town = "recife" or age = -2 or active = false"#), vec![1, 4, 5]);
    assert_eq!(rows(r#"not (town contains "paulo" or age < 18)"#), vec![4, 6]);
    assert_eq!(rows(r#"age > 100 and town = "x""#), Vec::<usize>::new());
}

#[test]
fn evaluate_reports_check_errors() {
    let t = sample();
    let err = evaluate(&parse(r#"towm = "x""#), &t, &CpuBackend, TODAY).unwrap_err();
    assert_eq!(err.to_string(), r#"unknown field "towm"; did you mean "town"?"#);
}

#[test]
fn empty_table_gives_an_empty_selection() {
    let t = table(vec![
        ("a", ColumnData::Utf8(StringColumn::default())),
        ("n", ColumnData::Int64(primitive(&[]))),
    ]);
    for input in [r#"a = "x""#, "n > 1", "not a is empty", "a is empty or n = 1"] {
        let got = evaluate(&parse(input), &t, &CpuBackend, TODAY).unwrap();
        assert_eq!(got.len(), 0, "{input}");
    }
}

#[test]
fn many_rows_cross_word_and_task_edges() {
    // 1000 rows: several 64-row words and (in debug builds) several rayon tasks.
    let values: Vec<Option<&str>> = (0..1000)
        .map(|i| if i % 7 == 0 { None } else { Some(["São Paulo", "Recife", "Olinda"][i % 3]) })
        .collect();
    let plain = text_column(&values);
    let dict = DictionaryColumn::encode(&plain);
    let ages: Vec<Option<i64>> =
        (0..1000).map(|i| if i % 5 == 0 { None } else { Some(i as i64 % 90) }).collect();
    let t = table(vec![
        ("city", ColumnData::Utf8(plain)),
        ("town", ColumnData::Dictionary(dict)),
        ("age", ColumnData::Int64(primitive(&ages))),
    ]);
    for input in [
        r#"city = "sao paulo" and age between 18 and 30"#,
        r#"town != "recife" or not age > 40"#,
        r#"city contains "i" and town is not empty"#,
    ] {
        let e = parse(input);
        let got = evaluate(&e, &t, &CpuBackend, TODAY).unwrap();
        assert_eq!(got, evaluate_reference(&e, &t, TODAY).unwrap(), "{input}");
    }
    let same_on_both = |op: &str| {
        let a = evaluate(&parse(&format!("city {op}")), &t, &CpuBackend, TODAY).unwrap();
        let b = evaluate(&parse(&format!("town {op}")), &t, &CpuBackend, TODAY).unwrap();
        assert_eq!(a, b, "{op}");
    };
    same_on_both(r#"= "SÃO PAULO""#);
    same_on_both(r#"not starts with "o""#);
}

// ---------------------------------------------------------------------------------------
// Property: the columnar evaluator equals the row-by-row reference

/// Texts with case and accent variants, and needles that hit them.
const TEXTS: [&str; 7] = ["São Paulo", "sao paulo", "SAO PAULO", "Recife", "", "Ñandú", "são"];
const NEEDLES: [&str; 9] = ["são paulo", "SAO", "paulo", "Recife", "", "nandu", "Ñ", "são", "x"];

#[derive(Clone, Debug)]
struct Row {
    age: Option<i64>,
    score: Option<f64>,
    seen: Option<i32>,
    active: Option<bool>,
    city: Option<&'static str>,
    status: Option<&'static str>,
}

fn maybe<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Option<T>> {
    prop_oneof![1 => Just(None), 6 => s.prop_map(Some)].boxed()
}

fn row() -> impl Strategy<Value = Row> {
    let age = prop_oneof![10 => -3i64..40, 1 => Just(i64::MAX), 1 => Just(i64::MIN)];
    let score = prop_oneof![10 => (-6i32..80).prop_map(|v| f64::from(v) / 2.0), 1 => Just(f64::NAN)];
    (
        maybe(age),
        maybe(score),
        maybe(TODAY - 40..TODAY + 5),
        maybe(any::<bool>()),
        maybe(prop::sample::select(&TEXTS[..])),
        maybe(prop::sample::select(&TEXTS[..])),
    )
        .prop_map(|(age, score, seen, active, city, status)| Row {
            age,
            score,
            seen,
            active,
            city,
            status,
        })
}

/// The rows as a table; `city_as_dictionary` swaps which of the two text columns is the
/// dictionary one.
fn row_table(rows: &[Row], city_as_dictionary: bool) -> Table {
    let city = text_column(&rows.iter().map(|r| r.city).collect::<Vec<_>>());
    let status = text_column(&rows.iter().map(|r| r.status).collect::<Vec<_>>());
    let (city, status) = if city_as_dictionary {
        (ColumnData::Dictionary(DictionaryColumn::encode(&city)), ColumnData::Utf8(status))
    } else {
        (ColumnData::Utf8(city), ColumnData::Dictionary(DictionaryColumn::encode(&status)))
    };
    table(vec![
        ("age", ColumnData::Int64(primitive(&rows.iter().map(|r| r.age).collect::<Vec<_>>()))),
        ("score", ColumnData::Float64(primitive(&rows.iter().map(|r| r.score).collect::<Vec<_>>()))),
        ("seen", ColumnData::Date(primitive(&rows.iter().map(|r| r.seen).collect::<Vec<_>>()))),
        ("active", ColumnData::Boolean(boolean_column(&rows.iter().map(|r| r.active).collect::<Vec<_>>()))),
        ("city", city),
        ("Status", status),
    ])
}

fn number_literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        4 => (-4i64..42).prop_map(Literal::Int),
        2 => (-8i32..84).prop_map(|v| Literal::Float(f64::from(v) / 2.0)),
        1 => (-4i64..42).prop_map(|v| Literal::Text(v.to_string())),
        1 => Just(Literal::Int(i64::MAX)),
    ]
}

fn date_literal() -> impl Strategy<Value = Literal> {
    (TODAY - 45..TODAY + 8, any::<bool>()).prop_map(|(d, iso_form)| {
        let date = date_from_days(d).unwrap();
        Literal::Text(if iso_form { iso(d) } else { date.format("%d/%m/%Y").to_string() })
    })
}

fn bool_literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        any::<bool>().prop_map(Literal::Bool),
        prop::sample::select(&["sim", "Não", "yes", "no"][..]).prop_map(Literal::from),
    ]
}

fn text_literal() -> impl Strategy<Value = Literal> {
    prop::sample::select(&NEEDLES[..]).prop_map(Literal::from)
}

/// A condition with operator and value of `field`'s kind.
fn ordered_condition(
    field: &'static str,
    lit: BoxedStrategy<Literal>,
    extra: Vec<Op>,
) -> BoxedStrategy<Condition> {
    let mut ops = vec![Op::Equals, Op::NotEquals, Op::Gt, Op::Ge, Op::Lt, Op::Le];
    ops.extend(extra);
    prop_oneof![
        3 => (prop::sample::select(ops), lit.clone()).prop_map(move |(op, v)| Condition::new(field, op, v)),
        1 => (lit.clone(), lit.clone()).prop_map(move |(a, b)| Condition::between(field, a, b)),
        1 => prop::collection::vec(lit, 1..4).prop_map(move |vs| Condition::one_of(field, vs)),
    ]
    .boxed()
}

fn condition() -> impl Strategy<Value = Condition> {
    let field =
        prop::sample::select(&["age", "score", "seen", "active", "city", "Status", "CITY", "status"][..]);
    let text_op = prop::sample::select(
        &[Op::Equals, Op::NotEquals, Op::Contains, Op::NotContains, Op::StartsWith, Op::NotStartsWith][..],
    );
    let text_field = prop::sample::select(&["city", "Status", "CITY", "status"][..]);
    prop_oneof![
        2 => ordered_condition("age", number_literal().boxed(), vec![]),
        2 => ordered_condition("score", number_literal().boxed(), vec![]),
        2 => ordered_condition("seen", date_literal().boxed(), vec![]),
        1 => (prop::sample::select(&[Op::Within, Op::OlderThan][..]), 0i64..50)
            .prop_map(|(op, n)| Condition::new("seen", op, n)),
        2 => (prop::sample::select(&[Op::Equals, Op::NotEquals][..]), bool_literal())
            .prop_map(|(op, v)| Condition::new("active", op, v)),
        1 => prop::collection::vec(bool_literal(), 1..3).prop_map(|vs| Condition::one_of("active", vs)),
        5 => (text_field.clone(), text_op, text_literal(), any::<bool>()).prop_map(|(f, op, v, exact)| Condition {
            exact,
            ..Condition::new(f, op, v)
        }),
        2 => (text_field, prop::collection::vec(text_literal(), 1..4), any::<bool>())
            .prop_map(|(f, vs, exact)| Condition { exact, ..Condition::one_of(f, vs) }),
        1 => (field, any::<bool>()).prop_map(|(f, empty)| Condition::empty(f, empty)),
    ]
}

fn filter() -> impl Strategy<Value = Expr> {
    condition().prop_map(Expr::Cond).prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
            inner.prop_map(|e| Expr::Not(Box::new(e))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whole filters on the GPU (when an adapter opens) select what the CPU selects.
    #[test]
    fn gpu_evaluation_equals_cpu(rows in prop::collection::vec(row(), 0..150), expr in filter()) {
        if let Some(gpu) = crate::compute::gpu::test_gpu() {
            let t = row_table(&rows, true);
            let cpu = evaluate(&expr, &t, &CpuBackend, TODAY).unwrap();
            prop_assert_eq!(&evaluate(&expr, &t, gpu, TODAY).unwrap(), &cpu, "{}", expr);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn columnar_equals_reference(rows in prop::collection::vec(row(), 0..150), expr in filter()) {
        for city_as_dictionary in [false, true] {
            let t = row_table(&rows, city_as_dictionary);
            let got = evaluate(&expr, &t, &CpuBackend, TODAY).unwrap();
            let want = evaluate_reference(&expr, &t, TODAY).unwrap();
            prop_assert_eq!(&got, &want, "{} (city as dictionary: {})", expr, city_as_dictionary);
        }
    }

    #[test]
    fn text_and_json_forms_round_trip(expr in filter()) {
        let text = expr.to_string();
        prop_assert_eq!(&parse_filter(&text).unwrap(), &expr, "{}", text);
        let json = expr.to_json();
        prop_assert_eq!(&Expr::from_json(&json).unwrap(), &expr, "{}", json);
    }
}

/// After importing a `Cidade` header, `Cidade = "Recife"` failed with `did you mean "idade"?`.
#[test]
fn a_field_under_the_name_the_user_gave_it() {
    let schema =
        [("city", DataType::Dictionary), ("idade", DataType::Int64), ("phoneNumber", DataType::Utf8)];
    check(&parse(r#"Cidade = "Recife" and Telefone is not empty and idade > 1"#), &schema).unwrap();
    match check(&parse(r#"Cidadee = "Recife""#), &schema).unwrap_err() {
        FilterError::UnknownField { suggestions, .. } => assert_eq!(suggestions, ["city", "idade"]),
        other => panic!("{other}"),
    }
    // A column spelled like the header wins over the canonical field.
    let with_attr = [("city", DataType::Dictionary), ("Cidade", DataType::Utf8)];
    let checked = super::check::resolve_field("cidade", &with_attr);
    assert_eq!(checked, Some(1));
}

// ---------------------------------------------------------------------------------------
// Numbers the JSON form must carry exactly (found by fuzzing: `fuzz/regressions/filter/`)

#[test]
fn a_number_too_large_for_a_float_is_an_error_not_infinity() {
    let (column, message) = syntax_error("idade between 1e999 and 30");
    assert_eq!(column, 15, "{message}");
    assert!(message.contains("'1e999' is out of range"), "{message}");
}

#[test]
fn floats_read_back_from_the_json_form_exactly() {
    for input in ["renda >= 1.577877777777777777777", "idade < 4444444444444444444440", "x > 1.909e33"] {
        let expr = parse(input);
        assert_eq!(Expr::from_json(&expr.to_json()).unwrap(), expr, "{input}");
    }
}
