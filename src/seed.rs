//! Demo data: Lindesbergs kommun's structure as its guideline (KS § 58,
//! 2024-04-30, KS 2024/70) sets it up, a small Nora kommun in the same police
//! area, and demo accounts. Loading is idempotent: every row is found by its
//! natural key (slug, name, title, e-mail) and never doubled.
//!
//! The people are invented. The nämnder are named after the four
//! förvaltningar of the guideline; the real list is for Kansliet to confirm.

use chrono::{NaiveDate, NaiveTime};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::auth::routes::DemoAccount;
use crate::error::AppResult;
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

/// A date as (year, month, day).
type Ymd = (i32, u32, u32);

struct MunicipalitySeed {
    slug: &'static str,
    name: &'static str,
    /// The kommunkod (SCB), the municipality's id in Kolada.
    code: &'static str,
    guideline: Option<GuidelineSeed>,
    organisations: &'static [(&'static str, &'static str, bool)],
    /// title, organisation, substitute position, grants admin, holder (name, e-mail)
    positions: &'static [PositionSeed],
    groups: &'static [GroupSeed],
    /// Towns and villages for EST reports.
    areas: &'static [&'static str],
}

struct GuidelineSeed {
    title: &'static str,
    adopted_by: &'static str,
    adopted_on: (i32, u32, u32),
    registry_no: &'static str,
    owner: &'static str,
    review_due: (i32, u32, u32),
}

struct PositionSeed {
    title: &'static str,
    organisation: &'static str,
    substitute: Option<&'static str>,
    admin: bool,
    holder: (&'static str, &'static str),
}

/// How a group meets: kind, count per half-year, ISO weekday, start, minutes, form, places, link.
struct CadenceSeed {
    kind: &'static str,
    per_half_year: i32,
    weekday: i16,
    start: (u32, u32),
    minutes: i32,
    form: &'static str,
    places: &'static str,
    link: &'static str,
}

const fn in_person(
    per_half_year: i32,
    weekday: i16,
    start: (u32, u32),
    minutes: i32,
    places: &'static str,
) -> Option<CadenceSeed> {
    Some(CadenceSeed {
        kind: "per_half_year",
        per_half_year,
        weekday,
        start,
        minutes,
        form: "in_person",
        places,
        link: "",
    })
}

struct GroupSeed {
    name: &'static str,
    tier: &'static str,
    task: &'static str,
    appointed_by: Option<&'static str>,
    decision: &'static str,
    focus_area: &'static str,
    cadence: &'static str,
    weekly_reporting: bool,
    meets: Option<CadenceSeed>,
    active: (Ymd, Option<Ymd>),
    members: &'static [(&'static str, &'static str)],
}

/// What a group is unless its seed says otherwise: standing (not appointed
/// by another group), no decision or focus area, no weekly reporting.
const GROUP: GroupSeed = GroupSeed {
    name: "",
    tier: "",
    task: "",
    appointed_by: None,
    decision: "",
    focus_area: "",
    cadence: "",
    weekly_reporting: false,
    meets: None,
    active: ((2024, 1, 1), None),
    members: &[],
};

/// The local police area's chief and the kommunpolis serve both demo
/// municipalities (one police area covers neighbouring municipalities).
const LPO_CHIEF_SEAT: PositionSeed = pos(
    LPO_CHIEF,
    POLICE,
    ("Mikael Andersson", "lpo.chef@lindesberg.example"),
);
const POLICE_LIAISON_SEAT: PositionSeed = pos(
    POLICE_LIAISON,
    POLICE,
    ("Johan Karlsson", "kommunpolis@lindesberg.example"),
);

const fn pos(
    title: &'static str,
    organisation: &'static str,
    holder: (&'static str, &'static str),
) -> PositionSeed {
    PositionSeed {
        title,
        organisation,
        substitute: None,
        admin: false,
        holder,
    }
}

const KS: &str = "KS § 58, 2024-04-30 (KS 2024/70)";
const POLICE: &str = "Polisen, lokalpolisområde Lindesberg";
const COORDINATOR: &str = "Brottsförebyggande samordnare";
const POLICE_LIAISON: &str = "Kommunpolis";
const LPO_CHIEF: &str = "Chef för lokalpolisområde Lindesberg";

