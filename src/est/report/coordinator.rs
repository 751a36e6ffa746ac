//! The coordinator's part in the weekly reports: reopening a locked
//! report for 48 hours, and reminding an organisation that has not reported.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{TimeDelta, Utc};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::super::db;
use super::super::week::ReportWeek;
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::extract::CurrentUser;
use crate::web::forms::Form;
use crate::web::layout::{Flash, set_flash};
use crate::web::{format_local, today};

/// `POST /est/las-upp`: the coordinator reopens an organisation's locked
/// report for a week for 48 hours; what is added then is marked late.
#[derive(Deserialize)]
pub struct UnlockForm {
    #[serde(default)]
    vecka: String,
    #[serde(default)]
    organisation_id: String,
    /// The one-time form token (`chrome.form_token`): a reminder sent
    /// twice mails once.
    #[serde(default)]
    form_token: String,
}

impl UnlockForm {
    /// The week and organisation a coordinator's unlock or reminder is
    /// about, within their municipality: (municipality, week, id, name).
    async fn target(
        &self,
        state: &AppState,
        user: &CurrentUser,
    ) -> AppResult<(MunicipalityId, ReportWeek, Uuid, String)> {
        user.require_admin()?;
        let m = user.tenant();
        let week = ReportWeek::parse(&self.vecka).ok_or(AppError::BadRequest)?;
        let org_id = Uuid::parse_str(&self.organisation_id).map_err(|_| AppError::BadRequest)?;
        let org = sqlx::query_scalar!(
            "select name from organisation where id = $1 and municipality_id = $2",
            org_id,
            m.get()
        )
        .fetch_optional(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
        Ok((m, week, org_id, org))
    }
}

pub async fn unlock(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<UnlockForm>,
) -> AppResult<Response> {
    let (m, week, org_id, org) = form.target(&state, &user).await?;
    let until = Utc::now() + TimeDelta::hours(48);
    let mut change = Change::begin(&state, &user).await?;
    let report = db::ensure_report(change.tx(), m, org_id, week.monday, false).await?;
    sqlx::query!(
        "update est_report set unlocked_until = $2 where id = $1 and municipality_id = $3",
        report,
        until,
        m.get()
    )
    .execute(change.tx())
    .await?;
    change
        .done(
            Event::new(
                "låste upp",
                "EST-rapport",
                format!("{org} {} öppen till {}", week.label(), format_local(until)),
            )
            .on(report)
            .after(json!({ "öppen till": until })),
            format!(
                "Rapporten för {org}, {}, är öppen till {}.",
                week.label(),
                format_local(until)
            ),
            &format!("/est?vecka={}", week.key()),
        )
        .await
}

/// `POST /est/paminnelse`: the coordinator reminds an organisation that has
/// not reported for a week. The mail goes to whoever holds the
/// organisation's reporting seats in the EST group today. The form's
/// one-time token makes a double click or a resent post mail once.
pub async fn remind(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<UnlockForm>,
) -> AppResult<Response> {
    let (m, week, org_id, org) = form.target(&state, &user).await?;
    let back = format!("/est?vecka={}", week.key());
    let recipients = seat_holders(&state, m, org_id).await?;
    if recipients.is_empty() {
        set_flash(
            &user.person.flash,
            Flash::warning(format!(
                "Ingen har {org}s plats i EST just nu, så ingen påminnelse skickades."
            )),
        )
        .await?;
        return Ok(Redirect::to(&back).into_response());
    }
    let body = format!(
        "Hej!\n\n{org} har inte lämnat EST-rapporten för {}. Rapportera i Samordna: {}/est/rapport?vecka={}&org={org_id}\n\nRapporten låses när EST-mötet börjar. Har ni inget att rapportera, välj \"Inget att rapportera\".\n",
        week.label(),
        state.config.public_url.trim_end_matches('/'),
        week.key()
    );
    let mut change = Change::once(&state, &user, &form.form_token, &back).await?;
    let ids = crate::mail::outbox::enqueue_text(
        change.tx(),
        m,
        crate::mail::outbox::Kind::EstReminder,
        Some(org_id),
        &recipients,
        &format!("Påminnelse: EST-rapporten för {}", week.label()),
        &body,
    )
    .await?;
    let names: Vec<&str> = recipients.iter().map(|(name, _)| name.as_str()).collect();
    change
        .record(
            Event::new(
                "påminde",
                "EST-rapport",
                format!("{org} om {}", week.label()),
            )
            .after(json!({ "till": names })),
        )
        .await?;
    let done = change.commit().await?;
    let delivery = crate::mail::outbox::deliver(&state, &ids).await;
    let message = delivery.flash(delivery.outcome(
        &format!("Påminnelsen om {}", week.label()),
        &format!("{} ({org})", names.join(", ")),
    ));
    done.redirect(message, &back).await
}

/// Name and address of whoever holds the organisation's reporting seats
/// in the EST group today.
async fn seat_holders(
    state: &AppState,
    m: MunicipalityId,
    org_id: Uuid,
) -> AppResult<Vec<(String, String)>> {
    Ok(sqlx::query!(
        r#"select distinct pe.name, pe.email
           from work_group g
           join membership ms on ms.work_group_id = g.id and ms.municipality_id = $1 and ms.role <> 'convener'
           join position p on p.id = ms.position_id and p.organisation_id = $2
           join holders_on($1, $3) h on h.position_id = p.id
           join person pe on pe.id = h.person_id and pe.active
           where g.municipality_id = $1 and g.weekly_reporting
             and g.active_from <= $3 and (g.active_to is null or g.active_to >= $3)
           order by pe.name"#,
        m.get(),
        org_id,
        today()
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|r| (r.name, r.email))
    .collect())
}
