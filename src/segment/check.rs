//! Type-checking a filter against a schema, and compiling it into typed column tests.
//!
//! Rules, by the field's type (Utf8 and Dictionary are both text):
//! - text: `=`, `!=`, `contains`, `not contains`, `starts with`, `not starts with`, `in`,
//!   `is empty`, `is not empty`; values are quoted text; `exact` allowed.
//! - integer and decimal: `=`, `!=`, `>`, `>=`, `<`, `<=`, `between`, `in`, empties; values
//!   are numbers (or text that reads as one, for JSON producers: `"30"`).
//! - date: as numbers, plus `within N days` and `older than N days`; values are dates
//!   (`2024-01-31` or `"31/01/2024"`).
//! - boolean: `=`, `!=`, `in`, empties; values `true`/`false` (also `yes`/`no`,
//!   `sim`/`não`, `si`, quoted or not).
//!
//! Field names match case- and accent-insensitively (`CIDADE` finds `Cidade`); a name
//! spelled exactly as a column wins over a folded match.

use super::FilterError;
use super::ast::{Condition, Expr, Literal, Op, Operand};
use crate::columns::DataType;
use crate::compute::{CmpOp, Predicate};
use crate::text::fold;
use memchr::memmem::Finder;

/// Checks `expr` against `schema` (column name and type, in table order): every field
/// exists, every operator fits its field's type and every value fits too.
///
/// ```
/// use hyperseg::columns::DataType;
/// use hyperseg::segment::{check, parse_filter};
/// let schema = [("city", DataType::Dictionary), ("age", DataType::Int64)];
/// assert!(check(&parse_filter(r#"CITY = "Recife" and age > 18"#).unwrap(), &schema).is_ok());
/// let err = check(&parse_filter(r#"cty = "Recife""#).unwrap(), &schema).unwrap_err();
/// assert_eq!(err.to_string(), r#"unknown field "cty"; did you mean "city"?"#);
/// ```
pub fn check<S: AsRef<str>>(expr: &Expr, schema: &[(S, DataType)]) -> Result<(), FilterError> {
    compile(expr, schema).map(|_| ())
}

/// [`check`] against the columns of `table`.
pub fn check_table(expr: &Expr, table: &crate::columns::Table) -> Result<(), FilterError> {
    let schema: Vec<(&str, DataType)> =
        table.columns().iter().map(|c| (c.name.as_str(), c.data_type())).collect();
    check(expr, &schema)
}

/// A checked filter: the tree with fields resolved to column indexes and values typed.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Leaf { column: usize, test: Test },
}

/// One test on one column; every test except `IsEmpty` is false on a row without a value.
#[derive(Clone, Debug)]
pub(crate) enum Test {
    IsEmpty,
    IsNotEmpty,
    /// Decimal column.
    Float(Predicate<f64>),
    /// Integer column, integer literal: exact.
    Int(Predicate<i64>),
    /// Integer column, decimal literal: both sides as `f64`.
    IntAsFloat(Predicate<f64>),
    /// Date column against a fixed date.
    Date(Predicate<i32>),
    /// Date column: `today - days <= date <= today`.
    Within(u32),
    /// Date column: `date < today - days`.
    OlderThan(u32),
    /// Boolean column equals this.
    Bool(bool),
    /// Text column (plain or dictionary).
    Text(TextTest),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextKind {
    /// Equals one of the needles (`=` has one, `in` several).
    Equals,
    Contains,
    StartsWith,
}

/// A text test. Needles are folded unless `exact`; values are folded the same way before
/// matching. `negate` flips the answer for rows with a value (`!=`, `not contains`, ...).
#[derive(Clone, Debug)]
pub(crate) struct TextTest {
    pub kind: TextKind,
    pub needles: Vec<String>,
    pub exact: bool,
    pub negate: bool,
    finders: Vec<Finder<'static>>,
}

impl TextTest {
    fn new(kind: TextKind, needles: Vec<String>, exact: bool, negate: bool) -> Self {
        let needles: Vec<String> = if exact { needles } else { needles.iter().map(|n| fold(n)).collect() };
        let finders = match kind {
            TextKind::Contains => needles.iter().map(|n| Finder::new(n.as_bytes()).into_owned()).collect(),
            _ => Vec::new(),
        };
        Self { kind, needles, exact, negate, finders }
    }

