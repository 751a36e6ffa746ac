//! Faults and repeats: a form posted twice creates one record.

use reqwest::StatusCode;

use crate::helpers::*;

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_report_entry_posted_twice_is_stored_once(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let page = app.get_html("/est/rapport").await;
    let field =
        |name: &str| value_of(&page, &format!("#handelser input[name={name}]")).expect(name);
    let (week, org, token) = (field("vecka"), field("org"), field("form_token"));
    let category: uuid::Uuid = db_value!(
        &app.db,
        "select id from incident_category where name = 'Klotter'"
    );
    let area: uuid::Uuid = db_value!(&app.db, "select id from area where name = 'Frövi'");
    let date = (samordna::web::today() - chrono::Days::new(1)).to_string();
    let (category, area) = (category.to_string(), area.to_string());
    let form = [
        ("vecka", week.as_str()),
        ("org", org.as_str()),
        ("form_token", token.as_str()),
        ("category_id", category.as_str()),
        ("occurred_on", date.as_str()),
        ("area_id", area.as_str()),
        ("description", "Dubbelklickad händelse"),
        ("insecurity", "2"),
    ];

    let first = app.post("/est/rapport/handelse", &form).await;
    let second = app.post("/est/rapport/handelse", &form).await;

    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    let stored: i64 = db_value!(
        &app.db,
        r#"select count(*) as "n!" from est_incident where description = 'Dubbelklickad händelse'"#
    );
    assert_eq!(stored, 1);
    let after = app
        .get_html(&format!("/est/rapport?vecka={week}&org={org}"))
        .await;
    assert_eq!(
        texts(&after, ".flash"),
        [samordna::web::idempotency::ALREADY_SENT]
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_meeting_form_posted_twice_plans_one_meeting(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let page = app.get_html("/moten/ny").await;
    let token = value_of(&page, "input[name=form_token]").expect("token");
    let group = lindesberg_group(&app.db, "LindeBRÅ").await.to_string();
    let form = [
        ("form_token", token.as_str()),
        ("group_id", group.as_str()),
        ("date", "2031-02-04"),
        ("time", "13:00"),
        ("duration", "60"),
        ("form", "in_person"),
        ("place", "Kommunhuset"),
    ];

    app.post("/moten/ny", &form).await;
    app.post("/moten/ny", &form).await;

    let meetings: i64 = db_value!(
        &app.db,
        r#"select count(*) as "n!" from meeting where starts_at::date = '2031-02-04'"#
    );
    assert_eq!(meetings, 1);
}

/// Waits (at most `seconds`) until `check` is true.
async fn eventually(seconds: u64, mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while std::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    false
}

#[tokio::test]
async fn the_app_answers_503_while_postgresql_restarts_and_serves_again_without_a_restart() {
    // Under /tmp, reachable by the `postgres` user that runs the server as root.
    let dir = std::env::temp_dir().join(format!(
        "samordna-restart-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let pg = samordna::embedded_pg::EmbeddedPg::start(&dir)
        .await
        .expect("a PostgreSQL cluster of our own");
    let db = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(2))
        .connect(&pg.database_url())
        .await
        .expect("pool");
    samordna::MIGRATOR.run(&db).await.expect("migrations");
    samordna::seed::load_demo(&db).await.expect("demo");
    let app = TestApp::spawn(db.clone()).await;
    app.login(COORDINATOR).await;
    app.assert_status("/struktur", StatusCode::OK).await;

    pg.stop().await.expect("stop PostgreSQL");

    let health = app.get("/health").await;
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = app.get("/struktur").await;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        texts(&html_of(page).await, "h1"),
        ["Tjänsten är tillfälligt otillgänglig"]
    );

    let pg = samordna::embedded_pg::EmbeddedPg::start(&dir)
        .await
        .expect("start PostgreSQL again");
    let back = eventually(20, async || app.status("/health").await == StatusCode::OK).await;
    assert!(back, "the app reconnects by itself");
    // The session was in the database and survived too.
    app.assert_status("/struktur", StatusCode::OK).await;

    drop(app);
    db.close().await;
    pg.stop().await.expect("stop");
    let _ = std::fs::remove_dir_all(&dir);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn sigterm_during_a_stream_of_form_posts_loses_none_that_were_answered(db: sqlx::PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let url = own_database_url(&db).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_samordna"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &url)
        .env(
            "SAMORDNA_MAIL_DIR",
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sigterm-mail"),
        )
        // No test reaches the internet: the police's events are not fetched.
        .env("SAMORDNA_POLICE_EVENTS_URL", "")
        .env("SAMORDNA_KOLADA_URL", "")
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("the samordna binary");
    let base = format!("http://127.0.0.1:{port}");
    samordna::http_client::install_crypto_provider();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    assert!(
        eventually(30, async || client
            .get(format!("{base}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success()))
        .await
    );
    let login = client
        .post(format!("{base}/login"))
        .form(&[("email", COORDINATOR), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .expect("sign in");
    assert_eq!(login.status(), StatusCode::SEE_OTHER);

    // Four writers post new organisations as fast as they can.
    let mut writers = Vec::new();
    for writer in 0..4 {
        let (client, base) = (client.clone(), base.clone());
        writers.push(tokio::spawn(async move {
            let mut answered = Vec::new();
            for n in 0..10_000 {
                let org = format!("Testförening {writer}-{n}");
                match client
                    .post(format!("{base}/admin/organisationer"))
                    .form(&[("name", org.as_str()), ("kind", "forening")])
                    .send()
                    .await
                {
                    Ok(r) if r.status() == StatusCode::SEE_OTHER => answered.push(org),
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            answered
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let mut answered = Vec::new();
    for w in writers {
        answered.extend(w.await.expect("writer"));
    }
    let exited = eventually(30, async || matches!(child.try_wait(), Ok(Some(_)))).await;
    if !exited {
        let _ = child.kill();
    }
    assert!(exited, "the server stopped after SIGTERM");

    assert!(
        answered.len() > 10,
        "the stream was running: {} answered",
        answered.len()
    );
    let stored: Vec<String> =
        sqlx::query_scalar("select name from organisation where name like 'Testförening %'")
            .fetch_all(&db)
            .await
            .expect("stored");
    let lost: Vec<&String> = answered.iter().filter(|n| !stored.contains(n)).collect();
    assert!(lost.is_empty(), "answered but not stored: {lost:?}");
}
