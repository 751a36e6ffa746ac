//! `/admin/personer`: the people the municipality knows.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::audit::Event;
use crate::auth::password;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::change::Change;
use crate::web::extract::{Admin, CurrentUser};
use crate::web::forms::{self, FieldErrors, Form, unprocessable};
use crate::web::layout::Chrome;
use crate::web::today;

/// A person in the list.
pub struct PersonRow {
    pub name: String,
    pub email: String,
    pub active: bool,
    pub positions: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PersonForm {
    pub name: String,
    pub email: String,
    pub form_token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/people.html")]
pub struct PeoplePage {
    chrome: Chrome,
    people: Vec<PersonRow>,
    form: PersonForm,
    errors: FieldErrors,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    form: PersonForm,
    errors: FieldErrors,
) -> AppResult<PeoplePage> {
    let people = sqlx::query_as!(
        PersonRow,
        r#"select p.name, p.email, p.active,
                  (select string_agg(po.title, ', ' order by po.title)
                   from position_holder h join position po on po.id = h.position_id
                   where h.person_id = p.id and h.municipality_id = $1
                     and h.held_from <= $2 and (h.held_to is null or h.held_to >= $2)) as positions
           from person p join person_municipality pm on pm.person_id = p.id
           where pm.municipality_id = $1
           order by p.name"#,
        user.tenant().get(),
        today()
    )
    .fetch_all(&state.db)
    .await?;
    Ok(PeoplePage {
        chrome: user.chrome("admin").await,
        people,
        form,
        errors,
    })
}

pub async fn list(State(state): State<AppState>, Admin(user): Admin) -> AppResult<PeoplePage> {
    page(&state, &user, PersonForm::default(), FieldErrors::default()).await
}

/// Adds a person. A new login gets a one-time password shown once to the
/// coordinator; an address already in Samordna links that person instead.
#[tracing::instrument(skip_all, fields(person.id = %user.id()))]
pub async fn create(
    State(state): State<AppState>,
    Admin(user): Admin,
    Form(form): Form<PersonForm>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let name = forms::required_line(&mut errors, "name", &form.name, "namnet", 200);
    let email = forms::email(&mut errors, "email", &form.email);
    if !errors.is_empty() {
        let page = page(&state, &user, form, errors).await?;
        return unprocessable(page);
    }
    let m = user.tenant();
    let mut change = Change::once(&state, &user, &form.form_token, "/admin/personer").await?;
    let existing = sqlx::query_scalar!("select id from person where lower(email) = $1", email)
        .fetch_optional(change.tx())
        .await?;
    let (person_id, message) = match existing {
        Some(id) => (
            id,
            format!("{email} fanns redan i Samordna och finns nu i kommunens personlista."),
        ),
        None => new_login(change.tx(), &state, &name, &email).await?,
    };
    let linked = sqlx::query!(
        r#"insert into person_municipality (municipality_id, person_id) values ($1, $2)
           on conflict do nothing"#,
        m.get(),
        person_id
    )
    .execute(change.tx())
    .await?
    .rows_affected();
    if linked == 0 {
        let mut errors = FieldErrors::default();
        errors.add("email", "Personen finns redan i kommunens personlista.");
        change.rollback().await?;
        let page = page(&state, &user, form, errors).await?;
        return unprocessable(page);
    }
    change
        .done(
            Event::new("lade till", "person", format!("Lade till {name} <{email}>"))
                .on(person_id)
                .after(json!({ "namn": name, "e-post": email })),
            message,
            "/admin/personer",
        )
        .await
}

/// Creates a login for someone new to Samordna, with a one-time password;
/// their id and the flash that shows the password once.
async fn new_login(
    tx: &mut PgConnection,
    state: &AppState,
    name: &str,
    email: &str,
) -> AppResult<(Uuid, String)> {
    let id = Uuid::now_v7();
    let one_time = password::one_time_password();
    let hash = password::hash(one_time.clone()).await?;
    sqlx::query!(
        r#"insert into person (id, name, email, password_hash, must_change_password,
                                       one_time_password_expires_at)
                   values ($1, $2, $3, $4, true, now() + make_interval(days => $5))"#,
        id,
        name,
        email,
        hash,
        state.config.one_time_password_days as i32
    )
    .execute(tx)
    .await?;
    Ok((
        id,
        format!(
            "{name} är tillagd. Engångslösenord: {one_time} – lämna det till personen \
             på ett säkert sätt; det visas bara nu, ska bytas vid första inloggningen och \
             slutar gälla om {}.",
            crate::web::words::count(state.config.one_time_password_days, "dag", "dagar")
        ),
    ))
}
