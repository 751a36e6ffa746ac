//! `POST /est/rapport/handelse`: an incident of last week, with its place
//! on the map when the reporter clicked one.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Days, NaiveDate};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::super::access::EstAccess;
use super::super::db;
use super::super::model::TimeBand;
use super::entry::{Entry, Place, Post, submit};
use super::{Forms, IncidentForm, optional, page, status};
use crate::error::AppResult;
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::extract::CurrentUser;
use crate::web::forms::{self, FieldErrors, Form};
use crate::web::today;

/// An incident's checked values.
pub struct IncidentEntry {
    category: Uuid,
    occurred: NaiveDate,
    band: Option<TimeBand>,
    area: Uuid,
    place: Option<String>,
    description: String,
    action: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    insecurity: i16,
    reported_to_police: bool,
}

/// `POST /est/rapport/handelse`: a click on the map shows the form again
/// with the point; otherwise the incident is added or changed.
#[tracing::instrument(skip_all, fields(person.id = %user.id()))]
pub async fn post(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(post): Form<Post<IncidentForm>>,
) -> AppResult<Response> {
    let access = EstAccess::load(&state.db, &user).await?;
    let s = status(&state, &user, &access, &post.which).await?;
    if let Some(again) = map_clicked(&state, &user, &post).await? {
        return Ok(again);
    }
    submit::<IncidentEntry>(&state, &user, &s, post).await
}

impl Entry for IncidentEntry {
    type Form = IncidentForm;
    const FORM: &'static str = "incident";

    fn refill(forms: &mut Forms, form: IncidentForm) {
        forms.incident = form;
    }

    fn confirmed(form: &IncidentForm) -> bool {
        form.confirm_personal_data.is_some()
    }

    fn texts(f: &IncidentForm) -> [(&'static str, &str); 3] {
        [
            ("description", &f.description),
            ("place", &f.place),
            ("action_taken", &f.action_taken),
        ]
    }

    async fn check(
        state: &AppState,
        m: MunicipalityId,
        f: &IncidentForm,
        e: &mut FieldErrors,
    ) -> AppResult<Option<Self>> {
        let category = category(state, m, f, e).await?;
        let area = area(state, m, f, e).await?;
        let occurred = occurred(f, e);
        let band = TimeBand::from_form(e, &f.time_band);
        let description = forms::required_text(
            e,
            "description",
            &f.description,
            "en kort beskrivning",
            2000,
        );
        let place = forms::optional_line(e, "place", &f.place, "platsen", 300);
        let action = forms::optional_text(
            e,
            "action_taken",
            &f.action_taken,
            "vad som redan gjorts",
            2000,
        );
        let insecurity = insecurity(f, e);
        let (latitude, longitude) =
            crate::map::picker::checked_point(&state.db, m, &f.latitude, &f.longitude, e).await?;
        let (Some(category), Some(area), Some(occurred)) = (category, area, occurred) else {
            return Ok(None);
        };
        Ok(Some(Self {
            category,
            occurred,
            band,
            area,
            place: optional(place),
            description,
            action: optional(action),
            latitude,
            longitude,
            insecurity,
            reported_to_police: f.reported_to_police.is_some(),
        }))
    }

    async fn insert(&self, tx: &mut PgConnection, at: Place, by: Uuid) -> sqlx::Result<u64> {
        Ok(sqlx::query!(
            r#"insert into est_incident (id, municipality_id, report_id, category_id, occurred_on, time_band, area_id, place,
                                         description, action_taken, latitude, longitude, insecurity, reported_to_police, written_by)
               select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15
               where not exists (select 1 from est_incident i where i.municipality_id = $2 and i.report_id = $3
                                   and i.category_id = $4 and i.occurred_on = $5 and i.area_id = $7 and i.description = $9)"#,
            at.id, at.m.get(), at.report, self.category, self.occurred, self.band as Option<TimeBand>, self.area, self.place, self.description,
            self.action, self.latitude, self.longitude, self.insecurity, self.reported_to_police, by
        )
        .execute(tx)
        .await?
        .rows_affected())
    }

