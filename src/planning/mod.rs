//! `/planering`: the knowledge-based work the law asks for. Goals (vision,
//! goals, sub-goals) with follow-ups; decision material (priority
//! proposals, cause analyses, action plans) and its trail to the meeting
//! that decided it; measures with progress; kartläggning sources; and the
//! periodic lägesbild built from EST data and the sources; medborgarlöften
//! and the municipality's public page (`/offentligt/{kommun}`).

pub mod db;
pub mod demo;
pub mod effect;
pub mod goals;
pub mod lagesbild;
pub mod material;
pub mod measures;
pub mod model;
pub mod overview;
pub mod promises;
pub mod public;
pub mod sources;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::routing::{get, post};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::extract::CurrentUser;
use crate::web::seats::Access;

/// The routes of this feature.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/planering", get(overview::page))
        .route("/planering/mal", post(goals::create))
        .route(
            "/planering/mal/{id}",
            get(goals::show).post(goals::follow_up),
        )
        .route("/planering/underlag", post(material::create))
        .route(
            "/planering/underlag/{id}",
            get(material::show).post(material::handle),
        )
        .route("/planering/atgarder", post(measures::create))
        .route(
            "/planering/atgarder/{id}",
            get(measures::show).post(measures::progress),
        )
        .route(
            "/planering/atgarder/{id}/effekt",
            post(measures::targets::save),
        )
        .route("/planering/kallor", post(sources::create))
        .route("/planering/kallor/{id}/dokument", get(sources::document))
        .route("/planering/lagesbild", post(lagesbild::create))
        .route("/planering/lagesbild/{id}", get(lagesbild::show))
        .route("/planering/installningar", post(overview::save_settings))
        .route(
            "/planering/medborgarloften",
            get(promises::list).post(promises::create),
        )
        .route(
            "/planering/medborgarloften/{id}",
            get(promises::show).post(promises::update),
        )
        .route("/offentligt/{kommun}", get(public::page))
}

/// Who reads and who prepares the planning.
pub struct PlanningAccess {
    /// The coordinator and the kommunpolis prepare the material.
    pub edit: bool,
}

impl PlanningAccess {
    /// The Styrgrupp, the beredningsgrupp, the coordinator and the
    /// kommunpolis read; anyone else is refused.
    pub async fn load(db: &sqlx::PgPool, user: &CurrentUser) -> AppResult<Self> {
        let access = Access::load(db, user).await?;
        let leading: Vec<Uuid> = sqlx::query_scalar!(
            "select id from work_group where municipality_id = $1 and tier in ('styrgrupp', 'beredningsgrupp')",
            user.tenant().get()
        )
        .fetch_all(db)
        .await?;
        let edit = access.admin || access.oversight;
        if !edit && !leading.iter().any(|g| access.sits_in(*g)) {
            return Err(AppError::Forbidden);
        }
        Ok(Self { edit })
    }

    pub fn require_edit(&self) -> AppResult<()> {
        if self.edit {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// The person preparing the planning (the coordinator, the kommunpolis),
/// as a handler's extractor: anyone else is refused before the handler runs.
pub struct PlanningEditor(pub CurrentUser);

impl FromRequestParts<AppState> for PlanningEditor {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> AppResult<Self> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        PlanningAccess::load(&state.db, &user)
            .await?
            .require_edit()?;
        Ok(Self(user))
    }
}
