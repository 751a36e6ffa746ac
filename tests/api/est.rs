//! EST: weekly reports, the personal-data guard, deadlines, the lägesbild,
//! CSV, gallring and access.

use reqwest::StatusCode;
use samordna::est::week::ReportWeek;

use crate::helpers::*;

const EST_SOCIAL: &str = "est.social@lindesberg.example";

/// The week and organisation the report form is for, as the page says.
async fn open_report(app: &TestApp) -> (String, String) {
    let page = app.get_html("/est/rapport").await;
    let week = value_of(&page, "#handelser input[name=vecka]").expect("week");
    let org = value_of(&page, "#handelser input[name=org]").expect("organisation");
    (week, org)
}

async fn leaf_category(app: &TestApp, parent: &str, name: &str) -> uuid::Uuid {
    sqlx::query_scalar!(
        "select c.id from incident_category c join incident_category p on p.id = c.parent_id
         join municipality m on m.id = c.municipality_id
         where m.slug = 'lindesberg' and p.name = $1 and c.name = $2",
        parent,
        name
    )
    .fetch_one(&app.db)
    .await
    .expect("category")
}

async fn area(app: &TestApp, name: &str) -> uuid::Uuid {
    sqlx::query_scalar!(
        "select a.id from area a join municipality m on m.id = a.municipality_id where m.slug = 'lindesberg' and a.name = $1",
        name
    )
    .fetch_one(&app.db)
    .await
    .expect("area")
}

async fn post_incident(
    app: &TestApp,
    week: &str,
    org: &str,
    description: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let category = leaf_category(app, "Skadegörelse", "Klotter")
        .await
        .to_string();
    let area = area(app, "Lindesberg").await.to_string();
    let yesterday = (samordna::web::today() - chrono::Days::new(1)).to_string();
    let mut form = vec![
        ("vecka", week),
        ("org", org),
        ("category_id", category.as_str()),
        ("occurred_on", yesterday.as_str()),
        ("time_band", "kvall"),
        ("area_id", area.as_str()),
        ("place", "busstationen"),
        ("description", description),
        ("insecurity", "3"),
        ("reported_to_police", "ja"),
        ("action_taken", ""),
    ];
    form.extend_from_slice(extra);
    app.post("/est/rapport/handelse", &form).await
}

/// Each definition list as its (term, definition) pairs, texts trimmed.
fn facts(html: &scraper::Html, selector: &str) -> Vec<Vec<(String, String)>> {
    let lists = scraper::Selector::parse(selector).expect("selector");
    let terms = scraper::Selector::parse("dt").expect("selector");
    let text = |e: scraper::ElementRef| e.text().collect::<String>().trim().to_owned();
    html.select(&lists)
        .map(|dl| {
            dl.select(&terms)
                .map(|dt| {
                    let dd = dt
                        .next_siblings()
                        .find_map(scraper::ElementRef::wrap)
                        .map(text)
                        .unwrap_or_default();
                    (text(dt), dd)
                })
                .collect()
        })
        .collect()
}

