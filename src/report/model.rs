//! What the page holds, as the template reads it: sections of blocks, each block with
//! notes, facts and charts, each chart with its SVG and the table of its numbers.

use serde::Serialize;

/// The numbers behind a chart (or any table), as text; `numeric` columns align right.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Table {
    pub headers: Vec<String>,
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these headers; a header starting with `#` is numeric (the `#` dropped).
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.trim_start_matches('#').to_owned()).collect(),
            numeric: headers.iter().map(|h| h.starts_with('#')).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

/// A chart: its title, its SVG (escaped when drawn) and its numbers.
#[derive(Clone, Debug, Serialize)]
pub struct Chart {
    pub title: String,
    pub svg: String,
    pub table: Table,
}

/// A part of a section: a heading, notes, facts (label, value), an optional code line (a
/// filter), charts, and tables without a chart.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Block {
    pub heading: String,
    pub notes: Vec<String>,
    pub facts: Vec<(String, String)>,
    pub code: Option<String>,
    pub charts: Vec<Chart>,
    pub tables: Vec<Table>,
}

/// A section of the page (imports, profiles, ...).
#[derive(Clone, Debug, Serialize)]
pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    /// Why there is nothing to show, when there is not.
    pub empty: Option<String>,
    pub blocks: Vec<Block>,
}

impl Section {
    pub fn new(id: &'static str, title: &'static str) -> Section {
        Section { id, title, empty: None, blocks: Vec::new() }
    }

    /// A section saying why it has nothing to show.
    pub fn empty(id: &'static str, title: &'static str, why: impl Into<String>) -> Section {
        Section { id, title, empty: Some(why.into()), blocks: Vec::new() }
    }

    /// How many charts the section holds.
    pub fn charts(&self) -> usize {
        self.blocks.iter().map(|b| b.charts.len()).sum()
    }
}
