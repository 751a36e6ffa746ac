//! Kolada's statistics (issue 13, item 3) fetched from a local fake of
//! Kolada's v2 API that serves payloads of the real shape, and the sources
//! the periodic lägesbild states (item 4).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use samordna::sources::kolada::{self, Outcome, Schedule};
use sqlx::PgPool;

use crate::helpers::{
    COORDINATOR, TestApp, assert_listed, assert_value, attr_of, config, html_of, rows_joined,
    texts, user_agent, value_of,
};

/// What the fake answers (a status and a body per page), and what it was asked.
#[derive(Default)]
struct Fake {
    status: u16,
    pages: Vec<String>,
    asked: Vec<String>,
    agents: Vec<String>,
    /// How long the fake waits before it answers.
    delay: Duration,
    /// What the fake's catalogue (`/v2/kpi/{ids}`) says, when not Kolada's titles.
    catalogue: Option<String>,
}

/// Kolada's catalogue entries of the two indicators.
const CATALOGUE: &str = r#"{"count": 2, "values": [
    {"id": "N07403", "title": "Anmälda våldsbrott, antal/100 000 inv", "municipality_type": "K"},
    {"id": "N07540", "title": "Anmälda brott totalt, antal/100 000 inv", "municipality_type": "K"}]}"#;

async fn catalogue(State(fake): State<Shared>) -> axum::response::Response {
    let body = fake
        .lock()
        .expect("lock")
        .catalogue
        .clone()
        .unwrap_or_else(|| CATALOGUE.to_owned());
    ([("content-type", "application/json")], body).into_response()
}

type Shared = Arc<Mutex<Fake>>;

async fn answer(
    State(fake): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
) -> axum::response::Response {
    let delay = fake.lock().expect("lock").delay;
    tokio::time::sleep(delay).await;
    let mut f = fake.lock().expect("lock");
    f.asked.push(uri.to_string());
    f.agents.push(user_agent(&headers));
    let page = uri
        .query()
        .and_then(|q| q.strip_prefix("page="))
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1);
    let body = f.pages.get(page - 1).cloned().unwrap_or_default();
    let status = StatusCode::from_u16(f.status).expect("status");
    (status, [("content-type", "application/json")], body).into_response()
}

/// Serves the fake on a free port; returns its base URL (as Kolada's
/// `https://api.kolada.se/v2`). `{BASE}` in a page becomes that URL.
async fn fake_server(fake: Shared) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}/v2", listener.local_addr().expect("address"));
    {
        let mut f = fake.lock().expect("lock");
        f.pages = f.pages.iter().map(|p| p.replace("{BASE}", &base)).collect();
    }
    let app = Router::new()
        .route("/v2/kpi/{ids}", axum::routing::get(catalogue))
        .fallback(answer)
        .with_state(fake);
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("fake server");
    });
    base
}

fn item(kpi: &str, area: &str, year: i32, value: &str) -> String {
    format!(
        r#"{{"kpi": "{kpi}", "municipality": "{area}", "period": {year},
            "values": [{{"count": 1, "gender": "T", "status": "", "value": {value}}}]}}"#
    )
}

/// Values of the real shape for Lindesberg (1885), Nora (1884), Örebro län
/// (0018) and the country (0000), 2023–2025; Lindesberg's 2025 total is
/// missing (null, as Kolada answers before a value is published), and one
/// row is split by gender.
fn first_page(next: bool) -> String {
    let mut items = vec![
        item("N07540", "1885", 2023, "9123.4"),
        item("N07540", "1885", 2024, "8876.0"),
        item("N07540", "1885", 2025, "null"),
        item("N07540", "1884", 2024, "7001.2"),
        item("N07540", "0018", 2023, "11002.5"),
        item("N07540", "0018", 2024, "10870.0"),
        item("N07540", "0018", 2025, "10455.9"),
        item("N07540", "0000", 2023, "14021.0"),
        item("N07540", "0000", 2024, "13705.7"),
        item("N07540", "0000", 2025, "13399.1"),
        r#"{"kpi": "N07403", "municipality": "1885", "period": 2024,
            "values": [{"count": 1, "gender": "K", "status": "", "value": 700.0},
                       {"count": 1, "gender": "M", "status": "", "value": 950.0},
                       {"count": 1, "gender": "T", "status": "", "value": 825.4}]}"#
            .to_owned(),
    ];
    if !next {
        items.push(item("N07403", "0000", 2024, "1012.3"));
    }
    format!(
        r#"{{"count": {}, "values": [{}]{}}}"#,
        items.len(),
        items.join(","),
        if next {
            r#", "next_page": "{BASE}/data/kpi/N07540,N07403/municipality/0000,0018,1884,1885/year/2024?page=2""#
        } else {
            ""
        }
    )
}

