//! Each group's cadence (how often and how it meets) and whether it meets as
//! often as the guideline says.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use chrono::{NaiveDate, NaiveTime, Utc};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::calendar::{self, Half, Term, WeeklyRule};
use super::model::{
    CadenceKind, MeetingMode, parse_duration, parse_form, parse_link, parse_time, place_for,
};
use crate::audit::Event;
use crate::error::AppResult;
use crate::state::AppState;
use crate::structure::db as structure_db;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::day_start;
use crate::web::extract::{Admin, CurrentUser};
use crate::web::forms::{self, FieldErrors, Form, unprocessable};
use crate::web::layout::Chrome;
use crate::web::path::IdPath;

/// How a group meets: its `group_cadence` row, read by [`load`] or from a
/// page's json (the dashboard reads every group's cadence in the same
/// statement as its figures).
#[derive(Clone, Debug, Deserialize)]
pub struct Cadence {
    pub kind: CadenceKind,
    pub per_half_year: i32,
    /// ISO weekday, 1 = Monday.
    pub weekday: i16,
    pub start_time: NaiveTime,
    pub duration_minutes: i32,
    pub form: MeetingMode,
    /// Allowed places, one per line.
    pub places: String,
    pub meeting_link: String,
    /// Whether the group has a cadence at all (or these are defaults).
    #[serde(default = "stored")]
    pub stored: bool,
}

impl Cadence {
    /// The defaults of a group without a cadence.
    pub fn unset() -> Self {
        Cadence {
            kind: CadenceKind::PerHalfYear,
            per_half_year: 0,
            weekday: 4,
            start_time: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            duration_minutes: 60,
            form: MeetingMode::InPerson,
            places: String::new(),
            meeting_link: String::new(),
            stored: false,
        }
    }

    pub fn place_list(&self) -> Vec<&str> {
        self.places
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    }

    fn weekday_name(&self) -> &'static str {
        calendar::swedish_weekday(iso_weekday(self.weekday))
    }

    /// "Varje torsdag kl. 09:00, 30 minuter, digitalt" and the like.
    pub fn describe(&self) -> String {
        if !self.stored {
            return "Ingen mötesrytm är angiven.".to_owned();
        }
        let how = match (self.form, self.place_list().as_slice()) {
            (MeetingMode::Online, _) => "digitalt".to_owned(),
            (_, []) => "fysiskt".to_owned(),
            (_, places) => format!("fysiskt: {}", places.join(" eller ")),
        };
        if self.kind == CadenceKind::Weekly {
            format!(
                "Varje {} kl. {}, {}, {how}",
                self.weekday_name(),
                self.start_time.format("%H:%M"),
                crate::web::words::count(self.duration_minutes, "minut", "minuter")
            )
        } else {
            let n = crate::web::words::count(self.per_half_year, "möte", "möten");
            format!("{n} per halvår, {how}")
        }
    }

    /// The meetings this cadence proposes for a term.
    pub fn plan(&self, term: Term, breaks: &[(NaiveDate, NaiveDate)]) -> calendar::Plan {
        let weekday = iso_weekday(self.weekday);
        let duration = u32::try_from(self.duration_minutes).unwrap_or(60);
        if self.kind == CadenceKind::Weekly {
            let rule = WeeklyRule {
                weekday,
                start: self.start_time,
                duration_minutes: duration,
            };
            calendar::weekly_dates(&rule, term.first_day(), term.last_day(), breaks)
        } else {
            let count = u32::try_from(self.per_half_year).unwrap_or(0);
            calendar::spread_dates(term, count, weekday, self.start_time, duration, breaks)
        }
    }

    /// Meetings the cadence asks for in the part of `term` that the group
    /// was active (`active`, inclusive; none when it was not active at all).
    /// Weekly: the meeting days within that part. Per half year: the count
    /// in proportion to the share of the term's working window (15 Jan –
    /// 15 Jun, 15 Aug – 15 Dec) that lies in that part, rounded.
    pub fn required_in(&self, term: Term, active: &ActiveSpan) -> u32 {
        let Some((from, to)) = active.within(term) else {
            return 0;
        };
        if !self.stored {
            return 0;
        }
        if self.kind == CadenceKind::Weekly {
            let rule = WeeklyRule {
                weekday: iso_weekday(self.weekday),
                start: self.start_time,
                duration_minutes: u32::try_from(self.duration_minutes).unwrap_or(60),
            };
            let weekly = calendar::weekly_dates(&rule, from, to, &[summer_break(term)]);
            return u32::try_from(weekly.meetings.len()).unwrap_or(0);
        }
        let per_term = u32::try_from(self.per_half_year).unwrap_or(0);
        let (window_from, window_to) = working_window(term);
        let window = (window_to - window_from).num_days() + 1;
        let covered = (to.min(window_to) - from.max(window_from)).num_days() + 1;
        if covered >= window {
            return per_term;
        }
        let covered = covered.max(0);
        // Rounded half up, in whole numbers.
        u32::try_from((i64::from(per_term) * covered * 2 + window) / (window * 2)).unwrap_or(0)
    }
}

