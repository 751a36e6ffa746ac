//! `/oversikt`: the steering group's dashboard. Incidents over time, by
//! category and by area (SVG charts with tables), coming high-risk events,
//! open cooperation needs, whether each group meets as the guideline says,
//! agreements, and the guideline's review date. Every figure has a CSV.
//! All counting happens in SQL.

pub mod charts;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Deserialize;
use uuid::Uuid;

use crate::agreements::compliance as agreement_compliance;
use crate::agreements::db as agreements_db;
use crate::agreements::model::State as AgreementState;
use crate::error::{AppError, AppResult};
use crate::est::access::EstAccess;
use crate::meetings::access::Access;
use crate::meetings::cadence;
use crate::meetings::calendar::Term;
use crate::state::AppState;
use crate::structure::admin::Choice;
use crate::web::bounds;
use crate::web::csv::{Cell, Table};
use crate::web::extract::CurrentUser;
use crate::web::layout::Chrome;
use crate::web::today;

/// The routes of this feature.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oversikt", get(page))
        .route("/oversikt/{figure}", get(csv))
}

/// Period and area filters (`?fran=2026-01-01&till=2026-11-25&omrade=…`).
#[derive(Deserialize, Default, Clone)]
pub struct Filter {
    #[serde(default)]
    pub fran: String,
    #[serde(default)]
    pub till: String,
    #[serde(default)]
    pub omrade: String,
}

/// The filter, validated: the last 52 weeks by default, never more than
/// ten years (see [`crate::web::bounds::span`]).
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub area: Option<Uuid>,
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
        Period {
            from: span.from,
            to: span.to,
            area: Uuid::parse_str(self.omrade.trim()).ok(),
            notes: span.notes,
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

/// What the viewer may see.
struct Viewer {
    /// The Styrgrupp, the beredningsgrupp, the coordinator and the kommunpolis.
    full: bool,
    /// May open the records behind the EST figures (free texts).
    reads_est: bool,
    est_group: Option<Uuid>,
}

async fn viewer(state: &AppState, user: &CurrentUser) -> AppResult<Viewer> {
    let access = Access::load(&state.db, user).await?;
    let est = EstAccess::with_access(&state.db, user, &access).await?;
    let leading: Vec<Uuid> = sqlx::query_scalar!(
        "select id from work_group where municipality_id = $1 and tier in ('styrgrupp', 'beredningsgrupp')",
        user.municipality_id()
    )
    .fetch_all(&state.db)
    .await?;
    let full = access.admin || access.oversight || leading.iter().any(|g| access.sits_in(*g));
    let est_member = est.group_id.is_some_and(|g| access.sits_in(g));
    if !full && !est_member {
        return Err(AppError::Forbidden);
    }
    Ok(Viewer {
        full,
        reads_est: est.can_read,
        est_group: est.group_id,
    })
}

/// A bar in a figure: its label, value and where its records are.
pub struct Row {
    pub label: String,
    pub value: i64,
    pub href: Option<String>,
}

/// A figure: caption, chart and table rows.
pub struct Figure {
    pub key: &'static str,
    pub caption: String,
    pub svg: String,
    pub rows: Vec<Row>,
    /// The heading of the label column.
    pub column: &'static str,
}

/// Incidents per week, or per month for long periods ([`Period::by_month`]);
/// each bucket named by its first day.
async fn incidents_per_bucket(
    state: &AppState,
    m: Uuid,
    p: &Period,
) -> AppResult<Vec<(NaiveDate, i64)>> {
    let unit = if p.by_month() { "month" } else { "week" };
    let rows = sqlx::query!(
        r#"select date_trunc($5::text, i.occurred_on)::date as "bucket!", count(*) as "n!"
           from est_incident i
           where i.municipality_id = $1 and i.occurred_on between $2 and $3
             and ($4::uuid is null or i.area_id = $4) and i.duplicate_of is null
           group by 1 order by 1"#,
        m,
        p.from,
        p.to,
        p.area,
        unit
    )
    .fetch_all(&state.db)
    .await?;
    // Every bucket of the period, also the quiet ones.
    let buckets: Vec<NaiveDate> = if p.by_month() {
        let first = p.from.with_day(1).unwrap_or(p.from);
        std::iter::successors(Some(first), |d| d.checked_add_months(Months::new(1)))
            .take_while(|d| *d <= p.to)
            .collect()
    } else {
        let first = p.from - Days::new(u64::from(p.from.weekday().num_days_from_monday()));
        std::iter::successors(Some(first), |w| w.checked_add_days(Days::new(7)))
            .take_while(|w| *w <= p.to)
            .collect()
    };
    Ok(buckets
        .into_iter()
        .map(|w| (w, rows.iter().find(|r| r.bucket == w).map_or(0, |r| r.n)))
        .collect())
}

async fn incidents_by(
    state: &AppState,
    m: Uuid,
    p: &Period,
    by_area: bool,
) -> AppResult<Vec<(Uuid, String, i64)>> {
    let rows = sqlx::query!(
        r#"select case when $5 then a.id else coalesce(pc.id, c.id) end as "id!",
                  case when $5 then a.name else coalesce(pc.name, c.name) end as "name!",
                  count(*) as "n!"
           from est_incident i
           join incident_category c on c.id = i.category_id
           left join incident_category pc on pc.id = c.parent_id
           join area a on a.id = i.area_id
           where i.municipality_id = $1 and i.occurred_on between $2 and $3
             and ($4::uuid is null or i.area_id = $4) and i.duplicate_of is null
           group by 1, 2 order by 3 desc, 2"#,
        m,
        p.from,
        p.to,
        p.area,
        by_area
    )
    .fetch_all(&state.db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.name, r.n)).collect())
}

