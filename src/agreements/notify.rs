//! E-mail about agreements: to signatories when something waits for them,
//! to the coordinator when an agreement is fully signed or about to expire.

use chrono::Utc;
use uuid::Uuid;

use super::db::{self, Agreement};
use crate::error::AppResult;
use crate::mail::send_text;
use crate::state::AppState;
use crate::web::today;

fn link(state: &AppState, a: &Agreement) -> String {
    format!(
        "{}/avtal/{}",
        state.config.public_url.trim_end_matches('/'),
        a.id
    )
}

/// Mails every signatory who has yet to sign the current version. Returns
/// how many were mailed.
pub async fn signatories(
    state: &AppState,
    m: Uuid,
    a: &Agreement,
    changed: bool,
) -> AppResult<usize> {
    let recipients = db::pending_signatories(&state.db, m, a, today()).await?;
    let subject = if changed {
        format!("Avtalet med {} har ändrats – signera igen", a.counterpart)
    } else {
        format!("Att signera: {}", a.title)
    };
    let mut body = format!(
        "Hej!\n\nAvtalet ”{}” med {} väntar på din signatur.\n",
        a.title, a.counterpart
    );
    if changed {
        body.push_str("Texten har ändrats efter att det signerades; tidigare signaturer gäller inte längre.\n");
    }
    body.push_str(&format!(
        "\nLäs och signera i Samordna: {}\n",
        link(state, a)
    ));
    let sent = send_text(
        &state.mailer,
        &state.config.mail_from,
        &recipients,
        &subject,
        &body,
    )
    .await?;
    Ok(sent.len())
}

/// Tells the coordinators that an agreement now has every signature.
pub async fn fully_signed(state: &AppState, m: Uuid, a: &Agreement) -> AppResult<()> {
    let recipients = db::coordinators(&state.db, m, today()).await?;
    let body = format!(
        "Hej!\n\nAvtalet ”{}” med {} har nu alla signaturer (version {}).\n\n{}\n",
        a.title,
        a.counterpart,
        a.current_version,
        link(state, a)
    );
    send_text(
        &state.mailer,
        &state.config.mail_from,
        &recipients,
        &format!("Signerat: {}", a.title),
        &body,
    )
    .await?;
    Ok(())
}

/// Mails the coordinators once about each agreement in force that ends
/// within the municipality's warning time. Returns how many were notified.
pub async fn expiring(state: &AppState) -> AppResult<usize> {
    let day = today();
    let municipalities = sqlx::query!("select id, agreement_warning_days from municipality")
        .fetch_all(&state.db)
        .await?;
    let mut notified = 0;
    for mu in municipalities {
        for a in db::agreements(&state.db, mu.id, None).await? {
            let soon = a
                .days_left(day)
                .is_some_and(|d| d <= i64::from(mu.agreement_warning_days));
            if a.state(day) != super::model::State::InForce || !soon {
                continue;
            }
            let claimed = sqlx::query!(
                "update agreement set expiry_notified_at = $2 where id = $1 and expiry_notified_at is null",
                a.id,
                Utc::now()
            )
            .execute(&state.db)
            .await?
            .rows_affected();
            if claimed == 0 {
                continue;
            }
            let recipients = db::coordinators(&state.db, mu.id, day).await?;
            let body = format!(
                "Hej!\n\nAvtalet ”{}” med {} upphör att gälla {}.\n\n{}\n",
                a.title,
                a.counterpart,
                a.valid_to.map(|d| d.to_string()).unwrap_or_default(),
                link(state, &a)
            );
            send_text(
                &state.mailer,
                &state.config.mail_from,
                &recipients,
                &format!("Går snart ut: {}", a.title),
                &body,
            )
            .await?;
            notified += 1;
        }
    }
    Ok(notified)
}

/// Checks for expiring agreements once a day.
pub async fn daily(state: AppState) {
    let mut interval = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
    loop {
        interval.tick().await;
        match expiring(&state).await {
            Ok(n) => tracing::info!(agreements = n, "expiry notices sent"),
            Err(error) => tracing::error!(?error, "expiry notices failed"),
        }
    }
}
