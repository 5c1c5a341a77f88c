//! Columnar evaluation of a filter into a selection bitmap.
//!
//! Numbers and dates go through the [`Backend`]'s comparison kernels; dictionary text is
//! tested once per distinct value into a lookup table, then mapped over the codes with
//! [`Backend::codes_in`]; plain text is tested row by row in parallel, 64 rows per word.
//!
//! # Empty values
//!
//! A condition about a value needs a value: on a row without one, every condition is
//! false except `is empty`, and that includes the negated forms `!=`, `not contains` and
//! `not starts with` (`city != "Recife"` does not select rows with no city). `not (...)`
//! is a plain complement of its selection, so `not (city = "Recife")` does select them.

use super::FilterError;
use super::ast::Expr;
use super::check::{Node, Test, TextTest, compile};
use crate::columns::{Bitmap, ColumnData, DataType, Table};
use crate::compute::{Backend, CmpOp, ComputeError, Predicate, bits};
use rayon::prelude::*;

/// The rows of `table` that `expr` selects, as a bitmap of `table.rows()` bits.
///
/// `expr` is checked against the table's columns first (see [`check`](super::check));
/// `today` (days since 1970-01-01) anchors `within` and `older than`.
///
/// ```
/// use hyperseg::columns::{Column, ColumnData, Role, StringColumn, Table};
/// use hyperseg::compute::CpuBackend;
/// use hyperseg::segment::{evaluate, parse_filter};
/// let mut city = StringColumn::default();
/// for v in [Some("São Paulo"), Some("Recife"), None] {
///     city.push(v);
/// }
/// let table = Table::new(3, vec![Column { name: "city".into(), role: Role::Attribute, data: ColumnData::Utf8(city) }]);
/// let rows = evaluate(&parse_filter(r#"city = "sao paulo""#).unwrap(), &table, &CpuBackend, 0).unwrap();
/// assert_eq!(rows.iter_ones().collect::<Vec<_>>(), vec![0]);
/// ```
pub fn evaluate(
    expr: &Expr,
    table: &Table,
    backend: &dyn Backend,
    today: i32,
) -> Result<Bitmap, FilterError> {
    let schema: Vec<(&str, DataType)> =
        table.columns().iter().map(|c| (c.name.as_str(), c.data_type())).collect();
    let node = compile(expr, &schema)?;
    let ctx = Ctx { table, backend, today };
    Ok(ctx.run(&node, None)?)
}

struct Ctx<'a> {
    table: &'a Table,
    backend: &'a dyn Backend,
    today: i32,
}