/// The trend: the last four weeks against the four before.
pub fn trend(weeks: &[(NaiveDate, i64)]) -> Option<String> {
    if weeks.len() < 8 {
        return None;
    }
    let recent: i64 = weeks[weeks.len() - 4..].iter().map(|w| w.1).sum();
    let before: i64 = weeks[weeks.len() - 8..weeks.len() - 4]
        .iter()
        .map(|w| w.1)
        .sum();
    Some(match (recent, before) {
        (r, 0) => format!("{r} händelser de senaste fyra veckorna (inga veckorna dessförinnan)"),
        (r, b) => {
            let change = (r - b) * 100 / b;
            let direction = if change > 0 {
                "fler"
            } else if change < 0 {
                "färre"
            } else {
                "lika många"
            };
            format!(
                "{r} händelser de senaste fyra veckorna, {} % {direction} än de fyra veckorna dessförinnan",
                change.abs()
            )
        }
    })
}

fn week_label(w: NaiveDate) -> String {
    format!("v. {}", w.iso_week().week())
}

async fn figures(
    state: &AppState,
    user: &CurrentUser,
    v: &Viewer,
    f: &Filter,
    p: &Period,
) -> AppResult<(Vec<Figure>, Option<String>, i64)> {
    let m = user.municipality_id();
    let q = f.query(p);
    let weeks = incidents_per_bucket(state, m, p).await?;
    let total: i64 = weeks.iter().map(|w| w.1).sum();
    let monthly = p.by_month();
    let label = |w: NaiveDate| {
        if monthly {
            format!("{} {}", crate::meetings::month_name(w.month()), w.year())
        } else {
            week_label(w)
        }
    };
    let week_rows: Vec<Row> = weeks
        .iter()
        .map(|(w, n)| Row {
            label: if monthly {
                label(*w)
            } else {
                format!("{} ({})", week_label(*w), w)
            },
            value: *n,
            href: v.reads_est.then(|| {
                if monthly {
                    let last = w
                        .checked_add_months(Months::new(1))
                        .and_then(|d| d.pred_opt())
                        .unwrap_or(*w);
                    format!("/est/handelser?fran={w}&till={last}")
                } else {
                    format!(
                        "/est/lagesbild/{}",
                        crate::est::week::ReportWeek::containing(*w + Days::new(7), 1).key()
                    )
                }
            }),
        })
        .collect();
    let labels: Vec<String> = weeks.iter().map(|(w, _)| label(*w)).collect();
    let values: Vec<i64> = weeks.iter().map(|w| w.1).collect();
    let mut figures = vec![Figure {
        key: "vecka",
        caption: format!(
            "Händelser per {}, {} – {}",
            if monthly { "månad" } else { "vecka" },
            p.from,
            p.to
        ),
        svg: charts::columns(&labels, &values, "fig-vecka"),
        rows: week_rows,
        column: if monthly { "Månad" } else { "Vecka" },
    }];
    for (key, by_area, caption, param, column) in [
        (
            "kategori",
            false,
            "Händelser per kategori",
            "kategori",
            "Kategori",
        ),
        ("omrade", true, "Händelser per område", "omrade", "Område"),
    ] {
        let counts = incidents_by(state, m, p, by_area).await?;
        let labels: Vec<String> = counts.iter().map(|c| c.1.clone()).collect();
        let values: Vec<i64> = counts.iter().map(|c| c.2).collect();
        figures.push(Figure {
            key,
            caption: format!("{caption}, {} – {}", p.from, p.to),
            svg: charts::bars(&labels, &values, &format!("fig-{key}")),
            rows: counts
                .into_iter()
                .map(|(id, label, value)| Row {
                    href: v
                        .reads_est
                        .then(|| format!("/est/handelser?{q}&{param}={id}")),
                    label,
                    value,
                })
                .collect(),
            column,
        });
    }
    let trend = if monthly { None } else { trend(&weeks) };
    Ok((figures, trend, total))
}