const LINDESBERG: MunicipalitySeed = MunicipalitySeed {
    slug: "lindesberg",
    name: "Lindesbergs kommun",
    code: "1885",
    areas: &crate::est::demo::LINDESBERG_AREAS,
    guideline: Some(GuidelineSeed {
        title: "Struktur för det brottsförebyggande arbetet i Lindesbergs kommun",
        adopted_by: "Kommunstyrelsen, § 58",
        adopted_on: (2024, 4, 30),
        registry_no: "KS 2024/70",
        owner: "Kansliet",
        review_due: (2027, 4, 30),
    }),
    organisations: &[
        ("Kommunstyrelsen", "politiskt_organ", false),
        ("Socialnämnden", "politiskt_organ", false),
        ("Barn- och utbildningsnämnden", "politiskt_organ", false),
        ("Tillväxtnämnden", "politiskt_organ", false),
        ("Samhällsbyggnadsnämnden", "politiskt_organ", false),
        ("Kansliet", "forvaltning", false),
        ("Folkhälsoteamet", "forvaltning", false),
        ("Tillväxtförvaltningen", "forvaltning", false),
        ("Socialförvaltningen", "forvaltning", false),
        ("Barn- och utbildningsförvaltningen", "forvaltning", false),
        ("Samhällsbyggnadsförvaltningen", "forvaltning", false),
        ("Besök Linde AB", "kommunalt_bolag", false),
        ("Fastigheter i Linde AB", "kommunalt_bolag", false),
        ("Securitas", "foretag", true),
        (POLICE, "polis", true),
        ("Länstrafiken Örebro", "foretag", true),
        ("Lindesbergs Köpmannaförening", "forening", true),
    ],
    positions: &[
        LPO_CHIEF_SEAT,
        POLICE_LIAISON_SEAT,
        pos(
            "Kommunstyrelsens ordförande",
            "Kommunstyrelsen",
            ("Karin Ståhl", "kso@lindesberg.example"),
        ),
        pos(
            "Ordförande i socialnämnden",
            "Socialnämnden",
            ("Per Lind", "ordf.social@lindesberg.example"),
        ),
        pos(
            "Ordförande i barn- och utbildningsnämnden",
            "Barn- och utbildningsnämnden",
            ("Maria Holm", "ordf.bou@lindesberg.example"),
        ),
        pos(
            "Ordförande i tillväxtnämnden",
            "Tillväxtnämnden",
            ("Jonas Berg", "ordf.tillvaxt@lindesberg.example"),
        ),
        pos(
            "Ordförande i samhällsbyggnadsnämnden",
            "Samhällsbyggnadsnämnden",
            ("Eva Nyström", "ordf.samhallsbyggnad@lindesberg.example"),
        ),
        pos(
            "Oppositionsråd 1",
            "Kommunstyrelsen",
            ("Lars Ek", "oppositionsrad@lindesberg.example"),
        ),
        pos(
            "Oppositionsråd 2",
            "Kommunstyrelsen",
            ("Sofia Dahl", "oppositionsrad2@lindesberg.example"),
        ),
        pos(
            "Kanslichef",
            "Kansliet",
            ("Helena Sjöberg", "kanslichef@lindesberg.example"),
        ),
        PositionSeed {
            substitute: Some("Kanslichef"),
            ..pos(
                "Kommundirektör",
                "Kansliet",
                ("Anders Wikström", "kommundirektor@lindesberg.example"),
            )
        },
        PositionSeed {
            admin: true,
            ..pos(
                COORDINATOR,
                "Kansliet",
                ("Sara Lindqvist", "samordnare@lindesberg.example"),
            )
        },
        pos(
            "Representant för folkhälsoteamet",
            "Folkhälsoteamet",
            ("Lena Åberg", "folkhalsa@lindesberg.example"),
        ),
        pos(
            "Förvaltningschef tillväxtförvaltningen",
            "Tillväxtförvaltningen",
            ("Ola Persson", "fc.tillvaxt@lindesberg.example"),
        ),
        pos(
            "Förvaltningschef socialförvaltningen",
            "Socialförvaltningen",
            ("Annika Falk", "fc.social@lindesberg.example"),
        ),
        pos(
            "Förvaltningschef barn- och utbildningsförvaltningen",
            "Barn- och utbildningsförvaltningen",
            ("Peter Sundin", "fc.bou@lindesberg.example"),
        ),
        pos(
            "Förvaltningschef samhällsbyggnadsförvaltningen",
            "Samhällsbyggnadsförvaltningen",
            ("Camilla Rydén", "fc.samhallsbyggnad@lindesberg.example"),
        ),
        pos(
            "EST-representant tillväxtförvaltningen",
            "Tillväxtförvaltningen",
            ("Emma Grön", "est.tillvaxt@lindesberg.example"),
        ),
        pos(
            "EST-representant socialförvaltningen",
            "Socialförvaltningen",
            ("Fatima Hassan", "est.social@lindesberg.example"),
        ),
        pos(
            "EST-representant barn- och utbildningsförvaltningen",
            "Barn- och utbildningsförvaltningen",
            ("David Olsson", "est.bou@lindesberg.example"),
        ),
        pos(
            "EST-representant samhällsbyggnadsförvaltningen",
            "Samhällsbyggnadsförvaltningen",
            ("Nils Hedlund", "est.samhallsbyggnad@lindesberg.example"),
        ),
        pos(
            "EST-representant Besök Linde AB",
            "Besök Linde AB",
            ("Ida Blom", "est.besoklinde@lindesberg.example"),
        ),
        pos(
            "EST-representant Fastigheter i Linde AB",
            "Fastigheter i Linde AB",
            ("Robert Fors", "est.fastigheter@lindesberg.example"),
        ),
        pos(
            "EST-representant Securitas",
            "Securitas",
            ("Kim Johansson", "securitas@lindesberg.example"),
        ),
        pos(
            "Kontaktperson Länstrafiken",
            "Länstrafiken Örebro",
            ("Maja Ström", "kontakt@lanstrafiken.example"),
        ),
        pos(
            "Representant för Köpmannaföreningen",
            "Lindesbergs Köpmannaförening",
            ("Lars Handel", "ordforande@kopman.example"),
        ),
    ],
    groups: &[
        GroupSeed {
            name: "Styrgrupp",
            tier: "styrgrupp",
            task: "Ger förutsättningar för samverkan och skapar förankring för arbetet bland kommun- och \
                   polisledningen. Ansvarar för att visioner bryts ned till realiserbara, konkreta mål och \
                   delmål och ser till att åtaganden genomförs.",
            decision: KS,
            cadence: "Två gånger per år – en gång på våren och en gång på hösten. Fysiskt i kommunhuset \
                      eller hos Polismyndigheten i Lindesberg.",
            meets: in_person(
                1,
                4,
                (13, 0),
                120,
                "Kommunhuset\nPolismyndigheten i Lindesberg",
            ),
            active: ((2024, 4, 30), None),
            members: &[
                (COORDINATOR, "convener"),
                (LPO_CHIEF, "member"),
                ("Kommunstyrelsens ordförande", "member"),
                ("Ordförande i socialnämnden", "member"),
                ("Ordförande i barn- och utbildningsnämnden", "member"),
                ("Ordförande i tillväxtnämnden", "member"),
                ("Ordförande i samhällsbyggnadsnämnden", "member"),
                ("Oppositionsråd 1", "member"),
                ("Oppositionsråd 2", "member"),
                ("Kommundirektör", "member"),
                (POLICE_LIAISON, "member"),
            ],
            ..GROUP
        },
        GroupSeed {
            name: "LindeBRÅ",
            tier: "beredningsgrupp",
            task: "Fungerar som länk mellan ledningens beslut och utförandet. Arbetar strategiskt med \
                   planering, utformning och uppföljning av arbetet och tillsätter arbetsgrupper. \
                   Enhetschefer inom kommunen eller dess bolag kan bjudas in vid behov.",
            decision: KS,
            cadence: "Fyra gånger per år – två gånger på våren och två gånger på hösten. Fysiskt i kommunhuset.",
            meets: in_person(2, 3, (13, 0), 120, "Kommunhuset"),
            active: ((2024, 4, 30), None),
            members: &[
                (COORDINATOR, "convener"),
                (POLICE_LIAISON, "member"),
                ("Representant för folkhälsoteamet", "member"),
                ("Förvaltningschef tillväxtförvaltningen", "member"),
                ("Förvaltningschef socialförvaltningen", "member"),
                (
                    "Förvaltningschef barn- och utbildningsförvaltningen",
                    "member",
                ),
                ("Förvaltningschef samhällsbyggnadsförvaltningen", "member"),
                (LPO_CHIEF, "may_attend"),
            ],
            ..GROUP
        },
        GroupSeed {
            name: "EST",
            tier: "permanent",
            task: "Effektiv samordning för trygghet: ett forum för operativ samverkan mellan aktörer inom \
                   kommunens geografiska område som bidrar i kartläggningen. Deltagarna rapporterar brotts- \
                   och otrygghetsrelaterade händelser under föregående vecka, kommande händelser som kan öka \
                   risken för brott eller otrygghet samt samverkansbehov.",
            decision: KS,
            focus_area: "Operativ samverkan och kartläggning",
            cadence: "En gång per vecka, 30 minuter, via Microsoft Teams (eller det verktyg för gruppsamtal \
                      som kommunen använder).",
            weekly_reporting: true,
            meets: Some(CadenceSeed {
                kind: "weekly",
                per_half_year: 0,
                weekday: 2,
                start: (9, 0),
                minutes: 30,
                form: "online",
                places: "",
                link: "https://teams.microsoft.com/l/meetup-join/lindesberg-est-demo",
            }),
            active: ((2024, 4, 30), None),
            members: &[
                (COORDINATOR, "convener"),
                (POLICE_LIAISON, "member"),
                ("EST-representant tillväxtförvaltningen", "member"),
                ("EST-representant socialförvaltningen", "member"),
                (
                    "EST-representant barn- och utbildningsförvaltningen",
                    "member",
                ),
                ("EST-representant samhällsbyggnadsförvaltningen", "member"),
                ("EST-representant Besök Linde AB", "member"),
                ("EST-representant Fastigheter i Linde AB", "member"),
                ("EST-representant Securitas", "member"),
            ],
            ..GROUP
        },
        GroupSeed {
            name: "Arbetsgrupp trygg stationsmiljö",
            tier: "temporary",
            task: "Kartlägga otryggheten kring resecentrum och busstationen kvällstid och ta fram förslag \
                   på åtgärder (belysning, siktröjning, ronderingar) till LindeBRÅ.",
            appointed_by: Some("LindeBRÅ"),
            // Dates and decision are set relative to the day the demo loads.
            focus_area: "Trygghet kring resecentrum i Lindesberg",
            cadence: "Varannan vecka under uppdraget.",
            meets: in_person(6, 3, (15, 0), 60, "Resecentrum, Lindesberg"),
            active: ((2026, 9, 14), None),
            members: &[
                (COORDINATOR, "convener"),
                (POLICE_LIAISON, "member"),
                ("EST-representant samhällsbyggnadsförvaltningen", "member"),
                ("EST-representant Fastigheter i Linde AB", "member"),
                ("EST-representant Securitas", "member"),
                ("Kontaktperson Länstrafiken", "member"),
                ("Representant för Köpmannaföreningen", "member"),
            ],
            ..GROUP
        },
    ],
};

