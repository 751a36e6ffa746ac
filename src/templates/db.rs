//! Reading a municipality's structure as a template, and creating a new
//! municipality from one.

use std::collections::HashMap;

use sqlx::PgConnection;
use uuid::Uuid;

use super::model::{
    AgreementType, Cadence, CadenceKind, Category, Group, Guideline, MeetingMode, Member,
    Organisation, Position, Settings, Template,
};
use crate::error::{AppError, AppResult, OnConstraint};
use crate::structure::model::{OrgKind, Tier};
use crate::tenant::MunicipalityId;
use crate::web::forms::{FieldErrors, line_problem};

/// Reads municipality `m`'s structure: everything but people, holders,
/// meetings and reports. Dissolved groups are left out.
pub async fn export(conn: &mut PgConnection, m: MunicipalityId) -> AppResult<Template> {
    let mut template = municipality(conn, m).await?;
    template.organisations = sqlx::query!(
        r#"select name, kind as "kind: OrgKind", external from organisation
           where municipality_id = $1 order by id"#,
        m.get()
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| Organisation {
        name: r.name,
        kind: r.kind,
        external: r.external,
    })
    .collect();
    template.positions = positions(conn, m).await?;
    template.groups = groups(conn, m).await?;
    template.areas = sqlx::query_scalar!(
        "select name from area where municipality_id = $1 and active order by sort_order, id",
        m.get()
    )
    .fetch_all(&mut *conn)
    .await?;
    template.incident_categories = categories(conn, m).await?;
    template.agreement_types = agreement_types(conn, m).await?;
    Ok(template)
}

