//! `/login`, `/logout`, `/valj-kommun` and `/konto`.

use std::net::SocketAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use super::password;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::extract::{AUTH_KEY, SessionAuth, SignedIn, Workplace, workplaces};
use crate::web::forms::{FieldErrors, Form};
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

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Only local paths are followed after sign-in (no open redirects).
fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    if local { next } else { "/" }
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

#[tracing::instrument(skip_all)]
async fn login(
    State(state): State<AppState>,
    session: Session,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let email = form.email.trim().to_lowercase();
    let next = safe_next(&form.next).to_owned();
    let address = connect.map(|Extension(ConnectInfo(addr))| addr.ip());
    let failed = LoginPage {
        chrome: Chrome::anonymous(),
        email: form.email.trim().to_owned(),
        next: next.clone(),
        error: Some("Fel e-postadress eller lösenord."),
        notice: None,
        demo_accounts: demo_accounts(&state).await?,
    };
    if !state.login_throttle.allow(&email, address) {
        tracing::warn!("sign-in throttled");
        let page = LoginPage {
            error: Some("För många inloggningsförsök. Vänta en minut och försök sedan igen."),
            ..failed
        };
        return Ok((StatusCode::TOO_MANY_REQUESTS, page).into_response());
    }
    let person = sqlx::query!(
        r#"select id, password_hash, session_generation from person
           where lower(email) = $1 and active"#,
        email
    )
    .fetch_optional(&state.db)
    .await?;
    let Some(person) = person else {
        // Same work as for a real account, so timing does not reveal which exist.
        password::verify(form.password, None).await?;
        return Ok((StatusCode::UNAUTHORIZED, failed).into_response());
    };
    if !password::verify(form.password, Some(person.password_hash)).await? {
        return Ok((StatusCode::UNAUTHORIZED, failed).into_response());
    }
    // A new session id at sign-in: an id planted before it is worth nothing.
    session.cycle_id().await?;
    let places = workplaces(&state, person.id).await?;
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
    Ok(Redirect::to(&next).into_response())
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
        chrome: user.chrome("").await,
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
        chrome: user.chrome("konto").await,
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

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_repeat: String,
}

#[tracing::instrument(skip_all, fields(person.id = %user.id))]
async fn change_password(
    State(state): State<AppState>,
    user: SignedIn,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let stored = sqlx::query_scalar!("select password_hash from person where id = $1", user.id)
        .fetch_one(&state.db)
        .await?;
    let mut errors = FieldErrors::default();
    if !password::verify(form.current_password.clone(), Some(stored)).await? {
        errors.add("current_password", "Det nuvarande lösenordet stämmer inte.");
    }
    if form.new_password.chars().count() < password::MIN_LENGTH {
        errors.add(
            "new_password",
            format!(
                "Välj ett lösenord med minst {} tecken.",
                password::MIN_LENGTH
            ),
        );
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
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let hash = password::hash(form.new_password).await?;
    // Bumping the generation ends every other session of this person.
    let generation = sqlx::query_scalar!(
        r#"update person set password_hash = $2, must_change_password = false,
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
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/grupper/1"), "/grupper/1");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next(""), "/");
    }
}
