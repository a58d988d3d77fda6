//! Dates and times as sqlx-sqlite 0.9 decodes them (`types/chrono.rs`), so that a
//! value reads the same through either path: RFC 3339 text or one of SQLite's
//! formats; an integer is Unix seconds, a float a Julian day. Ported because sqlx
//! keeps them private; the `chrono` crate does the parsing.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, TimeZone, Utc};

pub(super) fn from_text(value: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(value) {
        return Some(dt);
    }
    const FORMATS: [&str; 12] = [
        "%F %T%.f",
        "%F %R",
        "%F %RZ",
        "%F %R%:z",
        "%F %T%.fZ",
        "%F %T%.f%:z",
        "%FT%R",
        "%FT%RZ",
        "%FT%R%:z",
        "%FT%T%.f",
        "%FT%T%.fZ",
        "%FT%T%.f%:z",
    ];
    FORMATS.iter().find_map(|format| {
        DateTime::parse_from_str(value, format).ok().or_else(|| {
            NaiveDateTime::parse_from_str(value, format)
                .ok()
                .map(|dt| Utc.fix().from_utc_datetime(&dt))
        })
    })
}

pub(super) fn from_int(value: i64) -> Option<DateTime<FixedOffset>> {
    Utc.fix().timestamp_opt(value, 0).single()
}

pub(super) fn from_float(value: f64) -> Option<DateTime<FixedOffset>> {
    let timestamp = (value - 2_440_587.5) * 86_400.0;
    if !timestamp.is_finite() {
        return None;
    }
    // Lossy on purpose, as in sqlx: the value is finite.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (seconds, nanos) = (
        timestamp.trunc() as i64,
        (timestamp.fract() * 1E9).abs() as u32,
    );
    Utc.fix().timestamp_opt(seconds, nanos).single()
}
