//! The point picker of the EST report form, without JavaScript: the form
//! holds the municipality's map as an `<input type="image">`. A click sends
//! the pixel (`karta.x`, `karta.y`) with the rest of the form; the server
//! turns it into a point with the same frame it drew the map in, and the
//! form comes back with every value kept, the pin drawn, the area the
//! point lies in chosen, and a close-up around the pin (`narbild.x`,
//! `narbild.y`) for a finer click. The point itself travels in the form's
//! hidden `latitude` and `longitude` fields.

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use geo::{Contains, Distance, Euclidean, MapCoords, Point, Rect, coord};
use serde::Deserialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::extract::CurrentUser;
use crate::web::forms::Query;

use super::Shapes;
use super::render::Frame;

/// The picker's width and height in pixels. The image is shown at exactly
/// this size (a scaled image would send scaled clicks), small enough for a
/// phone 360 px wide.
pub const SIZE: u32 = 320;

/// Half the side of the close-up, in kilometres.
const NEAR_KM: f64 = 1.2;

/// The side of a square of the close-up's grid, in kilometres: drawn when
/// no background map lies under it, so that the scale can be seen.
const GRID_KM: f64 = 0.2;

/// The picker's fields in the report form.
#[derive(Deserialize, Default, Clone, Debug)]
pub struct PickerForm {
    #[serde(default, rename = "karta.x")]
    pub map_x: String,
    #[serde(default, rename = "karta.y")]
    pub map_y: String,
    #[serde(default, rename = "narbild.x")]
    pub near_x: String,
    #[serde(default, rename = "narbild.y")]
    pub near_y: String,
    /// "Ta bort punkten".
    #[serde(default)]
    pub ta_bort_punkt: Option<String>,
}

/// What the map shows: the whole municipality, or a close-up around a point.
#[derive(Clone, Copy)]
enum View {
    Whole,
    Near(f64, f64),
}

/// The background map under the picker's images, when the deployment has
/// one: the tiles of the whole municipality and of the close-up, drawn in
/// an SVG beneath each `<input type="image">` (an image's own SVG may not
/// load other images).
pub struct Backdrop {
    pub whole: Vec<(String, f64, f64, f64)>,
    pub near: Vec<(String, f64, f64, f64)>,
    pub attribution: String,
}

/// What a form's picker shows: the point it holds, where a click goes,
/// the picker's image and the background map under it.
pub struct PickerView {
    pub latitude: String,
    pub longitude: String,
    /// The form's address for a click (`#punkt` is added).
    pub action: String,
    /// The picker image's address, without a query.
    pub image: String,
    pub backdrop: Option<Backdrop>,
    /// Whether the municipality has a map to click; without one the form
    /// shows no picker (area and place say where).
    pub drawn: bool,
}

impl PickerView {
    /// The point as `LAT,LON` for the picker's image, when it is one.
    pub fn pin(&self) -> Option<String> {
        pin(&self.latitude, &self.longitude)
    }
}

/// Whether municipality `m` has a map to click (an outline or an area's
/// boundary), from the shapes in memory.
pub async fn has_map(state: &AppState, m: MunicipalityId) -> AppResult<bool> {
    Ok(cached_shapes(state, m).await?.bounds().is_some())
}

/// The municipality's shapes, from memory while nothing in it changed:
/// every report form and every picker image needs them.
async fn cached_shapes(state: &AppState, m: MunicipalityId) -> AppResult<std::sync::Arc<Shapes>> {
    state
        .pages
        .get_or_load(m, "picker-shapes".to_owned(), || {
            super::shapes(&state.db, m)
        })
        .await
}

/// The picker's background map for a form holding `latitude`/`longitude`;
/// `None` (and no statement) without a background map.
pub async fn backdrop(
    state: &AppState,
    m: MunicipalityId,
    latitude: &str,
    longitude: &str,
) -> AppResult<Option<Backdrop>> {
    let Some(tiles) = state.tiles.as_deref() else {
        return Ok(None);
    };
    let shapes = cached_shapes(state, m).await?;
    let images = |view| {
        frame(&shapes, view)
            .map(|f| super::tile_images(&f))
            .unwrap_or_default()
    };
    Ok(Some(Backdrop {
        whole: images(View::Whole),
        near: parse_point(latitude, longitude)
            .map(|(lon, lat)| images(View::Near(lon, lat)))
            .unwrap_or_default(),
        attribution: tiles.attribution().to_owned(),
    }))
}

