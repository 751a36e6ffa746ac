//! The start page (`/`): what the signed-in person holds, sits in and
//! has waiting, gathered from every feature. Nothing imports this module.

mod db;
mod getting_started;
mod model;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};

use self::db::{MyGroup, MyPosition};
use self::model::{Need, needs};
use crate::error::AppResult;
use crate::meetings::db as meetings_db;
use crate::page_cache;
use crate::state::AppState;
use crate::web::extract::CurrentUser;
use crate::web::layout::Chrome;
use crate::web::today;

/// The start page's route.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/kom-igang/{step}", post(getting_started::confirm))
}

#[derive(Template, WebTemplate)]
#[template(path = "home/index.html")]
pub struct HomePage {
    chrome: Chrome,
    name: String,
    municipality: String,
    positions: Vec<MyPosition>,
    groups: Vec<MyGroup>,
    needs: Vec<Need>,
    /// The first 30 minutes' checklist, while a new municipality has steps left.
    getting_started: Option<getting_started::Checklist>,
    /// May open /oversikt (linked when nothing waits).
    dashboard: bool,
    meetings: Vec<meetings_db::Meeting>,
    measures: Vec<MyMeasure>,
}

/// A measure the signed-in person is responsible for.
pub struct MyMeasure {
    pub id: uuid::Uuid,
    pub title: String,
    pub due_on: NaiveDate,
    pub percent_done: i32,
    pub state: &'static str,
}

/// `GET /`: one statement (see [`db::start_page`]).
#[tracing::instrument(skip_all, fields(person.id = %user.id()))]
async fn home(State(state): State<AppState>, user: CurrentUser) -> AppResult<HomePage> {
    let day = today();
    let now = page_cache::minute(Utc::now());
    let w = &user.municipality;
    let key = format!(
        "{}:{day}:{now}:{}:{}:{}:{}",
        user.id(),
        w.is_admin,
        w.oversight,
        w.steering,
        w.council
    );
    let page = state
        .pages
        .get_or_load(user.tenant(), key, || {
            db::start_page(&state.db, &user, day, now)
        })
        .await?;
    let page = db::StartPage::clone(&page);
    let needs = needs(&page, user.municipality.is_admin, day);
    let getting_started = page.getting_started.as_ref().and_then(|facts| {
        let vacant = page.vacant.as_ref().map_or(0, Vec::len);
        let unplanned = page
            .signals
            .iter()
            .any(|s| s.kind == db::SignalKind::NoMeeting);
        getting_started::checklist(facts, vacant, unplanned)
    });
    let dashboard = crate::web::layout::Sections::of(&user.municipality).dashboard;
    Ok(HomePage {
        meetings: page.meetings,
        measures: page
            .measures
            .into_iter()
            .map(|r| MyMeasure {
                state: crate::planning::model::state_label(r.status, r.due_on, day),
                id: r.id,
                title: r.title,
                due_on: r.due_on,
                percent_done: r.percent_done,
            })
            .collect(),
        chrome: user.chrome("start").await,
        name: user.person.name.clone(),
        municipality: user.municipality.name.clone(),
        positions: page.positions,
        groups: page.groups,
        needs,
        getting_started,
        dashboard,
    })
}
