//! `/est/tips`: the moderation queue. The coordinator, and the positions
//! the coordinator appoints, accept a tip (it then counts in the open
//! week's lägesbild under "Allmänheten"), reject it, answer the sender or
//! delete it. The sender's contact is deleted as soon as the tip is
//! handled or answered.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use lettre::Message;
use lettre::message::header::ContentType;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::model::{ContactKind, TipStatus};
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::est::access::EstAccess;
use crate::est::model::TimeBand;
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::choice::{Choice, position_choices};
use crate::web::extract::{Admin, CurrentUser};
use crate::web::forms::{self, FieldErrors, Form, TokenForm, unprocessable};
use crate::web::layout::Chrome;
use crate::web::path::IdPath;
use crate::web::{format_local, today};

/// Whether the person may moderate tips: the coordinator (administrator),
/// or someone holding a position the coordinator appointed today.
pub async fn can_moderate(state: &AppState, user: &CurrentUser) -> AppResult<bool> {
    if user.municipality.is_admin {
        return Ok(true);
    }
    Ok(sqlx::query_scalar!(
        r#"select exists (select 1 from tip_moderator tm
                          join position_holder h on h.position_id = tm.position_id
                          where tm.municipality_id = $1 and h.person_id = $2
                            and h.held_from <= $3 and (h.held_to is null or h.held_to >= $3)) as "yes!""#,
        user.tenant().get(),
        user.id(),
        today()
    )
    .fetch_one(&state.db)
    .await?)
}

/// A [`CurrentUser`] who may moderate tips ([`can_moderate`]): the queue's
/// handlers take this, so anyone else is refused before they run.
pub struct Moderator(pub CurrentUser);

