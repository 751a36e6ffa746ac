//! Meetings: scheduling in the browser, term planning, kallelse by e-mail,
//! calendar feeds, the meeting record, compliance and access.

use icalendar::{Calendar, Component};
use reqwest::StatusCode;
use samordna::meetings::calendar::Term;

use crate::helpers::*;

/// Creates a meeting through the HTML form and returns its id.
async fn create_meeting(
    app: &TestApp,
    group: &str,
    date: &str,
    time: &str,
    minutes: &str,
) -> uuid::Uuid {
    let group_id = group_id(&app.db, "Lindesbergs kommun", group).await;
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

/// The `.eml` files in the app's mail folder, parsed: (to, subject, calendar text).
fn mails(app: &TestApp) -> Vec<(String, String, String)> {
    let Ok(entries) = std::fs::read_dir(&app.mail_dir) else {
        return Vec::new();
    };
    let mut mails: Vec<_> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| {
            let raw = std::fs::read(e.path()).expect("eml");
            let mail = mailparse::parse_mail(&raw).expect("mail parses");
            let header = |name: &str| {
                mailparse::MailHeaderMap::get_first_value(&mail.headers[..], name)
                    .unwrap_or_default()
            };
            let calendar = mail
                .subparts
                .iter()
                .find(|p| p.ctype.mimetype == "text/calendar")
                .map(|p| p.get_body().expect("calendar body"))
                .unwrap_or_default();
            (header("To"), header("Subject"), calendar)
        })
        .collect();
    mails.sort();
    mails
}

