//! Medborgarlöften (the register under planning) and the municipality's
//! public page `/offentligt/{kommun}`: opt-in, only counts and what is
//! marked public, small counts hidden, cacheable for a short time.

use chrono::NaiveDate;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

const REGISTER: &str = "/planering/medborgarloften";
const PUBLIC: &str = "/offentligt/lindesberg";

/// The fields of a good new promise, with the register's one-time token.
async fn good_fields(app: &TestApp) -> Vec<(&'static str, String)> {
    let page = app.get_html(REGISTER).await;
    let token = value_of(&page, "input[name=form_token]").expect("token");
    let police = lindesberg_position(&app.db, "Chef för lokalpolisområde Lindesberg").await;
    let kso = lindesberg_position(&app.db, "Kommunstyrelsens ordförande").await;
    let rounds = measure_id(&app.db, "Gemensamma kvällsronder polis och Securitas").await;
    vec![
        ("form_token", token),
        ("title", "Tryggare skolvägar".into()),
        ("body", "Vi lovar fler vuxna ute vid skolstart.".into()),
        ("valid_from", "2026-08-01".into()),
        ("valid_to", "2027-06-30".into()),
        ("police_position_id", police.to_string()),
        ("municipal_position_id", kso.to_string()),
        ("measure", rounds.to_string()),
    ]
}

