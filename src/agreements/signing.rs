//! Signing: only the current holder of a required position signs for it,
//! after entering their password again. A signature records the person, the
//! position, the time, the version's fingerprint, the client's address and
//! user agent. The agreement is in force when every required position has
//! signed the same version.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use sqlx::PgConnection;
use std::net::IpAddr;
use uuid::Uuid;

use super::access::AgreementAccess;
use super::access::Listed;
use super::access::awaiting_my_signature;
use super::db::{self, Agreement};
use super::handlers::show_page;
use super::model::State as AgreementState;
use super::notify;
use crate::audit::Event;
use crate::auth::client::ClientAddress;
use crate::auth::{password, throttle};
use crate::error::{AppError, AppResult, OnConstraint};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::extract::CurrentUser;
use crate::web::forms::{FieldErrors, Form};
use crate::web::layout::Chrome;
use crate::web::path::{IdPath, Params};
use crate::web::today;

#[derive(Template, WebTemplate)]
#[template(path = "agreements/to_sign.html")]
pub struct ToSignPage {
    chrome: Chrome,
    waiting: Vec<Listed>,
}

/// `/avtal/att-signera`: what waits for this person's signature.
pub async fn to_sign(State(state): State<AppState>, user: CurrentUser) -> AppResult<ToSignPage> {
    let access = AgreementAccess::load(&state.db, &user).await?;
    Ok(ToSignPage {
        waiting: awaiting_my_signature(&state.db, user.tenant(), &access, today()).await?,
        chrome: user.chrome("avtal").await,
    })
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SignForm {
    password: String,
    position_id: String,
    /// The fingerprint the signer saw; a change in between stops the signing.
    fingerprint: String,
    /// The one-time form token (`chrome.form_token`): a double click on
    /// "Signera" is told it was sent, not that the position has signed.
    form_token: String,
}

impl SignForm {
    /// The position signed for (the only one, or the one chosen), and
    /// whether the agreement still waits for it in the version seen.
    fn check(&self, a: &Agreement, mine: &[(Uuid, String)], e: &mut FieldErrors) -> Option<Uuid> {
        let position = match mine {
            [(only, _)] => Some(*only),
            _ => Uuid::parse_str(&self.position_id)
                .ok()
                .filter(|p| mine.iter().any(|(q, _)| q == p)),
        };
        if position.is_none() {
            e.add("position_id", "Välj vilken befattning du signerar för.");
        }
        if !a.state(today()).awaits_signatures() {
            e.add("password", "Avtalet väntar inte på signaturer.");
        }
        if self.fingerprint != a.fingerprint {
            e.add(
                "password",
                "Avtalet har ändrats sedan du öppnade sidan. Läs den nya versionen och signera igen.",
            );
        }
        position
    }
}

/// The signer's browser as it names itself, at most 500 characters.
fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(500)
        .collect()
}

/// `POST /avtal/{id}/signera`.
#[tracing::instrument(skip_all, fields(person.id = %user.id(), agreement.id = %id))]
pub async fn sign(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<SignForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let a = db::agreement(&state.db, m, id).await?;
    let access = AgreementAccess::load(&state.db, &user).await?;
    let mine = access.positions_for(&a);
    if mine.is_empty() {
        return Err(AppError::Forbidden);
    }
    let back = format!("/avtal/{id}");
    let mut change = Change::once(&state, &user, &form.form_token, &back).await?;
    let mut e = FieldErrors::default();
    let position = form.check(&a, &mine, &mut e);
    if !check_password(&state, &user, client, form.password, &mut e).await? {
        let throttled = StatusCode::TOO_MANY_REQUESTS;
        return refused(change, (&state, &user, id), e, throttled).await;
    }
    let (Some(position), true) = (position, e.is_empty()) else {
        let invalid = StatusCode::UNPROCESSABLE_ENTITY;
        return refused(change, (&state, &user, id), e, invalid).await;
    };
    let ip = client.map(|ip| ip.to_string()).unwrap_or_default();
    let signature_id = Uuid::now_v7();
    // Locks the agreement row so that a change cannot slip in between.
    if db::lock_current_version(change.tx(), id).await? != a.current_version {
        return Err(AppError::Forbidden);
    }
    let signature = db::NewSignature {
        id: signature_id,
        agreement: &a,
        position,
        person: user.id(),
        client_ip: &ip,
        user_agent: &user_agent(&headers),
    };
    let inserted = store_signature(change.tx(), m, &signature, &mut e).await?;
    if inserted.is_none() {
        let invalid = StatusCode::UNPROCESSABLE_ENTITY;
        return refused(change, (&state, &user, id), e, invalid).await;
    }
    let after = json!({
        "version": a.current_version, "fingeravtryck": a.fingerprint,
        "befattning": position, "ip": ip,
    });
    let summary = format!("{} version {}", a.title, a.current_version);
    let event = Event::new("signerade", "avtal", summary)
        .on(id)
        .after(after);
    change.record(event).await?;
    let (after, mail) = notify_if_complete(change.tx(), &state, &user, id).await?;
    let done = change.commit().await?;
    crate::mail::outbox::deliver(&state, &mail).await;
    done.redirect(
        signed_message(after),
        &format!("/avtal/{id}/kvitto/{signature_id}"),
    )
    .await
}

