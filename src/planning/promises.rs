//! `/planering/medborgarloften`: the register of the municipality's
//! medborgarlöften (citizen promises), Brå's public, communicated part of
//! the cooperation between the police and the municipality. Each has a
//! title, a text, a period, the two positions that stand behind it (the
//! chief of the local police area and the chair of kommunstyrelsen, as Brå
//! describes it: positions, not people) and the measures that carry it out.
//! The planning's readers see the register; the coordinator and the
//! kommunpolis keep it. Those in force are shown on the public page
//! ([`super::public`]) once it is turned on.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use serde_json::json;
use sqlx::types::Json;
use uuid::Uuid;

use super::PlanningAccess;
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::choice::{Choice, position_choices};
use crate::web::extract::CurrentUser;
use crate::web::forms::{self, FieldErrors, Form, unprocessable};
use crate::web::layout::Chrome;
use crate::web::path::IdPath;
use crate::web::today;

/// The form as sent (or as stored, when an edit is first shown). Its
/// `measure` field comes once per box ticked, so it is read from the
/// fields as they come.
#[derive(Debug, Clone, Default)]
pub struct PromiseForm {
    pub title: String,
    pub body: String,
    pub valid_from: String,
    pub valid_to: String,
    pub police_position_id: String,
    pub municipal_position_id: String,
    pub measures: Vec<String>,
    /// The one-time form token (`chrome.form_token`), for a new promise.
    pub form_token: String,
}

impl PromiseForm {
    pub fn from_fields(fields: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (name, value) in fields {
            match name.as_str() {
                "title" => form.title = value,
                "body" => form.body = value,
                "valid_from" => form.valid_from = value,
                "valid_to" => form.valid_to = value,
                "police_position_id" => form.police_position_id = value,
                "municipal_position_id" => form.municipal_position_id = value,
                "measure" => form.measures.push(value),
                "form_token" => form.form_token = value,
                _ => {}
            }
        }
        form
    }

    pub fn has_measure(&self, id: &Uuid) -> bool {
        self.measures.iter().any(|m| m.trim() == id.to_string())
    }

    pub fn is_police(&self, id: &Uuid) -> bool {
        self.police_position_id.trim() == id.to_string()
    }

    pub fn is_municipal(&self, id: &Uuid) -> bool {
        self.municipal_position_id.trim() == id.to_string()
    }
}

/// A promise as it will be stored, every field checked.
#[derive(Debug, PartialEq, Eq)]
pub struct Promise {
    pub title: String,
    pub body: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub police: Uuid,
    pub municipal: Uuid,
    pub measures: Vec<Uuid>,
}

impl Promise {
    /// What the audit row keeps.
    fn json(&self) -> serde_json::Value {
        json!({
            "rubrik": self.title, "text": self.body, "från": self.valid_from, "till": self.valid_to,
            "polisen": self.police, "kommunen": self.municipal, "åtgärder": self.measures,
        })
    }
}

/// A position chosen from `offered`, or an error on `field`.
fn position(
    e: &mut FieldErrors,
    field: &'static str,
    sent: &str,
    offered: &[Choice],
    missing: &str,
) -> Option<Uuid> {
    let id = forms::required_id(e, field, sent, missing)?;
    if offered.iter().any(|c| c.id == id) {
        Some(id)
    } else {
        e.add(field, "Välj en befattning i listan.");
        None
    }
}

/// A required date of the period, whose missing value says which end it is.
fn date(e: &mut FieldErrors, field: &'static str, sent: &str, end: &str) -> Option<NaiveDate> {
    if sent.trim().is_empty() {
        e.add(field, format!("Ange {end} vilket datum löftet gäller."));
        return None;
    }
    forms::optional_date(e, field, sent)
}

