//! `/est/rapport`: an organisation's weekly report. Incidents, coming events
//! and cooperation needs are added one at a time (several people of one
//! organisation can write it together), changed or removed to correct them,
//! and the whole report locks when the week's EST meeting starts.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Days, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::access::{EstAccess, Organisation};
use super::db::{self, CategoryGroup, ComingEvent, Incident, Need, Report};
use super::guard;
use super::week::ReportWeek;
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::page_cache;
use crate::state::AppState;
use crate::web::change::Change;
use crate::web::choice::Choice;
use crate::web::extract::CurrentUser;
use crate::web::forms::{self, FieldErrors, Form, Query};
use crate::web::layout::{Chrome, set_flash};
use crate::web::path::Params;
use crate::web::{format_local, today};

/// Which week and organisation a request is about.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct Which {
    pub vecka: String,
    pub org: String,
    pub form_token: String,
    /// The entry being changed (`?andra=ID` on the page, a hidden field in
    /// its form); empty when adding.
    pub andra: String,
    /// The entry just added or changed (`?ny=ID`): its card shows the message.
    pub ny: String,
    /// The entry just removed (`?borttagen=KIND:ID`): the message offers "Ångra".
    pub borttagen: String,
}

impl Which {
    fn editing(&self) -> Option<Uuid> {
        Uuid::parse_str(self.andra.trim()).ok()
    }

    fn new_entry(&self) -> Option<Uuid> {
        Uuid::parse_str(self.ny.trim()).ok()
    }

    /// The kind (`handelse`, `kommande`, `samverkan`) and id of the entry
    /// just removed.
    fn removed(&self) -> Option<(&'static str, Uuid)> {
        let (kind, id) = self.borttagen.trim().split_once(':')?;
        let kind = KINDS.iter().find(|k| **k == kind)?;
        Some((kind, Uuid::parse_str(id).ok()?))
    }
}

/// The kinds of entry, as their paths name them.
const KINDS: [&str; 3] = ["handelse", "kommande", "samverkan"];

