//! The first 30 minutes: a municipality still getting started shows its
//! coordinator a checklist on the start page (issue 14 item 3).

use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{COORDINATOR, NORA_COORDINATOR, TestApp, texts};

async fn getting_started(db: &PgPool, name: &str) {
    sqlx::query("update municipality set getting_started = true where name = $1")
        .bind(name)
        .execute(db)
        .await
        .expect("set getting_started");
}

#[sqlx::test]
async fn a_new_municipalitys_coordinator_is_led_by_a_checklist_in_order(db: PgPool) {
    let app = TestApp::demo(db).await;
    getting_started(&app.db, "Nora kommun").await;
    app.login(NORA_COORDINATOR).await;
    let start = app.get_html("/").await;
    let titles = texts(&start, ".checklist h3");
    assert_eq!(titles.len(), 8, "{titles:?}");
    let names: Vec<String> = titles
        .iter()
        .map(|t| {
            t.trim_end_matches(" Att göra")
                .trim_end_matches(" Klart")
                .to_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "Struktur och befattningar",
            "Personer",
            "Organisationer",
            "Områden och kategorier",
            "Signatärer",
            "Avtal",
            "Terminens möten",
            "Första EST-veckan",
        ]
    );
    assert!(titles[0].ends_with("Att göra"), "{titles:?}");
    assert!(titles[2].ends_with("Att göra"), "{titles:?}");
    assert_eq!(
        texts(&start, ".checklist form button"),
        [
            "Markera som klar: Struktur och befattningar",
            "Markera som klar: Organisationer",
            "Markera som klar: Områden och kategorier",
        ]
    );
}

#[sqlx::test]
async fn the_coordinator_calls_a_review_step_done_once(db: PgPool) {
    let app = TestApp::demo(db).await;
    getting_started(&app.db, "Nora kommun").await;
    app.login(NORA_COORDINATOR).await;
    let before = texts(&app.get_html("/").await, ".getting-started > p")[0].clone();
    app.post_redirects("/kom-igang/organisations", &[], "/#kom-igang")
        .await;
    let start = app.get_html("/").await;
    assert_eq!(texts(&start, ".flash"), ["Steget är markerat som klart."]);
    let titles = texts(&start, ".checklist h3");
    assert_eq!(titles[2], "Organisationer Klart");
    assert_eq!(texts(&start, ".checklist form button").len(), 2);
    let after = texts(&start, ".getting-started > p")[0].clone();
    assert_ne!(before, after);

    // Sent again: stored once, and said so.
    app.post("/kom-igang/organisations", &[]).await;
    let stored: i64 = sqlx::query_scalar(
        "select count(*) from getting_started_step s join municipality m on m.id = s.municipality_id
         where m.name = 'Nora kommun' and s.step = 'organisations'",
    )
    .fetch_one(&app.db)
    .await
    .expect("count");
    assert_eq!(stored, 1);
    assert_eq!(
        texts(&app.get_html("/").await, ".flash"),
        ["Steget var redan klart."]
    );
    let audit: i64 =
        sqlx::query_scalar("select count(*) from audit_event where entity = 'steg i kom igång'")
            .fetch_one(&app.db)
            .await
            .expect("audit");
    assert_eq!(audit, 1);
}

#[sqlx::test]
async fn a_first_est_report_ticks_the_last_step(db: PgPool) {
    let app = TestApp::demo(db).await;
    getting_started(&app.db, "Nora kommun").await;
    sqlx::query(
        "delete from est_incident where municipality_id = (select id from municipality where name = 'Nora kommun')",
    )
    .execute(&app.db)
    .await
    .expect("clear incidents");
    for table in [
        "est_coming_event",
        "cooperation_note",
        "cooperation_need",
        "est_report",
    ] {
        sqlx::query(&format!(
            "delete from {table} where municipality_id = (select id from municipality where name = 'Nora kommun')"
        ))
        .execute(&app.db)
        .await
        .expect("clear reports");
    }
    app.login(NORA_COORDINATOR).await;
    let titles = texts(&app.get_html("/").await, ".checklist h3");
    assert_eq!(titles[7], "Första EST-veckan Att göra");
    sqlx::query(
        "insert into est_report (id, municipality_id, organisation_id, week_start, nothing_to_report)
         select gen_random_uuid(), o.municipality_id, o.id, date_trunc('week', now())::date, true
         from organisation o join municipality m on m.id = o.municipality_id
         where m.name = 'Nora kommun' limit 1",
    )
    .execute(&app.db)
    .await
    .expect("a report");
    app.post("/kom-igang/structure", &[]).await; // a change: the page's data is read afresh
    let titles = texts(&app.get_html("/").await, ".checklist h3");
    assert_eq!(titles[7], "Första EST-veckan Klart");
}

#[sqlx::test]
async fn only_a_municipality_getting_started_shows_the_list_and_only_its_coordinator_ticks_it(
    db: PgPool,
) {
    let app = TestApp::demo(db).await;
    getting_started(&app.db, "Nora kommun").await;
    app.login(COORDINATOR).await;
    assert!(texts(&app.get_html("/").await, ".checklist h3").is_empty());
    // Lindesberg's coordinator ticks in Lindesberg, never in Nora.
    app.post("/kom-igang/structure", &[]).await;
    let in_nora: i64 = sqlx::query_scalar(
        "select count(*) from getting_started_step s join municipality m on m.id = s.municipality_id
         where m.name = 'Nora kommun'",
    )
    .fetch_one(&app.db)
    .await
    .expect("count");
    assert_eq!(in_nora, 0);

    let member = app.beside(crate::helpers::SECURITAS).await;
    member
        .assert_post_status("/kom-igang/structure", &[], StatusCode::FORBIDDEN)
        .await;
    app.assert_post_status("/kom-igang/everything", &[], StatusCode::NOT_FOUND)
        .await;
}
