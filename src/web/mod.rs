//! Cross-cutting web pieces: extractors, page chrome, form helpers, the
//! router assembly lives in `startup`.

pub mod assets;
pub mod bounds;
pub mod change;
pub mod csv;
pub mod extract;
pub mod forms;
pub mod guard;
pub mod idempotency;
pub mod layout;
pub mod pages;
pub mod path;
pub mod words;

use chrono::NaiveDate;
use chrono_tz::Europe::Stockholm;

/// Today's date in Sweden (the server itself runs in UTC).
pub fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&Stockholm).date_naive()
}

/// A timestamp as Swedish users read it: `2024-04-30 14:05`, Swedish time.
pub fn format_local(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&Stockholm)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}