    /// Whether a present `value` (UTF-8 bytes) is selected. `scratch` is a reusable buffer:
    /// no allocation per value. ASCII values (the common case) are compared ignoring ASCII
    /// case, which is what folding does to them.
    #[inline]
    pub fn matches(&self, value: &[u8], scratch: &mut Vec<u8>) -> bool {
        let hit = if self.exact {
            self.hit(value)
        } else if value.is_ascii() {
            // Folded needles have no upper-case ASCII, so an ASCII-case-insensitive comparison
            // of the raw value equals a comparison of its fold.
            match self.kind {
                TextKind::Equals => self.needles.iter().any(|n| value.eq_ignore_ascii_case(n.as_bytes())),
                TextKind::StartsWith => self.needles.iter().any(|n| {
                    value.get(..n.len()).is_some_and(|head| head.eq_ignore_ascii_case(n.as_bytes()))
                }),
                TextKind::Contains => {
                    scratch.clear();
                    scratch.extend_from_slice(value);
                    scratch.make_ascii_lowercase();
                    self.hit(scratch)
                }
            }
        } else {
            scratch.clear();
            // Column values are UTF-8 by construction; a broken one reads as "".
            crate::text::fold_into(std::str::from_utf8(value).unwrap_or_default(), scratch);
            self.hit(scratch)
        };
        hit != self.negate
    }

    fn hit(&self, value: &[u8]) -> bool {
        match self.kind {
            TextKind::Equals => self.needles.iter().any(|n| n.as_bytes() == value),
            TextKind::StartsWith => self.needles.iter().any(|n| value.starts_with(n.as_bytes())),
            TextKind::Contains => self.finders.iter().any(|f| f.find(value).is_some()),
        }
    }
}

/// Resolves and types `expr` against `schema`.
pub(crate) fn compile<S: AsRef<str>>(expr: &Expr, schema: &[(S, DataType)]) -> Result<Node, FilterError> {
    let mut at = 0;
    compile_node(expr, schema, &mut at)
}

fn compile_node<S: AsRef<str>>(
    expr: &Expr,
    schema: &[(S, DataType)],
    at: &mut usize,
) -> Result<Node, FilterError> {
    Ok(match expr {
        Expr::And(xs) => Node::And(xs.iter().map(|x| compile_node(x, schema, at)).collect::<Result<_, _>>()?),
        Expr::Or(xs) => Node::Or(xs.iter().map(|x| compile_node(x, schema, at)).collect::<Result<_, _>>()?),
        Expr::Not(x) => Node::Not(Box::new(compile_node(x, schema, at)?)),
        Expr::Cond(c) => {
            let node = compile_condition(c, schema, *at)?;
            *at += 1;
            node
        }
    })
}

/// The index of the column `field` names: the exact spelling first, then a case- and
/// accent-insensitive match, then a canonical field under any header it is imported from
/// (`Cidade`, `Telefone`, `E-mail` find `city`, `phoneNumber`, `email`).
pub(crate) fn resolve_field<S: AsRef<str>>(field: &str, schema: &[(S, DataType)]) -> Option<usize> {
    if let Some(i) = schema.iter().position(|(name, _)| name.as_ref() == field) {
        return Some(i);
    }
    let folded = fold(field);
    if let Some(i) = schema.iter().position(|(name, _)| fold(name.as_ref()) == folded) {
        return Some(i);
    }
    let canonical = crate::ingest::canonical_for(field)?;
    schema.iter().position(|(name, _)| name.as_ref() == canonical.name())
}

/// The canonical fields of `schema` one of whose header spellings is within `limit` edits of
/// `compact` (a folded compact name), with that distance.
fn near_canonical<'a, S: AsRef<str>>(
    compact: &[char],
    limit: usize,
    schema: &'a [(S, DataType)],
) -> Vec<(usize, &'a str)> {
    schema
        .iter()
        .filter_map(|(name, _)| {
            let field = crate::ingest::canonical_for(name.as_ref())?;
            (field.name() == name.as_ref()).then_some(())?;
            let d = crate::ingest::header_names(field)
                .iter()
                .map(|h| edit_distance(compact, &h.chars().collect::<Vec<_>>()))
                .min()?;
            (d <= limit).then_some((d, name.as_ref()))
        })
        .collect()
}