/// The dates a group exists: from its start, until its end if it has one.
#[derive(Clone, Copy, Debug, Deserialize)]
pub struct ActiveSpan {
    pub active_from: NaiveDate,
    pub active_to: Option<NaiveDate>,
}

impl ActiveSpan {
    /// The part of `term` the group was active, if any.
    pub fn within(&self, term: Term) -> Option<(NaiveDate, NaiveDate)> {
        let from = term.first_day().max(self.active_from);
        let to = self
            .active_to
            .map_or(term.last_day(), |t| t.min(term.last_day()));
        (from <= to).then_some((from, to))
    }

    /// Active for only part of `term` (started or ended within it).
    pub fn partly_in(&self, term: Term) -> Option<(NaiveDate, NaiveDate)> {
        self.within(term)
            .filter(|(from, to)| *from != term.first_day() || *to != term.last_day())
    }
}

/// The part of a term groups meeting a few times a half year meet in.
fn working_window(term: Term) -> (NaiveDate, NaiveDate) {
    let date = |m, d| NaiveDate::from_ymd_opt(term.year, m, d).unwrap_or_default();
    match term.half {
        Half::Spring => (date(1, 15), date(6, 15)),
        Half::Autumn => (date(8, 15), date(12, 15)),
    }
}

/// ISO weekday number (1 = Monday) to chrono.
pub fn iso_weekday(n: i16) -> chrono::Weekday {
    use chrono::Weekday::*;
    [Mon, Tue, Wed, Thu, Fri, Sat, Sun][usize::try_from((n - 1).rem_euclid(7)).unwrap_or(0)]
}

/// The summer break weekly groups take: the second half of June in spring,
/// July to mid-August in autumn.
pub fn summer_break(term: Term) -> (NaiveDate, NaiveDate) {
    let date = |m, d| NaiveDate::from_ymd_opt(term.year, m, d).unwrap_or_default();
    match term.half {
        Half::Spring => (date(6, 15), date(6, 30)),
        Half::Autumn => (date(7, 1), date(8, 15)),
    }
}

/// The group's cadence, or defaults when none is set.
/// A cadence from its stored row.
/// A cadence read from the database is stored.
fn stored() -> bool {
    true
}

pub async fn load<'e>(
    db: impl sqlx::PgExecutor<'e>,
    municipality_id: MunicipalityId,
    group_id: Uuid,
) -> AppResult<Cadence> {
    let row = sqlx::query_as!(
        Cadence,
        r#"select kind as "kind: CadenceKind", per_half_year, weekday, start_time, duration_minutes,
                  form as "form: MeetingMode", places, meeting_link, true as "stored!"
           from group_cadence where work_group_id = $1 and municipality_id = $2"#,
        group_id,
        municipality_id.get()
    )
    .fetch_optional(db)
    .await?;
    Ok(row.unwrap_or_else(Cadence::unset))
}

