//! `/est/installningar`: the coordinator keeps the categories (with
//! subcategories) and areas, the reporting interval and the retention time,
//! and what the public tip form says about personal data and contact.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::audit::Event;
use crate::error::{AppError, AppResult, OnConstraint};
use crate::state::AppState;
use crate::web::change::Change;
use crate::web::extract::{Admin, CurrentUser};
use crate::web::forms::{self, FieldErrors, Form, TokenForm, unprocessable};
use crate::web::layout::Chrome;
use crate::web::path::Params;

/// A category or area row with its state.
pub struct Item {
    pub id: Uuid,
    pub name: String,
    pub parent: Option<String>,
    pub active: bool,
    /// Offered in the public's tip form (`/tips/{kommun}`).
    pub public_tip: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    pub report_interval_weeks: String,
    pub retention_months: String,
    pub name: String,
    pub parent_id: String,
    pub area_name: String,
    /// The police's location names, one a line.
    pub location_names: String,
    /// The kommunkod, the municipality's id in Kolada.
    pub municipality_code: String,
    #[serde(flatten)]
    pub tip_contact: TipContact,
    /// The one-time form token (`chrome.form_token`).
    pub form_token: String,
}

/// What the public tip form (`/tips/{kommun}`) tells the sender: the
/// nämnd responsible for the personal data, and how to reach the
/// municipality and its data protection officer (empty when not given).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TipContact {
    pub privacy_controller: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub dpo_email: String,
}

impl TipContact {
    const FIELDS: [&'static str; 4] = [
        "privacy_controller",
        "contact_email",
        "contact_phone",
        "dpo_email",
    ];

    /// The values as they will be stored, or the errors by field.
    fn parse(&self, e: &mut FieldErrors) -> TipContact {
        let contact_phone = self.contact_phone.trim().to_owned();
        if !contact_phone.is_empty() && !forms::is_phone(&contact_phone) {
            e.add(
                "contact_phone",
                "Ange ett telefonnummer, till exempel 0581-810 00.",
            );
        }
        TipContact {
            privacy_controller: forms::required_line(
                e,
                "privacy_controller",
                &self.privacy_controller,
                "den personuppgiftsansvariga nämnden",
                200,
            ),
            contact_email: forms::optional_email(e, "contact_email", &self.contact_email),
            contact_phone,
            dpo_email: forms::optional_email(e, "dpo_email", &self.dpo_email),
        }
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "personuppgiftsansvarig": self.privacy_controller,
            "e-post": self.contact_email,
            "telefon": self.contact_phone,
            "dataskyddsombud": self.dpo_email,
        })
    }
}

/// An area with the state of its boundary on the map.
pub struct AreaItem {
    pub id: Uuid,
    pub name: String,
    pub active: bool,
    /// `Saknas`, `Schematisk` or `Uppladdad`.
    pub boundary: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "est/settings.html")]
pub struct SettingsPage {
    chrome: Chrome,
    categories: Vec<Item>,
    areas: Vec<AreaItem>,
    /// The areas and the outline as they are drawn.
    map: crate::map::Choropleth,
    interval: i16,
    retention: i32,
    /// As stored, or as sent when it was refused.
    tip_contact: TipContact,
    /// The municipality's slug, for the link to its tip form.
    slug: String,
    /// The police's events: location names, last fetch and error.
    police: crate::sources::police::SettingsView,
    /// Kolada's statistics: the kommunkod, last fetch and error.
    kolada: crate::sources::kolada::SettingsView,
    form: SettingsForm,
    errors: FieldErrors,
}

