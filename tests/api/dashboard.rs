//! The dashboard: numbers against hand-counted fixtures, charts with their
//! tables, CSV equal to the table, and access.

use reqwest::StatusCode;

use crate::helpers::*;

/// Three incidents in January 2020 (long before the demo's year), one of
/// them reported twice: per week 2 + 0 + 1, Skadegörelse 2 and Trafik 1,
/// Lindesberg 2 and Frövi 1.
async fn fixture(app: &TestApp) {
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

const PERIOD: &str = "fran=2020-01-06&till=2020-01-26";

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
    assert_eq!(texts(&page, ".kpi")[0], "3");

    let frovi: uuid::Uuid = sqlx::query_scalar!("select id from area where name = 'Frövi'")
        .fetch_one(&app.db)
        .await
        .expect("area");
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
        keys.push(caption.trim_start_matches("fig-").to_owned());
    }
    assert_eq!(keys, ["vecka", "kategori", "omrade"]);
    for key in &keys {
        let rows = table(&page, key);
        assert!(!rows.is_empty());
        let csv = app
            .get(&format!("/oversikt/{key}.csv?{PERIOD}"))
            .await
            .text()
            .await
            .expect("csv");
        let csv_rows: Vec<String> = csv
            .trim_start_matches('\u{feff}')
            .lines()
            .skip(1)
            .map(|l| l.replace(';', " "))
            .collect();
        assert_eq!(csv_rows, rows, "{key}");
    }
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_dashboard_shows_agreement_states_and_group_compliance(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login("kso@lindesberg.example").await;
    let page = app.get_html("/oversikt").await;

    let agreements = texts(&page, ".kpis .card")
        .into_iter()
        .find(|c| c.contains("avtal i kraft"))
        .expect("agreements");
    assert_eq!(
        agreements,
        "1 avtal i kraft; 1 väntar på signaturer, 1 går snart ut, 5 deltagande utan avtal"
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
    let app = TestApp::demo(db).await;
    app.login(SECURITAS).await;
    let page = app.get_html("/oversikt").await;
    let groups = texts(&page, ".compliance li");
    assert_eq!(groups.len(), 1);
    assert!(groups[0].starts_with("EST "));
    assert!(
        !texts(&page, ".kpis .card")
            .iter()
            .any(|c| c.contains("avtal i kraft"))
    );
    assert!(
        page.html().contains("/est/handelser"),
        "members open the records behind the numbers"
    );

    let outsider = TestApp::spawn(app.db.clone()).await;
    outsider.login("kontakt@lanstrafiken.example").await;
    assert_eq!(
        outsider.get("/oversikt").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        outsider.get("/oversikt/vecka.csv").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_dashboard_and_its_exports_load_their_data_in_at_most_two_statements(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    fixture(&app).await;
    app.login(COORDINATOR).await;
    let member = TestApp::spawn(app.db.clone()).await;
    member.login(SECURITAS).await;
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
    }
}
