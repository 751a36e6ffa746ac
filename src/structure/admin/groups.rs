//! `/admin/grupper`: groups, their memberships, and temporary working groups
//! that the beredningsgrupp (LindeBRÅ) appoints and later dissolves.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use sqlx::PgConnection;
use sqlx::postgres::PgQueryResult;
use uuid::Uuid;

use crate::audit::Event;
use crate::error::{AppError, AppResult, OnConstraint, Violation};
use crate::state::AppState;
use crate::structure::db::{self, Group, GroupSummary, Member};
use crate::structure::model::{Role, Tier};
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::choice::{Choice, position_choices};
use crate::web::extract::{Admin, CurrentUser};
use crate::web::forms::{self, FieldErrors, Form, TokenForm, unprocessable};
use crate::web::layout::Chrome;
use crate::web::path::{IdPair, IdPath};
use crate::web::today;

/// Group names are unique within a municipality.
const NAME_TAKEN: Violation<'static> = (
    "work_group_name_key",
    "name",
    "Det finns redan en grupp med det namnet.",
);

/// The fields of a new temporary group.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewGroupForm {
    pub name: String,
    pub task: String,
    pub appointed_by_group_id: String,
    pub decision_reference: String,
    pub focus_area: String,
    pub active_from: String,
    pub active_to: String,
    pub cadence_text: String,
    pub convener_position_id: String,
    pub form_token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/groups.html")]
pub struct GroupsPage {
    chrome: Chrome,
    groups: Vec<GroupSummary>,
    appointers: Vec<Choice>,
    positions: Vec<Choice>,
    form: NewGroupForm,
    errors: FieldErrors,
    today: chrono::NaiveDate,
}

/// Groups that may appoint working groups: the active beredningsgrupp(er).
async fn appointers(db: &sqlx::PgPool, m: MunicipalityId) -> AppResult<Vec<Choice>> {
    Ok(sqlx::query!(
        r#"select id, name from work_group
           where municipality_id = $1 and tier = 'beredningsgrupp'
             and (active_to is null or active_to >= $2)
           order by name"#,
        m.get(),
        today()
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| Choice {
        id: r.id,
        label: r.name,
    })
    .collect())
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    form: NewGroupForm,
    errors: FieldErrors,
) -> AppResult<GroupsPage> {
    let m = user.tenant();
    let day = today();
    Ok(GroupsPage {
        chrome: user.chrome("admin").await,
        groups: db::groups(&state.db, m, day).await?,
        appointers: appointers(&state.db, m).await?,
        positions: position_choices(&state.db, m).await?,
        form,
        errors,
        today: day,
    })
}

pub async fn list(State(state): State<AppState>, Admin(user): Admin) -> AppResult<GroupsPage> {
    let form = NewGroupForm {
        active_from: today().to_string(),
        ..NewGroupForm::default()
    };
    list_page(&state, &user, form, FieldErrors::default()).await
}

/// Creates a temporary working group appointed by the beredningsgrupp.
#[tracing::instrument(skip_all, fields(person.id = %user.id()))]
pub async fn create(
    State(state): State<AppState>,
    Admin(user): Admin,
    Form(form): Form<NewGroupForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let g = match form.parse(&appointers(&state.db, m).await?) {
        Ok(g) => g,
        Err(e) => {
            let page = list_page(&state, &user, form, e).await?;
            return unprocessable(page);
        }
    };
    let id = Uuid::now_v7();
    let mut change = Change::once(&state, &user, &form.form_token, "/admin/grupper").await?;
    let mut e = FieldErrors::default();
    let inserted = insert_group(change.tx(), m, id, &g)
        .await
        .on_constraint(&mut e, &[NAME_TAKEN])?;
    if inserted.is_none() {
        change.rollback().await?;
        let page = list_page(&state, &user, form, e).await?;
        return unprocessable(page);
    }
    if let Some(position_id) = g.convener {
        add_convener(change.tx(), m, id, position_id).await?;
    }
    let NewGroup {
        name,
        task,
        decision,
        focus_area,
        from,
        to,
        ..
    } = g;
    let summary = format!("Skapade den temporära arbetsgruppen {name} ({decision})");
    let after = json!({
        "namn": name, "uppdrag": task, "beslut": decision, "fokusområde": focus_area,
        "från": from, "till": to,
    });
    let flash = format!("Arbetsgruppen {name} är skapad. Lägg till dess medlemmar nedan.");
    let event = Event::new("skapade", "arbetsgrupp", summary)
        .on(id)
        .after(after);
    change
        .done(event, flash, &format!("/admin/grupper/{id}"))
        .await
}

