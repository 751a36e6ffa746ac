//! `/est/handelser`: the incidents behind a dashboard figure, filtered by
//! period, area and category (for those who may read EST texts).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::access::EstAccess;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::bounds;
use crate::web::extract::CurrentUser;
use crate::web::layout::Chrome;

#[derive(Deserialize, Default)]
pub struct IncidentFilter {
    #[serde(default)]
    fran: String,
    #[serde(default)]
    till: String,
    #[serde(default)]
    omrade: String,
    #[serde(default)]
    kategori: String,
}

/// An incident in the list.
pub struct Row {
    pub occurred_on: NaiveDate,
    pub category: String,
    pub area: String,
    pub description: Option<String>,
    pub organisation: String,
    pub week_start: NaiveDate,
}

impl Row {
    pub fn week_key(&self) -> String {
        super::week::ReportWeek {
            monday: self.week_start,
        }
        .key()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "est/incidents.html")]
pub struct IncidentsPage {
    chrome: Chrome,
    from: NaiveDate,
    to: NaiveDate,
    rows: Vec<Row>,
    limit: usize,
}

const LIMIT: i64 = 1000;

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(f): Query<IncidentFilter>,
) -> AppResult<IncidentsPage> {
    EstAccess::load(&state.db, &user).await?.require_read()?;
    let span = bounds::span(&f.fran, &f.till, 364);
    let (from, to) = (span.from, span.to);
    let rows = sqlx::query_as!(
        Row,
        r#"select i.occurred_on, coalesce(pc.name, c.name) as "category!", a.name as area, i.description,
                  o.name as organisation, r.week_start
           from est_incident i
           join est_report r on r.id = i.report_id
           join organisation o on o.id = r.organisation_id
           join incident_category c on c.id = i.category_id
           left join incident_category pc on pc.id = c.parent_id
           join area a on a.id = i.area_id
           where i.municipality_id = $1 and i.occurred_on between $2 and $3 and i.duplicate_of is null
             and ($4::uuid is null or i.area_id = $4)
             and ($5::uuid is null or coalesce(c.parent_id, c.id) = $5)
           order by i.occurred_on desc limit $6"#,
        user.municipality_id(),
        from,
        to,
        Uuid::parse_str(f.omrade.trim()).ok(),
        Uuid::parse_str(f.kategori.trim()).ok(),
        LIMIT
    )
    .fetch_all(&state.db)
    .await?;
    let mut chrome = user.chrome("est").await;
    bounds::note(&mut chrome, &span.notes);
    Ok(IncidentsPage {
        chrome,
        from,
        to,
        limit: usize::try_from(LIMIT).unwrap_or(0),
        rows,
    })
}
