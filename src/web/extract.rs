//! Who is asking: `SignedIn` (a person with a valid session) and
//! `CurrentUser` (a person working in one municipality, with the rights
//! that their positions give there today).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use crate::auth::identity::PersonRow;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::layout::{Chrome, FlashJar, NavUser, Sections};
use crate::web::today;

/// Session key under which [`SessionAuth`] is stored.
pub const AUTH_KEY: &str = "auth";

/// What the session remembers about the signed-in person.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionAuth {
    pub person_id: Uuid,
    /// Must match `person.session_generation`; a password change bumps it.
    pub generation: i32,
    pub municipality_id: Option<Uuid>,
    /// When the person signed in: the session ends a fixed time after it
    /// (`SAMORDNA_SESSION_MAX_HOURS`). Sessions from before this field
    /// existed read as 1970 and so end at once.
    #[serde(default)]
    pub signed_in_at: DateTime<Utc>,
    /// When the idle expiry was last moved forward; it moves at most once
    /// per [`TOUCH_INTERVAL_SECS`], so page views do not write.
    #[serde(default)]
    pub touched_at: DateTime<Utc>,
}

/// How seldom the idle expiry of a session is moved forward (and written).
pub const TOUCH_INTERVAL_SECS: i64 = 5 * 60;

impl SessionAuth {
    /// A session for `person_id` starting now.
    pub fn new(person_id: Uuid, generation: i32, municipality_id: Option<Uuid>) -> Self {
        let now = Utc::now();
        Self {
            person_id,
            generation,
            municipality_id,
            signed_in_at: now,
            touched_at: now,
        }
    }
}

/// A signed-in person, whatever municipality they work in.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub must_change_password: bool,
    /// An operator (driften): refused on every municipal page.
    pub is_operator: bool,
    pub auth: SessionAuth,
    pub session: Session,
    /// Where the one-shot message for the next page is kept.
    pub flash: FlashJar,
}

/// The person row, from memory or (once) from the database.
async fn person_row(state: &AppState, id: Uuid) -> AppResult<Option<PersonRow>> {
    if let Some(row) = state.identity.person(id) {
        return Ok(row);
    }
    let epoch = state.identity.epoch();
    let row = sqlx::query_as!(
        PersonRow,
        r#"select name, email, active, must_change_password, session_generation,
                  exists (select 1 from operator o where o.person_id = person.id) as "is_operator!"
           from person where id = $1"#,
        id
    )
    .fetch_optional(&state.db)
    .await?;
    state.identity.put_person(id, row.clone(), epoch);
    Ok(row)
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::Unauthorized)?;
        let Some(mut auth) = session.get::<SessionAuth>(AUTH_KEY).await? else {
            return Err(AppError::Unauthorized);
        };
        let now = Utc::now();
        let lifetime = chrono::Duration::minutes(state.config.session_max_minutes);
        let person = person_row(state, auth.person_id).await?;
        match person {
            Some(p)
                if p.active
                    && p.session_generation == auth.generation
                    && auth.signed_in_at + lifetime > now =>
            {
                if (now - auth.touched_at).num_seconds() >= TOUCH_INTERVAL_SECS {
                    // Moves the idle expiry forward: one write every few minutes.
                    auth.touched_at = now;
                    session.insert(AUTH_KEY, &auth).await?;
                }
                Ok(Self {
                    id: auth.person_id,
                    name: p.name,
                    email: p.email,
                    must_change_password: p.must_change_password,
                    is_operator: p.is_operator,
                    auth,
                    session,
                    flash: FlashJar::from_parts(parts, state),
                })
            }
            _ => {
                // Deactivated, the password changed elsewhere, or signed in
                // too long ago: end this session.
                session.flush().await?;
                Err(AppError::Unauthorized)
            }
        }
    }
}

impl Sections {
    /// The sections a person's seats give them (the pages check again).
    pub fn of(w: &Workplace) -> Self {
        let all = w.is_admin || w.oversight;
        Self {
            dashboard: all || w.steering || w.council || w.reporting,
            planning: all || w.steering || w.council,
            est: all || w.council || w.reporting || w.tip_moderator,
        }
    }
}

/// A municipality the person works in.
#[derive(Clone, Debug)]
pub struct Workplace {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub is_admin: bool,
    /// Sees every group's meetings and reports (coordinator, kommunpolis).
    pub oversight: bool,
    /// Sits in a styrgrupp, a beredningsgrupp, or the weekly-reporting group
    /// (directly or as a substitute); decides which sections the menu shows.
    pub steering: bool,
    pub council: bool,
    pub reporting: bool,
    /// Holds a position the coordinator appointed to moderate the public's tips.
    pub tip_moderator: bool,
    /// The operator has suspended the municipality: nobody may use it.
    pub suspended: bool,
}

/// The municipalities where a person holds a position today, from memory
/// when the seats have not changed since they were last read.
pub async fn workplaces(state: &AppState, person_id: Uuid) -> AppResult<Arc<Vec<Workplace>>> {
    let day = today();
    if let Some(seats) = state.identity.seats(person_id, day) {
        return Ok(seats);
    }
    let epoch = state.identity.epoch();
    let seats = Arc::new(load_workplaces(&state.db, person_id, day).await?);
    state
        .identity
        .put_seats(person_id, day, Arc::clone(&seats), epoch);
    Ok(seats)
}

