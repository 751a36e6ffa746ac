//! National scale for load tests: `samordna demo-data --municipalities N`
//! adds N invented municipalities ("Ekby kommun", "Granvik kommun", …),
//! each built from Lindesberg's template like the demo, with its own people,
//! organisations, positions, groups, meetings, EST categories and areas,
//! agreements, planning and years of weekly EST reports.
//!
//! Each municipality is written in one transaction, one statement per
//! table (`unnest` over arrays), and two municipalities load at a time.
//! A municipality whose slug exists already is left as it is.

use crate::tenant::MunicipalityId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{NaiveDate, NaiveTime};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{HELD_FROM, LINDESBERG_HOLDERS};
use crate::templates::model::{Group, Template};

/// The most municipalities one run may add.
pub const MAX_MUNICIPALITIES: u32 = 1000;

/// The most years of reports one run may write.
pub const MAX_YEARS: u32 = 50;

const STEMS: [&str; 24] = [
    "Al", "Björk", "Ek", "Fager", "Gran", "Hag", "Hassel", "Lund", "Mal", "Norr", "Rosen", "Sand",
    "Sol", "Sten", "Stor", "Sunds", "Tall", "Ulv", "Vall", "Väster", "Åker", "Älv", "Öster",
    "Ljung",
];
const ENDINGS: [&str; 16] = [
    "by", "berga", "dal", "fors", "hult", "holm", "köping", "näs", "sjö", "stad", "torp", "vik",
    "å", "ås", "bro", "hed",
];
const QUARTERS: [&str; 5] = ["", "Norra ", "Södra ", "Västra ", "Östra "];
const FIRST_NAMES: [&str; 20] = [
    "Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sara", "Anders", "Eva", "Mikael", "Lena",
    "Per", "Emma", "Nils", "Ida", "Oskar", "Elin", "Jonas", "Maja", "Ali",
];
const LAST_NAMES: [&str; 20] = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Lindberg",
    "Holm",
    "Berg",
    "Sjöberg",
    "Ek",
    "Nyström",
    "Lundqvist",
    "Hassan",
    "Falk",
    "Åberg",
];

/// The town of the `i`th generated municipality: "Alby", "Björkberga", …,
/// then "Norra Alby" and so on; distinct for the first 1 920.
pub fn town(i: usize) -> String {
    let combos = STEMS.len() * ENDINGS.len();
    let quarter = QUARTERS[(i / combos) % QUARTERS.len()];
    let j = i % combos;
    // Stem and ending both change from one municipality to the next; the
    // pair is still unique because 25 is invertible modulo 16.
    let stem = STEMS[j % STEMS.len()];
    let ending = ENDINGS[(j / STEMS.len() + j) % ENDINGS.len()];
    format!("{quarter}{stem}{ending}")
}

/// "Ekby" → "ekby", "Norra Åkerå" → "norra-akera".
pub fn slug(town: &str) -> String {
    town.to_lowercase()
        .chars()
        .map(|c| match c {
            'å' | 'ä' => 'a',
            'ö' => 'o',
            ' ' => '-',
            c => c,
        })
        .collect()
}

/// The genitive a Swedish place name takes before "kommun": "Ekdals", but
/// "Ekby" and "Alfors" stay as they are (as "Nora kommun" does).
fn genitive(town: &str) -> String {
    match town.chars().last() {
        Some('a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'å' | 'ä' | 'ö' | 's' | 'x' | 'z') => {
            town.to_owned()
        }
        _ => format!("{town}s"),
    }
}

/// Lindesberg's names turned into the town's ("LindeBRÅ" → "EkbyBRÅ").
struct Rename {
    town: String,
    genitive: String,
}

impl Rename {
    fn new(town: &str) -> Self {
        Self {
            town: town.to_owned(),
            genitive: genitive(town),
        }
    }

    fn apply(&self, text: &str) -> String {
        text.replace("Lindesbergs", &self.genitive)
            .replace("lindesberg", &slug(&self.town))
            .replace("Lindesberg", &self.town)
            .replace("Linde", &self.town)
    }
}

/// One generated municipality, in columns ready for `unnest`.
struct Structure {
    slug: String,
    name: String,
    guideline_title: String,
    areas: Vec<String>,
    organisations: Organisations,
    positions: Positions,
    groups: Groups,
    cadences: Cadences,
    members: Members,
}

#[derive(Default)]
struct Organisations {
    id: Vec<Uuid>,
    name: Vec<String>,
    kind: Vec<String>,
    external: Vec<bool>,
}

