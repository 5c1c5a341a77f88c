//! Scoring plans: a TOML file naming a score, its rules and its temperatures.
//!
//! ```toml
//! name = "lead_score"
//!
//! [[rule]]
//! action = "page_visit"
//! url = "*/pricing*"          # only these pages (a glob)
//! from_occurrence = 2         # from the second such visit on
//! points = 5
//! cap = 20                    # at most 20 points from this rule per profile
//! expires_after_days = 30     # or: half_life_days = 14
//!
//! [[rule]]
//! when = 'city = "São Paulo" and idade between 25 and 40'
//! points = 10
//!
//! [[temperature]]
//! name = "hot"
//! min = 50
//! [[temperature]]
//! name = "warm"
//! min = 20
//! [[temperature]]
//! name = "cold"               # no min: every score below the others
//! ```
//!
//! Every mistake is an error with the line and column of the TOML.

use crate::segment::{Expr, parse_filter};
use serde::Deserialize;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

use super::ScoreError;

/// A checked plan.
#[derive(Clone, Debug)]
pub struct Plan {
    pub name: String,
    pub description: String,
    pub rules: Vec<Rule>,
    /// Highest threshold first; the last has none (every lower score).
    pub temperatures: Vec<Temperature>,
    /// The TOML it was read from, kept to report spans and to store the plan.
    pub text: String,
    pub file: String,
    /// Where the name was written (for errors about it found later).
    pub name_span: Range<usize>,
}

/// One rule of a plan.
#[derive(Clone, Debug)]
pub struct Rule {
    pub label: String,
    pub kind: RuleKind,
    pub points: f64,
    /// The most points (in absolute value) this rule gives one profile.
    pub cap: Option<f64>,
    pub fade: Fade,
    pub span: Range<usize>,
}

/// What a rule rewards.
#[derive(Clone, Debug)]
pub enum RuleKind {
    /// Each occurrence of an action (with a url matching `url`), from the `from`-th on.
    Action { action: String, url: Option<glob::Pattern>, from: u32 },
    /// Profiles matching a filter.
    Condition { filter: String, expr: Expr, span: Range<usize> },
}

/// How an action's points fade with time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fade {
    Keep,
    /// Points vanish this many days after the action.
    Expire {
        days: f64,
    },
    /// Points halve every `half_life` days.
    Decay {
        half_life: f64,
    },
}

impl Fade {
    /// The share of the points left `age_days` after the action.
    pub fn factor(self, age_days: f64) -> f64 {
        match self {
            Fade::Keep => 1.0,
            Fade::Expire { days } => f64::from(u8::from(age_days < days)),
            Fade::Decay { half_life } => 0.5f64.powf(age_days / half_life),
        }
    }
}

/// A temperature and the lowest score it starts at (`None`: the rest).
#[derive(Clone, Debug, PartialEq)]
pub struct Temperature {
    pub name: String,
    pub min: Option<f64>,
}

impl Plan {
    /// The temperature of `score`.
    pub fn temperature(&self, score: f64) -> &str {
        self.temperatures.iter().find(|t| t.min.is_none_or(|m| score >= m)).map_or("", |t| t.name.as_str())
    }

    /// The field holding the temperature.
    pub fn temperature_field(&self) -> String {
        temperature_field(&self.name)
    }

    /// An error at byte range `span` of the plan's text.
    pub fn error_at(&self, span: &Range<usize>, message: impl Into<String>) -> ScoreError {
        error_at(&self.file, &self.text, span.start, message)
    }
}

/// The temperature field of score `name`.
pub fn temperature_field(name: &str) -> String {
    format!("{name}_temperature")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default, rename = "rule")]
    rules: Vec<Spanned<RawRule>>,
    #[serde(default, rename = "temperature")]
    temperatures: Vec<Spanned<RawTemperature>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: Option<String>,
    action: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    from_occurrence: Option<Spanned<i64>>,
    when: Option<Spanned<String>>,
    points: Option<Spanned<toml::Value>>,
    cap: Option<Spanned<toml::Value>>,
    expires_after_days: Option<Spanned<toml::Value>>,
    half_life_days: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemperature {
    name: Spanned<String>,
    min: Option<Spanned<toml::Value>>,
}

