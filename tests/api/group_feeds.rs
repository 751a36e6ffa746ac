//! Group calendar feed addresses change when a member leaves, and the
//! coordinator can replace one: the old address answers 404, the new works.

use reqwest::StatusCode;

use crate::helpers::*;

/// The group's feed path as the group page shows it.
async fn group_feed(app: &TestApp, group: uuid::Uuid) -> String {
    feed_path(app, &format!("/grupper/{group}"), "#group-feed-url").await
}

/// What a calendar program (no cookies) gets from the path.
async fn feed_status(app: &TestApp, path: &str) -> StatusCode {
    fetch_feed(app, path).await.status()
}

/// Asserts that the group's old feed path `old` now answers 404 and that
/// the group page shows a new one that works; returns the new one.
async fn assert_new_feed(app: &TestApp, group: uuid::Uuid, old: &str) -> String {
    assert_eq!(feed_status(app, old).await, StatusCode::NOT_FOUND);
    let new = group_feed(app, group).await;
    assert_ne!(new, old);
    assert_eq!(feed_status(app, &new).await, StatusCode::OK);
    new
}

/// What the group page says of its address: since when it holds, and
/// where the address that never changes is.
async fn assert_address_since(app: &TestApp, group: uuid::Uuid, since: chrono::NaiveDate) {
    let page = app.get_html(&format!("/grupper/{group}")).await;
    let said = texts(&page, "#feed-since").join("");
    assert!(
        said.starts_with(&format!(
            "Adressen gäller sedan {since}. Den byts automatiskt när någon lämnar gruppen"
        )),
        "{said}"
    );
    assert_eq!(
        attr_of(&page, "#feed-since a", "href").as_deref(),
        Some("/konto#kalender")
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_coordinator_replaces_a_group_feed_address_and_the_old_one_stops_working(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let est = lindesberg_group(&app.db, "EST").await;
    let old = group_feed(&app, est).await;
    assert_eq!(feed_status(&app, &old).await, StatusCode::OK);
    let page = app.get_html(&format!("/grupper/{est}")).await;
    assert!(
        texts(&page, "#renew-feed-help")
            .join("")
            .contains("Den gamla adressen slutar fungera direkt")
    );

    app.post_redirects(
        &format!("/admin/grupper/{est}/kalender"),
        &[],
        &format!("/grupper/{est}#kalender"),
    )
    .await;
    assert_eq!(feed_status(&app, &old).await, StatusCode::NOT_FOUND);
    let page = app.get_html(&format!("/grupper/{est}")).await;
    assert!(
        texts(&page, ".flash")
            .join("")
            .contains("EST har en ny kalenderadress. Den gamla adressen fungerar inte längre")
    );
    let new = group_feed(&app, est).await;
    assert_ne!(new, old);
    assert_eq!(feed_status(&app, &new).await, StatusCode::OK);
    let audited = db_value!(
        &app.db,
        r#"select count(*) as "n!" from audit_event where action = 'bytte kalenderadress' and entity_id = $1"#,
        est
    );
    assert_eq!(audited, 1);

    // A member who is not the coordinator cannot replace it.
    let member = app.beside(SECURITAS).await;
    member
        .assert_post_status(
            &format!("/admin/grupper/{est}/kalender"),
            &[],
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(feed_status(&app, &new).await, StatusCode::OK);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn removing_a_member_position_gives_the_group_a_new_feed_address(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let est = lindesberg_group(&app.db, "EST").await;
    let securitas = lindesberg_position(&app.db, "EST-representant Securitas").await;
    let old = group_feed(&app, est).await;
    let membership = db_value!(
        &app.db,
        "select id from membership where work_group_id = $1 and position_id = $2",
        est,
        securitas
    );

    app.post_redirects(
        &format!("/admin/grupper/{est}/medlemmar/{membership}/ta-bort"),
        &[],
        &format!("/admin/grupper/{est}"),
    )
    .await;
    assert_new_feed(&app, est, &old).await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_holder_leaving_a_member_position_gives_the_group_a_new_feed_address(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let est = lindesberg_group(&app.db, "EST").await;
    let lindebra = lindesberg_group(&app.db, "LindeBRÅ").await;
    let securitas = lindesberg_position(&app.db, "EST-representant Securitas").await;
    let old = group_feed(&app, est).await;
    let unrelated = group_feed(&app, lindebra).await;
    let today = samordna::web::today();

    // The holder's term is ended in the form.
    app.post_redirects(
        &format!("/admin/befattningar/{securitas}/avsluta"),
        &[("held_to", &today.to_string())],
        &format!("/admin/befattningar/{securitas}"),
    )
    .await;
    let new = assert_new_feed(&app, est, &old).await;
    // A group the position does not sit in keeps its address.
    assert_eq!(feed_status(&app, &unrelated).await, StatusCode::OK);

    // An end recorded in advance: once the last day has passed, an address
    // made before it is refused and the group page makes a new one.
    db_run!(
        &app.db,
        "update calendar_token set created_at = now() - interval '3 days' where work_group_id = $1",
        est
    );
    assert_address_since(&app, est, today - chrono::Days::new(3)).await;
    db_run!(
        &app.db,
        "update position_holder set held_to = $2 where position_id = $1 and held_to = $3 and municipality_id = $4",
        securitas,
        today - chrono::Days::new(1),
        today,
        municipality_id(&app.db, "Lindesbergs kommun").await
    );
    assert_new_feed(&app, est, &new).await;
    assert_address_since(&app, est, today).await;
}
