//! Meeting calendar helpers: Swedish holidays, half-year terms and
//! proposed meeting dates for recurring municipal meetings.
//!
//! All wall-clock times are interpreted in `Europe/Stockholm`; proposed
//! meetings carry both the local date and the UTC instants so they can be
//! stored unambiguously and rendered in any time zone.

use std::fmt;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};

use crate::web::stockholm_to_utc;

/// Reason shown for dates that fall inside a break (uppehåll).
const BREAK_REASON: &str = "Uppehåll";

// ---------------------------------------------------------------------------
// Holidays
// ---------------------------------------------------------------------------

/// Easter Sunday for `year` (Gregorian calendar), using the anonymous
/// Gregorian algorithm (Meeus/Jones/Butcher).
///
/// Returns `None` only if the date is outside chrono's supported range.
fn easter_sunday(year: i32) -> Option<NaiveDate> {
    // i64 + euclidean ops so that no intermediate can overflow or go
    // negative, even for absurd years.
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let (d, e) = (b.div_euclid(4), b.rem_euclid(4));
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// Adds (or, for negative `days`, subtracts) whole days without panicking.
fn shift_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    date.checked_add_signed(TimeDelta::try_days(days)?)
}

/// First date on or after `date` that falls on `weekday`.
fn next_weekday_on_or_after(date: NaiveDate, weekday: Weekday) -> Option<NaiveDate> {
    let ahead = (7 + weekday.num_days_from_monday() - date.weekday().num_days_from_monday()) % 7;
    date.checked_add_days(Days::new(u64::from(ahead)))
}

/// Swedish public holidays (allmänna helgdagar) for `year`, plus the
/// de-facto days off that municipal meetings skip (Påskafton,
/// Midsommarafton, Julafton, Nyårsafton), sorted by date.
///
/// Two holidays can fall on the same date (e.g. Kristi himmelfärdsdag and
/// Första maj in 2008); both are then listed. Dates outside chrono's
/// supported range are silently left out.
pub fn swedish_holidays(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let ymd = |m, d| NaiveDate::from_ymd_opt(year, m, d);
    let easter = easter_sunday(year);
    let from_easter = |offset| easter.and_then(|e| shift_days(e, offset));
    // Midsommar and Alla helgons dag are defined as "the Friday/Saturday
    // within a fixed week-long window", i.e. the first such weekday from the
    // window's first day.
    let midsummer_eve = ymd(6, 19).and_then(|d| next_weekday_on_or_after(d, Weekday::Fri));
    let all_saints = ymd(10, 31).and_then(|d| next_weekday_on_or_after(d, Weekday::Sat));

    let candidates = [
        (ymd(1, 1), "Nyårsdagen"),
        (ymd(1, 6), "Trettondedag jul"),
        (from_easter(-2), "Långfredagen"),
        (from_easter(-1), "Påskafton"),
        (easter, "Påskdagen"),
        (from_easter(1), "Annandag påsk"),
        (ymd(5, 1), "Första maj"),
        (from_easter(39), "Kristi himmelfärdsdag"),
        (from_easter(49), "Pingstdagen"),
        (ymd(6, 6), "Sveriges nationaldag"),
        (midsummer_eve, "Midsommarafton"),
        (
            midsummer_eve.and_then(|d| shift_days(d, 1)),
            "Midsommardagen",
        ),
        (all_saints, "Alla helgons dag"),
        (ymd(12, 24), "Julafton"),
        (ymd(12, 25), "Juldagen"),
        (ymd(12, 26), "Annandag jul"),
        (ymd(12, 31), "Nyårsafton"),
    ];
    let mut holidays: Vec<_> = candidates
        .into_iter()
        .filter_map(|(date, name)| date.map(|d| (d, name)))
        .collect();
    // Movable feasts can land on either side of fixed ones (Kristi
    // himmelfärdsdag before 1 May, Pingstdagen after 6 June). A stable sort
    // keeps the listing order above for same-day collisions.
    holidays.sort_by_key(|&(date, _)| date);
    holidays
}