/// Positions with their holders (one new person each).
#[derive(Default)]
struct Positions {
    id: Vec<Uuid>,
    title: Vec<String>,
    organisation: Vec<Option<Uuid>>,
    substitute: Vec<Option<Uuid>>,
    admin: Vec<bool>,
    oversight: Vec<bool>,
    person: Vec<Uuid>,
    holder: Vec<Uuid>,
    person_name: Vec<String>,
    email: Vec<String>,
}

#[derive(Default)]
struct Groups {
    id: Vec<Uuid>,
    tier: Vec<String>,
    name: Vec<String>,
    task: Vec<String>,
    appointed_by: Vec<Option<Uuid>>,
    decision: Vec<String>,
    focus_area: Vec<String>,
    cadence_text: Vec<String>,
    weekly: Vec<bool>,
    from: Vec<NaiveDate>,
    to: Vec<Option<NaiveDate>>,
    sort_order: Vec<i32>,
}

#[derive(Default)]
struct Cadences {
    group: Vec<Uuid>,
    kind: Vec<String>,
    per_half_year: Vec<i32>,
    weekday: Vec<i16>,
    start: Vec<NaiveTime>,
    minutes: Vec<i32>,
    form: Vec<String>,
    places: Vec<String>,
    link: Vec<String>,
}

#[derive(Default)]
struct Members {
    id: Vec<Uuid>,
    group: Vec<Uuid>,
    position: Vec<Uuid>,
    role: Vec<String>,
}

impl Structure {
    /// The `i`th municipality, built from Lindesberg's template `seed`.
    fn generate(seed: &Template, i: usize, today: NaiveDate) -> Self {
        let town = town(i);
        let slug = slug(&town);
        let rename = Rename::new(&town);
        // Villages: other generated names, distinct from the town and each other.
        let mut areas = vec![town.clone()];
        areas.extend((1..5).map(|k| self::town((i + 97 * k) % (STEMS.len() * ENDINGS.len()))));
        let (organisations, org_ids) = organisations(seed, &rename);
        let (positions, position_ids) = positions(seed, &org_ids, i, &slug, &rename);
        let (groups, cadences, members) = groups(seed, &position_ids, &rename, today);
        Self {
            name: format!("{} kommun", genitive(&town)),
            guideline_title: rename.apply(&seed.guideline.title),
            slug,
            areas,
            organisations,
            positions,
            groups,
            cadences,
            members,
        }
    }
}

fn organisations(seed: &Template, rename: &Rename) -> (Organisations, HashMap<String, Uuid>) {
    let mut rows = Organisations::default();
    let mut ids = HashMap::new();
    for o in &seed.organisations {
        let id = Uuid::now_v7();
        ids.insert(o.name.clone(), id);
        rows.id.push(id);
        rows.name.push(rename.apply(&o.name));
        rows.kind.push(o.kind.as_str().to_owned());
        rows.external.push(o.external);
    }
    (rows, ids)
}

fn positions(
    seed: &Template,
    org_ids: &HashMap<String, Uuid>,
    i: usize,
    slug: &str,
    rename: &Rename,
) -> (Positions, HashMap<String, Uuid>) {
    let ids: HashMap<String, Uuid> = seed
        .positions
        .iter()
        .map(|p| (p.title.clone(), Uuid::now_v7()))
        .collect();
    let mut rows = Positions::default();
    for (j, p) in seed.positions.iter().enumerate() {
        rows.id.push(ids[&p.title]);
        rows.title.push(rename.apply(&p.title));
        rows.organisation.push(
            p.organisation
                .as_ref()
                .and_then(|o| org_ids.get(o).copied()),
        );
        rows.substitute
            .push(p.substitute.as_ref().and_then(|s| ids.get(s).copied()));
        rows.admin.push(p.grants_admin);
        rows.oversight.push(p.oversight);
        rows.person.push(Uuid::now_v7());
        rows.holder.push(Uuid::now_v7());
        let first = FIRST_NAMES[(i * 7 + j * 3) % FIRST_NAMES.len()];
        let last = LAST_NAMES[(i * 11 + j * 13) % LAST_NAMES.len()];
        rows.person_name.push(format!("{first} {last}"));
        // The demo holder's address, at the town's domain.
        let local = LINDESBERG_HOLDERS
            .iter()
            .find(|(title, ..)| *title == p.title)
            .and_then(|(.., email)| email.split('@').next())
            .map_or_else(|| format!("befattning{j}"), str::to_owned);
        rows.email.push(format!("{local}@{slug}.example"));
    }
    (rows, ids)
}

