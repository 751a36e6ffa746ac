//! Seed, health, headers, error pages and the embedded database.

use reqwest::StatusCode;
use samordna::config::Config;

use crate::helpers::*;

async fn counts(db: &sqlx::PgPool) -> Vec<i64> {
    let row = db_row!(
        db,
        r#"select (select count(*) from municipality) as "m!", (select count(*) from organisation) as "o!",
                  (select count(*) from position) as "p!", (select count(*) from person) as "pe!",
                  (select count(*) from position_holder) as "h!", (select count(*) from work_group) as "g!",
                  (select count(*) from membership) as "ms!""#
    );
    vec![row.m, row.o, row.p, row.pe, row.h, row.g, row.ms]
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_demo_seed_holds_the_whole_guideline_and_loading_it_twice_doubles_nothing(
    db: sqlx::PgPool,
) {
    samordna::seed::load_demo(&db).await.expect("seed");
    let first = counts(&db).await;
    samordna::seed::load_demo(&db).await.expect("seed again");
    assert_eq!(counts(&db).await, first);

    let groups = db_rows!(
        &db,
        r#"select g.name, g.tier, g.weekly_reporting,
                  (select count(*) from membership ms where ms.work_group_id = g.id) as "members!"
           from work_group g join municipality m on m.id = g.municipality_id
           where m.slug = 'lindesberg' order by g.sort_order, g.name"#
    );
    let summary: Vec<_> = groups
        .iter()
        .map(|g| {
            (
                g.name.as_str(),
                g.tier.as_str(),
                g.weekly_reporting,
                g.members,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("EST", "permanent", true, 9),
            ("LindeBRÅ", "beredningsgrupp", false, 8),
            ("Styrgrupp", "styrgrupp", false, 11),
            ("Arbetsgrupp trygg stationsmiljö", "temporary", false, 7),
        ]
    );
    let organisations: Vec<String> = db_values!(&db, "select o.name from organisation o join municipality m on m.id = o.municipality_id
         where m.slug = 'lindesberg' and (o.external or o.kind = 'kommunalt_bolag') order by o.name");
    assert_eq!(
        organisations,
        [
            "Besök Linde AB",
            "Fastigheter i Linde AB",
            "Lindesbergs Köpmannaförening",
            "Länstrafiken Örebro",
            "Polisen, lokalpolisområde Lindesberg",
            "Securitas"
        ]
    );
    let guideline = db_row!(&db, "select guideline_adopted_by, guideline_adopted_on, guideline_registry_no, guideline_review_due
         from municipality where slug = 'lindesberg'");
    assert_eq!(guideline.guideline_adopted_by, "Kommunstyrelsen, § 58");
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
    assert_eq!(
        day(guideline.guideline_adopted_on).as_deref(),
        Some("2024-04-30")
    );
    assert_eq!(guideline.guideline_registry_no, "KS 2024/70");
    assert_eq!(
        day(guideline.guideline_review_due).as_deref(),
        Some("2027-04-30")
    );
    let substitute = db_value!(&db, "select s.title from position p join position s on s.id = p.substitute_position_id
         join municipality m on m.id = p.municipality_id where m.slug = 'lindesberg' and p.title = 'Kommundirektör'");
    assert_eq!(substitute, "Kanslichef");
    // The police officers hold positions in both municipalities.
    let both = db_value!(
        &db,
        r#"select count(distinct h.municipality_id) as "n!" from position_holder h join person p on p.id = h.person_id
           where p.email = 'kommunpolis@lindesberg.example'"#
    );
    assert_eq!(both, 2);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_login_page_lists_the_demo_accounts_in_demo_mode(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let page = app.get_html("/login").await;
    let emails = texts(&page, ".demo tbody td:first-child");
    assert_eq!(emails.len(), 9);
    assert_eq!(emails[0], COORDINATOR);
    assert!(emails.contains(&NORA_COORDINATOR.to_owned()));
    assert_eq!(texts(&page, "html").len(), 1);
    let lang = scraper::Selector::parse("html").expect("selector");
    assert_eq!(
        page.select(&lang)
            .next()
            .and_then(|h| h.value().attr("lang")),
        Some("sv")
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn health_answers_ok_while_the_database_answers(db: sqlx::PgPool) {
    let app = TestApp::spawn(db).await;
    let response = app.get("/health").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body, serde_json::json!({ "status": "ok" }));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn every_response_carries_the_security_headers_and_a_request_id(db: sqlx::PgPool) {
    let app = TestApp::spawn(db).await;
    for path in ["/login", "/finns-inte", "/static/app.css", "/health"] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().expect("csp");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        assert!(headers.contains_key("x-request-id"), "{path}");
    }
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_unknown_page_gets_a_swedish_404_and_anonymous_users_go_to_login(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let response = app.get("/finns-inte").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(texts(&html_of(response).await, "h1"), ["Sidan finns inte"]);
    for path in ["/", "/struktur", "/admin", "/konto", "/admin/logg"] {
        assert_redirect_to(&app.get(path).await, "/login");
    }
    app.login(COORDINATOR).await;
    let response = app.get("/grupper/inte-ett-id").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

/// Without `DATABASE_URL` the app creates and starts its own cluster,
/// migrates it, and stops it again.
#[tokio::test]
async fn the_embedded_database_starts_when_no_database_url_is_set() {
    if samordna::embedded_pg::find_server_binaries().is_none() {
        panic!("PostgreSQL server binaries are needed for this test (apt-get install postgresql)");
    }
    // Under /tmp: as root the server runs as `postgres`, which must reach
    // the folder whatever the checkout's parent folders allow.
    let dir = std::env::temp_dir().join(format!("samordna-embedded-{}", uuid::Uuid::new_v4()));
    let config = Config {
        database_url: None,
        data_dir: dir.clone(),
        demo: false,
        ..Config::for_tests(dir.join("mail"))
    };

    let (db, embedded) = samordna::cli::connect(&config)
        .await
        .expect("embedded database");
    let embedded = embedded.expect("an embedded cluster was started");
    assert!(
        embedded
            .database_url()
            .contains(&dir.canonicalize().expect("dir").display().to_string())
    );
    let tables: i64 = sqlx::query_scalar(
        "select count(*) from information_schema.tables where table_name = 'work_group'",
    )
    .fetch_one(&db)
    .await
    .expect("query");
    assert_eq!(tables, 1);
    db.close().await;
    embedded.stop().await.expect("stop");

    assert!(dir.join("pg/PG_VERSION").exists());
    assert!(
        !dir.join("pg/postmaster.pid").exists(),
        "the server was stopped"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn while_the_database_is_down_pages_answer_503_in_swedish_and_health_says_so() {
    // Nothing listens on port 1: the database is unreachable.
    let db = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_millis(500))
        .connect_lazy("postgres://postgres@127.0.0.1:1/samordna")
        .expect("lazy pool");
    let app = TestApp::spawn(db).await;

    let response = app.get("/health").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "unavailable");

    let response = app.login_with(COORDINATOR, DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = html_of(response).await;
    assert_eq!(texts(&page, "h1"), ["Tjänsten är tillfälligt otillgänglig"]);
    assert!(
        !page.html().contains("127.0.0.1:1"),
        "no internals in the page"
    );
}

/// Runs the samordna binary against the test's database.
fn samordna(db_url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_samordna"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .env("SAMORDNA_POLICE_EVENTS_URL", "")
        .env("SAMORDNA_KOLADA_URL", "")
        .output()
        .expect("the samordna binary")
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_command_line_adds_a_user_with_a_one_time_password_and_migrates(db: sqlx::PgPool) {
    let url = own_database_url(&db).await;

    let help = samordna(&url, &["--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    for command in ["serve", "migrate", "user", "demo-data", "gallra"] {
        assert!(text.contains(command), "{command} in --help");
    }
    assert!(
        String::from_utf8_lossy(&samordna(&url, &["user", "add", "--help"]).stdout)
            .contains("--email")
    );

    let migrate = samordna(&url, &["migrate"]);
    assert!(migrate.status.success());

    let added = samordna(
        &url,
        &[
            "user",
            "add",
            "--email",
            "Ny.Person@Kommun.example",
            "--name",
            "Ny Person",
        ],
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let out = String::from_utf8_lossy(&added.stdout).to_string();
    let password = out
        .split("inloggningen): ")
        .nth(1)
        .map(str::trim)
        .expect("a one-time password")
        .to_owned();
    assert_eq!(password.len(), 16);
    let person = db_row!(
        &db,
        "select name, must_change_password from person where email = 'ny.person@kommun.example'"
    );
    assert_eq!(person.name, "Ny Person");
    assert!(person.must_change_password);
    assert!(out.contains("gäller i 7 dagar"), "{out}");
    let days: f64 = db_value!(
        &db,
        r#"select extract(epoch from one_time_password_expires_at - now())::float8 / 86400 as "d!"
           from person where email = 'ny.person@kommun.example'"#
    );
    assert!((6.9..=7.0).contains(&days), "{days}");

    let again = samordna(
        &url,
        &[
            "user",
            "add",
            "--email",
            "ny.person@kommun.example",
            "--name",
            "Ny Person",
        ],
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    // The one-time password signs in, and must be changed before anything else.
    let app = TestApp::spawn(db.clone()).await;
    let response = app.login_with("ny.person@kommun.example", &password).await;
    assert_redirect_to(&response, "/");
    assert_redirect_to(&app.get("/").await, "/konto");
}

/// The statements a GET of `path` ran, sent with `cookies` as they are.
async fn statements_with_cookies(app: &TestApp, path: &str, cookies: &str) -> u32 {
    let response = app
        .other_browser()
        .get(app.url(path))
        .header("cookie", cookies)
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.headers()[samordna::telemetry::STATEMENTS_HEADER]
        .to_str()
        .expect("count")
        .parse()
        .expect("a number")
}

/// Several instances behind a load balancer: a signed-in change names the
/// instance that made it in a short-lived cookie, and another instance
/// answering that browser first waits for the change's notices (one
/// `pg_notify`), so the browser never sees its page from before.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_change_names_its_instance_and_another_instance_catches_up_before_answering(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    let login = app.login_with(COORDINATOR, DEMO_PASSWORD).await;
    assert!(
        login
            .headers()
            .get_all("set-cookie")
            .iter()
            .all(|c| !c.to_str().expect("cookie").starts_with("samordna_changed=")),
        "signing in starts a session no instance has seen"
    );
    let token = uuid::Uuid::new_v4().to_string();
    let changed = app
        .post(
            "/planering/mal",
            &[
                ("level", "goal"),
                ("goal_title", "Färre inbrott i Frövi"),
                ("form_token", &token),
            ],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    let mark = changed
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok())
        .find(|c| c.starts_with("samordna_changed="))
        .expect("the change names its instance")
        .to_owned();
    assert!(
        mark.contains("Max-Age=10") && mark.contains("HttpOnly"),
        "{mark}"
    );
    let this_instance = mark.split(';').next().expect("pair").to_owned();

    let session = format!(
        "samordna_session={}",
        app.cookie("samordna_session").expect("session")
    );
    app.get("/planering").await;
    let here =
        statements_with_cookies(&app, "/planering", &format!("{session}; {this_instance}")).await;
    let elsewhere = format!("{session}; samordna_changed={}", uuid::Uuid::new_v4());
    let there = statements_with_cookies(&app, "/planering", &elsewhere).await;
    assert_eq!(
        there,
        here + 1,
        "one pg_notify to catch up, then the page from memory"
    );
}

/// Several instances check the daily jobs on their own; each job runs once
/// a day across all of them, and a job that failed runs again.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_daily_job_runs_once_a_day_however_many_instances_check(db: sqlx::PgPool) {
    use samordna::jobs::once_today;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let runs = AtomicUsize::new(0);
    let job = || async {
        runs.fetch_add(1, Ordering::SeqCst);
        Ok(())
    };
    let (a, b) = tokio::join!(
        once_today(&db, "reminders", job),
        once_today(&db, "reminders", job)
    );
    let ran = [a.expect("checked"), b.expect("checked")];
    assert_eq!(ran.iter().filter(|r| r.is_some()).count(), 1);
    assert!(
        once_today(&db, "reminders", job)
            .await
            .expect("checked")
            .is_none()
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1, "once today");

    let failed = once_today::<(), _, _>(&db, "gallring", || async {
        anyhow::bail!("the database went away")
    });
    assert!(failed.await.is_err());
    let again = once_today(&db, "gallring", job).await.expect("checked");
    assert!(again.is_some(), "a failed job runs again at the next check");
}
