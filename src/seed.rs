//! Demo data: Lindesbergs kommun made from the built-in template of its
//! guideline (KS § 58, 2024-04-30, KS 2024/70; `templates/lindesberg.json`),
//! a small Nora kommun in the same police area (`seed/nora.json`), and demo
//! accounts holding their positions. A demo municipality is created the way
//! the operator creates one ([`create_municipality`]); what a municipality
//! at work also has (holders, meetings, reports, agreements, planning) is
//! added after. Loading is idempotent: a municipality whose slug exists is
//! not made again, and the rest is added only where it is missing.
//!
//! The people are invented. The nämnder are named after the four
//! förvaltningar of the guideline; the real list is for Kansliet to confirm.

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::auth::routes::DemoAccount;
use crate::error::{AppError, AppResult};
use crate::structure::model::Tier;
use crate::templates::model::{Group, Template};
use crate::templates::{NewMunicipality, create_municipality, parse};
use crate::tenant::MunicipalityId;

pub mod national;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "samordna-demo";

/// The accounts listed on the login page in demo mode.
pub const DEMO_LOGINS: [&str; 9] = [
    "samordnare@lindesberg.example",
    "kommunpolis@lindesberg.example",
    "kommundirektor@lindesberg.example",
    "kso@lindesberg.example",
    "lpo.chef@lindesberg.example",
    "oppositionsrad@lindesberg.example",
    "securitas@lindesberg.example",
    "est.social@lindesberg.example",
    "samordnare@nora.example",
];

/// One demo municipality: made from `template`, its positions held by
/// `holders` (title, name, e-mail).
struct Demo {
    slug: &'static str,
    name: &'static str,
    /// The kommunkod (SCB), the municipality's id in Kolada.
    code: &'static str,
    template: &'static str,
    /// Since when its standing groups have worked.
    since: NaiveDate,
    holders: &'static [(&'static str, &'static str, &'static str)],
}

const LINDESBERG: Demo = Demo {
    slug: "lindesberg",
    name: "Lindesbergs kommun",
    code: "1885",
    template: include_str!("templates/lindesberg.json"),
    // The guideline's adoption.
    since: ymd(2024, 4, 30),
    holders: &LINDESBERG_HOLDERS,
};

const NORA: Demo = Demo {
    slug: "nora",
    name: "Nora kommun",
    code: "1884",
    template: include_str!("seed/nora.json"),
    since: ymd(2024, 1, 1),
    holders: &[
        LPO_CHIEF,
        POLICE_LIAISON,
        (
            "Kommunstyrelsens ordförande",
            "Birgitta Nord",
            "kso@nora.example",
        ),
        ("Kommundirektör", "Tomas Öst", "kommundirektor@nora.example"),
        (
            "Brottsförebyggande samordnare",
            "Elin Norberg",
            "samordnare@nora.example",
        ),
    ],
};

/// The local police area's chief and the kommunpolis serve both demo
/// municipalities (one police area covers neighbouring municipalities).
const LPO_CHIEF: (&str, &str, &str) = (
    "Chef för lokalpolisområde Lindesberg",
    "Mikael Andersson",
    "lpo.chef@lindesberg.example",
);
const POLICE_LIAISON: (&str, &str, &str) = (
    "Kommunpolis",
    "Johan Karlsson",
    "kommunpolis@lindesberg.example",
);

