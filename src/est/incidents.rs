//! `/est/handelser`: the incidents behind a dashboard figure, for those who
//! may read EST texts: filtered by period, category, area and organisation,
//! sorted by a column, fifty to a page, and as CSV (exactly the filtered
//! rows). Every parameter is bounded: what cannot be used is said on the
//! page, and the page shows the nearest thing that can.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::types::Json;
use uuid::Uuid;

use super::access::EstAccess;
use super::db::ChoiceRow;
use crate::error::AppResult;
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::bounds;
use crate::web::csv::{Cell, Table};
use crate::web::extract::CurrentUser;
use crate::web::forms::Query;
use crate::web::layout::Chrome;

/// Rows on a page.
pub const PAGE_SIZE: i64 = 50;

/// The highest page number read from a link; higher is clamped to the last page.
const MAX_PAGE: i64 = 1_000_000;

/// The query string as typed (every field optional, nothing rejected).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IncidentQuery {
    fran: String,
    till: String,
    omrade: String,
    kategori: String,
    org: String,
    sort: String,
    ordning: String,
    sida: String,
}

/// A column the list can be sorted by: its key in links and its heading.
pub const SORTS: [(&str, &str); 5] = [
    ("datum", "Datum"),
    ("kategori", "Kategori"),
    ("omrade", "Område"),
    ("organisation", "Organisation"),
    ("otrygghet", "Otrygghet"),
];

/// The checked filter, sort and page, as the links of the page repeat them.
#[derive(Clone)]
pub struct Filter {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub area: Option<Uuid>,
    pub category: Option<Uuid>,
    pub organisation: Option<Uuid>,
    pub sort: &'static str,
    pub ascending: bool,
    pub page: i64,
}

impl Filter {
    /// Reads the query string; what cannot be used gives a note.
    pub fn read(q: &IncidentQuery, notes: &mut Vec<String>) -> Self {
        let span = bounds::span(&q.fran, &q.till);
        notes.extend(span.notes);
        let mut id = |value: &str, what: &str| match value.trim() {
            "" => None,
            v => Uuid::parse_str(v).ok().or_else(|| {
                notes.push(format!("{what} kunde inte läsas; alla visas."));
                None
            }),
        };
        let area = id(&q.omrade, "Området");
        let category = id(&q.kategori, "Kategorin");
        let organisation = id(&q.org, "Organisationen");
        let sort = match SORTS.iter().find(|(key, _)| *key == q.sort.trim()) {
            Some((key, _)) => *key,
            None => {
                if !q.sort.trim().is_empty() {
                    notes.push("Listan kan inte sorteras så; den sorteras efter datum.".to_owned());
                }
                "datum"
            }
        };
        let ascending = match q.ordning.trim() {
            "stigande" => true,
            "" | "fallande" => false,
            _ => {
                notes.push("Ordningen kunde inte läsas; fallande ordning används.".to_owned());
                false
            }
        };
        let page = match q.sida.trim() {
            "" => 1,
            v => match v.parse::<i64>() {
                Ok(n) if n >= 1 => n.min(MAX_PAGE),
                _ => {
                    notes.push(format!(
                        "Sidnumret ”{}” kunde inte läsas; sidan 1 visas.",
                        v.chars().take(20).collect::<String>()
                    ));
                    1
                }
            },
        };
        Self {
            from: span.from,
            to: span.to,
            area,
            category,
            organisation,
            sort,
            ascending,
            page,
        }
    }

