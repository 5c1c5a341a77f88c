//! Per-profile fields derived from the stored enrichment rows when the profile table is read:
//! each row is linked through its contact keys to the profile holding them now, so merges
//! combine histories, splits divide them, and rows of contacts unknown at import time count
//! once their profile exists. The result is cached per identity and enrichment generation.

use super::EnrichError;
use super::contact::Linker;
use super::rows::{Kind, STATUSES};
use super::tables::{self, CONVERSATION_GAP, DEFAULT_GAP_HOURS};
use crate::columns::{Bitmap, Column, ColumnData, PrimitiveColumn, Role, StringColumn, Table, Value};
use crate::identity::profiles::PROFILE_ID;
use crate::store::Workspace;
use rayon::prelude::*;

/// Prefix of the contact-extra fields (`extra.plan`); automatic segmentation leaves them out.
pub const EXTRA_PREFIX: &str = "extra.";

/// Whether a profile field is a contact extra (never used by automatic segmentation).
pub fn is_extra(field: &str) -> bool {
    field.starts_with(EXTRA_PREFIX)
}

/// Not linked to any profile.
const NONE: u32 = u32::MAX;

/// The enrichment fields of the profiles of `profiles` (one value per row, in its order);
/// empty when nothing was enriched.
pub fn profile_columns(ws: &Workspace, profiles: &Table) -> Result<Vec<Column>, EnrichError> {
    let g = tables::generation(ws)?;
    if g == 0 {
        return Ok(Vec::new());
    }
    let identity = ws.catalog().setting("identity.generation")?.unwrap_or_default();
    let gap = gap_hours(ws)?;
    // The profile ids are part of the key: an import refreshes its audiences over the new
    // profile table before its identity generation is committed.
    let ids = profiles.ints(PROFILE_ID).unwrap_or_default();
    let digest = ids.iter().fold(ids.len() as u64, |h, &id| crate::columns::hash::mix64(h ^ id as u64));
    let key = format!("{identity}-{g}-{gap}-{digest:016x}-v{}", env!("CARGO_PKG_VERSION"));
    if let Some(t) = ws.cached_table("profiles", "enrich", &key).filter(|t| t.rows() == profiles.rows()) {
        return Ok(t.into_columns());
    }
    let linker = Linker::load(ws)?;
    let columns = derive(ws, profiles, &linker, gap)?;
    ws.cache_table("profiles", "enrich", &key, &Table::new(profiles.rows(), columns.clone()));
    Ok(columns)
}

/// The conversation gap in force, in hours.
pub fn gap_hours(ws: &Workspace) -> Result<f64, EnrichError> {
    Ok(ws.catalog().setting(CONVERSATION_GAP)?.and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_GAP_HOURS))
}

/// Derives every enrichment field for `profiles` with `linker`.
pub fn derive(
    ws: &Workspace,
    profiles: &Table,
    linker: &Linker,
    gap: f64,
) -> Result<Vec<Column>, EnrichError> {
    let linker = linker.to_rows(&row_of_profile(profiles)?);
    let n = profiles.rows();
    let mut out = Vec::new();
    if let Some(t) = tables::load(ws, Kind::Messages)? {
        out.extend(message_fields(&t, &link_rows_direct(&t, &linker), n, gap));
    }
    if let Some(t) = tables::load(ws, Kind::Campaigns)? {
        out.extend(campaign_fields(&t, &link_rows_direct(&t, &linker), n));
    }
    if let Some(t) = tables::load(ws, Kind::Extras)? {
        out.extend(extra_fields(&t, &link_rows_direct(&t, &linker), n));
    }
    // A field an import already has keeps the imported column; the enriched one steps aside.
    out.retain(|c| profiles.column(&c.name).is_none());
    Ok(out)
}

/// Profile id → row of the profile table.
pub fn row_of_profile(profiles: &Table) -> Result<hashbrown::HashMap<i64, u32>, EnrichError> {
    let ids = profiles
        .ints(PROFILE_ID)
        .ok_or_else(|| EnrichError::Corrupt(format!("the profile table has no {PROFILE_ID} column")))?;
    Ok(ids.iter().enumerate().map(|(r, &id)| (id, r as u32)).collect())
}

pub(crate) fn ints<'a>(t: &'a Table, name: &str) -> Option<&'a PrimitiveColumn<i64>> {
    match t.column(name).map(|c| &c.data) {
        Some(ColumnData::Int64(c)) => Some(c),
        _ => None,
    }
}