/// Up to three schema names nearest to `field`: first canonical fields one of whose header
/// spellings is near it, then names by edit distance over folded names, within a third of
/// the name's length (at least 2), or containing / contained in it.
pub(crate) fn suggestions<S: AsRef<str>>(field: &str, schema: &[(S, DataType)]) -> Vec<String> {
    let folded: Vec<char> = fold(field).chars().collect();
    let limit = (folded.len() / 3).max(2);
    let compact: Vec<char> = crate::text::fold_compact(field).chars().collect();
    let mut canonical = near_canonical(&compact, limit, schema);
    canonical.sort();
    let mut near: Vec<(usize, &str)> = schema
        .iter()
        .filter_map(|(name, _)| {
            let candidate: Vec<char> = fold(name.as_ref()).chars().collect();
            let d = edit_distance(&folded, &candidate);
            let contains = |a: &[char], b: &[char]| b.len() >= 3 && a.windows(b.len()).any(|w| w == b);
            let related = contains(&candidate, &folded) || contains(&folded, &candidate);
            (d <= limit || related).then_some((d, name.as_ref()))
        })
        .collect();
    near.sort();
    let mut names: Vec<&str> = canonical.into_iter().chain(near).map(|(_, n)| n).collect();
    let mut seen = Vec::new();
    names.retain(|n| {
        !seen.contains(n) && {
            seen.push(*n);
            true
        }
    });
    names.into_iter().take(3).map(str::to_owned).collect()
}

/// Levenshtein distance between two character strings.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The operators a type takes, for error messages.
fn allowed_ops(ty: DataType) -> &'static str {
    match ty {
        DataType::Utf8 | DataType::Dictionary => {
            "=, !=, contains, not contains, starts with, not starts with, in, is empty, is not empty"
        }
        DataType::Int64 | DataType::Float64 => "=, !=, >, >=, <, <=, between, in, is empty, is not empty",
        DataType::Date => {
            "=, !=, >, >=, <, <=, between, in, within N days, older than N days, is empty, is not empty"
        }
        DataType::Boolean => "=, !=, in, is empty, is not empty",
    }
}

/// A number literal, read from text where needed (`"30"`, `"-1.5"`).
pub(crate) fn number(lit: &Literal) -> Result<Literal, String> {
    match lit {
        Literal::Int(_) => Ok(lit.clone()),
        Literal::Float(f) if f.is_finite() => Ok(lit.clone()),
        Literal::Float(f) => Err(format!("{f} is not a finite number")),
        Literal::Text(s) => {
            let t = s.trim();
            if let Ok(i) = t.parse::<i64>() {
                return Ok(Literal::Int(i));
            }
            match t.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Literal::Float(f)),
                _ => Err(format!("\"{s}\" is not a number")),
            }
        }
        Literal::Bool(b) => Err(format!("{b} is not a number")),
    }
}

/// A date literal: `yyyy-mm-dd` or `dd/mm/yyyy` text, as days since 1970-01-01.
pub(crate) fn date(lit: &Literal) -> Result<i32, String> {
    const HOW: &str = "write dates as 2024-01-31 or \"31/01/2024\"";
    let Literal::Text(s) = lit else {
        return Err(format!("{lit} is not a date; {HOW}"));
    };
    let t = s.trim();
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .map(crate::columns::days_from_date)
        .map_err(|_| format!("\"{s}\" is not a date; {HOW}"))
}

