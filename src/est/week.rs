//! Reporting weeks: a report belongs to the ISO week of the EST meeting it
//! is for (`2026-W48`), or to a two-week period where the municipality
//! reports every other week.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// A reporting period, named by its first ISO week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReportWeek {
    /// The Monday the period starts.
    pub monday: NaiveDate,
}

impl ReportWeek {
    /// The period containing `date`, for a reporting interval of 1 or 2 weeks.
    pub fn containing(date: NaiveDate, interval_weeks: i16) -> Self {
        let monday = date - Days::new(u64::from(date.weekday().num_days_from_monday()));
        let week = monday.iso_week().week();
        // Every other week: periods start on odd ISO weeks.
        let back = if interval_weeks == 2 && week.is_multiple_of(2) {
            7
        } else {
            0
        };
        Self {
            monday: monday - Days::new(back),
        }
    }

    /// Parses `2026-W48` (also lower-case `w`). Only weeks 1–53 of the
    /// years a page may show ([`crate::web::bounds::year_ok`]): a week far
    /// off would make every "previous"/"next" link a date out of range.
    pub fn parse(key: &str) -> Option<Self> {
        let (year, week) = key.trim().split_once(['W', 'w'])?;
        let year = year.strip_suffix('-').unwrap_or(year);
        if !(year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        let year: i32 = year.parse().ok()?;
        if !(1..=2).contains(&week.len()) || !week.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let week: u32 = week.parse().ok()?;
        if !crate::web::bounds::year_ok(year) {
            return None;
        }
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(|monday| Self { monday })
    }

    /// The Swedish message for a week that [`ReportWeek::parse`] refuses.
    pub fn refusal() -> String {
        format!(
            "Veckan finns inte. Ange den som ÅÅÅÅ-Wvv, till exempel 2026-W48: vecka 1–53, år {}.",
            crate::web::bounds::years_text()
        )
    }

    /// `2026-W48`.
    pub fn key(self) -> String {
        let w = self.monday.iso_week();
        format!("{}-W{:02}", w.year(), w.week())
    }

    /// `vecka 48, 2026`.
    pub fn label(self) -> String {
        let w = self.monday.iso_week();
        format!("vecka {}, {}", w.week(), w.year())
    }

    /// The first day after the period.
    pub fn end(self, interval_weeks: i16) -> NaiveDate {
        self.monday + Days::new(7 * u64::try_from(interval_weeks.max(1)).unwrap_or(1))
    }

    /// The period whose incidents the reports of this week hold (the
    /// one before it): its label, first and last day.
    pub fn covered(self, interval_weeks: i16) -> (String, NaiveDate, NaiveDate) {
        let covered = self.previous(interval_weeks);
        (covered.label(), covered.monday, self.monday - Days::new(1))
    }

    pub fn previous(self, interval_weeks: i16) -> Self {
        Self {
            monday: self.monday - Days::new(7 * u64::try_from(interval_weeks.max(1)).unwrap_or(1)),
        }
    }

    pub fn next(self, interval_weeks: i16) -> Self {
        Self {
            monday: self.end(interval_weeks),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn a_week_key_round_trips_and_names_the_monday() {
        let week = ReportWeek::parse("2026-W48").expect("week");
        assert_eq!(week.monday, d(2026, 11, 23));
        assert_eq!(week.key(), "2026-W48");
        assert_eq!(week.label(), "vecka 48, 2026");
        assert_eq!(ReportWeek::parse("2026-W54"), None);
        assert_eq!(ReportWeek::parse("nonsens"), None);
        assert_eq!(
            ReportWeek::parse("2026W48").map(|w| w.key()).as_deref(),
            Some("2026-W48")
        );
        for key in [
            "2026-W0",
            "2026-W00",
            "2026-W99999",
            "0000-W01",
            "1999-W01",
            "9999-W01",
            "+2026-W01",
            "-2026-W01",
            "262143-W01",
            "2026-W+1",
            "2026-W-1",
            "2026-W",
            "-W01",
            "2026-W1.5",
            "２０２６-W01",
        ] {
            assert_eq!(ReportWeek::parse(key), None, "{key}");
        }
    }

    #[test]
    fn the_week_containing_a_sunday_starts_on_the_monday_before() {
        assert_eq!(
            ReportWeek::containing(d(2026, 11, 29), 1).monday,
            d(2026, 11, 23)
        );
        assert_eq!(ReportWeek::containing(d(2027, 1, 1), 1).key(), "2026-W53");
    }

    #[test]
    fn every_other_week_periods_start_on_odd_weeks() {
        assert_eq!(ReportWeek::containing(d(2026, 11, 25), 2).key(), "2026-W47");
        assert_eq!(ReportWeek::containing(d(2026, 11, 18), 2).key(), "2026-W47");
        assert_eq!(
            ReportWeek::containing(d(2026, 11, 18), 2).end(2),
            d(2026, 11, 30)
        );
    }
}
