//! `/drift` (every municipality with its figures and the operator's log)
//! and `/drift/kommuner/{id}` (one municipality: its coordinator's
//! position, invitations, and what the operator can do with it).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde::Deserialize;

use super::Operator;
use super::db::{self, AdminPosition, EventRow, InvitationRow};
use super::model::{MunicipalityRow, when};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::forms::FieldErrors;
use crate::web::layout::Chrome;
use crate::web::path::IdPath;

#[derive(Template, WebTemplate)]
#[template(path = "operator/list.html")]
pub struct ListPage {
    chrome: Chrome,
    municipalities: Vec<MunicipalityRow>,
    events: Vec<EventRow>,
}

impl ListPage {
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        when(at)
    }
}

/// GET /drift
pub async fn list(State(state): State<AppState>, op: Operator) -> AppResult<ListPage> {
    Ok(ListPage {
        chrome: op.person.chrome(&state, "drift").await?,
        municipalities: db::municipalities(&state.db).await?,
        events: db::events(&state.db, 20).await?,
    })
}

/// The invitation form as sent.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct InviteForm {
    pub name: String,
    pub email: String,
    pub form_token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "operator/municipality.html")]
pub struct MunicipalityPage {
    chrome: Chrome,
    m: MunicipalityRow,
    position: Option<AdminPosition>,
    invitations: Vec<InvitationRow>,
    form: InviteForm,
    errors: FieldErrors,
}

impl MunicipalityPage {
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        when(at)
    }
}

/// The municipality's page, with the invitation form as given.
pub async fn municipality_page(
    state: &AppState,
    op: &Operator,
    id: uuid::Uuid,
    form: InviteForm,
    errors: FieldErrors,
) -> AppResult<MunicipalityPage> {
    let m = db::municipality(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(MunicipalityPage {
        chrome: op.person.chrome(state, "drift").await?,
        position: db::admin_position(&state.db, MunicipalityId::of_row(m.id)).await?,
        invitations: db::invitations(&state.db, MunicipalityId::of_row(m.id)).await?,
        m,
        form,
        errors,
    })
}

/// GET /drift/kommuner/{id}
pub async fn municipality(
    State(state): State<AppState>,
    op: Operator,
    IdPath(id): IdPath,
) -> AppResult<MunicipalityPage> {
    municipality_page(
        &state,
        &op,
        id,
        InviteForm::default(),
        FieldErrors::default(),
    )
    .await
}
