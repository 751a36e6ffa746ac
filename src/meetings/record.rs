//! The meeting record: who came (and who stood in), notes, decisions (which
//! may appoint a temporary working group or create a task), and approval of
//! the minutes, after which the record is read-only.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use askama::Template;
use askama_web::WebTemplate;

use super::db::schedulable_meeting;
use super::db::{self, AttendanceRow, Decision, Meeting};
use super::model::MeetingStatus;
use super::model::{AttendanceStatus, Consequence, DecisionForm};
use super::schedule::show_page;
use crate::audit::Event;
use crate::error::{AppError, AppResult, OnConstraint};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::extract::CurrentUser;
use crate::web::forms::{self, FieldErrors, Form, unprocessable};
use crate::web::layout::Chrome;
use crate::web::path::IdPath;
use crate::web::seats::Access;

fn refuse_if_closed(meeting: &Meeting, errors: &mut FieldErrors, field: &'static str) {
    if meeting.is_locked() {
        errors.add(field, "Protokollet är justerat och kan inte längre ändras.");
    } else if meeting.is_cancelled() {
        errors.add(field, "Mötet är inställt.");
    } else if meeting.starts_at > Utc::now() {
        errors.add(
            field,
            "Mötet har inte börjat än; närvaro och beslut förs under eller efter mötet.",
        );
    }
}

/// `POST /moten/{id}/protokoll`: attendance (`a_<position id>`) and notes.
#[tracing::instrument(skip_all, fields(person.id = %user.id(), meeting.id = %id))]
pub async fn save_record(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let meeting = schedulable_meeting(&state.db, &user, id).await?;
    let (notes, marks) = match read_record(&meeting, &fields) {
        Ok(record) => record,
        Err(errors) => {
            let page = show_page(&state, &user, id, None, DecisionForm::default(), errors).await?;
            return unprocessable(page);
        }
    };
    let m = user.tenant();
    let day = meeting.local_date();
    let mut change = Change::begin(&state, &user).await?;
    record_attendance(change.tx(), m, &meeting, &marks).await?;
    // A meeting counts as held once its attendance is recorded: notes
    // alone leave it planned (and counted as not recorded).
    let held = !marks.is_empty() || meeting.status == MeetingStatus::Held;
    sqlx::query!(
        "update meeting set notes = $3, status = case when $4 then 'held' else status end where id = $1 and municipality_id = $2",
        id,
        m.get(),
        notes,
        held
    )
    .execute(change.tx())
    .await?;
    let present: Vec<_> = marks
        .iter()
        .map(|(p, s)| json!({ "befattning": p, "status": s }))
        .collect();
    let counted = crate::web::words::count(marks.len(), "befattning", "befattningar");
    let summary = format!("{} {}: närvaro för {counted}", meeting.group_name, day);
    let event = Event::new("förde protokoll", "möte", summary)
        .on(id)
        .before(json!({ "anteckningar": meeting.notes }))
        .after(json!({ "anteckningar": notes, "närvaro": present }));
    change.record(event).await?;
    let message = if held {
        "Närvaro och anteckningar är sparade."
    } else {
        "Anteckningarna är sparade. Mötet räknas som hållet först när närvaron är förd."
    };
    change
        .finish(message, &format!("/moten/{id}#protokoll"))
        .await
}

/// The notes and the attendance marks (position, status) of the record
/// form, or what is wrong with them.
fn read_record(
    meeting: &Meeting,
    fields: &[(String, String)],
) -> Result<(String, Vec<(Uuid, AttendanceStatus)>), FieldErrors> {
    let mut errors = FieldErrors::default();
    refuse_if_closed(meeting, &mut errors, "notes");
    let notes_raw = fields
        .iter()
        .find(|(k, _)| k == "notes")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let notes = forms::optional_text(&mut errors, "notes", notes_raw, "anteckningarna", 20000);
    let mut marks = Vec::new();
    for (key, value) in fields {
        let Some(position) = key.strip_prefix("a_") else {
            continue;
        };
        let Ok(position_id) = Uuid::parse_str(position) else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        let Ok(status) = value.parse::<AttendanceStatus>() else {
            errors.add("notes", "Välj närvaro i listan för varje befattning.");
            continue;
        };
        marks.push((position_id, status));
    }
    if errors.is_empty() {
        Ok((notes, marks))
    } else {
        Err(errors)
    }
}

