//! Queries for agreements, scoped by municipality.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{AgreementStatus, Content, GroupRole, Signatures, State, fingerprint};
use crate::error::{AppError, AppResult};
use crate::tenant::MunicipalityId;

/// An agreement with its current version.
pub struct Agreement {
    pub id: Uuid,
    pub type_id: Uuid,
    pub type_key: String,
    pub type_name: String,
    pub counterpart_id: Uuid,
    pub counterpart: String,
    pub status: AgreementStatus,
    pub current_version: i32,
    pub terminated_on: Option<NaiveDate>,
    pub terminated_reason: String,
    pub title: String,
    pub registry_no: String,
    pub purposes: String,
    pub areas: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub contact_people: String,
    pub notes: String,
    pub groups: Json<Vec<GroupRole>>,
    pub document_name: Option<String>,
    pub document_sha256: Option<String>,
    pub content_sha256: String,
    pub fingerprint: String,
    pub required: i64,
    pub signed: i64,
    pub counterparty_signed: bool,
    /// The signatory positions (and their holders today) that have not
    /// signed the current version: "kommundirektör (Anders Wikström)".
    pub waiting_for: Option<String>,
}

impl Agreement {
    pub fn state(&self, today: NaiveDate) -> State {
        State::derive(
            self.status,
            Signatures::of(self.required, self.signed, self.counterparty_signed),
            self.valid_from,
            self.valid_to,
            today,
        )
    }

    /// Days until it ends, if it has an end date.
    pub fn days_left(&self, today: NaiveDate) -> Option<i64> {
        self.valid_to.map(|to| (to - today).num_days())
    }
}

/// Agreements of the municipality (one, when `id` is given).
pub async fn agreements(
    db: impl sqlx::PgExecutor<'_>,
    m: MunicipalityId,
    id: Option<Uuid>,
) -> AppResult<Vec<Agreement>> {
    Ok(sqlx::query_as!(
        Agreement,
        r#"select a.id, a.type_id, t.key as type_key, t.name as type_name, o.id as counterpart_id, o.name as counterpart,
                  a.status as "status: AgreementStatus", a.current_version, a.terminated_on, a.terminated_reason,
                  v.title, v.registry_no, v.purposes, v.areas, v.valid_from, v.valid_to, v.contact_people, v.notes,
                  v.groups as "groups: Json<Vec<GroupRole>>", v.document_name, v.document_sha256, v.content_sha256, v.fingerprint,
                  (select count(*) from agreement_type_signatory s where s.agreement_type_id = a.type_id) as "required!",
                  (select count(*) from agreement_signature sg
                   where sg.agreement_id = a.id and sg.version = a.current_version and sg.voided_at is null
                     and sg.position_id in (select s.position_id from agreement_type_signatory s where s.agreement_type_id = a.type_id)
                  ) as "signed!",
                  agreement_counterparty_signed($1, a.id) as "counterparty_signed!",
                  agreement_waiting_for($1, a.id, (now() at time zone 'Europe/Stockholm')::date) as waiting_for
           from agreement a
           join agreement_type t on t.id = a.type_id
           join organisation o on o.id = a.counterpart_id
           join agreement_version v on v.agreement_id = a.id and v.version = a.current_version
           where a.municipality_id = $1 and ($2::uuid is null or a.id = $2)
           order by o.name, v.title"#,
        m.get(),
        id
    )
    .fetch_all(db)
    .await?)
}