/// The Swedish name of the holiday (or de-facto day off) on `date`, if any.
///
/// If two holidays coincide, the one listed first by [`swedish_holidays`]
/// is returned.
pub fn holiday_name(date: NaiveDate) -> Option<&'static str> {
    swedish_holidays(date.year())
        .into_iter()
        .find(|&(d, _)| d == date)
        .map(|(_, name)| name)
}

// ---------------------------------------------------------------------------
// Terms (half-years)
// ---------------------------------------------------------------------------

/// A half of the year, the unit municipal boards plan their meetings in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Half {
    /// January–June (våren).
    Spring,
    /// July–December (hösten).
    Autumn,
}

/// A half-year term, e.g. "våren 2026".
///
/// Orders chronologically (year first, then spring before autumn).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Term {
    /// Calendar year.
    pub year: i32,
    /// Which half of the year.
    pub half: Half,
}

impl Term {
    /// First day of the term (1 January or 1 July).
    ///
    /// For years outside chrono's range this saturates to
    /// `NaiveDate::MIN`/`MAX` instead of panicking.
    pub fn first_day(self) -> NaiveDate {
        let month = match self.half {
            Half::Spring => 1,
            Half::Autumn => 7,
        };
        self.date_or_saturate(month, 1)
    }

    /// Last day of the term (30 June or 31 December).
    ///
    /// For years outside chrono's range this saturates to
    /// `NaiveDate::MIN`/`MAX` instead of panicking.
    pub fn last_day(self) -> NaiveDate {
        match self.half {
            Half::Spring => self.date_or_saturate(6, 30),
            Half::Autumn => self.date_or_saturate(12, 31),
        }
    }

    /// The term that `date` falls in.
    pub fn containing(date: NaiveDate) -> Term {
        let half = if date.month() <= 6 {
            Half::Spring
        } else {
            Half::Autumn
        };
        Term {
            year: date.year(),
            half,
        }
    }

    /// Whether `date` lies within this term.
    pub fn contains(self, date: NaiveDate) -> bool {
        Term::containing(date) == self
    }

    /// Swedish label for running text: "våren 2026" / "hösten 2026".
    pub fn label(self) -> String {
        match self.half {
            Half::Spring => format!("våren {}", self.year),
            Half::Autumn => format!("hösten {}", self.year),
        }
    }

    /// Short Swedish label for headings and lists: "vår 2026" / "höst 2026".
    pub fn short_label(self) -> String {
        match self.half {
            Half::Spring => format!("vår {}", self.year),
            Half::Autumn => format!("höst {}", self.year),
        }
    }

    /// ASCII key for URLs and form values: "2026-var" / "2026-host".
    /// Round-trips through [`Term::parse`].
    pub fn as_key(self) -> String {
        match self.half {
            Half::Spring => format!("{}-var", self.year),
            Half::Autumn => format!("{}-host", self.year),
        }
    }

    /// Parses a key like "2026-var" or "2026-host".
    ///
    /// Surrounding whitespace and letter case are ignored, and the Swedish
    /// spellings "vår"/"höst" are accepted too since people type URLs by
    /// hand. The year must be exactly four ASCII digits, which keeps every
    /// parsed term well inside chrono's date range.
    pub fn parse(s: &str) -> Option<Term> {
        let lower = s.trim().to_lowercase();
        let (year, half) = lower.split_once('-')?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let half = match half {
            "var" | "vår" => Half::Spring,
            "host" | "höst" => Half::Autumn,
            _ => return None,
        };
        Some(Term {
            year: year.parse().ok()?,
            half,
        })
    }

    /// The part of the term in which regular meetings are planned by
    /// [`spread_dates`]: 15 January – 15 June in spring and 15 August –
    /// 15 December in autumn. This leaves out the Christmas/new-year weeks,
    /// midsummer and the summer holiday (July to mid-August).
    fn working_window(self) -> (NaiveDate, NaiveDate) {
        match self.half {
            Half::Spring => (self.date_or_saturate(1, 15), self.date_or_saturate(6, 15)),
            Half::Autumn => (self.date_or_saturate(8, 15), self.date_or_saturate(12, 15)),
        }
    }

