//! `/est`: who has reported this week, and `/est/lagesbild/{year}-W{week}`:
//! the week's compiled lägesbild (incidents by category and area, brännpunkter,
//! the trend over the previous four weeks, coming events, open cooperation
//! needs, the meeting's priorities), printable, with a CSV export.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;
use sqlx::types::Json;
use uuid::Uuid;

use super::access::{EstAccess, WeekChoice};
use super::db::{self, ChoiceRow, ComingEvent, Incident, Need};
use super::model::{NeedStatus, PriorityKind, TimeBand};
use super::week::ReportWeek;
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::bounds;
use crate::web::change::Change;
use crate::web::choice::Choice;
use crate::web::csv::{Cell, Table};
use crate::web::extract::{Admin, CurrentUser};
use crate::web::format_local;
use crate::web::forms::{self, FieldErrors, Form, Query, unprocessable};
use crate::web::layout::Chrome;
use crate::web::path::Params;

/// An organisation expected to report, and whether it has.
#[derive(Clone, Debug, Deserialize)]
pub struct Reporter {
    pub id: Uuid,
    pub name: String,
    pub reported: bool,
    pub nothing_to_report: bool,
    pub late: bool,
    pub entries: i64,
    /// The week's meeting has started and the report is not unlocked: only
    /// an unlock lets the organisation add to it.
    #[serde(default)]
    pub locked: bool,
    /// Past the deadline but unlocked by the coordinator for a while.
    #[serde(default)]
    pub unlocked: bool,
}

impl Reporter {
    /// Whether and how the organisation has reported, as a CSS key and the
    /// words shown (the tag's icon comes from the key, the meaning from the
    /// words: colour is never the only sign).
    /// Before the reports lock, one not in yet is only that: not in yet.
    pub fn status(&self) -> (&'static str, &'static str) {
        match (self.reported, self.nothing_to_report) {
            (false, _) if !self.locked => ("pending", "Inte rapporterat ännu"),
            (false, _) => ("missing", "Har inte rapporterat"),
            (true, true) => ("nothing", "Inget att rapportera"),
            (true, false) => ("done", "Har rapporterat"),
        }
    }
}

/// The week the index is about, when its reports lock, and (for those who
/// read the lägesbild) the reporting group's organisations (not the
/// convener's) with whether each has reported.
struct IndexData {
    week: ReportWeek,
    deadline: DateTime<Utc>,
    reporters: Vec<Reporter>,
}

/// The index's data in one statement; the week is chosen from `weeks` as
/// the report form chooses it.
async fn index_data(
    state: &AppState,
    m: MunicipalityId,
    access: &EstAccess,
    weeks: &WeekChoice,
) -> AppResult<IndexData> {
    let row = sqlx::query!(
        r#"with chosen as (select monday, deadline from est_open_week($1, $2, $3, $4, $5, $6))
           select chosen.monday as "monday!", chosen.deadline as "deadline!",
                  (select coalesce(json_agg(rep order by rep.name), '[]') from (
                       select o.id, o.name,
                              coalesce(r.nothing_to_report or x.entries > 0, false) as reported,
                              coalesce(r.nothing_to_report, false) as nothing_to_report,
                              coalesce(r.late, false) as late,
                              coalesce(x.entries, 0) as entries,
                              chosen.deadline <= $6 and not coalesce(r.unlocked_until > $6, false) as locked,
                              chosen.deadline <= $6 and coalesce(r.unlocked_until > $6, false) as unlocked
                       from (select distinct p.organisation_id from membership ms join position p on p.id = ms.position_id
                             where ms.work_group_id = $2 and ms.role <> 'convener' and p.organisation_id is not null) mo
                       join organisation o on o.id = mo.organisation_id
                       left join est_report r on r.organisation_id = o.id and r.week_start = chosen.monday
                       left join lateral (
                           select (select count(*) from est_incident where report_id = r.id)
                                + (select count(*) from est_coming_event where report_id = r.id)
                                + (select count(*) from cooperation_need where report_id = r.id) as entries
                       ) x on true
                       where o.municipality_id = $1 and $7) rep)
                      as "reporters!: Json<Vec<Reporter>>"
           from chosen"#,
        m.get(),
        access.group_id,
        &weeks.mondays,
        &weeks.starts,
        &weeks.ends,
        weeks.now,
        access.can_read
    )
    .fetch_one(&state.db)
    .await?;
    Ok(IndexData {
        week: ReportWeek { monday: row.monday },
        deadline: row.deadline,
        reporters: row.reporters.0,
    })
}

#[derive(Deserialize, Default)]
pub struct WeekQuery {
    #[serde(default)]
    vecka: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "est/index.html")]
pub struct IndexPage {
    chrome: Chrome,
    group_name: String,
    week: ReportWeek,
    /// The week containing today, whose lägesbild this week's meeting
    /// showed (the page's week is the next one once it has started).
    current: ReportWeek,
    previous: String,
    next: String,
    deadline: String,
    reporters: Vec<Reporter>,
    reporter_for: Vec<super::access::Organisation>,
    can_read: bool,
    admin: bool,
    /// Moderates the public's tips (`/est/tips`).
    tips: bool,
    /// Reminders are offered, and the server sends no e-mail: say that
    /// they reach no one.
    reminders_unsent: bool,
}