fn with<'a>(
    fields: &'a [(&'static str, String)],
    changes: &[(&'static str, &'a str)],
) -> Vec<(&'static str, &'a str)> {
    fields
        .iter()
        .map(|(k, v)| {
            let changed = changes.iter().find(|(c, _)| c == k).map(|(_, v)| *v);
            (*k, changed.unwrap_or(v.as_str()))
        })
        .collect()
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_promise_with_bad_input_is_refused_in_swedish_and_nothing_is_stored(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let fields = good_fields(&app).await;
    let before = rows_in(&app.db, "citizen_promise").await;
    let foreign = Uuid::now_v7().to_string();
    let bad = with(
        &fields,
        &[
            ("title", "  "),
            ("valid_to", "2026-07-01"),
            ("municipal_position_id", &foreign),
            ("measure", "inte-ett-id"),
        ],
    );

    let page = app.refused_post(REGISTER, &bad).await;
    assert_field_errors(&page, "title", &["Fel: Fyll i rubriken."]);
    assert_field_errors(
        &page,
        "valid_to",
        &["Fel: Slutdatumet kan inte vara före startdatumet."],
    );
    assert_field_errors(
        &page,
        "municipal_position_id",
        &["Fel: Välj en befattning i listan."],
    );
    assert_field_errors(
        &page,
        "measure",
        &["Fel: Välj bland kommunens åtgärder i listan."],
    );
    assert_value(&page, "#valid_from", "2026-08-01");
    assert_eq!(
        rows_in(&app.db, "citizen_promise").await,
        before,
        "nothing stored"
    );

    // The promise's text goes through the personal-data guard.
    let page = app
        .refused_post(
            REGISTER,
            &with(&fields, &[("body", "Ring 811218-9876 om du undrar.")]),
        )
        .await;
    assert_eq!(texts(&page, "#body-error").len(), 1);
    assert_eq!(
        rows_in(&app.db, "citizen_promise").await,
        before,
        "nothing stored"
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_coordinator_registers_a_promise_once_and_changes_it(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let fields = good_fields(&app).await;
    let form = with(&fields, &[]);
    let before = rows_in(&app.db, "citizen_promise").await;

    let response = app.post(REGISTER, &form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = response.headers()["location"]
        .to_str()
        .expect("to")
        .to_owned();
    app.get(&to).await;
    let again = app.post(REGISTER, &form).await;
    assert_redirect_to(&again, REGISTER);
    assert_eq!(
        rows_in(&app.db, "citizen_promise").await,
        before + 1,
        "stored once"
    );

    let page = app.get_html(&to).await;
    assert_eq!(texts(&page, "h1"), ["Tryggare skolvägar"]);
    let facts = texts(&page, "dl.facts dd");
    assert_eq!(
        facts[0],
        "Chef för lokalpolisområde Lindesberg och kommunstyrelsens ordförande"
    );
    assert_eq!(facts[1], "Gemensamma kvällsronder polis och Securitas");
    let list = app.get_html(REGISTER).await;
    assert_listed(&texts(&list, "td.row-name"), "Tryggare skolvägar");

    // An edit with a bad date changes nothing; a good one is stored and audited.
    let bad = with(&fields, &[("valid_from", "2026-13-01")]);
    app.assert_post_status(&to, &bad, StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    app.post_redirects(
        &to,
        &with(&fields, &[("title", "Tryggare skolvägar i Frövi")]),
        &to,
    )
    .await;
    let stored = db_row!(
        &app.db,
        r#"select cp.title, (select count(*) from citizen_promise_measure l where l.promise_id = cp.id) as "links!",
                  (select count(*) from audit_event a where a.entity_id = cp.id) as "audits!"
           from citizen_promise cp where cp.title like 'Tryggare skolvägar%'"#
    );
    assert_eq!(stored.title, "Tryggare skolvägar i Frövi");
    assert_eq!(stored.links, 1);
    assert_eq!(stored.audits, 2, "created and changed");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn another_municipalitys_promise_is_neither_shown_nor_changed(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let (id, title) = sqlx::query!("select id, title from citizen_promise")
        .fetch_one(&app.db)
        .await
        .map(|r| (r.id, r.title))
        .expect("the demo's promise");
    app.login(NORA_COORDINATOR).await;
    let path = format!("{REGISTER}/{id}");

    app.assert_status(&path, StatusCode::NOT_FOUND).await;
    app.assert_post_status(&path, &[("title", "Kapat")], StatusCode::NOT_FOUND)
        .await;
    let list = app.get_html(REGISTER).await;
    assert!(!texts(&list, "main").concat().contains(&title));
    // Lindesberg's measures are not Nora's to link.
    let rounds = measure_id(&app.db, "Gemensamma kvällsronder polis och Securitas").await;
    let page = app.get_html(REGISTER).await;
    assert!(value_of(&page, &format!("#measure_{rounds}")).is_none());
    let stored: String = db_value!(
        &app.db,
        "select title from citizen_promise where id = $1",
        id
    );
    assert_eq!(stored, title);
}

async fn turn_on(app: &TestApp) {
    app.login(COORDINATOR).await;
    app.post_redirects(
        "/planering/installningar",
        &[
            ("action_plan_body", "styrgrupp"),
            ("lagesbild_interval_months", "12"),
            ("public_page", "ja"),
        ],
        "/planering#installningar",
    )
    .await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_public_page_is_404_until_the_coordinator_turns_it_on(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.assert_status(PUBLIC, StatusCode::NOT_FOUND).await;
    app.assert_status("/offentligt/finns-inte", StatusCode::NOT_FOUND)
        .await;

    turn_on(&app).await;
    let visitor = TestApp::spawn(app.db.clone()).await;
    let response = visitor.get(PUBLIC).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=300",
        "kept for a short time"
    );
    assert!(
        response.headers().get("set-cookie").is_none(),
        "no session cookie"
    );
    let page = html_of(response).await;
    assert_eq!(
        texts(&page, "h1"),
        ["Brottsförebyggande arbete i Lindesbergs kommun"]
    );
    // Nora has not turned its page on.
    visitor
        .assert_status("/offentligt/nora", StatusCode::NOT_FOUND)
        .await;
    // Turned off again: gone.
    app.assert_post_status(
        "/planering/installningar",
        &[
            ("action_plan_body", "styrgrupp"),
            ("lagesbild_interval_months", "12"),
        ],
        StatusCode::SEE_OTHER,
    )
    .await;
    visitor.assert_status(PUBLIC, StatusCode::NOT_FOUND).await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_public_page_shows_promises_and_public_measures_and_no_free_text(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    turn_on(&app).await;
    let hidden = measure_id(&app.db, "Röja buskage som skymmer sikten vid väntsalen").await;
    db_run!(&app.db, "insert into measure_note (id, municipality_id, measure_id, note, percent_done)
         select gen_random_uuid(), municipality_id, id, 'Intern anteckning om Kalle', 60 from measure where id = $1",
        hidden);
    db_run!(
        &app.db,
        r#"insert into citizen_promise (id, municipality_id, title, body, valid_from, valid_to,
                                        police_position_id, municipal_position_id)
           select gen_random_uuid(), municipality_id, 'Gammalt löfte', 'Gick ut', '2020-01-01', '2020-12-31',
                  police_position_id, municipal_position_id from citizen_promise"#
    );
    let visitor = TestApp::spawn(app.db.clone()).await;

    let page = visitor.get_html(PUBLIC).await;

    assert_eq!(
        texts(&page, "article.promise h3"),
        ["Tryggare kvällar vid resecentrum"]
    );
    assert_eq!(
        texts(&page, "section[aria-labelledby=atgarder] td.row-name"),
        [
            "Gemensamma kvällsronder polis och Securitas",
            "Byta belysning längs gångstråket till resecentrum"
        ]
    );
    let effects = texts(&page, "td[data-label='Indikerad effekt']");
    assert!(
        effects.iter().any(|e| e.contains('%')),
        "one demo measure shows its effect: {effects:?}"
    );
    assert!(
        effects.iter().all(|e| !e.contains(" före,")),
        "no small counts in the effect: {effects:?}"
    );
    let text = texts(&page, "main").concat();
    for word in ["Röja buskage", "Intern anteckning", "Gammalt löfte"] {
        assert!(!text.contains(word), "the public page shows {word:?}");
    }
    // No incident's free text, no person's name, no agreement's version text.
    let free: Vec<String> = db_values!(
        &app.db,
        r#"select distinct description as "t!" from est_incident where description is not null
           union select name from person
           union select v.title from agreement_version v"#
    );
    assert!(free.len() > 10);
    for t in free {
        assert!(!text.contains(&t), "the public page shows {t:?}");
    }
    assert!(crate::request_path::statements(&visitor, PUBLIC).await <= 1);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn counts_below_five_are_shown_as_fewer_than_five(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    turn_on(&app).await;
    let m = municipality_id(&app.db, "Lindesbergs kommun").await;
    db_run!(
        &app.db,
        "delete from est_incident where municipality_id = $1",
        m
    );
    let today = samordna::web::today();
    let quarter = samordna::planning::public::quarters(today);
    let this: NaiveDate = quarter[3];
    for (area, n) in [("Frövi", 4), ("Storå", 5), ("Vedevåg", 12)] {
        db_run!(
            &app.db,
            r#"insert into est_incident (id, municipality_id, report_id, category_id, occurred_on, area_id, insecurity)
               select gen_random_uuid(), $1,
                      (select id from est_report where municipality_id = $1 limit 1),
                      (select id from incident_category where municipality_id = $1 and parent_id is null limit 1),
                      $2, (select id from area where municipality_id = $1 and name = $3), 3
               from generate_series(1, $4::int)"#,
            m,
            this,
            area,
            n
        );
    }
    let visitor = TestApp::spawn(app.db.clone()).await;

    let page = visitor.get_html(PUBLIC).await;

    let table = rows(&page, "table.quarters tbody tr");
    let few = "färre än 5 färre än 5 färre än 5";
    assert!(
        table.contains(&format!("Frövi {few} färre än 5")),
        "{table:?}"
    );
    assert!(table.contains(&format!("Storå {few} 5")), "{table:?}");
    assert!(table.contains(&format!("Vedevåg {few} 12")), "{table:?}");
    assert!(
        table.contains(&format!("Lindesberg {few} färre än 5")),
        "{table:?}"
    );
}
