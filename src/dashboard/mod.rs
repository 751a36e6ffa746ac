//! `/oversikt`: the steering group's dashboard. Incidents over time, by
//! category and by area (SVG charts with tables), coming high-risk events,
//! open cooperation needs, whether each group meets as the guideline says,
//! agreements, and the guideline's review date. Every figure has a CSV.
//! All counting happens in SQL.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::{Datelike, Days, Months, NaiveDate, Utc};
use serde::Deserialize;
use sqlx::types::Json;
use uuid::Uuid;

use crate::agreements::model::State as AgreementState;
use crate::error::{AppError, AppResult};
use crate::meetings::cadence::{ActiveSpan, Cadence, Compliance, MeetingCounts, StoredCadence};
use crate::meetings::calendar::Term;
use crate::page_cache;
use crate::planning::effect::MeasureLine;
use crate::state::AppState;
use crate::web::bounds;
use crate::web::charts;
use crate::web::choice::Choice;
use crate::web::csv::{Cell, Table};
use crate::web::day_start;
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
        let span = bounds::span(&self.fran, &self.till, 7 * 52 - 1);
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

/// A group of incidents (a top category or an area) and how many.
#[derive(Clone, Debug, Deserialize)]
struct Count {
    id: Uuid,
    name: String,
    n: i64,
}

/// A bucket of the incident chart: a week (or a month), its count, and
/// whether the period covers only part of it.
#[derive(Clone, Copy, Debug)]
pub struct Bucket {
    pub start: NaiveDate,
    pub n: i64,
    pub partial: bool,
}

/// The period's incidents counted in one grouped statement: per week, or per
/// month for long periods ([`Period::by_month`]; every bucket of the period,
/// also the quiet ones, each named by its first day), per top category and
/// per area.
#[derive(Clone)]
struct Counts {
    weeks: Vec<Bucket>,
    total: i64,
    by_category: Vec<Count>,
    by_area: Vec<Count>,
    /// The outline and the areas' boundaries, for the map.
    shapes: crate::map::Shapes,
    /// The incidents placed on the map: (longitude, latitude); of the
    /// map's category only, when one is chosen.
    placed: Vec<(f64, f64)>,
    /// The incidents per area of the map's category (all, when none is chosen).
    map_by_area: Vec<Count>,
    /// The top categories, for the map's filter.
    categories: Vec<AreaRow>,
    /// The police's events per bucket and type (the whole municipality).
    police: Vec<crate::sources::police::KindCount>,
}

/// A bucket's count as the statement brings it (quiet buckets are missing).
#[derive(Debug, Deserialize)]
struct Week {
    week: NaiveDate,
    n: i64,
}

async fn counts(state: &AppState, m: Uuid, p: &Period) -> AppResult<Counts> {
    let r = sqlx::query_file!(
        "src/dashboard/counts.sql",
        m,
        p.from,
        p.to,
        p.area,
        if p.by_month() { "month" } else { "week" },
        p.category
    )
    .fetch_one(&state.db)
    .await?;
    Ok(Counts {
        weeks: buckets(p, &r.weeks.0),
        total: r.total,
        by_category: r.by_category.0,
        by_area: r.by_area.0,
        shapes: r.shapes.0.into(),
        placed: r.placed.0,
        map_by_area: r.map_by_area.0,
        categories: r.categories.0,
        police: r.police.0,
    })
}

/// Every bucket of the period, also the quiet ones, with its count and
/// whether the period covers only part of it.
fn buckets(p: &Period, counted: &[Week]) -> Vec<Bucket> {
    bucket_starts(p)
        .into_iter()
        .map(|w| Bucket {
            start: w,
            n: counted.iter().find(|c| c.week == w).map_or(0, |c| c.n),
            partial: w < p.from || bucket_end(w, p.by_month()) > p.to,
        })
        .collect()
}

/// The first days of the period's weeks (Mondays) or months.
fn bucket_starts(p: &Period) -> Vec<NaiveDate> {
    if p.by_month() {
        let first = p.from.with_day(1).unwrap_or(p.from);
        std::iter::successors(Some(first), |d| d.checked_add_months(Months::new(1)))
            .take_while(|d| *d <= p.to)
            .collect()
    } else {
        let first = p.from - Days::new(u64::from(p.from.weekday().num_days_from_monday()));
        std::iter::successors(Some(first), |w| w.checked_add_days(Days::new(7)))
            .take_while(|w| *w <= p.to)
            .collect()
    }
}