/// Who holds Lindesberg's positions in the demo (and, renamed, in the
/// national load test's municipalities).
const LINDESBERG_HOLDERS: [(&str, &str, &str); 26] = [
    LPO_CHIEF,
    POLICE_LIAISON,
    (
        "Kommunstyrelsens ordförande",
        "Karin Ståhl",
        "kso@lindesberg.example",
    ),
    (
        "Ordförande i socialnämnden",
        "Per Lind",
        "ordf.social@lindesberg.example",
    ),
    (
        "Ordförande i barn- och utbildningsnämnden",
        "Maria Holm",
        "ordf.bou@lindesberg.example",
    ),
    (
        "Ordförande i tillväxtnämnden",
        "Jonas Berg",
        "ordf.tillvaxt@lindesberg.example",
    ),
    (
        "Ordförande i samhällsbyggnadsnämnden",
        "Eva Nyström",
        "ordf.samhallsbyggnad@lindesberg.example",
    ),
    (
        "Oppositionsråd 1",
        "Lars Ek",
        "oppositionsrad@lindesberg.example",
    ),
    (
        "Oppositionsråd 2",
        "Sofia Dahl",
        "oppositionsrad2@lindesberg.example",
    ),
    (
        "Kanslichef",
        "Helena Sjöberg",
        "kanslichef@lindesberg.example",
    ),
    (
        "Kommundirektör",
        "Anders Wikström",
        "kommundirektor@lindesberg.example",
    ),
    (
        "Brottsförebyggande samordnare",
        "Sara Lindqvist",
        "samordnare@lindesberg.example",
    ),
    (
        "Representant för folkhälsoteamet",
        "Lena Åberg",
        "folkhalsa@lindesberg.example",
    ),
    (
        "Förvaltningschef tillväxtförvaltningen",
        "Ola Persson",
        "fc.tillvaxt@lindesberg.example",
    ),
    (
        "Förvaltningschef socialförvaltningen",
        "Annika Falk",
        "fc.social@lindesberg.example",
    ),
    (
        "Förvaltningschef barn- och utbildningsförvaltningen",
        "Peter Sundin",
        "fc.bou@lindesberg.example",
    ),
    (
        "Förvaltningschef samhällsbyggnadsförvaltningen",
        "Camilla Rydén",
        "fc.samhallsbyggnad@lindesberg.example",
    ),
    (
        "EST-representant tillväxtförvaltningen",
        "Emma Grön",
        "est.tillvaxt@lindesberg.example",
    ),
    (
        "EST-representant socialförvaltningen",
        "Fatima Hassan",
        "est.social@lindesberg.example",
    ),
    (
        "EST-representant barn- och utbildningsförvaltningen",
        "David Olsson",
        "est.bou@lindesberg.example",
    ),
    (
        "EST-representant samhällsbyggnadsförvaltningen",
        "Nils Hedlund",
        "est.samhallsbyggnad@lindesberg.example",
    ),
    (
        "EST-representant Besök Linde AB",
        "Ida Blom",
        "est.besoklinde@lindesberg.example",
    ),
    (
        "EST-representant Fastigheter i Linde AB",
        "Robert Fors",
        "est.fastigheter@lindesberg.example",
    ),
    (
        "EST-representant Securitas",
        "Kim Johansson",
        "securitas@lindesberg.example",
    ),
    (
        "Kontaktperson Länstrafiken",
        "Maja Ström",
        "kontakt@lanstrafiken.example",
    ),
    (
        "Representant för Köpmannaföreningen",
        "Lars Handel",
        "ordforande@kopman.example",
    ),
];

/// Holders in the demo have held their positions since this day.
const HELD_FROM: NaiveDate = ymd(2023, 1, 1);

const fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(day) => day,
        None => NaiveDate::MIN,
    }
}

fn template(demo: &Demo) -> anyhow::Result<Template> {
    parse(demo.template).map_err(|e| anyhow::anyhow!("{}: {}", demo.slug, e.join(" ")))
}

/// A group's active span and decision. A temporary group is always in
/// mid-assignment, whatever the date the demo is loaded on, decided by the
/// group that appointed it; the standing groups have worked since `since`.
fn group_dates(
    g: &Group,
    since: NaiveDate,
    today: NaiveDate,
) -> (NaiveDate, Option<NaiveDate>, String) {
    if g.tier == Tier::Temporary {
        let from = today - chrono::Days::new(72);
        let decided = from - chrono::Days::new(4);
        let by = g.appointed_by.as_deref().unwrap_or_default();
        (
            from,
            Some(today + chrono::Days::new(126)),
            format!("{by} {decided} § 5"),
        )
    } else {
        (since, None, g.decision_reference.clone())
    }
}

/// Loads both demo municipalities and the demo accounts, in one transaction.
pub async fn load_demo(db: &PgPool) -> anyhow::Result<()> {
    let hash = crate::auth::password::hash(DEMO_PASSWORD.to_owned()).await?;
    let mut tx = db.begin().await?;
    // Several instances started with --demo at once load it one at a time.
    sqlx::query!(
        "select pg_advisory_xact_lock($1, hashtext('demo'))",
        crate::jobs::LOCK_CLASS
    )
    .execute(&mut *tx)
    .await?;
    for demo in [&LINDESBERG, &NORA] {
        load_municipality(&mut tx, demo, &hash).await?;
    }
    tx.commit().await?;
    tracing::info!("demo data loaded (Lindesbergs kommun, Nora kommun)");
    Ok(())
}

async fn load_municipality(conn: &mut PgConnection, demo: &Demo, hash: &str) -> anyhow::Result<()> {
    let found = sqlx::query_scalar!("select id from municipality where slug = $1", demo.slug)
        .fetch_optional(&mut *conn)
        .await?;
    let m = match found {
        Some(id) => MunicipalityId::of_row(id),
        None => {
            let new = NewMunicipality {
                name: demo.name.to_owned(),
                slug: demo.slug.to_owned(),
                code: Some(demo.code.to_owned()),
            };
            create(conn, &new, &template(demo)?, demo.since, demo.holders, hash).await?
        }
    };
    let today = crate::web::today();
    crate::meetings::demo::load(conn, m).await?;
    crate::map::demo::load(conn, m).await?;
    // Lindesberg's own story: its agreements and its planning.
    if demo.slug == LINDESBERG.slug {
        let same = |s: &str| s.to_owned();
        crate::agreements::demo::load(conn, m, today, &same).await?;
        crate::planning::demo::load(conn, m, today, &same).await?;
    }
    let has_reports = sqlx::query_scalar!(
        r#"select exists(select 1 from est_report where municipality_id = $1) as "e!""#,
        m.get()
    )
    .fetch_one(&mut *conn)
    .await?;
    if !has_reports {
        crate::est::demo::reports(conn, m, 52, today, &|_| {}).await?;
    }
    crate::map::demo::points(conn, m).await?;
    Ok(())
}

