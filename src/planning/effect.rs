//! A measure's indicated effect: incidents per week in the areas and
//! categories it targets, the same number of whole weeks before and after
//! the Monday of the week its effect starts (26 at most, or as many as have
//! passed), against the rest of the municipality over the same weeks. Marked
//! duplicates are not counted. It is an indication, not proof: too few
//! incidents for a percentage are said in words.

use chrono::{Datelike, Days, NaiveDate};
use uuid::Uuid;

use super::model::MeasureStatus;
use crate::error::AppResult;
use crate::tenant::MunicipalityId;
use crate::web::charts;

/// The longest comparison, in weeks before and after the start.
pub const MAX_WEEKS: u32 = 26;
/// Fewer incidents than this in either period give no percentage.
pub const FEW: i64 = 10;

/// The Monday of the week `day` falls in.
pub fn monday(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// The weeks compared: `weeks` whole weeks before `start` (a Monday) and
/// as many from it, with what the page should say about how they were
/// chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub start: NaiveDate,
    pub weeks: u32,
    pub notes: Vec<String>,
}

impl Window {
    /// The first Monday counted.
    pub fn first(&self) -> NaiveDate {
        self.start - Days::new(7 * u64::from(self.weeks))
    }

    /// The day after the last day counted.
    pub fn end(&self) -> NaiveDate {
        self.start + Days::new(7 * u64::from(self.weeks))
    }

    /// The last day counted.
    pub fn last(&self) -> NaiveDate {
        self.end() - Days::new(1)
    }

    /// The Mondays counted, oldest first.
    pub fn mondays(&self) -> Vec<NaiveDate> {
        (0..2 * u64::from(self.weeks))
            .map(|w| self.first() + Days::new(7 * w))
            .collect()
    }
}

/// The day the effect period of a measure whose effect starts on
/// `effect_from` ends: [`MAX_WEEKS`] weeks after the Monday of that week.
pub fn period_end(effect_from: NaiveDate) -> NaiveDate {
    monday(effect_from) + Days::new(7 * u64::from(MAX_WEEKS))
}

/// Chooses the weeks for an effect starting on `effect_from`, when the
/// municipality's data begins on `data_from` (its first incident; `None`:
/// none yet) and it is `today`. Only whole weeks count: the week under way
/// is left out. A start before the data or after today is clamped to it,
/// and the notes say so.
pub fn window(effect_from: NaiveDate, data_from: Option<NaiveDate>, today: NaiveDate) -> Window {
    let mut start = monday(effect_from);
    let this_week = monday(today);
    let mut notes = Vec::new();
    let Some(data_from) = data_from else {
        notes.push("Kommunen har inga registrerade händelser ännu.".to_owned());
        return Window {
            start,
            weeks: 0,
            notes,
        };
    };
    let data_week = monday(data_from);
    if start < data_week {
        notes.push(format!(
            "Effekten ska börja {effect_from}, före kommunens första registrerade händelse ({data_from}). \
             Starten räknas därför från veckan som börjar {data_week}, och det finns inga veckor före den att jämföra med."
        ));
        start = data_week;
    }
    if start > this_week {
        notes.push(format!(
            "Effekten ska börja {effect_from}, efter dagens datum. \
             Starten räknas därför från veckan som börjar {this_week}, och det finns inga hela veckor efter den ännu."
        ));
        start = this_week;
    }
    let after = weeks_between(start, this_week);
    let before = weeks_between(data_week, start);
    let weeks = MAX_WEEKS.min(after).min(before);
    if weeks > 0 && before < MAX_WEEKS.min(after) {
        notes.push(format!(
            "Kommunens registrerade händelser börjar {data_from}: jämförelsen omfattar därför {weeks} veckor före och efter starten i stället för {}.",
            MAX_WEEKS.min(after)
        ));
    }
    if weeks > 0 && after < MAX_WEEKS && after <= before {
        notes.push(format!(
            "Effektperioden pågår: {} efter starten har gått hittills, av {MAX_WEEKS}.",
            crate::web::words::count(after, "hel vecka", "hela veckor")
        ));
    }
    Window {
        start,
        weeks,
        notes,
    }
}

/// Whole weeks from Monday `from` to Monday `to` (0 when `to` is earlier).
fn weeks_between(from: NaiveDate, to: NaiveDate) -> u32 {
    u32::try_from((to - from).num_days().max(0) / 7).unwrap_or(u32::MAX)
}

/// Incidents before and after the start in one part of the municipality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periods {
    pub before: i64,
    pub after: i64,
}

