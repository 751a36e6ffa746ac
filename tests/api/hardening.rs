//! Issue 11: what an outside probe got through. Each class is tried with
//! many spellings: sign-in redirects, throttling of password checks, weak
//! passwords and expiring one-time passwords.

use reqwest::StatusCode;
use samordna::auth::throttle::{ACCOUNT_FAILURES, CLIENT_FAILURES};

use crate::helpers::*;

/// Spellings of `next` that must all end on the start page.
const FOREIGN_NEXT: &[&str] = &[
    "//evil.example/",
    "///evil.example",
    "/\t/evil.example",
    "/\t\t/evil.example",
    "\t//evil.example",
    "/\r\n/evil.example",
    "/login\r\nSet-Cookie: x=1",
    "/\n/evil.example",
    "/\r/evil.example",
    "/\0/evil.example",
    "/\u{b}/evil.example",
    "/\u{7f}/evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "/%09/evil.example",
    "/%0d%0a/evil.example",
    "/%0D%0ASet-Cookie:%20x=1",
    "/%00/evil.example",
    "/%2f/evil.example",
    "/%2F%2Fevil.example",
    "/%252f/evil.example",
    "/%5c/evil.example",
    "/%20/evil.example",
    "/%c2%a0/evil.example",
    "/%e2%80%8b/evil.example",
    "https://evil.example/",
    "https:/evil.example",
    "https:evil.example",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "data:text/html,x",
    "evil.example",
    " /struktur",
    "/struktur ",
    "/\u{a0}/evil.example",
    "/\u{2000}/evil.example",
    "/\u{3000}/evil.example",
    "/\u{2028}/evil.example",
    "/\u{feff}/evil.example",
    "/\u{ff0f}evil.example",
    "",
];

