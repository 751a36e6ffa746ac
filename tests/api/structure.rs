//! The structure pages and the coordinator's maintenance of it.

use reqwest::StatusCode;

use crate::helpers::*;

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_structure_page_shows_the_three_tiers_and_the_temporary_groups(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;

    let page = app.get_html("/struktur").await;

    assert_eq!(
        texts(&page, ".tiers > li > h2"),
        [
            "Styrgrupp",
            "Beredningsgrupp",
            "Permanent arbetsgrupp",
            "Temporär arbetsgrupp"
        ]
    );
    assert_eq!(texts(&page, ".tiers .card h3"), LINDESBERG_GROUPS);
    let facts = texts(&page, "#guideline-title + p + dl dd");
    assert_eq!(
        facts,
        [
            "Kommunstyrelsen, § 58, 2024-04-30",
            "KS 2024/70",
            "Kansliet",
            "2027-04-30"
        ]
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_group_page_lists_members_by_position_with_holder_role_and_substitute(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let styrgrupp = lindesberg_group(&app.db, "Styrgrupp").await;

    let page = app.get_html(&format!("/grupper/{styrgrupp}")).await;

    let rows = texts(&page, "tbody tr");
    assert_eq!(rows.len(), 11);
    assert_eq!(
        rows[0],
        "Brottsförebyggande samordnare Kansliet Sara Lindqvist Sammankallande"
    );
    assert!(rows.contains(
        &"Kommundirektör Kansliet Anders Wikström Ledamot Kanslichef (Helena Sjöberg)".to_owned()
    ));
    assert!(rows.contains(
        &"Chef för lokalpolisområde Lindesberg Polisen, lokalpolisområde Lindesberg extern Mikael Andersson Ledamot".to_owned()
    ));
    assert!(
        texts(&page, "dl.facts dd")
            .iter()
            .any(|t| t.starts_with("Två gånger per år"))
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn every_demo_user_sees_their_own_groups(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let expected: [(&str, &[&str]); 6] = [
        ("kso@lindesberg.example", &["Styrgrupp"]),
        ("kommundirektor@lindesberg.example", &["Styrgrupp"]),
        ("oppositionsrad@lindesberg.example", &["Styrgrupp"]),
        (SECURITAS, &["EST", "Arbetsgrupp trygg stationsmiljö"]),
        ("est.social@lindesberg.example", &["EST"]),
        ("kanslichef@lindesberg.example", &["Styrgrupp"]),
    ];
    for (email, groups) in expected {
        let browser = app.beside(email).await;
        let start = browser.get_html("/").await;
        assert_eq!(texts(&start, ".cards .card h3"), groups, "{email}");
    }
    // The kanslichef sits in the Styrgrupp as the kommundirektör's substitute.
    let browser = app.beside("kanslichef@lindesberg.example").await;
    let start = browser.get_html("/").await;
    assert_eq!(
        texts(&start, ".cards .card p:last-child"),
        ["Ersättare för kommundirektör – som kanslichef"]
    );
    // The police area chief may attend LindeBRÅ.
    let browser = TestApp::spawn(app.db.clone()).await;
    browser
        .login_in("lpo.chef@lindesberg.example", "Lindesbergs kommun")
        .await;
    let start = browser.get_html("/").await;
    assert_eq!(texts(&start, ".cards .card h3"), ["Styrgrupp", "LindeBRÅ"]);
    assert!(
        texts(&start, ".cards .card p")
            .iter()
            .any(|t| t.starts_with("Kan delta vid behov"))
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_est_participant_is_refused_every_admin_page_with_a_swedish_403(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let est = lindesberg_group(&app.db, "EST").await;

    for path in [
        "/admin".to_owned(),
        "/admin/personer".to_owned(),
        "/admin/befattningar".to_owned(),
        "/admin/organisationer".to_owned(),
        "/admin/grupper".to_owned(),
        format!("/admin/grupper/{est}"),
        "/admin/logg".to_owned(),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(texts(&html_of(response).await, "h1"), ["Åtkomst nekad"]);
    }
    app.assert_post_status(
        &format!("/admin/grupper/{est}/upplos"),
        &[("active_to", "2026-12-01"), ("reason", "x")],
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(
        texts(&app.get_html("/").await, "header nav a")
            .iter()
            .all(|t| t != "Administration")
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn noras_coordinator_cannot_open_or_change_lindesbergs_groups(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, NORA_COORDINATOR).await;
    let est = lindesberg_group(&app.db, "EST").await;
    let securitas = lindesberg_position(&app.db, "EST-representant Securitas").await;

    for path in [
        format!("/grupper/{est}"),
        format!("/admin/grupper/{est}"),
        format!("/admin/befattningar/{securitas}"),
    ] {
        assert_eq!(app.status(&path).await, StatusCode::NOT_FOUND, "{path}");
    }
    app.assert_post_status(
        &format!("/admin/grupper/{est}"),
        &[("name", "Kapad"), ("task", "x")],
        StatusCode::NOT_FOUND,
    )
    .await;
    let structure = app.get_html("/struktur").await;
    assert!(!texts(&structure, "h3").contains(&"EST".to_owned()));
    let name = db_value!(&app.db, "select name from work_group where id = $1", est);
    assert_eq!(name, "EST");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_position_handed_to_a_new_holder_moves_the_group_seats_and_is_audited(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    app.post_redirects(
        "/admin/personer",
        &[("name", "Alva Ny"), ("email", "Alva.Ny@Securitas.example")],
        "/admin/personer",
    )
    .await;
    let flash = texts(&app.get_html("/admin/personer").await, ".flash").join("");
    assert!(flash.contains("Engångslösenord: "), "{flash}");
    let one_time = flash
        .split("Engångslösenord: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("password")
        .to_owned();
    let alva = db_value!(
        &app.db,
        "select id from person where email = 'alva.ny@securitas.example'"
    );
    let position = lindesberg_position(&app.db, "EST-representant Securitas").await;
    let today = samordna::web::today();

    app.post_redirects(
        &format!("/admin/befattningar/{position}/innehavare"),
        &[
            ("person_id", &alva.to_string()),
            ("held_from", &today.to_string()),
        ],
        &format!("/admin/befattningar/{position}"),
    )
    .await;

    // The old holder held it until yesterday and now sits in no group.
    let previous = db_row!(
        &app.db,
        "select h.held_to from position_holder h join person p on p.id = h.person_id
         where h.position_id = $1 and p.email = $2",
        position,
        SECURITAS
    );
    assert_eq!(previous.held_to, today.pred_opt());
    let est = lindesberg_group(&app.db, "EST").await;
    let est_page = app.get_html(&format!("/grupper/{est}")).await;
    assert!(
        texts(&est_page, "tbody tr")
            .iter()
            .any(|r| r.starts_with("EST-representant Securitas Securitas extern Alva Ny"))
    );

    // The new holder signs in with the one-time password, must change it, and then sees EST.
    let alva_browser = TestApp::spawn(app.db.clone()).await;
    let response = alva_browser
        .login_with("alva.ny@securitas.example", &one_time)
        .await;
    assert_redirect_to(&response, "/");
    assert_redirect_to(&alva_browser.get("/").await, "/konto");
    alva_browser
        .post(
            "/konto/losenord",
            &[
                ("current_password", &one_time),
                ("new_password", "blå ubåt fyrtio kaktus"),
                ("new_password_repeat", "blå ubåt fyrtio kaktus"),
            ],
        )
        .await;
    let start = alva_browser.get_html("/").await;
    assert_eq!(
        texts(&start, ".cards .card h3"),
        ["EST", "Arbetsgrupp trygg stationsmiljö"]
    );

    let old = app.beside(SECURITAS).await;
    let choice = old.get_html("/valj-kommun").await;
    assert!(texts(&choice, "p")[0].starts_with("Du har ingen aktuell befattning"));

    let log = app.get_html("/admin/logg").await;
    let rows = texts(&log, "tbody tr td:nth-child(4)");
    assert!(
        rows.contains(&format!(
            "Alva Ny innehar EST-representant Securitas från {today}"
        )),
        "{rows:?}"
    );
    assert_listed(&rows, "Lade till Alva Ny <alva.ny@securitas.example>");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn handing_over_from_a_date_before_the_current_holding_is_refused_next_to_the_field(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let position = lindesberg_position(&app.db, "Kommunpolis").await;
    let kso = db_value!(
        &app.db,
        "select id from person where email = 'kso@lindesberg.example'"
    );

    let page = app
        .refused_post(
            &format!("/admin/befattningar/{position}/innehavare"),
            &[("person_id", &kso.to_string()), ("held_from", "2022-12-31")],
        )
        .await;
    assert_field_errors(
        &page,
        "held_from",
        &["Fel: Johan Karlsson innehar befattningen från 2023-01-01. Välj ett senare datum."],
    );
    assert_value(&page, "#held_from", "2022-12-31");
    let holders = db_value!(
        &app.db,
        r#"select count(*) as "n!" from position_holder where position_id = $1"#,
        position
    );
    assert_eq!(holders, 1);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_temporary_group_is_appointed_by_lindebra_staffed_dissolved_and_audited(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let lindebra = lindesberg_group(&app.db, "LindeBRÅ").await;
    let coordinator = lindesberg_position(&app.db, "Brottsförebyggande samordnare").await;
    let police = lindesberg_position(&app.db, "Kommunpolis").await;

    let response = app
        .post(
            "/admin/grupper",
            &[
                ("name", "Arbetsgrupp Frövi centrum"),
                ("task", "Ta fram åtgärder mot skadegörelse i Frövi centrum."),
                ("appointed_by_group_id", &lindebra.to_string()),
                ("decision_reference", "LindeBRÅ 2026-11-12 § 3"),
                ("focus_area", "Skadegörelse i Frövi"),
                ("active_from", "2026-11-16"),
                ("active_to", ""),
                ("cadence_text", "Varannan vecka"),
                ("convener_position_id", &coordinator.to_string()),
            ],
        )
        .await;
    let group = lindesberg_group(&app.db, "Arbetsgrupp Frövi centrum").await;
    assert_redirect_to(&response, &format!("/admin/grupper/{group}"));
    app.post_redirects(
        &format!("/admin/grupper/{group}/medlemmar"),
        &[("position_id", &police.to_string()), ("role", "member")],
        &format!("/admin/grupper/{group}"),
    )
    .await;

    let page = app.get_html(&format!("/grupper/{group}")).await;
    assert_eq!(
        texts(&page, "tbody tr"),
        [
            "Brottsförebyggande samordnare Kansliet Sara Lindqvist Sammankallande",
            "Kommunpolis Polisen, lokalpolisområde Lindesberg extern Johan Karlsson Ledamot"
        ]
    );
    assert_listed(&texts(&page, "dl.facts dd"), "LindeBRÅ");

    app.post_redirects(
        &format!("/admin/grupper/{group}/upplos"),
        &[
            ("active_to", "2026-11-20"),
            ("reason", "Uppdraget är slutfört."),
        ],
        &format!("/grupper/{group}"),
    )
    .await;

    let structure = app.get_html("/struktur").await;
    assert!(!texts(&structure, ".tiers h3").contains(&"Arbetsgrupp Frövi centrum".to_owned()));
    assert_eq!(
        texts(&structure, "#dissolved-title + ul li"),
        ["Arbetsgrupp Frövi centrum (2026-11-16 – 2026-11-20)"]
    );
    let log = texts(
        &app.get_html("/admin/logg").await,
        "tbody tr td:nth-child(4)",
    );
    assert_listed(
        &log,
        "Skapade den temporära arbetsgruppen Arbetsgrupp Frövi centrum (LindeBRÅ 2026-11-12 § 3)",
    );
    assert!(
        log.contains(
            &"Upplöste Arbetsgrupp Frövi centrum från och med 2026-11-20: Uppdraget är slutfört."
                .to_owned()
        )
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_invalid_new_group_shows_errors_by_the_fields_keeps_the_input_and_stores_nothing(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let lindebra = lindesberg_group(&app.db, "LindeBRÅ").await;
    let before = rows_in(&app.db, "work_group").await;

    let page = app
        .refused_post(
            "/admin/grupper",
            &[
                ("name", "  "),
                ("task", "Ett uppdrag"),
                ("appointed_by_group_id", &lindebra.to_string()),
                ("decision_reference", ""),
                ("active_from", "16/11/2026"),
                ("active_to", ""),
            ],
        )
        .await;
    assert_field_errors(&page, "name", &["Fel: Fyll i gruppens namn."]);
    assert_field_errors(
        &page,
        "active_from",
        &["Fel: Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2026-01-31."],
    );
    assert_eq!(texts(&page, "#decision_reference-error").len(), 1);
    assert_eq!(texts(&page, "textarea#task"), ["Ett uppdrag"]);
    assert_value(&page, "#active_from", "16/11/2026");
    assert_eq!(rows_in(&app.db, "work_group").await, before);

    // A group of that name exists already: refused by the field too.
    let response = app
        .post(
            "/admin/grupper",
            &[
                ("name", "EST"),
                ("task", "Dubblett"),
                ("appointed_by_group_id", &lindebra.to_string()),
                ("decision_reference", "LindeBRÅ 2026-11-12 § 4"),
                ("active_from", "2026-11-16"),
            ],
        )
        .await;
    assert_field_errors(
        &refused_page(response).await,
        "name",
        &["Fel: Det finns redan en grupp med det namnet."],
    );
    assert_eq!(rows_in(&app.db, "work_group").await, before);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_second_convener_is_refused_with_a_message_by_the_role(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let est = lindesberg_group(&app.db, "EST").await;
    let kso = lindesberg_position(&app.db, "Kommunstyrelsens ordförande").await;

    let page = app
        .refused_post(
            &format!("/admin/grupper/{est}/medlemmar"),
            &[("position_id", &kso.to_string()), ("role", "convener")],
        )
        .await;
    assert!(texts(&page, "#role-error")[0].contains("redan en sammankallande"));
    assert_eq!(
        texts(&page, "#position_id option[selected]"),
        ["Kommunstyrelsens ordförande"]
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_start_page_says_what_waits_for_each_person(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    // Whatever day the test runs, Securitas has not reported for the coming meeting.
    db_run!(
        &app.db,
        "delete from est_report where organisation_id = (select id from organisation where name = 'Securitas' and municipality_id = $1) and week_start >= current_date - 7 and municipality_id = $1",
        municipality_id(&app.db, "Lindesbergs kommun").await
    );

    app.login(SECURITAS).await;
    let needs = texts(&app.get_html("/").await, "#needs-title + ul li");
    assert!(needs.iter().any(|n| n.starts_with("EST-rapporten för Securitas") && n.ends_with("är inte lämnad.")), "{needs:?}");

    let kso = app.beside("kso@lindesberg.example").await;
    let needs = texts(&kso.get_html("/").await, "#needs-title + ul li");
    assert!(
        needs
            .iter()
            .any(|n| n.starts_with("Avtalet ") && n.ends_with(" väntar på din signatur.")),
        "{needs:?}"
    );

    let planner = app.beside("fc.samhallsbyggnad@lindesberg.example").await;
    let needs = texts(&planner.get_html("/").await, "#needs-title + ul li");
    assert!(
        needs.iter().any(|n| n.starts_with(
            "Din åtgärd Röja buskage som skymmer sikten vid väntsalen skulle vara klar"
        )),
        "{needs:?}"
    );
}

/// Every Lindesberg person's "Väntar på dig", as (text, link) pairs.
async fn everyones_needs(db: &sqlx::PgPool) -> Vec<(String, Vec<(String, String)>)> {
    let people = db_rows!(
        db,
        r#"select pe.email, count(distinct h.municipality_id) > 1 as "two!"
           from person pe join position_holder h on h.person_id = pe.id
           where h.held_from <= current_date and (h.held_to is null or h.held_to >= current_date)
           group by pe.email
           having bool_or(h.municipality_id = (select id from municipality where slug = 'lindesberg'))
           order by pe.email"#
    );
    let items = scraper::Selector::parse("#needs-title + ul li a").expect("selector");
    let mut all = Vec::new();
    for person in people {
        let app = TestApp::spawn(db.clone()).await;
        if person.two {
            app.login_in(&person.email, "Lindesbergs kommun").await;
        } else {
            app.login(&person.email).await;
        }
        let page = app.get_html("/").await;
        let needs = page
            .select(&items)
            .map(|a| {
                (
                    a.text()
                        .collect::<String>()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                    a.value().attr("href").unwrap_or_default().to_owned(),
                )
            })
            .collect();
        all.push((person.email, needs));
    }
    all
}

/// Each thing waiting is named once on a start page, whatever the person's
/// roles: the KSO's agreement to sign is not also listed as waiting for
/// signatures, and the kommunpolis's own unfiled EST report not also among
/// the organisations that have not reported.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_start_page_names_each_waiting_thing_once_for_every_person(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let lindesberg = municipality_id(&app.db, "Lindesbergs kommun").await;
    // Whatever day the test runs, the police and Securitas have not reported.
    db_run!(&app.db, "delete from est_report where municipality_id = $1 and week_start >= current_date - 21
           and organisation_id in (select id from organisation where municipality_id = $1
                                   and name in ('Securitas', 'Polisen, lokalpolisområde Lindesberg'))",
        lindesberg);
    let agreements = db_rows!(
        &app.db,
        r#"select a.id, v.title, a.status = 'for_signing' as "for_signing!" from agreement a
           join agreement_version v on v.agreement_id = a.id and v.version = a.current_version
           where a.municipality_id = $1"#,
        lindesberg
    );

    let everyone = everyones_needs(&app.db).await;
    assert!(everyone.len() > 20, "{}", everyone.len());
    for (email, needs) in &everyone {
        let mut links: Vec<&String> = needs.iter().map(|(_, href)| href).collect();
        links.sort();
        links.dedup();
        assert_eq!(
            links.len(),
            needs.len(),
            "{email}: a link twice in {needs:#?}"
        );
        // A line about an agreement names it or links to it; a line leading
        // to the list of agreements to sign is about every one out for signing.
        for a in &agreements {
            let page = format!("/avtal/{}", a.id);
            let naming = needs
                .iter()
                .filter(|(text, href)| {
                    text.contains(&a.title)
                        || *href == page
                        || (a.for_signing && href.starts_with("/avtal/att-signera"))
                })
                .count();
            assert!(
                naming <= 1,
                "{email}: {} {naming} times in {needs:#?}",
                a.title
            );
        }
        for (text, _) in needs {
            let Some(own) = text
                .strip_prefix("EST-rapporten för ")
                .and_then(|rest| rest.split(" (").next())
            else {
                continue;
            };
            assert!(
                !needs
                    .iter()
                    .any(|(other, _)| other.contains("inte rapporterat till EST")
                        && other.contains(own)),
                "{email}: {own} twice in {needs:#?}"
            );
        }
    }
    let needs_of = |who: &str| {
        everyone
            .iter()
            .find(|(email, _)| email == who)
            .map(|(_, needs)| {
                needs
                    .iter()
                    .map(|(text, _)| text.clone())
                    .collect::<Vec<_>>()
            })
            .expect(who)
    };
    // What the fix must not lose: the KSO's agreement, with whom else it
    // waits for; the police's own report; the others that have not reported.
    let kso = needs_of("kso@lindesberg.example");
    assert!(
        kso.iter()
            .any(|n| n.starts_with("Avtalet ") && n.contains(" väntar på din signatur")),
        "{kso:#?}"
    );
    let police = needs_of(POLICE_LIAISON);
    assert!(
        police
            .iter()
            .any(|n| n.starts_with("EST-rapporten för Polisen")),
        "{police:#?}"
    );
    assert!(
        police
            .iter()
            .any(|n| n.contains("inte rapporterat till EST") && n.contains("Securitas")),
        "{police:#?}"
    );
}

/// The week the start page asks Securitas to report for, from the link.
async fn week_asked_for(app: &TestApp) -> String {
    let page = app.get_html("/").await;
    let link = page
        .select(&scraper::Selector::parse("#needs-title + ul a").expect("selector"))
        .filter_map(|a| a.value().attr("href"))
        .find(|href| href.starts_with("/est/rapport?"))
        .expect("a report to file")
        .to_owned();
    link.split(['?', '&'])
        .find_map(|p| p.strip_prefix("vecka="))
        .expect("week")
        .to_owned()
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_start_page_asks_for_the_week_the_report_form_opens(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let lindesberg = municipality_id(&app.db, "Lindesbergs kommun").await;
    db_run!(
        &app.db,
        "delete from est_report where organisation_id = (select id from organisation where name = 'Securitas' and municipality_id = $1) and week_start >= current_date - 21 and municipality_id = $1",
        lindesberg
    );
    app.login(SECURITAS).await;
    let form_week = async || value_of(&app.get_html("/est/rapport").await, "input[name=vecka]");

    assert_eq!(Some(week_asked_for(&app).await), form_week().await);

    // This period's EST meeting has begun: the next period is open.
    db_run!(
        &app.db,
        r#"insert into meeting (id, municipality_id, work_group_id, starts_at, ends_at, form)
           select gen_random_uuid(), municipality_id, id, now() - interval '1 second', now() + interval '1 hour', 'online'
           from work_group where weekly_reporting"#
    );
    let asked = week_asked_for(&app).await;
    assert_eq!(Some(asked.clone()), form_week().await);
    let this_week = samordna::est::week::ReportWeek::containing(samordna::web::today(), 1);
    assert_eq!(asked, this_week.next(1).key());

    // Every other week: periods start on odd ISO weeks.
    db_run!(&app.db, "update municipality set report_interval_weeks = 2");
    assert_eq!(Some(week_asked_for(&app).await), form_week().await);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_start_page_loads_its_data_in_one_statement(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    for person in [COORDINATOR, SECURITAS, "kso@lindesberg.example"] {
        let app = app.beside(person).await;
        app.get_html("/").await;
        let n = crate::request_path::statements(&app, "/").await;
        assert_eq!(n, 1, "{person}: the start page ran {n} statements");
    }
}

/// Every name that must be unique, and every seat that can be taken once,
/// is refused by the database's constraint and shown next to its field
/// (one `on_constraint` way), with nothing stored.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_taken_name_or_seat_is_refused_next_to_its_field_and_stores_nothing(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let m = municipality_id(&app.db, "Lindesbergs kommun").await;
    let est = lindesberg_group(&app.db, "EST").await;
    let lindebra = lindesberg_group(&app.db, "LindeBRÅ").await;
    let member = db_value!(
        &app.db,
        "select position_id from membership where work_group_id = $1 and role = 'member' limit 1",
        est
    )
    .to_string();
    let category = db_value!(
        &app.db,
        "select name from incident_category where municipality_id = $1 and parent_id is null limit 1",
        m
    );
    let area = db_value!(
        &app.db,
        "select name from area where municipality_id = $1 limit 1",
        m
    );
    let est_page = format!("/admin/grupper/{est}");
    let members = format!("/admin/grupper/{est}/medlemmar");
    let lindebra = lindebra.to_string();
    // Path, form, field, the message beside it.
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            "/admin/organisationer",
            vec![("name", "Kommunstyrelsen"), ("kind", "politiskt_organ")],
            "name",
            "Det finns redan en organisation med det namnet.",
        ),
        (
            "/admin/befattningar",
            vec![("title", "Kommunpolis")],
            "title",
            "Det finns redan en befattning med den benämningen.",
        ),
        (
            "/admin/grupper",
            vec![
                ("name", "LindeBRÅ"),
                ("task", "Dubblett"),
                ("appointed_by_group_id", &lindebra),
                ("decision_reference", "LindeBRÅ 2026-11-12 § 4"),
                ("active_from", "2026-11-16"),
            ],
            "name",
            "Det finns redan en grupp med det namnet.",
        ),
        (
            &est_page,
            vec![("name", "LindeBRÅ"), ("task", "Omdöpt")],
            "name",
            "Det finns redan en grupp med det namnet.",
        ),
        (
            &members,
            vec![("position_id", &member), ("role", "member")],
            "position_id",
            "är redan med i gruppen.",
        ),
        (
            "/est/installningar/kategori",
            vec![("name", &category)],
            "name",
            "Det finns redan en sådan kategori.",
        ),
        (
            "/est/installningar/omrade",
            vec![("area_name", &area)],
            "area_name",
            "Det finns redan ett område med det namnet.",
        ),
    ];
    for (path, form, field, message) in cases {
        let before = rows_in(&app.db, "audit_event").await;
        let response = app.post(path, &form).await;
        assert_refused_by(response, field, message, path).await;
        assert_eq!(
            rows_in(&app.db, "audit_event").await,
            before,
            "{path} stored something"
        );
    }
    // The group kept its name.
    let name = db_value!(&app.db, "select name from work_group where id = $1", est);
    assert_eq!(name, "EST");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_convener_seat_without_a_holder_is_said_to_be_vacant(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, SECURITAS).await;
    let coordinator = lindesberg_position(&app.db, "Brottsförebyggande samordnare").await;
    db_run!(
        &app.db,
        "update position_holder set held_to = current_date - 1 where position_id = $1 and municipality_id = $2 and held_to is null",
        coordinator,
        municipality_id(&app.db, "Lindesbergs kommun").await
    );

    let page = app.get_html("/struktur").await;

    let conveners = texts(&page, ".tiers .card dd");
    assert!(
        conveners
            .iter()
            .any(|d| d == "Brottsförebyggande samordnare (vakant)"),
        "{conveners:?}"
    );
}
