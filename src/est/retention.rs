//! Gallring: after the number of months the municipality sets, the free
//! texts of EST reports are removed; categories, dates, areas and the
//! insecurity scale stay for statistics. Runs daily in the server and on
//! demand with `samordna gallra`.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// What one run removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Removed {
    pub incidents: u64,
    pub events: u64,
    pub needs: u64,
    pub notes: u64,
    /// Tips from the public cleared or (when rejected) deleted.
    pub tips: u64,
}

/// Removes free texts older than each municipality's retention, as of `now`.
pub async fn run(db: &PgPool, now: DateTime<Utc>) -> sqlx::Result<Removed> {
    let mut tx = db.begin().await?;
    let (incidents, events, needs) = entries_gallring(&mut tx, now).await?;
    let notes = notes_gallring(&mut tx).await?;
    let tips = per_municipality_gallring(&mut tx, now).await?;
    tx.commit().await?;
    Ok(Removed {
        incidents,
        events,
        needs,
        notes,
        tips,
    })
}

/// The report entries older than their municipality's retention, in one
/// statement: incidents lose place, description, action and point; coming
/// events their title, place and planned measures; cooperation needs
/// (closed ones only: open needs are still being worked on) their title,
/// partner and handler. Returns how many of each.
async fn entries_gallring(
    tx: &mut sqlx::PgConnection,
    now: DateTime<Utc>,
) -> sqlx::Result<(u64, u64, u64)> {
    let row = sqlx::query!(
        r#"with due as ( -- all municipalities: gallring, each after its own municipality's retention
               select id, $1::timestamptz - make_interval(months => retention_months) as cutoff
               from municipality
           ),
           incidents as (
               update est_incident i
                  set place = null, description = null, action_taken = null,
                      latitude = null, longitude = null, redacted_at = $1
               from due where due.id = i.municipality_id
                 and i.redacted_at is null and i.created_at < due.cutoff
               returning 1
           ),
           events as (
               update est_coming_event e
                  set title = null, place = null, planned_measures = null, redacted_at = $1
               from due where due.id = e.municipality_id
                 and e.redacted_at is null and e.created_at < due.cutoff
               returning 1
           ),
           needs as (
               update cooperation_need n
                  set title = null, with_whom = null, handled_by = null, redacted_at = $1
               from due where due.id = n.municipality_id
                 and n.redacted_at is null and n.status = 'closed' and n.created_at < due.cutoff
               returning 1
           )
           select (select count(*) from incidents) as "incidents!",
                  (select count(*) from events) as "events!",
                  (select count(*) from needs) as "needs!""#,
        now
    )
    .fetch_one(&mut *tx)
    .await?;
    let count = |n: i64| u64::try_from(n).unwrap_or_default();
    Ok((count(row.incidents), count(row.events), count(row.needs)))
}

/// The notes of cooperation needs already cleared.
async fn notes_gallring(tx: &mut sqlx::PgConnection) -> sqlx::Result<u64> {
    Ok(sqlx::query!(
        r#"update cooperation_note c -- all municipalities: gallring, the notes of needs already cleared
                  set note = null
           from cooperation_need n
           where n.id = c.need_id and n.redacted_at is not null and c.note is not null"#
    )
    .execute(&mut *tx)
    .await?
    .rows_affected())
}

/// What depends on each municipality's own settings: its tips, and removed
/// report entries kept in audit events. Returns the tips removed.
async fn per_municipality_gallring(
    tx: &mut sqlx::PgConnection,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let municipalities =
        sqlx::query!("select id, report_interval_weeks, retention_months from municipality")
            .fetch_all(&mut *tx)
            .await?;
    let mut tips = 0;
    for m in municipalities {
        tips += tips_gallring(tx, m.id, now, m.retention_months).await?;
        // A removed report entry is kept in its audit event only while it can
        // be put back ("Ångra", until the report locks): a period and a week.
        sqlx::query!(
            r#"update audit_event set before = before - 'rad'
               where municipality_id = $1 and action = 'tog bort post' and before ? 'rad'
                 and at < $2::timestamptz - make_interval(weeks => $3::int + 1)"#,
            m.id,
            now,
            i32::from(m.report_interval_weeks)
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(tips)
}

/// Tips from the public older than the municipality's retention, in one
/// statement: contact details deleted, rejected tips deleted, the others'
/// free texts cleared (category, area and date stay for statistics).
async fn tips_gallring(
    tx: &mut sqlx::PgConnection,
    m: uuid::Uuid,
    now: DateTime<Utc>,
    months: i32,
) -> sqlx::Result<u64> {
    let removed = sqlx::query_scalar!(
        r#"with due as (
               select id from public_tip
               where municipality_id = $1
                 and created_at < $2::timestamptz - make_interval(months => $3)
           ),
           contacts as (
               delete from public_tip_contact
               where municipality_id = $1 and tip_id in (select id from due)
           ),
           deleted as (
               delete from public_tip
               where municipality_id = $1 and status = 'rejected' and id in (select id from due)
               returning 1
           ),
           cleared as (
               update public_tip
                  set place = null, description = null, latitude = null, longitude = null,
                      redacted_at = $2
               where municipality_id = $1 and status <> 'rejected' and redacted_at is null
                 and id in (select id from due)
               returning 1
           )
           select (select count(*) from deleted) + (select count(*) from cleared) as "removed!""#,
        m,
        now,
        months
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(u64::try_from(removed).unwrap_or_default())
}

/// Runs gallring once a day, on one instance ([`crate::jobs`]), until the
/// task is aborted.
pub async fn daily(db: PgPool, every: crate::jobs::Schedule) {
    crate::jobs::daily(db.clone(), "gallring", every, || async {
        let removed = run(&db, Utc::now()).await?;
        Ok(format!("gallring done: {removed:?}"))
    })
    .await;
}
