//! EST demo data: a year (or, for load tests, many years) of realistic
//! weekly reports from every EST organisation, in the municipality's own
//! categories and areas, with some weeks missing. Generated deterministically and
//! written with one bulk insert per table.

use crate::tenant::MunicipalityId;
use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::week::ReportWeek;

/// Places used in demo texts, per area (same order as the areas).
const PLACES: [&[&str]; 7] = [
    &[
        "resecentrum",
        "Stora torget",
        "Lindbacka skola",
        "simhallen",
        "Kristinaskolan",
    ],
    &["stationen", "Frövi centrum", "idrottsplatsen"],
    &["skolan", "kyrkan"],
    &["centrum", "järnvägsstationen"],
    &["badplatsen"],
    &["hembygdsgården"],
    &["bygdegården"],
];

/// A typical description for each top-level category of Lindesberg's
/// template; the last is for any other.
const INCIDENT_TEXTS: [(&str, &str); 10] = [
    (
        "Skadegörelse",
        "Klotter på fasad och busskur, anmält till fastighetsägaren.",
    ),
    (
        "Otrygghetsskapande samling av personer",
        "Grupp ungdomar samlades sent på kvällen, störande beteende mot förbipasserande.",
    ),
    (
        "Ordningsstörning",
        "Hög musik och bråk utanför entrén under kvällen.",
    ),
    (
        "Våld och hot",
        "Slagsmål mellan två personer, polis tillkallad.",
    ),
    ("Stöld och inbrott", "Inbrott i förråd, verktyg stulna."),
    (
        "Misstänkt narkotikahandel",
        "Misstänkt försäljning av narkotika vid gångtunneln, flera personer i rörelse.",
    ),
    (
        "Otrygg plats",
        "Trasig belysning på gångvägen gör platsen mörk och otrygg.",
    ),
    ("Trafik", "Mopeder kör i hög fart på gång- och cykelvägen."),
    (
        "Händelser mot personal",
        "Personal blev hotad av berusad besökare.",
    ),
    ("Annat", "Övergiven bil med krossad ruta."),
];

const EVENTS: [(&str, &str); 6] = [
    ("Höstmarknad på Stora torget", "high"),
    ("Skolavslutning", "medium"),
    ("Ishockeymatch i Lindesberg Arena", "medium"),
    ("Valborgsfirande", "high"),
    ("Konsert i parken", "low"),
    ("Lönehelg med utökade öppettider", "low"),
];

const NEEDS: [(&str, &str); 5] = [
    (
        "Belysningen vid busstationen behöver lagas",
        "Samhällsbyggnadsförvaltningen",
    ),
    (
        "Gemensam kvällsvandring vid resecentrum",
        "Polisen och Securitas",
    ),
    ("Samordna fältarbete inför helgen", "Socialförvaltningen"),
    (
        "Röjning av buskage vid gångtunneln",
        "Fastigheter i Linde AB",
    ),
    (
        "Information till föräldrar om mopedåkning",
        "Barn- och utbildningsförvaltningen",
    ),
];

/// A small deterministic generator (the demo must look the same every time).
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }
}

#[derive(Default)]
struct Rows {
    reports: ReportRows,
    incidents: IncidentRows,
    events: EventRows,
    needs: NeedRows,
}

#[derive(Default)]
struct ReportRows {
    id: Vec<Uuid>,
    org: Vec<Uuid>,
    week: Vec<NaiveDate>,
    nothing: Vec<bool>,
    at: Vec<DateTime<Utc>>,
}

#[derive(Default)]
struct EventRows {
    id: Vec<Uuid>,
    report: Vec<Uuid>,
    occurs: Vec<NaiveDate>,
    area: Vec<Uuid>,
    risk: Vec<String>,
    title: Vec<String>,
    writer: Vec<Uuid>,
}

#[derive(Default)]
struct NeedRows {
    id: Vec<Uuid>,
    report: Vec<Uuid>,
    title: Vec<String>,
    who: Vec<String>,
    status: Vec<String>,
    writer: Vec<Uuid>,
    at: Vec<DateTime<Utc>>,
}

#[derive(Default)]
struct IncidentRows {
    id: Vec<Uuid>,
    report: Vec<Uuid>,
    category: Vec<Uuid>,
    occurred: Vec<NaiveDate>,
    band: Vec<String>,
    area: Vec<Uuid>,
    place: Vec<String>,
    description: Vec<String>,
    insecurity: Vec<i16>,
    police: Vec<bool>,
    writer: Vec<Uuid>,
    created: Vec<DateTime<Utc>>,
}

