//! Police events (issue 13, item 2) fetched from a local fake of the
//! police's events API that serves payloads of the real shape.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use samordna::sources::police::{self, Outcome};
use sqlx::PgPool;

use crate::helpers::{COORDINATOR, TestApp, config, html_of, texts, user_agent, value_of};

/// What the fake answers, and what it was asked.
#[derive(Default)]
struct Fake {
    status: u16,
    body: String,
    retry_after: Option<String>,
    queries: Vec<String>,
    agents: Vec<String>,
}

type Shared = Arc<Mutex<Fake>>;

async fn events(
    State(fake): State<Shared>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> axum::response::Response {
    let mut f = fake.lock().expect("lock");
    f.queries.push(query.unwrap_or_default());
    f.agents.push(user_agent(&headers));
    let status = StatusCode::from_u16(f.status).expect("status");
    let mut response = (
        status,
        [("content-type", "application/json")],
        f.body.clone(),
    )
        .into_response();
    if let Some(wait) = &f.retry_after {
        response
            .headers_mut()
            .insert("retry-after", wait.parse().expect("header"));
    }
    response
}

/// Serves the fake on a free port; returns its base URL.
async fn fake_server(fake: Shared) -> String {
    let app = Router::new()
        .route("/api/events", get(events))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("fake server");
    });
    format!("http://{address}/api/events")
}

/// Events of the real shape, with the hour unpadded and padded: two in
/// week 48 and one in week 46 in Lindesberg, one in a place no
/// municipality asks for.
pub const PAYLOAD: &str = r#"[
 {"id":541231,"datetime":"2026-11-23 9:03:10 +01:00","name":"23 november 09.03, Inbrott, Lindesberg",
  "summary":"Inbrott i villa på Vasagatan.","url":"/aktuellt/handelser/2026/november/23/23-november-09.03-inbrott-lindesberg/",
  "type":"Inbrott","location":{"name":"Lindesberg","gps":"59.594112,15.230432"}},
 {"id":541240,"datetime":"2026-11-24 17:45:00 +01:00","name":"24 november 17.45, Skadegörelse, Lindesberg",
  "summary":"Klotter på skolan.","url":"/aktuellt/handelser/2026/november/24/24-november-17.45-skadegorelse-lindesberg/",
  "type":"Skadegörelse","location":{"name":"Lindesberg","gps":"59.594112,15.230432"}},
 {"id":540001,"datetime":"2026-11-10 0:12:09 +01:00","name":"10 november 00.12, Rån, Lindesberg",
  "summary":"Rån mot butik.","url":"/aktuellt/handelser/2026/november/10/ran-lindesberg/",
  "type":"Rån","location":{"name":"Lindesberg","gps":"59.594112,15.230432"}},
 {"id":541250,"datetime":"2026-11-24 1:12:09 +01:00","name":"24 november 01.12, Trafikolycka, Örebro",
  "summary":"Singelolycka.","url":"/aktuellt/handelser/2026/november/24/trafikolycka-orebro/",
  "type":"Trafikolycka","location":{"name":"Örebro","gps":"59.2741206,15.2066308"}}
]"#;

fn shared(status: u16, body: &str) -> Shared {
    Arc::new(Mutex::new(Fake {
        status,
        body: body.to_owned(),
        ..Fake::default()
    }))
}

async fn stored(db: &PgPool) -> i64 {
    sqlx::query_scalar::<_, i64>("select count(*) from police_event")
        .fetch_one(db)
        .await
        .expect("count")
}

/// Asserts that Lindesberg's police source records an error containing `needle`.
async fn assert_error_recorded(db: &PgPool, needle: &str) {
    let error = last_error(db, "Lindesbergs kommun")
        .await
        .expect("recorded");
    assert!(error.contains(needle), "{error}");
}

async fn last_error(db: &PgPool, municipality: &str) -> Option<String> {
    sqlx::query_scalar::<_, Option<String>>(
        "select s.last_error from police_source s join municipality m on m.id = s.municipality_id
         where m.name = $1",
    )
    .bind(municipality)
    .fetch_optional(db)
    .await
    .expect("error")
    .flatten()
}

