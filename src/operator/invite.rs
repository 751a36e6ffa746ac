//! The first coordinator's invitation: the operator's form on the
//! municipality's page, and the one-time link `/inbjudan/{token}` where
//! the coordinator chooses a password and is signed in.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::PgConnection;
use tower_sessions::Session;
use uuid::Uuid;

use super::Operator;
use super::db;
use super::model::{INVITATION_HOURS, LinkState, invitation_mail, new_token, token_hash, when};
use super::pages::{InviteForm, municipality_page};
use crate::auth::password;
use crate::error::{AppError, AppResult};
use crate::mail::outbox::{self, Kind};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::extract::{AUTH_KEY, SessionAuth};
use crate::web::forms::{self, FieldErrors, Form, unprocessable};
use crate::web::idempotency::{ALREADY_SENT, first_submission};
use crate::web::layout::{Chrome, Flash, set_flash};
use crate::web::path::{IdPath, Params};

/// The invitee, checked.
struct Invitee {
    name: String,
    email: String,
}

fn parse(form: &InviteForm, errors: &mut FieldErrors) -> Invitee {
    Invitee {
        name: forms::required_line(errors, "name", &form.name, "namnet", 200),
        email: forms::email(errors, "email", &form.email),
    }
}

/// POST /drift/kommuner/{id}/inbjudan
#[tracing::instrument(skip_all, fields(operator.id = %op.id()))]
pub async fn invite(
    State(state): State<AppState>,
    op: Operator,
    IdPath(id): IdPath,
    Form(form): Form<InviteForm>,
) -> AppResult<Response> {
    let m = db::municipality(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    let invitee = parse(&form, &mut errors);
    let position = db::admin_position(&state.db, MunicipalityId::of_row(m.id)).await?;
    if position.is_none() {
        errors.add("position", crate::templates::NO_COORDINATOR_POSITION);
    }
    let again = format!("/drift/kommuner/{}", m.id);
    let (Some(position), true) = (position, errors.is_empty()) else {
        return refused(&state, &op, id, form, errors).await;
    };
    let mut tx = state.db.begin().await?;
    if !first_submission(&mut tx, &form.form_token, op.id()).await? {
        set_flash(&op.person.flash, ALREADY_SENT).await?;
        return Ok(Redirect::to(&again).into_response());
    }
    let target = Target {
        municipality: (m.id, &m.name),
        position: (position.id, &position.title),
    };
    let Some(ids) = store(&mut tx, &state, &op, &target, &invitee, &mut errors).await? else {
        tx.rollback().await?;
        return refused(&state, &op, id, form, errors).await;
    };
    tx.commit().await?;
    let delivery = outbox::deliver(&state, &ids).await;
    let message = invited(&invitee, m.suspended_at.is_some(), &delivery);
    set_flash(&op.person.flash, message).await?;
    Ok(Redirect::to(&again).into_response())
}

/// On resuming a municipality: an invitation whose mail waited in the
/// outbox through the suspension gets its full time again, counted from
/// now, and its waiting mail names the new last day. Otherwise it would
/// go out already expired.
pub async fn renew_waiting(tx: &mut PgConnection, m: MunicipalityId) -> AppResult<usize> {
    let renewed = sqlx::query!(
        r#"with waiting as (
               select i.id, i.expires_at from coordinator_invitation i
               where i.municipality_id = $1 and i.used_at is null
                 and exists (select 1 from outbox o where o.about_id = i.id and o.municipality_id = $1
                             and o.status = 'queued')
               for update
           )
           update coordinator_invitation i set expires_at = now() + make_interval(hours => $2)
           from waiting w where i.id = w.id and i.municipality_id = $1
           returning i.id, w.expires_at as before, i.expires_at as after"#,
        m.get(),
        INVITATION_HOURS as i32
    )
    .fetch_all(&mut *tx)
    .await?;
    // The mails say until when the link holds: one statement for them all.
    let ids: Vec<Uuid> = renewed.iter().map(|r| r.id).collect();
    let before: Vec<String> = renewed.iter().map(|r| when(&r.before)).collect();
    let after: Vec<String> = renewed.iter().map(|r| when(&r.after)).collect();
    sqlx::query!(
        r#"update outbox o set body = replace(o.body, r.before, r.after)
           from unnest($2::uuid[], $3::text[], $4::text[]) as r(id, before, after)
           where o.about_id = r.id and o.municipality_id = $1 and o.status = 'queued'"#,
        m.get(),
        &ids,
        &before,
        &after
    )
    .execute(&mut *tx)
    .await?;
    Ok(renewed.len())
}

