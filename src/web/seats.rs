//! The seats a person holds (the `seat` view, migration 0027) and what
//! they allow.
//!
//! Who may see and schedule which group's meetings: the coordinator
//! (administrator) everything; the kommunpolis (oversight) sees everything;
//! a group's convener schedules and records its meetings; members and their
//! substitutes see their groups' meetings.

use std::collections::HashMap;

use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::web::extract::CurrentUser;
use crate::web::today;

/// The signed-in person's rights over meetings in their municipality.
#[derive(Debug)]
pub struct Access {
    pub admin: bool,
    pub oversight: bool,
    /// Group → whether the person convenes it.
    groups: HashMap<Uuid, bool>,
}

impl Access {
    /// Loads the person's group seats today (directly or as a substitute).
    pub async fn load(db: &sqlx::PgPool, user: &CurrentUser) -> AppResult<Self> {
        let rows = sqlx::query!(
            r#"select work_group_id as "group_id!", bool_or(direct and role = 'convener') as "convener!"
               from seat
               where person_id = $1 and municipality_id = $2
                 and held_from <= $3 and (held_to is null or held_to >= $3)
               group by work_group_id"#,
            user.id(),
            user.tenant().get(),
            today()
        )
        .fetch_all(db)
        .await?;
        Ok(Self {
            admin: user.municipality.is_admin,
            oversight: user.municipality.oversight,
            groups: rows.into_iter().map(|r| (r.group_id, r.convener)).collect(),
        })
    }

    pub fn can_see(&self, group: Uuid) -> bool {
        self.admin || self.oversight || self.groups.contains_key(&group)
    }

    /// Sits in the group (directly or as a substitute's position).
    pub fn sits_in(&self, group: Uuid) -> bool {
        self.groups.contains_key(&group)
    }

    pub fn can_schedule(&self, group: Uuid) -> bool {
        self.admin || self.groups.get(&group).copied().unwrap_or(false)
    }

    /// Whether the person schedules for any group at all.
    pub fn schedules_any(&self) -> bool {
        self.admin || self.groups.values().any(|convener| *convener)
    }

    /// `None` when every group is visible, else the visible groups.
    pub fn visible_groups(&self) -> Option<Vec<Uuid>> {
        (!(self.admin || self.oversight)).then(|| self.groups.keys().copied().collect())
    }

    /// Refuses with 404 (not 403: the meeting's existence is not disclosed)
    /// unless the group is visible.
    pub fn require_see(&self, group: Uuid) -> AppResult<()> {
        if self.can_see(group) {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Refuses with 403 unless the person schedules for the group.
    pub fn require_schedule(&self, group: Uuid) -> AppResult<()> {
        if self.can_schedule(group) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}
