//! The filter tree, shared by the one-line language and its JSON form.
//!
//! # JSON form
//!
//! The same tree, as serde writes and reads it (`--where-json`). A condition is an object
//! with `field`, `op`, `value` (left out for `is_empty` / `is_not_empty`) and `exact`
//! (left out when false); `and` / `or` hold a list, `not` one tree:
//!
//! ```json
//! {"and": [
//!   {"field": "city", "op": "equals", "value": "São Paulo"},
//!   {"field": "age", "op": "between", "value": [18, 30]},
//!   {"or": [
//!     {"field": "leadStatus", "op": "equals", "value": "Não cliente"},
//!     {"field": "leadStatus", "op": "in", "value": ["Vendas qualificadas", "Cliente"]}
//!   ]},
//!   {"not": {"field": "email", "op": "contains", "value": "Gmail", "exact": true}},
//!   {"field": "last_updated", "op": "within", "value": 7},
//!   {"field": "phone", "op": "is_not_empty"}
//! ]}
//! ```
//!
//! `op` is one of `equals`, `not_equals`, `contains`, `not_contains`, `starts_with`,
//! `not_starts_with`, `gt`, `ge`, `lt`, `le`, `between` (value `[a, b]`), `in` (value a
//! list), `is_empty`, `is_not_empty`, `within` and `older_than` (value a whole number of
//! days). Values are JSON strings, numbers or booleans; dates are strings (`"2024-01-31"` or
//! `"31/01/2024"`), read by the field's type when the filter is checked.
//!
//! ```
//! use hyperseg::segment::{Expr, parse_filter};
//! let json = r#"{"and": [{"field": "city", "op": "equals", "value": "Recife"},
//!                         {"field": "age", "op": "ge", "value": 18}]}"#;
//! let from_json = Expr::from_json(json).unwrap();
//! assert_eq!(from_json, parse_filter(r#"city = "Recife" and age >= 18"#).unwrap());
//! assert_eq!(Expr::from_json(&from_json.to_json()).unwrap(), from_json);
//! ```

use super::FilterError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The deepest a filter may nest: `and`, `or` and `not` inside one another (and, in the text
/// form, parentheses and `not`s open at once). It keeps parsing off the end of the stack and
/// the JSON form within what its reader reads back (each level takes at most two JSON
/// levels; serde_json reads 128).
pub const MAX_NESTING: usize = 50;

/// A filter: conditions combined with `and`, `or` and `not`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expr {
    /// Every child holds (true when empty).
    And(Vec<Expr>),
    /// Some child holds (false when empty).
    Or(Vec<Expr>),
    /// The child does not hold: a plain complement, so rows without a value are selected by
    /// `not (city = "Recife")` but not by `city != "Recife"`.
    Not(Box<Expr>),
    /// One condition on one field; in JSON the condition object itself.
    #[serde(untagged)]
    Cond(Condition),
}

/// `field op value`, e.g. `city = "São Paulo"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The column name, matched case- and accent-insensitively.
    pub field: String,
    pub op: Op,
    /// What `op` compares with; its shape depends on `op` (see [`Op`]).
    #[serde(default, skip_serializing_if = "Operand::is_none")]
    pub value: Operand,
    /// Text conditions compare bytes instead of folded (lower-cased, accent-free) text.
    #[serde(default, skip_serializing_if = "is_false")]
    pub exact: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A condition's operator. Its operand: none for `IsEmpty`/`IsNotEmpty`; two values for
/// `Between`; a list for `In`; a whole number of days for `Within`/`OlderThan`; one value
/// otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Equals,
    NotEquals,
    Contains,
    NotContains,
    StartsWith,
    NotStartsWith,
    Gt,
    Ge,
    Lt,
    Le,
    /// Closed range: `a <= value <= b`.
    Between,
    /// Equals one of a list.
    In,
    /// The row has no value.
    IsEmpty,
    /// The row has a value.
    IsNotEmpty,
    /// A date in the last N days: `today - N <= date <= today`.
    Within,
    /// A date more than N days ago: `date < today - N`.
    OlderThan,
}

impl Op {
    /// How the operator is written in the filter language.
    pub fn keyword(self) -> &'static str {
        match self {
            Op::Equals => "=",
            Op::NotEquals => "!=",
            Op::Contains => "contains",
            Op::NotContains => "not contains",
            Op::StartsWith => "starts with",
            Op::NotStartsWith => "not starts with",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Between => "between",
            Op::In => "in",
            Op::IsEmpty => "is empty",
            Op::IsNotEmpty => "is not empty",
            Op::Within => "within",
            Op::OlderThan => "older than",
        }
    }
}

/// The value(s) an operator compares with.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Operand {
    /// No value (`is empty`, `is not empty`); JSON `null` or left out.
    #[default]
    None,
    /// One value; for `within` / `older than` the number of days.
    One(Literal),
    /// Two values for `between`, one or more for `in`.
    List(Vec<Literal>),
}

impl Operand {
    pub fn is_none(&self) -> bool {
        matches!(self, Operand::None)
    }
}

/// A value as written. Dates are [`Literal::Text`] (`2024-01-31`, `"31/01/2024"`) and are
/// read as dates when the filter is checked against a date field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Literal {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

impl From<&str> for Literal {
    fn from(s: &str) -> Self {
        Literal::Text(s.to_owned())
    }
}

impl From<i64> for Literal {
    fn from(v: i64) -> Self {
        Literal::Int(v)
    }
}

impl From<f64> for Literal {
    fn from(v: f64) -> Self {
        Literal::Float(v)
    }
}

impl From<bool> for Literal {
    fn from(v: bool) -> Self {
        Literal::Bool(v)
    }
}

