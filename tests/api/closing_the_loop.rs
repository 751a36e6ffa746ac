//! Closing Brå's loop: what a measure targets, its indicated effect on its
//! page (incidents before and after its start, against the rest of the
//! municipality), and the measures waiting to be followed up.

use chrono::{Datelike, Days, NaiveDate};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

/// Two areas and a top category with a subcategory, and another top
/// category, of Lindesberg's: (id, name) each.
struct Places {
    m: Uuid,
    area: (Uuid, String),
    other_area: (Uuid, String),
    parent: (Uuid, String),
    sub: Uuid,
    other_category: (Uuid, String),
}

async fn places(db: &sqlx::PgPool) -> Places {
    let m = municipality_id(db, "Lindesbergs kommun").await;
    let areas = db_rows!(
        db,
        "select id, name from area where municipality_id = $1 and active order by sort_order, name limit 2",
        m
    );
    let sub = db_row!(
        db,
        r#"select c.id, p.id as parent, p.name as parent_name from incident_category c
           join incident_category p on p.id = c.parent_id
           where c.municipality_id = $1 order by p.sort_order, p.name, c.name limit 1"#,
        m
    );
    let other = db_row!(db, "select id, name from incident_category where municipality_id = $1 and parent_id is null and id <> $2
         order by sort_order, name limit 1",
        m,
        sub.parent);
    Places {
        m,
        area: (areas[0].id, areas[0].name.clone()),
        other_area: (areas[1].id, areas[1].name.clone()),
        parent: (sub.parent, sub.parent_name),
        sub: sub.id,
        other_category: (other.id, other.name),
    }
}

/// A municipality's incidents, the demo's removed so that the test's are
/// the only ones, and a report to hang new ones on.
struct Incidents {
    db: sqlx::PgPool,
    m: Uuid,
    report: Uuid,
}

async fn no_incidents(db: &sqlx::PgPool, m: Uuid) -> Incidents {
    db_run!(db, "delete from est_incident where municipality_id = $1", m);
    let report = Uuid::now_v7();
    db_run!(
        db,
        r#"insert into est_report (id, municipality_id, organisation_id, week_start)
           select $1, $2, o.id, '2000-01-03' from organisation o where o.municipality_id = $2 order by o.name limit 1"#,
        report,
        m
    );
    Incidents {
        db: db.clone(),
        m,
        report,
    }
}

impl Incidents {
    /// `n` incidents on one day in one area and category.
    async fn add(&self, (area, category): (Uuid, Uuid), on: NaiveDate, n: i32) -> Vec<Uuid> {
        db_values!(
            &self.db,
            r#"insert into est_incident (id, municipality_id, report_id, category_id, occurred_on, area_id, insecurity)
           select gen_random_uuid(), $1, $2, $3, $4, $5, 3 from generate_series(1, $6::int)
           returning id"#,
            self.m,
            self.report,
            category,
            on,
            area,
            n
        )
    }
}

/// The demo with the coordinator signed in, Lindesberg's places, and none
/// of its incidents but the test's.
async fn coordinator_with_no_incidents(db: sqlx::PgPool) -> (TestApp, Places, Incidents) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let p = places(&app.db).await;
    let incidents = no_incidents(&app.db, p.m).await;
    (app, p, incidents)
}

