//! Meetings: scheduling in the browser, term planning, kallelse by e-mail,
//! calendar feeds, the meeting record, compliance and access.

use icalendar::{Calendar, Component};
use reqwest::StatusCode;
use samordna::meetings::calendar::Term;
use scraper::Selector;

use crate::helpers::*;

/// Creates a meeting through the HTML form and returns its id.
async fn create_meeting(
    app: &TestApp,
    group: &str,
    date: &str,
    time: &str,
    minutes: &str,
) -> uuid::Uuid {
    let group_id = lindesberg_group(&app.db, group).await;
    let response = app
        .post(
            "/moten/ny",
            &[
                ("group_id", &group_id.to_string()),
                ("date", date),
                ("time", time),
                ("duration", minutes),
                ("form", "in_person"),
                ("place", "Kommunhuset, sal Linde"),
                ("meeting_link", ""),
                ("agenda", "Lägesbild\nUppföljning, åtgärdsplan"),
                // Tests that make past meetings confirm them; the warning
                // itself is tested on its own.
                ("past_ok", "ja"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "create meeting");
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    location
        .trim_start_matches("/moten/")
        .parse()
        .expect("meeting id")
}

/// The `.eml` files in the app's mail folder, raw.
/// How well `group` in the municipality `m` kept its meeting cadence in `term`.
async fn compliance(
    app: &TestApp,
    m: uuid::Uuid,
    group: uuid::Uuid,
    term: Term,
) -> samordna::meetings::cadence::Compliance {
    let tenant = samordna::tenant::MunicipalityId::of_row(m);
    samordna::meetings::cadence::compliance(&app.db, tenant, group, term)
        .await
        .expect("compliance")
}

/// Records the minutes of meeting `id`: `present` attended, and `notes`.
async fn record_minutes(app: &TestApp, id: uuid::Uuid, present: uuid::Uuid, notes: &str) {
    let attended = format!("a_{present}");
    app.post(
        &format!("/moten/{id}/protokoll"),
        &[(attended.as_str(), "present"), ("notes", notes)],
    )
    .await;
}

/// A LindeBRÅ meeting held yesterday, with the police's attendance and a
/// line of notes recorded (nobody else's attendance).
async fn held_yesterday(app: &TestApp) -> uuid::Uuid {
    let yesterday = (samordna::web::today() - chrono::Days::new(1)).to_string();
    let id = create_meeting(app, "LindeBRÅ", &yesterday, "13:00", "120").await;
    let police = lindesberg_position(&app.db, "Kommunpolis").await;
    record_minutes(app, id, police, "Lägesbilden gicks igenom.").await;
    id
}

/// The first part of a mail, at any depth, whose type is `mimetype`.
fn find_part<'a>(
    mail: &'a mailparse::ParsedMail<'a>,
    mimetype: &str,
) -> Option<&'a mailparse::ParsedMail<'a>> {
    if mail.ctype.mimetype == mimetype {
        return Some(mail);
    }
    mail.subparts.iter().find_map(|p| find_part(p, mimetype))
}

/// The `.eml` files in the app's mail folder, parsed: (to, subject, calendar text).
fn mails(app: &TestApp) -> Vec<(String, String, String)> {
    let mut mails: Vec<_> = raw_mails(&app.mail_dir)
        .iter()
        .map(|raw| {
            let mail = mailparse::parse_mail(raw).expect("mail parses");
            let calendar = find_part(&mail, "text/calendar")
                .map(|p| p.get_body().expect("calendar body"))
                .unwrap_or_default();
            (
                mail_header(&mail, "To"),
                mail_header(&mail, "Subject"),
                calendar,
            )
        })
        .collect();
    mails.sort();
    mails
}

/// The parsed mails whose subject starts with `subject`.
fn mails_titled(app: &TestApp, subject: &str) -> Vec<(String, String, String)> {
    let mut mails = mails(app);
    mails.retain(|(_, s, _)| s.starts_with(subject));
    mails
}

fn event_value(calendar: &str, uid: &str, property: &str) -> Option<String> {
    let parsed: Calendar = calendar.parse().expect("calendar parses");
    parsed
        .events()
        .find(|e| e.get_uid() == Some(uid))
        .and_then(|e| e.property_value(property).map(str::to_owned))
}

/// `PROPERTY:value` of the event `uid` for each property asked for, so a
/// failing comparison names the property.
fn event_props(calendar: &str, uid: &str, properties: &[&str]) -> Vec<String> {
    properties
        .iter()
        .map(|p| format!("{p}:{}", event_value(calendar, uid, p).unwrap_or_default()))
        .collect()
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_meeting_made_in_the_form_is_stored_in_swedish_time_and_appears_in_my_feed(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;

    let id = create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;

    let stored = db_row!(
        &app.db,
        "select starts_at, ends_at, place, agenda from meeting where id = $1",
        id
    );
    assert_eq!(stored.starts_at.to_rfc3339(), "2030-03-12T12:00:00+00:00");
    assert_eq!(stored.ends_at.to_rfc3339(), "2030-03-12T14:00:00+00:00");
    assert_eq!(stored.place, "Kommunhuset, sal Linde");
    let page = app.get_html(&format!("/moten/{id}")).await;
    assert_eq!(texts(&page, "h1"), ["LindeBRÅ, tisdag 12 mars 2030"]);
    assert_eq!(
        texts(&page, ".agenda li"),
        ["Lägesbild", "Uppföljning, åtgärdsplan"]
    );

    app.post("/konto/kalender", &[("action", "new")]).await;
    let path = feed_path(&app, "/konto", "#feed-url").await;
    // A calendar program sends no cookies.
    let response = fetch_feed(&app, &path).await;
    let calendar = body_of_type(response, "text/calendar").await;
    let uid = format!("{id}@samordna");
    assert_eq!(
        event_props(&calendar, &uid, &["DTSTART", "LOCATION"]),
        [
            "DTSTART:20300312T120000Z",
            "LOCATION:Kommunhuset, sal Linde"
        ]
    );
    assert!(!calendar.contains("ATTENDEE"), "feeds publish no addresses");

    // A new address retires the old one.
    app.post("/konto/kalender", &[("action", "new")]).await;
    let response = fetch_feed(&app, &path).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

/// With SMTP configured the page says the kallelse goes by e-mail (nothing
/// is sent here: the page is only read).
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn with_e_mail_on_the_meeting_page_says_the_kallelse_goes_by_e_mail(db: sqlx::PgPool) {
    let app = TestApp::with_config(db, |c| {
        c.smtp_url = Some("smtp://127.0.0.1:2525".to_owned());
    })
    .await;
    app.login(COORDINATOR).await;
    let id = create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;
    let page = app.get_html(&format!("/moten/{id}")).await;
    let said = texts(&page, "#kallelse-title ~ p").join(" ");
    assert!(
        said.starts_with("Kallelsen går med e-post och kalenderfil till 8 personer:"),
        "{said}"
    );
    assert!(texts(&page, "#ingen-e-post").is_empty());
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_kallelse_mails_every_member_holder_once_with_a_calendar_request(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let id = create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;
    // The tests' server keeps mail as files: the page says so before the
    // coordinator sends, not "går med e-post".
    let page = app.get_html(&format!("/moten/{id}")).await;
    let said = texts(&page, "#kallelse-title ~ p").join(" ");
    assert!(said.starts_with("Kallelsen gäller 8 personer:"), "{said}");
    assert!(!said.contains("går med e-post"), "{said}");
    assert!(
        texts(&page, "#ingen-e-post")[0].starts_with("E-post är inte påslagen på den här servern"),
    );

    app.post_redirects(
        &format!("/moten/{id}/kallelse"),
        &[],
        &format!("/moten/{id}"),
    )
    .await;

    let sent = mails(&app);
    let holders: Vec<String> = db_values!(
        &app.db,
        r#"select distinct pe.email from membership ms join work_group g on g.id = ms.work_group_id
           join position_holder h on h.position_id = ms.position_id and h.held_to is null
           join person pe on pe.id = h.person_id where g.name = 'LindeBRÅ' order by pe.email"#
    );
    assert_eq!(holders.len(), 8);
    let mut recipients: Vec<String> = sent.iter().map(|(to, _, _)| to.clone()).collect();
    recipients.sort();
    assert_eq!(recipients.len(), 8);
    for email in &holders {
        assert_eq!(
            recipients
                .iter()
                .filter(|to| to.contains(email.as_str()))
                .count(),
            1,
            "{email}"
        );
    }
    let uid = format!("{id}@samordna");
    for (_, subject, calendar) in &sent {
        assert_eq!(subject, "Kallelse: LindeBRÅ 2030-03-12 kl. 13:00");
        assert!(calendar.contains("METHOD:REQUEST"));
        assert_eq!(
            event_props(calendar, &uid, &["SEQUENCE", "DTEND"]),
            ["SEQUENCE:0", "DTEND:20300312T140000Z"]
        );
    }
    let page = app.get_html(&format!("/moten/{id}")).await;
    let sent = &texts(&page, "#sent-title + ul li")[0];
    assert!(
        sent.contains("kallelse till 8 personer av Sara Lindqvist"),
        "{sent}"
    );
    // The tests' transport writes files: said in words, without the
    // server's folder.
    assert!(
        sent.ends_with("(sparad som fil på servern, inte skickad med e-post)"),
        "{sent}"
    );
    assert!(!page.html().contains(&*app.mail_dir.to_string_lossy()));
}

/// A kallelse sent twice reaches each member once: the outbox holds one
/// row per meeting version and recipient.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_kallelse_sent_twice_is_mailed_once(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let id = create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;

    app.post(&format!("/moten/{id}/kallelse"), &[]).await;
    app.post(&format!("/moten/{id}/kallelse"), &[]).await;

    assert_eq!(
        crate::double_submit::outbox_rows(&app.db, "invitation").await,
        (8, 8)
    );
}

/// A cancellation sent twice (a double click, a resend after a 502 from
/// the load balancer) mails each invited member once; the repeat says the
/// form was already sent.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_cancellation_sent_twice_is_mailed_once_and_the_repeat_says_so(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let id = create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;
    app.post(&format!("/moten/{id}/kallelse"), &[]).await;

    let (first, second) = crate::double_submit::post_form_twice(
        &app,
        &format!("/moten/{id}"),
        &format!(r#"form[action="/moten/{id}/stall-in"]"#),
        &[("reason", "Lokalen är upptagen.")],
    )
    .await;

    assert_redirect_to(&first, &format!("/moten/{id}"));
    assert_eq!(
        crate::double_submit::outbox_rows(&app.db, "cancellation").await,
        (8, 8)
    );
    assert_eq!(
        crate::double_submit::flash_after(&app, &second).await,
        [samordna::web::idempotency::ALREADY_SENT]
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn cancelling_sends_a_cancel_with_the_same_uid_and_a_higher_sequence_and_updates_the_feed(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let id = create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;
    app.post(&format!("/moten/{id}/kallelse"), &[]).await;

    let refused = app
        .refused_post(&format!("/moten/{id}/stall-in"), &[("reason", "")])
        .await;
    assert_field_errors(&refused, "reason", &["Fel: Fyll i varför mötet ställs in."]);

    app.post_redirects(
        &format!("/moten/{id}/stall-in"),
        &[("reason", "Lokalen är upptagen.")],
        &format!("/moten/{id}"),
    )
    .await;

    let uid = format!("{id}@samordna");
    let cancellations = mails_titled(&app, "Inställt:");
    assert_eq!(cancellations.len(), 8);
    for (_, _, calendar) in &cancellations {
        assert!(calendar.contains("METHOD:CANCEL"));
        assert_eq!(
            event_props(calendar, &uid, &["SEQUENCE", "STATUS"]),
            ["SEQUENCE:1", "STATUS:CANCELLED"]
        );
    }
    let group = lindesberg_group(&app.db, "LindeBRÅ").await;
    let path = feed_path(&app, &format!("/grupper/{group}"), "#group-feed-url").await;
    let calendar = fetch_feed(&app, &path).await.text().await.expect("ics");
    assert_eq!(
        event_props(&calendar, &uid, &["STATUS"]),
        ["STATUS:CANCELLED"]
    );
    let page = app.get_html(&format!("/moten/{id}")).await;
    assert!(texts(&page, ".notice")[0].contains("Lokalen är upptagen."));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn moving_a_meeting_after_the_kallelse_bumps_the_sequence_and_asks_for_an_update(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let id = create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;
    app.post(&format!("/moten/{id}/kallelse"), &[]).await;
    let group = lindesberg_group(&app.db, "LindeBRÅ").await;

    let page = app
        .post_and_follow(
            &format!("/moten/{id}"),
            &[
                ("group_id", &group.to_string()),
                ("date", "2030-03-13"),
                ("time", "10:00"),
                ("duration", "90"),
                ("form", "in_person"),
                ("place", "Kommunhuset, sal Linde"),
                ("agenda", "Lägesbild"),
            ],
            &format!("/moten/{id}"),
        )
        .await;
    assert!(texts(&page, ".flash")[0].contains("skicka en uppdaterad kallelse"));
    let sequence = db_value!(&app.db, "select sequence from meeting where id = $1", id);
    assert_eq!(sequence, 1);
    app.post(&format!("/moten/{id}/kallelse"), &[]).await;
    let updates = mails_titled(&app, "Uppdaterad kallelse");
    assert_eq!(updates.len(), 8);
    assert_eq!(
        event_value(&updates[0].2, &format!("{id}@samordna"), "DTSTART").as_deref(),
        Some("20300313T090000Z")
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_thursday_term_skips_kristi_himmelfardsdag_and_keeps_swedish_time_across_summer_time(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let est = lindesberg_group(&app.db, "EST").await;
    let query = format!(
        "/moten/planera?grupp={est}&termin=2030-var&weekday=4&time=09:00&duration=30&form=online&meeting_link=https://teams.example/est&break_from=2030-06-14&break_to=2030-06-30"
    );

    let preview = app.get_html(&query).await;
    let skipped = texts(&preview, "#proposal-title + form ul li");
    assert_listed(&skipped, "torsdag 30 maj 2030: Kristi himmelfärdsdag");
    assert_listed(&skipped, "torsdag 20 juni 2030: Uppehåll");
    let proposed = texts(
        &preview,
        "#proposal-title + form table tbody tr td:nth-child(2)",
    );
    assert!(!proposed.contains(&"torsdag 30 maj 2030".to_owned()));
    let before = meeting_count(&app, est).await;

    let fields: Vec<(String, String)> = query
        .split_once('?')
        .expect("query")
        .1
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("pair");
            (k.to_owned(), v.to_owned())
        })
        .collect();
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.assert_post_status("/moten/planera", &form, StatusCode::SEE_OTHER)
        .await;

    assert_eq!(
        meeting_count(&app, est).await - before,
        i64::try_from(proposed.len()).expect("count")
    );
    let times: Vec<(String, String)> = db_rows!(&app.db, r#"select to_char(starts_at at time zone 'Europe/Stockholm', 'YYYY-MM-DD') as "day!",
                  to_char(starts_at at time zone 'UTC', 'HH24:MI') as "utc!"
           from meeting where work_group_id = $1 and starts_at >= '2030-01-01' and starts_at < '2030-07-01'
           order by starts_at"#,
        est)
    .into_iter()
    .map(|r| (r.day, r.utc))
    .collect();
    assert!(
        times.contains(&("2030-03-28".to_owned(), "08:00".to_owned())),
        "winter time: 09:00 is 08:00 UTC"
    );
    assert!(
        times.contains(&("2030-04-04".to_owned(), "07:00".to_owned())),
        "summer time: 09:00 is 07:00 UTC"
    );
    assert!(!times.iter().any(|(d, _)| d == "2030-05-30"));
    assert!(
        !times.iter().any(|(d, _)| d.as_str() >= "2030-06-14"),
        "the break is left out"
    );

    // Saving the same term again creates nothing new.
    app.post("/moten/planera", &form).await;
    assert_eq!(
        meeting_count(&app, est).await - before,
        i64::try_from(proposed.len()).expect("count")
    );
}

async fn meeting_count(app: &TestApp, group: uuid::Uuid) -> i64 {
    db_value!(
        &app.db,
        r#"select count(*) as "n!" from meeting where work_group_id = $1"#,
        group
    )
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_double_booking_is_warned_about_when_planning(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;

    create_meeting(&app, "Styrgrupp", "2030-03-12", "14:00", "60").await;

    let page = app.get_html("/moten").await;
    let flash = texts(&page, ".flash.warning").join(" ");
    assert!(
        flash.contains("Dubbelbokning:")
            && flash
                .contains("Sara Lindqvist har redan möte i LindeBRÅ 2030-03-12 kl. 13:00–15:00."),
        "{flash}"
    );
    assert!(
        flash.contains("Johan Karlsson har redan möte i LindeBRÅ"),
        "{flash}"
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_record_takes_attendance_decisions_that_appoint_a_group_or_a_task_and_locks_on_approval(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let yesterday = (samordna::web::today() - chrono::Days::new(1)).to_string();
    let id = create_meeting(&app, "LindeBRÅ", &yesterday, "13:00", "120").await;
    let coordinator = lindesberg_position(&app.db, "Brottsförebyggande samordnare").await;
    let police = lindesberg_position(&app.db, "Kommunpolis").await;

    app.post_redirects(
        &format!("/moten/{id}/protokoll"),
        &[
            (&format!("a_{coordinator}") as &str, "present"),
            (&format!("a_{police}"), "absent"),
            ("notes", "Lägesbilden gicks igenom."),
        ],
        &format!("/moten/{id}#protokoll"),
    )
    .await;
    let statuses: Vec<String> = db_values!(
        &app.db,
        "select status from meeting_attendance where meeting_id = $1 order by status desc",
        id
    );
    assert_eq!(statuses, ["present", "absent"]);

    app.post_redirects(
        &format!("/moten/{id}/beslut"),
        &[
            ("text", "En arbetsgrupp tillsätts för trygghet i Storå."),
            ("kind", "group"),
            ("group_name", "Arbetsgrupp Storå"),
            ("group_task", "Kartlägga otryggheten i Storå centrum."),
            ("group_focus", "Storå"),
        ],
        &format!("/moten/{id}#beslut"),
    )
    .await;
    let group = db_row!(
        &app.db,
        r#"select g.tier, g.decision_reference, a.name as "appointed_by?" from work_group g
           left join work_group a on a.id = g.appointed_by_group_id where g.name = 'Arbetsgrupp Storå'"#
    );
    assert_eq!(group.tier, "temporary");
    assert_eq!(group.appointed_by.as_deref(), Some("LindeBRÅ"));
    assert_eq!(
        group.decision_reference,
        format!("LindeBRÅ {yesterday} § 1")
    );

    // A task for the police, first without the date it is due.
    let decisions = format!("/moten/{id}/beslut");
    let police = police.to_string();
    let task = |due: &'static str| {
        [
            ("text", "Polisen tar fram statistik."),
            ("kind", "task"),
            ("task_title", "Statistik för Storå"),
            ("task_owner", police.as_str()),
            ("task_due", due),
        ]
    };
    let page = app.refused_post(&decisions, &task("")).await;
    assert_field_errors(&page, "task_due", &["Fel: Ange ett datum."]);
    assert_eq!(texts(&page, "#task_title").len(), 1);
    assert_value(&page, "#task_title", "Statistik för Storå");

    app.post(&decisions, &task("2030-01-31")).await;
    let page = app.get_html(&format!("/moten/{id}")).await;
    let decisions = texts(&page, ".decisions li");
    assert_eq!(decisions.len(), 2);
    assert!(decisions[0].starts_with("§ 1 En arbetsgrupp tillsätts för trygghet i Storå. Tillsatte arbetsgruppen Arbetsgrupp Storå."));
    assert!(
        decisions[1].contains(
            "Uppgift: Statistik för Storå, ansvarig Kommunpolis, klar senast 2030-01-31."
        )
    );

    app.post_redirects(
        &format!("/moten/{id}/justera"),
        &[("bekrafta", "ja")],
        &format!("/moten/{id}"),
    )
    .await;
    app.assert_post_status(
        &format!("/moten/{id}/protokoll"),
        &[("notes", "Ändrat i efterhand")],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let notes = db_value!(&app.db, "select notes from meeting where id = $1", id);
    assert_eq!(notes, "Lägesbilden gicks igenom.");
    let page = app.get_html(&format!("/moten/{id}")).await;
    assert!(texts(&page, "#protokoll .notice")[0].starts_with("Protokollet är justerat"));
    assert!(
        texts(&page, "#protokoll form").is_empty(),
        "read-only after approval"
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn compliance_counts_held_planned_and_cancelled_meetings_against_the_cadence(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let one = create_meeting(&app, "LindeBRÅ", "2030-09-10", "13:00", "120").await;
    let two = create_meeting(&app, "LindeBRÅ", "2030-10-15", "13:00", "120").await;
    create_meeting(&app, "LindeBRÅ", "2030-11-12", "13:00", "120").await;
    let m = municipality_id(&app.db, "Lindesbergs kommun").await;
    db_run!(
        &app.db,
        "update meeting set status = 'held' where id = $1 and municipality_id = $2",
        one,
        m
    );
    app.post(&format!("/moten/{two}/stall-in"), &[("reason", "Sjukdom")])
        .await;
    let group = lindesberg_group(&app.db, "LindeBRÅ").await;

    let term = Term::parse("2030-host").expect("term");
    let c = compliance(&app, m, group, term).await;

    assert_eq!((c.required, c.held, c.planned, c.cancelled), (2, 1, 1, 1));
    assert_eq!(
        c.summary("LindeBRÅ"),
        "LindeBRÅ höst 2030: 1 av 2 hållna, 1 planerat, 1 inställt"
    );
    assert!(c.on_track());
    let est = lindesberg_group(&app.db, "EST").await;
    let weekly = compliance(&app, m, est, term).await;
    assert!(
        weekly.required > 15,
        "a weekly group meets most weeks of a term"
    );
    assert!(!weekly.on_track());

    let page = app.get_html(&format!("/grupper/{group}")).await;
    let lines = texts(&page, ".compliance li");
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l.starts_with("LindeBRÅ ")));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn members_see_only_their_groups_meetings_and_only_conveners_schedule(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let lindebra = create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;
    let est = create_meeting(&app, "EST", "2030-03-13", "09:00", "30").await;

    let securitas = app.beside(SECURITAS).await;
    securitas
        .assert_status(&format!("/moten/{est}"), StatusCode::OK)
        .await;
    securitas
        .assert_status(&format!("/moten/{lindebra}"), StatusCode::NOT_FOUND)
        .await;
    securitas
        .assert_status("/moten/ny", StatusCode::FORBIDDEN)
        .await;
    securitas
        .assert_post_status(
            &format!("/moten/{est}/kallelse"),
            &[],
            StatusCode::FORBIDDEN,
        )
        .await;
    securitas
        .assert_post_status(
            &format!("/moten/{est}/stall-in"),
            &[("reason", "x")],
            StatusCode::FORBIDDEN,
        )
        .await;
    let month = securitas.get_html("/moten?manad=2030-03").await;
    let shown = texts(&month, ".cal-meeting");
    assert!(shown.iter().any(|t| t.contains("EST")));
    assert!(!shown.iter().any(|t| t.contains("LindeBRÅ")), "{shown:?}");
    assert!(
        texts(&month, ".actions").is_empty(),
        "no scheduling buttons"
    );

    let police = TestApp::spawn(app.db.clone()).await;
    police.login_in(POLICE_LIAISON, "Lindesbergs kommun").await;
    police
        .assert_status(&format!("/moten/{lindebra}"), StatusCode::OK)
        .await;
    police
        .assert_post_status(
            &format!("/moten/{lindebra}/kallelse"),
            &[],
            StatusCode::FORBIDDEN,
        )
        .await;

    let nora = app.beside(NORA_COORDINATOR).await;
    nora.assert_status(&format!("/moten/{est}"), StatusCode::NOT_FOUND)
        .await;
    nora.assert_post_status(
        &format!("/moten/{est}/stall-in"),
        &[("reason", "x")],
        StatusCode::NOT_FOUND,
    )
    .await;
    let feed = nora.get("/kalender/finnsinte.ics").await;
    assert_eq!(feed.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_coordinator_edits_a_cadence_and_the_group_page_shows_it(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let group = lindesberg_group(&app.db, "Arbetsgrupp trygg stationsmiljö").await;
    let securitas = app.beside(SECURITAS).await;
    securitas
        .assert_status(
            &format!("/grupper/{group}/motesrytm"),
            StatusCode::FORBIDDEN,
        )
        .await;
    app.login(COORDINATOR).await;

    let page = app
        .post_and_follow(
            &format!("/grupper/{group}/motesrytm"),
            &[
                ("kind", "weekly"),
                ("per_half_year", ""),
                ("weekday", "3"),
                ("time", "15:30"),
                ("duration", "45"),
                ("form", "in_person"),
                ("places", "Resecentrum\nKommunhuset"),
                ("meeting_link", ""),
            ],
            &format!("/grupper/{group}"),
        )
        .await;
    assert_listed(
        &texts(&page, "p"),
        "Mötesrytm: Varje onsdag kl. 15:30, 45 minuter, fysiskt: Resecentrum eller Kommunhuset Ändra mötesrytmen",
    );

    let page = app
        .refused_post(
            &format!("/grupper/{group}/motesrytm"),
            &[
                ("kind", "weekly"),
                ("weekday", "9"),
                ("time", "25:00"),
                ("duration", "2"),
                ("form", "in_person"),
            ],
        )
        .await;
    assert_field_errors(
        &page,
        "time",
        &["Fel: Ange tiden som TT:MM, till exempel 09:00."],
    );
    assert_field_errors(
        &page,
        "duration",
        &["Fel: Ange längden i minuter, mellan 5 och 600."],
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_demo_has_a_year_of_held_meetings_with_attendance_and_one_cancelled(db: sqlx::PgPool) {
    samordna::seed::load_demo(&db).await.expect("seed");
    let counts = db_row!(
        &db,
        r#"select count(*) filter (where status = 'held') as "held!",
                  count(*) filter (where status = 'cancelled') as "cancelled!",
                  count(*) filter (where status = 'planned') as "planned!",
                  (select count(*) from meeting_attendance) as "attendance!"
           from meeting"#
    );
    assert!(counts.held > 40);
    assert_eq!(counts.cancelled, 1);
    assert!(counts.planned > 40);
    assert!(counts.attendance > 300);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_calendar_loads_its_data_in_one_statement(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let member = app.beside(SECURITAS).await;
    let next = samordna::web::today()
        .checked_add_months(chrono::Months::new(1))
        .expect("next month")
        .format("%Y-%m")
        .to_string();
    for app in [&app, &member] {
        app.get_html("/").await;
        for path in ["/moten".to_owned(), format!("/moten?manad={next}")] {
            let n = crate::request_path::statements(app, &path).await;
            assert_eq!(n, 1, "{path} ran {n} statements");
        }
    }
}

/// The `Content-Type` header of a mail part, as written.
fn part_type(part: &mailparse::ParsedMail<'_>) -> String {
    mail_header(part, "Content-Type")
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_kallelse_is_a_meeting_request_outlook_can_answer_with_the_calendar_also_attached(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let id = create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;

    app.post(&format!("/moten/{id}/kallelse"), &[]).await;

    let raw = raw_mails(&app.mail_dir);
    assert_eq!(raw.len(), 8);
    for bytes in &raw {
        let mail = mailparse::parse_mail(bytes).expect("mail parses");
        assert_eq!(mail.ctype.mimetype, "multipart/mixed");
        let alternative = find_part(&mail, "multipart/alternative").expect("alternative");
        let kinds: Vec<&str> = alternative
            .subparts
            .iter()
            .map(|p| p.ctype.mimetype.as_str())
            .collect();
        assert_eq!(kinds, ["text/plain", "text/calendar"]);
        let calendar_type = part_type(&alternative.subparts[1]).to_lowercase();
        assert!(calendar_type.contains("method=request"), "{calendar_type}");
        assert!(calendar_type.contains("charset=utf-8"), "{calendar_type}");
        let body = alternative.subparts[1].get_body().expect("calendar");
        assert!(body.contains("METHOD:REQUEST"));
        assert!(
            alternative.subparts[0]
                .get_body()
                .expect("text")
                .contains("Du kallas till möte i LindeBRÅ.")
        );
        let file = find_part(&mail, "application/ics").expect("the .ics attachment");
        let disposition = file.get_content_disposition();
        assert_eq!(
            disposition.disposition,
            mailparse::DispositionType::Attachment
        );
        assert_eq!(
            disposition.params.get("filename").map(String::as_str),
            Some("kallelse.ics")
        );
    }

    app.post(&format!("/moten/{id}/stall-in"), &[("reason", "Sjukdom.")])
        .await;
    let cancellations: Vec<_> = raw_mails(&app.mail_dir)
        .into_iter()
        .filter(|bytes| {
            let mail = mailparse::parse_mail(bytes).expect("mail parses");
            let alternative = find_part(&mail, "multipart/alternative").expect("alternative");
            part_type(&alternative.subparts[1])
                .to_lowercase()
                .contains("method=cancel")
        })
        .collect();
    assert_eq!(cancellations.len(), 8);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_meeting_page_offers_its_calendar_file_with_the_kallelse_uid_and_says_when_the_kallelse_went_out(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let day = samordna::web::today() + chrono::Days::new(10);
    let id = create_meeting(&app, "LindeBRÅ", &day.to_string(), "13:00", "120").await;
    let page = app.get_html(&format!("/moten/{id}")).await;
    assert!(texts(&page, ".lead")[0].contains("Ingen kallelse skickad än"));
    assert!(texts(&page, ".lead .invited").is_empty());
    let link = format!("/moten/{id}/kalender.ics");
    assert_eq!(
        texts(&page, &format!("a[href='{link}']")),
        ["Lägg in mötet i din kalender (.ics)"]
    );

    app.post(&format!("/moten/{id}/kallelse"), &[]).await;
    let group = lindesberg_group(&app.db, "LindeBRÅ").await;
    app.post(
        &format!("/moten/{id}"),
        &[
            ("group_id", &group.to_string()),
            ("date", &day.to_string()),
            ("time", "14:00"),
            ("duration", "60"),
            ("form", "in_person"),
            ("place", "Kommunhuset"),
            ("agenda", "Lägesbild"),
        ],
    )
    .await;
    app.post(&format!("/moten/{id}/kallelse"), &[]).await;

    let response = app.get(&link).await;
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("disposition")
            .starts_with("attachment")
    );
    let file = body_of_type(response, "text/calendar").await;
    let uid = format!("{id}@samordna");
    let update = mails_titled(&app, "Uppdaterad kallelse")
        .into_iter()
        .next()
        .expect("the updated kallelse")
        .2;
    assert_eq!(event_value(&file, &uid, "SEQUENCE").as_deref(), Some("1"));
    assert_eq!(
        event_value(&file, &uid, "SEQUENCE"),
        event_value(&update, &uid, "SEQUENCE")
    );
    assert!(!file.contains("ATTENDEE"), "a download lists no addresses");

    let today = samordna::web::today().to_string();
    let page = app.get_html(&format!("/moten/{id}")).await;
    assert_eq!(
        texts(&page, ".lead .invited"),
        [format!("Kallelse sparad utan e-post {today}")]
    );
    let list = app.get_html("/moten").await;
    let row = rows(&list, "#list-title ~ table tbody tr")
        .into_iter()
        .find(|r| r.contains("LindeBRÅ"))
        .expect("the meeting in the list");
    assert!(
        row.contains(&format!("Kallelse sparad utan e-post {today}")),
        "{row}"
    );

    let securitas = app.beside(SECURITAS).await;
    securitas.assert_status(&link, StatusCode::NOT_FOUND).await;
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn an_est_meeting_links_to_that_weeks_reports_and_lagesbild(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let est = create_meeting(&app, "EST", "2030-03-13", "09:00", "30").await;
    let council = create_meeting(&app, "LindeBRÅ", "2030-03-13", "13:00", "60").await;

    let page = app.get_html(&format!("/moten/{est}")).await;
    assert_eq!(
        texts(&page, "a[href='/est?vecka=2030-W11']"),
        ["Rapporterna vecka 11"]
    );
    assert_eq!(
        texts(&page, "a[href='/est/lagesbild/2030-W11']"),
        ["Lägesbild vecka 11"]
    );
    let page = app.get_html(&format!("/moten/{council}")).await;
    assert!(texts(&page, "a[href^='/est/lagesbild/']").is_empty());
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_member_reports_that_they_cannot_come_the_convener_sees_it_and_it_can_be_taken_back(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let id = create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;
    let police_seat = lindesberg_position(&app.db, "Kommunpolis").await;
    let police = TestApp::spawn(app.db.clone()).await;
    police.login_in(POLICE_LIAISON, "Lindesbergs kommun").await;

    let page = police.get_html(&format!("/moten/{id}")).await;
    assert_eq!(texts(&page, "#forhinder button"), ["Anmäl förhinder"]);
    police
        .post_redirects(
            &format!("/moten/{id}/forhinder"),
            &[
                ("position_id", &police_seat.to_string()),
                ("action", "anmal"),
            ],
            &format!("/moten/{id}#forhinder"),
        )
        .await;
    // The title inside the sentence, in lower case as Swedish writes it.
    assert_eq!(
        texts(&police.get_html(&format!("/moten/{id}")).await, ".flash"),
        ["Förhinder är anmält för kommunpolis. Den som kallar ser det på mötessidan."]
    );
    let row = db_row!(
        &app.db,
        r#"select status, excused_at is not null as "excused!" from meeting_attendance
           where meeting_id = $1 and position_id = $2"#,
        id,
        police_seat
    );
    assert_eq!((row.status.as_str(), row.excused), ("absent", true));
    let page = police.get_html(&format!("/moten/{id}")).await;
    assert_eq!(
        texts(&page, "#forhinder button"),
        ["Ta tillbaka förhindret"]
    );

    let convener_view = app.get_html(&format!("/moten/{id}")).await;
    let excused = texts(&convener_view, ".excused li");
    assert_eq!(excused.len(), 1);
    assert!(excused[0].starts_with("Kommunpolis"), "{excused:?}");

    // A seat the person does not hold is refused.
    let coordinator_seat = lindesberg_position(&app.db, "Brottsförebyggande samordnare").await;
    police
        .assert_post_status(
            &format!("/moten/{id}/forhinder"),
            &[
                ("position_id", &coordinator_seat.to_string()),
                ("action", "anmal"),
            ],
            StatusCode::FORBIDDEN,
        )
        .await;

    police
        .post(
            &format!("/moten/{id}/forhinder"),
            &[
                ("position_id", &police_seat.to_string()),
                ("action", "aterta"),
            ],
        )
        .await;
    let left = db_value!(
        &app.db,
        r#"select count(*) as "n!" from meeting_attendance where meeting_id = $1"#,
        id
    );
    assert_eq!(left, 0);
    let convener_view = app.get_html(&format!("/moten/{id}")).await;
    assert!(texts(&convener_view, ".excused li").is_empty());
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn approving_the_minutes_first_shows_a_preview_that_stores_nothing(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let id = held_yesterday(&app).await;
    let page = app.get_html(&format!("/moten/{id}")).await;
    assert_eq!(
        texts(&page, &format!("a[href='/moten/{id}/justera']")),
        ["Justera protokollet"]
    );

    let preview = app.get_html(&format!("/moten/{id}/justera")).await;

    let approved = db_value!(
        &app.db,
        "select minutes_approved_at is not null as \"approved!\" from meeting where id = $1",
        id
    );
    assert!(!approved, "the preview locks nothing");
    assert_eq!(texts(&preview, "h1"), ["Justera protokollet"]);
    let approvers = texts(&preview, "#approvers-title ~ ul li");
    assert!(
        approvers
            .iter()
            .any(|a| a.starts_with("Brottsförebyggande samordnare")),
        "{approvers:?}"
    );
    assert!(
        rows(&preview, "#attendance-title + table tbody tr")
            .iter()
            .any(|r| r == "Kommunpolis Närvarande"
                || r.starts_with("Kommunpolis ") && r.ends_with(" Närvarande"))
    );
    assert_eq!(
        texts(&preview, "#notes-title + .minutes p"),
        ["Lägesbilden gicks igenom."]
    );
    // Only the police's attendance is recorded: the others' seats are
    // counted before they are locked as "Ej angivet".
    let seats = rows(&preview, "#attendance-title + table tbody tr");
    let held = seats.iter().filter(|r| !r.contains("Vakant")).count();
    let unrecorded = seats
        .iter()
        .filter(|r| !r.contains("Vakant") && r.ends_with("Ej angivet"))
        .count();
    assert_eq!(unrecorded, held - 1, "{seats:?}");
    let warning = texts(&preview, "#ej-angivet p").join(" ");
    assert!(
        warning.starts_with(&format!(
            "Närvaron är inte angiven för {unrecorded} av {held} befattningar med innehavare"
        )),
        "{warning}"
    );
    assert_eq!(
        attr_of(&preview, "#ej-angivet a", "href"),
        Some(format!("/moten/{id}#protokoll"))
    );
    // With every seat recorded there is nothing to warn about.
    let selects = Selector::parse("select[name^='a_']").expect("a selector");
    let seats: Vec<String> = page
        .select(&selects)
        .filter_map(|e| e.value().attr("name").map(str::to_owned))
        .collect();
    assert!(seats.len() > 1, "{seats:?}");
    let mut all: Vec<(&str, &str)> = seats.iter().map(|s| (s.as_str(), "present")).collect();
    all.push(("notes", "Lägesbilden gicks igenom."));
    app.post(&format!("/moten/{id}/protokoll"), &all).await;
    let preview = app.get_html(&format!("/moten/{id}/justera")).await;
    assert!(texts(&preview, "#ej-angivet").is_empty());
    // A post without the confirmation goes to the preview, not to the lock.
    app.post_redirects(
        &format!("/moten/{id}/justera"),
        &[],
        &format!("/moten/{id}/justera"),
    )
    .await;
    let audit = db_value!(
        &app.db,
        r#"select count(*) as "n!" from audit_event where action = 'justerade protokoll' and entity_id = $1"#,
        id
    );
    assert_eq!(audit, 0);

    app.post_redirects(
        &format!("/moten/{id}/justera"),
        &[("bekrafta", "ja")],
        &format!("/moten/{id}"),
    )
    .await;
    let approved = db_value!(
        &app.db,
        "select minutes_approved_at is not null as \"approved!\" from meeting where id = $1",
        id
    );
    assert!(approved);
}

/// A form sent from a page shown before the meeting changed (held,
/// cancelled, minutes approved): the page no longer has the form, so the
/// refusal is said for the page, with no link to a field that is not there.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_form_for_a_meeting_that_has_changed_since_is_refused_for_the_page(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let held = held_yesterday(&app).await;
    let cancelled = create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;
    app.post(
        &format!("/moten/{cancelled}/stall-in"),
        &[("reason", "Sjukdom.")],
    )
    .await;

    let cases = [
        (
            held,
            "stall-in",
            vec![("reason", "Lokalen är upptagen.")],
            "Mötet är redan genomfört.",
        ),
        (
            cancelled,
            "stall-in",
            vec![("reason", "Igen.")],
            "Mötet är redan inställt.",
        ),
        (
            cancelled,
            "justera",
            vec![("bekrafta", "ja")],
            "Protokollet kan justeras först när närvaron är förd.",
        ),
    ];
    for (id, action, form, message) in cases {
        let page = app
            .refused_post(&format!("/moten/{id}/{action}"), &form)
            .await;
        assert_eq!(
            texts(&page, "#error-summary-title"),
            ["Det gick inte att spara"],
            "{action}"
        );
        assert_eq!(texts(&page, ".error-summary li"), [message], "{action}");
        assert!(texts(&page, ".error-summary a").is_empty(), "{action}");
        assert!(texts(&page, ".field-error").is_empty(), "{action}");
    }
    let status = db_value!(
        &app.db,
        r#"select status::text as "s!" from meeting where id = $1"#,
        held
    );
    assert_eq!(status, "held");
    // A field the reader can correct keeps its link.
    let planned = create_meeting(&app, "LindeBRÅ", "2030-04-12", "13:00", "120").await;
    let page = app
        .refused_post(&format!("/moten/{planned}/stall-in"), &[("reason", "")])
        .await;
    assert_eq!(
        texts(&page, "#error-summary-title"),
        ["Formuläret behöver rättas"]
    );
    assert_eq!(
        attr_of(&page, ".error-summary a", "href"),
        Some("#reason".to_owned())
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_meeting_in_the_past_asks_for_confirmation_gets_no_kallelse_and_counts_only_once_recorded(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let group = lindesberg_group(&app.db, "LindeBRÅ").await;
    let m = municipality_id(&app.db, "Lindesbergs kommun").await;
    let past = (samordna::web::today() - chrono::Days::new(3)).to_string();
    let count = || async {
        db_value!(
            &app.db,
            r#"select count(*) as "n!" from meeting where work_group_id = $1"#,
            group
        )
    };
    let before = count().await;
    let form = [
        ("group_id", group.to_string()),
        ("date", past.clone()),
        ("time", "13:00".to_owned()),
        ("duration", "61".to_owned()),
        ("form", "in_person".to_owned()),
        ("place", "Kommunhuset".to_owned()),
        ("agenda", "Lägesbild".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let page = app.refused_post("/moten/ny", &fields).await;
    assert!(texts(&page, "#past_ok-error")[0].contains("Mötets tid har redan passerat"));
    assert_eq!(
        texts(&page, "label[for=past_ok]"),
        ["Mötet har redan hållits – spara det ändå"]
    );
    assert_value(&page, "#date", past.as_str());
    assert_eq!(count().await, before, "nothing stored");

    let mut confirmed = fields.clone();
    confirmed.push(("past_ok", "ja"));
    let response = app.post("/moten/ny", &confirmed).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let id: uuid::Uuid = response.headers()["location"]
        .to_str()
        .expect("location")
        .trim_start_matches("/moten/")
        .parse()
        .expect("id");
    let page = app.get_html(&format!("/moten/{id}")).await;
    assert!(
        texts(&page, "#kallelse-title ~ form button").is_empty(),
        "no kallelse for a past meeting"
    );
    app.post(&format!("/moten/{id}/kallelse"), &[]).await;
    assert!(mails(&app).is_empty(), "no kallelse for a past meeting");

    // Moving a future meeting into the past asks too.
    let future = create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;
    app.assert_post_status(
        &format!("/moten/{future}"),
        &fields,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let starts = db_value!(
        &app.db,
        "select starts_at from meeting where id = $1",
        future
    );
    assert_eq!(starts.to_rfc3339(), "2030-03-12T12:00:00+00:00");

    // Notes alone do not make the meeting held; attendance does.
    let term = Term::containing(samordna::web::today() - chrono::Days::new(3));
    let held = || async { compliance(&app, m, group, term).await };
    let before_held = held().await.held;
    app.post(
        &format!("/moten/{id}/protokoll"),
        &[("notes", "Kort möte.")],
    )
    .await;
    let status = db_value!(&app.db, "select status from meeting where id = $1", id);
    assert_eq!(status, "planned");
    let c = held().await;
    assert_eq!(c.held, before_held);
    assert!(c.unrecorded >= 1);
    let police = lindesberg_position(&app.db, "Kommunpolis").await;
    record_minutes(&app, id, police, "Kort möte.").await;
    assert_eq!(held().await.held, before_held + 1);
}

#[test]
fn an_unrecorded_past_meeting_does_not_keep_a_group_on_track() {
    let c = samordna::meetings::cadence::Compliance {
        term: Term::parse("2030-var").expect("term"),
        part: None,
        inactive: false,
        required: 2,
        held: 1,
        planned: 0,
        cancelled: 0,
        unrecorded: 1,
    };
    assert!(!c.on_track());
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn term_planning_resets_breaks_lets_dates_be_left_out_and_opens_the_first_new_month(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let est = lindesberg_group(&app.db, "EST").await;
    // The spring break typed for 2030, carried into the autumn's form.
    let autumn = app
        .get_html(&format!(
            "/moten/planera?grupp={est}&termin=2030-host&weekday=4&time=09:00&duration=30&form=online&break_from=2030-06-14&break_to=2030-06-30"
        ))
        .await;
    assert_value(&autumn, "#break_from", "2030-07-01");
    assert_value(&autumn, "#break_to", "2030-08-15");

    let council = lindesberg_group(&app.db, "LindeBRÅ").await;
    let query = format!(
        "grupp={council}&termin=2030-var&weekday=2&time=13:00&duration=120&count=2&form=in_person&place=Kommunhuset&meeting_link=&break_from=&break_to="
    );
    let preview = app.get_html(&format!("/moten/planera?{query}")).await;
    let boxes: Vec<String> = Selector::parse("#proposal-title + form input[type=checkbox]")
        .map(|s| {
            preview
                .select(&s)
                .filter(|e| e.value().attr("checked").is_some())
                .filter_map(|e| e.value().attr("name").map(str::to_owned))
                .collect()
        })
        .expect("selector");
    assert_eq!(boxes.len(), 2, "every proposed date ticked: {boxes:?}");
    let before = meeting_count(&app, council).await;
    let mut form: Vec<(String, String)> = query
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("pair");
            (k.to_owned(), v.to_owned())
        })
        .collect();
    form.push(("pick".into(), "ja".into()));
    // Only the second date is kept.
    form.push((boxes[1].clone(), "ja".into()));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    let response = app.post("/moten/planera", &fields).await;

    assert_eq!(meeting_count(&app, council).await, before + 1);
    let kept = boxes[1].trim_start_matches("d_");
    assert_redirect_to(&response, &format!("/moten?manad={}", &kept[..7]));
    let stored = db_value!(
        &app.db,
        r#"select count(*) as "n!" from meeting
           where work_group_id = $1 and (starts_at at time zone 'Europe/Stockholm')::date = $2::text::date"#,
        council,
        kept
    );
    assert_eq!(stored, 1);

    // With the first date saved too, nothing is left to plan.
    let mut rest = fields.clone();
    rest.retain(|(k, _)| !k.starts_with("d_"));
    rest.push((boxes[0].as_str(), "ja"));
    app.post("/moten/planera", &rest).await;
    let preview = app.get_html(&format!("/moten/planera?{query}")).await;
    assert!(texts(&preview, "#proposal-title + form button").is_empty());
    assert_eq!(
        texts(&preview, "#proposal-title + form .notice"),
        ["Allt är redan planerat: gruppen har redan möten alla dagar i förslaget."]
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_group_page_shows_its_feed_address_from_the_public_address_ready_to_copy(
    db: sqlx::PgPool,
) {
    let app = TestApp::with_config(db, |c| {
        c.public_url = "https://samordna.lindesberg.se/".into();
    })
    .await;
    app.login(COORDINATOR).await;
    let group = lindesberg_group(&app.db, "LindeBRÅ").await;

    let page = app.get_html(&format!("/grupper/{group}")).await;

    let address = value_of(&page, "input#group-feed-url[readonly]").expect("feed address");
    assert!(
        address.starts_with("https://samordna.lindesberg.se/kalender/grupp/"),
        "{address}"
    );
    assert_eq!(
        texts(&page, "button[data-copy=group-feed-url][hidden]"),
        ["Kopiera"],
        "the copy button waits for the script"
    );
    assert!(
        texts(&page, "script[src$='/copy.js']").len() == 1,
        "our own script"
    );
}

/// A planned meeting whose time has passed (its minutes not yet written)
/// offers neither förhinder nor a kallelse and says why; a förhinder sent
/// from a page loaded before is refused next to the field, and nothing is
/// stored.
#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_meeting_that_has_passed_offers_neither_forhinder_nor_a_kallelse(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let last_week = (samordna::web::today() - chrono::Days::new(7)).to_string();
    let id = create_meeting(&app, "LindeBRÅ", &last_week, "13:00", "60").await;

    let page = app.get_html(&format!("/moten/{id}")).await;
    assert!(texts(&page, "#forhinder").is_empty());
    let kallelse = texts(&page, "#kallelse-title ~ p").join(" ");
    assert!(
        kallelse.contains("Mötets tid har redan passerat, så ingen kallelse skickas."),
        "{kallelse}"
    );
    assert!(!kallelse.contains("Kallelsen går med e-post"), "{kallelse}");
    assert!(
        !texts(&page, "button")
            .iter()
            .any(|b| b.contains("kallelse") || b.contains("förhinder")),
        "{:?}",
        texts(&page, "button")
    );
    // Nothing to put in a calendar any more.
    assert!(texts(&page, &format!("a[href='/moten/{id}/kalender.ics']")).is_empty());

    let police_seat = lindesberg_position(&app.db, "Kommunpolis").await;
    let police = TestApp::spawn(app.db.clone()).await;
    police.login_in(POLICE_LIAISON, "Lindesbergs kommun").await;
    let refused = police
        .post(
            &format!("/moten/{id}/forhinder"),
            &[
                ("position_id", &police_seat.to_string()),
                ("action", "anmal"),
            ],
        )
        .await;
    let page = refused_page(refused).await;
    assert_eq!(
        texts(&page, ".error-summary li"),
        ["Mötet har redan varit; den som kallar för in närvaron i protokollet."]
    );
    let stored = db_value!(
        &app.db,
        r#"select count(*) as "n!" from meeting_attendance where meeting_id = $1"#,
        id
    );
    assert_eq!(stored, 0);
}

/// Links that are not a whole `https://` address, each a way people type
/// them wrong.
const BAD_LINKS: [&str; 8] = [
    "http://teams.example/lindebra",
    "teams.microsoft.com/l/meetup-join/19",
    "https://",
    "https://teams microsoft.com/x",
    "javascript:alert(1)",
    "ftp://teams.example/lindebra",
    "https:/teams.example/lindebra",
    "https://intranat/mote",
];

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_meeting_link_is_checked_only_for_a_digital_meeting(db: sqlx::PgPool) {
    let app = TestApp::demo_as(db, COORDINATOR).await;
    let council = lindesberg_group(&app.db, "LindeBRÅ").await.to_string();
    let date = (samordna::web::today() + chrono::Days::new(30)).to_string();
    let meeting = |form: &str, link: &str| {
        [
            ("group_id", council.as_str()),
            ("date", date.as_str()),
            ("time", "13:00"),
            ("duration", "61"),
            ("form", form),
            ("place", "Kommunhuset"),
            ("meeting_link", link),
            ("agenda", ""),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    };
    let post = |fields: [(String, String); 8]| {
        let app = &app;
        async move { crate::double_submit::post_fields(app, "/moten/ny", &fields).await }
    };
    for link in BAD_LINKS {
        let page = assert_refused_by(
            post(meeting("online", link)).await,
            "meeting_link",
            "hel webbadress som börjar med https://",
            link,
        )
        .await;
        assert_value(&page, "#place", "Kommunhuset");
        // The same link left in the field of a physical meeting is not
        // refused: a physical meeting keeps no link.
        let response = post(meeting("in_person", link)).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "in person: {link}"
        );
    }
    let response = post(meeting(
        "online",
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting",
    ))
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "a whole link");
    let stored = db_rows!(
        &app.db,
        "select place, meeting_link from meeting where work_group_id = $1 and ends_at - starts_at = interval '61 minutes' order by meeting_link",
        council.parse::<uuid::Uuid>().expect("id")
    );
    let stored: Vec<(String, String)> = stored
        .into_iter()
        .map(|r| (r.place, r.meeting_link))
        .collect();
    // Each keeps what its form is for: a place, or a link.
    let mut expected = vec![("Kommunhuset".to_owned(), String::new()); BAD_LINKS.len()];
    expected.push((
        String::new(),
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting".to_owned(),
    ));
    assert_eq!(stored, expected);

    // The group's cadence and the term plan check the link the same way.
    let group = lindesberg_group(&app.db, "Arbetsgrupp trygg stationsmiljö").await;
    let cadence = |form: &'static str| {
        vec![
            ("kind", "weekly"),
            ("weekday", "3"),
            ("time", "15:30"),
            ("duration", "45"),
            ("form", form),
            ("places", "Resecentrum"),
            ("meeting_link", BAD_LINKS[0]),
        ]
    };
    let path = format!("/grupper/{group}/motesrytm");
    assert_refused_by(
        app.post(&path, &cadence("online")).await,
        "meeting_link",
        "börjar med https://",
        "cadence",
    )
    .await;
    assert_eq!(
        app.post(&path, &cadence("in_person")).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        db_value!(
            &app.db,
            "select meeting_link from group_cadence where work_group_id = $1",
            group
        ),
        ""
    );
    let plan = app
        .get_html(&format!(
            "/moten/planera?grupp={council}&termin=2030-var&weekday=2&time=13:00&duration=120&count=2&form=online&meeting_link=teams.microsoft.com"
        ))
        .await;
    assert_field_errors(
        &plan,
        "meeting_link",
        &[
            "Fel: Möteslänken ska vara en hel webbadress som börjar med https://, till exempel https://teams.microsoft.com/…",
        ],
    );
}
