//! Enrichment rows, from file fields to typed columns: which header names each field goes by,
//! the checks every row passes (rejected rows keep their line and reason), the identity keys
//! of the contact, the classification of inbound messages, and a hash that makes an identical
//! row count once.

use super::EnrichError;
use super::classify::{Classifier, Lang, Scratch};
use super::contact::{self, ContactKind, Keys};
use super::read::RowSink;
use crate::columns::{Bitmap, Column, ColumnData, PrimitiveColumn, Role, StringColumn};
use crate::identity::normalize::CountryCode;
use serde::Serialize;
use std::path::Path;

/// What an enrichment file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Messages,
    Campaigns,
    Extras,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Messages, Kind::Campaigns, Kind::Extras];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Messages => "messages",
            Kind::Campaigns => "campaigns",
            Kind::Extras => "extras",
        }
    }
}

/// Campaign statuses, in funnel order (`failed` apart).
pub const STATUSES: [&str; 5] = ["sent", "delivered", "read", "replied", "failed"];

fn status_code(v: &str) -> Option<i64> {
    let fast = match v {
        "sent" => Some(0),
        "delivered" => Some(1),
        "read" => Some(2),
        "replied" => Some(3),
        "failed" => Some(4),
        _ => None,
    };
    if fast.is_some() {
        return fast;
    }
    Some(match crate::text::fold(v.trim()).as_str() {
        "sent" | "enviado" | "enviada" | "enviados" => 0,
        "delivered" | "entregue" | "entregado" | "entregada" | "recebido" => 1,
        "read" | "lido" | "lida" | "leido" | "leida" | "visualizado" | "visualizada" | "seen" | "opened" => 2,
        "replied" | "respondido" | "respondida" | "answered" | "clicked" | "reply" => 3,
        "failed" | "falhou" | "falha" | "fallido" | "fallo" | "error" | "erro" | "bounced"
        | "undelivered" => 4,
        _ => return None,
    })
}

fn direction(v: &str) -> Option<bool> {
    match v {
        "in" | "inbound" => return Some(true),
        "out" | "outbound" => return Some(false),
        _ => {}
    }
    Some(match crate::text::fold(v.trim()).as_str() {
        "in" | "inbound" | "incoming" | "received" | "recebida" | "recebido" | "entrada" | "recibido"
        | "recibida" | "customer" | "cliente" | "contact" | "contato" | "contacto" => true,
        "out" | "outbound" | "outgoing" | "sent" | "enviada" | "enviado" | "saida" | "salida" | "agent"
        | "agente" | "atendente" | "business" | "empresa" | "bot" => false,
        _ => return None,
    })
}

/// Header names (folded, letters and digits only) of each field.
const AT: &[&str] = &[
    "timestamp",
    "at",
    "date",
    "datetime",
    "time",
    "sentat",
    "createdat",
    "data",
    "datahora",
    "fecha",
    "fechahora",
    "hora",
    "when",
];
const DIRECTION: &[&str] = &["direction", "direcao", "direccion", "dir", "sender", "from", "de"];
const TEXT: &[&str] =
    &["text", "message", "body", "content", "mensagem", "texto", "mensaje", "conteudo", "contenido", "msg"];
const CHANNEL: &[&str] = &["channel", "canal", "source", "origem", "origen", "platform", "plataforma"];
const CAMPAIGN_ID: &[&str] =
    &["campaignid", "campaign", "idcampanha", "campanhaid", "campanaid", "idcampana"];
const CAMPAIGN_NAME: &[&str] =
    &["campaignname", "name", "nome", "nombre", "campanha", "campana", "nomecampanha", "nombrecampana"];
const STATUS: &[&str] = &["status", "estado", "situacao", "event", "evento"];
const KEY: &[&str] = &["key", "chave", "clave", "field", "campo", "attribute", "atributo"];
const VALUE: &[&str] = &["value", "valor"];
const CONTACT: &[&str] = &[
    "contact",
    "contato",
    "contacto",
    "contactid",
    "customer",
    "cliente",
    "user",
    "usuario",
    "from",
    "to",
    "recipient",
    "destinatario",
];

fn header_key(h: &str) -> String {
    crate::text::fold(h).chars().filter(char::is_ascii_alphanumeric).collect()
}