impl Periods {
    /// The change in per cent, rounded; `None` when either period has fewer
    /// than [`FEW`] incidents.
    pub fn percent(&self) -> Option<i64> {
        if self.before < FEW || self.after < FEW {
            return None;
        }
        let change = i128::from(self.after - self.before) * 100;
        let before = i128::from(self.before);
        // Rounded half away from zero.
        let rounded = (2 * change + change.signum() * before) / (2 * before);
        i64::try_from(rounded).ok()
    }

    /// "−30 %", or why there is no percentage.
    pub fn change_text(&self) -> String {
        match self.percent() {
            Some(p) => signed(p, "\u{a0}%"),
            None => {
                format!("För få händelser för en jämförelse (färre än {FEW} i en av perioderna)")
            }
        }
    }
}

/// A signed number: "+5", "−30", "±0", followed by `unit`.
fn signed(n: i64, unit: &str) -> String {
    match n {
        0 => format!("±0{unit}"),
        n if n > 0 => format!("+{n}{unit}"),
        n => format!("\u{2212}{}{unit}", n.unsigned_abs()),
    }
}

/// The difference between the two changes, in percentage points, when both
/// have a percentage.
pub fn difference(targeted: Periods, rest: Periods) -> Option<i64> {
    Some(targeted.percent()? - rest.percent()?)
}

/// A week of the comparison.
pub struct WeekRow {
    pub monday: NaiveDate,
    pub label: String,
    pub after: bool,
    pub targeted: i64,
    pub rest: i64,
}

/// The effect section of a measure's page.
pub struct Effect {
    pub effect_from: NaiveDate,
    pub window: Window,
    pub rows: Vec<WeekRow>,
    pub targeted: Periods,
    pub rest: Periods,
    /// The targeted part's chart, then the rest's.
    pub figures: Vec<Figure>,
    /// The police's published events of the measure's kinds, when it
    /// targets categories the police also name.
    pub police: Option<PoliceEffect>,
}

/// The police's events whose type is one of the measure's categories (or
/// their main categories), in the whole municipality: the police give only
/// the municipality's centre, never the place.
pub struct PoliceEffect {
    /// The police's types counted.
    pub kinds: Vec<String>,
    pub counts: Periods,
}

impl PoliceEffect {
    /// "Inbrott, Rån och Skadegörelse".
    pub fn kinds_text(&self) -> String {
        match self.kinds.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} och {last}", rest.join(", ")),
            Some((last, _)) => last.clone(),
            None => String::new(),
        }
    }
}

/// A chart of the section: its id (which its caption carries), caption and drawing.
pub struct Figure {
    pub key: &'static str,
    pub caption: &'static str,
    pub svg: String,
}

impl Effect {
    pub fn difference_text(&self) -> String {
        match difference(self.targeted, self.rest) {
            Some(d) => signed(d, " procentenheter"),
            None => "Kan inte anges: för få händelser".to_owned(),
        }
    }

    /// The measure's change in one sentence, for tables that list measures.
    pub fn summary(&self) -> String {
        summary(self.window.weeks, self.targeted, self.rest)
    }
}

/// A measure's indicated effect in one line: its change against the rest
/// of the municipality's, or why there is none.
pub fn summary(weeks: u32, targeted: Periods, rest: Periods) -> String {
    if weeks == 0 {
        return "Inga veckor att jämföra ännu".to_owned();
    }
    match (targeted.percent(), difference(targeted, rest)) {
        (Some(t), Some(d)) => format!(
            "{} (övriga kommunen {}; skillnad {})",
            signed(t, "\u{a0}%"),
            signed(t - d, "\u{a0}%"),
            signed(d, " procentenheter")
        ),
        (Some(t), None) => format!(
            "{} (övriga kommunen: för få händelser)",
            signed(t, "\u{a0}%")
        ),
        _ => format!(
            "För få händelser ({} före, {} efter)",
            targeted.before, targeted.after
        ),
    }
}

/// [`summary`] for the public page: when there are too few incidents for a
/// percentage, it says so without the counts, which could point out single
/// incidents.
pub fn public_summary(weeks: u32, targeted: Periods, rest: Periods) -> String {
    if weeks > 0 && targeted.percent().is_none() {
        return "För få händelser för en jämförelse".to_owned();
    }
    summary(weeks, targeted, rest)
}

/// The municipality's first incident, where its data begins.
pub async fn data_from(db: &sqlx::PgPool, m: MunicipalityId) -> AppResult<Option<NaiveDate>> {
    Ok(sqlx::query_scalar!(
        "select min(occurred_on) from est_incident where municipality_id = $1",
        m.get()
    )
    .fetch_one(db)
    .await?)
}

