//! The outbox: one row per recipient, written in the same transaction as
//! the change that causes the mail, then delivered.
//!
//! Delivery happens twice over: right after the commit, by the request that
//! wrote the rows (so that the page can say what went out), and by a worker
//! in the server that picks up what failed or was left (a crash between
//! commit and delivery) and retries it a bounded number of times. A row is
//! claimed for a few minutes before it is sent, so the two never send the
//! same row. A recipient whose mail cannot be built or sent is marked
//! `failed` with the error; the others still go out.
//!
//! Mail of a suspended municipality is kept, not sent and not failed: it
//! stays queued (its attempts untouched) and goes out once the operator
//! resumes the municipality. Neither the request nor the worker claims it.

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::error::AppResult;
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::forms::line_problem;
use crate::web::layout::Flash;

/// How often a recipient is tried before the outbox gives up on them.
pub const MAX_ATTEMPTS: i32 = 5;

/// How long a delivery may hold a row.
const CLAIM_SECONDS: f64 = 300.0;

/// Queued rows younger than this belong to the request that wrote them.
const GRACE_SECONDS: f64 = 60.0;

/// What a mail is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Invitation,
    Cancellation,
    AgreementToSign,
    AgreementSigned,
    AgreementExpiring,
    MeasureReminder,
    EstReminder,
    /// The operator's invitation of a municipality's first coordinator.
    CoordinatorInvitation,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Invitation => "invitation",
            Kind::Cancellation => "cancellation",
            Kind::AgreementToSign => "agreement_to_sign",
            Kind::AgreementSigned => "agreement_signed",
            Kind::AgreementExpiring => "agreement_expiring",
            Kind::MeasureReminder => "measure_reminder",
            Kind::EstReminder => "est_reminder",
            Kind::CoordinatorInvitation => "coordinator_invitation",
        }
    }
}

/// A file attached to a mail (the kallelse's calendar file).
pub struct NewAttachment<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub content: &'a str,
}

/// One mail to one recipient, as it is queued.
pub struct NewMail<'a> {
    pub kind: Kind,
    pub about_id: Option<Uuid>,
    /// Set for a kallelse or cancellation: the meeting's SEQUENCE. A
    /// recipient who already has a sent or queued row for the same kind,
    /// meeting and sequence gets nothing new; a failed one is queued again.
    pub sequence: Option<i32>,
    pub person_id: Option<Uuid>,
    pub to_name: &'a str,
    pub to_email: &'a str,
    pub reply_to: Option<(&'a str, &'a str)>,
    pub subject: &'a str,
    pub body: &'a str,
    pub attachment: Option<NewAttachment<'a>>,
}

/// Queues one mail inside the caller's transaction. Returns the row's id,
/// or `None` when this recipient already has it (sent or queued).
pub async fn enqueue(
    conn: &mut PgConnection,
    m: MunicipalityId,
    mail: &NewMail<'_>,
) -> AppResult<Option<Uuid>> {
    let (reply_name, reply_email) = mail.reply_to.unzip();
    let attachment = mail.attachment.as_ref();
    Ok(sqlx::query_scalar!(
        r#"insert into outbox (id, municipality_id, kind, about_id, sequence, person_id,
                               recipient_name, recipient_email, reply_to_name, reply_to_email,
                               subject, body, attachment_name, attachment_type, attachment)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
           on conflict (municipality_id, kind, about_id, sequence, recipient_email) where sequence is not null
           do update set status = 'queued', attempts = 0, last_error = null, next_attempt_at = now(),
                         claimed_until = null, recipient_name = excluded.recipient_name,
                         person_id = excluded.person_id,
                         reply_to_name = excluded.reply_to_name, reply_to_email = excluded.reply_to_email,
                         subject = excluded.subject, body = excluded.body,
                         attachment_name = excluded.attachment_name, attachment_type = excluded.attachment_type,
                         attachment = excluded.attachment, created_at = now()
           where outbox.status = 'failed'
           returning id"#,
        Uuid::now_v7(),
        m.get(),
        mail.kind.as_str(),
        mail.about_id,
        mail.sequence,
        mail.person_id,
        mail.to_name,
        mail.to_email,
        reply_name,
        reply_email,
        mail.subject,
        mail.body,
        attachment.map(|a| a.name),
        attachment.map(|a| a.content_type),
        attachment.map(|a| a.content),
    )
    .fetch_optional(&mut *conn)
    .await?)
}