/// What the operator is told once the invitation is stored. A suspended
/// municipality's mail waits in the outbox until it is resumed.
fn invited(invitee: &Invitee, suspended: bool, delivery: &outbox::Delivery) -> Flash {
    if suspended {
        Flash::warning(format!(
            "Inbjudan till {} <{}> är sparad men skickas först när kommunen öppnas igen.",
            invitee.name, invitee.email
        ))
    } else {
        delivery
            .flash(delivery.outcome("Inbjudan", &format!("{} <{}>", invitee.name, invitee.email)))
    }
}

async fn refused(
    state: &AppState,
    op: &Operator,
    id: Uuid,
    form: InviteForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let page = municipality_page(state, op, id, form, errors).await?;
    unprocessable(page)
}

/// Where the invitee is to work: the municipality and its coordinator's
/// position (ids and names).
struct Target<'a> {
    municipality: (Uuid, &'a str),
    position: (Uuid, &'a str),
}

/// The person, their place in the municipality, the coordinator's
/// position from today, the invitation and its mail. `None`: an error was
/// added and the caller rolls back.
async fn store(
    tx: &mut PgConnection,
    state: &AppState,
    op: &Operator,
    target: &Target<'_>,
    invitee: &Invitee,
    errors: &mut FieldErrors,
) -> AppResult<Option<Vec<Uuid>>> {
    let (m, m_name) = target.municipality;
    let m = MunicipalityId::of_row(m);
    let Some(person) = person(tx, invitee, errors).await? else {
        return Ok(None);
    };
    let appointed = crate::templates::appoint_coordinator(tx, m, person, errors);
    if appointed.await?.is_none() {
        return Ok(None);
    }
    let (token, hash) = new_token();
    let invitation = sqlx::query!(
        r#"insert into coordinator_invitation (id, municipality_id, person_id, token_hash, invited_by,
                                               expires_at)
           values ($1, $2, $3, $4, $5, now() + make_interval(hours => $6))
           returning id, expires_at"#,
        Uuid::now_v7(),
        m.get(),
        person,
        hash,
        op.id(),
        INVITATION_HOURS as i32
    )
    .fetch_one(&mut *tx)
    .await?;
    let link = format!(
        "{}/inbjudan/{token}",
        state.config.public_url.trim_end_matches('/')
    );
    let body = invitation_mail(&invitee.name, m_name, &link, &when(&invitation.expires_at));
    let subject = format!("Inbjudan till Samordna: samordnare för {m_name}");
    let recipients = [(invitee.name.clone(), invitee.email.clone())];
    let kind = Kind::CoordinatorInvitation;
    let ids = outbox::enqueue_text(
        tx,
        m,
        kind,
        Some(invitation.id),
        &recipients,
        &subject,
        &body,
    )
    .await?;
    let summary = format!(
        "bjöd in {} <{}> som samordnare ({})",
        invitee.name, invitee.email, target.position.1
    );
    db::record(tx, op.id(), (m.get(), m_name), "bjöd in", &summary).await?;
    Ok(Some(ids))
}

/// The person with the invitee's address, added when new (without a
/// password: they choose one through the link). An operator's address is
/// refused: an operator never works in a municipality.
async fn person(
    tx: &mut PgConnection,
    invitee: &Invitee,
    errors: &mut FieldErrors,
) -> AppResult<Option<Uuid>> {
    sqlx::query!(
        r#"insert into person (id, name, email, password_hash) values ($1, $2, $3, '!')
           on conflict do nothing"#,
        Uuid::now_v7(),
        invitee.name,
        invitee.email
    )
    .execute(&mut *tx)
    .await?;
    let found = sqlx::query!(
        r#"select p.id, exists (select 1 from operator o where o.person_id = p.id) as "operator!"
           from person p where lower(p.email) = $1"#,
        invitee.email
    )
    .fetch_one(&mut *tx)
    .await?;
    if found.operator {
        errors.add(
            "email",
            "Adressen hör till ett driftkonto. Samordnaren behöver ett eget konto med en annan adress.",
        );
        return Ok(None);
    }
    Ok(Some(found.id))
}

/// What the link leads to.
struct Invitation {
    id: Uuid,
    municipality_id: MunicipalityId,
    municipality: String,
    person_id: Uuid,
    name: String,
    email: String,
    state: LinkState,
}

async fn find(conn: &mut PgConnection, token: &str) -> AppResult<Option<Invitation>> {
    let row = sqlx::query!(
        r#"select i.id, i.municipality_id, m.name as municipality, i.person_id, p.name, p.email,
                  i.used_at, i.expires_at
           from coordinator_invitation i
           join municipality m on m.id = i.municipality_id
           join person p on p.id = i.person_id
           where i.token_hash = $1"#,
        token_hash(token)
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Invitation {
        id: r.id,
        municipality_id: MunicipalityId::of_row(r.municipality_id),
        municipality: r.municipality,
        person_id: r.person_id,
        name: r.name,
        email: r.email,
        state: LinkState::of(r.used_at, r.expires_at, chrono::Utc::now()),
    }))
}

