//! Queries for EST, scoped by municipality.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::error::AppResult;
use crate::structure::admin::Choice;

/// A top-level category with its subcategories.
pub struct CategoryGroup {
    pub id: Uuid,
    pub name: String,
    pub children: Vec<Choice>,
}

/// Active categories, subcategories under their parent.
pub async fn categories(db: &PgPool, m: Uuid) -> AppResult<Vec<CategoryGroup>> {
    let rows = sqlx::query!(
        r#"select id, parent_id, name from incident_category
           where municipality_id = $1 and active order by sort_order, name"#,
        m
    )
    .fetch_all(db)
    .await?;
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
    Ok(groups)
}

/// Active areas (towns and villages).
pub async fn areas(db: &PgPool, m: Uuid) -> AppResult<Vec<Choice>> {
    Ok(sqlx::query_as!(
        Choice,
        r#"select id, name as label from area where municipality_id = $1 and active order by sort_order, name"#,
        m
    )
    .fetch_all(db)
    .await?)
}

/// A report's head.
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
    m: Uuid,
    organisation_id: Uuid,
    week: NaiveDate,
) -> AppResult<Option<Report>> {
    Ok(sqlx::query_as!(
        Report,
        r#"select id, nothing_to_report, submitted_at, updated_at, late, unlocked_until
           from est_report where municipality_id = $1 and organisation_id = $2 and week_start = $3"#,
        m,
        organisation_id,
        week
    )
    .fetch_optional(db)
    .await?)
}

/// The report for an organisation and week, made when first needed.
pub async fn ensure_report(
    conn: &mut PgConnection,
    m: Uuid,
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
        m,
        organisation_id,
        week,
        late
    )
    .fetch_one(conn)
    .await
}

/// An incident as shown in a report or the lägesbild.
pub struct Incident {
    pub id: Uuid,
    pub organisation: String,
    pub category: String,
    pub subcategory: Option<String>,
    pub area: String,
    pub occurred_on: NaiveDate,
    pub time_band: Option<String>,
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
    pub fn time_band_label(&self) -> &'static str {
        time_band_label(self.time_band.as_deref().unwrap_or(""))
    }

    /// The category with its subcategory: `Skadegörelse – klotter`.
    pub fn category_label(&self) -> String {
        match &self.subcategory {
            Some(sub) => format!("{} – {}", self.category, sub.to_lowercase()),
            None => self.category.clone(),
        }
    }
}

pub const TIME_BANDS: [(&str, &str); 4] = [
    ("natt", "Natt (00–06)"),
    ("morgon", "Morgon (06–12)"),
    ("dag", "Eftermiddag (12–18)"),
    ("kvall", "Kväll (18–24)"),
];

pub fn time_band_label(band: &str) -> &'static str {
    TIME_BANDS
        .iter()
        .find(|(k, _)| *k == band)
        .map_or("", |(_, l)| l)
}

/// Incidents of the reports of a week, optionally of one organisation.
pub async fn incidents(
    db: &PgPool,
    m: Uuid,
    week: NaiveDate,
    organisation: Option<Uuid>,
) -> AppResult<Vec<Incident>> {
    Ok(sqlx::query_as!(
        Incident,
        r#"select i.id, o.name as organisation,
                  coalesce(pc.name, c.name) as "category!", case when pc.id is null then null else c.name end as subcategory,
                  a.name as area, i.occurred_on, i.time_band, i.place, i.description, i.action_taken,
                  i.insecurity, i.reported_to_police, i.duplicate_of, p.name as "written_by?",
                  i.latitude, i.longitude
           from est_incident i
           join est_report r on r.id = i.report_id
           join organisation o on o.id = r.organisation_id
           join incident_category c on c.id = i.category_id
           left join incident_category pc on pc.id = c.parent_id
           join area a on a.id = i.area_id
           left join person p on p.id = i.written_by
           where r.municipality_id = $1 and r.week_start = $2 and ($3::uuid is null or r.organisation_id = $3)
           order by i.occurred_on, o.name, i.created_at"#,
        m,
        week,
        organisation
    )
    .fetch_all(db)
    .await?)
}

/// A coming event.
pub struct ComingEvent {
    pub id: Uuid,
    pub organisation: String,
    pub occurs_on: NaiveDate,
    pub area: Option<String>,
    pub risk: String,
    pub title: Option<String>,
    pub place: Option<String>,
    pub planned_measures: Option<String>,
    pub written_by: Option<String>,
}

impl ComingEvent {
    pub fn risk_label(&self) -> &'static str {
        risk_label(&self.risk)
    }
}

pub fn risk_label(risk: &str) -> &'static str {
    match risk {
        "high" => "Hög",
        "medium" => "Medel",
        _ => "Låg",
    }
}

pub async fn coming_events(
    db: &PgPool,
    m: Uuid,
    week: NaiveDate,
    organisation: Option<Uuid>,
) -> AppResult<Vec<ComingEvent>> {
    Ok(sqlx::query_as!(
        ComingEvent,
        r#"select e.id, o.name as organisation, e.occurs_on, a.name as "area?", e.risk, e.title, e.place,
                  e.planned_measures, p.name as "written_by?"
           from est_coming_event e
           join est_report r on r.id = e.report_id
           join organisation o on o.id = r.organisation_id
           left join area a on a.id = e.area_id
           left join person p on p.id = e.written_by
           where r.municipality_id = $1 and r.week_start = $2 and ($3::uuid is null or r.organisation_id = $3)
           order by e.occurs_on, array_position(array['high','medium','low'], e.risk)"#,
        m,
        week,
        organisation
    )
    .fetch_all(db)
    .await?)
}

/// A cooperation need.
pub struct Need {
    pub id: Uuid,
    pub organisation: String,
    pub week_start: NaiveDate,
    pub title: Option<String>,
    pub with_whom: Option<String>,
    pub status: String,
    pub handled_by: Option<String>,
    pub written_by: Option<String>,
    pub last_note: Option<String>,
}

impl Need {
    pub fn week_number(&self) -> u32 {
        chrono::Datelike::iso_week(&self.week_start).week()
    }

    pub fn status_label(&self) -> &'static str {
        need_status_label(&self.status)
    }
}

pub fn need_status_label(status: &str) -> &'static str {
    match status {
        "in_progress" => "Pågår",
        "closed" => "Avslutat",
        _ => "Öppet",
    }
}

/// Needs filed in a week by one organisation, or every need still open (or
/// closed during `week`) when no organisation is given.
pub async fn needs(
    db: &PgPool,
    m: Uuid,
    week: NaiveDate,
    organisation: Option<Uuid>,
) -> AppResult<Vec<Need>> {
    Ok(sqlx::query_as!(
        Need,
        r#"select n.id, o.name as organisation, r.week_start, n.title, n.with_whom, n.status, n.handled_by,
                  p.name as "written_by?",
                  (select cn.note from cooperation_note cn where cn.need_id = n.id order by cn.at desc limit 1) as last_note
           from cooperation_need n
           join est_report r on r.id = n.report_id
           join organisation o on o.id = r.organisation_id
           left join person p on p.id = n.written_by
           where n.municipality_id = $1
             and case when $3::uuid is null
                      then r.week_start <= $2 and (n.status <> 'closed' or n.closed_at >= $4)
                      else r.organisation_id = $3 and r.week_start = $2 end
           order by r.week_start, n.created_at"#,
        m,
        week,
        organisation,
        crate::meetings::schedule::day_start(week)
    )
    .fetch_all(db)
    .await?)
}
