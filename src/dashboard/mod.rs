//! `/oversikt`: the steering group's dashboard. Incidents over time, by
//! category and by area (SVG charts with tables), coming high-risk events,
//! open cooperation needs, whether each group meets as the guideline says,
//! agreements, and the guideline's review date. Every figure has a CSV.
//! All counting happens in SQL.

mod attention;
mod counts;
mod figures;
mod overview;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

pub use counts::Bucket;
pub use figures::trend;

use attention::attention;
use counts::counts;
use figures::{Drawn, figures};
use overview::{Overview, RiskRow, overview};

use crate::error::{AppError, AppResult};
use crate::meetings::cadence::Compliance;
use crate::page_cache;
use crate::planning::effect::MeasureLine;
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::bounds;
use crate::web::choice::Choice;
use crate::web::csv::{Cell, Table};
use crate::web::extract::CurrentUser;
use crate::web::forms::Query;
use crate::web::layout::Chrome;
use crate::web::path::Params;
use crate::web::today;

/// The routes of this feature.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oversikt", get(page))
        .route("/oversikt/{figure}", get(csv))
}

/// Period and area filters (`?fran=2026-01-01&till=2026-11-25&omrade=…`).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct Filter {
    pub fran: String,
    pub till: String,
    pub omrade: String,
    /// The map's category (only the map follows it).
    pub kategori: String,
}

/// The filter, validated: the last 52 weeks by default, never more than
/// ten years (see [`crate::web::bounds::span`]).
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub area: Option<Uuid>,
    /// The map's category: a top category, its subcategories included.
    pub category: Option<Uuid>,
    /// What was changed in the filter, for the page to say.
    pub notes: Vec<String>,
}

impl Period {
    /// Long periods are counted per month, so that no table or chart grows
    /// past about 120 rows.
    pub fn by_month(&self) -> bool {
        (self.to - self.from).num_days() > 7 * 104
    }
}

impl Filter {
    fn period(&self) -> Period {
        let span = bounds::span(&self.fran, &self.till);
        let mut notes = span.notes;
        let category = crate::map::category_param(&self.kategori, &mut notes);
        Period {
            from: span.from,
            to: span.to,
            area: Uuid::parse_str(self.omrade.trim()).ok(),
            category,
            notes,
        }
    }

    /// The query string for links and exports.
    pub fn query(&self, p: &Period) -> String {
        let mut q = format!("fran={}&till={}", p.from, p.to);
        if let Some(a) = p.area {
            q.push_str(&format!("&omrade={a}"));
        }
        q
    }
}

/// What the viewer may see, from the seats cached with the session.
struct Viewer {
    /// The Styrgrupp, the beredningsgrupp, the coordinator and the kommunpolis.
    full: bool,
    /// The coordinator and the kommunpolis: see the map's points.
    oversight: bool,
    /// May open the records behind the EST figures (free texts): the
    /// coordinator, the kommunpolis, the EST and the beredningsgrupp.
    reads_est: bool,
}

/// Everyone else in the EST sees the EST's own figures; the rest are refused.
fn viewer(user: &CurrentUser) -> AppResult<Viewer> {
    let w = &user.municipality;
    let oversight = w.is_admin || w.oversight;
    let full = oversight || w.steering || w.council;
    if !full && !w.reporting {
        return Err(AppError::Forbidden);
    }
    Ok(Viewer {
        full,
        oversight,
        reads_est: oversight || w.reporting || w.council,
    })
}

/// A bar in a figure: its label, value and where its records are.
#[derive(Clone)]
pub struct Row {
    pub label: String,
    pub value: i64,
    pub href: Option<String>,
    /// Over time: whether the period covers only part of the bucket.
    pub partial: Option<bool>,
}

/// A figure: caption, chart and table rows.
#[derive(Clone)]
pub struct Figure {
    pub key: &'static str,
    pub caption: String,
    pub svg: String,
    pub rows: Vec<Row>,
    /// The heading of the label column.
    pub column: &'static str,
    /// Says which bars stand for part of a week or month.
    pub partial_note: Option<&'static str>,
}

/// A coming event with high risk.
pub struct Risk {
    pub occurs_on: NaiveDate,
    pub area: Option<String>,
    pub title: Option<String>,
}

impl From<RiskRow> for Risk {
    fn from(r: RiskRow) -> Self {
        Risk {
            occurs_on: r.occurs_on,
            area: r.area,
            title: r.title,
        }
    }
}