    fn date_or_saturate(self, month: u32, day: u32) -> NaiveDate {
        // Term's fields are public, so any i32 year can reach us; saturating
        // keeps request handlers from panicking on nonsense input.
        NaiveDate::from_ymd_opt(self.year, month, day).unwrap_or(if self.year < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        })
    }
}

impl fmt::Display for Term {
    /// Same as [`Term::label`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

// ---------------------------------------------------------------------------
// Meeting plans
// ---------------------------------------------------------------------------

/// A regular weekly meeting slot in Stockholm local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeeklyRule {
    /// Day of the week the meeting is held.
    pub weekday: Weekday,
    /// Local (Europe/Stockholm) wall-clock start time.
    pub start: NaiveTime,
    /// Length of the meeting in minutes.
    pub duration_minutes: u32,
}

/// A proposed meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Proposed {
    /// Local (Europe/Stockholm) calendar date of the meeting.
    pub date: NaiveDate,
    /// Start instant.
    pub starts_at: DateTime<Utc>,
    /// End instant: `starts_at` plus the duration in elapsed time.
    pub ends_at: DateTime<Utc>,
}

/// A date that would have matched the rule but was left out.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Skipped {
    /// The date that was skipped.
    pub date: NaiveDate,
    /// Why, for display: the holiday's Swedish name or "Uppehåll".
    pub reason: String,
}

/// Proposed meetings plus the dates that were skipped, so the UI can say
/// e.g. "2026-05-14 hoppas över: Kristi himmelfärdsdag". Both lists are
/// sorted by date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Meetings to create.
    pub meetings: Vec<Proposed>,
    /// Matching dates that were not used, with the reason.
    pub skipped: Vec<Skipped>,
}

/// Why `date` cannot host a meeting, if it cannot.
///
/// A holiday wins over a break because its name is the more specific
/// explanation and the date would be skipped even without the break.
/// Break ranges are inclusive; reversed ranges are treated as if their
/// endpoints were swapped rather than as empty.
fn exclusion_reason(date: NaiveDate, breaks: &[(NaiveDate, NaiveDate)]) -> Option<String> {
    if let Some(name) = holiday_name(date) {
        return Some(name.to_owned());
    }
    breaks
        .iter()
        .any(|&(a, b)| a.min(b) <= date && date <= a.max(b))
        .then(|| BREAK_REASON.to_owned())
}

fn propose(date: NaiveDate, start: NaiveTime, duration_minutes: u32) -> Proposed {
    let starts_at = stockholm_to_utc(date.and_time(start));
    let ends_at = starts_at
        .checked_add_signed(TimeDelta::minutes(i64::from(duration_minutes)))
        .unwrap_or(starts_at);
    Proposed {
        date,
        starts_at,
        ends_at,
    }
}

/// Every `rule.weekday` from `from` to `to` (inclusive), skipping holidays
/// and dates inside `breaks` (inclusive ranges).
///
/// The meeting keeps the same Stockholm wall-clock time every week, so its
/// UTC instant moves by an hour across the daylight-saving changes.
pub fn weekly_dates(
    rule: &WeeklyRule,
    from: NaiveDate,
    to: NaiveDate,
    breaks: &[(NaiveDate, NaiveDate)],
) -> Plan {
    let mut plan = Plan::default();
    let mut next = next_weekday_on_or_after(from, rule.weekday);
    while let Some(date) = next.filter(|d| *d <= to) {
        match exclusion_reason(date, breaks) {
            Some(reason) => plan.skipped.push(Skipped { date, reason }),
            None => plan
                .meetings
                .push(propose(date, rule.start, rule.duration_minutes)),
        }
        next = date.checked_add_days(Days::new(7));
    }
    plan
}

