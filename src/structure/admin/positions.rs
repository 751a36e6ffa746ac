//! `/admin/befattningar`: positions (offices) and who holds them when.
//! Memberships belong to positions, so handing a position to a new holder
//! moves every group seat with it.

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
use crate::error::{AppError, AppResult, OnConstraint};
use crate::state::AppState;
use crate::structure::db;
use crate::structure::model::Role;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::choice::{Choice, organisation_choices, person_choices, position_choices};
use crate::web::extract::{Admin, CurrentUser};
use crate::web::forms::{self, FieldErrors, Form, unprocessable};
use crate::web::layout::Chrome;
use crate::web::path::IdPath;
use crate::web::today;

/// A position in the list.
pub struct PositionRow {
    pub id: Uuid,
    pub title: String,
    pub organisation: Option<String>,
    pub holder: Option<String>,
    pub substitute: Option<String>,
    pub grants_admin: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PositionForm {
    pub title: String,
    pub organisation_id: String,
    pub substitute_position_id: String,
    pub grants_admin: Option<String>,
    /// The one-time form token (`chrome.form_token`).
    pub form_token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/positions.html")]
pub struct PositionsPage {
    chrome: Chrome,
    positions: Vec<PositionRow>,
    organisations: Vec<Choice>,
    substitutes: Vec<Choice>,
    form: PositionForm,
    errors: FieldErrors,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    form: PositionForm,
    errors: FieldErrors,
) -> AppResult<PositionsPage> {
    let m = user.tenant();
    let positions = sqlx::query_as!(
        PositionRow,
        r#"select p.id, p.title, o.name as "organisation?", hn.name as "holder?",
                  s.title as "substitute?", p.grants_admin
           from position p
           left join organisation o on o.id = p.organisation_id
           left join position s on s.id = p.substitute_position_id
           left join holders_on($1, $2) hn on hn.position_id = p.id
           where p.municipality_id = $1 order by p.title"#,
        m.get(),
        today()
    )
    .fetch_all(&state.db)
    .await?;
    Ok(PositionsPage {
        chrome: user.chrome("admin").await,
        positions,
        organisations: organisation_choices(&state.db, m).await?,
        substitutes: position_choices(&state.db, m).await?,
        form,
        errors,
    })
}

pub async fn list(State(state): State<AppState>, Admin(user): Admin) -> AppResult<PositionsPage> {
    list_page(
        &state,
        &user,
        PositionForm::default(),
        FieldErrors::default(),
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    Admin(user): Admin,
    Form(form): Form<PositionForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let mut errors = FieldErrors::default();
    let title = forms::required_line(
        &mut errors,
        "title",
        &form.title,
        "befattningens benämning",
        200,
    );
    let organisation_id = forms::optional_id(&mut errors, "organisation_id", &form.organisation_id);
    let substitute_id = forms::optional_id(
        &mut errors,
        "substitute_position_id",
        &form.substitute_position_id,
    );
    let grants_admin = form.grants_admin.is_some();
    if errors.is_empty() {
        let id = Uuid::now_v7();
        let mut change =
            Change::once(&state, &user, &form.form_token, "/admin/befattningar").await?;
        let new = NewPosition {
            title: &title,
            organisation_id,
            substitute_id,
            grants_admin,
        };
        let inserted = insert_position(change.tx(), m, id, &new, &mut errors).await?;
        if inserted.is_some() {
            return change
                .done(
                    Event::new(
                        "skapade",
                        "befattning",
                        format!("Skapade befattningen {title}"),
                    )
                    .on(id)
                    .after(json!({ "benämning": title, "administratör": grants_admin })),
                    format!("Befattningen {title} är skapad."),
                    &format!("/admin/befattningar/{id}"),
                )
                .await;
        }
    }
    let page = list_page(&state, &user, form, errors).await?;
    unprocessable(page)
}

/// A new position, as checked.
struct NewPosition<'a> {
    title: &'a str,
    organisation_id: Option<Uuid>,
    substitute_id: Option<Uuid>,
    grants_admin: bool,
}

/// Stores the position; `None`, with the error, when its title is taken
/// or it names an organisation or substitute of another municipality.
async fn insert_position(
    tx: &mut PgConnection,
    m: MunicipalityId,
    id: Uuid,
    p: &NewPosition<'_>,
    errors: &mut FieldErrors,
) -> AppResult<Option<PgQueryResult>> {
    sqlx::query!(
        r#"insert into position
                 (id, municipality_id, title, organisation_id, substitute_position_id, grants_admin)
               values ($1, $2, $3, $4, $5, $6)"#,
        id,
        m.get(),
        p.title,
        p.organisation_id,
        p.substitute_id,
        p.grants_admin
    )
    .execute(tx)
    .await
    .on_constraint(
        errors,
        &[
            (
                "position_title_key",
                "title",
                "Det finns redan en befattning med den benämningen.",
            ),
            (
                "position_organisation_fkey",
                "organisation_id",
                "Välj en av kommunens organisationer.",
            ),
            (
                "position_substitute_fkey",
                "substitute_position_id",
                "Välj en av kommunens befattningar.",
            ),
        ],
    )
}

/// One holding of a position.
pub struct Holding {
    pub id: Uuid,
    pub person: String,
    pub held_from: NaiveDate,
    pub held_to: Option<NaiveDate>,
}

/// The position being shown.
pub struct PositionDetail {
    pub id: Uuid,
    pub title: String,
    pub organisation: Option<String>,
    pub substitute: Option<String>,
    pub grants_admin: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HandOverForm {
    pub person_id: String,
    pub held_from: String,
    /// The one-time form token (`chrome.form_token`).
    pub form_token: String,
}

impl HandOverForm {
    /// A new holder from today, as most hand-overs are: the date is there
    /// to change, not to type.
    fn from_today() -> Self {
        Self {
            held_from: crate::web::today().to_string(),
            ..Self::default()
        }
    }
}

#[derive(Deserialize, Default)]
pub struct EndForm {
    #[serde(default)]
    pub held_to: String,
    /// The one-time form token (`chrome.form_token`).
    #[serde(default)]
    pub form_token: String,
}

/// Group seats of the position.
pub struct Seat {
    pub group_id: Uuid,
    pub group: String,
    pub role: Role,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/position.html")]
pub struct PositionPage {
    chrome: Chrome,
    position: PositionDetail,
    holdings: Vec<Holding>,
    seats: Vec<Seat>,
    people: Vec<Choice>,
    current: Option<Uuid>,
    hand_over: HandOverForm,
    end: EndForm,
    errors: FieldErrors,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    hand_over: HandOverForm,
    end: EndForm,
    errors: FieldErrors,
) -> AppResult<PositionPage> {
    let m = user.tenant();
    let day = today();
    let position = sqlx::query_as!(
        PositionDetail,
        r#"select p.id, p.title, o.name as "organisation?", s.title as "substitute?", p.grants_admin
           from position p
           left join organisation o on o.id = p.organisation_id
           left join position s on s.id = p.substitute_position_id
           where p.id = $1 and p.municipality_id = $2"#,
        id,
        m.get()
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    let holdings = sqlx::query_as!(
        Holding,
        r#"select h.id, pe.name as person, h.held_from, h.held_to
           from position_holder h join person pe on pe.id = h.person_id
           where h.position_id = $1 and h.municipality_id = $2
           order by h.held_from desc"#,
        id,
        m.get()
    )
    .fetch_all(&state.db)
    .await?;
    let current = holdings
        .iter()
        .find(|h| h.held_from <= day && h.held_to.is_none_or(|to| to >= day))
        .map(|h| h.id);
    let seats = sqlx::query_as!(
        Seat,
        r#"select g.id as group_id, g.name as group, ms.role as "role: Role" from membership ms join work_group g on g.id = ms.work_group_id
           where ms.position_id = $1 and ms.municipality_id = $2 order by g.name"#,
        id,
        m.get()
    )
    .fetch_all(&state.db)
    .await?;
    Ok(PositionPage {
        chrome: user.chrome("admin").await,
        position,
        holdings,
        seats,
        people: person_choices(&state.db, m).await?,
        current,
        hand_over,
        end,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    Admin(user): Admin,
    IdPath(id): IdPath,
) -> AppResult<PositionPage> {
    show_page(
        &state,
        &user,
        id,
        HandOverForm::from_today(),
        EndForm::default(),
        FieldErrors::default(),
    )
    .await
}

/// The new holder's name when the hand-over can be made: the person is the
/// municipality's, nobody holds the position from a later date, and the
/// current holder is someone else.
fn check_hand_over(
    person: Option<String>,
    previous: &[db::Holding],
    person_id: Uuid,
    from: NaiveDate,
    errors: &mut FieldErrors,
) -> Option<String> {
    match (person, previous) {
        (None, _) => errors.add("person_id", "Välj en person ur kommunens personlista."),
        (Some(_), [.., later]) if later.held_from >= from => errors.add(
            "held_from",
            format!(
                "{} innehar befattningen från {}. Välj ett senare datum.",
                later.name, later.held_from
            ),
        ),
        (Some(_), [.., current]) if current.person_id == person_id => {
            errors.add(
                "person_id",
                format!("{} innehar redan befattningen.", current.name),
            );
        }
        (Some(name), _) => return Some(name),
    }
    None
}

/// Hands the position to a new holder from a date; the current holding ends
/// the day before.
#[tracing::instrument(skip_all, fields(person.id = %user.id(), position.id = %id))]
pub async fn hand_over(
    State(state): State<AppState>,
    Admin(user): Admin,
    IdPath(id): IdPath,
    Form(form): Form<HandOverForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let mut errors = FieldErrors::default();
    let person_id = forms::required_id(
        &mut errors,
        "person_id",
        &form.person_id,
        "Välj vem som ska inneha befattningen.",
    );
    let from = forms::required_date(&mut errors, "held_from", &form.held_from);
    let back = format!("/admin/befattningar/{id}");
    let mut change = Change::once(&state, &user, &form.form_token, &back).await?;
    let position = db::lock_position_title(change.tx(), m, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let (Some(person_id), Some(from)) = (person_id, from) {
        let person = db::person_name(change.tx(), m, person_id).await?;
        let previous = db::holdings_from(change.tx(), id, from).await?;
        if let Some(name) = check_hand_over(person, &previous, person_id, from, &mut errors) {
            let until = from.pred_opt().unwrap_or(from);
            if let Some(current) = previous.last() {
                db::end_holding(change.tx(), m, current.id, until).await?;
                // The leaving holder's groups get new feed addresses.
                db::retire_feeds_for_position(change.tx(), id).await?;
            }
            db::add_holder(change.tx(), m, id, person_id, from).await?;
            let before = previous
                .last()
                .map(|c| json!({ "innehavare": c.name, "till och med": until }));
            return change
                .done(
                    Event::new(
                        "bytte innehavare",
                        "befattning",
                        format!("{name} innehar {position} från {from}"),
                    )
                    .on(id)
                    .before_maybe(before)
                    .after(json!({ "innehavare": name, "från": from })),
                    format!("{name} innehar nu {position} från {from}."),
                    &format!("/admin/befattningar/{id}"),
                )
                .await;
        }
    }
    change.rollback().await?;
    let page = show_page(&state, &user, id, form, EndForm::default(), errors).await?;
    unprocessable(page)
}

/// Ends the current holding on a date (the position becomes vacant after it).
pub async fn end_holding(
    State(state): State<AppState>,
    Admin(user): Admin,
    IdPath(id): IdPath,
    Form(form): Form<EndForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let mut errors = FieldErrors::default();
    let to = forms::required_date(&mut errors, "held_to", &form.held_to);
    let back = format!("/admin/befattningar/{id}");
    let mut change = Change::once(&state, &user, &form.form_token, &back).await?;
    let current = sqlx::query!(
        r#"select h.id, h.held_from, pe.name, p.title from position_holder h
           join person pe on pe.id = h.person_id join position p on p.id = h.position_id
           where h.position_id = $1 and h.municipality_id = $2 and h.held_to is null
           for update of h"#,
        id,
        m.get()
    )
    .fetch_optional(change.tx())
    .await?;
    match (to, current) {
        (_, None) => errors.add("held_to", "Befattningen har ingen innehavare att avsluta."),
        (Some(to), Some(c)) if to < c.held_from => errors.add(
            "held_to",
            format!(
                "Innehavet började {}; slutdatumet kan inte vara tidigare.",
                c.held_from
            ),
        ),
        (Some(to), Some(c)) => {
            db::end_holding(change.tx(), m, c.id, to).await?;
            db::retire_feeds_for_position(change.tx(), id).await?;
            return change
                .done(
                    Event::new(
                        "avslutade innehav",
                        "befattning",
                        format!("{} innehar {} till och med {to}", c.name, c.title),
                    )
                    .on(id)
                    .before(json!({ "innehavare": c.name, "till och med": null }))
                    .after(json!({ "innehavare": c.name, "till och med": to })),
                    format!("{} innehar {} till och med {to}.", c.name, c.title),
                    &format!("/admin/befattningar/{id}"),
                )
                .await;
        }
        (None, Some(_)) => {}
    }
    change.rollback().await?;
    let page = show_page(&state, &user, id, HandOverForm::from_today(), form, errors).await?;
    unprocessable(page)
}