/// A group's meeting compliance this term.
#[derive(Clone)]
pub struct GroupLine {
    pub group_id: Uuid,
    pub name: String,
    pub text: String,
    pub on_track: bool,
    /// A group that meets by the guideline (every tier but the temporary
    /// working groups) and has no meeting planned from today on.
    pub nothing_planned: bool,
    pub compliance: Compliance,
}

/// Agreement counts. `in_force` counts every agreement in force, also the
/// `expiring` ones among them.
#[derive(Clone, Default)]
pub struct AgreementCounts {
    pub in_force: i64,
    pub waiting: i64,
    pub expiring: i64,
    pub gaps: i64,
    pub warning_days: i32,
}

/// A goal with an indicator or a target, and its latest follow-up.
#[derive(Clone, Debug, Deserialize)]
pub struct GoalLine {
    pub id: Uuid,
    pub level: crate::planning::model::GoalLevel,
    pub title: String,
    pub indicator: String,
    pub target: String,
    pub target_date: Option<NaiveDate>,
    pub value: Option<String>,
    pub measured_on: Option<NaiveDate>,
}

/// Something on the dashboard that needs attention, soonest first.
pub struct Attention {
    pub text: String,
    pub href: Option<String>,
    pub due: NaiveDate,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/index.html")]
pub struct DashboardPage {
    chrome: Chrome,
    municipality: String,
    filter: Filter,
    period: Period,
    query: String,
    area_name: Option<String>,
    areas: Vec<Choice>,
    figures: Vec<Figure>,
    /// The period's incidents per area on the map, with its table.
    map: crate::map::Choropleth,
    trend: Option<String>,
    /// The police's events per week (or month) and type.
    police: crate::sources::police::KindTable,
    /// Kolada's reported crimes per 100 000 inhabitants over the years.
    kolada: Option<crate::sources::kolada::Trend>,
    total: i64,
    attention: Vec<Attention>,
    goals: Option<Vec<GoalLine>>,
    risks: Vec<Risk>,
    open_needs: i64,
    groups: Vec<GroupLine>,
    agreements: Option<AgreementCounts>,
    measures: Option<MeasureCounts>,
    /// The table "Åtgärder och effekt" (full view only).
    effects: Option<Vec<MeasureLine>>,
    review_due: Option<NaiveDate>,
    reads_est: bool,
}

/// How the action plan's measures are going.
#[derive(Clone)]
pub struct MeasureCounts {
    pub planned: i64,
    pub ongoing: i64,
    pub done: i64,
    pub delayed: i64,
}

/// An area (or a top category) to filter by.
#[derive(Clone, Debug, Deserialize)]
struct AreaRow {
    id: Uuid,
    label: String,
}

/// `GET /oversikt`: two statements, the incident figures and the rest.
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> AppResult<DashboardPage> {
    let v = viewer(&user)?;
    let m = user.tenant();
    let period = filter.period();
    let (figures, trend, total, map, police) = drawn(&state, &v, m, &filter, &period).await?;
    let map = map.with_tiles(state.tiles.as_deref());
    let o = cached_overview(&state, m, &v, period.area).await?;
    let attention = attention(&o, today(), v.reads_est);
    let mut chrome = user.chrome("oversikt").await;
    bounds::note(&mut chrome, &notes(&period, &map));
    let kolada =
        crate::sources::kolada::trend(o.kolada_code.as_deref(), &o.kolada, &user.municipality.name);
    Ok(DashboardPage {
        kolada,
        chrome,
        municipality: user.municipality.name.clone(),
        query: filter.query(&period),
        area_name: period
            .area
            .and_then(|a| o.areas.iter().find(|c| c.id == a).map(|c| c.label.clone())),
        areas: o.areas,
        filter,
        period,
        figures,
        map,
        trend,
        police,
        total,
        attention,
        goals: o.goals,
        risks: o.risks.into_iter().map(Risk::from).collect(),
        open_needs: o.open_needs,
        groups: o.groups,
        agreements: o.agreements,
        measures: o.measures,
        effects: o.effects,
        review_due: o.review_due,
        reads_est: v.reads_est,
    })
}

/// The figures, charts drawn, kept as long as the incidents stay the same.
async fn drawn(
    state: &AppState,
    v: &Viewer,
    m: MunicipalityId,
    filter: &Filter,
    period: &Period,
) -> AppResult<Drawn> {
    let key = format!(
        "{}:{}:{}:{:?}",
        v.reads_est,
        v.oversight,
        filter.query(period),
        period.category
    );
    let drawn = state
        .pages
        .get_or_load(m, key, || async {
            let counted = counts(state, m, period).await?;
            Ok(figures(v, filter, period, counted))
        })
        .await?;
    Ok(Drawn::clone(&drawn))
}

/// The rest of the page: the statement compares with the clock, so it is
/// kept for the minute at most.
async fn cached_overview(
    state: &AppState,
    m: MunicipalityId,
    v: &Viewer,
    area: Option<Uuid>,
) -> AppResult<Overview> {
    let key = format!("{}:{:?}:{}", v.full, area, page_cache::minute(Utc::now()));
    let o = state
        .pages
        .get_or_load(m, key, || overview(state, m, v.full, area))
        .await?;
    Ok(Overview::clone(&o))
}

/// What the page says about the filter: what was changed in it, and a
/// map category that does not exist.
fn notes(period: &Period, map: &crate::map::Choropleth) -> Vec<String> {
    let mut notes = period.notes.clone();
    if period.category.is_some()
        && map
            .filter
            .as_ref()
            .is_some_and(|f| f.chosen_name().is_none())
    {
        notes.push("Kategorin finns inte; kartan visar inga händelser.".to_owned());
    }
    notes
}

/// `GET /oversikt/{figure}.csv`: the figure's table as CSV, one number
/// per cell. From the page's data in memory when the page was just seen
/// (an export is opened from it), so it is the figure on the screen.
pub async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Params(file): Params<String>,
    Query(filter): Query<Filter>,
) -> AppResult<Response> {
    let key = file.strip_suffix(".csv").ok_or(AppError::NotFound)?;
    let v = viewer(&user)?;
    let m = user.tenant();
    let period = filter.period();
    if key == "efterlevnad" {
        let groups = cached_overview(&state, m, &v, period.area).await?.groups;
        return compliance_csv(groups);
    }
    let figure = drawn(&state, &v, m, &filter, &period)
        .await?
        .0
        .into_iter()
        .find(|f| f.key == key)
        .ok_or(AppError::NotFound)?;
    figure_csv(figure)
}

