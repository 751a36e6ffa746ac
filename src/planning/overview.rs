//! The planning overview: goals, decision material, measures, sources and
//! lägesbilder, with the forms to add each (for those who prepare).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use sqlx::postgres::PgQueryResult;
use uuid::Uuid;

use super::PlanningAccess;
use super::db::deciding_meetings;
use super::model::{
    GoalForm, GoalRow, ItemForm, ItemKind, ItemRow, ItemStatus, LagesbildForm, MeasureForm,
    MeasureRow, SourceForm, SourceKind, SourceRow,
};
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::choice::{Choice, position_choices};
use crate::web::extract::{Admin, CurrentUser};
use crate::web::forms::{FieldErrors, Form, unprocessable};
use crate::web::layout::{Chrome, Flash};
use crate::web::today;

/// What the forms on the page hold.
#[derive(Default)]
pub struct Forms {
    pub goal: GoalForm,
    pub item: ItemForm,
    pub measure: MeasureForm,
    pub source: SourceForm,
    pub lagesbild: LagesbildForm,
    /// The settings as sent, when they are shown again with their errors
    /// (otherwise the form shows what is stored).
    pub settings: Option<SettingsForm>,
}

/// Each form alone on the page, the others empty: how a create handler
/// shows its form again with its errors.
macro_rules! one_form {
    ($($form:ty => $field:ident),* $(,)?) => {$(
        impl From<$form> for Forms {
            fn from($field: $form) -> Self {
                Self { $field, ..Self::default() }
            }
        }
    )*};
}

one_form!(
    GoalForm => goal,
    ItemForm => item,
    MeasureForm => measure,
    SourceForm => source,
    LagesbildForm => lagesbild,
);

#[derive(Template, WebTemplate)]
#[template(path = "planning/index.html")]
pub struct OverviewPage {
    chrome: Chrome,
    edit: bool,
    goals: Vec<GoalRow>,
    items: Vec<ItemRow>,
    measures: Vec<MeasureRow>,
    sources: Vec<SourceRow>,
    lagesbilder: Vec<(Uuid, String)>,
    positions: Vec<Choice>,
    meetings: Vec<Choice>,
    settings: Settings,
    /// The settings form: what is stored, or as sent with its errors.
    settings_form: SettingsForm,
    admin: bool,
    today: NaiveDate,
    forms: Forms,
    errors: FieldErrors,
}

/// Renders the overview with the typed forms and their errors.
pub async fn render(
    state: &AppState,
    user: &CurrentUser,
    mut forms: Forms,
    errors: FieldErrors,
) -> AppResult<OverviewPage> {
    let access = PlanningAccess::load(&state.db, user).await?;
    let m = user.tenant();
    let items = sqlx::query_as!(
        ItemRow,
        r#"select i.id, i.kind as "kind: ItemKind", i.title, i.status as "status: ItemStatus", g.name || ' ' || to_char(mt.starts_at at time zone 'Europe/Stockholm', 'YYYY-MM-DD') as meeting
           from plan_item i left join meeting mt on mt.id = i.meeting_id left join work_group g on g.id = mt.work_group_id
           where i.municipality_id = $1 order by i.created_at"#,
        m.get()
    )
    .fetch_all(&state.db)
    .await?;
    let measures = super::db::measures(&state.db, m, None).await?;
    let sources = sqlx::query_as!(
        SourceRow,
        r#"select id, kind as "kind: SourceKind", title, source, on_date, summary, document is not null as "has_document!"
           from kartlaggning_source where municipality_id = $1 order by on_date desc"#,
        m.get()
    )
    .fetch_all(&state.db)
    .await?;
    let lagesbilder = sqlx::query!(
        "select id, title from periodic_lagesbild where municipality_id = $1 order by period_to desc",
        m.get()
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|r| (r.id, r.title))
    .collect();
    let settings = settings(&state.db, m).await?;
    Ok(OverviewPage {
        chrome: user.chrome("planering").await,
        edit: access.edit,
        goals: super::db::goals(&state.db, m).await?,
        items,
        measures,
        sources,
        lagesbilder,
        positions: position_choices(&state.db, m).await?,
        meetings: deciding_meetings(&state.db, m).await?,
        settings_form: forms
            .settings
            .take()
            .unwrap_or_else(|| SettingsForm::stored(&settings)),
        settings,
        admin: user.municipality.is_admin,
        today: today(),
        forms,
        errors,
    })
}

/// The overview again with one form as typed and its errors (422).
pub async fn invalid(
    state: &AppState,
    user: &CurrentUser,
    forms: impl Into<Forms>,
    errors: FieldErrors,
) -> AppResult<Response> {
    let page = render(state, user, forms.into(), errors).await?;
    unprocessable(page)
}