/// What the signer is told, by where the agreement stands after it.
fn signed_message(after: AgreementState) -> &'static str {
    match after {
        AgreementState::InForce => {
            "Du har signerat. Kommunens signaturer är klara – avtalet är i kraft."
        }
        AgreementState::Signed => {
            "Du har signerat. Alla signaturer är klara; avtalet gäller från sitt startdatum."
        }
        AgreementState::AwaitingCounterparty => {
            "Du har signerat. Kommunens signaturer är klara; avtalet gäller när motpartens signatur är registrerad."
        }
        _ => "Du har signerat. Avtalet väntar på övriga signaturer.",
    }
}

/// Stores nothing and shows the agreement again with the errors.
async fn refused(
    change: Change<'_>,
    (state, user, id): (&AppState, &CurrentUser, Uuid),
    e: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    change.rollback().await?;
    let page = show_page(state, user, id, e).await?;
    Ok((status, page).into_response())
}

/// Stores the signature; `None`, with the error, when the position has
/// signed this version already.
async fn store_signature(
    tx: &mut PgConnection,
    m: MunicipalityId,
    signature: &db::NewSignature<'_>,
    e: &mut FieldErrors,
) -> AppResult<Option<()>> {
    db::insert_signature(tx, m, signature).await.on_constraint(
        e,
        &[(
            "agreement_signature_once",
            "password",
            "Befattningen har redan signerat den här versionen.",
        )],
    )
}

/// Asks for the password again, throttled like sign-in: a stolen session
/// is not a free password-guessing service. A wrong password adds its
/// error; `false` when the throttle refuses to try it at all.
async fn check_password(
    state: &AppState,
    user: &CurrentUser,
    client: Option<IpAddr>,
    password: String,
    e: &mut FieldErrors,
) -> AppResult<bool> {
    let Ok(attempt) = state.login_throttle.begin(&user.person.email, true, client) else {
        tracing::warn!("signing password throttled");
        e.add("password", throttle::REFUSED);
        return Ok(false);
    };
    let stored = sqlx::query_scalar!("select password_hash from person where id = $1", user.id())
        .fetch_one(&state.db)
        .await?;
    if password::verify(password, Some(stored)).await? {
        attempt.succeeded();
    } else {
        e.add(
            "password",
            "Lösenordet stämmer inte. Avtalet är inte signerat.",
        );
    }
    Ok(true)
}

/// Where the agreement stands after the signature just stored, and, when
/// it was the municipality's last, the mail that tells the coordinators.
async fn notify_if_complete(
    tx: &mut PgConnection,
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> AppResult<(AgreementState, Vec<Uuid>)> {
    let after = db::agreement(&mut *tx, user.tenant(), id).await?;
    let now = after.state(today());
    if now.awaits_signatures() {
        return Ok((now, Vec::new()));
    }
    let mail = notify::fully_signed(tx, state, user.tenant(), &after, now).await?;
    Ok((now, mail))
}

/// What a receipt shows.
pub struct Receipt {
    pub version: i32,
    pub position: String,
    pub person: String,
    pub signed_at: DateTime<Utc>,
    pub fingerprint: String,
    pub client_ip: String,
    pub user_agent: String,
    pub voided_at: Option<DateTime<Utc>>,
    pub title: String,
    pub registry_no: String,
    pub purposes: String,
    pub areas: String,
    pub content_sha256: String,
    pub document_sha256: Option<String>,
    pub document_name: Option<String>,
}

impl Receipt {
    pub fn signed_at_text(&self) -> String {
        crate::web::format_local(self.signed_at)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agreements/receipt.html")]
pub struct ReceiptPage {
    chrome: Chrome,
    a: Agreement,
    r: Receipt,
}

/// `GET /avtal/{id}/kvitto/{signature}`: exactly what was signed, by whom, when.
pub async fn receipt(
    State(state): State<AppState>,
    user: CurrentUser,
    Params((id, signature)): Params<(Uuid, Uuid)>,
) -> AppResult<ReceiptPage> {
    let m = user.tenant();
    let a = db::agreement(&state.db, m, id).await?;
    AgreementAccess::load(&state.db, &user)
        .await?
        .require_see(&a)?;
    let r = sqlx::query_as!(
        Receipt,
        r#"select s.version, p.title as position, pe.name as person, s.signed_at, s.fingerprint, s.client_ip, s.user_agent, s.voided_at,
                  v.title, v.registry_no, v.purposes, v.areas, v.content_sha256, v.document_sha256, v.document_name
           from agreement_signature s
           join position p on p.id = s.position_id
           join person pe on pe.id = s.person_id
           join agreement_version v on v.agreement_id = s.agreement_id and v.version = s.version
           where s.id = $1 and s.agreement_id = $2 and s.municipality_id = $3"#,
        signature,
        id,
        m.get()
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(ReceiptPage {
        chrome: user.chrome("avtal").await,
        a,
        r,
    })
}