pub async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<WeekQuery>,
) -> AppResult<Response> {
    let access = EstAccess::load(&state.db, &user).await?;
    if !access.can_read && access.reporter_for.is_empty() {
        // A position appointed only to moderate tips has EST's queue.
        return if access.tip_moderator {
            Ok(Redirect::to("/est/tips").into_response())
        } else {
            Err(AppError::Forbidden)
        };
    }
    let weeks = access.week_choice(ReportWeek::parse(&q.vecka));
    let data = index_data(&state, user.tenant(), &access, &weeks).await?;
    let week = data.week;
    let mut chrome = user.chrome("est").await;
    if !q.vecka.trim().is_empty() && ReportWeek::parse(&q.vecka).is_none() {
        bounds::note(
            &mut chrome,
            &[format!(
                "{} Sidan visar {}.",
                ReportWeek::refusal(),
                week.label()
            )],
        );
    }
    Ok(IndexPage {
        reminders_unsent: access.admin
            && !state.mailer.by_mail()
            && data.reporters.iter().any(|r| !r.reported && !r.locked),
        chrome,
        group_name: access.group_name.clone(),
        current: ReportWeek::containing(crate::web::today(), access.interval_weeks),
        previous: week.previous(access.interval_weeks).key(),
        next: week.next(access.interval_weeks).key(),
        deadline: format_local(data.deadline),
        week,
        reporters: data.reporters,
        reporter_for: access.reporter_for,
        can_read: access.can_read,
        admin: access.admin,
        tips: access.admin || access.tip_moderator,
    }
    .into_response())
}

/// A count by name.
pub struct Count {
    pub name: String,
    pub count: i64,
}

/// A category's counts over the last five weeks (oldest first).
pub struct TrendRow {
    pub category: String,
    pub counts: Vec<i64>,
}

/// A priority set by the EST meeting.
#[derive(Clone, Debug, Deserialize)]
pub struct Priority {
    pub id: Uuid,
    pub kind: PriorityKind,
    pub text: String,
    pub owner: Option<String>,
    pub outcome: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PriorityForm {
    pub kind: String,
    pub text: String,
    pub owner_position_id: String,
    pub form_token: String,
}

/// What a refused form on the lägesbild had typed, shown again by its
/// fields: the priority form, or the form of one row.
#[derive(Default)]
struct Kept {
    priority: PriorityForm,
    row: Option<KeptRow>,
}

/// A row's refused form (a priority's outcome, a need's follow-up): which
/// row, and what was typed in it.
#[derive(Default)]
pub struct KeptRow {
    pub id: Uuid,
    pub outcome: String,
    pub status: String,
    pub handled_by: String,
    pub note: String,
}

impl Kept {
    fn row(row: KeptRow) -> Self {
        Self {
            row: Some(row),
            ..Self::default()
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "est/lagesbild.html")]
pub struct LagesbildPage {
    chrome: Chrome,
    municipality: String,
    week: ReportWeek,
    previous: String,
    next: String,
    /// The period the week's incidents are from (the reports are written
    /// the week after): its label and first and last day.
    covered: (String, NaiveDate, NaiveDate),
    /// The EST meeting that discusses the week's reports, if one is planned.
    meeting: Option<(Uuid, String)>,
    /// The police's published events of the covered period.
    police: crate::sources::police::PeriodView,
    incidents: Vec<Incident>,
    /// Accepted tips from the public ("Allmänheten"), counted apart.
    public_tips: Vec<PublicTip>,
    counted: usize,
    by_category: Vec<Count>,
    /// The week's incidents per area on the map, with its table.
    map: crate::map::Choropleth,
    hot_spots: Vec<Count>,
    trend_weeks: Vec<String>,
    trend: Vec<TrendRow>,
    events: Vec<ComingEvent>,
    needs: Vec<Need>,
    reporters: Vec<Reporter>,
    priorities: Vec<Priority>,
    last_priorities: Vec<Priority>,
    positions: Vec<Choice>,
    show_writers: bool,
    can_prioritise: bool,
    /// The organisations the person reports for.
    my_orgs: Vec<super::access::Organisation>,
    /// Coordinator, kommunpolis and administrators: may change any need.
    oversight: bool,
    priority: PriorityForm,
    /// A row's refused form, shown again by that row.
    kept_row: Option<KeptRow>,
    errors: FieldErrors,
}

/// A text field of a row's form (a need's follow-up, a priority's
/// outcome), as the page shows it.
pub struct RowField {
    /// The field's own name on the row whose refused form is shown again
    /// (the error summary leads there), else the name and the row's id.
    pub id: String,
    pub value: String,
    /// The row's form was refused: its errors show by its fields.
    pub kept: bool,
}

impl LagesbildPage {
    /// Field `name` of row `row`'s form: what was typed in it when that
    /// form was refused, else `current`.
    pub fn row_field(&self, row: &Uuid, name: &str, current: Option<&str>) -> RowField {
        match self.kept_row.as_ref().filter(|k| k.id == *row) {
            Some(k) => RowField {
                id: name.to_owned(),
                value: match name {
                    "outcome" => k.outcome.clone(),
                    "status" => k.status.clone(),
                    "handled_by" => k.handled_by.clone(),
                    _ => k.note.clone(),
                },
                kept: true,
            },
            None => RowField {
                id: format!("{name}-{row}"),
                value: current.unwrap_or_default().to_owned(),
                kept: false,
            },
        }
    }

