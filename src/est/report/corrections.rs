//! Corrections of a report while it is open: "Inget att rapportera", and
//! removing an entry, which can be put back ("Ångra") from the copy the
//! removal's audit event keeps until the report locks.

use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::super::access::EstAccess;
use super::super::db;
use super::{Forms, KINDS, Status, Which, check_open, entry_url, page, report_url, status};
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::extract::CurrentUser;
use crate::web::forms::{FieldErrors, Form, unprocessable};
use crate::web::layout::set_flash;
use crate::web::path::Params;

/// `POST /est/rapport/inget`: nothing to report this week (one click).
pub async fn nothing(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(which): Form<Which>,
) -> AppResult<Response> {
    let access = EstAccess::load(&state.db, &user).await?;
    let s = status(&state, &user, &access, &which).await?;
    let m = user.tenant();
    let mut e = FieldErrors::default();
    let late = check_open(&s, &mut e);
    let has_entries = db::has_entries(&state.db, m, s.org.id, s.week.monday).await?;
    if has_entries {
        e.add(
            "nothing",
            "Rapporten har redan poster. Ta bort dem först om det inte fanns något att rapportera.",
        );
    }
    if !e.is_empty() {
        let page = page(&state, &user, &which, Forms::default(), e).await?;
        return unprocessable(page);
    }
    let mut change = Change::begin(&state, &user).await?;
    let report = db::ensure_report(change.tx(), m, s.org.id, s.week.monday, late).await?;
    db::set_nothing_to_report(change.tx(), m, report, true).await?;
    change
        .record(
            Event::new(
                "rapporterade inget att rapportera",
                "EST-rapport",
                format!("{} {}: inget att rapportera", s.org.name, s.week.label()),
            )
            .on(report),
        )
        .await?;
    let message = format!(
        "Noterat: {} har inget att rapportera för {}.",
        s.org.name,
        s.week.label()
    );
    change.finish(message, &report_url(&s, "rapport")).await
}

/// An entry of the organisation's report to remove or put back, read from
/// the path (`/est/rapport/{kind}/{id}/…`) and the form (week and
/// organisation). When the report is closed the request is answered with
/// the report page and the reason, and the handler does not run.
pub struct Correction {
    user: CurrentUser,
    s: Status,
    kind: &'static str,
    at: At,
    /// The form's one-time token (`chrome.form_token`).
    token: String,
}

impl FromRequest<AppState> for Correction {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let user = CurrentUser::from_request_parts(&mut parts, state).await;
        let path = Params::<(String, Uuid)>::from_request_parts(&mut parts, state).await;
        let form = Form::<Which>::from_request(Request::from_parts(parts, body), state).await;
        let loaded = match (user, path, form) {
            (Ok(user), Ok(Params((kind, id))), Ok(Form(which))) => {
                Self::load(state, user, &which, &kind, id).await
            }
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => Err(e),
        };
        match loaded {
            Ok(found) => found,
            Err(e) => Err(e.into_response()),
        }
    }
}

impl Correction {
    async fn load(
        state: &AppState,
        user: CurrentUser,
        which: &Which,
        kind: &str,
        id: Uuid,
    ) -> AppResult<Result<Self, Response>> {
        let access = EstAccess::load(&state.db, &user).await?;
        let s = status(state, &user, &access, which).await?;
        let mut e = FieldErrors::default();
        check_open(&s, &mut e);
        if !e.is_empty() {
            let page = page(state, &user, which, Forms::default(), e).await?;
            return Ok(Err(unprocessable(page)?));
        }
        let report = s.report.as_ref().ok_or(AppError::NotFound)?.id;
        let kind: &'static str = KINDS
            .iter()
            .find(|k| **k == kind)
            .ok_or(AppError::NotFound)?;
        let m = user.tenant();
        Ok(Ok(Self {
            user,
            s,
            kind,
            at: At { m, report, id },
            token: which.form_token.clone(),
        }))
    }
}

