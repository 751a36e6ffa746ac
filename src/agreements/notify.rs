//! E-mail about agreements: to signatories when something waits for them,
//! to the coordinator when an agreement is fully signed or about to expire.

use chrono::Utc;
use sqlx::PgConnection;
use uuid::Uuid;

use super::db::{self, Agreement};
use crate::error::AppResult;
use crate::mail::outbox::{self, Kind, enqueue_text};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::today;

fn link(state: &AppState, a: &Agreement) -> String {
    format!(
        "{}/avtal/{}",
        state.config.public_url.trim_end_matches('/'),
        a.id
    )
}

/// Queues, inside the caller's transaction, a mail to every signatory who
/// has yet to sign the current version. Returns the outbox rows.
pub async fn signatories(
    tx: &mut PgConnection,
    state: &AppState,
    m: MunicipalityId,
    a: &Agreement,
    changed: bool,
) -> AppResult<Vec<Uuid>> {
    let recipients = db::pending_signatories(&mut *tx, m, a, today()).await?;
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
    enqueue_text(
        tx,
        m,
        Kind::AgreementToSign,
        Some(a.id),
        &recipients,
        &subject,
        &body,
    )
    .await
}

/// Queues, inside the caller's transaction, the news to the coordinators
/// that an agreement now has the municipality's every signature (`now`:
/// where it stands, which says whether the counterpart's is still to come).
pub async fn fully_signed(
    tx: &mut PgConnection,
    state: &AppState,
    m: MunicipalityId,
    a: &Agreement,
    now: super::model::State,
) -> AppResult<Vec<Uuid>> {
    let recipients = db::coordinators(&mut *tx, m, today()).await?;
    let next = if now == super::model::State::AwaitingCounterparty {
        "Motpartens signatur är ännu inte registrerad: registrera den på avtalets sida när den finns, så gäller avtalet.\n\n"
    } else {
        ""
    };
    let body = format!(
        "Hej!\n\nAvtalet ”{}” med {} har nu kommunens alla signaturer (version {}).\n\n{next}{}\n",
        a.title,
        a.counterpart,
        a.current_version,
        link(state, a)
    );
    enqueue_text(
        tx,
        m,
        Kind::AgreementSigned,
        Some(a.id),
        &recipients,
        &format!("Signerat: {}", a.title),
        &body,
    )
    .await
}

/// Mails the coordinators once about each agreement in force that ends
/// within the municipality's warning time. Returns how many were notified.
/// A suspended municipality is passed over: its agreements keep their
/// claim open, so the notice is sent once it is resumed.
pub async fn expiring(state: &AppState) -> AppResult<usize> {
    let day = today();
    let municipalities = sqlx::query!(
        "select id, agreement_warning_days from municipality where suspended_at is null"
    )
    .fetch_all(&state.db)
    .await?;
    let mut notified = 0;
    for mu in municipalities {
        for a in db::agreements(&state.db, MunicipalityId::of_row(mu.id), None).await? {
            let soon = a
                .days_left(day)
                .is_some_and(|d| d <= i64::from(mu.agreement_warning_days));
            if a.state(day) != super::model::State::InForce || !soon {
                continue;
            }
            // The claim and the mail are one transaction: either both are
            // stored or neither, so a failure cannot lose the notice.
            let mut tx = state.db.begin().await?;
            let claimed = sqlx::query!(
                "update agreement set expiry_notified_at = $2 where id = $1 and municipality_id = $3 and expiry_notified_at is null",
                a.id,
                Utc::now(),
                mu.id
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed == 0 {
                continue;
            }
            let recipients = db::coordinators(&mut *tx, MunicipalityId::of_row(mu.id), day).await?;
            let body = format!(
                "Hej!\n\nAvtalet ”{}” med {} upphör att gälla {}.\n\n{}\n",
                a.title,
                a.counterpart,
                a.valid_to.map(|d| d.to_string()).unwrap_or_default(),
                link(state, &a)
            );
            let ids = enqueue_text(
                &mut tx,
                MunicipalityId::of_row(mu.id),
                Kind::AgreementExpiring,
                Some(a.id),
                &recipients,
                &format!("Går snart ut: {}", a.title),
                &body,
            )
            .await?;
            tx.commit().await?;
            outbox::deliver(state, &ids).await;
            notified += 1;
        }
    }
    Ok(notified)
}

/// Checks for expiring agreements once a day, on one instance
/// ([`crate::jobs`]).
pub async fn daily(state: AppState) {
    let every = state.config.job_check();
    crate::jobs::daily(state.db.clone(), "agreement_expiry", every, || async {
        let n = expiring(&state).await?;
        Ok(format!("expiry notices sent about {n} agreements"))
    })
    .await;
}
