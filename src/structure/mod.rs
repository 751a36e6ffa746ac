//! The structure: municipalities' tiers and groups, positions and their
//! holders, organisations; `/struktur` and the coordinator's `/admin`.
//! It imports no other feature: the start page lives in `home`, the group
//! page (with its meetings) in `meetings::group`.

pub mod admin;
pub mod db;
pub mod handlers;
pub mod model;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// The routes of this feature.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/struktur", get(handlers::structure))
        .merge(admin::router())
}
