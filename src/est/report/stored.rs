//! An entry already stored in a week's report (an incident, a coming event
//! or a cooperation need), read back as its form for changing.

use chrono::NaiveDate;
use sqlx::PgPool;
use uuid::Uuid;

use super::{EventForm, IncidentForm, NeedForm};
use crate::error::AppResult;
use crate::tenant::MunicipalityId;

/// A stored entry as the report form shows it for changing.
pub(super) enum Stored {
    Incident(Box<IncidentForm>),
    Event(EventForm),
    Need(NeedForm),
}

/// The entry `id` of an organisation's report for a week, whichever kind
/// it is, in one statement; `None` when the report holds no such entry.
/// Each kind is read as the JSON of its form's fields, so the form is
/// filled by the same names the browser sends.
pub(super) async fn entry(
    db: &PgPool,
    m: MunicipalityId,
    organisation: Uuid,
    week: NaiveDate,
    id: Uuid,
) -> AppResult<Option<Stored>> {
    let row = sqlx::query!(
        r#"with report as (
               select id from est_report
               where municipality_id = $2 and organisation_id = $3 and week_start = $4
           )
           select 'incident' as "kind!", json_build_object(
                      'category_id', i.category_id, 'occurred_on', i.occurred_on,
                      'time_band', coalesce(i.time_band, ''), 'area_id', i.area_id,
                      'place', coalesce(i.place, ''), 'description', coalesce(i.description, ''),
                      'insecurity', i.insecurity::text,
                      'reported_to_police', case when i.reported_to_police then 'ja' end,
                      'action_taken', coalesce(i.action_taken, ''),
                      'latitude', coalesce(i.latitude::text, ''),
                      'longitude', coalesce(i.longitude::text, '')) as "form!"
           from est_incident i
           where i.id = $1 and i.municipality_id = $2 and i.report_id in (select id from report)
           union all
           select 'event', json_build_object(
                      'title', coalesce(e.title, ''), 'occurs_on', e.occurs_on,
                      'event_area_id', coalesce(e.area_id::text, ''),
                      'event_place', coalesce(e.place, ''), 'risk', e.risk,
                      'planned_measures', coalesce(e.planned_measures, ''))
           from est_coming_event e
           where e.id = $1 and e.municipality_id = $2 and e.report_id in (select id from report)
           union all
           select 'need', json_build_object(
                      'need_title', coalesce(n.title, ''), 'with_whom', coalesce(n.with_whom, ''),
                      'handled_by', coalesce(n.handled_by, ''))
           from cooperation_need n
           where n.id = $1 and n.municipality_id = $2 and n.report_id in (select id from report)"#,
        id,
        m.get(),
        organisation,
        week
    )
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let stored = match row.kind.as_str() {
        "incident" => serde_json::from_value(row.form).map(|f| Stored::Incident(Box::new(f))),
        "event" => serde_json::from_value(row.form).map(Stored::Event),
        _ => serde_json::from_value(row.form).map(Stored::Need),
    };
    Ok(Some(stored.map_err(anyhow::Error::from)?))
}
