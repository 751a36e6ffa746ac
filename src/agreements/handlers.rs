//! `/avtal`: the register, the agreement page with versions and signatures,
//! and registering or changing an agreement (a PDF upload each time is
//! optional; without one the previous document carries over).

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::json;
use uuid::Uuid;

use super::access::{AgreementAccess, Listed};
use super::compliance::{self, Gap};
use super::db::{self, Agreement, NewVersion, SignatoryRow, VersionRow};
use super::model::{
    AgreementStatus, Content, GroupRole, MAX_DOCUMENT_BYTES, State as AgreementState, is_pdf,
};
use super::notify;
use crate::audit::Event;
use crate::error::{AppError, AppResult};
use crate::mail::outbox;
use crate::state::AppState;
use crate::tenant::MunicipalityId;
use crate::web::change::Change;
use crate::web::choice::Choice;
use crate::web::extract::{Admin, CurrentUser};
use crate::web::forms::{self, FieldErrors, Form, TokenForm, unprocessable};
use crate::web::layout::{Chrome, Flash};
use crate::web::path::{IdPath, Params};
use crate::web::today;
use crate::web::upload::{DOCUMENT_CSP, Upload, read_form};

#[derive(Template, WebTemplate)]
#[template(path = "agreements/index.html")]
pub struct IndexPage {
    chrome: Chrome,
    in_force: Vec<Listed>,
    waiting: Vec<Listed>,
    expiring: Vec<Listed>,
    others: Vec<Listed>,
    gaps: Vec<Gap>,
    warning_days: i32,
    admin: bool,
    /// Holds a signatory position: "Att signera" is linked, also when empty.
    signs: bool,
    to_sign: usize,
}

pub async fn index(State(state): State<AppState>, user: CurrentUser) -> AppResult<IndexPage> {
    let access = AgreementAccess::load(&state.db, &user).await?;
    let m = user.tenant();
    let day = today();
    let warning_days = sqlx::query_scalar!(
        "select agreement_warning_days from municipality where id = $1",
        m.get()
    )
    .fetch_one(&state.db)
    .await?;
    let (mut in_force, mut waiting, mut expiring, mut others) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for a in db::agreements(&state.db, user.tenant(), None).await? {
        if !access.can_see(&a) {
            continue;
        }
        let listed = Listed {
            state: a.state(day),
            days_left: a.days_left(day),
            agreement: a,
        };
        match listed.state {
            AgreementState::InForce
                if listed
                    .days_left
                    .is_some_and(|d| d <= i64::from(warning_days)) =>
            {
                expiring.push(listed)
            }
            AgreementState::InForce => in_force.push(listed),
            s if s.is_waiting() => waiting.push(listed),
            _ => others.push(listed),
        }
    }
    let gaps = if access.read_all {
        compliance::gaps(&state.db, m, day).await?
    } else {
        Vec::new()
    };
    let to_sign = super::access::awaiting_my_signature(&state.db, user.tenant(), &access, day)
        .await?
        .len();
    Ok(IndexPage {
        chrome: user.chrome("avtal").await,
        in_force,
        waiting,
        expiring,
        others,
        gaps,
        warning_days,
        admin: access.admin,
        signs: !access.signs_as.is_empty(),
        to_sign,
    })
}

/// The agreement form as typed.
#[derive(Default, Clone)]
pub struct AgreementForm {
    pub type_id: String,
    pub counterpart_id: String,
    pub title: String,
    pub registry_no: String,
    pub purposes: String,
    pub areas: String,
    pub valid_from: String,
    pub valid_to: String,
    pub contact_people: String,
    pub notes: String,
    /// Group id → role, for the groups ticked.
    pub groups: HashMap<Uuid, String>,
}

impl AgreementForm {
    /// The free-text fields' lengths and required ones.
    fn check_texts(&self, e: &mut FieldErrors) {
        forms::required_line(e, "title", &self.title, "avtalets rubrik", 300);
        forms::optional_line(e, "registry_no", &self.registry_no, "diarienumret", 100);
        forms::required_text(e, "purposes", &self.purposes, "syftet med samverkan", 4000);
        forms::required_text(e, "areas", &self.areas, "områdena för samverkan", 4000);
        forms::optional_text(
            e,
            "contact_people",
            &self.contact_people,
            "kontaktpersonerna",
            1000,
        );
        forms::optional_text(e, "notes", &self.notes, "anteckningarna", 4000);
    }