/// A week's incidents: in the measure's areas and categories, and the rest.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub struct WeekCount {
    pub week: NaiveDate,
    pub targeted: i64,
    pub rest: i64,
}

/// Incidents per week of the window in one statement (the SQL function
/// `measure_weekly_counts`, migration 0030).
pub async fn weekly(
    db: &sqlx::PgPool,
    m: MunicipalityId,
    measure: Uuid,
    window: &Window,
) -> AppResult<Vec<WeekCount>> {
    if window.weeks == 0 {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_as!(
        WeekCount,
        r#"select week as "week!", targeted as "targeted!", rest as "rest!"
           from measure_weekly_counts($1, $2, $3, $4)"#,
        m.get(),
        measure,
        window.first(),
        window.end()
    )
    .fetch_all(db)
    .await?)
}

/// The window's weeks from counts over any span that covers it, quiet
/// weeks as zeros, and the sums before and after the start.
pub fn split(window: &Window, counted: &[WeekCount]) -> (Vec<WeekRow>, Periods, Periods) {
    let rows: Vec<WeekRow> = window
        .mondays()
        .into_iter()
        .map(|monday| {
            let c = counted.iter().find(|c| c.week == monday);
            WeekRow {
                monday,
                label: format!(
                    "v. {} {}",
                    monday.iso_week().week(),
                    monday.iso_week().year()
                ),
                after: monday >= window.start,
                targeted: c.map_or(0, |c| c.targeted),
                rest: c.map_or(0, |c| c.rest),
            }
        })
        .collect();
    let sum = |after: bool, pick: fn(&WeekRow) -> i64| -> i64 {
        rows.iter().filter(|r| r.after == after).map(pick).sum()
    };
    let targeted = Periods {
        before: sum(false, |r| r.targeted),
        after: sum(true, |r| r.targeted),
    };
    let rest = Periods {
        before: sum(false, |r| r.rest),
        after: sum(true, |r| r.rest),
    };
    (rows, targeted, rest)
}

/// A measure for the dashboard's table "Åtgärder och effekt", as the
/// dashboard's statement brings it: its weeks counted 26 weeks either side
/// of the Monday its effect starts (the widest any window can be).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct MeasureRow {
    pub id: Uuid,
    pub title: String,
    pub status: MeasureStatus,
    pub due_on: NaiveDate,
    pub percent_done: i32,
    pub effect_from: Option<NaiveDate>,
    /// Names areas or categories.
    pub targeted: bool,
    /// Has a progress note from the end of its effect period on.
    pub followed_up: bool,
    pub weeks: Option<Vec<WeekCount>>,
}

/// A line of the table: the measure, its progress and its indicated effect.
#[derive(Debug, Clone)]
pub struct MeasureLine {
    pub id: Uuid,
    pub title: String,
    pub state: &'static str,
    pub percent_done: i32,
    pub effect: String,
    /// Its effect period has ended and nobody has followed it up since.
    pub awaiting_follow_up: bool,
}

impl MeasureLine {
    pub fn new(row: MeasureRow, data_from: Option<NaiveDate>, today: NaiveDate) -> Self {
        Self::described(row, data_from, today, summary)
    }

    /// The line for the public page: small counts are not given
    /// ([`public_summary`]).
    pub fn public(row: MeasureRow, data_from: Option<NaiveDate>, today: NaiveDate) -> Self {
        Self::described(row, data_from, today, public_summary)
    }

    fn described(
        row: MeasureRow,
        data_from: Option<NaiveDate>,
        today: NaiveDate,
        describe: fn(u32, Periods, Periods) -> String,
    ) -> Self {
        let (effect, awaiting_follow_up) = match (row.targeted, row.effect_from) {
            (true, Some(from)) => {
                let window = window(from, data_from, today);
                let (_, targeted, rest) = split(&window, row.weeks.as_deref().unwrap_or_default());
                (
                    describe(window.weeks, targeted, rest),
                    period_end(from) <= today && !row.followed_up,
                )
            }
            _ => ("Inte angivet vad åtgärden ska påverka".to_owned(), false),
        };
        Self {
            id: row.id,
            state: super::model::state_label(row.status, row.due_on, today),
            title: row.title,
            percent_done: row.percent_done,
            effect,
            awaiting_follow_up,
        }
    }
}

/// The section, counted and drawn.
pub async fn load(
    db: &sqlx::PgPool,
    m: MunicipalityId,
    measure: Uuid,
    effect_from: NaiveDate,
    today: NaiveDate,
) -> AppResult<Effect> {
    let window = window(effect_from, data_from(db, m).await?, today);
    let counted = weekly(db, m, measure, &window).await?;
    let police = police(db, m, measure, &window).await?;
    Ok(Effect {
        police,
        ..drawn(effect_from, window, &counted)
    })
}