    /// The query string for these values (all of them checked, so nothing
    /// in it needs escaping beyond what the encoder does).
    fn query(&self, sort: &str, ascending: bool, page: i64) -> String {
        let mut pairs: Vec<(&str, String)> = vec![
            ("fran", self.from.to_string()),
            ("till", self.to.to_string()),
        ];
        for (key, value) in [
            ("kategori", self.category),
            ("omrade", self.area),
            ("org", self.organisation),
        ] {
            if let Some(v) = value {
                pairs.push((key, v.to_string()));
            }
        }
        pairs.push(("sort", sort.to_owned()));
        pairs.push((
            "ordning",
            if ascending { "stigande" } else { "fallande" }.to_owned(),
        ));
        if page > 1 {
            pairs.push(("sida", page.to_string()));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    /// The list with the same filter and sort, on another page.
    pub fn page_link(&self, page: impl std::borrow::Borrow<i64>) -> String {
        format!(
            "/est/handelser?{}",
            self.query(self.sort, self.ascending, *page.borrow())
        )
    }

    /// Sorting by a column: its first click sorts dates and numbers newest
    /// or highest first and names A to Ö; a second click turns it round.
    pub fn sort_link(&self, key: &str) -> String {
        let ascending = if key == self.sort {
            !self.ascending
        } else {
            !matches!(key, "datum" | "otrygghet")
        };
        format!("/est/handelser?{}", self.query(key, ascending, 1))
    }

    /// `aria-sort` of a column heading, when the list is sorted by it.
    pub fn aria_sort(&self, key: &str) -> &'static str {
        match (key == self.sort, self.ascending) {
            (false, _) => "",
            (true, true) => "ascending",
            (true, false) => "descending",
        }
    }

    /// The CSV of exactly the filtered rows, in the same order.
    pub fn csv_link(&self) -> String {
        format!(
            "/est/handelser.csv?{}",
            self.query(self.sort, self.ascending, 1)
        )
    }
}

/// An incident in the list.
#[derive(Debug, Deserialize, Clone)]
pub struct Row {
    pub occurred_on: NaiveDate,
    pub category: String,
    pub subcategory: Option<String>,
    pub area: String,
    pub description: Option<String>,
    pub organisation: String,
    pub insecurity: i16,
    pub reported_to_police: bool,
    pub week_start: NaiveDate,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
}

impl Row {
    /// `Skadegörelse – klotter`, as everywhere.
    pub fn category_label(&self) -> String {
        super::model::category_label(&self.category, self.subcategory.as_deref())
    }