pub(crate) fn texts<'a>(t: &'a Table, name: &str) -> Option<&'a StringColumn> {
    match t.column(name).map(|c| &c.data) {
        Some(ColumnData::Utf8(c)) => Some(c),
        _ => None,
    }
}

/// The profile-table row of each stored row ([`NONE`] when its contact is unknown).
pub fn link_rows(t: &Table, linker: &Linker, rows: &hashbrown::HashMap<i64, u32>) -> Vec<u32> {
    link_rows_direct(t, &linker.to_rows(rows))
}

/// [`link_rows`] with a linker whose values are already profile-table rows.
pub fn link_rows_direct(t: &Table, linker: &Linker) -> Vec<u32> {
    let (phone, cpf, email) = (ints(t, "phone"), ints(t, "cpf"), texts(t, "email"));
    (0..t.rows())
        .into_par_iter()
        .with_min_len(4096)
        .map(|i| {
            let key = |c: Option<&PrimitiveColumn<i64>>| c.and_then(|c| c.get(i)).map(|v| v as u64);
            linker.profile(key(phone), email.and_then(|c| c.get(i)), key(cpf)).map_or(NONE, |r| r as u32)
        })
        .collect()
}

/// Linked rows grouped by profile row, each group in order of `at` then file order.
fn groups(link: &[u32], at: Option<&PrimitiveColumn<i64>>) -> Vec<(u32, i64, u32)> {
    let mut order: Vec<(u32, i64, u32)> = link
        .iter()
        .enumerate()
        .filter(|(_, p)| **p != NONE)
        .map(|(i, &p)| (p, at.and_then(|a| a.get(i)).unwrap_or(i64::MIN), i as u32))
        .collect();
    order.par_sort_unstable();
    order
}

/// Calls `f(profile_row, members)` for each profile with rows.
fn for_each_group(order: &[(u32, i64, u32)], mut f: impl FnMut(u32, &[(u32, i64, u32)])) {
    let mut start = 0;
    while start < order.len() {
        let p = order[start].0;
        let end = start + order[start..].iter().take_while(|e| e.0 == p).count();
        f(p, &order[start..end]);
        start = end;
    }
}

struct IntOut(Vec<i64>, Bitmap);
impl IntOut {
    fn new(n: usize) -> Self {
        IntOut(vec![0; n], Bitmap::new_unset(n))
    }
    fn set(&mut self, p: u32, v: i64) {
        self.0[p as usize] = v;
        self.1.set(p as usize, true);
    }
    fn column(self, name: &str) -> Column {
        attr(name, ColumnData::Int64(PrimitiveColumn::new(self.0, self.1)))
    }
}

struct FloatOut(Vec<f64>, Bitmap);
impl FloatOut {
    fn new(n: usize) -> Self {
        FloatOut(vec![0.0; n], Bitmap::new_unset(n))
    }
    fn set(&mut self, p: u32, v: f64) {
        self.0[p as usize] = v;
        self.1.set(p as usize, true);
    }
    fn column(self, name: &str) -> Column {
        attr(name, ColumnData::Float64(PrimitiveColumn::new(self.0, self.1)))
    }
}

struct DateOut(Vec<i32>, Bitmap);
impl DateOut {
    fn new(n: usize) -> Self {
        DateOut(vec![0; n], Bitmap::new_unset(n))
    }
    fn set(&mut self, p: u32, secs: i64) {
        self.0[p as usize] = secs.div_euclid(86_400) as i32;
        self.1.set(p as usize, true);
    }
    fn column(self, name: &str) -> Column {
        attr(name, ColumnData::Date(PrimitiveColumn::new(self.0, self.1)))
    }
}

/// Text values by profile row, written as a column at the end.
struct TextOut(Vec<Option<String>>);
impl TextOut {
    fn new(n: usize) -> Self {
        TextOut(vec![None; n])
    }
    fn set(&mut self, p: u32, v: &str) {
        self.0[p as usize] = Some(v.to_owned());
    }
    fn column(self, name: &str) -> Column {
        let mut c = StringColumn::with_capacity(self.0.len(), self.0.len() * 8);
        for v in &self.0 {
            c.push(v.as_deref());
        }
        attr(name, ColumnData::Utf8(c))
    }
}

fn attr(name: &str, data: ColumnData) -> Column {
    Column { name: name.to_owned(), role: Role::Attribute, data }
}