/// Queues the same plain-text mail to each (name, address).
pub async fn enqueue_text(
    conn: &mut PgConnection,
    m: MunicipalityId,
    kind: Kind,
    about_id: Option<Uuid>,
    recipients: &[(String, String)],
    subject: &str,
    body: &str,
) -> AppResult<Vec<Uuid>> {
    let mut ids = Vec::new();
    for (name, email) in recipients {
        let mail = NewMail {
            kind,
            about_id,
            sequence: None,
            person_id: None,
            to_name: name,
            to_email: email,
            reply_to: None,
            subject,
            body,
            attachment: None,
        };
        ids.extend(enqueue(conn, m, &mail).await?);
    }
    Ok(ids)
}

/// A recipient as the outcome names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub name: String,
    pub email: String,
}

/// What one delivery did.
#[derive(Debug, Default)]
pub struct Delivery {
    pub sent: Vec<Recipient>,
    /// Recipients whose mail failed, with the reason (in Swedish).
    pub failed: Vec<(Recipient, String)>,
    /// The server sends no e-mail: what was "sent" is kept as files on the
    /// server and has not reached anyone.
    pub filed: bool,
}

impl Delivery {
    /// What happened to `what` (a sentence's start: `Kallelsen`) for
    /// `whom` (`8 personer`): sent by e-mail, or, where the server has no
    /// e-mail, kept on the server and not sent, which the user must know to
    /// tell the recipients some other way.
    pub fn outcome(&self, what: &str, whom: &str) -> String {
        if self.sent.is_empty() && !self.failed.is_empty() {
            format!("{what} kunde inte skickas.")
        } else if self.unsent() {
            format!(
                "{what} till {whom} sparades på servern men skickades inte: e-post är inte påslagen här. Meddela dem på annat sätt."
            )
        } else {
            format!("{what} skickades till {whom}.")
        }
    }

