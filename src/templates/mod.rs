//! Structure templates (issue 14): a municipality's structure without
//! people as JSON (`samordna-mall`, docs/templates.md), the built-in ones
//! (Brå's generic model, Lindesberg's guideline), the coordinator's
//! download `/admin/mall.json`, and creating a municipality from a
//! template (the operator's pages and `samordna mall importera` call
//! [`create_municipality`]).

mod builtin;
mod check;
pub mod db;
pub mod model;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

pub use builtin::{Builtin, builtin};
pub use check::parse;
pub use db::{
    NO_COORDINATOR_POSITION, NewMunicipality, appoint_coordinator, create_municipality, export,
};
pub use model::Template;

use crate::error::AppResult;
use crate::state::AppState;
use crate::web::extract::Admin;

/// The routes of this feature.
pub fn router() -> Router<AppState> {
    Router::new().route("/admin/mall.json", get(download))
}

/// `GET /admin/mall.json`: the coordinator's municipality as a template.
#[tracing::instrument(skip_all, fields(person.id = %user.id()))]
async fn download(
    State(state): State<AppState>,
    Admin(user): Admin,
) -> AppResult<impl IntoResponse> {
    let mut conn = state.db.acquire().await?;
    let template = export(&mut conn, user.tenant()).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"samordna-mall-{}.json\"",
                    user.municipality.slug
                ),
            ),
        ],
        template.to_json(),
    ))
}

#[cfg(test)]
mod tests;
