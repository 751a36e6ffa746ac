//! The structure: municipalities' tiers and groups, positions and their
//! holders, organisations; the start page, `/struktur`, group pages and the
//! coordinator's `/admin`.

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
        .route("/", get(handlers::home))
        .route("/struktur", get(handlers::structure))
        .route("/grupper/{id}", get(handlers::group_page))
        .merge(admin::router())
}