    pub fn has_group(&self, id: &Uuid) -> bool {
        self.groups.contains_key(id)
    }

    pub fn role_in(&self, id: &Uuid) -> &str {
        self.groups.get(id).map_or("", String::as_str)
    }

    fn from_agreement(a: &Agreement) -> Self {
        Self {
            type_id: a.type_id.to_string(),
            counterpart_id: a.counterpart_id.to_string(),
            title: a.title.clone(),
            registry_no: a.registry_no.clone(),
            purposes: a.purposes.clone(),
            areas: a.areas.clone(),
            valid_from: a.valid_from.to_string(),
            valid_to: a.valid_to.map(|d| d.to_string()).unwrap_or_default(),
            contact_people: a.contact_people.clone(),
            notes: a.notes.clone(),
            groups: a
                .groups
                .0
                .iter()
                .map(|g| (g.group_id, g.role.clone()))
                .collect(),
        }
    }
}

fn form_from(fields: &HashMap<String, String>) -> AgreementForm {
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let groups = fields
        .keys()
        .filter_map(|k| {
            k.strip_prefix("group_")
                .and_then(|id| Uuid::parse_str(id).ok())
        })
        .map(|id| {
            (
                id,
                fields
                    .get(&format!("role_{id}"))
                    .map(|r| r.trim().to_owned())
                    .unwrap_or_default(),
            )
        })
        .collect();
    AgreementForm {
        type_id: get("type_id"),
        counterpart_id: get("counterpart_id"),
        title: get("title"),
        registry_no: get("registry_no"),
        purposes: get("purposes"),
        areas: get("areas"),
        valid_from: get("valid_from"),
        valid_to: get("valid_to"),
        contact_people: get("contact_people"),
        notes: get("notes"),
        groups,
    }
}

