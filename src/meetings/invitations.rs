//! The kallelse: one e-mail per current holder of a member position, with
//! the agenda and an iCalendar attachment (REQUEST), and cancellations
//! (CANCEL, same UID, higher SEQUENCE). Every sending is recorded; the
//! mail goes through the outbox, one row per recipient and sequence, so a
//! resend reaches only those who did not get this version.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use chrono_tz::Europe::Stockholm;
use sqlx::PgConnection;
use uuid::Uuid;

use super::db::schedulable_meeting;
use super::db::{self, Meeting, Recipient};
use super::ics::{self, EventStatus, IcsEvent, Method, Person};
use super::model::{MeetingStatus, SendingKind};
use crate::error::{AppError, AppResult};
use crate::mail::outbox::{self, Delivery, NewAttachment, NewMail};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::extract::CurrentUser;
use crate::web::layout::{Flash, set_flash};
use crate::web::path::IdPath;
use crate::web::seats::Access;
use crate::web::today;

/// The outbox's kind of mail for a sending to a meeting's members.
fn outbox_kind(kind: SendingKind) -> outbox::Kind {
    match kind {
        SendingKind::Invitation => outbox::Kind::Invitation,
        SendingKind::Cancellation => outbox::Kind::Cancellation,
    }
}

/// The iCalendar event for a meeting.
pub fn ics_event(
    meeting: &Meeting,
    page_url: String,
    organizer: Option<Person>,
    attendees: Vec<Person>,
) -> IcsEvent {
    let mut description = String::new();
    let items = meeting.agenda_items();
    if !items.is_empty() {
        description.push_str("Dagordning:\n");
        for (i, item) in items.iter().enumerate() {
            description.push_str(&format!("{}. {item}\n", i + 1));
        }
        description.push('\n');
    }
    if meeting.is_online() && !meeting.meeting_link.is_empty() {
        description.push_str(&format!("Anslut till mötet: {}\n", meeting.meeting_link));
    }
    description.push_str(&format!("Mötet i Samordna: {page_url}"));
    IcsEvent {
        uid: ics::uid_for(meeting.id),
        sequence: u32::try_from(meeting.sequence).unwrap_or(0),
        starts_at: meeting.starts_at,
        ends_at: meeting.ends_at,
        summary: meeting.group_name.clone(),
        description,
        location: if meeting.is_online() {
            "Digitalt möte".to_owned()
        } else {
            meeting.place.clone()
        },
        url: Some(if meeting.is_online() && !meeting.meeting_link.is_empty() {
            meeting.meeting_link.clone()
        } else {
            page_url
        }),
        status: if meeting.is_cancelled() {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        },
        organizer,
        attendees,
        last_modified: Utc::now(),
    }
}

fn body(kind: SendingKind, meeting: &Meeting, page_url: &str, sender: &str) -> String {
    let when = format!("{} kl. {}", meeting.long_date(), meeting.time_range());
    let mut text = String::from("Hej!\n\n");
    match kind {
        SendingKind::Invitation => {
            text.push_str(&format!(
                "Du kallas till möte i {}.\n\n",
                meeting.group_name
            ));
            text.push_str(&format!("När: {when}\n"));
            if meeting.is_online() {
                text.push_str(&format!("Var: digitalt möte {}\n", meeting.meeting_link));
            } else {
                text.push_str(&format!("Var: {}\n", meeting.where_text()));
            }
            let items = meeting.agenda_items();
            if !items.is_empty() {
                text.push_str("\nDagordning:\n");
                for (i, item) in items.iter().enumerate() {
                    text.push_str(&format!("{}. {item}\n", i + 1));
                }
            }
        }
        SendingKind::Cancellation => {
            text.push_str(&format!(
                "Mötet i {} {when} är inställt.\n",
                meeting.group_name
            ));
            if !meeting.cancelled_reason.is_empty() {
                text.push_str(&format!("Skäl: {}\n", meeting.cancelled_reason));
            }
        }
    }
    text.push_str(&format!(
        "\nMötet i Samordna: {page_url}\n\nSkickat av {sender} via Samordna. Kalenderfilen finns också som bilaga.\n"
    ));
    text
}

