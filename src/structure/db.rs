//! Queries for the structure. Every function takes the municipality id from
//! the signed-in user and filters by it.

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{Role, Tier};
use crate::error::{AppError, AppResult};
use crate::tenant::MunicipalityId;

/// A group as listed on `/struktur` and in the admin.
#[derive(Clone, Debug)]
pub struct GroupSummary {
    pub id: Uuid,
    pub name: String,
    pub tier: Tier,
    pub task: String,
    pub cadence_text: String,
    pub focus_area: String,
    pub active_from: NaiveDate,
    pub active_to: Option<NaiveDate>,
    pub appointed_by: Option<String>,
    pub convener: Option<String>,
    pub convener_holder: Option<String>,
    pub member_count: i64,
}

impl GroupSummary {
    /// Active on `day` (not yet dissolved).
    pub fn is_active(&self, day: &NaiveDate) -> bool {
        self.active_to.is_none_or(|to| to >= *day) && self.active_from <= *day
    }
}

/// All groups of the municipality, tiers in order.
pub async fn groups(
    db: &PgPool,
    municipality_id: MunicipalityId,
    day: NaiveDate,
) -> AppResult<Vec<GroupSummary>> {
    Ok(sqlx::query_as!(
        GroupSummary,
        r#"select g.id, g.name, g.tier as "tier: Tier", g.task, g.cadence_text, g.focus_area,
                  g.active_from, g.active_to, a.name as "appointed_by?",
                  c.title as "convener?", ch.name as "convener_holder?",
                  (select count(*) from membership ms where ms.work_group_id = g.id) as "member_count!"
           from work_group g
           left join work_group a on a.id = g.appointed_by_group_id
           left join lateral (
               select p.id, p.title from membership ms join position p on p.id = ms.position_id
               where ms.work_group_id = g.id and ms.role = 'convener'
               order by p.title limit 1
           ) c on true
           left join holders_on($1, $2) ch on ch.position_id = c.id
           where g.municipality_id = $1
           order by array_position(array['styrgrupp','beredningsgrupp','permanent','temporary'], g.tier),
                    g.sort_order, g.name"#,
        municipality_id.get(),
        day
    )
    .fetch_all(db)
    .await?)
}

/// One group in full.
#[derive(Debug)]
pub struct Group {
    pub id: Uuid,
    pub name: String,
    pub tier: Tier,
    pub task: String,
    pub appointed_by_id: Option<Uuid>,
    pub appointed_by: Option<String>,
    pub decision_reference: String,
    pub focus_area: String,
    pub cadence_text: String,
    pub weekly_reporting: bool,
    pub active_from: NaiveDate,
    pub active_to: Option<NaiveDate>,
    pub dissolved_reason: String,
}

impl Group {
    pub fn is_active(&self, day: &NaiveDate) -> bool {
        self.active_to.is_none_or(|to| to >= *day)
    }
}