    /// A sentence for a message that says mail went out without naming to
    /// whom: on a server without e-mail, that it did not.
    pub fn filed_sentence(&self) -> &'static str {
        if self.unsent() {
            " E-post är inte påslagen på den här servern: meddelandet sparades men skickades inte, så meddela mottagarna på annat sätt."
        } else {
            ""
        }
    }

    /// Mail "went" to someone, but only into the server's folder.
    fn unsent(&self) -> bool {
        self.filed && !self.sent.is_empty()
    }

    /// The names of those whose mail failed, for a message to the user.
    pub fn failed_names(&self) -> String {
        self.failed
            .iter()
            .map(|(r, _)| r.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The flash for `text` (what was done and sent), with any mail that
    /// failed said after it. A warning when mail failed or stayed on the
    /// server.
    pub fn flash(&self, text: impl Into<String>) -> Flash {
        let mut message = text.into();
        message.push_str(&self.failure_sentence());
        Flash {
            message,
            warning: self.unsent() || !self.failed.is_empty(),
        }
    }

    /// A sentence for the user about failed mail, or nothing.
    fn failure_sentence(&self) -> String {
        if self.failed.is_empty() {
            String::new()
        } else {
            format!(
                " Det gick inte att skicka till {}; Samordna försöker igen automatiskt. Felet står på sidan.",
                self.failed_names()
            )
        }
    }
}

struct Row {
    id: Uuid,
    recipient_name: String,
    recipient_email: String,
    reply_to_name: Option<String>,
    reply_to_email: Option<String>,
    subject: String,
    body: String,
    attachment_name: Option<String>,
    attachment_type: Option<String>,
    attachment: Option<String>,
}

/// Delivers the given rows now (those not sent and not held by another
/// delivery). Never fails: a row that cannot be sent is marked failed, and
/// a database error leaves the rows for the worker.
pub async fn deliver(state: &AppState, ids: &[Uuid]) -> Delivery {
    let mut delivery = Delivery {
        filed: !state.mailer.by_mail(),
        ..Delivery::default()
    };
    if ids.is_empty() {
        return delivery;
    }
    let rows = match claim(&state.db, ids).await {
        Ok(rows) => rows,
        Err(error) => {
            tracing::error!(
                ?error,
                "outbox: claiming mail failed; the worker will retry"
            );
            return delivery;
        }
    };
    for row in rows {
        let recipient = Recipient {
            name: row.recipient_name.clone(),
            email: row.recipient_email.clone(),
        };
        let outcome = match build(&state.config.mail_from, &row) {
            Ok(message) => state.mailer.send(message).await.map_err(|e| {
                tracing::warn!(error = ?e, outbox.id = %row.id, "mail transport failed");
                "Utskicket misslyckades (e-postservern eller mappen svarade inte).".to_owned()
            }),
            Err(reason) => Err(reason),
        };
        let recorded = match &outcome {
            Ok(()) => mark_sent(&state.db, row.id, &state.mailer.describe()).await,
            Err(reason) => mark_failed(&state.db, row.id, reason).await,
        };
        if let Err(error) = recorded {
            tracing::error!(?error, outbox.id = %row.id, "outbox: recording the outcome failed");
        }
        match outcome {
            Ok(()) => delivery.sent.push(recipient),
            Err(reason) => delivery.failed.push((recipient, reason)),
        }
    }
    delivery
}

async fn claim(db: &PgPool, ids: &[Uuid]) -> AppResult<Vec<Row>> {
    Ok(sqlx::query_as!(
        Row,
        r#"update outbox -- all municipalities: the mail worker, ids from the outbox itself, never a form
                  set claimed_until = now() + make_interval(secs => $2)
           where id = any($1) and status <> 'sent'
             and (claimed_until is null or claimed_until < now())
             and municipality_id in (select id from municipality where suspended_at is null)
           returning id, recipient_name, recipient_email, reply_to_name, reply_to_email,
                     subject, body, attachment_name, attachment_type, attachment"#,
        ids,
        CLAIM_SECONDS
    )
    .fetch_all(db)
    .await?)
}

async fn mark_sent(db: &PgPool, id: Uuid, transport: &str) -> AppResult<()> {
    sqlx::query!(
        r#"update outbox -- all municipalities: the mail worker, ids from its own claim
                  set status = 'sent', sent_at = now(), attempts = attempts + 1,
                  last_error = null, claimed_until = null, transport = $2
           where id = $1"#,
        id,
        transport
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Marks a row failed; the next try waits 2, 4, 8, … minutes.
async fn mark_failed(db: &PgPool, id: Uuid, reason: &str) -> AppResult<()> {
    sqlx::query!(
        r#"update outbox -- all municipalities: the mail worker, ids from its own claim
                  set status = 'failed', attempts = attempts + 1, last_error = $2,
                  claimed_until = null,
                  next_attempt_at = now() + make_interval(mins => power(2, least(attempts + 1, 10))::int)
           where id = $1"#,
        id,
        reason
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A header value must be one line: a name or subject with a line break
/// would otherwise end the header (or make lettre refuse the message).
fn header_text<'a>(value: &'a str, what: &str) -> Result<&'a str, String> {
    match line_problem(value) {
        None => Ok(value),
        Some(problem) => Err(format!("{what} {problem}.")),
    }
}

fn mailbox(name: &str, email: &str, what: &str) -> Result<Mailbox, String> {
    let name = header_text(name, &format!("Namnet på {what}"))?;
    let address = header_text(email, &format!("E-postadressen till {what}"))?
        .parse()
        .map_err(|_| format!("E-postadressen till {what} är ogiltig."))?;
    Ok(Mailbox::new(Some(name.to_owned()), address))
}

/// The lettre message for a row, or why it cannot be built.
fn build(from: &str, row: &Row) -> Result<Message, String> {
    let from: Mailbox = from
        .parse()
        .map_err(|_| "Avsändaradressen (SAMORDNA_MAIL_FROM) är ogiltig.".to_owned())?;
    let to = mailbox(&row.recipient_name, &row.recipient_email, "mottagaren")?;
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(header_text(&row.subject, "Ämnesraden")?);
    // Reply-To is a courtesy: a sender whose own name or address is unusable
    // does not stop the mail.
    if let (Some(name), Some(email)) = (&row.reply_to_name, &row.reply_to_email) {
        match mailbox(name, email, "avsändaren") {
            Ok(reply_to) => builder = builder.reply_to(reply_to),
            Err(reason) => tracing::warn!(outbox.id = %row.id, reason, "Reply-To left out"),
        }
    }
    let message = match (&row.attachment_name, &row.attachment_type, &row.attachment) {
        (Some(name), Some(content_type), Some(content)) => {
            let parsed = ContentType::parse(content_type)
                .map_err(|_| "Bilagans innehållstyp är ogiltig.".to_owned())?;
            let name = header_text(name, "Bilagans namn")?.to_owned();
            if content_type.starts_with("text/calendar") {
                builder.multipart(invitation(&row.body, content, parsed, name)?)
            } else {
                builder.multipart(
                    MultiPart::mixed()
                        .singlepart(SinglePart::plain(row.body.clone()))
                        .singlepart(Attachment::new(name).body(content.clone(), parsed)),
                )
            }
        }
        _ => builder
            .header(ContentType::TEXT_PLAIN)
            .body(row.body.clone()),
    };
    message.map_err(|e| {
        tracing::warn!(error = %e, outbox.id = %row.id, "mail could not be built");
        "Meddelandet kunde inte byggas.".to_owned()
    })
}

/// A kallelse or cancellation as mail clients expect one (what Google
/// Calendar and Exchange send): `multipart/mixed` holding a
/// `multipart/alternative` of the text and the `text/calendar; method=…`
/// part, which Outlook reads as a meeting request with Accept/Decline,
/// then the same calendar as an `.ics` attachment for clients that only
/// import files.
fn invitation(
    body: &str,
    calendar: &str,
    calendar_type: ContentType,
    name: String,
) -> Result<MultiPart, String> {
    let file_type = ContentType::parse("application/ics")
        .map_err(|_| "Bilagans innehållstyp är ogiltig.".to_owned())?;
    Ok(MultiPart::mixed()
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::plain(body.to_owned()))
                .singlepart(
                    SinglePart::builder()
                        .header(calendar_type)
                        .body(calendar.to_owned()),
                ),
        )
        .singlepart(Attachment::new(name).body(calendar.to_owned(), file_type)))
}

/// Delivers what is due: failed rows whose next try has come (up to
/// [`MAX_ATTEMPTS`]) and queued rows that their request left behind.
pub async fn deliver_due(state: &AppState) -> AppResult<Delivery> {
    let ids = sqlx::query_scalar!(
        r#"select id from outbox
           where status <> 'sent' and attempts < $1 and next_attempt_at <= now()
             and (status = 'failed' or created_at < now() - make_interval(secs => $2))
             and (claimed_until is null or claimed_until < now())
             and municipality_id in (select id from municipality where suspended_at is null)
           order by next_attempt_at limit 200"#,
        MAX_ATTEMPTS,
        GRACE_SECONDS
    )
    .fetch_all(&state.db)
    .await?;
    Ok(deliver(state, &ids).await)
}

/// The worker: every half minute, delivers what is due.
pub async fn run(state: AppState) {
    let mut interval = tokio::time::interval(std::time::Duration::from_secs(30));
    loop {
        interval.tick().await;
        match deliver_due(&state).await {
            Ok(d) if !d.sent.is_empty() || !d.failed.is_empty() => {
                tracing::info!(
                    sent = d.sent.len(),
                    failed = d.failed.len(),
                    "outbox delivered"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::error!(?error, "outbox delivery failed"),
        }
    }
}

/// A failed mail about something, as a page shows it.
pub struct Failure {
    pub recipient_name: String,
    pub recipient_email: String,
    pub last_error: String,
    pub attempts: i32,
}

impl Failure {
    /// Whether the worker will try again.
    pub fn will_retry(&self) -> bool {
        self.attempts < MAX_ATTEMPTS
    }
}

/// Failed mail about `about_id` (for a meeting: of its current sequence).
pub async fn failures(
    db: &PgPool,
    m: MunicipalityId,
    about_id: Uuid,
    sequence: Option<i32>,
) -> AppResult<Vec<Failure>> {
    Ok(sqlx::query_as!(
        Failure,
        r#"select recipient_name, recipient_email, coalesce(last_error, '') as "last_error!", attempts
           from outbox
           where municipality_id = $1 and about_id = $2 and status = 'failed'
             and ($3::int is null or sequence = $3)
           order by recipient_name"#,
        m.get(),
        about_id,
        sequence
    )
    .fetch_all(db)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_without_e_mail_says_that_nothing_was_sent() {
        let anna = Recipient {
            name: "Anna".to_owned(),
            email: "anna@example.se".to_owned(),
        };
        let by_mail = Delivery {
            sent: vec![anna.clone()],
            ..Delivery::default()
        };
        assert_eq!(
            by_mail.outcome("Kallelsen", "1 person"),
            "Kallelsen skickades till 1 person."
        );
        assert_eq!(by_mail.filed_sentence(), "");
        let filed = Delivery {
            sent: vec![anna],
            filed: true,
            ..Delivery::default()
        };
        assert!(
            filed
                .outcome("Kallelsen", "1 person")
                .starts_with("Kallelsen till 1 person sparades på servern men skickades inte")
        );
        assert!(filed.filed_sentence().contains("skickades inte"));
        // Nothing went anywhere: no talk of files.
        let none = Delivery {
            filed: true,
            ..Delivery::default()
        };
        assert_eq!(
            none.outcome("Kallelsen", "0 personer"),
            "Kallelsen skickades till 0 personer."
        );
        assert!(!by_mail.flash("x").warning && !none.flash("x").warning);
        assert!(filed.flash("x").warning);
        // Everyone's mail failed: not "sent to 0 people", and a warning.
        let failed = Delivery {
            failed: vec![(by_mail.sent[0].clone(), "fel".to_owned())],
            ..Delivery::default()
        };
        let flash = failed.flash(failed.outcome("Kallelsen", "0 personer"));
        assert!(flash.warning);
        assert!(
            flash
                .message
                .starts_with("Kallelsen kunde inte skickas. Det gick inte att skicka till Anna;"),
            "{}",
            flash.message
        );
    }

    fn row(name: &str, email: &str, subject: &str) -> Row {
        Row {
            id: Uuid::nil(),
            recipient_name: name.to_owned(),
            recipient_email: email.to_owned(),
            reply_to_name: Some("Sara Lindqvist".to_owned()),
            reply_to_email: Some("sara@kommun.se".to_owned()),
            subject: subject.to_owned(),
            body: "Hej!\r\n\r\nRad två.\n".to_owned(),
            attachment_name: Some("kallelse.ics".to_owned()),
            attachment_type: Some("text/calendar; method=REQUEST; charset=utf-8".to_owned()),
            attachment: Some("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".to_owned()),
        }
    }

    const FROM: &str = "Samordna <samordna@kommun.se>";

    #[test]
    fn a_well_formed_row_builds_a_message_with_its_attachment() {
        let message =
            build(FROM, &row("Åsa Öberg", "asa@kommun.se", "Kallelse: EST")).expect("message");
        let text = String::from_utf8(message.formatted()).expect("utf-8");
        assert!(text.contains("kallelse.ics"));
    }

    #[test]
    fn a_line_break_or_control_character_in_a_header_value_gives_a_reason_not_a_panic() {
        for bad in [
            "Anna\r\nBcc: x@y.se",
            "Anna\nBerg",
            "Anna\0",
            "Anna\u{85}Berg",
            "Anna\u{2028}B",
            "A\u{202E}B",
        ] {
            assert!(
                build(FROM, &row(bad, "anna@kommun.se", "Kallelse")).is_err(),
                "{bad:?} as name"
            );
            assert!(
                build(FROM, &row("Anna", "anna@kommun.se", bad)).is_err(),
                "{bad:?} as subject"
            );
        }
        let reason = build(FROM, &row("Anna", "anna.kommun.se", "Kallelse")).err();
        assert_eq!(
            reason.as_deref(),
            Some("E-postadressen till mottagaren är ogiltig.")
        );
        assert!(build("inte en adress", &row("Anna", "anna@kommun.se", "K")).is_err());
    }
}