impl FromRequestParts<AppState> for Moderator {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        if can_moderate(state, &user).await? {
            Ok(Self(user))
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// A tip as the queue shows it.
pub struct Tip {
    pub id: Uuid,
    pub reference: String,
    pub status: TipStatus,
    pub category: String,
    pub area: String,
    pub occurred_on: NaiveDate,
    pub time_band: Option<TimeBand>,
    pub place: Option<String>,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub handled_at: Option<DateTime<Utc>>,
    pub week_start: Option<NaiveDate>,
    pub replied_at: Option<DateTime<Utc>>,
    pub contact_kind: Option<ContactKind>,
    pub contact: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl Tip {
    /// The point the sender clicked, as `LAT,LON`.
    pub fn pin(&self) -> Option<String> {
        self.latitude
            .zip(self.longitude)
            .map(|(lat, lon)| format!("{lat:.5},{lon:.5}"))
    }

    /// The sender asked to be called, not mailed.
    pub fn by_phone(&self) -> bool {
        self.contact_kind == Some(ContactKind::Phone)
    }

    pub fn received(&self) -> String {
        format_local(self.created_at)
    }

    pub fn handled(&self) -> String {
        self.handled_at.map(format_local).unwrap_or_default()
    }

    /// The lägesbild an accepted tip counts in: its key and label.
    pub fn week(&self) -> Option<(String, String)> {
        self.week_start.map(|monday| {
            let w = crate::est::week::ReportWeek::containing(monday, 1);
            (w.key(), w.label())
        })
    }
}

#[derive(Deserialize, Default)]
pub struct ReplyForm {
    #[serde(default)]
    pub message: String,
    /// The one-time form token (`chrome.form_token`): a reply sent twice
    /// mails once.
    #[serde(default)]
    pub form_token: String,
}

#[derive(Deserialize, Default)]
pub struct ModeratorForm {
    #[serde(default)]
    pub position_id: String,
    /// The one-time form token (`chrome.form_token`).
    #[serde(default)]
    pub form_token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "tips/queue.html")]
pub struct QueuePage {
    chrome: Chrome,
    slug: String,
    new: Vec<Tip>,
    handled: Vec<Tip>,
    admin: bool,
    moderators: Vec<Choice>,
    positions: Vec<Choice>,
    /// The tip whose reply form has `errors`, with what was written.
    replying: Option<Uuid>,
    reply: ReplyForm,
    errors: FieldErrors,
}

async fn tips(state: &AppState, m: MunicipalityId, new: bool) -> AppResult<Vec<Tip>> {
    Ok(sqlx::query_as!(
        Tip,
        r#"select t.id, t.reference, t.status as "status: TipStatus",
                  case when p.id is null then c.name else p.name || ' – ' || c.name end as "category!",
                  a.name as area, t.occurred_on, t.time_band as "time_band: TimeBand", t.place, t.description, t.created_at,
                  t.handled_at, t.week_start, t.replied_at,
                  k.kind as "contact_kind?: ContactKind", k.value as "contact?", t.latitude, t.longitude
           from public_tip t
           join incident_category c on c.id = t.category_id
           left join incident_category p on p.id = c.parent_id
           join area a on a.id = t.area_id
           left join public_tip_contact k on k.tip_id = t.id
           where t.municipality_id = $1 and (t.status = 'new') = $2
           order by case when $2 then t.created_at end, t.handled_at desc nulls last
           limit 200"#,
        m.get(),
        new
    )
    .fetch_all(&state.db)
    .await?)
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    replying: Option<Uuid>,
    reply: ReplyForm,
    errors: FieldErrors,
) -> AppResult<QueuePage> {
    let m = user.tenant();
    let admin = user.municipality.is_admin;
    let (moderators, positions) = if admin {
        let moderators = sqlx::query_as!(
            Choice,
            r#"select p.id, p.title as label from tip_moderator tm join position p on p.id = tm.position_id
               where tm.municipality_id = $1 order by p.title"#,
            m.get()
        )
        .fetch_all(&state.db)
        .await?;
        // A position appointed already is not offered again.
        let mut positions = position_choices(&state.db, m).await?;
        positions.retain(|p| !moderators.iter().any(|a| a.id == p.id));
        (moderators, positions)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(QueuePage {
        chrome: user.chrome("est").await,
        slug: user.municipality.slug.clone(),
        new: tips(state, m, true).await?,
        handled: tips(state, m, false).await?,
        admin,
        moderators,
        positions,
        replying,
        reply,
        errors,
    })
}

/// `GET /est/tips`.
pub async fn queue(
    State(state): State<AppState>,
    Moderator(user): Moderator,
) -> AppResult<QueuePage> {
    render(
        &state,
        &user,
        None,
        ReplyForm::default(),
        FieldErrors::default(),
    )
    .await
}

/// Deletes a tip's contact in the change's transaction.
async fn forget_contact(change: &mut Change<'_>, m: MunicipalityId, id: Uuid) -> AppResult<bool> {
    Ok(sqlx::query!(
        "delete from public_tip_contact where tip_id = $1 and municipality_id = $2",
        id,
        m.get()
    )
    .execute(change.tx())
    .await?
    .rows_affected()
        > 0)
}

/// Opens the change that handles tip `id` (accepts, rejects or deletes
/// it): the sender's contact is deleted in it first, as handling a tip
/// always does.
async fn handling<'u>(
    state: &AppState,
    user: &'u CurrentUser,
    id: Uuid,
    token: &str,
) -> AppResult<Change<'u>> {
    let mut change = Change::once(state, user, token, "/est/tips").await?;
    forget_contact(&mut change, user.tenant(), id).await?;
    Ok(change)
}

/// Decides a new tip: accepted (counted in the lägesbild of `week`) or
/// rejected, by this person now. Its reference; not found when the tip is
/// no longer new (decided by someone else meanwhile).
async fn decide(
    change: &mut Change<'_>,
    user: &CurrentUser,
    id: Uuid,
    status: TipStatus,
    week: Option<NaiveDate>,
) -> AppResult<String> {
    sqlx::query_scalar!(
        r#"update public_tip set status = $3, week_start = $4, handled_at = now(), handled_by = $5
           where id = $1 and municipality_id = $2 and status = 'new' returning reference"#,
        id,
        user.tenant().get(),
        status as TipStatus,
        week,
        user.id()
    )
    .fetch_optional(change.tx())
    .await?
    .ok_or(AppError::NotFound)
}

/// `POST /est/tips/{id}/godkann`: the tip counts in the lägesbild of the
/// week EST reports for now.
#[tracing::instrument(skip_all, fields(person.id = %user.id(), tip.id = %id))]
pub async fn accept(
    State(state): State<AppState>,
    Moderator(user): Moderator,
    IdPath(id): IdPath,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let access = EstAccess::load(&state.db, &user).await?;
    let week = access.open_week(&state.db, m).await?;
    let mut change = handling(&state, &user, id, &form.form_token).await?;
    let reference = decide(
        &mut change,
        &user,
        id,
        TipStatus::Accepted,
        Some(week.monday),
    )
    .await?;
    change
        .done(
            Event::new(
                "godkände",
                "tips",
                format!("Tipset {reference} till lägesbilden {}", week.label()),
            )
            .on(id)
            .before(json!({ "status": TipStatus::New }))
            .after(json!({ "status": TipStatus::Accepted, "vecka": week.key() })),
            format!(
                "Tipset {reference} är godkänt och räknas i lägesbilden {} under Allmänheten.",
                week.label()
            ),
            "/est/tips",
        )
        .await
}

/// `POST /est/tips/{id}/avvisa`.
#[tracing::instrument(skip_all, fields(person.id = %user.id(), tip.id = %id))]
pub async fn reject(
    State(state): State<AppState>,
    Moderator(user): Moderator,
    IdPath(id): IdPath,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    let mut change = handling(&state, &user, id, &form.form_token).await?;
    let reference = decide(&mut change, &user, id, TipStatus::Rejected, None).await?;
    change
        .done(
            Event::new("avvisade", "tips", format!("Tipset {reference}"))
                .on(id)
                .before(json!({ "status": TipStatus::New }))
                .after(json!({ "status": TipStatus::Rejected })),
            format!("Tipset {reference} är avvisat."),
            "/est/tips",
        )
        .await
}

/// `POST /est/tips/{id}/ta-bort`: the tip and its contact are gone.
#[tracing::instrument(skip_all, fields(person.id = %user.id(), tip.id = %id))]
pub async fn delete(
    State(state): State<AppState>,
    Moderator(user): Moderator,
    IdPath(id): IdPath,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    let mut change = handling(&state, &user, id, &form.form_token).await?;
    let gone = sqlx::query!(
        r#"delete from public_tip where id = $1 and municipality_id = $2
           returning reference, status as "status: TipStatus""#,
        id,
        user.tenant().get()
    )
    .fetch_optional(change.tx())
    .await?
    .ok_or(AppError::NotFound)?;
    change
        .done(
            Event::new("tog bort", "tips", format!("Tipset {}", gone.reference))
                .on(id)
                .before(json!({ "status": gone.status })),
            format!("Tipset {} är borttaget.", gone.reference),
            "/est/tips",
        )
        .await
}

/// `POST /est/tips/{id}/svara`: answers by e-mail (when the sender gave
/// an address) or records that the sender was called back; the contact is
/// deleted in the same transaction, which commits only once the mail is
/// sent. The form's one-time token, and the lock on the tip (a second post
/// waits, then finds the contact gone), make a repeat mail no one again.
#[tracing::instrument(skip_all, fields(person.id = %user.id(), tip.id = %id))]
pub async fn reply(
    State(state): State<AppState>,
    Moderator(user): Moderator,
    IdPath(id): IdPath,
    Form(form): Form<ReplyForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let mut change = Change::once(&state, &user, &form.form_token, "/est/tips").await?;
    let Some(tip) = contact(&mut change, m, id).await? else {
        return answered_before(change, m, id).await;
    };
    let mut e = FieldErrors::default();
    let by_mail = tip.kind == ContactKind::Email;
    let message = if by_mail {
        forms::required_text(&mut e, "message", &form.message, "svaret", 4000)
    } else {
        String::new()
    };
    if !e.is_empty() {
        change.rollback().await?;
        let page = render(&state, &user, Some(id), form, e).await?;
        return unprocessable(page);
    }
    mark_replied(&mut change, m, id, &tip.reference, by_mail).await?;
    if by_mail {
        let mail = build_reply(&state, &user, &tip.reference, &tip.value, &message)?;
        if let Err(error) = state.mailer.send(mail).await {
            tracing::warn!(?error, "reply to a tip could not be sent");
            change.rollback().await?;
            let mut e = FieldErrors::default();
            e.add(
                "message",
                "Svaret kunde inte skickas (e-postservern svarade inte). Försök igen om en stund.",
            );
            let page = render(&state, &user, Some(id), form, e).await?;
            return Ok((StatusCode::SERVICE_UNAVAILABLE, page).into_response());
        }
    }
    change
        .finish(replied_flash(by_mail, &tip.reference), "/est/tips")
        .await
}

/// The tip's reference and how its sender is reached, the tip locked until
/// the change ends; `None` when there is no such tip or no contact left.
struct Contact {
    reference: String,
    kind: ContactKind,
    value: String,
}

async fn contact(
    change: &mut Change<'_>,
    m: MunicipalityId,
    id: Uuid,
) -> AppResult<Option<Contact>> {
    Ok(sqlx::query_as!(
        Contact,
        r#"select t.reference, k.kind as "kind: ContactKind", k.value from public_tip t
           join public_tip_contact k on k.tip_id = t.id
           where t.id = $1 and t.municipality_id = $2
           for update of t"#,
        id,
        m.get()
    )
    .fetch_optional(change.tx())
    .await?)
}

/// A reply to a tip already answered (the same form again, or a second
/// post that waited for the first): says so. 404 for no such tip.
async fn answered_before(
    mut change: Change<'_>,
    m: MunicipalityId,
    id: Uuid,
) -> AppResult<Response> {
    let replied = sqlx::query_scalar!(
        r#"select replied_at is not null as "replied!" from public_tip
           where id = $1 and municipality_id = $2"#,
        id,
        m.get()
    )
    .fetch_optional(change.tx())
    .await?;
    match replied {
        Some(true) => change.sent_before("/est/tips").await,
        _ => Err(AppError::NotFound),
    }
}

/// Marks the tip answered and forgets its contact.
async fn mark_replied(
    change: &mut Change<'_>,
    m: MunicipalityId,
    id: Uuid,
    reference: &str,
    by_mail: bool,
) -> AppResult<()> {
    sqlx::query!(
        "update public_tip set replied_at = now() where id = $1 and municipality_id = $2",
        id,
        m.get()
    )
    .execute(change.tx())
    .await?;
    forget_contact(change, m, id).await?;
    change
        .record(
            Event::new(
                if by_mail { "svarade på" } else { "ringde upp" },
                "tips",
                format!("Tipset {reference}"),
            )
            .on(id),
        )
        .await
}

/// The flash once a tip is answered: its contact is gone.
fn replied_flash(by_mail: bool, reference: &str) -> String {
    if by_mail {
        format!("Svaret på tipset {reference} är skickat och e-postadressen raderad.")
    } else {
        format!("Tipset {reference} är markerat som besvarat och telefonnumret raderat.")
    }
}

fn build_reply(
    state: &AppState,
    user: &CurrentUser,
    reference: &str,
    to: &str,
    message: &str,
) -> AppResult<Message> {
    let from = state
        .config
        .mail_from
        .parse()
        .map_err(|_| anyhow::anyhow!("SAMORDNA_MAIL_FROM is not a valid address"))?;
    let to = to
        .parse()
        .map_err(|_| anyhow::anyhow!("a stored tip contact is not a valid address"))?;
    let body = format!(
        "Hej!\n\nDu skickade ett tips till {} (referens {reference}). Här är vårt svar:\n\n{message}\n\n\
         Din e-postadress är nu raderad hos oss.\n",
        user.municipality.name
    );
    Ok(Message::builder()
        .from(from)
        .to(to)
        .subject(format!("Svar på ditt tips {reference}"))
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| anyhow::anyhow!("reply mail could not be built: {e}"))?)
}