/// A point from the form's text (`59.46712`), within Sweden: (longitude, latitude).
pub fn parse_point(latitude: &str, longitude: &str) -> Option<(f64, f64)> {
    let number = |s: &str| s.trim().replace(',', ".").parse::<f64>().ok();
    let (lat, lon) = (number(latitude)?, number(longitude)?);
    super::geometry::in_sweden(lon, lat).then_some((lon, lat))
}

/// The form's point as `LAT,LON` for the picker's links, when it is one.
pub fn pin(latitude: &str, longitude: &str) -> Option<String> {
    parse_point(latitude, longitude).map(|(lon, lat)| format!("{lat:.5},{lon:.5}"))
}

fn frame(shapes: &Shapes, view: View) -> Option<Frame> {
    match view {
        View::Whole => shapes.bounds().map(|b| Frame::fit_box(b, SIZE, SIZE)),
        View::Near(lon, lat) => {
            let d_lat = NEAR_KM / 111.32;
            let d_lon = d_lat / lat.to_radians().cos();
            let b = Rect::new(
                coord! { x: lon - d_lon, y: lat - d_lat },
                coord! { x: lon + d_lon, y: lat + d_lat },
            );
            Some(Frame::fit_box(b, SIZE, SIZE))
        }
    }
}

/// What a submit of a form with the picker did with the map.
enum Picked {
    /// The map was not used: the form is being sent.
    Nothing,
    /// A point, as the form's text, and the area it lies in.
    Point {
        latitude: String,
        longitude: String,
        area: Option<Uuid>,
    },
    /// The point was taken away.
    Removed,
    /// The click could not give a point; the message says why.
    Refused(&'static str),
}

/// A pixel from the form (whole numbers, on the image).
fn pixel(x: &str, y: &str) -> Option<(f64, f64)> {
    let (x, y) = (x.trim().parse::<u32>().ok()?, y.trim().parse::<u32>().ok()?);
    (x <= SIZE && y <= SIZE).then_some((f64::from(x), f64::from(y)))
}

/// Whether the point lies in the municipality: its outline, or (without
/// one) one of its areas.
fn inside(shapes: &Shapes, lon: f64, lat: f64) -> bool {
    let p = Point::new(lon, lat);
    match &shapes.outline {
        Some(o) => o.contains(&p),
        None => shapes
            .areas
            .iter()
            .filter_map(|a| a.shape.as_ref())
            .any(|s| s.contains(&p)),
    }
}

/// Reads a click (or "Ta bort punkten") from the form. `latitude` and
/// `longitude` are the point the form held before (the close-up's centre).
async fn picked(
    db: &PgPool,
    m: MunicipalityId,
    form: &PickerForm,
    latitude: &str,
    longitude: &str,
) -> AppResult<Picked> {
    if form.ta_bort_punkt.is_some() {
        return Ok(Picked::Removed);
    }
    let before = parse_point(latitude, longitude);
    let (view, click) = if !form.map_x.is_empty() {
        (View::Whole, pixel(&form.map_x, &form.map_y))
    } else if !form.near_x.is_empty() {
        match before {
            Some((lon, lat)) => (View::Near(lon, lat), pixel(&form.near_x, &form.near_y)),
            None => (View::Whole, None),
        }
    } else {
        return Ok(Picked::Nothing);
    };
    // Enter on a text field sends the form through its first submit
    // control, the map, at (0, 0): that is a send, not a click.
    if click == Some((0.0, 0.0)) {
        return Ok(Picked::Nothing);
    }
    let Some((x, y)) = click else {
        return Err(AppError::BadRequest);
    };
    let shapes = super::shapes(db, m).await?;
    let Some(frame) = frame(&shapes, view) else {
        return Ok(Picked::Refused(
            "Kommunen har ingen karta ännu. Välj område och skriv platsen i stället.",
        ));
    };
    let (lon, lat) = frame.to_lonlat(x, y);
    if !inside(&shapes, lon, lat) {
        return Ok(Picked::Refused(
            "Punkten ligger utanför kommunen. Klicka inom kommunens gräns, eller välj område och skriv platsen i stället.",
        ));
    }
    let area = nearest_area(&shapes, Point::new(lon, lat));
    Ok(Picked::Point {
        latitude: format!("{lat:.5}"),
        longitude: format!("{lon:.5}"),
        area,
    })
}

/// The area a point lies in; outside every drawn area (the countryside
/// between the villages), the nearest one. The form shows it chosen, and
/// the writer may choose another: the hint promises that a click chooses
/// the area. Distances are measured on the ground: a degree of longitude
/// this far north is only about half a degree of latitude.
fn nearest_area(shapes: &Shapes, point: Point<f64>) -> Option<Uuid> {
    if let Some(area) = area_containing(shapes, point) {
        return Some(area.id);
    }
    let east = point.y().to_radians().cos();
    let on_ground = |c: geo::Coord<f64>| coord! { x: c.x * east, y: c.y };
    let from = Point::from(on_ground(point.0));
    shapes
        .areas
        .iter()
        .filter_map(|a| a.shape.as_ref().map(|s| (a.id, s)))
        .map(|(id, s)| (id, Euclidean.distance(&from, &s.map_coords(on_ground))))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(id, _)| id)
}

