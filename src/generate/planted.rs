//! Profiles with planted segments: every person belongs to one of `k` segments, and the
//! segment decides their behaviour fields, so automatic segmentation can be scored against
//! the truth (adjusted Rand index) and its k search against the planted k.
//!
//! Per segment `s`, each numeric field (`idade`, `compras`, `visitas`, `valor_total` on a
//! log scale, days since `ultima_compra`) is centred on its own level: the field's range cut
//! into `k` levels, dealt to the segments by a seeded permutation per field, so any two
//! segments differ by at least one level in every numeric field. Values scatter around the
//! level with a standard deviation of 12% of a level. `status_lead` (95%) and `Cidade`
//! (90%) take the segment's own value, else any; `newsletter` is 95% yes or 95% no by
//! segment; `ultimo_canal` is noise, the same for every segment. Segment sizes differ (weights 1, 2,
//! 3 in turn). One record per person, with a unique phone and e-mail, so an import gives
//! one profile per person.
//!
//! The same persons come out as a CSV dump with a truth file `record,person,segment`
//! ([`write_planted`]) or as an in-memory profile table ([`planted_table`]) for benchmarks
//! at sizes where a CSV round trip would dominate.

use super::{GenerateError, block_rng};
use crate::columns::{
    Bitmap, BooleanColumn, CanonicalField, Column, ColumnData, DictionaryColumn, PrimitiveColumn, Role,
    StringColumn, Table, days_from_date,
};
use rand::Rng;
use rand::seq::SliceRandom;
use rayon::prelude::*;
use std::io::Write;

/// Most planted segments.
pub const MAX_K: usize = 26;
/// Persons per parallel block.
const BLOCK: usize = 1 << 14;
const CITIES: [&str; 8] = [
    "São Paulo",
    "Rio de Janeiro",
    "Belo Horizonte",
    "Salvador",
    "Curitiba",
    "Recife",
    "Porto Alegre",
    "Campinas",
];
const CHANNELS: [&str; 4] = ["whatsapp", "email", "sms", "telefone"];
const STATUS: [&str; 6] = ["frio", "morno", "quente", "cliente", "Não cliente", "Vendas qualificadas"];
/// (name, low, high) of the numeric fields' ranges; `valor_total` is on a log scale and
/// `ultima_compra` in days before the base day.
const RANGES: [(&str, f64, f64); 5] = [
    ("idade", 18.0, 80.0),
    ("compras", 0.0, 60.0),
    ("visitas", 0.0, 300.0),
    ("valor_total", 3.4, 9.0),
    ("ultima_compra", 0.0, 720.0),
];
/// Spread of a value around its level, as a share of one level.
const NOISE: f64 = 0.12;

/// What to plant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlantedOptions {
    pub rows: usize,
    pub k: usize,
    pub seed: u64,
}

/// One person's fields.
#[derive(Clone, Debug, PartialEq)]
struct Person {
    segment: u32,
    city: u8,
    channel: u8,
    status: u8,
    age: i64,
    purchases: i64,
    visits: i64,
    /// Cents.
    value: i64,
    /// Days before the base day.
    last_purchase: i32,
    newsletter: bool,
}

/// The day the dump is as of: dates are days before it.
pub fn base_day() -> i32 {
    days_from_date(chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("a valid date"))
}

fn validate(opts: &PlantedOptions) -> Result<(), GenerateError> {
    if !(1..=MAX_K).contains(&opts.k) {
        return Err(GenerateError::InvalidOptions(format!("planted k must be 1 to {MAX_K}, not {}", opts.k)));
    }
    if opts.rows > super::MAX_ROWS {
        return Err(GenerateError::InvalidOptions(format!(
            "rows must be at most {}, not {}",
            super::MAX_ROWS,
            opts.rows
        )));
    }
    Ok(())
}

/// Each numeric field's level per segment (`levels[f][s]`), from the seed.
fn levels(k: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = block_rng(seed ^ 0x91A7_7ED0, usize::MAX);
    RANGES
        .iter()
        .map(|_| {
            let mut p: Vec<usize> = (0..k).collect();
            p.shuffle(&mut rng);
            p
        })
        .collect()
}

