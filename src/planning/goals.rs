//! Goals: a vision broken into goals (mål) and sub-goals (delmål), each with
//! an indicator, a target and a date, decided at a Styrgrupp meeting and
//! followed up over time.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::PlanningAccess;
use super::PlanningEditor;
use super::model::{GoalForm, GoalLevel, MeasureRow};
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

/// `POST /planering/mal`.
pub async fn create(
    State(state): State<AppState>,
    PlanningEditor(user): PlanningEditor,
    Form(form): Form<GoalForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let mut e = FieldErrors::default();
    let title = forms::required_line(&mut e, "goal_title", &form.goal_title, "målet", 500);
    let indicator = forms::optional_line(&mut e, "indicator", &form.indicator, "indikatorn", 500);
    let target = forms::optional_line(&mut e, "target", &form.target, "målvärdet", 200);
    let target_date = forms::optional_date(&mut e, "target_date", &form.target_date);
    let parent = forms::optional_id(&mut e, "parent_id", &form.parent_id);
    let meeting = forms::optional_id(&mut e, "meeting_id", &form.meeting_id);
    let parent_level = parent_level(&state.db, m, parent).await?;
    let level = level(&mut e, &form.level, parent_level);
    if parent.is_some() && parent_level.is_none() {
        e.add("parent_id", "Välj ett av kommunens mål.");
    }
    if !e.is_empty() {
        return invalid(&state, &user, form, e).await;
    }
    let id = Uuid::now_v7();
    let mut change = Change::once(&state, &user, &form.form_token, "/planering#mal").await?;
    let inserted = sqlx::query!(
        r#"insert into goal (id, municipality_id, parent_id, level, title, indicator, target, target_date, meeting_id, created_by)
           select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
           where $9::uuid is null or exists (select 1 from meeting where id = $9 and municipality_id = $2)"#,
        id, m.get(), parent, level.as_str(), title, indicator, target, target_date, meeting, user.id()
    )
    .execute(change.tx())
    .await?;
    let event = Event::new("skapade", level.label(), title)
        .on(id)
        .after(json!({ "indikator": indicator, "målvärde": target, "datum": target_date }));
    let flash = format!("{} är sparat.", level.label());
    created(
        change,
        &inserted,
        event,
        flash,
        &format!("/planering/mal/{id}"),
    )
    .await
}

/// The level of the chosen parent goal; none when no parent is chosen or it
/// is not one of the municipality's goals.
async fn parent_level(
    db: &sqlx::PgPool,
    m: MunicipalityId,
    parent: Option<Uuid>,
) -> AppResult<Option<GoalLevel>> {
    let Some(parent) = parent else {
        return Ok(None);
    };
    Ok(sqlx::query_scalar!(
        r#"select level as "level: GoalLevel" from goal where id = $1 and municipality_id = $2"#,
        parent,
        m.get()
    )
    .fetch_optional(db)
    .await?)
}

/// The level asked for, if it fits under the parent: a vision stands alone,
/// a goal may belong to a vision, a sub-goal belongs to a goal.
fn level(e: &mut FieldErrors, wanted: &str, parent_level: Option<GoalLevel>) -> GoalLevel {
    use GoalLevel::{Goal, Subgoal, Vision};
    match (wanted.parse::<GoalLevel>(), parent_level) {
        (Ok(Vision), None) => Vision,
        (Ok(Goal), Some(Vision) | None) => Goal,
        (Ok(Subgoal), Some(Goal)) => Subgoal,
        (Ok(Subgoal), _) => {
            e.add("parent_id", "Ett delmål hör till ett mål: välj målet.");
            Subgoal
        }
        _ => {
            e.add(
                "level",
                "Välj vision, mål eller delmål (ett mål kan höra till en vision).",
            );
            Goal
        }
    }
}

/// A goal in full.
pub struct Goal {
    pub id: Uuid,
    pub level: GoalLevel,
    pub title: String,
    pub indicator: String,
    pub target: String,
    pub target_date: Option<NaiveDate>,
    pub parent_id: Option<Uuid>,
    pub parent: Option<String>,
    pub meeting_id: Option<Uuid>,
    pub meeting: Option<String>,
}