/// Checks the form against the municipality's positions and measures.
pub fn parse(
    form: &PromiseForm,
    positions: &[Choice],
    measures: &[Choice],
) -> Result<Promise, FieldErrors> {
    let mut e = FieldErrors::default();
    let title = forms::required_line(&mut e, "title", &form.title, "rubriken", 300);
    let body = forms::required_text(&mut e, "body", &form.body, "löftets text", 4000);
    let from = date(&mut e, "valid_from", &form.valid_from, "från");
    let to = date(&mut e, "valid_to", &form.valid_to, "till");
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        e.add("valid_to", "Slutdatumet kan inte vara före startdatumet.");
    }
    let police = position(
        &mut e,
        "police_position_id",
        &form.police_position_id,
        positions,
        "Välj vem som står bakom löftet för polisen.",
    );
    let municipal = position(
        &mut e,
        "municipal_position_id",
        &form.municipal_position_id,
        positions,
        "Välj vem som står bakom löftet för kommunen.",
    );
    let mut chosen = Vec::new();
    for value in &form.measures {
        match Uuid::parse_str(value.trim()) {
            Ok(id) if measures.iter().any(|c| c.id == id) => {
                if !chosen.contains(&id) {
                    chosen.push(id);
                }
            }
            _ => e.add("measure", "Välj bland kommunens åtgärder i listan."),
        }
    }
    match (from, to, police, municipal) {
        (Some(valid_from), Some(valid_to), Some(police), Some(municipal)) if e.is_empty() => {
            Ok(Promise {
                title,
                body,
                valid_from,
                valid_to,
                police,
                municipal,
                measures: chosen,
            })
        }
        _ => Err(e),
    }
}

/// A measure a promise names.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Linked {
    pub id: Uuid,
    pub title: String,
}

/// A promise in the register.
pub struct PromiseRow {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub police_position_id: Uuid,
    pub municipal_position_id: Uuid,
    pub police: String,
    pub municipal: String,
    pub measures: Json<Vec<Linked>>,
}

impl PromiseRow {
    /// "Gäller", "Kommande" or "Har gått ut", on `today`.
    pub fn period_label(&self, today: &NaiveDate) -> &'static str {
        if *today < self.valid_from {
            "Kommande"
        } else if *today > self.valid_to {
            "Har gått ut"
        } else {
            "Gäller"
        }
    }

    fn form(&self) -> PromiseForm {
        PromiseForm {
            title: self.title.clone(),
            body: self.body.clone(),
            valid_from: self.valid_from.to_string(),
            valid_to: self.valid_to.to_string(),
            police_position_id: self.police_position_id.to_string(),
            municipal_position_id: self.municipal_position_id.to_string(),
            measures: self.measures.0.iter().map(|m| m.id.to_string()).collect(),
            form_token: String::new(),
        }
    }
}

/// The register, newest period first; one promise when `id` is given.
async fn promises(
    db: &sqlx::PgPool,
    m: MunicipalityId,
    id: Option<Uuid>,
) -> AppResult<Vec<PromiseRow>> {
    Ok(sqlx::query_as!(
        PromiseRow,
        r#"select cp.id, cp.title, cp.body, cp.valid_from, cp.valid_to, cp.police_position_id, cp.municipal_position_id,
                  pp.title as police, mp.title as municipal,
                  (select coalesce(json_agg(json_build_object('id', ms.id, 'title', ms.title) order by ms.title), '[]')
                   from citizen_promise_measure l join measure ms on ms.id = l.measure_id and ms.municipality_id = $1
                   where l.promise_id = cp.id and l.municipality_id = $1) as "measures!: Json<Vec<Linked>>"
           from citizen_promise cp
           join position pp on pp.id = cp.police_position_id and pp.municipality_id = $1
           join position mp on mp.id = cp.municipal_position_id and mp.municipality_id = $1
           where cp.municipality_id = $1 and ($2::uuid is null or cp.id = $2)
           order by cp.valid_to desc, cp.valid_from desc, cp.title"#,
        m.get(),
        id
    )
    .fetch_all(db)
    .await?)
}

/// The municipality's measures, as choices.
async fn measure_choices(db: &sqlx::PgPool, m: MunicipalityId) -> AppResult<Vec<Choice>> {
    Ok(sqlx::query_as!(
        Choice,
        "select id, title as label from measure where municipality_id = $1 order by title",
        m.get()
    )
    .fetch_all(db)
    .await?)
}