/// Where each field of a kind sits in a file's header.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    contacts: Vec<(usize, ContactKind)>,
    at: Option<usize>,
    direction: Option<usize>,
    text: Option<usize>,
    channel: Option<usize>,
    campaign_id: Option<usize>,
    campaign_name: Option<usize>,
    status: Option<usize>,
    key: Option<usize>,
    value: Option<usize>,
}

impl Layout {
    /// Maps `header` for `kind`; a required field without a column is an error naming the
    /// names it may go by.
    pub fn of(kind: Kind, header: &[String], path: &Path) -> Result<Layout, EnrichError> {
        let keys: Vec<String> = header.iter().map(|h| header_key(h)).collect();
        let mut used = vec![false; keys.len()];
        let mut find = |names: &[&str]| {
            let i = keys.iter().enumerate().position(|(i, k)| !used[i] && names.contains(&k.as_str()))?;
            used[i] = true;
            Some(i)
        };
        let mut l = Layout::default();
        match kind {
            Kind::Messages => {
                (l.at, l.direction, l.text, l.channel) =
                    (find(AT), find(DIRECTION), find(TEXT), find(CHANNEL));
            }
            Kind::Campaigns => {
                (l.campaign_id, l.campaign_name, l.status, l.at) =
                    (find(CAMPAIGN_ID), find(CAMPAIGN_NAME), find(STATUS), find(AT));
            }
            Kind::Extras => (l.key, l.value, l.at) = (find(KEY), find(VALUE), find(AT)),
        }
        for (i, h) in header.iter().enumerate() {
            if used[i] {
                continue;
            }
            let kind = match crate::ingest::canonical_for(h) {
                Some(crate::columns::CanonicalField::PhoneNumber) => Some(ContactKind::Phone),
                Some(crate::columns::CanonicalField::Email) => Some(ContactKind::Email),
                Some(crate::columns::CanonicalField::TaxDocument) => Some(ContactKind::Cpf),
                _ if CONTACT.contains(&keys[i].as_str()) => Some(ContactKind::Any),
                _ => None,
            };
            if let Some(k) = kind {
                l.contacts.push((i, k));
                used[i] = true;
            }
        }
        let missing = |what: &str, names: &[&str]| EnrichError::Input {
            file: path.display().to_string(),
            line: 1,
            message: format!(
                "no {what} column for {}: name one {} (found: {})",
                kind.name(),
                names.join(", "),
                header.join(", ")
            ),
        };
        if l.contacts.is_empty() {
            return Err(missing("contact", &["contact", "phone", "email", "cpf"]));
        }
        let required: &[(Option<usize>, &str, &[&str])] = match kind {
            Kind::Messages => {
                &[(l.at, "timestamp", AT), (l.direction, "direction", DIRECTION), (l.text, "text", TEXT)]
            }
            Kind::Campaigns => &[
                (l.campaign_id, "campaign id", CAMPAIGN_ID),
                (l.status, "status", STATUS),
                (l.at, "timestamp", AT),
            ],
            Kind::Extras => &[(l.key, "key", KEY), (l.value, "value", VALUE)],
        };
        for (col, what, names) in required {
            if col.is_none() {
                return Err(missing(what, names));
            }
        }
        Ok(l)
    }
}

/// A rejected row.
#[derive(Clone, Debug, Serialize)]
pub struct Reject {
    pub line: u64,
    pub reason: &'static str,
    pub detail: String,
    #[serde(skip)]
    pub raw: String,
}

#[derive(Default)]
struct Ints {
    values: Vec<i64>,
    valid: Bitmap,
}

impl Ints {
    fn push(&mut self, v: Option<i64>) {
        self.values.push(v.unwrap_or(0));
        self.valid.push(v.is_some());
    }
    fn column(self) -> ColumnData {
        ColumnData::Int64(PrimitiveColumn::new(self.values, self.valid))
    }
}

#[derive(Default)]
struct Floats {
    values: Vec<f64>,
    valid: Bitmap,
}