/// A follow-up of a goal.
pub struct FollowUp {
    pub on_date: NaiveDate,
    pub value: String,
    pub note: String,
    pub written_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FollowUpForm {
    /// Today, when the form is new.
    on_date: String,
    value: String,
    note: String,
    /// The one-time form token (`chrome.form_token`).
    form_token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "planning/goal.html")]
pub struct GoalPage {
    chrome: Chrome,
    goal: Goal,
    level: &'static str,
    children: Vec<(Uuid, String)>,
    followups: Vec<FollowUp>,
    measures: Vec<MeasureRow>,
    edit: bool,
    today: NaiveDate,
    /// The follow-up form: new, or as sent when shown again with its errors.
    followup: FollowUpForm,
    errors: FieldErrors,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    followup: Option<FollowUpForm>,
    errors: FieldErrors,
) -> AppResult<GoalPage> {
    let access = PlanningAccess::load(&state.db, user).await?;
    let m = user.tenant();
    let goal = sqlx::query_as!(
        Goal,
        r#"select g.id, g.level as "level: GoalLevel", g.title, g.indicator, g.target, g.target_date, g.parent_id, p.title as "parent?",
                  g.meeting_id, wg.name || ' ' || to_char(mt.starts_at at time zone 'Europe/Stockholm', 'YYYY-MM-DD') as meeting
           from goal g left join goal p on p.id = g.parent_id
           left join meeting mt on mt.id = g.meeting_id left join work_group wg on wg.id = mt.work_group_id
           where g.id = $1 and g.municipality_id = $2"#,
        id,
        m.get()
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    let children = sqlx::query!(
        "select id, title from goal where parent_id = $1 order by created_at",
        id
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|r| (r.id, r.title))
    .collect();
    let followups = sqlx::query_as!(
        FollowUp,
        r#"select f.on_date, f.value, f.note, p.name as "written_by?", f.created_at
           from goal_followup f left join person p on p.id = f.written_by where f.goal_id = $1 order by f.on_date desc, f.created_at desc"#,
        id
    )
    .fetch_all(&state.db)
    .await?;
    Ok(GoalPage {
        chrome: user.chrome("planering").await,
        level: goal.level.label(),
        measures: super::db::measures(&state.db, m, Some(id)).await?,
        goal,
        children,
        followups,
        edit: access.edit,
        today: today(),
        followup: followup.unwrap_or_else(|| FollowUpForm {
            on_date: today().to_string(),
            ..FollowUpForm::default()
        }),
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> AppResult<GoalPage> {
    page(&state, &user, id, None, FieldErrors::default()).await
}

/// `POST /planering/mal/{id}`: a follow-up entry.
pub async fn follow_up(
    State(state): State<AppState>,
    PlanningEditor(user): PlanningEditor,
    IdPath(id): IdPath,
    Form(form): Form<FollowUpForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let mut e = FieldErrors::default();
    let on = forms::required_date(&mut e, "on_date", &form.on_date);
    let value = forms::required_line(&mut e, "value", &form.value, "utfallet", 200);
    let note = forms::optional_text(&mut e, "note", &form.note, "kommentaren", 2000);
    let (Some(on), true) = (on, e.is_empty()) else {
        let page = page(&state, &user, id, Some(form), e).await?;
        return unprocessable(page);
    };
    let mut change = Change::once(
        &state,
        &user,
        &form.form_token,
        &format!("/planering/mal/{id}"),
    )
    .await?;
    let inserted = sqlx::query!(
        r#"insert into goal_followup (id, municipality_id, goal_id, on_date, value, note, written_by)
           select $1, $2, id, $4, $5, $6, $7 from goal where id = $3 and municipality_id = $2"#,
        Uuid::now_v7(), m.get(), id, on, value, note, user.id()
    )
    .execute(change.tx())
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    change
        .done(
            Event::new("följde upp", "mål", format!("{on}: {value}"))
                .on(id)
                .after(json!({ "utfall": value, "datum": on })),
            "Uppföljningen är sparad.",
            &format!("/planering/mal/{id}"),
        )
        .await
}
