//! One-time form tokens. Every page offers a fresh token (`chrome.form_token`)
//! and forms that create records send it back; the handler claims it in the
//! same transaction as the insert, so a form posted twice creates one record.
//! Handlers do not call this themselves: [`crate::web::change::Change::once`]
//! claims the token when it opens the change.

use sqlx::PgConnection;
use uuid::Uuid;

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