/// The template's head: the municipality's guideline and settings.
async fn municipality(conn: &mut PgConnection, m: MunicipalityId) -> AppResult<Template> {
    let r = sqlx::query!(
        r#"select name, guideline_title, guideline_adopted_by, guideline_adopted_on, guideline_registry_no,
                  guideline_owner, guideline_review_due, report_interval_weeks, retention_months,
                  agreement_warning_days, action_plan_body as "action_plan_body: Tier", lagesbild_interval_months
           from municipality where id = $1"#,
        m.get()
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(Template {
        format: super::model::FORMAT.to_owned(),
        version: super::model::VERSION,
        name: format!("Strukturen i {}", r.name),
        description: format!("Exporterad från {} {}.", r.name, crate::web::today()),
        guideline: Guideline {
            title: r.guideline_title,
            adopted_by: r.guideline_adopted_by,
            adopted_on: r.guideline_adopted_on,
            registry_no: r.guideline_registry_no,
            owner: r.guideline_owner,
            review_due: r.guideline_review_due,
        },
        settings: Settings {
            report_interval_weeks: r.report_interval_weeks,
            retention_months: r.retention_months,
            agreement_warning_days: r.agreement_warning_days,
            action_plan_body: r.action_plan_body,
            lagesbild_interval_months: r.lagesbild_interval_months,
        },
        organisations: Vec::new(),
        positions: Vec::new(),
        groups: Vec::new(),
        areas: Vec::new(),
        incident_categories: Vec::new(),
        agreement_types: Vec::new(),
    })
}

async fn positions(conn: &mut PgConnection, m: MunicipalityId) -> AppResult<Vec<Position>> {
    Ok(sqlx::query!(
        r#"select p.title, o.name as "organisation?", s.title as "substitute?", p.grants_admin, p.oversight
           from position p
           left join organisation o on o.municipality_id = p.municipality_id and o.id = p.organisation_id
           left join position s on s.municipality_id = p.municipality_id and s.id = p.substitute_position_id
           where p.municipality_id = $1 order by p.id"#,
        m.get()
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| Position {
        title: r.title,
        organisation: r.organisation,
        substitute: r.substitute,
        grants_admin: r.grants_admin,
        oversight: r.oversight,
    })
    .collect())
}

/// The groups active today or later, with how they meet and their members.
async fn groups(conn: &mut PgConnection, m: MunicipalityId) -> AppResult<Vec<Group>> {
    let today = crate::web::today();
    let rows = sqlx::query!(
        r#"select g.id, g.name, g.tier as "tier: Tier", g.task, a.name as "appointed_by?", g.decision_reference,
                  g.focus_area, g.cadence_text, g.weekly_reporting, g.sort_order,
                  c.kind as "kind?: CadenceKind", c.per_half_year as "per_half_year?", c.weekday as "weekday?",
                  to_char(c.start_time, 'HH24:MI') as "start_time?", c.duration_minutes as "duration_minutes?",
                  c.form as "form?: MeetingMode", c.places as "places?", c.meeting_link as "meeting_link?",
                  coalesce((select json_agg(json_build_object('position', p.title, 'role', ms.role) order by ms.id)
                            from membership ms join position p on p.id = ms.position_id
                            where ms.municipality_id = $1 and ms.work_group_id = g.id), '[]') as "members!"
           from work_group g
           left join work_group a on a.municipality_id = g.municipality_id and a.id = g.appointed_by_group_id
           left join group_cadence c on c.municipality_id = g.municipality_id and c.work_group_id = g.id
           where g.municipality_id = $1 and (g.active_to is null or g.active_to >= $2)
           order by g.id"#,
        m.get(),
        today
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut groups = Vec::with_capacity(rows.len());
    for r in rows {
        let cadence = match (r.kind, r.form) {
            (Some(kind), Some(form)) => Some(Cadence {
                kind,
                per_half_year: r.per_half_year.unwrap_or_default(),
                weekday: r.weekday.unwrap_or(1),
                start_time: r.start_time.unwrap_or_default(),
                duration_minutes: r.duration_minutes.unwrap_or(60),
                form,
                places: lines(r.places.as_deref().unwrap_or_default()),
                meeting_link: r.meeting_link.unwrap_or_default(),
            }),
            _ => None,
        };
        let members: Vec<Member> =
            serde_json::from_value(r.members).map_err(|e| AppError::Other(e.into()))?;
        groups.push(Group {
            name: r.name,
            tier: r.tier,
            task: r.task,
            appointed_by: r.appointed_by,
            decision_reference: r.decision_reference,
            focus_area: r.focus_area,
            cadence_text: r.cadence_text,
            weekly_reporting: r.weekly_reporting,
            sort_order: r.sort_order,
            cadence,
            members,
        });
    }
    forget_dissolved_appointers(&mut groups);
    Ok(groups)
}

/// A group appointed by a dissolved one (which is not exported) is written
/// as appointed by none, so that the template still reads.
fn forget_dissolved_appointers(groups: &mut [Group]) {
    let names: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
    for g in groups {
        if g.appointed_by.as_ref().is_some_and(|a| !names.contains(a)) {
            g.appointed_by = None;
        }
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

async fn categories(conn: &mut PgConnection, m: MunicipalityId) -> AppResult<Vec<Category>> {
    let rows = sqlx::query!(
        r#"select c.name, c.public_tip,
                  coalesce(array(select s.name from incident_category s
                                 where s.municipality_id = $1 and s.parent_id = c.id and s.active
                                 order by s.sort_order, s.id), '{}') as "subcategories!"
           from incident_category c
           where c.municipality_id = $1 and c.parent_id is null and c.active
           order by c.sort_order, c.id"#,
        m.get()
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Category {
            name: r.name,
            public_tip: r.public_tip,
            subcategories: r.subcategories,
        })
        .collect())
}

async fn agreement_types(
    conn: &mut PgConnection,
    m: MunicipalityId,
) -> AppResult<Vec<AgreementType>> {
    let rows = sqlx::query!(
        r#"select t.key, t.name,
                  coalesce(array(select p.title from agreement_type_signatory s
                                 join position p on p.municipality_id = s.municipality_id and p.id = s.position_id
                                 where s.municipality_id = $1 and s.agreement_type_id = t.id
                                 order by p.id), '{}') as "signatories!"
           from agreement_type t where t.municipality_id = $1 order by t.id"#,
        m.get()
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AgreementType {
            key: r.key,
            name: r.name,
            signatories: r.signatories,
        })
        .collect())
}

/// A municipality to create: its name, its short name in addresses, and
/// its kommunkod.
#[derive(Clone, Debug)]
pub struct NewMunicipality {
    pub name: String,
    pub slug: String,
    /// SCB's four-digit kommunkod.
    pub code: Option<String>,
}

/// Why `new` cannot be created, by field (`name`, `slug`, `code`).
pub fn check_new(new: &NewMunicipality) -> FieldErrors {
    let mut e = FieldErrors::default();
    let name = new.name.trim();
    if name.is_empty() {
        e.add("name", "Skriv kommunens namn.");
    } else if let Some(problem) = line_problem(name) {
        e.add("name", format!("Namnet {problem}."));
    } else if name.chars().count() > 100 {
        e.add("name", "Namnet får vara högst 100 tecken.");
    }
    if !slug_ok(&new.slug) {
        e.add(
            "slug",
            "Kortnamnet skrivs med a–z, 0–9 och bindestreck (inte först eller sist), högst 40 tecken, som \"lindesberg\" eller \"upplands-vasby\".",
        );
    }
    if let Some(code) = &new.code
        && !(code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()))
    {
        e.add("code", "Kommunkoden är fyra siffror, som 1885.");
    }
    e
}

/// A slug is what `/tips/{kommun}` and `/offentligt/{kommun}` show: a–z,
/// 0–9 and single hyphens between them.
pub fn slug_ok(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 40
        && slug.split('-').all(|part| {
            !part.is_empty() && part.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9'))
        })
}

/// Creates a municipality with `template`'s structure, in the caller's
/// transaction. A bad name, slug or code, or one already taken, is an
/// [`AppError::Validation`] by field (`name`, `slug`, `code`), found before
/// anything is written, so the transaction stays usable; a template that
/// does not pass its checks is one under `template`.
pub async fn create_municipality(
    tx: &mut PgConnection,
    new: &NewMunicipality,
    template: &Template,
) -> AppResult<MunicipalityId> {
    let mut errors = check_new(new);
    let problems = super::check::template(template);
    if !problems.is_empty() {
        errors.add("template", problems.join(" "));
    }
    taken(tx, new, &mut errors).await?;
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let m = insert_municipality(tx, new, template).await?;
    let ids = insert_structure(tx, m, template).await?;
    insert_vocabulary(tx, m, template, &ids).await?;
    sqlx::query!(
        // Written by the operator or the command line, not a person signed
        // in here: the row names no one (person_id is null).
        r#"insert into audit_event (id, municipality_id, action, entity, entity_id, summary)
           values ($1, $2, 'skapade', 'kommun', $2, $3)"#,
        Uuid::now_v7(),
        m.get(),
        format!("Kommunen skapades från mallen \"{}\".", template.name)
    )
    .execute(&mut *tx)
    .await?;
    Ok(m)
}

/// Appoints the first coordinator, for the operator's invitation and the
/// command line alike: `person` works in `m` and holds its coordinator
/// position (the first with `grants_admin`, by title) from today, unless
/// they hold it already. `None`: someone else holds it from today on (the
/// message is added to `errors` under `position`; the transaction is spoilt).
pub async fn appoint_coordinator(
    tx: &mut PgConnection,
    m: MunicipalityId,
    person: Uuid,
    errors: &mut FieldErrors,
) -> AppResult<Option<()>> {
    sqlx::query!(
        r#"insert into person_municipality (municipality_id, person_id) values ($1, $2)
           on conflict do nothing"#,
        m.get(),
        person
    )
    .execute(&mut *tx)
    .await?;
    let Some(p) = sqlx::query!(
        r#"select p.id, p.title,
                  exists (select 1 from position_holder h
                          where h.municipality_id = $1 and h.position_id = p.id and h.person_id = $2
                            and h.held_from <= current_date
                            and (h.held_to is null or h.held_to >= current_date)) as "held!"
           from position p where p.municipality_id = $1 and p.grants_admin
           order by p.title limit 1"#,
        m.get(),
        person
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        errors.add("position", NO_COORDINATOR_POSITION);
        return Ok(None);
    };
    if p.held {
        return Ok(Some(()));
    }
    let message = format!(
        "Befattningen {} har redan en innehavare från i dag eller senare.",
        p.title
    );
    sqlx::query!(
        r#"insert into position_holder (id, municipality_id, position_id, person_id, held_from)
           values ($1, $2, $3, $4, current_date)"#,
        Uuid::now_v7(),
        m.get(),
        p.id,
        person
    )
    .execute(&mut *tx)
    .await
    .map(|_| ())
    .on_constraint(
        errors,
        &[("position_holder_no_overlap", "position", message.as_str())],
    )
}

/// A municipality without a position that grants administration.
pub const NO_COORDINATOR_POSITION: &str = "Kommunen har ingen befattning som ger administratörsrätt (samordnare). \
     Skapa kommunen från en mall som har en.";

async fn taken(tx: &mut PgConnection, new: &NewMunicipality, e: &mut FieldErrors) -> AppResult<()> {
    let r = sqlx::query!(
        r#"select exists(select 1 from municipality where slug = $1) as "slug!",
                  exists(select 1 from municipality where lower(name) = lower($2)) as "name!""#,
        new.slug,
        new.name.trim()
    )
    .fetch_one(&mut *tx)
    .await?;
    if r.name {
        e.add("name", NAME_TAKEN);
    }
    if r.slug {
        e.add("slug", SLUG_TAKEN);
    }
    Ok(())
}

const NAME_TAKEN: &str = "Det finns redan en kommun med det namnet.";
const SLUG_TAKEN: &str = "Kortnamnet används redan av en annan kommun.";

/// A municipality made from a template is new: its coordinator's start page
/// leads through the first 30 minutes (`home::getting_started`).
async fn insert_municipality(
    tx: &mut PgConnection,
    new: &NewMunicipality,
    t: &Template,
) -> AppResult<MunicipalityId> {
    let (g, s) = (&t.guideline, &t.settings);
    let mut errors = FieldErrors::default();
    let id = sqlx::query_scalar!(
        r#"insert into municipality (id, slug, name, code, guideline_title, guideline_adopted_by, guideline_adopted_on,
                                     guideline_registry_no, guideline_owner, guideline_review_due,
                                     report_interval_weeks, retention_months, agreement_warning_days,
                                     action_plan_body, lagesbild_interval_months, getting_started)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, true) returning id"#,
        Uuid::now_v7(),
        new.slug,
        new.name.trim(),
        new.code,
        g.title.trim(),
        g.adopted_by.trim(),
        g.adopted_on,
        g.registry_no.trim(),
        g.owner.trim(),
        g.review_due,
        s.report_interval_weeks,
        s.retention_months,
        s.agreement_warning_days,
        s.action_plan_body.as_str(),
        s.lagesbild_interval_months,
    )
    .fetch_one(&mut *tx)
    .await
    // Taken between the check above and this insert (two at once).
    .on_constraint(
        &mut errors,
        &[
            ("municipality_slug_key", "slug", SLUG_TAKEN),
            ("municipality_name_key", "name", NAME_TAKEN),
        ],
    )?;
    id.map(MunicipalityId::of_row)
        .ok_or(AppError::Validation(errors))
}