    /// Whether the person may change a need: the organisation that raised
    /// it, the one that took it on, or someone with EST oversight.
    pub fn can_change(&self, n: &Need) -> bool {
        need_changer(
            self.oversight,
            &self.my_orgs,
            n.organisation_id,
            n.taken_by_id,
        )
    }

    /// Whether the person may take on a need nobody has taken on yet, for
    /// one of their organisations.
    pub fn can_take(&self, n: &Need) -> bool {
        n.taken_by_id.is_none()
            && n.status != NeedStatus::Closed
            && !self.my_orgs.is_empty()
            && !self.can_change(n)
    }
}

/// Who may change a cooperation need's status: those with oversight, the
/// raising organisation and the organisation that took it on.
pub fn need_changer(
    oversight: bool,
    mine: &[super::access::Organisation],
    raised_by: Uuid,
    taken_by: Option<Uuid>,
) -> bool {
    oversight
        || mine
            .iter()
            .any(|o| o.id == raised_by || Some(o.id) == taken_by)
}

fn counts(items: impl Iterator<Item = String>) -> Vec<Count> {
    let mut map: BTreeMap<String, i64> = BTreeMap::new();
    for item in items {
        *map.entry(item).or_default() += 1;
    }
    let mut counts: Vec<Count> = map
        .into_iter()
        .map(|(name, count)| Count { name, count })
        .collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    counts
}

/// A category's incidents in one week (not counting duplicates).
#[derive(Clone, Debug, Deserialize)]
struct TrendCount {
    category: String,
    week_start: NaiveDate,
    n: i64,
}

/// A tip from the public accepted into the week's lägesbild.
#[derive(Clone, Debug, Deserialize)]
pub struct PublicTip {
    pub reference: String,
    pub category: String,
    pub subcategory: Option<String>,
    pub area: String,
    pub occurred_on: NaiveDate,
    pub time_band: Option<TimeBand>,
    pub place: Option<String>,
    pub description: Option<String>,
}

impl PublicTip {
    /// `Skadegörelse – klotter`, as everywhere.
    pub fn category_label(&self) -> String {
        super::model::category_label(&self.category, self.subcategory.as_deref())
    }
}

/// What the lägesbild shows besides the person's access.
#[derive(Clone)]
struct LagesbildData {
    incidents: Vec<Incident>,
    /// Accepted tips from the public, counted apart from the EST reports.
    public_tips: Vec<PublicTip>,
    trend: Vec<TrendCount>,
    events: Vec<ComingEvent>,
    needs: Vec<Need>,
    reporters: Vec<Reporter>,
    priorities: Vec<Priority>,
    last_priorities: Vec<Priority>,
    positions: Vec<ChoiceRow>,
    meeting_id: Option<Uuid>,
    meeting_at: Option<DateTime<Utc>>,
    /// The outline and the areas' boundaries, for the map.
    shapes: crate::map::Shapes,
    /// The top categories, for the map's filter.
    categories: Vec<ChoiceRow>,
    /// The police's events of the covered period and the four before.
    police: Vec<crate::sources::police::EventRow>,
}

/// The lägesbild's data in one statement: the week's incidents, coming
/// events and current needs (as the report form gives them, for every
/// organisation), the counts per
/// category from `first` to `week`, the reporting group's organisations
/// (as [`reporters`]), this and the `previous` week's priorities, and the
/// positions a priority can be given to.
async fn lagesbild_data(
    state: &AppState,
    m: MunicipalityId,
    group: Option<Uuid>,
    week: ReportWeek,
    previous: ReportWeek,
    first: ReportWeek,
    interval: i16,
) -> AppResult<LagesbildData> {
    let row = sqlx::query_file!(
        "src/est/lagesbild_data.sql",
        m.get(),
        week.monday,
        group,
        previous.monday,
        first.monday,
        crate::web::day_start(week.monday),
        crate::web::day_start(week.end(interval)),
        crate::web::day_start(first.previous(interval).monday)
    )
    .fetch_one(&state.db)
    .await?;
    Ok(LagesbildData {
        incidents: row.incidents.0,
        public_tips: row.public_tips.0,
        trend: row.trend.0,
        events: row.events.0,
        needs: row.needs.0,
        reporters: row.reporters.0,
        priorities: row.priorities.0,
        last_priorities: row.last_priorities.0,
        positions: row.positions.0,
        meeting_id: row.meeting_id,
        meeting_at: row.meeting_at,
        shapes: row.shapes.0.into(),
        categories: row.categories.0,
        police: row.police.0,
    })
}

impl LagesbildData {
    /// Leaves out who wrote the entries, for those without oversight.
    fn hide_writers(&mut self) {
        self.incidents.iter_mut().for_each(|i| i.written_by = None);
        self.events.iter_mut().for_each(|e| e.written_by = None);
        self.needs.iter_mut().for_each(|n| n.written_by = None);
    }

