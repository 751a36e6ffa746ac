//! `/est/rapport`: an organisation's weekly report. Incidents, coming events
//! and cooperation needs are added one at a time (several people of one
//! organisation can write it together), changed or removed to correct them,
//! and the whole report locks when the week's EST meeting starts.

mod coordinator;
mod corrections;
mod entry;
mod event;
mod incident;
mod need;
mod stored;

pub use coordinator::{remind, unlock};
pub use corrections::{nothing, remove, undo_remove};
pub use entry::add_entry;
pub use event::EventEntry;
pub use incident::post as add_incident;
pub use need::NeedEntry;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

use self::stored::Stored;
use super::access::{EstAccess, Organisation};
use super::db::{self, CategoryGroup, ComingEvent, Incident, Need, Report};
use super::week::ReportWeek;
use crate::error::{AppError, AppResult};
use crate::page_cache;
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::choice::Choice;
use crate::web::extract::CurrentUser;
use crate::web::format_local;
use crate::web::forms::{FieldErrors, Query};
use crate::web::guard;
use crate::web::layout::Chrome;

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
    /// The deadline is the start of an EST meeting (else the period's end).
    at_meeting: bool,
    /// The period's last day.
    last_day: NaiveDate,
    /// The period whose incidents the report holds: label, first and last day.
    covered: (String, NaiveDate, NaiveDate),
    locked: bool,
    report: Option<Report>,
    incidents: Vec<Incident>,
    events: Vec<ComingEvent>,
    needs: Vec<Need>,
    categories: Vec<CategoryGroup>,
    areas: Vec<Choice>,
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
    /// The incident form's point picker.
    picker: crate::map::picker::PickerView,
}

impl ReportPage {
    pub fn is_empty(&self) -> bool {
        self.incidents.is_empty() && self.events.is_empty() && self.needs.is_empty()
    }

    /// "Inget att rapportera" is already sent for the week.
    pub fn nothing_reported(&self) -> bool {
        self.report.as_ref().is_some_and(|r| r.nothing_to_report)
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
    let m = user.tenant();
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
    let m = user.tenant();
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
    let picker = picker(state, m, &forms.incident, data.has_map).await?;
    Ok(ReportPage {
        chrome: user.chrome("est").await,
        incidents: data.incidents,
        events: data.events,
        needs: data.needs,
        categories: data.categories,
        areas: data.areas,
        previous: s.week.previous(interval).key(),
        next: s.week.next(interval).key(),
        deadline: format_local(s.deadline),
        at_meeting: s.deadline != crate::web::day_start(s.week.end(interval)),
        last_day: s.week.end(interval) - chrono::Days::new(1),
        covered: s.week.covered(interval),
        locked: s.locked(),
        organisations: access.reporter_for.clone(),
        org: s.org,
        week: s.week,
        report: s.report,
        editing: which.editing(),
        new_entry: None,
        removed: None,
        errors,
        picker,
        forms,
    })
}

/// The incident form's point picker, on the background map when there is one.
async fn picker(
    state: &AppState,
    m: MunicipalityId,
    incident: &IncidentForm,
    drawn: bool,
) -> AppResult<crate::map::picker::PickerView> {
    let backdrop = if drawn {
        crate::map::picker::backdrop(state, m, &incident.latitude, &incident.longitude).await?
    } else {
        None
    };
    Ok(crate::map::picker::PickerView {
        drawn,
        latitude: incident.latitude.clone(),
        longitude: incident.longitude.clone(),
        action: "/est/rapport/handelse".to_owned(),
        image: "/karta/kommun.svg".to_owned(),
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
    let (db, m, monday) = (&state.db, user.tenant(), week.monday);
    let mut forms = Forms::default();
    match stored::entry(db, m, org, monday, id).await? {
        Some(Stored::Incident(incident)) => {
            (forms.incident, forms.editing) = (*incident, "incident")
        }
        Some(Stored::Event(event)) => (forms.event, forms.editing) = (event, "event"),
        Some(Stored::Need(need)) => (forms.need, forms.editing) = (need, "need"),
        None => return Err(AppError::NotFound),
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
fn check_open(s: &Status, errors: &mut FieldErrors) -> bool {
    if s.locked() {
        errors.add_to_page(
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