fn second_page() -> String {
    format!(
        r#"{{"count": 1, "values": [{}]}}"#,
        item("N07403", "0000", 2024, "1012.3")
    )
}

fn shared(status: u16, pages: Vec<String>) -> Shared {
    Arc::new(Mutex::new(Fake {
        status,
        pages,
        ..Fake::default()
    }))
}

/// A fake served on a free port answering `status` with `pages`, and
/// the configuration that points at it.
async fn fake_source(status: u16, pages: Vec<String>) -> (Shared, samordna::config::Config) {
    let fake = shared(status, pages);
    let c = config_for(Some(fake_server(fake.clone()).await));
    (fake, c)
}

fn config_for(url: Option<String>) -> samordna::config::Config {
    let mut c = config(std::env::temp_dir());
    c.kolada_url = url;
    c
}

async fn stored(db: &PgPool) -> i64 {
    sqlx::query_scalar::<_, i64>("select count(*) from kolada_value")
        .fetch_one(db)
        .await
        .expect("count")
}

async fn last_error(db: &PgPool) -> Option<String> {
    sqlx::query_scalar::<_, Option<String>>(
        "select last_error from outside_source_state where source = 'kolada'",
    )
    .fetch_optional(db)
    .await
    .expect("error")
    .flatten()
}

/// Each row's cells, " | " between them (a value's thousands are apart by a space).
fn cells(html: &scraper::Html, selector: &str) -> Vec<String> {
    rows_joined(html, selector, " | ")
}

const NOW: Schedule = Schedule::Now(Duration::ZERO);

#[sqlx::test]
async fn a_fetch_stores_each_value_once_for_the_municipality_county_and_country(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let (fake, c) = fake_source(200, vec![first_page(false)]).await;
    let first = kolada::fetch(&db, &c, NOW).await.expect("fetch");
    assert_eq!(
        first,
        Outcome::Stored {
            values: 11,
            changed: 11
        },
        "the null is skipped"
    );
    let second = kolada::fetch(&db, &c, NOW).await.expect("fetch");
    assert_eq!(
        second,
        Outcome::Stored {
            values: 11,
            changed: 0
        }
    );
    assert_eq!(stored(&db).await, 11);
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let years: Vec<String> = (year - 10..year).map(|y| y.to_string()).collect();
    {
        let f = fake.lock().expect("lock");
        assert_eq!(
            f.asked[0],
            format!(
                "/v2/data/kpi/N07540,N07403/municipality/0000,0018,1884,1885/year/{}",
                years.join(",")
            )
        );
        assert!(f.agents[0].starts_with("Samordna/"), "{}", f.agents[0]);
    }
    let total: f64 = sqlx::query_scalar(
        "select value from kolada_value where area_id = '1885' and kpi = 'N07403' and year = 2024",
    )
    .fetch_one(&db)
    .await
    .expect("value");
    assert!(
        (total - 825.4).abs() < 1e-9,
        "the total, not a gender's: {total}"
    );
}

#[sqlx::test]
async fn every_page_is_followed(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let (fake, c) = fake_source(200, vec![first_page(true), second_page()]).await;
    let outcome = kolada::fetch(&db, &c, NOW).await.expect("fetch");
    assert_eq!(
        outcome,
        Outcome::Stored {
            values: 11,
            changed: 11
        }
    );
    assert_eq!(fake.lock().expect("lock").asked.len(), 2);
}