/// A new promise's form: Brå's two signatories chosen when the structure
/// has positions with their usual titles.
fn blank(positions: &[Choice]) -> PromiseForm {
    let pick = |prefix: &str| {
        positions
            .iter()
            .find(|c| c.label.to_lowercase().starts_with(prefix))
            .map(|c| c.id.to_string())
            .unwrap_or_default()
    };
    PromiseForm {
        police_position_id: pick("chef för lokalpolisområde"),
        municipal_position_id: pick("kommunstyrelsens ordförande"),
        ..PromiseForm::default()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "planning/promises.html")]
pub struct RegisterPage {
    chrome: Chrome,
    edit: bool,
    promises: Vec<PromiseRow>,
    positions: Vec<Choice>,
    measures: Vec<Choice>,
    form: PromiseForm,
    errors: FieldErrors,
    today: NaiveDate,
}

async fn register(
    state: &AppState,
    user: &CurrentUser,
    form: Option<PromiseForm>,
    errors: FieldErrors,
) -> AppResult<RegisterPage> {
    let access = PlanningAccess::load(&state.db, user).await?;
    let m = user.tenant();
    let positions = position_choices(&state.db, m).await?;
    Ok(RegisterPage {
        chrome: user.chrome("planering").await,
        edit: access.edit,
        promises: promises(&state.db, m, None).await?,
        form: form.unwrap_or_else(|| blank(&positions)),
        measures: measure_choices(&state.db, m).await?,
        positions,
        errors,
        today: today(),
    })
}

/// `GET /planering/medborgarloften`.
pub async fn list(State(state): State<AppState>, user: CurrentUser) -> AppResult<RegisterPage> {
    register(&state, &user, None, FieldErrors::default()).await
}

/// `POST /planering/medborgarloften`: a new promise.
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = PromiseForm::from_fields(fields);
    let page = register(&state, &user, None, FieldErrors::default()).await?;
    if !page.edit {
        return Err(AppError::Forbidden);
    }
    let promise = match parse(&form, &page.positions, &page.measures) {
        Ok(p) => p,
        Err(e) => {
            let page = register(&state, &user, Some(form), e).await?;
            return unprocessable(page);
        }
    };
    let id = Uuid::now_v7();
    let again = "/planering/medborgarloften";
    let mut change = Change::once(&state, &user, &form.form_token, again).await?;
    sqlx::query!(
        r#"insert into citizen_promise (id, municipality_id, title, body, valid_from, valid_to,
                                        police_position_id, municipal_position_id, created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#,
        id,
        user.tenant().get(),
        promise.title,
        promise.body,
        promise.valid_from,
        promise.valid_to,
        promise.police,
        promise.municipal,
        user.id()
    )
    .execute(change.tx())
    .await?;
    link(change.tx(), user.tenant(), id, &promise.measures).await?;
    let event = Event::new(
        "skapade",
        "medborgarlöfte",
        format!(
            "{} ({} – {})",
            promise.title, promise.valid_from, promise.valid_to
        ),
    )
    .on(id)
    .after(promise.json());
    let to = format!("/planering/medborgarloften/{id}");
    change.done(event, "Medborgarlöftet är sparat.", &to).await
}

