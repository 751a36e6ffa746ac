//! `/moten/ny` and `/moten/{id}`: single meetings (create, show, edit,
//! move, cancel).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Datelike, Utc};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::cadence::{self};
use super::db::{self, Clash, Meeting, NewMeeting, schedulable_groups, schedulable_meeting};
use super::invitations;
use super::model::{
    DecisionForm, MeetingMode, MeetingStatus, SendingKind, parse_duration, parse_form, parse_link,
    parse_time, place_for,
};
use crate::audit::Event;
use crate::error::AppResult;
use crate::planning::model::{ItemKind, ItemStatus};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::choice::{Choice, label_of};
use crate::web::extract::CurrentUser;
use crate::web::forms::{self, FieldErrors, Form, Query, unprocessable};
use crate::web::layout::{Chrome, Flash};
use crate::web::path::IdPath;
use crate::web::seats::Access;
use crate::web::today;

// est and dashboard still name it here; it lives in `crate::web`.

/// The fields of a meeting as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct MeetingForm {
    pub group_id: String,
    pub date: String,
    pub time: String,
    pub duration: String,
    pub form: String,
    pub place: String,
    pub meeting_link: String,
    pub agenda: String,
    pub form_token: String,
    /// `ja` when the user confirmed a date in the past.
    pub past_ok: String,
}

/// The warning for a meeting dated in the past.
const PAST_WARNING: &str = "Mötets tid har redan passerat. Kontrollera datum och tid, eller kryssa i rutan om mötet har hållits och ska föras in i efterhand.";

/// A validated meeting.
pub struct ValidMeeting {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub form: MeetingMode,
    pub place: String,
    pub meeting_link: String,
    pub agenda: String,
}

