//! The outbox: one row per recipient, written with the change, delivered
//! right after the commit; one bad recipient does not stop the rest, a
//! resend reaches only those who did not get this version, and the worker
//! retries what failed a bounded number of times.

use reqwest::StatusCode;

use crate::helpers::*;

async fn create_meeting(app: &TestApp) -> uuid::Uuid {
    let group = lindesberg_group(&app.db, "LindeBRÅ").await;
    let response = app
        .post(
            "/moten/ny",
            &[
                ("group_id", &group.to_string()),
                ("date", "2030-03-12"),
                ("time", "13:00"),
                ("duration", "60"),
                ("form", "in_person"),
                ("place", "Kommunhuset"),
                ("meeting_link", ""),
                ("agenda", "Lägesbild"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response.headers()["location"]
        .to_str()
        .expect("location")
        .trim_start_matches("/moten/")
        .parse()
        .expect("id")
}

/// The `To:` header of every `.eml` file in the folder, sorted.
fn recipients_on_disk(dir: &std::path::Path) -> Vec<String> {
    let mut to: Vec<String> = raw_mails(dir)
        .iter()
        .map(|raw| mail_header(&mailparse::parse_mail(raw).expect("mail parses"), "To"))
        .collect();
    to.sort();
    to
}

async fn statuses(app: &TestApp, meeting: uuid::Uuid) -> Vec<(String, String)> {
    db_rows!(
        &app.db,
        "select recipient_email, status from outbox where about_id = $1 order by recipient_email",
        meeting
    )
    .into_iter()
    .map(|r| (r.recipient_email, r.status))
    .collect()
}

/// A LindeBRÅ member other than the coordinator who sends the kallelse.
async fn a_member(app: &TestApp) -> String {
    db_value!(
        &app.db,
        r#"select pe.email from membership ms join work_group g on g.id = ms.work_group_id
           join position_holder h on h.position_id = ms.position_id and h.held_to is null
           join person pe on pe.id = h.person_id
           where g.name = 'LindeBRÅ' and pe.email <> $1 order by pe.email limit 1"#,
        COORDINATOR
    )
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_member_with_a_broken_name_gets_no_kallelse_the_others_do_and_a_resend_duplicates_nothing(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let meeting = create_meeting(&app).await;
    let member = a_member(&app).await;
    // A name stored before single-line fields refused line breaks.
    db_run!(
        &app.db,
        "update person set name = $2 where email = $1",
        member,
        "Anna\r\nBcc: angripare@example.com"
    );

    app.post_redirects(
        &format!("/moten/{meeting}/kallelse"),
        &[],
        &format!("/moten/{meeting}"),
    )
    .await;
    let sent = recipients_on_disk(&app.mail_dir);
    assert_eq!(sent.len(), 7, "{sent:?}");
    assert!(!sent.iter().any(|to| to.contains(&member)));
    let page = app.get_html(&format!("/moten/{meeting}")).await;
    let flash = texts(&page, ".flash.warning").join("");
    assert!(
        // The tests' server keeps mail as files: the coordinator is warned
        // that nobody got it.
        flash.contains(
            "Kallelsen till 7 personer sparades på servern men skickades inte: e-post är inte påslagen här. Meddela dem på annat sätt."
        ),
        "{flash}"
    );
    assert!(
        flash.contains("Det gick inte att skicka till Anna"),
        "{flash}"
    );
    let failed = texts(&page, "#failed-title + ul li");
    assert_eq!(failed.len(), 1);
    assert!(failed[0].contains(&member), "{failed:?}");
    assert!(
        failed[0].contains("Namnet på mottagaren får inte innehålla radbrytningar"),
        "{failed:?}"
    );
    assert!(
        failed[0].contains("försöker igen automatiskt"),
        "{failed:?}"
    );
    assert!(
        texts(&page, "#sent-title + ul li")[0].contains("kallelse till 7 personer"),
        "the sending records what went out"
    );
    let rows = statuses(&app, meeting).await;
    assert_eq!(rows.iter().filter(|(_, s)| s == "sent").count(), 7);
    assert_eq!(rows.iter().filter(|(_, s)| s == "failed").count(), 1);

    // The name is put right; a resend reaches only that member.
    db_run!(
        &app.db,
        "update person set name = 'Anna Berg' where email = $1",
        member
    );
    app.post(&format!("/moten/{meeting}/kallelse"), &[]).await;
    let sent = recipients_on_disk(&app.mail_dir);
    assert_eq!(sent.len(), 8, "{sent:?}");
    assert_eq!(sent.iter().filter(|to| to.contains(&member)).count(), 1);
    let page = app.get_html(&format!("/moten/{meeting}")).await;
    assert!(
        texts(&page, ".flash.warning")
            .join("")
            .contains("Kallelsen till 1 person sparades på servern men skickades inte")
    );
    assert!(texts(&page, "#failed-title").is_empty());

    // Once everyone has this version, a resend sends nothing.
    app.post(&format!("/moten/{meeting}/kallelse"), &[]).await;
    assert_eq!(recipients_on_disk(&app.mail_dir).len(), 8);
    let page = app.get_html(&format!("/moten/{meeting}")).await;
    assert!(
        texts(&page, ".flash")
            .join("")
            .contains("alla har redan fått den här versionen")
    );
    assert!(
        texts(&page, ".flash.warning").is_empty(),
        "nothing to warn of"
    );
    assert_eq!(statuses(&app, meeting).await.len(), 8);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn when_the_transport_fails_the_kallelse_is_recorded_as_failed_and_the_worker_sends_it_later(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let meeting = create_meeting(&app).await;
    // The mail folder becomes a file: every write fails.
    std::fs::remove_dir_all(&app.mail_dir).expect("remove");
    std::fs::write(&app.mail_dir, b"not a folder").expect("file");

    let page = app
        .post_and_follow(
            &format!("/moten/{meeting}/kallelse"),
            &[],
            &format!("/moten/{meeting}"),
        )
        .await;
    let flash = texts(&page, ".flash.warning").join("");
    assert!(
        flash.contains("Observera: Kallelsen kunde inte skickas. Det gick inte att skicka till "),
        "{flash}"
    );
    assert!(flash.contains("försöker igen automatiskt"), "{flash}");
    assert_eq!(texts(&page, "#failed-title + ul li").len(), 8);
    let rows = statuses(&app, meeting).await;
    assert!(rows.iter().all(|(_, s)| s == "failed"), "{rows:?}");

    // The folder is back; the worker's next round sends what is due, and
    // a recipient who has used up the tries is left alone.
    std::fs::remove_file(&app.mail_dir).expect("file");
    std::fs::create_dir_all(&app.mail_dir).expect("folder");
    let exhausted = a_member(&app).await;
    db_run!(
        &app.db,
        "update outbox set next_attempt_at = now() where about_id = $1 and municipality_id = $2",
        meeting,
        municipality_id(&app.db, "Lindesbergs kommun").await
    );
    db_run!(
        &app.db,
        "update outbox set attempts = $3 where about_id = $1 and recipient_email = $2 and municipality_id = $4",
        meeting,
        exhausted,
        samordna::mail::outbox::MAX_ATTEMPTS,
        municipality_id(&app.db, "Lindesbergs kommun").await
    );
    let state = samordna::state::AppState::new(app.db.clone(), config(app.mail_dir.clone()))
        .expect("state");
    let delivery = samordna::mail::outbox::deliver_due(&state)
        .await
        .expect("worker");
    assert_eq!(delivery.sent.len(), 7);
    assert!(delivery.failed.is_empty());
    let sent = recipients_on_disk(&app.mail_dir);
    assert_eq!(sent.len(), 7);
    assert!(!sent.iter().any(|to| to.contains(&exhausted)));
    // Nothing more is due: a second round sends nothing.
    let again = samordna::mail::outbox::deliver_due(&state)
        .await
        .expect("worker");
    assert!(again.sent.is_empty() && again.failed.is_empty());
    let page = app.get_html(&format!("/moten/{meeting}")).await;
    let failed = texts(&page, "#failed-title + ul li");
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0].contains("har gett upp efter 5 försök"),
        "{failed:?}"
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_cancellation_is_queued_with_the_change_and_reaches_each_member_once(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let meeting = create_meeting(&app).await;
    app.post(&format!("/moten/{meeting}/kallelse"), &[]).await;
    app.post_redirects(
        &format!("/moten/{meeting}/stall-in"),
        &[("reason", "Sjukdom")],
        &format!("/moten/{meeting}"),
    )
    .await;
    let kinds = db_rows!(
        &app.db,
        r#"select kind, sequence, count(*) filter (where status = 'sent') as "sent!", count(*) as "all!"
           from outbox where about_id = $1 group by kind, sequence order by sequence"#,
        meeting
    );
    let summary: Vec<(String, Option<i32>, i64, i64)> = kinds
        .into_iter()
        .map(|r| (r.kind, r.sequence, r.sent, r.all))
        .collect();
    assert_eq!(
        summary,
        [
            ("invitation".to_owned(), Some(0), 8, 8),
            ("cancellation".to_owned(), Some(1), 8, 8)
        ]
    );
    assert_eq!(recipients_on_disk(&app.mail_dir).len(), 16);
}

/// Mail queued for a municipality that the operator suspends is kept: it
/// is neither sent nor marked failed (its tries untouched) while the
/// municipality is suspended, and goes out once it is resumed.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn mail_of_a_suspended_municipality_waits_queued_until_it_is_resumed(db: sqlx::PgPool) {
    samordna::seed::load_demo(&db).await.expect("demo");
    let (state, mail_dir) = state_with_mail(db.clone());
    let m = municipality_id(&db, "Lindesbergs kommun").await;
    let mut tx = db.begin().await.expect("tx");
    let ids = samordna::mail::outbox::enqueue_text(
        &mut tx,
        samordna::tenant::MunicipalityId::of_row(m),
        samordna::mail::outbox::Kind::MeasureReminder,
        None,
        &[("Kim".to_owned(), "kim@lindesberg.example".to_owned())],
        "Påminnelse: Belysning i parken",
        "Hej!",
    )
    .await
    .expect("queued");
    tx.commit().await.expect("commit");
    // Left behind by its request: the worker's to send.
    db_run!(
        &db,
        "update outbox set created_at = now() - interval '1 hour' where municipality_id = $1",
        m
    );
    suspend(&db, m, true).await;

    let now = samordna::mail::outbox::deliver(&state, &ids).await;
    let worker = samordna::mail::outbox::deliver_due(&state)
        .await
        .expect("worker");
    assert!(now.sent.is_empty() && now.failed.is_empty());
    assert!(worker.sent.is_empty() && worker.failed.is_empty());
    let row = db_row!(
        &db,
        "select status, attempts from outbox where id = $1",
        ids[0]
    );
    assert_eq!((row.status.as_str(), row.attempts), ("queued", 0));
    assert!(recipients_on_disk(&mail_dir).is_empty());

    suspend(&db, m, false).await;
    let resumed = samordna::mail::outbox::deliver_due(&state)
        .await
        .expect("worker");
    assert_eq!(resumed.sent.len(), 1);
    assert_eq!(recipients_on_disk(&mail_dir).len(), 1);
}
