//! Bounds on every request parameter that scales the work a page does
//! (date ranges, weeks, months, terms). A value out of bounds is clamped and
//! the page says so in a note, or refused with a Swedish message: no request
//! makes the server build more than a few megabytes.

use chrono::{Datelike, Months, NaiveDate};

use super::layout::{Chrome, Flash};
use super::today;

/// The first year any page shows: no municipality has records before it.
pub const FIRST_YEAR: i32 = 2000;

/// How many years past today a page may look ahead.
pub const YEARS_AHEAD: i32 = 10;

/// The longest period a dashboard or list covers, in years.
pub const MAX_SPAN_YEARS: u32 = 10;

/// The last year any page shows.
pub fn last_year() -> i32 {
    today().year() + YEARS_AHEAD
}

/// Whether a year is one a page may show.
pub fn year_ok(year: i32) -> bool {
    (FIRST_YEAR..=last_year()).contains(&year)
}

/// The years a page may show, as Swedish text ("2000 till 2036").
pub fn years_text() -> String {
    format!("{FIRST_YEAR} till {}", last_year())
}

/// The earliest and latest day a period may reach.
pub fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).unwrap_or(NaiveDate::MIN)
}

pub fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(last_year(), 12, 31).unwrap_or(NaiveDate::MAX)
}

/// A date typed as `YYYY-MM-DD`, or `None` (with whether something was typed).
fn parse_date(value: &str) -> Result<Option<NaiveDate>, ()> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| ())
}

/// A period from query parameters, clamped, with the notes that explain
/// what was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub notes: Vec<String>,
}

/// The period a page shows when none is asked for: the last 52 weeks, the
/// same on every page (the overview and the event list it links to count
/// the same events).
const DEFAULT_DAYS: u64 = 7 * 52 - 1;

/// Reads `fran`/`till` (`YYYY-MM-DD`): unreadable dates give the defaults
/// (`till` today, `fran` 52 weeks back), dates outside the years a page may
/// show are moved inside them, a reversed period is turned round, and a
/// period longer than ten years keeps its last ten years.
pub fn span(fran: &str, till: &str) -> Span {
    let mut notes = Vec::new();
    let mut to = match parse_date(till) {
        Ok(Some(d)) => d,
        Ok(None) => today(),
        Err(()) => {
            notes.push(
                "Slutdatumet kunde inte läsas (ange ÅÅÅÅ-MM-DD); dagens datum används.".to_owned(),
            );
            today()
        }
    };
    let default_from = |to: NaiveDate| {
        to.checked_sub_days(chrono::Days::new(DEFAULT_DAYS))
            .unwrap_or(to)
    };
    let mut from = match parse_date(fran) {
        Ok(Some(d)) => d,
        Ok(None) => default_from(to),
        Err(()) => {
            notes.push(
                "Startdatumet kunde inte läsas (ange ÅÅÅÅ-MM-DD); standardperioden används."
                    .to_owned(),
            );
            default_from(to)
        }
    };
    let (first, last) = (first_day(), last_day());
    if from < first || from > last || to < first || to > last {
        notes.push(format!(
            "Perioden kan bara ligga mellan {first} och {last}; datumen utanför är flyttade."
        ));
        from = from.clamp(first, last);
        to = to.clamp(first, last);
    }
    if from > to {
        notes.push("Startdatumet låg efter slutdatumet; datumen är bytta.".to_owned());
        std::mem::swap(&mut from, &mut to);
    }
    if let Some(earliest) = to.checked_sub_months(Months::new(12 * MAX_SPAN_YEARS))
        && from < earliest
    {
        notes.push(format!(
            "En period kan vara högst {MAX_SPAN_YEARS} år; sidan visar {earliest} – {to}."
        ));
        from = earliest;
    }
    Span { from, to, notes }
}

/// Shows notes on a page, in the message box under the heading (where
/// flash messages go).
pub fn note(chrome: &mut Chrome, notes: &[String]) {
    if notes.is_empty() {
        return;
    }
    let mut message = chrome.flash.take().map(|f| f.message).unwrap_or_default();
    for n in notes {
        if !message.is_empty() {
            message.push(' ');
        }
        message.push_str(n);
    }
    chrome.flash = Some(Flash::warning(message));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn an_ordinary_period_is_kept_without_notes() {
        let s = span("2025-01-01", "2025-12-31");
        assert_eq!((s.from, s.to), (d(2025, 1, 1), d(2025, 12, 31)));
        assert!(s.notes.is_empty());
    }

    #[test]
    fn huge_tiny_reversed_and_unreadable_periods_are_clamped_with_a_note() {
        for (fran, till) in [
            ("0001-01-01", "9999-12-31"),
            ("-5000-01-01", "+99999-01-01"),
            ("9999-12-31", "0001-01-01"),
            ("0000-01-01", "2025-01-01"),
            ("1900-01-01", "1901-01-01"),
            ("2030-01-01", "2020-01-01"),
            ("abc", "2025-13-45"),
            ("2262143-01-01", "-262143-01-01"),
        ] {
            let s = span(fran, till);
            assert!(!s.notes.is_empty(), "{fran} {till}");
            assert!(s.from <= s.to, "{fran} {till}");
            assert!(s.from >= first_day() && s.to <= last_day(), "{fran} {till}");
            assert!(
                s.to.years_since(s.from).unwrap_or(0) <= MAX_SPAN_YEARS,
                "{fran} {till}: {s:?}"
            );
        }
    }

    #[test]
    fn years_are_bounded() {
        assert!(year_ok(2026));
        assert!(year_ok(FIRST_YEAR));
        assert!(!year_ok(1999));
        assert!(!year_ok(0));
        assert!(!year_ok(-1));
        assert!(!year_ok(last_year() + 1));
    }
}
