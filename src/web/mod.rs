//! Cross-cutting web pieces: extractors, page chrome, form helpers, the
//! router assembly lives in `startup`.

pub mod assets;
pub mod bounds;
pub mod change;
pub mod charts;
pub mod choice;
pub mod csv;
pub mod extract;
pub mod forms;
pub mod guard;
pub mod idempotency;
pub mod layout;
pub mod pages;
pub mod path;
pub mod seats;
pub mod upload;
pub mod words;

use chrono::offset::{MappedLocalTime, Offset, TimeZone};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use chrono_tz::Europe::Stockholm;

/// Today's date in Sweden (the server itself runs in UTC).
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&Stockholm).date_naive()
}

/// A timestamp as Swedish users read it: `2024-04-30 14:05`, Swedish time.
pub fn format_local(at: DateTime<Utc>) -> String {
    at.with_timezone(&Stockholm)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Start of a Stockholm day as a UTC instant.
pub fn day_start(date: NaiveDate) -> DateTime<Utc> {
    stockholm_to_utc(date.and_time(NaiveTime::MIN))
}

/// Converts a Stockholm wall-clock time to UTC without ever panicking.
///
/// * Ambiguous (autumn fall-back, 02:00–02:59 occurs twice): the earliest
///   instant, i.e. the summer-time (CEST) reading.
/// * Nonexistent (spring-forward gap, 02:00–02:59): the time is read with
///   the offset in force just before the gap, so 02:30 becomes 03:30 CEST.
///   This is what most calendar software does and keeps the meeting's
///   length intact.
pub fn stockholm_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    match Stockholm.from_local_datetime(&local) {
        MappedLocalTime::Single(t) => t.with_timezone(&Utc),
        MappedLocalTime::Ambiguous(earliest, _) => earliest.with_timezone(&Utc),
        MappedLocalTime::None => {
            // A day earlier is safely before any gap (they last an hour).
            let before = local
                .checked_sub_signed(TimeDelta::days(1))
                .unwrap_or(local);
            let offset = Stockholm.offset_from_utc_datetime(&before).fix();
            local.checked_sub_offset(offset).unwrap_or(local).and_utc()
        }
    }
}
