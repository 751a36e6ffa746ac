//! Queries for EST, scoped by municipality.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::access::WeekChoice;
use super::model::TimeBand;
use super::week::ReportWeek;
use crate::error::AppResult;
use crate::tenant::MunicipalityId;
use crate::web::choice::Choice;

/// A top-level category with its subcategories.
#[derive(Clone)]
pub struct CategoryGroup {
    pub id: Uuid,
    pub name: String,
    pub children: Vec<Choice>,
}

/// A category as stored: top-level when it has no parent.
#[derive(Clone, Debug, Deserialize)]
pub struct CategoryRow {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
}

/// Active categories, subcategories under their parent.
pub async fn categories(db: &PgPool, m: MunicipalityId) -> AppResult<Vec<CategoryGroup>> {
    let rows = sqlx::query_as!(
        CategoryRow,
        r#"select id, parent_id, name from incident_category
           where municipality_id = $1 and active order by sort_order, name"#,
        m.get()
    )
    .fetch_all(db)
    .await?;
    Ok(group_categories(&rows))
}

/// Groups categories (in display order) under their parents; a
/// subcategory whose parent is not among them is left out.
fn group_categories(rows: &[CategoryRow]) -> Vec<CategoryGroup> {
    let mut groups: Vec<CategoryGroup> = rows
        .iter()
        .filter(|r| r.parent_id.is_none())
        .map(|r| CategoryGroup {
            id: r.id,
            name: r.name.clone(),
            children: Vec::new(),
        })
        .collect();
    for r in rows.iter().filter(|r| r.parent_id.is_some()) {
        if let Some(parent) = groups.iter_mut().find(|g| Some(g.id) == r.parent_id) {
            parent.children.push(Choice {
                id: r.id,
                label: r.name.clone(),
            });
        }
    }
    groups
}

/// An option as the page statements return it (`Choice` is not ours to
/// make deserialisable).
#[derive(Clone, Debug, Deserialize)]
pub struct ChoiceRow {
    pub id: Uuid,
    pub label: String,
}

impl From<ChoiceRow> for Choice {
    fn from(row: ChoiceRow) -> Self {
        Self {
            id: row.id,
            label: row.label,
        }
    }
}

/// Active areas (towns and villages).
pub async fn areas(db: &PgPool, m: MunicipalityId) -> AppResult<Vec<Choice>> {
    Ok(sqlx::query_as!(
        Choice,
        r#"select id, name as label from area where municipality_id = $1 and active order by sort_order, name"#,
        m.get()
    )
    .fetch_all(db)
    .await?)
}

/// A report's head.
#[derive(Clone, Debug, Deserialize)]
pub struct Report {
    pub id: Uuid,
    pub nothing_to_report: bool,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub late: bool,
    pub unlocked_until: Option<DateTime<Utc>>,
}

pub async fn report(
    db: &PgPool,
    m: MunicipalityId,
    organisation_id: Uuid,
    week: NaiveDate,
) -> AppResult<Option<Report>> {
    Ok(sqlx::query_as!(
        Report,
        r#"select id, nothing_to_report, submitted_at, updated_at, late, unlocked_until
           from est_report where municipality_id = $1 and organisation_id = $2 and week_start = $3"#,
        m.get(),
        organisation_id,
        week
    )
    .fetch_optional(db)
    .await?)
}

/// The report for an organisation and week, made when first needed.
pub async fn ensure_report(
    conn: &mut PgConnection,
    m: MunicipalityId,
    organisation_id: Uuid,
    week: NaiveDate,
    late: bool,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"insert into est_report (id, municipality_id, organisation_id, week_start, late)
           values ($1, $2, $3, $4, $5)
           on conflict (organisation_id, week_start)
           do update set updated_at = now(), late = est_report.late or excluded.late
           returning id"#,
        Uuid::now_v7(),
        m.get(),
        organisation_id,
        week,
        late
    )
    .fetch_one(conn)
    .await
}

