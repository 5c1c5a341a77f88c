//! Generated contacts and events with planted weights: each person's conversion is drawn
//! from a known logistic model of their action counts and city, so a fit can be checked
//! against the truth (signs, ranking, AUC). Used by tests, `bench score` and the sample
//! under `datasets/`.

use super::time::DAY;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::Write;
use std::path::Path;

/// Actions, their mean count per person over the window, and their planted weight (log-odds
/// per occurrence).
pub const ACTIONS: [(&str, f64, f64); 8] = [
    ("info_request", 0.3, 1.2),
    ("event_registration", 0.4, 0.8),
    ("newsletter_signup", 0.5, 0.5),
    ("link_click", 2.0, 0.25),
    ("email_open", 5.0, 0.05),
    ("page_visit", 6.0, 0.0),
    ("email_bounce", 0.3, -0.6),
    ("unsubscribe", 0.2, -1.5),
];

/// Cities and their planted weight.
pub const CITIES: [(&str, f64); 4] =
    [("São Paulo", 0.4), ("Recife", 0.0), ("Curitiba", -0.2), ("Manaus", 0.0)];

/// The planted intercept.
pub const INTERCEPT: f64 = -2.0;

/// Pages visited (the first is the pricing page).
const PAGES: [&str; 4] = [
    "https://example.com/pricing",
    "https://example.com/blog/a",
    "https://example.com/",
    "https://example.com/contact",
];

/// What to generate.
pub struct Synth {
    pub people: usize,
    /// Events are spread over this many days before `as_of`.
    pub window_days: i64,
    pub as_of: i64,
    pub seed: u64,
    /// Multiplies every action's mean count (to reach an event total).
    pub activity: f64,
}

/// The planted probability of conversion of a person with these counts and city.
pub fn planted_probability(counts: &[u32; 8], city: usize) -> f64 {
    let z = INTERCEPT
        + CITIES[city].1
        + ACTIONS.iter().zip(counts).map(|(a, &c)| a.2 * f64::from(c)).sum::<f64>();
    1.0 / (1.0 + (-z).exp())
}

/// The phone of person `i`.
pub fn phone(i: usize) -> String {
    format!("+55 11 9{:08}", 60_000_000 + i)
}

fn poisson(rng: &mut impl Rng, mean: f64) -> u32 {
    // Knuth's method for small means, a rounded normal for large ones.
    if mean > 30.0 {
        let (u, v): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
        let n = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
        return (mean + mean.sqrt() * n).round().max(0.0) as u32;
    }
    let limit = (-mean).exp();
    let (mut k, mut p) = (0u32, 1.0f64);
    loop {
        p *= rng.random::<f64>();
        if p <= limit {
            return k;
        }
        k += 1;
    }
}

/// Each person's counts per action and city, and their conversion (from the planted model).
pub struct People {
    pub counts: Vec<[u32; 8]>,
    pub city: Vec<usize>,
    pub converted: Vec<bool>,
}

impl Synth {
    /// Draws the people.
    pub fn people(&self) -> People {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut out =
            People { counts: Vec::with_capacity(self.people), city: Vec::new(), converted: Vec::new() };
        for _ in 0..self.people {
            let engaged = 0.3 + 1.4 * rng.random::<f64>();
            let mut counts = [0u32; 8];
            for (c, a) in counts.iter_mut().zip(ACTIONS) {
                *c = poisson(&mut rng, a.1 * engaged * self.activity);
            }
            let city = rng.random_range(0..CITIES.len());
            let converted = rng.random::<f64>() < planted_probability(&counts, city);
            out.counts.push(counts);
            out.city.push(city);
            out.converted.push(converted);
        }
        out
    }

    /// Writes the contacts (`Telefone;Cidade;idade;converted`) to `contacts` and every
    /// person's events (CSV) to `events`; returns the people and the number of events.
    pub fn write(&self, contacts: &Path, events: &Path) -> std::io::Result<(People, u64)> {
        let people = self.people();
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ 0x5eed);
        let mut c = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(contacts)?);
        writeln!(c, "Telefone;Cidade;idade;converted")?;
        let mut e = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(events)?);
        writeln!(e, "contact,action,timestamp,url,campaign,value")?;
        let mut n = 0u64;
        for i in 0..self.people {
            let phone = phone(i);
            writeln!(
                c,
                "{phone};{};{};{}",
                CITIES[people.city[i]].0,
                rng.random_range(18..70),
                if people.converted[i] { "sim" } else { "não" }
            )?;
            for (a, &count) in ACTIONS.iter().zip(&people.counts[i]) {
                for _ in 0..count {
                    let at = self.as_of - 1 - rng.random_range(0..self.window_days * DAY);
                    let ts = super::time::format(at).replace(' ', "T");
                    let url = if a.0 == "page_visit" { PAGES[rng.random_range(0..PAGES.len())] } else { "" };
                    writeln!(e, "{phone},{},{ts}Z,{url},c{},", a.0, rng.random_range(1..5))?;
                    n += 1;
                }
            }
        }
        c.flush()?;
        e.flush()?;
        Ok((people, n))
    }
}
