//! Names, descriptions, characteristics in plain words and message templates for automatic
//! audiences, in Portuguese, Spanish or English. Offline and deterministic: fixed templates
//! filled from the explanation, no model.

use super::AutoError;
use super::explain::{Characteristic, Explanation};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The language of generated text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Pt,
    Es,
    En,
}

impl FromStr for Lang {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pt" | "pt-br" => Ok(Lang::Pt),
            "es" => Ok(Lang::Es),
            "en" => Ok(Lang::En),
            _ => Err(format!("unknown language {s:?}: expected pt, es or en")),
        }
    }
}

/// The words each template needs, per language.
struct Vocab {
    overall: &'static str,
    average: &'static str,
    days_ago: &'static str,
    high: &'static str,
    low: &'static str,
    recent: &'static str,
    old: &'static str,
    yes: &'static str,
    no: &'static str,
    and: &'static str,
    profiles: &'static str,
    /// "{share} of profiles ({size}). ..." first sentence.
    sentence1: &'static str,
    /// "They stand out for {a} and {b}."
    sentence2: &'static str,
    messages: [&'static str; 3],
}

const PT: Vocab = Vocab {
    overall: "no geral",
    average: "média",
    days_ago: "dias atrás",
    high: "alto",
    low: "baixo",
    recent: "recente",
    old: "antigo",
    yes: "sim",
    no: "não",
    and: "e",
    profiles: "perfis",
    sentence1: "{share} dos perfis ({size}).",
    sentence2: "Destacam-se por {traits}.",
    messages: [
        "Olá {{name}}! Preparamos novidades pensadas para quem tem {trait}.",
        "{{name}}, temos uma oferta especial para você: aproveite antes que acabe!",
        "Oi {{name}}, sentimos que {trait2} combina com você. Quer saber mais? Responda esta mensagem.",
    ],
};

const ES: Vocab = Vocab {
    overall: "en general",
    average: "media",
    days_ago: "días atrás",
    high: "alto",
    low: "bajo",
    recent: "reciente",
    old: "antiguo",
    yes: "sí",
    no: "no",
    and: "y",
    profiles: "perfiles",
    sentence1: "{share} de los perfiles ({size}).",
    sentence2: "Se destacan por {traits}.",
    messages: [
        "¡Hola {{name}}! Preparamos novedades pensadas para quien tiene {trait}.",
        "{{name}}, tenemos una oferta especial para ti: ¡aprovéchala antes de que termine!",
        "Hola {{name}}, creemos que {trait2} va contigo. ¿Quieres saber más? Responde este mensaje.",
    ],
};

const EN: Vocab = Vocab {
    overall: "overall",
    average: "average",
    days_ago: "days ago",
    high: "high",
    low: "low",
    recent: "recent",
    old: "old",
    yes: "yes",
    no: "no",
    and: "and",
    profiles: "profiles",
    sentence1: "{share} of profiles ({size}).",
    sentence2: "They stand out for {traits}.",
    messages: [
        "Hi {{name}}! We have news picked for people with {trait}.",
        "{{name}}, we have a special offer for you: make the most of it before it ends!",
        "Hello {{name}}, we think {trait2} suits you. Want to know more? Just reply to this message.",
    ],
};

fn vocab(lang: Lang) -> &'static Vocab {
    match lang {
        Lang::Pt => &PT,
        Lang::Es => &ES,
        Lang::En => &EN,
    }
}

/// A number for people: no decimals past 100, one below; a decimal comma in pt and es.
fn num(x: f64, lang: Lang) -> String {
    let s = if x.abs() >= 100.0 { format!("{x:.0}") } else { format!("{x:.1}") };
    if lang == Lang::En { s } else { s.replace('.', ",") }
}