pub async fn agreement(
    db: impl sqlx::PgExecutor<'_>,
    m: MunicipalityId,
    id: Uuid,
) -> AppResult<Agreement> {
    agreements(db, m, Some(id))
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// A required signatory position and its signature on the current version.
pub struct SignatoryRow {
    pub position_id: Uuid,
    pub title: String,
    pub holder: Option<String>,
    pub signature_id: Option<Uuid>,
    pub signed_by: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
}

impl SignatoryRow {
    pub fn signed_at_text(&self) -> String {
        self.signed_at
            .map(crate::web::format_local)
            .unwrap_or_default()
    }
}

pub async fn signatories(
    db: &PgPool,
    m: MunicipalityId,
    a: &Agreement,
    day: NaiveDate,
) -> AppResult<Vec<SignatoryRow>> {
    Ok(sqlx::query_as!(
        SignatoryRow,
        r#"select p.id as position_id, p.title, hn.name as "holder?",
                  sg.id as "signature_id?", pe.name as "signed_by?", sg.signed_at as "signed_at?"
           from agreement_type_signatory s
           join position p on p.id = s.position_id
           left join agreement_signature sg on sg.agreement_id = $2 and sg.version = $4 and sg.position_id = p.id and sg.voided_at is null
           left join person pe on pe.id = sg.person_id
           left join holders_on($5, $3) hn on hn.position_id = p.id
           where s.agreement_type_id = $1 and s.municipality_id = $5
           order by p.title"#,
        a.type_id,
        a.id,
        day,
        a.current_version,
        m.get()
    )
    .fetch_all(db)
    .await?)
}

/// A version in the history.
pub struct VersionRow {
    pub version: i32,
    pub title: String,
    pub fingerprint: String,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
    pub has_document: bool,
    pub voided: i64,
}

impl VersionRow {
    pub fn created_text(&self) -> String {
        crate::web::format_local(self.created_at)
    }
}

pub async fn versions(db: &PgPool, m: MunicipalityId, id: Uuid) -> AppResult<Vec<VersionRow>> {
    Ok(sqlx::query_as!(
        VersionRow,
        r#"select v.version, v.title, v.fingerprint, v.created_at, p.name as "created_by?",
                  v.document is not null as "has_document!",
                  (select count(*) from agreement_signature s where s.agreement_id = v.agreement_id and s.version = v.version and s.voided_at is not null) as "voided!"
           from agreement_version v left join person p on p.id = v.created_by
           where v.agreement_id = $1 and v.municipality_id = $2 order by v.version desc"#,
        id,
        m.get()
    )
    .fetch_all(db)
    .await?)
}

/// A new version's fields.
pub struct NewVersion<'a> {
    pub content: Content<'a>,
    pub document: Option<(&'a str, &'a [u8])>,
}

