//! Manual segments: the filter language, its checking against a schema, and its columnar
//! evaluation into a selection bitmap.
//!
//! ```text
//! city = "São Paulo" and age between 18 and 30
//!   and (leadStatus = "Não cliente" or leadStatus = "Vendas qualificadas")
//!   and email contains "gmail"
//! ```
//!
//! - [`parse_filter`] reads one line into an [`Expr`] (grammar in [`parse`]); the same tree
//!   has a JSON form ([`Expr::from_json`], shape in [`ast`]).
//! - [`check`] resolves fields (case- and accent-insensitively) and checks that every
//!   operator and value fits its field's type.
//! - [`evaluate`] runs a filter over a [`Table`](crate::columns::Table) on a
//!   [`Backend`](crate::compute::Backend); [`reference::evaluate_reference`] is its slow,
//!   plain twin.
//!
//! Text comparisons ignore case and accents (`"sao paulo"` matches `São Paulo`) unless
//! marked `exact`. A condition about a value needs a value: on an empty row everything is
//! false except `is empty`, negated operators (`!=`, `not contains`) included; `not (...)`
//! is a plain complement.
//!
//! Errors ([`FilterError`]) render with the input line and a caret:
//!
//! ```text
//! syntax error at column 8: expected a value after '=' ("text", a number, ...), found end of the filter
//! city =
//!        ^
//! ```

pub mod ast;
pub mod auto;
mod check;
mod error;
mod eval;
pub mod parse;
pub mod reference;

#[cfg(test)]
mod tests;

pub use ast::{Condition, Expr, Literal, MAX_NESTING, Op, Operand};
pub use check::{check, check_table};
pub use error::FilterError;
pub use eval::evaluate;
pub use parse::parse_filter;