fn groups(
    seed: &Template,
    position_ids: &HashMap<String, Uuid>,
    rename: &Rename,
    today: NaiveDate,
) -> (Groups, Cadences, Members) {
    let ids: HashMap<&str, Uuid> = seed
        .groups
        .iter()
        .map(|g| (g.name.as_str(), Uuid::now_v7()))
        .collect();
    let mut rows = Groups::default();
    let mut cadences = Cadences::default();
    let mut members = Members::default();
    for g in &seed.groups {
        let id = ids[g.name.as_str()];
        group_row(&mut rows, id, g, &ids, rename, today);
        if let Some(c) = &g.cadence {
            let c_rows = &mut cadences;
            c_rows.group.push(id);
            c_rows.kind.push(c.kind.as_str().to_owned());
            c_rows.per_half_year.push(c.per_half_year);
            c_rows.weekday.push(c.weekday);
            c_rows.start.push(c.start().unwrap_or_default());
            c_rows.minutes.push(c.duration_minutes);
            c_rows.form.push(c.form.as_str().to_owned());
            c_rows.places.push(rename.apply(&c.places.join("\n")));
            c_rows.link.push(rename.apply(&c.meeting_link));
        }
        for member in &g.members {
            let m_rows = &mut members;
            m_rows.id.push(Uuid::now_v7());
            m_rows.group.push(id);
            m_rows.position.push(position_ids[&member.position]);
            m_rows.role.push(member.role.as_str().to_owned());
        }
    }
    (rows, cadences, members)
}

fn group_row(
    rows: &mut Groups,
    id: Uuid,
    g: &Group,
    ids: &HashMap<&str, Uuid>,
    rename: &Rename,
    today: NaiveDate,
) {
    let since = super::LINDESBERG.since;
    let (from, to, decision) = super::group_dates(g, since, today);
    rows.id.push(id);
    rows.tier.push(g.tier.as_str().to_owned());
    rows.name.push(rename.apply(&g.name));
    rows.task.push(rename.apply(&g.task));
    rows.appointed_by
        .push(g.appointed_by.as_deref().and_then(|a| ids.get(a).copied()));
    rows.decision.push(rename.apply(&decision));
    rows.focus_area.push(rename.apply(&g.focus_area));
    rows.cadence_text.push(rename.apply(&g.cadence_text));
    rows.weekly.push(g.weekly_reporting);
    rows.from.push(from);
    rows.to.push(to);
    rows.sort_order.push(g.sort_order);
}

/// Writes the municipality, its organisations, people, positions and
/// groups; `None` when a municipality with its slug exists already.
async fn write(
    conn: &mut PgConnection,
    seed: &Template,
    s: &Structure,
    hash: &str,
) -> sqlx::Result<Option<Uuid>> {
    let g = &seed.guideline;
    let Some(m) = sqlx::query_scalar!(
        r#"insert into municipality (id, slug, name, guideline_title, guideline_adopted_by, guideline_adopted_on,
                                     guideline_registry_no, guideline_owner, guideline_review_due)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           on conflict (slug) do nothing
           returning id"#,
        Uuid::now_v7(),
        s.slug,
        s.name,
        s.guideline_title,
        g.adopted_by,
        g.adopted_on,
        g.registry_no,
        g.owner,
        g.review_due,
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let o = &s.organisations;
    sqlx::query!(
        r#"insert into organisation (id, municipality_id, name, kind, external)
           select id, $1, name, kind, external from unnest($2::uuid[], $3::text[], $4::text[], $5::bool[])
                as t(id, name, kind, external)"#,
        m, &o.id, &o.name, &o.kind, &o.external
    )
    .execute(&mut *conn)
    .await?;
    let tenant = MunicipalityId::of_row(m);
    write_positions(conn, tenant, &s.positions, hash).await?;
    write_groups(conn, tenant, s).await?;
    Ok(Some(m))
}