/// A boolean literal, or a yes/no word in text: sim/não, sí/no, yes/no, true/false.
pub(crate) fn boolean(lit: &Literal) -> Result<bool, String> {
    match lit {
        Literal::Bool(b) => Ok(*b),
        Literal::Text(s) => super::parse::bool_word(&fold(s.trim()))
            .ok_or_else(|| format!("\"{s}\" is not a yes/no value; use true or false")),
        _ => Err(format!("{lit} is not a yes/no value; use true or false")),
    }
}

/// A text literal; numbers and booleans must be quoted to compare with text.
pub(crate) fn text(lit: &Literal) -> Result<&str, String> {
    match lit {
        Literal::Text(s) => Ok(s),
        other => Err(format!("{other} is not text; put text values in double quotes: \"{other}\"")),
    }
}

/// A whole, non-negative number of days.
pub(crate) fn days(lit: &Literal) -> Result<u32, String> {
    match lit {
        Literal::Int(n) => u32::try_from(*n).map_err(|_| format!("{n} is not a number of days (0 or more)")),
        other => Err(format!("{other} is not a whole number of days")),
    }
}

/// The comparison an ordering / equality operator stands for.
pub(crate) fn cmp_op(op: Op) -> Option<CmpOp> {
    Some(match op {
        Op::Equals => CmpOp::Eq,
        Op::NotEquals => CmpOp::Ne,
        Op::Gt => CmpOp::Gt,
        Op::Ge => CmpOp::Ge,
        Op::Lt => CmpOp::Lt,
        Op::Le => CmpOp::Le,
        _ => return None,
    })
}