/// The end of a create handler whose insert is guarded by `where exists`
/// (a chosen parent, meeting or position must be the municipality's): no
/// row inserted is a bad request and nothing is kept; else the audit row
/// `event`, the flash and the redirect to `to`.
pub async fn created(
    change: Change<'_>,
    inserted: &PgQueryResult,
    event: Event<'_>,
    flash: impl Into<Flash>,
    to: &str,
) -> AppResult<Response> {
    if inserted.rows_affected() == 0 {
        return Err(AppError::BadRequest);
    }
    change.done(event, flash, to).await
}

pub async fn page(State(state): State<AppState>, user: CurrentUser) -> AppResult<OverviewPage> {
    render(&state, &user, Forms::default(), FieldErrors::default()).await
}

/// Which body decides the action plan and how often the lägesbild is renewed.
pub struct Settings {
    pub action_plan_body: String,
    pub interval_months: i32,
    /// The public page `/offentligt/{slug}` is turned on.
    pub public_page: bool,
    pub slug: String,
    /// When the next lägesbild is due: the latest period's end plus the interval.
    pub next_due: Option<NaiveDate>,
}

impl Settings {
    pub fn body_label(&self) -> &'static str {
        if self.action_plan_body == "beredningsgrupp" {
            "beredningsgruppen"
        } else {
            "styrgruppen"
        }
    }
}

async fn settings(db: &sqlx::PgPool, m: MunicipalityId) -> AppResult<Settings> {
    let r = sqlx::query!(
        r#"select mu.action_plan_body, mu.lagesbild_interval_months, mu.public_page, mu.slug,
                  (select max(period_to) from periodic_lagesbild where municipality_id = mu.id) as latest
           from municipality mu where mu.id = $1"#,
        m.get()
    )
    .fetch_one(db)
    .await?;
    Ok(Settings {
        next_due: r.latest.and_then(|l| {
            l.checked_add_months(chrono::Months::new(
                u32::try_from(r.lagesbild_interval_months).unwrap_or(12),
            ))
        }),
        action_plan_body: r.action_plan_body,
        interval_months: r.lagesbild_interval_months,
        public_page: r.public_page,
        slug: r.slug,
    })
}

#[derive(serde::Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    action_plan_body: String,
    #[serde(default)]
    lagesbild_interval_months: String,
    /// "ja" when the box for the public page is ticked.
    #[serde(default)]
    public_page: String,
}

impl SettingsForm {
    /// The form as the stored settings fill it.
    fn stored(s: &Settings) -> Self {
        Self {
            action_plan_body: s.action_plan_body.clone(),
            lagesbild_interval_months: s.interval_months.to_string(),
            public_page: if s.public_page { "ja" } else { "" }.to_owned(),
        }
    }
}

/// `POST /planering/installningar` (the coordinator).
pub async fn save_settings(
    State(state): State<AppState>,
    Admin(user): Admin,
    Form(form): Form<SettingsForm>,
) -> AppResult<axum::response::Response> {
    let mut e = FieldErrors::default();
    if !["styrgrupp", "beredningsgrupp"].contains(&form.action_plan_body.as_str()) {
        e.add("action_plan_body", "Välj vem som beslutar åtgärdsplanen.");
    }
    let months = match form.lagesbild_interval_months.trim().parse::<i32>() {
        Ok(n) if (1..=60).contains(&n) => n,
        _ => {
            e.add(
                "lagesbild_interval_months",
                "Ange antal månader, 1 till 60.",
            );
            0
        }
    };
    if !e.is_empty() {
        let forms = Forms {
            settings: Some(form),
            ..Forms::default()
        };
        let page = render(&state, &user, forms, e).await?;
        return unprocessable(page);
    }
    let m = user.tenant();
    let public = form.public_page == "ja";
    let mut change = Change::begin(&state, &user).await?;
    sqlx::query!(
        "update municipality set action_plan_body = $2, lagesbild_interval_months = $3, public_page = $4 where id = $1",
        m.get(),
        form.action_plan_body,
        months,
        public
    )
    .execute(change.tx())
    .await?;
    change
        .done(
            crate::audit::Event::new(
                "ändrade inställningar",
                "planering",
                format!(
                    "Åtgärdsplanen beslutas av {}, lägesbilden förnyas var {months}:e månad, den offentliga sidan är {}",
                    form.action_plan_body,
                    if public { "på" } else { "av" }
                ),
            )
            .after(serde_json::json!({
                "beslutar": form.action_plan_body, "månader": months, "offentlig_sida": public,
            })),
            "Inställningarna är sparade.",
            "/planering#installningar",
        )
        .await
}