/// Adds `weeks` weeks of reports ending this week (or last week on a
/// Monday), for every organisation
/// of the reporting group that has none in that span. Returns the number
/// of reports written. `progress` is told after each week.
pub async fn reports(
    conn: &mut PgConnection,
    m: MunicipalityId,
    weeks: u32,
    today: NaiveDate,
    progress: &(dyn Fn(u32) + Sync),
) -> sqlx::Result<usize> {
    varied_reports(conn, m, weeks, today, 0, progress).await
}

/// [`reports`] with the dice turned by `variation`, so that generated
/// municipalities do not all have the same weeks (0 gives Lindesberg's).
#[allow(clippy::too_many_lines)] // demo data: one loop that rolls every week's reports and incidents
pub async fn varied_reports(
    conn: &mut PgConnection,
    m: MunicipalityId,
    weeks: u32,
    today: NaiveDate,
    variation: u64,
    progress: &(dyn Fn(u32) + Sync),
) -> sqlx::Result<usize> {
    let reporters = sqlx::query!(
        r#"select distinct on (p.organisation_id) p.organisation_id as "organisation_id!", h.person_id
           from work_group g
           join membership ms on ms.work_group_id = g.id and ms.role <> 'convener'
           join position p on p.id = ms.position_id and p.organisation_id is not null
           join position_holder h on h.position_id = p.id and h.held_to is null
           where g.municipality_id = $1 and g.weekly_reporting
           order by p.organisation_id, h.held_from"#,
        m.get()
    )
    .fetch_all(&mut *conn)
    .await?;
    let leaves = sqlx::query!(
        r#"select c.id, coalesce(p.name, c.name) as "top!" from incident_category c
           left join incident_category p on p.id = c.parent_id
           where c.municipality_id = $1 and not exists (select 1 from incident_category k where k.parent_id = c.id)
           order by coalesce(p.sort_order, c.sort_order), c.name"#,
        m.get()
    )
    .fetch_all(&mut *conn)
    .await?;
    let areas: Vec<Uuid> = sqlx::query_scalar!(
        "select id from area where municipality_id = $1 order by sort_order, name",
        m.get()
    )
    .fetch_all(&mut *conn)
    .await?;
    if reporters.is_empty() || leaves.is_empty() || areas.is_empty() {
        return Ok(0);
    }
    // Up to this week once its Monday (when reports come in) has passed.
    let this_week = ReportWeek::containing(today, 1);
    let last = if today > this_week.monday {
        this_week.monday
    } else {
        this_week.monday - Days::new(7)
    };
    let first = last - Days::new(7 * u64::from(weeks.saturating_sub(1)));
    let existing: std::collections::HashSet<(Uuid, NaiveDate)> = sqlx::query!(
        "select organisation_id, week_start from est_report where municipality_id = $1 and week_start >= $2",
        m.get(),
        first
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (r.organisation_id, r.week_start))
    .collect();
    let mut rows = Rows::default();
    let mut dice = Dice(u64::from(first.num_days_from_ce().unsigned_abs()) ^ variation);
    for w in 0..weeks {
        let monday = first + Days::new(7 * u64::from(w));
        let submitted = crate::web::day_start(monday) + TimeDelta::hours(8);
        for reporter in &reporters {
            // Some weeks an organisation does not report at all.
            if dice.below(12) == 0 {
                continue;
            }
            if existing.contains(&(reporter.organisation_id, monday)) {
                continue;
            }
            let report = Uuid::now_v7();
            let count = [0, 1, 1, 2, 2, 3][dice.below(6)];
            rows.reports.id.push(report);
            rows.reports.org.push(reporter.organisation_id);
            rows.reports.week.push(monday);
            rows.reports.nothing.push(count == 0 && dice.below(3) != 0);
            rows.reports.at.push(submitted);
            for _ in 0..count {
                let leaf = dice.below(leaves.len());
                // Lindesberg town gets most incidents; the villages fewer.
                let area = if dice.below(3) == 0 {
                    dice.below(areas.len())
                } else {
                    0
                };
                let places = PLACES.get(area).copied().unwrap_or(&[]);
                let i = &mut rows.incidents;
                i.id.push(Uuid::now_v7());
                i.report.push(report);
                i.category.push(leaves[leaf].id);
                i.occurred
                    .push(monday - Days::new(1 + u64::try_from(dice.below(7)).unwrap_or(0)));
                i.band
                    .push(["natt", "morgon", "dag", "kvall", "kvall"][dice.below(5)].to_owned());
                i.area.push(areas[area]);
                i.place.push(
                    places
                        .get(dice.below(places.len()))
                        .copied()
                        .unwrap_or("")
                        .to_owned(),
                );
                let text = INCIDENT_TEXTS
                    .iter()
                    .find(|(top, _)| *top == leaves[leaf].top)
                    .unwrap_or(&INCIDENT_TEXTS[INCIDENT_TEXTS.len() - 1])
                    .1;
                i.description.push(text.to_owned());
                i.insecurity
                    .push(i16::try_from(1 + dice.below(5)).unwrap_or(3));
                i.police.push(dice.below(3) == 0);
                i.writer.push(reporter.person_id);
                i.created.push(submitted);
            }
            if dice.below(5) == 0 {
                let (title, risk) = EVENTS[dice.below(EVENTS.len())];
                rows.events.id.push(Uuid::now_v7());
                rows.events.report.push(report);
                rows.events
                    .occurs
                    .push(monday + Days::new(u64::try_from(dice.below(12)).unwrap_or(0)));
                rows.events.area.push(areas[0]);
                rows.events.risk.push(risk.to_owned());
                rows.events.title.push(title.to_owned());
                rows.events.writer.push(reporter.person_id);
            }
            if dice.below(9) == 0 {
                let (title, who) = NEEDS[dice.below(NEEDS.len())];
                let recent = w + 6 >= weeks;
                rows.needs.id.push(Uuid::now_v7());
                rows.needs.report.push(report);
                rows.needs.title.push(title.to_owned());
                rows.needs.who.push(who.to_owned());
                rows.needs.status.push(
                    if recent {
                        ["open", "in_progress"][dice.below(2)]
                    } else {
                        "closed"
                    }
                    .to_owned(),
                );
                rows.needs.writer.push(reporter.person_id);
                rows.needs.at.push(submitted);
            }
        }
        progress(w + 1);
    }
    write(conn, m, &rows).await?;
    Ok(rows.reports.id.len())
}