const NORA: MunicipalitySeed = MunicipalitySeed {
    slug: "nora",
    name: "Nora kommun",
    code: "1884",
    areas: &["Nora", "Gyttorp", "Pershyttan"],
    guideline: None,
    organisations: &[
        ("Kommunstyrelsen", "politiskt_organ", false),
        ("Kommunledningsförvaltningen", "forvaltning", false),
        (POLICE, "polis", true),
    ],
    positions: &[
        LPO_CHIEF_SEAT,
        POLICE_LIAISON_SEAT,
        pos(
            "Kommunstyrelsens ordförande",
            "Kommunstyrelsen",
            ("Birgitta Nord", "kso@nora.example"),
        ),
        pos(
            "Kommundirektör",
            "Kommunledningsförvaltningen",
            ("Tomas Öst", "kommundirektor@nora.example"),
        ),
        PositionSeed {
            admin: true,
            ..pos(
                COORDINATOR,
                "Kommunledningsförvaltningen",
                ("Elin Norberg", "samordnare@nora.example"),
            )
        },
    ],
    groups: &[
        GroupSeed {
            name: "Styrgrupp",
            tier: "styrgrupp",
            task: "Ger mandat och förutsättningar för det brottsförebyggande arbetet i Nora kommun och \
                   följer upp mål och åtaganden.",
            cadence: "Två gånger per år.",
            meets: in_person(1, 4, (10, 0), 90, "Nora kommunhus"),
            active: ((2024, 1, 1), None),
            members: &[
                (COORDINATOR, "convener"),
                ("Kommunstyrelsens ordförande", "member"),
                ("Kommundirektör", "member"),
                (LPO_CHIEF, "member"),
                (POLICE_LIAISON, "member"),
            ],
            ..GROUP
        },
        GroupSeed {
            name: "Brottsförebyggande rådet",
            tier: "beredningsgrupp",
            task: "Planerar och följer upp det brottsförebyggande arbetet i Nora kommun och tillsätter \
                   arbetsgrupper.",
            cadence: "Fyra gånger per år.",
            meets: in_person(2, 2, (13, 0), 90, "Nora kommunhus"),
            active: ((2024, 1, 1), None),
            members: &[
                (COORDINATOR, "convener"),
                (POLICE_LIAISON, "member"),
                ("Kommundirektör", "member"),
            ],
            ..GROUP
        },
    ],
};

