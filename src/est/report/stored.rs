//! An entry already stored in a week's report (an incident, a coming event
//! or a cooperation need), read back as its form for changing.

use chrono::NaiveDate;
use sqlx::PgPool;
use uuid::Uuid;

use super::{EventForm, IncidentForm, NeedForm};
use crate::error::AppResult;
use crate::tenant::MunicipalityId;

/// An incident of an organisation's report for a week, as the report
/// form shows it for changing; `None` when there is no such incident.
pub(super) async fn incident_form(
    db: &PgPool,
    m: MunicipalityId,
    organisation: Uuid,
    week: NaiveDate,
    id: Uuid,
) -> AppResult<Option<IncidentForm>> {
    let row = sqlx::query!(
        r#"select i.category_id, i.occurred_on, i.time_band, i.area_id, i.place, i.description,
                  i.action_taken, i.latitude, i.longitude, i.insecurity, i.reported_to_police
           from est_incident i
           join est_report r on r.id = i.report_id
           where i.id = $1 and i.municipality_id = $2 and r.organisation_id = $3 and r.week_start = $4"#,
        id,
        m.get(),
        organisation,
        week
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| IncidentForm {
        category_id: r.category_id.to_string(),
        occurred_on: r.occurred_on.to_string(),
        time_band: r.time_band.unwrap_or_default(),
        area_id: r.area_id.to_string(),
        place: r.place.unwrap_or_default(),
        description: r.description.unwrap_or_default(),
        insecurity: r.insecurity.to_string(),
        reported_to_police: r.reported_to_police.then(|| "ja".to_owned()),
        action_taken: r.action_taken.unwrap_or_default(),
        latitude: r.latitude.map(|x| x.to_string()).unwrap_or_default(),
        longitude: r.longitude.map(|x| x.to_string()).unwrap_or_default(),
        confirm_personal_data: None,
        picker: Default::default(),
    }))
}

/// A coming event of the organisation's report for the week, as its form
/// shows it when the reporter changes it.
pub(super) async fn event_form(
    db: &PgPool,
    m: MunicipalityId,
    organisation: Uuid,
    week: NaiveDate,
    id: Uuid,
) -> AppResult<Option<EventForm>> {
    let row = sqlx::query!(
        r#"select e.title, e.occurs_on, e.area_id, e.place, e.risk, e.planned_measures
           from est_coming_event e
           join est_report r on r.id = e.report_id
           where e.id = $1 and e.municipality_id = $2 and r.organisation_id = $3 and r.week_start = $4"#,
        id,
        m.get(),
        organisation,
        week
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| EventForm {
        title: r.title.unwrap_or_default(),
        occurs_on: r.occurs_on.to_string(),
        event_area_id: r.area_id.map(|a| a.to_string()).unwrap_or_default(),
        event_place: r.place.unwrap_or_default(),
        risk: r.risk,
        planned_measures: r.planned_measures.unwrap_or_default(),
        confirm_personal_data: None,
    }))
}

/// A cooperation need of the organisation's report for the week, as its
/// form shows it when the reporter changes it.
pub(super) async fn need_form(
    db: &PgPool,
    m: MunicipalityId,
    organisation: Uuid,
    week: NaiveDate,
    id: Uuid,
) -> AppResult<Option<NeedForm>> {
    let row = sqlx::query!(
        r#"select n.title, n.with_whom, n.handled_by
           from cooperation_need n
           join est_report r on r.id = n.report_id
           where n.id = $1 and n.municipality_id = $2 and r.organisation_id = $3 and r.week_start = $4"#,
        id,
        m.get(),
        organisation,
        week
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| NeedForm {
        need_title: r.title.unwrap_or_default(),
        with_whom: r.with_whom.unwrap_or_default(),
        handled_by: r.handled_by.unwrap_or_default(),
        confirm_personal_data: None,
    }))
}
