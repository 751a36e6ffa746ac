//! The map, a drawing library the features use: the areas' boundaries and
//! the municipality's outline (read from GeoJSON by `geometry`; EST's
//! settings page uploads them), the choropleth drawn on the server as SVG
//! with its table, the point picker of the report form and the tip form,
//! and the background tiles. It imports no feature.

pub mod demo;
pub mod geometry;
pub mod picker;
pub mod render;
pub mod tiles;

use axum::Router;
use axum::routing::get;
use chrono::NaiveDate;
use geo::MultiPolygon;
use sqlx::PgPool;
use sqlx::types::Json;
use uuid::Uuid;

use crate::error::AppResult;
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use render::Frame;

/// The routes of this feature.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/karta/kommun.svg", get(picker::svg))
        .route("/karta/plattor/{z}/{x}/{y}", get(tiles::tile))
}

/// An area and its boundary, when one was uploaded.
#[derive(Clone)]
pub struct AreaShape {
    pub id: Uuid,
    pub name: String,
    pub shape: Option<MultiPolygon<f64>>,
    pub schematic: bool,
}

/// The municipality's outline and its areas' boundaries (WGS84).
#[derive(Clone, Default)]
pub struct Shapes {
    pub outline: Option<MultiPolygon<f64>>,
    pub outline_schematic: bool,
    pub areas: Vec<AreaShape>,
}

impl Shapes {
    /// The box the map shows: the outline, else the areas.
    pub fn bounds(&self) -> Option<geo::Rect<f64>> {
        match &self.outline {
            Some(o) => render::bounds(std::iter::once(o)),
            None => render::bounds(self.areas.iter().filter_map(|a| a.shape.as_ref())),
        }
    }

    /// Whether any drawn shape is only schematic.
    pub fn schematic(&self) -> bool {
        (self.outline.is_some() && self.outline_schematic)
            || self.areas.iter().any(|a| a.shape.is_some() && a.schematic)
    }
}

/// An area's row as the statement brings it.
#[derive(Debug, serde::Deserialize)]
struct AreaRow {
    id: Uuid,
    name: String,
    boundary: Option<geojson::Geometry>,
    schematic: bool,
}

/// The shapes as a page's statement brings them, in one JSON column
/// made by the SQL function `map_shapes` (migration 0043):
/// `map_shapes($1) as "shapes!: Json<crate::map::ShapesRow>"` (pages keep
/// to one statement for their data, so the map's shapes come with the
/// page's own statement rather than in one of their own).
#[derive(Debug, serde::Deserialize)]
pub struct ShapesRow {
    outline: Option<geojson::Geometry>,
    outline_schematic: bool,
    areas: Vec<AreaRow>,
}

impl From<ShapesRow> for Shapes {
    fn from(row: ShapesRow) -> Self {
        let shape =
            |g: Option<geojson::Geometry>| g.and_then(|g| MultiPolygon::try_from(&g.value).ok());
        Shapes {
            outline: shape(row.outline),
            outline_schematic: row.outline_schematic,
            areas: row
                .areas
                .into_iter()
                .map(|a| AreaShape {
                    id: a.id,
                    name: a.name,
                    shape: shape(a.boundary),
                    schematic: a.schematic,
                })
                .collect(),
        }
    }
}

/// Loads the outline and the active areas' boundaries of a municipality.
pub async fn shapes(db: &PgPool, m: MunicipalityId) -> AppResult<Shapes> {
    let row = sqlx::query_scalar!(
        r#"select map_shapes($1) as "shapes!: Json<ShapesRow>""#,
        m.get()
    )
    .fetch_one(db)
    .await?;
    Ok(row.0.into())
}

/// One area on a choropleth: its count, class and drawing.
#[derive(Clone)]
pub struct MapArea {
    pub name: String,
    pub count: i64,
    pub class: usize,
    /// SVG path data; `None` when the area has no boundary.
    pub path: Option<String>,
    pub label: Option<(f64, f64)>,
}

impl MapArea {
    /// Its label's length in characters (the name and its count: `Storå:
    /// 12`) and its place, for [`render::spread_labels`].
    fn label_slot(&mut self) -> (usize, &mut Option<(f64, f64)>) {
        let chars = self.name.chars().count() + 2 + self.count.to_string().len();
        (chars, &mut self.label)
    }
}