/// Every person, generated in parallel blocks (the same for any thread count).
fn persons(opts: &PlantedOptions) -> Vec<Person> {
    let k = opts.k;
    let levels = levels(k, opts.seed);
    let weights: Vec<usize> = (0..k).map(|s| 1 + s % 3).collect();
    let total: usize = weights.iter().sum();
    let value = |rng: &mut rand_chacha::ChaCha8Rng, f: usize, s: usize| {
        let (_, lo, hi) = RANGES[f];
        let step = (hi - lo) / k as f64;
        let center = lo + (levels[f][s] as f64 + 0.5) * step;
        // A sum of uniforms: close to normal, bounded.
        let noise: f64 = (0..4).map(|_| rng.random::<f64>() - 0.5).sum::<f64>() * NOISE * step * 1.732;
        center + noise
    };
    (0..opts.rows.div_ceil(BLOCK))
        .into_par_iter()
        .flat_map_iter(|b| {
            let mut rng = block_rng(opts.seed, b);
            let n = BLOCK.min(opts.rows - b * BLOCK);
            (0..n)
                .map(|_| {
                    let (mut pick, mut s) = (rng.random_range(0..total), 0);
                    while pick >= weights[s] {
                        pick -= weights[s];
                        s += 1;
                    }
                    Person {
                        segment: s as u32,
                        city: own_or_any(&mut rng, 0.9, s, CITIES.len()),
                        channel: rng.random_range(0..CHANNELS.len()) as u8,
                        status: own_or_any(&mut rng, 0.95, s, STATUS.len()),
                        age: value(&mut rng, 0, s).round() as i64,
                        purchases: value(&mut rng, 1, s).round().max(0.0) as i64,
                        visits: value(&mut rng, 2, s).round().max(0.0) as i64,
                        value: (value(&mut rng, 3, s).exp() * 100.0).round() as i64,
                        last_purchase: value(&mut rng, 4, s).round().max(0.0) as i32,
                        newsletter: rng.random_bool(if s % 2 == 0 { 0.95 } else { 0.05 }),
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The segment's own value (`s` modulo the `values`) with probability `p`, else any.
fn own_or_any(rng: &mut rand_chacha::ChaCha8Rng, p: f64, s: usize, values: usize) -> u8 {
    if rng.random_bool(p) { (s % values) as u8 } else { rng.random_range(0..values) as u8 }
}

/// What [`write_planted`] wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlantedSummary {
    pub rows: usize,
    pub k: usize,
    pub bytes: u64,
}

/// Writes the planted dump (`;`-separated, LF) to `out` and `record,person,segment` to
/// `truth`.
pub fn write_planted(
    opts: &PlantedOptions,
    separator: u8,
    out: &mut dyn Write,
    truth: &mut dyn Write,
) -> Result<PlantedSummary, GenerateError> {
    validate(opts)?;
    let io = |what: &'static str| move |source| GenerateError::Io { what, source };
    let people = persons(opts);
    let sep = char::from(separator);
    let header = [
        "Telefone",
        "E-mail",
        "Nome",
        "Cidade",
        "Aceite",
        "status_lead",
        "ultimo_canal",
        "idade",
        "compras",
        "visitas",
        "valor_total",
        "ultima_compra",
        "newsletter",
    ];
    let mut bytes = 0u64;
    let head = format!("{}\n", header.join(&sep.to_string()));
    out.write_all(head.as_bytes()).map_err(io("CSV output"))?;
    bytes += head.len() as u64;
    truth.write_all(b"record,person,segment\n").map_err(io("truth file"))?;
    let base = base_day();
    let mut line = String::new();
    for (i, p) in people.iter().enumerate() {
        line.clear();
        let date = crate::columns::Value::Date(base - p.last_purchase).to_string();
        let (y, m, d) = (&date[0..4], &date[5..7], &date[8..10]);
        use std::fmt::Write as _;
        let _ = writeln!(
            line,
            "5511{:09}{sep}pessoa{i}@exemplo.com.br{sep}Pessoa {i}{sep}{}{sep}sim{sep}{}{sep}{}{sep}{}{sep}{}{sep}{}{sep}{},{:02}{sep}{d}/{m}/{y}{sep}{}",
            900_000_000 + i,
            CITIES[p.city as usize],
            STATUS[p.status as usize],
            CHANNELS[p.channel as usize],
            p.age,
            p.purchases,
            p.visits,
            p.value / 100,
            p.value % 100,
            if p.newsletter { "sim" } else { "não" },
        );
        out.write_all(line.as_bytes()).map_err(io("CSV output"))?;
        bytes += line.len() as u64;
        writeln!(truth, "{i},{i},{}", p.segment).map_err(io("truth file"))?;
    }
    out.flush().map_err(io("CSV output"))?;
    truth.flush().map_err(io("truth file"))?;
    Ok(PlantedSummary { rows: opts.rows, k: opts.k, bytes })
}

/// The planted persons as a profile table (profileId, email, city, the behaviour fields,
/// lastUpdated = the base day) and each row's segment.
pub fn planted_table(opts: &PlantedOptions) -> Result<(Table, Vec<u32>), GenerateError> {
    validate(opts)?;
    let people = persons(opts);
    let n = people.len();
    let all = || Bitmap::new_set(n);
    let ints = |f: fn(&Person) -> i64| {
        ColumnData::Int64(PrimitiveColumn::new(people.iter().map(f).collect(), all()))
    };
    let dict = |values: &[&str], f: fn(&Person) -> u8| {
        let d: StringColumn = values.iter().copied().map(Some).collect();
        ColumnData::Dictionary(
            DictionaryColumn::from_parts(people.iter().map(|p| u32::from(f(p))).collect(), d, all())
                .expect("codes within the dictionary"),
        )
    };
    let mut email = StringColumn::with_capacity(n, n * 24);
    for i in 0..n {
        email.push(Some(&format!("pessoa{i}@exemplo.com.br")));
    }
    let mut newsletter = Bitmap::new_unset(n);
    for (i, p) in people.iter().enumerate() {
        newsletter.set(i, p.newsletter);
    }
    let base = base_day();
    let col = |name: &str, role, data| Column { name: name.to_owned(), role, data };
    let columns = vec![
        col(
            "profileId",
            Role::System,
            ColumnData::Int64(PrimitiveColumn::new((1..=n as i64).collect(), all())),
        ),
        col("lastUpdated", Role::System, ColumnData::Date(PrimitiveColumn::new(vec![base; n], all()))),
        col("email", Role::Canonical(CanonicalField::Email), ColumnData::Utf8(email)),
        col("city", Role::Canonical(CanonicalField::City), dict(&CITIES, |p| p.city)),
        col("status_lead", Role::Attribute, dict(&STATUS, |p| p.status)),
        col("ultimo_canal", Role::Attribute, dict(&CHANNELS, |p| p.channel)),
        col("idade", Role::Attribute, ints(|p| p.age)),
        col("compras", Role::Attribute, ints(|p| p.purchases)),
        col("visitas", Role::Attribute, ints(|p| p.visits)),
        col(
            "valor_total",
            Role::Attribute,
            ColumnData::Float64(PrimitiveColumn::new(
                people.iter().map(|p| p.value as f64 / 100.0).collect(),
                all(),
            )),
        ),
        col(
            "ultima_compra",
            Role::Attribute,
            ColumnData::Date(PrimitiveColumn::new(
                people.iter().map(|p| base - p.last_purchase).collect(),
                all(),
            )),
        ),
        col(
            "newsletter",
            Role::Attribute,
            ColumnData::Boolean(BooleanColumn { values: newsletter, validity: all() }),
        ),
    ];
    Ok((Table::new(n, columns), people.iter().map(|p| p.segment).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_every_segment_present() {
        let opts = PlantedOptions { rows: 5_000, k: 5, seed: 3 };
        let (a, la) = planted_table(&opts).unwrap();
        let (b, lb) = planted_table(&opts).unwrap();
        assert_eq!(a, b);
        assert_eq!(la, lb);
        for s in 0..5 {
            assert!(la.iter().filter(|&&l| l == s).count() > 300, "segment {s} too small");
        }
    }

    #[test]
    fn csv_and_table_hold_the_same_persons() {
        let opts = PlantedOptions { rows: 50, k: 3, seed: 9 };
        let (mut csv, mut truth) = (Vec::new(), Vec::new());
        write_planted(&opts, b';', &mut csv, &mut truth).unwrap();
        let (table, labels) = planted_table(&opts).unwrap();
        let text = String::from_utf8(csv).unwrap();
        let line = text.lines().nth(8).unwrap();
        let ages = table.column("idade").unwrap();
        assert_eq!(line.split(';').nth(7).unwrap(), ages.data.value(7).to_string());
        let t = String::from_utf8(truth).unwrap();
        assert_eq!(t.lines().nth(8).unwrap(), format!("7,7,{}", labels[7]));
    }

    #[test]
    fn rejects_bad_k() {
        assert!(planted_table(&PlantedOptions { rows: 10, k: 0, seed: 1 }).is_err());
        assert!(planted_table(&PlantedOptions { rows: 10, k: MAX_K + 1, seed: 1 }).is_err());
    }
}
