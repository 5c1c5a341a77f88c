//! `hyperseg bench enrich`: generated chat messages (pt, es, en) for generated profiles, and
//! the time of each enrichment stage over them: reading the file, reading it into checked rows
//! (contact keys, timestamps, classification), classifying, linking to profiles, and deriving
//! the per-profile fields.

use super::EnrichError;
use super::classify::{Classifier, Scratch};
use super::contact::Linker;
use super::profile;
use super::read::{self, RowSink};
use super::rows::Kind;
use super::tables;
use crate::columns::{ColumnData, Table};
use crate::identity::normalize::{self, CountryCode};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to measure.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    pub messages: usize,
    pub profiles: usize,
    pub seed: u64,
    /// The generated file: kept at this path (and reused when it exists); a temporary file
    /// when `None`.
    pub file: Option<PathBuf>,
    /// Timed runs per stage (the median is reported).
    pub repeat: usize,
}

/// One stage's time.
#[derive(Clone, Debug, Serialize)]
pub struct StageTime {
    pub stage: &'static str,
    pub median_s: f64,
    pub best_s: f64,
    /// Processor time (user + system, all threads) of the median run: on a machine shared
    /// with other work, `cpu_s / threads` is what the stage takes when it has the cores alone.
    pub cpu_s: f64,
    pub messages_per_s: f64,
    pub mb_per_s: f64,
}

/// What the benchmark measured.
#[derive(Clone, Debug, Serialize)]
pub struct BenchResult {
    pub messages: usize,
    pub profiles: usize,
    pub file: String,
    pub bytes: u64,
    pub threads: usize,
    pub inbound: usize,
    pub linked: usize,
    pub profiles_with_messages: usize,
    pub stages: Vec<StageTime>,
    /// Linking plus classification, messages per second (the target: over 2M).
    pub link_and_classify_messages_per_s: f64,
    /// The same from processor time: messages / (cpu_s / threads).
    pub link_and_classify_messages_per_cpu_share_s: f64,
}

const PT: &[&str] = &[
    "oi, quanto custa {p}?",
    "vcs tem {p} no tamanho {n}?",
    "bom dia! aceita pix? quero comprar {n} {p}",
    "muito caro, faz um desconto?",
    "meu pedido ainda não chegou, já faz {n} dias 😡",
    "adorei {p}, chegou rapidinho!! 😍",
    "qual o prazo de entrega pra {c}?",
    "obrigada pelo atendimento",
    "preço justo, vou levar",
    "não gostei da qualidade do {p}",
    "tem em estoque? qto fica o frete pra {c}?",
    "ok",
];
const ES: &[&str] = &[
    "hola, cuánto cuesta {p}?",
    "tienen {p} en talla {n}?",
    "aceptan tarjeta? quiero comprar {n} {p}",
    "demasiado caro, me haces un descuento?",
    "mi pedido todavía no llega, ya pasaron {n} días 😡",
    "me encantó {p}, llegó rapidísimo!! 😍",
    "cuánto tarda el envío a {c}?",
    "muchas gracias por la atención",
    "buen precio, vale la pena",
    "no me gusta la calidad del {p}",
    "hay stock? cuánto sale el envío a {c}?",
    "dale",
];
const EN: &[&str] = &[
    "hi, how much is the {p}?",
    "do you have the {p} in size {n}?",
    "do you take paypal? I want to buy {n} {p}",
    "way too expensive, any discount?",
    "my order still hasn't arrived, it's been {n} days 😡",
    "love the {p}, arrived so fast!! 😍",
    "how long does shipping to {c} take?",
    "thanks so much for the help",
    "great price, totally worth it",
    "I don't like the quality of the {p}",
    "is it in stock? how much is shipping to {c}?",
    "ok",
];
const PRODUCTS: &[&str] =
    &["bolsa preta", "tênis branco", "vestido azul", "mochila", "camiseta", "perfume", "relógio"];
const CITIES: &[&str] = &["São Paulo", "Recife", "Madrid", "Lima", "Chicago", "Porto Alegre", "Bogotá"];
const CHANNELS: &[&str] = &["whatsapp", "instagram", "messenger", "email"];

/// The phone of generated profile `p`, as written in the file (some formatted by hand).
fn phone_text(p: usize, formatted: bool) -> String {
    if formatted { format!("(11) 9{:04}-{:04}", p / 10_000, p % 10_000) } else { format!("55119{p:08}") }
}

/// Writes `messages` generated messages for `profiles` contacts as CSV; returns its bytes.
pub fn generate(path: &Path, messages: usize, profiles: usize, seed: u64) -> std::io::Result<u64> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(w, "contact,timestamp,direction,text,channel")?;
    let start = 1_767_225_600i64; // 2026-01-01T00:00:00Z
    for _ in 0..messages {
        let p = rng.random_range(0..profiles.max(1));
        let lang = match rng.random_range(0..10) {
            0..5 => PT,
            5..8 => ES,
            _ => EN,
        };
        let text = lang[rng.random_range(0..lang.len())]
            .replace("{p}", PRODUCTS[rng.random_range(0..PRODUCTS.len())])
            .replace("{c}", CITIES[rng.random_range(0..CITIES.len())])
            .replace("{n}", &rng.random_range(2..40).to_string());
        let at = start + rng.random_range(0..300 * 86_400);
        let when =
            chrono::DateTime::from_timestamp(at, 0).expect("a valid time").format("%Y-%m-%dT%H:%M:%SZ");
        let dir = if rng.random_bool(0.6) { "in" } else { "out" };
        let text = if text.contains(',') { format!("\"{text}\"") } else { text };
        let contact = phone_text(p, rng.random_bool(0.1));
        let channel = CHANNELS[rng.random_range(0..CHANNELS.len())];
        writeln!(w, "{contact},{when},{dir},{text},{channel}")?;
    }
    w.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// A sink that only counts rows and field bytes: the CSV parse alone.