/// `POST /est/rapport/{kind}/{id}/ta-bort`: removes an entry to correct it.
pub async fn remove(State(state): State<AppState>, c: Correction) -> AppResult<Response> {
    let Correction {
        user,
        s,
        kind,
        at,
        token,
    } = c;
    let (report, id) = (at.report, at.id);
    let again = report_url(&s, "rapport");
    let mut change = Change::once(&state, &user, &token, &again).await?;
    // The removed row is kept in the audit event, so that "Ångra" can put
    // it back until the report locks (gallring clears the copy later).
    let row = take_out(change.tx(), kind, at).await?;
    let Some(row) = row else {
        return Err(AppError::NotFound);
    };
    change
        .record(
            Event::new(
                "tog bort post",
                "EST-rapport",
                format!("{} {}: tog bort {kind}", s.org.name, s.week.label()),
            )
            .on(report)
            .before(json!({ "post": id, "typ": kind, "rad": row })),
        )
        .await?;
    let message = match kind {
        "handelse" => "Händelsen är borttagen ur rapporten.",
        "kommande" => "Den kommande händelsen är borttagen ur rapporten.",
        _ => "Samverkansbehovet är borttaget ur rapporten.",
    };
    let back = format!(
        "/est/rapport?vecka={}&org={}&borttagen={kind}:{id}#rapport",
        s.week.key(),
        s.org.id
    );
    change.finish(message, &back).await
}

/// `POST /est/rapport/{kind}/{id}/angra`: puts back an entry removed from
/// the report, from the copy its removal's audit event keeps, until the
/// report locks.
pub async fn undo_remove(State(state): State<AppState>, c: Correction) -> AppResult<Response> {
    let Correction {
        user, s, kind, at, ..
    } = c;
    let (m, report, id) = (at.m, at.report, at.id);
    let mut change = Change::begin(&state, &user).await?;
    let row = sqlx::query_scalar!(
        r#"select before -> 'rad' as "row!" from audit_event
           where municipality_id = $1 and action = 'tog bort post' and entity_id = $2
             and before ->> 'post' = $3::text and before ->> 'typ' = $4 and before ? 'rad'
           order by at desc limit 1"#,
        m.get(),
        report,
        id.to_string(),
        kind
    )
    .fetch_optional(change.tx())
    .await?
    .ok_or(AppError::NotFound)?;
    // Only into the same report of the same municipality; an entry already
    // put back is left as it is.
    let restored = put_back(change.tx(), kind, &row, at).await?;
    if restored == 0 {
        change.rollback().await?;
        set_flash(&user.person.flash, "Posten finns redan i rapporten.").await?;
        return Ok(Redirect::to(&entry_url(&s, id)).into_response());
    }
    restore_attached(change.tx(), kind, &row, at).await?;
    db::set_nothing_to_report(change.tx(), m, report, false).await?;
    change
        .record(
            Event::new(
                "återställde post",
                "EST-rapport",
                format!("{} {}: återställde {kind}", s.org.name, s.week.label()),
            )
            .on(report)
            .after(json!({ "post": id, "typ": kind })),
        )
        .await?;
    change
        .finish("Posten är tillbaka i rapporten.", &entry_url(&s, id))
        .await
}

/// An entry of a report and its municipality.
#[derive(Clone, Copy)]
struct At {
    m: MunicipalityId,
    report: Uuid,
    id: Uuid,
}