/// A new temporary working group, as checked.
struct NewGroup {
    name: String,
    task: String,
    appointed_by: Uuid,
    decision: String,
    focus_area: String,
    cadence: String,
    from: NaiveDate,
    to: Option<NaiveDate>,
    convener: Option<Uuid>,
}

impl NewGroupForm {
    /// The group typed, or what is wrong with it. `appointers` are the
    /// groups that may appoint it.
    fn parse(&self, appointers: &[Choice]) -> Result<NewGroup, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = forms::required_line(&mut e, "name", &self.name, "gruppens namn", 200);
        let task = forms::required_text(&mut e, "task", &self.task, "gruppens uppdrag", 4000);
        let appointed_by = forms::required_id(
            &mut e,
            "appointed_by_group_id",
            &self.appointed_by_group_id,
            "Välj vilken grupp som tillsatte arbetsgruppen.",
        );
        let decision = forms::required_line(
            &mut e,
            "decision_reference",
            &self.decision_reference,
            "beslutet (till exempel paragraf och datum)",
            200,
        );
        let focus_area =
            forms::optional_line(&mut e, "focus_area", &self.focus_area, "fokusområdet", 300);
        let cadence = forms::optional_line(
            &mut e,
            "cadence_text",
            &self.cadence_text,
            "mötesrytmen",
            500,
        );
        let from = forms::required_date(&mut e, "active_from", &self.active_from);
        let to = forms::optional_date(&mut e, "active_to", &self.active_to);
        let convener =
            forms::optional_id(&mut e, "convener_position_id", &self.convener_position_id);
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            e.add("active_to", "Slutdatumet kan inte vara före startdatumet.");
        }
        if let Some(a) = appointed_by
            && !appointers.iter().any(|c| c.id == a)
        {
            e.add(
                "appointed_by_group_id",
                "Välj en av kommunens beredningsgrupper.",
            );
        }
        let (Some(from), Some(appointed_by), true) = (from, appointed_by, e.is_empty()) else {
            return Err(e);
        };
        Ok(NewGroup {
            name,
            task,
            appointed_by,
            decision,
            focus_area,
            cadence,
            from,
            to,
            convener,
        })
    }
}

async fn insert_group(
    tx: &mut PgConnection,
    m: MunicipalityId,
    id: Uuid,
    g: &NewGroup,
) -> sqlx::Result<PgQueryResult> {
    sqlx::query!(
        r#"insert into work_group (id, municipality_id, tier, name, task, appointed_by_group_id,
                                   decision_reference, focus_area, cadence_text, active_from, active_to)
           values ($1, $2, 'temporary', $3, $4, $5, $6, $7, $8, $9, $10)"#,
        id, m.get(), g.name, g.task, g.appointed_by, g.decision, g.focus_area, g.cadence, g.from, g.to
    )
    .execute(tx)
    .await
}

