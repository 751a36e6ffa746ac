//! National scale: `demo-data --municipalities N` adds N municipalities
//! built like Lindesberg, each with its own people and reports.

use reqwest::StatusCode;
use samordna::seed::national;

use crate::helpers::*;

async fn load_three(db: &sqlx::PgPool) -> national::Loaded {
    samordna::seed::load_demo(db).await.expect("demo");
    national::load(db, 3, 1, samordna::web::today(), &|| {})
        .await
        .expect("national")
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn three_generated_municipalities_each_get_their_own_people_groups_meetings_and_reports(
    db: sqlx::PgPool,
) {
    let loaded = load_three(&db).await;

    assert_eq!((loaded.municipalities, loaded.existing), (3, 0));
    let rows = db_rows!(
        &db,
        r#"select m.slug, m.name,
                  (select count(*) from person_municipality pm where pm.municipality_id = m.id) as "people!",
                  (select count(*) from organisation o where o.municipality_id = m.id) as "organisations!",
                  (select count(*) from membership ms where ms.municipality_id = m.id) as "memberships!",
                  (select count(*) from meeting mt where mt.municipality_id = m.id) as "meetings!",
                  (select count(*) from area a where a.municipality_id = m.id) as "areas!",
                  (select count(*) from est_report r where r.municipality_id = m.id) as "reports!",
                  (select count(distinct r.week_start) from est_report r where r.municipality_id = m.id) as "weeks!",
                  (select count(*) from agreement a where a.municipality_id = m.id) as "agreements!",
                  (select count(*) from agreement_type_signatory s where s.municipality_id = m.id) as "signatories!",
                  (select count(*) from goal g where g.municipality_id = m.id) as "goals!"
           from municipality m where m.slug not in ('lindesberg', 'nora') order by m.slug"#
    );
    let expected: Vec<(String, String)> = (0..3)
        .map(|i| {
            let town = national::town(i);
            (national::slug(&town), town)
        })
        .collect();
    let mut expected_slugs: Vec<&str> = expected.iter().map(|(s, _)| s.as_str()).collect();
    expected_slugs.sort_unstable();
    assert_eq!(
        rows.iter().map(|r| r.slug.as_str()).collect::<Vec<_>>(),
        expected_slugs
    );
    for r in &rows {
        let town = &expected.iter().find(|(s, _)| *s == r.slug).expect("town").1;
        assert!(
            r.name.starts_with(town.as_str()) && r.name.ends_with(" kommun"),
            "{}",
            r.name
        );
        assert_eq!(
            (r.people, r.organisations, r.memberships),
            (26, 17, 35),
            "{}",
            r.slug
        );
        assert_eq!(r.areas, 5, "{}", r.slug);
        assert_eq!(
            (r.agreements, r.signatories, r.goals),
            (3, 6, 3),
            "{}",
            r.slug
        );
        assert!(r.meetings > 50, "{}: {} meetings", r.slug, r.meetings);
        assert!(
            r.reports > 52 * 4 && r.weeks <= 52,
            "{}: {} reports",
            r.slug,
            r.reports
        );
    }
    assert_eq!(
        loaded.reports,
        usize::try_from(rows.iter().map(|r| r.reports).sum::<i64>()).expect("count")
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn nothing_generated_refers_to_another_municipality(db: sqlx::PgPool) {
    load_three(&db).await;

    let crossings = db_value!(
        &db,
        r#"select (select count(*) from est_report r join organisation o on o.id = r.organisation_id
                   where o.municipality_id <> r.municipality_id)
                + (select count(*) from est_incident i join est_report r on r.id = i.report_id
                   where i.municipality_id <> r.municipality_id
                      or not exists (select 1 from person_municipality pm
                                     where pm.person_id = i.written_by and pm.municipality_id = r.municipality_id))
                + (select count(*) from position_holder h
                   where not exists (select 1 from person_municipality pm
                                     where pm.person_id = h.person_id and pm.municipality_id = h.municipality_id))
                + (select count(*) from membership ms join position p on p.id = ms.position_id
                   join work_group g on g.id = ms.work_group_id
                   where p.municipality_id <> g.municipality_id or g.municipality_id <> ms.municipality_id)
                + (select count(*) from meeting mt join work_group g on g.id = mt.work_group_id
                   where g.municipality_id <> mt.municipality_id)
                + (select count(*) from agreement_signature s
                   where not exists (select 1 from person_municipality pm
                                     where pm.person_id = s.person_id and pm.municipality_id = s.municipality_id))
                   as "n!""#
    );
    assert_eq!(crossings, 0);
    let shared_people = db_value!(
        &db,
        r#"select count(*) as "n!" from (select person_id from person_municipality pm
               join municipality m on m.id = pm.municipality_id where m.slug not in ('lindesberg', 'nora')
               group by person_id having count(*) > 1) t"#
    );
    assert_eq!(
        shared_people, 0,
        "each generated person belongs to one municipality"
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn loading_again_leaves_the_generated_municipalities_as_they_are(db: sqlx::PgPool) {
    load_three(&db).await;
    let people = db_value!(&db, r#"select count(*) as "n!" from person"#);

    let again = national::load(&db, 3, 1, samordna::web::today(), &|| {})
        .await
        .expect("again");

    assert_eq!(
        (again.municipalities, again.existing, again.reports),
        (0, 3, 0)
    );
    let after = db_value!(&db, r#"select count(*) as "n!" from person"#);
    assert_eq!(after, people);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_generated_coordinator_signs_in_and_sees_only_their_own_municipality(db: sqlx::PgPool) {
    load_three(&db).await;
    let town = national::town(1);
    let slug = national::slug(&town);
    let app = TestApp::spawn(db).await;

    app.login(&format!("samordnare@{slug}.example")).await;

    let home = app.get("/").await;
    assert_eq!(home.status(), StatusCode::OK, "no municipality to choose");
    let home = html_of(home).await;
    let name = texts(&home, ".who .where").join("");
    assert!(name.contains(&town) && name.ends_with("kommun"), "{name}");
    let structure = app.get_html("/struktur").await;
    let groups = texts(&structure, ".tiers .card h3");
    assert!(groups.contains(&format!("{town}BRÅ")), "{groups:?}");
    assert!(!groups.contains(&"LindeBRÅ".to_owned()), "{groups:?}");
    assert_eq!(
        app.choose_municipality("Lindesbergs kommun").await,
        StatusCode::FORBIDDEN
    );
}