fn subject(kind: SendingKind, meeting: &Meeting) -> String {
    let when = format!(
        "{} kl. {}",
        meeting.local_date(),
        meeting.starts_at.with_timezone(&Stockholm).format("%H:%M")
    );
    match kind {
        SendingKind::Invitation if meeting.sequence > 0 => {
            format!("Uppdaterad kallelse: {} {when}", meeting.group_name)
        }
        SendingKind::Invitation => format!("Kallelse: {} {when}", meeting.group_name),
        SendingKind::Cancellation => format!("Inställt: {} {when}", meeting.group_name),
    }
}

/// Queues the kallelse or cancellation, inside the caller's transaction,
/// for every current member holder who has no sent or queued mail for this
/// meeting's SEQUENCE, and records the sending. Returns the outbox rows to
/// deliver (empty when everyone already has it).
#[tracing::instrument(skip_all, fields(meeting.id = %meeting_id))]
pub async fn enqueue(
    tx: &mut PgConnection,
    state: &AppState,
    user: &CurrentUser,
    meeting_id: Uuid,
    kind: SendingKind,
) -> AppResult<Queued> {
    let m = user.tenant();
    let meeting = db::meeting(&mut *tx, m, meeting_id).await?;
    let recipients: Vec<Recipient> = db::recipients(
        &mut *tx,
        m,
        meeting.group_id,
        meeting.local_date().max(today()),
    )
    .await?;
    let letter = Letter::new(state, user, &meeting, &recipients, kind);
    let mut ids = Vec::new();
    let mut emails = Vec::new();
    for r in &recipients {
        let mail = NewMail {
            kind: outbox_kind(kind),
            about_id: Some(meeting.id),
            sequence: Some(meeting.sequence),
            person_id: Some(r.person_id),
            to_name: &r.name,
            to_email: &r.email,
            reply_to: Some((&user.person.name, &user.person.email)),
            subject: &letter.subject,
            body: &letter.body,
            attachment: Some(NewAttachment {
                name: "kallelse.ics",
                content_type: letter.method.content_type(),
                content: &letter.calendar,
            }),
        };
        if let Some(id) = outbox::enqueue(&mut *tx, m, &mail).await? {
            ids.push(id);
            emails.push(r.email.clone());
        }
    }
    let sending_id = Uuid::now_v7();
    if !ids.is_empty() {
        record_sending(tx, state, user, sending_id, &meeting, kind, &emails).await?;
    }
    Ok(Queued {
        municipality_id: m,
        sending_id,
        ids,
        recipients: recipients.len(),
    })
}

/// The same letter to every recipient: subject, body and the calendar
/// attachment naming them all.
struct Letter {
    method: Method,
    calendar: String,
    subject: String,
    body: String,
}

impl Letter {
    fn new(
        state: &AppState,
        user: &CurrentUser,
        meeting: &Meeting,
        recipients: &[Recipient],
        kind: SendingKind,
    ) -> Self {
        let page_url = format!(
            "{}/moten/{}",
            state.config.public_url.trim_end_matches('/'),
            meeting.id
        );
        let organizer = Person {
            name: user.person.name.clone(),
            email: user.person.email.clone(),
        };
        let attendees = recipients
            .iter()
            .map(|r| Person {
                name: r.name.clone(),
                email: r.email.clone(),
            })
            .collect();
        let event = ics_event(meeting, page_url.clone(), Some(organizer), attendees);
        let method = if kind == SendingKind::Cancellation {
            Method::Cancel
        } else {
            Method::Request
        };
        Self {
            method,
            calendar: ics::calendar(&meeting.group_name, method, std::slice::from_ref(&event)),
            subject: subject(kind, meeting),
            body: body(kind, meeting, &page_url, &user.person.name),
        }
    }
}