/// Replaces the measures a promise names.
async fn link(
    tx: &mut sqlx::PgConnection,
    m: MunicipalityId,
    promise: Uuid,
    measures: &[Uuid],
) -> AppResult<()> {
    sqlx::query!(
        "delete from citizen_promise_measure where promise_id = $1 and municipality_id = $2",
        promise,
        m.get()
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        r#"insert into citizen_promise_measure (municipality_id, promise_id, measure_id)
           select $1, $2, unnest($3::uuid[])"#,
        m.get(),
        promise,
        measures
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[derive(Template, WebTemplate)]
#[template(path = "planning/promise.html")]
pub struct PromisePage {
    chrome: Chrome,
    edit: bool,
    promise: PromiseRow,
    positions: Vec<Choice>,
    measures: Vec<Choice>,
    form: PromiseForm,
    errors: FieldErrors,
    today: NaiveDate,
}

async fn one(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    form: Option<PromiseForm>,
    errors: FieldErrors,
) -> AppResult<PromisePage> {
    let access = PlanningAccess::load(&state.db, user).await?;
    let m = user.tenant();
    let promise = promises(&state.db, m, Some(id))
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    Ok(PromisePage {
        chrome: user.chrome("planering").await,
        edit: access.edit,
        form: form.unwrap_or_else(|| promise.form()),
        promise,
        positions: position_choices(&state.db, m).await?,
        measures: measure_choices(&state.db, m).await?,
        errors,
        today: today(),
    })
}

/// `GET /planering/medborgarloften/{id}`.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> AppResult<PromisePage> {
    one(&state, &user, id, None, FieldErrors::default()).await
}

/// `POST /planering/medborgarloften/{id}`: the promise changed. Sending the
/// same change twice stores the same thing, so no one-time token.
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = PromiseForm::from_fields(fields);
    let current = one(&state, &user, id, None, FieldErrors::default()).await?;
    if !current.edit {
        return Err(AppError::Forbidden);
    }
    let promise = match parse(&form, &current.positions, &current.measures) {
        Ok(p) => p,
        Err(e) => {
            let page = one(&state, &user, id, Some(form), e).await?;
            return unprocessable(page);
        }
    };
    let m = user.tenant();
    let before = parse(&current.form, &current.positions, &current.measures)
        .map(|p| p.json())
        .ok();
    let mut change = Change::begin(&state, &user).await?;
    sqlx::query!(
        r#"update citizen_promise set title = $3, body = $4, valid_from = $5, valid_to = $6,
                  police_position_id = $7, municipal_position_id = $8, updated_at = now()
           where id = $1 and municipality_id = $2"#,
        id,
        m.get(),
        promise.title,
        promise.body,
        promise.valid_from,
        promise.valid_to,
        promise.police,
        promise.municipal
    )
    .execute(change.tx())
    .await?;
    link(change.tx(), m, id, &promise.measures).await?;
    let event = Event::new("ändrade", "medborgarlöfte", promise.title.clone())
        .on(id)
        .before_maybe(before)
        .after(promise.json());
    let to = format!("/planering/medborgarloften/{id}");
    change.done(event, "Medborgarlöftet är sparat.", &to).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(label: &str) -> Choice {
        Choice {
            id: Uuid::now_v7(),
            label: label.into(),
        }
    }

    #[test]
    fn a_promise_needs_its_text_period_and_both_signatories() {
        let positions = [
            choice("Chef för lokalpolisområde Lindesberg"),
            choice("Kommunstyrelsens ordförande"),
        ];
        let measures = [choice("Kvällsronder")];
        let mut form = blank(&positions);
        assert_eq!(form.police_position_id, positions[0].id.to_string());
        assert_eq!(form.municipal_position_id, positions[1].id.to_string());
        form.valid_from = "2026-05-01".into();
        form.valid_to = "2026-04-01".into();
        form.municipal_position_id = Uuid::now_v7().to_string();
        form.measures = vec![measures[0].id.to_string(), "x".into()];
        let e = parse(&form, &positions, &measures).expect_err("bad");
        assert_eq!(e.get("title"), Some("Fyll i rubriken."));
        assert_eq!(e.get("body"), Some("Fyll i löftets text."));
        assert_eq!(
            parse(&PromiseForm::default(), &positions, &measures)
                .expect_err("empty")
                .get("valid_from"),
            Some("Ange från vilket datum löftet gäller.")
        );
        assert_eq!(
            e.get("valid_to"),
            Some("Slutdatumet kan inte vara före startdatumet.")
        );
        assert_eq!(
            e.get("municipal_position_id"),
            Some("Välj en befattning i listan.")
        );
        assert!(e.has("measure") && !e.has("police_position_id"));
        form.title = "Tryggare resecentrum".into();
        form.body = "Vi lovar kvällsronder.".into();
        form.valid_to = "2027-04-30".into();
        form.municipal_position_id = positions[1].id.to_string();
        form.measures = vec![measures[0].id.to_string(); 2];
        let p = parse(&form, &positions, &measures).expect("good");
        assert_eq!(p.measures, vec![measures[0].id]);
        assert_eq!(p.valid_to.to_string(), "2027-04-30");
    }
}