/// A chunk's rows as column parts.
pub struct Parsed {
    kind: Kind,
    layout: Layout,
    country: CountryCode,
    scratch: Scratch,
    rows: usize,
    pub rejects: Vec<Reject>,
    contact: StringColumn,
    phone: Ints,
    cpf: Ints,
    email: StringColumn,
    at: Ints,
    line: Ints,
    hash: Ints,
    inbound: Ints,
    channel: StringColumn,
    text: StringColumn,
    lang: Ints,
    intent: Ints,
    price: Ints,
    score: Floats,
    campaign_id: StringColumn,
    campaign_name: StringColumn,
    status: Ints,
    key: StringColumn,
    value: StringColumn,
}

/// Fixed seeds: a row's hash is the same on every run.
fn hasher() -> ahash::RandomState {
    ahash::RandomState::with_seeds(0x5851_F42D, 0x4C95_7F2D, 0x1405_7B7E, 0xF767_814F)
}

impl Parsed {
    pub fn new(kind: Kind, layout: Layout, country: CountryCode) -> Parsed {
        Parsed {
            kind,
            layout,
            country,
            scratch: Scratch::default(),
            rows: 0,
            rejects: Vec::new(),
            contact: StringColumn::default(),
            phone: Ints::default(),
            cpf: Ints::default(),
            email: StringColumn::default(),
            at: Ints::default(),
            line: Ints::default(),
            hash: Ints::default(),
            inbound: Ints::default(),
            channel: StringColumn::default(),
            text: StringColumn::default(),
            lang: Ints::default(),
            intent: Ints::default(),
            price: Ints::default(),
            score: Floats::default(),
            campaign_id: StringColumn::default(),
            campaign_name: StringColumn::default(),
            status: Ints::default(),
            key: StringColumn::default(),
            value: StringColumn::default(),
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    fn keys<'f>(&self, fields: &[&'f str]) -> (Keys, &'f str) {
        let mut keys = Keys::default();
        let mut shown = "";
        for &(i, kind) in &self.layout.contacts {
            contact::add_keys(&mut keys, fields[i], kind, self.country);
            if shown.is_empty() {
                shown = fields[i].trim();
            }
        }
        (keys, shown)
    }