/// Marks a report "nothing to report", or clears the mark when an entry is
/// added or put back.
pub async fn set_nothing_to_report(
    conn: &mut sqlx::PgConnection,
    m: MunicipalityId,
    report: Uuid,
    nothing: bool,
) -> AppResult<()> {
    sqlx::query!(
        "update est_report set nothing_to_report = $3 where id = $1 and municipality_id = $2",
        report,
        m.get(),
        nothing
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// An incident as shown in a report or the lägesbild.
#[derive(Clone, Debug, Deserialize)]
pub struct Incident {
    pub id: Uuid,
    pub organisation: String,
    pub category: String,
    pub subcategory: Option<String>,
    pub area: String,
    pub occurred_on: NaiveDate,
    pub time_band: Option<TimeBand>,
    pub place: Option<String>,
    pub description: Option<String>,
    pub action_taken: Option<String>,
    pub insecurity: i16,
    pub reported_to_police: bool,
    pub duplicate_of: Option<Uuid>,
    pub written_by: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl Incident {
    /// The category with its subcategory: `Skadegörelse – klotter`.
    pub fn category_label(&self) -> String {
        super::model::category_label(&self.category, self.subcategory.as_deref())
    }
}

/// Incidents of the reports of a week, optionally of one organisation.
pub async fn incidents(
    db: &PgPool,
    m: MunicipalityId,
    week: NaiveDate,
    organisation: Option<Uuid>,
) -> AppResult<Vec<Incident>> {
    Ok(sqlx::query_as!(
        Incident,
        r#"select id as "id!", organisation as "organisation!", category as "category!", subcategory,
                  area as "area!", occurred_on as "occurred_on!", time_band as "time_band: TimeBand", place, description, action_taken,
                  insecurity as "insecurity!", reported_to_police as "reported_to_police!", duplicate_of,
                  written_by_name as "written_by?", latitude, longitude
           from est_incident_named
           where municipality_id = $1 and week_start = $2 and ($3::uuid is null or organisation_id = $3)
           order by occurred_on, organisation, created_at"#,
        m.get(),
        week,
        organisation
    )
    .fetch_all(db)
    .await?)
}

/// A coming event.
#[derive(Clone, Debug, Deserialize)]
pub struct ComingEvent {
    pub id: Uuid,
    pub organisation: String,
    pub occurs_on: NaiveDate,
    pub area: Option<String>,
    pub risk: super::model::Risk,
    pub title: Option<String>,
    pub place: Option<String>,
    pub planned_measures: Option<String>,
    pub written_by: Option<String>,
}

/// A cooperation need.
#[derive(Clone, Debug, Deserialize)]
pub struct Need {
    pub id: Uuid,
    pub organisation: String,
    /// The organisation that raised the need.
    #[serde(default)]
    pub organisation_id: Uuid,
    /// The organisation that took it on, if one has.
    #[serde(default)]
    pub taken_by_id: Option<Uuid>,
    #[serde(default)]
    pub taken_by: Option<String>,
    pub week_start: NaiveDate,
    pub title: Option<String>,
    pub with_whom: Option<String>,
    pub status: super::model::NeedStatus,
    pub handled_by: Option<String>,
    pub written_by: Option<String>,
    pub last_note: Option<String>,
}

impl Need {
    pub fn week_number(&self) -> u32 {
        chrono::Datelike::iso_week(&self.week_start).week()
    }
}

/// Whether an organisation's report for a week holds any incident, coming
/// event or cooperation need (a report marked "nothing to report" holds
/// none).
pub async fn has_entries(
    db: &PgPool,
    m: MunicipalityId,
    organisation: Uuid,
    week: NaiveDate,
) -> AppResult<bool> {
    Ok(sqlx::query_scalar!(
        r#"select coalesce((select est_report_filed(r) and not r.nothing_to_report from est_report r
                            where r.municipality_id = $1 and r.organisation_id = $2 and r.week_start = $3),
                           false) as "has!""#,
        m.get(),
        organisation,
        week
    )
    .fetch_one(db)
    .await?)
}

/// What the report form shows for one organisation and week.
#[derive(Clone)]
pub struct ReportForm {
    pub week: ReportWeek,
    /// When the week's reports lock.
    pub deadline: DateTime<Utc>,
    pub report: Option<Report>,
    pub incidents: Vec<Incident>,
    pub events: Vec<ComingEvent>,
    pub needs: Vec<Need>,
    pub categories: Vec<CategoryGroup>,
    pub areas: Vec<Choice>,
    /// Whether the municipality has a map for the point picker.
    pub has_map: bool,
}

/// The report form's data in one statement: the week (from `weeks`, see
/// [`WeekChoice`]) and its deadline, the organisation's report with its
/// entries (incidents as [`incidents`] gives them, coming events, needs),
/// and the active categories and areas.
pub async fn report_form(
    db: &PgPool,
    m: MunicipalityId,
    organisation: Uuid,
    group: Option<Uuid>,
    weeks: &WeekChoice,
) -> AppResult<ReportForm> {
    let row = sqlx::query_file!(
        "src/est/report_form.sql",
        m.get(),
        organisation,
        group,
        &weeks.mondays,
        &weeks.starts,
        &weeks.ends,
        weeks.now
    )
    .fetch_one(db)
    .await?;
    Ok(ReportForm {
        week: ReportWeek { monday: row.monday },
        deadline: row.deadline,
        report: row.report.map(|r| r.0),
        incidents: row.incidents.0,
        events: row.events.0,
        needs: row.needs.0,
        categories: group_categories(&row.categories.0),
        areas: row.areas.0.into_iter().map(Choice::from).collect(),
        has_map: row.has_map,
    })
}
