//! The dashboard: numbers against hand-counted fixtures, charts with their
//! tables, CSV equal to the table, and access.

use reqwest::StatusCode;

use crate::helpers::*;

/// Three incidents in January 2020 (long before the demo's year), one of
/// them reported twice: per week 2 + 0 + 1, Skadegörelse 2 and Trafik 1,
/// Lindesberg 2 and Frövi 1.
pub async fn fixture(app: &TestApp) {
    sqlx::query(
        r#"with m as (select id from municipality where slug = 'lindesberg'),
                o as (select id from organisation where name = 'Securitas'),
                o2 as (select id from organisation where name = 'Socialförvaltningen'),
                r1 as (insert into est_report (id, municipality_id, organisation_id, week_start)
                       select gen_random_uuid(), m.id, o.id, date '2020-01-13' from m, o returning id, municipality_id),
                r2 as (insert into est_report (id, municipality_id, organisation_id, week_start)
                       select gen_random_uuid(), m.id, o2.id, date '2020-01-13' from m, o2 returning id),
                cat as (select c.id, coalesce(p.name, c.name) as top, c.name from incident_category c
                        left join incident_category p on p.id = c.parent_id
                        where c.municipality_id = (select id from m)),
                ar as (select id, name from area where municipality_id = (select id from m)),
                first as (insert into est_incident (id, municipality_id, report_id, category_id, occurred_on, area_id, description, insecurity)
                          select gen_random_uuid(), r1.municipality_id, r1.id, (select id from cat where name = 'Klotter'), date '2020-01-07',
                                 (select id from ar where name = 'Lindesberg'), 'Klotter', 2 from r1 returning id)
           insert into est_incident (id, municipality_id, report_id, category_id, occurred_on, area_id, description, insecurity, duplicate_of)
           select gen_random_uuid(), (select id from m), r1.id, (select id from cat where name = 'Brand'), date '2020-01-08',
                  (select id from ar where name = 'Lindesberg'), 'Brand i papperskorg', 3, null::uuid from r1
           union all
           select gen_random_uuid(), (select id from m), r1.id, (select id from cat where name = 'Moped'), date '2020-01-21',
                  (select id from ar where name = 'Frövi'), 'Mopeder', 3, null from r1
           union all
           select gen_random_uuid(), (select id from m), r2.id, (select id from cat where name = 'Klotter'), date '2020-01-07',
                  (select id from ar where name = 'Lindesberg'), 'Samma klotter', 2, (select id from first) from r2"#,
    )
    .execute(&app.db)
    .await
    .expect("fixture");
}

pub const PERIOD: &str = "fran=2020-01-06&till=2020-01-26";