/// Makes the position the new group's convener; one of another
/// municipality is refused.
async fn add_convener(
    tx: &mut PgConnection,
    m: MunicipalityId,
    id: Uuid,
    position_id: Uuid,
) -> AppResult<()> {
    let added = sqlx::query!(
        r#"insert into membership (id, municipality_id, work_group_id, position_id, role)
               select $1, $2, $3, p.id, 'convener' from position p where p.id = $4 and p.municipality_id = $2"#,
        Uuid::now_v7(), m.get(), id, position_id
    )
    .execute(tx)
    .await?;
    if added.rows_affected() == 0 {
        return Err(AppError::BadRequest);
    }
    Ok(())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EditForm {
    pub name: String,
    pub task: String,
    pub decision_reference: String,
    pub focus_area: String,
    pub cadence_text: String,
    /// The one-time form token (`chrome.form_token`).
    pub form_token: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MemberForm {
    pub position_id: String,
    pub role: String,
    /// The one-time form token (`chrome.form_token`).
    pub form_token: String,
}

#[derive(Deserialize, Default)]
pub struct DissolveForm {
    #[serde(default)]
    pub active_to: String,
    #[serde(default)]
    pub reason: String,
    /// The one-time form token (`chrome.form_token`).
    #[serde(default)]
    pub form_token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/group.html")]
pub struct GroupAdminPage {
    chrome: Chrome,
    group: Group,
    members: Vec<Member>,
    positions: Vec<Choice>,
    roles: [Role; 3],
    edit: EditForm,
    member: MemberForm,
    dissolve: DissolveForm,
    errors: FieldErrors,
    today: chrono::NaiveDate,
}

/// The forms of the group page, with whatever the user typed.
#[derive(Default)]
struct GroupForms {
    edit: Option<EditForm>,
    member: MemberForm,
    dissolve: Option<DissolveForm>,
}

impl GroupForms {
    fn edit(form: EditForm) -> Self {
        GroupForms {
            edit: Some(form),
            ..Default::default()
        }
    }

    fn member(form: MemberForm) -> Self {
        GroupForms {
            member: form,
            ..Default::default()
        }
    }
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    forms: GroupForms,
    errors: FieldErrors,
) -> AppResult<GroupAdminPage> {
    let m = user.tenant();
    let day = today();
    let group = db::group(&state.db, m, id).await?;
    let edit = forms.edit.unwrap_or_else(|| EditForm {
        name: group.name.clone(),
        task: group.task.clone(),
        decision_reference: group.decision_reference.clone(),
        focus_area: group.focus_area.clone(),
        cadence_text: group.cadence_text.clone(),
        ..EditForm::default()
    });
    let dissolve = forms.dissolve.unwrap_or_else(|| DissolveForm {
        active_to: day.to_string(),
        ..DissolveForm::default()
    });
    Ok(GroupAdminPage {
        chrome: user.chrome("admin").await,
        members: db::members(&state.db, m, id, day).await?,
        positions: position_choices(&state.db, m).await?,
        roles: Role::ALL,
        group,
        edit,
        member: forms.member,
        dissolve,
        errors,
        today: day,
    })
}

async fn invalid(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    forms: GroupForms,
    errors: FieldErrors,
) -> AppResult<Response> {
    let page = show_page(state, user, id, forms, errors).await?;
    unprocessable(page)
}

pub async fn show(
    State(state): State<AppState>,
    Admin(user): Admin,
    IdPath(id): IdPath,
) -> AppResult<GroupAdminPage> {
    show_page(
        &state,
        &user,
        id,
        GroupForms::default(),
        FieldErrors::default(),
    )
    .await
}

/// Edits a group's name, task, decision, focus area and cadence text.
pub async fn update(
    State(state): State<AppState>,
    Admin(user): Admin,
    IdPath(id): IdPath,
    Form(form): Form<EditForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let before = db::group(&state.db, m, id).await?;
    let mut e = FieldErrors::default();
    let name = forms::required_line(&mut e, "name", &form.name, "gruppens namn", 200);
    let task = forms::required_text(&mut e, "task", &form.task, "gruppens uppdrag", 4000);
    let decision = forms::optional_line(
        &mut e,
        "decision_reference",
        &form.decision_reference,
        "beslutet",
        200,
    );
    let focus = forms::optional_line(&mut e, "focus_area", &form.focus_area, "fokusområdet", 300);
    let cadence = forms::optional_line(
        &mut e,
        "cadence_text",
        &form.cadence_text,
        "mötesrytmen",
        500,
    );
    if !e.is_empty() {
        return invalid(&state, &user, id, GroupForms::edit(form), e).await;
    }
    let back = format!("/admin/grupper/{id}");
    let mut change = Change::once(&state, &user, &form.form_token, &back).await?;
    let updated = sqlx::query!(
        r#"update work_group set name = $3, task = $4, decision_reference = $5, focus_area = $6, cadence_text = $7
           where id = $1 and municipality_id = $2"#,
        id, m.get(), name, task, decision, focus, cadence
    )
    .execute(change.tx())
    .await
    .on_constraint(&mut e, &[NAME_TAKEN])?;
    if updated.is_none() {
        change.rollback().await?;
        return invalid(&state, &user, id, GroupForms::edit(form), e).await;
    }
    let event = Event::new(
        "ändrade",
        "grupp",
        format!("Ändrade uppgifterna för {name}"),
    )
    .on(id)
    .before(json!({
        "namn": before.name, "uppdrag": before.task, "beslut": before.decision_reference,
        "fokusområde": before.focus_area, "mötesrytm": before.cadence_text,
    }))
    .after(json!({
        "namn": name, "uppdrag": task, "beslut": decision, "fokusområde": focus,
        "mötesrytm": cadence,
    }));
    change
        .done(event, "Gruppens uppgifter är sparade.", &back)
        .await
}

/// Adds a position to the group with a role.
pub async fn add_member(
    State(state): State<AppState>,
    Admin(user): Admin,
    IdPath(id): IdPath,
    Form(form): Form<MemberForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let group = db::group(&state.db, m, id).await?;
    let (position_id, role) = match form.parse() {
        Ok(member) => member,
        Err(e) => return invalid(&state, &user, id, GroupForms::member(form), e).await,
    };
    let mut e = FieldErrors::default();
    let back = format!("/admin/grupper/{id}");
    let mut change = Change::once(&state, &user, &form.form_token, &back).await?;
    let title = sqlx::query_scalar!(
        "select title from position where id = $1 and municipality_id = $2",
        position_id,
        m.get()
    )
    .fetch_optional(change.tx())
    .await?;
    let Some(title) = title else {
        e.add("position_id", "Välj en av kommunens befattningar.");
        return invalid(&state, &user, id, GroupForms::member(form), e).await;
    };
    let inserted = insert_member(change.tx(), m, id, (position_id, role), &title, &mut e).await?;
    if inserted.is_none() {
        change.rollback().await?;
        let forms = GroupForms::member(form);
        return invalid(&state, &user, id, forms, e).await;
    }
    change
        .done(
            Event::new(
                "lade till medlem",
                "grupp",
                format!("{title} ({}) i {}", role.label().to_lowercase(), group.name),
            )
            .on(id)
            .after(json!({ "befattning": title, "roll": role.label() })),
            format!("{title} är med i {}.", group.name),
            &format!("/admin/grupper/{id}"),
        )
        .await
}

impl MemberForm {
    /// The position and its role in the group, or what is missing.
    fn parse(&self) -> Result<(Uuid, Role), FieldErrors> {
        let mut e = FieldErrors::default();
        let position_id = forms::required_id(
            &mut e,
            "position_id",
            &self.position_id,
            "Välj en befattning.",
        );
        let role = self.role.parse::<Role>().ok();
        if role.is_none() {
            e.add("role", "Välj en roll i gruppen.");
        }
        match (position_id, role) {
            (Some(position_id), Some(role)) => Ok((position_id, role)),
            _ => Err(e),
        }
    }
}

/// Adds the position (`title`) to the group with its role; `None`, with
/// the error, when it is there already or the group has a convener.
async fn insert_member(
    tx: &mut PgConnection,
    m: MunicipalityId,
    id: Uuid,
    (position_id, role): (Uuid, Role),
    title: &str,
    e: &mut FieldErrors,
) -> AppResult<Option<PgQueryResult>> {
    let membership_id = Uuid::now_v7();
    sqlx::query!(
        "insert into membership (id, municipality_id, work_group_id, position_id, role) values ($1, $2, $3, $4, $5)",
        membership_id, m.get(), id, position_id, role.as_str()
    )
    .execute(tx)
    .await
    .on_constraint(
        e,
        &[
            ("membership_key", "position_id", &format!("{title} är redan med i gruppen.")),
            (
                "membership_one_convener",
                "role",
                "Gruppen har redan en sammankallande. Ta bort den först, eller välj en annan roll.",
            ),
        ],
    )
}

/// Removes a position from the group.
pub async fn remove_member(
    State(state): State<AppState>,
    Admin(user): Admin,
    IdPair(id, membership_id): IdPair,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let group = db::group(&state.db, m, id).await?;
    let back = format!("/admin/grupper/{id}");
    let mut change = Change::once(&state, &user, &form.form_token, &back).await?;
    let removed = sqlx::query!(
        r#"delete from membership ms using position p
           where ms.id = $1 and ms.work_group_id = $2 and ms.municipality_id = $3 and p.id = ms.position_id
           returning p.title, ms.role as "role: Role""#,
        membership_id, id, m.get()
    )
    .fetch_optional(change.tx())
    .await?
    .ok_or(AppError::NotFound)?;
    // The position's holder no longer sits in the group: the group's feed
    // address they may have stops working.
    db::retire_group_feeds(change.tx(), &[id]).await?;
    let role = removed.role.label();
    change
        .record(
            Event::new(
                "tog bort medlem",
                "grupp",
                format!(
                    "{} ({}) ur {}",
                    removed.title,
                    role.to_lowercase(),
                    group.name
                ),
            )
            .on(id)
            .before(json!({ "befattning": removed.title, "roll": role })),
        )
        .await?;
    change
        .finish(
            format!("{} är inte längre med i {}.", removed.title, group.name),
            &back,
        )
        .await
}

/// Dissolves a temporary working group from a date, with a reason.
#[tracing::instrument(skip_all, fields(person.id = %user.id(), group.id = %id))]
pub async fn dissolve(
    State(state): State<AppState>,
    Admin(user): Admin,
    IdPath(id): IdPath,
    Form(form): Form<DissolveForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let group = db::group(&state.db, m, id).await?;
    let back = format!("/grupper/{id}");
    // The token is claimed first: a repeat is told it was sent, not that
    // the group is dissolved already.
    let mut change = Change::once(&state, &user, &form.form_token, &back).await?;
    let (to, reason) = match form.parse(&group) {
        Ok(dissolved) => dissolved,
        Err(e) => {
            change.rollback().await?;
            let forms = GroupForms {
                dissolve: Some(form),
                ..Default::default()
            };
            return invalid(&state, &user, id, forms, e).await;
        }
    };
    sqlx::query!(
        "update work_group set active_to = $3, dissolved_reason = $4 where id = $1 and municipality_id = $2",
        id, m.get(), to, reason
    )
    .execute(change.tx())
    .await?;
    change
        .done(
            Event::new(
                "upplöste",
                "arbetsgrupp",
                format!("Upplöste {} från och med {to}: {reason}", group.name),
            )
            .on(id)
            .before(json!({ "aktiv till": group.active_to }))
            .after(json!({ "aktiv till": to, "skäl": reason })),
            format!("{} är upplöst. Den sista dagen är {to}.", group.name),
            &back,
        )
        .await
}

impl DissolveForm {
    /// The group's last day and the reason, or why it cannot be dissolved.
    fn parse(&self, group: &Group) -> Result<(NaiveDate, String), FieldErrors> {
        let mut e = FieldErrors::default();
        let to = forms::required_date(&mut e, "active_to", &self.active_to);
        let reason = forms::required_text(
            &mut e,
            "reason",
            &self.reason,
            "varför gruppen upplöses",
            1000,
        );
        if group.tier != Tier::Temporary {
            e.add(
                "active_to",
                "Bara temporära arbetsgrupper kan upplösas här.",
            );
        } else if !group.dissolved_reason.is_empty() {
            e.add_to_page("Gruppen är redan upplöst.");
        }
        if to.is_some_and(|to| to < group.active_from) {
            e.add(
                "active_to",
                format!(
                    "Gruppen tillsattes {}; den kan inte upplösas före dess.",
                    group.active_from
                ),
            );
        }
        match (to, e.is_empty()) {
            (Some(to), true) => Ok((to, reason)),
            _ => Err(e),
        }
    }
}