/// The categories and the areas, as the settings list them.
async fn lists(
    state: &AppState,
    m: crate::tenant::MunicipalityId,
) -> AppResult<(Vec<Item>, Vec<AreaItem>)> {
    let categories = sqlx::query_as!(
        Item,
        r#"select c.id, c.name, p.name as "parent?", c.active, c.public_tip from incident_category c
           left join incident_category p on p.id = c.parent_id
           where c.municipality_id = $1
           order by coalesce(p.sort_order, c.sort_order), coalesce(p.name, c.name), p.name nulls first, c.name"#,
        m.get()
    )
    .fetch_all(&state.db)
    .await?;
    let areas = sqlx::query_as!(
        AreaItem,
        r#"select id, name, active,
                  case when boundary is null then 'Saknas' when boundary_schematic then 'Schematisk' else 'Uppladdad' end as "boundary!"
           from area where municipality_id = $1 order by sort_order, name"#,
        m.get()
    )
    .fetch_all(&state.db)
    .await?;
    Ok((categories, areas))
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    mut form: SettingsForm,
    errors: FieldErrors,
) -> AppResult<SettingsPage> {
    let m = user.tenant();
    let (categories, areas) = lists(state, m).await?;
    let shapes = crate::map::shapes(&state.db, m).await?;
    let map =
        crate::map::Choropleth::outline("omraden-karta", "Områdena på kartan".into(), &shapes)
            .with_tiles(state.tiles.as_deref());
    let settings = sqlx::query!(
        r#"select report_interval_weeks, retention_months, privacy_controller, contact_email,
                  contact_phone, dpo_email
           from municipality where id = $1"#,
        m.get()
    )
    .fetch_one(&state.db)
    .await?;
    let mut police = crate::sources::police::settings_view(&state.db, &state.config, m).await?;
    if errors.get("location_names").is_some() {
        police.names = form.location_names.clone();
    }
    let mut kolada = crate::sources::kolada::settings_view(&state.db, &state.config, m).await?;
    if errors.get("municipality_code").is_some() {
        kolada.code = form.municipality_code.clone();
    }
    let tip_contact = if TipContact::FIELDS.iter().any(|f| errors.has(f)) {
        std::mem::take(&mut form.tip_contact)
    } else {
        TipContact {
            privacy_controller: settings.privacy_controller,
            contact_email: settings.contact_email,
            contact_phone: settings.contact_phone,
            dpo_email: settings.dpo_email,
        }
    };
    Ok(SettingsPage {
        tip_contact,
        slug: user.municipality.slug.clone(),
        police,
        kolada,
        chrome: user.chrome("est").await,
        categories,
        areas,
        map,
        interval: settings.report_interval_weeks,
        retention: settings.retention_months,
        form,
        errors,
    })
}

pub async fn page(State(state): State<AppState>, Admin(user): Admin) -> AppResult<SettingsPage> {
    render(
        &state,
        &user,
        SettingsForm::default(),
        FieldErrors::default(),
    )
    .await
}

async fn invalid(
    state: &AppState,
    user: &CurrentUser,
    form: SettingsForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let page = render(state, user, form, errors).await?;
    unprocessable(page)
}

/// The page again with `errors`, for a refused upload of boundaries
/// (`crate::est::boundaries`).
pub async fn refused(
    state: &AppState,
    user: &CurrentUser,
    errors: FieldErrors,
) -> AppResult<Response> {
    invalid(state, user, SettingsForm::default(), errors).await
}

/// Saves the reporting interval and the retention time.
pub async fn save(
    State(state): State<AppState>,
    Admin(user): Admin,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    let mut e = FieldErrors::default();
    let interval = match form.report_interval_weeks.as_str() {
        "1" => 1_i16,
        "2" => 2,
        _ => {
            e.add(
                "report_interval_weeks",
                "Välj varje vecka eller varannan vecka.",
            );
            1
        }
    };
    let retention = match form.retention_months.trim().parse::<i32>() {
        Ok(n) if (1..=240).contains(&n) => n,
        _ => {
            e.add("retention_months", "Ange antal månader, 1 till 240.");
            0
        }
    };
    if !e.is_empty() {
        return invalid(&state, &user, form, e).await;
    }
    let m = user.tenant();
    let mut change = Change::begin(&state, &user).await?;
    let before = sqlx::query!(
        "select report_interval_weeks, retention_months from municipality where id = $1",
        m.get()
    )
    .fetch_one(change.tx())
    .await?;
    sqlx::query!(
        "update municipality set report_interval_weeks = $2, retention_months = $3 where id = $1",
        m.get(),
        interval,
        retention
    )
    .execute(change.tx())
    .await?;
    let summary =
        format!("Rapportering var {interval}:e vecka, gallring efter {retention} månader");
    let event = Event::new("ändrade inställningar", "EST", summary)
        .before(json!({ "intervall": before.report_interval_weeks, "gallring": before.retention_months }))
        .after(json!({ "intervall": interval, "gallring": retention }));
    change
        .done(event, "Inställningarna är sparade.", "/est/installningar")
        .await
}

