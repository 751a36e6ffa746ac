//! `/drift/ny-kommun`: a municipality created from a structure template,
//! a built-in one or an uploaded `samordna-mall` file
//! ([`crate::templates::create_municipality`]). A taken name or slug, or a
//! template that does not pass its checks, is shown next to its field and
//! nothing is stored.

use std::collections::HashMap;

use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::Operator;
use super::db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::templates::{NewMunicipality, Template, builtin, create_municipality, parse};
use crate::web::forms::{FieldErrors, unprocessable};
use crate::web::idempotency::{ALREADY_SENT, first_submission};
use crate::web::layout::{Chrome, set_flash};
use crate::web::upload::{Upload, read_form};

/// The choice of a file instead of a built-in template.
const FROM_FILE: &str = "fil";

/// A built-in template as the form offers it.
pub struct Choice {
    pub key: &'static str,
    pub title: &'static str,
    pub description: &'static str,
}

/// The form as sent (the file is not shown again).
#[derive(Default)]
pub struct CreateForm {
    pub name: String,
    pub slug: String,
    pub code: String,
    pub template: String,
}

impl CreateForm {
    fn from_fields(fields: &HashMap<String, String>) -> Self {
        let field = |name: &str| fields.get(name).map(|v| v.trim().to_owned());
        Self {
            name: field("name").unwrap_or_default(),
            slug: field("slug").unwrap_or_default().to_lowercase(),
            code: field("code").unwrap_or_default(),
            template: field("template").unwrap_or_default(),
        }
    }

    fn is(&self, key: &str) -> bool {
        self.template == key
    }
}

#[derive(askama::Template, WebTemplate)]
#[template(path = "operator/create.html")]
pub struct CreatePage {
    chrome: Chrome,
    choices: Vec<Choice>,
    from_file: &'static str,
    form: CreateForm,
    errors: FieldErrors,
}

async fn page(
    state: &AppState,
    op: &Operator,
    form: CreateForm,
    errors: FieldErrors,
) -> AppResult<CreatePage> {
    Ok(CreatePage {
        chrome: op.person.chrome(state, "drift").await?,
        choices: builtin()
            .into_iter()
            .map(|b| Choice {
                key: b.key,
                title: b.title,
                description: b.description,
            })
            .collect(),
        from_file: FROM_FILE,
        form,
        errors,
    })
}

/// GET /drift/ny-kommun
pub async fn create_page(State(state): State<AppState>, op: Operator) -> AppResult<CreatePage> {
    page(&state, &op, CreateForm::default(), FieldErrors::default()).await
}

/// The template chosen: a built-in one by its key, or the uploaded file.
fn chosen(form: &CreateForm, upload: Option<Upload>, errors: &mut FieldErrors) -> Option<Template> {
    if form.template == FROM_FILE {
        let Some(upload) = upload else {
            errors.add("template_file", "Välj en mallfil (JSON) att ladda upp.");
            return None;
        };
        let Ok(text) = String::from_utf8(upload.bytes) else {
            errors.add("template_file", "Filen är inte en textfil (UTF-8).");
            return None;
        };
        return parse(&text)
            .map_err(|reasons| errors.add("template_file", reasons.join(" ")))
            .ok();
    }
    let found = builtin().into_iter().find(|b| b.key == form.template);
    if found.is_none() {
        errors.add("template", "Välj en mall.");
    }
    found.map(|b| b.template)
}

/// POST /drift/ny-kommun
#[tracing::instrument(skip_all, fields(operator.id = %op.id()))]
pub async fn create(
    State(state): State<AppState>,
    op: Operator,
    multipart: Multipart,
) -> AppResult<Response> {
    let (fields, upload) = read_form(multipart).await?;
    let form = CreateForm::from_fields(&fields);
    let mut errors = FieldErrors::default();
    let new = NewMunicipality {
        name: form.name.clone(),
        slug: form.slug.clone(),
        code: Some(form.code.clone()).filter(|c| !c.is_empty()),
    };
    let Some(template) = chosen(&form, upload, &mut errors) else {
        for (field, message) in crate::templates::db::check_new(&new).all() {
            errors.add(field, message);
        }
        return refused(&state, &op, form, errors).await;
    };
    let mut tx = state.db.begin().await?;
    let token = fields.get("form_token").map_or("", String::as_str);
    if !first_submission(&mut tx, token, op.id()).await? {
        set_flash(&op.person.flash, ALREADY_SENT).await?;
        return Ok(Redirect::to("/drift").into_response());
    }
    let m = match create_municipality(&mut tx, &new, &template).await {
        Ok(m) => m.get(),
        Err(AppError::Validation(found)) => {
            tx.rollback().await?;
            return refused(&state, &op, form, found).await;
        }
        Err(other) => return Err(other),
    };
    let summary = format!("skapade {} från mallen \"{}\"", new.name, template.name);
    db::record(&mut tx, op.id(), (m, &new.name), "skapade", &summary).await?;
    tx.commit().await?;
    let flash = format!("{} är skapad. Bjud in samordnaren.", new.name);
    set_flash(&op.person.flash, flash).await?;
    Ok(Redirect::to(&format!("/drift/kommuner/{m}")).into_response())
}

async fn refused(
    state: &AppState,
    op: &Operator,
    form: CreateForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let page = page(state, op, form, errors).await?;
    unprocessable(page)
}

#[cfg(test)]
mod tests {
    use askama::Template as _;

    use super::*;

    #[test]
    fn the_page_renders_with_every_built_in_template() {
        let page = CreatePage {
            chrome: Chrome::anonymous(),
            choices: vec![Choice {
                key: "bra",
                title: "Brå",
                description: "d",
            }],
            from_file: FROM_FILE,
            form: CreateForm::default(),
            errors: FieldErrors::default(),
        };
        assert!(
            page.render()
                .is_ok_and(|html| html.contains("value=\"bra\""))
        );
    }
}