    /// The EST meeting that discusses the week's reports and its time.
    /// The data as this reader sees it: without who wrote what unless
    /// they have oversight, and with the reports' lock as of now.
    fn for_reader(&mut self, oversight: bool, week: ReportWeek, interval: i16) {
        if !oversight {
            self.hide_writers();
        }
        self.mark_locked(week, interval);
    }

    /// Marks the reporters' reports locked once the week's reports lock:
    /// when its EST meeting starts, or when the week ends (an unlocked
    /// report is rare enough to count as locked here).
    fn mark_locked(&mut self, week: ReportWeek, interval: i16) {
        let deadline = self
            .meeting_at
            .unwrap_or_else(|| crate::web::day_start(week.end(interval)));
        let locked = Utc::now() >= deadline;
        for r in &mut self.reporters {
            r.locked = locked;
        }
    }

    fn meeting(&self) -> Option<(Uuid, String)> {
        self.meeting_id
            .zip(self.meeting_at)
            .map(|(id, at)| (id, format_local(at)))
    }
}

fn parse_week(key: &str) -> AppResult<ReportWeek> {
    let key = key.trim_end_matches(".csv");
    if key.trim().is_empty() {
        // No form of ours sends an empty week.
        return Err(AppError::NotFound);
    }
    ReportWeek::parse(key).ok_or_else(|| AppError::OutOfRange(ReportWeek::refusal()))
}

/// The lägesbild's query string: the map's category.
#[derive(Deserialize, Default)]
pub struct MapQuery {
    #[serde(default)]
    kategori: String,
}

/// The lägesbild's data for the reporting group's week, from the page cache.
async fn cached_data(
    state: &AppState,
    user: &CurrentUser,
    access: &EstAccess,
    week: ReportWeek,
) -> AppResult<LagesbildData> {
    let (m, group, interval) = (user.tenant(), access.group_id, access.interval_weeks);
    let first = (0..4).fold(week, |w, _| w.previous(interval));
    let data = state
        .pages
        .get_or_load(m, format!("{group:?}:{}:{interval}", week.key()), || {
            lagesbild_data(
                state,
                m,
                group,
                week,
                week.previous(interval),
                first,
                interval,
            )
        })
        .await?;
    Ok(LagesbildData::clone(&data))
}

/// What the lägesbild's map is drawn from besides the incidents.
struct MapInput<'a> {
    week: ReportWeek,
    access: &'a EstAccess,
    categories: &'a [ChoiceRow],
    shapes: &'a crate::map::Shapes,
}

/// The map of the counted incidents per area, with its category filter
/// (`kategori` from the query string; unknown values add to `notes`).
fn incident_map(
    state: &AppState,
    input: &MapInput,
    counted: &[&Incident],
    kategori: &str,
    notes: &mut Vec<String>,
) -> crate::map::Choropleth {
    let filter = crate::map::CategoryFilter {
        action: format!("/est/lagesbild/{}", input.week.key()),
        hidden: Vec::new(),
        categories: input
            .categories
            .iter()
            .map(|c| (c.id, c.label.clone()))
            .collect(),
        chosen: crate::map::category_param(kategori, notes),
    };
    // The map's incidents: of its category (by the top category's name, as
    // the incidents name it), when one is chosen.
    let chosen = filter.chosen_name().map(str::to_owned);
    if filter.chosen.is_some() && chosen.is_none() {
        notes.push("Kategorin finns inte; kartan visar inga händelser.".to_owned());
    }
    let on_map: Vec<&&Incident> = counted
        .iter()
        .filter(|i| filter.chosen.is_none() || chosen.as_deref() == Some(i.category.as_str()))
        .collect();
    let by_area = counts(on_map.iter().map(|i| i.area.clone()));
    crate::map::Choropleth::new(
        "karta",
        format!(
            "{} per område, {}",
            chosen.as_deref().unwrap_or("Händelser"),
            input.week.previous(input.access.interval_weeks).label()
        ),
        input.shapes,
        &by_area
            .iter()
            .map(|c| (c.name.clone(), c.count))
            .collect::<Vec<_>>(),
    )
    .with_heat(
        &on_map
            .iter()
            .filter_map(|i| i.longitude.zip(i.latitude))
            .collect::<Vec<_>>(),
        input.access.oversight,
    )
    .with_filter(filter)
    .with_tiles(state.tiles.as_deref())
}

/// Places with at least two counted incidents, the five most frequent.
fn hot_spots(counted: &[&Incident]) -> Vec<Count> {
    counts(counted.iter().map(|i| match &i.place {
        Some(place) => format!("{}, {}", i.area, place),
        None => i.area.clone(),
    }))
    .into_iter()
    .filter(|c| c.count >= 2)
    .take(5)
    .collect()
}

/// The trend table: the headings of the four weeks before `week` and
/// `week` itself, and the counts of each category in them.
fn trend(rows: &[TrendCount], week: ReportWeek, interval: i16) -> (Vec<String>, Vec<TrendRow>) {
    let first = (0..4).fold(week, |w, _| w.previous(interval));
    let weeks: Vec<ReportWeek> = std::iter::successors(Some(first), |w| Some(w.next(interval)))
        .take(5)
        .collect();
    let headings = weeks.iter().map(|w| covered_weeks(*w, interval)).collect();
    (headings, trend_rows(rows, &weeks))
}

/// The weeks whose incidents the report of `week` holds, as a column
/// heading: `v. 49`, or `v. 47–48` when the reports come every other week.
fn covered_weeks(week: ReportWeek, interval: i16) -> String {
    let (_, first, last) = week.covered(interval);
    let (first, last) = (first.iso_week().week(), last.iso_week().week());
    if first == last {
        format!("v. {first}")
    } else {
        format!("v. {first}–{last}")
    }
}

/// One row per category with its count in each of `weeks`.
fn trend_rows(rows: &[TrendCount], weeks: &[ReportWeek]) -> Vec<TrendRow> {
    let mut categories: Vec<String> = rows.iter().map(|r| r.category.clone()).collect();
    categories.sort();
    categories.dedup();
    categories
        .into_iter()
        .map(|category| TrendRow {
            counts: weeks
                .iter()
                .map(|w| {
                    rows.iter()
                        .filter(|r| r.category == category && r.week_start == w.monday)
                        .map(|r| r.n)
                        .sum()
                })
                .collect(),
            category,
        })
        .collect()
}

/// The week's lägesbild again, with a refused form's `errors` by its field
/// and what was typed in it: `422`.
async fn refused(
    state: &AppState,
    user: &CurrentUser,
    key: &str,
    kept: Kept,
    errors: FieldErrors,
) -> AppResult<Response> {
    let page = lagesbild_page(state, user, key, MapQuery::default(), kept, errors).await?;
    unprocessable(page)
}

async fn lagesbild_page(
    state: &AppState,
    user: &CurrentUser,
    key: &str,
    map_query: MapQuery,
    kept: Kept,
    errors: FieldErrors,
) -> AppResult<LagesbildPage> {
    let access = EstAccess::cached(state, user).await?;
    access.require_read()?;
    let week = parse_week(key)?;
    let interval = access.interval_weeks;
    let mut data = cached_data(state, user, &access, week).await?;
    data.for_reader(access.oversight, week, interval);
    let meeting = data.meeting();
    let incidents = data.incidents;
    // An event reported by two organisations is counted once.
    let counted: Vec<&Incident> = incidents
        .iter()
        .filter(|i| i.duplicate_of.is_none())
        .collect();
    let mut notes = Vec::new();
    let input = MapInput {
        week,
        access: &access,
        categories: &data.categories,
        shapes: &data.shapes,
    };
    let map = incident_map(state, &input, &counted, &map_query.kategori, &mut notes);
    let (trend_weeks, trend) = trend(&data.trend, week, interval);
    let covered = week.covered(interval);
    let police = crate::sources::police::period_view(&data.police, covered.1, covered.2);
    let mut chrome = user.chrome("est").await;
    bounds::note(&mut chrome, &notes);
    Ok(LagesbildPage {
        police,
        chrome,
        municipality: user.municipality.name.clone(),
        covered,
        meeting,
        previous: week.previous(interval).key(),
        next: week.next(interval).key(),
        counted: counted.len(),
        by_category: counts(counted.iter().map(|i| i.category.clone())),
        map,
        hot_spots: hot_spots(&counted),
        trend_weeks,
        trend,
        events: data.events,
        needs: data.needs,
        reporters: data.reporters,
        priorities: data.priorities,
        last_priorities: data.last_priorities,
        positions: data.positions.into_iter().map(Choice::from).collect(),
        show_writers: access.oversight,
        can_prioritise: access.admin,
        oversight: access.oversight,
        my_orgs: access.reporter_for.clone(),
        incidents,
        public_tips: data.public_tips,
        week,
        priority: kept.priority,
        kept_row: kept.row,
        errors,
    })
}

pub async fn lagesbild(
    State(state): State<AppState>,
    user: CurrentUser,
    Params(key): Params<String>,
    Query(map_query): Query<MapQuery>,
) -> AppResult<Response> {
    if key.ends_with(".csv") {
        return csv_export(&state, &user, &key).await;
    }
    Ok(lagesbild_page(
        &state,
        &user,
        &key,
        map_query,
        Kept::default(),
        FieldErrors::default(),
    )
    .await?
    .into_response())
}

/// The week's incidents as CSV (semicolon-separated, as Swedish Excel
/// expects). Who wrote an entry is included only for the coordinator and
/// the kommunpolis.
async fn csv_export(state: &AppState, user: &CurrentUser, key: &str) -> AppResult<Response> {
    let access = EstAccess::load(&state.db, user).await?;
    access.require_read()?;
    let week = parse_week(key)?;
    let incidents = db::incidents(&state.db, user.tenant(), week.monday, None).await?;
    let mut head = vec![
        "vecka",
        "datum",
        "tid på dygnet",
        "kategori",
        "underkategori",
        "område",
        "plats",
        "beskrivning",
        "otrygghet (1-5)",
        "polisanmäld",
        "redan gjort",
        "organisation",
        "samma händelse som",
    ];
    if access.oversight {
        head.extend(["skriven av", "latitud", "longitud"]);
    }
    let mut table = Table::new(&head)?;
    for i in &incidents {
        let mut row = vec![
            Cell::Text(week.key()),
            Cell::Text(i.occurred_on.to_string()),
            Cell::from(i.time_band.map_or("", TimeBand::label)),
            Cell::Text(i.category.clone()),
            Cell::Text(i.subcategory.clone().unwrap_or_default()),
            Cell::Text(i.area.clone()),
            Cell::Text(i.place.clone().unwrap_or_default()),
            Cell::Text(i.description.clone().unwrap_or_default()),
            Cell::Number(i64::from(i.insecurity)),
            Cell::from(if i.reported_to_police { "ja" } else { "nej" }),
            Cell::Text(i.action_taken.clone().unwrap_or_default()),
            Cell::Text(i.organisation.clone()),
            Cell::Text(i.duplicate_of.map(|d| d.to_string()).unwrap_or_default()),
        ];
        if access.oversight {
            row.push(Cell::Text(i.written_by.clone().unwrap_or_default()));
            row.push(crate::web::csv::coordinate(i.latitude));
            row.push(crate::web::csv::coordinate(i.longitude));
        }
        table.row(row)?;
    }
    table.into_response(&format!("lagesbild-{}.csv", week.key()))
}

/// `POST /est/lagesbild/{week}/prioritet`: a priority for the coming week.
pub async fn add_priority(
    State(state): State<AppState>,
    Admin(user): Admin,
    Params(key): Params<String>,
    Form(form): Form<PriorityForm>,
) -> AppResult<Response> {
    let week = parse_week(&key)?;
    let m = user.tenant();
    let mut e = FieldErrors::default();
    let kind = form.kind.parse::<PriorityKind>().ok();
    if kind.is_none() {
        e.add(
            "kind",
            "Välj om det är ett fokusområde, en brännpunkt eller en åtgärd.",
        );
    }
    let text = forms::required_line(&mut e, "priority_text", &form.text, "prioriteringen", 1000);
    let owner = forms::optional_id(&mut e, "owner_position_id", &form.owner_position_id);
    let (Some(kind), true) = (kind, e.is_empty()) else {
        let kept = Kept {
            priority: form,
            row: None,
        };
        return refused(&state, &user, &key, kept, e).await;
    };
    let back = format!("/est/lagesbild/{}#prioriteringar", week.key());
    let mut change = Change::once(&state, &user, &form.form_token, &back).await?;
    let inserted = sqlx::query!(
        r#"insert into est_priority (id, municipality_id, week_start, kind, text, owner_position_id, created_by)
           select $1, $2, $3, $4, $5, $6, $7
           where $6::uuid is null or exists (select 1 from position where id = $6 and municipality_id = $2)"#,
        Uuid::now_v7(), m.get(), week.monday, kind.as_str(), text, owner, user.id()
    )
    .execute(change.tx())
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(AppError::BadRequest);
    }
    change
        .done(
            Event::new("prioriterade", "EST", format!("{}: {text}", week.label()))
                .after(json!({ "typ": kind, "text": text })),
            "Prioriteringen är sparad.",
            &back,
        )
        .await
}