impl MeetingForm {
    fn validate(&self, errors: &mut FieldErrors) -> Option<ValidMeeting> {
        let date = forms::required_date(errors, "date", &self.date);
        let time = parse_time(errors, "time", &self.time);
        let duration = parse_duration(errors, "duration", &self.duration);
        let form = parse_form(errors, "form", &self.form);
        let place = forms::optional_line(errors, "place", &self.place, "platsen", 300);
        let place = place_for(form, place);
        let meeting_link = parse_link(errors, form, &self.meeting_link);
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
            form: m.form.as_str().to_owned(),
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
    let groups = schedulable_groups(&state.db, &user).await?;
    let group_id = Uuid::parse_str(&query.grupp)
        .ok()
        .filter(|id| groups.iter().any(|g| g.id == *id));
    let group_id = group_id.unwrap_or(groups[0].id);
    let c = cadence::load(&state.db, user.tenant(), group_id).await?;
    let form = MeetingForm {
        group_id: group_id.to_string(),
        date: String::new(),
        time: c.start_time.format("%H:%M").to_string(),
        duration: c.duration_minutes.to_string(),
        form: c.form.as_str().to_owned(),
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
    let groups = schedulable_groups(&state.db, &user).await?;
    let (group_id, valid) = match check_new(&form, &groups) {
        Ok(checked) => checked,
        Err(errors) => {
            let page = NewPage {
                chrome: user.chrome("moten").await,
                groups,
                form,
                errors,
            };
            return unprocessable(page);
        }
    };
    let m = user.tenant();
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
    let group = label_of(&groups, group_id);
    let after = json!({
        "grupp": group, "start": valid.starts_at, "slut": valid.ends_at, "plats": valid.place,
    });
    let summary = format!(
        "Planerade möte i {group} {}",
        crate::web::format_local(valid.starts_at)
    );
    let event = Event::new("planerade", "möte", summary).on(id).after(after);
    change.record(event).await?;
    let done = change.commit().await?;
    let message = planned_message(&state, m, group_id, &valid, id).await?;
    done.redirect(message, &format!("/moten/{id}")).await
}

/// The group and the meeting of a new meeting's form, or what is wrong
/// with it: a group the user does not call, a bad field, a date in the past
/// not confirmed.
fn check_new(form: &MeetingForm, groups: &[Choice]) -> Result<(Uuid, ValidMeeting), FieldErrors> {
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
    match (group_id, valid, errors.is_empty()) {
        (Some(group_id), Some(valid), true) => Ok((group_id, valid)),
        _ => Err(errors),
    }
}

/// The flash after planning a meeting: what to do next, and, as a
/// warning, every meeting it clashes with.
async fn planned_message(
    state: &AppState,
    m: MunicipalityId,
    group_id: Uuid,
    valid: &ValidMeeting,
    id: Uuid,
) -> AppResult<Flash> {
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
        "Mötet är sparat. Dess tid har redan passerat, så ingen kallelse skickas; för in närvaron under Protokoll.".to_owned()
    } else {
        "Mötet är planerat. Skicka kallelsen när dagordningen är klar.".to_owned()
    };
    if clashes.is_empty() {
        return Ok(message.into());
    }
    message.push_str(" Dubbelbokning:");
    for clash in &clashes {
        message.push(' ');
        message.push_str(&clash.describe());
    }
    Ok(Flash::warning(message))
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
    decision: DecisionForm,
    /// Goals and decision material handled at this meeting: (link, label).
    handled: Vec<(String, String)>,
    /// The signed-in person's own seats in the group, for "anmäl förhinder".
    seats: Vec<db::Seat>,
    /// Seats whose holder reported that they cannot come.
    excused: Vec<db::AttendanceRow>,
    /// The reason for cancelling, as sent, when it is shown again with
    /// its error.
    cancel_reason: String,
    /// Whether this server sends e-mail (else mail is kept as files).
    by_mail: bool,
}

/// Renders the meeting page, with whatever the user typed and its errors.
pub async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    edit: Option<MeetingForm>,
    decision: DecisionForm,
    errors: FieldErrors,
) -> AppResult<ShowPage> {
    let m = user.tenant();
    let meeting = db::meeting(&state.db, m, id).await?;
    let access = Access::load(&state.db, user).await?;
    access.require_see(meeting.group_id)?;
    let can_schedule = access.can_schedule(meeting.group_id);
    let clashes = upcoming_clashes(&state.db, m, &meeting).await?;
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
        cancel_reason: String::new(),
        by_mail: state.mailer.by_mail(),
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

/// Other meetings that a planned meeting still to come clashes with.
async fn upcoming_clashes(
    db: &sqlx::PgPool,
    m: MunicipalityId,
    meeting: &Meeting,
) -> AppResult<Vec<Clash>> {
    if meeting.status != MeetingStatus::Planned || meeting.starts_at <= Utc::now() {
        return Ok(Vec::new());
    }
    db::clashes(
        db,
        m,
        meeting.group_id,
        meeting.starts_at,
        meeting.ends_at,
        Some(meeting.id),
    )
    .await
}

/// Goals decided and decision material handled at a meeting (planning).
async fn handled_at(
    db: &sqlx::PgPool,
    m: MunicipalityId,
    meeting: Uuid,
) -> AppResult<Vec<(String, String)>> {
    let goals = sqlx::query!(
        "select id, title from goal where meeting_id = $1 and municipality_id = $2 order by created_at",
        meeting,
        m.get()
    )
    .fetch_all(db)
    .await?;
    let items = sqlx::query!(
        r#"select id, title, kind as "kind: ItemKind", status as "status: ItemStatus"
           from plan_item where meeting_id = $1 and municipality_id = $2 order by created_at"#,
        meeting,
        m.get()
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
                    i.kind.label(),
                    i.title,
                    i.status.label().to_lowercase()
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

/// Edits or moves a meeting. A change of time or place after a kallelse
/// bumps the iCalendar SEQUENCE so that calendars take the update.
#[tracing::instrument(skip_all, fields(person.id = %user.id(), meeting.id = %id))]
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    Form(form): Form<MeetingForm>,
) -> AppResult<Response> {
    let meeting = schedulable_meeting(&state.db, &user, id).await?;
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
        return unprocessable(page);
    };
    let m = user.tenant();
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
        id, m.get(), valid.starts_at, valid.ends_at, valid.form.as_str(), valid.place, valid.meeting_link, valid.agenda, bump
    )
    .execute(change.tx())
    .await?;
    let before = json!({
        "start": meeting.starts_at, "slut": meeting.ends_at,
        "plats": meeting.place, "dagordning": meeting.agenda,
    });
    let after = json!({
        "start": valid.starts_at, "slut": valid.ends_at,
        "plats": valid.place, "dagordning": valid.agenda,
    });
    let action = if moved { "flyttade" } else { "ändrade" };
    let when = crate::web::format_local(valid.starts_at);
    let event = Event::new(action, "möte", format!("{} {when}", meeting.group_name))
        .on(id)
        .before(before)
        .after(after);
    change.record(event).await?;
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
    /// The one-time form token (`chrome.form_token`).
    #[serde(default)]
    form_token: String,
}

