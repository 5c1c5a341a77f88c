//! Event timestamps and the "as of" instant scores are computed for.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Reads a timestamp as Unix seconds (UTC): RFC 3339 (`2026-11-30T14:05:00-03:00`),
/// `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DDTHH:MM:SS` (UTC), `YYYY-MM-DD` (midnight UTC), or
/// whole Unix seconds.
pub fn parse_timestamp(raw: &str) -> Option<i64> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) && s.len() >= 9 {
        return s.parse().ok();
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    for f in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc().timestamp());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp())
}

/// The instant a score is computed for: the end of `date` (UTC), so every event of that
/// day counts; `None` is now.
pub fn as_of(date: Option<NaiveDate>) -> i64 {
    match date {
        Some(d) => d.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp() + DAY,
        None => Utc::now().timestamp(),
    }
}

/// Reads `YYYY-MM-DD`.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok()
}

/// `2026-11-30 14:05:00` (UTC).
pub fn format(ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0)
        .map_or_else(|| ts.to_string(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string())
}

/// An "as of" instant for people: `2026-11-30 (end of day)` when it ends a day.
pub fn format_as_of(ts: i64) -> String {
    if ts.rem_euclid(DAY) == 0 { format!("{} (end of day)", &format(ts - DAY)[..10]) } else { format(ts) }
}

/// Days since 1970-01-01 of `ts`.
pub fn day_of(ts: i64) -> i32 {
    ts.div_euclid(DAY) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_usual_spellings() {
        let midnight = 1_764_460_800; // 2025-11-30
        assert_eq!(parse_timestamp("2025-11-30"), Some(midnight));
        assert_eq!(parse_timestamp("2025-11-30 01:00:00"), Some(midnight + 3600));
        assert_eq!(parse_timestamp("2025-11-30T01:00:00Z"), Some(midnight + 3600));
        assert_eq!(parse_timestamp("2025-11-30T01:00:00-03:00"), Some(midnight + 4 * 3600));
        assert_eq!(parse_timestamp("1764460800"), Some(midnight));
        assert_eq!(parse_timestamp("30/11/2025"), None);
        assert_eq!(parse_timestamp(""), None);
        assert_eq!(as_of(parse_date("2025-11-30")), midnight + DAY);
    }
}