/// messages_in/out, first/last_interaction_at, last_channel, conversations, purchase_intent,
/// price_sensitivity, sentiment, sentiment_score.
pub(crate) fn message_fields(t: &Table, link: &[u32], n: usize, gap_hours: f64) -> Vec<Column> {
    let at = ints(t, "at");
    let (inbound, intent, price) = (ints(t, "inbound"), ints(t, "intent"), ints(t, "price"));
    let score = match t.column("score").map(|c| &c.data) {
        Some(ColumnData::Float64(c)) => Some(c),
        _ => None,
    };
    let channel = texts(t, "channel");
    let gap = (gap_hours * 3600.0) as i64;
    let (mut m_in, mut m_out, mut convs) = (IntOut::new(n), IntOut::new(n), IntOut::new(n));
    let (mut first, mut last) = (DateOut::new(n), DateOut::new(n));
    let (mut last_channel, mut intent_out, mut price_out, mut sentiment) =
        (TextOut::new(n), TextOut::new(n), TextOut::new(n), TextOut::new(n));
    let mut score_out = FloatOut::new(n);
    let get = |c: Option<&PrimitiveColumn<i64>>, i: u32| c.and_then(|c| c.get(i as usize));
    for_each_group(&groups(link, at), |p, members| {
        let (mut ins, mut outs, mut conversations, mut any_intent, mut signal) = (0, 0, 0, false, 0i64);
        let (mut sum, mut scored) = (0f64, 0u32);
        let mut prev: Option<i64> = None;
        for &(_, when, i) in members {
            if get(inbound, i) == Some(1) {
                ins += 1;
                any_intent |= get(intent, i) == Some(1);
                signal += get(price, i).unwrap_or(0);
                if let Some(s) = score.and_then(|c| c.get(i as usize)) {
                    sum += s;
                    scored += 1;
                }
            } else {
                outs += 1;
            }
            if when != i64::MIN && prev.is_none_or(|q| when - q > gap) {
                conversations += 1;
            }
            prev = (when != i64::MIN).then_some(when).or(prev);
        }
        m_in.set(p, ins);
        m_out.set(p, outs);
        convs.set(p, conversations);
        let known: Vec<i64> = members.iter().map(|m| m.1).filter(|&w| w != i64::MIN).collect();
        if let (Some(&f), Some(&l)) = (known.first(), known.last()) {
            first.set(p, f);
            last.set(p, l);
        }
        if let Some(c) = members.iter().rev().find_map(|m| channel.and_then(|c| c.get(m.2 as usize))) {
            last_channel.set(p, c);
        }
        if ins > 0 {
            use super::classify::{Price, Sentiment};
            intent_out.set(p, if any_intent { "intent" } else { "other" });
            price_out.set(p, Price::of_signal(signal.signum() as i32).code());
            let mean = if scored == 0 { 0.0 } else { sum / f64::from(scored) };
            score_out.set(p, (mean * 1000.0).round() / 1000.0);
            sentiment.set(p, Sentiment::of_score(mean as f32).code());
        }
    });
    vec![
        m_in.column("messages_in"),
        m_out.column("messages_out"),
        first.column("first_interaction_at"),
        last.column("last_interaction_at"),
        last_channel.column("last_channel"),
        convs.column("conversations"),
        intent_out.column("purchase_intent"),
        price_out.column("price_sensitivity"),
        sentiment.column("sentiment"),
        score_out.column("sentiment_score"),
    ]
}

