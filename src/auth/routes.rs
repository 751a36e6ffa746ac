//! `/login`, `/logout`, `/valj-kommun` and `/konto`.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use super::client::ClientAddress;
use super::{password, throttle};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::extract::{AUTH_KEY, SessionAuth, SignedIn, Workplace, workplaces};
use crate::web::forms::{FieldErrors, Form, Query, unprocessable};
use crate::web::layout::{Chrome, set_flash};

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/valj-kommun", get(choose_page).post(choose))
        .route("/konto", get(account_page))
        .route("/konto/losenord", post(change_password))
}

/// A demo account shown on the login page in demo mode.
pub struct DemoAccount {
    pub email: String,
    pub name: String,
    pub description: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
struct LoginPage {
    chrome: Chrome,
    email: String,
    next: String,
    error: Option<&'static str>,
    notice: Option<&'static str>,
    demo_accounts: Vec<DemoAccount>,
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    utloggad: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct LoginForm {
    email: String,
    password: String,
    next: String,
}

/// The longest `next` we follow; anything longer goes to the start page.
const MAX_NEXT_LEN: usize = 2000;

/// Only local paths are followed after sign-in (no open redirects): one `/`,
/// then a path character, with only printable ASCII (no whitespace, control
/// characters or backslashes, which browsers drop or turn into `/`), and the
/// same again once percent-decoded. Anything else goes to the start page.
/// The result is always a valid `Location` header value.
pub fn safe_next(next: &str) -> &str {
    if is_local_path(next.as_bytes()) && decoded_is_local(&percent_decoded(next.as_bytes())) {
        next
    } else {
        "/"
    }
}

fn is_local_path(path: &[u8]) -> bool {
    let allowed = |b: &u8| b.is_ascii_graphic() && *b != b'\\';
    match path {
        [b'/', second, ..] => {
            path.len() <= MAX_NEXT_LEN && *second != b'/' && path.iter().all(allowed)
        }
        _ => false,
    }
}

/// The percent-decoded path: still one `/` then a path character, and no
/// whitespace, control, invisible or slash-like characters, in any script.
fn decoded_is_local(decoded: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(decoded) else {
        return false;
    };
    let suspicious = |c: char| {
        c.is_whitespace()
            || c.is_control()
            || matches!(c, '\\' | '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
                | '\u{2044}' | '\u{2060}'..='\u{2064}' | '\u{2215}' | '\u{feff}' | '\u{ff0f}' | '\u{ff3c}')
    };
    let mut chars = text.chars();
    chars.next() == Some('/')
        && chars.next().is_some_and(|c| c != '/')
        && !text.chars().any(suspicious)
}

/// Percent-decodes until nothing changes (at most a few rounds, so
/// `%252f` is seen as `/` too); a malformed escape stays as it is.
fn percent_decoded(input: &[u8]) -> Vec<u8> {
    let mut current = input.to_vec();
    for _ in 0..4 {
        let mut out = Vec::with_capacity(current.len());
        let mut i = 0;
        while i < current.len() {
            let hex = |b: &u8| (*b as char).to_digit(16);
            let escape = (
                current.get(i + 1).and_then(hex),
                current.get(i + 2).and_then(hex),
            );
            match (current.get(i), escape) {
                (Some(b'%'), (Some(high), Some(low))) => {
                    out.push((high * 16 + low) as u8);
                    i += 3;
                }
                (Some(&b), _) => {
                    out.push(b);
                    i += 1;
                }
                (None, _) => break,
            }
        }
        if out == current {
            break;
        }
        current = out;
    }
    current
}

async fn login_page(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<LoginQuery>,
) -> AppResult<Response> {
    if session.get::<SessionAuth>(AUTH_KEY).await?.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let page = LoginPage {
        chrome: Chrome::anonymous(),
        email: String::new(),
        next: safe_next(&query.next).to_owned(),
        error: None,
        notice: query.utloggad.map(|_| "Du är nu utloggad."),
        demo_accounts: demo_accounts(&state).await?,
    };
    Ok(page.into_response())
}

async fn demo_accounts(state: &AppState) -> AppResult<Vec<DemoAccount>> {
    if !state.config.demo {
        return Ok(Vec::new());
    }
    crate::seed::demo_accounts(&state.db).await
}

/// What a person whose one-time password has run out is told.
pub const ONE_TIME_PASSWORD_EXPIRED: &str = "Ditt engångslösenord har gått ut. \
    Be samordnaren (administratören) i din kommun om ett nytt engångslösenord.";

#[tracing::instrument(skip_all)]
async fn login(
    State(state): State<AppState>,
    session: Session,
    ClientAddress(client): ClientAddress,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let email = form.email.trim().to_lowercase();
    // Checked before anything is stored, so a bad `next` can never fail
    // the request after the session exists.
    let next = safe_next(&form.next).to_owned();
    let (state, form) = (&state, &form);
    let refused = |status: StatusCode, error: &'static str| async move {
        let page = LoginPage {
            chrome: Chrome::anonymous(),
            email: form.email.trim().to_owned(),
            next: safe_next(&form.next).to_owned(),
            error: Some(error),
            notice: None,
            demo_accounts: demo_accounts(state).await?,
        };
        Ok::<_, AppError>((status, page).into_response())
    };
    let person = sqlx::query!(
        r#"select id, password_hash, session_generation,
                  (must_change_password and one_time_password_expires_at < now()) as "expired!",
                  exists (select 1 from operator o where o.person_id = person.id) as "operator!"
           from person where lower(email) = $1 and active"#,
        email
    )
    .fetch_optional(&state.db)
    .await?;
    let Ok(attempt) = state.login_throttle.begin(&email, person.is_some(), client) else {
        tracing::warn!("sign-in throttled");
        return refused(StatusCode::TOO_MANY_REQUESTS, throttle::REFUSED).await;
    };
    let wrong = "Fel e-postadress eller lösenord.";
    let Some(person) = person else {
        // Same work as for a real account, so timing does not reveal which exist.
        password::verify(form.password.clone(), None).await?;
        return refused(StatusCode::UNAUTHORIZED, wrong).await;
    };
    if !password::verify(form.password.clone(), Some(person.password_hash)).await? {
        return refused(StatusCode::UNAUTHORIZED, wrong).await;
    }
    attempt.succeeded();
    if person.expired {
        tracing::info!(person.id = %person.id, "expired one-time password");
        return refused(StatusCode::FORBIDDEN, ONE_TIME_PASSWORD_EXPIRED).await;
    }
    // A new session id at sign-in: an id planted before it is worth nothing.
    session.cycle_id().await?;
    let places = workplaces(state, person.id).await?;
    let municipality_id = match places.as_slice() {
        [only] => Some(only.id),
        _ => None,
    };
    session
        .insert(
            AUTH_KEY,
            SessionAuth::new(person.id, person.session_generation, municipality_id),
        )
        .await?;
    tracing::info!(person.id = %person.id, "signed in");
    Ok(Redirect::to(landing(&next, person.operator)).into_response())
}

/// Where sign-in leads: `next`, except that an operator, who has no
/// municipality, starts on /drift.
fn landing(next: &str, operator: bool) -> &str {
    if operator && next == "/" {
        "/drift"
    } else {
        next
    }
}

async fn logout(session: Session) -> AppResult<Redirect> {
    session.flush().await?;
    Ok(Redirect::to("/login?utloggad=1"))
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/choose.html")]
struct ChoosePage {
    chrome: Chrome,
    places: Vec<Workplace>,
    current: Option<Uuid>,
}

async fn choose_page(State(state): State<AppState>, user: SignedIn) -> AppResult<Response> {
    if user.must_change_password {
        return Err(AppError::MustChangePassword);
    }
    let places = workplaces(&state, user.id).await?;
    Ok(ChoosePage {
        chrome: user.chrome(&state, "").await?,
        places: places.to_vec(),
        current: user.auth.municipality_id,
    }
    .into_response())
}

#[derive(Deserialize)]
struct ChooseForm {
    #[serde(default)]
    municipality_id: String,
}

async fn choose(
    State(state): State<AppState>,
    user: SignedIn,
    Form(form): Form<ChooseForm>,
) -> AppResult<Redirect> {
    if user.must_change_password {
        return Err(AppError::MustChangePassword);
    }
    let places = workplaces(&state, user.id).await?;
    let chosen = Uuid::parse_str(form.municipality_id.trim())
        .ok()
        .and_then(|id| places.iter().find(|w| w.id == id))
        .ok_or(AppError::Forbidden)?;
    let auth = SessionAuth {
        municipality_id: Some(chosen.id),
        ..user.auth.clone()
    };
    // A new session id whenever the person's rights change shape.
    user.session.cycle_id().await?;
    user.session.insert(AUTH_KEY, auth).await?;
    set_flash(&user.flash, format!("Du arbetar nu i {}.", chosen.name)).await?;
    Ok(Redirect::to("/"))
}

/// A position the person holds, for the account page.
pub struct HeldPosition {
    pub title: String,
    pub organisation: Option<String>,
    pub municipality: String,
    pub held_from: chrono::NaiveDate,
    pub held_to: Option<chrono::NaiveDate>,
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/account.html")]
struct AccountPage {
    chrome: Chrome,
    name: String,
    email: String,
    must_change_password: bool,
    positions: Vec<HeldPosition>,
    feed_url: Option<String>,
    errors: FieldErrors,
}

async fn held_positions(db: &sqlx::PgPool, person_id: Uuid) -> AppResult<Vec<HeldPosition>> {
    Ok(sqlx::query_as!(
        HeldPosition,
        r#"select p.title, o.name as "organisation?", m.name as municipality,
                  h.held_from, h.held_to
           from position_holder h
           join position p on p.id = h.position_id
           left join organisation o on o.id = p.organisation_id
           join municipality m on m.id = h.municipality_id
           where h.person_id = $1 and (h.held_to is null or h.held_to >= $2)
           order by m.name, p.title"#,
        person_id,
        crate::web::today()
    )
    .fetch_all(db)
    .await?)
}

async fn account(state: &AppState, user: &SignedIn, errors: FieldErrors) -> AppResult<AccountPage> {
    Ok(AccountPage {
        chrome: user.chrome(state, "konto").await?,
        name: user.name.clone(),
        email: user.email.clone(),
        must_change_password: user.must_change_password,
        positions: held_positions(&state.db, user.id).await?,
        feed_url: crate::meetings::feeds::person_token(&state.db, user.id)
            .await?
            .map(|t| {
                format!(
                    "{}/kalender/{t}.ics",
                    state.config.public_url.trim_end_matches('/')
                )
            }),
        errors,
    })
}

async fn account_page(State(state): State<AppState>, user: SignedIn) -> AppResult<AccountPage> {
    account(&state, &user, FieldErrors::default()).await
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_repeat: String,
}

#[tracing::instrument(skip_all, fields(person.id = %user.id))]
async fn change_password(
    State(state): State<AppState>,
    user: SignedIn,
    ClientAddress(client): ClientAddress,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let Ok(attempt) = state.login_throttle.begin(&user.email, true, client) else {
        tracing::warn!("password change throttled");
        errors.add("current_password", throttle::REFUSED);
        let page = account(&state, &user, errors).await?;
        return Ok((StatusCode::TOO_MANY_REQUESTS, page).into_response());
    };
    let stored = sqlx::query_scalar!("select password_hash from person where id = $1", user.id)
        .fetch_one(&state.db)
        .await?;
    if password::verify(form.current_password.clone(), Some(stored)).await? {
        attempt.succeeded();
    } else {
        errors.add("current_password", "Det nuvarande lösenordet stämmer inte.");
    }
    if let Some(why) = password::weakness(&form.new_password, &user.name, &user.email) {
        errors.add("new_password", why);
    } else if form.new_password == form.current_password {
        errors.add(
            "new_password",
            "Det nya lösenordet måste skilja sig från det nuvarande.",
        );
    }
    if form.new_password != form.new_password_repeat {
        errors.add("new_password_repeat", "Lösenorden är inte likadana.");
    }
    if !errors.is_empty() {
        let page = account(&state, &user, errors).await?;
        return unprocessable(page);
    }
    let hash = password::hash(form.new_password).await?;
    // Bumping the generation ends every other session of this person.
    let generation = sqlx::query_scalar!(
        r#"update person set password_hash = $2, must_change_password = false,
                  one_time_password_expires_at = null,
                  session_generation = session_generation + 1
           where id = $1 returning session_generation"#,
        user.id,
        hash
    )
    .fetch_one(&state.db)
    .await?;
    user.session.cycle_id().await?;
    let auth = SessionAuth {
        generation,
        ..user.auth.clone()
    };
    user.session.insert(AUTH_KEY, auth).await?;
    set_flash(&user.flash, "Ditt lösenord är bytt.").await?;
    Ok(Redirect::to("/konto").into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn local_paths_are_followed_after_sign_in() {
        for ok in [
            "/",
            "/grupper/1",
            "/avtal/0190/kvitto?x=1#sign",
            "/planering/k%C3%A4llor",
            "/a:b@c!$&'()*+,;=-._~",
        ] {
            assert_eq!(safe_next(ok), ok, "{ok:?}");
        }
    }

    #[test]
    fn anything_but_a_local_path_goes_to_the_start_page() {
        let long = format!("/{}", "a".repeat(super::MAX_NEXT_LEN));
        let spellings = [
            "",
            "evil.example",
            "//evil.example/",
            "///evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/\t\t/evil.example",
            "\t//evil.example",
            "/\r\n/evil.example",
            "/login\r\nSet-Cookie: x=1",
            "/grupper\nX: y",
            "/\r/evil.example",
            "/\0/evil.example",
            "/x\0",
            "/\x0b/evil.example",
            "/\x0c/evil.example",
            "/\x7f/evil.example",
            "/%09/evil.example",
            "/%0d%0a/evil.example",
            "/%0D%0A/evil.example",
            "/x%0aSet-Cookie:%20a=b",
            "/%00/evil.example",
            "/%2f/evil.example",
            "/%2F/evil.example",
            "/%252f/evil.example",
            "/%25252f/evil.example",
            "/%5c/evil.example",
            "/%5Cevil.example",
            "/%20/evil.example",
            "/%c2%a0/evil.example",
            "/%e2%80%8b/evil.example",
            "https://evil.example/",
            "https:/evil.example",
            "https:evil.example",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,x",
            " /grupper",
            "/grupper ",
            "/ /evil.example",
            "/\u{a0}/evil.example",
            "/\u{2000}/evil.example",
            "/\u{2028}/evil.example",
            "/\u{3000}/evil.example",
            "/\u{feff}/evil.example",
            "/\u{200b}/evil.example",
            "/\u{ff0f}evil.example",
            "/ö",
            "/%ff/evil.example",
            "/%ef%bc%8fevil.example",
            "/%e2%80%a8/evil.example",
            "/%c2%ad/x",
            long.as_str(),
        ];
        for bad in spellings {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn a_long_local_path_within_the_limit_is_followed() {
        let path = format!("/{}", "a".repeat(super::MAX_NEXT_LEN - 1));
        assert_eq!(safe_next(&path), path);
    }
}
