//! `/moten/planera`: a whole term of meetings generated from a group's
//! cadence, with Swedish holidays and the summer break left out.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Days, NaiveDate};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::cadence::{self, Cadence};
use super::calendar::{self, Plan, Term};
use super::db::{self, Clash, Meeting, NewMeeting, schedulable_groups};
use super::model::{
    CadenceKind, MeetingMode, long_date, month_key, parse_duration, parse_form, parse_link,
    parse_time, place_for,
};
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::choice::{Choice, label_of};
use crate::web::extract::CurrentUser;
use crate::web::forms::{self, FieldErrors, Form, Query};
use crate::web::layout::{Chrome, Flash, set_flash};
use crate::web::{day_start, today};

/// The term-planning form as typed (GET parameters, then the POST).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PlanForm {
    pub grupp: String,
    pub termin: String,
    pub weekday: String,
    pub time: String,
    pub duration: String,
    pub count: String,
    pub form: String,
    pub place: String,
    pub meeting_link: String,
    pub break_from: String,
    pub break_to: String,
    /// `ja` when the preview's dates come with checkboxes.
    pub pick: String,
    /// The save's one-time form token (`chrome.form_token`); not carried in the URL.
    pub form_token: String,
}

/// One proposed meeting in the preview.
pub struct ProposedRow {
    pub date: NaiveDate,
    pub label: String,
    pub week: String,
    pub time: String,
    pub exists: bool,
    pub clashes: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "meetings/plan.html")]