struct Count(usize, usize);
impl RowSink for Count {
    fn row(&mut self, _: u64, fields: &[&str]) {
        self.0 += 1;
        self.1 += fields.iter().map(|f| f.len()).sum::<usize>();
    }
    fn reject(&mut self, _: u64, _: &'static str, _: String, _: String) {}
}

/// Seconds of processor time this process has used (user + system), from `/proc/self/stat`
/// (Linux; 0 elsewhere). Ticks are 1/100 s.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // Fields after the command name (which ends with ')'): utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

/// Runs `f` `repeat` times; its last result, and (wall, cpu) seconds per run sorted by wall.
fn timed<T>(
    repeat: usize,
    mut f: impl FnMut() -> Result<T, EnrichError>,
) -> Result<(T, Vec<(f64, f64)>), EnrichError> {
    let mut times = Vec::with_capacity(repeat);
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let (t, c) = (Instant::now(), cpu_seconds());
        last = Some(f()?);
        times.push((t.elapsed().as_secs_f64(), cpu_seconds() - c));
    }
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok((last.expect("at least one run"), times))
}

fn stage(stage: &'static str, times: &[(f64, f64)], messages: usize, bytes: u64) -> StageTime {
    let (median, cpu) = times[times.len() / 2];
    StageTime {
        stage,
        median_s: median,
        best_s: times[0].0,
        cpu_s: cpu,
        messages_per_s: messages as f64 / median,
        mb_per_s: bytes as f64 / 1e6 / median,
    }
}

/// Classifies every inbound message of `t` in parallel; returns how many.
pub fn classify_all(t: &Table) -> usize {
    let (Some(ColumnData::Utf8(text)), Some(inbound)) =
        (t.column("text").map(|c| &c.data), t.ints("inbound"))
    else {
        return 0;
    };
    let c = Classifier::get();
    (0..t.rows())
        .into_par_iter()
        .with_min_len(4096)
        .map_init(Scratch::default, |s, i| {
            if inbound[i] == 1 {
                let r = c.classify(text.get(i).unwrap_or_default(), None, s);
                usize::from(r.score.is_finite())
            } else {
                0
            }
        })
        .sum()
}

/// Runs the benchmark.
pub fn run(opts: &BenchOptions) -> Result<BenchResult, EnrichError> {
    let tmp;
    let path = match &opts.file {
        Some(p) => p.clone(),
        None => {
            tmp =
                tempfile::tempdir().map_err(|e| EnrichError::Invalid(format!("no temporary folder: {e}")))?;
            tmp.path().join("messages.csv")
        }
    };
    let io = |e: std::io::Error| EnrichError::Invalid(format!("{}: {e}", path.display()));
    if !path.is_file() {
        generate(&path, opts.messages, opts.profiles, opts.seed).map_err(io)?;
    }
    let bytes = std::fs::metadata(&path).map_err(io)?.len();
    let br = CountryCode::parse("55").expect("55 is a country code");
    let n = opts.messages;
    let (_, read_t) = timed(opts.repeat, || read::read_file(&path, &|_| Ok(Count(0, 0))))?;
    let (parsed, parse_t) = timed(opts.repeat, || tables::read_file(&path, Kind::Messages, br))?;
    let table = parsed.table;
    let (inbound, class_t) = timed(opts.repeat, || Ok(classify_all(&table)))?;
    let linker = Linker::from_entries(
        (0..opts.profiles)
            .map(|p| (normalize::phone_key_in(&phone_text(p, false), br).ok(), None, None, p as i64 + 1)),
    );
    let profiles: hashbrown::HashMap<i64, u32> =
        (0..opts.profiles).map(|p| (p as i64 + 1, p as u32)).collect();
    // Keys → profile-table rows once per derivation (as `profile_columns` does), then one
    // lookup per message.
    let by_row = linker.to_rows(&profiles);
    let (link, link_t) = timed(opts.repeat, || Ok(profile::link_rows_direct(&table, &by_row)))?;
    let linked = link.iter().filter(|&&p| p != u32::MAX).count();
    let (fields, derive_t) =
        timed(opts.repeat, || Ok(profile::message_fields(&table, &link, opts.profiles, 24.0)))?;
    let with = fields.first().map_or(0, |c| c.data.validity().count_ones());
    let both: Vec<(f64, f64)> = class_t.iter().zip(&link_t).map(|(a, b)| (a.0 + b.0, a.1 + b.1)).collect();
    let stages = vec![
        stage("read: CSV parse into fields (compare polars read_csv)", &read_t, n, bytes),
        stage("read + check + contact keys + timestamps + classify (enrich messages)", &parse_t, n, bytes),
        stage("classify inbound messages (language, intent, price, sentiment)", &class_t, n, bytes),
        stage("link messages to profiles by contact keys", &link_t, n, bytes),
        stage("link + classify", &both, n, bytes),
        stage("derive per-profile fields", &derive_t, n, bytes),
    ];
    let link_and_classify = stages[4].messages_per_s;
    let threads = rayon::current_num_threads();
    let per_share = n as f64 / (stages[4].cpu_s / threads as f64).max(1e-9);
    Ok(BenchResult {
        messages: table.rows(),
        profiles: opts.profiles,
        file: path.display().to_string(),
        bytes,
        threads,
        inbound,
        linked,
        profiles_with_messages: with,
        stages,
        link_and_classify_messages_per_s: link_and_classify,
        link_and_classify_messages_per_cpu_share_s: per_share,
    })
}