async fn load_workplaces(
    db: &sqlx::PgPool,
    person_id: Uuid,
    day: chrono::NaiveDate,
) -> AppResult<Vec<Workplace>> {
    let rows = sqlx::query!(
        r#"select m.id, m.name, m.slug, bool_or(p.grants_admin) as "is_admin!",
                  bool_or(p.grants_admin or p.oversight) as "oversight!",
                  coalesce(bool_or(g.tier = 'styrgrupp'), false) as "steering!",
                  coalesce(bool_or(g.tier = 'beredningsgrupp'), false) as "council!",
                  coalesce(bool_or(g.weekly_reporting), false) as "reporting!",
                  bool_or(exists (select 1 from tip_moderator tm
                                  where tm.position_id = p.id and tm.municipality_id = m.id))
                      as "tip_moderator!",
                  m.suspended_at is not null as "suspended!"
           from position_holder h
           join position p on p.id = h.position_id
           join municipality m on m.id = h.municipality_id
           left join position mp on mp.id = p.id or mp.substitute_position_id = p.id
           left join membership ms on ms.position_id = mp.id
           left join work_group g on g.id = ms.work_group_id
                and g.active_from <= $2 and (g.active_to is null or g.active_to >= $2)
           where h.person_id = $1
             and h.held_from <= $2 and (h.held_to is null or h.held_to >= $2)
           group by m.id
           order by m.name"#,
        person_id,
        day
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Workplace {
            id: r.id,
            name: r.name,
            slug: r.slug,
            is_admin: r.is_admin,
            oversight: r.oversight,
            steering: r.steering,
            council: r.council,
            reporting: r.reporting,
            tip_moderator: r.tip_moderator,
            suspended: r.suspended,
        })
        .collect())
}

/// A person working in one municipality. Every query of municipal data is
/// scoped by `municipality.id`, which comes from here, never from a form.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub person: SignedIn,
    pub municipality: Workplace,
    pub can_switch: bool,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let person = SignedIn::from_request_parts(parts, state).await?;
        if person.must_change_password {
            return Err(AppError::MustChangePassword);
        }
        if person.is_operator {
            // Driften runs the deployment and reads no municipality's records.
            return Err(AppError::OperatorOnly);
        }
        let places = workplaces(state, person.id).await?;
        let chosen = person
            .auth
            .municipality_id
            .and_then(|id| places.iter().find(|w| w.id == id).cloned());
        let Some(municipality) = chosen else {
            return Err(AppError::ChooseMunicipality);
        };
        if municipality.suspended {
            return Err(AppError::Suspended);
        }
        if let Some(changed_in) = parts.extensions.get::<crate::page_cache::ChangedIn>() {
            changed_in.set(crate::tenant::MunicipalityId::of_row(municipality.id));
        }
        Ok(Self {
            can_switch: places.len() > 1,
            person,
            municipality,
        })
    }
}

/// A [`CurrentUser`] who administers the municipality (the coordinator):
/// handlers that maintain the structure take this, so a request without
/// the right is refused before the handler runs.
#[derive(Clone, Debug)]
pub struct Admin(pub CurrentUser);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        user.require_admin()?;
        Ok(Self(user))
    }
}

impl CurrentUser {
    /// The person's id.
    pub fn id(&self) -> Uuid {
        self.person.id
    }

    /// The municipality (tenant) this request works in, as the type that
    /// `db.rs` functions take.
    pub fn tenant(&self) -> crate::tenant::MunicipalityId {
        crate::tenant::MunicipalityId::of_row(self.municipality.id)
    }

    /// Administrators (the coordinator) maintain the structure.
    pub fn require_admin(&self) -> AppResult<()> {
        if self.municipality.is_admin {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The page chrome for this user; takes the pending flash.
    pub async fn chrome(&self, section: &'static str) -> Chrome {
        Chrome::for_user(
            nav_user(
                &self.person.name,
                Some(&self.municipality),
                self.can_switch,
                false,
            ),
            &self.person.flash,
            section,
        )
        .await
    }
}

/// The menu of a person working in `place` (none: only their account).
fn nav_user(name: &str, place: Option<&Workplace>, can_switch: bool, operator: bool) -> NavUser {
    NavUser {
        name: name.to_owned(),
        operator,
        municipality: place.map(|w| w.name.clone()),
        is_admin: place.is_some_and(|w| w.is_admin),
        can_switch,
        sections: place.map(Sections::of).unwrap_or_default(),
    }
}

impl SignedIn {
    /// Chrome for pages that do not need a municipality (account, choice,
    /// the accessibility statement). A person who has chosen where to work
    /// keeps that municipality's menu here too; one who must first change
    /// their password or choose a municipality sees only their account.
    pub async fn chrome(&self, state: &AppState, section: &'static str) -> AppResult<Chrome> {
        let places = workplaces(state, self.id).await?;
        let place = self
            .auth
            .municipality_id
            .filter(|_| !self.must_change_password && !self.is_operator)
            .and_then(|id| places.iter().find(|w| w.id == id));
        let can_switch = place.is_some() && places.len() > 1;
        Ok(Chrome::for_user(
            nav_user(&self.name, place, can_switch, self.is_operator),
            &self.flash,
            section,
        )
        .await)
    }
}