/// Holders in the demo have held their positions since this day.
const HELD_FROM: (i32, u32, u32) = (2023, 1, 1);

fn date((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
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
    for seed in [&LINDESBERG, &NORA] {
        load_municipality(&mut tx, seed, &hash).await?;
    }
    tx.commit().await?;
    tracing::info!("demo data loaded (Lindesbergs kommun, Nora kommun)");
    Ok(())
}

#[allow(clippy::too_many_lines)] // demo data: one municipality's structure, inserted top to bottom
async fn load_municipality(
    conn: &mut PgConnection,
    seed: &MunicipalitySeed,
    hash: &str,
) -> sqlx::Result<()> {
    let g = seed.guideline.as_ref();
    let m = sqlx::query_scalar!(
        r#"insert into municipality (id, slug, name, guideline_title, guideline_adopted_by, guideline_adopted_on,
                                     guideline_registry_no, guideline_owner, guideline_review_due, code)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           on conflict (slug) do update set slug = excluded.slug
           returning id"#,
        Uuid::now_v7(),
        seed.slug,
        seed.name,
        g.map_or("", |g| g.title),
        g.map_or("", |g| g.adopted_by),
        g.map(|g| date(g.adopted_on)),
        g.map_or("", |g| g.registry_no),
        g.map_or("", |g| g.owner),
        g.map(|g| date(g.review_due)),
        seed.code,
    )
    .fetch_one(&mut *conn)
    .await?;
    for (name, kind, external) in seed.organisations {
        sqlx::query!(
            r#"insert into organisation (id, municipality_id, name, kind, external) values ($1, $2, $3, $4, $5)
               on conflict (municipality_id, name) do nothing"#,
            Uuid::now_v7(), m, name, kind, external
        )
        .execute(&mut *conn)
        .await?;
    }
    // Positions first, then substitutes (which refer to other positions).
    for p in seed.positions {
        let position_id = sqlx::query_scalar!(
            r#"insert into position (id, municipality_id, title, organisation_id, grants_admin, oversight)
               select $1, $2, $3, o.id, $5, $6 from organisation o where o.municipality_id = $2 and o.name = $4
               on conflict (municipality_id, title) do update set oversight = position.oversight or excluded.oversight
               returning id"#,
            Uuid::now_v7(), m, p.title, p.organisation, p.admin,
            // The guideline gives the coordinator and the kommunpolis the
            // overall responsibility: they see the whole structure.
            p.admin || p.title == POLICE_LIAISON
        )
        .fetch_one(&mut *conn)
        .await?;
        let person_id = sqlx::query_scalar!(
            r#"insert into person (id, name, email, password_hash) values ($1, $2, $3, $4)
               on conflict ((lower(email))) do update set email = person.email
               returning id"#,
            Uuid::now_v7(),
            p.holder.0,
            p.holder.1,
            hash
        )
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query!(
            "insert into person_municipality (municipality_id, person_id) values ($1, $2) on conflict do nothing",
            m, person_id
        )
        .execute(&mut *conn)
        .await?;
        // Only a position that has never had a holder gets the demo holder.
        sqlx::query!(
            r#"insert into position_holder (id, municipality_id, position_id, person_id, held_from)
               select $1, $2, $3, $4, $5
               where not exists (select 1 from position_holder where position_id = $3)"#,
            Uuid::now_v7(),
            m,
            position_id,
            person_id,
            date(HELD_FROM)
        )
        .execute(&mut *conn)
        .await?;
    }
    for p in seed.positions.iter().filter(|p| p.substitute.is_some()) {
        sqlx::query!(
            r#"update position set substitute_position_id =
                   (select id from position where municipality_id = $1 and title = $3)
               where municipality_id = $1 and title = $2 and substitute_position_id is null"#,
            m,
            p.title,
            p.substitute
        )
        .execute(&mut *conn)
        .await?;
    }
    // The municipality the seed has just written or found by its slug.
    let m = MunicipalityId::of_row(m);
    for group in seed.groups {
        load_group(conn, m, group).await?;
    }
    crate::meetings::demo::load(conn, m).await?;
    crate::est::demo::taxonomy(conn, m, seed.areas).await?;
    crate::map::demo::load(conn, m).await?;
    crate::agreements::demo::load(conn, m, crate::web::today()).await?;
    crate::planning::demo::load(conn, m, crate::web::today()).await?;
    let has_reports = sqlx::query_scalar!(
        r#"select exists(select 1 from est_report where municipality_id = $1) as "e!""#,
        m.get()
    )
    .fetch_one(&mut *conn)
    .await?;
    if !has_reports {
        crate::est::demo::reports(conn, m, 52, crate::web::today(), &|_| {}).await?;
    }
    crate::map::demo::points(conn, m).await?;
    Ok(())
}

