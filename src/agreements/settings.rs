//! `/avtal/installningar`: which positions must sign each agreement type,
//! and how many days before expiry agreements are flagged.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::audit::Event;
use crate::error::AppResult;
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::choice::{Choice, position_choices};
use crate::web::extract::{Admin, CurrentUser};
use crate::web::forms::{FieldErrors, Form, unprocessable};
use crate::web::layout::Chrome;

/// An agreement type and its signatory positions.
pub struct TypeRow {
    pub id: Uuid,
    pub name: String,
    pub signatories: Vec<Uuid>,
}

impl TypeRow {
    pub fn signs(&self, position: &Uuid) -> bool {
        self.signatories.contains(position)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agreements/settings.html")]
pub struct SettingsPage {
    chrome: Chrome,
    types: Vec<TypeRow>,
    positions: Vec<Choice>,
    warning_days: String,
    errors: FieldErrors,
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    warning_days: Option<String>,
    errors: FieldErrors,
) -> AppResult<SettingsPage> {
    let m = user.tenant();
    let rows = sqlx::query!(
        r#"select t.id, t.name, coalesce(array_agg(s.position_id) filter (where s.position_id is not null), '{}') as "signatories!"
           from agreement_type t left join agreement_type_signatory s on s.agreement_type_id = t.id
           where t.municipality_id = $1 group by t.id order by t.name"#,
        m.get()
    )
    .fetch_all(&state.db)
    .await?;
    let days = sqlx::query_scalar!(
        "select agreement_warning_days from municipality where id = $1",
        m.get()
    )
    .fetch_one(&state.db)
    .await?;
    Ok(SettingsPage {
        chrome: user.chrome("avtal").await,
        types: rows
            .into_iter()
            .map(|r| TypeRow {
                id: r.id,
                name: r.name,
                signatories: r.signatories,
            })
            .collect(),
        positions: position_choices(&state.db, m).await?,
        warning_days: warning_days.unwrap_or_else(|| days.to_string()),
        errors,
    })
}

pub async fn page(State(state): State<AppState>, Admin(user): Admin) -> AppResult<SettingsPage> {
    render(&state, &user, None, FieldErrors::default()).await
}

/// Saves `sign_<type>_<position>` ticks and `warning_days`.
pub async fn save(
    State(state): State<AppState>,
    Admin(user): Admin,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let m = user.tenant();
    let mut e = FieldErrors::default();
    let (raw_days, days, ticks) = read_settings(&fields, &mut e);
    let types: Vec<Uuid> = sqlx::query_scalar!(
        "select id from agreement_type where municipality_id = $1",
        m.get()
    )
    .fetch_all(&state.db)
    .await?;
    for t in &types {
        if !ticks.iter().any(|(tt, _)| tt == t) {
            e.add(
                "signatories",
                "Varje avtalstyp behöver minst en befattning som signerar.",
            );
        }
    }
    if !e.is_empty() {
        let page = render(&state, &user, Some(raw_days), e).await?;
        return unprocessable(page);
    }
    let mut change = Change::begin(&state, &user).await?;
    store_settings(change.tx(), m, days, &ticks).await?;
    change
        .done(
            Event::new(
                "ändrade signatärer",
                "avtalstyper",
                format!(
                    "{} signatärsbefattningar, varning {days} dagar före",
                    ticks.len()
                ),
            )
            .after(json!({ "signatärer": ticks.len(), "varningsdagar": days })),
            "Inställningarna för avtal är sparade.",
            "/avtal/installningar",
        )
        .await
}

/// The warning days typed (as typed, and as a number) and the ticked
/// (agreement type, position) pairs.
fn read_settings(
    fields: &[(String, String)],
    e: &mut FieldErrors,
) -> (String, i32, Vec<(Uuid, Uuid)>) {
    let map: HashMap<&str, &str> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let raw_days = map.get("warning_days").copied().unwrap_or("");
    let days = match raw_days.trim().parse::<i32>() {
        Ok(n) if (1..=730).contains(&n) => n,
        _ => {
            e.add("warning_days", "Ange antal dagar, 1 till 730.");
            0
        }
    };
    let ticks = fields
        .iter()
        .filter_map(|(k, _)| {
            let rest = k.strip_prefix("sign_")?;
            let (t, p) = rest.split_once('_')?;
            Some((Uuid::parse_str(t).ok()?, Uuid::parse_str(p).ok()?))
        })
        .collect();
    (raw_days.to_owned(), days, ticks)
}

/// Replaces the warning days and every type's signatory positions.
async fn store_settings(
    tx: &mut PgConnection,
    m: MunicipalityId,
    days: i32,
    ticks: &[(Uuid, Uuid)],
) -> AppResult<()> {
    sqlx::query!(
        "update municipality set agreement_warning_days = $2 where id = $1",
        m.get(),
        days
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "delete from agreement_type_signatory where municipality_id = $1",
        m.get()
    )
    .execute(&mut *tx)
    .await?;
    for (t, p) in ticks {
        sqlx::query!(
            r#"insert into agreement_type_signatory (agreement_type_id, municipality_id, position_id)
               select $1, $2, $3 where exists (select 1 from agreement_type where id = $1 and municipality_id = $2)
                 and exists (select 1 from position where id = $3 and municipality_id = $2)"#,
            t, m.get(), p
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
