//! Calendar feeds: `/kalender/{token}.ics` for a person (all their groups,
//! in every municipality) and `/kalender/grupp/{token}.ics` for a group.
//! Calendar programs send no cookies, so the secret token in the address is
//! the key; a person can replace or revoke theirs on `/konto`.
//!
//! Group addresses are shared by the group's members, so they must change
//! when someone leaves: removing a membership or ending a holder's term
//! deletes the address (a new one is made when the group page is next
//! shown), an address made before a holder's last day is refused once that
//! day has passed (`group_feed_outlived`, for ends recorded in advance), and
//! the coordinator can replace it on the group page. Personal feeds need
//! none of this: they list only the groups the person sits in today.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, TimeDelta, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde::Deserialize;
use uuid::Uuid;

use super::db::{self, Meeting};
use super::ics::{self, Method};
use super::invitations::ics_event;
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::change::Change;
use crate::web::extract::{Admin, SignedIn};
use crate::web::forms::Form;
use crate::web::layout::set_flash;
use crate::web::path::{IdPath, Params};
use crate::web::today;

/// How far back feeds reach.
const FEED_HISTORY_DAYS: i64 = 180;

fn new_token() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

fn token_from(file: &str) -> AppResult<&str> {
    file.strip_suffix(".ics")
        .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric()))
        .ok_or(AppError::NotFound)
}

fn ics_response(state: &AppState, name: &str, meetings: &[Meeting]) -> Response {
    let base = state.config.public_url.trim_end_matches('/');
    let events: Vec<_> = meetings
        .iter()
        .map(|m| ics_event(m, format!("{base}/moten/{}", m.id), None, Vec::new()))
        .collect();
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        ics::calendar(name, Method::Publish, &events),
    )
        .into_response()
}

pub async fn person_feed(
    State(state): State<AppState>,
    Params(file): Params<String>,
) -> AppResult<Response> {
    let token = token_from(&file)?;
    let person = sqlx::query!(
        r#"select p.id, p.name from calendar_token t join person p on p.id = t.person_id
           where t.token = $1 and p.active"#,
        token
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    let since = Utc::now() - TimeDelta::days(FEED_HISTORY_DAYS);
    let meetings = db::person_feed_meetings(&state.db, person.id, today(), since).await?;
    Ok(ics_response(
        &state,
        &format!("Samordna – {}", person.name),
        &meetings,
    ))
}

pub async fn group_feed(
    State(state): State<AppState>,
    Params(file): Params<String>,
) -> AppResult<Response> {
    let token = token_from(&file)?;
    let group = sqlx::query!(
        r#"select g.id, g.name from calendar_token t join work_group g on g.id = t.work_group_id
           where t.token = $1 and not group_feed_outlived(g.id, t.created_at, $2)"#,
        token,
        today()
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    let since = Utc::now() - TimeDelta::days(FEED_HISTORY_DAYS);
    let groups = [group.id];
    let meetings = db::find(
        &state.db,
        db::Filter {
            groups: Some(&groups),
            from: Some(since),
            ..Default::default()
        },
    )
    .await?;
    Ok(ics_response(
        &state,
        &format!("Samordna – {}", group.name),
        &meetings,
    ))
}

/// The person's feed token, if they have one.
pub async fn person_token(db: &sqlx::PgPool, person_id: Uuid) -> AppResult<Option<String>> {
    Ok(sqlx::query_scalar!(
        "select token from calendar_token where person_id = $1",
        person_id
    )
    .fetch_optional(db)
    .await?)
}

/// The group's feed token, made on first use and made anew when the old
/// one has outlived a member, with the day it was made (the group page
/// says since when the address holds).
pub async fn group_token(db: &sqlx::PgPool, group_id: Uuid) -> AppResult<(String, NaiveDate)> {
    sqlx::query!(
        r#"delete from calendar_token t
           where t.work_group_id = $1 and group_feed_outlived(t.work_group_id, t.created_at, $2)"#,
        group_id,
        today()
    )
    .execute(db)
    .await?;
    sqlx::query!(
        "insert into calendar_token (token, work_group_id) values ($1, $2) on conflict (work_group_id) do nothing",
        new_token(),
        group_id
    )
    .execute(db)
    .await?;
    let row = sqlx::query!(
        r#"select token, (created_at at time zone 'Europe/Stockholm')::date as "since!"
           from calendar_token where work_group_id = $1"#,
        group_id
    )
    .fetch_one(db)
    .await?;
    Ok((row.token, row.since))
}

#[derive(Deserialize)]
pub struct TokenForm {
    /// `new` (make or replace the address) or `revoke`.
    #[serde(default)]
    action: String,
}

/// `POST /konto/kalender`: a new secret address (the old one stops working), or none.
pub async fn renew_token(
    State(state): State<AppState>,
    user: SignedIn,
    Form(form): Form<TokenForm>,
) -> AppResult<Redirect> {
    let mut tx = state.db.begin().await?;
    sqlx::query!("delete from calendar_token where person_id = $1", user.id)
        .execute(&mut *tx)
        .await?;
    let message = if form.action == "revoke" {
        "Kalenderadressen är borttagen. Kalendrar som prenumererade på den får inga fler uppdateringar."
    } else {
        sqlx::query!(
            "insert into calendar_token (token, person_id) values ($1, $2)",
            new_token(),
            user.id
        )
        .execute(&mut *tx)
        .await?;
        "Du har en ny kalenderadress. En tidigare adress fungerar inte längre."
    };
    tx.commit().await?;
    set_flash(&user.flash, message).await?;
    Ok(Redirect::to("/konto#kalender"))
}

/// `POST /admin/grupper/{id}/kalender`: the coordinator replaces the
/// group's feed address; the old one stops working at once.
pub async fn renew_group_token(
    State(state): State<AppState>,
    Admin(user): Admin,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let m = user.tenant();
    let group = crate::structure::db::group(&state.db, m, id).await?;
    let mut change = Change::begin(&state, &user).await?;
    crate::structure::db::retire_group_feeds(change.tx(), &[id]).await?;
    change
        .record(
            Event::new(
                "bytte kalenderadress",
                "grupp",
                format!("Ny kalenderadress för {}", group.name),
            )
            .on(id),
        )
        .await?;
    let message = format!(
        "{} har en ny kalenderadress. Den gamla adressen fungerar inte längre; den som ska prenumerera på gruppens kalender behöver den nya adressen nedan.",
        group.name
    );
    change
        .finish(message, &format!("/grupper/{id}#kalender"))
        .await
}