/// The new rows' ids by name: positions by title, groups by name.
struct Ids {
    positions: HashMap<String, Uuid>,
}

async fn insert_structure(
    tx: &mut PgConnection,
    m: MunicipalityId,
    t: &Template,
) -> AppResult<Ids> {
    let mut organisations = HashMap::new();
    for o in &t.organisations {
        let id = Uuid::now_v7();
        sqlx::query!(
            "insert into organisation (id, municipality_id, name, kind, external) values ($1, $2, $3, $4, $5)",
            id,
            m.get(),
            o.name.trim(),
            o.kind.as_str(),
            o.external
        )
        .execute(&mut *tx)
        .await?;
        organisations.insert(o.name.trim().to_owned(), id);
    }
    let positions = insert_positions(tx, m, t, &organisations).await?;
    insert_groups(tx, m, &t.groups, &positions).await?;
    Ok(Ids { positions })
}

async fn insert_positions(
    tx: &mut PgConnection,
    m: MunicipalityId,
    t: &Template,
    organisations: &HashMap<String, Uuid>,
) -> AppResult<HashMap<String, Uuid>> {
    let mut ids = HashMap::new();
    for p in &t.positions {
        let id = Uuid::now_v7();
        let organisation = p
            .organisation
            .as_deref()
            .and_then(|o| organisations.get(o.trim()));
        sqlx::query!(
            r#"insert into position (id, municipality_id, title, organisation_id, grants_admin, oversight)
               values ($1, $2, $3, $4, $5, $6)"#,
            id,
            m.get(),
            p.title.trim(),
            organisation,
            p.grants_admin,
            p.oversight
        )
        .execute(&mut *tx)
        .await?;
        ids.insert(p.title.trim().to_owned(), id);
    }
    // Substitutes once every position exists (they refer to each other).
    for p in &t.positions {
        let substitute = p.substitute.as_deref().and_then(|s| ids.get(s.trim()));
        if let (Some(id), Some(substitute)) = (ids.get(p.title.trim()), substitute) {
            sqlx::query!(
                "update position set substitute_position_id = $3 where municipality_id = $1 and id = $2",
                m.get(),
                id,
                substitute
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(ids)
}

async fn insert_groups(
    tx: &mut PgConnection,
    m: MunicipalityId,
    groups: &[Group],
    positions: &HashMap<String, Uuid>,
) -> AppResult<()> {
    let mut ids = HashMap::new();
    for g in groups {
        let id = insert_group(tx, m, g, positions).await?;
        ids.insert(g.name.trim().to_owned(), id);
    }
    // Who appointed whom once every group exists.
    for g in groups {
        let by = g.appointed_by.as_deref().and_then(|a| ids.get(a.trim()));
        if let (Some(id), Some(by)) = (ids.get(g.name.trim()), by) {
            sqlx::query!(
                "update work_group set appointed_by_group_id = $3 where municipality_id = $1 and id = $2",
                m.get(),
                id,
                by
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(())
}

/// One group with how it meets and its members; active from today.
async fn insert_group(
    tx: &mut PgConnection,
    m: MunicipalityId,
    g: &Group,
    positions: &HashMap<String, Uuid>,
) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query!(
        r#"insert into work_group (id, municipality_id, tier, name, task, decision_reference, focus_area,
                                   cadence_text, weekly_reporting, active_from, sort_order)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"#,
        id,
        m.get(),
        g.tier.as_str(),
        g.name.trim(),
        g.task.trim(),
        g.decision_reference.trim(),
        g.focus_area.trim(),
        g.cadence_text.trim(),
        g.weekly_reporting,
        crate::web::today(),
        g.sort_order
    )
    .execute(&mut *tx)
    .await?;
    if let Some(c) = &g.cadence {
        sqlx::query!(
            r#"insert into group_cadence (work_group_id, municipality_id, kind, per_half_year, weekday, start_time,
                                          duration_minutes, form, places, meeting_link)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"#,
            id,
            m.get(),
            c.kind.as_str(),
            c.per_half_year,
            c.weekday,
            c.start().unwrap_or_default(),
            c.duration_minutes,
            c.form.as_str(),
            c.places.iter().map(|p| p.trim()).collect::<Vec<_>>().join("\n"),
            c.meeting_link.trim()
        )
        .execute(&mut *tx)
        .await?;
    }
    for member in &g.members {
        sqlx::query!(
            r#"insert into membership (id, municipality_id, work_group_id, position_id, role)
               values ($1, $2, $3, $4, $5)"#,
            Uuid::now_v7(),
            m.get(),
            id,
            positions.get(member.position.trim()),
            member.role.as_str()
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(id)
}

/// Areas, incident categories and agreement types with their signatories.
async fn insert_vocabulary(
    tx: &mut PgConnection,
    m: MunicipalityId,
    t: &Template,
    ids: &Ids,
) -> AppResult<()> {
    for (i, name) in (0..).zip(&t.areas) {
        sqlx::query!(
            "insert into area (id, municipality_id, name, sort_order) values ($1, $2, $3, $4)",
            Uuid::now_v7(),
            m.get(),
            name.trim(),
            i * 10
        )
        .execute(&mut *tx)
        .await?;
    }
    for (i, c) in (0..).zip(&t.incident_categories) {
        insert_category(tx, m, c, i * 10).await?;
    }
    for a in &t.agreement_types {
        let type_id = Uuid::now_v7();
        sqlx::query!(
            "insert into agreement_type (id, municipality_id, key, name) values ($1, $2, $3, $4)",
            type_id,
            m.get(),
            a.key.trim(),
            a.name.trim()
        )
        .execute(&mut *tx)
        .await?;
        for title in &a.signatories {
            sqlx::query!(
                r#"insert into agreement_type_signatory (agreement_type_id, municipality_id, position_id)
                   values ($1, $2, $3)"#,
                type_id,
                m.get(),
                ids.positions.get(title.trim())
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(())
}

async fn insert_category(
    tx: &mut PgConnection,
    m: MunicipalityId,
    c: &Category,
    sort_order: i32,
) -> AppResult<()> {
    let parent = Uuid::now_v7();
    sqlx::query!(
        r#"insert into incident_category (id, municipality_id, name, sort_order, public_tip)
           values ($1, $2, $3, $4, $5)"#,
        parent,
        m.get(),
        c.name.trim(),
        sort_order,
        c.public_tip
    )
    .execute(&mut *tx)
    .await?;
    for (j, child) in (0..).zip(&c.subcategories) {
        sqlx::query!(
            r#"insert into incident_category (id, municipality_id, parent_id, name, sort_order)
               values ($1, $2, $3, $4, $5)"#,
            Uuid::now_v7(),
            m.get(),
            parent,
            child.trim(),
            j * 10
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
