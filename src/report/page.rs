//! The page template (minijinja, `page.html`): HTML auto-escaping on, the charts' SVG
//! inserted as drawn (escaped by `svg`).

use super::ReportError;
use super::model::Section;
use minijinja::value::Serde;
use minijinja::{Environment, context};

const TEMPLATE: &str = include_str!("page.html");

/// The page for `sections`.
pub fn html(workspace: &str, as_of: &str, sections: &[Section]) -> Result<String, ReportError> {
    let mut env = Environment::new();
    // The name ends in .html, so every `{{ }}` is HTML-escaped unless marked safe.
    env.add_template("report.html", TEMPLATE).map_err(|e| ReportError::Template(e.to_string()))?;
    let template = env.get_template("report.html").map_err(|e| ReportError::Template(e.to_string()))?;
    template
        .render(context! {
            workspace => workspace,
            as_of => as_of,
            written_at => crate::ingest::now(),
            version => env!("CARGO_PKG_VERSION"),
            sections => Serde(sections),
        })
        .map_err(|e| ReportError::Template(e.to_string()))
}
