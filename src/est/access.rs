//! Who may do what with EST reports: members of the reporting group file
//! for their own organisation; the reporting group, the beredningsgrupp,
//! the coordinator and the kommunpolis read the lägesbild; only the
//! coordinator and the kommunpolis see who wrote an entry.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use sqlx::types::Json;
use uuid::Uuid;

use super::week::ReportWeek;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::day_start;
use crate::web::extract::CurrentUser;
use crate::web::seats::Access;
use crate::web::today;

/// An organisation the person reports for.
#[derive(Clone, Debug, Deserialize)]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
}

/// The person's rights over EST in their municipality.
#[derive(Clone)]
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
    /// Holds a position the coordinator appointed to moderate the public's
    /// tips (the queue at /est/tips); only [`Self::load`] reads it.
    pub tip_moderator: bool,
}

impl EstAccess {
    /// The person's EST rights in one statement: the reporting group, the
    /// organisations they file for, and whether they sit in that group or
    /// in a beredningsgrupp (directly or through a substitute's position,
    /// as [`Access`] counts seats). Administrator and oversight come from
    /// the cached seats.
    pub async fn load(db: &sqlx::PgPool, user: &CurrentUser) -> AppResult<Self> {
        let row = sqlx::query!(
            r#"with grp as (
                   select g.id, g.name from work_group g
                   where g.municipality_id = $2 and g.weekly_reporting
                     and g.active_from <= $3 and (g.active_to is null or g.active_to >= $3)
                   order by g.name limit 1
               ),
               held as (
                   select p.id, p.organisation_id from position_holder h
                   join position p on p.id = h.position_id
                   where h.person_id = $1 and h.municipality_id = $2
                     and h.held_from <= $3 and (h.held_to is null or h.held_to >= $3)
               ),
               seat as (
                   select ms.work_group_id from held
                   join position mp on mp.id = held.id or mp.substitute_position_id = held.id
                   join membership ms on ms.position_id = mp.id
               )
               select grp.id as "group_id?", grp.name as "group_name?", mu.report_interval_weeks,
                      (select coalesce(json_agg(o order by o.name), '[]')
                       from (select distinct o.id, o.name from held
                             join organisation o on o.id = held.organisation_id
                             join membership ms on ms.position_id = held.id
                                  and ms.work_group_id = grp.id and ms.role <> 'convener') o)
                          as "reporter_for!: Json<Vec<Organisation>>",
                      exists (select 1 from seat where seat.work_group_id = grp.id
                                 or seat.work_group_id in (select id from work_group
                                                           where municipality_id = $2 and tier = 'beredningsgrupp'))
                          as "sits!",
                      exists (select 1 from tip_moderator tm join held on held.id = tm.position_id
                              where tm.municipality_id = $2) as "tip_moderator!"
               from municipality mu left join grp on true
               where mu.id = $2"#,
            user.id(),
            user.tenant().get(),
            today()
        )
        .fetch_one(db)
        .await?;
        let w = &user.municipality;
        let oversight = w.is_admin || w.oversight;
        Ok(Self {
            group_id: row.group_id,
            group_name: row.group_name.unwrap_or_default(),
            interval_weeks: row.report_interval_weeks,
            reporter_for: row.reporter_for.0,
            can_read: oversight || row.sits,
            oversight,
            admin: w.is_admin,
            tip_moderator: row.tip_moderator,
        })
    }

    /// [`Self::load`], from memory while nothing in the municipality changed.
    pub async fn cached(state: &AppState, user: &CurrentUser) -> AppResult<Arc<Self>> {
        let key = format!("{}:{}", user.id(), today());
        state
            .pages
            .get_or_load(user.tenant(), key, || Self::load(&state.db, user))
            .await
    }

    /// The same, from seats already loaded (the dashboard needs both).
    pub async fn with_access(
        db: &sqlx::PgPool,
        user: &CurrentUser,
        access: &Access,
    ) -> AppResult<Self> {
        let m = user.tenant();
        let day = today();
        let group = sqlx::query!(
            r#"select g.id as "id?", g.name as "name?", mu.report_interval_weeks from municipality mu
               left join work_group g on g.municipality_id = mu.id and g.weekly_reporting
                    and g.active_from <= $2 and (g.active_to is null or g.active_to >= $2)
               where mu.id = $1 order by g.name limit 1"#,
            m.get(),
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
                m.get(),
                g,
                day
            )
            .fetch_all(db)
            .await?,
            None => Vec::new(),
        };
        let councils: Vec<Uuid> = sqlx::query_scalar!(
            "select id from work_group where municipality_id = $1 and tier = 'beredningsgrupp'",
            m.get()
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
            // The dashboard does not link the tip queue.
            tip_moderator: false,
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

    /// The weeks a page may be about, for its statement to pick from: the
    /// chosen week, or this week and the next, of which the statement takes
    /// the first whose reports have not locked (as [`Self::open_week`]).
    pub fn week_choice(&self, chosen: Option<ReportWeek>) -> WeekChoice {
        let weeks = match chosen {
            Some(week) => vec![week],
            None => {
                let week = ReportWeek::containing(today(), self.interval_weeks);
                vec![week, week.next(self.interval_weeks)]
            }
        };
        WeekChoice {
            mondays: weeks.iter().map(|w| w.monday).collect(),
            starts: weeks.iter().map(|w| day_start(w.monday)).collect(),
            ends: weeks
                .iter()
                .map(|w| day_start(w.end(self.interval_weeks)))
                .collect(),
            now: Utc::now(),
        }
    }

    /// The week people report for now: this week until its meeting starts,
    /// then the next.
    pub async fn open_week(
        &self,
        db: &sqlx::PgPool,
        municipality_id: MunicipalityId,
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
        municipality_id: MunicipalityId,
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
            municipality_id.get(),
            group,
            day_start(week.monday),
            end
        )
        .fetch_one(db)
        .await?;
        Ok(meeting.unwrap_or(end))
    }
}

/// Candidate weeks with their bounds, as SQL arrays. A statement takes the
/// first whose deadline (the start of the group's first meeting in the
/// week, else the week's end) is after `now`, else the last.
pub struct WeekChoice {
    pub mondays: Vec<NaiveDate>,
    pub starts: Vec<DateTime<Utc>>,
    pub ends: Vec<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}
