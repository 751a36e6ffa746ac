//! `/moten`: the month calendar and list, single meetings (create, edit,
//! move, cancel) and whole terms generated from a group's cadence.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::cadence::{self, Cadence};
use super::calendar::{self, Plan, Term};
use super::db::{self, Clash, Meeting, NewMeeting};
use super::{invitations, long_date, month_name};
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::change::Change;
use crate::web::choice::Choice;
use crate::web::extract::CurrentUser;
use crate::web::forms::{self, FieldErrors, Form, Query};
use crate::web::layout::{Chrome, set_flash};
use crate::web::path::IdPath;
use crate::web::seats::Access;
use crate::web::today;

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
}

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

fn month_key(date: NaiveDate) -> String {
    date.format("%Y-%m").to_string()
}

// est and dashboard still name it here; it lives in `crate::web`.
pub use crate::web::day_start;

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
    let coming = (day_start(day), day_start(day + Days::new(120)));
    // One statement: the seats that decide what shows, and the meetings of
    // the month grid and of the next 120 days.
    let seat = &user.municipality;
    let sees_all = seat.is_admin || seat.oversight;
    let (m, person) = (user.municipality_id(), user.id());
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
    let mut weeks = Vec::new();
    let mut date = grid_start;
    while date <= grid_end {
        let days = (0..7)
            .map(|i| {
                let d = date + Days::new(i);
                Day {
                    date: d,
                    in_month: d.month() == first.month(),
                    is_today: d == day,
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
    })
}

/// The fields of a meeting as typed.
#[derive(Deserialize, Default, Clone)]
pub struct MeetingForm {
    #[serde(default)]
    pub group_id: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub time: String,
    #[serde(default)]
    pub duration: String,
    #[serde(default)]
    pub form: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub meeting_link: String,
    #[serde(default)]
    pub agenda: String,
    #[serde(default)]
    pub form_token: String,
    /// `ja` when the user confirmed a date in the past.
    #[serde(default)]
    pub past_ok: String,
}

/// The warning for a meeting dated in the past.
const PAST_WARNING: &str =
    "Mötet ligger bakåt i tiden. Kontrollera datumet, eller kryssa i rutan för att spara det ändå.";

/// A validated meeting.
pub struct ValidMeeting {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub form: &'static str,
    pub place: String,
    pub meeting_link: String,
    pub agenda: String,
}

/// Parses a `HH:MM` time.
pub fn parse_time(errors: &mut FieldErrors, field: &'static str, value: &str) -> Option<NaiveTime> {
    let parsed = NaiveTime::parse_from_str(value.trim(), "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(value.trim(), "%H.%M"));
    match parsed {
        Ok(t) => Some(t),
        Err(_) => {
            errors.add(field, "Ange tiden som TT:MM, till exempel 09:00.");
            None
        }
    }
}

/// Parses a duration in minutes (5 to 600).
pub fn parse_duration(errors: &mut FieldErrors, field: &'static str, value: &str) -> Option<u32> {
    match value.trim().parse::<u32>() {
        Ok(n) if (5..=600).contains(&n) => Some(n),
        _ => {
            errors.add(field, "Ange längden i minuter, mellan 5 och 600.");
            None
        }
    }
}

/// `online` or `in_person`.
pub fn parse_form(errors: &mut FieldErrors, field: &'static str, value: &str) -> &'static str {
    match value {
        "online" => "online",
        "in_person" => "in_person",
        _ => {
            errors.add(field, "Välj om mötet är fysiskt eller digitalt.");
            "in_person"
        }
    }
}

impl MeetingForm {
    fn validate(&self, errors: &mut FieldErrors) -> Option<ValidMeeting> {
        let date = forms::required_date(errors, "date", &self.date);
        let time = parse_time(errors, "time", &self.time);
        let duration = parse_duration(errors, "duration", &self.duration);
        let form = parse_form(errors, "form", &self.form);
        let place = forms::optional_line(errors, "place", &self.place, "platsen", 300);
        let meeting_link = forms::optional_line(
            errors,
            "meeting_link",
            &self.meeting_link,
            "möteslänken",
            1000,
        );
        if !meeting_link.is_empty() && !meeting_link.starts_with("https://") {
            errors.add("meeting_link", "Möteslänken ska börja med https://.");
        }
        let agenda = forms::optional_text(errors, "agenda", &self.agenda, "dagordningen", 5000);
        let (date, time, duration) = (date?, time?, duration?);
        let starts_at = crate::web::stockholm_to_utc(date.and_time(time));
        Some(ValidMeeting {
            starts_at,
            ends_at: starts_at + chrono::TimeDelta::minutes(i64::from(duration)),
            form,
            place,
            meeting_link,
            agenda,
        })
    }

    fn from_meeting(m: &Meeting) -> Self {
        Self {
            group_id: m.group_id.to_string(),
            date: m.local_date().to_string(),
            time: m.start_time(),
            duration: m.duration_minutes().to_string(),
            form: m.form.clone(),
            place: m.place.clone(),
            meeting_link: m.meeting_link.clone(),
            agenda: m.agenda.clone(),
            form_token: String::new(),
            past_ok: String::new(),
        }
    }

    /// Asks for confirmation when `starts_at` lies in the past and the user
    /// has not ticked "spara ändå".
    fn check_past(&self, errors: &mut FieldErrors, starts_at: DateTime<Utc>) {
        if starts_at < Utc::now() && self.past_ok != "ja" {
            errors.add("past_ok", PAST_WARNING);
        }
    }
}

/// Active groups the person schedules for; 403 for someone who schedules
/// for none.
async fn schedulable_groups(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Choice>> {
    let access = Access::load(&state.db, user).await?;
    let day = today();
    let groups: Vec<Choice> = crate::structure::db::groups(&state.db, user.municipality_id(), day)
        .await?
        .into_iter()
        .filter(|g| g.is_active(&day) && access.can_schedule(g.id))
        .map(|g| Choice {
            id: g.id,
            label: g.name,
        })
        .collect();
    if groups.is_empty() {
        return Err(AppError::Forbidden);
    }
    Ok(groups)
}

#[derive(Template, WebTemplate)]
#[template(path = "meetings/new.html")]
pub struct NewPage {
    chrome: Chrome,
    groups: Vec<Choice>,
    form: MeetingForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
pub struct GroupQuery {
    #[serde(default)]
    grupp: String,
}

pub async fn new_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<GroupQuery>,
) -> AppResult<NewPage> {
    let groups = schedulable_groups(&state, &user).await?;
    let group_id = Uuid::parse_str(&query.grupp)
        .ok()
        .filter(|id| groups.iter().any(|g| g.id == *id));
    let group_id = group_id.unwrap_or(groups[0].id);
    let c = cadence::load(&state.db, user.municipality_id(), group_id).await?;
    let form = MeetingForm {
        group_id: group_id.to_string(),
        date: String::new(),
        time: c.start_time.format("%H:%M").to_string(),
        duration: c.duration_minutes.to_string(),
        form: c.form.clone(),
        place: c
            .place_list()
            .first()
            .map(|s| (*s).to_owned())
            .unwrap_or_default(),
        meeting_link: c.meeting_link.clone(),
        agenda: String::new(),
        form_token: String::new(),
        past_ok: String::new(),
    };
    Ok(NewPage {
        chrome: user.chrome("moten").await,
        groups,
        form,
        errors: FieldErrors::default(),
    })
}

#[tracing::instrument(skip_all, fields(person.id = %user.id()))]
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<MeetingForm>,
) -> AppResult<Response> {
    let groups = schedulable_groups(&state, &user).await?;
    let mut errors = FieldErrors::default();
    let group_id = forms::required_id(
        &mut errors,
        "group_id",
        &form.group_id,
        "Välj vilken grupp som ska mötas.",
    )
    .filter(|id| groups.iter().any(|g| g.id == *id));
    if group_id.is_none() {
        errors.add("group_id", "Välj en grupp som du kallar till.");
    }
    let valid = form.validate(&mut errors);
    if let Some(valid) = &valid {
        form.check_past(&mut errors, valid.starts_at);
    }
    let (Some(group_id), Some(valid), true) = (group_id, valid, errors.is_empty()) else {
        let page = NewPage {
            chrome: user.chrome("moten").await,
            groups,
            form,
            errors,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let m = user.municipality_id();
    let mut change = Change::once(&state, &user, &form.form_token, "/moten").await?;
    let id = db::insert_meeting(
        change.tx(),
        m,
        &NewMeeting {
            group_id,
            starts_at: valid.starts_at,
            ends_at: valid.ends_at,
            form: valid.form,
            place: &valid.place,
            meeting_link: &valid.meeting_link,
            agenda: &valid.agenda,
        },
    )
    .await?;
    let group = groups
        .iter()
        .find(|g| g.id == group_id)
        .map(|g| g.label.clone())
        .unwrap_or_default();
    change.record(Event {
        action: "planerade",
        entity: "möte",
        entity_id: Some(id),
        summary: format!("Planerade möte i {group} {}", crate::web::format_local(valid.starts_at)),
        before: None,
        after: Some(json!({ "grupp": group, "start": valid.starts_at, "slut": valid.ends_at, "plats": valid.place })),
    }).await?;
    let done = change.commit().await?;
    let clashes = db::clashes(
        &state.db,
        m,
        group_id,
        valid.starts_at,
        valid.ends_at,
        Some(id),
    )
    .await?;
    let mut message = if valid.starts_at < Utc::now() {
        "Mötet är sparat. Det ligger bakåt i tiden, så ingen kallelse skickas; för in närvaron under Protokoll.".to_owned()
    } else {
        "Mötet är planerat. Skicka kallelsen när dagordningen är klar.".to_owned()
    };
    for clash in &clashes {
        message.push_str(" Observera: ");
        message.push_str(&clash.describe());
    }
    done.redirect(message, &format!("/moten/{id}")).await
}

#[derive(Template, WebTemplate)]
#[template(path = "meetings/show.html")]
pub struct ShowPage {
    chrome: Chrome,
    meeting: Meeting,
    can_schedule: bool,
    form: MeetingForm,
    errors: FieldErrors,
    sendings: Vec<db::Sending>,
    /// Mail of the current version that could not be sent.
    mail_failures: Vec<crate::mail::outbox::Failure>,
    recipients: Vec<db::Recipient>,
    attendance: Vec<db::AttendanceRow>,
    decisions: Vec<db::Decision>,
    clashes: Vec<Clash>,
    positions: Vec<Choice>,
    decision: super::record::DecisionForm,
    /// Goals and decision material handled at this meeting: (link, label).
    handled: Vec<(String, String)>,
    /// The signed-in person's own seats in the group, for "anmäl förhinder".
    seats: Vec<db::Seat>,
    /// Seats whose holder reported that they cannot come.
    excused: Vec<db::AttendanceRow>,
}

/// Renders the meeting page, with whatever the user typed and its errors.
pub async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    edit: Option<MeetingForm>,
    decision: super::record::DecisionForm,
    errors: FieldErrors,
) -> AppResult<ShowPage> {
    let m = user.municipality_id();
    let meeting = db::meeting(&state.db, m, id).await?;
    let access = Access::load(&state.db, user).await?;
    access.require_see(meeting.group_id)?;
    let can_schedule = access.can_schedule(meeting.group_id);
    let clashes = if meeting.status == "planned" && meeting.starts_at > Utc::now() {
        db::clashes(
            &state.db,
            m,
            meeting.group_id,
            meeting.starts_at,
            meeting.ends_at,
            Some(meeting.id),
        )
        .await?
    } else {
        Vec::new()
    };
    let attendance = db::attendance(&state.db, m, &meeting).await?;
    let excused = attendance
        .iter()
        .filter(|a| a.excused_at.is_some())
        .cloned()
        .collect();
    Ok(ShowPage {
        chrome: user.chrome("moten").await,
        excused,
        form: edit.unwrap_or_else(|| MeetingForm::from_meeting(&meeting)),
        can_schedule,
        errors,
        sendings: db::sendings(&state.db, m, id).await?,
        mail_failures: if can_schedule {
            crate::mail::outbox::failures(&state.db, m, id, Some(meeting.sequence)).await?
        } else {
            Vec::new()
        },
        recipients: db::recipients(
            &state.db,
            m,
            meeting.group_id,
            meeting.local_date().max(today()),
        )
        .await?,
        attendance,
        decisions: db::decisions(&state.db, m, id).await?,
        clashes,
        positions: crate::web::choice::position_choices(&state.db, m).await?,
        decision,
        handled: handled_at(&state.db, m, id).await?,
        seats: db::seats(
            &state.db,
            m,
            &meeting,
            user.id(),
            meeting.local_date().max(today()),
        )
        .await?,
        meeting,
    })
}

/// Goals decided and decision material handled at a meeting (planning).
async fn handled_at(db: &sqlx::PgPool, m: Uuid, meeting: Uuid) -> AppResult<Vec<(String, String)>> {
    let goals = sqlx::query!(
        "select id, title from goal where meeting_id = $1 and municipality_id = $2 order by created_at",
        meeting,
        m
    )
    .fetch_all(db)
    .await?;
    let items = sqlx::query!(
        "select id, title, kind, status from plan_item where meeting_id = $1 and municipality_id = $2 order by created_at",
        meeting,
        m
    )
    .fetch_all(db)
    .await?;
    Ok(goals
        .into_iter()
        .map(|g| {
            (
                format!("/planering/mal/{}", g.id),
                format!("Mål: {}", g.title),
            )
        })
        .chain(items.into_iter().map(|i| {
            (
                format!("/planering/underlag/{}", i.id),
                format!(
                    "{}: {} ({})",
                    crate::planning::material::kind_label(&i.kind),
                    i.title,
                    crate::planning::material::status_label(&i.status).to_lowercase()
                ),
            )
        }))
        .collect())
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> AppResult<ShowPage> {
    show_page(
        &state,
        &user,
        id,
        None,
        Default::default(),
        FieldErrors::default(),
    )
    .await
}

/// Loads a meeting the user may change, refusing approved minutes.
pub async fn schedulable_meeting(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> AppResult<Meeting> {
    let meeting = db::meeting(&state.db, user.municipality_id(), id).await?;
    let access = Access::load(&state.db, user).await?;
    access.require_see(meeting.group_id)?;
    access.require_schedule(meeting.group_id)?;
    Ok(meeting)
}

/// Edits or moves a meeting. A change of time or place after a kallelse
/// bumps the iCalendar SEQUENCE so that calendars take the update.
#[tracing::instrument(skip_all, fields(person.id = %user.id(), meeting.id = %id))]
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    Form(form): Form<MeetingForm>,
) -> AppResult<Response> {
    let meeting = schedulable_meeting(&state, &user, id).await?;
    let mut errors = FieldErrors::default();
    if meeting.is_cancelled() || meeting.is_locked() {
        errors.add(
            "date",
            "Ett inställt möte eller ett möte med justerat protokoll kan inte ändras.",
        );
    }
    let valid = form.validate(&mut errors);
    if let Some(valid) = &valid
        && valid.starts_at != meeting.starts_at
    {
        form.check_past(&mut errors, valid.starts_at);
    }
    let (Some(valid), true) = (valid, errors.is_empty()) else {
        let page = show_page(&state, &user, id, Some(form), Default::default(), errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let m = user.municipality_id();
    let moved = valid.starts_at != meeting.starts_at
        || valid.ends_at != meeting.ends_at
        || valid.place != meeting.place
        || valid.meeting_link != meeting.meeting_link
        || valid.form != meeting.form;
    let invited = !db::sendings(&state.db, m, id).await?.is_empty();
    let bump = i32::from(moved && invited);
    let mut change = Change::begin(&state, &user).await?;
    sqlx::query!(
        r#"update meeting set starts_at = $3, ends_at = $4, form = $5, place = $6, meeting_link = $7,
                  agenda = $8, sequence = sequence + $9
           where id = $1 and municipality_id = $2"#,
        id, m, valid.starts_at, valid.ends_at, valid.form, valid.place, valid.meeting_link, valid.agenda, bump
    )
    .execute(change.tx())
    .await?;
    change.record(Event {
        action: if moved { "flyttade" } else { "ändrade" },
        entity: "möte",
        entity_id: Some(id),
        summary: format!("{} {}", meeting.group_name, crate::web::format_local(valid.starts_at)),
        before: Some(json!({ "start": meeting.starts_at, "slut": meeting.ends_at, "plats": meeting.place, "dagordning": meeting.agenda })),
        after: Some(json!({ "start": valid.starts_at, "slut": valid.ends_at, "plats": valid.place, "dagordning": valid.agenda })),
    }).await?;
    let message = if bump == 1 {
        "Mötet är ändrat. Kallelsen har redan skickats: skicka en uppdaterad kallelse så att kalendrarna följer med."
    } else {
        "Mötet är ändrat."
    };
    change.finish(message, &format!("/moten/{id}")).await
}

#[derive(Deserialize, Default)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
}

/// Cancels a meeting; everyone who got the kallelse gets a cancellation
/// (iCalendar CANCEL with the same UID and a higher SEQUENCE).
#[tracing::instrument(skip_all, fields(person.id = %user.id(), meeting.id = %id))]
pub async fn cancel(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    Form(form): Form<CancelForm>,
) -> AppResult<Response> {
    let meeting = schedulable_meeting(&state, &user, id).await?;
    let mut errors = FieldErrors::default();
    let reason = forms::required_line(
        &mut errors,
        "reason",
        &form.reason,
        "varför mötet ställs in",
        500,
    );
    if meeting.is_cancelled() {
        errors.add("reason", "Mötet är redan inställt.");
    } else if meeting.status == "held" {
        errors.add("reason", "Mötet är redan genomfört.");
    }
    if !errors.is_empty() {
        let page = show_page(&state, &user, id, None, Default::default(), errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let m = user.municipality_id();
    let invited = !db::sendings(&state.db, m, id).await?.is_empty();
    let mut change = Change::begin(&state, &user).await?;
    sqlx::query!(
        r#"update meeting set status = 'cancelled', cancelled_reason = $3, sequence = sequence + 1
           where id = $1 and municipality_id = $2"#,
        id,
        m,
        reason
    )
    .execute(change.tx())
    .await?;
    change
        .record(Event {
            action: "ställde in",
            entity: "möte",
            entity_id: Some(id),
            summary: format!(
                "{} {}: {reason}",
                meeting.group_name,
                crate::web::format_local(meeting.starts_at)
            ),
            before: Some(json!({ "status": meeting.status })),
            after: Some(json!({ "status": "cancelled", "skäl": reason })),
        })
        .await?;
    // The cancellation is queued in the same transaction as the change.
    let queued = if invited {
        Some(
            invitations::enqueue(
                change.tx(),
                &state,
                &user,
                id,
                invitations::Kind::Cancellation,
            )
            .await?,
        )
    } else {
        None
    };
    let done = change.commit().await?;
    let message = match queued {
        Some(queued) => {
            let delivery = queued.deliver(&state).await;
            format!(
                "Mötet är inställt. Återbud skickades till {}.{}",
                crate::web::words::count(delivery.sent.len(), "person", "personer"),
                delivery.failure_sentence()
            )
        }
        None => "Mötet är inställt.".to_owned(),
    };
    done.redirect(message, &format!("/moten/{id}")).await
}

/// The term-planning form as typed (GET parameters, then the POST).
#[derive(Deserialize, Default, Clone)]
pub struct PlanForm {
    #[serde(default)]
    pub grupp: String,
    #[serde(default)]
    pub termin: String,
    #[serde(default)]
    pub weekday: String,
    #[serde(default)]
    pub time: String,
    #[serde(default)]
    pub duration: String,
    #[serde(default)]
    pub count: String,
    #[serde(default)]
    pub form: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub meeting_link: String,
    #[serde(default)]
    pub break_from: String,
    #[serde(default)]
    pub break_to: String,
    /// `ja` when the preview's dates come with checkboxes.
    #[serde(default)]
    pub pick: String,
    /// The save's one-time form token (`chrome.form_token`); not carried in the URL.
    #[serde(default)]
    pub form_token: String,
}

/// One proposed meeting in the preview.
pub struct ProposedRow {
    pub date: NaiveDate,
    pub label: String,
    pub week: String,
    pub time: String,
    pub exists: bool,
    pub clashes: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "meetings/plan.html")]
pub struct PlanPage {
    chrome: Chrome,
    groups: Vec<Choice>,
    terms: Vec<(String, String)>,
    weekdays: Vec<(u32, &'static str)>,
    form: PlanForm,
    weekly: bool,
    errors: FieldErrors,
    proposed: Vec<ProposedRow>,
    skipped: Vec<(String, String)>,
    group_name: String,
    term_label: String,
    new_count: usize,
}

/// The terms offered: this one and the next three.
fn terms_from(day: NaiveDate) -> Vec<Term> {
    let mut term = Term::containing(day);
    let mut terms = Vec::new();
    for _ in 0..4 {
        terms.push(term);
        term = Term::containing(term.last_day() + Days::new(1));
    }
    terms
}

/// A validated plan request.
struct PlanRequest {
    group_id: Uuid,
    term: Term,
    cadence: Cadence,
    breaks: Vec<(NaiveDate, NaiveDate)>,
}

fn weekday_from_iso(n: u32) -> chrono::Weekday {
    cadence::iso_weekday(i16::try_from(n).unwrap_or(1))
}

/// Fills the form's empty fields from the group's cadence.
fn with_defaults(mut form: PlanForm, c: &Cadence, term: Term) -> PlanForm {
    let fill = |field: &mut String, value: String| {
        if field.trim().is_empty() {
            *field = value;
        }
    };
    fill(&mut form.weekday, c.weekday.to_string());
    fill(&mut form.time, c.start_time.format("%H:%M").to_string());
    fill(&mut form.duration, c.duration_minutes.to_string());
    fill(&mut form.count, c.per_half_year.to_string());
    fill(&mut form.form, c.form.clone());
    fill(
        &mut form.place,
        c.place_list()
            .first()
            .map(|s| (*s).to_owned())
            .unwrap_or_default(),
    );
    fill(&mut form.meeting_link, c.meeting_link.clone());
    // A break typed for another term (the form keeps its fields when the
    // term is changed) does not belong to this one: start over.
    let in_term = |value: &str| {
        NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").is_ok_and(|d| term.contains(d))
    };
    if !in_term(&form.break_from) || !in_term(&form.break_to) {
        form.break_from.clear();
        form.break_to.clear();
    }
    if c.kind == "weekly" {
        // The summer break: from mid-June in spring, until mid-August in autumn.
        let (from, to) = match term.half {
            calendar::Half::Spring => ((term.year, 6, 15), (term.year, 6, 30)),
            calendar::Half::Autumn => ((term.year, 7, 1), (term.year, 8, 15)),
        };
        let date = |(y, m, d): (i32, u32, u32)| {
            NaiveDate::from_ymd_opt(y, m, d)
                .map(|d| d.to_string())
                .unwrap_or_default()
        };
        fill(&mut form.break_from, date(from));
        fill(&mut form.break_to, date(to));
    }
    form.termin = term.as_key();
    form
}

async fn plan_request(
    state: &AppState,
    user: &CurrentUser,
    groups: &[Choice],
    form: &PlanForm,
    errors: &mut FieldErrors,
) -> AppResult<Option<PlanRequest>> {
    let group_id = Uuid::parse_str(&form.grupp)
        .ok()
        .filter(|id| groups.iter().any(|g| g.id == *id));
    if group_id.is_none() {
        errors.add("grupp", "Välj en grupp som du kallar till.");
    }
    let term = Term::parse(&form.termin);
    if term.is_none() {
        errors.add("termin", "Välj en termin.");
    }
    // A term far off would plan (and look up clashes for) dates no one needs.
    let term = term.filter(|t| {
        let ok = crate::web::bounds::year_ok(t.first_day().year());
        if !ok {
            errors.add(
                "termin",
                format!(
                    "Välj en termin under år {}.",
                    crate::web::bounds::years_text()
                ),
            );
        }
        ok
    });
    let weekday = match form.weekday.trim().parse::<u32>() {
        Ok(n) if (1..=7).contains(&n) => Some(n),
        _ => {
            errors.add("weekday", "Välj en veckodag.");
            None
        }
    };
    let time = parse_time(errors, "time", &form.time);
    let duration = parse_duration(errors, "duration", &form.duration);
    let mode = parse_form(errors, "form", &form.form);
    let break_from = forms::optional_date(errors, "break_from", &form.break_from);
    let break_to = forms::optional_date(errors, "break_to", &form.break_to);
    if break_from.is_some() != break_to.is_some() {
        errors.add(
            "break_to",
            "Ange både första och sista dagen för uppehållet, eller ingen av dem.",
        );
    }
    let (Some(group_id), Some(term), Some(weekday), Some(time), Some(duration)) =
        (group_id, term, weekday, time, duration)
    else {
        return Ok(None);
    };
    let mut c = cadence::load(&state.db, user.municipality_id(), group_id).await?;
    if c.kind != "weekly" {
        match form.count.trim().parse::<i32>() {
            Ok(n) if (1..=26).contains(&n) => c.per_half_year = n,
            _ => errors.add("count", "Ange hur många möten terminen ska ha, 1 till 26."),
        }
    }
    c.weekday = i16::try_from(weekday).unwrap_or(1);
    c.start_time = time;
    c.duration_minutes = i32::try_from(duration).unwrap_or(60);
    c.form = mode.to_owned();
    c.places = forms::optional_line(errors, "place", &form.place, "platsen", 300);
    c.meeting_link = forms::optional_line(
        errors,
        "meeting_link",
        &form.meeting_link,
        "möteslänken",
        1000,
    );
    let breaks = break_from.zip(break_to).into_iter().collect();
    Ok(errors.is_empty().then_some(PlanRequest {
        group_id,
        term,
        cadence: c,
        breaks,
    }))
}

fn generate(request: &PlanRequest) -> Plan {
    request.cadence.plan(request.term, &request.breaks)
}

async fn existing_dates(
    state: &AppState,
    m: Uuid,
    request: &PlanRequest,
) -> AppResult<Vec<NaiveDate>> {
    let meetings = db::meetings_between(
        &state.db,
        m,
        day_start(request.term.first_day()),
        day_start(request.term.last_day() + Days::new(1)),
        Some(&[request.group_id]),
    )
    .await?;
    Ok(meetings
        .iter()
        .filter(|mt| !mt.is_cancelled())
        .map(Meeting::local_date)
        .collect())
}

/// Shows the planning form and, once a group and term are chosen, the
/// proposal: the dates, the skipped dates with reasons, clashes.
pub async fn plan_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(form): Query<PlanForm>,
) -> AppResult<PlanPage> {
    let groups = schedulable_groups(&state, &user).await?;
    let m = user.municipality_id();
    let terms = terms_from(today());
    let mut errors = FieldErrors::default();
    let chosen_group = Uuid::parse_str(&form.grupp)
        .ok()
        .filter(|id| groups.iter().any(|g| g.id == *id));
    let (form, request) = match (chosen_group, Term::parse(&form.termin)) {
        (Some(group_id), Some(term)) => {
            let c = cadence::load(&state.db, m, group_id).await?;
            let form = with_defaults(form, &c, term);
            let request = plan_request(&state, &user, &groups, &form, &mut errors).await?;
            (form, request)
        }
        _ => (
            PlanForm {
                termin: terms.get(1).map(|t| t.as_key()).unwrap_or_default(),
                ..form
            },
            None,
        ),
    };
    let weekly = match chosen_group {
        Some(g) => cadence::load(&state.db, m, g).await?.kind == "weekly",
        None => false,
    };
    let mut page = PlanPage {
        chrome: user.chrome("moten").await,
        terms: terms.iter().map(|t| (t.as_key(), t.label())).collect(),
        weekdays: (1..=7)
            .map(|n| (n, calendar::swedish_weekday(weekday_from_iso(n))))
            .collect(),
        weekly,
        errors,
        proposed: Vec::new(),
        skipped: Vec::new(),
        group_name: String::new(),
        term_label: String::new(),
        new_count: 0,
        form,
        groups,
    };
    if let Some(request) = request {
        let plan = generate(&request);
        let existing = existing_dates(&state, m, &request).await?;
        for p in &plan.meetings {
            let clashes =
                db::clashes(&state.db, m, request.group_id, p.starts_at, p.ends_at, None).await?;
            page.proposed.push(ProposedRow {
                date: p.date,
                label: long_date(p.date),
                week: calendar::iso_week_label(p.date),
                time: format!(
                    "{}",
                    p.starts_at
                        .with_timezone(&chrono_tz::Europe::Stockholm)
                        .format("%H:%M")
                ),
                exists: existing.contains(&p.date),
                clashes: clashes.iter().map(Clash::describe).collect(),
            });
        }
        page.skipped = plan
            .skipped
            .iter()
            .map(|s| (long_date(s.date), s.reason.clone()))
            .collect();
        page.new_count = page.proposed.iter().filter(|p| !p.exists).count();
        page.group_name = page
            .groups
            .iter()
            .find(|g| g.id == request.group_id)
            .map(|g| g.label.clone())
            .unwrap_or_default();
        page.term_label = request.term.label();
    }
    Ok(page)
}

/// Saves the proposal: every proposed date that the group has no meeting on yet.
#[tracing::instrument(skip_all, fields(person.id = %user.id()))]
pub async fn plan_save(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = PlanForm::deserialize(serde::de::value::MapDeserializer::<
        _,
        serde::de::value::Error,
    >::new(
        fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    ))
    .map_err(|_| AppError::BadRequest)?;
    // The preview ticks every date (`d_<date>=ja`); a date left unticked
    // is not saved. A form without `pick` (no checkboxes) saves them all.
    let picked: Option<Vec<NaiveDate>> = (form.pick == "ja").then(|| {
        fields
            .iter()
            .filter(|(_, v)| v == "ja")
            .filter_map(|(k, _)| k.strip_prefix("d_"))
            .filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .collect()
    });
    let groups = schedulable_groups(&state, &user).await?;
    let mut errors = FieldErrors::default();
    let Some(request) = plan_request(&state, &user, &groups, &form, &mut errors).await? else {
        let query = serde_urlencoded_plan(&form);
        set_flash(
            &user.person.flash,
            "Förslaget kunde inte sparas: kontrollera uppgifterna.",
        )
        .await?;
        return Ok(Redirect::to(&format!("/moten/planera?{query}")).into_response());
    };
    let m = user.municipality_id();
    let plan = generate(&request);
    let existing = existing_dates(&state, m, &request).await?;
    let c = &request.cadence;
    let place = if c.form == "online" {
        String::new()
    } else {
        c.places.clone()
    };
    let picked_here = |p: &&calendar::Proposed| picked.as_ref().is_none_or(|d| d.contains(&p.date));
    // A second save finds its meetings already there: back to where the first went.
    let first_picked = plan.meetings.iter().find(picked_here).map(|p| p.date);
    let again = format!(
        "/moten?manad={}",
        month_key(first_picked.unwrap_or_else(|| request.term.first_day()))
    );
    let mut change = Change::once(&state, &user, &form.form_token, &again).await?;
    let mut created = 0;
    let mut first_new = None;
    let chosen = plan
        .meetings
        .iter()
        .filter(|p| !existing.contains(&p.date))
        .filter(picked_here);
    for p in chosen {
        first_new = first_new.or(Some(p.date));
        db::insert_meeting(
            change.tx(),
            m,
            &NewMeeting {
                group_id: request.group_id,
                starts_at: p.starts_at,
                ends_at: p.ends_at,
                form: &c.form,
                place: &place,
                meeting_link: &c.meeting_link,
                agenda: "",
            },
        )
        .await?;
        created += 1;
    }
    let group = groups
        .iter()
        .find(|g| g.id == request.group_id)
        .map(|g| g.label.clone())
        .unwrap_or_default();
    change
        .record(Event {
            action: "planerade termin",
            entity: "möten",
            entity_id: Some(request.group_id),
            summary: format!(
                "{} för {group} {}",
                crate::web::words::count(created, "möte", "möten"),
                request.term.label()
            ),
            before: None,
            after: Some(json!({ "antal": created, "termin": request.term.as_key() })),
        })
        .await?;
    let message = if created == 0 {
        format!(
            "Inga nya möten sparades för {group} {}: inget datum var valt.",
            request.term.label()
        )
    } else {
        format!(
            "{} för {group} {} är {}.",
            crate::web::words::count(created, "möte", "möten"),
            request.term.label(),
            crate::web::words::plural(created, "planerat", "planerade")
        )
    };
    // The calendar opens at the first new meeting, so that it shows them.
    let month = first_new.map_or_else(|| month_key(request.term.first_day()), month_key);
    change
        .finish(message, &format!("/moten?manad={month}"))
        .await
}

impl PlanForm {
    /// The fields carried from the preview to the save.
    pub fn hidden_fields(&self) -> [(&'static str, &str); 11] {
        [
            ("grupp", &self.grupp),
            ("termin", &self.termin),
            ("weekday", &self.weekday),
            ("time", &self.time),
            ("duration", &self.duration),
            ("count", &self.count),
            ("form", &self.form),
            ("place", &self.place),
            ("meeting_link", &self.meeting_link),
            ("break_from", &self.break_from),
            ("break_to", &self.break_to),
        ]
    }
}

/// The plan form as a query string, to return to the preview.
fn serde_urlencoded_plan(form: &PlanForm) -> String {
    serde_urlencoded::to_string(form.hidden_fields()).unwrap_or_default()
}