/// The demo app after one fetch from a fake police API answering `body`,
/// with the fake and the configuration that points at it.
async fn demo_fetched(db: PgPool, body: &str) -> (TestApp, Shared, samordna::config::Config) {
    let app = TestApp::demo(db).await;
    let (fake, c) = fake_source(200, body).await;
    police::fetch(&app.db, &c, Duration::ZERO)
        .await
        .expect("fetch");
    (app, fake, c)
}

/// Posts the settings form's place names, with the token the page gives.
async fn save_location_names(app: &TestApp, names: &str) -> reqwest::Response {
    let page = app.get_html("/est/installningar").await;
    let token = value_of(&page, "input[name=form_token]").expect("token");
    app.post(
        "/est/installningar/polisen",
        &[("location_names", names), ("form_token", &token)],
    )
    .await
}

/// A fake served on a free port answering `status` with `body`, and
/// the configuration that points at it.
async fn fake_source(status: u16, body: &str) -> (Shared, samordna::config::Config) {
    let fake = shared(status, body);
    let c = config_for(Some(fake_server(fake.clone()).await));
    (fake, c)
}

fn config_for(url: Option<String>) -> samordna::config::Config {
    let mut c = config(std::env::temp_dir());
    c.police_events_url = url;
    c
}

#[sqlx::test]
async fn a_fetch_stores_each_event_once_even_when_fetched_twice(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let (fake, c) = fake_source(200, PAYLOAD).await;
    let first = police::fetch(&db, &c, Duration::ZERO).await.expect("fetch");
    assert_eq!(first, Outcome::Stored { events: 4, new: 3 });
    let second = police::fetch(&db, &c, Duration::ZERO).await.expect("fetch");
    assert_eq!(second, Outcome::Stored { events: 4, new: 0 });
    assert_eq!(
        stored(&db).await,
        3,
        "Örebro is asked for by no municipality"
    );
    {
        let f = fake.lock().expect("lock");
        assert_eq!(f.queries.len(), 2);
        assert_eq!(f.queries[0], "locationname=Lindesberg;Nora");
        assert!(f.agents[0].starts_with("Samordna/"), "{}", f.agents[0]);
        assert!(
            f.agents[0].contains("samordna@lindesberg.example"),
            "{}",
            f.agents[0]
        );
    }
    let at: String = sqlx::query_scalar(
        "select to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS')
         from police_event where police_id = 541231",
    )
    .fetch_one(&db)
    .await
    .expect("time");
    assert_eq!(at, "2026-11-23 08:03:10");
}

/// A suspended municipality is not fetched for: its names are not asked
/// for and nothing is stored for it, until it is resumed.
#[sqlx::test]
async fn a_suspended_municipality_is_not_fetched_for_until_resumed(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let lindesberg = crate::helpers::municipality_id(&db, "Lindesbergs kommun").await;
    crate::helpers::suspend(&db, lindesberg, true).await;
    let (fake, c) = fake_source(200, PAYLOAD).await;

    let suspended = police::fetch(&db, &c, Duration::ZERO).await.expect("fetch");
    assert_eq!(suspended, Outcome::Stored { events: 4, new: 0 });
    assert_eq!(stored(&db).await, 0);

    crate::helpers::suspend(&db, lindesberg, false).await;
    let resumed = police::fetch(&db, &c, Duration::ZERO).await.expect("fetch");
    assert_eq!(resumed, Outcome::Stored { events: 4, new: 3 });
    let f = fake.lock().expect("lock");
    assert_eq!(
        f.queries,
        ["locationname=Nora", "locationname=Lindesberg;Nora"]
    );
}

#[sqlx::test]
async fn the_background_interval_lets_one_call_through(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let (fake, c) = fake_source(200, PAYLOAD).await;
    police::fetch(&db, &c, police::INTERVAL)
        .await
        .expect("fetch");
    let again = police::fetch(&db, &c, police::INTERVAL)
        .await
        .expect("fetch");
    assert_eq!(again, Outcome::NotDue);
    assert_eq!(fake.lock().expect("lock").queries.len(), 1);
}

