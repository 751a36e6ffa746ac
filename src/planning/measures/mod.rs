//! Measures of the action plans: who is responsible, the goal they serve,
//! start and due dates, milestones and per cent done. "Delayed" follows from
//! the due date. Owners see their measures on their start page and get a
//! reminder a week before the due date.

pub mod targets;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::PlanningAccess;
use super::PlanningEditor;
use super::effect::{self, Effect};
use super::model::{MeasureForm, MeasureStatus, state_label};
use super::overview::{created, invalid};
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::extract::CurrentUser;
use crate::web::forms::{self, FieldErrors, Form, unprocessable};
use crate::web::layout::Chrome;
use crate::web::path::IdPath;
use crate::web::today;
use targets::{TargetChoice, TargetsForm};

/// `POST /planering/atgarder`.
pub async fn create(
    State(state): State<AppState>,
    PlanningEditor(user): PlanningEditor,
    Form(form): Form<MeasureForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let mut e = FieldErrors::default();
    let title = forms::required_line(
        &mut e,
        "measure_title",
        &form.measure_title,
        "åtgärden",
        500,
    );
    let plan = forms::optional_id(&mut e, "plan_id", &form.plan_id);
    let goal = forms::optional_id(&mut e, "goal_id", &form.goal_id);
    let responsible = forms::required_id(
        &mut e,
        "responsible_position_id",
        &form.responsible_position_id,
        "Välj vem som ansvarar.",
    );
    let (starts, due) = period(&mut e, &form);
    let milestones =
        forms::optional_text(&mut e, "milestones", &form.milestones, "delmomenten", 4000);
    let (Some(starts), Some(due), true) = (starts, due, e.is_empty()) else {
        return invalid(&state, &user, form, e).await;
    };
    let id = Uuid::now_v7();
    let mut change = Change::once(&state, &user, &form.form_token, "/planering#atgarder").await?;
    let inserted = sqlx::query!(
        r#"insert into measure (id, municipality_id, plan_id, goal_id, title, responsible_position_id, starts_on, due_on, milestones, created_by)
           select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
           where ($3::uuid is null or exists (select 1 from plan_item where id = $3 and municipality_id = $2))
             and ($4::uuid is null or exists (select 1 from goal where id = $4 and municipality_id = $2))
             and exists (select 1 from position where id = $6 and municipality_id = $2)"#,
        id, m.get(), plan, goal, title, responsible, starts, due, milestones, user.id()
    )
    .execute(change.tx())
    .await?;
    let event = Event::new("skapade", "åtgärd", format!("{title} ({starts} – {due})")).on(id);
    let to = format!("/planering/atgarder/{id}");
    created(change, &inserted, event, "Åtgärden är sparad.", &to).await
}

/// The start and due dates, both required, the due date not before the start.
fn period(e: &mut FieldErrors, form: &MeasureForm) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let starts = forms::required_date(e, "starts_on", &form.starts_on);
    let due = forms::required_date(e, "due_on", &form.due_on);
    if let (Some(s), Some(d)) = (starts, due)
        && d < s
    {
        e.add("due_on", "Slutdatumet kan inte vara före startdatumet.");
    }
    (starts, due)
}

/// A progress note.
pub struct Note {
    pub note: String,
    pub percent_done: i32,
    pub written_by: Option<String>,
    pub at: DateTime<Utc>,
}

impl Note {
    pub fn at_text(&self) -> String {
        crate::web::format_local(self.at)
    }
}

/// A measure in full.
pub struct Measure {
    pub id: Uuid,
    pub title: String,
    pub responsible: Option<String>,
    pub responsible_position_id: Option<Uuid>,
    pub goal_id: Option<Uuid>,
    pub goal: Option<String>,
    pub plan_id: Option<Uuid>,
    pub plan: Option<String>,
    pub starts_on: NaiveDate,
    pub due_on: NaiveDate,
    pub milestones: String,
    pub percent_done: i32,
    pub status: MeasureStatus,
    pub effect_from: Option<NaiveDate>,
    pub public: bool,
    pub area_ids: Vec<Uuid>,
    pub category_ids: Vec<Uuid>,
}

#[derive(Template, WebTemplate)]
#[template(path = "planning/measure.html")]
pub struct MeasurePage {
    chrome: Chrome,
    pub(super) measure: Measure,
    state: &'static str,
    notes: Vec<Note>,
    can_report: bool,
    /// May set what the measure targets (the coordinator, the kommunpolis).
    can_edit: bool,
    errors: FieldErrors,
    /// The municipality's areas and categories, for the targets form.
    pub(super) areas: Vec<TargetChoice>,
    pub(super) categories: Vec<TargetChoice>,
    targets: TargetsForm,
    /// The follow-up form: the measure as it stands, or as sent when shown
    /// again with its errors.
    progress: ProgressForm,
    /// Only for a measure with targets and a start date.
    effect: Option<Effect>,
    /// The day its effect period ended, while nobody has followed it up since.
    follow_up_due: Option<NaiveDate>,
}