    /// The row's fields past the contact, checked; `Err` is a reject reason and detail.
    fn fields<'f>(&self, f: &[&'f str]) -> Result<Fields<'f>, (&'static str, String)> {
        let l = &self.layout;
        let get = |c: Option<usize>| c.map_or("", |i| f[i].trim());
        let at = match (l.at, get(l.at)) {
            (None, _) => None,
            (Some(_), "") if self.kind == Kind::Extras => None,
            (Some(_), v) => Some(contact::parse_timestamp(v).ok_or(("bad_timestamp", format!("{v:?} is not a timestamp (2024-05-01T13:45:00Z, 2024-05-01 13:45, 01/05/2024 13:45 or Unix seconds)")))?),
        };
        Ok(match self.kind {
            Kind::Messages => {
                let d = get(l.direction);
                let inbound = direction(d).ok_or((
                    "bad_direction",
                    format!("{d:?} is not a direction (in/inbound or out/outbound)"),
                ))?;
                Fields { at, inbound, status: 0, a: get(l.channel), b: f[l.text.expect("checked")] }
            }
            Kind::Campaigns => {
                let s = get(l.status);
                let status = status_code(s)
                    .ok_or(("bad_status", format!("{s:?} is not a status ({})", STATUSES.join(", "))))?;
                let id = get(l.campaign_id);
                if id.is_empty() {
                    return Err(("empty_campaign", "the campaign id is empty".into()));
                }
                Fields { at, inbound: false, status, a: id, b: get(l.campaign_name) }
            }
            Kind::Extras => {
                let k = get(l.key);
                if k.is_empty() {
                    return Err(("empty_key", "the key is empty".into()));
                }
                Fields { at, inbound: false, status: 0, a: k, b: get(l.value) }
            }
        })
    }

    fn push(&mut self, line: u64, keys: &Keys, shown: &str, f: Fields) {
        use std::hash::{BuildHasher, Hash, Hasher};
        let mut h = hasher().build_hasher();
        (self.kind as u8, keys.phone, keys.cpf, keys.email.as_deref(), f.at, f.inbound, f.status)
            .hash(&mut h);
        (f.a, f.b).hash(&mut h);
        self.rows += 1;
        self.hash.push(Some(h.finish() as i64));
        self.contact.push(Some(shown));
        self.phone.push(keys.phone.map(|k| k as i64));
        self.cpf.push(keys.cpf.map(|k| k as i64));
        self.email.push(keys.email.as_deref());
        self.at.push(f.at);
        self.line.push(Some(line as i64));
        match self.kind {
            Kind::Messages => {
                self.inbound.push(Some(i64::from(f.inbound)));
                self.channel.push(Some(f.a).filter(|c| !c.is_empty()));
                self.text.push(Some(f.b));
                let c = f.inbound.then(|| Classifier::get().classify(f.b, None, &mut self.scratch));
                self.lang.push(c.map(|c| c.lang as i64));
                self.intent.push(c.map(|c| i64::from(c.intent)));
                self.price.push(c.map(|c| i64::from(c.price_signal)));
                self.score.values.push(c.map_or(0.0, |c| f64::from(c.score)));
                self.score.valid.push(c.is_some());
            }
            Kind::Campaigns => {
                self.campaign_id.push(Some(f.a));
                self.campaign_name.push(Some(f.b).filter(|c| !c.is_empty()));
                self.status.push(Some(f.status));
            }
            Kind::Extras => {
                self.key.push(Some(f.a));
                self.value.push(Some(f.b).filter(|c| !c.is_empty()));
            }
        }
    }

    /// The chunk's columns, named as stored (see [`columns_of`]).
    pub fn into_columns(self) -> Vec<Column> {
        let sys = |name: &str, data| Column { name: name.to_owned(), role: Role::System, data };
        let mut cols = vec![
            sys("contact", ColumnData::Utf8(self.contact)),
            sys("phone", self.phone.column()),
            sys("cpf", self.cpf.column()),
            sys("email", ColumnData::Utf8(self.email)),
            sys("at", self.at.column()),
            sys("line", self.line.column()),
            sys("hash", self.hash.column()),
        ];
        match self.kind {
            Kind::Messages => {
                cols.push(sys("inbound", self.inbound.column()));
                cols.push(sys("channel", ColumnData::Utf8(self.channel)));
                cols.push(sys("text", ColumnData::Utf8(self.text)));
                cols.push(sys("lang", self.lang.column()));
                cols.push(sys("intent", self.intent.column()));
                cols.push(sys("price", self.price.column()));
                cols.push(sys(
                    "score",
                    ColumnData::Float64(PrimitiveColumn::new(self.score.values, self.score.valid)),
                ));
            }
            Kind::Campaigns => {
                cols.push(sys("campaign_id", ColumnData::Utf8(self.campaign_id)));
                cols.push(sys("campaign_name", ColumnData::Utf8(self.campaign_name)));
                cols.push(sys("status", self.status.column()));
            }
            Kind::Extras => {
                cols.push(sys("key", ColumnData::Utf8(self.key)));
                cols.push(sys("value", ColumnData::Utf8(self.value)));
            }
        }
        cols
    }
}

/// A row's checked fields besides its contact.
struct Fields<'f> {
    at: Option<i64>,
    inbound: bool,
    status: i64,
    /// channel / campaign id / key
    a: &'f str,
    /// text / campaign name / value
    b: &'f str,
}

impl RowSink for Parsed {
    fn row(&mut self, line: u64, fields: &[&str]) {
        let raw = || fields.join(",");
        let (keys, shown) = self.keys(fields);
        if keys.is_empty() {
            let detail = if shown.is_empty() {
                "the contact is empty".to_owned()
            } else {
                format!("{shown:?} is not a valid phone, e-mail or CPF")
            };
            self.rejects.push(Reject { line, reason: "no_contact", detail, raw: raw() });
            return;
        }
        match self.fields(fields) {
            Ok(f) => self.push(line, &keys, shown, f),
            Err((reason, detail)) => self.rejects.push(Reject { line, reason, detail, raw: raw() }),
        }
    }

    fn reject(&mut self, line: u64, reason: &'static str, detail: String, raw: String) {
        self.rejects.push(Reject { line, reason, detail, raw });
    }
}

/// The language code stored in a message row.
pub fn lang_of(code: i64) -> Lang {
    match code {
        0 => Lang::Pt,
        1 => Lang::Es,
        2 => Lang::En,
        _ => Lang::Unknown,
    }
}