/// The heat layer's hexagons: radius in pixels.
const HEX_RADIUS: f64 = 8.0;

/// The fewest incidents a heat bin needs to be shown to those without oversight.
pub const MIN_BIN: usize = 3;

/// A choropleth of counts per area, ready for `templates/map/macros.html`.
#[derive(Clone)]
pub struct Choropleth {
    /// Unique on the page (ids of the title and the table).
    pub id: &'static str,
    pub title: String,
    pub width: u32,
    pub height: u32,
    pub outline: Option<String>,
    pub areas: Vec<MapArea>,
    pub legend: Vec<(usize, String)>,
    pub schematic: bool,
    /// Whether anything can be drawn (an outline or a boundary).
    pub drawn: bool,
    /// Whether the map shows counts (with a legend and a table) or only
    /// the areas' names.
    pub with_counts: bool,
    frame: Option<Frame>,
    /// The heat layer: hexagonal bins of the incidents placed on the map.
    pub hexes: Vec<render::Hex>,
    /// The placed incidents themselves, in pixels (only for oversight).
    pub points: Vec<(f64, f64)>,
    /// What the heat layer shows, in words; `None` when nothing was placed.
    pub heat_note: Option<String>,
    /// The map's own category filter, when the page offers one.
    pub filter: Option<CategoryFilter>,
    /// The background map's tiles under the shapes, from Samordna's own
    /// address: (href, left, top, size in pixels).
    pub tiles: Vec<(String, f64, f64, f64)>,
    /// Whose background map it is.
    pub attribution: Option<String>,
    /// The period the counts cover, shown after the title with each date
    /// kept on one line.
    pub period: Option<(NaiveDate, NaiveDate)>,
}

/// The background map's tiles that cover a frame, as Samordna's own
/// addresses: (href, left, top, size in pixels).
pub fn tile_images(frame: &Frame) -> Vec<(String, f64, f64, f64)> {
    frame
        .tiles()
        .into_iter()
        .map(|t| {
            (
                format!("/karta/plattor/{}/{}/{}.png", t.z, t.x, t.y),
                t.left,
                t.top,
                t.size,
            )
        })
        .collect()
}

/// A map's category filter: a GET form that shows the page again with the
/// map of one top category (its subcategories included). It works without
/// JavaScript; the page's other parameters ride along as hidden fields.
#[derive(Clone)]
pub struct CategoryFilter {
    /// The page's address (without a query).
    pub action: String,
    /// The page's other parameters.
    pub hidden: Vec<(&'static str, String)>,
    /// The top categories: id and name.
    pub categories: Vec<(Uuid, String)>,
    pub chosen: Option<Uuid>,
}

impl CategoryFilter {
    /// The chosen category's name, when it is one of the categories.
    pub fn chosen_name(&self) -> Option<&str> {
        self.chosen.and_then(|c| {
            self.categories
                .iter()
                .find(|(id, _)| *id == c)
                .map(|(_, name)| name.as_str())
        })
    }