async fn write_positions(
    conn: &mut PgConnection,
    m: MunicipalityId,
    p: &Positions,
    hash: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into person (id, name, email, password_hash)
           select id, name, email, $1 from unnest($2::uuid[], $3::text[], $4::text[]) as t(id, name, email)"#,
        hash, &p.person, &p.person_name, &p.email
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"insert into person_municipality (municipality_id, person_id) select $1, id from unnest($2::uuid[]) as t(id)"#,
        m.get(),
        &p.person
    )
    .execute(&mut *conn)
    .await?;
    // A substitute is another row of the same statement: foreign keys are
    // checked once the statement is done.
    sqlx::query!(
        r#"insert into position (id, municipality_id, title, organisation_id, substitute_position_id, grants_admin, oversight)
           select id, $1, title, org, substitute, admin, oversight
           from unnest($2::uuid[], $3::text[], $4::uuid[], $5::uuid[], $6::bool[], $7::bool[])
                as t(id, title, org, substitute, admin, oversight)"#,
        m.get(), &p.id, &p.title, &p.organisation as &[Option<Uuid>], &p.substitute as &[Option<Uuid>], &p.admin, &p.oversight
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"insert into position_holder (id, municipality_id, position_id, person_id, held_from)
           select id, $1, position, person, $4 from unnest($2::uuid[], $3::uuid[], $5::uuid[]) as t(id, position, person)"#,
        m.get(), &p.holder, &p.id, HELD_FROM, &p.person
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn write_groups(
    conn: &mut PgConnection,
    m: MunicipalityId,
    s: &Structure,
) -> sqlx::Result<()> {
    let g = &s.groups;
    sqlx::query!(
        r#"insert into work_group (id, municipality_id, tier, name, task, appointed_by_group_id, decision_reference,
                                   focus_area, cadence_text, weekly_reporting, active_from, active_to, sort_order)
           select id, $1, tier, name, task, appointed_by, decision, focus_area, cadence_text, weekly, active_from, active_to, sort_order
           from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::text[], $8::text[], $9::text[],
                       $10::bool[], $11::date[], $12::date[], $13::int4[])
                as t(id, tier, name, task, appointed_by, decision, focus_area, cadence_text, weekly, active_from, active_to, sort_order)"#,
        m.get(), &g.id, &g.tier, &g.name, &g.task, &g.appointed_by as &[Option<Uuid>], &g.decision, &g.focus_area,
        &g.cadence_text, &g.weekly, &g.from, &g.to as &[Option<NaiveDate>], &g.sort_order
    )
    .execute(&mut *conn)
    .await?;
    let c = &s.cadences;
    sqlx::query!(
        r#"insert into group_cadence (work_group_id, municipality_id, kind, per_half_year, weekday, start_time,
                                      duration_minutes, form, places, meeting_link)
           select id, $1, kind, per_half_year, weekday, start_time, minutes, form, places, link
           from unnest($2::uuid[], $3::text[], $4::int4[], $5::int2[], $6::time[], $7::int4[], $8::text[], $9::text[], $10::text[])
                as t(id, kind, per_half_year, weekday, start_time, minutes, form, places, link)"#,
        m.get(), &c.group, &c.kind, &c.per_half_year, &c.weekday, &c.start, &c.minutes, &c.form, &c.places, &c.link
    )
    .execute(&mut *conn)
    .await?;
    let ms = &s.members;
    sqlx::query!(
        r#"insert into membership (id, municipality_id, work_group_id, position_id, role)
           select id, $1, work_group, position, role from unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[])
                as t(id, work_group, position, role)"#,
        m.get(), &ms.id, &ms.group, &ms.position, &ms.role
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What a national load added.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    /// Municipalities written now.
    pub municipalities: usize,
    /// Municipalities skipped because their slug existed.
    pub existing: usize,
    /// Weekly EST reports written.
    pub reports: usize,
}

/// Adds `count` generated municipalities with `years` of weekly EST reports
/// each, two at a time. `progress` is told after each one.
pub async fn load(
    db: &PgPool,
    count: u32,
    years: u32,
    today: NaiveDate,
    progress: &(dyn Fn() + Sync),
) -> anyhow::Result<Loaded> {
    anyhow::ensure!(
        count <= MAX_MUNICIPALITIES && years <= MAX_YEARS,
        "at most {MAX_MUNICIPALITIES} municipalities and {MAX_YEARS} years"
    );
    let seed = super::lindesberg()?;
    let seed = &seed;
    // Argon2 is slow on purpose: one hash for every generated person.
    let hash = crate::auth::password::hash(super::DEMO_PASSWORD.to_owned()).await?;
    let next = AtomicUsize::new(0);
    let count = usize::try_from(count)?;
    let worker = || async {
        let mut loaded = Loaded::default();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= count {
                return Ok::<_, anyhow::Error>(loaded);
            }
            match load_one(db, seed, i, years, today, &hash).await? {
                Some(reports) => {
                    loaded.municipalities += 1;
                    loaded.reports += reports;
                }
                None => loaded.existing += 1,
            }
            progress();
        }
    };
    // Two municipalities at a time, each on its own connection: the
    // database works on one while the other's rows are being generated.
    let (a, b) = tokio::try_join!(worker(), worker())?;
    Ok(Loaded {
        municipalities: a.municipalities + b.municipalities,
        existing: a.existing + b.existing,
        reports: a.reports + b.reports,
    })
}