#[derive(Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    vecka: String,
}

/// `POST /est/prioritet/{id}/utfall`: how last week's priority went.
pub async fn set_outcome(
    State(state): State<AppState>,
    Admin(user): Admin,
    Params(id): Params<Uuid>,
    Form(form): Form<OutcomeForm>,
) -> AppResult<Response> {
    let mut e = FieldErrors::default();
    let outcome = forms::optional_line(&mut e, "outcome", &form.outcome, "utfallet", 1000);
    if !e.is_empty() {
        let kept = Kept::row(KeptRow {
            id,
            outcome: form.outcome,
            ..KeptRow::default()
        });
        return refused(&state, &user, &form.vecka, kept, e).await;
    }
    let outcome = outcome.as_str();
    let m = user.tenant();
    let mut change = Change::begin(&state, &user).await?;
    let updated = sqlx::query!(
        "update est_priority set outcome = $3 where id = $1 and municipality_id = $2 returning text",
        id, m.get(), (!outcome.is_empty()).then_some(outcome)
    )
    .fetch_optional(change.tx())
    .await?
    .ok_or(AppError::NotFound)?;
    change
        .record(
            Event::new("följde upp", "EST", format!("{}: {outcome}", updated.text))
                .on(id)
                .after(json!({ "utfall": outcome })),
        )
        .await?;
    let back = format!(
        "/est/lagesbild/{}#prioriteringar",
        parse_week(&form.vecka)?.key()
    );
    change.commit().await?;
    Ok(Redirect::to(&back).into_response())
}