fn sort_order(g: &GroupSeed) -> i32 {
    match g.tier {
        "temporary" => 100,
        _ => 10,
    }
}

/// A group's active span and decision. The demo's temporary group is always
/// in mid-assignment, whatever the date the demo is loaded on; the
/// guideline's groups keep their dates.
fn group_dates(g: &GroupSeed, today: NaiveDate) -> (NaiveDate, Option<NaiveDate>, String) {
    if g.tier == "temporary" {
        let from = today - chrono::Days::new(72);
        let decided = from - chrono::Days::new(4);
        (
            from,
            Some(today + chrono::Days::new(126)),
            format!("LindeBRÅ {decided} § 5"),
        )
    } else {
        (
            date(g.active.0),
            g.active.1.map(date),
            g.decision.to_owned(),
        )
    }
}

async fn load_group(conn: &mut PgConnection, m: MunicipalityId, g: &GroupSeed) -> sqlx::Result<()> {
    let sort_order = sort_order(g);
    let (active_from, active_to, decision) = group_dates(g, crate::web::today());
    let group_id = sqlx::query_scalar!(
        r#"insert into work_group (id, municipality_id, tier, name, task, appointed_by_group_id, decision_reference,
                                   focus_area, cadence_text, weekly_reporting, active_from, active_to, sort_order)
           values ($1, $2, $3, $4, $5,
                   (select id from work_group where municipality_id = $2 and name = $6),
                   $7, $8, $9, $10, $11, $12, $13)
           on conflict (municipality_id, name) do update set name = excluded.name
           returning id"#,
        Uuid::now_v7(),
        m.get(),
        g.tier,
        g.name,
        g.task,
        g.appointed_by,
        decision,
        g.focus_area,
        g.cadence,
        g.weekly_reporting,
        active_from,
        active_to,
        sort_order,
    )
    .fetch_one(&mut *conn)
    .await?;
    if let Some(c) = &g.meets {
        sqlx::query!(
            r#"insert into group_cadence (work_group_id, municipality_id, kind, per_half_year, weekday, start_time,
                                          duration_minutes, form, places, meeting_link)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
               on conflict (work_group_id) do nothing"#,
            group_id,
            m.get(),
            c.kind,
            c.per_half_year,
            c.weekday,
            NaiveTime::from_hms_opt(c.start.0, c.start.1, 0).unwrap_or_default(),
            c.minutes,
            c.form,
            c.places,
            c.link
        )
        .execute(&mut *conn)
        .await?;
    }
    for (title, role) in g.members {
        sqlx::query!(
            r#"insert into membership (id, municipality_id, work_group_id, position_id, role)
               select $1, $2, $3, p.id, $5 from position p where p.municipality_id = $2 and p.title = $4
               on conflict do nothing"#,
            Uuid::now_v7(), m.get(), group_id, title, role
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