/// Checks an uploaded document: a PDF by content, at most 10 MB.
pub fn check_document(errors: &mut FieldErrors, field: &'static str, upload: Option<&Upload>) {
    if let Some(u) = upload {
        if u.bytes.len() > MAX_DOCUMENT_BYTES {
            errors.add(
                field,
                "Dokumentet är större än 10 MB. Spara det med lägre upplösning och försök igen.",
            );
        } else if !is_pdf(&u.bytes) {
            errors.add(
                field,
                "Dokumentet är inte en PDF-fil. Spara avtalet som PDF och ladda upp det igen.",
            );
        } else if let Err(problem) = super::pdf::inspect(&u.bytes) {
            errors.add(field, problem.message());
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agreements/form.html")]
pub struct FormPage {
    chrome: Chrome,
    editing: Option<Agreement>,
    types: Vec<Choice>,
    organisations: Vec<Choice>,
    groups: Vec<Choice>,
    form: AgreementForm,
    errors: FieldErrors,
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    editing: Option<Agreement>,
    form: AgreementForm,
    errors: FieldErrors,
) -> AppResult<FormPage> {
    let m = user.tenant();
    let day = today();
    let types = sqlx::query_as!(
        Choice,
        "select id, name as label from agreement_type where municipality_id = $1 order by name",
        m.get()
    )
    .fetch_all(&state.db)
    .await?;
    let organisations = sqlx::query_as!(
        Choice,
        "select id, name as label from organisation where municipality_id = $1 order by external desc, name",
        m.get()
    )
    .fetch_all(&state.db)
    .await?;
    let groups = crate::structure::db::groups(&state.db, m, day)
        .await?
        .into_iter()
        .filter(|g| g.is_active(&day))
        .map(|g| Choice {
            id: g.id,
            label: g.name,
        })
        .collect();
    Ok(FormPage {
        chrome: user.chrome("avtal").await,
        editing,
        types,
        organisations,
        groups,
        form,
        errors,
    })
}

pub async fn new_page(State(state): State<AppState>, Admin(user): Admin) -> AppResult<FormPage> {
    let form = AgreementForm {
        valid_from: today().to_string(),
        ..AgreementForm::default()
    };
    form_page(&state, &user, None, form, FieldErrors::default()).await
}

/// A validated agreement.
struct Valid {
    type_id: Uuid,
    type_key: String,
    counterpart_id: Uuid,
    counterpart: String,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    groups: Vec<GroupRole>,
}

/// Checks the form and looks up its choices: the agreement type, the
/// counterpart and the groups must be the municipality's.
async fn validate(
    state: &AppState,
    m: MunicipalityId,
    f: &AgreementForm,
    upload: Option<&Upload>,
    e: &mut FieldErrors,
) -> AppResult<Option<Valid>> {
    f.check_texts(e);
    let type_id = forms::required_id(e, "type_id", &f.type_id, "Välj typ av avtal.");
    let counterpart_id =
        forms::required_id(e, "counterpart_id", &f.counterpart_id, "Välj motpart.");
    let valid_from = forms::required_date(e, "valid_from", &f.valid_from);
    let valid_to = forms::optional_date(e, "valid_to", &f.valid_to);
    if let (Some(from), Some(to)) = (valid_from, valid_to)
        && to < from
    {
        e.add("valid_to", "Slutdatumet kan inte vara före startdatumet.");
    }
    check_document(e, "document", upload);
    let type_key = match type_id {
        Some(t) => db::type_key(&state.db, m, t).await?,
        None => None,
    };
    if type_id.is_some() && type_key.is_none() {
        e.add("type_id", "Välj en av avtalstyperna.");
    }
    let counterpart = match counterpart_id {
        Some(o) => db::organisation_name(&state.db, m, o).await?,
        None => None,
    };
    if counterpart_id.is_some() && counterpart.is_none() {
        e.add("counterpart_id", "Välj en av kommunens organisationer.");
    }
    let groups = chosen_groups(&state.db, m, f, e).await?;
    let (Some(type_id), Some(type_key), Some(counterpart_id), Some(counterpart), Some(valid_from)) =
        (type_id, type_key, counterpart_id, counterpart, valid_from)
    else {
        return Ok(None);
    };
    Ok(e.is_empty().then_some(Valid {
        type_id,
        type_key,
        counterpart_id,
        counterpart,
        valid_from,
        valid_to,
        groups,
    }))
}

/// The groups ticked on the form with the counterpart's role in each;
/// at least one, each with a role.
async fn chosen_groups(
    db: &sqlx::PgPool,
    m: MunicipalityId,
    f: &AgreementForm,
    e: &mut FieldErrors,
) -> AppResult<Vec<GroupRole>> {
    let group_ids: Vec<Uuid> = f.groups.keys().copied().collect();
    let groups: Vec<GroupRole> = db::group_names(db, m, &group_ids)
        .await?
        .into_iter()
        .map(|(group_id, group)| GroupRole {
            role: f.role_in(&group_id).to_owned(),
            group_id,
            group,
        })
        .collect();
    if groups.is_empty() {
        e.add(
            "groups",
            "Ange i vilken grupp i strukturen motparten deltar.",
        );
    }
    if groups.iter().any(|g| g.role.is_empty()) {
        e.add(
            "groups",
            "Ange motpartens roll i varje vald grupp, till exempel ”ledamot”.",
        );
    }
    for g in &groups {
        forms::check_line(e, "groups", &g.role, "motpartens roll");
    }
    Ok(groups)
}

/// The form's content and the uploaded document, as a version to write.
fn new_version<'a>(
    f: &'a AgreementForm,
    v: &'a Valid,
    upload: Option<&'a Upload>,
) -> NewVersion<'a> {
    NewVersion {
        content: content(f, v),
        document: upload.map(|u| (u.name.as_str(), u.bytes.as_slice())),
    }
}

/// The audit summary of a new version: the title, the version and the
/// signatures it voided.
fn version_summary(title: &str, version: i32, voided: u64) -> String {
    let voided = if voided > 0 {
        format!(
            ", {} ogiltiga",
            crate::web::words::count(voided, "signatur", "signaturer")
        )
    } else {
        String::new()
    };
    format!("{title} version {version}{voided}")
}

fn content<'a>(f: &'a AgreementForm, v: &'a Valid) -> Content<'a> {
    Content {
        agreement_type: &v.type_key,
        counterpart: &v.counterpart,
        title: f.title.trim(),
        registry_no: f.registry_no.trim(),
        purposes: f.purposes.trim(),
        areas: f.areas.trim(),
        valid_from: v.valid_from,
        valid_to: v.valid_to,
        contact_people: f.contact_people.trim(),
        notes: f.notes.trim(),
        groups: &v.groups,
    }
}

#[tracing::instrument(skip_all, fields(person.id = %user.id()))]
pub async fn create(
    State(state): State<AppState>,
    Admin(user): Admin,
    multipart: Multipart,
) -> AppResult<Response> {
    let (fields, upload) = read_form(multipart).await?;
    let form = form_from(&fields);
    let m = user.tenant();
    let mut e = FieldErrors::default();
    let Some(valid) = validate(&state, m, &form, upload.as_ref(), &mut e).await? else {
        let page = form_page(&state, &user, None, form, e).await?;
        return unprocessable(page);
    };
    let id = Uuid::now_v7();
    let token = fields.get("form_token").cloned().unwrap_or_default();
    let mut change = Change::once(&state, &user, &token, "/avtal").await?;
    sqlx::query!(
        "insert into agreement (id, municipality_id, type_id, counterpart_id) values ($1, $2, $3, $4)",
        id, m.get(), valid.type_id, valid.counterpart_id
    )
    .execute(change.tx())
    .await?;
    let v = new_version(&form, &valid, upload.as_ref());
    db::write_version(change.tx(), user.tenant(), id, 1, &v, None, user.id()).await?;
    let after = json!({
        "version": 1, "motpart": valid.counterpart, "dokument": upload.as_ref().map(|u| &u.name),
    });
    let summary = format!("{} med {}", form.title.trim(), valid.counterpart);
    let event = Event::new("registrerade", "avtal", summary)
        .on(id)
        .after(after);
    let flash = "Avtalet är registrerat som utkast. Skicka det för signering när det är klart.";
    change.done(event, flash, &format!("/avtal/{id}")).await
}

pub async fn edit_page(
    State(state): State<AppState>,
    Admin(user): Admin,
    IdPath(id): IdPath,
) -> AppResult<FormPage> {
    let a = db::agreement(&state.db, user.tenant(), id).await?;
    let form = AgreementForm::from_agreement(&a);
    form_page(&state, &user, Some(a), form, FieldErrors::default()).await
}

/// Saves a change as a new version; signatures of earlier versions are
/// voided and the signatories are told to sign again. The form's one-time
/// token keeps a repeat from making another version and mailing again.
#[tracing::instrument(skip_all, fields(person.id = %user.id(), agreement.id = %id))]
pub async fn update(
    State(state): State<AppState>,
    Admin(user): Admin,
    IdPath(id): IdPath,
    multipart: Multipart,
) -> AppResult<Response> {
    let m = user.tenant();
    let a = db::agreement(&state.db, m, id).await?;
    let (fields, upload) = read_form(multipart).await?;
    let form = form_from(&fields);
    let mut e = FieldErrors::default();
    if a.status == AgreementStatus::Terminated {
        e.add("title", "Avtalet är avslutat och kan inte ändras.");
    }
    let valid = validate(&state, m, &form, upload.as_ref(), &mut e).await?;
    let (Some(valid), true) = (valid, e.is_empty()) else {
        let page = form_page(&state, &user, Some(a), form, e).await?;
        return unprocessable(page);
    };
    let version = a.current_version + 1;
    let token = fields.get("form_token").cloned().unwrap_or_default();
    let mut change = Change::once(&state, &user, &token, &format!("/avtal/{id}")).await?;
    sqlx::query!(
        "update agreement set type_id = $2, counterpart_id = $3 where id = $1 and municipality_id = $4",
        id,
        valid.type_id,
        valid.counterpart_id,
        m.get()
    )
    .execute(change.tx())
    .await?;
    let v = new_version(&form, &valid, upload.as_ref());
    let voided = db::write_version(
        change.tx(),
        user.tenant(),
        id,
        version,
        &v,
        Some(a.current_version),
        user.id(),
    )
    .await?;
    let summary = version_summary(form.title.trim(), version, voided);
    let event = Event::new("ändrade", "avtal", summary)
        .on(id)
        .before(json!({ "version": a.current_version, "fingeravtryck": a.fingerprint }))
        .after(json!({ "version": version, "ogiltigförklarade signaturer": voided }));
    change.record(event).await?;
    let mail = if a.status == AgreementStatus::ForSigning {
        let a = db::agreement(change.tx(), user.tenant(), id).await?;
        notify::signatories(change.tx(), &state, user.tenant(), &a, voided > 0).await?
    } else {
        Vec::new()
    };
    let done = change.commit().await?;
    let delivery = outbox::deliver(&state, &mail).await;
    let resign = a.status == AgreementStatus::ForSigning && voided > 0;
    let message = updated_message(version, resign, &delivery);
    done.redirect(message, &format!("/avtal/{id}")).await
}

/// The flash after a new version: whether the signatories were asked to
/// sign again, and any mail that failed.
fn updated_message(version: i32, resign: bool, delivery: &outbox::Delivery) -> Flash {
    let mut message = format!("Ändringen är sparad som version {version}.");
    if resign {
        message.push_str(" Tidigare signaturer gäller inte längre; signatärerna har fått besked om att signera igen.");
    }
    message.push_str(delivery.filed_sentence());
    delivery.flash(message)
}

#[derive(Template, WebTemplate)]
#[template(path = "agreements/show.html")]
pub struct ShowPage {
    chrome: Chrome,
    a: Agreement,
    state_label: &'static str,
    state_key: &'static str,
    signatories: Vec<SignatoryRow>,
    versions: Vec<VersionRow>,
    counterparty: Option<CounterpartySignature>,
    can_sign_as: Vec<(Uuid, String)>,
    admin: bool,
    /// The counterparty's signature and the termination as sent, when the
    /// page is shown again with their errors.
    kept: Kept,
    errors: FieldErrors,
}

/// What was written in the page's smaller forms.
#[derive(Default)]
pub struct Kept {
    signer_name: String,
    signer_title: String,
    signed_on: String,
    terminated_on: String,
    reason: String,
}

/// The counterparty's signature on the current version.
pub struct CounterpartySignature {
    pub signer_name: String,
    pub signer_title: String,
    pub signed_on: NaiveDate,
    pub has_document: bool,
}

pub async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    errors: FieldErrors,
) -> AppResult<ShowPage> {
    let day = today();
    let a = db::agreement(&state.db, user.tenant(), id).await?;
    let access = AgreementAccess::load(&state.db, user).await?;
    access.require_see(&a)?;
    let signatories = db::signatories(&state.db, user.tenant(), &a, day).await?;
    let agreement_state = a.state(day);
    let can_sign_as = if agreement_state.awaits_signatures() {
        access
            .positions_for(&a)
            .into_iter()
            .filter(|(p, _)| {
                signatories
                    .iter()
                    .any(|s| s.position_id == *p && s.signature_id.is_none())
            })
            .collect()
    } else {
        Vec::new()
    };
    let counterparty = sqlx::query_as!(
        CounterpartySignature,
        r#"select signer_name, signer_title, signed_on, document is not null as "has_document!"
           from agreement_counterparty_signature where agreement_id = $1 and version = $2"#,
        id,
        a.current_version
    )
    .fetch_optional(&state.db)
    .await?;
    Ok(ShowPage {
        chrome: user.chrome("avtal").await,
        state_label: agreement_state.label(),
        state_key: agreement_state.key(),
        versions: db::versions(&state.db, user.tenant(), id).await?,
        signatories,
        counterparty,
        can_sign_as,
        admin: access.admin,
        kept: Kept::default(),
        errors,
        a,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath,
) -> AppResult<ShowPage> {
    show_page(&state, &user, id, FieldErrors::default()).await
}

/// `GET /avtal/{id}/dokument/{version}`: the PDF as stored.
pub async fn document(
    State(state): State<AppState>,
    user: CurrentUser,
    Params((id, version)): Params<(Uuid, i32)>,
) -> AppResult<Response> {
    let m = user.tenant();
    let a = db::agreement(&state.db, m, id).await?;
    AgreementAccess::load(&state.db, &user)
        .await?
        .require_see(&a)?;
    let doc = sqlx::query!(
        "select document, document_name from agreement_version where agreement_id = $1 and version = $2 and municipality_id = $3",
        id,
        version,
        m.get()
    )
    .fetch_optional(&state.db)
    .await?
    .and_then(|r| r.document.map(|d| (d, r.document_name.unwrap_or_else(|| "avtal.pdf".into()))))
    .ok_or(AppError::NotFound)?;
    let safe_name: String = doc
        .1
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || ".-_ ".contains(*c))
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_SECURITY_POLICY, DOCUMENT_CSP.to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "inline; filename=\"{}\"",
                    if safe_name.is_empty() {
                        "avtal.pdf"
                    } else {
                        &safe_name
                    }
                ),
            ),
        ],
        doc.0,
    )
        .into_response())
}

