//! `POST /est/rapport/kommande`: a coming event that may bring risks.

use chrono::NaiveDate;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::super::db;
use super::super::model::Risk;
use super::entry::{Entry, Place};
use super::{EventForm, Forms, optional};
use crate::error::AppResult;
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::forms::{self, FieldErrors};
use crate::web::today;

/// A coming event's checked values.
pub struct EventEntry {
    occurs: NaiveDate,
    area: Option<Uuid>,
    risk: Risk,
    title: String,
    place: Option<String>,
    measures: Option<String>,
}

impl Entry for EventEntry {
    type Form = EventForm;
    const FORM: &'static str = "event";

    fn refill(forms: &mut Forms, form: EventForm) {
        forms.event = form;
    }

    fn confirmed(form: &EventForm) -> bool {
        form.confirm_personal_data.is_some()
    }

    fn texts(f: &EventForm) -> [(&'static str, &str); 3] {
        [
            ("title", &f.title),
            ("event_place", &f.event_place),
            ("planned_measures", &f.planned_measures),
        ]
    }

    async fn check(
        state: &AppState,
        m: MunicipalityId,
        f: &EventForm,
        e: &mut FieldErrors,
    ) -> AppResult<Option<Self>> {
        let title = forms::required_line(e, "title", &f.title, "vad som ska hända", 300);
        let occurs = forms::required_date(e, "occurs_on", &f.occurs_on);
        if occurs.is_some_and(|d| d < today()) {
            e.add(
                "occurs_on",
                "En kommande händelse kan inte ligga bakåt i tiden.",
            );
        }
        let area = forms::optional_id(e, "event_area_id", &f.event_area_id);
        if let Some(a) = area
            && !db::areas(&state.db, m).await?.iter().any(|x| x.id == a)
        {
            e.add("event_area_id", "Välj ett område i listan.");
        }
        let place = forms::optional_line(e, "event_place", &f.event_place, "platsen", 300);
        let measures = forms::optional_text(
            e,
            "planned_measures",
            &f.planned_measures,
            "planerade åtgärder",
            2000,
        );
        let risk = f.risk.parse::<Risk>();
        if risk.is_err() {
            e.add("risk", "Välj förväntad risk: låg, medel eller hög.");
        }
        Ok(occurs.zip(risk.ok()).map(|(occurs, risk)| Self {
            occurs,
            area,
            risk,
            title,
            place: optional(place),
            measures: optional(measures),
        }))
    }

    async fn insert(&self, tx: &mut PgConnection, at: Place, by: Uuid) -> sqlx::Result<u64> {
        Ok(sqlx::query!(
            r#"insert into est_coming_event (id, municipality_id, report_id, occurs_on, area_id, risk, title, place, planned_measures, written_by)
               select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
               where not exists (select 1 from est_coming_event e where e.municipality_id = $2 and e.report_id = $3
                                   and e.occurs_on = $4 and e.title = $7)"#,
            at.id, at.m.get(), at.report, self.occurs, self.area, self.risk as Risk, self.title, self.place, self.measures, by
        )
        .execute(tx)
        .await?
        .rows_affected())
    }

    async fn update(&self, tx: &mut PgConnection, at: Place) -> sqlx::Result<u64> {
        Ok(sqlx::query!(
            r#"update est_coming_event set occurs_on = $3, area_id = $4, risk = $5, title = $6, place = $7,
                      planned_measures = $8
               where id = $1 and report_id = $2 and municipality_id = $9"#,
            at.id, at.report, self.occurs, self.area, self.risk as Risk, self.title, self.place, self.measures, at.m.get()
        )
        .execute(tx)
        .await?
        .rows_affected())
    }

    fn audit(&self, _id: Uuid, changed: bool) -> (&'static str, String, serde_json::Value) {
        let after = json!({ "datum": self.occurs, "risk": self.risk });
        let what = format!("{} {}", self.title, self.occurs);
        if changed {
            (
                "ändrade kommande händelse",
                format!("ändrade {what}"),
                after,
            )
        } else {
            ("rapporterade kommande händelse", what, after)
        }
    }

    fn message(changed: bool) -> &'static str {
        if changed {
            "Den kommande händelsen är ändrad."
        } else {
            "Den kommande händelsen är tillagd i rapporten."
        }
    }
}
