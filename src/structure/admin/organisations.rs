//! `/admin/organisationer`: departments, companies, the police, associations.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::audit::Event;
use crate::error::{AppResult, OnConstraint};
use crate::state::AppState;
use crate::structure::model::OrgKind;
use crate::web::change::Change;
use crate::web::extract::{Admin, CurrentUser};
use crate::web::forms::{self, FieldErrors, Form, unprocessable};
use crate::web::layout::Chrome;

/// An organisation in the list.
pub struct OrganisationRow {
    pub name: String,
    pub kind: OrgKind,
    pub external: bool,
    pub positions: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OrganisationForm {
    pub name: String,
    pub kind: String,
    pub external: Option<String>,
    /// The one-time form token (`chrome.form_token`).
    pub form_token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/organisations.html")]
pub struct OrganisationsPage {
    chrome: Chrome,
    organisations: Vec<OrganisationRow>,
    kinds: [OrgKind; 7],
    form: OrganisationForm,
    errors: FieldErrors,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    form: OrganisationForm,
    errors: FieldErrors,
) -> AppResult<OrganisationsPage> {
    let organisations = sqlx::query_as!(
        OrganisationRow,
        r#"select o.name, o.kind as "kind: OrgKind", o.external,
                  (select count(*) from position p where p.organisation_id = o.id) as "positions!"
           from organisation o where o.municipality_id = $1 order by o.name"#,
        user.tenant().get()
    )
    .fetch_all(&state.db)
    .await?;
    Ok(OrganisationsPage {
        chrome: user.chrome("admin").await,
        organisations,
        kinds: OrgKind::ALL,
        form,
        errors,
    })
}

pub async fn list(
    State(state): State<AppState>,
    Admin(user): Admin,
) -> AppResult<OrganisationsPage> {
    page(
        &state,
        &user,
        OrganisationForm::default(),
        FieldErrors::default(),
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    Admin(user): Admin,
    Form(form): Form<OrganisationForm>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let name = forms::required_line(&mut errors, "name", &form.name, "namnet", 200);
    let kind = form.kind.parse::<OrgKind>().ok();
    if kind.is_none() {
        errors.add("kind", "Välj vilken sorts organisation det är.");
    }
    let external = form.external.is_some();
    if let (true, Some(kind)) = (errors.is_empty(), kind) {
        let id = Uuid::now_v7();
        let mut change =
            Change::once(&state, &user, &form.form_token, "/admin/organisationer").await?;
        let inserted = sqlx::query!(
            r#"insert into organisation (id, municipality_id, name, kind, external)
               values ($1, $2, $3, $4, $5)"#,
            id,
            user.tenant().get(),
            name,
            kind.as_str(),
            external
        )
        .execute(change.tx())
        .await
        .on_constraint(
            &mut errors,
            &[(
                "organisation_name_key",
                "name",
                "Det finns redan en organisation med det namnet.",
            )],
        )?;
        if inserted.is_some() {
            return change
                .done(
                    Event::new(
                        "skapade",
                        "organisation",
                        format!("Skapade organisationen {name}"),
                    )
                    .on(id)
                    .after(json!({ "namn": name, "typ": kind.label(), "extern": external })),
                    format!("Organisationen {name} är skapad."),
                    "/admin/organisationer",
                )
                .await;
        }
    }
    let page = page(&state, &user, form, errors).await?;
    unprocessable(page)
}
