//! What the three kinds of entry share. A posted form is checked; then it
//! either adds the entry to the organisation's report (once, however often
//! it is sent) or changes the entry being corrected, with an audit row, and
//! the writer lands on the entry's card with a message. A form that cannot
//! be stored comes back with every value kept and the reasons beside the
//! fields.

use std::future::Future;

use axum::response::Response;
use serde::Deserialize;
use sqlx::PgConnection;
use uuid::Uuid;

use axum::extract::State;

use super::super::access::EstAccess;
use super::super::db;
use super::{Forms, Status, Which, check_open, entry_url, page, report_url, screen, status};
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::extract::CurrentUser;
use crate::web::forms::{FieldErrors, Form, unprocessable};

/// A form of the report page as posted: which report, and the entry.
#[derive(Deserialize)]
pub struct Post<F> {
    #[serde(flatten)]
    pub which: Which,
    #[serde(flatten)]
    pub form: F,
}

/// Where an entry is written: the municipality, the report and the
/// entry's own id.
#[derive(Clone, Copy)]
pub struct Place {
    pub m: MunicipalityId,
    pub report: Uuid,
    pub id: Uuid,
}

/// One kind of entry in the weekly report: its checked values, how they
/// are stored and changed, and what the audit log and the writer are told.
pub trait Entry: Sized + Send + Sync {
    /// The form's fields as typed.
    type Form: Clone + Send + Sync + serde::de::DeserializeOwned;
    /// The page's name for the form: `incident`, `event` or `need`.
    const FORM: &'static str;

    /// Puts what was typed back into the page's forms.
    fn refill(forms: &mut Forms, form: Self::Form);
    /// Whether the writer confirmed the personal-data warning.
    fn confirmed(form: &Self::Form) -> bool;
    /// The free texts to screen for personal data, with their fields.
    fn texts(form: &Self::Form) -> [(&'static str, &str); 3];
    /// The checked entry, or `None` with the reasons in `errors`.
    fn check(
        state: &AppState,
        m: MunicipalityId,
        form: &Self::Form,
        errors: &mut FieldErrors,
    ) -> impl Future<Output = AppResult<Option<Self>>> + Send;
    /// Adds the entry; 0 rows when the same entry is already in the report.
    fn insert(
        &self,
        tx: &mut PgConnection,
        at: Place,
        by: Uuid,
    ) -> impl Future<Output = sqlx::Result<u64>> + Send;
    /// Writes the values over the report's entry; 0 rows when it has none by that id.
    fn update(
        &self,
        tx: &mut PgConnection,
        at: Place,
    ) -> impl Future<Output = sqlx::Result<u64>> + Send;
    /// The audit row's action, its summary after the organisation and
    /// week, and the values it keeps, for the entry `id`.
    fn audit(&self, id: Uuid, changed: bool) -> (&'static str, String, serde_json::Value);
    /// The message on the entry's card.
    fn message(changed: bool) -> &'static str;
}

/// `POST /est/rapport/{kommande,samverkan}`: an entry of kind `E` for the
/// report the form names ([`submit`]). Incidents have their own handler,
/// for the map's clicks.
pub async fn add_entry<E: Entry>(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(post): Form<Post<E::Form>>,
) -> AppResult<Response> {
    let access = EstAccess::load(&state.db, &user).await?;
    let s = status(&state, &user, &access, &post.which).await?;
    submit::<E>(&state, &user, &s, post).await
}

/// Checks a posted entry and adds it, or changes the entry being
/// corrected (`which.andra`); the page again, 422, when it cannot be stored.
pub async fn submit<E: Entry>(
    state: &AppState,
    user: &CurrentUser,
    s: &Status,
    post: Post<E::Form>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let late = check_open(s, &mut errors);
    let entry = E::check(state, user.tenant(), &post.form, &mut errors).await?;
    let confirm = screen(&mut errors, E::confirmed(&post.form), &E::texts(&post.form));
    let (Some(entry), true) = (entry, errors.is_empty()) else {
        let mut forms = Forms::again(&post.which, E::FORM, confirm);
        E::refill(&mut forms, post.form);
        let page = page(state, user, &post.which, forms, errors).await?;
        return unprocessable(page);
    };
    match post.which.editing() {
        Some(id) => change(state, user, s, &entry, id).await,
        None => add(state, user, s, &entry, &post.which.form_token, late).await,
    }
}

/// Claims the form's one-time token, opens the organisation's report and
/// adds the entry. The same entry sent again (back and resubmit with a
/// fresh page, hence a fresh token) is not stored twice.
async fn add<E: Entry>(
    state: &AppState,
    user: &CurrentUser,
    s: &Status,
    entry: &E,
    token: &str,
    late: bool,
) -> AppResult<Response> {
    let mut change = Change::once(state, user, token, &report_url(s, "rapport")).await?;
    let m = user.tenant();
    let report = db::ensure_report(change.tx(), m, s.org.id, s.week.monday, late).await?;
    db::set_nothing_to_report(change.tx(), m, report, false).await?;
    let at = Place {
        m,
        report,
        id: Uuid::now_v7(),
    };
    if entry.insert(change.tx(), at, user.id()).await? == 0 {
        return change.sent_before(&report_url(s, "rapport")).await;
    }
    let (action, summary, after) = entry.audit(at.id, false);
    let summary = if late { summary + " (sen)" } else { summary };
    finish(change, s, at, (action, summary, after), E::message(false)).await
}

/// Writes new values over an entry of the organisation's report for the
/// week (another report's entry is not found).
async fn change<E: Entry>(
    state: &AppState,
    user: &CurrentUser,
    s: &Status,
    entry: &E,
    id: Uuid,
) -> AppResult<Response> {
    let report = s.report.as_ref().ok_or(AppError::NotFound)?.id;
    let mut change = Change::begin(state, user).await?;
    let at = Place {
        m: user.tenant(),
        report,
        id,
    };
    if entry.update(change.tx(), at).await? == 0 {
        return Err(AppError::NotFound);
    }
    finish(change, s, at, entry.audit(id, true), E::message(true)).await
}

/// Records the entry in the audit log, commits, and sends the writer to
/// the entry's card with the message.
async fn finish(
    change: Change<'_>,
    s: &Status,
    at: Place,
    (action, summary, after): (&'static str, String, serde_json::Value),
    message: &str,
) -> AppResult<Response> {
    let event = Event::new(
        action,
        "EST-rapport",
        format!("{} {}: {summary}", s.org.name, s.week.label()),
    )
    .on(at.report)
    .after(after);
    change.done(event, message, &entry_url(s, at.id)).await
}
