//! Numbers and dates as the report writes them: thousands separated, a fixed number of
//! decimals, ISO dates.

pub use crate::text::thousands;

/// A signed integer with thousands separated.
pub fn int(n: i64) -> String {
    if n < 0 { format!("-{}", thousands(n.unsigned_abs())) } else { thousands(n as u64) }
}

/// A number: whole numbers with thousands separated, others with `decimals` places.
pub fn num(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "–".to_owned();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return int(v as i64);
    }
    let text = format!("{:.*}", decimals, v.abs());
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let whole = thousands(whole.parse().unwrap_or(0));
    let sign = if v < 0.0 { "-" } else { "" };
    if frac.is_empty() { format!("{sign}{whole}") } else { format!("{sign}{whole}.{frac}") }
}

/// A share as a percentage with one decimal: `0.1234` → `12.3%`.
pub fn percent(share: f64) -> String {
    format!("{}%", num((share * 1000.0).round() / 10.0, 1))
}

/// Days since 1970-01-01 as `YYYY-MM-DD`.
pub fn date(days: i32) -> String {
    crate::columns::date_from_days(days)
        .map_or_else(|| days.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

/// The day of an RFC 3339 time (`2026-11-30T03:10:13Z` → `2026-11-30`).
pub fn day(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

/// Seconds between two RFC 3339 times (0 when either does not parse).
pub fn seconds_between(from: &str, to: &str) -> f64 {
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
    match (parse(from), parse(to)) {
        (Some(a), Some(b)) => (b - a).num_milliseconds() as f64 / 1000.0,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(int(-1234), "-1,234");
        assert_eq!(num(1234.5, 2), "1,234.50");
        assert_eq!(num(-0.25, 2), "-0.25");
        assert_eq!(num(1_000_000.0, 2), "1,000,000");
        assert_eq!(percent(0.1234), "12.3%");
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(seconds_between("2026-11-30T03:10:13.000Z", "2026-11-30T03:10:14.500Z"), 1.5);
    }
}