/// Stores the attendance marks of a meeting.
async fn record_attendance(
    tx: &mut PgConnection,
    m: MunicipalityId,
    meeting: &Meeting,
    marks: &[(Uuid, AttendanceStatus)],
) -> AppResult<()> {
    let (id, day) = (meeting.id, meeting.local_date());
    for (position_id, status) in marks {
        // Only member positions of the meeting's group are recorded; the
        // attendee is the holder, or the substitute position's holder.
        sqlx::query!(
            r#"insert into meeting_attendance (meeting_id, municipality_id, position_id, status, attended_by)
               select $1, $2, p.id, $4,
                      (select h.person_id from position_holder h
                       where h.position_id = case when $4 = 'substitute_present' then p.substitute_position_id else p.id end
                         and h.held_from <= $6 and (h.held_to is null or h.held_to >= $6))
               from position p join membership ms on ms.position_id = p.id and ms.work_group_id = $5
               where p.id = $3 and p.municipality_id = $2
               on conflict (meeting_id, position_id) do update set status = excluded.status, attended_by = excluded.attended_by"#,
            id, m.get(), position_id, status.as_str(), meeting.group_id, day
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// `POST /moten/{id}/beslut`: validate the decision, store it with the
/// working group or task it creates, and record it in the minutes.
#[tracing::instrument(skip_all, fields(person.id = %user.id(), meeting.id = %id))]
pub async fn add_decision(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let meeting = schedulable_meeting(&state.db, &user, id).await?;
    let m = user.tenant();
    let mut e = FieldErrors::default();
    refuse_if_closed(&meeting, &mut e, "text");
    let (text, consequence) = form.parse(&mut e);
    if !e.is_empty() {
        let page = show_page(&state, &user, id, None, form, e).await?;
        return unprocessable(page);
    }
    let again = format!("/moten/{id}#beslut");
    let mut change = Change::once(&state, &user, &form.form_token, &again).await?;
    let number = db::next_decision_number(change.tx(), id).await?;
    let reference = format!("{} {} § {number}", meeting.group_name, meeting.local_date());
    let (mut created_group, mut created_task) = (None, None);
    match &consequence {
        Consequence::Group { name, task, focus } => {
            let group = db::NewAppointedGroup {
                name,
                task,
                focus,
                reference: &reference,
            };
            let inserted = db::appoint_group(change.tx(), m, &meeting, &group).await;
            let mut e = FieldErrors::default();
            let name_taken = (
                "work_group_name_key",
                "group_name",
                "Det finns redan en grupp med det namnet.",
            );
            let Some(group_id) = inserted.on_constraint(&mut e, &[name_taken])? else {
                change.rollback().await?;
                let page = show_page(&state, &user, id, None, form.clone(), e).await?;
                return unprocessable(page);
            };
            created_group = Some(group_id);
        }
        Consequence::Task { title, owner, due } => {
            let task_id = db::create_task(change.tx(), m, title, *owner, *due)
                .await?
                .ok_or(AppError::BadRequest)?;
            created_task = Some(task_id);
        }
        Consequence::Note => {}
    }
    db::insert_decision(change.tx(), m, id, &text, created_group, created_task).await?;
    let after = json!({
        "beslut": text, "arbetsgrupp": consequence.group_name(),
        "uppgift": consequence.task_title(),
    });
    let event = Event::new("beslutade", "möte", format!("{reference}: {text}"))
        .on(id)
        .after(after);
    let flash = format!("Beslutet är fört till protokollet ({reference}).");
    change
        .done(event, flash, &format!("/moten/{id}#beslut"))
        .await
}

/// The approval preview: the minutes as they will be locked, who approves
/// them (the group's convener positions), and the confirm button.
#[derive(Template, WebTemplate)]
#[template(path = "meetings/approve.html")]
pub struct ApprovePage {
    chrome: Chrome,
    meeting: Meeting,
    attendance: Vec<AttendanceRow>,
    decisions: Vec<Decision>,
    /// The convener positions, with their holders on the meeting day.
    approvers: Vec<AttendanceRow>,
    /// How many seats have a holder, and how many of them have no
    /// attendance recorded: the approval would lock them as "Ej angivet".
    held: usize,
    unrecorded: usize,
}

/// `GET /moten/{id}/justera`: shows what approval will lock; stores nothing.
pub async fn approve_preview(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let meeting = schedulable_meeting(&state.db, &user, id).await?;
    if meeting.status != MeetingStatus::Held || meeting.is_locked() {
        return Ok(Redirect::to(&format!("/moten/{id}#protokoll")).into_response());
    }
    let m = user.tenant();
    let (attendance, approvers) = db::attendance(&state.db, m, &meeting)
        .await?
        .into_iter()
        .partition::<Vec<_>, _>(|a| !a.is_convener());
    let mut everyone = approvers.clone();
    everyone.extend(attendance);
    let held = everyone.iter().filter(|a| a.holder.is_some());
    let unrecorded = held.clone().filter(|a| a.status.is_none()).count();
    let held = held.count();
    Ok(ApprovePage {
        chrome: user.chrome("moten").await,
        decisions: db::decisions(&state.db, m, id).await?,
        held,
        unrecorded,
        attendance: everyone,
        approvers,
        meeting,
    }
    .into_response())
}

/// The confirmation sent by the preview's button.
#[derive(Deserialize, Default)]
pub struct ApproveForm {
    #[serde(default)]
    bekrafta: String,
}

/// `POST /moten/{id}/justera`: approves the minutes; they are read-only
/// after. Only the preview's confirm button (`bekrafta=ja`) locks; any
/// other post is sent to the preview.
pub async fn approve(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    Form(form): Form<ApproveForm>,
) -> AppResult<Response> {
    let meeting = schedulable_meeting(&state.db, &user, id).await?;
    if form.bekrafta != "ja" {
        return Ok(Redirect::to(&format!("/moten/{id}/justera")).into_response());
    }
    let mut e = FieldErrors::default();
    if meeting.status != MeetingStatus::Held {
        e.add_to_page("Protokollet kan justeras först när närvaron är förd.");
    }
    if meeting.is_locked() {
        e.add_to_page("Protokollet är redan justerat.");
    }
    if !e.is_empty() {
        let page = show_page(&state, &user, id, None, DecisionForm::default(), e).await?;
        return unprocessable(page);
    }
    let m = user.tenant();
    let mut change = Change::begin(&state, &user).await?;
    sqlx::query!(
        "update meeting set minutes_approved_at = now(), minutes_approved_by = $3 where id = $1 and municipality_id = $2",
        id, m.get(), user.id()
    )
    .execute(change.tx())
    .await?;
    change
        .done(
            Event::new(
                "justerade protokoll",
                "möte",
                format!("{} {}", meeting.group_name, meeting.local_date()),
            )
            .on(id),
            "Protokollet är justerat och kan inte längre ändras.",
            &format!("/moten/{id}"),
        )
        .await
}

/// The förhinder form: which seat, and whether to report or take back.
#[derive(Deserialize, Default)]
pub struct RegretForm {
    #[serde(default)]
    position_id: String,
    /// `anmal` or `aterta`.
    #[serde(default)]
    action: String,
}

/// `POST /moten/{id}/forhinder`: a member who holds a seat in the group
/// reports that they cannot come (the seat's attendance becomes absent,
/// marked as reported), or takes it back. The convener sees it on the
/// meeting page.
#[tracing::instrument(skip_all, fields(person.id = %user.id(), meeting.id = %id))]
pub async fn regrets(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    Form(form): Form<RegretForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let meeting = db::meeting(&state.db, m, id).await?;
    Access::load(&state.db, &user)
        .await?
        .require_see(meeting.group_id)?;
    let day = meeting.local_date().max(crate::web::today());
    let seats = db::seats(&state.db, m, &meeting, user.id(), day).await?;
    let position = Uuid::parse_str(form.position_id.trim()).ok();
    let Some(seat) = seats.iter().find(|s| Some(s.position_id) == position) else {
        return Err(AppError::Forbidden);
    };
    let report = match form.action.as_str() {
        "anmal" => true,
        "aterta" => false,
        _ => return Err(AppError::BadRequest),
    };
    let e = regret_problem(&meeting);
    if !e.is_empty() {
        let page = show_page(&state, &user, id, None, DecisionForm::default(), e).await?;
        return unprocessable(page);
    }
    let mut change = Change::begin(&state, &user).await?;
    store_regret(change.tx(), m, id, seat.position_id, user.id(), report).await?;
    change
        .record(
            Event::new(
                if report {
                    "anmälde förhinder"
                } else {
                    "återtog förhinder"
                },
                "möte",
                format!(
                    "{} {}: {}",
                    meeting.group_name,
                    meeting.local_date(),
                    seat.title
                ),
            )
            .on(id)
            .after(json!({ "befattning": seat.title, "förhinder": report })),
        )
        .await?;
    let message = if report {
        format!(
            "Förhinder är anmält för {}. Den som kallar ser det på mötessidan.",
            crate::web::words::in_sentence(&seat.title)
        )
    } else {
        format!(
            "Förhindret för {} är återtaget.",
            crate::web::words::in_sentence(&seat.title)
        )
    };
    change
        .finish(message, &format!("/moten/{id}#forhinder"))
        .await
}

/// Why förhinder can no longer be reported for the meeting, if it cannot.
fn regret_problem(meeting: &Meeting) -> FieldErrors {
    let mut e = FieldErrors::default();
    if meeting.is_locked() {
        e.add(
            "forhinder",
            "Protokollet är justerat och kan inte längre ändras.",
        );
    } else if meeting.is_cancelled() {
        e.add_to_page("Mötet är inställt.");
    } else if meeting.status == MeetingStatus::Held {
        e.add_to_page("Närvaron är redan förd; kontakta den som kallar till mötet.");
    } else if meeting.is_past() {
        e.add_to_page("Mötet har redan varit; den som kallar för in närvaron i protokollet.");
    }
    e
}

/// Reports förhinder for the seat (`report`), or takes it back.
async fn store_regret(
    tx: &mut PgConnection,
    m: MunicipalityId,
    id: Uuid,
    position_id: Uuid,
    person_id: Uuid,
    report: bool,
) -> AppResult<()> {
    if report {
        sqlx::query!(
            r#"insert into meeting_attendance (meeting_id, municipality_id, position_id, status, excused_at, excused_by)
               values ($1, $2, $3, 'absent', now(), $4)
               on conflict (meeting_id, position_id)
               do update set status = 'absent', attended_by = null, excused_at = now(), excused_by = $4"#,
            id,
            m.get(),
            position_id,
            person_id
        )
        .execute(tx)
        .await?;
    } else {
        sqlx::query!(
            r#"delete from meeting_attendance
               where meeting_id = $1 and municipality_id = $2 and position_id = $3 and excused_at is not null"#,
            id,
            m.get(),
            position_id
        )
        .execute(tx)
        .await?;
    }
    Ok(())
}
