//! Decision material: priority proposals, cause analyses (causes grouped as
//! Brå teaches: victim, offender, place/situation) and action plans. Each is
//! drafted, presented at a meeting and decided or returned; `parent_id`
//! keeps the trail from the first proposal to the plan and its measures.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::PlanningAccess;
use super::PlanningEditor;
use super::db::deciding_meetings;
use super::model::{ItemForm, ItemKind, ItemStatus, MeasureRow};
use super::overview::{created, invalid};
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::choice::Choice;
use crate::web::extract::CurrentUser;
use crate::web::forms::{self, FieldErrors, Form, unprocessable};
use crate::web::layout::Chrome;
use crate::web::path::IdPath;
use crate::web::today;

/// `POST /planering/underlag`.
pub async fn create(
    State(state): State<AppState>,
    PlanningEditor(user): PlanningEditor,
    Form(form): Form<ItemForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let mut e = FieldErrors::default();
    let kind = form.kind.parse::<ItemKind>().ok();
    if kind.is_none() {
        e.add(
            "kind",
            "Välj prioriteringsförslag, orsaksanalys eller åtgärdsplan.",
        );
    }
    let title = forms::required_line(&mut e, "item_title", &form.item_title, "rubriken", 300);
    let body = forms::required_text(&mut e, "body", &form.body, "problemet och förslaget", 10000);
    let parent = forms::optional_id(&mut e, "item_parent_id", &form.item_parent_id);
    check_causes(&mut e, &form);
    let (Some(kind), true) = (kind, e.is_empty()) else {
        return invalid(&state, &user, form, e).await;
    };
    let id = Uuid::now_v7();
    let mut change = Change::once(&state, &user, &form.form_token, "/planering#underlag").await?;
    let inserted = sqlx::query!(
        r#"insert into plan_item (id, municipality_id, kind, parent_id, title, body, causes_victim, causes_offender, causes_place, sources, created_by)
           select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11
           where $4::uuid is null or exists (select 1 from plan_item where id = $4 and municipality_id = $2)"#,
        id, m.get(), kind.as_str(), parent, title, body, form.causes_victim.trim(), form.causes_offender.trim(),
        form.causes_place.trim(), form.item_sources.trim(), user.id()
    )
    .execute(change.tx())
    .await?;
    let event = Event::new("skapade", kind.label(), title).on(id);
    let flash = format!("{} är sparad som utkast.", kind.label());
    created(
        change,
        &inserted,
        event,
        flash,
        &format!("/planering/underlag/{id}"),
    )
    .await
}

/// The optional cause analysis (victim, offender, place) and sources: each
/// at most 5000 characters.
fn check_causes(e: &mut FieldErrors, form: &ItemForm) {
    for (field, value, label) in [
        ("causes_victim", &form.causes_victim, "orsakerna hos offren"),
        (
            "causes_offender",
            &form.causes_offender,
            "orsakerna hos gärningspersonerna",
        ),
        (
            "causes_place",
            &form.causes_place,
            "orsakerna i platsen eller situationen",
        ),
        ("item_sources", &form.item_sources, "källorna"),
    ] {
        forms::optional_text(e, field, value, label, 5000);
    }
}

/// A piece of decision material in full.
pub struct Item {
    pub id: Uuid,
    pub kind: ItemKind,
    pub parent_id: Option<Uuid>,
    pub title: String,
    pub body: String,
    pub causes_victim: String,
    pub causes_offender: String,
    pub causes_place: String,
    pub sources: String,
    pub status: ItemStatus,
    pub meeting_id: Option<Uuid>,
    pub meeting: Option<String>,
    pub decision_note: String,
}

impl Item {
    /// `Orsaksanalys: …`, without repeating a kind the title already names.
    pub fn heading(&self) -> String {
        crate::web::words::with_kind(self.kind.label(), &self.title)
    }
}

async fn item(db: &sqlx::PgPool, m: MunicipalityId, id: Uuid) -> AppResult<Item> {
    sqlx::query_as!(
        Item,
        r#"select i.id, i.kind as "kind: ItemKind", i.parent_id, i.title, i.body, i.causes_victim, i.causes_offender, i.causes_place,
                  i.sources, i.status as "status: ItemStatus", i.meeting_id, i.decision_note,
                  g.name || ' ' || to_char(mt.starts_at at time zone 'Europe/Stockholm', 'YYYY-MM-DD') as meeting
           from plan_item i left join meeting mt on mt.id = i.meeting_id left join work_group g on g.id = mt.work_group_id
           where i.id = $1 and i.municipality_id = $2"#,
        id,
        m.get()
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)
}