fn compile_condition<S: AsRef<str>>(
    c: &Condition,
    schema: &[(S, DataType)],
    at: usize,
) -> Result<Node, FilterError> {
    let Some(column) = resolve_field(&c.field, schema) else {
        return Err(FilterError::UnknownField {
            field: c.field.clone(),
            suggestions: suggestions(&c.field, schema),
            at,
        });
    };
    let ty = schema[column].1;
    let type_name = ty.user_name();
    let op_error = || FilterError::Operator {
        field: c.field.clone(),
        op: c.op.keyword().to_owned(),
        type_name,
        allowed: allowed_ops(ty).to_owned(),
        at,
    };
    let value_error = |reason: String| FilterError::Value { field: c.field.clone(), type_name, reason, at };
    let is_text = matches!(ty, DataType::Utf8 | DataType::Dictionary);
    if c.exact && !is_text {
        return Err(value_error("'exact' applies to text fields only".to_owned()));
    }

    // The operand's shape, whatever the type.
    let values: Vec<&Literal> = match (&c.value, c.op) {
        (Operand::None, Op::IsEmpty | Op::IsNotEmpty) => Vec::new(),
        (_, Op::IsEmpty | Op::IsNotEmpty) => {
            return Err(value_error(format!("'{}' takes no value", c.op.keyword())));
        }
        (Operand::List(vs), Op::Between) if vs.len() == 2 => vs.iter().collect(),
        (_, Op::Between) => return Err(value_error("'between' takes two values: [low, high]".to_owned())),
        (Operand::List(vs), Op::In) if !vs.is_empty() => vs.iter().collect(),
        (_, Op::In) => return Err(value_error("'in' takes a list of one or more values".to_owned())),
        (Operand::One(v), _) => vec![v],
        _ => return Err(value_error(format!("'{}' takes one value", c.op.keyword()))),
    };
    let leaf = |test: Test| Node::Leaf { column, test };
    let empties = match c.op {
        Op::IsEmpty => Some(leaf(Test::IsEmpty)),
        Op::IsNotEmpty => Some(leaf(Test::IsNotEmpty)),
        _ => None,
    };
    if let Some(node) = empties {
        return Ok(node);
    }

    match ty {
        DataType::Utf8 | DataType::Dictionary => {
            let (kind, negate) = match c.op {
                Op::Equals | Op::In => (TextKind::Equals, false),
                Op::NotEquals => (TextKind::Equals, true),
                Op::Contains => (TextKind::Contains, false),
                Op::NotContains => (TextKind::Contains, true),
                Op::StartsWith => (TextKind::StartsWith, false),
                Op::NotStartsWith => (TextKind::StartsWith, true),
                _ => return Err(op_error()),
            };
            let needles = values
                .iter()
                .map(|v| text(v).map(str::to_owned))
                .collect::<Result<Vec<_>, _>>()
                .map_err(value_error)?;
            Ok(leaf(Test::Text(TextTest::new(kind, needles, c.exact, negate))))
        }
        DataType::Boolean => {
            if !matches!(c.op, Op::Equals | Op::NotEquals | Op::In) {
                return Err(op_error());
            }
            let wanted: Vec<bool> =
                values.iter().map(|v| boolean(v)).collect::<Result<_, _>>().map_err(value_error)?;
            match c.op {
                Op::Equals => Ok(leaf(Test::Bool(wanted[0]))),
                Op::NotEquals => Ok(leaf(Test::Bool(!wanted[0]))),
                Op::In => Ok(Node::Or(wanted.into_iter().map(|b| leaf(Test::Bool(b))).collect())),
                _ => Err(op_error()),
            }
        }
        DataType::Int64 | DataType::Float64 | DataType::Date => {
            let float = ty == DataType::Float64;
            let date_field = ty == DataType::Date;
            // One comparison of the column against one literal.
            let compare = |op: CmpOp, lit: &Literal| -> Result<Node, FilterError> {
                if date_field {
                    return Ok(leaf(Test::Date(Predicate::Cmp(op, date(lit).map_err(value_error)?))));
                }
                Ok(leaf(match number(lit).map_err(value_error)? {
                    Literal::Int(i) if float => Test::Float(Predicate::Cmp(op, i as f64)),
                    Literal::Int(i) => Test::Int(Predicate::Cmp(op, i)),
                    Literal::Float(f) if float => Test::Float(Predicate::Cmp(op, f)),
                    Literal::Float(f) => Test::IntAsFloat(Predicate::Cmp(op, f)),
                    _ => unreachable!("number() returns numbers"),
                }))
            };
            if let Some(op) = cmp_op(c.op) {
                return compare(op, values[0]);
            }
            match c.op {
                Op::Between => {
                    let (lo, hi) = (compare(CmpOp::Ge, values[0])?, compare(CmpOp::Le, values[1])?);
                    // Fuse `>= a` and `<= b` into one range pass when both sides agree.
                    Ok(match (lo, hi) {
                        (
                            Node::Leaf { test: Test::Int(Predicate::Cmp(_, a)), .. },
                            Node::Leaf { test: Test::Int(Predicate::Cmp(_, b)), .. },
                        ) => leaf(Test::Int(Predicate::Between(a, b))),
                        (
                            Node::Leaf { test: Test::Float(Predicate::Cmp(_, a)), .. },
                            Node::Leaf { test: Test::Float(Predicate::Cmp(_, b)), .. },
                        ) => leaf(Test::Float(Predicate::Between(a, b))),
                        (
                            Node::Leaf { test: Test::IntAsFloat(Predicate::Cmp(_, a)), .. },
                            Node::Leaf { test: Test::IntAsFloat(Predicate::Cmp(_, b)), .. },
                        ) => leaf(Test::IntAsFloat(Predicate::Between(a, b))),
                        (
                            Node::Leaf { test: Test::Date(Predicate::Cmp(_, a)), .. },
                            Node::Leaf { test: Test::Date(Predicate::Cmp(_, b)), .. },
                        ) => leaf(Test::Date(Predicate::Between(a, b))),
                        (lo, hi) => Node::And(vec![lo, hi]),
                    })
                }
                Op::In => {
                    Ok(Node::Or(values.iter().map(|v| compare(CmpOp::Eq, v)).collect::<Result<_, _>>()?))
                }
                Op::Within if date_field => Ok(leaf(Test::Within(days(values[0]).map_err(value_error)?))),
                Op::OlderThan if date_field => {
                    Ok(leaf(Test::OlderThan(days(values[0]).map_err(value_error)?)))
                }
                _ => Err(op_error()),
            }
        }
    }
}
