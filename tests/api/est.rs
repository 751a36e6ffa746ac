//! EST: weekly reports, the personal-data guard, deadlines, the lägesbild,
//! CSV, gallring and access.

use reqwest::StatusCode;
use samordna::est::week::ReportWeek;

use crate::helpers::*;

const EST_SOCIAL: &str = "est.social@lindesberg.example";

async fn leaf_category(app: &TestApp, parent: &str, name: &str) -> uuid::Uuid {
    db_value!(
        &app.db,
        "select c.id from incident_category c join incident_category p on p.id = c.parent_id
         join municipality m on m.id = c.municipality_id
         where m.slug = 'lindesberg' and p.name = $1 and c.name = $2",
        parent,
        name
    )
}

async fn area(app: &TestApp, name: &str) -> uuid::Uuid {
    db_value!(
        &app.db,
        "select a.id from area a join municipality m on m.id = a.municipality_id where m.slug = 'lindesberg' and a.name = $1",
        name
    )
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
    post_to_report(app, "handelse", week, org, &form).await
}

/// Reports an incident (see [`post_incident`]) and asserts it was taken.
async fn report_incident(app: &TestApp, week: &str, org: &str, description: &str) {
    let response = post_incident(app, week, org, description, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{description}");
}

/// Adds a cooperation need titled `title`, with no partner and no one
/// handling it yet, to `org`'s report for `week`.
async fn add_need(app: &TestApp, week: &str, org: &str, title: &str) {
    let fields = [("need_title", title), ("with_whom", ""), ("handled_by", "")];
    post_to_report(app, "samverkan", week, org, &fields).await;
}

/// The lägesbild's summary line for `week` ("12 händelser (…)").
async fn summary_line(app: &TestApp, week: &str) -> String {
    let page = app.get_html(&format!("/est/lagesbild/{week}")).await;
    texts(&page, "#summary-title + p")[0].clone()
}

/// Posts to one part of `org`'s report for `week` (`handelse`, `kommande`,
/// `samverkan`): the week and organisation first, then `fields`.
async fn post_to_report(
    app: &TestApp,
    part: &str,
    week: &str,
    org: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = vec![("vecka", week), ("org", org)];
    form.extend_from_slice(fields);
    app.post(&format!("/est/rapport/{part}"), &form).await
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

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_report_filed_in_the_form_shows_in_the_lagesbild_and_the_csv(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let (week, org) = open_report(&app).await;

    report_incident(&app, &week, &org, "Klotter på busskuren vid resecentrum.").await;
    let next_saturday = (samordna::web::today() + chrono::Days::new(5)).to_string();
    let response = post_to_report(
        &app,
        "kommande",
        &week,
        &org,
        &[
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
    let response = post_to_report(
        &app,
        "samverkan",
        &week,
        &org,
        &[
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

    let coordinator = app.beside(COORDINATOR).await;
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
    assert_listed(&texts(&page, ".reporters li"), "Securitas: Har rapporterat");

    let csv = coordinator
        .get_text(&format!("/est/lagesbild/{week}.csv"))
        .await;
    let line = csv
        .lines()
        .find(|l| l.contains("Klotter på busskuren"))
        .expect("csv line");
    assert!(line.ends_with(";Securitas;;Kim Johansson;;"), "{line}");
    assert!(
        csv.lines()
            .next()
            .expect("header")
            .ends_with("skriven av;latitud;longitud")
    );

    // An EST member reads the lägesbild, but not who wrote what.
    let member = app.beside(EST_SOCIAL).await;
    let csv = member.get_text(&format!("/est/lagesbild/{week}.csv")).await;
    assert!(!csv.contains("skriven av") && !csv.contains("Kim Johansson"));
    let page = member.get_html(&format!("/est/lagesbild/{week}")).await;
    assert!(!page.html().contains("Kim Johansson"));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn nothing_to_report_is_one_click_and_counts_as_reported(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    // On a Tuesday morning the demo may already hold this week's report.
    db_run!(
        &app.db,
        "delete from est_report where organisation_id in (select id from organisation where name in ('Socialförvaltningen', 'Securitas')) and week_start >= current_date - 7 and municipality_id = $1",
        municipality_id(&app.db, "Lindesbergs kommun").await
    );
    app.login(EST_SOCIAL).await;
    let (week, org) = open_report(&app).await;

    let offers = |page: &scraper::Html| {
        texts(page, "button")
            .iter()
            .any(|b| b == "Inget att rapportera den här veckan")
    };
    assert!(offers(&app.get_html("/est/rapport").await));
    app.assert_post_status(
        "/est/rapport/inget",
        &[("vecka", &week), ("org", &org)],
        StatusCode::SEE_OTHER,
    )
    .await;
    // Said once, not offered again, and not "no entries yet" beside it.
    let form = app.get_html("/est/rapport").await;
    assert_eq!(
        texts(&form, ".notice"),
        ["Inget att rapportera den här veckan."]
    );
    assert!(!offers(&form));
    assert!(!texts(&form, "main p").contains(&"Inga poster ännu.".to_owned()));

    let coordinator = app.beside(COORDINATOR).await;
    let page = coordinator.get_html(&format!("/est?vecka={week}")).await;
    let rows = texts(&page, "tbody tr");
    assert!(
        rows.iter()
            .any(|r| r.starts_with("Socialförvaltningen Inget att rapportera 0")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with("Securitas Inte rapporterat ännu")),
        "{rows:?}"
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn after_the_meeting_started_the_report_is_locked_until_the_coordinator_unlocks_it(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let (_, org) = open_report(&app).await;
    let past = week_key(14);
    let before = rows_in(&app.db, "est_incident").await;

    let response = post_incident(&app, &past, &org, "Sent inkommen händelse.", &[]).await;

    let page = refused_page(response).await;
    assert!(
        texts(&page, ".error-summary li")[0].contains("låstes"),
        "the page says why"
    );
    assert_eq!(rows_in(&app.db, "est_incident").await, before);

    let coordinator = app.beside(COORDINATOR).await;
    coordinator
        .assert_post_status(
            "/est/las-upp",
            &[("vecka", &past), ("organisation_id", &org)],
            StatusCode::SEE_OTHER,
        )
        .await;

    report_incident(&app, &past, &org, "Sent inkommen händelse.").await;
    assert_eq!(rows_in(&app.db, "est_incident").await, before + 1);
    let late = db_value!(
        &app.db,
        "select r.late from est_report r join est_incident i on i.report_id = r.id where i.description = 'Sent inkommen händelse.'"
    );
    assert!(late);
    let log = texts(
        &coordinator.get_html("/admin/logg").await,
        "tbody tr td:nth-child(3)",
    );
    assert_listed(&log, "låste upp EST-rapport");
    assert_listed(&log, "rapporterade händelse EST-rapport");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_incident_is_changed_in_place_and_only_within_its_own_report(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let (week, org) = open_report(&app).await;
    post_incident(&app, &week, &org, "Klotter på busskuren.", &[]).await;
    let id: uuid::Uuid = db_value!(
        &app.db,
        "select id from est_incident where description = 'Klotter på busskuren.'"
    );
    let before = rows_in(&app.db, "est_incident").await;

    let form = app
        .get_html(&format!("/est/rapport?vecka={week}&org={org}&andra={id}"))
        .await;
    assert_eq!(texts(&form, "#handelser-title"), ["Ändra händelsen"]);
    assert_eq!(texts(&form, "#description"), ["Klotter på busskuren."]);
    assert_value(&form, "#place", "busstationen");
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
    assert_eq!(
        rows_in(&app.db, "est_incident").await,
        before,
        "changed, not added"
    );
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
    // The week after the open one (which is next week once this week's
    // meeting has begun).
    let next = ReportWeek::parse(&week).expect("week").next(1).key();
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
    let coordinator = app.beside(COORDINATOR).await;
    let log = texts(
        &coordinator.get_html("/admin/logg").await,
        "tbody tr td:nth-child(3)",
    );
    assert_listed(&log, "ändrade händelse EST-rapport");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_coming_event_and_a_need_are_changed_in_place_until_the_lock(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let (week, org) = open_report(&app).await;
    let in_three_days = (samordna::web::today() + chrono::Days::new(3)).to_string();
    let in_four_days = (samordna::web::today() + chrono::Days::new(4)).to_string();
    let event = |title: &'static str, date: String, risk: &'static str, andra: String| {
        let (week, org) = (week.clone(), org.clone());
        let app = &app;
        async move {
            post_to_report(
                app,
                "kommande",
                week.as_str(),
                org.as_str(),
                &[
                    ("title", title),
                    ("occurs_on", date.as_str()),
                    ("risk", risk),
                    ("andra", andra.as_str()),
                ],
            )
            .await
        }
    };
    let response = event(
        "Marknad på torget",
        in_three_days.clone(),
        "low",
        String::new(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    post_to_report(
        &app,
        "samverkan",
        week.as_str(),
        org.as_str(),
        &[
            ("need_title", "Fler vuxna ute på fredagskvällar"),
            ("with_whom", "Fältgruppen"),
        ],
    )
    .await;
    let event_id = db_value!(
        &app.db,
        "select id from est_coming_event where title = 'Marknad på torget'"
    );
    let need_id = db_value!(
        &app.db,
        "select id from cooperation_need where title = 'Fler vuxna ute på fredagskvällar'"
    );

    // Each card offers "Ändra", which fills the entry's own form and no other.
    let report = app
        .get_html(&format!("/est/rapport?vecka={week}&org={org}"))
        .await;
    let selector = scraper::Selector::parse(".entry-actions a").expect("selector");
    let links: Vec<&str> = report
        .select(&selector)
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(
        links
            .iter()
            .any(|l| l.ends_with(&format!("andra={event_id}#kommande"))),
        "{links:?}"
    );
    assert!(
        links
            .iter()
            .any(|l| l.ends_with(&format!("andra={need_id}#samverkan"))),
        "{links:?}"
    );
    let form = app
        .get_html(&format!(
            "/est/rapport?vecka={week}&org={org}&andra={event_id}"
        ))
        .await;
    assert_eq!(
        texts(&form, "#kommande-title"),
        ["Ändra den kommande händelsen"]
    );
    assert_eq!(texts(&form, "#handelser-title"), ["Lägg till en händelse"]);
    assert_value(&form, "#title", "Marknad på torget");
    assert_eq!(value_of(&form, "#occurs_on"), Some(in_three_days.clone()));
    assert_value(&form, "#risk-low[checked]", "low");
    assert_eq!(
        value_of(&form, "#kommande input[name=andra]"),
        Some(event_id.to_string())
    );
    assert_eq!(value_of(&form, "#handelser input[name=andra]"), None);

    // A refused change keeps the form a change, with what was typed.
    let response = event("", in_four_days.clone(), "high", event_id.to_string()).await;
    let again = refused_page(response).await;
    assert_eq!(
        texts(&again, "#kommande-title"),
        ["Ändra den kommande händelsen"]
    );
    assert_eq!(
        value_of(&again, "#kommande input[name=andra]"),
        Some(event_id.to_string())
    );
    assert_eq!(value_of(&again, "#occurs_on"), Some(in_four_days.clone()));

    let response = event(
        "Marknad och loppis på torget",
        in_four_days.clone(),
        "high",
        event_id.to_string(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored = db_rows!(
        &app.db,
        "select title, occurs_on, risk from est_coming_event where report_id = (select report_id from est_coming_event where id = $1)",
        event_id
    );
    assert_eq!(stored.len(), 1, "changed, not added");
    assert_eq!(
        stored[0].title.as_deref(),
        Some("Marknad och loppis på torget")
    );
    assert_eq!(stored[0].occurs_on.to_string(), in_four_days);
    assert_eq!(stored[0].risk, "high");
    let page = app
        .get_html(location(&response).split('#').next().expect("path"))
        .await;
    assert_eq!(
        texts(&page, &format!("#post-{event_id} .flash")),
        ["Den kommande händelsen är ändrad."]
    );

    let response = post_to_report(
        &app,
        "samverkan",
        week.as_str(),
        org.as_str(),
        &[
            (
                "need_title",
                "Fler vuxna ute på fredags- och lördagskvällar",
            ),
            ("handled_by", "Securitas och fältgruppen"),
            ("andra", &need_id.to_string()),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let need = db_row!(
        &app.db,
        "select title, with_whom, handled_by, status from cooperation_need where id = $1",
        need_id
    );
    assert_eq!(
        need.title.as_deref(),
        Some("Fler vuxna ute på fredags- och lördagskvällar")
    );
    assert_eq!(need.with_whom, None, "an emptied field is emptied");
    assert_eq!(
        need.handled_by.as_deref(),
        Some("Securitas och fältgruppen")
    );
    assert_eq!(need.status, "open", "a change of text leaves the status");

    // An entry of another kind or another week's report is not found, and
    // nothing changes.
    let next = ReportWeek::parse(&week).expect("week").next(1).key();
    let response = post_to_report(
        &app,
        "samverkan",
        next.as_str(),
        org.as_str(),
        &[("need_title", "Flyttad?"), ("andra", &need_id.to_string())],
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = event(
        "Som behov?",
        in_four_days.clone(),
        "low",
        need_id.to_string(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let titles: Vec<Option<String>> = db_values!(
        &app.db,
        "select title from cooperation_need where id = $1",
        need_id
    );
    assert_eq!(
        titles,
        [Some(
            "Fler vuxna ute på fredags- och lördagskvällar".to_owned()
        )]
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn unlock_is_offered_only_on_locked_reports_and_each_status_is_said_in_words(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let unlock_buttons = |page: &scraper::Html| {
        texts(
            page,
            r#"table[aria-labelledby=reported-title] tbody form[action="/est/las-upp"] button"#,
        )
    };

    let open = app.get_html("/est").await;
    let rows = texts(&open, "table[aria-labelledby=reported-title] tbody tr");
    assert!(!rows.is_empty());
    assert!(
        unlock_buttons(&open).is_empty(),
        "nothing to unlock: {rows:?}"
    );
    assert!(rows.iter().all(|r| r.contains("Öppen")), "{rows:?}");

    let past = week_key(14);
    let locked = app.get_html(&format!("/est?vecka={past}")).await;
    assert_eq!(unlock_buttons(&locked).len(), rows.len());
    let tags = texts(&locked, "tbody td .status");
    assert!(
        tags.iter().all(|t| !t.is_empty()),
        "every tag has words: {tags:?}"
    );
    assert_listed(&tags, "Låst");

    let org = value_of(&locked, "input[name=organisation_id]").expect("an organisation");
    app.assert_post_status(
        "/est/las-upp",
        &[("vecka", &past), ("organisation_id", &org)],
        StatusCode::SEE_OTHER,
    )
    .await;
    let after = app.get_html(&format!("/est?vecka={past}")).await;
    assert_eq!(unlock_buttons(&after).len(), rows.len() - 1);
    assert_eq!(texts(&after, "tbody td .status-unlocked"), ["Upplåst"]);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn identity_numbers_in_any_form_are_refused_and_nothing_is_stored(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let (week, org) = open_report(&app).await;
    let before = rows_in(&app.db, "est_incident").await;

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
        let personal = "personnummer eller samordningsnummer";
        let page = assert_refused_by(response, "description", personal, number).await;
        let error = texts(&page, "#description-error").join("");
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
    assert_eq!(rows_in(&app.db, "est_incident").await, before);

    // A number that fails the Luhn check is not an identity number.
    report_incident(
        &app,
        &week,
        &org,
        "Ärendenummer 811218-9875 hos larmcentralen.",
    )
    .await;
    assert_eq!(rows_in(&app.db, "est_incident").await, before + 1);

    // An identity number in a coming event is refused too.
    let response = post_to_report(
        &app,
        "kommande",
        &week,
        &org,
        &[
            ("title", "Fest hos 811218-9876"),
            ("occurs_on", &samordna::web::today().to_string()),
            ("risk", "low"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let events: i64 = db_value!(
        &app.db,
        r#"select count(*) as "n!" from est_coming_event where title like 'Fest%'"#
    );
    assert_eq!(events, 0);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_email_or_phone_number_needs_the_writers_confirmation(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let (week, org) = open_report(&app).await;
    let before = rows_in(&app.db, "est_incident").await;
    let text = "Anmälare nås på 070-123 45 67.";

    let response = post_incident(&app, &week, &org, text, &[]).await;
    let page = refused_page(response).await;
    assert!(texts(&page, "#description-error")[0].contains("telefonnummer"));
    assert_eq!(
        texts(&page, "label[for=confirm_personal_data]"),
        ["Jag har kontrollerat texten: ingen person kan identifieras."]
    );
    assert_eq!(rows_in(&app.db, "est_incident").await, before);

    let response = post_incident(&app, &week, &org, text, &[("confirm_personal_data", "ja")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(rows_in(&app.db, "est_incident").await, before + 1);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_est_member_cannot_file_for_another_organisation(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let (week, _) = open_report(&app).await;
    let social = db_value!(
        &app.db,
        "select id from organisation where name = 'Socialförvaltningen'"
    );
    let before = rows_in(&app.db, "est_incident").await;

    let response = post_incident(&app, &week, &social.to_string(), "Försök", &[]).await;

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    app.assert_status(&format!("/est/rapport?org={social}"), StatusCode::FORBIDDEN)
        .await;
    assert_eq!(rows_in(&app.db, "est_incident").await, before);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_styrgrupp_member_cannot_read_the_free_texts(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, "kso@lindesberg.example").await;
    let week = week_key(0);

    app.assert_status(&format!("/est/lagesbild/{week}"), StatusCode::FORBIDDEN)
        .await;
    app.assert_status(&format!("/est/lagesbild/{week}.csv"), StatusCode::FORBIDDEN)
        .await;
    app.assert_status("/est/rapport", StatusCode::FORBIDDEN)
        .await;
    app.assert_status("/est", StatusCode::FORBIDDEN).await;

    // LindeBRÅ's members read it.
    let council = app.beside("fc.social@lindesberg.example").await;
    council
        .assert_status(&format!("/est/lagesbild/{week}"), StatusCode::OK)
        .await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn gallring_removes_the_texts_and_keeps_the_counts(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let week = week_key(7);
    let before = app.get_html(&format!("/est/lagesbild/{week}")).await;
    let counts_before = texts(&before, "#summary-title ~ .two-col table");
    let total = rows_in(&app.db, "est_incident").await;

    // 25 months on, everything is older than Lindesberg's 24 months.
    let later = chrono::Utc::now() + chrono::TimeDelta::days(25 * 31);
    let removed = samordna::est::retention::run(&app.db, later)
        .await
        .expect("gallring");

    assert_eq!(i64::try_from(removed.incidents).expect("n"), total);
    let left = db_row!(
        &app.db,
        r#"select count(*) filter (where description is not null or place is not null) as "texts!",
                  count(*) as "all!" from est_incident"#
    );
    assert_eq!((left.texts, left.all), (0, total));
    let after = app.get_html(&format!("/est/lagesbild/{week}")).await;
    assert_eq!(
        texts(&after, "#summary-title ~ .two-col table"),
        counts_before
    );
    assert_listed(&texts(&after, "#handelser tbody td"), "Gallrad");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_same_event_from_two_organisations_is_counted_once(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let week = ReportWeek::containing(samordna::web::today() - chrono::Days::new(7), 1);
    let pair = db_row!(
        &app.db,
        r#"select a.id as first, b.id as second from est_incident a
           join est_report ra on ra.id = a.report_id join est_incident b on true
           join est_report rb on rb.id = b.report_id
           where ra.week_start = $1 and rb.week_start = $1 and ra.organisation_id <> rb.organisation_id
           limit 1"#,
        week.monday
    );
    let before = summary_line(&app, &week.key()).await;
    let reported: usize = before
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("count");

    app.assert_post_status(
        &format!("/est/handelse/{}/samma", pair.second),
        &[
            ("duplicate_of", &pair.first.to_string()),
            ("vecka", &week.key()),
        ],
        StatusCode::SEE_OTHER,
    )
    .await;

    let after = summary_line(&app, &week.key()).await;
    assert!(
        after.starts_with(&format!(
            "{} händelser ({reported} rapporterade, samma händelse räknas en gång)",
            reported - 1
        )),
        "{after}"
    );

    let member = app.beside(SECURITAS).await;
    member
        .assert_post_status(
            &format!("/est/handelse/{}/samma", pair.first),
            &[("duplicate_of", ""), ("vecka", &week.key())],
            StatusCode::FORBIDDEN,
        )
        .await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_cooperation_need_stays_open_until_closed_with_a_note(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let (week, org) = open_report(&app).await;
    add_need(&app, &week, &org, "Röj buskagen vid gångtunneln").await;
    let need = db_value!(
        &app.db,
        "select id from cooperation_need where title = 'Röj buskagen vid gångtunneln'"
    );
    let coordinator = app.beside(COORDINATOR).await;
    let next_week = ReportWeek::parse(&week).expect("week").next(1).key();

    // Closing without a note is refused by the need's own form, open, with
    // what was typed in it kept.
    let refused = coordinator
        .refused_post(
            &format!("/est/samverkan/{need}"),
            &[
                ("status", "closed"),
                ("note", ""),
                ("handled_by", "Teknik och fritid"),
                ("vecka", &week),
            ],
        )
        .await;
    assert_field_errors(
        &refused,
        "note",
        &["Fel: Skriv vad som gjordes innan behovet avslutas."],
    );
    let row = format!("form[action='/est/samverkan/{need}']");
    assert_value(&refused, &format!("{row} #handled_by"), "Teknik och fritid");
    assert_eq!(
        texts(&refused, &format!("{row} select option[selected]")),
        ["Avslutat"]
    );
    assert_eq!(
        refused
            .select(&scraper::Selector::parse("details.change-need[open]").expect("selector"))
            .count(),
        1
    );
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

    coordinator
        .assert_post_status(
            &format!("/est/samverkan/{need}"),
            &[
                ("status", "closed"),
                ("note", "Buskagen röjdes på tisdagen."),
                ("handled_by", ""),
                ("vecka", &week),
            ],
            StatusCode::SEE_OTHER,
        )
        .await;
    let status = db_value!(
        &app.db,
        "select status from cooperation_need where id = $1",
        need
    );
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
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let week = ReportWeek::containing(samordna::web::today(), 1);
    let police = lindesberg_position(&app.db, "Kommunpolis").await;

    app.assert_post_status(
        &format!("/est/lagesbild/{}/prioritet", week.key()),
        &[
            ("kind", "hot_spot"),
            ("text", "Resecentrum kvällstid"),
            ("owner_position_id", &police.to_string()),
        ],
        StatusCode::SEE_OTHER,
    )
    .await;
    let id = db_value!(
        &app.db,
        "select id from est_priority where text = 'Resecentrum kvällstid'"
    );
    let next = week.next(1).key();
    // A refused outcome is shown again in that priority's own field.
    let long = "Två ronder. ".repeat(100);
    let refused = app
        .refused_post(
            &format!("/est/prioritet/{id}/utfall"),
            &[("outcome", &long), ("vecka", &next)],
        )
        .await;
    assert_eq!(texts(&refused, "#outcome-error").len(), 1);
    assert_value(
        &refused,
        &format!("form[action='/est/prioritet/{id}/utfall'] #outcome"),
        &long,
    );
    app.post(
        &format!("/est/prioritet/{id}/utfall"),
        &[("outcome", "Två ronder, lugnare kvällar"), ("vecka", &next)],
    )
    .await;

    let page = app.get_html(&format!("/est/lagesbild/{next}")).await;
    let last = texts(&page, "#prioriteringar .entries li");
    assert!(last[0].starts_with("Brännpunkt: Resecentrum kvällstid (ansvarig Kommunpolis). Utfall: Två ronder, lugnare kvällar"), "{last:?}");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn categories_and_areas_are_data_the_coordinator_keeps(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let parent = db_value!(
        &app.db,
        "select id from incident_category where name = 'Trafik' and parent_id is null and municipality_id = (select id from municipality where slug = 'lindesberg')"
    );

    app.post(
        "/est/installningar/kategori",
        &[("name", "Fyrhjuling"), ("parent_id", &parent.to_string())],
    )
    .await;
    app.post("/est/installningar/omrade", &[("area_name", "Rockhammar")])
        .await;
    app.assert_post_status(
        "/est/installningar/omrade",
        &[("area_name", "Frövi")],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    let reporter = app.beside(SECURITAS).await;
    let form = reporter.get_html("/est/rapport").await;
    assert_listed(&texts(&form, "#category_id option"), "Trafik – fyrhjuling");
    assert_listed(&texts(&form, "#area_id option"), "Rockhammar");
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
    reporter
        .assert_status("/est/installningar", StatusCode::FORBIDDEN)
        .await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_demo_has_a_year_of_reports_from_every_est_organisation_with_gaps(db: sqlx::PgPool) {
    samordna::seed::load_demo(&db).await.expect("seed");
    let per_org: Vec<i64> = db_values!(
        &db,
        r#"select count(*) as "n!" from est_report group by organisation_id order by 1"#
    );
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
    let total: i64 = db_value!(&db, r#"select count(*) as "n!" from est_report"#);
    assert_eq!(total, per_org.iter().sum::<i64>());
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn once_this_weeks_meeting_has_started_the_form_and_the_index_are_for_next_week(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    let today = samordna::web::today();
    let this_week = ReportWeek::containing(today, 1);
    let week_start = samordna::web::day_start(this_week.monday);
    let est = lindesberg_group(&app.db, "EST").await;
    // This week's EST meeting began a minute ago (or at the week's start).
    db_run!(
        &app.db,
        "delete from meeting where work_group_id = $1 and starts_at >= $2 and municipality_id = $3",
        est,
        week_start,
        municipality_id(&app.db, "Lindesbergs kommun").await
    );
    let meeting = uuid::Uuid::now_v7();
    db_run!(
        &app.db,
        r#"insert into meeting (id, municipality_id, work_group_id, starts_at, ends_at, form)
           select $1, municipality_id, id, greatest(now() - interval '1 minute', $2), now() + interval '1 hour', 'in_person'
           from work_group where id = $3"#,
        meeting,
        week_start,
        est
    );
    app.login(SECURITAS).await;
    let next = this_week.next(1);

    let form = app.get_html("/est/rapport").await;
    let index = app.get_html("/est").await;

    assert!(texts(&form, "title")[0].starts_with(&format!("EST-rapport {} –", next.label())));
    assert!(texts(&index, ".lead")[0].starts_with(&next.label()));

    // A cancelled meeting does not lock the week.
    db_run!(
        &app.db,
        "update meeting set status = 'cancelled' where id = $1 and municipality_id = $2",
        meeting,
        municipality_id(&app.db, "Lindesbergs kommun").await
    );
    let form = app.get_html("/est/rapport").await;
    assert!(texts(&form, "title")[0].starts_with(&format!("EST-rapport {} –", this_week.label())));
}

// Issue 18: the daily flows, looked at.

/// The cooperation need's row in the lägesbild, by its title.
fn need_row(page: &scraper::Html, title: &str) -> String {
    rows(page, "#samverkan tbody tr")
        .into_iter()
        .find(|r| r.contains(title))
        .unwrap_or_else(|| panic!("no row for {title}"))
}

async fn need_status(app: &TestApp, need: uuid::Uuid) -> (String, Option<uuid::Uuid>) {
    let row = db_row!(
        &app.db,
        "select status, taken_by_organisation_id from cooperation_need where id = $1",
        need
    );
    (row.status, row.taken_by_organisation_id)
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn only_the_raising_and_the_taking_organisation_and_oversight_change_a_need(
    db: sqlx::PgPool,
) {
    const TITLE: &str = "Belysning i gångtunneln vid Lindbacka";
    let app = TestApp::demo_as(db, SECURITAS).await;
    let (week, org) = open_report(&app).await;
    post_to_report(&app, "samverkan", &week, &org, &[("need_title", TITLE)]).await;
    let need = db_value!(
        &app.db,
        "select id from cooperation_need where title = $1",
        TITLE
    );
    let lagesbild = format!("/est/lagesbild/{week}");
    let update = format!("/est/samverkan/{need}");
    let progress = [
        ("status", "in_progress"),
        ("note", ""),
        ("handled_by", ""),
        ("vecka", week.as_str()),
    ];

    // Another organisation's reporter sees no status control and is refused.
    let social = app.beside(EST_SOCIAL).await;
    let (_, social_org) = open_report(&social).await;
    let row = need_row(&social.get_html(&lagesbild).await, TITLE);
    assert!(!row.contains("Ny status"), "{row}");
    assert!(row.contains("Vi tar oss an det"), "{row}");
    let refused = social.post(&update, &progress).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("Du har inte behörighet")
    );
    // Nor may it take the need on for an organisation it does not report for.
    let forged_take = [("tar", org.as_str()), ("vecka", week.as_str())];
    social
        .assert_post_status(&update, &forged_take, StatusCode::FORBIDDEN)
        .await;
    assert_eq!(need_status(&app, need).await, ("open".to_owned(), None));

    // The raising organisation, the kommunpolis and the coordinator may.
    assert!(need_row(&app.get_html(&lagesbild).await, TITLE).contains("Ny status"));
    app.assert_post_status(&update, &progress, StatusCode::SEE_OTHER)
        .await;
    let police = TestApp::spawn(app.db.clone()).await;
    police.login_in(POLICE_LIAISON, "Lindesbergs kommun").await;
    assert!(need_row(&police.get_html(&lagesbild).await, TITLE).contains("Ny status"));
    police
        .assert_post_status(&update, &progress, StatusCode::SEE_OTHER)
        .await;
    let coordinator = app.beside(COORDINATOR).await;
    assert!(need_row(&coordinator.get_html(&lagesbild).await, TITLE).contains("Ny status"));

    // Another organisation takes it on; then it may follow it up, and a
    // third may neither change it nor take it over.
    let take = [("tar", social_org.as_str()), ("vecka", week.as_str())];
    social
        .assert_post_status(&update, &take, StatusCode::SEE_OTHER)
        .await;
    let social_id = uuid::Uuid::parse_str(&social_org).expect("id");
    assert_eq!(
        need_status(&app, need).await,
        ("in_progress".to_owned(), Some(social_id))
    );
    let row = need_row(&social.get_html(&lagesbild).await, TITLE);
    assert!(row.contains("Ny status"), "{row}");
    let bou = app.beside("est.bou@lindesberg.example").await;
    let (_, bou_org) = open_report(&bou).await;
    let row = need_row(&bou.get_html(&lagesbild).await, TITLE);
    assert!(
        !row.contains("Ny status") && !row.contains("Vi tar oss an det"),
        "{row}"
    );
    bou.assert_post_status(&update, &progress, StatusCode::FORBIDDEN)
        .await;
    bou.assert_post_status(
        &update,
        &[("tar", bou_org.as_str()), ("vecka", week.as_str())],
        StatusCode::FORBIDDEN,
    )
    .await;
    let close = [
        ("status", "closed"),
        ("note", "Armaturerna är bytta."),
        ("handled_by", ""),
        ("vecka", week.as_str()),
    ];
    social
        .assert_post_status(&update, &close, StatusCode::SEE_OTHER)
        .await;
    assert_eq!(
        need_status(&app, need).await,
        ("closed".to_owned(), Some(social_id))
    );
    let audited = db_value!(
        &app.db,
        r#"select count(*) as "n!" from audit_event where action = 'följde upp samverkansbehov' and entity_id = $1"#,
        need
    );
    assert_eq!(audited, 4);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_lagesbild_puts_what_the_group_acts_on_first_and_says_which_week(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let week = ReportWeek::containing(samordna::web::today(), 1);
    let page = app
        .get_html(&format!("/est/lagesbild/{}", week.key()))
        .await;
    let headings = texts(&page, "main h2");
    let at = |h: &str| {
        headings
            .iter()
            .position(|x| x == h)
            .unwrap_or_else(|| panic!("{h} in {headings:?}"))
    };
    assert!(at("Kommande händelser") < at("Statistik"), "{headings:?}");
    assert!(at("Samverkansbehov") < at("Statistik"), "{headings:?}");
    assert!(at("Prioriteringar") < at("Statistik"), "{headings:?}");
    assert!(at("Statistik") < at("Händelser"), "{headings:?}");
    assert_listed(&texts(&page, "main h3"), "Brännpunkter");
    let html = page.html();
    assert!(!html.contains("Hot-spot"), "no English word left");
    let covers = texts(&page, ".covers").join(" ");
    let previous = week.previous(1);
    assert!(covers.contains(&previous.label()), "{covers}");
    assert!(covers.contains(&previous.monday.to_string()), "{covers}");
    assert!(
        covers.contains("EST-mötet") || covers.contains("Inget EST-möte"),
        "{covers}"
    );
    // The four-week table fits a phone as it is; its figures line up right.
    assert_eq!(texts(&page, "table.fit.trend").len(), 1);
    assert!(!texts(&page, "table.trend td.num").is_empty());
    // Its last column is the week the incidents happened, not the report's.
    let columns = texts(&page, "table.trend thead th");
    let happened = chrono::Datelike::iso_week(&previous.monday).week();
    assert_eq!(
        columns.last().map(String::as_str),
        Some(format!("v. {happened}").as_str()),
        "{columns:?}"
    );
    let map = texts(&page, "#karta-caption").join(" ");
    assert!(map.contains(&previous.label()), "{map}");
}

/// The location a response redirects to.
fn location(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn after_adding_the_page_opens_at_the_new_entry_with_its_message(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let (week, org) = open_report(&app).await;
    let response = post_incident(&app, &week, &org, "Krossad ruta i busskuren.", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let id = db_value!(
        &app.db,
        "select id from est_incident where description = 'Krossad ruta i busskuren.'"
    );
    let to = location(&response);
    assert!(to.ends_with(&format!("&ny={id}#post-{id}")), "{to}");
    let page = app.get_html(to.split('#').next().expect("path")).await;
    assert_eq!(
        texts(&page, &format!("#post-{id} .flash")),
        ["Händelsen är tillagd i rapporten."]
    );
    assert_eq!(texts(&page, ".flash").len(), 1, "the message shows once");

    let response = post_to_report(
        &app,
        "kommande",
        &week,
        &org,
        &[
            ("title", "Skolavslutning i Stadsparken"),
            (
                "occurs_on",
                &(samordna::web::today() + chrono::Days::new(3)).to_string(),
            ),
            ("risk", "medium"),
        ],
    )
    .await;
    let to = location(&response);
    let page = app.get_html(to.split('#').next().expect("path")).await;
    let anchor = to.split('#').nth(1).expect("anchor");
    assert_eq!(
        texts(&page, &format!("#{anchor} .flash")),
        ["Den kommande händelsen är tillagd i rapporten."]
    );
}

/// An entry removed twice (a double click on "Ta bort"): removed once, and
/// the repeat is told the form was already sent instead of "Sidan finns inte".
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_entry_removed_twice_is_removed_once_and_the_repeat_says_so(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let (week, org) = open_report(&app).await;
    post_incident(&app, &week, &org, "Stulen cykel vid stationen.", &[]).await;
    let id: uuid::Uuid = db_value!(
        &app.db,
        "select id from est_incident where description = 'Stulen cykel vid stationen.'"
    );
    let before = crate::double_submit::audit_rows(&app.db, "tog bort post").await;
    let (first, second) = crate::double_submit::post_form_twice(
        &app,
        &format!("/est/rapport?vecka={week}&org={org}"),
        &format!(r#"form[action="/est/rapport/handelse/{id}/ta-bort"]"#),
        &[],
    )
    .await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(incident_count_with(&app, id).await, 0);
    assert_eq!(
        crate::double_submit::flash_after(&app, &second).await,
        [samordna::web::idempotency::ALREADY_SENT]
    );
    assert_eq!(
        crate::double_submit::audit_rows(&app.db, "tog bort post").await,
        before + 1
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_removed_entry_comes_back_with_undo_until_the_lock(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let (week, org) = open_report(&app).await;
    post_incident(&app, &week, &org, "Stulen cykel vid stationen.", &[]).await;
    let id = db_value!(
        &app.db,
        "select id from est_incident where description = 'Stulen cykel vid stationen.'"
    );
    let which = [("vecka", week.as_str()), ("org", org.as_str())];
    let removed = app
        .post(&format!("/est/rapport/handelse/{id}/ta-bort"), &which)
        .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    assert_eq!(incident_count_with(&app, id).await, 0);
    let to = location(&removed);
    let page = app.get_html(to.split('#').next().expect("path")).await;
    assert_eq!(
        texts(&page, ".flash.undo p"),
        ["Händelsen är borttagen ur rapporten."]
    );
    assert_eq!(texts(&page, ".flash.undo button"), ["Ångra borttagningen"]);

    let undone = app
        .post(&format!("/est/rapport/handelse/{id}/angra"), &which)
        .await;
    assert_eq!(undone.status(), StatusCode::SEE_OTHER);
    assert!(location(&undone).ends_with(&format!("#post-{id}")));
    let back = db_value!(
        &app.db,
        "select description from est_incident where id = $1",
        id
    );
    assert_eq!(back.as_deref(), Some("Stulen cykel vid stationen."));
    // Undoing twice puts nothing back twice.
    app.post(&format!("/est/rapport/handelse/{id}/angra"), &which)
        .await;
    assert_eq!(incident_count_with(&app, id).await, 1);
    let actions = db_values!(
        &app.db,
        r#"select action from audit_event where action in ('tog bort post', 'återställde post') order by at"#
    );
    assert_eq!(actions, ["tog bort post", "återställde post"]);

    // Another organisation cannot put it back into its own report.
    let social = app.beside(EST_SOCIAL).await;
    let (_, social_org) = open_report(&social).await;
    app.post(&format!("/est/rapport/handelse/{id}/ta-bort"), &which)
        .await;
    social
        .assert_post_status(
            &format!("/est/rapport/handelse/{id}/angra"),
            &[("vecka", week.as_str()), ("org", social_org.as_str())],
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(incident_count_with(&app, id).await, 0);

    // Once the report is locked, nothing comes back: a past week, unlocked
    // for a while, then locked again.
    let past = week_key(14);
    let coordinator = app.beside(COORDINATOR).await;
    coordinator
        .post(
            "/est/las-upp",
            &[("vecka", past.as_str()), ("organisation_id", org.as_str())],
        )
        .await;
    post_incident(&app, &past, &org, "Sen händelse som togs bort.", &[]).await;
    let late = db_value!(
        &app.db,
        "select id from est_incident where description = 'Sen händelse som togs bort.'"
    );
    let which = [("vecka", past.as_str()), ("org", org.as_str())];
    app.post(&format!("/est/rapport/handelse/{late}/ta-bort"), &which)
        .await;
    db_run!(
        &app.db,
        "update est_report set unlocked_until = now() - interval '1 minute'
         where municipality_id = $1 and unlocked_until is not null",
        municipality_id(&app.db, "Lindesbergs kommun").await
    );
    app.assert_post_status(
        &format!("/est/rapport/handelse/{late}/angra"),
        &which,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(incident_count_with(&app, late).await, 0);
}

/// Undo puts back exactly what the removal took: a need with its
/// follow-up notes (removed with it by the database), an incident with the
/// "same event as" marks other organisations' incidents had on it.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn undo_puts_back_a_need_with_its_notes_and_an_incident_with_its_same_event_marks(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let (week, org) = open_report(&app).await;
    let which = [("vecka", week.as_str()), ("org", org.as_str())];
    add_need(
        &app,
        week.as_str(),
        org.as_str(),
        "Belysning vid gångtunneln",
    )
    .await;
    let need = db_value!(
        &app.db,
        "select id from cooperation_need where title = 'Belysning vid gångtunneln'"
    );
    let coordinator = app.beside(COORDINATOR).await;
    for note in ["Kommunen tittar på armaturerna.", "Två lampor bytta."] {
        coordinator
            .assert_post_status(
                &format!("/est/samverkan/{need}"),
                &[
                    ("status", "in_progress"),
                    ("note", note),
                    ("handled_by", "Samhällsbyggnad"),
                    ("vecka", week.as_str()),
                ],
                StatusCode::SEE_OTHER,
            )
            .await;
    }
    let notes = async || {
        db_values!(
            &app.db,
            r#"select to_jsonb(c.*) as "row!" from cooperation_note c where need_id = $1 order by at, id"#,
            need
        )
    };
    let need_row = async || {
        sqlx::query_scalar!(
            r#"select to_jsonb(n.*) as "row!" from cooperation_need n where id = $1"#,
            need
        )
        .fetch_optional(&app.db)
        .await
        .expect("need")
    };
    let (notes_before, need_before) = (notes().await, need_row().await);
    assert_eq!(notes_before.len(), 2);

    app.post(&format!("/est/rapport/samverkan/{need}/ta-bort"), &which)
        .await;
    assert!(notes().await.is_empty() && need_row().await.is_none());
    app.assert_post_status(
        &format!("/est/rapport/samverkan/{need}/angra"),
        &which,
        StatusCode::SEE_OTHER,
    )
    .await;
    assert_eq!(need_row().await, need_before);
    assert_eq!(notes().await, notes_before, "the notes, as they were");
    let next_week = ReportWeek::parse(&week).expect("week").next(1).key();
    let page = coordinator
        .get_html(&format!("/est/lagesbild/{next_week}"))
        .await;
    assert!(
        texts(&page, "#samverkan tbody tr")
            .iter()
            .any(|r| r.contains("Belysning vid gångtunneln")
                && r.contains("Senast: Två lampor bytta.")),
        "{:?}",
        texts(&page, "#samverkan tbody tr")
    );

    // An incident another organisation's incident was marked the same as.
    post_incident(&app, &week, &org, "Krossad ruta i väntsalen.", &[]).await;
    let social = app.beside(EST_SOCIAL).await;
    let (_, social_org) = open_report(&social).await;
    post_incident(
        &social,
        &week,
        &social_org,
        "Glasruta krossad på stationen.",
        &[],
    )
    .await;
    let id_of = async |text: &str| {
        db_value!(
            &app.db,
            "select id from est_incident where description = $1",
            text
        )
    };
    let (first, second) = (
        id_of("Krossad ruta i väntsalen.").await,
        id_of("Glasruta krossad på stationen.").await,
    );
    coordinator
        .assert_post_status(
            &format!("/est/handelse/{second}/samma"),
            &[
                ("duplicate_of", first.to_string().as_str()),
                ("vecka", week.as_str()),
            ],
            StatusCode::SEE_OTHER,
        )
        .await;
    let mark = async || {
        db_value!(
            &app.db,
            "select duplicate_of from est_incident where id = $1",
            second
        )
    };
    assert_eq!(mark().await, Some(first));
    app.post(&format!("/est/rapport/handelse/{first}/ta-bort"), &which)
        .await;
    assert_eq!(
        mark().await,
        None,
        "the database drops the mark with the incident"
    );
    app.post(&format!("/est/rapport/handelse/{first}/angra"), &which)
        .await;
    assert_eq!(incident_count_with(&app, first).await, 1);
    assert_eq!(mark().await, Some(first), "the mark is back");
}

async fn incident_count_with(app: &TestApp, id: uuid::Uuid) -> i64 {
    db_value!(
        &app.db,
        r#"select count(*) as "n!" from est_incident where id = $1"#,
        id
    )
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_form_sent_again_stores_nothing_twice(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let (week, org) = open_report(&app).await;
    let token = |page: &scraper::Html, form: &str| {
        value_of(page, &format!("#{form} input[name=form_token]")).expect("token")
    };
    let count = async |table: &str| -> i64 {
        let sql = format!(
            "select count(*) from {table} t join est_report r on r.id = t.report_id join organisation o on o.id = r.organisation_id where o.name = 'Securitas'"
        );
        sqlx::query_scalar::<_, i64>(&sql)
            .fetch_one(&app.db)
            .await
            .expect("count")
    };
    let soon = (samordna::web::today() + chrono::Days::new(4)).to_string();
    for (form, path, table, fields) in [
        (
            "handelser",
            "",
            "est_incident",
            vec![("description", "Nedskräpning vid återvinningen.")],
        ),
        (
            "kommande",
            "/est/rapport/kommande",
            "est_coming_event",
            vec![
                ("title", "Konsert i Stadsparken"),
                ("occurs_on", soon.as_str()),
                ("risk", "low"),
            ],
        ),
        (
            "samverkan",
            "/est/rapport/samverkan",
            "cooperation_need",
            vec![("need_title", "Gemensam kvällsrond i centrum")],
        ),
    ] {
        let before = count(table).await;
        let page = app.get_html("/est/rapport").await;
        let first = token(&page, form);
        let send = async |token: &str| {
            if path.is_empty() {
                post_incident(&app, &week, &org, fields[0].1, &[("form_token", token)]).await
            } else {
                let mut all = vec![
                    ("vecka", week.as_str()),
                    ("org", org.as_str()),
                    ("form_token", token),
                ];
                all.extend(fields.iter().copied());
                app.post(path, &all).await
            }
        };
        assert_eq!(send(&first).await.status(), StatusCode::SEE_OTHER);
        // The same page sent again (a double click, a resend).
        assert_eq!(send(&first).await.status(), StatusCode::SEE_OTHER);
        // Back, the page loaded anew (a fresh token), the same form sent again.
        let again = token(&app.get_html("/est/rapport").await, form);
        assert_ne!(again, first);
        let response = send(&again).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(count(table).await, before + 1, "{form}");
        let page = app
            .get_html(location(&response).split('#').next().expect("path"))
            .await;
        assert!(
            texts(&page, ".flash")
                .iter()
                .any(|t| t == samordna::web::idempotency::ALREADY_SENT),
            "{form}"
        );
    }
}

/// The CSV's lines without the byte-order mark, each split into cells.
fn csv_lines(body: &str) -> Vec<Vec<String>> {
    body.trim_start_matches('\u{feff}')
        .lines()
        .map(|l| {
            l.split(';')
                .map(|c| c.trim_matches('"').to_owned())
                .collect()
        })
        .collect()
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_incident_list_filters_sorts_pages_and_exports_exactly_its_rows(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let today = samordna::web::today();
    // The last 52 weeks, as on the overview that links here.
    let from = today - chrono::Days::new(7 * 52 - 1);
    let all = db_value!(
        &app.db,
        r#"select count(*) as "n!" from est_incident
           where duplicate_of is null and occurred_on between $1 and $2"#,
        from,
        today
    );
    assert!(all > 100, "the demo has a year of incidents");

    let page = app.get_html("/est/handelser").await;
    assert_eq!(
        texts(&page, "#visar")[0]
            .split(" (")
            .next()
            .expect("summary"),
        format!("Visar 1–50 av {all} händelser")
    );
    assert_eq!(texts(&page, "table.incident-list tbody tr").len(), 50);
    let overview = app.get_html("/oversikt").await;
    assert_eq!(
        texts(&overview, ".kpi-inline"),
        [format!("{all} händelser")],
        "the overview counts the same period"
    );
    assert_eq!(
        texts(&page, "table.incident-list tbody td.num").len(),
        50,
        "numbers align right"
    );
    assert_eq!(
        page.select(&scraper::Selector::parse("th[aria-sort]").expect("selector"))
            .map(|th| th.value().attr("aria-sort").unwrap_or_default().to_owned())
            .collect::<Vec<_>>(),
        ["descending"],
        "sorted by date, newest first"
    );

    // Filtered by organisation and category, sorted by insecurity, page 2.
    let securitas = db_value!(
        &app.db,
        "select id from organisation where name = 'Securitas'"
    );
    let filtered = db_row!(
        &app.db,
        r#"select count(*) as "n!", min(i.insecurity) as "low!" from est_incident i
           join est_report r on r.id = i.report_id
           where i.duplicate_of is null and i.occurred_on between $1 and $2 and r.organisation_id = $3"#,
        from,
        today,
        securitas
    );
    let query = format!("org={securitas}&sort=otrygghet&ordning=stigande");
    let page = app.get_html(&format!("/est/handelser?{query}")).await;
    let rows = rows(&page, "table.incident-list tbody tr");
    assert!(rows.iter().all(|r| r.contains("Securitas")));
    assert!(
        rows[0].ends_with(&filtered.low.to_string()),
        "lowest first: {}",
        rows[0]
    );
    let sorted = page
        .select(&scraper::Selector::parse("th[aria-sort]").expect("selector"))
        .map(|th| th.text().collect::<String>())
        .collect::<Vec<_>>();
    assert!(
        sorted.len() == 1 && sorted[0].starts_with("Otrygghet"),
        "{sorted:?}"
    );
    assert!(
        texts(&page, "#visar")[0].contains(&format!("av {} händelser", filtered.n)),
        "{:?}",
        texts(&page, "#visar")
    );
    if filtered.n > 50 {
        let next = app
            .get_html(&format!("/est/handelser?{query}&sida=2"))
            .await;
        assert!(texts(&next, "#visar")[0].starts_with("Visar 51–"));
    }

    // The CSV holds exactly the filtered rows, one value per cell.
    let csv_href = attr_of(&page, "#visar a", "href").expect("CSV link");
    assert!(csv_href.starts_with("/est/handelser.csv?"), "{csv_href}");
    let response = app.get(&csv_href).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.expect("csv");
    assert!(body.starts_with('\u{feff}'), "a byte-order mark for Excel");
    let lines = csv_lines(&body);
    assert_eq!(lines[0][4], "otrygghet (1-5)");
    assert_eq!(i64::try_from(lines.len() - 1).expect("n"), filtered.n);
    assert!(lines[1..].iter().all(|l| l[6] == "Securitas"));
    assert!(lines[1..].iter().all(|l| l[4].parse::<i16>().is_ok()));
    // A subcategory is written after its category, as on every page.
    let with_sub = db_value!(
        &app.db,
        r#"select count(*) as "n!" from est_incident_named i
           where i.duplicate_of is null and i.occurred_on between $1 and $2
             and i.organisation_id = $3 and i.subcategory is not null"#,
        from,
        today,
        securitas
    );
    let written = lines[1..]
        .iter()
        .filter(|l| l[1].contains(" – ") && l[1] == l[1].trim())
        .count();
    assert_eq!(
        i64::try_from(written).expect("n"),
        with_sub,
        "{:?}",
        &lines[1..3]
    );

    // Out-of-range parameters: clamped, and the page says so.
    for (path, says) in [
        ("/est/handelser?sida=99999", "Sidan 99999 finns inte"),
        ("/est/handelser?sida=-3", "Sidnumret"),
        ("/est/handelser?sida=abc", "Sidnumret"),
        ("/est/handelser?sida=999999999999999999999999", "Sidnumret"),
        (
            "/est/handelser?fran=2026-02-31",
            "Startdatumet kunde inte läsas",
        ),
        ("/est/handelser?fran=0001-01-01", "Perioden kan bara ligga"),
        ("/est/handelser?sort=summa", "kan inte sorteras så"),
        (
            "/est/handelser?kategori=inte-ett-id",
            "Kategorin kunde inte läsas",
        ),
        (
            "/est/handelser?omrade=00000000-0000-0000-0000-000000000000",
            "Området finns inte",
        ),
    ] {
        let page = app.get_html(path).await;
        let flash = texts(&page, ".flash").join(" ");
        assert!(flash.contains(says), "{path}: {flash}");
    }
    let last = app.get_html("/est/handelser?sida=99999").await;
    let pages = (all + 49) / 50;
    assert!(
        texts(&last, "#visar")[0].contains(&format!("sidan {pages} av {pages}")),
        "{:?}",
        texts(&last, "#visar")
    );

    // Those who may not read EST texts get neither the list nor the CSV.
    let kso = app.beside("kso@lindesberg.example").await;
    kso.assert_status("/est/handelser", StatusCode::FORBIDDEN)
        .await;
    kso.assert_status("/est/handelser.csv", StatusCode::FORBIDDEN)
        .await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn gallring_clears_the_copy_kept_for_undoing_a_removal(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let (week, org) = open_report(&app).await;
    post_incident(&app, &week, &org, "Skadegörelse på lekplatsen.", &[]).await;
    let id = db_value!(
        &app.db,
        "select id from est_incident where description = 'Skadegörelse på lekplatsen.'"
    );
    let which = [("vecka", week.as_str()), ("org", org.as_str())];
    app.post(&format!("/est/rapport/handelse/{id}/ta-bort"), &which)
        .await;
    let kept = async || {
        db_value!(
            &app.db,
            r#"select count(*) as "n!" from audit_event where action = 'tog bort post' and before ? 'rad'"#
        )
    };
    samordna::est::retention::run(&app.db, chrono::Utc::now())
        .await
        .expect("gallring");
    assert_eq!(kept().await, 1, "kept while undo is possible");
    samordna::est::retention::run(&app.db, chrono::Utc::now() + chrono::TimeDelta::weeks(3))
        .await
        .expect("gallring");
    assert_eq!(kept().await, 0, "gone once the report has locked");
}

/// The coordinator reminds an organisation that has not reported: the EST
/// page offers "Skicka påminnelse" on its row (not on those that reported),
/// the mail reaches whoever holds the organisation's seat, and it is audited.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_coordinator_reminds_an_organisation_that_has_not_reported(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let m = municipality_id(&app.db, "Lindesbergs kommun").await;
    db_run!(
        &app.db,
        "delete from est_report where municipality_id = $1 and week_start >= current_date - 7 and organisation_id in (select id from organisation where name = 'Securitas')",
        m
    );
    app.login("samordnare@lindesberg.example").await;
    // The open week: this week until its EST meeting begins, then the next.
    let page = app.get_html("/est").await;
    let week = value_of(&page, r#"form[action="/est/paminnelse"] input[name=vecka]"#)
        .expect("a reminder form for the open week");
    let reminders = texts(&page, r#"form[action="/est/paminnelse"] button"#);
    assert!(
        reminders
            .iter()
            .any(|b| b == "Skicka påminnelse till Securitas"),
        "{reminders:?}"
    );
    // The tests' server keeps mail as files: said before anyone presses.
    assert!(texts(&page, "#ingen-e-post")[0].contains("når inte den som ska rapportera"));
    let securitas = db_value!(
        &app.db,
        "select id from organisation where municipality_id = $1 and name = 'Securitas'",
        m
    );
    let page = app
        .post_and_follow(
            "/est/paminnelse",
            &[
                ("vecka", &week),
                ("organisation_id", &securitas.to_string()),
            ],
            &format!("/est?vecka={week}"),
        )
        .await;
    let flash = texts(&page, ".flash").join(" ");
    assert!(
        flash.contains("Påminnelsen om") && flash.contains("(Securitas)"),
        "{flash}"
    );

    let mails: Vec<(String, String)> = raw_mails(&app.mail_dir)
        .iter()
        .map(|raw| {
            let mail = mailparse::parse_mail(raw).expect("mail parses");
            let body = mail.get_body().unwrap_or_default();
            let to = mail_header(&mail, "To");
            (mail_header(&mail, "Subject"), format!("{to}\n{body}"))
        })
        .filter(|(subject, _)| subject.starts_with("Påminnelse: EST-rapporten"))
        .collect();
    assert!(!mails.is_empty(), "no reminder mail");
    assert!(
        mails
            .iter()
            .any(|(_, m)| m.contains("securitas@lindesberg.example")),
        "{mails:?}"
    );
    for (_, body) in &mails {
        assert!(
            body.contains("Securitas har inte lämnat EST-rapporten"),
            "{body}"
        );
        assert!(
            body.contains(&format!("/est/rapport?vecka={week}&org={securitas}")),
            "{body}"
        );
    }
    let audited = db_value!(
        &app.db,
        r#"select count(*) as "n!" from audit_event where municipality_id = $1 and action = 'påminde'"#,
        m
    );
    assert_eq!(audited, 1);
}

/// A reminder sent twice (a double click, a resend after a 502 from the
/// load balancer) mails each seat holder once; the second answer says the
/// form was already sent.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_reminder_sent_twice_is_mailed_once_and_the_repeat_says_it_was_already_sent(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    let m = municipality_id(&app.db, "Lindesbergs kommun").await;
    db_run!(
        &app.db,
        "delete from est_report where municipality_id = $1 and week_start >= current_date - 7 and organisation_id in (select id from organisation where name = 'Securitas')",
        m
    );
    let securitas = db_value!(
        &app.db,
        "select id from organisation where municipality_id = $1 and name = 'Securitas'",
        m
    )
    .to_string();
    app.login(COORDINATOR).await;

    let (first, second) = crate::double_submit::post_form_twice(
        &app,
        "/est",
        r#"form[action="/est/paminnelse"]"#,
        &[("organisation_id", &securitas)],
    )
    .await;

    let (rows, recipients) = crate::double_submit::outbox_rows(&app.db, "est_reminder").await;
    assert!(rows > 0, "the first post mailed");
    assert_eq!(rows, recipients, "each seat holder mailed once");
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        crate::double_submit::flash_after(&app, &second).await,
        [samordna::web::idempotency::ALREADY_SENT]
    );
}

/// The report form names the EST meeting its week locks at; without a
/// meeting in the period (none planned, or cancelled) it names the period's
/// last day instead of a made-up meeting at midnight.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_report_form_says_when_it_locks_with_or_without_an_est_meeting(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let intro = |page: &scraper::Html| texts(page, "main p").join(" ");
    let page = app.get_html("/est/rapport").await;
    assert!(
        intro(&page).contains("Rapporten kan ändras fram till att EST-mötet börjar"),
        "{}",
        intro(&page)
    );
    // It names the week whose incidents it asks for, with its dates: the
    // week before the report's own.
    let heading = texts(&page, "h1").join(" ");
    let shown = ReportWeek::parse(&value_of(&page, "input[name=vecka]").expect("the form's week"))
        .expect("a week");
    let (label, first, last) = shown.covered(1);
    assert!(
        intro(&page).contains(&format!(
            "Rapportera händelser som inträffade {label} ({first} – {last})"
        )),
        "{heading}: {}",
        intro(&page)
    );

    db_run!(
        &app.db,
        r#"update meeting mt set status = 'cancelled'
           from work_group g
           where mt.municipality_id = $1 and g.id = mt.work_group_id and g.name = 'EST'
             and mt.starts_at > now() - interval '14 days'"#,
        municipality_id(&app.db, "Lindesbergs kommun").await
    );
    app.settle().await;
    let page = app.get_html("/est/rapport").await;
    let said = intro(&page);
    assert!(!said.contains("EST-mötet börjar"), "{said}");
    assert!(
        said.contains("Rapporten kan ändras till och med ")
            && said.contains("inget EST-möte är planerat under perioden"),
        "{said}"
    );
}