/// `POST /est/tips/granskare`: the coordinator appoints a position.
pub async fn appoint(
    State(state): State<AppState>,
    Admin(user): Admin,
    Form(form): Form<ModeratorForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let mut e = FieldErrors::default();
    let position = forms::required_id(&mut e, "position_id", &form.position_id, "Välj befattning.");
    let Some(position) = position else {
        let page = render(&state, &user, None, ReplyForm::default(), e).await?;
        return unprocessable(page);
    };
    let again = "/est/tips#granskare";
    let mut change = Change::once(&state, &user, &form.form_token, again).await?;
    let title = sqlx::query_scalar!(
        r#"insert into tip_moderator (municipality_id, position_id)
           select municipality_id, id from position where id = $1 and municipality_id = $2
           on conflict do nothing
           returning (select title from position where id = $1 and municipality_id = $2) as "title!""#,
        position,
        m.get()
    )
    .fetch_optional(change.tx())
    .await?;
    let Some(title) = title else {
        change.rollback().await?;
        return appointed_already(&state, &user, position).await;
    };
    change
        .done(
            Event::new(
                "utsåg",
                "tipsgranskare",
                format!("{title} granskar tips från allmänheten"),
            )
            .on(position),
            format!("{title} kan nu granska tipsen."),
            "/est/tips#granskare",
        )
        .await
}

