//! Who may do what with EST reports: members of the reporting group file
//! for their own organisation; the reporting group, the beredningsgrupp,
//! the coordinator and the kommunpolis read the lägesbild; only the
//! coordinator and the kommunpolis see who wrote an entry.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::week::ReportWeek;
use crate::error::{AppError, AppResult};
use crate::meetings::access::Access;
use crate::meetings::schedule::day_start;
use crate::web::extract::CurrentUser;
use crate::web::today;

/// An organisation the person reports for.
#[derive(Clone, Debug)]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
}

/// The person's rights over EST in their municipality.
pub struct EstAccess {
    /// The group with weekly reporting (Lindesberg's EST), if any.
    pub group_id: Option<Uuid>,
    pub group_name: String,
    pub interval_weeks: i16,
    pub reporter_for: Vec<Organisation>,
    pub can_read: bool,
    /// Sees writers, marks duplicates, unlocks reports (coordinator, kommunpolis).
    pub oversight: bool,
    pub admin: bool,
}

impl EstAccess {
    pub async fn load(db: &sqlx::PgPool, user: &CurrentUser) -> AppResult<Self> {
        let access = Access::load(db, user).await?;
        Self::with_access(db, user, &access).await
    }

    /// The same, from seats already loaded (the dashboard needs both).
    pub async fn with_access(
        db: &sqlx::PgPool,
        user: &CurrentUser,
        access: &Access,
    ) -> AppResult<Self> {
        let m = user.municipality_id();
        let day = today();
        let group = sqlx::query!(
            r#"select g.id as "id?", g.name as "name?", mu.report_interval_weeks from municipality mu
               left join work_group g on g.municipality_id = mu.id and g.weekly_reporting
                    and g.active_from <= $2 and (g.active_to is null or g.active_to >= $2)
               where mu.id = $1 order by g.name limit 1"#,
            m,
            day
        )
        .fetch_one(db)
        .await?;
        let reporter_for = match group.id {
            Some(g) => sqlx::query_as!(
                Organisation,
                r#"select distinct o.id, o.name from position_holder h
                   join position p on p.id = h.position_id
                   join organisation o on o.id = p.organisation_id
                   join membership ms on ms.position_id = p.id and ms.work_group_id = $3 and ms.role <> 'convener'
                   where h.person_id = $1 and h.municipality_id = $2
                     and h.held_from <= $4 and (h.held_to is null or h.held_to >= $4)
                   order by o.name"#,
                user.id(),
                m,
                g,
                day
            )
            .fetch_all(db)
            .await?,
            None => Vec::new(),
        };
        let councils: Vec<Uuid> = sqlx::query_scalar!(
            "select id from work_group where municipality_id = $1 and tier = 'beredningsgrupp'",
            m
        )
        .fetch_all(db)
        .await?;
        let oversight = access.admin || access.oversight;
        let can_read = oversight
            || group.id.is_some_and(|g| access.sits_in(g))
            || councils.iter().any(|c| access.sits_in(*c));
        Ok(Self {
            group_id: group.id,
            group_name: group.name.unwrap_or_default(),
            interval_weeks: group.report_interval_weeks,
            reporter_for,
            can_read,
            oversight,
            admin: access.admin,
        })
    }

    pub fn require_read(&self) -> AppResult<()> {
        if self.can_read {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn require_oversight(&self) -> AppResult<()> {
        if self.oversight {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The organisation a person may file for: the chosen one if allowed.
    pub fn reporting_organisation(&self, chosen: Option<Uuid>) -> AppResult<&Organisation> {
        match chosen {
            Some(id) => self
                .reporter_for
                .iter()
                .find(|o| o.id == id)
                .ok_or(AppError::Forbidden),
            None => self.reporter_for.first().ok_or(AppError::Forbidden),
        }
    }

    /// The week people report for now: this week until its meeting starts,
    /// then the next.
    pub async fn open_week(
        &self,
        db: &sqlx::PgPool,
        municipality_id: Uuid,
    ) -> AppResult<ReportWeek> {
        let week = ReportWeek::containing(today(), self.interval_weeks);
        if self.deadline(db, municipality_id, week).await? <= Utc::now() {
            Ok(week.next(self.interval_weeks))
        } else {
            Ok(week)
        }
    }

    /// When a week's reports lock: the start of that period's EST meeting,
    /// or the end of the period when no meeting is planned.
    pub async fn deadline(
        &self,
        db: &sqlx::PgPool,
        municipality_id: Uuid,
        week: ReportWeek,
    ) -> AppResult<DateTime<Utc>> {
        let end = day_start(week.end(self.interval_weeks));
        let Some(group) = self.group_id else {
            return Ok(end);
        };
        let meeting = sqlx::query_scalar!(
            r#"select min(starts_at) from meeting
               where municipality_id = $1 and work_group_id = $2 and status <> 'cancelled'
                 and starts_at >= $3 and starts_at < $4"#,
            municipality_id,
            group,
            day_start(week.monday),
            end
        )
        .fetch_one(db)
        .await?;
        Ok(meeting.unwrap_or(end))
    }
}
