//! Meetings: cadence per group, scheduling (single meetings and whole terms),
//! kallelse by e-mail with iCalendar, calendar feeds, the meeting record
//! (attendance, minutes, decisions) and cadence compliance.

pub mod cadence;
pub mod calendar;
pub mod db;
pub mod demo;
pub mod feeds;
pub mod group;
pub mod ics;
pub mod invitations;
pub mod model;
pub mod month;
pub mod record;
pub mod schedule;
pub mod term;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

/// The routes of this feature.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/moten", get(month::index))
        .route("/moten/ny", get(schedule::new_page).post(schedule::create))
        .route("/moten/planera", get(term::plan_page).post(term::plan_save))
        .route("/moten/{id}", get(schedule::show).post(schedule::update))
        .route("/moten/{id}/stall-in", post(schedule::cancel))
        .route("/moten/{id}/kallelse", post(invitations::send_invitation))
        .route("/moten/{id}/protokoll", post(record::save_record))
        .route("/moten/{id}/beslut", post(record::add_decision))
        .route(
            "/moten/{id}/justera",
            get(record::approve_preview).post(record::approve),
        )
        .route("/moten/{id}/forhinder", post(record::regrets))
        .route("/moten/{id}/kalender.ics", get(invitations::download))
        .route("/grupper/{id}", get(group::page))
        .route(
            "/grupper/{id}/motesrytm",
            get(cadence::edit_page).post(cadence::save),
        )
        .route("/kalender/{file}", get(feeds::person_feed))
        .route("/kalender/grupp/{file}", get(feeds::group_feed))
        .route(
            "/admin/grupper/{id}/kalender",
            post(feeds::renew_group_token),
        )
        .route("/konto/kalender", post(feeds::renew_token))
}

pub use model::{long_date, month_name};
