//! The operator's statements. None of them reads a municipality's records
//! (reports, agreements, meetings, planning): only counts, times and sizes.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::MunicipalityRow;
use crate::error::AppResult;
use crate::tenant::MunicipalityId;

/// Every municipality, by name, with its figures.
pub async fn municipalities(db: &PgPool) -> AppResult<Vec<MunicipalityRow>> {
    rows(db, None).await
}

/// One municipality with its figures, or `None`.
pub async fn municipality(db: &PgPool, id: Uuid) -> AppResult<Option<MunicipalityRow>> {
    Ok(rows(db, Some(id)).await?.pop())
}

/// The municipalities (`only`: that one) with their figures.
async fn rows(db: &PgPool, only: Option<Uuid>) -> AppResult<Vec<MunicipalityRow>> {
    let sizes = crate::archive::sizes(db, only).await?;
    let rows = sqlx::query!(
        r#"select m.id, m.name, m.slug, m.code, m.created_at, m.suspended_at, m.exported_at,
                  (select count(*) from person_municipality pm join person p on p.id = pm.person_id
                   where pm.municipality_id = m.id and p.active) as "people!",
                  (select max(a.at) from audit_event a where a.municipality_id = m.id) as last_activity,
                  (m.exported_at is not null and (
                      exists (select 1 from audit_event a
                              where a.municipality_id = m.id and a.at > m.exported_at)
                      or exists (select 1 from coordinator_invitation i
                                 where i.municipality_id = m.id
                                   and greatest(i.created_at, i.used_at) > m.exported_at)
                      -- The public's tips are the one thing stored without an audit row.
                      or exists (select 1 from public_tip t
                                 where t.municipality_id = m.id and t.created_at > m.exported_at)))
                      as "changed!"
           from municipality m
           where ($1::uuid is null or m.id = $1)
           order by m.name"#,
        only
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| MunicipalityRow {
            bytes: sizes.get(&r.id).copied().unwrap_or(0),
            id: r.id,
            name: r.name,
            slug: r.slug,
            code: r.code,
            created_at: r.created_at,
            people: r.people,
            last_activity: r.last_activity,
            suspended_at: r.suspended_at,
            exported_at: r.exported_at,
            changed_since_export: r.changed,
        })
        .collect())
}

/// The position whose holder administers the municipality (the
/// coordinator's), if it has one.
pub struct AdminPosition {
    pub id: Uuid,
    pub title: String,
    pub holder: Option<String>,
}

pub async fn admin_position(db: &PgPool, m: MunicipalityId) -> AppResult<Option<AdminPosition>> {
    Ok(sqlx::query_as!(
        AdminPosition,
        r#"select p.id, p.title,
                  (select pe.name from position_holder h join person pe on pe.id = h.person_id
                   where h.position_id = p.id and h.held_from <= current_date
                     and (h.held_to is null or h.held_to >= current_date)) as holder
           from position p
           where p.municipality_id = $1 and p.grants_admin
           order by p.title limit 1"#,
        m.get()
    )
    .fetch_optional(db)
    .await?)
}

/// An invitation as the municipality's page lists it.
pub struct InvitationRow {
    pub name: String,
    pub email: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

pub async fn invitations(db: &PgPool, m: MunicipalityId) -> AppResult<Vec<InvitationRow>> {
    Ok(sqlx::query_as!(
        InvitationRow,
        r#"select p.name, p.email, i.created_at, i.expires_at, i.used_at
           from coordinator_invitation i join person p on p.id = i.person_id
           where i.municipality_id = $1
           order by i.created_at desc"#,
        m.get()
    )
    .fetch_all(db)
    .await?)
}

/// What operators did, newest first.
pub struct EventRow {
    pub at: DateTime<Utc>,
    pub operator: String,
    pub municipality_name: String,
    pub summary: String,
}

pub async fn events(db: &PgPool, limit: i64) -> AppResult<Vec<EventRow>> {
    Ok(sqlx::query_as!(
        EventRow,
        r#"select e.at, p.name as operator, e.municipality_name, e.summary
           from operator_event e join person p on p.id = e.operator_id
           order by e.at desc limit $1"#,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// Writes one row of the operator's log, in the caller's transaction.
pub async fn record(
    conn: &mut PgConnection,
    operator: Uuid,
    municipality: (Uuid, &str),
    action: &str,
    summary: &str,
) -> AppResult<()> {
    sqlx::query!(
        r#"insert into operator_event (id, operator_id, subject_municipality, municipality_name,
                                       action, summary)
           values ($1, $2, $3, $4, $5, $6)"#,
        Uuid::now_v7(),
        operator,
        municipality.0,
        municipality.1,
        action,
        summary
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Suspends (`true`) or resumes the municipality.
pub async fn set_suspended(
    conn: &mut PgConnection,
    m: MunicipalityId,
    suspended: bool,
) -> AppResult<()> {
    sqlx::query!(
        r#"update municipality
           set suspended_at = case when $2 then coalesce(suspended_at, now()) end
           where id = $1"#,
        m.get(),
        suspended
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Notes that the municipality was exported as it stood at `at`.
pub async fn set_exported(
    conn: &mut PgConnection,
    m: MunicipalityId,
    at: DateTime<Utc>,
) -> AppResult<()> {
    sqlx::query!(
        "update municipality set exported_at = $2 where id = $1",
        m.get(),
        at
    )
    .execute(conn)
    .await?;
    Ok(())
}
