//! Tips from the public: a form anyone may send without signing in
//! (`/tips/{kommun}`), a moderation queue under EST for the coordinator and
//! the positions they appoint, and a printable poster with a QR code.
//! Accepted tips count in the week's lägesbild under "Allmänheten", apart
//! from the EST reports.

pub mod model;
pub mod protect;
pub mod public;
pub mod queue;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;

/// The largest tip form accepted: its fields' limits with room to spare.
const BODY_LIMIT: usize = 32 * 1024;

/// The routes of this feature. `/tips/…` is public (no sign-in); the
/// queue under `/est/tips` is for moderators.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/tips/{kommun}",
            get(public::form)
                .post(public::submit)
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/tips/{kommun}/affisch", get(public::poster))
        .route("/tips/{kommun}/karta.svg", get(public::map_image))
        .route("/est/tips", get(queue::queue))
        .route("/est/tips/{id}/godkann", post(queue::accept))
        .route("/est/tips/{id}/avvisa", post(queue::reject))
        .route("/est/tips/{id}/svara", post(queue::reply))
        .route("/est/tips/{id}/ta-bort", post(queue::delete))
        .route("/est/tips/granskare", post(queue::appoint))
        .route("/est/tips/granskare/{id}/ta-bort", post(queue::dismiss))
}
