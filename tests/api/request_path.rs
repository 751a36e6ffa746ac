//! The request path: who is asking comes from memory, a page view writes
//! nothing, each page runs few statements (counted, so the count cannot
//! creep back), and the headers every response carries.

use std::time::Duration;

use reqwest::StatusCode;
use samordna::telemetry::STATEMENTS_HEADER;

use crate::helpers::*;

/// The statements a GET of `path` ran, from the app's own count, with
/// nothing in memory from earlier requests (a page's first view after a
/// change).
pub(crate) async fn statements(app: &TestApp, path: &str) -> u32 {
    app.pages.invalidate_all();
    warm_statements(app, path).await
}

/// The statements a GET of `path` ran, as it comes: a page seen before is
/// served from memory until something in its municipality changes.
pub(crate) async fn warm_statements(app: &TestApp, path: &str) -> u32 {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response
        .headers()
        .get(STATEMENTS_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("statement count header")
}

/// Rows written in the test's database, as PostgreSQL counts them. The
/// counts reach the view up to 10 s late from idle connections, so wait.
async fn rows_written(app: &TestApp) -> i64 {
    tokio::time::sleep(Duration::from_secs(11)).await;
    db_value!(
        &app.db,
        r#"select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint as "n!"
           from pg_stat_user_tables"#
    )
}

/// Asks `check` again for a short while: a notice between instances is
/// delivered at commit, but not at the same instant.
async fn eventually(mut check: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..40 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

fn session_cookie(app: &TestApp) -> String {
    app.cookie("samordna_session").expect("session cookie")
}

/// How many session rows carry the id `id`.
async fn session_rows(app: &TestApp, id: &str) -> i64 {
    db_value!(
        &app.db,
        r#"select count(*) as "n!" from session where id = $1"#,
        id
    )
}

/// Whether the start page soon sends the browser to sign in.
async fn soon_sent_to_login(app: &TestApp) -> bool {
    eventually(async || app.status("/").await == StatusCode::SEE_OTHER).await
}

/// The demo with `email` signed in and the start page seen once.
async fn demo_signed_in(db: sqlx::PgPool, email: &str) -> TestApp {
    let app = TestApp::demo_as(db, email).await;
    app.get_html("/").await;
    app
}

/// Deactivates a person in the database, as the command line would.
async fn deactivate(app: &TestApp, email: &str) {
    db_run!(
        &app.db,
        "update person set active = false where email = $1",
        email
    );
}

/// A second app on the same database with `email` signed in and the start
/// page seen once.
async fn second_app_signed_in(app: &TestApp, email: &str) -> TestApp {
    let other = app.beside(email).await;
    other.get_html("/").await;
    other
}

/// Each page, seen by its app with nothing in memory, runs two statements
/// at most.
async fn assert_two_statements_at_most(pages: &[(&TestApp, String)]) {
    for (app, path) in pages {
        let n = statements(app, path).await;
        assert!(n <= 2, "{path} ran {n} statements");
    }
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn fifty_page_views_by_a_signed_in_person_write_nothing(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let week = week_key(0);
    let pages = [
        "/".to_owned(),
        "/est/rapport".to_owned(),
        format!("/est/lagesbild/{week}"),
        "/oversikt".to_owned(),
        "/moten".to_owned(),
    ];
    app.get_html("/").await;
    let session_row = || {
        sqlx::query!(r#"select xmin::text as "xmin!", expiry_date from session"#).fetch_one(&app.db)
    };
    let before = session_row().await.expect("session");
    let written_before = rows_written(&app).await;

    for i in 0..50 {
        let path = &pages[i % pages.len()];
        assert_eq!(app.status(path).await, StatusCode::OK, "{path}");
    }

    assert_eq!(rows_written(&app).await, written_before);
    let after = session_row().await.expect("session");
    assert_eq!(after.xmin, before.xmin, "the session row was rewritten");
    assert_eq!(after.expiry_date, before.expiry_date);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_idle_expiry_moves_forward_once_the_touch_interval_has_passed(db: sqlx::PgPool) {
    let app = demo_signed_in(db, COORDINATOR).await;
    let id = session_cookie(&app);
    // As if the last touch was six minutes ago and the expiry near.
    db_run!(
        &app.db,
        r#"update session set
               data = jsonb_set(data, '{auth,touched_at}',
                                to_jsonb(now() - interval '6 minutes')),
               expiry_date = now() + interval '54 minutes'
           where id = $1"#,
        id
    );
    notify_session_changed(&app, &id).await;

    assert!(
        eventually(async || {
            app.get_html("/").await;
            db_value!(
                &app.db,
                r#"select (expiry_date > now() + interval '59 minutes') as "moved!"
                   from session where id = $1"#,
                id
            )
        })
        .await,
        "the expiry did not move forward"
    );
}

/// Tells the app that a session row changed behind its back, as another
/// instance would.
async fn notify_session_changed(app: &TestApp, id: &str) {
    let payload = format!("session:{id}:another-instance");
    db_run!(
        &app.db,
        "select pg_notify('samordna_identity', $1)",
        payload
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_session_ends_after_the_idle_timeout_and_after_its_absolute_lifetime(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;

    // Idle: the expiry has passed.
    app.login(COORDINATOR).await;
    app.get_html("/").await;
    let id = session_cookie(&app);
    db_run!(
        &app.db,
        "update session set expiry_date = now() - interval '1 second' where id = $1",
        id
    );
    notify_session_changed(&app, &id).await;
    assert!(
        soon_sent_to_login(&app).await,
        "an idle session still opened the start page"
    );
    assert_redirect_to(&app.get("/").await, "/login");

    // Absolute: signed in thirteen hours ago, however active since.
    app.login(COORDINATOR).await;
    app.get_html("/").await;
    let id = session_cookie(&app);
    db_run!(
        &app.db,
        r#"update session set data = jsonb_set(data, '{auth,signed_in_at}',
                                     to_jsonb(now() - interval '13 hours'))
           where id = $1"#,
        id
    );
    notify_session_changed(&app, &id).await;
    assert!(
        soon_sent_to_login(&app).await,
        "a session older than its lifetime still opened the start page"
    );
    assert_eq!(
        session_rows(&app, &id).await,
        0,
        "the ended session is deleted"
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn switching_municipality_gives_a_new_session_id(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, "lpo.chef@lindesberg.example").await;
    let before = session_cookie(&app);
    assert_eq!(
        app.choose_municipality("Nora kommun").await,
        StatusCode::SEE_OTHER
    );
    let after = session_cookie(&app);
    assert_ne!(before, after);
    assert_eq!(
        session_rows(&app, &before).await,
        0,
        "the old session id is gone"
    );
    app.assert_status("/", StatusCode::OK).await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_change_to_a_person_made_elsewhere_reaches_the_cache_at_once(db: sqlx::PgPool) {
    let app = demo_signed_in(db, SECURITAS).await;

    // Another instance, or the command line, renames and then deactivates.
    db_run!(
        &app.db,
        "update person set name = 'Nytt Namn' where email = $1",
        SECURITAS
    );
    assert!(
        eventually(async || {
            let page = app.get_html("/").await;
            texts(&page, "header").concat().contains("Nytt Namn")
        })
        .await,
        "the new name never showed"
    );
    deactivate(&app, SECURITAS).await;
    assert!(
        soon_sent_to_login(&app).await,
        "a deactivated person still opened the start page"
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_lost_listening_connection_drops_the_cache(db: sqlx::PgPool) {
    let app = demo_signed_in(db, SECURITAS).await;

    // Cut the listener, then change the person: that notice is lost.
    let cut = db_value!(
        &app.db,
        r#"select count(pg_terminate_backend(pid)) as "n!" from pg_stat_activity
           where datname = current_database() and query ilike 'listen%'"#
    );
    assert_eq!(cut, 1, "one listening connection");
    deactivate(&app, SECURITAS).await;

    assert!(
        soon_sent_to_login(&app).await,
        "a stale cache let a deactivated person in"
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn who_is_asking_costs_no_statement_once_known(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    app.get_html("/konto").await;
    // The account page's own data is one statement (positions held) plus
    // the calendar feed; nothing for session, person or seats.
    let first = statements(&app, "/konto").await;
    let again = statements(&app, "/konto").await;
    assert_eq!(first, again);
    assert!(again <= 2, "the account page ran {again} statements");
}

/// The statements each daily page runs, at most. The goal is 2 for the
/// report form, the lägesbild, the start page and the calendar, and 3 for
/// the dashboard; lower these as the pages get there, never raise them.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_daily_pages_run_no_more_statements_than_counted(db: sqlx::PgPool) {
    let app = demo_signed_in(db, COORDINATOR).await;
    let reporter = second_app_signed_in(&app, SECURITAS).await;
    let week = week_key(0);
    let pages = [
        (&app, "/", 1),
        (&reporter, "/est/rapport", 2),
        (&app, &format!("/est/lagesbild/{week}") as &str, 2),
        (&app, "/oversikt", 2),
        (&app, "/moten", 1),
        (&app, "/est/handelser", 2),
        (
            &app,
            "/est/handelser?sort=otrygghet&ordning=stigande&sida=3",
            2,
        ),
        (&app, "/est/handelser?sida=99999&fran=1900-01-01", 2),
    ];
    let mut counted = Vec::new();
    for (app, path, most) in pages {
        let n = statements(app, path).await;
        counted.push(format!("{path}: {n}"));
        assert!(n <= most, "{path} ran {n} statements, at most {most}");
    }
    println!("{}", counted.join("\n"));
}

/// Securitas's organisation, whose reports the demo's Securitas files.
async fn securitas_organisation(app: &TestApp) -> uuid::Uuid {
    db_value!(
        &app.db,
        "select id from organisation where name = 'Securitas'"
    )
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_report_form_runs_two_statements_with_or_without_a_chosen_week(db: sqlx::PgPool) {
    let app = demo_signed_in(db, SECURITAS).await;
    let org = securitas_organisation(&app).await;
    let this_week = week_key(0);
    let past = week_key(14);

    assert_two_statements_at_most(&[
        (&app, "/est/rapport".to_owned()),
        (&app, format!("/est/rapport?vecka={this_week}&org={org}")),
        (&app, format!("/est/rapport?vecka={past}&org={org}")),
    ])
    .await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_lagesbild_runs_two_statements_for_the_coordinator_and_for_a_member(db: sqlx::PgPool) {
    let app = demo_signed_in(db, COORDINATOR).await;
    let member = second_app_signed_in(&app, SECURITAS).await;
    let this_week = week_key(0);
    let past = week_key(7);

    assert_two_statements_at_most(&[
        (&app, format!("/est/lagesbild/{this_week}")),
        (&app, format!("/est/lagesbild/{past}")),
        (&member, format!("/est/lagesbild/{past}")),
    ])
    .await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_est_index_runs_two_statements(db: sqlx::PgPool) {
    let app = demo_signed_in(db, COORDINATOR).await;
    let reporter = second_app_signed_in(&app, SECURITAS).await;
    let past = week_key(7);

    assert_two_statements_at_most(&[
        (&app, "/est".to_owned()),
        (&app, format!("/est?vecka={past}")),
        (&reporter, "/est".to_owned()),
    ])
    .await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn pages_and_exports_are_not_stored_and_are_compressed(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    for path in ["/", "/oversikt", "/oversikt/vecka.csv", "/tillganglighet"] {
        let response = app
            .client
            .get(app.url(path))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .expect("GET");
        let headers = response.headers();
        let cache = header(headers, "cache-control");
        assert_eq!(cache.as_deref(), Some("no-store"), "{path}");
        let encoding = header(headers, "content-encoding");
        assert_eq!(encoding.as_deref(), Some("gzip"), "{path}");
    }
    // Plain http: no HSTS.
    assert!(
        app.get("/login")
            .await
            .headers()
            .get("strict-transport-security")
            .is_none()
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_stylesheet_has_a_versioned_name_and_a_long_lifetime(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let page = app.get_html("/login").await;
    let href = attr_of(&page, "link[rel=stylesheet]", "href").expect("stylesheet");
    assert!(
        href.starts_with("/assets/") && href.ends_with("/app.css"),
        "{href}"
    );
    let response = app.get(&href).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(response.text().await.expect("css").contains("body"));
    // An old version is sent on to the current one; an unknown file is 404.
    let old = app.get("/assets/000000000000/app.css").await;
    assert_eq!(old.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(old.headers()["location"], href.as_str());
    app.assert_status("/assets/000000000000/finns-inte.css", StatusCode::NOT_FOUND)
        .await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn hsts_is_sent_when_the_public_address_is_https(db: sqlx::PgPool) {
    let app = TestApp::with_config(db, |c| c.public_url = "https://samordna.example".into()).await;
    let response = app.get("/login").await;
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}

/// A daily page seen again runs no statement: its data comes from memory
/// until something in its municipality changes. A change committed
/// elsewhere (another instance, a job, here the database directly) shows on
/// the next view; a change in another municipality keeps the page in memory.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_page_seen_again_runs_no_statement_until_its_municipality_changes(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let reporter = app.beside(SECURITAS).await;
    // Nora's coordinator signs in on the same server first (signing in
    // names no municipality, so it drops every page).
    let nora = app.other_browser();
    nora.post(app.url("/login"))
        .form(&[("email", NORA_COORDINATOR), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .expect("POST");
    let week = week_key(0);
    let lagesbild = format!("/est/lagesbild/{week}");
    let pages = [
        (&app, "/"),
        (&reporter, "/est/rapport"),
        (&app, lagesbild.as_str()),
        (&app, "/oversikt"),
        (&app, "/moten"),
    ];
    for (app, path) in pages {
        assert!(warm_statements(app, path).await > 0, "{path}: first view");
    }
    for (app, path) in pages {
        assert_eq!(warm_statements(app, path).await, 0, "{path}: seen again");
    }

    // Areas are page data only (not who is asking).
    let rename = async |municipality: &str, from: &str, to: &str| {
        db_run!(
            &app.db,
            "update area set name = $3 where name = $2 and municipality_id = $1",
            municipality_id(&app.db, municipality).await,
            from,
            to
        );
    };
    rename("Nora kommun", "Gyttorp", "Gyttorp bruk").await;
    for (app, path) in pages {
        assert_eq!(
            warm_statements(app, path).await,
            0,
            "{path}: after Nora's change"
        );
    }
    // A change made through this server in Nora keeps Lindesberg's page data
    // in memory: the view then costs only finding out again who is asking
    // (which any change drops), as a page without data of its own does.
    let add_area = async |name: &str| {
        let response = nora
            .post(app.url("/est/installningar/omrade"))
            .form(&[("area_name", name)])
            .send()
            .await
            .expect("POST");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    };
    warm_statements(&app, "/tillganglighet").await;
    add_area("Bjurtjärn").await;
    let who_is_asking = warm_statements(&app, "/tillganglighet").await;
    add_area("Striberg").await;
    assert_eq!(
        warm_statements(&app, "/moten").await,
        who_is_asking,
        "after Nora's POST"
    );

    rename("Lindesbergs kommun", "Frövi", "Frövi tätort").await;
    assert!(
        warm_statements(&app, "/oversikt").await > 0,
        "after Lindesberg's change"
    );
    let overview = app.get_html("/oversikt").await;
    assert!(
        texts(&overview, "#omrade option").contains(&"Frövi tätort".to_owned()),
        "the area filter names the renamed area"
    );
}
