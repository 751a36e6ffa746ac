//! `/tips/{kommun}`: the public's tip form, without signing in. Nothing a
//! sender writes is ever shown publicly: the answer is a receipt with a
//! reference number.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Days, NaiveDate, Utc};
use rand::Rng;
use serde::Deserialize;
use sqlx::PgConnection;
use uuid::Uuid;

use super::protect::StampCheck;
use crate::auth::client::ClientAddress;
use crate::error::{AppError, AppResult};
use crate::est::model::TimeBand;
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::choice::Choice;
use crate::web::forms::{self, FieldErrors, Form, Query};
use crate::web::guard;
use crate::web::layout::Chrome;
use crate::web::path::Params;
use crate::web::today;

/// The municipality a public page is about, by its slug.
pub struct Municipality {
    pub id: MunicipalityId,
    pub name: String,
    pub slug: String,
    /// What the form and the receipt say about personal data and contact.
    pub privacy: Privacy,
}

/// Who is responsible for the sender's personal data and how to reach the
/// municipality (`/est/installningar#tipsformularet`); an address left
/// empty is not shown.
pub struct Privacy {
    /// The nämnd, as "Kommunstyrelsen".
    pub controller: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub dpo_email: String,
    /// Months after which a tip's free texts are removed (gallring).
    pub retention_months: i32,
}

impl Privacy {
    /// The nämnd inside a sentence: "kommunstyrelsen".
    pub fn controller_in_sentence(&self) -> String {
        crate::web::words::in_sentence(&self.controller)
    }

    /// The phone number for a `tel:` link: without the spaces people write.
    pub fn phone_link(&self) -> String {
        self.contact_phone.replace(' ', "")
    }
}

impl Municipality {
    /// The municipality with `slug`, or 404; a suspended one is closed.
    pub async fn by_slug(db: &sqlx::PgPool, slug: &str) -> AppResult<Self> {
        let row = sqlx::query!(
            r#"select id, name, slug, suspended_at is not null as "suspended!",
                      privacy_controller, contact_email, contact_phone, dpo_email, retention_months
               from municipality where slug = $1"#,
            slug
        )
        .fetch_optional(db)
        .await?
        .ok_or(AppError::NotFound)?;
        if row.suspended {
            return Err(AppError::Suspended);
        }
        Ok(Self {
            // The public tip pages are the municipality's own, named by
            // the slug in their address.
            id: MunicipalityId::of_row(row.id),
            name: row.name,
            slug: row.slug,
            privacy: Privacy {
                controller: row.privacy_controller,
                contact_email: row.contact_email,
                contact_phone: row.contact_phone,
                dpo_email: row.dpo_email,
                retention_months: row.retention_months,
            },
        })
    }
}

/// What the form sends. Every field defaults to empty, so a form with a
/// field missing is answered with errors next to the fields, not a 400.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct TipForm {
    pub category_id: String,
    pub area_id: String,
    pub place: String,
    pub occurred_on: String,
    pub time_band: String,
    pub description: String,
    pub contact: String,
    /// The signed time stamp ([`super::protect`]).
    pub stamp: String,
    /// The honeypot: hidden from people, filled in by robots.
    pub webbplats: String,
    /// The point on the map (hidden fields, set by a click on the map).
    pub latitude: String,
    pub longitude: String,
    /// A click on the map (`crate::map::picker`).
    #[serde(flatten)]
    pub picker: crate::map::picker::PickerForm,
}

#[derive(Template, WebTemplate)]
#[template(path = "tips/form.html")]
pub struct TipPage {
    chrome: Chrome,
    municipality: Municipality,
    categories: Vec<Choice>,
    areas: Vec<Choice>,
    today: NaiveDate,
    stamp: String,
    form: TipForm,
    errors: FieldErrors,
    /// Where it happened, on the municipality's map.
    picker: crate::map::picker::PickerView,
}