pub struct PlanPage {
    chrome: Chrome,
    groups: Vec<Choice>,
    terms: Vec<(String, String)>,
    weekdays: Vec<(u32, &'static str)>,
    form: PlanForm,
    weekly: bool,
    errors: FieldErrors,
    proposed: Vec<ProposedRow>,
    skipped: Vec<(String, String)>,
    group_name: String,
    term_label: String,
    new_count: usize,
}

/// The terms offered: this one and the next three.
fn terms_from(day: NaiveDate) -> Vec<Term> {
    let mut term = Term::containing(day);
    let mut terms = Vec::new();
    for _ in 0..4 {
        terms.push(term);
        term = Term::containing(term.last_day() + Days::new(1));
    }
    terms
}

/// A validated plan request.
struct PlanRequest {
    group_id: Uuid,
    term: Term,
    cadence: Cadence,
    breaks: Vec<(NaiveDate, NaiveDate)>,
}

fn weekday_from_iso(n: u32) -> chrono::Weekday {
    cadence::iso_weekday(i16::try_from(n).unwrap_or(1))
}

/// Fills the form's empty fields from the group's cadence.
fn with_defaults(mut form: PlanForm, c: &Cadence, term: Term) -> PlanForm {
    let fill = |field: &mut String, value: String| {
        if field.trim().is_empty() {
            *field = value;
        }
    };
    fill(&mut form.weekday, c.weekday.to_string());
    fill(&mut form.time, c.start_time.format("%H:%M").to_string());
    fill(&mut form.duration, c.duration_minutes.to_string());
    fill(&mut form.count, c.per_half_year.to_string());
    fill(&mut form.form, c.form.as_str().to_owned());
    fill(
        &mut form.place,
        c.place_list()
            .first()
            .map(|s| (*s).to_owned())
            .unwrap_or_default(),
    );
    fill(&mut form.meeting_link, c.meeting_link.clone());
    // A break typed for another term (the form keeps its fields when the
    // term is changed) does not belong to this one: start over.
    let in_term = |value: &str| {
        NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").is_ok_and(|d| term.contains(d))
    };
    if !in_term(&form.break_from) || !in_term(&form.break_to) {
        form.break_from.clear();
        form.break_to.clear();
    }
    if c.kind == CadenceKind::Weekly {
        // The summer break: from mid-June in spring, until mid-August in autumn.
        let (from, to) = match term.half {
            calendar::Half::Spring => ((term.year, 6, 15), (term.year, 6, 30)),
            calendar::Half::Autumn => ((term.year, 7, 1), (term.year, 8, 15)),
        };
        let date = |(y, m, d): (i32, u32, u32)| {
            NaiveDate::from_ymd_opt(y, m, d)
                .map(|d| d.to_string())
                .unwrap_or_default()
        };
        fill(&mut form.break_from, date(from));
        fill(&mut form.break_to, date(to));
    }
    form.termin = term.as_key();
    form
}

async fn plan_request(
    state: &AppState,
    user: &CurrentUser,
    groups: &[Choice],
    form: &PlanForm,
    errors: &mut FieldErrors,
) -> AppResult<Option<PlanRequest>> {
    let group_id = Uuid::parse_str(&form.grupp)
        .ok()
        .filter(|id| groups.iter().any(|g| g.id == *id));
    if group_id.is_none() {
        errors.add("grupp", "Välj en grupp som du kallar till.");
    }
    let term = parse_term(errors, &form.termin);
    let weekday = parse_weekday(errors, &form.weekday);
    let time = parse_time(errors, "time", &form.time);
    let duration = parse_duration(errors, "duration", &form.duration);
    let mode = parse_form(errors, "form", &form.form);
    let breaks = parse_break(errors, form);
    let (Some(group_id), Some(term), Some(weekday), Some(time), Some(duration)) =
        (group_id, term, weekday, time, duration)
    else {
        return Ok(None);
    };
    let mut c = cadence::load(&state.db, user.tenant(), group_id).await?;
    if c.kind != CadenceKind::Weekly {
        match form.count.trim().parse::<i32>() {
            Ok(n) if (1..=26).contains(&n) => c.per_half_year = n,
            _ => errors.add("count", "Ange hur många möten terminen ska ha, 1 till 26."),
        }
    }
    c.weekday = i16::try_from(weekday).unwrap_or(1);
    c.start_time = time;
    c.duration_minutes = i32::try_from(duration).unwrap_or(60);
    c.form = mode;
    c.places = place_for(
        mode,
        forms::optional_line(errors, "place", &form.place, "platsen", 300),
    );
    c.meeting_link = parse_link(errors, mode, &form.meeting_link);
    Ok(errors.is_empty().then_some(PlanRequest {
        group_id,
        term,
        cadence: c,
        breaks,
    }))
}

/// The term chosen, within the years the app plans for.
fn parse_term(errors: &mut FieldErrors, value: &str) -> Option<Term> {
    let Some(term) = Term::parse(value) else {
        errors.add("termin", "Välj en termin.");
        return None;
    };
    // A term far off would plan (and look up clashes for) dates no one needs.
    if !crate::web::bounds::year_ok(term.first_day().year()) {
        errors.add(
            "termin",
            format!(
                "Välj en termin under år {}.",
                crate::web::bounds::years_text()
            ),
        );
        return None;
    }
    Some(term)
}

/// The ISO weekday chosen, 1 (Monday) to 7.
fn parse_weekday(errors: &mut FieldErrors, value: &str) -> Option<u32> {
    match value.trim().parse::<u32>() {
        Ok(n) if (1..=7).contains(&n) => Some(n),
        _ => {
            errors.add("weekday", "Välj en veckodag.");
            None
        }
    }
}

/// The break typed (none, or its first and last day).
fn parse_break(errors: &mut FieldErrors, form: &PlanForm) -> Vec<(NaiveDate, NaiveDate)> {
    let break_from = forms::optional_date(errors, "break_from", &form.break_from);
    let break_to = forms::optional_date(errors, "break_to", &form.break_to);
    if break_from.is_some() != break_to.is_some() {
        errors.add(
            "break_to",
            "Ange både första och sista dagen för uppehållet, eller ingen av dem.",
        );
    }
    break_from.zip(break_to).into_iter().collect()
}

fn generate(request: &PlanRequest) -> Plan {
    request.cadence.plan(request.term, &request.breaks)
}

async fn existing_dates(
    state: &AppState,
    m: MunicipalityId,
    request: &PlanRequest,
) -> AppResult<Vec<NaiveDate>> {
    let meetings = db::meetings_between(
        &state.db,
        m,
        day_start(request.term.first_day()),
        day_start(request.term.last_day() + Days::new(1)),
        Some(&[request.group_id]),
    )
    .await?;
    Ok(meetings
        .iter()
        .filter(|mt| !mt.is_cancelled())
        .map(Meeting::local_date)
        .collect())
}

/// Shows the planning form and, once a group and term are chosen, the
/// proposal: the dates, the skipped dates with reasons, clashes.
pub async fn plan_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(form): Query<PlanForm>,
) -> AppResult<PlanPage> {
    let groups = schedulable_groups(&state.db, &user).await?;
    let m = user.tenant();
    let terms = terms_from(today());
    let mut errors = FieldErrors::default();
    let chosen_group = Uuid::parse_str(&form.grupp)
        .ok()
        .filter(|id| groups.iter().any(|g| g.id == *id));
    let (form, request) = match (chosen_group, Term::parse(&form.termin)) {
        (Some(group_id), Some(term)) => {
            let c = cadence::load(&state.db, m, group_id).await?;
            let form = with_defaults(form, &c, term);
            let request = plan_request(&state, &user, &groups, &form, &mut errors).await?;
            (form, request)
        }
        _ => (
            PlanForm {
                termin: terms.get(1).map(|t| t.as_key()).unwrap_or_default(),
                ..form
            },
            None,
        ),
    };
    let weekly = match chosen_group {
        Some(g) => cadence::load(&state.db, m, g).await?.kind == CadenceKind::Weekly,
        None => false,
    };
    let mut page = PlanPage {
        chrome: user.chrome("moten").await,
        terms: terms.iter().map(|t| (t.as_key(), t.label())).collect(),
        weekdays: (1..=7)
            .map(|n| (n, calendar::swedish_weekday(weekday_from_iso(n))))
            .collect(),
        weekly,
        errors,
        proposed: Vec::new(),
        skipped: Vec::new(),
        group_name: String::new(),
        term_label: String::new(),
        new_count: 0,
        form,
        groups,
    };
    if let Some(request) = request {
        propose(&state, m, &request, &mut page).await?;
    }
    Ok(page)
}