/// `POST /avtal/{id}/skicka`: sends a draft for signing. The form's
/// one-time token, and a statement that moves only a draft, make a repeat
/// (a double click, a resent post) mail no one again.
pub async fn send_for_signing(
    State(state): State<AppState>,
    Admin(user): Admin,
    IdPath(id): IdPath,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let back = format!("/avtal/{id}");
    let mut change = Change::once(&state, &user, &form.form_token, &back).await?;
    let moved = sqlx::query_scalar!(
        "update agreement set status = 'for_signing' where id = $1 and municipality_id = $2 and status = 'draft' returning id",
        id,
        m.get()
    )
    .fetch_optional(change.tx())
    .await?;
    if moved.is_none() {
        return not_a_draft(&state, &user, id, change).await;
    }
    let a = db::agreement(change.tx(), user.tenant(), id).await?;
    change
        .record(
            Event::new(
                "skickade för signering",
                "avtal",
                format!("{} version {}", a.title, a.current_version),
            )
            .on(id)
            .before(json!({ "status": "draft" }))
            .after(json!({ "status": "for_signing" })),
        )
        .await?;
    let mail = notify::signatories(change.tx(), &state, user.tenant(), &a, false).await?;
    let done = change.commit().await?;
    let delivery = outbox::deliver(&state, &mail).await;
    let message = delivery.flash(format!(
        "Avtalet är skickat för signering. {}",
        delivery.outcome(
            "Beskedet",
            &crate::web::words::count(delivery.sent.len(), "signatär", "signatärer")
        )
    ));
    done.redirect(message, &back).await
}