#[derive(Template, WebTemplate)]
#[template(path = "tips/receipt.html")]
pub struct ReceiptPage {
    chrome: Chrome,
    municipality: Municipality,
    reference: String,
    wants_answer: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "tips/poster.html")]
pub struct PosterPage {
    chrome: Chrome,
    municipality: Municipality,
    address: String,
    qr: String,
    /// The server has a public https address: the poster leads somewhere.
    public: bool,
}

/// `GET /tips/{kommun}/affisch`: a printable poster whose QR code links to
/// the form.
pub async fn poster(
    State(state): State<AppState>,
    Params(slug): Params<String>,
) -> AppResult<PosterPage> {
    let municipality = Municipality::by_slug(&state.db, &slug).await?;
    let address = format!(
        "{}/tips/{}",
        state.config.public_url.trim_end_matches('/'),
        municipality.slug
    );
    Ok(PosterPage {
        chrome: Chrome::anonymous(),
        qr: qr_svg(&address)?,
        public: state.config.secure_cookies(),
        municipality,
        address,
    })
}

/// The QR code of `text` as an inline SVG element.
fn qr_svg(text: &str) -> AppResult<String> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| anyhow::anyhow!("QR code for the poster: {e}"))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    // Inline in HTML: no XML declaration; named for assistive technology.
    let svg = match svg.find("<svg") {
        Some(start) => &svg[start..],
        None => svg.as_str(),
    };
    Ok(svg.replacen(
        "<svg ",
        "<svg role=\"img\" aria-label=\"QR-kod som leder till tipsformuläret\" ",
        1,
    ))
}

/// The categories the coordinator opened to the public, subcategories with
/// their parent's name.
pub async fn public_categories(db: &sqlx::PgPool, m: MunicipalityId) -> AppResult<Vec<Choice>> {
    Ok(sqlx::query_as!(
        Choice,
        r#"select c.id, case when p.id is null then c.name else p.name || ' – ' || c.name end as "label!"
           from incident_category c left join incident_category p on p.id = c.parent_id
           where c.municipality_id = $1 and c.active and c.public_tip
           order by coalesce(p.sort_order, c.sort_order), coalesce(p.name, c.name), p.name nulls first, c.name"#,
        m.get()
    )
    .fetch_all(db)
    .await?)
}

async fn render(
    state: &AppState,
    municipality: Municipality,
    form: TipForm,
    errors: FieldErrors,
) -> AppResult<TipPage> {
    let categories = public_categories(&state.db, municipality.id).await?;
    let areas = crate::est::db::areas(&state.db, municipality.id).await?;
    let stamp = state
        .tips
        .stamp(&state.db, municipality.id, Utc::now())
        .await?;
    // The public's picker draws no background map: its tiles are for
    // those signed in.
    let picker = crate::map::picker::PickerView {
        latitude: form.latitude.clone(),
        longitude: form.longitude.clone(),
        action: format!("/tips/{}", municipality.slug),
        image: format!("/tips/{}/karta.svg", municipality.slug),
        backdrop: None,
        drawn: crate::map::picker::has_map(state, municipality.id).await?,
    };
    Ok(TipPage {
        chrome: Chrome::anonymous(),
        municipality,
        categories,
        areas,
        today: today(),
        stamp,
        form,
        errors,
        picker,
    })
}

/// `GET /tips/{kommun}`.
pub async fn form(
    State(state): State<AppState>,
    Params(slug): Params<String>,
) -> AppResult<TipPage> {
    let municipality = Municipality::by_slug(&state.db, &slug).await?;
    render(
        &state,
        municipality,
        TipForm::default(),
        FieldErrors::default(),
    )
    .await
}

