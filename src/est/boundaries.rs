//! `POST /est/installningar/granser`: the coordinator uploads the areas'
//! boundaries, or the municipality's outline, as GeoJSON. The whole file is
//! checked before anything is stored; a bad file changes nothing and the
//! settings page says why next to the file field.

use axum::extract::{Multipart, State};
use axum::response::Response;
use geo::MultiPolygon;
use serde_json::json;
use uuid::Uuid;

use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::map::geometry::{self, MAX_UPLOAD_BYTES};
use crate::state::AppState;
use crate::web::change::Change;
use crate::web::extract::{Admin, CurrentUser};
use crate::web::forms::FieldErrors;

use super::settings;

/// The file field's name (and the id its error points to).
pub const FIELD: &str = "geojson";

/// What the file holds: the areas' boundaries or the municipality's outline.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    Areas,
    Outline,
}

/// Reads the form: the target and the file (at most a little over 5 MB is
/// read; anything larger is refused without reading the rest).
async fn read_form(mut multipart: Multipart) -> AppResult<(Option<Target>, Option<Vec<u8>>)> {
    let (mut target, mut file) = (None, None);
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest)?
    {
        match field.name() {
            Some("target") => {
                target = match field
                    .text()
                    .await
                    .map_err(|_| AppError::BadRequest)?
                    .as_str()
                {
                    "omraden" => Some(Target::Areas),
                    "kommun" => Some(Target::Outline),
                    _ => None,
                };
            }
            Some(FIELD) => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|_| AppError::BadRequest)? {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > MAX_UPLOAD_BYTES {
                        break;
                    }
                }
                file = (!bytes.is_empty()).then_some(bytes);
            }
            _ => {}
        }
    }
    Ok((target, file))
}

/// Stores the file's shapes, or shows the settings page with the reason.
#[tracing::instrument(skip_all, fields(person.id = %user.id()))]
pub async fn upload(
    State(state): State<AppState>,
    Admin(user): Admin,
    multipart: Multipart,
) -> AppResult<Response> {
    let (target, file) = read_form(multipart).await?;
    let mut e = FieldErrors::default();
    let Some(target) = target else {
        e.add("target", "Välj vad filen innehåller.");
        return settings::refused(&state, &user, e).await;
    };
    let Some(file) = file else {
        e.add(FIELD, "Välj en GeoJSON-fil att ladda upp.");
        return settings::refused(&state, &user, e).await;
    };
    let shapes = match geometry::read(&file) {
        Ok(shapes) => shapes,
        Err(refusal) => {
            e.add(FIELD, refusal.message());
            return settings::refused(&state, &user, e).await;
        }
    };
    match target {
        Target::Outline => store_outline(&state, &user, shapes).await,
        Target::Areas => store_areas(&state, &user, shapes, e).await,
    }
}

/// The municipality's outline: all the file's shapes together.
async fn store_outline(
    state: &AppState,
    user: &CurrentUser,
    shapes: Vec<geometry::Shape>,
) -> AppResult<Response> {
    let outline = MultiPolygon::new(shapes.into_iter().flat_map(|s| s.shape.0).collect());
    let geometry = geojson::Geometry::new(geojson::GeometryValue::from(&outline));
    let mut change = Change::begin(state, user).await?;
    sqlx::query!(
        "update municipality set outline = $2, outline_schematic = false where id = $1",
        user.tenant().get(),
        sqlx::types::Json(&geometry) as _
    )
    .execute(change.tx())
    .await?;
    change
        .done(
            Event::new(
                "laddade upp",
                "kommungräns",
                format!("Kommunens gräns ({} ytor)", outline.0.len()),
            ),
            "Kommunens gräns är sparad.",
            "/est/installningar#karta",
        )
        .await
}

/// The areas' boundaries, matched to the areas by name (any case). A name
/// the municipality has no area for refuses the whole file.
async fn store_areas(
    state: &AppState,
    user: &CurrentUser,
    shapes: Vec<geometry::Shape>,
    mut e: FieldErrors,
) -> AppResult<Response> {
    let m = user.tenant();
    let areas = sqlx::query!(
        "select id, name from area where municipality_id = $1",
        m.get()
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|a| (a.id, a.name))
    .collect::<Vec<_>>();
    let matched = match match_areas(&areas, shapes) {
        Ok(matched) => matched,
        Err(unknown) => {
            e.add(
                FIELD,
                format!(
                    "Filen har ytor för områden som inte finns: {}. Lägg till områdena först, eller rätta namnen i filen.",
                    unknown.join(", ")
                ),
            );
            return settings::refused(state, user, e).await;
        }
    };
    let mut change = Change::begin(state, user).await?;
    for (id, _, shape) in &matched {
        let geometry = geojson::Geometry::new(geojson::GeometryValue::from(shape));
        sqlx::query!(
            "update area set boundary = $3, boundary_schematic = false where id = $1 and municipality_id = $2",
            id,
            m.get(),
            sqlx::types::Json(&geometry) as _
        )
        .execute(change.tx())
        .await?;
    }
    let names: Vec<&str> = matched.iter().map(|(_, n, _)| n.as_str()).collect();
    change
        .done(
            Event::new(
                "laddade upp",
                "områdesgränser",
                format!("Gränser för {}", names.join(", ")),
            )
            .after(json!({ "områden": names })),
            format!(
                "Gränserna är sparade för {}.",
                crate::web::words::count(
                    i64::try_from(names.len()).unwrap_or(0),
                    "område",
                    "områden"
                )
            ),
            "/est/installningar#karta",
        )
        .await
}

/// An area's id and name, with the boundary the file gives it.
type AreaShape = (Uuid, String, MultiPolygon<f64>);

/// Each shape with the area (id, name) of its name, in any case; the
/// names no area has when there are any.
fn match_areas(
    areas: &[(Uuid, String)],
    shapes: Vec<geometry::Shape>,
) -> Result<Vec<AreaShape>, Vec<String>> {
    let mut matched = Vec::with_capacity(shapes.len());
    let mut unknown = Vec::new();
    for s in shapes {
        match areas
            .iter()
            .find(|(_, name)| name.trim().to_lowercase() == s.name.to_lowercase())
        {
            Some((id, name)) => matched.push((*id, name.clone(), s.shape)),
            None => unknown.push(s.name),
        }
    }
    if unknown.is_empty() {
        Ok(matched)
    } else {
        Err(unknown)
    }
}