fn table(page: &scraper::Html, key: &str) -> Vec<String> {
    rows(page, &format!("#tabell-{key} tbody tr"))
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_dashboard_counts_match_a_hand_counted_fixture(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    fixture(&app).await;
    app.login("kso@lindesberg.example").await;

    let page = app.get_html(&format!("/oversikt?{PERIOD}")).await;

    assert_eq!(
        table(&page, "vecka"),
        [
            "v. 2 (2020-01-06) 2",
            "v. 3 (2020-01-13) 0",
            "v. 4 (2020-01-20) 1"
        ]
    );
    assert_eq!(table(&page, "kategori"), ["Skadegörelse 2", "Trafik 1"]);
    assert_eq!(table(&page, "omrade"), ["Lindesberg 2", "Frövi 1"]);
    assert_eq!(texts(&page, ".kpi-inline"), ["3 händelser"]);

    let frovi: uuid::Uuid = db_value!(&app.db, "select id from area where name = 'Frövi'");
    let page = app
        .get_html(&format!("/oversikt?{PERIOD}&omrade={frovi}"))
        .await;
    assert_eq!(table(&page, "kategori"), ["Trafik 1"]);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn every_chart_has_an_accessible_name_and_a_table_and_the_csv_equals_the_table(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    fixture(&app).await;
    app.login(COORDINATOR).await;
    let page = app.get_html(&format!("/oversikt?{PERIOD}")).await;

    let charts = scraper::Selector::parse("svg.chart").expect("selector");
    let mut keys = Vec::new();
    for svg in page.select(&charts) {
        assert_eq!(svg.value().attr("role"), Some("img"));
        let caption = svg.value().attr("aria-labelledby").expect("labelled");
        assert_eq!(
            texts(&page, &format!("#{caption}")).len(),
            1,
            "{caption} names the chart"
        );
        let class = svg.value().attr("class").unwrap_or_default();
        if class.contains("chart-wide") {
            keys.push(caption.trim_start_matches("fig-").to_owned());
        }
    }
    assert_eq!(keys, ["vecka", "kategori", "omrade"]);
    // Each drawn for a phone, a narrow and a wide column (the stylesheet
    // shows one).
    for key in &keys {
        for size in ["narrow", "medium", "wide"] {
            assert_eq!(
                page.select(
                    &scraper::Selector::parse(&format!(
                        "svg.chart-{size}[aria-labelledby=fig-{key}]"
                    ))
                    .expect("selector")
                )
                .count(),
                1,
                "{key} {size}"
            );
        }
    }
    for key in &keys {
        let rows = table(&page, key);
        assert!(!rows.is_empty());
        let csv = app.get_text(&format!("/oversikt/{key}.csv?{PERIOD}")).await;
        // The weekly export adds a column of its own: 1 for a whole week.
        let csv_rows: Vec<String> = csv
            .trim_start_matches('\u{feff}')
            .lines()
            .skip(1)
            .map(|l| {
                let cells: Vec<&str> = l.split(';').collect();
                if key == "vecka" {
                    assert_eq!(cells.last(), Some(&"1"), "{l}");
                    cells[..cells.len() - 1].join(" ")
                } else {
                    cells.join(" ")
                }
            })
            .collect();
        assert_eq!(csv_rows, rows, "{key}");
    }
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_dashboard_shows_agreement_states_and_group_compliance(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, "kso@lindesberg.example").await;
    let page = app.get_html("/oversikt").await;

    // Every agreement in force is counted, also the one about to end.
    let agreements = texts(&page, ".kpis li.agreements");
    assert_eq!(
        agreements,
        [
            "2 avtal i kraft, varav 1 går ut inom 90 dagar; 1 väntar på signaturer; 5 deltaganden utan avtal."
        ]
    );
    // "Behöver uppmärksamhet" counts the same participations (pairs of an
    // outside organisation and a group), and says so.
    let attention = texts(&page, ".attention li");
    assert!(
        attention.contains(
            &"5 deltaganden av externa aktörer i grupper saknar avtal i kraft.".to_owned()
        ),
        "{attention:?}"
    );
    let groups = texts(&page, ".compliance li");
    for name in ["Styrgrupp", "LindeBRÅ", "EST"] {
        assert!(
            groups.iter().any(|g| g.starts_with(&format!("{name} "))),
            "{name} in {groups:?}"
        );
    }
    // The Styrgrupp sees aggregates, not the records with free texts.
    assert!(!page.html().contains("/est/handelser"));
    let menu = texts(&page, "header nav a");
    assert!(
        !menu.contains(&"EST".to_owned()) && menu.contains(&"Planering".to_owned()),
        "{menu:?}"
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn est_members_see_their_own_groups_figures_and_others_are_refused(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let page = app.get_html("/oversikt").await;
    let groups = texts(&page, ".compliance li");
    assert_eq!(groups.len(), 1);
    assert!(groups[0].starts_with("EST "));
    assert!(
        !texts(&page, ".kpis li")
            .iter()
            .any(|c| c.contains("avtal i kraft"))
    );
    assert!(
        page.html().contains("/est/handelser"),
        "members open the records behind the numbers"
    );

    let outsider = app.beside("kontakt@lanstrafiken.example").await;
    outsider
        .assert_status("/oversikt", StatusCode::FORBIDDEN)
        .await;
    outsider
        .assert_status("/oversikt/vecka.csv", StatusCode::FORBIDDEN)
        .await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_dashboard_and_its_exports_load_their_data_in_at_most_two_statements(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    fixture(&app).await;
    app.login(COORDINATOR).await;
    let member = app.beside(SECURITAS).await;
    for app in [&app, &member] {
        app.get_html("/").await;
        // The figures, then everything else; each export needs one of them.
        for (path, most) in [
            ("/oversikt".to_owned(), 2),
            (format!("/oversikt?{PERIOD}"), 2),
            (format!("/oversikt/vecka.csv?{PERIOD}"), 1),
            ("/oversikt/efterlevnad.csv".to_owned(), 1),
        ] {
            let n = crate::request_path::statements(app, &path).await;
            assert!(n <= most, "{path} ran {n} statements, at most {most}");
        }
        // An export opened from the page it belongs to reads the page's
        // data in memory: no statement.
        for (page, export) in [
            (
                format!("/oversikt?{PERIOD}"),
                format!("/oversikt/vecka.csv?{PERIOD}"),
            ),
            (
                "/oversikt".to_owned(),
                "/oversikt/efterlevnad.csv".to_owned(),
            ),
        ] {
            crate::request_path::statements(app, &page).await;
            let n = crate::request_path::warm_statements(app, &export).await;
            assert_eq!(n, 0, "{export} after {page}");
        }
    }
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn weeks_the_period_covers_in_part_are_marked_and_not_counted_in_the_trend(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    fixture(&app).await;
    app.login(COORDINATOR).await;
    // Wednesday of week 2 to Wednesday of week 4.
    let period = "fran=2020-01-08&till=2020-01-22";
    let page = app.get_html(&format!("/oversikt?{period}")).await;
    assert_eq!(
        table(&page, "vecka"),
        [
            "v. 2 (2020-01-06, ofullständig vecka) 1",
            "v. 3 (2020-01-13) 0",
            "v. 4 (2020-01-20, ofullständig vecka) 1"
        ]
    );
    assert_eq!(texts(&page, "#tabell-vecka tr.partial").len(), 2);
    assert!(page.html().contains("Ljusare staplar"));
    let csv = app.get_text(&format!("/oversikt/vecka.csv?{period}")).await;
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "Vecka;Händelser;Hela perioden (1 = ja)");
    assert_eq!(lines[2], "v. 3 (2020-01-13);0;1");
    assert!(lines[1].ends_with(";1;0"), "{}", lines[1]);

    // The trend compares whole weeks only.
    let trend = samordna::dashboard::trend(
        &(0..10)
            .map(|i| samordna::dashboard::Bucket {
                start: chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("date")
                    + chrono::Days::new(7 * i),
                n: if i == 9 { 0 } else { 1 },
                partial: i == 9,
            })
            .collect::<Vec<_>>(),
    )
    .expect("trend");
    assert_eq!(
        trend,
        "4 händelser de senaste fyra hela veckorna, lika många som de fyra veckorna dessförinnan"
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_area_filter_applies_to_coming_events_which_are_shown_by_name(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    sqlx::query(
        r#"with m as (select id from municipality where slug = 'lindesberg'),
                o as (select id from organisation where name = 'Securitas'),
                r as (insert into est_report (id, municipality_id, organisation_id, week_start)
                      select gen_random_uuid(), m.id, o.id, date '2020-01-13' from m, o returning id, municipality_id)
           insert into est_coming_event (id, municipality_id, report_id, occurs_on, area_id, risk, title)
           select gen_random_uuid(), r.municipality_id, r.id, current_date + 3,
                  (select id from area where name = 'Frövi' and municipality_id = r.municipality_id), 'high', 'Skolavslutning i Frövi'
           from r"#,
    )
    .execute(&app.db)
    .await
    .expect("event");
    app.login("kso@lindesberg.example").await;
    let page = app.get_html("/oversikt").await;
    assert!(
        texts(&page, ".attention li")
            .iter()
            .any(|t| t.contains("Skolavslutning i Frövi (Frövi)")),
        "{:?}",
        texts(&page, ".attention li")
    );
    let lindesberg: uuid::Uuid =
        db_value!(&app.db, "select id from area where name = 'Lindesberg'");
    let page = app
        .get_html(&format!("/oversikt?omrade={lindesberg}"))
        .await;
    assert!(!page.html().contains("Skolavslutning i Frövi"));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_compliance_export_has_one_number_per_cell(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let csv = app.get_text("/oversikt/efterlevnad.csv").await;
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "Grupp;Termin;Aktiv från;Aktiv till;Möten enligt riktlinjen;Hållna;Planerade;Inställda;Ej protokollförda;Enligt riktlinjen (1 = ja);Inget möte planerat (1 = ja)"
    );
    for line in &lines[1..] {
        let cells: Vec<&str> = line.split(';').collect();
        assert_eq!(cells.len(), 11, "{line}");
        assert!(!line.contains(" av "), "{line}");
        for n in &cells[4..] {
            n.parse::<i64>().unwrap_or_else(|_| panic!("{n} in {line}"));
        }
    }
}

/// The items of the start page's "Väntar på dig".
async fn waiting_for(email: &str, db: &sqlx::PgPool) -> Vec<String> {
    let app = TestApp::spawn(db.clone()).await;
    app.login(email).await;
    texts(&app.get_html("/").await, "#needs-title ~ ul li")
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_start_page_names_what_is_due_for_every_role(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;

    let coordinator = waiting_for(COORDINATOR, &app.db).await;
    for expected in [
        "inte rapporterat till EST",
        "väntar på signatur av",
        "går ut",
        "skulle vara klar",
    ] {
        assert!(
            coordinator.iter().any(|n| n.contains(expected)),
            "{expected} in {coordinator:#?}"
        );
    }

    let director = waiting_for("kommundirektor@lindesberg.example", &app.db).await;
    assert!(!director.is_empty(), "the kommundirektör gets a list");
    assert!(
        !director
            .iter()
            .any(|n| n.contains("inte rapporterat till EST")),
        "the EST's reports are the coordinator's to chase: {director:#?}"
    );
    assert!(
        director.iter().any(|n| n.contains("går ut")),
        "{director:#?}"
    );

    let opposition = waiting_for("oppositionsrad@lindesberg.example", &app.db).await;
    assert!(!opposition.is_empty(), "the oppositionsråd gets a list");
    assert!(
        opposition.iter().any(|n| n.contains("skulle vara klar")),
        "{opposition:#?}"
    );

    // Someone with nothing due is told so and pointed to Översikt.
    // (Securitas files this week's report as "nothing to report"; on some
    // days the demo already holds it with entries.)
    db_run!(
        &app.db,
        "delete from est_report where organisation_id in (select id from organisation where name = 'Securitas') and week_start >= current_date - 7 and municipality_id = $1",
        municipality_id(&app.db, "Lindesbergs kommun").await
    );
    let reader = app.beside(SECURITAS).await;
    let (week, org) = open_report(&reader).await;
    let filed = reader
        .post("/est/rapport/inget", &[("vecka", &week), ("org", &org)])
        .await;
    assert_eq!(filed.status(), StatusCode::SEE_OTHER);
    let page = reader.get_html("/").await;
    assert_eq!(
        texts(&page, "#needs-title ~ ul li"),
        Vec::<String>::new(),
        "Securitas has nothing due once its report is filed"
    );
    assert!(
        texts(&page, ".needs p")
            .iter()
            .any(|t| t.starts_with("Inget väntar på dig just nu.")),
        "{:?}",
        texts(&page, ".needs p")
    );
    assert!(page.html().contains("href=\"/oversikt\""));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_start_page_names_a_group_with_no_meeting_planned_and_puts_the_soonest_first(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    let before = waiting_for(COORDINATOR, &app.db).await;
    assert!(
        !before.iter().any(|n| n.contains("Styrgrupp")),
        "the demo's Styrgrupp has meetings planned: {before:#?}"
    );
    let lindesberg = municipality_id(&app.db, "Lindesbergs kommun").await;
    db_run!(&app.db, "update meeting set status = 'cancelled'
         where municipality_id = $1 and starts_at > now()
           and work_group_id in (select id from work_group where name = 'Styrgrupp' and municipality_id = $1)",
        lindesberg);

    for email in [
        COORDINATOR,
        "kommundirektor@lindesberg.example",
        "oppositionsrad@lindesberg.example",
    ] {
        let waiting = waiting_for(email, &app.db).await;
        let at = |needle: &str| {
            waiting
                .iter()
                .position(|n| n.contains(needle))
                .unwrap_or_else(|| panic!("{needle} for {email}: {waiting:#?}"))
        };
        // A measure late since weeks ago, then today's missing meeting,
        // then the agreement that ends within 45 days.
        let late = at("skulle vara klar");
        let no_meeting = at("Styrgrupp har inget möte planerat.");
        let expiring = at("går ut");
        assert!(
            late < no_meeting && no_meeting < expiring,
            "soonest first for {email}: {waiting:#?}"
        );
    }

    // An EST reporter does not oversee the groups.
    let reporter = waiting_for(SECURITAS, &app.db).await;
    assert!(
        !reporter.iter().any(|n| n.contains("inget möte planerat")),
        "{reporter:#?}"
    );
}
