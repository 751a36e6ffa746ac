//! A form refused for one field comes back with everything else as it was
//! written: the error by its field, tied to the control, and nothing stored.
//! One case per form that once forgot what was typed (a follow-up, the
//! counterparty's signature, a termination, a cancellation, the planning
//! settings), each with another spelling of bad input.

use reqwest::multipart;

use crate::helpers::*;

/// The error is shown by `field` and the control says so to a screen reader.
fn assert_tied(page: &scraper::Html, field: &str) {
    assert_eq!(
        attr_of(page, &format!("#{field}"), "aria-describedby").as_deref(),
        Some(format!("{field}-error").as_str()),
        "the error is tied to #{field}"
    );
    assert_eq!(
        attr_of(page, &format!("#{field}"), "aria-invalid").as_deref(),
        Some("true")
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_goal_follow_up_keeps_what_was_written(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let goal: uuid::Uuid = db_value!(
        &app.db,
        "select id from goal where municipality_id = (select id from municipality where slug = 'lindesberg') order by created_at limit 1"
    );
    let path = format!("/planering/mal/{goal}");
    let before = rows_in(&app.db, "goal_followup").await;
    for (on_date, value, problem) in [
        ("2026-13-40", "42 anmälningar", "on_date"),
        ("", "42 anmälningar", "on_date"),
        ("2026-11-30", "", "value"),
        ("2026-11-30", "   ", "value"),
    ] {
        let page = app
            .refused_post(
                &path,
                &[
                    ("on_date", on_date),
                    ("value", value),
                    ("note", "Räknat på polisens siffror"),
                ],
            )
            .await;
        assert_eq!(texts(&page, &format!("#{problem}-error")).len(), 1);
        assert_tied(&page, problem);
        assert_value(&page, "#on_date", on_date);
        assert_value(&page, "#value", value);
        assert_eq!(
            texts(&page, "textarea#note"),
            ["Räknat på polisens siffror"]
        );
    }
    assert_eq!(rows_in(&app.db, "goal_followup").await, before);
    // A new form starts at today.
    let fresh = app.get_html(&path).await;
    assert_value(&fresh, "#on_date", &samordna::web::today().to_string());
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_measure_follow_up_keeps_the_note_the_percentage_and_the_status(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let measure = measure_id(&app.db, "Gemensamma kvällsronder polis och Securitas").await;
    let path = format!("/planering/atgarder/{measure}");
    let before = rows_in(&app.db, "measure_note").await;
    for (note, percent, status, problem) in [
        ("Fyra ronder i november.", "150", "done", "percent_done"),
        ("Fyra ronder i november.", "-1", "ongoing", "percent_done"),
        (
            "Fyra ronder i november.",
            "sextio",
            "planned",
            "percent_done",
        ),
        ("", "60", "done", "note"),
        ("Fyra ronder i november.", "60", "avslutad", "status"),
    ] {
        let page = app
            .refused_post(
                &path,
                &[
                    ("note", note),
                    ("percent_done", percent),
                    ("status", status),
                ],
            )
            .await;
        assert_eq!(texts(&page, &format!("#{problem}-error")).len(), 1);
        assert_tied(&page, problem);
        assert_eq!(texts(&page, "textarea#note"), [note]);
        assert_value(&page, "#percent_done", percent);
        let chosen = attr_of(&page, "#status option[selected]", "value");
        let known = ["planned", "ongoing", "done"].contains(&status);
        assert_eq!(chosen.as_deref(), known.then_some(status), "{status}");
    }
    assert_eq!(rows_in(&app.db, "measure_note").await, before);
    let percent: i32 = db_value!(
        &app.db,
        "select percent_done from measure where id = $1",
        measure
    );
    assert_ne!(percent, 150);
}

async fn securitas_agreement(app: &TestApp) -> uuid::Uuid {
    db_value!(
        &app.db,
        "select a.id from agreement a join organisation o on o.id = a.counterpart_id where o.name = 'Securitas'"
    )
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_counterpartys_signature_keeps_the_name_title_and_date(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let id = securitas_agreement(&app).await;
    let before = rows_in(&app.db, "agreement_counterparty_signature").await;
    let long = "Anna Vakt ".repeat(21);
    for (name, title, on, problem) in [
        ("Anna Vakt", "Regionchef", "2026-02-30", "signed_on"),
        ("Anna Vakt", "Regionchef", "", "signed_on"),
        ("", "Regionchef", "2026-11-30", "signer_name"),
        (long.as_str(), "Regionchef", "2026-11-30", "signer_name"),
    ] {
        let form = multipart::Form::new()
            .text("signer_name", name.to_owned())
            .text("signer_title", title)
            .text("signed_on", on);
        let page = refused_page(
            app.post_multipart(&format!("/avtal/{id}/motpart"), form)
                .await,
        )
        .await;
        assert_eq!(
            texts(&page, &format!("#{problem}-error")).len(),
            1,
            "{name:?} {on:?}"
        );
        assert_tied(&page, problem);
        assert_value(&page, "#signer_name", name);
        assert_value(&page, "#signer_title", title);
        assert_value(&page, "#signed_on", on);
    }
    assert_eq!(
        rows_in(&app.db, "agreement_counterparty_signature").await,
        before
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_termination_keeps_the_date_and_the_reason(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let id = securitas_agreement(&app).await;
    let long = "x".repeat(1001);
    for (on, reason, problem) in [
        ("", "Securitas har sagt upp avtalet.", "terminated_on"),
        (
            "31/12/2026",
            "Securitas har sagt upp avtalet.",
            "terminated_on",
        ),
        ("2026-12-31", "", "reason"),
        ("2026-12-31", long.as_str(), "reason"),
    ] {
        let page = app
            .refused_post(
                &format!("/avtal/{id}/avsluta"),
                &[("terminated_on", on), ("reason", reason)],
            )
            .await;
        assert_eq!(texts(&page, &format!("#{problem}-error")).len(), 1);
        assert_tied(&page, problem);
        assert_value(&page, "#terminated_on", on);
        assert_value(&page, "#reason", reason);
    }
    let status: String = db_value!(&app.db, "select status from agreement where id = $1", id);
    assert_ne!(status, "terminated");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_refused_cancellation_keeps_its_reason(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let planned: uuid::Uuid = db_value!(
        &app.db,
        "select mt.id from meeting mt join work_group g on g.id = mt.work_group_id
         where g.municipality_id = (select id from municipality where slug = 'lindesberg')
           and mt.status = 'planned' and mt.starts_at > now()
         order by mt.starts_at limit 1"
    );
    for reason in [
        format!("Lokalen är upptagen {}", "hela dagen ".repeat(50)),
        "x".repeat(501),
        "   ".to_owned(),
    ] {
        let page = app
            .refused_post(
                &format!("/moten/{planned}/stall-in"),
                &[("reason", reason.as_str())],
            )
            .await;
        assert_eq!(texts(&page, "#reason-error").len(), 1, "{reason}");
        assert_tied(&page, "reason");
        assert_value(&page, "#reason", &reason);
    }
    let status: String = db_value!(&app.db, "select status from meeting where id = $1", planned);
    assert_eq!(status, "planned");
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn refused_planning_settings_keep_the_choices_made(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let stored = db_row!(
        &app.db,
        "select action_plan_body, lagesbild_interval_months, public_page from municipality where slug = 'lindesberg'"
    );
    // The other choice than the stored one, so a page showing what is
    // stored cannot pass.
    let body = if stored.action_plan_body == "styrgrupp" {
        "beredningsgrupp"
    } else {
        "styrgrupp"
    };
    let public = if stored.public_page { "" } else { "ja" };
    for months in ["0", "61", "tolv", ""] {
        let page = app
            .refused_post(
                "/planering/installningar",
                &[
                    ("action_plan_body", body),
                    ("lagesbild_interval_months", months),
                    ("public_page", public),
                ],
            )
            .await;
        assert_field_errors(
            &page,
            "lagesbild_interval_months",
            &["Fel: Ange antal månader, 1 till 60."],
        );
        assert_value(&page, "#lagesbild_interval_months", months);
        assert_eq!(
            attr_of(&page, "input[name=action_plan_body][checked]", "value").as_deref(),
            Some(body)
        );
        assert_eq!(
            attr_of(&page, "#public_page", "checked").is_some(),
            public == "ja"
        );
    }
    let after = db_row!(
        &app.db,
        "select action_plan_body, lagesbild_interval_months, public_page from municipality where slug = 'lindesberg'"
    );
    assert_eq!(
        (
            after.action_plan_body,
            after.lagesbild_interval_months,
            after.public_page
        ),
        (
            stored.action_plan_body,
            stored.lagesbild_interval_months,
            stored.public_page
        )
    );
}