/// campaign_sent/delivered/read/replied/failed (campaigns reaching each step of the funnel),
/// campaign_read_rate and campaign_reply_rate (over delivered campaigns), campaign_last,
/// campaign_last_status, campaign_last_at.
fn campaign_fields(t: &Table, link: &[u32], n: usize) -> Vec<Column> {
    let (at, status) = (ints(t, "at"), ints(t, "status"));
    let (ids, names) = (texts(t, "campaign_id"), texts(t, "campaign_name"));
    let mut counts: Vec<IntOut> = (0..STATUSES.len()).map(|_| IntOut::new(n)).collect();
    let (mut read_rate, mut reply_rate) = (FloatOut::new(n), FloatOut::new(n));
    let (mut last, mut last_status, mut last_at) = (TextOut::new(n), TextOut::new(n), DateOut::new(n));
    let id_of = |i: u32| ids.and_then(|c| c.get(i as usize)).unwrap_or_default();
    for_each_group(&groups(link, at), |p, members| {
        // Per campaign: the furthest step reached, and whether a send failed.
        let mut best: hashbrown::HashMap<&str, (i64, bool)> = hashbrown::HashMap::new();
        for &(_, _, i) in members {
            let s = status.and_then(|c| c.get(i as usize)).unwrap_or(0);
            let e = best.entry(id_of(i)).or_insert((-1, false));
            if s == 4 {
                e.1 = true;
            } else {
                e.0 = e.0.max(s);
            }
        }
        let mut c = [0i64; 5];
        for &(reached, failed) in best.values() {
            for (step, slot) in c.iter_mut().enumerate().take(4) {
                *slot += i64::from(reached >= step as i64);
            }
            c[4] += i64::from(failed && reached < 1);
        }
        for (out, v) in counts.iter_mut().zip(c) {
            out.set(p, v);
        }
        if c[1] > 0 {
            read_rate.set(p, c[2] as f64 / c[1] as f64);
            reply_rate.set(p, c[3] as f64 / c[1] as f64);
        }
        let &(_, when, i) = members.last().expect("a group has members");
        let name = names.and_then(|c| c.get(i as usize)).unwrap_or_else(|| id_of(i));
        last.set(p, name);
        let (reached, failed) = best[id_of(i)];
        last_status.set(
            p,
            if reached >= 0 {
                STATUSES[reached as usize]
            } else if failed {
                "failed"
            } else {
                "sent"
            },
        );
        if when != i64::MIN {
            last_at.set(p, when);
        }
    });
    let mut out: Vec<Column> =
        counts.into_iter().zip(STATUSES).map(|(c, s)| c.column(&format!("campaign_{s}"))).collect();
    out.push(read_rate.column("campaign_read_rate"));
    out.push(reply_rate.column("campaign_reply_rate"));
    out.push(last.column("campaign_last"));
    out.push(last_status.column("campaign_last_status"));
    out.push(last_at.column("campaign_last_at"));
    out
}

/// `extra.<key>` for every key: the latest value per profile (by timestamp, then file order),
/// typed like an import column (integer, decimal, date, boolean, else text).
fn extra_fields(t: &Table, link: &[u32], n: usize) -> Vec<Column> {
    let (keys, values) = (texts(t, "key"), texts(t, "value"));
    let mut latest: std::collections::BTreeMap<&str, Vec<Option<&str>>> = std::collections::BTreeMap::new();
    for_each_group(&groups(link, ints(t, "at")), |p, members| {
        for &(_, _, i) in members {
            let Some(k) = keys.and_then(|c| c.get(i as usize)) else { continue };
            let slot = latest.entry(k).or_insert_with(|| vec![None; n]);
            slot[p as usize] = values.and_then(|c| c.get(i as usize));
        }
    });
    latest.into_iter().map(|(k, vals)| attr(&format!("{EXTRA_PREFIX}{k}"), typed(&vals))).collect()
}

/// A column typed by all of its values, the way imports type theirs.
fn typed(vals: &[Option<&str>]) -> ColumnData {
    use crate::columns::{DataType, column_from_values};
    use crate::ingest::infer;
    let present: Vec<&[u8]> =
        vals.iter().flatten().map(|v| infer::trim(v.as_bytes())).filter(|v| !v.is_empty()).collect();
    let all = |f: &dyn Fn(&[u8]) -> bool| !present.is_empty() && present.iter().all(|v| f(v));
    let value = |v: &Option<&str>, ty: DataType| -> Value<'static> {
        let Some(b) = v.map(|v| infer::trim(v.as_bytes())).filter(|b| !b.is_empty()) else {
            return Value::Null;
        };
        match ty {
            DataType::Int64 => infer::parse_int(b).map_or(Value::Null, Value::Int),
            DataType::Float64 => infer::parse_decimal(b, b'.')
                .or_else(|| infer::parse_decimal(b, b','))
                .map_or(Value::Null, Value::Float),
            DataType::Date => infer::parse_date(b).map_or(Value::Null, Value::Date),
            DataType::Boolean => infer::parse_bool(b).map_or(Value::Null, Value::Bool),
            _ => Value::Null,
        }
    };
    let ty = if all(&|v| infer::parse_int(v).is_some()) {
        DataType::Int64
    } else if all(&|v| infer::parse_decimal(v, b'.').is_some())
        || all(&|v| infer::parse_decimal(v, b',').is_some())
    {
        DataType::Float64
    } else if all(&|v| infer::parse_date(v).is_some()) {
        DataType::Date
    } else if all(&|v| infer::parse_bool(v).is_some()) {
        DataType::Boolean
    } else {
        DataType::Utf8
    };
    if ty == DataType::Utf8 {
        return column_from_values(ty, vals.len(), vals.iter().map(|v| v.map_or(Value::Null, Value::Text)));
    }
    column_from_values(ty, vals.len(), vals.iter().map(|v| value(v, ty)))
}