impl Condition {
    /// A condition with one value, not exact.
    pub fn new(field: &str, op: Op, value: impl Into<Literal>) -> Self {
        Self { field: field.to_owned(), op, value: Operand::One(value.into()), exact: false }
    }

    /// `field is empty` / `field is not empty`.
    pub fn empty(field: &str, empty: bool) -> Self {
        let op = if empty { Op::IsEmpty } else { Op::IsNotEmpty };
        Self { field: field.to_owned(), op, value: Operand::None, exact: false }
    }

    /// `field between a and b`.
    pub fn between(field: &str, a: impl Into<Literal>, b: impl Into<Literal>) -> Self {
        let value = Operand::List(vec![a.into(), b.into()]);
        Self { field: field.to_owned(), op: Op::Between, value, exact: false }
    }

    /// `field in (values…)`.
    pub fn one_of(field: &str, values: Vec<Literal>) -> Self {
        Self { field: field.to_owned(), op: Op::In, value: Operand::List(values), exact: false }
    }

    /// The same condition, compared byte for byte.
    pub fn exact(mut self) -> Self {
        self.exact = true;
        self
    }
}

impl From<Condition> for Expr {
    fn from(c: Condition) -> Self {
        Expr::Cond(c)
    }
}

impl Expr {
    /// Reads the JSON form (see the module documentation), nested at most [`MAX_NESTING`]
    /// levels.
    pub fn from_json(json: &str) -> Result<Expr, FilterError> {
        let too_deep = || FilterError::Json(format!("the filter nests more than {MAX_NESTING} levels deep"));
        let expr: Expr = serde_json::from_str(json).map_err(|e| {
            // serde_json stops at 128 levels of JSON, deeper than any filter allowed.
            if e.to_string().starts_with("recursion limit exceeded") {
                too_deep()
            } else {
                FilterError::Json(e.to_string())
            }
        })?;
        if expr.nesting() > MAX_NESTING {
            return Err(too_deep());
        }
        Ok(expr)
    }

    /// How many `and`, `or` and `not` nest inside one another (0 for one condition).
    pub fn nesting(&self) -> usize {
        match self {
            Expr::And(xs) | Expr::Or(xs) => 1 + xs.iter().map(Expr::nesting).max().unwrap_or(0),
            Expr::Not(x) => 1 + x.nesting(),
            Expr::Cond(_) => 0,
        }
    }

    /// Writes the JSON form, on one line.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a filter tree always serialises")
    }

    /// The conditions in reading order (the order check errors count them in).
    pub fn conditions(&self) -> Vec<&Condition> {
        fn walk<'a>(e: &'a Expr, out: &mut Vec<&'a Condition>) {
            match e {
                Expr::And(xs) | Expr::Or(xs) => xs.iter().for_each(|x| walk(x, out)),
                Expr::Not(x) => walk(x, out),
                Expr::Cond(c) => out.push(c),
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }
}

/// Whether `name` can be written without backquotes.
fn is_plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    let starts = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    starts
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && !matches!(crate::text::fold(name).as_str(), "and" | "or" | "not")
}

fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str, quote: char) -> fmt::Result {
    use fmt::Write;
    f.write_char(quote)?;
    for c in s.chars() {
        if c == quote || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char(quote)
}

impl fmt::Display for Literal {
    /// The literal in the filter language: text quoted, floats with a decimal point.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Int(i) => write!(f, "{i}"),
            // `{:?}` keeps the `.0` of whole floats, so they read back as floats.
            Literal::Float(x) => write!(f, "{x:?}"),
            Literal::Text(s) => write_quoted(f, s, '"'),
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_plain_name(&self.field) {
            f.write_str(&self.field)?;
        } else {
            write_quoted(f, &self.field, '`')?;
        }
        write!(f, " {}", self.op.keyword())?;
        if self.exact {
            f.write_str(" exact")?;
        }
        if matches!(self.value, Operand::None) {
            return Ok(());
        }
        f.write_str(" ")?;
        self.write_value(f)
    }
}

impl Condition {
    /// The operand as written after the operator (`"x"`, `7 days`, `1 and 5`, `("a", "b")`);
    /// empty when the operator takes none.
    pub fn value_text(&self) -> String {
        let mut text = String::new();
        self.write_value(&mut text).expect("writing to a String does not fail");
        text
    }

    fn write_value(&self, f: &mut impl fmt::Write) -> fmt::Result {
        match (&self.value, self.op) {
            (Operand::None, _) => Ok(()),
            (Operand::One(v), Op::Within | Op::OlderThan) => write!(f, "{v} days"),
            (Operand::One(v), _) => write!(f, "{v}"),
            (Operand::List(vs), Op::Between) if vs.len() == 2 => write!(f, "{} and {}", vs[0], vs[1]),
            (Operand::List(vs), _) => {
                f.write_str("(")?;
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for Expr {
    /// The filter in the one-line language. It parses back to the same tree when every
    /// `and` / `or` has at least two children (what the parser builds).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn child(f: &mut fmt::Formatter<'_>, e: &Expr, parens: bool) -> fmt::Result {
            if parens { write!(f, "({e})") } else { write!(f, "{e}") }
        }
        match self {
            Expr::Cond(c) => write!(f, "{c}"),
            Expr::Not(x) => {
                f.write_str("not ")?;
                child(f, x, matches!(**x, Expr::And(_) | Expr::Or(_)))
            }
            Expr::And(xs) | Expr::Or(xs) => {
                let and = matches!(self, Expr::And(_));
                for (i, x) in xs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(if and { " and " } else { " or " })?;
                    }
                    // Nested lists keep their parentheses so the tree reads back unchanged.
                    child(f, x, matches!(x, Expr::And(_) | Expr::Or(_)))?;
                }
                Ok(())
            }
        }
    }
}