    pub fn week_key(&self) -> String {
        super::week::ReportWeek {
            monday: self.week_start,
        }
        .key()
    }
}

/// What one statement returns: the page (or all rows, for the CSV), how
/// many rows the filter gives, the page shown, and the filter's choices.
#[derive(Clone)]
struct Listing {
    total: i64,
    page: i64,
    rows: Vec<Row>,
    categories: Vec<ChoiceRow>,
    areas: Vec<ChoiceRow>,
    organisations: Vec<ChoiceRow>,
    /// The filtered incidents per area, for the map (all pages).
    by_area: Vec<(String, i64)>,
    /// The filtered incidents placed on the map: (longitude, latitude).
    placed: Vec<(f64, f64)>,
    shapes: crate::map::Shapes,
}

/// The filtered incidents in one statement. `page_size` `None` gives every
/// row (the CSV); otherwise the page is clamped to the last one there is.
async fn listing(
    state: &AppState,
    m: MunicipalityId,
    f: &Filter,
    page_size: Option<i64>,
) -> AppResult<Listing> {
    let row = sqlx::query_file!(
        "src/est/incidents_listing.sql",
        m.get(),
        f.from,
        f.to,
        f.area,
        f.category,
        f.organisation,
        f.sort,
        f.ascending,
        f.page,
        page_size
    )
    .fetch_one(&state.db)
    .await?;
    Ok(Listing {
        total: row.total,
        page: row.page,
        rows: row.rows.0,
        categories: row.categories.0,
        areas: row.areas.0,
        organisations: row.organisations.0,
        by_area: row.by_area.0,
        placed: row.placed.0,
        shapes: row.shapes.0.into(),
    })
}

/// Notes for chosen filter values that are not among the choices.
fn unknown_choices(f: &Filter, l: &Listing, notes: &mut Vec<String>) {
    for (value, choices, what) in [
        (f.category, &l.categories, "Kategorin"),
        (f.area, &l.areas, "Området"),
        (f.organisation, &l.organisations, "Organisationen"),
    ] {
        if value.is_some_and(|v| !choices.iter().any(|c| c.id == v)) {
            notes.push(format!(
                "{what} finns inte i listan; inga händelser matchar."
            ));
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "est/incidents.html")]
pub struct IncidentsPage {
    chrome: Chrome,
    filter: Filter,
    rows: Vec<Row>,
    total: i64,
    /// The first and last row shown (1-based).
    first: i64,
    last: i64,
    pages: i64,
    categories: Vec<ChoiceRow>,
    areas: Vec<ChoiceRow>,
    organisations: Vec<ChoiceRow>,
    sorts: [(&'static str, &'static str); 5],
    /// Offers the GeoJSON export (`crate::est::geojson`).
    oversight: bool,
    /// The filtered incidents (every page) per area on the map, with its table.
    map: crate::map::Choropleth,
}

impl IncidentsPage {
    fn chosen(value: Option<Uuid>, id: &Uuid) -> bool {
        value == Some(*id)
    }

    pub fn category_chosen(&self, id: &Uuid) -> bool {
        Self::chosen(self.filter.category, id)
    }

    pub fn area_chosen(&self, id: &Uuid) -> bool {
        Self::chosen(self.filter.area, id)
    }

    pub fn organisation_chosen(&self, id: &Uuid) -> bool {
        Self::chosen(self.filter.organisation, id)
    }
}

/// A page of the list and its map, drawn once and then kept in memory
/// while nothing in the municipality changes (the map is the page's most
/// expensive part).
async fn shown(
    state: &AppState,
    m: MunicipalityId,
    filter: &Filter,
    oversight: bool,
) -> AppResult<std::sync::Arc<(Listing, crate::map::Choropleth)>> {
    let key = format!(
        "handelser:{}:{oversight}",
        filter.query(filter.sort, filter.ascending, filter.page)
    );
    state
        .pages
        .get_or_load(m, key, || async {
            let l = listing(state, m, filter, Some(PAGE_SIZE)).await?;
            let map = crate::map::Choropleth::new(
                "karta",
                "Händelserna per område på kartan".to_owned(),
                &l.shapes,
                &l.by_area,
            )
            .for_period(filter.from, filter.to)
            .with_heat(&l.placed, oversight)
            .with_tiles(state.tiles.as_deref());
            Ok((l, map))
        })
        .await
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<IncidentQuery>,
) -> AppResult<IncidentsPage> {
    let access = EstAccess::cached(&state, &user).await?;
    access.require_read()?;
    let mut notes = Vec::new();
    let mut filter = Filter::read(&q, &mut notes);
    let shown = shown(&state, user.tenant(), &filter, access.oversight).await?;
    let (l, map) = (&shown.0, shown.1.clone());
    unknown_choices(&filter, l, &mut notes);
    let pages = ((l.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    if l.page != filter.page {
        notes.push(format!(
            "Sidan {} finns inte; listan har {}. Sidan {} visas.",
            filter.page,
            crate::web::words::count(pages, "sida", "sidor"),
            l.page
        ));
        filter.page = l.page;
    }
    let first = if l.total == 0 {
        0
    } else {
        (l.page - 1) * PAGE_SIZE + 1
    };
    let last = first + i64::try_from(l.rows.len()).unwrap_or(0) - i64::from(l.total > 0);
    let mut chrome = user.chrome("est").await;
    bounds::note(&mut chrome, &notes);
    Ok(IncidentsPage {
        map,
        chrome,
        filter,
        rows: l.rows.clone(),
        total: l.total,
        first,
        last,
        pages,
        categories: l.categories.clone(),
        areas: l.areas.clone(),
        organisations: l.organisations.clone(),
        sorts: SORTS,
        oversight: access.oversight,
    })
}

/// `GET /est/handelser.csv`: the filtered rows, all of them, sorted as on
/// the page; one value per cell.
pub async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<IncidentQuery>,
) -> AppResult<Response> {
    let access = EstAccess::load(&state.db, &user).await?;
    access.require_read()?;
    let filter = Filter::read(&q, &mut Vec::new());
    let l = listing(&state, user.tenant(), &filter, None).await?;
    let mut head = vec![
        "datum",
        "kategori",
        "område",
        "beskrivning",
        "otrygghet (1-5)",
        "polisanmäld",
        "organisation",
        "rapportvecka",
    ];
    // Where it happened, to the metre, only for those with oversight (as
    // the GeoJSON export).
    if access.oversight {
        head.extend(["latitud", "longitud"]);
    }
    let mut table = Table::new(&head)?;
    for r in &l.rows {
        let mut row = vec![
            Cell::Text(r.occurred_on.to_string()),
            Cell::Text(r.category_label()),
            Cell::Text(r.area.clone()),
            Cell::Text(r.description.clone().unwrap_or_default()),
            Cell::Number(i64::from(r.insecurity)),
            Cell::from(if r.reported_to_police { "ja" } else { "nej" }),
            Cell::Text(r.organisation.clone()),
            Cell::Text(r.week_key()),
        ];
        if access.oversight {
            row.extend([
                crate::web::csv::coordinate(r.latitude),
                crate::web::csv::coordinate(r.longitude),
            ]);
        }
        table.row(row)?;
    }
    Ok(table
        .into_response(&format!("handelser-{}-{}.csv", filter.from, filter.to))?
        .into_response())
}