/// Deletes an entry of the report; its row as JSON, with what goes with
/// it, for "Ångra". `None` when the report has no such entry.
async fn take_out(
    tx: &mut PgConnection,
    kind: &str,
    at: At,
) -> sqlx::Result<Option<serde_json::Value>> {
    // One statement for the three kinds; `$4` picks the table. An incident
    // marked as the same event as others makes them lose the mark (`on
    // delete set null`), and a need takes its follow-up notes with it (`on
    // delete cascade`): the copy names the one and keeps the other, so
    // that "Ångra" puts them back too.
    sqlx::query_scalar!(
        r#"with incident as (
               delete from est_incident t
               where $4 = 'handelse' and id = $1 and report_id = $2 and municipality_id = $3
               returning to_jsonb(t.*) as row
           ),
           event as (
               delete from est_coming_event t
               where $4 = 'kommande' and id = $1 and report_id = $2 and municipality_id = $3
               returning to_jsonb(t.*) as row
           ),
           need as (
               delete from cooperation_need t
               where $4 = 'samverkan' and id = $1 and report_id = $2 and municipality_id = $3
               returning to_jsonb(t.*) as row
           )
           select incident.row || jsonb_build_object('same_as_this', (
                      select coalesce(jsonb_agg(d.id), '[]') from est_incident d
                      where d.municipality_id = $3 and d.duplicate_of = $1)) as "row!"
           from incident
           union all
           select event.row from event
           union all
           select need.row || jsonb_build_object('notes', (
                      select coalesce(jsonb_agg(to_jsonb(c.*) order by c.at), '[]')
                      from cooperation_note c where c.municipality_id = $3 and c.need_id = $1))
           from need"#,
        at.id,
        at.report,
        at.m.get(),
        kind
    )
    .fetch_optional(&mut *tx)
    .await
}

/// Puts a removed entry back into its report from its copy; 0 rows when
/// it is there already.
async fn put_back(
    tx: &mut PgConnection,
    kind: &str,
    row: &serde_json::Value,
    at: At,
) -> sqlx::Result<u64> {
    let restored = match kind {
        // Its own "same event as" mark only if that incident is still there.
        "handelse" => sqlx::query!(
            r#"insert into est_incident
               select * from jsonb_populate_record(null::est_incident,
                   $1::jsonb || case when exists (select 1 from est_incident d
                                                  where d.municipality_id = $2 and d.id = ($1::jsonb ->> 'duplicate_of')::uuid)
                              then '{}'::jsonb else '{"duplicate_of": null}'::jsonb end)
               where ($1 ->> 'municipality_id')::uuid = $2 and ($1 ->> 'report_id')::uuid = $3
               on conflict (id) do nothing"#,
            row, at.m.get(), at.report
        )
        .execute(&mut *tx)
        .await?,
        "kommande" => sqlx::query!(
            r#"insert into est_coming_event select * from jsonb_populate_record(null::est_coming_event, $1)
               where ($1 ->> 'municipality_id')::uuid = $2 and ($1 ->> 'report_id')::uuid = $3
               on conflict (id) do nothing"#,
            row, at.m.get(), at.report
        )
        .execute(&mut *tx)
        .await?,
        _ => sqlx::query!(
            r#"insert into cooperation_need select * from jsonb_populate_record(null::cooperation_need, $1)
               where ($1 ->> 'municipality_id')::uuid = $2 and ($1 ->> 'report_id')::uuid = $3
               on conflict (id) do nothing"#,
            row, at.m.get(), at.report
        )
        .execute(&mut *tx)
        .await?,
    };
    Ok(restored.rows_affected())
}

/// What went with the entry comes back with it: a need's follow-up
/// notes, and the "same event as" marks other incidents had on this one
/// (unless someone has marked them otherwise since).
async fn restore_attached(
    tx: &mut PgConnection,
    kind: &str,
    row: &serde_json::Value,
    at: At,
) -> sqlx::Result<()> {
    match kind {
        "samverkan" => {
            sqlx::query!(
                r#"insert into cooperation_note
                   select * from jsonb_populate_recordset(null::cooperation_note, $1::jsonb -> 'notes')
                   where municipality_id = $2 and need_id = $3
                   on conflict (id) do nothing"#,
                row,
                at.m.get(),
                at.id
            )
            .execute(&mut *tx)
            .await?;
        }
        "handelse" => {
            sqlx::query!(
                r#"update est_incident set duplicate_of = $3
                   where municipality_id = $2 and duplicate_of is null
                     and id in (select d::uuid from jsonb_array_elements_text($1::jsonb -> 'same_as_this') d)"#,
                row,
                at.m.get(),
                at.id
            )
            .execute(&mut *tx)
            .await?;
        }
        _ => {}
    }
    Ok(())
}
