//! `/admin`: the coordinator maintains people, organisations, positions and
//! their holders, groups and memberships. Every change is one transaction
//! with its audit row.

mod groups;
mod organisations;
mod people;
mod positions;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};

use crate::error::AppResult;
use crate::state::AppState;
use crate::web::extract::Admin;
use crate::web::format_local;
use crate::web::layout::Chrome;

/// The admin routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(overview))
        .route("/admin/logg", get(audit_log))
        .route("/admin/personer", get(people::list).post(people::create))
        .route(
            "/admin/organisationer",
            get(organisations::list).post(organisations::create),
        )
        .route(
            "/admin/befattningar",
            get(positions::list).post(positions::create),
        )
        .route("/admin/befattningar/{id}", get(positions::show))
        .route(
            "/admin/befattningar/{id}/innehavare",
            post(positions::hand_over),
        )
        .route(
            "/admin/befattningar/{id}/avsluta",
            post(positions::end_holding),
        )
        .route("/admin/grupper", get(groups::list).post(groups::create))
        .route(
            "/admin/grupper/{id}",
            get(groups::show).post(groups::update),
        )
        .route("/admin/grupper/{id}/medlemmar", post(groups::add_member))
        .route(
            "/admin/grupper/{id}/medlemmar/{sub}/ta-bort",
            post(groups::remove_member),
        )
        .route("/admin/grupper/{id}/upplos", post(groups::dissolve))
}

/// Counts for the overview.
pub struct Counts {
    pub people: i64,
    pub organisations: i64,
    pub positions: i64,
    pub groups: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/index.html")]
struct OverviewPage {
    chrome: Chrome,
    counts: Counts,
}

async fn overview(State(state): State<AppState>, Admin(user): Admin) -> AppResult<OverviewPage> {
    let m = user.tenant();
    let counts = sqlx::query_as!(
        Counts,
        r#"select
             (select count(*) from person_municipality where municipality_id = $1) as "people!",
             (select count(*) from organisation where municipality_id = $1) as "organisations!",
             (select count(*) from position where municipality_id = $1) as "positions!",
             (select count(*) from work_group where municipality_id = $1) as "groups!""#,
        m.get()
    )
    .fetch_one(&state.db)
    .await?;
    Ok(OverviewPage {
        chrome: user.chrome("admin").await,
        counts,
    })
}

/// One row of the audit log page.
pub struct AuditRow {
    pub at: String,
    pub person: Option<String>,
    pub action: String,
    pub entity: String,
    pub summary: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    chrome: Chrome,
    rows: Vec<AuditRow>,
}

async fn audit_log(State(state): State<AppState>, Admin(user): Admin) -> AppResult<AuditPage> {
    let rows = sqlx::query!(
        r#"select a.at, p.name as "person?", a.action, a.entity, a.summary, a.before, a.after
           from audit_event a left join person p on p.id = a.person_id
           where a.municipality_id = $1
           order by a.at desc, a.id desc limit 500"#,
        user.tenant().get()
    )
    .fetch_all(&state.db)
    .await?;
    let pretty = |v: Option<serde_json::Value>| {
        v.map(|v| serde_json::to_string_pretty(&v).unwrap_or_default())
    };
    Ok(AuditPage {
        chrome: user.chrome("admin").await,
        rows: rows
            .into_iter()
            .map(|r| AuditRow {
                at: format_local(r.at),
                person: r.person,
                action: r.action,
                entity: r.entity,
                summary: r.summary,
                before: pretty(r.before),
                after: pretty(r.after),
            })
            .collect(),
    })
}