#[derive(Template, WebTemplate)]
#[template(path = "operator/invitation.html")]
struct LinkPage {
    chrome: Chrome,
    /// Set when the link cannot be used: why.
    closed: Option<&'static str>,
    name: String,
    municipality: String,
    token: String,
    errors: FieldErrors,
}

const UNKNOWN: &str = "Länken finns inte. Kontrollera att du har kopierat hela adressen från \
    e-postbrevet, eller be driften om en ny inbjudan.";
const USED: &str =
    "Länken är redan använd. Logga in med din e-postadress och det lösenord du valde.";
const EXPIRED: &str = "Länken har gått ut. Be driften om en ny inbjudan.";

/// The page for a link that cannot be used; nothing changes.
fn closed(why: &'static str) -> Response {
    let status = if why == UNKNOWN {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::GONE
    };
    let page = LinkPage {
        chrome: Chrome::anonymous(),
        closed: Some(why),
        name: String::new(),
        municipality: String::new(),
        token: String::new(),
        errors: FieldErrors::default(),
    };
    (status, page).into_response()
}

fn why_closed(found: &Option<Invitation>) -> Option<&'static str> {
    match found {
        None => Some(UNKNOWN),
        Some(i) if i.state == LinkState::Used => Some(USED),
        Some(i) if i.state == LinkState::Expired => Some(EXPIRED),
        Some(_) => None,
    }
}

/// GET /inbjudan/{token}
pub async fn link_page(
    State(state): State<AppState>,
    Params(token): Params<String>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let found = find(&mut conn, &token).await?;
    if let Some(why) = why_closed(&found) {
        return Ok(closed(why));
    }
    let Some(invitation) = found else {
        return Ok(closed(UNKNOWN));
    };
    Ok(open_page(&invitation, token, FieldErrors::default()).into_response())
}

fn open_page(invitation: &Invitation, token: String, errors: FieldErrors) -> LinkPage {
    LinkPage {
        chrome: Chrome::anonymous(),
        closed: None,
        name: invitation.name.clone(),
        municipality: invitation.municipality.clone(),
        token,
        errors,
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    new_password: String,
    new_password_repeat: String,
}

/// POST /inbjudan/{token}: the password is set, the link spent, and the
/// person signed in (a new session id, as at sign-in) in the municipality.
#[tracing::instrument(skip_all)]
pub async fn accept(
    State(state): State<AppState>,
    session: Session,
    Params(token): Params<String>,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let found = find(&mut tx, &token).await?;
    if let Some(why) = why_closed(&found) {
        return Ok(closed(why));
    }
    let Some(invitation) = found else {
        return Ok(closed(UNKNOWN));
    };
    let mut errors = FieldErrors::default();
    let weakness = password::weakness(&form.new_password, &invitation.name, &invitation.email);
    if let Some(why) = weakness {
        errors.add("new_password", why);
    }
    if form.new_password != form.new_password_repeat {
        errors.add("new_password_repeat", "Lösenorden är inte likadana.");
    }
    if !errors.is_empty() {
        let page = open_page(&invitation, token, errors);
        return unprocessable(page);
    }
    let Some(generation) = spend(&mut tx, &invitation, form.new_password).await? else {
        return Ok(closed(USED));
    };
    tx.commit().await?;
    session.cycle_id().await?;
    let auth = SessionAuth::new(
        invitation.person_id,
        generation,
        Some(invitation.municipality_id.get()),
    );
    session.insert(AUTH_KEY, auth).await?;
    tracing::info!(person.id = %invitation.person_id, "invitation accepted");
    Ok(Redirect::to("/").into_response())
}

/// Spends the link and sets the password; the new session generation, or
/// `None` when the link was spent meanwhile.
async fn spend(
    tx: &mut PgConnection,
    invitation: &Invitation,
    new_password: String,
) -> AppResult<Option<i32>> {
    let spent = sqlx::query!(
        r#"update coordinator_invitation set used_at = now()
           where municipality_id = $1 and id = $2 and used_at is null and expires_at > now()"#,
        invitation.municipality_id.get(),
        invitation.id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if spent == 0 {
        return Ok(None);
    }
    let hash = password::hash(new_password).await?;
    // Bumping the generation ends any other session of this person.
    let generation = sqlx::query_scalar!(
        r#"update person set password_hash = $2, must_change_password = false,
                  one_time_password_expires_at = null, active = true,
                  session_generation = session_generation + 1
           where id = $1 returning session_generation"#,
        invitation.person_id,
        hash
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(Some(generation))
}