async fn sign_in_with_next(app: &TestApp, next: &str) -> reqwest::Response {
    app.other_browser()
        .post(app.url("/login"))
        .form(&[
            ("email", COORDINATOR),
            ("password", DEMO_PASSWORD),
            ("next", next),
        ])
        .send()
        .await
        .expect("POST")
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn after_sign_in_every_foreign_or_malformed_next_goes_to_the_start_page(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let long = format!("/{}", "a".repeat(5000));
    for next in FOREIGN_NEXT.iter().copied().chain([long.as_str()]) {
        let response = sign_in_with_next(&app, next).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "next = {next:?}");
        assert_eq!(response.headers()["location"], "/", "next = {next:?}");
    }
    // A local path is followed.
    for next in ["/struktur", "/avtal?filter=1#lista", "/moten/kalender"] {
        let response = sign_in_with_next(&app, next).await;
        assert_redirect_to(&response, next);
    }
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_sign_in_page_never_carries_a_foreign_next_in_its_form(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    for next in FOREIGN_NEXT {
        let response = app
            .other_browser()
            .get(app.url(&format!(
                "/login?{}",
                serde_urlencoded::to_string([("next", next)]).expect("query")
            )))
            .send()
            .await
            .expect("GET");
        assert_eq!(response.status(), StatusCode::OK, "next = {next:?}");
        let page = html_of(response).await;
        assert_eq!(
            value_of(&page, "input[name=next]").as_deref(),
            Some("/"),
            "next = {next:?}"
        );
    }
}

async fn login_from(app: &TestApp, client: &str, email: &str, password: &str) -> StatusCode {
    app.other_browser()
        .post(app.url("/login"))
        .header("x-forwarded-for", client)
        .form(&[("email", email), ("password", password), ("next", "/")])
        .send()
        .await
        .expect("POST")
        .status()
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn good_sign_ins_in_a_row_are_never_refused(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    for round in 0..12 {
        let response = app.login_with(COORDINATOR, DEMO_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "sign-in {round}");
    }
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_guesser_is_refused_while_the_real_user_elsewhere_signs_in(db: sqlx::PgPool) {
    let app = TestApp::demo_behind_proxy(db).await;
    let guesser = "203.0.113.9";
    for _ in 0..ACCOUNT_FAILURES {
        assert_eq!(
            login_from(&app, guesser, COORDINATOR, "gissning").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login_from(&app, guesser, COORDINATOR, DEMO_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The real user, at her own address, is not locked out, however long
    // the guesser keeps trying one guess at a time.
    for _ in 0..3 {
        let _ = login_from(&app, guesser, COORDINATOR, "gissning").await;
        assert_eq!(
            login_from(&app, "198.51.100.20", COORDINATOR, DEMO_PASSWORD).await,
            StatusCode::SEE_OTHER
        );
    }
    // A spoofed header in front of the proxy's hop does not help the guesser.
    assert_eq!(
        login_from(
            &app,
            &format!("198.51.100.20, {guesser}"),
            COORDINATOR,
            DEMO_PASSWORD
        )
        .await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_client_failing_on_many_invented_addresses_is_refused_but_others_are_not(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_behind_proxy(db).await;
    for i in 0..CLIENT_FAILURES {
        assert_eq!(
            login_from(&app, "203.0.113.9", &format!("p{i}@uppfunnen.example"), "x").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login_from(&app, "203.0.113.9", SECURITAS, DEMO_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        login_from(&app, "203.0.113.10", SECURITAS, DEMO_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn without_a_trusted_proxy_a_forwarded_for_header_is_ignored(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    for i in 0..CLIENT_FAILURES {
        let status = login_from(
            &app,
            &format!("198.51.100.{i}"),
            &format!("p{i}@uppfunnen.example"),
            "x",
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        login_from(&app, "192.0.2.77", SECURITAS, DEMO_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn change_password(app: &TestApp, current: &str, new: &str) -> reqwest::Response {
    app.post(
        "/konto/losenord",
        &[
            ("current_password", current),
            ("new_password", new),
            ("new_password_repeat", new),
        ],
    )
    .await
}

async fn password_hash(app: &TestApp, email: &str) -> String {
    db_value!(
        &app.db,
        "select password_hash from person where email = $1",
        email
    )
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn wrong_current_passwords_on_the_account_page_are_throttled(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let before = password_hash(&app, SECURITAS).await;
    for i in 0..ACCOUNT_FAILURES {
        let response =
            change_password(&app, &format!("gissning {i}"), "grön ubåt sjunger tango").await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let response = change_password(&app, DEMO_PASSWORD, "grön ubåt sjunger tango").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let page = html_of(response).await;
    assert!(texts(&page, "#current_password-error")[0].contains("För många felaktiga lösenord"));
    assert_eq!(password_hash(&app, SECURITAS).await, before);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn weak_new_passwords_are_refused_next_to_the_field_in_every_spelling(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    // Kim Johansson, securitas@lindesberg.example.
    app.login(SECURITAS).await;
    let before = password_hash(&app, SECURITAS).await;
    let weak = [
        ("aaaaaaaaaa", "minst 12 tecken"),
        ("aaaaaaaaaaaa", "lätt att gissa"),
        ("123456789012", "lätt att gissa"),
        ("qwertyuiopas", "lätt att gissa"),
        ("Password123!", "lätt att gissa"),
        ("lösenord1234", "lätt att gissa"),
        ("sommar2024!!", "lätt att gissa"),
        ("samordna-demo", "lätt att gissa"),
        ("Lindesberg2025!", "lätt att gissa"),
        ("kimjohansson", "namn eller din e-postadress"),
        ("Kim Johansson 1985", "namn eller din e-postadress"),
        ("KIMJOHANSSON!!!", "namn eller din e-postadress"),
        ("nossnahojmik", "namn eller din e-postadress"),
        (
            "securitas@lindesberg.example",
            "namn eller din e-postadress",
        ),
        ("S3cur1t4s-L1nd3sb3rg", "namn eller din e-postadress"),
        ("johansson.kim@lindesberg", "namn eller din e-postadress"),
    ];
    for (password, why) in weak {
        let response = change_password(&app, DEMO_PASSWORD, password).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{password:?}"
        );
        let page = html_of(response).await;
        let errors = texts(&page, "#new_password-error");
        assert!(
            errors.len() == 1 && errors[0].contains(why),
            "{password:?}: {errors:?}"
        );
    }
    assert_eq!(password_hash(&app, SECURITAS).await, before);

    let response = change_password(&app, DEMO_PASSWORD, "grön ubåt sjunger tango").await;
    assert_redirect_to(&response, "/konto");
}

async fn add_person(app: &TestApp, name: &str, email: &str) -> String {
    app.post_redirects(
        "/admin/personer",
        &[("name", name), ("email", email)],
        "/admin/personer",
    )
    .await;
    let flash = texts(&app.get_html("/admin/personer").await, ".flash").join("");
    assert!(flash.contains("slutar gälla om 7 dagar"), "{flash}");
    flash
        .split("Engångslösenord: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("password")
        .to_owned()
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_expired_one_time_password_is_refused_with_a_way_forward(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let one_time = add_person(&app, "Vera Ny", "vera.ny@lindesberg.example").await;
    let days: f64 = db_value!(
        &app.db,
        r#"select extract(epoch from one_time_password_expires_at - now())::float8 / 86400 as "d!"
           from person where email = 'vera.ny@lindesberg.example'"#
    );
    assert!((6.9..=7.0).contains(&days), "{days}");

    db_run!(
        &app.db,
        "update person set one_time_password_expires_at = now() - interval '1 minute'
         where email = 'vera.ny@lindesberg.example'"
    );
    let vera = TestApp::spawn(app.db.clone()).await;
    let response = vera
        .login_with("vera.ny@lindesberg.example", &one_time)
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let page = html_of(response).await;
    let error = texts(&page, "#login-error").join("");
    assert!(error.contains("engångslösenord har gått ut"), "{error}");
    assert!(error.contains("samordnaren"), "{error}");
    assert_redirect_to(&vera.get("/").await, "/login");
    // A wrong password still gets the ordinary answer: nothing is revealed.
    let response = vera
        .login_with("vera.ny@lindesberg.example", "fel lösenord")
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_one_time_password_works_until_it_is_replaced_and_then_stops_expiring(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let one_time = add_person(&app, "Vera Ny", "vera.ny@lindesberg.example").await;

    let vera = TestApp::spawn(app.db.clone()).await;
    let response = vera
        .login_with("vera.ny@lindesberg.example", &one_time)
        .await;
    assert_redirect_to(&response, "/");
    let response = change_password(&vera, &one_time, "grön ubåt sjunger tango").await;
    assert_redirect_to(&response, "/konto");
    let row = db_row!(
        &app.db,
        "select must_change_password, one_time_password_expires_at from person
         where email = 'vera.ny@lindesberg.example'"
    );
    assert!(!row.must_change_password);
    assert_eq!(row.one_time_password_expires_at, None);
}

/// A malformed path or query parameter, in many spellings, gets our Swedish
/// page (404 for a path that names nothing, 400 for a query that does not
/// parse), never axum's plain-text rejection in English.
#[sqlx::test]
async fn malformed_path_and_query_parameters_get_the_swedish_page(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, "samordnare@lindesberg.example").await;
    let id = uuid::Uuid::nil();
    let cases = [
        ("/est/lagesbild/%FF%FE".to_owned(), 404),
        ("/est/lagesbild/2026-W99".to_owned(), 422),
        (format!("/avtal/{id}/dokument/ett"), 404),
        (format!("/avtal/{id}/dokument/99999999999"), 404),
        ("/avtal/inte-ett-id".to_owned(), 404),
        ("/moten/12345".to_owned(), 404),
        ("/kalender/%C0%AF.ics".to_owned(), 404),
        ("/oversikt/%FF.csv".to_owned(), 404),
        ("/oversikt?fran=2026-01-01&fran=2026-02-01".to_owned(), 400),
        ("/moten?manad=1&manad=2".to_owned(), 400),
        ("/est/handelser?sida=1&sida=2".to_owned(), 400),
        ("/est/rapport?vecka=2026-W01&vecka=2026-W02".to_owned(), 400),
        ("/est?vecka=a&vecka=b".to_owned(), 400),
        ("/est/handelser.csv?kategori=a&kategori=b".to_owned(), 400),
    ];
    for (path, status) in cases {
        let response = app.get(&path).await;
        assert_eq!(response.status().as_u16(), status, "{path}");
        let content_type = header(response.headers(), "content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("text/html"),
            "{path}: {content_type}"
        );
        let body = response.text().await.unwrap_or_default();
        assert!(body.contains(r#"<html lang="sv""#), "{path}: {body}");
        for english in ["Failed to deserialize", "Invalid URL", "Cannot parse"] {
            assert!(!body.contains(english), "{path}: {body}");
        }
    }
}