#[sqlx::test]
async fn a_malformed_later_page_stores_nothing_of_the_batch_and_is_recorded(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let bad = second_page().replace("\"period\": 2024", "\"period\": \"i fjol\"");
    let (_, c) = fake_source(200, vec![first_page(true), bad]).await;
    let outcome = kolada::fetch(&db, &c, NOW).await.expect("fetch");
    assert!(matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
    assert_eq!(stored(&db).await, 0, "not half a batch");
    let error = last_error(&db).await.expect("recorded");
    assert!(error.contains("gick inte att läsa"), "{error}");
}

/// Asserts that a fetch failed saying `message`, stored nothing and
/// recorded the message for the coordinator.
async fn assert_failed_with(db: &PgPool, outcome: Outcome, message: &str) {
    assert_eq!(outcome, Outcome::Failed(message.into()));
    assert_eq!(stored(db).await, 0);
    assert_eq!(last_error(db).await.as_deref(), Some(message));
}

#[sqlx::test]
async fn an_http_error_stores_nothing_and_is_recorded(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let (_, c) = fake_source(503, vec![String::new()]).await;
    let outcome = kolada::fetch(&db, &c, NOW).await.expect("fetch");
    assert_failed_with(&db, outcome, "Kolada svarade HTTP 503").await;
}

#[sqlx::test]
async fn an_empty_url_turns_fetching_off_and_no_code_asks_nothing(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let fake = shared(200, vec![first_page(false)]);
    let url = fake_server(fake.clone()).await;
    let off = kolada::fetch(&db, &config_for(None), NOW)
        .await
        .expect("fetch");
    assert_eq!(off, Outcome::Off);
    sqlx::query("update municipality set code = null")
        .execute(&db)
        .await
        .expect("no codes");
    let nothing = kolada::fetch(&db, &config_for(Some(url)), NOW)
        .await
        .expect("fetch");
    assert_eq!(nothing, Outcome::NothingToAsk);
    assert!(fake.lock().expect("lock").asked.is_empty());
}

#[sqlx::test]
async fn the_background_fetches_once_a_year_and_checks_once_a_day(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let (fake, c) = fake_source(200, vec![first_page(false)]).await;
    let first = kolada::fetch(&db, &c, Schedule::Yearly)
        .await
        .expect("fetch");
    assert!(matches!(first, Outcome::Stored { .. }), "{first:?}");
    // Checked today already.
    let again = kolada::fetch(&db, &c, Schedule::Yearly)
        .await
        .expect("fetch");
    assert_eq!(again, Outcome::NotDue);
    // A day later: fetched this year, every area has values, last year's are in.
    let day_later = "update outside_source_state set last_attempt_at = now() - interval '25 hours'";
    sqlx::query(day_later).execute(&db).await.expect("a day");
    let checked = kolada::fetch(&db, &c, Schedule::Yearly)
        .await
        .expect("fetch");
    assert_eq!(checked, Outcome::NotDue);
    assert_eq!(fake.lock().expect("lock").asked.len(), 1);
    // The next year.
    sqlx::query(day_later).execute(&db).await.expect("a day");
    sqlx::query("update outside_source_state set last_fetched_at = now() - interval '1 year'")
        .execute(&db)
        .await
        .expect("a year");
    let next_year = kolada::fetch(&db, &c, Schedule::Yearly)
        .await
        .expect("fetch");
    assert!(matches!(next_year, Outcome::Stored { .. }), "{next_year:?}");
    assert_eq!(fake.lock().expect("lock").asked.len(), 2);
}

/// Compiles a periodic lägesbild for 2025 and opens it.
async fn lagesbild_2025(app: &TestApp) -> scraper::Html {
    let page = app.get_html("/planering").await;
    let token = value_of(&page, "input[name=form_token]").expect("token");
    let response = app
        .post(
            "/planering/lagesbild",
            &[
                ("lb_title", "Lägesbild 2025"),
                ("period_from", "2025-01-01"),
                ("period_to", "2025-12-31"),
                ("other_information", ""),
                ("analysis", "Analys."),
                ("form_token", &token),
            ],
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    app.get_html(response.headers()["location"].to_str().expect("location"))
        .await
}

#[sqlx::test]
async fn the_lagesbild_shows_kolada_for_municipality_county_and_country_and_states_its_sources(
    db: PgPool,
) {
    let app = TestApp::with_config(db, |c| c.police_events_url = None).await;
    let (_, c) = fake_source(200, vec![first_page(false)]).await;
    kolada::fetch(&app.db, &c, NOW).await.expect("fetch");
    app.login(COORDINATOR).await;
    let html = lagesbild_2025(&app).await;

    assert_eq!(
        texts(&html, "#kolada .kolada-N07540 thead th"),
        ["År", "Lindesbergs kommun", "Örebro län", "Riket"]
    );
    assert_eq!(
        cells(&html, "#kolada .kolada-N07540 tbody tr"),
        [
            "2023 | 9 123 | 11 002 | 14 021",
            "2024 | 8 876 | 10 870 | 13 706",
            "2025 | – | 10 456 | 13 399"
        ]
    );
    assert_eq!(
        cells(&html, "#kolada .kolada-N07403 tbody tr"),
        ["2024 | 825 | – | 1 012"]
    );
    assert!(texts(&html, "#kolada .source")[0].starts_with("Källa: Kolada"));
    let href = attr_of(&html, "#kolada .source a", "href");
    assert_eq!(href.as_deref(), Some("https://www.kolada.se"));

    let used = texts(&html, "#kallor .sources-used li");
    assert!(
        used.iter().any(|u| u.starts_with("EST-rapporterna: ")),
        "{used:?}"
    );
    assert!(
        used.contains(
            &"Kolada: anmälda brott per 100 000 invånare för kommunen, länet och riket, 2023–2025"
                .to_owned()
        ),
        "{used:?}"
    );
    let not_used = texts(&html, "#kallor .sources-not-used li");
    for expected in [
        "Allmänhetens tips (Allmänheten): inga godkända tips under perioden",
        "Polisens händelser (polisen.se): hämtningen är avstängd i den här installationen",
        "Trygghetsundersökning: ingen registrerad under perioden",
        "Dialog med näringslivet: ingen registrerad under perioden",
        "Annan källa: ingen registrerad under perioden",
    ] {
        assert!(
            not_used.contains(&expected.to_owned()),
            "{expected} in {not_used:?}"
        );
    }
}

#[sqlx::test]
async fn the_lagesbild_uses_the_police_and_the_publics_tips_when_the_period_has_them(db: PgPool) {
    let app = TestApp::with_config(db, |c| {
        c.police_events_url = Some("http://127.0.0.1:9/api/events".into());
    })
    .await;
    sqlx::query(
        r#"insert into police_event (id, municipality_id, police_id, occurred_at, name, summary, url, kind, location_name)
           select gen_random_uuid(), id, 1, '2025-06-01 12:00+02', 'Inbrott', 'Inbrott i villa.', '/x/', 'Inbrott', 'Lindesberg'
           from municipality where slug = 'lindesberg'"#,
    )
    .execute(&app.db)
    .await
    .expect("event");
    sqlx::query(
        r#"insert into public_tip (id, municipality_id, reference, category_id, area_id, occurred_on, status, week_start)
           select gen_random_uuid(), m.id, 'T-TEST01',
                  (select id from incident_category where municipality_id = m.id limit 1),
                  (select id from area where municipality_id = m.id limit 1),
                  '2025-06-02', 'accepted', '2025-06-02'
           from municipality m where m.slug = 'lindesberg'"#,
    )
    .execute(&app.db)
    .await
    .expect("tip");
    app.login(COORDINATOR).await;
    let html = lagesbild_2025(&app).await;
    let used = texts(&html, "#kallor .sources-used li");
    assert_listed(&used, "Polisens händelser (polisen.se): 1 händelse");
    assert_listed(&used, "Allmänhetens tips (Allmänheten): 1 godkänt tips");
    let not_used = texts(&html, "#kallor .sources-not-used li");
    assert_listed(
        &not_used,
        "Kolada: hämtningen är avstängd i den här installationen",
    );
    assert!(
        texts(&html, "#kolada").is_empty(),
        "no table without values"
    );
}

#[sqlx::test]
async fn the_settings_page_shows_the_code_the_last_fetch_and_the_last_error(db: PgPool) {
    let app = TestApp::demo(db).await;
    let (fake, c) = fake_source(500, vec![String::new()]).await;
    kolada::fetch(&app.db, &c, NOW).await.expect("fetch");
    app.login(COORDINATOR).await;
    let html = app.get_html("/est/installningar").await;
    assert_value(&html, "#municipality_code", "1885");
    assert!(texts(&html, "#municipality_code-hint")[0].contains("Länet: Örebro län."));
    let status = texts(&html, ".kolada-status dd");
    assert_eq!(status[0], "Ingen ännu");
    assert!(status[1].ends_with("Kolada svarade HTTP 500"), "{status:?}");

    let token = value_of(&html, "input[name=form_token]").expect("token");
    let refused = app
        .post(
            "/est/installningar/kolada",
            &[("municipality_code", "Lindesberg"), ("form_token", &token)],
        )
        .await;
    assert_eq!(refused.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let refused = html_of(refused).await;
    assert_value(&refused, "#municipality_code", "Lindesberg");
    assert!(texts(&refused, "#municipality_code-error")[0].contains("fyra siffror"));

    {
        let mut f = fake.lock().expect("lock");
        f.status = 200;
        f.pages = vec![first_page(false)];
    }
    kolada::fetch(&app.db, &c, NOW).await.expect("fetch");
    let html = app.get_html("/est/installningar").await;
    assert_ne!(texts(&html, ".kolada-status dd")[0], "Ingen ännu");

    let token = value_of(&html, "input[name=form_token]").expect("token");
    let saved = app
        .post(
            "/est/installningar/kolada",
            &[("municipality_code", ""), ("form_token", &token)],
        )
        .await;
    assert_eq!(saved.status(), reqwest::StatusCode::SEE_OTHER);
    let code: Option<String> =
        sqlx::query_scalar("select code from municipality where slug = 'lindesberg'")
            .fetch_one(&app.db)
            .await
            .expect("code");
    assert_eq!(code, None);
}

#[sqlx::test]
async fn the_dashboard_draws_the_trend_with_the_same_numbers_in_a_table(db: PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let html = app.get_html("/oversikt").await;
    assert_eq!(texts(&html, "#kolada p"), ["Inga värden från Kolada ännu."]);
    assert!(app.pages.is_live(), "the dashboard is kept in memory");

    let (_, c) = fake_source(200, vec![first_page(false)]).await;
    kolada::fetch(&app.db, &c, NOW).await.expect("fetch");
    // The values are every municipality's: their notice drops the page the
    // dashboard kept in memory, with no wait for it to age out.
    app.settle().await;
    let html = app.get_html("/oversikt").await;
    assert_eq!(
        texts(&html, "#kolada-title"),
        ["Anmälda brott totalt per 100 000 invånare, 2023–2025"]
    );
    let svg = scraper::Selector::parse("#kolada svg[role=img][aria-labelledby=kolada-title]")
        .expect("selector");
    assert_eq!(html.select(&svg).count(), 3, "drawn at every size");
    assert_eq!(
        cells(&html, "#kolada .kolada-trend tbody tr"),
        [
            "2023 | 9 123 | 11 002 | 14 021",
            "2024 | 8 876 | 10 870 | 13 706",
            "2025 | – | 10 456 | 13 399"
        ]
    );
    assert!(texts(&html, "#kolada .meta")[0].starts_with("Källa: Kolada"));
}

#[sqlx::test]
async fn samordna_hamta_fetches_kolada_with_the_police(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let (_, c) = fake_source(200, vec![first_page(false)]).await;
    let lines = samordna::sources::fetch_all_now(&db, &c)
        .await
        .expect("fetch");
    assert_eq!(
        lines,
        [
            "Polisens händelser: avstängt (SAMORDNA_POLICE_EVENTS_URL är tom)",
            "Kolada: 11 värden i svaren, 11 nya eller ändrade sparade",
        ]
    );
    assert_eq!(stored(&db).await, 11);
}

#[sqlx::test]
async fn an_unreachable_kolada_is_recorded_and_the_pages_still_open(db: PgPool) {
    let app = TestApp::demo(db).await;
    // Nothing listens on the port the listener had.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/v2", listener.local_addr().expect("address"));
    drop(listener);
    let outcome = kolada::fetch(&app.db, &config_for(Some(url)), NOW)
        .await
        .expect("fetch");
    assert!(matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
    app.login(COORDINATOR).await;
    let html = app.get_html("/est/installningar").await;
    assert!(
        texts(&html, ".kolada-status dd")[1].contains("anropet misslyckades"),
        "{:?}",
        texts(&html, ".kolada-status dd")
    );
    let html = app.get_html("/oversikt").await;
    assert_eq!(texts(&html, "#kolada p"), ["Inga värden från Kolada ännu."]);
}

#[sqlx::test]
async fn a_timeout_stores_nothing_and_is_recorded(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let (fake, c) = fake_source(200, vec![first_page(false)]).await;
    fake.lock().expect("lock").delay = Duration::from_secs(3);
    let outcome = kolada::fetch_within(&db, &c, NOW, Duration::from_millis(500))
        .await
        .expect("fetch");
    assert_failed_with(&db, outcome, "Kolada svarade inte i tid").await;
}

#[sqlx::test]
async fn an_indicator_kolada_calls_something_else_stores_nothing_and_says_so(db: PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let fake = shared(200, vec![first_page(false)]);
    fake.lock().expect("lock").catalogue = Some(
        r#"{"values": [{"id": "N07403", "title": "Anmälda våldsbrott, antal/100 000 inv"},
                        {"id": "N07540", "title": "Invånare 65+ år, andel (%)"}]}"#
            .to_owned(),
    );
    let c = config_for(Some(fake_server(fake.clone()).await));

    let outcome = kolada::fetch(&db, &c, NOW).await.expect("fetch");

    assert!(matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
    assert_eq!(stored(&db).await, 0);
    assert!(
        fake.lock().expect("lock").asked.is_empty(),
        "no data is asked for"
    );
    let error = last_error(&db).await.expect("an error");
    assert!(
        error.contains("N07540") && error.contains("Invånare 65+ år"),
        "{error}"
    );
}