/// The police's events of the measure's categories, before and after the
/// start over the same weeks; `None` when the police publish none of its
/// kinds or no week is compared.
async fn police(
    db: &sqlx::PgPool,
    m: MunicipalityId,
    measure: Uuid,
    window: &Window,
) -> AppResult<Option<PoliceEffect>> {
    if window.weeks == 0 {
        return Ok(None);
    }
    let row = sqlx::query!(
        r#"with kinds as (
               select distinct lower(x.name) as kind from measure_category mc
               join incident_category c on c.id = mc.category_id and c.municipality_id = $1
               left join incident_category p on p.id = c.parent_id and p.municipality_id = $1
               cross join lateral (values (c.name), (p.name)) x(name)
               where mc.municipality_id = $1 and mc.measure_id = $2 and x.name is not null
           )
           select coalesce(array_agg(distinct e.kind order by e.kind), '{}') as "kinds!",
                  count(*) filter (where e.occurred_at < $4) as "before!",
                  count(*) filter (where e.occurred_at >= $4) as "after!"
           from police_event e
           where e.municipality_id = $1 and lower(e.kind) in (select kind from kinds)
             and e.occurred_at >= $3 and e.occurred_at < $5"#,
        m.get(),
        measure,
        crate::web::day_start(window.first()),
        crate::web::day_start(window.start),
        crate::web::day_start(window.end())
    )
    .fetch_one(db)
    .await?;
    Ok((!row.kinds.is_empty()).then_some(PoliceEffect {
        kinds: row.kinds,
        counts: Periods {
            before: row.before,
            after: row.after,
        },
    }))
}