/// A tip as it is stored, after every check.
struct NewTip {
    category: Uuid,
    area: Uuid,
    occurred: NaiveDate,
    band: Option<TimeBand>,
    place: Option<String>,
    description: String,
    contact: Option<(&'static str, String)>,
    /// Latitude and longitude, when the sender clicked the map.
    point: Option<(f64, f64)>,
}

/// A contact the sender gave: an e-mail address or a phone number.
fn contact(e: &mut FieldErrors, value: &str) -> Option<(&'static str, String)> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.contains('@') {
        let email = forms::email(e, "contact", value);
        return Some(("email", email));
    }
    if !forms::is_phone(value) {
        e.add(
            "contact",
            "Ange en e-postadress eller ett telefonnummer, till exempel 0581-810 00.",
        );
        return None;
    }
    Some(("phone", value.to_owned()))
}

/// Refuses identity numbers (as every text), and e-mail addresses and
/// phone numbers too: a sender cannot confirm that nobody is identified,
/// and their own contact belongs in its own field.
fn screen(e: &mut FieldErrors, field: &'static str, text: &str) {
    let findings = guard::check(text);
    if let Some(message) = findings.refusal_message() {
        e.add(field, message);
    } else if findings.needs_confirmation() {
        e.add(
            field,
            "Skriv inte e-postadresser eller telefonnummer här – texten får inte identifiera \
             någon. Vill du ha svar, skriv din kontaktuppgift i fältet för svar längre ner.",
        );
    }
}

fn validate(
    form: &TipForm,
    categories: &[Choice],
    areas: &[Choice],
    e: &mut FieldErrors,
) -> Option<NewTip> {
    let category = forms::required_id(e, "category_id", &form.category_id, "Välj vad det gäller.")
        .filter(|id| categories.iter().any(|c| c.id == *id));
    if category.is_none() && !e.has("category_id") {
        e.add("category_id", "Välj ett av alternativen i listan.");
    }
    let area = forms::required_id(e, "area_id", &form.area_id, "Välj område.")
        .filter(|id| areas.iter().any(|a| a.id == *id));
    if area.is_none() && !e.has("area_id") {
        e.add("area_id", "Välj ett område i listan.");
    }
    let place = forms::optional_line(e, "place", &form.place, "platsen", 200);
    screen(e, "place", &place);
    let occurred = forms::required_date(e, "occurred_on", &form.occurred_on);
    if let Some(d) = occurred {
        if d > today() {
            e.add("occurred_on", "Datumet kan inte ligga i framtiden.");
        } else if d < today() - Days::new(365) {
            e.add(
                "occurred_on",
                "Datumet ligger mer än ett år bakåt. Kontakta kommunen direkt om det gäller något äldre.",
            );
        }
    }
    let band = TimeBand::from_form(e, &form.time_band);
    let description =
        forms::required_text(e, "description", &form.description, "vad som hände", 2000);
    screen(e, "description", &description);
    let contact = contact(e, &form.contact);
    let (Some(category), Some(area), Some(occurred), true) =
        (category, area, occurred, e.is_empty())
    else {
        return None;
    };
    Some(NewTip {
        category,
        area,
        occurred,
        band,
        place: (!place.is_empty()).then_some(place),
        description,
        contact,
        point: None,
    })
}

/// The tip as it would be stored, or `None` with the reasons in `e`.
async fn checked(
    state: &AppState,
    m: MunicipalityId,
    form: &TipForm,
    e: &mut FieldErrors,
) -> AppResult<Option<NewTip>> {
    let categories = public_categories(&state.db, m).await?;
    let areas = crate::est::db::areas(&state.db, m).await?;
    let mut tip = validate(form, &categories, &areas, e);
    let (latitude, longitude) =
        crate::map::picker::checked_point(&state.db, m, &form.latitude, &form.longitude, e).await?;
    if let Some(tip) = tip.as_mut() {
        tip.point = latitude.zip(longitude);
    }
    Ok(tip)
}

