//! Planning: goals decided at meetings, decision material and its trail,
//! measures (delayed, owners, reminders), sources and the periodic lägesbild.

use reqwest::StatusCode;

use crate::helpers::*;

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_goal_decided_at_a_meeting_links_both_ways(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let meeting: uuid::Uuid = db_value!(
        &app.db,
        "select mt.id from meeting mt join work_group g on g.id = mt.work_group_id where g.name = 'Styrgrupp' and g.municipality_id = (select id from municipality where slug = 'lindesberg') and mt.status = 'held' order by mt.starts_at limit 1"
    );

    let response = app
        .post(
            "/planering/mal",
            &[
                ("level", "goal"),
                ("parent_id", ""),
                ("goal_title", "Färre inbrott i Frövi"),
                ("indicator", "Anmälda inbrott"),
                ("target", "-20 %"),
                ("target_date", "2027-12-31"),
                ("meeting_id", &meeting.to_string()),
            ],
        )
        .await;
    let goal_page = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(goal_page.starts_with("/planering/mal/"));

    let page = app.get_html(&goal_page).await;
    let links = scraper::Selector::parse("dl.facts a").expect("selector");
    let hrefs: Vec<&str> = page
        .select(&links)
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(
        hrefs.contains(&format!("/moten/{meeting}").as_str()),
        "{hrefs:?}"
    );
    let meeting_page = app.get_html(&format!("/moten/{meeting}")).await;
    assert_listed(
        &texts(&meeting_page, "#handled-title + ul li"),
        "Mål: Färre inbrott i Frövi",
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_action_plan_shows_its_trail_and_measures_and_delays_count_on_the_dashboard(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let plan: uuid::Uuid = db_value!(
        &app.db,
        "select id from plan_item where kind = 'action_plan'"
    );

    let page = app.get_html(&format!("/planering/underlag/{plan}")).await;
    assert_eq!(
        texts(&page, "#trail-title + ol li"),
        [
            "Prioriteringsförslag: Prioritera resecentrum kvällstid",
            "Orsaksanalys: otrygghet vid resecentrum",
            "Åtgärdsplan för resecentrum"
        ]
    );
    let overview = app.get_html("/planering").await;
    let delayed = rows(&overview, "#atgarder ~ table tbody tr.behind");
    assert_eq!(delayed.len(), 1);
    assert!(
        delayed[0].starts_with("Röja buskage som skymmer sikten vid väntsalen")
            && delayed[0].ends_with("Försenad"),
        "{delayed:?}"
    );

    let kso = app.beside("kso@lindesberg.example").await;
    let dashboard = kso.get_html("/oversikt").await;
    assert_eq!(
        texts(&dashboard, "li.measures"),
        ["1 försenad åtgärd; 1 pågår, 0 planerade, 1 klar."]
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn decision_material_needs_the_meeting_it_was_handled_at(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, POLICE_LIAISON).await;
    app.choose_municipality("Lindesbergs kommun").await;
    let response = app
        .post(
            "/planering/underlag",
            &[
                ("kind", "priority_proposal"),
                ("item_title", "Prioritera Storå centrum"),
                ("body", "Fler rapporter om skadegörelse."),
            ],
        )
        .await;
    let page = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();

    let refused = app
        .refused_post(
            &page,
            &[
                ("status", "decided"),
                ("meeting_id", ""),
                ("decision_note", ""),
            ],
        )
        .await;

    assert_field_errors(
        &refused,
        "meeting_id",
        &["Fel: Ange vid vilket möte underlaget behandlades."],
    );
    let status: String = db_value!(
        &app.db,
        "select status from plan_item where title = 'Prioritera Storå centrum'"
    );
    assert_eq!(status, "draft");

    let meeting: uuid::Uuid = db_value!(
        &app.db,
        "select mt.id from meeting mt join work_group g on g.id = mt.work_group_id where g.name = 'Styrgrupp' and g.municipality_id = (select id from municipality where slug = 'lindesberg') and mt.status = 'held' order by mt.starts_at limit 1"
    );
    app.post(
        &page,
        &[
            ("status", "decided"),
            ("meeting_id", &meeting.to_string()),
            ("decision_note", ""),
        ],
    )
    .await;
    let lead = texts(&app.get_html(&page).await, "p.lead");
    assert!(lead[0].starts_with("Beslutad · Styrgrupp"), "{lead:?}");
    let meeting_page = app.get_html(&format!("/moten/{meeting}")).await;
    assert_listed(
        &texts(&meeting_page, "#handled-title + ul li"),
        "Prioriteringsförslag: Prioritera Storå centrum (beslutad)",
    );

    let kso = app.beside("kso@lindesberg.example").await;
    assert_eq!(
        kso.status(&page).await,
        StatusCode::OK,
        "the Styrgrupp reads"
    );
    kso.assert_post_status(
        "/planering/underlag",
        &[("kind", "priority_proposal")],
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_measure_ending_before_it_starts_is_refused_by_the_field(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let police = lindesberg_position(&app.db, "Kommunpolis")
        .await
        .to_string();
    let before: i64 = db_value!(&app.db, r#"select count(*) as "n!" from measure"#);

    let page = app
        .refused_post(
            "/planering/atgarder",
            &[
                ("measure_title", "Trygghetsvandring"),
                ("responsible_position_id", &police),
                ("starts_on", "2027-03-01"),
                ("due_on", "2027-02-01"),
            ],
        )
        .await;
    assert_field_errors(
        &page,
        "due_on",
        &["Fel: Slutdatumet kan inte vara före startdatumet."],
    );
    assert_value(&page, "#measure_title", "Trygghetsvandring");
    let after: i64 = db_value!(&app.db, r#"select count(*) as "n!" from measure"#);
    assert_eq!(after, before);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn owners_see_their_measures_report_progress_and_get_one_reminder(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login_in(POLICE_LIAISON, "Lindesbergs kommun").await;
    let start = app.get_html("/").await;
    let mine = texts(&start, "#measures-title + ul li");
    assert_eq!(mine.len(), 1);
    assert!(mine[0].starts_with("Gemensamma kvällsronder polis och Securitas"));
    let measure: uuid::Uuid = db_value!(
        &app.db,
        "select id from measure where title like 'Gemensamma kvällsronder%'"
    );

    app.post_redirects(
        &format!("/planering/atgarder/{measure}"),
        &[
            ("note", "Fyra ronder i november."),
            ("percent_done", "60"),
            ("status", "ongoing"),
        ],
        &format!("/planering/atgarder/{measure}"),
    )
    .await;
    let percent: i32 = db_value!(
        &app.db,
        "select percent_done from measure where id = $1",
        measure
    );
    assert_eq!(percent, 60);

    // Due in three days: the kommunpolis is reminded, once.
    db_run!(
        &app.db,
        "update measure set due_on = current_date + 3 where id = $1 and municipality_id = $2",
        measure,
        municipality_id(&app.db, "Lindesbergs kommun").await
    );
    let (state, mail_dir) = state_with_mail(app.db.clone());
    assert_eq!(
        samordna::planning::measures::remind(&state)
            .await
            .expect("remind"),
        1
    );
    assert_eq!(
        samordna::planning::measures::remind(&state)
            .await
            .expect("remind"),
        0
    );
    let mails = raw_mails(&mail_dir);
    assert_eq!(mails.len(), 1);
    let raw = String::from_utf8_lossy(&mails[0]).to_string();
    assert!(raw.contains("kommunpolis@lindesberg.example"));
}

/// A measure of a suspended municipality that falls due is not reminded
/// about while it is suspended; the reminder comes once it is resumed.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_suspended_municipalitys_measure_is_reminded_about_only_once_resumed(db: sqlx::PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let m = municipality_id(&db, "Lindesbergs kommun").await;
    db_run!(
        &db,
        "update measure set due_on = current_date + 3 where title like 'Gemensamma kvällsronder%' and municipality_id = $1",
        m
    );
    let (state, _mail_dir) = state_with_mail(db.clone());
    suspend(&db, m, true).await;

    let while_suspended = samordna::planning::measures::remind(&state)
        .await
        .expect("remind");
    assert_eq!(while_suspended, 0);
    assert_eq!(
        crate::double_submit::outbox_rows(&db, "measure_reminder").await,
        (0, 0)
    );

    suspend(&db, m, false).await;
    let resumed = samordna::planning::measures::remind(&state)
        .await
        .expect("remind");
    assert_eq!(resumed, 1);
    assert_eq!(
        crate::double_submit::outbox_rows(&db, "measure_reminder").await,
        (1, 1)
    );
}

/// A reminder goes only to someone who holds the responsible position
/// today and may still sign in: not to a deactivated person, nor to one
/// whose holding has ended or has yet to begin.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_measure_reminder_skips_holders_who_are_not_active_today(db: sqlx::PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let m = municipality_id(&db, "Lindesbergs kommun").await;
    let (state, _mail_dir) = state_with_mail(db.clone());
    let holder: uuid::Uuid = db_value!(
        &db,
        "select id from person where email = 'kommunpolis@lindesberg.example'"
    );
    let spellings = [
        (
            "update person set active = false where id = $1",
            "update person set active = true where id = $1",
        ),
        (
            "update position_holder set held_to = current_date - 1 where person_id = $1 and held_to is null",
            "update position_holder set held_to = null where person_id = $1 and held_to = current_date - 1",
        ),
        (
            "update position_holder set held_from = current_date + 1 where person_id = $1 and held_to is null",
            "update position_holder set held_from = current_date - 30 where person_id = $1 and held_to is null",
        ),
    ];
    for (change, undo) in spellings {
        db_run!(
            &db,
            "update measure set due_on = current_date + 3, reminder_sent_at = null where title like 'Gemensamma kvällsronder%' and municipality_id = $1",
            m
        );
        sqlx::query(change)
            .bind(holder)
            .execute(&db)
            .await
            .expect(change);
        let reminded = samordna::planning::measures::remind(&state)
            .await
            .expect("remind");
        assert_eq!(reminded, 1, "{change}: the measure is claimed");
        assert_eq!(
            crate::double_submit::outbox_rows(&db, "measure_reminder").await,
            (0, 0),
            "{change}: no one is mailed"
        );
        sqlx::query(undo)
            .bind(holder)
            .execute(&db)
            .await
            .expect(undo);
    }
    // Active again and holding today: mailed.
    db_run!(
        &db,
        "update measure set reminder_sent_at = null where title like 'Gemensamma kvällsronder%' and municipality_id = $1",
        m
    );
    samordna::planning::measures::remind(&state)
        .await
        .expect("remind");
    assert_eq!(
        crate::double_submit::outbox_rows(&db, "measure_reminder").await,
        (1, 1)
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_periodic_lagesbild_counts_the_periods_est_data_and_lists_its_sources(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let to = samordna::web::today();
    let from = to - chrono::Days::new(90);
    let expected: i64 = db_value!(
        &app.db,
        r#"select count(*) as "n!" from est_incident i join municipality m on m.id = i.municipality_id
           where m.slug = 'lindesberg' and i.occurred_on between $1 and $2 and i.duplicate_of is null"#,
        from,
        to
    );

    let response = app
        .post(
            "/planering/lagesbild",
            &[
                ("lb_title", "Lägesbild hösten"),
                ("period_from", &from.to_string()),
                ("period_to", &to.to_string()),
                ("other_information", "Näringslivsdialog i oktober."),
                ("analysis", "Otryggheten är koncentrerad till resecentrum."),
            ],
        )
        .await;
    let page = app
        .get_html(response.headers()["location"].to_str().expect("location"))
        .await;

    let summary = texts(&page, "main h2 + p")[0].clone();
    assert!(
        summary.starts_with(&format!("{expected} rapporterade händelser")),
        "{summary}"
    );
    let by_category: i64 = rows(&page, ".two-col table:first-child tbody tr")
        .iter()
        .filter_map(|r| r.rsplit(' ').next().and_then(|n| n.parse::<i64>().ok()))
        .sum();
    assert_eq!(by_category, expected);
    assert!(
        texts(&page, "li")
            .iter()
            .any(|l| l.ends_with("Trygghetsmätning 2026 (Trygghetsundersökning)"))
    );
    assert_listed(
        &texts(&page, "p"),
        "Otryggheten är koncentrerad till resecentrum.",
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_coordinator_sets_who_decides_the_action_plan_and_how_often_the_lagesbild_is_renewed(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;

    app.post_redirects(
        "/planering/installningar",
        &[
            ("action_plan_body", "beredningsgrupp"),
            ("lagesbild_interval_months", "6"),
        ],
        "/planering#installningar",
    )
    .await;

    let page = app.get_html("/planering").await;
    assert!(texts(&page, "p").iter().any(|p| p.starts_with(
        "Åtgärdsplanen beslutas av beredningsgruppen. Lägesbilden förnyas var 6:e månad"
    )));
    let refused = app
        .refused_post(
            "/planering/installningar",
            &[
                ("action_plan_body", "kommunfullmäktige"),
                ("lagesbild_interval_months", "0"),
            ],
        )
        .await;
    assert_eq!(
        texts(&refused, "#lagesbild_interval_months-error"),
        ["Fel: Ange antal månader, 1 till 60."]
    );
}

/// Every field's error is tied to its control, also on the planning forms
/// whose errors once stood only beside the field: a screen reader reads the
/// error with the field, and the field says it is invalid.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_planning_form_ties_each_error_to_its_field(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let response = app
        .post(
            "/planering/mal",
            &[
                ("level", "inget"),
                ("parent_id", ""),
                ("goal_title", ""),
                ("target_date", "2027-13-45"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html_of(response).await;
    for field in ["level", "goal_title", "target_date"] {
        assert!(
            !texts(&page, &format!("#{field}-error")).is_empty(),
            "an error by {field}"
        );
        let tied = format!("#{field}[aria-invalid=true][aria-describedby~={field}-error]");
        assert_eq!(texts(&page, &tied).len(), 1, "{field} is tied to its error");
    }
}
