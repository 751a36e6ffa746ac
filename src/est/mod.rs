//! EST: the permanent working group's weekly reports (incidents, coming
//! events, cooperation needs), the weekly lägesbild, the personal-data
//! guard, categories and areas with their boundaries (uploaded as GeoJSON),
//! the GeoJSON export of the incidents, and retention (gallring). The map
//! itself is drawn by `crate::map`.

pub mod access;
pub mod boundaries;
pub mod db;
pub mod demo;
pub mod geojson;
/// The personal-data guard lives in `web::guard`: every feature's free texts use it.
pub mod incidents;
pub mod lagesbild;
pub mod model;
pub mod report;
pub mod retention;
pub mod settings;
pub mod week;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use self::report::{EventEntry, NeedEntry, add_entry};
use crate::state::AppState;

/// The routes of this feature.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/est", get(lagesbild::index))
        .route("/est/handelser", get(incidents::list))
        .route("/est/handelser.csv", get(incidents::csv))
        .route("/est/handelser.geojson", get(geojson::geojson))
        .route("/est/rapport", get(report::report_page))
        .route("/est/rapport/handelse", post(report::add_incident))
        .route("/est/rapport/kommande", post(add_entry::<EventEntry>))
        .route("/est/rapport/samverkan", post(add_entry::<NeedEntry>))
        .route("/est/rapport/inget", post(report::nothing))
        .route("/est/rapport/{kind}/{id}/ta-bort", post(report::remove))
        .route("/est/rapport/{kind}/{id}/angra", post(report::undo_remove))
        .route("/est/las-upp", post(report::unlock))
        .route("/est/paminnelse", post(report::remind))
        .route("/est/lagesbild/{week}", get(lagesbild::lagesbild))
        .route(
            "/est/lagesbild/{week}/prioritet",
            post(lagesbild::add_priority),
        )
        .route("/est/prioritet/{id}/utfall", post(lagesbild::set_outcome))
        .route("/est/handelse/{id}/samma", post(lagesbild::mark_duplicate))
        .route("/est/samverkan/{id}", post(lagesbild::update_need))
        .route(
            "/est/installningar",
            get(settings::page).post(settings::save),
        )
        .route("/est/installningar/kategori", post(settings::add_category))
        .route("/est/installningar/polisen", post(settings::save_police))
        .route("/est/installningar/kolada", post(settings::save_kolada))
        .route("/est/installningar/tips", post(settings::save_tip_contact))
        .route("/est/installningar/omrade", post(settings::add_area))
        // A file a little over the limit reaches the handler, which refuses
        // it with a message by the field; far larger bodies are cut off.
        .route(
            "/est/installningar/granser",
            post(boundaries::upload).layer(DefaultBodyLimit::max(
                2 * crate::map::geometry::MAX_UPLOAD_BYTES,
            )),
        )
        .route(
            "/est/installningar/{kind}/{id}/vaxla",
            post(settings::toggle),
        )
}