/// Proposes `count` meetings spread evenly over a term.
///
/// Rule: the term's working window (15 Jan – 15 Jun in spring,
/// 15 Aug – 15 Dec in autumn, which leaves out summer and the
/// Christmas/new-year weeks) is divided into `count` equal parts, and for
/// each part the first `weekday` on or after the part's middle that is not
/// a holiday or inside a break is chosen. If that would collide with the
/// previous pick, the next free date is used instead, and picks are pulled
/// earlier when needed to leave room for the remaining parts, so dates are
/// strictly increasing.
///
/// Exactly `count` meetings are returned unless the window has fewer free
/// `weekday`s than that, in which case all of them are returned. Holidays
/// and breaks passed over while searching forward from a middle are
/// reported in [`Plan::skipped`]. `count == 0` gives an empty plan.
pub fn spread_dates(
    term: Term,
    count: u32,
    weekday: Weekday,
    start: NaiveTime,
    duration_minutes: u32,
    breaks: &[(NaiveDate, NaiveDate)],
) -> Plan {
    let mut plan = Plan::default();
    if count == 0 {
        return plan;
    }
    let (window_start, window_end) = term.working_window();

    // Every matching weekday in the window, with why it is unusable (if it is).
    let mut candidates: Vec<(NaiveDate, Option<String>)> = Vec::new();
    let mut next = next_weekday_on_or_after(window_start, weekday);
    while let Some(date) = next.filter(|d| *d <= window_end) {
        candidates.push((date, exclusion_reason(date, breaks)));
        next = date.checked_add_days(Days::new(7));
    }
    let free: Vec<NaiveDate> = candidates
        .iter()
        .filter(|(_, reason)| reason.is_none())
        .map(|&(date, _)| date)
        .collect();

    let picks = free.len().min(count as usize);
    // Window length in days, counting both ends.
    let window_days = u64::try_from((window_end - window_start).num_days() + 1).unwrap_or(0);
    let parts = u64::from(count);
    let mut previous: Option<usize> = None;
    for part in 0..picks {
        // Middle of part `part`, computed in integers: start + (2p+1)·len / 2n.
        let middle_offset = (2 * part as u64 + 1) * window_days / (2 * parts);
        let middle = window_start
            .checked_add_days(Days::new(middle_offset))
            .unwrap_or(window_end);
        let ideal = free.partition_point(|d| *d < middle);
        // Stay after the previous pick, and leave one free date for each
        // remaining part. The bounds never cross: previous <= free.len() -
        // (picks - part + 1), so lowest <= highest.
        let lowest = previous.map_or(0, |p| p + 1);
        let highest = free.len() - (picks - part);
        let index = ideal.max(lowest).min(highest);
        let chosen = free[index];
        previous = Some(index);
        plan.meetings.push(propose(chosen, start, duration_minutes));

        // Report the unusable dates the search stepped over.
        for (date, reason) in &candidates {
            if let Some(reason) = reason
                && middle <= *date
                && *date < chosen
                && !plan.skipped.iter().any(|s| s.date == *date)
            {
                plan.skipped.push(Skipped {
                    date: *date,
                    reason: reason.clone(),
                });
            }
        }
    }
    plan.skipped.sort_by_key(|s| s.date);
    plan
}

// ---------------------------------------------------------------------------
// Formatting helpers
// ---------------------------------------------------------------------------

/// ISO week label in Swedish style, e.g. "v. 48".
pub fn iso_week_label(date: NaiveDate) -> String {
    format!("v. {}", date.iso_week().week())
}