/// The drawn area `point` lies in.
fn area_containing(shapes: &Shapes, point: Point<f64>) -> Option<&super::AreaShape> {
    shapes
        .areas
        .iter()
        .find(|a| a.shape.as_ref().is_some_and(|s| s.contains(&point)))
}

/// The point a form holds (hidden fields, so checked again): both
/// coordinates or neither, as numbers, inside the municipality.
pub async fn checked_point(
    db: &PgPool,
    m: MunicipalityId,
    latitude: &str,
    longitude: &str,
    e: &mut crate::web::forms::FieldErrors,
) -> AppResult<(Option<f64>, Option<f64>)> {
    let latitude = coordinate(e, "latitude", latitude, 90.0);
    let longitude = coordinate(e, "longitude", longitude, 180.0);
    if let Some(refused) = check_inside(db, m, latitude.zip(longitude)).await? {
        e.add("karta", refused);
    }
    if latitude.is_some() != longitude.is_some() {
        e.add(
            "longitude",
            "Ange både latitud och longitud, eller ingen av dem.",
        );
    }
    Ok((latitude, longitude))
}

fn coordinate(
    e: &mut crate::web::forms::FieldErrors,
    field: &'static str,
    value: &str,
    max: f64,
) -> Option<f64> {
    match value.trim() {
        "" => None,
        v => match v.replace(',', ".").parse::<f64>() {
            Ok(x) if x.abs() <= max => Some(x),
            _ => {
                e.add(
                    field,
                    "Ange koordinaten som decimaltal, till exempel 59.5866.",
                );
                None
            }
        },
    }
}

/// A click on the map (or "Ta bort punkten") applied to a form's point
/// and area: `None` when the map was not used and the form is being sent;
/// else the errors to show with the form again (a refused click).
pub async fn click(
    db: &PgPool,
    m: MunicipalityId,
    form: &PickerForm,
    latitude: &mut String,
    longitude: &mut String,
    area_id: &mut String,
) -> AppResult<Option<crate::web::forms::FieldErrors>> {
    let mut e = crate::web::forms::FieldErrors::default();
    match picked(db, m, form, latitude, longitude).await? {
        Picked::Nothing => return Ok(None),
        Picked::Point {
            latitude: lat,
            longitude: lon,
            area,
        } => {
            *latitude = lat;
            *longitude = lon;
            if let Some(a) = area {
                *area_id = a.to_string();
            }
        }
        Picked::Removed => {
            latitude.clear();
            longitude.clear();
        }
        Picked::Refused(message) => e.add("karta", message),
    }
    Ok(Some(e))
}

/// Refuses a point sent with the form that lies outside the municipality
/// (the form's hidden fields can be changed by hand).
async fn check_inside(
    db: &PgPool,
    m: MunicipalityId,
    point: Option<(f64, f64)>,
) -> AppResult<Option<&'static str>> {
    let Some((lat, lon)) = point else {
        return Ok(None);
    };
    let shapes = super::shapes(db, m).await?;
    let known = shapes.outline.is_some() || shapes.areas.iter().any(|a| a.shape.is_some());
    Ok((known && !inside(&shapes, lon, lat))
        .then_some("Punkten ligger utanför kommunen. Klicka inom kommunens gräns."))
}

/// `GET /karta/kommun.svg?punkt=LAT,LON&nara=LAT,LON`.
#[derive(Deserialize, Default)]
pub struct SvgQuery {
    #[serde(default)]
    pub punkt: String,
    #[serde(default)]
    pub nara: String,
}

fn point_param(value: &str) -> Option<(f64, f64)> {
    let (lat, lon) = value.split_once(',')?;
    parse_point(lat, lon)
}

type DrawnArea = (String, String, Option<(f64, f64)>);

