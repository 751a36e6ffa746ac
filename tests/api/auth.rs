//! Sign-in, sessions, throttling, CSRF, password change.

use reqwest::StatusCode;
use samordna::auth::throttle::ACCOUNT_FAILURES;

use crate::helpers::*;

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_coordinator_signs_in_and_sees_her_groups_on_the_start_page(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;

    let response = app.login_with(COORDINATOR, DEMO_PASSWORD).await;
    assert_redirect_to(&response, "/");

    let start = app.get_html("/").await;
    let groups = texts(&start, ".cards .card h3");
    assert_eq!(groups, LINDESBERG_GROUPS);
    assert!(
        texts(&start, ".cards .card p")
            .iter()
            .any(|t| t.contains("Sammankallande"))
    );
    assert_eq!(
        texts(&start, "header .who"),
        ["Sara Lindqvist, Lindesbergs kommun"]
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_wrong_password_shows_a_swedish_error_and_keeps_the_address(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;

    let response = app.login_with(COORDINATOR, "fel-losenord").await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let page = html_of(response).await;
    assert_field_errors(&page, "login", &["Fel e-postadress eller lösenord."]);
    assert_value(&page, "input#email", COORDINATOR);
    assert_redirect_to(&app.get("/").await, "/login");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_unknown_address_gets_the_same_answer_as_a_wrong_password(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;

    let response = app
        .login_with("ingen@lindesberg.example", DEMO_PASSWORD)
        .await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let page = html_of(response).await;
    assert_field_errors(&page, "login", &["Fel e-postadress eller lösenord."]);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn repeated_guesses_are_throttled_but_other_accounts_are_not(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;

    for _ in 0..ACCOUNT_FAILURES {
        let response = app.login_with(COORDINATOR, "gissning").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits now, from the guessing client.
    let response = app.login_with(COORDINATOR, DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let page = html_of(response).await;
    assert!(texts(&page, "#login-error")[0].contains("För många felaktiga lösenord"));

    app.login(SECURITAS).await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_forged_cross_site_post_is_refused_and_changes_nothing(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let before = rows_in(&app.db, "organisation").await;

    let response = app
        .client
        .post(app.url("/admin/organisationer"))
        .header("origin", "https://angripare.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[("name", "Falsk AB"), ("kind", "foretag")])
        .send()
        .await
        .expect("POST");

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let page = html_of(response).await;
    assert_eq!(texts(&page, "h1"), ["Begäran stoppades"]);
    assert_eq!(rows_in(&app.db, "organisation").await, before);

    // The same form from our own origin is accepted.
    let response = app
        .client
        .post(app.url("/admin/organisationer"))
        .header("origin", &app.address)
        .header("sec-fetch-site", "same-origin")
        .form(&[("name", "Äkta AB"), ("kind", "foretag")])
        .send()
        .await
        .expect("POST");
    assert_redirect_to(&response, "/admin/organisationer");
    assert_eq!(rows_in(&app.db, "organisation").await, before + 1);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_session_survives_a_restart_of_the_app(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;

    let app = app.restart().await;

    let response = app.get("/struktur").await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn sign_in_gives_a_new_session_id_and_sign_out_ends_the_session_in_the_database(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    // An id planted before sign-in (session fixation) is not kept.
    let planted = "samordna_session=AAAAAAAAAAAAAAAAAAAAAA";
    let response = app
        .client
        .post(app.url("/login"))
        .header("cookie", planted)
        .form(&[("email", COORDINATOR), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .expect("POST");
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(set_cookie.starts_with("samordna_session="));
    assert!(!set_cookie.starts_with(planted));
    assert!(set_cookie.contains("HttpOnly"));
    assert!(set_cookie.contains("SameSite=Lax"));
    let session_cookie = set_cookie.split(';').next().expect("pair").to_owned();
    let sessions = || async { db_value!(&app.db, r#"select count(*) as "n!" from session"#) };
    assert_eq!(sessions().await, 1);

    app.post_redirects("/logout", &[], "/login?utloggad=1")
        .await;

    assert_eq!(sessions().await, 0);
    // Replaying the old cookie gets nowhere.
    let response = app
        .other_browser()
        .get(app.url("/"))
        .header("cookie", &session_cookie)
        .send()
        .await
        .expect("GET");
    assert_redirect_to(&response, "/login");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn changing_the_password_needs_the_old_one_and_ends_other_sessions(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let other = app.other_browser();
    let response = other
        .post(app.url("/login"))
        .form(&[("email", SECURITAS), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let page = app
        .refused_post(
            "/konto/losenord",
            &[
                ("current_password", "fel"),
                ("new_password", "kort"),
                ("new_password_repeat", "annat"),
            ],
        )
        .await;
    assert_eq!(
        texts(&page, ".field-error"),
        [
            "Fel: Det nuvarande lösenordet stämmer inte.",
            "Fel: Välj ett lösenord med minst 12 tecken. Det du skrev har 4.",
            "Fel: Lösenorden är inte likadana."
        ]
    );

    app.post_redirects(
        "/konto/losenord",
        &[
            ("current_password", DEMO_PASSWORD),
            ("new_password", "grön ubåt sjunger tango"),
            ("new_password_repeat", "grön ubåt sjunger tango"),
        ],
        "/konto",
    )
    .await;
    assert!(texts(&app.get_html("/konto").await, ".flash")[0].contains("Ditt lösenord är bytt"));

    let response = other.get(app.url("/")).send().await.expect("GET");
    assert_redirect_to(&response, "/login");
    assert_eq!(
        app.login_with(SECURITAS, DEMO_PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn someone_with_positions_in_two_municipalities_chooses_and_can_switch(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, POLICE_LIAISON).await;

    assert_redirect_to(&app.get("/").await, "/valj-kommun");
    let choice = app.get_html("/valj-kommun").await;
    assert_eq!(
        texts(&choice, "fieldset label"),
        ["Lindesbergs kommun", "Nora kommun"]
    );

    app.choose_municipality("Nora kommun").await;
    let start = app.get_html("/").await;
    assert_eq!(
        texts(&start, ".cards .card h3"),
        ["Styrgrupp", "Brottsförebyggande rådet"]
    );
    let lindesberg_est = lindesberg_group(&app.db, "EST").await;
    app.assert_status(&format!("/grupper/{lindesberg_est}"), StatusCode::NOT_FOUND)
        .await;

    app.choose_municipality("Lindesbergs kommun").await;
    app.assert_status(&format!("/grupper/{lindesberg_est}"), StatusCode::OK)
        .await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn nobody_can_choose_a_municipality_they_hold_no_position_in(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    assert_eq!(
        app.choose_municipality("Nora kommun").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        texts(&app.get_html("/").await, "header .who"),
        ["Kim Johansson, Lindesbergs kommun"]
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_account_and_accessibility_pages_keep_the_menu_and_the_municipality(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let anonymous = app.get_html("/tillganglighet").await;
    assert!(texts(&anonymous, "nav .nav a").is_empty());

    app.login(COORDINATOR).await;
    for path in ["/konto", "/tillganglighet"] {
        let page = app.get_html(path).await;
        let menu = texts(&page, "nav .nav a");
        for entry in [
            "Start",
            "Möten",
            "EST",
            "Struktur",
            "Administration",
            "Mitt konto",
        ] {
            assert!(
                menu.iter().any(|m| m == entry),
                "{path}: {entry} in {menu:?}"
            );
        }
        assert_eq!(
            texts(&page, "header .who"),
            ["Sara Lindqvist, Lindesbergs kommun"],
            "{path}"
        );
    }
    let account = app.get_html("/konto").await;
    assert_eq!(texts(&account, "nav a[aria-current=page]"), ["Mitt konto"]);
}
