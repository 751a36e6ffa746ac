//! Faults and repeats: a form posted twice creates one record.

use reqwest::StatusCode;

use crate::helpers::*;

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_report_entry_posted_twice_is_stored_once(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(SECURITAS).await;
    let page = app.get_html("/est/rapport").await;
    let field =
        |name: &str| value_of(&page, &format!("#handelser input[name={name}]")).expect(name);
    let (week, org, token) = (field("vecka"), field("org"), field("form_token"));
    let category: uuid::Uuid =
        sqlx::query_scalar!("select id from incident_category where name = 'Klotter'")
            .fetch_one(&app.db)
            .await
            .expect("category");
    let area: uuid::Uuid = sqlx::query_scalar!("select id from area where name = 'Frövi'")
        .fetch_one(&app.db)
        .await
        .expect("area");
    let date = (samordna::web::today() - chrono::Days::new(1)).to_string();
    let (category, area) = (category.to_string(), area.to_string());
    let form = [
        ("vecka", week.as_str()),
        ("org", org.as_str()),
        ("form_token", token.as_str()),
        ("category_id", category.as_str()),
        ("occurred_on", date.as_str()),
        ("area_id", area.as_str()),
        ("description", "Dubbelklickad händelse"),
        ("insecurity", "2"),
    ];

    let first = app.post("/est/rapport/handelse", &form).await;
    let second = app.post("/est/rapport/handelse", &form).await;

    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    let stored: i64 = sqlx::query_scalar!(
        r#"select count(*) as "n!" from est_incident where description = 'Dubbelklickad händelse'"#
    )
    .fetch_one(&app.db)
    .await
    .expect("count");
    assert_eq!(stored, 1);
    let after = app
        .get_html(&format!("/est/rapport?vecka={week}&org={org}"))
        .await;
    assert_eq!(
        texts(&after, ".flash"),
        [samordna::web::idempotency::ALREADY_SENT]
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_meeting_form_posted_twice_plans_one_meeting(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
    let page = app.get_html("/moten/ny").await;
    let token = value_of(&page, "input[name=form_token]").expect("token");
    let group = group_id(&app.db, "Lindesbergs kommun", "LindeBRÅ")
        .await
        .to_string();
    let form = [
        ("form_token", token.as_str()),
        ("group_id", group.as_str()),
        ("date", "2031-02-04"),
        ("time", "13:00"),
        ("duration", "60"),
        ("form", "in_person"),
        ("place", "Kommunhuset"),
    ];

    app.post("/moten/ny", &form).await;
    app.post("/moten/ny", &form).await;

    let meetings: i64 = sqlx::query_scalar!(
        r#"select count(*) as "n!" from meeting where starts_at::date = '2031-02-04'"#
    )
    .fetch_one(&app.db)
    .await
    .expect("count");
    assert_eq!(meetings, 1);
}