/// Makes a demo municipality from its template as the operator would,
/// then: at work, not being set up; its standing groups working since
/// `since` and a temporary one in mid-assignment; every position held by
/// one of `holders` (title, name, e-mail).
async fn create(
    conn: &mut PgConnection,
    new: &NewMunicipality,
    template: &Template,
    since: NaiveDate,
    holders: &[(&str, &str, &str)],
    hash: &str,
) -> anyhow::Result<MunicipalityId> {
    let m = match create_municipality(conn, new, template).await {
        Ok(m) => m,
        Err(AppError::Validation(errors)) => {
            let why = errors.lines().join("; ");
            anyhow::bail!("the demo {} was refused: {why}", new.slug)
        }
        Err(other) => anyhow::bail!("the demo {} could not be made: {other}", new.slug),
    };
    // At work: the tip form names whom the public can write to.
    sqlx::query!(
        "update municipality set getting_started = false, contact_email = $2, dpo_email = $3 where id = $1",
        m.get(),
        format!("kommunen@{}.example", new.slug),
        format!("dataskyddsombud@{}.example", new.slug)
    )
    .execute(&mut *conn)
    .await?;
    let today = crate::web::today();
    for g in &template.groups {
        let (from, to, decision) = group_dates(g, since, today);
        sqlx::query!(
            r#"update work_group set active_from = $3, active_to = $4, decision_reference = $5
               where municipality_id = $1 and name = $2"#,
            m.get(),
            g.name,
            from,
            to,
            decision
        )
        .execute(&mut *conn)
        .await?;
    }
    hold(conn, m, holders, hash).await?;
    Ok(m)
}

/// The demo people, each holding their position since [`HELD_FROM`].
async fn hold(
    conn: &mut PgConnection,
    m: MunicipalityId,
    holders: &[(&str, &str, &str)],
    hash: &str,
) -> sqlx::Result<()> {
    for (title, name, email) in holders {
        let person = sqlx::query_scalar!(
            r#"insert into person (id, name, email, password_hash) values ($1, $2, $3, $4)
               on conflict ((lower(email))) do update set email = person.email
               returning id"#,
            Uuid::now_v7(),
            name,
            email,
            hash
        )
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query!(
            "insert into person_municipality (municipality_id, person_id) values ($1, $2) on conflict do nothing",
            m.get(), person
        )
        .execute(&mut *conn)
        .await?;
        sqlx::query!(
            r#"insert into position_holder (id, municipality_id, position_id, person_id, held_from)
               select $1, $2, id, $4, $5 from position where municipality_id = $2 and title = $3"#,
            Uuid::now_v7(),
            m.get(),
            title,
            person,
            HELD_FROM
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The demo accounts with what they hold, for the login page.
pub async fn demo_accounts(db: &PgPool) -> AppResult<Vec<DemoAccount>> {
    let logins: Vec<String> = DEMO_LOGINS.iter().map(|s| (*s).to_owned()).collect();
    let rows = sqlx::query!(
        r#"select p.email, p.name,
                  (select string_agg(po.title || ', ' || m.name, '; ' order by m.name, po.title)
                   from position_holder h join position po on po.id = h.position_id
                   join municipality m on m.id = h.municipality_id
                   where h.person_id = p.id and h.held_to is null) as positions
           from person p where p.email = any($1)
           order by array_position($1, p.email)"#,
        &logins
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DemoAccount {
            email: r.email,
            name: r.name,
            description: r.positions.unwrap_or_default(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A holder whose title is no position of the template would silently
    /// hold nothing; a position without a holder would be empty in the demo.
    #[test]
    fn every_demo_position_has_exactly_one_holder_and_every_holder_a_position() {
        for demo in [&LINDESBERG, &NORA] {
            let t = template(demo).expect("the demo's template reads");
            let mut titles: Vec<&str> = t.positions.iter().map(|p| p.title.as_str()).collect();
            let mut held: Vec<&str> = demo.holders.iter().map(|(title, ..)| *title).collect();
            titles.sort_unstable();
            held.sort_unstable();
            assert_eq!(held, titles, "{}", demo.slug);
        }
    }

    #[test]
    fn the_temporary_group_is_in_mid_assignment_and_decided_by_its_appointer() {
        let t = template(&LINDESBERG).expect("template");
        let today = ymd(2026, 12, 3);
        let station = t
            .groups
            .iter()
            .find(|g| g.tier == Tier::Temporary)
            .expect("a temporary group");
        let (from, to, decision) = group_dates(station, LINDESBERG.since, today);
        assert!(from < today && to.is_some_and(|to| to > today));
        assert_eq!(decision, "LindeBRÅ 2026-09-18 § 5");
        let est = t.groups.iter().find(|g| g.name == "EST").expect("EST");
        assert_eq!(
            group_dates(est, LINDESBERG.since, today),
            (
                ymd(2024, 4, 30),
                None,
                "KS § 58, 2024-04-30 (KS 2024/70)".to_owned()
            )
        );
    }
}