/// Line and column (from 1) of byte `offset` of `text` (an offset inside a character counts
/// as that character).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The byte offset in `filter` of its character column `column` (from 1), as filter errors
/// count columns in characters.
pub fn filter_offset(filter: &str, column: usize) -> usize {
    filter.char_indices().nth(column.saturating_sub(1)).map_or(filter.len(), |(at, _)| at)
}

fn error_at(file: &str, text: &str, offset: usize, message: impl Into<String>) -> ScoreError {
    let (line, column) = line_col(text, offset);
    ScoreError::Plan { file: file.to_owned(), line, column, message: message.into() }
}

/// Reads and checks a plan file.
pub fn read(path: &Path) -> Result<Plan, ScoreError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScoreError::Io(path.to_owned(), e))?;
    parse(&path.display().to_string(), &text)
}

/// Whether `name` can be a field name: a letter or `_`, then letters, digits or `_`.
pub fn is_field_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses and checks a plan's text (`file` names it in errors).
pub fn parse(file: &str, text: &str) -> Result<Plan, ScoreError> {
    let raw: RawPlan = toml::from_str(text).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start);
        error_at(file, text, at, e.message().trim_end())
    })?;
    let err = |span: Range<usize>, m: String| error_at(file, text, span.start, m);
    let name = raw.name.get_ref().trim().to_owned();
    if !is_field_name(&name) {
        return Err(err(
            raw.name.span(),
            format!(
                "the score name {name:?} must be a field name: letters, digits and _, not starting with a digit"
            ),
        ));
    }
    if raw.rules.is_empty() {
        return Err(err(0..0, "the plan has no [[rule]]".into()));
    }
    let rules = raw.rules.into_iter().map(|r| rule(file, text, r)).collect::<Result<Vec<_>, _>>()?;
    let temperatures = temperatures(file, text, raw.temperatures)?;
    Ok(Plan {
        name_span: raw.name.span(),
        name,
        description: raw.description,
        rules,
        temperatures,
        text: text.to_owned(),
        file: file.to_owned(),
    })
}

fn number(file: &str, text: &str, v: &Spanned<toml::Value>, what: &str) -> Result<f64, ScoreError> {
    match v.get_ref() {
        toml::Value::Integer(i) => Ok(*i as f64),
        toml::Value::Float(f) if f.is_finite() => Ok(*f),
        _ => Err(error_at(file, text, v.span().start, format!("{what} must be a number"))),
    }
}

