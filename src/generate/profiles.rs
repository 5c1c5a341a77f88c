//! A synthetic profile table made directly in memory, for benchmarking filters at sizes a
//! CSV round trip would make slow (10,000,000 rows and more). Deterministic for a seed.

use crate::columns::{
    Bitmap, Column, ColumnData, DictionaryColumn, PrimitiveColumn, Role, StringColumn, Table,
};
use rand::Rng;
use rayon::prelude::*;

const CITIES: [&str; 12] = [
    "São Paulo",
    "Rio de Janeiro",
    "Belo Horizonte",
    "Salvador",
    "Fortaleza",
    "Curitiba",
    "Recife",
    "Porto Alegre",
    "Manaus",
    "Belém",
    "Goiânia",
    "Campinas",
];
const STATUS: [&str; 6] = ["frio", "morno", "quente", "cliente", "Não cliente", "Vendas qualificadas"];
const DOMAINS: [&str; 5] = ["gmail.com", "hotmail.com", "yahoo.com.br", "uol.com.br", "outlook.com"];
const BLOCK: usize = 1 << 16;

/// `rows` profiles with `city` and `status_lead` (dictionary text), `idade` (integer, 5% empty),
/// `valor_total` (decimal, 5% empty) and `email` (plain text, 10% empty).
pub fn profile_table(rows: usize, seed: u64) -> Table {
    struct Part {
        city: Vec<u32>,
        status: Vec<u32>,
        age: Vec<Option<i64>>,
        value: Vec<Option<f64>>,
        email: StringColumn,
    }
    let parts: Vec<Part> = (0..rows.div_ceil(BLOCK))
        .into_par_iter()
        .map(|b| {
            let mut rng = super::block_rng(seed, b);
            let n = BLOCK.min(rows - b * BLOCK);
            let mut p = Part {
                city: Vec::with_capacity(n),
                status: Vec::with_capacity(n),
                age: Vec::with_capacity(n),
                value: Vec::with_capacity(n),
                email: StringColumn::with_capacity(n, n * 22),
            };
            for i in 0..n {
                // Skewed like real dumps: the big capitals dominate.
                let c = (rng.random::<f64>().powi(2) * CITIES.len() as f64) as u32;
                p.city.push(c.min(CITIES.len() as u32 - 1));
                p.status.push(rng.random_range(0..STATUS.len() as u32));
                p.age.push((rng.random::<f64>() >= 0.05).then(|| rng.random_range(16..90)));
                p.value.push(
                    (rng.random::<f64>() >= 0.05).then(|| (rng.random_range(0..500_000) as f64) / 100.0),
                );
                if rng.random::<f64>() < 0.10 {
                    p.email.push(None);
                } else {
                    let d = DOMAINS[rng.random_range(0..DOMAINS.len())];
                    p.email.push(Some(&format!("cliente{}@{d}", b * BLOCK + i)));
                }
            }
            p
        })
        .collect();
    let dict = |values: &[&str]| values.iter().copied().map(Some).collect::<StringColumn>();
    let mut city = Vec::with_capacity(rows);
    let mut status = Vec::with_capacity(rows);
    let (mut age, mut age_ok) = (Vec::with_capacity(rows), Bitmap::with_capacity(rows));
    let (mut value, mut value_ok) = (Vec::with_capacity(rows), Bitmap::with_capacity(rows));
    let mut emails = Vec::with_capacity(parts.len());
    for p in parts {
        city.extend(p.city);
        status.extend(p.status);
        for a in p.age {
            age.push(a.unwrap_or(0));
            age_ok.push(a.is_some());
        }
        for v in p.value {
            value.push(v.unwrap_or(0.0));
            value_ok.push(v.is_some());
        }
        emails.push(ColumnData::Utf8(p.email));
    }
    let col = |name: &str, role, data| Column { name: name.to_owned(), role, data };
    let dictionary = |codes, values: &[&str]| {
        ColumnData::Dictionary(
            DictionaryColumn::from_parts(codes, dict(values), Bitmap::new_set(rows))
                .expect("codes within the dictionary"),
        )
    };
    Table::new(
        rows,
        vec![
            col("city", Role::Canonical(crate::columns::CanonicalField::City), dictionary(city, &CITIES)),
            col("status_lead", Role::Attribute, dictionary(status, &STATUS)),
            col("idade", Role::Attribute, ColumnData::Int64(PrimitiveColumn::new(age, age_ok))),
            col("valor_total", Role::Attribute, ColumnData::Float64(PrimitiveColumn::new(value, value_ok))),
            col("email", Role::Canonical(crate::columns::CanonicalField::Email), ColumnData::concat(emails)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::Value;

    #[test]
    fn deterministic_and_shaped_as_documented() {
        let a = profile_table(70_000, 3);
        let b = profile_table(70_000, 3);
        assert_eq!(a, b);
        assert_eq!(a.rows(), 70_000);
        let empty_emails =
            (0..a.rows()).filter(|&i| a.column("email").unwrap().data.value(i) == Value::Null).count();
        assert!((5_000..9_000).contains(&empty_emails), "{empty_emails}");
        assert!(matches!(a.column("city").unwrap().data, ColumnData::Dictionary(_)));
    }
}