/// A signed z-score with one decimal, in the language's decimal mark.
fn signed(z: f64, lang: Lang) -> String {
    let s = format!("{z:+.1}");
    if lang == Lang::En { s } else { s.replace('.', ",") }
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn value_word<'a>(c: &'a Characteristic, v: &'static Vocab) -> &'a str {
    match (c.kind.as_str(), c.value.as_deref()) {
        ("boolean", Some("yes")) => v.yes,
        ("boolean", Some(_)) => v.no,
        (_, Some(x)) => x,
        _ => "",
    }
}

/// One characteristic in plain words, e.g. `idade: average 28.4 vs 41.2 overall (-1.1 sd)`
/// or `city São Paulo: 71% vs 22% overall (lift 3.2)`.
pub fn phrase(c: &Characteristic, lang: Lang) -> String {
    let v = vocab(lang);
    match c.kind.as_str() {
        "number" => format!(
            "{}: {} {} vs {} {} ({} sd)",
            c.field,
            v.average,
            num(c.audience, lang),
            num(c.overall, lang),
            v.overall,
            signed(c.z, lang)
        ),
        "date" => format!(
            "{}: {} {} {} vs {} {} ({} sd)",
            c.field,
            v.average,
            num(c.audience, lang),
            v.days_ago,
            num(c.overall, lang),
            v.overall,
            signed(c.z, lang)
        ),
        _ => format!(
            "{} {}: {} vs {} {} (lift {})",
            c.field,
            value_word(c, v),
            pct(c.audience),
            pct(c.overall),
            v.overall,
            num(c.lift.unwrap_or(1.0), lang)
        ),
    }
}

/// A short trait for names and sentences: `idade alto`, `status_lead quente`, `newsletter sim`.
pub fn short(c: &Characteristic, lang: Lang) -> String {
    let v = vocab(lang);
    match c.kind.as_str() {
        "number" => format!("{} {}", c.field, if c.z >= 0.0 { v.high } else { v.low }),
        // A date's value is days ago: fewer is more recent.
        "date" => format!("{} {}", c.field, if c.z <= 0.0 { v.recent } else { v.old }),
        _ => format!("{} {}", c.field, value_word(c, v)),
    }
}

/// Characteristics a name or sentence leads with need at least this |z| (the strongest is
/// always used).
const TRAIT_Z: f64 = 0.25;

/// The short form of the one or two strongest characteristics.
fn top_traits(e: &Explanation, lang: Lang) -> Vec<String> {
    e.characteristics
        .iter()
        .enumerate()
        .filter(|(i, c)| *i == 0 || c.z.abs() >= TRAIT_Z)
        .take(2)
        .map(|(_, c)| short(c, lang))
        .collect()
}

/// The ranked characteristics in plain words, one per line (the `characteristics` text of
/// the audience, editable later).
pub fn characteristics_text(e: &Explanation, lang: Lang) -> String {
    e.characteristics.iter().map(|c| phrase(c, lang)).collect::<Vec<_>>().join("\n")
}

/// A name from the top two characteristics, unique against `taken` (folded names): a
/// number is appended when needed.
pub fn name(e: &Explanation, lang: Lang, taken: &mut Vec<String>) -> String {
    let traits = top_traits(e, lang);
    let base = if traits.is_empty() { format!("auto {}", e.cluster + 1) } else { traits.join(" · ") };
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(&crate::text::fold(&candidate)) {
        candidate = format!("{base} ({n})");
        n += 1;
    }
    taken.push(crate::text::fold(&candidate));
    candidate
}

/// One or two sentences: size and share, then the top traits.
pub fn description(e: &Explanation, lang: Lang) -> String {
    let v = vocab(lang);
    let first = v
        .sentence1
        .replace("{share}", &pct(e.share))
        .replace("{size}", &format!("{} {}", e.size, v.profiles));
    let traits = top_traits(e, lang);
    match traits.as_slice() {
        [] => first,
        [one] => format!("{first} {}", v.sentence2.replace("{traits}", one)),
        [a, b, ..] => format!("{first} {}", v.sentence2.replace("{traits}", &format!("{a} {} {b}", v.and))),
    }
}

/// Three message templates with a `{{name}}` slot for the contact's name, from the top traits.
pub fn messages(e: &Explanation, lang: Lang) -> Vec<String> {
    let v = vocab(lang);
    let traits = top_traits(e, lang);
    let first = traits.first().cloned().unwrap_or_default();
    let second = traits.get(1).cloned().unwrap_or_else(|| first.clone());
    if first.is_empty() {
        // Nothing sets the audience apart: only the template that names no trait.
        return vec![v.messages[1].to_owned()];
    }
    v.messages.iter().map(|t| t.replace("{trait2}", &second).replace("{trait}", &first)).collect()
}

/// Writes the templates as CSV (`audience,message`), one row per template.
pub fn write_messages(path: &std::path::Path, audiences: &[super::AutoAudience]) -> Result<(), AutoError> {
    let err = |source: std::io::Error| AutoError::Write { path: path.to_owned(), source };
    let mut w = csv::Writer::from_path(path).map_err(|e| err(e.into()))?;
    w.write_record(["audience", "message"]).map_err(|e| err(e.into()))?;
    for a in audiences {
        for m in &a.messages {
            w.write_record([a.name.as_str(), m.as_str()]).map_err(|e| err(e.into()))?;
        }
    }
    w.flush().map_err(err)
}