/// A group of the municipality, or `NotFound` (also for another municipality's).
pub async fn group(db: &PgPool, municipality_id: MunicipalityId, id: Uuid) -> AppResult<Group> {
    let r = sqlx::query!(
        r#"select g.id, g.name, g.tier as "tier: Tier", g.task, g.appointed_by_group_id, a.name as "appointed_by?",
                  g.decision_reference, g.focus_area, g.cadence_text, g.weekly_reporting,
                  g.active_from, g.active_to, g.dissolved_reason
           from work_group g
           left join work_group a on a.id = g.appointed_by_group_id
           where g.id = $1 and g.municipality_id = $2"#,
        id,
        municipality_id.get()
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(Group {
        id: r.id,
        name: r.name,
        tier: r.tier,
        task: r.task,
        appointed_by_id: r.appointed_by_group_id,
        appointed_by: r.appointed_by,
        decision_reference: r.decision_reference,
        focus_area: r.focus_area,
        cadence_text: r.cadence_text,
        weekly_reporting: r.weekly_reporting,
        active_from: r.active_from,
        active_to: r.active_to,
        dissolved_reason: r.dissolved_reason,
    })
}

/// A member position of a group with who holds it today.
#[derive(Debug)]
pub struct Member {
    pub membership_id: Uuid,
    pub position_id: Uuid,
    pub title: String,
    pub organisation: Option<String>,
    pub external: bool,
    pub role: Role,
    pub holder: Option<String>,
    pub substitute_title: Option<String>,
    pub substitute_holder: Option<String>,
}

/// The members of a group: convener first.
pub async fn members(
    db: &PgPool,
    municipality_id: MunicipalityId,
    group_id: Uuid,
    day: NaiveDate,
) -> AppResult<Vec<Member>> {
    Ok(sqlx::query_as!(
        Member,
        r#"select ms.id as membership_id, ms.role as "role: Role", p.id as position_id, p.title, o.name as "organisation?",
                  coalesce(o.external, false) as "external!",
                  ph.name as "holder?",
                  s.title as "substitute_title?", sh.name as "substitute_holder?"
           from membership ms
           join position p on p.id = ms.position_id
           left join organisation o on o.id = p.organisation_id
           left join position s on s.id = p.substitute_position_id
           left join holders_on($2, $3) ph on ph.position_id = p.id
           left join holders_on($2, $3) sh on sh.position_id = s.id
           where ms.work_group_id = $1 and ms.municipality_id = $2
           order by array_position(array['convener','member','may_attend'], ms.role), p.title"#,
        group_id,
        municipality_id.get(),
        day
    )
    .fetch_all(db)
    .await?)
}

/// The municipality's guideline metadata.
#[derive(Debug)]
pub struct Guideline {
    pub title: String,
    pub adopted_by: String,
    pub adopted_on: Option<NaiveDate>,
    pub registry_no: String,
    pub owner: String,
    pub review_due: Option<NaiveDate>,
}

pub async fn guideline(db: &PgPool, municipality_id: MunicipalityId) -> AppResult<Guideline> {
    Ok(sqlx::query_as!(
        Guideline,
        r#"select guideline_title as title, guideline_adopted_by as adopted_by,
                  guideline_adopted_on as adopted_on, guideline_registry_no as registry_no,
                  guideline_owner as owner, guideline_review_due as review_due
           from municipality where id = $1"#,
        municipality_id.get()
    )
    .fetch_one(db)
    .await?)
}

// The calendar feeds (`meetings::feeds`) are addressed by tokens per group.
// A change in the structure that lets a feed outlive a member retires its
// token here, in the change's transaction, so that structure need not call
// into meetings.

/// Retires the feed addresses of the given groups (a new one is made when
/// the group page is next shown).
pub async fn retire_group_feeds(conn: &mut PgConnection, group_ids: &[Uuid]) -> AppResult<u64> {
    Ok(sqlx::query!(
        "delete from calendar_token where work_group_id = any($1)",
        group_ids
    )
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Retires the feed addresses of every group the position sits in: its
/// holder is leaving.
pub async fn retire_feeds_for_position(
    conn: &mut PgConnection,
    position_id: Uuid,
) -> AppResult<u64> {
    let groups = sqlx::query_scalar!(
        "select work_group_id from membership where position_id = $1",
        position_id
    )
    .fetch_all(&mut *conn)
    .await?;
    retire_group_feeds(conn, &groups).await
}

/// The position's title, its row locked for a change of holder.
pub async fn lock_position_title(
    conn: &mut PgConnection,
    m: MunicipalityId,
    id: Uuid,
) -> AppResult<Option<String>> {
    Ok(sqlx::query_scalar!(
        "select title from position where id = $1 and municipality_id = $2 for update",
        id,
        m.get()
    )
    .fetch_optional(conn)
    .await?)
}

/// The name of a person the municipality knows.
pub async fn person_name(
    conn: &mut PgConnection,
    m: MunicipalityId,
    person: Uuid,
) -> AppResult<Option<String>> {
    Ok(sqlx::query_scalar!(
        r#"select p.name from person p join person_municipality pm on pm.person_id = p.id
           where p.id = $1 and pm.municipality_id = $2"#,
        person,
        m.get()
    )
    .fetch_optional(conn)
    .await?)
}

/// A holding of a position.
pub struct Holding {
    pub id: Uuid,
    pub person_id: Uuid,
    pub held_from: NaiveDate,
    pub name: String,
}

/// The position's holdings that last until `from` or later, earliest first.
pub async fn holdings_from(
    conn: &mut PgConnection,
    position: Uuid,
    from: NaiveDate,
) -> AppResult<Vec<Holding>> {
    Ok(sqlx::query_as!(
        Holding,
        r#"select h.id, h.person_id, h.held_from, pe.name from position_holder h
           join person pe on pe.id = h.person_id
           where h.position_id = $1 and (h.held_to is null or h.held_to >= $2)
           order by h.held_from"#,
        position,
        from
    )
    .fetch_all(conn)
    .await?)
}

/// Ends a holding on `to` (inclusive).
pub async fn end_holding(
    conn: &mut PgConnection,
    m: MunicipalityId,
    holding: Uuid,
    to: NaiveDate,
) -> AppResult<()> {
    sqlx::query!(
        "update position_holder set held_to = $2 where id = $1 and municipality_id = $3",
        holding,
        to,
        m.get()
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A person holds the position from `from`.
pub async fn add_holder(
    conn: &mut PgConnection,
    m: MunicipalityId,
    position: Uuid,
    person: Uuid,
    from: NaiveDate,
) -> AppResult<()> {
    sqlx::query!(
        r#"insert into position_holder (id, municipality_id, position_id, person_id, held_from)
           values ($1, $2, $3, $4, $5)"#,
        Uuid::now_v7(),
        m.get(),
        position,
        person,
        from
    )
    .execute(conn)
    .await?;
    Ok(())
}