impl Ctx<'_> {
    /// Evaluates `node` on the rows set in `mask` (every row when `None`). The result is the
    /// true selection on those rows and unspecified elsewhere; callers AND it with `mask`
    /// (an `and` narrows its own mask child by child, an `or` skips rows already selected).
    ///
    /// Only plain-text tests use the mask, to skip rows: their cost is per row and per byte,
    /// while every other test is a vectorised pass cheaper than building the mask.
    fn run(&self, node: &Node, mask: Option<&Bitmap>) -> Result<Bitmap, ComputeError> {
        let rows = self.table.rows();
        Ok(match node {
            Node::And(xs) => {
                let mut acc = mask.cloned().unwrap_or_else(|| Bitmap::new_set(rows));
                for x in self.cheapest_first(xs) {
                    // Nothing left to narrow: skip the remaining children.
                    if acc.count_ones() == 0 {
                        break;
                    }
                    acc = self.backend.and(&acc, &self.run(x, Some(&acc))?)?;
                }
                acc
            }
            Node::Or(xs) => {
                let mut acc = Bitmap::new_unset(rows);
                for x in self.cheapest_first(xs) {
                    // Rows still to decide: in the mask and not yet selected.
                    let open = self.backend.not(&acc)?;
                    let open = match mask {
                        Some(m) => self.backend.and(m, &open)?,
                        None => open,
                    };
                    if open.count_ones() == 0 {
                        break;
                    }
                    acc = self.backend.or(&acc, &self.run(x, Some(&open))?)?;
                }
                acc
            }
            Node::Not(x) => self.backend.not(&self.run(x, mask)?)?,
            Node::Leaf { column, test } => self.leaf(&self.table.columns()[*column].data, test, mask)?,
        })
    }

    /// Whether a node holds a per-row text test (the only kind that uses a mask).
    fn is_costly(&self, node: &Node) -> bool {
        match node {
            Node::And(xs) | Node::Or(xs) => xs.iter().any(|x| self.is_costly(x)),
            Node::Not(x) => self.is_costly(x),
            Node::Leaf { column, test } => {
                matches!((test, &self.table.columns()[*column].data), (Test::Text(_), ColumnData::Utf8(_)))
            }
        }
    }

    /// Children with vectorised tests only first, so the per-row text tests after them see
    /// the narrowest mask. Order does not change the answer.
    fn cheapest_first<'n>(&self, xs: &'n [Node]) -> Vec<&'n Node> {
        let mut order: Vec<&Node> = xs.iter().collect();
        order.sort_by_key(|x| self.is_costly(x));
        order
    }

    fn leaf(&self, data: &ColumnData, test: &Test, mask: Option<&Bitmap>) -> Result<Bitmap, ComputeError> {
        let (backend, today) = (self.backend, self.today);
        let mismatch = || -> ! { unreachable!("test {test:?} compiled for a {:?} column", data.data_type()) };
        match (test, data) {
            (Test::IsEmpty, _) => backend.not(data.validity()),
            (Test::IsNotEmpty, _) => Ok(data.validity().clone()),
            (Test::Float(p), ColumnData::Float64(c)) => backend.compare_f64(&c.values, &c.validity, *p),
            (Test::Int(p), ColumnData::Int64(c)) => backend.compare_i64(&c.values, &c.validity, *p),
            (Test::IntAsFloat(p), ColumnData::Int64(c)) => {
                let as_f64: Vec<f64> = c.values.par_iter().map(|&v| v as f64).collect();
                backend.compare_f64(&as_f64, &c.validity, *p)
            }
            (Test::Date(p), ColumnData::Date(c)) => backend.compare_i32(&c.values, &c.validity, *p),
            (Test::Within(days), ColumnData::Date(c)) => {
                let range = Predicate::Between(days_before(today, *days), today);
                backend.compare_i32(&c.values, &c.validity, range)
            }
            (Test::OlderThan(days), ColumnData::Date(c)) => {
                let before = Predicate::Cmp(CmpOp::Lt, days_before(today, *days));
                backend.compare_i32(&c.values, &c.validity, before)
            }
            (Test::Bool(true), ColumnData::Boolean(c)) => backend.and(&c.values, &c.validity),
            (Test::Bool(false), ColumnData::Boolean(c)) => backend.and(&backend.not(&c.values)?, &c.validity),
            (Test::Text(t), ColumnData::Utf8(c)) => {
                let rows = match mask {
                    Some(m) => backend.and(m, c.validity())?,
                    None => c.validity().clone(),
                };
                // Per-row, per-byte text tests have no GPU kernel: they run here on any backend.
                Ok(bits::select_rows(&rows, Vec::new, |scratch, i| t.matches(c.raw_bytes(i), scratch)))
            }
            (Test::Text(t), ColumnData::Dictionary(c)) => {
                let lut = dictionary_lut(t, c.dictionary());
                backend.codes_in(c.codes(), c.validity(), &lut)
            }
            _ => mismatch(),
        }
    }
}

/// `today - days`, clamped to the `i32` range (a clamp changes no answer: no date lies
/// below `i32::MIN`).
fn days_before(today: i32, days: u32) -> i32 {
    (i64::from(today) - i64::from(days)).max(i64::from(i32::MIN)) as i32
}

/// Dictionaries larger than this are tested in parallel.
const PARALLEL_LUT: usize = if cfg!(debug_assertions) { 4 } else { 4096 };

/// The test's answer for each distinct value, indexed by code: each value is tested once.
fn dictionary_lut(t: &TextTest, dictionary: &crate::columns::StringColumn) -> Vec<bool> {
    let n = dictionary.len();
    if n < PARALLEL_LUT {
        let mut scratch = Vec::new();
        (0..n).map(|code| t.matches(dictionary.raw_bytes(code), &mut scratch)).collect()
    } else {
        (0..n)
            .into_par_iter()
            .map_init(Vec::new, |scratch, code| t.matches(dictionary.raw_bytes(code), scratch))
            .collect()
    }
}