/// Saves the police's location names for the municipality.
pub async fn save_police(
    State(state): State<AppState>,
    Admin(user): Admin,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    let names = match crate::sources::police::read_names(&form.location_names) {
        Ok(names) => names,
        Err(message) => {
            let errors = FieldErrors::one("location_names", message);
            return invalid(&state, &user, form, errors).await;
        }
    };
    let mut change = Change::begin(&state, &user).await?;
    crate::sources::police::save_names(change.tx(), user.tenant(), &names).await?;
    change
        .done(
            Event::new(
                "ändrade inställningar",
                "Polisens händelser",
                format!("Ortnamn: {}", names.join(", ")),
            )
            .after(json!({ "ortnamn": names })),
            "Ortnamnen är sparade.",
            "/est/installningar",
        )
        .await
}

/// `POST /est/installningar/kolada`: the kommunkod that Kolada's
/// statistics are fetched for.
pub async fn save_kolada(
    State(state): State<AppState>,
    Admin(user): Admin,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    let code = match crate::sources::kolada::read_code(&form.municipality_code) {
        Ok(code) => code,
        Err(message) => {
            let errors = FieldErrors::one("municipality_code", message);
            return invalid(&state, &user, form, errors).await;
        }
    };
    let mut change = Change::begin(&state, &user).await?;
    crate::sources::kolada::save_code(change.tx(), user.tenant(), code.as_deref()).await?;
    change
        .done(
            Event::new(
                "ändrade inställningar",
                "Kolada",
                format!("Kommunkod: {}", code.as_deref().unwrap_or("ingen")),
            )
            .after(json!({ "kommunkod": code })),
            "Kommunkoden är sparad.",
            "/est/installningar#kolada",
        )
        .await
}

/// `POST /est/installningar/tips`: what the public tip form says about
/// personal data and contact.
pub async fn save_tip_contact(
    State(state): State<AppState>,
    Admin(user): Admin,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    let mut e = FieldErrors::default();
    let new = form.tip_contact.parse(&mut e);
    if !e.is_empty() {
        return invalid(&state, &user, form, e).await;
    }
    let m = user.tenant();
    let mut change = Change::begin(&state, &user).await?;
    let before = sqlx::query_as!(
        TipContact,
        "select privacy_controller, contact_email, contact_phone, dpo_email from municipality where id = $1",
        m.get()
    )
    .fetch_one(change.tx())
    .await?;
    sqlx::query!(
        "update municipality set privacy_controller = $2, contact_email = $3, contact_phone = $4, dpo_email = $5 where id = $1",
        m.get(),
        new.privacy_controller,
        new.contact_email,
        new.contact_phone,
        new.dpo_email
    )
    .execute(change.tx())
    .await?;
    let summary = format!("Personuppgiftsansvarig: {}", new.privacy_controller);
    let event = Event::new("ändrade inställningar", "Tipsformuläret", summary)
        .before(before.json())
        .after(new.json());
    change
        .done(
            event,
            "Tipsformulärets kontaktuppgifter är sparade.",
            "/est/installningar#tipsformularet",
        )
        .await
}

/// Opens the change that adds something listed under `#anchor` of the page:
/// a form sent twice adds it once.
async fn adding<'u>(
    state: &AppState,
    user: &'u CurrentUser,
    form: &SettingsForm,
    anchor: &str,
) -> AppResult<Change<'u>> {
    let again = format!("/est/installningar#{anchor}");
    Change::once(state, user, &form.form_token, &again).await
}