/// Lower-case Swedish weekday name, "måndag" … "söndag".
pub fn swedish_weekday(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "måndag",
        Weekday::Tue => "tisdag",
        Weekday::Wed => "onsdag",
        Weekday::Thu => "torsdag",
        Weekday::Fri => "fredag",
        Weekday::Sat => "lördag",
        Weekday::Sun => "söndag",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
    }

    fn utc(y: i32, mo: u32, day: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, day, h, mi, 0).unwrap()
    }

    fn spring_2026() -> Term {
        Term {
            year: 2026,
            half: Half::Spring,
        }
    }

    fn autumn_2026() -> Term {
        Term {
            year: 2026,
            half: Half::Autumn,
        }
    }

    #[test]
    fn easter_sunday_matches_known_dates() {
        for (year, expected) in [
            (2024, d(2024, 3, 31)),
            (2025, d(2025, 4, 20)),
            (2026, d(2026, 4, 5)),
            (2027, d(2027, 3, 28)),
            (2038, d(2038, 4, 25)),
            (2008, d(2008, 3, 23)),
            (2011, d(2011, 4, 24)),
            (2285, d(2285, 3, 22)),
        ] {
            assert_eq!(easter_sunday(year), Some(expected), "Easter {year}");
            assert_eq!(holiday_name(expected), Some("Påskdagen"));
        }
    }

    #[test]
    fn midsommarafton_is_the_friday_between_19_and_25_june() {
        assert_eq!(holiday_name(d(2026, 6, 19)), Some("Midsommarafton"));
        assert_eq!(holiday_name(d(2026, 6, 20)), Some("Midsommardagen"));
        assert_eq!(holiday_name(d(2027, 6, 25)), Some("Midsommarafton"));
        assert_eq!(holiday_name(d(2027, 6, 26)), Some("Midsommardagen"));
    }

    #[test]
    fn alla_helgons_dag_2026_is_31_october() {
        assert_eq!(holiday_name(d(2026, 10, 31)), Some("Alla helgons dag"));
        assert_eq!(holiday_name(d(2027, 11, 6)), Some("Alla helgons dag"));
    }

    #[test]
    fn holidays_2026_are_complete_and_sorted() {
        let holidays = swedish_holidays(2026);
        let expected = [
            (d(2026, 1, 1), "Nyårsdagen"),
            (d(2026, 1, 6), "Trettondedag jul"),
            (d(2026, 4, 3), "Långfredagen"),
            (d(2026, 4, 4), "Påskafton"),
            (d(2026, 4, 5), "Påskdagen"),
            (d(2026, 4, 6), "Annandag påsk"),
            (d(2026, 5, 1), "Första maj"),
            (d(2026, 5, 14), "Kristi himmelfärdsdag"),
            (d(2026, 5, 24), "Pingstdagen"),
            (d(2026, 6, 6), "Sveriges nationaldag"),
            (d(2026, 6, 19), "Midsommarafton"),
            (d(2026, 6, 20), "Midsommardagen"),
            (d(2026, 10, 31), "Alla helgons dag"),
            (d(2026, 12, 24), "Julafton"),
            (d(2026, 12, 25), "Juldagen"),
            (d(2026, 12, 26), "Annandag jul"),
            (d(2026, 12, 31), "Nyårsafton"),
        ];
        assert_eq!(holidays, expected);
    }

    #[test]
    fn movable_feasts_are_sorted_among_fixed_ones() {
        // 2038: Easter 25 April, so Pingstdagen (13 June) comes after the
        // national day.
        let h = swedish_holidays(2038);
        assert!(h.windows(2).all(|w| w[0].0 <= w[1].0));
        let national = h.iter().position(|x| x.1 == "Sveriges nationaldag");
        let pentecost = h.iter().position(|x| x.1 == "Pingstdagen");
        assert!(national < pentecost);
        // 2008: Kristi himmelfärdsdag coincided with Första maj.
        let h = swedish_holidays(2008);
        assert!(h.windows(2).all(|w| w[0].0 <= w[1].0));
        assert!(h.contains(&(d(2008, 5, 1), "Kristi himmelfärdsdag")));
        assert!(h.contains(&(d(2008, 5, 1), "Första maj")));
    }

    #[test]
    fn ordinary_days_have_no_holiday_name() {
        assert_eq!(holiday_name(d(2026, 4, 2)), None); // Skärtorsdag
        assert_eq!(holiday_name(d(2026, 3, 10)), None);
    }

    #[test]
    fn extreme_years_do_not_panic() {
        let _ = swedish_holidays(i32::MAX);
        let _ = swedish_holidays(i32::MIN);
        let _ = holiday_name(NaiveDate::MAX);
        let far = Term {
            year: i32::MAX,
            half: Half::Autumn,
        };
        assert_eq!(far.last_day(), NaiveDate::MAX);
        let _ = spread_dates(far, 3, Weekday::Mon, t(9, 0), 60, &[]);
        let rule = WeeklyRule {
            weekday: Weekday::Fri,
            start: t(23, 30),
            duration_minutes: u32::MAX,
        };
        let _ = weekly_dates(&rule, NaiveDate::MAX - Days::new(20), NaiveDate::MAX, &[]);
    }

    #[test]
    fn term_bounds_and_containing() {
        assert_eq!(spring_2026().first_day(), d(2026, 1, 1));
        assert_eq!(spring_2026().last_day(), d(2026, 6, 30));
        assert_eq!(autumn_2026().first_day(), d(2026, 7, 1));
        assert_eq!(autumn_2026().last_day(), d(2026, 12, 31));
        assert_eq!(Term::containing(d(2026, 6, 30)), spring_2026());
        assert_eq!(Term::containing(d(2026, 7, 1)), autumn_2026());
        assert!(autumn_2026().contains(d(2026, 12, 31)));
        assert!(spring_2026() < autumn_2026());
    }

    #[test]
    fn term_labels_are_swedish() {
        assert_eq!(spring_2026().label(), "våren 2026");
        assert_eq!(autumn_2026().label(), "hösten 2026");
        assert_eq!(spring_2026().short_label(), "vår 2026");
        assert_eq!(autumn_2026().short_label(), "höst 2026");
        assert_eq!(autumn_2026().to_string(), "hösten 2026");
    }

    #[test]
    fn term_keys_round_trip_and_bad_keys_are_rejected() {
        for term in [spring_2026(), autumn_2026()] {
            assert_eq!(Term::parse(&term.as_key()), Some(term));
        }
        assert_eq!(spring_2026().as_key(), "2026-var");
        assert_eq!(autumn_2026().as_key(), "2026-host");
        assert_eq!(Term::parse(" 2026-VÅR "), Some(spring_2026()));
        assert_eq!(Term::parse("2026-höst"), Some(autumn_2026()));
        for bad in [
            "",
            "2026",
            "2026-",
            "26-var",
            "+026-var",
            "2026-sommar",
            "20266-host",
        ] {
            assert_eq!(Term::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn kristi_himmelfardsdag_2026_is_skipped_in_a_thursday_series() {
        let rule = WeeklyRule {
            weekday: Weekday::Thu,
            start: t(9, 0),
            duration_minutes: 120,
        };
        let term = spring_2026();
        let plan = weekly_dates(&rule, term.first_day(), term.last_day(), &[]);
        // 1 Jan 2026 is a Thursday (Nyårsdagen); no other Thursday in
        // spring 2026 is a holiday.
        assert_eq!(
            plan.skipped,
            vec![
                Skipped {
                    date: d(2026, 1, 1),
                    reason: "Nyårsdagen".into()
                },
                Skipped {
                    date: d(2026, 5, 14),
                    reason: "Kristi himmelfärdsdag".into()
                },
            ]
        );
        // 26 Thursdays in Jan–Jun 2026, two skipped.
        assert_eq!(plan.meetings.len(), 24);
        assert_eq!(plan.meetings[0].date, d(2026, 1, 8));
        assert_eq!(
            plan.meetings.last().expect("a meeting").date,
            d(2026, 6, 25)
        );
        assert!(
            plan.meetings
                .iter()
                .all(|m| m.date.weekday() == Weekday::Thu)
        );
        assert!(
            plan.meetings
                .iter()
                .all(|m| m.ends_at - m.starts_at == TimeDelta::minutes(120))
        );
    }

    #[test]
    fn tuesday_series_keeps_0900_local_across_spring_forward() {
        let rule = WeeklyRule {
            weekday: Weekday::Tue,
            start: t(9, 0),
            duration_minutes: 60,
        };
        let plan = weekly_dates(&rule, d(2026, 3, 20), d(2026, 4, 5), &[]);
        let starts: Vec<_> = plan.meetings.iter().map(|m| m.starts_at).collect();
        assert_eq!(starts, vec![utc(2026, 3, 24, 8, 0), utc(2026, 3, 31, 7, 0)]);
        assert_eq!(plan.meetings[1].ends_at, utc(2026, 3, 31, 8, 0));
    }

    #[test]
    fn tuesday_series_keeps_0900_local_across_fall_back() {
        let rule = WeeklyRule {
            weekday: Weekday::Tue,
            start: t(9, 0),
            duration_minutes: 60,
        };
        let plan = weekly_dates(&rule, d(2026, 10, 20), d(2026, 11, 1), &[]);
        let starts: Vec<_> = plan.meetings.iter().map(|m| m.starts_at).collect();
        assert_eq!(
            starts,
            vec![utc(2026, 10, 20, 7, 0), utc(2026, 10, 27, 8, 0)]
        );
    }

    #[test]
    fn breaks_skip_their_dates_with_reason_uppehall() {
        let rule = WeeklyRule {
            weekday: Weekday::Wed,
            start: t(13, 0),
            duration_minutes: 90,
        };
        // Sportlov week 9 plus an inclusive one-day break given reversed.
        let breaks = [
            (d(2026, 2, 23), d(2026, 3, 1)),
            (d(2026, 3, 11), d(2026, 3, 11)),
        ];
        let plan = weekly_dates(&rule, d(2026, 2, 16), d(2026, 3, 18), &breaks);
        let dates: Vec<_> = plan.meetings.iter().map(|m| m.date).collect();
        assert_eq!(dates, vec![d(2026, 2, 18), d(2026, 3, 4), d(2026, 3, 18)]);
        assert_eq!(
            plan.skipped,
            vec![
                Skipped {
                    date: d(2026, 2, 25),
                    reason: "Uppehåll".into()
                },
                Skipped {
                    date: d(2026, 3, 11),
                    reason: "Uppehåll".into()
                },
            ]
        );
        // Reversed ranges count as if swapped.
        let reversed = [(d(2026, 3, 1), d(2026, 2, 23))];
        let plan = weekly_dates(&rule, d(2026, 2, 16), d(2026, 3, 4), &reversed);
        assert_eq!(plan.skipped.len(), 1);
    }

    #[test]
    fn empty_or_inverted_range_gives_empty_plan() {
        let rule = WeeklyRule {
            weekday: Weekday::Mon,
            start: t(9, 0),
            duration_minutes: 60,
        };
        assert_eq!(
            weekly_dates(&rule, d(2026, 3, 10), d(2026, 3, 1), &[]),
            Plan::default()
        );
    }

    #[test]
    fn a_spring_forward_0230_start_does_not_panic() {
        let rule = WeeklyRule {
            weekday: Weekday::Sun,
            start: t(2, 30),
            duration_minutes: 60,
        };
        let plan = weekly_dates(&rule, d(2026, 3, 22), d(2026, 4, 5), &[]);
        // 05 Apr is Påskdagen and skipped.
        let starts: Vec<_> = plan.meetings.iter().map(|m| m.starts_at).collect();
        assert_eq!(
            starts,
            vec![
                utc(2026, 3, 22, 1, 30),
                // 02:30 does not exist; read with the CET offset = 03:30 CEST.
                utc(2026, 3, 29, 1, 30),
            ]
        );
    }

    #[test]
    fn an_ambiguous_fall_back_start_takes_the_earliest_instant() {
        let rule = WeeklyRule {
            weekday: Weekday::Sun,
            start: t(2, 30),
            duration_minutes: 60,
        };
        let plan = weekly_dates(&rule, d(2026, 10, 25), d(2026, 10, 25), &[]);
        // 02:30 CEST, the first of the two 02:30s.
        assert_eq!(plan.meetings[0].starts_at, utc(2026, 10, 25, 0, 30));
    }

    fn assert_valid_spread(plan: &Plan, term: Term, count: usize, weekday: Weekday) {
        assert_eq!(plan.meetings.len(), count);
        for m in &plan.meetings {
            assert!(term.contains(m.date), "{} outside {}", m.date, term.label());
            assert_eq!(holiday_name(m.date), None, "{} is a holiday", m.date);
            assert_eq!(m.date.weekday(), weekday);
        }
        assert!(plan.meetings.windows(2).all(|w| w[0].date < w[1].date));
    }

    #[test]
    fn spread_dates_gives_exactly_count_valid_increasing_meetings() {
        for term in [
            spring_2026(),
            autumn_2026(),
            Term {
                year: 2027,
                half: Half::Spring,
            },
        ] {
            for weekday in [Weekday::Mon, Weekday::Thu, Weekday::Fri] {
                for count in 1..=15 {
                    let plan = spread_dates(term, count, weekday, t(18, 0), 120, &[]);
                    assert_valid_spread(&plan, term, count as usize, weekday);
                }
            }
        }
    }

    #[test]
    fn spread_dates_with_zero_count_is_empty() {
        assert_eq!(
            spread_dates(spring_2026(), 0, Weekday::Tue, t(9, 0), 60, &[]),
            Plan::default()
        );
    }

    #[test]
    fn one_spring_meeting_lands_near_the_middle_of_the_term() {
        // Window 15 Jan – 15 Jun 2026 (152 days); middle is 1 April.
        let plan = spread_dates(spring_2026(), 1, Weekday::Thu, t(18, 0), 120, &[]);
        assert_eq!(plan.meetings[0].date, d(2026, 4, 2));
        assert_eq!(plan.meetings[0].starts_at, utc(2026, 4, 2, 16, 0));
    }

    #[test]
    fn two_autumn_2026_meetings_land_in_different_months() {
        let plan = spread_dates(autumn_2026(), 2, Weekday::Tue, t(18, 0), 120, &[]);
        assert_valid_spread(&plan, autumn_2026(), 2, Weekday::Tue);
        assert_ne!(plan.meetings[0].date.month(), plan.meetings[1].date.month());
        assert_eq!(plan.meetings[0].date, d(2026, 9, 15));
        assert_eq!(plan.meetings[1].date, d(2026, 11, 17));
    }

    #[test]
    fn spread_dates_steps_over_holidays_and_breaks_and_reports_them() {
        // Spring 2026, one Friday: middle 1 April, Friday 3 April is
        // Långfredagen, 10 April is inside a break -> 17 April.
        let breaks = [(d(2026, 4, 6), d(2026, 4, 12))];
        let plan = spread_dates(spring_2026(), 1, Weekday::Fri, t(9, 0), 60, &breaks);
        assert_eq!(plan.meetings[0].date, d(2026, 4, 17));
        assert_eq!(
            plan.skipped,
            vec![
                Skipped {
                    date: d(2026, 4, 3),
                    reason: "Långfredagen".into()
                },
                Skipped {
                    date: d(2026, 4, 10),
                    reason: "Uppehåll".into()
                },
            ]
        );
    }

    #[test]
    fn spread_dates_returns_all_free_dates_when_count_is_too_large() {
        // 15 Aug – 15 Dec 2026 has 18 Mondays, none of them holidays.
        let plan = spread_dates(autumn_2026(), 50, Weekday::Mon, t(9, 0), 60, &[]);
        assert_valid_spread(&plan, autumn_2026(), 18, Weekday::Mon);
        assert!(plan.meetings.iter().all(|m| m.date.month() != 7));
    }

    #[test]
    fn iso_week_and_weekday_names_are_swedish() {
        assert_eq!(iso_week_label(d(2026, 11, 26)), "v. 48");
        assert_eq!(iso_week_label(d(2027, 1, 1)), "v. 53");
        assert_eq!(swedish_weekday(Weekday::Mon), "måndag");
        assert_eq!(swedish_weekday(Weekday::Sat), "lördag");
        assert_eq!(swedish_weekday(Weekday::Sun), "söndag");
    }
}