#[derive(Deserialize, Default, Clone)]
pub struct IncidentForm {
    #[serde(default)]
    pub category_id: String,
    #[serde(default)]
    pub occurred_on: String,
    #[serde(default)]
    pub time_band: String,
    #[serde(default)]
    pub area_id: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub insecurity: String,
    #[serde(default)]
    pub reported_to_police: Option<String>,
    #[serde(default)]
    pub action_taken: String,
    #[serde(default)]
    pub latitude: String,
    #[serde(default)]
    pub longitude: String,
    #[serde(default)]
    pub confirm_personal_data: Option<String>,
    /// A click on the map (`crate::map::picker`).
    #[serde(flatten)]
    pub picker: crate::map::picker::PickerForm,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct EventForm {
    pub title: String,
    pub occurs_on: String,
    pub event_area_id: String,
    pub event_place: String,
    pub risk: String,
    pub planned_measures: String,
    pub confirm_personal_data: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct NeedForm {
    pub need_title: String,
    pub with_whom: String,
    pub handled_by: String,
    pub confirm_personal_data: Option<String>,
}

/// The forms of the page with what was typed.
#[derive(Default)]
pub struct Forms {
    pub incident: IncidentForm,
    pub event: EventForm,
    pub need: NeedForm,
    /// The form whose texts need the writer's confirmation: `incident`, `event`, `need`.
    pub confirm: &'static str,
    /// The form that changes an entry instead of adding one: `incident`,
    /// `event`, `need`, or empty.
    pub editing: &'static str,
}

impl Forms {
    /// The forms with one of them holding what was typed, after a refusal.
    fn again(which: &Which, kind: &'static str, confirm: bool) -> Self {
        Forms {
            confirm: if confirm { kind } else { "" },
            editing: if which.editing().is_some() { kind } else { "" },
            ..Forms::default()
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "est/report.html")]
pub struct ReportPage {
    chrome: Chrome,
    organisations: Vec<Organisation>,
    org: Organisation,
    week: ReportWeek,
    previous: String,
    next: String,
    deadline: String,
    locked: bool,
    report: Option<Report>,
    incidents: Vec<Incident>,
    events: Vec<ComingEvent>,
    needs: Vec<Need>,
    categories: Vec<CategoryGroup>,
    areas: Vec<Choice>,
    time_bands: [(&'static str, &'static str); 4],
    forms: Forms,
    /// The entry whose values fill its form, when changing one
    /// (`forms.editing` says which form).
    editing: Option<Uuid>,
    /// The entry just added or changed, with the message its card shows
    /// (the page opens at that card, so the message is seen on a phone).
    new_entry: Option<(Uuid, String)>,
    /// The entry just removed, with the message and its "Ångra" button.
    removed: Option<(&'static str, Uuid, String)>,
    errors: FieldErrors,
    /// The background map under the point picker, when there is one.
    backdrop: Option<crate::map::picker::Backdrop>,
}

impl ReportPage {
    pub fn is_empty(&self) -> bool {
        self.incidents.is_empty() && self.events.is_empty() && self.needs.is_empty()
    }

    /// The message for the card of an entry just added or changed.
    pub fn message_for(&self, id: &Uuid) -> Option<&str> {
        self.new_entry
            .as_ref()
            .filter(|(new, _)| new == id)
            .map(|(_, message)| message.as_str())
    }
}

/// Where a week's report stands for an organisation.
struct Status {
    org: Organisation,
    week: ReportWeek,
    deadline: DateTime<Utc>,
    report: Option<Report>,
}

impl Status {
    fn past_deadline(&self) -> bool {
        Utc::now() >= self.deadline
    }

    fn locked(&self) -> bool {
        let unlocked = self
            .report
            .as_ref()
            .and_then(|r| r.unlocked_until)
            .is_some_and(|u| u > Utc::now());
        self.past_deadline() && !unlocked
    }
}

async fn status(
    state: &AppState,
    user: &CurrentUser,
    access: &EstAccess,
    which: &Which,
) -> AppResult<Status> {
    let org = access
        .reporting_organisation(Uuid::parse_str(&which.org).ok())?
        .clone();
    let m = user.municipality_id();
    let week = match ReportWeek::parse(&which.vecka) {
        Some(week) => week,
        None if which.vecka.trim().is_empty() => access.open_week(&state.db, m).await?,
        None => return Err(AppError::OutOfRange(ReportWeek::refusal())),
    };
    Ok(Status {
        deadline: access.deadline(&state.db, m, week).await?,
        report: db::report(&state.db, m, org.id, week.monday).await?,
        org,
        week,
    })
}

/// The form's data: the person's access, then one statement for the rest.
async fn page(
    state: &AppState,
    user: &CurrentUser,
    which: &Which,
    forms: Forms,
    errors: FieldErrors,
) -> AppResult<ReportPage> {
    let access = EstAccess::cached(state, user).await?;
    let org = access
        .reporting_organisation(Uuid::parse_str(&which.org).ok())?
        .clone();
    let mut weeks = access.week_choice(ReportWeek::parse(&which.vecka));
    weeks.now = page_cache::minute(weeks.now);
    let m = user.municipality_id();
    let key = format!(
        "{}:{:?}:{:?}:{}",
        org.id, access.group_id, weeks.mondays, weeks.now
    );
    let data = state
        .pages
        .get_or_load(m, key, || {
            db::report_form(&state.db, m, org.id, access.group_id, &weeks)
        })
        .await?;
    let data = db::ReportForm::clone(&data);
    let s = Status {
        org,
        week: data.week,
        deadline: data.deadline,
        report: data.report,
    };
    let interval = access.interval_weeks;
    let backdrop = crate::map::picker::backdrop(
        state,
        m,
        &forms.incident.latitude,
        &forms.incident.longitude,
    )
    .await?;
    Ok(ReportPage {
        chrome: user.chrome("est").await,
        incidents: data.incidents,
        events: data.events,
        needs: data.needs,
        categories: data.categories,
        areas: data.areas,
        time_bands: db::TIME_BANDS,
        previous: s.week.previous(interval).key(),
        next: s.week.next(interval).key(),
        deadline: format_local(s.deadline),
        locked: s.locked(),
        organisations: access.reporter_for.clone(),
        org: s.org,
        week: s.week,
        report: s.report,
        editing: which.editing(),
        new_entry: None,
        removed: None,
        forms,
        errors,
        backdrop,
    })
}

pub async fn report_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(mut which): Query<Which>,
) -> AppResult<ReportPage> {
    // A week out of bounds shows the open week, and says so.
    let refused = !which.vecka.trim().is_empty() && ReportWeek::parse(&which.vecka).is_none();
    if refused {
        which.vecka.clear();
    }
    let forms = match which.editing() {
        Some(id) => editing_forms(&state, &user, &which, id).await?,
        None => Forms::default(),
    };
    let mut page = page(&state, &user, &which, forms, FieldErrors::default()).await?;
    // The message after an addition or change is shown on the entry's card,
    // after a removal next to its undo button, not at the top of the page.
    if let Some(id) = which.new_entry() {
        let exists = page.incidents.iter().any(|i| i.id == id)
            || page.events.iter().any(|e| e.id == id)
            || page.needs.iter().any(|n| n.id == id);
        if exists && let Some(flash) = page.chrome.flash.take() {
            page.new_entry = Some((id, flash.message));
        }
    }
    if let Some((kind, id)) = which.removed()
        && !page.locked
        && let Some(flash) = page.chrome.flash.take()
    {
        page.removed = Some((kind, id, flash.message));
    }
    if refused {
        let note = format!(
            "{} Sidan visar {}.",
            ReportWeek::refusal(),
            page.week.label()
        );
        crate::web::bounds::note(&mut page.chrome, &[note]);
    }
    Ok(page)
}

/// The forms with the entry to change in its own: only an entry of this
/// organisation's report for the week is found.
async fn editing_forms(
    state: &AppState,
    user: &CurrentUser,
    which: &Which,
    id: Uuid,
) -> AppResult<Forms> {
    let week = ReportWeek::parse(&which.vecka).ok_or(AppError::NotFound)?;
    let org = Uuid::parse_str(&which.org).map_err(|_| AppError::NotFound)?;
    let (db, m, monday) = (&state.db, user.municipality_id(), week.monday);
    let mut forms = Forms::default();
    if let Some(incident) = db::incident_form(db, m, org, monday, id).await? {
        forms.incident = incident;
        forms.editing = "incident";
    } else if let Some(event) = db::event_form(db, m, org, monday, id).await? {
        forms.event = event;
        forms.editing = "event";
    } else if let Some(need) = db::need_form(db, m, org, monday, id).await? {
        forms.need = need;
        forms.editing = "need";
    } else {
        return Err(AppError::NotFound);
    }
    Ok(forms)
}

/// Checks free texts for personal data: identity numbers are refused,
/// e-mail addresses and phone numbers need the writer's confirmation.
/// Returns whether a confirmation is what is missing.
fn screen(errors: &mut FieldErrors, confirmed: bool, fields: &[(&'static str, &str)]) -> bool {
    let mut needs_confirmation = false;
    for (field, text) in fields {
        let findings = guard::check(text);
        if let Some(message) = findings.refusal_message() {
            errors.add(field, message);
        } else if findings.needs_confirmation() && !confirmed {
            if let Some(message) = findings.warning_message() {
                errors.add(field, message);
            }
            needs_confirmation = true;
        }
    }
    needs_confirmation
}

/// Refuses changes to a locked report; says whether the change is late.
fn check_open(s: &Status, errors: &mut FieldErrors, field: &'static str) -> bool {
    if s.locked() {
        errors.add(
            field,
            format!(
                "Rapporten för {} låstes {} när EST-mötet började. Kontakta samordnaren om något behöver läggas till.",
                s.week.label(),
                format_local(s.deadline)
            ),
        );
    }
    s.past_deadline()
}

fn optional(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

/// The organisation's report for the week, at `anchor`.
fn report_url(s: &Status, anchor: &str) -> String {
    format!(
        "/est/rapport?vecka={}&org={}#{anchor}",
        s.week.key(),
        s.org.id
    )
}

/// To the card of an entry just added or changed, where the message shows.
fn entry_url(s: &Status, id: Uuid) -> String {
    format!(
        "/est/rapport?vecka={}&org={}&ny={id}#post-{id}",
        s.week.key(),
        s.org.id
    )
}

/// Claims the form's one-time token and opens the organisation's report for
/// a new entry.
async fn open_entry<'u>(
    state: &AppState,
    user: &'u CurrentUser,
    s: &Status,
    token: &str,
    late: bool,
) -> AppResult<(Change<'u>, Uuid)> {
    let mut change = Change::once(state, user, token, &report_url(s, "rapport")).await?;
    let m = user.municipality_id();
    let report = db::ensure_report(change.tx(), m, s.org.id, s.week.monday, late).await?;
    sqlx::query!(
        "update est_report set nothing_to_report = false where id = $1 and municipality_id = $2",
        report,
        m
    )
    .execute(change.tx())
    .await?;
    Ok((change, report))
}

/// Records the entry in the audit log, commits, and sends the writer back
/// to the report with a message.
async fn finish_entry(
    change: Change<'_>,
    s: &Status,
    report: Uuid,
    (action, summary, after): (&'static str, String, serde_json::Value),
    message: &str,
    entry: Uuid,
) -> AppResult<Response> {
    let event = Event {
        action,
        entity: "EST-rapport",
        entity_id: Some(report),
        summary,
        before: None,
        after: Some(after),
    };
    change.done(event, message, &entry_url(s, entry)).await
}

#[derive(Deserialize)]
pub struct IncidentPost {
    #[serde(flatten)]
    which: Which,
    #[serde(flatten)]
    form: IncidentForm,
}

/// `POST /est/rapport/handelse`.
#[tracing::instrument(skip_all, fields(person.id = %user.id()))]
pub async fn add_incident(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(post): Form<IncidentPost>,
) -> AppResult<Response> {
    let access = EstAccess::load(&state.db, &user).await?;
    let s = status(&state, &user, &access, &post.which).await?;
    if let Some(again) = map_clicked(&state, &user, &post).await? {
        return Ok(again);
    }
    let f = &post.form;
    let m = user.municipality_id();
    let mut e = FieldErrors::default();
    let late = check_open(&s, &mut e, "description");
    let categories = db::categories(&state.db, m).await?;
    let category = forms::required_id(
        &mut e,
        "category_id",
        &f.category_id,
        "Välj vad som hände (kategori).",
    )
    .filter(|id| {
        categories
            .iter()
            .any(|c| c.id == *id || c.children.iter().any(|s| s.id == *id))
    });
    if category.is_none() && !e.has("category_id") {
        e.add("category_id", "Välj en kategori i listan.");
    }
    let areas = db::areas(&state.db, m).await?;
    let area = forms::required_id(&mut e, "area_id", &f.area_id, "Välj område.")
        .filter(|id| areas.iter().any(|a| a.id == *id));
    if area.is_none() && !e.has("area_id") {
        e.add("area_id", "Välj ett område i listan.");
    }
    let occurred = forms::required_date(&mut e, "occurred_on", &f.occurred_on);
    if let Some(d) = occurred {
        if d > today() {
            e.add("occurred_on", "Datumet kan inte ligga i framtiden. Kommande händelser rapporteras under ”Kommande händelser”.");
        } else if d < today() - Days::new(90) {
            e.add(
                "occurred_on",
                "Händelsen är äldre än 90 dagar; ta upp den med samordnaren i stället.",
            );
        }
    }
    let band = (!f.time_band.is_empty()).then(|| f.time_band.clone());
    if band
        .as_deref()
        .is_some_and(|b| db::time_band_label(b).is_empty())
    {
        e.add("time_band", "Välj en tid på dygnet i listan.");
    }
    let description = forms::required_text(
        &mut e,
        "description",
        &f.description,
        "en kort beskrivning",
        2000,
    );
    let place = forms::optional_line(&mut e, "place", &f.place, "platsen", 300);
    let action = forms::optional_text(
        &mut e,
        "action_taken",
        &f.action_taken,
        "vad som redan gjorts",
        2000,
    );
    let insecurity = match f.insecurity.trim().parse::<i16>() {
        Ok(n) if (1..=5).contains(&n) => n,
        _ => {
            e.add(
                "insecurity",
                "Välj hur mycket otrygghet händelsen skapar, 1 till 5.",
            );
            0
        }
    };
    let coordinate =
        |field: &'static str, value: &str, max: f64, e: &mut FieldErrors| match value.trim() {
            "" => None,
            v => match v.replace(',', ".").parse::<f64>() {
                Ok(x) if x.abs() <= max => Some(x),
                _ => {
                    e.add(
                        field,
                        "Ange koordinaten som decimaltal, till exempel 59.5866.",
                    );
                    None
                }
            },
        };
    let latitude = coordinate("latitude", &f.latitude, 90.0, &mut e);
    let longitude = coordinate("longitude", &f.longitude, 180.0, &mut e);
    if let Some(refused) =
        crate::map::picker::check_inside(&state.db, m, latitude.zip(longitude)).await?
    {
        e.add("karta", refused);
    }
    if latitude.is_some() != longitude.is_some() {
        e.add(
            "longitude",
            "Ange både latitud och longitud, eller ingen av dem.",
        );
    }
    let confirm = screen(
        &mut e,
        f.confirm_personal_data.is_some(),
        &[
            ("description", &description),
            ("place", &place),
            ("action_taken", &action),
        ],
    );
    let (Some(category), Some(area), Some(occurred), true) =
        (category, area, occurred, e.is_empty())
    else {
        let forms = Forms {
            incident: post.form.clone(),
            ..Forms::again(&post.which, "incident", confirm)
        };
        let page = page(&state, &user, &post.which, forms, e).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    if let Some(id) = post.which.editing() {
        let changed = ChangedIncident {
            id,
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
        };
        return change_incident(&state, &user, &s, changed).await;
    }
    let (mut change, report) = open_entry(&state, &user, &s, &post.which.form_token, late).await?;
    // The same incident sent again (back and resubmit with a fresh page,
    // hence a fresh token) is not stored twice.
    let id = Uuid::now_v7();
    let inserted = sqlx::query!(
        r#"insert into est_incident (id, municipality_id, report_id, category_id, occurred_on, time_band, area_id, place,
                                     description, action_taken, latitude, longitude, insecurity, reported_to_police, written_by)
           select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15
           where not exists (select 1 from est_incident i where i.municipality_id = $2 and i.report_id = $3
                               and i.category_id = $4 and i.occurred_on = $5 and i.area_id = $7 and i.description = $9)"#,
        id, m, report, category, occurred, band, area, optional(place), description, optional(action),
        latitude, longitude, insecurity, f.reported_to_police.is_some(), user.id()
    )
    .execute(change.tx())
    .await?;
    if inserted.rows_affected() == 0 {
        return change.sent_before(&report_url(&s, "rapport")).await;
    }
    let summary = format!(
        "{} {}: händelse {occurred}{}",
        s.org.name,
        s.week.label(),
        if late { " (sen)" } else { "" }
    );
    let after = json!({ "händelse": id, "datum": occurred, "otrygghet": insecurity });
    finish_entry(
        change,
        &s,
        report,
        ("rapporterade händelse", summary, after),
        "Händelsen är tillagd i rapporten.",
        id,
    )
    .await
}

/// A click on the map of the incident form (or "Ta bort punkten"): the
/// form comes back with every value kept, the point (or why it was
/// refused) and the area the point lies in; nothing is stored. `None` when
/// the form is being sent.
async fn map_clicked(
    state: &AppState,
    user: &CurrentUser,
    post: &IncidentPost,
) -> AppResult<Option<Response>> {
    use crate::map::picker::{Picked, picked};
    let f = &post.form;
    let mut form = f.clone();
    let mut e = FieldErrors::default();
    match picked(
        &state.db,
        user.municipality_id(),
        &f.picker,
        &f.latitude,
        &f.longitude,
    )
    .await?
    {
        Picked::Nothing => return Ok(None),
        Picked::Point {
            latitude,
            longitude,
            area,
        } => {
            form.latitude = latitude;
            form.longitude = longitude;
            if let Some(a) = area {
                form.area_id = a.to_string();
            }
        }
        Picked::Removed => {
            form.latitude.clear();
            form.longitude.clear();
        }
        Picked::Refused(message) => e.add("karta", message),
    }
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

/// An incident's checked new values.
struct ChangedIncident {
    id: Uuid,
    category: Uuid,
    occurred: chrono::NaiveDate,
    band: Option<String>,
    area: Uuid,
    place: Option<String>,
    description: String,
    action: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    insecurity: i16,
    reported_to_police: bool,
}

/// Writes the new values of an incident of the organisation's report for
/// the week (another report's incident is not found), with an audit row.
async fn change_incident(
    state: &AppState,
    user: &CurrentUser,
    s: &Status,
    c: ChangedIncident,
) -> AppResult<Response> {
    let report = s.report.as_ref().ok_or(AppError::NotFound)?.id;
    let mut change = Change::begin(state, user).await?;
    let changed = sqlx::query!(
        r#"update est_incident set category_id = $3, occurred_on = $4, time_band = $5, area_id = $6, place = $7,
                  description = $8, action_taken = $9, latitude = $10, longitude = $11, insecurity = $12,
                  reported_to_police = $13
           where id = $1 and report_id = $2 and municipality_id = $14"#,
        c.id, report, c.category, c.occurred, c.band, c.area, c.place, c.description, c.action,
        c.latitude, c.longitude, c.insecurity, c.reported_to_police, user.municipality_id()
    )
    .execute(change.tx())
    .await?;
    if changed.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    let summary = format!(
        "{} {}: ändrade händelse {}",
        s.org.name,
        s.week.label(),
        c.occurred
    );
    let after = json!({ "händelse": c.id, "datum": c.occurred, "otrygghet": c.insecurity });
    finish_entry(
        change,
        s,
        report,
        ("ändrade händelse", summary, after),
        "Händelsen är ändrad.",
        c.id,
    )
    .await
}

#[derive(Deserialize)]
pub struct EventPost {
    #[serde(flatten)]
    which: Which,
    #[serde(flatten)]
    form: EventForm,
}

/// `POST /est/rapport/kommande`.
pub async fn add_event(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(post): Form<EventPost>,
) -> AppResult<Response> {
    let access = EstAccess::load(&state.db, &user).await?;
    let s = status(&state, &user, &access, &post.which).await?;
    let f = &post.form;
    let m = user.municipality_id();
    let mut e = FieldErrors::default();
    let late = check_open(&s, &mut e, "title");
    let title = forms::required_line(&mut e, "title", &f.title, "vad som ska hända", 300);
    let occurs = forms::required_date(&mut e, "occurs_on", &f.occurs_on);
    if occurs.is_some_and(|d| d < today()) {
        e.add(
            "occurs_on",
            "En kommande händelse kan inte ligga bakåt i tiden.",
        );
    }
    let areas = db::areas(&state.db, m).await?;
    let area = forms::optional_id(&mut e, "event_area_id", &f.event_area_id);
    if area.is_some_and(|a| !areas.iter().any(|x| x.id == a)) {
        e.add("event_area_id", "Välj ett område i listan.");
    }
    let place = forms::optional_line(&mut e, "event_place", &f.event_place, "platsen", 300);
    let measures = forms::optional_text(
        &mut e,
        "planned_measures",
        &f.planned_measures,
        "planerade åtgärder",
        2000,
    );
    if !["low", "medium", "high"].contains(&f.risk.as_str()) {
        e.add("risk", "Välj förväntad risk: låg, medel eller hög.");
    }
    let confirm = screen(
        &mut e,
        f.confirm_personal_data.is_some(),
        &[
            ("title", &title),
            ("event_place", &place),
            ("planned_measures", &measures),
        ],
    );
    let (Some(occurs), true) = (occurs, e.is_empty()) else {
        let forms = Forms {
            event: post.form.clone(),
            ..Forms::again(&post.which, "event", confirm)
        };
        let page = page(&state, &user, &post.which, forms, e).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    if let Some(id) = post.which.editing() {
        let changed = ChangedEvent {
            id,
            occurs,
            area,
            risk: f.risk.clone(),
            title,
            place: optional(place),
            measures: optional(measures),
        };
        return change_event(&state, &user, &s, changed).await;
    }
    let (mut change, report) = open_entry(&state, &user, &s, &post.which.form_token, late).await?;
    // The same entry sent again (back and resubmit with a fresh page) is not stored twice.
    let id = Uuid::now_v7();
    let inserted = sqlx::query!(
        r#"insert into est_coming_event (id, municipality_id, report_id, occurs_on, area_id, risk, title, place, planned_measures, written_by)
           select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
           where not exists (select 1 from est_coming_event e where e.municipality_id = $2 and e.report_id = $3
                               and e.occurs_on = $4 and e.title = $7)"#,
        id, m, report, occurs, area, f.risk, title, optional(place), optional(measures), user.id()
    )
    .execute(change.tx())
    .await?;
    if inserted.rows_affected() == 0 {
        return change.sent_before(&report_url(&s, "rapport")).await;
    }
    let summary = format!("{} {}: {title} {occurs}", s.org.name, s.week.label());
    let after = json!({ "datum": occurs, "risk": f.risk });
    finish_entry(
        change,
        &s,
        report,
        ("rapporterade kommande händelse", summary, after),
        "Den kommande händelsen är tillagd i rapporten.",
        id,
    )
    .await
}

/// A coming event's checked new values.
struct ChangedEvent {
    id: Uuid,
    occurs: chrono::NaiveDate,
    area: Option<Uuid>,
    risk: String,
    title: String,
    place: Option<String>,
    measures: Option<String>,
}

/// Writes the new values of a coming event of the organisation's report for
/// the week (another report's event is not found), with an audit row.
async fn change_event(
    state: &AppState,
    user: &CurrentUser,
    s: &Status,
    c: ChangedEvent,
) -> AppResult<Response> {
    let report = s.report.as_ref().ok_or(AppError::NotFound)?.id;
    let mut change = Change::begin(state, user).await?;
    let changed = sqlx::query!(
        r#"update est_coming_event set occurs_on = $3, area_id = $4, risk = $5, title = $6, place = $7,
                  planned_measures = $8
           where id = $1 and report_id = $2 and municipality_id = $9"#,
        c.id, report, c.occurs, c.area, c.risk, c.title, c.place, c.measures, user.municipality_id()
    )
    .execute(change.tx())
    .await?;
    if changed.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    let summary = format!(
        "{} {}: ändrade {} {}",
        s.org.name,
        s.week.label(),
        c.title,
        c.occurs
    );
    let after = json!({ "datum": c.occurs, "risk": c.risk });
    finish_entry(
        change,
        s,
        report,
        ("ändrade kommande händelse", summary, after),
        "Den kommande händelsen är ändrad.",
        c.id,
    )
    .await
}

#[derive(Deserialize)]
pub struct NeedPost {
    #[serde(flatten)]
    which: Which,
    #[serde(flatten)]
    form: NeedForm,
}

/// `POST /est/rapport/samverkan`.
pub async fn add_need(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(post): Form<NeedPost>,
) -> AppResult<Response> {
    let access = EstAccess::load(&state.db, &user).await?;
    let s = status(&state, &user, &access, &post.which).await?;
    let f = &post.form;
    let m = user.municipality_id();
    let mut e = FieldErrors::default();
    let late = check_open(&s, &mut e, "need_title");
    let title = forms::required_text(
        &mut e,
        "need_title",
        &f.need_title,
        "vad samverkan gäller",
        1000,
    );
    let with_whom = forms::optional_line(&mut e, "with_whom", &f.with_whom, "med vem", 300);
    let handled_by = forms::optional_line(
        &mut e,
        "handled_by",
        &f.handled_by,
        "vem som hanterar det",
        300,
    );
    let confirm = screen(
        &mut e,
        f.confirm_personal_data.is_some(),
        &[
            ("need_title", &title),
            ("with_whom", &with_whom),
            ("handled_by", &handled_by),
        ],
    );
    if !e.is_empty() {
        let forms = Forms {
            need: post.form.clone(),
            ..Forms::again(&post.which, "need", confirm)
        };
        let page = page(&state, &user, &post.which, forms, e).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    if let Some(id) = post.which.editing() {
        let changed = (id, title, optional(with_whom), optional(handled_by));
        return change_need(&state, &user, &s, changed).await;
    }
    let (mut change, report) = open_entry(&state, &user, &s, &post.which.form_token, late).await?;
    // The same need sent again (back and resubmit with a fresh page) is not stored twice.
    let id = Uuid::now_v7();
    let inserted = sqlx::query!(
        r#"insert into cooperation_need (id, municipality_id, report_id, title, with_whom, handled_by, written_by)
           select $1, $2, $3, $4, $5, $6, $7
           where not exists (select 1 from cooperation_need n where n.municipality_id = $2 and n.report_id = $3
                               and n.title = $4)"#,
        id, m, report, title, optional(with_whom), optional(handled_by), user.id()
    )
    .execute(change.tx())
    .await?;
    if inserted.rows_affected() == 0 {
        return change.sent_before(&report_url(&s, "rapport")).await;
    }
    let summary = format!("{} {}: samverkansbehov", s.org.name, s.week.label());
    finish_entry(
        change,
        &s,
        report,
        ("rapporterade samverkansbehov", summary, json!({})),
        "Samverkansbehovet är tillagt i rapporten.",
        id,
    )
    .await
}

/// Writes the new texts of a cooperation need of the organisation's report
/// for the week (another report's need is not found), with an audit row.
/// Its status and notes stay as they are.
async fn change_need(
    state: &AppState,
    user: &CurrentUser,
    s: &Status,
    (id, title, with_whom, handled_by): (Uuid, String, Option<String>, Option<String>),
) -> AppResult<Response> {
    let report = s.report.as_ref().ok_or(AppError::NotFound)?.id;
    let mut change = Change::begin(state, user).await?;
    let changed = sqlx::query!(
        r#"update cooperation_need set title = $3, with_whom = $4, handled_by = $5
           where id = $1 and report_id = $2 and municipality_id = $6"#,
        id,
        report,
        title,
        with_whom,
        handled_by,
        user.municipality_id()
    )
    .execute(change.tx())
    .await?;
    if changed.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    let summary = format!("{} {}: ändrade samverkansbehov", s.org.name, s.week.label());
    finish_entry(
        change,
        s,
        report,
        ("ändrade samverkansbehov", summary, json!({})),
        "Samverkansbehovet är ändrat.",
        id,
    )
    .await
}

/// `POST /est/rapport/inget`: nothing to report this week (one click).
pub async fn nothing(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(which): Form<Which>,
) -> AppResult<Response> {
    let access = EstAccess::load(&state.db, &user).await?;
    let s = status(&state, &user, &access, &which).await?;
    let m = user.municipality_id();
    let mut e = FieldErrors::default();
    let late = check_open(&s, &mut e, "nothing");
    let has_entries = !db::incidents(&state.db, m, s.week.monday, Some(s.org.id))
        .await?
        .is_empty()
        || !db::coming_events(&state.db, m, s.week.monday, Some(s.org.id))
            .await?
            .is_empty()
        || !db::needs(&state.db, m, s.week.monday, Some(s.org.id))
            .await?
            .is_empty();
    if has_entries {
        e.add(
            "nothing",
            "Rapporten har redan poster. Ta bort dem först om det inte fanns något att rapportera.",
        );
    }
    if !e.is_empty() {
        let page = page(&state, &user, &which, Forms::default(), e).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let mut change = Change::begin(&state, &user).await?;
    let report = db::ensure_report(change.tx(), m, s.org.id, s.week.monday, late).await?;
    sqlx::query!(
        "update est_report set nothing_to_report = true where id = $1 and municipality_id = $2",
        report,
        m
    )
    .execute(change.tx())
    .await?;
    change
        .record(Event {
            action: "rapporterade inget att rapportera",
            entity: "EST-rapport",
            entity_id: Some(report),
            summary: format!("{} {}: inget att rapportera", s.org.name, s.week.label()),
            before: None,
            after: None,
        })
        .await?;
    let message = format!(
        "Noterat: {} har inget att rapportera för {}.",
        s.org.name,
        s.week.label()
    );
    change.finish(message, &report_url(&s, "rapport")).await
}

/// An entry of the organisation's report to remove or put back: the
/// report's status, its id and the entry's kind; or, when the report is
/// closed, the page again with the reason.
async fn correction(
    state: &AppState,
    user: &CurrentUser,
    which: &Which,
    kind: &str,
) -> AppResult<Result<(Status, Uuid, &'static str), Response>> {
    let access = EstAccess::load(&state.db, user).await?;
    let s = status(state, user, &access, which).await?;
    let mut e = FieldErrors::default();
    check_open(&s, &mut e, "description");
    if !e.is_empty() {
        let page = page(state, user, which, Forms::default(), e).await?;
        return Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, page).into_response()));
    }
    let report = s.report.as_ref().ok_or(AppError::NotFound)?.id;
    let kind: &'static str = KINDS
        .iter()
        .find(|k| **k == kind)
        .ok_or(AppError::NotFound)?;
    Ok(Ok((s, report, kind)))
}

/// `POST /est/rapport/{kind}/{id}/ta-bort`: removes an entry to correct it.
pub async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    Params((kind, id)): Params<(String, Uuid)>,
    Form(which): Form<Which>,
) -> AppResult<Response> {
    let (s, report, kind) = match correction(&state, &user, &which, &kind).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let m = user.municipality_id();
    let mut change = Change::begin(&state, &user).await?;
    // The removed row is kept in the audit event, so that "Ångra" can put
    // it back until the report locks (gallring clears the copy later).
    let row = match kind {
        "handelse" => {
            // The incidents marked as the same event as this one lose the
            // mark (`on delete set null`); the copy names them so that
            // "Ångra" marks them again.
            sqlx::query_scalar!(
                r#"with gone as (
                       delete from est_incident t where id = $1 and report_id = $2 and municipality_id = $3
                       returning to_jsonb(t.*) as row
                   )
                   select gone.row || jsonb_build_object('same_as_this', (
                              select coalesce(jsonb_agg(d.id), '[]') from est_incident d
                              where d.municipality_id = $3 and d.duplicate_of = $1))
                          as "row!"
                   from gone"#,
                id,
                report,
                m
            )
            .fetch_optional(change.tx())
            .await?
        }
        "kommande" => {
            sqlx::query_scalar!(
                r#"delete from est_coming_event t where id = $1 and report_id = $2 and municipality_id = $3
                   returning to_jsonb(t.*) as "row!""#,
                id,
                report,
                m
            )
            .fetch_optional(change.tx())
            .await?
        }
        _ => {
            // Its follow-up notes go with it (`on delete cascade`): the copy
            // keeps them, so that "Ångra" puts them back too.
            sqlx::query_scalar!(
                r#"with gone as (
                       delete from cooperation_need t where id = $1 and report_id = $2 and municipality_id = $3
                       returning to_jsonb(t.*) as row
                   )
                   select gone.row || jsonb_build_object('notes', (
                              select coalesce(jsonb_agg(to_jsonb(c.*) order by c.at), '[]')
                              from cooperation_note c where c.municipality_id = $3 and c.need_id = $1))
                          as "row!"
                   from gone"#,
                id,
                report,
                m
            )
            .fetch_optional(change.tx())
            .await?
        }
    };
    let Some(row) = row else {
        return Err(AppError::NotFound);
    };
    change
        .record(Event {
            action: "tog bort post",
            entity: "EST-rapport",
            entity_id: Some(report),
            summary: format!("{} {}: tog bort {kind}", s.org.name, s.week.label()),
            before: Some(json!({ "post": id, "typ": kind, "rad": row })),
            after: None,
        })
        .await?;
    let message = match kind {
        "handelse" => "Händelsen är borttagen ur rapporten.",
        "kommande" => "Den kommande händelsen är borttagen ur rapporten.",
        _ => "Samverkansbehovet är borttaget ur rapporten.",
    };
    let back = format!(
        "/est/rapport?vecka={}&org={}&borttagen={kind}:{id}#rapport",
        s.week.key(),
        s.org.id
    );
    change.finish(message, &back).await
}

/// `POST /est/rapport/{kind}/{id}/angra`: puts back an entry removed from
/// the report, from the copy its removal's audit event keeps, until the
/// report locks.
pub async fn undo_remove(
    State(state): State<AppState>,
    user: CurrentUser,
    Params((kind, id)): Params<(String, Uuid)>,
    Form(which): Form<Which>,
) -> AppResult<Response> {
    let (s, report, kind) = match correction(&state, &user, &which, &kind).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let m = user.municipality_id();
    let mut change = Change::begin(&state, &user).await?;
    let row = sqlx::query_scalar!(
        r#"select before -> 'rad' as "row!" from audit_event
           where municipality_id = $1 and action = 'tog bort post' and entity_id = $2
             and before ->> 'post' = $3::text and before ->> 'typ' = $4 and before ? 'rad'
           order by at desc limit 1"#,
        m,
        report,
        id.to_string(),
        kind
    )
    .fetch_optional(change.tx())
    .await?
    .ok_or(AppError::NotFound)?;
    // Only into the same report of the same municipality; an entry already
    // put back is left as it is.
    let restored = match kind {
        // Its own "same event as" mark only if that incident is still there.
        "handelse" => sqlx::query!(
            r#"insert into est_incident
               select * from jsonb_populate_record(null::est_incident,
                   $1::jsonb || case when exists (select 1 from est_incident d
                                                  where d.municipality_id = $2 and d.id = ($1::jsonb ->> 'duplicate_of')::uuid)
                              then '{}'::jsonb else '{"duplicate_of": null}'::jsonb end)
               where ($1 ->> 'municipality_id')::uuid = $2 and ($1 ->> 'report_id')::uuid = $3
               on conflict (id) do nothing"#,
            row, m, report
        )
        .execute(change.tx())
        .await?,
        "kommande" => sqlx::query!(
            r#"insert into est_coming_event select * from jsonb_populate_record(null::est_coming_event, $1)
               where ($1 ->> 'municipality_id')::uuid = $2 and ($1 ->> 'report_id')::uuid = $3
               on conflict (id) do nothing"#,
            row, m, report
        )
        .execute(change.tx())
        .await?,
        _ => sqlx::query!(
            r#"insert into cooperation_need select * from jsonb_populate_record(null::cooperation_need, $1)
               where ($1 ->> 'municipality_id')::uuid = $2 and ($1 ->> 'report_id')::uuid = $3
               on conflict (id) do nothing"#,
            row, m, report
        )
        .execute(change.tx())
        .await?,
    };
    if restored.rows_affected() == 0 {
        change.rollback().await?;
        set_flash(&user.person.flash, "Posten finns redan i rapporten.").await?;
        return Ok(Redirect::to(&entry_url(&s, id)).into_response());
    }
    // What went with the entry comes back with it: a need's follow-up
    // notes, and the "same event as" marks other incidents had on this one
    // (unless someone has marked them otherwise since).
    match kind {
        "samverkan" => {
            sqlx::query!(
                r#"insert into cooperation_note
                   select * from jsonb_populate_recordset(null::cooperation_note, $1::jsonb -> 'notes')
                   where municipality_id = $2 and need_id = $3
                   on conflict (id) do nothing"#,
                row,
                m,
                id
            )
            .execute(change.tx())
            .await?;
        }
        "handelse" => {
            sqlx::query!(
                r#"update est_incident set duplicate_of = $3
                   where municipality_id = $2 and duplicate_of is null
                     and id in (select d::uuid from jsonb_array_elements_text($1::jsonb -> 'same_as_this') d)"#,
                row,
                m,
                id
            )
            .execute(change.tx())
            .await?;
        }
        _ => {}
    }
    sqlx::query!(
        "update est_report set nothing_to_report = false where id = $1 and municipality_id = $2",
        report,
        m
    )
    .execute(change.tx())
    .await?;
    change
        .record(Event {
            action: "återställde post",
            entity: "EST-rapport",
            entity_id: Some(report),
            summary: format!("{} {}: återställde {kind}", s.org.name, s.week.label()),
            before: None,
            after: Some(json!({ "post": id, "typ": kind })),
        })
        .await?;
    change
        .finish("Posten är tillbaka i rapporten.", &entry_url(&s, id))
        .await
}

/// `POST /est/las-upp`: the coordinator reopens an organisation's locked
/// report for a week for 48 hours; what is added then is marked late.
#[derive(Deserialize)]
pub struct UnlockForm {
    #[serde(default)]
    vecka: String,
    #[serde(default)]
    organisation_id: String,
}

impl UnlockForm {
    /// The week and organisation a coordinator's unlock or reminder is
    /// about, within their municipality: (municipality, week, id, name).
    async fn target(
        &self,
        state: &AppState,
        user: &CurrentUser,
    ) -> AppResult<(Uuid, ReportWeek, Uuid, String)> {
        user.require_admin()?;
        let m = user.municipality_id();
        let week = ReportWeek::parse(&self.vecka).ok_or(AppError::BadRequest)?;
        let org_id = Uuid::parse_str(&self.organisation_id).map_err(|_| AppError::BadRequest)?;
        let org = sqlx::query_scalar!(
            "select name from organisation where id = $1 and municipality_id = $2",
            org_id,
            m
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
        m
    )
    .execute(change.tx())
    .await?;
    change
        .done(
            Event {
                action: "låste upp",
                entity: "EST-rapport",
                entity_id: Some(report),
                summary: format!("{org} {} öppen till {}", week.label(), format_local(until)),
                before: None,
                after: Some(json!({ "öppen till": until })),
            },
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
/// organisation's reporting seats in the EST group today.
pub async fn remind(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<UnlockForm>,
) -> AppResult<Response> {
    let (m, week, org_id, org) = form.target(&state, &user).await?;
    let back = format!("/est?vecka={}", week.key());
    let recipients: Vec<(String, String)> = sqlx::query!(
        r#"select distinct pe.name, pe.email
           from work_group g
           join membership ms on ms.work_group_id = g.id and ms.municipality_id = $1 and ms.role <> 'convener'
           join position p on p.id = ms.position_id and p.organisation_id = $2
           join holders_on($1, $3) h on h.position_id = p.id
           join person pe on pe.id = h.person_id and pe.active
           where g.municipality_id = $1 and g.weekly_reporting
             and g.active_from <= $3 and (g.active_to is null or g.active_to >= $3)
           order by pe.name"#,
        m,
        org_id,
        today()
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|r| (r.name, r.email))
    .collect();
    if recipients.is_empty() {
        set_flash(
            &user.person.flash,
            format!("Ingen har {org}s plats i EST just nu, så ingen påminnelse skickades."),
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
    let mut change = Change::begin(&state, &user).await?;
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
        .record(Event {
            action: "påminde",
            entity: "EST-rapport",
            entity_id: None,
            summary: format!("{org} om {}", week.label()),
            before: None,
            after: Some(json!({ "till": names })),
        })
        .await?;
    let done = change.commit().await?;
    let delivery = crate::mail::outbox::deliver(&state, &ids).await;
    let message = format!(
        "Påminnelsen om {} är skickad till {} ({org}).{}",
        week.label(),
        names.join(", "),
        delivery.failure_sentence()
    );
    done.redirect(message, &back).await
}