/// Adds a category, or a subcategory under a parent.
pub async fn add_category(
    State(state): State<AppState>,
    Admin(user): Admin,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let mut e = FieldErrors::default();
    let name = forms::required_line(&mut e, "name", &form.name, "kategorins namn", 200);
    let parent = forms::optional_id(&mut e, "parent_id", &form.parent_id);
    if !e.is_empty() {
        return invalid(&state, &user, form, e).await;
    }
    let mut change = adding(&state, &user, &form, "kategorier").await?;
    let id = Uuid::now_v7();
    let inserted = sqlx::query!(
        r#"insert into incident_category (id, municipality_id, parent_id, name)
           select $1, $2, $3, $4
           where $3::uuid is null or exists (select 1 from incident_category where id = $3 and municipality_id = $2 and parent_id is null)"#,
        id, m.get(), parent, name
    )
    .execute(change.tx())
    .await
    .on_constraint(
        &mut e,
        &[("incident_category_name_key", "name", "Det finns redan en sådan kategori.")],
    )?;
    match inserted {
        None => return invalid(&state, &user, form, e).await,
        Some(done) if done.rows_affected() == 0 => return Err(AppError::BadRequest),
        Some(_) => {}
    }
    change
        .done(
            Event::new("skapade", "kategori", format!("Kategorin {name}"))
                .on(id)
                .after(json!({ "namn": name, "under": parent })),
            format!("Kategorin {name} är tillagd."),
            "/est/installningar#kategorier",
        )
        .await
}

/// Adds an area (a town, village or district).
pub async fn add_area(
    State(state): State<AppState>,
    Admin(user): Admin,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    let mut e = FieldErrors::default();
    let name = forms::required_line(&mut e, "area_name", &form.area_name, "områdets namn", 200);
    if !e.is_empty() {
        return invalid(&state, &user, form, e).await;
    }
    let mut change = adding(&state, &user, &form, "omraden").await?;
    let id = Uuid::now_v7();
    let inserted = sqlx::query!(
        "insert into area (id, municipality_id, name) values ($1, $2, $3)",
        id,
        user.tenant().get(),
        name
    )
    .execute(change.tx())
    .await
    .on_constraint(
        &mut e,
        &[(
            "area_name_key",
            "area_name",
            "Det finns redan ett område med det namnet.",
        )],
    )?;
    if inserted.is_none() {
        return invalid(&state, &user, form, e).await;
    }
    change
        .done(
            Event::new("skapade", "område", format!("Området {name}")).on(id),
            format!("Området {name} är tillagt."),
            "/est/installningar#omraden",
        )
        .await
}

/// Turns a category or area off (kept for old reports) or on again.
pub async fn toggle(
    State(state): State<AppState>,
    Admin(user): Admin,
    Params((kind, id)): Params<(String, Uuid)>,
    Form(form): Form<TokenForm>,
) -> AppResult<Redirect> {
    let m = user.tenant();
    let back = if kind == "tipskategori" {
        "/est/installningar#kategorier"
    } else {
        "/est/installningar"
    };
    // A toggle sent twice would switch back: the token makes the repeat
    // say it was sent instead.
    let mut change = Change::once(&state, &user, &form.form_token, back).await?;
    let row = match kind.as_str() {
        "kategori" => sqlx::query!(
            "update incident_category set active = not active where id = $1 and municipality_id = $2 returning name, active",
            id, m.get()
        )
        .fetch_optional(change.tx())
        .await?
        .map(|r| (r.name, r.active)),
        "omrade" => sqlx::query!("update area set active = not active where id = $1 and municipality_id = $2 returning name, active", id, m.get())
            .fetch_optional(change.tx())
            .await?
            .map(|r| (r.name, r.active)),
        "tipskategori" => sqlx::query!(
            "update incident_category set public_tip = not public_tip where id = $1 and municipality_id = $2 returning name, public_tip",
            id, m.get()
        )
        .fetch_optional(change.tx())
        .await?
        .map(|r| (r.name, r.public_tip)),
        _ => None,
    };
    let (name, active) = row.ok_or(AppError::NotFound)?;
    let action = match (kind.as_str(), active) {
        ("tipskategori", true) => "öppnade för allmänhetens tips",
        ("tipskategori", false) => "stängde för allmänhetens tips",
        (_, true) => "aktiverade",
        (_, false) => "avaktiverade",
    };
    change
        .record(
            Event::new(
                action,
                if kind == "omrade" {
                    "område"
                } else {
                    "kategori"
                },
                name,
            )
            .on(id)
            .after(json!({ "aktiv": active })),
        )
        .await?;
    change.commit().await?;
    Ok(Redirect::to(back))
}