#[derive(Template, WebTemplate)]
#[template(path = "planning/item.html")]
pub struct ItemPage {
    chrome: Chrome,
    item: Item,
    /// From the first proposal down to this item's parent.
    trail: Vec<(Uuid, String, &'static str)>,
    followers: Vec<(Uuid, String, &'static str)>,
    measures: Vec<MeasureRow>,
    meetings: Vec<Choice>,
    /// For cause analyses: the last twelve months' EST incidents by category.
    statistics: Vec<(String, i64)>,
    edit: bool,
    today: chrono::NaiveDate,
    errors: FieldErrors,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    errors: FieldErrors,
) -> AppResult<ItemPage> {
    let access = PlanningAccess::load(&state.db, user).await?;
    let m = user.tenant();
    let it = item(&state.db, m, id).await?;
    let mut trail = Vec::new();
    let mut parent = it.parent_id;
    // Bounded: a trail longer than this is not a trail but a loop.
    while let Some(p) = parent.filter(|_| trail.len() < 20) {
        let up = item(&state.db, m, p).await?;
        trail.insert(0, (up.id, up.title.clone(), up.kind.label()));
        parent = up.parent_id;
    }
    let followers = sqlx::query!(
        r#"select id, title, kind as "kind: ItemKind" from plan_item where parent_id = $1 order by created_at"#,
        id
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|r| (r.id, r.title, r.kind.label()))
    .collect();
    let measures = sqlx::query_scalar!("select id from measure where plan_id = $1", id)
        .fetch_all(&state.db)
        .await?;
    let all = super::db::measures(&state.db, m, None).await?;
    let statistics = if it.kind == ItemKind::CauseAnalysis {
        sqlx::query!(
            r#"select coalesce(pc.name, c.name) as "category!", count(*) as "n!"
               from est_incident i join incident_category c on c.id = i.category_id
               left join incident_category pc on pc.id = c.parent_id
               where i.municipality_id = $1 and i.occurred_on > $2 and i.duplicate_of is null
               group by 1 order by 2 desc, 1"#,
            m.get(),
            today() - chrono::Days::new(365)
        )
        .fetch_all(&state.db)
        .await?
        .into_iter()
        .map(|r| (r.category, r.n))
        .collect()
    } else {
        Vec::new()
    };
    Ok(ItemPage {
        statistics,
        chrome: user.chrome("planering").await,
        measures: all
            .into_iter()
            .filter(|r| measures.contains(&r.id))
            .collect(),
        meetings: deciding_meetings(&state.db, m).await?,
        item: it,
        trail,
        followers,
        edit: access.edit,
        today: today(),
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> AppResult<ItemPage> {
    page(&state, &user, id, FieldErrors::default()).await
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct HandleForm {
    status: String,
    meeting_id: String,
    decision_note: String,
}

/// `POST /planering/underlag/{id}`: presented, decided or returned, at a meeting.
pub async fn handle(
    State(state): State<AppState>,
    PlanningEditor(user): PlanningEditor,
    IdPath(id): IdPath,
    Form(form): Form<HandleForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let before = item(&state.db, m, id).await?;
    let mut e = FieldErrors::default();
    let status = form.status.parse::<ItemStatus>().ok();
    if status.is_none() {
        e.add("status", "Välj en status.");
    }
    let meeting = forms::optional_id(&mut e, "meeting_id", &form.meeting_id);
    if status.is_some_and(|s| s != ItemStatus::Draft) && meeting.is_none() {
        e.add("meeting_id", "Ange vid vilket möte underlaget behandlades.");
    }
    let note = forms::optional_text(
        &mut e,
        "decision_note",
        &form.decision_note,
        "beslutet",
        2000,
    );
    let (Some(status), true) = (status, e.is_empty()) else {
        let page = page(&state, &user, id, e).await?;
        return unprocessable(page);
    };
    let mut change = Change::begin(&state, &user).await?;
    let updated = sqlx::query!(
        r#"update plan_item set status = $3, meeting_id = $4, decision_note = $5, updated_at = now()
           where id = $1 and municipality_id = $2
             and ($4::uuid is null or exists (select 1 from meeting where id = $4 and municipality_id = $2))"#,
        id, m.get(), status.as_str(), meeting, note
    )
    .execute(change.tx())
    .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::BadRequest);
    }
    change
        .done(
            Event::new(
                "behandlade",
                before.kind.label(),
                format!("{}: {}", before.title, status.label()),
            )
            .on(id)
            .before(json!({ "status": before.status }))
            .after(json!({ "status": status, "möte": meeting, "beslut": note })),
            format!("Status: {}.", status.label().to_lowercase()),
            &format!("/planering/underlag/{id}"),
        )
        .await
}
