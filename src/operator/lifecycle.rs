//! Suspending, exporting and deleting a municipality. A municipality is
//! deleted only after an export that nothing has changed since, and only
//! when the operator types its name.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::PgConnection;
use uuid::Uuid;

use super::Operator;
use super::db;
use super::model::{MunicipalityRow, when};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::forms::{FieldErrors, Form, unprocessable};
use crate::web::layout::{Chrome, set_flash};
use crate::web::path::IdPath;

async fn found(state: &AppState, id: Uuid) -> AppResult<MunicipalityRow> {
    db::municipality(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SuspendForm {
    action: String,
}

/// POST /drift/kommuner/{id}/avstangning: `action` is `suspend` or `resume`.
#[tracing::instrument(skip_all, fields(operator.id = %op.id()))]
pub async fn suspend(
    State(state): State<AppState>,
    op: Operator,
    IdPath(id): IdPath,
    Form(form): Form<SuspendForm>,
) -> AppResult<Response> {
    let m = found(&state, id).await?;
    let (suspended, action, flash) = match form.action.as_str() {
        "suspend" => (true, "stängde av", format!("{} är avstängd.", m.name)),
        "resume" => (false, "öppnade", format!("{} är öppnad igen.", m.name)),
        _ => return Err(AppError::BadRequest),
    };
    let mut tx = state.db.begin().await?;
    db::set_suspended(&mut tx, MunicipalityId::of_row(m.id), suspended).await?;
    if !suspended {
        super::invite::renew_waiting(&mut tx, MunicipalityId::of_row(m.id)).await?;
    }
    let summary = format!("{action} {}", m.name);
    db::record(&mut tx, op.id(), (m.id, &m.name), action, &summary).await?;
    tx.commit().await?;
    set_flash(&op.person.flash, flash).await?;
    Ok(Redirect::to(&format!("/drift/kommuner/{}", m.id)).into_response())
}

/// POST /drift/kommuner/{id}/export: the zip of `samordna exportera`, as a
/// download; the municipality is noted as exported as it stood when the
/// export began.
#[tracing::instrument(skip_all, fields(operator.id = %op.id()))]
pub async fn export(
    State(state): State<AppState>,
    op: Operator,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let m = found(&state, id).await?;
    let started = chrono::Utc::now();
    let zip = crate::archive::export(&state.db, MunicipalityId::of_row(m.id)).await?;
    let mut tx = state.db.begin().await?;
    db::set_exported(&mut tx, MunicipalityId::of_row(m.id), started).await?;
    let summary = format!("exporterade {} ({} kB)", m.name, zip.len() / 1024);
    db::record(&mut tx, op.id(), (m.id, &m.name), "exporterade", &summary).await?;
    tx.commit().await?;
    let file = format!(
        "attachment; filename=\"samordna-{}-{}.zip\"",
        m.slug,
        started.format("%Y%m%d-%H%M")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, file),
        ],
        zip,
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "operator/delete.html")]
pub struct DeletePage {
    chrome: Chrome,
    m: MunicipalityRow,
    confirm_name: String,
    errors: FieldErrors,
}

impl DeletePage {
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        when(at)
    }
}

/// GET /drift/kommuner/{id}/radera
pub async fn delete_page(
    State(state): State<AppState>,
    op: Operator,
    IdPath(id): IdPath,
) -> AppResult<DeletePage> {
    Ok(DeletePage {
        chrome: op.person.chrome(&state, "drift").await?,
        m: found(&state, id).await?,
        confirm_name: String::new(),
        errors: FieldErrors::default(),
    })
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct DeleteForm {
    confirm_name: String,
}

/// POST /drift/kommuner/{id}/radera: deletes every row of the municipality.
#[tracing::instrument(skip_all, fields(operator.id = %op.id()))]
pub async fn delete(
    State(state): State<AppState>,
    op: Operator,
    IdPath(id): IdPath,
    Form(form): Form<DeleteForm>,
) -> AppResult<Response> {
    let m = found(&state, id).await?;
    let mut errors = FieldErrors::default();
    if !m.may_delete() {
        errors.add("confirm_name", not_deletable(&m));
    } else if form.confirm_name.trim() != m.name {
        errors.add(
            "confirm_name",
            format!("Skriv kommunens namn exakt som det står: {}.", m.name),
        );
    }
    if !errors.is_empty() {
        let page = DeletePage {
            chrome: op.person.chrome(&state, "drift").await?,
            m,
            confirm_name: form.confirm_name,
            errors,
        };
        return unprocessable(page);
    }
    let mut tx = state.db.begin().await?;
    let people = people_only_here(&mut tx, MunicipalityId::of_row(m.id)).await?;
    let rows = crate::archive::delete(&state.db, &mut tx, MunicipalityId::of_row(m.id)).await?;
    let (removed, kept) = remove_people(&mut tx, &people).await?;
    let summary = format!(
        "raderade {} ({rows} rader; {removed} personer borttagna, {kept} avaktiverade)",
        m.name
    );
    db::record(&mut tx, op.id(), (m.id, &m.name), "raderade", &summary).await?;
    tx.commit().await?;
    set_flash(&op.person.flash, format!("{} är raderad.", m.name)).await?;
    Ok(Redirect::to("/drift").into_response())
}

/// Why the municipality cannot be deleted yet.
fn not_deletable(m: &MunicipalityRow) -> String {
    match m.exported_at {
        None => "Exportera kommunen innan du raderar den.".to_owned(),
        Some(at) => format!(
            "Kommunen har ändrats efter exporten {}. Exportera den igen innan du raderar den.",
            when(&at)
        ),
    }
}

/// The people of the municipality who work in no other and are not
/// operators.
async fn people_only_here(tx: &mut PgConnection, m: MunicipalityId) -> AppResult<Vec<Uuid>> {
    Ok(sqlx::query_scalar!(
        r#"select pm.person_id from person_municipality pm
           where pm.municipality_id = $1
             and not exists (select 1 from person_municipality o
                             where o.person_id = pm.person_id and o.municipality_id <> $1)
             and not exists (select 1 from operator op where op.person_id = pm.person_id)"#,
        m.get()
    )
    .fetch_all(&mut *tx)
    .await?)
}

/// Removes each person, once the municipality's rows are gone; one still
/// named somewhere else (a row of another municipality) is deactivated
/// instead. Returns (removed, deactivated).
async fn remove_people(tx: &mut PgConnection, people: &[Uuid]) -> AppResult<(usize, usize)> {
    let (mut removed, mut kept) = (0, 0);
    for &person in people {
        let mut attempt = sqlx::Connection::begin(&mut *tx).await?;
        let gone = async {
            sqlx::query!("delete from form_submission where person_id = $1", person)
                .execute(&mut *attempt)
                .await?;
            sqlx::query!("delete from calendar_token where person_id = $1", person)
                .execute(&mut *attempt)
                .await?;
            sqlx::query!("delete from person where id = $1", person)
                .execute(&mut *attempt)
                .await
        }
        .await;
        if gone.is_ok() {
            attempt.commit().await?;
            removed += 1;
        } else {
            attempt.rollback().await?;
            sqlx::query!("update person set active = false where id = $1", person)
                .execute(&mut *tx)
                .await?;
            kept += 1;
        }
    }
    Ok((removed, kept))
}
