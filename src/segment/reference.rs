//! A slow row-by-row evaluator, written as plainly as possible from
//! [`ColumnData::value`](crate::columns::ColumnData::value): the definition [`evaluate`](super::evaluate) is tested against.
//! For tests and benchmarks only.

use super::FilterError;
use super::ast::{Condition, Expr, Literal, Op, Operand};
use super::check::{boolean, check, cmp_op, date, days, number, resolve_field, text};
use crate::columns::{Bitmap, DataType, Table, Value};
use crate::compute::CmpOp;
use crate::text::fold;

/// The rows `expr` selects, one row at a time.
pub fn evaluate_reference(expr: &Expr, table: &Table, today: i32) -> Result<Bitmap, FilterError> {
    let schema: Vec<(&str, DataType)> =
        table.columns().iter().map(|c| (c.name.as_str(), c.data_type())).collect();
    check(expr, &schema)?;
    let mut out = Bitmap::with_capacity(table.rows());
    for row in 0..table.rows() {
        out.push(row_matches(expr, table, row, today));
    }
    Ok(out)
}

fn row_matches(expr: &Expr, table: &Table, row: usize, today: i32) -> bool {
    match expr {
        Expr::And(xs) => xs.iter().all(|x| row_matches(x, table, row, today)),
        Expr::Or(xs) => xs.iter().any(|x| row_matches(x, table, row, today)),
        Expr::Not(x) => !row_matches(x, table, row, today),
        Expr::Cond(c) => condition_matches(c, table, row, today),
    }
}

fn literals(c: &Condition) -> Vec<&Literal> {
    match &c.value {
        Operand::None => vec![],
        Operand::One(v) => vec![v],
        Operand::List(vs) => vs.iter().collect(),
    }
}

fn condition_matches(c: &Condition, table: &Table, row: usize, today: i32) -> bool {
    let schema: Vec<(&str, DataType)> =
        table.columns().iter().map(|c| (c.name.as_str(), c.data_type())).collect();
    let column = resolve_field(&c.field, &schema).expect("checked");
    let value = table.columns()[column].data.value(row);
    match c.op {
        Op::IsEmpty => return value == Value::Null,
        Op::IsNotEmpty => return value != Value::Null,
        _ => {}
    }
    let lits = literals(c);
    match value {
        // A condition about a value needs a value.
        Value::Null => false,
        Value::Text(s) => {
            let norm = |x: &str| if c.exact { x.to_owned() } else { fold(x) };
            let s = norm(s);
            let needles: Vec<String> = lits.iter().map(|l| norm(text(l).expect("checked"))).collect();
            match c.op {
                Op::Equals => s == needles[0],
                Op::NotEquals => s != needles[0],
                Op::Contains => s.contains(&needles[0]),
                Op::NotContains => !s.contains(&needles[0]),
                Op::StartsWith => s.starts_with(&needles[0]),
                Op::NotStartsWith => !s.starts_with(&needles[0]),
                Op::In => needles.contains(&s),
                _ => unreachable!("checked"),
            }
        }
        Value::Int(x) => ordered(c.op, &lits, |op, lit| match number(lit).expect("checked") {
            Literal::Int(i) => op.apply(x, i),
            Literal::Float(f) => op.apply(x as f64, f),
            _ => unreachable!(),
        }),
        Value::Float(x) => ordered(c.op, &lits, |op, lit| match number(lit).expect("checked") {
            Literal::Int(i) => op.apply(x, i as f64),
            Literal::Float(f) => op.apply(x, f),
            _ => unreachable!(),
        }),
        Value::Date(d) => {
            let (d, today) = (i64::from(d), i64::from(today));
            match c.op {
                Op::Within => {
                    let n = i64::from(days(lits[0]).expect("checked"));
                    today - n <= d && d <= today
                }
                Op::OlderThan => d < today - i64::from(days(lits[0]).expect("checked")),
                _ => ordered(c.op, &lits, |op, lit| op.apply(d, i64::from(date(lit).expect("checked")))),
            }
        }
        Value::Bool(b) => {
            let wanted: Vec<bool> = lits.iter().map(|l| boolean(l).expect("checked")).collect();
            match c.op {
                Op::Equals => b == wanted[0],
                Op::NotEquals => b != wanted[0],
                Op::In => wanted.contains(&b),
                _ => unreachable!("checked"),
            }
        }
    }
}

/// An ordering / equality / range / list condition, given how to compare with one literal.
fn ordered(op: Op, lits: &[&Literal], cmp: impl Fn(CmpOp, &Literal) -> bool) -> bool {
    match op {
        Op::Between => cmp(CmpOp::Ge, lits[0]) && cmp(CmpOp::Le, lits[1]),
        Op::In => lits.iter().any(|l| cmp(CmpOp::Eq, l)),
        _ => cmp(cmp_op(op).expect("checked"), lits[0]),
    }
}
