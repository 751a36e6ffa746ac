//! The operator (driften): /drift lists the municipalities and can invite
//! a first coordinator, suspend, export and delete a municipality, and an
//! operator reads nothing of any municipality.

use reqwest::{Client, StatusCode};
use scraper::Html;

use crate::helpers::*;

const OPERATOR: &str = "drift@samordna.example";

/// Adds the operator (as `samordna operator add` does) with the demo
/// password, and returns a browser signed in as them.
pub async fn operator(app: &TestApp) -> Client {
    samordna::operator::add_operator(&app.db, OPERATOR, "Driften", 7)
        .await
        .expect("operator");
    db_run!(
        &app.db,
        r#"update person set must_change_password = false,
                  password_hash = (select password_hash from person where email = $2)
           where email = $1"#,
        OPERATOR,
        COORDINATOR
    );
    app.browser_signed_in(OPERATOR).await
}

async fn get(app: &TestApp, browser: &Client, path: &str) -> reqwest::Response {
    app.settle().await;
    browser.get(app.url(path)).send().await.expect("GET")
}

async fn post(
    app: &TestApp,
    browser: &Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    browser
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .expect("POST")
}

async fn text(response: reqwest::Response) -> String {
    response.text().await.expect("body")
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_operator_signing_in_lands_on_drift_with_every_municipality(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    samordna::operator::add_operator(&app.db, OPERATOR, "Driften", 7)
        .await
        .expect("operator");
    let browser = operator(&app).await;
    let login = browser
        .post(app.url("/login"))
        .form(&[
            ("email", OPERATOR),
            ("password", DEMO_PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(
        login.headers()["location"].to_str().expect("location"),
        "/drift"
    );
    let page = Html::parse_document(&text(get(&app, &browser, "/drift").await).await);
    let rows = rows(&page, "table tbody tr");
    let lindesberg = rows
        .iter()
        .find(|r| r.contains("Lindesbergs kommun"))
        .expect("Lindesberg listed");
    assert!(lindesberg.contains("Örebro län"), "{lindesberg}");
    assert!(lindesberg.contains("aktiv"), "{lindesberg}");
    assert!(lindesberg.contains(" kB") || lindesberg.contains(" MB"));
    assert!(rows.iter().any(|r| r.contains("Nora kommun")), "{rows:?}");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_operator_is_refused_on_every_municipal_page(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let browser = operator(&app).await;
    let group = lindesberg_group(&app.db, "EST").await;
    let group_page = format!("/grupper/{group}");
    for path in [
        "/",
        "/est",
        "/est/handelser",
        "/est/rapport",
        "/avtal",
        "/moten",
        "/planering",
        "/oversikt",
        "/admin",
        "/admin/personer",
        "/struktur",
        group_page.as_str(),
    ] {
        let response = get(&app, &browser, path).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(text(response).await.contains("driftkonto"), "{path}");
    }
    // Choosing a municipality does not let them in either.
    let id = municipality_id(&app.db, "Lindesbergs kommun").await;
    let chose = post(
        &app,
        &browser,
        "/valj-kommun",
        &[("municipality_id", &id.to_string())],
    )
    .await;
    assert_eq!(chose.status(), StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_operators_pages_show_no_report_agreement_meeting_or_planning_text(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let browser = operator(&app).await;
    let id = municipality_id(&app.db, "Lindesbergs kommun").await;
    let texts: Vec<String> = db_values!(
        &app.db,
        r#"select t as "t!" from (
             (select description as t from est_incident where municipality_id = $1 and length(description) > 12 limit 3)
             union all (select title from goal where municipality_id = $1 limit 3)
             union all (select agenda from meeting where municipality_id = $1 and length(agenda) > 12 limit 3)
             union all (select v.title from agreement_version v where v.municipality_id = $1 limit 3)
           ) x"#,
        id
    );
    assert!(texts.len() >= 6, "{texts:?}");
    for path in [
        "/drift".to_owned(),
        format!("/drift/kommuner/{id}"),
        format!("/drift/kommuner/{id}/radera"),
    ] {
        let body = text(get(&app, &browser, &path).await).await;
        for t in &texts {
            assert!(!body.contains(t.as_str()), "{path} shows {t:?}");
        }
    }
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn only_operators_reach_drift(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let anonymous = get(&app, &app.client, "/drift").await;
    assert_redirect_to(&anonymous, "/login");
    app.login_in(COORDINATOR, "Lindesbergs kommun").await;
    let id = municipality_id(&app.db, "Lindesbergs kommun").await;
    for path in ["/drift".to_owned(), format!("/drift/kommuner/{id}")] {
        app.assert_status(&path, StatusCode::FORBIDDEN).await;
    }
    app.assert_post_status(
        &format!("/drift/kommuner/{id}/avstangning"),
        &[("action", "suspend")],
        StatusCode::FORBIDDEN,
    )
    .await;
    let suspended: Option<chrono::DateTime<chrono::Utc>> = db_value!(
        &app.db,
        "select suspended_at from municipality where id = $1",
        id
    );
    assert!(suspended.is_none());
}

/// A municipality as a template would leave it: a coordinator's position
/// that nobody holds.
async fn empty_municipality(db: &sqlx::PgPool) -> uuid::Uuid {
    let id = uuid::Uuid::now_v7();
    db_run!(
        db,
        "insert into municipality (id, slug, name, code) values ($1, 'ljusnarsberg', 'Ljusnarsbergs kommun', '1864')",
        id
    );
    db_run!(
        db,
        "insert into position (id, municipality_id, title, grants_admin) values ($1, $2, 'Samordnare', true)",
        uuid::Uuid::now_v7(),
        id
    );
    id
}

/// The token of the link in the last invitation mail.
async fn invitation_token(db: &sqlx::PgPool) -> String {
    let body = db_value!(
        db,
        "select body from outbox where kind = 'coordinator_invitation' order by created_at desc limit 1"
    );
    assert!(body.contains("72 timmar"), "{body}");
    let start = body.find("/inbjudan/").expect("link") + "/inbjudan/".len();
    body[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

async fn invite(app: &TestApp, browser: &Client, m: uuid::Uuid, email: &str) -> reqwest::Response {
    post(
        app,
        browser,
        &format!("/drift/kommuner/{m}/inbjudan"),
        &[("name", "Kim Samordnare"), ("email", email)],
    )
    .await
}

/// An invitation sent twice (a double click, a resend after a 502 from
/// the load balancer) is stored and mailed once; the repeat says the form
/// was already sent.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_invitation_sent_twice_is_mailed_once_and_the_repeat_says_so(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let m = empty_municipality(&app.db).await;
    let operator = operator(&app).await;
    let page = Html::parse_document(
        &text(get(&app, &operator, &format!("/drift/kommuner/{m}")).await).await,
    );
    let token = value_of(
        &page,
        &format!(r#"form[action="/drift/kommuner/{m}/inbjudan"] input[name=form_token]"#),
    )
    .expect("the invitation form's token");
    let form = [
        ("name", "Kim Samordnare"),
        ("email", "kim@ljusnarsberg.example"),
        ("form_token", token.as_str()),
    ];
    let path = format!("/drift/kommuner/{m}/inbjudan");

    let first = post(&app, &operator, &path, &form).await;
    get(&app, &operator, &format!("/drift/kommuner/{m}")).await;
    let second = post(&app, &operator, &path, &form).await;

    assert_redirect_to(&first, &format!("/drift/kommuner/{m}"));
    assert_redirect_to(&second, &format!("/drift/kommuner/{m}"));
    assert_eq!(
        crate::double_submit::outbox_rows(&app.db, "coordinator_invitation").await,
        (1, 1)
    );
    let shown = Html::parse_document(
        &text(get(&app, &operator, &format!("/drift/kommuner/{m}")).await).await,
    );
    assert_eq!(
        texts(&shown, ".flash"),
        [samordna::web::idempotency::ALREADY_SENT]
    );
}

/// An invitation into a suspended municipality is stored and waits in the
/// outbox; the operator is told it goes out once the municipality is
/// resumed.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_invitation_into_a_suspended_municipality_waits_and_says_so(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let m = empty_municipality(&app.db).await;
    suspend(&app.db, m, true).await;
    let operator = operator(&app).await;

    let sent = invite(&app, &operator, m, "kim@ljusnarsberg.example").await;

    assert_redirect_to(&sent, &format!("/drift/kommuner/{m}"));
    let shown = Html::parse_document(
        &text(get(&app, &operator, &format!("/drift/kommuner/{m}")).await).await,
    );
    assert_eq!(
        texts(&shown, ".flash.warning"),
        [
            "Observera: Inbjudan till Kim Samordnare <kim@ljusnarsberg.example> är sparad men skickas först när kommunen öppnas igen."
        ]
    );
    let status = db_value!(
        &app.db,
        "select status from outbox where kind = 'coordinator_invitation'"
    );
    assert_eq!(status, "queued");

    // Days pass: the link's time runs out while the mail waits.
    let made = db_value!(&app.db, "select expires_at from coordinator_invitation");
    let lapsed = chrono::Utc::now() - chrono::TimeDelta::hours(1);
    db_run!(
        &app.db,
        "update coordinator_invitation set expires_at = $2 where municipality_id = $1",
        m,
        lapsed
    );
    db_run!(
        &app.db,
        "update outbox set body = replace(body, $2, $3) where municipality_id = $1",
        m,
        stockholm(made),
        stockholm(lapsed)
    );

    let resumed = post(
        &app,
        &operator,
        &format!("/drift/kommuner/{m}/avstangning"),
        &[("action", "resume")],
    )
    .await;
    assert_redirect_to(&resumed, &format!("/drift/kommuner/{m}"));
    let renewed = db_value!(&app.db, "select expires_at from coordinator_invitation");
    let left = renewed - chrono::Utc::now();
    assert!(
        left > chrono::TimeDelta::hours(71),
        "the link has its full time from the resumption: {left}"
    );
    let body = db_value!(
        &app.db,
        "select body from outbox where kind = 'coordinator_invitation'"
    );
    assert!(
        body.contains(&format!("gäller till {}", stockholm(renewed))),
        "{body}"
    );
    assert!(!body.contains(&stockholm(lapsed)), "{body}");
}

/// An invitation already mailed keeps its time when the municipality is
/// suspended and resumed: only one still waiting to go out is renewed.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn resuming_leaves_an_invitation_already_sent_as_it_was(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let m = empty_municipality(&app.db).await;
    let operator = operator(&app).await;
    invite(&app, &operator, m, "kim@ljusnarsberg.example").await;
    let status = db_value!(
        &app.db,
        "select status from outbox where kind = 'coordinator_invitation'"
    );
    assert_eq!(status, "sent");
    let before = db_value!(&app.db, "select expires_at from coordinator_invitation");
    for action in ["suspend", "resume"] {
        let switched = post(
            &app,
            &operator,
            &format!("/drift/kommuner/{m}/avstangning"),
            &[("action", action)],
        )
        .await;
        assert_redirect_to(&switched, &format!("/drift/kommuner/{m}"));
    }
    let after = db_value!(&app.db, "select expires_at from coordinator_invitation");
    assert_eq!(after, before);
}

/// A time as the invitation mail writes it (Stockholm, to the minute).
fn stockholm(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Stockholm)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

const NEW_PASSWORD: &str = "blå kanot vintergata sju";

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_invited_coordinator_chooses_a_password_and_works_in_the_municipality(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let m = empty_municipality(&app.db).await;
    let operator = operator(&app).await;
    let sent = invite(&app, &operator, m, "kim@ljusnarsberg.example").await;
    assert_redirect_to(&sent, &format!("/drift/kommuner/{m}"));
    let token = invitation_token(&app.db).await;
    let stored = db_value!(&app.db, "select token_hash from coordinator_invitation");
    assert_ne!(stored, token, "the token is stored hashed");

    let invitee = app.other_browser();
    let link = format!("/inbjudan/{token}");
    let page = text(get(&app, &invitee, &link).await).await;
    assert!(page.contains("Ljusnarsbergs kommun"), "{page}");
    let weak = post(
        &app,
        &invitee,
        &link,
        &[("new_password", "kort"), ("new_password_repeat", "kort")],
    )
    .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let chosen = post(
        &app,
        &invitee,
        &link,
        &[
            ("new_password", NEW_PASSWORD),
            ("new_password_repeat", NEW_PASSWORD),
        ],
    )
    .await;
    assert_redirect_to(&chosen, "/");
    let admin = get(&app, &invitee, "/admin").await;
    assert_eq!(
        admin.status(),
        StatusCode::OK,
        "the coordinator administers"
    );

    let again = get(&app, &app.other_browser(), &link).await;
    assert_eq!(again.status(), StatusCode::GONE);
    assert!(text(again).await.contains("redan använd"));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_expired_or_wrong_link_changes_nothing(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let m = empty_municipality(&app.db).await;
    let operator = operator(&app).await;
    invite(&app, &operator, m, "kim@ljusnarsberg.example").await;
    let token = invitation_token(&app.db).await;
    db_run!(
        &app.db,
        "update coordinator_invitation set expires_at = now() - interval '1 minute' where municipality_id = $1",
        m
    );
    let invitee = app.other_browser();
    let link = format!("/inbjudan/{token}");
    let form = [
        ("new_password", NEW_PASSWORD),
        ("new_password_repeat", NEW_PASSWORD),
    ];
    let expired = post(&app, &invitee, &link, &form).await;
    assert_eq!(expired.status(), StatusCode::GONE);
    assert!(text(expired).await.contains("gått ut"));
    let wrong = post(&app, &invitee, "/inbjudan/fel0token", &form).await;
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    assert!(text(wrong).await.contains("Länken finns inte"));
    let person = db_row!(
        &app.db,
        "select password_hash, session_generation from person where email = 'kim@ljusnarsberg.example'"
    );
    assert_eq!(person.password_hash, "!");
    assert_eq!(person.session_generation, 0);
    assert_eq!(
        get(&app, &invitee, "/").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_coordinators_position_held_by_someone_else_is_a_field_error(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let operator = operator(&app).await;
    let nora = municipality_id(&app.db, "Nora kommun").await;
    let refused = invite(&app, &operator, nora, "ny@nora.example").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Html::parse_document(&text(refused).await);
    assert!(
        texts(&page, ".error-summary li")
            .iter()
            .any(|t| t.contains("redan en innehavare")),
    );
    let stored = db_value!(
        &app.db,
        r#"select (select count(*) from coordinator_invitation) + (select count(*) from person where email = 'ny@nora.example') as "n!""#
    );
    assert_eq!(stored, 0, "nothing stored");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_suspended_municipality_is_closed_to_its_people_and_the_public_until_resumed(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    let operator = operator(&app).await;
    let coordinator = app.browser_signed_in(COORDINATOR).await;
    let m = municipality_id(&app.db, "Lindesbergs kommun").await;
    let switch = format!("/drift/kommuner/{m}/avstangning");
    post(&app, &operator, &switch, &[("action", "suspend")]).await;
    for path in ["/", "/est", "/tips/lindesberg"] {
        let browser = if path.starts_with("/tips") {
            app.other_browser()
        } else {
            coordinator.clone()
        };
        let closed = get(&app, &browser, path).await;
        assert_eq!(closed.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(
            text(closed)
                .await
                .contains("Kommunen är avstängd i Samordna")
        );
    }
    let nora = app.browser_signed_in(NORA_COORDINATOR).await;
    assert_eq!(get(&app, &nora, "/").await.status(), StatusCode::OK);
    post(&app, &operator, &switch, &[("action", "resume")]).await;
    assert_eq!(get(&app, &coordinator, "/").await.status(), StatusCode::OK);
    let tips = get(&app, &app.other_browser(), "/tips/lindesberg").await;
    assert_eq!(tips.status(), StatusCode::OK);
}

async fn municipalities(db: &sqlx::PgPool) -> Vec<String> {
    db_values!(db, "select name from municipality order by name")
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_municipality_is_deleted_only_after_an_export_and_its_name_typed(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let operator = operator(&app).await;
    let m = municipality_id(&app.db, "Lindesbergs kommun").await;
    let delete = format!("/drift/kommuner/{m}/radera");
    let name = [("confirm_name", "Lindesbergs kommun")];
    let early = post(&app, &operator, &delete, &name).await;
    assert_eq!(early.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(early).await.contains("Exportera kommunen"));

    let export = post(&app, &operator, &format!("/drift/kommuner/{m}/export"), &[]).await;
    assert_eq!(export.status(), StatusCode::OK);
    assert_eq!(export.headers()["content-type"], "application/zip");
    assert!(export.bytes().await.expect("zip").starts_with(b"PK"));

    let wrong = post(&app, &operator, &delete, &[("confirm_name", "Lindesberg")]).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Html::parse_document(&text(wrong).await);
    assert!(!texts(&page, "#confirm_name-error").is_empty());
    assert_eq!(municipalities(&app.db).await.len(), 2);

    let deleted = post(&app, &operator, &delete, &name).await;
    assert_redirect_to(&deleted, "/drift");
    assert_eq!(municipalities(&app.db).await, ["Nora kommun"]);
    let left: i64 = db_value!(
        &app.db,
        r#"select (select count(*) from audit_event where municipality_id = $1)
                + (select count(*) from est_incident where municipality_id = $1)
                + (select count(*) from person where email = $2) as "n!""#,
        m,
        COORDINATOR
    );
    assert_eq!(left, 0);
    let nora = app.browser_signed_in(NORA_COORDINATOR).await;
    for path in ["/", "/est", "/moten", "/admin"] {
        assert_eq!(
            get(&app, &nora, path).await.status(),
            StatusCode::OK,
            "{path}"
        );
    }
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_change_after_the_export_asks_for_a_new_export(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let operator = operator(&app).await;
    let m = municipality_id(&app.db, "Nora kommun").await;
    post(&app, &operator, &format!("/drift/kommuner/{m}/export"), &[]).await;
    let coordinator = app.browser_signed_in(NORA_COORDINATOR).await;
    let added = post(
        &app,
        &coordinator,
        "/admin/organisationer",
        &[("name", "Nora IF"), ("kind", "forening")],
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let refused = post(
        &app,
        &operator,
        &format!("/drift/kommuner/{m}/radera"),
        &[("confirm_name", "Nora kommun")],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(refused).await.contains("Exportera den igen"));
    assert_eq!(municipalities(&app.db).await.len(), 2);
}

async fn create(
    app: &TestApp,
    browser: &Client,
    fields: &[(&'static str, &'static str)],
    file: Option<&'static str>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(*name, *value);
    }
    if let Some(json) = file {
        let part = reqwest::multipart::Part::text(json).file_name("mall.json");
        form = form.part("template_file", part);
    }
    browser
        .post(app.url("/drift/ny-kommun"))
        .multipart(form)
        .send()
        .await
        .expect("POST")
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_operator_creates_a_municipality_from_a_built_in_template_and_invites_its_coordinator(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    let operator = operator(&app).await;
    let page = text(get(&app, &operator, "/drift/ny-kommun").await).await;
    assert!(page.contains("value=\"bra\""), "{page}");
    let created = create(
        &app,
        &operator,
        &[
            ("name", "Ljusnarsbergs kommun"),
            ("slug", "ljusnarsberg"),
            ("code", "1864"),
            ("template", "bra"),
        ],
        None,
    )
    .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let m = municipality_id(&app.db, "Ljusnarsbergs kommun").await;
    assert_redirect_to(&created, &format!("/drift/kommuner/{m}"));
    let list = text(get(&app, &operator, "/drift").await).await;
    assert!(list.contains("Ljusnarsbergs kommun") && list.contains("Örebro län"));
    let sent = invite(&app, &operator, m, "kim@ljusnarsberg.example").await;
    assert_redirect_to(&sent, &format!("/drift/kommuner/{m}"));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_taken_name_or_slug_or_a_bad_template_is_a_field_error_and_nothing_is_stored(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    let operator = operator(&app).await;
    let taken = create(
        &app,
        &operator,
        &[
            ("name", "Nora kommun"),
            ("slug", "lindesberg"),
            ("template", "bra"),
        ],
        None,
    )
    .await;
    assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Html::parse_document(&text(taken).await);
    assert!(!texts(&page, "#name-error").is_empty());
    assert!(!texts(&page, "#slug-error").is_empty());
    let bad = create(
        &app,
        &operator,
        &[
            ("name", "Ljusnarsbergs kommun"),
            ("slug", "ljusnarsberg"),
            ("template", "fil"),
        ],
        Some("{\"format\": \"inte en mall\"}"),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Html::parse_document(&text(bad).await);
    assert!(!texts(&page, "#template_file-error").is_empty());
    assert_eq!(municipalities(&app.db).await.len(), 2, "nothing stored");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_person_made_an_operator_keeps_their_password_and_loses_their_municipality(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    let password = samordna::operator::add_operator(&app.db, SECURITAS, "Driften", 7)
        .await
        .expect("operator");
    assert!(
        password.is_none(),
        "an existing person keeps their password"
    );
    let browser = app.browser_signed_in(SECURITAS).await;
    assert_eq!(
        get(&app, &browser, "/est").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(get(&app, &browser, "/drift").await.status(), StatusCode::OK);
}