#[derive(Deserialize)]
pub struct DuplicateForm {
    #[serde(default)]
    duplicate_of: String,
    #[serde(default)]
    vecka: String,
}

/// `POST /est/handelse/{id}/samma`: marks an incident as the same event as
/// another organisation's (or clears it), so it is counted once.
pub async fn mark_duplicate(
    State(state): State<AppState>,
    user: CurrentUser,
    Params(id): Params<Uuid>,
    Form(form): Form<DuplicateForm>,
) -> AppResult<Response> {
    let access = EstAccess::load(&state.db, &user).await?;
    access.require_oversight()?;
    let week = parse_week(&form.vecka)?;
    let m = user.tenant();
    let other = Uuid::parse_str(form.duplicate_of.trim()).ok();
    let mut change = Change::begin(&state, &user).await?;
    // Only another organisation's incident of the same municipality qualifies.
    let updated = sqlx::query!(
        r#"update est_incident i set duplicate_of = $3
           from est_report r
           where i.id = $1 and i.municipality_id = $2 and r.id = i.report_id
             and ($3::uuid is null or exists (
                 select 1 from est_incident o join est_report orr on orr.id = o.report_id
                 where o.id = $3 and o.municipality_id = $2 and orr.organisation_id <> r.organisation_id and o.duplicate_of is null))"#,
        id, m.get(), other
    )
    .execute(change.tx())
    .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::BadRequest);
    }
    change
        .record(
            Event::new(
                if other.is_some() {
                    "markerade samma händelse"
                } else {
                    "tog bort markering"
                },
                "EST-händelse",
                format!(
                    "Händelse {id} = {}",
                    other
                        .map(|o| o.to_string())
                        .unwrap_or_else(|| "egen".into())
                ),
            )
            .on(id)
            .after(json!({ "samma som": other })),
        )
        .await?;
    change
        .finish(
            "Markeringen är sparad; händelsen räknas en gång.",
            &format!("/est/lagesbild/{}#handelser", week.key()),
        )
        .await
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct NeedUpdate {
    form_token: String,
    status: String,
    note: String,
    handled_by: String,
    vecka: String,
    /// Taking the need on, for this organisation (one the person reports for).
    tar: String,
}