impl MeasurePage {
    /// The names of the targeted areas and categories, for the facts.
    fn chosen(choices: &[TargetChoice], ids: &[Uuid]) -> String {
        choices
            .iter()
            .filter(|c| ids.contains(&c.id))
            .map(|c| c.label.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn target_areas(&self) -> String {
        Self::chosen(&self.areas, &self.measure.area_ids)
    }

    pub fn target_categories(&self) -> String {
        Self::chosen(&self.categories, &self.measure.category_ids)
    }

    pub fn has_targets(&self) -> bool {
        !self.measure.area_ids.is_empty() || !self.measure.category_ids.is_empty()
    }

    /// What is stored now, for the audit row.
    pub(super) fn targets_json(&self) -> serde_json::Value {
        json!({
            "områden": self.measure.area_ids, "kategorier": self.measure.category_ids,
            "effekt_från": self.measure.effect_from, "offentlig": self.measure.public,
        })
    }
}

/// Whether the person holds the measure's responsible position today.
async fn owns(db: &sqlx::PgPool, user: &CurrentUser, position: Option<Uuid>) -> AppResult<bool> {
    let Some(position) = position else {
        return Ok(false);
    };
    Ok(sqlx::query_scalar!(
        r#"select exists(select 1 from position_holder where position_id = $1 and person_id = $2
                  and held_from <= $3 and (held_to is null or held_to >= $3)) as "e!""#,
        position,
        user.id(),
        today()
    )
    .fetch_one(db)
    .await?)
}

/// The measure's page; `targets` is the targets form as sent, when it is
/// shown again with its errors.
pub(super) async fn page(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    errors: FieldErrors,
    targets: Option<TargetsForm>,
) -> AppResult<MeasurePage> {
    let m = user.tenant();
    let measure = load(&state.db, m, id).await?;
    let (editor, owner) = roles(&state.db, user, measure.responsible_position_id).await?;
    let notes = notes(&state.db, id).await?;
    let (areas, categories) = targets::choices(&state.db, m).await?;
    let effect = effect_of(&state.db, m, &measure).await?;
    Ok(MeasurePage {
        follow_up_due: follow_up_due(&measure, effect.as_ref(), &notes),
        chrome: user.chrome("planering").await,
        state: state_label(measure.status, measure.due_on, today()),
        targets: targets.unwrap_or_else(|| {
            TargetsForm::stored(
                &measure.area_ids,
                &measure.category_ids,
                measure.effect_from,
                measure.public,
            )
        }),
        progress: ProgressForm {
            percent_done: measure.percent_done.to_string(),
            status: measure.status.as_str().to_owned(),
            ..ProgressForm::default()
        },
        measure,
        notes,
        can_report: editor || owner,
        can_edit: editor,
        errors,
        areas,
        categories,
        effect,
    })
}

/// The measure with its responsible position, goal, plan and targets.
async fn load(db: &sqlx::PgPool, m: MunicipalityId, id: Uuid) -> AppResult<Measure> {
    sqlx::query_as!(
        Measure,
        r#"select ms.id, ms.title, p.title as "responsible?", ms.responsible_position_id, ms.goal_id, g.title as "goal?",
                  ms.plan_id, i.title as "plan?", ms.starts_on, ms.due_on, ms.milestones, ms.percent_done,
                  ms.status as "status: MeasureStatus",
                  ms.effect_from, ms.public,
                  array(select a.area_id from measure_area a where a.measure_id = ms.id and a.municipality_id = $2) as "area_ids!",
                  array(select c.category_id from measure_category c where c.measure_id = ms.id and c.municipality_id = $2)
                      as "category_ids!"
           from measure ms left join position p on p.id = ms.responsible_position_id
           left join goal g on g.id = ms.goal_id left join plan_item i on i.id = ms.plan_id
           where ms.id = $1 and ms.municipality_id = $2"#,
        id,
        m.get()
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)
}

/// Whether the person may edit planning, and whether they own the measure.
/// Owners may follow their own measures even outside the steering groups.
async fn roles(
    db: &sqlx::PgPool,
    user: &CurrentUser,
    position: Option<Uuid>,
) -> AppResult<(bool, bool)> {
    let owner = owns(db, user, position).await?;
    let editor = match PlanningAccess::load(db, user).await {
        Ok(access) => access.edit,
        Err(_) if owner => false,
        Err(e) => return Err(e),
    };
    Ok((editor, owner))
}

/// The measure's progress notes, newest first.
async fn notes(db: &sqlx::PgPool, id: Uuid) -> AppResult<Vec<Note>> {
    Ok(sqlx::query_as!(
        Note,
        r#"select n.note, n.percent_done, p.name as "written_by?", n.at from measure_note n
           left join person p on p.id = n.written_by where n.measure_id = $1 order by n.at desc"#,
        id
    )
    .fetch_all(db)
    .await?)
}

/// The measured effect, for a measure with targets and a start date.
async fn effect_of(
    db: &sqlx::PgPool,
    m: MunicipalityId,
    measure: &Measure,
) -> AppResult<Option<Effect>> {
    match measure.effect_from {
        Some(from) if !measure.area_ids.is_empty() || !measure.category_ids.is_empty() => {
            Ok(Some(effect::load(db, m, measure.id, from, today()).await?))
        }
        _ => Ok(None),
    }
}

/// The day the effect period ended, while no note has been written since.
fn follow_up_due(measure: &Measure, effect: Option<&Effect>, notes: &[Note]) -> Option<NaiveDate> {
    measure
        .effect_from
        .filter(|_| effect.is_some())
        .map(effect::period_end)
        .filter(|end| *end <= today() && !notes.iter().any(|n| n.at >= crate::web::day_start(*end)))
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> AppResult<MeasurePage> {
    page(&state, &user, id, FieldErrors::default(), None).await
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ProgressForm {
    note: String,
    percent_done: String,
    status: String,
    /// The one-time form token (`chrome.form_token`).
    form_token: String,
}

/// `POST /planering/atgarder/{id}`: progress from the owner or the coordinator.
pub async fn progress(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    Form(form): Form<ProgressForm>,
) -> AppResult<Response> {
    let mut current = page(&state, &user, id, FieldErrors::default(), None).await?;
    if !current.can_report {
        return Err(AppError::Forbidden);
    }
    let m = user.tenant();
    let mut e = FieldErrors::default();
    let note = forms::required_text(&mut e, "note", &form.note, "vad som har hänt", 4000);
    let percent = match form.percent_done.trim().parse::<i32>() {
        Ok(n) if (0..=100).contains(&n) => n,
        _ => {
            e.add(
                "percent_done",
                "Ange hur många procent som är klart, 0 till 100.",
            );
            0
        }
    };
    let status = form.status.parse::<MeasureStatus>().ok();
    if status.is_none() {
        e.add("status", "Välj status.");
    }
    let (Some(status), true) = (status, e.is_empty()) else {
        current.errors = e;
        current.progress = form;
        return unprocessable(current);
    };
    let mut change = Change::once(
        &state,
        &user,
        &form.form_token,
        &format!("/planering/atgarder/{id}"),
    )
    .await?;
    sqlx::query!(
        "update measure set percent_done = $3, status = $4 where id = $1 and municipality_id = $2",
        id,
        m.get(),
        percent,
        status.as_str()
    )
    .execute(change.tx())
    .await?;
    sqlx::query!(
        "insert into measure_note (id, municipality_id, measure_id, note, percent_done, written_by) values ($1, $2, $3, $4, $5, $6)",
        Uuid::now_v7(), m.get(), id, note, percent, user.id()
    )
    .execute(change.tx())
    .await?;
    let summary = format!("{}: {percent} %", current.measure.title);
    let event = Event::new("följde upp", "åtgärd", summary)
        .on(id)
        .before(
            json!({ "procent": current.measure.percent_done, "status": current.measure.status }),
        )
        .after(json!({ "procent": percent, "status": status }));
    let back = format!("/planering/atgarder/{id}");
    change.done(event, "Uppföljningen är sparad.", &back).await
}

/// Mails the holders of the responsible positions of measures due within a
/// week, once per measure. Returns how many measures were reminded about.
/// A suspended municipality's measures are left unclaimed, so they are
/// reminded about once it is resumed.
pub async fn remind(state: &AppState) -> AppResult<usize> {
    let day = today();
    // The claim and the queued mail are one transaction.
    let mut tx = state.db.begin().await?;
    let due = sqlx::query!(
        r#"update measure -- all municipalities: the daily reminder, each mailed in its own municipality
                  set reminder_sent_at = now()
           where status <> 'done' and reminder_sent_at is null and due_on between $1 and $2
             and municipality_id in (select id from municipality where suspended_at is null)
           returning id, municipality_id, title, due_on, responsible_position_id"#,
        day,
        day + Days::new(7)
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut mail = Vec::new();
    for measure in &due {
        let holders: Vec<(String, String)> = sqlx::query!(
            r#"select pe.name, pe.email from holders_on($1, $3) h join person pe on pe.id = h.person_id
               where h.position_id = $2 and pe.active"#,
            measure.municipality_id,
            measure.responsible_position_id,
            day
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| (r.name, r.email))
        .collect();
        let body = format!(
            "Hej!\n\nÅtgärden ”{}” ska vara klar {}. Rapportera läget i Samordna: {}/planering/atgarder/{}\n",
            measure.title,
            measure.due_on,
            state.config.public_url.trim_end_matches('/'),
            measure.id
        );
        mail.extend(
            crate::mail::outbox::enqueue_text(
                &mut tx,
                MunicipalityId::of_row(measure.municipality_id),
                crate::mail::outbox::Kind::MeasureReminder,
                Some(measure.id),
                &holders,
                &format!("Påminnelse: {}", measure.title),
                &body,
            )
            .await?,
        );
    }
    tx.commit().await?;
    crate::mail::outbox::deliver(state, &mail).await;
    Ok(due.len())
}

/// Reminds once a day, on one instance ([`crate::jobs`]).
pub async fn daily(state: AppState) {
    let every = state.config.job_check();
    crate::jobs::daily(state.db.clone(), "measure_reminders", every, || async {
        let n = remind(&state).await?;
        Ok(format!("reminders sent about {n} measures"))
    })
    .await;
}
