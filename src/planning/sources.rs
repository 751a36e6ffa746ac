//! Kartläggning sources beyond EST: safety surveys, police statistics,
//! dialogues with business and associations, with an optional attachment.

use axum::extract::{Multipart, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use uuid::Uuid;

use super::PlanningAccess;
use super::PlanningEditor;
use super::model::{SourceForm, SourceKind};
use super::overview::invalid;
use crate::agreements::model::MAX_DOCUMENT_BYTES;
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::change::Change;
use crate::web::extract::CurrentUser;
use crate::web::forms::{self, FieldErrors};
use crate::web::path::Params;
use crate::web::upload::{Upload, read_form};

/// `POST /planering/kallor` (multipart, with an optional attachment).
pub async fn create(
    State(state): State<AppState>,
    PlanningEditor(user): PlanningEditor,
    multipart: Multipart,
) -> AppResult<Response> {
    let m = user.tenant();
    let (fields, upload) = read_form(multipart).await?;
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let form = SourceForm {
        source_kind: get("source_kind"),
        source_title: get("source_title"),
        source: get("source"),
        on_date: get("source_date"),
        summary: get("summary"),
    };
    let mut e = FieldErrors::default();
    let kind = form.source_kind.parse::<SourceKind>().ok();
    if kind.is_none() {
        e.add("source_kind", "Välj vilken sorts källa det är.");
    }
    let title = forms::required_line(&mut e, "source_title", &form.source_title, "rubriken", 300);
    let source = forms::optional_line(&mut e, "source", &form.source, "källan", 300);
    let on = forms::required_date(&mut e, "source_date", &form.on_date);
    let summary =
        forms::required_text(&mut e, "summary", &form.summary, "en sammanfattning", 10000);
    check_attachment(&mut e, upload.as_ref());
    let (Some(kind), Some(on), true) = (kind, on, e.is_empty()) else {
        return invalid(&state, &user, form, e).await;
    };
    let id = Uuid::now_v7();
    let mut change = Change::once(&state, &user, &get("form_token"), "/planering#kallor").await?;
    sqlx::query!(
        r#"insert into kartlaggning_source (id, municipality_id, kind, title, source, on_date, summary, document, document_name, created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"#,
        id, m.get(), kind.as_str(), title, source, on, summary,
        upload.as_ref().map(|u| u.bytes.clone()), upload.as_ref().map(|u| u.name.clone()), user.id()
    )
    .execute(change.tx())
    .await?;
    change
        .done(
            Event::new("registrerade", "kartläggningskälla", title)
                .on(id)
                .after(
                    json!({ "typ": kind, "datum": on, "bilaga": upload.as_ref().map(|u| &u.name) }),
                ),
            "Källan är registrerad.",
            "/planering#kallor",
        )
        .await
}

/// An attachment is at most 10 MB, and one that looks like a PDF passes
/// [`crate::agreements::pdf::inspect`].
fn check_attachment(e: &mut FieldErrors, upload: Option<&Upload>) {
    let Some(u) = upload else {
        return;
    };
    if u.bytes.len() > MAX_DOCUMENT_BYTES {
        e.add("attachment", "Bilagan är större än 10 MB.");
    } else if looks_like_pdf(&u.name, &u.bytes)
        && let Err(problem) = crate::agreements::pdf::inspect(&u.bytes)
    {
        e.add("attachment", problem.message());
    }
}

/// Whether an attachment is (or claims to be) a PDF: readers accept the
/// `%PDF-` header anywhere in the first kilobyte, so look there and at the name.
fn looks_like_pdf(name: &str, bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    name.trim().to_lowercase().ends_with(".pdf") || head.windows(5).any(|w| w == b"%PDF-")
}

/// `GET /planering/kallor/{id}/dokument`: the attachment, as a download.
pub async fn document(
    State(state): State<AppState>,
    user: CurrentUser,
    Params(id): Params<Uuid>,
) -> AppResult<Response> {
    PlanningAccess::load(&state.db, &user).await?;
    let row = sqlx::query!(
        "select document, document_name from kartlaggning_source where id = $1 and municipality_id = $2",
        id,
        user.tenant().get()
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    let bytes = row.document.ok_or(AppError::NotFound)?;
    let name: String = row
        .document_name
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || ".-_".contains(*c))
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                crate::web::upload::DOCUMENT_CSP.to_owned(),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"",
                    if name.is_empty() { "bilaga" } else { &name }
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