/// Sets what a measure targets and when its effect starts, through the
/// measure's effect form.
async fn target(app: &TestApp, measure: Uuid, (area, category): (Uuid, Uuid), from: NaiveDate) {
    let response = app
        .post(
            &format!("/planering/atgarder/{measure}/effekt"),
            &[
                ("area", &area.to_string()),
                ("category", &category.to_string()),
                ("effect_from", &from.to_string()),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the effect is set"
    );
}

fn this_monday() -> NaiveDate {
    let today = samordna::web::today();
    today - Days::new(u64::from(today.weekday().num_days_from_monday()))
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn what_a_measure_targets_is_stored_whole_or_refused_next_to_its_field(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let p = places(&app.db).await;
    let id = measure_id(&app.db, "Röja buskage som skymmer sikten vid väntsalen").await;
    let path = format!("/planering/atgarder/{id}/effekt");

    // An existing measure without targets has no effect section.
    let page = app.get_html(&format!("/planering/atgarder/{id}")).await;
    assert!(texts(&page, "#effekt").is_empty());
    assert_value(&page, "#effect_from", "");

    // Areas without a date: refused next to the date, the boxes kept.
    let area = p.area.0.to_string();
    let page = app.refused_post(&path, &[("area", &area)]).await;
    assert_field_errors(
        &page,
        "effect_from",
        &["Fel: Ange från vilket datum åtgärden ska börja verka."],
    );
    assert_eq!(
        value_of(&page, &format!("#area_{area}[checked]")).as_deref(),
        Some(area.as_str())
    );
    // An area of another municipality, and a date that is no date.
    let nora_area: Uuid = db_value!(
        &app.db,
        "select a.id from area a join municipality mu on mu.id = a.municipality_id where mu.slug = 'nora' limit 1"
    );
    let page = app
        .refused_post(
            &path,
            &[
                ("area", &nora_area.to_string()),
                ("category", &p.parent.0.to_string()),
                ("effect_from", "31/12/2026"),
                ("public", "ja"),
            ],
        )
        .await;
    assert_field_errors(&page, "area", &["Fel: Välj bland alternativen i listan."]);
    assert_field_errors(
        &page,
        "effect_from",
        &["Fel: Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2026-01-31."],
    );
    let stored = db_row!(
        &app.db,
        r#"select effect_from, public,
                  (select count(*) from measure_area a where a.measure_id = ms.id) as "areas!",
                  (select count(*) from measure_category c where c.measure_id = ms.id) as "categories!"
           from measure ms where ms.id = $1"#,
        id
    );
    assert_eq!(
        (
            stored.effect_from,
            stored.public,
            stored.areas,
            stored.categories
        ),
        (None, false, 0, 0),
        "nothing stored half-way"
    );

    // Whole: stored, and the page says what the measure targets.
    app.post_redirects(
        &path,
        &[
            ("area", &area),
            ("category", &p.parent.0.to_string()),
            ("effect_from", "2026-03-04"),
            ("public", "ja"),
        ],
        &format!("/planering/atgarder/{id}#effekt"),
    )
    .await;
    let stored = db_row!(
        &app.db,
        r#"select effect_from, public,
                  array(select a.area_id from measure_area a where a.measure_id = ms.id) as "areas!",
                  array(select c.category_id from measure_category c where c.measure_id = ms.id) as "categories!"
           from measure ms where ms.id = $1"#,
        id
    );
    assert_eq!(stored.effect_from, NaiveDate::from_ymd_opt(2026, 3, 4));
    assert!(stored.public);
    assert_eq!(stored.areas, [p.area.0]);
    assert_eq!(stored.categories, [p.parent.0]);
    let page = app.get_html(&format!("/planering/atgarder/{id}")).await;
    let facts = texts(&page, "dl.facts dd");
    assert!(
        facts.contains(&format!("{}; {}", p.area.1, p.parent.1)),
        "{facts:?}"
    );
    assert_listed(&facts, "2026-03-04");
    assert_listed(&facts, "Visas");
    assert_eq!(texts(&page, "#effekt-title"), ["Effekt"]);

    // Emptied again: no targets, no effect section.
    app.assert_post_status(&path, &[("effect_from", "")], StatusCode::SEE_OTHER)
        .await;
    let page = app.get_html(&format!("/planering/atgarder/{id}")).await;
    assert!(texts(&page, "#effekt").is_empty());
    let left: i64 = db_value!(
        &app.db,
        r#"select count(*) as "n!" from measure_area where measure_id = $1"#,
        id
    );
    assert_eq!(left, 0);

    // The Styrgrupp reads the page but may not set targets.
    let kso = app.beside("kso@lindesberg.example").await;
    let page = kso.get_html(&format!("/planering/atgarder/{id}")).await;
    assert!(texts(&page, "#paverka-title").is_empty());
    kso.assert_post_status(
        &path,
        &[("area", &area), ("effect_from", "2026-03-04")],
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_effect_compares_the_targeted_incidents_before_and_after_with_the_rest_of_the_municipality(
    db: sqlx::PgPool,
) {
    let (app, p, incidents) = coordinator_with_no_incidents(db).await;
    let id = measure_id(&app.db, "Byta belysning längs gångstråket till resecentrum").await;
    // The effect starts on a Wednesday ten weeks ago: counted from its Monday.
    let start = this_monday() - Days::new(70);
    let before = start - Days::new(14);
    let after = start + Days::new(14);
    // The municipality's data begins 30 weeks ago, outside the window.
    incidents
        .add(
            (p.other_area.0, p.other_category.0),
            start - Days::new(7 * 30),
            1,
        )
        .await;
    // Targeted: the area, the top category through its subcategory.
    incidents.add((p.area.0, p.sub), before, 20).await;
    incidents.add((p.area.0, p.sub), after, 10).await;
    // A duplicate is not counted.
    let original = incidents.add((p.area.0, p.sub), after, 1).await[0];
    let twin = incidents.add((p.area.0, p.sub), after, 1).await[0];
    db_run!(
        &app.db,
        "update est_incident set duplicate_of = $1 where id = $2 and municipality_id = $3",
        original,
        twin,
        p.m
    );
    // The rest: the same category elsewhere, another category in the area.
    incidents.add((p.other_area.0, p.sub), before, 15).await;
    incidents.add((p.other_area.0, p.sub), after, 15).await;
    incidents
        .add((p.area.0, p.other_category.0), before, 5)
        .await;
    incidents
        .add((p.area.0, p.other_category.0), after, 4)
        .await;
    // This week's incidents are not counted: the week is not over.
    incidents.add((p.area.0, p.sub), this_monday(), 7).await;

    let path = format!("/planering/atgarder/{id}/effekt");
    target(&app, id, (p.area.0, p.parent.0), start + Days::new(2)).await;

    let page = app.get_html(&format!("/planering/atgarder/{id}")).await;
    let notices = texts(&page, "#effekt .notice");
    assert!(
        notices[0].contains("en indikation, inte ett bevis"),
        "{notices:?}"
    );
    assert!(
        notices
            .iter()
            .any(|n| n.contains("10 hela veckor efter starten har gått hittills, av 26")),
        "{notices:?}"
    );
    assert_eq!(
        texts(&page, "table.effect caption"),
        [format!(
            "Förändring, {} – {}",
            start - Days::new(70),
            this_monday() - Days::new(1)
        )]
    );
    assert_eq!(
        rows(&page, "table.effect tr"),
        [
            "Del av kommunen Före Efter Förändring",
            "Åtgärdens områden och kategorier 20 11 −45 %",
            "Övriga kommunen 20 19 −5 %",
            "Skillnad mellan förändringarna −40 procentenheter",
        ]
    );
    // Twenty weeks, each a row, quiet ones as 0; two charts drawn at three sizes.
    let weeks = rows(&page, "#tabell-effekt tbody tr");
    assert_eq!(weeks.len(), 20);
    assert!(
        weeks[8].ends_with(&format!("({before}) Före 20 20")),
        "{weeks:?}"
    );
    assert!(weeks[0].ends_with("Före 0 0"), "{weeks:?}");
    assert!(
        weeks[12].ends_with(&format!("({after}) Efter 11 19")),
        "{weeks:?}"
    );
    assert_eq!(
        texts(&page, "svg[aria-labelledby=fig-effekt-atgard]").len(),
        3
    );
    assert_eq!(
        texts(&page, "svg[aria-labelledby=fig-effekt-ovriga]").len(),
        3
    );

    // Only the other category: too few for a percentage, said in words.
    app.assert_post_status(
        &path,
        &[
            ("category", &p.other_category.0.to_string()),
            ("effect_from", &start.to_string()),
        ],
        StatusCode::SEE_OTHER,
    )
    .await;
    let page = app.get_html(&format!("/planering/atgarder/{id}")).await;
    assert_eq!(
        rows(&page, "table.effect tr"),
        [
            "Del av kommunen Före Efter Förändring",
            "Åtgärdens områden och kategorier 5 4 För få händelser för en jämförelse (färre än 10 i en av perioderna)",
            "Övriga kommunen 35 26 −26 %",
            "Skillnad mellan förändringarna Kan inte anges: för få händelser",
        ]
    );
    assert!(!page.html().contains("−20 %"));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_effect_dated_outside_the_municipalitys_data_is_clamped_and_the_page_says_so(
    db: sqlx::PgPool,
) {
    let (app, p, incidents) = coordinator_with_no_incidents(db).await;
    let first = this_monday() - Days::new(7 * 8);
    incidents.add((p.area.0, p.sub), first, 3).await;
    let id = measure_id(&app.db, "Byta belysning längs gångstråket till resecentrum").await;
    let path = format!("/planering/atgarder/{id}/effekt");

    for (from, said) in [
        (
            "2001-05-07",
            format!(
                "Effekten ska börja 2001-05-07, före kommunens första registrerade händelse ({first}). Starten räknas därför från veckan som börjar {first}, och det finns inga veckor före den att jämföra med."
            ),
        ),
        (
            "2199-01-01",
            format!(
                "Effekten ska börja 2199-01-01, efter dagens datum. Starten räknas därför från veckan som börjar {}, och det finns inga hela veckor efter den ännu.",
                this_monday()
            ),
        ),
    ] {
        app.assert_post_status(
            &path,
            &[("area", &p.area.0.to_string()), ("effect_from", from)],
            StatusCode::SEE_OTHER,
        )
        .await;
        let page = app.get_html(&format!("/planering/atgarder/{id}")).await;
        // (The first date's effect period ended long ago: a follow-up is due too.)
        let warnings = texts(&page, "#effekt .notice.warning");
        assert_eq!(
            warnings
                .iter()
                .filter(|w| w.starts_with("Effekten ska börja"))
                .collect::<Vec<_>>(),
            [&said],
            "{warnings:?}"
        );
        assert_eq!(
            texts(&page, "#effekt > p:last-child"),
            ["Det finns inga veckor att jämföra ännu."]
        );
        assert!(texts(&page, "table.effect").is_empty());
    }
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_measure_whose_effect_period_ended_waits_for_its_owner_until_followed_up_and_the_dashboard_shows_each_measures_effect(
    db: sqlx::PgPool,
) {
    let (app, p, incidents) = coordinator_with_no_incidents(db).await;
    let title = "Gemensamma kvällsronder polis och Securitas";
    let id = measure_id(&app.db, title).await;
    // The effect started 30 weeks ago: its 26 weeks ended four weeks ago.
    let start = this_monday() - Days::new(7 * 30);
    let ended = start + Days::new(7 * 26);
    let (before, after) = (start - Days::new(14), start + Days::new(14));
    incidents
        .add((p.other_area.0, p.sub), start - Days::new(7 * 40), 1)
        .await;
    incidents.add((p.area.0, p.sub), before, 24).await;
    incidents.add((p.area.0, p.sub), after, 12).await;
    incidents.add((p.other_area.0, p.sub), before, 10).await;
    incidents.add((p.other_area.0, p.sub), after, 10).await;
    target(&app, id, (p.area.0, p.parent.0), start).await;

    // The Styrgrupp's dashboard: every ongoing or finished measure.
    let kso = app.beside("kso@lindesberg.example").await;
    let dashboard = kso.get_html("/oversikt").await;
    assert_eq!(
        rows(&dashboard, "table.effects tbody tr"),
        [
            "Röja buskage som skymmer sikten vid väntsalen Försenad 50 % Inte angivet vad åtgärden ska påverka",
            &format!(
                "{title} Pågår 40 % −50 % (övriga kommunen ±0 %; skillnad −50 procentenheter) (effektperioden är slut, inte uppföljd)"
            ),
            "Byta belysning längs gångstråket till resecentrum Klar 100 % För få händelser (0 före, 0 efter)",
        ]
    );
    // Waiting for the kommunpolis, who holds the responsible position; not for the coordinator.
    let police = TestApp::spawn(app.db.clone()).await;
    police.login_in(POLICE_LIAISON, "Lindesbergs kommun").await;
    let waiting = format!("Effektperioden för din åtgärd {title} tog slut {ended}: följ upp den.");
    let start_page = police.get_html("/").await;
    assert!(
        texts(&start_page, "#needs-title + ul li").contains(&waiting),
        "{:?}",
        texts(&start_page, "#needs-title + ul li")
    );
    let measure_page = police.get_html(&format!("/planering/atgarder/{id}")).await;
    assert_eq!(
        texts(&measure_page, "#effekt .notice.warning"),
        [format!(
            "Effektperioden tog slut {ended} och åtgärden är inte uppföljd sedan dess. Skriv en uppföljning nedan."
        )]
    );
    let coordinator_page = app.get_html("/").await;
    assert!(
        !texts(&coordinator_page, "#needs-title + ul li")
            .iter()
            .any(|n| n.contains("Effektperioden")),
    );

    // Followed up: no longer waiting, nor marked on the dashboard.
    police
        .assert_post_status(
            &format!("/planering/atgarder/{id}"),
            &[
                ("note", "Färre skadegörelser; ronderna fortsätter."),
                ("percent_done", "80"),
                ("status", "ongoing"),
            ],
            StatusCode::SEE_OTHER,
        )
        .await;
    let start_page = police.get_html("/").await;
    assert!(!texts(&start_page, "#needs-title + ul li").contains(&waiting));
    let measure_page = police.get_html(&format!("/planering/atgarder/{id}")).await;
    assert!(texts(&measure_page, "#effekt .notice.warning").is_empty());
    let dashboard = kso.get_html("/oversikt").await;
    assert!(
        rows(&dashboard, "table.effects tbody tr").contains(&format!(
            "{title} Pågår 80 % −50 % (övriga kommunen ±0 %; skillnad −50 procentenheter)"
        ))
    );
}

/// `n` police events of `kind` in municipality `m`, at noon on `on`.
async fn police_events(db: &sqlx::PgPool, m: Uuid, kind: &str, on: NaiveDate, n: i32) {
    db_run!(
        db,
        r#"insert into police_event (id, municipality_id, police_id, occurred_at, name, summary, url, kind, location_name)
           select gen_random_uuid(), $1, (random() * 1e12)::bigint, ($2::date + time '12:00') at time zone 'Europe/Stockholm',
                  $3 || ', Lindesberg', 'Sammanfattning', 'https://polisen.se/', $3, 'Lindesberg'
           from generate_series(1, $4::int)"#,
        m,
        on,
        kind,
        n
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_effect_counts_the_polices_events_of_the_measures_kinds(db: sqlx::PgPool) {
    let (app, p, incidents) = coordinator_with_no_incidents(db).await;
    let id = measure_id(&app.db, "Byta belysning längs gångstråket till resecentrum").await;
    let start = this_monday() - Days::new(70);
    incidents
        .add((p.area.0, p.sub), start - Days::new(7 * 20), 1)
        .await;
    // The police name the measure's main category (any case), and others.
    let kind = p.parent.1.to_uppercase();
    police_events(&app.db, p.m, &kind, start - Days::new(14), 12).await;
    police_events(&app.db, p.m, &p.parent.1, start + Days::new(14), 6).await;
    police_events(&app.db, p.m, "Rån", start + Days::new(14), 9).await;
    // Before the compared weeks, and in another municipality: not counted.
    police_events(&app.db, p.m, &p.parent.1, start - Days::new(7 * 30), 50).await;
    let nora = municipality_id(&app.db, "Nora kommun").await;
    police_events(&app.db, nora, &p.parent.1, start + Days::new(14), 40).await;

    target(&app, id, (p.area.0, p.sub), start).await;

    let page = app.get_html(&format!("/planering/atgarder/{id}")).await;
    let said = texts(&page, "#effekt h3#effekt-polisen + p");
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("i hela kommunen"), "{said:?}");
    assert!(
        said[0].contains(": 12 före och 6 efter starten. Förändring: För få händelser"),
        "{said:?}"
    );
    assert!(!said[0].contains("Rån"), "{said:?}");

    // A measure of a kind the police do not publish shows no such part.
    target(&app, id, (p.area.0, p.other_category.0), start).await;
    let page = app.get_html(&format!("/planering/atgarder/{id}")).await;
    assert_eq!(texts(&page, "#effekt-polisen").len(), 0);
}