/// Loads the `i`th municipality in one transaction; `None` if it existed.
async fn load_one(
    db: &PgPool,
    seed: &Template,
    i: usize,
    years: u32,
    today: NaiveDate,
    hash: &str,
) -> anyhow::Result<Option<usize>> {
    let structure = Structure::generate(seed, i, today);
    let mut tx = db.begin().await?;
    let Some(m) = write(&mut tx, seed, &structure, hash).await? else {
        return Ok(None);
    };
    let m = MunicipalityId::of_row(m);
    let areas: Vec<&str> = structure.areas.iter().map(String::as_str).collect();
    crate::est::demo::taxonomy(&mut tx, m, &areas).await?;
    crate::meetings::demo::load(&mut tx, m).await?;
    let rename = Rename::new(&town(i));
    let rename = |s: &str| rename.apply(s);
    crate::agreements::demo::load_renamed(&mut tx, m, today, &rename).await?;
    crate::planning::demo::load_renamed(&mut tx, m, today, &rename).await?;
    let weeks = years.saturating_mul(52);
    let variation = u64::try_from(i).unwrap_or(0).wrapping_add(1);
    let reports =
        crate::est::demo::varied_reports(&mut tx, m, weeks, today, variation, &|_| {}).await?;
    tx.commit().await?;
    Ok(Some(reports))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_first_thousand_towns_have_distinct_names_and_slugs_unlike_the_demo_ones() {
        let towns: Vec<String> = (0..1000).map(town).collect();
        let slugs: HashSet<String> = towns.iter().map(|t| slug(t)).collect();
        assert_eq!(towns.iter().collect::<HashSet<_>>().len(), 1000);
        assert_eq!(slugs.len(), 1000);
        // municipality.name is unique whatever its case (migration 0038).
        let names: HashSet<String> = towns
            .iter()
            .map(|t| format!("{} kommun", genitive(t)).to_lowercase())
            .collect();
        assert_eq!(names.len(), 1000);
        assert!(!slugs.contains("lindesberg") && !slugs.contains("nora"));
        assert!(
            slugs
                .iter()
                .all(|s| s.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        );
        assert_eq!(town(0), "Alby");
        assert_eq!(town(384), "Norra Alby");
    }

    #[test]
    fn lindesbergs_names_become_the_towns() {
        let rename = Rename::new("Ekdal");
        assert_eq!(rename.apply("LindeBRÅ"), "EkdalBRÅ");
        assert_eq!(rename.apply("Lindesbergs kommun"), "Ekdals kommun");
        assert_eq!(
            rename.apply("https://teams.microsoft.com/l/meetup-join/lindesberg-est-demo"),
            "https://teams.microsoft.com/l/meetup-join/ekdal-est-demo"
        );
        assert_eq!(genitive("Ekby"), "Ekby");
        assert_eq!(genitive("Alfors"), "Alfors");
    }

    #[test]
    fn a_generated_municipality_has_lindesbergs_shape_and_its_own_addresses() {
        let seed = crate::seed::lindesberg().expect("the built-in template");
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
        let s = Structure::generate(&seed, 5, today);
        assert_eq!(s.positions.id.len(), seed.positions.len());
        assert_eq!(s.groups.id.len(), seed.groups.len());
        assert_eq!(s.organisations.id.len(), seed.organisations.len());
        let emails: HashSet<&String> = s.positions.email.iter().collect();
        assert_eq!(
            emails.len(),
            s.positions.email.len(),
            "one person per position"
        );
        assert!(
            s.positions
                .email
                .iter()
                .all(|e| e.ends_with(&format!("@{}.example", s.slug)))
        );
        assert!(
            s.positions
                .email
                .contains(&format!("samordnare@{}.example", s.slug))
        );
        let areas: HashSet<&String> = s.areas.iter().collect();
        assert_eq!(areas.len(), 5);
        let all_text = [
            &s.organisations.name,
            &s.positions.title,
            &s.groups.name,
            &s.groups.decision,
        ];
        assert!(
            all_text
                .iter()
                .flat_map(|v| v.iter())
                .all(|t| !t.contains("Linde")),
            "no Lindesberg names left"
        );
    }
}