#[sqlx::test]
async fn a_malformed_payload_stores_nothing_and_is_recorded(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    // The second event's datetime is not a time: the whole batch is refused.
    let bad = PAYLOAD.replace("2026-11-24 17:45:00 +01:00", "igår kväll");
    let (_, c) = fake_source(200, &bad).await;
    let outcome = police::fetch(&db, &c, Duration::ZERO).await.expect("fetch");
    assert!(matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
    assert_eq!(stored(&db).await, 0);
    assert_error_recorded(&db, "ogiltig tidpunkt").await;
}

#[sqlx::test]
async fn a_429_backs_off(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let (fake, c) = fake_source(429, "").await;
    fake.lock().expect("lock").retry_after = Some("600".into());
    let outcome = police::fetch(&db, &c, Duration::ZERO).await.expect("fetch");
    assert!(matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
    {
        let mut f = fake.lock().expect("lock");
        f.status = 200;
        f.body = PAYLOAD.into();
    }
    let later = police::fetch(&db, &c, Duration::ZERO).await.expect("fetch");
    assert_eq!(later, Outcome::NotDue);
    assert_eq!(fake.lock().expect("lock").queries.len(), 1);
    assert_eq!(stored(&db).await, 0);
    assert_error_recorded(&db, "429").await;
}

#[sqlx::test]
async fn a_404_is_permanent(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let (fake, c) = fake_source(404, "").await;
    police::fetch(&db, &c, Duration::ZERO).await.expect("fetch");
    let again = police::fetch(&db, &c, Duration::ZERO).await.expect("fetch");
    assert_eq!(again, Outcome::Stopped);
    assert_eq!(fake.lock().expect("lock").queries.len(), 1);
    let error = last_error(&db, "Nora kommun").await.expect("recorded");
    assert!(error.contains("404"), "{error}");
}

#[sqlx::test]
async fn an_empty_url_turns_fetching_off(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let fake = shared(200, PAYLOAD);
    let _url = fake_server(fake.clone()).await;
    let c = config_for(None);
    let outcome = police::fetch(&db, &c, Duration::ZERO).await.expect("fetch");
    assert_eq!(outcome, Outcome::Off);
    assert!(fake.lock().expect("lock").queries.is_empty());
    assert_eq!(stored(&db).await, 0);
}

#[sqlx::test]
async fn the_lagesbild_shows_the_weeks_police_events_with_counts_and_links(db: PgPool) {
    let (app, _, _) = demo_fetched(db, PAYLOAD).await;
    app.login(COORDINATOR).await;
    // The lägesbild of week 49 covers week 48.
    let html = app.get_html("/est/lagesbild/2026-W49").await;
    assert_eq!(texts(&html, "#polisen h2"), ["Polisens händelser"]);
    assert_eq!(
        texts(&html, "#polisen .police-kinds tbody tr"),
        ["Inbrott1", "Skadegörelse1"]
    );
    let links: Vec<(String, String)> = html
        .select(&scraper::Selector::parse("#polisen .police-events a").expect("selector"))
        .map(|a| {
            (
                a.text().collect::<String>(),
                a.value().attr("href").unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        links,
        [
            (
                "23 november 09.03, Inbrott, Lindesberg".to_owned(),
                "https://polisen.se/aktuellt/handelser/2026/november/23/23-november-09.03-inbrott-lindesberg/".to_owned()
            ),
            (
                "24 november 17.45, Skadegörelse, Lindesberg".to_owned(),
                "https://polisen.se/aktuellt/handelser/2026/november/24/24-november-17.45-skadegorelse-lindesberg/".to_owned()
            ),
        ]
    );
    assert_eq!(
        texts(&html, "#polisen .police-trend thead th"),
        ["v. 44", "v. 45", "v. 46", "v. 47", "v. 48"]
    );
    assert_eq!(
        texts(&html, "#polisen .police-trend tbody td"),
        ["0", "0", "1", "0", "2"]
    );
    // Nora's lägesbild has none of Lindesberg's events.
    assert!(!html.html().contains("Örebro"));
    // A week with nothing from the police in it or the four before says
    // so, without a row of zeros.
    let quiet = app.get_html("/est/lagesbild/2026-W40").await;
    assert_eq!(
        texts(&quiet, "#polisen > p:not(.meta)"),
        ["Inga händelser från polisen under perioden."]
    );
    assert_eq!(texts(&quiet, "#polisen table").len(), 0);
}

#[sqlx::test]
async fn the_settings_page_shows_the_names_the_last_fetch_and_the_last_error(db: PgPool) {
    let bad = PAYLOAD.replace("2026-11-24 17:45:00 +01:00", "igår kväll");
    let (app, fake, c) = demo_fetched(db, &bad).await;
    app.login(COORDINATOR).await;
    let html = app.get_html("/est/installningar").await;
    assert_eq!(texts(&html, "#location_names"), ["Lindesberg"]);
    let status = texts(&html, ".police-status dd");
    assert_eq!(status[0], "Ingen ännu");
    assert!(status[1].contains("ogiltig tidpunkt"), "{status:?}");

    // The coordinator adds a name; a name with a semicolon is refused.
    let refused = save_location_names(&app, "Lindesberg;Nora").await;
    assert_eq!(refused.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let refused = html_of(refused).await;
    assert_eq!(texts(&refused, "#location_names"), ["Lindesberg;Nora"]);
    assert!(
        texts(&refused, "#location_names-error")
            .iter()
            .any(|t| t.contains("semikolon")),
        "{:?}",
        texts(&refused, ".error")
    );
    let saved = save_location_names(&app, "Lindesberg\nFrövi").await;
    assert_eq!(saved.status(), reqwest::StatusCode::SEE_OTHER);
    {
        let mut f = fake.lock().expect("lock");
        f.body = PAYLOAD.into();
    }
    police::fetch(&app.db, &c, Duration::ZERO)
        .await
        .expect("fetch");
    assert_eq!(
        fake.lock()
            .expect("lock")
            .queries
            .last()
            .map(String::as_str),
        Some("locationname=Fr%C3%B6vi;Lindesberg;Nora")
    );
    let html = app.get_html("/est/installningar").await;
    assert_eq!(texts(&html, "#location_names"), ["Lindesberg Frövi"]);
    assert_ne!(texts(&html, ".police-status dd")[0], "Ingen ännu");
}

#[sqlx::test]
async fn the_dashboard_counts_police_events_per_week_and_type(db: PgPool) {
    let (app, _, _) = demo_fetched(db, PAYLOAD).await;
    app.login(COORDINATOR).await;
    let html = app
        .get_html("/oversikt?fran=2026-11-09&till=2026-11-29")
        .await;
    assert_eq!(
        texts(&html, "#polisen .police-weeks thead th"),
        ["Typ", "v. 46", "v. 47", "v. 48", "Totalt"]
    );
    assert_eq!(
        texts(&html, "#polisen .police-weeks tbody tr"),
        ["Inbrott0011", "Rån1001", "Skadegörelse0011"]
    );
    // A period without events says so.
    let html = app
        .get_html("/oversikt?fran=2026-10-05&till=2026-10-25")
        .await;
    assert_eq!(
        texts(&html, "#polisen p"),
        ["Inga händelser från polisen under perioden."]
    );
}

/// With the outside sources switched off on the server, the coordinator is
/// told so in words, not with the server's setting names.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn switched_off_sources_are_explained_without_setting_names(db: PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let html = app.get_html("/est/installningar").await;
    let main = texts(&html, "main").join(" ");
    assert_eq!(
        main.matches("Hämtningen är avstängd på den här servern.")
            .count(),
        2,
        "the police's events and Kolada: {main}"
    );
    assert!(!main.contains("SAMORDNA_"), "{main}");
}