/// A follow-up of a cooperation need, checked and ready to store.
struct NeedChange<'a> {
    id: Uuid,
    m: MunicipalityId,
    status: NeedStatus,
    note: &'a str,
    handled_by: &'a str,
    /// The organisation taking the need on, if that is the change.
    taking: Option<Uuid>,
}

/// Authorises a change to need `id`: `tar` (when not empty) takes it on
/// for one of the person's organisations, which only works for a need
/// nobody has taken on; otherwise the person must be one who may change it
/// ([`need_changer`]). Gives the organisation taking the need on.
async fn authorise_need_change(
    state: &AppState,
    access: &EstAccess,
    id: Uuid,
    m: MunicipalityId,
    tar: &str,
) -> AppResult<Option<Uuid>> {
    let need = sqlx::query!(
        r#"select r.organisation_id, n.taken_by_organisation_id, n.status as "status: NeedStatus"
           from cooperation_need n join est_report r on r.id = n.report_id
           where n.id = $1 and n.municipality_id = $2"#,
        id,
        m.get()
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    let taking = match tar {
        "" => None,
        org => {
            let org = Uuid::parse_str(org).map_err(|_| AppError::BadRequest)?;
            // Only for one's own organisation, and only a need nobody has taken on.
            if !access.reporter_for.iter().any(|o| o.id == org)
                || need.taken_by_organisation_id.is_some()
                || need.status == NeedStatus::Closed
            {
                return Err(AppError::Forbidden);
            }
            Some(org)
        }
    };
    if taking.is_none()
        && !need_changer(
            access.oversight,
            &access.reporter_for,
            need.organisation_id,
            need.taken_by_organisation_id,
        )
    {
        return Err(AppError::Forbidden);
    }
    Ok(taking)
}

/// The follow-up's note (required when closing) and who handles the need.
fn need_fields(e: &mut FieldErrors, form: &NeedUpdate, status: NeedStatus) -> (String, String) {
    let note = forms::optional_line(e, "note", &form.note, "vad som har gjorts", 4000);
    if status == NeedStatus::Closed && note.is_empty() {
        e.add("note", "Skriv vad som gjordes innan behovet avslutas.");
    }
    let handled_by = forms::optional_line(
        e,
        "handled_by",
        &form.handled_by,
        "vem som hanterar det",
        300,
    );
    (note, handled_by)
}

/// Stores the follow-up with its note and audit event.
async fn store_need_change(
    change: &mut Change<'_>,
    user: &CurrentUser,
    u: &NeedChange<'_>,
) -> AppResult<()> {
    let before = sqlx::query!(
        r#"update cooperation_need n set status = $3,
                  handled_by = coalesce(nullif($4, ''), n.handled_by),
                  closed_at = case when $3 = 'closed' then now() else null end,
                  taken_by_organisation_id = coalesce($5, n.taken_by_organisation_id)
           from cooperation_need old
           where n.id = $1 and n.municipality_id = $2 and old.id = n.id
             and ($5::uuid is null or old.taken_by_organisation_id is null)
           returning old.status as "status: NeedStatus", n.title"#,
        u.id,
        u.m.get(),
        u.status as NeedStatus,
        u.handled_by,
        u.taking
    )
    .fetch_optional(change.tx())
    .await?
    .ok_or(AppError::NotFound)?;
    sqlx::query!(
        "insert into cooperation_note (id, municipality_id, need_id, note, status, written_by) values ($1, $2, $3, $4, $5, $6)",
        Uuid::now_v7(), u.m.get(), u.id, (!u.note.is_empty()).then_some(u.note), u.status as NeedStatus, user.id()
    )
    .execute(change.tx())
    .await?;
    change
        .record(
            Event::new(
                "följde upp samverkansbehov",
                "samverkansbehov",
                format!("{}: {}", before.title.unwrap_or_default(), u.status.label()),
            )
            .on(u.id)
            .before(json!({ "status": before.status }))
            .after(json!({ "status": u.status, "anteckning": u.note, "tagit på sig": u.taking })),
        )
        .await
}

/// `POST /est/samverkan/{id}`: follow up a cooperation need; it stays open
/// until someone closes it, with a note on what was done. Only the
/// organisation that raised it, the one that took it on and those with
/// oversight may change it; another organisation may take on a need that
/// nobody has taken on, which makes it theirs to follow up too.
pub async fn update_need(
    State(state): State<AppState>,
    user: CurrentUser,
    Params(id): Params<Uuid>,
    Form(form): Form<NeedUpdate>,
) -> AppResult<Response> {
    let access = EstAccess::load(&state.db, &user).await?;
    access.require_read()?;
    if !access.oversight && access.reporter_for.is_empty() {
        return Err(AppError::Forbidden);
    }
    let m = user.tenant();
    let chosen = form.status.parse::<NeedStatus>();
    if form.tar.trim().is_empty() && chosen.is_err() {
        return Err(AppError::BadRequest);
    }
    let taking = authorise_need_change(&state, &access, id, m, form.tar.trim()).await?;
    let status = match (taking, chosen) {
        (Some(_), _) => NeedStatus::InProgress,
        (None, Ok(status)) => status,
        (None, Err(_)) => return Err(AppError::BadRequest),
    };
    let mut e = FieldErrors::default();
    let (note, handled_by) = need_fields(&mut e, &form, status);
    if !e.is_empty() {
        let kept = Kept::row(KeptRow {
            id,
            status: form.status,
            handled_by: form.handled_by,
            note: form.note,
            ..KeptRow::default()
        });
        return refused(&state, &user, &form.vecka, kept, e).await;
    }
    let back = format!(
        "/est/lagesbild/{}#samverkan",
        parse_week(&form.vecka)?.key()
    );
    // A follow-up adds a note: sent twice, it would add two.
    let mut change = Change::once(&state, &user, &form.form_token, &back).await?;
    let update = NeedChange {
        id,
        m,
        status,
        note: &note,
        handled_by: &handled_by,
        taking,
    };
    store_need_change(&mut change, &user, &update).await?;
    change.finish(need_flash(taking, status), &back).await
}

/// The flash message after a need was followed up or taken on.
fn need_flash(taking: Option<Uuid>, status: NeedStatus) -> String {
    if taking.is_some() {
        "Ni har tagit på er samverkansbehovet; det står nu som pågående.".to_owned()
    } else {
        format!(
            "Samverkansbehovet är uppdaterat: {}.",
            status.label().to_lowercase()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(key: &str) -> ReportWeek {
        ReportWeek::parse(key).expect("a week")
    }

    #[test]
    fn a_report_not_in_is_missing_only_once_the_reports_lock() {
        let mut r = Reporter {
            id: Uuid::nil(),
            name: "Securitas".to_owned(),
            reported: false,
            nothing_to_report: false,
            late: false,
            entries: 0,
            locked: false,
            unlocked: false,
        };
        assert_eq!(r.status(), ("pending", "Inte rapporterat ännu"));
        r.locked = true;
        assert_eq!(r.status(), ("missing", "Har inte rapporterat"));
        r.reported = true;
        assert_eq!(r.status(), ("done", "Har rapporterat"));
    }

    #[test]
    fn the_trend_columns_name_the_weeks_the_incidents_happened() {
        // Weekly reports: the lägesbild of week 50 holds week 49's incidents.
        let (headings, _) = trend(&[], week("2026-W50"), 1);
        assert_eq!(headings, ["v. 45", "v. 46", "v. 47", "v. 48", "v. 49"]);
        // Across the new year (2026 has 53 weeks).
        let (headings, _) = trend(&[], week("2027-W02"), 1);
        assert_eq!(headings, ["v. 50", "v. 51", "v. 52", "v. 53", "v. 1"]);
        // Every other week: each column is two weeks.
        let (headings, _) = trend(&[], week("2026-W51"), 2);
        assert_eq!(
            headings,
            ["v. 41–42", "v. 43–44", "v. 45–46", "v. 47–48", "v. 49–50"]
        );
    }

    #[test]
    fn a_count_stays_in_the_column_of_the_week_it_happened() {
        let rows = [TrendCount {
            category: "Skadegörelse".to_owned(),
            // Reported to the meeting of week 50, so it happened in week 49.
            week_start: week("2026-W50").monday,
            n: 3,
        }];
        let (headings, trend) = trend(&rows, week("2026-W50"), 1);
        let column = trend[0].counts.iter().position(|n| *n == 3);
        assert_eq!(column.map(|c| headings[c].as_str()), Some("v. 49"));
    }
}
