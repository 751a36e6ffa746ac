//! Tips from the public: the form at `/tips/{kommun}` without signing in,
//! its protection (honeypot, minimum fill-in time, per-client limit, the
//! personal-data guard), the moderation queue under EST and the lägesbild.

use reqwest::{Response, StatusCode};
use samordna::est::week::ReportWeek;
use sqlx::PgPool;

use crate::helpers::*;

/// The demo app with the tip form's fill-in time off, so a test can send
/// the form at once; `per_client` tips an hour from one client.
async fn app(db: PgPool, per_client: u32) -> TestApp {
    TestApp::with_config(db, |c| {
        c.tip_limits.min_fill = std::time::Duration::ZERO;
        c.tip_limits.per_client = per_client;
    })
    .await
}

/// Opens the form, chooses the first category and area, fills in the rest
/// (`changes` replace or add fields) and sends it.
async fn send_tip(app: &TestApp, changes: &[(&str, &str)]) -> Response {
    let form = app.get_html("/tips/lindesberg").await;
    let stamp = value_of(&form, "input[name=stamp]").expect("stamp");
    let category = value_of(&form, "#category_id option:not([value=''])").expect("category");
    let area = value_of(&form, "#area_id option:not([value=''])").expect("area");
    let today = samordna::web::today().to_string();
    let mut fields: Vec<(&str, &str)> = vec![
        ("stamp", &stamp),
        ("category_id", &category),
        ("area_id", &area),
        ("place", "Gångtunneln vid stationen"),
        ("occurred_on", &today),
        ("time_band", "kvall"),
        (
            "description",
            "Trasig belysning, det är helt mörkt i tunneln på kvällarna.",
        ),
        ("contact", ""),
        ("webbplats", ""),
    ];
    for (name, value) in changes {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value,
            None => fields.push((name, value)),
        }
    }
    app.client
        .post(app.url("/tips/lindesberg"))
        .form(&fields)
        .send()
        .await
        .expect("POST")
}

/// Sends a tip and returns its reference from the receipt.
async fn receipt(app: &TestApp, changes: &[(&str, &str)]) -> String {
    let response = send_tip(app, changes).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = html_of(response).await;
    assert_eq!(texts(&page, "h1"), ["Tack för ditt tips"]);
    let reference = texts(&page, ".reference").pop().expect("reference");
    assert!(reference.starts_with("T-"), "{reference}");
    reference
}