/// The answer when the agreement to send is no longer a draft: sent
/// already (the same click again from a fresh page), or never sendable.
async fn not_a_draft(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    change: Change<'_>,
) -> AppResult<Response> {
    let a = db::agreement(&state.db, user.tenant(), id).await?;
    if a.status == AgreementStatus::ForSigning {
        return change.sent_before(&format!("/avtal/{id}")).await;
    }
    change.rollback().await?;
    let mut e = FieldErrors::default();
    e.add("send", "Bara ett utkast kan skickas för signering.");
    let page = show_page(state, user, id, e).await?;
    unprocessable(page)
}

#[derive(serde::Deserialize)]
pub struct TerminateForm {
    #[serde(default)]
    terminated_on: String,
    #[serde(default)]
    reason: String,
    /// The one-time form token (`chrome.form_token`).
    #[serde(default)]
    form_token: String,
}

/// `POST /avtal/{id}/avsluta`. The form's one-time token makes a repeat
/// (a double click) say it was sent already instead of refusing it.
pub async fn terminate(
    State(state): State<AppState>,
    Admin(user): Admin,
    IdPath(id): IdPath,
    Form(form): Form<TerminateForm>,
) -> AppResult<Response> {
    let m = user.tenant();
    let a = db::agreement(&state.db, m, id).await?;
    let back = format!("/avtal/{id}");
    let mut change = Change::once(&state, &user, &form.form_token, &back).await?;
    let mut e = FieldErrors::default();
    let on = forms::required_date(&mut e, "terminated_on", &form.terminated_on);
    let reason = forms::required_line(&mut e, "reason", &form.reason, "skälet", 1000);
    if a.status == AgreementStatus::Terminated {
        e.add_to_page("Avtalet är redan avslutat.");
    }
    let (Some(on), true) = (on, e.is_empty()) else {
        change.rollback().await?;
        let mut page = show_page(&state, &user, id, e).await?;
        page.kept = Kept {
            terminated_on: form.terminated_on,
            reason: form.reason,
            ..Kept::default()
        };
        return unprocessable(page);
    };
    sqlx::query!(
        "update agreement set status = 'terminated', terminated_on = $3, terminated_reason = $4 where id = $1 and municipality_id = $2",
        id, m.get(), on, reason
    )
    .execute(change.tx())
    .await?;
    change
        .done(
            Event::new(
                "avslutade",
                "avtal",
                format!("{} från {on}: {reason}", a.title),
            )
            .on(id)
            .before(json!({ "status": a.status }))
            .after(json!({ "status": "terminated", "datum": on, "skäl": reason })),
            "Avtalet är avslutat.",
            &back,
        )
        .await
}