/// What a refused form is told when it was sent too soon or too late, or
/// too often: said for the page, not by a field (nothing typed is wrong),
/// so a field's own error still shows.
const TOO_FAST: &str = "Tipset kunde inte tas emot: formuläret skickades för snabbt. Vänta några sekunder och skicka igen – det du skrivit finns kvar.";
const EXPIRED: &str = "Tipset kunde inte tas emot: sidan har varit öppen för länge. Kontrollera uppgifterna och skicka igen – det du skrivit finns kvar.";
const TOO_MANY: &str = "Många tips har skickats härifrån på kort tid. Vänta en stund och försök igen – det du skrivit finns kvar.";
const HONEYPOT: &str = "Lämna fältet ”Webbplats” tomt.";

/// `POST /tips/{kommun}`: checks the form, then stores the tip and its
/// contact in one transaction and answers with the receipt.
#[tracing::instrument(skip_all, fields(municipality.slug = %slug))]
pub async fn submit(
    State(state): State<AppState>,
    Params(slug): Params<String>,
    ClientAddress(client): ClientAddress,
    Form(mut form): Form<TipForm>,
) -> AppResult<Response> {
    let municipality = Municipality::by_slug(&state.db, &slug).await?;
    let m = municipality.id;
    if let Some(again) = crate::map::picker::click(
        &state.db,
        m,
        &form.picker,
        &mut form.latitude,
        &mut form.longitude,
        &mut form.area_id,
    )
    .await?
    {
        let mut page = render(&state, municipality, form, again).await?;
        // The form's stamp stays: a click on the map is not a sending.
        page.stamp.clone_from(&page.form.stamp);
        return Ok(page.into_response());
    }
    let mut e = FieldErrors::default();
    if !state.tips.admit(client) {
        e.add_to_page(TOO_MANY);
        return refuse(&state, municipality, form, e, StatusCode::TOO_MANY_REQUESTS).await;
    }
    let tip = checked(&state, m, &form, &mut e).await?;
    let nonce = check_stamp(&state, m, &form, &mut e).await?;
    let (Some(tip), Some(nonce), true) = (tip, nonce, e.is_empty()) else {
        return refuse(
            &state,
            municipality,
            form,
            e,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let mut tx = state.db.begin().await?;
    // The stamp's nonce is claimed once: a form sent again stores nothing.
    let first = sqlx::query!(
        "insert into form_submission (token, person_id) values ($1, null) on conflict do nothing",
        nonce
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !first {
        // The same form again (a double click, back and resend): the
        // receipt of the tip it made, which is stored only once.
        tx.rollback().await?;
        return earlier_receipt(&state, municipality, nonce).await;
    }
    let id = Uuid::now_v7();
    let reference = store_tip(&mut tx, m, id, &tip, nonce).await?;
    tx.commit().await?;
    tracing::info!(tip.id = %id, "public tip received");
    Ok(ReceiptPage {
        chrome: Chrome::anonymous(),
        municipality,
        reference,
        wants_answer: tip.contact.is_some(),
    }
    .into_response())
}

/// Refuses a form filled in by a robot (the hidden field) or sent too
/// soon or too late; the stamp's nonce when it may be stored. Only a form
/// whose fields are right (`e` empty) is checked: a form shown again for
/// its fields gets a fresh stamp anyway, and "sent too fast" beside "say
/// what happened" only confuses.
async fn check_stamp(
    state: &AppState,
    m: MunicipalityId,
    form: &TipForm,
    e: &mut FieldErrors,
) -> AppResult<Option<Uuid>> {
    if !e.is_empty() {
        return Ok(None);
    }
    if !form.webbplats.is_empty() {
        e.add("webbplats", HONEYPOT);
    }
    Ok(
        match state
            .tips
            .check(&state.db, m, &form.stamp, Utc::now())
            .await?
        {
            StampCheck::Valid(nonce) => Some(nonce),
            StampCheck::TooFast => {
                e.add_to_page(TOO_FAST);
                None
            }
            StampCheck::Expired | StampCheck::Invalid => {
                e.add_to_page(EXPIRED);
                None
            }
        },
    )
}

/// The receipt of the tip an earlier sending of the same form made.
async fn earlier_receipt(
    state: &AppState,
    municipality: Municipality,
    nonce: Uuid,
) -> AppResult<Response> {
    let earlier = sqlx::query!(
        r#"select t.reference,
                      exists (select 1 from public_tip_contact c
                              where c.tip_id = t.id and c.municipality_id = $1) as "wants_answer!"
               from public_tip t where t.municipality_id = $1 and t.form_token = $2"#,
        municipality.id.get(),
        nonce
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or_else(|| {
        AppError::OutOfRange("Tipset var redan skickat – det sparades bara en gång.".into())
    })?;
    Ok(ReceiptPage {
        chrome: Chrome::anonymous(),
        municipality,
        reference: earlier.reference,
        wants_answer: earlier.wants_answer,
    }
    .into_response())
}

/// Stores the tip under a new reference, tried until one is free, and
/// its contact; returns the reference.
async fn store_tip(
    tx: &mut PgConnection,
    m: MunicipalityId,
    id: Uuid,
    tip: &NewTip,
    nonce: Uuid,
) -> AppResult<String> {
    let reference = loop {
        let reference = new_reference();
        let inserted = sqlx::query!(
            r#"insert into public_tip (id, municipality_id, reference, category_id, area_id, occurred_on,
                                       time_band, place, description, form_token, latitude, longitude)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
               on conflict (municipality_id, reference) do nothing"#,
            id,
            m.get(),
            reference,
            tip.category,
            tip.area,
            tip.occurred,
            tip.band as Option<TimeBand>,
            tip.place,
            tip.description,
            nonce,
            tip.point.map(|p| p.0),
            tip.point.map(|p| p.1)
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            break reference;
        }
    };
    if let Some((kind, value)) = &tip.contact {
        sqlx::query!(
            "insert into public_tip_contact (tip_id, municipality_id, kind, value) values ($1, $2, $3, $4)",
            id,
            m.get(),
            kind,
            value
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(reference)
}

/// `GET /tips/{kommun}/karta.svg`: the tip form's map, for anyone.
pub async fn map_image(
    State(state): State<AppState>,
    Params(slug): Params<String>,
    Query(q): Query<crate::map::picker::SvgQuery>,
) -> AppResult<Response> {
    let municipality = Municipality::by_slug(&state.db, &slug).await?;
    crate::map::picker::draw(&state, municipality.id, &q, false).await
}

async fn refuse(
    state: &AppState,
    municipality: Municipality,
    form: TipForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let page = render(state, municipality, form, errors).await?;
    Ok((status, page).into_response())
}

/// A reference such as `T-7K3M9Q`: letters and digits that cannot be
/// mistaken for one another when read aloud or copied by hand.
fn new_reference() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::rng();
    let code: String = (0..6)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("T-{code}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poster_code_is_an_inline_svg_without_xml_declaration() {
        let svg = qr_svg("https://samordna.example/tips/lindesberg").expect("qr");
        assert!(svg.starts_with("<svg role=\"img\""));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn a_reference_has_six_unambiguous_characters() {
        let r = new_reference();
        assert_eq!(r.len(), 8);
        assert!(r.starts_with("T-"));
        assert!(!r[2..].contains(['0', 'O', '1', 'I']));
    }

    #[test]
    fn a_contact_is_an_email_address_or_a_phone_number() {
        let mut e = FieldErrors::default();
        assert_eq!(
            contact(&mut e, " Anna@Example.se "),
            Some(("email", "anna@example.se".into()))
        );
        assert_eq!(
            contact(&mut e, "070-123 45 67"),
            Some(("phone", "070-123 45 67".into()))
        );
        assert_eq!(contact(&mut e, ""), None);
        assert!(e.is_empty());
        assert_eq!(contact(&mut e, "ring mig"), None);
        assert!(e.has("contact"));
    }
}