fn rule(file: &str, text: &str, raw: Spanned<RawRule>) -> Result<Rule, ScoreError> {
    let span = raw.span();
    let r = raw.into_inner();
    let err = |at: usize, m: &str| error_at(file, text, at, m);
    let points = match &r.points {
        None => return Err(err(span.start, "a rule needs points (negative to remove)")),
        Some(p) => number(file, text, p, "points")?,
    };
    if points == 0.0 {
        return Err(err(
            r.points.as_ref().map_or(span.start, |p| p.span().start),
            "points of 0 do nothing; give a positive or negative number",
        ));
    }
    let cap = match &r.cap {
        None => None,
        Some(c) => {
            let v = number(file, text, c, "cap")?;
            if v <= 0.0 {
                return Err(err(
                    c.span().start,
                    "cap must be above 0 (the most points, in absolute value, the rule gives one profile)",
                ));
            }
            Some(v)
        }
    };
    let positive = |v: &Option<Spanned<toml::Value>>, what: &str| -> Result<Option<f64>, ScoreError> {
        let Some(v) = v else { return Ok(None) };
        let n = number(file, text, v, what)?;
        if n <= 0.0 {
            return Err(err(v.span().start, &format!("{what} must be above 0")));
        }
        Ok(Some(n))
    };
    let fade = match (
        positive(&r.expires_after_days, "expires_after_days")?,
        positive(&r.half_life_days, "half_life_days")?,
    ) {
        (Some(_), Some(_)) => {
            let at = r.half_life_days.as_ref().map_or(span.start, |h| h.span().start);
            return Err(err(at, "a rule either expires or decays, not both"));
        }
        (Some(days), None) => Fade::Expire { days },
        (None, Some(half_life)) => Fade::Decay { half_life },
        (None, None) => Fade::Keep,
    };
    let kind = match (&r.action, &r.when) {
        (Some(a), None) => action_kind(file, text, a, &r)?,
        (None, Some(w)) => {
            for (v, what) in [
                (r.url.as_ref().map(|u| u.span()), "url"),
                (r.from_occurrence.as_ref().map(|f| f.span()), "from_occurrence"),
            ] {
                if let Some(s) = v {
                    return Err(err(s.start, &format!("{what} applies to action rules, not to `when`")));
                }
            }
            if fade != Fade::Keep {
                return Err(err(
                    span.start,
                    "expiry and decay apply to action rules; a `when` rule holds while the profile matches",
                ));
            }
            // The string's text starts after its opening quote (one or three quote marks).
            let s = w.span();
            let quote = if text[s.start..].starts_with("'''") || text[s.start..].starts_with("\"\"\"") {
                3
            } else {
                1
            };
            let filter = w.get_ref().clone();
            let expr = parse_filter(&filter).map_err(|e| {
                let col = e.column(&filter).unwrap_or(1).max(1);
                error_at(file, text, s.start + quote + filter_offset(&filter, col), format!("filter: {e}"))
            })?;
            RuleKind::Condition { filter, expr, span: (s.start + quote)..s.end }
        }
        (Some(a), Some(_)) => {
            return Err(err(a.span().start, "a rule is either an `action` or a `when` condition, not both"));
        }
        (None, None) => return Err(err(span.start, "a rule needs an `action` or a `when` condition")),
    };
    let label = r.name.clone().unwrap_or_else(|| default_label(&kind, points));
    Ok(Rule { label, kind, points, cap, fade, span })
}

fn action_kind(file: &str, text: &str, a: &Spanned<String>, r: &RawRule) -> Result<RuleKind, ScoreError> {
    let action = a.get_ref().trim().to_lowercase();
    if action.is_empty() {
        return Err(error_at(file, text, a.span().start, "the action is empty"));
    }
    let url = match &r.url {
        None => None,
        Some(u) => Some(glob::Pattern::new(u.get_ref()).map_err(|e| {
            error_at(
                file,
                text,
                u.span().start,
                format!("url pattern: {e} (use * for any text, ? for one character)"),
            )
        })?),
    };
    let from = match &r.from_occurrence {
        None => 1,
        Some(f) if *f.get_ref() >= 1 && *f.get_ref() <= i64::from(u32::MAX) => *f.get_ref() as u32,
        Some(f) => return Err(error_at(file, text, f.span().start, "from_occurrence must be 1 or more")),
    };
    Ok(RuleKind::Action { action, url, from })
}

fn default_label(kind: &RuleKind, points: f64) -> String {
    let pts = format!("{points:+}");
    match kind {
        RuleKind::Action { action, url, from } => {
            let mut s = action.clone();
            if let Some(u) = url {
                s.push_str(&format!(" url {}", u.as_str()));
            }
            if *from > 1 {
                s.push_str(&format!(" from occurrence {from}"));
            }
            format!("{s} ({pts})")
        }
        RuleKind::Condition { filter, .. } => format!("when {filter} ({pts})"),
    }
}

/// hot ≥ 50, warm ≥ 20, else cold.
pub fn default_temperatures() -> Vec<Temperature> {
    vec![
        Temperature { name: "hot".into(), min: Some(50.0) },
        Temperature { name: "warm".into(), min: Some(20.0) },
        Temperature { name: "cold".into(), min: None },
    ]
}