/// Cancels a meeting; everyone who got the kallelse gets a cancellation
/// (iCalendar CANCEL with the same UID and a higher SEQUENCE). The form's
/// one-time token, and a statement that cancels only a meeting not yet
/// cancelled, make a repeat send no second cancellation.
#[tracing::instrument(skip_all, fields(person.id = %user.id(), meeting.id = %id))]
pub async fn cancel(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    Form(form): Form<CancelForm>,
) -> AppResult<Response> {
    let meeting = schedulable_meeting(&state.db, &user, id).await?;
    let back = format!("/moten/{id}");
    let mut change = Change::once(&state, &user, &form.form_token, &back).await?;
    let reason = match cancel_reason(&meeting, &form) {
        Ok(reason) => reason,
        Err(errors) => {
            change.rollback().await?;
            let mut page = show_page(&state, &user, id, None, Default::default(), errors).await?;
            page.cancel_reason = form.reason;
            return unprocessable(page);
        }
    };
    let m = user.tenant();
    let invited = !db::sendings(&state.db, m, id).await?.is_empty();
    let cancelled = sqlx::query_scalar!(
        r#"update meeting set status = 'cancelled', cancelled_reason = $3, sequence = sequence + 1
           where id = $1 and municipality_id = $2 and status <> 'cancelled'
           returning id"#,
        id,
        m.get(),
        reason
    )
    .fetch_optional(change.tx())
    .await?;
    if cancelled.is_none() {
        return change.sent_before(&back).await;
    }
    change
        .record(
            Event::new(
                "ställde in",
                "möte",
                format!(
                    "{} {}: {reason}",
                    meeting.group_name,
                    crate::web::format_local(meeting.starts_at)
                ),
            )
            .on(id)
            .before(json!({ "status": meeting.status }))
            .after(json!({ "status": "cancelled", "skäl": reason })),
        )
        .await?;
    let queued = queue_cancellation(&mut change, &state, &user, id, invited).await?;
    let done = change.commit().await?;
    let message = match queued {
        Some(queued) => cancelled_message(&state, queued).await,
        None => "Mötet är inställt.".into(),
    };
    done.redirect(message, &back).await
}

/// Queues the cancellation, in the same transaction as the change, for
/// those who got the kallelse (when anyone did).
async fn queue_cancellation(
    change: &mut Change<'_>,
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    invited: bool,
) -> AppResult<Option<invitations::Queued>> {
    if !invited {
        return Ok(None);
    }
    let kind = SendingKind::Cancellation;
    Ok(Some(
        invitations::enqueue(change.tx(), state, user, id, kind).await?,
    ))
}

/// Why the meeting is cancelled, or why it cannot be.
fn cancel_reason(meeting: &Meeting, form: &CancelForm) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::default();
    let reason = forms::required_line(
        &mut errors,
        "reason",
        &form.reason,
        "varför mötet ställs in",
        500,
    );
    if meeting.is_cancelled() {
        errors.add_to_page("Mötet är redan inställt.");
    } else if meeting.status == MeetingStatus::Held {
        errors.add_to_page("Mötet är redan genomfört.");
    }
    if errors.is_empty() {
        Ok(reason)
    } else {
        Err(errors)
    }
}

/// Sends the queued cancellations and says to how many they went.
async fn cancelled_message(state: &AppState, queued: invitations::Queued) -> Flash {
    let delivery = queued.deliver(state).await;
    delivery.flash(format!(
        "Mötet är inställt. {}",
        delivery.outcome(
            "Återbudet",
            &crate::web::words::count(delivery.sent.len(), "person", "personer")
        )
    ))
}