    async fn update(&self, tx: &mut PgConnection, at: Place) -> sqlx::Result<u64> {
        Ok(sqlx::query!(
            r#"update est_incident set category_id = $3, occurred_on = $4, time_band = $5, area_id = $6, place = $7,
                      description = $8, action_taken = $9, latitude = $10, longitude = $11, insecurity = $12,
                      reported_to_police = $13
               where id = $1 and report_id = $2 and municipality_id = $14"#,
            at.id, at.report, self.category, self.occurred, self.band as Option<TimeBand>, self.area, self.place, self.description,
            self.action, self.latitude, self.longitude, self.insecurity, self.reported_to_police, at.m.get()
        )
        .execute(tx)
        .await?
        .rows_affected())
    }

    fn audit(&self, id: Uuid, changed: bool) -> (&'static str, String, serde_json::Value) {
        let after = json!({ "händelse": id, "datum": self.occurred, "otrygghet": self.insecurity });
        if changed {
            (
                "ändrade händelse",
                format!("ändrade händelse {}", self.occurred),
                after,
            )
        } else {
            (
                "rapporterade händelse",
                format!("händelse {}", self.occurred),
                after,
            )
        }
    }

    fn message(changed: bool) -> &'static str {
        if changed {
            "Händelsen är ändrad."
        } else {
            "Händelsen är tillagd i rapporten."
        }
    }
}

/// The chosen category, one of the municipality's (or a subcategory).
async fn category(
    state: &AppState,
    m: MunicipalityId,
    f: &IncidentForm,
    e: &mut FieldErrors,
) -> AppResult<Option<Uuid>> {
    let message = "Välj vad som hände (kategori).";
    let Some(id) = forms::required_id(e, "category_id", &f.category_id, message) else {
        return Ok(None);
    };
    let known = db::categories(&state.db, m)
        .await?
        .iter()
        .any(|c| c.id == id || c.children.iter().any(|s| s.id == id));
    if !known {
        e.add("category_id", "Välj en kategori i listan.");
    }
    Ok(known.then_some(id))
}

/// The chosen area, one of the municipality's.
async fn area(
    state: &AppState,
    m: MunicipalityId,
    f: &IncidentForm,
    e: &mut FieldErrors,
) -> AppResult<Option<Uuid>> {
    let Some(id) = forms::required_id(e, "area_id", &f.area_id, "Välj område.") else {
        return Ok(None);
    };
    let known = db::areas(&state.db, m).await?.iter().any(|a| a.id == id);
    if !known {
        e.add("area_id", "Välj ett område i listan.");
    }
    Ok(known.then_some(id))
}

/// The date it happened: not ahead, at most 90 days back.
fn occurred(f: &IncidentForm, e: &mut FieldErrors) -> Option<NaiveDate> {
    let d = forms::required_date(e, "occurred_on", &f.occurred_on)?;
    if d > today() {
        e.add("occurred_on", "Datumet kan inte ligga i framtiden. Kommande händelser rapporteras under ”Kommande händelser”.");
    } else if d < today() - Days::new(90) {
        e.add(
            "occurred_on",
            "Händelsen är äldre än 90 dagar; ta upp den med samordnaren i stället.",
        );
    }
    Some(d)
}

/// How much insecurity it caused, 1 to 5.
fn insecurity(f: &IncidentForm, e: &mut FieldErrors) -> i16 {
    match f.insecurity.trim().parse::<i16>() {
        Ok(n) if (1..=5).contains(&n) => n,
        _ => {
            e.add(
                "insecurity",
                "Välj hur mycket otrygghet händelsen skapar, 1 till 5.",
            );
            0
        }
    }
}

/// A click on the map of the incident form (or "Ta bort punkten"): the
/// form comes back with every value kept, the point (or why it was
/// refused) and the area the point lies in; nothing is stored. `None` when
/// the form is being sent.
async fn map_clicked(
    state: &AppState,
    user: &CurrentUser,
    post: &Post<IncidentForm>,
) -> AppResult<Option<Response>> {
    let mut form = post.form.clone();
    let Some(e) = crate::map::picker::click(
        &state.db,
        user.tenant(),
        &post.form.picker,
        &mut form.latitude,
        &mut form.longitude,
        &mut form.area_id,
    )
    .await?
    else {
        return Ok(None);
    };
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let forms = Forms {
        incident: form,
        ..Forms::again(&post.which, "incident", false)
    };
    let page = page(state, user, &post.which, forms, e).await?;
    Ok(Some((status, page).into_response()))
}
