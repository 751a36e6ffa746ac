//! `/drift`: the operator's pages (driften). An operator runs the
//! deployment: lists the municipalities with their figures, creates them,
//! invites each one's first coordinator, suspends, exports and deletes
//! them. An operator has no municipality and reads none of any
//! municipality's records: [`crate::web::extract::CurrentUser`] refuses
//! them on every municipal page, and these pages show only names, counts,
//! times and sizes.
//!
//! Operators' actions are logged in `operator_event`, not `audit_event`:
//! the audit log belongs to a municipality (exported with it, deleted with
//! it, read by its coordinator) and names its people; the operator's log
//! must outlive a deleted municipality and says what the operator did.

mod create;
mod db;
mod invite;
mod lifecycle;
mod model;
mod pages;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::{get, post};

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::extract::SignedIn;

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/drift", get(pages::list))
        .route(
            "/drift/ny-kommun",
            get(create::create_page).post(create::create),
        )
        .route("/drift/kommuner/{id}", get(pages::municipality))
        .route("/drift/kommuner/{id}/inbjudan", post(invite::invite))
        .route("/drift/kommuner/{id}/avstangning", post(lifecycle::suspend))
        .route("/drift/kommuner/{id}/export", post(lifecycle::export))
        .route(
            "/drift/kommuner/{id}/radera",
            get(lifecycle::delete_page).post(lifecycle::delete),
        )
        .route(
            "/inbjudan/{token}",
            get(invite::link_page).post(invite::accept),
        )
}

/// A signed-in operator. Everyone else is refused (403); an operator with a
/// one-time password changes it first.
pub struct Operator {
    pub person: SignedIn,
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let person = SignedIn::from_request_parts(parts, state).await?;
        if !person.is_operator {
            return Err(AppError::Forbidden);
        }
        if person.must_change_password {
            return Err(AppError::MustChangePassword);
        }
        Ok(Self { person })
    }
}

impl Operator {
    /// The person's id.
    pub fn id(&self) -> uuid::Uuid {
        self.person.id
    }
}

/// Adds `email` as an operator: a new person with a one-time password, or
/// an existing person marked as operator (their password stays; they lose
/// access to any municipality they worked in). Returns the one-time
/// password of a new person.
pub async fn add_operator(
    db: &sqlx::PgPool,
    email: &str,
    name: &str,
    days: u32,
) -> anyhow::Result<Option<String>> {
    let mut tx = db.begin().await?;
    let existing = sqlx::query_scalar!("select id from person where lower(email) = $1", email)
        .fetch_optional(&mut *tx)
        .await?;
    let (id, password) = match existing {
        Some(id) => (id, None),
        None => {
            let password = crate::auth::password::one_time_password();
            let hash = crate::auth::password::hash(password.clone()).await?;
            let id = sqlx::query_scalar!(
                r#"insert into person (id, name, email, password_hash, must_change_password,
                                       one_time_password_expires_at)
                   values ($1, $2, $3, $4, true, now() + make_interval(days => $5))
                   returning id"#,
                uuid::Uuid::now_v7(),
                name,
                email,
                hash,
                days as i32
            )
            .fetch_one(&mut *tx)
            .await?;
            (id, Some(password))
        }
    };
    sqlx::query!(
        "insert into operator (person_id) values ($1) on conflict do nothing",
        id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(password)
}