async fn tip_id(db: &PgPool, reference: &str) -> uuid::Uuid {
    db_value!(
        db,
        "select id from public_tip where reference = $1",
        reference
    )
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_tip_sent_without_signing_in_is_accepted_into_the_lagesbild_under_allmanheten(
    db: PgPool,
) {
    let app = app(db, 10).await;

    let reference = receipt(&app, &[]).await;

    app.login(COORDINATOR).await;
    let queue = app.get_html("/est/tips").await;
    let headings = texts(&queue, ".tip h3");
    assert_eq!(headings.len(), 1);
    assert!(headings[0].starts_with(&reference), "{headings:?}");
    let id = tip_id(&app.db, &reference).await;
    let accepted = app.post(&format!("/est/tips/{id}/godkann"), &[]).await;
    assert_redirect_to(&accepted, "/est/tips");

    let monday = db_value!(
        &app.db,
        "select week_start from public_tip where id = $1",
        id
    )
    .expect("an accepted tip has its week");
    let week = ReportWeek::containing(monday, 1).key();
    let lagesbild = app.get_html(&format!("/est/lagesbild/{week}")).await;
    let tips = rows(&lagesbild, "#allmanheten tbody tr");
    assert_eq!(tips.len(), 1);
    assert!(tips[0].contains("Gångtunneln vid stationen"), "{tips:?}");
    assert!(tips[0].contains(&reference), "{tips:?}");
    let named = db_row!(
        &app.db,
        r#"select coalesce(p.name, c.name) as "category!", case when p.id is null then null else c.name end as sub
           from public_tip t join incident_category c on c.id = t.category_id
           left join incident_category p on p.id = c.parent_id where t.id = $1"#,
        id
    );
    let label = samordna::est::model::category_label(&named.category, named.sub.as_deref());
    assert!(
        tips[0].contains(&label),
        "written as everywhere, {label}: {tips:?}"
    );
    assert!(
        texts(&lagesbild, "#allmanheten p")[0].contains("1 godkänt tips"),
        "counted apart from the EST reports"
    );
    let queue = app.get_html("/est/tips").await;
    assert!(texts(&queue, ".tip h3").is_empty());
    assert!(rows(&queue, "#behandlade ~ table tbody tr")[0].contains("Godkänt"));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_unknown_municipality_has_no_tip_form(db: PgPool) {
    let app = app(db, 10).await;

    app.assert_status("/tips/ingenstans", StatusCode::NOT_FOUND)
        .await;
    app.assert_status("/tips/ingenstans/affisch", StatusCode::NOT_FOUND)
        .await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_filled_in_honeypot_is_refused_and_nothing_is_stored(db: PgPool) {
    let app = app(db, 10).await;

    let response = send_tip(&app, &[("webbplats", "https://spam.example")]).await;

    let page = refused_page(response).await;
    assert_field_errors(&page, "webbplats", &["Fel: Lämna fältet ”Webbplats” tomt."]);
    assert_value(&page, "#place", "Gångtunneln vid stationen");
    assert_eq!(rows_in(&app.db, "public_tip").await, 0);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_form_sent_faster_than_a_person_fills_it_in_is_refused(db: PgPool) {
    // The app's own limits: three seconds at least.
    let app = TestApp::demo(db).await;

    let page = refused_page(send_tip(&app, &[]).await).await;

    // Said for the form, not as a fault in what was typed.
    assert_eq!(texts(&page, ".error-summary li").len(), 1);
    assert!(texts(&page, ".error-summary li")[0].contains("för snabbt"));
    assert_eq!(rows_in(&app.db, "public_tip").await, 0);

    // A form with a field to put right hears only of that field: it is
    // shown again with a fresh stamp anyway.
    let page = refused_page(send_tip(&app, &[("description", "")]).await).await;
    assert_eq!(texts(&page, ".error-summary li"), ["Fyll i vad som hände."]);
    assert_eq!(
        texts(&page, "#description-error"),
        ["Fel: Fyll i vad som hände."]
    );
    assert_eq!(rows_in(&app.db, "public_tip").await, 0);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_forged_stamp_stores_nothing_and_a_resent_one_gets_the_same_receipt(db: PgPool) {
    let app = app(db, 10).await;

    let forged = send_tip(
        &app,
        &[("stamp", "1.00000000-0000-0000-0000-000000000000.00")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(rows_in(&app.db, "public_tip").await, 0);

    let form = app.get_html("/tips/lindesberg").await;
    let stamp = value_of(&form, "input[name=stamp]").expect("stamp");
    let first = receipt(&app, &[("stamp", &stamp)]).await;
    // Sent again (a double click, back and resend): the same receipt, one tip.
    let again = send_tip(&app, &[("stamp", &stamp)]).await;
    assert_eq!(again.status(), StatusCode::OK);
    let again = html_of(again).await;
    assert_eq!(texts(&again, "h1"), ["Tack för ditt tips"]);
    assert_eq!(texts(&again, ".reference"), [first]);
    assert_eq!(rows_in(&app.db, "public_tip").await, 1);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_client_over_its_limit_is_refused_and_nothing_more_is_stored(db: PgPool) {
    let app = app(db, 2).await;
    receipt(&app, &[]).await;
    receipt(&app, &[]).await;

    let third = send_tip(&app, &[]).await;

    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    let page = html_of(third).await;
    assert!(texts(&page, ".error-summary li")[0].contains("Vänta en stund"));
    assert!(texts(&page, "#description-error").is_empty());
    assert_eq!(rows_in(&app.db, "public_tip").await, 2);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn personal_data_in_the_description_is_refused_with_a_swedish_error(db: PgPool) {
    let app = app(db, 10).await;

    let response = send_tip(
        &app,
        &[("description", "Det var grannen 811218-9876 som klottrade.")],
    )
    .await;

    let page = refused_page(response).await;
    let error = texts(&page, "#description-error");
    assert!(
        error[0].contains("personnummer eller samordningsnummer (811218-****)"),
        "{error:?}"
    );
    assert!(
        texts(&page, "#description")[0].contains("811218-9876"),
        "the form is kept"
    );
    let phone = send_tip(&app, &[("place", "Ring 070-123 45 67")]).await;
    assert_eq!(phone.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(texts(&html_of(phone).await, "#place-error")[0].contains("telefonnummer"));
    assert_eq!(rows_in(&app.db, "public_tip").await, 0);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_contact_is_deleted_when_the_tip_is_handled_or_answered(db: PgPool) {
    let app = app(db, 10).await;
    let rejected = receipt(&app, &[("contact", "070-123 45 67")]).await;
    let answered = receipt(&app, &[("contact", "granne@example.se")]).await;
    assert_eq!(rows_in(&app.db, "public_tip_contact").await, 2);
    app.login(COORDINATOR).await;
    let queue = app.get_html("/est/tips").await;
    assert!(
        texts(&queue, ".tip dd")
            .iter()
            .any(|t| t == "E-post: granne@example.se")
    );

    let id = tip_id(&app.db, &rejected).await;
    assert_redirect_to(
        &app.post(&format!("/est/tips/{id}/avvisa"), &[]).await,
        "/est/tips",
    );
    assert_eq!(rows_in(&app.db, "public_tip_contact").await, 1);
    let queue = app.get_html("/est/tips").await;
    let handled = rows(&queue, "#behandlade ~ table tbody tr");
    assert!(
        handled
            .iter()
            .any(|r| r.contains(&rejected) && r.contains("Avvisat")),
        "{handled:?}"
    );

    let id = tip_id(&app.db, &answered).await;
    let empty = app
        .post(&format!("/est/tips/{id}/svara"), &[("message", " ")])
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_field_errors(&html_of(empty).await, "message", &["Fel: Fyll i svaret."]);
    assert_eq!(rows_in(&app.db, "public_tip_contact").await, 1);
    let sent = app
        .post(
            &format!("/est/tips/{id}/svara"),
            &[(
                "message",
                "Tack! Vi har bett fastighetsägaren byta belysningen.",
            )],
        )
        .await;
    assert_redirect_to(&sent, "/est/tips");
    assert_eq!(rows_in(&app.db, "public_tip_contact").await, 0);
    let mail = std::fs::read_dir(&app.mail_dir)
        .expect("mail dir")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("mail"))
        .find(|m| m.contains("granne@example.se"))
        .expect("the reply was sent");
    assert!(mail.contains(&answered));
}

/// A reply sent twice (a double click, a resend after a 502 from the load
/// balancer) reaches the sender once; the repeat says the form was already
/// sent.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_reply_sent_twice_is_mailed_once_and_the_repeat_says_so(db: PgPool) {
    let app = app(db, 10).await;
    let reference = receipt(&app, &[("contact", "granne@example.se")]).await;
    let id = tip_id(&app.db, &reference).await;
    app.login(COORDINATOR).await;

    let (first, second) = crate::double_submit::post_form_twice(
        &app,
        "/est/tips",
        &format!(r#"form[action="/est/tips/{id}/svara"]"#),
        &[(
            "message",
            "Tack! Vi har bett fastighetsägaren byta belysningen.",
        )],
    )
    .await;

    assert_redirect_to(&first, "/est/tips");
    let replies = std::fs::read_dir(&app.mail_dir)
        .expect("mail dir")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("mail"))
        .filter(|m| m.contains("granne@example.se"))
        .count();
    assert_eq!(replies, 1);
    assert_eq!(
        crate::double_submit::flash_after(&app, &second).await,
        [samordna::web::idempotency::ALREADY_SENT]
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn another_municipalitys_coordinator_neither_sees_nor_handles_the_tip(db: PgPool) {
    let app = app(db, 10).await;
    let reference = receipt(&app, &[]).await;
    let id = tip_id(&app.db, &reference).await;

    app.login(NORA_COORDINATOR).await;
    let queue = app.get_html("/est/tips").await;

    assert!(texts(&queue, ".tip h3").is_empty());
    assert!(!texts(&queue, "main")[0].contains(&reference));
    for action in ["godkann", "avvisa", "ta-bort", "svara"] {
        let response = app
            .post(&format!("/est/tips/{id}/{action}"), &[("message", "Hej")])
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{action}");
    }
    assert_eq!(rows_in(&app.db, "public_tip").await, 1);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_appointed_position_moderates_and_a_reporter_without_it_may_not(db: PgPool) {
    let app = app(db, 10).await;
    receipt(&app, &[]).await;
    let securitas = app.browser_signed_in(SECURITAS).await;
    let refused = securitas
        .get(app.url("/est/tips"))
        .send()
        .await
        .expect("GET");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    appoint_moderator(&app, SECURITAS).await;

    let allowed = securitas
        .get(app.url("/est/tips"))
        .send()
        .await
        .expect("GET");
    assert_eq!(allowed.status(), StatusCode::OK);
    let page = html_of(allowed).await;
    assert_eq!(texts(&page, ".tip h3").len(), 1);
}

/// The coordinator appoints the position of the person with `email` to
/// moderate tips.
async fn appoint_moderator(app: &TestApp, email: &str) {
    app.login(COORDINATOR).await;
    let position = db_value!(
        &app.db,
        r#"select p.id from position p join position_holder h on h.position_id = p.id
           join person pe on pe.id = h.person_id where pe.email = $1 limit 1"#,
        email
    );
    let appointed = app
        .post(
            "/est/tips/granskare",
            &[("position_id", &position.to_string())],
        )
        .await;
    assert_redirect_to(&appointed, "/est/tips#granskare");
    app.settle().await;
}

/// A GET from another browser.
async fn visit(client: &reqwest::Client, app: &TestApp, path: &str) -> Response {
    client.get(app.url(path)).send().await.expect("GET")
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_moderator_outside_est_finds_the_queue_from_the_menu(db: PgPool) {
    const OPPOSITION: &str = "oppositionsrad@lindesberg.example";
    let app = app(db, 10).await;
    let reference = receipt(&app, &[]).await;
    let opposition = app.browser_signed_in(OPPOSITION).await;
    let menu = |page: &scraper::Html| texts(page, "nav .nav a");
    let start = html_of(visit(&opposition, &app, "/").await).await;
    assert!(
        !menu(&start).contains(&"EST".to_owned()),
        "{:?}",
        menu(&start)
    );
    assert_eq!(
        visit(&opposition, &app, "/est").await.status(),
        StatusCode::FORBIDDEN
    );

    appoint_moderator(&app, OPPOSITION).await;

    // The menu offers EST, and EST opens at the queue.
    let start = html_of(visit(&opposition, &app, "/").await).await;
    assert!(
        menu(&start).contains(&"EST".to_owned()),
        "{:?}",
        menu(&start)
    );
    assert_redirect_to(&visit(&opposition, &app, "/est").await, "/est/tips");
    let queue = html_of(visit(&opposition, &app, "/est/tips").await).await;
    assert_eq!(texts(&queue, ".tip h3").len(), 1);
    let id = tip_id(&app.db, &reference).await;
    let accepted = opposition
        .post(app.url(&format!("/est/tips/{id}/godkann")))
        .form(&[("", "")])
        .send()
        .await
        .expect("POST");
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    let status = db_value!(&app.db, "select status from public_tip where id = $1", id);
    assert_eq!(status, "accepted");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_coordinator_chooses_which_categories_the_public_sees(db: PgPool) {
    let app = app(db, 10).await;
    let before = texts(
        &app.get_html("/tips/lindesberg").await,
        "#category_id option",
    );
    assert_listed(&before, "Skadegörelse");
    assert!(!before.contains(&"Våld och hot".to_owned()));
    // What fits no category has a place of its own, last.
    assert_eq!(before.last().map(String::as_str), Some("Annat"));
    app.login(COORDINATOR).await;
    let id = db_value!(
        &app.db,
        "select c.id from incident_category c join municipality m on m.id = c.municipality_id
         where m.slug = 'lindesberg' and c.name = 'Våld och hot'"
    );

    app.assert_post_status(
        &format!("/est/installningar/tipskategori/{id}/vaxla"),
        &[],
        StatusCode::SEE_OTHER,
    )
    .await;
    let after = texts(
        &app.get_html("/tips/lindesberg").await,
        "#category_id option",
    );
    assert_listed(&after, "Våld och hot");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_poster_has_a_qr_code_linking_to_the_form(db: PgPool) {
    let app = app(db, 10).await;

    let poster = app.get_html("/tips/lindesberg/affisch").await;

    assert_eq!(
        texts(&poster, ".poster .address"),
        ["http://127.0.0.1/tips/lindesberg"]
    );
    let svg = scraper::Selector::parse(".poster svg[role=img]").expect("selector");
    assert_eq!(poster.select(&svg).count(), 1);
    // The tests' server has no public address: whoever prints is warned.
    assert!(texts(&poster, "#ingen-adress")[0].contains("leder inte allmänheten rätt"));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_poster_from_a_server_with_its_public_address_has_no_warning(db: PgPool) {
    let app = TestApp::with_config(db, |c| {
        c.public_url = "https://samordna.lindesberg.se".to_owned();
    })
    .await;

    let poster = app.get_html("/tips/lindesberg/affisch").await;

    assert_eq!(
        texts(&poster, ".poster .address"),
        ["https://samordna.lindesberg.se/tips/lindesberg"]
    );
    assert!(texts(&poster, "#ingen-adress").is_empty());
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn gallring_removes_old_tips_texts_and_contacts(db: PgPool) {
    let app = app(db, 10).await;
    let kept = receipt(
        &app,
        &[
            ("contact", "granne@example.se"),
            ("latitude", "59.46670"),
            ("longitude", "15.36670"),
        ],
    )
    .await;
    let rejected = receipt(&app, &[]).await;
    app.login(COORDINATOR).await;
    let id = tip_id(&app.db, &rejected).await;
    app.post(&format!("/est/tips/{id}/avvisa"), &[]).await;

    let later = chrono::Utc::now() + chrono::TimeDelta::days(25 * 31);
    // Each municipality's own retention counts: three years keeps them.
    let lindesberg = municipality_id(&app.db, "Lindesbergs kommun").await;
    let retention = |months: i32| {
        let db = app.db.clone();
        async move {
            db_run!(
                &db,
                "update municipality set retention_months = $2 where id = $1",
                lindesberg,
                months
            );
        }
    };
    let gallring = || async {
        samordna::est::retention::run(&app.db, later)
            .await
            .expect("gallring")
    };
    retention(36).await;
    assert_eq!(gallring().await.tips, 0);
    assert_eq!(rows_in(&app.db, "public_tip_contact").await, 1);
    retention(24).await;
    let removed = gallring().await;

    assert_eq!(removed.tips, 2);
    assert_eq!(rows_in(&app.db, "public_tip_contact").await, 0);
    let left = db_rows!(
        &app.db,
        "select reference, description, place, latitude, longitude from public_tip"
    );
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].reference, kept);
    assert_eq!(
        (left[0].description.as_deref(), left[0].place.as_deref()),
        (None, None)
    );
    assert_eq!((left[0].latitude, left[0].longitude), (None, None));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_tip_can_carry_a_point_on_the_map(db: PgPool) {
    let app = app(db, 10).await;
    let svg = app.get("/tips/lindesberg/karta.svg").await;
    assert_eq!(svg.status(), StatusCode::OK);
    assert!(svg.text().await.expect("svg").contains(">Frövi</text>"));

    // A click on the map: the form again, with the point and its area.
    let (x, y) = pixel_of(&app, 15.3667, 59.4667).await;
    let clicked = send_tip(&app, &[("area_id", ""), ("karta.x", &x), ("karta.y", &y)]).await;
    assert_eq!(clicked.status(), StatusCode::OK);
    let page = html_of(clicked).await;
    assert_eq!(texts(&page, "#area_id option[selected]"), ["Frövi"]);
    assert_value(&page, "#place", "Gångtunneln vid stationen");
    let lat = value_of(&page, "#punkt input[name=latitude]").expect("latitude");
    let lon = value_of(&page, "#punkt input[name=longitude]").expect("longitude");
    assert!(
        page.select(&scraper::Selector::parse("#narbild").expect("css"))
            .next()
            .is_some()
    );
    assert_eq!(
        rows_in(&app.db, "public_tip").await,
        0,
        "a click stores nothing"
    );

    // Sent with the point: the tip keeps it, and the moderator sees it.
    let area = value_of(&page, "#area_id option[selected]").expect("area");
    let reference = receipt(
        &app,
        &[("area_id", &area), ("latitude", &lat), ("longitude", &lon)],
    )
    .await;
    let stored = db_row!(
        &app.db,
        "select latitude, longitude from public_tip where reference = $1",
        reference
    );
    assert!((stored.latitude.expect("lat") - 59.4667).abs() < 0.005);
    assert!((stored.longitude.expect("lon") - 15.3667).abs() < 0.01);
    app.login(COORDINATOR).await;
    let queue = app.get_html("/est/tips").await;
    let img = scraper::Selector::parse(".tip img.tip-point").expect("css");
    assert_eq!(queue.select(&img).count(), 1);

    // A point outside the municipality is refused beside the map.
    for (lat, lon) in [("59.33", "18.07"), ("59.46", ""), ("norr", "15.3")] {
        let refused = send_tip(&app, &[("latitude", lat), ("longitude", lon)]).await;
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{lat} {lon}"
        );
    }
    let outside =
        html_of(send_tip(&app, &[("latitude", "59.33"), ("longitude", "18.07")]).await).await;
    assert!(texts(&outside, "#karta-error")[0].contains("utanför kommunen"));
    assert_eq!(rows_in(&app.db, "public_tip").await, 1);
}

/// Accepting, rejecting and deleting a tip, and dismissing a moderator,
/// sent twice (a double click): done once, and the repeat is told that the
/// form was already sent instead of "Sidan finns inte".
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn handling_a_tip_sent_twice_acts_once_and_says_so(db: PgPool) {
    let app = app(db, 100).await;
    let accepted = tip_id(&app.db, &receipt(&app, &[]).await).await;
    let rejected = tip_id(&app.db, &receipt(&app, &[("place", "Torget")]).await).await;
    appoint_moderator(&app, SECURITAS).await;
    let moderator: uuid::Uuid = db_value!(&app.db, "select position_id from tip_moderator");
    let cases = [
        (format!("/est/tips/{accepted}/godkann"), "godkände"),
        (format!("/est/tips/{rejected}/avvisa"), "avvisade"),
        (format!("/est/tips/{accepted}/ta-bort"), "tog bort"),
        (
            format!("/est/tips/granskare/{moderator}/ta-bort"),
            "tog bort",
        ),
    ];
    for (action, audited) in cases {
        let before = crate::double_submit::audit_rows(&app.db, audited).await;
        let (first, second) = crate::double_submit::post_form_twice(
            &app,
            "/est/tips",
            &format!(r#"form[action="{action}"]"#),
            &[],
        )
        .await;
        assert_eq!(first.status(), StatusCode::SEE_OTHER, "{action}");
        assert_eq!(
            crate::double_submit::flash_after(&app, &second).await,
            [samordna::web::idempotency::ALREADY_SENT],
            "{action}"
        );
        assert_eq!(
            crate::double_submit::audit_rows(&app.db, audited).await,
            before + 1,
            "{action}: done once"
        );
    }
}

/// Appointing a moderator: a double click appoints once and the repeat is
/// told it was sent; a position appointed already, sent again from a page
/// loaded before, gets a Swedish error by the field instead of "Sidan finns
/// inte".
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn appointing_a_moderator_twice_appoints_once_and_says_why(db: PgPool) {
    let app = app(db, 100).await;
    app.login(COORDINATOR).await;
    let position = db_row!(
        &app.db,
        r#"select p.id, p.title from position p join position_holder h on h.position_id = p.id
           join person pe on pe.id = h.person_id where pe.email = $1 order by p.title limit 1"#,
        SECURITAS
    );
    let chosen = position.id.to_string();
    let form = r#"form[action="/est/tips/granskare"]"#;
    let (first, second) =
        crate::double_submit::post_form_twice(&app, "/est/tips", form, &[("position_id", &chosen)])
            .await;
    assert_redirect_to(&first, "/est/tips#granskare");
    assert_eq!(
        crate::double_submit::flash_after(&app, &second).await,
        [samordna::web::idempotency::ALREADY_SENT]
    );
    assert_eq!(rows_in(&app.db, "tip_moderator").await, 1);

    let (action, fields) =
        crate::double_submit::filled_form(&app, "/est/tips", form, &[("position_id", &chosen)])
            .await;
    let again = crate::double_submit::post_fields(&app, &action, &fields).await;
    let page = refused_page(again).await;
    assert_field_errors(
        &page,
        "position_id",
        &[format!("Fel: {} granskar redan tipsen.", position.title).as_str()],
    );
    assert_eq!(rows_in(&app.db, "tip_moderator").await, 1);
}

/// The list of positions to appoint offers only those not appointed yet:
/// an appointed position leaves it, and comes back when it is dismissed.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_moderator_list_offers_only_positions_not_appointed(db: PgPool) {
    let app = app(db, 100).await;
    let offered = |page: &scraper::Html| texts(page, "#position_id option:not([value=''])");
    app.login(COORDINATOR).await;
    let before = offered(&app.get_html("/est/tips").await);
    let all: i64 = db_value!(
        &app.db,
        r#"select count(*) as "n!" from position where municipality_id = (select id from municipality where slug = 'lindesberg')"#
    );
    assert_eq!(before.len() as i64, all);

    appoint_moderator(&app, SECURITAS).await;
    let title: String = db_value!(
        &app.db,
        "select p.title from tip_moderator tm join position p on p.id = tm.position_id"
    );
    let page = app.get_html("/est/tips").await;
    assert!(
        texts(&page, "#granskare ~ ul li")
            .iter()
            .any(|t| t.starts_with(&title))
    );
    let after = offered(&page);
    assert!(
        !after.contains(&title),
        "{title} is still offered: {after:?}"
    );
    assert_eq!(after.len() + 1, before.len());

    let position: uuid::Uuid = db_value!(&app.db, "select position_id from tip_moderator");
    let dismissed = app
        .post(&format!("/est/tips/granskare/{position}/ta-bort"), &[])
        .await;
    assert_redirect_to(&dismissed, "/est/tips#granskare");
    app.settle().await;
    assert_eq!(offered(&app.get_html("/est/tips").await), before);
}

/// The emergency and police numbers on the tip form can be tapped to call,
/// on a phone.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_emergency_numbers_are_links_to_call(db: PgPool) {
    let app = app(db, 10).await;
    let form = app.get_html("/tips/lindesberg").await;
    let calls = |page: &scraper::Html| {
        let link = scraper::Selector::parse("a[href^='tel:']").expect("selector");
        page.select(&link)
            .map(|a| {
                (
                    a.value().attr("href").unwrap_or_default().to_owned(),
                    text_of(a),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        calls(&form),
        [
            ("tel:112".to_owned(), "112".to_owned()),
            ("tel:11414".to_owned(), "114 14".to_owned())
        ]
    );
}

/// What the municipality stores for the tip form's contact and personal data.
async fn tip_contact(db: &PgPool) -> (String, String, String, String) {
    let row = db_row!(
        db,
        "select privacy_controller, contact_email, contact_phone, dpo_email from municipality where slug = 'lindesberg'"
    );
    (
        row.privacy_controller,
        row.contact_email,
        row.contact_phone,
        row.dpo_email,
    )
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_tip_form_says_who_answers_for_personal_data_and_how_to_reach_the_municipality(
    db: PgPool,
) {
    let app = app(db, 10).await;
    let form = app.get_html("/tips/lindesberg").await;
    assert_eq!(
        texts(&form, "#personuppgifter-title"),
        ["Så behandlar vi dina personuppgifter"]
    );
    let privacy = texts(&form, ".privacy p, .privacy li").join(" ");
    for part in [
        "Personuppgiftsansvarig är kommunstyrelsen i Lindesbergs kommun.",
        "lagen (2023:196)",
        "raderas när tipset är behandlat eller besvarat",
        "tas bort efter 24 månader",
        "allmän handling",
        "Integritetsskyddsmyndigheten",
        "kommunens dataskyddsombud, dataskyddsombud@lindesberg.example.",
    ] {
        assert!(privacy.contains(part), "{part:?} in {privacy}");
    }
    assert_eq!(
        attr_of(&form, "#kontakt a", "href").as_deref(),
        Some("mailto:kommunen@lindesberg.example")
    );

    // The coordinator keeps them under EST's settings; wrong values are
    // refused next to their fields, the form kept, nothing stored.
    app.login(COORDINATOR).await;
    let stored = tip_contact(&app.db).await;
    for (controller, email, phone, dpo, field, error) in [
        (
            "",
            "",
            "",
            "",
            "privacy_controller",
            "Fyll i den personuppgiftsansvariga nämnden.",
        ),
        (
            "  ",
            "",
            "",
            "",
            "privacy_controller",
            "Fyll i den personuppgiftsansvariga nämnden.",
        ),
        (
            "Kommunstyrelsen",
            "kommunen(at)lindesberg.se",
            "",
            "",
            "contact_email",
            "Ange en giltig e-postadress, till exempel namn@kommun.se.",
        ),
        (
            "Kommunstyrelsen",
            "kommunen@lindesberg",
            "",
            "",
            "contact_email",
            "Ange en giltig e-postadress, till exempel namn@kommun.se.",
        ),
        (
            "Kommunstyrelsen",
            "",
            "",
            "dso @lindesberg.se",
            "dpo_email",
            "Ange en giltig e-postadress, till exempel namn@kommun.se.",
        ),
        (
            "Kommunstyrelsen",
            "",
            "ring växeln",
            "",
            "contact_phone",
            "Ange ett telefonnummer, till exempel 0581-810 00.",
        ),
        (
            "Kommunstyrelsen",
            "",
            "0581",
            "",
            "contact_phone",
            "Ange ett telefonnummer, till exempel 0581-810 00.",
        ),
        (
            "Kommunstyrelsen",
            "",
            "0581-810 00 ank. 12345678",
            "",
            "contact_phone",
            "Ange ett telefonnummer, till exempel 0581-810 00.",
        ),
    ] {
        let response = app
            .post(
                "/est/installningar/tips",
                &[
                    ("privacy_controller", controller),
                    ("contact_email", email),
                    ("contact_phone", phone),
                    ("dpo_email", dpo),
                ],
            )
            .await;
        let page = refused_page(response).await;
        assert_field_errors(&page, field, &[&format!("Fel: {error}")]);
        assert_value(&page, "#contact_phone", phone);
        assert_value(&page, "#contact_email", email);
        assert_eq!(
            tip_contact(&app.db).await,
            stored,
            "{field}: nothing stored"
        );
    }

    app.post_redirects(
        "/est/installningar/tips",
        &[
            ("privacy_controller", " Samhällsbyggnadsnämnden "),
            ("contact_email", ""),
            ("contact_phone", "0581-810 00"),
            ("dpo_email", "DSO@Lindesberg.se"),
        ],
        "/est/installningar#tipsformularet",
    )
    .await;
    assert_eq!(
        tip_contact(&app.db).await,
        (
            "Samhällsbyggnadsnämnden".to_owned(),
            String::new(),
            "0581-810 00".to_owned(),
            "dso@lindesberg.se".to_owned()
        )
    );
    let form = html_of(visit(&app.other_browser(), &app, "/tips/lindesberg").await).await;
    assert!(
        texts(&form, ".privacy p")[0]
            .starts_with("Personuppgiftsansvarig är samhällsbyggnadsnämnden i Lindesbergs kommun.")
    );
    assert_eq!(
        texts(&form, "#kontakt"),
        ["Frågor om ett tips: kontakta Lindesbergs kommun, telefon 0581-810 00."]
    );
    assert_eq!(
        attr_of(&form, "#kontakt a", "href").as_deref(),
        Some("tel:0581-81000")
    );
    // The receipt says it too.
    let receipt_page = html_of(send_tip(&app, &[]).await).await;
    assert_eq!(texts(&receipt_page, "h1"), ["Tack för ditt tips"]);
    assert_eq!(
        texts(&receipt_page, "#kontakt"),
        ["Frågor om ett tips: kontakta Lindesbergs kommun, telefon 0581-810 00."]
    );
}
