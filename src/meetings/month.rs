//! `/moten`: the month calendar and the list of coming meetings.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use serde::Deserialize;

use super::calendar::{self};
use super::db::{self, Meeting};
use super::model::{long_date, month_key, month_name};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::extract::CurrentUser;
use crate::web::forms::Query;
use crate::web::layout::Chrome;
use crate::web::{day_start, today};

/// A day in the month grid.
pub struct Day {
    pub date: NaiveDate,
    pub in_month: bool,
    pub is_today: bool,
    pub holiday: Option<&'static str>,
    pub meetings: Vec<Meeting>,
}

impl Day {
    pub fn label(&self) -> String {
        long_date(self.date)
    }
}

/// A week row: ISO week number and seven days.
pub struct Week {
    pub number: u32,
    pub days: Vec<Day>,
}

#[derive(Template, WebTemplate)]
#[template(path = "meetings/index.html")]
pub struct IndexPage {
    chrome: Chrome,
    month_title: String,
    previous: String,
    next: String,
    weeks: Vec<Week>,
    upcoming: Vec<Meeting>,
    can_schedule: bool,
    /// Whether this server sends e-mail (else a kallelse is kept as files).
    by_mail: bool,
}

/// How far ahead "Kommande möten" lists: five weeks. Further on, the month
/// calendar has them; a list of four months of weekly meetings ran to
/// twenty cards on a phone.
const UPCOMING_DAYS: u64 = 35;

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    #[serde(default)]
    manad: String,
}

/// The first day of the month `YYYY-MM`, or of `fallback`'s month with a
/// Swedish note when the key is not a month of the years a page may show.
fn first_of_month(key: &str, fallback: NaiveDate) -> (NaiveDate, Option<String>) {
    let key = key.trim();
    let fallback_month = fallback.with_day(1).unwrap_or(fallback);
    if key.is_empty() {
        return (fallback_month, None);
    }
    match NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d") {
        Ok(d) if key.len() == 7 && crate::web::bounds::year_ok(d.year()) => (d, None),
        _ => (
            fallback_month,
            Some(format!(
                "Månaden kunde inte visas: ange den som ÅÅÅÅ-MM, år {}. Sidan visar {} {}.",
                crate::web::bounds::years_text(),
                month_name(fallback_month.month()),
                fallback_month.year()
            )),
        ),
    }
}

pub async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<MonthQuery>,
) -> AppResult<IndexPage> {
    let day = today();
    let (first, month_note) = first_of_month(&query.manad, day);
    let grid_start = first - Days::new(u64::from(first.weekday().num_days_from_monday()));
    let last = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first)
        - Days::new(1);
    let grid_end = last + Days::new(u64::from(6 - last.weekday().num_days_from_monday()));
    let grid = (day_start(grid_start), day_start(grid_end + Days::new(1)));
    let coming = (day_start(day), day_start(day + Days::new(UPCOMING_DAYS)));
    // One statement: the seats that decide what shows, and the meetings of
    // the month grid and of the coming weeks.
    let seat = &user.municipality;
    let sees_all = seat.is_admin || seat.oversight;
    let (m, person) = (user.tenant(), user.id());
    let key = format!("{person}:{day}:{sees_all}:{grid_start}");
    let found = state
        .pages
        .get_or_load(m, key, || {
            db::calendar(&state.db, m, person, day, sees_all, [grid, coming])
        })
        .await?;
    let within = |(from, to): (DateTime<Utc>, DateTime<Utc>)| {
        found
            .meetings
            .iter()
            .filter(move |mt| mt.starts_at >= from && mt.starts_at < to)
            .cloned()
    };
    let meetings: Vec<Meeting> = within(grid).collect();
    let upcoming: Vec<Meeting> = within(coming).collect();
    let weeks = weeks(grid_start, grid_end, first, day, &meetings);
    let mut chrome = user.chrome("moten").await;
    crate::web::bounds::note(&mut chrome, month_note.as_slice());
    Ok(IndexPage {
        chrome,
        month_title: format!("{} {}", month_name(first.month()), first.year()),
        previous: month_key(
            first
                .checked_sub_months(chrono::Months::new(1))
                .unwrap_or(first),
        ),
        next: month_key(
            first
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(first),
        ),
        weeks,
        upcoming,
        can_schedule: seat.is_admin || found.convenes_any,
        by_mail: state.mailer.by_mail(),
    })
}

/// The weeks from `grid_start` to `grid_end`, each day with its meetings;
/// days outside the month `first` opens are marked so.
fn weeks(
    grid_start: NaiveDate,
    grid_end: NaiveDate,
    first: NaiveDate,
    today: NaiveDate,
    meetings: &[Meeting],
) -> Vec<Week> {
    let mut weeks = Vec::new();
    let mut date = grid_start;
    while date <= grid_end {
        let days = (0..7)
            .map(|i| {
                let d = date + Days::new(i);
                Day {
                    date: d,
                    in_month: d.month() == first.month(),
                    is_today: d == today,
                    holiday: calendar::holiday_name(d),
                    meetings: meetings
                        .iter()
                        .filter(|mt| mt.local_date() == d)
                        .cloned()
                        .collect(),
                }
            })
            .collect();
        weeks.push(Week {
            number: date.iso_week().week(),
            days,
        });
        date = date + Days::new(7);
    }
    weeks
}