/// The groups' meeting compliance this term, one group a row.
fn compliance_csv(groups: Vec<GroupLine>) -> AppResult<Response> {
    let mut table = Table::new(&[
        "Grupp",
        "Termin",
        "Aktiv från",
        "Aktiv till",
        "Möten enligt riktlinjen",
        "Hållna",
        "Planerade",
        "Inställda",
        "Ej protokollförda",
        "Enligt riktlinjen (1 = ja)",
        "Inget möte planerat (1 = ja)",
    ])?;
    for l in groups {
        let c = &l.compliance;
        let (from, to) = c.part.unwrap_or((c.term.first_day(), c.term.last_day()));
        table.row([
            Cell::Text(l.name),
            Cell::Text(c.term.short_label()),
            Cell::Text(from.to_string()),
            Cell::Text(to.to_string()),
            Cell::Number(i64::from(c.required)),
            Cell::Number(c.held),
            Cell::Number(c.planned),
            Cell::Number(c.cancelled),
            Cell::Number(c.unrecorded),
            Cell::Number(i64::from(l.on_track)),
            Cell::Number(i64::from(l.nothing_planned)),
        ])?;
    }
    table.into_response("oversikt-efterlevnad.csv")
}

/// A figure's table; over time also whether the period covers each bucket
/// whole.
fn figure_csv(figure: Figure) -> AppResult<Response> {
    let key = figure.key;
    if key == "vecka" {
        let mut table = Table::new(&[figure.column, "Händelser", "Hela perioden (1 = ja)"])?;
        for r in figure.rows {
            let whole = i64::from(!r.partial.unwrap_or(false));
            table.row([
                Cell::Text(r.label),
                Cell::Number(r.value),
                Cell::Number(whole),
            ])?;
        }
        return table.into_response("oversikt-vecka.csv");
    }
    let mut table = Table::new(&[figure.column, "Händelser"])?;
    for r in figure.rows {
        table.row([Cell::Text(r.label), Cell::Number(r.value)])?;
    }
    table.into_response(&format!("oversikt-{key}.csv"))
}
