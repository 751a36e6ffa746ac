//! The kallelse: one e-mail per current holder of a member position, with
//! the agenda and an iCalendar attachment (REQUEST), and cancellations
//! (CANCEL, same UID, higher SEQUENCE). Every sending is recorded.

use axum::extract::State;
use axum::response::Redirect;
use chrono::Utc;
use chrono_tz::Europe::Stockholm;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
use uuid::Uuid;

use super::db::{self, Meeting, Recipient};
use super::ics::{self, EventStatus, IcsEvent, Method, Person};
use super::schedule::schedulable_meeting;
use crate::error::{AppError, AppResult};
use crate::mail::mailbox;
use crate::state::AppState;
use crate::web::extract::CurrentUser;
use crate::web::layout::set_flash;
use crate::web::path::IdPath;
use crate::web::today;

/// What is being sent.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Invitation,
    Cancellation,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Invitation => "invitation",
            Kind::Cancellation => "cancellation",
        }
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

fn body(kind: Kind, meeting: &Meeting, page_url: &str, sender: &str) -> String {
    let when = format!("{} kl. {}", meeting.long_date(), meeting.time_range());
    let mut text = String::from("Hej!\n\n");
    match kind {
        Kind::Invitation => {
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
        Kind::Cancellation => {
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
        "\nMötet i Samordna: {page_url}\n\nSkickat av {sender} via Samordna. Kalenderfilen finns som bilaga.\n"
    ));
    text
}

fn subject(kind: Kind, meeting: &Meeting) -> String {
    let when = format!(
        "{} kl. {}",
        meeting.local_date(),
        meeting.starts_at.with_timezone(&Stockholm).format("%H:%M")
    );
    match kind {
        Kind::Invitation if meeting.sequence > 0 => {
            format!("Uppdaterad kallelse: {} {when}", meeting.group_name)
        }
        Kind::Invitation => format!("Kallelse: {} {when}", meeting.group_name),
        Kind::Cancellation => format!("Inställt: {} {when}", meeting.group_name),
    }
}

/// Sends the kallelse or cancellation to every current member holder and
/// records the sending. Returns how many were sent.
#[tracing::instrument(skip_all, fields(meeting.id = %meeting_id))]
pub async fn send(
    state: &AppState,
    user: &CurrentUser,
    meeting_id: Uuid,
    kind: Kind,
) -> AppResult<usize> {
    let m = user.municipality_id();
    let meeting = db::meeting(&state.db, m, meeting_id).await?;
    let recipients: Vec<Recipient> = db::recipients(
        &state.db,
        m,
        meeting.group_id,
        meeting.local_date().max(today()),
    )
    .await?;
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
    let event = ics_event(&meeting, page_url.clone(), Some(organizer), attendees);
    let method = if kind == Kind::Cancellation {
        Method::Cancel
    } else {
        Method::Request
    };
    let calendar = ics::calendar(&meeting.group_name, method, std::slice::from_ref(&event));
    let from = state
        .config
        .mail_from
        .parse()
        .map_err(|e| anyhow::anyhow!("SAMORDNA_MAIL_FROM: {e}"))?;
    let reply_to = mailbox(&user.person.name, &user.person.email);
    let content_type =
        ContentType::parse(method.content_type()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut sent = Vec::new();
    for r in &recipients {
        let Some(to) = mailbox(&r.name, &r.email) else {
            tracing::warn!(person.id = %r.person_id, "unusable e-mail address; not sent");
            continue;
        };
        let mut builder = Message::builder()
            .from(Clone::clone(&from))
            .to(to)
            .subject(subject(kind, &meeting));
        if let Some(reply_to) = reply_to.clone() {
            builder = builder.reply_to(reply_to);
        }
        let message = builder
            .multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(body(
                        kind,
                        &meeting,
                        &page_url,
                        &user.person.name,
                    )))
                    .singlepart(
                        Attachment::new("kallelse.ics".to_owned())
                            .body(calendar.clone(), content_type.clone()),
                    ),
            )
            .map_err(|e| anyhow::anyhow!("building the message: {e}"))?;
        state.mailer.send(message).await?;
        sent.push(r.email.clone());
    }
    sqlx::query!(
        r#"insert into meeting_sending (id, municipality_id, meeting_id, kind, sequence, sent_by, recipients, transport)
           values ($1, $2, $3, $4, $5, $6, $7, $8)"#,
        Uuid::now_v7(),
        m,
        meeting.id,
        kind.as_str(),
        meeting.sequence,
        user.id(),
        &sent,
        state.mailer.describe()
    )
    .execute(&state.db)
    .await?;
    Ok(sent.len())
}

/// `POST /moten/{id}/kallelse`.
pub async fn send_invitation(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> AppResult<Redirect> {
    let meeting = schedulable_meeting(&state, &user, id).await?;
    if meeting.status != "planned" {
        return Err(AppError::Forbidden);
    }
    let sent = send(&state, &user, id, Kind::Invitation).await?;
    let message = match sent {
        0 => "Ingen kallelse skickades: ingen befattning i gruppen har en innehavare med e-postadress.".to_owned(),
        1 => "Kallelsen skickades till 1 person.".to_owned(),
        n => format!("Kallelsen skickades till {n} personer."),
    };
    set_flash(&user.person.flash, message).await?;
    Ok(Redirect::to(&format!("/moten/{id}")))
}