/// A coming event with high risk.
pub struct Risk {
    pub occurs_on: NaiveDate,
    pub area: Option<String>,
    pub title: Option<String>,
}

/// A group's meeting compliance this term.
pub struct GroupLine {
    pub group_id: Uuid,
    pub text: String,
    pub on_track: bool,
}

/// Agreement counts.
#[derive(Default)]
pub struct AgreementCounts {
    pub in_force: i64,
    pub waiting: i64,
    pub expiring: i64,
    pub gaps: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/index.html")]
pub struct DashboardPage {
    chrome: Chrome,
    municipality: String,
    filter: Filter,
    period: Period,
    query: String,
    areas: Vec<Choice>,
    figures: Vec<Figure>,
    trend: Option<String>,
    total: i64,
    risks: Vec<Risk>,
    open_needs: i64,
    groups: Vec<GroupLine>,
    agreements: Option<AgreementCounts>,
    measures: Option<MeasureCounts>,
    review_due: Option<NaiveDate>,
    reads_est: bool,
}

/// How the action plan's measures are going.
pub struct MeasureCounts {
    pub planned: i64,
    pub ongoing: i64,
    pub done: i64,
    pub delayed: i64,
}

async fn compliance_lines(
    state: &AppState,
    m: Uuid,
    only: Option<Uuid>,
) -> AppResult<Vec<GroupLine>> {
    let day = today();
    let term = Term::containing(day);
    let mut lines = Vec::new();
    for g in crate::structure::db::groups(&state.db, m, day).await? {
        if !g.is_active(&day) || only.is_some_and(|o| o != g.id) {
            continue;
        }
        let c = cadence::compliance(&state.db, m, g.id, term).await?;
        if c.required == 0 && c.held + c.planned == 0 {
            continue;
        }
        lines.push(GroupLine {
            group_id: g.id,
            text: c.summary(&g.name),
            on_track: c.on_track(),
        });
    }
    Ok(lines)
}

async fn agreement_counts(state: &AppState, m: Uuid) -> AppResult<AgreementCounts> {
    let day = today();
    let warning = sqlx::query_scalar!(
        "select agreement_warning_days from municipality where id = $1",
        m
    )
    .fetch_one(&state.db)
    .await?;
    let mut counts = AgreementCounts::default();
    for a in agreements_db::agreements(&state.db, m, None).await? {
        match a.state(day) {
            AgreementState::InForce
                if a.days_left(day).is_some_and(|d| d <= i64::from(warning)) =>
            {
                counts.expiring += 1
            }
            AgreementState::InForce => counts.in_force += 1,
            s if s.awaits_signatures() => counts.waiting += 1,
            _ => {}
        }
    }
    counts.gaps =
        i64::try_from(agreement_compliance::gaps(&state.db, m, day).await?.len()).unwrap_or(0);
    Ok(counts)
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> AppResult<DashboardPage> {
    let v = viewer(&state, &user).await?;
    let m = user.municipality_id();
    let period = filter.period();
    let (figures, trend, total) = figures(&state, &user, &v, &filter, &period).await?;
    let day = today();
    let risks = sqlx::query!(
        r#"select e.occurs_on, a.name as "area?", e.title from est_coming_event e left join area a on a.id = e.area_id
           where e.municipality_id = $1 and e.risk = 'high' and e.occurs_on between $2 and $3
           order by e.occurs_on limit 20"#,
        m,
        day,
        day + Days::new(30)
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|r| Risk { occurs_on: r.occurs_on, area: r.area, title: r.title.filter(|_| v.reads_est) })
    .collect();
    let open_needs = sqlx::query_scalar!(
        r#"select count(*) as "n!" from cooperation_need where municipality_id = $1 and status <> 'closed'"#,
        m
    )
    .fetch_one(&state.db)
    .await?;
    let groups = compliance_lines(&state, m, if v.full { None } else { v.est_group }).await?;
    let agreements = if v.full {
        Some(agreement_counts(&state, m).await?)
    } else {
        None
    };
    let review_due = crate::structure::db::guideline(&state.db, m)
        .await?
        .review_due;
    let measures = if v.full {
        let r = sqlx::query!(
            r#"select count(*) filter (where status = 'planned' and due_on >= $2) as "planned!",
                      count(*) filter (where status = 'ongoing' and due_on >= $2) as "ongoing!",
                      count(*) filter (where status = 'done') as "done!",
                      count(*) filter (where status <> 'done' and due_on < $2) as "delayed!"
               from measure where municipality_id = $1"#,
            m,
            day
        )
        .fetch_one(&state.db)
        .await?;
        Some(MeasureCounts {
            planned: r.planned,
            ongoing: r.ongoing,
            done: r.done,
            delayed: r.delayed,
        })
    } else {
        None
    };
    let mut chrome = user.chrome("oversikt").await;
    bounds::note(&mut chrome, &period.notes);
    Ok(DashboardPage {
        chrome,
        municipality: user.municipality.name.clone(),
        query: filter.query(&period),
        areas: crate::est::db::areas(&state.db, m).await?,
        filter,
        period,
        figures,
        trend,
        total,
        risks,
        open_needs,
        groups,
        agreements,
        measures,
        review_due,
        reads_est: v.reads_est,
    })
}

/// `GET /oversikt/{figure}.csv`: the figure's table as CSV.
pub async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(file): Path<String>,
    Query(filter): Query<Filter>,
) -> AppResult<Response> {
    let key = file.strip_suffix(".csv").ok_or(AppError::NotFound)?;
    let v = viewer(&state, &user).await?;
    let period = filter.period();
    let (figures, _, _) = figures(&state, &user, &v, &filter, &period).await?;
    let (head, rows): (String, Vec<(String, i64)>) = match key {
        "efterlevnad" => (
            "Grupp och termin;Enligt riktlinjen (1 = ja)".to_owned(),
            compliance_lines(
                &state,
                user.municipality_id(),
                if v.full { None } else { v.est_group },
            )
            .await?
            .into_iter()
            .map(|l| (l.text, i64::from(l.on_track)))
            .collect(),
        ),
        _ => {
            let figure = figures
                .into_iter()
                .find(|f| f.key == key)
                .ok_or(AppError::NotFound)?;
            (
                format!("{};Händelser", figure.column),
                figure
                    .rows
                    .into_iter()
                    .map(|r| (r.label, r.value))
                    .collect(),
            )
        }
    };
    let mut table = Table::new(&head.split(';').collect::<Vec<_>>())?;
    for (label, value) in rows {
        table.row([Cell::Text(label), Cell::Number(value)])?;
    }
    table.into_response(&format!("oversikt-{key}.csv"))
}
