//! Filter errors, and their rendering with the input line and a caret.

/// Why a filter cannot be read, checked or evaluated.
///
/// Syntax errors carry the 1-based column (in characters) where reading stopped. Check
/// errors carry `at`, the index of the offending condition in reading order (see
/// [`Expr::conditions`](super::Expr::conditions)); [`FilterError::render`] turns it back
/// into a column of the input line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("syntax error at column {column}: {message}")]
    Syntax { column: usize, message: String },

    #[error("invalid filter JSON: {0}")]
    Json(String),

    #[error("unknown field \"{field}\"{}", did_you_mean(.suggestions))]
    UnknownField { field: String, suggestions: Vec<String>, at: usize },

    #[error("'{op}' does not apply to \"{field}\", which is {type_name}; {type_name} fields take {allowed}")]
    Operator { field: String, op: String, type_name: &'static str, allowed: String, at: usize },

    #[error("bad value for \"{field}\" ({type_name}): {reason}")]
    Value { field: String, type_name: &'static str, reason: String, at: usize },

    /// The backend failed while evaluating (a GPU error; the CPU does not fail).
    #[error(transparent)]
    Compute(#[from] crate::compute::ComputeError),
}

fn did_you_mean(suggestions: &[String]) -> String {
    let quoted: Vec<String> = suggestions.iter().map(|s| format!("\"{s}\"")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [init @ .., last] => format!("; did you mean {} or {last}?", init.join(", ")),
    }
}

/// Which part of a condition an error points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    Field,
    Op,
    Value,
}

impl FilterError {
    /// The 1-based column in `input` the error points at, where it has one: the syntax
    /// error's column, or for a check error the field, operator or value of the condition
    /// (found by reading `input` again; `None` when it was JSON or does not parse).
    pub fn column(&self, input: &str) -> Option<usize> {
        let (at, part) = match self {
            FilterError::Syntax { column, .. } => return Some(*column),
            FilterError::Json(_) | FilterError::Compute(_) => return None,
            FilterError::UnknownField { at, .. } => (*at, Part::Field),
            FilterError::Operator { at, .. } => (*at, Part::Op),
            FilterError::Value { at, .. } => (*at, Part::Value),
        };
        let spans = super::parse::condition_spans(input).ok()?;
        let span = spans.get(at)?;
        Some(match part {
            Part::Field => span.field,
            Part::Op => span.op,
            Part::Value => span.value,
        })
    }

    /// The message, then `input`, then a caret under the column, e.g.
    ///
    /// ```text
    /// syntax error at column 8: expected a value after '=' ..., found end of the filter
    /// city =
    ///        ^
    /// ```
    ///
    /// Check errors read `filter error at column N: ...`. Without a column (JSON input)
    /// it is the message alone.
    pub fn render(&self, input: &str) -> String {
        let Some(column) = self.column(input) else {
            return self.to_string();
        };
        let headline = match self {
            FilterError::Syntax { .. } => self.to_string(),
            _ => format!("filter error at column {column}: {self}"),
        };
        // Keep tabs as tabs so the caret lines up whatever the tab width.
        let pad: String = input
            .chars()
            .chain(std::iter::repeat(' '))
            .take(column - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let line: String = input.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
        format!("{headline}\n{line}\n{pad}^")
    }
}