/// A position appointed already (posted from a page loaded before it was
/// appointed): said next to the field. Not found when it is no position
/// of the municipality.
async fn appointed_already(
    state: &AppState,
    user: &CurrentUser,
    position: Uuid,
) -> AppResult<Response> {
    let title = sqlx::query_scalar!(
        r#"select p.title from tip_moderator tm join position p on p.id = tm.position_id
           where tm.position_id = $1 and tm.municipality_id = $2"#,
        position,
        user.tenant().get()
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    let e = FieldErrors::one("position_id", format!("{title} granskar redan tipsen."));
    let page = render(state, user, None, ReplyForm::default(), e).await?;
    unprocessable(page)
}

/// `POST /est/tips/granskare/{id}/ta-bort`.
pub async fn dismiss(
    State(state): State<AppState>,
    Admin(user): Admin,
    IdPath(position): IdPath,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let again = "/est/tips#granskare";
    let mut change = Change::once(&state, &user, &form.form_token, again).await?;
    let title = sqlx::query_scalar!(
        r#"delete from tip_moderator tm using position p
           where tm.position_id = $1 and tm.municipality_id = $2 and p.id = tm.position_id
           returning p.title"#,
        position,
        m.get()
    )
    .fetch_optional(change.tx())
    .await?
    .ok_or(AppError::NotFound)?;
    change
        .done(
            Event::new(
                "tog bort",
                "tipsgranskare",
                format!("{title} granskar inte längre tips"),
            )
            .on(position),
            format!("{title} granskar inte längre tipsen."),
            "/est/tips#granskare",
        )
        .await
}