async fn write(conn: &mut PgConnection, m: MunicipalityId, rows: &Rows) -> sqlx::Result<()> {
    let r = &rows.reports;
    sqlx::query!(
        r#"insert into est_report (id, municipality_id, organisation_id, week_start, nothing_to_report, submitted_at, updated_at)
           select id, $1, org, week, nothing, at, at from unnest($2::uuid[], $3::uuid[], $4::date[], $5::bool[], $6::timestamptz[])
                as t(id, org, week, nothing, at)"#,
        m.get(), &r.id, &r.org, &r.week, &r.nothing, &r.at
    )
    .execute(&mut *conn)
    .await?;
    let i = &rows.incidents;
    sqlx::query!(
        r#"insert into est_incident (id, municipality_id, report_id, category_id, occurred_on, time_band, area_id, place,
                                     description, insecurity, reported_to_police, written_by, created_at)
           select id, $1, report, category, occurred, band, area, nullif(place, ''), description, insecurity, police, writer, created
           from unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::date[], $6::text[], $7::uuid[], $8::text[], $9::text[],
                       $10::int2[], $11::bool[], $12::uuid[], $13::timestamptz[])
                as t(id, report, category, occurred, band, area, place, description, insecurity, police, writer, created)"#,
        m.get(), &i.id, &i.report, &i.category, &i.occurred, &i.band, &i.area, &i.place, &i.description, &i.insecurity,
        &i.police, &i.writer, &i.created
    )
    .execute(&mut *conn)
    .await?;
    let e = &rows.events;
    sqlx::query!(
        r#"insert into est_coming_event (id, municipality_id, report_id, occurs_on, area_id, risk, title, written_by)
           select id, $1, report, occurs, area, risk, title, writer
           from unnest($2::uuid[], $3::uuid[], $4::date[], $5::uuid[], $6::text[], $7::text[], $8::uuid[])
                as t(id, report, occurs, area, risk, title, writer)"#,
        m.get(), &e.id, &e.report, &e.occurs, &e.area, &e.risk, &e.title, &e.writer
    )
    .execute(&mut *conn)
    .await?;
    let n = &rows.needs;
    sqlx::query!(
        r#"insert into cooperation_need (id, municipality_id, report_id, title, with_whom, handled_by, status, closed_at, written_by, created_at)
           select id, $1, report, title, who, who, status, case when status = 'closed' then at + interval '14 days' end, writer, at
           from unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::timestamptz[])
                as t(id, report, title, who, status, writer, at)"#,
        m.get(), &n.id, &n.report, &n.title, &n.who, &n.status, &n.writer, &n.at
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"insert into cooperation_note (id, municipality_id, need_id, note, status, written_by, at)
           select gen_random_uuid(), $1, n.id, 'Åtgärdat och återrapporterat i EST.', 'closed', n.written_by, n.closed_at
           from cooperation_need n where n.municipality_id = $1 and n.status = 'closed'
             and not exists (select 1 from cooperation_note c where c.need_id = n.id)"#,
        m.get()
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
