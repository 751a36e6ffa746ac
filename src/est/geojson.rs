//! `GET /est/handelser.geojson`: the filtered incidents of a period for the
//! municipality's GIS, for those with EST oversight. Each incident is a
//! feature: its point when the reporter placed one (else no geometry), its
//! area, category and date. No free text leaves this way.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject};
use serde::Deserialize;
use serde_json::json;
use sqlx::types::Json;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::extract::CurrentUser;
use crate::web::forms::Query;

use super::access::EstAccess;
use super::incidents::{Filter, IncidentQuery};

/// An incident as the export gives it.
#[derive(Debug, Deserialize)]
struct Point {
    occurred_on: NaiveDate,
    category: String,
    subcategory: Option<String>,
    area: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

/// The features of the filtered incidents (an incident reported by two
/// organisations counted once, as in the list).
#[tracing::instrument(skip_all, fields(person.id = %user.id()))]
pub async fn geojson(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<IncidentQuery>,
) -> AppResult<Response> {
    EstAccess::load(&state.db, &user)
        .await?
        .require_oversight()?;
    let f = Filter::read(&q, &mut Vec::new());
    let rows = sqlx::query_scalar!(
        r#"select coalesce(json_agg(x order by x.occurred_on, x.id), '[]') as "rows!: Json<Vec<Point>>" from (
               select id, occurred_on, category, subcategory, area, latitude, longitude
               from est_incidents_in($1, $2, $3, $4, $5, $6)) x"#,
        user.tenant().get(),
        f.from,
        f.to,
        f.area,
        f.category,
        f.organisation
    )
    .fetch_one(&state.db)
    .await?;
    let features: Vec<Feature> = rows.0.into_iter().map(feature).collect();
    let body = serde_json::to_string(&FeatureCollection::from_iter(features))
        .map_err(|e| AppError::Other(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/geo+json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"handelser-{}-{}.geojson\"",
                    f.from, f.to
                ),
            ),
        ],
        body,
    )
        .into_response())
}

fn feature(p: Point) -> Feature {
    let mut properties = JsonObject::new();
    properties.insert("datum".into(), json!(p.occurred_on));
    properties.insert("kategori".into(), json!(p.category));
    properties.insert("underkategori".into(), json!(p.subcategory));
    properties.insert("område".into(), json!(p.area));
    Feature {
        bbox: None,
        geometry: p
            .longitude
            .zip(p.latitude)
            .map(|(lon, lat)| Geometry::new(GeometryValue::new_point([lon, lat]))),
        id: None,
        properties: Some(properties),
        foreign_members: None,
    }
}
