//! Queries for the structure. Every function takes the municipality id from
//! the signed-in user and filters by it.

use chrono::NaiveDate;
use sqlx::PgPool;
use uuid::Uuid;

use super::model::{Role, Tier};
use crate::error::{AppError, AppResult};

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
    municipality_id: Uuid,
    day: NaiveDate,
) -> AppResult<Vec<GroupSummary>> {
    let rows = sqlx::query!(
        r#"select g.id, g.name, g.tier, g.task, g.cadence_text, g.focus_area,
                  g.active_from, g.active_to, a.name as "appointed_by?",
                  c.title as "convener?", holder_name(c.id, $2) as convener_holder,
                  (select count(*) from membership ms where ms.work_group_id = g.id) as "member_count!"
           from work_group g
           left join work_group a on a.id = g.appointed_by_group_id
           left join lateral (
               select p.id, p.title from membership ms join position p on p.id = ms.position_id
               where ms.work_group_id = g.id and ms.role = 'convener'
               order by p.title limit 1
           ) c on true
           where g.municipality_id = $1
           order by array_position(array['styrgrupp','beredningsgrupp','permanent','temporary'], g.tier),
                    g.sort_order, g.name"#,
        municipality_id,
        day
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| GroupSummary {
            id: r.id,
            name: r.name,
            tier: Tier::from_db(&r.tier),
            task: r.task,
            cadence_text: r.cadence_text,
            focus_area: r.focus_area,
            active_from: r.active_from,
            active_to: r.active_to,
            appointed_by: r.appointed_by,
            convener: r.convener,
            convener_holder: r.convener_holder,
            member_count: r.member_count,
        })
        .collect())
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
pub async fn group(db: &PgPool, municipality_id: Uuid, id: Uuid) -> AppResult<Group> {
    let r = sqlx::query!(
        r#"select g.id, g.name, g.tier, g.task, g.appointed_by_group_id, a.name as "appointed_by?",
                  g.decision_reference, g.focus_area, g.cadence_text, g.weekly_reporting,
                  g.active_from, g.active_to, g.dissolved_reason
           from work_group g
           left join work_group a on a.id = g.appointed_by_group_id
           where g.id = $1 and g.municipality_id = $2"#,
        id,
        municipality_id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(Group {
        id: r.id,
        name: r.name,
        tier: Tier::from_db(&r.tier),
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
    municipality_id: Uuid,
    group_id: Uuid,
    day: NaiveDate,
) -> AppResult<Vec<Member>> {
    let rows = sqlx::query!(
        r#"select ms.id, ms.role, p.id as position_id, p.title, o.name as "organisation?",
                  coalesce(o.external, false) as "external!",
                  holder_name(p.id, $3) as holder,
                  s.title as "substitute_title?", holder_name(s.id, $3) as substitute_holder
           from membership ms
           join position p on p.id = ms.position_id
           left join organisation o on o.id = p.organisation_id
           left join position s on s.id = p.substitute_position_id
           where ms.work_group_id = $1 and ms.municipality_id = $2
           order by array_position(array['convener','member','may_attend'], ms.role), p.title"#,
        group_id,
        municipality_id,
        day
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Member {
            membership_id: r.id,
            position_id: r.position_id,
            title: r.title,
            organisation: r.organisation,
            external: r.external,
            role: Role::from_db(&r.role),
            holder: r.holder,
            substitute_title: r.substitute_title,
            substitute_holder: r.substitute_holder,
        })
        .collect())
}

/// A group the signed-in person takes part in, and how.
#[derive(Debug)]
pub struct MyGroup {
    pub id: Uuid,
    pub name: String,
    pub tier: Tier,
    pub position: String,
    /// "Sammankallande", "Ledamot", … or "Ersättare för Kommundirektör".
    pub how: String,
}

/// Groups (active on `day`) the person sits in through a position held on
/// `day`, directly or as the substitute position of a member.
pub async fn my_groups(
    db: &PgPool,
    municipality_id: Uuid,
    person_id: Uuid,
    day: NaiveDate,
) -> AppResult<Vec<MyGroup>> {
    let rows = sqlx::query!(
        r#"select g.id, g.name, g.tier, p.title as position, ms.role,
                  case when ms.position_id = p.id then null else mp.title end as substitute_for
           from position_holder h
           join position p on p.id = h.position_id
           join position mp on mp.id = p.id or mp.substitute_position_id = p.id
           join membership ms on ms.position_id = mp.id
           join work_group g on g.id = ms.work_group_id
           where h.person_id = $1 and h.municipality_id = $2
             and h.held_from <= $3 and (h.held_to is null or h.held_to >= $3)
             and g.active_from <= $3 and (g.active_to is null or g.active_to >= $3)
           order by array_position(array['styrgrupp','beredningsgrupp','permanent','temporary'], g.tier),
                    g.sort_order, g.name"#,
        person_id,
        municipality_id,
        day
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| MyGroup {
            id: r.id,
            name: r.name,
            tier: Tier::from_db(&r.tier),
            position: r.position,
            how: match r.substitute_for {
                Some(of) => format!("Ersättare för {of}"),
                None => Role::from_db(&r.role).label().to_owned(),
            },
        })
        .collect())
}

/// A position a person holds in this municipality.
#[derive(Debug)]
pub struct MyPosition {
    pub title: String,
    pub organisation: Option<String>,
    pub held_from: NaiveDate,
    pub held_to: Option<NaiveDate>,
}

/// Positions held on `day` in this municipality.
pub async fn my_positions(
    db: &PgPool,
    municipality_id: Uuid,
    person_id: Uuid,
    day: NaiveDate,
) -> AppResult<Vec<MyPosition>> {
    Ok(sqlx::query_as!(
        MyPosition,
        r#"select p.title, o.name as "organisation?", h.held_from, h.held_to
           from position_holder h
           join position p on p.id = h.position_id
           left join organisation o on o.id = p.organisation_id
           where h.person_id = $1 and h.municipality_id = $2
             and h.held_from <= $3 and (h.held_to is null or h.held_to >= $3)
           order by p.title"#,
        person_id,
        municipality_id,
        day
    )
    .fetch_all(db)
    .await?)
}

/// Member positions of active groups that nobody holds on `day`.
pub async fn vacant_member_positions(
    db: &PgPool,
    municipality_id: Uuid,
    day: NaiveDate,
) -> AppResult<Vec<(Uuid, String)>> {
    let rows = sqlx::query!(
        r#"select distinct p.id, p.title
           from position p
           join membership ms on ms.position_id = p.id
           join work_group g on g.id = ms.work_group_id
           where p.municipality_id = $1
             and (g.active_to is null or g.active_to >= $2)
             and holder_name(p.id, $2) is null
           order by p.title"#,
        municipality_id,
        day
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.title)).collect())
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

pub async fn guideline(db: &PgPool, municipality_id: Uuid) -> AppResult<Guideline> {
    Ok(sqlx::query_as!(
        Guideline,
        r#"select guideline_title as title, guideline_adopted_by as adopted_by,
                  guideline_adopted_on as adopted_on, guideline_registry_no as registry_no,
                  guideline_owner as owner, guideline_review_due as review_due
           from municipality where id = $1"#,
        municipality_id
    )
    .fetch_one(db)
    .await?)
}
