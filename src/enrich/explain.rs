//! What `profiles show` tells about a profile's enrichment: its enriched fields, and the words
//! and phrases of its inbound messages that decided purchase intent, price sensitivity and
//! sentiment, overall and per conversation.

use super::EnrichError;
use super::classify::{Classifier, Price, Sentiment};
use super::contact::Linker;
use super::profile::{self, gap_hours, link_rows};
use super::rows::Kind;
use super::tables;
use crate::columns::{ColumnData, Value};
use crate::store::Workspace;
use serde::Serialize;
use std::collections::BTreeMap;

/// A phrase that counted, and in how many messages.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Decider {
    /// `intent`, `support`, `sensitive`, `insensitive`, `positive` or `negative`.
    pub class: String,
    pub phrase: String,
    pub messages: u32,
}

/// One conversation of a profile.
#[derive(Clone, Debug, Serialize)]
pub struct Conversation {
    /// Days since 1970-01-01 of its first and last message, as dates.
    pub from: String,
    pub to: String,
    pub messages_in: u32,
    pub messages_out: u32,
    pub purchase_intent: bool,
    pub price_sensitivity: Price,
    pub sentiment: Sentiment,
    pub deciders: Vec<Decider>,
}

/// A profile's enrichment.
#[derive(Clone, Debug, Serialize, Default)]
pub struct ProfileEnrichment {
    /// Enriched fields with a value, in table order.
    pub fields: Vec<(String, String)>,
    /// Phrases that decided, over all inbound messages, most frequent first.
    pub deciders: Vec<Decider>,
    pub conversations: Vec<Conversation>,
}

fn date(secs: i64) -> String {
    Value::Date(secs.div_euclid(86_400) as i32).to_string()
}

/// The enrichment of profile `id` (empty when nothing was enriched or it has no rows).
pub fn explain_profile(ws: &Workspace, id: i64) -> Result<ProfileEnrichment, EnrichError> {
    let mut out = ProfileEnrichment::default();
    if tables::generation(ws)? == 0 {
        return Ok(out);
    }
    let Some(profiles) = crate::identity::profile_table(ws)? else { return Ok(out) };
    let rows = profile::row_of_profile(&profiles)?;
    let Some(&row) = rows.get(&id) else { return Ok(out) };
    for c in profile::profile_columns(ws, &profiles)? {
        if let v @ (Value::Text(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Date(_)) =
            c.data.value(row as usize)
        {
            out.fields.push((c.name.clone(), v.to_string()));
        }
    }
    let Some(t) = tables::load(ws, Kind::Messages)? else { return Ok(out) };
    let link = link_rows(&t, &Linker::load(ws)?, &rows);
    let col = |name: &str| t.column(name).map(|c| &c.data);
    let int = |name: &str, i: usize| match col(name).map(|c| c.value(i)) {
        Some(Value::Int(v)) => Some(v),
        _ => None,
    };
    let mut mine: Vec<(i64, usize)> =
        (0..t.rows()).filter(|&i| link[i] == row).map(|i| (int("at", i).unwrap_or(0), i)).collect();
    mine.sort_unstable();
    let gap = (gap_hours(ws)? * 3600.0) as i64;
    let text = match col("text") {
        Some(ColumnData::Utf8(c)) => Some(c),
        _ => None,
    };
    let mut overall: BTreeMap<(String, String), u32> = BTreeMap::new();
    let mut start = 0;
    while start < mine.len() {
        let mut end = start + 1;
        while end < mine.len() && mine[end].0 - mine[end - 1].0 <= gap {
            end += 1;
        }
        let conv = conversation(&mine[start..end], &|i| int("inbound", i) == Some(1), &|i| {
            text.and_then(|c| c.get(i)).unwrap_or_default().to_owned()
        });
        for d in &conv.deciders {
            *overall.entry((d.class.clone(), d.phrase.clone())).or_insert(0) += d.messages;
        }
        out.conversations.push(conv);
        start = end;
    }
    out.deciders =
        overall.into_iter().map(|((class, phrase), messages)| Decider { class, phrase, messages }).collect();
    out.deciders.sort_by(|a, b| b.messages.cmp(&a.messages).then_with(|| a.class.cmp(&b.class)));
    Ok(out)
}

/// Classifies the inbound messages of one conversation, with the phrases that decided.
fn conversation(
    members: &[(i64, usize)],
    inbound: &dyn Fn(usize) -> bool,
    text: &dyn Fn(usize) -> String,
) -> Conversation {
    let c = Classifier::get();
    let (mut ins, mut outs, mut intent, mut signal, mut sum) = (0u32, 0u32, false, 0i32, 0f32);
    let mut phrases: BTreeMap<(String, String), u32> = BTreeMap::new();
    for &(_, i) in members {
        if !inbound(i) {
            outs += 1;
            continue;
        }
        ins += 1;
        let (class, evidence) = c.explain(&text(i), None);
        intent |= class.intent;
        signal += class.price_signal;
        sum += class.score;
        let mut seen = std::collections::BTreeSet::new();
        for e in evidence {
            let label = match e.class {
                "sentiment" if e.valence > 0.0 => "positive",
                "sentiment" => "negative",
                other => other,
            };
            let phrase = if e.negated { format!("{} (negated)", e.phrase) } else { e.phrase };
            if seen.insert((label, phrase.clone())) {
                *phrases.entry((label.to_owned(), phrase)).or_insert(0) += 1;
            }
        }
    }
    let mean = if ins == 0 { 0.0 } else { sum / ins as f32 };
    Conversation {
        from: date(members.first().map_or(0, |m| m.0)),
        to: date(members.last().map_or(0, |m| m.0)),
        messages_in: ins,
        messages_out: outs,
        purchase_intent: intent,
        price_sensitivity: Price::of_signal(signal),
        sentiment: Sentiment::of_score(mean),
        deciders: phrases
            .into_iter()
            .map(|((class, phrase), messages)| Decider { class, phrase, messages })
            .collect(),
    }
}