/// Rows, sums and charts from the weekly counts.
pub fn drawn(effect_from: NaiveDate, window: Window, counted: &[WeekCount]) -> Effect {
    let (rows, targeted, rest) = split(&window, counted);
    let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    let before: Vec<bool> = rows.iter().map(|r| !r.after).collect();
    let chart = |values: Vec<i64>, key: &'static str, caption: &'static str| Figure {
        key,
        caption,
        svg: charts::columns(&labels, &values, &before, "Vecka", key),
    };
    let figures = if rows.is_empty() {
        Vec::new()
    } else {
        vec![
            chart(
                rows.iter().map(|r| r.targeted).collect(),
                "fig-effekt-atgard",
                "Händelser per vecka i åtgärdens områden och kategorier",
            ),
            chart(
                rows.iter().map(|r| r.rest).collect(),
                "fig-effekt-ovriga",
                "Händelser per vecka i övriga kommunen",
            ),
        ]
    };
    Effect {
        figures,
        effect_from,
        window,
        rows,
        targeted,
        rest,
        police: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn the_effect_counts_from_the_monday_of_its_week_and_at_most_26_weeks_each_way() {
        // Thursday 2026-06-04: the week begins Monday 2026-06-01.
        let w = window(d("2026-06-04"), Some(d("2024-01-03")), d("2027-06-30"));
        assert_eq!(w.start, d("2026-06-01"));
        assert_eq!(w.weeks, 26);
        assert_eq!(w.first(), d("2025-12-01"));
        assert_eq!(w.end(), d("2026-11-30"));
        assert_eq!(w.mondays().len(), 52);
        assert!(w.notes.is_empty(), "{:?}", w.notes);
        assert_eq!(period_end(d("2026-06-04")), d("2026-11-30"));
    }

    #[test]
    fn an_effect_under_way_compares_only_the_whole_weeks_that_have_passed() {
        // Today is Wednesday of the fourth week after the start: three whole weeks.
        let w = window(d("2026-06-01"), Some(d("2024-01-01")), d("2026-06-24"));
        assert_eq!(w.weeks, 3);
        assert_eq!(w.first(), d("2026-05-11"));
        assert_eq!(w.end(), d("2026-06-22"));
        assert_eq!(w.notes.len(), 1);
        assert!(w.notes[0].contains("3 hela veckor"), "{:?}", w.notes);
    }

    #[test]
    fn a_start_soon_after_the_first_incident_compares_as_many_weeks_as_there_is_data_for() {
        let w = window(d("2026-03-02"), Some(d("2026-01-14")), d("2027-01-01"));
        // Data from the week of Monday 2026-01-12: seven weeks before 2026-03-02.
        assert_eq!(w.weeks, 7);
        assert_eq!(w.first(), d("2026-01-12"));
        assert!(w.notes[0].contains("7 veckor före och efter starten i stället för 26"));
    }

    #[test]
    fn dates_outside_the_data_are_clamped_and_said() {
        let early = window(d("2020-05-05"), Some(d("2024-01-03")), d("2026-06-30"));
        assert_eq!(early.start, d("2024-01-01"));
        assert_eq!(early.weeks, 0);
        assert!(early.notes[0].contains("före kommunens första registrerade händelse"));

        let future = window(d("2030-01-01"), Some(d("2024-01-03")), d("2026-06-30"));
        assert_eq!(future.start, d("2026-06-29"));
        assert_eq!(future.weeks, 0);
        assert!(future.notes[0].contains("efter dagens datum"));

        let none = window(d("2026-01-01"), None, d("2026-06-30"));
        assert_eq!(none.weeks, 0);
        assert_eq!(
            none.notes,
            ["Kommunen har inga registrerade händelser ännu."]
        );
    }

    #[test]
    fn fewer_than_ten_in_either_period_gives_no_percentage() {
        let few = Periods {
            before: 9,
            after: 30,
        };
        assert_eq!(few.percent(), None);
        assert!(few.change_text().starts_with("För få händelser"));
        let enough = Periods {
            before: 40,
            after: 28,
        };
        assert_eq!(enough.percent(), Some(-30));
        assert_eq!(enough.change_text(), "\u{2212}30\u{a0}%");
        assert_eq!(
            Periods {
                before: 30,
                after: 35
            }
            .percent(),
            Some(17)
        );
        assert_eq!(
            Periods {
                before: 12,
                after: 12
            }
            .change_text(),
            "±0\u{a0}%"
        );
        let rest = Periods {
            before: 200,
            after: 190,
        };
        assert_eq!(difference(enough, rest), Some(-25));
        assert_eq!(difference(few, rest), None);
        assert_eq!(
            summary(26, enough, rest),
            "\u{2212}30\u{a0}% (övriga kommunen \u{2212}5\u{a0}%; skillnad \u{2212}25 procentenheter)"
        );
        assert_eq!(
            summary(26, few, rest),
            "För få händelser (9 före, 30 efter)"
        );
        assert_eq!(
            public_summary(26, few, rest),
            "För få händelser för en jämförelse"
        );
        assert_eq!(public_summary(26, enough, rest), summary(26, enough, rest));
    }

    #[test]
    fn a_measure_line_waits_for_a_follow_up_once_its_effect_period_has_ended() {
        let row = |followed_up: bool| MeasureRow {
            id: Uuid::nil(),
            title: "Ronder".into(),
            status: MeasureStatus::Ongoing,
            due_on: d("2027-12-31"),
            percent_done: 40,
            effect_from: Some(d("2026-01-07")),
            targeted: true,
            followed_up,
            weeks: Some(vec![]),
        };
        // The period ends 26 weeks after Monday 2026-01-05: 2026-07-06.
        let data = Some(d("2025-01-01"));
        assert!(!MeasureLine::new(row(false), data, d("2026-07-05")).awaiting_follow_up);
        let line = MeasureLine::new(row(false), data, d("2026-07-06"));
        assert!(line.awaiting_follow_up);
        assert_eq!(line.state, "Pågår");
        assert_eq!(line.effect, "För få händelser (0 före, 0 efter)");
        assert!(!MeasureLine::new(row(true), data, d("2026-07-06")).awaiting_follow_up);
        let untargeted = MeasureRow {
            targeted: false,
            ..row(false)
        };
        let line = MeasureLine::new(untargeted, data, d("2026-07-06"));
        assert!(!line.awaiting_follow_up);
        assert_eq!(line.effect, "Inte angivet vad åtgärden ska påverka");
    }

    #[test]
    fn the_weekly_counts_split_into_before_and_after_with_quiet_weeks_as_zero() {
        let w = window(d("2026-06-01"), Some(d("2024-01-01")), d("2026-06-17"));
        assert_eq!(w.weeks, 2);
        let effect = drawn(
            d("2026-06-01"),
            w,
            &[
                WeekCount {
                    week: d("2026-05-18"),
                    targeted: 3,
                    rest: 10,
                },
                WeekCount {
                    week: d("2026-06-08"),
                    targeted: 1,
                    rest: 4,
                },
            ],
        );
        assert_eq!(effect.rows.len(), 4);
        assert_eq!(
            effect.targeted,
            Periods {
                before: 3,
                after: 1
            }
        );
        assert_eq!(
            effect.rest,
            Periods {
                before: 10,
                after: 4
            }
        );
        assert!(!effect.rows[1].after && effect.rows[2].after);
        assert!(
            effect.figures[0]
                .svg
                .contains("aria-labelledby=\"fig-effekt-atgard\"")
        );
    }
}