async fn incident_count(app: &TestApp) -> i64 {
    sqlx::query_scalar!(r#"select count(*) as "n!" from est_incident"#)
        .fetch_one(&app.db)
        .await
        .expect("count")
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_report_filed_in_the_form_shows_in_the_lagesbild_and_the_csv(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(SECURITAS).await;
    let (week, org) = open_report(&app).await;

    let response = post_incident(
        &app,
        &week,
        &org,
        "Klotter på busskuren vid resecentrum.",
        &[],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let next_saturday = (samordna::web::today() + chrono::Days::new(5)).to_string();
    let response = app
        .post(
            "/est/rapport/kommande",
            &[
                ("vecka", &week),
                ("org", &org),
                ("title", "Höstmarknaden på Stora torget"),
                ("occurs_on", &next_saturday),
                ("event_area_id", ""),
                ("event_place", "Stora torget"),
                ("risk", "high"),
                ("planned_measures", "Extra ronder"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = app
        .post(
            "/est/rapport/samverkan",
            &[
                ("vecka", &week),
                ("org", &org),
                ("need_title", "Belysningen vid busstationen behöver lagas"),
                ("with_whom", "Samhällsbyggnadsförvaltningen"),
                ("handled_by", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let report = app
        .get_html(&format!("/est/rapport?vecka={week}&org={org}"))
        .await;
    assert_eq!(texts(&report, "#rapport .entry-cards > li").len(), 3);
    // Each field of an entry stands under its own name, not run together.
    let incident = &facts(&report, "#rapport .entry-card dl.facts")[0];
    for (name, value) in [
        ("Plats", "busstationen"),
        ("Beskrivning", "Klotter på busskuren vid resecentrum."),
        ("Otrygghet", "3 av 5"),
        ("Polisanmäld", "Ja"),
    ] {
        assert!(
            incident.contains(&(name.to_owned(), value.to_owned())),
            "{name}: {value} in {incident:?}"
        );
    }
    let names: Vec<&str> = incident.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.starts_with(&["Datum"]) && names.contains(&"Område"),
        "{names:?}"
    );

    let coordinator = TestApp::spawn(app.db.clone()).await;
    coordinator.login(COORDINATOR).await;
    let page = coordinator
        .get_html(&format!("/est/lagesbild/{week}"))
        .await;
    let rows = texts(&page, "#handelser tbody tr");
    let ours: Vec<&String> = rows
        .iter()
        .filter(|r| r.contains("Klotter på busskuren vid resecentrum."))
        .collect();
    assert_eq!(ours.len(), 1, "{rows:?}");
    for part in [
        "Skadegörelse – klotter",
        "Lindesberg, busstationen",
        "Securitas (Kim Johansson)",
        "polisanmäld",
        "3/5",
    ] {
        assert!(ours[0].contains(part), "{part} in {}", ours[0]);
    }
    assert!(
        texts(&page, "#kommande tbody tr")
            .iter()
            .any(|r| r.contains("Höstmarknaden på Stora torget") && r.contains("Hög"))
    );
    assert!(
        texts(&page, "#samverkan tbody tr")
            .iter()
            .any(|r| r.contains("Belysningen vid busstationen behöver lagas"))
    );
    assert!(texts(&page, ".reporters li").contains(&"Securitas: Har rapporterat".to_owned()));

    let csv = coordinator
        .get(&format!("/est/lagesbild/{week}.csv"))
        .await
        .text()
        .await
        .expect("csv");
    let line = csv
        .lines()
        .find(|l| l.contains("Klotter på busskuren"))
        .expect("csv line");
    assert!(line.ends_with(";Securitas;;Kim Johansson"), "{line}");
    assert!(csv.lines().next().expect("header").ends_with("skriven av"));

    // An EST member reads the lägesbild, but not who wrote what.
    let member = TestApp::spawn(app.db.clone()).await;
    member.login(EST_SOCIAL).await;
    let csv = member
        .get(&format!("/est/lagesbild/{week}.csv"))
        .await
        .text()
        .await
        .expect("csv");
    assert!(!csv.contains("skriven av") && !csv.contains("Kim Johansson"));
    let page = member.get_html(&format!("/est/lagesbild/{week}")).await;
    assert!(!page.html().contains("Kim Johansson"));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn nothing_to_report_is_one_click_and_counts_as_reported(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    // On a Tuesday morning the demo may already hold this week's report.
    sqlx::query!(
        "delete from est_report where organisation_id in (select id from organisation where name in ('Socialförvaltningen', 'Securitas')) and week_start >= current_date - 7 and municipality_id = $1",
        municipality_id(&app.db, "Lindesbergs kommun").await
    )
    .execute(&app.db)
    .await
    .expect("clear");
    app.login(EST_SOCIAL).await;
    let (week, org) = open_report(&app).await;

    let response = app
        .post("/est/rapport/inget", &[("vecka", &week), ("org", &org)])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let coordinator = TestApp::spawn(app.db.clone()).await;
    coordinator.login(COORDINATOR).await;
    let page = coordinator.get_html(&format!("/est?vecka={week}")).await;
    let rows = texts(&page, "tbody tr");
    assert!(
        rows.iter()
            .any(|r| r.starts_with("Socialförvaltningen Inget att rapportera 0")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with("Securitas Har inte rapporterat")),
        "{rows:?}"
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn after_the_meeting_started_the_report_is_locked_until_the_coordinator_unlocks_it(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    app.login(SECURITAS).await;
    let (_, org) = open_report(&app).await;
    let past = ReportWeek::containing(samordna::web::today() - chrono::Days::new(14), 1).key();
    let before = incident_count(&app).await;

    let response = post_incident(&app, &past, &org, "Sent inkommen händelse.", &[]).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html_of(response).await;
    assert!(
        texts(&page, ".error-summary li")[0].contains("låstes"),
        "the page says why"
    );
    assert_eq!(incident_count(&app).await, before);

    let coordinator = TestApp::spawn(app.db.clone()).await;
    coordinator.login(COORDINATOR).await;
    let response = coordinator
        .post(
            "/est/las-upp",
            &[("vecka", &past), ("organisation_id", &org)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let response = post_incident(&app, &past, &org, "Sent inkommen händelse.", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(incident_count(&app).await, before + 1);
    let late = sqlx::query_scalar!(
        "select r.late from est_report r join est_incident i on i.report_id = r.id where i.description = 'Sent inkommen händelse.'"
    )
    .fetch_one(&app.db)
    .await
    .expect("report");
    assert!(late);
    let log = texts(
        &coordinator.get_html("/admin/logg").await,
        "tbody tr td:nth-child(3)",
    );
    assert!(log.contains(&"låste upp EST-rapport".to_owned()));
    assert!(log.contains(&"rapporterade händelse EST-rapport".to_owned()));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_incident_is_changed_in_place_and_only_within_its_own_report(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(SECURITAS).await;
    let (week, org) = open_report(&app).await;
    post_incident(&app, &week, &org, "Klotter på busskuren.", &[]).await;
    let id: uuid::Uuid = sqlx::query_scalar!(
        "select id from est_incident where description = 'Klotter på busskuren.'"
    )
    .fetch_one(&app.db)
    .await
    .expect("incident");
    let before = incident_count(&app).await;

    let form = app
        .get_html(&format!("/est/rapport?vecka={week}&org={org}&andra={id}"))
        .await;
    assert_eq!(texts(&form, "#handelser-title"), ["Ändra händelsen"]);
    assert_eq!(texts(&form, "#description"), ["Klotter på busskuren."]);
    assert_eq!(value_of(&form, "#place").as_deref(), Some("busstationen"));
    assert_eq!(value_of(&form, "input[name=andra]"), Some(id.to_string()));

    let response = post_incident(
        &app,
        &week,
        &org,
        "Klotter på busskuren, sanerat.",
        &[("andra", &id.to_string())],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(incident_count(&app).await, before, "changed, not added");
    let report = app
        .get_html(&format!("/est/rapport?vecka={week}&org={org}"))
        .await;
    let cards = texts(&report, "#rapport .entry-card");
    assert_eq!(cards.len(), 1, "{cards:?}");
    assert!(
        cards[0].contains("Klotter på busskuren, sanerat."),
        "{cards:?}"
    );

    // Another week's report does not hold it, nor does any report hold a made-up id.
    let next = ReportWeek::containing(samordna::web::today() + chrono::Days::new(7), 1).key();
    let response =
        post_incident(&app, &next, &org, "Flyttad?", &[("andra", &id.to_string())]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = app
        .get(&format!(
            "/est/rapport?vecka={week}&org={org}&andra={}",
            uuid::Uuid::now_v7()
        ))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let coordinator = TestApp::spawn(app.db.clone()).await;
    coordinator.login(COORDINATOR).await;
    let log = texts(
        &coordinator.get_html("/admin/logg").await,
        "tbody tr td:nth-child(3)",
    );
    assert!(
        log.contains(&"ändrade händelse EST-rapport".to_owned()),
        "{log:?}"
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn unlock_is_offered_only_on_locked_reports_and_each_status_is_said_in_words(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
    let unlock_buttons =
        |page: &scraper::Html| texts(page, "table[aria-labelledby=reported-title] tbody button");

    let open = app.get_html("/est").await;
    let rows = texts(&open, "table[aria-labelledby=reported-title] tbody tr");
    assert!(!rows.is_empty());
    assert!(
        unlock_buttons(&open).is_empty(),
        "nothing to unlock: {rows:?}"
    );
    assert!(rows.iter().all(|r| r.contains("Öppen")), "{rows:?}");

    let past = ReportWeek::containing(samordna::web::today() - chrono::Days::new(14), 1).key();
    let locked = app.get_html(&format!("/est?vecka={past}")).await;
    assert_eq!(unlock_buttons(&locked).len(), rows.len());
    let tags = texts(&locked, "tbody td .status");
    assert!(
        tags.iter().all(|t| !t.is_empty()),
        "every tag has words: {tags:?}"
    );
    assert!(tags.contains(&"Låst".to_owned()), "{tags:?}");

    let org = value_of(&locked, "input[name=organisation_id]").expect("an organisation");
    let response = app
        .post(
            "/est/las-upp",
            &[("vecka", &past), ("organisation_id", &org)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let after = app.get_html(&format!("/est?vecka={past}")).await;
    assert_eq!(unlock_buttons(&after).len(), rows.len() - 1);
    assert_eq!(texts(&after, "tbody td .status-unlocked"), ["Upplåst"]);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn identity_numbers_in_any_form_are_refused_and_nothing_is_stored(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(SECURITAS).await;
    let (week, org) = open_report(&app).await;
    let before = incident_count(&app).await;

    for number in [
        "811218-9876",
        "19811218-9876",
        "8112189876",
        "811218+9876",
        "701063-2391",
        "850709 9805",
    ] {
        let text = format!("Mannen med personnummer {number} bråkade.");
        let response = post_incident(&app, &week, &org, &text, &[]).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{number}"
        );
        let page = html_of(response).await;
        let error = texts(&page, "#description-error").join("");
        assert!(
            error.contains("personnummer eller samordningsnummer"),
            "{number}: {error}"
        );
        assert!(
            !error.contains(&number[number.len() - 4..]),
            "the number is not echoed: {error}"
        );
        assert_eq!(
            texts(&page, "textarea#description"),
            std::slice::from_ref(&text),
            "the input is kept"
        );
    }
    assert_eq!(incident_count(&app).await, before);

    // A number that fails the Luhn check is not an identity number.
    let response = post_incident(
        &app,
        &week,
        &org,
        "Ärendenummer 811218-9875 hos larmcentralen.",
        &[],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(incident_count(&app).await, before + 1);

    // An identity number in a coming event is refused too.
    let response = app
        .post(
            "/est/rapport/kommande",
            &[
                ("vecka", &week),
                ("org", &org),
                ("title", "Fest hos 811218-9876"),
                ("occurs_on", &samordna::web::today().to_string()),
                ("risk", "low"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let events: i64 = sqlx::query_scalar!(
        r#"select count(*) as "n!" from est_coming_event where title like 'Fest%'"#
    )
    .fetch_one(&app.db)
    .await
    .expect("count");
    assert_eq!(events, 0);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_email_or_phone_number_needs_the_writers_confirmation(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(SECURITAS).await;
    let (week, org) = open_report(&app).await;
    let before = incident_count(&app).await;
    let text = "Anmälare nås på 070-123 45 67.";

    let response = post_incident(&app, &week, &org, text, &[]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html_of(response).await;
    assert!(texts(&page, "#description-error")[0].contains("telefonnummer"));
    assert_eq!(
        texts(&page, "label[for=confirm_personal_data]"),
        ["Jag har kontrollerat texten: ingen person kan identifieras."]
    );
    assert_eq!(incident_count(&app).await, before);

    let response = post_incident(&app, &week, &org, text, &[("confirm_personal_data", "ja")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(incident_count(&app).await, before + 1);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_est_member_cannot_file_for_another_organisation(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(SECURITAS).await;
    let (week, _) = open_report(&app).await;
    let social =
        sqlx::query_scalar!("select id from organisation where name = 'Socialförvaltningen'")
            .fetch_one(&app.db)
            .await
            .expect("organisation");
    let before = incident_count(&app).await;

    let response = post_incident(&app, &week, &social.to_string(), "Försök", &[]).await;

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&format!("/est/rapport?org={social}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(incident_count(&app).await, before);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_styrgrupp_member_cannot_read_the_free_texts(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login("kso@lindesberg.example").await;
    let week = ReportWeek::containing(samordna::web::today(), 1).key();

    assert_eq!(
        app.get(&format!("/est/lagesbild/{week}")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("/est/lagesbild/{week}.csv"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/est/rapport").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get("/est").await.status(), StatusCode::FORBIDDEN);

    // LindeBRÅ's members read it.
    let council = TestApp::spawn(app.db.clone()).await;
    council.login("fc.social@lindesberg.example").await;
    assert_eq!(
        council
            .get(&format!("/est/lagesbild/{week}"))
            .await
            .status(),
        StatusCode::OK
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn gallring_removes_the_texts_and_keeps_the_counts(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
    let week = ReportWeek::containing(samordna::web::today() - chrono::Days::new(7), 1).key();
    let before = app.get_html(&format!("/est/lagesbild/{week}")).await;
    let counts_before = texts(&before, "#summary-title ~ .two-col table");
    let total = incident_count(&app).await;

    // 25 months on, everything is older than Lindesberg's 24 months.
    let later = chrono::Utc::now() + chrono::TimeDelta::days(25 * 31);
    let removed = samordna::est::retention::run(&app.db, later)
        .await
        .expect("gallring");

    assert_eq!(i64::try_from(removed.incidents).expect("n"), total);
    let left = sqlx::query!(
        r#"select count(*) filter (where description is not null or place is not null) as "texts!",
                  count(*) as "all!" from est_incident"#
    )
    .fetch_one(&app.db)
    .await
    .expect("counts");
    assert_eq!((left.texts, left.all), (0, total));
    let after = app.get_html(&format!("/est/lagesbild/{week}")).await;
    assert_eq!(
        texts(&after, "#summary-title ~ .two-col table"),
        counts_before
    );
    assert!(texts(&after, "#handelser tbody td").contains(&"Gallrad".to_owned()));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_same_event_from_two_organisations_is_counted_once(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
    let week = ReportWeek::containing(samordna::web::today() - chrono::Days::new(7), 1);
    let pair = sqlx::query!(
        r#"select a.id as first, b.id as second from est_incident a
           join est_report ra on ra.id = a.report_id join est_incident b on true
           join est_report rb on rb.id = b.report_id
           where ra.week_start = $1 and rb.week_start = $1 and ra.organisation_id <> rb.organisation_id
           limit 1"#,
        week.monday
    )
    .fetch_one(&app.db)
    .await
    .expect("two incidents");
    let before = texts(
        &app.get_html(&format!("/est/lagesbild/{}", week.key()))
            .await,
        "#summary-title + p",
    )[0]
    .clone();
    let reported: usize = before
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("count");

    let response = app
        .post(
            &format!("/est/handelse/{}/samma", pair.second),
            &[
                ("duplicate_of", &pair.first.to_string()),
                ("vecka", &week.key()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let after = texts(
        &app.get_html(&format!("/est/lagesbild/{}", week.key()))
            .await,
        "#summary-title + p",
    )[0]
    .clone();
    assert!(
        after.starts_with(&format!(
            "{} händelser ({reported} rapporterade, samma händelse räknas en gång)",
            reported - 1
        )),
        "{after}"
    );

    let member = TestApp::spawn(app.db.clone()).await;
    member.login(SECURITAS).await;
    let response = member
        .post(
            &format!("/est/handelse/{}/samma", pair.first),
            &[("duplicate_of", ""), ("vecka", &week.key())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_cooperation_need_stays_open_until_closed_with_a_note(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(SECURITAS).await;
    let (week, org) = open_report(&app).await;
    app.post(
        "/est/rapport/samverkan",
        &[
            ("vecka", &week),
            ("org", &org),
            ("need_title", "Röj buskagen vid gångtunneln"),
            ("with_whom", ""),
            ("handled_by", ""),
        ],
    )
    .await;
    let need = sqlx::query_scalar!(
        "select id from cooperation_need where title = 'Röj buskagen vid gångtunneln'"
    )
    .fetch_one(&app.db)
    .await
    .expect("need");
    let coordinator = TestApp::spawn(app.db.clone()).await;
    coordinator.login(COORDINATOR).await;
    let next_week = ReportWeek::parse(&week).expect("week").next(1).key();

    let response = coordinator
        .post(
            &format!("/est/samverkan/{need}"),
            &[
                ("status", "closed"),
                ("note", ""),
                ("handled_by", ""),
                ("vecka", &week),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    coordinator
        .post(
            &format!("/est/samverkan/{need}"),
            &[
                ("status", "in_progress"),
                ("note", ""),
                ("handled_by", "Fastigheter i Linde AB"),
                ("vecka", &week),
            ],
        )
        .await;
    let open = coordinator
        .get_html(&format!("/est/lagesbild/{next_week}"))
        .await;
    assert!(
        texts(&open, "#samverkan tbody tr")
            .iter()
            .any(|r| r.contains("Röj buskagen") && r.contains("Fastigheter i Linde AB Pågår")),
        "still listed the week after"
    );

    let response = coordinator
        .post(
            &format!("/est/samverkan/{need}"),
            &[
                ("status", "closed"),
                ("note", "Buskagen röjdes på tisdagen."),
                ("handled_by", ""),
                ("vecka", &week),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let status = sqlx::query_scalar!("select status from cooperation_need where id = $1", need)
        .fetch_one(&app.db)
        .await
        .expect("status");
    assert_eq!(status, "closed");
    let later = ReportWeek::parse(&next_week).expect("week").next(1).key();
    let page = coordinator
        .get_html(&format!("/est/lagesbild/{later}"))
        .await;
    assert!(
        !texts(&page, "#samverkan tbody tr")
            .iter()
            .any(|r| r.contains("Röj buskagen"))
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn this_weeks_priorities_show_next_week_with_how_they_went(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
    let week = ReportWeek::containing(samordna::web::today(), 1);
    let police = position_id(&app.db, "Lindesbergs kommun", "Kommunpolis").await;

    let response = app
        .post(
            &format!("/est/lagesbild/{}/prioritet", week.key()),
            &[
                ("kind", "hot_spot"),
                ("text", "Resecentrum kvällstid"),
                ("owner_position_id", &police.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let id =
        sqlx::query_scalar!("select id from est_priority where text = 'Resecentrum kvällstid'")
            .fetch_one(&app.db)
            .await
            .expect("priority");
    let next = week.next(1).key();
    app.post(
        &format!("/est/prioritet/{id}/utfall"),
        &[("outcome", "Två ronder, lugnare kvällar"), ("vecka", &next)],
    )
    .await;

    let page = app.get_html(&format!("/est/lagesbild/{next}")).await;
    let last = texts(&page, "#prioriteringar .entries li");
    assert!(last[0].starts_with("Hot-spot: Resecentrum kvällstid (ansvarig Kommunpolis). Utfall: Två ronder, lugnare kvällar"), "{last:?}");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn categories_and_areas_are_data_the_coordinator_keeps(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
    let parent = sqlx::query_scalar!("select id from incident_category where name = 'Trafik' and parent_id is null and municipality_id = (select id from municipality where slug = 'lindesberg')")
        .fetch_one(&app.db)
        .await
        .expect("category");

    app.post(
        "/est/installningar/kategori",
        &[("name", "Fyrhjuling"), ("parent_id", &parent.to_string())],
    )
    .await;
    app.post("/est/installningar/omrade", &[("area_name", "Rockhammar")])
        .await;
    let response = app
        .post("/est/installningar/omrade", &[("area_name", "Frövi")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let reporter = TestApp::spawn(app.db.clone()).await;
    reporter.login(SECURITAS).await;
    let form = reporter.get_html("/est/rapport").await;
    assert!(texts(&form, "#category_id option").contains(&"Trafik: Fyrhjuling".to_owned()));
    assert!(texts(&form, "#area_id option").contains(&"Rockhammar".to_owned()));
    let areas = texts(&form, "#area_id option");
    for expected in [
        "Lindesberg",
        "Frövi",
        "Fellingsbro",
        "Storå",
        "Vedevåg",
        "Guldsmedshyttan",
        "Ramsberg",
    ] {
        assert!(areas.contains(&expected.to_owned()), "{expected}");
    }
    assert_eq!(
        reporter.get("/est/installningar").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_demo_has_a_year_of_reports_from_every_est_organisation_with_gaps(db: sqlx::PgPool) {
    samordna::seed::load_demo(&db).await.expect("seed");
    let per_org: Vec<i64> = sqlx::query_scalar!(
        r#"select count(*) as "n!" from est_report group by organisation_id order by 1"#
    )
    .fetch_all(&db)
    .await
    .expect("reports");
    assert_eq!(
        per_org.len(),
        8,
        "every EST organisation but the convener's"
    );
    assert!(
        per_org.iter().all(|n| (35..=52).contains(n)),
        "about a year: {per_org:?}"
    );
    assert!(
        per_org.iter().filter(|n| **n < 52).count() >= 4,
        "with some gaps: {per_org:?}"
    );
    samordna::seed::load_demo(&db).await.expect("seed again");
    let total: i64 = sqlx::query_scalar!(r#"select count(*) as "n!" from est_report"#)
        .fetch_one(&db)
        .await
        .expect("total");
    assert_eq!(total, per_org.iter().sum::<i64>());
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn once_this_weeks_meeting_has_started_the_form_and_the_index_are_for_next_week(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    let today = samordna::web::today();
    let this_week = ReportWeek::containing(today, 1);
    let week_start = samordna::meetings::schedule::day_start(this_week.monday);
    let est = group_id(&app.db, "Lindesbergs kommun", "EST").await;
    // This week's EST meeting began a minute ago (or at the week's start).
    sqlx::query!(
        "delete from meeting where work_group_id = $1 and starts_at >= $2 and municipality_id = $3",
        est,
        week_start,
        municipality_id(&app.db, "Lindesbergs kommun").await
    )
    .execute(&app.db)
    .await
    .expect("clear");
    let meeting = uuid::Uuid::now_v7();
    sqlx::query!(
        r#"insert into meeting (id, municipality_id, work_group_id, starts_at, ends_at, form)
           select $1, municipality_id, id, greatest(now() - interval '1 minute', $2), now() + interval '1 hour', 'in_person'
           from work_group where id = $3"#,
        meeting,
        week_start,
        est
    )
    .execute(&app.db)
    .await
    .expect("meeting");
    app.login(SECURITAS).await;
    let next = this_week.next(1);

    let form = app.get_html("/est/rapport").await;
    let index = app.get_html("/est").await;

    assert!(texts(&form, "title")[0].starts_with(&format!("EST-rapport {} –", next.label())));
    assert!(texts(&index, ".lead")[0].starts_with(&next.label()));

    // A cancelled meeting does not lock the week.
    sqlx::query!(
        "update meeting set status = 'cancelled' where id = $1 and municipality_id = $2",
        meeting,
        municipality_id(&app.db, "Lindesbergs kommun").await
    )
    .execute(&app.db)
    .await
    .expect("cancel");
    let form = app.get_html("/est/rapport").await;
    assert!(texts(&form, "title")[0].starts_with(&format!("EST-rapport {} –", this_week.label())));
}