fn event_value(calendar: &str, uid: &str, property: &str) -> Option<String> {
    let parsed: Calendar = calendar.parse().expect("calendar parses");
    parsed
        .events()
        .find(|e| e.get_uid() == Some(uid))
        .and_then(|e| e.property_value(property).map(str::to_owned))
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_meeting_made_in_the_form_is_stored_in_swedish_time_and_appears_in_my_feed(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;

    let id = create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;

    let stored = sqlx::query!(
        "select starts_at, ends_at, place, agenda from meeting where id = $1",
        id
    )
    .fetch_one(&app.db)
    .await
    .expect("meeting");
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
    let account = app.get_html("/konto").await;
    let feed = value_of(&account, "#feed-url").expect("feed address");
    let path = feed
        .split_once("/kalender/")
        .map(|(_, t)| format!("/kalender/{t}"))
        .expect("path");
    // A calendar program sends no cookies.
    let response = app
        .other_browser()
        .get(app.url(&path))
        .send()
        .await
        .expect("feed");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/calendar")
    );
    let calendar = response.text().await.expect("body");
    let uid = format!("{id}@samordna");
    assert_eq!(
        event_value(&calendar, &uid, "DTSTART").as_deref(),
        Some("20300312T120000Z")
    );
    assert_eq!(
        event_value(&calendar, &uid, "LOCATION").as_deref(),
        Some("Kommunhuset, sal Linde")
    );
    assert!(!calendar.contains("ATTENDEE"), "feeds publish no addresses");

    // A new address retires the old one.
    app.post("/konto/kalender", &[("action", "new")]).await;
    let response = app
        .other_browser()
        .get(app.url(&path))
        .send()
        .await
        .expect("feed");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_kallelse_mails_every_member_holder_once_with_a_calendar_request(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
    let id = create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;

    let response = app.post(&format!("/moten/{id}/kallelse"), &[]).await;
    assert_redirect_to(&response, &format!("/moten/{id}"));

    let sent = mails(&app);
    let holders: Vec<String> = sqlx::query_scalar!(
        r#"select distinct pe.email from membership ms join work_group g on g.id = ms.work_group_id
           join position_holder h on h.position_id = ms.position_id and h.held_to is null
           join person pe on pe.id = h.person_id where g.name = 'LindeBRÅ' order by pe.email"#
    )
    .fetch_all(&app.db)
    .await
    .expect("holders");
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
            event_value(calendar, &uid, "SEQUENCE").as_deref(),
            Some("0")
        );
        assert_eq!(
            event_value(calendar, &uid, "DTEND").as_deref(),
            Some("20300312T140000Z")
        );
    }
    let page = app.get_html(&format!("/moten/{id}")).await;
    assert!(
        texts(&page, "#sent-title + ul li")[0]
            .contains("kallelse till 8 personer av Sara Lindqvist")
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn cancelling_sends_a_cancel_with_the_same_uid_and_a_higher_sequence_and_updates_the_feed(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
    let id = create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;
    app.post(&format!("/moten/{id}/kallelse"), &[]).await;

    let response = app
        .post(&format!("/moten/{id}/stall-in"), &[("reason", "")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        texts(&html_of(response).await, "#reason-error"),
        ["Fel: Fyll i varför mötet ställs in."]
    );

    let response = app
        .post(
            &format!("/moten/{id}/stall-in"),
            &[("reason", "Lokalen är upptagen.")],
        )
        .await;
    assert_redirect_to(&response, &format!("/moten/{id}"));

    let uid = format!("{id}@samordna");
    let cancellations: Vec<_> = mails(&app)
        .into_iter()
        .filter(|(_, s, _)| s.starts_with("Inställt:"))
        .collect();
    assert_eq!(cancellations.len(), 8);
    for (_, _, calendar) in &cancellations {
        assert!(calendar.contains("METHOD:CANCEL"));
        assert_eq!(
            event_value(calendar, &uid, "SEQUENCE").as_deref(),
            Some("1")
        );
        assert_eq!(
            event_value(calendar, &uid, "STATUS").as_deref(),
            Some("CANCELLED")
        );
    }
    let group = group_id(&app.db, "Lindesbergs kommun", "LindeBRÅ").await;
    let group_page = app.get_html(&format!("/grupper/{group}")).await;
    let feed = texts(&group_page, ".feed-url")[0].clone();
    let path = feed
        .split_once("/kalender/")
        .map(|(_, t)| format!("/kalender/{t}"))
        .expect("path");
    let calendar = app
        .other_browser()
        .get(app.url(&path))
        .send()
        .await
        .expect("feed")
        .text()
        .await
        .expect("ics");
    assert_eq!(
        event_value(&calendar, &uid, "STATUS").as_deref(),
        Some("CANCELLED")
    );
    let page = app.get_html(&format!("/moten/{id}")).await;
    assert!(texts(&page, ".notice")[0].contains("Lokalen är upptagen."));
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn moving_a_meeting_after_the_kallelse_bumps_the_sequence_and_asks_for_an_update(
    db: sqlx::PgPool,
) {
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
    let id = create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;
    app.post(&format!("/moten/{id}/kallelse"), &[]).await;
    let group = group_id(&app.db, "Lindesbergs kommun", "LindeBRÅ").await;

    let response = app
        .post(
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
        )
        .await;
    assert_redirect_to(&response, &format!("/moten/{id}"));

    let page = app.get_html(&format!("/moten/{id}")).await;
    assert!(texts(&page, ".flash")[0].contains("skicka en uppdaterad kallelse"));
    let sequence = sqlx::query_scalar!("select sequence from meeting where id = $1", id)
        .fetch_one(&app.db)
        .await
        .expect("sequence");
    assert_eq!(sequence, 1);
    app.post(&format!("/moten/{id}/kallelse"), &[]).await;
    let updates: Vec<_> = mails(&app)
        .into_iter()
        .filter(|(_, s, _)| s.starts_with("Uppdaterad kallelse"))
        .collect();
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
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
    let est = group_id(&app.db, "Lindesbergs kommun", "EST").await;
    let query = format!(
        "/moten/planera?grupp={est}&termin=2030-var&weekday=4&time=09:00&duration=30&form=online&meeting_link=https://teams.example/est&break_from=2030-06-14&break_to=2030-06-30"
    );

    let preview = app.get_html(&query).await;
    let skipped = texts(&preview, "#proposal-title ~ ul li");
    assert!(
        skipped.contains(&"torsdag 30 maj 2030: Kristi himmelfärdsdag".to_owned()),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&"torsdag 20 juni 2030: Uppehåll".to_owned()),
        "{skipped:?}"
    );
    let proposed = texts(&preview, "#proposal-title + table tbody tr td:first-child");
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
    let response = app.post("/moten/planera", &form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    assert_eq!(
        meeting_count(&app, est).await - before,
        i64::try_from(proposed.len()).expect("count")
    );
    let times: Vec<(String, String)> = sqlx::query!(
        r#"select to_char(starts_at at time zone 'Europe/Stockholm', 'YYYY-MM-DD') as "day!",
                  to_char(starts_at at time zone 'UTC', 'HH24:MI') as "utc!"
           from meeting where work_group_id = $1 and starts_at >= '2030-01-01' and starts_at < '2030-07-01'
           order by starts_at"#,
        est
    )
    .fetch_all(&app.db)
    .await
    .expect("meetings")
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
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from meeting where work_group_id = $1"#,
        group
    )
    .fetch_one(&app.db)
    .await
    .expect("count")
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn a_double_booking_is_warned_about_when_planning(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
    create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;

    create_meeting(&app, "Styrgrupp", "2030-03-12", "14:00", "60").await;

    let page = app.get_html("/moten").await;
    let flash = texts(&page, ".flash").join(" ");
    assert!(
        flash.contains("Sara Lindqvist har redan möte i LindeBRÅ 2030-03-12 kl. 13:00–15:00."),
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
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
    let yesterday = (samordna::web::today() - chrono::Days::new(1)).to_string();
    let id = create_meeting(&app, "LindeBRÅ", &yesterday, "13:00", "120").await;
    let coordinator = position_id(
        &app.db,
        "Lindesbergs kommun",
        "Brottsförebyggande samordnare",
    )
    .await;
    let police = position_id(&app.db, "Lindesbergs kommun", "Kommunpolis").await;

    let response = app
        .post(
            &format!("/moten/{id}/protokoll"),
            &[
                (&format!("a_{coordinator}") as &str, "present"),
                (&format!("a_{police}"), "absent"),
                ("notes", "Lägesbilden gicks igenom."),
            ],
        )
        .await;
    assert_redirect_to(&response, &format!("/moten/{id}#protokoll"));
    let statuses: Vec<String> = sqlx::query_scalar!(
        "select status from meeting_attendance where meeting_id = $1 order by status desc",
        id
    )
    .fetch_all(&app.db)
    .await
    .expect("attendance");
    assert_eq!(statuses, ["present", "absent"]);

    let response = app
        .post(
            &format!("/moten/{id}/beslut"),
            &[
                ("text", "En arbetsgrupp tillsätts för trygghet i Storå."),
                ("kind", "group"),
                ("group_name", "Arbetsgrupp Storå"),
                ("group_task", "Kartlägga otryggheten i Storå centrum."),
                ("group_focus", "Storå"),
            ],
        )
        .await;
    assert_redirect_to(&response, &format!("/moten/{id}#beslut"));
    let group = sqlx::query!(
        r#"select g.tier, g.decision_reference, a.name as "appointed_by?" from work_group g
           left join work_group a on a.id = g.appointed_by_group_id where g.name = 'Arbetsgrupp Storå'"#
    )
    .fetch_one(&app.db)
    .await
    .expect("group");
    assert_eq!(group.tier, "temporary");
    assert_eq!(group.appointed_by.as_deref(), Some("LindeBRÅ"));
    assert_eq!(
        group.decision_reference,
        format!("LindeBRÅ {yesterday} § 1")
    );

    let response = app
        .post(
            &format!("/moten/{id}/beslut"),
            &[
                ("text", "Polisen tar fram statistik."),
                ("kind", "task"),
                ("task_title", "Statistik för Storå"),
                ("task_owner", &police.to_string()),
                ("task_due", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html_of(response).await;
    assert_eq!(texts(&page, "#task_due-error"), ["Fel: Ange ett datum."]);
    assert_eq!(texts(&page, "#task_title").len(), 1);
    assert_eq!(
        value_of(&page, "#task_title").as_deref(),
        Some("Statistik för Storå")
    );

    app.post(
        &format!("/moten/{id}/beslut"),
        &[
            ("text", "Polisen tar fram statistik."),
            ("kind", "task"),
            ("task_title", "Statistik för Storå"),
            ("task_owner", &police.to_string()),
            ("task_due", "2030-01-31"),
        ],
    )
    .await;
    let page = app.get_html(&format!("/moten/{id}")).await;
    let decisions = texts(&page, ".decisions li");
    assert_eq!(decisions.len(), 2);
    assert!(decisions[0].starts_with("§ 1 En arbetsgrupp tillsätts för trygghet i Storå. Tillsatte arbetsgruppen Arbetsgrupp Storå."));
    assert!(
        decisions[1].contains(
            "Uppgift: Statistik för Storå, ansvarig Kommunpolis, klar senast 2030-01-31."
        )
    );

    let response = app.post(&format!("/moten/{id}/justera"), &[]).await;
    assert_redirect_to(&response, &format!("/moten/{id}"));
    let response = app
        .post(
            &format!("/moten/{id}/protokoll"),
            &[("notes", "Ändrat i efterhand")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let notes = sqlx::query_scalar!("select notes from meeting where id = $1", id)
        .fetch_one(&app.db)
        .await
        .expect("notes");
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
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
    let one = create_meeting(&app, "LindeBRÅ", "2030-09-10", "13:00", "120").await;
    let two = create_meeting(&app, "LindeBRÅ", "2030-10-15", "13:00", "120").await;
    create_meeting(&app, "LindeBRÅ", "2030-11-12", "13:00", "120").await;
    let m = municipality_id(&app.db, "Lindesbergs kommun").await;
    sqlx::query!(
        "update meeting set status = 'held' where id = $1 and municipality_id = $2",
        one,
        m
    )
    .execute(&app.db)
    .await
    .expect("held");
    app.post(&format!("/moten/{two}/stall-in"), &[("reason", "Sjukdom")])
        .await;
    let group = group_id(&app.db, "Lindesbergs kommun", "LindeBRÅ").await;

    let term = Term::parse("2030-host").expect("term");
    let c = samordna::meetings::cadence::compliance(&app.db, m, group, term)
        .await
        .expect("compliance");

    assert_eq!((c.required, c.held, c.planned, c.cancelled), (2, 1, 1, 1));
    assert_eq!(
        c.summary("LindeBRÅ"),
        "LindeBRÅ höst 2030: 1 av 2 hållna, 1 planerat, 1 inställda"
    );
    assert!(c.on_track());
    let est = group_id(&app.db, "Lindesbergs kommun", "EST").await;
    let weekly = samordna::meetings::cadence::compliance(&app.db, m, est, term)
        .await
        .expect("compliance");
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
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
    let lindebra = create_meeting(&app, "LindeBRÅ", "2030-03-12", "13:00", "120").await;
    let est = create_meeting(&app, "EST", "2030-03-13", "09:00", "30").await;

    let securitas = TestApp::spawn(app.db.clone()).await;
    securitas.login(SECURITAS).await;
    assert_eq!(
        securitas.get(&format!("/moten/{est}")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        securitas.get(&format!("/moten/{lindebra}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        securitas.get("/moten/ny").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        securitas
            .post(&format!("/moten/{est}/kallelse"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        securitas
            .post(&format!("/moten/{est}/stall-in"), &[("reason", "x")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
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
    assert_eq!(
        police.get(&format!("/moten/{lindebra}")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        police
            .post(&format!("/moten/{lindebra}/kallelse"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    let nora = TestApp::spawn(app.db.clone()).await;
    nora.login(NORA_COORDINATOR).await;
    assert_eq!(
        nora.get(&format!("/moten/{est}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        nora.post(&format!("/moten/{est}/stall-in"), &[("reason", "x")])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let feed = nora.get("/kalender/finnsinte.ics").await;
    assert_eq!(feed.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_coordinator_edits_a_cadence_and_the_group_page_shows_it(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    let group = group_id(
        &app.db,
        "Lindesbergs kommun",
        "Arbetsgrupp trygg stationsmiljö",
    )
    .await;
    let securitas = TestApp::spawn(app.db.clone()).await;
    securitas.login(SECURITAS).await;
    assert_eq!(
        securitas
            .get(&format!("/grupper/{group}/motesrytm"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    app.login(COORDINATOR).await;

    let response = app
        .post(
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
        )
        .await;
    assert_redirect_to(&response, &format!("/grupper/{group}"));

    let page = app.get_html(&format!("/grupper/{group}")).await;
    assert!(texts(&page, "p").contains(&"Mötesrytm: Varje onsdag kl. 15:30, 45 minuter, fysiskt: Resecentrum eller Kommunhuset Ändra mötesrytmen".to_owned()));

    let response = app
        .post(
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
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html_of(response).await;
    assert_eq!(
        texts(&page, "#time-error"),
        ["Fel: Ange tiden som TT:MM, till exempel 09:00."]
    );
    assert_eq!(
        texts(&page, "#duration-error"),
        ["Fel: Ange längden i minuter, mellan 5 och 600."]
    );
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_demo_has_a_year_of_held_meetings_with_attendance_and_one_cancelled(db: sqlx::PgPool) {
    samordna::seed::load_demo(&db).await.expect("seed");
    let counts = sqlx::query!(
        r#"select count(*) filter (where status = 'held') as "held!",
                  count(*) filter (where status = 'cancelled') as "cancelled!",
                  count(*) filter (where status = 'planned') as "planned!",
                  (select count(*) from meeting_attendance) as "attendance!"
           from meeting"#
    )
    .fetch_one(&db)
    .await
    .expect("counts");
    assert!(counts.held > 40);
    assert_eq!(counts.cancelled, 1);
    assert!(counts.planned > 40);
    assert!(counts.attendance > 300);
}

#[sqlx::test(migrator = "samordna::MIGRATOR")]
async fn the_calendar_loads_its_data_in_one_statement(db: sqlx::PgPool) {
    let app = TestApp::demo(db).await;
    app.login(COORDINATOR).await;
    let member = TestApp::spawn(app.db.clone()).await;
    member.login(SECURITAS).await;
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
