//! Cooperation agreements (samverkansavtal): the register, versions with
//! fingerprints, signing by the required positions, the counterparty's
//! signature, compliance (external members without an agreement in force)
//! and notifications.

pub mod access;
pub mod compliance;
pub mod db;
pub mod demo;
pub mod handlers;
pub mod model;
pub mod notify;
pub mod pdf;
pub mod settings;
pub mod signing;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;

/// The routes of this feature.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/avtal", get(handlers::index))
        .route("/avtal/ny", get(handlers::new_page).post(handlers::create))
        .route("/avtal/att-signera", get(signing::to_sign))
        .route(
            "/avtal/installningar",
            get(settings::page).post(settings::save),
        )
        .route("/avtal/{id}", get(handlers::show))
        .route(
            "/avtal/{id}/andra",
            get(handlers::edit_page).post(handlers::update),
        )
        .route("/avtal/{id}/skicka", post(handlers::send_for_signing))
        .route("/avtal/{id}/signera", post(signing::sign))
        .route("/avtal/{id}/avsluta", post(handlers::terminate))
        .route("/avtal/{id}/motpart", post(handlers::counterparty))
        .route("/avtal/{id}/dokument/{version}", get(handlers::document))
        .route("/avtal/{id}/kvitto/{signature}", get(signing::receipt))
        // Uploads up to twice the document limit reach the handler, which
        // then refuses anything over the limit with a message by the field.
        .layer(DefaultBodyLimit::max(
            2 * model::MAX_DOCUMENT_BYTES + 64 * 1024,
        ))
}