/// Records who the kallelse or cancellation went to.
async fn record_sending(
    tx: &mut PgConnection,
    state: &AppState,
    user: &CurrentUser,
    sending_id: Uuid,
    meeting: &Meeting,
    kind: SendingKind,
    emails: &[String],
) -> AppResult<()> {
    sqlx::query!(
        r#"insert into meeting_sending (id, municipality_id, meeting_id, kind, sequence, sent_by, recipients, transport)
               values ($1, $2, $3, $4, $5, $6, $7, $8)"#,
        sending_id,
        user.tenant().get(),
        meeting.id,
        kind.as_str(),
        meeting.sequence,
        user.id(),
        emails,
        state.mailer.describe()
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// What [`enqueue`] queued.
pub struct Queued {
    /// The sender's municipality, which owns the sending.
    municipality_id: MunicipalityId,
    sending_id: Uuid,
    ids: Vec<Uuid>,
    /// How many current member holders there are.
    pub recipients: usize,
}

impl Queued {
    /// Delivers the queued mail now and keeps, on the sending, the
    /// addresses that went out.
    pub async fn deliver(self, state: &AppState) -> Delivery {
        let delivery = outbox::deliver(state, &self.ids).await;
        if !self.ids.is_empty() {
            let sent: Vec<String> = delivery.sent.iter().map(|r| r.email.clone()).collect();
            let recorded = sqlx::query!(
                "update meeting_sending set recipients = $2 where id = $1 and municipality_id = $3",
                self.sending_id,
                &sent,
                self.municipality_id.get()
            )
            .execute(&state.db)
            .await;
            if let Err(error) = recorded {
                tracing::error!(?error, "recording the delivered kallelse failed");
            }
        }
        delivery
    }
}

/// `POST /moten/{id}/kallelse`: sends the kallelse to those who do not have
/// this version of it yet.
pub async fn send_invitation(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let meeting = schedulable_meeting(&state.db, &user, id).await?;
    if meeting.status != MeetingStatus::Planned {
        return Err(AppError::Forbidden);
    }
    if meeting.is_past() {
        set_flash(
            &user.person.flash,
            Flash::warning("Mötets tid har redan passerat, så ingen kallelse skickades."),
        )
        .await?;
        return Ok(Redirect::to(&format!("/moten/{id}")).into_response());
    }
    let mut change = Change::begin(&state, &user).await?;
    let queued = enqueue(change.tx(), &state, &user, id, SendingKind::Invitation).await?;
    let done = change.commit().await?;
    let (recipients, nothing_new) = (queued.recipients, queued.ids.is_empty());
    let delivery = queued.deliver(&state).await;
    let message = match (recipients, nothing_new, delivery.sent.len()) {
        (0, _, _) => Flash::warning(
            "Ingen kallelse skickades: ingen befattning i gruppen har en innehavare med e-postadress.",
        ),
        (_, true, _) => {
            delivery.flash("Ingen ny kallelse skickades: alla har redan fått den här versionen.")
        }
        (_, _, n) => delivery.flash(delivery.outcome(
            "Kallelsen",
            &crate::web::words::count(n, "person", "personer"),
        )),
    };
    done.redirect(message, &format!("/moten/{id}")).await
}

/// `GET /moten/{id}/kalender.ics`: the meeting as a calendar file, with
/// the same UID and SEQUENCE as the kallelse, so that importing it and
/// answering the kallelse update the same calendar entry. Written as
/// PUBLISH: a download carries no attendee list.
pub async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let meeting = db::meeting(&state.db, user.tenant(), id).await?;
    Access::load(&state.db, &user)
        .await?
        .require_see(meeting.group_id)?;
    let page_url = format!(
        "{}/moten/{}",
        state.config.public_url.trim_end_matches('/'),
        meeting.id
    );
    let event = ics_event(&meeting, page_url, None, Vec::new());
    let calendar = ics::calendar(
        &meeting.group_name,
        Method::Publish,
        std::slice::from_ref(&event),
    );
    let disposition = format!("attachment; filename=\"mote-{}.ics\"", meeting.local_date());
    Ok((
        [
            (
                header::CONTENT_TYPE,
                Method::Publish.content_type().to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        calendar,
    )
        .into_response())
}