/// `POST /avtal/{id}/motpart`: records the counterparty's own signature
/// (name, title, date, and optionally the signed copy as PDF).
pub async fn counterparty(
    State(state): State<AppState>,
    Admin(user): Admin,
    IdPath(id): IdPath,
    multipart: Multipart,
) -> AppResult<Response> {
    let m = user.tenant();
    let mut a = db::agreement(&state.db, m, id).await?;
    let (fields, upload) = read_form(multipart).await?;
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let mut e = FieldErrors::default();
    let name = forms::required_line(
        &mut e,
        "signer_name",
        &get("signer_name"),
        "vem som signerade för motparten",
        200,
    );
    let title = forms::optional_line(&mut e, "signer_title", &get("signer_title"), "titeln", 200);
    let on = forms::required_date(&mut e, "signed_on", &get("signed_on"));
    check_document(&mut e, "signed_copy", upload.as_ref());
    if let Some(why) = a.status.takes_no_counterparty() {
        e.add_to_page(why);
    }
    let (Some(on), true) = (on, e.is_empty()) else {
        let mut page = show_page(&state, &user, id, e).await?;
        page.kept = Kept {
            signer_name: get("signer_name"),
            signer_title: get("signer_title"),
            signed_on: get("signed_on"),
            ..Kept::default()
        };
        return unprocessable(page);
    };
    let mut change = Change::begin(&state, &user).await?;
    sqlx::query!(
        r#"insert into agreement_counterparty_signature (agreement_id, municipality_id, version, signer_name, signer_title, signed_on, document, document_name, recorded_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           on conflict (agreement_id, version) do update set signer_name = excluded.signer_name, signer_title = excluded.signer_title,
               signed_on = excluded.signed_on, document = coalesce(excluded.document, agreement_counterparty_signature.document),
               document_name = coalesce(excluded.document_name, agreement_counterparty_signature.document_name), recorded_by = excluded.recorded_by"#,
        id, m.get(), a.current_version, name, title, on, upload.as_ref().map(|u| u.bytes.clone()), upload.as_ref().map(|u| u.name.clone()), user.id()
    )
    .execute(change.tx())
    .await?;
    // The agreement as it now stands: no need to read it again.
    a.counterparty_signed = true;
    let flash = if a.state(crate::web::today()) == AgreementState::InForce {
        "Motpartens signatur är registrerad. Avtalet är i kraft."
    } else {
        "Motpartens signatur är registrerad."
    };
    change
        .done(
            Event::new(
                "registrerade motpartens signatur",
                "avtal",
                format!("{} version {}: {name} {on}", a.title, a.current_version),
            )
            .on(id)
            .after(json!({ "namn": name, "titel": title, "datum": on })),
            flash,
            &format!("/avtal/{id}"),
        )
        .await
}