/// The areas drawn in `frame`, their labels spread so none covers another.
/// In the close-up, the area named at its top is not labelled again, and
/// no label covers the close-up's own texts at the top and the bottom.
fn drawn_areas(
    shapes: &Shapes,
    frame: Option<Frame>,
    near: bool,
    named: Option<&str>,
) -> Vec<DrawnArea> {
    let mut areas: Vec<DrawnArea> = frame
        .map(|f| {
            shapes
                .areas
                .iter()
                .filter_map(|a| {
                    let s = a.shape.as_ref()?;
                    let label = f.label_at(s).filter(|_| named != Some(a.name.as_str()));
                    Some((a.name.clone(), f.path(s), label))
                })
                .collect()
        })
        .unwrap_or_default();
    let labels = areas.iter_mut().map(|(n, _, at)| (n.chars().count(), at));
    let captions = if near { (1, 1) } else { (0, 0) };
    super::render::spread_labels(labels, SIZE, captions);
    areas
}

#[derive(Template)]
#[template(path = "map/picker.svg", escape = "html")]
struct PickerSvg {
    size: u32,
    outline: Option<String>,
    /// Name, path data and label position of each area with a boundary.
    areas: Vec<DrawnArea>,
    pin: Option<(f64, f64)>,
    near: bool,
    /// The close-up's grid lines (the same pixels across and down), when
    /// no background map shows the scale.
    grid: Vec<f64>,
    /// The area the close-up's centre lies in: its label may lie outside.
    near_area: Option<String>,
    empty: bool,
    /// A background map lies under the image: no fill of its own.
    tiled: bool,
}

/// The pixels of the close-up's grid lines, one every [`GRID_KM`].
fn grid_lines() -> Vec<f64> {
    let step = f64::from(SIZE) * GRID_KM / (2.0 * NEAR_KM);
    (1..)
        .map(|i| f64::from(i) * step)
        .take_while(|x| *x < f64::from(SIZE) - 1.0)
        .collect()
}

/// The picker's image: the municipality (or the close-up), its areas and
/// their names, and the pin.
pub async fn svg(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<SvgQuery>,
) -> AppResult<Response> {
    let tiled = state.tiles.is_some();
    draw(&state, user.tenant(), &q, tiled).await
}

/// Draws the picker's image of municipality `m`; without its own ground
/// when a background map lies under it (`tiled`).
pub async fn draw(
    state: &AppState,
    m: MunicipalityId,
    q: &SvgQuery,
    tiled: bool,
) -> AppResult<Response> {
    let shapes = cached_shapes(state, m).await?;
    let near = point_param(&q.nara);
    let view = near.map_or(View::Whole, |(lon, lat)| View::Near(lon, lat));
    let frame = frame(&shapes, view);
    let near_area = near
        .and_then(|(lon, lat)| area_containing(&shapes, Point::new(lon, lat)))
        .map(|a| a.name.clone());
    let areas = drawn_areas(&shapes, frame, near.is_some(), near_area.as_deref());
    let image = PickerSvg {
        size: SIZE,
        outline: frame.zip(shapes.outline.as_ref()).map(|(f, o)| f.path(o)),
        areas,
        pin: frame
            .zip(point_param(&q.punkt))
            .map(|(f, (lon, lat))| f.to_px(lon, lat)),
        near: near.is_some(),
        grid: if near.is_some() && !tiled {
            grid_lines()
        } else {
            Vec::new()
        },
        near_area,
        empty: frame.is_none(),
        tiled,
    };
    let body = image
        .render()
        .map_err(|e| AppError::Other(anyhow::anyhow!("picker svg: {e}")))?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, Rect};

    fn area(name: &str, min: (f64, f64), max: (f64, f64)) -> super::super::AreaShape {
        let square = Rect::new(coord! { x: min.0, y: min.1 }, coord! { x: max.0, y: max.1 });
        super::super::AreaShape {
            id: Uuid::new_v4(),
            name: name.to_owned(),
            shape: Some(MultiPolygon::new(vec![square.to_polygon()])),
            schematic: false,
        }
    }

    #[test]
    fn the_nearest_area_is_the_nearest_on_the_ground() {
        // At 59.6° N: one area 0.05° of longitude east (about 2.8 km), the
        // other 0.04° of latitude north (about 4.5 km). In degrees the
        // northern one looks nearer.
        let east = area("Öster", (15.25, 59.59), (15.30, 59.61));
        let north = area("Norr", (15.19, 59.64), (15.21, 59.66));
        let shapes = Shapes {
            outline: None,
            outline_schematic: false,
            areas: vec![north, east],
        };
        let chosen = nearest_area(&shapes, Point::new(15.20, 59.60));
        assert_eq!(chosen, Some(shapes.areas[1].id), "Öster, 2.8 km away");
        // Inside an area, that area.
        let inside = nearest_area(&shapes, Point::new(15.20, 59.65));
        assert_eq!(inside, Some(shapes.areas[0].id));
    }
}