/// Fills the page with the proposal for `request`: the dates with their
/// clashes, the skipped dates with reasons, and how many are new.
async fn propose(
    state: &AppState,
    m: MunicipalityId,
    request: &PlanRequest,
    page: &mut PlanPage,
) -> AppResult<()> {
    let plan = generate(request);
    let existing = existing_dates(state, m, request).await?;
    for p in &plan.meetings {
        let clashes =
            db::clashes(&state.db, m, request.group_id, p.starts_at, p.ends_at, None).await?;
        page.proposed.push(ProposedRow {
            date: p.date,
            label: long_date(p.date),
            week: calendar::iso_week_label(p.date),
            time: format!(
                "{}",
                p.starts_at
                    .with_timezone(&chrono_tz::Europe::Stockholm)
                    .format("%H:%M")
            ),
            exists: existing.contains(&p.date),
            clashes: clashes.iter().map(Clash::describe).collect(),
        });
    }
    page.skipped = plan
        .skipped
        .iter()
        .map(|s| (long_date(s.date), s.reason.clone()))
        .collect();
    page.new_count = page.proposed.iter().filter(|p| !p.exists).count();
    page.group_name = label_of(&page.groups, request.group_id);
    page.term_label = request.term.label();
    Ok(())
}

impl PlanForm {
    /// The form and the dates ticked on the preview (`d_<date>=ja`); a date
    /// left unticked is not saved. A form without `pick` (no checkboxes)
    /// saves them all (`None`).
    fn with_picks(fields: &[(String, String)]) -> AppResult<(Self, Option<Vec<NaiveDate>>)> {
        let form = Self::deserialize(serde::de::value::MapDeserializer::<
            _,
            serde::de::value::Error,
        >::new(
            fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))
        ))
        .map_err(|_| AppError::BadRequest)?;
        let picked = (form.pick == "ja").then(|| {
            fields
                .iter()
                .filter(|(_, v)| v == "ja")
                .filter_map(|(k, _)| k.strip_prefix("d_"))
                .filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .collect()
        });
        Ok((form, picked))
    }
}