    pub fn is_chosen(&self, id: &Uuid) -> bool {
        self.chosen == Some(*id)
    }
}

/// Reads a category id from a query string value: empty or unreadable
/// means every category (an unreadable one gives a note).
pub fn category_param(value: &str, notes: &mut Vec<String>) -> Option<Uuid> {
    match value.trim() {
        "" => None,
        v => Uuid::parse_str(v).ok().or_else(|| {
            notes.push("Kategorin kunde inte läsas; kartan visar alla kategorier.".to_owned());
            None
        }),
    }
}

impl Choropleth {
    /// Builds the map of `counts` (area name, count); areas without a count show 0.
    pub fn new(id: &'static str, title: String, shapes: &Shapes, counts: &[(String, i64)]) -> Self {
        let max = counts.iter().map(|(_, c)| *c).max().unwrap_or(0);
        let frame = shapes.bounds().map(|b| Frame::fit_width(b, 560, 560));
        let count_of = |name: &str| {
            counts
                .iter()
                .find(|(n, _)| n == name)
                .map_or(0, |(_, c)| *c)
        };
        let mut areas: Vec<MapArea> = shapes
            .areas
            .iter()
            .map(|a| {
                let count = count_of(&a.name);
                let drawn = frame.zip(a.shape.as_ref());
                MapArea {
                    name: a.name.clone(),
                    count,
                    class: render::class_of(count, max),
                    path: drawn.map(|(f, s)| f.path(s)),
                    label: drawn.and_then(|(f, s)| f.label_at(s)),
                }
            })
            .collect();
        // Counts for areas no longer in use still belong in the table.
        for (name, count) in counts {
            if !areas.iter().any(|a| &a.name == name) {
                areas.push(MapArea {
                    name: name.clone(),
                    count: *count,
                    class: render::class_of(*count, max),
                    path: None,
                    label: None,
                });
            }
        }
        areas.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        if let Some(f) = frame {
            // The largest counts keep their labels' places.
            render::spread_labels(areas.iter_mut().map(MapArea::label_slot), f.height, (0, 0));
        }
        Choropleth {
            id,
            title,
            width: frame.map_or(0, |f| f.width),
            height: frame.map_or(0, |f| f.height),
            outline: frame.zip(shapes.outline.as_ref()).map(|(f, o)| f.path(o)),
            drawn: frame.is_some(),
            legend: render::classes(max),
            schematic: shapes.schematic(),
            with_counts: true,
            frame,
            hexes: Vec::new(),
            points: Vec::new(),
            heat_note: None,
            filter: None,
            tiles: Vec::new(),
            attribution: None,
            period: None,
            areas,
        }
    }

    /// Draws the background map under the shapes, when there is one and
    /// the map's bounds are known.
    pub fn with_tiles(mut self, tiles: Option<&tiles::Tiles>) -> Self {
        let (Some(tiles), Some(frame)) = (tiles, self.frame) else {
            return self;
        };
        self.tiles = tile_images(&frame);
        self.attribution = Some(tiles.attribution().to_owned());
        self
    }

    /// Adds the map's category filter.
    pub fn with_filter(mut self, filter: CategoryFilter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Says which period the counts cover.
    pub fn for_period(mut self, from: NaiveDate, to: NaiveDate) -> Self {
        self.period = Some((from, to));
        self
    }

    /// The title with its period, for the drawing's title and the table's
    /// caption.
    pub fn full_title(&self) -> String {
        match self.period {
            Some((from, to)) => format!("{}, {from} – {to}", self.title),
            None => self.title.clone(),
        }
    }

    /// Adds the heat layer of the incidents placed on the map (longitude,
    /// latitude). Those with oversight also see the points; for everyone
    /// else a bin with fewer than three incidents is not shown, so that a
    /// single incident cannot be located.
    pub fn with_heat(mut self, placed: &[(f64, f64)], oversight: bool) -> Self {
        let Some(frame) = self.frame else {
            return self;
        };
        if placed.is_empty() {
            return self;
        }
        let min = if oversight { 1 } else { MIN_BIN };
        self.hexes = render::hex_bins(&frame, placed, HEX_RADIUS, min);
        let shown: usize = self.hexes.iter().map(|h| h.count).sum();
        let mut note = format!(
            "{} av händelserna har en punkt. Värmelagret räknar dem i sexkantiga rutor; ju mörkare ruta, desto fler.",
            placed.len()
        );
        if oversight {
            self.points = placed
                .iter()
                .map(|&(lon, lat)| {
                    let (x, y) = frame.to_px(lon, lat);
                    ((x * 10.0).round() / 10.0, (y * 10.0).round() / 10.0)
                })
                .collect();
            note.push_str(" Punkterna är händelserna själva.");
        } else if shown < placed.len() {
            let hidden = placed.len() - shown;
            note.push_str(&format!(
                " Rutor med färre än {MIN_BIN} händelser visas inte, så att ingen enskild händelse går att peka ut; {} räknas bara i antalet per område.",
                crate::web::words::count(hidden, "händelse", "händelser")
            ));
        }
        self.heat_note = Some(note);
        self
    }

    /// The areas and the outline without counts (the settings page).
    pub fn outline(id: &'static str, title: String, shapes: &Shapes) -> Self {
        Choropleth {
            with_counts: false,
            ..Choropleth::new(id, title, shapes, &[])
        }
    }

    /// Areas the table lists but the map cannot draw.
    pub fn undrawn(&self) -> Vec<&str> {
        self.areas
            .iter()
            .filter(|a| a.path.is_none())
            .map(|a| a.name.as_str())
            .collect()
    }
}