/// The last day of the week or month that starts on `w`.
fn bucket_end(w: NaiveDate, monthly: bool) -> NaiveDate {
    if monthly {
        w.checked_add_months(Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(w)
    } else {
        w + Days::new(6)
    }
}

/// The trend: the last four whole weeks of the period against the four
/// before (weeks the period covers only in part are left out, so that an
/// ongoing week does not look like a drop).
pub fn trend(weeks: &[Bucket]) -> Option<String> {
    let whole: Vec<i64> = weeks.iter().filter(|w| !w.partial).map(|w| w.n).collect();
    if whole.len() < 8 {
        return None;
    }
    let recent: i64 = whole[whole.len() - 4..].iter().sum();
    let before: i64 = whole[whole.len() - 8..whole.len() - 4].iter().sum();
    let counted = crate::web::words::count(recent, "händelse", "händelser");
    Some(match (recent, before) {
        (_, 0) => format!("{counted} de senaste fyra hela veckorna (inga veckorna dessförinnan)"),
        (r, b) => {
            let change = (r - b) * 100 / b;
            let direction = if change > 0 {
                "fler"
            } else if change < 0 {
                "färre"
            } else {
                "lika många"
            };
            if change == 0 {
                format!(
                    "{counted} de senaste fyra hela veckorna, lika många som de fyra veckorna dessförinnan"
                )
            } else {
                format!(
                    "{counted} de senaste fyra hela veckorna, {}\u{a0}% {direction} än de fyra veckorna dessförinnan",
                    change.abs()
                )
            }
        }
    })
}

/// "v. 49", or "v. 49 2025" when the chart holds the same week number twice.
fn week_label(w: NaiveDate, with_year: bool) -> String {
    if with_year {
        format!("v. {} {}", w.iso_week().week(), w.iso_week().year())
    } else {
        format!("v. {}", w.iso_week().week())
    }
}

/// The figures, the trend sentence and the total.
type Drawn = (
    Vec<Figure>,
    Option<String>,
    i64,
    crate::map::Choropleth,
    crate::sources::police::KindTable,
);

fn figures(v: &Viewer, f: &Filter, p: &Period, counts: Counts) -> Drawn {
    let q = f.query(p);
    let weeks = &counts.weeks;
    let labels = bucket_labels(weeks, p.by_month());
    let police = crate::sources::police::kind_table(
        &counts.police,
        &weeks.iter().map(|w| w.start).collect::<Vec<_>>(),
        &labels,
    );
    let map = incident_map(v, p, &counts);
    let mut figures = vec![over_time(v, p, weeks, &labels)];
    figures.push(grouped(
        v,
        p,
        &q,
        counts.by_category,
        ("kategori", "Händelser per kategori", "Kategori"),
    ));
    figures.push(grouped(
        v,
        p,
        &q,
        counts.by_area,
        ("omrade", "Händelser per område", "Område"),
    ));
    let trend = if p.by_month() { None } else { trend(weeks) };
    (figures, trend, counts.total, map, police)
}

/// The buckets' names: "november 2026", or "v. 49" (with the year when
/// the chart holds the same week number twice).
fn bucket_labels(weeks: &[Bucket], monthly: bool) -> Vec<String> {
    let numbers: Vec<u32> = weeks.iter().map(|w| w.start.iso_week().week()).collect();
    let with_year = (1..numbers.len()).any(|i| numbers[..i].contains(&numbers[i]));
    weeks
        .iter()
        .map(|w| {
            if monthly {
                format!(
                    "{} {}",
                    crate::meetings::month_name(w.start.month()),
                    w.start.year()
                )
            } else {
                week_label(w.start, with_year)
            }
        })
        .collect()
}

/// The figure "Händelser per vecka" (or per month), one bar a bucket.
fn over_time(v: &Viewer, p: &Period, weeks: &[Bucket], labels: &[String]) -> Figure {
    let monthly = p.by_month();
    let part = if monthly {
        "ofullständig månad"
    } else {
        "ofullständig vecka"
    };
    let rows: Vec<Row> = weeks
        .iter()
        .zip(labels)
        .map(|(w, label)| Row {
            label: match (monthly, w.partial) {
                (true, false) => label.clone(),
                (true, true) => format!("{label} ({part})"),
                (false, false) => format!("{label} ({})", w.start),
                (false, true) => format!("{label} ({}, {part})", w.start),
            },
            value: w.n,
            href: v.reads_est.then(|| bucket_link(w.start, monthly)),
            partial: Some(w.partial),
        })
        .collect();
    let values: Vec<i64> = weeks.iter().map(|w| w.n).collect();
    let partial: Vec<bool> = weeks.iter().map(|w| w.partial).collect();
    let axis = if monthly { "Månad" } else { "Vecka" };
    Figure {
        key: "vecka",
        caption: format!(
            "Händelser per {}, {} – {}",
            if monthly { "månad" } else { "vecka" },
            p.from,
            p.to
        ),
        svg: charts::columns(labels, &values, &partial, axis, "fig-vecka"),
        rows,
        column: axis,
        partial_note: partial.iter().any(|x| *x).then_some(if monthly {
            "Ljusare staplar: månader som perioden bara täcker delvis."
        } else {
            "Ljusare staplar: veckor som perioden bara täcker delvis."
        }),
    }
}

/// The map: the incidents of its category per area, with the heat of
/// their points for those who may see them, and the category filter.
fn incident_map(v: &Viewer, p: &Period, counts: &Counts) -> crate::map::Choropleth {
    let filter = crate::map::CategoryFilter {
        action: "/oversikt".to_owned(),
        hidden: [
            ("fran", Some(p.from.to_string())),
            ("till", Some(p.to.to_string())),
            ("omrade", p.area.map(|a| a.to_string())),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect(),
        categories: counts
            .categories
            .iter()
            .map(|c| (c.id, c.label.clone()))
            .collect(),
        chosen: p.category,
    };
    let title = match filter.chosen_name() {
        Some(c) => format!("{c} per område på kartan"),
        None => "Händelser per område på kartan".to_owned(),
    };
    crate::map::Choropleth::new(
        "karta",
        title,
        &counts.shapes,
        &counts
            .map_by_area
            .iter()
            .map(|c| (c.name.clone(), c.n))
            .collect::<Vec<_>>(),
    )
    .for_period(p.from, p.to)
    .with_heat(&counts.placed, v.oversight)
    .with_filter(filter)
}

/// A figure of incidents per group (top category or area), given its key
/// (also the incident list's filter parameter), caption and column heading.
fn grouped(
    v: &Viewer,
    p: &Period,
    q: &str,
    counted: Vec<Count>,
    (key, caption, column): (&'static str, &str, &'static str),
) -> Figure {
    let labels: Vec<String> = counted.iter().map(|c| c.name.clone()).collect();
    let values: Vec<i64> = counted.iter().map(|c| c.n).collect();
    Figure {
        key,
        caption: format!("{caption}, {} – {}", p.from, p.to),
        svg: charts::bars(&labels, &values, &format!("fig-{key}")),
        rows: counted
            .into_iter()
            .map(|c| Row {
                href: v
                    .reads_est
                    .then(|| format!("/est/handelser?{q}&{key}={}", c.id)),
                label: c.name,
                value: c.n,
                partial: None,
            })
            .collect(),
        column,
        partial_note: None,
    }
}

/// Where a bucket's count leads: the week's lägesbild, or the month's
/// incidents.
fn bucket_link(w: NaiveDate, monthly: bool) -> String {
    if monthly {
        let last = bucket_end(w, true);
        format!("/est/handelser?fran={w}&till={last}")
    } else {
        format!(
            "/est/lagesbild/{}",
            crate::est::week::ReportWeek::containing(w + Days::new(7), 1).key()
        )
    }
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
    pub level: String,
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

/// A coming high-risk event as the statement brings it.
#[derive(Clone, Debug, Deserialize)]
struct RiskRow {
    occurs_on: NaiveDate,
    area: Option<String>,
    title: Option<String>,
}

/// An area (or a top category) to filter by.
#[derive(Clone, Debug, Deserialize)]
struct AreaRow {
    id: Uuid,
    label: String,
}

/// An active group with its cadence and this term's meetings, counted.
#[derive(Debug, Deserialize)]
struct GroupRow {
    id: Uuid,
    name: String,
    tier: String,
    cadence: Option<StoredCadence>,
    #[serde(flatten)]
    active: ActiveSpan,
    #[serde(flatten)]
    counts: MeetingCounts,
    next_planned: Option<NaiveDate>,
}

/// What decides an agreement's state.
#[derive(Debug, Deserialize)]
struct AgreementRow {
    status: crate::agreements::model::AgreementStatus,
    required: i64,
    signed: i64,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
}

/// Everything on the page besides the incident figures.
#[derive(Clone)]
struct Overview {
    risks: Vec<RiskRow>,
    open_needs: i64,
    areas: Vec<Choice>,
    groups: Vec<GroupLine>,
    agreements: Option<AgreementCounts>,
    measures: Option<MeasureCounts>,
    goals: Option<Vec<GoalLine>>,
    review_due: Option<NaiveDate>,
    /// Ongoing and finished measures, their progress and indicated effect.
    effects: Option<Vec<MeasureLine>>,
    /// The kommunkod and the first indicator's values from Kolada for it,
    /// its county and the country.
    kolada_code: Option<String>,
    kolada: Vec<crate::sources::kolada::Stored>,
}

/// The rest of the page in one statement. Groups: every active group in the
/// order of `/struktur` for the full view, else only the EST (the active
/// group with weekly reporting). Agreements, measures and goals: full view
/// only. Coming events follow the area filter.
async fn overview(
    state: &AppState,
    m: Uuid,
    full: bool,
    area: Option<Uuid>,
) -> AppResult<Overview> {
    let day = today();
    let term = Term::containing(day);
    let r = sqlx::query_file!(
        "src/dashboard/overview.sql",
        m,
        day,
        day_start(term.first_day()),
        day_start(term.last_day() + Days::new(1)),
        Utc::now(),
        full,
        area
    )
    .fetch_one(&state.db)
    .await?;
    let agreements = r
        .agreements
        .map(|rows| agreement_counts(&rows.0, r.gaps.unwrap_or(0), r.agreement_warning_days, day));
    Ok(Overview {
        risks: r.risks.0,
        open_needs: r.open_needs,
        areas: r
            .areas
            .0
            .into_iter()
            .map(|a| Choice {
                id: a.id,
                label: a.label,
            })
            .collect(),
        groups: group_lines(term, r.groups.0),
        agreements,
        measures: full.then_some(MeasureCounts {
            planned: r.planned,
            ongoing: r.ongoing,
            done: r.done,
            delayed: r.delayed,
        }),
        goals: r.goals.map(|g| g.0),
        review_due: r.review_due,
        kolada_code: r.code,
        kolada: r.kolada.0,
        effects: r.measure_effects.map(|rows| {
            rows.0
                .into_iter()
                .map(|row| MeasureLine::new(row, r.data_from, day))
                .collect()
        }),
    })
}

/// The groups' meeting compliance this term: the groups that should meet,
/// have met or have nothing planned.
fn group_lines(term: Term, rows: Vec<GroupRow>) -> Vec<GroupLine> {
    rows.into_iter()
        .filter_map(|g| {
            let cadence = Cadence::from_stored(g.cadence);
            let c = Compliance::new(term, &cadence, &g.active, g.counts);
            let nothing_planned = g.tier != "temporary" && g.next_planned.is_none();
            (c.required != 0 || c.held + c.planned != 0 || nothing_planned).then(|| GroupLine {
                group_id: g.id,
                text: c.summary(&g.name),
                on_track: c.on_track(),
                name: g.name,
                nothing_planned,
                compliance: c,
            })
        })
        .collect()
}

/// The agreements counted by their state on `day`.
fn agreement_counts(
    rows: &[AgreementRow],
    gaps: i64,
    warning_days: i32,
    day: NaiveDate,
) -> AgreementCounts {
    let mut counts = AgreementCounts {
        gaps,
        warning_days,
        ..AgreementCounts::default()
    };
    for a in rows {
        let state = AgreementState::derive(
            a.status,
            usize::try_from(a.required).unwrap_or(0),
            usize::try_from(a.signed).unwrap_or(0),
            a.valid_from,
            a.valid_to,
            day,
        );
        let days_left = a.valid_to.map(|to| (to - day).num_days());
        match state {
            AgreementState::InForce => {
                counts.in_force += 1;
                if days_left.is_some_and(|d| d <= i64::from(warning_days)) {
                    counts.expiring += 1;
                }
            }
            s if s.awaits_signatures() => counts.waiting += 1,
            _ => {}
        }
    }
    counts
}

/// What needs attention, soonest first: groups without a meeting planned
/// or behind their cadence, late measures, agreements waiting for
/// signatures or about to end, members without an agreement, coming
/// high-risk events and the guideline's review.
fn attention(o: &Overview, day: NaiveDate, reads_est: bool) -> Vec<Attention> {
    let mut list: Vec<Attention> = o
        .groups
        .iter()
        .filter_map(|g| group_attention(g, day))
        .collect();
    if let Some(ms) = &o.measures
        && ms.delayed > 0
    {
        list.push(Attention {
            text: format!(
                "{} i tid.",
                crate::web::words::count(
                    ms.delayed,
                    "åtgärd är inte klar",
                    "åtgärder är inte klara"
                )
            ),
            href: Some("/planering#atgarder".to_owned()),
            due: day,
        });
    }
    if let Some(a) = &o.agreements {
        list.extend(agreement_attention(a, day));
    }
    list.extend(o.risks.iter().map(|r| risk_attention(r, reads_est)));
    if let Some(due) = o.review_due.filter(|due| (*due - day).num_days() <= 180) {
        list.push(Attention {
            text: format!("Riktlinjen ska aktualitetsprövas senast {due}."),
            href: Some("/struktur".to_owned()),
            due,
        });
    }
    list.sort_by_key(|a| a.due);
    list
}

/// A group without a meeting planned, or behind its cadence.
fn group_attention(g: &GroupLine, day: NaiveDate) -> Option<Attention> {
    if g.nothing_planned {
        Some(Attention {
            text: format!("{} har inget möte planerat.", g.name),
            href: Some(format!("/grupper/{}", g.group_id)),
            due: day,
        })
    } else if !g.on_track {
        Some(Attention {
            text: format!("{} – färre möten än riktlinjen anger.", g.text),
            href: Some(format!("/grupper/{}", g.group_id)),
            due: g.compliance.term.last_day(),
        })
    } else {
        None
    }
}

/// Agreements waiting for signatures or about to end, and external members
/// without an agreement in force.
fn agreement_attention(a: &AgreementCounts, day: NaiveDate) -> Vec<Attention> {
    use crate::web::words::count;
    let mut list = Vec::new();
    if a.waiting > 0 {
        list.push(Attention {
            text: format!(
                "{} på signaturer.",
                count(a.waiting, "avtal väntar", "avtal väntar")
            ),
            href: Some("/avtal#waiting".to_owned()),
            due: day,
        });
    }
    if a.expiring > 0 {
        list.push(Attention {
            text: format!(
                "{} ut inom {}.",
                count(a.expiring, "avtal går", "avtal går"),
                count(a.warning_days, "dag", "dagar")
            ),
            href: Some("/avtal#expiring".to_owned()),
            due: day + Days::new(u64::try_from(a.warning_days).unwrap_or(0)),
        });
    }
    if a.gaps > 0 {
        list.push(Attention {
            text: format!(
                "{} i en grupp utan avtal i kraft.",
                count(a.gaps, "extern aktör deltar", "externa aktörer deltar")
            ),
            href: Some("/avtal#gaps".to_owned()),
            due: day,
        });
    }
    list
}

/// A coming event with high risk.
fn risk_attention(r: &RiskRow, reads_est: bool) -> Attention {
    let mut text = format!("{}: kommande händelse med hög risk", r.occurs_on);
    if let Some(t) = &r.title {
        text.push_str(&format!(", {t}"));
    }
    if let Some(a) = &r.area {
        text.push_str(&format!(" ({a})"));
    }
    text.push('.');
    Attention {
        text,
        href: reads_est.then(|| "/est#kommande".to_owned()),
        due: r.occurs_on,
    }
}

/// `GET /oversikt`: two statements, the incident figures and the rest.
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> AppResult<DashboardPage> {
    let v = viewer(&user)?;
    let m = user.municipality_id();
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
    m: Uuid,
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
    m: Uuid,
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
/// per cell.
pub async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Params(file): Params<String>,
    Query(filter): Query<Filter>,
) -> AppResult<Response> {
    let key = file.strip_suffix(".csv").ok_or(AppError::NotFound)?;
    let v = viewer(&user)?;
    let m = user.municipality_id();
    let period = filter.period();
    if key == "efterlevnad" {
        let groups = overview(&state, m, v.full, period.area).await?.groups;
        return compliance_csv(groups);
    }
    let counted = counts(&state, m, &period).await?;
    let figure = figures(&v, &filter, &period, counted)
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