fn temperatures(
    file: &str,
    text: &str,
    raw: Vec<Spanned<RawTemperature>>,
) -> Result<Vec<Temperature>, ScoreError> {
    if raw.is_empty() {
        return Ok(default_temperatures());
    }
    let err = |at: usize, m: String| error_at(file, text, at, m);
    let mut out: Vec<Temperature> = Vec::new();
    for t in &raw {
        let t = t.get_ref();
        let name = t.name.get_ref().trim().to_owned();
        if name.is_empty() {
            return Err(err(t.name.span().start, "a temperature needs a name".into()));
        }
        if out.iter().any(|o| o.name.eq_ignore_ascii_case(&name)) {
            return Err(err(t.name.span().start, format!("temperature {name:?} is named twice")));
        }
        let min = t.min.as_ref().map(|m| number(file, text, m, "min")).transpose()?;
        if let (Some(m), Some(s)) = (min, &t.min)
            && out.iter().any(|o| o.min == Some(m))
        {
            return Err(err(s.span().start, format!("two temperatures start at {m}")));
        }
        if min.is_none() && out.iter().any(|o| o.min.is_none()) {
            return Err(err(
                t.name.span().start,
                "only one temperature may have no min (it takes every lower score)".into(),
            ));
        }
        out.push(Temperature { name, min });
    }
    if !out.iter().any(|t| t.min.is_none()) {
        let at = raw.last().map_or(0, |t| t.span().start);
        return Err(err(
            at,
            "one temperature needs no min: it names every score below the others (e.g. cold)".into(),
        ));
    }
    out.sort_by(|a, b| match (a.min, b.min) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse("p.toml", text).expect_err("an error").to_string()
    }

    const OK: &str = "name = \"lead_score\"\n\
        [[rule]]\naction = \"Page_Visit\"\nurl = \"*/pricing*\"\nfrom_occurrence = 2\npoints = 5\ncap = 20\nexpires_after_days = 30\n\
        [[rule]]\nwhen = 'city = \"São Paulo\"'\npoints = -2.5\n";

    #[test]
    fn a_plan_reads_with_default_temperatures() {
        let p = parse("p.toml", OK).unwrap();
        assert_eq!(p.name, "lead_score");
        assert_eq!(p.rules.len(), 2);
        assert!(
            matches!(&p.rules[0].kind, RuleKind::Action { action, from: 2, .. } if action == "page_visit")
        );
        assert_eq!(p.rules[0].fade, Fade::Expire { days: 30.0 });
        assert_eq!(p.rules[1].points, -2.5);
        assert_eq!(p.temperature(50.0), "hot");
        assert_eq!(p.temperature(49.9), "warm");
        assert_eq!(p.temperature(-3.0), "cold");
    }

    #[test]
    fn mistakes_name_line_and_column() {
        assert!(
            err("name = \"s\"\n[[rule]]\naction = \"x\"\n")
                .contains("p.toml: line 2, column 1: a rule needs points")
        );
        assert!(err("name = \"s\"\n[[rule]]\naction = \"x\"\npoints = 0\n").contains("line 4, column 10"));
        assert!(
            err("name = \"s\"\n[[rule]]\naction = \"x\"\npoints = 1\nhalf_life = 3\n")
                .contains("line 5, column 1")
        );
        let e = err("name = \"s\"\n[[rule]]\nwhen = 'city = '\npoints = 1\n");
        assert!(e.contains("line 3, column 16: filter: syntax error"), "{e}");
        let e = err(
            "name = \"s\"\n[[rule]]\naction = \"x\"\npoints = 1\n[[temperature]]\nname = \"hot\"\nmin = 5\n[[temperature]]\nname = \"HOT\"\n",
        );
        assert!(e.contains("line 9, column 8: temperature \"HOT\" is named twice"), "{e}");
        let e = err(
            "name = \"s\"\n[[rule]]\naction = \"x\"\npoints = 1\n[[temperature]]\nname = \"hot\"\nmin = 5\n",
        );
        assert!(e.contains("needs no min"), "{e}");
        assert!(err("name = \"9s\"\n[[rule]]\naction = \"x\"\npoints = 1\n").contains("line 1, column 8"));
        assert!(err("name = \"s\"\n[[rule]]\naction = \"x\"\npoints = 1\nexpires_after_days = 3\nhalf_life_days = 2\n").contains("not both"));
    }

    #[test]
    fn fades() {
        assert_eq!(Fade::Expire { days: 30.0 }.factor(29.9), 1.0);
        assert_eq!(Fade::Expire { days: 30.0 }.factor(30.0), 0.0);
        assert!((Fade::Decay { half_life: 10.0 }.factor(20.0) - 0.25).abs() < 1e-12);
    }
}