/// How a group's term is going against its cadence.
#[derive(Clone, Debug)]
pub struct Compliance {
    pub term: Term,
    /// The part of the term the group was active, when only part of it.
    pub part: Option<(NaiveDate, NaiveDate)>,
    /// The group was not active at all in the term.
    pub inactive: bool,
    pub required: u32,
    pub held: i64,
    pub planned: i64,
    pub cancelled: i64,
    /// Past meetings nobody recorded.
    pub unrecorded: i64,
}

impl Compliance {
    /// Counts a term against the cadence, for the part the group was active.
    pub fn new(term: Term, cadence: &Cadence, active: &ActiveSpan, counts: MeetingCounts) -> Self {
        Compliance {
            term,
            part: active.partly_in(term),
            inactive: active.within(term).is_none(),
            required: cadence.required_in(term, active),
            held: counts.held,
            planned: counts.planned,
            cancelled: counts.cancelled,
            unrecorded: counts.unrecorded,
        }
    }

    /// "LindeBRÅ höst 2026: 1 av 2 hållna, 1 planerat"; for a group active
    /// part of the term "Trygghetsvandringar höst 2026 (från 2026-09-20): …".
    pub fn summary(&self, group: &str) -> String {
        let part = match self.part {
            Some((from, to)) if from != self.term.first_day() && to != self.term.last_day() => {
                format!(" ({from} – {to})")
            }
            Some((from, _)) if from != self.term.first_day() => format!(" (från {from})"),
            Some((_, to)) => format!(" (till och med {to})"),
            None => String::new(),
        };
        if self.inactive {
            return format!(
                "{group} {}: gruppen var inte aktiv",
                self.term.short_label()
            );
        }
        use crate::web::words::plural;
        let mut text = format!(
            "{group} {}{part}: {} av {} {}, {} {}",
            self.term.short_label(),
            self.held,
            self.required,
            plural(self.required, "hållet", "hållna"),
            self.planned,
            plural(self.planned, "planerat", "planerade")
        );
        if self.cancelled > 0 {
            text.push_str(&format!(
                ", {} {}",
                self.cancelled,
                plural(self.cancelled, "inställt", "inställda")
            ));
        }
        if self.unrecorded > 0 {
            text.push_str(&format!(
                ", {} ej {}",
                self.unrecorded,
                plural(self.unrecorded, "protokollfört", "protokollförda")
            ));
        }
        text
    }

    /// Held and coming meetings together reach what the guideline asks. A
    /// past meeting counts as held only once its attendance is recorded;
    /// until then it is "ej protokollförd" and does not count.
    pub fn on_track(&self) -> bool {
        self.held + self.planned >= i64::from(self.required)
    }
}

/// A term's meetings of a group, counted by status.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
pub struct MeetingCounts {
    pub held: i64,
    pub planned: i64,
    pub cancelled: i64,
    pub unrecorded: i64,
}