/// Writes version `version` of an agreement, makes it current, and voids
/// signatures given to earlier versions. Returns how many were voided.
pub async fn write_version(
    conn: &mut PgConnection,
    m: MunicipalityId,
    agreement_id: Uuid,
    version: i32,
    v: &NewVersion<'_>,
    keep_document_from: Option<i32>,
    by: Uuid,
) -> sqlx::Result<u64> {
    let content_sha = v.content.sha256();
    let c = &v.content;
    let groups = Json(c.groups.to_vec());
    let (doc_name, doc_bytes, doc_sha) =
        document(&mut *conn, agreement_id, v.document, keep_document_from).await?;
    let print = fingerprint(&content_sha, doc_sha.as_deref());
    sqlx::query!(
        r#"insert into agreement_version (id, municipality_id, agreement_id, version, title, registry_no, purposes, areas,
                                          valid_from, valid_to, contact_people, notes, groups, content_sha256,
                                          document, document_name, document_sha256, fingerprint, created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"#,
        Uuid::now_v7(), m.get(), agreement_id, version, c.title, c.registry_no, c.purposes, c.areas, c.valid_from, c.valid_to,
        c.contact_people, c.notes, groups as _, content_sha, doc_bytes, doc_name, doc_sha, print, by
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "update agreement set current_version = $2, expiry_notified_at = null where id = $1 and municipality_id = $3",
        agreement_id,
        version,
        m.get()
    )
    .execute(&mut *conn)
    .await?;
    replace_groups(&mut *conn, m, agreement_id, c.groups).await?;
    Ok(sqlx::query!(
        "update agreement_signature set voided_at = now() where agreement_id = $1 and version < $2 and voided_at is null and municipality_id = $3",
        agreement_id,
        version,
        m.get()
    )
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// A version's document: the one uploaded (`upload`), or without one the
/// document of version `keep_from`, which carries over. Name, bytes and
/// SHA-256.
async fn document(
    conn: &mut PgConnection,
    agreement_id: Uuid,
    upload: Option<(&str, &[u8])>,
    keep_from: Option<i32>,
) -> sqlx::Result<(Option<String>, Option<Vec<u8>>, Option<String>)> {
    if let Some((name, bytes)) = upload {
        return Ok((
            Some(name.to_owned()),
            Some(bytes.to_vec()),
            Some(super::model::sha256_hex(bytes)),
        ));
    }
    let Some(previous) = keep_from else {
        return Ok((None, None, None));
    };
    let row = sqlx::query!(
        "select document_name, document, document_sha256 from agreement_version where agreement_id = $1 and version = $2",
        agreement_id,
        previous
    )
    .fetch_one(conn)
    .await?;
    Ok((row.document_name, row.document, row.document_sha256))
}

/// Replaces the groups an agreement names.
async fn replace_groups(
    conn: &mut PgConnection,
    m: MunicipalityId,
    agreement_id: Uuid,
    groups: &[GroupRole],
) -> sqlx::Result<()> {
    sqlx::query!(
        "delete from agreement_group where agreement_id = $1 and municipality_id = $2",
        agreement_id,
        m.get()
    )
    .execute(&mut *conn)
    .await?;
    for g in groups {
        sqlx::query!(
            "insert into agreement_group (agreement_id, municipality_id, work_group_id, role) values ($1, $2, $3, $4)",
            agreement_id, m.get(), g.group_id, g.role
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Current holders of the positions that still have to sign the current version.
pub async fn pending_signatories(
    db: impl sqlx::PgExecutor<'_>,
    m: MunicipalityId,
    a: &Agreement,
    day: NaiveDate,
) -> AppResult<Vec<(String, String)>> {
    Ok(sqlx::query!(
        r#"select pe.name, pe.email from agreement_type_signatory s
           join position_holder h on h.position_id = s.position_id and h.held_from <= $3 and (h.held_to is null or h.held_to >= $3)
           join person pe on pe.id = h.person_id
           where s.agreement_type_id = $1 and s.municipality_id = $4 and pe.active
             and not exists (select 1 from agreement_signature sg where sg.agreement_id = $2 and sg.version = $5
                             and sg.position_id = s.position_id and sg.voided_at is null)"#,
        a.type_id,
        a.id,
        day,
        m.get(),
        a.current_version
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.name, r.email))
    .collect())
}

/// The coordinators (holders of administrator positions) of a municipality.
pub async fn coordinators(
    db: impl sqlx::PgExecutor<'_>,
    m: MunicipalityId,
    day: NaiveDate,
) -> AppResult<Vec<(String, String)>> {
    Ok(sqlx::query!(
        r#"select distinct pe.name, pe.email from position p
           join position_holder h on h.position_id = p.id and h.held_from <= $2 and (h.held_to is null or h.held_to >= $2)
           join person pe on pe.id = h.person_id
           where p.municipality_id = $1 and p.grants_admin and pe.active"#,
        m.get(),
        day
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.name, r.email))
    .collect())
}

/// The key of one of the municipality's agreement types.
pub async fn type_key(db: &PgPool, m: MunicipalityId, id: Uuid) -> AppResult<Option<String>> {
    Ok(sqlx::query_scalar!(
        "select key from agreement_type where id = $1 and municipality_id = $2",
        id,
        m.get()
    )
    .fetch_optional(db)
    .await?)
}

/// The name of one of the municipality's organisations.
pub async fn organisation_name(
    db: &PgPool,
    m: MunicipalityId,
    id: Uuid,
) -> AppResult<Option<String>> {
    Ok(sqlx::query_scalar!(
        "select name from organisation where id = $1 and municipality_id = $2",
        id,
        m.get()
    )
    .fetch_optional(db)
    .await?)
}

/// Those of `ids` that are the municipality's groups, with their names, by name.
pub async fn group_names(
    db: &PgPool,
    m: MunicipalityId,
    ids: &[Uuid],
) -> AppResult<Vec<(Uuid, String)>> {
    Ok(sqlx::query!(
        "select id, name from work_group where municipality_id = $1 and id = any($2) order by name",
        m.get(),
        ids
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.id, r.name))
    .collect())
}

/// Locks the agreement row and reads its current version, so that no new
/// version slips in while a signature is stored.
pub async fn lock_current_version(conn: &mut PgConnection, id: Uuid) -> AppResult<i32> {
    Ok(sqlx::query_scalar!(
        "select current_version from agreement where id = $1 for update",
        id
    )
    .fetch_one(conn)
    .await?)
}

/// A signature of the agreement's current version.
pub struct NewSignature<'a> {
    pub id: Uuid,
    pub agreement: &'a Agreement,
    pub position: Uuid,
    pub person: Uuid,
    pub client_ip: &'a str,
    pub user_agent: &'a str,
}

/// Stores a signature; a second one of the same position and version
/// breaks `agreement_signature_once` (the caller's to report).
pub async fn insert_signature(
    conn: &mut PgConnection,
    m: MunicipalityId,
    s: &NewSignature<'_>,
) -> Result<(), sqlx::Error> {
    let a = s.agreement;
    sqlx::query!(
        r#"insert into agreement_signature (id, municipality_id, agreement_id, version, position_id, person_id, fingerprint, client_ip, user_agent)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#,
        s.id, m.get(), a.id, a.current_version, s.position, s.person, a.fingerprint, s.client_ip, s.user_agent
    )
    .execute(conn)
    .await?;
    Ok(())
}