/// Stores the chosen meetings with the cadence's form and place.
async fn store_plan(
    conn: &mut sqlx::PgConnection,
    m: MunicipalityId,
    request: &PlanRequest,
    chosen: &[&calendar::Proposed],
) -> AppResult<()> {
    let c = &request.cadence;
    let place = if c.form == MeetingMode::Online {
        String::new()
    } else {
        c.places.clone()
    };
    for p in chosen {
        db::insert_meeting(
            &mut *conn,
            m,
            &NewMeeting {
                group_id: request.group_id,
                starts_at: p.starts_at,
                ends_at: p.ends_at,
                form: c.form,
                place: &place,
                meeting_link: &c.meeting_link,
                agenda: "",
            },
        )
        .await?;
    }
    Ok(())
}

/// Saves the proposal: every proposed date that the group has no meeting on yet.
#[tracing::instrument(skip_all, fields(person.id = %user.id()))]
pub async fn plan_save(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (form, picked) = PlanForm::with_picks(&fields)?;
    let groups = schedulable_groups(&state.db, &user).await?;
    let mut errors = FieldErrors::default();
    let Some(request) = plan_request(&state, &user, &groups, &form, &mut errors).await? else {
        let query = serde_urlencoded_plan(&form);
        set_flash(
            &user.person.flash,
            Flash::warning("Förslaget kunde inte sparas: kontrollera uppgifterna."),
        )
        .await?;
        return Ok(Redirect::to(&format!("/moten/planera?{query}")).into_response());
    };
    let m = user.tenant();
    let plan = generate(&request);
    let existing = existing_dates(&state, m, &request).await?;
    let picked_here = |p: &&calendar::Proposed| picked.as_ref().is_none_or(|d| d.contains(&p.date));
    // A second save finds its meetings already there: back to where the first went.
    let first_picked = plan.meetings.iter().find(picked_here).map(|p| p.date);
    let again = format!(
        "/moten?manad={}",
        month_key(first_picked.unwrap_or_else(|| request.term.first_day()))
    );
    let mut change = Change::once(&state, &user, &form.form_token, &again).await?;
    let chosen: Vec<&calendar::Proposed> = plan
        .meetings
        .iter()
        .filter(|p| !existing.contains(&p.date))
        .filter(picked_here)
        .collect();
    let created = chosen.len();
    let first_new = chosen.first().map(|p| p.date);
    store_plan(change.tx(), m, &request, &chosen).await?;
    let group = label_of(&groups, request.group_id);
    change
        .record(
            Event::new(
                "planerade termin",
                "möten",
                format!(
                    "{} för {group} {}",
                    crate::web::words::count(created, "möte", "möten"),
                    request.term.label()
                ),
            )
            .on(request.group_id)
            .after(json!({ "antal": created, "termin": request.term.as_key() })),
        )
        .await?;
    let message = saved_message(created, &group, request.term);
    // The calendar opens at the first new meeting, so that it shows them.
    let month = first_new.map_or_else(|| month_key(request.term.first_day()), month_key);
    change
        .finish(message, &format!("/moten?manad={month}"))
        .await
}

/// The flash after saving a term's meetings.
fn saved_message(created: usize, group: &str, term: Term) -> String {
    if created == 0 {
        format!(
            "Inga nya möten sparades för {group} {}: inget datum var valt.",
            term.label()
        )
    } else {
        format!(
            "{} för {group} {} är {}.",
            crate::web::words::count(created, "möte", "möten"),
            term.label(),
            crate::web::words::plural(created, "planerat", "planerade")
        )
    }
}

impl PlanForm {
    /// The fields carried from the preview to the save.
    pub fn hidden_fields(&self) -> [(&'static str, &str); 11] {
        [
            ("grupp", &self.grupp),
            ("termin", &self.termin),
            ("weekday", &self.weekday),
            ("time", &self.time),
            ("duration", &self.duration),
            ("count", &self.count),
            ("form", &self.form),
            ("place", &self.place),
            ("meeting_link", &self.meeting_link),
            ("break_from", &self.break_from),
            ("break_to", &self.break_to),
        ]
    }
}

/// The plan form as a query string, to return to the preview.
fn serde_urlencoded_plan(form: &PlanForm) -> String {
    serde_urlencoded::to_string(form.hidden_fields()).unwrap_or_default()
}
