//! One-time form tokens. Every page offers a fresh token (`chrome.form_token`)
//! and forms that create records send it back; the handler claims it in the
//! same transaction as the insert, so a form posted twice creates one record.

use axum::response::{IntoResponse, Redirect, Response};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::AppResult;
use crate::web::extract::CurrentUser;
use crate::web::layout::set_flash;

/// What to tell a person whose form arrived a second time.
pub const ALREADY_SENT: &str = "Formuläret var redan skickat – inget sparades två gånger.";

/// Claims `token` for `person`. `false` means it was used before and the
/// caller must not store anything. A missing token (an old page, a script)
/// is not protected and counts as first.
pub async fn first_submission(
    conn: &mut PgConnection,
    token: &str,
    person: Uuid,
) -> sqlx::Result<bool> {
    let Ok(token) = Uuid::parse_str(token.trim()) else {
        return Ok(true);
    };
    let claimed = sqlx::query!(
        "insert into form_submission (token, person_id) values ($1, $2) on conflict do nothing",
        token,
        person
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(claimed == 1)
}

/// Claims the form's token in `conn` (the transaction that will store the
/// record). When the form was sent before, flashes [`ALREADY_SENT`] and
/// returns the redirect to `to` for the handler to return as it is; the
/// caller then drops its transaction, so nothing is stored.
///
/// ```ignore
/// if let Some(again) = idempotency::sent_before(&mut tx, &user, &form.form_token, "/planering").await? {
///     return Ok(again);
/// }
/// ```
pub async fn sent_before(
    conn: &mut PgConnection,
    user: &CurrentUser,
    token: &str,
    to: &str,
) -> AppResult<Option<Response>> {
    if first_submission(conn, token, user.id()).await? {
        return Ok(None);
    }
    set_flash(&user.person.flash, ALREADY_SENT).await?;
    Ok(Some(Redirect::to(to).into_response()))
}