/// Counts a group's meetings in a term, against what its cadence asks for
/// the part of the term the group was active.
pub async fn compliance(
    db: &sqlx::PgPool,
    municipality_id: MunicipalityId,
    group_id: Uuid,
    term: Term,
) -> AppResult<Compliance> {
    let cadence = load(db, municipality_id, group_id).await?;
    let r = sqlx::query!(
        r#"select g.active_from, g.active_to,
                  count(mt.id) filter (where mt.status = 'held') as "held!",
                  count(mt.id) filter (where mt.status = 'planned' and mt.starts_at >= $5) as "planned!",
                  count(mt.id) filter (where mt.status = 'planned' and mt.starts_at < $5) as "unrecorded!",
                  count(mt.id) filter (where mt.status = 'cancelled') as "cancelled!"
           from work_group g
           left join meeting mt on mt.work_group_id = g.id and mt.municipality_id = $2
                and mt.starts_at >= $3 and mt.starts_at < $4
           where g.id = $1 and g.municipality_id = $2
           group by g.id"#,
        group_id,
        municipality_id.get(),
        day_start(term.first_day()),
        day_start(term.last_day() + chrono::Days::new(1)),
        Utc::now()
    )
    .fetch_optional(db)
    .await?
    .ok_or(crate::error::AppError::NotFound)?;
    let active = ActiveSpan {
        active_from: r.active_from,
        active_to: r.active_to,
    };
    let counts = MeetingCounts {
        held: r.held,
        planned: r.planned,
        cancelled: r.cancelled,
        unrecorded: r.unrecorded,
    };
    Ok(Compliance::new(term, &cadence, &active, counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn six_a_term() -> Cadence {
        Cadence {
            kind: CadenceKind::PerHalfYear,
            per_half_year: 6,
            stored: true,
            ..Cadence::unset()
        }
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn a_group_started_in_the_autumn_owes_nothing_for_the_spring_and_part_of_the_autumn() {
        let active = ActiveSpan {
            active_from: date("2026-09-20"),
            active_to: None,
        };
        let spring = Term::containing(date("2026-03-01"));
        let autumn = Term::containing(date("2026-10-01"));
        let cadence = six_a_term();
        assert_eq!(cadence.required_in(spring, &active), 0);
        // 87 of the 123 days of 15 Aug – 15 Dec: 6 × 87 / 123 = 4.2.
        assert_eq!(cadence.required_in(autumn, &active), 4);
        let spring_line = Compliance::new(spring, &cadence, &active, MeetingCounts::default());
        assert!(spring_line.inactive && spring_line.on_track());
        let autumn_line = Compliance::new(
            autumn,
            &cadence,
            &active,
            MeetingCounts {
                held: 3,
                planned: 1,
                ..MeetingCounts::default()
            },
        );
        assert_eq!(
            autumn_line.summary("Trygghetsvandringar"),
            "Trygghetsvandringar höst 2026 (från 2026-09-20): 3 av 4 hållna, 1 planerat"
        );
        assert!(autumn_line.on_track());
    }

    #[test]
    fn a_weekly_group_ended_mid_term_owes_only_the_weeks_it_existed() {
        let weekly = Cadence {
            kind: CadenceKind::Weekly,
            weekday: 2,
            stored: true,
            ..Cadence::unset()
        };
        let spring = Term::containing(date("2026-03-01"));
        let whole = ActiveSpan {
            active_from: date("2020-01-01"),
            active_to: None,
        };
        let ended = ActiveSpan {
            active_from: date("2020-01-01"),
            active_to: Some(date("2026-02-01")),
        };
        let all = weekly.required_in(spring, &whole);
        let part = weekly.required_in(spring, &ended);
        assert!(all > 20, "{all}");
        assert!((3..=5).contains(&part), "{part}");
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CadenceForm {
    pub kind: String,
    pub per_half_year: String,
    pub weekday: String,
    pub time: String,
    pub duration: String,
    pub form: String,
    pub places: String,
    pub meeting_link: String,
}

impl CadenceForm {
    /// The cadence typed, or what is wrong with it.
    fn parse(&self) -> Result<Cadence, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = self.kind.parse::<CadenceKind>().ok();
        if kind.is_none() {
            e.add(
                "kind",
                "Välj om gruppen möts varje vecka eller ett antal gånger per halvår.",
            );
        }
        let count = match self.per_half_year.trim().parse::<i32>() {
            Ok(n) if (0..=26).contains(&n) => n,
            _ if kind == Some(CadenceKind::Weekly) => 0,
            _ => {
                e.add("per_half_year", "Ange antalet möten per halvår, 0 till 26.");
                0
            }
        };
        let weekday = match self.weekday.trim().parse::<i16>() {
            Ok(n) if (1..=7).contains(&n) => n,
            _ => {
                e.add("weekday", "Välj en veckodag.");
                1
            }
        };
        let time = parse_time(&mut e, "time", &self.time);
        let duration = parse_duration(&mut e, "duration", &self.duration);
        let mode = parse_form(&mut e, "form", &self.form);
        let places = forms::optional_text(&mut e, "places", &self.places, "platserna", 1000);
        let places = place_for(mode, places);
        let link = parse_link(&mut e, mode, &self.meeting_link);
        let (Some(kind), Some(time), Some(duration), true) = (kind, time, duration, e.is_empty())
        else {
            return Err(e);
        };
        Ok(Cadence {
            kind,
            per_half_year: count,
            weekday,
            start_time: time,
            duration_minutes: i32::try_from(duration).unwrap_or(60),
            form: mode,
            places,
            meeting_link: link,
            stored: true,
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "meetings/cadence.html")]
pub struct CadencePage {
    chrome: Chrome,
    group: structure_db::Group,
    form: CadenceForm,
    weekdays: Vec<(i16, &'static str)>,
    errors: FieldErrors,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    form: Option<CadenceForm>,
    errors: FieldErrors,
) -> AppResult<CadencePage> {
    let m = user.tenant();
    let group = structure_db::group(&state.db, m, id).await?;
    let form = match form {
        Some(f) => f,
        None => {
            let c = load(&state.db, m, id).await?;
            CadenceForm {
                kind: c.kind.as_str().to_owned(),
                per_half_year: c.per_half_year.to_string(),
                weekday: c.weekday.to_string(),
                time: c.start_time.format("%H:%M").to_string(),
                duration: c.duration_minutes.to_string(),
                form: c.form.as_str().to_owned(),
                places: c.places,
                meeting_link: c.meeting_link,
            }
        }
    };
    Ok(CadencePage {
        chrome: user.chrome("struktur").await,
        group,
        form,
        weekdays: (1..=7)
            .map(|n| (n, calendar::swedish_weekday(iso_weekday(n))))
            .collect(),
        errors,
    })
}

pub async fn edit_page(
    State(state): State<AppState>,
    Admin(user): Admin,
    IdPath(id): IdPath,
) -> AppResult<CadencePage> {
    page(&state, &user, id, None, FieldErrors::default()).await
}

pub async fn save(
    State(state): State<AppState>,
    Admin(user): Admin,
    IdPath(id): IdPath,
    Form(form): Form<CadenceForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let group = structure_db::group(&state.db, m, id).await?;
    let c = match form.parse() {
        Ok(c) => c,
        Err(e) => {
            let page = page(&state, &user, id, Some(form), e).await?;
            return unprocessable(page);
        }
    };
    let before = load(&state.db, m, id).await?;
    let mut change = Change::begin(&state, &user).await?;
    sqlx::query!(
        r#"insert into group_cadence (work_group_id, municipality_id, kind, per_half_year, weekday, start_time,
                                      duration_minutes, form, places, meeting_link)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           on conflict (work_group_id) do update set kind = excluded.kind, per_half_year = excluded.per_half_year,
               weekday = excluded.weekday, start_time = excluded.start_time, duration_minutes = excluded.duration_minutes,
               form = excluded.form, places = excluded.places, meeting_link = excluded.meeting_link, updated_at = now()"#,
        id, m.get(), c.kind.as_str(), c.per_half_year, c.weekday, c.start_time, c.duration_minutes,
        c.form.as_str(), c.places, c.meeting_link
    )
    .execute(change.tx())
    .await?;
    let after = load(change.tx(), m, id).await?.describe();
    change
        .done(
            Event::new(
                "ändrade mötesrytm",
                "grupp",
                format!("{}: {}", group.name, after),
            )
            .on(id)
            .before(json!({ "mötesrytm": before.describe() }))
            .after(json!({ "mötesrytm": after })),
            format!("Mötesrytmen för {} är sparad.", group.name),
            &format!("/grupper/{id}"),
        )
        .await
}
